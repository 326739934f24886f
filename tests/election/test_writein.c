/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Write-in slots (docs/spec/ballot.md B-10): the manifest field (E-2
 * "write_in"), where it is refused, and the ballot style's slots.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "election/ballot.h"
#include "election/manifest.h"
#include "election/rules.h"
#include "election/runoff.h"
#include "helpers.h"

#include "banned.h"

static const uint8_t BASE[BALLOT_HASH_LEN] = {1};

static elec_manifest *parse_ok(json_t *j)
{
	elec_manifest *m = NULL;
	elec_findings f;
	elec_findings_init(&f);
	qerr e = parse_manifest_json(j, &m, &f);
	if (e != Q_OK)
		dump_findings(&f);
	cr_assert_eq(e, Q_OK);
	elec_findings_free(&f);
	return m;
}

static void parse_refused(json_t *j, const char *rule, const char *msg)
{
	elec_manifest *m = NULL;
	elec_findings f;
	elec_findings_init(&f);
	cr_assert_eq(parse_manifest_json(j, &m, &f), Q_ERR_RULE);
	cr_assert_null(m);
	if (!has_finding(&f, ELEC_ERROR, rule, "contests[", msg)) {
		dump_findings(&f);
		cr_assert_fail("no finding \"%s\"", msg);
	}
	elec_findings_free(&f);
}

Test(writein, manifest_field_and_style_slots)
{
	json_t *j = ex_json("election.json");
	jset(j, "contests[1].write_in", json_integer(2));
	elec_manifest *m = parse_ok(j);
	cr_assert_eq(m->contests[0].write_in, 0);
	cr_assert_eq(m->contests[1].write_in, 2);
	ballot_style *st = NULL;
	char why[300] = "";
	cr_assert_eq(elec_round_style(m, NULL, BASE, &st, why, sizeof why), Q_OK, "%s", why);
	/* B-10.1: the 5 listed candidates, then the 2 slots, inside 0..seats */
	cr_assert_eq(st->contests[0].nwritein, 0);
	cr_assert_eq(st->contests[1].noptions, 5 + 2);
	cr_assert_eq(st->contests[1].nwritein, 2);
	cr_assert_eq(st->contests[1].max_sel, 3);
	cr_assert_eq(st->total_writein, 2);
	ballot_style_free(st);
	manifest_free(m);
	json_decref(j);
}

Test(writein, refused_in_a_motion_beyond_the_seats_and_too_many)
{
	json_t *j = ex_json("motion.json");
	jset(j, "contests[0].write_in", json_integer(1));
	parse_refused(j, NULL, "only an office contest may have write-in slots");
	json_decref(j);
	j = ex_json("election.json");
	jset(j, "contests[0].write_in", json_integer(2)); /* 1 seat */
	parse_refused(j, NULL, "at most the seats (1)");
	json_decref(j);
	j = ex_json("election.json");
	jset(j, "contests[1].write_in", json_integer(-1));
	parse_refused(j, NULL, "write_in must be an integer");
	json_decref(j);
}

Test(writein, refused_where_a_profile_forbids)
{
	/* The built-in profiles, with CH1 given a row of part "no-write-in". */
	size_t n;
	const char *const *names;
	const unsigned char *const *bytes;
	const size_t *lens;
	rulebook *rb = NULL;
	elec_findings f;
	elec_findings_init(&f);
	rulebook_builtin_files(&n, &names, &bytes, &lens);
	cr_assert_eq(rulebook_new(&rb), Q_OK);
	/* the statute first (a lower layer's rows may govern it) */
	for (size_t k = 0; k < 2 * n; k++) {
		size_t i = k % n;
		if ((k < n) != (strncmp(names[i], "UL-", 3) == 0))
			continue;
		json_t *pj = json_loadb((const char *)bytes[i], lens[i], 0, NULL);
		cr_assert_not_null(pj);
		if (strcmp(names[i], "CH1.json") == 0) {
			json_t *row =
			    json_deep_copy(json_array_get(json_object_get(pj, "rows"), 0));
			json_object_set_new(row, "id", json_string("CH1.99"));
			json_object_set_new(row, "part", json_string("no-write-in"));
			json_object_set_new(row, "test", json_null());
			json_object_set_new(row, "governs", json_null());
			json_array_append_new(json_object_get(pj, "rows"), row);
		}
		char *s = json_dumps(pj, JSON_COMPACT);
		rule_file *pf = NULL;
		cr_assert_eq(rule_file_parse((const uint8_t *)s, strlen(s), &pf, &f), Q_OK, "%s",
		             names[i]);
		cr_assert_eq(rulebook_add(rb, pf, &f), Q_OK, "%s", names[i]);
		free(s);
		json_decref(pj);
	}
	json_t *j = ex_json("election.json"); /* charter CH1 */
	jset(j, "contests[1].write_in", json_integer(1));
	char *s = json_dumps(j, JSON_COMPACT);
	elec_manifest *m = NULL;
	cr_assert_eq(manifest_parse_rules((const uint8_t *)s, strlen(s), rb, &m, &f), Q_ERR_RULE);
	cr_assert_null(m);
	if (!has_finding(&f, ELEC_ERROR, "CH1.99", "contests[1]", "forbids write-ins"))
		dump_findings(&f);
	cr_assert(has_finding(&f, ELEC_ERROR, "CH1.99", "contests[1]", "forbids write-ins"));
	/* without the field the same rulebook accepts it */
	elec_findings_free(&f);
	elec_findings_init(&f);
	free(s);
	jset(j, "contests[1].write_in", NULL);
	s = json_dumps(j, JSON_COMPACT);
	cr_assert_eq(manifest_parse_rules((const uint8_t *)s, strlen(s), rb, &m, &f), Q_OK);
	manifest_free(m);
	free(s);
	json_decref(j);
	elec_findings_free(&f);
	rulebook_free(rb);
}

Test(writein, style_check_refuses_bad_slots)
{
	ballot_style *st = ballot_style_new(1, BASE);
	char why[200] = "";
	st->contests[0] =
	    (ballot_contest_style){.noptions = 4, .min_sel = 0, .max_sel = 2, .nwritein = 3};
	cr_assert_eq(ballot_style_check(st, why, sizeof why), Q_ERR_RANGE);
	cr_assert(strstr(why, "3 write-in slots invalid") != NULL, "%s", why);
	st->contests[0].nwritein = 2;
	cr_assert_eq(ballot_style_check(st, why, sizeof why), Q_OK, "%s", why);
	cr_assert_eq(st->total_writein, 2);
	ballot_style_free(st);
}
