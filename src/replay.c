/* replay.c - a recording's lines back into frames: index, JSON, state. */
#include "replay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "record.h"
#include "route_reg.h"
#include "lsct.h"
#include "util.h"

#define HEAD_MAX	320		/* bytes of a line the index reads */
#define CHUNK		(1u << 20)	/* bytes per read while indexing */
#define DEPTH_MAX	16		/* JSON nesting the schema needs is 5 */
#define ID_MAX		(1u << 24)	/* flow ids of a keyframe span */
#define OWNERS_MAX	4096		/* owner labels kept */

/* ---- a small JSON parser, fitted to the schema ---- */

enum jtype { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ };

struct jnode {
	uint8_t t;
	uint32_t kid, next;		/* first child, next sibling; 0 none */
	uint32_t klen, len;
	const char *key, *s;		/* member name, and the raw text (strings unquoted) */
};

struct jparse {
	const char *p, *end;
	struct jnode *n;
	size_t nn, cap;
};

static void ws(struct jparse *j)
{
	while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\r' || *j->p == '\n'))
		j->p++;
}

static uint32_t node_new(struct jparse *j, enum jtype t)
{
	if (j->nn == j->cap) {
		j->cap = j->cap ? j->cap * 2 : 256;
		j->n = xrealloc(j->n, j->cap * sizeof *j->n);
	}
	memset(&j->n[j->nn], 0, sizeof j->n[0]);
	j->n[j->nn].t = (uint8_t)t;
	return (uint32_t)j->nn++;
}

/* A string's raw text (escapes checked, not decoded): *s, *len. */
static int scan_str(struct jparse *j, const char **s, uint32_t *len)
{
	const char *p = j->p + 1;

	if (j->p >= j->end || *j->p != '"')
		return -1;
	*s = p;
	while (p < j->end && *p != '"') {
		unsigned char c = (unsigned char)*p;

		if (c < 0x20)
			return -1;
		if (c == '\\') {
			if (++p >= j->end)
				return -1;
			if (*p == 'u') {
				for (int k = 1; k <= 4; k++)
					if (p + k >= j->end || !strchr("0123456789abcdefABCDEF", p[k]) ||
					    !p[k])
						return -1;
				p += 4;
			} else if (!strchr("\"\\/bfnrt", *p) || !*p) {
				return -1;
			}
		}
		p++;
	}
	if (p >= j->end)
		return -1;
	*len = (uint32_t)(p - *s);
	j->p = p + 1;
	return 0;
}

static int scan_num(struct jparse *j)
{
	const char *p = j->p;

	if (p < j->end && *p == '-')
		p++;
	if (p >= j->end || *p < '0' || *p > '9')
		return -1;
	if (*p == '0')
		p++;
	else
		while (p < j->end && *p >= '0' && *p <= '9')
			p++;
	if (p < j->end && *p == '.') {
		if (++p >= j->end || *p < '0' || *p > '9')
			return -1;
		while (p < j->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < j->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < j->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= j->end || *p < '0' || *p > '9')
			return -1;
		while (p < j->end && *p >= '0' && *p <= '9')
			p++;
	}
	j->p = p;
	return 0;
}

static int lit(struct jparse *j, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n))
		return -1;
	j->p += n;
	return 0;
}

static int value(struct jparse *j, uint32_t *out, int depth)
{
	uint32_t me, last = 0;

	ws(j);
	if (j->p >= j->end || depth > DEPTH_MAX)
		return -1;
	switch (*j->p) {
	case '{':
	case '[': {
		int obj = *j->p == '{';

		me = node_new(j, obj ? J_OBJ : J_ARR);
		j->p++;
		ws(j);
		if (j->p < j->end && *j->p == (obj ? '}' : ']')) {
			j->p++;
			break;
		}
		for (;;) {
			const char *k = NULL;
			uint32_t klen = 0, v;

			ws(j);
			if (obj) {
				if (scan_str(j, &k, &klen) < 0)
					return -1;
				ws(j);
				if (j->p >= j->end || *j->p++ != ':')
					return -1;
			}
			if (value(j, &v, depth + 1) < 0)
				return -1;
			j->n[v].key = k;
			j->n[v].klen = klen;
			if (last)
				j->n[last].next = v;
			else
				j->n[me].kid = v;
			last = v;
			ws(j);
			if (j->p >= j->end)
				return -1;
			if (*j->p == ',') {
				j->p++;
				continue;
			}
			if (*j->p++ != (obj ? '}' : ']'))
				return -1;
			break;
		}
		break;
	}
	case '"': {
		const char *s;
		uint32_t len;

		if (scan_str(j, &s, &len) < 0)
			return -1;
		me = node_new(j, J_STR);
		j->n[me].s = s;
		j->n[me].len = len;
		break;
	}
	case 't':
		if (lit(j, "true") < 0)
			return -1;
		me = node_new(j, J_TRUE);
		break;
	case 'f':
		if (lit(j, "false") < 0)
			return -1;
		me = node_new(j, J_FALSE);
		break;
	case 'n':
		if (lit(j, "null") < 0)
			return -1;
		me = node_new(j, J_NULL);
		break;
	default: {
		const char *s = j->p;

		if (scan_num(j) < 0)
			return -1;
		me = node_new(j, J_NUM);
		j->n[me].s = s;
		j->n[me].len = (uint32_t)(j->p - s);
		break;
	}
	}
	*out = me;
	return 0;
}

/* Node 0 is the root object; -1 for anything else than one object. */
static int jparse_line(struct jparse *j, const char *s, size_t len)
{
	uint32_t root;

	j->p = s;
	j->end = s + len;
	j->nn = 0;
	if (value(j, &root, 0) < 0 || j->n[root].t != J_OBJ)
		return -1;
	ws(j);
	return j->p == j->end ? 0 : -1;
}

static const struct jnode *jget(const struct jparse *j, const struct jnode *o, const char *k)
{
	size_t kl = strlen(k);

	if (!o || o->t != J_OBJ)
		return NULL;
	for (uint32_t i = o->kid; i; i = j->n[i].next)
		if (j->n[i].klen == kl && memcmp(j->n[i].key, k, kl) == 0)
			return &j->n[i];
	return NULL;
}

static const struct jnode *jkid(const struct jparse *j, const struct jnode *a)
{
	return a && a->kid ? &j->n[a->kid] : NULL;
}

