/*
 * resolve.h - reverse DNS off the caller's thread, with a cache.
 *
 * Lookups run on a small pool of worker threads; the caller never blocks
 * except in resolver_wait(), whose wait is bounded.  A name is kept only if
 * fmt_is_peer_name() accepts it (printable, and it cannot pass for an
 * address or for localhost), so what resolver_name() returns is safe to
 * print in place of the address.  Returned names stay valid until the next
 * resolver_want() (which may drop an entry when the cache is bounded) or
 * resolver_free().
 *
 * Every entry, queued, running or finished (with a name or without: a
 * failed lookup is remembered too), counts against the bound, so the queue
 * of lookups not yet started is bounded with it.  Past the bound, a new
 * peer takes the place of the least recently used entry that no worker is
 * running (a queued lookup is dropped unasked), but only if that entry was
 * last used (wanted or named) more than RESOLVER_KEEP seconds ago;
 * otherwise the new peer is not looked up and shows as its address.  So
 * each resolver_want() is O(1), at most max_names lookups start per
 * RESOLVER_KEEP seconds once the cache is full (a stream that wants more
 * peers than the bound every snapshot does not ask for them again and
 * again), and the names of the peers wanted first keep their place.
 */
#ifndef LSCT_RESOLVE_H
#define LSCT_RESOLVE_H

#include <stddef.h>
#include "ct.h"

struct resolver;

/* Seconds an entry in use is kept from eviction by a new peer. */
#define RESOLVER_KEEP 300.0

/*
 * threads: most lookups in flight at once (at least 1).  max_names bounds
 * the cache (0: no bound, for a one-shot run that wants each peer once).
 */
struct resolver *resolver_new(unsigned threads, size_t max_names);
/* Lookups still in flight are abandoned; their threads free what they hold. */
void resolver_free(struct resolver *r);

/* Queues a lookup of a unless it is cached (or the cache is full of entries in use). */
void resolver_want(struct resolver *r, int family, const struct ct_addr *a);
/* Waits at most seconds for the queue to drain; returns lookups still unfinished. */
size_t resolver_wait(struct resolver *r, double seconds);
/* The name of a, or NULL if it has none, failed, or is not resolved yet. */
const char *resolver_name(struct resolver *r, int family, const struct ct_addr *a);

/* resolver_name() in the shape view_opts and out_opts take (arg: the resolver). */
const char *resolver_name_cb(void *arg, int family, const struct ct_addr *a);

/* Entries in the cache: queued, running and finished. */
size_t resolver_cached(struct resolver *r);

/*
 * Test seams, set before the first resolver_want().  fn replaces
 * getnameinfo(NI_NAMEREQD) for every lookup: it writes the name of a into
 * host (len bytes) and returns 0, or returns non-zero for none; it may block
 * (a DNS server that never answers).  Its name goes through the same checks
 * as a real one.  keep replaces RESOLVER_KEEP.
 */
typedef int resolver_lookup_fn(void *arg, int family, const struct ct_addr *a,
			       char *host, size_t len);
void resolver_set_lookup(struct resolver *r, resolver_lookup_fn *fn, void *arg);
void resolver_set_keep(struct resolver *r, double seconds);

#endif
