/* SPDX-License-Identifier: GPL-3.0-or-later */
/* audit/note: C2SP signed notes, checkpoints, cosignatures, tlog-proof text. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/note.h"
#include "crypto/sha256.h"
#include "crypto/util.h"
#include "testutil.h"

static const char body[] =
    "quorum.example/e1/s1\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n";

static note_signer key(const char *name, uint8_t alg)
{
	note_signer s;
	cr_assert(note_signer_generate(&s, name, alg) == Q_OK);
	return s;
}

Test(note, key_id_and_vkey_form)
{
	/* A fixed key: seed 32 x 0x01; key ID recomputed by hand. */
	note_signer s;
	memset(&s, 0, sizeof s);
	memset(s.sk.seed, 1, 32);
	cr_assert(sig_public(&s.sk, s.pub.pk) == Q_OK);
	snprintf(s.pub.name, sizeof s.pub.name, "example.com/log");
	s.pub.alg = NOTE_ALG_ED25519;
	note_key_id(s.pub.id, s.pub.name, 1, s.pub.pk);
	uint8_t buf[64], h[32];
	size_t n = strlen(s.pub.name);
	memcpy(buf, s.pub.name, n);
	buf[n] = 0x0a;
	buf[n + 1] = 0x01;
	memcpy(buf + n + 2, s.pub.pk, 32);
	sha256(h, buf, n + 34);
	cr_assert(memcmp(h, s.pub.id, 4) == 0);
	char vk[NOTE_VKEY_MAX], hex[9], b64[45];
	cr_assert(note_verifier_format(&s.pub, vk, sizeof vk) == Q_OK);
	uint8_t raw[33] = {1};
	memcpy(raw + 1, s.pub.pk, 32);
	hex_encode(hex, h, 4);
	b64_encode(b64, raw, 33);
	char want[NOTE_VKEY_MAX];
	snprintf(want, sizeof want, "example.com/log+%s+%s", hex, b64);
	cr_assert_str_eq(vk, want);
	note_verifier v;
	cr_assert(note_verifier_parse(&v, vk, strlen(vk)) == Q_OK);
	cr_assert(memcmp(&v, &s.pub, sizeof v) == 0);
	/* Wrong key ID, wrong name, bad base64, unknown type: rejected. */
	char bad[NOTE_VKEY_MAX];
	snprintf(bad, sizeof bad, "%s", vk);
	bad[strlen("example.com/log+")] ^= 1;
	cr_assert(note_verifier_parse(&v, bad, strlen(bad)) != Q_OK);
	snprintf(bad, sizeof bad, "example.com/lug%s", vk + strlen("example.com/log"));
	cr_assert(note_verifier_parse(&v, bad, strlen(bad)) != Q_OK);
	snprintf(bad, sizeof bad, "%s", vk);
	bad[strlen(bad) - 1] = '!';
	cr_assert(note_verifier_parse(&v, bad, strlen(bad)) != Q_OK);
	cr_assert(note_verifier_parse(&v, "a+b", 3) != Q_OK);
	/* Private key text round trip. */
	char sk[NOTE_SKEY_MAX];
	note_signer s2;
	cr_assert(note_signer_format(&s, sk, sizeof sk) == Q_OK);
	cr_assert(strncmp(sk, "PRIVATE+KEY+example.com/log+", 28) == 0);
	cr_assert(note_signer_parse(&s2, sk, strlen(sk)) == Q_OK);
	cr_assert(memcmp(&s2, &s, sizeof s) == 0);
	sk[strlen(sk) - 2] ^= 1;
	cr_assert(note_signer_parse(&s2, sk, strlen(sk)) != Q_OK);
	note_signer_wipe(&s);
	note_signer_wipe(&s2);
}

