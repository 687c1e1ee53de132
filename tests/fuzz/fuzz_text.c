/*
 * fuzz_text.c - libFuzzer target for the text source.
 *
 * Each input is given to ct_text_parse_line() as one line, and then, whole,
 * to ct_text_read_fd() through a SOCK_SEQPACKET socket pair in a few records
 * whose boundaries come from a hash of the input, so lines and over-long
 * lines straddle reads.  What the reader reports is checked against a model
 * built from ct_text_parse_line(): the same lines, the same verdicts, the
 * same entries in the same order, the same stats.
 *
 * Besides the sanitizers, every documented property of an entry is checked;
 * a violated one traps (__builtin_trap), which libFuzzer reports as a crash.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ct.h"
#include "ct_source_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)
/*
 * For the harness's own byte loops: no coverage callbacks (they would cost
 * more than the parser) and no coverage features (they would steer libFuzzer
 * by the harness, not by the code under test).
 */
#define NO_COVERAGE __attribute__((no_sanitize("coverage"), noinline))

/* The reader sees at most this much: enough for several over-long lines. */
#define READ_PREFIX (4 * CT_TEXT_LINE_MAX + 64)
/* The reader runs on one input in this many. */
#ifndef READ_ONE_IN
#define READ_ONE_IN 4
#endif
/* Records the reader input is cut into, at most. */
#define MAX_RECORDS 8
/* Entries a READ_PREFIX input can hold: "gre 47 0 src=:: dst=:: src=:: dst=::" is 36 bytes. */
#define MAX_ENTRIES (READ_PREFIX / 16 + 1)

/* sport/dport may be non-zero: ports, GRE's keys, ICMP's id and type/code (ct.h). */
static int has_ports(uint8_t proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_UDPLITE ||
	       proto == IPPROTO_SCTP || proto == IPPROTO_DCCP || proto == IPPROTO_GRE ||
	       proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6;
}

NO_COVERAGE static int addr_zero_from(const struct ct_addr *a, size_t from)
{
	for (size_t i = from; i < sizeof a->b; i++)
		if (a->b[i])
			return 0;
	return 1;
}

/* The text form of the address parses back to the same bytes and family. */
NO_COVERAGE static void check_addr(int family, const struct ct_addr *a)
{
	char buf[64];
	struct ct_addr back;
	const char *s;

	if (family == AF_INET)
		CHECK(addr_zero_from(a, 4));
	s = ct_addr_str(family, a, buf, sizeof buf);
	CHECK(ct_addr_parse(s, strlen(s), &back) == family);
	CHECK(memcmp(back.b, a->b, sizeof back.b) == 0);
}

static void check_tuple(const struct ct_entry *e, const struct ct_tuple *t)
{
	check_addr(e->family, &t->src);
	check_addr(e->family, &t->dst);
	if (!has_ports(e->proto))
		CHECK(t->sport == 0 && t->dport == 0);
	if (!(e->flags & CT_F_COUNTERS))
		CHECK(t->packets == 0 && t->bytes == 0);
}

static void check_entry(const struct ct_entry *e)
{
	CHECK(e->family == AF_INET || e->family == AF_INET6);
	CHECK((e->flags & ~(CT_F_COUNTERS | CT_F_ID | CT_F_STATE | CT_F_EVENT |
			    CT_F_DESTROYED | CT_F_ZONE_ORIG | CT_F_ZONE_REPLY)) == 0);
	/* Text knows [ASSURED], [OFFLOAD]/[HW_OFFLOAD] and the lack of [UNREPLIED]. */
	CHECK((e->status & ~(CT_STATUS_ASSURED | CT_STATUS_OFFLOAD |
			     CT_STATUS_SEEN_REPLY)) == 0);
	/* A state only for TCP (tcp_state), SCTP or DCCP (state), and a known one. */
	if (e->flags & CT_F_STATE)
		CHECK((e->proto == IPPROTO_TCP && e->tcp_state < CT_TCP_STATE_MAX &&
		       e->state == 0) ||
		      (e->proto == IPPROTO_SCTP && e->state < CT_SCTP_STATE_MAX &&
		       e->tcp_state == 0) ||
		      (e->proto == IPPROTO_DCCP && e->state < CT_DCCP_STATE_MAX &&
		       e->tcp_state == 0));
	else
		CHECK(e->tcp_state == 0 && e->state == 0);
	if (e->proto == IPPROTO_ICMP || e->proto == IPPROTO_ICMPV6)
		CHECK(e->orig.dport == CT_ICMP_TC(CT_ICMP_TYPE(e->orig.dport),
						  CT_ICMP_CODE(e->orig.dport)));
	if (!(e->flags & CT_F_ID))
		CHECK(e->id == 0);
	check_tuple(e, &e->orig);
	check_tuple(e, &e->reply);
}

