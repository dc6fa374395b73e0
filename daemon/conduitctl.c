/* SPDX-License-Identifier: GPL-2.0-or-later */
/* conduitctl: query and drive conduitd over its control socket. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "daemon/ctl.h"
#include "daemon/ctl_render.h"
#include "daemon/ctl_table.h"
#include "daemon/monitor_client.h"

#define DEFAULT_TIMEOUT 30
/* The daemon answers initiate itself at the timeout we send; wait a little
 * longer so its precise message wins over ours. */
#define GRACE_SECS 5
#define REPLY_MAX (256u * 1024 * 1024)

static void usage(FILE *out)
{
	fputs("Usage: conduitctl [OPTIONS] COMMAND [NAME] [COMMAND OPTIONS]\n"
	      "\n"
	      "Query and control conduitd, the IKEv2/IPsec daemon.\n"
	      "\n",
	      out);
	ctl_cmd_usage(out);
	fputs("\n"
	      "Options:\n"
	      "  -s, --control PATH  the control socket (default: $CONDUIT_CONTROL, else\n"
	      "                      " CTL_DEFAULT_PATH "), as conduitd's -s; -c is\n"
	      "                      refused: it is conduitd's configuration file\n"
	      "  -j, --json          print the daemon's JSON reply as it came (one line)\n"
	      "  -p, --pretty        print the daemon's JSON reply indented\n"
	      "  -t, --timeout SECS  how long to wait for an answer (default 30); initiate\n"
	      "                      and terminate ask the daemon to give up after SECS\n"
	      "  -h, --help          show this help\n"
	      "  -V, --version       show the version\n"
	      "\n"
	      "Exit status: 0 success, 1 the daemon reported an error, 2 usage error,\n"
	      "3 the daemon could not be reached or gave no valid answer.\n",
	      out);
}

/* "status, list-conns, ..." */
static void command_names(char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ctl_cmd_count && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "",
					ctl_cmd_table[i].name);
}

#define CTL_HINT_C "-c is conduitd's configuration option; the control socket is -s/--control"

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("conduitctl: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputs("\nTry 'conduitctl --help'.\n", stderr);
	va_end(ap);
	return CTL_EXIT_USAGE;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Wait for events on fd until deadline; 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, long long deadline)
{
	for (;;) {
		long long left = deadline - now_ms();
		if (left <= 0)
			return 0;
		struct pollfd p = { .fd = fd, .events = events };
		int n = poll(&p, 1, left > 60000 ? 60000 : (int)left);
		if (n > 0)
			return 1;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

static int connect_daemon(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "conduitctl: control socket path too long: %s\n", path);
		return -1;
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "conduitctl: socket: %s\n", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		int e = errno;
		const char *hint = "";
		if (e == ENOENT || e == ECONNREFUSED)
			hint = " (is conduitd running?)";
		else if (e == EACCES || e == EPERM)
			hint = " (are you root, or in the control socket's group?)";
		fprintf(stderr, "conduitctl: cannot connect to %s: %s%s\n", path, strerror(e),
			hint);
		close(fd);
		return -1;
	}
	return fd;
}

static int send_all(int fd, const char *buf, size_t len, long long deadline)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			int w = wait_fd(fd, POLLOUT, deadline);
			if (w > 0)
				continue;
			errno = w == 0 ? ETIMEDOUT : errno;
		}
		return -1;
	}
	return 0;
}

/* Read one line (without its newline) into a malloc'd string. NULL on
 * error, with *why saying it. */
static char *read_line(int fd, long long deadline, const char **why)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	if (buf == NULL) {
		*why = "out of memory";
		return NULL;
	}
	for (;;) {
		if (len == cap) {
			if (cap >= REPLY_MAX) {
				*why = "the reply is too large";
				break;
			}
			char *nb = realloc(buf, cap * 2);
			if (nb == NULL) {
				*why = "out of memory";
				break;
			}
			buf = nb;
			cap *= 2;
		}
		int w = wait_fd(fd, POLLIN, deadline);
		if (w == 0) {
			*why = "timed out waiting for the reply";
			break;
		}
		if (w < 0) {
			*why = strerror(errno);
			break;
		}
		ssize_t n = recv(fd, buf + len, cap - len, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (n < 0) {
			*why = strerror(errno);
			break;
		}
		if (n == 0) {
			*why = "the daemon closed the connection without a reply";
			break;
		}
		char *nl = memchr(buf + len, '\n', (size_t)n);
		len += (size_t)n;
		if (nl != NULL) {
			*nl = '\0';
			return buf;
		}
	}
	free(buf);
	return NULL;
}

