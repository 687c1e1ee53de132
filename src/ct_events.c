/* PLACEHOLDER until branch s12-events lands: no events, every call fails softly. */
#include "ct_events.h"
#include <errno.h>
struct ct_events *ct_events_open(size_t rcvbuf) { (void)rcvbuf; errno = ENOSYS; return 0; }
int ct_events_start(struct ct_events *ev) { (void)ev; return -1; }
size_t ct_events_drain(struct ct_events *ev, const struct ct_sink *sink) { (void)ev; (void)sink; return 0; }
void ct_events_stats(struct ct_events *ev, struct ct_events_stats *st) { (void)ev; (void)st; }
void ct_events_close(struct ct_events *ev) { (void)ev; }
int ct_events_parse(const void *msg, size_t len, struct ct_entry *out) { (void)msg; (void)len; (void)out; return -1; }
