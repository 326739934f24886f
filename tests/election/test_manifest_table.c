/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The table-driven manifest reader (election/manifest_table.h, E-2):
 * - golden: every valid manifest of the corpus parses to the same struct,
 *   field by field, as the reader it replaced (tests/election/manifests/
 *   golden.txt was written by the old reader);
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/sha256.h"
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
