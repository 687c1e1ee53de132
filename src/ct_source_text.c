/*
 * ct_source_text.c - conntrack entries from the text of conntrack -L,
 * conntrack -o extended and /proc/net/nf_conntrack.
 *
 * Lines are scanned by hand, token by token, straight out of the read
 * buffer: no copy, no allocation, no stdio.  A dump of a busy host has
 * millions of lines, so this path is kept tight.
 */
#include "ct_source_text.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

/* Per-protocol properties of the tuple and header. */
#define P_PORTS 0x1u	/* tuples must carry sport= and dport= */
#define P_STATE 0x2u	/* a state word may follow the timeout */
#define P_ICMP  0x4u	/* tuples carry type= code= id= */
#define P_GRE   0x8u	/* tuples carry srckey= dstkey= */

struct l4_proto {
	const char *name;
	uint8_t len;
	uint8_t num;
	uint8_t props;
};

/*
 * The names both the kernel (/proc) and libnetfilter_conntrack print.
 * Anything they do not know is printed as "unknown" with its number.
 */
static const struct l4_proto l4_protos[] = {
	{ "tcp",     3, IPPROTO_TCP,     P_PORTS | P_STATE },
	{ "udp",     3, IPPROTO_UDP,     P_PORTS },
	{ "icmp",    4, IPPROTO_ICMP,    P_ICMP },
	{ "icmpv6",  6, IPPROTO_ICMPV6,  P_ICMP },
	{ "sctp",    4, IPPROTO_SCTP,    P_PORTS | P_STATE },
	{ "dccp",    4, IPPROTO_DCCP,    P_PORTS | P_STATE },
	{ "udplite", 7, IPPROTO_UDPLITE, P_PORTS },
	{ "gre",     3, IPPROTO_GRE,     P_GRE },
};

/* Keys we read; the tuple keys double as bits of line_state.seen[]. */
enum text_key {
	KEY_OTHER = 0,
	KEY_SRC,
	KEY_DST,
	KEY_SPORT,
	KEY_DPORT,
	KEY_PACKETS,
	KEY_BYTES,
	KEY_TYPE,
	KEY_CODE,
	KEY_ICMP_ID,	/* never returned by key_lookup(): an "id" in a tuple */
	KEY_ID,
	KEY_ZONE,
	KEY_ZONE_ORIG,
	KEY_ZONE_REPLY,
	KEY_MARK,
	KEY_SRCKEY,
	KEY_DSTKEY,
};

#define SEEN(k) (1u << (k))

struct token {
	const char *s;
	size_t len;
	const char *eq;		/* the first '=' in the token, or NULL */
};

struct cursor {
	const char *p;
	const char *end;
};

struct line_state {
	struct ct_entry *e;
	unsigned props;		/* P_* of the protocol */
	int cur;		/* -1 before the first src=, 0 orig, 1 reply */
	unsigned seen[2];	/* SEEN(KEY_*) per tuple */
	bool unreplied;
	unsigned zones;		/* SEEN(KEY_ZONE*), SEEN(KEY_MARK) read so far */
};

static inline bool tok_eq(const struct token *t, const char *s, size_t len)
{
	return t->len == len && memcmp(t->s, s, len) == 0;
}

#define BYTES_01 0x0101010101010101ull
#define BYTES_80 0x8080808080808080ull

