/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * count.c -- station records, parallel ballot verification and the
 * homomorphic aggregate (docs/spec/record.md ).
 */
#include "count.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "audit/log.h"
#include "audit/note.h"
#include "ceremony.h"
#include "crypto/sig.h"
#include "crypto/util.h"
#include "election/alphaset.h"
#include "election/i18n.h"
#include "election/named.h"
#include "election/progress.h"
#include "election/srec.h"
#include "election/srec_stream.h"
#include "mix.h"

#include "banned.h"

/* ---- parallel verification ---- */

typedef struct vshared {
	const ballot_style *st;
	const point *K;
	const point_table *Kt;
	const size_t *off; /* ballot_style_ct_offsets */
	const tally_item *items;
	size_t n;
	atomic_size_t next;
	atomic_size_t done;
	atomic_int stop;
	pthread_mutex_t mu;
	size_t bad; /* lowest failing index, SIZE_MAX if none */
	qerr bad_e;
	char why[200];
} vshared;

typedef struct vworker {
	vshared *sh;
	pthread_t th;
	elgamal_ct **agg; /* st->total_options */
	qerr e; /* a non-ballot failure (memory) */
} vworker;

/* Ballots per batch verification (C-4.3.10): one multi-scalar
 * multiplication over all their proofs.  The bucket method (C-1.5) costs
 * less per point the more points it has: 1,024 five-selection ballots are
 * ~41,000 points (bench_msm, bench_tally; count.h). */
#define CHUNK TALLY_BATCH_BALLOTS

/* Record ballot i as failing (the lowest index wins) and stop. */
static void worker_fail(vshared *sh, size_t i, qerr e, const char *why)
{
	pthread_mutex_lock(&sh->mu);
	if (i < sh->bad) {
		sh->bad = i;
		sh->bad_e = e;
		snprintf(sh->why, sizeof sh->why, "%s", why);
	}
	pthread_mutex_unlock(&sh->mu);
	atomic_store(&sh->stop, 1);
}

/* add the selections of n verified ballots into agg.  encs[k] is
 * ballot k's B-2 encoding (the style's length), its selection s's
 * ciphertext at off[s] (ballot_style_ct_offsets), alpha then beta.  Per
 * selection, the sums of the n alphas and of the n betas are made from
 * their encodings with msm.c's arithmetic and one field inversion for all
 * (point_sums_enc), then added to agg[s] (one elgamal_add per selection and
 * batch instead of one per ballot, each an OpenSSL point addition). */
static qerr add_batch(size_t nsel, const size_t *off, const uint8_t *const *encs, size_t n,
                      elgamal_ct **agg)
{
	const uint8_t **ptrs = NULL;
	size_t *end = NULL;
	uint8_t(*out)[POINT_LEN] = NULL, *inf = NULL;
	elgamal_ct *sum = NULL;
	qerr e = Q_ERR_NOMEM;
	if (n == 0 || nsel == 0)
		return Q_OK;
	if ((ptrs = malloc(2 * nsel * n * sizeof *ptrs)) == NULL ||
	    (end = malloc(2 * nsel * sizeof *end)) == NULL ||
	    (out = malloc(2 * nsel * sizeof *out)) == NULL || (inf = malloc(2 * nsel)) == NULL ||
	    (sum = elgamal_ct_new()) == NULL)
		goto out;
	for (size_t s = 0; s < nsel; s++) {
		const uint8_t **pa = ptrs + 2 * s * n, **pb = pa + n;
		for (size_t k = 0; k < n; k++) {
			pa[k] = encs[k] + off[s];
			pb[k] = encs[k] + off[s] + POINT_LEN;
		}
		end[2 * s] = (2 * s + 1) * n;
		end[2 * s + 1] = (2 * s + 2) * n;
	}
	if ((e = point_sums_enc(out, inf, ptrs, end, 2 * nsel)) != Q_OK)
		goto out;
	for (size_t s = 0; s < nsel && e == Q_OK; s++) {
		if ((e = inf[2 * s] ? point_set_infinity(sum->a)
		                    : point_decode(sum->a, out[2 * s], POINT_LEN)) != Q_OK ||
		    (e = inf[2 * s + 1] ? point_set_infinity(sum->b)
		                        : point_decode(sum->b, out[2 * s + 1], POINT_LEN)) != Q_OK)
			break;
		e = elgamal_add(agg[s], agg[s], sum);
	}
out:
	elgamal_ct_free(sum);
	free(inf);
	free(out);
	free(end);
	free(ptrs);
	return e;
}

/* Decode and verify items[0..n-1] in one batch (R-6.1, C-4.3.10) and add
 * the verified selections into agg (R-6.2, add_batch; off: the style's
 * ciphertext offsets).  A ballot that does not
 * decode or verify: *bad its index (the lowest), *bad_e and why (the
 * one-ballot message); then nothing is added.  Another failure (memory):
 * returned. */
static qerr verify_batch(const ballot_style *st, const point *K, const point_table *Kt,
                         const size_t *off, const tally_item *items, size_t n, elgamal_ct **agg,
                         size_t *bad, qerr *bad_e, char *why, size_t whylen)
{
	ballot *b[CHUNK] = {NULL};
	const uint8_t *encs[CHUNK] = {NULL};
	size_t lens[CHUNK] = {0}, nb = 0, vbad = SIZE_MAX, dfail = SIZE_MAX;
	qerr e = Q_OK, de = Q_OK;
	*bad = SIZE_MAX;
	if (n > CHUNK)
		return Q_ERR_ARG;
	/* decode strictly; a ballot that does not decode fails
	 * (those before it are still verified: the lowest bad index wins) */
	for (size_t i = 0; i < n; i++) {
		ballot *d = NULL;
		de = ballot_decode(st, items[i].enc, items[i].len, &d);
		if (de != Q_OK) {
			dfail = i;
			break;
		}
		encs[nb] = items[i].enc;
		lens[nb] = items[i].len;
		b[nb++] = d;
	}
	/* every proof of every decoded ballot in one batch (B-5) */
	e = ballot_verify_batch_enc(st, K, Kt, (const ballot *const *)b, encs, lens, nb, NULL,
	                            &vbad, NULL, 0);
	if (e != Q_OK && vbad == SIZE_MAX) {
		goto out;
	} else if (e != Q_OK) {
		/* name it with the one-ballot message */
		why[0] = '\0';
		qerr e1 = ballot_verify(st, K, Kt, b[vbad], why, whylen);
		*bad = vbad;
		*bad_e = e1 != Q_OK ? e1 : e;
		e = Q_OK;
		goto out;
	} else if (de == Q_ERR_NOMEM) {
		e = de;
		goto out;
	} else if (dfail != SIZE_MAX) {
		snprintf(why, whylen, _("does not decode (%s)"), qerr_str(de));
		*bad = dfail;
		*bad_e = de;
		goto out;
	}
	/* add the verified selections into these sums */
	e = add_batch(st->total_options, off, encs, nb, agg);
out:
	for (size_t k = 0; k < nb; k++)
		ballot_free(b[k]);
	return e;
}

static void *verify_worker(void *arg)
{
	vworker *w = arg;
	vshared *sh = w->sh;
	char why[200];
	while (!atomic_load(&sh->stop)) {
		size_t start = atomic_fetch_add(&sh->next, CHUNK);
		if (start >= sh->n)
			break;
		size_t end = start + CHUNK < sh->n ? start + CHUNK : sh->n, bad = SIZE_MAX;
		qerr be = Q_OK;
		qerr e = verify_batch(sh->st, sh->K, sh->Kt, sh->off, sh->items + start,
		                      end - start, w->agg, &bad, &be, why, sizeof why);
		if (e != Q_OK) {
			w->e = e;
			atomic_store(&sh->stop, 1);
		} else if (bad != SIZE_MAX) {
			worker_fail(sh, start + bad, be, why);
		}
		atomic_fetch_add(&sh->done, end - start);
	}
	return NULL;
}

static void free_agg(elgamal_ct **agg, size_t n)
{
	if (agg == NULL)
		return;
	for (size_t s = 0; s < n; s++)
		elgamal_ct_free(agg[s]);
	free(agg);
}

static elgamal_ct **new_agg(size_t n)
{
	elgamal_ct **agg = calloc(n ? n : 1, sizeof *agg);
	if (agg == NULL)
		return NULL;
	for (size_t s = 0; s < n; s++)
		if ((agg[s] = elgamal_ct_new()) == NULL) {
			free_agg(agg, n);
			return NULL;
		}
	return agg;
}

