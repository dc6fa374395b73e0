// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"

#include "daemon/updown.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "daemon/log.h"

#define LINE_MAX_LEN 512

struct job {
	TAILQ_ENTRY(job) entry; /* u->queue or u->running */
	struct updown *u;
	uint32_t key;
	char *command;
	char **env;
	char *prefix;
	pid_t pid;  /* 0 until started; -1 once reaped */
	pid_t pgid; /* its process group (the script's pid) */
	int fd;	    /* the pipe's read end; -1 at EOF */
	int status;
	bool killed;
	struct event *ev_out, *ev_timeout;
	size_t line_len;
	char line[LINE_MAX_LEN + 1];
};

TAILQ_HEAD(job_list, job);

struct updown {
	struct event_base *base;
	unsigned int timeout_s;
	struct job_list queue, running;
	unsigned int n_running, n_queued;
	struct event *ev_chld;
	struct event *ev_finish; /* updown_finish's deadline */
	bool finishing, finish_expired;
};

static void job_free(struct job *j)
{
	if (j->ev_out)
		event_free(j->ev_out);
	if (j->ev_timeout)
		event_free(j->ev_timeout);
	if (j->fd >= 0)
		close(j->fd);
	for (char **e = j->env; e && *e; e++)
		free(*e);
	free(j->env);
	free(j->command);
	free(j->prefix);
	free(j);
}

static void flush_line(struct job *j)
{
	if (!j->line_len)
		return;
	j->line[j->line_len] = '\0';
	log_msg(LOG_LEVEL_INFO, "%supdown: %s", j->prefix, j->line);
	j->line_len = 0;
}

static void start_ready(struct updown *u);

/* Both the exit and the end of the output make a job done. */
static void maybe_done(struct job *j)
{
	struct updown *u = j->u;

	if (j->pid != -1 || j->fd >= 0)
		return;
	flush_line(j);
	if (j->killed)
		log_msg(LOG_LEVEL_ERROR, "%supdown: killed after %u s: %s", j->prefix, u->timeout_s,
			j->command);
	else if (WIFEXITED(j->status) && WEXITSTATUS(j->status))
		log_msg(LOG_LEVEL_ERROR, "%supdown: exit status %d: %s", j->prefix,
			WEXITSTATUS(j->status), j->command);
	else if (WIFSIGNALED(j->status))
		log_msg(LOG_LEVEL_ERROR, "%supdown: killed by signal %d: %s", j->prefix,
			WTERMSIG(j->status), j->command);
	else
		log_msg(LOG_LEVEL_DEBUG, "%supdown: done: %s", j->prefix, j->command);
	TAILQ_REMOVE(&u->running, j, entry);
	u->n_running--;
	job_free(j);
	start_ready(u);
}

static void on_output(evutil_socket_t fd, short what, void *arg)
{
	struct job *j = arg;
	char buf[1024];
	ssize_t n;

	(void)what;
	n = read(fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		event_del(j->ev_out);
		close(j->fd);
		j->fd = -1;
		maybe_done(j);
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\n') {
			flush_line(j);
			continue;
		}
		/* a long line is logged in pieces, never truncated silently */
		if (j->line_len == LINE_MAX_LEN)
			flush_line(j);
		j->line[j->line_len++] = buf[i] == '\0' ? '?' : buf[i];
	}
}

static void kill_job(struct job *j)
{
	if (j->pid > 0) {
		j->killed = true;
		/* the group: what the script started goes too */
		kill(-j->pid, SIGKILL);
	}
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct job *j = arg;

	(void)fd, (void)what;
	if (j->pid > 0) {
		kill_job(j);
		return;
	}
	/* exited, but something it left behind holds the pipe open: its
	 * group goes (it still exists, or nothing would hold the pipe), and
	 * we stop listening */
	if (j->fd >= 0) {
		j->killed = true;
		kill(-j->pgid, SIGKILL);
		event_del(j->ev_out);
		close(j->fd);
		j->fd = -1;
	}
	maybe_done(j);
}

static void on_sigchld(evutil_socket_t sig, short what, void *arg)
{
	struct updown *u = arg;
	struct job *j, *next;

	(void)sig, (void)what;
	for (j = TAILQ_FIRST(&u->running); j; j = next) {
		int st;

		next = TAILQ_NEXT(j, entry);
		if (j->pid <= 0 || waitpid(j->pid, &st, WNOHANG) != j->pid)
			continue;
		j->pid = -1;
		j->status = st;
		maybe_done(j);
	}
}

static int spawn(struct job *j)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, def;
	static char sh[] = "/bin/sh", dash_c[] = "-c";
	char *argv[] = { sh, dash_c, j->command, NULL };
	int p[2], rc;

	if (pipe2(p, O_CLOEXEC))
		return -errno;
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	/* conduitd's signal dispositions are not the script's business */
	sigemptyset(&def);
	sigaddset(&def, SIGPIPE);
	sigaddset(&def, SIGCHLD);
	sigaddset(&def, SIGHUP);
	sigaddset(&def, SIGTERM);
	sigaddset(&def, SIGINT);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &def);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
					    POSIX_SPAWN_SETSIGDEF);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_adddup2(&fa, p[1], 2);
	rc = posix_spawn(&j->pid, "/bin/sh", &fa, &attr, argv, j->env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(p[1]);
	if (rc) {
		close(p[0]);
		j->pid = 0;
		return -rc;
	}
	j->pgid = j->pid;
	j->fd = p[0];
	fcntl(j->fd, F_SETFL, fcntl(j->fd, F_GETFL) | O_NONBLOCK);
	return 0;
}

