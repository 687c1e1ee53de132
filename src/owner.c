/*
 * owner.c - owners of this machine's other namespaces: the table, its
 * cache and lookups; labelling a namespace (the parsers are owner_label.c).
 */
#include "owner.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <netinet/in.h>

#include "lsct.h"
#include "util.h"

/* The most of a file read for a label: /proc/PID/cgroup, config.v2.json. */
#define CGROUP_READ_MAX (16 * 1024)
#define CONFIG_READ_MAX (256 * 1024)

/* ---- the table --------------------------------------------------------------- */

struct aslot {
	struct ct_addr a;
	uint8_t family;		/* 0: empty */
	uint8_t dup;		/* held by two namespaces or more */
	uint32_t owner;		/* index into t->v */
};

struct owner_table {
	struct owner_config c;
	struct owner host;
	struct owner **v;	/* pointers: an unchanged owner keeps its address */
	size_t n, cap;
	struct netns_list ns;
	unsigned char *seen;	/* per ns entry, during a refresh */
	size_t seen_cap;
	struct aslot *slots;
	size_t nslots, naddrs, nambig;
	char **pods;		/* /var/log/pods entries, read once per refresh on demand */
	size_t npods;
	int pods_read;
	uint64_t uts_dev, uts_ino;	/* our UTS namespace */
};

void owner_config_default(struct owner_config *c)
{
	memset(c, 0, sizeof *c);
	netns_roots_default(&c->roots);
	c->pods_dir = "/var/log/pods";
	c->docker_dir = "/var/lib/docker/containers";
	if (netns_self(&c->self_dev, &c->self_ino) < 0)
		c->self_dev = c->self_ino = 0;
	c->host_name = "localhost";
	c->ttl = 30;
	c->max_reload = 16;
	c->uts = 1;
}

struct owner_table *owner_table_new(const struct owner_config *c)
{
	struct owner_table *t = xcalloc(1, sizeof *t);
	struct stat st;

	t->c = *c;
	host_init(&t->host.host);
	t->host.kind = OWNER_HOST;
	owner_sanitize(c->host_name, strlen(c->host_name), t->host.name, sizeof t->host.name);
	snprintf(t->host.id, sizeof t->host.id, "netns:[%llu]", (unsigned long long)c->self_ino);
	netns_list_init(&t->ns);
	if (stat("/proc/thread-self/ns/uts", &st) == 0) {
		t->uts_dev = st.st_dev;
		t->uts_ino = st.st_ino;
	}
	return t;
}

static void owner_free(struct owner *o)
{
	host_fini(&o->host);
	free(o);
}

static void pods_forget(struct owner_table *t)
{
	for (size_t i = 0; i < t->npods; i++)
		free(t->pods[i]);
	free(t->pods);
	t->pods = NULL;
	t->npods = 0;
	t->pods_read = 0;
}

void owner_table_free(struct owner_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		owner_free(t->v[i]);
	free(t->v);
	free(t->seen);
	free(t->slots);
	pods_forget(t);
	netns_list_fini(&t->ns);
	host_fini(&t->host.host);
	free(t);
}

