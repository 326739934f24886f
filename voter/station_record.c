/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * station_record.c -- the station record (P-7.1, P-7.2): written and signed at close.
 */
#include "station_int.h"
#include "election/srec.h"

#include "banned.h"

/* ---- close and the station record (P-7) ---- */

typedef struct rec_ctx {
	json_t *arr;
	int challenged;
} rec_ctx;

static int rec_cb(void *ctx, const uint8_t code[32], const uint8_t *body, size_t len,
                  const uint8_t *op, size_t olen)
{
	rec_ctx *r = ctx;
	char hx[65];
	char *b = malloc(b64_encoded_len(len) + 1);
	char *o = op ? malloc(b64_encoded_len(olen) + 1) : NULL;
	if (b == NULL || (op && o == NULL)) {
		free(b);
		free(o);
		return 1;
	}
	st_hex(hx, code, 32);
	b64_encode(b, body, len);
	json_t *e = json_pack("{s:s, s:s}", "tracking_code", hx, "ballot", b);
	if (op != NULL) {
		b64_encode(o, op, olen);
		json_object_set_new(e, "opening", json_string(o));
	}
	free(b);
	free(o);
	return json_array_append_new(r->arr, e) != 0;
}

static int id_cb(void *ctx, const char *id)
{
	return json_array_append_new(ctx, json_string(id)) != 0;
}

/* P-7 "checked_in": the roll ids checked in here, sorted (never in
 * check-in order, which the log's order of casts would link to ballots). */
static qerr checked_in_list(station *st, json_t **out)
{
	json_t *a = json_array();
	qerr e = a == NULL ? Q_ERR_NOMEM : store_roll_foreach_checked_in(st->rolldb, id_cb, a);
	if (e == Q_OK && json_array_size(a) != st->issued) {
		st_log(st, LOG_ERR, "roll DB: %zu voters checked in but %llu tokens issued",
		       json_array_size(a), (unsigned long long)st->issued);
		e = Q_ERR_CONSISTENCY;
	}
	if (e != Q_OK) {
		json_decref(a);
		a = NULL;
	}
	*out = a;
	return e;
}

static int pair_cb(void *ctx, const char *principal, const char *holder)
{
	return json_array_append_new(
	           ctx, json_pack("{s:s, s:s}", "principal", principal, "proxy", holder)) != 0;
}

/* P-7.6 "proxies": every check-in by written proxy, by principal's id. */
static qerr proxies_list(station *st, json_t **out)
{
	json_t *a = json_array();
	qerr e = a == NULL ? Q_ERR_NOMEM : store_roll_foreach_proxied(st->rolldb, pair_cb, a);
	if (e != Q_OK) {
		json_decref(a);
		a = NULL;
	}
	*out = a;
	return e;
}

qerr write_record(station *st, char *note, uint64_t close_index, char **sig_out)
{
	qerr e = Q_ERR_NOMEM;
	json_t *rec = NULL;
	char *txt = NULL, *sigb64 = NULL, vkey[NOTE_VKEY_MAX];
	uint8_t *msg = NULL, sig[SIG_LEN];
	char mh[65], bh[65], kh[2 * POINT_LEN + 1], root[65];
	merkle_hash r;
	rec_ctx rc = {json_array(), 0}, rch = {json_array(), 1};
	json_t *ids = NULL, *prox = NULL;
	*sig_out = NULL;
	if (rc.arr == NULL || rch.arr == NULL)
		goto out;
	if ((e = checked_in_list(st, &ids)) != Q_OK || (e = proxies_list(st, &prox)) != Q_OK)
		goto out;
	if ((e = store_box_foreach(st->box, 0, rec_cb, &rc)) != Q_OK ||
	    (e = store_box_foreach(st->box, 1, rec_cb, &rch)) != Q_OK)
		goto out;
	if ((e = note_verifier_format(&st->signer->pub, vkey, sizeof vkey)) != Q_OK)
		goto out;
	if ((e = log_root(st->log, log_size(st->log), r)) != Q_OK)
		goto out;
	st_hex(mh, st->m->hash, 32);
	st_hex(bh, st->base_hash, 32);
	st_hex(kh, st->Kenc, POINT_LEN);
	st_hex(root, r, 32);
	rec = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:I, s:I, s:I, s:I},"
	                " s:o, s:o, s:{s:s, s:s, s:I, s:s, s:s, s:I}}",
	                "format", RECORD_FORMAT, "election", st->m->id, "station", st->station_id,
	                "manifest_sha256", mh, "base_hash", bh, "joint_key", kh, "counts",
	                "registered", (json_int_t)st->registered, "issued", (json_int_t)st->issued,
	                "cast", (json_int_t)st->cast, "challenged", (json_int_t)st->challenged,
	                "ballots", rc.arr, "challenged", rch.arr, "log", "origin",
	                log_origin(st->log), "vkey", vkey, "size", (json_int_t)log_size(st->log),
	                "root", root, "checkpoint", note ? note : "", "close_index",
	                (json_int_t)close_index);
	rc.arr = rch.arr = NULL;
	if (rec != NULL) {
		int bad = json_object_set_new(rec, "checked_in", ids); /* steals ids */
		ids = NULL;
		bad |= json_object_set_new(rec, "proxies", prox); /* steals prox */
		prox = NULL;
		if (bad != 0) {
			e = Q_ERR_NOMEM;
			goto out;
		}
	}
	if (rec == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	txt = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	if (txt == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	size_t tl = strlen(txt);
	/* P-7.2: Ed25519 over tag || SHA-256(file bytes). */
	if ((msg = malloc(SREC_SIG_MSG_LEN)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	srec_sig_message(msg, txt, tl);
	if ((e = sig_sign(sig, &st->signer->sk, msg, SREC_SIG_MSG_LEN)) != Q_OK)
		goto out;
	if ((sigb64 = malloc(b64_encoded_len(SIG_LEN) + 2)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	b64_encode(sigb64, sig, SIG_LEN);
	char sigpath[700];
	snprintf(sigpath, sizeof sigpath, "%s.sig", st->record_path);
	if ((e = st_write_file(st->state_dir, st->record_path, txt, tl)) != Q_OK)
		goto out;
	size_t sl = strlen(sigb64);
	sigb64[sl] = '\n';
	e = st_write_file(st->state_dir, sigpath, sigb64, sl + 1);
	sigb64[sl] = '\0';
	if (e != Q_OK)
		goto out;
	*sig_out = sigb64;
	sigb64 = NULL;
out:
	json_decref(rc.arr);
	json_decref(rch.arr);
	json_decref(ids);
	json_decref(prox);
	json_decref(rec);
	free(txt);
	free(msg);
	free(sigb64);
	return e;
}
