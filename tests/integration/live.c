/*
 * live.c - the kernel interfaces against the real kernel, each case in a
 * throwaway network namespace of its own (needs root): a ctnetlink dump of
 * entries created here, with its recovery paths (interrupted dumps, overruns,
 * EBUSY, a refused filter, EPERM), the listening sockets as sock_diag and
 * /proc/net report them, and conntrack DESTROY events (ct_events.c): real
 * traffic's final counters, and loss counted exactly after a burst.  Moved here from the unit binaries, which need
 * neither root nor a namespace.
 *
 * Run by tests/integration/run.sh.  Prints one line per case,
 * "ok NAME", "FAIL NAME" or "skip NAME: WHY", and exits 1 if a case failed.
 */
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "ct_events.h"
#include "ct_source_netlink.h"
#include "ctmsg.h"
#include "host.h"
#include "sandbox.h"

#define LIVE_SKIP 77

/* Checks that passed in this (child) process; printed when the case ends. */
static unsigned n_checks;

#define CHECK(c) do { \
	if (!(c)) { \
		fprintf(stderr, "live: %s:%d: check failed: %s (errno %s)\n", \
			__FILE__, __LINE__, #c, strerror(errno)); \
		_exit(1); \
	} \
	n_checks++; \
} while (0)

static struct ct_addr addr(const char *s)
{
	struct ct_addr a;

	if (ct_addr_parse(s, strlen(s), &a) <= 0) {
		fprintf(stderr, "live: bad address %s in the test\n", s);
		_exit(1);
	}
	return a;
}

/* ---- ctnetlink dump ------------------------------------------------------- */

/* IPS_CONFIRMED: a create request must carry it (conntrack -I sends it too). */
#define CONFIRMED (1u << 3)
#define BULK 3000

/*
 * Fault injection for the live test: this recvmsg() stands in for libc's
 * (libmnl calls it) and spoils chosen conntrack dumps, recognised by a new
 * sequence number in a read of ctnetlink messages.  Disarmed, it only passes
 * through.
 */
static struct {
	unsigned intr_dumps;	/* flag the next this many dumps interrupted */
	unsigned nobufs_dumps;	/* fail a read inside the next this many dumps */
	unsigned busy_dumps;	/* answer the next this many dumps with EBUSY */
	unsigned einval_dumps;	/* ... with EINVAL (a kernel refusing the filter) */
	uint32_t last_seq;	/* dump seen last */
	uint32_t intr_seq;	/* dump being flagged */
	uint32_t nobufs_seq;	/* dump whose next read fails with ENOBUFS */
} inj;

ssize_t recvmsg(int fd, struct msghdr *msg, int flags)
{
	static ssize_t (*real)(int, struct msghdr *, int);
	struct nlmsghdr *nlh;
	ssize_t n;
	int left;

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "recvmsg");
	n = real(fd, msg, flags);
	if (n <= 0 || msg->msg_iovlen < 1 || msg->msg_iov[0].iov_len < (size_t)n)
		return n;
	nlh = msg->msg_iov[0].iov_base;
	left = (int)n;
	if (!mnl_nlmsg_ok(nlh, left) ||
	    ((nlh->nlmsg_type >> 8) != NFNL_SUBSYS_CTNETLINK && nlh->nlmsg_type != NLMSG_DONE))
		return n;
	if (nlh->nlmsg_seq != inj.last_seq) {
		inj.last_seq = nlh->nlmsg_seq;
		if (inj.busy_dumps || inj.einval_dumps) {
			/* As if an older dump of this socket were still running,
			 * or the kernel did not take the request's filter. */
			struct nlmsgerr me = { .error = inj.busy_dumps ? -EBUSY : -EINVAL };

			if (inj.busy_dumps)
				inj.busy_dumps--;
			else
				inj.einval_dumps--;
			me.msg = *nlh;
			nlh->nlmsg_type = NLMSG_ERROR;
			nlh->nlmsg_flags = 0;
			nlh->nlmsg_len = NLMSG_LENGTH(sizeof me);
			memcpy(mnl_nlmsg_get_payload(nlh), &me, sizeof me);
			return nlh->nlmsg_len;
		}
		if (inj.intr_dumps) {
			inj.intr_dumps--;
			inj.intr_seq = nlh->nlmsg_seq;
		}
		if (inj.nobufs_dumps) {
			inj.nobufs_dumps--;
			inj.nobufs_seq = nlh->nlmsg_seq;
			return n;
		}
	}
	if (inj.nobufs_seq && nlh->nlmsg_seq == inj.nobufs_seq) {
		/* What this read brought is lost, as in a real overrun. */
		inj.nobufs_seq = 0;
		errno = ENOBUFS;
		return -1;
	}
	if (inj.intr_seq && nlh->nlmsg_seq == inj.intr_seq)
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left))
			nlh->nlmsg_flags |= NLM_F_DUMP_INTR;
	return n;
}

