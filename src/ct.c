/* ct.c - helpers shared by every conntrack source. */
#include "ct.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

static const char *const tcp_state_names[CT_TCP_STATE_MAX] = {
	"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT",
	"CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2",
};

const char *ct_tcp_state_name(unsigned state)
{
	return state < CT_TCP_STATE_MAX ? tcp_state_names[state] : "NONE";
}

int ct_tcp_state_parse(const char *s, size_t len)
{
	for (int i = 0; i < CT_TCP_STATE_MAX; i++) {
		if (strlen(tcp_state_names[i]) == len &&
		    memcmp(tcp_state_names[i], s, len) == 0)
			return i;
	}
	/* Kernels before 3.x called SYN_SENT2 "LISTEN". */
	if (len == 6 && memcmp(s, "LISTEN", 6) == 0)
		return CT_TCP_SYN_SENT2;
	return -1;
}

static const char *const sctp_state_names[CT_SCTP_STATE_MAX] = {
	"NONE", "CLOSED", "COOKIE_WAIT", "COOKIE_ECHOED", "ESTABLISHED",
	"SHUTDOWN_SENT", "SHUTDOWN_RECD", "SHUTDOWN_ACK_SENT", "HEARTBEAT_SENT",
	"HEARTBEAT_ACKED",
};

static const char *const dccp_state_names[CT_DCCP_STATE_MAX] = {
	"NONE", "REQUEST", "RESPOND", "PARTOPEN", "OPEN", "CLOSEREQ", "CLOSING",
	"TIMEWAIT", "IGNORE", "INVALID",
};

const char *ct_l4_state_name(unsigned proto, unsigned state)
{
	if (proto == CT_PROTO_SCTP && state < CT_SCTP_STATE_MAX)
		return sctp_state_names[state];
	if (proto == CT_PROTO_DCCP && state < CT_DCCP_STATE_MAX)
		return dccp_state_names[state];
	return "NONE";
}

int ct_l4_state_parse(unsigned proto, const char *s, size_t len)
{
	const char *const *names = proto == CT_PROTO_SCTP ? sctp_state_names :
				   proto == CT_PROTO_DCCP ? dccp_state_names : NULL;
	int n = proto == CT_PROTO_SCTP ? CT_SCTP_STATE_MAX : CT_DCCP_STATE_MAX;

	for (int i = 0; names && i < n; i++) {
		if (strlen(names[i]) == len && memcmp(names[i], s, len) == 0)
			return i;
	}
	return -1;
}

const char *ct_entry_state_name(const struct ct_entry *e)
{
	if (!(e->flags & CT_F_STATE))
		return NULL;
	if (e->proto == CT_PROTO_TCP)
		return ct_tcp_state_name(e->tcp_state);
	if (e->proto == CT_PROTO_SCTP || e->proto == CT_PROTO_DCCP)
		return ct_l4_state_name(e->proto, e->state);
	return NULL;
}

int ct_addr_is_loopback(int family, const struct ct_addr *a)
{
	static const uint8_t v6_loop[16] = { [15] = 1 };

	if (family == AF_INET)
		return a->b[0] == 127;
	return memcmp(a->b, v6_loop, 16) == 0;
}

/* Writes v's dotted quad at p; returns the end. */
static char *put_v4(char *p, const uint8_t *b)
{
	for (int i = 0; i < 4; i++) {
		unsigned v = b[i];

		if (i)
			*p++ = '.';
		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
	}
	return p;
}

/*
 * IPv6 by hand too, in the text inet_ntop() writes (RFC 5952: lower case,
 * no leading zeros, the first longest run of two or more zero groups as
 * "::"; ::a.b.c.d and ::ffff:a.b.c.d for IPv4-compatible and -mapped
 * addresses).  glibc's goes through sprintf for every group.
 */
static char *put_v6(char *p, const uint8_t *b)
{
	static const char hex[] = "0123456789abcdef";
	unsigned w[8];
	int best = -1, best_len = 0;

	for (int i = 0; i < 8; i++)
		w[i] = (unsigned)b[2 * i] << 8 | b[2 * i + 1];
	for (int i = 0; i < 8;) {
		int j = i;

		while (j < 8 && w[j] == 0)
			j++;
		if (j - i > best_len) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	if (best_len < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				*p++ = ':';	/* the run's first colon */
			continue;
		}
		if (i)
			*p++ = ':';
		if (i == 6 && best == 0 &&
		    (best_len == 6 || (best_len == 5 && w[5] == 0xffff)))
			return put_v4(p, b + 12);
		for (int shift = 12, lead = 1; shift >= 0; shift -= 4) {
			unsigned d = w[i] >> shift & 15;

			if (d || !lead || shift == 0) {
				*p++ = hex[d];
				lead = 0;
			}
		}
	}
	if (best >= 0 && best + best_len == 8)
		*p++ = ':';
	return p;
}

const char *ct_addr_str(int family, const struct ct_addr *a, char *buf, size_t len)
{
	/* inet_ntop() costs most of a JSON writer's time. */
	if (family == AF_INET && len >= 16) {
		*put_v4(buf, a->b) = '\0';
		return buf;
	}
	if (family != AF_INET && len >= 46) {
		*put_v6(buf, a->b) = '\0';
		return buf;
	}
	if (!inet_ntop(family == AF_INET ? AF_INET : AF_INET6, a->b, buf, (socklen_t)len)) {
		if (len)
			buf[0] = '\0';
	}
	return buf;
}

int ct_addr_parse(const char *s, size_t len, struct ct_addr *out)
{
	char tmp[INET6_ADDRSTRLEN + 1];

	if (len == 0 || len >= sizeof tmp)
		return -1;
	memcpy(tmp, s, len);
	tmp[len] = '\0';
	memset(out, 0, sizeof *out);
	if (memchr(tmp, ':', len))
		return inet_pton(AF_INET6, tmp, out->b) == 1 ? AF_INET6 : -1;
	return inet_pton(AF_INET, tmp, out->b) == 1 ? AF_INET : -1;
}
