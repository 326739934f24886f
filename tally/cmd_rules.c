/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_rules.c -- quorum-tally rules show [PROFILE] | rules check FILE...
 *
 * Reads the rule profiles (docs/spec/rules.md RP-2): `show` prints one as a
 * table in Chinese and English with every row's test and source, or lists
 * the built-in ones; `check` validates profile files strictly, alone and
 * layered over the built-in profiles (RP-3), naming every problem.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmds.h"
#include "crypto/util.h"
#include "election/i18n.h"
#include "election/rules.h"
#include "election/rules_record.h"
#include "record.h"

#include "banned.h"

static void usage(FILE *out)
{
	fprintf(out, "%s",
	        _("usage: quorum-tally rules show [PROFILE]   print a rule profile (a built-in id "
	          "such as UL-2025, or a file) with every row's test and source; without "
	          "PROFILE, list the built-in profiles\n"
	          "       quorum-tally rules check FILE...     validate rule profile files "
	          "(docs/spec/rules.md RP-2, RP-3)\n"));
}

static void print_findings(const elec_findings *f, const char *what)
{
	for (size_t i = 0; i < f->n; i++)
		fprintf(stderr, _("%s: %s%s%s%s at %s: %s\n"), what,
		        f->v[i].severity == ELEC_ERROR ? _("error") : _("warning"),
		        f->v[i].rule ? " [" : "", f->v[i].rule ? f->v[i].rule : "",
		        f->v[i].rule ? "]" : "", f->v[i].where ? f->v[i].where : "-",
		        f->v[i].message ? f->v[i].message : "");
}

static const char *status_mark(const char *s)
{
	if (strcmp(s, "confirmed") == 0)
		return _("confirmed");
	if (strcmp(s, "unconfirmed") == 0)
		return _("⚠ unconfirmed");
	return _("option (not statute)");
}

static void show(const rule_file *pf)
{
	char hx[2 * SHA256_LEN + 1];
	hex_encode(hx, pf->sha256, SHA256_LEN);
	printf("%s  %s\n%s\n", pf->id, pf->title_zh, pf->title_en);
	printf(_("layer %s, version %u, SHA-256 %s\n"), rule_layer_name(pf->layer), pf->version,
	       hx);
	if (pf->note != NULL)
		printf("%s\n", pf->note);
	if (pf->nsets > 0) {
		printf("\n%s\n", _("Rule sets (what a contest's \"rules\" may name):"));
		for (size_t i = 0; i < pf->nsets; i++) {
			const rule_profile *s = &pf->sets[i];
			printf("  %-16s %s%s%s%s%s  %s\n                   %s\n", s->id,
			       s->applies_to & RULE_FOR_OFFICE ? "office " : "",
			       s->applies_to & RULE_FOR_MOTION ? "motion " : "",
			       s->applies_to & RULE_FOR_RECALL ? "recall " : "",
			       s->applies_to & RULE_FOR_EVALUATION ? "evaluation " : "",
			       s->applies_to & RULE_FOR_PETITION ? "petition " : "", s->summary_zh,
			       s->summary);
		}
	}
	printf("\n%s\n", "规则 / Rows:");
	for (size_t i = 0; i < pf->nrows; i++) {
		const rule_def *d = &pf->rows[i];
		printf("\n%s / %s\n", d->id, d->part);
		printf("  %-10s %s\n  %-10s %s\n", "决定", d->decides_zh, "decides", d->decides_en);
		if (d->numeric)
			printf("  %-10s %s   (%u·x %s %u·n%s)\n", _("test"), d->test, d->den,
			       rule_op_symbol(d->op), d->num,
			       d->zero_base_fails ? _("; a base of 0 fails") : "");
		else
			printf("  %-10s %s\n", _("test"), _("none: checked or recorded elsewhere"));
		if (d->governs != NULL)
			printf("  %-10s %s\n", _("governs"), d->governs);
		if (d->limit > 0)
			printf("  %-10s %u\n", _("limit"), d->limit);
		char para[32] = "";
		if (d->paragraph)
			snprintf(para, sizeof para, _(" paragraph %u"), d->paragraph);
		printf("  %-10s %s %s%s [%s] (%s)\n", _("source"), d->law,
		       d->article ? d->article : "", para, status_mark(d->status), d->source);
		if (d->quote != NULL)
			printf("  %-10s 「%s」\n", _("quote"), d->quote);
		if (d->note != NULL)
			printf("  %-10s %s\n", _("note"), d->note);
	}
}

