/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one-conduitd-per-kernel lock (daemon/instance.c). Every file these
 * tests create, link or point a symbolic link at lives inside their own
 * temporary directory: a mutant that follows a link must only ever damage
 * the test's own files.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/instance.h"
#include "tests/unit/unit.h"

static char dir[64], lock_path[128], target[128];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/conduit-lock-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(lock_path, sizeof(lock_path), "%s/%s", dir, INSTANCE_LOCK_NAME);
	snprintf(target, sizeof(target), "%s/target", dir);
}

static void teardown(void)
{
	unlink(lock_path);
	rmdir(lock_path); /* when a test put a directory there */
	unlink(target);
	rmdir(dir);
}

static void write_file(const char *p, const char *text)
{
	FILE *f = fopen(p, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

/* The file's contents (static buffer). */
static const char *read_file(const char *p)
{
	static char buf[256];
	FILE *f = fopen(p, "r");
	ck_assert_ptr_nonnull(f);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static const char *pid_line(pid_t pid)
{
	static char buf[32];
	snprintf(buf, sizeof(buf), "%ld\n", (long)pid);
	return buf;
}

START_TEST(lock_path_beside_socket)
{
	char buf[64];
	ck_assert_int_eq(instance_lock_path("/run/conduit/conduit.sock", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/run/conduit/conduitd.lock");
	ck_assert_int_eq(instance_lock_path("/run/nodes/a/conduit/x.sock", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/run/nodes/a/conduit/conduitd.lock");
	ck_assert_int_eq(instance_lock_path("conduit.sock", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "conduitd.lock");
	ck_assert_int_eq(instance_lock_path("/x.sock", buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/conduitd.lock");
	ck_assert_int_eq(instance_lock_path("/a/very/long/directory/name/conduit.sock", buf, 20),
			 -ENAMETOOLONG);
}
END_TEST

START_TEST(take_writes_pid_and_release_clears)
{
	struct instance_lock lk;
	pid_t holder = -1;
	char err[256] = "";
	ck_assert_int_eq(instance_lock_take(&lk, lock_path, &holder, err, sizeof(err)), 0);
	ck_assert_int_ge(lk.fd, 0);
	ck_assert_str_eq(lk.path, lock_path);
	ck_assert_str_eq(read_file(lock_path), pid_line(getpid()));
	struct stat st;
	ck_assert_int_eq(lstat(lock_path, &st), 0);
	ck_assert(S_ISREG(st.st_mode));
	instance_lock_release(&lk);
	ck_assert_int_eq(lk.fd, -1);
	ck_assert_ptr_null(lk.path);
	/* The file stays (see instance.h), without a stale pid. */
	ck_assert_int_eq(lstat(lock_path, &st), 0);
	ck_assert_int_eq(st.st_size, 0);
	instance_lock_release(&lk); /* twice: a no-op */
}
END_TEST

START_TEST(second_taker_refused_with_pid)
{
	struct instance_lock a, b;
	pid_t holder = -1;
	char err[256] = "", want[300];
	ck_assert_int_eq(instance_lock_take(&a, lock_path, &holder, err, sizeof(err)), 0);
	/* flock conflicts between open file descriptions, also in one process. */
	ck_assert_int_eq(instance_lock_take(&b, lock_path, &holder, err, sizeof(err)),
			 -EWOULDBLOCK);
	ck_assert_int_eq(holder, getpid());
	snprintf(want, sizeof(want),
		 "conduitd is already running (pid %ld, holding %s); this one changes nothing "
		 "and exits",
		 (long)getpid(), lock_path);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(b.fd, -1);
	ck_assert_ptr_null(b.path);
	/* The refused one did not touch the holder's file. */
	ck_assert_str_eq(read_file(lock_path), pid_line(getpid()));
	instance_lock_release(&b);
	instance_lock_release(&a);
	ck_assert_int_eq(instance_lock_take(&b, lock_path, &holder, err, sizeof(err)), 0);
	instance_lock_release(&b);
}
END_TEST

START_TEST(stale_pid_file_taken)
{
	/* Left by a conduitd that was SIGKILLed: a pid, but no lock. */
	write_file(lock_path, "999999\n");
	struct instance_lock lk;
	pid_t holder;
	char err[256] = "";
	ck_assert_int_eq(instance_lock_take(&lk, lock_path, &holder, err, sizeof(err)), 0);
	ck_assert_str_eq(read_file(lock_path), pid_line(getpid()));
	instance_lock_release(&lk);
}
END_TEST

/* A child takes the lock and waits to be killed; returns its pid once it
 * holds the lock. */
static pid_t child_holding(void)
{
	int p[2];
	ck_assert_int_eq(pipe(p), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct instance_lock lk;
		pid_t h;
		char err[256];
		close(p[0]);
		if (instance_lock_take(&lk, lock_path, &h, err, sizeof(err)) != 0)
			_exit(1);
		(void)!write(p[1], "x", 1);
		for (;;)
			pause();
	}
	close(p[1]);
	char c;
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	close(p[0]);
	return pid;
}

START_TEST(lock_goes_with_a_killed_holder)
{
	pid_t pid = child_holding();
	struct instance_lock lk;
	pid_t holder = 0;
	char err[256] = "";
	ck_assert_int_eq(instance_lock_take(&lk, lock_path, &holder, err, sizeof(err)),
			 -EWOULDBLOCK);
	ck_assert_int_eq(holder, pid);
	char want[32];
	snprintf(want, sizeof(want), "(pid %ld, ", (long)pid);
	ck_assert_ptr_nonnull(strstr(err, want));
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	ck_assert_int_eq(instance_lock_take(&lk, lock_path, &holder, err, sizeof(err)), 0);
	ck_assert_str_eq(read_file(lock_path), pid_line(getpid()));
	instance_lock_release(&lk);
}
END_TEST

START_TEST(lock_survives_daemonizing)
{
	/* As conduitd does: take, fork, the parent goes, the child rewrites
	 * the pid. The lock stays held by the child. */
	struct instance_lock lk, other;
	pid_t holder;
	char err[256] = "";
	int p[2];
	ck_assert_int_eq(instance_lock_take(&lk, lock_path, &holder, err, sizeof(err)), 0);
	ck_assert_int_eq(pipe(p), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		close(p[0]);
		if (instance_lock_write_pid(&lk) != 0)
			_exit(1);
		(void)!write(p[1], "x", 1);
		for (;;)
			pause();
	}
	close(p[1]);
	char c;
	ck_assert_int_eq(read(p[0], &c, 1), 1);
	close(p[0]);
	close(lk.fd); /* the parent's copy goes, as with _exit */
	free(lk.path);
	ck_assert_str_eq(read_file(lock_path), pid_line(pid));
	ck_assert_int_eq(instance_lock_take(&other, lock_path, &holder, err, sizeof(err)),
			 -EWOULDBLOCK);
	ck_assert_int_eq(holder, pid);
	kill(pid, SIGKILL);
	ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
	ck_assert_int_eq(instance_lock_take(&other, lock_path, &holder, err, sizeof(err)), 0);
	instance_lock_release(&other);
}
END_TEST

START_TEST(symlink_refused)
{
	write_file(target, "precious\n");
	ck_assert_int_eq(symlink(target, lock_path), 0);
	struct instance_lock lk;
	pid_t holder;
	char err[256] = "", want[300];
	ck_assert_int_eq(instance_lock_take(&lk, lock_path, &holder, err, sizeof(err)), -ELOOP);
	snprintf(want, sizeof(want), "%s is a symbolic link; refusing to use it as the lock",
		 lock_path);
	ck_assert_str_eq(err, want);
	ck_assert_str_eq(read_file(target), "precious\n");
	/* A dangling link does not create its target either. */
	unlink(target);
	ck_assert_int_eq(instance_lock_take(&lk, lock_path, &holder, err, sizeof(err)), -ELOOP);
	ck_assert_int_ne(access(target, F_OK), 0);
}
END_TEST

START_TEST(hard_link_refused)
{
	write_file(target, "precious\n");
	ck_assert_int_eq(link(target, lock_path), 0);
	struct instance_lock lk;
	pid_t holder;
	char err[256] = "";
	ck_assert_int_eq(instance_lock_take(&lk, lock_path, &holder, err, sizeof(err)), -EPERM);
	ck_assert_ptr_nonnull(strstr(err, "with 2 links"));
	ck_assert_str_eq(read_file(target), "precious\n");
}
END_TEST

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

START_TEST(fifo_and_directory_refused)
{
	struct instance_lock lk;
	pid_t holder;
	char err[256] = "", want[300];
	ck_assert_int_eq(mkfifo(lock_path, 0600), 0);
	long long t0 = now_ms();
	ck_assert_int_eq(instance_lock_take(&lk, lock_path, &holder, err, sizeof(err)), -EINVAL);
	ck_assert_int_lt(now_ms() - t0, 1000); /* no reader needed: no hang */
	snprintf(want, sizeof(want), "%s is not a regular file; refusing to use it as the lock",
		 lock_path);
	ck_assert_str_eq(err, want);
	unlink(lock_path);

	ck_assert_int_eq(mkdir(lock_path, 0700), 0);
	ck_assert_int_lt(instance_lock_take(&lk, lock_path, &holder, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(strstr(err, lock_path));
	ck_assert_int_eq(lk.fd, -1);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("instance");
	TCase *tc = tcase_create("lock");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, lock_path_beside_socket);
	tcase_add_test(tc, take_writes_pid_and_release_clears);
	tcase_add_test(tc, second_taker_refused_with_pid);
	tcase_add_test(tc, stale_pid_file_taken);
	tcase_add_test(tc, lock_goes_with_a_killed_holder);
	tcase_add_test(tc, lock_survives_daemonizing);
	tcase_add_test(tc, symlink_refused);
	tcase_add_test(tc, hard_link_refused);
	tcase_add_test(tc, fifo_and_directory_refused);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
