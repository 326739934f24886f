/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The table-driven manifest reader (election/manifest_table.h, E-2):
 * - golden: every valid manifest of the corpus parses to the same struct,
 *   field by field, as the reader it replaced (tests/election/manifests/
 *   golden.txt was written by the old reader);
 * - every field of every table is in a valid fixture, and for every place
 *   it has there, each error class that applies (missing, wrong type, out
 *   of range, not allowed) is refused naming its path (generated from the
 *   tables, so a new field is tested as soon as it is in a fixture);
 * - one exact case per error class across object types; unknown keys
 *   ignored (E-2).
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/sha256.h"
#include "election/manifest_table.h"
#include "helpers.h"
#include "testutil.h"

#include "banned.h"

/* ---- reading fixtures ---- */

static char *fixture_text(const char *name, size_t *len)
{
	const char *root = getenv("QUORUM_SOURCE_ROOT");
	char path[4096];
	if (strchr(name, '/') != NULL)
		snprintf(path, sizeof path, "%s/%s", root ? root : ".", name);
	else
		snprintf(path, sizeof path, "%s/docs/examples/%s", root ? root : ".", name);
	char *s = test_read_file(path, len);
	cr_assert_not_null(s, "cannot read %s", path);
	return s;
}

static json_t *fixture_json(const char *name)
{
	size_t len;
	char *s = fixture_text(name, &len);
	json_error_t e;
	json_t *j = json_loadb(s, len, 0, &e);
	cr_assert_not_null(j, "%s: %s", name, e.text);
	free(s);
	return j;
}

/* The valid manifests every table field must appear in (see
 * every_table_field_is_in_a_fixture). */
static const char *const fixtures[] = {
    "election.json",
    "recall.json",
    "motion.json",
    "evaluation.json",
    "petition.json",
    "tests/election/manifests/election-full.json",
    "tests/election/manifests/runoff.json",
    "tests/election/manifests/motion-named.json",
};
#define NFIXTURES (sizeof fixtures / sizeof fixtures[0])

/* ---- a canonical text of a parsed manifest ---- */

typedef struct buf {
	char *s;
	size_t n, cap;
} buf;

__attribute__((format(printf, 2, 3))) static void out(buf *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int k = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	cr_assert_geq(k, 0);
	if (b->n + (size_t)k + 1 > b->cap) {
		b->cap = (b->n + (size_t)k + 1) * 2;
		b->s = realloc(b->s, b->cap);
		cr_assert_not_null(b->s);
	}
	va_start(ap, fmt);
	vsnprintf(b->s + b->n, b->cap - b->n, fmt, ap);
	va_end(ap);
	b->n += (size_t)k;
}

static const char *S(const char *s)
{
	return s ? s : "(null)";
}

static void out_hex(buf *b, const char *name, const uint8_t *h, size_t n)
{
	out(b, "%s ", name);
	for (size_t i = 0; i < n; i++)
		out(b, "%02x", h[i]);
	out(b, "\n");
}

static void out_date(buf *b, const char *name, elec_date d)
{
	out(b, "%s %04d-%02d-%02d\n", name, d.year, d.month, d.day);
}

