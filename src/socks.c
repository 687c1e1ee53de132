/* socks.c - every TCP and UDP socket of a namespace through sock_diag. */
#include "socks.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <linux/tcp.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "lsct.h"
#include "util.h"

#ifndef INET_DIAG_CGROUP_ID
#define INET_DIAG_CGROUP_ID 21	/* Linux 5.8 */
#endif

/* The kernel's socket states (include/net/tcp_states.h), not in the uapi. */
#define SK_SYN_RECV	3
#define SK_NEW_SYN_RECV	12


/* What a lookup hashes: 40 bytes, five words. */
struct sock_key {
	struct ct_addr l, r;
	uint16_t lport, rport;
	uint8_t family, proto;
	uint8_t pad[2];
};
_Static_assert(sizeof(struct sock_key) == 40, "sock_key is hashed as five words");

/* Open addressing over record numbers + 1 (0 empty); power-of-two size. */
struct index {
	uint32_t *slot;
	size_t size;
};

/* An owner a 4-tuple had, kept after its socket lost it. */
struct memo {
	struct sock_key k;
	uint32_t proc;
	double seen;		/* monotonic seconds */
};

struct socks {
	struct mnl_socket *nl;
	unsigned portid;
	uint32_t seq;
	struct sock_rec *rec;	/* this dump's */
	size_t n, cap;
	struct sock_rec *prev;	/* the previous dump's, for the retransmission deltas */
	size_t nprev, prev_cap;
	struct index by_tuple;	/* rec by 4-tuple (first of duplicates) */
	struct index by_cookie;	/* prev by cookie */
	struct memo *memo;
	size_t nmemo, memo_cap;
	struct index by_memo;
	union {
		char b[SOCKS_DIAG_BUFSIZE];
		struct nlmsghdr align;
	} buf;
};

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* IPv4-mapped IPv6 as IPv4 (the conntrack entry of such a socket is IPv4). */
static void norm_addr(uint8_t *family, struct ct_addr *a)
{
	if (*family == AF_INET6 && memcmp(a->b, v4mapped, sizeof v4mapped) == 0) {
		memmove(a->b, a->b + 12, 4);
		memset(a->b + 4, 0, 12);
		*family = AF_INET;
	}
}

