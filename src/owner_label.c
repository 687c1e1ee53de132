/* owner_label.c - the owner label parsers: outside text in, bounded printable strings out. */
#include "owner.h"

#include <string.h>

#include "lsct.h"

const char *owner_kind_name(enum owner_kind k)
{
	switch (k) {
	case OWNER_CONTAINER: return "container";
	case OWNER_POD: return "pod";
	case OWNER_NETNS: return "netns";
	case OWNER_HOST: break;
	}
	return "host";
}

/* ---- sanitizing ------------------------------------------------------------ */

/* Length of the valid UTF-8 character at s (n bytes left), 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < len)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, past U+10FFFF, and the C1 controls. */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff) || (cp >= 0x80 && cp <= 0x9f))
		return 0;
	return len;
}

size_t owner_sanitize(const char *in, size_t len, char *out, size_t outlen)
{
	const unsigned char *s = (const unsigned char *)in;
	size_t i = 0, o = 0;

	if (!outlen)
		return 0;
	while (i < len) {
		size_t n = utf8_len(s + i, len - i);

		if (n == 1 && (s[i] < 0x20 || s[i] == 0x7f))
			n = 0;
		if (n == 0) {
			if (o + 1 >= outlen)
				break;
			out[o++] = '?';
			i++;
			continue;
		}
		if (o + n >= outlen)
			break;
		memcpy(out + o, s + i, n);
		o += n;
		i += n;
	}
	out[o] = '\0';
	return o;
}

/* ---- cgroup paths ------------------------------------------------------------ */

static int is_hex_lower(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

static int has_prefix(const char *s, size_t n, const char *p)
{
	size_t pl = strlen(p);

	return n >= pl && memcmp(s, p, pl) == 0;
}

static int comp_is(const char *s, size_t n, const char *word)
{
	return n == strlen(word) && memcmp(s, word, n) == 0;
}

/* "PREFIX<64 hex>SUFFIX" exactly: the ID's start, or NULL. */
static const char *id_between(const char *s, size_t n, const char *prefix, const char *suffix)
{
	size_t pl = strlen(prefix), sl = strlen(suffix);

	if (n != pl + 64 + sl || memcmp(s, prefix, pl) != 0 || memcmp(s + pl + 64, suffix, sl))
		return NULL;
	return is_hex_lower(s + pl, 64) ? s + pl : NULL;
}

/*
 * A pod UID of 36 characters (8-4-4-4-12 hex, '_' for '-' as systemd
 * writes it) into uid with dashes; 0, or -1.
 */
static int pod_uid(const char *s, size_t n, char uid[37])
{
	if (n != 36)
		return -1;
	for (size_t i = 0; i < 36; i++) {
		char c = s[i];

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (c != '-' && c != '_')
				return -1;
			uid[i] = '-';
		} else if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) {
			uid[i] = c;
		} else {
			return -1;
		}
	}
	uid[36] = '\0';
	return 0;
}

/* One path component; prev is the one before it ("" at the root). */
static void cgroup_component(const char *c, size_t n, const char *prev, size_t pn,
			     struct owner_cgroup *out)
{
	static const struct {
		const char *prefix, *suffix, *runtime;
	} forms[] = {
		{ "docker-", ".scope", "docker" },
		{ "cri-containerd-", ".scope", "containerd" },
		{ "crio-", ".scope", "cri-o" },
		{ "libpod-", ".scope", "podman" },
	};
	const char *id = NULL, *runtime = "";

	for (size_t i = 0; !id && i < ARRAY_LEN(forms); i++)
		if ((id = id_between(c, n, forms[i].prefix, forms[i].suffix)))
			runtime = forms[i].runtime;
	/* cgroupfs drivers: /docker/ID, /kubepods/.../podUID/ID. */
	if (!id && n == 64 && is_hex_lower(c, 64)) {
		id = c;
		runtime = comp_is(prev, pn, "docker") ? "docker" : "";
	}
	if (id && !out->container[0]) {
		memcpy(out->container, id, 64);
		out->container[64] = '\0';
		out->runtime = runtime;
	}
	if (!out->pod_uid[0]) {
		/*
		 * systemd: kubepods-besteffort-pod<uid>.slice, kubepods-pod<uid>.slice;
		 * cgroupfs: /kubepods/pod<uid>, /kubepods/{besteffort,burstable}/pod<uid>.
		 */
		const char *p = NULL;
		size_t len = 0;

		if (has_prefix(c, n, "kubepods") && n > 6 && memcmp(c + n - 6, ".slice", 6) == 0) {
			const char *q = memmem(c, n, "-pod", 4);

			if (q) {
				p = q + 4;
				len = (size_t)(c + n - 6 - p);
			}
		} else if (has_prefix(c, n, "pod") &&
			   (comp_is(prev, pn, "kubepods") || comp_is(prev, pn, "besteffort") ||
			    comp_is(prev, pn, "burstable"))) {
			p = c + 3;
			len = n - 3;
		}
		if (p && pod_uid(p, len, out->pod_uid) < 0)
			out->pod_uid[0] = '\0';
	}
}

