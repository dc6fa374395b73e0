/* SPDX-License-Identifier: GPL-2.0-or-later */
/* conduitd's command line (see options.h). */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/ctl.h"
#include "daemon/dos_opts.h"
#include "daemon/instance.h"
#include "daemon/monitor.h"
#include "daemon/options.h"
#include "daemon/route.h"
#include "daemon/updown.h"
#include "daemon/workers.h"

#define OPT_NAT_TRANSPORT 1000 /* long options only */
#define OPT_KERNEL 1001
#define OPT_CONTROL_GROUP 1002
#define OPT_FRAGMENT_SIZE 1003
#define OPT_FRAGMENT_SIZE_V4 1004
#define OPT_FRAGMENT_SIZE_V6 1005
#define OPT_SWANCTL_DIR 1006
#define OPT_UPDOWN_TIMEOUT 1007
#define OPT_INSTALL_ROUTES 1008
#define OPT_ROUTING_TABLE 1009
#define OPT_ROUTING_PRIO 1010
#define OPT_MONITOR_QUEUE 1030
#define OPT_WORKERS 1031

void dopts_usage(FILE *f)
{
	fprintf(f,
		"Usage: conduitd [OPTION]...\n"
		"The conduit IKEv2/IPsec daemon.\n"
		"\n"
		"  -c, --config FILE     configuration file (default " DEFAULT_CONFIG ")\n"
		"  -f, --foreground      stay in the foreground and log to stderr (for\n"
		"                        systemd); without it, detach and log to syslog\n"
		"  -l, --log-level LVL   error, warn, info (default), debug or trace\n"
		"  -s, --control PATH    control socket (default " CTL_DEFAULT_PATH ");\n"
		"                        conduitctl takes the same -s/--control (-c is\n"
		"                        this configuration option, never the socket);\n"
		"                        the lock file " INSTANCE_LOCK_NAME " beside it keeps a\n"
		"                        second conduitd from touching the kernel\n"
		"      --control-group GROUP\n"
		"                        give the control socket (0660) and its directory\n"
		"                        (0750) to GROUP, so its members can use conduitctl\n"
		"  -n, --check           load and validate the configuration, print every\n"
		"                        problem, exit 0 if it is valid; touches nothing\n"
		"      --swanctl-dir DIR where x509/, x509ca/, x509crl/, private/, rsa/,\n"
		"                        ecdsa/ and pkcs8/ are (default: the configuration\n"
		"                        file's directory)\n"
		"  -T, --retransmit-timeout TIME\n"
		"                        first retransmission of an unanswered request\n"
		"                        after TIME (seconds, e.g. 0.5, or 500ms; default\n"
		"                        1), each next one after twice the wait before\n"
		"  -R, --retransmit-tries N\n"
		"                        retransmissions before the peer counts as gone\n"
		"                        (default 5): with the defaults a request fails,\n"
		"                        and a peer that stopped answering DPD is dead,\n"
		"                        63 s after it was first sent (TIME * (2^(N+1) - 1))\n"
		"  -k, --nat-keepalive S NAT-T keepalive interval when behind a NAT, in\n"
		"                        seconds (default 20, 0: none; charon.keep_alive)\n"
		"      --nat-transport   allow transport mode CHILD SAs across a NAT\n"
		"      --fragment-size N largest IP datagram (IP and UDP headers and the\n"
		"                        non-ESP marker included) an IKE message or\n"
		"                        fragment may take, both families (default 1280;\n"
		"                        0: 576 for IPv4, 1280 for IPv6; 576 to 65535;\n"
		"                        charon.fragment_size)\n"
		"      --fragment-size-v4 N\n"
		"                        the same for IPv4 only, over --fragment-size\n"
		"      --fragment-size-v6 N\n"
		"                        the same for IPv6 only, over --fragment-size\n"
		"      --kernel BACKEND  netlink (default): SAs and policies go into the\n"
		"                        kernel; none: nothing is installed anywhere (a\n"
		"                        benchmark of the daemon on a kernel without ESP;\n"
		"                        no tunnel carries traffic)\n"
		"      --updown-timeout S\n"
		"                        kill an updown script (and what it started)\n"
		"                        still running after S seconds (default 30)\n"
		"      --install-routes yes|no\n"
		"                        routes to the remote selectors in a table of\n"
		"                        their own, as strongSwan's install_routes\n"
		"                        (default yes)\n"
		"      --routing-table N  that table (default 220)\n"
		"      --routing-table-prio N\n"
		"                        the priority of its rule (default 220)\n"
		"      --monitor-queue N events queued for each conduitctl monitor that\n"
		"                        reads slowly, beyond them dropped and counted\n"
		"                        (default 256, 1 to 65536)\n"
		"      --workers N       threads that make key exchange key pairs ahead\n"
		"                        of time on other cores (default 0: none, all\n"
		"                        made on the event loop; 1 to 64)\n"
		"A responder on the internet (COOKIEs, RFC 7296 2.6; limits, RFC 8019):\n");
	dos_opts_usage(f);
	fprintf(f, "  -h, --help            show this help\n"
		   "  -V, --version         show the version\n");
}

