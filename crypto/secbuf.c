/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "secbuf.h"

#include <gcrypt.h>
#include <stdlib.h>
#include <string.h>

#include "gcry_init.h"
#include "util.h"

#include "banned.h"

secbuf *secbuf_new(size_t len)
{
	secbuf *b;

	quorum_gcry_init();
	b = malloc(sizeof *b);
	if (b == NULL)
		return NULL;
	/* Allocate at least one byte so data is never NULL. */
	b->data = gcry_malloc_secure(len > 0 ? len : 1);
	if (b->data == NULL) {
		free(b);
		return NULL;
	}
	memset(b->data, 0, len > 0 ? len : 1);
	b->len = len;
	return b;
}

void secbuf_free(secbuf *b)
{
	if (b == NULL)
		return;
	wipe(b->data, b->len > 0 ? b->len : 1);
	gcry_free(b->data);
	free(b);
}