Test(note, sign_and_verify)
{
	note_signer a = key("quorum.example/e1/s1", NOTE_ALG_ED25519);
	note_signer b = key("other.example/log", NOTE_ALG_ED25519);
	char *n = NULL;
	size_t len = 0, tlen = 0;
	cr_assert(note_sign(&a, body, strlen(body), &n, &len) == Q_OK);
	/* Layout: text, blank line, one em-dash signature line. */
	cr_assert(strncmp(n, body, strlen(body)) == 0);
	cr_assert(strncmp(n + strlen(body), "\n\xe2\x80\x94 quorum.example/e1/s1 ", 26) == 0);
	cr_assert(note_verify(n, len, &a.pub, 1, &tlen, NULL) == Q_OK);
	cr_assert_eq(tlen, strlen(body));
	checkpoint cp;
	cr_assert(checkpoint_open(&cp, n, len, &a.pub) == Q_OK);
	cr_assert_eq(cp.size, 8);
	cr_assert_str_eq(cp.origin, "quorum.example/e1/s1");

	/* Every flipped byte is rejected. */
	for (size_t i = 0; i < len; i++) {
		char *m = malloc(len);
		memcpy(m, n, len);
		m[i] ^= 0x01;
		cr_assert(note_verify(m, len, &a.pub, 1, &tlen, NULL) != Q_OK, "flip at %zu", i);
		free(m);
	}
	/* Wrong key: no known signature. */
	cr_assert(note_verify(n, len, &b.pub, 1, &tlen, NULL) == Q_ERR_SIGNATURE);
	cr_assert(checkpoint_open(&cp, n, len, &b.pub) != Q_OK);
	/* Same name, different key (so a different key ID): unknown, rejected. */
	note_signer a2 = key("quorum.example/e1/s1", NOTE_ALG_ED25519);
	cr_assert(note_verify(n, len, &a2.pub, 1, &tlen, NULL) == Q_ERR_SIGNATURE);
	/* Same name and key ID but another key: the signature fails. */
	note_verifier forged = a.pub;
	memcpy(forged.pk, b.pub.pk, 32);
	cr_assert(note_verify(n, len, &forged, 1, &tlen, NULL) == Q_ERR_SIGNATURE);

	/* An extra, unknown signature is ignored. */
	char *n2 = NULL;
	size_t len2 = 0;
	cr_assert(note_sign(&b, body, strlen(body), &n2, &len2) == Q_OK);
	const char *line = strstr(n2, "\xe2\x80\x94");
	char *both = malloc(len + strlen(line) + 1);
	memcpy(both, n, len);
	memcpy(both + len, line, strlen(line) + 1);
	size_t blen = len + strlen(line);
	cr_assert(note_verify(both, blen, &a.pub, 1, &tlen, NULL) == Q_OK);
	cr_assert(checkpoint_open(&cp, both, blen, &a.pub) == Q_OK);
	/* ... and both verify when both are known. */
	note_verifier keys[2] = {a.pub, b.pub};
	int ok[2];
	cr_assert(note_verify(both, blen, keys, 2, &tlen, ok) == Q_OK);
	cr_assert(ok[0] && ok[1]);
	/* A duplicated known signature line is malformed. */
	char *dup = malloc(len + (len - strlen(body) - 1) + 1);
	memcpy(dup, n, len);
	memcpy(dup + len, n + strlen(body) + 1, len - strlen(body) - 1);
	cr_assert(note_verify(dup, 2 * len - strlen(body) - 1, &a.pub, 1, &tlen, NULL) != Q_OK);
	/* Only the unknown signature: rejected. */
	cr_assert(note_verify(n2, len2, &a.pub, 1, &tlen, NULL) == Q_ERR_SIGNATURE);
	/* Truncated, or no signature lines at all. */
	cr_assert(note_verify(n, len - 1, &a.pub, 1, &tlen, NULL) != Q_OK);
	cr_assert(note_verify(n, strlen(body) + 1, &a.pub, 1, &tlen, NULL) != Q_OK);
	cr_assert(note_verify(body, strlen(body), &a.pub, 1, &tlen, NULL) != Q_OK);
	free(n);
	free(n2);
	free(both);
	free(dup);
	note_signer_wipe(&a);
	note_signer_wipe(&a2);
	note_signer_wipe(&b);
}

