/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control socket server, driven through real Unix sockets. The test is
 * its own client: it writes with blocking calls (small requests fit the
 * socket buffer) and runs the server's event loop in non-blocking steps
 * while it waits for an answer.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "daemon/ctl.h"
#include "daemon/log.h"
#include "tests/unit/unit.h"

/* ------------------------------------------------------------------ */
/* Fake handlers */

static struct ctl_reply *held; /* a deferred initiate */
static int cancel_calls;
static enum ctl_cancel_why cancel_why;
static bool cancel_answers; /* the cancel callback answers a timeout itself */
static int status_calls;

static const char conns_json[] =
    "{\"ok\":true,\"connections\":[{\"name\":\"site-b\",\"local_addrs\":[\"192.0.2.1\"],"
    "\"remote_addrs\":[\"192.0.2.2\"],\"local_port\":500,\"remote_port\":500,"
    "\"local_id\":\"left\",\"remote_id\":\"right\","
    "\"proposals\":[\"aes256gcm16-prfsha256-x25519\"],\"encap\":false,"
    "\"children\":[{\"name\":\"net\",\"mode\":\"tunnel\",\"local_ts\":[\"10.1.0.0/24\"],"
    "\"remote_ts\":[\"10.2.0.0/24\"],\"esp_proposals\":[\"aes256gcm16\"],"
    "\"start_action\":\"start\"}]}]}";

static void h_status(void *arg, const json_t *req, struct ctl_reply *r)
{
	ck_assert_ptr_eq(arg, &held); /* the server passes its arg */
	ck_assert_str_eq(ctl_reply_command(r), "status");
	status_calls++;
	ctl_reply_send(r, json_pack("{s:b,s:s,s:i,s:i,s:i,s:i,s:i}", "ok", 1, "version", "0.1.0",
				    "pid", (int)getpid(), "uptime", 42, "connections", 2, "ike_sas",
				    1, "child_sas", 1));
}

static void h_list_conns(void *arg, const json_t *req, struct ctl_reply *r)
{
	ctl_reply_send(r, json_loads(conns_json, 0, NULL));
}

static void h_list_sas(void *arg, const json_t *req, struct ctl_reply *r)
{
	ctl_reply_send(r, json_pack("{s:b,s:[]}", "ok", 1, "ike_sas"));
}

static void initiate_cancel(void *arg, struct ctl_reply *r, enum ctl_cancel_why why)
{
	ck_assert_ptr_eq(arg, &held);
	ck_assert_ptr_eq(r, held);
	cancel_calls++;
	cancel_why = why;
	held = NULL;
	if (why == CTL_CANCEL_TIMEOUT && cancel_answers)
		ctl_reply_error(r, "site-b: still connecting; giving up waiting");
	/* Answering a reply whose client is gone is ignored, not a crash. */
	if (why == CTL_CANCEL_GONE)
		ctl_reply_error(r, "nobody hears this");
}

/* "timeout" is in milliseconds here, to keep the tests fast. */
static void h_initiate(void *arg, const json_t *req, struct ctl_reply *r)
{
	const char *name = ctl_arg_string(req, "name");
	ck_assert_ptr_nonnull(name);
	if (strcmp(name, "fail-now") == 0) {
		ctl_reply_error(r, "%s: no such connection", name);
		return;
	}
	ck_assert_ptr_null(held);
	json_int_t t = 0;
	if (!ctl_arg_integer(req, "timeout", &t))
		t = 0;
	held = r;
	ctl_reply_defer(r, (unsigned int)t, initiate_cancel, &held);
}

static void h_terminate(void *arg, const json_t *req, struct ctl_reply *r)
{
	ctl_reply_send(r, json_pack("{s:b,s:i,s:s}", "ok", 1, "terminated", 1, "name",
				    ctl_arg_string(req, "name")));
}

static void h_reload(void *arg, const json_t *req, struct ctl_reply *r)
{
	ctl_reply_send(r,
		       json_pack("{s:b,s:s,s:[s]}", "ok", 0, "error", "configuration has 1 error",
				 "errors", "/etc/conduit/conduit.conf:3: unknown key 'foo'"));
}

/* Deferred without timeout, up to two at once (for the client bound). */
static struct ctl_reply *holds[2];

static void hold_cancel(void *arg, struct ctl_reply *r, enum ctl_cancel_why why)
{
	for (size_t i = 0; i < 2; i++)
		if (holds[i] == r)
			holds[i] = NULL;
}

static void h_hold(void *arg, const json_t *req, struct ctl_reply *r)
{
	size_t i = holds[0] == NULL ? 0 : 1;
	ck_assert_ptr_null(holds[i]);
	holds[i] = r;
	ctl_reply_defer(r, 0, hold_cancel, NULL);
}

static void h_silent(void *arg, const json_t *req, struct ctl_reply *r)
{
}

static void h_bad_reply(void *arg, const json_t *req, struct ctl_reply *r)
{
	ctl_reply_send(r, json_pack("[i]", 1)); /* not an object */
}

/* About 32 KiB per reply, to fill a client that does not read. */
static void h_big(void *arg, const json_t *req, struct ctl_reply *r)
{
	static char pad[32 * 1024];
	memset(pad, 'x', sizeof(pad) - 1);
	ctl_reply_send(r, json_pack("{s:b,s:s}", "ok", 1, "pad", pad));
}

