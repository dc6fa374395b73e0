/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One conduitd per kernel: see instance.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/instance.h"

int instance_lock_path(const char *control_path, char *buf, size_t len)
{
	const char *slash = strrchr(control_path, '/');
	int n;

	if (slash == NULL)
		n = snprintf(buf, len, "%s", INSTANCE_LOCK_NAME);
	else
		n = snprintf(buf, len, "%.*s/%s", (int)(slash - control_path), control_path,
			     INSTANCE_LOCK_NAME);
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	return 0;
}

/* The pid the holder wrote, or 0 if the file holds none. */
static pid_t read_pid(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	char *end;
	long v;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	v = strtol(buf, &end, 10);
	if (end == buf || (*end != '\n' && *end != '\0') || v <= 0 || v > 0x7fffffff)
		return 0;
	return (pid_t)v;
}

int instance_lock_write_pid(struct instance_lock *lk)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());

	if (lk->path == NULL || lk->fd < 0)
		return -EBADF;
	/* Write over the old contents, then cut: a reader never sees an
	 * empty file while we hold the lock. */
	if (pwrite(lk->fd, buf, (size_t)n, 0) != n)
		return errno ? -errno : -EIO;
	if (ftruncate(lk->fd, n) != 0)
		return -errno;
	return 0;
}

int instance_lock_take(struct instance_lock *lk, const char *path, pid_t *holder, char *err,
		       size_t errlen)
{
	struct stat st;
	int fd, rc;

	lk->fd = -1;
	lk->path = NULL;
	*holder = 0;
	/* O_NOFOLLOW: a symbolic link planted here must not make us write
	 * through it; O_NONBLOCK: a FIFO must not hang the open. */
	fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY, 0644);
	if (fd < 0) {
		rc = -errno;
		if (errno == ELOOP)
			snprintf(err, errlen,
				 "%s is a symbolic link; refusing to use it as the lock", path);
		else
			snprintf(err, errlen, "cannot open the lock file %s: %s", path,
				 strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot stat the lock file %s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = -EINVAL;
		snprintf(err, errlen, "%s is not a regular file; refusing to use it as the lock",
			 path);
		goto fail;
	}
	if (st.st_uid != geteuid() || st.st_nlink != 1) {
		rc = -EPERM;
		snprintf(err, errlen,
			 "%s is owned by uid %u with %lu link%s (want uid %u, one link); refusing "
			 "to use it as the lock",
			 path, (unsigned)st.st_uid, (unsigned long)st.st_nlink,
			 st.st_nlink == 1 ? "" : "s", (unsigned)geteuid());
		goto fail;
	}
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		rc = -errno;
		if (errno == EWOULDBLOCK) {
			*holder = read_pid(fd);
			if (*holder)
				snprintf(err, errlen,
					 "conduitd is already running (pid %ld, holding %s); this "
					 "one changes nothing and exits",
					 (long)*holder, path);
			else
				snprintf(err, errlen,
					 "conduitd is already running (pid unknown, holding %s); "
					 "this one changes nothing and exits",
					 path);
		} else {
			snprintf(err, errlen, "cannot lock %s: %s", path, strerror(errno));
		}
		goto fail;
	}
	lk->fd = fd;
	lk->path = strdup(path);
	if (lk->path == NULL) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	rc = instance_lock_write_pid(lk);
	if (rc) {
		snprintf(err, errlen, "cannot write our pid into %s: %s", path, strerror(-rc));
		goto fail;
	}
	return 0;
fail:
	free(lk->path);
	lk->path = NULL;
	lk->fd = -1;
	close(fd);
	return rc;
}

void instance_lock_release(struct instance_lock *lk)
{
	if (lk->path == NULL)
		return;
	/* Leave no stale pid behind for the next conduitd's message. */
	if (ftruncate(lk->fd, 0) != 0) {
		/* nothing to do: the lock goes with the descriptor */
	}
	close(lk->fd);
	lk->fd = -1;
	free(lk->path);
	lk->path = NULL;
}
