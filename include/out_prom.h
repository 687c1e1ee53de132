/*
 * out_prom.h - the Prometheus exposition of metrics.h, and the textfile.
 *
 * prom_render() writes the last frame's metrics in one of the two text
 * dialects into a malloc'd buffer the caller owns:
 *  - PROM_TEXT004: the text format 0.0.4 (node_exporter's textfile
 *    collector, Accept: text/plain);
 *  - PROM_OPENMETRICS: OpenMetrics 1.0 (counter families named without
 *    _total in HELP and TYPE, their samples with it; "# EOF" last).
 * No timestamps (the textfile collector rejects them); each series once;
 * label values and HELP escaped as each dialect requires.
 *
 * The textfile: prom_file_open() opens FILE's directory (call it before
 * the privilege drop: the directory is then found even if the path is not
 * searchable by the user we drop to); prom_file_write() writes the text to
 * a hidden temporary file in it (".FILE.tmp": node_exporter reads only
 * *.prom), flushes it to disk and renames it over FILE, so a reader sees
 * the old file or the new one, never a part.  On any failure the
 * temporary file is removed and FILE stays as it was.  Writing needs the
 * directory to be writable by the user we run as (doc/prometheus.md).
 */
#ifndef LSCT_OUT_PROM_H
#define LSCT_OUT_PROM_H

#include <stddef.h>
#include "metrics.h"

enum prom_dialect { PROM_TEXT004 = 0, PROM_OPENMETRICS };

/* *out malloc'd (not NUL-terminated), *len its length.  Never fails (OOM aborts). */
void prom_render(struct metrics *mx, enum prom_dialect d, char **out, size_t *len);

/*
 * Escaping, into dst (room for 2 * n bytes); returns the length written.
 * A label value: backslash, double quote and newline.  HELP: backslash
 * and newline in 0.0.4; also the double quote in OpenMetrics.
 */
size_t prom_escape_label(char *dst, const char *s, size_t n);
size_t prom_escape_help(char *dst, const char *s, size_t n, enum prom_dialect d);

struct prom_file;
/*
 * 0 and *pf, or -1 with errno and a one-line reason in err (the directory
 * cannot be opened, or FILE's name is empty, ".", "..", or ends in ".tmp").
 */
int prom_file_open(const char *path, struct prom_file **pf, char *err, size_t errlen);
/* 0, or -1 with errno (FILE unchanged, no temporary file left). */
int prom_file_write(struct prom_file *pf, const char *text, size_t n);
/* The directory's owner and mode (fstat). */
struct stat;
int prom_file_dir_stat(const struct prom_file *pf, struct stat *st);
/* The directory's descriptor (the sandbox's SANDBOX_FILES). */
int prom_file_dirfd(const struct prom_file *pf);
/* 0 if the user we now are may create files in the directory, or -1/errno. */
int prom_file_writable(const struct prom_file *pf);
/* The path given to prom_file_open(). */
const char *prom_file_path(const struct prom_file *pf);
void prom_file_close(struct prom_file *pf);

/*
 * The metrics outputs of a run, fed by the monitor's on_frame
 * (monitor.h): prom_out_frame() with a struct prom_out as its arg feeds
 * every frame to mx, then after every dump (and between dumps at most once
 * a second) renders 0.0.4 into pf (when not NULL) and both dialects to
 * sink (when its publish is set).  A failed write sets f->out_err; the
 * next frame tries again.  Everything here is borrowed.
 */
struct prom_out {
	struct metrics *mx;
	struct prom_file *pf;
	struct metrics_sink sink;
	int file_openmetrics;	/* pf gets OpenMetrics (LSCT_PROM_OPENMETRICS=1, for tests) */
	int rendered;		/* private */
	double last;		/* private: monotonic seconds of the last render */
	char err[160];		/* private: the last write's failure, "" */
};
struct flow;
void prom_out_frame(void *arg, struct mon_frame *f, const struct flow *flows,
		    const struct flow_proc *procs, size_t n);

#endif