qerr tally_verify_aggregate(const ballot_style *st, const point *K, const point_table *Kt,
                            const tally_item *items, size_t n, unsigned nthreads,
                            tally_progress_fn prog, void *progctx, elgamal_ct ***agg, size_t *bad,
                            char *why, size_t whylen)
{
	vshared sh;
	vworker *w = NULL;
	size_t *off = NULL;
	unsigned started = 0;
	size_t nsel = st->total_options;
	qerr e = Q_OK;
	*agg = NULL;
	*bad = SIZE_MAX;
	if (nthreads == 0) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);
		nthreads = c > 0 ? (unsigned)c : 1;
	}
	if (nthreads > 64)
		nthreads = 64;
	memset(&sh, 0, sizeof sh);
	sh.st = st;
	sh.K = K;
	sh.Kt = Kt;
	sh.items = items;
	if ((off = calloc(ballot_style_nct(st) + 1, sizeof *off)) == NULL)
		return Q_ERR_NOMEM;
	(void)ballot_style_ct_offsets(st, off);
	sh.off = off;
	sh.n = n;
	sh.bad = SIZE_MAX;
	atomic_init(&sh.next, 0);
	atomic_init(&sh.done, 0);
	atomic_init(&sh.stop, 0);
	if (pthread_mutex_init(&sh.mu, NULL) != 0) {
		free(off);
		return Q_ERR_NOMEM;
	}
	if ((w = calloc(nthreads, sizeof *w)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	for (unsigned t = 0; t < nthreads; t++) {
		w[t].sh = &sh;
		if ((w[t].agg = new_agg(nsel)) == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
	}
	for (; started < nthreads; started++)
		if (pthread_create(&w[started].th, NULL, verify_worker, &w[started]) != 0) {
			atomic_store(&sh.stop, 1);
			e = Q_ERR_NOMEM;
			break;
		}
	if (prog != NULL) {
		struct timespec ts = {0, 50 * 1000 * 1000};
		while (atomic_load(&sh.done) < n && !atomic_load(&sh.stop) && started == nthreads) {
			prog(progctx, atomic_load(&sh.done), n);
			nanosleep(&ts, NULL);
		}
	}
	for (unsigned t = 0; t < started; t++)
		pthread_join(w[t].th, NULL);
	if (e != Q_OK)
		goto out;
	if (prog != NULL)
		prog(progctx, atomic_load(&sh.done), n);
	if (sh.bad != SIZE_MAX) {
		*bad = sh.bad;
		e = sh.bad_e;
		if (why != NULL && whylen > 0)
			snprintf(why, whylen, "%s", sh.why);
		goto out;
	}
	for (unsigned t = 0; t < nthreads; t++)
		if (w[t].e != Q_OK) {
			e = w[t].e;
			goto out;
		}
	/* sum of the workers' partial sums */
	for (unsigned t = 1; t < nthreads; t++)
		for (size_t s = 0; s < nsel; s++)
			if ((e = elgamal_add(w[0].agg[s], w[0].agg[s], w[t].agg[s])) != Q_OK)
				goto out;
	*agg = w[0].agg;
	w[0].agg = NULL;
out:
	if (w != NULL)
		for (unsigned t = 0; t < nthreads; t++)
			free_agg(w[t].agg, nsel);
	free(w);
	free(off);
	pthread_mutex_destroy(&sh.mu);
	return e;
}

/* ---- the window: a pool verifying batches while the reader reads ---- */

/* One batch of the window: up to bmax ballots of one station, copied
 * from the record as read. */
enum { SLOT_FREE, SLOT_QUEUED, SLOT_BUSY, SLOT_DONE };
typedef struct vslot {
	tally_item *items;
	uint8_t **enc;
	size_t *cap;
	uint8_t (*code)[BALLOT_CODE_LEN];
	size_t n, first; /* ballots; the record index of items[0] */
	int state;
	size_t bad; /* the failing ballot's index in the batch, SIZE_MAX if none */
	qerr bad_e, e; /* its error; another failure (memory) */
	char why[256];
} vslot;

/* nslots batches (2 x threads) in a ring: the reader fills batch number
 * `filled` (slot filled % nslots), the workers take them in order, the
 * reader retires them in order (a failing ballot, the sorts, the write-in
 * lists: all in record order) before it fills their slot again, so it
 * reads on while the workers verify. */
typedef struct vpool {
	pthread_mutex_t mu;
	pthread_cond_t work, done;
	vslot *slots;
	size_t nslots, bmax;
	uint64_t filled, taken, retired;
	int quit;
	unsigned nthr, started;
	pthread_t *th;
	elgamal_ct ***agg; /* each worker's sums */
	qerr *werr;
	const ballot_style *st;
	const point *K;
	const point_table *Kt;
	size_t *off; /* ballot_style_ct_offsets */
	size_t nsel;
} vpool;

typedef struct vpool_arg {
	vpool *vp;
	unsigned t;
} vpool_arg;

static void *pool_worker(void *arg)
{
	vpool_arg *a = arg;
	vpool *vp = a->vp;
	unsigned t = a->t;
	free(a);
	pthread_mutex_lock(&vp->mu);
	for (;;) {
		while (!vp->quit && vp->taken == vp->filled)
			pthread_cond_wait(&vp->work, &vp->mu);
		if (vp->quit)
			break;
		vslot *sl = &vp->slots[vp->taken++ % vp->nslots];
		sl->state = SLOT_BUSY;
		pthread_mutex_unlock(&vp->mu);
		sl->why[0] = '\0';
		sl->e = verify_batch(vp->st, vp->K, vp->Kt, vp->off, sl->items, sl->n, vp->agg[t],
		                     &sl->bad, &sl->bad_e, sl->why, sizeof sl->why);
		pthread_mutex_lock(&vp->mu);
		sl->state = SLOT_DONE;
		pthread_cond_broadcast(&vp->done);
	}
	pthread_mutex_unlock(&vp->mu);
	return NULL;
}

static void pool_free(vpool *vp)
{
	if (vp == NULL)
		return;
	pthread_mutex_lock(&vp->mu);
	vp->quit = 1;
	pthread_cond_broadcast(&vp->work);
	pthread_mutex_unlock(&vp->mu);
	for (unsigned t = 0; t < vp->started; t++)
		pthread_join(vp->th[t], NULL);
	if (vp->slots != NULL)
		for (size_t k = 0; k < vp->nslots; k++) {
			vslot *sl = &vp->slots[k];
			if (sl->enc != NULL)
				for (size_t i = 0; i < vp->bmax; i++)
					free(sl->enc[i]);
			free(sl->enc);
			free(sl->cap);
			free(sl->code);
			free(sl->items);
		}
	if (vp->agg != NULL)
		for (unsigned t = 0; t < vp->nthr; t++)
			free_agg(vp->agg[t], vp->nsel);
	free(vp->agg);
	free(vp->off);
	free(vp->werr);
	free(vp->slots);
	free(vp->th);
	pthread_cond_destroy(&vp->work);
	pthread_cond_destroy(&vp->done);
	pthread_mutex_destroy(&vp->mu);
	free(vp);
}

/* A pool of nthr workers over 2 x nthr batches of bmax ballots. */
static qerr pool_new(vpool **out, const ballot_style *st, const point *K, const point_table *Kt,
                     unsigned nthr, size_t bmax)
{
	vpool *vp = calloc(1, sizeof *vp);
	*out = NULL;
	if (vp == NULL)
		return Q_ERR_NOMEM;
	if (pthread_mutex_init(&vp->mu, NULL) != 0) {
		free(vp);
		return Q_ERR_NOMEM;
	}
	if (pthread_cond_init(&vp->work, NULL) != 0) {
		pthread_mutex_destroy(&vp->mu);
		free(vp);
		return Q_ERR_NOMEM;
	}
	if (pthread_cond_init(&vp->done, NULL) != 0) {
		pthread_cond_destroy(&vp->work);
		pthread_mutex_destroy(&vp->mu);
		free(vp);
		return Q_ERR_NOMEM;
	}
	vp->st = st;
	vp->K = K;
	vp->Kt = Kt;
	vp->nsel = st->total_options;
	if ((vp->off = calloc(ballot_style_nct(st) + 1, sizeof *vp->off)) == NULL)
		goto nomem;
	(void)ballot_style_ct_offsets(st, vp->off);
	vp->nthr = nthr;
	vp->nslots = 2 * (size_t)nthr;
	vp->bmax = bmax;
	if ((vp->slots = calloc(vp->nslots, sizeof *vp->slots)) == NULL ||
	    (vp->th = calloc(nthr, sizeof *vp->th)) == NULL ||
	    (vp->agg = calloc(nthr, sizeof *vp->agg)) == NULL ||
	    (vp->werr = calloc(nthr, sizeof *vp->werr)) == NULL)
		goto nomem;
	for (size_t k = 0; k < vp->nslots; k++) {
		vslot *sl = &vp->slots[k];
		if ((sl->items = calloc(bmax, sizeof *sl->items)) == NULL ||
		    (sl->enc = calloc(bmax, sizeof *sl->enc)) == NULL ||
		    (sl->cap = calloc(bmax, sizeof *sl->cap)) == NULL ||
		    (sl->code = calloc(bmax, sizeof *sl->code)) == NULL)
			goto nomem;
	}
	for (unsigned t = 0; t < nthr; t++)
		if ((vp->agg[t] = new_agg(vp->nsel)) == NULL)
			goto nomem;
	for (; vp->started < nthr; vp->started++) {
		vpool_arg *a = malloc(sizeof *a);
		if (a == NULL)
			goto nomem;
		a->vp = vp;
		a->t = vp->started;
		if (pthread_create(&vp->th[vp->started], NULL, pool_worker, a) != 0) {
			free(a);
			goto nomem;
		}
	}
	*out = vp;
	return Q_OK;
nomem:
	pool_free(vp);
	return Q_ERR_NOMEM;
}

/* The slot the reader fills (vp->filled's). */
static vslot *pool_fill_slot(vpool *vp)
{
	return &vp->slots[vp->filled % vp->nslots];
}

/* Hand the slot being filled to the workers (if it holds ballots). */
static void pool_submit(vpool *vp)
{
	vslot *sl = pool_fill_slot(vp);
	/* a full ring: that slot holds the oldest batch, not one being filled */
	if (sl->n == 0 || vp->filled - vp->retired == vp->nslots)
		return;
	pthread_mutex_lock(&vp->mu);
	sl->state = SLOT_QUEUED;
	vp->filled++;
	pthread_cond_signal(&vp->work);
	pthread_mutex_unlock(&vp->mu);
}

/* Wait for the oldest batch not retired. */
static vslot *pool_wait_oldest(vpool *vp)
{
	vslot *sl = &vp->slots[vp->retired % vp->nslots];
	pthread_mutex_lock(&vp->mu);
	while (sl->state != SLOT_DONE)
		pthread_cond_wait(&vp->done, &vp->mu);
	pthread_mutex_unlock(&vp->mu);
	return sl;
}

/* The workers' sums added into agg (every batch retired). */
static qerr pool_sum(vpool *vp, elgamal_ct **agg)
{
	qerr e = Q_OK;
	pthread_mutex_lock(&vp->mu); /* the workers' last writes are seen */
	for (unsigned t = 0; t < vp->nthr && e == Q_OK; t++)
		for (size_t x = 0; x < vp->nsel && e == Q_OK; x++)
			e = elgamal_add(agg[x], agg[x], vp->agg[t][x]);
	pthread_mutex_unlock(&vp->mu);
	return e;
}

/* ---- station records, each read once (R-5, V-14) ---- */

/* What the tally keeps of a station once its record is read: counts, the
 * record's hash, its checked_in / proxies lists and its challenged
 * ballots -- nothing per cast ballot (those went into the aggregate and
 * the external sorts of the pass as they were read). */
typedef struct station_data {
	char id[MANIFEST_ID_MAX + 1];
	uint64_t issued, cast, challenged, registered;
	uint8_t record_hash[SHA256_LEN];
	size_t nballots;
	uint64_t first; /* number of its ballots[0] among all cast ballots, in record order */
	json_t *checked_in; /* the record's checked_in list (R-5 (9)), a reference */
	json_t *proxies; /* its proxies list (R-5 (15), P-7.6), a reference, or NULL */
	size_t nch; /* challenged ballots: B-2 encodings, for B-9 */
	uint8_t **ch_enc;
	size_t *ch_len;
} station_data;

static void station_data_clear(station_data *sd)
{
	json_decref(sd->checked_in);
	json_decref(sd->proxies);
	for (size_t i = 0; i < sd->nch; i++)
		free(sd->ch_enc[i]);
	free(sd->ch_enc);
	free(sd->ch_len);
	memset(sd, 0, sizeof *sd);
}

/* The refs of the station log's codes in a station's code sorter: above
 * every ref of the record's own codes (i for ballots[i]). */
#define LOG_REF TALLY_LOG_REF
/* Memory of that sorter, and of the cross-station ones: an external sort
 * keeps mem bytes of 40-byte items, then 64 KiB per sorted run while it
 * merges (1M five-selection ballots: ~70 runs of alphas). */
#define LOG_SORT_MEM (1u * 1024u * 1024u)
#define TALLY_SORT_MEM (4u * 1024u * 1024u)

/* The state of the tally's one pass over the station records. */
typedef struct tally_pass {
	const rec_election *el;
	const ballot_style *st;
	const point *K;
	const point_table *Kt;
	unsigned nthreads;
	elgamal_ct **agg; /* the sum so far */
	mix_lists *wl; /* or NULL */
	alphasort *codes; /* R-6 (1): every cast ballot's tracking code */
	alphasort *alphas; /* B-9: every alpha's fingerprint (B-9.1) */
	alphasort *rollids; /* R-5 (9): SHA-256 of every checked-in roll id */
	size_t station; /* the station being read (manifest order) */
	named_tally nt; /* V-7.1, if the manifest has a named vote */
	int has_named;
	qerr named_e; /* the first named-vote fault, reported in its turn */
	char named_msg[500];
	size_t T, slen, *off; /* ballot_style_nct, B-2 length, ct offsets */
	uint64_t ncast; /* cast ballots read so far, all stations */
	struct vpool *pool; /* the window: ballots read and being verified */
	size_t sort_mem; /* tally_opts.sort_mem */
	int progress;
	progress bar;
} tally_pass;

/* One station while its record is read: the first fault of each kind,
 * reported after the record's signature and header are checked, in the
 * order the checks had when the record was loaded whole. */
typedef struct station_scan {
	size_t bad_order; /* P-7.1: not in ascending tracking-code order */
	size_t bad_entry; /* no ballot, bad base64 or tracking code, B-4 */
	int entry_kind; /* 0 no ballot, 1 bad base64 or tracking code, 2 B-4 */
	size_t bad_ballot; /* does not decode or verify */
	qerr ballot_e;
	char ballot_why[256];
	uint8_t ballot_code[BALLOT_CODE_LEN];
	uint8_t prev[BALLOT_CODE_LEN];
	int have_prev;
	alphasort *logcodes; /* R-5 (7): the record's codes and the log's */
} station_scan;

static qerr hex_field(const json_t *o, const char *key, uint8_t *out, size_t len, const char *what,
                      char *msg, size_t msgsz)
{
	return rec_json_hex(o, key, out, len, what, msg, msgsz);
}

/* R-5 (10): if entry i of station sid's log is a roll-imported entry (P-6),
 * the roll it names must be the election's (parameters.json roll_hash);
 * *nroll counts such entries. */
static qerr check_roll_entry(const rec_election *el, const char *sid, uint64_t i,
                             const uint8_t *ent, size_t len, size_t *nroll, char *msg, size_t msgsz)
{
	size_t tl = strlen(SREC_ENTRY_ROLL);
	uint8_t h[SHA256_LEN];
	if (len <= tl || memcmp(ent, SREC_ENTRY_ROLL, tl) != 0 || ent[tl] != '\n')
		return Q_OK;
	(*nroll)++;
	if (srec_roll_entry_parse(ent + tl + 1, len - tl - 1, NULL, h) != Q_OK)
		return rec_fail(
		    Q_ERR_FORMAT, msg, msgsz,
		    _("station %s: log entry %llu: a malformed roll-imported entry (P-6)"), sid,
		    (unsigned long long)i);
	if (memcmp(h, el->roll.head, SHA256_LEN) != 0) { /* the roll in force */
		char why[500];
		roll_chain_describe(&el->roll, h, why, sizeof why);
		return rec_fail(Q_ERR_CONSISTENCY, msg, msgsz,
		                _("station %s served another roll: its log entry %llu "
		                  "(roll-imported) %s (R-5 (10))"),
		                sid, (unsigned long long)i, why);
	}
	return Q_OK;
}

/* The payload of entry e (len bytes) if its tag is tag, else NULL. */
static const uint8_t *entry_payload(const uint8_t *e, size_t len, const char *tag, size_t *plen)
{
	size_t tl = strlen(tag);
	if (len < tl + 1 || memcmp(e, tag, tl) != 0 || e[tl] != '\n')
		return NULL;
	*plen = len - tl - 1;
	return e + tl + 1;
}

/* R-5 (7): the record's codes against the log's, both in one sorter,
 * read back in order (alphasort_next): a record code (ref < LOG_REF) comes
 * before the log's entries of the same code.  The first record code not
 * followed by one is the smallest with no log entry, as a lookup of the
 * record's codes (sorted, P-7.1) in record order finds it: *missing = 1
 * and code is it (count.h). */
qerr tally_codes_first_missing(struct alphasort *s, int *missing, uint8_t code[BALLOT_CODE_LEN])
{
	alphasort_item it, rec;
	int have_rec = 0, end = 0;
	qerr e;
	*missing = 0;
	for (;;) {
		if ((e = alphasort_next(s, &it, &end)) != Q_OK)
			return e;
		if (have_rec && (end || memcmp(it.key, rec.key, ALPHASORT_KEY_LEN) != 0 ||
		                 memcmp(it.tag, rec.tag, ALPHASORT_KEY_LEN) != 0)) {
			*missing = 1;
			memcpy(code, rec.key, ALPHASORT_KEY_LEN);
			memcpy(code + ALPHASORT_KEY_LEN, rec.tag, ALPHASORT_KEY_LEN);
			return Q_OK;
		}
		if (end)
			return Q_OK;
		if (it.ref < TALLY_LOG_REF) {
			rec = it;
			have_rec = 1;
		} else {
			have_rec = 0; /* its log entry (or a code the log alone has) */
		}
	}
}

/* The reading of a station log's entries (R-5 (7), (10), P-6, V-7.1), as
 * log_verify_visit hands them over: the first fault is kept (reported
 * after the log itself verified, as when the log was verified first and
 * read after), the entries after it are not looked at. */
static qerr sort_fail(qerr e, char *msg, size_t msgsz);

typedef struct log_reader {
	tally_pass *p;
	const char *sid;
	station_data *sd;
	alphasort *logcodes;
	const json_t *checked_in;
	size_t tl, ncodes, nroll;
	uint64_t nopened, nclosed, closed_at;
	qerr fault; /* the first fault of an entry (msg in fmsg) */
	char fmsg[768];
	qerr fatal; /* memory or the sort's file: stops the read */
} log_reader;

static qerr log_reader_entry(void *ctx, uint64_t i, const uint8_t *buf, size_t len)
{
	log_reader *r = ctx;
	tally_pass *p = r->p;
	const rec_election *el = p->el;
	const char *sid = r->sid;
	const uint8_t *pp;
	size_t pl;
	qerr e;
	if (r->fault != Q_OK)
		return Q_OK;
	if (len > r->tl && memcmp(buf, TALLY_ENTRY_CAST, r->tl) == 0 && buf[r->tl] == '\n') {
		uint8_t code[BALLOT_CODE_LEN];
		ballot_tracking_code(code, p->st, buf + r->tl + 1, len - r->tl - 1);
		if ((e = alphasort_add(r->logcodes, code, code + ALPHASORT_KEY_LEN, LOG_REF + i)) !=
		    Q_OK)
			return r->fatal = e;
		r->ncodes++;
	} else if ((pp = entry_payload(buf, len, SREC_ENTRY_CLOSED, &pl)) != NULL) {
		r->nclosed++;
		r->closed_at = i;
	} else if ((pp = entry_payload(buf, len, SREC_ENTRY_OPENED, &pl)) != NULL) {
		char why[400];
		r->nopened++;
		if ((e = srec_opened_check(pp, pl, sid, el->manifest->hash, r->sd->registered, why,
		                           sizeof why)) != Q_OK)
			r->fault = rec_fail(e, r->fmsg, sizeof r->fmsg,
			                    _("station %s: log entry %llu: %s"), sid,
			                    (unsigned long long)i, why);
	} else if ((pp = entry_payload(buf, len, NAMED_ENTRY_TAG, &pl)) != NULL) {
		/* V-7.1, checked in this read (tally_named_collect
		 * reads the logs again for decrypt and report) */
		char why[400];
		if (p->has_named && p->named_e == Q_OK &&
		    (p->named_e = named_tally_add(&p->nt, el->manifest, sid, i, r->checked_in, pp,
		                                  pl, why, sizeof why)) != Q_OK)
			snprintf(p->named_msg, sizeof p->named_msg, "%s (V-7.1)", why);
	} else {
		r->fault =
		    check_roll_entry(el, sid, i, buf, len, &r->nroll, r->fmsg, sizeof r->fmsg);
	}
	return Q_OK;
}

/* ---- what binds a station's entries to its key (R-5 (1), (2), (5), (7)):
 * the tally's checks, also made by combine and report before they count
 * the named votes of the logs (tally_station_verify) ---- */

/* stations/<sid>/station-record.json.sig: the base64 Ed25519 signature
 * (an optional final newline). */
static qerr station_sig_read(const rec_election *el, const char *sid, const char *what,
                             uint8_t sig[SIG_LEN], char *msg, size_t msgsz)
{
	char path[REC_PATH_MAX];
	uint8_t *sb = NULL, dec[SIG_LEN + 4];
	size_t slen = 0, siglen = 0;
	qerr e;
	if ((e = rec_path(path, sizeof path, el->dir, "stations/%s/station-record.json.sig",
	                  sid)) != Q_OK ||
	    (e = rec_read_file(path, 1024, &sb, &slen, msg, msgsz)) != Q_OK)
		return e;
	while (slen > 0 && (sb[slen - 1] == '\n' || sb[slen - 1] == '\r'))
		slen--;
	if (slen > 96 || b64_decode(dec, &siglen, (const char *)sb, slen) != Q_OK ||
	    siglen != SIG_LEN)
		e = rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s.sig: not a base64 Ed25519 signature"),
		             what);
	else
		memcpy(sig, dec, SIG_LEN);
	free(sb);
	return e;
}

/* R-5 (1), (2): the record's log.vkey (into t->vk), the registered key
 * if the officer registered one, and the signature over the record's
 * SHA-256 rhash (P-7.2). */
static qerr station_key_check(const rec_election *el, const char *sid, const char *what,
                              const json_t *rec, const uint8_t rhash[SHA256_LEN],
                              const uint8_t sig[SIG_LEN], tally_station_trust *t, char *msg,
                              size_t msgsz)
{
	const json_t *v = json_object_get(json_object_get(rec, "log"), "vkey");
	uint8_t *kb = NULL;
	size_t kl;
	note_verifier reg;
	char kp[REC_PATH_MAX];
	uint8_t m[SREC_SIG_MSG_LEN];
	qerr e;
	if (!json_is_string(v) ||
	    note_verifier_parse(&t->vk, json_string_value(v), json_string_length(v)) != Q_OK ||
	    t->vk.alg != NOTE_ALG_ED25519)
		return rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: log.vkey is not a verifier key"),
		                what);
	/* R-5 (1): a registered station key, if the officer registered one */
	if ((e = rec_path(kp, sizeof kp, el->dir, "stations/%s/vkey", sid)) != Q_OK)
		return e;
	e = rec_read_file(kp, 4096, &kb, &kl, NULL, 0);
	if (e == Q_OK) {
		e = note_verifier_parse(&reg, (const char *)kb, kl);
		free(kb);
		if (e != Q_OK || memcmp(reg.pk, t->vk.pk, SIG_PUBLIC_LEN) != 0)
			return rec_fail(Q_ERR_SIGNATURE, msg, msgsz,
			                _("station %s: the record is signed by a key other than "
			                  "the registered one (stations/%s/vkey)"),
			                sid, sid);
	} else if (e != Q_ERR_NOTFOUND) {
		return rec_fail(e, msg, msgsz, _("stations/%s/vkey cannot be read"), sid);
	}
	/* R-5 (2): Ed25519 over tag || SHA-256(record bytes) (P-7.2) */
	memcpy(m, SREC_SIG_TAG, SREC_SIG_TAG_LEN);
	memcpy(m + SREC_SIG_TAG_LEN, rhash, SHA256_LEN);
	if (sig_verify(t->vk.pk, m, sizeof m, sig) != Q_OK)
		return rec_fail(Q_ERR_SIGNATURE, msg, msgsz,
		                _("station %s: the record's signature does not verify (tampered "
		                  "record or wrong key)"),
		                sid);
	return Q_OK;
}

