/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fixture.c -- see fixture.h. */
#include "fixture.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/log.h"
#include "audit/note.h"
#include "crypto/seal.h"
#include "crypto/sha256.h"
#include "crypto/sig.h"
#include "crypto/util.h"
#include "election/srec.h"
#include "tally/ceremony.h"
#include "tally/count.h"
#include "testutil.h"
#include "daemon.h"

const kdf_params fx_kdf = {1, 64, 1};

static const char manifest_fmt[] =
    "{\n"
    "  \"format\": \"quorum-manifest/1\",\n"
    "  \"id\": \"%s\",\n"
    "  \"title\": {\"zh\": \"和谐社区第十届居民委员会选举\", \"en\": \"Hexie Community "
    "residents' committee election\"},\n"
    "  \"kind\": \"election\",\n"
    "  \"charter\": \"CH1\",\n"
    /* no body.registered: init derives it from the roll, 8 (E-4.3) */
    "  \"body\": {\"mode\": \"residents\", \"households\": 9, \"groups\": 4},\n"
    "  \"committee\": {\"members\": 7, \"term_years\": 5},\n"
    "  \"stations\": [\n"
    "    {\"id\": \"s1\", \"name\": \"社区服务中心\", \"groups\": [\"g1\", \"g2\"]},\n"
    "    {\"id\": \"s2\", \"name\": \"第二小学\", \"groups\": [\"g3\", \"g4\"]}\n"
    "  ],\n"
    "  \"dates\": {\"polling_day\": \"2026-03-15\", \"roll_published\": \"2026-02-20\"},\n"
    "  \"contests\": [\n"
    "    {\"id\": \"director\", \"type\": \"office\", \"title\": {\"zh\": \"主任\", \"en\": "
    "\"Director\"}, \"seats\": 1,\n"
    "     \"candidates\": [\n"
    "       {\"id\": \"c1\", \"voter\": \"V0001\", \"name\": \"王芳\", \"nomination\": "
    "{\"by\": \"party\"}},\n"
    "       {\"id\": \"c2\", \"voter\": \"V0002\", \"name\": \"李强\", \"nomination\": "
    "{\"by\": \"voters\", \"count\": 14}}],\n"
    "     \"rules\": [\"UL19\"]},\n"
    "    {\"id\": \"members\", \"type\": \"office\", \"title\": {\"zh\": \"委员\", \"en\": "
    "\"Members\"}, \"seats\": 3,\n"
    "     \"candidates\": [\n"
    "       {\"id\": \"m1\", \"voter\": \"V0003\", \"name\": \"张伟\", \"nomination\": "
    "{\"by\": \"party\"}},\n"
    "       {\"id\": \"m2\", \"voter\": \"V0004\", \"name\": \"刘洋\", \"nomination\": "
    "{\"by\": \"voters\", \"count\": 10}},\n"
    "       {\"id\": \"m3\", \"voter\": \"V0005\", \"name\": \"陈静\", \"nomination\": "
    "{\"by\": \"voters\", \"count\": 22}},\n"
    "       {\"id\": \"m4\", \"voter\": \"V0006\", \"name\": \"杨磊\", \"nomination\": "
    "{\"by\": \"party\"}},\n"
    "       {\"id\": \"m5\", \"voter\": \"V0008\", \"name\": \"赵敏\", \"nomination\": "
    "{\"by\": \"voters\", \"count\": 11}}],\n"
    "     \"rules\": [\"UL19\"]}\n"
    "  ]\n"
    "}\n";

static const char roll_csv[] = "id,name,birth_date,household,group,flags\n"
                               "V0001,王芳,1975-04-02,H001,g1,\n"
                               "V0002,李强,1968-11-20,H002,g1,representative\n"
                               "V0003,张伟,1980-01-15,H003,g2,\n"
                               "V0004,刘洋,1990-06-30,H004,g2,\n"
                               "V0005,陈静,1985-09-09,H005,g3,\n"
                               "V0006,杨磊,1972-12-01,H006,g3,\n"
                               "V0007,\"Smith, John\",1960-02-29,H007,g4,\n"
                               "V0008,赵敏,2008-03-15,H008,g4,\n"
                               "V0009,周杰,2008-03-16,H008,g4,proxy=V0007\n"
                               "V0010,吴刚,1950-05-05,H009,g1,deprived\n";

const char *fx_manifest_contest = NULL;
unsigned fx_manifest_write_in = 0;
const char *const *fx_station_write_ins = NULL;
unsigned fx_manifest_stations = 0;
int fx_manifest_members_only = 0;

/* fx_manifest_stations and fx_manifest_members_only applied to the
 * manifest text m (replaced). */
static char *fx_manifest_reshape(char *m)
{
	json_error_t je;
	json_t *j = json_loads(m, 0, &je);
	cr_assert_not_null(j, "fx_manifest: %s", je.text);
	if (fx_manifest_members_only) {
		json_t *cs = json_object_get(j, "contests");
		cr_assert_eq(json_array_remove(cs, 0), 0); /* the director */
	}
	if (fx_manifest_stations > 2) {
		/* s1 and s2 serve the roll's groups; s3.. serve groups of no
		 * voter on the example roll (their rolls are the bench's) */
		json_t *sts = json_object_get(j, "stations");
		for (unsigned k = 3; k <= fx_manifest_stations; k++) {
			char id[32], name[48], grp[32];
			snprintf(id, sizeof id, "s%u", k);
			snprintf(name, sizeof name, "Station %u", k);
			snprintf(grp, sizeof grp, "g%u", k + 2);
			cr_assert_eq(
			    json_array_append_new(sts, json_pack("{s:s, s:s, s:[s]}", "id", id,
			                                         "name", name, "groups", grp)),
			    0);
		}
	}
	char *t = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
	cr_assert_not_null(t);
	json_decref(j);
	free(m);
	size_t tl = strlen(t);
	char *out = malloc(tl + 2); /* with the final newline */
	cr_assert_not_null(out);
	memcpy(out, t, tl);
	out[tl] = '\n';
	out[tl + 1] = '\0';
	free(t);
	return out;
}

