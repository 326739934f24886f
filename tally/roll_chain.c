/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * roll_chain.c -- the roll in force for an election record: the
 * election log's roll-changed entries, each under a checkpoint signed by
 * the election log's key, applied from parameters.json roll_hash
 * (election/rules_roll.h).  Called by rec_open; quorum-tally roll-change
 * (cmd_roll.c) appends the entries.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/log.h"
#include "crypto/util.h"
#include "election/i18n.h"
#include "election/roll.h"
#include "record.h"

#include "banned.h"

qerr rec_roll_chain(rec_election *el, char *msg, size_t msgsz)
{
	char path[REC_PATH_MAX], lmsg[LOG_MSG_MAX], why[600];
	audit_log *lg = NULL;
	uint8_t *buf = NULL;
	char *note = NULL;
	size_t nlen;
	checkpoint cp;
	struct stat sb;
	qerr e;
	roll_chain_init(&el->roll, el->base_hash, el->roll_hash);
	if ((e = rec_path(path, sizeof path, el->dir, "log")) != Q_OK)
		return e;
	if (stat(path, &sb) != 0)
		return Q_OK; /* no election log: the commands that need it say so */
	if ((e = log_open(path, LOG_RDONLY, &lg, lmsg, sizeof lmsg)) != Q_OK)
		return rec_fail(e, msg, msgsz, _("%s: the election log cannot be opened: %s"), path,
		                lmsg);
	/* a change counts only under a checkpoint the election log's key
	 * signed */
	uint64_t signed_size = 0;
	e = log_checkpoint_get(lg, LOG_LATEST, &note, &nlen, &cp);
	if (e == Q_OK)
		signed_size = cp.size;
	else if (e != Q_ERR_NOTFOUND) {
		e = rec_fail(e, msg, msgsz,
		             _("%s: the election log's latest checkpoint does not verify: %s"),
		             path, log_error(lg));
		goto out;
	}
	if ((buf = malloc(MERKLE_MAX_ENTRY + 1)) == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	for (uint64_t i = 0; i < log_size(lg); i++) {
		size_t len;
		if ((e = log_read_entry(lg, i, buf, &len)) != Q_OK) {
			e = rec_fail(e, msg, msgsz, _("%s: entry %llu: %s"), path,
			             (unsigned long long)i, log_error(lg));
			goto out;
		}
		if (i >= signed_size && roll_chain_is_change(buf, len)) {
			e = rec_fail(
			    Q_ERR_SIGNATURE, msg, msgsz,
			    _("%s: entry %llu (roll-changed) is not covered by a checkpoint "
			      "signed by the election log's key (R-3.1): refused"),
			    path, (unsigned long long)i);
			goto out;
		}
		if ((e = roll_chain_entry(&el->roll, el->manifest, i, buf, len, why, sizeof why)) !=
		    Q_OK) {
			e = rec_fail(e, msg, msgsz, "%s/%s", el->dir, why);
			goto out;
		}
	}
	e = Q_OK;
out:
	free(note);
	free(buf);
	log_close(lg);
	return e;
}

/* A station record or the tally in DIR: polling has opened (or ended). */
static int polling_started(const rec_election *el, char *what, size_t whatlen)
{
	char path[REC_PATH_MAX];
	struct stat sb;
	DIR *d;
	struct dirent *de;
	int found = 0;
	if (rec_path(path, sizeof path, el->dir, "tally/aggregate.json") == Q_OK &&
	    stat(path, &sb) == 0) {
		snprintf(what, whatlen, "%s", path);
		return 1;
	}
	if (el->roll.counted) {
		snprintf(what, whatlen, _("the election log's tally entry"));
		return 1;
	}
	if (rec_path(path, sizeof path, el->dir, "stations") != Q_OK || (d = opendir(path)) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		char rp[REC_PATH_MAX];
		if (de->d_name[0] == '.')
			continue;
		if (rec_path(rp, sizeof rp, el->dir, "stations/%s/station-record.json",
		             de->d_name) == Q_OK &&
		    stat(rp, &sb) == 0) {
			snprintf(what, whatlen, "%s", rp);
			found = 1;
		}
	}
	closedir(d);
	return found;
}

qerr rec_roll_change(rec_election *el, const uint8_t *csv, size_t len, const char *reason,
                     const char *decided, const char *decision, uint8_t new_hash[SHA256_LEN],
                     size_t *voters, char *msg, size_t msgsz)
{
	char why[600], what[REC_PATH_MAX + 64];
	elec_roll *roll = NULL;
	elec_findings f;
	json_t *entry = NULL;
	elec_date dd;
	qerr e;
	elec_findings_init(&f);
	if (decided == NULL || elec_date_parse(decided, &dd) != Q_OK)
		return rec_fail(Q_ERR_ARG, msg, msgsz, _("--decided %s is not a date YYYY-MM-DD"),
		                decided ? decided : "");
	if (polling_started(el, what, sizeof what))
		return rec_fail(Q_ERR_RULE, msg, msgsz,
		                _("refused: polling has opened (%s exists); the roll cannot change "
		                  "once polling has opened (%s)"),
		                what, ROLL_CHANGE_RULE);
	if (roll_change_window(el->manifest, dd, why, sizeof why) != Q_OK)
		return rec_fail(Q_ERR_RULE, msg, msgsz, _("refused: %s"), why);
	{
		int bad = reason == NULL || decision == NULL || strlen(reason) == 0 ||
		          strlen(reason) > ROLL_CHANGE_REASON_MAX || strlen(decision) == 0 ||
		          strlen(decision) > ROLL_CHANGE_DECISION_MAX;
		for (const char *s = reason; !bad && *s; s++)
			bad = (unsigned char)*s < 0x20 || *s == 0x7f;
		for (const char *s = decision; !bad && *s; s++)
			bad = (unsigned char)*s < 0x20 || *s == 0x7f;
		json_t *jr = bad ? NULL : json_string(reason),
		       *jd = bad ? NULL : json_string(decision);
		bad = bad || jr == NULL || jd == NULL; /* jansson: valid UTF-8 only */
		json_decref(jr);
		json_decref(jd);
		if (bad)
			return rec_fail(
			    Q_ERR_ARG, msg, msgsz,
			    _("the reason (1 to %d bytes) and the decision's reference (1 "
			      "to %d bytes) must be UTF-8 text on one line"),
			    ROLL_CHANGE_REASON_MAX, ROLL_CHANGE_DECISION_MAX);
	}
	sha256(new_hash, csv, len);
	if (memcmp(new_hash, el->roll.head, SHA256_LEN) == 0)
		return rec_fail(Q_ERR_ARG, msg, msgsz,
		                _("the new roll is the roll already in force: nothing to change"));
	/* the new roll is checked against the manifest as init checks the first */
	if (memchr(csv, '\0', len) != NULL)
		e = Q_ERR_FORMAT;
	else if ((e = roll_import((const char *)csv, len, &roll, &f)) == Q_OK)
		e = roll_check_manifest(roll, el->manifest, &f);
	if (e != Q_OK) {
		e = rec_fail(e, msg, msgsz,
		             _("the new roll is invalid (%s): %s%s%s; nothing logged"), qerr_str(e),
		             f.n && f.v[0].where ? f.v[0].where : "",
		             f.n && f.v[0].where ? ": " : "", f.n ? f.v[0].message : "");
		goto out;
	}
	*voters = roll->n;
	entry =
	    json_pack("{s:s, s:o, s:o, s:I, s:s, s:s, s:s, s:s}", "type", ROLL_CHANGE_TYPE,
	              "old_hash", rec_hex_json(el->roll.head, SHA256_LEN), "new_hash",
	              rec_hex_json(new_hash, SHA256_LEN), "voters", (json_int_t)roll->n, "decided",
	              decided, "decision", decision, "reason", reason, "rule", ROLL_CHANGE_RULE);
	if (entry == NULL) {
		e = Q_ERR_NOMEM;
		goto out;
	}
	/* appended and signed (a checkpoint) in one step */
	if ((e = rec_log_append(el, entry, 1, NULL, msg, msgsz)) != Q_OK)
		goto out;
	e = rec_roll_chain(el, msg, msgsz); /* read back: el->roll.head is the new roll */
out:
	json_decref(entry);
	elec_findings_free(&f);
	roll_free(roll);
	return e;
}
