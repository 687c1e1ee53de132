/* test_record.c - the recording writer: keyframes, change lines, write failures. */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "record.h"
#include "replay.h"
#include "util.h"

static struct flow mkflow(unsigned k, uint64_t bytes, uint32_t conns)
{
	struct flow f;

	memset(&f, 0, sizeof f);
	f.key.family = AF_INET;
	f.key.peer = tu_addr(k == 7 ? "10.0.0.7" : k == 8 ? "10.0.0.8" : "10.0.0.9");
	f.key.proto = IPPROTO_TCP;
	f.key.port = (uint16_t)(400 + k);
	f.c.in_bytes = bytes;
	f.c.in_packets = bytes / 100;
	f.conns = conns;
	return f;
}

static struct mon_frame mkframe(uint64_t seq, struct flow *fl, size_t n)
{
	struct mon_frame f;

	memset(&f, 0, sizeof f);
	f.seq = seq;
	f.when.tv_sec = 1764471600 + (time_t)seq * 10;
	f.interval = seq > 1 ? 10 : 0;
	f.period = 10;
	f.dumped = 1;
	f.sysctl = (struct host_ct_sysctl){ 1, 5, 100, 1, 0 };
	f.flows = fl;
	f.nflows = n;
	return f;
}

/* The file's text, NUL-terminated. */
static char *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "r");
	char *buf = calloc(1, 1 << 20);

	assert_non_null(fp);
	*len = fread(buf, 1, (1 << 20) - 1, fp);
	fclose(fp);
	return buf;
}

static size_t count_lines(const char *s, const char *what)
{
	size_t n = 0;

	for (const char *p = s; (p = strstr(p, what)); p++)
		n++;
	return n;
}

static void test_keyframes_and_changes(void **state)
{
	char path[] = "/tmp/lsct-rec-XXXXXX";
	int fd = mkstemp(path);
	struct rec_opts ro = { .keyframe_every = 3, .hostname = "h\"1", .source = "netlink" };
	struct rec_writer *w;
	struct flow fl[3];
	struct mon_frame f;
	size_t len;
	char *text;

	assert_true(fd >= 0);
	w = rec_new(fd, &ro);
	fl[0] = mkflow(7, 1000, 1);
	fl[1] = mkflow(8, 2000, 2);
	f = mkframe(1, fl, 2);
	assert_int_equal(rec_write(w, &f), 0);
	/* 7 sends 500 more; 8 closes a connection and loses its bytes; 9 is new. */
	fl[0].d.in_bytes = 500;
	fl[0].d.in_packets = 5;
	fl[0].c.in_bytes = 1500;
	fl[0].c.in_packets = 15;
	fl[1].d.closed_conns = 1;
	fl[1].conns = 1;
	fl[1].c.in_bytes = 100;
	fl[1].c.in_packets = 1;
	fl[2] = mkflow(9, 42, 1);
	fl[2].d.new_conns = 1;
	f = mkframe(2, fl, 3);
	assert_int_equal(rec_write(w, &f), 0);
	/* 8 is gone. */
	memset(&fl[0].d, 0, sizeof fl[0].d);
	fl[1] = fl[2];
	memset(&fl[1].d, 0, sizeof fl[1].d);
	f = mkframe(3, fl, 2);
	assert_int_equal(rec_write(w, &f), 0);
	f = mkframe(4, fl, 2);
	assert_int_equal(rec_write(w, &f), 0);
	assert_int_equal(rec_lines(w), 4);
	assert_true(rec_bytes(w) > 0);
	rec_free(w);
	text = slurp(path, &len);
	assert_int_equal(count_lines(text, "\n"), 4);
	/* Keyframes: the first and the fourth (every 3); the others change lines. */
	assert_int_equal(count_lines(text, "\"kind\":\"key\""), 2);
	assert_int_equal(count_lines(text, "\"kind\":\"delta\""), 2);
	/* A keyframe is a stream line plus "rec": jq reads it, the host escaped. */
	assert_int_equal(tu_pipe_to("head -1 | jq -e '.flows | length == 2' >/dev/null", text), 0);
	assert_non_null(strstr(text, "\"host\":\"h\\\"1\""));
	/* Line 2: 7's traffic (id 0), 8's connections and totals (id 1), 9 added. */
	assert_non_null(strstr(text, "\"del\":[],\"chg\":[0,5,500,0,0],\"conn\":[1,0,1,1],"
				     "\"tot\":[1,1,100,0,0],\"add\":[{\"direction\":\"active\""));
	/* Line 3: 8 deleted, nothing changed. */
	assert_non_null(strstr(text, "\"del\":[1],\"chg\":[],\"conn\":[],\"tot\":[],\"add\":[]"));
	free(text);
	unlink(path);
}

/* A full disk: the writer stops, the file keeps whole lines only. */
static void test_full_disk(void **state)
{
	int fd = open("/dev/full", O_RDWR | O_APPEND);
	struct rec_opts ro = { .source = "netlink" };
	struct rec_writer *w;
	struct flow fl[1] = { mkflow(7, 1, 1) };
	struct mon_frame f = mkframe(1, fl, 1);

	if (fd < 0)
		skip();
	w = rec_new(fd, &ro);
	assert_int_equal(rec_write(w, &f), -1);
	assert_int_equal(errno, ENOSPC);
	assert_int_equal(rec_failed(w), ENOSPC);
	/* Stopped for good: no second try. */
	f.seq = 2;
	assert_int_equal(rec_write(w, &f), -1);
	assert_int_equal(rec_lines(w), 0);
	rec_free(w);
}

/* A file that ends in half a line gets a newline first: that line stays bad alone. */
static void test_partial_line_before(void **state)
{
	char path[] = "/tmp/lsct-rec-XXXXXX";
	int fd = mkstemp(path);
	struct rec_opts ro = { .source = "netlink" };
	struct rec_writer *w;
	struct flow fl[1] = { mkflow(7, 1, 1) };
	struct mon_frame f = mkframe(1, fl, 1), *g;
	struct replay *r;
	char err[200];
	size_t len;
	char *text;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"time\":\"2026", 13), 13);
	w = rec_new(fd, &ro);
	assert_int_equal(rec_write(w, &f), 0);
	rec_free(w);
	text = slurp(path, &len);
	assert_non_null(strstr(text, "{\"time\":\"2026\n{\"time\":"));
	free(text);
	r = replay_open(open(path, O_RDONLY), err, sizeof err);
	assert_non_null(r);
	assert_int_equal(replay_count(r), 1);
	assert_int_equal(replay_stats(r)->not_json, 1);
	g = replay_frame(r, 0);
	assert_non_null(g);
	assert_int_equal(g->nflows, 1);
	mon_frame_free(g);
	replay_free(r);
	unlink(path);
}

/* A frame that failed is not written. */
static void test_failed_frame_skipped(void **state)
{
	char path[] = "/tmp/lsct-rec-XXXXXX";
	int fd = mkstemp(path);
	struct rec_opts ro = { 0 };
	struct rec_writer *w = rec_new(fd, &ro);
	struct mon_frame f = mkframe(1, NULL, 0);

	f.err = EIO;
	assert_int_equal(rec_write(w, &f), 0);
	assert_int_equal(rec_lines(w), 0);
	rec_free(w);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_keyframes_and_changes),
		cmocka_unit_test(test_full_disk),
		cmocka_unit_test(test_partial_line_before),
		cmocka_unit_test(test_failed_frame_skipped),
	};

	util_hash_init();
	return cmocka_run_group_tests_name("record", tests, NULL, NULL);
}
