/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * report.h -- the result announcement (docs/spec/record.md R-9): DIR/
 * report.txt (UTF-8 text) and DIR/report.html (one printable page, inline
 * CSS bar chart, Chinese and English), both made from tally/result.json,
 * the manifest and tally/result.checkpoint.  Each contest shows its counts,
 * its outcome and every rule applied with the numbers compared and the
 * legal source, then the tracking-code lookup instructions and the final
 * signed checkpoint.  Nothing here is secret.
 */
#ifndef QUORUM_TALLY_REPORT_H
#define QUORUM_TALLY_REPORT_H

#include <stddef.h>

#include "crypto/qerr.h"
#include "record.h"

/* Write report.txt and report.html (overwriting earlier ones).
 * Q_ERR_STATE if there is no result yet. */
Q_MUST_CHECK qerr tally_report(const rec_election *el, char *msg, size_t msgsz);

#endif
