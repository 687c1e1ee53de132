/*
 * The table's health in the monitor's header (src/tui_health.c), without a
 * terminal: the entries and how full the table is (a warning from 90%), the
 * drop rates (a warning when not 0), their priorities among the header's
 * other segments, and that the header still fits at the widths the tmux
 * suites use.
 */
#include "testutil.h"

#include "../../src/tui_health.h"

#define PLAIN 0
#define WARN 2

/* The segment whose text starts with prefix, or NULL. */
static const struct seg *find(const struct segs *ss, const char *prefix)
{
	for (int i = 0; i < ss->n; i++)
		if (strncmp(ss->s[i].text, prefix, strlen(prefix)) == 0)
			return &ss->s[i];
	return NULL;
}

static int line_width(const struct segs *ss, int line)
{
	int w = 0, n = 0;

	for (int i = 0; i < ss->n; i++)
		if (ss->s[i].shown && (line < 0 || ss->s[i].line == line))
			w += (int)strlen(ss->s[i].text) + (n++ ? LAYOUT_SEG_GAP : 0);
	return w;
}

static int line_count(const struct segs *ss, int line)
{
	int n = 0;

	for (int i = 0; i < ss->n; i++)
		n += ss->s[i].shown && (line < 0 || ss->s[i].line == line);
	return n;
}

/*
 * The header as header_draw() builds it on a plain host (tui_header.c's
 * priorities), with the health segments in their places.
 */
static void header(struct segs *ss, const struct health_in *in, int counters_off)
{
	ss->n = 0;
	layout_seg_add(ss, 0, 3, PLAIN, "%s", "vm");
	layout_seg_add(ss, 0, 5, PLAIN, "%s", "netlink");
	layout_seg_add(ss, 0, 1, PLAIN, "%s", "09:26:16");
	health_entries_segs(ss, in, PLAIN, WARN);
	layout_seg_add(ss, 0, 1, PLAIN, "%s", "every 1s");
	layout_seg_add(ss, 0, 4, PLAIN, "%s", "(real 1.00s, took 11ms)");
	if (counters_off) {
		layout_seg_add(ss, 1, 1, WARN, "%s",
			       "counters off: sysctl -w net.netfilter.nf_conntrack_acct=1");
		layout_seg_brief(ss, "counters off: nf_conntrack_acct=0");
	}
	layout_seg_add(ss, 1, 3, PLAIN, "%s", "rates");
	health_rate_segs(ss, in, PLAIN, WARN);
}

static void fit2(struct segs *ss, int width)
{
	layout_seg_fit(ss, 0, width);
	layout_seg_fit(ss, 1, width);
}

static void test_entries_calm(void **state)
{
	struct health_in in = { .entries = 13, .max = 262144 };
	struct segs ss;
	const struct seg *e, *p;

	(void)state;
	header(&ss, &in, 0);
	e = find(&ss, "entries ");
	p = find(&ss, "0% full");
	assert_non_null(e);
	assert_non_null(p);
	assert_string_equal(e->text, "entries 13/262144");
	assert_int_equal(e->role, PLAIN);
	assert_int_equal(e->line, 0);
	/* Wide: everything. */
	fit2(&ss, 120);
	assert_true(e->shown && p->shown);
	assert_true(find(&ss, "netlink")->shown);
	/* 80 columns: the share goes first, the source stays (the tmux suites look for it). */
	header(&ss, &in, 0);
	fit2(&ss, 80);
	assert_false(find(&ss, "0% full")->shown);
	assert_true(find(&ss, "netlink")->shown);
	assert_true(find(&ss, "entries ")->shown);
	assert_true(line_width(&ss, 0) <= 80);

	/* 89.9%: rounded down, not yet a warning. */
	in.entries = 235929;
	header(&ss, &in, 0);
	assert_non_null(find(&ss, "89% full"));
	assert_int_equal(find(&ss, "entries ")->role, PLAIN);
}