/* R-5 (5): log.checkpoint is signed by t->vk and its size and root are
 * log.size and log.root (into t->size, t->root). */
static qerr station_checkpoint_check(const char *sid, const char *what, const json_t *rec,
                                     tally_station_trust *t, char *msg, size_t msgsz)
{
	const json_t *lg = json_object_get(rec, "log"), *v = json_object_get(lg, "checkpoint");
	checkpoint cp;
	qerr e;
	if ((e = rec_json_u64(lg, "size", UINT64_MAX >> 1, &t->size, what, msg, msgsz)) != Q_OK ||
	    (e = hex_field(lg, "root", t->root, sizeof t->root, what, msg, msgsz)) != Q_OK)
		return e;
	if (!json_is_string(v) ||
	    checkpoint_open(&cp, json_string_value(v), json_string_length(v), &t->vk) != Q_OK ||
	    cp.size != t->size || memcmp(cp.root, t->root, 32) != 0)
		return rec_fail(
		    Q_ERR_SIGNATURE, msg, msgsz,
		    _("station %s: the record's checkpoint is not signed by the station "
		      "or does not match log.size/log.root"),
		    sid);
	return Q_OK;
}

/* R-5 (7), the part that binds the log's entries to the signed record:
 * stations/<sid>/log opened, its key t->vk, verified in one read
 * that hands each of its first t->size entries to visit once its hash
 * matched its leaf, and its root at t->size t->root.  If *stop (the
 * visitor's fatal fault, may be NULL) is set after the read it is
 * returned, msg untouched.  *lgp (may be NULL) keeps the open log for the
 * caller's further checks (log_close). */
