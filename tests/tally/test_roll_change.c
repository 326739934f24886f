/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Issue 22: a roll changed after publication (UL17.objections,
 * docs/spec/record.md ).  quorum-tally roll-change logs and signs the
 * change in the election log; the tally counts a station only on the roll
 * in force (R-5 (10)); a change after polling opened, outside the
 * objection window, unsigned or not following the roll in force is refused.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/log.h"
#include "crypto/util.h"
#include "fixture.h"
#include "tally/count.h"
#include "testutil.h"
#include "tmpsuite.h"

TEST_TMP_DIR

TEST_TMP_SUITE(roll_change);

static const uint8_t marks[3 * FX_NOPT] = {
    1, 0, 1, 1, 1, 0, 0, /**/ 1, 0, 1, 1, 0, 1, 0, /**/ 0, 1, 1, 1, 0, 1, 0,
};

/* The fixture's roll with V0009's name corrected (周杰 -> 周傑). */
static char *corrected_roll(uint8_t h[32])
{
	char *alt = strdup(fx_roll()), *at = strstr(alt, "V0009,周杰,");
	cr_assert_not_null(at);
	memcpy(at + 6, "周傑", strlen("周傑"));
	sha256(h, alt, strlen(alt));
	return alt;
}

static rec_election *ready(void)
{
	rec_election *el = fx_init(tmp, "e", "hq-test", 1, 1, NULL);
	fx_ceremony(el, tmp, "e");
	return el;
}

static qerr change(rec_election *el, const char *csv, const char *decided, char *msg, size_t msgsz)
{
	uint8_t h[32];
	size_t n = 0;
	return rec_roll_change(el, (const uint8_t *)csv, strlen(csv), "V0009 姓名更正", decided,
	                       "异议处理决定 2026-01", h, &n, msg, msgsz);
}

static qerr tally_on(rec_election *el, const uint8_t *s1_roll, const uint8_t *s2_roll, char *msg,
                     size_t msgsz)
{
	tally_opts o = {2, 0};
	fx_station_roll_hash = s1_roll;
	fx_forged_station_marks(el, "s1", marks, 2, 2);
	fx_station_roll_hash = s2_roll;
	fx_forged_station_marks(el, "s2", marks + 2 * FX_NOPT, 1, 1);
	fx_station_roll_hash = NULL;
	return tally_run(el, &o, msg, msgsz);
}

/* Logged and signed: the chain reads back, and stations on the new roll
 * are counted. */
