/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "floor.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/group.h"
#include "crypto/sha256.h"
#include "crypto/util.h"
#include "crypto/xcheck.h"
#include "election/ballot.h"
#include "election/srec_stream.h"
#include "tally/record.h"

static void die_if(qerr e, const char *what, const char *msg)
{
	if (e == Q_OK)
		return;
	fprintf(stderr, "bench floor: %s failed (%s)%s%s\n", what, qerr_str(e),
	        msg != NULL && *msg ? ": " : "", msg != NULL ? msg : "");
	exit(1);
}

static double process_cpu_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* One thread's share: ballots [from, to). */
typedef struct floor_arg {
	const ballot_style *st;
	const point *K;
	const point_table *Kt;
	uint8_t **enc;
	size_t *len, from, to;
	unsigned batch;
} floor_arg;

static void *floor_share(void *arg)
{
	floor_arg *a = arg;
	for (size_t s = a->from; s < a->to; s += a->batch) {
		size_t n = a->to - s < a->batch ? a->to - s : a->batch, bad;
		ballot *bs[BENCH_FLOOR_MAX_BATCH];
		for (size_t k = 0; k < n; k++)
			die_if(ballot_decode(a->st, a->enc[s + k], a->len[s + k], &bs[k]), "decode",
			       NULL);
		die_if(ballot_verify_batch_enc(a->st, a->K, a->Kt, (const ballot *const *)bs,
		                               (const uint8_t *const *)a->enc + s, a->len + s, n,
		                               NULL, &bad, NULL, 0),
		       "batch verify", NULL);
		for (size_t k = 0; k < n; k++)
			ballot_free(bs[k]);
	}
	return NULL;
}

/* The first `want` ballots of station s1's record of recdir: enc[i] a
 * malloc'd copy of ballot i's bytes after `lead` zero bytes, len[i] its
 * length.  Returns how many were read (fewer if s1 has fewer). */
static size_t first_ballots(const char *recdir, size_t want, size_t lead, uint8_t **enc,
                            size_t *len)
{
	char msg[768] = "", path[1500];
	srec_stream *rs = NULL;
	size_t got = 0;
	snprintf(path, sizeof path, "%s/stations/s1/station-record.json", recdir);
	die_if(srec_stream_open(&rs, path, 0, msg, sizeof msg), "record", msg);
	while (got < want) {
		srec_ballot b;
		int end = 0;
		die_if(srec_stream_next(rs, &b, &end, msg, sizeof msg), "read", msg);
		if (end)
			break;
		if ((enc[got] = calloc(1, lead + b.len)) == NULL)
			die_if(Q_ERR_NOMEM, "allocation", NULL);
		memcpy(enc[got] + lead, b.enc, b.len);
		len[got++] = b.len;
	}
	srec_stream_free(rs);
	return got;
}

double bench_floor(const char *recdir, size_t nf, unsigned nthr, unsigned batch)
{
	char msg[768] = "";
	rec_election *el = NULL;
	ballot_style *st = NULL;
	point *K = NULL;
	pthread_t th[64];
	floor_arg fa[64];
	if (nthr == 0)
		nthr = 1;
	if (nthr > 64)
		nthr = 64;
	if (batch == 0 || batch > BENCH_FLOOR_MAX_BATCH)
		batch = BENCH_FLOOR_MAX_BATCH;
	size_t want = nf * nthr, got = 0;
	die_if(rec_open(&el, recdir, msg, sizeof msg), "open", msg);
	die_if(rec_ballot_style(el, &st, msg, sizeof msg), "style", msg);
	die_if(rec_load_joint_key(el, &K, NULL, msg, sizeof msg), "joint key", msg);
	point_table *Kt = point_table_new(K);
	uint8_t **enc = calloc(want ? want : 1, sizeof *enc);
	size_t *len = calloc(want ? want : 1, sizeof *len);
	if (Kt == NULL || enc == NULL || len == NULL)
		die_if(Q_ERR_NOMEM, "allocation", NULL);
	got = first_ballots(recdir, want, 0, enc, len);
	double c0 = process_cpu_s();
	for (unsigned t = 0; t < nthr; t++) {
		fa[t] =
		    (floor_arg){st, K, Kt, enc, len, got * t / nthr, got * (t + 1) / nthr, batch};
		if (t > 0 && pthread_create(&th[t], NULL, floor_share, &fa[t]) != 0)
			die_if(Q_ERR_NOMEM, "thread", NULL);
	}
	floor_share(&fa[0]);
	for (unsigned t = 1; t < nthr; t++)
		pthread_join(th[t], NULL);
	double per = (process_cpu_s() - c0) / (double)(got ? got : 1);
	for (size_t i = 0; i < got; i++)
		free(enc[i]);
	free(enc);
	free(len);
	point_table_free(Kt);
	point_free(K);
	ballot_style_free(st);
	rec_free(el);
	return per;
}

