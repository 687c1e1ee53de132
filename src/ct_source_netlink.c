/*
 * ct_source_netlink.c - conntrack entries from a ctnetlink dump.
 *
 * With ct_nl_parse.c, the only files that speak netfilter: this one sends
 * IPCTNL_MSG_CT_GET dump requests over one kept NETLINK_NETFILTER socket
 * and hands each reply to ct_nl_parse_msg() (ct_nl_parse.c).
 * libnetfilter_conntrack builds the request's family filter (the protocol
 * and port filters, which 1.0.9 cannot, are added by hand); its per-entry
 * objects are not used, they cost ~30% over the dump itself.  A port filter
 * makes a dump several requests (ct_nl_plan()), read one after the other.
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

#include "ct_stats.h"

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
	int ports_refused;	/* ... or a port filter */
	int zm_refused;		/* ... or a zone or mark filter */
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
 * CTA_FILTER_ORIG_FLAGS / CTA_FILTER_REPLY_FLAGS bits, from the kernel's
 * net/netfilter/nf_internals.h (not exported to user space): 1 << 3 "match
 * the L4 protocol number", 1 << 4 "the source port", 1 << 5 "the
 * destination port".  Flags are in host byte order, ports big-endian (the
 * CTA_PROTO_*_PORT attributes of a dumped entry), and CTA_FILTER must carry
 * NLA_F_NESTED (strict parse).  What nf_conntrack_netlink.c requires (5.8
 * and later): a tuple filter needs the header's family to be AF_INET or
 * AF_INET6 (EOPNOTSUPP otherwise), port bits need the protocol bit and
 * CTA_PROTO_NUM in the same tuple (EINVAL otherwise), each flagged field
 * must be present in that tuple (EINVAL), and ports are compared only for
 * TCP and UDP entries.  Some early kernels refuse every flag (EOPNOTSUPP);
 * kernels before 5.8 ignore CTA_FILTER.  IPv6 address matching is inverted
 * in the kernels read (it drops the equal address): addresses are never
 * sent.
 */
#define FILTER_F_PROTO_NUM	(1u << 3)
#define FILTER_F_SRC_PORT	(1u << 4)
#define FILTER_F_DST_PORT	(1u << 5)

static int port_field_ok(uint8_t field)
{
	return field == CT_NL_ORIG_SPORT || field == CT_NL_ORIG_DPORT ||
	       field == CT_NL_REPLY_SPORT;
}

/* Zone and mark hold for the whole dump: every pass asks for them. */
static unsigned with_zone_mark(const struct ct_nl_filter *filter, struct ct_nl_pass *out,
			       unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		out[i].has_zone = filter->has_zone;
		out[i].zone = filter->has_zone ? filter->zone : 0;
		out[i].has_mark = filter->has_mark;
		out[i].mark_val = filter->has_mark ? filter->mark_val & filter->mark_mask : 0;
		out[i].mark_mask = filter->has_mark ? filter->mark_mask : 0;
	}
	return n;
}

unsigned ct_nl_plan(const struct ct_nl_filter *filter, int use_proto, int use_ports,
		    struct ct_nl_pass out[CT_NL_PASSES_MAX])
{
	static const uint8_t families[] = { AF_INET, AF_INET6 };
	static const uint8_t protos[] = { IPPROTO_TCP, IPPROTO_UDP };
	unsigned nfam = filter->family == AF_UNSPEC ? 2 : 1;
	unsigned nproto = filter->proto ? 1 : 2;
	unsigned nports = filter->nports, n = 0;

	memset(out, 0, CT_NL_PASSES_MAX * sizeof *out);
	for (unsigned k = 0; k < nports && k < CT_NL_PORTS_MAX; k++)
		if (!port_field_ok(filter->ports[k].field))
			use_ports = 0;
	if (use_ports && nports && nports <= CT_NL_PORTS_MAX &&
	    nfam * nproto * nports <= CT_NL_PASSES_MAX) {
		for (unsigned f = 0; f < nfam; f++)
			for (unsigned p = 0; p < nproto; p++)
				for (unsigned k = 0; k < nports; k++) {
					out[n].family = nfam == 1 ? filter->family : families[f];
					out[n].proto = nproto == 1 ? filter->proto : protos[p];
					out[n].port = filter->ports[k];
					n++;
				}
		return with_zone_mark(filter, out, n);
	}
	out[0].family = filter->family;
	if (use_proto && filter->family != AF_UNSPEC)
		out[0].proto = filter->proto;
	n = 1;
	return with_zone_mark(filter, out, n);
}

