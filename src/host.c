/* host.c - local addresses, listening sockets, conntrack sysctls. */
#include "host.h"

#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>

#include "lsct.h"
#include "socks.h"
#include "util.h"

void host_init(struct host_info *h)
{
	memset(h, 0, sizeof *h);
}

void host_fini(struct host_info *h)
{
	free(h->addrs);
	free(h->nets);
	free(h->bcast);
	free(h->ls);
	host_init(h);
}

void host_add_addr(struct host_info *h, int family, const struct ct_addr *a)
{
	struct host_addr *x;

	if (h->naddrs == h->addrs_cap) {
		h->addrs_cap = h->addrs_cap ? h->addrs_cap * 2 : 16;
		h->addrs = xrealloc(h->addrs, h->addrs_cap * sizeof *h->addrs);
	}
	x = &h->addrs[h->naddrs++];
	memset(x, 0, sizeof *x);
	x->family = (uint8_t)family;
	x->a = *a;
}

/*
 * The first len bytes of an argument for an error message, bytes outside
 * printable ASCII as \\xNN (fmt_escape()'s form; fmt is a layer above this
 * one).  out holds 4 * len + 1 bytes.
 */
static void escape_arg(const char *s, size_t len, char *out)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f) {
			*out++ = (char)c;
			continue;
		}
		*out++ = '\\';
		*out++ = 'x';
		*out++ = hex[c >> 4];
		*out++ = hex[c & 15];
	}
	*out = '\0';
}

void host_add_net(struct host_info *h, int family, const struct ct_addr *net, unsigned len)
{
	struct host_net *n;

	if (h->nnets == h->nets_cap) {
		h->nets_cap = h->nets_cap ? h->nets_cap * 2 : 8;
		h->nets = xrealloc(h->nets, h->nets_cap * sizeof *h->nets);
	}
	n = &h->nets[h->nnets++];
	memset(n, 0, sizeof *n);
	n->family = (uint8_t)family;
	n->len = (uint8_t)len;
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = len > i * 8 ? len - i * 8 : 0;

		n->mask.b[i] = bits >= 8 ? 0xff : (uint8_t)(0xff00u >> bits);
		n->net.b[i] = net->b[i] & n->mask.b[i];
	}
}

void host_add_broadcast(struct host_info *h, int family, const struct ct_addr *a)
{
	struct host_addr *x;

	if (h->nbcast == h->bcast_cap) {
		h->bcast_cap = h->bcast_cap ? h->bcast_cap * 2 : 8;
		h->bcast = xrealloc(h->bcast, h->bcast_cap * sizeof *h->bcast);
	}
	x = &h->bcast[h->nbcast++];
	memset(x, 0, sizeof *x);
	x->family = (uint8_t)family;
	x->a = *a;
}

/* The address of one --local item; "[v6]" is accepted as our output writes it. */
static int parse_item_addr(const char *p, size_t len, struct ct_addr *a)
{
	if (len >= 2 && p[0] == '[' && p[len - 1] == ']')
		return ct_addr_parse(p + 1, len - 2, a);
	return ct_addr_parse(p, len, a);
}

/* One --local item: "ADDR" or "ADDR/LEN".  -1 with the reason in err. */
static int parse_item(struct host_info *h, const char *p, size_t len, char *err, size_t errlen)
{
	const char *slash = memchr(p, '/', len);
	size_t alen = slash ? (size_t)(slash - p) : len;
	char shown[4 * 60 + 1];
	struct ct_addr a, net;
	unsigned plen = 0, max;
	uint64_t v;
	int fam;

	escape_arg(p, len > 60 ? 60 : len, shown);
	fam = parse_item_addr(p, alen, &a);
	if (fam < 0) {
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address%s", shown,
			 slash ? " or network" : "");
		return -1;
	}
	if (!slash) {
		host_add_addr(h, fam, &a);
		return 0;
	}
	max = fam == AF_INET ? 32 : 128;
	if (parse_u64(slash + 1, len - alen - 1, max, &v) < 0 || len - alen - 1 > 3) {
		snprintf(err, errlen, "'%s': the prefix length must be 0 to %u", shown, max);
		return -1;
	}
	plen = (unsigned)v;
	host_add_net(h, fam, &a, plen);
	net = h->nets[h->nnets - 1].net;
	if (!ct_addr_equal(&net, &a)) {
		char nbuf[48];

		h->nnets--;
		snprintf(err, errlen, "'%s' has host bits set: give the network (%s/%u) or the "
			 "address alone", shown, ct_addr_str(fam, &net, nbuf, sizeof nbuf), plen);
		return -1;
	}
	return 0;
}