static const struct jnode *jnext(const struct jparse *j, const struct jnode *a)
{
	return a->next ? &j->n[a->next] : NULL;
}

static int ju64(const struct jnode *n, uint64_t *v)
{
	if (!n || n->t != J_NUM)
		return -1;
	return parse_u64(n->s, n->len, UINT64_MAX, v);
}

static int jdouble(const struct jnode *n, double *v)
{
	char tmp[64];

	if (!n || n->t == J_NULL) {
		*v = 0;
		return n ? 0 : -1;
	}
	if (n->t != J_NUM || n->len >= sizeof tmp)
		return -1;
	memcpy(tmp, n->s, n->len);
	tmp[n->len] = '\0';
	*v = strtod(tmp, NULL);
	if (!(*v >= 0 && *v < 1e12))
		return -1;
	return 0;
}

/* A string, decoded into out (cut at outlen - 1 bytes).  -1 not a string. */
static int jstr(const struct jnode *n, char *out, size_t outlen)
{
	size_t o = 0;

	if (!n || n->t != J_STR || !outlen)
		return -1;
	for (uint32_t i = 0; i < n->len && o + 4 < outlen; i++) {
		char c = n->s[i];

		if (c != '\\') {
			out[o++] = c;
			continue;
		}
		c = n->s[++i];
		if (c == 'u') {
			unsigned v = (unsigned)strtoul((char[5]){ n->s[i + 1], n->s[i + 2],
							     n->s[i + 3], n->s[i + 4], 0 },
						     NULL, 16);

			i += 4;
			if (v < 0x80) {
				out[o++] = (char)v;
			} else if (v < 0x800) {
				out[o++] = (char)(0xc0 | v >> 6);
				out[o++] = (char)(0x80 | (v & 0x3f));
			} else {
				out[o++] = (char)(0xe0 | v >> 12);
				out[o++] = (char)(0x80 | ((v >> 6) & 0x3f));
				out[o++] = (char)(0x80 | (v & 0x3f));
			}
			continue;
		}
		out[o++] = c == 'n' ? '\n' : c == 't' ? '\t' : c == 'r' ? '\r' :
			   c == 'b' ? '\b' : c == 'f' ? '\f' : c;
	}
	out[o] = '\0';
	/* A NUL from \u0000 would cut the text short: such a label is no label. */
	return strlen(out) == o ? 0 : -1;
}

static int jstr_is(const struct jnode *n, const char *s)
{
	return n && n->t == J_STR && n->len == strlen(s) && memcmp(n->s, s, n->len) == 0;
}

/* ---- times ---- */

/* "2026-11-27T01:36:35.170Z" (milliseconds optional).  -1 when not. */
static int parse_rfc3339(const char *s, size_t len, struct timespec *out)
{
	struct tm tm;
	char tmp[40];
	const char *p;
	long ms = 0;

	if (len < 20 || len >= sizeof tmp)
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	memset(&tm, 0, sizeof tm);
	p = strptime(tmp, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return -1;
	if (*p == '.') {
		int digits = 0;

		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 3)
				ms = ms * 10 + (*p - '0');
		if (!digits)
			return -1;
		for (; digits < 3; digits++)
			ms *= 10;
	}
	if (strcmp(p, "Z") != 0)
		return -1;
	out->tv_sec = timegm(&tm);
	out->tv_nsec = ms * 1000000;
	return out->tv_sec < 0 ? -1 : 0;
}

static int64_t ts_ms(const struct timespec *t)
{
	return (int64_t)t->tv_sec * 1000 + t->tv_nsec / 1000000;
}

int replay_parse_time(const char *s, const struct timespec *ref, struct timespec *out,
		      char *err, size_t errlen)
{
	static const char *const full[] = { "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M",
					     "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M" };
	static const char *const clock[] = { "%H:%M:%S", "%H:%M" };
	struct tm tm;
	const char *p;
	time_t t;

	while (*s == ' ')
		s++;
	for (size_t i = 0; i < ARRAY_LEN(full); i++) {
		memset(&tm, 0, sizeof tm);
		p = strptime(s, full[i], &tm);
		if (!p)
			continue;
		if (*p == 'Z' && !p[1]) {
			t = timegm(&tm);
		} else if (!*p) {
			tm.tm_isdst = -1;
			t = mktime(&tm);
		} else {
			continue;
		}
		out->tv_sec = t;
		out->tv_nsec = 0;
		return 0;
	}
	for (size_t i = 0; i < ARRAY_LEN(clock); i++) {
		struct tm day;

		memset(&tm, 0, sizeof tm);
		p = strptime(s, clock[i], &tm);
		if (!p || *p)
			continue;
		localtime_r(&ref->tv_sec, &day);
		day.tm_hour = tm.tm_hour;
		day.tm_min = tm.tm_min;
		day.tm_sec = tm.tm_sec;
		day.tm_isdst = -1;
		out->tv_sec = mktime(&day);
		out->tv_nsec = 0;
		return 0;
	}
	snprintf(err, errlen, "not a time: HH:MM[:SS] or YYYY-MM-DDTHH:MM[:SS][Z]");
	return -1;
}

/* ---- the replay ---- */

struct ientry {
	uint64_t off;		/* the line's first byte; bit 63: a keyframe */
	int64_t ms;		/* its time, ms since the epoch */
};
#define IKEY (1ull << 63)

struct rslot {
	struct flow f;
	uint8_t present;	/* 0 gone, 1 shown, 2 kept for its id only (a kind not shown) */
};

struct rframe_info {		/* the header facts of the line last parsed */
	struct mon_frame h;	/* flows unused */
};

struct replay {
	int fd, seekable;
	uint64_t size;
	struct replay_stats st;
	struct ientry *ix;
	size_t nix;
	uint8_t *bad;		/* per indexed line: found bad when parsed */
	struct jparse j;
	char *line;
	size_t line_cap;
	/* The state: flows by id, and which snapshot it is (SIZE_MAX: none). */
	struct rslot *slots;
	size_t nslots, slots_cap;
	size_t at;
	int have_key;
	struct mon_frame head;	/* the last line's header facts */
	int64_t last_ms;	/* streaming: the line before's time */
	char host[256], source[256];
	int owners;
	struct owner_label *labels;	/* [0]: the host's */
	size_t nlabels;
	/* Routed flows' clients and NAT, numbered as key.owner (route_reg.h). */
	struct route_reg *routes;
	/* Streaming: the bytes read but not used yet. */
	char *sbuf;
	size_t slen, scap;
	int eof;
};