static int cmd_show(int argc, char **argv)
{
	const rulebook *bi = rulebook_builtin();
	if (argc < 3) {
		printf("%s\n", _("Built-in rule profiles (quorum-tally rules show ID):"));
		for (size_t i = 0; i < bi->n; i++)
			printf(_("  %-18s %-8s v%u  %3zu rows  %s / %s\n"), bi->files[i]->id,
			       rule_layer_name(bi->files[i]->layer), bi->files[i]->version,
			       bi->files[i]->nrows, bi->files[i]->title_zh, bi->files[i]->title_en);
		return TALLY_EXIT_OK;
	}
	const rule_file *pf = rulebook_file(bi, argv[2]);
	if (pf != NULL) {
		show(pf);
		return TALLY_EXIT_OK;
	}
	uint8_t *b = NULL;
	size_t len = 0;
	char msg[512];
	if (rec_read_file(argv[2], RULES_MAX_BYTES, &b, &len, msg, sizeof msg) != Q_OK) {
		fprintf(stderr,
		        _("quorum-tally rules show: \"%s\" is neither a built-in profile nor a "
		          "readable file: %s\n"),
		        argv[2], msg);
		return TALLY_EXIT_USAGE;
	}
	elec_findings f;
	elec_findings_init(&f);
	rule_file *own = NULL;
	qerr e = rule_file_parse(b, len, &own, &f);
	free(b);
	int rc = TALLY_EXIT_OK;
	if (e != Q_OK) {
		print_findings(&f, argv[2]);
		fprintf(stderr, _("quorum-tally rules show: %s is not a valid profile (%s)\n"),
		        argv[2], qerr_str(e));
		rc = TALLY_EXIT_DATA;
	} else {
		show(own);
	}
	rule_file_free(own);
	elec_findings_free(&f);
	return rc;
}

static int cmd_check(int argc, char **argv)
{
	cli_rules r;
	elec_findings f;
	rulebook *rb = NULL;
	int rc = TALLY_EXIT_OK;
	if (argc < 3) {
		usage(stderr);
		return TALLY_EXIT_USAGE;
	}
	/* cli_rule_files reads --rules FILE pairs: build them from the list */
	char **args = calloc((size_t)(2 * argc + 1), sizeof(char *));
	if (args == NULL)
		return TALLY_EXIT_USAGE;
	int na = 0;
	args[na++] = argv[0];
	for (int i = 2; i < argc; i++) {
		args[na++] = (char *)"--rules";
		args[na++] = argv[i];
	}
	qerr e = cli_rule_files(na, args, &r);
	free(args);
	if (e != Q_OK)
		return TALLY_EXIT_USAGE;
	elec_findings_init(&f);
	/* each file alone (RP-2), then all of them over the built-in ones (RP-3) */
	for (size_t i = 0; i < r.n; i++) {
		rule_file *pf = NULL;
		e = rule_file_parse(r.bytes[i], r.lens[i], &pf, &f);
		if (e != Q_OK) {
			print_findings(&f, r.names[i]);
			fprintf(stderr, _("%s: not a valid rule profile (%zu problems)\n"),
			        r.names[i], elec_findings_errors(&f));
			rc = TALLY_EXIT_DATA;
		} else {
			printf(_("%s: profile %s, %s layer, version %u, %zu rows, %zu rule sets: "
			         "well-formed\n"),
			       r.names[i], pf->id, rule_layer_name(pf->layer), pf->version,
			       pf->nrows, pf->nsets);
		}
		rule_file_free(pf);
		elec_findings_free(&f);
	}
	if (rc == TALLY_EXIT_OK) {
		e = rulebook_with_files((const uint8_t *const *)r.bytes, r.lens, r.names, r.n, &rb,
		                        &f);
		if (e != Q_OK) {
			print_findings(&f, _("layered over the built-in profiles"));
			fprintf(stderr, "%s",
			        _("the profiles cannot be used together with the built-in ones "
			          "(RP-3); see above\n"));
			rc = TALLY_EXIT_DATA;
		} else {
			printf("%s", _("layered over the built-in profiles: usable (every row the "
			               "engine applies is present)\n"));
		}
	}
	rulebook_free(rb);
	elec_findings_free(&f);
	cli_rule_files_free(&r);
	return rc;
}

int cmd_rules(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? TALLY_EXIT_USAGE : TALLY_EXIT_OK;
	}
	if (strcmp(argv[1], "show") == 0)
		return cmd_show(argc, argv);
	if (strcmp(argv[1], "check") == 0)
		return cmd_check(argc, argv);
	fprintf(stderr, _("quorum-tally rules: unknown subcommand \"%s\"\n"), argv[1]);
	usage(stderr);
	return TALLY_EXIT_USAGE;
}
