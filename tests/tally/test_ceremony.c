/*
 * test_ceremony.c -- the key ceremony: a full 3-of-5 ceremony, a cheating
 * dealer detected and named, a wrong passphrase, files sealed 0600 and
 * O_EXCL, and a ceremony that cannot finish.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "crypto/seal.h"
#include "crypto/threshold.h"
#include "crypto/util.h"
#include "fixture.h"
#include "tally/ceremony.h"
#include "testutil.h"

static char *tmp;

static void setup(void)
{
	tmp = test_tmpdir();
}

static void teardown(void)
{
	test_rmtree(tmp);
	free(tmp);
}

TestSuite(ceremony, .init = setup, .fini = teardown);

Test(ceremony, full_3_of_5_joint_key_is_sum_and_keys_match)
{
	rec_election *el = fx_init(tmp, "e", "hq-test", 3, 5, NULL);
	fx_ceremony(el, tmp, "e");
	point *K = NULL, **S = NULL;
	char msg[512] = "";
	cr_assert_eq(rec_load_joint_key(el, &K, &S, msg, sizeof msg), Q_OK, "%s", msg);
	/* each trustee's key file opens and matches S_i; the joint key is
	 * recovered from any 3 shares by Lagrange in the exponent */
	point *sG[5];
	for (uint32_t i = 1; i <= 5; i++) {
		char kp[1024], pw[32];
		scalar *s = scalar_new();
		sG[i - 1] = point_new();
		fx_key_path(kp, sizeof kp, tmp, "e", i);
		fx_pass(i, pw, sizeof pw);
		cr_assert_eq(ceremony_key_open(el, i, kp, pw, strlen(pw), s, msg, sizeof msg), Q_OK,
		             "%s", msg);
		cr_assert_eq(point_mul_base(sG[i - 1], s), Q_OK);
		cr_assert(point_eq(sG[i - 1], S[i - 1]), "S_%u mismatch", i);
		scalar_free(s);
	}
	uint32_t idx[3] = {2, 4, 5};
	const point *parts[3] = {sG[1], sG[3], sG[4]};
	point *Kr = point_new();
	cr_assert_eq(threshold_combine(Kr, idx, parts, 3, 5), Q_OK);
	cr_assert(point_eq(Kr, K), "Lagrange of 3 verification keys must give K");
	/* the secret files are 0600 */
	char sp[1024];
	struct stat st;
	fx_secret_path(sp, sizeof sp, tmp, "e", 1);
	cr_assert_eq(stat(sp, &st), 0);
	cr_assert_eq(st.st_mode & 0777, 0600);
	/* the daemon's view of the directory */
	char p[1200];
	snprintf(p, sizeof p, "%s/joint-key", el->dir);
	cr_assert_eq(access(p, R_OK), 0);
	for (int i = 0; i < 5; i++)
		point_free(sG[i]);
	for (int i = 0; i < 5; i++)
		point_free(S[i]);
	free(S);
	point_free(K);
	point_free(Kr);
	rec_free(el);
}

Test(ceremony, cheating_dealer_is_detected_and_named)
{
	rec_election *el = fx_init(tmp, "e", "hq-test", 3, 5, NULL);
	fx_generate_all(el, tmp, "e");
	fx_deal_all(el, tmp, "e");
	/* dealer 2 gives trustee 3 a share that does not fit its commitments:
	 * a properly sealed random scalar (only the Feldman check can catch it) */
	trustee_pub *t3 = NULL;
	char msg[512] = "", path[1200];
	cr_assert_eq(ceremony_load_public(el, 3, 1, &t3, msg, sizeof msg), Q_OK);
	uint8_t share[32], aad[32], sealed[SEAL_PK_LEN(32)];
	scalar *r = scalar_new();
	cr_assert_eq(scalar_random(r), Q_OK);
	scalar_encode(share, r);
	rec_share_aad(aad, el->key_ctx, 2, 3);
	cr_assert_eq(seal_to_pubkey(sealed, sizeof sealed, t3->transport, aad, 32, share, 32),
	             Q_OK);
	snprintf(path, sizeof path, "%s/trustees/2/shares/3.sealed", el->dir);
	cr_assert_eq(test_write_file(path, sealed, sizeof sealed), 0);

	char sp[1024], kp[1024], pw[32];
	uint8_t bad[5];
	fx_secret_path(sp, sizeof sp, tmp, "e", 3);
	fx_key_path(kp, sizeof kp, tmp, "e", 3);
	fx_pass(3, pw, sizeof pw);
	qerr e = ceremony_receive(el, 3, sp, kp, pw, strlen(pw), &fx_kdf, bad, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_PROOF, "%s", qerr_str(e));
	cr_assert_eq(bad[1], 1, "dealer 2 must be named");
	cr_assert_eq(bad[0] + bad[2] + bad[3] + bad[4], 0, "no other dealer is blamed");
	cr_assert(strstr(msg, "trustee 2") != NULL, "message names dealer 2: %s", msg);
	cr_assert_eq(access(kp, F_OK), -1, "no key file is written");
	snprintf(path, sizeof path, "%s/trustees/3/complaint.json", el->dir);
	cr_assert_eq(access(path, R_OK), 0, "complaint filed");
	/* the honest trustees receive fine; the ceremony cannot finish */
	for (uint32_t i = 1; i <= 5; i++) {
		if (i == 3)
			continue;
		fx_secret_path(sp, sizeof sp, tmp, "e", i);
		fx_key_path(kp, sizeof kp, tmp, "e", i);
		fx_pass(i, pw, sizeof pw);
		cr_assert_eq(
		    ceremony_receive(el, i, sp, kp, pw, strlen(pw), &fx_kdf, NULL, msg, sizeof msg),
		    Q_OK, "%s", msg);
	}
	e = ceremony_finish(el, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_STATE, "finish must refuse: %s", msg);
	scalar_free(r);
	trustee_pub_free(t3);
	rec_free(el);
}

