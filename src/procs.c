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
	uint64_t fdsig;	/* PID/fd's size and mtime at its last read; 0 not read */
};

/* A pid read in this call (gen): open addressing, 0 empty. */
struct scan_mark {
	int32_t pid;
	uint32_t gen;
};

/* inode -> process number; proc 0: looked for, not found. */
struct ino_ent {
	uint32_t inode;		/* 0: empty slot */
	uint32_t proc;
	uint32_t gen;		/* the last call that saw the socket */
};

/*
 * What the previous call gave each record, in its dump's order: a socket
 * of the same cookie and inode (one socket, for its whole life) met again
 * takes its number without an inode lookup.  The kernel dumps sockets in
 * hash-bucket order, the same from one dump to the next, so the next
 * record is almost always at the cursor or a few after it (sockets gone).
 */
struct carry {
	uint64_t cookie;
	uint32_t inode;
	uint32_t found;		/* the inode map's number: 0 looked for, not found */
	uint32_t proc;		/* the record's number (a pid-0 one when found is 0) */
	/*
	 * 0: the unit of its number was looked up for good; else its cgroup
	 * was not in the cgroup list of this version (cg_ver): looked up
	 * again only once the list may have changed.
	 */
	uint32_t cgver;
};
#define CARRY_AHEAD 16		/* records skipped looking for the next one */

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
	uint64_t *unit_cg;	/* per number: a cgroup found without a unit for it */
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
	uint32_t cg_ver;	/* bumped when a walk finds other cgroup ids; from 1 */
	double full_walked;	/* when, -1 never */
	int partial;
	int changed_more;	/* changed_pids() ran out of budget: go on next call */
	struct procs_stats st;
	/* this call's scan marks (gen p->gen): a pid is read at most once per call */
	struct scan_mark *scanned;
	size_t nscanned, scanned_size;
	/* the previous call's records (carry) and this call's (next), swapped */
	struct carry *carry, *next;
	size_t ncarry;
	uint64_t founds;	/* inodes looked for that a scan found, ever */
	uint64_t carry_founds;	/* founds when carry was made */
	/*
	 * this call: each record's carry index + 1 (0 none), its number in
	 * the inode map (0 none or looked for), the records looked for
	 */
	uint32_t *hit, *known;
	size_t *look;
	size_t nlook, rec_cap;
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
	p->cg_ver = 1;
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
	free(p->unit_cg);
	free(p->ino);
	free(p->pids);
	free(p->scanned);
	free(p->carry);
	free(p->next);
	free(p->hit);
	free(p->known);
	free(p->look);
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

/* Seconds between walks of the cgroup tree for an id not in it, at least. */
#define CG_REWALK_EVERY 10

/* The cgroup list again; cg_ver moves when its ids are not the same. */
static void cg_rewalk(struct procs *p, double now)
{
	size_t cap = p->ncg, nold = p->ncg;
	uint64_t *old = xmalloc((nold ? nold : 1) * sizeof *old);
	struct stat sb;
	int fd;

	for (size_t i = 0; i < p->ncg; i++) {
		old[i] = p->cg[i].id;
		free(p->cg[i].path);
	}
	p->ncg = 0;
	p->cg_walked = now;
	fd = open(p->croot, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd >= 0) {
		if (fstat(fd, &sb) == 0)
			cg_add(p, &cap, (uint64_t)sb.st_ino, "");
		cg_walk(p, &cap, fd, "", 0);
		if (p->ncg > 1)
			qsort(p->cg, p->ncg, sizeof *p->cg, cmp_cg);
	}
	for (size_t i = 0; i < nold || i < p->ncg; i++) {
		if (i >= nold || i >= p->ncg || old[i] != p->cg[i].id) {
			if (!++p->cg_ver)
				p->cg_ver = 1;
			break;
		}
	}
	free(old);
}

