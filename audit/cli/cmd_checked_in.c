/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * quorum-audit checked-in RECORD ROLL-ID
 * A resident's look-up: at which station was ROLL-ID checked in (a ballot
 * issued in that name)?  RECORD is an election record directory (every
 * station of its manifest is read; a missing record is an error, since the
 * answer would be incomplete) or one station-record.json.  Each record's
 * signature is verified (P-7.2; stations/<id>/vkey too when present) and
 * its checked_in list checked (R-5 (9)) before it is searched; the whole
 * record is verified by verify-election (docs/spec/verify.md V-7).  The
 * manifest is read against the record's own rule profiles (rules/, listed
 * with their SHA-256 in parameters.json, docs/spec/rules.md RP-5.2).
 * Exit: 0 checked in (the station is printed), 1 not checked in at any
 * station, 2 usage or I/O error (unreadable or missing record), 3 a record
 * does not verify (no answer can be given).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/note.h"
#include "cli.h"
#include "crypto/sig.h"
#include "crypto/util.h"
#include "election/i18n.h"
#include "election/manifest.h"
#include "election/rules_record.h"
#include "election/srec.h"

#include "banned.h"

#define CI_FORMAT "quorum-station-record/2"
#define CI_BAD 3 /* a record does not verify */
#define CI_MAX (256u * 1024u * 1024u)

static const char usage[] =
    N_("RECORD ROLL-ID\n"
       "Say whether a ballot was issued in the name of ROLL-ID, and at which\n"
       "station: each station record lists, sorted, the roll ids checked in there\n"
       "(docs/spec/protocol.md P-7).  RECORD is the published election record\n"
       "directory (every station of its manifest is read) or one\n"
       "station-record.json.  Each record's signature is verified first.\n"
       "If you did not vote and your id is listed, someone voted in your name:\n"
       "report it to the election committee with the station named.\n"
       "Exit status: 0 checked in (the station is printed), 1 not checked in at\n"
       "any station, 2 usage or I/O error (a station record missing or\n"
       "unreadable), 3 a record does not verify (no answer; run verify-election).");

/* Read and check one record; on success *found says whether id is listed
 * and *sid (malloc'd) names the record's station.  Returns a CLI status. */
