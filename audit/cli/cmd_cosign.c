/* SPDX-License-Identifier: GPL-3.0-or-later */
/* quorum-audit cosign STATE KEY CHECKPOINT [PROOF]  (docs/spec/audit.md, A-9) */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "crypto/util.h"
#include "election/i18n.h"

#include "banned.h"

static const char usage[] =
    N_("STATE KEY CHECKPOINT [PROOF]\n"
       "Witness: verify CHECKPOINT with the log key named in STATE, check that it\n"
       "extends the last checkpoint this witness cosigned (PROOF: base64 hashes,\n"
       "one per line, as printed by `consistency`), record it in STATE, then print\n"
       "the checkpoint with a tlog-cosignature/v1 line by KEY (a witness-key file).\n"
       "STATE starts as one line \"vkey <log verifier key>\"; after each cosignature it\n"
       "also holds \"size <n>\" and \"root <base64>\".");

#define C "cosign"

struct wstate {
	note_verifier log;
	int has_tree;
	uint64_t size;
	merkle_hash root;
};

static qerr parse_state(const char *t, size_t len, struct wstate *st)
{
	size_t pos = 0;
	int line = 0;
	memset(st, 0, sizeof *st);
	while (pos < len) {
		const char *l = t + pos;
		const char *nl = memchr(l, '\n', len - pos);
		if (nl == NULL)
			return Q_ERR_FORMAT;
		size_t ll = (size_t)(nl - l);
		pos += ll + 1;
		char num[24];
		size_t n = 0;
		if (line == 0) {
			if (ll < 5 || memcmp(l, "vkey ", 5) != 0 ||
			    note_verifier_parse(&st->log, l + 5, ll - 5) != Q_OK ||
			    st->log.alg != NOTE_ALG_ED25519)
				return Q_ERR_FORMAT;
		} else if (line == 1) {
			if (ll < 6 || ll > 25 || memcmp(l, "size ", 5) != 0)
				return Q_ERR_FORMAT;
			memcpy(num, l + 5, ll - 5);
			num[ll - 5] = '\0';
			if (!cli_parse_u64(num, &st->size))
				return Q_ERR_FORMAT;
		} else if (line == 2) {
			uint8_t r[MERKLE_HASH_LEN + 3];
			if (ll != 49 || memcmp(l, "root ", 5) != 0 ||
			    b64_decode(r, &n, l + 5, 44) != Q_OK || n != MERKLE_HASH_LEN)
				return Q_ERR_FORMAT;
			memcpy(st->root, r, MERKLE_HASH_LEN);
			st->has_tree = 1;
		} else {
			return Q_ERR_FORMAT;
		}
		line++;
	}
	return line == 1 || line == 3 ? Q_OK : Q_ERR_FORMAT;
}

