/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_srec.c -- election/srec.h: the checked_in list (P-7.4, R-5 (9)) and
 * the roll-imported entry (P-6.1, R-5 (10)), good and bad inputs. */
#include <criterion/criterion.h>
#include <string.h>

#include "election/srec.h"

static json_t *list(const char *json)
{
	json_t *j = json_loads(json, JSON_ALLOW_NUL, NULL);
	cr_assert_not_null(j, "%s", json);
	return j;
}

static void expect_list(const char *json, uint64_t issued, qerr want, const char *why_has)
{
	char why[200] = "";
	json_t *j = list(json);
	qerr e = srec_checked_in_check(j, issued, why, sizeof why);
	cr_assert_eq(e, want, "%s: %s", json, why);
	if (why_has != NULL)
		cr_assert(strstr(why, why_has) != NULL, "%s: %s", json, why);
	json_decref(j);
}

Test(srec, checked_in_list)
{
	expect_list("[]", 0, Q_OK, NULL);
	expect_list("[\"A\",\"B\",\"b\",\"c.1\"]", 4, Q_OK, NULL);
	expect_list("[\"A\",\"B\"]", 3, Q_ERR_CONSISTENCY,
	            "lists 2 roll ids but counts.issued is 3");
	expect_list("[\"B\",\"A\"]", 2, Q_ERR_CONSISTENCY,
	            "not sorted: [1] \"A\" comes after \"B\"");
	expect_list("[\"A\",\"A\"]", 2, Q_ERR_CONSISTENCY, "checked_in[1] \"A\" appears twice");
	/* byte order: upper case before lower case, "V10" before "V9" */
	expect_list("[\"V10\",\"V9\",\"v1\"]", 3, Q_OK, NULL);
	expect_list("[\"a\",\"B\"]", 2, Q_ERR_CONSISTENCY, "not sorted");
	expect_list("[\"A\",1]", 2, Q_ERR_FORMAT, "checked_in[1] is not a roll id");
	expect_list("[\"A B\"]", 1, Q_ERR_FORMAT, "checked_in[0]");
	expect_list("[\"\"]", 1, Q_ERR_FORMAT, "checked_in[0]");
	expect_list("[\"A\\u0000B\"]", 1, Q_ERR_FORMAT, "checked_in[0]");
	expect_list("{}", 0, Q_ERR_FORMAT, "not an array");
	char why[200];
	cr_assert_eq(srec_checked_in_check(NULL, 0, why, sizeof why), Q_ERR_FORMAT);
	cr_assert_eq(srec_checked_in_check(NULL, 0, NULL, 0), Q_ERR_FORMAT);
}

typedef struct dups {
	char id[8][80];
	size_t a[8], b[8], n;
} dups;

static int on_dup(void *ctx, const char *id, size_t a, size_t b)
{
	dups *d = ctx;
	snprintf(d->id[d->n], sizeof d->id[0], "%s", id);
	d->a[d->n] = a;
	d->b[d->n++] = b;
	return 0;
}

Test(srec, checked_in_across_stations)
{
	json_t *l[4] = {list("[\"A\",\"B\",\"C\"]"), list("[\"D\"]"), NULL,
	                list("[\"B\",\"D\",\"E\"]")};
	dups d = {0};
	size_t n = 99;
	cr_assert_eq(srec_checked_in_cross((const json_t *const *)l, 4, on_dup, &d, &n), Q_OK);
	cr_assert_eq(n, 2);
	cr_assert_eq(d.n, 2);
	cr_assert_str_eq(d.id[0], "B");
	cr_assert(d.a[0] == 0 && d.b[0] == 3);
	cr_assert_str_eq(d.id[1], "D");
	cr_assert(d.a[1] == 1 && d.b[1] == 3);
	/* a duplicate within one station is not a cross-station report */
	json_t *w[1] = {list("[\"A\",\"A\"]")};
	cr_assert_eq(srec_checked_in_cross((const json_t *const *)w, 1, NULL, NULL, &n), Q_OK);
	cr_assert_eq(n, 0);
	for (int i = 0; i < 4; i++)
		json_decref(l[i]);
	json_decref(w[0]);
}

static qerr roll(const char *p, uint64_t *v, uint8_t h[32])
{
	return srec_roll_entry_parse((const uint8_t *)p, strlen(p), v, h);
}