static qerr station_log_check(const rec_election *el, const char *sid, const tally_station_trust *t,
                              log_visit_fn visit, void *ctx, const qerr *stop, audit_log **lgp,
                              char *msg, size_t msgsz)
{
	char path[REC_PATH_MAX], lmsg[LOG_MSG_MAX];
	audit_log *lg = NULL;
	const note_verifier *lvk;
	merkle_hash r;
	struct stat kst;
	qerr e;
	if (lgp != NULL)
		*lgp = NULL;
	if ((e = rec_path(path, sizeof path, el->dir, "stations/%s/log/key", sid)) != Q_OK)
		return e;
	if (lstat(path, &kst) == 0)
		fprintf(stderr,
		        _("warning: %s is the station's private signing key: remove it from "
		          "the election record before publishing\n"),
		        path);
	if ((e = rec_path(path, sizeof path, el->dir, "stations/%s/log", sid)) != Q_OK)
		return e;
	if ((e = log_open(path, LOG_RDONLY, &lg, lmsg, sizeof lmsg)) != Q_OK)
		return rec_fail(e, msg, msgsz, _("station %s: its log cannot be opened: %s"), sid,
		                lmsg);
	lvk = log_vkey(lg);
	if (memcmp(lvk->pk, t->vk.pk, SIG_PUBLIC_LEN) != 0 || strcmp(lvk->name, t->vk.name) != 0) {
		e = rec_fail(Q_ERR_SIGNATURE, msg, msgsz,
		             _("station %s: the log's key is not the key that signed the record"),
		             sid);
		goto out;
	}
	e = log_verify_visit(lg, t->size, visit, ctx, NULL, NULL);
	if (stop != NULL && *stop != Q_OK) {
		e = *stop;
		goto out;
	}
	if (e != Q_OK) {
		e = rec_fail(e, msg, msgsz, _("station %s: its log does not verify: %s"), sid,
		             log_error(lg));
		goto out;
	}
	if (t->size > log_size(lg) || log_root(lg, t->size, r) != Q_OK ||
	    memcmp(r, t->root, 32) != 0) {
		e = rec_fail(Q_ERR_CONSISTENCY, msg, msgsz,
		             _("station %s: the record's log size/root do not match its log"), sid);
		goto out;
	}
	e = Q_OK;
out:
	if (e == Q_OK && lgp != NULL)
		*lgp = lg;
	else
		log_close(lg);
	return e;
}

/* R-5 (7): the station log, read once (log_verify_visit): verified
 * while its ballot-cast entries go into logcodes beside the
 * record's and its named-vote entries (V-7.1) are checked against
 * checked_in (the first fault kept in p->named_e).  In the order of
 * the log's own faults, its size and root against the record's,
 * then the first fault among its entries. */
static qerr check_station_log(tally_pass *p, const char *sid, const tally_station_trust *t,
                              uint64_t close_index, station_data *sd, alphasort *logcodes,
                              const json_t *checked_in, char *msg, size_t msgsz)
{
	uint64_t size = t->size;
	audit_log *lg = NULL;
	int missing = 0;
	uint8_t mcode[BALLOT_CODE_LEN];
	log_reader rd;
	qerr e;

	memset(&rd, 0, sizeof rd);
	rd.p = p;
	rd.sid = sid;
	rd.sd = sd;
	rd.logcodes = logcodes;
	rd.checked_in = checked_in;
	rd.tl = strlen(TALLY_ENTRY_CAST);
	e = station_log_check(p->el, sid, t, log_reader_entry, &rd, &rd.fatal, &lg, msg, msgsz);
	if (rd.fatal != Q_OK) {
		e = rd.fatal == Q_ERR_NOMEM ? rd.fatal : sort_fail(rd.fatal, msg, msgsz);
		goto out;
	}
	if (e != Q_OK)
		goto out;
	if (rd.fault != Q_OK) {
		e = rec_fail(rd.fault, msg, msgsz, "%s", rd.fmsg);
		goto out;
	}
	size_t ncodes = rd.ncodes, nroll = rd.nroll;
	uint64_t nopened = rd.nopened, nclosed = rd.nclosed, closed_at = rd.closed_at;
	if (nopened == 0) {
		e = rec_fail(Q_ERR_CONSISTENCY, msg, msgsz,
		             _("station %s: its log has no poll-opened entry (P-6, V-5.5)"), sid);
		goto out;
	}
	/* P-7.1, V-5.3: log.close_index names the log's one poll-closed entry,
	 * the last of the log, and no entry follows the record */
	if (nclosed != 1 || closed_at != close_index) {
		e = rec_fail(
		    Q_ERR_CONSISTENCY, msg, msgsz,
		    _("station %s: log.close_index %llu is not the index of the log's one "
		      "poll-closed entry (%llu poll-closed entries, the last at %llu; P-7.1)"),
		    sid, (unsigned long long)close_index, (unsigned long long)nclosed,
		    (unsigned long long)closed_at);
		goto out;
	}
	if (size == 0 || close_index != size - 1 || log_size(lg) != size) {
		e = rec_fail(
		    Q_ERR_CONSISTENCY, msg, msgsz,
		    _("station %s: entries follow poll-closed (log.close_index %llu, log.size "
		      "%llu, %llu entries in the log): the poll-closed entry is the log's "
		      "last (P-7.1, V-5.3)"),
		    sid, (unsigned long long)close_index, (unsigned long long)size,
		    (unsigned long long)log_size(lg));
		goto out;
	}
	if (nroll == 0) {
		e = rec_fail(Q_ERR_CONSISTENCY, msg, msgsz,
		             _("station %s: its log has no roll-imported entry: the roll it served "
		               "is unknown (R-5 (10))"),
		             sid);
		goto out;
	}
	if (ncodes != sd->cast || ncodes != sd->nballots) {
		e = rec_fail(
		    Q_ERR_CONSISTENCY, msg, msgsz,
		    _("station %s: the log has %zu cast ballots, the record %zu ballots and "
		      "cast = %llu"),
		    sid, ncodes, sd->nballots, (unsigned long long)sd->cast);
		goto out;
	}
	/* as many log entries as distinct record codes (P-7.1): the same
	 * codes if each record code has one */
	if ((e = tally_codes_first_missing(logcodes, &missing, mcode)) != Q_OK)
		goto out;
	if (missing) {
		char hx[2 * BALLOT_CODE_LEN + 1];
		hex_encode(hx, mcode, BALLOT_CODE_LEN);
		e = rec_fail(Q_ERR_CONSISTENCY, msg, msgsz,
		             _("station %s: ballot %s of the record is not in the station log"),
		             sid, hx);
		goto out;
	}
	e = Q_OK;
out:
	log_close(lg);
	return e;
}

/* R-5 (8): every challenged ballot's opening re-encrypts to its
 * ciphertexts (B-7).  Their B-2 bytes are kept in sd for B-9. */
static qerr check_challenged(const ballot_style *st, const point *K, const char *sid,
                             const json_t *arr, station_data *sd, char *msg, size_t msgsz)
{
	size_t i;
	const json_t *c;
	size_t n = json_array_size(arr);
	if ((sd->ch_enc = calloc(n + 1, sizeof *sd->ch_enc)) == NULL ||
	    (sd->ch_len = calloc(n + 1, sizeof *sd->ch_len)) == NULL)
		return Q_ERR_NOMEM;
	json_array_foreach(arr, i, c)
	{
		const json_t *bs = json_object_get(c, "ballot"),
		             *os = json_object_get(c, "opening");
		uint8_t *bb = NULL, *ob = NULL;
		size_t bl = 0, ol = 0;
		ballot *b = NULL;
		ballot_opening *op = NULL;
		char why[200] = "";
		qerr e = Q_ERR_FORMAT;
		if (json_is_string(bs) && json_is_string(os) &&
		    json_string_length(bs) < 4u * 1024u * 1024u &&
		    json_string_length(os) < 4u * 1024u * 1024u &&
		    (bb = malloc(b64_max_decoded_len(json_string_length(bs)) + 1)) != NULL &&
		    (ob = malloc(b64_max_decoded_len(json_string_length(os)) + 1)) != NULL &&
		    b64_decode(bb, &bl, json_string_value(bs), json_string_length(bs)) == Q_OK &&
		    b64_decode(ob, &ol, json_string_value(os), json_string_length(os)) == Q_OK &&
		    ballot_decode(st, bb, bl, &b) == Q_OK &&
		    ballot_opening_decode(st, ob, ol, &op) == Q_OK)
			e = ballot_opening_check(st, K, b, op, why, sizeof why);
		ballot_free(b);
		ballot_opening_free(op);
		if (e == Q_OK) {
			sd->ch_enc[sd->nch] = bb;
			sd->ch_len[sd->nch++] = bl;
			bb = NULL;
		}
		free(bb);
		free(ob);
		if (e != Q_OK)
			return rec_fail(e == Q_ERR_NOMEM ? e : Q_ERR_PROOF, msg, msgsz,
			                _("station %s: challenged ballot %zu does not open to its "
			                  "ciphertexts (B-7)%s%s"),
			                sid, i, why[0] ? ": " : "", why);
	}
	return Q_OK;
}

/* An external sort failed (alphasort: memory or its temporary file). */
static qerr sort_fail(qerr e, char *msg, size_t msgsz)
{
	return rec_fail(e, msg, msgsz,
	                _("the tally's external sort failed: out of memory or no temporary file "
	                  "(TMPDIR)"));
}

/* Retire the oldest batch of the window (verified and summed by its
 * worker, R-6.1, R-6.2): a failing ballot is kept in sc (the first in
 * record order: batches retire in order); the ballots of a station with
 * no fault so far go, in record order, to the write-in lists and the
 * sorts of the pass. */
static qerr retire_one(tally_pass *p, station_data *sd, station_scan *sc, char *msg, size_t msgsz)
{
	vpool *vp = p->pool;
	vslot *sl = pool_wait_oldest(vp);
	size_t n = sl->n;
	qerr e = Q_OK;
	sl->n = 0;
	sl->state = SLOT_FREE;
	vp->retired++;
	if (sl->e != Q_OK)
		return rec_fail(sl->e, msg, msgsz, _("verification failed: %s"), qerr_str(sl->e));
	if (sl->bad != SIZE_MAX) {
		if (sc->bad_ballot == SIZE_MAX) {
			sc->bad_ballot = sl->first + sl->bad;
			sc->ballot_e = sl->bad_e;
			snprintf(sc->ballot_why, sizeof sc->ballot_why, "%s", sl->why);
			memcpy(sc->ballot_code, sl->code[sl->bad], BALLOT_CODE_LEN);
		}
		return Q_OK;
	}
	if (sc->bad_order != SIZE_MAX || sc->bad_entry != SIZE_MAX || sc->bad_ballot != SIZE_MAX)
		return Q_OK; /* the station is refused */
	for (size_t i = 0; e == Q_OK && i < n; i++) {
		uint64_t r = sd->first + sl->first + i;
		const uint8_t *c = sl->code[i];
		/* the write-in tuples of the verified ballots, in
		 * record order */
		if (p->wl != NULL &&
		    (e = mix_lists_add(p->wl, p->st, sl->items[i].enc, sl->items[i].len)) != Q_OK)
			break;
		/* R-6 (1): its tracking code; B-9: its alphas (selections and
		 * write-in names), both sorted and merged after the last
		 * station */
		if ((e = alphasort_add(p->codes, c, c + ALPHASORT_KEY_LEN, r)) != Q_OK)
			return sort_fail(e, msg, msgsz);
		for (size_t t = 0; t < p->T && sl->items[i].len == p->slen; t++) {
			uint8_t f[SHA256_LEN];
			alphasort_fingerprint(f, sl->items[i].enc + p->off[t]);
			if ((e = alphasort_add(p->alphas, f, c, r * p->T + t)) != Q_OK)
				return sort_fail(e, msg, msgsz);
		}
	}
	return e;
}

/* Every batch of the window retired (the station's last ones submitted). */
static qerr drain_window(tally_pass *p, station_data *sd, station_scan *sc, char *msg, size_t msgsz)
{
	qerr e = Q_OK;
	pool_submit(p->pool);
	while (e == Q_OK && p->pool->retired < p->pool->filled)
		e = retire_one(p, sd, sc, msg, msgsz);
	return e;
}

/* Ballot b (read, its tracking code code checked) into the window; a
 * full batch goes to the workers.  *submitted: a batch was. */
