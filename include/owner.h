/*
 * owner.h - who owns an address of this machine that is not the viewed
 * namespace's: a container, a pod, a named network namespace.
 *
 * The owner table (owner_table_new/free) holds one owner per network
 * namespace netns_scan() finds (the viewed one is not in it: host.c answers
 * for it, and owner_host() is its owner object for display).  Each owner has
 * its namespace's addresses and listening sockets (netns_load()) and a
 * label.  Built by the first owner_table_refresh() and refreshed by later
 * ones; one thread refreshes and looks up (the collector), nothing locks.
 *
 * Lookups, per conntrack entry:
 *  - owner_lookup(t, family, addr): O(1), one probe sequence in an
 *    open-addressing hash on (family, address) keyed with hash_words()
 *    (SipHash under the process key: addresses come from outside), load at
 *    most 1/2.  NULL: no other namespace of this machine holds the address.
 *  - Loopback addresses (127/8, ::1) are never owned: every namespace has
 *    them.  Nor are IPv6 link-local ones (fe80::/10): each link has its own.
 *  - An address two or more namespaces hold (the same IP in isolated
 *    namespaces) is never guessed: owner_lookup() returns NULL for it, and
 *    owner_ambiguous() says it is on this machine, held more than once, so
 *    the caller can tell it from an address of no namespace here.
 *  - owner_is_listener(t, o, proto, family, port): does a socket of o's
 *    namespace listen on port, on the wildcard or on any address of the
 *    family but loopback (a socket on 127.0.0.1 cannot get traffic from
 *    outside its namespace)?  A binary search in o's sorted listeners.
 * Pointers returned stay valid until the next refresh or free.
 *
 * Labels, cheapest first, best effort (label() in owner.c; the parsers
 * below are owner_label.c):
 *  1. the name of the /run/netns or /run/docker/netns file: kind netns;
 *  2. the cgroup of one member (/proc/PID/cgroup): docker-ID.scope,
 *     /docker/ID, cri-containerd-ID.scope, crio-ID.scope, libpod-ID.scope
 *     give kind container with the 64-hex ID; kubepods...podUID.slice (or
 *     /kubepods/.../podUID) kind pod with the UID (dashes, as Kubernetes
 *     writes it).  A cgroup match wins over a netns file name (CNI names its
 *     files cni-UUID);
 *  3. a pod UID's namespace/name from /var/log/pods/NS_NAME_UID; a Docker
 *     container's name from /var/lib/docker/containers/ID/config.v2.json
 *     (its top-level "Name"); otherwise a container is named by the first
 *     12 hex digits of its ID, a pod by its UID;
 *  4. for a namespace with no name yet: the UTS hostname of the member, if
 *     it has a UTS namespace of its own (checked by inode first: a process
 *     that unshared only the network shares the host's name);
 *  5. the inode: "netns:[4026532...]", which is also the id of kind netns.
 * Names are outside input: owner_sanitize() bounds them to OWNER_NAME_MAX-1
 * bytes of valid UTF-8 with every control byte (C0, DEL, C1) and every
 * invalid sequence replaced by '?'.
 *
 * The cache: owners are keyed by netns inode.  A refresh re-scans the
 * namespaces (a readdir and a stat per process: the steady-state cost) and
 * loads and labels only new ones, ones whose member or name changed (an
 * inode can be reused after a namespace dies), and ones whose data is older
 * than ttl seconds (pod IPs and listeners change), at most max_reload of
 * those per refresh, oldest first.  Namespaces gone are dropped.
 *
 * Privilege: a refresh needs CAP_SYS_ADMIN (setns) and must see other
 * users' /proc/PID/ns (CAP_SYS_PTRACE or root).  Without it, the namespaces
 * it cannot enter keep what they had and are counted in stats.failed.
 */
#ifndef LSCT_OWNER_H
#define LSCT_OWNER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ct.h"
#include "host.h"
#include "netns.h"

#define OWNER_NAME_MAX 128	/* bytes with the NUL */
#define OWNER_ID_MAX 72		/* a 64-hex ID, a UUID, "netns:[N]" */

enum owner_kind { OWNER_HOST = 0, OWNER_CONTAINER, OWNER_POD, OWNER_NETNS };

struct owner {
	enum owner_kind kind;
	char name[OWNER_NAME_MAX];	/* sanitized: printable UTF-8 */
	char id[OWNER_ID_MAX];		/* hex ID, pod UID, or netns:[INODE] */
	uint64_t dev, ino;		/* the namespace; 0, 0 for owner_host() */
	pid_t pid;			/* the member labelled from, 0 none */
	char ns_name[NETNS_NAME_MAX];	/* the raw file name labelled from, "" none */
	struct host_info host;		/* addresses and listeners, finished */
	double loaded;			/* mono_now() of the last load */
	int load_failed;		/* the last load failed: data may be old */
	/*
	 * The owner's number in an owner_reg (flow keys), 0 until
	 * owner_reg_sync() gives it one; kept while the owner lives.
	 */
	uint32_t tag;
};

/* "host", "container", "pod", "netns". */
const char *owner_kind_name(enum owner_kind k);