static inline bool is_sep(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * The end of a token.  Values (an expanded IPv6 address is 39 bytes) are
 * skipped eight bytes at a time: a word holding no space and no tab.
 */
static inline const char *find_sep(const char *p, const char *end)
{
	while (end - p >= 8) {
		uint64_t x, a, b, m;

		memcpy(&x, p, 8);
		a = x ^ (' ' * BYTES_01);
		b = x ^ ('\t' * BYTES_01);
		/* 0x80 in exactly the bytes of x that are a space or a tab */
		m = ~(((a & ~BYTES_80) + ~BYTES_80) | a | ~BYTES_80) |
		    ~(((b & ~BYTES_80) + ~BYTES_80) | b | ~BYTES_80);
		if (m) {
#if defined(__GNUC__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
			return p + (__builtin_ctzll(m) >> 3);
#else
			break;
#endif
		}
		p += 8;
	}
	while (p < end && !is_sep(*p))
		p++;
	return p;
}

/* Splits on spaces and tabs, noting the '=' on the way (one pass). */
static inline bool next_token(struct cursor *c, struct token *t)
{
	const char *p = c->p;
	const char *end = c->end;

	while (p < end && is_sep(*p))
		p++;
	if (p == end) {
		c->p = p;
		return false;
	}
	t->s = p;
	t->eq = NULL;
	while (p < end && !is_sep(*p)) {
		if (*p == '=') {
			t->eq = p;
			p = find_sep(p + 1, end);
			break;
		}
		p++;
	}
	t->len = (size_t)(p - t->s);
	c->p = p;
	return true;
}

/*
 * Decimal digits only, no sign, no spaces, at most max.  The overflow test
 * runs before the multiply, so 2^64 is refused rather than wrapped.
 */
static inline bool parse_num(const char *s, size_t len, uint64_t max, uint64_t *out)
{
	const uint64_t cut = max / 10;
	const unsigned lim = (unsigned)(max % 10);
	uint64_t v = 0;

	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned d = (unsigned)(unsigned char)s[i] - '0';

		if (d > 9)
			return false;
		if (v > cut || (v == cut && d > lim))
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

static inline bool is_text_byte(unsigned char c)
{
	return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\r';
}

/*
 * Text is printable ASCII plus tab and CR.  Every byte of the input passes
 * here, so eight at a time: a word with no byte >= 0x80, < 0x20 or == 0x7f
 * is fine; only words that may hold a tab (or worse) are looked at bytewise.
 */
static bool is_text(const char *s, size_t len)
{
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t x, y, odd;

		memcpy(&x, s + i, 8);
		y = x ^ (0x7f * BYTES_01);
		odd = (x | ((x - 0x20 * BYTES_01) & ~x) | ((y - BYTES_01) & ~y)) & BYTES_80;
		if (odd == 0)
			continue;
		for (size_t j = i; j < i + 8; j++) {
			if (!is_text_byte((unsigned char)s[j]))
				return false;
		}
	}
	for (; i < len; i++) {
		if (!is_text_byte((unsigned char)s[i]))
			return false;
	}
	return true;
}

static enum text_key key_lookup(const char *s, size_t len)
{
	switch (len) {
	case 2:
		if (s[0] == 'i' && s[1] == 'd')
			return KEY_ID;
		break;
	case 3:
		if (memcmp(s, "src", 3) == 0)
			return KEY_SRC;
		if (memcmp(s, "dst", 3) == 0)
			return KEY_DST;
		break;
	case 4:
		if (memcmp(s, "type", 4) == 0)
			return KEY_TYPE;
		if (memcmp(s, "code", 4) == 0)
			return KEY_CODE;
		if (memcmp(s, "zone", 4) == 0)
			return KEY_ZONE;
		if (memcmp(s, "mark", 4) == 0)
			return KEY_MARK;
		break;
	case 5:
		if (memcmp(s, "sport", 5) == 0)
			return KEY_SPORT;
		if (memcmp(s, "dport", 5) == 0)
			return KEY_DPORT;
		if (memcmp(s, "bytes", 5) == 0)
			return KEY_BYTES;
		break;
	case 6:
		if (memcmp(s, "srckey", 6) == 0)
			return KEY_SRCKEY;
		if (memcmp(s, "dstkey", 6) == 0)
			return KEY_DSTKEY;
		break;
	case 7:
		if (memcmp(s, "packets", 7) == 0)
			return KEY_PACKETS;
		break;
	case 9:
		if (memcmp(s, "zone-orig", 9) == 0)
			return KEY_ZONE_ORIG;
		break;
	case 10:
		if (memcmp(s, "zone-reply", 10) == 0)
			return KEY_ZONE_REPLY;
		break;
	}
	return KEY_OTHER;
}

static const struct l4_proto *proto_lookup(const struct token *t)
{
	for (size_t i = 0; i < sizeof l4_protos / sizeof l4_protos[0]; i++) {
		if (tok_eq(t, l4_protos[i].name, l4_protos[i].len))
			return &l4_protos[i];
	}
	return NULL;
}

/* Hex digit value plus one, 0 for anything else: a table, no branches. */
static const uint8_t hex_plus1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5,
	['5'] = 6, ['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

/* A GRE key as the kernel and conntrack print it ("0x1f"), or decimal. */
static bool parse_key(const char *s, size_t len, uint16_t *out)
{
	uint64_t v = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		if (len > 2 + 4)
			return false;
		for (size_t i = 2; i < len; i++) {
			unsigned h = hex_plus1[(unsigned char)s[i]];

			if (!h)
				return false;
			v = v << 4 | (h - 1);
		}
	} else if (!parse_num(s, len, UINT16_MAX, &v)) {
		return false;
	}
	*out = (uint16_t)v;
	return true;
}

/* Dotted quad, no leading zeros: exactly what inet_pton() takes. */
static bool addr4_fast(const char *s, size_t len, struct ct_addr *out)
{
	const char *p = s;
	const char *end = s + len;

	for (int i = 0; i < 4; i++) {
		const char *start = p;
		unsigned v = 0;

		while (p < end && p - start < 3 && *p >= '0' && *p <= '9')
			v = v * 10 + (unsigned)(*p++ - '0');
		if (p == start || v > 255 || (p - start > 1 && *start == '0'))
			return false;
		out->b[i] = (uint8_t)v;
		if (i < 3) {
			if (p == end || *p != '.')
				return false;
			p++;
		}
	}
	return p == end;
}

/*
 * Hex groups with at most one "::", no embedded IPv4.  A "::" that would
 * stand for a single group is left to inet_pton(), whose call that is.
 */
static bool addr6_fast(const char *s, size_t len, struct ct_addr *out)
{
	const char *p = s;
	const char *end = s + len;
	uint16_t g[8];
	int n = 0;
	int gap = -1;	/* groups before the "::" */
	int after;

	if (len >= 2 && p[0] == ':' && p[1] == ':') {
		gap = 0;
		p += 2;
	}
	while (p < end) {
		unsigned v = 0;
		int d = 0;
		unsigned h;

		while (p < end && d < 4 && (h = hex_plus1[(unsigned char)*p]) != 0) {
			v = v << 4 | (h - 1);
			p++;
			d++;
		}
		if (d == 0 || n == 8)
			return false;
		g[n++] = (uint16_t)v;
		if (p == end)
			break;
		if (*p++ != ':' || p == end)
			return false;
		if (*p == ':') {
			if (gap >= 0)
				return false;
			gap = n;
			p++;
		}
	}
	if (gap < 0 ? n != 8 : n > 6)
		return false;
	memset(out, 0, sizeof *out);
	after = gap < 0 ? 0 : n - gap;
	for (int i = 0; i < n - after; i++) {
		out->b[2 * i] = (uint8_t)(g[i] >> 8);
		out->b[2 * i + 1] = (uint8_t)g[i];
	}
	for (int i = 0; i < after; i++) {
		int slot = 8 - after + i;

		out->b[2 * slot] = (uint8_t)(g[gap + i] >> 8);
		out->b[2 * slot + 1] = (uint8_t)g[gap + i];
	}
	return true;
}

/*
 * inet_pton() is a third of the cost of a /proc line, so the usual forms are
 * parsed here; anything else goes to ct_addr_parse(), which decides.  Every
 * address of a line must be of the line's family.
 */
static bool parse_addr(struct line_state *ls, const char *s, size_t len,
		       struct ct_addr *out)
{
	int family;

	if (addr4_fast(s, len, out)) {
		memset(out->b + 4, 0, sizeof out->b - 4);
		family = AF_INET;
	} else if (addr6_fast(s, len, out)) {
		family = AF_INET6;
	} else {
		family = ct_addr_parse(s, len, out);
		if (family < 0)
			return false;
	}
	if (ls->e->family == 0)
		ls->e->family = (uint8_t)family;
	return family == ls->e->family;
}

/* Reads one key=value token; false means the line is malformed. */
static bool parse_kv(struct line_state *ls, const char *key, size_t klen,
		     const char *val, size_t vlen)
{
	struct ct_entry *e = ls->e;
	enum text_key k = key_lookup(key, klen);
	struct ct_tuple *tu;
	uint64_t v;

	if (k == KEY_OTHER)
		return klen > 0;	/* use=, delta-time=, secctx=, ... */
	if (k == KEY_MARK) {
		/*
		 * Decimal in both layouts.  It only filters (--mark), so one
		 * that does not read stays 0 and the line is kept, as before
		 * marks were read; the first readable one counts.
		 */
		if (!(ls->zones & SEEN(k)) && parse_num(val, vlen, UINT32_MAX, &v)) {
			e->mark = (uint32_t)v;
			ls->zones |= SEEN(k);
		}
		return true;
	}

	if (k == KEY_SRC) {
		/* The first src= opens the original tuple, the second the reply. */
		if (++ls->cur > 1)
			return false;
	} else if (k == KEY_ID) {
		/*
		 * ICMP tuples end in their own id=, before the conntrack id
		 * that "-o id" appends: the first id= after a tuple's
		 * type=/code= is the ICMP one.
		 */
		if ((ls->props & P_ICMP) && ls->cur >= 0 &&
		    !(ls->seen[ls->cur] & SEEN(KEY_ICMP_ID)) &&
		    (ls->seen[ls->cur] & (SEEN(KEY_TYPE) | SEEN(KEY_CODE)))) {
			k = KEY_ICMP_ID;
		} else {
			if ((e->flags & CT_F_ID) ||
			    !parse_num(val, vlen, UINT32_MAX, &v))
				return false;
			e->id = (uint32_t)v;
			e->flags |= CT_F_ID;
			return true;
		}
	} else if (k == KEY_ZONE || k == KEY_ZONE_ORIG || k == KEY_ZONE_REPLY) {
		/*
		 * A conntrack has one zone: the kernel prints zone= when it
		 * applies to both directions, zone-orig= or zone-reply= when
		 * to one.  Each key at most once; on a line with several
		 * (not the kernel's), zone= wins, then zone-orig=.
		 */
		if ((ls->zones & SEEN(k)) || !parse_num(val, vlen, UINT16_MAX, &v))
			return false;
		if (k == KEY_ZONE || !(ls->zones & (SEEN(KEY_ZONE) | SEEN(KEY_ZONE_ORIG))))
			e->zone = (uint16_t)v;
		ls->zones |= SEEN(k);
		if (k == KEY_ZONE_ORIG)
			e->flags |= CT_F_ZONE_ORIG;
		else if (k == KEY_ZONE_REPLY)
			e->flags |= CT_F_ZONE_REPLY;
		return true;
	}

	/* A tuple key: it belongs to the tuple the last src= opened. */
	if (ls->cur < 0 || (ls->seen[ls->cur] & SEEN(k)))
		return false;
	ls->seen[ls->cur] |= SEEN(k);
	tu = ls->cur == 0 ? &e->orig : &e->reply;

	switch (k) {
	case KEY_SRC:
		return parse_addr(ls, val, vlen, &tu->src);
	case KEY_DST:
		return parse_addr(ls, val, vlen, &tu->dst);
	case KEY_SPORT:
	case KEY_DPORT:
		if (!parse_num(val, vlen, UINT16_MAX, &v))
			return false;
		/* A port-less protocol keeps its ports 0 (ct.h), whatever the line says. */
		if (!(ls->props & P_PORTS))
			return true;
		if (k == KEY_SPORT)
			tu->sport = (uint16_t)v;
		else
			tu->dport = (uint16_t)v;
		return true;
	case KEY_PACKETS:
		e->flags |= CT_F_COUNTERS;
		return parse_num(val, vlen, UINT64_MAX, &tu->packets);
	case KEY_BYTES:
		e->flags |= CT_F_COUNTERS;
		return parse_num(val, vlen, UINT64_MAX, &tu->bytes);
	case KEY_TYPE:
	case KEY_CODE:
		/* ICMP's type and code go into dport (ct.h); elsewhere only checked. */
		if (!parse_num(val, vlen, UINT8_MAX, &v))
			return false;
		if (ls->props & P_ICMP)
			tu->dport = k == KEY_TYPE ? CT_ICMP_TC(v, CT_ICMP_CODE(tu->dport)) :
						    CT_ICMP_TC(CT_ICMP_TYPE(tu->dport), v);
		return true;
	case KEY_ICMP_ID:
		if (!parse_num(val, vlen, UINT16_MAX, &v))
			return false;
		tu->sport = (uint16_t)v;	/* only ICMP gets here */
		return true;
	case KEY_SRCKEY:
	case KEY_DSTKEY: {
		uint16_t gk;

		if (!parse_key(val, vlen, &gk))
			return false;
		if (ls->props & P_GRE) {
			if (k == KEY_SRCKEY)
				tu->sport = gk;
			else
				tu->dport = gk;
		}
		return true;
	}
	default:
		return false;
	}
}

/* [UNREPLIED], [ASSURED], ...: unknown flags are ignored. */
static void parse_flag(struct line_state *ls, const char *s, size_t len)
{
	if (len == 9 && memcmp(s, "UNREPLIED", 9) == 0)
		ls->unreplied = true;
	else if (len == 7 && memcmp(s, "ASSURED", 7) == 0)
		ls->e->status |= CT_STATUS_ASSURED;
	else if ((len == 7 && memcmp(s, "OFFLOAD", 7) == 0) ||
		 (len == 10 && memcmp(s, "HW_OFFLOAD", 10) == 0))
		ls->e->status |= CT_STATUS_OFFLOAD;
}

/* "[1700000000.123456]", the prefix of conntrack -E -o timestamp. */
static bool is_event_time(const char *s, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++) {
		if ((s[i] < '0' || s[i] > '9') && s[i] != '.')
			return false;
	}
	return true;
}

