/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * station_roll.c -- the roll and check-in (operator socket): import-roll, lookup, checkin, reissue.
 */
#include "station_int.h"

#include "election/i18n.h"

#include "banned.h"

qerr st_roll_chain(station *st, const char *dir, char *err, size_t errlen)
{
	char path[700], lmsg[LOG_MSG_MAX], why[600];
	audit_log *lg = NULL;
	uint8_t *buf = NULL;
	char *note = NULL;
	size_t nlen;
	checkpoint cp;
	struct stat sb;
	uint64_t signed_size = 0;
	qerr e;
	roll_chain_init(&st->rchain, st->base_hash, st->roll_hash);
	snprintf(path, sizeof path, "%s/log", dir);
	if (stat(path, &sb) != 0)
		return Q_OK; /* no election log given: the roll of parameters.json */
	if ((e = log_open(path, LOG_RDONLY, &lg, lmsg, sizeof lmsg)) != Q_OK) {
		snprintf(err, errlen, _("%s: the election log cannot be opened: %s"), path, lmsg);
		return e;
	}
	/* a change counts only under a checkpoint signed by the
	 * election log's key; its origin names this election */
	e = log_checkpoint_get(lg, LOG_LATEST, &note, &nlen, &cp);
	if (e == Q_OK) {
		signed_size = cp.size;
	} else if (e != Q_ERR_NOTFOUND) {
		snprintf(err, errlen,
		         _("%s: the election log's latest checkpoint does not verify: %s"), path,
		         log_error(lg));
		goto out;
	}
	if ((buf = malloc(MERKLE_MAX_ENTRY + 1)) == NULL) {
		e = Q_ERR_NOMEM;
		snprintf(err, errlen, "%s", qerr_str(e));
		goto out;
	}
	for (uint64_t i = 0; i < log_size(lg); i++) {
		size_t len;
		if ((e = log_read_entry(lg, i, buf, &len)) != Q_OK) {
			snprintf(err, errlen, _("%s: entry %llu: %s"), path, (unsigned long long)i,
			         log_error(lg));
			goto out;
		}
		if (i >= signed_size && roll_chain_is_change(buf, len)) {
			e = Q_ERR_SIGNATURE;
			snprintf(err, errlen,
			         _("%s: entry %llu (roll-changed) is not covered by a checkpoint "
			           "signed by the election log's key (R-3.1): refused"),
			         path, (unsigned long long)i);
			goto out;
		}
		if ((e = roll_chain_entry(&st->rchain, st->m, i, buf, len, why, sizeof why)) !=
		    Q_OK) {
			snprintf(err, errlen, "%s/%s", dir, why);
			goto out;
		}
	}
	e = Q_OK;
out:
	free(note);
	free(buf);
	log_close(lg);
	return e;
}

void st_count_eligible(station *st)
{
	st->eligible = st->roll == NULL ? 0
	                                : roll_count_registered(st->roll, st->rctx.polling_day,
	                                                        st->rctx.groups, st->rctx.ngroups);
}

