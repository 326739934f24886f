/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * quorum-ballot -- the polling station console: admin, operator and booth
 * commands against quorum-ballotd (docs/protocol.md,
 * docs/guide-poll-worker.md).
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#include "crypto/sig.h"
#include "crypto/util.h"
#include "election/i18n.h"
#include "election/writein.h"

#include "banned.h"

static const char *const usage =
    N_("Usage: quorum-ballot (--state DIR | --socket PATH) COMMAND [ARGS]\n"
       "\n"
       "The console of a polling station running quorum-ballotd.  With --state the\n"
       "socket of the command's role is DIR/admin.sock, DIR/operator.sock or\n"
       "DIR/booth.sock; --socket names one explicitly.\n"
       "\n"
       "Admin (admin.sock):\n"
       "  open                   open the poll (the roll must be imported)\n"
       "  close [--yes]          close the poll (final: asks you to type close,\n"
       "                         or --yes); writes the signed station record\n"
       "  import-roll CSV        import the roll (id,name,birth_date,household,group,flags)\n"
       "  export [FILE]          write the station record (JSON) to FILE or stdout;\n"
       "                         its signature goes to FILE.sig (or stderr)\n"
       "Operator (operator.sock):\n"
       "  status                 state and live counts\n"
       "  lookup VOTER           show a voter's roll entry and eligibility\n"
       "  checkin VOTER [PROXY]  check a voter in (PROXY: roll id of the holder of a\n"
       "                         written proxy) and print the one-time ballot token\n"
       "  reissue VOTER          a new token for the latest check-in whose token was\n"
       "                         never used (its reply lost in a crash); the old one\n"
       "                         dies\n"
       "  named-vote MOTION VOTER yes|no|abstain\n"
       "                         record a checked-in attendee's vote in a named vote\n"
       "                         (记名表决): signed into the station's log\n"
       "Booth (booth.sock):\n"
       "  booth                  ask for the token (not echoed; or the first line of\n"
       "                         standard input), show the ballot, take the marks,\n"
       "                         confirm [y/n], then \"cast\" (receipt) or \"challenge\"\n"
       "                         (opened, not counted; mark again).  Other answers\n"
       "                         are asked again.  The token is never taken on the\n"
       "                         command line, where other users could read it.\n"
       "  receipt                ask for the token as above and print the receipt of\n"
       "                         the ballot cast with it\n"
       "Any role:\n"
       "  raw ROLE JSON          send one request line and print the reply\n"
       "\n"
       "Exit status: 0 done, 1 refused by the daemon (the reason is printed),\n"
       "2 usage error, 3 cannot reach the daemon.\n");

static const char *sock_override;
static const char *state_dir;