static bool parse_timeout(const char *s, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > 86400)
		return false;
	*out = v;
	return true;
}

/* The command options of the table (--conn, --id, ...): each name once. */
#define OPT_CMD_BASE 1000
#define MAX_CMD_OPTS 32

struct cmd_opts {
	const struct ctl_arg *arg[MAX_CMD_OPTS]; /* the first of each name */
	const char *value[MAX_CMD_OPTS];	 /* given: optarg, or "" */
	size_t n;
};

static void collect_cmd_opts(struct cmd_opts *co)
{
	for (size_t i = 0; i < ctl_cmd_count; i++) {
		for (const struct ctl_arg *a = ctl_cmd_table[i].args; a && a->name; a++) {
			size_t k;

			if (a->flags & (CTL_ARGF_POSITIONAL | CTL_ARGF_TIMEOUT))
				continue;
			for (k = 0; k < co->n && strcmp(co->arg[k]->name, a->name); k++)
				;
			if (k == co->n && co->n < MAX_CMD_OPTS)
				co->arg[co->n++] = a;
		}
	}
}

/* The command line's value of a into req; a usage error's status or 0. */
static int set_arg(json_t *req, const char *cmd, const struct ctl_arg *a, const char *v)
{
	json_t *j = NULL;

	switch (a->type) {
	case CTL_ARG_STRING:
		j = json_string(v);
		if (j == NULL)
			return usage_error("--%s of %s: not valid UTF-8", a->name, cmd);
		break;
	case CTL_ARG_INTEGER: {
		char *end;
		long long n;

		errno = 0;
		n = strtoll(v, &end, 10);
		if (errno || end == v || *end || n < 0)
			return usage_error("--%s of %s wants a whole number, not '%s'", a->name,
					   cmd, v);
		j = json_integer(n);
		break;
	}
	case CTL_ARG_BOOLEAN:
		j = json_true();
		break;
	}
	if (j == NULL || json_object_set_new(req, a->name, j) != 0) {
		fputs("conduitctl: out of memory\n", stderr);
		return CTL_EXIT_FAILED;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option std_opts[] = {
		{ "control", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
	};
	const size_t n_std = sizeof(std_opts) / sizeof(std_opts[0]);
	struct option opts[sizeof(std_opts) / sizeof(std_opts[0]) + MAX_CMD_OPTS + 1];
	struct cmd_opts co = { .n = 0 };
	const char *path = getenv("CONDUIT_CONTROL");
	if (path == NULL || path[0] == '\0')
		path = CTL_DEFAULT_PATH;
	bool json_out = false, pretty = false, timeout_given = false;
	long timeout = DEFAULT_TIMEOUT;
	char names[256];
	int c;

	collect_cmd_opts(&co);
	memset(opts, 0, sizeof(opts));
	memcpy(opts, std_opts, sizeof(std_opts));
	for (size_t k = 0; k < co.n; k++) {
		opts[n_std + k].name = co.arg[k]->name;
		opts[n_std + k].has_arg =
		    co.arg[k]->type == CTL_ARG_BOOLEAN ? no_argument : required_argument;
		opts[n_std + k].val = OPT_CMD_BASE + (int)k;
	}
	command_names(names, sizeof(names));

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:jpt:hV", opts, NULL)) != -1) {
		if (c >= OPT_CMD_BASE && c < OPT_CMD_BASE + (int)co.n) {
			co.value[c - OPT_CMD_BASE] = optarg ? optarg : "";
			continue;
		}
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'j':
			json_out = true;
			break;
		case 'p':
			pretty = true;
			break;
		case 't':
			if (!parse_timeout(optarg, &timeout))
				return usage_error("--timeout wants whole seconds from 1 to 86400, "
						   "not '%s'",
						   optarg);
			timeout_given = true;
			break;
		case 'h':
			usage(stdout);
			return CTL_EXIT_OK;
		case 'V':
			printf("conduitctl %s\n", PACKAGE_VERSION);
			return CTL_EXIT_OK;
		case ':':
			return usage_error("option '%s' needs an argument", argv[optind - 1]);
		default:
			/* -c was the socket here and is the configuration file in
			 * conduitd: refuse it rather than guess which was meant. */
			if (optopt == 'c' ||
			    (optopt == 0 && strncmp(argv[optind - 1], "--config", 8) == 0))
				return usage_error("%s", CTL_HINT_C);
			if (optopt != 0)
				return usage_error("unknown option '-%c'", optopt);
			return usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return usage_error("no command given (%s)", names);

	const char *cmd = argv[optind++];
	const struct ctl_cmd_desc *desc = ctl_cmd_find(cmd);
	if (desc == NULL)
		return usage_error("unknown command '%s'; commands: %s", cmd, names);
	json_t *req = json_pack("{s:s}", "cmd", cmd);
	if (req == NULL) {
		fputs("conduitctl: out of memory\n", stderr);
		return CTL_EXIT_FAILED;
	}
	bool waits = false;
	for (const struct ctl_arg *a = desc->args; a != NULL && a->name != NULL; a++) {
		int rc = 0;

		if (a->flags & CTL_ARGF_POSITIONAL) {
			if (optind < argc && argv[optind][0] != '\0') {
				rc = set_arg(req, cmd, a, argv[optind++]);
			} else if (a->required) {
				json_decref(req);
				return usage_error("%s needs a connection name (CONN or CONN/CHILD)",
						   cmd);
			}
		} else if (a->flags & CTL_ARGF_TIMEOUT) {
			/* the daemon answers at this timeout itself */
			waits = true;
			if (timeout_given) {
				char secs[24];

				snprintf(secs, sizeof(secs), "%ld", timeout);
				rc = set_arg(req, cmd, a, secs);
			}
		}
		if (rc != 0) {
			json_decref(req);
			return rc;
		}
	}
	for (size_t k = 0; k < co.n; k++) {
		const struct ctl_arg *a;
		int rc;

		if (co.value[k] == NULL)
			continue;
		a = ctl_cmd_arg(desc, co.arg[k]->name);
		if (a == NULL || (a->flags & (CTL_ARGF_POSITIONAL | CTL_ARGF_TIMEOUT))) {
			json_decref(req);
			return usage_error("%s takes no option --%s", cmd, co.arg[k]->name);
		}
		rc = set_arg(req, cmd, a, co.value[k]);
		if (rc != 0) {
			json_decref(req);
			return rc;
		}
	}
	if (optind < argc) {
		json_decref(req);
		return usage_error("unexpected argument '%s'", argv[optind]);
	}
	/* monitor is answered with a stream of events, not one reply */
	if (strcmp(desc->name, "monitor") == 0) {
		json_decref(req);
		int mfd = connect_daemon(path);
		if (mfd < 0)
			return CTL_EXIT_UNREACHABLE;
		return mon_client_run(mfd, path, json_out || pretty);
	}
	char *line = req ? json_dumps(req, JSON_COMPACT) : NULL;
	if (line == NULL) {
		fputs("conduitctl: out of memory\n", stderr);
		return CTL_EXIT_FAILED;
	}

	long long deadline =
	    now_ms() + (timeout + (waits ? GRACE_SECS : 0)) * 1000LL;
	int fd = connect_daemon(path);
	if (fd < 0) {
		free(line);
		json_decref(req);
		return CTL_EXIT_UNREACHABLE;
	}
	const char *why = NULL;
	char *reply_line = NULL;
	size_t llen = strlen(line);
	if (send_all(fd, line, llen, deadline) != 0 || send_all(fd, "\n", 1, deadline) != 0)
		why = strerror(errno);
	else
		reply_line = read_line(fd, deadline, &why);
	close(fd);
	free(line);
	if (reply_line == NULL) {
		fprintf(stderr, "conduitctl: %s: %s\n", path, why);
		json_decref(req);
		return CTL_EXIT_UNREACHABLE;
	}

	json_error_t jerr;
	json_t *reply = json_loads(reply_line, 0, &jerr);
	int rc;
	if (reply == NULL || !json_is_object(reply)) {
		fprintf(stderr, "conduitctl: %s: the daemon's reply is not a JSON object: %s\n",
			path, reply ? "wrong type" : jerr.text);
		rc = CTL_EXIT_UNREACHABLE;
	} else if (json_out || pretty) {
		if (pretty)
			json_dumpf(reply, stdout, JSON_INDENT(2));
		else
			fputs(reply_line, stdout);
		fputc('\n', stdout);
		rc = json_is_true(json_object_get(reply, "ok")) ? CTL_EXIT_OK : CTL_EXIT_FAILED;
	} else {
		rc = ctl_render(stdout, stderr, req, reply);
	}
	json_decref(reply);
	json_decref(req);
	free(reply_line);
	if (fflush(stdout) != 0 && rc == CTL_EXIT_OK)
		rc = CTL_EXIT_FAILED;
	return rc;
}
