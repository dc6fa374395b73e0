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
#include "daemon/monitor_client.h"

#define DEFAULT_TIMEOUT 30
/* The daemon answers initiate itself at the timeout we send; wait a little
 * longer so its precise message wins over ours. */
#define GRACE_SECS 5
#define REPLY_MAX (256u * 1024 * 1024)

static const char usage_text[] =
    "Usage: conduitctl [OPTIONS] COMMAND [NAME]\n"
    "\n"
    "Query and control conduitd, the IKEv2/IPsec daemon.\n"
    "\n"
    "Commands:\n"
    "  status            the daemon's version, uptime and SA counts\n"
    "  list-conns        the configured connections and their children\n"
    "  list-sas          the IKE SAs and their CHILD SAs, with traffic counters\n"
    "  list-certs        the certificates loaded: subject, issuer, validity, key,\n"
    "                    whether its private key is loaded, the file\n"
    "  initiate NAME     start connection NAME, every child of it on one IKE SA\n"
    "                    (CONN/CHILD: that child), and wait until each is up or\n"
    "                    has failed; an IKE SA already up is reused\n"
    "  terminate NAME    delete the IKE SAs of connection NAME (CONN/CHILD: only\n"
    "                    that CHILD_SA; the IKE SA and other children stay)\n"
    "  rekey NAME        rekey the IKE SAs of connection NAME now (CONN/CHILD:\n"
    "                    that CHILD_SA); the rekey runs in the background\n"
    "  reload            re-read the configuration and apply the changes\n"
    "  monitor           print SA events as they happen (up, down and why,\n"
    "                    rekeyed, NAT mapping moved, failures) until interrupted;\n"
    "                    with --json, one JSON object per line\n"
    "\n"
    "Options:\n"
    "  -s, --control PATH  the control socket (default: $CONDUIT_CONTROL, else\n"
    "                      " CTL_DEFAULT_PATH "), as conduitd's -s; -c is\n"
    "                      refused: it is conduitd's configuration file\n"
    "  -j, --json          print the daemon's JSON reply as it came (one line)\n"
    "  -p, --pretty        print the daemon's JSON reply indented\n"
    "  -t, --timeout SECS  how long to wait for an answer (default 30); initiate\n"
    "                      asks the daemon to give up after SECS\n"
    "  -h, --help          show this help\n"
    "  -V, --version       show the version\n"
    "\n"
    "Exit status: 0 success, 1 the daemon reported an error, 2 usage error,\n"
    "3 the daemon could not be reached or gave no valid answer.\n";

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

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "control", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = getenv("CONDUIT_CONTROL");
	if (path == NULL || path[0] == '\0')
		path = CTL_DEFAULT_PATH;
	bool json_out = false, pretty = false, timeout_given = false;
	long timeout = DEFAULT_TIMEOUT;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":s:jpt:hV", opts, NULL)) != -1) {
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
			fputs(usage_text, stdout);
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
		return usage_error("%s", "no command given (status, list-conns, list-sas, "
					 "list-certs, initiate, terminate, rekey, reload, monitor)");

	const char *cmd = argv[optind++];
	bool takes_name;
	if (strcmp(cmd, "status") == 0 || strcmp(cmd, "list-conns") == 0 ||
	    strcmp(cmd, "list-sas") == 0 || strcmp(cmd, "list-certs") == 0 ||
	    strcmp(cmd, "reload") == 0 || strcmp(cmd, "monitor") == 0)
		takes_name = false;
	else if (strcmp(cmd, "initiate") == 0 || strcmp(cmd, "terminate") == 0 ||
		 strcmp(cmd, "rekey") == 0)
		takes_name = true;
	else
		return usage_error("unknown command '%s'; commands: status, list-conns, list-sas, "
				   "list-certs, initiate, terminate, rekey, reload, monitor",
				   cmd);
	const char *name = NULL;
	if (takes_name) {
		if (optind >= argc || argv[optind][0] == '\0')
			return usage_error("%s needs a connection name (CONN or CONN/CHILD)", cmd);
		name = argv[optind++];
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	if (strcmp(cmd, "monitor") == 0) {
		int mfd = connect_daemon(path);
		if (mfd < 0)
			return CTL_EXIT_UNREACHABLE;
		return mon_client_run(mfd, path, json_out || pretty);
	}

	json_t *req = json_pack("{s:s}", "cmd", cmd);
	if (req != NULL && name != NULL &&
	    json_object_set_new(req, "name", json_string(name)) != 0) {
		json_decref(req);
		return usage_error("the name given to %s is not valid UTF-8", cmd);
	}
	if (req != NULL && strcmp(cmd, "initiate") == 0 && timeout_given)
		json_object_set_new(req, "timeout", json_integer(timeout));
	char *line = req ? json_dumps(req, JSON_COMPACT) : NULL;
	if (line == NULL) {
		fputs("conduitctl: out of memory\n", stderr);
		return CTL_EXIT_FAILED;
	}

	long long deadline =
	    now_ms() + (timeout + (strcmp(cmd, "initiate") == 0 ? GRACE_SECS : 0)) * 1000LL;
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
