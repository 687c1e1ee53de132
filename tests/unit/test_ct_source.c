/*
 * The source interface: a file re-read on every dump, a descriptor read
 * once, a kind of one's own through ct_source_new(), and what a dump
 * counts.  No root: a pipe and temporary files.
 */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ct_source.h"

#define LINE_A "tcp      6 117 ESTABLISHED src=10.0.0.1 dst=10.0.2.10 sport=40000 " \
	"dport=3306 packets=3 bytes=300 src=10.0.2.10 dst=10.0.0.1 sport=3306 dport=40000 " \
	"packets=2 bytes=200 [ASSURED] mark=0 use=1\n"
#define LINE_B "udp      17 20 src=10.0.0.1 dst=10.0.2.11 sport=5353 dport=53 packets=1 " \
	"bytes=60 src=10.0.2.11 dst=10.0.0.1 sport=53 dport=5353 packets=1 bytes=90 mark=0 use=1\n"
#define LINE_BAD "tcp      6 117 ESTABLISHED src=10.0.0.1 dst=\n"

/* A sink that counts and keeps the last entry; stop_at > 0 refuses that one. */
struct counter {
	size_t adds, resets, stop_at;
	struct ct_entry last;
};

static int count_add(const struct ct_entry *e, void *arg)
{
	struct counter *c = arg;

	if (c->stop_at && c->adds + 1 == c->stop_at) {
		errno = ECANCELED;
		return -1;
	}
	c->adds++;
	c->last = *e;
	return 0;
}

static void count_reset(void *arg)
{
	((struct counter *)arg)->resets++;
}

static struct ct_sink sink_of(struct counter *c)
{
	struct ct_sink s = { count_add, count_reset, c };

	memset(c, 0, sizeof *c);
	return s;
}

/* A temporary file holding text; its path goes to path (PATH_MAX). */
static void write_file(char *path, const char *text)
{
	int fd;

	if (!path[0]) {
		strcpy(path, "/tmp/lsct-src-XXXXXX");
		fd = mkstemp(path);
	} else {
		/* The same file, rewritten in place (as the kernel's table changes). */
		fd = open(path, O_WRONLY | O_TRUNC);
	}
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void test_file_is_read_again_each_dump(void **state)
{
	char path[64] = "";
	struct counter c;
	struct ct_sink sink = sink_of(&c);
	struct ct_source_stats st;
	struct ct_source *s;

	write_file(path, LINE_A LINE_BAD LINE_B);
	s = ct_source_file(path, 0);
	assert_non_null(s);
	assert_string_equal(ct_source_name(s), path);
	assert_int_equal(ct_source_live(s), 0);

	assert_int_equal(ct_source_dump(s, &sink, &st), 0);
	assert_int_equal(c.adds, 2);
	assert_int_equal(st.entries, 2);
	assert_int_equal(st.malformed, 1);
	assert_int_equal(st.first_bad, 2);
	assert_int_equal(ct_source_skipped(&st), 1);
	assert_int_equal(c.last.proto, 17);

	/* The second dump starts from the top and sees the file as it is now. */
	write_file(path, LINE_A LINE_A LINE_A);
	sink = sink_of(&c);
	assert_int_equal(ct_source_dump(s, &sink, &st), 0);
	assert_int_equal(c.adds, 3);
	assert_int_equal(st.entries, 3);
	assert_int_equal(ct_source_skipped(&st), 0);
	assert_int_equal(st.first_bad, 0);
	assert_int_equal(c.last.proto, 6);
	ct_source_close(s);
	unlink(path);
}

static void test_file_live_flag_and_missing_file(void **state)
{
	char path[64] = "";
	struct ct_source *s;

	write_file(path, "");
	s = ct_source_file(path, 1);
	assert_non_null(s);
	assert_int_equal(ct_source_live(s), 1);
	ct_source_close(s);
	unlink(path);

	errno = 0;
	assert_null(ct_source_file("/nonexistent/lsct/table", 0));
	assert_int_equal(errno, ENOENT);
}

/* Only a regular file or a procfs file is a table; the rest is refused unopened. */
static void test_file_must_be_regular_or_procfs(void **state)
{
	char dir[] = "/tmp/lsct-src-XXXXXX", fifo[64], path[64] = "";
	struct ct_source *s;
	int fd, flags;

	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof fifo, "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);

	errno = 0;
	assert_null(ct_source_file(dir, 0));
	assert_int_equal(errno, EINVAL);
	/* A FIFO without a writer would block an open for reading: it is never opened. */
	errno = 0;
	assert_null(ct_source_file(fifo, 0));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(ct_source_file("/dev/null", 0));
	assert_int_equal(errno, EINVAL);

	write_file(path, LINE_A);
	s = ct_source_file(path, 0);
	assert_non_null(s);
	ct_source_close(s);
	/* procfs files are regular with size 0; they are read to their end. */
	s = ct_source_file("/proc/self/status", 0);
	assert_non_null(s);
	ct_source_close(s);

	/* The descriptor a source reads: read-only, O_NONBLOCK, close-on-exec. */
	s = ct_source_file(path, 0);
	assert_non_null(s);
	for (fd = 3; fd < 64; fd++) {
		char link[64], target[128];
		ssize_t n;

		snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
		n = readlink(link, target, sizeof target - 1);
		if (n <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, path) == 0)
			break;
	}
	assert_true(fd < 64);
	flags = fcntl(fd, F_GETFL);
	assert_int_equal(flags & O_ACCMODE, O_RDONLY);
	assert_true(flags & O_NONBLOCK);
	assert_true(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	ct_source_close(s);

	unlink(path);
	unlink(fifo);
	rmdir(dir);
}

static void test_fd_once_then_enodata(void **state)
{
	int p[2];
	struct counter c;
	struct ct_sink sink = sink_of(&c);
	struct ct_source_stats st;
	struct ct_source *s;
	const char text[] = LINE_A LINE_B;

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], text, sizeof text - 1), (ssize_t)(sizeof text - 1));
	close(p[1]);
	s = ct_source_fd_once(p[0], "standard input");
	assert_string_equal(ct_source_name(s), "standard input");
	assert_int_equal(ct_source_live(s), 0);
	assert_int_equal(ct_source_dump(s, &sink, &st), 0);
	assert_int_equal(c.adds, 2);
	assert_int_equal(st.entries, 2);

	sink = sink_of(&c);
	errno = 0;
	assert_int_equal(ct_source_dump(s, &sink, &st), -1);
	assert_int_equal(errno, ENODATA);
	assert_int_equal(c.adds, 0);
	ct_source_close(s);
	/* The descriptor is the caller's: still open after the close. */
	assert_true(fcntl(p[0], F_GETFD) >= 0);
	close(p[0]);
}

