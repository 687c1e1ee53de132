/*
 * protoget.c - for tests/integration/proto.sh (root, in a namespace): dumps
 * the conntrack table, then reads every entry again with the monitor's GET
 * requests (ct_nl_get()), which must carry each protocol's tuple (ports,
 * GRE keys, ICMP's id, type and code).  Prints
 * "dumped N, found the same M, missed K" and the protocols dumped.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "ct.h"
#include "ct_source_netlink.h"

#define MAX_ENTRIES 4096

struct list {
	struct ct_entry e[MAX_ENTRIES];
	size_t n;
};

static int add(const struct ct_entry *e, void *arg)
{
	struct list *l = arg;

	if (l->n < MAX_ENTRIES)
		l->e[l->n++] = *e;
	return 0;
}

static struct list dumped, got;

int main(void)
{
	struct ct_sink dsink = { add, NULL, &dumped }, gsink = { add, NULL, &got };
	struct ct_nl_filter all;
	struct ct_nl_stats st;
	struct ct_nl *nl = ct_nl_open();
	size_t found = 0, same = 0;

	memset(&all, 0, sizeof all);
	if (!nl || ct_nl_dump(nl, &all, &dsink, &st) < 0) {
		perror("protoget: dump");
		return 1;
	}
	if (ct_nl_get(nl, dumped.e, dumped.n, &gsink, &found) < 0) {
		perror("protoget: get");
		return 1;
	}
	/* In the order asked: the same connection (tuple, protocol, id). */
	for (size_t i = 0, j = 0; i < dumped.n && j < got.n; i++) {
		const struct ct_entry *a = &dumped.e[i], *b = &got.e[j];

		if (a->id == b->id && a->proto == b->proto &&
		    a->orig.sport == b->orig.sport && a->orig.dport == b->orig.dport &&
		    ct_addr_equal(&a->orig.src, &b->orig.src)) {
			same++;
			j++;
		}
	}
	printf("dumped %zu, found the same %zu, missed %zu\n", dumped.n, same,
	       dumped.n - same);
	for (size_t i = 0; i < dumped.n; i++)
		printf("%u\n", dumped.e[i].proto);
	ct_nl_close(nl);
	return same == dumped.n ? 0 : 1;
}