/* cg_find() would walk the tree again for an id not in it. */
static int cg_stale(const struct procs *p, double now)
{
	return p->cg_walked < 0 || now - p->cg_walked >= CG_REWALK_EVERY;
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
	if (!c && cg_stale(p, now)) {
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
		p->unit_cg = xrealloc(p->unit_cg, p->reg_cg_cap * sizeof *p->unit_cg);
	}
	p->reg_cg[p->ninfo - 1] = cgroup;
	p->unit_cg[p->ninfo - 1] = 0;
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
		if (proc && !e->proc)
			p->founds++;
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

static uint64_t pid_hash(int32_t pid)
{
	uint64_t w = (uint32_t)pid;

	return hash_words(&w, 1);
}

/* Marks pid as read in this call; 1 when it already was. */
static int was_scanned(struct procs *p, int32_t pid)
{
	size_t mask, j;

	if (2 * (p->nscanned + 1) > p->scanned_size) {
		struct scan_mark *old = p->scanned;
		size_t n = p->scanned_size;

		p->scanned_size = n ? 2 * n : 256;
		p->scanned = xcalloc(p->scanned_size, sizeof *p->scanned);
		mask = p->scanned_size - 1;
		for (size_t i = 0; i < n; i++) {
			if (old[i].gen != p->gen || !old[i].pid)
				continue;
			for (j = pid_hash(old[i].pid) & mask; p->scanned[j].gen == p->gen &&
			     p->scanned[j].pid; j = (j + 1) & mask)
				;
			p->scanned[j] = old[i];
		}
		free(old);
	}
	mask = p->scanned_size - 1;
	for (j = pid_hash(pid) & mask; p->scanned[j].gen == p->gen && p->scanned[j].pid;
	     j = (j + 1) & mask)
		if (p->scanned[j].pid == pid)
			return 1;
	p->scanned[j] = (struct scan_mark){ .pid = pid, .gen = p->gen };
	p->nscanned++;
	return 0;
}

static int cmp_pid(const void *a, const void *b)
{
	int32_t x = ((const struct pid_ent *)a)->pid, y = ((const struct pid_ent *)b)->pid;

	return x < y ? -1 : x > y;
}

static struct pid_ent *pid_find(struct procs *p, int32_t pid)
{
	struct pid_ent key = { .pid = pid };

	return p->npids ? bsearch(&key, p->pids, p->npids, sizeof key, cmp_pid) : NULL;
}

/*
 * What a descriptor directory looks like: its size (the number of open
 * descriptors in /proc/PID/fd since Linux 6.2; 0 before) and mtime.
 * Another value means descriptors came or went since.  Never 0.
 */
static uint64_t fd_sig(const struct stat *sb)
{
	uint64_t w[3] = { (uint64_t)sb->st_size, (uint64_t)sb->st_mtim.tv_sec,
			  (uint64_t)sb->st_mtim.tv_nsec };
	uint64_t h = hash_words(w, 3);

	return h ? h : 1;
}

/*
 * Every socket descriptor of pid into the inode map.  all: every socket
 * (a full walk: one opened since the dump is known when it shows up),
 * else only inodes already in the map (looked for).  Returns how many
 * inodes looked for it found.
 */
static size_t scan_pid(struct procs *p, int32_t pid, int all)
{
	size_t found = 0;
	char path[PATH_MAX + 32];
	struct proc_info pi;
	uint32_t id = 0;
	struct dirent *de;
	struct pid_ent *pe;
	struct stat sb;
	DIR *d;
	int have_stat = 0;

	snprintf(path, sizeof path, "%s/%d/fd", p->proot, pid);
	if (!(d = opendir(path))) {
		if (errno == EACCES || errno == EPERM)
			p->partial = 1;
		return 0;
	}
	p->st.scans++;
	/* Taken before reading: descriptors added meanwhile change it again. */
	if ((pe = pid_find(p, pid)))
		pe->fdsig = fstat(dirfd(d), &sb) == 0 ? fd_sig(&sb) : 0;
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
		if (!all && !e)
			continue;	/* not looked for */
		if (e && e->proc)
			continue;	/* known: the first holder wins (shared after fork) */
		if (!have_stat) {
			memset(&pi, 0, sizeof pi);
			if (read_stat(p, pid, &pi) < 0)
				break;
			have_stat = 1;
		}
		if (!id) {
			snprintf(path, sizeof path, "%s/%d", p->proot, pid);
			pi.uid = stat(path, &sb) == 0 ? (uint32_t)sb.st_uid : 0;
			id = reg_get_or_add(p, &pi, 0);
		}
		if (e)
			found++;
		ino_put(p, (uint32_t)ino, id);
	}
	closedir(d);
	return found;
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
		(*out)[*n].fdsig = 0;
		(*out)[(*n)++].ino = (uint64_t)de->d_ino;
	}
	closedir(d);
	if (*n > 1)
		qsort(*out, *n, sizeof **out, cmp_pid);
}