/* A fragment size: 0, or IKE_FRAGMENT_SIZE_MIN to 65535. */
static int parse_fragment_size(const char *s, long *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || end == s || *s == '-' ||
	    (v && (v < IKE_FRAGMENT_SIZE_MIN || v > 65535)))
		return -1;
	*out = (long)v;
	return 0;
}

/* "0.5", "2", "500ms", "1.5s": 50 ms to an hour. */
static int parse_timeout_ms(const char *s, uint32_t *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s)
		return -EINVAL;
	if (!strcmp(end, "ms"))
		v /= 1000;
	else if (*end && strcmp(end, "s"))
		return -EINVAL;
	if (!(v >= 0.05 && v <= 3600))
		return -EINVAL;
	*out = (uint32_t)(v * 1000 + 0.5);
	return 0;
}

static int parse_tries(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (end == s || *end || v < 1 || v > 20)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}

static const struct option opts[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "foreground", no_argument, NULL, 'f' },
	{ "log-level", required_argument, NULL, 'l' },
	{ "control", required_argument, NULL, 's' },
	{ "check", no_argument, NULL, 'n' },
	{ "retransmit-timeout", required_argument, NULL, 'T' },
	{ "retransmit-tries", required_argument, NULL, 'R' },
	{ "nat-keepalive", required_argument, NULL, 'k' },
	{ "nat-transport", no_argument, NULL, OPT_NAT_TRANSPORT },
	{ "fragment-size", required_argument, NULL, OPT_FRAGMENT_SIZE },
	{ "fragment-size-v4", required_argument, NULL, OPT_FRAGMENT_SIZE_V4 },
	{ "fragment-size-v6", required_argument, NULL, OPT_FRAGMENT_SIZE_V6 },
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "control-group", required_argument, NULL, OPT_CONTROL_GROUP },
	{ "swanctl-dir", required_argument, NULL, OPT_SWANCTL_DIR },
	{ "updown-timeout", required_argument, NULL, OPT_UPDOWN_TIMEOUT },
	{ "install-routes", required_argument, NULL, OPT_INSTALL_ROUTES },
	{ "routing-table", required_argument, NULL, OPT_ROUTING_TABLE },
	{ "routing-table-prio", required_argument, NULL, OPT_ROUTING_PRIO },
	{ "monitor-queue", required_argument, NULL, OPT_MONITOR_QUEUE },
	{ "workers", required_argument, NULL, OPT_WORKERS },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
};

/* A decimal number from min to max in s, whole. */
static bool number_in(const char *s, unsigned long min, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return !errno && end != s && !*end && *s != '-' && *v >= min && *v <= max;
}

const struct option *dopts_options(size_t *n)
{
	*n = sizeof(opts) / sizeof(opts[0]);
	return opts;
}