/* Replace STATE durably: write STATE.tmp, fsync, rename, fsync the directory. */
static qerr save_state(const char *path, const struct wstate *st)
{
	char vk[NOTE_VKEY_MAX + 1], b64[45], buf[NOTE_VKEY_MAX + 128], tmp[4096], dir[4096];
	if (note_verifier_format(&st->log, vk, sizeof vk) != Q_OK)
		return Q_ERR_ARG;
	b64_encode(b64, st->root, MERKLE_HASH_LEN);
	int n =
	    snprintf(buf, sizeof buf, "vkey %s\nsize %" PRIu64 "\nroot %s\n", vk, st->size, b64);
	int t = snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if (n < 0 || (size_t)n >= sizeof buf || t < 0 || (size_t)t >= sizeof tmp)
		return Q_ERR_ARG;
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		return Q_ERR_IO;
	qerr e = Q_OK;
	if (write(fd, buf, (size_t)n) != n || fsync(fd) != 0)
		e = Q_ERR_IO;
	if (close(fd) != 0)
		e = Q_ERR_IO;
	if (e == Q_OK && rename(tmp, path) != 0)
		e = Q_ERR_IO;
	if (e != Q_OK) {
		unlink(tmp);
		return e;
	}
	snprintf(dir, sizeof dir, "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL)
		snprintf(dir, sizeof dir, ".");
	else if (slash == dir)
		dir[1] = '\0';
	else
		*slash = '\0';
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return Q_ERR_IO;
	if (fsync(dfd) != 0)
		e = Q_ERR_IO;
	close(dfd);
	return e;
}

int cmd_cosign(int argc, char **argv)
{
	struct wstate st;
	note_signer w;
	checkpoint cp;
	char *stt = NULL, *kt = NULL, *note = NULL, *pt = NULL, *out = NULL;
	size_t stlen = 0, klen = 0, nlen = 0, plen = 0, outlen = 0, np = 0;
	merkle_hash proof[MERKLE_MAX_PROOF];
	int rc = CLI_ERR;
	qerr e;
	memset(&w, 0, sizeof w);
	if (cli_want_help(argc, argv, _(usage)))
		return CLI_OK;
	if (argc != 4 && argc != 5) {
		cli_err(C, "usage: quorum-audit cosign STATE KEY CHECKPOINT [PROOF]");
		return CLI_ERR;
	}
	if (cli_read_file(argv[1], 4096, &stt, &stlen) != Q_OK ||
	    parse_state(stt, stlen, &st) != Q_OK) {
		cli_err(C,
		        "%s: missing or malformed state file (start it with one line: "
		        "\"vkey <log verifier key>\")",
		        argv[1]);
		goto out;
	}
	if (cli_read_file(argv[2], NOTE_SKEY_MAX + 2, &kt, &klen) != Q_OK ||
	    note_signer_parse(&w, kt, klen) != Q_OK || w.pub.alg != NOTE_ALG_COSIGNATURE) {
		cli_err(C, "%s: not a witness key file", argv[2]);
		goto out;
	}
	if (cli_read_file(argv[3], NOTE_MAX_LEN, &note, &nlen) != Q_OK) {
		cli_err(C, "%s: cannot read", argv[3]);
		goto out;
	}
	if (argc == 5 && cli_read_file(argv[4], 64 * 46, &pt, &plen) != Q_OK) {
		cli_err(C, "%s: cannot read", argv[4]);
		goto out;
	}
	rc = CLI_FAIL;
	e = checkpoint_open(&cp, note, nlen, &st.log);
	if (e != Q_OK) {
		/* say which: another log's checkpoint (its origin line, A-5.1,
		 * names another log), a bad signature, or no checkpoint at all */
		const char *end = strstr(note, "\n\n");
		checkpoint other;
		if (end != NULL &&
		    checkpoint_parse(&other, note, (size_t)(end - note) + 1) == Q_OK &&
		    strcmp(other.origin, st.log.name) != 0)
			cli_err(C,
			        "FAILED checkpoint: it is a checkpoint of the log %s, not of %s "
			        "(the log this witness follows, named in %s)",
			        other.origin, st.log.name, argv[1]);
		else if (e == Q_ERR_SIGNATURE)
			cli_err(C, "FAILED checkpoint: no valid signature by the log key");
		else
			cli_err(C,
			        "FAILED checkpoint: %s is not a well-formed checkpoint "
			        "(docs/spec/audit.md A-5.1)",
			        argv[3]);
		goto out;
	}
	if (st.has_tree) {
		if (cp.size < st.size) {
			cli_err(C,
			        "FAILED consistency: size %" PRIu64
			        " is older than the cosigned %" PRIu64,
			        cp.size, st.size);
			goto out;
		}
		if (cp.size > st.size && pt == NULL) {
			cli_err(C, "a consistency proof from size %" PRIu64 " is required",
			        st.size);
			rc = CLI_ERR;
			goto out;
		}
		if (pt != NULL && merkle_hashes_parse(pt, plen, proof, &np) != Q_OK) {
			cli_err(C, "FAILED proof format: expected base64 hashes, one per line");
			goto out;
		}
		if (merkle_verify_consistency(st.size, cp.size, st.root, cp.root,
		                              (const merkle_hash *)proof, np) != Q_OK) {
			cli_err(C,
			        "FAILED consistency: checkpoint %" PRIu64
			        " does not extend the cosigned checkpoint %" PRIu64,
			        cp.size, st.size);
			goto out;
		}
	}
	/* Record before releasing the cosignature (A-9 step 4). */
	rc = CLI_ERR;
	st.size = cp.size;
	memcpy(st.root, cp.root, MERKLE_HASH_LEN);
	st.has_tree = 1;
	if (save_state(argv[1], &st) != Q_OK) {
		cli_err(C, "%s: cannot update the state file", argv[1]);
		goto out;
	}
	time_t now = time(NULL);
	if (now < 0 || note_cosign(&w, note, nlen, (uint64_t)now, &out, &outlen) != Q_OK ||
	    cli_write_stdout(out, outlen) != Q_OK) {
		cli_err(C, "cosigning failed");
		goto out;
	}
	rc = CLI_OK;
out:
	note_signer_wipe(&w);
	if (kt != NULL) {
		wipe(kt, klen);
		free(kt);
	}
	free(stt);
	free(note);
	free(pt);
	free(out);
	return rc;
}
