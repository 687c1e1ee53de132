/* resolve.c - a bounded-wait reverse DNS cache on worker threads. */
#include "resolve.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "fmt.h"
#include "priv.h"
#include "util.h"

enum { NAME_QUEUED, NAME_RUNNING, NAME_DONE };

/*
 * An entry is on its bucket's hash chain always, on the use list unless a
 * worker is running its lookup (so eviction never frees what a worker
 * holds), and on the work queue while queued.  Both lists are doubly
 * linked: dropping an entry is O(1).
 */
/* The two lists an entry can be on, oldest first, both appended at the end. */
enum list_id {
	USE,		/* the use list: least recently used first */
	QUEUE,		/* the work queue: first wanted first */
	NLISTS
};

struct name {
	struct name *next;		/* hash chain */
	struct name *prev_in[NLISTS], *next_in[NLISTS];	/* list links */
	struct ct_addr a;
	int family;
	int state;
	double used;			/* mono_now() of the last want, name or answer */
	char *name;			/* NULL: none */
};

struct resolver {
	pthread_mutex_t lock;
	pthread_cond_t work;	/* queue not empty, or stopping */
	pthread_cond_t done;	/* a lookup finished or was dropped */
	struct name **buckets;
	size_t nbuckets, count;
	size_t max_names;	/* 0: no bound */
	double keep;		/* seconds an entry in use is kept */
	struct name *first[NLISTS], *last[NLISTS];	/* each list's ends */
	size_t unfinished;	/* queued + running */
	resolver_lookup_fn *lookup;
	void *lookup_arg;
	unsigned threads, started, idle;
	unsigned refs;		/* the owner + each running thread */
	int stopping;
	pthread_t *tids;	/* started threads, joinable */
	unsigned char *busy;	/* tids[i] is inside a lookup */
};

struct worker_arg {
	struct resolver *r;
	unsigned i;
};

static size_t bucket_of(const struct resolver *r, int family, const struct ct_addr *a)
{
	uint64_t w[3];

	memcpy(w, a->b, 16);
	w[2] = (uint64_t)family;
	return (size_t)(hash_words(w, 3) & (r->nbuckets - 1));
}

static struct name *find(const struct resolver *r, int family, const struct ct_addr *a)
{
	for (struct name *n = r->buckets[bucket_of(r, family, a)]; n; n = n->next)
		if (n->family == family && ct_addr_equal(&n->a, a))
			return n;
	return NULL;
}

static void list_append(struct resolver *r, enum list_id l, struct name *n)
{
	n->next_in[l] = NULL;
	n->prev_in[l] = r->last[l];
	if (r->last[l])
		r->last[l]->next_in[l] = n;
	else
		r->first[l] = n;
	r->last[l] = n;
}

static void list_unlink(struct resolver *r, enum list_id l, struct name *n)
{
	if (n->prev_in[l])
		n->prev_in[l]->next_in[l] = n->next_in[l];
	else
		r->first[l] = n->next_in[l];
	if (n->next_in[l])
		n->next_in[l]->prev_in[l] = n->prev_in[l];
	else
		r->last[l] = n->prev_in[l];
	n->prev_in[l] = n->next_in[l] = NULL;
}

/* Marks n used now: the newest of the use list (a running entry is on none). */
static void touch(struct resolver *r, struct name *n, double now)
{
	n->used = now;
	if (n->state != NAME_RUNNING && r->last[USE] != n) {
		list_unlink(r, USE, n);
		list_append(r, USE, n);
	}
}

/* Twice the buckets once there are more entries than buckets: chains stay short. */
static void grow(struct resolver *r)
{
	struct name **old = r->buckets;
	size_t nold = r->nbuckets;

	r->nbuckets *= 2;
	r->buckets = xcalloc(r->nbuckets, sizeof *r->buckets);
	for (size_t i = 0; i < nold; i++) {
		struct name *n = old[i], *next;

		for (; n; n = next) {
			size_t b = bucket_of(r, n->family, &n->a);

			next = n->next;
			n->next = r->buckets[b];
			r->buckets[b] = n;
		}
	}
	free(old);
}

/*
 * Makes room for a new peer: drops the least recently used entry that no
 * worker runs, if it was last used more than keep seconds ago.  Returns 0
 * when there is none such: the cache is full of entries in use.
 */
