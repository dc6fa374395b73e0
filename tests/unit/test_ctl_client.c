/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conduitctl end to end: this process runs a control server with fake
 * handlers on its event loop while the real conduitctl binary talks to it;
 * the test checks the client's output and exit status.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "daemon/ctl.h"
#include "daemon/ctl_table.h"
#include "daemon/log.h"
#include "daemon/monitor.h"
#include "tests/unit/unit.h"

#ifndef CONDUITCTL_BIN
#error "CONDUITCTL_BIN must name the built conduitctl"
#endif

static struct event_base *base;
static struct ctl_server *srv;
static char dir[40], path[100];

/* A deferred initiate, answered by a timer like the engine would. */
static struct ctl_reply *held;
static struct event *answer_ev;
static json_t *answer;
static json_int_t last_timeout;

static void h_status(void *arg, const json_t *req, struct ctl_reply *r)
{
	ctl_reply_send(r, json_pack("{s:b,s:s,s:i,s:i,s:i,s:i,s:i}", "ok", 1, "version", "0.1.0",
				    "pid", (int)getpid(), "uptime", 42, "connections", 2, "ike_sas",
				    1, "child_sas", 1));
}

static void h_list_sas(void *arg, const json_t *req, struct ctl_reply *r)
{
	/* what the daemon got, when conduitctl sent more than the command */
	if (json_object_size(req) > 1)
		ctl_reply_send(r, json_pack("{s:b,s:[],s:o}", "ok", 1, "ike_sas", "got",
					    json_deep_copy(req)));
	else
		ctl_reply_send(r, json_pack("{s:b,s:[]}", "ok", 1, "ike_sas"));
}

static void h_terminate(void *arg, const json_t *req, struct ctl_reply *r)
{
	ctl_reply_send(r, json_pack("{s:b,s:i}", "ok", 1, "terminated", 1));
}

static void h_reload(void *arg, const json_t *req, struct ctl_reply *r)
{
	ctl_reply_send(r,
		       json_pack("{s:b,s:s,s:[s]}", "ok", 0, "error", "configuration has 1 error",
				 "errors", "/etc/conduit/conduit.conf:3: unknown key 'foo'"));
}

static void forget_held(void)
{
	if (answer_ev != NULL)
		event_free(answer_ev);
	answer_ev = NULL;
	json_decref(answer);
	answer = NULL;
	held = NULL;
}

static void answer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_reply *r = held;
	json_t *a = json_incref(answer);
	forget_held();
	ctl_reply_send(r, a);
}

static void initiate_cancel(void *arg, struct ctl_reply *r, enum ctl_cancel_why why)
{
	forget_held();
}

static void h_initiate(void *arg, const json_t *req, struct ctl_reply *r)
{
	const char *name = ctl_arg_string(req, "name");
	json_int_t t = 30;
	last_timeout = ctl_arg_integer(req, "timeout", &t) ? t : -1;
	ck_assert_ptr_null(held);
	held = r;
	ctl_reply_defer(r, (unsigned int)t * 1000, initiate_cancel, NULL);
	if (strcmp(name, "slow") == 0)
		return; /* never answered: the timeout speaks */
	if (strcmp(name, "bad-psk") == 0)
		answer = json_pack("{s:b,s:s}", "ok", 0, "error",
				   "site-b[3]: AUTHENTICATION_FAILED: peer 192.0.2.2 rejected our "
				   "PSK authentication");
	else
		answer = json_pack("{s:b,s:i,s:[i]}", "ok", 1, "ike_sa", 3, "child_sas", 4);
	answer_ev = evtimer_new(base, answer_cb, NULL);
	struct timeval tv = { .tv_usec = 200000 };
	evtimer_add(answer_ev, &tv);
}

/* conduitctl monitor: a real hub; the loop hook feeds it. */
static struct mon_hub *hub;

static void h_monitor(void *arg, const json_t *req, struct ctl_reply *r)
{
	mon_ctl_subscribe(hub, r);
}

static const struct ctl_command commands[] = {
	{ "status", h_status, NULL },
	{ "monitor", h_monitor, NULL },
	{ "list-sas", h_list_sas, ctl_args_list_sas },
	{ "initiate", h_initiate, ctl_args_initiate },
	{ "terminate", h_terminate, ctl_args_name },
	{ "reload", h_reload, NULL },
};

