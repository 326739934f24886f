/* SPDX-License-Identifier: GPL-3.0-or-later */
/* manifest_table.c -- the generic table walker of manifest_table.h (E-2). */
#include "manifest_table.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"

#include "banned.h"

static void *at(void *obj, size_t off1)
{
	return (char *)obj + off1 - 1;
}

char *mf_strdup(mf_ctx *c, const char *s)
{
	size_t n = strlen(s) + 1;
	char *p = malloc(n);
	if (p == NULL) {
		c->oom = 1;
		return NULL;
	}
	memcpy(p, s, n);
	return p;
}

static void path_join(char *out, size_t n, const char *path, const char *key)
{
	snprintf(out, n, "%s%s%s", path, path[0] != '\0' ? "." : "", key);
}

void mf_join(char *out, size_t n, const char *const *names, const char *last_joint)
{
	size_t k = 0, len = 0;
	out[0] = '\0';
	while (names[k] != NULL)
		k++;
	for (size_t i = 0; i < k; i++) {
		const char *joint = i == 0 ? "" : i + 1 == k ? last_joint : _(", ");
		int w = snprintf(out + len, n - len, "%s%s", joint, names[i]);
		if (w < 0 || (size_t)w >= n - len)
			return;
		len += (size_t)w;
	}
}

/* A finding on field fd (NULL: the object itself) of object o at where:
 * the field's law rule if it has one, else the object's spec section
 * cited after the message. */
__attribute__((format(printf, 5, 6))) static void
finding(mf_ctx *c, const mf_object *o, const mf_field *fd, const char *where, const char *fmt, ...)
{
	char msg[768];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	const char *rule = fd != NULL ? fd->rule : NULL;
	if (rule == NULL && o->cite != NULL)
		elec_findings_add(c->f, ELEC_ERROR, NULL, where, _("%s (%s)"), msg, o->cite);
	else
		elec_findings_add(c->f, ELEC_ERROR, rule, where, "%s", msg);
}

/* The keys an object must have, "a, b and c" ("" if none). */
static void required_keys(const mf_object *o, char *out, size_t n)
{
	const char *names[16];
	size_t k = 0;
	for (size_t i = 0; i < o->nfields && k + 1 < sizeof names / sizeof names[0]; i++)
		if (o->fields[i].flags & MF_REQUIRED)
			names[k++] = o->fields[i].key;
	names[k] = NULL;
	mf_join(out, n, names, _(" and "));
}

static void not_an_object(mf_ctx *c, const mf_object *parent, const mf_field *fd,
                          const mf_object *sub, const char *name, const char *where, int absent)
{
	char keys[256];
	if (absent && fd != NULL && fd->why != NULL) {
		finding(c, parent, fd, where, "%s", _(fd->why));
		return;
	}
	required_keys(sub, keys, sizeof keys);
	if (keys[0] != '\0')
		finding(c, parent, fd, where, _("%s must be an object with %s"), name, keys);
	else
		finding(c, parent, fd, where, _("%s must be an object"), name);
}

static void count_limits(const mf_field *fd, uint64_t *lo, uint64_t *hi)
{
	*lo = fd->max ? fd->min : 0;
	*hi = fd->max ? fd->max : RULE_MAX_COUNT;
}

/* Read the present scalar v of type t, called name, at where, for field
 * fd of object o; store it at dst (if not NULL).  *idx: an enum's index.
 * 1 if good (a finding otherwise). */