static qerr window_add(tally_pass *p, station_data *sd, station_scan *sc, const srec_ballot *b,
                       const uint8_t code[BALLOT_CODE_LEN], int *submitted, char *msg, size_t msgsz)
{
	vpool *vp = p->pool;
	vslot *sl = pool_fill_slot(vp);
	qerr e;
	*submitted = 0;
	/* the ring is full: the slot still holds the oldest batch */
	if (vp->filled - vp->retired == vp->nslots &&
	    (e = retire_one(p, sd, sc, msg, msgsz)) != Q_OK)
		return e;
	size_t k = sl->n;
	if (k == 0)
		sl->first = b->index;
	if (sl->cap[k] < b->len) {
		uint8_t *nb = realloc(sl->enc[k], b->len);
		if (nb == NULL)
			return Q_ERR_NOMEM;
		sl->enc[k] = nb;
		sl->cap[k] = b->len;
	}
	memcpy(sl->enc[k], b->enc, b->len);
	sl->items[k].enc = sl->enc[k];
	sl->items[k].len = b->len;
	memcpy(sl->code[k], code, BALLOT_CODE_LEN);
	if (++sl->n == vp->bmax) {
		pool_submit(vp);
		*submitted = 1;
	}
	return Q_OK;
}

/* Ballot b, its code (B-4, code) checked, to the log comparison and the
 * window (a wrong code: kept in sc as the entry's fault). */
static qerr take_ballot(tally_pass *p, station_data *sd, station_scan *sc, const srec_ballot *b,
                        const uint8_t code[BALLOT_CODE_LEN], uint64_t *est, char *msg, size_t msgsz)
{
	qerr e;
	int sub = 0;
	if (memcmp(code, b->code, BALLOT_CODE_LEN) != 0) {
		sc->bad_entry = b->index;
		sc->entry_kind = 2;
		return Q_OK;
	}
	/* R-5 (7): looked up in the log below */
	if ((e = alphasort_add(sc->logcodes, code, code + ALPHASORT_KEY_LEN, b->index)) != Q_OK)
		return sort_fail(e, msg, msgsz);
	if (sc->bad_order != SIZE_MAX || sc->bad_ballot != SIZE_MAX)
		return Q_OK;
	if ((e = window_add(p, sd, sc, b, code, &sub, msg, msgsz)) != Q_OK)
		return e;
	if (sub && p->progress) {
		if (b->index + 1 > *est)
			p->bar.total = *est = b->index + 1;
		progress_update(&p->bar, b->index + 1);
	}
	return Q_OK;
}

/* Read station sid's record once through (election/srec_stream.h): every
 * byte hashed for the signature, each ballot entry checked (P-7.1 order,
 * base64, B-4), its code handed to the station's log comparison, and the
 * ballots verified and summed a window at a time.  Then, in the order of
 * R-5, the record's signature and other members, the faults found among
 * the ballots, the challenged ballots and the log. */