struct owner_config {
	struct netns_roots roots;	/* /run/netns, /run/docker/netns, /proc */
	const char *pods_dir;		/* "/var/log/pods" */
	const char *docker_dir;		/* "/var/lib/docker/containers" */
	uint64_t self_dev, self_ino;	/* the viewed namespace, skipped */
	const char *host_name;		/* owner_host()'s name */
	double ttl;			/* seconds before data and label are reloaded */
	unsigned max_reload;		/* aged owners reloaded per refresh, at most */
	int uts;			/* 0: no UTS hostname tier (it costs two setns) */
};

/* The real paths, the caller's namespace, ttl 30 s, 16 per refresh, uts on. */
void owner_config_default(struct owner_config *c);

struct owner_stats {
	size_t namespaces;	/* owners in the table after the refresh */
	size_t added, removed, reloaded;
	size_t failed;		/* could not be entered (gone, no privilege) */
	size_t addrs, ambiguous;	/* addresses indexed; held more than once */
};

struct owner_table;
/* c is copied (its strings must outlive the table). */
struct owner_table *owner_table_new(const struct owner_config *c);
void owner_table_free(struct owner_table *t);
/*
 * Re-scans, loads and labels what is new or aged, rebuilds the address
 * index.  now: mono_now().  0, or -1 with errno when the scan itself failed
 * (the table is then unchanged), or EDEADLK: the thread could not go back
 * to its own namespaces after entering one (it must not go on).  st may be
 * NULL.
 */
int owner_table_refresh(struct owner_table *t, double now, struct owner_stats *st);

const struct owner *owner_lookup(const struct owner_table *t, int family,
				 const struct ct_addr *a);
int owner_ambiguous(const struct owner_table *t, int family, const struct ct_addr *a);
int owner_is_listener(const struct owner_table *t, const struct owner *o, int proto,
		      int family, uint16_t port);
const struct owner *owner_host(const struct owner_table *t);
size_t owner_count(const struct owner_table *t);
const struct owner *owner_at(const struct owner_table *t, size_t i);
/* Sets owner i's tag (owner_reg_sync()). */
void owner_set_tag(struct owner_table *t, size_t i, uint32_t tag);

/*
 * For tests: an owner added by hand (no namespace behind it: the next
 * refresh drops it like any namespace no longer found), and the address
 * index rebuilt after such adds.
 */
struct owner *owner_table_add(struct owner_table *t, enum owner_kind kind, const char *name,
			      const char *id, uint64_t ino);
void owner_table_index(struct owner_table *t, struct owner_stats *st);

/*
 * The registry of owner numbers (flow keys carry a 32-bit owner, 0 for the
 * viewed namespace).  owner_reg_sync(), after each refresh, gives every
 * owner of t without a number (or whose label changed since it got one) a
 * new number, never reused while the registry lives, and keeps that
 * number's label (kind, sanitized name, id): flows of a namespace that is
 * gone still print their owner.  A label never changes once published, so
 * a renamed container's flows start again under a new number.  The sync
 * walks the owners once (O(owners)); it returns how many numbers it added.
 * owner_reg_get() copies a number's label out (0: the viewed namespace's,
 * owner_host()); it may be called from any thread (a mutex guards the
 * growth).  Memory: one label (about 200 bytes) per namespace ever seen.
 */
struct owner_label {
	enum owner_kind kind;
	char name[OWNER_NAME_MAX];
	char id[OWNER_ID_MAX];
};
struct owner_reg;
struct owner_reg *owner_reg_new(void);
void owner_reg_free(struct owner_reg *r);
size_t owner_reg_sync(struct owner_reg *r, struct owner_table *t);
/* 0 and *out, or -1 for a number the registry never gave. */
int owner_reg_get(struct owner_reg *r, uint32_t id, struct owner_label *out);
/* Numbers given so far (the highest one). */
uint32_t owner_reg_count(struct owner_reg *r);

/* ---- pure label parsers (outside text in, bounded strings out) ---------- */

/* The runtime form a cgroup path matched. */
struct owner_cgroup {
	enum owner_kind kind;		/* OWNER_CONTAINER, OWNER_POD, or OWNER_HOST: none */
	char container[65];		/* 64 lowercase hex, "" none */
	char pod_uid[37];		/* with dashes, "" none */
	const char *runtime;		/* "docker", "containerd", "cri-o", "podman", "" */
};
/*
 * Reads /proc/PID/cgroup text (len bytes, any NULs or garbage): every
 * line's path, the unified (0::) line first.  0 and *out, with kind
 * OWNER_HOST when nothing matched.
 */
void owner_parse_cgroup(const char *text, size_t len, struct owner_cgroup *out);
/*
 * A /var/log/pods directory name "NS_NAME_UID": 0 with "NS/NAME" in name
 * (sanitized) when its UID is uid, else -1.
 */
int owner_parse_pod_dir(const char *dir, const char *uid, char *name, size_t namelen);
/*
 * The top-level "Name" string of a Docker config.v2.json (len bytes, maybe
 * cut short, maybe hostile), without its leading '/', sanitized into name.
 * 0, or -1 when there is none.  Nested objects' "Name" keys do not count.
 */
int owner_docker_name(const char *json, size_t len, char *name, size_t namelen);
/*
 * Copies at most outlen-1 bytes of in[0..len) into out: valid UTF-8 kept
 * (never cut inside a character), every control byte (C0, DEL, C1
 * U+0080-U+009F) and every byte of an invalid, overlong or surrogate
 * sequence as '?'.  Returns the length written.
 */
size_t owner_sanitize(const char *in, size_t len, char *out, size_t outlen);

#endif
