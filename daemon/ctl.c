/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control socket server. Lifetimes, which is what can go wrong here:
 *
 * - A client is never freed from inside one of its own callbacks or from a
 *   call that a handler made: client_kill() only marks it dead, cancels its
 *   pending reply and activates its "kick" event, whose callback frees it.
 *   So after a handler returns, its client is still in memory and
 *   c->dead says whether to stop.
 * - A client has at most one reply in flight (c->pending). A deferred reply
 *   ends in exactly one of: ctl_reply_send, its timeout, or the client's
 *   death; the last two run the handler's cancel callback, during which
 *   r->in_cancel blocks any other path from freeing it.
 * - Lines that arrive while a reply is deferred stay in the input buffer;
 *   once the reply is sent, the kick event resumes them from the event loop
 *   (not from inside whatever engine callback sent the reply).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "daemon/ctl.h"
#include "daemon/log.h"

#define CTL_CMD_NAME_MAX 64
#define CTL_ACCEPT_BURST 16
#define STR_(x) #x
#define STR(x) STR_(x)

struct ctl_client;

struct ctl_reply {
	struct ctl_client *client;
	char cmd[CTL_CMD_NAME_MAX];
	bool deferred;
	bool in_cancel; /* the cancel callback is running */
	enum ctl_cancel_why why;
	bool answered; /* answered during a timeout callback */
	ctl_cancel_fn *cancel;
	void *cancel_arg;
	struct event *timer;
	unsigned int timeout_ms;
};

struct ctl_client {
	TAILQ_ENTRY(ctl_client) entry;
	struct ctl_server *srv;
	struct bufferevent *bev;
	struct event *kick;
	struct ctl_reply *pending;
	struct event *idle;    /* drops a client that completes no request */
	uint64_t last_done_ms; /* connected, or last request completed */
	unsigned int id;
	bool dead;    /* freed by the kick event */
	bool closing; /* no more requests; dead once the output is flushed */
};

struct ctl_server {
	struct event_base *base;
	int fd;
	struct event *accept_ev;
	struct event *accept_pause;
	char *path;
	dev_t dev;
	ino_t ino;
	const struct ctl_handlers *handlers;
	void *arg;
	TAILQ_HEAD(, ctl_client) clients;
	size_t n_clients; /* not dead */
	size_t max_clients, max_output;
	unsigned int idle_ms;
	unsigned int next_id;
	char *command_list; /* "status, list-conns, ..." */
};

static const char *json_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a number with a fraction";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "unknown";
}

static const char *arg_type_name(enum ctl_arg_type t)
{
	switch (t) {
	case CTL_ARG_STRING:
		return "a string";
	case CTL_ARG_INTEGER:
		return "an integer";
	case CTL_ARG_BOOLEAN:
		return "a boolean";
	}
	return "?";
}

static bool arg_type_ok(enum ctl_arg_type t, const json_t *v)
{
	switch (t) {
	case CTL_ARG_STRING:
		return json_is_string(v);
	case CTL_ARG_INTEGER:
		return json_is_integer(v);
	case CTL_ARG_BOOLEAN:
		return json_is_boolean(v);
	}
	return false;
}

/* An error object; msg may have been cut inside a UTF-8 sequence (or echo
 * odd input), which json_string refuses: fall back to ASCII. */
static json_t *error_json(const char *msg)
{
	json_t *s = json_string(msg);
	if (s == NULL) {
		char ascii[1024];
		size_t i;
		for (i = 0; msg[i] != '\0' && i + 1 < sizeof(ascii); i++)
			ascii[i] = (unsigned char)msg[i] < 0x80 ? msg[i] : '?';
		ascii[i] = '\0';
		s = json_string(ascii);
	}
	return json_pack("{s:b,s:i,s:o*}", "ok", 0, "schema", CTL_SCHEMA_VERSION, "error", s);
}

static void client_kill(struct ctl_client *c, const char *why);

static uint64_t mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A request was answered (or a deferred one ended): the client has
 * another idle_ms to complete its next one. Only this restarts the timer,
 * so a client trickling a byte at a time cannot hold its slot. */
static void client_request_done(struct ctl_client *c)
{
	if (c->dead)
		return;
	c->last_done_ms = mono_ms();
	struct timeval tv = { .tv_sec = c->srv->idle_ms / 1000,
			      .tv_usec = (suseconds_t)(c->srv->idle_ms % 1000) * 1000 };
	evtimer_add(c->idle, &tv);
}

static void client_kick(struct ctl_client *c)
{
	event_active(c->kick, EV_TIMEOUT, 1);
}