static void test_entries_full(void **state)
{
	struct health_in in = { .entries = 249037, .max = 262144 };
	struct segs ss;
	const struct seg *e;

	(void)state;
	header(&ss, &in, 0);
	e = find(&ss, "entries ");
	assert_string_equal(e->text, "entries 249037/262144 (95% full)");
	assert_int_equal(e->role, WARN);
	assert_null(find(&ss, "95% full"));
	/* Kept over the host, the source and the timing; shortened last. */
	fit2(&ss, 80);
	assert_true(e->shown);
	assert_false(find(&ss, "netlink")->shown);
	/* Narrow: the clock and the period go before it, ... */
	header(&ss, &in, 0);
	fit2(&ss, 36);
	assert_true(find(&ss, "entries ")->shown);
	assert_false(find(&ss, "09:26:16")->shown);
	assert_int_equal(line_count(&ss, 0), 1);
	/* ... and beside the drops it takes its short form (test_rates_trouble). */
	/* Exactly 90%, and a full table. */
	in.entries = 9;
	in.max = 10;
	header(&ss, &in, 0);
	assert_string_equal(find(&ss, "entries ")->text, "entries 9/10 (90% full)");
	in.entries = 10;
	header(&ss, &in, 0);
	assert_string_equal(find(&ss, "entries ")->text, "entries 10/10 (100% full)");
}

static void test_entries_unknown(void **state)
{
	struct health_in in = { .entries = 5, .max = -1 };
	struct segs ss = { .n = 0 };

	(void)state;
	/* As the header was before: no share without a maximum. */
	health_entries_segs(&ss, &in, PLAIN, WARN);
	assert_int_equal(ss.n, 1);
	assert_string_equal(ss.s[0].text, "entries 5/-");
	ss.n = 0;
	in.entries = -1;
	health_entries_segs(&ss, &in, PLAIN, WARN);
	assert_int_equal(ss.n, 1);
	assert_string_equal(ss.s[0].text, "entries -/-");
	ss.n = 0;
	in.entries = 0;
	in.max = 0;
	health_entries_segs(&ss, &in, PLAIN, WARN);
	assert_int_equal(ss.n, 1);
	assert_string_equal(ss.s[0].text, "entries 0/0");
}

static void stats_of(struct ct_stats *ct, struct ct_stats_rate *r, double drop, double early,
		     double insfail, double invalid)
{
	memset(ct, 0, sizeof *ct);
	memset(r, 0, sizeof *r);
	ct->cpus = 2;
	ct->have = r->have = (1u << CT_STAT_MAX) - 1;
	r->seconds = 1;
	r->v[CT_STAT_DROP] = drop;
	r->v[CT_STAT_EARLY_DROP] = early;
	r->v[CT_STAT_INSERT_FAILED] = insfail;
	r->v[CT_STAT_INVALID] = invalid;
	r->v[CT_STAT_FOUND] = 1000;	/* never in the header */
}

static void test_rates_absent(void **state)
{
	struct ct_stats ct;
	struct ct_stats_rate r;
	struct health_in in = { .entries = 1, .max = 10, .ct = &ct, .rate = &r };
	struct segs ss = { .n = 0 };

	(void)state;
	/* A text source: no statistics, nothing said (no zeros that lie). */
	stats_of(&ct, &r, 5, 0, 0, 0);
	ct.cpus = 0;
	health_rate_segs(&ss, &in, PLAIN, WARN);
	assert_int_equal(ss.n, 0);
	/* The first read: no rates yet. */
	stats_of(&ct, &r, 5, 0, 0, 0);
	r.seconds = 0;
	health_rate_segs(&ss, &in, PLAIN, WARN);
	assert_int_equal(ss.n, 0);
	in.rate = NULL;
	health_rate_segs(&ss, &in, PLAIN, WARN);
	in.ct = NULL;
	health_rate_segs(&ss, &in, PLAIN, WARN);
	assert_int_equal(ss.n, 0);
}