Test(srec, roll_entry)
{
	const char *hx = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
	char good[200], bad[200];
	uint8_t h[32];
	uint64_t v = 0;
	snprintf(good, sizeof good, "voters 30\nsha256 %s\n", hx);
	cr_assert_eq(roll(good, &v, h), Q_OK);
	cr_assert_eq(v, 30);
	cr_assert(h[0] == 0x00 && h[1] == 0x11 && h[31] == 0xff);
	snprintf(bad, sizeof bad, "voters 30\nsha256 %s", hx); /* no final newline */
	cr_assert_eq(roll(bad, &v, h), Q_ERR_FORMAT);
	snprintf(bad, sizeof bad, "voters 30\nsha256 %s\nx", hx); /* trailing bytes */
	cr_assert_eq(roll(bad, &v, h), Q_ERR_FORMAT);
	snprintf(bad, sizeof bad, "voters 30\nsha256 %.62s\n", hx); /* short hash */
	cr_assert_eq(roll(bad, &v, h), Q_ERR_FORMAT);
	snprintf(bad, sizeof bad, "voters 30\nsha256 %s\n", hx);
	bad[strlen("voters 30\nsha256 ") + 20] = 'A'; /* upper case: not the daemon's text */
	cr_assert_eq(roll(bad, &v, h), Q_ERR_FORMAT);
	snprintf(bad, sizeof bad, "voters \nsha256 %s\n", hx);
	cr_assert_eq(roll(bad, &v, h), Q_ERR_FORMAT);
	snprintf(bad, sizeof bad, "voters 12345678901234567890\nsha256 %s\n", hx);
	cr_assert_eq(roll(bad, &v, h), Q_ERR_FORMAT);
	cr_assert_eq(roll("", &v, h), Q_ERR_FORMAT);
	cr_assert_eq(srec_roll_entry_parse((const uint8_t *)good, strlen(good), NULL, h), Q_OK);
}

/* ---- P-7.6 the proxy check-ins (R-5 (15)) ---- */

static void expect_proxies(const char *json, const char *ci, qerr want, const char *why_has)
{
	char why[300] = "";
	json_t *j = list(json), *c = list(ci);
	qerr e = srec_proxies_check(j, c, why, sizeof why);
	cr_assert_eq(e, want, "%s: %s", json, why);
	if (why_has != NULL)
		cr_assert(strstr(why, why_has) != NULL, "%s: %s", json, why);
	json_decref(j);
	json_decref(c);
}

Test(srec, proxies_list)
{
	const char *ci = "[\"A\",\"B\",\"C\"]";
	expect_proxies("[]", ci, Q_OK, NULL);
	expect_proxies("[{\"principal\":\"A\",\"proxy\":\"X\"},"
	               "{\"principal\":\"C\",\"proxy\":\"X\"}]",
	               ci, Q_OK, NULL);
	/* a principal not checked in: no ballot was issued in that name */
	expect_proxies("[{\"principal\":\"D\",\"proxy\":\"X\"}]", ci, Q_ERR_CONSISTENCY,
	               "proxies[0]: principal \"D\" is not in checked_in");
	expect_proxies("[{\"principal\":\"C\",\"proxy\":\"X\"},"
	               "{\"principal\":\"A\",\"proxy\":\"X\"}]",
	               ci, Q_ERR_CONSISTENCY,
	               "not sorted by principal: [1] \"A\" comes after \"C\"");
	expect_proxies("[{\"principal\":\"A\",\"proxy\":\"X\"},"
	               "{\"principal\":\"A\",\"proxy\":\"Y\"}]",
	               ci, Q_ERR_CONSISTENCY, "proxies[1]: principal \"A\" appears twice");
	expect_proxies("[{\"principal\":\"A\",\"proxy\":\"A\"}]", ci, Q_ERR_CONSISTENCY,
	               "their own proxy");
	expect_proxies("[{\"principal\":\"A\"}]", ci, Q_ERR_FORMAT, "proxies[0] is not");
	expect_proxies("[{\"principal\":\"A\",\"proxy\":\"X\",\"when\":1}]", ci, Q_ERR_FORMAT,
	               "proxies[0] is not");
	expect_proxies("{}", ci, Q_ERR_FORMAT, "\"proxies\" is missing or not an array");
	cr_expect_eq(srec_format_minor("quorum-station-record/2"), 0);
	cr_expect_eq(srec_format_minor("quorum-station-record/2.1"), 1);
	cr_expect_eq(srec_format_minor("quorum-station-record/2.12"), 12);
}