Test(ceremony, share_sealed_for_someone_else_is_rejected)
{
	rec_election *el = fx_init(tmp, "e", "hq-test", 2, 3, NULL);
	fx_generate_all(el, tmp, "e");
	fx_deal_all(el, tmp, "e");
	/* dealer 1's share for trustee 2 copied over its share for trustee 3 */
	char a[1200], b[1200], msg[512] = "", sp[1024], kp[1024], pw[32];
	size_t l;
	snprintf(a, sizeof a, "%s/trustees/1/shares/2.sealed", el->dir);
	snprintf(b, sizeof b, "%s/trustees/1/shares/3.sealed", el->dir);
	char *d = test_read_file(a, &l);
	cr_assert_eq(test_write_file(b, d, l), 0);
	free(d);
	uint8_t bad[3];
	fx_secret_path(sp, sizeof sp, tmp, "e", 3);
	fx_key_path(kp, sizeof kp, tmp, "e", 3);
	fx_pass(3, pw, sizeof pw);
	cr_assert_eq(ceremony_receive(el, 3, sp, kp, pw, strlen(pw), &fx_kdf, bad, msg, sizeof msg),
	             Q_ERR_PROOF);
	cr_assert_eq(bad[0], 1);
	rec_free(el);
}

Test(ceremony, wrong_passphrase_is_refused)
{
	rec_election *el = fx_init(tmp, "e", "hq-test", 2, 3, NULL);
	fx_generate_all(el, tmp, "e");
	char sp[1024], msg[512] = "";
	fx_secret_path(sp, sizeof sp, tmp, "e", 1);
	qerr e = ceremony_deal(el, 1, sp, "pass-2", 6, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_AUTH, "%s", qerr_str(e));
	cr_assert(strstr(msg, "wrong passphrase") != NULL, "%s", msg);
	/* trustee 1's secret file used as trustee 2 is refused too */
	e = ceremony_deal(el, 2, sp, "pass-1", 6, msg, sizeof msg);
	cr_assert_eq(e, Q_ERR_FORMAT, "%s", msg);
	rec_free(el);
}

Test(ceremony, forged_commitment_proof_is_refused)
{
	rec_election *el = fx_init(tmp, "e", "hq-test", 2, 3, NULL);
	fx_generate_all(el, tmp, "e");
	/* swap two proofs in trustee 2's public file */
	char path[1200], msg[512] = "";
	json_t *j;
	snprintf(path, sizeof path, "%s/trustees/2/public.json", el->dir);
	cr_assert_eq(rec_read_json(path, &j, msg, sizeof msg), Q_OK);
	json_t *p = json_object_get(j, "proofs");
	json_t *p0 = json_deep_copy(json_array_get(p, 0));
	json_array_set(p, 0, json_array_get(p, 1));
	json_array_set_new(p, 1, p0);
	cr_assert_eq(rec_write_json(path, j, 0, msg, sizeof msg), Q_OK);
	json_decref(j);
	trustee_pub *t = NULL;
	cr_assert_eq(ceremony_load_public(el, 2, 1, &t, msg, sizeof msg), Q_ERR_PROOF);
	cr_assert(strstr(msg, "trustee 2") != NULL, "%s", msg);
	char sp[1024];
	fx_secret_path(sp, sizeof sp, tmp, "e", 1);
	cr_assert_eq(ceremony_deal(el, 1, sp, "pass-1", 6, msg, sizeof msg), Q_ERR_PROOF);
	rec_free(el);
}

Test(ceremony, secret_file_is_never_overwritten)
{
	rec_election *el = fx_init(tmp, "e", "hq-test", 2, 3, NULL);
	char sp[1024], msg[512] = "";
	fx_secret_path(sp, sizeof sp, tmp, "e", 1);
	cr_assert_eq(test_write_file(sp, "x", 1), 0);
	cr_assert_eq(ceremony_generate(el, 1, sp, "pw", 2, &fx_kdf, msg, sizeof msg), Q_ERR_EXISTS);
	char p[1200];
	snprintf(p, sizeof p, "%s/trustees/1/public.json", el->dir);
	cr_assert_eq(access(p, F_OK), -1, "nothing published when the secret cannot be kept");
	cr_assert_eq(ceremony_finish(el, msg, sizeof msg), Q_ERR_NOTFOUND);
	rec_free(el);
}
