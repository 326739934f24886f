/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * rules_record.h -- the rule profiles of an election record (RP-5):
 * the catalogue init chooses from (built-in profiles, replaced or extended
 * by files the returning officer gives), the list parameters.json carries
 * ("rules": [{"id", "file", "sha256"}]), and the rulebook a reader builds
 * back from the record's own files.
 *
 * Errors: findings (with the file named in `where`) and a qerr; nothing
 * aborts on bad input.  Ownership: *out belongs to the caller
 * (rulebook_free).
 */
#ifndef QUORUM_ELECTION_RULES_RECORD_H
#define QUORUM_ELECTION_RULES_RECORD_H

#include <jansson.h>

#include "election/findings.h"
#include "election/manifest.h"
#include "election/rules.h"

/*
 * The built-in profiles with the given files (parsed strictly) in their
 * place: a given profile replaces the built-in one of the same id, a given
 * statute replaces the built-in statute, any other is added.  Profiles are
 * added statute first, then provinces, then charters (RP-3).  names[i] is
 * used in findings.  Q_ERR_FORMAT / Q_ERR_RULE with findings, Q_ERR_NOMEM.
 */
Q_MUST_CHECK qerr rulebook_with_files(const uint8_t *const *bytes, const size_t *lens,
                                      const char *const *names, size_t n, rulebook **out,
                                      elec_findings *f);

/* The "rules" list of parameters.json for the profiles m uses (RP-5.1),
 * in m->profiles order.  NULL on allocation failure. */
json_t *rules_params_list(const elec_manifest *m);

/*
 * Read the profiles a record lists (RP-5.2): every entry of `list`
 * is {"id": id, "file": "rules/<id>.json", "sha256": 64 hex}, statute first
 * and layers in order; each file under dir is read, its SHA-256 compared
 * with the listed one, parsed and added; the statute must carry the
 * engine's rows.  Q_ERR_FORMAT / Q_ERR_RULE / Q_ERR_NOTFOUND / Q_ERR_IO with
 * the file and the problem in f.
 */
Q_MUST_CHECK qerr rulebook_load_listed(const char *dir, const json_t *list, rulebook **out,
                                       elec_findings *f);

/* The same profiles, in the same order: m->profiles against the listed
 * rulebook (a record whose list names a profile the manifest does not use,
 * or misses one, is refused, RP-5.2).  Q_OK or Q_ERR_RULE with a finding. */
Q_MUST_CHECK qerr rules_params_match(const elec_manifest *m, const rulebook *rb, elec_findings *f);

/*
 * The manifest of an election directory read against the directory's own
 * profiles (RP-5.2), as the station and the audit tools use it: the
 * "rules" list of dir/parameters.json loaded (rulebook_load_listed), the
 * manifest bytes parsed against it, and the two compared
 * (rules_params_match).  The first error finding names the file
 * ("parameters.json", "rules/CH1.json", "manifest.json").  On success *m
 * and *rb belong to the caller; free *m before *rb (the manifest points
 * into the rulebook).  Q_ERR_NOTFOUND / Q_ERR_IO (a file missing or
 * unreadable), Q_ERR_FORMAT / Q_ERR_RULE, Q_ERR_NOMEM.
 */
Q_MUST_CHECK qerr rules_load_election(const char *dir, const uint8_t *mbytes, size_t mlen,
                                      rulebook **rb, elec_manifest **m, elec_findings *f);

#endif
