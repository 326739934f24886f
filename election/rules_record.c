/* SPDX-License-Identifier: GPL-3.0-or-later */
/* rules_record.c -- see rules_record.h (docs/spec/rules.md RP-5). */
#include "rules_record.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/sha256.h"
#include "crypto/util.h"

#include "banned.h"

qerr rulebook_with_files(const uint8_t *const *bytes, const size_t *lens, const char *const *names,
                         size_t n, rulebook **out, elec_findings *f)
{
	rule_file **given = calloc(n + 1, sizeof(*given));
	const char **ids = calloc(n + 1, sizeof(*ids));
	rulebook *rb = NULL;
	qerr e = Q_OK;
	int have_statute = 0;

	*out = NULL;
	if (given == NULL || ids == NULL) {
		free(given);
		free(ids);
		return Q_ERR_NOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		size_t before = f->n;
		qerr pe = rule_file_parse(bytes[i], lens[i], &given[i], f);
		for (size_t k = before; k < f->n; k++) {
			/* name the file in every finding about it */
			char *w = NULL;
			size_t wl =
			    strlen(names[i]) + strlen(f->v[k].where ? f->v[k].where : "") + 3;
			if ((w = malloc(wl)) != NULL) {
				snprintf(w, wl, "%s: %s", names[i],
				         f->v[k].where ? f->v[k].where : "");
				free(f->v[k].where);
				f->v[k].where = w;
			}
		}
		if (pe != Q_OK)
			e = pe;
		else if (given[i]->layer == LAYER_STATUTE)
			have_statute = 1;
		if (pe == Q_OK && (ids[i] = strdup(given[i]->id)) == NULL)
			e = Q_ERR_NOMEM;
	}
	if (e != Q_OK)
		goto out;
	if ((e = rulebook_new(&rb)) != Q_OK)
		goto out;
	const rulebook *bi = rulebook_builtin();
	for (int layer = LAYER_STATUTE; layer <= LAYER_CHARTER; layer++) {
		for (size_t k = 0; k < bi->n; k++) {
			const rule_file *b = bi->files[k];
			int replaced =
			    (int)b->layer != layer || (b->layer == LAYER_STATUTE && have_statute);
			for (size_t i = 0; i < n && !replaced; i++)
				if (ids[i] != NULL && strcmp(ids[i], b->id) == 0)
					replaced = 1;
			if (replaced)
				continue;
			rule_file *copy;
			if ((e = rule_file_parse(b->bytes, b->len, &copy, f)) != Q_OK ||
			    (e = rulebook_add(rb, copy, f)) != Q_OK)
				goto out;
		}
		for (size_t i = 0; i < n; i++) {
			if (given[i] == NULL || (int)given[i]->layer != layer)
				continue;
			rule_file *g = given[i];
			given[i] = NULL;
			if ((e = rulebook_add(rb, g, f)) != Q_OK)
				goto out;
		}
	}
	if ((e = rulebook_check_engine(rb, f)) != Q_OK)
		goto out;
	*out = rb;
	rb = NULL;
out:
	for (size_t i = 0; i < n; i++) {
		rule_file_free(given[i]);
		free((char *)ids[i]);
	}
	free(given);
	free(ids);
	rulebook_free(rb);
	return e;
}

