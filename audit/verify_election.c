/*
 * verify_election.c -- the election verifier's driver, report and
 * checks 1 (parameters) and 2 (trustees).  docs/spec/verify.md V-2..V-4.
 */
#include "verify_election.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/log.h"
#include "crypto/sha256.h"
#include "crypto/threshold.h"
#include "crypto/transcript.h"
#include "crypto/util.h"
#include "election/i18n.h"
#include "election/rules_record.h"
#include "verify_internal.h"

#include "banned.h"

static const struct {
	const char *name, *title;
} registry[VE_NCHECKS] = {
    {"parameters", N_("parameters and the election base hash recomputed from the manifest")},
    {"trustees", N_("trustee commitments and Schnorr proofs; joint key; verification keys")},
    {"logs", N_("station record signatures; every log verifies; checkpoints consistent; "
                "the election's roll")},
    {"ballots", N_("ballots well-formed, proofs, tracking codes, in their log, no duplicate")},
    {"reconcile", N_("per station, cast <= issued from the logged counts; checked-in roll "
                     "ids agree with issued, none twice")},
    {"aggregate", N_("the aggregate is the sum of exactly the counted ballots")},
    {"decryption", N_("partial decryption proofs, their combination, the decoded counts")},
    {"challenged", N_("challenged ballots re-encrypt to what was published; not counted")},
    {"decision", N_("the rule engine's outcome recomputed from the verified counts")},
    {"crosscheck", N_("libgcrypt re-check of sampled ballots, the aggregate and decryption")},
};

const char *ve_check_name(int id)
{
	return id >= 1 && id <= VE_NCHECKS ? registry[id - 1].name : NULL;
}

const char *ve_check_title(int id)
{
	return id >= 1 && id <= VE_NCHECKS ? registry[id - 1].title : NULL;
}

void ve_ok(ve_ctx *c, int id)
{
	c->r->checks[id - 1].checked++;
}

void ve_fail(ve_ctx *c, int id, const char *fmt, ...)
{
	ve_check *k = &c->r->checks[id - 1];
	va_list ap;
	k->checked++;
	k->failed++;
	if (k->ndetails < VE_MAX_DETAILS) {
		va_start(ap, fmt);
		vsnprintf(k->detail[k->ndetails], VE_DETAIL_LEN, fmt, ap);
		va_end(ap);
		k->ndetails++;
	}
}

int ve_report_passed(const ve_report *r)
{
	return ve_report_first_failure(r) == 0;
}

int ve_report_first_failure(const ve_report *r)
{
	for (int i = 0; i < VE_NCHECKS; i++)
		if (r->checks[i].failed > 0)
			return i + 1;
	return 0;
}

void ve_report_print(FILE *f, const ve_report *r)
{
	for (int i = 0; i < VE_NCHECKS; i++) {
		const ve_check *k = &r->checks[i];
		fprintf(f, _("[%s] %2d %-10s %llu checked, %llu failed  (%s)\n"),
		        k->failed ? "FAIL" : "PASS", k->id, k->name, (unsigned long long)k->checked,
		        (unsigned long long)k->failed, _(k->title));
		if (k->skipped > 0)
			fprintf(f, _("       (%llu not checked: %s)\n"),
			        (unsigned long long)k->skipped,
			        k->skip_reason ? k->skip_reason : "");
		for (size_t d = 0; d < k->ndetails; d++)
			fprintf(f, "       - %s\n", k->detail[d]);
		if (k->failed > k->ndetails)
			fprintf(f, _("       - ... and %llu more\n"),
			        (unsigned long long)(k->failed - k->ndetails));
	}
	fprintf(f, _("%s: %llu stations, %llu ballots, %llu trustees\n"),
	        ve_report_passed(r) ? _("VERIFIED") : _("NOT VERIFIED"),
	        (unsigned long long)r->stations, (unsigned long long)r->ballots,
	        (unsigned long long)r->trustees);
}

