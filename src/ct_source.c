/* ct_source.c - the source interface, and the netlink and text kinds. */
#include "ct_source.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "ct_source_text.h"
#include "util.h"

struct ct_source {
	const struct ct_source_ops *ops;
	void *state;
	char *name;
	int live;
};

struct ct_source *ct_source_new(const struct ct_source_ops *ops, void *state,
				const char *name, int live)
{
	struct ct_source *s = xcalloc(1, sizeof *s);

	s->ops = ops;
	s->state = state;
	s->name = xstrdup(name);
	s->live = live;
	return s;
}

int ct_source_dump(struct ct_source *s, const struct ct_sink *sink, struct ct_source_stats *st)
{
	memset(st, 0, sizeof *st);
	return s->ops->dump(s->state, sink, st);
}

int ct_source_get(struct ct_source *s, const struct ct_entry *e, size_t n,
		  const struct ct_sink *sink, size_t *found)
{
	*found = 0;
	if (!s->ops->get) {
		errno = EOPNOTSUPP;
		return -1;
	}
	return n ? s->ops->get(s->state, e, n, sink, found) : 0;
}

int ct_source_table_stats(struct ct_source *s, struct ct_stats *out)
{
	memset(out, 0, sizeof *out);
	if (!s->ops->table_stats) {
		errno = EOPNOTSUPP;
		return -1;
	}
	return s->ops->table_stats(s->state, out);
}

int ct_source_has_table_stats(const struct ct_source *s)
{
	return s->ops->table_stats != NULL;
}

int ct_source_delete(struct ct_source *s, const struct ct_entry *e, size_t n, int *errs)
{
	if (!s->ops->del) {
		for (size_t i = 0; i < n; i++)
			errs[i] = EOPNOTSUPP;
		errno = EOPNOTSUPP;
		return -1;
	}
	return n ? s->ops->del(s->state, e, n, errs) : 0;
}

int ct_source_can_delete(const struct ct_source *s)
{
	return s->ops->del != NULL;
}

int ct_source_can_get(const struct ct_source *s)
{
	return s->ops->get != NULL;
}

const char *ct_source_name(const struct ct_source *s)
{
	return s->name;
}

int ct_source_live(const struct ct_source *s)
{
	return s->live;
}

void ct_source_close(struct ct_source *s)
{
	if (!s)
		return;
	s->ops->close(s->state);
	free(s->name);
	free(s);
}

const char *ct_source_hint(int err)
{
	switch (err) {
	case EPERM:
	case EACCES:
		return " (run as root or with CAP_NET_ADMIN)";
	case EPROTONOSUPPORT:
	case EAFNOSUPPORT:
	case EOPNOTSUPP:
	case ENOENT:
		return " (conntrack is not available: modprobe nf_conntrack_netlink)";
	default:
		return "";
	}
}

/* ---- netlink ---- */

struct nl_state {
	struct ct_nl *nl;
	struct ct_nl_filter filter;
};

static int nl_dump(void *state, const struct ct_sink *sink, struct ct_source_stats *st)
{
	struct nl_state *n = state;
	struct ct_nl_stats ns;

	if (ct_nl_dump(n->nl, &n->filter, sink, &ns) < 0)
		return -1;
	st->entries = ns.entries;
	st->bad_msgs = ns.malformed;
	return 0;
}

static void nl_close(void *state)
{
	struct nl_state *n = state;

	ct_nl_close(n->nl);
	free(n);
}

static int nl_get(void *state, const struct ct_entry *e, size_t n, const struct ct_sink *sink,
		  size_t *found)
{
	struct nl_state *ns = state;

	return ct_nl_get(ns->nl, e, n, sink, found);
}

static int nl_table_stats(void *state, struct ct_stats *out)
{
	struct nl_state *ns = state;

	return ct_nl_table_stats(ns->nl, out);
}

static int nl_del(void *state, const struct ct_entry *e, size_t n, int *errs)
{
	struct nl_state *ns = state;

	return ct_nl_delete(ns->nl, e, n, errs);
}

static const struct ct_source_ops nl_ops = { nl_dump, nl_close, nl_get, nl_table_stats, nl_del };