json_t *op_import_roll(station *st, server_conn c, const ps_msg *m)
{
	const char *path = m->str;
	uint8_t *csv = NULL;
	size_t len;
	elec_findings f;
	elec_roll *r = NULL;
	json_t *reply = NULL;
	uint8_t h[32];
	char hx[65];
	qerr e;
	if (path == NULL || path[0] != '/')
		return server_error("bad_request",
		                    "\"path\" must be an absolute path to the roll CSV");
	if (strcmp(st->state, "new") != 0)
		return server_error("roll_locked",
		                    "the roll cannot change once the poll is opened");
	if (st->roll != NULL)
		return server_error("roll_locked", "a roll has already been imported");
	if ((e = st_read_file(path, 256u * 1024 * 1024, &csv, &len)) != Q_OK)
		return server_error("bad_roll", "cannot read %s: %s", path, qerr_str(e));
	elec_findings_init(&f);
	/* P-6.1: only the roll in force: the one the election was made with
	 * (R-2.1 roll_hash) or its last signed change in the election log */
	sha256(h, csv, len);
	st_hex(hx, h, 32);
	if (memcmp(h, st->rchain.head, 32) != 0) {
		char why[500];
		roll_chain_describe(&st->rchain, h, why, sizeof why);
		reply =
		    server_error("roll_mismatch",
		                 "%s is not the election's roll: %s; nothing imported", path, why);
		goto out;
	}
	if (memchr(csv, '\0', len) != NULL) { /* stored as text (P-5.1): exact bytes only */
		reply = server_error("bad_roll", "%s holds a NUL byte; nothing imported", path);
		goto out;
	}
	e = roll_import((char *)csv, len, &r, &f);
	if (e != Q_OK) {
		json_t *list = json_array();
		for (size_t i = 0; i < f.n && i < 50; i++)
			json_array_append_new(list, json_pack("{s:s, s:s}", "where",
			                                      f.v[i].where ? f.v[i].where : "",
			                                      "message", f.v[i].message));
		reply =
		    server_error("bad_roll", "the roll has %zu problems; nothing imported", f.n);
		json_object_set_new(json_object_get(reply, "error"), "findings", list);
		goto out;
	}
	/* P-6.1: logged first, so that no roll is ever used unlogged; a DB
	 * failure after it leaves an entry and no roll, and a retry logs the
	 * same hash again. */
	{
		char text[160];
		uint64_t idx = 0;
		snprintf(text, sizeof text, "voters %zu\nsha256 %s\n", r->n, hx);
		e = st_log_text(st, ENTRY_ROLL, text, &idx);
		if (e != Q_OK) {
			reply = server_error("internal", "audit log: %s; nothing imported",
			                     qerr_str(e));
			goto out;
		}
	}
	/* One transaction: all voters, the CSV itself. */
	if ((e = store_begin(st->rolldb)) != Q_OK)
		goto dberr;
	for (size_t i = 0; i < r->n; i++) {
		store_voter v;
		memset(&v, 0, sizeof v);
		const roll_record *rr = &r->v[i];
		snprintf(v.id, sizeof v.id, "%s", rr->id);
		snprintf(v.name, sizeof v.name, "%s", rr->name ? rr->name : "");
		snprintf(v.birth, sizeof v.birth, "%04d-%02d-%02d", rr->birth.year, rr->birth.month,
		         rr->birth.day);
		snprintf(v.household, sizeof v.household, "%s", rr->household ? rr->household : "");
		snprintf(v.group, sizeof v.group, "%s", rr->group ? rr->group : "");
		snprintf(v.flags, sizeof v.flags, "%u", rr->flags);
		if ((e = store_roll_add(st->rolldb, &v)) != Q_OK) {
			store_rollback(st->rolldb);
			goto dberr;
		}
	}
	if ((e = store_meta_set(st->rolldb, "roll_csv", (char *)csv)) != Q_OK) {
		store_rollback(st->rolldb);
		goto dberr;
	}
	if ((e = store_commit(st->rolldb)) != Q_OK)
		goto dberr;
	st->roll = r;
	r = NULL;
	st->registered = st->roll->n;
	st_count_eligible(st);
	st_log(st, LOG_INFO, "roll imported: %llu rows, %llu registered voters served here",
	       (unsigned long long)st->registered, (unsigned long long)st->eligible);
	reply =
	    server_ok(json_pack("{s:I, s:s}", "voters", (json_int_t)st->registered, "sha256", hx));
	goto out;
dberr:
	reply = server_error("internal", "roll DB: %s", store_errmsg(st->rolldb));
out:
	elec_findings_free(&f);
	roll_free(r);
	free(csv);
	return reply;
}

void st_voter_key(const char *id, uint8_t k[32])
{
	sha256(k, id, strlen(id));
}

int st_checked_in(const station *st, const char *id)
{
	uint8_t k[32];
	st_voter_key(id, k);
	return hset_has(&st->checked, k);
}

static json_t *voter_json(const station *st, const roll_record *r)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:b}", "id", r->id, "name", r->name ? r->name : "",
	                 "household", r->household ? r->household : "", "group",
	                 r->group ? r->group : "", "checked_in", st_checked_in(st, r->id));
}

/* Voters of one name listed by a lookup (the rest are counted). */
#define LOOKUP_NAME_MAX 8

/* Lookup (operator): from the roll in memory (the roll DB's voters are its
 * rows, P-5.1) and the check-ins acknowledged (st->checked): the loop
 * thread never waits for a check-in group's commit, and a check-in shows
 * only once it is durable. */