double bench_floor_extra(const char *recdir, size_t nf, double *group)
{
	char msg[768] = "";
	rec_election *el = NULL;
	ballot_style *st = NULL;
	size_t got = 0, T, nct;
	die_if(rec_open(&el, recdir, msg, sizeof msg), "open", msg);
	die_if(rec_ballot_style(el, &st, msg, sizeof msg), "style", msg);
	T = st->total_options;
	nct = ballot_style_nct(st);
	size_t *off = calloc(nct ? nct : 1, sizeof *off);
	uint8_t **enc = calloc(nf ? nf : 1, sizeof *enc);
	char **text = calloc(nf ? nf : 1, sizeof *text);
	size_t *len = calloc(nf ? nf : 1, sizeof *len);
	xcheck_point **xs = calloc(T > 0 ? 2 * T : 1, sizeof *xs);
	sha256_ctx *h = sha256_new();
	if (off == NULL || enc == NULL || text == NULL || len == NULL || xs == NULL || h == NULL)
		die_if(Q_ERR_NOMEM, "allocation", NULL);
	size_t slen = ballot_style_ct_offsets(st, off);
	/* each ballot after one 0x00: the Merkle leaf's prefix (RFC 6962) */
	got = first_ballots(recdir, nf, 1, enc, len);
	for (size_t i = 0; i < got; i++) {
		if (len[i] != slen)
			die_if(Q_ERR_FORMAT, "ballot length", NULL);
		/* the entry's text, as the record has it: its base64 (the rest of
		 * the entry, ~90 bytes of code and keys, left out) */
		if ((text[i] = malloc(b64_encoded_len(len[i]) + 1)) == NULL)
			die_if(Q_ERR_NOMEM, "allocation", NULL);
		b64_encode(text[i], enc[i] + 1, len[i]);
	}
	/* the group operations first, timed apart: floor G's part */
	double c0 = process_cpu_s();
	for (size_t i = 0; i < got; i++)
		for (size_t t = 0; t < T; t++)
			for (size_t half = 0; half < 2; half++)
				die_if(xcheck_point_add_enc(&xs[2 * t + half],
				                            enc[i] + 1 + off[t] +
				                                half * XCHECK_POINT_LEN,
				                            XCHECK_POINT_LEN),
				       "libgcrypt sum", NULL);
	double c1 = process_cpu_s();
	for (size_t i = 0; i < got; i++) {
		uint8_t d[32], code[BALLOT_CODE_LEN];
		size_t tl = strlen(text[i]);
		sha256_reset(h);
		sha256_update(h, text[i], tl);
		sha256_final(h, d);
		xcheck_sha256(d, text[i], tl);
		ballot_tracking_code(code, st, enc[i] + 1, len[i]);
		sha256(d, enc[i], len[i] + 1);
	}
	if (group != NULL)
		*group = (c1 - c0) / (double)(got ? got : 1);
	double per = (process_cpu_s() - c0) / (double)(got ? got : 1);
	for (size_t i = 0; i < got; i++) {
		free(enc[i]);
		free(text[i]);
	}
	for (size_t x = 0; x < 2 * T; x++)
		xcheck_point_free(xs[x]);
	free(xs);
	free(off);
	free(enc);
	free(text);
	free(len);
	sha256_free(h);
	ballot_style_free(st);
	rec_free(el);
	return per;
}
