/* out_prom.c - the Prometheus text exposition (0.0.4 and OpenMetrics), and the textfile. */
#include "out_prom.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lsct.h"
#include "outbuf.h"
#include "util.h"

/* ---- a growing buffer --------------------------------------------------- */

struct gbuf {
	char *p;
	size_t n, cap;
};

static void need(struct gbuf *b, size_t more)
{
	if (b->n + more <= b->cap)
		return;
	while (b->n + more > b->cap)
		b->cap = b->cap ? 2 * b->cap : 65536;
	b->p = xrealloc(b->p, b->cap);
}

static void put(struct gbuf *b, const char *s, size_t n)
{
	need(b, n);
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

static void puts_(struct gbuf *b, const char *s)
{
	put(b, s, strlen(s));
}

static void put_u64(struct gbuf *b, uint64_t v)
{
	need(b, 20);
	b->n += outbuf_dec(b->p + b->n, v);
}

static void put_double(struct gbuf *b, double v)
{
	char d[64];
	int n = snprintf(d, sizeof d, "%.9g", v);

	put(b, d, (size_t)n);
}

/* ---- escaping ------------------------------------------------------------ */

size_t prom_escape_label(char *dst, const char *s, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\\' || c == '"' || c == '\n') {
			dst[k++] = '\\';
			c = c == '\n' ? 'n' : c;
		}
		dst[k++] = c;
	}
	return k;
}

size_t prom_escape_help(char *dst, const char *s, size_t n, enum prom_dialect d)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\\' || c == '\n' || (c == '"' && d == PROM_OPENMETRICS)) {
			dst[k++] = '\\';
			c = c == '\n' ? 'n' : c;
		}
		dst[k++] = c;
	}
	return k;
}

static void put_label_value(struct gbuf *b, const char *s)
{
	size_t n = strlen(s);

	need(b, 2 * n);
	b->n += prom_escape_label(b->p + b->n, s, n);
}

/* ---- families ------------------------------------------------------------- */

enum kind { K_GAUGE, K_COUNTER, K_INFO };

/*
 * A family's HELP and TYPE lines.  name is the family's name: counters
 * without _total, info without _info (OpenMetrics names them so; 0.0.4
 * names the family as its samples).
 */
static void family(struct gbuf *b, enum prom_dialect d, const char *name, enum kind k,
		   const char *help)
{
	static const char *const suffix[] = { "", "_total", "_info" };
	const char *sfx = d == PROM_TEXT004 ? suffix[k] : "";
	size_t hn = strlen(help);

	puts_(b, "# HELP ");
	puts_(b, name);
	puts_(b, sfx);
	put(b, " ", 1);
	need(b, 2 * hn);
	b->n += prom_escape_help(b->p + b->n, help, hn, d);
	puts_(b, "\n# TYPE ");
	puts_(b, name);
	puts_(b, sfx);
	puts_(b, k == K_COUNTER ? " counter\n" : k == K_INFO && d == PROM_OPENMETRICS ?
	      " info\n" : " gauge\n");
}

static const char *proto_name(int p)
{
	switch (p) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_UDPLITE: return "udplite";
	case IPPROTO_SCTP: return "sctp";
	case IPPROTO_DCCP: return "dccp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmpv6";
	case IPPROTO_GRE: return "gre";
	}
	return "other";
}

