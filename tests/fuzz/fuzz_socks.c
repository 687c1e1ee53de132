/*
 * fuzz_socks.c - libFuzzer target for the -P parsers: the input as one
 * sock_diag answer to socks_parse_msg() (socks.c), and, NUL-ended, as a
 * cgroup path to procs_cgroup_unit() (procs.c) with a few output sizes.
 *
 * Invariants (a violation traps): a parsed record has family AF_INET or
 * AF_INET6, an IPv4 record's address bytes past the fourth are zero, and
 * tcp_info fields are zero unless has_info; a refused message writes a
 * NUL-ended reason; a unit is NUL-ended inside its buffer and is "" or
 * has no '/'.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "procs.h"
#include "socks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)

static const uint8_t zero12[12];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t sizes[] = { 1, 8, 64 };
	struct sock_rec r;
	char err[128], *copy, unit[64];
	/* Aligned, as the dump's buffer is. */
	uint64_t *buf = malloc(size + 8);

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	memset(err, 'x', sizeof err);
	if (socks_parse_msg(buf, size, &r, err, sizeof err) == 0) {
		CHECK(r.family == AF_INET || r.family == AF_INET6);
		if (r.family == AF_INET)
			CHECK(memcmp(r.laddr.b + 4, zero12, 12) == 0);
		if (!r.has_info)
			CHECK(r.rtt_us == 0 && r.total_retrans == 0 && r.lost == 0 &&
			      r.unacked == 0);
	} else {
		CHECK(memchr(err, '\0', sizeof err) != NULL);
	}
	free(buf);

	copy = malloc(size + 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		memset(unit, 'x', sizeof unit);
		procs_cgroup_unit(copy, unit, sizes[i]);
		CHECK(memchr(unit, '\0', sizes[i]) != NULL);
		CHECK(strchr(unit, '/') == NULL);
	}
	free(copy);
	return 0;
}
