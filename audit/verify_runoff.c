/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * verify_runoff.c -- check 1's run-off items (docs/spec/verify.md V-3.5,
 * docs/spec/election.md E-5): the ballot style of the round (B-1) and the
 * link of a run-off record to the round it continues.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/transcript.h"
#include "election/runoff.h"
#include "verify_internal.h"

#include "banned.h"

qerr ve_round_style(ve_ctx *c, char *why, size_t whylen)
{
	char path[4096];
	json_t *prev = NULL;
	qerr e;
	if (c->round > 1) {
		if ((e = ve_path(c, path, sizeof path, "previous/result.json")) != Q_OK)
			return e;
		if ((e = runoff_read_result(path, &prev, NULL, why, whylen)) != Q_OK)
			return e;
	}
	e = elec_round_style(c->m, prev, c->base_hash, &c->style, why, whylen);
	json_decref(prev);
	/* B-10.8: a ballot with write-in slots is verified by check 11 */
	return e;
}

/* The base hash and key context of the record in dir. */
static int other_round(const char *dir, uint8_t base[32], uint8_t key_ctx[32], char *why,
                       size_t whylen)
{
	ve_ctx o;
	uint8_t *mb = NULL, *pb = NULL;
	size_t ml, pl;
	json_t *p = NULL;
	transcript t;
	int ok = 0;
	memset(&o, 0, sizeof o);
	o.dir = dir;
	if (ve_read(&o, "manifest.json", &mb, &ml, why, whylen) != Q_OK ||
	    ve_read(&o, "parameters.json", &pb, &pl, why, whylen) != Q_OK ||
	    ve_read_json(&o, "parameters.json", &p, why, whylen) != Q_OK)
		goto out;
	if (transcript_init(&t, VE_TAG_BASE) != Q_OK)
		goto out;
	transcript_bytes(&t, mb, ml);
	transcript_bytes(&t, pb, pl);
	transcript_digest(&t, base);
	memcpy(key_ctx, base, 32);
	if (!json_is_null(json_object_get(p, "key_ceremony")) &&
	    ve_json_hex(p, "key_ceremony", key_ctx, 32) != Q_OK) {
		snprintf(why, whylen, "%s/parameters.json: bad key_ceremony", dir);
		goto out;
	}
	ok = 1;
out:
	free(mb);
	free(pb);
	json_decref(p);
	return ok;
}

/* With round one's record given (--previous): the files this round copied
 * or cites are that record's. */
static void against_previous_record(ve_ctx *c, const uint8_t prev_base[32],
                                    const uint8_t result_sha[32])
{
	const char *pd = c->previous_dir;
	ve_ctx o;
	char why[VE_DETAIL_LEN];
	uint8_t base[32], kc[32], h[32];
	uint8_t *a = NULL, *b = NULL;
	size_t al, bl;
	memset(&o, 0, sizeof o);
	o.dir = pd;
	if (!other_round(pd, base, kc, why, sizeof why)) {
		ve_fail(c, VE_PARAMETERS, "previous round: %s", why);
		return;
	}
	if (memcmp(base, prev_base, 32) != 0)
		ve_fail(c, VE_PARAMETERS,
		        "parameters.json: previous_round is not the base hash of %s (R-2.1)", pd);
	else
		ve_ok(c, VE_PARAMETERS);
	if (memcmp(kc, c->key_ctx, 32) != 0)
		ve_fail(c, VE_PARAMETERS,
		        "parameters.json: key_ceremony is not the key context of %s (R-2.4)", pd);
	else
		ve_ok(c, VE_PARAMETERS);
	if (ve_read(&o, "tally/result.json", &a, &al, why, sizeof why) != Q_OK) {
		ve_fail(c, VE_PARAMETERS, "previous round: %s", why);
	} else {
		sha256(h, a, al);
		if (memcmp(h, result_sha, 32) != 0)
			ve_fail(
			    c, VE_PARAMETERS,
			    "manifest.json: runoff.previous_result_sha256 is not the SHA-256 of "
			    "%s/tally/result.json (E-5.3)",
			    pd);
		else
			ve_ok(c, VE_PARAMETERS);
	}
	free(a);
	a = NULL;
	if (ve_read(&o, "joint_key.json", &a, &al, why, sizeof why) != Q_OK ||
	    ve_read(c, "joint_key.json", &b, &bl, why, sizeof why) != Q_OK)
		ve_fail(c, VE_PARAMETERS, "joint key: %s", why);
	else if (al != bl || memcmp(a, b, al) != 0)
		ve_fail(c, VE_PARAMETERS, "joint_key.json: not the joint key of %s (R-2.3)", pd);
	else
		ve_ok(c, VE_PARAMETERS);
	free(a);
	free(b);
}

