/*
 * sandbox.h - no_new_privs and a seccomp allow-list, once everything is open.
 *
 * Call sandbox_enter() after the privilege drop and after every file and
 * socket the run needs is open: from then on the process (every thread,
 * and every thread started later) can make only the system calls its mode
 * needs.  What a mode needs is the sum of the parts below; every mode may
 * read and write its open descriptors, allocate memory, start threads
 * (never processes), sleep, and open files read-only (the screen reads
 * terminfo, the name resolver /etc/hosts and the like, a snapshot the
 * nf_conntrack sysctls).
 *
 * Outside the list:
 *   - execve, execveat, ptrace, process_vm_readv/writev: the process is
 *     killed by SIGSYS after one line on stderr.  A correct run never makes
 *     them; seeing one means a bug or an attack.
 *   - everything else fails with EPERM (clone3 with ENOSYS, so the C
 *     library falls back to clone): library code we did not foresee (an
 *     NSS module, a newer C library) fails softly instead of killing the
 *     monitor, and nothing outside the list ever runs.
 *
 * LSCT_NO_SECCOMP=1 skips the filter (no_new_privs is still set), to debug
 * a refused call.  It is honoured only when the environment is trusted
 * (priv_env_untrusted() is false: root or a plain user started us, not a
 * setuid or setcap copy), so it never loosens a run a less privileged user
 * started.  Under valgrind the filter is skipped too (valgrind 3.19 does
 * not know seccomp(2), and a program under valgrind holds no more
 * privilege than whoever started valgrind), and so it is in an
 * AddressSanitizer build (its leak check uses ptrace at exit): debugging
 * builds and tools, never an installed binary.
 */
#ifndef LSCT_SANDBOX_H
#define LSCT_SANDBOX_H

#include <stddef.h>

/* What the run does after sandbox_enter(), or'ed together. */
enum sandbox_need {
	SANDBOX_NETLINK = 1 << 0,	/* sends and receives on its netlink socket */
	SANDBOX_NAMES = 1 << 1,		/* reverse DNS: UDP/TCP to the name servers, nscd */
	SANDBOX_SCREEN = 1 << 2,	/* the monitor: terminal ioctls, the collector's nice */
	/*
	 * Owners (owner.h) refreshed after the drop: setns into network and UTS
	 * namespaces, NETLINK_ROUTE and NETLINK_SOCK_DIAG sockets, directory
	 * reads of /proc and /run.
	 */
	SANDBOX_OWNERS = 1 << 3,
	/* --listen (http.h): accept4, reads and writes on the clients' sockets, shutdown. */
	SANDBOX_HTTP = 1 << 4,
	/* --record: a line cut back after a failed write (ftruncate of that file). */
	SANDBOX_RECORD = 1 << 5,
	/* --replay: reads of the recording only (no netlink: the mode adds none). */
	SANDBOX_REPLAY = 1 << 6,
	/*
	 * -P (socks.h, procs.h): requests on the sock_diag socket opened
	 * before, directory reads of /proc and the cgroup tree.
	 */
	SANDBOX_PROCS = 1 << 7,
};

enum sandbox_state {
	SANDBOX_ON = 0,
	SANDBOX_OFF_ASKED,		/* LSCT_NO_SECCOMP=1, honoured */
	SANDBOX_OFF_VALGRIND,
	SANDBOX_OFF_DEBUG_BUILD,	/* built with AddressSanitizer */
};

/*
 * Sets no_new_privs, then installs the filter for needs on every thread.
 * Returns an enum sandbox_state (the filter is on, or skipped and why), or
 * -1 with errno and a one-line reason in err.
 */
int sandbox_enter(unsigned needs, char *err, size_t errlen);

#endif
