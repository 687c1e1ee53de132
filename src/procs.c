/* procs.c - the process behind each socket: /proc/PID/fd and cgroups. */
#include "procs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "socks.h"
#include "lsct.h"
#include "util.h"

struct pid_ent {
	int32_t pid;
	uint64_t ino;	/* /proc/PID's inode (d_ino) */
};

/* inode -> process number; proc 0: looked for, not found. */
struct ino_ent {
	uint32_t inode;		/* 0: empty slot */
	uint32_t proc;
	uint32_t gen;		/* the last call that saw the socket */
};

/* cgroup id -> its path below the root and its unit. */
struct cg_ent {
	uint64_t id;
	char *path;		/* "" for the root */
	char unit[64];
};

struct procs {
	char proot[PATH_MAX], croot[PATH_MAX];
	/* The registry: number i + 1 is info[i].  lock guards info and ninfo. */
	pthread_mutex_t lock;
	struct proc_info *info;
	size_t ninfo, info_cap;
	uint32_t *by_key;	/* open addressing over numbers: hash of (pid, start) or (uid, cgroup) */
	uint64_t *reg_cg;	/* per number: the cgroup that keys a pid-0 number */
	size_t reg_cg_cap;
	size_t key_size;
	/* inode -> number */
	struct ino_ent *ino;
	size_t ino_size, nino;
	uint32_t gen;
	/*
	 * The last listing of /proc, sorted by pid: a pid not in it, or with
	 * another directory inode (a new process that got a used PID: procfs
	 * gives each process's directory its own inode), is new.
	 */
	struct pid_ent *pids;
	size_t npids;
	struct cg_ent *cg;
	size_t ncg;
	double cg_walked;	/* when, -1 never */
	double full_walked;	/* when, -1 never */
	int partial;
	struct procs_stats st;
	/* this call's scan marks: a pid is read at most once per call */
	int32_t *scanned;
	size_t nscanned, scanned_cap;
};

struct procs *procs_new(const char *proc_root, const char *cgroup_root)
{
	struct procs *p = xcalloc(1, sizeof *p);
	struct stat sb;

	snprintf(p->proot, sizeof p->proot, "%s", proc_root ? proc_root : "/proc");
	if (cgroup_root)
		snprintf(p->croot, sizeof p->croot, "%s", cgroup_root);
	else if (stat("/sys/fs/cgroup/cgroup.controllers", &sb) == 0)
		snprintf(p->croot, sizeof p->croot, "/sys/fs/cgroup");
	else	/* a hybrid host: the v2 hierarchy sock_diag's ids are of */
		snprintf(p->croot, sizeof p->croot, "/sys/fs/cgroup/unified");
	pthread_mutex_init(&p->lock, NULL);
	p->cg_walked = -1;
	p->full_walked = -1;
	p->key_size = 64;
	p->by_key = xcalloc(p->key_size, sizeof *p->by_key);
	p->ino_size = 1024;
	p->ino = xcalloc(p->ino_size, sizeof *p->ino);
	return p;
}

void procs_free(struct procs *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->ncg; i++)
		free(p->cg[i].path);
	free(p->cg);
	free(p->info);
	free(p->by_key);
	free(p->reg_cg);
	free(p->ino);
	free(p->pids);
	free(p->scanned);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

/* ---- cgroup paths and units -------------------------------------------- */

static int has_suffix(const char *s, size_t n, const char *suf)
{
	size_t k = strlen(suf);

	return n >= k && memcmp(s + n - k, suf, k) == 0;
}

