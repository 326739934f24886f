/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "helpers.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

char *ex_text(const char *name, size_t *len)
{
	const char *root = getenv("QUORUM_SOURCE_ROOT");
	char path[4096];
	snprintf(path, sizeof(path), "%s/docs/examples/%s", root ? root : ".", name);
	char *s = test_read_file(path, len);
	cr_assert_not_null(s, "cannot read %s", path);
	return s;
}

json_t *ex_json(const char *name)
{
	size_t len;
	char *s = ex_text(name, &len);
	json_error_t e;
	json_t *j = json_loadb(s, len, 0, &e);
	cr_assert_not_null(j, "%s: %s", name, e.text);
	free(s);
	return j;
}

void jset(json_t *root, const char *path, json_t *value)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	json_t *cur = root;
	char *p = buf;
	for (;;) {
		char *dot = strchr(p, '.');
		if (dot)
			*dot = '\0';
		char *br = strchr(p, '[');
		long idx = -1;
		if (br) {
			*br = '\0';
			idx = strtol(br + 1, NULL, 10);
		}
		int last = dot == NULL;
		if (idx >= 0) {
			json_t *arr = json_object_get(cur, p);
			cr_assert(json_is_array(arr), "path %s: %s is not an array", path, p);
			if (last) {
				if (value)
					json_array_set_new(arr, (size_t)idx, value);
				else
					json_array_remove(arr, (size_t)idx);
				return;
			}
			cur = json_array_get(arr, (size_t)idx);
		} else {
			if (last) {
				if (value)
					json_object_set_new(cur, p, value);
				else
					json_object_del(cur, p);
				return;
			}
			cur = json_object_get(cur, p);
		}
		cr_assert_not_null(cur, "path %s: %s missing", path, p);
		p = dot + 1;
	}
}

qerr parse_manifest_json(const json_t *j, elec_manifest **m, elec_findings *f)
{
	char *s = json_dumps(j, JSON_PRESERVE_ORDER);
	cr_assert_not_null(s);
	qerr e = manifest_parse((const uint8_t *)s, strlen(s), m, f);
	free(s);
	return e;
}

int has_finding(const elec_findings *f, elec_severity sev, const char *rule, const char *where,
                const char *msg)
{
	for (size_t i = 0; i < f->n; i++) {
		const elec_finding *x = &f->v[i];
		if (x->severity != sev)
			continue;
		if (rule && (!x->rule || strcmp(rule, x->rule) != 0))
			continue;
		if (where && !strstr(x->where, where))
			continue;
		if (msg && !strstr(x->message, msg))
			continue;
		return 1;
	}
	return 0;
}

void dump_findings(const elec_findings *f)
{
	for (size_t i = 0; i < f->n; i++)
		fprintf(stderr, "  %s [%s] %s: %s\n", f->v[i].severity == ELEC_ERROR ? "E" : "W",
		        f->v[i].rule ? f->v[i].rule : "-", f->v[i].where, f->v[i].message);
}

json_t *decide_json(const json_t *manifest, const json_t *counts)
{
	elec_findings f;
	elec_manifest *m = NULL;
	elec_counts *c = NULL;
	elec_decision *d = NULL;
	elec_findings_init(&f);
	qerr e = parse_manifest_json(manifest, &m, &f);
	if (e != Q_OK)
		dump_findings(&f);
	cr_assert_eq(e, Q_OK, "manifest: %s", qerr_str(e));
	char *s = json_dumps(counts, 0);
	e = counts_parse((const uint8_t *)s, strlen(s), m, &c, &f);
	free(s);
	if (e != Q_OK)
		dump_findings(&f);
	cr_assert_eq(e, Q_OK, "counts: %s", qerr_str(e));
	e = decide(m, c, &d, &f);
	if (e != Q_OK)
		dump_findings(&f);
	cr_assert_eq(e, Q_OK, "decide: %s", qerr_str(e));
	json_t *j = decision_to_json(d);
	cr_assert_not_null(j);
	decision_free(d);
	counts_free(c);
	manifest_free(m);
	elec_findings_free(&f);
	return j;
}

json_t *dec_contest_json(json_t *dec, const char *id)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(dec, "contests"), i, v)
	{
		if (strcmp(json_string_value(json_object_get(v, "id")), id) == 0)
			return v;
	}
	cr_assert_fail("no contest %s in the decision", id);
	return NULL;
}

json_t *dec_rule_json(json_t *contest, const char *id, const char *subject)
{
	size_t i;
	json_t *v;
	json_array_foreach(json_object_get(contest, "rules"), i, v)
	{
		if (strcmp(json_string_value(json_object_get(v, "id")), id) != 0)
			continue;
		const char *s = json_string_value(json_object_get(v, "subject"));
		if (subject && (!s || strcmp(s, subject) != 0))
			continue;
		return v;
	}
	return NULL;
}
