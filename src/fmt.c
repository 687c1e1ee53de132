/* fmt.c - text forms of addresses, ports and numbers. */
#include "fmt.h"

#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "lsct.h"

void fmt_endpoint(char *buf, size_t len, int family, const struct ct_addr *a,
		  const char *name, const char *port)
{
	char addr[64];

	if (!port) {
		/* A port-less end: the name or the bare address, no brackets. */
		snprintf(buf, len, "%s", name ? name : ct_addr_str(family, a, addr, sizeof addr));
		return;
	}
	if (name) {
		snprintf(buf, len, "%s:%s", name, port);
		return;
	}
	ct_addr_str(family, a, addr, sizeof addr);
	if (family == AF_INET6)
		snprintf(buf, len, "[%s]:%s", addr, port);
	else
		snprintf(buf, len, "%s:%s", addr, port);
}

void fmt_flow_ports(const struct flow *f, char *local, char *peer, size_t len)
{
	/* A routed flow reads as an active one: its client is the "many" side. */
	if (f->key.dir != FLOW_PASSIVE) {
		snprintf(local, len, "many");
		snprintf(peer, len, "%u", f->key.port);
	} else {
		snprintf(local, len, "%u", f->key.port);
		snprintf(peer, len, "many");
	}
}

void fmt_flow_local(const struct flow *f, char *buf, size_t len)
{
	char lp[8], pp[8];

	if (!flow_has_port(&f->key)) {
		snprintf(buf, len, "localhost");
		return;
	}
	fmt_flow_ports(f, lp, pp, sizeof lp);
	snprintf(buf, len, "localhost:%s", lp);
}

void fmt_flow_peer(const struct flow *f, const char *name, char *buf, size_t len)
{
	char lp[8], pp[8];

	fmt_flow_ports(f, lp, pp, sizeof lp);
	fmt_endpoint(buf, len, f->key.family, &f->key.peer, name,
		     flow_has_port(&f->key) ? pp : NULL);
}

void fmt_route_client(const struct flow *f, const struct flow_route *r, const char *name,
		      char *buf, size_t len)
{
	int ported = flow_has_port(&f->key);

	if (!r) {
		snprintf(buf, len, "%s", ported ? "?:many" : "?");
		return;
	}
	fmt_endpoint(buf, len, f->key.family, &r->client, name, ported ? "many" : NULL);
}

void fmt_route_nat(const struct flow *f, const struct flow_route *r, char *buf, size_t len)
{
	char port[8], dnat[FMT_ENDPOINT_MAX], snat[64];
	int ported = flow_has_port(&f->key);

	if (len)
		buf[0] = '\0';
	if (!r || !r->nat)
		return;
	snprintf(port, sizeof port, "%u", r->dnat_port);
	if (r->nat & ROUTE_DNAT)
		fmt_endpoint(dnat, sizeof dnat, f->key.family, &r->dnat, NULL, ported ? port : NULL);
	if (r->nat & ROUTE_SNAT)
		ct_addr_str(f->key.family, &r->snat, snat, sizeof snat);
	if ((r->nat & ROUTE_DNAT) && (r->nat & ROUTE_SNAT))
		snprintf(buf, len, "dnat %s, snat %s", dnat, snat);
	else if (r->nat & ROUTE_DNAT)
		snprintf(buf, len, "dnat %s", dnat);
	else
		snprintf(buf, len, "snat %s", snat);
}

void fmt_flow_line(const struct flow_key *k, char *buf, size_t len)
{
	struct flow f;
	char local[FMT_ENDPOINT_MAX], peer[FMT_ENDPOINT_MAX], pb[16];

	memset(&f, 0, sizeof f);
	f.key = *k;
	fmt_flow_local(&f, local, sizeof local);
	fmt_flow_peer(&f, NULL, peer, sizeof peer);
	snprintf(buf, len, "%s %s %s %s", local, k->dir == FLOW_ACTIVE ? "-->" : "<--", peer,
		 fmt_flow_proto(k, pb, sizeof pb));
}

