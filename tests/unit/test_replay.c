/* test_replay.c - recordings read back: round trip, index, seeking, bad lines, times. */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <arpa/inet.h>

#include "lsct.h"
#include "record.h"
#include "replay.h"
#include "util.h"

#define NFRAMES 23
#define MAXF 12

struct script {
	struct flow fl[NFRAMES][MAXF];
	size_t n[NFRAMES];
	struct mon_frame f[NFRAMES];
};

static uint64_t rng = 12345;

static uint64_t rnd(uint64_t n)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (rng >> 33) % n;
}

static void mkkey(struct flow *f, unsigned k)
{
	uint32_t a = htonl(0x0a000000u + k);

	memset(f, 0, sizeof *f);
	f->key.family = k % 5 == 4 ? AF_INET6 : AF_INET;
	memcpy(f->key.peer.b, &a, 4);
	f->key.proto = k % 4 == 3 ? IPPROTO_ICMP : k % 4 == 2 ? IPPROTO_UDP : IPPROTO_TCP;
	f->key.dir = k % 3 == 2 ? FLOW_PASSIVE : FLOW_ACTIVE;
	f->key.port = (uint16_t)(k % 4 == 3 ? 8 : 1000 + k);
	f->conns = 1;
}

/* Frames with traffic, flows that close, linger and leave, new flows, stale ones. */
static void build(struct script *s)
{
	unsigned next = 0;

	for (int i = 0; i < NFRAMES; i++) {
		struct mon_frame *f = &s->f[i];
		size_t n = 0;

		if (i == 0) {
			for (; next < 6; next++)
				mkkey(&s->fl[0][n++], next);
		} else {
			for (size_t k = 0; k < s->n[i - 1]; k++) {
				struct flow x = s->fl[i - 1][k];

				memset(&x.d, 0, sizeof x.d);
				x.stale = rnd(5) == 0;
				if (x.idle && ++x.idle > FLOW_LINGER)
					continue;
				if (!x.idle && rnd(8) == 0) {
					x.d.closed_conns = x.conns;
					x.conns = 0;
					x.c = (struct flow_counters){ 0, 0, 0, 0 };
					x.idle = 1;
				} else if (!x.idle && rnd(3)) {
					x.d.in_packets = rnd(10);
					x.d.in_bytes = rnd(100000);
					x.d.out_packets = rnd(10);
					x.d.out_bytes = rnd(UINT32_MAX) * 4000;
					x.c.in_packets += x.d.in_packets;
					x.c.in_bytes += x.d.in_bytes;
					x.c.out_packets += x.d.out_packets;
					x.c.out_bytes += x.d.out_bytes;
				}
				s->fl[i][n++] = x;
			}
			if (n < MAXF && rnd(2)) {
				mkkey(&s->fl[i][n], next++);
				s->fl[i][n++].d.new_conns = 1;
			}
		}
		s->n[i] = n;
		memset(f, 0, sizeof *f);
		f->seq = (uint64_t)i + 1;
		f->when.tv_sec = 1764471600 + i * 10;
		f->when.tv_nsec = 250000000;
		f->interval = i ? 10 : 0;
		f->period = 10;
		f->dumped = i % 7 != 5;
		f->cost = 0.5;
		f->events = 1;
		f->events_lost = (uint64_t)i / 3;
		f->live = 1;
		f->sysctl = (struct host_ct_sysctl){ 1, (int64_t)n, 65536, 1, -1 };
		f->stats.entries = n + 1;
		f->stats.forwarded = 1;
		f->input.malformed = (uint64_t)i;
		/* The kernel's statistics and rates: replayed to the last bit. */
		f->ct.cpus = 2;
		f->ct.have = 0x3ff;
		f->ct.v[CT_STAT_DROP] = (uint64_t)i * 1000003;
		f->ct_rate.seconds = i ? 10.000123456789 : 0;
		f->ct_rate.have = i ? 0x3ff : 0;
		f->ct_rate.v[CT_STAT_FOUND] = i / 3.0;
		f->flows = s->fl[i];
		f->nflows = n;
	}
}