/* Human messages for the refusals a poll worker sees (docs/protocol.md 4). */
static const struct {
	const char *code, *text;
} refusals[] = {
    {"not_on_roll", N_("NOT ON THE ROLL: this person is not on this community's roll.")},
    {"already_voted", N_("ALREADY VOTED: this voter has already been checked in.")},
    {"under_18", N_("UNDER 18: the voter is not 18 on polling day.")},
    {"wrong_station", N_("WRONG STATION: the voter's residents' group votes at another "
                         "station.")},
    {"deprived", N_("NOT ELIGIBLE: the voter is deprived of political rights.")},
    {"not_member", N_("NOT ELIGIBLE: the voter is not a member of the voting body.")},
    {"proxy_refused", N_("PROXY REFUSED: the proxy does not satisfy the proxy rules.")},
    {"poll_closed", N_("POLL CLOSED: no more check-ins or ballots.")},
    {"poll_not_open", N_("POLL NOT OPEN: the poll has not been opened yet.")},
    {"token_spent", N_("TOKEN SPENT: this ballot token has already been used to cast a "
                       "ballot.")},
    {"token_invalid", N_("INVALID TOKEN: no ballot was issued with this token.")},
    {"token_busy", N_("TOKEN IN USE: another booth is using this token right now.")},
    {"too_many_challenges", N_("TOO MANY CHALLENGES: this token has been used for the most "
                               "challenges allowed; the ballot can only be cast now.")},
    {"forbidden", N_("FORBIDDEN: this account may not use this socket.")},
    {"roll_mismatch", N_("WRONG ROLL: this is not the roll the election was created with "
                         "(its SHA-256 differs from roll_hash in the election's "
                         "parameters.json). Ask the returning officer for the election's "
                         "roll file.")},
    {"roll_locked", N_("ROLL ALREADY IMPORTED: a station imports the election's roll once. "
                       "To correct the roll, the returning officer corrects the file and "
                       "creates the election again (quorum-tally init, guide section 1); "
                       "each station then starts with a new state directory.")},
    {"bad_roll", N_("ROLL REFUSED: the file has problems (listed below); nothing was "
                    "imported.")},
    {"no_roll", N_("NO ROLL: import the roll before opening the poll (import-roll).")},
    {"poll_open", N_("POLL ALREADY OPEN.")},
    {"bad_marks", N_("MARKS REFUSED: the choices do not fit the ballot (too many or too "
                     "few in a contest).")},
    {"bad_write_in", N_("WRITE-IN REFUSED: a written name is missing, not in a marked slot, "
                        "too long or not valid text.")},
    {"busy", N_("BUSY: the station has too much waiting; try again in a moment.")},
    {"unavailable",
     N_("STATION UNAVAILABLE: it could not write its audit log; the station "
        "chair restarts the daemon (poll workers' guide, If something goes wrong).")},
    {"internal", N_("STATION ERROR: the daemon could not complete the request; the reason "
                    "follows. Tell the station chair.")},
    {"not_checked_in", N_("NOT CHECKED IN: this voter has no check-in to re-issue.")},
    {"reissue_refused", N_("RE-ISSUE REFUSED: the voter's token has already been used.")},
    {"token_used", N_("RE-ISSUE REFUSED: the voter's token has been used at a booth; it "
                      "cannot be re-issued.")},
    {"no_pending", N_("NO BALLOT WAITING: no encrypted ballot with this tracking code is "
                      "waiting for this token; mark the ballot again.")},
    {"not_cast", N_("NOT CAST: no ballot has been cast with this token, so there is no "
                    "receipt.")},
    {"poll_not_closed", N_("POLL NOT CLOSED: the station record exists only after the poll "
                           "is closed (close).")},
    {"rate_limited", N_("TOO MANY LOOKUPS: wait a few seconds and try again.")},
    {"timeout", N_("TIMED OUT: the station did not answer in time; try again, and tell the "
                   "station chair if it happens again.")},
    {"bad_request", N_("REQUEST REFUSED: the daemon did not understand the request (the "
                       "reason follows); check the command.")},
    {"bad_json", N_("REQUEST REFUSED: the daemon did not understand the request (the "
                    "reason follows); check the command.")},
    {"unknown_op", N_("REQUEST REFUSED: the daemon did not understand the request (the "
                      "reason follows); check the command.")},
    {"too_large", N_("REQUEST REFUSED: the request is too large.")},
    {"truncated", N_("REQUEST REFUSED: the request was cut off; try again.")},
    {"not_named", N_("NOT A NAMED VOTE: the manifest has no named vote (ballot \"named\") of "
                     "this id.")},
    {"not_attending", N_("NOT CHECKED IN: only an attendee who has been checked in votes.")},
    {"named_twice", N_("ALREADY RECORDED: this attendee's vote in this motion is in the log.")},
    {NULL, NULL},
};