/* Queue one response line (with "schema" added). Takes no reference. */
static void client_send(struct ctl_client *c, json_t *resp)
{
	if (c->dead)
		return;
	struct evbuffer *out = bufferevent_get_output(c->bev);
	if (evbuffer_get_length(out) > c->srv->max_output) {
		client_kill(c, "does not read its replies");
		return;
	}
	/* Every reply says which version of the replies' layout it follows
	 * (conduitctl(8), JSON OUTPUT), right after "ok". */
	json_t *v = json_object();
	if (v != NULL && json_is_object(resp) && json_object_get(resp, "schema") == NULL) {
		json_t *ok = json_object_get(resp, "ok");
		if (ok != NULL)
			json_object_set(v, "ok", ok);
		json_object_set_new(v, "schema", json_integer(CTL_SCHEMA_VERSION));
		json_object_update(v, resp);
		resp = v;
	}
	char *text = json_dumps(resp, JSON_COMPACT);
	json_decref(v);
	if (text == NULL) {
		/* Only on allocation failure or a handler's bad value. */
		text =
		    strdup("{\"ok\":false,\"schema\":1,\"error\":\"internal error: cannot encode the reply\"}");
		if (text == NULL) {
			client_kill(c, "out of memory");
			return;
		}
	}
	if (bufferevent_write(c->bev, text, strlen(text)) != 0 ||
	    bufferevent_write(c->bev, "\n", 1) != 0)
		client_kill(c, "out of memory");
	free(text);
}

static void client_send_error(struct ctl_client *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void client_send_error(struct ctl_client *c, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_msg(LOG_LEVEL_DEBUG, "control: client %u: %s", c->id, msg);
	json_t *e = error_json(msg);
	if (e != NULL)
		client_send(c, e);
	else
		client_kill(c, "out of memory");
	json_decref(e);
}

/* Send what is queued, then close. */
static void client_close_after_flush(struct ctl_client *c)
{
	if (c->dead)
		return;
	c->closing = true;
	bufferevent_disable(c->bev, EV_READ);
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0)
		client_kill(c, NULL);
}

static void reply_free(struct ctl_reply *r)
{
	if (r->client != NULL && r->client->pending == r)
		r->client->pending = NULL;
	if (r->timer != NULL)
		event_free(r->timer);
	free(r);
}

static void reply_cancel_gone(struct ctl_reply *r)
{
	if (r->cancel != NULL) {
		r->in_cancel = true;
		r->why = CTL_CANCEL_GONE;
		r->cancel(r->cancel_arg, r, CTL_CANCEL_GONE);
	}
	reply_free(r);
}

static void client_kill(struct ctl_client *c, const char *why)
{
	if (c->dead)
		return;
	c->dead = true;
	c->srv->n_clients--;
	if (why != NULL)
		log_msg(LOG_LEVEL_WARN, "control: dropping client %u: %s", c->id, why);
	else
		log_msg(LOG_LEVEL_DEBUG, "control: client %u closed", c->id);

	/* A reply still inside its handler is dispatch()'s to free, and one
	 * inside its timeout callback that path's. */
	struct ctl_reply *r = c->pending;
	if (r != NULL && r->deferred && !r->in_cancel)
		reply_cancel_gone(r);
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	client_kick(c);
}

static void client_free(struct ctl_client *c)
{
	TAILQ_REMOVE(&c->srv->clients, c, entry);
	if (c->pending != NULL) /* only if a cancel callback freed the server */
		reply_free(c->pending);
	bufferevent_free(c->bev);
	event_free(c->kick);
	event_free(c->idle);
	free(c);
}

static const struct ctl_command *find_command(const struct ctl_server *srv, const char *name)
{
	for (size_t i = 0; i < srv->handlers->n_commands; i++)
		if (strcmp(srv->handlers->commands[i].name, name) == 0)
			return &srv->handlers->commands[i];
	return NULL;
}

static void arg_list(const struct ctl_arg *args, char *buf, size_t len)
{
	size_t off = 0;
	buf[0] = '\0';
	for (const struct ctl_arg *a = args; a != NULL && a->name != NULL; a++) {
		int n = snprintf(buf + off, len - off, "%s%s", off ? ", " : "", a->name);
		if (n < 0 || (size_t)n >= len - off)
			break;
		off += (size_t)n;
	}
}

