/* sandbox.c - no_new_privs and the seccomp allow-list (libseccomp). */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/netlink.h>

/* The valgrind package's header, if there: a test that is 0 outside valgrind. */
#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

#include "lsct.h"
#include "priv.h"

/* Every mode. */
static const int base_calls[] = {
	SCMP_SYS(read), SCMP_SYS(readv), SCMP_SYS(pread64), SCMP_SYS(write),
	SCMP_SYS(writev), SCMP_SYS(lseek), SCMP_SYS(close), SCMP_SYS(dup),
	SCMP_SYS(dup3), SCMP_SYS(fcntl), SCMP_SYS(pipe2),
	SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(statx), SCMP_SYS(fstatfs),
	SCMP_SYS(faccessat), SCMP_SYS(faccessat2), SCMP_SYS(readlinkat),
	/* The older calls (x86-64 still has them; ncurses uses access()). */
	SCMP_SYS(access), SCMP_SYS(stat), SCMP_SYS(lstat), SCMP_SYS(readlink),
	SCMP_SYS(dup2), SCMP_SYS(pipe),
	SCMP_SYS(brk), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mremap),
	SCMP_SYS(mprotect), SCMP_SYS(madvise),
	SCMP_SYS(futex), SCMP_SYS(set_robust_list), SCMP_SYS(rseq),
	SCMP_SYS(sched_yield), SCMP_SYS(sched_getaffinity),
	SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigreturn),
	SCMP_SYS(sigaltstack),
	SCMP_SYS(clock_gettime), SCMP_SYS(clock_getres), SCMP_SYS(clock_nanosleep),
	SCMP_SYS(nanosleep), SCMP_SYS(gettimeofday),
	SCMP_SYS(poll), SCMP_SYS(ppoll), SCMP_SYS(select), SCMP_SYS(pselect6),
	SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(getuid), SCMP_SYS(geteuid),
	SCMP_SYS(getgid), SCMP_SYS(getegid), SCMP_SYS(uname), SCMP_SYS(getrandom),
	SCMP_SYS(capget), SCMP_SYS(capset),	/* priv_thread_drop(): only ever less */
	SCMP_SYS(exit), SCMP_SYS(exit_group),
};

/* Requests on a socket we already hold. */
static const int socket_calls[] = {
	SCMP_SYS(sendto), SCMP_SYS(sendmsg), SCMP_SYS(sendmmsg), SCMP_SYS(recvfrom),
	SCMP_SYS(recvmsg), SCMP_SYS(recvmmsg), SCMP_SYS(getsockname),
	SCMP_SYS(getpeername), SCMP_SYS(setsockopt), SCMP_SYS(getsockopt),
};

/* Never made by a correct run: stop at once. */
static const int fatal_calls[] = {
	SCMP_SYS(execve), SCMP_SYS(execveat), SCMP_SYS(ptrace),
	SCMP_SYS(process_vm_readv), SCMP_SYS(process_vm_writev),
};

/* One line, with async-signal-safe calls only, then death by SIGSYS. */
static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	static const char head[] = "\r\nlsconntrack: stopped by the sandbox: system call ";
	static const char tail[] = " is not allowed (see LSCT_NO_SECCOMP in lsconntrack(1))\n";
	char num[16], *p = num + sizeof num;
	unsigned n = si ? (unsigned)si->si_syscall : 0;
	struct sigaction dfl;
	ssize_t w;

	(void)uc;
	do {
		*--p = (char)('0' + n % 10);
		n /= 10;
	} while (n && p > num);
	w = write(STDERR_FILENO, head, sizeof head - 1);
	w = write(STDERR_FILENO, p, (size_t)(num + sizeof num - p));
	w = write(STDERR_FILENO, tail, sizeof tail - 1);
	(void)w;
	memset(&dfl, 0, sizeof dfl);
	dfl.sa_handler = SIG_DFL;
	sigaction(sig, &dfl, NULL);
	/* Delivered when the handler returns: the default action ends the process. */
	raise(sig);
}

static int add_all(scmp_filter_ctx ctx, uint32_t action, const int *calls, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (calls[i] >= 0 && seccomp_rule_add(ctx, action, calls[i], 0) < 0)
			return -1;
	return 0;
}

