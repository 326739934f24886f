/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * fuzz_privsep -- the monitor's message decoder (voter/privsep.h,
 * docs/spec/protocol.md P-9.3): any bytes; a message that decodes must
 * encode back to exactly the same bytes (one encoding per message).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "voter/privsep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ps_msg m;
	static uint8_t buf[PS_REQ_MAX];
	char why[200];
	size_t n;
	uint32_t type, len;
	/* The header alone (what the monitor reads first) never fails hard. */
	if (size >= PS_HDR_LEN && ps_header(data, &type, &len, why, sizeof why) == Q_OK &&
	    len > PS_REQ_MAX - PS_HDR_LEN)
		abort();
	if (ps_decode(data, size, &m, why, sizeof why) != Q_OK)
		return 0;
	if (ps_encode(&m, buf, sizeof buf, &n) != Q_OK || n != size || memcmp(buf, data, n) != 0)
		abort();
	return 0;
}