json_t *ve_report_json(const ve_report *r, const char *dir)
{
	json_t *arr = json_array(), *out = NULL;
	if (arr == NULL)
		return NULL;
	for (int i = 0; i < VE_NCHECKS; i++) {
		const ve_check *k = &r->checks[i];
		json_t *det = json_array();
		for (size_t d = 0; det != NULL && d < k->ndetails; d++)
			json_array_append_new(det, json_string(k->detail[d]));
		json_t *o =
		    json_pack("{s:i, s:s, s:s, s:s, s:I, s:I, s:I, s:o*}", "id", k->id, "name",
		              k->name, "title", k->title, "status", k->failed ? "FAIL" : "PASS",
		              "checked", (json_int_t)k->checked, "failed", (json_int_t)k->failed,
		              "skipped", (json_int_t)k->skipped, "details", det);
		if (o == NULL || json_array_append_new(arr, o) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	int first = ve_report_first_failure(r);
	out = json_pack("{s:s, s:s, s:b, s:o, s:I, s:I, s:I, s:o}", "format", VE_REPORT_FORMAT,
	                "record", dir, "passed", first == 0, "first_failure",
	                first ? json_integer(first) : json_null(), "stations",
	                (json_int_t)r->stations, "ballots", (json_int_t)r->ballots, "trustees",
	                (json_int_t)r->trustees, "checks", arr);
	return out;
}

/* ---- file helpers ---- */

qerr ve_path(const ve_ctx *c, char *out, size_t outsz, const char *rel)
{
	int n = snprintf(out, outsz, "%s/%s", c->dir, rel);
	if (n < 0 || (size_t)n >= outsz)
		return Q_ERR_LIMIT;
	return Q_OK;
}

qerr ve_read(const ve_ctx *c, const char *rel, uint8_t **out, size_t *len, char *why, size_t whylen)
{
	char path[VE_PATH_MAX];
	struct stat sb;
	uint8_t *buf = NULL;
	size_t got = 0;
	int fd = -1;
	qerr e = Q_ERR_IO;
	*out = NULL;
	*len = 0;
	if (ve_path(c, path, sizeof path, rel) != Q_OK) {
		snprintf(why, whylen, "%s: path too long", rel);
		return Q_ERR_LIMIT;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		snprintf(why, whylen, "%s: %s", rel, errno == ENOENT ? "missing" : strerror(errno));
		return errno == ENOENT ? Q_ERR_NOTFOUND : Q_ERR_IO;
	}
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		snprintf(why, whylen, "%s: not a regular file", rel);
		e = Q_ERR_FORMAT;
		goto out;
	}
	if ((uint64_t)sb.st_size > VE_MAX_FILE) {
		snprintf(why, whylen, "%s: larger than %u bytes", rel, VE_MAX_FILE);
		e = Q_ERR_LIMIT;
		goto out;
	}
	if ((buf = malloc((size_t)sb.st_size + 1)) == NULL) {
		e = Q_ERR_NOMEM;
		snprintf(why, whylen, "%s: out of memory", rel);
		goto out;
	}
	while (got < (size_t)sb.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)sb.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(why, whylen, "%s: read error", rel);
			e = Q_ERR_IO;
			goto out;
		}
		got += (size_t)n;
	}
	buf[got] = 0;
	*out = buf;
	*len = got;
	buf = NULL;
	e = Q_OK;
out:
	free(buf);
	close(fd);
	return e;
}

qerr ve_read_json(const ve_ctx *c, const char *rel, json_t **out, char *why, size_t whylen)
{
	uint8_t *buf;
	size_t len;
	json_error_t je;
	qerr e = ve_read(c, rel, &buf, &len, why, whylen);
	*out = NULL;
	if (e != Q_OK)
		return e;
	*out = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &je);
	free(buf);
	if (*out == NULL) {
		snprintf(why, whylen, "%s: not valid JSON (line %d: %s)", rel, je.line, je.text);
		return Q_ERR_FORMAT;
	}
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		snprintf(why, whylen, "%s: not a JSON object", rel);
		return Q_ERR_FORMAT;
	}
	return Q_OK;
}

qerr ve_json_hex(const json_t *o, const char *key, uint8_t *out, size_t len)
{
	const json_t *v = json_object_get(o, key);
	if (!json_is_string(v) || json_string_length(v) != 2 * len)
		return Q_ERR_FORMAT;
	return hex_decode(out, len, json_string_value(v), json_string_length(v)) == Q_OK
	           ? Q_OK
	           : Q_ERR_FORMAT;
}

