/* route_reg.c - interned client ends of routed flows (route_reg.h). */
#include "route_reg.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lsct.h"
#include "util.h"

struct route_reg {
	pthread_mutex_t lock;		/* growth of v vs. route_reg_get() elsewhere */
	struct flow_route *v;		/* number n is v[n - 1] */
	uint32_t n, cap, max;
	uint32_t *index;		/* open addressing: number, 0 = empty */
	size_t index_size;		/* power of two, at least 2 * cap */
};

struct route_reg *route_reg_new(uint32_t max)
{
	struct route_reg *r = xcalloc(1, sizeof *r);

	pthread_mutex_init(&r->lock, NULL);
	r->max = max ? max : ROUTE_REG_MAX;
	r->index_size = 64;
	r->index = xcalloc(r->index_size, sizeof *r->index);
	return r;
}

void route_reg_free(struct route_reg *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r->v);
	free(r->index);
	free(r);
}

/* Addresses come from outside: the keyed hash (util.h). */
static uint64_t route_hash(const struct flow_route *route)
{
	uint64_t w[7];

	_Static_assert(sizeof *route <= sizeof w, "struct flow_route outgrew its hash");
	memset(w, 0, sizeof w);
	memcpy(w, route, sizeof *route);
	return hash_words(w, ARRAY_LEN(w));
}

static void index_put(uint32_t *index, size_t size, uint64_t h, uint32_t id)
{
	size_t mask = size - 1, i = h & mask;

	while (index[i])
		i = (i + 1) & mask;
	index[i] = id;
}

uint32_t route_reg_intern(struct route_reg *r, const struct flow_route *route)
{
	uint64_t h = route_hash(route);
	size_t mask = r->index_size - 1, i = h & mask;
	uint32_t id;

	/* Only this thread changes the registry: it reads without the lock. */
	while ((id = r->index[i]) != 0) {
		if (memcmp(&r->v[id - 1], route, sizeof *route) == 0)
			return id;
		i = (i + 1) & mask;
	}
	if (r->n >= r->max)
		return 0;
	pthread_mutex_lock(&r->lock);
	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->v = xrealloc(r->v, (size_t)r->cap * sizeof *r->v);
	}
	r->v[r->n++] = *route;
	id = r->n;
	pthread_mutex_unlock(&r->lock);
	if ((size_t)id * 2 > r->index_size) {
		size_t size = r->index_size * 2;
		uint32_t *index = xcalloc(size, sizeof *index);

		for (uint32_t k = 1; k <= id; k++)
			index_put(index, size, route_hash(&r->v[k - 1]), k);
		free(r->index);
		r->index = index;
		r->index_size = size;
	} else {
		r->index[i] = id;
	}
	return id;
}

int route_reg_get(struct route_reg *r, uint32_t id, struct flow_route *out)
{
	int rc = 0;

	pthread_mutex_lock(&r->lock);
	if (id >= 1 && id <= r->n)
		*out = r->v[id - 1];
	else
		rc = -1;
	pthread_mutex_unlock(&r->lock);
	return rc;
}

uint32_t route_reg_count(struct route_reg *r)
{
	uint32_t n;

	pthread_mutex_lock(&r->lock);
	n = r->n;
	pthread_mutex_unlock(&r->lock);
	return n;
}
