/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_audit -- the parsers of audit/note.h and the proof verifiers of
 * audit/merkle.h.  The first input byte picks the target, the rest is input:
 *   0: note_verify against two fixed keys (a log key and a witness key);
 *      a note accepted without a real signature aborts
 *   1: checkpoint_parse; a body without extensions must re-format to itself
 *   2: tlog_proof_parse, then inclusion verification of its hashes
 *   3: note_verifier_parse / note_signer_parse (formats must round-trip)
 *   4: merkle_hashes_parse, then consistency verification of its hashes
 */
#include <stdlib.h>
#include <string.h>

#include "audit/merkle.h"
#include "audit/note.h"
#include "fuzz.h"

static note_verifier keys[2];
static int ready;

static void setup(void)
{
	note_signer s;
	/* Fixed public keys whose secrets are thrown away: no input can carry a
	 * valid signature by them unless Ed25519 is broken. */
	if (note_signer_generate(&s, "fuzz.example/log", NOTE_ALG_ED25519) != Q_OK)
		abort();
	keys[0] = s.pub;
	if (note_signer_generate(&s, "fuzz.example/w", NOTE_ALG_COSIGNATURE) != Q_OK)
		abort();
	keys[1] = s.pub;
	note_signer_wipe(&s);
	ready = 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ready)
		setup();
	if (size < 1)
		return 0;
	const char *in = (const char *)data + 1;
	size_t n = size - 1;
	size_t tlen = 0, np = 0;
	int ok[2];
	checkpoint cp;
	tlog_proof p;
	note_verifier v;
	note_signer s;
	merkle_hash hs[MERKLE_MAX_PROOF], leaf = {0}, root = {1};
	qerr r;
	char buf[NOTE_SKEY_MAX + NOTE_MAX_LEN];
	switch (data[0] % 5) {
	case 0:
		if (note_verify(in, n, keys, 2, &tlen, ok) == Q_OK)
			abort();
		break;
	case 1:
		if (checkpoint_parse(&cp, in, n) == Q_OK && !cp.has_extensions) {
			size_t l = 0;
			if (checkpoint_format(&cp, buf, sizeof buf, &l) != Q_OK || l != n ||
			    memcmp(buf, in, n) != 0)
				abort();
		}
		break;
	case 2:
		if (tlog_proof_parse(&p, in, n) == Q_OK) {
			if (p.note < in || p.note + p.note_len != in + n)
				abort();
			r = merkle_verify_inclusion(p.index, p.index + 1 + p.nhashes, leaf,
			                            (const merkle_hash *)p.hashes, p.nhashes, root);
			if (r == Q_OK)
				abort(); /* would need a SHA-256 preimage of root */
		}
		break;
	case 3:
		if (note_verifier_parse(&v, in, n) == Q_OK) {
			if (note_verifier_format(&v, buf, sizeof buf) != Q_OK ||
			    strncmp(buf, in, strlen(buf)) != 0)
				abort();
		}
		if (note_signer_parse(&s, in, n) == Q_OK) {
			if (note_signer_format(&s, buf, sizeof buf) != Q_OK ||
			    strncmp(buf, in, strlen(buf)) != 0)
				abort();
		}
		note_signer_wipe(&s);
		break;
	case 4:
		if (merkle_hashes_parse(in, n, hs, &np) == Q_OK && np > 0)
			r = merkle_verify_consistency(np, 2 * np + 1, hs[0], hs[np - 1],
			                              (const merkle_hash *)hs, np);
		(void)r;
		break;
	}
	return 0;
}