static int one_record(const char *path, const char *vkey_path, const char *want_station,
                      const char *id, int *found, char **sid)
{
	char *bytes = NULL, *sigtxt = NULL, *vk = NULL;
	size_t blen = 0, slen = 0, vl = 0, sl;
	uint8_t sig[SIG_LEN + 3], *msg = NULL;
	char sigpath[4200], why[200];
	json_t *rec = NULL;
	note_verifier nv, reg;
	uint64_t issued;
	int rc = CI_BAD;
	qerr e;
	*found = 0;
	*sid = NULL;
	if ((e = cli_read_file(path, CI_MAX, &bytes, &blen)) != Q_OK) {
		cli_err("checked-in", "%s: cannot read the station record: %s", path, qerr_str(e));
		rc = CLI_ERR;
		goto out;
	}
	snprintf(sigpath, sizeof sigpath, "%s.sig", path);
	if ((e = cli_read_file(sigpath, 1024, &sigtxt, &slen)) != Q_OK) {
		cli_err("checked-in", "%s: cannot read the signature: %s", sigpath, qerr_str(e));
		rc = CLI_ERR;
		goto out;
	}
	rec = json_loadb(bytes, blen, JSON_REJECT_DUPLICATES, NULL);
	const json_t *lg = json_object_get(rec, "log"), *k = json_object_get(lg, "vkey");
	const json_t *st = json_object_get(rec, "station");
	const json_t *fmt = json_object_get(rec, "format");
	if (!json_is_string(fmt) ||
	    srec_format_check(json_string_value(fmt), "quorum-station-record", 2, NULL, 0) !=
	        Q_OK ||
	    !json_is_string(st) || !json_is_string(k) ||
	    note_verifier_parse(&nv, json_string_value(k), json_string_length(k)) != Q_OK ||
	    nv.alg != NOTE_ALG_ED25519) {
		cli_err("checked-in", "%s: not a station record (format %s)", path, CI_FORMAT);
		goto out;
	}
	if (want_station != NULL && strcmp(json_string_value(st), want_station) != 0) {
		cli_err("checked-in", "%s: the record names station %s, not %s", path,
		        json_string_value(st), want_station);
		goto out;
	}
	if (vkey_path != NULL && (e = cli_read_file(vkey_path, 4096, &vk, &vl)) == Q_OK) {
		if (note_verifier_parse(&reg, vk, vl) != Q_OK ||
		    memcmp(reg.pk, nv.pk, SIG_PUBLIC_LEN) != 0) {
			cli_err("checked-in",
			        "%s: the record is not signed by the registered key %s", path,
			        vkey_path);
			goto out;
		}
	}
	/* P-7.2: Ed25519 over tag || record bytes */
	while (slen > 0 && (sigtxt[slen - 1] == '\n' || sigtxt[slen - 1] == '\r'))
		slen--;
	sl = sizeof sig;
	if (b64_decode(sig, &sl, sigtxt, slen) != Q_OK || sl != SIG_LEN ||
	    (msg = malloc(SREC_SIG_MSG_LEN)) == NULL) {
		cli_err("checked-in", "%s: not a base64 Ed25519 signature", sigpath);
		goto out;
	}
	srec_sig_message(msg, bytes, blen); /* P-7.2 */
	if (sig_verify(nv.pk, msg, SREC_SIG_MSG_LEN, sig) != Q_OK) {
		cli_err("checked-in", "%s: the station record's signature does not verify", path);
		goto out;
	}
	/* R-5 (9): the list is sorted, no id twice, issued entries */
	const json_t *list = json_object_get(rec, "checked_in");
	const json_t *iv = json_object_get(json_object_get(rec, "counts"), "issued");
	if (!json_is_integer(iv) || json_integer_value(iv) < 0) {
		cli_err("checked-in", "%s: counts.issued is missing", path);
		goto out;
	}
	issued = (uint64_t)json_integer_value(iv);
	if (srec_checked_in_check(list, issued, why, sizeof why) != Q_OK) {
		cli_err("checked-in", "%s: the checked-in list is not valid: %s", path, why);
		goto out;
	}
	size_t lo = 0, hi = json_array_size(list);
	while (lo < hi) { /* binary search: the list is sorted (strcmp) */
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(json_string_value(json_array_get(list, mid)), id);
		if (c == 0) {
			*found = 1;
			break;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if ((*sid = strdup(json_string_value(st))) == NULL) {
		rc = CLI_ERR;
		goto out;
	}
	rc = CLI_OK;
out:
	json_decref(rec);
	free(bytes);
	free(sigtxt);
	free(vk);
	free(msg);
	return rc;
}

int cmd_checked_in(int argc, char **argv)
{
	const char *rec, *id;
	struct stat sb;
	char path[4200], vpath[4200], mpath[4200], *mb = NULL, *sid = NULL;
	size_t ml;
	elec_manifest *m = NULL;
	rulebook *rb = NULL;
	elec_findings f;
	int rc = CLI_ERR, found = 0, *hit = NULL;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			printf(_("usage: quorum-audit %s %s\n"), argv[0], _(usage));
			return CLI_OK;
		}
	if (argc != 3 || argv[1][0] == '-') {
		cli_err("checked-in", "usage: quorum-audit checked-in RECORD ROLL-ID");
		return CLI_ERR;
	}
	rec = argv[1];
	id = argv[2];
	if (!manifest_id_ok(id)) {
		cli_err("checked-in", "%s is not a roll id (1-64 characters of A-Z a-z 0-9 . _ -)",
		        id);
		return CLI_ERR;
	}
	if (stat(rec, &sb) != 0) {
		cli_err("checked-in", "%s: no such file or directory", rec);
		return CLI_ERR;
	}
	if (!S_ISDIR(sb.st_mode)) { /* one station record */
		rc = one_record(rec, NULL, NULL, id, &found, &sid);
		if (rc == CLI_OK && found)
			printf(_("%s was checked in at station %s: a ballot was issued in this "
			         "name\n"),
			       id, sid);
		else if (rc == CLI_OK)
			printf(_("%s was not checked in at station %s (this record only)\n"), id,
			       sid);
		free(sid);
		return rc != CLI_OK ? rc : found ? CLI_OK : CLI_FAIL;
	}
	elec_findings_init(&f);
	snprintf(mpath, sizeof mpath, "%s/manifest.json", rec);
	if (cli_read_file(mpath, CI_MAX, &mb, &ml) != Q_OK) {
		cli_err("checked-in", "%s: cannot read the manifest", mpath);
		goto out;
	}
	/* RP-5.2: the manifest against the record's own rule profiles, each
	 * checked against the SHA-256 parameters.json lists */
	qerr le = rules_load_election(rec, (const uint8_t *)mb, ml, &rb, &m, &f);
	if (le != Q_OK) {
		const elec_finding *fe = NULL;
		for (size_t i = 0; i < f.n && fe == NULL; i++)
			if (f.v[i].severity == ELEC_ERROR)
				fe = &f.v[i];
		cli_err("checked-in", "%s/%s: %s (docs/spec/rules.md RP-5.2)", rec,
		        fe != NULL && fe->where ? fe->where : "manifest.json",
		        fe != NULL ? fe->message : qerr_str(le));
		rc = le == Q_ERR_NOTFOUND || le == Q_ERR_IO ? CLI_ERR : CI_BAD;
		goto out;
	}
	/* every record first: no answer unless every station's record is read
	 * and verifies */
	if ((hit = calloc(m->nstations + 1, sizeof *hit)) == NULL)
		goto out;
	rc = CLI_OK;
	for (size_t s = 0; s < m->nstations && rc == CLI_OK; s++) {
		const char *st = m->stations[s].id;
		char *name = NULL;
		snprintf(path, sizeof path, "%s/stations/%s/station-record.json", rec, st);
		snprintf(vpath, sizeof vpath, "%s/stations/%s/vkey", rec, st);
		rc = one_record(path, vpath, st, id, &hit[s], &name);
		free(name);
	}
	if (rc != CLI_OK)
		goto out;
	for (size_t s = 0; s < m->nstations; s++)
		if (hit[s]) {
			printf(_("%s was checked in at station %s: a ballot was issued in this "
			         "name\n"),
			       id, m->stations[s].id);
			found = 1;
		}
	if (!found) {
		printf(_("%s was not checked in at any station (%zu station records read)\n"), id,
		       m->nstations);
		rc = CLI_FAIL;
	}
out:
	free(hit);
	elec_findings_free(&f);
	manifest_free(m);
	rulebook_free(rb);
	free(mb);
	return rc;
}