static void h_flag(void *arg, const json_t *req, struct ctl_reply *r)
{
	ctl_reply_send(
	    r, json_pack("{s:b,s:b}", "ok", 1, "flag", json_is_true(json_object_get(req, "flag"))));
}

static const struct ctl_arg flag_args[] = {
	{ "flag", CTL_ARG_BOOLEAN, true },
	{ NULL, CTL_ARG_STRING, false },
};

static const struct ctl_command commands[] = {
	{ "status", h_status, NULL },
	{ "list-conns", h_list_conns, NULL },
	{ "list-sas", h_list_sas, NULL },
	{ "initiate", h_initiate, ctl_args_initiate },
	{ "terminate", h_terminate, ctl_args_name },
	{ "reload", h_reload, NULL },
	{ "silent", h_silent, NULL },
	{ "bad-reply", h_bad_reply, NULL },
	{ "big", h_big, NULL },
	{ "flag", h_flag, flag_args },
	{ "hold", h_hold, NULL },
};

static const struct ctl_handlers handlers = { commands, sizeof(commands) / sizeof(commands[0]) };

#define COMMAND_LIST                                                                               \
	"status, list-conns, list-sas, initiate, terminate, reload, silent, bad-reply, big, "      \
	"flag, hold"

/* ------------------------------------------------------------------ */
/* Fixture and client helpers */

static struct event_base *base;
static struct ctl_server *srv;
static char dir[40], rundir[64], path[100];

static void setup(void)
{
	log_init(STDERR_FILENO, LOG_LEVEL_ERROR);
	snprintf(dir, sizeof(dir), "/tmp/conduit-ctl-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* A missing directory, as /run/conduit on a fresh boot. */
	snprintf(rundir, sizeof(rundir), "%s/run", dir);
	snprintf(path, sizeof(path), "%s/conduit.sock", rundir);
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	char err[256] = "";
	srv = ctl_server_new(base, path, (gid_t)-1, &handlers, &held, err, sizeof(err));
	ck_assert_msg(srv != NULL, "ctl_server_new: %s", err);
}

static void teardown(void)
{
	ctl_server_free(srv);
	event_base_free(base);
	unlink(path);
	rmdir(rundir);
	rmdir(dir);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run the server's loop for about ms milliseconds. */
static void spin(int ms)
{
	long long end = now_ms() + ms;
	do {
		event_base_loop(base, EVLOOP_NONBLOCK);
		usleep(1000);
	} while (now_ms() < end);
	event_base_loop(base, EVLOOP_NONBLOCK);
}

static int client_connect_to(const char *p)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	ck_assert_uint_lt(strlen(p), sizeof(sun.sun_path));
	memcpy(sun.sun_path, p, strlen(p) + 1);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(fd, 0);
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int client_connect(void)
{
	int fd = client_connect_to(path);
	ck_assert_int_ge(fd, 0);
	spin(5); /* let the server accept */
	return fd;
}

static void client_send(int fd, const char *s, size_t len)
{
	size_t off = 0;
	while (off < len) {
		ssize_t n = send(fd, s + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			spin(1);
			continue;
		}
		ck_assert_msg(n > 0, "send: %s", strerror(errno));
		off += (size_t)n;
	}
}

static void client_send_str(int fd, const char *s)
{
	client_send(fd, s, strlen(s));
}

/* One reply line (malloc'd, without newline), or NULL on EOF or after
 * timeout_ms. */
static char *client_read_line(int fd, int timeout_ms)
{
	static char buf[512 * 1024];
	long long end = now_ms() + timeout_ms;
	while (now_ms() < end) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		struct pollfd p = { .fd = fd, .events = POLLIN };
		if (poll(&p, 1, 2) <= 0)
			continue;
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
		if (n <= 0)
			return NULL;
		char *nl = memchr(buf, '\n', (size_t)n);
		if (nl == NULL)
			continue;
		size_t len = (size_t)(nl - buf);
		n = recv(fd, buf, len + 1, 0);
		ck_assert_int_eq(n, (ssize_t)len + 1);
		buf[len] = '\0';
		return strdup(buf);
	}
	return NULL;
}

/* True when the server has closed the connection (after any data). */
static bool client_sees_eof(int fd, int timeout_ms)
{
	char buf[4096];
	long long end = now_ms() + timeout_ms;
	while (now_ms() < end) {
		event_base_loop(base, EVLOOP_NONBLOCK);
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return true;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return true;
		if (n < 0)
			usleep(1000);
	}
	return false;
}

static json_t *read_reply(int fd)
{
	char *line = client_read_line(fd, 3000);
	ck_assert_msg(line != NULL, "no reply");
	json_error_t e;
	json_t *j = json_loads(line, 0, &e);
	ck_assert_msg(j != NULL, "reply is not JSON: %s: %s", e.text, line);
	ck_assert(json_is_object(j));
	/* every reply, errors too, carries the schema version after "ok";
	 * the tests compare the rest */
	ck_assert_msg(strncmp(line, "{\"ok\":", 6) == 0 && strstr(line, ",\"schema\":1") != NULL,
		      "no schema after ok: %s", line);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "schema")), CTL_SCHEMA_VERSION);
	json_object_del(j, "schema");
	free(line);
	return j;
}

static json_t *roundtrip(int fd, const char *line)
{
	client_send_str(fd, line);
	return read_reply(fd);
}