static int is_sep(char c)
{
	return c == ' ' || c == '\t';
}

/*
 * The addresses of an entry line, read the slow way: every src= outside
 * brackets opens the next tuple, and inet_pton() (via ct_addr_parse) must
 * agree with what the parser's own address code made of each src= and dst=.
 */
NO_COVERAGE static void check_addrs(const char *s, size_t len, const struct ct_entry *e)
{
	const struct ct_tuple *tuples[2] = { &e->orig, &e->reply };
	const char *p = s, *end = s + len;
	int cur = -1, in_bracket = 0;

	while (p < end) {
		const char *t;
		size_t tlen;
		struct ct_addr want;
		const struct ct_addr *a;

		while (p < end && is_sep(*p))
			p++;
		t = p;
		while (p < end && !is_sep(*p))
			p++;
		tlen = (size_t)(p - t);
		if (tlen == 0)
			break;
		/* "[ASSURED]" alone, or "[start=Thu Nov 26 23:07:19 2026]" over several tokens */
		if (in_bracket || t[0] == '[') {
			in_bracket = !(t[tlen - 1] == ']' && (in_bracket || tlen >= 2));
			continue;
		}
		if (tlen < 4 || (memcmp(t, "src=", 4) != 0 && memcmp(t, "dst=", 4) != 0))
			continue;
		if (t[0] == 's')
			cur++;
		CHECK(cur == 0 || cur == 1);
		a = t[0] == 's' ? &tuples[cur]->src : &tuples[cur]->dst;
		CHECK(ct_addr_parse(t + 4, tlen - 4, &want) == e->family);
		CHECK(memcmp(want.b, a->b, sizeof want.b) == 0);
	}
	CHECK(cur == 1);
}

NO_COVERAGE static int has_binary(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t c = (uint8_t)s[i];

		if (!((c >= 0x20 && c < 0x7f) || c == '\t' || c == '\r'))
			return 1;
	}
	return 0;
}

static enum ct_text_result parse_checked(const char *s, size_t len, struct ct_entry *e)
{
	enum ct_text_result r = ct_text_parse_line(s, len, e);
	size_t text_len = len > 0 && s[len - 1] == '\n' ? len - 1 : len;

	CHECK(r == CT_TEXT_ENTRY || r == CT_TEXT_IGNORED || r == CT_TEXT_MALFORMED ||
	      r == CT_TEXT_BINARY);
	/* Binary exactly when a byte other than printable ASCII, tab or CR is in the line. */
	CHECK(has_binary(s, text_len) == (r == CT_TEXT_BINARY));
	if (r == CT_TEXT_ENTRY) {
		check_entry(e);
		/* Only an event line says destroyed (a merged connection no longer says event). */
		if (e->flags & CT_F_DESTROYED)
			CHECK(e->flags & CT_F_EVENT);
		check_addrs(s, text_len > 0 && s[text_len - 1] == '\r' ? text_len - 1 : text_len, e);
	}
	return r;
}

/* ---- ct_text_read_fd against the model ---------------------------------- */

struct collect {
	struct ct_entry e[MAX_ENTRIES];
	unsigned n;
	unsigned stop_at;	/* fail the add() with this number (1-based); 0 never */
};

static struct collect got;

static int collect_add(const struct ct_entry *e, void *arg)
{
	struct collect *c = arg;

	check_entry(e);
	if (c->stop_at && c->n + 1 == c->stop_at) {
		errno = ECANCELED;
		return -1;
	}
	CHECK(c->n < MAX_ENTRIES);
	c->e[c->n++] = *e;
	return 0;
}