/* Sends the messages in buf (n of them, all with NLM_F_ACK) and checks the acks. */
static int send_and_ack(struct mnl_socket *s, const char *buf, size_t len, unsigned n)
{
	union { char b[65536]; struct nlmsghdr align; } rb;
	unsigned acked = 0;

	if (mnl_socket_sendto(s, buf, len) != (ssize_t)len)
		return -1;
	while (acked < n) {
		ssize_t r = mnl_socket_recvfrom(s, rb.b, sizeof rb.b);
		const struct nlmsghdr *nlh = &rb.align;
		int left = (int)r;

		if (r < 0)
			return -1;
		for (; mnl_nlmsg_ok(nlh, left); nlh = mnl_nlmsg_next(nlh, &left)) {
			const struct nlmsgerr *me = mnl_nlmsg_get_payload(nlh);

			if (nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			if (me->error) {
				errno = -me->error;
				return -1;
			}
			acked++;
		}
	}
	return 0;
}

static int create_entry(struct mnl_socket *s, const struct mspec *base, uint32_t seq)
{
	union msgbuf mb;
	struct mspec m = *base;
	struct nlmsghdr *nlh;

	m.create = 1;
	m.nlflags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
	m.seq = seq;
	m.counters = 0;
	nlh = build_msg(mb.b, &m);
	return send_and_ack(s, mb.b, nlh->nlmsg_len, 1);
}

/* BULK TCP entries 10.10.x.y:1000+i -> 10.11.0.1:8080, in batches. */
static int create_bulk(struct mnl_socket *s)
{
	static union { char b[32768]; struct nlmsghdr align; } out;
	char src[32];
	size_t len = 0;
	unsigned n = 0;

	for (unsigned i = 0; i < BULK; i++) {
		struct mspec m = v4_tcp;

		snprintf(src, sizeof src, "10.10.%u.%u", i / 250, i % 250 + 1);
		m.create = 1;
		m.nlflags = NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK;
		m.seq = 1000 + i;
		m.counters = 0;
		m.zone = 0;
		m.status = CT_STATUS_ASSURED | CT_STATUS_SEEN_REPLY | CONFIRMED;
		m.orig = (struct tspec){ src, "10.11.0.1", (uint16_t)(1000 + i), 8080, 0 };
		m.reply = (struct tspec){ "10.11.0.1", src, 8080, (uint16_t)(1000 + i), 0 };
		len += build_msg(out.b + len, &m)->nlmsg_len;
		n++;
		/* Each message gets an ack skb; keep them within the rcvbuf. */
		if (n == 100 || i == BULK - 1) {
			if (send_and_ack(s, out.b, len, n) < 0)
				return -1;
			len = 0;
			n = 0;
		}
	}
	return 0;
}

struct collect {
	struct ct_entry keep[8];	/* entries outside the bulk range */
	unsigned nkeep;
	unsigned total;
	unsigned bulk;
	unsigned resets;
	unsigned stop_at;		/* fail the add() numbered this (1-based); 0 never */
	int stop_errno;
};

static int collect_add(const struct ct_entry *e, void *arg)
{
	struct collect *c = arg;

	c->total++;
	if (c->stop_at && c->total == c->stop_at) {
		errno = c->stop_errno;
		return -1;
	}
	if (e->family == AF_INET && e->orig.src.b[0] == 10 && e->orig.src.b[1] == 10)
		c->bulk++;
	else if (c->nkeep < 8)
		c->keep[c->nkeep++] = *e;
	return 0;
}

static void collect_reset(void *arg)
{
	struct collect *c = arg;

	c->resets++;
	c->total = c->bulk = c->nkeep = 0;
}

static int run_dump_proto(struct ct_nl *nl, uint8_t family, uint8_t proto,
			  struct collect *c, struct ct_nl_stats *st)
{
	struct ct_nl_filter f = { .family = family, .proto = proto };
	struct ct_sink sink = { collect_add, collect_reset, c };
	unsigned stop_at = c->stop_at;
	int stop_errno = c->stop_errno;

	memset(c, 0, sizeof *c);
	c->stop_at = stop_at;
	c->stop_errno = stop_errno;
	return ct_nl_dump(nl, &f, &sink, st);
}

static int run_dump_filter(struct ct_nl *nl, const struct ct_nl_filter *f,
			   struct collect *c, struct ct_nl_stats *st)
{
	struct ct_sink sink = { collect_add, collect_reset, c };

	memset(c, 0, sizeof *c);
	return ct_nl_dump(nl, f, &sink, st);
}

static int run_dump(struct ct_nl *nl, uint8_t family, struct collect *c,
		    struct ct_nl_stats *st)
{
	return run_dump_proto(nl, family, 0, c, st);
}

static const struct ct_entry *find_entry(const struct collect *c, int family, uint8_t proto)
{
	for (unsigned i = 0; i < c->nkeep; i++)
		if (c->keep[i].family == family && c->keep[i].proto == proto)
			return &c->keep[i];
	return NULL;
}

/* Like assert_entry, for a kernel-made entry: no exact timeout, extra status bits. */
static int live_entry_ok(const struct ct_entry *e, const struct mspec *m)
{
	struct ct_addr a;

	if (!e)
		return 0;
	if (ct_addr_parse(m->orig.src, strlen(m->orig.src), &a) != m->family ||
	    !ct_addr_equal(&a, &e->orig.src))
		return 0;
	if (ct_addr_parse(m->reply.src, strlen(m->reply.src), &a) != m->family ||
	    !ct_addr_equal(&a, &e->reply.src))
		return 0;
	if (ct_addr_parse(m->reply.dst, strlen(m->reply.dst), &a) != m->family ||
	    !ct_addr_equal(&a, &e->reply.dst))
		return 0;
	if (m->proto != IPPROTO_ICMP &&
	    (e->orig.sport != m->orig.sport || e->orig.dport != m->orig.dport ||
	     e->reply.sport != m->reply.sport || e->reply.dport != m->reply.dport))
		return 0;
	/* ICMP: the echo id as sport, type and code as dport (ct.h). */
	if (m->proto == IPPROTO_ICMP &&
	    (e->orig.sport != m->orig.sport || e->reply.sport != m->reply.sport ||
	     e->orig.dport != CT_ICMP_TC(m->orig.icmp_type, 0) ||
	     e->reply.dport != CT_ICMP_TC(m->reply.icmp_type, 0)))
		return 0;
	if ((e->status & m->status) != m->status || e->timeout > m->timeout ||
	    e->timeout + 30 < m->timeout || e->zone != m->zone || !(e->flags & CT_F_ID))
		return 0;
	if (m->tcp_state >= 0 &&
	    (!(e->flags & CT_F_STATE) || e->tcp_state != m->tcp_state))
		return 0;
	/* acct is on: counters present, and zero for created entries. */
	if (!(e->flags & CT_F_COUNTERS) || e->orig.packets || e->reply.bytes)
		return 0;
	return 1;
}

static void live_child(void)
{
	struct mspec tcp = v4_tcp, udp = v6_udp, icmp = v4_icmp;
	struct ct_nl_stats st;
	struct collect c = { 0 };
	struct mnl_socket *s;
	struct ct_nl *nl;
	pid_t pid;
	int fd, status, r;

	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "live: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		_exit(LIVE_SKIP);
	}
	/* Per-namespace; entries get counters only when created after this. */
	fd = open("/proc/sys/net/netfilter/nf_conntrack_acct", O_WRONLY);
	if (fd < 0 || write(fd, "1", 1) != 1) {
		fprintf(stderr, "live: no nf_conntrack_acct: %s\n", strerror(errno));
		_exit(LIVE_SKIP);
	}
	close(fd);

	s = mnl_socket_open(NETLINK_NETFILTER);
	CHECK(s && mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) == 0);
	tcp.status = CT_STATUS_ASSURED | CT_STATUS_SEEN_REPLY | CONFIRMED;
	tcp.timeout = 100;
	tcp.zone = 0;
	udp.zone = 7;
	udp.status = CONFIRMED;
	udp.timeout = 50;
	icmp.status = CONFIRMED;
	if (create_entry(s, &tcp, 1) < 0) {
		fprintf(stderr, "live: ctnetlink create: %s\n", strerror(errno));
		_exit(LIVE_SKIP);
	}
	CHECK(create_entry(s, &udp, 2) == 0);
	CHECK(create_entry(s, &icmp, 3) == 0);

	nl = ct_nl_open();
	CHECK(nl);

	/* One AF_UNSPEC dump brings both families; a quiet table never resets. */
	CHECK(run_dump(nl, AF_UNSPEC, &c, &st) == 0);
	CHECK(c.total == 3 && c.nkeep == 3 && c.resets == 0);
	CHECK(st.messages == 3 && st.entries == 3 && st.malformed == 0);
	CHECK(st.retries == 0 && st.enobufs == 0 && st.rcvbuf >= (1u << 20));
	CHECK(live_entry_ok(find_entry(&c, AF_INET, IPPROTO_TCP), &tcp));
	CHECK(live_entry_ok(find_entry(&c, AF_INET6, IPPROTO_UDP), &udp));
	CHECK(live_entry_ok(find_entry(&c, AF_INET, IPPROTO_ICMP), &icmp));

	CHECK(run_dump(nl, AF_INET, &c, &st) == 0);
	CHECK(c.total == 2 && find_entry(&c, AF_INET, IPPROTO_TCP) &&
	      find_entry(&c, AF_INET, IPPROTO_ICMP) && st.entries == 2);
	CHECK(run_dump(nl, AF_INET6, &c, &st) == 0);
	CHECK(c.total == 1 && live_entry_ok(find_entry(&c, AF_INET6, IPPROTO_UDP), &udp));

	/* With a family, the kernel also leaves out other protocols: fewer
	 * messages arrive.  Without one the protocol is not sent. */
	CHECK(run_dump_proto(nl, AF_INET, IPPROTO_TCP, &c, &st) == 0);
	CHECK(st.messages == 1 && c.total == 1 &&
	      live_entry_ok(find_entry(&c, AF_INET, IPPROTO_TCP), &tcp));
	CHECK(run_dump_proto(nl, AF_INET, IPPROTO_UDP, &c, &st) == 0);
	CHECK(st.messages == 0 && c.total == 0);
	CHECK(run_dump_proto(nl, AF_INET6, IPPROTO_UDP, &c, &st) == 0);
	CHECK(st.messages == 1 && live_entry_ok(find_entry(&c, AF_INET6, IPPROTO_UDP), &udp));
	CHECK(run_dump_proto(nl, AF_INET6, IPPROTO_TCP, &c, &st) == 0);
	CHECK(st.messages == 0 && c.total == 0);
	CHECK(run_dump_proto(nl, AF_UNSPEC, IPPROTO_TCP, &c, &st) == 0);
	CHECK(st.messages == 3 && c.total == 3);
	/* A kernel that refuses the filter: asked again without it, and from
	 * then on never with it (the ICMP entry comes too). */
	{
		struct ct_nl *nl2 = ct_nl_open();

		CHECK(nl2);
		inj.einval_dumps = 1;
		CHECK(run_dump_proto(nl2, AF_INET, IPPROTO_TCP, &c, &st) == 0);
		CHECK(inj.einval_dumps == 0 && st.retries == 0 && c.resets == 0);
		CHECK(st.messages == 2 && c.total == 2 && find_entry(&c, AF_INET, IPPROTO_ICMP));
		CHECK(run_dump_proto(nl2, AF_INET, IPPROTO_TCP, &c, &st) == 0);
		CHECK(st.messages == 2 && c.total == 2);
		/* Without a protocol filter EINVAL is the kernel's answer. */
		inj.einval_dumps = 1;
		errno = 0;
		CHECK(run_dump(nl2, AF_INET, &c, &st) == -1 && errno == EINVAL);
		ct_nl_close(nl2);
	}

	/* Enough entries that a dump spans many socket reads. */
	CHECK(create_bulk(s) == 0);
	CHECK(run_dump(nl, AF_UNSPEC, &c, &st) == 0);
	CHECK(c.total == BULK + 3 && c.bulk == BULK && c.nkeep == 3 && c.resets == 0);
	CHECK(st.entries == BULK + 3 && st.retries == 0);

	/*
	 * Ports (CTA_FILTER, 5.8+): the kernel sends only the matching entries,
	 * one request per family and condition, and each comes once.  The
	 * TCP entry is 10.9.0.1:40000 -> 10.9.0.2:80, the bulk ones
	 * 10.10.x.y:1000+i -> 10.11.0.1:8080, the UDP one [fd00::1]:53 ->
	 * [fd00::2]:5353.
	 */
	{
		struct ct_nl_filter pf = { .family = AF_UNSPEC, .proto = IPPROTO_TCP, .nports = 1,
					   .ports = { { CT_NL_ORIG_DPORT, 80 } } };
		struct ct_nl *nl3;

		CHECK(run_dump_filter(nl, &pf, &c, &st) == 0);
		CHECK(st.messages == 1 && c.total == 1 && st.retries == 0 &&
		      live_entry_ok(find_entry(&c, AF_INET, IPPROTO_TCP), &tcp));
		pf.ports[0].port = 8080;
		CHECK(run_dump_filter(nl, &pf, &c, &st) == 0);
		CHECK(st.messages == BULK && c.total == BULK && c.bulk == BULK);
		pf.ports[0].port = 81;
		CHECK(run_dump_filter(nl, &pf, &c, &st) == 0);
		CHECK(st.messages == 0 && c.total == 0);
		/* The original source port: one bulk entry. */
		pf.ports[0] = (struct ct_nl_port){ CT_NL_ORIG_SPORT, 1005 };
		CHECK(run_dump_filter(nl, &pf, &c, &st) == 0);
		CHECK(st.messages == 1 && c.total == 1 && c.bulk == 1);
		/* Reply source port 80 or original source port 40000: the TCP entry
		 * matches both, the kernel sends it twice, it is delivered once. */
		pf.nports = 2;
		pf.ports[0] = (struct ct_nl_port){ CT_NL_REPLY_SPORT, 80 };
		pf.ports[1] = (struct ct_nl_port){ CT_NL_ORIG_SPORT, 40000 };
		CHECK(run_dump_filter(nl, &pf, &c, &st) == 0);
		CHECK(st.messages == 2 && c.total == 1 && st.entries == 1 &&
		      live_entry_ok(find_entry(&c, AF_INET, IPPROTO_TCP), &tcp));
		/* UDP over IPv6, in zone 7, by its reply source port. */
		pf = (struct ct_nl_filter){ .family = AF_INET6, .proto = IPPROTO_UDP, .nports = 1,
					    .ports = { { CT_NL_REPLY_SPORT, 5353 } } };
		CHECK(run_dump_filter(nl, &pf, &c, &st) == 0);
		CHECK(st.messages == 1 && live_entry_ok(find_entry(&c, AF_INET6, IPPROTO_UDP), &udp));
		pf.ports[0].port = 53;
		CHECK(run_dump_filter(nl, &pf, &c, &st) == 0);
		CHECK(st.messages == 0 && c.total == 0);
		/* A kernel that refuses the ports: one request without them, from
		 * then on; every entry of the family comes (the consumer filters). */
		nl3 = ct_nl_open();
		CHECK(nl3);
		pf = (struct ct_nl_filter){ .family = AF_UNSPEC, .proto = IPPROTO_TCP, .nports = 1,
					    .ports = { { CT_NL_ORIG_DPORT, 80 } } };
		inj.einval_dumps = 1;
		CHECK(run_dump_filter(nl3, &pf, &c, &st) == 0);
		CHECK(inj.einval_dumps == 0 && c.resets == 0 && st.retries == 0);
		CHECK(st.messages == BULK + 3 && c.total == BULK + 3);
		CHECK(run_dump_filter(nl3, &pf, &c, &st) == 0);
		CHECK(st.messages == BULK + 3 && c.total == BULK + 3);
		ct_nl_close(nl3);
	}

	/* The sink stops the dump; its errno comes back; the socket stays usable. */
	c.stop_at = 10;
	c.stop_errno = ECANCELED;
	errno = 0;
	r = run_dump(nl, AF_UNSPEC, &c, &st);
	CHECK(r == -1 && errno == ECANCELED && c.total == 10 && c.resets == 0);
	c.stop_at = 1;
	c.stop_errno = E2BIG;
	r = run_dump(nl, AF_INET6, &c, &st);
	CHECK(r == -1 && errno == E2BIG);
	c.stop_at = 0;
	CHECK(run_dump(nl, AF_UNSPEC, &c, &st) == 0);
	CHECK(c.total == BULK + 3 && c.resets == 0 && st.entries == BULK + 3);

	/* Interrupted dumps restart after a reset, up to the bound, then EINTR. */
	inj.intr_dumps = 3;
	CHECK(run_dump(nl, AF_UNSPEC, &c, &st) == 0);
	CHECK(st.retries == 3 && c.resets == 3 && c.total == BULK + 3);
	CHECK(st.entries == BULK + 3 && st.messages == BULK + 3);
	inj.intr_dumps = 100;
	errno = 0;
	r = run_dump(nl, AF_UNSPEC, &c, &st);
	CHECK(r == -1 && errno == EINTR && st.retries == 8 && c.resets == 8);
	inj.intr_dumps = 0;
	CHECK(run_dump(nl, AF_UNSPEC, &c, &st) == 0);
	CHECK(c.total == BULK + 3 && st.retries == 0 && c.resets == 0);

	/* An overrun grows the buffer, throws the dump's rest away and restarts. */
	inj.nobufs_dumps = 2;
	CHECK(run_dump(nl, AF_UNSPEC, &c, &st) == 0);
	CHECK(st.enobufs == 2 && c.resets == 2 && c.total == BULK + 3 && st.rcvbuf >= (4u << 20));
	inj.nobufs_dumps = 100;
	r = run_dump(nl, AF_INET, &c, &st);
	CHECK(r == -1 && errno == ENOBUFS && st.enobufs == 8);
	inj.nobufs_dumps = 0;
	CHECK(run_dump(nl, AF_UNSPEC, &c, &st) == 0);
	CHECK(c.total == BULK + 3 && st.enobufs == 0 && c.resets == 0);

	/* EBUSY: a stuck earlier dump; one fresh socket, then give up. */
	{
		size_t rcvbuf = st.rcvbuf;

		inj.busy_dumps = 1;
		CHECK(run_dump(nl, AF_UNSPEC, &c, &st) == 0);
		CHECK(c.total == BULK + 3 && st.retries == 1 && c.resets == 1);
		CHECK(st.rcvbuf == rcvbuf);
		inj.busy_dumps = 2;
		r = run_dump(nl, AF_UNSPEC, &c, &st);
		CHECK(r == -1 && errno == EBUSY);
		/*
		 * The fake error cut short a real dump the kernel still runs,
		 * so now the kernel itself says EBUSY, and a fresh socket helps.
		 */
		inj.busy_dumps = 0;
		CHECK(run_dump(nl, AF_UNSPEC, &c, &st) == 0 && c.total == BULK + 3);
		CHECK(st.retries == 1 && c.resets == 1);
		CHECK(run_dump(nl, AF_UNSPEC, &c, &st) == 0 && st.retries == 0);
	}

	/* Without CAP_NET_ADMIN the same socket gets EPERM. */
	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
			_exit(2);
		r = run_dump(nl, AF_UNSPEC, &c, &st);
		_exit(r == -1 && errno == EPERM ? 0 : 3);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);

	ct_nl_close(nl);
	mnl_socket_close(s);
	fprintf(stderr, "live: ctnetlink dump: %u checks passed\n", n_checks);
	_exit(0);
}