static void dump_manifest(buf *b, const elec_manifest *m)
{
	out(b, "len %zu\n", m->len);
	out_hex(b, "hash", m->hash, SHA256_LEN);
	out(b, "id %s\ntitle %s | %s\nkind %d\ncharter %s\nprovince %s\n", S(m->id), S(m->title_zh),
	    S(m->title_en), (int)m->kind, S(m->charter), S(m->province));
	out(b, "profiles %zu:", m->nprofiles);
	for (size_t i = 0; i < m->nprofiles; i++)
		out(b, " %s", S(m->profiles[i]->id));
	out(b, "\ncommittee-list %zu\n", m->ncommittee);
	for (size_t i = 0; i < m->ncommittee; i++) {
		out(b, "  %s %s relatives %zu:", S(m->committee[i].name), S(m->committee[i].voter),
		    m->committee[i].nrelatives);
		for (size_t k = 0; k < m->committee[i].nrelatives; k++)
			out(b, " %s", S(m->committee[i].relatives[k]));
		out(b, "\n");
	}
	out(b,
	    "mode %d registered %llu households %llu members %llu representatives %llu "
	    "groups %llu\n",
	    (int)m->mode, (unsigned long long)m->registered, (unsigned long long)m->households,
	    (unsigned long long)m->members, (unsigned long long)m->representatives,
	    (unsigned long long)m->groups);
	out(b, "committee %d members %llu term %llu\n", m->has_committee,
	    (unsigned long long)m->committee_members, (unsigned long long)m->term_years);
	out(b, "stations %zu\n", m->nstations);
	for (size_t i = 0; i < m->nstations; i++) {
		out(b, "  %s %s groups %zu:", S(m->stations[i].id), S(m->stations[i].name),
		    m->stations[i].ngroups);
		for (size_t k = 0; k < m->stations[i].ngroups; k++)
			out(b, " %s", S(m->stations[i].groups[k]));
		out(b, "\n");
	}
	out_date(b, "polling_day", m->polling_day);
	out(b, "has roll %d notice %d close %d decided %d\n", m->has_roll_published, m->has_notice,
	    m->has_objections_close, m->has_objections_decided);
	out_date(b, "roll_published", m->roll_published);
	out_date(b, "notice", m->notice);
	out_date(b, "objections_close", m->objections_close);
	out_date(b, "objections_decided", m->objections_decided);
	out(b, "notice_exception %s\n", S(m->notice_exception));
	out(b, "runoff %u\n", m->runoff_round);
	out_hex(b, "prev_base", m->runoff_prev_base, SHA256_LEN);
	out_hex(b, "prev_result", m->runoff_prev_result, SHA256_LEN);
	out_hex(b, "prev_manifest", m->runoff_prev_manifest, SHA256_LEN);
	out(b, "withdrawn %zu\n", m->runoff_nwithdrawn);
	for (size_t i = 0; i < m->runoff_nwithdrawn; i++)
		out(b, "  %s: %s\n", S(m->runoff_withdrawn[i]), S(m->runoff_withdrawn_reason[i]));
	out(b, "by_election %d\n", m->by_election);
	out_date(b, "term_began", m->term_began);
	out_date(b, "term_ends", m->term_ends);
	out(b, "contests %zu\n", m->ncontests);
	for (size_t i = 0; i < m->ncontests; i++) {
		const elec_contest *c = &m->contests[i];
		out(b, " contest %s type %d title %s | %s rules %zu:", S(c->id), (int)c->type,
		    S(c->title_zh), S(c->title_en), c->nrules);
		for (size_t k = 0; k < c->nrules; k++)
			out(b, " %s", S(c->rules[k]));
		out(b, "\n  seats %u write_in %u named %d text %s\n", c->seats, c->write_in,
		    c->named, S(c->text));
		for (size_t k = 0; k < c->ncands; k++)
			out(b, "  cand %s %s %s party %d nominators %llu\n", S(c->cands[k].id),
			    S(c->cands[k].voter), S(c->cands[k].name), c->cands[k].by_party,
			    (unsigned long long)c->cands[k].nominators);
		out(b, "  member %s %s defence %s\n", S(c->member_id), S(c->member_name),
		    S(c->defence));
		out_date(b, "  defence_published", c->defence_published);
		out(b, "  signatures %llu base %d\n", (unsigned long long)c->signatures,
		    (int)c->signature_base);
		for (size_t k = 0; k < c->nmembers; k++)
			out(b, "  eval %s %s unfit %d\n", S(c->members[k].id),
			    S(c->members[k].name), c->members[k].previous_unfit);
		out(b, "  convenes %s\n  options %zu (%u..%u):", S(c->convenes), c->noptions,
		    c->min_sel, c->max_sel);
		for (size_t k = 0; k < c->noptions; k++)
			out(b, " %s/%u", S(c->options[k]), c->option_group[k]);
		out(b, "\n");
	}
}