/* conntrack v1.4.7 -E -o id,timestamp, as captured: one connection's history. */
#define EV_NEW "[1796007650.871358]\t    [NEW] tcp      6 120 SYN_SENT src=127.0.0.1 " \
	"dst=127.0.0.1 sport=42174 dport=7000 [UNREPLIED] src=127.0.0.1 dst=127.0.0.1 " \
	"sport=7000 dport=42174 id=3764359961\n"
#define EV_UPD "[1796007650.871409]\t [UPDATE] tcp      6 432000 ESTABLISHED src=127.0.0.1 " \
	"dst=127.0.0.1 sport=42174 dport=7000 src=127.0.0.1 dst=127.0.0.1 sport=7000 " \
	"dport=42174 [ASSURED] id=3764359961\n"
#define EV_DESTROY "[1796007651.912660]\t[DESTROY] tcp      6 118 TIME_WAIT src=127.0.0.1 " \
	"dst=127.0.0.1 sport=42174 dport=7000 packets=5 bytes=5268 src=127.0.0.1 " \
	"dst=127.0.0.1 sport=7000 dport=42174 packets=3 bytes=164 [ASSURED] delta-time=1 " \
	"id=3764359961 [USERSPACE] portid=3765980674\n"
#define EV_TRAILER "conntrack v1.4.7 (conntrack-tools): 5 flow events have been shown.\n"

/* An event log read once: one connection, its final counters, destroyed; a BOM first. */
static void test_fd_once_event_log(void **state)
{
	int p[2];
	struct counter c;
	struct ct_sink sink = sink_of(&c);
	struct ct_source_stats st;
	struct ct_source *s;
	const char text[] = "\xef\xbb\xbf" EV_NEW EV_UPD EV_UPD EV_UPD EV_DESTROY EV_TRAILER;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], text, sizeof text - 1), (ssize_t)(sizeof text - 1));
	close(p[1]);
	s = ct_source_fd_once(p[0], "standard input");
	assert_int_equal(ct_source_dump(s, &sink, &st), 0);
	assert_int_equal(c.adds, 1);
	assert_int_equal(st.entries, 1);
	assert_int_equal(ct_source_skipped(&st), 0);
	assert_int_equal(c.last.flags, CT_F_STATE | CT_F_COUNTERS | CT_F_ID | CT_F_DESTROYED);
	assert_int_equal(c.last.id, 3764359961u);
	assert_int_equal(c.last.orig.bytes, 5268);
	assert_int_equal(c.last.reply.bytes, 164);
	assert_int_equal(c.last.tcp_state, CT_TCP_TIME_WAIT);
	ct_source_close(s);
	close(p[0]);
}

