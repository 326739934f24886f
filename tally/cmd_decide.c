/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_decide.c -- quorum-tally decide MANIFEST COUNTS.json [--text] [--roll ROLL.csv]
 *
 * Validates the manifest (and the roll, if given), parses the counts,
 * applies the rule engine and prints the decision: JSON (docs/decide.md
 * D-2, plus a trailing "warnings" array) or, with --text, a readable table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "election/i18n.h"
#include "election/rules_record.h"
#include "election/decide.h"
#include "election/manifest.h"
#include "election/roll.h"

#include "banned.h"

/* Read a whole file (<= max bytes) into a malloc'd, NUL-terminated buffer. */
static qerr read_all(const char *path, size_t max, uint8_t **out, size_t *len)
{
	qerr err = Q_OK;
	uint8_t *buf = NULL;
	size_t n = 0, cap = 0;
	FILE *fp = fopen(path, "rb");
	*out = NULL;
	*len = 0;
	if (fp == NULL) {
		fprintf(stderr, "quorum-tally decide: %s: %s\n", path, strerror(errno));
		return Q_ERR_IO;
	}
	for (;;) {
		if (n == cap) {
			if (cap > max) {
				fprintf(stderr,
				        _("quorum-tally decide: %s: larger than %zu bytes\n"), path,
				        max);
				err = Q_ERR_LIMIT;
				goto out;
			}
			size_t nc = cap ? cap * 2 : 65536;
			uint8_t *nb = realloc(buf, nc + 1);
			if (nb == NULL) {
				err = Q_ERR_NOMEM;
				goto out;
			}
			buf = nb;
			cap = nc;
		}
		size_t r = fread(buf + n, 1, cap - n, fp);
		n += r;
		if (r == 0) {
			if (ferror(fp)) {
				fprintf(stderr, _("quorum-tally decide: %s: read error\n"), path);
				err = Q_ERR_IO;
				goto out;
			}
			break;
		}
	}
	if (n > max) {
		fprintf(stderr, _("quorum-tally decide: %s: larger than %zu bytes\n"), path, max);
		err = Q_ERR_LIMIT;
		goto out;
	}
	buf[n] = 0;
	*out = buf;
	*len = n;
	buf = NULL;
out:
	free(buf);
	fclose(fp);
	return err;
}

static void print_findings(const elec_findings *f, const char *what)
{
	for (size_t i = 0; i < f->n; i++) {
		const elec_finding *x = &f->v[i];
		fprintf(stderr, "%s: %s: %s%s%s%s%s\n", what,
		        x->severity == ELEC_ERROR ? "error" : "warning",
		        x->where[0] ? x->where : "", x->where[0] ? ": " : "", x->rule ? "[" : "",
		        x->rule ? x->rule : "", x->rule ? "] " : "");
		fprintf(stderr, "    %s\n", x->message);
	}
}

static json_t *warnings_json(const elec_findings *f)
{
	json_t *a = json_array();
	for (size_t i = 0; a != NULL && i < f->n; i++) {
		const elec_finding *x = &f->v[i];
		json_t *o = json_pack("{s:s?, s:s, s:s}", "rule", x->rule, "where", x->where,
		                      "message", x->message);
		if (o == NULL || json_array_append_new(a, o) != 0) {
			json_decref(a);
			return NULL;
		}
	}
	return a;
}