/* 0 if request's arguments fit cmd's list; else an error was sent. */
static int check_args(struct ctl_client *c, const struct ctl_command *cmd, json_t *req)
{
	const char *key;
	json_t *v;

	json_object_foreach(req, key, v)
	{
		if (strcmp(key, "cmd") == 0)
			continue;
		const struct ctl_arg *a = cmd->args;
		while (a != NULL && a->name != NULL && strcmp(a->name, key) != 0)
			a++;
		if (a == NULL || a->name == NULL) {
			char list[256];
			arg_list(cmd->args, list, sizeof(list));
			if (list[0] == '\0')
				client_send_error(
				    c, "%s: unknown argument '%.64s'; %s takes no arguments",
				    cmd->name, key, cmd->name);
			else
				client_send_error(c, "%s: unknown argument '%.64s'; arguments: %s",
						  cmd->name, key, list);
			return -EINVAL;
		}
		if (!arg_type_ok(a->type, v)) {
			client_send_error(c, "%s: argument '%s' must be %s, not %s", cmd->name,
					  a->name, arg_type_name(a->type), json_type_name(v));
			return -EINVAL;
		}
	}
	for (const struct ctl_arg *a = cmd->args; a != NULL && a->name != NULL; a++) {
		if (a->required && json_object_get(req, a->name) == NULL) {
			client_send_error(c, "%s: missing argument '%s' (%s)", cmd->name, a->name,
					  arg_type_name(a->type));
			return -EINVAL;
		}
	}
	return 0;
}

static void dispatch(struct ctl_client *c, const char *line, size_t len)
{
	struct ctl_server *srv = c->srv;
	json_error_t jerr;

	json_t *req = json_loadb(line, len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &jerr);
	if (req == NULL) {
		client_send_error(c, "invalid JSON at line %d, column %d: %s", jerr.line,
				  jerr.column, jerr.text);
		return;
	}
	if (!json_is_object(req)) {
		client_send_error(c,
				  "a request is a JSON object, not %s, e.g. {\"cmd\":\"status\"}",
				  json_type_name(req));
		goto out;
	}
	json_t *jcmd = json_object_get(req, "cmd");
	if (jcmd == NULL) {
		client_send_error(c, "missing \"cmd\" (a string); commands: %s", srv->command_list);
		goto out;
	}
	if (!json_is_string(jcmd)) {
		client_send_error(c, "\"cmd\" must be a string, not %s", json_type_name(jcmd));
		goto out;
	}
	const char *name = json_string_value(jcmd);
	const struct ctl_command *cmd = find_command(srv, name);
	if (cmd == NULL) {
		client_send_error(c, "unknown command '%.64s'; commands: %s", name,
				  srv->command_list);
		goto out;
	}
	if (check_args(c, cmd, req) != 0)
		goto out;

	struct ctl_reply *r = calloc(1, sizeof(*r));
	if (r == NULL) {
		client_kill(c, "out of memory");
		goto out;
	}
	r->client = c;
	snprintf(r->cmd, sizeof(r->cmd), "%s", cmd->name);
	c->pending = r;
	log_msg(LOG_LEVEL_DEBUG, "control: client %u: %s", c->id, cmd->name);

	cmd->fn(srv->arg, req, r);

	if (c->pending == r) {
		if (c->dead) {
			/* The client went away during the call. */
			if (r->deferred)
				reply_cancel_gone(r);
			else
				reply_free(r);
		} else if (!r->deferred) {
			log_msg(LOG_LEVEL_ERROR, "control: handler of '%s' returned no reply",
				cmd->name);
			ctl_reply_error(r, "internal error: '%s' gave no answer", cmd->name);
		}
	}
out:
	json_decref(req);
}

static bool blank(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

static void handle_line(struct ctl_client *c, struct evbuffer *in, size_t len, size_t eol_len)
{
	char *line = malloc(len + 1);
	if (line == NULL) {
		client_kill(c, "out of memory");
		return;
	}
	evbuffer_remove(in, line, len);
	evbuffer_drain(in, eol_len);
	line[len] = '\0';
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (!blank(line, len)) {
		dispatch(c, line, len);
		/* A client waiting for a deferred reply is not idle: its timer
		 * restarts when the reply is sent or times out. */
		if (c->pending != NULL)
			event_del(c->idle);
		else
			client_request_done(c);
	}
	free(line);
}

static void too_long(struct ctl_client *c)
{
	client_send_error(c, "request line longer than %d octets; closing the connection",
			  CTL_LINE_MAX);
	client_close_after_flush(c);
}

static void process_input(struct ctl_client *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);

	while (!c->dead && !c->closing && c->pending == NULL) {
		size_t eol_len = 0;
		struct evbuffer_ptr p = evbuffer_search_eol(in, NULL, &eol_len, EVBUFFER_EOL_LF);
		if (p.pos < 0) {
			if (evbuffer_get_length(in) > CTL_LINE_MAX)
				too_long(c);
			return;
		}
		if ((size_t)p.pos > CTL_LINE_MAX) {
			too_long(c);
			return;
		}
		handle_line(c, in, (size_t)p.pos, eol_len);
	}
	/* Requests held behind a deferred reply are bounded too. */
	if (!c->dead && c->pending != NULL && evbuffer_get_length(in) > CTL_LINE_MAX)
		client_kill(c, "sends too much while a command is in progress");
}