Test(note, cosignature)
{
	note_signer log = key("quorum.example/e1/s1", NOTE_ALG_ED25519);
	note_signer w = key("witness.example/w1", NOTE_ALG_COSIGNATURE);
	char *n = NULL, *c = NULL;
	size_t len = 0, clen = 0, tlen = 0;
	cr_assert(note_sign(&log, body, strlen(body), &n, &len) == Q_OK);
	cr_assert(note_cosign(&w, n, len, 1700000000, &c, &clen) == Q_OK);
	char *c2 = NULL;
	size_t c2len = 0;
	cr_assert(note_cosign(&log, n, len, 1, &c2, &c2len) == Q_ERR_ARG); /* not a 0x04 key */
	cr_assert_null(c2);
	note_verifier keys[2] = {log.pub, w.pub};
	int ok[2];
	cr_assert(note_verify(c, clen, keys, 2, &tlen, ok) == Q_OK);
	cr_assert(ok[0] && ok[1]);
	/* Decode the cosignature: keyID || uint64be(t) || sig, over the A-6 message. */
	const char *l = strstr(c + len, "witness.example/w1 ") + strlen("witness.example/w1 ");
	uint8_t raw[100];
	size_t rl = 0;
	cr_assert(b64_decode(raw, &rl, l, strlen(l) - 1) == Q_OK);
	cr_assert_eq(rl, 76);
	cr_assert(memcmp(raw, w.pub.id, 4) == 0);
	cr_assert(raw[4] == 0 && raw[8] == 0x65 && raw[11] == 0x00 && raw[10] == 0xf1);
	char msg[256];
	int ml = snprintf(msg, sizeof msg, "cosignature/v1\ntime 1700000000\n%s", body);
	cr_assert(sig_verify(w.pub.pk, msg, (size_t)ml, raw + 12) == Q_OK);
	/* A tampered timestamp breaks it. */
	char *m = strdup(c);
	size_t pos = (size_t)(l - c) + 8;
	m[pos] = m[pos] == 'A' ? 'B' : 'A';
	cr_assert(note_verify(m, clen, &w.pub, 1, &tlen, NULL) != Q_OK);
	/* A 0x04 key is never accepted as a log key. */
	checkpoint cp;
	cr_assert(checkpoint_open(&cp, c, clen, &w.pub) == Q_ERR_ARG);
	free(m);
	free(n);
	free(c);
	note_signer_wipe(&log);
	note_signer_wipe(&w);
}

Test(note, checkpoint_parse_strict)
{
	checkpoint cp;
	cr_assert(checkpoint_parse(&cp, body, strlen(body)) == Q_OK);
	cr_assert_eq(cp.has_extensions, 0);
	const char *bad[] = {
	    "o\n08\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
	    "o\n-8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
	    "o\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg\n",
	    "o\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyh=\n",
	    "o\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=",
	    "\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
	    "a b\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
	    "o\n18446744073709551616\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n",
	    "o\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n\n",
	    "o\n8\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		cr_assert(checkpoint_parse(&cp, bad[i], strlen(bad[i])) == Q_ERR_FORMAT, "case %zu",
		          i);
	const char *ext =
	    "o\n18446744073709551615\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\nx\n";
	cr_assert(checkpoint_parse(&cp, ext, strlen(ext)) == Q_OK);
	cr_assert(cp.has_extensions && cp.size == UINT64_MAX);
}

Test(note, tlog_proof_text)
{
	merkle_hash h[2];
	memset(h[0], 0xaa, 32);
	memset(h[1], 0xbb, 32);
	const char *note =
	    "o\n1\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n\n\xe2\x80\x94 o AAAA\n";
	char *t = NULL;
	size_t tl = 0;
	cr_assert(tlog_proof_format(42, (const merkle_hash *)h, 2, note, strlen(note), &t, &tl) ==
	          Q_OK);
	cr_assert(strncmp(t, "c2sp.org/tlog-proof@v1\nindex 42\n", 32) == 0);
	tlog_proof p;
	cr_assert(tlog_proof_parse(&p, t, tl) == Q_OK);
	cr_assert_eq(p.index, 42);
	cr_assert_eq(p.nhashes, 2);
	cr_assert(memcmp(p.hashes, h, 64) == 0);
	cr_assert_eq(p.note_len, strlen(note));
	/* With an extra line. */
	char buf[1024];
	snprintf(buf, sizeof buf, "c2sp.org/tlog-proof@v1\nextra YWJj\n%s", t + 23);
	cr_assert(tlog_proof_parse(&p, buf, strlen(buf)) == Q_OK);
	cr_assert_eq(p.index, 42);
	/* Malformed: wrong magic, leading zero index, bad hash, no blank line. */
	const char *bad[] = {
	    "c2sp.org/tlog-proof@v2\nindex 1\n\nx", "c2sp.org/tlog-proof@v1\nindex 01\n\nx",
	    "c2sp.org/tlog-proof@v1\nindex 1\nAAAA\n\nx", "c2sp.org/tlog-proof@v1\nindex 1\n"};
	for (size_t i = 0; i < 4; i++)
		cr_assert(tlog_proof_parse(&p, bad[i], strlen(bad[i])) == Q_ERR_FORMAT, "case %zu",
		          i);
	free(t);
}

