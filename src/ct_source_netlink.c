/*
 * ct_source_netlink.c - conntrack entries from a ctnetlink dump.
 *
 * With ct_nl_parse.c, the only files that speak netfilter: this one sends
 * IPCTNL_MSG_CT_GET dump requests over one kept NETLINK_NETFILTER socket
 * and hands each reply to ct_nl_parse_msg() (ct_nl_parse.c).
 * libnetfilter_conntrack builds the request's family filter (the protocol
 * filter, which 1.0.9 cannot, is added by hand); its per-entry objects are
 * not used, they cost ~30% over the dump itself.
 */
#include "ct_source_netlink.h"

#include <endian.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>

/*
 * The kernel builds dump skbs of at most 32 KiB (its max_recvmsg_len cap);
 * twice that leaves room and never truncates.  libmnl 1.0.4 has no
 * MNL_SOCKET_DUMP_SIZE.
 */
#define NL_BUFSIZE	(64 * 1024)
/* SO_RCVBUF asked for at open, and the ceiling when ENOBUFS grows it. */
#define NL_RCVBUF	(1u << 20)
#define NL_RCVBUF_MAX	(64u << 20)
/* Restarts of one snapshot before giving up with EINTR / ENOBUFS. */
#define NL_MAX_RETRIES	8

struct ct_nl {
	struct mnl_socket *sock;
	int fd;
	unsigned portid;	/* our netlink address, assigned at bind */
	uint32_t seq;		/* last request's sequence number */
	size_t rcvbuf_want;	/* bytes last asked for with SO_RCVBUF(FORCE) */
	size_t rcvbuf;		/* bytes the kernel reports */
	char *buf;		/* NL_BUFSIZE bytes, reused by every dump */
	int proto_refused;	/* the kernel refused a protocol filter */
};

/* ---- socket ------------------------------------------------------------ */

/* Asks for want bytes, forcing past rmem_max when we may; records the result. */
static void set_rcvbuf(struct ct_nl *nl, size_t want)
{
	int v = want > INT_MAX / 2 ? INT_MAX / 2 : (int)want;
	socklen_t sl = sizeof v;

	if (setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof v) < 0)
		(void)setsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
	nl->rcvbuf_want = (size_t)v;
	if (getsockopt(nl->fd, SOL_SOCKET, SO_RCVBUF, &v, &sl) == 0 && v > 0)
		nl->rcvbuf = (size_t)v;
}

