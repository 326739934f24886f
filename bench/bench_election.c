/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * bench_election -- roll import, check-in eligibility and the rule engine,
 * each beside a floor measured in the same run.
 *
 *   bench_election [ROWS]        (default 1000000)
 *
 * Floors: "scan" = one memchr pass over the same CSV bytes counting lines
 * (the least any importer must do); "lookup" = the binary search alone
 * (roll_find) for the same ids the eligibility check resolves.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "election/decide.h"
#include "election/manifest.h"
#include "election/roll.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
	size_t rows = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;
	if (rows == 0 || rows > 5000000) {
		fprintf(stderr, "bench_election: ROWS must be 1..5000000\n");
		return 2;
	}
	size_t cap = rows * 64 + 64, len = 0;
	char *csv = malloc(cap);
	if (csv == NULL)
		return 1;
	elec_findings f;
	elec_findings_init(&f);
	/* every 50th voter gives a written proxy to the voter before them */
	len = (size_t)snprintf(csv, cap, "id,name,birth_date,household,group,flags\n");
	for (size_t i = 0; i < rows; i++) {
		char flags[32] = "";
		if (i % 50 == 1)
			snprintf(flags, sizeof flags, "proxy=V%08zu", i - 1);
		len += (size_t)snprintf(csv + len, cap - len,
		                        "V%08zu,Name %zu,19%02zu-%02zu-%02zu,H%zu,g%zu,%s\n", i, i,
		                        40 + i % 60, 1 + i % 12, 1 + i % 28, i / 3, i % 16, flags);
	}
	double t0 = now();
	size_t lines = 0;
	for (const char *p = csv; (p = memchr(p, '\n', (size_t)(csv + len - p))) != NULL; p++)
		lines++;
	double scan = now() - t0;
	elec_roll *r = NULL;
	t0 = now();
	qerr e = roll_import(csv, len, &r, &f);
	double imp = now() - t0;
	if (e != Q_OK) {
		fprintf(stderr, "bench_election: import failed (%s): %s\n", qerr_str(e),
		        f.n ? f.v[0].message : "");
		return 1;
	}
	printf("roll import: %zu rows (%zu bytes) in %.3f s = %.0f rows/s; scan floor %.4f s; "
	       "ratio %.1fx\n",
	       rows, len, imp, (double)rows / imp, scan, imp / scan);

	static const char *const groups[] = {"g0", "g1", "g2",  "g3",  "g4",  "g5",  "g6",  "g7",
	                                     "g8", "g9", "g10", "g11", "g12", "g13", "g14", "g15"};
	roll_context ctx;
	memset(&ctx, 0, sizeof ctx);
	if (elec_date_parse("2026-03-15", &ctx.polling_day) != Q_OK)
		return 1;
	ctx.groups = groups;
	ctx.ngroups = 16;
	ctx.mode = MODE_RESIDENTS;
	char id[16];
	size_t ok = 0, checks = rows < 1000000 ? rows : 1000000;
	t0 = now();
	for (size_t i = 0; i < checks; i++) {
		roll_refusal why;
		snprintf(id, sizeof id, "V%08zu", (i * 7919) % rows);
		if (roll_check_eligible(r, id, NULL, &ctx, &why, NULL, 0) == Q_OK)
			ok++;
	}
	double elig = now() - t0;
	t0 = now();
	size_t found = 0;
	for (size_t i = 0; i < checks; i++) {
		snprintf(id, sizeof id, "V%08zu", (i * 7919) % rows);
		found += roll_find(r, id) != NULL;
	}
	double look = now() - t0;
	printf("eligibility: %zu checks in %.3f s = %.2f us each (%zu eligible); lookup floor "
	       "%.2f us; ratio %.1fx\n",
	       checks, elig, elig * 1e6 / (double)checks, ok, look * 1e6 / (double)checks,
	       elig / look);
	(void)found;
	(void)lines;
	roll_free(r);
	elec_findings_free(&f);
	free(csv);
	return 0;
}