/* The label set of s, without braces, into b. */
static void series_labels(struct gbuf *b, const struct metrics *mx,
			  const struct metrics_series *s)
{
	const struct metrics_key *k = &s->key;
	char addr[INET6_ADDRSTRLEN];

	puts_(b, k->dir == FLOW_ACTIVE ? "direction=\"active\",proto=\"" :
	      k->dir == FLOW_PASSIVE ? "direction=\"passive\",proto=\"" :
	      "direction=\"routed\",proto=\"");
	puts_(b, proto_name(k->proto));
	put(b, "\"", 1);
	if (metrics_opts(mx)->owners) {
		char owner[OWNER_NAME_MAX + 16];

		metrics_owner_value(mx, k->owner, owner, sizeof owner);
		puts_(b, ",owner=\"");
		put_label_value(b, owner);
		put(b, "\"", 1);
		if (k->owner) {
			metrics_owner_id(mx, k->owner, owner, sizeof owner);
			puts_(b, ",owner_id=\"");
			put_label_value(b, owner);
			put(b, "\"", 1);
		}
	}
	if (k->dir == FLOW_ROUTED) {
		puts_(b, ",client=\"");
		if (k->peer_other)
			puts_(b, "other");
		else if (k->client_unknown || !inet_ntop(k->family, k->client.b, addr, sizeof addr))
			puts_(b, "unknown");
		else
			puts_(b, addr);
		puts_(b, "\",server=\"");
		if (k->peer_other || !inet_ntop(k->family, k->peer.b, addr, sizeof addr))
			puts_(b, "other");
		else
			puts_(b, addr);
		put(b, "\"", 1);
	} else if (k->has_peer) {
		puts_(b, ",peer=\"");
		if (k->peer_other || !inet_ntop(k->family, k->peer.b, addr, sizeof addr))
			puts_(b, "other");
		else
			puts_(b, addr);
		put(b, "\"", 1);
	}
	puts_(b, k->dir == FLOW_ACTIVE ? ",peer_port=\"" : k->dir == FLOW_PASSIVE ?
	      ",local_port=\"" : ",server_port=\"");
	if (k->port == METRICS_OTHER)
		puts_(b, "other");
	else
		put_u64(b, k->port);
	put(b, "\"", 1);
}

struct flow_family {
	const char *name;
	enum kind kind;
	const char *help;
	size_t off;	/* of the value in struct metrics_series */
};

#define SOFF(f) offsetof(struct metrics_series, f)

static const struct flow_family flow_families[] = {
	{ "lsconntrack_flow_connections", K_GAUGE,
	  "Open connections of the flows in the series at the last snapshot.", SOFF(open) },
	{ "lsconntrack_flow_connections_opened", K_COUNTER,
	  "Connections opened, since lsconntrack started.", SOFF(opened) },
	{ "lsconntrack_flow_connections_closed", K_COUNTER,
	  "Connections closed, since lsconntrack started.", SOFF(closed) },
	{ "lsconntrack_flow_received_bytes", K_COUNTER,
	  "Layer-3 bytes sent by the peer to this host, since lsconntrack started.",
	  SOFF(in_bytes) },
	{ "lsconntrack_flow_sent_bytes", K_COUNTER,
	  "Layer-3 bytes sent by this host to the peer, since lsconntrack started.",
	  SOFF(out_bytes) },
	{ "lsconntrack_flow_received_packets", K_COUNTER,
	  "Packets sent by the peer to this host, since lsconntrack started.",
	  SOFF(in_packets) },
	{ "lsconntrack_flow_sent_packets", K_COUNTER,
	  "Packets sent by this host to the peer, since lsconntrack started.",
	  SOFF(out_packets) },
};

/* name, then _total for counters, the labels, the value. */
static void sample_start(struct gbuf *b, enum prom_dialect d, const char *name, enum kind k)
{
	(void)d;
	puts_(b, name);
	if (k == K_COUNTER)
		puts_(b, "_total");
	else if (k == K_INFO)
		puts_(b, "_info");
}

static void simple(struct gbuf *b, enum prom_dialect d, const char *name, enum kind k,
		   const char *help, const char *labels, uint64_t v)
{
	family(b, d, name, k, help);
	sample_start(b, d, name, k);
	if (labels) {
		put(b, "{", 1);
		puts_(b, labels);
		put(b, "}", 1);
	}
	put(b, " ", 1);
	put_u64(b, v);
	put(b, "\n", 1);
}

