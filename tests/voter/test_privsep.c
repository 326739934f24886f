/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * The worker/monitor messages (voter/privsep.h, docs/spec/protocol.md
 * P-9): every type round-trips; the monitor's decoder refuses every
 * malformed message with Q_ERR_FORMAT and names the bad field.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "voter/privsep.h"

static uint8_t buf[PS_REQ_MAX];
static ps_msg m, out;

static size_t enc(const ps_msg *x)
{
	size_t n = 0;
	cr_assert_eq(ps_encode(x, buf, sizeof buf, &n), Q_OK);
	return n;
}

/* Decoding fails and why contains want. */
static void refused(size_t n, const char *want)
{
	char why[200] = "";
	cr_assert_eq(ps_decode(buf, n, &out, why, sizeof why), Q_ERR_FORMAT, "accepted (%s)", want);
	cr_assert(strstr(why, want) != NULL, "why \"%s\" does not name %s", why, want);
	cr_assert_eq(out.type, 0, "a refused message left fields behind");
}

static void set_len(size_t bodylen)
{
	for (int i = 0; i < 4; i++)
		buf[4 + i] = (uint8_t)(bodylen >> (8 * (3 - i)));
}

Test(privsep, every_type_round_trips)
{
	char why[200];
	for (uint32_t t = 1; t <= PS__REQ_LAST; t++) {
		memset(&m, 0, sizeof m);
		m.type = t;
		m.conn = 0x0102030405060708ull;
		m.connections = 7;
		memset(m.token, 0xab, sizeof m.token);
		strcpy(m.str, t == PS_IMPORT_ROLL ? "/tmp/roll.csv" : "V0001");
		if (t == PS_CHECKIN) {
			m.has_proxy = 1;
			strcpy(m.proxy, "V0002");
		}
		if (t == PS_ENCRYPT || t == PS_CAST) {
			m.has_marks = 1;
			m.nmarks = 7;
			m.marks[0] = m.marks[3] = 1;
		}
		if (t == PS_CHALLENGE) {
			m.has_code = 1;
			memset(m.code, 0x5c, sizeof m.code);
		}
		if (t == PS_NAMED_VOTE) {
			strcpy(m.contest, "hall");
			m.vote = 2;
		}
		size_t n = enc(&m);
		cr_assert_eq(ps_decode(buf, n, &out, why, sizeof why), Q_OK, "%s: %s",
		             ps_type_name(t), why);
		cr_assert_eq(out.type, t);
		cr_assert_eq(out.conn, m.conn);
		if (t == PS_STATUS)
			cr_assert_eq(out.connections, 7);
		if (t == PS_IMPORT_ROLL || t == PS_LOOKUP || t == PS_CHECKIN || t == PS_REISSUE ||
		    t == PS_NAMED_VOTE)
			cr_assert_str_eq(out.str, m.str);
		if (t == PS_NAMED_VOTE)
			cr_assert(strcmp(out.contest, "hall") == 0 && out.vote == 2);
		if (t == PS_CHECKIN)
			cr_assert(out.has_proxy && strcmp(out.proxy, "V0002") == 0);
		if (t >= PS_BALLOT && t <= PS_RECEIPT)
			cr_assert_arr_eq(out.token, m.token, sizeof m.token);
		if (t == PS_ENCRYPT || t == PS_CAST)
			cr_assert(out.has_marks && out.nmarks == 7 &&
			          memcmp(out.marks, m.marks, 7) == 0);
		if (t == PS_CHALLENGE)
			cr_assert(out.has_code && memcmp(out.code, m.code, 32) == 0);
	}
}

/* P-9.3: a named vote's vote byte is 0, 1 or 2 (yes, no, abstain). */
Test(privsep, named_vote_out_of_range_refused)
{
	char why[200];
	memset(&m, 0, sizeof m);
	m.type = PS_NAMED_VOTE;
	strcpy(m.str, "V0001");
	strcpy(m.contest, "hall");
	m.vote = 3;
	cr_assert_eq(ps_encode(&m, buf, sizeof buf, &(size_t){0}), Q_ERR_ARG);
	m.vote = 1;
	size_t n = enc(&m);
	buf[n - 1] = 3; /* the vote byte is last */
	cr_assert_eq(ps_decode(buf, n, &out, why, sizeof why), Q_ERR_FORMAT);
	cr_assert(strstr(why, "vote") != NULL, "%s", why);
}