static int evict_one(struct resolver *r, double now)
{
	struct name *n = r->first[USE], **pp;

	if (!n || now - n->used < r->keep)
		return 0;
	if (n->state == NAME_QUEUED) {
		list_unlink(r, QUEUE, n);
		r->unfinished--;
		pthread_cond_broadcast(&r->done);
	}
	list_unlink(r, USE, n);
	for (pp = &r->buckets[bucket_of(r, n->family, &n->a)]; *pp != n; pp = &(*pp)->next)
		;
	*pp = n->next;
	free(n->name);
	free(n);
	r->count--;
	return 1;
}

static void destroy(struct resolver *r)
{
	for (size_t i = 0; i < r->nbuckets; i++) {
		struct name *n = r->buckets[i], *next;

		for (; n; n = next) {
			next = n->next;
			free(n->name);
			free(n);
		}
	}
	free(r->buckets);
	free(r->tids);
	free(r->busy);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->work);
	pthread_cond_destroy(&r->done);
	free(r);
}

static int lookup_getnameinfo(void *arg, int family, const struct ct_addr *a,
			      char *host, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	memset(&ss, 0, sizeof ss);
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, a->b, 4);
		sl = sizeof *sin;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		memcpy(&sin6->sin6_addr, a->b, 16);
		sl = sizeof *sin6;
	}
	return getnameinfo((struct sockaddr *)&ss, sl, host, (socklen_t)len, NULL, 0,
			   NI_NAMEREQD);
}

/* Returns a malloc'ed, checked name, or NULL. */
static char *lookup(resolver_lookup_fn *fn, void *arg, int family, const struct ct_addr *a)
{
	char host[NI_MAXHOST];
	size_t len;

	if (fn(arg, family, a, host, sizeof host))
		return NULL;
	host[sizeof host - 1] = '\0';
	len = strlen(host);
	if (len > 1 && host[len - 1] == '.')
		host[len - 1] = '\0';
	return fmt_is_peer_name(host) ? xstrdup(host) : NULL;
}

static void *worker(void *arg)
{
	struct worker_arg wa = *(struct worker_arg *)arg;
	struct resolver *r = wa.r;

	(void)priv_thread_drop();	/* priv.h: a resolver needs no capability */
	free(arg);
	pthread_mutex_lock(&r->lock);
	for (;;) {
		struct name *n;
		resolver_lookup_fn *fn;
		void *fn_arg;
		char *name;

		while (!r->first[QUEUE] && !r->stopping) {
			r->idle++;
			pthread_cond_wait(&r->work, &r->lock);
			r->idle--;
		}
		if (r->stopping)
			break;
		n = r->first[QUEUE];
		list_unlink(r, QUEUE, n);
		/* Off the use list: no eviction frees it under the lookup. */
		list_unlink(r, USE, n);
		n->state = NAME_RUNNING;
		fn = r->lookup;
		fn_arg = r->lookup_arg;
		r->busy[wa.i] = 1;
		pthread_mutex_unlock(&r->lock);
		name = lookup(fn, fn_arg, n->family, &n->a);
		pthread_mutex_lock(&r->lock);
		r->busy[wa.i] = 0;
		n->name = name;
		n->state = NAME_DONE;
		/* A fresh answer gets its time on screen before it may go. */
		n->used = mono_now();
		list_append(r, USE, n);
		r->unfinished--;
		pthread_cond_broadcast(&r->done);
	}
	if (--r->refs == 0) {
		pthread_mutex_unlock(&r->lock);
		destroy(r);
		return NULL;
	}
	pthread_mutex_unlock(&r->lock);
	return NULL;
}

struct resolver *resolver_new(unsigned threads, size_t max_names)
{
	struct resolver *r = xcalloc(1, sizeof *r);

	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->work, NULL);
	{
		pthread_condattr_t ca;

		/* Wait deadlines come from the monotonic clock. */
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&r->done, &ca);
		pthread_condattr_destroy(&ca);
	}
	r->max_names = max_names;
	r->keep = RESOLVER_KEEP;
	r->lookup = lookup_getnameinfo;
	/* One bucket per entry of a bounded cache (up to 2^16, then it grows). */
	r->nbuckets = 1024;
	while (r->nbuckets < max_names && r->nbuckets < 65536)
		r->nbuckets *= 2;
	r->buckets = xcalloc(r->nbuckets, sizeof *r->buckets);
	r->threads = threads ? threads : 1;
	r->tids = xcalloc(r->threads, sizeof *r->tids);
	r->busy = xcalloc(r->threads, 1);
	r->refs = 1;
	return r;
}