/*
 * /proc listed again; a process still there (same pid and directory
 * inode) keeps its descriptor signature.  The new listing's entries whose
 * process is new are marked in *fresh (n bytes, the caller frees).
 */
static void relist(struct procs *p, unsigned char **fresh)
{
	struct pid_ent *pids;
	size_t n;

	list_pids(p, &pids, &n);
	*fresh = xcalloc(n ? n : 1, 1);
	for (size_t i = 0; i < n; i++) {
		const struct pid_ent *old = pid_find(p, pids[i].pid);

		if (old && old->ino == pids[i].ino)
			pids[i].fdsig = old->fdsig;
		else
			(*fresh)[i] = 1;
	}
	free(p->pids);
	p->pids = pids;
	p->npids = n;
}

static void full_walk(struct procs *p, double now)
{
	unsigned char *fresh;

	relist(p, &fresh);
	free(fresh);
	for (size_t i = 0; i < p->npids; i++)
		if (!was_scanned(p, p->pids[i].pid))
			scan_pid(p, p->pids[i].pid, 1);
	p->full_walked = now;
	p->st.walks++;
}

/*
 * Processes that were not there at the last listing, until want inodes
 * are found (one left unread has no descriptor signature: if a socket is
 * still unknown, changed_pids() reads it).
 */
static void new_pids(struct procs *p, size_t want)
{
	unsigned char *fresh;
	size_t found = 0;

	relist(p, &fresh);
	for (size_t i = 0; i < p->npids && found < want; i++)
		if (fresh[i] && !was_scanned(p, p->pids[i].pid))
			found += scan_pid(p, p->pids[i].pid, 0);
	free(fresh);
}

struct changed {
	off_t size;
	int32_t pid;
};

static int cmp_changed(const void *a, const void *b)
{
	const struct changed *x = a, *y = b;

	return x->size < y->size ? -1 : x->size > y->size;
}

/*
 * Processes whose descriptors changed since they were read (one stat of
 * PID/fd each; never read: sig 0): a known process that opened sockets.
 * The smallest first, until want inodes are found or PROCS_CHANGED_FDS
 * descriptors are read (a busy process with many is left to the full
 * walk).  1 when the budget ran out after finding some: the next call
 * goes on.
 */