static void print_text(const elec_decision *d, const elec_findings *warn)
{
	printf(_("Election %s\n"), d->election);
	for (size_t i = 0; i < d->ncontests; i++) {
		const dec_contest *c = &d->contests[i];
		printf(_("\nContest %s (%s, round %u): %s\n"), c->id,
		       manifest_contest_type_name(c->type), c->round, dec_outcome_name(c->outcome));
		if (c->type != CONTEST_PETITION)
			printf(_("  issued %llu, cast %llu, attendees %llu\n"),
			       (unsigned long long)c->issued, (unsigned long long)c->cast,
			       (unsigned long long)c->attendees);
		for (size_t k = 0; k < c->ntally; k++)
			printf("  %-32s %12llu\n", c->tally[k].id,
			       (unsigned long long)c->tally[k].votes);
		if (c->nelected > 0) {
			printf(_("  elected:"));
			for (size_t k = 0; k < c->nelected; k++)
				printf(" %s", c->elected[k]);
			printf("\n");
		}
		if (c->nrunoff > 0) {
			printf(P_("  run-off (%u seat):", "  run-off (%u seats):", c->unfilled),
			       c->unfilled);
			for (size_t k = 0; k < c->nrunoff; k++)
				printf(" %s", c->runoff[k]);
			printf("\n");
		}
		for (size_t k = 0; k < c->nmembers; k++)
			printf(_("  member %s: rectify %s, 不称职 %s, office ends %s\n"),
			       c->members[k].id, c->members[k].rectify ? "yes" : "no",
			       c->members[k].unfit ? "yes" : "no",
			       c->members[k].office_ends ? "yes" : "no");
		printf("  %-28s %-16s %-26s %s\n", "rule", "subject", "comparison", "holds");
		for (size_t k = 0; k < c->nrules; k++) {
			const dec_rule *r = &c->rules[k];
			char cmp[64];
			snprintf(cmp, sizeof(cmp), "%llu %s %llu", (unsigned long long)r->lhs,
			         rule_op_symbol(r->def->op), (unsigned long long)r->rhs);
			printf("  %-28s %-16s %-26s %s%s   (%s; %s)\n", r->def->id, r->subject, cmp,
			       r->holds ? "yes" : "NO", r->base_zero ? " (base 0)" : "",
			       r->def->test, r->def->source);
		}
		for (size_t k = 0; k < c->nconflicts; k++) {
			const dec_conflict *x = &c->conflicts[k];
			const dec_rule *a = &c->rules[x->a], *b = &c->rules[x->b];
			printf(_("  CONFLICT (%s): %s %s (%llu %s %llu) but %s %s (%llu %s %llu); "
			         "%s applies\n"),
			       x->kind, a->def->id, a->holds ? "holds" : "fails",
			       (unsigned long long)a->lhs, rule_op_symbol(a->def->op),
			       (unsigned long long)a->rhs, b->def->id, b->holds ? "holds" : "fails",
			       (unsigned long long)b->lhs, rule_op_symbol(b->def->op),
			       (unsigned long long)b->rhs, x->applied ? x->applied : "-");
		}
	}
	for (size_t i = 0; i < warn->n; i++)
		printf(_("\nwarning: %s%s%s%s: %s"), warn->v[i].rule ? "[" : "",
		       warn->v[i].rule ? warn->v[i].rule : "", warn->v[i].rule ? "] " : "",
		       warn->v[i].where, warn->v[i].message);
	if (warn->n > 0)
		printf("\n");
}