char *fx_manifest(const char *id)
{
	size_t extra = fx_manifest_contest ? strlen(fx_manifest_contest) + 40 : 0;
	size_t cap = sizeof manifest_fmt + strlen(id) + 1 + extra;
	char *m = malloc(cap);
	cr_assert_not_null(m);
	snprintf(m, cap, manifest_fmt, id);
	if (fx_manifest_write_in > 0) { /* B-10.1: write-in slots for "members" */
		static const char seats[] = "\"Members\"}, \"seats\": 3,";
		char *d = strstr(m, seats), *rest;
		cr_assert_not_null(d);
		rest = strdup(d + strlen(seats));
		cr_assert_not_null(rest);
		m = realloc(m, cap + 32);
		cr_assert_not_null(m);
		cap += 32;
		d = strstr(m, seats);
		snprintf(d, cap - (size_t)(d - m), "%s \"write_in\": %u,%s", seats,
		         fx_manifest_write_in, rest);
		free(rest);
	}
	if (fx_manifest_contest != NULL) { /* one more contest, after the last */
		char *end = strstr(m, "]}\n  ]\n}\n");
		cr_assert_not_null(end);
		snprintf(end, cap - (size_t)(end - m), "]},\n    %s\n  ]\n}\n",
		         fx_manifest_contest);
		/* a residents' meeting's motion (UL27) needs its notice date
		 * (UL26.notice): 14 days before polling day */
		static const char rp[] = "\"roll_published\": \"2026-02-20\"";
		char *d = strstr(m, rp), *rest = strdup(d + strlen(rp));
		cr_assert_not_null(rest);
		snprintf(d, cap - (size_t)(d - m), "%s, \"notice\": \"2026-03-01\"%s", rp, rest);
		free(rest);
	}
	if (fx_manifest_stations > 2 || fx_manifest_members_only)
		m = fx_manifest_reshape(m);
	return m;
}

const char *fx_roll(void)
{
	return roll_csv;
}

rec_election *fx_init(const char *tmp, const char *name, const char *id, uint32_t k, uint32_t n,
                      const char *runoff_of)
{
	char dir[1024], msg[512] = "";
	char *m = fx_manifest(id);
	if (runoff_of != NULL) {
		/* E-5: the run-off manifest derived from the previous round */
		rec_election *prev = NULL;
		uint8_t *rb = NULL;
		size_t rl = 0;
		cr_assert_eq(rec_open(&prev, runoff_of, msg, sizeof msg), Q_OK, "%s", msg);
		cr_assert_eq(
		    rec_runoff_manifest(prev, NULL, NULL, 0, &rb, &rl, NULL, msg, sizeof msg), Q_OK,
		    "%s", msg);
		rec_free(prev);
		free(m);
		m = (char *)rb;
		m[rl - 1] = '\0'; /* its final newline: strlen below leaves it out */
	}
	rec_init_opts o = {.manifest = (const uint8_t *)m,
	                   .manifest_len = strlen(m),
	                   .roll_csv = roll_csv,
	                   .roll_len = strlen(roll_csv),
	                   .k = k,
	                   .n = n,
	                   .runoff_of = runoff_of};
	rec_election *el = NULL;
	snprintf(dir, sizeof dir, "%s/%s", tmp, name);
	qerr e = rec_init(dir, &o, msg, sizeof msg);
	cr_assert_eq(e, Q_OK, "rec_init: %s (%s)", qerr_str(e), msg);
	e = rec_open(&el, dir, msg, sizeof msg);
	cr_assert_eq(e, Q_OK, "rec_open: %s", msg);
	free(m);
	return el;
}

const char *fx_pass(uint32_t i, char *buf, size_t cap)
{
	snprintf(buf, cap, "pass-%u", i);
	return buf;
}

void fx_secret_path(char *out, size_t cap, const char *tmp, const char *name, uint32_t i)
{
	snprintf(out, cap, "%s/%s-sec%u", tmp, name, i);
}

void fx_key_path(char *out, size_t cap, const char *tmp, const char *name, uint32_t i)
{
	snprintf(out, cap, "%s/%s-key%u", tmp, name, i);
}

void fx_generate_all(rec_election *el, const char *tmp, const char *name)
{
	for (uint32_t i = 1; i <= el->n; i++) {
		char sp[1024], pw[32], msg[512] = "";
		fx_secret_path(sp, sizeof sp, tmp, name, i);
		fx_pass(i, pw, sizeof pw);
		qerr e =
		    ceremony_generate(el, i, sp, pw, strlen(pw), &fx_kdf, NULL, msg, sizeof msg);
		cr_assert_eq(e, Q_OK, "generate %u: %s", i, msg);
	}
}

void fx_reveal_all(rec_election *el, const char *tmp, const char *name)
{
	uint8_t(*roster)[SIG_PUBLIC_LEN] = calloc(el->n, sizeof *roster);
	char msg[512] = "";
	cr_assert_not_null(roster);
	/* the fingerprints every trustee confirmed: those of the commitments */
	cr_assert_eq(ceremony_commitment_keys(el, roster, msg, sizeof msg), Q_OK, "%s", msg);
	for (uint32_t i = 1; i <= el->n; i++) {
		char sp[1024], pw[32];
		fx_secret_path(sp, sizeof sp, tmp, name, i);
		fx_pass(i, pw, sizeof pw);
		qerr e = ceremony_reveal(el, i, sp, pw, strlen(pw),
		                         (const uint8_t(*)[SIG_PUBLIC_LEN])roster, msg, sizeof msg);
		cr_assert_eq(e, Q_OK, "reveal %u: %s", i, msg);
	}
	free(roster);
}

void fx_deal_all(rec_election *el, const char *tmp, const char *name)
{
	for (uint32_t i = 1; i <= el->n; i++) {
		char sp[1024], pw[32], msg[512] = "";
		fx_secret_path(sp, sizeof sp, tmp, name, i);
		fx_pass(i, pw, sizeof pw);
		qerr e = ceremony_deal(el, i, sp, pw, strlen(pw), msg, sizeof msg);
		cr_assert_eq(e, Q_OK, "deal %u: %s", i, msg);
	}
}

void fx_ceremony(rec_election *el, const char *tmp, const char *name)
{
	fx_generate_all(el, tmp, name);
	fx_reveal_all(el, tmp, name);
	fx_deal_all(el, tmp, name);
	for (uint32_t i = 1; i <= el->n; i++) {
		char sp[1024], kp[1024], pw[32], msg[512] = "";
		fx_secret_path(sp, sizeof sp, tmp, name, i);
		fx_key_path(kp, sizeof kp, tmp, name, i);
		fx_pass(i, pw, sizeof pw);
		qerr e =
		    ceremony_receive(el, i, sp, kp, pw, strlen(pw), &fx_kdf, NULL, msg, sizeof msg);
		cr_assert_eq(e, Q_OK, "receive %u: %s", i, msg);
	}
	char msg[512] = "";
	qerr e = ceremony_finish(el, msg, sizeof msg);
	cr_assert_eq(e, Q_OK, "finish: %s", msg);
}