qerr ve_json_u64(const json_t *o, const char *key, uint64_t max, uint64_t *v)
{
	const json_t *x = json_object_get(o, key);
	if (!json_is_integer(x) || json_integer_value(x) < 0 ||
	    (uint64_t)json_integer_value(x) > max)
		return Q_ERR_FORMAT;
	*v = (uint64_t)json_integer_value(x);
	return Q_OK;
}

static int str_is(const json_t *o, const char *key, const char *want)
{
	const json_t *v = json_object_get(o, key);
	return json_is_string(v) && strcmp(json_string_value(v), want) == 0;
}

/* ---- check 1: parameters (V-3) ---- */

/* V-3.3: the ballot style from the manifest: every contest with options
 * and max_sel > 0, in manifest order; an evaluation's options grouped by
 * member, each group 0..1. */
static qerr build_style(ve_ctx *c, char *why, size_t whylen)
{
	size_t nb = 0, k = 0;
	qerr e;
	for (size_t i = 0; i < c->m->ncontests; i++) {
		char *const *ids;
		size_t n;
		unsigned mn, mx;
		manifest_contest_options(&c->m->contests[i], &ids, &n, &mn, &mx);
		if (mx > 0 && n > 0)
			nb++;
	}
	if ((c->style = ballot_style_new(nb, c->base_hash)) == NULL)
		return Q_ERR_NOMEM;
	for (size_t i = 0; i < c->m->ncontests; i++) {
		const elec_contest *mc = &c->m->contests[i];
		char *const *ids;
		size_t n;
		unsigned mn, mx;
		manifest_contest_options(mc, &ids, &n, &mn, &mx);
		if (mx == 0 || n == 0)
			continue;
		if (n > BALLOT_MAX_OPTIONS) {
			snprintf(why, whylen, "contest %s: more than %d options", mc->id,
			         BALLOT_MAX_OPTIONS);
			return Q_ERR_RANGE;
		}
		ballot_contest_style *cs = &c->style->contests[k];
		cs->noptions = (uint32_t)n;
		cs->min_sel = mn;
		cs->max_sel = mx;
		if (mc->type == CONTEST_EVALUATION && mc->nmembers > 0 &&
		    mc->option_group != NULL) {
			uint32_t g[BALLOT_MAX_OPTIONS];
			for (size_t j = 0; j < n; j++)
				g[j] = mc->option_group[j];
			if ((e = ballot_style_set_groups(c->style, k, (uint32_t)mc->nmembers, g)) !=
			    Q_OK) {
				snprintf(why, whylen, "contest %s: bad option groups", mc->id);
				return e;
			}
		}
		k++;
	}
	return ballot_style_check(c->style, why, whylen);
}