static const struct ctl_handlers handlers = { commands, sizeof(commands) / sizeof(commands[0]) };

/* A fake daemon that accepts, reads the request, then misbehaves. */
static int raw_listen = -1, raw_conn = -1;
static const char *raw_answer; /* NULL: close without answering */
static bool raw_silent;	       /* never answer, never close */
static bool raw_done;

static void setup(void)
{
	log_init(STDERR_FILENO, LOG_LEVEL_ERROR);
	unsetenv("CONDUIT_CONTROL");
	snprintf(dir, sizeof(dir), "/tmp/conduitctl-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/conduit.sock", dir);
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	char err[256];
	srv = ctl_server_new(base, path, (gid_t)-1, &handlers, NULL, err, sizeof(err));
	ck_assert_msg(srv != NULL, "%s", err);
	hub = mon_hub_new(base);
	ck_assert_ptr_nonnull(hub);
}

static void teardown(void)
{
	if (raw_listen >= 0)
		close(raw_listen);
	ctl_server_free(srv);
	mon_hub_free(hub);
	forget_held();
	event_base_free(base);
	unlink(path);
	rmdir(dir);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char out[256 * 1024], err[16 * 1024];
/* Called on each turn of the wait loop (a raw fake daemon). */
static void (*loop_hook)(void);
static pid_t running; /* the conduitctl that run() waits for */

static void drain(int *fd, char *buf, size_t cap, size_t *len)
{
	if (*fd < 0)
		return;
	ssize_t n = read(*fd, buf + *len, cap - 1 - *len);
	if (n > 0) {
		*len += (size_t)n;
		buf[*len] = '\0';
	} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		close(*fd);
		*fd = -1;
	}
}

/* Run conduitctl with args (NULL-terminated) while serving; its exit
 * status, stdout in out, stderr in err. */
static int run(const char *arg0, ...)
{
	const char *argv[16] = { "conduitctl" };
	size_t argc = 1;
	va_list ap;
	va_start(ap, arg0);
	for (const char *a = arg0; a != NULL && argc < 15; a = va_arg(ap, const char *))
		argv[argc++] = a;
	va_end(ap);
	argv[argc] = NULL;

	int po[2], pe[2];
	ck_assert_int_eq(pipe2(po, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(pe, O_CLOEXEC), 0);
	pid_t pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		dup2(po[1], STDOUT_FILENO);
		dup2(pe[1], STDERR_FILENO);
		char *args[16];
		for (size_t i = 0; i <= argc; i++)
			args[i] = argv[i] ? strdup(argv[i]) : NULL;
		execv(CONDUITCTL_BIN, args);
		_exit(127);
	}
	running = pid;
	close(po[1]);
	close(pe[1]);
	fcntl(po[0], F_SETFL, O_NONBLOCK);
	fcntl(pe[0], F_SETFL, O_NONBLOCK);
	int ofd = po[0], efd = pe[0];
	size_t olen = 0, elen = 0;
	out[0] = err[0] = '\0';
	int status = -1;
	bool exited = false;
	long long end = now_ms() + 20000;
	while (now_ms() < end && (!exited || ofd >= 0 || efd >= 0)) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		if (loop_hook != NULL)
			loop_hook();
		struct pollfd p[2] = { { .fd = ofd, .events = POLLIN },
				       { .fd = efd, .events = POLLIN } };
		poll(p, 2, 2);
		drain(&ofd, out, sizeof(out), &olen);
		drain(&efd, err, sizeof(err), &elen);
		if (!exited && waitpid(pid, &status, WNOHANG) == pid)
			exited = true;
	}
	if (!exited) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		ck_abort_msg("conduitctl did not finish");
	}
	if (ofd >= 0)
		close(ofd);
	if (efd >= 0)
		close(efd);
	ck_assert_msg(WIFEXITED(status), "conduitctl died: status %d; stderr: %s", status, err);
	return WEXITSTATUS(status);
}

/* ------------------------------------------------------------------ */