static bool tuple_complete(unsigned seen, unsigned props)
{
	unsigned need = SEEN(KEY_SRC) | SEEN(KEY_DST);

	if (props & P_PORTS)
		need |= SEEN(KEY_SPORT) | SEEN(KEY_DPORT);
	return (seen & need) == need;
}

enum ct_text_result ct_text_parse_line(const char *line, size_t len,
				       struct ct_entry *out)
{
	struct line_state ls = { .e = out, .cur = -1 };
	struct cursor c;
	struct token t;
	const struct l4_proto *proto;
	uint8_t l3_family = 0;
	bool have_timeout = false;
	uint8_t event = 0;	/* CT_F_EVENT, with CT_F_DESTROYED for [DESTROY] */
	uint64_t v;

	memset(out, 0, sizeof *out);
	if (len > 0 && line[len - 1] == '\n')
		len--;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (!is_text(line, len))
		return CT_TEXT_BINARY;

	c.p = line;
	c.end = line + len;
	if (!next_token(&c, &t))
		return CT_TEXT_IGNORED;

	/* conntrack-tools' own lines: "conntrack v1.4.7 (conntrack-tools): 3 flow ..." */
	if (tok_eq(&t, "conntrack", 9)) {
		struct cursor c2 = c;
		struct token t2;

		if (next_token(&c2, &t2) && t2.s[0] == 'v')
			return CT_TEXT_IGNORED;
		return CT_TEXT_MALFORMED;
	}