/* ---- sock_diag against /proc (own network namespace) ---------------------- */

/* The same checks, named as before. */
#define SK_CHECK(c) CHECK(c)
#define SK_SKIP LIVE_SKIP

/*
 * Fault injection: these stand in for libc's socket() and sendto() (libmnl
 * calls them) to take sock_diag away, all of it or for UDP only, as an old
 * kernel or a missing udp_diag module would.  Disarmed, they pass through.
 */
static struct {
	int no_diag;		/* socket(NETLINK_SOCK_DIAG) fails */
	int no_udp_diag;	/* UDP dumps get an error from the kernel */
	unsigned dumps;		/* sock_diag dump requests sent */
} sk_inj;

int socket(int domain, int type, int protocol)
{
	static int (*real)(int, int, int);

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "socket");
	if (sk_inj.no_diag && domain == AF_NETLINK && protocol == NETLINK_SOCK_DIAG) {
		errno = EPROTONOSUPPORT;
		return -1;
	}
	return real(domain, type, protocol);
}

ssize_t sendto(int fd, const void *buf, size_t len, int flags,
	       const struct sockaddr *to, socklen_t tolen)
{
	static ssize_t (*real)(int, const void *, size_t, int, const struct sockaddr *, socklen_t);
	struct {
		struct nlmsghdr nlh;
		struct inet_diag_req_v2 r;
	} req;

	if (!real)
		*(void **)&real = dlsym(RTLD_NEXT, "sendto");
	if (len != sizeof req)
		return real(fd, buf, len, flags, to, tolen);
	memcpy(&req, buf, sizeof req);
	if (req.nlh.nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return real(fd, buf, len, flags, to, tolen);
	sk_inj.dumps++;
	if (!sk_inj.no_udp_diag || req.r.sdiag_protocol != IPPROTO_UDP)
		return real(fd, buf, len, flags, to, tolen);
	/* A family no handler has: the kernel answers EINVAL. */
	req.r.sdiag_family = 200;
	return real(fd, &req, sizeof req, flags, to, tolen);
}

/* A socket of type on addr (port 0: any), listening for TCP; returns its port. */
static uint16_t sk_open(int family, int type, const char *addr, int v6only, int *fdp)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd = socket(family, type | SOCK_CLOEXEC, 0), one = 1;

	SK_CHECK(fd >= 0);
	memset(&ss, 0, sizeof ss);
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		SK_CHECK(inet_pton(AF_INET, addr, &sin->sin_addr) == 1);
		sl = sizeof *sin;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		SK_CHECK(inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1);
		sl = sizeof *sin6;
		SK_CHECK(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, sizeof v6only) == 0);
	}
	SK_CHECK(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
	SK_CHECK(bind(fd, (struct sockaddr *)&ss, sl) == 0);
	if (type == SOCK_STREAM && v6only >= 0)
		SK_CHECK(listen(fd, 4) == 0);
	sl = sizeof ss;
	SK_CHECK(getsockname(fd, (struct sockaddr *)&ss, &sl) == 0);
	*fdp = fd;
	return ntohs(family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
		     ((struct sockaddr_in6 *)&ss)->sin6_port);
}