static int read_scalar(mf_ctx *c, const mf_object *o, const mf_field *fd, mf_type t, json_t *v,
                       const char *name, const char *where, void *dst, int *idx)
{
	char list[512];
	if (t == MF_COUNT) {
		uint64_t lo, hi;
		count_limits(fd, &lo, &hi);
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    (uint64_t)json_integer_value(v) > RULE_MAX_COUNT) {
			if (fd->max)
				finding(c, o, fd, where,
				        _("%s must be an integer from %llu to %llu"), name,
				        (unsigned long long)lo, (unsigned long long)hi);
			else
				finding(c, o, fd, where,
				        _("%s must be an integer from 0 to 2^53-1"), name);
			return 0;
		}
		uint64_t x = (uint64_t)json_integer_value(v);
		if (x < lo || x > hi) {
			if (fd->why != NULL)
				finding(c, o, fd, where, "%s", _(fd->why));
			else
				finding(c, o, fd, where,
				        _("%s must be an integer from %llu to %llu, not %llu"),
				        name, (unsigned long long)lo, (unsigned long long)hi,
				        (unsigned long long)x);
			return 0;
		}
		if (dst != NULL && fd->size == sizeof(uint32_t)) {
			uint32_t y = (uint32_t)x;
			memcpy(dst, &y, sizeof y);
		} else if (dst != NULL) {
			memcpy(dst, &x, sizeof x);
		}
		return 1;
	}
	/* every other scalar is a string */
	if (!json_is_string(v)) {
		finding(c, o, fd, where, _("%s must be a string"), name);
		return 0;
	}
	const char *s = json_string_value(v);
	if (json_string_length(v) == 0 && (fd->flags & MF_REQUIRED)) {
		if (fd->why != NULL)
			finding(c, o, fd, where, "%s", _(fd->why));
		else
			finding(c, o, fd, where, _("%s must not be empty"), name);
		return 0;
	}
	if (strlen(s) != json_string_length(v)) {
		finding(c, o, fd, where, _("%s contains a NUL byte"), name);
		return 0;
	}
	switch (t) {
	case MF_ID:
		if (!manifest_id_ok(s)) {
			finding(c, o, fd, where,
			        _("%s \"%s\" must be 1-64 characters of A-Z a-z 0-9 . _ -"), name,
			        s);
			return 0;
		}
		break;
	case MF_DATE: {
		elec_date d;
		if (elec_date_parse(s, &d) != Q_OK) {
			finding(c, o, fd, where, _("%s: \"%s\" is not a valid YYYY-MM-DD date"),
			        name, s);
			return 0;
		}
		if (dst != NULL)
			memcpy(dst, &d, sizeof d);
		return 1;
	}
	case MF_HASH: {
		uint8_t h[SHA256_LEN];
		size_t i;
		for (i = 0; i < 2 * SHA256_LEN; i++)
			if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
				break;
		if (i != 2 * SHA256_LEN || s[i] != '\0') {
			finding(c, o, fd, where, _("%s must be 64 lower-case hexadecimal digits"),
			        name);
			return 0;
		}
		for (i = 0; i < SHA256_LEN; i++) {
			char b[3] = {s[2 * i], s[2 * i + 1], 0};
			h[i] = (uint8_t)strtoul(b, NULL, 16);
		}
		if (dst != NULL)
			memcpy(dst, h, sizeof h);
		return 1;
	}
	default:
		break;
	}
	if (fd->names != NULL) {
		int k = 0;
		while (fd->names[k] != NULL && strcmp(fd->names[k], s) != 0)
			k++;
		if (fd->names[k] == NULL) {
			mf_join(list, sizeof list, fd->names, _(" or "));
			if (fd->why != NULL)
				finding(c, o, fd, where, "%s", _(fd->why));
			else
				finding(c, o, fd, where, _("%s \"%s\" is not %s"), name, s, list);
			return 0;
		}
		*idx = k;
		if (t == MF_ENUM) {
			int x = fd->values != NULL ? fd->values[k] : k;
			if (dst != NULL)
				memcpy(dst, &x, sizeof x);
			return 1;
		}
	}
	if (dst != NULL) {
		char *p = mf_strdup(c, s);
		memcpy(dst, &p, sizeof p);
	}
	return 1;
}

static int is_scalar(mf_type t)
{
	return t == MF_STR || t == MF_ID || t == MF_COUNT || t == MF_DATE || t == MF_ENUM ||
	       t == MF_HASH;
}

/* An MF_ARRAY of element objects. */
static int read_array(mf_ctx *c, const mf_object *o, const mf_field *fd, void *obj, json_t *v,
                      const char *where)
{
	const mf_object *e = fd->sub;
	size_t n = json_array_size(v), cnt = 0;
	char *base = calloc(n + 1, e->size);
	if (base == NULL) {
		c->oom = 1;
		return 0;
	}
	memcpy(at(obj, fd->off), &base, sizeof base);
	int all = 1;
	for (size_t i = 0; i < n; i++) {
		char ew[300], name[96];
		json_t *ev = json_array_get(v, i);
		snprintf(ew, sizeof ew, "%s[%zu]", where, i);
		snprintf(name, sizeof name, "%s[%zu]", fd->key, i);
		if (!json_is_object(ev)) {
			not_an_object(c, o, NULL, e, name, ew, 0);
			all = 0;
			continue;
		}
		char *el = base + cnt * e->size;
		cnt++;
		memcpy(at(obj, fd->aux), &cnt, sizeof cnt);
		all &= mf_read_object(c, e, el, ev, ew);
		for (size_t k = 0; k < e->nfields; k++) {
			const mf_field *u = &e->fields[k];
			char *s = NULL, *t = NULL, uw[400], pw[300];
			if (!(u->flags & MF_UNIQUE))
				continue;
			memcpy(&s, at(el, u->off), sizeof s);
			for (size_t q = 0; s != NULL && q + 1 < cnt; q++) {
				memcpy(&t, at(base + q * e->size, u->off), sizeof t);
				if (t == NULL || strcmp(s, t) != 0)
					continue;
				path_join(uw, sizeof uw, ew, u->key);
				/* the earlier element's path: its JSON index */
				snprintf(pw, sizeof pw, "%s", where);
				for (size_t r = 0, seen = 0; r < i; r++)
					if (json_is_object(json_array_get(v, r)) && seen++ == q)
						snprintf(pw, sizeof pw, "%s[%zu]", where, r);
				finding(c, e, NULL, uw, _("duplicate %s %s \"%s\": also at %s"),
				        _(e->name), u->key, s, pw);
				all = 0;
				break;
			}
		}
	}
	return all;
}

