/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "gcry_init.h"

#include <gcrypt.h>
#include <pthread.h>

#include "util.h"

#include "banned.h"

static pthread_once_t gcry_once = PTHREAD_ONCE_INIT;

static void gcry_init_run(void)
{
	if (gcry_check_version(QUORUM_GCRY_MIN_VERSION) == NULL)
		qfatal("libgcrypt %s is older than the required %s", gcry_check_version(NULL),
		       QUORUM_GCRY_MIN_VERSION);
	if (gcry_control(GCRYCTL_INITIALIZATION_FINISHED_P))
		return;
	if (gcry_control(GCRYCTL_INIT_SECMEM, (unsigned int)QUORUM_SECMEM_POOL, 0) != 0)
		qfatal("libgcrypt: cannot initialise secure memory");
	if (gcry_control(GCRYCTL_INITIALIZATION_FINISHED, 0) != 0)
		qfatal("libgcrypt: cannot finish initialisation");
}

void quorum_gcry_init(void)
{
	if (pthread_once(&gcry_once, gcry_init_run) != 0)
		qfatal("pthread_once failed for libgcrypt initialisation");
}