/* Up to max-1 bytes of a file into buf, NUL-ended; the length or -1. */
static ssize_t read_small(const char *path, char *buf, size_t max)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;

	if (fd < 0)
		return -1;
	while (n + 1 < max) {
		ssize_t r = read(fd, buf + n, max - 1 - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	buf[n] = '\0';
	return (ssize_t)n;
}

static void pod_name(struct owner_table *t, const char *uid, char *name, size_t len)
{
	if (!t->pods_read) {
		DIR *d = opendir(t->c.pods_dir);
		struct dirent *e;
		size_t cap = 0;

		t->pods_read = 1;
		while (d && (e = readdir(d))) {
			if (e->d_name[0] == '.')
				continue;
			if (t->npods == cap) {
				cap = cap ? cap * 2 : 32;
				t->pods = xrealloc(t->pods, cap * sizeof *t->pods);
			}
			t->pods[t->npods++] = xstrdup(e->d_name);
		}
		if (d)
			closedir(d);
	}
	for (size_t i = 0; i < t->npods; i++)
		if (owner_parse_pod_dir(t->pods[i], uid, name, len) == 0)
			return;
	snprintf(name, len, "%s", uid);
}

static void docker_name(struct owner_table *t, const char *id, char *name, size_t len)
{
	char path[PATH_MAX], *buf = xmalloc(CONFIG_READ_MAX);
	ssize_t n;

	snprintf(path, sizeof path, "%s/%s/config.v2.json", t->c.docker_dir, id);
	n = read_small(path, buf, CONFIG_READ_MAX);
	if (n < 0 || owner_docker_name(buf, (size_t)n, name, len) < 0)
		snprintf(name, len, "%.12s", id);
	free(buf);
}

/*
 * The member's hostname, when its UTS namespace is not ours: 0, or -1; -2
 * when the thread could not go back to its own UTS namespace.
 */
static int uts_name(struct owner_table *t, pid_t pid, char *name, size_t len)
{
	char path[64];
	struct utsname u;
	struct stat st;
	int fd, back, r;

	snprintf(path, sizeof path, "%s/%d/ns/uts", t->c.roots.proc, (int)pid);
	if (stat(path, &st) < 0 ||
	    ((uint64_t)st.st_dev == t->uts_dev && (uint64_t)st.st_ino == t->uts_ino))
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	back = open("/proc/thread-self/ns/uts", O_RDONLY | O_CLOEXEC);
	if (back < 0 || setns(fd, CLONE_NEWUTS) < 0) {
		close(fd);
		if (back >= 0)
			close(back);
		return -1;
	}
	close(fd);
	r = uname(&u);
	if (setns(back, CLONE_NEWUTS) < 0) {
		close(back);
		return -2;
	}
	close(back);
	if (r < 0 || !u.nodename[0])
		return -1;
	owner_sanitize(u.nodename, strnlen(u.nodename, sizeof u.nodename), name, len);
	return 0;
}

/* 0, or -1 when the thread is stuck in another UTS namespace. */
static int label(struct owner_table *t, struct owner *o, const struct netns_ref *r)
{
	struct owner_cgroup cg;
	char path[64], buf[CGROUP_READ_MAX];

	o->kind = OWNER_NETNS;
	o->pid = r->pid;
	memcpy(o->ns_name, r->name, sizeof o->ns_name);
	snprintf(o->id, sizeof o->id, "netns:[%llu]", (unsigned long long)r->ino);
	o->name[0] = '\0';
	if (r->name[0])
		owner_sanitize(r->name, strlen(r->name), o->name, sizeof o->name);
	if (r->pid > 0) {
		ssize_t n;

		snprintf(path, sizeof path, "%s/%d/cgroup", t->c.roots.proc, (int)r->pid);
		n = read_small(path, buf, sizeof buf);
		if (n > 0) {
			owner_parse_cgroup(buf, (size_t)n, &cg);
			if (cg.kind == OWNER_POD) {
				o->kind = OWNER_POD;
				snprintf(o->id, sizeof o->id, "%s", cg.pod_uid);
				pod_name(t, cg.pod_uid, o->name, sizeof o->name);
			} else if (cg.kind == OWNER_CONTAINER) {
				o->kind = OWNER_CONTAINER;
				snprintf(o->id, sizeof o->id, "%s", cg.container);
				if (strcmp(cg.runtime, "docker") == 0 || !cg.runtime[0])
					docker_name(t, cg.container, o->name, sizeof o->name);
				else
					snprintf(o->name, sizeof o->name, "%.12s", cg.container);
			}
		}
		if (!o->name[0] && t->c.uts && uts_name(t, r->pid, o->name, sizeof o->name) == -2)
			return -1;
	}
	if (!o->name[0])
		snprintf(o->name, sizeof o->name, "%s", o->id);
	return 0;
}

/*
 * Loads and labels o from r; -1 with EDEADLK only when the thread is stuck
 * in another namespace (owner_table_refresh() then fails with EDEADLK: the
 * caller must not go on in that thread).
 */
static int load(struct owner_table *t, struct owner *o, const struct netns_ref *r, double now)
{
	struct host_info h;

	o->dev = r->dev;
	o->ino = r->ino;
	host_init(&h);
	if (netns_load(r, &t->c.roots, &h) < 0) {
		int e = errno;

		host_fini(&h);
		if (e == EDEADLK) {
			errno = e;
			return -1;
		}
		o->load_failed = 1;
	} else {
		host_finish(&h);
		host_fini(&o->host);
		o->host = h;
		o->load_failed = 0;
	}
	o->loaded = now;
	if (label(t, o, r) < 0) {
		errno = EDEADLK;
		return -1;
	}
	return 0;
}

static void push(struct owner_table *t, struct owner *o)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->v = xrealloc(t->v, t->cap * sizeof *t->v);
	}
	t->v[t->n++] = o;
}

