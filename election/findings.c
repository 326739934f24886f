/* SPDX-License-Identifier: GPL-3.0-or-later */
/* findings.c -- see findings.h. */
#include "findings.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "banned.h"

void elec_findings_init(elec_findings *f)
{
	memset(f, 0, sizeof(*f));
}

void elec_findings_free(elec_findings *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].rule);
		free(f->v[i].where);
		free(f->v[i].message);
	}
	free(f->v);
	memset(f, 0, sizeof(*f));
}

static char *dup_or_null(const char *s)
{
	if (s == NULL)
		return NULL;
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	if (p != NULL)
		memcpy(p, s, n);
	return p;
}

void elec_findings_add(elec_findings *f, elec_severity sev, const char *rule, const char *where,
                       const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);

	if (f->n == f->cap) {
		size_t ncap = f->cap ? f->cap * 2 : 8;
		elec_finding *nv = realloc(f->v, ncap * sizeof(*nv));
		if (nv == NULL) {
			f->oom = 1;
			return;
		}
		f->v = nv;
		f->cap = ncap;
	}
	elec_finding *e = &f->v[f->n];
	e->severity = sev;
	e->rule = dup_or_null(rule);
	e->where = dup_or_null(where ? where : "");
	e->message = dup_or_null(buf);
	if ((rule != NULL && e->rule == NULL) || e->where == NULL || e->message == NULL) {
		free(e->rule);
		free(e->where);
		free(e->message);
		f->oom = 1;
		return;
	}
	f->n++;
}

size_t elec_findings_errors(const elec_findings *f)
{
	size_t k = 0;
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].severity == ELEC_ERROR)
			k++;
	return k;
}

qerr elec_findings_status(const elec_findings *f, qerr err_code)
{
	if (f->oom)
		return Q_ERR_NOMEM;
	return elec_findings_errors(f) ? err_code : Q_OK;
}