Test(roll_change, logged_change_is_the_roll_in_force)
{
	rec_election *el = ready();
	uint8_t h[32], old[32];
	char msg[1024] = "";
	char *alt = corrected_roll(h);
	memcpy(old, el->roll_hash, 32);
	cr_assert_eq(change(el, alt, "2026-02-27", msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(el->roll.changes, 1);
	cr_assert(memcmp(el->roll.head, h, 32) == 0);
	/* a second command reads the same chain from the log */
	rec_election *el2 = NULL;
	cr_assert_eq(rec_open(&el2, el->dir, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert(memcmp(el2->roll.head, h, 32) == 0 && memcmp(el2->roll_hash, old, 32) == 0);
	cr_assert_eq(tally_on(el2, h, h, msg, sizeof msg), Q_OK, "%s", msg);
	rec_free(el2);
	free(alt);
	rec_free(el);
}

/* A station still on the roll the change replaced is refused, naming the
 * change and every hash. */
Test(roll_change, station_on_the_replaced_roll_is_refused)
{
	rec_election *el = ready();
	uint8_t h[32];
	char msg[1024] = "", oldx[65], newx[65];
	char *alt = corrected_roll(h);
	hex_encode(oldx, el->roll_hash, 32);
	hex_encode(newx, h, 32);
	cr_assert_eq(change(el, alt, "2026-02-27", msg, sizeof msg), Q_OK, "%s", msg);
	qerr e = tally_on(el, NULL, h, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_CONSISTENCY, "%s", msg);
	cr_assert(strstr(msg, "station s1 served another roll") != NULL &&
	              strstr(msg, "changed by roll-changed entry") != NULL &&
	              strstr(msg, oldx) != NULL && strstr(msg, newx) != NULL,
	          "%s", msg);
	free(alt);
	rec_free(el);
}

/* A station on a roll changed without a log entry is refused. */
Test(roll_change, station_on_an_unlogged_roll_is_refused)
{
	rec_election *el = ready();
	uint8_t h[32];
	char msg[1024] = "", want[65], have[65];
	char *alt = corrected_roll(h);
	hex_encode(want, el->roll_hash, 32);
	hex_encode(have, h, 32);
	qerr e = tally_on(el, h, NULL, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_CONSISTENCY, "%s", msg);
	cr_assert(strstr(msg, "station s1 served another roll") != NULL &&
	              strstr(msg, have) != NULL && strstr(msg, want) != NULL,
	          "%s", msg);
	free(alt);
	rec_free(el);
}

/* UL17.objections: the change is decided inside the objection window
 * (published 2026-02-20, objections 5 days, decided within 3: last day
 * 2026-02-28) and before polling day 2026-03-15. */
Test(roll_change, outside_the_objection_window_is_refused)
{
	rec_election *el = ready();
	uint8_t h[32];
	char msg[1024] = "";
	char *alt = corrected_roll(h);
	cr_assert_eq(change(el, alt, "2026-03-01", msg, sizeof msg), Q_ERR_RULE);
	cr_assert(strstr(msg, "outside the objection window") != NULL &&
	              strstr(msg, "UL17.objections") != NULL,
	          "%s", msg);
	cr_assert_eq(change(el, alt, "2026-03-15", msg, sizeof msg), Q_ERR_RULE);
	cr_assert(strstr(msg, "polling has opened") != NULL, "%s", msg);
	cr_assert_eq(change(el, alt, "2026-02-19", msg, sizeof msg), Q_ERR_RULE);
	cr_assert(strstr(msg, "before the roll was published") != NULL, "%s", msg);
	/* the last day of the window is inside */
	cr_assert_eq(change(el, alt, "2026-02-28", msg, sizeof msg), Q_OK, "%s", msg);
	free(alt);
	rec_free(el);
}

/* Once a station's record is in the election directory, polling has
 * opened: no change. */
Test(roll_change, after_polling_opened_is_refused)
{
	rec_election *el = ready();
	uint8_t h[32];
	char msg[1024] = "";
	char *alt = corrected_roll(h);
	fx_forged_station_marks(el, "s1", marks, 2, 2);
	cr_assert_eq(change(el, alt, "2026-02-27", msg, sizeof msg), Q_ERR_RULE);
	cr_assert(strstr(msg, "polling has opened") != NULL &&
	              strstr(msg, "stations/s1/station-record.json") != NULL,
	          "%s", msg);
	free(alt);
	rec_free(el);
}

/* A roll-changed entry appended to the election log without the
 * returning officer's key signing a checkpoint over it. */
Test(roll_change, unsigned_entry_is_refused)
{
	rec_election *el = ready();
	uint8_t h[32];
	char msg[1024] = "", ld[1200], oldx[65], newx[65], ent[1024];
	char *alt = corrected_roll(h);
	audit_log *lg = NULL;
	uint64_t idx;
	hex_encode(oldx, el->roll_hash, 32);
	hex_encode(newx, h, 32);
	snprintf(ent, sizeof ent,
	         "{\"decided\":\"2026-02-27\",\"decision\":\"x\",\"new_hash\":\"%s\","
	         "\"old_hash\":\"%s\",\"reason\":\"x\",\"rule\":\"UL17.objections\","
	         "\"type\":\"roll-changed\",\"voters\":10}",
	         newx, oldx);
	snprintf(ld, sizeof ld, "%s/log", el->dir);
	cr_assert_eq(log_open(ld, LOG_RDWR, &lg, NULL, 0), Q_OK);
	cr_assert_eq(log_append(lg, ent, strlen(ent), &idx), Q_OK);
	log_close(lg);
	rec_election *el2 = NULL;
	qerr e = rec_open(&el2, el->dir, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_SIGNATURE, "%s", msg);
	cr_assert(strstr(msg, "(roll-changed) is not covered by a checkpoint signed") != NULL, "%s",
	          msg);
	free(alt);
	rec_free(el);
}

/* Signed, but its old hash is not the roll in force: refused. */
Test(roll_change, entry_with_a_wrong_old_hash_is_refused)
{
	rec_election *el = ready();
	uint8_t h[32];
	char msg[1024] = "", ld[1200], newx[65], ent[1024], *note = NULL;
	size_t nl;
	char *alt = corrected_roll(h);
	audit_log *lg = NULL;
	uint64_t idx;
	hex_encode(newx, h, 32);
	snprintf(ent, sizeof ent,
	         "{\"decided\":\"2026-02-27\",\"decision\":\"x\",\"new_hash\":\"%s\","
	         "\"old_hash\":\"%s\",\"reason\":\"x\",\"rule\":\"UL17.objections\","
	         "\"type\":\"roll-changed\",\"voters\":10}",
	         newx, "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
	snprintf(ld, sizeof ld, "%s/log", el->dir);
	cr_assert_eq(log_open(ld, LOG_RDWR, &lg, NULL, 0), Q_OK);
	cr_assert_eq(log_append(lg, ent, strlen(ent), &idx), Q_OK);
	cr_assert_eq(log_checkpoint_sign(lg, &note, &nl), Q_OK);
	free(note);
	log_close(lg);
	rec_election *el2 = NULL;
	qerr e = rec_open(&el2, el->dir, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_CONSISTENCY, "%s", msg);
	cr_assert(strstr(msg, "old_hash 0011") != NULL &&
	              strstr(msg, "is not the roll in force before it") != NULL,
	          "%s", msg);
	free(alt);
	rec_free(el);
}