static void test_rates_calm(void **state)
{
	struct ct_stats ct;
	struct ct_stats_rate r;
	struct health_in in = { .entries = 13, .max = 262144, .ct = &ct, .rate = &r };
	struct segs ss;
	const struct seg *s;

	(void)state;
	stats_of(&ct, &r, 0, 0, 0, 0);
	header(&ss, &in, 0);
	s = find(&ss, "drop ");
	assert_non_null(s);
	assert_string_equal(s->text, "drop 0/s  early_drop 0/s  insert_failed 0/s  invalid 0/s");
	assert_int_equal(s->role, PLAIN);
	assert_int_equal(s->line, 1);
	assert_null(find(&ss, "found"));
	/* 80 columns, nothing else on the line: all of it, after "rates". */
	fit2(&ss, 80);
	assert_true(s->shown);
	assert_true(s > find(&ss, "rates"));
	/* With the accounting warning: the short form. */
	header(&ss, &in, 1);
	fit2(&ss, 80);
	assert_true(find(&ss, "counters off: sysctl")->shown);
	s = find(&ss, "no drops");
	assert_non_null(s);
	assert_true(s->shown);
	assert_true(line_width(&ss, 1) <= 80);
	/* Narrower: it goes before "rates" and the warning. */
	header(&ss, &in, 1);
	fit2(&ss, 66);
	assert_false(find(&ss, "no drops")->shown);
	assert_true(find(&ss, "rates")->shown);
	/* Invalid packets alone are not trouble: plain, and said when short. */
	stats_of(&ct, &r, 0, 0, 0, 0.5);
	header(&ss, &in, 1);
	s = find(&ss, "drop 0/s");
	assert_string_equal(s->text, "drop 0/s  early_drop 0/s  insert_failed 0/s  invalid 0.5/s");
	assert_int_equal(s->role, PLAIN);
	fit2(&ss, 80);
	assert_string_equal(s->text, "inval 0.5/s");
	assert_true(s->shown);
}

static void test_rates_trouble(void **state)
{
	struct ct_stats ct;
	struct ct_stats_rate r;
	struct health_in in = { .entries = 262144, .max = 262144, .ct = &ct, .rate = &r };
	struct segs ss;
	const struct seg *hot, *calm;

	(void)state;
	stats_of(&ct, &r, 523, 0, 2, 0.5);
	header(&ss, &in, 1);
	hot = find(&ss, "drop 523/s");
	calm = find(&ss, "early_drop");
	assert_non_null(hot);
	assert_non_null(calm);
	assert_string_equal(hot->text, "drop 523/s  insert_failed 2/s");
	assert_int_equal(hot->role, WARN);
	assert_string_equal(calm->text, "early_drop 0/s  invalid 0.5/s");
	assert_int_equal(calm->role, PLAIN);
	/* 80 columns: the drops stay, with the accounting warning. */
	fit2(&ss, 80);
	assert_true(hot->shown);
	assert_true(find(&ss, "counters off")->shown);
	assert_true(line_width(&ss, 1) <= 80);
	/* The one-line header of a small screen (tui.sh: 20x5): the drops and the full table. */
	header(&ss, &in, 1);
	layout_seg_fit(&ss, -1, 40);
	assert_true(line_width(&ss, -1) <= 40);
	assert_true(find(&ss, "table 100% full")->shown);
	assert_true(find(&ss, "drop 523/s")->shown);
	assert_string_equal(find(&ss, "drop 523/s")->text, "drop 523/s insfail 2/s");
	/* Big rates in the short form of fmt_human(). */
	stats_of(&ct, &r, 150000, 3000, 0, 0);
	header(&ss, &in, 0);
	assert_non_null(find(&ss, "drop 146K/s  early_drop 2.9K/s"));
}

/* At every width the header fits, or one segment is left (it is cut when drawn). */
static void test_fits_everywhere(void **state)
{
	struct ct_stats ct;
	struct ct_stats_rate r;
	struct health_in in = { .ct = &ct, .rate = &r };
	static const int64_t ents[] = { 13, 240000, 262144 };
	struct segs ss;

	(void)state;
	for (size_t k = 0; k < sizeof ents / sizeof ents[0]; k++) {
		in.entries = ents[k];
		in.max = 262144;
		stats_of(&ct, &r, k ? 1e6 : 0, k ? 5 : 0, k ? 7 : 0, 1);
		for (int w = 15; w <= 200; w++) {
			for (int one = 0; one < 2; one++) {
				header(&ss, &in, 1);
				if (one)
					layout_seg_fit(&ss, -1, w);
				else
					fit2(&ss, w);
				for (int line = one ? -1 : 0; line <= (one ? -1 : 1); line++)
					assert_true(line_width(&ss, line) <= w ||
						    line_count(&ss, line) == 1);
			}
		}
	}
	assert_true(ss.n <= SEGS_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_entries_calm),
		cmocka_unit_test(test_entries_full),
		cmocka_unit_test(test_entries_unknown),
		cmocka_unit_test(test_rates_absent),
		cmocka_unit_test(test_rates_calm),
		cmocka_unit_test(test_rates_trouble),
		cmocka_unit_test(test_fits_everywhere),
	};

	return cmocka_run_group_tests_name("tui_health", tests, NULL, NULL);
}