struct owner *owner_table_add(struct owner_table *t, enum owner_kind kind, const char *name,
			      const char *id, uint64_t ino)
{
	struct owner *o = xcalloc(1, sizeof *o);

	host_init(&o->host);
	o->kind = kind;
	o->ino = ino;
	owner_sanitize(name, strlen(name), o->name, sizeof o->name);
	owner_sanitize(id, strlen(id), o->id, sizeof o->id);
	push(t, o);
	return o;
}

static int never_owned(int family, const struct ct_addr *a)
{
	if (ct_addr_is_loopback(family, a))
		return 1;
	/* fe80::/10: one per link, the same on many. */
	return family == AF_INET6 && a->b[0] == 0xfe && (a->b[1] & 0xc0) == 0x80;
}

static size_t addr_home(const struct owner_table *t, int family, const struct ct_addr *a)
{
	uint64_t w[3];

	memcpy(&w[0], a->b, 8);
	memcpy(&w[1], a->b + 8, 8);
	w[2] = (uint64_t)family;
	return (size_t)hash_words(w, 3) & (t->nslots - 1);
}

static struct aslot *addr_slot(const struct owner_table *t, int family, const struct ct_addr *a)
{
	if (!t->nslots)
		return NULL;
	for (size_t s = addr_home(t, family, a);; s = (s + 1) & (t->nslots - 1)) {
		struct aslot *x = &t->slots[s];

		if (!x->family || (x->family == family && ct_addr_equal(&x->a, a)))
			return x;
	}
}

void owner_table_index(struct owner_table *t, struct owner_stats *st)
{
	size_t total = 0, want = 16;

	for (size_t i = 0; i < t->n; i++)
		total += t->v[i]->host.naddrs;
	while (want < total * 2)
		want *= 2;
	if (want != t->nslots) {
		free(t->slots);
		t->slots = xcalloc(want, sizeof *t->slots);
		t->nslots = want;
	} else {
		memset(t->slots, 0, t->nslots * sizeof *t->slots);
	}
	t->naddrs = t->nambig = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct host_info *h = &t->v[i]->host;

		for (size_t j = 0; j < h->naddrs; j++) {
			const struct host_addr *ha = &h->addrs[j];
			struct aslot *x;

			if (never_owned(ha->family, &ha->a))
				continue;
			x = addr_slot(t, ha->family, &ha->a);
			if (x->family) {
				/* host_finish() removed repeats within one owner. */
				if (!x->dup && x->owner != i) {
					x->dup = 1;
					t->nambig++;
				}
				continue;
			}
			x->family = ha->family;
			x->a = ha->a;
			x->owner = (uint32_t)i;
			t->naddrs++;
		}
	}
	if (st) {
		st->namespaces = t->n;
		st->addrs = t->naddrs;
		st->ambiguous = t->nambig;
	}
}

static int cmp_loaded(const void *x, const void *y)
{
	const struct owner *a = *(struct owner *const *)x, *b = *(struct owner *const *)y;

	return a->loaded < b->loaded ? -1 : a->loaded > b->loaded;
}

