/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Write-in slots (docs/spec/ballot.md B-10): the manifest field (E-2
 * "write_in"), where it is refused, and the ballot style's slots.
 */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/elgamal.h"
#include "crypto/group.h"
#include "crypto/shuffle.h"
#include "crypto/util.h"
#include "election/ballot.h"
#include "election/manifest.h"
#include "election/rules.h"
#include "election/runoff.h"
#include "election/writein.h"
#include "helpers.h"

#include "banned.h"

static const uint8_t BASE[BALLOT_HASH_LEN] = {1};

static elec_manifest *parse_ok(json_t *j)
{
	elec_manifest *m = NULL;
	elec_findings f;
	elec_findings_init(&f);
	qerr e = parse_manifest_json(j, &m, &f);
	if (e != Q_OK)
		dump_findings(&f);
	cr_assert_eq(e, Q_OK);
	elec_findings_free(&f);
	return m;
}

static void parse_refused(json_t *j, const char *rule, const char *msg)
{
	elec_manifest *m = NULL;
	elec_findings f;
	elec_findings_init(&f);
	cr_assert_eq(parse_manifest_json(j, &m, &f), Q_ERR_RULE);
	cr_assert_null(m);
	if (!has_finding(&f, ELEC_ERROR, rule, "contests[", msg)) {
		dump_findings(&f);
		cr_assert_fail("no finding \"%s\"", msg);
	}
	elec_findings_free(&f);
}

Test(writein, manifest_field_and_style_slots)
{
	json_t *j = ex_json("election.json");
	jset(j, "contests[1].write_in", json_integer(2));
	elec_manifest *m = parse_ok(j);
	cr_assert_eq(m->contests[0].write_in, 0);
	cr_assert_eq(m->contests[1].write_in, 2);
	ballot_style *st = NULL;
	char why[300] = "";
	cr_assert_eq(elec_round_style(m, NULL, BASE, &st, why, sizeof why), Q_OK, "%s", why);
	/* B-10.1: the 5 listed candidates, then the 2 slots, inside 0..seats */
	cr_assert_eq(st->contests[0].nwritein, 0);
	cr_assert_eq(st->contests[1].noptions, 5 + 2);
	cr_assert_eq(st->contests[1].nwritein, 2);
	cr_assert_eq(st->contests[1].max_sel, 3);
	cr_assert_eq(st->total_writein, 2);
	ballot_style_free(st);
	manifest_free(m);
	json_decref(j);
}

Test(writein, refused_in_a_motion_beyond_the_seats_and_too_many)
{
	json_t *j = ex_json("motion.json");
	jset(j, "contests[0].write_in", json_integer(1));
	parse_refused(j, NULL, "only an office contest may have write-in slots");
	json_decref(j);
	j = ex_json("election.json");
	jset(j, "contests[0].write_in", json_integer(2)); /* 1 seat */
	parse_refused(j, NULL, "at most the seats (1)");
	json_decref(j);
	j = ex_json("election.json");
	jset(j, "contests[1].write_in", json_integer(-1));
	parse_refused(j, NULL, "write_in must be an integer");
	json_decref(j);
}