void ve_check_parameters(ve_ctx *c)
{
	char why[VE_DETAIL_LEN];
	json_t *p = NULL;
	const json_t *ent = NULL;
	elec_findings f;
	uint64_t k = 0, n = 0, round = 0;
	qerr e;

	elec_findings_init(&f);
	/* V-3.2 the parameters (read first: they list the rule profiles) */
	if ((e = ve_read(c, "parameters.json", &c->pbytes, &c->plen, why, sizeof why)) != Q_OK) {
		ve_fail(c, VE_PARAMETERS, "%s", why);
	} else if ((e = ve_read_json(c, "parameters.json", &p, why, sizeof why)) != Q_OK) {
		ve_fail(c, VE_PARAMETERS, "%s", why);
	} else if (!str_is(p, "format", "quorum-parameters/2") || !str_is(p, "group", "P-256")) {
		ve_fail(c, VE_PARAMETERS,
		        "parameters.json: format is not quorum-parameters/2 or group not P-256");
	} else if (ve_json_u64(p, "trustees", THRESHOLD_MAX_N, &n) != Q_OK || n == 0 ||
	           ve_json_u64(p, "threshold", n, &k) != Q_OK || k == 0 ||
	           ve_json_u64(p, "round", 1000, &round) != Q_OK || round == 0) {
		ve_fail(c, VE_PARAMETERS,
		        "parameters.json: trustees/threshold/round missing or out of range "
		        "(1 <= threshold <= trustees <= %u, round >= 1)",
		        THRESHOLD_MAX_N);
	} else if ((e = rulebook_load_listed(c->dir, json_object_get(p, "rules"), &c->rules, &f)) !=
	           Q_OK) {
		/* RP-5.2: the record's own profiles, each against its listed hash */
		ve_fail(c, VE_PARAMETERS, "%s: %s", f.n && f.v[0].where ? f.v[0].where : "rules",
		        f.n ? f.v[0].message : qerr_str(e));
	} else {
		c->k = (uint32_t)k;
		c->n = (uint32_t)n;
		c->round = (uint32_t)round;
		ve_ok(c, VE_PARAMETERS);
	}
	elec_findings_free(&f);
	/* V-3.1 the manifest, against the record's profiles */
	if ((e = ve_read(c, "manifest.json", &c->mbytes, &c->mlen, why, sizeof why)) != Q_OK) {
		ve_fail(c, VE_PARAMETERS, "%s", why);
	} else if (c->rules == NULL) {
		ve_fail(c, VE_PARAMETERS,
		        "manifest.json: not checked: the record's rule profiles are unusable");
	} else if ((e = manifest_parse_rules(c->mbytes, c->mlen, c->rules, &c->m, &f)) != Q_OK ||
	           (e = rules_params_match(c->m, c->rules, &f)) != Q_OK) {
		const char *w = "";
		for (size_t i = 0; i < f.n; i++)
			if (f.v[i].severity == ELEC_ERROR) {
				w = f.v[i].message;
				break;
			}
		manifest_free(c->m);
		c->m = NULL;
		ve_fail(c, VE_PARAMETERS, "manifest.json: invalid manifest (%s): %s", qerr_str(e),
		        w);
	} else {
		ve_ok(c, VE_PARAMETERS);
	}
	if (c->m == NULL || c->k == 0)
		goto out;
	/* V-3.2: base hash = H(tag; manifest bytes; parameters bytes) */
	transcript t;
	if (transcript_init(&t, VE_TAG_BASE) != Q_OK)
		goto out;
	transcript_bytes(&t, c->mbytes, c->mlen);
	transcript_bytes(&t, c->pbytes, c->plen);
	transcript_digest(&t, c->base_hash);
	memcpy(c->key_ctx, c->base_hash, 32);
	if (c->round > 1 && ve_json_hex(p, "key_ceremony", c->key_ctx, 32) != Q_OK) {
		ve_fail(c, VE_PARAMETERS,
		        "parameters.json: run-off round without key_ceremony hash");
		goto out;
	}
	if ((e = build_style(c, why, sizeof why)) != Q_OK) {
		ve_fail(c, VE_PARAMETERS, "manifest.json: no valid ballot style: %s", why);
		goto out;
	}
	c->params_ok = 1;
	/* V-3.4: the derived daemon file base-hash and the election
	 * log's election-created entry announce the same hashes. */
	{
		uint8_t *bh = NULL, h[32];
		size_t bl;
		if (ve_read(c, "base-hash", &bh, &bl, why, sizeof why) != Q_OK) {
			ve_fail(c, VE_PARAMETERS, "%s", why);
		} else if (bl != 65 || bh[64] != '\n' ||
		           hex_decode(h, 32, (char *)bh, 64) != Q_OK ||
		           memcmp(h, c->base_hash, 32) != 0) {
			ve_fail(c, VE_PARAMETERS,
			        "base-hash: not hex(base hash) \"\\n\" of the base hash recomputed "
			        "from manifest.json and parameters.json (R-1.3)");
		} else {
			ve_ok(c, VE_PARAMETERS);
		}
		free(bh);
	}
	if (c->elog != NULL) { /* else check 3 says why the log is unusable */
		uint8_t h[32];
		ent = json_array_get(c->elog, 0);
		if (!str_is(ent, "type", "election-created")) {
			ve_fail(c, VE_PARAMETERS, "log/: entry 0 is not an election-created entry");
		} else if (ve_json_hex(ent, "base_hash", h, 32) != Q_OK ||
		           memcmp(h, c->base_hash, 32)) {
			ve_fail(
			    c, VE_PARAMETERS,
			    "log/ entry 0: the announced base hash differs from the one recomputed "
			    "from manifest.json and parameters.json");
		} else if (ve_json_hex(ent, "manifest_hash", h, 32) != Q_OK ||
		           memcmp(h, c->m->hash, 32)) {
			ve_fail(c, VE_PARAMETERS,
			        "log/ entry 0: manifest_hash is not SHA-256(manifest.json)");
		} else {
			ve_ok(c, VE_PARAMETERS);
		}
		ent = NULL;
	}
out:
	json_decref(p);
	elec_findings_free(&f);
}