	/* conntrack -E: "[1700000000.123456]	    [NEW] tcp ..." */
	while (t.s[0] == '[') {
		const char *tag = t.s + 1;
		size_t tlen = t.len - 1;

		if (tlen == 0 || tag[tlen - 1] != ']')
			return CT_TEXT_MALFORMED;
		tlen--;
		if (tlen == 7 && memcmp(tag, "DESTROY", 7) == 0) {
			if (event)
				return CT_TEXT_MALFORMED;
			event = CT_F_EVENT | CT_F_DESTROYED;
		} else if ((tlen == 3 && memcmp(tag, "NEW", 3) == 0) ||
			   (tlen == 6 && memcmp(tag, "UPDATE", 6) == 0)) {
			if (event)
				return CT_TEXT_MALFORMED;
			event = CT_F_EVENT;
		} else if (event || !is_event_time(tag, tlen)) {
			/* The time stamp comes first, the kind once. */
			return CT_TEXT_MALFORMED;
		}
		if (!next_token(&c, &t))
			return CT_TEXT_MALFORMED;
	}

	/* The extended layout leads with the layer-3 name and number. */
	if (tok_eq(&t, "ipv4", 4) || tok_eq(&t, "ipv6", 4)) {
		l3_family = t.s[3] == '4' ? AF_INET : AF_INET6;
		if (!next_token(&c, &t) || !parse_num(t.s, t.len, UINT8_MAX, &v) ||
		    v != l3_family)
			return CT_TEXT_MALFORMED;
		if (!next_token(&c, &t))
			return CT_TEXT_MALFORMED;
	}
	out->family = l3_family;

