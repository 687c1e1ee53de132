/* out_json.c - the original's JSON array, plus "proto" and "connections". */
#include "out.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "outbuf.h"
#include "view.h"
#include "util.h"

/*
 * Objects are built in one 64 KiB buffer that goes out with one fwrite when
 * it may not hold another: formatting through stdio call by call cost twice
 * as much on 100k flows, and a fwrite per object another quarter.
 */

/* A JSON string, quotes included, escaping what JSON requires. */
static void put_string(struct outbuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";

	OUTBUF_LIT(b, "\"");
	for (; *s && b->end - b->p >= 6; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			*b->p++ = '\\';
			*b->p++ = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			memcpy(b->p, "\\u00", 4);
			b->p[4] = hex[c >> 4];
			b->p[5] = hex[c & 15];
			b->p += 6;
		} else {
			*b->p++ = (char)c;
		}
	}
	OUTBUF_LIT(b, "\"");
}

/* fp: -P's record of the flow (its retransmissions), NULL without -P. */
static void put_delta(struct outbuf *b, const struct flow_delta *d, const struct flow_proc *fp)
{
	OUTBUF_LIT(b, ",\"delta\":{\"inbound_packets\":");
	outbuf_u64(b, d->in_packets);
	OUTBUF_LIT(b, ",\"inbound_bytes\":");
	outbuf_u64(b, d->in_bytes);
	OUTBUF_LIT(b, ",\"outbound_packets\":");
	outbuf_u64(b, d->out_packets);
	OUTBUF_LIT(b, ",\"outbound_bytes\":");
	outbuf_u64(b, d->out_bytes);
	OUTBUF_LIT(b, ",\"new_connections\":");
	outbuf_u64(b, d->new_conns);
	OUTBUF_LIT(b, ",\"closed_connections\":");
	outbuf_u64(b, d->closed_conns);
	if (fp) {
		OUTBUF_LIT(b, ",\"retransmits\":");
		outbuf_u64(b, fp->retrans);
	}
	OUTBUF_LIT(b, "}");
}

/*
 * -P: "process":{"pid","comm","uid","unit"} (pid and comm null when only
 * the uid is known, unit null without one) or null, "processes" (how many
 * distinct ones hold its sockets), "rtt_ms" (TCP, the largest smoothed RTT
 * of its live sockets; null without one).
 */
static void put_process(struct outbuf *b, const struct out_opts *o, const struct flow_proc *f)
{
	struct proc_info pi;
	char num[32];

	if (!f->proc || !o->proc_of || o->proc_of(o->proc_arg, f->proc, &pi) < 0) {
		OUTBUF_LIT(b, ",\"process\":null,\"processes\":0");
	} else {
		OUTBUF_LIT(b, ",\"process\":{\"pid\":");
		if (pi.pid) {
			outbuf_u64(b, (uint64_t)pi.pid);
			OUTBUF_LIT(b, ",\"comm\":");
			put_string(b, pi.comm);
		} else {
			OUTBUF_LIT(b, "null,\"comm\":null");
		}
		OUTBUF_LIT(b, ",\"uid\":");
		outbuf_u64(b, pi.uid);
		OUTBUF_LIT(b, ",\"unit\":");
		if (pi.unit[0])
			put_string(b, pi.unit);
		else
			OUTBUF_LIT(b, "null");
		OUTBUF_LIT(b, "},\"processes\":");
		outbuf_u64(b, f->nprocs ? f->nprocs : 1);
	}
	OUTBUF_LIT(b, ",\"rtt_ms\":");
	if (f->rtt_us) {
		snprintf(num, sizeof num, "%.3f", f->rtt_us / 1000.0);
		outbuf_str(b, num);
	} else {
		OUTBUF_LIT(b, "null");
	}
}

/* Room one object may need: a name is at most 253 bytes, escaped six
 * times that, an owner's name and id (199 bytes) as much, plus ~700
 * bytes of keys and numbers. */