json_t *op_lookup(station *st, server_conn c, const ps_msg *m)
{
	const char *id = m->str;
	const roll_record *r = NULL;
	(void)c;
	if (id == NULL || strlen(id) >= STORE_FIELD_MAX)
		return server_error("bad_request", "\"voter\" must be a roll id");
	if (st->roll != NULL)
		r = roll_find(st->roll, id);
	if (r == NULL && st->roll != NULL) {
		/* not a roll id: the name, exactly as on the roll (protocol.md),
		 * in roll id order (by_id) */
		const roll_record *byname[LOOKUP_NAME_MAX];
		size_t n = 0;
		for (size_t i = 0; i < st->roll->n; i++) {
			const roll_record *x = st->roll->by_id[i];
			if (strcmp(x->name ? x->name : "", id) != 0)
				continue;
			if (n < LOOKUP_NAME_MAX)
				byname[n] = x;
			n++;
		}
		if (n == 1) {
			r = byname[0];
		} else if (n > 1) {
			json_t *list = json_array();
			for (size_t i = 0; i < n && i < LOOKUP_NAME_MAX; i++)
				json_array_append_new(list, voter_json(st, byname[i]));
			return server_ok(
			    json_pack("{s:o, s:I}", "matches", list, "count", (json_int_t)n));
		}
	}
	if (r == NULL)
		return server_error("not_on_roll", "voter %s is not on the roll", id);
	json_t *vj = voter_json(st, r);
	roll_refusal why;
	char msg[300];
	qerr e = roll_check_eligible(st->roll, r->id, NULL, &st->rctx, &why, msg, sizeof msg);
	json_object_set_new(vj, "eligible", json_boolean(e == Q_OK));
	if (e != Q_OK)
		json_object_set_new(vj, "refusal", json_string(roll_refusal_code(why)));
	return server_ok(json_pack("{s:o}", "voter", vj));
}

static const char *refusal_error(roll_refusal r)
{
	switch (r) {
	case ELIG_NOT_REGISTERED:
		return "not_on_roll";
	case ELIG_UNDER_18:
		return "under_18";
	case ELIG_WRONG_STATION:
		return "wrong_station";
	case ELIG_DEPRIVED:
		return "deprived";
	case ELIG_NOT_MEMBER:
		return "not_member";
	default:
		return "proxy_refused";
	}
}

json_t *op_checkin(station *st, server_conn c, const ps_msg *m)
{
	const char *id = m->str;
	const char *proxy = m->has_proxy ? m->proxy : NULL;
	char msg[300];
	roll_refusal why = ELIG_OK;
	json_t *reply;
	if (id == NULL || strlen(id) >= STORE_FIELD_MAX)
		return server_error("bad_request", "\"voter\" must be a roll id");
	if (proxy != NULL && strlen(proxy) >= STORE_FIELD_MAX)
		return server_error("bad_request", "\"proxy\" must be a roll id");
	if ((reply = st_need_open(st)) != NULL)
		return reply;
	/* P-5.7: the re-issued voter stays the latest check-in until the
	 * re-issue's roll-DB transaction */
	if (st->reissue_busy)
		return server_error("busy",
		                    "a re-issue is being logged; check in again in a moment");
	msg[0] = '\0';
	qerr e = roll_check_eligible(st->roll, id, proxy, &st->rctx, &why, msg, sizeof msg);
	if (e != Q_OK)
		return server_error(refusal_error(why), "%s",
		                    msg[0] ? msg : roll_refusal_code(why));
	/* The roll committer commits it with the check-ins waiting beside it
	 * (one transaction, one fsync); on_post hands the token out. */
	job *j = calloc(1, sizeof *j);
	if (j == NULL)
		return server_error("internal", "out of memory");
	j->kind = JOB_CHECKIN;
	if (rand_bytes(j->token, sizeof j->token) != Q_OK) {
		job_free(j);
		return server_error("internal", "random generator failed");
	}
	sha256(j->token_hash, j->token, sizeof j->token);
	/* both checked shorter than STORE_FIELD_MAX above */
	snprintf(j->voter, sizeof j->voter, "%.*s", (int)sizeof j->voter - 1, id);
	snprintf(j->proxy, sizeof j->proxy, "%.*s", (int)sizeof j->proxy - 1,
	         proxy != NULL ? proxy : "");
	j->conn = c;
	st->jobs_out++;
	st->checkins_out++;
	jobq_push(&st->rq, j);
	return NULL;
}

/* The reply to a check-in its group committed (loop thread, on_post): the
 * counters, the latest check-in (the group's last, as in the roll DB), the
 * token. */
json_t *checkin_done(station *st, job *j)
{
	char hex[2 * TOKEN_LEN + 1];
	uint8_t k[32];
	json_t *reply;
	st->checkins_out--;
	if (j->result != Q_OK)
		return server_error(j->errcode ? j->errcode : "internal", "%s", j->msg);
	st_voter_key(j->voter, k);
	/* durable: a lookup shows it again after a restart */
	if (hset_add(&st->checked, k) != Q_OK)
		st_log(st, LOG_ERR, "out of memory");
	pthread_mutex_lock(&st->cnt_mu);
	st->issued++;
	pthread_mutex_unlock(&st->cnt_mu);
	st->have_last = 1;
	st->last_used = 0;
	snprintf(st->last_id, sizeof st->last_id, "%s", j->voter);
	memcpy(st->last_h, j->token_hash, 32);
	if (hset_add(&st->issued_tok, j->token_hash) != Q_OK) {
		/* checked in, the token never shown: re-issue mends it (P-5.7) */
		wipe(j->token, sizeof j->token);
		return server_error("internal", "out of memory");
	}
	st_hex(hex, j->token, sizeof j->token);
	reply =
	    server_ok(json_pack("{s:s, s:I}", "token", hex, "checked_in", (json_int_t)st->issued));
	wipe(j->token, sizeof j->token);
	wipe(hex, sizeof hex);
	return reply;
}