Test(writein, refused_where_a_profile_forbids)
{
	/* The built-in profiles, with CH1 given a row of part "no-write-in". */
	size_t n;
	const char *const *names;
	const unsigned char *const *bytes;
	const size_t *lens;
	rulebook *rb = NULL;
	elec_findings f;
	elec_findings_init(&f);
	rulebook_builtin_files(&n, &names, &bytes, &lens);
	cr_assert_eq(rulebook_new(&rb), Q_OK);
	/* the statute first (a lower layer's rows may govern it) */
	for (size_t k = 0; k < 2 * n; k++) {
		size_t i = k % n;
		if ((k < n) != (strncmp(names[i], "UL-", 3) == 0))
			continue;
		json_t *pj = json_loadb((const char *)bytes[i], lens[i], 0, NULL);
		cr_assert_not_null(pj);
		if (strcmp(names[i], "CH1.json") == 0) {
			json_t *row =
			    json_deep_copy(json_array_get(json_object_get(pj, "rows"), 0));
			json_object_set_new(row, "id", json_string("CH1.99"));
			json_object_set_new(row, "part", json_string("no-write-in"));
			json_object_set_new(row, "test", json_null());
			json_object_set_new(row, "governs", json_null());
			json_array_append_new(json_object_get(pj, "rows"), row);
		}
		char *s = json_dumps(pj, JSON_COMPACT);
		rule_file *pf = NULL;
		cr_assert_eq(rule_file_parse((const uint8_t *)s, strlen(s), &pf, &f), Q_OK, "%s",
		             names[i]);
		cr_assert_eq(rulebook_add(rb, pf, &f), Q_OK, "%s", names[i]);
		free(s);
		json_decref(pj);
	}
	json_t *j = ex_json("election.json"); /* charter CH1 */
	jset(j, "contests[1].write_in", json_integer(1));
	char *s = json_dumps(j, JSON_COMPACT);
	elec_manifest *m = NULL;
	cr_assert_eq(manifest_parse_rules((const uint8_t *)s, strlen(s), rb, &m, &f), Q_ERR_RULE);
	cr_assert_null(m);
	if (!has_finding(&f, ELEC_ERROR, "CH1.99", "contests[1]", "forbids write-ins"))
		dump_findings(&f);
	cr_assert(has_finding(&f, ELEC_ERROR, "CH1.99", "contests[1]", "forbids write-ins"));
	/* without the field the same rulebook accepts it */
	elec_findings_free(&f);
	elec_findings_init(&f);
	free(s);
	jset(j, "contests[1].write_in", NULL);
	s = json_dumps(j, JSON_COMPACT);
	cr_assert_eq(manifest_parse_rules((const uint8_t *)s, strlen(s), rb, &m, &f), Q_OK);
	manifest_free(m);
	free(s);
	json_decref(j);
	elec_findings_free(&f);
	rulebook_free(rb);
}

Test(writein, style_check_refuses_bad_slots)
{
	ballot_style *st = ballot_style_new(1, BASE);
	char why[200] = "";
	st->contests[0] =
	    (ballot_contest_style){.noptions = 4, .min_sel = 0, .max_sel = 2, .nwritein = 3};
	cr_assert_eq(ballot_style_check(st, why, sizeof why), Q_ERR_RANGE);
	cr_assert(strstr(why, "3 write-in slots invalid") != NULL, "%s", why);
	st->contests[0].nwritein = 2;
	cr_assert_eq(ballot_style_check(st, why, sizeof why), Q_OK, "%s", why);
	cr_assert_eq(st->total_writein, 2);
	ballot_style_free(st);
}

/* ---- ballots with write-in slots (B-10.2 - B-10.7) ---- */

static scalar *sk;
static point *K;
static point_table *Kt;

static void keys(void)
{
	sk = scalar_new();
	K = point_new();
	cr_assert_eq(scalar_set_u64(sk, 987654321), Q_OK);
	cr_assert_eq(point_mul_base(K, sk), Q_OK);
	Kt = point_table_new(K);
	cr_assert_not_null(Kt);
}

static void unkeys(void)
{
	point_table_free(Kt);
	point_free(K);
	scalar_free(sk);
}

/* director: 2 options 0..1, no slots; members: 4 listed + 2 slots, 0..3 */
static ballot_style *wstyle(void)
{
	ballot_style *st = ballot_style_new(2, BASE);
	cr_assert_not_null(st);
	st->contests[0] = (ballot_contest_style){2, 0, 1, 0, NULL, 0};
	st->contests[1] = (ballot_contest_style){6, 0, 3, 0, NULL, 2};
	cr_assert_eq(ballot_style_check(st, NULL, 0), Q_OK);
	return st;
}

/* marks: director option 1; members option 0 and slot 0 */
static const uint8_t MARKS[8] = {0, 1, 1, 0, 0, 0, 1, 0};
static const char *const NAMES[2] = {"张伟", NULL};

static ballot *wballot(const ballot_style *st, ballot_opening **op)
{
	ballot *b = NULL;
	char why[200] = "";
	cr_assert_eq(ballot_encrypt_names(st, Kt, MARKS, 8, NAMES, 2, &b, op, why, sizeof why),
	             Q_OK, "%s", why);
	return b;
}