static int pass_match(const struct ct_nl_pass *p, const struct ct_entry *e)
{
	if (p->family != AF_UNSPEC && e->family != p->family)
		return 0;
	if (p->proto && e->proto != p->proto)
		return 0;
	switch (p->port.field) {
	case CT_NL_ORIG_SPORT:
		return e->orig.sport == p->port.port;
	case CT_NL_ORIG_DPORT:
		return e->orig.dport == p->port.port;
	case CT_NL_REPLY_SPORT:
		return e->reply.sport == p->port.port;
	default:
		return 1;
	}
}

int ct_nl_pass_keeps(const struct ct_nl_pass *plan, unsigned i, const struct ct_entry *e)
{
	if (!pass_match(&plan[i], e))
		return 0;
	for (unsigned j = 0; j < i; j++)
		if (pass_match(&plan[j], e))
			return 0;
	return 1;
}

/* CTA_TUPLE_ORIG or _REPLY holding the protocol and, if port_type, a port. */
static void put_tuple(struct nlmsghdr *nlh, uint16_t type, uint8_t proto, uint16_t port_type,
		      uint16_t port)
{
	struct nlattr *tuple = mnl_attr_nest_start(nlh, type);
	struct nlattr *pn = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);

	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, proto);
	if (port_type)
		mnl_attr_put_u16(nlh, port_type, htons(port));
	mnl_attr_nest_end(nlh, pn);
	mnl_attr_nest_end(nlh, tuple);
}

size_t ct_nl_build_pass(void *buf, uint32_t seq, const struct ct_nl_pass *p)
{
	uint32_t oflags = FILTER_F_PROTO_NUM, rflags = 0;
	uint16_t oport = 0, rport = 0;
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;
	struct nlattr *nest;

	memset(buf, 0, CT_NL_REQ_MAX);
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof *nfg);
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	/*
	 * Top-level attributes, which need no family: the mask always goes
	 * with the mark (kernels before 5.8 filter only with both), and both
	 * already masked, as the kernel compares mark & mask with the value.
	 */
	if (p->has_mark) {
		mnl_attr_put_u32(nlh, CTA_MARK, htonl(p->mark_val & p->mark_mask));
		mnl_attr_put_u32(nlh, CTA_MARK_MASK, htonl(p->mark_mask));
	}
	if (p->has_zone)
		mnl_attr_put_u16(nlh, CTA_ZONE, htons(p->zone));
	if (p->family == AF_UNSPEC)
		return nlh->nlmsg_len;
	{
		/* The kernel skips other families itself: no message is built for them. */
		struct nfct_filter_dump *f = nfct_filter_dump_create();
		int n;

		if (!f)
			return 0;
		nfct_filter_dump_set_attr_u8(f, NFCT_FILTER_DUMP_L3NUM, p->family);
		n = nfct_nlmsg_build_filter(nlh, f);
		nfct_filter_dump_destroy(f);
		if (n < 0)
			return 0;
	}
	if (!p->proto)
		return nlh->nlmsg_len;
	/*
	 * Nor of other protocols or ports: CTA_FILTER says which fields of
	 * each tuple count, CTA_TUPLE_ORIG/REPLY give their values.  The
	 * original tuple always names the protocol; a reply port names it
	 * again in the reply tuple, as the kernel wants it beside the port.
	 */
	switch (p->port.field) {
	case CT_NL_ORIG_SPORT:
		oflags |= FILTER_F_SRC_PORT;
		oport = CTA_PROTO_SRC_PORT;
		break;
	case CT_NL_ORIG_DPORT:
		oflags |= FILTER_F_DST_PORT;
		oport = CTA_PROTO_DST_PORT;
		break;
	case CT_NL_REPLY_SPORT:
		rflags = FILTER_F_PROTO_NUM | FILTER_F_SRC_PORT;
		rport = CTA_PROTO_SRC_PORT;
		break;
	}
	nest = mnl_attr_nest_start(nlh, CTA_FILTER | NLA_F_NESTED);
	mnl_attr_put_u32(nlh, CTA_FILTER_ORIG_FLAGS, oflags);
	mnl_attr_put_u32(nlh, CTA_FILTER_REPLY_FLAGS, rflags);
	mnl_attr_nest_end(nlh, nest);
	put_tuple(nlh, CTA_TUPLE_ORIG, p->proto, oport, p->port.port);
	if (rflags)
		put_tuple(nlh, CTA_TUPLE_REPLY, p->proto, rport, p->port.port);
	return nlh->nlmsg_len;
}

size_t ct_nl_build_request(void *buf, uint32_t seq, const struct ct_nl_filter *filter,
			   int use_proto)
{
	struct ct_nl_pass plan[CT_NL_PASSES_MAX];

	if (!filter) {
		memset(plan, 0, sizeof plan);
		return ct_nl_build_pass(buf, seq, &plan[0]);
	}
	ct_nl_plan(filter, use_proto, 0, plan);
	return ct_nl_build_pass(buf, seq, &plan[0]);
}