static void table_metrics(struct gbuf *b, enum prom_dialect d, const struct metrics *mx)
{
	const struct metrics_table *t = metrics_table(mx);
	static const char *const dirs[3] = { "direction=\"active\"", "direction=\"passive\"",
					     "direction=\"routed\"" };
	int ndirs = metrics_opts(mx)->routed ? 3 : 2;

	if (t->dumps) {
		const struct flow_stats *s = &t->stats;
		const struct { const char *cls; uint64_t v; } cl[] = {
			{ "active", s->active - (s->local < s->active ? s->local : s->active) },
			{ "passive", s->passive - (s->local < s->passive ? s->local : s->passive) },
			{ "both", s->local },
			/* Without -R, entries the monitor made routed flows are forwarded ones. */
			{ "forwarded", s->forwarded + (metrics_opts(mx)->routed ? 0 : s->routed) },
			{ "routed", metrics_opts(mx)->routed ? s->routed : 0 },
			{ "owned", s->owned }, { "ambiguous", s->ambiguous },
			{ "excluded", s->excluded },
		};

		family(b, d, "lsconntrack_entries", K_GAUGE,
		       "Conntrack entries of the last snapshot by class: active, passive, both "
		       "(local to local), forwarded, routed (-R), owned (other namespaces'), "
		       "ambiguous, excluded.");
		for (size_t i = 0; i < ARRAY_LEN(cl); i++) {
			puts_(b, "lsconntrack_entries{class=\"");
			puts_(b, cl[i].cls);
			puts_(b, "\"} ");
			put_u64(b, cl[i].v);
			put(b, "\n", 1);
		}
		family(b, d, "lsconntrack_snapshot_duration_seconds", K_GAUGE,
		       "Seconds the last snapshot of the table took.");
		puts_(b, "lsconntrack_snapshot_duration_seconds ");
		put_double(b, t->snapshot_seconds);
		put(b, "\n", 1);
	}
	if (t->count >= 0)
		simple(b, d, "lsconntrack_table_entries", K_GAUGE,
		       "Entries in the conntrack table (nf_conntrack_count).", NULL,
		       (uint64_t)t->count);
	if (t->max >= 0)
		simple(b, d, "lsconntrack_table_max", K_GAUGE,
		       "Size of the conntrack table (nf_conntrack_max).", NULL, (uint64_t)t->max);
	if (t->events)
		simple(b, d, "lsconntrack_events_lost", K_COUNTER,
		       "Conntrack DESTROY events lost (receive buffer overrun).", NULL,
		       t->events_lost);
	simple(b, d, "lsconntrack_snapshots", K_COUNTER, "Snapshots of the table taken.", NULL,
	       t->dumps);
	family(b, d, "lsconntrack_folded_peers", K_GAUGE,
	       "Flows of the last snapshot beyond the top N by bytes, shown as peer=\"other\".");
	for (int i = 0; i < ndirs; i++) {
		puts_(b, "lsconntrack_folded_peers{");
		puts_(b, dirs[i]);
		puts_(b, "} ");
		put_u64(b, t->folded_peers[i]);
		put(b, "\n", 1);
	}
	family(b, d, "lsconntrack_folded_ports", K_GAUGE,
	       "Ports of folded flows beyond the top N by bytes, shown as port \"other\".");
	for (int i = 0; i < ndirs; i++) {
		puts_(b, "lsconntrack_folded_ports{");
		puts_(b, dirs[i]);
		puts_(b, "} ");
		put_u64(b, t->folded_ports[i]);
		put(b, "\n", 1);
	}
	simple(b, d, "lsconntrack_series_kept", K_GAUGE,
	       "Series kept in memory, shown or not, so that their counters continue.", NULL,
	       metrics_kept(mx));
	simple(b, d, "lsconntrack_series_dropped", K_COUNTER,
	       "Series dropped from memory, least recently shown first.", NULL, t->dropped);
	family(b, d, "lsconntrack_build", K_INFO, "The lsconntrack build.");
	puts_(b, "lsconntrack_build_info{version=\"");
	put_label_value(b, metrics_opts(mx)->version ? metrics_opts(mx)->version : "unknown");
	puts_(b, "\"} 1\n");
}

/* name{LABELS[,extra]} (with _total or _info by kind), without the value. */
static void series_sample(struct gbuf *b, const char *name, enum kind k, const char *labels,
			  size_t ln, const char *extra, size_t en)
{
	sample_start(b, PROM_TEXT004, name, k);
	put(b, "{", 1);
	put(b, labels, ln);
	if (en) {
		put(b, ",", 1);
		put(b, extra, en);
	}
	put(b, "} ", 2);
}

/*
 * -P: the retransmissions of TCP series with a local end (active and
 * passive), the RTT where known, and the process where there is one.
 */