/* Opens, binds and tunes a socket into nl->sock/fd/portid. */
static int sock_open(struct ct_nl *nl, size_t rcvbuf)
{
	int one = 1;

	nl->sock = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (!nl->sock)
		return -1;
	if (mnl_socket_bind(nl->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		mnl_socket_close(nl->sock);
		nl->sock = NULL;
		errno = e;
		return -1;
	}
	nl->fd = mnl_socket_get_fd(nl->sock);
	nl->portid = mnl_socket_get_portid(nl->sock);
	set_rcvbuf(nl, rcvbuf);
	/* Error messages then say which attribute the kernel disliked. */
	(void)mnl_socket_setsockopt(nl->sock, NETLINK_EXT_ACK, &one, sizeof one);
	return 0;
}

struct ct_nl *ct_nl_open(void)
{
	struct ct_nl *nl = calloc(1, sizeof *nl);
	int e;

	if (!nl)
		return NULL;
	nl->buf = malloc(NL_BUFSIZE);
	if (!nl->buf)
		goto fail;
	if (sock_open(nl, NL_RCVBUF) < 0)
		goto fail;
	nl->seq = (uint32_t)time(NULL);
	return nl;
fail:
	e = errno;
	free(nl->buf);
	free(nl);
	errno = e;
	return NULL;
}

void ct_nl_close(struct ct_nl *nl)
{
	if (!nl)
		return;
	if (nl->sock)
		mnl_socket_close(nl->sock);
	free(nl->buf);
	free(nl);
}

/*
 * Replaces the socket with a fresh one, which also cancels a dump the kernel
 * still holds for the old one.  The new socket lives in the caller's current
 * network namespace.  On failure the old socket is kept.
 */
static int sock_reopen(struct ct_nl *nl)
{
	struct ct_nl fresh = *nl;

	if (sock_open(&fresh, nl->rcvbuf_want) < 0)
		return -1;
	mnl_socket_close(nl->sock);
	*nl = fresh;
	return 0;
}

/*
 * Reads and drops whatever the socket holds.  While a dump runs, every read
 * makes the kernel queue its next part before returning, so an empty queue
 * (EAGAIN) means the dump is over.
 */
static void sock_drain(struct ct_nl *nl)
{
	for (unsigned errs = 0; errs < 64;) {
		if (recv(nl->fd, nl->buf, NL_BUFSIZE, MSG_DONTWAIT) >= 0)
			continue;
		if (errno != EINTR && errno != ENOBUFS)
			break;
		errs++;
	}
}

/*
 * CTA_FILTER_ORIG_FLAGS bit "match the L4 protocol number": the kernel's
 * net/netfilter/nf_internals.h, not exported to user space.  Flags are in
 * host byte order, and CTA_FILTER must carry NLA_F_NESTED (strict parse).
 */
#define FILTER_F_PROTO_NUM (1u << 3)

size_t ct_nl_build_request(void *buf, uint32_t seq, const struct ct_nl_filter *filter,
			   int use_proto)
{
	uint8_t family = filter ? filter->family : AF_UNSPEC;
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;

	memset(buf, 0, CT_NL_REQ_MAX);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof *nfg);
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	if (family == AF_UNSPEC)
		return nlh->nlmsg_len;
	{
		/* The kernel skips other families itself: no message is built for them. */
		struct nfct_filter_dump *f = nfct_filter_dump_create();
		int n;

		if (!f)
			return 0;
		nfct_filter_dump_set_attr_u8(f, NFCT_FILTER_DUMP_L3NUM, family);
		n = nfct_nlmsg_build_filter(nlh, f);
		nfct_filter_dump_destroy(f);
		if (n < 0)
			return 0;
	}
	if (use_proto && filter->proto) {
		/* Nor of other protocols: CTA_FILTER matching the original tuple's
		 * protocol number, which CTA_TUPLE_ORIG gives. */
		struct nlattr *nest, *tuple, *proto;

		nest = mnl_attr_nest_start(nlh, CTA_FILTER | NLA_F_NESTED);
		mnl_attr_put_u32(nlh, CTA_FILTER_ORIG_FLAGS, FILTER_F_PROTO_NUM);
		mnl_attr_put_u32(nlh, CTA_FILTER_REPLY_FLAGS, 0);
		mnl_attr_nest_end(nlh, nest);
		tuple = mnl_attr_nest_start(nlh, CTA_TUPLE_ORIG);
		proto = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
		mnl_attr_put_u8(nlh, CTA_PROTO_NUM, filter->proto);
		mnl_attr_nest_end(nlh, proto);
		mnl_attr_nest_end(nlh, tuple);
	}
	return nlh->nlmsg_len;
}

