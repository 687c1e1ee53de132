/*
 * testutil.h - helpers shared by the unit tests: entries built from text, a
 * text file as an fd, a writer's output captured as a string, and the
 * nine-connection table that the view and the writers' tests sort and print.
 */
#ifndef LSCT_TESTUTIL_H
#define LSCT_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/wait.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "ct.h"
#include "flow.h"
#include "host.h"
#include "out.h"
#include "view.h"

static inline struct ct_addr tu_addr(const char *s)
{
	struct ct_addr a;

	assert_true(ct_addr_parse(s, strlen(s), &a) > 0);
	return a;
}

/*
 * An entry: proto, original "src sport dst dport", reply "src sport dst dport",
 * and counters (orig packets/bytes, reply packets/bytes).
 */
static inline struct ct_entry tu_entry(int proto, const char *osrc, unsigned osport,
				       const char *odst, unsigned odport,
				       const char *rsrc, unsigned rsport,
				       const char *rdst, unsigned rdport,
				       uint64_t op, uint64_t ob, uint64_t rp, uint64_t rb)
{
	struct ct_entry e;

	memset(&e, 0, sizeof e);
	e.family = (uint8_t)(strchr(osrc, ':') ? AF_INET6 : AF_INET);
	e.proto = (uint8_t)proto;
	e.orig.src = tu_addr(osrc);
	e.orig.dst = tu_addr(odst);
	e.orig.sport = (uint16_t)osport;
	e.orig.dport = (uint16_t)odport;
	e.reply.src = tu_addr(rsrc);
	e.reply.dst = tu_addr(rdst);
	e.reply.sport = (uint16_t)rsport;
	e.reply.dport = (uint16_t)rdport;
	e.orig.packets = op;
	e.orig.bytes = ob;
	e.reply.packets = rp;
	e.reply.bytes = rb;
	e.flags = CT_F_COUNTERS;
	e.status = CT_STATUS_ASSURED | CT_STATUS_SEEN_REPLY;
	return e;
}

/* A connection without NAT: the reply tuple mirrors the original. */
static inline struct ct_entry tu_plain(int proto, const char *src, unsigned sport,
				       const char *dst, unsigned dport,
				       uint64_t op, uint64_t ob, uint64_t rp, uint64_t rb)
{
	return tu_entry(proto, src, sport, dst, dport, dst, dport, src, sport, op, ob, rp, rb);
}

/* An fd positioned at the start of a temporary file holding text. */
static inline int tu_text_fd(const char *text)
{
	FILE *fp = tmpfile();
	int fd;

	assert_non_null(fp);
	fputs(text, fp);
	fflush(fp);
	fd = dup(fileno(fp));
	fclose(fp);
	lseek(fd, 0, SEEK_SET);
	return fd;
}

typedef int tu_writer(FILE *, const struct flow *const *, size_t, const struct out_opts *);

/* Writes rows with fn into a memory stream and returns the text (caller frees). */
static inline char *tu_capture(tu_writer *fn, const struct flow *const *rows, size_t n,
			       const struct out_opts *o)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	assert_int_equal(fn(fp, rows, n, o), 0);
	fclose(fp);
	return buf;
}