static const struct flow *find(const struct mon_frame *f, const struct flow_key *k)
{
	for (size_t i = 0; i < f->nflows; i++)
		if (flow_key_equal(&f->flows[i].key, k))
			return &f->flows[i];
	return NULL;
}

static void same(const struct mon_frame *want, const struct mon_frame *got)
{
	assert_non_null(got);
	assert_int_equal(got->when.tv_sec, want->when.tv_sec);
	assert_int_equal(got->when.tv_nsec, want->when.tv_nsec);
	assert_true(got->interval == want->interval);
	assert_int_equal(got->seq, want->seq);
	assert_int_equal(got->dumped, want->dumped);
	assert_int_equal(got->events_lost, want->events_lost);
	assert_int_equal(got->sysctl.count, want->sysctl.count);
	assert_int_equal(got->sysctl.timestamp, -1);
	assert_int_equal(got->stats.entries, want->stats.entries);
	assert_int_equal(got->stats.forwarded, 1);
	assert_int_equal(got->input.malformed, want->input.malformed);
	assert_memory_equal(&got->ct, &want->ct, sizeof want->ct);
	assert_memory_equal(&got->ct_rate, &want->ct_rate, sizeof want->ct_rate);
	assert_int_equal(got->nflows, want->nflows);
	for (size_t i = 0; i < want->nflows; i++) {
		const struct flow *w = &want->flows[i], *g = find(got, &w->key);

		assert_non_null(g);
		assert_memory_equal(&g->c, &w->c, sizeof w->c);
		assert_memory_equal(&g->d, &w->d, sizeof w->d);
		assert_int_equal(g->conns, w->conns);
		assert_int_equal(g->idle, w->idle);
		assert_int_equal(g->stale, w->stale);
	}
}

static int record(struct script *s, char *path, int every)
{
	int fd = mkstemp(path);
	struct rec_opts ro = { .keyframe_every = every, .hostname = "box", .source = "netlink" };
	struct rec_writer *w;

	assert_true(fd >= 0);
	w = rec_new(fd, &ro);
	for (int i = 0; i < NFRAMES; i++)
		assert_int_equal(rec_write(w, &s->f[i]), 0);
	rec_free(w);
	return open(path, O_RDONLY);
}

/* Every snapshot, read in any order, is the frame written. */
static void test_round_trip_seek(void **state)
{
	static struct script s;
	char path[] = "/tmp/lsct-rp-XXXXXX", err[200];
	struct replay *r;

	build(&s);
	r = replay_open(record(&s, path, 4), err, sizeof err);
	assert_non_null(r);
	assert_true(replay_seekable(r));
	assert_int_equal(replay_count(r), NFRAMES);
	assert_int_equal(replay_skipped(replay_stats(r)), 0);
	for (int k = 0; k < 3 * NFRAMES; k++) {
		size_t i = k < NFRAMES ? (size_t)k : rnd(NFRAMES);
		struct mon_frame *g = replay_frame(r, i);

		same(&s.f[i], g);
		mon_frame_free(g);
	}
	assert_string_equal(replay_host(r), "box");
	assert_string_equal(replay_source(r), "netlink");
	assert_null(replay_frame(r, NFRAMES));
	replay_free(r);
	unlink(path);
}

/* replay_next() from a file and from a pipe: the frames in order. */
static void test_sequential_and_pipe(void **state)
{
	static struct script s;
	char path[] = "/tmp/lsct-rp-XXXXXX", err[200], cmd[100];
	struct replay *r;
	struct mon_frame *g;
	FILE *p;
	int fd;

	build(&s);
	fd = record(&s, path, 5);
	r = replay_open(fd, err, sizeof err);
	for (int i = 0; i < NFRAMES; i++) {
		g = replay_next(r);
		same(&s.f[i], g);
		mon_frame_free(g);
	}
	errno = 0;
	assert_null(replay_next(r));
	assert_int_equal(errno, 0);
	replay_free(r);
	snprintf(cmd, sizeof cmd, "cat %s", path);
	p = popen(cmd, "r");
	r = replay_open(dup(fileno(p)), err, sizeof err);
	assert_non_null(r);
	assert_false(replay_seekable(r));
	for (int i = 0; i < NFRAMES; i++) {
		g = replay_next(r);
		same(&s.f[i], g);
		mon_frame_free(g);
	}
	assert_null(replay_next(r));
	assert_int_equal(replay_stats(r)->snapshots, NFRAMES);
	replay_free(r);
	pclose(p);
	unlink(path);
}