Test(writein_ballot, encrypt_encode_verify_open, .init = keys, .fini = unkeys)
{
	ballot_style *st = wstyle();
	ballot_opening *op = NULL;
	ballot *b = wballot(st, &op);
	char why[300] = "";
	cr_assert_eq(ballot_verify(st, K, Kt, b, why, sizeof why), Q_OK, "%s", why);
	uint8_t *enc = NULL;
	size_t len = 0;
	cr_assert_eq(ballot_encode(b, &enc, &len), Q_OK);
	/* B-2 with B-10.3: 4 + (8 + 2*518 + 2*194) + (8 + 6*518 + 4*194 + 2*388) */
	cr_assert_eq(len, 4 + (8 + 2 * 518 + 2 * 194) + (8 + 6 * 518 + 4 * 194 + 2 * 388));
	cr_assert_eq(ballot_style_encoded_len(st), len);
	ballot *d = NULL;
	cr_assert_eq(ballot_decode(st, enc, len, &d), Q_OK);
	uint8_t *enc2 = NULL;
	size_t len2 = 0;
	cr_assert_eq(ballot_encode(d, &enc2, &len2), Q_OK);
	cr_assert(len2 == len && memcmp(enc, enc2, len) == 0, "the encoding is canonical");
	uint8_t id1[32], id2[32];
	cr_assert_eq(ballot_id(id1, st, b), Q_OK);
	cr_assert_eq(ballot_id_enc(id2, st, enc, len), Q_OK);
	cr_assert_eq(memcmp(id1, id2, 32), 0, "B-10.4 from the ballot and from its bytes");
	/* the identity hashes the names: a changed name ciphertext byte changes it */
	enc2[len - 388 * 2 + 100] ^= 1;
	cr_assert_eq(ballot_id_enc(id2, st, enc2, len), Q_OK);
	cr_assert_neq(memcmp(id1, id2, 32), 0);
	/* JSON */
	json_t *j = ballot_to_json(b);
	cr_assert_not_null(j);
	cr_assert_eq(json_array_size(json_object_get(
	                 json_array_get(json_object_get(j, "contests"), 1), "write_ins")),
	             2);
	ballot *jb = NULL;
	cr_assert_eq(ballot_from_json(st, j, &jb), Q_OK);
	cr_assert_eq(ballot_verify(st, K, NULL, jb, why, sizeof why), Q_OK, "%s", why);
	/* the opening shows the name (B-10.7) */
	uint8_t *oenc = NULL;
	size_t olen = 0;
	cr_assert_eq(ballot_opening_encode(op, &oenc, &olen), Q_OK);
	cr_assert_eq(olen, 8 * 33 + 2 * 2 * 32);
	cr_assert_eq(ballot_style_opening_len(st), olen);
	ballot_opening *op2 = NULL;
	cr_assert_eq(ballot_opening_decode(st, oenc, olen, &op2), Q_OK);
	cr_assert_eq(ballot_opening_check(st, K, d, op2, why, sizeof why), Q_OK, "%s", why);
	uint8_t name[60];
	size_t nlen;
	cr_assert_eq(ballot_opening_name(st, K, d, op2, 0, name, &nlen), Q_OK);
	cr_assert(nlen == strlen("张伟") && memcmp(name, "张伟", nlen) == 0);
	cr_assert_eq(ballot_opening_name(st, K, d, op2, 1, name, &nlen), Q_OK);
	cr_assert_eq(nlen, 0, "an unmarked slot carries the empty name (B-10.2)");
	json_t *oj = ballot_opening_to_json(st, op2);
	cr_assert_eq(json_array_size(json_object_get(oj, "name_nonces")), 2);
	json_decref(oj);
	/* a name nonce that does not open its ciphertext is refused */
	cr_assert_eq(scalar_set_u64(op2->name_nonce[1], 5), Q_OK);
	cr_assert_eq(ballot_opening_check(st, K, d, op2, why, sizeof why), Q_ERR_PROOF);
	cr_assert(strstr(why, "write-in 0: opening does not re-encrypt") != NULL, "%s", why);
	ballot_opening_free(op2);
	free(oenc);
	json_decref(j);
	ballot_free(jb);
	ballot_free(d);
	free(enc2);
	free(enc);
	ballot_opening_free(op);
	ballot_free(b);
	ballot_style_free(st);
}

/* The one layout of the ciphertexts in B-2 (ballot_style_ct_offsets): the
 * selections in B-2 order, then the name ciphertexts (the B-10.4 identity
 * order), each at the bytes ballot_encode wrote for it. */
