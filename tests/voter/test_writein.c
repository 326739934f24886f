/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * Write-in names in the daemon's requests (docs/spec/ballot.md B-10,
 * protocol.md P-9): the worker normalises each name (B-10.9) and checks it
 * against the slot's mark; the monitor's message carries the names and
 * refuses a malformed names field, naming it.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "election/ballot.h"
#include "voter/privsep.h"
#include "voter/request.h"

#include "banned.h"

static ballot_style *sty;

static void setup(void)
{
	static const uint8_t bh[BALLOT_HASH_LEN] = {1};
	sty = ballot_style_new(2, bh);
	cr_assert_not_null(sty);
	/* director: 2 options 0..1; members: 3 listed + 2 write-in slots, 0..3 */
	sty->contests[0] = (ballot_contest_style){2, 0, 1, 0, NULL, 0};
	sty->contests[1] = (ballot_contest_style){5, 0, 3, 0, NULL, 2};
	cr_assert_eq(ballot_style_check(sty, NULL, 0), Q_OK);
}

static void teardown(void)
{
	ballot_style_free(sty);
}

TestSuite(writein_request, .init = setup, .fini = teardown);

static const char *TOKEN = "0123456789abcdef0123456789abcdef";

/* Parse a booth request; NULL (accepted) or the error code. */
static char *parse(const char *json, ps_msg *m)
{
	static char code[64];
	json_t *req = json_loads(json, 0, NULL);
	cr_assert_not_null(req, "%s", json);
	json_t *r = request_parse(sty, "s1", ROLE_BOOTH, 1, 1, req, m);
	json_decref(req);
	if (r == NULL)
		return NULL;
	const char *c = json_string_value(json_object_get(json_object_get(r, "error"), "code"));
	snprintf(code, sizeof code, "%s", c ? c : "?");
	json_decref(r);
	return code;
}

Test(writein_request, names_are_normalised_and_travel_to_the_monitor)
{
	static ps_msg m, back;
	static uint8_t buf[PS_REQ_MAX];
	char req[512], why[200] = "";
	snprintf(req, sizeof req,
	         "{\"op\":\"encrypt\",\"token\":\"%s\",\"marks\":[[1,0],[1,0,0,1,0]],"
	         "\"write_ins\":[[],[\"\\u3000\\uff3a\\uff28 \\u5f20\\u4f1f \",null]]}",
	         TOKEN);
	cr_assert_null(parse(req, &m));
	cr_assert_eq(m.nnames, 2);
	cr_assert_str_eq(m.names[0], "ZH 张伟");
	cr_assert_str_eq(m.names[1], "");
	size_t n = 0;
	cr_assert_eq(ps_encode(&m, buf, sizeof buf, &n), Q_OK);
	cr_assert_eq(ps_decode(buf, n, &back, why, sizeof why), Q_OK, "%s", why);
	cr_assert_eq(back.nnames, 2);
	cr_assert_str_eq(back.names[0], "ZH 张伟");
	cr_assert_str_eq(back.names[1], "");
	/* a cast with marks carries them too */
	snprintf(req, sizeof req,
	         "{\"op\":\"cast\",\"token\":\"%s\",\"marks\":[[0,0],[0,0,0,0,1]],"
	         "\"write_ins\":[[],[null,\"李娜\"]]}",
	         TOKEN);
	cr_assert_null(parse(req, &m));
	cr_assert_str_eq(m.names[1], "李娜");
	cr_assert_eq(ps_encode(&m, buf, sizeof buf, &n), Q_OK);
	cr_assert_eq(ps_decode(buf, n, &back, why, sizeof why), Q_OK, "%s", why);
	cr_assert_str_eq(back.names[1], "李娜");
}

Test(writein_request, names_that_do_not_fit_are_refused)
{
	static ps_msg m;
	char req[512];
	/* a marked slot without a name; a name in an unmarked slot */
	snprintf(req, sizeof req,
	         "{\"op\":\"encrypt\",\"token\":\"%s\",\"marks\":[[0,0],[0,0,0,1,0]]}", TOKEN);
	cr_assert_str_eq(parse(req, &m), "bad_write_in");
	snprintf(req, sizeof req,
	         "{\"op\":\"encrypt\",\"token\":\"%s\",\"marks\":[[0,0],[0,0,0,0,0]],"
	         "\"write_ins\":[[],[\"张伟\",null]]}",
	         TOKEN);
	cr_assert_str_eq(parse(req, &m), "bad_write_in");
	/* a line break inside, a wrong shape, a number */
	snprintf(req, sizeof req,
	         "{\"op\":\"encrypt\",\"token\":\"%s\",\"marks\":[[0,0],[0,0,0,1,0]],"
	         "\"write_ins\":[[],[\"张\\n伟\",null]]}",
	         TOKEN);
	cr_assert_str_eq(parse(req, &m), "bad_write_in");
	snprintf(req, sizeof req,
	         "{\"op\":\"encrypt\",\"token\":\"%s\",\"marks\":[[0,0],[0,0,0,1,0]],"
	         "\"write_ins\":[[\"张伟\"]]}",
	         TOKEN);
	cr_assert_str_eq(parse(req, &m), "bad_write_in");
	snprintf(req, sizeof req,
	         "{\"op\":\"encrypt\",\"token\":\"%s\",\"marks\":[[0,0],[0,0,0,1,0]],"
	         "\"write_ins\":[[],[7,null]]}",
	         TOKEN);
	cr_assert_str_eq(parse(req, &m), "bad_write_in");
}

Test(writein_request, malformed_names_field_is_refused_by_the_monitor)
{
	static ps_msg m, back;
	static uint8_t buf[PS_REQ_MAX];
	char why[200] = "";
	memset(&m, 0, sizeof m);
	m.type = PS_ENCRYPT;
	m.has_marks = 1;
	m.nmarks = 3;
	m.nnames = 1;
	memcpy(m.names[0], "张伟", sizeof "张伟");
	size_t n = 0;
	cr_assert_eq(ps_encode(&m, buf, sizeof buf, &n), Q_OK);
	/* body: conn 8, token 16, u16 3, 3 marks, u8 1, u8 6, 6 bytes */
	size_t kpos = 8 + 8 + 16 + 2 + 3;
	cr_assert_eq(n, kpos + 1 + 1 + 6);
	buf[kpos] = 0; /* k = 0: written only when there are names */
	cr_assert_eq(ps_decode(buf, n, &back, why, sizeof why), Q_ERR_FORMAT);
	cr_assert(strstr(why, "names") != NULL, "%s", why);
	buf[kpos] = 1;
	buf[kpos + 1] = 7; /* a length past the end */
	cr_assert_eq(ps_decode(buf, n, &back, why, sizeof why), Q_ERR_FORMAT);
	cr_assert(strstr(why, "name") != NULL, "%s", why);
	buf[kpos + 1] = 6;
	buf[kpos + 3] = 0; /* a NUL inside */
	cr_assert_eq(ps_decode(buf, n, &back, why, sizeof why), Q_ERR_FORMAT);
	cr_assert(strstr(why, "name") != NULL, "%s", why);
	/* the encoder refuses a name longer than PS_NAME_MAX */
	memset(m.names[0], 'a', PS_NAME_MAX + 1);
	cr_assert_eq(ps_encode(&m, buf, sizeof buf, &n), Q_ERR_ARG);
}
