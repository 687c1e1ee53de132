/* netns.c - find this machine's network namespaces; enter one. */
#include "netns.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/nsfs.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>

#include "util.h"

void netns_roots_default(struct netns_roots *r)
{
	r->run = "/run/netns";
	r->docker = "/run/docker/netns";
	r->proc = "/proc";
}

void netns_list_init(struct netns_list *l)
{
	memset(l, 0, sizeof *l);
}

void netns_list_fini(struct netns_list *l)
{
	free(l->v);
	free(l->slot);
	netns_list_init(l);
}

void netns_list_clear(struct netns_list *l)
{
	l->n = 0;
	if (l->slot)
		memset(l->slot, 0, l->nslots * sizeof *l->slot);
}

static size_t home(const struct netns_list *l, uint64_t dev, uint64_t ino)
{
	uint64_t w[2] = { dev, ino };

	return (size_t)hash_words(w, 2) & (l->nslots - 1);
}

static void reindex(struct netns_list *l)
{
	free(l->slot);
	l->slot = xcalloc(l->nslots, sizeof *l->slot);
	for (size_t i = 0; i < l->n; i++) {
		size_t s = home(l, l->v[i].dev, l->v[i].ino);

		while (l->slot[s])
			s = (s + 1) & (l->nslots - 1);
		l->slot[s] = (uint32_t)(i + 1);
	}
}

long netns_list_find(const struct netns_list *l, uint64_t dev, uint64_t ino)
{
	if (!l->nslots)
		return -1;
	for (size_t s = home(l, dev, ino);; s = (s + 1) & (l->nslots - 1)) {
		uint32_t i = l->slot[s];

		if (!i)
			return -1;
		if (l->v[i - 1].dev == dev && l->v[i - 1].ino == ino)
			return (long)i - 1;
	}
}

static void set_name(struct netns_ref *r, const char *name)
{
	size_t len = strnlen(name, NETNS_NAME_MAX - 1);

	memcpy(r->name, name, len);
	r->name[len] = '\0';
}

size_t netns_list_add(struct netns_list *l, uint64_t dev, uint64_t ino, enum netns_src src,
		      const char *name, pid_t pid)
{
	long at = netns_list_find(l, dev, ino);
	struct netns_ref *r;

	if (at >= 0) {
		r = &l->v[at];
		if (name && *name && (!r->name[0] || src < r->src)) {
			set_name(r, name);
			r->src = src;
		}
		if (pid > 0 && (r->pid == 0 || pid < r->pid))
			r->pid = pid;
		return (size_t)at;
	}
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->v = xrealloc(l->v, l->cap * sizeof *l->v);
	}
	r = &l->v[l->n++];
	memset(r, 0, sizeof *r);
	r->dev = dev;
	r->ino = ino;
	r->src = src;
	r->pid = pid > 0 ? pid : 0;
	if (name)
		set_name(r, name);
	/* Load at most a half: probes stay short. */
	if (l->n * 2 > l->nslots) {
		l->nslots = l->nslots ? l->nslots * 2 : 128;
		reindex(l);
	} else {
		size_t s = home(l, dev, ino);

		while (l->slot[s])
			s = (s + 1) & (l->nslots - 1);
		l->slot[s] = (uint32_t)l->n;
	}
	return l->n - 1;
}

/* The named files of one directory; a missing directory is no error. */
static void scan_dir(struct netns_list *l, const char *dir, enum netns_src src,
		     uint64_t skip_dev, uint64_t skip_ino)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		/* A name without a mount on it is a plain empty file: not nsfs. */
		if (fstatat(dirfd(d), e->d_name, &st, 0) < 0 || !S_ISREG(st.st_mode) ||
		    st.st_size != 0 || st.st_nlink != 1)
			continue;
		if ((uint64_t)st.st_dev == skip_dev && (uint64_t)st.st_ino == skip_ino)
			continue;
		netns_list_add(l, st.st_dev, st.st_ino, src, e->d_name, 0);
	}
	closedir(d);
}

/*
 * The nsfs device: st_dev of our own /proc/self/ns/net.  A named file whose
 * st_dev differs is the empty file ip netns leaves when a mount failed.
 */
