/* SPDX-License-Identifier: GPL-3.0-or-later */
/* A writer under test for test_durability: writes one file with the
 * project's writer, then acknowledges with write(1, "ok\n") -- a call the
 * fault shim records, so the test sees where the acknowledgement falls
 * among the writer's syncs.
 *
 * usage: durability_helper record PATH new|replace TEXT   (tally rec_write_file, R-1.1)
 *        durability_helper sealed PATH TEXT               (seal_file_write, S-5.1)
 * Exit 0 after the acknowledgement, 1 if the writer failed (message on stderr). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "crypto/seal.h"
#include "record.h"

int main(int argc, char **argv)
{
	char msg[512] = "";
	qerr e;
	if (argc == 5 && strcmp(argv[1], "record") == 0) {
		e = rec_write_file(argv[2], argv[4], strlen(argv[4]), 0644,
		                   strcmp(argv[3], "new") == 0, msg, sizeof msg);
	} else if (argc == 4 && strcmp(argv[1], "sealed") == 0) {
		static const kdf_params cheap = {1, 8, 1};
		const char *why = "";
		e = seal_file_write(argv[2], "pw", 2, &cheap, argv[3], strlen(argv[3]), &why);
		snprintf(msg, sizeof msg, "%s", why);
	} else {
		fprintf(stderr,
		        "usage: durability_helper record PATH new|replace TEXT | sealed PATH "
		        "TEXT\n");
		return 2;
	}
	if (e != Q_OK) {
		fprintf(stderr, "durability_helper: %s (%s)\n", qerr_str(e), msg);
		return 1;
	}
	return write(1, "ok\n", 3) == 3 ? 0 : 1;
}