static void sk_connect(int fd, int family, const char *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	memset(&ss, 0, sizeof ss);
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		SK_CHECK(inet_pton(AF_INET, addr, &sin->sin_addr) == 1);
		sl = sizeof *sin;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		SK_CHECK(inet_pton(AF_INET6, addr, &sin6->sin6_addr) == 1);
		sl = sizeof *sin6;
	}
	SK_CHECK(connect(fd, (struct sockaddr *)&ss, sl) == 0);
}

static int same_listeners(const struct host_info *a, const struct host_info *b)
{
	if (a->nls != b->nls)
		return 0;
	for (size_t i = 0; i < a->nls; i++) {
		const struct host_listener *x = &a->ls[i], *y = &b->ls[i];

		if (x->proto != y->proto || x->port != y->port || x->family != y->family ||
		    x->any != y->any || memcmp(x->a.b, y->a.b, sizeof x->a.b) != 0)
			return 0;
	}
	return 1;
}

/* Both ways into d and p; a busy namespace may change between reads. */
static void sk_load_both(struct host_info *d, struct host_info *p, int tries)
{
	for (int i = 0; i < tries; i++) {
		host_fini(d);
		host_fini(p);
		SK_CHECK(host_load_listeners_diag(d) == 0);
		SK_CHECK(host_load_listeners_proc(p) == 0);
		host_finish(d);
		host_finish(p);
		if (same_listeners(d, p))
			return;
		usleep(20000);
	}
	SK_CHECK(!"sock_diag and /proc/net disagree");
}

