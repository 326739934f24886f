/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_election -- the parsers of election/: manifest (manifest_parse), roll
 * CSV (roll_import), and counts (counts_parse + decide + decision_to_bytes,
 * against a fixed valid manifest), and rule profiles (rule_file_parse, then
 * layered over the built-in ones by rulebook_with_files).
 *
 * The first input byte picks the target, the rest is the input.  A parser
 * must refuse bad input with a qerr and never crash, leak or hand back a
 * half-built object; a success must survive the later stages.
 */
#include <stdlib.h>
#include <string.h>

#include "election/decide.h"
#include "election/manifest.h"
#include "election/roll.h"
#include "election/rules_record.h"
#include "fuzz.h"

static const char manifest_json[] =
    "{\"format\":\"quorum-manifest/1\",\"id\":\"f\",\"title\":{\"zh\":\"z\",\"en\":\"e\"},"
    "\"kind\":\"election\",\"body\":{\"mode\":\"residents\",\"registered\":10,"
    "\"households\":4,\"members\":0,\"groups\":2},\"committee\":{\"members\":5,"
    "\"term_years\":5},\"stations\":[{\"id\":\"s1\",\"name\":\"n\",\"groups\":[\"g1\"]},"
    "{\"id\":\"s2\",\"name\":\"n\",\"groups\":[\"g2\"]}],\"dates\":{\"polling_day\":"
    "\"2026-03-15\",\"roll_published\":\"2026-02-01\"},\"contests\":[{\"id\":\"o\","
    "\"type\":\"office\",\"title\":{\"zh\":\"z\",\"en\":\"e\"},\"seats\":2,\"candidates\":["
    "{\"id\":\"a\",\"voter\":\"A\",\"name\":\"a\",\"nomination\":{\"by\":\"party\"}},"
    "{\"id\":\"b\",\"voter\":\"B\",\"name\":\"b\",\"nomination\":{\"by\":\"party\"}},"
    "{\"id\":\"c\",\"voter\":\"C\",\"name\":\"c\",\"nomination\":{\"by\":\"party\"}}],"
    "\"rules\":[\"UL19\"]}]}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	elec_findings f;
	if (size < 1)
		return 0;
	elec_findings_init(&f);
	const uint8_t *in = data + 1;
	size_t n = size - 1;
	switch (data[0] % 4) {
	case 0: {
		elec_manifest *m = NULL;
		if (manifest_parse(in, n, &m, &f) == Q_OK) {
			if (m == NULL)
				abort();
			for (size_t i = 0; i < m->ncontests; i++) {
				char *const *ids;
				size_t k;
				unsigned mn, mx;
				manifest_contest_options(&m->contests[i], &ids, &k, &mn, &mx);
				if (mn > mx && mx != 0)
					abort();
			}
		} else if (m != NULL) {
			abort();
		}
		manifest_free(m);
		break;
	}
	case 1: {
		elec_roll *r = NULL;
		char *csv = malloc(n + 1);
		if (csv == NULL)
			break;
		memcpy(csv, in, n);
		csv[n] = 0;
		if (roll_import(csv, n, &r, &f) == Q_OK && r == NULL)
			abort();
		roll_free(r);
		free(csv);
		break;
	}
	case 2: {
		elec_manifest *m = NULL;
		elec_counts *c = NULL;
		elec_decision *d = NULL;
		if (manifest_parse((const uint8_t *)manifest_json, sizeof(manifest_json) - 1, &m,
		                   &f) != Q_OK)
			abort();
		if (counts_parse(in, n, m, &c, &f) == Q_OK && decide(m, c, &d, &f) == Q_OK) {
			char *b = NULL;
			size_t bl;
			if (decision_to_bytes(d, &b, &bl) != Q_OK)
				abort();
			free(b);
		}
		decision_free(d);
		counts_free(c);
		manifest_free(m);
		break;
	}
	case 3: {
		rule_file *pf = NULL;
		rulebook *rb = NULL;
		qerr e = rule_file_parse(in, n, &pf, &f);
		if ((e == Q_OK) != (pf != NULL))
			abort();
		rule_file_free(pf);
		const uint8_t *b[1] = {in};
		size_t l[1] = {n};
		const char *nm[1] = {"fuzz.json"};
		e = rulebook_with_files(b, l, nm, 1, &rb, &f);
		if ((e == Q_OK) != (rb != NULL))
			abort();
		rulebook_free(rb);
		break;
	}
	}
	elec_findings_free(&f);
	return 0;
}
