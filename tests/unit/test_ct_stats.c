/*
 * The kernel's conntrack statistics (src/ct_stats.c): the dump request,
 * crafted per-CPU messages summed (counters a kernel did not send, ones we
 * do not keep, malformed messages), saturation, and rates that never go
 * negative.
 */
#include "testutil.h"

#include "ct_stats.h"
#include "ctmsg.h"
#include "lsct.h"

static const struct stat_attr cpu0[] = {
	{ CTA_STATS_FOUND, 10 }, { CTA_STATS_INVALID, 3 }, { CTA_STATS_INSERT, 0 },
	{ CTA_STATS_INSERT_FAILED, 2 }, { CTA_STATS_DROP, 7 }, { CTA_STATS_EARLY_DROP, 1 },
	{ CTA_STATS_ERROR, 4 }, { CTA_STATS_SEARCH_RESTART, 5 },
	{ CTA_STATS_CLASH_RESOLVE, 6 }, { CTA_STATS_CHAIN_TOOLONG, 8 },
};

static void test_request(void **state)
{
	union msgbuf buf;
	size_t len;
	const struct nlmsghdr *nlh = &buf.align;
	const struct nfgenmsg *g;

	(void)state;
	len = ct_stats_build_request(buf.b, 42);
	assert_int_equal(len, NLMSG_LENGTH(sizeof *g));
	assert_int_equal(nlh->nlmsg_len, len);
	assert_int_equal(nlh->nlmsg_type,
			 (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET_STATS_CPU);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	assert_int_equal(nlh->nlmsg_seq, 42);
	g = mnl_nlmsg_get_payload(nlh);
	assert_int_equal(g->nfgen_family, AF_UNSPEC);
	assert_int_equal(g->version, NFNETLINK_V0);
	assert_true(len <= CT_STATS_REQ_MAX);
}

static void test_names(void **state)
{
	(void)state;
	/* conntrack -S's words: scripts compare them. */
	assert_string_equal(ct_stat_name(CT_STAT_FOUND), "found");
	assert_string_equal(ct_stat_name(CT_STAT_INSERT_FAILED), "insert_failed");
	assert_string_equal(ct_stat_name(CT_STAT_EARLY_DROP), "early_drop");
	assert_string_equal(ct_stat_name(CT_STAT_SEARCH_RESTART), "search_restart");
	assert_string_equal(ct_stat_name(CT_STAT_CHAIN_TOOLONG), "chaintoolong");
	assert_string_equal(ct_stat_name(CT_STAT_MAX), "");
	for (unsigned s = 0; s < CT_STAT_MAX; s++)
		assert_true(ct_stat_name(s)[0] != '\0');
}

static void test_one_cpu(void **state)
{
	union msgbuf buf;
	struct ct_stats st;
	size_t len = build_stats_msg(buf.b, 0, cpu0, ARRAY_LEN(cpu0));

	(void)state;
	memset(&st, 0, sizeof st);
	assert_int_equal(ct_stats_add_msg(&st, buf.b, len), 0);
	assert_int_equal(st.cpus, 1);
	assert_int_equal(st.have, (1u << CT_STAT_MAX) - 1);
	assert_int_equal(st.v[CT_STAT_FOUND], 10);
	assert_int_equal(st.v[CT_STAT_INVALID], 3);
	assert_int_equal(st.v[CT_STAT_INSERT], 0);
	assert_int_equal(st.v[CT_STAT_INSERT_FAILED], 2);
	assert_int_equal(st.v[CT_STAT_DROP], 7);
	assert_int_equal(st.v[CT_STAT_EARLY_DROP], 1);
	assert_int_equal(st.v[CT_STAT_ERROR], 4);
	assert_int_equal(st.v[CT_STAT_SEARCH_RESTART], 5);
	assert_int_equal(st.v[CT_STAT_CLASH_RESOLVE], 6);
	assert_int_equal(st.v[CT_STAT_CHAIN_TOOLONG], 8);
}

static void test_cpus_summed(void **state)
{
	/* An older kernel: no clash_resolve, no chaintoolong; the obsolete
	 * searched and one unknown attribute are skipped. */
	static const struct stat_attr cpu1[] = {
		{ CTA_STATS_SEARCHED, 99 }, { CTA_STATS_FOUND, 1 }, { CTA_STATS_INVALID, 1 },
		{ CTA_STATS_DROP, 100000 }, { 60, 5 }, { CTA_STATS_EARLY_DROP, 3 },
	};
	union msgbuf a, b;
	struct ct_stats st;
	size_t la = build_stats_msg(a.b, 0, cpu0, ARRAY_LEN(cpu0));
	size_t lb = build_stats_msg(b.b, 1, cpu1, ARRAY_LEN(cpu1));

	(void)state;
	memset(&st, 0, sizeof st);
	assert_int_equal(ct_stats_add_msg(&st, b.b, lb), 0);
	assert_int_equal(st.cpus, 1);
	assert_false(st.have & (1u << CT_STAT_CLASH_RESOLVE));
	assert_false(st.have & (1u << CT_STAT_CHAIN_TOOLONG));
	assert_false(st.have & (1u << CT_STAT_INSERT));
	assert_true(st.have & (1u << CT_STAT_DROP));
	assert_int_equal(ct_stats_add_msg(&st, a.b, la), 0);
	assert_int_equal(st.cpus, 2);
	assert_int_equal(st.have, (1u << CT_STAT_MAX) - 1);
	assert_int_equal(st.v[CT_STAT_FOUND], 11);
	assert_int_equal(st.v[CT_STAT_DROP], 100007);
	assert_int_equal(st.v[CT_STAT_EARLY_DROP], 4);
	assert_int_equal(st.v[CT_STAT_CLASH_RESOLVE], 6);
	/* The highest counter a CPU can send. */
	{
		static const struct stat_attr big[] = { { CTA_STATS_DROP, UINT32_MAX } };

		la = build_stats_msg(a.b, 2, big, 1);
		assert_int_equal(ct_stats_add_msg(&st, a.b, la), 0);
		assert_int_equal(st.v[CT_STAT_DROP], 100007 + (uint64_t)UINT32_MAX);
	}
}

static void test_saturates(void **state)
{
	union msgbuf buf;
	struct ct_stats st;
	size_t len = build_stats_msg(buf.b, 0, cpu0, ARRAY_LEN(cpu0));

	(void)state;
	memset(&st, 0, sizeof st);
	st.v[CT_STAT_DROP] = UINT64_MAX - 3;
	assert_int_equal(ct_stats_add_msg(&st, buf.b, len), 0);
	assert_true(st.v[CT_STAT_DROP] == UINT64_MAX);
}

/* Each spoiled message fails and leaves the sum as it was. */
static void test_malformed(void **state)
{
	union msgbuf buf;
	struct ct_stats st, before;
	struct nlmsghdr *nlh = &buf.align;
	size_t len;

	(void)state;
	memset(&st, 0, sizeof st);
	st.v[CT_STAT_DROP] = 5;
	st.cpus = 1;
	st.have = 1u << CT_STAT_DROP;
	before = st;

	len = build_stats_msg(buf.b, 0, cpu0, ARRAY_LEN(cpu0));
	/* Shorter than a header, shorter than the message says. */
	assert_int_equal(ct_stats_add_msg(&st, buf.b, 8), -1);
	assert_int_equal(ct_stats_add_msg(&st, buf.b, len - 4), -1);
	/* No room for the nfgenmsg. */
	nlh->nlmsg_len = NLMSG_HDRLEN + 2;
	assert_int_equal(ct_stats_add_msg(&st, buf.b, len), -1);
	/* Another message type (an entry, an error). */
	len = build_stats_msg(buf.b, 0, cpu0, ARRAY_LEN(cpu0));
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
	assert_int_equal(ct_stats_add_msg(&st, buf.b, len), -1);
	nlh->nlmsg_type = NLMSG_ERROR;
	assert_int_equal(ct_stats_add_msg(&st, buf.b, len), -1);
	/* A counter of 2 bytes and one of 8 bytes. */
	len = build_stats_msg(buf.b, 0, NULL, 0);
	mnl_attr_put_u16(nlh, CTA_STATS_DROP, 1);
	assert_int_equal(ct_stats_add_msg(&st, buf.b, nlh->nlmsg_len), -1);
	len = build_stats_msg(buf.b, 0, NULL, 0);
	mnl_attr_put_u64(nlh, CTA_STATS_INVALID, 1);
	assert_int_equal(ct_stats_add_msg(&st, buf.b, nlh->nlmsg_len), -1);
	/* An attribute that claims more than the message holds, one too short. */
	len = build_stats_msg(buf.b, 0, cpu0, 1);
	{
		struct nlattr *a = (struct nlattr *)(void *)(buf.b + NLMSG_LENGTH(sizeof(struct nfgenmsg)));

		a->nla_len = 200;
		assert_int_equal(ct_stats_add_msg(&st, buf.b, len), -1);
		a->nla_len = 2;
		assert_int_equal(ct_stats_add_msg(&st, buf.b, len), -1);
	}
	/* Two stray bytes after the last attribute. */
	len = build_stats_msg(buf.b, 0, cpu0, 2);
	nlh->nlmsg_len += 2;
	assert_int_equal(ct_stats_add_msg(&st, buf.b, len + 2), -1);
	assert_memory_equal(&st, &before, sizeof st);
	/* A message with no counter at all is a CPU with nothing to say. */
	len = build_stats_msg(buf.b, 3, NULL, 0);
	assert_int_equal(ct_stats_add_msg(&st, buf.b, len), 0);
	assert_int_equal(st.cpus, 2);
	assert_int_equal(st.v[CT_STAT_DROP], 5);
}

static void test_rates(void **state)
{
	struct ct_stats a, b;
	struct ct_stats_rate r;

	(void)state;
	memset(&a, 0, sizeof a);
	a.cpus = 2;
	a.have = (1u << CT_STAT_DROP) | (1u << CT_STAT_INVALID) | (1u << CT_STAT_EARLY_DROP) |
		 (1u << CT_STAT_FOUND);
	a.v[CT_STAT_DROP] = 100;
	a.v[CT_STAT_INVALID] = 50;
	a.v[CT_STAT_EARLY_DROP] = 7;
	a.v[CT_STAT_FOUND] = 1000;
	b = a;
	b.v[CT_STAT_DROP] = 150;	/* +50 in 2 s */
	b.v[CT_STAT_INVALID] = 51;	/* +1 */
	b.v[CT_STAT_EARLY_DROP] = 3;	/* a CPU went offline: the sum shrank */
	b.have &= ~(1u << CT_STAT_FOUND);
	b.have |= 1u << CT_STAT_ERROR;

	ct_stats_rate(&r, &a, &b, 2.0);
	assert_true(r.seconds == 2.0);
	assert_true(r.v[CT_STAT_DROP] == 25.0);
	assert_true(r.v[CT_STAT_INVALID] == 0.5);
	assert_true(r.v[CT_STAT_EARLY_DROP] == 0.0);
	/* Only counters both reads had. */
	assert_int_equal(r.have, (1u << CT_STAT_DROP) | (1u << CT_STAT_INVALID) |
				 (1u << CT_STAT_EARLY_DROP));
	for (unsigned s = 0; s < CT_STAT_MAX; s++)
		assert_true(r.v[s] >= 0);

	/* No interval, or a read without statistics: no rates at all. */
	ct_stats_rate(&r, &a, &b, 0);
	assert_true(r.seconds == 0);
	assert_int_equal(r.have, 0);
	ct_stats_rate(&r, &a, &b, -1);
	assert_true(r.seconds == 0);
	b.cpus = 0;
	ct_stats_rate(&r, &a, &b, 1);
	assert_true(r.seconds == 0);
	assert_int_equal(r.have, 0);
	b.cpus = 2;
	a.cpus = 0;
	ct_stats_rate(&r, &a, &b, 1);
	assert_true(r.seconds == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_request),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_one_cpu),
		cmocka_unit_test(test_cpus_summed),
		cmocka_unit_test(test_saturates),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_rates),
	};

	return cmocka_run_group_tests_name("ct_stats", tests, NULL, NULL);
}
