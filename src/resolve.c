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

struct name {
	struct name *next;	/* hash chain */
	struct name *qnext;	/* work queue */
	struct ct_addr a;
	int family;
	int state;
	char *name;		/* NULL: none */
};

struct resolver {
	pthread_mutex_t lock;
	pthread_cond_t work;	/* queue not empty, or stopping */
	pthread_cond_t done;	/* a lookup finished */
	struct name **buckets;
	size_t nbuckets, count;
	size_t max_names;	/* 0: no bound */
	struct name *qhead, *qtail;
	size_t unfinished;	/* queued + running */
	unsigned threads, started, idle;
	unsigned refs;		/* the owner + each running thread */
	int stopping;
	pthread_t *tids;	/* started threads, joinable */
	unsigned char *busy;	/* tids[i] is inside getnameinfo() */
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

/* Returns a malloc'ed, checked name, or NULL. */
static char *lookup(int family, const struct ct_addr *a)
{
	char host[NI_MAXHOST];
	struct sockaddr_storage ss;
	socklen_t sl;
	size_t len;

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
	if (getnameinfo((struct sockaddr *)&ss, sl, host, sizeof host, NULL, 0, NI_NAMEREQD))
		return NULL;
	len = strlen(host);
	if (len > 1 && host[len - 1] == '.')
		host[len - 1] = '\0';
	return fmt_is_hostname(host) ? xstrdup(host) : NULL;
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
		char *name;

		while (!r->qhead && !r->stopping) {
			r->idle++;
			pthread_cond_wait(&r->work, &r->lock);
			r->idle--;
		}
		if (r->stopping)
			break;
		n = r->qhead;
		r->qhead = n->qnext;
		if (!r->qhead)
			r->qtail = NULL;
		n->state = NAME_RUNNING;
		r->busy[wa.i] = 1;
		pthread_mutex_unlock(&r->lock);
		name = lookup(n->family, &n->a);
		pthread_mutex_lock(&r->lock);
		r->busy[wa.i] = 0;
		n->name = name;
		n->state = NAME_DONE;
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
	r->nbuckets = 1024;
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

/*
 * A monitor meets ever new peers: past max_names, every finished entry is
 * dropped at once (queued and running ones stay: a worker holds them), and
 * the names still wanted are asked again.  Cheap, and memory stays bounded.
 */
static void forget_finished(struct resolver *r)
{
	for (size_t i = 0; i < r->nbuckets; i++) {
		struct name **pp = &r->buckets[i];

		while (*pp) {
			struct name *n = *pp;

			if (n->state != NAME_DONE) {
				pp = &n->next;
				continue;
			}
			*pp = n->next;
			free(n->name);
			free(n);
			r->count--;
		}
	}
}

void resolver_want(struct resolver *r, int family, const struct ct_addr *a)
{
	struct name *n;

	pthread_mutex_lock(&r->lock);
	if (find(r, family, a)) {
		pthread_mutex_unlock(&r->lock);
		return;
	}
	if (r->max_names && r->count >= r->max_names)
		forget_finished(r);
	n = xcalloc(1, sizeof *n);
	n->a = *a;
	n->family = family;
	n->state = NAME_QUEUED;
	n->next = r->buckets[bucket_of(r, family, a)];
	r->buckets[bucket_of(r, family, a)] = n;
	r->count++;
	if (r->qtail)
		r->qtail->qnext = n;
	else
		r->qhead = n;
	r->qtail = n;
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

	pthread_mutex_lock(&r->lock);
	n = find(r, family, a);
	if (n && n->state == NAME_DONE)
		name = n->name;
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