static void assert_error(json_t *reply, const char *expect)
{
	ck_assert(json_is_false(json_object_get(reply, "ok")));
	const char *e = json_string_value(json_object_get(reply, "error"));
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(e, expect);
	json_decref(reply);
}

static void assert_error_prefix(json_t *reply, const char *prefix)
{
	ck_assert(json_is_false(json_object_get(reply, "ok")));
	const char *e = json_string_value(json_object_get(reply, "error"));
	ck_assert_ptr_nonnull(e);
	ck_assert_msg(strncmp(e, prefix, strlen(prefix)) == 0, "error '%s' lacks '%s'", e, prefix);
	json_decref(reply);
}

static void assert_status_ok(int fd)
{
	json_t *r = roundtrip(fd, "{\"cmd\":\"status\"}\n");
	ck_assert(json_is_true(json_object_get(r, "ok")));
	ck_assert_int_eq(json_integer_value(json_object_get(r, "pid")), getpid());
	json_decref(r);
}

/* ------------------------------------------------------------------ */
/* Commands */

START_TEST(status_command)
{
	int fd = client_connect();
	json_t *r = roundtrip(fd, "{\"cmd\":\"status\"}\n");
	json_t *want =
	    json_pack("{s:b,s:s,s:i,s:i,s:i,s:i,s:i}", "ok", 1, "version", "0.1.0", "pid",
		      (int)getpid(), "uptime", 42, "connections", 2, "ike_sas", 1, "child_sas", 1);
	ck_assert(json_equal(r, want));
	json_decref(r);
	json_decref(want);
	ck_assert_int_eq(status_calls, 1);
	ck_assert_uint_eq(ctl_server_n_clients(srv), 1);
	close(fd);
}
END_TEST

START_TEST(every_command)
{
	int fd = client_connect();

	json_t *r = roundtrip(fd, "{\"cmd\":\"list-conns\"}\n");
	json_t *want = json_loads(conns_json, 0, NULL);
	ck_assert(json_equal(r, want));
	json_decref(r);
	json_decref(want);

	r = roundtrip(fd, "{\"cmd\":\"list-sas\"}\n");
	ck_assert(json_is_true(json_object_get(r, "ok")));
	ck_assert_uint_eq(json_array_size(json_object_get(r, "ike_sas")), 0);
	json_decref(r);

	r = roundtrip(fd, "{\"cmd\":\"terminate\",\"name\":\"site-b\"}\n");
	ck_assert_int_eq(json_integer_value(json_object_get(r, "terminated")), 1);
	ck_assert_str_eq(json_string_value(json_object_get(r, "name")), "site-b");
	json_decref(r);

	r = roundtrip(fd, "{\"cmd\":\"reload\"}\n");
	ck_assert(json_is_false(json_object_get(r, "ok")));
	ck_assert_uint_eq(json_array_size(json_object_get(r, "errors")), 1);
	json_decref(r);

	r = roundtrip(fd, "{\"cmd\":\"initiate\",\"name\":\"fail-now\"}\n");
	assert_error(r, "fail-now: no such connection");

	r = roundtrip(fd, "{\"cmd\":\"flag\",\"flag\":true}\n");
	ck_assert(json_is_true(json_object_get(r, "flag")));
	json_decref(r);

	/* Replies are one line each even when a value has newlines. */
	r = roundtrip(fd, "{\"cmd\":\"terminate\",\"name\":\"a\\nb\"}\n");
	ck_assert_str_eq(json_string_value(json_object_get(r, "name")), "a\nb");
	json_decref(r);
	close(fd);
}
END_TEST

START_TEST(unknown_command)
{
	int fd = client_connect();
	assert_error(roundtrip(fd, "{\"cmd\":\"foo\"}\n"),
		     "unknown command 'foo'; commands: " COMMAND_LIST);
	assert_status_ok(fd); /* the connection stays usable */
	close(fd);
}
END_TEST

