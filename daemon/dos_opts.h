/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conduitd's denial of service options (a responder on the internet):
 * cookie thresholds, half-open limits, reply rates. One table drives the
 * long options, their parsing and the usage text.
 */
#ifndef CONDUIT_DAEMON_DOS_OPTS_H
#define CONDUIT_DAEMON_DOS_OPTS_H

#include <getopt.h>
#include <stdio.h>

#include "ike/ike.h"

/* getopt_long values: DOS_OPT_BASE + index into the table */
#define DOS_OPT_BASE 2000
#define DOS_OPT_COUNT 8

/* The long options, to append to a getopt_long table. */
extern const struct option dos_long_opts[DOS_OPT_COUNT];

/* Whether getopt_long's c is one of ours. */
static inline int dos_opt_is(int c)
{
	return c >= DOS_OPT_BASE && c < DOS_OPT_BASE + DOS_OPT_COUNT;
}

/* Sets the option c (a dos_opt_is() value) in o from arg. 0, or -EINVAL
 * with a message naming the option and what it accepts in err. */
int dos_opt_parse(int c, const char *arg, struct ike_engine_opts *o, char *err, size_t len);

/* The usage lines of the options. */
void dos_opts_usage(FILE *f);

#endif