static void sockets_child(void)
{
	struct ct_addr lo4 = addr("127.0.0.1"), other4 = addr("10.9.9.9");
	struct ct_addr lo6 = addr("::1"), other6 = addr("fd00::9");
	struct host_info d, p, f;
	struct ifreq ifr;
	int own_ns = 0, v6, fd, tries = 1, ctl;
	uint16_t t4, t6dual = 0, t6only = 0, t6lo = 0, t6mapped = 0, tbound, tcli;
	uint16_t u4, u6 = 0, u4any, u4conn, u6conn = 0;

	host_init(&d);
	host_init(&p);
	host_init(&f);
	if (unshare(CLONE_NEWNET) == 0) {
		/* A fresh namespace: its lo is down and has no address yet. */
		own_ns = 1;
		ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		SK_CHECK(ctl >= 0);
		memset(&ifr, 0, sizeof ifr);
		strcpy(ifr.ifr_name, "lo");
		SK_CHECK(ioctl(ctl, SIOCGIFFLAGS, &ifr) == 0);
		ifr.ifr_flags |= IFF_UP;
		SK_CHECK(ioctl(ctl, SIOCSIFFLAGS, &ifr) == 0);
		close(ctl);
	} else {
		/* Not root: this namespace, whose other sockets may come and go. */
		tries = 10;
	}
	if (host_load_listeners_diag(&d) < 0) {
		fprintf(stderr, "sockets: no sock_diag here: %s\n", strerror(errno));
		_exit(SK_SKIP);
	}
	host_fini(&d);
	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	v6 = fd >= 0;
	if (fd >= 0)
		close(fd);

	t4 = sk_open(AF_INET, SOCK_STREAM, "127.0.0.1", 0, &fd);
	tcli = sk_open(AF_INET, SOCK_STREAM, "127.0.0.1", -1, &fd);
	sk_connect(fd, AF_INET, "127.0.0.1", t4);		/* ESTABLISHED, both ends */
	tbound = sk_open(AF_INET, SOCK_STREAM, "127.0.0.1", -1, &fd);	/* bound only */
	u4 = sk_open(AF_INET, SOCK_DGRAM, "127.0.0.1", 0, &fd);
	u4any = sk_open(AF_INET, SOCK_DGRAM, "0.0.0.0", 0, &fd);
	u4conn = sk_open(AF_INET, SOCK_DGRAM, "127.0.0.1", 0, &fd);
	sk_connect(fd, AF_INET, "127.0.0.1", u4);
	if (v6) {
		t6dual = sk_open(AF_INET6, SOCK_STREAM, "::", 0, &fd);
		t6only = sk_open(AF_INET6, SOCK_STREAM, "::", 1, &fd);
		t6lo = sk_open(AF_INET6, SOCK_STREAM, "::1", 1, &fd);
		t6mapped = sk_open(AF_INET6, SOCK_STREAM, "::ffff:127.0.0.1", 0, &fd);
		u6 = sk_open(AF_INET6, SOCK_DGRAM, "::", 0, &fd);
		u6conn = sk_open(AF_INET6, SOCK_DGRAM, "::1", 1, &fd);
		sk_connect(fd, AF_INET6, "::1", u6);
	}

	sk_load_both(&d, &p, tries);
	/* What main() uses, fallback included, finds the same. */
	SK_CHECK(host_load_listeners(&f) == 0);
	host_finish(&f);
	SK_CHECK(same_listeners(&d, &f) || !own_ns);

	SK_CHECK(host_is_listener(&d, IPPROTO_TCP, AF_INET, &lo4, t4));
	SK_CHECK(!host_is_listener(&d, IPPROTO_TCP, AF_INET, &other4, t4));
	SK_CHECK(!host_is_listener(&d, IPPROTO_UDP, AF_INET, &lo4, t4));
	SK_CHECK(!host_is_listener(&d, IPPROTO_TCP, AF_INET, &lo4, tcli));
	SK_CHECK(!host_is_listener(&d, IPPROTO_TCP, AF_INET, &lo4, tbound));
	SK_CHECK(host_is_listener(&d, IPPROTO_UDP, AF_INET, &lo4, u4));
	SK_CHECK(!host_is_listener(&d, IPPROTO_UDP, AF_INET, &other4, u4));
	SK_CHECK(host_is_listener(&d, IPPROTO_UDP, AF_INET, &other4, u4any));
	SK_CHECK(!host_is_listener(&d, IPPROTO_UDP, AF_INET6, &lo6, u4any));
	SK_CHECK(!host_is_listener(&d, IPPROTO_UDP, AF_INET, &lo4, u4conn));
	if (v6) {
		SK_CHECK(host_is_listener(&d, IPPROTO_TCP, AF_INET, &other4, t6dual));
		SK_CHECK(host_is_listener(&d, IPPROTO_TCP, AF_INET6, &other6, t6dual));
		/* /proc cannot tell IPV6_V6ONLY apart, so "::" counts for IPv4 too. */
		SK_CHECK(host_is_listener(&d, IPPROTO_TCP, AF_INET, &lo4, t6only));
		SK_CHECK(host_is_listener(&d, IPPROTO_TCP, AF_INET6, &lo6, t6lo));
		SK_CHECK(!host_is_listener(&d, IPPROTO_TCP, AF_INET6, &other6, t6lo));
		SK_CHECK(!host_is_listener(&d, IPPROTO_TCP, AF_INET, &lo4, t6lo));
		SK_CHECK(host_is_listener(&d, IPPROTO_TCP, AF_INET, &lo4, t6mapped));
		SK_CHECK(!host_is_listener(&d, IPPROTO_TCP, AF_INET, &other4, t6mapped));
		SK_CHECK(host_is_listener(&d, IPPROTO_UDP, AF_INET, &lo4, u6));
		SK_CHECK(host_is_listener(&d, IPPROTO_UDP, AF_INET6, &lo6, u6));
		SK_CHECK(!host_is_listener(&d, IPPROTO_UDP, AF_INET6, &lo6, u6conn));
	}
	if (own_ns)
		SK_CHECK(d.nls == (v6 ? 8u : 3u));

	/* Without sock_diag, or without its UDP part, /proc fills in. */
	if (own_ns) {
		unsigned ntcp = 0;

		sk_inj.no_diag = 1;
		sk_inj.dumps = 0;
		host_fini(&f);
		SK_CHECK(host_load_listeners_diag(&f) == -1 && errno == EPROTONOSUPPORT);
		SK_CHECK(host_load_listeners(&f) == 0);
		host_finish(&f);
		SK_CHECK(same_listeners(&p, &f) && sk_inj.dumps == 0);
		sk_inj.no_diag = 0;

		sk_inj.no_udp_diag = 1;
		host_fini(&f);
		SK_CHECK(host_load_listeners(&f) == 0);
		host_finish(&f);
		SK_CHECK(same_listeners(&p, &f) && sk_inj.dumps == 3);
		host_fini(&f);
		/* The TCP tables came through before the UDP dump failed. */
		SK_CHECK(host_load_listeners_diag(&f) == -1 && errno == EINVAL);
		for (size_t i = 0; i < f.nls; i++)
			ntcp += f.ls[i].proto == IPPROTO_TCP;
		SK_CHECK(ntcp == f.nls && ntcp == (v6 ? 5u : 1u));
		sk_inj.no_udp_diag = 0;
	}
	host_fini(&d);
	host_fini(&p);
	host_fini(&f);
	fprintf(stderr, "live: sock_diag listeners: %u checks passed\n", n_checks);
	_exit(0);
}