int host_parse_addrs(struct host_info *h, const char *text, char *err, size_t errlen)
{
	const char *p = text;

	for (;;) {
		const char *comma = strchr(p, ',');
		size_t len = comma ? (size_t)(comma - p) : strlen(p);

		if (parse_item(h, p, len, err, errlen) < 0)
			return -1;
		if (!comma)
			return 0;
		p = comma + 1;
	}
}

int host_load_addrs(struct host_info *h)
{
	struct ifaddrs *ifa, *i;

	if (getifaddrs(&ifa) < 0)
		return -1;
	for (i = ifa; i; i = i->ifa_next) {
		struct ct_addr a;

		if (!i->ifa_addr)
			continue;
		memset(&a, 0, sizeof a);
		if (i->ifa_addr->sa_family == AF_INET) {
			memcpy(a.b, &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr, 4);
			host_add_addr(h, AF_INET, &a);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			memcpy(a.b, &((struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr, 16);
			host_add_addr(h, AF_INET6, &a);
		}
		/*
		 * IFA_BROADCAST: the subnet's broadcast, received but not ours.
		 * Without one (an address added without "brd"), glibc fills
		 * ifa_broadaddr with the address itself: that is no broadcast
		 * (a DNAT from it to elsewhere would pass for one).
		 */
		if (i->ifa_addr->sa_family == AF_INET && (i->ifa_flags & IFF_BROADCAST) &&
		    i->ifa_broadaddr && i->ifa_broadaddr->sa_family == AF_INET) {
			struct ct_addr own = a;

			memset(&a, 0, sizeof a);
			memcpy(a.b, &((struct sockaddr_in *)(void *)i->ifa_broadaddr)->sin_addr, 4);
			if ((a.b[0] | a.b[1] | a.b[2] | a.b[3]) && !ct_addr_equal(&a, &own))
				host_add_broadcast(h, AF_INET, &a);
		}
	}
	freeifaddrs(ifa);
	return 0;
}

void host_add_listener(struct host_info *h, int proto, int family,
		       const struct ct_addr *a, uint16_t port)
{
	struct host_listener *l;

	if (h->nls == h->ls_cap) {
		h->ls_cap = h->ls_cap ? h->ls_cap * 2 : 64;
		h->ls = xrealloc(h->ls, h->ls_cap * sizeof *h->ls);
	}
	l = &h->ls[h->nls++];
	memset(l, 0, sizeof *l);
	l->proto = (uint8_t)proto;
	l->port = port;
	l->family = (uint8_t)family;
	l->any = a == NULL;
	if (a)
		l->a = *a;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Reads n hex digits as a number; -1 on a bad digit. */
static int64_t hexnum(const char *s, size_t n)
{
	int64_t v = 0;

	for (size_t i = 0; i < n; i++) {
		int d = hexval((unsigned char)s[i]);

		if (d < 0)
			return -1;
		v = v * 16 + d;
	}
	return v;
}

/*
 * The kernel's socket states (include/net/tcp_states.h) as /proc/net prints
 * them and sock_diag reports them; an unconnected UDP socket is TCP_CLOSE.
 */
#define SK_STATE_CLOSE	7
#define SK_STATE_LISTEN	10

/*
 * One socket of family, whichever way it was read: a is its bound address,
 * ra its peer's (IPv4 in the first 4 bytes, the rest zero).  Listeners are
 * TCP sockets in LISTEN and UDP sockets in TCP_CLOSE without a peer.
 */
static void add_socket(struct host_info *h, int proto, int family, int64_t state,
		       const struct ct_addr *a, const struct ct_addr *ra, uint16_t port)
{
	int wildcard = 1, rwild = 1;

	for (size_t i = 0; i < 16; i++) {
		wildcard &= a->b[i] == 0;
		rwild &= ra->b[i] == 0;
	}
	if (proto == IPPROTO_TCP && state != SK_STATE_LISTEN)
		return;
	if (proto == IPPROTO_UDP && (state != SK_STATE_CLOSE || !rwild))
		return;
	if (wildcard) {
		/*
		 * "::" on a dual-stack socket also accepts IPv4.  Neither
		 * source tells IPV6_V6ONLY sockets apart, so "::" always counts
		 * for both.
		 */
		host_add_listener(h, proto, family == AF_INET6 ? 0 : AF_INET, NULL, port);
		return;
	}
	if (family == AF_INET6 && memcmp(a->b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12) == 0) {
		struct ct_addr v4;

		memset(&v4, 0, sizeof v4);
		memcpy(v4.b, a->b + 12, 4);
		host_add_listener(h, proto, AF_INET, &v4, port);
		return;
	}
	host_add_listener(h, proto, family, a, port);
}

/*
 * One line of /proc/net/tcp: "  0: 0100007F:0CEA 00000000:0000 0A ...".
 * The kernel prints each 32-bit word of the address as a native-endian
 * number, so the bytes go back through a uint32_t in host order.
 */
static void parse_socket_line(struct host_info *h, const char *line, int proto, int family)
{
	size_t alen = family == AF_INET ? 8 : 32;
	const char *p = strchr(line, ':');
	struct ct_addr a, ra;
	int64_t port = 0, st, pv;

	if (!p)
		return;
	p++;
	while (*p == ' ')
		p++;
	memset(&a, 0, sizeof a);
	memset(&ra, 0, sizeof ra);
	for (int pass = 0; pass < 2; pass++) {
		struct ct_addr *dst = pass ? &ra : &a;

		for (size_t w = 0; w < alen / 8; w++) {
			int64_t v = hexnum(p + w * 8, 8);
			uint32_t u;

			if (v < 0)
				return;
			u = (uint32_t)v;
			memcpy(dst->b + w * 4, &u, 4);
		}
		if (p[alen] != ':')
			return;
		/*
		 * hexnum() stops at the first byte that is not a digit, the
		 * NUL included, so nothing past a line cut short (at the
		 * 511-byte limit) is read.
		 */
		pv = hexnum(p + alen + 1, 4);
		if (pv < 0 || p[alen + 5] != ' ')
			return;
		if (pass == 0)
			port = pv;
		p += alen + 6;
		while (*p == ' ')
			p++;
	}
	st = hexnum(p, 2);
	add_socket(h, proto, family, st, &a, &ra, (uint16_t)port);
}

int host_read_proc_sockets(struct host_info *h, int fd, int proto, int family)
{
	char buf[65536], line[512];
	size_t ll = 0;
	int first = 1;

	for (;;) {
		ssize_t n = read(fd, buf, sizeof buf);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (ll < sizeof line - 1)
					line[ll++] = buf[i];
				continue;
			}
			line[ll] = '\0';
			if (!first)
				parse_socket_line(h, line, proto, family);
			first = 0;
			ll = 0;
		}
	}
	return 0;
}

/* The four socket tables, in the order they are read. */
static const struct sock_table {
	const char *path;
	uint8_t proto, family;
} sock_tables[] = {
	{ "/proc/net/tcp", IPPROTO_TCP, AF_INET },
	{ "/proc/net/tcp6", IPPROTO_TCP, AF_INET6 },
	{ "/proc/net/udp", IPPROTO_UDP, AF_INET },
	{ "/proc/net/udp6", IPPROTO_UDP, AF_INET6 },
};
#define NUM_SOCK_TABLES (sizeof sock_tables / sizeof sock_tables[0])

/* A missing table (no IPv6) is not an error. */
static int proc_table(struct host_info *h, const struct sock_table *t)
{
	int fd = open(t->path, O_RDONLY | O_CLOEXEC);
	int r;

	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	r = host_read_proc_sockets(h, fd, t->proto, t->family);
	close(fd);
	return r;
}

int host_load_listeners_proc(struct host_info *h)
{
	for (size_t i = 0; i < NUM_SOCK_TABLES; i++)
		if (proc_table(h, &sock_tables[i]) < 0)
			return -1;
	return 0;
}

/* ---- sock_diag --------------------------------------------------------- */

struct diag {
	struct mnl_socket *sock;
	unsigned portid;
	uint32_t seq;
	union {
		char b[SOCKS_DIAG_BUFSIZE];
		struct nlmsghdr align;
	} buf;
};

static int diag_open(struct diag *d)
{
	d->sock = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (!d->sock)
		return -1;
	if (mnl_socket_bind(d->sock, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		mnl_socket_close(d->sock);
		d->sock = NULL;
		errno = e;
		return -1;
	}
	d->portid = mnl_socket_get_portid(d->sock);
	d->seq = (uint32_t)time(NULL);
	return 0;
}

static void diag_close(struct diag *d)
{
	mnl_socket_close(d->sock);
}

struct diag_ctx {
	struct host_info *h;
	const struct sock_table *t;
};

static void diag_socket(const struct nlmsghdr *nlh, void *arg)
{
	const struct diag_ctx *c = arg;
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);
	size_t alen = c->t->family == AF_INET ? 4 : 16;
	struct ct_addr a, ra;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof *m) || m->idiag_family != c->t->family)
		return;
	memset(&a, 0, sizeof a);
	memset(&ra, 0, sizeof ra);
	memcpy(a.b, m->id.idiag_src, alen);
	memcpy(ra.b, m->id.idiag_dst, alen);
	add_socket(c->h, c->t->proto, c->t->family, m->idiag_state, &a, &ra,
		   ntohs(m->id.idiag_sport));
}

