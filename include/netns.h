/*
 * netns.h - the network namespaces of this machine, found without any
 * container runtime's API, and the way into one of them.
 *
 * Enumeration (netns_scan()): the bind-mounted files of /run/netns (ip
 * netns, CNI) and /run/docker/netns (Docker's sandboxes), then every
 * /proc/PID/ns/net.  Namespaces are told apart by the nsfs inode (st_dev and
 * st_ino of the file, which for /proc/PID/ns/net is the link's target), so a
 * named namespace that also has processes is found once, with its name and
 * one member PID (the lowest).  The viewed namespace (the caller's, or the
 * one --netns named) is skipped.  Needs privilege to see other users'
 * processes' namespaces (stat of /proc/PID/ns/net is a ptrace-read check):
 * unprivileged, the namespaces found are only named ones and the user's own.
 *
 * What is inside (netns_load()): the calling thread enters the namespace
 * with setns(CLONE_NEWNET), dumps its addresses through a NETLINK_ROUTE
 * socket (one RTM_GETADDR dump, IPv4 and IPv6: 12-13 us against 19-33 us
 * for getifaddrs(), which dumps the links too) and its listeners through NETLINK_SOCK_DIAG
 * (host.c's dumps), closes both and goes back: about 0.2 ms a namespace
 * (doc/performance.md).  The /proc/PID/net files of a member were not
 * chosen: a named namespace may have no member, IPv4 addresses are not in
 * any /proc/net file but fib_trie, and /proc/net/tcp walks every
 * connection.  Needs CAP_SYS_ADMIN (setns): call it before the privilege
 * drop or from a thread that keeps it.  A network namespace belongs to a
 * thread, not the process: other threads are not affected meanwhile.
 *
 * The --netns argument (netns_arg_path(), netns_open()): NAME is
 * /run/netns/NAME, an all-digit argument /proc/PID/ns/net, anything with a
 * '/' the path as given.  netns_enter()/netns_leave() wrap the setns pair.
 *
 * Pure parts (the argument, the list and its deduplication) never touch the
 * system and are unit-tested; the rest returns -1 with errno.
 */
#ifndef LSCT_NETNS_H
#define LSCT_NETNS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "host.h"

/* A file name in /run/netns or /run/docker/netns, whole (NAME_MAX + 1). */
#define NETNS_NAME_MAX 256

/* Where a namespace was found first (the most specific source). */
enum netns_src {
	NETNS_SRC_RUN = 0,	/* /run/netns/NAME */
	NETNS_SRC_DOCKER,	/* /run/docker/netns/NAME */
	NETNS_SRC_PROC,		/* only through /proc/PID/ns/net */
};

/* One namespace: its identity, its name when it has one, one member. */
struct netns_ref {
	uint64_t dev, ino;		/* of the nsfs inode: the identity */
	pid_t pid;			/* lowest member PID, 0: none seen */
	enum netns_src src;
	char name[NETNS_NAME_MAX];	/* file name (raw bytes, NUL-ended), "" unnamed */
};

/* The list netns_scan() fills; embedded by the caller (init/fini). */
struct netns_list {
	struct netns_ref *v;
	size_t n, cap;
	/* Open-addressing index on (dev, ino) into v; slots hold index+1. */
	uint32_t *slot;
	size_t nslots;
};

/* Where to look; netns_roots_default() gives the real paths. */
struct netns_roots {
	const char *run;	/* "/run/netns" */
	const char *docker;	/* "/run/docker/netns" */
	const char *proc;	/* "/proc" */
};

void netns_roots_default(struct netns_roots *r);

void netns_list_init(struct netns_list *l);
void netns_list_fini(struct netns_list *l);
void netns_list_clear(struct netns_list *l);
/*
 * Adds one sighting of the namespace (dev, ino): the first adds it; a later
 * one adds what it lacks (a name from a more specific source, a lower PID).
 * name may be NULL, pid 0.  Returns its index in l->v.
 */
size_t netns_list_add(struct netns_list *l, uint64_t dev, uint64_t ino, enum netns_src src,
		      const char *name, pid_t pid);
/* The index of (dev, ino) in l->v, or -1. */
long netns_list_find(const struct netns_list *l, uint64_t dev, uint64_t ino);

/*
 * Clears l and fills it with every namespace under roots except (skip_dev,
 * skip_ino) (the viewed one; 0, 0: none skipped).  Unreadable entries are
 * skipped (a process that exits mid-scan, a file that is not a namespace).
 * Returns 0, or -1 with errno when roots->proc cannot be read.
 */
int netns_scan(struct netns_list *l, const struct netns_roots *roots, uint64_t skip_dev,
	       uint64_t skip_ino);

/* The identity of the calling thread's network namespace; -1/errno. */
int netns_self(uint64_t *dev, uint64_t *ino);

/*
 * The path a --netns argument names, into path (PATH_MAX bytes): NAME ->
 * /run/netns/NAME (run_dir), an all-digit PID -> /proc/PID/ns/net, an
 * argument with '/' -> itself.  -1 with a one-line reason in err: empty,
 * ".", "..", too long.
 */
int netns_arg_path(const char *arg, const char *run_dir, char *path, size_t pathlen,
		   char *err, size_t errlen);
/*
 * Opens path as a network namespace (O_RDONLY|O_CLOEXEC) and checks that
 * it is one (NS_GET_NSTYPE).  The fd, or -1 with errno: ENOENT none,
 * EINVAL a file that is not a network namespace, EACCES/EPERM not
 * permitted.
 */
int netns_open(const char *path);
/*
 * Moves the calling thread into the namespace fd (from netns_open()) and
 * returns a descriptor of the namespace it was in, for netns_leave(); -1
 * with errno (EPERM without CAP_SYS_ADMIN).  netns_leave() goes back and
 * closes back; 0 or -1 with errno (the thread then stays inside: the caller
 * must not go on).
 */
int netns_enter(int fd);
int netns_leave(int back);

/*
 * Loads the addresses and listening sockets of the namespace r into h (not
 * finished: the caller calls host_finish()).  path_buf: the file used,
 * /run/... for a named one, /proc/PID/ns/net otherwise.  0, or -1 with errno
 * (the namespace is gone, no privilege); on -1 the thread is back in its own
 * namespace, or the error is EDEADLK: it could not go back (fatal).
 */
int netns_load(const struct netns_ref *r, const struct netns_roots *roots, struct host_info *h);
/* Every IPv4 and IPv6 address of the calling thread's namespace, by RTM_GETADDR. */
int netns_load_addrs(struct host_info *h);

#endif
