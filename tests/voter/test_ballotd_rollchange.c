/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Issue 22: a roll changed after publication (docs/spec/record.md,
 * protocol.md P-6.1).  The election directory's log/ carries the
 * roll-changed entry signed by the election log's key: the station imports
 * only the roll in force, refuses the replaced one (naming the hashes) and
 * refuses to start on an election log whose change no checkpoint signs.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/log.h"
#include "crypto/sha256.h"
#include "crypto/util.h"
#include "daemon.h"
#include "testutil.h"

static tdaemon d;

static void fini(void)
{
	td_kill(&d);
	test_rmtree(d.dir);
}

TestSuite(ballotd_rollchange, .fini = fini);

/* d.el/log: election-created (the base hash of d.el, its roll_hash), then
 * a roll-changed entry from roll_hash to new_hex, signed (a checkpoint)
 * when sign is set. */
static void election_log(const char *new_hex, int sign)
{
	char ld[400], bh[65], ent[1024], *note = NULL;
	size_t nl, bl;
	audit_log *lg = NULL;
	uint64_t idx;
	char *b = test_read_file(strcat(strcpy(ld, d.el), "/base-hash"), &bl);
	cr_assert(b != NULL && bl >= 64);
	memcpy(bh, b, 64);
	bh[64] = '\0';
	free(b);
	snprintf(ld, sizeof ld, "%s/log", d.el);
	cr_assert_eq(log_create(ld, "quorum/hq/election/round-1", &lg, NULL, 0), Q_OK);
	snprintf(ent, sizeof ent,
	         "{\"base_hash\":\"%s\",\"roll_hash\":\"%s\",\"type\":\"election-created\"}", bh,
	         d.roll_hash);
	cr_assert_eq(log_append(lg, ent, strlen(ent), &idx), Q_OK);
	cr_assert_eq(log_checkpoint_sign(lg, &note, &nl), Q_OK);
	free(note);
	snprintf(ent, sizeof ent,
	         "{\"decided\":\"2026-02-27\",\"decision\":\"异议处理决定 1\",\"new_hash\":\"%s\","
	         "\"old_hash\":\"%s\",\"reason\":\"V0001 姓名更正\",\"rule\":\"UL17.objections\","
	         "\"type\":\"roll-changed\",\"voters\":12}",
	         new_hex, d.roll_hash);
	cr_assert_eq(log_append(lg, ent, strlen(ent), &idx), Q_OK);
	if (sign) {
		cr_assert_eq(log_checkpoint_sign(lg, &note, &nl), Q_OK);
		free(note);
	}
	log_close(lg);
}

/* The corrected roll (V0001's name), written to path; its hash in hex. */
static void corrected_roll(const char *path, char hex[65])
{
	size_t n;
	char *csv = test_read_file(d.roll, &n);
	char *at = strstr(csv, "V0001,Voter 1,");
	cr_assert_not_null(at);
	memcpy(at + 6, "Voter I", 7);
	cr_assert_eq(test_write_file(path, csv, n), 0);
	uint8_t h[32];
	sha256(h, csv, n);
	hex_encode(hex, h, 32);
	free(csv);
}

Test(ballotd_rollchange, imports_only_the_roll_in_force)
{
	char np[400], nx[65], req[600];
	td_setup(&d, 12);
	snprintf(np, sizeof np, "%s/roll-new.csv", d.dir);
	corrected_roll(np, nx);
	election_log(nx, 1);
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	/* the replaced roll: refused, naming the change and both hashes */
	snprintf(req, sizeof req, "{\"op\":\"import-roll\",\"path\":\"%s\"}", d.roll);
	json_t *r = td_req(&d, "admin", req);
	cr_assert_str_eq(td_err(r), "roll_mismatch");
	char *s = json_dumps(r, 0);
	cr_assert(strstr(s, "changed by roll-changed entry 1") != NULL && strstr(s, nx) != NULL &&
	              strstr(s, d.roll_hash) != NULL,
	          "%s", s);
	free(s);
	json_decref(r);
	/* the roll in force: imported */
	snprintf(req, sizeof req, "{\"op\":\"import-roll\",\"path\":\"%s\"}", np);
	r = td_req(&d, "admin", req);
	cr_assert_null(td_err(r));
	cr_assert_str_eq(json_string_value(json_object_get(r, "sha256")), nx);
	json_decref(r);
	cr_assert_eq(td_stop(&d), 0);
	/* and at the next start the stored roll is the one in force */
	cr_assert_eq(td_start(&d, "station passphrase", NULL), 0);
	cr_assert_eq(td_stop(&d), 0);
}

Test(ballotd_rollchange, unsigned_change_is_refused_at_start)
{
	char np[400], nx[65];
	int status = 0;
	td_setup(&d, 12);
	snprintf(np, sizeof np, "%s/roll-new.csv", d.dir);
	corrected_roll(np, nx);
	election_log(nx, 0);
	cr_assert_eq(td_start(&d, "station passphrase", &status), -1,
	             "started on an unsigned roll change");
	char *log = test_read_file(d.log, NULL);
	cr_assert(strstr(log, "entry 1 (roll-changed) is not covered by a checkpoint signed") !=
	              NULL,
	          "%s", log);
	free(log);
}