START_TEST(bad_requests)
{
	int fd = client_connect();
	assert_error_prefix(roundtrip(fd, "{\"cmd\":\n"), "invalid JSON at line 1, column ");
	assert_error(roundtrip(fd, "{\"cmd\" \"status\"}\n"),
		     "invalid JSON at line 1, column 15: ':' expected near '\"status\"'");
	assert_error_prefix(roundtrip(fd, "{\"cmd\":\"status\"} x\n"), "invalid JSON at line 1");
	assert_error_prefix(roundtrip(fd, "{\"cmd\":\"status\",\"cmd\":\"status\"}\n"),
			    "invalid JSON at line 1");
	/* NUL inside a string, invalid UTF-8, raw binary. */
	assert_error_prefix(roundtrip(fd, "{\"cmd\":\"st\\u0000atus\"}\n"), "invalid JSON");
	assert_error_prefix(roundtrip(fd, "{\"cmd\":\"\xff\xfe\"}\n"), "invalid JSON");
	client_send(fd, "\x00\x01\x02{\n", 5);
	assert_error_prefix(read_reply(fd), "invalid JSON");
	assert_error(roundtrip(fd, "[1,2]\n"),
		     "a request is a JSON object, not an array, e.g. {\"cmd\":\"status\"}");
	assert_error(roundtrip(fd, "\"status\"\n"),
		     "a request is a JSON object, not a string, e.g. {\"cmd\":\"status\"}");
	assert_error(roundtrip(fd, "{}\n"), "missing \"cmd\" (a string); commands: " COMMAND_LIST);
	assert_error(roundtrip(fd, "{\"cmd\":5}\n"), "\"cmd\" must be a string, not an integer");
	assert_error(roundtrip(fd, "{\"cmd\":null}\n"), "\"cmd\" must be a string, not null");
	/* Deeply nested input is refused by the parser, not the stack. */
	char deep[20001];
	memset(deep, '[', sizeof(deep) - 2);
	deep[sizeof(deep) - 2] = '\n';
	deep[sizeof(deep) - 1] = '\0';
	assert_error_prefix(roundtrip(fd, deep), "invalid JSON");

	/* Blank lines are skipped; CRLF is accepted. */
	client_send_str(fd, "\n  \r\n");
	json_t *r = roundtrip(fd, "{\"cmd\":\"list-sas\"}\r\n");
	ck_assert(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	assert_status_ok(fd);
	close(fd);
}
END_TEST

START_TEST(argument_checks)
{
	int fd = client_connect();
	assert_error(roundtrip(fd, "{\"cmd\":\"initiate\"}\n"),
		     "initiate: missing argument 'name' (a string)");
	assert_error(roundtrip(fd, "{\"cmd\":\"initiate\",\"name\":5}\n"),
		     "initiate: argument 'name' must be a string, not an integer");
	assert_error(roundtrip(fd, "{\"cmd\":\"initiate\",\"name\":\"a\",\"timeout\":\"5\"}\n"),
		     "initiate: argument 'timeout' must be an integer, not a string");
	assert_error(roundtrip(fd, "{\"cmd\":\"initiate\",\"name\":\"a\",\"timeout\":1.5}\n"),
		     "initiate: argument 'timeout' must be an integer, not a number with a "
		     "fraction");
	assert_error(roundtrip(fd, "{\"cmd\":\"initiate\",\"nmae\":\"a\"}\n"),
		     "initiate: unknown argument 'nmae'; arguments: name, timeout");
	assert_error(roundtrip(fd, "{\"cmd\":\"status\",\"verbose\":true}\n"),
		     "status: unknown argument 'verbose'; status takes no arguments");
	assert_error(roundtrip(fd, "{\"cmd\":\"terminate\",\"name\":[]}\n"),
		     "terminate: argument 'name' must be a string, not an array");
	assert_error(roundtrip(fd, "{\"cmd\":\"flag\",\"flag\":1}\n"),
		     "flag: argument 'flag' must be a boolean, not an integer");
	ck_assert_ptr_null(held); /* no handler ran */
	close(fd);
}
END_TEST

START_TEST(handler_without_answer)
{
	int fd = client_connect();
	assert_error(roundtrip(fd, "{\"cmd\":\"silent\"}\n"),
		     "internal error: 'silent' gave no answer");
	assert_error(roundtrip(fd, "{\"cmd\":\"bad-reply\"}\n"),
		     "internal error: the daemon could not build the reply");
	assert_status_ok(fd);
	close(fd);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Limits */

START_TEST(overlong_line)
{
	int fd = client_connect();
	/* Exactly CTL_LINE_MAX is still a request (refused for its content). */
	static char line[CTL_LINE_MAX + 200];
	const char *head = "{\"cmd\":\"status\",\"pad\":\"";
	size_t hl = strlen(head);
	memcpy(line, head, hl);
	memset(line + hl, 'a', CTL_LINE_MAX - hl - 2);
	memcpy(line + CTL_LINE_MAX - 2, "\"}\n", 4);
	ck_assert_uint_eq(strlen(line), CTL_LINE_MAX + 1);
	assert_error(roundtrip(fd, line),
		     "status: unknown argument 'pad'; status takes no arguments");

	/* One more octet is too long, newline or not. */
	memset(line, 'a', CTL_LINE_MAX + 1);
	memcpy(line + CTL_LINE_MAX + 1, "\n", 2);
	assert_error(roundtrip(fd, line),
		     "request line longer than 65536 octets; closing the connection");
	ck_assert(client_sees_eof(fd, 3000));
	close(fd);

	fd = client_connect();
	memset(line, 'b', sizeof(line));
	client_send(fd, line, sizeof(line)); /* no newline at all */
	assert_error(read_reply(fd),
		     "request line longer than 65536 octets; closing the connection");
	ck_assert(client_sees_eof(fd, 3000));
	close(fd);
	spin(10);
	ck_assert_uint_eq(ctl_server_n_clients(srv), 0);
}
END_TEST

START_TEST(two_clients)
{
	int a = client_connect(), b = client_connect();
	ck_assert_uint_eq(ctl_server_n_clients(srv), 2);
	client_send_str(a, "{\"cmd\":\"initiate\",\"name\":\"site-b\"}\n");
	spin(20);
	ck_assert_ptr_nonnull(held);
	/* b is served while a waits. */
	assert_status_ok(b);
	assert_status_ok(b);
	ck_assert_ptr_nonnull(held);
	ctl_reply_send(held, json_pack("{s:b,s:i,s:[i]}", "ok", 1, "ike_sa", 3, "child_sas", 4));
	held = NULL;
	json_t *r = read_reply(a);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "ike_sa")), 3);
	json_decref(r);
	ck_assert_int_eq(cancel_calls, 0);
	close(b);
	assert_status_ok(a);
	close(a);
}
END_TEST