static void kick_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_client *c = arg;
	if (c->dead) {
		client_free(c);
		return;
	}
	process_input(c);
}

static void read_cb(struct bufferevent *bev, void *arg)
{
	process_input(arg);
}

static void write_cb(struct bufferevent *bev, void *arg)
{
	struct ctl_client *c = arg;
	if (c->closing && evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		client_kill(c, NULL);
}

static void event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct ctl_client *c = arg;

	if (what & BEV_EVENT_TIMEOUT) {
		client_kill(c, "accepted no output for " STR(CTL_WRITE_TIMEOUT_SEC) " s");
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		client_kill(c, NULL);
		return;
	}
	if (!(what & BEV_EVENT_EOF))
		return;
	/* The client has finished sending. A deferred reply has nobody left
	 * to wait for it (conduitctl keeps its side open while it waits). A
	 * last request without its newline is still answered. */
	process_input(c);
	if (c->dead || c->closing)
		return;
	if (c->pending == NULL) {
		struct evbuffer *in = bufferevent_get_input(bev);
		size_t len = evbuffer_get_length(in); /* <= CTL_LINE_MAX: checked above */
		if (len > 0)
			handle_line(c, in, len, 0);
		if (c->dead)
			return;
	}
	if (c->pending != NULL)
		client_kill(c, NULL);
	else
		client_close_after_flush(c);
}

static void idle_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_client *c = arg;
	if (c->dead)
		return;
	/* Still reading a long reply: the write timeout judges that. */
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) > 0) {
		client_request_done(c);
		return;
	}
	char why[96];
	snprintf(why, sizeof(why), "completed no request in %u ms", c->srv->idle_ms);
	client_kill(c, why);
}

/* The client that has waited longest since it last completed a request,
 * among those not waiting for a deferred reply; NULL if all are busy. */
static struct ctl_client *longest_idle(struct ctl_server *srv)
{
	struct ctl_client *c, *best = NULL;
	TAILQ_FOREACH (c, &srv->clients, entry) {
		if (c->dead || c->pending != NULL)
			continue;
		if (best == NULL || c->last_done_ms < best->last_done_ms)
			best = c;
	}
	return best;
}