const struct replay_stats *replay_stats(const struct replay *r)
{
	return &r->st;
}

int replay_seekable(const struct replay *r)
{
	return r->seekable;
}

size_t replay_count(const struct replay *r)
{
	return r->nix;
}

const char *replay_host(const struct replay *r)
{
	return r->host;
}

const char *replay_source(const struct replay *r)
{
	return r->source;
}

int replay_owners(const struct replay *r)
{
	return r->owners;
}

int replay_route(const struct replay *r, uint32_t id, struct flow_route *out)
{
	return r->routes ? route_reg_get(r->routes, id, out) : -1;
}

int replay_owner(const struct replay *r, uint32_t id, struct owner_label *out)
{
	if (id >= r->nlabels)
		return -1;
	*out = r->labels[id];
	return 0;
}

struct timespec replay_time(const struct replay *r, size_t i)
{
	struct timespec t = { 0, 0 };

	if (i < r->nix) {
		t.tv_sec = (time_t)(r->ix[i].ms / 1000);
		t.tv_nsec = (long)(r->ix[i].ms % 1000) * 1000000;
	}
	return t;
}

size_t replay_find(const struct replay *r, const struct timespec *t)
{
	int64_t ms = ts_ms(t);
	size_t lo = 0, hi = r->nix;

	/* The first entry later than ms; the one before it is the answer. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->ix[mid].ms <= ms)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo ? lo - 1 : 0;
}

void replay_skip_text(const struct replay *r, char *buf, size_t len)
{
	const struct replay_stats *s = &r->st;
	const struct {
		uint64_t n;
		const char *what;
	} why[] = {
		{ s->not_json, "not a recording line" }, { s->newer, "of a newer version" },
		{ s->out_of_order, "out of order" }, { s->truncated, "truncated" },
		{ s->no_keyframe, "before any keyframe" }, { s->overlong, "over-long" },
		{ s->bad, "bad inside" }, { s->not_indexed, "past the index's end" },
	};
	uint64_t total = replay_skipped(s);
	size_t off;

	buf[0] = '\0';
	if (!total)
		return;
	off = (size_t)snprintf(buf, len, "%llu line%s skipped:", (unsigned long long)total,
			       total == 1 ? "" : "s");
	for (size_t i = 0, k = 0; i < ARRAY_LEN(why) && off < len; i++)
		if (why[i].n)
			off += (size_t)snprintf(buf + off, len - off, "%s %llu %s", k++ ? "," : "",
						(unsigned long long)why[i].n, why[i].what);
}

/* ---- owners ---- */

static uint32_t owner_number(struct replay *r, const struct owner_label *l)
{
	if (l->kind == OWNER_HOST) {
		r->labels[0] = *l;
		return 0;
	}
	for (size_t i = 1; i < r->nlabels; i++)
		if (r->labels[i].kind == l->kind && strcmp(r->labels[i].id, l->id) == 0 &&
		    strcmp(r->labels[i].name, l->name) == 0)
			return (uint32_t)i;
	if (r->nlabels >= OWNERS_MAX)
		return OWNERS_MAX;	/* unknown: shown as "?" */
	r->labels = xrealloc(r->labels, (r->nlabels + 1) * sizeof *r->labels);
	r->labels[r->nlabels] = *l;
	return (uint32_t)r->nlabels++;
}

/* ---- flows from JSON ---- */

static const struct {
	const char *name;
	uint8_t proto;
} protos[] = {
	{ "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP }, { "udplite", IPPROTO_UDPLITE },
	{ "sctp", IPPROTO_SCTP }, { "dccp", IPPROTO_DCCP }, { "icmp", IPPROTO_ICMP },
	{ "icmpv6", IPPROTO_ICMPV6 }, { "gre", IPPROTO_GRE },
};

static int port_of(const struct jnode *n, uint16_t *port)
{
	char tmp[8];
	uint64_t v;

	if (jstr(n, tmp, sizeof tmp) < 0 || parse_u64(tmp, strlen(tmp), 65535, &v) < 0)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static int counters_of(const struct jparse *j, const struct jnode *o, const char *const k[4],
		       uint64_t *v[4])
{
	for (int i = 0; i < 4; i++)
		if (ju64(jget(j, o, k[i]), v[i]) < 0)
			return -1;
	return 0;
}

/* An address of family fam from a JSON string: 0, or -1. */
static int addr_of(const struct jparse *j, const struct jnode *n, int fam, struct ct_addr *a)
{
	char s[64];

	memset(a, 0, sizeof *a);
	if (jstr(n, s, sizeof s) < 0 || inet_pton(fam, s, a->b) != 1)
		return -1;
	return 0;
}

/*
 * A routed flow's client and NAT ("client", "nat": out_json.c) into the
 * registry: its number, for key.owner.  0, -1 bad, 1 a client the recorder
 * did not know ("?": not shown).
 */
static int route_of(struct replay *r, const struct jnode *o, struct flow *f)
{
	const struct jparse *j = &r->j;
	const struct jnode *nat = jget(j, o, "nat"), *dn, *sn;
	struct flow_route fr;
	uint16_t port;

	memset(&fr, 0, sizeof fr);
	fr.family = (uint8_t)f->key.family;
	if (jstr_is(jget(j, jget(j, o, "client"), "addr"), "?"))
		return 1;
	if (addr_of(j, jget(j, jget(j, o, "client"), "addr"), f->key.family, &fr.client) < 0)
		return -1;
	if (nat && nat->t == J_OBJ) {
		dn = jget(j, nat, "dnat");
		sn = jget(j, nat, "snat");
		if (dn && dn->t == J_OBJ) {
			if (addr_of(j, jget(j, dn, "addr"), f->key.family, &fr.dnat) < 0)
				return -1;
			if (ct_proto_has_ports(f->key.proto)) {
				if (port_of(jget(j, dn, "port"), &port) < 0)
					return -1;
				fr.dnat_port = port;
			}
			fr.nat |= ROUTE_DNAT;
		} else if (dn && dn->t != J_NULL) {
			return -1;
		}
		if (sn && sn->t == J_OBJ) {
			if (addr_of(j, jget(j, sn, "addr"), f->key.family, &fr.snat) < 0)
				return -1;
			fr.nat |= ROUTE_SNAT;
		} else if (sn && sn->t != J_NULL) {
			return -1;
		}
	} else if (nat && nat->t != J_NULL) {
		return -1;
	}
	if (!r->routes)
		r->routes = route_reg_new(0);
	f->key.owner = route_reg_intern(r->routes, &fr);
	/* A full registry: the flow is not shown (it keeps its id). */
	return f->key.owner ? 0 : 1;
}

/*
 * One flow object of a stream line: 0, -1 bad, 1 a flow this reader does
 * not show (a routed flow whose client the recorder did not know); it
 * keeps its id.
 */
static int flow_of(struct replay *r, const struct jnode *o, struct flow *f)
{
	static const char *const tot[4] = { "total_inbound_packets", "total_inbound_bytes",
					    "total_outbound_packets", "total_outbound_bytes" };
	static const char *const del[4] = { "inbound_packets", "inbound_bytes",
					    "outbound_packets", "outbound_bytes" };
	const struct jparse *j = &r->j;
	const struct jnode *dir = jget(j, o, "direction"), *peer = jget(j, o, "peer");
	const struct jnode *local = jget(j, o, "local"), *d = jget(j, o, "delta");
	const struct jnode *own = jget(j, o, "owner");
	char addr[64], pname[16];
	uint64_t conns, v;
	size_t i;
	int rr;

	memset(f, 0, sizeof *f);
	if (jstr_is(dir, "active"))
		f->key.dir = FLOW_ACTIVE;
	else if (jstr_is(dir, "passive"))
		f->key.dir = FLOW_PASSIVE;
	else if (jstr_is(dir, "routed"))
		f->key.dir = FLOW_ROUTED;
	else
		return -1;
	/* A routed flow's server is its peer: the key keeps it and its port. */
	if (f->key.dir == FLOW_ROUTED) {
		peer = jget(j, o, "server");
		own = NULL;
	}
	if (jstr(jget(j, peer, "addr"), addr, sizeof addr) < 0 ||
	    jstr(jget(j, o, "proto"), pname, sizeof pname) < 0)
		return -1;
	if (inet_pton(AF_INET, addr, f->key.peer.b) == 1)
		f->key.family = AF_INET;
	else if (inet_pton(AF_INET6, addr, f->key.peer.b) == 1)
		f->key.family = AF_INET6;
	else
		return -1;
	for (i = 0; i < ARRAY_LEN(protos) && strcmp(protos[i].name, pname); i++)
		;
	if (i == ARRAY_LEN(protos))
		return -1;
	f->key.proto = protos[i].proto;
	if (ct_proto_has_ports(f->key.proto)) {
		if (port_of(jget(j, f->key.dir != FLOW_PASSIVE ? peer : local, "port"),
			    &f->key.port) < 0)
			return -1;
	} else {
		if (ju64(jget(j, o, ct_proto_is_icmp(f->key.proto) ? "icmp_type" : "gre_key"),
			 &v) < 0 || v > 65535)
			return -1;
		f->key.port = (uint16_t)v;
	}
	if (counters_of(j, jget(j, o, "stat"), tot,
			(uint64_t *[4]){ &f->c.in_packets, &f->c.in_bytes, &f->c.out_packets,
					 &f->c.out_bytes }) < 0)
		return -1;
	if (ju64(jget(j, o, "connections"), &conns) < 0 || conns > UINT32_MAX)
		return -1;
	f->conns = (uint32_t)conns;
	f->entries = f->conns;
	if (f->key.dir == FLOW_ROUTED && (rr = route_of(r, o, f)) != 0)
		return rr;
	if (d && d->t == J_OBJ) {
		uint64_t nc, cc;

		if (counters_of(j, d, del,
				(uint64_t *[4]){ &f->d.in_packets, &f->d.in_bytes,
						 &f->d.out_packets, &f->d.out_bytes }) < 0 ||
		    ju64(jget(j, d, "new_connections"), &nc) < 0 ||
		    ju64(jget(j, d, "closed_connections"), &cc) < 0 || nc > UINT32_MAX ||
		    cc > UINT32_MAX)
			return -1;
		f->d.new_conns = (uint32_t)nc;
		f->d.closed_conns = (uint32_t)cc;
	} else if (d && d->t != J_NULL) {
		return -1;
	}
	if (own) {
		struct owner_label l;
		const struct jnode *k = jget(j, own, "kind");
		char raw[4 * OWNER_NAME_MAX];
		int kind;

		memset(&l, 0, sizeof l);
		for (kind = OWNER_HOST; kind <= OWNER_NETNS; kind++)
			if (jstr_is(k, owner_kind_name((enum owner_kind)kind)))
				break;
		if (kind > OWNER_NETNS || jstr(jget(j, own, "name"), raw, sizeof raw) < 0)
			return -1;
		/* Outside text, shown on a terminal: as clean as the live labels. */
		owner_sanitize(raw, strlen(raw), l.name, sizeof l.name);
		if (jstr(jget(j, own, "id"), raw, sizeof raw) < 0)
			return -1;
		owner_sanitize(raw, strlen(raw), l.id, sizeof l.id);
		l.kind = (enum owner_kind)kind;
		f->key.owner = owner_number(r, &l);
		r->owners = 1;
	}
	return 0;
}

static struct rslot *slot_at(struct replay *r, uint64_t id)
{
	if (id >= ID_MAX)
		return NULL;
	if (id >= r->slots_cap) {
		size_t cap = r->slots_cap ? r->slots_cap : 256;

		while (cap <= id)
			cap *= 2;
		r->slots = xrealloc(r->slots, cap * sizeof *r->slots);
		memset(r->slots + r->slots_cap, 0, (cap - r->slots_cap) * sizeof *r->slots);
		r->slots_cap = cap;
	}
	if (id >= r->nslots)
		r->nslots = id + 1;
	return &r->slots[id];
}

static int add_flows(struct replay *r, const struct jnode *arr, size_t first_id)
{
	size_t id = first_id;

	if (!arr || arr->t != J_ARR)
		return -1;
	for (const struct jnode *o = jkid(&r->j, arr); o; o = jnext(&r->j, o), id++) {
		struct rslot *s = slot_at(r, id);
		int rc = s ? flow_of(r, o, &s->f) : -1;

		if (rc < 0)
			return -1;
		/* A kind not shown keeps its id and takes its changes, unseen. */
		s->present = rc == 1 ? 2 : 1;
	}
	return 0;
}

static int u64_array(const struct jparse *j, const struct jnode *a, uint64_t *v, size_t n)
{
	const struct jnode *e = jkid(j, a);

	if (!a || a->t != J_ARR)
		return -1;
	for (size_t i = 0; i < n; i++, e = jnext(j, e))
		if (!e || ju64(e, &v[i]) < 0)
			return -1;
	return e ? -1 : 0;
}

/* sysctl values are -1 when unknown: negative numbers are allowed here. */
static int sysctl_of(const struct jparse *j, const struct jnode *a, struct host_ct_sysctl *s)
{
	long long v[5];
	const struct jnode *e = jkid(j, a);

	if (!a || a->t != J_ARR)
		return -1;
	for (int i = 0; i < 5; i++, e = jnext(j, e)) {
		char tmp[24], *end;

		if (!e || e->t != J_NUM || e->len >= sizeof tmp)
			return -1;
		memcpy(tmp, e->s, e->len);
		tmp[e->len] = '\0';
		errno = 0;
		v[i] = strtoll(tmp, &end, 10);
		if (*end || errno || v[i] < -1 || (i >= 2 && v[i] > 2))
			return -1;
	}
	s->count = v[0];
	s->max = v[1];
	s->acct = (int)v[2];
	s->events = (int)v[3];
	s->timestamp = (int)v[4];
	return e ? -1 : 0;
}

/* "ct" and "ctr": the kernel's statistics and their rates (absent: none). */
static int ct_of(const struct jparse *j, const struct jnode *rec, struct mon_frame *h)
{
	const struct jnode *ct = jget(j, rec, "ct"), *ctr = jget(j, rec, "ctr"), *e;
	uint64_t v[2 + CT_STAT_MAX];

	if (!ct && !ctr)
		return 0;
	if (u64_array(j, ct, v, 2 + CT_STAT_MAX) < 0 || v[0] > UINT32_MAX || v[1] > UINT32_MAX)
		return -1;
	h->ct.cpus = (unsigned)v[0];
	h->ct.have = (uint32_t)v[1];
	for (size_t i = 0; i < CT_STAT_MAX; i++)
		h->ct.v[i] = v[2 + i];
	if (!ctr || ctr->t != J_ARR)
		return -1;
	e = jkid(j, ctr);
	if (jdouble(e, &h->ct_rate.seconds) < 0 || !(e = jnext(j, e)) || ju64(e, &v[0]) < 0 ||
	    v[0] > UINT32_MAX)
		return -1;
	h->ct_rate.have = (uint32_t)v[0];
	for (size_t i = 0; i < CT_STAT_MAX; i++)
		if (!(e = jnext(j, e)) || jdouble(e, &h->ct_rate.v[i]) < 0)
			return -1;
	return jnext(j, e) ? -1 : 0;
}

/* The header facts: "rec" of a recording line, or made up for a plain stream line. */
static int head_of(struct replay *r, const struct jnode *root, const struct jnode *rec)
{
	const struct jparse *j = &r->j;
	struct mon_frame *h = &r->head;
	const struct jnode *n;
	uint64_t v, st[10], in[6];
	char tmp[40];

	memset(h, 0, sizeof *h);
	if (jstr(jget(j, root, "time"), tmp, sizeof tmp) < 0 ||
	    parse_rfc3339(tmp, strlen(tmp), &h->when) < 0)
		return -1;
	if (jdouble(jget(j, root, "interval"), &h->interval) < 0 ||
	    jdouble(jget(j, root, "period"), &h->period) < 0)
		return -1;
	n = jget(j, root, "budget_held");
	if (!n || (n->t != J_TRUE && n->t != J_FALSE))
		return -1;
	h->budget_held = n->t == J_TRUE;
	n = jget(j, root, "events_lost");
	if (!n)
		return -1;
	h->events = n->t != J_NULL;
	if (h->events && ju64(n, &h->events_lost) < 0)
		return -1;
	h->dumped = 1;
	h->sysctl = (struct host_ct_sysctl){ -1, -1, -1, -1, -1 };
	if (!rec)
		return 0;
	if (ju64(jget(j, rec, "seq"), &h->seq) < 0 || ju64(jget(j, rec, "dumped"), &v) < 0 ||
	    jdouble(jget(j, rec, "cost"), &h->cost) < 0 ||
	    jdouble(jget(j, rec, "next_dump"), &h->next_dump) < 0 ||
	    jdouble(jget(j, rec, "dump_cpu"), &h->dump_cpu) < 0)
		return -1;
	h->dumped = v != 0;
	if (jget(j, rec, "iv") && (jdouble(jget(j, rec, "iv"), &h->interval) < 0 ||
				   jdouble(jget(j, rec, "pd"), &h->period) < 0))
		return -1;
	if (ju64(jget(j, rec, "live"), &v) < 0)
		return -1;
	h->live = v != 0;
	if (ju64(jget(j, rec, "events"), &v) < 0)
		return -1;
	h->events = v != 0;
	if (ju64(jget(j, rec, "events_seen"), &h->events_seen) < 0 ||
	    sysctl_of(j, jget(j, rec, "sysctl"), &h->sysctl) < 0 ||
	    u64_array(j, jget(j, rec, "stats"), st, 10) < 0 ||
	    u64_array(j, jget(j, rec, "input"), in, 6) < 0)
		return -1;
	h->stats = (struct flow_stats){ .entries = st[0], .active = st[1], .passive = st[2],
					.local = st[3], .forwarded = st[4], .owned = st[5],
					.ambiguous = st[6], .excluded = st[7], .counters = st[8],
					.routed = st[9] };
	h->input = (struct ct_source_stats){ in[0], in[1], in[2], in[3], in[4], in[5] };
	return ct_of(j, rec, h);
}

/* idle and stale: the lists of this line replace the last ones. */
static int marks_of(struct replay *r, const struct jnode *rec)
{
	const struct jparse *j = &r->j;
	const struct jnode *idle = jget(j, rec, "idle"), *stale = jget(j, rec, "stale");

	if (!idle || !stale || idle->t != J_ARR || stale->t != J_ARR)
		return -1;
	for (size_t i = 0; i < r->nslots; i++)
		r->slots[i].f.idle = r->slots[i].f.stale = 0;
	for (const struct jnode *e = jkid(j, idle); e; e = jnext(j, e)) {
		uint64_t v[2];

		if (u64_array(j, e, v, 2) < 0 || v[0] >= r->nslots || v[1] > 255)
			return -1;
		r->slots[v[0]].f.idle = (uint8_t)v[1];
	}
	for (const struct jnode *e = jkid(j, stale); e; e = jnext(j, e)) {
		uint64_t v;

		if (ju64(e, &v) < 0 || v >= r->nslots)
			return -1;
		r->slots[v].f.stale = 1;
	}
	return 0;
}

/* The numbers of a flat array, in groups of k: calls fn per group.  -1 bad. */
static int groups(struct replay *r, const struct jnode *a, size_t k,
		  int (*fn)(struct replay *r, const uint64_t *v, uint64_t *prev))
{
	const struct jparse *j = &r->j;
	uint64_t v[5], prev = 0;
	size_t n = 0;

	if (!a || a->t != J_ARR)
		return -1;
	for (const struct jnode *e = jkid(j, a); e; e = jnext(j, e)) {
		if (ju64(e, &v[n]) < 0)
			return -1;
		if (++n == k) {
			if (fn(r, v, &prev) < 0)
				return -1;
			n = 0;
		}
	}
	return n ? -1 : 0;
}

static struct flow *present(struct replay *r, uint64_t id)
{
	return id < r->nslots && r->slots[id].present ? &r->slots[id].f : NULL;
}

/* chg: a step to the id, then the four deltas, which the totals grow by. */
static int on_chg(struct replay *r, const uint64_t *v, uint64_t *prev)
{
	uint64_t id = *prev + v[0];
	struct flow *f;

	if (id < *prev || !(f = present(r, id)))
		return -1;
	*prev = id;
	f->d.in_packets = v[1];
	f->d.in_bytes = v[2];
	f->d.out_packets = v[3];
	f->d.out_bytes = v[4];
	f->c.in_packets = u64_add_sat(f->c.in_packets, v[1]);
	f->c.in_bytes = u64_add_sat(f->c.in_bytes, v[2]);
	f->c.out_packets = u64_add_sat(f->c.out_packets, v[3]);
	f->c.out_bytes = u64_add_sat(f->c.out_bytes, v[4]);
	return 0;
}

/* conn: id, new, closed, open. */
static int on_conn(struct replay *r, const uint64_t *v, uint64_t *prev)
{
	struct flow *f = present(r, v[0]);

	if (!f || v[1] > UINT32_MAX || v[2] > UINT32_MAX || v[3] > UINT32_MAX)
		return -1;
	f->d.new_conns = (uint32_t)v[1];
	f->d.closed_conns = (uint32_t)v[2];
	f->conns = f->entries = (uint32_t)v[3];
	return 0;
}

/* tot: id and the four totals. */
static int on_tot(struct replay *r, const uint64_t *v, uint64_t *prev)
{
	struct flow *f = present(r, v[0]);

	if (!f)
		return -1;
	f->c = (struct flow_counters){ v[1], v[2], v[3], v[4] };
	return 0;
}

/*
 * Applies a parsed line.  A keyframe replaces the state; a change line
 * needs one before it (have_key).  -1: bad (the state may be half
 * changed: the caller rebuilds from the keyframe when it seeks).
 */
static int apply(struct replay *r)
{
	const struct jparse *j = &r->j;
	const struct jnode *root = &j->n[0], *rec = jget(j, root, "rec"), *n;
	uint64_t v;
	int key;

	if (rec) {
		if (rec->t != J_OBJ || ju64(jget(j, rec, "v"), &v) < 0 || v < 1)
			return -1;
		if (v > REC_VERSION)
			return -2;
		n = jget(j, rec, "kind");
		if (jstr_is(n, "key"))
			key = 1;
		else if (jstr_is(n, "delta"))
			key = 0;
		else
			return -1;
	} else {
		key = 1;
	}
	if (!key && !r->have_key)
		return -3;
	if (head_of(r, root, rec) < 0)
		return -1;
	if (key) {
		for (size_t i = 0; i < r->nslots; i++)
			r->slots[i].present = 0;
		r->nslots = 0;
		r->have_key = 0;
		if (add_flows(r, jget(j, root, "flows"), 0) < 0)
			return -1;
		if (rec) {
			char tmp[256];

			if (jstr(jget(j, rec, "host"), tmp, sizeof tmp) == 0)
				snprintf(r->host, sizeof r->host, "%s", tmp);
			if (jstr(jget(j, rec, "source"), tmp, sizeof tmp) == 0)
				snprintf(r->source, sizeof r->source, "%s", tmp);
			if (marks_of(r, rec) < 0)
				return -1;
		}
		r->have_key = 1;
		if (!r->head.seq)
			r->head.seq = 2;	/* a stream line: rates are known */
		if (!rec)
			for (size_t i = 0; i < r->nslots; i++) {
				const struct flow *f = &r->slots[i].f;

				r->head.stats.entries += f->conns;
				r->head.stats.active += f->key.dir == FLOW_ACTIVE;
				r->head.stats.passive += f->key.dir == FLOW_PASSIVE;
				r->head.stats.counters += f->c.in_packets || f->c.out_packets;
			}
		return 0;
	}
	{
		const struct jnode *del = jget(j, rec, "del");
		size_t first_add = r->nslots;

		if (!del || del->t != J_ARR)
			return -1;
		for (size_t i = 0; i < r->nslots; i++)
			memset(&r->slots[i].f.d, 0, sizeof r->slots[i].f.d);
		for (const struct jnode *e = jkid(j, del); e; e = jnext(j, e)) {
			if (ju64(e, &v) < 0 || v >= r->nslots)
				return -1;
			r->slots[v].present = 0;
		}
		if (groups(r, jget(j, rec, "chg"), 5, on_chg) < 0 ||
		    groups(r, jget(j, rec, "conn"), 4, on_conn) < 0 ||
		    groups(r, jget(j, rec, "tot"), 5, on_tot) < 0)
			return -1;
		if (add_flows(r, jget(j, rec, "add"), first_add) < 0 || marks_of(r, rec) < 0)
			return -1;
	}
	return 0;
}

int replay_parse_line(struct replay *r, const char *line, size_t len)
{
	int rc;

	r->st.lines++;
	if (len > REPLAY_LINE_MAX) {
		r->st.overlong++;
		return 0;
	}
	if (jparse_line(&r->j, line, len) < 0) {
		r->st.not_json++;
		r->have_key = 0;
		return 0;
	}
	rc = apply(r);
	if (rc == -2) {
		r->st.newer++;
		return 0;
	}
	if (rc == -3) {
		r->st.no_keyframe++;
		return 0;
	}
	if (rc < 0) {
		r->st.bad++;
		r->have_key = 0;	/* the state is unknown until the next keyframe */
		return 0;
	}
	r->st.snapshots++;
	return 1;
}

struct mon_frame *replay_state_frame(const struct replay *r)
{
	struct mon_frame *f = xcalloc(1, sizeof *f);
	size_t n = 0;

	*f = r->head;
	f->own_flows = NULL;
	f->conns = NULL;
	for (size_t i = 0; i < r->nslots; i++)
		n += r->slots[i].present == 1;
	f->own_flows = xcalloc(n + 1, sizeof *f->own_flows);
	f->own_cap = n + 1;
	n = 0;
	for (size_t i = 0; i < r->nslots; i++)
		if (r->slots[i].present == 1)
			f->own_flows[n++] = r->slots[i].f;
	f->flows = f->own_flows;
	f->nflows = n;
	return f;
}

struct replay *replay_new_parser(void)
{
	struct replay *r = xcalloc(1, sizeof *r);

	r->fd = -1;
	r->at = SIZE_MAX;
	r->labels = xcalloc(1, sizeof *r->labels);
	r->nlabels = 1;
	strcpy(r->labels[0].name, "?");
	strcpy(r->labels[0].id, "?");
	return r;
}

void replay_free(struct replay *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->ix);
	free(r->bad);
	free(r->j.n);
	free(r->line);
	free(r->slots);
	free(r->labels);
	route_reg_free(r->routes);
	free(r->sbuf);
	free(r);
}

/* ---- the index ---- */

/*
 * What the first bytes of a line say: 1 usable (time, keyframe or not),
 * 0 skipped (counted).  The writer puts "time" first and "rec" with its
 * version and kind before the flows, within the first HEAD_MAX bytes.
 */
static int head_scan(struct replay *r, const char *h, size_t n, int64_t *ms, int *key)
{
	static const char tkey[] = "{\"time\":\"";
	const char *q, *rec, *flows;
	char tmp[HEAD_MAX + 1];
	struct timespec t;
	uint64_t v;

	memcpy(tmp, h, n);
	tmp[n] = '\0';
	if (n < sizeof tkey || memcmp(tmp, tkey, sizeof tkey - 1))
		goto not_json;
	q = strchr(tmp + sizeof tkey - 1, '"');
	if (!q || parse_rfc3339(tmp + sizeof tkey - 1, (size_t)(q - tmp) - (sizeof tkey - 1),
				&t) < 0)
		goto not_json;
	*ms = ts_ms(&t);
	rec = strstr(tmp, ",\"rec\":{\"v\":");
	flows = strstr(tmp, ",\"flows\":");
	if (!rec || (flows && flows < rec)) {
		if (!flows)
			goto not_json;
		*key = 1;	/* a plain stream line */
		return 1;
	}
	rec += strlen(",\"rec\":{\"v\":");
	q = rec;
	while (*q >= '0' && *q <= '9')
		q++;
	if (parse_u64(rec, (size_t)(q - rec), UINT32_MAX, &v) < 0)
		goto not_json;
	if (v > REC_VERSION) {
		r->st.newer++;
		return 0;
	}
	if (!strncmp(q, ",\"kind\":\"key\"", 13))
		*key = 1;
	else if (!strncmp(q, ",\"kind\":\"delta\"", 15))
		*key = 0;
	else
		goto not_json;
	return 1;
not_json:
	r->st.not_json++;
	return 0;
}

static void index_line(struct replay *r, uint64_t off, uint64_t len, const char *head,
		       size_t hn, int64_t *last_ms, int *keyed)
{
	int64_t ms;
	int key;

	r->st.lines++;
	if (len > REPLAY_LINE_MAX) {
		r->st.overlong++;
		return;
	}
	if (!head_scan(r, head, hn, &ms, &key))
		return;
	if (r->nix && ms < *last_ms) {
		r->st.out_of_order++;
		return;
	}
	if (!key && !*keyed) {
		r->st.no_keyframe++;
		return;
	}
	if (r->nix >= REPLAY_INDEX_MAX) {
		r->st.not_indexed++;
		return;
	}
	*keyed = 1;
	if (r->nix % 65536 == 0)
		r->ix = xrealloc(r->ix, (r->nix + 65536) * sizeof *r->ix);
	r->ix[r->nix].off = off | (key ? IKEY : 0);
	r->ix[r->nix].ms = ms;
	r->nix++;
	*last_ms = ms;
}

static int build_index(struct replay *r)
{
	char *buf = xmalloc(CHUNK), head[HEAD_MAX];
	uint64_t pos = 0, start = 0;
	size_t hn = 0;
	int64_t last_ms = 0;
	int keyed = 0;

#ifdef POSIX_FADV_SEQUENTIAL
	(void)posix_fadvise(r->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	for (;;) {
		ssize_t got = pread(r->fd, buf, CHUNK, (off_t)pos);
		size_t i = 0;

		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			int e = errno;

			free(buf);
			errno = e;
			return -1;
		}
		if (got == 0)
			break;
		while (i < (size_t)got) {
			char *nl = memchr(buf + i, '\n', (size_t)got - i);
			size_t end = nl ? (size_t)(nl - buf) : (size_t)got;
			size_t take = end - i < HEAD_MAX - hn ? end - i : HEAD_MAX - hn;

			memcpy(head + hn, buf + i, take);
			hn += take;
			if (!nl) {
				i = (size_t)got;
				break;
			}
			index_line(r, start, pos + end - start, head, hn, &last_ms, &keyed);
			hn = 0;
			i = end + 1;
			start = pos + i;
		}
		pos += (uint64_t)got;
	}
	if (start < pos) {
		r->st.lines++;
		r->st.truncated++;
	}
	r->size = start;	/* whole lines end here */
	free(buf);
	r->bad = xcalloc(r->nix + 1, 1);
	r->st.snapshots = r->nix;
	return 0;
}

struct replay *replay_open(int fd, char *err, size_t errlen)
{
	struct replay *r = replay_new_parser();
	struct stat sb;

	r->fd = fd;
	if (fstat(fd, &sb) < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot read the recording: %s", strerror(e));
		replay_free(r);
		errno = e;
		return NULL;
	}
	if (S_ISREG(sb.st_mode)) {
		r->seekable = 1;
		if (build_index(r) < 0) {
			int e = errno;

			snprintf(err, errlen, "cannot read the recording: %s", strerror(e));
			replay_free(r);
			errno = e;
			return NULL;
		}
	}
	return r;
}

/* ---- reading snapshots ---- */

static uint64_t ix_off(const struct replay *r, size_t i)
{
	return r->ix[i].off & ~IKEY;
}

/* Reads indexed line i into r->line (its newline dropped).  Length, or -1. */
static ssize_t read_line(struct replay *r, size_t i)
{
	uint64_t off = ix_off(r, i), end;
	size_t len, got = 0;

	/* The next line start bounds it; the last one ends at the last newline. */
	end = i + 1 < r->nix ? ix_off(r, i + 1) : r->size;
	len = (size_t)(end - off);
	if (len + 1 > r->line_cap) {
		r->line_cap = len + 1;
		r->line = xrealloc(r->line, r->line_cap);
	}
	while (got < len) {
		ssize_t n = pread(r->fd, r->line + got, len - got, (off_t)(off + got));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			errno = n < 0 ? errno : EIO;
			return -1;
		}
		got += (size_t)n;
	}
	/* Skipped lines between i and i + 1 follow its newline: cut at the first. */
	{
		char *nl = memchr(r->line, '\n', len);

		if (nl)
			len = (size_t)(nl - r->line);
	}
	return (ssize_t)len;
}

/* Parses indexed line i into the state; -1 when bad (marked, counted once). */
static int parse_indexed(struct replay *r, size_t i)
{
	struct replay_stats before = r->st;
	ssize_t n = read_line(r, i);
	int ok;

	if (n < 0)
		return -1;
	ok = replay_parse_line(r, r->line, (size_t)n) == 1;
	/* The index counted this line already: what the parse finds is "bad inside". */
	r->st = before;
	if (!ok) {
		if (!r->bad[i]) {
			r->bad[i] = 1;
			r->st.bad++;
			r->st.snapshots--;
		}
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

struct mon_frame *replay_frame(struct replay *r, size_t i)
{
	size_t k = i, from;

	if (i >= r->nix) {
		errno = ERANGE;
		return NULL;
	}
	while (k > 0 && !(r->ix[k].off & IKEY))
		k--;
	/* From the state when it is of the same span and not past i. */
	if (r->at != SIZE_MAX && r->at >= k && r->at <= i && r->have_key) {
		from = r->at + 1;
		if (r->at == i)
			return replay_state_frame(r);
	} else {
		r->at = SIZE_MAX;
		if (parse_indexed(r, k) < 0)
			return NULL;
		from = k + 1;
	}
	for (size_t l = from; l <= i; l++) {
		struct mon_frame saved = r->head;

		if (parse_indexed(r, l) < 0) {
			/* A bad change line: this snapshot keeps the flows of the one before. */
			if (!r->have_key) {
				r->at = SIZE_MAX;
				if (parse_indexed(r, k) < 0)
					return NULL;
				for (size_t m = k + 1; m < l; m++)
					(void)parse_indexed(r, m);
			}
			r->head = saved;
			r->head.when = replay_time(r, l);
			for (size_t s = 0; s < r->nslots; s++)
				memset(&r->slots[s].f.d, 0, sizeof r->slots[s].f.d);
		}
	}
	r->at = i;
	return replay_state_frame(r);
}

struct mon_frame *replay_next(struct replay *r)
{
	if (r->seekable) {
		size_t i = r->at == SIZE_MAX ? 0 : r->at + 1;

		for (; i < r->nix; i++) {
			struct mon_frame *f = replay_frame(r, i);

			if (f)
				return f;
			if (errno != EBADMSG)
				return NULL;
			r->at = i;
		}
		errno = 0;
		return NULL;
	}
	for (;;) {
		char *nl = r->slen ? memchr(r->sbuf, '\n', r->slen) : NULL;

		if (nl) {
			size_t len = (size_t)(nl - r->sbuf);
			int ok = 0;
			struct timespec t;

			if (len <= REPLAY_LINE_MAX) {
				ok = replay_parse_line(r, r->sbuf, len) == 1;
				t = r->head.when;
				if (ok && ts_ms(&t) < r->last_ms) {
					r->st.out_of_order++;
					r->st.snapshots--;
					ok = 0;
				} else if (ok) {
					r->last_ms = ts_ms(&t);
				}
			}
			memmove(r->sbuf, nl + 1, r->slen - len - 1);
			r->slen -= len + 1;
			if (ok)
				return replay_state_frame(r);
			continue;
		}
		if (r->eof) {
			if (r->slen) {
				r->st.lines++;
				r->st.truncated++;
				r->slen = 0;
			}
			errno = 0;
			return NULL;
		}
		if (r->slen > REPLAY_LINE_MAX) {
			/* Drop the over-long line up to its newline. */
			r->st.lines++;
			r->st.overlong++;
			r->slen = 0;
			for (;;) {
				char tmp[65536];
				ssize_t n = read(r->fd, tmp, sizeof tmp);
				char *e;

				if (n < 0 && errno == EINTR)
					continue;
				if (n <= 0) {
					r->eof = 1;
					break;
				}
				e = memchr(tmp, '\n', (size_t)n);
				if (e) {
					size_t rest = (size_t)n - (size_t)(e + 1 - tmp);

					if (rest > r->scap) {
						r->scap = rest;
						r->sbuf = xrealloc(r->sbuf, r->scap);
					}
					memcpy(r->sbuf, e + 1, rest);
					r->slen = rest;
					break;
				}
			}
			continue;
		}
		if (r->scap - r->slen < 65536) {
			r->scap = r->scap ? r->scap * 2 : 1u << 20;
			r->sbuf = xrealloc(r->sbuf, r->scap);
		}
		{
			ssize_t n = read(r->fd, r->sbuf + r->slen, r->scap - r->slen);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return NULL;
			if (n == 0)
				r->eof = 1;
			r->slen += (size_t)n;
		}
	}
}