static int send_dump_request(struct ct_nl *nl, const struct ct_nl_filter *filter,
			     int use_proto)
{
	union {
		char buf[CT_NL_REQ_MAX];
		struct nlmsghdr align;
	} req;
	size_t len = ct_nl_build_request(req.buf, ++nl->seq, filter, use_proto);
	ssize_t n;

	if (!len)
		return -1;
	do {
		n = mnl_socket_sendto(nl->sock, req.buf, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

/* ---- dump -------------------------------------------------------------- */

/* What one pass over the dump ended with, besides 0 (done) and -1 (errno). */
#define RUN_INTR	1	/* the kernel flagged the dump inconsistent */
#define RUN_NOBUFS	2	/* the socket overflowed */
#define RUN_BUSY	3	/* the kernel still runs an older dump for us */

/*
 * Receives the answer to request nl->seq up to its end, delivering entries
 * unless the dump turned out interrupted or the sink stopped it.  After a
 * stop the rest is still read, so the socket is clean for the next request.
 */
static int dump_receive(struct ct_nl *nl, const struct ct_sink *sink,
			struct ct_nl_stats *st)
{
	int intr = 0, stopped = 0, sink_errno = 0, err = 0;
	struct ct_entry e;

	for (;;) {
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)(void *)nl->buf;
		ssize_t n = mnl_socket_recvfrom(nl->sock, nl->buf, NL_BUFSIZE);
		int left;

		if (n < 0) {
			int rerr = errno;

			if (rerr == EINTR)
				continue;
			sock_drain(nl);
			if (stopped) {
				errno = sink_errno;
				return -1;
			}
			if (rerr == ENOBUFS)
				return RUN_NOBUFS;
			errno = rerr;
			return -1;
		}
		if (n == 0) {
			/* Netlink never sends empty datagrams; do not spin on one. */
			errno = EPROTO;
			return -1;
		}
		for (left = (int)n; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			/* Leftovers of an abandoned request carry another seq. */
			if (nlh->nlmsg_seq != nl->seq || nlh->nlmsg_pid != nl->portid)
				continue;
			if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = 1;
			if (nlh->nlmsg_type == NLMSG_DONE) {
				/* A dump that failed midway says why in DONE's payload. */
				if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
					int v;

					memcpy(&v, mnl_nlmsg_get_payload(nlh), sizeof v);
					if (v < 0)
						err = -v;
				}
				goto done;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *me = mnl_nlmsg_get_payload(nlh);

				if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof *me))
					err = EBADMSG;
				else if (me->error < 0)
					err = -me->error;
				goto done;
			}
			if (nlh->nlmsg_type < NLMSG_MIN_TYPE)
				continue;	/* NOOP, OVERRUN */
			st->messages++;
			if (intr || stopped)
				continue;
			if (ct_nl_parse_msg(nlh, nlh->nlmsg_len, &e) < 0) {
				st->malformed++;
				continue;
			}
			if (sink->add(&e, sink->arg) < 0) {
				stopped = 1;
				sink_errno = errno;
				continue;
			}
			st->entries++;
		}
	}
done:
	if (stopped) {
		errno = sink_errno;
		return -1;
	}
	if (err == EBUSY)
		return RUN_BUSY;
	if (err) {
		errno = err;
		return -1;
	}
	return intr ? RUN_INTR : 0;
}

/*
 * messages, entries and malformed describe the attempt that finished (the
 * snapshot the sink holds); retries and enobufs count the restarts before it.
 */
int ct_nl_dump(struct ct_nl *nl, const struct ct_nl_filter *filter,
	       const struct ct_sink *sink, struct ct_nl_stats *st)
{
	int reopened = 0;

	memset(st, 0, sizeof *st);
	for (;;) {
		int use_proto = filter && filter->family != AF_UNSPEC && filter->proto &&
				!nl->proto_refused;
		int r;

		st->messages = st->entries = st->malformed = 0;
		st->rcvbuf = nl->rcvbuf;
		if (send_dump_request(nl, filter, use_proto) < 0)
			return -1;
		r = dump_receive(nl, sink, st);
		if (r == 0)
			return 0;
		if (r < 0 && use_proto && st->messages == 0 &&
		    (errno == EINVAL || errno == EOPNOTSUPP)) {
			/* A kernel that parses CTA_FILTER but not this one: ask
			 * again without it (older kernels ignore it silently). */
			nl->proto_refused = 1;
			continue;
		}
		if (r < 0)
			return -1;
		if (r == RUN_BUSY) {
			/*
			 * An earlier dump of this socket is still pending (one
			 * stalled by an allocation failure is never resumed);
			 * only a new socket gets rid of it.
			 */
			if (reopened || sock_reopen(nl) < 0) {
				errno = EBUSY;
				return -1;
			}
			reopened = 1;
			st->retries++;
		} else if (r == RUN_INTR) {
			if (st->retries >= NL_MAX_RETRIES) {
				errno = EINTR;
				return -1;
			}
			st->retries++;
		} else {
			if (st->enobufs >= NL_MAX_RETRIES) {
				errno = ENOBUFS;
				return -1;
			}
			st->enobufs++;
			if (nl->rcvbuf_want < NL_RCVBUF_MAX)
				set_rcvbuf(nl, nl->rcvbuf_want * 2);
			st->rcvbuf = nl->rcvbuf;
		}
		if (sink->reset)
			sink->reset(sink->arg);
	}
}

/* ---- per-connection GET ------------------------------------------------ */

