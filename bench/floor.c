/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "floor.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto/group.h"
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

double bench_floor(const char *recdir, size_t nf, unsigned nthr, unsigned batch)
{
	char msg[768] = "", path[1500];
	rec_election *el = NULL;
	ballot_style *st = NULL;
	point *K = NULL;
	srec_stream *rs = NULL;
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
	snprintf(path, sizeof path, "%s/stations/s1/station-record.json", recdir);
	die_if(srec_stream_open(&rs, path, 0, msg, sizeof msg), "record", msg);
	while (got < want) {
		srec_ballot b;
		int end = 0;
		die_if(srec_stream_next(rs, &b, &end, msg, sizeof msg), "read", msg);
		if (end)
			break;
		if ((enc[got] = malloc(b.len)) == NULL)
			die_if(Q_ERR_NOMEM, "allocation", NULL);
		memcpy(enc[got], b.enc, b.len);
		len[got++] = b.len;
	}
	srec_stream_free(rs);
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