/* The index: times and the last snapshot at or before a time. */
static void test_find(void **state)
{
	static struct script s;
	char path[] = "/tmp/lsct-rp-XXXXXX", err[200];
	struct replay *r;
	struct timespec t;

	build(&s);
	r = replay_open(record(&s, path, 4), err, sizeof err);
	t = replay_time(r, 3);
	assert_int_equal(t.tv_sec, 1764471630);
	assert_int_equal(t.tv_nsec, 250000000);
	assert_int_equal(replay_find(r, &t), 3);
	t.tv_sec += 9;
	assert_int_equal(replay_find(r, &t), 3);
	t.tv_sec = 1;
	assert_int_equal(replay_find(r, &t), 0);
	t.tv_sec = 1864471600;
	assert_int_equal(replay_find(r, &t), NFRAMES - 1);
	replay_free(r);
	unlink(path);
}

static const char good_key[] =
	"{\"time\":\"2026-11-30T03:00:00.000Z\",\"interval\":null,\"period\":1.000,"
	"\"budget_held\":false,\"events_lost\":null,\"flows\":[{\"direction\":\"active\","
	"\"local\":{\"addr\":\"localhost\",\"port\":\"many\"},\"peer\":{\"addr\":\"10.1.2.3\","
	"\"port\":\"443\"},\"stat\":{\"total_inbound_packets\":1,\"total_inbound_bytes\":2,"
	"\"total_outbound_packets\":3,\"total_outbound_bytes\":4},\"proto\":\"tcp\","
	"\"connections\":1,\"delta\":null}]}";

/* Each kind of bad line is skipped and counted; the good ones stay usable. */
static void test_bad_lines(void **state)
{
	char path[] = "/tmp/lsct-rp-XXXXXX", err[200];
	int fd = mkstemp(path);
	FILE *fp = fdopen(fd, "w");
	struct replay *r;
	const struct replay_stats *st;
	struct mon_frame *g;
	char text[400];

	/* A change line before any keyframe. */
	fprintf(fp, "{\"time\":\"2026-11-30T02:59:00.000Z\",\"interval\":1,\"period\":1,"
		"\"budget_held\":false,\"events_lost\":null,\"rec\":{\"v\":1,\"kind\":\"delta\"}}\n");
	fprintf(fp, "%s\n", good_key);				/* 1: a plain stream line */
	fprintf(fp, "not json at all\n");
	fprintf(fp, "{\"time\":\"2026-11-30T03:00:01.000Z\",\"interval\":1,\"period\":1,"
		"\"budget_held\":false,\"events_lost\":null,\"rec\":{\"v\":99,\"kind\":\"key\"},"
		"\"flows\":[]}\n");				/* a newer version */
	fprintf(fp, "{\"time\":\"2026-11-30T02:00:00.000Z\",\"interval\":1,\"period\":1,"
		"\"budget_held\":false,\"events_lost\":null,\"flows\":[]}\n"); /* out of order */
	/* A keyframe whose flow is bad inside (a port out of range). */
	snprintf(text, sizeof text, "%s", good_key);
	memcpy(strstr(text, "\"443\""), "\"999999\"", 8);
	memcpy(strstr(text, "03:00:00"), "03:00:02", 8);
	fprintf(fp, "%s\n", text);				/* 2, found bad when read */
	fprintf(fp, "%s", good_key);				/* truncated: no newline */
	fclose(fp);
	r = replay_open(open(path, O_RDONLY), err, sizeof err);
	assert_non_null(r);
	st = replay_stats(r);
	assert_int_equal(st->lines, 7);
	assert_int_equal(st->no_keyframe, 1);
	assert_int_equal(st->not_json, 1);
	assert_int_equal(st->newer, 1);
	assert_int_equal(st->out_of_order, 1);
	assert_int_equal(st->truncated, 1);
	assert_int_equal(replay_count(r), 2);
	g = replay_frame(r, 0);
	assert_non_null(g);
	assert_int_equal(g->nflows, 1);
	assert_int_equal(g->flows[0].key.port, 443);
	assert_int_equal(g->flows[0].c.out_bytes, 4);
	assert_int_equal(g->sysctl.count, -1);
	mon_frame_free(g);
	errno = 0;
	assert_null(replay_frame(r, 1));
	assert_int_equal(errno, EBADMSG);
	assert_null(replay_frame(r, 1));
	assert_int_equal(st->bad, 1);	/* counted once */
	replay_skip_text(r, text, sizeof text);
	assert_string_equal(text, "6 lines skipped: 1 not a recording line, 1 of a newer "
			    "version, 1 out of order, 1 truncated, 1 before any keyframe, 1 bad inside");
	replay_free(r);
	unlink(path);
}