static int changed_pids(struct procs *p, size_t want)
{
	char path[PATH_MAX + 32];
	struct changed *c = xmalloc((p->npids ? p->npids : 1) * sizeof *c);
	size_t nc = 0, found = 0;
	off_t nread = 0;
	int more = 0;

	for (size_t i = 0; i < p->npids; i++) {
		struct stat sb;

		snprintf(path, sizeof path, "%s/%d/fd", p->proot, p->pids[i].pid);
		if (stat(path, &sb) < 0 || p->pids[i].fdsig == fd_sig(&sb) ||
		    sb.st_size > PROCS_CHANGED_FDS)
			continue;
		c[nc].size = sb.st_size;
		c[nc++].pid = p->pids[i].pid;
	}
	if (nc > 1)
		qsort(c, nc, sizeof *c, cmp_changed);
	for (size_t i = 0; i < nc && found < want; i++) {
		if (nread + c[i].size > PROCS_CHANGED_FDS) {
			more = found > 0;
			break;
		}
		if (was_scanned(p, c[i].pid))
			continue;
		nread += c[i].size;
		found += scan_pid(p, c[i].pid, 0);
	}
	free(c);
	return more;
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

/* The records looked for (p->look) whose inode is still without a number. */
static size_t count_unknown(struct procs *p, struct socks *s)
{
	size_t n = 0;

	for (size_t i = 0; i < p->nlook; i++) {
		const struct ino_ent *e = ino_find(p, socks_at(s, p->look[i])->inode);

		if (e && !e->proc)
			n++;
	}
	return n;
}

/* The carried record for r, from the cursor *j on; NULL when none. */
static const struct carry *carry_match(struct procs *p, const struct sock_rec *r, size_t *j)
{
	size_t end = *j + CARRY_AHEAD < p->ncarry ? *j + CARRY_AHEAD : p->ncarry;

	if (!r->cookie)
		return NULL;
	for (size_t k = *j; k < end; k++) {
		const struct carry *c = &p->carry[k];

		if (c->cookie == r->cookie && c->inode == r->inode) {
			*j = k + 1;
			return c;
		}
	}
	return NULL;
}

/* Room for n records in the per-call arrays. */
static void rec_room(struct procs *p, size_t n)
{
	if (n <= p->rec_cap)
		return;
	p->rec_cap = n + n / 4 + 64;
	p->hit = xrealloc(p->hit, p->rec_cap * sizeof *p->hit);
	p->known = xrealloc(p->known, p->rec_cap * sizeof *p->known);
	p->look = xrealloc(p->look, p->rec_cap * sizeof *p->look);
	p->next = xrealloc(p->next, p->rec_cap * sizeof *p->next);
	free(p->carry);
	p->carry = NULL;	/* the old one is too small to be swapped in */
	p->ncarry = 0;
}

/*
 * The number of record r: known, the inode map's (0: looked up here).
 * *cgver: 0 when the unit of its number was looked up for good, else the
 * version of the cgroup list its cgroup was not in (struct carry).
 */
static uint32_t slow_number(struct procs *p, struct sock_rec *r, uint32_t known, double now,
			    uint32_t *cgver, uint32_t *found)
{
	const struct cg_ent *c;
	struct proc_info want;
	struct ino_ent *e;

	*cgver = 0;
	*found = known;
	if (!r->inode)
		return 0;
	if (known) {
		struct proc_info *pi = &p->info[known - 1];

		/* A cgroup found without a unit (the root's) is not looked up again. */
		if (!pi->unit[0] && r->cgroup && p->unit_cg[known - 1] != r->cgroup) {
			c = cg_find(p, r->cgroup, now);
			if (c && c->unit[0]) {
				pthread_mutex_lock(&p->lock);
				snprintf(pi->unit, sizeof pi->unit, "%s", c->unit);
				pthread_mutex_unlock(&p->lock);
			} else if (c) {
				p->unit_cg[known - 1] = r->cgroup;
			}
			/* A cgroup made since the walk: again once the list changed. */
			*cgver = c ? 0 : p->cg_ver;
		}
		return known;
	}
	if (!(e = ino_find(p, r->inode)))
		return 0;
	e->gen = p->gen;
	if (e->proc)
		return slow_number(p, r, e->proc, now, cgver, found);
	p->st.unknown++;
	c = cg_find(p, r->cgroup, now);
	memset(&want, 0, sizeof want);
	want.uid = r->uid;
	if (c)
		snprintf(want.unit, sizeof want.unit, "%s", c->unit);
	return reg_get_or_add(p, &want, r->cgroup);
}

/* Drops the inodes of sockets gone (not in s). */
static void ino_prune(struct procs *p, struct socks *s)
{
	for (size_t i = 0; i < socks_count(s); i++) {
		struct ino_ent *e;

		if (socks_at(s, i)->inode && (e = ino_find(p, socks_at(s, i)->inode)))
			e->gen = p->gen;
	}
	ino_rehash(p, p->ino_size, 1);
}

void procs_attribute(struct procs *p, struct socks *s, double now)
{
	double t0 = mono_now();
	size_t n = socks_count(s), fresh = 0, unknown, cur = 0;
	int no_cgroup = 0, founds_same;
	struct carry *t;

	p->gen++;
	if (!p->gen) {
		/* Wrapped: old scan marks must not pass for this call's. */
		memset(p->scanned, 0, p->scanned_size * sizeof *p->scanned);
		p->gen = 1;
	}
	p->nscanned = 0;
	rec_room(p, n);
	/*
	 * A record met in the previous call with a number keeps it; the
	 * others are looked up, the new ones put in the map to be looked for
	 * (proc 0, gen 0).
	 */
	p->nlook = 0;
	for (size_t i = 0; i < n; i++) {
		const struct sock_rec *r = socks_at(s, i);
		const struct carry *c;
		struct ino_ent *e;

		p->hit[i] = 0;
		p->known[i] = 0;
		if (!r->inode)
			continue;
		if ((c = carry_match(p, r, &cur))) {
			p->hit[i] = (uint32_t)(c - p->carry) + 1;
			if (c->found)
				continue;
		}
		e = ino_find(p, r->inode);
		if (!e) {
			e = ino_put(p, r->inode, 0);
			e->gen = 0;	/* new: look for it below */
		}
		p->known[i] = e->proc;
		if (!e->proc) {
			p->look[p->nlook++] = i;
			if (e->gen == 0)
				fresh++;
		}
	}
	if (p->full_walked < 0) {
		full_walk(p, now);
	} else if (fresh || p->changed_more) {
		/* The cgroups of the new unknown sockets first. */
		for (size_t k = 0; k < p->nlook; k++) {
			const struct sock_rec *r = socks_at(s, p->look[k]);
			const struct ino_ent *e;
			const struct cg_ent *c;

			if (!(e = ino_find(p, r->inode)) || e->proc || e->gen)
				continue;
			c = cg_find(p, r->cgroup, now);
			/* The root cgroup holds every process: that is a full walk. */
			if (!c || !*c->path) {
				no_cgroup = 1;
				continue;
			}
			scan_cgroup(p, c);
		}
		if ((unknown = count_unknown(p, s)))
			new_pids(p, unknown);
		p->changed_more = 0;
		if ((unknown = count_unknown(p, s)))
			p->changed_more = changed_pids(p, unknown);
		if (no_cgroup && count_unknown(p, s) && now - p->full_walked >= PROCS_FULL_EVERY)
			full_walk(p, now);
	}
	/*
	 * Give the records their numbers; unreadable ones get uid and unit.
	 * A carried number stands unless its inode was not found then and a
	 * scan found some since, or its cgroup was not in the cgroup list
	 * then and the list may have changed since (cg_find() would walk the
	 * tree again: a host whose cgroup tree is not readable, such as under
	 * `ip netns exec`, which mounts a sysfs of its own, has every socket's
	 * cgroup missing, and would look each one up again every call).
	 */
	founds_same = p->founds == p->carry_founds;
	p->st.unknown = 0;
	for (size_t i = 0; i < n; i++) {
		struct sock_rec *r = socks_at(s, i);
		struct carry *x = &p->next[i];
		const struct carry *c = p->hit[i] ? &p->carry[p->hit[i] - 1] : NULL;

		x->cookie = r->cookie;
		x->inode = r->inode;
		if (c && (c->found || founds_same) &&
		    (!c->cgver || (c->cgver == p->cg_ver && !cg_stale(p, now)))) {
			x->found = c->found;
			x->cgver = c->cgver;
			r->proc = x->proc = c->proc;
			if (!c->found)
				p->st.unknown++;
			continue;
		}
		r->proc = x->proc = slow_number(p, r, p->known[i], now, &x->cgver, &x->found);
	}
	t = p->carry;
	p->carry = p->next;
	p->next = t ? t : xmalloc(p->rec_cap * sizeof *p->next);
	p->ncarry = n;
	p->carry_founds = p->founds;
	/* Forget the inodes of sockets gone, once they are most of the map. */
	if (p->nino > 4 * n + 1024)
		ino_prune(p, s);
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