/* Best effort: tell a client why it is turned away. */
static void refuse_client(int fd, const char *msg)
{
	json_t *e = error_json(msg);
	char *text = e ? json_dumps(e, JSON_COMPACT) : NULL;
	if (text != NULL) {
		size_t n = strlen(text);
		if (send(fd, text, n, MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)n)
			(void)!send(fd, "\n", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	free(text);
	json_decref(e);
	close(fd);
}

static void add_client(struct ctl_server *srv, int fd)
{
	if (srv->n_clients >= srv->max_clients) {
		/* Make room by dropping the longest-idle client, so clients
		 * that connect and send nothing cannot lock the operator out;
		 * refuse only when every client is waiting for an answer. */
		struct ctl_client *old = longest_idle(srv);
		char msg[160];
		if (old == NULL) {
			snprintf(msg, sizeof(msg),
				 "too many control connections (%zu), all waiting for an answer; "
				 "try again later",
				 srv->max_clients);
			log_msg(LOG_LEVEL_WARN, "control: %s", msg);
			refuse_client(fd, msg);
			return;
		}
		snprintf(msg, sizeof(msg),
			 "replaced by a new control connection (%zu at most; this one was idle "
			 "longest)",
			 srv->max_clients);
		/* Tell it why if nothing else is queued (best effort, no wait). */
		if (evbuffer_get_length(bufferevent_get_output(old->bev)) == 0) {
			json_t *e = error_json(msg);
			char *text = e ? json_dumps(e, JSON_COMPACT) : NULL;
			if (text != NULL) {
				int ofd = bufferevent_getfd(old->bev);
				size_t n = strlen(text);
				text[n] = '\n'; /* replaces the NUL: sent by length */
				(void)!send(ofd, text, n + 1, MSG_DONTWAIT | MSG_NOSIGNAL);
			}
			free(text);
			json_decref(e);
		}
		client_kill(old, msg);
	}
	struct ctl_client *c = calloc(1, sizeof(*c));
	if (c == NULL)
		goto fail;
	c->srv = srv;
	c->id = ++srv->next_id;
	c->kick = event_new(srv->base, -1, 0, kick_cb, c);
	c->idle = evtimer_new(srv->base, idle_cb, c);
	if (c->kick == NULL || c->idle == NULL)
		goto fail;
	c->bev = bufferevent_socket_new(srv->base, fd, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL)
		goto fail;
	struct timeval wt = { .tv_sec = CTL_WRITE_TIMEOUT_SEC };
	bufferevent_set_timeouts(c->bev, NULL, &wt);
	bufferevent_setcb(c->bev, read_cb, write_cb, event_cb, c);
	if (bufferevent_enable(c->bev, EV_READ | EV_WRITE) != 0) {
		bufferevent_free(c->bev); /* closes fd */
		event_free(c->kick);
		event_free(c->idle);
		free(c);
		return;
	}
	TAILQ_INSERT_TAIL(&srv->clients, c, entry);
	srv->n_clients++;
	client_request_done(c); /* starts the idle timer */

	struct ucred cred;
	socklen_t cl = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == 0)
		log_msg(LOG_LEVEL_DEBUG, "control: client %u connected (pid %d, uid %u)", c->id,
			(int)cred.pid, (unsigned)cred.uid);
	return;
fail:
	log_msg(LOG_LEVEL_ERROR, "control: out of memory for a new client");
	if (c != NULL && c->kick != NULL)
		event_free(c->kick);
	if (c != NULL && c->idle != NULL)
		event_free(c->idle);
	free(c);
	close(fd);
}

static void accept_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_server *srv = arg;

	for (int i = 0; i < CTL_ACCEPT_BURST; i++) {
		int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd >= 0) {
			add_client(srv, cfd);
			continue;
		}
		if (errno == EINTR || errno == ECONNABORTED)
			continue;
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		/* Out of descriptors or memory: the listener would stay
		 * readable and spin; pause it for a second. */
		log_msg(LOG_LEVEL_ERROR, "control: accept: %s; pausing for 1 s", strerror(errno));
		event_del(srv->accept_ev);
		struct timeval tv = { .tv_sec = 1 };
		evtimer_add(srv->accept_pause, &tv);
		return;
	}
}

static void accept_resume_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_server *srv = arg;
	event_add(srv->accept_ev, NULL);
}

/* ------------------------------------------------------------------ */
/* Replies */

static void reply_answer(struct ctl_reply *r, json_t *resp)
{
	struct ctl_client *c = r->client;
	if (resp == NULL || !json_is_object(resp)) {
		log_msg(LOG_LEVEL_ERROR, "control: handler of '%s' gave an invalid reply", r->cmd);
		json_decref(resp);
		resp = error_json("internal error: the daemon could not build the reply");
	}
	if (resp != NULL)
		client_send(c, resp);
	else
		client_kill(c, "out of memory");
	json_decref(resp);
}

void ctl_reply_send(struct ctl_reply *r, json_t *resp)
{
	if (r == NULL) {
		json_decref(resp);
		return;
	}
	if (r->in_cancel) {
		/* Inside the cancel callback: only a timeout may still answer,
		 * once; the timeout path frees the reply. */
		if (r->why == CTL_CANCEL_TIMEOUT && !r->answered) {
			r->answered = true;
			reply_answer(r, resp);
		} else {
			json_decref(resp);
		}
		return;
	}
	struct ctl_client *c = r->client;
	bool was_deferred = r->deferred;
	c->pending = NULL; /* before sending: a send may kill the client */
	reply_answer(r, resp);
	reply_free(r);
	if (was_deferred && !c->dead) {
		client_request_done(c);
		client_kick(c); /* resume the requests held behind this one */
	}
}

void ctl_reply_error(struct ctl_reply *r, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ctl_reply_send(r, error_json(msg));
}