static int all_hex(const char *s, size_t n)
{
	if (n < 12)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

/* name (n bytes) as a container: "runtime:ID12"; 0 when it is not one. */
static int container_of(const char *name, size_t n, char *out, size_t len)
{
	static const struct { const char *prefix, *label; } rt[] = {
		{ "docker-", "docker" }, { "libpod-", "podman" },
		{ "cri-containerd-", "containerd" }, { "crio-", "crio" },
	};

	if (has_suffix(name, n, ".scope")) {
		for (size_t i = 0; i < ARRAY_LEN(rt); i++) {
			size_t k = strlen(rt[i].prefix);

			if (n > k + 6 && memcmp(name, rt[i].prefix, k) == 0 &&
			    all_hex(name + k, n - k - 6)) {
				snprintf(out, len, "%s:%.12s", rt[i].label, name + k);
				return 1;
			}
		}
	}
	return 0;
}

void procs_cgroup_unit(const char *path, char *out, size_t len)
{
	const char *end = path + strlen(path), *comp_end = end;

	if (len)
		*out = '\0';
	/* From the last component up: the innermost unit names the socket. */
	while (comp_end > path) {
		const char *start = comp_end;
		size_t n;

		while (start > path && start[-1] != '/')
			start--;
		n = (size_t)(comp_end - start);
		if (n) {
			const char *parent_end = start > path ? start - 1 : path;
			const char *ps = parent_end;

			while (ps > path && ps[-1] != '/')
				ps--;
			if (container_of(start, n, out, len))
				return;
			/* /docker/ID (cgroupfs driver), /kubepods/.../podX/ID */
			if (all_hex(start, n) && n >= 32) {
				size_t pn = (size_t)(parent_end - ps);

				if (pn == 6 && memcmp(ps, "docker", 6) == 0) {
					snprintf(out, len, "docker:%.12s", start);
					return;
				}
				if (strstr(path, "/kubepods") == path || strstr(path, "kubepods")) {
					snprintf(out, len, "k8s:%.12s", start);
					return;
				}
			}
			if (has_suffix(start, n, ".service") || has_suffix(start, n, ".scope") ||
			    has_suffix(start, n, ".socket") || has_suffix(start, n, ".mount") ||
			    has_suffix(start, n, ".swap")) {
				snprintf(out, len, "%.*s", (int)n, start);
				return;
			}
		}
		comp_end = start > path ? start - 1 : path;
	}
}

static int cmp_cg(const void *a, const void *b)
{
	const struct cg_ent *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

static void cg_add(struct procs *p, size_t *cap, uint64_t id, const char *rel)
{
	struct cg_ent *c;

	if (p->ncg == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		p->cg = xrealloc(p->cg, *cap * sizeof *p->cg);
	}
	c = &p->cg[p->ncg++];
	c->id = id;
	c->path = xmalloc(strlen(rel) + 1);
	strcpy(c->path, rel);
	procs_cgroup_unit(rel, c->unit, sizeof c->unit);
}

/* Depth-first over the directories below dir (rel: its path below the root). */
static void cg_walk(struct procs *p, size_t *cap, int dfd, const char *rel, int depth)
{
	DIR *d;
	struct dirent *de;

	if (depth > 16 || !(d = fdopendir(dfd))) {
		close(dfd);
		return;
	}
	while ((de = readdir(d))) {
		char sub[PATH_MAX];
		struct stat sb;
		int fd;

		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof sub, "%s/%s", rel, de->d_name) >= (int)sizeof sub)
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (fstat(fd, &sb) == 0)
			cg_add(p, cap, (uint64_t)sb.st_ino, sub);
		cg_walk(p, cap, fd, sub, depth + 1);
	}
	closedir(d);
}

static void cg_rewalk(struct procs *p, double now)
{
	size_t cap = p->ncg;
	struct stat sb;
	int fd;

	for (size_t i = 0; i < p->ncg; i++)
		free(p->cg[i].path);
	p->ncg = 0;
	p->cg_walked = now;
	fd = open(p->croot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &sb) == 0)
		cg_add(p, &cap, (uint64_t)sb.st_ino, "");
	cg_walk(p, &cap, fd, "", 0);
	qsort(p->cg, p->ncg, sizeof *p->cg, cmp_cg);
}

