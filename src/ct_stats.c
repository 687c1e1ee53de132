/*
 * ct_stats.c - the kernel's per-CPU conntrack statistics: the request, one
 * reply message added to a sum, and rates between two sums.
 *
 * A netlink file (doc/DESIGN.md): the kernel answers an
 * IPCTNL_MSG_CT_GET_STATS_CPU dump with one message per possible CPU, a
 * struct nfgenmsg (res_id: the CPU, big-endian) followed by CTA_STATS_*
 * attributes, each a big-endian 32-bit counter.  The walk copies every
 * header and value out with memcpy, so any alignment is fine (fuzzed:
 * tests/fuzz/fuzz_netlink.c).
 */
#include "ct_stats.h"

#include <endian.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <linux/netlink.h>

static const char *const stat_names[CT_STAT_MAX] = {
	[CT_STAT_FOUND] = "found",
	[CT_STAT_INVALID] = "invalid",
	[CT_STAT_INSERT] = "insert",
	[CT_STAT_INSERT_FAILED] = "insert_failed",
	[CT_STAT_DROP] = "drop",
	[CT_STAT_EARLY_DROP] = "early_drop",
	[CT_STAT_ERROR] = "error",
	[CT_STAT_SEARCH_RESTART] = "search_restart",
	[CT_STAT_CLASH_RESOLVE] = "clash_resolve",
	[CT_STAT_CHAIN_TOOLONG] = "chaintoolong",
};

/* The kernel's attribute of each counter (enum ctattr_stats_cpu). */
static const unsigned stat_attr[CT_STAT_MAX] = {
	[CT_STAT_FOUND] = CTA_STATS_FOUND,
	[CT_STAT_INVALID] = CTA_STATS_INVALID,
	[CT_STAT_INSERT] = CTA_STATS_INSERT,
	[CT_STAT_INSERT_FAILED] = CTA_STATS_INSERT_FAILED,
	[CT_STAT_DROP] = CTA_STATS_DROP,
	[CT_STAT_EARLY_DROP] = CTA_STATS_EARLY_DROP,
	[CT_STAT_ERROR] = CTA_STATS_ERROR,
	[CT_STAT_SEARCH_RESTART] = CTA_STATS_SEARCH_RESTART,
	[CT_STAT_CLASH_RESOLVE] = CTA_STATS_CLASH_RESOLVE,
	[CT_STAT_CHAIN_TOOLONG] = CTA_STATS_CHAIN_TOOLONG,
};

const char *ct_stat_name(unsigned s)
{
	return s < CT_STAT_MAX ? stat_names[s] : "";
}

size_t ct_stats_build_request(void *buf, uint32_t seq)
{
	struct nlmsghdr h;
	struct nfgenmsg g;

	memset(buf, 0, CT_STATS_REQ_MAX);
	memset(&h, 0, sizeof h);
	memset(&g, 0, sizeof g);
	h.nlmsg_len = NLMSG_LENGTH(sizeof g);
	h.nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET_STATS_CPU;
	h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	h.nlmsg_seq = seq;
	g.nfgen_family = AF_UNSPEC;
	g.version = NFNETLINK_V0;
	memcpy(buf, &h, sizeof h);
	memcpy((char *)buf + NLMSG_HDRLEN, &g, sizeof g);
	return h.nlmsg_len;
}

/* The counter of attribute type, or CT_STAT_MAX for one we do not keep. */
static unsigned stat_of_attr(unsigned type)
{
	for (unsigned s = 0; s < CT_STAT_MAX; s++)
		if (stat_attr[s] == type)
			return s;
	return CT_STAT_MAX;
}

int ct_stats_add_msg(struct ct_stats *acc, const void *msg, size_t len)
{
	const uint8_t *p = msg, *end;
	struct ct_stats one;
	struct nlmsghdr h;

	if (len < NLMSG_HDRLEN)
		return -1;
	memcpy(&h, p, sizeof h);
	if (h.nlmsg_len < NLMSG_LENGTH(sizeof(struct nfgenmsg)) || h.nlmsg_len > len ||
	    h.nlmsg_type != ((NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET_STATS_CPU))
		return -1;
	end = p + h.nlmsg_len;
	p += NLMSG_LENGTH(sizeof(struct nfgenmsg));
	/* The nfgenmsg is padded to 4 bytes already: attributes follow at once. */
	memset(&one, 0, sizeof one);
	while (p < end) {
		struct nlattr a;
		size_t left = (size_t)(end - p), step;
		uint32_t v;
		unsigned s;

		if (left < NLA_HDRLEN)
			return -1;
		memcpy(&a, p, sizeof a);
		if (a.nla_len < NLA_HDRLEN || a.nla_len > left)
			return -1;
		s = stat_of_attr(a.nla_type & NLA_TYPE_MASK);
		if (s < CT_STAT_MAX) {
			if (a.nla_len != NLA_HDRLEN + sizeof v)
				return -1;
			memcpy(&v, p + NLA_HDRLEN, sizeof v);
			one.v[s] = be32toh(v);
			one.have |= 1u << s;
		}
		/* The last attribute may lack its alignment padding. */
		step = NLA_ALIGN(a.nla_len);
		p += step < left ? step : left;
	}
	for (unsigned s = 0; s < CT_STAT_MAX; s++)
		acc->v[s] = acc->v[s] + one.v[s] < acc->v[s] ? UINT64_MAX : acc->v[s] + one.v[s];
	acc->have |= one.have;
	acc->cpus++;
	return 0;
}

void ct_stats_rate(struct ct_stats_rate *r, const struct ct_stats *prev,
		   const struct ct_stats *cur, double seconds)
{
	memset(r, 0, sizeof *r);
	if (!(seconds > 0) || !prev->cpus || !cur->cpus)
		return;
	r->seconds = seconds;
	r->have = prev->have & cur->have;
	for (unsigned s = 0; s < CT_STAT_MAX; s++)
		if (r->have & (1u << s) && cur->v[s] > prev->v[s])
			r->v[s] = (double)(cur->v[s] - prev->v[s]) / seconds;
}