static void reply_timeout_cb(evutil_socket_t fd, short what, void *arg)
{
	struct ctl_reply *r = arg;
	struct ctl_client *c = r->client;

	r->in_cancel = true;
	r->why = CTL_CANCEL_TIMEOUT;
	if (r->cancel != NULL)
		r->cancel(r->cancel_arg, r, CTL_CANCEL_TIMEOUT);
	if (!r->answered) {
		char msg[128];
		unsigned int ms = r->timeout_ms;
		if (ms % 1000 == 0)
			snprintf(msg, sizeof(msg), "%s: timed out after %u s", r->cmd, ms / 1000);
		else
			snprintf(msg, sizeof(msg), "%s: timed out after %u ms", r->cmd, ms);
		json_t *e = error_json(msg);
		reply_answer(r, e);
	}
	reply_free(r);
	if (!c->dead) {
		client_request_done(c);
		client_kick(c);
	}
}

void ctl_reply_defer(struct ctl_reply *r, unsigned int timeout_ms, ctl_cancel_fn *cancel, void *arg)
{
	if (r == NULL || r->deferred || r->in_cancel)
		return;
	r->deferred = true;
	r->cancel = cancel;
	r->cancel_arg = arg;
	r->timeout_ms = timeout_ms;
	if (timeout_ms == 0)
		return;
	r->timer = evtimer_new(r->client->srv->base, reply_timeout_cb, r);
	struct timeval tv = { .tv_sec = timeout_ms / 1000,
			      .tv_usec = (suseconds_t)(timeout_ms % 1000) * 1000 };
	if (r->timer == NULL || evtimer_add(r->timer, &tv) != 0)
		log_msg(LOG_LEVEL_ERROR, "control: cannot arm the timeout of '%s'", r->cmd);
}

int ctl_reply_detach(struct ctl_reply *r, char **unsent, size_t *unsent_len)
{
	*unsent = NULL;
	*unsent_len = 0;
	if (r == NULL || r->deferred || r->in_cancel || r->client == NULL || r->client->dead ||
	    r->client->pending != r)
		return -EINVAL;
	struct ctl_client *c = r->client;
	struct evbuffer *out = bufferevent_get_output(c->bev);
	size_t len = evbuffer_get_length(out);
	char *buf = NULL;
	if (len > 0) {
		buf = malloc(len);
		if (buf == NULL)
			return -ENOMEM;
		/* Copied by peeking: the bufferevent freezes its output's
		 * start (evbuffer_copyout refuses), and it goes with the
		 * client anyway. */
		struct evbuffer_iovec v[16];
		size_t off = 0;
		struct evbuffer_ptr pos;
		evbuffer_ptr_set(out, &pos, 0, EVBUFFER_PTR_SET);
		while (off < len) {
			int n = evbuffer_peek(out, -1, &pos, v, 16);
			if (n <= 0)
				break;
			size_t got = 0;
			for (int i = 0; i < n && i < 16 && off < len; i++) {
				size_t k = v[i].iov_len < len - off ? v[i].iov_len : len - off;
				memcpy(buf + off, v[i].iov_base, k);
				off += k;
				got += k;
			}
			if (got == 0 || evbuffer_ptr_set(out, &pos, got, EVBUFFER_PTR_ADD) != 0)
				break;
		}
		if (off != len) {
			free(buf);
			return -EIO;
		}
	}
	int fd = fcntl(bufferevent_getfd(c->bev), F_DUPFD_CLOEXEC, 0);
	if (fd < 0) {
		int e = errno;
		free(buf);
		return -e;
	}
	*unsent = buf;
	*unsent_len = len;
	log_msg(LOG_LEVEL_DEBUG, "control: client %u: handed over for %s", c->id, r->cmd);
	/* dispatch() frees the reply once the handler returns. */
	client_kill(c, NULL);
	return fd;
}

const char *ctl_reply_command(const struct ctl_reply *r)
{
	return r->cmd;
}

const char *ctl_arg_string(const json_t *request, const char *name)
{
	return json_string_value(json_object_get(request, name));
}

bool ctl_arg_integer(const json_t *request, const char *name, json_int_t *value)
{
	const json_t *v = json_object_get(request, name);
	if (!json_is_integer(v))
		return false;
	*value = json_integer_value(v);
	return true;
}

/* ------------------------------------------------------------------ */
/* The socket file */

