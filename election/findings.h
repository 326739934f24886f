/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * findings.h -- a list of problems found while checking input (a manifest,
 * a roll, a counts file).  Every problem is kept, not just the first, so an
 * official can fix them all in one pass.
 *
 * A finding has a severity (error: the input is refused; warning: reported,
 * input accepted), an optional rule ID from RULES.md (NULL when the finding
 * is about form, not law), a location (a JSON path such as
 * "contests[2].seats" or "line 14") and an English message.
 * Ownership: the list owns every string in it; elec_findings_free(NULL)
 * is safe.
 */
#ifndef QUORUM_ELECTION_FINDINGS_H
#define QUORUM_ELECTION_FINDINGS_H

#include <stddef.h>

#include "crypto/qerr.h"

typedef enum elec_severity {
	ELEC_ERROR = 0,
	ELEC_WARNING = 1,
} elec_severity;

typedef struct elec_finding {
	elec_severity severity;
	char *rule; /* rule ID ("UL8.size") or NULL */
	char *where; /* JSON path or "line N" */
	char *message; /* English, one sentence */
} elec_finding;

typedef struct elec_findings {
	elec_finding *v;
	size_t n, cap;
	int oom; /* set if a finding could not be recorded for lack of memory */
} elec_findings;

/* Initialise an empty list (no allocation). */
void elec_findings_init(elec_findings *f);

/* Free every finding; the list is left empty and reusable. NULL is safe. */
void elec_findings_free(elec_findings *f);

/* Append a finding (printf-style message).  On allocation failure the
 * finding is dropped and f->oom is set; callers check elec_findings_status. */
__attribute__((format(printf, 5, 6))) void elec_findings_add(elec_findings *f, elec_severity sev,
                                                             const char *rule, const char *where,
                                                             const char *fmt, ...);

/* Number of findings of severity ELEC_ERROR. */
size_t elec_findings_errors(const elec_findings *f);

/* Q_ERR_NOMEM if a finding was lost, else err_code if there is at least one
 * error, else Q_OK. */
Q_MUST_CHECK qerr elec_findings_status(const elec_findings *f, qerr err_code);

#endif