START_TEST(status_readable)
{
	ck_assert_int_eq(run("--control", path, "status", NULL), 0);
	char want[256];
	snprintf(want, sizeof(want),
		 "conduitd 0.1.0, pid %d, up 42s\n  connections: 2\n  IKE SAs:     1\n"
		 "  CHILD SAs:   1\n",
		 (int)getpid());
	ck_assert_str_eq(out, want);
	ck_assert_str_eq(err, "");
}
END_TEST

START_TEST(status_json)
{
	ck_assert_int_eq(run("--json", "--control", path, "status", NULL), 0);
	char want[256];
	snprintf(want, sizeof(want),
		 "{\"ok\":true,\"schema\":1,\"version\":\"0.1.0\",\"pid\":%d,\"uptime\":42,\"connections\":2,"
		 "\"ike_sas\":1,\"child_sas\":1}\n",
		 (int)getpid());
	ck_assert_str_eq(out, want);

	ck_assert_int_eq(run("-p", "-s", path, "list-sas", NULL), 0);
	ck_assert_str_eq(out, "{\n  \"ok\": true,\n  \"schema\": 1,\n  \"ike_sas\": []\n}\n");

	/* --json keeps the exit status of a reported error. */
	ck_assert_int_eq(run("--json", "--control", path, "reload", NULL), 1);
	ck_assert_ptr_nonnull(strstr(out, "\"ok\":false"));
}
END_TEST

START_TEST(env_selects_socket)
{
	setenv("CONDUIT_CONTROL", path, 1);
	ck_assert_int_eq(run("list-sas", NULL), 0);
	ck_assert_str_eq(out, "no IKE SAs\n");
	/* --control wins over the environment. */
	ck_assert_int_eq(run("--control", "/nonexistent/c.sock", "list-sas", NULL), 3);
}
END_TEST

START_TEST(initiate_waits)
{
	long long t0 = now_ms();
	ck_assert_int_eq(run("--control", path, "initiate", "site-b", NULL), 0);
	ck_assert_int_ge(now_ms() - t0, 190); /* it waited for the answer */
	ck_assert_str_eq(out, "site-b: established (IKE SA 3, CHILD SA 4)\n");
	ck_assert_int_eq(last_timeout, -1); /* the daemon's default */

	/* Options after the command, and a child. */
	ck_assert_int_eq(run("--control", path, "initiate", "site-b/net", "--timeout", "7", NULL),
			 0);
	ck_assert_str_eq(out, "site-b/net: established (IKE SA 3, CHILD SA 4)\n");
	ck_assert_int_eq(last_timeout, 7);
}
END_TEST

START_TEST(initiate_fails)
{
	ck_assert_int_eq(run("--control", path, "initiate", "bad-psk", NULL), 1);
	ck_assert_str_eq(out, "");
	ck_assert_str_eq(err, "conduitctl: site-b[3]: AUTHENTICATION_FAILED: peer 192.0.2.2 "
			      "rejected our PSK authentication\n");
}
END_TEST

START_TEST(initiate_times_out)
{
	ck_assert_int_eq(run("--control", path, "--timeout", "1", "initiate", "slow", NULL), 1);
	ck_assert_str_eq(err, "conduitctl: initiate: timed out after 1 s\n");
	ck_assert_ptr_null(held);
}
END_TEST

START_TEST(terminate_and_reload)
{
	ck_assert_int_eq(run("--control", path, "terminate", "site-b", NULL), 0);
	ck_assert_str_eq(out, "site-b: terminated 1 IKE SA\n");
	ck_assert_int_eq(run("--control", path, "reload", NULL), 1);
	ck_assert_str_eq(err, "conduitctl: configuration has 1 error\n"
			      "  /etc/conduit/conduit.conf:3: unknown key 'foo'\n");
}
END_TEST

