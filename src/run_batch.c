/* run_batch.c - one table or a stream of snapshots, written for scripts. */
#include "run_batch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "fmt.h"
#include "lsct.h"
#include "out.h"
#include "util.h"

/* Why text lines were skipped: "as malformed", or "...: 2 malformed, 1 binary". */
static size_t skip_reasons(char *buf, size_t len, const struct ct_source_stats *in)
{
	static const char *const what[] = { "malformed", "over-long", "binary" };
	const uint64_t n[] = { in->malformed, in->overlong, in->binary };
	uint64_t total = ct_source_skipped(in);
	size_t off, kinds = 0, k = 0;

	for (size_t i = 0; i < sizeof n / sizeof n[0]; i++)
		if (n[i]) {
			kinds++;
			k = i;
		}
	if (kinds == 1)
		return (size_t)snprintf(buf, len, "%llu input line%s skipped as %s (first: line %llu)",
					(unsigned long long)total, total == 1 ? "" : "s", what[k],
					(unsigned long long)in->first_bad);
	off = (size_t)snprintf(buf, len, "%llu input lines skipped (first: line %llu):",
			       (unsigned long long)total, (unsigned long long)in->first_bad);
	for (size_t i = 0; i < sizeof n / sizeof n[0] && off < len; i++)
		if (n[i])
			off += (size_t)snprintf(buf + off, len - off, "%s %llu %s",
						off && buf[off - 1] == ':' ? "" : ",",
						(unsigned long long)n[i], what[i]);
	return off;
}

/*
 * What the last snapshot left out or skipped, and a table that was empty
 * all along (seen: some snapshot had entries or flows), if so.
 */
static void summary(const struct batch_opts *b, const struct mon_frame *f, int seen)
{
	const struct flow_stats *fs = &f->stats;
	char line[512], reasons[200];
	size_t off = 0;

	if (fs->forwarded)
		off += (size_t)snprintf(line + off, sizeof line - off,
			"%s%llu forwarded through this host (not shown)", off ? "; " : "",
			(unsigned long long)fs->forwarded);
	if (fs->forwarded && b->owners_off)
		off += (size_t)snprintf(line + off, sizeof line - off,
			" (owners are off, not root: containers' and other namespaces' among them)");
	if (fs->ambiguous)
		off += (size_t)snprintf(line + off, sizeof line - off,
			", %llu of them with an address several namespaces hold (owner not guessed)",
			(unsigned long long)fs->ambiguous);
	if (ct_source_skipped(&f->input) && off < sizeof line) {
		skip_reasons(reasons, sizeof reasons, &f->input);
		off += (size_t)snprintf(line + off, sizeof line - off, "%s%s",
					off ? "; " : "", reasons);
	}
	if (f->input.bad_msgs && off < sizeof line)
		off += (size_t)snprintf(line + off, sizeof line - off,
			"%s%llu netlink message%s did not parse", off ? "; " : "",
			(unsigned long long)f->input.bad_msgs, f->input.bad_msgs == 1 ? "" : "s");
	/* -P: say when some owners are only a uid, or missing. */
	if (b->processes && f->procs_partial)
		fprintf(b->warn, "%s: owners are partial: other users' processes are not "
			"readable without root (CAP_SYS_PTRACE); their flows show a uid\n", b->prog);
	if (b->processes && f->sock_err)
		fprintf(b->warn, "%s: warning: cannot read this host's sockets (sock_diag): %s; "
			"no processes this snapshot\n", b->prog, strerror(f->sock_err));
	if (off)
		fprintf(b->warn, "%s: %llu entr%s: %s\n", b->prog,
			(unsigned long long)fs->entries, fs->entries == 1 ? "y" : "ies", line);
	/* A live table empty from start to end: say why, not just "[]". */
	if (f->live && f->sysctl.count == 0 && !seen)
		fprintf(b->warn, "%s: the conntrack table is empty: nothing in this "
			"network namespace uses connection tracking yet (a firewall rule "
			"with ct state, NAT, or a conntrack helper)\n", b->prog);
}

/* Counters that are off deserve a word (after the first snapshot). */
static void check_counters(const struct batch_opts *b, const struct mon_frame *f)
{
	const struct flow_stats *fs = &f->stats;

	if (f->live) {
		if (f->sysctl.acct == 0)
			fprintf(b->warn, "%s: warning: packet and byte counters are zero because "
				"accounting is off; enable it with: sysctl -w "
				"net.netfilter.nf_conntrack_acct=1 (new connections only)\n", b->prog);
		return;
	}
	if (fs->active + fs->passive + fs->routed && !fs->counters)
		fprintf(b->warn, "%s: warning: the input has no packet or byte counters "
			"(net.netfilter.nf_conntrack_acct was 0 where it was taken)\n", b->prog);
}