/* ---- DESTROY events (own network namespace) -------------------------------- */

static void ev_lo_up(void)
{
	struct ifreq ifr;
	int ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	CHECK(ctl >= 0);
	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "lo");
	CHECK(ioctl(ctl, SIOCGIFFLAGS, &ifr) == 0);
	ifr.ifr_flags |= IFF_UP;
	CHECK(ioctl(ctl, SIOCSIFFLAGS, &ifr) == 0);
	close(ctl);
}

/* A per-namespace nf_conntrack sysctl; a missing one skips the case. */
static void ev_sysctl(const char *name, const char *val)
{
	char path[128];
	int fd;

	snprintf(path, sizeof path, "/proc/sys/net/netfilter/%s", name);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || write(fd, val, strlen(val)) != (ssize_t)strlen(val)) {
		fprintf(stderr, "events: cannot set %s: %s\n", name, strerror(errno));
		_exit(LIVE_SKIP);
	}
	close(fd);
}

/* Asks ctnetlink to delete every entry of this namespace (conntrack -F). */
static int ev_flush(struct mnl_socket *s, uint32_t seq)
{
	union msgbuf mb;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(mb.b);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof *nfg);
	nfg->nfgen_family = AF_UNSPEC;
	nfg->version = NFNETLINK_V0;
	return send_and_ack(s, mb.b, nlh->nlmsg_len, 1);
}

struct ev_collect {
	struct ct_entry e[16];	/* the first ones */
	unsigned n;
	unsigned destroyed;	/* with CT_F_EVENT | CT_F_DESTROYED and an id */
};

static int ev_collect_add(const struct ct_entry *e, void *arg)
{
	struct ev_collect *c = arg;

	if (c->n < sizeof c->e / sizeof c->e[0])
		c->e[c->n] = *e;
	c->n++;
	if ((e->flags & (CT_F_EVENT | CT_F_DESTROYED | CT_F_ID)) ==
	    (CT_F_EVENT | CT_F_DESTROYED | CT_F_ID))
		c->destroyed++;
	return 0;
}

/* Waits (10 s at most) until received + lost reaches want, then 100 ms more for strays. */
static void ev_wait(struct ct_events *ev, uint64_t want, struct ct_events_stats *st)
{
	struct timespec ms = { 0, 1000 * 1000 };

	for (int t = 0; t < 10000; t++) {
		ct_events_stats(ev, st);
		if (st->received + st->lost >= want)
			break;
		nanosleep(&ms, NULL);
	}
	ms.tv_nsec = 100 * 1000 * 1000;
	nanosleep(&ms, NULL);
	ct_events_stats(ev, st);
}

static double ev_now(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint16_t ev_udp_socket(int *fd)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t sl = sizeof sa;

	*fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	CHECK(*fd >= 0);
	CHECK(bind(*fd, (struct sockaddr *)&sa, sizeof sa) == 0);
	CHECK(getsockname(*fd, (struct sockaddr *)&sa, &sl) == 0);
	return ntohs(sa.sin_port);
}

/*
 * A UDP exchange on lo, then a flush: its DESTROY event arrives with the
 * final counters (nf_conntrack_acct=1) and the start time
 * (nf_conntrack_timestamp=1), read by the thread after sandbox_enter().
 */