/*
 * A file re-read gives the same connections every dump; table lines come
 * as read, the log's connections after them; a sink that stops the
 * flush stops the dump.
 */
static void test_file_mixed_event_log(void **state)
{
	char path[64] = "";
	struct counter c;
	struct ct_sink sink = sink_of(&c);
	struct ct_source_stats st;
	struct ct_source *s;

	(void)state;
	write_file(path, EV_NEW LINE_A EV_UPD EV_DESTROY LINE_B);
	s = ct_source_file(path, 0);
	assert_non_null(s);
	for (int round = 0; round < 2; round++) {
		sink = sink_of(&c);
		assert_int_equal(ct_source_dump(s, &sink, &st), 0);
		assert_int_equal(c.adds, 3);
		assert_int_equal(st.entries, 3);
		assert_int_equal(c.last.orig.bytes, 5268);
		assert_true(c.last.flags & CT_F_DESTROYED);
	}
	sink = sink_of(&c);
	c.stop_at = 3;
	errno = 0;
	assert_int_equal(ct_source_dump(s, &sink, &st), -1);
	assert_int_equal(errno, ECANCELED);
	assert_int_equal(c.adds, 2);
	ct_source_close(s);
	unlink(path);
}

static void test_sink_stop_ends_the_dump(void **state)
{
	char path[64] = "";
	struct counter c;
	struct ct_sink sink = sink_of(&c);
	struct ct_source_stats st;
	struct ct_source *s;

	write_file(path, LINE_A LINE_B LINE_A);
	s = ct_source_file(path, 0);
	assert_non_null(s);
	c.stop_at = 2;
	errno = 0;
	assert_int_equal(ct_source_dump(s, &sink, &st), -1);
	assert_int_equal(errno, ECANCELED);
	assert_int_equal(c.adds, 1);
	ct_source_close(s);
	unlink(path);
}

/* A kind of one's own: what a new source file would provide. */
struct fake {
	int dumps, *closed;
};

static int fake_dump(void *state, const struct ct_sink *sink, struct ct_source_stats *st)
{
	struct fake *f = state;
	struct ct_entry e = tu_plain(IPPROTO_TCP, "10.0.0.1", 40000, "10.0.2.10", 80,
				     1, 60, 1, 60);

	f->dumps++;
	/* Stats are zeroed by ct_source_dump() before the kind fills them. */
	assert_int_equal(st->entries + st->bad_msgs + st->malformed, 0);
	st->entries = 1;
	st->bad_msgs = 2;
	return sink->add(&e, sink->arg);
}

static void fake_close(void *state)
{
	struct fake *f = state;

	(*f->closed)++;
	free(f);
}

static const struct ct_source_ops fake_ops = { fake_dump, fake_close, NULL, NULL, NULL };

static void test_new_kind_through_ops(void **state)
{
	int closed = 0;
	struct fake *f = calloc(1, sizeof *f);
	struct counter c;
	struct ct_sink sink = sink_of(&c);
	struct ct_source_stats st;
	struct ct_source *s;
	char name[] = "fake";

	f->closed = &closed;
	s = ct_source_new(&fake_ops, f, name, 1);
	name[0] = 'X';		/* the name was copied */
	assert_string_equal(ct_source_name(s), "fake");
	assert_int_equal(ct_source_live(s), 1);
	memset(&st, 0xff, sizeof st);
	assert_int_equal(ct_source_dump(s, &sink, &st), 0);
	assert_int_equal(ct_source_dump(s, &sink, &st), 0);
	assert_int_equal(f->dumps, 2);
	assert_int_equal(c.adds, 2);
	assert_int_equal(st.bad_msgs, 2);
	assert_int_equal(st.first_bad, 0);
	ct_source_close(s);
	assert_int_equal(closed, 1);
	ct_source_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_is_read_again_each_dump),
		cmocka_unit_test(test_file_live_flag_and_missing_file),
		cmocka_unit_test(test_file_must_be_regular_or_procfs),
		cmocka_unit_test(test_fd_once_then_enodata),
		cmocka_unit_test(test_fd_once_event_log),
		cmocka_unit_test(test_file_mixed_event_log),
		cmocka_unit_test(test_sink_stop_ends_the_dump),
		cmocka_unit_test(test_new_kind_through_ops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