int ctl_prepare_dir(const char *path, gid_t group, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	if (strlen(path) >= sizeof(dir)) {
		snprintf(err, errlen, "control socket path longer than %zu octets: %s",
			 sizeof(dir) - 1, path);
		return -ENAMETOOLONG;
	}
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (slash == NULL || slash == dir)
		return 0; /* relative to the cwd, or in / */
	*slash = '\0';

	bool created = false;
	if (mkdir(dir, 0750) == 0) {
		created = true;
	} else if (errno != EEXIST) {
		int e = errno;
		snprintf(err, errlen, "cannot create %s: %s", dir, strerror(e));
		return -e;
	}
	/* Checked through a descriptor of the directory itself, so what we
	 * check is what we change. O_NOFOLLOW: a symbolic link in its place
	 * could point anywhere. */
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		struct stat lst;
		/* (O_DIRECTORY makes a symbolic link ENOTDIR, not ELOOP) */
		if ((e == ENOTDIR || e == ELOOP) && lstat(dir, &lst) == 0 && S_ISLNK(lst.st_mode))
			e = ELOOP;
		if (e == ELOOP)
			snprintf(err, errlen,
				 "%s is a symbolic link; refusing to put the control socket there",
				 dir);
		else if (e == ENOTDIR)
			snprintf(err, errlen, "%s exists and is not a directory", dir);
		else
			snprintf(err, errlen, "cannot open %s: %s", dir, strerror(e));
		return -e;
	}
	struct stat st;
	int rc = 0;
	if (fstat(fd, &st) != 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot stat %s: %s", dir, strerror(-rc));
		goto out;
	}
	/* Whoever else owns or may write into the directory could replace
	 * the socket or the lock file beside it. */
	if (st.st_uid != geteuid()) {
		rc = -EPERM;
		snprintf(err, errlen,
			 "%s is owned by uid %u, not by us (uid %u); refusing to put the control "
			 "socket there",
			 dir, (unsigned)st.st_uid, (unsigned)geteuid());
		goto out;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		rc = -EPERM;
		snprintf(err, errlen,
			 "%s is writable by %s (mode %04o); refusing to put the control socket "
			 "there",
			 dir, (st.st_mode & S_IWOTH) ? "others" : "its group",
			 (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if (group != (gid_t)-1 && st.st_gid != group && fchown(fd, (uid_t)-1, group) != 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot give %s to group %u: %s", dir, (unsigned)group,
			 strerror(-rc));
		goto out;
	}
	/* Exactly 0750 whatever the umask when we made it (or gave it to
	 * the control group): the group reaches the socket, others do not. */
	if ((created || group != (gid_t)-1) && (st.st_mode & 07777) != 0750 &&
	    fchmod(fd, 0750) != 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot set the mode of %s: %s", dir, strerror(-rc));
		goto out;
	}
out:
	close(fd);
	return rc;
}

/* Remove path if it is a socket nobody listens on; refuse anything else. */
static int remove_stale(const struct sockaddr_un *sun, char *err, size_t errlen)
{
	const char *path = sun->sun_path;
	struct stat st;
	if (lstat(path, &st) != 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "cannot check %s: %s", path, strerror(errno));
		return -errno;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket; not replacing it", path);
		return -EEXIST;
	}
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -errno;
	}
	int rc = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));
	int e = errno;
	close(fd);
	/* A full backlog (EAGAIN) means someone listens too. */
	if (rc == 0 || e == EAGAIN || e == EINPROGRESS) {
		snprintf(err, errlen, "%s is in use by a running process (another conduitd?)",
			 path);
		return -EADDRINUSE;
	}
	if (e != ECONNREFUSED) {
		snprintf(err, errlen, "cannot check whether %s is in use: %s", path, strerror(e));
		return -e;
	}
	if (unlink(path) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "cannot remove stale %s: %s", path, strerror(errno));
		return -errno;
	}
	log_msg(LOG_LEVEL_INFO, "control: removed stale socket %s", path);
	return 0;
}

static char *make_command_list(const struct ctl_handlers *h)
{
	size_t len = 1;
	for (size_t i = 0; i < h->n_commands; i++)
		len += strlen(h->commands[i].name) + 2;
	char *s = malloc(len);
	if (s == NULL)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; i < h->n_commands; i++) {
		if (i > 0)
			strcat(s, ", ");
		strcat(s, h->commands[i].name);
	}
	return s;
}