static int connect_to(const char *role)
{
	char path[512];
	struct sockaddr_un sa;
	if (sock_override != NULL)
		snprintf(path, sizeof path, "%s", sock_override);
	else
		snprintf(path, sizeof path, "%s/%s.sock", state_dir, role);
	memset(&sa, 0, sizeof sa);
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof sa.sun_path) {
		fprintf(stderr, _("quorum-ballot: socket path too long: %s\n"), path);
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
		fprintf(stderr, _("quorum-ballot: cannot connect to %s: %s\n"), path,
		        strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Send req (stolen) and return the reply object, or NULL (message printed). */
static json_t *rpc(int fd, json_t *req)
{
	char *line = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	if (line == NULL)
		return NULL;
	size_t n = strlen(line), off = 0;
	line[n] = '\n';
	while (off < n + 1) {
		ssize_t w = send(fd, line + off, n + 1 - off, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			fprintf(stderr, _("quorum-ballot: send: %s\n"), strerror(errno));
			free(line);
			return NULL;
		}
		off += (size_t)w;
	}
	free(line);
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	if (buf == NULL)
		return NULL;
	for (;;) {
		if (len == cap) {
			char *p = realloc(buf, cap * 2);
			if (p == NULL) {
				free(buf);
				return NULL;
			}
			buf = p;
			cap *= 2;
		}
		ssize_t r = recv(fd, buf + len, cap - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			fprintf(stderr, "%s",
			        _("quorum-ballot: the daemon closed the connection\n"));
			free(buf);
			return NULL;
		}
		char *nl = memchr(buf + len, '\n', (size_t)r);
		len += (size_t)r;
		if (nl != NULL) {
			json_error_t je;
			json_t *rep = json_loadb(buf, (size_t)(nl - buf), 0, &je);
			free(buf);
			if (rep == NULL)
				fprintf(stderr, _("quorum-ballot: bad reply: %s\n"), je.text);
			return rep;
		}
	}
}

static int is_ok(const json_t *rep)
{
	return json_is_true(json_object_get(rep, "ok"));
}

/* Print a refusal clearly; returns 1. */
static int refused(const json_t *rep)
{
	const json_t *err = json_object_get(rep, "error");
	const char *code = json_string_value(json_object_get(err, "code"));
	const char *msg = json_string_value(json_object_get(err, "message"));
	const char *text = NULL;
	for (size_t i = 0; code != NULL && refusals[i].code; i++)
		if (strcmp(refusals[i].code, code) == 0)
			text = refusals[i].text;
	if (text != NULL)
		printf("%s\n", _(text));
	printf(_("refused (%s): %s\n"), code ? code : "?", msg ? msg : "");
	const json_t *f = json_object_get(err, "findings");
	size_t i;
	json_t *v;
	json_array_foreach(f, i, v)
	{
		printf("  %s: %s\n", json_string_value(json_object_get(v, "where")),
		       json_string_value(json_object_get(v, "message")));
	}
	return 1;
}

static int simple(const char *role, json_t *req, json_t **out)
{
	int fd = connect_to(role);
	if (fd < 0) {
		json_decref(req);
		return 3;
	}
	json_t *rep = rpc(fd, req);
	close(fd);
	if (rep == NULL)
		return 3;
	if (!is_ok(rep)) {
		int r = refused(rep);
		json_decref(rep);
		return r;
	}
	if (out != NULL)
		*out = rep;
	else
		json_decref(rep);
	return 0;
}

/* After close: what the poll workers read out and write down, for the
 * trustees to compare at decrypt (docs/spec/threats.md T-6.1): the station
 * key's fingerprint (the first 16 bytes of SHA-256 of the Ed25519 key in
 * log.vkey, "name+hex(keyID)+base64(0x01 || key)", A-4.2, in groups of
 * four hex digits as docs/spec/record.md) and the closing
 * checkpoint's size and root. */
static void print_close_key(const char *record_path)
{
	json_t *r = record_path ? json_load_file(record_path, 0, NULL) : NULL;
	const json_t *lg = json_object_get(r, "log");
	const char *vk = json_string_value(json_object_get(lg, "vkey")), *b = NULL;
	uint8_t raw[64];
	size_t n = 0;
	char fp[SIG_FP_TEXT];
	if (vk != NULL && (b = strchr(vk, '+')) != NULL)
		b = strchr(b + 1, '+');
	if (b != NULL && strlen(b + 1) <= 64 && b64_decode(raw, &n, b + 1, strlen(b + 1)) == Q_OK &&
	    n == 33 && raw[0] == 0x01) {
		sig_fingerprint(fp, raw + 1);
		printf(_("read out and write down: station key %s; closing checkpoint size %lld, "
		         "root %s\n"),
		       fp, (long long)json_integer_value(json_object_get(lg, "size")),
		       json_is_string(json_object_get(lg, "root"))
		           ? json_string_value(json_object_get(lg, "root"))
		           : "?");
	}
	json_decref(r);
}

static void print_obj(const json_t *rep)
{
	const char *k;
	json_t *v;
	json_object_foreach((json_t *)rep, k, v)
	{
		if (strcmp(k, "ok") == 0)
			continue;
		char *s = json_is_string(v) ? NULL : json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY);
		printf("%-12s %s\n", k, s ? s : json_string_value(v));
		free(s);
	}
}

static int write_out(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, _("quorum-ballot: cannot write %s: %s\n"), path, strerror(errno));
		return 1;
	}
	return 0;
}

