/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * quorum-tally and write-in slots (docs/spec/ballot.md B-10.8): until the
 * trustees' mix is built, an election whose ballot has write-in slots is
 * refused with the reason, never counted without its write-ins.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "election/ballot.h"
#include "election/manifest.h"
#include "tally/record.h"
#include "testutil.h"

#include "banned.h"

Test(tally_writein, a_ballot_with_write_in_slots_is_refused)
{
	size_t len;
	char path[4096];
	snprintf(path, sizeof path, "%s/docs/examples/election.json", getenv("QUORUM_SOURCE_ROOT"));
	char *text = test_read_file(path, &len);
	cr_assert_not_null(text);
	json_t *j = json_loadb(text, len, 0, NULL);
	cr_assert_not_null(j);
	rec_election el;
	memset(&el, 0, sizeof el);
	el.round = 1;
	ballot_style *st = NULL;
	char msg[400] = "";
	elec_findings f;
	for (int w = 0; w <= 1; w++) {
		json_object_set_new(json_array_get(json_object_get(j, "contests"), 1), "write_in",
		                    json_integer(w));
		char *s = json_dumps(j, JSON_COMPACT);
		elec_findings_init(&f);
		cr_assert_eq(manifest_parse((const uint8_t *)s, strlen(s), &el.manifest, &f), Q_OK);
		elec_findings_free(&f);
		qerr e = rec_ballot_style(&el, &st, msg, sizeof msg);
		if (w == 0) {
			cr_assert_eq(e, Q_OK, "%s", msg);
			ballot_style_free(st);
		} else {
			cr_assert_eq(e, Q_ERR_STATE);
			cr_assert_null(st);
			cr_assert(strstr(msg, "write-in slots") != NULL &&
			              strstr(msg, "B-10.8") != NULL,
			          "%s", msg);
		}
		manifest_free(el.manifest);
		free(s);
	}
	json_decref(j);
	free(text);
}
