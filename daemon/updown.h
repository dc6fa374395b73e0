/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The updown runner: a child's script (swanctl.conf's updown) as strongSwan
 * runs it, `/bin/sh -c "<updown>"` with the environment daemon/updown_env
 * builds and nothing else, but never waiting for it: the event loop and IKE
 * go on while it runs.
 *
 *   - posix_spawn, in a process group of its own, with stdout and stderr on
 *     one pipe whose lines are logged through the event loop with the SA's
 *     prefix ("site-b[3]/net{4}: updown: ...");
 *   - its exit is seen through SIGCHLD (a libevent signal event) and logged
 *     with its status when not 0;
 *   - after the timeout its whole process group is killed (SIGKILL);
 *   - the scripts of one tunnel (a key, the kernel reqid) run one after the
 *     other in the order they were asked for (a down never overtakes its
 *     up); at most UPDOWN_MAX_RUNNING run at once, the others wait.
 */
#ifndef CONDUIT_DAEMON_UPDOWN_H
#define CONDUIT_DAEMON_UPDOWN_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>

#define UPDOWN_MAX_RUNNING 16
#define UPDOWN_DEFAULT_TIMEOUT 30 /* seconds */

struct updown;

/* timeout_s: how long a script may run before it is killed (0: 1 s). */
struct updown *updown_new(struct event_base *base, unsigned int timeout_s);
/* Kills what still runs (its process groups) and forgets the queue. */
void updown_free(struct updown *u);

/* Queue command for tunnel key with env (NULL-terminated "NAME=value",
 * copied); prefix starts every log line of it. 0 or -ENOMEM. */
int updown_run(struct updown *u, uint32_t key, const char *command, char *const *env,
	       const char *prefix);

/* Scripts running and waiting. */
unsigned int updown_pending(const struct updown *u);

/* At shutdown: run the event loop until every queued script has run, but
 * no longer than the timeout from now; what still runs then is killed,
 * what still waits is dropped (each logged). The caller has removed its
 * other events from the base. */
void updown_finish(struct updown *u);

#endif