int socks_parse_msg(const void *msg, size_t len, struct sock_rec *out, char *err,
		    size_t errlen)
{
	const struct nlmsghdr *nlh = msg;
	const struct inet_diag_msg *m;
	const struct nlattr *a;
	size_t alen;
	int left;

	if (len < NLMSG_HDRLEN || nlh->nlmsg_len > len ||
	    nlh->nlmsg_len < NLMSG_LENGTH(sizeof *m)) {
		snprintf(err, errlen, "short inet_diag message");
		return -1;
	}
	m = mnl_nlmsg_get_payload(nlh);
	if (m->idiag_family != AF_INET && m->idiag_family != AF_INET6) {
		snprintf(err, errlen, "inet_diag message of family %u", m->idiag_family);
		return -1;
	}
	memset(out, 0, sizeof *out);
	out->family = m->idiag_family;
	alen = out->family == AF_INET ? 4 : 16;
	memcpy(out->laddr.b, m->id.idiag_src, alen);
	memcpy(out->raddr.b, m->id.idiag_dst, alen);
	out->lport = ntohs(m->id.idiag_sport);
	out->rport = ntohs(m->id.idiag_dport);
	out->state = m->idiag_state;
	out->inode = m->idiag_inode;
	out->uid = m->idiag_uid;
	out->cookie = (uint64_t)m->id.idiag_cookie[0] | (uint64_t)m->id.idiag_cookie[1] << 32;
	{
		/*
		 * A dual-stack socket's IPv4 connection is keyed as IPv4 (its entry
		 * is): each end mapped or unspecified, one of them mapped.
		 */
		static const uint8_t any[16];
		int v6 = out->family == AF_INET6;
		int lmap = v6 && memcmp(out->laddr.b, v4mapped, sizeof v4mapped) == 0;
		int rmap = v6 && memcmp(out->raddr.b, v4mapped, sizeof v4mapped) == 0;
		int lany = memcmp(out->laddr.b, any, sizeof any) == 0;
		int rany = memcmp(out->raddr.b, any, sizeof any) == 0;

		if ((lmap || lany) && (rmap || rany) && (lmap || rmap)) {
			uint8_t f = AF_INET6;

			norm_addr(&f, &out->laddr);
			f = AF_INET6;
			norm_addr(&f, &out->raddr);
			out->family = AF_INET;
		}
	}
	/* mnl_attr_ok() stops at a truncated attribute; payload sizes are checked below. */
	for (a = (const struct nlattr *)((const char *)nlh + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof *m)),
	     left = (int)(nlh->nlmsg_len - NLMSG_HDRLEN - NLMSG_ALIGN(sizeof *m));
	     left > 0 && mnl_attr_ok(a, left);
	     left -= (int)NLA_ALIGN(a->nla_len), a = mnl_attr_next(a)) {
		const void *p = mnl_attr_get_payload(a);
		size_t plen = mnl_attr_get_payload_len(a);

		switch (mnl_attr_get_type(a)) {
		case INET_DIAG_CGROUP_ID:
			if (plen >= sizeof(uint64_t))
				memcpy(&out->cgroup, p, sizeof out->cgroup);
			break;
		case INET_DIAG_INFO: {
			/* An older kernel's tcp_info is shorter: take what it has. */
			struct tcp_info ti;

			memset(&ti, 0, sizeof ti);
			memcpy(&ti, p, plen < sizeof ti ? plen : sizeof ti);
			if (plen < offsetof(struct tcp_info, tcpi_rcv_rtt))
				break;
			out->has_info = 1;
			out->rtt_us = ti.tcpi_rtt;
			out->lost = ti.tcpi_lost;
			out->unacked = ti.tcpi_unacked;
			if (plen >= offsetof(struct tcp_info, tcpi_total_retrans) +
				    sizeof ti.tcpi_total_retrans)
				out->total_retrans = ti.tcpi_total_retrans;
			break;
		}
		default:
			break;
		}
	}
	return 0;
}

/* ---- the indexes ------------------------------------------------------- */

static void key_of(struct sock_key *k, int proto, int family, const struct ct_addr *l,
		   uint16_t lport, const struct ct_addr *r, uint16_t rport)
{
	memset(k, 0, sizeof *k);
	if (l)
		k->l = *l;
	if (r)
		k->r = *r;
	k->lport = lport;
	k->rport = rport;
	k->family = (uint8_t)family;
	k->proto = (uint8_t)proto;
}

static void key_rec(struct sock_key *k, const struct sock_rec *r)
{
	key_of(k, r->proto, r->family, &r->laddr, r->lport, &r->raddr, r->rport);
}

static uint64_t key_hash(const struct sock_key *k)
{
	uint64_t w[5];

	memcpy(w, k, sizeof w);
	return hash_words(w, 5);
}

static uint64_t cookie_hash(uint64_t c)
{
	return hash_words(&c, 1);
}

static void index_reset(struct index *x, size_t n)
{
	size_t want = 16;

	while (want < 2 * n)
		want <<= 1;
	if (want != x->size) {
		free(x->slot);
		x->slot = xcalloc(want, sizeof *x->slot);
		x->size = want;
	} else {
		memset(x->slot, 0, x->size * sizeof *x->slot);
	}
}

/* Puts number i at h's probe sequence's first empty slot. */
static void index_put(struct index *x, uint64_t h, size_t i)
{
	size_t mask = x->size - 1;

	for (size_t j = h & mask;; j = (j + 1) & mask) {
		if (!x->slot[j]) {
			x->slot[j] = (uint32_t)i + 1;
			return;
		}
	}
}