START_TEST(deferred_reply_holds_later_requests)
{
	int fd = client_connect();
	/* initiate, then status pipelined on the same connection. */
	client_send_str(fd,
			"{\"cmd\":\"initiate\",\"name\":\"site-b/net\"}\n{\"cmd\":\"status\"}\n");
	ck_assert_ptr_null(client_read_line(fd, 100)); /* nothing yet */
	ck_assert_ptr_nonnull(held);
	ck_assert_int_eq(status_calls, 0); /* status waits its turn */

	struct ctl_reply *r = held;
	held = NULL;
	ctl_reply_send(r, json_pack("{s:b,s:i,s:[i]}", "ok", 1, "ike_sa", 3, "child_sas", 4));
	json_t *j = read_reply(fd);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "ike_sa")), 3);
	json_decref(j);
	j = read_reply(fd);
	ck_assert_int_eq(json_integer_value(json_object_get(j, "pid")), getpid());
	json_decref(j);
	ck_assert_int_eq(status_calls, 1);
	ck_assert_int_eq(cancel_calls, 0);
	close(fd);
}
END_TEST

START_TEST(deferred_error_reply)
{
	int fd = client_connect();
	client_send_str(fd, "{\"cmd\":\"initiate\",\"name\":\"site-b\"}\n");
	spin(20);
	ck_assert_ptr_nonnull(held);
	struct ctl_reply *r = held;
	held = NULL;
	ctl_reply_error(r,
			"site-b[3]: AUTHENTICATION_FAILED: peer %s rejected our PSK "
			"authentication",
			"192.0.2.2");
	assert_error(read_reply(fd), "site-b[3]: AUTHENTICATION_FAILED: peer 192.0.2.2 rejected "
				     "our PSK authentication");
	close(fd);
}
END_TEST

START_TEST(deferred_client_disconnects)
{
	int fd = client_connect();
	client_send_str(fd, "{\"cmd\":\"initiate\",\"name\":\"site-b\"}\n");
	spin(20);
	ck_assert_ptr_nonnull(held);
	close(fd);
	spin(30);
	ck_assert_int_eq(cancel_calls, 1);
	ck_assert_int_eq(cancel_why, CTL_CANCEL_GONE);
	ck_assert_ptr_null(held);
	ck_assert_uint_eq(ctl_server_n_clients(srv), 0);

	/* The server goes on. */
	fd = client_connect();
	assert_status_ok(fd);
	close(fd);
}
END_TEST

START_TEST(deferred_client_half_closes)
{
	int fd = client_connect();
	client_send_str(fd, "{\"cmd\":\"initiate\",\"name\":\"site-b\"}\n");
	ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
	ck_assert(client_sees_eof(fd, 3000));
	ck_assert_int_eq(cancel_calls, 1);
	ck_assert_int_eq(cancel_why, CTL_CANCEL_GONE);
	close(fd);
}
END_TEST

START_TEST(deferred_timeout)
{
	int fd = client_connect();
	client_send_str(fd, "{\"cmd\":\"initiate\",\"name\":\"site-b\",\"timeout\":50}\n");
	assert_error(read_reply(fd), "initiate: timed out after 50 ms");
	ck_assert_int_eq(cancel_calls, 1);
	ck_assert_int_eq(cancel_why, CTL_CANCEL_TIMEOUT);
	ck_assert_ptr_null(held);

	/* The handler's own message wins when it answers in the callback. */
	cancel_answers = true;
	client_send_str(fd, "{\"cmd\":\"initiate\",\"name\":\"site-b\",\"timeout\":2000}\n");
	assert_error(read_reply(fd), "site-b: still connecting; giving up waiting");
	ck_assert_int_eq(cancel_calls, 2);
	assert_status_ok(fd);
	close(fd);
}
END_TEST

START_TEST(free_with_pending_reply)
{
	int fd = client_connect();
	client_send_str(fd, "{\"cmd\":\"initiate\",\"name\":\"site-b\",\"timeout\":5000}\n");
	spin(20);
	ck_assert_ptr_nonnull(held);
	ctl_server_free(srv);
	srv = NULL;
	ck_assert_int_eq(cancel_calls, 1);
	ck_assert_int_eq(cancel_why, CTL_CANCEL_GONE);
	ck_assert_ptr_null(held);
	ck_assert(client_sees_eof(fd, 1000));
	struct stat st;
	ck_assert_int_ne(lstat(path, &st), 0); /* unlinked */
	close(fd);
}
END_TEST