/*
 * Builds the view of f, waits for its names and writes it.  0, or -1 with
 * errno when out failed.
 */
static int write_frame(const struct batch_opts *b, const struct mon_frame *f,
		       struct out_opts *oo)
{
	struct out_health health;
	const struct flow **rows = xcalloc(f->nflows + 1, sizeof *rows);
	struct view_opts vo = *b->view;
	size_t n;
	char when[48];
	int r;

	vo.procs = f->procs;
	/* A one-shot sorts in one piece; a stream, which lives on, in runs. */
	vo.whole = !oo->stream;
	n = view_build_array(f->flows, f->nflows, &vo, rows);
	oo->side = mon_frame_side(f);

	if (b->resolver && n) {
		for (size_t k = 0; k < n; k++) {
			struct flow_route fr;

			resolver_want(b->resolver, rows[k]->key.family, &rows[k]->key.peer);
			/* A routed flow's client is named too. */
			if (rows[k]->key.dir == FLOW_ROUTED &&
			    oo->route_of(oo->route_arg, rows[k]->key.owner, &fr) == 0)
				resolver_want(b->resolver, rows[k]->key.family, &fr.client);
		}
		resolver_wait(b->resolver, b->dns_timeout);
	}
	if (oo->stream) {
		fmt_rfc3339(&f->when, when, sizeof when);
		oo->time = when;
		oo->interval = f->interval;
		oo->period = f->period;
		oo->budget_held = f->budget_held;
		oo->events = f->events;
		oo->events_lost = f->events_lost;
	}
	/* A stream's JSON lines end with the table's health (the frame's, borrowed). */
	if (oo->stream && b->json) {
		health = (struct out_health){ .entries = f->sysctl.count, .max = f->sysctl.max,
					      .ct = &f->ct, .rate = &f->ct_rate };
		oo->health = &health;
	}
	errno = 0;
	r = b->json ? out_json_write(b->out, rows, n, oo) : out_table_write(b->out, rows, n, oo);
	oo->health = NULL;
	free(rows);
	return r;
}

static int owner_cb(void *arg, uint32_t id, struct owner_label *out)
{
	return mon_owner(arg, id, out);
}

static int route_cb(void *arg, uint32_t id, struct flow_route *out)
{
	return mon_route(arg, id, out);
}

static int proc_cb(void *arg, uint32_t id, struct proc_info *out)
{
	return mon_proc(arg, id, out);
}

static void out_opts_of(const struct batch_opts *b, struct out_opts *oo, int stream,
			struct monitor *m)
{
	memset(oo, 0, sizeof *oo);
	oo->route_of = route_cb;
	oo->route_arg = m;
	if (b->processes) {
		oo->processes = 1;
		oo->proc_of = proc_cb;
		oo->proc_arg = m;
	}
	if (b->owners) {
		oo->owners = 1;
		oo->owner_of = b->owner_of ? b->owner_of : owner_cb;
		oo->owner_arg = b->owner_of ? b->owner_arg : m;
	}
	oo->show_proto = b->show_proto;
	oo->stream = stream;
	if (b->resolver) {
		oo->name_of = resolver_name_cb;
		oo->name_arg = b->resolver;
	}
}

/* --record: appends f; says once, on warn, why the recording stopped. */
static void record(const struct batch_opts *b, const struct mon_frame *f)
{
	if (!b->rec || rec_failed(b->rec))
		return;
	if (rec_write(b->rec, f) < 0)
		fprintf(b->warn, "%s: the recording stopped: %s (the stream goes on)\n", b->prog,
			strerror(rec_failed(b->rec)));
}

int run_once(struct monitor *m, const struct batch_opts *b, enum batch_fail *why)
{
	struct mon_frame *f = mon_snapshot(m);
	struct out_opts oo;

	*why = BATCH_OK;
	if (!f) {
		*why = BATCH_READ;
		return -1;
	}
	out_opts_of(b, &oo, 0, m);
	if (f->out_err[0])
		fprintf(b->warn, "%s: %s\n", b->prog, f->out_err);
	if (!b->quiet && write_frame(b, f, &oo) < 0) {
		mon_frame_free(f);
		if (errno == EPIPE)
			return 0;	/* the reader is gone: a quiet end */
		*why = BATCH_WRITE;
		return -1;
	}
	summary(b, f, 0);
	check_counters(b, f);
	record(b, f);
	mon_frame_free(f);
	return 0;
}