/* Feeds text to a command's stdin; returns its exit status. */
static inline int tu_pipe_to(const char *cmd, const char *text)
{
	FILE *p = popen(cmd, "w");
	int st;

	assert_non_null(p);
	fputs(text, p);
	st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/*
 * The table of test_view.c, test_out_table.c and test_out_json.c: this host
 * is 10.0.0.1 and fd00::1; four active flows, two passive.
 */
struct tu_fixture {
	struct host_info host;
	struct flow_opts opts;
	struct flow_table *t;
	const struct flow *rows[64];
};

static inline int tu_fixture_setup(void **state)
{
	static struct tu_fixture fx;
	struct ct_addr a = tu_addr("10.0.0.1");
	struct ct_entry es[] = {
		/* active 10.0.1.10:3306: 3 conns, 5523+ bytes */
		tu_plain(IPPROTO_TCP, "10.0.0.1", 40001, "10.0.1.10", 3306, 10, 1000, 10, 2000),
		tu_plain(IPPROTO_TCP, "10.0.0.1", 40002, "10.0.1.10", 3306, 10, 1000, 10, 2000),
		tu_plain(IPPROTO_TCP, "10.0.0.1", 40003, "10.0.1.10", 3306, 10, 1000, 10, 2000),
		/* active [fd00::20]:6379: 1 conn, 6020 bytes */
		tu_plain(IPPROTO_TCP, "fd00::1", 40004, "fd00::20", 6379, 38, 2900, 40, 3120),
		/* active 10.0.1.9:11211 and 10.0.1.11:11211: same bytes, tie on address */
		tu_plain(IPPROTO_TCP, "10.0.0.1", 40005, "10.0.1.11", 11211, 1, 100, 1, 100),
		tu_plain(IPPROTO_TCP, "10.0.0.1", 40006, "10.0.1.9", 11211, 1, 100, 1, 100),
		/* passive :80 from 10.0.2.10 (2 conns), :443 from 10.0.2.11 */
		tu_plain(IPPROTO_TCP, "10.0.2.10", 50000, "10.0.0.1", 80, 23, 6416, 25, 25460),
		tu_plain(IPPROTO_TCP, "10.0.2.10", 50001, "10.0.0.1", 80, 1, 60, 1, 40),
		tu_plain(IPPROTO_TCP, "10.0.2.11", 50002, "10.0.0.1", 443, 100, 90000, 90, 100000),
	};

	host_init(&fx.host);
	host_add_addr(&fx.host, AF_INET, &a);
	a = tu_addr("fd00::1");
	host_add_addr(&fx.host, AF_INET6, &a);
	host_finish(&fx.host);
	memset(&fx.opts, 0, sizeof fx.opts);
	fx.opts.protos = FLOW_PROTO_TCP | FLOW_PROTO_UDP;
	fx.opts.families = FLOW_FAM_V4 | FLOW_FAM_V6;
	fx.t = flow_table_new(&fx.host, &fx.opts);
	flow_table_begin(fx.t);
	for (size_t i = 0; i < sizeof es / sizeof es[0]; i++)
		flow_table_add(fx.t, &es[i]);
	flow_table_end(fx.t);
	*state = &fx;
	return 0;
}

static inline int tu_fixture_teardown(void **state)
{
	struct tu_fixture *fx = *state;

	flow_table_free(fx->t);
	host_fini(&fx->host);
	return 0;
}

/* The fixture's rows of the given directions in sort order s; returns the count. */
static inline size_t tu_build(struct tu_fixture *fx, unsigned dirs, enum view_sort s, int rev,
			      const struct port_filter *ap, const struct port_filter *pp)
{
	struct view_opts o = { .dirs = dirs, .aport = ap, .pport = pp, .sort = s, .reverse = rev };

	return view_build(fx->t, &o, fx->rows);
}

/*
 * Two flows of a stream's later snapshot, every delta field different so a
 * writer that mixes two up is caught: active to 10.0.1.10:3306 and passive
 * on port 80 from 10.0.2.10.
 */
static inline void tu_stream_flows(struct flow f[2])
{
	memset(f, 0, 2 * sizeof *f);
	f[0].key.family = f[1].key.family = AF_INET;
	f[0].key.proto = f[1].key.proto = IPPROTO_TCP;
	f[0].key.dir = FLOW_ACTIVE;
	f[0].key.peer = tu_addr("10.0.1.10");
	f[0].key.port = 3306;
	f[0].c = (struct flow_counters){ .in_packets = 30, .in_bytes = 6000,
					 .out_packets = 31, .out_bytes = 3000 };
	f[0].conns = 3;
	f[0].d = (struct flow_delta){ .in_packets = 11, .in_bytes = 3000, .out_packets = 7,
				      .out_bytes = 1001, .new_conns = 2, .closed_conns = 1 };
	f[1].key.dir = FLOW_PASSIVE;
	f[1].key.peer = tu_addr("10.0.2.10");
	f[1].key.port = 80;
	f[1].c = (struct flow_counters){ .in_packets = 24, .in_bytes = 6476,
					 .out_packets = 26, .out_bytes = 25500 };
	f[1].conns = 2;
	f[1].d = (struct flow_delta){ .in_packets = 5, .in_bytes = 500, .out_packets = 3,
				      .out_bytes = 12345, .new_conns = 0, .closed_conns = 4 };
}

#endif
