/* SPDX-License-Identifier: GPL-2.0-or-later */
/* conduitctl monitor: the client's side (see conduitctl(8)). */
#ifndef CONDUIT_DAEMON_MONITOR_CLIENT_H
#define CONDUIT_DAEMON_MONITOR_CLIENT_H

#include <stdbool.h>
#include <stdio.h>

#include <jansson.h>

/* One event line of the monitor as text, with its newline, to out. */
void mon_render_text(FILE *out, const json_t *event);

/*
 * Subscribe on fd (connected to the daemon's control socket at path) and
 * print each event to stdout as it comes, as text or (json) as the JSON
 * line it came as, until SIGINT/SIGTERM (CTL_EXIT_OK) or the daemon goes
 * (CTL_EXIT_UNREACHABLE). A refusal is CTL_EXIT_FAILED. Closes fd.
 */
int mon_client_run(int fd, const char *path, bool json);

#endif