struct ctl_server *ctl_server_new(struct event_base *base, const char *path, gid_t group,
				  const struct ctl_handlers *handlers, void *arg, char *err,
				  size_t errlen)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct ctl_server *srv = NULL;
	int fd = -1;
	bool bound = false;

	if (path == NULL || path[0] == '\0') {
		snprintf(err, errlen, "the control socket path is empty");
		return NULL;
	}
	if (strlen(path) >= sizeof(sun.sun_path)) {
		snprintf(err, errlen, "control socket path longer than %zu octets: %s",
			 sizeof(sun.sun_path) - 1, path);
		return NULL;
	}
	for (size_t i = 0; i < handlers->n_commands; i++) {
		if (strlen(handlers->commands[i].name) >= CTL_CMD_NAME_MAX) {
			snprintf(err, errlen, "control command name too long");
			return NULL;
		}
		/* the command table's handlers are weak references: one not
		 * linked in is NULL */
		if (handlers->commands[i].fn == NULL) {
			snprintf(err, errlen, "control command %s has no handler",
				 handlers->commands[i].name);
			return NULL;
		}
	}
	memcpy(sun.sun_path, path, strlen(path) + 1);

	if (ctl_prepare_dir(path, group, err, errlen) != 0 || remove_stale(&sun, err, errlen) != 0)
		return NULL;

	struct sigaction sa;
	if (sigaction(SIGPIPE, NULL, &sa) == 0 && sa.sa_handler == SIG_DFL)
		signal(SIGPIPE, SIG_IGN);

	srv = calloc(1, sizeof(*srv));
	if (srv == NULL)
		goto nomem;
	TAILQ_INIT(&srv->clients);
	srv->base = base;
	srv->handlers = handlers;
	srv->arg = arg;
	srv->max_clients = CTL_DEFAULT_MAX_CLIENTS;
	srv->max_output = CTL_DEFAULT_MAX_OUTPUT;
	srv->idle_ms = CTL_DEFAULT_IDLE_TIMEOUT_MS;
	srv->fd = -1;
	srv->path = strdup(path);
	srv->command_list = make_command_list(handlers);
	if (srv->path == NULL || srv->command_list == NULL)
		goto nomem;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		goto fail;
	}
	/* Born 0600: no window in which others could connect. */
	mode_t old = umask(0177);
	int rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	int e = errno;
	umask(old);
	if (rc != 0) {
		snprintf(err, errlen, "cannot bind %s: %s", path, strerror(e));
		goto fail;
	}
	bound = true;
	if (group != (gid_t)-1) {
		if (chown(path, (uid_t)-1, group) != 0) {
			snprintf(err, errlen, "cannot give %s to group %u: %s", path,
				 (unsigned)group, strerror(errno));
			goto fail;
		}
		if (chmod(path, 0660) != 0) {
			snprintf(err, errlen, "cannot chmod %s: %s", path, strerror(errno));
			goto fail;
		}
	}
	struct stat st;
	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "cannot stat %s: %s", path, strerror(errno));
		goto fail;
	}
	srv->dev = st.st_dev;
	srv->ino = st.st_ino;
	if (listen(fd, 16) != 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", path, strerror(errno));
		goto fail;
	}
	srv->fd = fd;
	srv->accept_ev = event_new(base, fd, EV_READ | EV_PERSIST, accept_cb, srv);
	srv->accept_pause = evtimer_new(base, accept_resume_cb, srv);
	if (srv->accept_ev == NULL || srv->accept_pause == NULL ||
	    event_add(srv->accept_ev, NULL) != 0)
		goto nomem;
	log_msg(LOG_LEVEL_INFO, "control: listening on %s", path);
	return srv;

nomem:
	snprintf(err, errlen, "out of memory");
fail:
	if (bound)
		unlink(path);
	if (srv != NULL) {
		if (srv->accept_ev)
			event_free(srv->accept_ev);
		if (srv->accept_pause)
			event_free(srv->accept_pause);
		free(srv->path);
		free(srv->command_list);
		free(srv);
	}
	if (fd >= 0)
		close(fd);
	return NULL;
}

void ctl_server_free(struct ctl_server *srv)
{
	if (srv == NULL)
		return;
	struct ctl_client *c;
	while ((c = TAILQ_FIRST(&srv->clients)) != NULL) {
		client_kill(c, NULL);
		client_free(c);
	}
	event_free(srv->accept_ev);
	event_free(srv->accept_pause);
	close(srv->fd);
	/* Leave a socket that a newer daemon has put there alone. */
	struct stat st;
	if (lstat(srv->path, &st) == 0 && st.st_dev == srv->dev && st.st_ino == srv->ino)
		unlink(srv->path);
	free(srv->path);
	free(srv->command_list);
	free(srv);
}

void ctl_server_set_limits(struct ctl_server *srv, size_t max_clients, size_t max_output)
{
	if (max_clients != 0)
		srv->max_clients = max_clients;
	if (max_output != 0)
		srv->max_output = max_output;
}

void ctl_server_set_idle_timeout(struct ctl_server *srv, unsigned int ms)
{
	if (ms != 0)
		srv->idle_ms = ms;
}

size_t ctl_server_n_clients(const struct ctl_server *srv)
{
	return srv->n_clients;
}
