/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * public.c -- the public pages' look-ups in the published election record
 * (docs/spec/protocol.md P-8.7): a tracking code's ballot in the station
 * logs (as quorum-audit find: its index, its inclusion proof against the
 * latest checkpoint) and the published report.  Read-only; one look-up at
 * a time.
 */
#include <dirent.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/log.h"
#include "audit/note.h"
#include "crypto/util.h"
#include "election/ballot.h"
#include "web.h"

#include "banned.h"

#define TAG_CAST "quorum/v1/station/ballot-cast\n"
#define FILE_MAX (1u << 20)

static pthread_mutex_t find_mu = PTHREAD_MUTEX_INITIALIZER;

char *public_read(const char *dir, const char *rel, size_t max)
{
	char path[4200];
	snprintf(path, sizeof path, "%s/%s", dir, rel);
	FILE *f = fopen(path, "rb");
	if (f == NULL)
		return NULL;
	char *p = malloc(max + 1);
	size_t n = p != NULL ? fread(p, 1, max, f) : 0;
	fclose(f);
	if (p != NULL)
		p[n] = '\0';
	return p;
}

/* A station id as a directory name of the record: [A-Za-z0-9._-], not
 * starting with a dot. */
static int station_name(const char *s)
{
	if (s[0] == '\0' || s[0] == '.' || strlen(s) > 64)
		return 0;
	for (const char *p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			return 0;
	return 1;
}

/* Look for code in one station's log; 1 found (out filled), 0 not, -1. */
static int find_in(const char *logdir, const ballot_style *st, const uint8_t want[32], uint8_t *buf,
                   public_find_result *out)
{
	audit_log *lg = NULL;
	char *note = NULL;
	size_t len = 0, np = 0, tl = strlen(TAG_CAST);
	checkpoint cp;
	merkle_hash proof[MERKLE_MAX_PROOF];
	uint8_t code[BALLOT_CODE_LEN];
	int rc = -1;
	if (log_open(logdir, LOG_RDONLY, &lg, NULL, 0) != Q_OK)
		return -1;
	if (log_checkpoint_get(lg, LOG_LATEST, &note, &len, &cp) != Q_OK)
		goto out;
	rc = 0;
	for (uint64_t i = 0; i < cp.size; i++) {
		size_t el = MERKLE_MAX_ENTRY;
		if (log_read_entry(lg, i, buf, &el) != Q_OK) {
			rc = -1;
			goto out;
		}
		if (el < tl || memcmp(buf, TAG_CAST, tl) != 0)
			continue;
		ballot_tracking_code(code, st, buf + tl, el - tl);
		if (memcmp(code, want, sizeof code) != 0)
			continue;
		char *text = NULL;
		size_t tlen = 0;
		if (log_prove_inclusion(lg, i, cp.size, proof, &np) != Q_OK ||
		    tlog_proof_format(i, (const merkle_hash *)proof, np, note, len, &text, &tlen) !=
		        Q_OK) {
			rc = -1;
			goto out;
		}
		out->index = i;
		out->size = cp.size;
		out->proof = text;
		out->checkpoint = note;
		note = NULL;
		snprintf(out->origin, sizeof out->origin, "%s", log_origin(lg));
		rc = 1;
		goto out;
	}
out:
	free(note);
	log_close(lg);
	return rc;
}

int public_find(const char *pub, const char *code_hex, public_find_result *out)
{
	uint8_t want[BALLOT_CODE_LEN], bh[32];
	ballot_style *st = NULL;
	uint8_t *buf = NULL;
	DIR *d = NULL;
	int rc = -1;
	memset(out, 0, sizeof *out);
	if (strlen(code_hex) != 64 || hex_decode(want, sizeof want, code_hex, 64) != Q_OK)
		return -1;
	char *bhex = public_read(pub, "base-hash", 200);
	if (bhex == NULL)
		return -1;
	bhex[strcspn(bhex, "\r\n")] = '\0';
	int ok = strlen(bhex) == 64 && hex_decode(bh, sizeof bh, bhex, 64) == Q_OK;
	free(bhex);
	if (!ok)
		return -1;
	pthread_mutex_lock(&find_mu);
	char sdir[4200];
	snprintf(sdir, sizeof sdir, "%s/stations", pub);
	if ((st = ballot_style_new(0, bh)) == NULL || (buf = malloc(MERKLE_MAX_ENTRY)) == NULL ||
	    (d = opendir(sdir)) == NULL)
		goto out;
	rc = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!station_name(e->d_name))
			continue;
		char logdir[4200 + 256 + 8];
		snprintf(logdir, sizeof logdir, "%s/%s/log", sdir, e->d_name);
		int k = find_in(logdir, st, want, buf, out);
		if (k == 1) {
			/* station_name: at most 64 bytes */
			memcpy(out->station, e->d_name, strlen(e->d_name) + 1);
			rc = 1;
			break;
		}
	}
out:
	if (d != NULL)
		closedir(d);
	free(buf);
	ballot_style_free(st);
	pthread_mutex_unlock(&find_mu);
	return rc;
}

void public_find_free(public_find_result *r)
{
	free(r->proof);
	free(r->checkpoint);
	memset(r, 0, sizeof *r);
}