static const struct sock_rec *find_key(const struct socks *s, const struct sock_key *k)
{
	size_t mask = s->by_tuple.size - 1;

	if (!s->n)
		return NULL;
	for (size_t j = key_hash(k) & mask; s->by_tuple.slot[j]; j = (j + 1) & mask) {
		const struct sock_rec *r = &s->rec[s->by_tuple.slot[j] - 1];
		struct sock_key rk;

		key_rec(&rk, r);
		if (memcmp(&rk, k, sizeof rk) == 0)
			return r;
	}
	return NULL;
}

static struct memo *find_memo(const struct socks *s, const struct sock_key *k)
{
	size_t mask = s->by_memo.size - 1;

	if (!s->nmemo)
		return NULL;
	for (size_t j = key_hash(k) & mask; s->by_memo.slot[j]; j = (j + 1) & mask) {
		struct memo *m = &s->memo[s->by_memo.slot[j] - 1];

		if (memcmp(&m->k, k, sizeof *k) == 0)
			return m;
	}
	return NULL;
}

/* ---- the table --------------------------------------------------------- */

struct socks *socks_new(void)
{
	struct socks *s = xcalloc(1, sizeof *s);

	index_reset(&s->by_tuple, 0);
	index_reset(&s->by_cookie, 0);
	index_reset(&s->by_memo, 0);
	return s;
}

void socks_free(struct socks *s)
{
	if (!s)
		return;
	if (s->nl)
		mnl_socket_close(s->nl);
	free(s->rec);
	free(s->prev);
	free(s->memo);
	free(s->by_tuple.slot);
	free(s->by_cookie.slot);
	free(s->by_memo.slot);
	free(s);
}

int socks_open(struct socks *s)
{
	s->nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	if (!s->nl)
		return -1;
	if (mnl_socket_bind(s->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int e = errno;

		mnl_socket_close(s->nl);
		s->nl = NULL;
		errno = e;
		return -1;
	}
	s->portid = mnl_socket_get_portid(s->nl);
	s->seq = (uint32_t)time(NULL);
	return 0;
}

static struct sock_rec *rec_add(struct socks *s)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? 2 * s->cap : 256;
		s->rec = xrealloc(s->rec, s->cap * sizeof *s->rec);
	}
	return &s->rec[s->n++];
}

/* The current records become the previous ones; an empty current set. */
static void rotate(struct socks *s)
{
	struct sock_rec *t = s->prev;
	size_t c = s->prev_cap;

	s->prev = s->rec;
	s->prev_cap = s->cap;
	s->nprev = s->n;
	s->rec = t;
	s->cap = c;
	s->n = 0;
	index_reset(&s->by_cookie, s->nprev);
	for (size_t i = 0; i < s->nprev; i++)
		if (s->prev[i].cookie)
			index_put(&s->by_cookie, cookie_hash(s->prev[i].cookie), i);
}

/* Indexes this dump's records and computes their retransmission deltas. */
static void finish(struct socks *s)
{
	size_t mask;

	index_reset(&s->by_tuple, s->n);
	mask = s->by_cookie.size - 1;
	for (size_t i = 0; i < s->n; i++) {
		struct sock_rec *r = &s->rec[i];
		struct sock_key k;

		key_rec(&k, r);
		/* Duplicates (SO_REUSEPORT): the first one answers. */
		if (!find_key(s, &k))
			index_put(&s->by_tuple, key_hash(&k), i);
		r->retrans_delta = 0;
		if (!r->cookie || !r->has_info || !s->nprev)
			continue;
		for (size_t j = cookie_hash(r->cookie) & mask; s->by_cookie.slot[j];
		     j = (j + 1) & mask) {
			const struct sock_rec *p = &s->prev[s->by_cookie.slot[j] - 1];

			if (p->cookie != r->cookie)
				continue;
			if (r->total_retrans > p->total_retrans)
				r->retrans_delta = r->total_retrans - p->total_retrans;
			break;
		}
	}
}