START_TEST(client_that_never_reads)
{
	ctl_server_set_limits(srv, 0, 64 * 1024);
	int slow = client_connect();
	int rcv = 4096;
	setsockopt(slow, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	/* 200 requests of 32 KiB replies: far beyond what the socket holds. */
	for (int i = 0; i < 200 && ctl_server_n_clients(srv) > 0; i++) {
		if (send(slow, "{\"cmd\":\"big\"}\n", 14, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
			break;
		spin(1);
	}
	spin(50);
	ck_assert_uint_eq(ctl_server_n_clients(srv), 0);
	/* Others are still served. */
	int fd = client_connect();
	assert_status_ok(fd);
	close(fd);
	close(slow);
}
END_TEST

START_TEST(too_many_clients_longest_idle_replaced)
{
	ctl_server_set_limits(srv, 2, 0);
	int a = client_connect(), b = client_connect();
	spin(5);
	assert_status_ok(a); /* a was active after b connected: b is idle longest */
	int c = client_connect();
	assert_error(read_reply(b), "replaced by a new control connection (2 at most; this one "
				    "was idle longest)");
	ck_assert(client_sees_eof(b, 1000));
	close(b);
	assert_status_ok(c);
	assert_status_ok(a);
	ck_assert_uint_eq(ctl_server_n_clients(srv), 2);
	close(a);
	close(c);
}
END_TEST

START_TEST(too_many_clients_all_busy)
{
	ctl_server_set_limits(srv, 2, 0);
	int a = client_connect(), b = client_connect();
	client_send_str(a, "{\"cmd\":\"hold\"}\n");
	client_send_str(b, "{\"cmd\":\"hold\"}\n");
	spin(20);
	ck_assert_ptr_nonnull(holds[0]);
	ck_assert_ptr_nonnull(holds[1]);
	/* Both wait for an answer: neither is dropped for the newcomer. */
	int c = client_connect();
	assert_error(read_reply(c), "too many control connections (2), all waiting for an "
				    "answer; try again later");
	ck_assert(client_sees_eof(c, 1000));
	close(c);
	ck_assert_uint_eq(ctl_server_n_clients(srv), 2);
	ctl_reply_send(holds[0], json_pack("{s:b}", "ok", 1));
	holds[0] = NULL;
	json_t *r = read_reply(a);
	ck_assert(json_is_true(json_object_get(r, "ok")));
	json_decref(r);
	/* a is idle now: the next newcomer takes its place, b keeps waiting. */
	c = client_connect();
	ck_assert(client_sees_eof(a, 1000));
	assert_status_ok(c);
	ck_assert_ptr_nonnull(holds[1]);
	close(a);
	close(b);
	close(c);
	spin(20);
	ck_assert_ptr_null(holds[1]); /* cancelled when b went */
}
END_TEST

/* The idle timer starts when the server accepts, which is after t0: the
 * drop cannot come earlier than idle_ms after t0 (less a tick of
 * libevent's coarse clock), whatever the load; how much later it comes
 * depends on the load only, so the wait for it is long. The log names the
 * idle timer as the reason. */
START_TEST(idle_client_dropped)
{
	int logs[2];
	char log[4096];

	ck_assert_int_eq(pipe2(logs, O_NONBLOCK | O_CLOEXEC), 0);
	log_init(logs[1], LOG_LEVEL_WARN);
	ctl_server_set_idle_timeout(srv, 200);
	long long t0 = now_ms();
	int fd = client_connect();
	ck_assert(client_sees_eof(fd, 10000));
	long long took = now_ms() - t0;
	ck_assert_msg(took >= 200 - 20, "dropped after %lld ms", took);
	ssize_t n = read(logs[0], log, sizeof(log) - 1);
	ck_assert_int_gt(n, 0);
	log[n] = '\0';
	ck_assert_msg(strstr(log, ": completed no request in 200 ms\n"), "%s", log);
	close(fd);
	spin(10);
	ck_assert_uint_eq(ctl_server_n_clients(srv), 0);
	log_init(STDERR_FILENO, LOG_LEVEL_ERROR);
	close(logs[0]);
	close(logs[1]);
}
END_TEST

START_TEST(trickling_client_dropped)
{
	/* One byte every 50 ms never completes a request: the bytes do not
	 * restart the timer. */
	ctl_server_set_idle_timeout(srv, 200);
	int fd = client_connect();
	const char *req = "{\"cmd\":                                    \"status\"}\n";
	bool dropped = false;
	size_t i;
	for (i = 0; req[i] != '\0' && !dropped; i++) {
		if (send(fd, req + i, 1, MSG_NOSIGNAL | MSG_DONTWAIT) != 1)
			break;
		dropped = client_sees_eof(fd, 50);
	}
	ck_assert_msg(dropped, "still connected after %zu octets", i);
	ck_assert_uint_lt(i, strlen(req));
	ck_assert_int_eq(status_calls, 0);
	close(fd);
}
END_TEST

START_TEST(active_and_waiting_clients_kept)
{
	/* A request every 100 ms keeps a client for well past the timeout.
	 * The timeout is ten gaps long: a loaded machine that stretches one
	 * gap past it would make a drop that is no bug. */
	ctl_server_set_idle_timeout(srv, 1000);
	int fd = client_connect();
	long long t0 = now_ms();
	while (now_ms() - t0 < 1500) {
		spin(100);
		assert_status_ok(fd);
	}
	/* Waiting for a deferred reply is not idle. */
	client_send_str(fd, "{\"cmd\":\"initiate\",\"name\":\"site-b\"}\n");
	ck_assert(!client_sees_eof(fd, 1500));
	ck_assert_ptr_nonnull(held);
	ctl_reply_send(held, json_pack("{s:b,s:i}", "ok", 1, "ike_sa", 3));
	held = NULL;
	json_t *r = read_reply(fd);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "ike_sa")), 3);
	json_decref(r);
	/* ...and idle again once answered. */
	ck_assert(client_sees_eof(fd, 10000));
	close(fd);
}
END_TEST