/*
 * One table as an inet_diag dump, the kernel filtering by state: for TCP
 * it then walks only the listening hash, where /proc/net/tcp walks every
 * connection of every namespace.  0, or -1 with errno.
 */
static int diag_table(struct diag *d, struct host_info *h, const struct sock_table *t)
{
	struct diag_ctx c = { h, t };

	return socks_diag_dump(d->sock, d->portid, &d->seq, d->buf.b, sizeof d->buf.b,
			       t->family, t->proto,
			       1u << (t->proto == IPPROTO_TCP ? SK_STATE_LISTEN : SK_STATE_CLOSE),
			       0, diag_socket, &c);
}

/*
 * Every table through sock_diag; with fallback, a table whose dump fails and
 * all after it through /proc instead.  What a failed dump added is real, and
 * host_finish() drops the duplicates.
 */
static int load_listeners(struct host_info *h, int fallback)
{
	struct diag d;
	int use_diag = diag_open(&d) == 0, r = 0;

	if (!use_diag && !fallback)
		return -1;
	for (size_t i = 0; r == 0 && i < NUM_SOCK_TABLES; i++) {
		if (use_diag && (r = diag_table(&d, h, &sock_tables[i])) == 0)
			continue;
		if (!fallback)
			break;
		/*
		 * An old kernel, no udp_diag module, a seccomp or LSM filter:
		 * the rest would most likely fail alike.  Closing the socket
		 * also drops a dump the kernel may still hold for it.
		 */
		if (use_diag) {
			diag_close(&d);
			use_diag = 0;
		}
		r = proc_table(h, &sock_tables[i]);
	}
	if (use_diag) {
		int e = errno;

		diag_close(&d);
		errno = e;
	}
	return r;
}