/* Variants of the fixtures (valid manifests) the golden text covers too. */
static json_t *variant(size_t i, const char **label)
{
	json_t *j;
	switch (i) {
	case 0:
		*label = "motion.json, charter CH1: a warning on CH4.12";
		j = fixture_json("motion.json");
		jset(j, "charter", json_string("CH1"));
		return j;
	case 1:
		*label = "recall.json, households base";
		j = fixture_json("recall.json");
		jset(j, "contests[0].signature_base", json_string("households"));
		return j;
	case 2:
		*label =
		    "election-full.json, a party nomination with a count, empty notice_exception";
		j = fixture_json("tests/election/manifests/election-full.json");
		jset(j, "contests[0].candidates[0].nomination",
		     json_pack("{s:s, s:i}", "by", "party", "count", 3));
		jset(j, "dates.notice_exception", json_string(""));
		return j;
	case 3:
		*label = "motion.json, committee null, unknown keys";
		j = fixture_json("motion.json");
		jset(j, "committee", json_null());
		jset(j, "charter", json_null());
		jset(j, "x-unknown", json_pack("{s:i}", "a", 1));
		jset(j, "contests[0].x-note", json_string("ignored"));
		jset(j, "contests[0].ballot", json_string("secret"));
		return j;
	case 4:
		*label = "election.json, write_in 0, empty relatives";
		j = fixture_json("election.json");
		jset(j, "contests[1].write_in", json_integer(0));
		jset(j, "election_committee",
		     json_pack("[{s:s, s:s, s:[]}]", "name", "周", "voter", "V0099", "relatives"));
		jset(j, "runoff", NULL);
		return j;
	case 5:
		*label = "runoff.json, empty withdrawn list";
		j = fixture_json("tests/election/manifests/runoff.json");
		jset(j, "runoff.withdrawn", json_array());
		return j;
	default:
		return NULL;
	}
}

static char *golden_text(void)
{
	buf b = {0};
	for (size_t i = 0; i < NFIXTURES + 16; i++) {
		json_t *j;
		const char *label = fixtures[i < NFIXTURES ? i : 0];
		if (i < NFIXTURES)
			j = fixture_json(fixtures[i]);
		else if ((j = variant(i - NFIXTURES, &label)) == NULL)
			break;
		elec_findings f;
		elec_manifest *m = NULL;
		elec_findings_init(&f);
		qerr e = parse_manifest_json(j, &m, &f);
		if (e != Q_OK)
			dump_findings(&f);
		cr_assert_eq(e, Q_OK, "%s: %s", label, qerr_str(e));
		out(&b, "== %s\nfindings %zu\n", label, f.n);
		for (size_t k = 0; k < f.n; k++)
			out(&b, "  %d [%s] %s\n", (int)f.v[k].severity, S(f.v[k].rule),
			    S(f.v[k].where));
		dump_manifest(&b, m);
		manifest_free(m);
		elec_findings_free(&f);
		json_decref(j);
	}
	return b.s;
}

/* Every valid manifest parses to the same struct as the reader the tables
 * replaced did (QUORUM_WRITE_GOLDEN=1 rewrites the file). */
Test(manifest_table, parsed_struct_is_the_golden_one)
{
	char *got = golden_text();
	const char *root = getenv("QUORUM_SOURCE_ROOT");
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/election/manifests/golden.txt", root ? root : ".");
	if (getenv("QUORUM_WRITE_GOLDEN") != NULL) {
		FILE *fp = fopen(path, "w");
		cr_assert_not_null(fp, "%s", path);
		fputs(got, fp);
		cr_assert_eq(fclose(fp), 0);
	}
	size_t len;
	char *want = test_read_file(path, &len);
	cr_assert_not_null(want, "cannot read %s", path);
	if (strcmp(got, want) != 0) {
		size_t i = 0;
		while (got[i] && got[i] == want[i])
			i++;
		size_t from = i > 200 ? i - 200 : 0;
		cr_assert_fail("parsed struct differs from %s at byte %zu:\n got: %.300s\nwant: "
		               "%.300s",
		               path, i, got + from, want + from);
	}
	free(want);
	free(got);
}

/* ---- the tables themselves ---- */

#define MAXSEEN 512

typedef struct seen_set {
	const mf_field *v[MAXSEEN];
	size_t n;
} seen_set;

static void seen_add(seen_set *s, const mf_field *fd)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == fd)
			return;
	cr_assert_lt(s->n, MAXSEEN);
	s->v[s->n++] = fd;
}

static int seen_has(const seen_set *s, const mf_field *fd)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == fd)
			return 1;
	return 0;
}

/* A field found in a fixture, with its JSON path. */
typedef struct place {
	const mf_field *fd;
	char path[200];
	size_t fixture;
} place;

typedef struct places {
	place *v;
	size_t n, cap;
} places;

