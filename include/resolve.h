/*
 * resolve.h - reverse DNS off the caller's thread, with a cache.
 *
 * Lookups run on a small pool of worker threads; the caller never blocks
 * except in resolver_wait(), whose wait is bounded.  A name is kept only if
 * fmt_is_hostname() accepts it, so what resolver_name() returns is safe to
 * print.  Returned names live as long as the resolver.
 */
#ifndef LSCT_RESOLVE_H
#define LSCT_RESOLVE_H

#include <stddef.h>
#include "ct.h"

struct resolver;

/* threads: most lookups in flight at once (at least 1). */
struct resolver *resolver_new(unsigned threads);
/* Lookups still in flight are abandoned; their threads free what they hold. */
void resolver_free(struct resolver *r);

/* Queues a lookup of a unless it is cached or already queued. */
void resolver_want(struct resolver *r, int family, const struct ct_addr *a);
/* Waits at most seconds for the queue to drain; returns lookups still unfinished. */
size_t resolver_wait(struct resolver *r, double seconds);
/* The name of a, or NULL if it has none, failed, or is not resolved yet. */
const char *resolver_name(struct resolver *r, int family, const struct ct_addr *a);

#endif
