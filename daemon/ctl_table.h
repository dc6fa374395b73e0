/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control commands, in one table (wireguard-tools' wg.c is the model):
 * it drives the daemon's dispatch (its handlers), conduitctl's usage text,
 * argument parsing and rendering, and through the usage text the man
 * page's command list (tests/man/check-options.sh compares them).
 *
 * A command is added here, with its handler in daemon/ctl_cmds.c, its
 * renderer in daemon/ctl_render.c, and its lines in man/conduitctl.8
 * (COMMANDS and JSON OUTPUT).
 *
 * The table points at the handlers and renderers weakly, so conduitctl
 * links it without the daemon's handlers and conduitd without the
 * renderers: in each program the other side's pointers are NULL.
 * ctl_server_new() refuses a command without a handler, so a handler
 * that is not linked in stops the daemon at start, not at the first use.
 */
#ifndef CONDUIT_DAEMON_CTL_TABLE_H
#define CONDUIT_DAEMON_CTL_TABLE_H

#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

#include "daemon/ctl.h"

/* conduitctl's readable output of a successful reply to request. */
typedef void ctl_render_fn(FILE *out, const json_t *request, const json_t *reply);

struct ctl_cmd_desc {
	const char *name;	    /* "list-sas" */
	const char *synopsis;	    /* after the name in the usage: "NAME", "" */
	const char *summary;	    /* the usage's description; '\n' between lines */
	const struct ctl_arg *args; /* NULL-name-terminated; NULL: none */
	ctl_handler_fn *handler;    /* conduitd's; NULL in conduitctl */
	ctl_render_fn *render;	    /* conduitctl's; NULL in conduitd */
};

/* Argument lists the tests use too. */
extern const struct ctl_arg ctl_args_list_sas[];

extern const struct ctl_cmd_desc ctl_cmd_table[];
extern const size_t ctl_cmd_count;

/* The command named name, or NULL. */
const struct ctl_cmd_desc *ctl_cmd_find(const char *name);

/* The argument named name of cmd, or NULL. */
const struct ctl_arg *ctl_cmd_arg(const struct ctl_cmd_desc *cmd, const char *name);

/* conduitctl's "Commands:" block and its "Command options:" block (each
 * option once, with the commands that take it), from the table. */
void ctl_cmd_usage(FILE *out);

#endif
