/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * count.c -- station records, parallel ballot verification and the
 * homomorphic aggregate (docs/spec/record.md ).
 */
#include "count.h"

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
#include "mix.h"

#include "banned.h"

/* ---- parallel verification ---- */

typedef struct vshared {
	const ballot_style *st;
	const point *K;
	const point_table *Kt;
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
 * less per point the more points it has: 256 five-selection ballots are
 * ~10,000 points (bench_msm, bench_tally). */
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

static void *verify_worker(void *arg)
{
	vworker *w = arg;
	vshared *sh = w->sh;
	char why[200];
	ballot *b[CHUNK];
	const uint8_t *encs[CHUNK];
	size_t idx[CHUNK], lens[CHUNK];
	while (!atomic_load(&sh->stop)) {
		size_t start = atomic_fetch_add(&sh->next, CHUNK);
		if (start >= sh->n)
			break;
		size_t end = start + CHUNK < sh->n ? start + CHUNK : sh->n, nb = 0, bad = SIZE_MAX;
		size_t dfail = SIZE_MAX;
		qerr e = Q_OK, de = Q_OK;
		/* decode strictly; a ballot that does not decode fails
		 * (those before it are still verified: the lowest bad index wins) */
		for (size_t i = start; i < end; i++) {
			ballot *d = NULL;
			de = ballot_decode(sh->st, sh->items[i].enc, sh->items[i].len, &d);
			if (de != Q_OK) {
				dfail = i;
				break;
			}
			idx[nb] = i;
			encs[nb] = sh->items[i].enc;
			lens[nb] = sh->items[i].len;
			b[nb++] = d;
		}
		/* every proof of every decoded ballot in one batch (B-5) */
		e = ballot_verify_batch_enc(sh->st, sh->K, sh->Kt, (const ballot *const *)b, encs,
		                            lens, nb, NULL, &bad, NULL, 0);
		if (e != Q_OK && bad == SIZE_MAX) {
			w->e = e;
			atomic_store(&sh->stop, 1);
		} else if (e != Q_OK) {
			/* name it with the one-ballot message */
			why[0] = '\0';
			qerr e1 = ballot_verify(sh->st, sh->K, sh->Kt, b[bad], why, sizeof why);
			worker_fail(sh, idx[bad], e1 != Q_OK ? e1 : e, why);
		} else if (de == Q_ERR_NOMEM) {
			w->e = de;
			atomic_store(&sh->stop, 1);
			e = de;
		} else if (dfail != SIZE_MAX) {
			snprintf(why, sizeof why, _("does not decode (%s)"), qerr_str(de));
			worker_fail(sh, dfail, de, why);
			e = de;
		}
		/* add the verified selections into this worker's sums */
		for (size_t k = 0; e == Q_OK && k < nb; k++) {
			size_t s = 0;
			for (size_t c = 0; c < b[k]->ncontests && e == Q_OK; c++)
				for (size_t o = 0; o < b[k]->contests[c].nsel && e == Q_OK; o++)
					e = elgamal_add(w->agg[s], w->agg[s],
					                b[k]->contests[c].sel[o].ct),
					s++;
			if (e != Q_OK) {
				w->e = e;
				atomic_store(&sh->stop, 1);
			}
		}
		for (size_t k = 0; k < nb; k++)
			ballot_free(b[k]);
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
	sh.n = n;
	sh.bad = SIZE_MAX;
	atomic_init(&sh.next, 0);
	atomic_init(&sh.done, 0);
	atomic_init(&sh.stop, 0);
	if (pthread_mutex_init(&sh.mu, NULL) != 0)
		return Q_ERR_NOMEM;
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
	pthread_mutex_destroy(&sh.mu);
	return e;
}

/* ---- station records ---- */

typedef struct station_data {
	char id[MANIFEST_ID_MAX + 1];
	uint64_t issued, cast, challenged, registered;
	uint8_t record_hash[SHA256_LEN];
	size_t nballots;
	uint8_t **enc; /* nballots B-2 encodings; NULL once compacted */
	size_t *len;
	/* After the station's ballots are verified and added (tally_build
	 * streams station by station), only what B-9 needs is kept: the
	 * alphas of each cast ballot, ballot_style_nct (selections and
	 * names) x 65 bytes per ballot, ballot i's at alphas + i * nct * 65. */
	uint8_t *alphas;
	uint8_t (*code)[BALLOT_CODE_LEN];
	json_t *checked_in; /* the record's checked_in list (R-5 (9)), a reference */
	json_t *proxies; /* its proxies list (R-5 (15), P-7.6), a reference, or NULL */
	size_t nch; /* challenged ballots: B-2 encodings, for B-9 */
	uint8_t **ch_enc;
	size_t *ch_len;
} station_data;

static void station_data_clear(station_data *sd)
{
	if (sd->enc != NULL)
		for (size_t i = 0; i < sd->nballots; i++)
			free(sd->enc[i]);
	free(sd->enc);
	free(sd->len);
	free(sd->alphas);
	free(sd->code);
	json_decref(sd->checked_in);
	json_decref(sd->proxies);
	for (size_t i = 0; i < sd->nch; i++)
		free(sd->ch_enc[i]);
	free(sd->ch_enc);
	free(sd->ch_len);
	memset(sd, 0, sizeof *sd);
}

static int cmp_code(const void *a, const void *b)
{
	return memcmp(a, b, BALLOT_CODE_LEN);
}

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

/* R-5 (7): the station log. */
static qerr check_station_log(const rec_election *el, const ballot_style *st, const char *sid,
                              const note_verifier *vk, uint64_t size, const uint8_t root[32],
                              uint64_t close_index, station_data *sd, char *msg, size_t msgsz)
{
	char path[REC_PATH_MAX], lmsg[LOG_MSG_MAX];
	audit_log *lg = NULL;
	uint8_t *buf = NULL, (*codes)[BALLOT_CODE_LEN] = NULL;
	merkle_hash r;
	size_t ncodes = 0, nroll = 0;
	uint64_t nopened = 0, nclosed = 0, closed_at = 0;
	const note_verifier *lvk;
	qerr e;
	size_t tl = strlen(TALLY_ENTRY_CAST);

	if ((e = rec_path(path, sizeof path, el->dir, "stations/%s/log", sid)) != Q_OK)
		return e;
	{
		char kp[REC_PATH_MAX];
		struct stat kst;
		if (rec_path(kp, sizeof kp, el->dir, "stations/%s/log/key", sid) == Q_OK &&
		    lstat(kp, &kst) == 0)
			fprintf(
			    stderr,
			    _("warning: %s is the station's private signing key: remove it from "
			      "the election record before publishing\n"),
			    kp);
	}
	if ((e = log_open(path, LOG_RDONLY, &lg, lmsg, sizeof lmsg)) != Q_OK)
		return rec_fail(e, msg, msgsz, _("station %s: its log cannot be opened: %s"), sid,
		                lmsg);
	lvk = log_vkey(lg);
	if (memcmp(lvk->pk, vk->pk, SIG_PUBLIC_LEN) != 0 || strcmp(lvk->name, vk->name) != 0) {
		e = rec_fail(Q_ERR_SIGNATURE, msg, msgsz,
		             _("station %s: the log's key is not the key that signed the record"),
		             sid);
		goto out;
	}
	if ((e = log_verify(lg, NULL, NULL)) != Q_OK) {
		e = rec_fail(e, msg, msgsz, _("station %s: its log does not verify: %s"), sid,
		             log_error(lg));
		goto out;
	}
	if (size > log_size(lg) || log_root(lg, size, r) != Q_OK || memcmp(r, root, 32) != 0) {
		e = rec_fail(Q_ERR_CONSISTENCY, msg, msgsz,
		             _("station %s: the record's log size/root do not match its log"), sid);
		goto out;
	}
	if ((buf = malloc(MERKLE_MAX_ENTRY + 1)) == NULL ||
	    (codes = calloc(size ? size : 1, sizeof *codes)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	for (uint64_t i = 0; i < size; i++) {
		size_t len;
		if ((e = log_read_entry(lg, i, buf, &len)) != Q_OK) {
			e = rec_fail(e, msg, msgsz, _("station %s: log entry %llu: %s"), sid,
			             (unsigned long long)i, log_error(lg));
			goto out;
		}
		const uint8_t *p;
		size_t pl;
		if (len > tl && memcmp(buf, TALLY_ENTRY_CAST, tl) == 0 && buf[tl] == '\n') {
			ballot_tracking_code(codes[ncodes++], st, buf + tl + 1, len - tl - 1);
		} else if ((p = entry_payload(buf, len, SREC_ENTRY_CLOSED, &pl)) != NULL) {
			nclosed++;
			closed_at = i;
		} else if ((p = entry_payload(buf, len, SREC_ENTRY_OPENED, &pl)) != NULL) {
			char why[400];
			nopened++;
			if ((e = srec_opened_check(p, pl, sid, el->manifest->hash, sd->registered,
			                           why, sizeof why)) != Q_OK) {
				e = rec_fail(e, msg, msgsz, _("station %s: log entry %llu: %s"),
				             sid, (unsigned long long)i, why);
				goto out;
			}
		} else if ((e = check_roll_entry(el, sid, i, buf, len, &nroll, msg, msgsz)) != Q_OK)
			goto out;
	}
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
	qsort(codes, ncodes, sizeof *codes, cmp_code);
	for (size_t i = 0; i < sd->nballots; i++)
		if (bsearch(sd->code[i], codes, ncodes, sizeof *codes, cmp_code) == NULL) {
			char hx[2 * BALLOT_CODE_LEN + 1];
			hex_encode(hx, sd->code[i], BALLOT_CODE_LEN);
			e = rec_fail(
			    Q_ERR_CONSISTENCY, msg, msgsz,
			    _("station %s: ballot %s of the record is not in the station log"), sid,
			    hx);
			goto out;
		}
	e = Q_OK;
out:
	free(buf);
	free(codes);
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

static qerr load_station(const rec_election *el, const ballot_style *st, const point *K,
                         const char *sid, const char *khex, station_data *sd, char *msg,
                         size_t msgsz)
{
	char path[REC_PATH_MAX], what[128];
	uint8_t *rb = NULL, *sb = NULL, sig[SIG_LEN + 4], mh[SHA256_LEN], bh[SHA256_LEN], root[32];
	size_t rlen, slen, siglen = 0;
	json_t *j = NULL;
	json_error_t je;
	const json_t *v, *lg, *counts, *arr;
	note_verifier vk;
	checkpoint cp;
	uint64_t lsize, close_index;
	qerr e;

	memset(sd, 0, sizeof *sd);
	snprintf(sd->id, sizeof sd->id, "%s", sid);
	snprintf(what, sizeof what, "stations/%s/station-record.json", sid);
	if ((e = rec_path(path, sizeof path, el->dir, "%s", what)) != Q_OK)
		return e;
	e = rec_read_file(path, REC_MAX_FILE, &rb, &rlen, msg, msgsz);
	if (e == Q_ERR_NOTFOUND)
		return rec_fail(e, msg, msgsz,
		                _("station %s has no record (%s): close the station "
		                  "(quorum-ballot close) and copy its record into %s/stations/%s/ "
		                  "(docs/guide-returning-officer.md section 3)"),
		                sid, what, el->dir, sid);
	if (e != Q_OK)
		return e;
	sha256(sd->record_hash, rb, rlen);
	if ((e = rec_path(path, sizeof path, el->dir, "%s.sig", what)) != Q_OK ||
	    (e = rec_read_file(path, 1024, &sb, &slen, msg, msgsz)) != Q_OK)
		goto out;
	while (slen > 0 && (sb[slen - 1] == '\n' || sb[slen - 1] == '\r'))
		slen--;
	if (slen > 96 || b64_decode(sig, &siglen, (const char *)sb, slen) != Q_OK ||
	    siglen != SIG_LEN) {
		e = rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s.sig: not a base64 Ed25519 signature"),
		             what);
		goto out;
	}
	j = json_loadb((const char *)rb, rlen, JSON_REJECT_DUPLICATES, &je);
	if (!json_is_object(j)) {
		e = rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: line %d: %s"), what, je.line,
		             je.text);
		goto out;
	}
	/* a record of a major version the tally does not know is
	 * refused, naming the version found and the one known */
	v = json_object_get(j, "format");
	{
		char why[300];
		if ((e = srec_format_check(json_is_string(v) ? json_string_value(v) : NULL,
		                           "quorum-station-record", TALLY_STATION_RECORD_MAJOR, why,
		                           sizeof why)) != Q_OK) {
			e = rec_fail(e, msg, msgsz, _("station %s: %s: %s"), sid, what, why);
			goto out;
		}
	}
	lg = json_object_get(j, "log");
	v = json_object_get(lg, "vkey");
	if (!json_is_string(v) ||
	    note_verifier_parse(&vk, json_string_value(v), json_string_length(v)) != Q_OK ||
	    vk.alg != NOTE_ALG_ED25519) {
		e = rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: log.vkey is not a verifier key"),
		             what);
		goto out;
	}
	/* R-5 (1): a registered station key, if the officer registered one */
	{
		uint8_t *kb = NULL;
		size_t kl;
		note_verifier reg;
		char kp[REC_PATH_MAX];
		if ((e = rec_path(kp, sizeof kp, el->dir, "stations/%s/vkey", sid)) != Q_OK)
			goto out;
		e = rec_read_file(kp, 4096, &kb, &kl, NULL, 0);
		if (e == Q_OK) {
			e = note_verifier_parse(&reg, (const char *)kb, kl);
			free(kb);
			if (e != Q_OK || memcmp(reg.pk, vk.pk, SIG_PUBLIC_LEN) != 0) {
				e = rec_fail(
				    Q_ERR_SIGNATURE, msg, msgsz,
				    _("station %s: the record is signed by a key other than "
				      "the registered one (stations/%s/vkey)"),
				    sid, sid);
				goto out;
			}
		} else if (e != Q_ERR_NOTFOUND) {
			e = rec_fail(e, msg, msgsz, _("stations/%s/vkey cannot be read"), sid);
			goto out;
		}
	}
	/* R-5 (2): Ed25519 over tag || SHA-256(record bytes) (P-7.2) */
	{
		uint8_t m[SREC_SIG_MSG_LEN];
		srec_sig_message(m, rb, rlen);
		e = sig_verify(vk.pk, m, sizeof m, sig);
		if (e != Q_OK) {
			e = rec_fail(
			    Q_ERR_SIGNATURE, msg, msgsz,
			    _("station %s: the record's signature does not verify (tampered "
			      "record or wrong key)"),
			    sid);
			goto out;
		}
	}
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
		    strcmp(vk.name, origin) != 0) {
			e = rec_fail(
			    Q_ERR_CONSISTENCY, msg, msgsz,
			    _("station %s: %s: log.origin \"%.80s\" or the name of log.vkey "
			      "\"%.80s\" is not \"%.100s\" (A-5.2)"),
			    sid, what, json_is_string(v) ? json_string_value(v) : "(none)", vk.name,
			    origin);
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
		char why[200];
		const json_t *ci = json_object_get(j, "checked_in");
		if ((e = srec_checked_in_check(ci, sd->issued, why, sizeof why)) != Q_OK) {
			e = rec_fail(e, msg, msgsz, _("station %s: %s (R-5 (9))"), sid, why);
			goto out;
		}
		sd->checked_in = json_incref((json_t *)ci);
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
	v = json_object_get(lg, "checkpoint");
	if ((e = rec_json_u64(lg, "size", UINT64_MAX >> 1, &lsize, what, msg, msgsz)) != Q_OK ||
	    (e = hex_field(lg, "root", root, sizeof root, what, msg, msgsz)) != Q_OK)
		goto out;
	if (!json_is_string(v) ||
	    checkpoint_open(&cp, json_string_value(v), json_string_length(v), &vk) != Q_OK ||
	    cp.size != lsize || memcmp(cp.root, root, 32) != 0) {
		e = rec_fail(
		    Q_ERR_SIGNATURE, msg, msgsz,
		    _("station %s: the record's checkpoint is not signed by the station or "
		      "does not match log.size/log.root"),
		    sid);
		goto out;
	}
	/* ballots */
	arr = json_object_get(j, "ballots");
	if (!json_is_array(arr)) {
		e = rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: \"ballots\" is not an array"), what);
		goto out;
	}
	{
		char why[200];
		if ((e = srec_sorted_check(arr, "ballots", why, sizeof why)) != Q_OK) {
			e = rec_fail(e, msg, msgsz, _("station %s: %s: %s"), sid, what, why);
			goto out;
		}
	}
	sd->nballots = json_array_size(arr);
	if ((sd->enc = calloc(sd->nballots + 1, sizeof *sd->enc)) == NULL ||
	    (sd->len = calloc(sd->nballots + 1, sizeof *sd->len)) == NULL ||
	    (sd->code = calloc(sd->nballots + 1, sizeof *sd->code)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < sd->nballots; i++) {
		const json_t *b = json_array_get(arr, i), *bs = json_object_get(b, "ballot");
		uint8_t code[BALLOT_CODE_LEN];
		size_t bl;
		if (!json_is_string(bs) || json_string_length(bs) > 4u * 1024u * 1024u) {
			e = rec_fail(Q_ERR_FORMAT, msg, msgsz, _("%s: ballots[%zu] has no ballot"),
			             what, i);
			goto out;
		}
		bl = b64_max_decoded_len(json_string_length(bs));
		if ((sd->enc[i] = malloc(bl ? bl : 1)) == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		if (b64_decode(sd->enc[i], &sd->len[i], json_string_value(bs),
		               json_string_length(bs)) != Q_OK ||
		    hex_field(b, "tracking_code", code, sizeof code, what, NULL, 0) != Q_OK) {
			e = rec_fail(Q_ERR_FORMAT, msg, msgsz,
			             _("%s: ballots[%zu]: bad base64 or tracking code"), what, i);
			goto out;
		}
		ballot_tracking_code(sd->code[i], st, sd->enc[i], sd->len[i]);
		if (memcmp(code, sd->code[i], BALLOT_CODE_LEN) != 0) {
			e = rec_fail(
			    Q_ERR_FORMAT, msg, msgsz,
			    _("%s: ballots[%zu]: the tracking code is not the ballot's (B-4)"),
			    what, i);
			goto out;
		}
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
	{
		char why[200];
		if ((e = srec_sorted_check(arr, "challenged", why, sizeof why)) != Q_OK) {
			e = rec_fail(e, msg, msgsz, _("station %s: %s: %s"), sid, what, why);
			goto out;
		}
	}
	if ((e = check_challenged(st, K, sid, arr, sd, msg, msgsz)) != Q_OK)
		goto out;
	if (rec_json_u64(lg, "close_index", UINT64_MAX >> 1, &close_index, what, NULL, 0) != Q_OK)
		close_index = UINT64_MAX;
	e = check_station_log(el, st, sid, &vk, lsize, root, close_index, sd, msg, msgsz);
out:
	if (e != Q_OK)
		station_data_clear(sd);
	json_decref(j);
	free(rb);
	free(sb);
	return e;
}

typedef struct dup_ctx {
	const station_data *sds;
	char *msg;
	size_t msgsz;
} dup_ctx;

static int dup_cb(void *ctx, const char *id, size_t a, size_t b)
{
	dup_ctx *d = ctx;
	(void)rec_fail(Q_ERR_EXISTS, d->msg, d->msgsz,
	               _("roll id %s is checked in at two stations (%s and %s): one voter, two "
	                 "ballots issued (R-5 (9))"),
	               id, d->sds[a].id, d->sds[b].id);
	return 1;
}

/* R-5 (9), across stations: no roll id is in two stations' lists. */
static qerr check_checked_in_cross(const station_data *sds, size_t ns, char *msg, size_t msgsz)
{
	const json_t **lists = calloc(ns + 1, sizeof *lists);
	dup_ctx d = {sds, msg, msgsz};
	qerr e;
	if (lists == NULL)
		return Q_ERR_NOMEM;
	for (size_t s = 0; s < ns; s++)
		lists[s] = sds[s].checked_in;
	e = srec_checked_in_cross(lists, ns, dup_cb, &d, NULL);
	free(lists);
	return e == Q_ERR_STATE ? Q_ERR_EXISTS : e;
}

typedef struct code_ref {
	uint8_t code[BALLOT_CODE_LEN];
	size_t station;
} code_ref;

static int cmp_ref(const void *a, const void *b)
{
	return memcmp(((const code_ref *)a)->code, ((const code_ref *)b)->code, BALLOT_CODE_LEN);
}

/* ---- B-9: no ciphertext alpha twice in the record ---- */

/* Keep of each verified cast ballot of sd only its alphas (B-9) and drop
 * the encodings: ~T x 65 + 32 bytes per ballot stay instead of the whole
 * B-2 encoding (3,378 bytes for five selections). */
static qerr station_compact(const ballot_style *st, station_data *sd)
{
	size_t T = ballot_style_nct(st), *off; /* selections and names (B-9.1) */
	if (sd->enc == NULL)
		return Q_OK;
	if ((off = calloc(T + 1, sizeof *off)) == NULL)
		return Q_ERR_NOMEM;
	(void)ballot_style_ct_offsets(st, off);
	if (sd->nballots > 0 &&
	    (sd->alphas = malloc(sd->nballots * (T ? T : 1) * ALPHASET_ALPHA_LEN)) == NULL) {
		free(off);
		return Q_ERR_NOMEM;
	}
	for (size_t i = 0; i < sd->nballots; i++) {
		for (size_t x = 0; x < T; x++)
			memcpy(sd->alphas + (i * T + x) * ALPHASET_ALPHA_LEN, sd->enc[i] + off[x],
			       ALPHASET_ALPHA_LEN);
		free(sd->enc[i]);
	}
	free(sd->enc);
	sd->enc = NULL;
	free(off);
	return Q_OK;
}

typedef struct aplace {
	size_t station, index;
	int chal;
	/* challenged: the B-2 encoding (alpha s at off[s]); cast: the
	 * station's kept alphas of the ballot (alpha s at s * 65) */
	const uint8_t *enc;
	const uint8_t *code; /* the tracking code (B-4) */
} aplace;

typedef struct alpha_ctx {
	const aplace *pl;
	const size_t *off; /* where ciphertext s starts in B-2 (ballot_style_ct_offsets) */
	size_t T;
} alpha_ctx;

static const uint8_t *alpha_at(const alpha_ctx *a, const aplace *p, size_t s)
{
	return p->chal ? p->enc + a->off[s] : p->enc + s * ALPHASET_ALPHA_LEN;
}

static int alpha_same(void *vctx, uint64_t earlier, const uint8_t alpha[ALPHASET_ALPHA_LEN])
{
	const alpha_ctx *a = vctx;
	return memcmp(alpha_at(a, &a->pl[earlier / a->T], earlier % a->T), alpha,
	              ALPHASET_ALPHA_LEN) == 0;
}

/* "station s1, ballot 2 (tracking code ...) contest 0 option 1" */
static void alpha_place(char *out, size_t outsz, const ballot_style *st, const station_data *sds,
                        const alpha_ctx *a, uint64_t ref)
{
	const aplace *p = &a->pl[ref / a->T];
	ballot_ct_place w = {0, 0, UINT32_MAX, 0};
	char hx[2 * BALLOT_CODE_LEN + 1];
	if (ballot_style_ct_place(st, (size_t)(ref % a->T), &w) != Q_OK)
		w.slot = UINT32_MAX; /* ref % T < T: not reached */
	hex_encode(hx, p->code, BALLOT_CODE_LEN);
	if (w.slot == UINT32_MAX)
		snprintf(out, outsz,
		         _("station %s, %s %zu (tracking code %s) contest %zu option %zu"),
		         sds[p->station].id, p->chal ? _("challenged ballot") : _("ballot"),
		         p->index, hx, (size_t)w.contest, (size_t)w.option);
	else
		snprintf(out, outsz,
		         _("station %s, %s %zu (tracking code %s) contest %zu write-in %zu name "
		           "point %zu"),
		         sds[p->station].id, p->chal ? _("challenged ballot") : _("ballot"),
		         p->index, hx, (size_t)w.contest, (size_t)w.slot, (size_t)w.point);
}

/* B-9: every cast and challenged ballot of every station; the first
 * alpha seen twice refuses the tally, naming both places. */
static qerr check_alphas(const ballot_style *st, const station_data *sds, size_t ns, char *msg,
                         size_t msgsz)
{
	size_t T = ballot_style_nct(st), n = 0, slen = ballot_style_encoded_len(st);
	size_t *off = NULL, nch = 0;
	aplace *pl = NULL;
	alphaset *set = NULL;
	uint8_t(*chcode)[BALLOT_CODE_LEN] = NULL;
	qerr e = Q_ERR_NOMEM;
	for (size_t s = 0; s < ns; s++) {
		n += sds[s].nballots + sds[s].nch;
		nch += sds[s].nch;
	}
	if (T == 0 || n == 0)
		return Q_OK;
	if ((off = calloc(T, sizeof *off)) == NULL || (pl = calloc(n, sizeof *pl)) == NULL ||
	    (chcode = calloc(nch + 1, sizeof *chcode)) == NULL ||
	    (set = alphaset_new(n * T)) == NULL)
		goto out;
	(void)ballot_style_ct_offsets(st, off);
	n = 0;
	nch = 0;
	/* B-9.3: every cast ballot in record order, then every challenged one
	 * (cast ones verified and compacted: their alphas are kept) */
	for (size_t s = 0; s < ns; s++)
		for (size_t i = 0; i < sds[s].nballots; i++)
			pl[n++] = (aplace){s, i, 0, sds[s].alphas + i * T * ALPHASET_ALPHA_LEN,
			                   sds[s].code[i]};
	for (size_t s = 0; s < ns; s++)
		for (size_t i = 0; i < sds[s].nch; i++)
			if (sds[s].ch_len[i] == slen) { /* decoded by check_challenged */
				ballot_tracking_code(chcode[nch], st, sds[s].ch_enc[i], slen);
				pl[n++] = (aplace){s, i, 1, sds[s].ch_enc[i], chcode[nch++]};
			}
	alpha_ctx a = {pl, off, T};
	for (uint64_t r = 0; r < n; r++)
		for (size_t s = 0; s < T; s++) {
			uint64_t earlier = 0;
			e = alphaset_add(set, alpha_at(&a, &pl[r], s), r * T + s, alpha_same, &a,
			                 &earlier);
			/* the same tracking code: the same B-2 encoding (B-4, a
			 * SHA-256 of it) */
			if (e == Q_ERR_EXISTS && earlier % T == s &&
			    memcmp(pl[earlier / T].code, pl[r].code, BALLOT_CODE_LEN) == 0) {
				/* the same ballot at the same place: not a replayed
				 * ciphertext but a ballot twice.  Cast twice was refused
				 * (R-6 (1)); challenged at two stations is never counted;
				 * challenged and cast is refused here (B-9.3) */
				const aplace *x = &pl[earlier / T], *y = &pl[r];
				if (x->chal == y->chal)
					continue;
				if (x->chal) {
					const aplace *t = x;
					x = y;
					y = t;
				}
				e = rec_fail(
				    Q_ERR_CONSISTENCY, msg, msgsz,
				    _("station %s, challenged ballot %zu was also cast (station "
				      "%s, ballot %zu): a challenged ballot is never counted "
				      "(B-9)"),
				    sds[y->station].id, y->index, sds[x->station].id, x->index);
				goto out;
			}
			if (e == Q_ERR_EXISTS) {
				char p1[300], p2[300];
				alpha_place(p1, sizeof p1, st, sds, &a, earlier);
				alpha_place(p2, sizeof p2, st, sds, &a, r * T + s);
				e = rec_fail(
				    Q_ERR_CONSISTENCY, msg, msgsz,
				    _("the same ciphertext (alpha) is at %s and at %s: a "
				      "ciphertext replayed from another ballot or place is "
				      "refused (B-9)"),
				    p1, p2);
				goto out;
			}
			if (e != Q_OK)
				goto out;
		}
	e = Q_OK;
out:
	alphaset_free(set);
	free(pl);
	free(off);
	free(chcode);
	return e;
}

static void bar_cb(void *ctx, uint64_t done, uint64_t total)
{
	(void)total;
	progress_update(ctx, done);
}

static qerr build(const rec_election *el, const tally_opts *o, int keys_checked, json_t **out,
                  mix_lists *wl, char *msg, size_t msgsz);

qerr tally_build(const rec_election *el, const tally_opts *o, json_t **out, char *msg, size_t msgsz)
{
	return build(el, o, 0, out, NULL, msg, msgsz);
}

qerr tally_build_keys_checked(const rec_election *el, const tally_opts *o, json_t **out, char *msg,
                              size_t msgsz)
{
	return build(el, o, 1, out, NULL, msg, msgsz);
}

qerr tally_build_lists(const rec_election *el, const tally_opts *o, int keys_checked, json_t **out,
                       mix_lists *wl, char *msg, size_t msgsz)
{
	return build(el, o, keys_checked, out, wl, msg, msgsz);
}

static qerr build(const rec_election *el, const tally_opts *o, int keys_checked, json_t **out,
                  mix_lists *wl, char *msg, size_t msgsz)
{
	ballot_style *st = NULL;
	point *K = NULL;
	point_table *Kt = NULL;
	station_data *sds = NULL;
	size_t ns = el->manifest->nstations, total = 0, k = 0, bad;
	tally_item *items = NULL;
	code_ref *refs = NULL;
	elgamal_ct **agg = NULL;
	json_t *aj = NULL, *jst = NULL, *jcs = NULL;
	char why[256], khex[2 * POINT_LEN + 1];
	uint8_t kb[POINT_LEN];
	uint64_t issued = 0, cast = 0;
	progress bar;
	qerr e;

	*out = NULL;
	memset(&bar, 0, sizeof bar);
	bar.fd = -1;
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
	if ((agg = new_agg(st->total_options)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if (wl != NULL && (e = mix_lists_init(wl, st, el->manifest)) != Q_OK)
		goto out;
	/* Station by station (bounded memory): load and check the record,
	 * verify its ballots and add them into the aggregate,
	 * then keep only each ballot's tracking code and alphas for the
	 * checks across stations below. */
	for (size_t s = 0; s < ns; s++) {
		elgamal_ct **sagg = NULL;
		char label[160];
		if ((e = load_station(el, st, K, el->manifest->stations[s].id, khex, &sds[s], msg,
		                      msgsz)) != Q_OK)
			goto out;
		total += sds[s].nballots;
		issued += sds[s].issued;
		cast += sds[s].cast;
		free(items);
		if ((items = calloc(sds[s].nballots + 1, sizeof *items)) == NULL) {
			e = Q_ERR_NOMEM;
			goto out;
		}
		for (size_t i = 0; i < sds[s].nballots; i++) {
			items[i].enc = sds[s].enc[i];
			items[i].len = sds[s].len[i];
		}
		if (o->progress) {
			snprintf(label, sizeof label, _("verifying ballots, station %s"),
			         sds[s].id);
			progress_begin(&bar, 2, label, sds[s].nballots);
			progress_unit(&bar, _("ballots"));
		}
		e = tally_verify_aggregate(st, K, Kt, items, sds[s].nballots, o->nthreads,
		                           o->progress ? bar_cb : NULL, &bar, &sagg, &bad, why,
		                           sizeof why);
		progress_end(&bar);
		if (e != Q_OK) {
			if (bad != SIZE_MAX && bad < sds[s].nballots) {
				char hx[2 * BALLOT_CODE_LEN + 1];
				hex_encode(hx, sds[s].code[bad], BALLOT_CODE_LEN);
				e = rec_fail(
				    e, msg, msgsz,
				    _("station %s, ballot %zu (tracking code %s): %s -- a "
				      "ballot of another election or a forged ballot is refused"),
				    sds[s].id, bad, hx, why);
			} else {
				e = rec_fail(e, msg, msgsz, _("verification failed: %s"),
				             qerr_str(e));
			}
			goto out;
		}
		for (size_t x = 0; x < st->total_options && e == Q_OK; x++)
			e = elgamal_add(agg[x], agg[x], sagg[x]);
		free_agg(sagg, st->total_options);
		/* the write-in tuples of the verified ballots, in
		 * record order */
		for (size_t i = 0; wl != NULL && e == Q_OK && i < sds[s].nballots; i++)
			e = mix_lists_add(wl, st, sds[s].enc[i], sds[s].len[i]);
		if (e == Q_OK)
			e = station_compact(st, &sds[s]);
		if (e != Q_OK)
			goto out;
	}
	if ((e = check_checked_in_cross(sds, ns, msg, msgsz)) != Q_OK)
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
	{ /* V-7.1: the named votes of the station logs, checked now */
		named_tally nt = {0};
		e = tally_named_collect(el, &nt, msg, msgsz);
		named_tally_free(&nt);
		if (e != Q_OK)
			goto out;
	}
	/* no ballot twice */
	if ((refs = calloc(total + 1, sizeof *refs)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	for (size_t s = 0; s < ns; s++)
		for (size_t i = 0; i < sds[s].nballots; i++) {
			memcpy(refs[k].code, sds[s].code[i], BALLOT_CODE_LEN);
			refs[k].station = s;
			k++;
		}
	qsort(refs, total, sizeof *refs, cmp_ref);
	for (size_t i = 1; i < total; i++)
		if (memcmp(refs[i].code, refs[i - 1].code, BALLOT_CODE_LEN) == 0) {
			char hx[2 * BALLOT_CODE_LEN + 1];
			hex_encode(hx, refs[i].code, BALLOT_CODE_LEN);
			e = rec_fail(Q_ERR_EXISTS, msg, msgsz,
			             _("ballot %s appears twice (stations %s and %s): refused"), hx,
			             sds[refs[i - 1].station].id, sds[refs[i].station].id);
			goto out;
		}
	/* R-6 (2a): no ciphertext twice, cast or challenged (B-9) */
	if ((e = check_alphas(st, sds, ns, msg, msgsz)) != Q_OK)
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
	free(items);
	free(refs);
	free_agg(agg, st ? st->total_options : 0);
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

/* The named-vote entries of station sid's log, up to its record's
 * log.size, checked against its checked_in list (named_tally_add). */
static qerr named_station(const rec_election *el, const char *sid, named_tally *nt, char *msg,
                          size_t msgsz)
{
	char path[REC_PATH_MAX], lmsg[LOG_MSG_MAX], why[400];
	json_t *j = NULL;
	audit_log *lg = NULL;
	uint8_t *buf = NULL;
	uint64_t size = 0;
	size_t tl = strlen(NAMED_ENTRY_TAG);
	qerr e;
	if ((e = rec_path(path, sizeof path, el->dir, "stations/%s/station-record.json", sid)) !=
	        Q_OK ||
	    (e = rec_read_json(path, &j, msg, msgsz)) != Q_OK)
		return e;
	if ((e = rec_json_u64(json_object_get(j, "log"), "size", UINT64_MAX >> 1, &size, path, msg,
	                      msgsz)) != Q_OK)
		goto out;
	if ((e = rec_path(path, sizeof path, el->dir, "stations/%s/log", sid)) != Q_OK)
		goto out;
	if ((e = log_open(path, LOG_RDONLY, &lg, lmsg, sizeof lmsg)) != Q_OK) {
		e = rec_fail(e, msg, msgsz, "station %s: its log cannot be opened: %s", sid, lmsg);
		goto out;
	}
	if ((buf = malloc(MERKLE_MAX_ENTRY + 1)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	for (uint64_t i = 0; i < size; i++) {
		size_t len;
		if ((e = log_read_entry(lg, i, buf, &len)) != Q_OK) {
			e = rec_fail(e, msg, msgsz, "station %s: log entry %llu: %s", sid,
			             (unsigned long long)i, log_error(lg));
			goto out;
		}
		if (len <= tl || memcmp(buf, NAMED_ENTRY_TAG, tl) != 0 || buf[tl] != '\n')
			continue;
		if ((e = named_tally_add(nt, el->manifest, sid, i, json_object_get(j, "checked_in"),
		                         buf + tl + 1, len - tl - 1, why, sizeof why)) != Q_OK) {
			e = rec_fail(e, msg, msgsz, "%s (V-7.1)", why);
			goto out;
		}
	}
	e = Q_OK;
out:
	free(buf);
	log_close(lg);
	json_decref(j);
	return e;
}

qerr tally_named_collect(const rec_election *el, named_tally *nt, char *msg, size_t msgsz)
{
	qerr e = Q_OK;
	if (!manifest_has_named(el->manifest))
		return Q_OK;
	for (size_t s = 0; s < el->manifest->nstations && e == Q_OK; s++)
		e = named_station(el, el->manifest->stations[s].id, nt, msg, msgsz);
	return e;
}