/* ---- check 2: trustees (V-4) ---- */

static void commitment_ctx(uint8_t out[32], const uint8_t key_ctx[32], uint32_t i, uint32_t j)
{
	transcript t;
	if (transcript_init(&t, VE_TAG_COMMITMENT) != Q_OK)
		qfatal("verify: out of memory");
	transcript_bytes(&t, key_ctx, 32);
	transcript_u32(&t, i);
	transcript_u32(&t, j);
	transcript_digest(&t, out);
}

static int hex_point(const json_t *v, uint8_t out[POINT_LEN], point *p)
{
	if (!json_is_string(v) || json_string_length(v) != 2 * POINT_LEN ||
	    hex_decode(out, POINT_LEN, json_string_value(v), json_string_length(v)) != Q_OK)
		return 0;
	return p == NULL || point_decode(p, out, POINT_LEN) == Q_OK;
}

/* trustees/<r>/received.json names S_r and the hash of every share
 * file it opened (trustees/<d>/shares/<r>.sealed). */
static void received(ve_ctx *c)
{
	char rel[96], why[VE_DETAIL_LEN];
	for (uint32_t r = 1; r <= c->n; r++) {
		json_t *rj = NULL;
		uint8_t S[POINT_LEN];
		uint64_t x;
		snprintf(rel, sizeof rel, "trustees/%u/received.json", r);
		if (ve_read_json(c, rel, &rj, why, sizeof why) != Q_OK) {
			ve_fail(c, VE_TRUSTEES, "%s", why);
			continue;
		}
		const json_t *hs = json_object_get(rj, "share_hashes");
		if (!str_is(rj, "format", "quorum-received/1") ||
		    ve_json_u64(rj, "trustee", THRESHOLD_MAX_N, &x) != Q_OK || x != r ||
		    ve_json_hex(rj, "verification_key", S, POINT_LEN) != Q_OK ||
		    memcmp(S, c->Senc[r - 1], POINT_LEN) != 0 || !json_is_array(hs) ||
		    json_array_size(hs) != c->n) {
			ve_fail(
			    c, VE_TRUSTEES,
			    "%s: not a quorum-received/1 file of trustee %u with S_%u as published "
			    "and %u share hashes",
			    rel, r, r, c->n);
			json_decref(rj);
			continue;
		}
		int ok = 1;
		for (uint32_t d = 1; d <= c->n && ok; d++) {
			const json_t *h = json_array_get(hs, d - 1);
			char srel[96];
			uint8_t *sb = NULL, want[32], got[32];
			size_t sl;
			if (d == r) {
				ok = json_is_null(h);
				continue;
			}
			if (c->round > 1)
				continue; /* a run-off copies no share files */
			snprintf(srel, sizeof srel, "trustees/%u/shares/%u.sealed", d, r);
			if (!json_is_string(h) || json_string_length(h) != 64 ||
			    hex_decode(want, 32, json_string_value(h), 64) != Q_OK ||
			    ve_read(c, srel, &sb, &sl, why, sizeof why) != Q_OK) {
				ok = 0;
			} else {
				sha256(got, sb, sl);
				ok = memcmp(got, want, 32) == 0;
			}
			free(sb);
			if (!ok)
				ve_fail(
				    c, VE_TRUSTEES,
				    "%s: the share file %s is missing or not the one trustee %u "
				    "received (share_hashes[%u])",
				    srel, srel, r, d - 1);
		}
		if (ok)
			ve_ok(c, VE_TRUSTEES);
		json_decref(rj);
	}
}

