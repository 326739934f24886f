/* SPDX-License-Identifier: GPL-3.0-or-later */
/* date.c -- see date.h. */
#include "date.h"

#include <string.h>

#include "banned.h"

int elec_date_is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
	static const int dm[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	return m == 2 && elec_date_is_leap(y) ? 29 : dm[m - 1];
}

static int digits(const char *s, int n, int *out)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return 0;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 1;
}

qerr elec_date_parse(const char *s, elec_date *out)
{
	elec_date d;
	memset(out, 0, sizeof(*out));
	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return Q_ERR_FORMAT;
	if (!digits(s, 4, &d.year) || !digits(s + 5, 2, &d.month) || !digits(s + 8, 2, &d.day))
		return Q_ERR_FORMAT;
	if (d.year < 1 || d.month < 1 || d.month > 12 || d.day < 1 ||
	    d.day > days_in_month(d.year, d.month))
		return Q_ERR_FORMAT;
	*out = d;
	return Q_OK;
}

/* Howard Hinnant's days_from_civil. */
int64_t elec_date_days(elec_date d)
{
	int64_t y = d.year - (d.month <= 2);
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	int64_t yoe = y - era * 400;
	int64_t mp = (d.month + 9) % 12;
	int64_t doy = (153 * mp + 2) / 5 + d.day - 1;
	int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int elec_date_age_at_least(elec_date birth, elec_date on, int years)
{
	elec_date ann;
	ann.year = birth.year + years;
	ann.month = birth.month;
	ann.day = birth.day;
	if (ann.month == 2 && ann.day == 29 && !elec_date_is_leap(ann.year))
		ann.day = 28; /* Civil Code Art 202 */
	if (ann.year > 9999)
		return 0;
	return elec_date_days(on) >= elec_date_days(ann);
}