void ve_check_runoff_link(ve_ctx *c, const json_t *params)
{
	char why[VE_DETAIL_LEN], path[4096];
	uint8_t prev_base[32], rsha[32], h[32];
	uint8_t *mb = NULL;
	size_t ml;
	json_t *dec = NULL, *res = NULL;
	elec_manifest *pm = NULL;
	elec_findings f;
	elec_findings_init(&f);
	if (c->round == 1) {
		if (c->m->runoff_round != 0)
			ve_fail(c, VE_PARAMETERS,
			        "manifest.json: a run-off manifest (round %u) in a round-1 record "
			        "(E-5.3)",
			        c->m->runoff_round);
		return;
	}
	/* the previous round's base hash, as the manifest cites it */
	if (ve_json_hex(params, "previous_round", prev_base, 32) != Q_OK) {
		ve_fail(c, VE_PARAMETERS, "parameters.json: run-off without previous_round");
		goto out;
	}
	if (ve_path(c, path, sizeof path, "previous/result.json") != Q_OK ||
	    runoff_read_result(path, &dec, rsha, why, sizeof why) != Q_OK) {
		ve_fail(c, VE_PARAMETERS, "previous/result.json: %s", why);
		goto out;
	}
	if (ve_read_json(c, "previous/result.json", &res, why, sizeof why) != Q_OK ||
	    ve_json_hex(res, "base_hash", h, 32) != Q_OK || memcmp(h, prev_base, 32) != 0)
		ve_fail(c, VE_PARAMETERS,
		        "previous/result.json: its base_hash is not parameters.json's "
		        "previous_round (E-5.3)");
	else
		ve_ok(c, VE_PARAMETERS);
	/* the previous manifest, which the result decided and the run-off cites */
	if (ve_read(c, "previous/manifest.json", &mb, &ml, why, sizeof why) != Q_OK) {
		ve_fail(c, VE_PARAMETERS, "%s", why);
		goto out;
	}
	if (manifest_parse_rules(mb, ml, c->rules, &pm, &f) != Q_OK) {
		ve_fail(c, VE_PARAMETERS, "previous/manifest.json: invalid manifest: %s",
		        f.n ? f.v[0].message : "?");
		goto out;
	}
	if (ve_json_hex(dec, "manifest_sha256", h, 32) != Q_OK || memcmp(h, pm->hash, 32) != 0)
		ve_fail(c, VE_PARAMETERS,
		        "previous/result.json: its decision is not of previous/manifest.json "
		        "(manifest_sha256, E-5.3)");
	else
		ve_ok(c, VE_PARAMETERS);
	/* E-5.3: this manifest is the run-off that result gives */
	elec_findings_free(&f);
	if (runoff_check(c->m, pm, c->round - 1, dec, prev_base, rsha, &f) != Q_OK) {
		size_t shown = 0;
		for (size_t i = 0; i < f.n; i++)
			if (f.v[i].severity == ELEC_ERROR && shown++ < 4)
				ve_fail(c, VE_PARAMETERS, "manifest.json: %s: %s", f.v[i].where,
				        f.v[i].message);
	} else {
		ve_ok(c, VE_PARAMETERS);
	}
	if (c->previous_dir != NULL)
		against_previous_record(c, prev_base, rsha);
out:
	elec_findings_free(&f);
	manifest_free(pm);
	free(mb);
	json_decref(dec);
	json_decref(res);
}