/* The cgroup of id; walks the tree again on a miss, at most every 10 s. */
static const struct cg_ent *cg_find(struct procs *p, uint64_t id, double now)
{
	struct cg_ent key = { .id = id };
	const struct cg_ent *c;

	if (!id)
		return NULL;
	if (p->cg_walked < 0)
		cg_rewalk(p, now);
	c = p->ncg ? bsearch(&key, p->cg, p->ncg, sizeof *p->cg, cmp_cg) : NULL;
	if (!c && now - p->cg_walked >= 10) {
		cg_rewalk(p, now);
		c = p->ncg ? bsearch(&key, p->cg, p->ncg, sizeof *p->cg, cmp_cg) : NULL;
	}
	return c;
}

/* ---- the registry ------------------------------------------------------ */

static uint64_t reg_hash(const struct proc_info *i, uint64_t cgroup)
{
	uint64_t w[3] = { (uint64_t)(uint32_t)i->pid, i->pid ? i->start : i->uid,
			  i->pid ? 0 : cgroup };

	return hash_words(w, 3);
}

/*
 * The number of (pid, start), or of (uid, unit) when pid is 0: the one it
 * has, else a new one.  cgroup keys the second kind.
 */
static uint32_t reg_intern(struct procs *p, const struct proc_info *want, uint64_t cgroup,
			   uint64_t *cg_of)
{
	size_t mask = p->key_size - 1;
	uint64_t h = reg_hash(want, cgroup);
	size_t j;

	for (j = h & mask; p->by_key[j]; j = (j + 1) & mask) {
		const struct proc_info *i = &p->info[p->by_key[j] - 1];

		if (i->pid != want->pid)
			continue;
		if (want->pid ? i->start == want->start :
		    i->uid == want->uid && cg_of[p->by_key[j] - 1] == cgroup)
			return p->by_key[j];
	}
	return 0;
}


static uint32_t reg_get_or_add(struct procs *p, const struct proc_info *want, uint64_t cgroup)
{
	uint32_t id = reg_intern(p, want, cgroup, p->reg_cg);
	size_t mask;

	if (id)
		return id;
	pthread_mutex_lock(&p->lock);
	if (p->ninfo == p->info_cap) {
		p->info_cap = p->info_cap ? 2 * p->info_cap : 64;
		p->info = xrealloc(p->info, p->info_cap * sizeof *p->info);
	}
	p->info[p->ninfo++] = *want;
	pthread_mutex_unlock(&p->lock);
	if (p->ninfo > p->reg_cg_cap) {
		p->reg_cg_cap = p->info_cap;
		p->reg_cg = xrealloc(p->reg_cg, p->reg_cg_cap * sizeof *p->reg_cg);
	}
	p->reg_cg[p->ninfo - 1] = cgroup;
	id = (uint32_t)p->ninfo;
	if (2 * p->ninfo > p->key_size) {
		free(p->by_key);
		p->key_size *= 2;
		p->by_key = xcalloc(p->key_size, sizeof *p->by_key);
		mask = p->key_size - 1;
		for (size_t i = 0; i < p->ninfo; i++) {
			size_t j = reg_hash(&p->info[i], p->reg_cg[i]) & mask;

			while (p->by_key[j])
				j = (j + 1) & mask;
			p->by_key[j] = (uint32_t)i + 1;
		}
	} else {
		size_t j;

		mask = p->key_size - 1;
		for (j = reg_hash(want, cgroup) & mask; p->by_key[j]; j = (j + 1) & mask)
			;
		p->by_key[j] = id;
	}
	return id;
}

int procs_get(struct procs *p, uint32_t id, struct proc_info *out)
{
	int r = -1;

	pthread_mutex_lock(&p->lock);
	if (id && id <= p->ninfo) {
		*out = p->info[id - 1];
		r = 0;
	}
	pthread_mutex_unlock(&p->lock);
	return r;
}

int procs_partial(struct procs *p)
{
	return p->partial;
}

void procs_stats(struct procs *p, struct procs_stats *out)
{
	*out = p->st;
}

/* ---- inode -> number ---------------------------------------------------- */