int run_stream(struct monitor *m, const struct batch_opts *b, enum batch_fail *why)
{
	struct mon_frame *f, *last = NULL;
	struct out_opts oo;
	int seen = 0;
	char said[sizeof f->out_err] = "";

	*why = BATCH_OK;
	out_opts_of(b, &oo, 1, m);
	for (uint64_t i = 0; b->count == 0 || i < b->count; i++) {
		if (i && mon_sleep(m, b->stop) < 0)
			break;
		if (*b->stop)
			break;
		f = mon_snapshot(m);
		if (!f) {
			int err = errno;

			mon_frame_free(last);
			if (*b->stop)
				return 0;
			*why = BATCH_READ;
			errno = err;
			return -1;
		}
		/* An output that fails (--prometheus) is said once, until it changes. */
		if (strcmp(f->out_err, said) != 0 && f->out_err[0])
			fprintf(b->warn, "%s: %s\n", b->prog, f->out_err);
		memcpy(said, f->out_err, sizeof said);
		if (!b->quiet && write_frame(b, f, &oo) < 0) {
			int err = errno;

			mon_frame_free(last);
			mon_frame_free(f);
			if (err == EPIPE)
				return 0;	/* the reader is gone: a quiet end */
			*why = BATCH_WRITE;
			errno = err;
			return -1;
		}
		if (!last)
			check_counters(b, f);
		record(b, f);
		seen |= f->stats.entries > 0 || f->nflows > 0;
		mon_frame_free(last);
		last = f;
	}
	if (last) {
		summary(b, last, seen);
		if (last->events_lost)
			fprintf(b->warn, "%s: %llu conntrack event%s lost (the receive buffer "
				"overflowed; --event-buffer makes it bigger): connections opened and "
				"closed between two snapshots may be missing, the others were counted "
				"by the next snapshot\n", b->prog,
				(unsigned long long)last->events_lost,
				last->events_lost == 1 ? " was" : "s were");
	}
	mon_frame_free(last);
	return 0;
}

/* The owner's name after a flow of another namespace, else "". */
static void owner_suffix(const struct batch_opts *b, struct monitor *m,
			 const struct flow_key *k, char *buf, size_t len)
{
	struct owner_label ol;

	buf[0] = '\0';
	if (k->owner && b->owners && mon_owner(m, k->owner, &ol) == 0)
		snprintf(buf, len, " (%s)", ol.name);
}

/* " (1 already gone, 2 refused)", or "" when every entry was deleted. */
static void del_detail(const struct mon_del *d, char *buf, size_t len)
{
	size_t off = 0;
	const uint64_t n[] = { d->gone, d->refused, d->failed };
	static const char *const what[] = { "already gone", "refused", "failed" };

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_LEN(what) && off < len; i++)
		if (n[i])
			off += (size_t)snprintf(buf + off, len - off, "%s%llu %s",
						off ? ", " : " (", (unsigned long long)n[i],
						what[i]);
	if (off && off < len)
		snprintf(buf + off, len - off, ")");
}

static int yes(const char *s)
{
	size_t n = strcspn(s, "\r\n");

	return (n == 1 && (s[0] == 'y' || s[0] == 'Y')) ||
	       (n == 3 && strncasecmp(s, "yes", 3) == 0);
}

int run_delete(struct monitor *m, const struct batch_opts *b, int ask, FILE *in,
	       struct mon_del *total, enum batch_fail *why)
{
	struct mon_frame *f = mon_snapshot(m);
	const struct flow **rows;
	struct flow_key *keys;
	struct mon_del *per;
	struct view_opts vo;
	char line[FMT_ENDPOINT_MAX * 2 + 64], own[OWNER_NAME_MAX + 8], det[96], answer[64];
	size_t n, k = 0;
	uint64_t entries = 0;
	int r = 0;

