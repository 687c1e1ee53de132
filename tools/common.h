/*
 * tools/common.h - what the conntrack tools (ctgen.c, nldump.c) share: the
 * clock, the netlink socket with large buffers, and reading the kernel's
 * error answers to requests sent without NLM_F_ACK.
 *
 * Each tool is one program: everything here is static inline.
 */
#ifndef LSCT_TOOLS_COMMON_H
#define LSCT_TOOLS_COMMON_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>

/* Seconds on CLOCK_MONOTONIC. */
static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sets a socket buffer, past rmem_max/wmem_max when allowed (CAP_NET_ADMIN). */
static inline void set_sockbuf(int fd, int force, int plain, int bytes)
{
	if (setsockopt(fd, SOL_SOCKET, force, &bytes, sizeof bytes) < 0)
		(void)setsockopt(fd, SOL_SOCKET, plain, &bytes, sizeof bytes);
}

/*
 * A bound ctnetlink socket with the given buffer sizes (0: the default).
 * NULL with errno set on failure.  The caller closes it.
 */
static inline struct mnl_socket *tool_socket(int sndbuf, int rcvbuf)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);

	if (!nl)
		return NULL;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		mnl_socket_close(nl);
		errno = e;
		return NULL;
	}
	if (sndbuf)
		set_sockbuf(mnl_socket_get_fd(nl), SO_SNDBUFFORCE, SO_SNDBUF, sndbuf);
	if (rcvbuf)
		set_sockbuf(mnl_socket_get_fd(nl), SO_RCVBUFFORCE, SO_RCVBUF, rcvbuf);
	return nl;
}

struct errs {
	uint64_t count;		/* refused, other than EEXIST */
	uint64_t existing;	/* EEXIST: the entry is already in the table */
	int first;		/* errno of the first refusal */
	uint32_t first_seq;	/* and the sequence number of its request */
};

/*
 * Reads the error answers queued so far, without waiting.  The kernel
 * handles a sendmsg's requests before the call returns, so after it every
 * answer to them is queued.  0, or -1 with errno.
 */
static inline int read_errors(struct mnl_socket *nl, char *buf, size_t size, struct errs *er)
{
	for (;;) {
		ssize_t n = recv(mnl_socket_get_fd(nl), buf, size, MSG_DONTWAIT);
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)(void *)buf;
		int left = (int)n;

		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			const struct nlmsgerr *me = mnl_nlmsg_get_payload(nlh);

			if (nlh->nlmsg_type != NLMSG_ERROR || me->error == 0)
				continue;
			if (me->error == -EEXIST) {
				er->existing++;
				continue;
			}
			if (er->count++ == 0) {
				er->first = -me->error;
				er->first_seq = nlh->nlmsg_seq;
			}
		}
	}
}

#endif
