/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * note.h -- C2SP signed notes, checkpoints and cosignatures
 * (docs/spec/audit.md, A-4 to A-6).
 *
 *  - signed-note (c2sp.org/signed-note): text ending in '\n', a blank line,
 *    then signature lines "\u2014 <name> base64(keyID || signature)\n".
 *    Ed25519 keys have type 0x01 and keyID = SHA-256(name || 0x0A || 0x01 ||
 *    pk)[0:4]; verifier keys are written "name+hex(keyID)+base64(0x01 || pk)".
 *  - tlog-checkpoint (c2sp.org/tlog-checkpoint): text "origin\nsize\nbase64(root)\n"
 *    plus optional extension lines.
 *  - tlog-cosignature (c2sp.org/tlog-cosignature/v1): Ed25519 type 0x04; the
 *    witness signs "cosignature/v1\ntime <t>\n" || checkpoint text, and the
 *    signature line carries keyID || uint64be(t) || signature.
 *
 * Signing keys (note_signer) hold a secret seed: wipe them with
 * note_signer_wipe() on every path.  Parsing treats all input as hostile.
 */
#ifndef QUORUM_AUDIT_NOTE_H
#define QUORUM_AUDIT_NOTE_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/qerr.h"
#include "crypto/sig.h"
#include "merkle.h"

#define NOTE_NAME_MAX 255 /* longest key name / origin we accept, in bytes */
#define NOTE_MAX_SIGS 100 /* a note with more signature lines is rejected */
#define NOTE_MAX_LEN 65536 /* longest note we parse */
#define NOTE_KEYID_LEN 4
#define NOTE_ALG_ED25519 0x01
#define NOTE_ALG_COSIGNATURE 0x04
/* Room for a verifier key string: name + '+' + 8 hex + '+' + base64(33) + NUL. */
#define NOTE_VKEY_MAX (NOTE_NAME_MAX + 1 + 8 + 1 + 44 + 1)
/* Room for a private key string: "PRIVATE+KEY+" + the above. */
#define NOTE_SKEY_MAX (12 + NOTE_VKEY_MAX)

typedef struct note_verifier {
	char name[NOTE_NAME_MAX + 1];
	uint8_t alg; /* NOTE_ALG_ED25519 or NOTE_ALG_COSIGNATURE */
	uint8_t id[NOTE_KEYID_LEN];
	uint8_t pk[SIG_PUBLIC_LEN];
} note_verifier;

typedef struct note_signer {
	note_verifier pub;
	sig_secret sk;
} note_signer;

/* is name a valid key name (1..255 bytes of printable ASCII 0x21..0x7E
 * other than '+')?  Origins follow the same rule. */
int note_name_valid(const char *name, size_t len);

/* keyID = SHA-256(name || 0x0A || alg || pk)[0:4]. */
void note_key_id(uint8_t id[NOTE_KEYID_LEN], const char *name, uint8_t alg,
                 const uint8_t pk[SIG_PUBLIC_LEN]);

/* Generate a fresh key of the given alg (0x01 or 0x04) named name.
 * On failure *s is wiped. */
Q_MUST_CHECK qerr note_signer_generate(note_signer *s, const char *name, uint8_t alg);

/* "PRIVATE+KEY+name+hex(keyID)+base64(alg || seed)" (no newline),
 * into out (NOTE_SKEY_MAX bytes).  out holds a secret: wipe it. */
Q_MUST_CHECK qerr note_signer_format(const note_signer *s, char *out, size_t outsz);

/* Parse the private key form (one optional trailing '\n' allowed); the key ID
 * and the public key are recomputed and the ID must match.  On failure *s is
 * wiped and the result is Q_ERR_FORMAT or Q_ERR_ENCODING. */
Q_MUST_CHECK qerr note_signer_parse(note_signer *s, const char *text, size_t len);

void note_signer_wipe(note_signer *s);

/* "name+hex(keyID)+base64(alg || pk)" (no newline) into out
 * (NOTE_VKEY_MAX bytes). */
Q_MUST_CHECK qerr note_verifier_format(const note_verifier *v, char *out, size_t outsz);

/* Parse a verifier key (one optional trailing '\n' allowed).  The key ID must
 * match the name, alg and key.  Q_ERR_FORMAT / Q_ERR_ENCODING on bad input. */
