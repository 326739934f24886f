/* SPDX-License-Identifier: GPL-3.0-or-later */
/* Helpers for the election suites: example files, JSON edits by path. */
#ifndef QUORUM_TEST_ELECTION_HELPERS_H
#define QUORUM_TEST_ELECTION_HELPERS_H

#include <jansson.h>

#include "election/decide.h"
#include "election/findings.h"
#include "election/manifest.h"
#include "election/roll.h"

/* Load docs/examples/<name> (aborts the test if missing). */
json_t *ex_json(const char *name);
char *ex_text(const char *name, size_t *len);

/* Set (value != NULL, reference stolen) or delete (value == NULL) the member
 * at a path such as "contests[1].candidates[0].id" or "body.registered". */
void jset(json_t *root, const char *path, json_t *value);

/* Dump and parse as a manifest. */
qerr parse_manifest_json(const json_t *j, elec_manifest **m, elec_findings *f);

/* 1 if f has a finding of severity sev whose rule equals rule (NULL: any),
 * whose location contains where (NULL: any) and whose message contains msg
 * (NULL: any). */
int has_finding(const elec_findings *f, elec_severity sev, const char *rule, const char *where,
                const char *msg);

/* Print every finding (for failing-test diagnostics). */
void dump_findings(const elec_findings *f);

/* Parse manifest + counts JSON and decide; asserts success; returns the
 * decision JSON (caller decrefs). */
json_t *decide_json(const json_t *manifest, const json_t *counts);

/* The contest object with this id in a decision JSON. */
json_t *dec_contest_json(json_t *dec, const char *id);

/* The first rule record in a decision contest with this id (and subject,
 * if not NULL). */
json_t *dec_rule_json(json_t *contest, const char *id, const char *subject);

#endif
