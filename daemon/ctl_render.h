/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conduitctl's readable output: turns the daemon's JSON replies (see
 * daemon/ctl.h) into text an operator reads at a glance. Separate from the
 * client's I/O so it is tested from fixed JSON.
 *
 * Hostile-input safe: a reply missing fields or with wrong types prints
 * "?" in their place; control characters in strings (a peer chooses its
 * identity) are printed as \xNN so they cannot drive the terminal.
 */
#ifndef CONDUIT_DAEMON_CTL_RENDER_H
#define CONDUIT_DAEMON_CTL_RENDER_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* conduitctl's exit status. */
enum ctl_exit {
	CTL_EXIT_OK = 0,
	CTL_EXIT_FAILED = 1, /* the daemon reported an error */
	CTL_EXIT_USAGE = 2,
	CTL_EXIT_UNREACHABLE = 3, /* no (valid) answer from the daemon */
};

/* Render reply, the daemon's answer to request ({"cmd":...}): results to
 * out, a reported error to err as "conduitctl: <error>" (plus one indented
 * line per entry of "errors"). Returns CTL_EXIT_OK, CTL_EXIT_FAILED, or
 * CTL_EXIT_UNREACHABLE when reply is not a reply at all (no boolean "ok"). */
int ctl_render(FILE *out, FILE *err, const json_t *request, const json_t *reply);

/* The renderers of the command table (daemon/ctl_table.c): a successful
 * reply to request, as text. */
void ctl_render_status(FILE *out, const json_t *request, const json_t *reply);
void ctl_render_list_conns(FILE *out, const json_t *request, const json_t *reply);
void ctl_render_list_sas(FILE *out, const json_t *request, const json_t *reply);
void ctl_render_list_certs(FILE *out, const json_t *request, const json_t *reply);
void ctl_render_initiate(FILE *out, const json_t *request, const json_t *reply);
void ctl_render_terminate(FILE *out, const json_t *request, const json_t *reply);
void ctl_render_rekey(FILE *out, const json_t *request, const json_t *reply);
void ctl_render_reload(FILE *out, const json_t *request, const json_t *reply);
void ctl_render_list_pols(FILE *out, const json_t *request, const json_t *reply);
void ctl_render_list_algs(FILE *out, const json_t *request, const json_t *reply);
/* daemon/ctl_render_metrics.c */
void ctl_render_counters(FILE *out, const json_t *request, const json_t *reply);
void ctl_render_metrics(FILE *out, const json_t *request, const json_t *reply);
void ctl_render_monitor(FILE *out, const json_t *request, const json_t *reply);

/* "42s", "5m 3s", "2h 5m", "3d 4h"; negative: "?". */
void ctl_render_duration(char *buf, size_t len, json_int_t secs);

#endif