int host_load_listeners_diag(struct host_info *h)
{
	return load_listeners(h, 0);
}

int host_load_listeners(struct host_info *h)
{
	return load_listeners(h, 1);
}

static int cmp_addr(const void *x, const void *y)
{
	const struct host_addr *a = x, *b = y;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->a.b, b->a.b, 16);
}

static int cmp_listener(const void *x, const void *y)
{
	const struct host_listener *a = x, *b = y;

	if (a->proto != b->proto)
		return a->proto < b->proto ? -1 : 1;
	if (a->port != b->port)
		return a->port < b->port ? -1 : 1;
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (a->any != b->any)
		return a->any < b->any ? -1 : 1;
	return memcmp(a->a.b, b->a.b, 16);
}

void host_finish(struct host_info *h)
{
	size_t j = 0;

	if (h->naddrs)
		qsort(h->addrs, h->naddrs, sizeof *h->addrs, cmp_addr);
	for (size_t i = 0; i < h->naddrs; i++)
		if (j == 0 || cmp_addr(&h->addrs[j - 1], &h->addrs[i]) != 0)
			h->addrs[j++] = h->addrs[i];
	h->naddrs = j;

	j = 0;
	if (h->nls)
		qsort(h->ls, h->nls, sizeof *h->ls, cmp_listener);
	for (size_t i = 0; i < h->nls; i++)
		if (j == 0 || cmp_listener(&h->ls[j - 1], &h->ls[i]) != 0)
			h->ls[j++] = h->ls[i];
	h->nls = j;
}

/* Up to this many addresses a plain scan beats bsearch() (asked twice per entry). */
#define LOCAL_SCAN_MAX 16

/* One of the addresses themselves (not the networks). */
static int is_addr(const struct host_info *h, int family, const struct ct_addr *a)
{
	struct host_addr key;

	if (h->naddrs <= LOCAL_SCAN_MAX) {
		uint64_t x0, x1;

		memcpy(&x0, a->b, 8);
		memcpy(&x1, a->b + 8, 8);
		for (size_t i = 0; i < h->naddrs; i++) {
			uint64_t y0, y1;

			memcpy(&y0, h->addrs[i].a.b, 8);
			memcpy(&y1, h->addrs[i].a.b + 8, 8);
			if (x0 == y0 && x1 == y1 && h->addrs[i].family == family)
				return 1;
		}
		return 0;
	}
	memset(&key, 0, sizeof key);
	key.family = (uint8_t)family;
	key.a = *a;
	return bsearch(&key, h->addrs, h->naddrs, sizeof key, cmp_addr) != NULL;
}