static void join(char *out, size_t n, const char *path, const char *key)
{
	snprintf(out, n, "%s%s%s", path, path[0] ? "." : "", key);
}

/* Walk the JSON object jo of a fixture by table o: every field present is
 * seen and its place recorded; objects and arrays are walked by their
 * tables, a tagged object's variant too. */
static void walk(const mf_object *o, json_t *jo, const char *path, size_t fx, seen_set *s,
                 places *pl)
{
	const mf_object *variant = NULL;
	for (size_t i = 0; i < o->nfields; i++) {
		const mf_field *fd = &o->fields[i];
		json_t *v = json_object_get(jo, fd->key);
		char p[200];
		if (v == NULL || json_is_null(v))
			continue;
		join(p, sizeof p, path, fd->key);
		seen_add(s, fd);
		if (pl->n == pl->cap) {
			pl->cap = pl->cap ? 2 * pl->cap : 256;
			pl->v = realloc(pl->v, pl->cap * sizeof(place));
			cr_assert_not_null(pl->v);
		}
		pl->v[pl->n].fd = fd;
		pl->v[pl->n].fixture = fx;
		snprintf(pl->v[pl->n].path, sizeof pl->v[pl->n].path, "%s", p);
		pl->n++;
		if ((fd->flags & MF_TAG) && json_is_string(v))
			for (size_t k = 0; fd->names[k] != NULL; k++)
				if (strcmp(fd->names[k], json_string_value(v)) == 0 &&
				    k < o->nvariants)
					variant = o->variants[k];
		if (fd->type == MF_OBJECT && json_is_object(v))
			walk(fd->sub, v, p, fx, s, pl);
		if (fd->type == MF_ARRAY && json_is_array(v))
			for (size_t k = 0; k < json_array_size(v); k++) {
				char e[240];
				snprintf(e, sizeof e, "%s[%zu]", p, k);
				walk(fd->sub, json_array_get(v, k), e, fx, s, pl);
			}
	}
	if (variant != NULL)
		walk(variant, jo, path, fx, s, pl);
}

static void walk_fixtures(seen_set *s, places *pl)
{
	for (size_t i = 0; i < NFIXTURES; i++) {
		json_t *j = fixture_json(fixtures[i]);
		walk(manifest_schema(), j, "", i, s, pl);
		json_decref(j);
	}
}

/* Every field of every table (the manifest's, reached through objects,
 * arrays and variants) appears in at least one valid fixture: a new field
 * without a fixture fails here, and so gets the generated tests below. */
static void all_fields(const mf_object *o, const char *path, const seen_set *s, size_t *missing,
                       size_t *total)
{
	for (size_t i = 0; i < o->nfields; i++) {
		const mf_field *fd = &o->fields[i];
		char p[200];
		join(p, sizeof p, path, fd->key);
		(*total)++;
		if (!seen_has(s, fd)) {
			(*missing)++;
			cr_expect(0,
			          "table \"%s\" field %s (%s) is in no fixture of tests/election/",
			          o->name, fd->key, p);
		}
		if (fd->type == MF_OBJECT || fd->type == MF_ARRAY)
			all_fields(fd->sub, p, s, missing, total);
	}
	for (size_t k = 0; k < o->nvariants; k++) {
		char p[200];
		snprintf(p, sizeof p, "%s(%s)", path, o->variants[k]->name);
		all_fields(o->variants[k], p, s, missing, total);
	}
}

Test(manifest_table, every_table_field_is_in_a_fixture)
{
	seen_set s = {.n = 0};
	places pl = {0};
	size_t missing = 0, total = 0;
	walk_fixtures(&s, &pl);
	all_fields(manifest_schema(), "", &s, &missing, &total);
	cr_assert_eq(missing, 0, "%zu of %zu table fields are in no fixture", missing, total);
	cr_assert_geq(total, 60);
	/* and every fixture is valid: the fields are exercised as good input */
	for (size_t i = 0; i < NFIXTURES; i++) {
		json_t *j = fixture_json(fixtures[i]);
		elec_findings f;
		elec_manifest *m = NULL;
		elec_findings_init(&f);
		qerr e = parse_manifest_json(j, &m, &f);
		if (e != Q_OK)
			dump_findings(&f);
		cr_expect_eq(e, Q_OK, "%s", fixtures[i]);
		manifest_free(m);
		elec_findings_free(&f);
		json_decref(j);
	}
	free(pl.v);
}