static int cmd_export(const char *out)
{
	json_t *rep = NULL;
	int r = simple("admin", json_pack("{s:s}", "op", "export"), &rep);
	if (r != 0)
		return r;
	/* P-7.5: the record file's exact bytes, never re-serialised */
	const json_t *rt = json_object_get(rep, "record_text");
	char *rec =
	    json_is_string(rt) ? strndup(json_string_value(rt), json_string_length(rt)) : NULL;
	const char *sig = json_string_value(json_object_get(rep, "signature"));
	if (rec == NULL || sig == NULL || strlen(rec) != json_string_length(rt)) {
		free(rec);
		json_decref(rep);
		return 1;
	}
	if (out == NULL) {
		/* the exact bytes and nothing else: `export > FILE` is the file */
		if (fwrite(rec, 1, strlen(rec), stdout) != strlen(rec) || fflush(stdout) != 0)
			r = 1;
		fprintf(stderr, "signature %s\n", sig);
	} else {
		char sp[600], sl[200];
		snprintf(sp, sizeof sp, "%s.sig", out);
		int n = snprintf(sl, sizeof sl, "%s\n", sig);
		r = write_out(out, rec, strlen(rec)) || write_out(sp, sl, (size_t)n);
		if (r == 0)
			printf(_("station record written to %s (signature %s)\n"), out, sp);
	}
	free(rec);
	json_decref(rep);
	return r;
}

/* ---- booth mode ---- */

