/* owner_reg.c - stable numbers for owners, and each number's last label. */
#include "owner.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct owner_reg {
	pthread_mutex_t lock;		/* growth vs. owner_reg_get() from other threads */
	struct owner_label host;	/* number 0 */
	struct owner_label *v;		/* number n is v[n - 1] */
	uint32_t n, cap;
};

struct owner_reg *owner_reg_new(void)
{
	struct owner_reg *r = xcalloc(1, sizeof *r);

	pthread_mutex_init(&r->lock, NULL);
	r->host.kind = OWNER_HOST;
	strcpy(r->host.name, "localhost");
	return r;
}

void owner_reg_free(struct owner_reg *r)
{
	if (!r)
		return;
	pthread_mutex_destroy(&r->lock);
	free(r->v);
	free(r);
}

static void label_of(const struct owner *o, struct owner_label *l)
{
	l->kind = o->kind;
	memcpy(l->name, o->name, sizeof l->name);
	memcpy(l->id, o->id, sizeof l->id);
	l->name[sizeof l->name - 1] = '\0';
	l->id[sizeof l->id - 1] = '\0';
}

static int label_same(const struct owner_label *a, const struct owner *o)
{
	return a->kind == o->kind && strcmp(a->name, o->name) == 0 && strcmp(a->id, o->id) == 0;
}

size_t owner_reg_sync(struct owner_reg *r, struct owner_table *t)
{
	size_t added = 0;

	pthread_mutex_lock(&r->lock);
	label_of(owner_host(t), &r->host);
	for (size_t i = 0; i < owner_count(t); i++) {
		const struct owner *o = owner_at(t, i);

		if (o->tag && o->tag <= r->n && label_same(&r->v[o->tag - 1], o))
			continue;
		if (r->n == UINT32_MAX)
			break;	/* never reuse a number: the rest stay as they are */
		if (r->n == r->cap) {
			r->cap = r->cap ? r->cap * 2 : 16;
			r->v = xrealloc(r->v, (size_t)r->cap * sizeof *r->v);
		}
		label_of(o, &r->v[r->n++]);
		owner_set_tag(t, i, r->n);
		added++;
	}
	pthread_mutex_unlock(&r->lock);
	return added;
}

int owner_reg_get(struct owner_reg *r, uint32_t id, struct owner_label *out)
{
	int rc = 0;

	pthread_mutex_lock(&r->lock);
	if (id == 0)
		*out = r->host;
	else if (id <= r->n)
		*out = r->v[id - 1];
	else
		rc = -1;
	pthread_mutex_unlock(&r->lock);
	return rc;
}

uint32_t owner_reg_count(struct owner_reg *r)
{
	uint32_t n;

	pthread_mutex_lock(&r->lock);
	n = r->n;
	pthread_mutex_unlock(&r->lock);
	return n;
}
