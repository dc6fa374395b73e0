/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control socket: a Unix stream socket (/run/conduit/conduit.sock)
 * speaking JSON lines. Each request is one JSON object on one line with
 * "cmd" and its arguments; each response is one JSON object on one line
 * with "ok" (true/false) and, on failure, "error" (a sentence for an
 * operator). Requests on one connection are answered in order, one at a
 * time: while a command is waiting (initiate), later lines are held.
 *
 * Commands: daemon/ctl_table.c lists them (the daemon's handlers are in
 * daemon/ctl_cmds.c, conduitctl's renderers in daemon/ctl_render.c); the
 * replies are documented in conduitctl(8), JSON OUTPUT. Examples:
 *   {"cmd":"status"}
 *     -> {"ok":true,"version":"0.1.0","pid":123,"uptime":42,
 *         "connections":2,"ike_sas":1,"child_sas":1}
 *   {"cmd":"list-conns"}
 *     -> {"ok":true,"connections":[{"name":"site-b","local_addrs":["192.0.2.1"],
 *         "remote_addrs":["192.0.2.2"],"local_port":500,"remote_port":500,
 *         "local_id":"left","remote_id":"right",
 *         "proposals":["aes256gcm16-prfsha256-x25519"],"encap":false,
 *         "children":[{"name":"net","mode":"tunnel","local_ts":["10.1.0.0/24"],
 *           "remote_ts":["10.2.0.0/24"],"esp_proposals":["aes256gcm16"],
 *           "start_action":"start"}]}]}
 *   {"cmd":"list-sas"}
 *     -> {"ok":true,"ike_sas":[{"id":3,"connection":"site-b","state":"ESTABLISHED",
 *         "initiator":true,"local":{"address":"192.0.2.1","port":500},
 *         "remote":{"address":"192.0.2.2","port":500},"local_id":"left",
 *         "remote_id":"right","spi_i":"0123456789abcdef","spi_r":"fedcba9876543210",
 *         "algorithms":"AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519",
 *         "nat":{"local":false,"remote":false},"established":17,
 *         "child_sas":[{"id":4,"name":"net","mode":"tunnel","state":"INSTALLED",
 *           "spi_in":"c1a2b3c4","spi_out":"d1e2f3a4","algorithms":"AES_GCM_16_256",
 *           "local_ts":["10.1.0.0/24"],"remote_ts":["10.2.0.0/24"],
 *           "bytes_in":840,"packets_in":10,"bytes_out":840,"packets_out":10,
 *           "established":17}]}]}
 *     ("established": seconds since; absent while not established)
 *   {"cmd":"initiate","name":"site-b"}  ("site-b/net": one child;
 *     optional "timeout": seconds, see ctl_args_initiate)
 *     -> when done: {"ok":true,"ike_sa":3,"child_sas":[4]}
 *        or {"ok":false,"error":"site-b[3]: AUTHENTICATION_FAILED: ..."}
 *   {"cmd":"terminate","name":"site-b"} -> {"ok":true,"terminated":1}
 *   {"cmd":"reload"}
 *     -> {"ok":true,"added":["x"],"removed":[],"changed":[],"unchanged":["site-b"]}
 *        or {"ok":false,"error":"configuration has 3 errors","errors":["...:3: ..."]}
 *
 * The server checks everything generic before a handler runs: the line's
 * length (CTL_LINE_MAX), JSON syntax, that it is an object with a string
 * "cmd" naming a known command, and each argument's presence and type
 * against the command's struct ctl_arg list (unknown arguments are
 * refused, so a typo does not pass silently).
 *
 * Never put key material in a reply.
 *
 * Single-threaded: every function here runs on the event_base's thread.
 */
#ifndef CONDUIT_DAEMON_CTL_H
#define CONDUIT_DAEMON_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <event2/event.h>
#include <jansson.h>

#define CTL_DEFAULT_PATH "/run/conduit/conduit.sock"
/* "schema" of every reply: the version of the replies' layout. Adding a
 * field keeps it; removing or changing the meaning of one raises it. */
#define CTL_SCHEMA_VERSION 1
/* Longest request line (without its newline); longer: error, then close. */
#define CTL_LINE_MAX (64 * 1024)
/* Defaults of ctl_server_set_limits(). */
#define CTL_DEFAULT_MAX_CLIENTS 64
#define CTL_DEFAULT_MAX_OUTPUT (4 * 1024 * 1024)
/* A client that completes no request for this long is dropped (bytes
 * without a complete line do not count; waiting for a deferred reply,
 * e.g. initiate, is not idle). */
#define CTL_DEFAULT_IDLE_TIMEOUT_MS 5000
/* A client that accepts none of our output for this long is dropped. */
#define CTL_WRITE_TIMEOUT_SEC 10

struct ctl_server;
/* One request being answered. Valid from the handler's call until
 * ctl_reply_send() (or until its cancel callback returns). */
struct ctl_reply;

enum ctl_arg_type {
	CTL_ARG_STRING,
	CTL_ARG_INTEGER,
	CTL_ARG_BOOLEAN,
};

/* How conduitctl fills an argument in (daemon/ctl_table.h): by default
 * from the command's option --NAME (a boolean: present or not). */
#define CTL_ARGF_POSITIONAL 1u /* the word after the command (NAME) */
#define CTL_ARGF_TIMEOUT 2u    /* from --timeout, when given */

struct ctl_arg {
	const char *name; /* NULL ends a list */
	enum ctl_arg_type type;
	bool required;
	unsigned int flags;  /* CTL_ARGF_* */
	const char *metavar; /* the option's value in the usage ("N") */
	const char *help;    /* the option's line in the usage */
};