static bool tunnel_busy(const struct updown *u, uint32_t key)
{
	const struct job *j;

	TAILQ_FOREACH (j, &u->running, entry)
		if (j->key == key)
			return true;
	return false;
}

static void start_one(struct updown *u, struct job *j)
{
	struct timeval tv = { (time_t)u->timeout_s, 0 };
	int rc;

	TAILQ_REMOVE(&u->queue, j, entry);
	u->n_queued--;
	rc = spawn(j);
	if (rc) {
		log_msg(LOG_LEVEL_ERROR, "%supdown: cannot run /bin/sh: %s", j->prefix,
			strerror(-rc));
		job_free(j);
		return;
	}
	j->ev_out = event_new(u->base, j->fd, EV_READ | EV_PERSIST, on_output, j);
	j->ev_timeout = evtimer_new(u->base, on_timeout, j);
	TAILQ_INSERT_TAIL(&u->running, j, entry);
	u->n_running++;
	if (!j->ev_out || !j->ev_timeout || event_add(j->ev_out, NULL) ||
	    evtimer_add(j->ev_timeout, &tv)) {
		/* cannot watch it: do not let it run unwatched */
		log_msg(LOG_LEVEL_ERROR, "%supdown: cannot watch the script: killed", j->prefix);
		kill_job(j);
		if (j->fd >= 0) {
			close(j->fd);
			j->fd = -1;
		}
	}
	log_msg(LOG_LEVEL_DEBUG, "%supdown: started (pid %ld): %s", j->prefix, (long)j->pid,
		j->command);
}

/* The first waiting script of each idle tunnel, oldest first, while
 * there is room. */
static void start_ready(struct updown *u)
{
	struct job *j, *next;

	for (j = TAILQ_FIRST(&u->queue); j && u->n_running < UPDOWN_MAX_RUNNING; j = next) {
		const struct job *k;
		bool first = true;

		next = TAILQ_NEXT(j, entry);
		for (k = TAILQ_FIRST(&u->queue); k != j; k = TAILQ_NEXT(k, entry))
			if (k->key == j->key) {
				first = false;
				break;
			}
		if (first && !tunnel_busy(u, j->key))
			start_one(u, j);
	}
}

struct updown *updown_new(struct event_base *base, unsigned int timeout_s)
{
	struct updown *u = calloc(1, sizeof(*u));

	if (!u)
		return NULL;
	u->base = base;
	u->timeout_s = timeout_s ? timeout_s : 1;
	TAILQ_INIT(&u->queue);
	TAILQ_INIT(&u->running);
	u->ev_chld = evsignal_new(base, SIGCHLD, on_sigchld, u);
	if (!u->ev_chld || event_add(u->ev_chld, NULL)) {
		if (u->ev_chld)
			event_free(u->ev_chld);
		free(u);
		return NULL;
	}
	return u;
}

void updown_free(struct updown *u)
{
	struct job *j;

	if (!u)
		return;
	while ((j = TAILQ_FIRST(&u->running))) {
		TAILQ_REMOVE(&u->running, j, entry);
		if (j->pid > 0) {
			kill(-j->pid, SIGKILL);
			waitpid(j->pid, NULL, 0);
		}
		job_free(j);
	}
	while ((j = TAILQ_FIRST(&u->queue))) {
		TAILQ_REMOVE(&u->queue, j, entry);
		job_free(j);
	}
	if (u->ev_finish)
		event_free(u->ev_finish);
	event_free(u->ev_chld);
	free(u);
}

int updown_run(struct updown *u, uint32_t key, const char *command, char *const *env,
	       const char *prefix)
{
	struct job *j = calloc(1, sizeof(*j));
	size_t n = 0;

	if (!j)
		return -ENOMEM;
	j->u = u;
	j->key = key;
	j->fd = -1;
	while (env[n])
		n++;
	j->env = calloc(n + 1, sizeof(*j->env));
	j->command = strdup(command);
	j->prefix = strdup(prefix ? prefix : "");
	if (!j->env || !j->command || !j->prefix)
		goto nomem;
	for (size_t i = 0; i < n; i++)
		if (!(j->env[i] = strdup(env[i])))
			goto nomem;
	TAILQ_INSERT_TAIL(&u->queue, j, entry);
	u->n_queued++;
	start_ready(u);
	return 0;
nomem:
	job_free(j);
	return -ENOMEM;
}

unsigned int updown_pending(const struct updown *u)
{
	return u ? u->n_running + u->n_queued : 0;
}

static void on_finish_deadline(evutil_socket_t fd, short what, void *arg)
{
	struct updown *u = arg;
	struct job *j;

	(void)fd, (void)what;
	u->finish_expired = true;
	while ((j = TAILQ_FIRST(&u->queue))) {
		log_msg(LOG_LEVEL_ERROR, "%supdown: not run, conduitd is stopping: %s", j->prefix,
			j->command);
		TAILQ_REMOVE(&u->queue, j, entry);
		u->n_queued--;
		job_free(j);
	}
	TAILQ_FOREACH (j, &u->running, entry)
		kill_job(j);
}

void updown_finish(struct updown *u)
{
	struct timeval tv;

	if (!u || !updown_pending(u))
		return;
	u->finishing = true;
	tv.tv_sec = (time_t)u->timeout_s;
	tv.tv_usec = 0;
	u->ev_finish = evtimer_new(u->base, on_finish_deadline, u);
	if (!u->ev_finish || evtimer_add(u->ev_finish, &tv))
		return;
	log_msg(LOG_LEVEL_INFO, "waiting for %u updown script%s (at most %u s)", updown_pending(u),
		updown_pending(u) == 1 ? "" : "s", u->timeout_s);
	while (updown_pending(u))
		if (event_base_loop(u->base, EVLOOP_ONCE) < 0)
			break;
}