int cmd_decide(int argc, char **argv)
{
	int rc = TALLY_EXIT_USAGE, text = 0;
	const char *paths[2] = {NULL, NULL}, *roll_path = NULL;
	int np = 0;
	uint8_t *mbytes = NULL, *cbytes = NULL, *rbytes = NULL;
	size_t mlen = 0, clen = 0, rlen = 0;
	elec_manifest *m = NULL;
	elec_roll *roll = NULL;
	elec_counts *counts = NULL;
	elec_decision *d = NULL;
	elec_findings f, warn;
	json_t *j = NULL;
	cli_rules rules = {0};
	rulebook *rb = NULL;
	qerr e;

	elec_findings_init(&f);
	elec_findings_init(&warn);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--text") == 0) {
			text = 1;
		} else if (strcmp(argv[i], "--roll") == 0 && i + 1 < argc) {
			roll_path = argv[++i];
		} else if (strcmp(argv[i], "--rules") == 0 && i + 1 < argc) {
			i++; /* read below by cli_rule_files */
		} else if (strcmp(argv[i], "--help") == 0) {
			printf("%s", _("usage: quorum-tally decide MANIFEST COUNTS.json [--text] "
			               "[--roll ROLL.csv] [--rules PROFILE.json]...\n"));
			rc = TALLY_EXIT_OK;
			goto out;
		} else if (argv[i][0] == '-' || np == 2) {
			fprintf(stderr, _("quorum-tally decide: unexpected argument \"%s\"\n"),
			        argv[i]);
			goto usage;
		} else {
			paths[np++] = argv[i];
		}
	}
	if (np != 2)
		goto usage;
	if (read_all(paths[0], MANIFEST_MAX_BYTES, &mbytes, &mlen) != Q_OK ||
	    read_all(paths[1], COUNTS_MAX_BYTES, &cbytes, &clen) != Q_OK ||
	    (roll_path && read_all(roll_path, 1u << 30, &rbytes, &rlen) != Q_OK)) {
		rc = TALLY_EXIT_USAGE;
		goto out;
	}
	if (cli_rule_files(argc, argv, &rules) != Q_OK)
		goto out;
	rc = TALLY_EXIT_DATA;
	/* RP-5.1: the built-in profiles, with any --rules file in its place */
	e = rulebook_with_files((const uint8_t *const *)rules.bytes, rules.lens, rules.names,
	                        rules.n, &rb, &f);
	if (e != Q_OK) {
		print_findings(&f, "--rules");
		fprintf(stderr, _("quorum-tally decide: the rule profiles are invalid (%s)\n"),
		        qerr_str(e));
		goto out;
	}
	e = manifest_parse_rules(mbytes, mlen, rb, &m, &f);
	if (e != Q_OK) {
		print_findings(&f, paths[0]);
		fprintf(stderr, _("quorum-tally decide: %s: invalid manifest (%s)\n"), paths[0],
		        qerr_str(e));
		goto out;
	}
	if (roll_path != NULL) {
		e = roll_import((const char *)rbytes, rlen, &roll, &f);
		if (e == Q_OK)
			e = roll_check_manifest(roll, m, &f);
		if (e != Q_OK) {
			print_findings(&f, roll_path);
			fprintf(stderr, _("quorum-tally decide: %s: roll rejected (%s)\n"),
			        roll_path, qerr_str(e));
			goto out;
		}
		/* E-4.3: the registered voters, as init derives them */
		m->registered = roll_count_registered(roll, m->polling_day, NULL, 0);
	}
	/* keep the manifest's and roll's warnings for the output */
	warn = f;
	elec_findings_init(&f);
	e = counts_parse(cbytes, clen, m, &counts, &f);
	if (e == Q_OK)
		e = decide(m, counts, &d, &f);
	if (e != Q_OK) {
		print_findings(&f, paths[1]);
		fprintf(stderr, _("quorum-tally decide: %s: no decision (%s)\n"), paths[1],
		        qerr_str(e));
		goto out;
	}
	for (size_t i = 0; i < f.n; i++)
		elec_findings_add(&warn, f.v[i].severity, f.v[i].rule, f.v[i].where, "%s",
		                  f.v[i].message);
	if (text) {
		print_text(d, &warn);
	} else {
		j = decision_to_json(d);
		json_t *w = warnings_json(&warn);
		char *s = NULL;
		if (j == NULL || w == NULL || json_object_set_new(j, "warnings", w) != 0 ||
		    (s = json_dumps(j, JSON_PRESERVE_ORDER | JSON_INDENT(2))) == NULL) {
			fprintf(stderr, _("quorum-tally decide: out of memory\n"));
			goto out;
		}
		printf("%s\n", s);
		free(s);
	}
	if (fflush(stdout) != 0) {
		fprintf(stderr, _("quorum-tally decide: write error\n"));
		rc = TALLY_EXIT_USAGE;
		goto out;
	}
	rc = TALLY_EXIT_OK;
	goto out;
usage:
	fprintf(stderr, "%s",
	        _("usage: quorum-tally decide MANIFEST COUNTS.json [--text] [--roll ROLL.csv] "
	          "[--rules PROFILE.json]...\n"));
	rc = TALLY_EXIT_USAGE;
out:
	json_decref(j);
	decision_free(d);
	counts_free(counts);
	roll_free(roll);
	manifest_free(m);
	rulebook_free(rb);
	cli_rule_files_free(&rules);
	elec_findings_free(&f);
	elec_findings_free(&warn);
	free(mbytes);
	free(cbytes);
	free(rbytes);
	return rc;
}