static uint64_t ino_hash(uint32_t inode)
{
	uint64_t w = inode;

	return hash_words(&w, 1);
}

static struct ino_ent *ino_find(struct procs *p, uint32_t inode)
{
	size_t mask = p->ino_size - 1;

	for (size_t j = ino_hash(inode) & mask; p->ino[j].inode; j = (j + 1) & mask)
		if (p->ino[j].inode == inode)
			return &p->ino[j];
	return NULL;
}

static void ino_rehash(struct procs *p, size_t size, int live_only)
{
	struct ino_ent *old = p->ino;
	size_t n = p->ino_size, mask = size - 1;

	p->ino = xcalloc(size, sizeof *p->ino);
	p->ino_size = size;
	p->nino = 0;
	for (size_t i = 0; i < n; i++) {
		size_t j;

		if (!old[i].inode || (live_only && old[i].gen != p->gen))
			continue;
		for (j = ino_hash(old[i].inode) & mask; p->ino[j].inode; j = (j + 1) & mask)
			;
		p->ino[j] = old[i];
		p->nino++;
	}
	free(old);
}

static struct ino_ent *ino_put(struct procs *p, uint32_t inode, uint32_t proc)
{
	struct ino_ent *e = ino_find(p, inode);
	size_t mask, j;

	if (e) {
		/* A number found by a scan wins over "not found". */
		if (proc)
			e->proc = proc;
		return e;
	}
	if (2 * (p->nino + 1) > p->ino_size)
		ino_rehash(p, 2 * p->ino_size, 0);
	mask = p->ino_size - 1;
	for (j = ino_hash(inode) & mask; p->ino[j].inode; j = (j + 1) & mask)
		;
	p->ino[j] = (struct ino_ent){ .inode = inode, .proc = proc, .gen = 0 };
	p->nino++;
	return &p->ino[j];
}

/* ---- reading processes --------------------------------------------------- */

/* comm and start time from PID/stat; -1 when the process is gone. */
static int read_stat(struct procs *p, int32_t pid, struct proc_info *out)
{
	char path[PATH_MAX + 32], buf[1024];
	const char *lp, *rp, *f;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof path, "%s/%d/stat", p->proot, pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	lp = strchr(buf, '(');
	rp = strrchr(buf, ')');
	if (!lp || !rp || rp < lp)
		return -1;
	snprintf(out->comm, sizeof out->comm, "%.*s", (int)(rp - lp - 1), lp + 1);
	/* Field 3 (state) follows ") "; field 22 is the start time. */
	for (f = rp + 1, field = 2; *f && field < 22; f++)
		if (*f == ' ')
			field++;
	out->start = strtoull(f, NULL, 10);
	out->pid = pid;
	return 0;
}

static int was_scanned(struct procs *p, int32_t pid)
{
	for (size_t i = 0; i < p->nscanned; i++)
		if (p->scanned[i] == pid)
			return 1;
	if (p->nscanned == p->scanned_cap) {
		p->scanned_cap = p->scanned_cap ? 2 * p->scanned_cap : 64;
		p->scanned = xrealloc(p->scanned, p->scanned_cap * sizeof *p->scanned);
	}
	p->scanned[p->nscanned++] = pid;
	return 0;
}

/*
 * Every socket descriptor of pid into the inode map.  want: only
 * inodes already in the map (looked for) or all (a full walk).
 */
