/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * replay.c -- main() for fuzz targets when the compiler has no libFuzzer
 * (gcc): runs every file named on the command line through the target
 * once (corpus replay / crash reproduction).  With clang the targets link
 * -fsanitize=fuzzer instead and this file is not used.
 */
#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");
		uint8_t *buf = NULL;
		size_t len = 0, cap = 0, n;
		if (f == NULL) {
			perror(argv[i]);
			return 1;
		}
		do {
			if (len == cap) {
				uint8_t *nb;
				cap = cap ? cap * 2 : 4096;
				nb = realloc(buf, cap);
				if (nb == NULL) {
					free(buf);
					fclose(f);
					return 1;
				}
				buf = nb;
			}
			n = fread(buf + len, 1, cap - len, f);
			len += n;
		} while (n > 0);
		fclose(f);
		LLVMFuzzerTestOneInput(buf, len);
		free(buf);
		printf("%s: ok\n", argv[i]);
	}
	return 0;
}
