/*
 * route_reg.h - numbers for the client side of routed flows.
 *
 * A routed flow (FLOW_ROUTED: an entry with no end on this machine, which
 * this host routes or NATs; doc/classification.md) is keyed by both of its
 * ends, but a flow key has room for one address (the server's, as the
 * client used it).  The rest of what tells two routed flows apart is
 * interned here into a 32-bit number that the key carries in its owner
 * field: the client's address, and the translations NAT made (DNAT: where
 * the server really is, address and port; SNAT: the address the client
 * was given).  The source port is never part of it (it is "many").
 *
 * Numbers start at 1 and are never reused while the registry lives, so a
 * flow's number always gives back its route.  route_reg_intern() is for
 * one thread (the one that classifies: it looks up without the lock and
 * locks only to add); route_reg_get() may be called from any thread.
 * Memory: one struct flow_route (about 56 bytes) plus two index slots per
 * distinct route seen; at most max routes, after which route_reg_intern()
 * returns 0 and the entry stays forwarded (counted, not shown).
 */
#ifndef LSCT_ROUTE_REG_H
#define LSCT_ROUTE_REG_H

#include <stddef.h>
#include <stdint.h>
#include "ct.h"

#define ROUTE_DNAT (1u << 0)	/* the server is really at dnat:dnat_port */
#define ROUTE_SNAT (1u << 1)	/* the client was translated to snat */

/* Zeroed before filling: the whole struct is hashed and compared. */
struct flow_route {
	struct ct_addr client;	/* the original source */
	struct ct_addr dnat;	/* ROUTE_DNAT: the reply source */
	struct ct_addr snat;	/* ROUTE_SNAT: the reply destination */
	uint16_t dnat_port;	/* ROUTE_DNAT, protocols with ports: the reply source port */
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint8_t nat;		/* ROUTE_DNAT | ROUTE_SNAT */
};

/* The default limit: a million routes, about 100 MB at most. */
#define ROUTE_REG_MAX (1u << 20)

struct route_reg;

/* max: routes kept at most (0: ROUTE_REG_MAX). */
struct route_reg *route_reg_new(uint32_t max);
void route_reg_free(struct route_reg *r);
/* The number of r (an existing one, or a new one), 0 when the registry is full. */
uint32_t route_reg_intern(struct route_reg *r, const struct flow_route *route);
/* 0 and *out, or -1 for a number the registry never gave. */
int route_reg_get(struct route_reg *r, uint32_t id, struct flow_route *out);
/* Numbers given so far. */
uint32_t route_reg_count(struct route_reg *r);

#endif
