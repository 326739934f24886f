/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * date.h -- calendar dates (proleptic Gregorian, ISO 8601 "YYYY-MM-DD")
 * and exact age arithmetic.  No time zones: a polling day is a civil date.
 */
#ifndef QUORUM_ELECTION_DATE_H
#define QUORUM_ELECTION_DATE_H

#include <stdint.h>

#include "crypto/qerr.h"

typedef struct elec_date {
	int year; /* 1..9999 */
	int month; /* 1..12 */
	int day; /* 1..days in month */
} elec_date;

/* Parse exactly 10 bytes "YYYY-MM-DD" (s must be NUL-terminated and have no
 * other characters).  Q_ERR_FORMAT on any other shape or a day that does
 * not exist (2025-02-29); *out is zeroed on failure. */
Q_MUST_CHECK qerr elec_date_parse(const char *s, elec_date *out);

/* Days since 1970-01-01 (negative before). Input must be a valid date. */
int64_t elec_date_days(elec_date d);

/* 1 if the year is a leap year. */
int elec_date_is_leap(int year);

/*
 * 1 if a person born on `birth` has completed `years` full years on day `on`.
 * The anniversary itself counts (a voter born 2008-03-15 is 18 on
 * 2026-03-15).  Born on 29 February: in a non-leap year the anniversary is
 * 28 February (Civil Code Art 202: a period counted in years whose final
 * month has no corresponding day ends on the last day of that month).
 */
int elec_date_age_at_least(elec_date birth, elec_date on, int years);

#endif