	proto = proto_lookup(&t);
	if (!proto && !tok_eq(&t, "unknown", 7))
		return CT_TEXT_MALFORMED;
	if (!next_token(&c, &t) || !parse_num(t.s, t.len, UINT8_MAX, &v))
		return CT_TEXT_MALFORMED;
	if (proto && v != proto->num)
		return CT_TEXT_MALFORMED;
	out->proto = (uint8_t)v;
	ls.props = proto ? proto->props : 0;

	if (!next_token(&c, &t))
		return CT_TEXT_MALFORMED;
	/* The kernel leaves the timeout out for offloaded entries. */
	if (t.s[0] >= '0' && t.s[0] <= '9') {
		if (!parse_num(t.s, t.len, UINT32_MAX, &v))
			return CT_TEXT_MALFORMED;
		out->timeout = (uint32_t)v;
		have_timeout = true;
		if (!next_token(&c, &t))
			return CT_TEXT_MALFORMED;
	}

	/*
	 * TCP, SCTP and DCCP print a state word, but not always: conntrack
	 * -L shows none for DCCP when the kernel has no DCCP tracker.  An
	 * SCTP or DCCP word ct.h does not name (a newer kernel's) leaves the
	 * state unknown; TCP's set has not changed in years.
	 */
	if ((ls.props & P_STATE) && t.s[0] != '[' && !t.eq) {
		if (out->proto == IPPROTO_TCP) {
			int st = ct_tcp_state_parse(t.s, t.len);

			if (st < 0)
				return CT_TEXT_MALFORMED;
			out->tcp_state = (uint8_t)st;
			out->flags |= CT_F_STATE;
		} else {
			int st = ct_l4_state_parse(out->proto, t.s, t.len);

			if (st >= 0) {
				out->state = (uint8_t)st;
				out->flags |= CT_F_STATE;
			}
		}
		if (!next_token(&c, &t))
			return CT_TEXT_MALFORMED;
	}