/* Parse fixture fx with the value at path replaced (NULL: deleted); expect
 * an error whose location is path or inside it. */
static void expect_error_at(size_t fx, const char *path, json_t *value, const char *what)
{
	json_t *j = fixture_json(fixtures[fx]);
	jset(j, path, value);
	elec_findings f;
	elec_manifest *m = NULL;
	elec_findings_init(&f);
	qerr e = parse_manifest_json(j, &m, &f);
	int named = 0;
	for (size_t i = 0; i < f.n; i++)
		if (f.v[i].severity == ELEC_ERROR && strncmp(f.v[i].where, path, strlen(path)) == 0)
			named = 1;
	if (e == Q_OK || !named) {
		fprintf(stderr, "%s %s (%s):\n", fixtures[fx], path, what);
		dump_findings(&f);
	}
	cr_expect_neq(e, Q_OK, "%s: %s %s accepted", fixtures[fx], path, what);
	cr_expect(named, "%s: %s %s: no error names the path", fixtures[fx], path, what);
	manifest_free(m);
	elec_findings_free(&f);
	json_decref(j);
}

/* Generated from the tables: for every place a field has in a fixture,
 * each error class that applies to it is refused with its path named:
 * a required field missing, a value of the wrong JSON type, a count out of
 * its limits, a value not among those allowed. */
Test(manifest_table, every_field_refuses_each_error_class_by_path, .timeout = 300)
{
	seen_set s = {.n = 0};
	places pl = {0};
	size_t cases = 0;
	walk_fixtures(&s, &pl);
	for (size_t i = 0; i < pl.n; i++) {
		const place *p = &pl.v[i];
		const mf_field *fd = p->fd;
		if (fd->flags & MF_REQUIRED) {
			expect_error_at(p->fixture, p->path, NULL, "missing");
			cases++;
		}
		/* the wrong JSON type */
		if (fd->type == MF_COUNT)
			expect_error_at(p->fixture, p->path, json_string("7"),
			                "a string for a count");
		else
			expect_error_at(p->fixture, p->path, json_integer(7), "a number");
		cases++;
		if (fd->type == MF_COUNT && fd->max > 0) {
			expect_error_at(p->fixture, p->path, json_integer((json_int_t)fd->max + 1),
			                "above its maximum");
			cases++;
			if (fd->min > 0) {
				expect_error_at(p->fixture, p->path,
				                json_integer((json_int_t)fd->min - 1),
				                "below its minimum");
				cases++;
			}
		}
		if (fd->names != NULL) {
			expect_error_at(p->fixture, p->path, json_string("no-such-value"),
			                "a value not allowed");
			cases++;
		}
	}
	cr_assert_geq(cases, 200);
	free(pl.v);
}

/* One case per table-driven error class, across object types, with the
 * exact location and message. */