static void health_families(struct gbuf *b, enum prom_dialect d, const struct metrics *mx,
			    const struct metrics_series *const *ss, size_t n,
			    const struct gbuf *lab, const size_t *off)
{
	const struct metrics_opts *o = metrics_opts(mx);
	struct gbuf ex = { NULL, 0, 0 };
	int head = 0;

	for (size_t i = 0; i < n; i++) {
		if (ss[i]->key.proto != IPPROTO_TCP || ss[i]->key.dir == FLOW_ROUTED)
			continue;
		if (!head++)
			family(b, d, "lsconntrack_flow_retransmits", K_COUNTER,
			       "TCP segments retransmitted by this host's sockets of the series' "
			       "flows (-P), since lsconntrack started.");
		series_sample(b, "lsconntrack_flow_retransmits", K_COUNTER, lab->p + off[i],
			      off[i + 1] - off[i], NULL, 0);
		put_u64(b, ss[i]->retrans);
		put(b, "\n", 1);
	}
	head = 0;
	for (size_t i = 0; i < n; i++) {
		if (!ss[i]->rtt_us)
			continue;
		if (!head++)
			family(b, d, "lsconntrack_flow_rtt_seconds", K_GAUGE,
			       "The largest smoothed round-trip time of the live TCP sockets of the "
			       "series' flows at the last snapshot (-P).");
		series_sample(b, "lsconntrack_flow_rtt_seconds", K_GAUGE, lab->p + off[i],
			      off[i + 1] - off[i], NULL, 0);
		put_double(b, ss[i]->rtt_us / 1e6);
		put(b, "\n", 1);
	}
	head = 0;
	for (size_t i = 0; o->proc_of && i < n; i++) {
		struct proc_info pi;

		if (ss[i]->proc_state != 1 || o->proc_of(o->proc_arg, ss[i]->proc, &pi) < 0)
			continue;
		if (!head++)
			family(b, d, "lsconntrack_flow_process", K_INFO,
			       "The process behind the series' flows (-P), when it is one: its "
			       "name, systemd unit or container, and user id.");
		ex.n = 0;
		puts_(&ex, "comm=\"");
		pi.comm[sizeof pi.comm - 1] = '\0';
		pi.unit[sizeof pi.unit - 1] = '\0';
		put_label_value(&ex, pi.comm);
		puts_(&ex, "\",unit=\"");
		put_label_value(&ex, pi.unit);
		puts_(&ex, "\",uid=\"");
		put_u64(&ex, pi.uid);
		put(&ex, "\"", 1);
		series_sample(b, "lsconntrack_flow_process", K_INFO, lab->p + off[i],
			      off[i + 1] - off[i], ex.p, ex.n);
		puts_(b, "1\n");
	}
	free(ex.p);
}

void prom_render(struct metrics *mx, enum prom_dialect d, char **out, size_t *len)
{
	const struct metrics_series *const *ss;
	size_t n = metrics_series(mx, &ss);
	struct gbuf b = { NULL, 0, 0 }, lab = { NULL, 0, 0 };
	size_t *off = xmalloc((n + 1) * sizeof *off);

	/* Each series' labels once, for every family. */
	for (size_t i = 0; i < n; i++) {
		off[i] = lab.n;
		series_labels(&lab, mx, ss[i]);
	}
	off[n] = lab.n;
	need(&b, 64 + n * (lab.n / (n ? n : 1) + 64) * ARRAY_LEN(flow_families));
	for (size_t f = 0; n && f < ARRAY_LEN(flow_families); f++) {
		const struct flow_family *ff = &flow_families[f];
		size_t nl = strlen(ff->name);

		family(&b, d, ff->name, ff->kind, ff->help);
		for (size_t i = 0; i < n; i++) {
			uint64_t v;

			memcpy(&v, (const char *)ss[i] + ff->off, sizeof v);
			need(&b, nl + 8 + (off[i + 1] - off[i]) + 24);
			memcpy(b.p + b.n, ff->name, nl);
			b.n += nl;
			if (ff->kind == K_COUNTER) {
				memcpy(b.p + b.n, "_total", 6);
				b.n += 6;
			}
			b.p[b.n++] = '{';
			memcpy(b.p + b.n, lab.p + off[i], off[i + 1] - off[i]);
			b.n += off[i + 1] - off[i];
			b.p[b.n++] = '}';
			b.p[b.n++] = ' ';
			b.n += outbuf_dec(b.p + b.n, v);
			b.p[b.n++] = '\n';
		}
	}
	if (metrics_opts(mx)->processes)
		health_families(&b, d, mx, ss, n, &lab, off);
	table_metrics(&b, d, mx);
	if (d == PROM_OPENMETRICS)
		puts_(&b, "# EOF\n");
	free(off);
	free(lab.p);
	*out = b.p;
	*len = b.n;
}

/* ---- the textfile ---------------------------------------------------------- */

