/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * station_open.c -- configuration and state at start: election directory (P-3), database keys
 * (P-4), the sealed signing key (P-4.5), station_open and station_free.
 */
#include "station_int.h"
#include "election/rules_record.h"
#include "election/i18n.h"
#include "election/runoff.h"

#include "request.h"

#include "banned.h"

/* ---- key derivation (P-4) ---- */

static qerr derive_keys(station *st, const station_config *cfg, uint8_t rollk[32], uint8_t boxk[32],
                        char *err, size_t errlen)
{
	char path[700], line[256];
	uint8_t *txt = NULL, salt[16], master[32];
	size_t len;
	kdf_params p;
	qerr e;
	snprintf(path, sizeof path, "%s/kdf", st->state_dir);
	e = st_read_file(path, 4096, &txt, &len);
	if (e == Q_ERR_NOTFOUND) {
		/* First start: fresh salt, parameters from the config; the
		 * passphrase long enough, before anything is written (P-4.1) */
		if (cfg->passlen < STATION_PASS_MIN) {
			snprintf(
			    err, errlen,
			    _("a new station's passphrase must have at least %d bytes (it keys "
			      "the databases and seals the signing key); this one has %zu"),
			    STATION_PASS_MIN, cfg->passlen);
			return Q_ERR_ARG;
		}
		p = cfg->kdf != NULL ? *cfg->kdf : kdf_params_default;
		if ((e = rand_bytes(salt, sizeof salt)) != Q_OK)
			return e;
		char hs[33];
		st_hex(hs, salt, sizeof salt);
		int n = snprintf(line, sizeof line, "argon2id t=%u m=%u p=%u salt=%s\n", p.t_cost,
		                 p.m_cost_kib, p.parallelism, hs);
		if ((e = st_write_file(st->state_dir, path, line, (size_t)n)) != Q_OK) {
			snprintf(err, errlen, _("cannot write %s: %s"), path, strerror(errno));
			return e;
		}
	} else if (e != Q_OK) {
		snprintf(err, errlen, _("cannot read %s"), path);
		return e;
	} else {
		char hs[64];
		if (sscanf((char *)txt, "argon2id t=%u m=%u p=%u salt=%32s", &p.t_cost,
		           &p.m_cost_kib, &p.parallelism, hs) != 4 ||
		    hex_decode(salt, sizeof salt, hs, strlen(hs)) != Q_OK) {
			free(txt);
			snprintf(err, errlen, _("%s: malformed KDF parameters"), path);
			return Q_ERR_FORMAT;
		}
		free(txt);
	}
	if ((e = kdf_params_check(&p)) != Q_OK) {
		snprintf(err, errlen, _("%s: KDF parameters out of range"), path);
		return e;
	}
	if ((e = kdf_argon2id(master, sizeof master, cfg->pass, cfg->passlen, salt, sizeof salt,
	                      &p)) != Q_OK) {
		snprintf(err, errlen, _("Argon2id failed: %s"), qerr_str(e));
		return e;
	}
	/* P-4.2: one key per database, domain-separated from the master. */
	transcript t;
	if ((e = transcript_init(&t, "quorum/v1/station/roll-db-key")) == Q_OK) {
		transcript_bytes(&t, master, sizeof master);
		transcript_digest(&t, rollk);
	}
	if (e == Q_OK && (e = transcript_init(&t, "quorum/v1/station/box-db-key")) == Q_OK) {
		transcript_bytes(&t, master, sizeof master);
		transcript_digest(&t, boxk);
	}
	wipe(master, sizeof master);
	return e;
}

/* ---- election directory (P-3) ---- */

static const char *opt_label(const elec_contest *c, size_t j, const char *id, int zh, char *buf,
                             size_t cap)
{
	static const char *const yn[3][2] = {{"赞成", "Yes"}, {"反对", "No"}, {"弃权", "Abstain"}};
	static const char *const ev[3][2] = {
	    {"满意", "satisfied"}, {"基本满意", "basically satisfied"}, {"不满意", "dissatisfied"}};
	switch (c->type) {
	case CONTEST_OFFICE:
		for (size_t k = 0; k < c->ncands; k++)
			if (strcmp(c->cands[k].id, id) == 0)
				return c->cands[k].name;
		return id;
	case CONTEST_MOTION:
	case CONTEST_RECALL:
		return j < 3 ? yn[j][zh ? 0 : 1] : id;
	case CONTEST_EVALUATION: {
		size_t g = c->option_group ? c->option_group[j] : 0;
		const char *who = g < c->nmembers ? c->members[g].name : "";
		snprintf(buf, cap, "%s %s", who, ev[j % 3][zh ? 0 : 1]);
		return buf;
	}
	default:
		return id;
	}
}