#define OBJ_MAX 4096
#define OUT_BUF (64 * 1024)

/* "owner":{"kind","name","id"}; an unknown number is kind "host"'s "?". */
static void put_owner(struct outbuf *b, const struct out_opts *o, uint32_t id)
{
	struct owner_label l;

	if (!o->owner_of || o->owner_of(o->owner_arg, id, &l) < 0) {
		memset(&l, 0, sizeof l);
		l.kind = id ? OWNER_NETNS : OWNER_HOST;
		strcpy(l.name, "?");
		strcpy(l.id, "?");
	}
	OUTBUF_LIT(b, ",\"owner\":{\"kind\":");
	put_string(b, owner_kind_name(l.kind));
	OUTBUF_LIT(b, ",\"name\":");
	put_string(b, l.name);
	OUTBUF_LIT(b, ",\"id\":");
	put_string(b, l.id);
	OUTBUF_LIT(b, "}");
}

/*
 * The owner objects of the last few owners, as text: every flow of an
 * owner writes the same bytes, and a plain host's flows are all the
 * host's, so one lookup and three escaped strings a flow become one copy.
 * Slot by the owner's number; an object too long for a slot is written
 * each time.
 */
#define OWNER_CACHE 8
#define OWNER_TEXT 320

struct owner_text {
	uint32_t id;
	uint16_t len;		/* 0: empty */
	char text[OWNER_TEXT];
};

struct owner_cache {
	struct owner_text slot[OWNER_CACHE];
};

static void put_owner_cached(struct outbuf *b, const struct out_opts *o, uint32_t id,
			     struct owner_cache *c)
{
	struct owner_text *s = &c->slot[id % OWNER_CACHE];
	char *start = b->p;

	if (s->len && s->id == id) {
		outbuf_mem(b, s->text, s->len);
		return;
	}
	put_owner(b, o, id);
	if ((size_t)(b->p - start) <= sizeof s->text) {
		s->id = id;
		s->len = (uint16_t)(b->p - start);
		memcpy(s->text, start, s->len);
	}
}

/* {"addr":…,"port":"…"|"many"|null[,"name":…]} of a routed flow's end. */
static void put_end(struct outbuf *b, const struct out_opts *o, const struct flow *f,
		    const struct ct_addr *a, const char *port)
{
	char addr[64];
	const char *name = o->name_of ? o->name_of(o->name_arg, f->key.family, a) : NULL;

	OUTBUF_LIT(b, "{\"addr\":\"");
	outbuf_str(b, ct_addr_str(f->key.family, a, addr, sizeof addr));
	if (port) {
		OUTBUF_LIT(b, "\",\"port\":\"");
		outbuf_str(b, port);
		OUTBUF_LIT(b, "\"");
	} else {
		OUTBUF_LIT(b, "\",\"port\":null");
	}
	if (name) {
		OUTBUF_LIT(b, ",\"name\":");
		put_string(b, name);
	}
	OUTBUF_LIT(b, "}");
}

/*
 * A routed flow's ends: "client" (the original source, port "many") and
 * "server" (as the client addressed it); an unknown number's client is
 * "?" (it never is: the registry keeps every number).
 */
static void put_routed_ends(struct outbuf *b, const struct out_opts *o, const struct flow *f,
			    const struct flow_route *r)
{
	char port[8];
	int ported = flow_has_port(&f->key);

	OUTBUF_LIT(b, "\",\"client\":");
	if (r)
		put_end(b, o, f, &r->client, ported ? "many" : NULL);
	else if (ported)
		OUTBUF_LIT(b, "{\"addr\":\"?\",\"port\":\"many\"}");
	else
		OUTBUF_LIT(b, "{\"addr\":\"?\",\"port\":null}");
	snprintf(port, sizeof port, "%u", f->key.port);
	OUTBUF_LIT(b, ",\"server\":");
	put_end(b, o, f, &f->key.peer, ported ? port : NULL);
}