/* Re-issue (operator): the latest check-in's token was never used (its
 * reply was lost in a crash, or the paper lost): it dies, a new one is
 * issued, and the log says a re-issue happened (P-5.7, never who).  The
 * entry is the logger's (JOB_REISSUE); the roll DB and the reply follow in
 * reissue_done, the old token busy meanwhile. */
json_t *op_reissue(station *st, server_conn c, const ps_msg *m)
{
	const char *id = m->str;
	char text[64];
	json_t *reply;
	job *j;
	if (id == NULL || strlen(id) >= STORE_FIELD_MAX)
		return server_error("bad_request", "\"voter\" must be a roll id");
	if ((reply = st_need_open(st)) != NULL)
		return reply;
	if (st->roll == NULL || roll_find(st->roll, id) == NULL)
		return server_error("not_on_roll", "voter %s is not on the roll", id);
	if (!st_checked_in(st, id))
		return server_error("not_checked_in",
		                    "voter %s has not been checked in: use checkin", id);
	/* the latest check-in is the latest acknowledged one only when no
	 * other is being committed (the roll DB's last_checkin, P-5.1) */
	if (st->checkins_out > 0)
		return server_error("busy", "a check-in is being committed; try again");
	if (!st->have_last || strcmp(st->last_id, id) != 0)
		return server_error("reissue_refused",
		                    "only the latest check-in can be re-issued, and voter %s is "
		                    "not it",
		                    id);
	if (st->reissue_busy)
		return server_error("busy", "a re-issue is being logged; try again");
	if (hset_has(&st->spent, st->last_h))
		return server_error("token_spent",
		                    "voter %s's token has been used to cast a "
		                    "ballot",
		                    id);
	if (st->last_used || inflight_has(st, st->last_h) || pending_find(st, st->last_h))
		return server_error("token_used",
		                    "voter %s's token has been used at a booth: it cannot be "
		                    "re-issued",
		                    id);
	if ((j = calloc(1, sizeof *j)) == NULL)
		return server_error("internal", "out of memory");
	j->kind = JOB_REISSUE;
	j->conn = c;
	snprintf(j->voter, sizeof j->voter, "%.*s", (int)sizeof j->voter - 1, id);
	memcpy(j->token_hash, st->last_h, 32);
	if (rand_bytes(j->token, sizeof j->token) != Q_OK) {
		job_free(j);
		return server_error("internal", "random generator failed");
	}
	sha256(j->new_hash, j->token, sizeof j->token);
	/* Logged first: no re-issue is ever unlogged (P-5.7). */
	snprintf(text, sizeof text, "reissued %llu\n", (unsigned long long)st->reissued + 1);
	j->entry = st_entry_make(ENTRY_REISSUED, text, strlen(text), NULL, 0, &j->entrylen);
	if (j->entry == NULL || inflight_add(st, j->token_hash) != Q_OK) {
		job_free(j);
		return server_error("internal", "out of memory");
	}
	st->reissue_busy = 1;
	st->jobs_out++;
	jobq_push(&st->lq, j);
	return NULL;
}

/* The rest of a re-issue once its entry is durable and its roll-DB
 * transaction committed by the roll committer (roll_stage), or not (loop
 * thread, on_post; the old token leaves the in-flight set after it). */
json_t *reissue_done(station *st, job *j)
{
	char hex[2 * TOKEN_LEN + 1];
	json_t *reply = NULL;
	st->reissue_busy = 0;
	if (!j->roll_stage)
		return server_error(j->errcode ? j->errcode : "internal",
		                    "audit log: %s; nothing re-issued", j->msg);
	st->reissued++; /* the entry is in the log */
	if (j->result != Q_OK)
		return server_error(j->errcode ? j->errcode : "internal", "%s", j->msg);
	/* the old token dies (token_invalid), the new one is issued */
	hset_del(&st->issued_tok, j->token_hash);
	if (hset_add(&st->issued_tok, j->new_hash) != Q_OK)
		return server_error("internal", "out of memory");
	if (memcmp(st->last_h, j->token_hash, 32) == 0)
		memcpy(st->last_h, j->new_hash, 32);
	st_log(st, LOG_NOTICE, "token re-issued (%llu so far)", (unsigned long long)st->reissued);
	st_hex(hex, j->token, sizeof j->token);
	reply = server_ok(json_pack("{s:s}", "token", hex));
	wipe(hex, sizeof hex);
	return reply;
}