Test(privsep, malformed_frames_are_refused)
{
	memset(&m, 0, sizeof m);
	m.type = PS_LOOKUP;
	strcpy(m.str, "V0001");
	size_t n = enc(&m);
	refused(5, "truncated header");
	refused(n - 1, "length field");
	buf[n] = 0;
	set_len(n + 1 - PS_HDR_LEN);
	refused(n + 1, "1 trailing bytes");
	set_len(n - PS_HDR_LEN);
	buf[3] = 99; /* type */
	refused(n, "unknown message type 99");
	buf[3] = 0;
	buf[2] = 0x80; /* the reply type is not a request */
	refused(n, "unknown message type");
	buf[2] = 0;
	buf[3] = PS_LOOKUP;
	set_len(PS_REQ_MAX);
	refused(n, "over the limit");
}

Test(privsep, malformed_fields_are_refused)
{
	/* A voter id with a NUL inside. */
	memset(&m, 0, sizeof m);
	m.type = PS_LOOKUP;
	strcpy(m.str, "V0001");
	size_t n = enc(&m);
	buf[PS_HDR_LEN + 8 + 2 + 2] = 0;
	refused(n, "voter");
	/* A string longer than its field. */
	n = enc(&m);
	buf[PS_HDR_LEN + 8] = 0x01; /* length 256 + 5 */
	refused(n, "voter");
	/* A relative roll path. */
	m.type = PS_IMPORT_ROLL;
	strcpy(m.str, "/r.csv");
	n = enc(&m);
	buf[PS_HDR_LEN + 8 + 2] = 'r';
	refused(n, "path (not absolute)");
	/* has_proxy neither 0 nor 1; a proxy without has_proxy. */
	memset(&m, 0, sizeof m);
	m.type = PS_CHECKIN;
	strcpy(m.str, "V1");
	n = enc(&m);
	buf[PS_HDR_LEN + 8 + 2 + 2] = 2;
	refused(n, "has_proxy");
	m.has_proxy = 1;
	strcpy(m.proxy, "V2");
	n = enc(&m);
	buf[PS_HDR_LEN + 8 + 2 + 2] = 0;
	refused(n, "proxy (given without has_proxy)");
	/* Marks: a value 2, none at all. */
	memset(&m, 0, sizeof m);
	m.type = PS_ENCRYPT;
	m.has_marks = 1;
	m.nmarks = 3;
	n = enc(&m);
	buf[n - 1] = 2;
	refused(n, "marks");
	buf[n - 1] = 0;
	buf[PS_HDR_LEN + 8 + 16] = 0;
	buf[PS_HDR_LEN + 8 + 16 + 1] = 0; /* n = 0, then 3 trailing bytes */
	refused(n, "marks");
	/* Cast: an unknown form. */
	m.type = PS_CAST;
	n = enc(&m);
	buf[PS_HDR_LEN + 8 + 16] = 3;
	refused(n, "form");
	/* Challenge: has_code 2; a token cut short. */
	memset(&m, 0, sizeof m);
	m.type = PS_CHALLENGE;
	m.has_code = 1;
	n = enc(&m);
	buf[PS_HDR_LEN + 8 + 16] = 2;
	refused(n, "has_code");
	m.type = PS_RECEIPT;
	n = enc(&m);
	set_len(n - 1 - PS_HDR_LEN);
	refused(n - 1, "token");
}

Test(privsep, encoder_refuses_what_the_decoder_would)
{
	size_t n;
	memset(&m, 0, sizeof m);
	m.type = 0;
	cr_assert_eq(ps_encode(&m, buf, sizeof buf, &n), Q_ERR_ARG);
	m.type = PS_IMPORT_ROLL;
	strcpy(m.str, "relative");
	cr_assert_eq(ps_encode(&m, buf, sizeof buf, &n), Q_ERR_ARG);
	m.type = PS_ENCRYPT;
	m.nmarks = 2;
	m.marks[1] = 2;
	cr_assert_eq(ps_encode(&m, buf, sizeof buf, &n), Q_ERR_ARG);
	m.type = PS_CAST;
	m.marks[1] = 1;
	m.has_marks = m.has_code = 1;
	cr_assert_eq(ps_encode(&m, buf, sizeof buf, &n), Q_ERR_ARG);
	m.type = PS_LOOKUP;
	memset(m.str, 'a', PS_ID_MAX + 1);
	m.str[PS_ID_MAX + 1] = 0;
	cr_assert_eq(ps_encode(&m, buf, sizeof buf, &n), Q_ERR_ARG);
}
