/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * test_named.c -- named votes (记名表决, E-2.1): the manifest's "ballot"
 * field and its refusal where the law asks for a secret ballot
 * (UL19.secret); the P-6.6 log entry's exact bytes; and the count of the
 * entries (election/named.h) that the station, the tally and the verifier
 * share: a voter not checked in, a vote twice, a contest that is not a
 * named vote and a malformed entry are each refused, naming the voter.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "election/named.h"
#include "helpers.h"

static elec_manifest *named_motion(void)
{
	json_t *j = ex_json("motion.json");
	elec_manifest *m = NULL;
	elec_findings f;
	elec_findings_init(&f);
	jset(j, "contests[0].ballot", json_string("named"));
	qerr e = parse_manifest_json(j, &m, &f);
	if (e != Q_OK)
		dump_findings(&f);
	cr_assert_eq(e, Q_OK);
	elec_findings_free(&f);
	json_decref(j);
	return m;
}

Test(named, motion_may_be_named_and_is_not_balloted)
{
	elec_manifest *m = named_motion();
	const elec_contest *c = manifest_contest(m, "budget");
	char *const *ids;
	size_t n;
	unsigned mn, mx;
	cr_assert(c->named);
	cr_assert_not(manifest_contest_balloted(c));
	manifest_contest_options(c, &ids, &n, &mn, &mx);
	cr_assert_eq(n, 3); /* yes, no, abstain: counted (D-1) */
	cr_assert_eq(mx, 0); /* not on the encrypted ballot (B-1) */
	manifest_free(m);
	/* the default is the secret ballot */
	json_t *j = ex_json("motion.json");
	elec_findings f;
	elec_findings_init(&f);
	cr_assert_eq(parse_manifest_json(j, &m, &f), Q_OK);
	cr_assert_not(m->contests[0].named);
	cr_assert(manifest_contest_balloted(&m->contests[0]));
	manifest_free(m);
	elec_findings_free(&f);
	json_decref(j);
}

/* UL Art 19, 20: an election and a recall are secret ballots. */
static void refused(const char *example, const char *ballot, const char *rule, const char *msg)
{
	json_t *j = ex_json(example);
	elec_manifest *m = NULL;
	elec_findings f;
	elec_findings_init(&f);
	jset(j, "contests[0].ballot", json_string(ballot));
	cr_assert_eq(parse_manifest_json(j, &m, &f), Q_ERR_RULE, "%s: ballot %s accepted", example,
	             ballot);
	cr_assert_null(m);
	if (!has_finding(&f, ELEC_ERROR, rule, "contests[0]", msg))
		dump_findings(&f);
	cr_assert(has_finding(&f, ELEC_ERROR, rule, "contests[0]", msg), "%s: no finding %s",
	          example, msg);
	elec_findings_free(&f);
	json_decref(j);
}

Test(named, refused_where_the_law_requires_a_secret_ballot)
{
	refused("election.json", "named", "UL19.secret", "secret ballot");
	refused("recall.json", "named", "UL19.secret", "secret ballot");
	refused("evaluation.json", "named", NULL, "only a motion");
	refused("motion.json", "hands", NULL, "is not secret or named");
}

Test(named, payload_bytes_exactly)
{
	char out[NAMED_PAYLOAD_MAX], c[MANIFEST_ID_MAX + 1], v[MANIFEST_ID_MAX + 1];
	size_t len;
	int vote;
	cr_assert_eq(named_payload_make(out, sizeof out, "budget", "V0007", "abstain", &len), Q_OK);
	cr_assert_str_eq(out, "contest budget\nvoter V0007\nvote abstain\n");
	cr_assert_eq(len, strlen(out));
	cr_assert_eq(named_payload_parse((const uint8_t *)out, len, c, v, &vote), Q_OK);
	cr_assert_str_eq(c, "budget");
	cr_assert_str_eq(v, "V0007");
	cr_assert_eq(vote, 2);
	cr_assert_neq(named_payload_make(out, sizeof out, "budget", "V 7", "yes", &len), Q_OK);
	cr_assert_neq(named_payload_make(out, sizeof out, "budget", "V7", "maybe", &len), Q_OK);
	static const char *const bad[] = {
	    "contest budget\nvoter V0007\nvote abstain", /* no final newline */
	    "contest budget\nvoter V0007\nvote abstain\n\n",
	    "voter V0007\ncontest budget\nvote yes\n", /* order */
	    "contest budget\nvoter V0007\nvote Yes\n",
	    "contest budget\nvoter V0007\nvote  yes\n",
	    "contest budget\nvoter \nvote yes\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_assert_eq(
		    named_payload_parse((const uint8_t *)bad[i], strlen(bad[i]), c, v, &vote),
		    Q_ERR_FORMAT, "accepted: %s", bad[i]);
}

static qerr add(named_tally *t, const elec_manifest *m, const json_t *ci, const char *payload,
                char *why, size_t wl)
{
	return named_tally_add(t, m, "hall", 7, ci, (const uint8_t *)payload, strlen(payload), why,
	                       wl);
}

Test(named, counted_once_per_checked_in_voter)
{
	elec_manifest *m = named_motion();
	json_t *ci = json_pack("[s, s, s]", "V0001", "V0002", "V0003");
	named_tally t = {0};
	char why[400] = "";
	uint64_t n[3];
	cr_assert_eq(add(&t, m, ci, "contest budget\nvoter V0001\nvote yes\n", why, sizeof why),
	             Q_OK, "%s", why);
	cr_assert_eq(add(&t, m, ci, "contest budget\nvoter V0003\nvote no\n", why, sizeof why),
	             Q_OK, "%s", why);
	/* not checked in */
	cr_assert_eq(add(&t, m, ci, "contest budget\nvoter V0009\nvote yes\n", why, sizeof why),
	             Q_ERR_CONSISTENCY);
	cr_assert(strstr(why, "V0009 is not checked in at station hall") != NULL, "%s", why);
	/* twice */
	cr_assert_eq(add(&t, m, ci, "contest budget\nvoter V0001\nvote no\n", why, sizeof why),
	             Q_ERR_EXISTS);
	cr_assert(strstr(why, "V0001 votes twice in motion budget") != NULL, "%s", why);
	/* a contest that is not a named vote */
	cr_assert_eq(add(&t, m, ci, "contest other\nvoter V0002\nvote yes\n", why, sizeof why),
	             Q_ERR_RULE);
	cr_assert(strstr(why, "not a named vote") != NULL, "%s", why);
	/* altered bytes */
	cr_assert_eq(add(&t, m, ci, "contest budget\nvoter V0002\nvote yes!\n", why, sizeof why),
	             Q_ERR_FORMAT);
	cr_assert(strstr(why, "log entry 7: a malformed named-vote entry") != NULL, "%s", why);
	named_tally_counts(&t, "budget", n);
	cr_assert_eq(n[0], 1);
	cr_assert_eq(n[1], 1);
	cr_assert_eq(n[2], 0);
	named_tally_free(&t);
	json_decref(ci);
	manifest_free(m);
}