/* The handler answers the request now (ctl_reply_send/ctl_reply_error
 * before returning) or later (ctl_reply_defer before returning, then
 * ctl_reply_send from any later event). Returning without either is a bug
 * reported to the client as an internal error. request is valid only
 * during the call (json_incref it to keep it). A handler must not free the
 * server. */
typedef void ctl_handler_fn(void *arg, const json_t *request, struct ctl_reply *reply);

struct ctl_command {
	const char *name; /* "status" */
	ctl_handler_fn *fn;
	const struct ctl_arg *args; /* NULL-name-terminated; NULL: no arguments */
};

struct ctl_handlers {
	const struct ctl_command *commands;
	size_t n_commands;
};

/* Argument lists of the standard commands (defined in ctl_table.c). */
extern const struct ctl_arg ctl_args_name[]; /* "name" string, required */
/* initiate: "name" string, required; "timeout" integer seconds, optional:
 * the handler passes it to ctl_reply_defer (daemon's default: 30 s). */
extern const struct ctl_arg ctl_args_initiate[];

/*
 * Make sure path's directory (one level) is fit for the control socket and
 * the lock file beside it: created if missing with mode 0750 (and group
 * group unless (gid_t)-1); an existing one must be ours and writable by
 * neither group nor others, else it is refused (whoever may write there
 * could replace the socket or the lock). With a group, an existing
 * directory is given to that group with mode 0750. A symbolic link in its
 * place is refused. 0, or a negative errno with a sentence in err.
 */
int ctl_prepare_dir(const char *path, gid_t group, char *err, size_t errlen);

/*
 * Listen on path. Prepares path's directory with ctl_prepare_dir (so the
 * same group applies). An existing socket file nobody listens on is replaced; a live
 * one (another daemon) or a file that is not a socket is refused. The
 * socket's mode is 0600, or 0660 owned by group when group is not
 * (gid_t)-1 (needs CAP_CHOWN unless we are in that group).
 * handlers (and the strings and lists it points to) must outlive the
 * server; arg is passed to every handler. NULL on failure, with a
 * sentence in err naming the path and the reason.
 * Sets SIGPIPE to SIG_IGN if it is SIG_DFL: a client that vanishes must
 * make a write fail, not kill the daemon.
 */
struct ctl_server *ctl_server_new(struct event_base *base, const char *path, gid_t group,
				  const struct ctl_handlers *handlers, void *arg, char *err,
				  size_t errlen);
/* Close every client (pending replies are cancelled: their callbacks run
 * with CTL_CANCEL_GONE), stop listening, and unlink the socket file if it
 * is still ours. NULL is a no-op. Not from inside a handler. */
void ctl_server_free(struct ctl_server *srv);

/* Up to max_clients connections at once (a new one beyond that replaces
 * the client idle longest, which gets an error line; when all are waiting
 * for a deferred reply the new one gets the error line), and drop a client that still has more than max_output octets of
 * earlier replies unread when another reply is queued (a client that never
 * reads). 0 keeps the current value. */
void ctl_server_set_limits(struct ctl_server *srv, size_t max_clients, size_t max_output);
size_t ctl_server_n_clients(const struct ctl_server *srv);
/* The idle timeout (default CTL_DEFAULT_IDLE_TIMEOUT_MS); 0 keeps it.
 * Applies from each client's next request on. */
void ctl_server_set_idle_timeout(struct ctl_server *srv, unsigned int ms);

/* Answer the request: response must be a JSON object; the reference is
 * stolen (NULL, e.g. a failed json_pack, answers an internal error).
 * The reply is freed: do not use it afterwards. */
void ctl_reply_send(struct ctl_reply *reply, json_t *response);
/* {"ok":false,"error":"<formatted>"} */
void ctl_reply_error(struct ctl_reply *reply, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

enum ctl_cancel_why {
	/* The client disconnected, or the server is being freed. The reply
	 * cannot be answered any more (ctl_reply_send on it is ignored
	 * inside the callback) and is freed when the callback returns. */
	CTL_CANCEL_GONE,
	/* The timeout given to ctl_reply_defer expired. The callback may
	 * still answer with a precise message; if it does not, the server
	 * answers {"ok":false,"error":"<cmd>: timed out after N s"}. The
	 * reply is freed when the callback returns. */
	CTL_CANCEL_TIMEOUT,
};

typedef void ctl_cancel_fn(void *arg, struct ctl_reply *reply, enum ctl_cancel_why why);

/*
 * Answer later. Until ctl_reply_send, the reply stays valid; if the
 * client goes away or timeout_ms (0: none) expires first, cancel(arg,
 * reply, why) runs exactly once, and the handler must forget the reply
 * there. The client's further requests wait until this one is answered.
 * Call at most once, from the handler.
 */
void ctl_reply_defer(struct ctl_reply *reply, unsigned int timeout_ms, ctl_cancel_fn *cancel,
		     void *arg);

/*
 * Take the client's connection away from the server, for a command that
 * streams (monitor): a new descriptor of the socket, or -errno. Only from
 * the handler, before any other answer; the request is then over, with no
 * reply sent, and the server forgets the client (its idle timeout and the
 * client limit no longer apply). Replies still unsent (earlier requests on
 * the same connection) are moved to *unsent (malloc'd, *unsent_len octets,
 * NULL if none): the caller sends them first. Input after the request is
 * discarded.
 */
int ctl_reply_detach(struct ctl_reply *reply, char **unsent, size_t *unsent_len);

/* The command being answered ("initiate"). */
const char *ctl_reply_command(const struct ctl_reply *reply);

/* Validated arguments, for handlers: NULL / false when absent. */
const char *ctl_arg_string(const json_t *request, const char *name);
bool ctl_arg_integer(const json_t *request, const char *name, json_int_t *value);

#endif