Test(writein_ballot, ciphertext_offsets_and_places, .init = keys, .fini = unkeys)
{
	ballot_style *st = wstyle();
	ballot *b = wballot(st, NULL);
	uint8_t *enc = NULL, ct[ELGAMAL_CT_LEN];
	size_t len = 0, off[12];
	cr_assert_eq(ballot_encode(b, &enc, &len), Q_OK);
	cr_assert_eq(ballot_style_nct(st), 8 + 2 * NAMEPT_WIDTH);
	cr_assert_eq(ballot_style_ct_offsets(st, off), len);
	for (size_t t = 0; t < 12; t++) {
		ballot_ct_place pl;
		cr_assert_eq(ballot_style_ct_place(st, t, &pl), Q_OK);
		const elgamal_ct *c = pl.slot == UINT32_MAX
		                          ? b->contests[pl.contest].sel[pl.option].ct
		                          : b->contests[pl.contest].wi[pl.slot].ct[pl.point];
		cr_assert_eq(elgamal_ct_encode(ct, c), Q_OK);
		cr_assert_eq(memcmp(enc + off[t], ct, sizeof ct), 0, "ciphertext %zu", t);
	}
	ballot_ct_place pl;
	cr_assert_eq(ballot_style_ct_place(st, 7, &pl), Q_OK);
	cr_assert(pl.contest == 1 && pl.option == 5 && pl.slot == UINT32_MAX);
	cr_assert_eq(ballot_style_ct_place(st, 11, &pl), Q_OK);
	cr_assert(pl.contest == 1 && pl.option == 5 && pl.slot == 1 && pl.point == 1);
	cr_assert_eq(ballot_style_ct_place(st, 12, &pl), Q_ERR_ARG);
	free(enc);
	ballot_free(b);
	ballot_style_free(st);
}

Test(writein_ballot, names_must_fit_the_marks, .init = keys, .fini = unkeys)
{
	ballot_style *st = wstyle();
	ballot *b = NULL;
	char why[200] = "";
	const char *none[2] = {NULL, NULL};
	cr_assert_eq(ballot_encrypt_names(st, Kt, MARKS, 8, none, 2, &b, NULL, why, sizeof why),
	             Q_ERR_ARG);
	cr_assert(strstr(why, "contest 1 write-in 0: marked without a name") != NULL, "%s", why);
	const char *two[2] = {"张伟", "李娜"};
	cr_assert_eq(ballot_encrypt_names(st, Kt, MARKS, 8, two, 2, &b, NULL, why, sizeof why),
	             Q_ERR_ARG);
	cr_assert(strstr(why, "contest 1 write-in 1: a name in an unmarked slot") != NULL, "%s",
	          why);
	char longname[61];
	memset(longname, 'a', 60);
	longname[60] = '\0';
	const char *lng[2] = {longname, NULL};
	cr_assert_eq(ballot_encrypt_names(st, Kt, MARKS, 8, lng, 2, &b, NULL, why, sizeof why),
	             Q_ERR_RANGE);
	cr_assert(strstr(why, "longer than 59 bytes") != NULL, "%s", why);
	const char *bad[2] = {"\xc3\x28", NULL};
	cr_assert_eq(ballot_encrypt_names(st, Kt, MARKS, 8, bad, 2, &b, NULL, why, sizeof why),
	             Q_ERR_ENCODING);
	cr_assert_eq(ballot_encrypt_names(st, Kt, MARKS, 8, NAMES, 1, &b, NULL, why, sizeof why),
	             Q_ERR_ARG);
	/* the slot's mark counts in the contest's limit like any option */
	const uint8_t four[8] = {0, 1, 1, 1, 1, 0, 1, 0};
	cr_assert_eq(ballot_encrypt_names(st, Kt, four, 8, NAMES, 2, &b, NULL, why, sizeof why),
	             Q_ERR_RANGE);
	/* ballot_encrypt is the one with no names: a marked slot is refused */
	cr_assert_eq(ballot_encrypt(st, Kt, MARKS, 8, &b, NULL), Q_ERR_ARG);
	cr_assert_null(b);
	ballot_style_free(st);
}