static const struct {
	const char *fixture, *path, *value; /* value: JSON text; NULL deletes */
	const char *rule, *where, *msg;
} classes[] = {
    /* missing required */
    {"election.json", "body.mode", NULL, NULL, "body.mode", "mode is missing (E-2)"},
    {"election.json", "contests[1].seats", NULL, NULL, "contests[1].seats",
     "seats is missing (E-2)"},
    {"election.json", "stations[1].name", NULL, NULL, "stations[1].name", "name is missing (E-2)"},
    {"tests/election/manifests/runoff.json", "runoff.previous_base_hash", NULL, NULL,
     "runoff.previous_base_hash", "previous_base_hash is missing (E-5.1)"},
    {"recall.json", "contests[0].defence", NULL, "UL20.defence", "contests[0].defence",
     "the member's defence text must be given and published before the poll"},
    {"election.json", "dates", NULL, NULL, "dates",
     "dates must be an object with polling_day (E-2)"},
    /* wrong type */
    {"election.json", "dates.polling_day", "15", NULL, "dates.polling_day",
     "polling_day must be a string (E-2)"},
    {"evaluation.json", "contests[0].members", "{}", NULL, "contests[0].members",
     "members must be a non-empty array (E-2)"},
    {"tests/election/manifests/election-full.json", "election_committee[0].relatives", "\"V1\"",
     NULL, "election_committee[0].relatives", "relatives must be an array (E-2)"},
    {"election.json", "contests[0].candidates[1]", "\"c2\"", NULL, "contests[0].candidates[1]",
     "candidates[1] must be an object with id, voter, name and nomination (E-2)"},
    {"election.json", "body.households", "\"400\"", NULL, "body.households",
     "households must be an integer from 0 to 2^53-1 (E-2)"},
    /* out of range */
    {"election.json", "contests[1].seats", "1001", NULL, "contests[1].seats",
     "seats must be an integer from 1 to 1000, not 1001 (E-2)"},
    {"tests/election/manifests/runoff.json", "runoff.round", "1", "UL19.runoff", "runoff.round",
     "round must be 2 to 100 (round 1 has no \"runoff\")"},
    {"election.json", "contests[1].write_in", "6", NULL, "contests[1].write_in",
     "write_in must be an integer from 0 to 5, not 6 (E-2)"},
    /* a value not allowed */
    {"recall.json", "contests[0].signature_base", "\"adults\"", NULL, "contests[0].signature_base",
     "signature_base \"adults\" is not registered, households or representatives (E-2)"},
    {"evaluation.json", "contests[0].members[1].previous", "\"优秀\"", NULL,
     "contests[0].members[1].previous", "previous \"优秀\" is not 称职, 基本称职 or 不称职 (E-2)"},
    {"election.json", "contests[0].type", "\"poll\"", NULL, "contests[0].type",
     "type \"poll\" is not office, motion, recall, evaluation or petition (E-2)"},
    {"election.json", "format", "\"quorum-manifest/2\"", NULL, "format",
     "format \"quorum-manifest/2\" is not quorum-manifest/1 (E-2)"},
    /* a form the type has */
    {"election.json", "stations[0].groups[1]", "\"g 2\"", NULL, "stations[0].groups[1]",
     "groups[1] \"g 2\" must be 1-64 characters of A-Z a-z 0-9 . _ - (E-2)"},
    {"tests/election/manifests/runoff.json", "runoff.previous_result_sha256", "\"ABCD\"", NULL,
     "runoff.previous_result_sha256",
     "previous_result_sha256 must be 64 lower-case hexadecimal digits (E-5.1)"},
    /* unique in its array */
    {"election.json", "stations[1].id", "\"s1\"", NULL, "stations[1].id",
     "duplicate station id \"s1\": also at stations[0] (E-2)"},
    {"evaluation.json", "contests[0].members[1].id", "\"K0001\"", NULL, "contests[0].members[1].id",
     "duplicate member id \"K0001\": also at contests[0].members[0] (E-2)"},
};

Test(manifest_table, each_error_class_names_the_path)
{
	for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++) {
		json_t *j = fixture_json(classes[i].fixture);
		json_t *v = NULL;
		if (classes[i].value != NULL) {
			v = json_loads(classes[i].value, JSON_DECODE_ANY, NULL);
			cr_assert_not_null(v, "case %zu", i);
		}
		jset(j, classes[i].path, v);
		elec_findings f;
		elec_manifest *m = NULL;
		elec_findings_init(&f);
		cr_expect_eq(parse_manifest_json(j, &m, &f), Q_ERR_RULE, "case %zu", i);
		int found = 0;
		for (size_t k = 0; k < f.n; k++)
			if (strcmp(f.v[k].where, classes[i].where) == 0 &&
			    strcmp(f.v[k].message, classes[i].msg) == 0 &&
			    (classes[i].rule == NULL
			         ? f.v[k].rule == NULL
			         : f.v[k].rule != NULL &&
			               strcmp(f.v[k].rule, classes[i].rule) == 0))
				found = 1;
		if (!found) {
			fprintf(stderr, "case %zu (%s %s):\n", i, classes[i].fixture,
			        classes[i].path);
			dump_findings(&f);
		}
		cr_expect(found, "case %zu: no finding \"%s: %s\"", i, classes[i].where,
		          classes[i].msg);
		manifest_free(m);
		elec_findings_free(&f);
		json_decref(j);
	}
}

/* E-2: unknown keys are ignored, at every level (they are still hashed,
 * E-1.1): the manifest parses, with no finding. */