START_TEST(no_daemon)
{
	char p[160];
	snprintf(p, sizeof(p), "%s/absent.sock", dir);
	ck_assert_int_eq(run("--control", p, "status", NULL), 3);
	char want[300];
	snprintf(want, sizeof(want),
		 "conduitctl: cannot connect to %s: No such file or directory (is conduitd "
		 "running?)\n",
		 p);
	ck_assert_str_eq(err, want);
	ck_assert_str_eq(out, "");

	/* A stale socket file: nobody listening. */
	ctl_server_free(srv);
	srv = NULL;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	memcpy(sun.sun_path, path, strlen(path) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	ck_assert_int_eq(run("--control", path, "status", NULL), 3);
	ck_assert_ptr_nonnull(strstr(err, "Connection refused (is conduitd running?)"));
}
END_TEST

static void raw_hook(void)
{
	if (raw_done)
		return;
	if (raw_conn < 0) {
		raw_conn = accept(raw_listen, NULL, NULL);
		return;
	}
	char buf[512];
	ssize_t n = recv(raw_conn, buf, sizeof(buf), MSG_DONTWAIT);
	if (n <= 0 || raw_silent)
		return;
	if (raw_answer != NULL)
		(void)!send(raw_conn, raw_answer, strlen(raw_answer), MSG_NOSIGNAL);
	close(raw_conn);
	raw_conn = -1;
	raw_done = true;
}

static void raw_daemon(void)
{
	ctl_server_free(srv);
	srv = NULL;
	unlink(path);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	memcpy(sun.sun_path, path, strlen(path) + 1);
	raw_listen = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	ck_assert_int_eq(bind(raw_listen, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(raw_listen, 4), 0);
	raw_conn = -1;
	loop_hook = raw_hook;
}

START_TEST(daemon_closes_without_reply)
{
	raw_daemon();
	raw_answer = NULL;
	ck_assert_int_eq(run("--control", path, "status", NULL), 3);
	char want[300];
	snprintf(want, sizeof(want),
		 "conduitctl: %s: the daemon closed the connection without a reply\n", path);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(daemon_answers_garbage)
{
	raw_daemon();
	raw_answer = "this is not json\n";
	ck_assert_int_eq(run("--control", path, "status", NULL), 3);
	ck_assert_ptr_nonnull(strstr(err, "the daemon's reply is not a JSON object"));
	raw_done = false;
	raw_answer = "{\"version\":1}\n";
	ck_assert_int_eq(run("--control", path, "status", NULL), 3);
	ck_assert_str_eq(err, "conduitctl: the daemon's answer is not a reply (no \"ok\")\n");
}
END_TEST

START_TEST(daemon_never_answers)
{
	raw_daemon();
	raw_silent = true;
	long long t0 = now_ms();
	ck_assert_int_eq(run("--control", path, "--timeout", "1", "status", NULL), 3);
	ck_assert_int_ge(now_ms() - t0, 950);
	char want[300];
	snprintf(want, sizeof(want), "conduitctl: %s: timed out waiting for the reply\n", path);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(usage_errors)
{
	ck_assert_int_eq(run(NULL), 2);
	ck_assert_ptr_nonnull(strstr(err, "no command given"));
	ck_assert_int_eq(run("--control", path, "frob", NULL), 2);
	ck_assert_str_eq(err, "conduitctl: unknown command 'frob'; commands: status, list-conns, "
			      "list-sas, list-certs, list-pols, list-algs, initiate, terminate, "
			      "rekey, reload, counters, metrics, monitor\n"
			      "Try 'conduitctl --help'.\n");
	ck_assert_int_eq(run("--control", path, "initiate", NULL), 2);
	ck_assert_ptr_nonnull(strstr(err, "initiate needs a connection name"));
	ck_assert_int_eq(run("--control", path, "rekey", NULL), 2);
	ck_assert_ptr_nonnull(strstr(err, "rekey needs a connection name"));
	ck_assert_int_eq(run("--control", path, "terminate", "", NULL), 2);
	ck_assert_int_eq(run("--control", path, "status", "extra", NULL), 2);
	ck_assert_ptr_nonnull(strstr(err, "unexpected argument 'extra'"));
	ck_assert_int_eq(run("--timeout", "0", "status", NULL), 2);
	ck_assert_int_eq(run("--timeout", "5s", "status", NULL), 2);
	ck_assert_ptr_nonnull(strstr(err, "not '5s'"));
	ck_assert_int_eq(run("--bogus", "status", NULL), 2);
	ck_assert_ptr_nonnull(strstr(err, "unknown option '--bogus'"));
	ck_assert_int_eq(run("-x", "status", NULL), 2);
	ck_assert_ptr_nonnull(strstr(err, "unknown option '-x'"));
	ck_assert_int_eq(run("status", "--control", NULL), 2);
	ck_assert_ptr_nonnull(strstr(err, "needs an argument"));
	ck_assert_int_eq(run("--control", path, "initiate", "\xff\xfe", NULL), 2);
	ck_assert_ptr_nonnull(strstr(err, "not valid UTF-8"));
	ck_assert_str_eq(out, "");
}
END_TEST

/* A command's options (from the table) go into the request, typed;
 * another command's are refused. */
START_TEST(command_options)
{
	ck_assert_int_eq(run("-j", "-s", path, "list-sas", "--conn", "site-b", "--id", "3", NULL), 0);
	ck_assert_str_eq(out, "{\"ok\":true,\"schema\":1,\"ike_sas\":[],\"got\":{\"cmd\":"
			      "\"list-sas\",\"conn\":\"site-b\",\"id\":3}}\n");
	/* before the command too (getopt permutes) */
	ck_assert_int_eq(run("-j", "--id=4", "-s", path, "list-sas", NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "\"got\":{\"cmd\":\"list-sas\",\"id\":4}"));
	ck_assert_int_eq(run("-s", path, "list-sas", "--id", "x3", NULL), 2);
	ck_assert_ptr_nonnull(strstr(err, "--id of list-sas wants a whole number, not 'x3'"));
	ck_assert_int_eq(run("-s", path, "status", "--conn", "site-b", NULL), 2);
	ck_assert_ptr_nonnull(strstr(err, "status takes no option --conn"));
	ck_assert_int_eq(run("-s", path, "list-sas", "--conn", NULL), 2);
	ck_assert_str_eq(out, "");
}
END_TEST

/* -c is conduitd's configuration file: conduitctl refuses it (it used to be
 * the socket here) and says where the socket option is. */
START_TEST(c_is_not_the_socket)
{
	static const char hint[] = "conduitctl: -c is conduitd's configuration option; the "
				   "control socket is -s/--control\nTry 'conduitctl --help'.\n";

	ck_assert_int_eq(run("-c", path, "status", NULL), 2);
	ck_assert_str_eq(err, hint);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(run("-c", NULL), 2);
	ck_assert_str_eq(err, hint);
	ck_assert_int_eq(run("--config", path, "status", NULL), 2);
	ck_assert_str_eq(err, hint);
	ck_assert_int_eq(run("--config=/etc/conduit/conduit.conf", "status", NULL), 2);
	ck_assert_str_eq(err, hint);
	ck_assert_int_eq(run("-s", path, "status", NULL), 0);
	ck_assert_int_eq(run("--help", NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "-s, --control PATH"));
	ck_assert_ptr_nonnull(strstr(out, "-c is\n                      refused"));
}
END_TEST

START_TEST(help_and_version)
{
	ck_assert_int_eq(run("--version", NULL), 0);
	ck_assert_str_eq(out, "conduitctl " PACKAGE_VERSION "\n");
	ck_assert_int_eq(run("--help", NULL), 0);
	ck_assert_ptr_nonnull(strstr(out, "Usage: conduitctl [OPTIONS] COMMAND [NAME]"));
	/* Every command the help names is one the client accepts. */
	static const char *const cmds[] = { "status",	"list-conns", "list-sas",
					    "initiate", "terminate",  "reload" };
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		char line[64];
		snprintf(line, sizeof(line), "\n  %s ", cmds[i]);
		ck_assert_msg(strstr(out, line) != NULL, "help lacks %s", cmds[i]);
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		/* Exit 3 (no daemon), never 2 (usage). */
		bool named = strcmp(cmds[i], "initiate") == 0 || strcmp(cmds[i], "terminate") == 0;
		int rc = run("--control", "/nonexistent/x.sock", cmds[i], named ? "n" : NULL, NULL);
		ck_assert_msg(rc == 3, "%s: exit %d: %s", cmds[i], rc, err);
	}
}
END_TEST

/* ---- conduitctl monitor ---- */

static int mon_stage;  /* 0: waiting for the subscriber, 1: events sent, 2: done */
static bool mon_close; /* end by the daemon going away, not by SIGINT */

static void publish(const char *json)
{
	json_t *o = json_loads(json, 0, NULL);
	ck_assert_ptr_nonnull(o);
	mon_hub_publish(hub, o);
	json_decref(o);
}

static int lines(const char *text)
{
	int n = 0;
	for (; *text; text++)
		n += *text == '\n';
	return n;
}

static void monitor_hook(void)
{
	if (mon_stage == 0 && mon_hub_n_clients(hub) == 1) {
		publish("{\"event\":\"ike-up\",\"ike_sa\":3,\"connection\":\"site-b\"}");
		publish("{\"event\":\"child-down\",\"ike_sa\":3,\"connection\":\"site-b\","
			"\"child\":\"net\",\"child_sa\":4,\"cause\":\"dead\",\"action\":\"none\"}");
		mon_stage = 1;
	} else if (mon_stage == 1 && lines(out) == (mon_close ? 3 : 2)) {
		if (mon_close) {
			mon_hub_free(hub);
			hub = mon_hub_new(base);
		} else {
			kill(running, SIGINT);
		}
		mon_stage = 2;
	}
}

START_TEST(monitor_text)
{
	mon_stage = 0;
	mon_close = false;
	loop_hook = monitor_hook;
	ck_assert_int_eq(run("--control", path, "monitor", NULL), 0);
	loop_hook = NULL;
	ck_assert_str_eq(out, "site-b[3]: IKE SA up\n"
			      "site-b[3] net{4}: CHILD SA down: the peer is dead (DPD)\n");
	ck_assert_str_eq(err, "");
	ck_assert_uint_eq(ctl_server_n_clients(srv), 0);
}
END_TEST

START_TEST(monitor_json_daemon_gone)
{
	mon_stage = 0;
	mon_close = true;
	loop_hook = monitor_hook;
	ck_assert_int_eq(run("--json", "--control", path, "monitor", NULL), 3);
	loop_hook = NULL;
	ck_assert_str_eq(
	    out, "{\"ok\":true,\"schema\":1,\"monitor\":true}\n"
		 "{\"event\":\"ike-up\",\"ike_sa\":3,\"connection\":\"site-b\"}\n"
		 "{\"event\":\"child-down\",\"ike_sa\":3,\"connection\":\"site-b\","
		 "\"child\":\"net\",\"child_sa\":4,\"cause\":\"dead\",\"action\":\"none\"}\n");
	char want[256];
	snprintf(want, sizeof(want), "conduitctl: %s: the daemon closed the connection\n", path);
	ck_assert_str_eq(err, want);
}
END_TEST

START_TEST(monitor_refused)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	mon_hub_set_limits(hub, 1, 0, 0, 0);
	ck_assert_int_eq(mon_hub_add(hub, sv[1], NULL, 0), 0);
	ck_assert_int_eq(run("--control", path, "monitor", NULL), 1);
	ck_assert_str_eq(out, "");
	ck_assert_str_eq(err, "conduitctl: monitor: 1 monitors are connected already, the most "
			      "allowed\n");
	ck_assert_uint_eq(mon_hub_n_clients(hub), 1);
	close(sv[0]);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("conduitctl");
	TCase *tc = tcase_create("client");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, status_readable);
	tcase_add_test(tc, monitor_text);
	tcase_add_test(tc, monitor_json_daemon_gone);
	tcase_add_test(tc, monitor_refused);
	tcase_add_test(tc, status_json);
	tcase_add_test(tc, env_selects_socket);
	tcase_add_test(tc, initiate_waits);
	tcase_add_test(tc, initiate_fails);
	tcase_add_test(tc, initiate_times_out);
	tcase_add_test(tc, terminate_and_reload);
	tcase_add_test(tc, c_is_not_the_socket);
	tcase_add_test(tc, no_daemon);
	tcase_add_test(tc, daemon_closes_without_reply);
	tcase_add_test(tc, daemon_answers_garbage);
	tcase_add_test(tc, daemon_never_answers);
	tcase_add_test(tc, usage_errors);
	tcase_add_test(tc, command_options);
	tcase_add_test(tc, help_and_version);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