/* Requests sent in one datagram; their answers fit the receive buffer. */
#define GET_BATCH 64
#define GET_REQ_MAX 192

size_t ct_nl_build_get(void *buf, uint32_t seq, const struct ct_entry *e)
{
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;
	struct nlattr *tuple, *ip, *proto;

	memset(buf, 0, GET_REQ_MAX);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof *nfg);
	nfg->nfgen_family = e->family;
	nfg->version = NFNETLINK_V0;
	tuple = mnl_attr_nest_start(nlh, CTA_TUPLE_ORIG);
	ip = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	if (e->family == AF_INET) {
		mnl_attr_put(nlh, CTA_IP_V4_SRC, 4, e->orig.src.b);
		mnl_attr_put(nlh, CTA_IP_V4_DST, 4, e->orig.dst.b);
	} else {
		mnl_attr_put(nlh, CTA_IP_V6_SRC, 16, e->orig.src.b);
		mnl_attr_put(nlh, CTA_IP_V6_DST, 16, e->orig.dst.b);
	}
	mnl_attr_nest_end(nlh, ip);
	proto = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, e->proto);
	if (e->proto == IPPROTO_TCP || e->proto == IPPROTO_UDP) {
		mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htobe16(e->orig.sport));
		mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htobe16(e->orig.dport));
	}
	mnl_attr_nest_end(nlh, proto);
	mnl_attr_nest_end(nlh, tuple);
	/* The kernel looks the tuple up in one zone (both directions' here). */
	if (e->zone)
		mnl_attr_put_u16(nlh, CTA_ZONE, htobe16(e->zone));
	return nlh->nlmsg_len;
}

/* Sends requests [from, to) of e in one datagram, numbered base + i. */
static int get_send(struct ct_nl *nl, const struct ct_entry *e, size_t from, size_t to,
		    uint32_t base)
{
	static __thread union {
		char buf[GET_BATCH * GET_REQ_MAX];
		struct nlmsghdr align;
	} req;
	size_t len = 0;
	ssize_t n;

	for (size_t i = from; i < to; i++)
		len += NLMSG_ALIGN(ct_nl_build_get(req.buf + len, base + (uint32_t)(i - from),
						   &e[i]));
	do {
		n = mnl_socket_sendto(nl->sock, req.buf, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int ct_nl_get(struct ct_nl *nl, const struct ct_entry *e, size_t n,
	      const struct ct_sink *sink, size_t *found)
{
	struct ct_entry fresh;

	*found = 0;
	for (size_t from = 0; from < n; from += GET_BATCH) {
		size_t to = n - from > GET_BATCH ? from + GET_BATCH : n, answered = 0;
		uint32_t base = nl->seq + 1;

		nl->seq += (uint32_t)(to - from);
		if (get_send(nl, e, from, to, base) < 0)
			return -1;
		while (answered < to - from) {
			const struct nlmsghdr *nlh = (const struct nlmsghdr *)(void *)nl->buf;
			ssize_t r = mnl_socket_recvfrom(nl->sock, nl->buf, NL_BUFSIZE);
			int left;

			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0) {
				int err = errno;

				sock_drain(nl);
				errno = err;
				return -1;
			}
			if (r == 0) {
				errno = EPROTO;
				return -1;
			}
			for (left = (int)r; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
				uint32_t k = nlh->nlmsg_seq - base;

				if (k >= to - from || nlh->nlmsg_pid != nl->portid)
					continue;	/* an older request's leftovers */
				answered++;
				if (nlh->nlmsg_type == NLMSG_ERROR) {
					const struct nlmsgerr *me = mnl_nlmsg_get_payload(nlh);

					/* ENOENT: gone since the dump; its event tells the rest. */
					if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof *me) &&
					    (me->error == -EPERM || me->error == -EACCES)) {
						sock_drain(nl);
						errno = -me->error;
						return -1;
					}
					continue;
				}
				if (nlh->nlmsg_type < NLMSG_MIN_TYPE ||
				    ct_nl_parse_msg(nlh, nlh->nlmsg_len, &fresh) < 0)
					continue;
				(*found)++;
				(void)sink->add(&fresh, sink->arg);
			}
		}
	}
	return 0;
}