/* One datagram of requests, sent whole.  0, or -1 with errno. */
static int send_all(struct ct_nl *nl, const void *buf, size_t len)
{
	ssize_t n;

	do {
		n = mnl_socket_sendto(nl->sock, buf, len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	if ((size_t)n != len) {
		errno = EIO;
		return -1;
	}
	return 0;
}

static int send_dump_request(struct ct_nl *nl, const struct ct_nl_pass *pass)
{
	union {
		char buf[CT_NL_REQ_MAX];
		struct nlmsghdr align;
	} req;
	size_t len = ct_nl_build_pass(req.buf, ++nl->seq, pass);

	if (!len)
		return -1;
	return send_all(nl, req.buf, len);
}

/* ---- dump -------------------------------------------------------------- */

/* What one pass over the dump ended with, besides 0 (done) and -1 (errno). */
#define RUN_INTR	1	/* the kernel flagged the dump inconsistent */
#define RUN_NOBUFS	2	/* the socket overflowed */
#define RUN_BUSY	3	/* the kernel still runs an older dump for us */
#define RUN_REFUSED	4	/* the kernel refused the request's CTA_FILTER */

/*
 * Receives the answer to request nl->seq up to its end, delivering entries
 * unless the dump turned out interrupted or the sink stopped it.  After a
 * stop the rest is still read, so the socket is clean for the next request.
 * With plan (a port filter), only the entries pass i of it keeps.
 */
static int dump_receive(struct ct_nl *nl, const struct ct_sink *sink,
			struct ct_nl_stats *st, const struct ct_nl_pass *plan, unsigned i)
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
			if (plan && !ct_nl_pass_keeps(plan, i, &e))
				continue;
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
		struct ct_nl_pass plan[CT_NL_PASSES_MAX];
		unsigned n = 1, i;
		int r = 0;

		memset(plan, 0, sizeof plan);
		if (filter)
			n = ct_nl_plan(filter, !nl->proto_refused, !nl->ports_refused, plan);
		st->messages = st->entries = st->malformed = 0;
		st->rcvbuf = nl->rcvbuf;
		for (i = 0; i < n && r == 0; i++) {
			uint64_t before = st->messages;

			if (send_dump_request(nl, &plan[i]) < 0)
				return -1;
			if (nl->zm_refused)
				plan[i].has_zone = plan[i].has_mark = 0;
			r = dump_receive(nl, sink, st, plan[i].port.field ? plan : NULL, i);
			if (r < 0 && (plan[i].proto || plan[i].has_zone || plan[i].has_mark) &&
			    st->messages == before && (errno == EINVAL || errno == EOPNOTSUPP)) {
				/* A kernel that parses CTA_FILTER but not this one: ask
				 * again without it (older kernels ignore it silently),
				 * first without the ports, then without the protocol,
				 * then without zone and mark (a kernel built without). */
				if (plan[i].port.field)
					nl->ports_refused = 1;
				else if (plan[i].proto)
					nl->proto_refused = 1;
				else
					nl->zm_refused = 1;
				r = RUN_REFUSED;
			}
		}
		if (r == 0)
			return 0;
		if (r == RUN_REFUSED) {
			/* Earlier passes may have delivered entries. */
			if (st->entries && sink->reset)
				sink->reset(sink->arg);
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
	/* The kernel wants the protocol's whole tuple (ct.h: GRE keys as ports). */
	if (ct_proto_has_ports(e->proto) || e->proto == IPPROTO_GRE) {
		mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htobe16(e->orig.sport));
		mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htobe16(e->orig.dport));
	} else if (ct_proto_is_icmp(e->proto)) {
		int v6 = e->proto == IPPROTO_ICMPV6;

		mnl_attr_put_u16(nlh, v6 ? CTA_PROTO_ICMPV6_ID : CTA_PROTO_ICMP_ID,
				 htobe16(e->orig.sport));
		mnl_attr_put_u8(nlh, v6 ? CTA_PROTO_ICMPV6_TYPE : CTA_PROTO_ICMP_TYPE,
				CT_ICMP_TYPE(e->orig.dport));
		mnl_attr_put_u8(nlh, v6 ? CTA_PROTO_ICMPV6_CODE : CTA_PROTO_ICMP_CODE,
				CT_ICMP_CODE(e->orig.dport));
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

	for (size_t i = from; i < to; i++)
		len += NLMSG_ALIGN(ct_nl_build_get(req.buf + len, base + (uint32_t)(i - from),
						   &e[i]));
	return send_all(nl, req.buf, len);
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

/* ---- per-connection DELETE --------------------------------------------- */

/*
 * A DELETE without a tuple flushes the whole table (the kernel's
 * ctnetlink_del_conntrack() falls through to a flush), so a request is
 * never built without one: an entry of no known family is refused here.
 */
size_t ct_nl_build_delete(void *buf, uint32_t seq, const struct ct_entry *e)
{
	struct ct_entry k = *e;
	struct nlmsghdr *nlh = buf;

	if (e->family != AF_INET && e->family != AF_INET6)
		return 0;
	/*
	 * A zone of the reply direction only: the original tuple is hashed in
	 * the default zone, so the lookup goes there.
	 */
	if ((e->flags & (CT_F_ZONE_ORIG | CT_F_ZONE_REPLY)) == CT_F_ZONE_REPLY)
		k.zone = 0;
	/* The GET's tuple and zone, in a DELETE that is acknowledged. */
	if (!ct_nl_build_get(buf, seq, &k))
		return 0;
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	/* The id makes it this connection, not a later one with the same tuple. */
	if (e->flags & CT_F_ID)
		mnl_attr_put_u32(nlh, CTA_ID, htobe32(e->id));
	return nlh->nlmsg_len;
}

/* Sends DELETE requests [from, to) of e in one datagram, numbered base + i. */
static int del_send(struct ct_nl *nl, const struct ct_entry *e, size_t from, size_t to,
		    uint32_t base, int *errs)
{
	static __thread union {
		char buf[GET_BATCH * GET_REQ_MAX];
		struct nlmsghdr align;
	} req;
	size_t len = 0;

	for (size_t i = from; i < to; i++) {
		size_t one = ct_nl_build_delete(req.buf + len, base + (uint32_t)(i - from), &e[i]);

		/* Not sent: its number is left unanswered, and counted as invalid. */
		if (!one) {
			errs[i] = EINVAL;
			continue;
		}
		errs[i] = -1;
		len += NLMSG_ALIGN(one);
	}
	return len ? send_all(nl, req.buf, len) : 0;
}

int ct_nl_delete(struct ct_nl *nl, const struct ct_entry *e, size_t n, int *errs)
{
	for (size_t from = 0; from < n; from += GET_BATCH) {
		size_t to = n - from > GET_BATCH ? from + GET_BATCH : n, waiting = 0;
		uint32_t base = nl->seq + 1;

		nl->seq += (uint32_t)(to - from);
		if (del_send(nl, e, from, to, base, errs) < 0) {
			int err = errno;

			for (size_t i = from; i < n; i++)
				errs[i] = err;
			errno = err;
			return -1;
		}
		for (size_t i = from; i < to; i++)
			waiting += errs[i] == -1;
		while (waiting) {
			const struct nlmsghdr *nlh = (const struct nlmsghdr *)(void *)nl->buf;
			ssize_t r = mnl_socket_recvfrom(nl->sock, nl->buf, NL_BUFSIZE);
			int left;

			if (r < 0 && errno == EINTR)
				continue;
			if (r <= 0) {
				int err = r < 0 ? errno : EPROTO;

				sock_drain(nl);
				for (size_t i = from; i < n; i++)
					if (i >= to || errs[i] == -1)
						errs[i] = err;
				errno = err;
				return -1;
			}
			for (left = (int)r; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
				uint32_t k = nlh->nlmsg_seq - base;
				const struct nlmsgerr *me = mnl_nlmsg_get_payload(nlh);

				if (k >= to - from || nlh->nlmsg_pid != nl->portid ||
				    nlh->nlmsg_type != NLMSG_ERROR || errs[from + k] != -1)
					continue;	/* an older request's leftovers */
				waiting--;
				if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof *me))
					errs[from + k] = EBADMSG;
				else
					errs[from + k] = me->error < 0 ? -me->error : 0;
			}
		}
	}
	return 0;
}

