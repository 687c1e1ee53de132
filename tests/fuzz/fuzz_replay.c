/*
 * fuzz_replay.c - libFuzzer target for the recording reader (replay.c):
 * the input, split at newlines, line by line into one parser
 * (replay_parse_line(), so change lines meet the keyframes before them),
 * and whole, as a file, through the index (replay_open()) and every
 * snapshot it found (replay_frame(), in order and backwards).
 *
 * Invariants (a violation traps): a line is one snapshot or none; a frame
 * has at most as many flows as lines could define; every flow has an
 * AF_INET or AF_INET6 address and a protocol the schema names; lines
 * read are the snapshots plus the lines skipped; the index holds no more
 * snapshots than lines.
 */
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static void frame_free(struct mon_frame *f)
{
	if (!f)
		return;
	free(f->own_flows);
	free(f->conns);
	free(f);
}

static void check_frame(const struct replay *r, const struct mon_frame *f, size_t size)
{
	CHECK(f->nflows <= size);
	for (size_t i = 0; i < f->nflows; i++) {
		const struct flow *x = &f->flows[i];

		CHECK(x->key.family == AF_INET || x->key.family == AF_INET6);
		CHECK(x->key.proto == IPPROTO_TCP || x->key.proto == IPPROTO_UDP ||
		      x->key.proto == IPPROTO_UDPLITE || x->key.proto == IPPROTO_SCTP ||
		      x->key.proto == IPPROTO_DCCP || x->key.proto == IPPROTO_ICMP ||
		      x->key.proto == IPPROTO_ICMPV6 || x->key.proto == IPPROTO_GRE);
		CHECK(x->key.dir <= FLOW_ROUTED);
		/* A routed flow is shown only with its client and NAT interned. */
		if (x->key.dir == FLOW_ROUTED) {
			struct flow_route fr;

			CHECK(replay_route(r, x->key.owner, &fr) == 0);
			CHECK(fr.family == x->key.family);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct replay *r = replay_new_parser();
	const char *p = (const char *)data, *end = p + size;
	uint64_t snaps = 0;
	char err[256];
	int fd;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		int rc = replay_parse_line(r, p, len);

		CHECK(rc == 0 || rc == 1);
		if (rc == 1) {
			struct mon_frame *f = replay_state_frame(r);

			check_frame(r, f, size);
			frame_free(f);
			snaps++;
		}
		p += len + 1;
	}
	CHECK(replay_stats(r)->snapshots == snaps);
	CHECK(replay_stats(r)->lines == snaps + replay_skipped(replay_stats(r)));
	replay_free(r);

	fd = memfd_create("fuzz_replay", MFD_CLOEXEC);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	r = replay_open(fd, err, sizeof err);
	if (!r)
		return 0;
	CHECK(replay_count(r) <= replay_stats(r)->lines);
	for (size_t i = 0; i < replay_count(r); i++) {
		struct mon_frame *f = replay_frame(r, i);

		if (f)
			check_frame(r, f, size);
		frame_free(f);
	}
	for (size_t i = replay_count(r); i-- > 0;)
		frame_free(replay_frame(r, i));
	replay_free(r);
	return 0;
}
