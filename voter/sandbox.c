/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * sandbox.c -- the worker's confinement (sandbox.h, P-9.4).
 */
#define _GNU_SOURCE /* setresuid, setresgid */
#include "sandbox.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "banned.h"

qerr sandbox_drop_user(const char *user, char *err, size_t errlen)
{
	struct passwd pw, *pp = NULL;
	char buf[4096];
	if (geteuid() != 0)
		return Q_OK;
	if (getpwnam_r(user, &pw, buf, sizeof buf, &pp) != 0 || pp == NULL) {
		snprintf(err, errlen, "no such user for the worker: %s", user);
		return Q_ERR_NOTFOUND;
	}
	if (pp->pw_uid == 0) {
		snprintf(err, errlen, "the worker's user %s must not be root", user);
		return Q_ERR_ARG;
	}
	gid_t g = pp->pw_gid;
	if (setgroups(1, &g) != 0 || setresgid(g, g, g) != 0 ||
	    setresuid(pp->pw_uid, pp->pw_uid, pp->pw_uid) != 0) {
		snprintf(err, errlen, "cannot switch to user %s: %s", user, strerror(errno));
		return Q_ERR_DENIED;
	}
	if (setuid(0) == 0 || geteuid() == 0) {
		snprintf(err, errlen, "still able to become root after switching to %s", user);
		return Q_ERR_DENIED;
	}
	return Q_OK;
}

/* The worker's allow-list: its event loop (epoll, accept, recv/send on
 * its sockets, the eventfd and signalfd), the reader thread (futex),
 * memory (malloc), the time and syslog on the socket opened before.  No
 * open of any file (the peer check's group members are resolved before,
 * server_load_members), nothing that creates a process, maps executable
 * memory or changes credentials. */
static const int allowed[] = {
    SCMP_SYS(read),          SCMP_SYS(write),
    SCMP_SYS(readv),         SCMP_SYS(writev),
    SCMP_SYS(close),         SCMP_SYS(recvfrom),
    SCMP_SYS(sendto),        SCMP_SYS(recvmsg),
    SCMP_SYS(sendmsg),       SCMP_SYS(accept),
    SCMP_SYS(accept4),       SCMP_SYS(getsockopt),
    SCMP_SYS(shutdown),      SCMP_SYS(epoll_wait),
    SCMP_SYS(epoll_pwait),   SCMP_SYS(epoll_ctl),
    SCMP_SYS(fcntl),         SCMP_SYS(futex),
    SCMP_SYS(brk),           SCMP_SYS(munmap),
    SCMP_SYS(mremap),        SCMP_SYS(madvise),
    SCMP_SYS(clock_gettime), SCMP_SYS(gettimeofday),
    SCMP_SYS(getpid),        SCMP_SYS(gettid),
    SCMP_SYS(getuid),        SCMP_SYS(geteuid),
    SCMP_SYS(getgid),        SCMP_SYS(getegid),
    SCMP_SYS(getppid),       SCMP_SYS(fstat),
    SCMP_SYS(newfstatat),    SCMP_SYS(lseek),
    SCMP_SYS(getrandom),     SCMP_SYS(rt_sigprocmask),
    SCMP_SYS(rt_sigreturn),  SCMP_SYS(restart_syscall),
    SCMP_SYS(sched_yield),   SCMP_SYS(exit),
    SCMP_SYS(exit_group),    SCMP_SYS(tgkill),
    SCMP_SYS(rseq),          SCMP_SYS(set_robust_list), /* the reader thread starting */
    SCMP_SYS(sigaltstack),   SCMP_SYS(sched_getaffinity), /* under the sanitizers */
};

qerr sandbox_enter(char *err, size_t errlen)
{
	qerr e = Q_ERR_IO;
	scmp_filter_ctx ctx = NULL;
	int rc = 0;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "PR_SET_NO_NEW_PRIVS: %s", strerror(errno));
		return Q_ERR_IO;
	}
	if ((ctx = seccomp_init(SCMP_ACT_KILL_PROCESS)) == NULL) {
		snprintf(err, errlen, "seccomp_init failed");
		return Q_ERR_NOMEM;
	}
	for (size_t i = 0; i < sizeof allowed / sizeof allowed[0] && rc == 0; i++)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	/* Memory, never executable. */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
		                      SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
		                      SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0));
	/* New sockets (the C library's nscd lookup) answer EACCES, and so do
	 * opens: nothing is opened, but the C library opens files lazily and
	 * copes with a refusal (glibc's malloc reads
	 * /proc/sys/vm/overcommit_memory the first time a thread's heap
	 * shrinks, e.g. after an export's large reply; OpenSSH's seccomp
	 * sandbox answers open the same way). */
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(open), 0);
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(openat), 0);
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket), 0);
	if (rc == 0)
		rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EACCES), SCMP_SYS(connect), 0);
	if (rc == 0)
		rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (rc == 0)
		rc = seccomp_load(ctx);
	if (rc != 0) {
		snprintf(err, errlen, "cannot install the seccomp filter: %s", strerror(-rc));
		goto out;
	}
	e = Q_OK;
out:
	seccomp_release(ctx);
	return e;
}