struct prom_file {
	int dirfd;
	char *path;
	char *name;		/* FILE's last component */
	char *tmp;		/* ".NAME.tmp" */
};

int prom_file_open(const char *path, struct prom_file **pf, char *err, size_t errlen)
{
	const char *slash = strrchr(path, '/'), *name = slash ? slash + 1 : path;
	char *dir;
	struct prom_file *p;
	size_t nl = strlen(name);
	int fd;

	if (!*name || strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    (nl >= 4 && strcmp(name + nl - 4, ".tmp") == 0)) {
		snprintf(err, errlen, "invalid value for --prometheus: '%.200s' (a file name, "
			 "not a directory nor *.tmp)", path);
		errno = EINVAL;
		return -1;
	}
	dir = slash ? xstrdup(path) : xstrdup(".");
	if (slash)
		dir[slash == path ? 1 : slash - path] = '\0';
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;

		snprintf(err, errlen, "cannot open the directory of --prometheus %.200s: %s",
			 dir, strerror(e));
		free(dir);
		errno = e;
		return -1;
	}
	free(dir);
	p = xcalloc(1, sizeof *p);
	p->dirfd = fd;
	p->path = xstrdup(path);
	p->name = xstrdup(name);
	p->tmp = xmalloc(nl + 6);
	snprintf(p->tmp, nl + 6, ".%s.tmp", name);
	*pf = p;
	return 0;
}

int prom_file_dir_stat(const struct prom_file *pf, struct stat *st)
{
	return fstat(pf->dirfd, st);
}

int prom_file_write(struct prom_file *pf, const char *text, size_t n)
{
	int fd, e;
	size_t done = 0;

	fd = openat(pf->dirfd, pf->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		    0644);
	if (fd < 0)
		return -1;
	while (done < n) {
		ssize_t w = write(fd, text + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			if (w == 0)
				errno = EIO;
			goto fail;
		}
		done += (size_t)w;
	}
	/* On disk before the name points at it: a crash leaves the old file or the new one. */
	if (fsync(fd) < 0)
		goto fail;
	if (close(fd) < 0) {
		fd = -1;
		goto fail;
	}
	fd = -1;
	if (renameat(pf->dirfd, pf->tmp, pf->dirfd, pf->name) < 0)
		goto fail;
	return 0;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	(void)unlinkat(pf->dirfd, pf->tmp, 0);
	errno = e;
	return -1;
}

int prom_file_dirfd(const struct prom_file *pf)
{
	return pf->dirfd;
}

int prom_file_writable(const struct prom_file *pf)
{
	return faccessat(pf->dirfd, ".", W_OK | X_OK, AT_EACCESS);
}

const char *prom_file_path(const struct prom_file *pf)
{
	return pf->path;
}

void prom_file_close(struct prom_file *pf)
{
	if (!pf)
		return;
	close(pf->dirfd);
	free(pf->path);
	free(pf->name);
	free(pf->tmp);
	free(pf);
}

/* ---- after each frame ------------------------------------------------------ */

/* Frames between dumps re-render no more often than this (seconds). */
#define PROM_EVENT_GAP 1.0

void prom_out_frame(void *arg, struct mon_frame *f, const struct flow *flows,
		    const struct flow_proc *procs, size_t n)
{
	struct prom_out *po = arg;
	char *t = NULL, *om = NULL;
	size_t tn = 0, on = 0;
	double now = mono_now();

	metrics_feed(po->mx, f, flows, procs, n);
	if (!f->dumped && po->rendered && now - po->last < PROM_EVENT_GAP) {
		memcpy(f->out_err, po->err, sizeof f->out_err);
		return;
	}
	po->rendered = 1;
	po->last = now;
	prom_render(po->mx, PROM_TEXT004, &t, &tn);
	if (po->sink.publish || po->file_openmetrics)
		prom_render(po->mx, PROM_OPENMETRICS, &om, &on);
	po->err[0] = '\0';
	if (po->pf && (po->file_openmetrics ? prom_file_write(po->pf, om, on) :
		       prom_file_write(po->pf, t, tn)) < 0)
		snprintf(po->err, sizeof po->err, "cannot write %s: %s",
			 prom_file_path(po->pf), strerror(errno));
	memcpy(f->out_err, po->err, sizeof f->out_err);
	if (po->sink.publish) {
		po->sink.publish(po->sink.arg, t, tn, om, on);
		return;
	}
	free(t);
	free(om);
}