/* An MF_LIST of scalars. */
static int read_list(mf_ctx *c, const mf_object *o, const mf_field *fd, void *obj, json_t *v,
                     const char *where)
{
	size_t n = json_array_size(v), cnt = 0;
	char **list = calloc(n + 1, sizeof(char *));
	int all = 1, idx;
	if (list == NULL) {
		c->oom = 1;
		return 0;
	}
	memcpy(at(obj, fd->off), &list, sizeof list);
	for (size_t i = 0; i < n; i++) {
		char ew[300], name[96];
		snprintf(ew, sizeof ew, "%s[%zu]", where, i);
		snprintf(name, sizeof name, "%s[%zu]", fd->key, i);
		if (!read_scalar(c, o, fd, fd->elem, json_array_get(v, i), name, ew, &list[cnt],
		                 &idx)) {
			all = 0;
			continue;
		}
		if (list[cnt] != NULL)
			cnt++;
		memcpy(at(obj, fd->aux), &cnt, sizeof cnt);
	}
	return all;
}

/* Read field fd of object o from jo into obj; *tag: an MF_TAG's index.
 * 1 if present and good. */
static int read_field(mf_ctx *c, const mf_object *o, const mf_field *fd, void *obj, json_t *jo,
                      const char *path, int *tag)
{
	char where[256];
	int one = 1, ok = 0;
	path_join(where, sizeof where, path, fd->key);
	json_t *v = json_object_get(jo, fd->key);
	int absent =
	    v == NULL || (json_is_null(v) && (is_scalar(fd->type) || (fd->flags & MF_NULL_ABSENT)));
	int req = fd->required_if ? fd->required_if(c) : (fd->flags & MF_REQUIRED) != 0;
	if (absent) {
		if (!req)
			return 0;
		if (fd->type == MF_OBJECT)
			not_an_object(c, o, fd, fd->sub, fd->key, where, 1);
		else if (fd->why != NULL)
			finding(c, o, fd, where, "%s", _(fd->why));
		else if (fd->type == MF_ARRAY || fd->type == MF_LIST)
			finding(c, o, fd, where, _("%s must be a non-empty array"), fd->key);
		else
			finding(c, o, fd, where, _("%s is missing"), fd->key);
		return 0;
	}
	switch (fd->type) {
	case MF_OBJECT:
		if (!json_is_object(v)) {
			not_an_object(c, o, fd, fd->sub, fd->key, where, 0);
			return 0;
		}
		if (fd->aux)
			memcpy(at(obj, fd->aux), &one, sizeof one);
		ok = mf_read_object(c, fd->sub, obj, v, where);
		if (fd->check != NULL)
			fd->check(c, obj, where, ok);
		return ok;
	case MF_ARRAY:
	case MF_LIST:
		if (!json_is_array(v) || (req && json_array_size(v) == 0)) {
			if (req)
				finding(c, o, fd, where, _("%s must be a non-empty array"),
				        fd->key);
			else
				finding(c, o, fd, where, _("%s must be an array"), fd->key);
			return 0;
		}
		ok = fd->type == MF_ARRAY ? read_array(c, o, fd, obj, v, where)
		                          : read_list(c, o, fd, obj, v, where);
		if (fd->check != NULL)
			fd->check(c, obj, where, ok);
		return ok;
	case MF_CUSTOM:
		ok = fd->set(c, obj, v, where);
		break;
	default:
		ok = read_scalar(c, o, fd, fd->type, v, fd->key, where,
		                 fd->off ? at(obj, fd->off) : NULL, tag);
		if (ok && fd->aux)
			memcpy(at(obj, fd->aux), &one, sizeof one);
		break;
	}
	if (ok && fd->check != NULL)
		fd->check(c, obj, where, 1);
	return ok;
}

int mf_read_object(mf_ctx *c, const mf_object *o, void *obj, json_t *jo, const char *path)
{
	size_t errors = elec_findings_errors(c->f);
	int tag = -1;
	for (size_t i = 0; i < o->nfields; i++) {
		const mf_field *fd = &o->fields[i];
		int k = -1;
		int ok = read_field(c, o, fd, obj, jo, path, &k);
		if (fd->flags & MF_TAG) {
			if (!ok)
				return 0; /* the rest depends on it */
			tag = k;
		}
	}
	if (tag >= 0 && (size_t)tag < o->nvariants && o->variants[tag] != NULL)
		mf_read_object(c, o->variants[tag], obj, jo, path);
	return elec_findings_errors(c->f) == errors;
}