Test(writein_ballot, forged_name_proof_is_named, .init = keys, .fini = unkeys)
{
	ballot_style *st = wstyle();
	ballot *b = wballot(st, NULL);
	uint8_t *enc = NULL;
	size_t len = 0;
	cr_assert_eq(ballot_encode(b, &enc, &len), Q_OK);
	/* the last byte of slot 1's second proof's response u */
	enc[len - 1] ^= 1;
	ballot *d = NULL;
	char why[300] = "";
	cr_assert_eq(ballot_decode(st, enc, len, &d), Q_OK);
	cr_assert_eq(ballot_verify(st, K, Kt, d, why, sizeof why), Q_ERR_PROOF);
	cr_assert(strstr(why, "contest 1 write-in 1 name point 1: proof of knowledge fails "
	                      "(B-10.5)") != NULL,
	          "%s", why);
	/* in a batch, with the bytes: the bad ballot is named by its index */
	const ballot *bs[3] = {b, d, b};
	const uint8_t *encs[3] = {enc, enc, enc};
	size_t lens[3] = {len, len, len};
	uint8_t *good = NULL;
	size_t glen;
	cr_assert_eq(ballot_encode(b, &good, &glen), Q_OK);
	encs[0] = encs[2] = good;
	qerr res[3];
	size_t first = 0;
	cr_assert_eq(
	    ballot_verify_batch_enc(st, K, Kt, bs, encs, lens, 3, res, &first, why, sizeof why),
	    Q_ERR_PROOF);
	cr_assert_eq(first, 1);
	cr_assert(res[0] == Q_OK && res[1] == Q_ERR_PROOF && res[2] == Q_OK);
	cr_assert(strstr(why, "ballot 1: contest 1 write-in 1 name point 1") != NULL, "%s", why);
	cr_assert_eq(ballot_verify_batch(st, K, Kt, bs, 3, NULL, &first, why, sizeof why),
	             Q_ERR_PROOF);
	cr_assert_eq(first, 1);
	free(good);
	ballot_free(d);
	free(enc);
	ballot_free(b);
	ballot_style_free(st);
}

/* C-8.0 (b), B-10.5: a voter who copies another ballot's name ciphertext
 * (to look for its twin among the decrypted names) cannot prove it: its
 * nonce is not theirs, and the copied proof was made for the other
 * ballot's identity. */
Test(writein_ballot, copied_name_is_refused, .init = keys, .fini = unkeys)
{
	ballot_style *st = wstyle();
	ballot_opening *opb = NULL;
	ballot *a = wballot(st, NULL);
	ballot *b = wballot(st, &opb);
	ballot_writein *wa = &a->contests[1].wi[0], *wb = &b->contests[1].wi[0];
	for (size_t k = 0; k < NAMEPT_WIDTH; k++) {
		cr_assert_eq(elgamal_ct_copy(wb->ct[k], wa->ct[k]), Q_OK);
		cr_assert_eq(scalar_copy(wb->pok[k]->c, wa->pok[k]->c), Q_OK);
		cr_assert_eq(scalar_copy(wb->pok[k]->u, wa->pok[k]->u), Q_OK);
	}
	/* re-proving with b's own nonces: every mark proof is made anew for the
	 * new identity, but no proof of the copied name can be (Q_ERR_ARG) */
	cr_assert_eq(ballot_prove(st, Kt, b, opb), Q_ERR_ARG);
	char why[300] = "";
	cr_assert_eq(ballot_verify(st, K, Kt, b, why, sizeof why), Q_ERR_PROOF);
	cr_assert(strstr(why, "contest 1 write-in 0 name point 0: proof of knowledge fails") !=
	              NULL,
	          "%s", why);
	ballot_opening_free(opb);
	ballot_free(a);
	ballot_free(b);
	ballot_style_free(st);
}

Test(writein_ballot, name_context_known_answer)
{
	/* B-10.5, computed with Python's hashlib from the spec's bytes */
	uint8_t id[32], ctx[32], want[32];
	memset(id, 2, sizeof id);
	ballot_style *st = ballot_style_new(0, (const uint8_t[32]){1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	                                                           1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	                                                           1, 1, 1, 1, 1, 1, 1, 1, 1, 1});
	ballot_writein_ctx(ctx, st, id, 1, 0, 1);
	cr_assert_eq(hex_decode(want, 32,
	                        "3319857780836ae2e8b09100a3df6f660d506ac250487010b976c8f72c6a760e",
	                        64),
	             Q_OK);
	cr_assert_eq(memcmp(ctx, want, 32), 0);
	ballot_style_free(st);
}