	*why = BATCH_OK;
	memset(total, 0, sizeof *total);
	if (!f) {
		*why = BATCH_READ;
		return -1;
	}
	rows = xcalloc(f->nflows + 1, sizeof *rows);
	vo = *b->view;
	vo.procs = f->procs;
	n = view_build_array(f->flows, f->nflows, &vo, rows);
	keys = xcalloc(n + 1, sizeof *keys);
	for (size_t i = 0; i < n; i++)
		if (rows[i]->entries) {
			keys[k++] = rows[i]->key;
			entries += rows[i]->entries;
		}
	if (!k) {
		fprintf(b->warn, "%s: no flow matches: nothing deleted\n", b->prog);
		goto out;
	}
	if (ask) {
		for (size_t i = 0; i < n; i++) {
			if (!rows[i]->entries)
				continue;
			fmt_flow_line(&rows[i]->key, line, sizeof line);
			owner_suffix(b, m, &rows[i]->key, own, sizeof own);
			fprintf(b->out, "%8u  %s%s\n", rows[i]->entries, line, own);
		}
		fflush(b->out);
		fprintf(b->warn, "Delete %llu entr%s of %zu flow%s? [y/N] ",
			(unsigned long long)entries, entries == 1 ? "y" : "ies", k, k == 1 ? "" : "s");
		fflush(b->warn);
		if (!fgets(answer, sizeof answer, in) || !yes(answer)) {
			fprintf(b->warn, "%s: nothing deleted\n", b->prog);
			goto out;
		}
	}
	per = xcalloc(k, sizeof *per);
	if (mon_delete_flows(m, keys, k, per, total) < 0) {
		*why = BATCH_READ;
		r = -1;
	} else {
		for (size_t i = 0; i < k; i++) {
			fmt_flow_line(&keys[i], line, sizeof line);
			owner_suffix(b, m, &keys[i], own, sizeof own);
			del_detail(&per[i], det, sizeof det);
			fprintf(b->out, "deleted %llu  %s%s%s\n", (unsigned long long)per[i].deleted,
				line, own, det);
		}
		del_detail(total, det, sizeof det);
		fprintf(b->out, "deleted %llu entr%s of %zu flow%s%s\n",
			(unsigned long long)total->deleted, total->deleted == 1 ? "y" : "ies", k,
			k == 1 ? "" : "s", det);
		if (fflush(b->out) != 0 && errno != EPIPE) {
			*why = BATCH_WRITE;
			r = -1;
		}
	}
	free(per);
out:
	free(keys);
	free(rows);
	mon_frame_free(f);
	return r;
}

int run_frames(struct mon_frame *(*next)(void *arg), void *arg, const struct batch_opts *b,
	       enum batch_fail *why)
{
	struct mon_frame *f, *last = NULL;
	struct out_opts oo;
	int seen = 0;

	*why = BATCH_OK;
	out_opts_of(b, &oo, 1, NULL);
	for (uint64_t i = 0; (b->count == 0 || i < b->count) && !*b->stop; i++) {
		errno = 0;
		f = next(arg);
		if (!f) {
			int err = errno;

			if (!err)
				break;
			mon_frame_free(last);
			*why = BATCH_READ;
			errno = err;
			return -1;
		}
		if (b->owners_on) {
			oo.owners = b->owners_on(b->owner_arg);
			oo.owner_of = b->owner_of;
			oo.owner_arg = b->owner_arg;
		}
		oo.route_of = b->route_of;
		oo.route_arg = b->route_arg;
		if (write_frame(b, f, &oo) < 0) {
			int err = errno;

			mon_frame_free(last);
			mon_frame_free(f);
			if (err == EPIPE)
				return 0;
			*why = BATCH_WRITE;
			errno = err;
			return -1;
		}
		seen |= f->stats.entries > 0 || f->nflows > 0;
		mon_frame_free(last);
		last = f;
	}
	if (last)
		summary(b, last, seen);
	mon_frame_free(last);
	return 0;
}

int run_stats(struct monitor *m, const struct batch_opts *b, enum batch_fail *why)
{
	struct host_ct_sysctl sc;
	struct ct_stats ct;
	struct out_health h;

	*why = BATCH_OK;
	if (mon_table_stats(m, &ct) < 0) {
		*why = BATCH_READ;
		return -1;
	}
	host_read_ct_sysctl(&sc);
	h = (struct out_health){ .entries = sc.count, .max = sc.max, .ct = &ct, .rate = NULL };
	if (out_stats_write(b->out, &h, b->json) < 0) {
		if (errno == EPIPE)
			return 0;	/* the reader is gone: a quiet end */
		*why = BATCH_WRITE;
		return -1;
	}
	return 0;
}