/* "nat":{"dnat":{"addr","port"}|null,"snat":{"addr"}|null} of a routed flow. */
static void put_nat(struct outbuf *b, const struct flow *f, const struct flow_route *r)
{
	char addr[64];

	OUTBUF_LIT(b, ",\"nat\":{\"dnat\":");
	if (r && (r->nat & ROUTE_DNAT)) {
		OUTBUF_LIT(b, "{\"addr\":\"");
		outbuf_str(b, ct_addr_str(f->key.family, &r->dnat, addr, sizeof addr));
		if (flow_has_port(&f->key)) {
			OUTBUF_LIT(b, "\",\"port\":\"");
			outbuf_u64(b, r->dnat_port);
			OUTBUF_LIT(b, "\"}");
		} else {
			OUTBUF_LIT(b, "\",\"port\":null}");
		}
	} else {
		OUTBUF_LIT(b, "null");
	}
	OUTBUF_LIT(b, ",\"snat\":");
	if (r && (r->nat & ROUTE_SNAT)) {
		OUTBUF_LIT(b, "{\"addr\":\"");
		outbuf_str(b, ct_addr_str(f->key.family, &r->snat, addr, sizeof addr));
		OUTBUF_LIT(b, "\"}}");
	} else {
		OUTBUF_LIT(b, "null}");
	}
}

static void flush(FILE *fp, char *start, struct outbuf *b)
{
	fwrite(start, 1, (size_t)(b->p - start), fp);
	b->p = start;
}

