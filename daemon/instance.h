/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One conduitd per kernel. conduitd flushes conduit's XFRM state at start
 * and at exit, so a second one started by mistake would remove the running
 * one's SAs and policies and leave its traffic unprotected. Before it
 * touches the kernel or opens a socket, conduitd takes an exclusive
 * flock(2) on a lock file beside its control socket
 * (/run/conduit/conduitd.lock by default); a second conduitd finds the lock
 * held, names the holder's pid (written into the file) and exits without
 * having changed anything.
 *
 * The lock sits beside the control socket rather than at a fixed path, so
 * two conduitds in different network namespaces, each with its own control
 * directory, can run side by side.
 *
 * The file is never unlinked: a conduitd that opened the old file while
 * another unlinked it could lock an inode nobody else sees, and two would
 * run. The lock goes with the process (also on SIGKILL), the file stays.
 */
#ifndef CONDUIT_DAEMON_INSTANCE_H
#define CONDUIT_DAEMON_INSTANCE_H

#include <stddef.h>
#include <sys/types.h>

#define INSTANCE_LOCK_NAME "conduitd.lock"

struct instance_lock {
	int fd;	    /* -1: not held */
	char *path; /* malloc'd */
};

/* The lock file's path beside the control socket control_path: its
 * directory (or the current directory for a bare name) plus
 * INSTANCE_LOCK_NAME. 0, or -ENAMETOOLONG. */
int instance_lock_path(const char *control_path, char *buf, size_t len);

/*
 * Take the lock at path, creating the file (0644) if missing. It must be a
 * regular file owned by us with one link: a symbolic link (O_NOFOLLOW), a
 * FIFO, a device or someone else's file is refused, never written.
 * Returns 0 with lk filled and our pid written into the file;
 * -EWOULDBLOCK when another process holds it, with *holder its pid (0 if
 * the file does not say) and err "conduitd is already running (pid N,
 * holding PATH); this one changes nothing and exits"; another negative
 * errno with err naming the path and the reason.
 */
int instance_lock_take(struct instance_lock *lk, const char *path, pid_t *holder, char *err,
		       size_t errlen);

/* Write our pid into the lock file again (after daemonizing, the child's
 * pid replaces the parent's). 0 or a negative errno. */
int instance_lock_write_pid(struct instance_lock *lk);

/* Release the lock and close the file (kept on disk, see above).
 * Safe on a lock never taken (fd -1, zeroed path). */
void instance_lock_release(struct instance_lock *lk);

#endif