static int read_line(char *buf, size_t cap)
{
	fflush(stdout);
	if (fgets(buf, (int)cap, stdin) == NULL)
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

/* The ballot token: from the terminal without echo, or the first line
 * of standard input; lower-cased (the protocol's one form).  0 or -1. */
static int read_token(char *tok, size_t cap)
{
	struct termios old, quiet;
	int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
	if (tty) {
		printf("%s", _("ballot token: "));
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	int r = read_line(tok, cap);
	if (tty) {
		(void)tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
		printf("\n");
	}
	if (r != 0)
		return -1;
	for (char *p = tok; *p != '\0'; p++)
		if (*p >= 'A' && *p <= 'F')
			*p = (char)(*p - 'A' + 'a');
	return 0;
}

/* Ask until the answer is one of the words (exact); its index, -1 at EOF. */
static int ask_word(const char *prompt, const char *const *words, size_t n)
{
	char line[64];
	for (;;) {
		printf("%s", prompt);
		if (read_line(line, sizeof line) != 0)
			return -1;
		for (size_t i = 0; i < n; i++)
			if (strcmp(line, words[i]) == 0)
				return (int)i;
		fputs(_("please answer exactly one of:"), stdout);
		for (size_t i = 0; i < n; i++)
			printf(" %s", words[i]);
		printf("\n");
	}
}

/* A name in both languages, once when they are the same (or one is
 * empty): "林建国", "王芳 / Wang Fang". */
static void print_pair(const char *zh, const char *en)
{
	zh = zh != NULL ? zh : "";
	en = en != NULL ? en : "";
	if (en[0] == '\0' || strcmp(zh, en) == 0)
		printf("%s", zh);
	else if (zh[0] == '\0')
		printf("%s", en);
	else
		printf("%s / %s", zh, en);
}

/* A written name, normalised (B-10.9), per option (used for write-in slots). */
typedef char wname[WRITEIN_NAME_MAX + 1];

static int is_write_in(const json_t *o)
{
	return json_is_true(json_object_get(o, "write_in"));
}

/* Each contest and the options marked in marks (style order), in words;
 * a marked write-in slot with its name from names (if not NULL). */
static void show_choices(const json_t *contests, const uint8_t *marks, const wname *names)
{
	size_t k = 0, nc = json_array_size(contests);
	for (size_t i = 0; i < nc; i++) {
		const json_t *c = json_array_get(contests, i);
		const json_t *opts = json_object_get(c, "options");
		size_t n = json_array_size(opts);
		int any = 0;
		printf("  ");
		print_pair(json_string_value(json_object_get(c, "title_zh")),
		           json_string_value(json_object_get(c, "title_en")));
		printf(":");
		for (size_t j = 0; j < n; j++, k++)
			if (marks[k]) {
				const json_t *o = json_array_get(opts, j);
				printf(any ? ", " : " ");
				print_pair(json_string_value(json_object_get(o, "label_zh")),
				           json_string_value(json_object_get(o, "label_en")));
				if (names != NULL && is_write_in(o))
					printf(" \"%s\"", names[k]);
				any = 1;
			}
		printf("%s%s%s\n", any ? "" : " (", any ? "" : _("blank"), any ? "" : ")");
	}
}

/* Ask for the name written in each marked write-in slot of a contest
 * (B-10): normalised (B-10.9) and shown as it will be encrypted. */
static int name_contest(const json_t *opts, const uint8_t *m, wname *nm, size_t nopt)
{
	for (size_t j = 0; j < nopt; j++) {
		const json_t *o = json_array_get(opts, j);
		nm[j][0] = '\0';
		if (!m[j] || !is_write_in(o))
			continue;
		for (;;) {
			char line[WRITEIN_INPUT_MAX + 2];
			size_t len = 0;
			printf(_("write the name for %s: "),
			       json_string_value(json_object_get(o, "label_zh")));
			if (read_line(line, sizeof line) != 0)
				return -1;
			qerr e = writein_normalise(line, strlen(line), nm[j], sizeof nm[j], &len);
			wipe(line, sizeof line);
			if (e == Q_OK && len > 0)
				break;
			if (e == Q_OK)
				printf("%s\n",
				       _("a marked write-in needs a name (or leave it unmarked)"));
			else if (e == Q_ERR_RANGE)
				printf("%s\n",
				       _("the name is too long (at most 59 bytes: 19 Chinese "
				         "characters)"));
			else
				printf("%s\n", _("the name is not valid text"));
		}
	}
	return 0;
}

/* Ask for one contest's marks; fills m (noptions entries). */
static int mark_contest(const json_t *c, uint8_t *m, size_t nopt)
{
	long mn = (long)json_integer_value(json_object_get(c, "min"));
	long mx = (long)json_integer_value(json_object_get(c, "max"));
	const json_t *opts = json_object_get(c, "options");
	printf("\n");
	print_pair(json_string_value(json_object_get(c, "title_zh")),
	           json_string_value(json_object_get(c, "title_en")));
	printf("\n");
	for (size_t j = 0; j < nopt; j++) {
		const json_t *o = json_array_get(opts, j);
		printf("  [%zu] ", j + 1);
		print_pair(json_string_value(json_object_get(o, "label_zh")),
		           json_string_value(json_object_get(o, "label_en")));
		printf("\n");
	}
	for (;;) {
		char line[512];
		printf(_("choose %ld to %ld (numbers separated by spaces, empty for none): "), mn,
		       mx);
		if (read_line(line, sizeof line) != 0)
			return -1;
		memset(m, 0, nopt);
		long cnt = 0;
		int bad = 0;
		char *p = line;
		while (*p != '\0' && !bad) {
			char *end;
			while (*p == ' ' || *p == ',')
				p++;
			if (*p == '\0')
				break;
			errno = 0;
			long v = strtol(p, &end, 10);
			if (errno != 0 || end == p || v < 1 || (size_t)v > nopt || m[v - 1]) {
				bad = 1;
				break;
			}
			m[v - 1] = 1;
			cnt++;
			p = end;
		}
		if (!bad && cnt >= mn && cnt <= mx)
			return 0;
		printf(_("invalid choice: give %ld to %ld different numbers from 1 to %zu\n"), mn,
		       mx, nopt);
	}
}

static int cmd_booth(void)
{
	int fd = -1, rc = 1;
	json_t *rep = NULL, *ballot = NULL;
	uint8_t *marks = NULL;
	wname *names = NULL;
	size_t total = 0;
	char token[80];
	if (read_token(token, sizeof token) != 0)
		return 2;
	fd = connect_to("booth");
	if (fd < 0) {
		wipe(token, sizeof token);
		return 3;
	}
	rep = rpc(fd, json_pack("{s:s, s:s}", "op", "ballot", "token", token));
	if (rep == NULL) {
		rc = 3;
		goto out;
	}
	if (!is_ok(rep)) {
		rc = refused(rep);
		goto out;
	}
	ballot = json_incref(json_object_get(rep, "ballot"));
	json_decref(rep);
	rep = NULL;
	const json_t *contests = json_object_get(ballot, "contests");
	size_t nc = json_array_size(contests);
	for (size_t i = 0; i < nc; i++)
		total += json_array_size(json_object_get(json_array_get(contests, i), "options"));
	marks = calloc(total ? total : 1, 1);
	names = calloc(total ? total : 1, sizeof *names);
	if (marks == NULL || names == NULL)
		goto out_b;
	print_pair(json_string_value(json_object_get(ballot, "title_zh")),
	           json_string_value(json_object_get(ballot, "title_en")));
	printf("\n");
	for (;;) {
		size_t k = 0;
		for (size_t i = 0; i < nc; i++) {
			const json_t *c = json_array_get(contests, i);
			size_t n = json_array_size(json_object_get(c, "options"));
			if (mark_contest(c, marks + k, n) != 0 ||
			    name_contest(json_object_get(c, "options"), marks + k, names + k, n) !=
			        0)
				goto out_b;
			k += n;
		}
		printf("\n%s\n", _("please check your choices:"));
		show_choices(contests, marks, names);
		static const char *const yn[] = {"y", "n"};
		int yes = ask_word(_("confirm? [y/n]: "), yn, 2);
		if (yes < 0)
			goto out_b;
		if (yes != 0)
			continue;
		json_t *mj = json_array(), *wj = json_array();
		int slots = 0;
		k = 0;
		for (size_t i = 0; i < nc; i++) {
			json_t *a = json_array(), *w = json_array();
			const json_t *opts =
			    json_object_get(json_array_get(contests, i), "options");
			size_t n = json_array_size(opts);
			for (size_t j = 0; j < n; j++, k++) {
				json_array_append_new(a, json_integer(marks[k]));
				if (!is_write_in(json_array_get(opts, j)))
					continue;
				slots = 1;
				json_array_append_new(w, marks[k] ? json_string(names[k])
				                                  : json_null());
			}
			json_array_append_new(mj, a);
			json_array_append_new(wj, w);
		}
		json_t *req =
		    json_pack("{s:s, s:s, s:o}", "op", "encrypt", "token", token, "marks", mj);
		/* B-10: the written names, only for a ballot with write-in slots */
		if (slots)
			json_object_set_new(req, "write_ins", wj);
		else
			json_decref(wj);
		rep = rpc(fd, req);
		if (rep == NULL) {
			rc = 3;
			goto out_b;
		}
		if (!is_ok(rep)) {
			rc = refused(rep);
			goto out_b;
		}
		char code[65];
		snprintf(code, sizeof code, "%s",
		         json_string_value(json_object_get(rep, "tracking_code")));
		json_decref(rep);
		rep = NULL;
		printf(_("\nballot encrypted.  Tracking code: %s\n"), code);
		static const char *const cc[] = {"cast", "challenge"};
		int challenge = ask_word(
		    _("cast it, or challenge it (open it to check; it is then not counted)? "
		      "[cast/challenge]: "),
		    cc, 2);
		if (challenge < 0)
			goto out_b;
		rep = rpc(fd, json_pack("{s:s, s:s, s:s}", "op", challenge ? "challenge" : "cast",
		                        "token", token, "tracking_code", code));
		if (rep == NULL) {
			rc = 3;
			goto out_b;
		}
		if (!is_ok(rep)) {
			rc = refused(rep);
			goto out_b;
		}
		if (challenge) {
			/* B-6: what the opened ballot holds, in words, from the
			 * opening the station published (not from our marks) */
			const json_t *om =
			    json_object_get(json_object_get(rep, "opening"), "marks");
			uint8_t *opened = calloc(total ? total : 1, 1);
			size_t q = 0;
			int shape = opened != NULL && json_array_size(om) == nc;
			for (size_t i = 0; shape && i < nc; i++) {
				const json_t *a = json_array_get(om, i);
				size_t n = json_array_size(
				    json_object_get(json_array_get(contests, i), "options"));
				if (json_array_size(a) != n) {
					shape = 0;
					break;
				}
				for (size_t j = 0; j < n; j++)
					opened[q++] = json_integer_value(json_array_get(a, j)) == 1;
			}
			printf(_("\nThis ballot has been opened and will NOT be counted.\nTracking "
			         "code "
			         "%s, log index %lld.\n"),
			       code,
			       (long long)json_integer_value(json_object_get(rep, "log_index")));
			if (shape) {
				printf("%s\n", _("The opened ballot contains:"));
				show_choices(contests, opened, NULL);
				printf(
				    "%s\n",
				    _("If this is not what you marked, tell the poll workers: the "
				      "booth did not encrypt your choices.\nAnyone can check the "
				      "published opening after the poll closes with\n"
				      "  quorum-audit opening RECORD_DIR TRACKING-CODE\n"
				      "(RECORD_DIR: the published election record)."));
			} else {
				printf("%s\n", _("The station's reply holds no readable opening: "
				                 "tell the poll workers."));
			}
			free(opened);
			printf("%s\n", _("Please mark your ballot again."));
			json_decref(rep);
			rep = NULL;
			continue;
		}
		printf(_("\n=== RECEIPT ===\nTracking code: %s\nLog index:     %lld\n"
		         "Log:           %s\nCheckpoint:\n%s"),
		       code, (long long)json_integer_value(json_object_get(rep, "log_index")),
		       json_string_value(json_object_get(rep, "log_origin")),
		       json_string_value(json_object_get(rep, "checkpoint")));
		rc = 0;
		break;
	}
out_b:
out:
	json_decref(ballot);
	if (marks != NULL) {
		wipe(marks, total);
		free(marks);
	}
	if (names != NULL) {
		wipe(names, total * sizeof *names);
		free(names);
	}
	json_decref(rep);
	close(fd);
	wipe(token, sizeof token);
	return rc;
}

static int cmd_receipt(void)
{
	char token[80];
	json_t *rep = NULL;
	if (read_token(token, sizeof token) != 0)
		return 2;
	int r = simple("booth", json_pack("{s:s, s:s}", "op", "receipt", "token", token), &rep);
	wipe(token, sizeof token);
	if (r != 0)
		return r;
	printf(_("\n=== RECEIPT ===\nTracking code: %s\nLog index:     %lld\n"
	         "Log:           %s\nCheckpoint:\n%s"),
	       json_string_value(json_object_get(rep, "tracking_code")),
	       (long long)json_integer_value(json_object_get(rep, "log_index")),
	       json_string_value(json_object_get(rep, "log_origin")),
	       json_string_value(json_object_get(rep, "checkpoint")));
	json_decref(rep);
	return 0;
}

int main(int argc, char **argv)
{
	int i = 1;
	i18n_init();
	while (i < argc && strncmp(argv[i], "--", 2) == 0) {
		if (strcmp(argv[i], "--help") == 0) {
			fputs(_(usage), stdout);
			return 0;
		}
		if (i + 1 >= argc)
			break;
		if (strcmp(argv[i], "--state") == 0)
			state_dir = argv[i + 1];
		else if (strcmp(argv[i], "--socket") == 0)
			sock_override = argv[i + 1];
		else
			break;
		i += 2;
	}
	if (i >= argc || (state_dir == NULL && sock_override == NULL)) {
		fputs(_(usage), stderr);
		return 2;
	}
	const char *cmd = argv[i++];
	int nargs = argc - i;
	json_t *rep = NULL;
	int r;
	if (strcmp(cmd, "close") == 0) {
		/* final: asked first, unless --yes */
		if (nargs > 1 || (nargs == 1 && strcmp(argv[i], "--yes") != 0))
			goto usage;
		if (nargs == 0) {
			char line[64];
			printf("%s",
			       _("Closing the poll is final: no more check-ins or ballots at this "
			         "station, and the signed station record is written.\n"
			         "Type close to close the poll now (anything else keeps it "
			         "open): "));
			if (read_line(line, sizeof line) != 0 || strcmp(line, "close") != 0) {
				fprintf(stderr, "%s",
				        _("quorum-ballot: not closed (the poll stays open)\n"));
				return 1;
			}
		}
		r = simple("admin", json_pack("{s:s}", "op", cmd), &rep);
	} else if (strcmp(cmd, "open") == 0) {
		if (nargs != 0)
			goto usage;
		r = simple("admin", json_pack("{s:s}", "op", cmd), &rep);
	} else if (strcmp(cmd, "import-roll") == 0) {
		if (nargs != 1)
			goto usage;
		char *abs = realpath(argv[i], NULL);
		if (abs == NULL) {
			fprintf(stderr, _("quorum-ballot: %s: %s\n"), argv[i], strerror(errno));
			return 2;
		}
		r = simple("admin", json_pack("{s:s, s:s}", "op", "import-roll", "path", abs),
		           &rep);
		free(abs);
	} else if (strcmp(cmd, "export") == 0) {
		if (nargs > 1)
			goto usage;
		return cmd_export(nargs == 1 ? argv[i] : NULL);
	} else if (strcmp(cmd, "status") == 0) {
		if (nargs != 0)
			goto usage;
		r = simple("operator", json_pack("{s:s}", "op", "status"), &rep);
	} else if (strcmp(cmd, "lookup") == 0) {
		if (nargs != 1)
			goto usage;
		r = simple("operator", json_pack("{s:s, s:s}", "op", "lookup", "voter", argv[i]),
		           &rep);
		if (r == 0) {
			print_obj(json_object_get(rep, "voter"));
			json_decref(rep);
			return 0;
		}
	} else if (strcmp(cmd, "checkin") == 0) {
		if (nargs != 1 && nargs != 2)
			goto usage;
		json_t *req = json_pack("{s:s, s:s}", "op", "checkin", "voter", argv[i]);
		if (nargs == 2)
			json_object_set_new(req, "proxy", json_string(argv[i + 1]));
		r = simple("operator", req, &rep);
		if (r == 0) {
			printf(_("CHECKED IN: %s\nBallot token (give to the voter): %s\n"), argv[i],
			       json_string_value(json_object_get(rep, "token")));
			json_decref(rep);
			return 0;
		}
	} else if (strcmp(cmd, "reissue") == 0) {
		if (nargs != 1)
			goto usage;
		r = simple("operator", json_pack("{s:s, s:s}", "op", "reissue", "voter", argv[i]),
		           &rep);
		if (r == 0) {
			printf(
			    _("RE-ISSUED: %s (the old token no longer works)\nBallot token (give "
			      "to the voter): %s\n"),
			    argv[i], json_string_value(json_object_get(rep, "token")));
			json_decref(rep);
			return 0;
		}
	} else if (strcmp(cmd, "named-vote") == 0) {
		if (nargs != 3)
			goto usage;
		r = simple("operator",
		           json_pack("{s:s, s:s, s:s, s:s}", "op", "named-vote", "contest", argv[i],
		                     "voter", argv[i + 1], "vote", argv[i + 2]),
		           &rep);
		if (r == 0) {
			printf(_("RECORDED: %s votes %s in motion %s (log entry %lld)\n"),
			       argv[i + 1], argv[i + 2], argv[i],
			       (long long)json_integer_value(json_object_get(rep, "log_index")));
			json_decref(rep);
			return 0;
		}
	} else if (strcmp(cmd, "booth") == 0 || strcmp(cmd, "receipt") == 0) {
		if (nargs != 0) {
			fprintf(
			    stderr, "%s",
			    _("quorum-ballot: the ballot token is not taken on the command line "
			      "(other users could read it there); type it when asked, or give "
			      "it as the first line of standard input\n"));
			return 2;
		}
		return cmd[0] == 'b' ? cmd_booth() : cmd_receipt();
	} else if (strcmp(cmd, "raw") == 0) {
		if (nargs != 2)
			goto usage;
		json_error_t je;
		json_t *req = json_loads(argv[i + 1], 0, &je);
		if (req == NULL) {
			fprintf(stderr, _("quorum-ballot: bad JSON: %s\n"), je.text);
			return 2;
		}
		int fd = connect_to(argv[i]);
		if (fd < 0) {
			json_decref(req);
			return 3;
		}
		rep = rpc(fd, req);
		close(fd);
		if (rep == NULL)
			return 3;
		char *s = json_dumps(rep, JSON_COMPACT);
		printf("%s\n", s ? s : "");
		free(s);
		r = is_ok(rep) ? 0 : 1;
		json_decref(rep);
		return r;
	} else {
		goto usage;
	}
	if (r == 0 && rep != NULL)
		print_obj(rep);
	if (r == 0 && strcmp(cmd, "status") == 0)
		printf("%s\n",
		       _("(registered: the registered voters served here -- residents of this "
		         "station's groups\n 18 or older on polling day, not deprived of political "
		         "rights, counted as the\n election's registered voters are "
		         "(docs/rules.md).\n roll_rows: the rows of the roll imported at this "
		         "station -- every resident\n listed, minors and those of other stations "
		         "included.)"));
	if (r == 0 && rep != NULL && strcmp(cmd, "close") == 0)
		print_close_key(json_string_value(json_object_get(rep, "record")));
	json_decref(rep);
	return r;
usage:
	fputs(_(usage), stderr);
	return 2;
}
