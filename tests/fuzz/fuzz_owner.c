/*
 * fuzz_owner.c - libFuzzer target for the owner label parsers (owner_label.c):
 * the input, as bytes, to owner_parse_cgroup() (/proc/PID/cgroup text),
 * owner_docker_name() (config.v2.json), owner_sanitize() with a few output
 * sizes, and, NUL-ended, to owner_parse_pod_dir() (a /var/log/pods name)
 * with a fixed UID.
 *
 * Invariants (a violation traps): every string out is NUL-ended inside its
 * buffer, holds no control byte (C0, DEL, C1) and is valid UTF-8 (it
 * sanitizes to itself); a container ID is "" or 64 lowercase hex digits; a
 * pod UID is "" or 8-4-4-4-12 lowercase hex with dashes; the kind agrees
 * with them; owner_sanitize() returns the length it wrote.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "owner.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) __builtin_trap(); } while (0)
#define UID "1a2b3c4d-5e6f-7081-92a3-b4c5d6e7f809"

/* s (NUL-ended within cap) is printable UTF-8 and sanitizes to itself. */
static void clean(const char *s, size_t cap)
{
	char again[512];
	size_t n = strnlen(s, cap);

	CHECK(n < cap);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		CHECK(c >= 0x20 && c != 0x7f);
	}
	if (n < sizeof again) {
		CHECK(owner_sanitize(s, n, again, sizeof again) == n);
		CHECK(memcmp(again, s, n + 1) == 0);
	}
}

static int hexdigits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	struct owner_cgroup cg;
	char name[OWNER_NAME_MAX], small[5], *z;
	static const size_t outs[] = { 1, 2, 3, 4, 7, OWNER_NAME_MAX };

	owner_parse_cgroup(in, size, &cg);
	CHECK(strlen(cg.container) == 0 || (strlen(cg.container) == 64 && hexdigits(cg.container, 64)));
	if (cg.pod_uid[0]) {
		CHECK(strlen(cg.pod_uid) == 36);
		for (size_t i = 0; i < 36; i++)
			CHECK(i == 8 || i == 13 || i == 18 || i == 23 ? cg.pod_uid[i] == '-' :
			      hexdigits(cg.pod_uid + i, 1));
	}
	CHECK(cg.kind == (cg.pod_uid[0] ? OWNER_POD : cg.container[0] ? OWNER_CONTAINER : OWNER_HOST));
	CHECK(cg.runtime != NULL);

	memset(name, 'X', sizeof name);
	if (owner_docker_name(in, size, name, sizeof name) == 0) {
		clean(name, sizeof name);
		CHECK(name[0] != '\0');
	}

	for (size_t k = 0; k < sizeof outs / sizeof outs[0]; k++) {
		char *out = malloc(outs[k]);
		size_t n = owner_sanitize(in, size, out, outs[k]);

		CHECK(n < outs[k] && strlen(out) == n);
		clean(out, outs[k]);
		free(out);
	}

	z = malloc(size + 1);
	memcpy(z, data, size);
	z[size] = '\0';
	if (owner_parse_pod_dir(z, UID, name, sizeof name) == 0) {
		clean(name, sizeof name);
		CHECK(strchr(name, '/') != NULL);
	}
	if (owner_parse_pod_dir(z, UID, small, sizeof small) == 0)
		clean(small, sizeof small);
	free(z);
	return 0;
}
