/*
 * procs.h - which process holds each socket (-P): inode -> pid, comm, uid,
 * and the socket's cgroup -> systemd unit or container.
 *
 * Cost model (doc/performance.md): reading a process's descriptors is
 * about 4.7 us per descriptor, so /proc/PID/fd is walked in full once, at
 * the first procs_attribute(), and afterwards only for sockets whose inode
 * is not known yet: first the processes of that socket's cgroup
 * (cgroup.procs, cgroup v2 ids from sock_diag), then processes not seen
 * before, then known processes whose /proc/PID/fd changed since it was
 * read (one stat each: its size counts open descriptors since Linux 6.2),
 * the smallest first, PROCS_CHANGED_FDS descriptors per call at most;
 * a full walk again only for sockets without a cgroup id, at most every
 * PROCS_FULL_EVERY seconds.  An inode looked for and not found is
 * not looked for again while its socket lives.  New processes are read
 * only until every inode looked for is found.
 *
 * Steady state: a record whose socket (kernel cookie and inode) was in
 * the previous call's dump, at about the same place (the kernel dumps in
 * hash-bucket order), takes the number it had without an inode lookup;
 * one carried without a process is looked up again once a scan has found
 * some inode looked for, and one whose cgroup was not in the cgroup tree
 * once a walk of the tree (on a miss, at most every 10 s) finds other
 * cgroups.
 *
 * Processes are numbered (procs.h numbers, 1 up, never reused) by pid and
 * start time, so a reused PID is a new number: a connection is never
 * shown with a later process that got its PID.  A socket whose process is
 * not readable (another user's, without CAP_SYS_PTRACE) still gets a
 * number for its uid and unit, with pid 0; procs_partial() then says so.
 *
 * Threads: procs_attribute() from one thread (the one that dumps);
 * procs_get() from any.
 */
#ifndef LSCT_PROCS_H
#define LSCT_PROCS_H

#include <stddef.h>
#include <stdint.h>

struct socks;

#define PROCS_FULL_EVERY 30	/* seconds between full walks, at most */
/* Descriptors read per call for processes whose descriptors changed, at most. */
#define PROCS_CHANGED_FDS 4000

struct proc_info {
	int32_t pid;		/* 0: not known (only uid and unit) */
	uint32_t uid;		/* the socket's owner (sock_diag) */
	uint64_t start;		/* start time, clock ticks after boot (stat field 22) */
	char comm[16];		/* /proc/PID/stat's name, "" when pid is 0 */
	char unit[64];		/* systemd unit or container of its cgroup; "" none */
};

struct procs_stats {
	uint64_t walks;		/* full walks of /proc */
	uint64_t scans;		/* processes whose descriptors were read */
	uint64_t fds;		/* descriptors read */
	uint64_t unknown;	/* sockets with an inode and no process, last call */
	double cost;		/* seconds, last procs_attribute() */
};

struct procs;

/* proc_root and cgroup_root: NULL for /proc and /sys/fs/cgroup (tests give others). */
struct procs *procs_new(const char *proc_root, const char *cgroup_root);
void procs_free(struct procs *p);

/*
 * Gives every record of s with an inode its process number (sock_rec.proc),
 * 0 when none was found.  now: monotonic seconds.  Never fails: what
 * cannot be read stays unknown.
 */
void procs_attribute(struct procs *p, struct socks *s, double now);

/* Copies number id out; -1 when there is no such number.  Any thread. */
int procs_get(struct procs *p, uint32_t id, struct proc_info *out);

/* Some process's descriptors could not be read for lack of permission. */
int procs_partial(struct procs *p);

void procs_stats(struct procs *p, struct procs_stats *out);

/*
 * The unit of a cgroup v2 path ("/system.slice/nginx.service"): the last
 * component that is a systemd unit (.service, .scope, .socket, .mount,
 * .slice below the top), a container runtime's scope shortened to
 * "docker:ID12" / "podman:ID12" / "containerd:ID12" / "crio:ID12", or a
 * "/docker/ID" or "/kubepods/.../ID" directory alike.  Writes "" when
 * none.  Pure.
 */
void procs_cgroup_unit(const char *path, char *out, size_t len);

/*
 * The short text of a flow's process: "comm[pid]", for pid 0 its unit or
 * "uid=N", then "+K" when K more processes hold its sockets (nprocs - 1);
 * pi NULL: "-".  Always terminated.  Pure.
 */
void procs_label(const struct proc_info *pi, unsigned nprocs, char *buf, size_t len);
#define PROCS_LABEL_MAX 96

#endif