/* ---- statistics -------------------------------------------------------- */

int ct_nl_table_stats(struct ct_nl *nl, struct ct_stats *out)
{
	union {
		char buf[CT_STATS_REQ_MAX];
		struct nlmsghdr align;
	} req;
	size_t len = ct_stats_build_request(req.buf, ++nl->seq);

	memset(out, 0, sizeof *out);
	if (send_all(nl, req.buf, len) < 0)
		return -1;
	for (;;) {
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
			if (nlh->nlmsg_seq != nl->seq || nlh->nlmsg_pid != nl->portid)
				continue;	/* an older request's leftovers */
			if (nlh->nlmsg_type == NLMSG_DONE)
				goto done;
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *me = mnl_nlmsg_get_payload(nlh);

				int err = nlh->nlmsg_len >= NLMSG_LENGTH(sizeof *me) && me->error < 0 ?
					  -me->error : EBADMSG;

				if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof *me) && me->error == 0)
					goto done;	/* an acknowledgement */
				sock_drain(nl);
				errno = err;
				return -1;
			}
			if (nlh->nlmsg_type >= NLMSG_MIN_TYPE)
				(void)ct_stats_add_msg(out, nlh, nlh->nlmsg_len);
		}
	}
done:
	if (!out->cpus) {
		errno = EPROTO;
		return -1;
	}
	return 0;
}