	do {
		if (t.s[0] == '[') {
			if (t.len >= 2 && t.s[t.len - 1] == ']') {
				parse_flag(&ls, t.s + 1, t.len - 2);
				continue;
			}
			/*
			 * "-o ktimestamp" prints "[start=Thu Nov 26 23:07:19
			 * 2026]": a bracket with a value may hold spaces.
			 */
			if (!t.eq)
				return CT_TEXT_MALFORMED;
			do {
				if (!next_token(&c, &t))
					return CT_TEXT_MALFORMED;
			} while (t.s[t.len - 1] != ']');
			continue;
		}
		if (!t.eq)
			return CT_TEXT_MALFORMED;
		if (!parse_kv(&ls, t.s, (size_t)(t.eq - t.s), t.eq + 1,
			      t.len - (size_t)(t.eq - t.s) - 1))
			return CT_TEXT_MALFORMED;
	} while (next_token(&c, &t));

	if (ls.cur != 1 || !tuple_complete(ls.seen[0], ls.props) ||
	    !tuple_complete(ls.seen[1], ls.props))
		return CT_TEXT_MALFORMED;
	if (!have_timeout && !(out->status & CT_STATUS_OFFLOAD))
		return CT_TEXT_MALFORMED;
	if (!ls.unreplied)
		out->status |= CT_STATUS_SEEN_REPLY;
	out->flags |= event;
	return CT_TEXT_ENTRY;
}
