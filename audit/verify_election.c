/* SPDX-License-Identifier: GPL-3.0-or-later */
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
#include "crypto/sig.h"
#include "crypto/threshold.h"
#include "crypto/transcript.h"
#include "crypto/util.h"
#include "election/i18n.h"
#include "election/rules_record.h"
#include "election/srec.h"
#include "verify_internal.h"

#include "banned.h"

static const struct {
	const char *name, *title;
} registry[VE_NCHECKS] = {
    {"parameters", N_("parameters and the election base hash recomputed from the manifest")},
    {"trustees", N_("every trustee file signed by its roster key; commitments, transport keys "
                    "and proofs; joint key")},
    {"logs", N_("station record signatures; every log verifies; checkpoints consistent; "
                "the election's roll")},
    {"ballots", N_("ballots well-formed, proofs, tracking codes, in their log, no duplicate")},
    {"reconcile", N_("per station, cast <= issued from the logged counts; checked-in roll "
                     "ids agree with issued, none twice")},
    {"aggregate", N_("the aggregate is the sum of exactly the counted ballots")},
    {"decryption", N_("signed partial decryptions, their proofs and combination, the decoded "
                      "counts")},
    {"challenged", N_("challenged ballots re-encrypt to what was published; not counted")},
    {"decision", N_("the rule engine's outcome recomputed from the verified counts")},
    {"crosscheck", N_("libgcrypt re-check of sampled ballots, the aggregate and decryption")},
    {"write-ins", N_("the write-in mix: inputs from the ballots, every proof of shuffle and "
                     "of decryption, the names, their matching and their counts")},
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

/* An item of check id failed, recorded in the report itself. */
__attribute__((format(printf, 3, 4))) static void report_fail(ve_report *r, int id, const char *fmt,
                                                              ...)
{
	ve_check *k = &r->checks[id - 1];
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

qerr ve_report_check_fingerprints(ve_report *r, const char *text, size_t len, char *why,
                                  size_t whylen)
{
	char want[VE_MAX_TRUSTEES][33];
	uint64_t n = r->trustees < VE_MAX_TRUSTEES ? r->trustees : VE_MAX_TRUSTEES;
	size_t pos = 0, line = 0;
	memset(want, 0, sizeof want);
	/* parse every line first; nothing is recorded unless it parses */
	while (pos < len) {
		size_t end = pos, nd = 0;
		char hex[33];
		unsigned long i = 0;
		while (end < len && text[end] != '\n')
			end++;
		line++;
		size_t p = pos;
		pos = end + 1;
		while (p < end && (text[p] == ' ' || text[p] == '\t' || text[p] == '\r'))
			p++;
		if (p == end || text[p] == '#')
			continue;
		while (p < end && text[p] >= '0' && text[p] <= '9' && i <= VE_MAX_TRUSTEES)
			i = i * 10 + (unsigned long)(text[p++] - '0');
		if (i == 0 || i > n || p == end || (text[p] != ' ' && text[p] != '\t')) {
			snprintf(why, whylen,
			         "line %zu: not \"<trustee 1..%llu> <fingerprint>\" (R-4.0)", line,
			         (unsigned long long)n);
			return Q_ERR_FORMAT;
		}
		for (; p < end; p++) {
			char ch = text[p];
			if (ch == ' ' || ch == '\t' || ch == '\r')
				continue;
			if (ch >= 'A' && ch <= 'F')
				ch = (char)(ch - 'A' + 'a');
			if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')) || nd == 32) {
				nd = 33;
				break;
			}
			hex[nd++] = ch;
		}
		if (nd != 32) {
			snprintf(why, whylen,
			         "line %zu: trustee %lu: a fingerprint is 32 hex digits (R-4.0)",
			         line, i);
			return Q_ERR_FORMAT;
		}
		hex[32] = 0;
		if (want[i - 1][0] != 0) {
			snprintf(why, whylen, "line %zu: trustee %lu is listed twice", line, i);
			return Q_ERR_FORMAT;
		}
		memcpy(want[i - 1], hex, 33);
	}
	for (uint64_t d = 0; d < n; d++) {
		char have[33];
		size_t o = 0;
		for (const char *q = r->fingerprint[d]; *q != 0 && o < 32; q++)
			if (*q != ' ')
				have[o++] = *q;
		have[o] = 0;
		if (want[d][0] == 0) {
			report_fail(r, VE_TRUSTEES,
			            "fingerprints file: trustee %llu is not listed (compare its "
			            "fingerprint %s with the one written down at the ceremony)",
			            (unsigned long long)d + 1, r->fingerprint[d]);
			r->fp_match[d] = 2;
		} else if (o != 32 || strcmp(have, want[d]) != 0) {
			report_fail(
			    r, VE_TRUSTEES,
			    "fingerprints file: trustee %llu: the record's signing key has "
			    "fingerprint %s, not the %s written down at the ceremony (V-4.1): "
			    "every file it signed is someone else's",
			    (unsigned long long)d + 1,
			    r->fingerprint[d][0] ? r->fingerprint[d] : "(no usable roster)",
			    want[d]);
			r->fp_match[d] = 2;
		} else {
			r->checks[VE_TRUSTEES - 1].checked++;
			r->fp_match[d] = 1;
		}
	}
	return Q_OK;
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

/* V-12.1: the seed of check 10's sample and the ballots it drew. */
static void sample_print(FILE *f, const ve_report *r)
{
	char hx[2 * VE_SEED_LEN + 1];
	if (!r->have_seed)
		return;
	hex_encode(hx, r->seed, VE_SEED_LEN);
	fprintf(f, _("       sample of %llu ballots, seed %s (--seed %s draws the same ones)\n"),
	        (unsigned long long)r->sampled, hx, hx);
	if (r->nlisted == 0)
		return;
	fputs(_("       sampled:"), f);
	for (size_t i = 0; i < r->nlisted; i++)
		fprintf(f, " %s/ballots[%llu]", r->sample[i].station,
		        (unsigned long long)r->sample[i].index);
	if (r->sampled > r->nlisted)
		fprintf(f, _(" ... and %llu more"), (unsigned long long)(r->sampled - r->nlisted));
	fputc('\n', f);
}

static json_t *sample_json(const ve_report *r)
{
	char hx[2 * VE_SEED_LEN + 1];
	json_t *list = json_array();
	if (!r->have_seed || list == NULL) {
		json_decref(list);
		return json_null();
	}
	hex_encode(hx, r->seed, VE_SEED_LEN);
	for (size_t i = 0; i < r->nlisted; i++)
		json_array_append_new(list, json_pack("{s:s, s:I}", "station", r->sample[i].station,
		                                      "index", (json_int_t)r->sample[i].index));
	return json_pack("{s:s, s:I, s:o}", "seed", hx, "size", (json_int_t)r->sampled, "ballots",
	                 list);
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
		if (k->id == VE_CROSSCHECK)
			sample_print(f, r);
	}
	if (r->trustees > 0 && r->fingerprint[0][0] != 0) {
		fprintf(f, _("Trustee key fingerprints (compare with those read out at the key "
		             "ceremony):\n"));
		for (uint64_t d = 0; d < r->trustees && d < VE_MAX_TRUSTEES; d++)
			fprintf(f, "  %3llu  %s%s\n", (unsigned long long)d + 1, r->fingerprint[d],
			        r->fp_match[d] == 1   ? _("  (matches the fingerprints file)")
			        : r->fp_match[d] == 2 ? _("  (DIFFERS from the fingerprints file)")
			                              : "");
	}
	fprintf(f, _("%s: %llu stations, %llu ballots, %llu trustees\n"),
	        ve_report_passed(r) ? _("VERIFIED") : _("NOT VERIFIED"),
	        (unsigned long long)r->stations, (unsigned long long)r->ballots,
	        (unsigned long long)r->trustees);
	/* V-1.2, V-17: what was not checked is said with the verdict too */
	uint64_t skipped = 0;
	for (int i = 0; i < VE_NCHECKS; i++)
		skipped += r->checks[i].skipped;
	if (skipped > 0)
		fprintf(f, _("NOT CHECKED: %llu items, each named above with the reason\n"),
		        (unsigned long long)skipped);
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
	json_t *fps = json_array();
	for (uint64_t d = 0; fps != NULL && d < r->trustees && d < VE_MAX_TRUSTEES; d++) {
		if (r->fingerprint[d][0] == 0)
			continue;
		json_t *fe = json_pack("{s:I, s:s}", "trustee", (json_int_t)d + 1, "fingerprint",
		                       r->fingerprint[d]);
		if (fe != NULL && r->fp_match[d] != 0)
			json_object_set_new(fe, "matches", json_boolean(r->fp_match[d] == 1));
		if (json_array_append_new(fps, fe) != 0) {
			json_decref(fps);
			fps = NULL;
		}
	}
	if (fps == NULL) {
		json_decref(arr);
		return NULL;
	}
	int first = ve_report_first_failure(r);
	out = json_pack("{s:s, s:s, s:b, s:o, s:I, s:I, s:I, s:o, s:o, s:o}", "format",
	                VE_REPORT_FORMAT, "record", dir, "passed", first == 0, "first_failure",
	                first ? json_integer(first) : json_null(), "stations",
	                (json_int_t)r->stations, "ballots", (json_int_t)r->ballots, "trustees",
	                (json_int_t)r->trustees, "fingerprints", fps, "sample", sample_json(r),
	                "checks", arr);
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

/* Parse the bytes of rel as a JSON object (duplicate keys rejected). */
static qerr parse_json(const uint8_t *buf, size_t len, const char *rel, json_t **out, char *why,
                       size_t whylen)
{
	json_error_t je;
	*out = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &je);
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

qerr ve_read_json(const ve_ctx *c, const char *rel, json_t **out, char *why, size_t whylen)
{
	uint8_t *buf;
	size_t len;
	qerr e = ve_read(c, rel, &buf, &len, why, whylen);
	*out = NULL;
	if (e != Q_OK)
		return e;
	e = parse_json(buf, len, rel, out, why, whylen);
	free(buf);
	return e;
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

int ve_format_str(ve_ctx *c, int id, const char *rel, const char *v, const char *name,
                  unsigned known)
{
	/* the one parser, shared with the tally (election/srec.c) */
	char why[VE_DETAIL_LEN];
	if (srec_format_check(v, name, known, why, sizeof why) != Q_OK) {
		ve_fail(c, id, "%s: %s", rel, why);
		return 0;
	}
	return 1;
}

int ve_format(ve_ctx *c, int id, const char *rel, const json_t *o, const char *name, unsigned known)
{
	const json_t *v = json_object_get(o, "format");
	if (v != NULL && !json_is_string(v)) {
		ve_fail(c, id, "%s: \"format\" is not a string (R-11)", rel);
		return 0;
	}
	return ve_format_str(c, id, rel, v ? json_string_value(v) : NULL, name, known);
}

static int str_is(const json_t *o, const char *key, const char *want)
{
	const json_t *v = json_object_get(o, key);
	return json_is_string(v) && strcmp(json_string_value(v), want) == 0;
}

/* ---- check 1: parameters (V-3) ---- */

/* the manifest's format version, before it is parsed (bytes
 * that are not a JSON object are left to the manifest parser). */
static int manifest_version_known(ve_ctx *c)
{
	json_t *mj = json_loadb((const char *)c->mbytes, c->mlen, 0, NULL);
	int ok = !json_is_object(mj) ||
	         ve_format(c, VE_PARAMETERS, "manifest.json", mj, "quorum-manifest", 1);
	json_decref(mj);
	return ok;
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
	} else if (!ve_format(c, VE_PARAMETERS, "parameters.json", p, "quorum-parameters", 3)) {
		/* refused, named by ve_format */
	} else if (!str_is(p, "group", "P-256")) {
		ve_fail(c, VE_PARAMETERS, "parameters.json: group is not P-256");
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
	} else if (!manifest_version_known(c)) {
		/* named by ve_format; not parsed */
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
	/* E-4.3: the registered voters are the parameters' (derived
	 * from the roll by init); a body.registered typed in the manifest
	 * must be the same number */
	{
		uint64_t reg = 0;
		if (ve_json_u64(p, "registered", UINT64_MAX >> 11, &reg) != Q_OK) {
			ve_fail(c, VE_PARAMETERS, "parameters.json: registered missing (R-2.1)");
			goto out;
		}
		if (c->m->registered != 0 && c->m->registered != reg) {
			ve_fail(c, VE_PARAMETERS,
			        "manifest.json: body.registered is %llu but parameters.json's "
			        "registered is %llu (E-4.3)",
			        (unsigned long long)c->m->registered, (unsigned long long)reg);
			goto out;
		}
		c->m->registered = reg;
	}
	/* a run-off record of the format before E-5 (round two with
	 * round one's whole manifest, no runoff object) is refused by name,
	 * not examined under rules it was not written by */
	if (c->round > 1 && c->m->runoff_round == 0) {
		ve_fail(c, VE_PARAMETERS,
		        "manifest.json: parameters.json gives round %u but the manifest has no "
		        "\"runoff\" object (E-5.1): a run-off record of the format before E-5 "
		        "(round one's whole manifest and ballot), which this program does not "
		        "read (R-11.4: refused, not examined)",
		        c->round);
		goto out;
	}
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
	/* V-3.3: the ballot style of this round (B-1) */
	if ((e = ve_round_style(c, why, sizeof why)) != Q_OK) {
		ve_fail(c, VE_PARAMETERS, "manifest.json: no valid ballot style: %s", why);
		goto out;
	}
	/* V-3.5: a run-off's link to the round it continues */
	ve_check_runoff_link(c, p);
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
	if (c->elog == NULL) { /* V-1.2: not compared is not passed */
		ve_fail(c, VE_PARAMETERS,
		        "log/ entry 0 (election-created) not compared with the base hash and "
		        "manifest: the election log is unusable (check 3)");
	} else {
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

/* fp(pk) = SHA-256(pk)[0..15] as 8 groups of 4 hex digits. */
static void fingerprint(char out[VE_FP_LEN], const uint8_t pk[32])
{
	static const char hx[] = "0123456789abcdef";
	uint8_t h[32];
	size_t o = 0;
	sha256(h, pk, 32);
	for (size_t i = 0; i < 16; i++) {
		if (i > 0 && i % 2 == 0)
			out[o++] = ' ';
		out[o++] = hx[h[i] >> 4];
		out[o++] = hx[h[i] & 15];
	}
	out[o] = 0;
}

void ve_trustee_file_msg(const ve_ctx *c, uint8_t out[32], uint32_t i, const char *rel,
                         const uint8_t *bytes, size_t len)
{
	uint8_t h[32];
	transcript t;
	sha256(h, bytes, len);
	if (transcript_init(&t, VE_TAG_TRUSTEE_FILE) != Q_OK)
		qfatal("verify: out of memory");
	transcript_bytes(&t, c->key_ctx, 32);
	transcript_u32(&t, i);
	transcript_bytes(&t, rel, strlen(rel));
	transcript_bytes(&t, h, 32);
	transcript_digest(&t, out);
}

qerr ve_read_sig(const ve_ctx *c, const char *rel, uint8_t sig[64], char *why, size_t whylen)
{
	char srel[VE_PATH_MAX];
	uint8_t *b = NULL, tmp[VE_SIG_B64_LEN];
	size_t bl, sl = sizeof tmp;
	qerr e;
	if (snprintf(srel, sizeof srel, "%s.sig", rel) >= (int)sizeof srel) {
		snprintf(why, whylen, "%s.sig: path too long", rel);
		return Q_ERR_LIMIT;
	}
	if ((e = ve_read(c, srel, &b, &bl, why, whylen)) != Q_OK)
		return e;
	if (bl != VE_SIG_B64_LEN + 1 || b[VE_SIG_B64_LEN] != '\n' ||
	    b64_decode(tmp, &sl, (const char *)b, VE_SIG_B64_LEN) != Q_OK || sl != SIG_LEN) {
		snprintf(why, whylen,
		         "%s: not the base64 of a 64-byte signature followed by a newline (R-4.0)",
		         srel);
		free(b);
		return Q_ERR_FORMAT;
	}
	memcpy(sig, tmp, SIG_LEN);
	free(b);
	return Q_OK;
}

int ve_trustee_file_signed(const ve_ctx *c, uint32_t i, const char *rel, const uint8_t *bytes,
                           size_t len, char *why, size_t whylen)
{
	uint8_t sig[SIG_LEN], msg[32];
	char fp[VE_FP_LEN];
	if (!c->roster_ok || i == 0 || i > c->n) {
		snprintf(why, whylen,
		         "%s: its signature cannot be checked: no usable roster in "
		         "trustees/1/public.json",
		         rel);
		return 0;
	}
	if (ve_read_sig(c, rel, sig, why, whylen) != Q_OK)
		return 0;
	ve_trustee_file_msg(c, msg, i, rel, bytes, len);
	if (sig_verify(c->roster[i - 1], msg, sizeof msg, sig) != Q_OK) {
		fingerprint(fp, c->roster[i - 1]);
		snprintf(
		    why, whylen,
		    "%s: bad signature: not signed by trustee %u (fingerprint %s) at this path "
		    "over these bytes (R-4.0): made by someone else or altered in transit",
		    rel, i, fp);
		return 0;
	}
	return 1;
}

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

/* ctx^T_i = H_T("quorum/v2/tally/transport-key"; key_ctx, u32(i)). */
static void transport_ctx(uint8_t out[32], const uint8_t key_ctx[32], uint32_t i)
{
	transcript t;
	if (transcript_init(&t, VE_TAG_TRANSPORT) != Q_OK)
		qfatal("verify: out of memory");
	transcript_bytes(&t, key_ctx, 32);
	transcript_u32(&t, i);
	transcript_digest(&t, out);
}

/* h_i = H_T("quorum/v2/tally/coefficients"; key_ctx, u32(i), u32(k),
 * C_{i,0}, ..., C_{i,k-1}, T_i, pk_i) over the encodings (65, 65, 32). */
static void coefficients_hash(uint8_t out[32], const ve_ctx *c, uint32_t i,
                              const uint8_t (*Cenc)[POINT_LEN], const uint8_t T[POINT_LEN],
                              const uint8_t pk[32])
{
	transcript t;
	if (transcript_init(&t, VE_TAG_COEFFICIENTS) != Q_OK)
		qfatal("verify: out of memory");
	transcript_bytes(&t, c->key_ctx, 32);
	transcript_u32(&t, i);
	transcript_u32(&t, c->k);
	for (uint32_t j = 0; j < c->k; j++)
		transcript_bytes(&t, Cenc[j], POINT_LEN);
	transcript_bytes(&t, T, POINT_LEN);
	transcript_bytes(&t, pk, 32);
	transcript_digest(&t, out);
}

static int hex_value(const json_t *v, uint8_t *out, size_t len)
{
	return json_is_string(v) && json_string_length(v) == 2 * len &&
	       hex_decode(out, len, json_string_value(v), json_string_length(v)) == Q_OK;
}

static int hex_point(const json_t *v, uint8_t out[POINT_LEN], point *p)
{
	if (!hex_value(v, out, POINT_LEN))
		return 0;
	return p == NULL || point_decode(p, out, POINT_LEN) == Q_OK;
}

/* Read rel as bytes and as JSON (one read).  0 and a failure of check 2
 * if either fails. */
static int read_file_json(ve_ctx *c, const char *rel, uint8_t **bytes, size_t *len, json_t **j)
{
	char why[VE_DETAIL_LEN];
	*j = NULL;
	if (ve_read(c, rel, bytes, len, why, sizeof why) != Q_OK ||
	    parse_json(*bytes, *len, rel, j, why, sizeof why) != Q_OK) {
		ve_fail(c, VE_TRUSTEES, "%s", why);
		free(*bytes);
		*bytes = NULL;
		return 0;
	}
	return 1;
}

/* Check 2 item: rel is signed by trustee i. */
static int signed_by(ve_ctx *c, uint32_t i, const char *rel, const uint8_t *b, size_t len)
{
	char why[VE_DETAIL_LEN];
	if (!ve_trustee_file_signed(c, i, rel, b, len, why, sizeof why)) {
		ve_fail(c, VE_TRUSTEES, "%s", why);
		return 0;
	}
	ve_ok(c, VE_TRUSTEES);
	return 1;
}

/* the roster R from trustees/1/public.json; the fingerprints go
 * into the report for the observer to compare with the ceremony's. */
static void load_roster(ve_ctx *c)
{
	const char *rel = "trustees/1/public.json";
	char why[VE_DETAIL_LEN];
	json_t *pj = NULL;
	if ((c->roster = calloc(c->n, 32)) == NULL) {
		ve_fail(c, VE_TRUSTEES, "out of memory");
		return;
	}
	if (ve_read_json(c, rel, &pj, why, sizeof why) != Q_OK) {
		ve_fail(c, VE_TRUSTEES, "%s (no roster: no trustee file signature can be checked)",
		        why);
		return;
	}
	const json_t *ro = json_object_get(pj, "roster");
	if (!json_is_array(ro) || json_array_size(ro) != c->n) {
		ve_fail(c, VE_TRUSTEES,
		        "%s: no \"roster\" of %u signing keys (R-4.2): no trustee file signature "
		        "can be checked",
		        rel, c->n);
		goto out;
	}
	for (uint32_t d = 0; d < c->n; d++) {
		if (!hex_value(json_array_get(ro, d), c->roster[d], 32)) {
			ve_fail(c, VE_TRUSTEES,
			        "%s: roster[%u] is not a 32-byte Ed25519 key in hex (R-4.2)", rel,
			        d);
			goto out;
		}
		for (uint32_t e = 0; e < d; e++)
			if (memcmp(c->roster[e], c->roster[d], 32) == 0) {
				ve_fail(c, VE_TRUSTEES,
				        "%s: the roster gives trustees %u and %u the same signing "
				        "key",
				        rel, e + 1, d + 1);
				goto out;
			}
	}
	c->roster_ok = 1;
	for (uint32_t d = 0; d < c->n && d < VE_MAX_TRUSTEES; d++)
		fingerprint(c->r->fingerprint[d], c->roster[d]);
	ve_ok(c, VE_TRUSTEES);
out:
	json_decref(pj);
}

/* trustees/<d>/commitment.json, signed by R[d]; its
 * coefficients_hash into h.  1 if h is usable. */
static int commitment_file(ve_ctx *c, uint32_t d, uint8_t h[32])
{
	char rel[64], fa[VE_FP_LEN], fb[VE_FP_LEN];
	uint8_t *b = NULL, x[32];
	size_t len;
	json_t *j = NULL;
	uint64_t v;
	int ok = 0;
	snprintf(rel, sizeof rel, "trustees/%u/commitment.json", d);
	if (!read_file_json(c, rel, &b, &len, &j))
		return 0;
	(void)signed_by(c, d, rel, b, len);
	int fmt_j = ve_format(c, VE_TRUSTEES, rel, j, "quorum-trustee-commitment", 1);
	if (!fmt_j || ve_json_u64(j, "trustee", THRESHOLD_MAX_N, &v) != Q_OK || v != d ||
	    ve_json_u64(j, "threshold", THRESHOLD_MAX_N, &v) != Q_OK || v != c->k) {
		if (fmt_j)
			ve_fail(c, VE_TRUSTEES,
			        "%s: not a quorum-trustee-commitment/1 file of trustee %u with "
			        "threshold %u "
			        "(R-4.1)",
			        rel, d, c->k);
	} else if (ve_json_hex(j, "key_ctx", x, 32) != Q_OK || memcmp(x, c->key_ctx, 32) != 0) {
		ve_fail(c, VE_TRUSTEES, "%s: key_ctx is not this key ceremony's (R-2.4)", rel);
	} else if (ve_json_hex(j, "signing_key", x, 32) != Q_OK) {
		ve_fail(c, VE_TRUSTEES, "%s: signing_key is not a 32-byte key in hex", rel);
	} else if (c->roster_ok && memcmp(x, c->roster[d - 1], 32) != 0) {
		fingerprint(fa, x);
		fingerprint(fb, c->roster[d - 1]);
		ve_fail(c, VE_TRUSTEES,
		        "%s: signing_key (fingerprint %s) is not the roster's key of trustee %u "
		        "(fingerprint %s)",
		        rel, fa, d, fb);
	} else if (ve_json_hex(j, "coefficients_hash", h, 32) != Q_OK) {
		ve_fail(c, VE_TRUSTEES, "%s: coefficients_hash is not 32 bytes in hex", rel);
	} else {
		ve_ok(c, VE_TRUSTEES);
		ok = 1;
	}
	free(b);
	json_decref(j);
	return ok;
}

/* The election log's trustee-commitments entry for trustee i. */
static const json_t *commitments_entry(const ve_ctx *c, uint32_t i)
{
	const json_t *le = NULL;
	for (size_t q = 0; c->elog != NULL && q < json_array_size(c->elog); q++) {
		const json_t *e = json_array_get(c->elog, q);
		uint64_t t;
		if (str_is(e, "type", "trustee-commitments") &&
		    ve_json_u64(e, "trustee", THRESHOLD_MAX_N, &t) == Q_OK && t == i)
			le = e;
	}
	return le;
}

/* trustee i's public file, verified under the roster.  C (k
 * points) receives the commitments.  1 if every commitment decoded. */
static int public_file(ve_ctx *c, uint32_t i, point **C, const uint8_t *hcommit)
{
	char rel[64], fa[VE_FP_LEN], fb[VE_FP_LEN];
	uint8_t *b = NULL, x[32], T[POINT_LEN], h[32], ctx[32], pb[SCHNORR_PROOF_LEN];
	uint8_t(*Cenc)[POINT_LEN] = NULL;
	size_t len;
	json_t *pj = NULL;
	uint64_t v;
	int decoded = 0, have_T = 0;
	point *tp = NULL;
	schnorr_proof *sp = NULL;
	snprintf(rel, sizeof rel, "trustees/%u/public.json", i);
	if (!read_file_json(c, rel, &b, &len, &pj))
		return 0;
	if ((Cenc = calloc(c->k, POINT_LEN)) == NULL || (tp = point_new()) == NULL ||
	    (sp = schnorr_proof_new()) == NULL) {
		ve_fail(c, VE_TRUSTEES, "out of memory");
		goto out;
	}
	(void)signed_by(c, i, rel, b, len);
	const json_t *cm = json_object_get(pj, "commitments");
	const json_t *pf = json_object_get(pj, "proofs");
	const json_t *ro = json_object_get(pj, "roster");
	int fmt_pj = ve_format(c, VE_TRUSTEES, rel, pj, "quorum-trustee", 2);
	if (!fmt_pj || ve_json_u64(pj, "trustee", THRESHOLD_MAX_N, &v) != Q_OK || v != i ||
	    ve_json_u64(pj, "threshold", THRESHOLD_MAX_N, &v) != Q_OK || v != c->k ||
	    !json_is_array(cm) || json_array_size(cm) != c->k || !json_is_array(pf) ||
	    json_array_size(pf) != c->k) {
		if (fmt_pj)
			ve_fail(c, VE_TRUSTEES,
			        "%s: not a quorum-trustee/2 file for trustee %u with %u "
			        "commitments and "
			        "proofs (R-4.2)",
			        rel, i, c->k);
		goto out;
	}
	/* key_ctx, signing_key = R[i], roster = R */
	if (ve_json_hex(pj, "key_ctx", x, 32) != Q_OK || memcmp(x, c->key_ctx, 32) != 0) {
		ve_fail(c, VE_TRUSTEES, "%s: key_ctx is not this key ceremony's (R-2.4)", rel);
	} else if (ve_json_hex(pj, "signing_key", x, 32) != Q_OK) {
		ve_fail(c, VE_TRUSTEES, "%s: signing_key is not a 32-byte key in hex", rel);
	} else if (c->roster_ok && memcmp(x, c->roster[i - 1], 32) != 0) {
		fingerprint(fa, x);
		fingerprint(fb, c->roster[i - 1]);
		ve_fail(c, VE_TRUSTEES,
		        "%s: signing_key (fingerprint %s) is not the roster's key of trustee %u "
		        "(fingerprint %s)",
		        rel, fa, i, fb);
	} else {
		ve_ok(c, VE_TRUSTEES);
	}
	if (c->roster_ok) {
		uint32_t bad = 0;
		int same = json_is_array(ro) && json_array_size(ro) == c->n;
		for (uint32_t d = 0; same && d < c->n; d++)
			if (!hex_value(json_array_get(ro, d), x, 32) ||
			    memcmp(x, c->roster[d], 32) != 0) {
				same = 0;
				bad = d + 1;
			}
		if (!same && bad == 0)
			ve_fail(c, VE_TRUSTEES,
			        "%s: its roster does not list %u signing keys (R-4.2)", rel, c->n);
		else if (!same)
			ve_fail(c, VE_TRUSTEES,
			        "%s: its roster differs from that of trustees/1/public.json at "
			        "trustee %u (R-4.2: every trustee must have confirmed the same "
			        "keys)",
			        rel, bad);
		else
			ve_ok(c, VE_TRUSTEES);
	}
	/* the commitments and their Schnorr proofs (C-4.1.4-5, ctx_{i,j}) */
	decoded = 1;
	for (uint32_t j = 0; j < c->k; j++) {
		const json_t *pv = json_array_get(pf, j);
		if (!hex_point(json_array_get(cm, j), Cenc[j], C[j])) {
			ve_fail(c, VE_TRUSTEES, "%s: commitments[%u] is not a valid point", rel, j);
			decoded = 0;
		} else if (!hex_value(pv, pb, sizeof pb) ||
		           schnorr_proof_decode(sp, pb, sizeof pb) != Q_OK) {
			ve_fail(c, VE_TRUSTEES, "%s: proofs[%u] is not a 64-byte proof", rel, j);
		} else {
			commitment_ctx(ctx, c->key_ctx, i, j);
			if (schnorr_verify(sp, ctx, C[j]) != Q_OK)
				ve_fail(c, VE_TRUSTEES,
				        "%s: the Schnorr proof of commitment %u fails (C-4.1.5)",
				        rel, j);
			else
				ve_ok(c, VE_TRUSTEES);
		}
	}
	/* the transport key and its proof of knowledge (R-4.2, ctx^T_i) */
	if (!hex_point(json_object_get(pj, "transport_key"), T, tp)) {
		ve_fail(c, VE_TRUSTEES, "%s: transport_key is not a valid point", rel);
	} else {
		have_T = 1;
		transport_ctx(ctx, c->key_ctx, i);
		if (!hex_value(json_object_get(pj, "transport_proof"), pb, sizeof pb) ||
		    schnorr_proof_decode(sp, pb, sizeof pb) != Q_OK)
			ve_fail(c, VE_TRUSTEES, "%s: transport_proof is not a 64-byte proof", rel);
		else if (schnorr_verify(sp, ctx, tp) != Q_OK)
			ve_fail(c, VE_TRUSTEES,
			        "%s: transport_proof fails for transport_key (C-4.1.5, context "
			        "R-4.2): the transport key is not trustee %u's",
			        rel, i);
		else
			ve_ok(c, VE_TRUSTEES);
	}
	/* the file reveals what the trustee committed to */
	if (hcommit != NULL && decoded && have_T && c->roster_ok) {
		coefficients_hash(h, c, i, (const uint8_t(*)[POINT_LEN])Cenc, T, c->roster[i - 1]);
		if (memcmp(h, hcommit, 32) != 0)
			ve_fail(c, VE_TRUSTEES,
			        "%s: its commitments, transport_key and signing_key do not hash to "
			        "the coefficients_hash of trustees/%u/commitment.json (R-4.1)",
			        rel, i);
		else
			ve_ok(c, VE_TRUSTEES);
	} else {
		ve_fail(c, VE_TRUSTEES,
		        "%s: cannot be compared with the coefficients_hash of "
		        "trustees/%u/commitment.json (a file above is bad)",
		        rel, i);
	}
	/* the file is what the log holds (round 1; a run-off's log
	 * does not repeat the ceremony, R-2.3) */
	if (c->elog == NULL && c->round == 1)
		ve_fail(c, VE_TRUSTEES,
		        "%s: not compared with the trustee-commitments entry of log/: the "
		        "election log is unusable (check 3)",
		        rel);
	if (c->elog != NULL && c->round == 1) {
		static const char *const keys[] = {"commitments", "proofs", "transport_key",
		                                   "transport_proof", "signing_key"};
		const json_t *le = commitments_entry(c, i);
		const char *what = le == NULL ? "entry" : NULL;
		for (size_t q = 0; what == NULL && q < sizeof keys / sizeof *keys; q++) {
			const json_t *a = json_object_get(le, keys[q]),
			             *bv = json_object_get(pj, keys[q]);
			if (a == NULL || bv == NULL || !json_equal(a, bv))
				what = keys[q];
		}
		if (what != NULL)
			ve_fail(c, VE_TRUSTEES,
			        "%s: %s differs from the trustee-commitments entry of log/ (R-3)",
			        rel, what);
		else
			ve_ok(c, VE_TRUSTEES);
	}
out:
	free(b);
	free(Cenc);
	point_free(tp);
	schnorr_proof_free(sp);
	json_decref(pj);
	return decoded;
}

/* every share file trustees/<d>/shares/<r>.sealed is signed by
 * R[d] (its contents are secret).  A run-off copies none. */
static void share_files(ve_ctx *c)
{
	char rel[96], why[VE_DETAIL_LEN];
	if (c->round > 1)
		return;
	for (uint32_t d = 1; d <= c->n; d++)
		for (uint32_t r = 1; r <= c->n; r++) {
			uint8_t *b = NULL;
			size_t len;
			if (r == d)
				continue;
			snprintf(rel, sizeof rel, "trustees/%u/shares/%u.sealed", d, r);
			if (ve_read(c, rel, &b, &len, why, sizeof why) != Q_OK)
				ve_fail(c, VE_TRUSTEES, "%s", why);
			else
				(void)signed_by(c, d, rel, b, len);
			free(b);
		}
}

/* a complaint.json means the ceremony did not finish; a record
 * with a joint key and a complaint is contradictory either way. */
static void complaints(ve_ctx *c)
{
	char rel[64], path[VE_PATH_MAX], why[VE_DETAIL_LEN], ds[96] = "";
	for (uint32_t r = 1; r <= c->n; r++) {
		uint8_t *b = NULL;
		size_t len, o = 0;
		json_t *j = NULL;
		snprintf(rel, sizeof rel, "trustees/%u/complaint.json", r);
		if (ve_path(c, path, sizeof path, rel) != Q_OK || access(path, F_OK) != 0)
			continue;
		if (!read_file_json(c, rel, &b, &len, &j))
			continue;
		int sig = ve_trustee_file_signed(c, r, rel, b, len, why, sizeof why);
		const json_t *dl = json_object_get(j, "dealers");
		ds[0] = 0;
		for (size_t q = 0; q < json_array_size(dl) && o + 8 < sizeof ds; q++)
			o += (size_t)snprintf(ds + o, sizeof ds - o, "%s%lld", q ? ", " : "",
			                      (long long)json_integer_value(json_array_get(dl, q)));
		if (sig)
			ve_fail(
			    c, VE_TRUSTEES,
			    "%s: trustee %u (signed) accuses dealer(s) [%s] of a bad share: the "
			    "ceremony must not have finished (R-4.4, R-4.5)",
			    rel, r, ds);
		else
			ve_fail(
			    c, VE_TRUSTEES,
			    "%s: a complaint naming dealer(s) [%s] that trustee %u did not sign "
			    "(%s); a finished ceremony has no complaint (R-4.5)",
			    rel, ds, r, why);
		free(b);
		json_decref(j);
	}
}

/* trustees/<r>/received.json, signed by R[r], names S_r, K and the
 * hash of every share file it opened.  have_keys: joint_key.json gave
 * K and S (else those are not compared). */
static void received(ve_ctx *c, int have_keys)
{
	char rel[96], why[VE_DETAIL_LEN];
	for (uint32_t r = 1; r <= c->n; r++) {
		json_t *rj = NULL;
		uint8_t *b = NULL, S[POINT_LEN], K[POINT_LEN];
		size_t len;
		uint64_t x;
		snprintf(rel, sizeof rel, "trustees/%u/received.json", r);
		if (!read_file_json(c, rel, &b, &len, &rj))
			continue;
		(void)signed_by(c, r, rel, b, len);
		free(b);
		const json_t *hs = json_object_get(rj, "share_hashes");
		int fmt_rj = ve_format(c, VE_TRUSTEES, rel, rj, "quorum-received", 2);
		if (!fmt_rj || ve_json_u64(rj, "trustee", THRESHOLD_MAX_N, &x) != Q_OK || x != r ||
		    ve_json_hex(rj, "verification_key", S, POINT_LEN) != Q_OK ||
		    ve_json_hex(rj, "joint_key", K, POINT_LEN) != Q_OK || !json_is_array(hs) ||
		    json_array_size(hs) != c->n) {
			if (fmt_rj)
				ve_fail(c, VE_TRUSTEES,
				        "%s: not a quorum-received/2 file of trustee %u with "
				        "verification_key, joint_key and %u share hashes (R-4.4)",
				        rel, r, c->n);
			json_decref(rj);
			continue;
		}
		if (!have_keys)
			ve_fail(c, VE_TRUSTEES,
			        "%s: S_%u and K cannot be compared: joint_key.json is unusable",
			        rel, r);
		else if (memcmp(S, c->Senc[r - 1], POINT_LEN) != 0)
			ve_fail(c, VE_TRUSTEES,
			        "%s: verification_key is not S_%u of joint_key.json (R-4.4)", rel,
			        r);
		else if (memcmp(K, c->Kenc, POINT_LEN) != 0)
			ve_fail(c, VE_TRUSTEES,
			        "%s: joint_key is not the K of joint_key.json: trustee %u computed "
			        "another joint key (R-4.4)",
			        rel, r);
		else
			ve_ok(c, VE_TRUSTEES);
		int ok = 1;
		for (uint32_t d = 1; d <= c->n && ok; d++) {
			const json_t *h = json_array_get(hs, d - 1);
			char srel[96];
			uint8_t *sb = NULL, want[32], got[32];
			size_t sl;
			if (d == r) {
				if (!json_is_null(h)) {
					ve_fail(c, VE_TRUSTEES,
					        "%s: share_hashes[%u] (its own) is not null", rel,
					        d - 1);
					ok = 0;
				}
				continue;
			}
			if (c->round > 1)
				continue; /* a run-off copies no share files */
			snprintf(srel, sizeof srel, "trustees/%u/shares/%u.sealed", d, r);
			if (!hex_value(h, want, 32) ||
			    ve_read(c, srel, &sb, &sl, why, sizeof why) != Q_OK) {
				ok = 0;
			} else {
				sha256(got, sb, sl);
				ok = memcmp(got, want, 32) == 0;
			}
			free(sb);
			if (!ok)
				ve_fail(c, VE_TRUSTEES,
				        "%s: the share file %s is missing or not the one trustee "
				        "%u received (share_hashes[%u])",
				        rel, srel, r, d - 1);
		}
		if (ok)
			ve_ok(c, VE_TRUSTEES);
		json_decref(rj);
	}
}

void ve_check_trustees(ve_ctx *c)
{
	char why[VE_DETAIL_LEN];
	point ***C = NULL; /* C[d][j] */
	point *tmp = NULL;
	json_t *jk = NULL;
	uint8_t(*hc)[32] = NULL; /* coefficients_hash of each commitment.json */
	int all = 1, have_keys = 0;
	if (!c->params_ok) {
		ve_fail(c, VE_TRUSTEES, "cannot run: the parameters did not verify (check 1)");
		return;
	}
	c->r->trustees = c->n;
	if ((C = calloc(c->n, sizeof *C)) == NULL || (tmp = point_new()) == NULL ||
	    (hc = calloc(c->n, 32)) == NULL)
		goto oom;
	for (uint32_t d = 0; d < c->n; d++) {
		if ((C[d] = calloc(c->k, sizeof **C)) == NULL)
			goto oom;
		for (uint32_t j = 0; j < c->k; j++)
			if ((C[d][j] = point_new()) == NULL)
				goto oom;
	}
	/* V-4.1: the roster, then every trustee's commitment and public file */
	load_roster(c);
	for (uint32_t i = 1; i <= c->n; i++) {
		int hok = commitment_file(c, i, hc[i - 1]);
		if (!public_file(c, i, C[i - 1], hok ? hc[i - 1] : NULL))
			all = 0;
	}
	share_files(c);
	complaints(c);
	/* V-4.2: joint_key.json */
	uint64_t x;
	const json_t *vks = NULL;
	if (ve_read_json(c, "joint_key.json", &jk, why, sizeof why) != Q_OK) {
		ve_fail(c, VE_TRUSTEES, "%s", why);
		goto keys_done;
	}
	vks = json_object_get(jk, "verification_keys");
	int fmt_jk = ve_format(c, VE_TRUSTEES, "joint_key.json", jk, "quorum-joint-key", 1);
	if (!fmt_jk || ve_json_u64(jk, "threshold", THRESHOLD_MAX_N, &x) != Q_OK || x != c->k ||
	    ve_json_u64(jk, "trustees", THRESHOLD_MAX_N, &x) != Q_OK || x != c->n ||
	    !json_is_array(vks) || json_array_size(vks) != c->n) {
		if (fmt_jk)
			ve_fail(
			    c, VE_TRUSTEES,
			    "joint_key.json: not a quorum-joint-key/1 file for %u of %u trustees",
			    c->k, c->n);
		goto keys_done;
	}
	if ((c->K = point_new()) == NULL || (c->Senc = calloc(c->n, POINT_LEN)) == NULL)
		goto oom;
	if (!hex_point(json_object_get(jk, "joint_key"), c->Kenc, c->K)) {
		ve_fail(c, VE_TRUSTEES, "joint_key.json: joint_key is not a valid point");
		goto keys_done;
	}
	for (uint32_t i = 0; i < c->n; i++)
		if (!hex_point(json_array_get(vks, i), c->Senc[i], tmp)) {
			ve_fail(c, VE_TRUSTEES,
			        "joint_key.json: verification_keys[%u] is not a valid point", i);
			goto keys_done;
		}
	if ((c->Kt = point_table_new(c->K)) == NULL)
		goto oom;
	c->keys_ok = have_keys = 1;
	/* the joint-key entry of the log: the daemon's joint-key */
	if (c->elog == NULL && c->round == 1)
		ve_fail(c, VE_TRUSTEES,
		        "joint_key.json: not compared with the joint-key entry of log/: the "
		        "election log is unusable (check 3)");
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
keys_done:
	/* V-4.4: every received.json (signed; S_r, K, share hashes) */
	received(c, have_keys);
	if (!have_keys)
		goto out;
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
	free(hc);
	point_free(tmp);
	json_decref(jk);
}

/* ---- driver ---- */

/* V-16: the partial result of the one station verified (--station). */
static json_t *partial_json(const ve_ctx *c)
{
	const ve_station *s = NULL;
	char hx[2 * ELGAMAL_CT_LEN + 1];
	size_t T = c->style != NULL ? c->style->total_options : 0;
	for (size_t i = 0; i < c->nst; i++)
		if (!c->st[i].other)
			s = &c->st[i];
	json_t *sum = json_array(), *xs = json_array(), *failed = json_array(), *p = NULL;
	if (s == NULL || sum == NULL || xs == NULL || failed == NULL)
		goto out;
	for (size_t t = 0; c->sum_ok && t < T; t++) {
		uint8_t ct[ELGAMAL_CT_LEN];
		if (point_is_infinity(c->sum[t]->a) && point_is_infinity(c->sum[t]->b)) {
			json_array_append_new(sum, json_null());
			continue;
		}
		if (elgamal_ct_encode(ct, c->sum[t]) != Q_OK)
			goto out;
		hex_encode(hx, ct, sizeof ct);
		json_array_append_new(sum, json_string(hx));
	}
	for (size_t x = 0; c->xsum_ok && x < 2 * T; x++) {
		uint8_t pt[XCHECK_POINT_LEN];
		if (c->xsum[x] == NULL || xcheck_point_is_infinity(c->xsum[x])) {
			json_array_append_new(xs, json_null());
			continue;
		}
		if (xcheck_point_encode(pt, c->xsum[x]) != Q_OK)
			goto out;
		hex_encode(hx, pt, sizeof pt);
		json_array_append_new(xs, json_string(hx));
	}
	int passed = s->collected && c->sum_ok && c->xsum_ok;
	for (int i = 0; i < VE_NCHECKS; i++)
		if (c->r->checks[i].failed > 0) {
			json_array_append_new(failed, json_integer(i + 1));
			passed = 0;
		}
	hex_encode(hx, s->rec_sha, 32);
	p = json_pack("{s:s, s:s, s:s, s:s, s:I, s:I, s:b, s:O, s:O, s:O}", "format",
	              VE_PARTIAL_FORMAT, "election", c->m != NULL ? c->m->id : "", "station", s->id,
	              "record_sha256", hx, "ballots", (json_int_t)s->nrec_cast, "valid",
	              (json_int_t)s->inrec, "passed", passed, "failed_checks", failed, "sum", sum,
	              "xsum", xs);
out:
	json_decref(sum);
	json_decref(xs);
	json_decref(failed);
	return p;
}

static void ctx_free(ve_ctx *c)
{
	ve_writein_free(c);
	ve_sample_free(c);
	for (size_t i = 0; i < c->nst; i++) {
		json_decref(c->st[i].rec);
		free(c->st[i].ch_codes);
	}
	free(c->st);
	if (c->sum != NULL)
		for (size_t t = 0; c->style != NULL && t < c->style->total_options; t++)
			elgamal_ct_free(c->sum[t]);
	free(c->sum);
	if (c->xsum != NULL)
		for (size_t t = 0; c->style != NULL && t < 2 * c->style->total_options; t++)
			xcheck_point_free(c->xsum[t]);
	free(c->xsum);
	alphasort_free(c->alphas);
	alphasort_free(c->logcodes);
	alphasort_free(c->rollids);
	free(c->chal_cast);
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
	named_tally_free(&c->named);
	free(c->used);
	free(c->partial);
	free(c->cpproof);
	json_decref(c->result);
	point_table_free(c->Kt);
	point_free(c->K);
	free(c->Senc);
	free(c->roster);
	ballot_style_free(c->style);
	manifest_free(c->m);
	rulebook_free(c->rules);
	free(c->mbytes);
	free(c->pbytes);
}

qerr ve_verify(const char *dir, const ve_opts *o, ve_report *r)
{
	return ve_verify_seed(dir, o, NULL, r);
}

void (*ve_between_reads)(const char *dir, int next_check);

qerr ve_verify_seed(const char *dir, const ve_opts *o, const uint8_t seed[VE_SEED_LEN],
                    ve_report *r)
{
	return ve_verify_previous(dir, o, seed, NULL, r);
}

qerr ve_verify_previous(const char *dir, const ve_opts *o, const uint8_t seed[VE_SEED_LEN],
                        const char *previous_dir, ve_report *r)
{
	return ve_verify_split(dir, o, seed, previous_dir, NULL, r);
}

qerr ve_verify_split(const char *dir, const ve_opts *o, const uint8_t seed[VE_SEED_LEN],
                     const char *previous_dir, const ve_split *split, ve_report *r)
{
	static const ve_split whole = {NULL, NULL, 0, NULL};
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
	c.seed = seed;
	c.previous_dir = previous_dir;
	c.split = split != NULL ? split : &whole;
	ve_load_election_log(&c);
	ve_check_parameters(&c);
	ve_check_trustees(&c);
	ve_check_logs(&c);
	if (ve_between_reads != NULL)
		ve_between_reads(dir, VE_BALLOTS);
	ve_check_ballots(&c);
	ve_check_alphas(&c);
	ve_check_reconcile(&c);
	if (c.split->station != NULL) {
		/* V-16: one station's part; the rest is the combine step's */
		ve_check_challenged(&c);
		static const int later[] = {VE_AGGREGATE, VE_DECRYPTION, VE_DECISION, VE_CROSSCHECK,
		                            VE_WRITEINS};
		for (size_t i = 0; i < sizeof later / sizeof *later; i++) {
			r->checks[later[i] - 1].skipped = 1;
			r->checks[later[i] - 1].skip_reason =
			    "one station's part (--station): the combine step runs it";
		}
		r->partial = partial_json(&c);
	} else {
		ve_check_aggregate(&c);
		ve_check_decryption(&c);
		ve_check_challenged(&c);
		ve_check_writeins(&c); /* before 9: the write-in candidates it decides */
		ve_check_decision(&c);
		if (ve_between_reads != NULL)
			ve_between_reads(dir, VE_CROSSCHECK);
		ve_check_crosscheck(&c);
	}
	r->stations = c.nst;
	r->ballots = c.ncast;
	ctx_free(&c);
	return Q_OK;
}