int dopts_parse(int argc, char **argv, struct dopts *o)
{
	struct option all_opts[sizeof(opts) / sizeof(opts[0]) + DOS_OPT_COUNT + 1];
	long frag_all = -1, frag_v4 = -1, frag_v6 = -1;
	char err[512];
	int c;

	memset(o, 0, sizeof(*o));
	o->config_path = DEFAULT_CONFIG;
	o->control = CTL_DEFAULT_PATH;
	o->backend = "netlink";
	o->group = (gid_t)-1;
	o->level = LOG_LEVEL_INFO;
	o->updown_timeout = UPDOWN_DEFAULT_TIMEOUT;
	o->install_routes = true;
	o->routing_table = DROUTE_TABLE;
	o->routing_prio = DROUTE_PRIO;
	o->monitor_queue = MON_DEFAULT_MAX_EVENTS;
	memset(all_opts, 0, sizeof(all_opts));
	memcpy(all_opts, opts, sizeof(opts));
	memcpy(all_opts + sizeof(opts) / sizeof(opts[0]), dos_long_opts, sizeof(dos_long_opts));
	while ((c = getopt_long(argc, argv, "c:fl:s:nhVT:R:k:", all_opts, NULL)) != -1) {
		if (dos_opt_is(c)) {
			if (dos_opt_parse(c, optarg, &o->eopts, err, sizeof(err))) {
				fprintf(stderr, "conduitd: %s\n", err);
				return 2;
			}
			continue;
		}
		switch (c) {
		case 'k': {
			unsigned long v;

			if (!number_in(optarg, 0, 86400, &v)) {
				fprintf(stderr,
					"conduitd: --nat-keepalive wants 0 to 86400 seconds\n");
				return 2;
			}
			o->eopts.nat_keepalive_ms = v ? (uint32_t)v * 1000 : IKE_NAT_KEEPALIVE_OFF;
			break;
		}
		case OPT_NAT_TRANSPORT:
			o->eopts.nat_transport = true;
			break;
		case OPT_SWANCTL_DIR:
			o->swanctl_dir = optarg;
			break;
		case OPT_KERNEL:
			if (strcmp(optarg, "netlink") && strcmp(optarg, "none")) {
				fprintf(stderr, "conduitd: --kernel \"%s\": give netlink or none\n",
					optarg);
				return 2;
			}
			o->backend = optarg;
			break;
		case OPT_CONTROL_GROUP:
			o->control_group = optarg;
			break;
		case OPT_FRAGMENT_SIZE:
		case OPT_FRAGMENT_SIZE_V4:
		case OPT_FRAGMENT_SIZE_V6:
			if (parse_fragment_size(optarg, c == OPT_FRAGMENT_SIZE	    ? &frag_all
							: c == OPT_FRAGMENT_SIZE_V4 ? &frag_v4
										    : &frag_v6)) {
				fprintf(stderr,
					"conduitd: --%s \"%s\": give 0 (576 for IPv4, 1280 for "
					"IPv6) or %u to 65535 octets\n",
					c == OPT_FRAGMENT_SIZE	    ? "fragment-size"
					: c == OPT_FRAGMENT_SIZE_V4 ? "fragment-size-v4"
								    : "fragment-size-v6",
					optarg, IKE_FRAGMENT_SIZE_MIN);
				return 2;
			}
			break;
		case OPT_UPDOWN_TIMEOUT: {
			unsigned long v;

			if (!number_in(optarg, 1, 3600, &v)) {
				fprintf(stderr,
					"conduitd: --updown-timeout wants 1 to 3600 seconds\n");
				return 2;
			}
			o->updown_timeout = (unsigned int)v;
			break;
		}
		case OPT_INSTALL_ROUTES:
			if (!strcmp(optarg, "yes")) {
				o->install_routes = true;
			} else if (!strcmp(optarg, "no")) {
				o->install_routes = false;
			} else {
				fprintf(stderr, "conduitd: --install-routes wants yes or no\n");
				return 2;
			}
			break;
		case OPT_MONITOR_QUEUE: {
			if (!number_in(optarg, 1, 65536, &o->monitor_queue)) {
				fprintf(stderr,
					"conduitd: --monitor-queue wants 1 to 65536 events\n");
				return 2;
			}
			break;
		}
		case OPT_WORKERS: {
			if (!number_in(optarg, 0, DWORKERS_MAX, &o->n_workers)) {
				fprintf(stderr, "conduitd: --workers wants 0 to %u threads\n",
					DWORKERS_MAX);
				return 2;
			}
			break;
		}
		case OPT_ROUTING_TABLE:
		case OPT_ROUTING_PRIO: {
			unsigned long v;

			/* 0 and 253-255 are the kernel's own tables */
			if (!number_in(optarg, 1, UINT32_MAX, &v) ||
			    (c == OPT_ROUTING_TABLE && v >= 253 && v <= 255)) {
				fprintf(
				    stderr, "conduitd: --%s wants a number from 1 to %u%s\n",
				    c == OPT_ROUTING_TABLE ? "routing-table" : "routing-table-prio",
				    UINT32_MAX,
				    c == OPT_ROUTING_TABLE ? " but 253-255 (the kernel's)" : "");
				return 2;
			}
			if (c == OPT_ROUTING_TABLE)
				o->routing_table = (uint32_t)v;
			else
				o->routing_prio = (uint32_t)v;
			break;
		}
		case 'c':
			o->config_path = optarg;
			break;
		case 'f':
			o->foreground = true;
			break;
		case 'l':
			if (log_level_parse(optarg, &o->level)) {
				fprintf(stderr, "conduitd: unknown log level \"%s\"\n", optarg);
				return 2;
			}
			break;
		case 's':
			o->control = optarg;
			break;
		case 'n':
			o->check = true;
			break;
		case 'T':
			if (parse_timeout_ms(optarg, &o->eopts.retransmit_base_ms)) {
				fprintf(stderr,
					"conduitd: --retransmit-timeout \"%s\": give seconds "
					"(0.05 to 3600, e.g. 0.5) or milliseconds (e.g. 500ms)\n",
					optarg);
				return 2;
			}
			break;
		case 'R':
			if (parse_tries(optarg, &o->eopts.retransmit_tries)) {
				fprintf(stderr,
					"conduitd: --retransmit-tries \"%s\": give 1 to 20\n",
					optarg);
				return 2;
			}
			break;
		case 'h':
			dopts_usage(stdout);
			return 0;
		case 'V':
			printf("conduitd %s\n", PACKAGE_VERSION);
			return 0;
		default:
			dopts_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "conduitd: unexpected argument \"%s\"\n", argv[optind]);
		dopts_usage(stderr);
		return 2;
	}
	if (o->control_group != NULL) {
		struct group *gr = getgrnam(o->control_group);
		char *end;
		unsigned long v = strtoul(o->control_group, &end, 10);

		if (gr != NULL)
			o->group = gr->gr_gid;
		else if (end != o->control_group && *end == '\0' && v < (gid_t)-1)
			o->group = (gid_t)v;
		else {
			fprintf(stderr, "conduitd: --control-group: no group \"%s\"\n",
				o->control_group);
			return 2;
		}
	}
	/* charon.fragment_size: one value for both families, 0 for the
	 * family's own (576 for IPv4, 1280 for IPv6) */
	if (frag_v4 < 0)
		frag_v4 = frag_all >= 0 ? frag_all : IKE_FRAGMENT_SIZE_DEFAULT;
	if (frag_v6 < 0)
		frag_v6 = frag_all >= 0 ? frag_all : IKE_FRAGMENT_SIZE_DEFAULT;
	o->eopts.fragment_size_v4 = (uint16_t)(frag_v4 ? frag_v4 : 576);
	o->eopts.fragment_size_v6 = (uint16_t)(frag_v6 ? frag_v6 : 1280);
	return DOPTS_RUN;
}