static qerr read_station(tally_pass *p, const char *sid, const char *khex, station_data *sd,
                         char *msg, size_t msgsz)
{
	const rec_election *el = p->el;
	char path[REC_PATH_MAX], what[128], why[300];
	uint8_t sig[SIG_LEN], mh[SHA256_LEN], bh[SHA256_LEN];
	size_t nb = 0;
	srec_stream *rs = NULL;
	json_t *j = NULL;
	const json_t *v, *lg, *counts, *arr;
	tally_station_trust tr;
	uint64_t close_index, est;
	station_scan sc;
	struct stat rst;
	char label[160];
	qerr e;

	memset(sd, 0, sizeof *sd);
	memset(&sc, 0, sizeof sc);
	sc.bad_order = sc.bad_entry = sc.bad_ballot = SIZE_MAX;
	snprintf(sd->id, sizeof sd->id, "%s", sid);
	sd->first = p->ncast;
	snprintf(what, sizeof what, "stations/%s/station-record.json", sid);
	if ((e = rec_path(path, sizeof path, el->dir, "%s", what)) != Q_OK)
		return e;
	if (stat(path, &rst) != 0) {
		if (errno != ENOENT)
			memset(&rst, 0, sizeof rst); /* srec_stream_open names the fault */
		else
			return rec_fail(
			    Q_ERR_NOTFOUND, msg, msgsz,
			    _("station %s has no record (%s): close the station "
			      "(quorum-ballot close) and copy its record into %s/stations/%s/ "
			      "(docs/guide-returning-officer.md section 3)"),
			    sid, what, el->dir, sid);
	} else if (!S_ISREG(rst.st_mode)) { /* a FIFO would block the read */
		return rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: not a regular file"), path);
	}
	if ((e = srec_stream_open(&rs, path, 0, why, sizeof why)) != Q_OK) {
		e = rec_fail(e, msg, msgsz, "%s", why);
		goto out;
	}
	if ((e = station_sig_read(el, sid, what, sig, msg, msgsz)) != Q_OK)
		goto out;
	if ((sc.logcodes = alphasort_new(p->sort_mem ? p->sort_mem : LOG_SORT_MEM, 1)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	/* the bar counts ballots; their number is estimated from the size */
	est = (uint64_t)rst.st_size / (p->slen / 3 * 4 + 100) + 1;
	if (p->progress) {
		snprintf(label, sizeof label, _("verifying ballots, station %s"), sid);
		progress_begin(&p->bar, 2, label, est);
		progress_unit(&p->bar, _("ballots"));
	}
	for (;;) {
		srec_ballot b;
		uint8_t code[BALLOT_CODE_LEN];
		int end = 0;
		memset(&b, 0, sizeof b);
		e = srec_stream_next(rs, &b, &end, why, sizeof why);
		if (e != Q_OK && !b.bad) {
			/* the JSON itself: malformed, truncated, too long */
			e = e == Q_ERR_NOMEM ? e : rec_fail(e, msg, msgsz, "%s: %s", what, why);
			goto out;
		}
		if (end)
			break;
		if (b.bad) {
			if (sc.bad_entry == SIZE_MAX) {
				sc.bad_entry = b.index;
				sc.entry_kind = strstr(why, "base64") != NULL;
			}
			continue;
		}
		/* P-7.1: strictly ascending tracking codes */
		if (sc.have_prev && memcmp(sc.prev, b.code, BALLOT_CODE_LEN) >= 0 &&
		    sc.bad_order == SIZE_MAX)
			sc.bad_order = b.index;
		memcpy(sc.prev, b.code, BALLOT_CODE_LEN);
		sc.have_prev = 1;
		if (sc.bad_entry != SIZE_MAX)
			continue;
		/* B-4: the tracking code is the ballot's */
		ballot_tracking_code(code, p->st, b.enc, b.len);
		if ((e = take_ballot(p, sd, &sc, &b, code, &est, msg, msgsz)) != Q_OK)
			goto out;
	}
	pool_submit(p->pool); /* the station's last batch; retired below */
	e = srec_stream_finish(rs, &j, sd->record_hash, &nb, why, sizeof why);
	if (e != Q_OK) {
		e = e == Q_ERR_NOMEM ? e : rec_fail(e, msg, msgsz, "%s: %s", what, why);
		goto out;
	}
	if (p->progress) {
		p->bar.total = nb;
		progress_update(&p->bar, nb);
		progress_end(&p->bar);
	}
	sd->nballots = nb;
	/* a record of a major version the tally does not know is
	 * refused, naming the version found and the one known */
	v = json_object_get(j, "format");
	if ((e = srec_format_check(json_is_string(v) ? json_string_value(v) : NULL,
	                           "quorum-station-record", TALLY_STATION_RECORD_MAJOR, why,
	                           sizeof why)) != Q_OK) {
		e = rec_fail(e, msg, msgsz, _("station %s: %s: %s"), sid, what, why);
		goto out;
	}
	/* R-5 (1), (2): the station's key and the record's signature */
	if ((e = station_key_check(el, sid, what, j, sd->record_hash, sig, &tr, msg, msgsz)) !=
	    Q_OK)
		goto out;
	lg = json_object_get(j, "log");
	/* R-5 (3): this election */
	v = json_object_get(j, "station");
	if (!json_is_string(v) || strcmp(json_string_value(v), sid) != 0) {
		e = rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: names another station"), what);
		goto out;
	}
	if ((e = hex_field(j, "base_hash", bh, sizeof bh, what, msg, msgsz)) != Q_OK ||
	    (e = hex_field(j, "manifest_sha256", mh, sizeof mh, what, msg, msgsz)) != Q_OK)
		goto out;
	v = json_object_get(j, "election");
	if (!json_is_string(v) || strcmp(json_string_value(v), el->manifest->id) != 0 ||
	    memcmp(bh, el->base_hash, SHA256_LEN) != 0 ||
	    memcmp(mh, el->manifest->hash, SHA256_LEN) != 0) {
		e = rec_fail(Q_ERR_FORMAT, msg, msgsz,
		             _("station %s: the record belongs to another election (its election, "
		               "base hash or manifest hash differ)"),
		             sid);
		goto out;
	}
	v = json_object_get(j, "joint_key");
	if (!json_is_string(v) || strcmp(json_string_value(v), khex) != 0) {
		e = rec_fail(Q_ERR_FORMAT, msg, msgsz,
		             _("station %s: the record was made under another joint key"), sid);
		goto out;
	}
	/* the log's origin is quorum/<election>/station/<sid>, and it is
	 * the name of the station's key */
	{
		char origin[REC_PATH_MAX];
		v = json_object_get(lg, "origin");
		if ((e = srec_origin(origin, sizeof origin, el->manifest->id, sid)) != Q_OK)
			goto out;
		if (!json_is_string(v) || strcmp(json_string_value(v), origin) != 0 ||
		    strcmp(tr.vk.name, origin) != 0) {
			e = rec_fail(
			    Q_ERR_CONSISTENCY, msg, msgsz,
			    _("station %s: %s: log.origin \"%.80s\" or the name of log.vkey "
			      "\"%.80s\" is not \"%.100s\" (A-5.2)"),
			    sid, what, json_is_string(v) ? json_string_value(v) : "(none)",
			    tr.vk.name, origin);
			goto out;
		}
	}
	/* R-5 (4): counts, COUNT.reconcile */
	counts = json_object_get(j, "counts");
	if ((e = rec_json_u64(counts, "issued", RULE_MAX_COUNT, &sd->issued, what, msg, msgsz)) !=
	        Q_OK ||
	    (e = rec_json_u64(counts, "cast", RULE_MAX_COUNT, &sd->cast, what, msg, msgsz)) !=
	        Q_OK ||
	    (e = rec_json_u64(counts, "challenged", RULE_MAX_COUNT, &sd->challenged, what, msg,
	                      msgsz)) != Q_OK)
		goto out;
	if (rec_json_u64(counts, "registered", RULE_MAX_COUNT, &sd->registered, what, NULL, 0) !=
	    Q_OK)
		sd->registered = 0;
	if (sd->cast > sd->issued) {
		e = rec_fail(
		    Q_ERR_CONSISTENCY, msg, msgsz,
		    _("station %s: %llu ballots cast but only %llu issued (COUNT.reconcile: "
		      "cast <= issued)"),
		    sid, (unsigned long long)sd->cast, (unsigned long long)sd->issued);
		goto out;
	}
	/* R-5 (9): the roll ids checked in */
	{
		const json_t *ci = json_object_get(j, "checked_in");
		if ((e = srec_checked_in_check(ci, sd->issued, why, sizeof why)) != Q_OK) {
			e = rec_fail(e, msg, msgsz, _("station %s: %s (R-5 (9))"), sid, why);
			goto out;
		}
		sd->checked_in = json_incref((json_t *)ci);
		/* across stations (below): each id's SHA-256 to an external sort,
		 * in place of the list */
		for (size_t i = 0; i < json_array_size(ci); i++) {
			const json_t *id = json_array_get(ci, i);
			uint8_t h[SHA256_LEN];
			sha256(h, json_string_value(id), json_string_length(id));
			if ((e = alphasort_add(p->rollids, h, h + ALPHASORT_KEY_LEN,
			                       ((uint64_t)p->station << 40) | i)) != Q_OK) {
				e = sort_fail(e, msg, msgsz);
				goto out;
			}
		}
		/* R-5 (15): from minor 1 the record lists its proxy check-ins */
		const json_t *fv = json_object_get(j, "format");
		if (srec_format_minor(json_string_value(fv)) >= 1) {
			const json_t *px = json_object_get(j, "proxies");
			if ((e = srec_proxies_check(px, ci, why, sizeof why)) != Q_OK) {
				e = rec_fail(e, msg, msgsz, "station %s: %s (R-5 (15))", sid, why);
				goto out;
			}
			sd->proxies = json_incref((json_t *)px);
		}
	}
	/* R-5 (5): the checkpoint */
	if ((e = station_checkpoint_check(sid, what, j, &tr, msg, msgsz)) != Q_OK)
		goto out;
	/* P-7.1, the ballots' entries: the first fault found as they were
	 * read, an order fault before an entry's */
	if (sc.bad_order != SIZE_MAX) {
		snprintf(why, sizeof why,
		         "ballots[%zu]: not in ascending tracking-code order after ballots[%zu] "
		         "(P-7.1)",
		         sc.bad_order, sc.bad_order - 1);
		e = rec_fail(Q_ERR_CONSISTENCY, msg, msgsz, _("station %s: %s: %s"), sid, what,
		             why);
		goto out;
	}
	if (sc.bad_entry != SIZE_MAX) {
		if (sc.entry_kind == 0)
			e = rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: ballots[%zu] has no ballot"),
			             what, sc.bad_entry);
		else if (sc.entry_kind == 1)
			e = rec_fail(Q_ERR_FORMAT, msg, msgsz,
			             _("%s: ballots[%zu]: bad base64 or tracking code"), what,
			             sc.bad_entry);
		else
			e = rec_fail(
			    Q_ERR_FORMAT, msg, msgsz,
			    _("%s: ballots[%zu]: the tracking code is not the ballot's (B-4)"),
			    what, sc.bad_entry);
		goto out;
	}
	if (sd->nballots != sd->cast) {
		e = rec_fail(Q_ERR_CONSISTENCY, msg, msgsz,
		             _("station %s: %zu ballots in the record but cast = %llu"), sid,
		             sd->nballots, (unsigned long long)sd->cast);
		goto out;
	}
	arr = json_object_get(j, "challenged");
	if (!json_is_array(arr) || json_array_size(arr) != sd->challenged) {
		e = rec_fail(Q_ERR_CONSISTENCY, msg, msgsz,
		             _("station %s: the challenged list does not hold %llu ballots"), sid,
		             (unsigned long long)sd->challenged);
		goto out;
	}
	if ((e = srec_sorted_check(arr, "challenged", why, sizeof why)) != Q_OK) {
		e = rec_fail(e, msg, msgsz, _("station %s: %s: %s"), sid, what, why);
		goto out;
	}
	if ((e = check_challenged(p->st, p->K, sid, arr, sd, msg, msgsz)) != Q_OK)
		goto out;
	if (rec_json_u64(lg, "close_index", UINT64_MAX >> 1, &close_index, what, NULL, 0) != Q_OK)
		close_index = UINT64_MAX;
	if ((e = check_station_log(p, sid, &tr, close_index, sd, sc.logcodes, sd->checked_in, msg,
	                           msgsz)) != Q_OK)
		goto out;
	/* the ballots' proofs, after the record and its log (the
	 * workers verified the last batches meanwhile) */
	if ((e = drain_window(p, sd, &sc, msg, msgsz)) != Q_OK)
		goto out;
	if (sc.bad_ballot != SIZE_MAX) {
		char hx[2 * BALLOT_CODE_LEN + 1];
		hex_encode(hx, sc.ballot_code, BALLOT_CODE_LEN);
		e = rec_fail(sc.ballot_e, msg, msgsz,
		             _("station %s, ballot %zu (tracking code %s): %s -- a "
		               "ballot of another election or a forged ballot is refused"),
		             sid, sc.bad_ballot, hx, sc.ballot_why);
		goto out;
	}
	p->ncast += sd->nballots;
	json_decref(sd->checked_in); /* its ids are in p->rollids */
	sd->checked_in = NULL;
	e = Q_OK;
out:
	if (p->progress)
		progress_end(&p->bar);
	if (e != Q_OK)
		station_data_clear(sd);
	alphasort_free(sc.logcodes);
	srec_stream_free(rs);
	json_decref(j);
	return e;
}

/* ---- across stations: a ballot twice (R-6 (1)), an alpha twice (B-9) ---- */

/* The station holding cast ballot number r (record order). */
static const station_data *station_of(const station_data *sds, size_t ns, uint64_t r)
{
	for (size_t s = 0; s < ns; s++)
		if (r >= sds[s].first && r - sds[s].first < sds[s].nballots)
			return &sds[s];
	return NULL; /* not reached: every ref is a ballot's */
}

typedef struct code_dup {
	int have;
	alphasort_item first, later;
} code_dup;

/* The first repeated code of the merge is the smallest. */
static void code_twice(void *ctx, const alphasort_item *first, const alphasort_item *later)
{
	code_dup *d = ctx;
	if (!d->have) {
		d->have = 1;
		d->first = *first;
		d->later = *later;
	}
}

/* R-6 (1): no tracking code twice among the cast ballots of all
 * stations (within a station P-7.1 already refused it). */
static qerr check_codes(tally_pass *p, const station_data *sds, size_t ns, char *msg, size_t msgsz)
{
	code_dup d;
	qerr e;
	memset(&d, 0, sizeof d);
	if ((e = alphasort_dups(p->codes, code_twice, &d, NULL)) != Q_OK)
		return sort_fail(e, msg, msgsz);
	if (d.have) {
		char hx[2 * BALLOT_CODE_LEN + 1];
		uint8_t code[BALLOT_CODE_LEN];
		const station_data *a = station_of(sds, ns, d.first.ref),
		                   *b = station_of(sds, ns, d.later.ref);
		memcpy(code, d.first.key, ALPHASORT_KEY_LEN);
		memcpy(code + ALPHASORT_KEY_LEN, d.first.tag, ALPHASORT_KEY_LEN);
		hex_encode(hx, code, BALLOT_CODE_LEN);
		return rec_fail(Q_ERR_EXISTS, msg, msgsz,
		                _("ballot %s appears twice (stations %s and %s): refused"), hx,
		                a ? a->id : "?", b ? b->id : "?");
	}
	return Q_OK;
}

typedef struct alpha_dup {
	uint64_t T, ncast;
	int have;
	alphasort_item first, later;
} alpha_dup;

/* Keep the pair whose later place comes first in record order (cast
 * ballots, then challenged; within a ballot its ciphertexts in order):
 * the pair a reading in that order meets first. */
static void alpha_twice(void *ctx, const alphasort_item *first, const alphasort_item *later)
{
	alpha_dup *d = ctx;
	/* the same ballot (the same tracking code) at the same place, cast at
	 * two stations (R-6 (1) refused it) or challenged at two (never
	 * counted): not a replayed ciphertext */
	if (first->ref % d->T == later->ref % d->T &&
	    memcmp(first->tag, later->tag, ALPHASORT_KEY_LEN) == 0 &&
	    (first->ref / d->T >= d->ncast) == (later->ref / d->T >= d->ncast))
		return;
	if (!d->have || later->ref < d->later.ref) {
		d->have = 1;
		d->first = *first;
		d->later = *later;
	}
}

typedef struct aplace {
	const station_data *sd;
	size_t index;
	int chal;
	char hx[2 * BALLOT_CODE_LEN + 4]; /* its tracking code, or its first half and "..." */
} aplace;

/* Where the alpha of ref is: the station, ballot and tracking code. */
static void alpha_where(aplace *w, const tally_pass *p, const station_data *sds, size_t ns,
                        const alphasort_item *it)
{
	uint64_t r = it->ref / p->T;
	memset(w, 0, sizeof *w);
	if (r < p->ncast) {
		w->sd = station_of(sds, ns, r);
		w->index = w->sd ? (size_t)(r - w->sd->first) : 0;
		/* of a cast ballot the sort kept the code's first half */
		hex_encode(w->hx, it->tag, ALPHASORT_KEY_LEN);
		memcpy(w->hx + 2 * ALPHASORT_KEY_LEN, "...", 4);
		return;
	}
	w->chal = 1;
	r -= p->ncast;
	for (size_t s = 0; s < ns; s++) {
		if (r < sds[s].nch) {
			uint8_t code[BALLOT_CODE_LEN];
			w->sd = &sds[s];
			w->index = (size_t)r;
			ballot_tracking_code(code, p->st, sds[s].ch_enc[r], sds[s].ch_len[r]);
			hex_encode(w->hx, code, BALLOT_CODE_LEN);
			return;
		}
		r -= sds[s].nch;
	}
}

/* "station s1, ballot 2 (tracking code ...) contest 0 option 1" */
static void alpha_place(char *out, size_t outsz, const tally_pass *p, const station_data *sds,
                        size_t ns, const alphasort_item *it)
{
	aplace w;
	ballot_ct_place c = {0, 0, UINT32_MAX, 0};
	alpha_where(&w, p, sds, ns, it);
	if (ballot_style_ct_place(p->st, (size_t)(it->ref % p->T), &c) != Q_OK)
		c.slot = UINT32_MAX; /* ref % T < T: not reached */
	if (c.slot == UINT32_MAX)
		snprintf(out, outsz,
		         _("station %s, %s %zu (tracking code %s) contest %zu option %zu"),
		         w.sd ? w.sd->id : "?", w.chal ? _("challenged ballot") : _("ballot"),
		         w.index, w.hx, (size_t)c.contest, (size_t)c.option);
	else
		snprintf(out, outsz,
		         _("station %s, %s %zu (tracking code %s) contest %zu write-in %zu name "
		           "point %zu"),
		         w.sd ? w.sd->id : "?", w.chal ? _("challenged ballot") : _("ballot"),
		         w.index, w.hx, (size_t)c.contest, (size_t)c.slot, (size_t)c.point);
}

/* B-9: every cast ballot's alphas went into p->alphas as they were
 * verified; now the challenged ones (numbered after them), then the
 * merge.  The first alpha seen twice refuses the tally, naming both
 * places.  A fingerprint match is not confirmed on the full 65 bytes
 * (the pass no longer holds them): B-9.2 bounds that chance. */
static qerr check_alphas(tally_pass *p, const station_data *sds, size_t ns, char *msg, size_t msgsz)
{
	alpha_dup d;
	uint64_t g = 0;
	qerr e;
	if (p->T == 0)
		return Q_OK;
	for (size_t s = 0; s < ns; s++)
		for (size_t i = 0; i < sds[s].nch; i++, g++) {
			uint8_t code[BALLOT_CODE_LEN];
			if (sds[s].ch_len[i] != p->slen) /* decoded by check_challenged */
				continue;
			ballot_tracking_code(code, p->st, sds[s].ch_enc[i], sds[s].ch_len[i]);
			for (size_t t = 0; t < p->T; t++) {
				uint8_t fp[ALPHASORT_KEY_LEN];
				alphasort_fingerprint(fp, sds[s].ch_enc[i] + p->off[t]);
				if ((e = alphasort_add(p->alphas, fp, code,
				                       (p->ncast + g) * p->T + t)) != Q_OK)
					return sort_fail(e, msg, msgsz);
			}
		}
	memset(&d, 0, sizeof d);
	d.T = p->T;
	d.ncast = p->ncast;
	if ((e = alphasort_dups(p->alphas, alpha_twice, &d, NULL)) != Q_OK)
		return sort_fail(e, msg, msgsz);
	if (!d.have)
		return Q_OK;
	if (d.first.ref % p->T == d.later.ref % p->T &&
	    memcmp(d.first.tag, d.later.tag, ALPHASORT_KEY_LEN) == 0) {
		/* the same ballot at the same place, challenged and cast: a
		 * challenged ballot is never counted (B-9.3) */
		aplace x, y;
		alpha_where(&x, p, sds, ns, &d.first);
		alpha_where(&y, p, sds, ns, &d.later);
		if (x.chal) {
			aplace t = x;
			x = y;
			y = t;
		}
		return rec_fail(Q_ERR_CONSISTENCY, msg, msgsz,
		                _("station %s, challenged ballot %zu was also cast (station "
		                  "%s, ballot %zu): a challenged ballot is never counted "
		                  "(B-9)"),
		                y.sd ? y.sd->id : "?", y.index, x.sd ? x.sd->id : "?", x.index);
	}
	{
		char p1[300], p2[300];
		alpha_place(p1, sizeof p1, p, sds, ns, &d.first);
		alpha_place(p2, sizeof p2, p, sds, ns, &d.later);
		return rec_fail(Q_ERR_CONSISTENCY, msg, msgsz,
		                _("the same ciphertext (alpha) is at %s and at %s: a "
		                  "ciphertext replayed from another ballot or place is "
		                  "refused (B-9)"),
		                p1, p2);
	}
}

static qerr record_rest(const char *path, json_t **out, uint8_t *sha, char *msg, size_t msgsz);

/* The first roll id the merge finds twice (in SHA-256 order). */
static void rollid_twice(void *ctx, const alphasort_item *first, const alphasort_item *later)
{
	code_dup *d = ctx;
	if (!d->have && (first->ref >> 40) != (later->ref >> 40)) {
		d->have = 1;
		d->first = *first;
		d->later = *later;
	}
}

/* R-5 (9), across stations: no roll id is in two stations' lists.  The
 * lists are not kept: their ids' SHA-256 were sorted externally as each
 * record was read, and the id found twice is read back from the record
 * of its first station. */
static qerr check_checked_in_cross(tally_pass *p, const station_data *sds, size_t ns, char *msg,
                                   size_t msgsz)
{
	code_dup d;
	char path[REC_PATH_MAX];
	json_t *j = NULL;
	qerr e;
	memset(&d, 0, sizeof d);
	if ((e = alphasort_dups(p->rollids, rollid_twice, &d, NULL)) != Q_OK)
		return sort_fail(e, msg, msgsz);
	if (!d.have)
		return Q_OK;
	size_t a = (size_t)(d.first.ref >> 40), b = (size_t)(d.later.ref >> 40);
	size_t i = (size_t)(d.first.ref & ((UINT64_C(1) << 40) - 1));
	if (a >= ns || b >= ns)
		return Q_ERR_STATE; /* not reached: refs are (station, index) */
	if ((e = rec_path(path, sizeof path, p->el->dir, "stations/%s/station-record.json",
	                  sds[a].id)) != Q_OK ||
	    (e = record_rest(path, &j, NULL, msg, msgsz)) != Q_OK)
		return e;
	const json_t *id = json_array_get(json_object_get(j, "checked_in"), i);
	e = rec_fail(Q_ERR_EXISTS, msg, msgsz,
	             _("roll id %s is checked in at two stations (%s and %s): one voter, two "
	               "ballots issued (R-5 (9))"),
	             json_is_string(id) ? json_string_value(id) : "?", sds[a].id, sds[b].id);
	json_decref(j);
	return e;
}

static qerr build(const rec_election *el, const tally_opts *o, const tally_limits *lim,
                  int keys_checked, json_t **out, mix_lists *wl, char *msg, size_t msgsz);

qerr tally_build(const rec_election *el, const tally_opts *o, json_t **out, char *msg, size_t msgsz)
{
	return build(el, o, NULL, 0, out, NULL, msg, msgsz);
}

qerr tally_build_limits(const rec_election *el, const tally_opts *o, const tally_limits *lim,
                        json_t **out, char *msg, size_t msgsz)
{
	return build(el, o, lim, 0, out, NULL, msg, msgsz);
}

qerr tally_build_keys_checked(const rec_election *el, const tally_opts *o, json_t **out, char *msg,
                              size_t msgsz)
{
	return build(el, o, NULL, 1, out, NULL, msg, msgsz);
}

qerr tally_build_lists(const rec_election *el, const tally_opts *o, int keys_checked, json_t **out,
                       mix_lists *wl, char *msg, size_t msgsz)
{
	return build(el, o, NULL, keys_checked, out, wl, msg, msgsz);
}

static int manifest_has_named(const elec_manifest *m);

static void pass_free(tally_pass *p)
{
	pool_free(p->pool); /* first: its workers read st, K and the window */
	free(p->off);
	alphasort_free(p->codes);
	alphasort_free(p->alphas);
	alphasort_free(p->rollids);
	named_tally_free(&p->nt);
	free_agg(p->agg, p->st ? p->st->total_options : 0);
	memset(p, 0, sizeof *p);
}

/* The pass's buffers: the window holds 2 x threads batches of
 * TALLY_BATCH_BALLOTS ballots. */
static qerr pass_init(tally_pass *p, const rec_election *el, const ballot_style *st, const point *K,
                      const point_table *Kt, const tally_opts *o, const tally_limits *lim,
                      mix_lists *wl)
{
	unsigned nthr = o->nthreads;
	memset(p, 0, sizeof *p);
	p->el = el;
	p->st = st;
	p->K = K;
	p->Kt = Kt;
	p->nthreads = o->nthreads;
	p->wl = wl;
	p->progress = o->progress;
	p->bar.fd = -1;
	p->has_named = manifest_has_named(el->manifest);
	if (nthr == 0) {
		long c = sysconf(_SC_NPROCESSORS_ONLN);
		nthr = c > 0 ? (unsigned)c : 1;
	}
	if (nthr > 64)
		nthr = 64;
	/* the window: 2 x threads batches of up to CHUNK ballots, smaller
	 * with many threads so the workers hold at most
	 * TALLY_DECODED_BALLOTS decoded at once (not below 256) */
	size_t bmax = TALLY_DECODED_BALLOTS / nthr;
	bmax = bmax > CHUNK ? CHUNK : bmax < 256 ? 256 : bmax;
	if (lim && lim->window) {
		bmax = lim->window / (2 * (size_t)nthr);
		bmax = bmax == 0 ? 1 : bmax > CHUNK ? CHUNK : bmax;
	}
	p->sort_mem = lim ? lim->sort_mem : 0;
	p->T = ballot_style_nct(st);
	if ((p->off = calloc(p->T + 1, sizeof *p->off)) == NULL)
		return Q_ERR_NOMEM;
	p->slen = ballot_style_ct_offsets(st, p->off);
	if ((p->agg = new_agg(st->total_options)) == NULL ||
	    (p->codes = alphasort_new(p->sort_mem ? p->sort_mem : TALLY_SORT_MEM, 1)) == NULL ||
	    (p->alphas = alphasort_new(p->sort_mem ? p->sort_mem : TALLY_SORT_MEM, 0)) == NULL ||
	    (p->rollids = alphasort_new(p->sort_mem ? p->sort_mem : LOG_SORT_MEM, 1)) == NULL)
		return Q_ERR_NOMEM;
	return pool_new(&p->pool, st, K, Kt, nthr, bmax);
}

static qerr build(const rec_election *el, const tally_opts *o, const tally_limits *lim,
                  int keys_checked, json_t **out, mix_lists *wl, char *msg, size_t msgsz)
{
	ballot_style *st = NULL;
	point *K = NULL;
	point_table *Kt = NULL;
	station_data *sds = NULL;
	size_t ns = el->manifest->nstations, total = 0;
	elgamal_ct **agg;
	json_t *aj = NULL, *jst = NULL, *jcs = NULL;
	char khex[2 * POINT_LEN + 1];
	uint8_t kb[POINT_LEN];
	uint64_t issued = 0, cast = 0;
	tally_pass p;
	qerr e;

	*out = NULL;
	memset(&p, 0, sizeof p);
	if (!keys_checked && (e = ceremony_check_joint_key(el, msg, msgsz)) != Q_OK)
		return e;
	if ((e = rec_ballot_style(el, &st, msg, msgsz)) != Q_OK)
		return e;
	if ((e = rec_load_joint_key(el, &K, NULL, msg, msgsz)) != Q_OK)
		goto out;
	if ((e = point_encode(kb, K)) != Q_OK)
		goto out;
	hex_encode(khex, kb, sizeof kb);
	if ((Kt = point_table_new(K)) == NULL || (sds = calloc(ns + 1, sizeof *sds)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if ((e = pass_init(&p, el, st, K, Kt, o, lim, wl)) != Q_OK)
		goto out;
	if (wl != NULL && (e = mix_lists_init(wl, st, el->manifest)) != Q_OK)
		goto out;
	/* Station by station, each record read once (bounded memory, V-14):
	 * check it, verify its ballots and add them into the aggregate
	 * their tracking codes and alphas going to external
	 * sorts for the checks across stations below.  Nothing is written
	 * before every check has passed. */
	for (size_t s = 0; s < ns; s++) {
		p.station = s;
		if ((e = read_station(&p, el->manifest->stations[s].id, khex, &sds[s], msg,
		                      msgsz)) != Q_OK)
			goto out;
		total += sds[s].nballots;
		issued += sds[s].issued;
		cast += sds[s].cast;
	}
	/* the workers' sums */
	if ((e = pool_sum(p.pool, p.agg)) != Q_OK)
		goto out;
	agg = p.agg;
	if ((e = check_checked_in_cross(&p, sds, ns, msg, msgsz)) != Q_OK)
		goto out;
	/* R-5 (15): the proxy check-ins against the election's profiles */
	{
		const json_t **pl = calloc(ns + 1, sizeof *pl);
		char pwhy[300];
		if (pl == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		for (size_t s = 0; s < ns; s++)
			pl[s] = sds[s].proxies;
		e = srec_proxies_rules(pl, ns, el->manifest, pwhy, sizeof pwhy);
		free(pl);
		if (e == Q_ERR_RULE)
			e = rec_fail(e, msg, msgsz, "%s (R-5 (15))", pwhy);
		if (e != Q_OK)
			goto out;
	}
	/* V-7.1: the named votes of the station logs, checked as the logs
	 * were read */
	if (p.named_e != Q_OK) {
		e = rec_fail(p.named_e, msg, msgsz, "%s", p.named_msg);
		goto out;
	}
	/* no ballot twice */
	if ((e = check_codes(&p, sds, ns, msg, msgsz)) != Q_OK)
		goto out;
	/* R-6 (2a): no ciphertext twice, cast or challenged (B-9) */
	if ((e = check_alphas(&p, sds, ns, msg, msgsz)) != Q_OK)
		goto out;
	/* aggregate.json */
	if ((jst = json_array()) == NULL || (jcs = json_array()) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	for (size_t s = 0; s < ns; s++)
		if (json_array_append_new(
		        jst, json_pack("{s:s, s:I, s:I, s:I, s:o}", "id", sds[s].id, "issued",
		                       (json_int_t)sds[s].issued, "cast", (json_int_t)sds[s].cast,
		                       "challenged", (json_int_t)sds[s].challenged, "record_sha256",
		                       rec_hex_json(sds[s].record_hash, SHA256_LEN))) != 0) {
			e = Q_ERR_NOMEM;
			goto out;
		}
	{
		size_t sel = 0, bc = 0;
		for (size_t c = 0; c < el->manifest->ncontests; c++) {
			const elec_contest *mc = &el->manifest->contests[c];
			char *const *ids;
			size_t nopt;
			unsigned mn, mx;
			json_t *jsel = json_array(), *jc;
			if (jsel == NULL) {
				e = Q_ERR_NOMEM;
				goto out;
			}
			if (!manifest_contest_balloted(mc)) { /* petition, named vote (E-2.1) */
				json_decref(jsel);
				continue;
			}
			manifest_contest_options(mc, &ids, &nopt, &mn, &mx);
			for (size_t x = 0; x < nopt; x++, sel++) {
				uint8_t cb[ELGAMAL_CT_LEN];
				json_t *ct;
				if (point_is_infinity(agg[sel]->a) ||
				    point_is_infinity(agg[sel]->b))
					ct = json_null(); /* no ballot: the neutral element */
				else if (elgamal_ct_encode(cb, agg[sel]) == Q_OK)
					ct = rec_hex_json(cb, sizeof cb);
				else
					ct = NULL;
				if (ct == NULL ||
				    json_array_append_new(jsel,
				                          json_pack("{s:s, s:o}", "option", ids[x],
				                                    "ciphertext", ct)) != 0) {
					json_decref(jsel);
					e = Q_ERR_NOMEM;
					goto out;
				}
			}
			/* after the listed options, one selection per
			 * write-in slot ("write-in:<s>", s 1-based) */
			for (uint32_t x = 0; x < st->contests[bc].nwritein; x++, sel++) {
				uint8_t cb[ELGAMAL_CT_LEN];
				char oid[32];
				json_t *ct;
				snprintf(oid, sizeof oid, "write-in:%u", x + 1);
				if (point_is_infinity(agg[sel]->a) ||
				    point_is_infinity(agg[sel]->b))
					ct = json_null();
				else if (elgamal_ct_encode(cb, agg[sel]) == Q_OK)
					ct = rec_hex_json(cb, sizeof cb);
				else
					ct = NULL;
				if (ct == NULL || json_array_append_new(
				                      jsel, json_pack("{s:s, s:o}", "option", oid,
				                                      "ciphertext", ct)) != 0) {
					json_decref(jsel);
					e = Q_ERR_NOMEM;
					goto out;
				}
			}
			bc++;
			jc = json_pack("{s:s, s:o}", "id", mc->id, "selections", jsel);
			if (jc == NULL || json_array_append_new(jcs, jc) != 0) {
				e = Q_ERR_NOMEM;
				goto out;
			}
		}
	}
	aj = json_pack("{s:s, s:o, s:I, s:I, s:I, s:O, s:O}", "format", TALLY_AGGREGATE_FORMAT,
	               "base_hash", rec_hex_json(el->base_hash, SHA256_LEN), "ballots",
	               (json_int_t)total, "issued", (json_int_t)issued, "cast", (json_int_t)cast,
	               "stations", jst, "contests", jcs);
	if (aj == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	*out = aj;
	aj = NULL;
	e = Q_OK;
out:
	if (sds != NULL)
		for (size_t s = 0; s < ns; s++)
			station_data_clear(&sds[s]);
	free(sds);
	pass_free(&p);
	ballot_style_free(st);
	point_free(K);
	point_table_free(Kt);
	json_decref(aj);
	json_decref(jst);
	json_decref(jcs);
	return e;
}

qerr tally_aggregate_bytes(const json_t *aj, char **buf, size_t *len)
{
	char *s = json_dumps(aj, JSON_INDENT(2) | JSON_SORT_KEYS), *t;
	size_t l;
	*buf = NULL;
	if (s == NULL)
		return Q_ERR_NOMEM;
	l = strlen(s);
	if ((t = realloc(s, l + 2)) == NULL) {
		free(s);
		return Q_ERR_NOMEM;
	}
	t[l] = '\n';
	t[l + 1] = '\0';
	*buf = t;
	*len = l + 1;
	return Q_OK;
}

qerr tally_run(const rec_election *el, const tally_opts *o, char *msg, size_t msgsz)
{
	char path[REC_PATH_MAX], dir[REC_PATH_MAX], *buf = NULL;
	uint8_t ah[SHA256_LEN];
	json_t *aj = NULL, *entry = NULL;
	struct stat sst;
	size_t len;
	mix_lists wl = {NULL, 0};
	qerr e;
	if ((e = rec_path(path, sizeof path, el->dir, "tally/aggregate.json")) != Q_OK)
		return e;
	if (lstat(path, &sst) == 0)
		return rec_fail(Q_ERR_EXISTS, msg, msgsz, _("the tally has already been made (%s)"),
		                path);
	if ((e = tally_build_lists(el, o, 0, &aj, &wl, msg, msgsz)) != Q_OK)
		goto out;
	if ((e = tally_aggregate_bytes(aj, &buf, &len)) != Q_OK)
		goto out;
	/* the write-in lists the trustees mix */
	if ((e = mix_write_inputs(el, &wl, msg, msgsz)) != Q_OK)
		goto out;
	if ((e = rec_path(dir, sizeof dir, el->dir, "tally/partials")) != Q_OK)
		goto out;
	if (rec_mkdirs(dir) != Q_OK) {
		e = rec_fail(Q_ERR_IO, msg, msgsz, _("cannot create %s"), dir);
		goto out;
	}
	if ((e = rec_write_file(path, buf, len, 0644, 1, msg, msgsz)) != Q_OK)
		goto out;
	sha256(ah, buf, len);
	/* R-3 "tally" entry */
	entry = json_pack("{s:s, s:o, s:O, s:O}", "type", "tally", "aggregate_sha256",
	                  rec_hex_json(ah, sizeof ah), "ballots", json_object_get(aj, "ballots"),
	                  "stations", json_object_get(aj, "stations"));
	if (entry == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	e = rec_log_append(el, entry, 1, NULL, msg, msgsz);
out:
	mix_lists_free(&wl);
	free(buf);
	json_decref(aj);
	json_decref(entry);
	return e;
}

/* ---- named votes (E-2.1, P-6.6, V-7.1) ---- */

static int manifest_has_named(const elec_manifest *m)
{
	for (size_t i = 0; i < m->ncontests; i++)
		if (m->contests[i].named)
			return 1;
	return 0;
}

/* The members of the station record at path other than "ballots",
 * its ballots only skipped (election/srec_stream.h): memory bounded
 * whatever the number of ballots; sha (may be NULL) the SHA-256 of its
 * bytes. */
static qerr record_rest(const char *path, json_t **out, uint8_t *sha, char *msg, size_t msgsz)
{
	srec_stream *rs = NULL;
	char why[300];
	int end = 0;
	qerr e;
	*out = NULL;
	if ((e = srec_stream_open(&rs, path, 0, why, sizeof why)) != Q_OK)
		return rec_fail(e, msg, msgsz, "%s", why);
	while (e == Q_OK && !end)
		e = srec_stream_skip(rs, &end, why, sizeof why);
	if (e == Q_OK)
		e = srec_stream_finish(rs, out, sha, NULL, why, sizeof why);
	srec_stream_free(rs);
	if (e != Q_OK && e != Q_ERR_NOMEM)
		e = rec_fail(e, msg, msgsz, "%s: %s", path, why);
	return e;
}

qerr tally_station_verify(const rec_election *el, const char *sid, const uint8_t *tallied_sha256,
                          log_visit_fn visit, void *ctx, json_t **rec, char *msg, size_t msgsz)
{
	char path[REC_PATH_MAX], what[128];
	uint8_t rh[SHA256_LEN], sig[SIG_LEN];
	tally_station_trust tr;
	json_t *j = NULL;
	qerr e;
	if (rec != NULL)
		*rec = NULL;
	snprintf(what, sizeof what, "stations/%s/station-record.json", sid);
	if ((e = rec_path(path, sizeof path, el->dir, "%s", what)) != Q_OK ||
	    (e = record_rest(path, &j, rh, msg, msgsz)) != Q_OK)
		return e;
	if (rec != NULL) /* before the log is read: visit may look at it */
		*rec = json_incref(j);
	/* the record the tally counted */
	if (tallied_sha256 != NULL && memcmp(rh, tallied_sha256, SHA256_LEN) != 0) {
		char h1[2 * SHA256_LEN + 1], h2[2 * SHA256_LEN + 1];
		hex_encode(h1, rh, SHA256_LEN);
		hex_encode(h2, tallied_sha256, SHA256_LEN);
		e = rec_fail(Q_ERR_CONSISTENCY, msg, msgsz,
		             _("station %s: %s (SHA-256 %s) is not the record the tally counted "
		               "(record_sha256 %s in tally/aggregate.json)"),
		             sid, what, h1, h2);
		goto out;
	}
	if ((e = station_sig_read(el, sid, what, sig, msg, msgsz)) != Q_OK ||
	    (e = station_key_check(el, sid, what, j, rh, sig, &tr, msg, msgsz)) != Q_OK ||
	    (e = station_checkpoint_check(sid, what, j, &tr, msg, msgsz)) != Q_OK)
		goto out;
	e = station_log_check(el, sid, &tr, visit, ctx, NULL, NULL, msg, msgsz);
out:
	json_decref(j);
	return e;
}

/* The named-vote entries of one station's log as the verifying read
 * hands them over: checked against its checked_in list
 * (named_tally_add); the first fault kept, reported once the log
 * verified. */
typedef struct named_reader {
	const rec_election *el;
	const char *sid;
	named_tally *nt;
	json_t *rec; /* the record's members, set before the log is read */
	size_t tl;
	qerr fault;
	char why[400];
} named_reader;

static qerr named_reader_entry(void *ctx, uint64_t i, const uint8_t *buf, size_t len)
{
	named_reader *r = ctx;
	if (r->fault != Q_OK || len <= r->tl || memcmp(buf, NAMED_ENTRY_TAG, r->tl) != 0 ||
	    buf[r->tl] != '\n')
		return Q_OK;
	r->fault = named_tally_add(r->nt, r->el->manifest, r->sid, i,
	                           json_object_get(r->rec, "checked_in"), buf + r->tl + 1,
	                           len - r->tl - 1, r->why, sizeof r->why);
	return Q_OK;
}

/* The record_sha256 tallied for station sid (aggregate.json "stations"),
 * or Q_ERR_CONSISTENCY if it lists none. */
static qerr tallied_hash(const json_t *tallied, const char *sid, uint8_t h[SHA256_LEN], char *msg,
                         size_t msgsz)
{
	size_t i;
	const json_t *st;
	json_array_foreach(tallied, i, st)
	{
		const json_t *id = json_object_get(st, "id");
		if (json_is_string(id) && strcmp(json_string_value(id), sid) == 0)
			return rec_json_hex(st, "record_sha256", h, SHA256_LEN,
			                    "tally/aggregate.json", msg, msgsz);
	}
	return rec_fail(Q_ERR_CONSISTENCY, msg, msgsz,
	                _("station %s is not among the stations of tally/aggregate.json"), sid);
}

/* The named-vote entries of station sid's log, up to its record's
 * log.size, checked against its checked_in list (named_tally_add), in
 * the read that verifies the log (tally_station_verify). */
static qerr named_station(const rec_election *el, const json_t *tallied, const char *sid,
                          named_tally *nt, char *msg, size_t msgsz)
{
	named_reader rd;
	uint8_t th[SHA256_LEN];
	qerr e;
	memset(&rd, 0, sizeof rd);
	rd.el = el;
	rd.sid = sid;
	rd.nt = nt;
	rd.tl = strlen(NAMED_ENTRY_TAG);
	if (tallied != NULL && (e = tallied_hash(tallied, sid, th, msg, msgsz)) != Q_OK)
		return e;
	e = tally_station_verify(el, sid, tallied != NULL ? th : NULL, named_reader_entry, &rd,
	                         &rd.rec, msg, msgsz);
	if (e == Q_OK && rd.fault != Q_OK)
		e = rec_fail(rd.fault, msg, msgsz, "%s (V-7.1)", rd.why);
	json_decref(rd.rec);
	return e;
}

qerr tally_named_collect(const rec_election *el, const json_t *tallied, named_tally *nt, char *msg,
                         size_t msgsz)
{
	qerr e = Q_OK;
	if (!manifest_has_named(el->manifest))
		return Q_OK;
	for (size_t s = 0; s < el->manifest->nstations && e == Q_OK; s++)
		e = named_station(el, tallied, el->manifest->stations[s].id, nt, msg, msgsz);
	return e;
}