json_t *rules_params_list(const elec_manifest *m)
{
	json_t *a = json_array();
	for (size_t i = 0; a != NULL && i < m->nprofiles; i++) {
		char file[96], hx[2 * SHA256_LEN + 1];
		snprintf(file, sizeof file, "rules/%s.json", m->profiles[i]->id);
		hex_encode(hx, m->profiles[i]->sha256, SHA256_LEN);
		if (json_array_append_new(a, json_pack("{s:s, s:s, s:s}", "id", m->profiles[i]->id,
		                                       "file", file, "sha256", hx)) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static qerr read_small(const char *path, uint8_t **out, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	uint8_t *buf = NULL;
	size_t n = 0;
	*out = NULL;
	if (fp == NULL)
		return errno == ENOENT ? Q_ERR_NOTFOUND : Q_ERR_IO;
	if ((buf = malloc(RULES_MAX_BYTES + 1)) == NULL) {
		fclose(fp);
		return Q_ERR_NOMEM;
	}
	n = fread(buf, 1, RULES_MAX_BYTES + 1, fp);
	int bad = ferror(fp);
	fclose(fp);
	if (bad) {
		free(buf);
		return Q_ERR_IO;
	}
	if (n > RULES_MAX_BYTES) {
		free(buf);
		return Q_ERR_LIMIT;
	}
	*out = buf;
	*len = n;
	return Q_OK;
}

qerr rulebook_load_listed(const char *dir, const json_t *list, rulebook **out, elec_findings *f)
{
	rulebook *rb = NULL;
	qerr e;
	int prev_layer = -1;

	*out = NULL;
	if (!json_is_array(list) || json_array_size(list) == 0) {
		elec_findings_add(f, ELEC_ERROR, NULL, "parameters.json: rules",
		                  "must list the election's rule profiles (RP-5.1)");
		return Q_ERR_FORMAT;
	}
	if ((e = rulebook_new(&rb)) != Q_OK)
		return e;
	size_t i;
	json_t *v;
	json_array_foreach(list, i, v)
	{
		char where[64], want[96], path[4200];
		uint8_t h[SHA256_LEN], *buf = NULL;
		size_t len = 0;
		snprintf(where, sizeof where, "parameters.json: rules[%zu]", i);
		const char *id = json_string_value(json_object_get(v, "id"));
		const char *file = json_string_value(json_object_get(v, "file"));
		const char *hx = json_string_value(json_object_get(v, "sha256"));
		if (!json_is_object(v) || json_object_size(v) != 3 || id == NULL || file == NULL ||
		    hx == NULL || strlen(hx) != 64 || hex_decode(h, SHA256_LEN, hx, 64) != Q_OK) {
			elec_findings_add(
			    f, ELEC_ERROR, NULL, where,
			    "must be {\"id\", \"file\", \"sha256\": 64 hex} (RP-5.1)");
			e = Q_ERR_FORMAT;
			goto out;
		}
		snprintf(want, sizeof want, "rules/%s.json", id);
		if (strlen(id) > 64 || strcmp(file, want) != 0 || strstr(id, "..") != NULL ||
		    strchr(id, '/') != NULL) {
			elec_findings_add(f, ELEC_ERROR, NULL, where,
			                  "file must be \"rules/<id>.json\", not \"%s\"", file);
			e = Q_ERR_FORMAT;
			goto out;
		}
		snprintf(path, sizeof path, "%s/%s", dir, file);
		if ((e = read_small(path, &buf, &len)) != Q_OK) {
			elec_findings_add(f, ELEC_ERROR, NULL, file, "cannot read the profile (%s)",
			                  qerr_str(e));
			goto out;
		}
		uint8_t got[SHA256_LEN];
		sha256(got, buf, len);
		if (memcmp(got, h, SHA256_LEN) != 0) {
			char gx[2 * SHA256_LEN + 1];
			hex_encode(gx, got, SHA256_LEN);
			elec_findings_add(f, ELEC_ERROR, NULL, file,
			                  "SHA-256 is %s but parameters.json lists %s: the profile "
			                  "was changed after init",
			                  gx, hx);
			free(buf);
			e = Q_ERR_RULE;
			goto out;
		}
		rule_file *pf = NULL;
		size_t before = f->n;
		e = rule_file_parse(buf, len, &pf, f);
		free(buf);
		for (size_t k = before; k < f->n; k++) {
			char *w;
			size_t wl = strlen(file) + strlen(f->v[k].where ? f->v[k].where : "") + 3;
			if ((w = malloc(wl)) != NULL) {
				snprintf(w, wl, "%s: %s", file, f->v[k].where ? f->v[k].where : "");
				free(f->v[k].where);
				f->v[k].where = w;
			}
		}
		if (e != Q_OK)
			goto out;
		if (strcmp(pf->id, id) != 0 || (int)pf->layer < prev_layer ||
		    (i == 0 && pf->layer != LAYER_STATUTE)) {
			elec_findings_add(f, ELEC_ERROR, NULL, file,
			                  "profile %s (%s) is listed as %s or out of layer order "
			                  "(statute first, then province, then charter)",
			                  pf->id, rule_layer_name(pf->layer), id);
			rule_file_free(pf);
			e = Q_ERR_RULE;
			goto out;
		}
		prev_layer = (int)pf->layer;
		if ((e = rulebook_add(rb, pf, f)) != Q_OK)
			goto out;
	}
	if ((e = rulebook_check_engine(rb, f)) != Q_OK)
		goto out;
	*out = rb;
	rb = NULL;
out:
	rulebook_free(rb);
	return e;
}

qerr rules_params_match(const elec_manifest *m, const rulebook *rb, elec_findings *f)
{
	if (m->nprofiles != rb->n) {
		elec_findings_add(f, ELEC_ERROR, NULL, "parameters.json: rules",
		                  "lists %zu profiles but the manifest uses %zu (RP-5.2)", rb->n,
		                  m->nprofiles);
		return Q_ERR_RULE;
	}
	for (size_t i = 0; i < rb->n; i++)
		if (m->profiles[i] != rb->files[i]) {
			elec_findings_add(f, ELEC_ERROR, NULL, "parameters.json: rules",
			                  "rules[%zu] is %s but the manifest's profile %zu is %s "
			                  "(RP-5.2)",
			                  i, rb->files[i]->id, i, m->profiles[i]->id);
			return Q_ERR_RULE;
		}
	return Q_OK;
}

qerr rules_load_election(const char *dir, const uint8_t *mbytes, size_t mlen, rulebook **rb,
                         elec_manifest **m, elec_findings *f)
{
	char path[4200];
	uint8_t *buf = NULL;
	size_t len = 0;
	json_t *j = NULL;
	qerr e;

	*rb = NULL;
	*m = NULL;
	snprintf(path, sizeof path, "%s/parameters.json", dir);
	if ((e = read_small(path, &buf, &len)) != Q_OK) {
		elec_findings_add(f, ELEC_ERROR, NULL, "parameters.json", "cannot read it (%s)",
		                  qerr_str(e));
		return e;
	}
	j = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, NULL);
	free(buf);
	if (!json_is_object(j)) {
		elec_findings_add(f, ELEC_ERROR, NULL, "parameters.json", "not a JSON object");
		e = Q_ERR_FORMAT;
		goto out;
	}
	if ((e = rulebook_load_listed(dir, json_object_get(j, "rules"), rb, f)) != Q_OK)
		goto out;
	size_t before = f->n;
	if ((e = manifest_parse_rules(mbytes, mlen, *rb, m, f)) == Q_OK)
		e = rules_params_match(*m, *rb, f);
	if (e != Q_OK) {
		/* the first error names the manifest, not only a JSON path */
		for (size_t k = before; k < f->n; k++) {
			if (f->v[k].severity != ELEC_ERROR)
				continue;
			const char *w0 = f->v[k].where ? f->v[k].where : "";
			if (strncmp(w0, "parameters.json", 15) == 0)
				break;
			size_t wl = strlen(w0) + sizeof "manifest.json: ";
			char *w = malloc(wl);
			if (w != NULL) {
				snprintf(w, wl, "manifest.json: %s", w0);
				free(f->v[k].where);
				f->v[k].where = w;
			}
			break;
		}
	}
out:
	json_decref(j);
	if (e != Q_OK) {
		manifest_free(*m);
		*m = NULL;
		rulebook_free(*rb);
		*rb = NULL;
	}
	return e;
}