static void scan_pid(struct procs *p, int32_t pid, int all)
{
	char path[PATH_MAX + 32];
	struct proc_info pi;
	uint32_t id = 0;
	struct dirent *de;
	DIR *d;
	int have_stat = 0;

	snprintf(path, sizeof path, "%s/%d/fd", p->proot, pid);
	if (!(d = opendir(path))) {
		if (errno == EACCES || errno == EPERM)
			p->partial = 1;
		return;
	}
	p->st.scans++;
	while ((de = readdir(d))) {
		char link[64];
		ssize_t n;
		unsigned long ino;
		struct ino_ent *e;

		if (de->d_name[0] == '.')
			continue;
		p->st.fds++;
		n = readlinkat(dirfd(d), de->d_name, link, sizeof link - 1);
		if (n < 9 || memcmp(link, "socket:[", 8) != 0)
			continue;
		link[n] = '\0';
		ino = strtoul(link + 8, NULL, 10);
		if (!ino || ino > UINT32_MAX)
			continue;
		e = ino_find(p, (uint32_t)ino);
		if (!all && (!e || e->proc))
			continue;	/* not looked for, or already known */
		if (e && e->proc && all)
			continue;	/* first holder wins (shared after fork) */
		if (!have_stat) {
			memset(&pi, 0, sizeof pi);
			if (read_stat(p, pid, &pi) < 0)
				break;
			have_stat = 1;
		}
		if (!id) {
			struct stat sb;

			snprintf(path, sizeof path, "%s/%d", p->proot, pid);
			pi.uid = stat(path, &sb) == 0 ? (uint32_t)sb.st_uid : 0;
			id = reg_get_or_add(p, &pi, 0);
		}
		ino_put(p, (uint32_t)ino, id);
	}
	closedir(d);
}

static int cmp_pid(const void *a, const void *b)
{
	int32_t x = ((const struct pid_ent *)a)->pid, y = ((const struct pid_ent *)b)->pid;

	return x < y ? -1 : x > y;
}

/* The pids of /proc now, sorted, into *out (*n). */
static void list_pids(struct procs *p, struct pid_ent **out, size_t *n)
{
	size_t cap = 256;
	struct dirent *de;
	DIR *d = opendir(p->proot);

	*n = 0;
	*out = xmalloc(cap * sizeof **out);
	if (!d)
		return;
	while ((de = readdir(d))) {
		char *end;
		long v;

		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		v = strtol(de->d_name, &end, 10);
		if (*end || v <= 0 || v > INT32_MAX)
			continue;
		if (*n == cap) {
			cap *= 2;
			*out = xrealloc(*out, cap * sizeof **out);
		}
		(*out)[*n].pid = (int32_t)v;
		(*out)[(*n)++].ino = (uint64_t)de->d_ino;
	}
	closedir(d);
	qsort(*out, *n, sizeof **out, cmp_pid);
}

static void full_walk(struct procs *p, double now)
{
	struct pid_ent *pids;
	size_t n;

	list_pids(p, &pids, &n);
	for (size_t i = 0; i < n; i++)
		if (!was_scanned(p, pids[i].pid))
			scan_pid(p, pids[i].pid, 1);
	free(p->pids);
	p->pids = pids;
	p->npids = n;
	p->full_walked = now;
	p->st.walks++;
}

/* Processes that were not there at the last listing. */
static void new_pids(struct procs *p)
{
	struct pid_ent *pids;
	size_t n;

	list_pids(p, &pids, &n);
	for (size_t i = 0; i < n; i++) {
		const struct pid_ent *old = p->npids ?
			bsearch(&pids[i], p->pids, p->npids, sizeof *pids, cmp_pid) : NULL;

		if (old && old->ino == pids[i].ino)
			continue;
		if (!was_scanned(p, pids[i].pid))
			scan_pid(p, pids[i].pid, 0);
	}
	free(p->pids);
	p->pids = pids;
	p->npids = n;
}

/* Every process of cgroup c (cgroup.procs). */
static void scan_cgroup(struct procs *p, const struct cg_ent *c)
{
	char path[PATH_MAX * 2];
	FILE *f;
	long pid;

	snprintf(path, sizeof path, "%s%s/cgroup.procs", p->croot, c->path);
	if (!(f = fopen(path, "re")))
		return;
	while (fscanf(f, "%ld", &pid) == 1)
		if (pid > 0 && pid <= INT32_MAX && !was_scanned(p, (int32_t)pid))
			scan_pid(p, (int32_t)pid, 0);
	fclose(f);
}