struct ct_source *ct_source_netlink(const struct ct_nl_filter *filter)
{
	struct ct_nl *nl = ct_nl_open();
	struct nl_state *n;

	if (!nl)
		return NULL;
	n = xcalloc(1, sizeof *n);
	n->nl = nl;
	if (filter)
		n->filter = *filter;
	return ct_source_new(&nl_ops, n, "netlink", 1);
}

/* ---- text: a file read again each time, or a descriptor read once ---- */

struct text_state {
	int fd;
	int once;		/* read once; the fd is borrowed */
	int done;		/* once: it has been read */
};

static int text_dump(void *state, const struct ct_sink *sink, struct ct_source_stats *st)
{
	struct text_state *x = state;
	struct ct_text_stats ts;
	struct ct_text_history *h;
	struct ct_sink hs;
	int r, saved;

	if (x->once) {
		if (x->done) {
			errno = ENODATA;
			return -1;
		}
		x->done = 1;
	} else if (lseek(x->fd, 0, SEEK_SET) < 0) {
		return -1;
	}
	/* An event log's lines become connections, each delivered once at its end. */
	h = ct_text_history_new(sink);
	hs = ct_text_history_sink(h);
	memset(&ts, 0, sizeof ts);
	r = ct_text_read_fd(x->fd, &hs, &ts);
	if (r == 0)
		r = ct_text_history_flush(h);
	saved = errno;
	st->entries = ct_text_history_delivered(h);
	ct_text_history_free(h);
	errno = saved;
	st->malformed = ts.malformed;
	st->overlong = ts.overlong;
	st->binary = ts.binary;
	st->first_bad = ts.first_bad;
	return r;
}

static void text_close(void *state)
{
	struct text_state *x = state;

	if (!x->once)
		close(x->fd);
	free(x);
}

static const struct ct_source_ops text_ops = { text_dump, text_close, NULL, NULL, NULL };

/*
 * A table is read from a regular file or a procfs file, nothing else: a
 * device, a FIFO or a socket may block or act on being opened
 * (/dev/watchdog), and a directory is never a table.
 */
static int text_file_ok(int fd)
{
	struct statfs sf;
	struct stat st;

	if (fstat(fd, &st) < 0)
		return -1;
	if (S_ISREG(st.st_mode))
		return 0;
	if (!S_ISDIR(st.st_mode) && fstatfs(fd, &sf) == 0 && sf.f_type == PROC_SUPER_MAGIC)
		return 0;
	errno = EINVAL;
	return -1;
}

/*
 * Opens path for reading without side effects on what is not a table: the
 * check runs on an O_PATH descriptor (which opens nothing), then the same
 * file is opened for reading through /proc/self/fd, so it cannot be
 * swapped in between.
 */
static int open_text_file(const char *path)
{
	const int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
	char self[64];
	struct stat a, b;
	int pfd, fd, e;

	pfd = open(path, O_PATH | O_CLOEXEC);
	if (pfd < 0)
		return -1;
	if (text_file_ok(pfd) < 0 || fstat(pfd, &a) < 0)
		goto fail;
	snprintf(self, sizeof self, "/proc/self/fd/%d", pfd);
	fd = open(self, flags);
	if (fd < 0 && errno == ENOENT) {
		/* No /proc: open the path again and make sure it is the same file. */
		fd = open(path, flags);
		if (fd >= 0 && (fstat(fd, &b) < 0 || a.st_dev != b.st_dev || a.st_ino != b.st_ino)) {
			close(fd);
			fd = -1;
			errno = EINVAL;
		}
	}
	if (fd < 0)
		goto fail;
	close(pfd);
	return fd;
fail:
	e = errno;
	close(pfd);
	errno = e;
	return -1;
}

struct ct_source *ct_source_file(const char *path, int live)
{
	struct text_state *x;
	int fd = open_text_file(path);

	if (fd < 0)
		return NULL;
	x = xcalloc(1, sizeof *x);
	x->fd = fd;
	return ct_source_new(&text_ops, x, path, live);
}

struct ct_source *ct_source_fd_once(int fd, const char *name)
{
	struct text_state *x = xcalloc(1, sizeof *x);

	x->fd = fd;
	x->once = 1;
	return ct_source_new(&text_ops, x, name, 0);
}