void resolver_free(struct resolver *r)
{
	unsigned char *join;
	unsigned n;

	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->stopping = 1;
	pthread_cond_broadcast(&r->work);
	/*
	 * Idle threads exit at once: wait for them, so nothing of theirs is
	 * left behind.  A thread stuck in a slow lookup must not hold up the
	 * exit: it is detached and frees the resolver if it is the last one.
	 */
	n = r->started;
	join = xcalloc(n ? n : 1, 1);
	for (unsigned i = 0; i < n; i++)
		join[i] = !r->busy[i];
	pthread_mutex_unlock(&r->lock);
	for (unsigned i = 0; i < n; i++) {
		if (join[i])
			pthread_join(r->tids[i], NULL);
		else
			pthread_detach(r->tids[i]);
	}
	free(join);
	pthread_mutex_lock(&r->lock);
	if (--r->refs == 0) {
		pthread_mutex_unlock(&r->lock);
		destroy(r);
		return;
	}
	pthread_mutex_unlock(&r->lock);
}

void resolver_want(struct resolver *r, int family, const struct ct_addr *a)
{
	double now = mono_now();
	struct name *n;

	pthread_mutex_lock(&r->lock);
	n = find(r, family, a);
	if (n) {
		touch(r, n, now);
		pthread_mutex_unlock(&r->lock);
		return;
	}
	/* Full of entries in use: this peer shows as its address. */
	if (r->max_names && r->count >= r->max_names && !evict_one(r, now)) {
		pthread_mutex_unlock(&r->lock);
		return;
	}
	n = xcalloc(1, sizeof *n);
	n->a = *a;
	n->family = family;
	n->state = NAME_QUEUED;
	n->used = now;
	n->next = r->buckets[bucket_of(r, family, a)];
	r->buckets[bucket_of(r, family, a)] = n;
	list_append(r, USE, n);
	list_append(r, QUEUE, n);
	if (++r->count > r->nbuckets)
		grow(r);
	r->unfinished++;
	if (r->idle == 0 && r->started < r->threads) {
		pthread_attr_t attr;
		struct worker_arg *wa = xmalloc(sizeof *wa);

		wa->r = r;
		wa->i = r->started;
		pthread_attr_init(&attr);
		/* Lookups need little stack; keep many threads cheap. */
		pthread_attr_setstacksize(&attr, 256 * 1024);
		if (pthread_create(&r->tids[r->started], &attr, worker, wa) == 0) {
			r->started++;
			r->refs++;
		} else {
			free(wa);
		}
		pthread_attr_destroy(&attr);
	}
	pthread_cond_signal(&r->work);
	pthread_mutex_unlock(&r->lock);
}

size_t resolver_wait(struct resolver *r, double seconds)
{
	struct timespec deadline = ts_of_seconds(mono_now() + seconds);
	size_t left;

	pthread_mutex_lock(&r->lock);
	while (r->unfinished && r->started) {
		if (pthread_cond_timedwait(&r->done, &r->lock, &deadline) == ETIMEDOUT)
			break;
	}
	left = r->unfinished;
	pthread_mutex_unlock(&r->lock);
	return left;
}

const char *resolver_name(struct resolver *r, int family, const struct ct_addr *a)
{
	const char *name = NULL;
	struct name *n;

	double now = mono_now();

	pthread_mutex_lock(&r->lock);
	n = find(r, family, a);
	if (n) {
		/* A name on screen is in use: it is not evicted from under it. */
		touch(r, n, now);
		if (n->state == NAME_DONE)
			name = n->name;
	}
	pthread_mutex_unlock(&r->lock);
	return name;
}

size_t resolver_cached(struct resolver *r)
{
	size_t n;

	pthread_mutex_lock(&r->lock);
	n = r->count;
	pthread_mutex_unlock(&r->lock);
	return n;
}

const char *resolver_name_cb(void *arg, int family, const struct ct_addr *a)
{
	return resolver_name(arg, family, a);
}

void resolver_set_lookup(struct resolver *r, resolver_lookup_fn *fn, void *arg)
{
	pthread_mutex_lock(&r->lock);
	r->lookup = fn ? fn : lookup_getnameinfo;
	r->lookup_arg = fn ? arg : NULL;
	pthread_mutex_unlock(&r->lock);
}

void resolver_set_keep(struct resolver *r, double seconds)
{
	pthread_mutex_lock(&r->lock);
	r->keep = seconds;
	pthread_mutex_unlock(&r->lock);
}