NO_COVERAGE static uint64_t fnv1a(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

/*
 * One socket pair for the whole run.  A record of length zero reads as end
 * of file, so each input ends with one and the reader stops there.
 */
static int sv[2] = { -1, -1 };

static void send_record(const uint8_t *p, size_t len)
{
	if (send(sv[1], p, len, MSG_DONTWAIT) != (ssize_t)len) {
		perror("fuzz_text: send");
		abort();
	}
}

/* Queues data in up to MAX_RECORDS records, then the end of file. */
NO_COVERAGE static void feed(const uint8_t *data, size_t size, uint64_t h)
{
	size_t cut[MAX_RECORDS + 1], ncut = 0;
	unsigned records = 1 + (unsigned)(h % MAX_RECORDS);

	if (sv[0] < 0 && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("fuzz_text: socketpair");
		abort();
	}
	/* Sorted cut points; equal ones give no empty record (that would read as EOF). */
	cut[ncut++] = 0;
	for (unsigned i = 1; i < records && size > 0; i++) {
		size_t at;

		h = h * 6364136223846793005ull + 1442695040888963407ull;
		at = (size_t)((h >> 33) % (size + 1));
		/* Now and then right at the line limit, where the reader has cases. */
		if (((h >> 40) & 7) == 0 && size > CT_TEXT_LINE_MAX + 2)
			at = CT_TEXT_LINE_MAX + (size_t)((h >> 8) % 3);
		cut[ncut++] = at;
	}
	cut[ncut++] = size;
	for (size_t i = 1; i < ncut; i++)
		for (size_t j = i; j > 0 && cut[j - 1] > cut[j]; j--) {
			size_t t = cut[j];

			cut[j] = cut[j - 1];
			cut[j - 1] = t;
		}
	for (size_t i = 0; i + 1 < ncut; i++)
		if (cut[i + 1] > cut[i])
			send_record(data + cut[i], cut[i + 1] - cut[i]);
	send_record(data, 0);
}

/* Throws away what a stopped reader left, up to and with the end-of-file record. */
static void drain(void)
{
	static char buf[READ_PREFIX];
	ssize_t n;

	do
		n = recv(sv[0], buf, sizeof buf, MSG_DONTWAIT);
	while (n > 0);
	if (n < 0 && errno != EAGAIN) {
		perror("fuzz_text: recv");
		abort();
	}
}

/* ---- the event log's connections, from what the reader gave ------------- */

static struct collect merged;

/*
 * The entries the reader delivered, through a history: table lines pass at
 * once and unchanged, event lines come out at the flush as at most as many
 * connections, none an event any more, each with the key of an event line.
 */
static void check_history(void)
{
	struct ct_sink sink = { collect_add, NULL, &merged };
	struct ct_text_history *hist = ct_text_history_new(&sink);
	struct ct_sink in = ct_text_history_sink(hist);
	unsigned plain = 0, events = 0;

	merged.n = 0;
	merged.stop_at = 0;
	for (unsigned i = 0; i < got.n; i++) {
		CHECK(in.add(&got.e[i], in.arg) == 0);
		if (got.e[i].flags & CT_F_EVENT) {
			events++;
		} else {
			CHECK(merged.n == plain + 1);
			CHECK(memcmp(&merged.e[plain], &got.e[i], sizeof got.e[i]) == 0);
			plain++;
		}
	}
	CHECK(ct_text_history_count(hist) <= events);
	CHECK(ct_text_history_flush(hist) == 0);
	CHECK(merged.n <= plain + events);
	CHECK(ct_text_history_delivered(hist) == merged.n);
	for (unsigned i = plain; i < merged.n; i++) {
		const struct ct_entry *m = &merged.e[i];
		unsigned j;

		CHECK(!(m->flags & CT_F_EVENT));
		for (j = 0; j < got.n; j++) {
			const struct ct_entry *g = &got.e[j];

			if ((g->flags & CT_F_EVENT) && g->family == m->family &&
			    g->proto == m->proto && g->zone == m->zone && g->id == m->id &&
			    memcmp(&g->orig.src, &m->orig.src, sizeof g->orig.src) == 0 &&
			    g->orig.sport == m->orig.sport && g->orig.dport == m->orig.dport)
				break;
		}
		CHECK(j < got.n);
	}
	ct_text_history_free(hist);
}

/*
 * What ct_text_read_fd must report, from ct_text_parse_line and the
 * documented line rules: a line ends at LF; it is over-long when, less one
 * trailing CR, it is longer than CT_TEXT_LINE_MAX; a last line may lack
 * its LF; an empty input has no lines.
 */
static void check_read(const uint8_t *data, size_t size, uint64_t h)
{
	struct ct_sink sink = { collect_add, NULL, &got };
	struct ct_text_stats st, want;
	size_t pos = 0;
	unsigned nent = 0;
	int stopped = 0;
	int r, err;

	got.n = 0;
	/* One run in eight has the sink stop the read at its 1st..3rd entry. */
	got.stop_at = (h >> 40) % 8 == 0 ? 1 + (unsigned)((h >> 44) % 3) : 0;
	feed(data, size, h);
	memset(&st, 0, sizeof st);
	errno = 0;
	r = ct_text_read_fd(sv[0], &sink, &st);
	err = errno;
	if (r < 0)
		drain();

	memset(&want, 0, sizeof want);
	/* A UTF-8 byte-order mark at the very start is not part of a line. */
	if (size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	while (pos < size && !stopped) {
		const uint8_t *nl = memchr(data + pos, '\n', size - pos);
		size_t len = nl ? (size_t)(nl - (data + pos)) : size - pos;
		size_t text_len = len;
		struct ct_entry e;

		want.lines++;
		if (text_len > 0 && data[pos + text_len - 1] == '\r')
			text_len--;
		if (text_len > CT_TEXT_LINE_MAX) {
			want.overlong++;
			if (!want.first_bad)
				want.first_bad = want.lines;
		} else {
			switch (parse_checked((const char *)data + pos, len, &e)) {
			case CT_TEXT_ENTRY:
				if (got.stop_at && nent + 1 == got.stop_at) {
					stopped = 1;
					break;
				}
				CHECK(nent < got.n);
				CHECK(memcmp(&got.e[nent], &e, sizeof e) == 0);
				nent++;
				want.entries++;
				break;
			case CT_TEXT_IGNORED:
				want.ignored++;
				break;
			case CT_TEXT_MALFORMED:
				want.malformed++;
				if (!want.first_bad)
					want.first_bad = want.lines;
				break;
			case CT_TEXT_BINARY:
				want.binary++;
				if (!want.first_bad)
					want.first_bad = want.lines;
				break;
			}
		}
		pos += len + (nl ? 1 : 0);
	}

	if (stopped)
		CHECK(r == -1 && err == ECANCELED);
	else
		CHECK(r == 0);
	CHECK(got.n == nent);
	CHECK(st.lines == want.lines);
	CHECK(st.entries == want.entries);
	CHECK(st.ignored == want.ignored);
	CHECK(st.malformed == want.malformed);
	CHECK(st.binary == want.binary);
	CHECK(st.overlong == want.overlong);
	CHECK(st.first_bad == want.first_bad);
	CHECK(ct_text_skipped(&st) == st.malformed + st.binary + st.overlong);
	/* Every line is counted exactly once, the one a stopping sink refused included. */
	CHECK(st.entries + st.ignored + st.malformed + st.binary + st.overlong + (unsigned)stopped ==
	      st.lines);
	if (!stopped)
		check_history();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ct_entry a, b;
	enum ct_text_result r;
	uint64_t h;

	/* The whole input as one line; the result must not depend on *out before. */
	memset(&a, 0x00, sizeof a);
	memset(&b, 0xa5, sizeof b);
	r = parse_checked((const char *)data, size, &a);
	CHECK(ct_text_parse_line((const char *)data, size, &b) == r);
	if (r == CT_TEXT_ENTRY)
		CHECK(memcmp(&a, &b, sizeof a) == 0);

	/*
	 * The reader costs ten parses (a 256 KiB buffer per call, which ASan
	 * maps and unmaps), so it gets one input in READ_ONE_IN, picked by a
	 * hash so that an input always takes the same path, and every input
	 * that can hold an over-long line.
	 */
	size = size < READ_PREFIX ? size : READ_PREFIX;
	h = fnv1a(data, size);
	if (h % READ_ONE_IN == 0 || size > CT_TEXT_LINE_MAX)
		check_read(data, size, h / READ_ONE_IN);
	return 0;
}