static void cgroup_path(const char *p, size_t n, struct owner_cgroup *out)
{
	const char *prev = "";
	size_t pn = 0, i = 0;

	while (i < n) {
		size_t j = i;

		while (j < n && p[j] != '/')
			j++;
		if (j > i) {
			cgroup_component(p + i, j - i, prev, pn, out);
			prev = p + i;
			pn = j - i;
		}
		i = j + 1;
	}
}

void owner_parse_cgroup(const char *text, size_t len, struct owner_cgroup *out)
{
	memset(out, 0, sizeof *out);
	out->runtime = "";
	/* Two passes: the unified hierarchy's line (0::) first, then the others. */
	for (int pass = 0; pass < 2; pass++) {
		size_t i = 0;

		while (i < len) {
			const char *line = text + i, *nl = memchr(line, '\n', len - i);
			size_t ll = nl ? (size_t)(nl - line) : len - i;
			const char *c1 = memchr(line, ':', ll), *c2;
			int unified;

			i += ll + 1;
			if (!c1)
				continue;
			c2 = memchr(c1 + 1, ':', ll - (size_t)(c1 + 1 - line));
			if (!c2)
				continue;
			unified = c1 == line + 1 && line[0] == '0' && c2 == c1 + 1;
			if (unified != (pass == 0))
				continue;
			cgroup_path(c2 + 1, ll - (size_t)(c2 + 1 - line), out);
		}
	}
	out->kind = out->pod_uid[0] ? OWNER_POD : out->container[0] ? OWNER_CONTAINER : OWNER_HOST;
}

int owner_parse_pod_dir(const char *dir, const char *uid, char *name, size_t namelen)
{
	const char *first = strchr(dir, '_'), *last = strrchr(dir, '_');
	char shown[OWNER_NAME_MAX];
	size_t n;

	if (!first || first == last || first == dir || last == first + 1 ||
	    strcmp(last + 1, uid) != 0)
		return -1;
	n = (size_t)(last - dir);
	if (n >= sizeof shown)
		n = sizeof shown - 1;
	/*
	 * A namespace longer than the label (Kubernetes allows 63 bytes) is no
	 * pod directory: the pod keeps its UID as its name.
	 */
	if ((size_t)(first - dir) >= n)
		return -1;
	memcpy(shown, dir, n);
	shown[first - dir] = '/';	/* first < n: inside the copy */
	owner_sanitize(shown, n, name, namelen);
	return 0;
}

/* ---- config.v2.json's "Name" -------------------------------------------------- */

/*
 * Past the JSON string starting at s[i] (the opening quote): the index
 * after its closing quote, or len when cut short.
 */
static size_t skip_string(const char *s, size_t len, size_t i)
{
	for (i++; i < len; i++) {
		if (s[i] == '\\')
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return len;
}

static size_t skip_space(const char *s, size_t len, size_t i)
{
	while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

/* The string value at s[i] (its quote) decoded into out: simple escapes; \u as '?'. */
static int json_string(const char *s, size_t len, size_t i, char *out, size_t outlen)
{
	char raw[OWNER_NAME_MAX * 2];
	size_t n = 0;

	for (i++; i < len; i++) {
		char c = s[i];

		if (c == '"') {
			size_t skip = n > 0 && raw[0] == '/';

			if (n == skip)
				return -1;
			owner_sanitize(raw + skip, n - skip, out, outlen);
			return 0;
		}
		if (c == '\\') {
			if (++i >= len)
				return -1;
			switch (s[i]) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'u':
				/* Not decoded: a name with one is shown with '?'. */
				c = '?';
				i += 4;
				if (i >= len)
					return -1;
				break;
			default: c = s[i]; break;
			}
		}
		if (n < sizeof raw)
			raw[n++] = c;
	}
	return -1;
}

int owner_docker_name(const char *json, size_t len, char *name, size_t namelen)
{
	size_t i = 0;
	int depth = 0;

	while (i < len) {
		char c = json[i];

		if (c == '"') {
			size_t end = skip_string(json, len, i), v;

			if (depth == 1 && end - i == 6 && memcmp(json + i, "\"Name\"", 6) == 0) {
				v = skip_space(json, len, end);
				if (v < len && json[v] == ':') {
					v = skip_space(json, len, v + 1);
					if (v < len && json[v] == '"')
						return json_string(json, len, v, name, namelen);
				}
			}
			i = end;
			continue;
		}
		if (c == '{' || c == '[')
			depth++;
		else if (c == '}' || c == ']')
			depth--;
		if (depth < 0)
			return -1;
		i++;
	}
	return -1;
}