void socks_set(struct socks *s, const struct sock_rec *r, size_t n, double now)
{
	(void)now;
	rotate(s);
	for (size_t i = 0; i < n; i++)
		*rec_add(s) = r[i];
	finish(s);
}

int socks_diag_dump(struct mnl_socket *nl, unsigned portid, uint32_t *seq, void *buf,
		    size_t len, int family, int proto, uint32_t states, uint8_t ext,
		    void (*fn)(const struct nlmsghdr *m, void *arg), void *arg)
{
	union {
		char b[NLMSG_SPACE(sizeof(struct inet_diag_req_v2))];
		struct nlmsghdr align;
	} req;
	struct nlmsghdr *nlh;
	struct inet_diag_req_v2 *r;
	ssize_t n;

	memset(&req, 0, sizeof req);
	nlh = mnl_nlmsg_put_header(req.b);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = ++*seq;
	r = mnl_nlmsg_put_extra_header(nlh, sizeof *r);
	r->sdiag_family = (uint8_t)family;
	r->sdiag_protocol = (uint8_t)proto;
	r->idiag_states = states;
	r->idiag_ext = ext;
	do {
		n = mnl_socket_sendto(nl, nlh, nlh->nlmsg_len);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	for (;;) {
		const struct nlmsghdr *m = buf;
		int left;

		n = mnl_socket_recvfrom(nl, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0) {
			errno = EPROTO;
			return -1;
		}
		for (left = (int)n; mnl_nlmsg_ok(m, left); m = mnl_nlmsg_next(m, &left)) {
			if (m->nlmsg_seq != *seq || m->nlmsg_pid != portid)
				continue;
			if (m->nlmsg_flags & NLM_F_DUMP_INTR) {
				errno = EINTR;
				return -1;
			}
			if (m->nlmsg_type == NLMSG_DONE) {
				/* A dump that failed midway says why in DONE's payload. */
				int v = 0;

				if (m->nlmsg_len >= NLMSG_LENGTH(sizeof v))
					memcpy(&v, mnl_nlmsg_get_payload(m), sizeof v);
				if (v < 0) {
					errno = -v;
					return -1;
				}
				return 0;
			}
			if (m->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *me = mnl_nlmsg_get_payload(m);

				errno = m->nlmsg_len < NLMSG_LENGTH(sizeof *me) ? EBADMSG :
					me->error < 0 ? -me->error : EPROTO;
				return -1;
			}
			if (m->nlmsg_type == SOCK_DIAG_BY_FAMILY)
				fn(m, arg);
		}
	}
}

struct dump_ctx {
	struct socks *s;
	int proto;
};

static void dump_one_msg(const struct nlmsghdr *m, void *arg)
{
	struct dump_ctx *c = arg;
	struct sock_rec rec;
	char err[128];

	if (socks_parse_msg(m, m->nlmsg_len, &rec, err, sizeof err) < 0)
		return;
	rec.proto = (uint8_t)c->proto;
	*rec_add(c->s) = rec;
}

/* One protocol and family: every state but request sockets (no owner yet). */
static int dump_one(struct socks *s, int family, int proto)
{
	struct dump_ctx c = { s, proto };

	return socks_diag_dump(s->nl, s->portid, &s->seq, s->buf.b, sizeof s->buf.b, family,
			       proto, ~0u & ~(1u << SK_SYN_RECV) & ~(1u << SK_NEW_SYN_RECV),
			       proto == IPPROTO_TCP ? 1u << (INET_DIAG_INFO - 1) : 0,
			       dump_one_msg, &c);
}

int socks_dump(struct socks *s, double now)
{
	static const struct { int family, proto; } what[] = {
		{ AF_INET, IPPROTO_TCP }, { AF_INET6, IPPROTO_TCP },
		{ AF_INET, IPPROTO_UDP }, { AF_INET6, IPPROTO_UDP },
	};
	int r = 0;

	(void)now;
	if (!s->nl) {
		errno = EBADF;
		return -1;
	}
	rotate(s);
	for (size_t i = 0; i < ARRAY_LEN(what); i++) {
		/* No IPv6 or no udp_diag: fewer sockets, not a failure. */
		if (dump_one(s, what[i].family, what[i].proto) < 0 &&
		    errno != ENOENT && errno != EAFNOSUPPORT) {
			r = -1;
			break;
		}
	}
	if (r < 0) {
		int e = errno;

		s->n = 0;
		finish(s);
		errno = e;
		return -1;
	}
	finish(s);
	return 0;
}

size_t socks_count(const struct socks *s)
{
	return s->n;
}

struct sock_rec *socks_at(struct socks *s, size_t i)
{
	return &s->rec[i];
}

static void memo_rebuild(struct socks *s)
{
	index_reset(&s->by_memo, s->nmemo);
	for (size_t i = 0; i < s->nmemo; i++)
		index_put(&s->by_memo, key_hash(&s->memo[i].k), i);
}

void socks_remember(struct socks *s, double now)
{
	size_t kept = 0;

	/* Forget what is too old; then refresh and add. */
	for (size_t i = 0; i < s->nmemo; i++)
		if (now - s->memo[i].seen <= SOCKS_REMEMBER)
			s->memo[kept++] = s->memo[i];
	s->nmemo = kept;
	memo_rebuild(s);
	for (size_t i = 0; i < s->n; i++) {
		struct sock_rec *r = &s->rec[i];
		struct sock_key k;
		struct memo *m;

		if (r->rport == 0)	/* a listener or unconnected: no 4-tuple */
			continue;
		key_rec(&k, r);
		m = find_memo(s, &k);
		if (!r->proc) {
			if (m)
				r->proc = m->proc;
			continue;
		}
		if (m) {
			m->proc = r->proc;
			m->seen = now;
			continue;
		}
		if (s->nmemo == s->memo_cap) {
			s->memo_cap = s->memo_cap ? 2 * s->memo_cap : 256;
			s->memo = xrealloc(s->memo, s->memo_cap * sizeof *s->memo);
		}
		s->memo[s->nmemo] = (struct memo){ .k = k, .proc = r->proc, .seen = now };
		s->nmemo++;
		if (s->by_memo.size < 2 * s->nmemo)
			memo_rebuild(s);
		else
			index_put(&s->by_memo, key_hash(&k), s->nmemo - 1);
	}
}

const struct sock_rec *socks_find(const struct socks *s, int proto, int family,
				  const struct ct_addr *l, uint16_t lport,
				  const struct ct_addr *r, uint16_t rport)
{
	struct sock_key k;

	key_of(&k, proto, family, l, lport, r, rport);
	return find_key(s, &k);
}

const struct sock_rec *socks_find_bound(const struct socks *s, int proto, int family,
					const struct ct_addr *l, uint16_t lport)
{
	const struct sock_rec *r;
	struct sock_key k;

	key_of(&k, proto, family, l, lport, NULL, 0);
	if ((r = find_key(s, &k)))
		return r;
	key_of(&k, proto, family, NULL, lport, NULL, 0);
	if ((r = find_key(s, &k)))
		return r;
	if (family == AF_INET) {
		/* A dual-stack "::" socket takes IPv4 too. */
		key_of(&k, proto, AF_INET6, NULL, lport, NULL, 0);
		return find_key(s, &k);
	}
	return NULL;
}

uint32_t socks_remembered(const struct socks *s, int proto, int family,
			  const struct ct_addr *l, uint16_t lport,
			  const struct ct_addr *r, uint16_t rport)
{
	struct sock_key k;
	const struct memo *m;

	key_of(&k, proto, family, l, lport, r, rport);
	m = find_memo(s, &k);
	return m ? m->proc : 0;
}
