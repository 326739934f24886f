/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * gcry_init.h -- one-time, thread-safe initialisation of libgcrypt.
 *
 * Every Quorum function that uses libgcrypt (kdf, secbuf, xcheck) calls
 * quorum_gcry_init() first; callers never need to call it themselves, but
 * a program that wants the secure-memory pool locked before it drops
 * privileges or starts threads may call it early.
 *
 * What it does, exactly once per process (pthread_once):
 *   1. gcry_check_version(QUORUM_GCRY_MIN_VERSION): a libgcrypt older than
 *      the one we were built against is a broken install -> qfatal().
 *   2. GCRYCTL_INIT_SECMEM with QUORUM_SECMEM_POOL bytes: a pool that
 *      libgcrypt mlock()s (if RLIMIT_MEMLOCK allows; otherwise libgcrypt
 *      prints its "using insecure memory" warning and carries on) and
 *      wipes on free.  The pool does not grow: gcry_malloc_secure() fails
 *      (NULL) once it is full, and secbuf_new() reports Q_ERR_NOMEM.
 *   3. GCRYCTL_INITIALIZATION_FINISHED.
 * If some other code already finished libgcrypt's initialisation (the
 * GCRYCTL_INITIALIZATION_FINISHED_P query says so), steps 2-3 are skipped.
 */
#ifndef QUORUM_GCRY_INIT_H
#define QUORUM_GCRY_INIT_H

/* Oldest libgcrypt accepted at run time (Argon2 arrived in 1.10). */
#define QUORUM_GCRY_MIN_VERSION "1.10.0"

/* Size of the locked secure-memory pool, bytes. */
#define QUORUM_SECMEM_POOL (1024 * 1024)

/* Initialise libgcrypt once; safe to call from any thread, any number of
 * times.  Aborts through qfatal() only on a broken install. */
void quorum_gcry_init(void);

#endif
