/*
 * out_stats.c - the table's health: its size and the kernel's statistics,
 * once for --stats (lines or a JSON object) and as each NDJSON line's
 * "table".  What is unknown is written as "-" or null, never as 0.
 */
#include "out.h"

#include <errno.h>
#include <inttypes.h>

/* The order of the output: the four that say the table is in trouble first. */
static const enum ct_stat shown[] = {
	CT_STAT_DROP, CT_STAT_EARLY_DROP, CT_STAT_INSERT_FAILED, CT_STAT_INVALID,
	CT_STAT_FOUND, CT_STAT_INSERT, CT_STAT_ERROR, CT_STAT_SEARCH_RESTART,
	CT_STAT_CLASH_RESOLVE, CT_STAT_CHAIN_TOOLONG,
};

static int has_stat(const struct ct_stats *ct, enum ct_stat s)
{
	return ct && ct->cpus && (ct->have & (1u << s));
}

static void json_i64(FILE *fp, const char *key, int64_t v, int first)
{
	if (v < 0)
		fprintf(fp, "%s\"%s\":null", first ? "" : ",", key);
	else
		fprintf(fp, "%s\"%s\":%" PRId64, first ? "" : ",", key, v);
}

static int finish(FILE *fp)
{
	if (fflush(fp) == EOF || ferror(fp)) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}

int out_health_json(FILE *fp, const struct out_health *h, int rates)
{
	const struct ct_stats_rate *r = h->rate;

	fputc('{', fp);
	json_i64(fp, "entries", h->entries, 1);
	json_i64(fp, "max", h->max, 0);
	for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
		if (has_stat(h->ct, shown[i]))
			fprintf(fp, ",\"%s\":%" PRIu64, ct_stat_name(shown[i]), h->ct->v[shown[i]]);
		else
			fprintf(fp, ",\"%s\":null", ct_stat_name(shown[i]));
	}
	if (rates) {
		if (!r || !(r->seconds > 0) || !h->ct || !h->ct->cpus) {
			fputs(",\"rates\":null", fp);
		} else {
			fputs(",\"rates\":{", fp);
			for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++) {
				const char *sep = i ? "," : "";

				if (r->have & (1u << shown[i]))
					fprintf(fp, "%s\"%s\":%.3f", sep, ct_stat_name(shown[i]),
						r->v[shown[i]]);
				else
					fprintf(fp, "%s\"%s\":null", sep, ct_stat_name(shown[i]));
			}
			fputc('}', fp);
		}
	}
	fputc('}', fp);
	return ferror(fp) ? -1 : 0;
}

/* A line of the --stats table: the name, then the value or "-". */
static void line(FILE *fp, const char *name, int known, uint64_t v)
{
	if (known)
		fprintf(fp, "%-15s %" PRIu64 "\n", name, v);
	else
		fprintf(fp, "%-15s -\n", name);
}

int out_stats_write(FILE *fp, const struct out_health *h, int json)
{
	errno = 0;
	if (json) {
		out_health_json(fp, h, 0);
		fputc('\n', fp);
		return finish(fp);
	}
	line(fp, "entries", h->entries >= 0, (uint64_t)h->entries);
	line(fp, "max", h->max >= 0, (uint64_t)h->max);
	if (h->entries >= 0 && h->max > 0)
		fprintf(fp, "%-15s %" PRId64 "%%\n", "used", h->entries * 100 / h->max);
	else
		fprintf(fp, "%-15s -\n", "used");
	for (size_t i = 0; i < sizeof shown / sizeof shown[0]; i++)
		line(fp, ct_stat_name(shown[i]), has_stat(h->ct, shown[i]),
		     h->ct ? h->ct->v[shown[i]] : 0);
	return finish(fp);
}