int owner_table_refresh(struct owner_table *t, double now, struct owner_stats *st)
{
	struct owner_stats dummy;
	struct owner **aged = NULL;
	size_t naged = 0, j = 0;
	int changed = 0;

	if (!st)
		st = &dummy;
	memset(st, 0, sizeof *st);
	if (netns_scan(&t->ns, &t->c.roots, t->c.self_dev, t->c.self_ino) < 0)
		return -1;
	pods_forget(t);
	if (t->seen_cap < t->ns.n) {
		t->seen_cap = t->ns.n * 2;
		t->seen = xrealloc(t->seen, t->seen_cap);
	}
	if (t->ns.n)
		memset(t->seen, 0, t->ns.n);
	for (size_t i = 0; i < t->n; i++) {
		struct owner *o = t->v[i];
		long at = netns_list_find(&t->ns, o->dev, o->ino);
		const struct netns_ref *r;

		if (at < 0) {
			owner_free(o);
			st->removed++;
			changed = 1;
			continue;
		}
		t->seen[at] = 1;
		t->v[j++] = o;
		r = &t->ns.v[at];
		/* Another member or another name: maybe another namespace on a reused inode. */
		if (r->pid != o->pid || strcmp(r->name, o->ns_name) != 0) {
			if (load(t, o, r, now) < 0)
				goto stuck;
			st->reloaded++;
			changed = 1;
		} else if (now - o->loaded >= t->c.ttl) {
			if (!aged)
				aged = xmalloc(t->n * sizeof *aged);
			aged[naged++] = o;
		}
	}
	t->n = j;
	if (naged) {
		qsort(aged, naged, sizeof *aged, cmp_loaded);
		for (size_t i = 0; i < naged && i < t->c.max_reload; i++) {
			long at = netns_list_find(&t->ns, aged[i]->dev, aged[i]->ino);

			if (load(t, aged[i], &t->ns.v[at], now) < 0)
				goto stuck;
			st->reloaded++;
			changed = 1;
		}
	}
	for (size_t i = 0; i < t->ns.n; i++) {
		struct owner *o;

		if (t->seen[i])
			continue;
		o = xcalloc(1, sizeof *o);
		host_init(&o->host);
		if (load(t, o, &t->ns.v[i], now) < 0) {
			owner_free(o);
			goto stuck;
		}
		push(t, o);
		st->added++;
		changed = 1;
	}
	for (size_t i = 0; i < t->n; i++)
		st->failed += (size_t)t->v[i]->load_failed;
	free(aged);
	if (changed || !t->slots)
		owner_table_index(t, st);
	st->namespaces = t->n;
	st->addrs = t->naddrs;
	st->ambiguous = t->nambig;
	return 0;
stuck:
	free(aged);
	errno = EDEADLK;
	return -1;
}

const struct owner *owner_lookup(const struct owner_table *t, int family,
				 const struct ct_addr *a)
{
	const struct aslot *x = addr_slot(t, family, a);

	if (!x || !x->family || x->dup)
		return NULL;
	return t->v[x->owner];
}

int owner_ambiguous(const struct owner_table *t, int family, const struct ct_addr *a)
{
	const struct aslot *x = addr_slot(t, family, a);

	return x && x->family && x->dup;
}

int owner_is_listener(const struct owner_table *t, const struct owner *o, int proto,
		      int family, uint16_t port)
{
	size_t lo = 0, hi;

	(void)t;
	if (!o)
		return 0;
	/* The first listener with (proto, port), then its run: any address of o. */
	hi = o->host.nls;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct host_listener *l = &o->host.ls[mid];

		if (l->proto < proto || (l->proto == proto && l->port < port))
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < o->host.nls; i++) {
		const struct host_listener *l = &o->host.ls[i];

		if (l->proto != proto || l->port != port)
			break;
		/* Bound to 127.0.0.1 or ::1: unreachable from outside its namespace. */
		if (!l->any && l->family && ct_addr_is_loopback(l->family, &l->a))
			continue;
		if (l->family == 0 || l->family == family)
			return 1;
	}
	return 0;
}

const struct owner *owner_host(const struct owner_table *t)
{
	return &t->host;
}

size_t owner_count(const struct owner_table *t)
{
	return t->n;
}

const struct owner *owner_at(const struct owner_table *t, size_t i)
{
	return i < t->n ? t->v[i] : NULL;
}

void owner_set_tag(struct owner_table *t, size_t i, uint32_t tag)
{
	if (i < t->n)
		t->v[i]->tag = tag;
}