static size_t count_unknown(struct procs *p, struct socks *s)
{
	size_t n = 0;

	for (size_t i = 0; i < socks_count(s); i++) {
		const struct sock_rec *r = socks_at(s, i);
		const struct ino_ent *e;

		if (r->inode && (e = ino_find(p, r->inode)) && !e->proc)
			n++;
	}
	return n;
}

void procs_attribute(struct procs *p, struct socks *s, double now)
{
	double t0 = mono_now();
	size_t n = socks_count(s), fresh = 0;
	int no_cgroup = 0;

	p->gen++;
	p->nscanned = 0;
	/* Mark this dump's inodes; the new ones are looked for (proc 0, gen 0). */
	for (size_t i = 0; i < n; i++) {
		const struct sock_rec *r = socks_at(s, i);
		struct ino_ent *e;

		if (!r->inode)
			continue;
		e = ino_find(p, r->inode);
		if (!e) {
			e = ino_put(p, r->inode, 0);
			e->gen = 0;	/* new: look for it below */
		}
		if (e->gen == 0 && !e->proc)
			fresh++;
	}
	if (p->full_walked < 0) {
		full_walk(p, now);
	} else if (fresh) {
		/* The cgroups of the new unknown sockets first. */
		for (size_t i = 0; i < n; i++) {
			const struct sock_rec *r = socks_at(s, i);
			const struct ino_ent *e;
			const struct cg_ent *c;

			if (!r->inode || !(e = ino_find(p, r->inode)) || e->proc || e->gen)
				continue;
			c = cg_find(p, r->cgroup, now);
			/* The root cgroup holds every process: that is a full walk. */
			if (!c || !*c->path) {
				no_cgroup = 1;
				continue;
			}
			scan_cgroup(p, c);
		}
		if (count_unknown(p, s))
			new_pids(p);
		if (no_cgroup && count_unknown(p, s) && now - p->full_walked >= PROCS_FULL_EVERY)
			full_walk(p, now);
	}
	/* Give the records their numbers; unreadable ones get uid and unit. */
	p->st.unknown = 0;
	for (size_t i = 0; i < n; i++) {
		struct sock_rec *r = socks_at(s, i);
		struct ino_ent *e;

		r->proc = 0;
		if (!r->inode || !(e = ino_find(p, r->inode)))
			continue;
		e->gen = p->gen;
		if (e->proc) {
			struct proc_info *pi = &p->info[e->proc - 1];

			r->proc = e->proc;
			if (!pi->unit[0] && r->cgroup) {
				const struct cg_ent *c = cg_find(p, r->cgroup, now);

				if (c && c->unit[0]) {
					pthread_mutex_lock(&p->lock);
					snprintf(pi->unit, sizeof pi->unit, "%s", c->unit);
					pthread_mutex_unlock(&p->lock);
				}
			}
			continue;
		}
		p->st.unknown++;
		{
			struct proc_info want;
			const struct cg_ent *c = cg_find(p, r->cgroup, now);

			memset(&want, 0, sizeof want);
			want.uid = r->uid;
			if (c)
				snprintf(want.unit, sizeof want.unit, "%s", c->unit);
			r->proc = reg_get_or_add(p, &want, r->cgroup);
		}
	}
	/* Forget the inodes of sockets gone, once they are most of the map. */
	if (p->nino > 4 * n + 1024)
		ino_rehash(p, p->ino_size, 1);
	p->st.cost = mono_now() - t0;
}

void procs_label(const struct proc_info *pi, unsigned nprocs, char *buf, size_t len)
{
	int n;

	if (!len)
		return;
	if (!pi)
		n = snprintf(buf, len, "-");
	else if (pi->pid)
		n = snprintf(buf, len, "%s[%d]", pi->comm, (int)pi->pid);
	else if (pi->unit[0])
		n = snprintf(buf, len, "%s", pi->unit);
	else
		n = snprintf(buf, len, "uid=%u", (unsigned)pi->uid);
	if (n >= 0 && (size_t)n < len && nprocs > 1)
		snprintf(buf + n, len - (size_t)n, "+%u", nprocs - 1);
}