void fx_encrypt(const rec_election *el, const uint8_t *marks, uint8_t **enc, size_t *len)
{
	ballot_style *st = NULL;
	point *K = NULL;
	point_table *Kt;
	ballot *b = NULL;
	char msg[512] = "";
	cr_assert_eq(rec_ballot_style(el, &st, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(rec_load_joint_key(el, &K, NULL, msg, sizeof msg), Q_OK, "%s", msg);
	Kt = point_table_new(K);
	cr_assert_not_null(Kt);
	cr_assert_eq(ballot_encrypt(st, Kt, marks, st->total_options, &b, NULL), Q_OK);
	cr_assert_eq(ballot_encode(b, enc, len), Q_OK);
	ballot_free(b);
	point_table_free(Kt);
	point_free(K);
	ballot_style_free(st);
}

const uint8_t *fx_station_roll_hash;
json_t *fx_station_checked_in;
json_t *fx_station_proxies;

json_t *fx_checked_in(const char *sid, uint64_t n)
{
	json_t *a = json_array();
	cr_assert_not_null(a);
	/* 4 digits, more when n needs them: the list stays sorted (P-7) */
	int w = 4;
	for (uint64_t t = n; t >= 10000; t /= 10)
		w++;
	for (uint64_t i = 1; i <= n; i++) {
		char id[80];
		snprintf(id, sizeof id, "%s-V%0*llu", sid, w, (unsigned long long)i);
		cr_assert_eq(json_array_append_new(a, json_string(id)), 0);
	}
	return a;
}

void fx_roll_text(const rec_election *el, const uint8_t *h, char *out, size_t cap)
{
	char hx[65];
	hex_encode(hx, h != NULL ? h : el->roll_hash, 32);
	snprintf(out, cap, "voters 10\nsha256 %s\n", hx);
}

static uint8_t *entry(const char *tag, const void *p, size_t plen, size_t *len)
{
	size_t tl = strlen(tag);
	uint8_t *e = malloc(tl + 1 + plen);
	cr_assert_not_null(e);
	memcpy(e, tag, tl);
	e[tl] = '\n';
	if (plen > 0)
		memcpy(e + tl + 1, p, plen);
	*len = tl + 1 + plen;
	return e;
}

const char *fx_station_origin = NULL;
const char *fx_station_opened = NULL;
const char *fx_station_format = NULL;
int fx_station_after_close = 0;
const char *const *fx_station_named = NULL;

const char fx_named_hall[] =
    "{\"id\": \"hall\", \"type\": \"motion\", \"ballot\": \"named\", \"title\": {\"zh\": "
    "\"社区活动室开放时间\", \"en\": \"Community room opening hours\"}, \"text\": "
    "\"活动室每晚开放至九点。The community room opens until nine every evening.\", "
    "\"rules\": [\"UL27\"]}";

/* Ballots of the example (director c1 c2, members m1..m5). */
const uint8_t fx_named_marks[7 * FX_NOPT] = {
    1, 0, 1, 1,      1, 0, 0, /**/ 0, 1, 0, 1,      1, 1, 0, /**/ 1, 0, 0, 0, 1, 1, 1, 1, 0, 1, 1,
    0, 1, 0, /**/ 1, 0, 1, 0, 1,      0, 1, /**/ 0, 1, 1, 1, 1,      0, 0, 1, 0, 1, 1, 0, 0, 1,
};

/* "contest voter vote" into the three words (static buffers of the caller) */
static void fx_named_split(const char *s, char *c, char *v, char *x)
{
	cr_assert_eq(sscanf(s, "%64s %64s %15s", c, v, x), 3, "named vote \"%s\"", s);
}
int fx_station_unsorted = 0;
unsigned fx_station_bad_codes = 0;
const char *fx_station_key_out = NULL;
uint64_t fx_station_registered = 0;

static int cmp_tc(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	return strcmp(json_string_value(json_object_get(x, "tracking_code")),
	              json_string_value(json_object_get(y, "tracking_code")));
}

static int cmp_tc_desc(const void *a, const void *b)
{
	return cmp_tc(b, a);
}

/* Reorder the entries of list by tracking_code, ascending or descending. */
static void sort_by_code(json_t *list, int desc)
{
	size_t n = json_array_size(list);
	json_t **v = calloc(n + 1, sizeof *v);
	cr_assert_not_null(v);
	for (size_t i = 0; i < n; i++)
		v[i] = json_incref(json_array_get(list, i));
	qsort(v, n, sizeof *v, desc ? cmp_tc_desc : cmp_tc);
	json_array_clear(list);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(list, v[i]);
	free(v);
}

void fx_station(const rec_election *el, const char *sid, uint8_t *const *enc, const size_t *len,
                size_t n, uint64_t issued)
{
	fx_station_ex(el, sid, enc, len, n, issued, NULL, 0);
}

void fx_station_ex(const rec_election *el, const char *sid, uint8_t *const *enc, const size_t *len,
                   size_t n, uint64_t issued, const fx_challenge *ch, size_t nch)
{
	char dir[1024], origin[128], msg[512] = "", vkey[NOTE_VKEY_MAX], kpath[1200];
	char root[65], bh[65], mh[65], kh[2 * POINT_LEN + 1];
	audit_log *lg = NULL;
	ballot_style *st = NULL;
	point *K = NULL;
	uint8_t kb[POINT_LEN];
	merkle_hash r;
	note_signer ns;
	uint64_t idx, close_index = 0;
	size_t el_len;
	uint8_t *ent;

	snprintf(dir, sizeof dir, "%s/stations/%s/log", el->dir, sid);
	cr_assert_eq(rec_mkdirs(dir), Q_OK);
	/* quorum/<election>/station/<sid> */
	if (fx_station_origin != NULL)
		snprintf(origin, sizeof origin, "%s", fx_station_origin);
	else
		snprintf(origin, sizeof origin, "quorum/%s/station/%s", el->manifest->id, sid);
	cr_assert_eq(log_create(dir, origin, &lg, msg, sizeof msg), Q_OK, "%s", msg);
	{
		char rt[200];
		fx_roll_text(el, fx_station_roll_hash, rt, sizeof rt);
		ent = entry("quorum/v1/station/roll-imported", rt, strlen(rt), &el_len);
		cr_assert_eq(log_append(lg, ent, el_len, &idx), Q_OK);
		free(ent);
	}
	{
		/* P-6: the daemon's entries in its order and payloads */
		char txt[300], mhx[65];
		hex_encode(mhx, el->manifest->hash, 32);
		if (fx_station_opened != NULL)
			snprintf(txt, sizeof txt, "%s", fx_station_opened);
		else
			snprintf(txt, sizeof txt, "station %s\nmanifest %s\nregistered %llu\n", sid,
			         mhx,
			         (unsigned long long)(fx_station_registered ? fx_station_registered
			                                                    : 10));
		ent = entry("quorum/v1/station/poll-opened", txt, strlen(txt), &el_len);
		cr_assert_eq(log_append(lg, ent, el_len, &idx), Q_OK);
		free(ent);
		/* ballots in the daemon's order (the voter challenges before
		 * casting); the check-in count rides in the first ballot's
		 * group commit, after that ballot (P-6.4) */
		for (size_t i = 0; i < nch + n; i++) {
			if (i < nch) {
				const fx_challenge *c = &ch[i];
				size_t pl = 4 + c->len + c->oplen;
				uint8_t *p = malloc(pl);
				cr_assert_not_null(p);
				p[0] = (uint8_t)(c->len >> 24);
				p[1] = (uint8_t)(c->len >> 16);
				p[2] = (uint8_t)(c->len >> 8);
				p[3] = (uint8_t)c->len;
				memcpy(p + 4, c->enc, c->len);
				memcpy(p + 4 + c->len, c->op, c->oplen);
				ent = entry("quorum/v1/station/ballot-challenged", p, pl, &el_len);
				free(p);
			} else {
				ent = entry(TALLY_ENTRY_CAST, enc[i - nch], len[i - nch], &el_len);
			}
			cr_assert_eq(log_append(lg, ent, el_len, &idx), Q_OK);
			free(ent);
			if (i == 0 && issued > 0) {
				snprintf(txt, sizeof txt, "issued %llu\n",
				         (unsigned long long)issued);
				ent =
				    entry("quorum/v1/station/checkins", txt, strlen(txt), &el_len);
				cr_assert_eq(log_append(lg, ent, el_len, &idx), Q_OK);
				free(ent);
			}
		}
		for (size_t k = 0; fx_station_named != NULL && fx_station_named[k] != NULL; k++) {
			char nc[65], nv[65], nx[16];
			fx_named_split(fx_station_named[k], nc, nv, nx);
			snprintf(txt, sizeof txt, "contest %s\nvoter %s\nvote %s\n", nc, nv, nx);
			ent = entry("quorum/v1/station/named-vote", txt, strlen(txt), &el_len);
			cr_assert_eq(log_append(lg, ent, el_len, &idx), Q_OK);
			free(ent);
		}
		snprintf(txt, sizeof txt, "issued %llu\ncast %zu\nchallenged %zu\n",
		         (unsigned long long)issued, n, nch);
		ent = entry("quorum/v1/station/poll-closed", txt, strlen(txt), &el_len);
		cr_assert_eq(log_append(lg, ent, el_len, &idx), Q_OK);
		free(ent);
		close_index = idx;
		if (fx_station_after_close) {
			snprintf(txt, sizeof txt, "issued %llu\n", (unsigned long long)issued);
			ent = entry("quorum/v1/station/checkins", txt, strlen(txt), &el_len);
			cr_assert_eq(log_append(lg, ent, el_len, &idx), Q_OK);
			free(ent);
		}
	}
	char *note = NULL;
	size_t nlen;
	cr_assert_eq(log_checkpoint_sign(lg, &note, &nlen), Q_OK);
	cr_assert_eq(log_root(lg, log_size(lg), r), Q_OK);
	cr_assert_eq(note_verifier_format(log_vkey(lg), vkey, sizeof vkey), Q_OK);
	uint64_t size = log_size(lg);
	log_close(lg);

	/* the signing key (the daemon's log key), then removed from the copy */
	snprintf(kpath, sizeof kpath, "%s/key", dir);
	size_t kl;
	char *ktxt = test_read_file(kpath, &kl);
	cr_assert_eq(note_signer_parse(&ns, ktxt, kl), Q_OK);
	wipe(ktxt, kl);
	free(ktxt);
	unlink(kpath);

	cr_assert_eq(rec_ballot_style(el, &st, msg, sizeof msg), Q_OK);
	cr_assert_eq(rec_load_joint_key(el, &K, NULL, msg, sizeof msg), Q_OK);
	cr_assert_eq(point_encode(kb, K), Q_OK);
	hex_encode(kh, kb, sizeof kb);
	hex_encode(root, r, 32);
	hex_encode(bh, el->base_hash, 32);
	hex_encode(mh, el->manifest->hash, 32);
	json_t *ballots = json_array();
	for (size_t i = 0; i < n; i++) {
		uint8_t code[BALLOT_CODE_LEN];
		char tc[65];
		char *b64 = malloc(b64_encoded_len(len[i]) + 1);
		ballot_tracking_code(code, st, enc[i], len[i]);
		hex_encode(tc, code, sizeof code);
		b64_encode(b64, enc[i], len[i]);
		json_array_append_new(ballots,
		                      json_pack("{s:s, s:s}", "tracking_code", tc, "ballot", b64));
		free(b64);
	}
	json_t *chs = json_array();
	for (size_t i = 0; i < nch; i++) {
		uint8_t code[BALLOT_CODE_LEN];
		char hx[65];
		char *b64 = malloc(b64_encoded_len(ch[i].len) + 1);
		char *o64 = malloc(b64_encoded_len(ch[i].oplen) + 1);
		ballot_tracking_code(code, st, ch[i].enc, ch[i].len);
		hex_encode(hx, code, sizeof code);
		b64_encode(b64, ch[i].enc, ch[i].len);
		b64_encode(o64, ch[i].op, ch[i].oplen);
		json_array_append_new(chs, json_pack("{s:s, s:s, s:s}", "tracking_code", hx,
		                                     "ballot", b64, "opening", o64));
		free(b64);
		free(o64);
	}
	/* P-7.1: both lists in ascending tracking-code order (descending when
	 * playing a station that does not sort) */
	sort_by_code(ballots, fx_station_unsorted & 1);
	sort_by_code(chs, fx_station_unsorted & 2);
	for (size_t i = 0; i < json_array_size(ballots) && i < 32; i++) {
		/* B-4: those entries' tracking codes with their last hex digit changed */
		json_t *b = json_array_get(ballots, i);
		char tc[2 * BALLOT_CODE_LEN + 1];
		if (!(fx_station_bad_codes >> i & 1u))
			continue;
		snprintf(tc, sizeof tc, "%s",
		         json_string_value(json_object_get(b, "tracking_code")));
		tc[2 * BALLOT_CODE_LEN - 1] = tc[2 * BALLOT_CODE_LEN - 1] == '0' ? '1' : '0';
		cr_assert_eq(json_object_set_new(b, "tracking_code", json_string(tc)), 0);
	}
	json_t *rec = json_pack(
	    "{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:I, s:I, s:I, s:I},"
	    " s:o, s:o, s:{s:s, s:s, s:I, s:s, s:s, s:I}}",
	    "format", fx_station_format != NULL ? fx_station_format : TALLY_STATION_RECORD_FORMAT,
	    "election", el->manifest->id, "station", sid, "manifest_sha256", mh, "base_hash", bh,
	    "joint_key", kh, "counts", "registered",
	    (json_int_t)(fx_station_registered ? fx_station_registered : 10), "issued",
	    (json_int_t)issued, "cast", (json_int_t)n, "challenged", (json_int_t)nch, "ballots",
	    ballots, "challenged", chs, "log", "origin", origin, "vkey", vkey, "size",
	    (json_int_t)size, "root", root, "checkpoint", note, "close_index",
	    (json_int_t)close_index);
	cr_assert_not_null(rec);
	json_object_set_new(rec, "checked_in",
	                    fx_station_checked_in != NULL ? json_incref(fx_station_checked_in)
	                                                  : fx_checked_in(sid, issued));
	json_object_set_new(rec, "proxies",
	                    fx_station_proxies != NULL ? json_incref(fx_station_proxies)
	                                               : json_array()); /* P-7.6 */
	char *txt = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	size_t tl = strlen(txt);
	uint8_t *m = malloc(SREC_SIG_MSG_LEN), sig[SIG_LEN];
	srec_sig_message(m, txt, tl); /* P-7.2 */
	cr_assert_eq(sig_sign(sig, &ns.sk, m, SREC_SIG_MSG_LEN), Q_OK);
	note_signer_wipe(&ns);
	char sigb[100];
	b64_encode(sigb, sig, SIG_LEN);
	sigb[strlen(sigb) + 1] = '\0';
	sigb[strlen(sigb)] = '\n';
	snprintf(dir, sizeof dir, "%s/stations/%s/station-record.json", el->dir, sid);
	cr_assert_eq(test_write_file(dir, txt, tl), 0);
	snprintf(dir, sizeof dir, "%s/stations/%s/station-record.json.sig", el->dir, sid);
	cr_assert_eq(test_write_file(dir, sigb, strlen(sigb)), 0);
	free(m);
	free(txt);
	free(note);
	json_decref(rec);
	point_free(K);
	ballot_style_free(st);
}

/* ---- large stations written as they are made (bench/bench_verify) ---- */

typedef struct fx_code_ix {
	uint8_t code[BALLOT_CODE_LEN];
	uint64_t index; /* the ballot-cast entry's index in the log */
} fx_code_ix;

struct fx_stream_station {
	const rec_election *el;
	char sid[64], dir[1024], origin[160];
	audit_log *lg;
	ballot_style *st;
	uint64_t n, added;
	fx_code_ix *ix;
};

fx_stream_station *fx_stream_open(const rec_election *el, const char *sid, uint64_t n)
{
	fx_stream_station *s = calloc(1, sizeof *s);
	char msg[512] = "", rt[200], txt[300], mhx[65];
	uint8_t *e0, *e1;
	size_t l0, l1;
	uint64_t first;
	cr_assert_not_null(s);
	cr_assert_gt(n, 0, "a station of no ballots");
	s->el = el;
	s->n = n;
	snprintf(s->sid, sizeof s->sid, "%s", sid);
	s->ix = calloc(n, sizeof *s->ix);
	cr_assert_not_null(s->ix);
	cr_assert_eq(rec_ballot_style(el, &s->st, msg, sizeof msg), Q_OK, "%s", msg);
	snprintf(s->dir, sizeof s->dir, "%s/stations/%s/log", el->dir, sid);
	cr_assert_eq(rec_mkdirs(s->dir), Q_OK);
	cr_assert_eq(srec_origin(s->origin, sizeof s->origin, el->manifest->id, sid), Q_OK);
	cr_assert_eq(log_create(s->dir, s->origin, &s->lg, msg, sizeof msg), Q_OK, "%s", msg);
	/* P-6: roll-imported, poll-opened (the station registers its n voters) */
	fx_roll_text(el, NULL, rt, sizeof rt);
	hex_encode(mhx, el->manifest->hash, 32);
	snprintf(txt, sizeof txt, "station %s\nmanifest %s\nregistered %llu\n", sid, mhx,
	         (unsigned long long)n);
	e0 = entry("quorum/v1/station/roll-imported", rt, strlen(rt), &l0);
	e1 = entry("quorum/v1/station/poll-opened", txt, strlen(txt), &l1);
	log_entry es[2] = {{e0, l0}, {e1, l1}};
	cr_assert_eq(log_append_batch(s->lg, es, 2, &first), Q_OK, "%s", log_error(s->lg));
	free(e0);
	free(e1);
	return s;
}

void fx_stream_add(fx_stream_station *s, uint8_t *const *enc, const size_t *len, size_t k)
{
	char txt[64];
	uint64_t first;
	size_t ne = 0;
	cr_assert_leq(s->added + k, s->n, "station %s: more than its %llu ballots", s->sid,
	              (unsigned long long)s->n);
	log_entry *es = calloc(k + 1, sizeof *es);
	uint8_t **bufs = calloc(k + 1, sizeof *bufs);
	size_t *pos = calloc(k + 1, sizeof *pos);
	cr_assert(es != NULL && bufs != NULL && pos != NULL);
	for (size_t i = 0; i < k; i++) {
		size_t l;
		bufs[ne] = entry(TALLY_ENTRY_CAST, enc[i], len[i], &l);
		es[ne].data = bufs[ne];
		es[ne].len = l;
		pos[i] = ne++;
		ballot_tracking_code(s->ix[s->added + i].code, s->st, enc[i], len[i]);
		if (s->added == 0 && i == 0) {
			/* the check-ins ride in the first ballot's group commit (P-6.4) */
			snprintf(txt, sizeof txt, "issued %llu\n", (unsigned long long)s->n);
			bufs[ne] = entry("quorum/v1/station/checkins", txt, strlen(txt), &l);
			es[ne].data = bufs[ne];
			es[ne].len = l;
			ne++;
		}
	}
	/* one batch: one fdatasync for k ballots */
	cr_assert_eq(log_append_batch(s->lg, es, ne, &first), Q_OK, "%s", log_error(s->lg));
	for (size_t i = 0; i < k; i++)
		s->ix[s->added + i].index = first + pos[i];
	s->added += k;
	for (size_t i = 0; i < ne; i++)
		free(bufs[i]);
	free(bufs);
	free(es);
	free(pos);
}

static int cmp_code_ix(const void *a, const void *b)
{
	return memcmp(((const fx_code_ix *)a)->code, ((const fx_code_ix *)b)->code,
	              BALLOT_CODE_LEN);
}

/* Write len bytes to f and into the record's hash. */
static void fx_emit(FILE *f, sha256_ctx *h, const void *p, size_t len)
{
	cr_assert_eq(fwrite(p, 1, len, f), len, "write the station record");
	sha256_update(h, p, len);
}

void fx_stream_close(fx_stream_station *s)
{
	const rec_election *el = s->el;
	char txt[300], msg[512] = "", vkey[NOTE_VKEY_MAX], kpath[1200], path[1200];
	char root[65], bh[65], mh[65], kh[2 * POINT_LEN + 1];
	uint8_t kb[POINT_LEN], *ent, *buf = NULL, hash[SHA256_LEN];
	size_t el_len, tag = strlen(TALLY_ENTRY_CAST) + 1;
	uint64_t close_index;
	merkle_hash r;
	note_signer ns;
	point *K = NULL;
	cr_assert_eq(s->added, s->n, "station %s: %llu of its %llu ballots", s->sid,
	             (unsigned long long)s->added, (unsigned long long)s->n);
	snprintf(txt, sizeof txt, "issued %llu\ncast %llu\nchallenged 0\n",
	         (unsigned long long)s->n, (unsigned long long)s->n);
	ent = entry("quorum/v1/station/poll-closed", txt, strlen(txt), &el_len);
	cr_assert_eq(log_append(s->lg, ent, el_len, &close_index), Q_OK);
	free(ent);
	char *note = NULL;
	size_t nlen;
	cr_assert_eq(log_checkpoint_sign(s->lg, &note, &nlen), Q_OK);
	cr_assert_eq(log_root(s->lg, log_size(s->lg), r), Q_OK);
	cr_assert_eq(note_verifier_format(log_vkey(s->lg), vkey, sizeof vkey), Q_OK);
	uint64_t size = log_size(s->lg);

	/* the signing key (the station's log key), then removed from the copy */
	snprintf(kpath, sizeof kpath, "%s/key", s->dir);
	size_t kl;
	char *ktxt = test_read_file(kpath, &kl);
	cr_assert_not_null(ktxt);
	cr_assert_eq(note_signer_parse(&ns, ktxt, kl), Q_OK);
	wipe(ktxt, kl);
	free(ktxt);
	unlink(kpath);

	/* everything but the ballots, as fx_station_ex writes it */
	cr_assert_eq(rec_load_joint_key(el, &K, NULL, msg, sizeof msg), Q_OK, "%s", msg);
	cr_assert_eq(point_encode(kb, K), Q_OK);
	hex_encode(kh, kb, sizeof kb);
	hex_encode(root, r, 32);
	hex_encode(bh, el->base_hash, 32);
	hex_encode(mh, el->manifest->hash, 32);
	json_t *rec =
	    json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:{s:I, s:I, s:I, s:I},"
	              " s:[], s:[], s:{s:s, s:s, s:I, s:s, s:s, s:I}}",
	              "format", TALLY_STATION_RECORD_FORMAT, "election", el->manifest->id,
	              "station", s->sid, "manifest_sha256", mh, "base_hash", bh, "joint_key", kh,
	              "counts", "registered", (json_int_t)s->n, "issued", (json_int_t)s->n, "cast",
	              (json_int_t)s->n, "challenged", (json_int_t)0, "ballots", "challenged", "log",
	              "origin", s->origin, "vkey", vkey, "size", (json_int_t)size, "root", root,
	              "checkpoint", note, "close_index", (json_int_t)close_index);
	cr_assert_not_null(rec);
	json_object_set_new(rec, "checked_in", fx_checked_in(s->sid, s->n));
	json_object_set_new(rec, "proxies", json_array()); /* P-7.6 */
	char *head = json_dumps(rec, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENSURE_ASCII);
	static const char empty[] = "{\"ballots\":[],";
	cr_assert_not_null(head);
	cr_assert_eq(strncmp(head, empty, sizeof empty - 1), 0, "the record starts %.20s", head);

	/* P-7.1: the ballots in ascending tracking-code order, read back from
	 * the log, the file's SHA-256 taken as it is written (P-7.2) */
	qsort(s->ix, s->n, sizeof *s->ix, cmp_code_ix);
	snprintf(path, sizeof path, "%s/stations/%s/station-record.json", el->dir, s->sid);
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	sha256_ctx *h = sha256_new();
	cr_assert_not_null(h);
	buf = malloc(MERKLE_MAX_ENTRY);
	char *b64 = malloc(b64_encoded_len(MERKLE_MAX_ENTRY) + 1);
	cr_assert(buf != NULL && b64 != NULL);
	fx_emit(f, h, "{\"ballots\":[", 12);
	for (uint64_t i = 0; i < s->n; i++) {
		size_t l;
		char tc[2 * BALLOT_CODE_LEN + 1];
		cr_assert_eq(log_read_entry(s->lg, s->ix[i].index, buf, &l), Q_OK);
		cr_assert(l > tag && memcmp(buf, TALLY_ENTRY_CAST "\n", tag) == 0);
		b64_encode(b64, buf + tag, l - tag);
		hex_encode(tc, s->ix[i].code, BALLOT_CODE_LEN);
		fx_emit(f, h, i > 0 ? ",{\"ballot\":\"" : "{\"ballot\":\"", i > 0 ? 12 : 11);
		fx_emit(f, h, b64, strlen(b64));
		fx_emit(f, h, "\",\"tracking_code\":\"", 19);
		fx_emit(f, h, tc, strlen(tc));
		fx_emit(f, h, "\"}", 2);
	}
	fx_emit(f, h, "]", 1);
	fx_emit(f, h, head + sizeof empty - 2, strlen(head + sizeof empty - 2)); /* from the , */
	cr_assert_eq(fclose(f), 0);
	sha256_final(h, hash);
	sha256_free(h);

	uint8_t m[SREC_SIG_MSG_LEN], sig[SIG_LEN];
	memcpy(m, SREC_SIG_TAG, SREC_SIG_TAG_LEN); /* P-7.2 */
	memcpy(m + SREC_SIG_TAG_LEN, hash, SHA256_LEN);
	cr_assert_eq(sig_sign(sig, &ns.sk, m, SREC_SIG_MSG_LEN), Q_OK);
	note_signer_wipe(&ns);
	char sigb[100];
	b64_encode(sigb, sig, SIG_LEN);
	sigb[strlen(sigb) + 1] = '\0';
	sigb[strlen(sigb)] = '\n';
	snprintf(path, sizeof path, "%s/stations/%s/station-record.json.sig", el->dir, s->sid);
	cr_assert_eq(test_write_file(path, sigb, strlen(sigb)), 0);

	log_close(s->lg);
	free(buf);
	free(b64);
	free(head);
	free(note);
	json_decref(rec);
	point_free(K);
	ballot_style_free(s->st);
	free(s->ix);
	free(s);
}

size_t fx_noptions(const rec_election *el)
{
	ballot_style *st = NULL;
	char msg[512] = "";
	cr_assert_eq(rec_ballot_style(el, &st, msg, sizeof msg), Q_OK, "%s", msg);
	size_t n = st->total_options;
	ballot_style_free(st);
	return n;
}

void fx_forged_station_marks(const rec_election *el, const char *sid, const uint8_t *marks,
                             size_t n, uint64_t issued)
{
	uint8_t **enc = calloc(n + 1, sizeof *enc);
	size_t *len = calloc(n + 1, sizeof *len);
	size_t per = fx_noptions(el);
	for (size_t i = 0; i < n; i++)
		fx_encrypt(el, marks + i * per, &enc[i], &len[i]);
	fx_station(el, sid, enc, len, n, issued);
	for (size_t i = 0; i < n; i++)
		free(enc[i]);
	free(enc);
	free(len);
}

void fx_challenge_make(const rec_election *el, const uint8_t *marks, fx_challenge *c)
{
	ballot_style *st = NULL;
	point *K = NULL;
	ballot *b = NULL;
	ballot_opening *op = NULL;
	char msg[256];
	cr_assert_eq(rec_ballot_style(el, &st, msg, sizeof msg), Q_OK);
	cr_assert_eq(rec_load_joint_key(el, &K, NULL, msg, sizeof msg), Q_OK);
	point_table *Kt = point_table_new(K);
	cr_assert_eq(ballot_encrypt(st, Kt, marks, st->total_options, &b, &op), Q_OK);
	cr_assert_eq(ballot_encode(b, &c->enc, &c->len), Q_OK);
	cr_assert_eq(ballot_opening_encode(op, &c->op, &c->oplen), Q_OK);
	ballot_free(b);
	ballot_opening_free(op);
	point_table_free(Kt);
	point_free(K);
	ballot_style_free(st);
}

/* The selection at style place s (contests in order). */
static ballot_selection *fx_sel(ballot *b, size_t s)
{
	for (size_t k = 0; k < b->ncontests; k++) {
		if (s < b->contests[k].nsel)
			return &b->contests[k].sel[s];
		s -= b->contests[k].nsel;
	}
	cr_assert_fail("place %zu is not in the ballot", s);
	return NULL;
}

void fx_encrypt_replaying(const rec_election *el, const uint8_t *marks, size_t to,
                          const uint8_t *src, size_t srclen, const uint8_t *srcop, size_t srcoplen,
                          size_t from, uint8_t **enc, size_t *len)
{
	ballot_style *st = NULL;
	point *K = NULL;
	ballot *b = NULL, *sb = NULL;
	ballot_opening *op = NULL, *sop = NULL;
	char msg[256];
	cr_assert_eq(rec_ballot_style(el, &st, msg, sizeof msg), Q_OK);
	cr_assert_eq(rec_load_joint_key(el, &K, NULL, msg, sizeof msg), Q_OK);
	point_table *Kt = point_table_new(K);
	cr_assert_eq(ballot_decode(st, src, srclen, &sb), Q_OK);
	cr_assert_eq(ballot_opening_decode(st, srcop, srcoplen, &sop), Q_OK);
	cr_assert_eq(ballot_encrypt(st, Kt, marks, st->total_options, &b, &op), Q_OK);
	cr_assert_eq(op->marks[to], sop->marks[from], "marks[%zu] must be the source's mark", to);
	cr_assert_eq(elgamal_ct_copy(fx_sel(b, to)->ct, fx_sel(sb, from)->ct), Q_OK);
	cr_assert_eq(scalar_copy(op->nonce[to], sop->nonce[from]), Q_OK);
	cr_assert_eq(ballot_prove(st, Kt, b, op), Q_OK);
	cr_assert_eq(ballot_encode(b, enc, len), Q_OK);
	ballot_free(b);
	ballot_free(sb);
	ballot_opening_free(op);
	ballot_opening_free(sop);
	point_table_free(Kt);
	point_free(K);
	ballot_style_free(st);
}

/* ---- stations run by the real daemon ---- */

/* The eligible voters of each station in the example roll (s1 serves g1
 * and g2, s2 g3 and g4; V0010 is deprived, V0009 a minor). */
static const char *const fx_voters_s1[] = {"V0001", "V0002", "V0003", "V0004"};
static const char *const fx_voters_s2[] = {"V0005", "V0006", "V0007", "V0008"};

static json_t *fx_req(const tdaemon *d, const char *role, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static json_t *fx_req(const tdaemon *d, const char *role, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	json_t *r = td_req(d, role, buf);
	cr_assert_null(td_err(r), "%s: refused (%s): %s", buf, td_err(r),
	               json_string_value(json_object_get(json_object_get(r, "error"), "message")));
	return r;
}

/* marks (the style's total_options bytes) as the booth's nested array,
 * one inner array per contest of el's ballot style (a run-off's too) */
static void fx_marks_json(const rec_election *el, const uint8_t *m, char *out, size_t cap)
{
	ballot_style *st = NULL;
	char msg[512] = "";
	size_t off = 0, k = 0;
	cr_assert_eq(rec_ballot_style(el, &st, msg, sizeof msg), Q_OK, "%s", msg);
	off += (size_t)snprintf(out + off, cap - off, "[");
	for (size_t c = 0; c < st->ncontests; c++) {
		off += (size_t)snprintf(out + off, cap - off, "%s[", c > 0 ? "," : "");
		for (uint32_t o = 0; o < st->contests[c].noptions; o++)
			off += (size_t)snprintf(out + off, cap - off, "%s%u", o > 0 ? "," : "",
			                        m[k++]);
		off += (size_t)snprintf(out + off, cap - off, "]");
		cr_assert_lt(off, cap);
	}
	snprintf(out + off, cap - off, "]");
	ballot_style_free(st);
}

/* Copy the regular files of src into dst (made), recursively. */
static void fx_copy_tree(const char *src, const char *dst)
{
	DIR *dp = opendir(src);
	struct dirent *de;
	cr_assert_not_null(dp, "opendir %s", src);
	cr_assert_eq(rec_mkdirs(dst), Q_OK, "mkdir %s", dst);
	while ((de = readdir(dp)) != NULL) {
		char s[1400], t[1400];
		struct stat sb;
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(s, sizeof s, "%s/%s", src, de->d_name);
		snprintf(t, sizeof t, "%s/%s", dst, de->d_name);
		cr_assert_eq(lstat(s, &sb), 0);
		if (S_ISDIR(sb.st_mode)) {
			fx_copy_tree(s, t);
		} else if (S_ISREG(sb.st_mode)) {
			size_t l;
			char *b = test_read_file(s, &l);
			cr_assert_not_null(b, "read %s", s);
			cr_assert_eq(test_write_file(t, b, l), 0, "write %s", t);
			free(b);
		}
	}
	closedir(dp);
}

void fx_station_daemon(const rec_election *el, const char *sid, const uint8_t *marks, size_t n,
                       uint64_t issued, const uint8_t *chmarks, size_t nch)
{
	const char *const *voters = strcmp(sid, "s1") == 0 ? fx_voters_s1 : fx_voters_s2;
	char from[1400], to[1400], mj[256];
	char **tok = calloc(issued + 1, sizeof *tok);
	tdaemon d;
	json_t *r;
	cr_assert(strcmp(sid, "s1") == 0 || strcmp(sid, "s2") == 0, "no station %s", sid);
	cr_assert(issued <= 4 && n <= issued, "station %s: %zu cast of %llu issued (<= 4)", sid, n,
	          (unsigned long long)issued);
	cr_assert(nch == 0 || n > 0, "a challenge needs a voter who then casts");
	cr_assert_not_null(tok);
	size_t per = fx_noptions(el);

	memset(&d, 0, sizeof d);
	snprintf(d.dir, sizeof d.dir, "%s/../daemon-%s", el->dir, sid);
	snprintf(d.el, sizeof d.el, "%s", el->dir);
	snprintf(d.state, sizeof d.state, "%s/state", d.dir);
	snprintf(d.roll, sizeof d.roll, "%s/roll.csv", d.dir);
	snprintf(d.log, sizeof d.log, "%s/daemon.log", d.dir);
	test_rmtree(d.dir);
	cr_assert_eq(rec_mkdirs(d.dir), Q_OK);
	cr_assert_eq(test_write_file(d.roll, roll_csv, strlen(roll_csv)), 0);

	td_station = sid;
	int status = 0;
	int rc = td_start(&d, FX_STATION_PASS, &status);
	td_station = NULL;
	if (rc != 0) {
		size_t ll = 0;
		char *lg = test_read_file(d.log, &ll);
		cr_assert_fail("quorum-ballotd for %s exited (%d): %s", sid, status,
		               lg != NULL ? lg : "");
	}
	json_decref(fx_req(&d, "admin", "{\"op\":\"import-roll\",\"path\":\"%s\"}", d.roll));
	json_decref(fx_req(&d, "admin", "{\"op\":\"open\"}"));
	for (uint64_t i = 0; i < issued; i++) {
		r = fx_req(&d, "operator", "{\"op\":\"checkin\",\"voter\":\"%s\"}", voters[i]);
		tok[i] = strdup(json_string_value(json_object_get(r, "token")));
		json_decref(r);
	}
	/* the first voter challenges nch ballots before casting (B-6) */
	for (size_t c = 0; c < nch; c++) {
		fx_marks_json(el, chmarks + c * per, mj, sizeof mj);
		r = fx_req(&d, "booth", "{\"op\":\"encrypt\",\"token\":\"%s\",\"marks\":%s}",
		           tok[0], mj);
		char *code = strdup(json_string_value(json_object_get(r, "tracking_code")));
		json_decref(r);
		json_decref(fx_req(
		    &d, "booth", "{\"op\":\"challenge\",\"token\":\"%s\",\"tracking_code\":\"%s\"}",
		    tok[0], code));
		free(code);
	}
	for (size_t i = 0; i < n; i++) {
		fx_marks_json(el, marks + i * per, mj, sizeof mj);
		if (fx_station_write_ins != NULL && fx_station_write_ins[i] != NULL)
			json_decref(fx_req(&d, "booth",
			                   "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":%s,"
			                   "\"write_ins\":%s}",
			                   tok[i], mj, fx_station_write_ins[i]));
		else
			json_decref(fx_req(&d, "booth",
			                   "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":%s}",
			                   tok[i], mj));
	}
	for (size_t k = 0; fx_station_named != NULL && fx_station_named[k] != NULL; k++) {
		char nc[65], nv[65], nx[16];
		fx_named_split(fx_station_named[k], nc, nv, nx);
		json_decref(fx_req(&d, "operator",
		                   "{\"op\":\"named-vote\",\"contest\":\"%s\",\"voter\":\"%s\","
		                   "\"vote\":\"%s\"}",
		                   nc, nv, nx));
	}
	json_decref(fx_req(&d, "admin", "{\"op\":\"close\"}"));
	cr_assert_eq(td_stop(&d), 0, "quorum-ballotd for %s did not stop cleanly", sid);

	/* into the election record as the returning officer's guide says: the
	 * signed record and the log without its signing key */
	const char *files[] = {"station-record.json", "station-record.json.sig"};
	for (int i = 0; i < 2; i++) {
		size_t l;
		snprintf(from, sizeof from, "%s/%s", d.state, files[i]);
		snprintf(to, sizeof to, "%s/stations/%s/%s", el->dir, sid, files[i]);
		char *b = test_read_file(from, &l);
		cr_assert_not_null(b, "the daemon wrote no %s", from);
		{
			char dir[1400];
			snprintf(dir, sizeof dir, "%s/stations/%s", el->dir, sid);
			cr_assert_eq(rec_mkdirs(dir), Q_OK);
		}
		cr_assert_eq(test_write_file(to, b, l), 0);
		free(b);
	}
	const char *logparts[] = {"entries", "leaves", "vkey", "checkpoints"};
	for (int i = 0; i < 4; i++) {
		struct stat sb;
		snprintf(from, sizeof from, "%s/log/%s", d.state, logparts[i]);
		snprintf(to, sizeof to, "%s/stations/%s/log/%s", el->dir, sid, logparts[i]);
		cr_assert_eq(stat(from, &sb), 0, "the daemon's log has no %s", logparts[i]);
		if (S_ISDIR(sb.st_mode)) {
			fx_copy_tree(from, to);
		} else {
			size_t l;
			char dir[1400];
			snprintf(dir, sizeof dir, "%s/stations/%s/log", el->dir, sid);
			cr_assert_eq(rec_mkdirs(dir), Q_OK);
			char *b = test_read_file(from, &l);
			cr_assert_not_null(b);
			cr_assert_eq(test_write_file(to, b, l), 0);
			free(b);
		}
	}
	if (fx_station_key_out != NULL) {
		/* the station's key, unsealed (P-4.5), for a test that plays
		 * this station turning dishonest after the poll */
		secbuf *sb = NULL;
		const char *why = NULL;
		snprintf(from, sizeof from, "%s/signing-key.sealed", d.state);
		cr_assert_eq(
		    seal_file_read(&sb, from, FX_STATION_PASS, strlen(FX_STATION_PASS), &why), Q_OK,
		    "%s: %s", from, why ? why : "");
		cr_assert_eq(test_write_file(fx_station_key_out, sb->data, sb->len), 0);
		chmod(fx_station_key_out, 0600);
		secbuf_free(sb);
	}
	test_rmtree(d.dir);
	for (uint64_t i = 0; i < issued; i++)
		free(tok[i]);
	free(tok);
}

void fx_station_marks(const rec_election *el, const char *sid, const uint8_t *marks, size_t n,
                      uint64_t issued)
{
	fx_station_daemon(el, sid, marks, n, issued, NULL, 0);
}

void fx_named_stations(const rec_election *el)
{
	static const char *const s1[] = {"hall V0001 yes", "hall V0002 yes", "hall V0003 no", NULL};
	static const char *const s2[] = {"hall V0006 yes", "hall V0005 abstain", NULL};
	fx_station_named = s1;
	fx_station_marks(el, "s1", fx_named_marks, 4, 4);
	fx_station_named = s2;
	fx_station_marks(el, "s2", fx_named_marks + 4 * FX_NOPT, 3, 3);
	fx_station_named = NULL;
}
