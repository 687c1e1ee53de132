/*
 * priv.h - give up privileges once the privileged work is done.
 *
 * Like tcpdump after it opens its capture device: lsconntrack opens what
 * needs privilege (the netlink socket, /proc/net/nf_conntrack), then
 * priv_drop() switches to an unprivileged user and keeps at most
 * CAP_NET_ADMIN, which the kernel checks on every ctnetlink request.  Files
 * the user names (--proc=FILE) are opened only after the drop.
 *
 * Who we become (root only; a setcap binary already runs as its user):
 *   - a non-root user started a setuid-root copy: that user (their rights,
 *     as with a setcap install), with their own groups;
 *   - root started it: the system user "lsconntrack" when it exists (a
 *     dedicated user: no other process can signal ours), else "nobody"
 *     (uid 65534 if there is no such user), without supplementary groups.
 *
 * The thread rule.  Linux keeps capabilities per thread, and a new thread
 * starts with its creator's.  After priv_drop() only the thread that sends
 * ctnetlink requests keeps CAP_NET_ADMIN:
 *   - a thread that needs it is created by a thread that still holds it
 *     (the monitor's collector, created by the main thread before it drops);
 *   - every other thread calls priv_thread_drop() first thing, or is
 *     created by a thread that already has (the screen's thread drops right
 *     after starting the collector; resolver threads drop at their start;
 *     a one-shot run drops after its only dump, before names are resolved);
 *   - a socket that needs the capability only to be opened or bound (say,
 *     a conntrack events subscription) is opened before priv_drop() and may
 *     be read by a thread without it: the kernel checks the sender of each
 *     request, not the reader.
 * The kernel checks the capability of the thread that sends on a netlink
 * socket, so a thread without it cannot use our open socket to change the
 * tables.
 */
#ifndef LSCT_PRIV_H
#define LSCT_PRIV_H

/* What priv_drop() keeps: PRIV_KEEP_NONE, or an OR of the others. */
enum priv_keep {
	PRIV_KEEP_NONE = 0,	/* no capability at all */
	PRIV_KEEP_NET_ADMIN = 1,	/* CAP_NET_ADMIN, for further ctnetlink dumps */
	/*
	 * Owners refreshed by the dumping thread (owner.h): CAP_SYS_ADMIN
	 * (setns), CAP_SYS_PTRACE (other users' /proc/PID/ns) and
	 * CAP_DAC_READ_SEARCH (Docker's config.v2.json, root's 0600).  The
	 * thread rule above applies to them as to CAP_NET_ADMIN.
	 */
	PRIV_KEEP_OWNERS = 2,
	/*
	 * -P (procs.h), in the dumping thread: CAP_SYS_PTRACE (other users'
	 * /proc/PID/fd) and CAP_DAC_READ_SEARCH.  The thread rule applies.
	 */
	PRIV_KEEP_PROCS = 4,
};

/* The dedicated system user priv_drop() prefers to "nobody". */
#define PRIV_USER "lsconntrack"

/*
 * Process-wide; call it before any thread is started.  Returns 1 if
 * privileges were dropped, 0 if there were none to drop (not root, no
 * capabilities), or -1 with errno if dropping failed: the caller must then
 * stop rather than run with more than it asked for.
 */
int priv_drop(unsigned keep);

/*
 * Has this thread what owner_table_refresh() needs (CAP_SYS_ADMIN and
 * CAP_SYS_PTRACE, effective)?  Root has; a plain user has not.
 */
int priv_can_see_owners(void);
/* Has this thread CAP_SYS_PTRACE (every process's descriptors, -P)? */
int priv_can_see_processes(void);

/*
 * The calling thread gives up every capability (effective, permitted,
 * inheritable); other threads keep theirs.  0, or -1 with errno.
 */
int priv_thread_drop(void);

/*
 * True when our environment comes from someone with less privilege than
 * we have: a setuid or setgid copy, or file capabilities (the kernel's
 * AT_SECURE).  Not when root started us.
 */
int priv_env_untrusted(void);

/*
 * When the environment is untrusted: forgets the variables that make
 * ncurses read terminal descriptions from user files (TERMINFO,
 * TERMINFO_DIRS, TERMCAP, and HOME for ~/.terminfo).  Call it first.
 */
void priv_scrub_env(void);

#endif
