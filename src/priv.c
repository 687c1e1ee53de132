/*
 * priv.c - drop to an unprivileged user, keeping at most CAP_NET_ADMIN (and,
 * with owners, what entering namespaces needs).
 */
#include "priv.h"

#include <cap-ng.h>
#include <errno.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#define FALLBACK_ID 65534	/* "nobody" on Debian and most others */

/* The user root drops to: the dedicated one, else nobody. */
static void unprivileged_user(uid_t *uid, gid_t *gid)
{
	static const char *const names[] = { PRIV_USER, "nobody" };
	const struct passwd *pw;

	*uid = FALLBACK_ID;
	*gid = FALLBACK_ID;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		pw = getpwnam(names[i]);
		if (pw && pw->pw_uid != 0 && pw->pw_gid != 0) {
			*uid = pw->pw_uid;
			*gid = pw->pw_gid;
			return;
		}
	}
}

/* Adds what keep asks for to libcap-ng's pending set. */
static int keep_caps(unsigned keep)
{
	static const int owner_caps[] = { CAP_SYS_ADMIN, CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH };
	const capng_type_t both = CAPNG_EFFECTIVE | CAPNG_PERMITTED;

	if ((keep & PRIV_KEEP_NET_ADMIN) && capng_update(CAPNG_ADD, both, CAP_NET_ADMIN) < 0)
		return -1;
	if (keep & PRIV_KEEP_OWNERS)
		for (size_t i = 0; i < sizeof owner_caps / sizeof owner_caps[0]; i++)
			if (capng_update(CAPNG_ADD, both, (unsigned)owner_caps[i]) < 0)
				return -1;
	/* -P: owner_caps without setns. */
	if (keep & PRIV_KEEP_PROCS)
		for (size_t i = 1; i < sizeof owner_caps / sizeof owner_caps[0]; i++)
			if (capng_update(CAPNG_ADD, both, (unsigned)owner_caps[i]) < 0)
				return -1;
	return 0;
}

int priv_can_see_processes(void)
{
	capng_get_caps_process();
	return capng_have_capability(CAPNG_EFFECTIVE, CAP_SYS_PTRACE);
}

int priv_can_see_owners(void)
{
	capng_get_caps_process();
	return capng_have_capability(CAPNG_EFFECTIVE, CAP_SYS_ADMIN) &&
	       capng_have_capability(CAPNG_EFFECTIVE, CAP_SYS_PTRACE);
}

int priv_drop(unsigned keep)
{
	uid_t uid = getuid();
	gid_t gid = getgid();
	int flags = CAPNG_CLEAR_BOUNDING;
	int rc;

	if (geteuid() != 0) {
		/* Not root: file capabilities may still have given us some. */
		if (capng_have_capabilities(CAPNG_SELECT_CAPS) == CAPNG_NONE)
			return 0;
		capng_clear(CAPNG_SELECT_BOTH);
		if (keep_caps(keep) < 0)
			goto fail;
		if (capng_apply(CAPNG_SELECT_CAPS) < 0)
			goto fail;
		return 1;
	}

	/* A user's setuid-root run becomes that user; root's becomes nobody. */
	if (uid == 0) {
		unprivileged_user(&uid, &gid);
		flags |= CAPNG_DROP_SUPP_GRP;
	}
	capng_clear(CAPNG_SELECT_BOTH);
	if (keep_caps(keep) < 0)
		goto fail;
	/* Sets the groups, gid and uid, then the capabilities above; empties the bounding set. */
	rc = capng_change_id((int)uid, (int)gid, flags);
	if (rc < 0)
		goto fail;
	/* Make sure there is no way back. */
	if (setuid(0) == 0 || geteuid() == 0) {
		errno = EPERM;
		return -1;
	}
	return 1;
fail:
	if (!errno)
		errno = EPERM;
	return -1;
}

int priv_thread_drop(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3];

	/* capset(2) changes the calling thread only: what we want here. */
	memset(d, 0, sizeof d);
	return syscall(SYS_capset, &h, d) < 0 ? -1 : 0;
}

int priv_env_untrusted(void)
{
	return getauxval(AT_SECURE) != 0 || getuid() != geteuid() || getgid() != getegid();
}

void priv_scrub_env(void)
{
	static const char *const vars[] = { "TERMINFO", "TERMINFO_DIRS", "TERMCAP", "HOME" };

	if (!priv_env_untrusted())
		return;
	for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
		unsetenv(vars[i]);
}