/* The line parser alone: JSON it must refuse, and what it must not crash on. */
static void test_parser(void **state)
{
	static const char *const bad[] = {
		"", "{", "[]", "{\"time\":", "{\"a\":1}x", "{\"a\":\"\\x\"}", "{\"a\":01}",
		"{\"a\":-}", "{\"a\":1.}", "{\"a\":tru}", "{\"a\":\"\x01\"}",
		"{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
	};
	struct replay *r = replay_new_parser();
	struct mon_frame *g;

	for (size_t i = 0; i < ARRAY_LEN(bad); i++)
		assert_int_equal(replay_parse_line(r, bad[i], strlen(bad[i])), 0);
	assert_int_equal(replay_stats(r)->not_json, ARRAY_LEN(bad));
	assert_int_equal(replay_parse_line(r, good_key, strlen(good_key)), 1);
	g = replay_state_frame(r);
	assert_int_equal(g->nflows, 1);
	assert_int_equal(g->stats.active, 1);
	mon_frame_free(g);
	/*
	 * A routed flow whose client the recorder did not know ("?") keeps its
	 * id but is not shown; the changes of the flow after it apply.
	 */
	{
		static const char key[] =
			"{\"time\":\"2026-11-30T03:00:00.000Z\",\"interval\":null,\"period\":1,"
			"\"budget_held\":false,\"events_lost\":null,\"flows\":[{\"direction\":"
			"\"routed\",\"client\":{\"addr\":\"?\",\"port\":\"many\"},\"server\":"
			"{\"addr\":\"203.0.113.9\",\"port\":\"443\"},\"stat\":{"
			"\"total_inbound_packets\":1,\"total_inbound_bytes\":2,"
			"\"total_outbound_packets\":3,\"total_outbound_bytes\":4},\"proto\":\"tcp\","
			"\"connections\":1,\"nat\":null},{\"direction\":\"active\","
			"\"local\":{\"addr\":\"localhost\",\"port\":\"many\"},\"peer\":{\"addr\":"
			"\"10.1.2.3\",\"port\":\"443\"},\"stat\":{\"total_inbound_packets\":1,"
			"\"total_inbound_bytes\":2,\"total_outbound_packets\":3,"
			"\"total_outbound_bytes\":4},\"proto\":\"tcp\",\"connections\":1}]}";
		static const char chg[] =
			"{\"time\":\"2026-11-30T03:00:01.000Z\",\"interval\":1,\"period\":1,"
			"\"budget_held\":false,\"events_lost\":null,\"rec\":{\"v\":1,\"kind\":"
			"\"delta\",\"seq\":2,\"dumped\":1,\"cost\":0,\"next_dump\":0,\"dump_cpu\":0,"
			"\"live\":0,\"events\":0,\"events_seen\":0,\"sysctl\":[-1,-1,-1,-1,-1],"
			"\"stats\":[0,0,0,0,0,0,0,0,0,0],\"input\":[0,0,0,0,0,0],\"del\":[],"
			"\"chg\":[0,1,1,1,1,1,5,50,0,0],\"conn\":[],\"tot\":[],\"add\":[],"
			"\"idle\":[],\"stale\":[]}}";

		assert_int_equal(replay_parse_line(r, key, strlen(key)), 1);
		assert_int_equal(replay_parse_line(r, chg, strlen(chg)), 1);
		g = replay_state_frame(r);
		assert_int_equal(g->nflows, 1);
		assert_int_equal(g->flows[0].d.in_packets, 5);
		assert_int_equal(g->flows[0].c.in_bytes, 52);
		mon_frame_free(g);
	}
	/* A routed flow with its client and NAT: shown, its route interned. */
	{
		static const char key[] =
			"{\"time\":\"2026-11-30T03:00:02.000Z\",\"interval\":null,\"period\":1,"
			"\"budget_held\":false,\"events_lost\":null,\"flows\":[{\"direction\":"
			"\"routed\",\"client\":{\"addr\":\"10.0.0.5\",\"port\":\"many\"},\"server\":"
			"{\"addr\":\"198.51.100.7\",\"port\":\"8080\"},\"stat\":{"
			"\"total_inbound_packets\":1,\"total_inbound_bytes\":2,"
			"\"total_outbound_packets\":3,\"total_outbound_bytes\":4},\"proto\":\"tcp\","
			"\"connections\":1,\"nat\":{\"dnat\":{\"addr\":\"10.0.0.20\",\"port\":\"80\"},"
			"\"snat\":null}}]}";
		static const char badnat[] =
			"{\"time\":\"2026-11-30T03:00:03.000Z\",\"interval\":null,\"period\":1,"
			"\"budget_held\":false,\"events_lost\":null,\"flows\":[{\"direction\":"
			"\"routed\",\"client\":{\"addr\":\"10.0.0.5\",\"port\":\"many\"},\"server\":"
			"{\"addr\":\"198.51.100.7\",\"port\":\"8080\"},\"stat\":{"
			"\"total_inbound_packets\":1,\"total_inbound_bytes\":2,"
			"\"total_outbound_packets\":3,\"total_outbound_bytes\":4},\"proto\":\"tcp\","
			"\"connections\":1,\"nat\":{\"dnat\":7}}]}";
		struct flow_route fr;
		char a[64];

		assert_int_equal(replay_parse_line(r, key, strlen(key)), 1);
		g = replay_state_frame(r);
		assert_int_equal(g->nflows, 1);
		assert_int_equal(g->flows[0].key.dir, FLOW_ROUTED);
		assert_int_equal(g->flows[0].key.port, 8080);
		assert_int_equal(replay_route(r, g->flows[0].key.owner, &fr), 0);
		assert_non_null(inet_ntop(AF_INET, fr.client.b, a, sizeof a));
		assert_string_equal(a, "10.0.0.5");
		assert_int_equal(fr.nat, ROUTE_DNAT);
		assert_int_equal(fr.dnat_port, 80);
		mon_frame_free(g);
		/* A nat that is neither an object nor null: a bad line. */
		assert_true(replay_parse_line(r, badnat, strlen(badnat)) != 1);
	}
	replay_free(r);
}

