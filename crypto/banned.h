/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * banned.h -- libc functions that are easy to misuse are compile errors.
 *
 * Include this LAST in every .c file of the project (after the system
 * headers, which declare these names).  A call to a banned function then
 * expands to an undeclared identifier and the build fails under -Werror.
 * tests/check_banned.sh verifies that every source file includes it.
 */
#ifndef QUORUM_BANNED_H
#define QUORUM_BANNED_H

#define BANNED(fn) sorry_##fn##_is_banned_in_quorum

#undef strcpy
#define strcpy(x, y) BANNED(strcpy)
#undef strcat
#define strcat(x, y) BANNED(strcat)
#undef strncpy
#define strncpy(x, y, n) BANNED(strncpy)
#undef strncat
#define strncat(x, y, n) BANNED(strncat)
#undef sprintf
#define sprintf(...) BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) BANNED(vsprintf)
#undef gets
#define gets(x) BANNED(gets)
#undef strtok
#define strtok(x, y) BANNED(strtok)
#undef atoi
#define atoi(x) BANNED(atoi)
#undef atol
#define atol(x) BANNED(atol)
#undef atoll
#define atoll(x) BANNED(atoll)
#undef atof
#define atof(x) BANNED(atof)
#undef gmtime
#define gmtime(x) BANNED(gmtime)
#undef localtime
#define localtime(x) BANNED(localtime)
#undef ctime
#define ctime(x) BANNED(ctime)
#undef asctime
#define asctime(x) BANNED(asctime)
#undef tmpnam
#define tmpnam(x) BANNED(tmpnam)
#undef mktemp
#define mktemp(x) BANNED(mktemp)
#undef rand
#define rand() BANNED(rand)
#undef srand
#define srand(x) BANNED(srand)

#endif