static int nsfs_dev(const char *proc, uint64_t *dev)
{
	char p[PATH_MAX];
	struct stat st;

	snprintf(p, sizeof p, "%s/thread-self/ns/net", proc);
	if (stat(p, &st) < 0) {
		snprintf(p, sizeof p, "%s/self/ns/net", proc);
		if (stat(p, &st) < 0)
			return -1;
	}
	*dev = st.st_dev;
	return 0;
}

int netns_scan(struct netns_list *l, const struct netns_roots *roots, uint64_t skip_dev,
	       uint64_t skip_ino)
{
	DIR *d;
	struct dirent *e;
	uint64_t dev = 0;
	size_t named;

	netns_list_clear(l);
	scan_dir(l, roots->run, NETNS_SRC_RUN, skip_dev, skip_ino);
	scan_dir(l, roots->docker, NETNS_SRC_DOCKER, skip_dev, skip_ino);
	named = l->n;
	d = opendir(roots->proc);
	if (!d)
		return -1;
	while ((e = readdir(d))) {
		char p[sizeof e->d_name + 16];
		struct stat st;
		char *end;
		long pid;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		pid = strtol(e->d_name, &end, 10);
		if (*end || pid <= 0 || pid > INT_MAX)
			continue;
		snprintf(p, sizeof p, "%s/ns/net", e->d_name);
		/* Kernel threads and processes that exit meanwhile fail here. */
		if (fstatat(dirfd(d), p, &st, 0) < 0)
			continue;
		if ((uint64_t)st.st_dev == skip_dev && (uint64_t)st.st_ino == skip_ino)
			continue;
		if (!dev)
			dev = st.st_dev;
		netns_list_add(l, st.st_dev, st.st_ino, NETNS_SRC_PROC, NULL, (pid_t)pid);
	}
	closedir(d);
	/* Named files on another device than the /proc links are not namespaces. */
	if (named && (dev || nsfs_dev(roots->proc, &dev) == 0)) {
		size_t j = 0;

		for (size_t i = 0; i < l->n; i++)
			if (l->v[i].dev == dev)
				l->v[j++] = l->v[i];
		if (j != l->n) {
			l->n = j;
			reindex(l);
		}
	}
	return 0;
}

int netns_self(uint64_t *dev, uint64_t *ino)
{
	struct stat st;

	if (stat("/proc/thread-self/ns/net", &st) < 0 && stat("/proc/self/ns/net", &st) < 0)
		return -1;
	*dev = st.st_dev;
	*ino = st.st_ino;
	return 0;
}

int netns_arg_path(const char *arg, const char *run_dir, char *path, size_t pathlen,
		   char *err, size_t errlen)
{
	size_t len = strlen(arg), i;
	int n;

	if (len == 0 || strcmp(arg, ".") == 0 || strcmp(arg, "..") == 0) {
		snprintf(err, errlen, "'%s' is not a namespace name, PID or path", arg);
		return -1;
	}
	for (i = 0; i < len && arg[i] >= '0' && arg[i] <= '9'; i++)
		;
	if (strchr(arg, '/'))
		n = snprintf(path, pathlen, "%s", arg);
	else if (i == len)
		n = snprintf(path, pathlen, "/proc/%s/ns/net", arg);
	else
		n = snprintf(path, pathlen, "%s/%s", run_dir, arg);
	if (n < 0 || (size_t)n >= pathlen) {
		snprintf(err, errlen, "the namespace path is too long");
		return -1;
	}
	return 0;
}

int netns_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC), t;

	if (fd < 0)
		return -1;
	t = ioctl(fd, NS_GET_NSTYPE);
	if (t != CLONE_NEWNET) {
		/* ENOTTY: not an nsfs file at all; another kind of namespace. */
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

int netns_enter(int fd)
{
	int back = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);

	if (back < 0)
		return -1;
	if (setns(fd, CLONE_NEWNET) < 0) {
		int e = errno;

		close(back);
		errno = e;
		return -1;
	}
	return back;
}