static void test_parse_time(void **state)
{
	struct timespec ref = { 1764471600, 0 }, t;	/* 2025-11-30T03:00:00Z */
	char err[120];

	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(replay_parse_time("04:30", &ref, &t, err, sizeof err), 0);
	assert_int_equal(t.tv_sec, 1764471600 + 5400);
	assert_int_equal(replay_parse_time("04:30:15", &ref, &t, err, sizeof err), 0);
	assert_int_equal(t.tv_sec, 1764471600 + 5415);
	assert_int_equal(replay_parse_time("2026-11-30T03:00", &ref, &t, err, sizeof err), 0);
	assert_int_equal(t.tv_sec, 1796007600);
	assert_int_equal(replay_parse_time("2026-11-30 03:00:05Z", &ref, &t, err, sizeof err), 0);
	assert_int_equal(t.tv_sec, 1796007605);
	assert_int_equal(replay_parse_time("tomorrow", &ref, &t, err, sizeof err), -1);
	assert_non_null(strstr(err, "HH:MM"));
	assert_int_equal(replay_parse_time("03:00 x", &ref, &t, err, sizeof err), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_seek),
		cmocka_unit_test(test_sequential_and_pipe),
		cmocka_unit_test(test_find),
		cmocka_unit_test(test_bad_lines),
		cmocka_unit_test(test_parser),
		cmocka_unit_test(test_parse_time),
	};

	util_hash_init();
	return cmocka_run_group_tests_name("replay", tests, NULL, NULL);
}
