/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_request -- the worker's request parser (voter/request.h, P-9.2).
 *
 * The first input byte picks the socket's role (admin, operator, booth),
 * the rest is the request line as JSON.  Whatever the parser accepts must
 * encode, and the monitor's decoder must accept it unchanged: the worker
 * never sends a message the monitor refuses.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "election/ballot.h"
#include "fuzz.h"
#include "voter/privsep.h"
#include "voter/request.h"

static ballot_style *style(void)
{
	static const uint8_t bh[BALLOT_HASH_LEN] = {1};
	ballot_style *st = ballot_style_new(2, bh);
	if (st == NULL)
		abort();
	st->contests[0] = (ballot_contest_style){2, 0, 1, 0, NULL, 0};
	st->contests[1] =
	    (ballot_contest_style){5, 0, 3, 0, NULL, 1}; /* one write-in slot (B-10) */
	if (ballot_style_check(st, NULL, 0) != Q_OK)
		abort();
	return st;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ps_msg m, back;
	static uint8_t buf[PS_REQ_MAX];
	static ballot_style *sty;
	char why[200];
	size_t n;
	json_error_t je;
	if (size < 1)
		return 0;
	if (sty == NULL)
		sty = style();
	json_t *req = json_loadb((const char *)data + 1, size - 1, JSON_REJECT_DUPLICATES, &je);
	if (req == NULL)
		return 0;
	json_t *local =
	    request_parse(sty, "s1", (server_role)(data[0] % ROLE__COUNT), 42, 3, req, &m);
	if (local == NULL) {
		if (ps_encode(&m, buf, sizeof buf, &n) != Q_OK)
			abort();
		if (ps_decode(buf, n, &back, why, sizeof why) != Q_OK)
			abort();
		if (back.type != m.type || back.conn != 42)
			abort();
	} else if (json_object_get(local, "ok") == NULL) {
		abort(); /* every local answer is a reply object */
	}
	json_decref(local);
	json_decref(req);
	return 0;
}
