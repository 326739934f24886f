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

#include "crypto/util.h"

#include "cli.h"
#include "cmds.h"
#include "decrypt.h"
#include "election/i18n.h"
#include "record.h"

#include "banned.h"

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
	if ((e = rec_open(&el, dir, msg, sizeof msg)) == Q_OK &&
	    (e = cli_passphrase(argc, argv, 0, &pass)) == Q_OK) {
		tally_opts o = {0, 1};
		e = tally_decrypt(el, i, key, pass->data, pass->len, &o, ah, msg, sizeof msg);
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
				printf(_("    %s: issued %lld, cast %lld, challenged %lld\n"),
				       json_string_value(json_object_get(st, "id")),
				       (long long)json_integer_value(json_object_get(st, "issued")),
				       (long long)json_integer_value(json_object_get(st, "cast")),
				       (long long)json_integer_value(
				           json_object_get(st, "challenged")));
			}
			json_decref(aj);
		}
	}
	printf(_("trustee %u: partial decryption written to %s/tally/partials/%u.json (signed)\n"),
	       i, dir, i);
	rec_free(el);
	return TALLY_EXIT_OK;
}