static void events_child(void)
{
	static const char rules[] =
		"table inet t {\n"
		" chain i { type filter hook input priority 0; ct state established accept; }\n"
		" chain o { type filter hook output priority 0; ct state established accept; }\n"
		"}\n";
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	char buf[256], err[256];
	struct ev_collect c = { .n = 0 };
	struct ct_events_stats st;
	const struct ct_entry *e = NULL;
	struct ct_events *ev;
	struct mnl_socket *s;
	uint16_t pa, pb;
	int a, b, r;
	double t0, t;
	FILE *nft;

	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "events: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		_exit(LIVE_SKIP);
	}
	ev_lo_up();
	ev_sysctl("nf_conntrack_acct", "1");
	ev_sysctl("nf_conntrack_timestamp", "1");
	/* A fresh namespace tracks nothing until a ruleset uses conntrack. */
	fflush(NULL);
	nft = popen("nft -f - >&2", "w");
	if (!nft || fputs(rules, nft) < 0 || pclose(nft) != 0) {
		fprintf(stderr, "events: nft could not load a ruleset\n");
		_exit(LIVE_SKIP);
	}
	s = mnl_socket_open(NETLINK_NETFILTER);
	CHECK(s && mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) == 0);

	ev = ct_events_open(0);
	if (!ev) {
		fprintf(stderr, "events: ct_events_open: %s\n", strerror(errno));
		_exit(errno == EPERM ? 1 : LIVE_SKIP);
	}
	ct_events_stats(ev, &st);
	/* SO_RCVBUFFORCE as root: past rmem_max, doubled by the kernel. */
	CHECK(st.rcvbuf >= CT_EVENTS_RCVBUF_DEFAULT);
	CHECK(st.received == 0 && st.lost == 0 && st.queued == 0);
	pa = ev_udp_socket(&a);
	pb = ev_udp_socket(&b);

	/* Joining the group needs CAP_NET_ADMIN. */
	{
		pid_t pid;
		int status;

		fflush(NULL);
		pid = fork();
		CHECK(pid >= 0);
		if (pid == 0) {
			if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
				_exit(2);
			errno = 0;
			_exit(!ct_events_open(0) && errno == EPERM ? 0 : 3);
		}
		CHECK(waitpid(pid, &status, 0) == pid);
		CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}

	/* From here on, only what the monitor may do after its sandbox. */
	r = sandbox_enter(SANDBOX_NETLINK, err, sizeof err);
	if (r < 0)
		fprintf(stderr, "events: %s\n", err);
	CHECK(r >= 0);
	CHECK(ct_events_start(ev) == 0);
	t0 = ev_now(CLOCK_REALTIME);

	memset(buf, 'x', sizeof buf);
	to.sin_port = htons(pa);
	CHECK(sendto(b, buf, 100, 0, (struct sockaddr *)&to, sizeof to) == 100);
	CHECK(recv(a, buf, sizeof buf, 0) == 100);
	to.sin_port = htons(pb);
	CHECK(sendto(a, buf, 50, 0, (struct sockaddr *)&to, sizeof to) == 50);
	CHECK(recv(b, buf, sizeof buf, 0) == 50);
	CHECK(ev_flush(s, 7) == 0);

	ev_wait(ev, 1, &st);
	CHECK(st.received == 1 && st.lost == 0 && st.bad_msgs == 0 && st.overruns == 0);
	CHECK(st.queued == 1);
	CHECK(ct_events_drain(ev, &(struct ct_sink){ ev_collect_add, NULL, &c }) == 1);
	CHECK(c.n == 1 && c.destroyed == 1);
	e = &c.e[0];
	CHECK(e->family == AF_INET && e->proto == IPPROTO_UDP);
	CHECK(e->orig.sport == pb && e->orig.dport == pa);
	CHECK(e->reply.sport == pa && e->reply.dport == pb);
	/* Layer-3 bytes: 20 (IP) + 8 (UDP) + payload. */
	CHECK(e->flags & CT_F_COUNTERS);
	CHECK(e->orig.packets == 1 && e->orig.bytes == 128);
	CHECK(e->reply.packets == 1 && e->reply.bytes == 78);
	CHECK(e->flags & CT_F_TSTAMP);
	CHECK((double)e->start_ns / 1e9 > t0 - 5 && (double)e->start_ns / 1e9 < ev_now(CLOCK_REALTIME) + 1);
	CHECK(e->zone == 0 && !(e->flags & (CT_F_ZONE_ORIG | CT_F_ZONE_REPLY)));
	CHECK(ct_events_drain(ev, &(struct ct_sink){ ev_collect_add, NULL, &c }) == 0);

	t = ev_now(CLOCK_MONOTONIC);
	ct_events_close(ev);
	CHECK(ev_now(CLOCK_MONOTONIC) - t < 1.0);
	mnl_socket_close(s);
	fprintf(stderr, "live: DESTROY events: %u checks passed\n", n_checks);
	_exit(0);
}

/*
 * A receive buffer of 4096 bytes asked (the kernel doubles it) and BULK
 * entries destroyed by one flush before the reader starts: most events are
 * dropped, and the kernel's drop count says exactly how many.  Then again
 * with the reader running.  Every destroyed entry is received or counted
 * lost, never both: the kernel tries each event once (no reliable delivery)
 * and counts each one it drops.
 */
static void events_loss_child(void)
{
	struct ev_collect c = { .n = 0 };
	struct ct_events_stats st;
	struct ct_events *ev;
	struct mnl_socket *s;
	char err[256];
	unsigned before;
	int r;

	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "events: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		_exit(LIVE_SKIP);
	}
	s = mnl_socket_open(NETLINK_NETFILTER);
	CHECK(s && mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) == 0);
	/* Subscribed first: with nf_conntrack_events=2 only entries created
	 * while a listener exists announce their end. */
	ev = ct_events_open(4096);
	if (!ev) {
		fprintf(stderr, "events: ct_events_open: %s\n", strerror(errno));
		_exit(errno == EPERM ? 1 : LIVE_SKIP);
	}
	ct_events_stats(ev, &st);
	CHECK(st.rcvbuf >= 4096 && st.rcvbuf <= 16384);
	if (create_bulk(s) < 0) {
		fprintf(stderr, "events: ctnetlink create: %s\n", strerror(errno));
		_exit(LIVE_SKIP);
	}
	CHECK(ev_flush(s, 1) == 0);

	r = sandbox_enter(SANDBOX_NETLINK, err, sizeof err);
	if (r < 0)
		fprintf(stderr, "events: %s\n", err);
	CHECK(r >= 0);
	CHECK(ct_events_start(ev) == 0);
	ev_wait(ev, BULK, &st);
	fprintf(stderr, "events: burst before the reader: %llu received, %llu lost, %llu overruns\n",
		(unsigned long long)st.received, (unsigned long long)st.lost,
		(unsigned long long)st.overruns);
	CHECK(st.received + st.lost == BULK);
	CHECK(st.received > 0 && st.lost > 0 && st.overruns >= 1 && st.bad_msgs == 0);
	CHECK(ct_events_drain(ev, &(struct ct_sink){ ev_collect_add, NULL, &c }) == st.received);
	CHECK(c.n == st.received && c.destroyed == c.n);
	CHECK(c.e[0].proto == IPPROTO_TCP && c.e[0].orig.dport == 8080);

	/* The same with the reader running: whatever it keeps up with. */
	CHECK(create_bulk(s) == 0);
	CHECK(ev_flush(s, 2) == 0);
	ev_wait(ev, 2 * BULK, &st);
	fprintf(stderr, "events: burst with the reader: %llu received, %llu lost in all\n",
		(unsigned long long)st.received, (unsigned long long)st.lost);
	CHECK(st.received + st.lost == 2 * BULK);
	before = c.n;
	CHECK(ct_events_drain(ev, &(struct ct_sink){ ev_collect_add, NULL, &c }) == st.received - before);
	CHECK(c.n == st.received && c.destroyed == c.n);
	ct_events_close(ev);
	mnl_socket_close(s);
	fprintf(stderr, "live: DESTROY event loss: %u checks passed\n", n_checks);
	_exit(0);
}

