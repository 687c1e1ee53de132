/*
 * view.h - choose and order the flows one output shows.
 *
 * Shared by the batch writers and the monitor.  A view is an array of
 * borrowed pointers into a flow_table, valid until that table's next
 * flow_table_begin().
 */
#ifndef LSCT_VIEW_H
#define LSCT_VIEW_H

#include <stddef.h>
#include "flow.h"
#include "ports.h"

#define VIEW_ACTIVE  (1u << FLOW_ACTIVE)
#define VIEW_PASSIVE (1u << FLOW_PASSIVE)

enum view_sort {
	VIEW_SORT_BYTES = 0,	/* in + out bytes (default) */
	VIEW_SORT_PACKETS,	/* in + out packets */
	VIEW_SORT_INBYTES,
	VIEW_SORT_OUTBYTES,
	VIEW_SORT_INPKTS,
	VIEW_SORT_OUTPKTS,
	VIEW_SORT_CONNS,
	VIEW_SORT_PEER,		/* address, then port: ascending */
	VIEW_SORT_PORT,		/* port, then address: ascending */
	VIEW_SORT_MAX
};

struct view_opts {
	unsigned dirs;			/* VIEW_ACTIVE | VIEW_PASSIVE */
	const struct port_filter *aport; /* peer ports of active flows; NULL = all */
	const struct port_filter *pport; /* local ports of passive flows; NULL = all */
	enum view_sort sort;
	int reverse;			/* flip the order of the sort key */
};

/* "bytes", "packets", ...; NULL for an unknown value. */
const char *view_sort_name(enum view_sort s);
/* Inverse of view_sort_name (also "inpkts"/"in-packets" style aliases); -1 if unknown. */
int view_sort_parse(const char *s);

int view_match(const struct view_opts *o, const struct flow *f);

/*
 * Fills rows (room for flow_table_count(t) pointers) with the matching flows
 * of t: active flows first, then passive, each group in sort order with the
 * flow key as the final tie-break, so the order is total.  Returns the count.
 */
size_t view_build(const struct flow_table *t, const struct view_opts *o,
		  const struct flow **rows);

/* The comparison view_build() uses, for callers that keep their own arrays. */
int view_cmp(const struct flow *a, const struct flow *b, enum view_sort s, int reverse);

#endif