void ve_check_trustees(ve_ctx *c)
{
	char why[VE_DETAIL_LEN], rel[64];
	point ***C = NULL; /* C[d][j] */
	point *tmp = NULL;
	json_t *jk = NULL;
	uint8_t enc[POINT_LEN];
	int all = 1;
	if (!c->params_ok) {
		ve_fail(c, VE_TRUSTEES, "cannot run: the parameters did not verify (check 1)");
		return;
	}
	c->r->trustees = c->n;
	if ((C = calloc(c->n, sizeof *C)) == NULL || (tmp = point_new()) == NULL)
		goto oom;
	/* V-4.1: each trustee's public file */
	for (uint32_t i = 1; i <= c->n; i++) {
		json_t *pj = NULL;
		uint64_t x;
		snprintf(rel, sizeof rel, "trustees/%u/public.json", i);
		if (ve_read_json(c, rel, &pj, why, sizeof why) != Q_OK) {
			ve_fail(c, VE_TRUSTEES, "%s", why);
			all = 0;
			continue;
		}
		const json_t *cm = json_object_get(pj, "commitments");
		const json_t *pf = json_object_get(pj, "proofs");
		if (!str_is(pj, "format", "quorum-trustee/1") ||
		    ve_json_u64(pj, "trustee", THRESHOLD_MAX_N, &x) != Q_OK || x != i ||
		    ve_json_u64(pj, "threshold", THRESHOLD_MAX_N, &x) != Q_OK || x != c->k ||
		    !json_is_array(cm) || json_array_size(cm) != c->k || !json_is_array(pf) ||
		    json_array_size(pf) != c->k) {
			ve_fail(
			    c, VE_TRUSTEES,
			    "%s: not a quorum-trustee/1 file for trustee %u with %u commitments "
			    "and proofs",
			    rel, i, c->k);
			json_decref(pj);
			all = 0;
			continue;
		}
		if ((C[i - 1] = calloc(c->k, sizeof **C)) == NULL) {
			json_decref(pj);
			goto oom;
		}
		for (uint32_t j = 0; j < c->k; j++) {
			uint8_t ctx[32], pb[SCHNORR_PROOF_LEN];
			const json_t *pv = json_array_get(pf, j);
			schnorr_proof *sp = schnorr_proof_new();
			if (sp == NULL || (C[i - 1][j] = point_new()) == NULL) {
				schnorr_proof_free(sp);
				json_decref(pj);
				goto oom;
			}
			if (!hex_point(json_array_get(cm, j), enc, C[i - 1][j])) {
				ve_fail(c, VE_TRUSTEES, "%s: commitments[%u] is not a valid point",
				        rel, j);
				all = 0;
			} else if (!json_is_string(pv) ||
			           hex_decode(pb, sizeof pb, json_string_value(pv),
			                      json_string_length(pv)) != Q_OK ||
			           schnorr_proof_decode(sp, pb, sizeof pb) != Q_OK) {
				ve_fail(c, VE_TRUSTEES, "%s: proofs[%u] is not a 64-byte proof",
				        rel, j);
				all = 0;
			} else {
				/* C-4.1.4/5 with ctx = R-4.1 (key ctx, i, j) */
				commitment_ctx(ctx, c->key_ctx, i, j);
				if (schnorr_verify(sp, ctx, C[i - 1][j]) != Q_OK) {
					ve_fail(c, VE_TRUSTEES,
					        "%s: the Schnorr proof of commitment %u fails "
					        "(C-4.1.5)",
					        rel, j);
					all = 0;
				} else {
					ve_ok(c, VE_TRUSTEES);
				}
			}
			schnorr_proof_free(sp);
		}
		/* T_i a valid point; R-3: the file is what the log holds */
		{
			uint8_t tb[POINT_LEN];
			const json_t *le = NULL;
			for (size_t q = 0; c->elog != NULL && q < json_array_size(c->elog); q++) {
				const json_t *e = json_array_get(c->elog, q);
				uint64_t t;
				if (str_is(e, "type", "trustee-commitments") &&
				    ve_json_u64(e, "trustee", THRESHOLD_MAX_N, &t) == Q_OK &&
				    t == i)
					le = e;
			}
			if (!hex_point(json_object_get(pj, "transport_key"), tb, tmp)) {
				ve_fail(c, VE_TRUSTEES, "%s: transport_key is not a valid point",
				        rel);
				all = 0;
			} else if (c->elog != NULL && c->round == 1 &&
			           (le == NULL ||
			            !json_equal(json_object_get(le, "commitments"), (json_t *)cm) ||
			            !json_equal(json_object_get(le, "proofs"), (json_t *)pf) ||
			            !json_equal(json_object_get(le, "transport_key"),
			                        json_object_get(pj, "transport_key")))) {
				ve_fail(
				    c, VE_TRUSTEES,
				    "%s: differs from the trustee-commitments entry of log/ (R-3)",
				    rel);
				all = 0;
			} else {
				ve_ok(c, VE_TRUSTEES);
			}
		}
		json_decref(pj);
	}
	/* V-4.2: joint_key.json */
	if (ve_read_json(c, "joint_key.json", &jk, why, sizeof why) != Q_OK) {
		ve_fail(c, VE_TRUSTEES, "%s", why);
		goto out;
	}
	uint64_t x;
	const json_t *vks = json_object_get(jk, "verification_keys");
	if (!str_is(jk, "format", "quorum-joint-key/1") ||
	    ve_json_u64(jk, "threshold", THRESHOLD_MAX_N, &x) != Q_OK || x != c->k ||
	    ve_json_u64(jk, "trustees", THRESHOLD_MAX_N, &x) != Q_OK || x != c->n ||
	    !json_is_array(vks) || json_array_size(vks) != c->n) {
		ve_fail(c, VE_TRUSTEES,
		        "joint_key.json: not a quorum-joint-key/1 file for %u of %u trustees", c->k,
		        c->n);
		goto out;
	}
	if ((c->K = point_new()) == NULL || (c->Senc = calloc(c->n, POINT_LEN)) == NULL)
		goto oom;
	if (!hex_point(json_object_get(jk, "joint_key"), c->Kenc, c->K)) {
		ve_fail(c, VE_TRUSTEES, "joint_key.json: joint_key is not a valid point");
		goto out;
	}
	for (uint32_t i = 0; i < c->n; i++)
		if (!hex_point(json_array_get(vks, i), c->Senc[i], tmp)) {
			ve_fail(c, VE_TRUSTEES,
			        "joint_key.json: verification_keys[%u] is not a valid point", i);
			goto out;
		}
	if ((c->Kt = point_table_new(c->K)) == NULL)
		goto oom;
	c->keys_ok = 1;
	/* the joint-key entry of the log: the daemon's joint-key */
	if (c->elog != NULL && c->round == 1) {
		const json_t *le = NULL;
		for (size_t q = 0; q < json_array_size(c->elog); q++)
			if (str_is(json_array_get(c->elog, q), "type", "joint-key"))
				le = json_array_get(c->elog, q);
		if (le == NULL ||
		    !json_equal(json_object_get(le, "joint_key"),
		                json_object_get(jk, "joint_key")) ||
		    !json_equal(json_object_get(le, "verification_keys"), (json_t *)vks))
			ve_fail(c, VE_TRUSTEES,
			        "joint_key.json: differs from the joint-key entry of log/ (R-3)");
		else
			ve_ok(c, VE_TRUSTEES);
	}
	{
		uint8_t *kb = NULL, kx[POINT_LEN];
		size_t kl;
		if (ve_read(c, "joint-key", &kb, &kl, why, sizeof why) != Q_OK)
			ve_fail(c, VE_TRUSTEES, "%s", why);
		else if (kl != 2 * POINT_LEN + 1 || kb[2 * POINT_LEN] != '\n' ||
		         hex_decode(kx, POINT_LEN, (char *)kb, 2 * POINT_LEN) != Q_OK ||
		         memcmp(kx, c->Kenc, POINT_LEN) != 0)
			ve_fail(c, VE_TRUSTEES,
			        "joint-key: not hex(joint_key of joint_key.json) \"\\n\" (R-1.3)");
		else
			ve_ok(c, VE_TRUSTEES);
		free(kb);
	}
	received(c);
	if (!all) {
		ve_fail(c, VE_TRUSTEES,
		        "joint_key.json: cannot be recomputed (a trustee file is bad)");
		goto out;
	}
	/* C-5.2.1: K = sum_d C_{d,0} */
	{
		const point **c0 = calloc(c->n, sizeof *c0);
		if (c0 == NULL)
			goto oom;
		for (uint32_t d = 0; d < c->n; d++)
			c0[d] = C[d][0];
		qerr e = threshold_joint_key(tmp, (const point *const *)c0, c->n);
		free(c0);
		if (e != Q_OK || !point_eq(tmp, c->K))
			ve_fail(
			    c, VE_TRUSTEES,
			    "joint_key.json: joint_key is not the sum of the trustees' constant "
			    "commitments (C-5.2.1)");
		else
			ve_ok(c, VE_TRUSTEES);
	}
	/* C-5.2.2: S_i = sum_d sum_j i^j C_{d,j} */
	for (uint32_t i = 1; i <= c->n; i++) {
		uint8_t se[POINT_LEN];
		if (threshold_verification_key(tmp, i, (const point *const *const *)C, c->n,
		                               c->k) != Q_OK ||
		    point_encode(se, tmp) != Q_OK || memcmp(se, c->Senc[i - 1], POINT_LEN) != 0)
			ve_fail(
			    c, VE_TRUSTEES,
			    "joint_key.json: verification_keys[%u] (trustee %u) does not follow "
			    "from the commitments (C-5.2.2)",
			    i - 1, i);
		else
			ve_ok(c, VE_TRUSTEES);
	}
	goto out;
oom:
	ve_fail(c, VE_TRUSTEES, "out of memory");
out:
	if (C != NULL) {
		for (uint32_t d = 0; d < c->n; d++) {
			for (uint32_t j = 0; C[d] != NULL && j < c->k; j++)
				point_free(C[d][j]);
			free(C[d]);
		}
		free(C);
	}
	point_free(tmp);
	json_decref(jk);
}