Q_MUST_CHECK qerr note_verifier_parse(note_verifier *v, const char *text, size_t len);

/*
 * Sign text (which must be valid note text, A-4.3) with an alg-0x01 key:
 * *out (malloc'd, NUL-terminated, caller frees) receives
 * text || "\n" || signature line.  On failure *out is NULL.
 */
Q_MUST_CHECK qerr note_sign(const note_signer *s, const char *text, size_t len, char **out,
                            size_t *outlen);

/*
 * Add a cosignature (alg 0x04, A-6) with timestamp t over the checkpoint
 * text of note (an already-signed note) and return the note with the new
 * signature line appended in *out (malloc'd, NUL-terminated).  The note must
 * be well-formed (note_split); it is not otherwise verified here.
 */
Q_MUST_CHECK qerr note_cosign(const note_signer *s, const char *note, size_t len, uint64_t t,
                              char **out, size_t *outlen);

/*
 * verify a signed note against a set of known keys.
 * Signature lines whose (name, keyID) match no known key are ignored.
 * A line that matches a known key but does not verify, a known key that
 * signed twice, a malformed note or signature line, or more than
 * NOTE_MAX_SIGS lines is a failure.  At least one known key must have signed.
 * On Q_OK, *text_len is the length of the signed text (prefix of note), and
 * if verified is not NULL, verified[i] is set to 1 for each key i that signed
 * (0 otherwise).  Returns Q_ERR_FORMAT (malformed), Q_ERR_SIGNATURE (a bad
 * signature from a known key, or no known signature).
 */
Q_MUST_CHECK qerr note_verify(const char *note, size_t len, const note_verifier *keys, size_t nkeys,
                              size_t *text_len, int *verified);

/* a checkpoint body. */
typedef struct checkpoint {
	char origin[NOTE_NAME_MAX + 1];
	uint64_t size;
	merkle_hash root;
	int has_extensions; /* extension lines present (we never write any) */
} checkpoint;

/* Format the body "origin\nsize\nbase64(root)\n" into out; *len gets its length. */
Q_MUST_CHECK qerr checkpoint_format(const checkpoint *c, char *out, size_t outsz, size_t *len);

/* Parse a checkpoint body (the text of a note).  Strict: decimal size without
 * leading zeros, canonical base64 of exactly 32 bytes, valid origin.
 * Q_ERR_FORMAT on bad input (*c is then zeroed). */
Q_MUST_CHECK qerr checkpoint_parse(checkpoint *c, const char *text, size_t len);

/*
 * Open a signed checkpoint: verify the note with log_key (alg 0x01) and
 * optional extra keys (e.g. witnesses), parse its body, and require that its
 * origin equals log_key's name.  Returns like note_verify, plus
 * Q_ERR_FORMAT for a bad body and Q_ERR_SIGNATURE when the log key did not sign.
 */
Q_MUST_CHECK qerr checkpoint_open(checkpoint *c, const char *note, size_t len,
                                  const note_verifier *log_key);

/*
 * an offline proof in the c2sp.org/tlog-proof@v1 text form:
 *   "c2sp.org/tlog-proof@v1\n" ["extra " base64 "\n"] "index " decimal "\n"
 *   (base64(hash) "\n")*  "\n"  signed checkpoint note
 * We never write "extra"; we accept and ignore it when parsing.
 */
typedef struct tlog_proof {
	uint64_t index;
	merkle_hash hashes[MERKLE_MAX_PROOF];
	size_t nhashes;
	const char *note; /* points into the parsed text; not owned */
	size_t note_len;
} tlog_proof;

/* Format into *out (malloc'd, NUL-terminated). */
Q_MUST_CHECK qerr tlog_proof_format(uint64_t index, const merkle_hash *hashes, size_t n,
                                    const char *note, size_t note_len, char **out, size_t *outlen);

/* Parse strictly; p->note points into text.  Q_ERR_FORMAT on bad input. */
Q_MUST_CHECK qerr tlog_proof_parse(tlog_proof *p, const char *text, size_t len);

/* Parse "base64(hash)\n" lines (the output of quorum-audit consistency):
 * at most MERKLE_MAX_PROOF, each exactly 44 characters and newline-terminated.
 * Q_ERR_FORMAT on bad input. */
Q_MUST_CHECK qerr merkle_hashes_parse(const char *text, size_t len, merkle_hash *out, size_t *n);

#endif