/* In one of the --local networks: a yes or no, so any match will do. */
static int in_nets(const struct host_info *h, int family, const struct ct_addr *a)
{
	uint64_t x0, x1;

	memcpy(&x0, a->b, 8);
	memcpy(&x1, a->b + 8, 8);
	for (size_t i = 0; i < h->nnets; i++) {
		const struct host_net *n = &h->nets[i];
		uint64_t m0, m1, n0, n1;

		memcpy(&m0, n->mask.b, 8);
		memcpy(&m1, n->mask.b + 8, 8);
		memcpy(&n0, n->net.b, 8);
		memcpy(&n1, n->net.b + 8, 8);
		if ((x0 & m0) == n0 && (x1 & m1) == n1 && n->family == family)
			return 1;
	}
	return 0;
}

int host_is_local(const struct host_info *h, int family, const struct ct_addr *a)
{
	return is_addr(h, family, a) || (h->nnets && in_nets(h, family, a));
}

int host_is_broadcast(const struct host_info *h, int family, const struct ct_addr *a)
{
	static const uint8_t all_ones[4] = { 255, 255, 255, 255 };

	if (family == AF_INET6)
		return a->b[0] == 0xff;
	if (family != AF_INET)
		return 0;
	if ((a->b[0] & 0xf0) == 0xe0 || memcmp(a->b, all_ones, 4) == 0)
		return 1;
	for (size_t i = 0; i < h->nbcast; i++)
		if (h->bcast[i].family == family && ct_addr_equal(&h->bcast[i].a, a))
			return 1;
	return 0;
}

int host_is_listener(const struct host_info *h, int proto, int family,
		     const struct ct_addr *a, uint16_t port)
{
	size_t lo = 0, hi = h->nls;

	/* Find the first listener with this (proto, port), then scan its run. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct host_listener *l = &h->ls[mid];

		if (l->proto < proto || (l->proto == proto && l->port < port))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < h->nls; i++) {
		const struct host_listener *l = &h->ls[i];

		if (l->proto != proto || l->port != port)
			break;
		if (l->family == 0)
			return 1;
		if (l->family == family && (l->any || ct_addr_equal(&l->a, a)))
			return 1;
	}
	return 0;
}

/* The conntrack sysctls, in host_read_ct_sysctl()'s order. */
static const char *const ct_sysctl_path[] = {
	"/proc/sys/net/netfilter/nf_conntrack_acct",
	"/proc/sys/net/netfilter/nf_conntrack_count",
	"/proc/sys/net/netfilter/nf_conntrack_max",
	"/proc/sys/net/netfilter/nf_conntrack_events",
	"/proc/sys/net/netfilter/nf_conntrack_timestamp",
};
/* host_ct_sysctl_pin()'s descriptors; -1 (not pinned, or unreadable). */
static int ct_sysctl_fd[ARRAY_LEN(ct_sysctl_path)] = { -1, -1, -1, -1, -1 };
static int ct_sysctl_pinned;

void host_ct_sysctl_pin(void)
{
	for (size_t i = 0; i < ARRAY_LEN(ct_sysctl_path); i++)
		ct_sysctl_fd[i] = open(ct_sysctl_path[i], O_RDONLY | O_CLOEXEC);
	ct_sysctl_pinned = 1;
}

static int64_t sysctl_num(size_t i)
{
	char buf[64];
	uint64_t v;
	ssize_t n;

	if (!ct_sysctl_pinned)
		return read_u64_file(ct_sysctl_path[i], &v) < 0 ? -1 : (int64_t)v;
	if (ct_sysctl_fd[i] < 0)
		return -1;
	/* A namespace that is gone: its sysctls answer with an error. */
	n = pread(ct_sysctl_fd[i], buf, sizeof buf - 1, 0);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		n--;
	if (n <= 0 || parse_u64(buf, (size_t)n, UINT64_MAX, &v) < 0)
		return -1;
	return (int64_t)v;
}

void host_read_ct_sysctl(struct host_ct_sysctl *s)
{
	int64_t acct = sysctl_num(0);

	s->acct = acct < 0 ? -1 : acct != 0;
	s->count = sysctl_num(1);
	s->max = sysctl_num(2);
	s->events = (int)sysctl_num(3);
	s->timestamp = (int)sysctl_num(4);
	if (s->timestamp > 0)
		s->timestamp = 1;
}
