/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_ballot -- the ballot decoders of election/ballot.h.
 *
 * The first input byte picks the target, the rest is the input:
 *   0: ballot_decode (B-2) under a fixed two-contest style; a ballot that
 *      decodes must re-encode to the same bytes
 *   1: ballot_opening_decode (B-6); likewise
 *   2: ballot_from_json (B-8) on the input parsed as JSON; a ballot that
 *      parses must encode and decode again
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "election/ballot.h"
#include "fuzz.h"

static ballot_style *style(void)
{
	static const uint8_t bh[BALLOT_HASH_LEN] = {1};
	ballot_style *st = ballot_style_new(2, bh);
	if (st == NULL)
		abort();
	st->contests[0] = (ballot_contest_style){2, 0, 1, 0, NULL, 0};
	st->contests[1] = (ballot_contest_style){3, 1, 2, 0, NULL, 0};
	if (ballot_style_check(st, NULL, 0) != Q_OK)
		abort();
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	ballot_style *st = style();
	const uint8_t *in = data + 1;
	size_t len = size - 1;
	uint8_t *enc = NULL;
	size_t elen = 0;
	switch (data[0] % 3) {
	case 0: {
		ballot *b = NULL;
		if (ballot_decode(st, in, len, &b) == Q_OK) {
			if (ballot_encode(b, &enc, &elen) != Q_OK || elen != len ||
			    memcmp(enc, in, len) != 0)
				abort();
		}
		ballot_free(b);
		break;
	}
	case 1: {
		ballot_opening *op = NULL;
		if (ballot_opening_decode(st, in, len, &op) == Q_OK) {
			if (ballot_opening_encode(op, &enc, &elen) != Q_OK || elen != len ||
			    memcmp(enc, in, len) != 0)
				abort();
		}
		ballot_opening_free(op);
		break;
	}
	default: {
		json_t *j = json_loadb((const char *)in, len, 0, NULL);
		ballot *b = NULL, *b2 = NULL;
		if (j != NULL && ballot_from_json(st, j, &b) == Q_OK) {
			if (ballot_encode(b, &enc, &elen) != Q_OK ||
			    ballot_decode(st, enc, elen, &b2) != Q_OK)
				abort();
		}
		ballot_free(b);
		ballot_free(b2);
		json_decref(j);
		break;
	}
	}
	free(enc);
	ballot_style_free(st);
	return 0;
}
