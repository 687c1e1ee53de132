/*
 * resolve.h - reverse DNS off the caller's thread, with a cache.
 *
 * Lookups run on a small pool of worker threads; the caller never blocks
 * except in resolver_wait(), whose wait is bounded.  A name is kept only if
 * fmt_is_hostname() accepts it, so what resolver_name() returns is safe to
 * print.  Returned names stay valid until the next resolver_want() (which
 * may drop finished entries when the cache is bounded) or resolver_free().
 */
#ifndef LSCT_RESOLVE_H
#define LSCT_RESOLVE_H

#include <stddef.h>
#include "ct.h"

struct resolver;

/*
 * threads: most lookups in flight at once (at least 1).  max_names bounds
 * the cache (0: no bound): past it, finished entries are dropped and asked
 * again when wanted, so a long-running monitor's memory stays flat.
 */
struct resolver *resolver_new(unsigned threads, size_t max_names);
/* Lookups still in flight are abandoned; their threads free what they hold. */
void resolver_free(struct resolver *r);

/* Queues a lookup of a unless it is cached or already queued. */
void resolver_want(struct resolver *r, int family, const struct ct_addr *a);
/* Waits at most seconds for the queue to drain; returns lookups still unfinished. */
size_t resolver_wait(struct resolver *r, double seconds);
/* The name of a, or NULL if it has none, failed, or is not resolved yet. */
const char *resolver_name(struct resolver *r, int family, const struct ct_addr *a);

/* resolver_name() in the shape view_opts and out_opts take (arg: the resolver). */
const char *resolver_name_cb(void *arg, int family, const struct ct_addr *a);

/* Entries in the cache: queued, running and finished. */
size_t resolver_cached(struct resolver *r);

#endif