Test(manifest_table, unknown_keys_are_ignored)
{
	static const char *const at[] = {"x-note",
	                                 "body.x-note",
	                                 "dates.x-note",
	                                 "stations[0].x-note",
	                                 "contests[0].x-note",
	                                 "contests[0].candidates[0].x-note",
	                                 "contests[0].candidates[0].nomination.x-note",
	                                 "title.x-note",
	                                 "committee.x-note"};
	/* the fixture's own findings (its Party nominations are warned
	 * under UL18.nomination): an unknown key adds none */
	size_t base_n;
	{
		json_t *j = fixture_json("election.json");
		elec_findings f;
		elec_manifest *m = NULL;
		elec_findings_init(&f);
		cr_assert_eq(parse_manifest_json(j, &m, &f), Q_OK);
		base_n = f.n;
		manifest_free(m);
		elec_findings_free(&f);
		json_decref(j);
	}
	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		json_t *j = fixture_json("election.json");
		jset(j, at[i], json_pack("{s:[i]}", "any", 1));
		elec_findings f;
		elec_manifest *m = NULL;
		elec_findings_init(&f);
		cr_expect_eq(parse_manifest_json(j, &m, &f), Q_OK, "%s", at[i]);
		cr_expect_eq(f.n, base_n, "%s", at[i]);
		manifest_free(m);
		elec_findings_free(&f);
		json_decref(j);
	}
}

/* The tables are well formed: what the walker relies on holds for every
 * field of every table. */
static void check_table(const mf_object *o, size_t depth)
{
	cr_assert_lt(depth, 8, "table %s nested too deep", o->name);
	cr_assert_not_null(o->name);
	cr_assert_not_null(o->cite, "table %s cites no spec section", o->name);
	for (size_t i = 0; i < o->nfields; i++) {
		const mf_field *fd = &o->fields[i];
		for (size_t k = 0; k < i; k++)
			cr_expect_neq(strcmp(o->fields[k].key, fd->key), 0, "%s.%s twice", o->name,
			              fd->key);
		switch (fd->type) {
		case MF_ENUM:
			cr_expect_not_null(fd->names, "%s.%s", o->name, fd->key);
			cr_expect(fd->off == 0 || fd->size == sizeof(int), "%s.%s: not an int",
			          o->name, fd->key);
			break;
		case MF_COUNT:
			cr_expect(fd->off == 0 || fd->size == sizeof(uint64_t) ||
			              (fd->size == sizeof(uint32_t) && fd->max > 0 &&
			               fd->max <= UINT32_MAX),
			          "%s.%s: a 32-bit count needs a maximum that fits", o->name,
			          fd->key);
			cr_expect(fd->min <= fd->max, "%s.%s", o->name, fd->key);
			break;
		case MF_OBJECT:
			cr_assert_not_null(fd->sub, "%s.%s", o->name, fd->key);
			check_table(fd->sub, depth + 1);
			break;
		case MF_ARRAY:
			cr_assert_not_null(fd->sub, "%s.%s", o->name, fd->key);
			cr_expect(fd->off != 0 && fd->aux != 0 && fd->sub->size > 0, "%s.%s",
			          o->name, fd->key);
			check_table(fd->sub, depth + 1);
			break;
		case MF_LIST:
			cr_expect(fd->off != 0 && fd->aux != 0, "%s.%s", o->name, fd->key);
			cr_expect(fd->elem == MF_ID || fd->elem == MF_STR, "%s.%s", o->name,
			          fd->key);
			break;
		case MF_CUSTOM:
			cr_expect_not_null(fd->set, "%s.%s", o->name, fd->key);
			break;
		default:
			break;
		}
		if (fd->flags & MF_TAG) {
			size_t n = 0;
			while (fd->names != NULL && fd->names[n] != NULL)
				n++;
			cr_expect_eq(n, o->nvariants, "%s.%s: a variant for each value", o->name,
			             fd->key);
		}
		if (fd->flags & MF_UNIQUE)
			cr_expect(fd->type == MF_ID || fd->type == MF_STR, "%s.%s", o->name,
			          fd->key);
	}
	for (size_t k = 0; k < o->nvariants; k++)
		check_table(o->variants[k], depth + 1);
}

Test(manifest_table, tables_are_well_formed)
{
	check_table(manifest_schema(), 0);
}