/* ---- driver ---- */

static void ctx_free(ve_ctx *c)
{
	for (size_t i = 0; i < c->nst; i++) {
		json_decref(c->st[i].rec);
		free(c->st[i].cast_codes);
		free(c->st[i].ch_codes);
	}
	free(c->st);
	for (size_t i = 0; i < c->ncast; i++) {
		free(c->cast[i].enc);
		free(c->cast[i].why);
		ballot_free(c->cast[i].b);
	}
	free(c->cast);
	for (size_t i = 0; i < c->nchal; i++) {
		free(c->chal[i].enc);
		free(c->chal[i].open);
		ballot_free(c->chal[i].b);
	}
	free(c->chal);
	free(c->agg);
	free(c->agg_null);
	json_decref(c->elog);
	free(c->counts);
	free(c->used);
	free(c->partial);
	free(c->cpproof);
	json_decref(c->result);
	point_table_free(c->Kt);
	point_free(c->K);
	free(c->Senc);
	ballot_style_free(c->style);
	manifest_free(c->m);
	rulebook_free(c->rules);
	free(c->mbytes);
	free(c->pbytes);
}

qerr ve_verify(const char *dir, const ve_opts *o, ve_report *r)
{
	static const ve_opts defaults = {0, 0, -1, 0};
	struct stat sb;
	ve_ctx c;
	memset(r, 0, sizeof *r);
	for (int i = 0; i < VE_NCHECKS; i++) {
		r->checks[i].id = i + 1;
		r->checks[i].name = registry[i].name;
		r->checks[i].title = registry[i].title;
	}
	if (dir == NULL || stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return Q_ERR_NOTFOUND;
	memset(&c, 0, sizeof c);
	c.dir = dir;
	c.o = o != NULL ? o : &defaults;
	c.r = r;
	c.bar.fd = -1;
	ve_load_election_log(&c);
	ve_check_parameters(&c);
	ve_check_trustees(&c);
	ve_check_logs(&c);
	ve_check_ballots(&c);
	ve_check_reconcile(&c);
	ve_check_aggregate(&c);
	ve_check_decryption(&c);
	ve_check_challenged(&c);
	ve_check_decision(&c);
	ve_check_crosscheck(&c);
	r->stations = c.nst;
	r->ballots = c.ncast;
	ctx_free(&c);
	return Q_OK;
}