const char *fmt_proto(int proto, char *buf, size_t len)
{
	switch (proto) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_UDPLITE:
		return "udplite";
	case IPPROTO_SCTP:
		return "sctp";
	case IPPROTO_DCCP:
		return "dccp";
	case IPPROTO_ICMP:
		return "icmp";
	case IPPROTO_ICMPV6:
		return "icmpv6";
	case IPPROTO_GRE:
		return "gre";
	default:
		snprintf(buf, len, "%d", proto);
		return buf;
	}
}

int fmt_flow_key_is_plain(const struct flow_key *k)
{
	if (k->proto == IPPROTO_ICMP)
		return k->port == 8;	/* echo request */
	if (k->proto == IPPROTO_ICMPV6)
		return k->port == 128;	/* echo request */
	return k->proto != IPPROTO_GRE || k->port == 0;
}

const char *fmt_flow_proto(const struct flow_key *k, char *buf, size_t len)
{
	const char *name = fmt_proto(k->proto, buf, len);

	if (fmt_flow_key_is_plain(k))
		return name;
	if (k->proto == IPPROTO_GRE)
		snprintf(buf, len, "gre:0x%x", k->port);
	else
		snprintf(buf, len, "%s:%u", name, k->port);
	return buf;
}

int fmt_is_hostname(const char *s)
{
	size_t n = 0, label = 0;

	for (; s[n]; n++) {
		unsigned char c = (unsigned char)s[n];

		if (c == '.') {
			if (label == 0)
				return 0;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '_'))
			return 0;
		if (++label > 63)
			return 0;
	}
	return n > 0 && n <= 253 && label > 0;
}

int fmt_is_peer_name(const char *s)
{
	static const char *const local_names[] = {
		"localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback",
	};
	size_t n = strlen(s), last;
	struct ct_addr a;
	int digits = 1;

	if (!fmt_is_hostname(s) || ct_addr_parse(s, n, &a) >= 0)
		return 0;
	for (last = n; last > 0 && s[last - 1] != '.'; last--)
		digits &= s[last - 1] >= '0' && s[last - 1] <= '9';
	if (digits)
		return 0;
	for (size_t i = 0; i < ARRAY_LEN(local_names); i++)
		if (strcasecmp(s, local_names[i]) == 0)
			return 0;
	return !(n > 10 && strcasecmp(s + n - 10, ".localhost") == 0);
}

void fmt_escape(const char *s, char *out, size_t len)
{
	size_t o = 0;

	if (len == 0)
		return;
	for (; *s && o + 1 < len; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f) {
			out[o++] = (char)c;
			continue;
		}
		if (o + 5 > len)
			break;
		snprintf(out + o, len - o, "\\x%02x", c);
		o += 4;
	}
	out[o] = '\0';
}

int fmt_u64(char *buf, size_t len, uint64_t v)
{
	return snprintf(buf, len, "%" PRIu64, v);
}

void fmt_human(char *buf, size_t len, double v)
{
	static const char units[] = "KMGTPE";
	int u = -1;

	/* NaN and negatives: a rate never goes below zero (deltas saturate). */
	if (!(v > 0)) {
		snprintf(buf, len, "0");
		return;
	}
	if (v < 9.95 && v != (double)(uint64_t)v) {
		snprintf(buf, len, "%.1f", v);
		return;
	}
	/* 999.6 would print as "1000": switch units before rounding does. */
	while (v >= 999.5 && units[u + 1]) {
		v /= 1024;
		u++;
	}
	/* Past the last unit (only infinities get there): keep to 4 characters. */
	if (v >= 999.5)
		v = 999;
	if (u < 0)
		snprintf(buf, len, "%.0f", v);
	else if (v < 9.95)
		snprintf(buf, len, "%.1f%c", v, units[u]);
	else
		snprintf(buf, len, "%.0f%c", v, units[u]);
}

void fmt_duration(char *buf, size_t len, uint64_t secs)
{
	if (secs < 60)
		snprintf(buf, len, "%" PRIu64 "s", secs);
	else if (secs < 3600)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", secs / 60, secs % 60);
	else if (secs < 86400)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", secs / 3600, secs / 60 % 60);
	else
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", secs / 86400, secs / 3600 % 24);
}

void fmt_rfc3339(const struct timespec *ts, char *buf, size_t len)
{
	struct tm tm;
	char day[32];

	gmtime_r(&ts->tv_sec, &tm);
	strftime(day, sizeof day, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03ldZ", day, ts->tv_nsec / 1000000);
}
