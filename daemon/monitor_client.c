/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "daemon/ctl_render.h"
#include "daemon/monitor_client.h"

/* Longest event line we accept (the daemon's are far shorter). */
#define MON_LINE_MAX (64 * 1024)

static const char *str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	return s ? s : "";
}

static const char *cause_text(const char *cause)
{
	if (!strcmp(cause, "dead"))
		return "the peer is dead (DPD)";
	if (!strcmp(cause, "peer-delete"))
		return "deleted by the peer";
	if (!strcmp(cause, "expired"))
		return "its lifetime expired";
	if (!strcmp(cause, "local"))
		return "closed here";
	return cause;
}

static void addr_text(FILE *out, const json_t *a)
{
	if (!json_is_object(a)) {
		fputs("?", out);
		return;
	}
	const char *ip = str(a, "address");
	long long port = json_integer_value(json_object_get(a, "port"));
	if (strchr(ip, ':'))
		fprintf(out, "[%s]:%lld", ip, port);
	else
		fprintf(out, "%s[%lld]", ip, port);
}

void mon_render_text(FILE *out, const json_t *ev)
{
	const char *name = str(ev, "event");
	const json_t *t = json_object_get(ev, "time");
	const char *reason = str(ev, "reason");
	char when[32] = "";

	if (json_is_integer(t)) {
		time_t tt = (time_t)json_integer_value(t);
		struct tm tm;
		if (localtime_r(&tt, &tm))
			strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S ", &tm);
	}
	fputs(when, out);
	if (!strcmp(name, "dropped")) {
		fprintf(out, "dropped %lld events: this monitor did not read them in time\n",
			(long long)json_integer_value(json_object_get(ev, "count")));
		return;
	}
	/* site-b[3] or site-b[3] net{4} */
	fprintf(out, "%s[%lld]", str(ev, "connection"),
		(long long)json_integer_value(json_object_get(ev, "ike_sa")));
	if (json_object_get(ev, "child")) {
		fprintf(out, " %s", str(ev, "child"));
		if (json_object_get(ev, "child_sa"))
			fprintf(out, "{%lld}",
				(long long)json_integer_value(json_object_get(ev, "child_sa")));
	}
	fputs(": ", out);
	if (!strcmp(name, "ike-up"))
		fputs("IKE SA up", out);
	else if (!strcmp(name, "ike-rekeyed"))
		fputs("IKE SA rekeyed (replaced by its new IKE SA)", out);
	else if (!strcmp(name, "ike-down"))
		fprintf(out, "IKE SA down: %s", cause_text(str(ev, "cause")));
	else if (!strcmp(name, "child-up"))
		fputs("CHILD SA up", out);
	else if (!strcmp(name, "child-rekeyed"))
		fputs("CHILD SA rekeyed (replaced by its new CHILD SA)", out);
	else if (!strcmp(name, "child-down")) {
		fprintf(out, "CHILD SA down: %s", cause_text(str(ev, "cause")));
		const char *action = str(ev, "action");
		if (*action && strcmp(action, "none"))
			fprintf(out, " (action: %s)", action);
	} else if (!strcmp(name, "auth-failed") || !strcmp(name, "failed")) {
		fputs(name[0] == 'a' ? "authentication failed" : "failed", out);
		if (json_object_get(ev, "notify"))
			fprintf(out, ": %s", str(ev, "notify"));
	} else if (!strcmp(name, "nat-moved")) {
		fputs("the peer's NAT mapping moved from ", out);
		addr_text(out, json_object_get(ev, "from"));
		fputs(" to ", out);
		addr_text(out, json_object_get(ev, "to"));
	} else {
		/* A newer daemon's event: shown as it came. */
		char *s = json_dumps(ev, JSON_COMPACT | JSON_SORT_KEYS);
		fprintf(out, "%s %s", name, s ? s : "");
		free(s);
		reason = "";
	}
	if (*reason)
		fprintf(out, ": %s", reason);
	fputc('\n', out);
}

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

/* Handle one line; CTL_EXIT_OK to go on, or the exit status. */
static int one_line(char *line, size_t len, bool first, bool json, const char *path)
{
	json_error_t err;
	json_t *o = json_loadb(line, len, 0, &err);
	int rc = CTL_EXIT_OK;

	if (!json_is_object(o)) {
		fprintf(stderr,
			"conduitctl: %s: the daemon sent a line that is not a JSON object: %s\n",
			path, o ? "wrong type" : err.text);
		json_decref(o);
		return CTL_EXIT_UNREACHABLE;
	}
	if (first && !json_is_true(json_object_get(o, "ok"))) {
		const char *e = json_string_value(json_object_get(o, "error"));
		if (json)
			printf("%.*s\n", (int)len, line);
		else
			fprintf(stderr, "conduitctl: %s\n", e ? e : "the daemon refused");
		rc = CTL_EXIT_FAILED;
	} else if (json) {
		printf("%.*s\n", (int)len, line);
	} else if (!first) {
		mon_render_text(stdout, o);
	}
	json_decref(o);
	if (rc == CTL_EXIT_OK && fflush(stdout) != 0)
		rc = CTL_EXIT_FAILED;
	return rc;
}

int mon_client_run(int fd, const char *path, bool json)
{
	static const char req[] = "{\"cmd\":\"monitor\"}\n";
	struct sigaction sa = { .sa_handler = on_signal };
	char *buf = malloc(MON_LINE_MAX + 1);
	size_t len = 0;
	bool first = true;
	int rc = CTL_EXIT_UNREACHABLE;

	if (buf == NULL) {
		fputs("conduitctl: out of memory\n", stderr);
		close(fd);
		return CTL_EXIT_FAILED;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (send(fd, req, sizeof(req) - 1, MSG_NOSIGNAL) != (ssize_t)sizeof(req) - 1) {
		fprintf(stderr, "conduitctl: %s: %s\n", path, strerror(errno));
		goto out;
	}
	while (!stop) {
		ssize_t n = recv(fd, buf + len, MON_LINE_MAX - len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			fprintf(stderr, "conduitctl: %s: %s\n", path, strerror(errno));
			goto out;
		}
		if (n == 0) {
			fprintf(stderr, "conduitctl: %s: the daemon closed the connection\n", path);
			goto out;
		}
		len += (size_t)n;
		char *start = buf, *nl;
		while ((nl = memchr(start, '\n', len - (size_t)(start - buf))) != NULL) {
			int r = one_line(start, (size_t)(nl - start), first, json, path);
			first = false;
			if (r != CTL_EXIT_OK) {
				rc = r;
				goto out;
			}
			start = nl + 1;
		}
		len -= (size_t)(start - buf);
		memmove(buf, start, len);
		if (len == MON_LINE_MAX) {
			fprintf(stderr, "conduitctl: %s: a line longer than %d octets\n", path,
				MON_LINE_MAX);
			goto out;
		}
	}
	rc = CTL_EXIT_OK;
out:
	free(buf);
	close(fd);
	return rc;
}