/* Runs fn in a child; prints its result line; returns 1 if it failed. */
/* ---- GET requests for single connections (own network namespace) ------- */

struct gather {
	struct ct_entry *e;
	size_t n, cap;
};

static int gather_add(const struct ct_entry *e, void *arg)
{
	struct gather *g = arg;

	if (g->n < g->cap)
		g->e[g->n++] = *e;
	return 0;
}

static void gather_reset(void *arg)
{
	((struct gather *)arg)->n = 0;
}

static void get_child(void)
{
	static struct ct_entry dumped[BULK + 8], asked[BULK + 16], got[BULK + 16];
	struct gather d = { dumped, 0, BULK + 8 }, g = { got, 0, BULK + 16 };
	struct ct_sink dsink = { gather_add, gather_reset, &d };
	struct ct_sink gsink = { gather_add, NULL, &g };
	struct mspec tcp = v4_tcp, udp = v6_udp;
	struct ct_nl_filter all = { 0 };
	struct ct_nl_stats st;
	struct mnl_socket *s;
	struct ct_nl *nl;
	size_t found, n = 0, ok = 1;
	pid_t pid;
	int fd, status;

	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "live: unshare(CLONE_NEWNET): %s\n", strerror(errno));
		_exit(LIVE_SKIP);
	}
	fd = open("/proc/sys/net/netfilter/nf_conntrack_acct", O_WRONLY);
	if (fd < 0 || write(fd, "1", 1) != 1)
		_exit(LIVE_SKIP);
	close(fd);
	s = mnl_socket_open(NETLINK_NETFILTER);
	CHECK(s && mnl_socket_bind(s, 0, MNL_SOCKET_AUTOPID) == 0);
	tcp.status = CT_STATUS_ASSURED | CT_STATUS_SEEN_REPLY | CONFIRMED;
	tcp.timeout = 100;
	tcp.zone = 0;
	udp.zone = 7;
	udp.status = CONFIRMED;
	udp.timeout = 50;
	if (create_entry(s, &tcp, 1) < 0)
		_exit(LIVE_SKIP);
	CHECK(create_entry(s, &udp, 2) == 0);
	CHECK(create_bulk(s) == 0);
	nl = ct_nl_open();
	CHECK(nl);
	CHECK(ct_nl_dump(nl, &all, &dsink, &st) == 0 && d.n == BULK + 2);

	/* Every entry asked again, and between them some that do not exist. */
	for (size_t i = 0; i < d.n; i++) {
		asked[n++] = dumped[i];
		if (i % 1000 == 0) {
			asked[n] = dumped[i];
			asked[n].orig.sport ^= 0x4000;	/* no such connection */
			n++;
		}
	}
	CHECK(ct_nl_get(nl, asked, n, &gsink, &found) == 0);
	CHECK(found == d.n && g.n == d.n);
	/* In the order asked, each the same connection with the same counters. */
	for (size_t i = 0; i < d.n && i < g.n; i++)
		if (got[i].id != dumped[i].id || got[i].zone != dumped[i].zone ||
		    got[i].orig.sport != dumped[i].orig.sport ||
		    got[i].orig.bytes != dumped[i].orig.bytes ||
		    got[i].reply.packets != dumped[i].reply.packets)
			ok = 0;
	CHECK(ok);
	/* The zone matters: the UDP entry lives in zone 7 only. */
	for (size_t i = 0; i < d.n; i++)
		if (dumped[i].family == AF_INET6) {
			struct ct_entry other = dumped[i];

			other.zone = 0;
			g.n = 0;
			CHECK(ct_nl_get(nl, &other, 1, &gsink, &found) == 0 && found == 0);
			CHECK(ct_nl_get(nl, &dumped[i], 1, &gsink, &found) == 0 && found == 1);
			CHECK(g.n == 1 && got[0].zone == 7);
		}
	/* The socket still dumps cleanly afterwards. */
	d.n = 0;
	CHECK(ct_nl_dump(nl, &all, &dsink, &st) == 0 && d.n == BULK + 2);

	/* Without CAP_NET_ADMIN: EPERM. */
	fflush(NULL);
	pid = fork();
	CHECK(pid >= 0);
	if (pid == 0) {
		int r;

		if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0)
			_exit(2);
		r = ct_nl_get(nl, asked, 3, &gsink, &found);
		_exit(r == -1 && errno == EPERM ? 0 : 3);
	}
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ct_nl_close(nl);
	mnl_socket_close(s);
	fprintf(stderr, "live: ctnetlink get: %u checks passed\n", n_checks);
	_exit(0);
}

static int run_case(const char *name, void (*fn)(void))
{
	pid_t pid;
	int status;

	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		printf("FAIL %s: fork: %s\n", name, strerror(errno));
		return 1;
	}
	if (pid == 0)
		fn();
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) {
		printf("FAIL %s: the child died\n", name);
		return 1;
	}
	if (WEXITSTATUS(status) == LIVE_SKIP) {
		printf("skip %s: no usable network namespace, ctnetlink or sock_diag "
		       "(see the message above)\n", name);
		return 0;
	}
	if (WEXITSTATUS(status) != 0) {
		printf("FAIL %s: exit status %d (see the message above)\n", name,
		       WEXITSTATUS(status));
		return 1;
	}
	printf("ok %s\n", name);
	return 0;
}

int main(void)
{
	int failed = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (geteuid() != 0) {
		printf("skip live: needs root (CAP_SYS_ADMIN for unshare, "
		       "CAP_NET_ADMIN for ctnetlink)\n");
		return 0;
	}
	failed |= run_case("live: ctnetlink dump of created entries, with restarts and errors",
			   live_child);
	failed |= run_case("live: sock_diag listeners match /proc/net, with fallbacks",
			   sockets_child);
	failed |= run_case("live: ctnetlink GET of single connections, in order, by zone",
			   get_child);
	failed |= run_case("live: DESTROY events of real traffic, with final counters, sandboxed",
			   events_child);
	failed |= run_case("live: DESTROY events lost to a tiny buffer are counted exactly",
			   events_loss_child);
	return failed;
}
