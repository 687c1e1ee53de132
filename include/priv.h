/*
 * priv.h - give up privileges once the privileged work is done.
 *
 * Like tcpdump after it opens its capture device: when lsconntrack runs as
 * root, it switches to the unprivileged user "nobody" (uid 65534 if there is
 * no such user) after opening its netlink socket or root-only file.  The
 * kernel checks CAP_NET_ADMIN on every ctnetlink dump request, so that one
 * capability is kept when later dumps are needed; with --stdin or a file
 * nothing is kept.  Call it before any thread is started.
 */
#ifndef LSCT_PRIV_H
#define LSCT_PRIV_H

enum priv_keep {
	PRIV_KEEP_NONE = 0,	/* no capability at all */
	PRIV_KEEP_NET_ADMIN,	/* CAP_NET_ADMIN, for further ctnetlink dumps */
};

/*
 * Returns 1 if privileges were dropped, 0 if there were none to drop (not
 * root, no capabilities), or -1 with errno if dropping failed: the caller
 * must then stop rather than run with more than it asked for.
 */
int priv_drop(enum priv_keep keep);

#endif
