/* testutil.h - helpers shared by the unit tests: build entries from text. */
#ifndef LSCT_TESTUTIL_H
#define LSCT_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "ct.h"

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

#endif
