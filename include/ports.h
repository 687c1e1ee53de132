/*
 * ports.h - the port filter language shared by --aport/--pport and the
 * monitor's `a`/`p` prompts.
 *
 *   LIST  := ITEM { "," ITEM }
 *   ITEM  := [ "!" ] PORT [ "-" PORT ]        PORT is 0..65535
 *
 * A port matches when it is in some positive item (or there is none) and in
 * no negated item: "3306,11211", "8000-8099", "!22", "1-1023,!22".
 * Parsing more text into the same filter adds items (repeated flags).
 */
#ifndef LSCT_PORTS_H
#define LSCT_PORTS_H

#include <stddef.h>
#include <stdint.h>

struct port_range {
	uint16_t lo, hi;	/* inclusive */
	uint8_t negate;
};

struct port_filter {
	struct port_range *r;	/* owned, n items */
	size_t n, cap;
	size_t npos;		/* positive items among them */
};

void port_filter_init(struct port_filter *f);
void port_filter_fini(struct port_filter *f);
void port_filter_clear(struct port_filter *f);
/* Initializes dst as a copy of src (NULL: an empty filter). */
void port_filter_copy(struct port_filter *dst, const struct port_filter *src);

/*
 * Adds the items of text to f.  Returns 0, or -1 leaving f unchanged and a
 * one-line reason in err (e.g. "port 70000 is out of range (0-65535)").
 */
int port_filter_parse(struct port_filter *f, const char *text, char *err, size_t errlen);

/* True if f has no items (matches everything). */
int port_filter_empty(const struct port_filter *f);
int port_filter_match(const struct port_filter *f, uint16_t port);
/* True if port is named by a positive item (used as "a server port"). */
int port_filter_names(const struct port_filter *f, uint16_t port);

/* Writes f back in canonical text form ("3306,8000-8099,!22"). */
void port_filter_str(const struct port_filter *f, char *buf, size_t len);

#endif