/*
 * Published signed-note vectors: the keys, text and signatures of
 * golang.org/x/mod/sumdb/note/note_test.go (TestNewVerifier, TestNewSigner,
 * TestSign, TestOpen), the reference implementation the C2SP signed-note
 * spec (c2sp.org/signed-note) was written from.  The example note in the
 * C2SP spec itself ("quasimodo.example/salvatore") comes without its
 * public key, so it cannot be verified; it is checked for form only.
 */
static const char go_peter_vkey[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
static const char go_peter_skey[] =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
static const char go_enoch_vkey[] =
    "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
static const char go_text[] = "If you think cryptography is the answer to your problem,\n"
                              "then you don't know what your problem is.\n";
static const char go_peter_sig[] = "\xe2\x80\x94 PeterNeumann "
                                   "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZ"
                                   "SNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
static const char go_enoch_sig[] = "\xe2\x80\x94 EnochRoot "
                                   "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGr"
                                   "Q5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

Test(note, published_vectors_keys)
{
	note_verifier v;
	note_signer s;
	char out[NOTE_SKEY_MAX];
	cr_assert_eq(note_verifier_parse(&v, go_peter_vkey, strlen(go_peter_vkey)), Q_OK);
	cr_assert_str_eq(v.name, "PeterNeumann");
	cr_assert_eq(v.alg, NOTE_ALG_ED25519);
	const uint8_t id[4] = {0xc7, 0x4f, 0x20, 0xa3};
	cr_assert(memcmp(v.id, id, 4) == 0);
	cr_assert_eq(note_verifier_format(&v, out, sizeof out), Q_OK);
	cr_assert_str_eq(out, go_peter_vkey);
	/* The private key gives the same public key and formats back. */
	cr_assert_eq(note_signer_parse(&s, go_peter_skey, strlen(go_peter_skey)), Q_OK);
	cr_assert(memcmp(&s.pub, &v, sizeof v) == 0, "skey and vkey name the same key");
	cr_assert_eq(note_signer_format(&s, out, sizeof out), Q_OK);
	cr_assert_str_eq(out, go_peter_skey);
	note_signer_wipe(&s);
	wipe(out, sizeof out);
	/* TestNewVerifier's two bad keys: wrong key length, unknown algorithm
	 * (each with an adjusted key ID). */
	const char *bad[] = {
	    "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
	    "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"};
	for (size_t i = 0; i < 2; i++)
		cr_assert_neq(note_verifier_parse(&v, bad[i], strlen(bad[i])), Q_OK, "%s", bad[i]);
	/* and every one-character change of the good key (TestNewVerifier). */
	char m[sizeof go_peter_vkey];
	for (size_t i = 0; i + 1 < sizeof go_peter_vkey; i++) {
		memcpy(m, go_peter_vkey, sizeof m);
		m[i]++;
		cr_assert_neq(note_verifier_parse(&v, m, strlen(m)), Q_OK, "changed at %zu", i);
	}
}

Test(note, published_vectors_sign_and_open)
{
	/* TestSign: Ed25519 is deterministic, so signing the text with the
	 * published key gives the published note byte for byte. */
	note_signer s;
	char *n = NULL;
	size_t nl = 0;
	cr_assert_eq(note_signer_parse(&s, go_peter_skey, strlen(go_peter_skey)), Q_OK);
	cr_assert_eq(note_sign(&s, go_text, strlen(go_text), &n, &nl), Q_OK);
	note_signer_wipe(&s);
	char want[512];
	int wl = snprintf(want, sizeof want, "%s\n%s", go_text, go_peter_sig);
	cr_assert_eq(nl, (size_t)wl);
	cr_assert_str_eq(n, want);
	free(n);

	/* TestOpen: both signatures verify with both keys; with Peter's key
	 * only, Enoch's line is an unknown key and is ignored. */
	note_verifier keys[2];
	cr_assert_eq(note_verifier_parse(&keys[0], go_peter_vkey, strlen(go_peter_vkey)), Q_OK);
	cr_assert_eq(note_verifier_parse(&keys[1], go_enoch_vkey, strlen(go_enoch_vkey)), Q_OK);
	char both[768];
	int bl = snprintf(both, sizeof both, "%s\n%s%s", go_text, go_peter_sig, go_enoch_sig);
	size_t tl = 0;
	int ver[2] = {0, 0};
	cr_assert_eq(note_verify(both, (size_t)bl, keys, 2, &tl, ver), Q_OK);
	cr_assert_eq(tl, strlen(go_text));
	cr_assert(ver[0] == 1 && ver[1] == 1);
	ver[1] = 7;
	cr_assert_eq(note_verify(both, (size_t)bl, keys, 1, &tl, ver), Q_OK);
	cr_assert_eq(ver[0], 1);
	cr_assert_eq(note_verify(both, (size_t)bl, &keys[1], 1, &tl, NULL), Q_OK, "Enoch alone");
	/* No known key at all: rejected. */
	note_verifier other;
	note_signer o = key("PeterNeumann", NOTE_ALG_ED25519); /* same name, other ID */
	memcpy(&other, &o.pub, sizeof other);
	note_signer_wipe(&o);
	cr_assert_eq(note_verify(both, (size_t)bl, &other, 1, &tl, NULL), Q_ERR_SIGNATURE);
	/* TestOpen's invalid signature: "ABCD" spliced into Peter's base64. */
	char spliced[768];
	const char *sig = strstr(both, "x08go");
	size_t at = (size_t)(sig - both) + 20;
	memcpy(spliced, both, at);
	memcpy(spliced + at, "ABCD", 4);
	memcpy(spliced + at + 4, both + at, (size_t)bl - at + 1);
	cr_assert_eq(note_verify(spliced, (size_t)bl + 4, keys, 1, &tl, NULL), Q_ERR_SIGNATURE);
	/* One changed byte of the text: Peter's signature no longer verifies. */
	char flipped[768];
	memcpy(flipped, both, (size_t)bl + 1);
	flipped[3] ^= 0x20;
	cr_assert_eq(note_verify(flipped, (size_t)bl, keys, 2, &tl, NULL), Q_ERR_SIGNATURE);
	/* TestOpen's malformed notes: no signature, text then blank line only,
	 * unterminated signature line, a line after the signatures. */
	char bad[768];
	int l1 = snprintf(bad, sizeof bad, "%s", go_text);
	cr_assert_eq(note_verify(bad, (size_t)l1, keys, 2, &tl, NULL), Q_ERR_FORMAT);
	l1 = snprintf(bad, sizeof bad, "%s\n", go_text);
	cr_assert_eq(note_verify(bad, (size_t)l1, keys, 2, &tl, NULL), Q_ERR_FORMAT);
	l1 = snprintf(bad, sizeof bad, "%s\n%.*s", go_text, (int)strlen(go_peter_sig) - 1,
	              go_peter_sig);
	cr_assert_eq(note_verify(bad, (size_t)l1, keys, 2, &tl, NULL), Q_ERR_FORMAT);
	l1 = snprintf(bad, sizeof bad, "%s\n%sUnexpected line.\n", go_text, go_peter_sig);
	cr_assert_eq(note_verify(bad, (size_t)l1, keys, 2, &tl, NULL), Q_ERR_FORMAT);
}

/* The example note of c2sp.org/signed-note: its key is not published, so
 * it can only be an unknown-key note here: well-formed, and rejected for
 * having no known signature (not for its form). */
Test(note, c2sp_spec_example_form)
{
	static const char ex[] = "Ognuno sta solo sul cuor della terra\n"
	                         "trafitto da un raggio di sole:\n"
	                         "\n"
	                         "ed \xc3\xa8 subito sera.\n"
	                         "\n"
	                         "\xe2\x80\x94 quasimodo.example/salvatore "
	                         "NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouF"
	                         "SQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n";
	note_verifier v;
	cr_assert_eq(note_verifier_parse(&v, go_peter_vkey, strlen(go_peter_vkey)), Q_OK);
	size_t tl = 0;
	cr_assert_eq(note_verify(ex, sizeof ex - 1, &v, 1, &tl, NULL), Q_ERR_SIGNATURE);
}