/* The election's roll hash: "roll_hash" of the election
 * directory's parameters.json, 64 hex digits.  Import refuses any other
 * roll (P-6.1). */
static qerr load_roll_hash(station *st, const char *dir, char *err, size_t errlen)
{
	char path[600];
	uint8_t *buf = NULL;
	size_t len;
	json_error_t je;
	json_t *j = NULL;
	snprintf(path, sizeof path, "%s/parameters.json", dir);
	qerr e = st_read_file(path, 1u << 20, &buf, &len);
	if (e == Q_ERR_NOTFOUND) {
		snprintf(err, errlen,
		         _("%s is missing: the election directory must be the one made by "
		           "quorum-tally init (docs/spec/record.md R-2.1)"),
		         path);
		return e;
	}
	if (e != Q_OK) {
		snprintf(err, errlen, _("cannot read %s"), path);
		return e;
	}
	{
		/* base-hash must be H_T(tag; manifest bytes, parameters
		 * bytes) of the files beside it (a directory mixed from two
		 * elections, or edited by hand, is refused at start) */
		uint8_t *mb = NULL, bh[32];
		size_t ml = 0;
		transcript t;
		char mp[600];
		snprintf(mp, sizeof mp, "%s/manifest.json", dir);
		e = st_read_file(mp, MANIFEST_MAX_BYTES, &mb, &ml);
		if (e == Q_OK &&
		    (e = transcript_init(&t, "quorum/v1/election/base-hash")) == Q_OK) {
			transcript_bytes(&t, mb, ml);
			transcript_bytes(&t, buf, len);
			transcript_digest(&t, bh);
			if (memcmp(bh, st->base_hash, 32) != 0) {
				snprintf(
				    err, errlen,
				    _("%s/base-hash is not the hash of manifest.json and "
				      "parameters.json (docs/spec/record.md R-2.2): these files "
				      "are not the ones quorum-tally init wrote together; copy "
				      "the election directory again from the returning officer"),
				    dir);
				e = Q_ERR_CONSISTENCY;
			}
		} else if (e == Q_OK) {
			e = Q_ERR_NOMEM;
		} else {
			snprintf(err, errlen, _("cannot read %s"), mp);
		}
		free(mb);
		if (e != Q_OK) {
			free(buf);
			return e;
		}
	}
	j = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &je);
	const json_t *v = json_object_get(j, "roll_hash");
	if (!json_is_string(v) || json_string_length(v) != 64 ||
	    hex_decode(st->roll_hash, 32, json_string_value(v), 64) != Q_OK) {
		snprintf(err, errlen, _("%s: no \"roll_hash\" of 64 hex digits (R-2.1)"), path);
		e = Q_ERR_FORMAT;
	} else {
		e = st_roll_chain(st, dir, err, errlen); /* */
	}
	json_decref(j);
	free(buf);
	return e;
}
qerr st_load_election(station *st, const station_config *cfg, char *err, size_t errlen)
{
	char path[700];
	uint8_t *buf = NULL;
	size_t len;
	qerr e;
	elec_findings f;
	elec_findings_init(&f);

	snprintf(path, sizeof path, "%s/manifest.json", cfg->election_dir);
	if ((e = st_read_file(path, MANIFEST_MAX_BYTES, &buf, &len)) != Q_OK) {
		snprintf(err, errlen, _("cannot read %s: %s"), path, qerr_str(e));
		goto out;
	}
	/* RP-5.2: the manifest against the election directory's own rule
	 * profiles (listed with their SHA-256 in parameters.json, copied there
	 * by quorum-tally init), never the profiles built into this program */
	if ((e = rules_load_election(cfg->election_dir, buf, len, &st->rules, &st->m, &f)) !=
	    Q_OK) {
		const elec_finding *fe = NULL;
		for (size_t i = 0; i < f.n && fe == NULL; i++)
			if (f.v[i].severity == ELEC_ERROR)
				fe = &f.v[i];
		snprintf(err, errlen,
		         "%s/%s: %s; the election directory must hold the rule profiles "
		         "quorum-tally init copied into it, unchanged (docs/spec/rules.md "
		         "RP-5.2)",
		         cfg->election_dir, fe != NULL && fe->where ? fe->where : "manifest.json",
		         fe != NULL ? fe->message : qerr_str(e));
		goto out;
	}
	free(buf);
	buf = NULL;
	st->est = manifest_station(st->m, cfg->station_id);
	if (st->est == NULL) {
		snprintf(err, errlen, _("station %s is not in the manifest"), cfg->station_id);
		e = Q_ERR_NOTFOUND;
		goto out;
	}
	/* The joint public key K: 130 hex digits (C-1.2 point). */
	snprintf(path, sizeof path, "%s/joint-key", cfg->election_dir);
	if ((e = st_read_file(path, 4096, &buf, &len)) != Q_OK) {
		snprintf(err, errlen, _("cannot read %s: %s"), path, qerr_str(e));
		goto out;
	}
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
		len--;
	if ((st->K = point_new()) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	if (hex_decode(st->Kenc, POINT_LEN, (char *)buf, len) != Q_OK ||
	    (e = point_decode(st->K, st->Kenc, POINT_LEN)) != Q_OK) {
		snprintf(err, errlen, _("%s: not a valid P-256 point (130 hex digits)"), path);
		e = Q_ERR_FORMAT;
		goto out;
	}
	free(buf);
	buf = NULL;
	if ((st->Kt = point_table_new(st->K)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	/* The base hash (B-1.2): the election directory's base-hash file,
	 * written by quorum-tally init; there is no fallback. */
	snprintf(path, sizeof path, "%s/base-hash", cfg->election_dir);
	e = st_read_file(path, 4096, &buf, &len);
	if (e == Q_OK) {
		while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
			len--;
		if (hex_decode(st->base_hash, 32, (char *)buf, len) != Q_OK) {
			snprintf(err, errlen, _("%s: not 64 hex digits"), path);
			e = Q_ERR_FORMAT;
			goto out;
		}
	} else if (e == Q_ERR_NOTFOUND) {
		snprintf(err, errlen,
		         _("%s is missing: the election directory must be the one made by "
		           "quorum-tally init (docs/spec/record.md R-2.2)"),
		         path);
		goto out;
	} else {
		snprintf(err, errlen, _("cannot read %s"), path);
		goto out;
	}
	free(buf);
	buf = NULL;
	if ((e = load_roll_hash(st, cfg->election_dir, err, errlen)) != Q_OK)
		goto out;

	/* The ballot style (B-1: one derivation for the station, the tally and
	 * the verifier; a run-off's from the previous round's result) and the
	 * booth's view of it: balloted contests (max_sel > 0) in manifest
	 * order. */
	{
		char why0[300] = "", ppath[4096];
		json_t *prevd = NULL;
		if (st->m->runoff_round >= 2) {
			snprintf(ppath, sizeof ppath, "%s/previous/result.json", cfg->election_dir);
			if ((e = runoff_read_result(ppath, &prevd, NULL, why0, sizeof why0)) !=
			    Q_OK) {
				snprintf(err, errlen, _("ballot style: %s"), why0);
				goto out;
			}
		}
		e = elec_round_style(st->m, prevd, st->base_hash, &st->style, why0, sizeof why0);
		json_decref(prevd);
		if (e != Q_OK) {
			snprintf(err, errlen, _("ballot style: %s"), why0);
			goto out;
		}
	}
	e = Q_ERR_NOMEM;
	json_t *contests = json_array();
	st->booth_ballot = json_pack("{s:s, s:s, s:s, s:s, s:o}", "election", st->m->id, "title_zh",
	                             st->m->title_zh ? st->m->title_zh : "", "title_en",
	                             st->m->title_en ? st->m->title_en : "", "station",
	                             cfg->station_id, "contests", contests);
	if (st->booth_ballot == NULL)
		goto out;
	for (size_t i = 0; i < st->m->ncontests; i++) {
		const elec_contest *c = &st->m->contests[i];
		char *const *ids;
		size_t n;
		unsigned mn, mx;
		manifest_contest_options(c, &ids, &n, &mn, &mx);
		if (mx == 0 || n == 0)
			continue;
		json_t *opts = json_array();
		for (size_t j = 0; j < n; j++) {
			char b1[300], b2[300];
			json_array_append_new(
			    opts, json_pack("{s:s, s:s, s:s}", "id", ids[j], "label_zh",
			                    opt_label(c, j, ids[j], 1, b1, sizeof b1), "label_en",
			                    opt_label(c, j, ids[j], 0, b2, sizeof b2)));
		}
		/* B-10.1: the write-in slots follow the listed options */
		for (uint32_t s = 0; s < c->write_in; s++) {
			char id[32], zh[64], en[64];
			snprintf(id, sizeof id, "write-in-%u", s + 1);
			snprintf(zh, sizeof zh, "另选他人 %u", s + 1);
			snprintf(en, sizeof en, "write-in %u", s + 1);
			json_array_append_new(opts, json_pack("{s:s, s:s, s:s, s:b}", "id", id,
			                                      "label_zh", zh, "label_en", en,
			                                      "write_in", 1));
		}
		json_array_append_new(contests,
		                      json_pack("{s:s, s:s, s:s, s:s, s:i, s:i, s:o}", "id", c->id,
		                                "type", manifest_contest_type_name(c->type),
		                                "title_zh", c->title_zh ? c->title_zh : "",
		                                "title_en", c->title_en ? c->title_en : "", "min",
		                                (int)mn, "max", (int)mx, "options", opts));
	}
	/* Every cast and challenged ballot must fit in one log entry (A-1:
	 * at most MERKLE_MAX_ENTRY bytes); the largest is a challenged
	 * ballot: tag, newline, u32 length, ballot, opening (P-6). */
	size_t maxent = strlen(ENTRY_CHALLENGED) + 1 + 4 + ballot_style_encoded_len(st->style) +
	                ballot_style_opening_len(st->style);
	if (maxent > MERKLE_MAX_ENTRY) {
		snprintf(err, errlen,
		         _("the manifest's ballot is too large for the audit log: a challenged "
		           "ballot would be %zu bytes, the log's entry limit is %u (split the "
		           "contests over several polls or reduce their options)"),
		         maxent, (unsigned)MERKLE_MAX_ENTRY);
		e = Q_ERR_LIMIT;
		goto out;
	}
	/* Eligibility context (roll.h). */
	size_t nc = 0;
	for (size_t i = 0; i < st->m->ncontests; i++)
		nc += st->m->contests[i].ncands;
	st->cands = calloc(nc ? nc : 1, sizeof *st->cands);
	if (st->cands == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	nc = 0;
	for (size_t i = 0; i < st->m->ncontests; i++)
		for (size_t j = 0; j < st->m->contests[i].ncands; j++)
			if (st->m->contests[i].cands[j].voter != NULL)
				st->cands[nc++] = st->m->contests[i].cands[j].voter;
	st->rctx.polling_day = st->m->polling_day;
	st->rctx.groups = (const char *const *)st->est->groups;
	st->rctx.ngroups = st->est->ngroups;
	st->rctx.mode = st->m->mode;
	st->rctx.candidates = st->cands;
	st->rctx.ncandidates = nc;
	roll_proxy_rules(st->m, &st->rctx); /* RP-6: from the profiles */
	e = Q_OK;
out:
	free(buf);
	elec_findings_free(&f);
	return e;
}

static qerr load_roll(station *st, char *err, size_t errlen)
{
	char *csv = NULL;
	size_t len;
	elec_findings f;
	qerr e = store_meta_get_alloc(st->rolldb, "roll_csv", &csv, &len);
	if (e == Q_ERR_NOTFOUND)
		return Q_OK;
	if (e != Q_OK) {
		snprintf(err, errlen, _("roll DB: %s"), store_errmsg(st->rolldb));
		return e;
	}
	/* P-6.1: the stored roll is the election's (the election directory
	 * may have been replaced since the import) */
	uint8_t h[32];
	sha256(h, csv, len);
	if (memcmp(h, st->rchain.head, 32) != 0) { /* the roll in force */
		char why[500];
		roll_chain_describe(&st->rchain, h, why, sizeof why);
		snprintf(err, errlen,
		         _("the roll imported into this station is not the election's roll: %s"),
		         why);
		free(csv);
		return Q_ERR_CONSISTENCY;
	}
	elec_findings_init(&f);
	e = roll_import(csv, len, &st->roll, &f);
	elec_findings_free(&f);
	free(csv);
	if (e != Q_OK)
		snprintf(err, errlen, _("stored roll no longer parses: %s"), qerr_str(e));
	return e;
}

/* Unseal the station signing key into st->signer (P-4.5): from
 * STATE/signing-key.sealed; else (origin != NULL, a new log) a fresh key,
 * sealed first; else (a state from before sealing) the plain log/key,
 * sealed now and then overwritten and removed.  The key is never written
 * unsealed. */
static qerr signing_key(station *st, const station_config *cfg, const char *origin, char *err,
                        size_t errlen)
{
	secbuf *sb = NULL;
	const char *why = NULL;
	char plain[700], txt[NOTE_SKEY_MAX + 1];
	uint8_t *kt = NULL;
	size_t kl = 0;
	qerr e = seal_file_read(&sb, st->key_path, cfg->pass, cfg->passlen, &why);
	if (e == Q_OK) {
		e = note_signer_parse(st->signer, (const char *)sb->data, sb->len);
		secbuf_free(sb);
		if (e != Q_OK)
			snprintf(err, errlen, _("%s: not a signing key"), st->key_path);
		return e;
	}
	if (e != Q_ERR_NOTFOUND) {
		snprintf(err, errlen, _("cannot unseal the station signing key %s: %s%s"),
		         st->key_path, why != NULL ? why : qerr_str(e),
		         e == Q_ERR_AUTH ? _(" (wrong passphrase?)") : "");
		return e;
	}
	snprintf(plain, sizeof plain, "%s/key", st->log_dir);
	if (origin != NULL) {
		e = note_signer_generate(st->signer, origin, NOTE_ALG_ED25519);
	} else {
		e = st_read_file(plain, 4096, &kt, &kl);
		if (e == Q_OK)
			e = note_signer_parse(st->signer, (char *)kt, kl);
		if (kt != NULL)
			wipe(kt, kl);
		free(kt);
		if (e != Q_OK) {
			snprintf(err, errlen, _("no station signing key: %s is missing"),
			         st->key_path);
			return e;
		}
	}
	if (e == Q_OK)
		e = note_signer_format(st->signer, txt, sizeof txt);
	if (e == Q_OK)
		e = seal_file_write(st->key_path, cfg->pass, cfg->passlen, cfg->kdf, txt,
		                    strlen(txt), &why);
	wipe(txt, sizeof txt);
	if (e != Q_OK) {
		snprintf(err, errlen, _("cannot seal the station signing key into %s: %s"),
		         st->key_path, why != NULL ? why : qerr_str(e));
		return e;
	}
	if (origin == NULL) {
		st_shred(plain);
		st_log(st, LOG_NOTICE, "the signing key %s is now sealed in %s and removed", plain,
		       st->key_path);
	}
	return Q_OK;
}

static int spent_cb(void *ctx, const uint8_t h[32])
{
	return hset_add(ctx, h) != Q_OK;
}

static int checked_cb(void *ctx, const char *id)
{
	uint8_t k[32];
	st_voter_key(id, k);
	return hset_add(ctx, k) != Q_OK;
}

static int chal_cb(void *ctx, const uint8_t h[32], uint64_t n)
{
	return cmap_put(ctx, h, n) != Q_OK;
}

/* ---- open ---- */

/* Create dir (mode 0711: others may reach a socket, not list) if absent,
 * then check it is this user's and nobody else may write in it (P-2: else
 * another user could replace a socket or a file).  sock: dir is the socket
 * directory (for the messages).  *made is set if it was created. */
static qerr own_dir(const char *dir, int sock, int *made, char *err, size_t errlen)
{
	struct stat sb;
	if (mkdir(dir, 0711) == 0) {
		/* Past the umask. */
		(void)chmod(dir, 0711);
		*made = 1;
	} else if (errno != EEXIST) {
		snprintf(err, errlen, _("cannot create %s: %s"), dir, strerror(errno));
		return Q_ERR_IO;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 || fstat(dfd, &sb) != 0) {
		if (sock)
			snprintf(err, errlen, _("cannot open the socket directory %s: %s"), dir,
			         strerror(errno));
		else
			snprintf(err, errlen, _("cannot open the state directory %s: %s"), dir,
			         strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return Q_ERR_IO;
	}
	close(dfd);
	if (sb.st_uid != geteuid()) {
		if (sock)
			snprintf(err, errlen,
			         _("the socket directory %s is owned by uid %u, not by this "
			           "daemon's user (uid %u)"),
			         dir, (unsigned)sb.st_uid, (unsigned)geteuid());
		else
			snprintf(err, errlen,
			         _("the state directory %s is owned by uid %u, not by this "
			           "daemon's user (uid %u)"),
			         dir, (unsigned)sb.st_uid, (unsigned)geteuid());
		return Q_ERR_DENIED;
	}
	if ((sb.st_mode & 022) != 0) {
		if (sock)
			snprintf(err, errlen,
			         _("the socket directory %s is writable by group or others (mode "
			           "%04o): chmod 711 it"),
			         dir, (unsigned)(sb.st_mode & 07777));
		else
			snprintf(err, errlen,
			         _("the state directory %s is writable by group or others (mode "
			           "%04o): chmod 711 it"),
			         dir, (unsigned)(sb.st_mode & 07777));
		return Q_ERR_DENIED;
	}
	return Q_OK;
}

qerr station_open_public(station **out, const station_config *cfg, char *err, size_t errlen)
{
	station *st = calloc(1, sizeof *st);
	qerr e;
	*out = NULL;
	if (st == NULL)
		return Q_ERR_NOMEM;
	st->chan_fd = -1;
	for (int r = 0; r < 3; r++)
		st->listen_fd[r] = -1;
	pthread_mutex_init(&st->cnt_mu, NULL);
	jobq_init(&st->cq);
	jobq_init(&st->kq);
	jobq_init(&st->lq);
	jobq_init(&st->rq);
	st->foreground = cfg->foreground;
	if (!manifest_id_ok(cfg->station_id)) {
		snprintf(err, errlen, _("invalid station id"));
		e = Q_ERR_ARG;
		goto out;
	}
	snprintf(st->station_id, sizeof st->station_id, "%s", cfg->station_id);
	if ((e = st_load_election(st, cfg, err, errlen)) != Q_OK)
		goto out;
	*out = st;
	st = NULL;
out:
	station_free(st);
	return e;
}

qerr station_open(station **out, const station_config *cfg, char *err, size_t errlen)
{
	station *st = calloc(1, sizeof *st);
	uint8_t rollk[32], boxk[32];
	char msg[LOG_MSG_MAX];
	int made_dir = 0, made_sock = 0;
	qerr e;
	*out = NULL;
	if (st == NULL)
		return Q_ERR_NOMEM;
	st->chan_fd = -1;
	for (int r = 0; r < 3; r++)
		st->listen_fd[r] = -1;
	pthread_mutex_init(&st->cnt_mu, NULL);
	jobq_init(&st->cq);
	jobq_init(&st->kq);
	jobq_init(&st->lq);
	jobq_init(&st->rq);
	st->pend = calloc(PENDING_MAX, sizeof *st->pend);
	if (st->pend == NULL) {
		free(st);
		return Q_ERR_NOMEM;
	}
	st->foreground = cfg->foreground;
	st->pending_ttl_ms = (int64_t)(cfg->pending_ttl_s > 0 ? cfg->pending_ttl_s : 900) * 1000;
	st->idle_timeout_ms = cfg->idle_timeout_ms;
	for (int r = 0; r < 3; r++) {
		st->group_set[r] = cfg->group_set[r];
		st->gid[r] = cfg->gid[r];
	}
#ifdef QUORUM_TEST_HOOKS
	/* Test builds only (quorum-ballotd-test): the installed daemon has
	 * none of these. */
	{
		const char *cc = getenv("QUORUM_TEST_CRASH_IN_CLOSE");
		st->crash_in_close = cc != NULL && strcmp(cc, "1") == 0;
		const char *lf = getenv("QUORUM_TEST_LOG_FAIL");
		st->log_fail = lf == NULL             ? 0
		               : strcmp(lf, "1") == 0 ? 1
		               : strcmp(lf, "2") == 0 ? 2
		                                      : 0;
		const char *h = getenv("QUORUM_TEST_CRASH_AFTER_BOX");
		char *end;
		if (h != NULL) {
			long v = strtol(h, &end, 10);
			if (*h != '\0' && *end == '\0' && v > 0 && v < 1000000)
				st->crash_after_box = v;
		}
		if ((h = getenv("QUORUM_TEST_ROLL_FAIL")) != NULL) {
			long v = strtol(h, &end, 10);
			if (*h != '\0' && *end == '\0' && v > 0 && v < 1000000)
				st->roll_fail_at = v;
		}
	}
#endif
	st->read_timeout_ms = cfg->read_timeout_ms > 0 ? cfg->read_timeout_ms : 10000;
	if (!manifest_id_ok(cfg->station_id)) {
		snprintf(err, errlen, _("invalid station id"));
		e = Q_ERR_ARG;
		goto out;
	}
	snprintf(st->station_id, sizeof st->station_id, "%s", cfg->station_id);
	if (strlen(cfg->state_dir) > 400) {
		snprintf(err, errlen, _("state directory path too long"));
		e = Q_ERR_LIMIT;
		goto out;
	}
	snprintf(st->state_dir, sizeof st->state_dir, "%s", cfg->state_dir);
	if ((e = own_dir(st->state_dir, 0, &made_dir, err, errlen)) != Q_OK)
		goto out;
	if (cfg->socket_dir != NULL && strcmp(cfg->socket_dir, cfg->state_dir) != 0) {
		if (strlen(cfg->socket_dir) > 400) {
			snprintf(err, errlen, _("socket directory path too long"));
			e = Q_ERR_LIMIT;
			goto out;
		}
		snprintf(st->sock_dir, sizeof st->sock_dir, "%s", cfg->socket_dir);
		if ((e = own_dir(st->sock_dir, 1, &made_sock, err, errlen)) != Q_OK)
			goto out;
	} else {
		snprintf(st->sock_dir, sizeof st->sock_dir, "%s", st->state_dir);
	}
	snprintf(st->log_dir, sizeof st->log_dir, "%s/log", st->state_dir);
	snprintf(st->roll_path, sizeof st->roll_path, "%s/roll.db", st->state_dir);
	snprintf(st->box_path, sizeof st->box_path, "%s/box.db", st->state_dir);
	snprintf(st->record_path, sizeof st->record_path, "%s/station-record.json", st->state_dir);
	snprintf(st->key_path, sizeof st->key_path, "%s/signing-key.sealed", st->state_dir);
	if ((e = st_load_election(st, cfg, err, errlen)) != Q_OK)
		goto out;
	if ((e = derive_keys(st, cfg, rollk, boxk, err, errlen)) != Q_OK)
		goto out;
	e = store_open(&st->rolldb, st->roll_path, STORE_ROLL, rollk, err, errlen);
	if (e == Q_OK)
		e = store_open(&st->box, st->box_path, STORE_BOX, boxk, err, errlen);
	wipe(rollk, sizeof rollk);
	wipe(boxk, sizeof boxk);
	if (e == Q_ERR_AUTH) {
		char tmp[300];
		snprintf(tmp, sizeof tmp, "%s", err);
		snprintf(err, errlen, _("%s (wrong passphrase?)"), tmp);
	}
	if (e != Q_OK)
		goto out;
	/* Bind the state to this election and station. */
	{
		char have[200], want[200];
		char mh[65];
		st_hex(mh, st->m->hash, 32);
		snprintf(want, sizeof want, "%s %s", st->station_id, mh);
		e = store_meta_get(st->rolldb, "binding", have, sizeof have);
		if (e == Q_ERR_NOTFOUND)
			e = store_meta_set(st->rolldb, "binding", want);
		else if (e == Q_OK && strcmp(have, want) != 0) {
			snprintf(err, errlen,
			         _("state directory belongs to another station or election "
			           "(%s)"),
			         have);
			e = Q_ERR_STATE;
		}
		if (e != Q_OK)
			goto out;
	}
	/* The signing key, sealed under the passphrase (P-4.5), and the
	 * audit log: created on first start (P-6.1). */
	if ((st->signer = st_secret_alloc(sizeof *st->signer)) == NULL) {
		snprintf(err, errlen, _("cannot allocate secret memory"));
		e = Q_ERR_NOMEM;
		goto out;
	}
	e = log_open(st->log_dir, LOG_RDWR, &st->log, msg, sizeof msg);
	if (e == Q_ERR_NOTFOUND || e == Q_ERR_IO) {
		struct stat sb;
		char entp[700];
		snprintf(entp, sizeof entp, "%s/entries", st->log_dir);
		if (stat(entp, &sb) != 0) {
			char origin[300];
			snprintf(origin, sizeof origin, "quorum/%s/station/%s", st->m->id,
			         st->station_id);
			if ((e = signing_key(st, cfg, origin, err, errlen)) != Q_OK)
				goto out;
			e = log_create_with_signer(st->log_dir, st->signer, &st->log, msg,
			                           sizeof msg);
		}
	} else if (e == Q_OK) {
		if ((e = signing_key(st, cfg, NULL, err, errlen)) != Q_OK)
			goto out;
		if ((e = log_use_signer(st->log, st->signer)) != Q_OK) {
			snprintf(err, errlen, _("%s: not the key of the audit log %s"),
			         st->key_path, st->log_dir);
			goto out;
		}
	}
	if (e != Q_OK) {
		snprintf(err, errlen, _("audit log %s: %s"), st->log_dir, msg);
		goto out;
	}
	if (msg[0] != '\0' && strstr(msg, "torn") != NULL)
		st_log(st, LOG_WARNING, "audit log: %s", msg);
	if ((e = load_roll(st, err, errlen)) != Q_OK)
		goto out;
	if ((e = st_reconcile(st, err, errlen)) != Q_OK)
		goto out;
	if (store_meta_get(st->rolldb, "state", st->state, sizeof st->state) != Q_OK)
		snprintf(st->state, sizeof st->state, "new");
	{
		uint64_t v, c, ch, sp;
		if ((e = store_roll_counts(st->rolldb, &v, &c)) != Q_OK ||
		    (e = store_box_counts(st->box, &ch, &sp, NULL)) != Q_OK) {
			snprintf(err, errlen, _("counting: %s"), qerr_str(e));
			goto out;
		}
		st->registered = v;
		st_count_eligible(st);
		st->issued = c;
		st->cast = ch;
		st->challenged = sp;
		st->logged_issued = c;
		st->logsize = log_size(st->log);
	}
	if ((e = store_box_foreach_spent(st->box, spent_cb, &st->spent)) != Q_OK) {
		snprintf(err, errlen, _("loading spent tokens failed"));
		goto out;
	}
	if ((e = store_roll_foreach_token(st->rolldb, spent_cb, &st->issued_tok)) != Q_OK) {
		snprintf(err, errlen, _("loading issued tokens failed"));
		goto out;
	}
	if ((e = store_roll_foreach_checked_in(st->rolldb, checked_cb, &st->checked)) != Q_OK ||
	    (e = store_roll_foreach_challenge(st->rolldb, chal_cb, &st->chal)) != Q_OK) {
		snprintf(err, errlen, _("roll DB: %s"), store_errmsg(st->rolldb));
		goto out;
	}
	e = store_roll_last_checkin(st->rolldb, st->last_id, st->last_h);
	if (e == Q_OK)
		st->have_last = 1;
	else if (e != Q_ERR_NOTFOUND) {
		snprintf(err, errlen, _("roll DB: %s"), store_errmsg(st->rolldb));
		goto out;
	}
	if (strcmp(st->state, "closing") == 0) {
		st_log(st, LOG_NOTICE, "finishing a close interrupted by a crash");
		finish_close(st, 0);
		if (strcmp(st->state, "closed") != 0) {
			snprintf(err, errlen, _("could not finish the interrupted close"));
			e = Q_ERR_STATE;
			goto out;
		}
	}
	st_log(st, LOG_INFO,
	       "station %s ready: state %s, %llu on roll, %llu issued, %llu cast, log "
	       "size %llu",
	       st->station_id, st->state, (unsigned long long)st->registered,
	       (unsigned long long)st->issued, (unsigned long long)st->cast,
	       (unsigned long long)log_size(st->log));
	*out = st;
	st = NULL;
	e = Q_OK;
out:
	station_free(st);
	/* A start that failed leaves no directory it made empty behind (an
	 * unknown --station, a bad election directory); one with files in
	 * it stays (rmdir fails). */
	if (e != Q_OK && made_dir)
		(void)rmdir(cfg->state_dir);
	if (e != Q_OK && made_sock)
		(void)rmdir(cfg->socket_dir);
	return e;
}

void station_free(station *st)
{
	if (st == NULL)
		return;
	phase_report(st, &st->phases);
	/* Stop the threads after they drain what they hold. */
	jobq_stop(&st->cq);
	for (int i = 0; i < st->nworkers; i++)
		pthread_join(st->workers[i], NULL);
	jobq_stop(&st->kq);
	if (st->have_committer)
		pthread_join(st->committer, NULL);
	jobq_stop(&st->lq); /* after the committer: nothing more comes */
	if (st->have_logger)
		pthread_join(st->logger, NULL);
	jobq_stop(&st->rq);
	if (st->have_roller)
		pthread_join(st->roller, NULL);
	/* Replies still posted: run them (their connections get them or
	 * they are dropped), so no job is leaked. */
	if (st->srv != NULL)
		server_drain_posts(st->srv);
	server_free(st->srv);
	if (st->chan_fd >= 0)
		close(st->chan_fd);
	for (int r = 0; r < 3; r++) {
		if (st->listen_fd[r] < 0)
			continue;
		char p[700];
		close(st->listen_fd[r]);
		snprintf(p, sizeof p, "%s/%s.sock", st->sock_dir, request_role_names[r]);
		(void)unlink(p);
	}
	if (st->chan_in != NULL)
		wipe(st->chan_in, 2 * PS_REQ_MAX);
	free(st->chan_in);
	if (st->chan_msg != NULL)
		wipe(st->chan_msg, sizeof *st->chan_msg);
	free(st->chan_msg);
	for (size_t i = 0; i < st->npend; i++)
		pending_clear(&st->pend[i]);
	free(st->pend);
	hset_free(&st->spent);
	hset_free(&st->issued_tok);
	hset_free(&st->checked);
	free(st->chal.e);
	named_tally_free(&st->named);
	free(st->cast_at.e);
	free(st->inflight);
	log_close(st->log);
	store_close(st->rolldb);
	store_close(st->box);
	if (st->signer != NULL) {
		note_signer_wipe(st->signer);
		st_secret_free(st->signer, sizeof *st->signer);
	}
	roll_free(st->roll);
	free(st->cands);
	json_decref(st->booth_ballot);
	ballot_style_free(st->style);
	point_table_free(st->Kt);
	point_free(st->K);
	manifest_free(st->m);
	rulebook_free(st->rules); /* after the manifest, which points into it */
	pthread_mutex_destroy(&st->cnt_mu);
	free(st);
}

void station_get_info(const station *st, station_info *out)
{
	out->election = st->m->id;
	out->state = st->state;
	out->registered = st->registered;
	out->issued = st->issued;
	out->cast = st->cast;
}
