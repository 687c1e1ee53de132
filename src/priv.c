/* priv.c - drop to an unprivileged user, keeping at most CAP_NET_ADMIN. */
#include "priv.h"

#include <cap-ng.h>
#include <errno.h>
#include <pwd.h>
#include <sys/types.h>
#include <unistd.h>

#define FALLBACK_ID 65534	/* "nobody" on Debian and most others */

int priv_drop(enum priv_keep keep)
{
	const struct passwd *pw;
	uid_t uid = FALLBACK_ID;
	gid_t gid = FALLBACK_ID;
	int rc;

	if (geteuid() != 0) {
		/* Not root: file capabilities may still have given us some. */
		if (capng_have_capabilities(CAPNG_SELECT_CAPS) == CAPNG_NONE)
			return 0;
		capng_clear(CAPNG_SELECT_BOTH);
		if (keep == PRIV_KEEP_NET_ADMIN &&
		    capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_NET_ADMIN) < 0)
			goto fail;
		if (capng_apply(CAPNG_SELECT_CAPS) < 0)
			goto fail;
		return 1;
	}

	pw = getpwnam("nobody");
	if (pw && pw->pw_uid != 0) {
		uid = pw->pw_uid;
		gid = pw->pw_gid;
	}
	capng_clear(CAPNG_SELECT_BOTH);
	if (keep == PRIV_KEEP_NET_ADMIN &&
	    capng_update(CAPNG_ADD, CAPNG_EFFECTIVE | CAPNG_PERMITTED, CAP_NET_ADMIN) < 0)
		goto fail;
	/* Sets the groups, gid and uid, then the capabilities above; empties the bounding set. */
	rc = capng_change_id((int)uid, (int)gid, CAPNG_DROP_SUPP_GRP | CAPNG_CLEAR_BOUNDING);
	if (rc < 0)
		goto fail;
	/* Make sure there is no way back. */
	if (setuid(0) == 0) {
		errno = EPERM;
		return -1;
	}
	return 1;
fail:
	if (!errno)
		errno = EPERM;
	return -1;
}