/* Rules that look at arguments.  Each rule only adds to what is allowed. */
static int add_checked(scmp_filter_ctx ctx, unsigned needs)
{
	static const unsigned long tty_reqs[] = { TCGETS, TCSETS, TCSETSW, TCSETSF,
						  TIOCGWINSZ, FIONREAD };
	const uint32_t ok = SCMP_ACT_ALLOW;
	int r = 0;

	/* Files: read-only (O_RDONLY is 0); no creating or truncating. */
	r |= seccomp_rule_add(ctx, ok, SCMP_SYS(openat), 1,
			      SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC, 0));
	if (SCMP_SYS(open) >= 0)
		r |= seccomp_rule_add(ctx, ok, SCMP_SYS(open), 1,
				      SCMP_A1(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_TRUNC, 0));
	/* Threads, never processes. */
	r |= seccomp_rule_add(ctx, ok, SCMP_SYS(clone), 1,
			      SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
	/* clone3's flags are out of the filter's reach: the C library falls back to clone. */
	r |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
	/* Signals to ourselves only (abort(), raise()). */
	r |= seccomp_rule_add(ctx, ok, SCMP_SYS(tgkill), 1,
			      SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)getpid()));
	/* Reading a limit, never setting one. */
	r |= seccomp_rule_add(ctx, ok, SCMP_SYS(prlimit64), 2,
			      SCMP_A0(SCMP_CMP_EQ, 0), SCMP_A2(SCMP_CMP_EQ, 0));
	/* isatty() everywhere; the screen's termios and size. */
	for (size_t i = 0; i < ARRAY_LEN(tty_reqs); i++)
		r |= seccomp_rule_add(ctx, ok, SCMP_SYS(ioctl), 1,
				      SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)tty_reqs[i]));
	if (needs & SANDBOX_SCREEN)
		/* The collector lowers its own priority (monitor.c). */
		r |= seccomp_rule_add(ctx, ok, SCMP_SYS(setpriority), 1,
				      SCMP_A0(SCMP_CMP_EQ, PRIO_PROCESS));
	if (needs & SANDBOX_RECORD)
		r |= seccomp_rule_add(ctx, ok, SCMP_SYS(ftruncate), 0);
	if (needs & SANDBOX_REPLAY)
		/* The index is read front to back once: a hint to the page cache. */
		r |= seccomp_rule_add(ctx, ok, SCMP_SYS(fadvise64), 0);
	if (needs & SANDBOX_NAMES) {
		/* getnameinfo(): DNS over UDP and TCP, nscd and NSS services over AF_UNIX. */
		static const int domains[] = { AF_INET, AF_INET6, AF_UNIX };

		for (size_t i = 0; i < ARRAY_LEN(domains); i++)
			r |= seccomp_rule_add(ctx, ok, SCMP_SYS(socket), 1,
					      SCMP_A0(SCMP_CMP_EQ, (scmp_datum_t)domains[i]));
		r |= seccomp_rule_add(ctx, ok, SCMP_SYS(connect), 0);
		r |= seccomp_rule_add(ctx, ok, SCMP_SYS(bind), 0);
	}
	if (needs & SANDBOX_OWNERS) {
		/* owner_table_refresh(): netns_scan(), netns_load(), the UTS tier. */
		static const int nl[] = { NETLINK_ROUTE, NETLINK_SOCK_DIAG };

		r |= seccomp_rule_add(ctx, ok, SCMP_SYS(setns), 1,
				      SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)CLONE_NEWNET));
		r |= seccomp_rule_add(ctx, ok, SCMP_SYS(setns), 1,
				      SCMP_A1(SCMP_CMP_EQ, (scmp_datum_t)CLONE_NEWUTS));
		for (size_t i = 0; i < ARRAY_LEN(nl); i++)
			r |= seccomp_rule_add(ctx, ok, SCMP_SYS(socket), 2,
					      SCMP_A0(SCMP_CMP_EQ, AF_NETLINK),
					      SCMP_A2(SCMP_CMP_EQ, (scmp_datum_t)nl[i]));
		r |= seccomp_rule_add(ctx, ok, SCMP_SYS(bind), 0);
		r |= seccomp_rule_add(ctx, ok, SCMP_SYS(getdents64), 0);
	}
	if (needs & SANDBOX_HTTP) {
		/* The listening socket is bound before the drop: only accepting is left. */
		r |= seccomp_rule_add(ctx, ok, SCMP_SYS(accept4), 0);
		r |= seccomp_rule_add(ctx, ok, SCMP_SYS(shutdown), 0);
	}
	if (needs & SANDBOX_PROCS)
		/* procs_attribute(): /proc/PID/fd, /proc, the cgroup tree. */
		r |= seccomp_rule_add(ctx, ok, SCMP_SYS(getdents64), 0);
	return r ? -1 : 0;
}

/* AddressSanitizer's leak check stops the world with ptrace at exit. */
#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static int skipped(void)
{
	const char *v;

	if (SANITIZED)
		return SANDBOX_OFF_DEBUG_BUILD;
	if (RUNNING_ON_VALGRIND)
		return SANDBOX_OFF_VALGRIND;
	v = getenv("LSCT_NO_SECCOMP");
	if (v && strcmp(v, "1") == 0 && !priv_env_untrusted())
		return SANDBOX_OFF_ASKED;
	return SANDBOX_ON;
}

int sandbox_enter(unsigned needs, char *err, size_t errlen)
{
	struct sigaction sa;
	scmp_filter_ctx ctx;
	int state = skipped(), r;

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0) {
		snprintf(err, errlen, "cannot set no_new_privs: %s", strerror(errno));
		return -1;
	}
	if (state != SANDBOX_ON)
		return state;
	ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
	if (!ctx) {
		errno = ENOMEM;
		snprintf(err, errlen, "cannot build the seccomp filter: %s", strerror(errno));
		return -1;
	}
	r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	if (r == 0)
		r = add_all(ctx, SCMP_ACT_ALLOW, base_calls, ARRAY_LEN(base_calls));
	if (r == 0 && (needs & (SANDBOX_NETLINK | SANDBOX_NAMES | SANDBOX_OWNERS | SANDBOX_HTTP |
				   SANDBOX_PROCS)))
		r = add_all(ctx, SCMP_ACT_ALLOW, socket_calls, ARRAY_LEN(socket_calls));
	if (r == 0)
		r = add_all(ctx, SCMP_ACT_TRAP, fatal_calls, ARRAY_LEN(fatal_calls));
	if (r == 0)
		r = add_checked(ctx, needs);
	if (r == 0) {
		memset(&sa, 0, sizeof sa);
		sa.sa_sigaction = on_sigsys;
		sa.sa_flags = SA_SIGINFO;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGSYS, &sa, NULL);
		r = seccomp_load(ctx);
	}
	seccomp_release(ctx);
	if (r != 0) {
		errno = r < 0 ? -r : EINVAL;
		snprintf(err, errlen, "cannot install the seccomp filter: %s%s", strerror(errno),
			 errno == EOPNOTSUPP || errno == ENOSYS ?
			 " (a kernel without seccomp, or valgrind: LSCT_NO_SECCOMP=1 runs without)" : "");
		return -1;
	}
	return SANDBOX_ON;
}