int out_json_write(FILE *fp, const struct flow *const *rows, size_t n,
		   const struct out_opts *o)
{
	char *out = xmalloc(OUT_BUF);
	struct outbuf b = { out, out + OUT_BUF };
	struct owner_cache *oc = o->owners ? xcalloc(1, sizeof *oc) : NULL;

	if (o->stream) {
		OUTBUF_LIT(&b, "{\"time\":");
		put_string(&b, o->time ? o->time : "");
		flush(fp, out, &b);
		if (o->interval > 0)
			fprintf(fp, ",\"interval\":%.3f", o->interval);
		else
			fputs(",\"interval\":null", fp);
		fprintf(fp, ",\"period\":%.3f,\"budget_held\":%s", o->period,
			o->budget_held ? "true" : "false");
		if (o->events)
			fprintf(fp, ",\"events_lost\":%llu,\"flows\":",
				(unsigned long long)o->events_lost);
		else
			fputs(",\"events_lost\":null,\"flows\":", fp);
	}
	OUTBUF_LIT(&b, "[");
	for (size_t i = 0; i < n; i++) {
		const struct flow *f = rows[i];
		const char *name = o->name_of ?
			o->name_of(o->name_arg, f->key.family, &f->key.peer) : NULL;
		char addr[64], pb[16];
		int active = f->key.dir == FLOW_ACTIVE, routed = f->key.dir == FLOW_ROUTED;
		struct flow_route route;
		int known = 0;
		int ported = flow_has_port(&f->key);

		view_prefetch(rows, i, n);
		if (b.end - b.p < OBJ_MAX) {
			flush(fp, out, &b);
			if (ferror(fp))
				break;
		}
		if (i)
			OUTBUF_LIT(&b, ",");
		OUTBUF_LIT(&b, "{\"direction\":\"");
		if (routed) {
			known = o->route_of &&
				o->route_of(o->route_arg, f->key.owner, &route) == 0;
			OUTBUF_LIT(&b, "routed");
			put_routed_ends(&b, o, f, known ? &route : NULL);
		} else {
			if (active)
				OUTBUF_LIT(&b, "active");
			else
				OUTBUF_LIT(&b, "passive");
			/* A port-less flow's ports are null; its key comes last. */
			if (!ported)
				OUTBUF_LIT(&b, "\",\"local\":{\"addr\":\"localhost\",\"port\":null");
			else if (active)
				OUTBUF_LIT(&b, "\",\"local\":{\"addr\":\"localhost\",\"port\":\"many\"");
			else {
				OUTBUF_LIT(&b, "\",\"local\":{\"addr\":\"localhost\",\"port\":\"");
				outbuf_u64(&b, f->key.port);
				OUTBUF_LIT(&b, "\"");
			}
			/*
			 * The address stays numeric even with a name: a PTR
			 * record is whatever the peer's zone says.  The name
			 * goes last.
			 */
			OUTBUF_LIT(&b, "},\"peer\":{\"addr\":\"");
			outbuf_str(&b, ct_addr_str(f->key.family, &f->key.peer, addr, sizeof addr));
			if (!ported) {
				OUTBUF_LIT(&b, "\",\"port\":null");
			} else {
				OUTBUF_LIT(&b, "\",\"port\":\"");
				if (active)
					outbuf_u64(&b, f->key.port);
				else
					OUTBUF_LIT(&b, "many");
				OUTBUF_LIT(&b, "\"");
			}
			if (name) {
				OUTBUF_LIT(&b, ",\"name\":");
				put_string(&b, name);
			}
			OUTBUF_LIT(&b, "}");
		}
		OUTBUF_LIT(&b, ",\"stat\":{\"total_inbound_packets\":");
		outbuf_u64(&b, f->c.in_packets);
		OUTBUF_LIT(&b, ",\"total_inbound_bytes\":");
		outbuf_u64(&b, f->c.in_bytes);
		OUTBUF_LIT(&b, ",\"total_outbound_packets\":");
		outbuf_u64(&b, f->c.out_packets);
		OUTBUF_LIT(&b, ",\"total_outbound_bytes\":");
		outbuf_u64(&b, f->c.out_bytes);
		OUTBUF_LIT(&b, "},\"proto\":\"");
		outbuf_str(&b, fmt_proto(f->key.proto, pb, sizeof pb));
		OUTBUF_LIT(&b, "\",\"connections\":");
		outbuf_u64(&b, f->conns);
		if (o->owners && !routed)	/* a routed flow is nobody's here */
			put_owner_cached(&b, o, f->key.owner, oc);
		if (o->stream) {
			if (o->interval > 0)
				put_delta(&b, &f->d,
					  o->processes ? flow_proc(&o->side, f) : NULL);
			else
				OUTBUF_LIT(&b, ",\"delta\":null");
		}
		if (routed)
			put_nat(&b, f, known ? &route : NULL);
		if (o->processes) {
			const struct flow_proc *pr = flow_proc(&o->side, f);

			put_process(&b, o, pr);
			if (o->stream && o->interval > 0) {
				char num[32];

				snprintf(num, sizeof num, "%.2f", pr->retrans / o->interval);
				OUTBUF_LIT(&b, ",\"retrans_per_s\":");
				outbuf_str(&b, num);
			} else if (o->stream) {
				OUTBUF_LIT(&b, ",\"retrans_per_s\":null");
			}
		}
		if (ct_proto_is_icmp(f->key.proto)) {
			OUTBUF_LIT(&b, ",\"icmp_type\":");
			outbuf_u64(&b, f->key.port);
		} else if (f->key.proto == CT_PROTO_GRE) {
			OUTBUF_LIT(&b, ",\"gre_key\":");
			outbuf_u64(&b, f->key.port);
		}
		OUTBUF_LIT(&b, "}");
	}
	if (o->stream && o->health) {
		/* The table's health goes last: the keys before it are the older ones. */
		OUTBUF_LIT(&b, "],\"table\":");
		flush(fp, out, &b);
		out_health_json(fp, o->health, 1);
		OUTBUF_LIT(&b, "}\n");
	} else if (o->stream) {
		OUTBUF_LIT(&b, "]}\n");
	} else {
		OUTBUF_LIT(&b, "]\n");
	}
	flush(fp, out, &b);
	free(out);
	free(oc);
	if (fflush(fp) == EOF || ferror(fp)) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}