START_TEST(request_then_eof)
{
	/* A client that sends and half-closes still gets its answer, even
	 * without a final newline. */
	int fd = client_connect();
	client_send_str(fd, "{\"cmd\":\"status\"}\n{\"cmd\":\"list-sas\"}");
	ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
	json_t *r = read_reply(fd);
	ck_assert_int_eq(json_integer_value(json_object_get(r, "pid")), getpid());
	json_decref(r);
	r = read_reply(fd);
	ck_assert(json_is_array(json_object_get(r, "ike_sas")));
	json_decref(r);
	ck_assert(client_sees_eof(fd, 1000));
	close(fd);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The socket file */

START_TEST(socket_mode_and_dir)
{
	struct stat st;
	ck_assert_int_eq(lstat(path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0600);
	ck_assert_int_eq(stat(rundir, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	ck_assert_int_eq(st.st_mode & 07777, 0750);
}
END_TEST

START_TEST(unsafe_dir_refused)
{
	char p2[160], err[256] = "", want[300];
	snprintf(p2, sizeof(p2), "%s/x.sock", rundir);
	ck_assert_int_eq(chmod(rundir, 0770), 0);
	ck_assert_int_eq(ctl_prepare_dir(p2, (gid_t)-1, err, sizeof(err)), -EPERM);
	snprintf(want, sizeof(want),
		 "%s is writable by its group (mode 0770); refusing to put the control socket "
		 "there",
		 rundir);
	ck_assert_str_eq(err, want);
	ck_assert_ptr_null(ctl_server_new(base, p2, (gid_t)-1, &handlers, &held, err, sizeof(err)));
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(chmod(rundir, 0703), 0);
	ck_assert_int_eq(ctl_prepare_dir(p2, (gid_t)-1, err, sizeof(err)), -EPERM);
	ck_assert_ptr_nonnull(strstr(err, "is writable by others (mode 0703)"));
	ck_assert_int_eq(chmod(rundir, 0700), 0);
	ck_assert_int_eq(ctl_prepare_dir(p2, (gid_t)-1, err, sizeof(err)), 0);

	/* /tmp: someone else's, or (as root) everyone's to write. */
	ck_assert_int_eq(ctl_prepare_dir("/tmp/conduit-x.sock", (gid_t)-1, err, sizeof(err)),
			 -EPERM);
	ck_assert_ptr_nonnull(strstr(err, "refusing to put the control socket there"));

	/* Someone else's directory (needs root to make one). */
	if (geteuid() == 0) {
		ck_assert_int_eq(chown(rundir, 65534, (gid_t)-1), 0);
		ck_assert_int_eq(ctl_prepare_dir(p2, (gid_t)-1, err, sizeof(err)), -EPERM);
		snprintf(want, sizeof(want),
			 "%s is owned by uid 65534, not by us (uid 0); refusing to put the "
			 "control socket there",
			 rundir);
		ck_assert_str_eq(err, want);
		ck_assert_int_eq(chown(rundir, 0, (gid_t)-1), 0);
	}

	/* A symbolic link in the directory's place (to our own directory). */
	char link[100];
	snprintf(link, sizeof(link), "%s/linked", dir);
	ck_assert_int_eq(symlink(rundir, link), 0);
	snprintf(p2, sizeof(p2), "%s/x.sock", link);
	ck_assert_int_eq(ctl_prepare_dir(p2, (gid_t)-1, err, sizeof(err)), -ELOOP);
	snprintf(want, sizeof(want),
		 "%s is a symbolic link; refusing to put the control socket there", link);
	ck_assert_str_eq(err, want);
	unlink(link);
}
END_TEST

START_TEST(dir_created_for_group)
{
	char sub[160], p2[200], err[256] = "";
	snprintf(sub, sizeof(sub), "%s/grp", dir);
	snprintf(p2, sizeof(p2), "%s/x.sock", sub);
	mode_t old = umask(0077); /* the mode is exact whatever the umask */
	ck_assert_int_eq(ctl_prepare_dir(p2, getgid(), err, sizeof(err)), 0);
	umask(old);
	struct stat st;
	ck_assert_int_eq(stat(sub, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0750);
	ck_assert_int_eq(st.st_gid, getgid());
	/* An existing one of ours stays as it is without a group. */
	ck_assert_int_eq(chmod(sub, 0700), 0);
	ck_assert_int_eq(ctl_prepare_dir(p2, (gid_t)-1, err, sizeof(err)), 0);
	ck_assert_int_eq(stat(sub, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0700);
	/* ...and is opened to the group with one. */
	ck_assert_int_eq(ctl_prepare_dir(p2, getgid(), err, sizeof(err)), 0);
	ck_assert_int_eq(stat(sub, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0750);
	rmdir(sub);
}
END_TEST

START_TEST(socket_group_mode)
{
	char p2[160], err[256];
	snprintf(p2, sizeof(p2), "%s/group.sock", rundir);
	struct ctl_server *s2 =
	    ctl_server_new(base, p2, getgid(), &handlers, &held, err, sizeof(err));
	ck_assert_msg(s2 != NULL, "%s", err);
	struct stat st;
	ck_assert_int_eq(lstat(p2, &st), 0);
	ck_assert_int_eq(st.st_mode & 07777, 0660);
	ck_assert_int_eq(st.st_gid, getgid());
	ctl_server_free(s2);
	ck_assert_int_ne(lstat(p2, &st), 0);
}
END_TEST

START_TEST(live_socket_refused)
{
	char err[256] = "";
	struct ctl_server *s2 =
	    ctl_server_new(base, path, (gid_t)-1, &handlers, &held, err, sizeof(err));
	ck_assert_ptr_null(s2);
	char want[300];
	snprintf(want, sizeof(want), "%s is in use by a running process (another conduitd?)", path);
	ck_assert_str_eq(err, want);
	/* The running server keeps its socket. */
	int fd = client_connect();
	assert_status_ok(fd);
	close(fd);
}
END_TEST

START_TEST(stale_socket_replaced)
{
	ctl_server_free(srv);
	srv = NULL;
	/* A socket file left by a crashed daemon: bound, nobody listening. */
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	ck_assert_int_lt(client_connect_to(path), 0);

	char err[256] = "";
	srv = ctl_server_new(base, path, (gid_t)-1, &handlers, &held, err, sizeof(err));
	ck_assert_msg(srv != NULL, "%s", err);
	fd = client_connect();
	assert_status_ok(fd);
	close(fd);
}
END_TEST

START_TEST(not_a_socket_refused)
{
	char p2[160], err[256] = "";
	snprintf(p2, sizeof(p2), "%s/file", rundir);
	FILE *f = fopen(p2, "w");
	ck_assert_ptr_nonnull(f);
	fputs("keep me", f);
	fclose(f);
	ck_assert_ptr_null(ctl_server_new(base, p2, (gid_t)-1, &handlers, &held, err, sizeof(err)));
	char want[300];
	snprintf(want, sizeof(want), "%s exists and is not a socket; not replacing it", p2);
	ck_assert_str_eq(err, want);
	struct stat st;
	ck_assert_int_eq(stat(p2, &st), 0);
	ck_assert_int_eq(st.st_size, 7);
	unlink(p2);

	/* A directory where the socket's directory should be a directory. */
	snprintf(p2, sizeof(p2), "%s/conduit.sock/x.sock", rundir);
	ck_assert_ptr_null(ctl_server_new(base, p2, (gid_t)-1, &handlers, &held, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "is not a directory"));
}
END_TEST

START_TEST(bad_paths)
{
	char err[256] = "", p2[200];
	memset(p2, 'x', sizeof(p2) - 1);
	p2[0] = '/';
	p2[sizeof(p2) - 1] = '\0';
	ck_assert_ptr_null(ctl_server_new(base, p2, (gid_t)-1, &handlers, &held, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "longer than 107 octets"));
	ck_assert_ptr_null(ctl_server_new(base, "", (gid_t)-1, &handlers, &held, err, sizeof(err)));
	ck_assert_str_eq(err, "the control socket path is empty");
	/* Two missing levels: only one is created. */
	snprintf(p2, sizeof(p2), "%s/a/b/c.sock", dir);
	ck_assert_ptr_null(ctl_server_new(base, p2, (gid_t)-1, &handlers, &held, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "No such file or directory"));
}
END_TEST

START_TEST(unlinked_on_free_unless_replaced)
{
	struct stat st;
	ctl_server_free(srv);
	srv = NULL;
	ck_assert_int_ne(lstat(path, &st), 0);

	/* A server whose file was replaced by another's leaves it alone. */
	char err[256];
	srv = ctl_server_new(base, path, (gid_t)-1, &handlers, &held, err, sizeof(err));
	ck_assert_ptr_nonnull(srv);
	ck_assert_int_eq(unlink(path), 0);
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ctl_server_free(srv);
	srv = NULL;
	ck_assert_int_eq(lstat(path, &st), 0);
	close(fd);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ctl");
	TCase *tc = tcase_create("server");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, status_command);
	tcase_add_test(tc, every_command);
	tcase_add_test(tc, unknown_command);
	tcase_add_test(tc, bad_requests);
	tcase_add_test(tc, argument_checks);
	tcase_add_test(tc, handler_without_answer);
	tcase_add_test(tc, overlong_line);
	tcase_add_test(tc, two_clients);
	tcase_add_test(tc, deferred_reply_holds_later_requests);
	tcase_add_test(tc, deferred_error_reply);
	tcase_add_test(tc, deferred_client_disconnects);
	tcase_add_test(tc, deferred_client_half_closes);
	tcase_add_test(tc, deferred_timeout);
	tcase_add_test(tc, free_with_pending_reply);
	tcase_add_test(tc, client_that_never_reads);
	tcase_add_test(tc, too_many_clients_longest_idle_replaced);
	tcase_add_test(tc, too_many_clients_all_busy);
	tcase_add_test(tc, idle_client_dropped);
	tcase_add_test(tc, trickling_client_dropped);
	tcase_add_test(tc, active_and_waiting_clients_kept);
	tcase_add_test(tc, request_then_eof);
	tcase_add_test(tc, socket_mode_and_dir);
	tcase_add_test(tc, unsafe_dir_refused);
	tcase_add_test(tc, dir_created_for_group);
	tcase_add_test(tc, socket_group_mode);
	tcase_add_test(tc, live_socket_refused);
	tcase_add_test(tc, stale_socket_replaced);
	tcase_add_test(tc, not_a_socket_refused);
	tcase_add_test(tc, bad_paths);
	tcase_add_test(tc, unlinked_on_free_unless_replaced);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
