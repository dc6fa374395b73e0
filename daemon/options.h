/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conduitd's command line: every option, its check and its default, and
 * the --help text (conduitd(8) describes the same options; the man page
 * tests compare them).
 */
#ifndef CONDUIT_DAEMON_OPTIONS_H
#define CONDUIT_DAEMON_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "daemon/log.h"
#include "ike/ike.h"

#define DEFAULT_CONFIG SYSCONFDIR_CONDUIT "/conduit.conf"

/* What the command line asked for, defaults filled in. */
struct dopts {
	const char *config_path, *control, *swanctl_dir;
	const char *backend;	   /* "netlink" or "none" */
	const char *control_group; /* as given, or NULL */
	gid_t group;		   /* control_group's, or (gid_t)-1 */
	enum log_level level;
	bool foreground, check;
	/* the engine's options: retransmissions, NAT-T, fragment sizes (set
	 * for both families), the responder's DoS limits (dos_opts.h) */
	struct ike_engine_opts eopts;
	unsigned int updown_timeout; /* seconds */
	bool install_routes;
	uint32_t routing_table, routing_prio;
	unsigned long monitor_queue; /* events per slow monitor */
	unsigned long n_workers;     /* key pool threads, 0: none */
};

/* dopts_parse()'s "go on": neither --help nor --version nor an error. */
#define DOPTS_RUN (-1)

/* Reads argv into *o. DOPTS_RUN, or the status main() exits with: 0 after
 * --help or --version (printed on stdout), 2 after a usage error (printed
 * on stderr, naming the option and what it takes). */
int dopts_parse(int argc, char **argv, struct dopts *o);

/* The --help text. */
void dopts_usage(FILE *f);

struct option;
/* conduitd's own long options (those of dos_opts.h come after them), for
 * the tests that hold them to the --help text; n of them. */
const struct option *dopts_options(size_t *n);

#endif
