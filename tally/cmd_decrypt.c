/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * cmd_decrypt.c -- quorum-tally decrypt DIR --trustee I --key KEYFILE
 *                  [--pass-fd N | --pass-file F]
 *
 * One trustee, on their own machine, rebuilds the aggregate from the
 * station records (every ballot verified), refuses an aggregate.json that
 * differs, and writes their signed partial decryption with a
 * Chaum-Pedersen proof per value bound to that aggregate and the value's
 * place (docs/spec/record.md R-7).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "audit/note.h"
#include "crypto/util.h"

#include "cli.h"
#include "cmds.h"
#include "decrypt.h"
#include "election/i18n.h"
#include "record.h"
#include "tsig.h"

#include "banned.h"

/* T-6.1 (a), (c): the station key's fingerprint (R-4.0 fp over the
 * Ed25519 key of log.vkey) and the closing checkpoint's size and root, as
 * read out at the station's close. */
static void print_station_key(const char *dir, const char *sid)
{
	char path[REC_PATH_MAX], fp[TSIG_FP_TEXT];
	json_t *r = NULL;
	const json_t *lg, *vk;
	note_verifier v;
	if (sid == NULL ||
	    rec_path(path, sizeof path, dir, "stations/%s/station-record.json", sid) != Q_OK ||
	    rec_read_json(path, &r, NULL, 0) != Q_OK)
		return;
	lg = json_object_get(r, "log");
	vk = json_object_get(lg, "vkey");
	if (json_is_string(vk) &&
	    note_verifier_parse(&v, json_string_value(vk), json_string_length(vk)) == Q_OK) {
		tsig_fingerprint(fp, v.pk);
		printf(_("      station key %s; closing checkpoint size %lld, root %s\n"), fp,
		       (long long)json_integer_value(json_object_get(lg, "size")),
		       json_is_string(json_object_get(lg, "root"))
		           ? json_string_value(json_object_get(lg, "root"))
		           : "?");
	}
	json_decref(r);
}

int cmd_decrypt(int argc, char **argv)
{
	static const char *const valued[] = {"--trustee", "--key", "--pass-fd", "--pass-file",
	                                     NULL};
	const char *dir = cli_positional(argc, argv, valued);
	const char *key = cli_opt(argc, argv, "--key");
	rec_election *el = NULL;
	secbuf *pass = NULL;
	uint32_t i;
	uint8_t ah[SHA256_LEN];
	char msg[768] = "", hx[2 * SHA256_LEN + 1];
	qerr e;
	if (dir == NULL || key == NULL ||
	    cli_u32(cli_opt(argc, argv, "--trustee"), 1, THRESHOLD_MAX_N, &i) != Q_OK) {
		fprintf(stderr, "%s",
		        _("usage: quorum-tally decrypt DIR --trustee I --key KEYFILE "
		          "[--pass-fd N | --pass-file F]\n"));
		return TALLY_EXIT_USAGE;
	}
	if ((e = rec_open(&el, dir, msg, sizeof msg)) == Q_OK) {
		if ((e = cli_passphrase(argc, argv, 0, &pass)) == Q_OK) {
			tally_opts o = {0, 1};
			e = tally_decrypt(el, i, key, pass->data, pass->len, &o, ah, msg,
			                  sizeof msg);
		} else {
			snprintf(msg, sizeof msg, "%s",
			         _("no passphrase accepted (the reason is above)"));
		}
	}
	secbuf_free(pass);
	if (e != Q_OK) {
		rec_free(el);
		fprintf(stderr, "quorum-tally decrypt: %s\n", msg[0] ? msg : qerr_str(e));
		return e == Q_ERR_IO || e == Q_ERR_NOMEM || e == Q_ERR_ARG || e == Q_ERR_EXISTS
		           ? TALLY_EXIT_USAGE
		           : TALLY_EXIT_DATA;
	}
	hex_encode(hx, ah, SHA256_LEN);
	printf(_("trustee %u: aggregate rebuilt from the station records and checked: SHA-256 "
	         "%s\n  compare it with the one the returning officer announced\n"),
	       i, hx);
	{
		/* R-7 (2): per station, what each station's close announced */
		char path[REC_PATH_MAX];
		json_t *aj = NULL;
		size_t si;
		const json_t *st;
		if (rec_path(path, sizeof path, dir, "tally/aggregate.json") == Q_OK &&
		    rec_read_json(path, &aj, NULL, 0) == Q_OK) {
			printf("%s",
			       _("  stations (compare with each station's count at its close):\n"));
			json_array_foreach(json_object_get(aj, "stations"), si, st)
			{
				const char *sid = json_string_value(json_object_get(st, "id"));
				printf(_("    %s: issued %lld, cast %lld, challenged %lld\n"), sid,
				       (long long)json_integer_value(json_object_get(st, "issued")),
				       (long long)json_integer_value(json_object_get(st, "cast")),
				       (long long)json_integer_value(
				           json_object_get(st, "challenged")));
				print_station_key(dir, sid);
			}
			json_decref(aj);
		}
	}
	printf(_("trustee %u: partial decryption written to %s/tally/partials/%u.json (signed)\n"),
	       i, dir, i);
	{
		/* the write-in shares, written in the same run */
		char wp[REC_PATH_MAX];
		if (rec_path(wp, sizeof wp, dir, "tally/mix/partials/%u.json", i) == Q_OK &&
		    access(wp, F_OK) == 0)
			printf(_("trustee %u: write-in decryption written to %s (signed) and "
			         "%s/tally/mix/contest-*/partial-%u.bin\n"),
			       i, wp, dir, i);
	}
	rec_free(el);
	return TALLY_EXIT_OK;
}