/* ---- the normal form of a written name (B-10.9) ---- */

static void norm_is(const char *in, const char *want)
{
	char out[WRITEIN_NAME_MAX + 1];
	size_t len = 99;
	cr_assert_eq(writein_normalise(in, strlen(in), out, sizeof out, &len), Q_OK, "%s", in);
	cr_assert_str_eq(out, want);
	cr_assert_eq(len, strlen(want));
}

static void norm_fails(const char *in, size_t len, qerr want)
{
	char out[WRITEIN_NAME_MAX + 1];
	size_t olen = 99;
	cr_assert_eq(writein_normalise(in, len, out, sizeof out, &olen), want, "%s", in);
	cr_assert_eq(olen, 0);
	cr_assert_str_eq(out, "");
}

Test(writein_name, nfc_width_and_trim)
{
	norm_is("张伟", "张伟");
	norm_is("  张伟 \t", "张伟");
	norm_is("\xe3\x80\x80张伟\xe3\x80\x80", "张伟"); /* U+3000 both sides */
	/* full-width Latin and the ideographic space inside */
	norm_is("\xef\xbc\xba\xef\xbc\xa8\xe3\x80\x80\xef\xbd\x97\xef\xbd\x85\xef\xbd\x89",
	        "ZH wei");
	norm_is("e\xcc\x81", "\xc3\xa9"); /* e + U+0301 -> U+00E9 (NFC) */
	norm_is("\xe2\x84\xab", "\xc3\x85"); /* U+212B ANGSTROM SIGN -> U+00C5 (NFC) */
	norm_is("   ", "");
	/* 19 Chinese characters (57 bytes) fit, 20 (60) do not */
	char buf[64] = "";
	for (int i = 0; i < 19; i++)
		memcpy(buf + 3 * i, "张", 3);
	buf[57] = '\0';
	norm_is(buf, buf);
	memcpy(buf + 57, "伟", 4);
	norm_fails(buf, 60, Q_ERR_RANGE);
}

Test(writein_name, bad_input_refused)
{
	norm_fails("\xc3\x28", 2, Q_ERR_ENCODING); /* ill-formed UTF-8 */
	norm_fails("\xed\xa0\x80", 3, Q_ERR_ENCODING); /* a surrogate */
	norm_fails("张\n伟", strlen("张\n伟"), Q_ERR_ENCODING);
	norm_fails("张\0伟", 7, Q_ERR_ENCODING);
	char big[WRITEIN_INPUT_MAX + 2];
	memset(big, ' ', sizeof big);
	norm_fails(big, sizeof big, Q_ERR_RANGE);
}

/* ---- the trustees' mix of write-in tuples (B-10.8, building blocks) ---- */

/* Decrypt tuple t of list (width 6: 2 slots) with sk: "m:name|m:name". */
static void tuple_text(elgamal_ct *const *list, size_t t, char *out, size_t cap)
{
	point *p[NAMEPT_WIDTH + 1];
	size_t off = 0;
	for (size_t k = 0; k <= NAMEPT_WIDTH; k++)
		p[k] = point_new();
	for (size_t s = 0; s < 2; s++) {
		for (size_t k = 0; k <= NAMEPT_WIDTH; k++)
			cr_assert_eq(elgamal_decrypt_point(p[k], list[t * 6 + s * 3 + k], sk),
			             Q_OK);
		uint8_t name[60];
		size_t len = 0;
		cr_assert_eq(namept_decode(name, &len, (const point *const *)(p + 1), NAMEPT_WIDTH),
		             Q_OK);
		off += (size_t)snprintf(out + off, cap - off, "%d:%s|",
		                        point_is_infinity(p[0]) ? 0 : 1, (char *)name);
	}
	for (size_t k = 0; k <= NAMEPT_WIDTH; k++)
		point_free(p[k]);
}