int netns_leave(int back)
{
	int r = setns(back, CLONE_NEWNET), e = errno;

	close(back);
	errno = e;
	return r;
}

/* ---- RTM_GETADDR ---------------------------------------------------------- */

struct addr_ctx {
	struct host_info *h;
};

static int addr_attr(const struct nlattr *a, void *data)
{
	const struct nlattr **tb = data;
	unsigned type = mnl_attr_get_type(a);

	if (type == IFA_ADDRESS || type == IFA_LOCAL)
		tb[type] = a;
	return MNL_CB_OK;
}

static int addr_msg(const struct nlmsghdr *nlh, void *data)
{
	struct addr_ctx *c = data;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *tb[IFA_MAX + 1] = { 0 };
	const struct nlattr *at;
	size_t alen;
	struct ct_addr a;

	if (nlh->nlmsg_type != RTM_NEWADDR || nlh->nlmsg_len < NLMSG_LENGTH(sizeof *ifa))
		return MNL_CB_OK;
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return MNL_CB_OK;
	if (mnl_attr_parse(nlh, sizeof *ifa, addr_attr, tb) < 0)
		return MNL_CB_OK;
	/* IFA_LOCAL is the address itself on point-to-point links; IFA_ADDRESS the peer. */
	at = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	alen = ifa->ifa_family == AF_INET ? 4 : 16;
	if (!at || mnl_attr_get_payload_len(at) < alen)
		return MNL_CB_OK;
	memset(&a, 0, sizeof a);
	memcpy(a.b, mnl_attr_get_payload(at), alen);
	host_add_addr(c->h, ifa->ifa_family, &a);
	return MNL_CB_OK;
}

int netns_load_addrs(struct host_info *h)
{
	union {
		char b[16384];
		struct nlmsghdr align;
	} buf;
	struct mnl_socket *nl;
	struct nlmsghdr *nlh;
	struct rtgenmsg *g;
	struct addr_ctx c = { h };
	unsigned portid, seq = (unsigned)time(NULL);
	ssize_t n;
	int r = MNL_CB_OK, e;

	nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!nl)
		return -1;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail;
	portid = mnl_socket_get_portid(nl);
	nlh = mnl_nlmsg_put_header(buf.b);
	nlh->nlmsg_type = RTM_GETADDR;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof *g);
	g->rtgen_family = AF_UNSPEC;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		goto fail;
	while (r > MNL_CB_STOP) {
		n = mnl_socket_recvfrom(nl, buf.b, sizeof buf.b);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EPROTO;
			goto fail;
		}
		r = mnl_cb_run(buf.b, (size_t)n, seq, portid, addr_msg, &c);
	}
	if (r < 0)
		goto fail;
	mnl_socket_close(nl);
	return 0;
fail:
	e = errno;
	mnl_socket_close(nl);
	errno = e;
	return -1;
}

int netns_load(const struct netns_ref *r, const struct netns_roots *roots, struct host_info *h)
{
	char path[PATH_MAX];
	int fd, back, rc = 0, e = 0;

	if (r->name[0] && r->src != NETNS_SRC_PROC)
		snprintf(path, sizeof path, "%s/%s",
			 r->src == NETNS_SRC_RUN ? roots->run : roots->docker, r->name);
	else if (r->pid > 0)
		snprintf(path, sizeof path, "%s/%d/ns/net", roots->proc, (int)r->pid);
	else {
		errno = ENOENT;
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* The file may now be another namespace (an inode reused, a PID reused). */
	{
		struct stat st;

		if (fstat(fd, &st) < 0 || (uint64_t)st.st_dev != r->dev ||
		    (uint64_t)st.st_ino != r->ino) {
			close(fd);
			errno = ESTALE;
			return -1;
		}
	}
	back = netns_enter(fd);
	close(fd);
	if (back < 0)
		return -1;
	if (netns_load_addrs(h) < 0) {
		rc = -1;
		e = errno;
	}
	/* No listeners (no sock_diag) only means fewer passive flows are known. */
	(void)host_load_listeners_diag(h);
	if (netns_leave(back) < 0) {
		errno = EDEADLK;
		return -1;
	}
	errno = e;
	return rc;
}