static int cmpstr(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

Test(writein_mix, two_mixers_keep_the_multiset_and_bind_their_place, .init = keys, .fini = unkeys)
{
	enum { N = 4, W = 6 };
	ballot_style *st = wstyle();
	ballot *bs[N];
	static const uint8_t marks[N][8] = {{0, 1, 1, 0, 0, 0, 1, 0},
	                                    {1, 0, 0, 0, 0, 0, 0, 0},
	                                    {0, 0, 0, 0, 0, 0, 1, 1},
	                                    {0, 1, 0, 1, 0, 0, 1, 0}};
	static const char *const names[N][2] = {
	    {"张伟", NULL}, {NULL, NULL}, {"李娜", "王小明"}, {"李娜", NULL}};
	char why[200] = "";
	for (size_t b = 0; b < N; b++)
		cr_assert_eq(ballot_encrypt_names(st, Kt, marks[b], 8, names[b], 2, &bs[b], NULL,
		                                  why, sizeof why),
		             Q_OK, "%s", why);
	cr_assert_eq(writein_tuple_width(st, 0), 0);
	cr_assert_eq(writein_tuple_width(st, 1), W);
	elgamal_ct *in[N * W], *mid[N * W], *out[N * W];
	for (size_t k = 0; k < N * W; k++) {
		in[k] = elgamal_ct_new();
		mid[k] = elgamal_ct_new();
		out[k] = elgamal_ct_new();
	}
	cr_assert_eq(writein_mix_input(st, 0, (const ballot *const *)bs, N, in), Q_ERR_ARG);
	cr_assert_eq(writein_mix_input(st, 1, (const ballot *const *)bs, N, in), Q_OK);
	/* mixer 0 then mixer 1, each under its own place's context */
	uint8_t ctx0[32], ctx1[32];
	writein_mix_ctx(ctx0, st->base_hash, 1, 0);
	writein_mix_ctx(ctx1, st->base_hash, 1, 1);
	shuffle_proof *p0 = NULL, *p1 = NULL;
	cr_assert_eq(shuffle_mix(mid, &p0, ctx0, Kt, (const elgamal_ct *const *)in, N, W), Q_OK);
	cr_assert_eq(shuffle_mix(out, &p1, ctx1, Kt, (const elgamal_ct *const *)mid, N, W), Q_OK);
	shuffle_fail sf;
	cr_assert_eq(shuffle_verify(p0, ctx0, K, (const elgamal_ct *const *)in,
	                            (const elgamal_ct *const *)mid, N, W, &sf),
	             Q_OK);
	cr_assert_eq(shuffle_verify(p1, ctx1, K, (const elgamal_ct *const *)mid,
	                            (const elgamal_ct *const *)out, N, W, &sf),
	             Q_OK);
	/* a proof shown for another place in the chain (or contest) fails */
	cr_assert_eq(shuffle_verify(p0, ctx1, K, (const elgamal_ct *const *)in,
	                            (const elgamal_ct *const *)mid, N, W, &sf),
	             Q_ERR_PROOF);
	/* the tuples decrypt to the ballots' (mark, name) pairs, as a multiset */
	char a[N][200], b[N][200];
	for (size_t t = 0; t < N; t++) {
		tuple_text(in, t, a[t], sizeof a[t]);
		tuple_text(out, t, b[t], sizeof b[t]);
	}
	cr_assert_str_eq(a[2], "1:李娜|1:王小明|");
	qsort(a, N, sizeof a[0], cmpstr);
	qsort(b, N, sizeof b[0], cmpstr);
	for (size_t t = 0; t < N; t++)
		cr_assert_str_eq(a[t], b[t]);
	/* known answer of the context (Python's hashlib, B-10.8) */
	uint8_t want[32], c12[32], one[32];
	memset(one, 1, sizeof one);
	writein_mix_ctx(c12, one, 1, 2);
	cr_assert_eq(hex_decode(want, 32,
	                        "85daad69f7197aee7cb44b53fc40778e32df5e407c7ce4705f797ca174931746",
	                        64),
	             Q_OK);
	cr_assert_eq(memcmp(c12, want, 32), 0);
	shuffle_proof_free(p0);
	shuffle_proof_free(p1);
	for (size_t k = 0; k < N * W; k++) {
		elgamal_ct_free(in[k]);
		elgamal_ct_free(mid[k]);
		elgamal_ct_free(out[k]);
	}
	for (size_t t = 0; t < N; t++)
		ballot_free(bs[t]);
	ballot_style_free(st);
}
