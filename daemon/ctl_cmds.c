/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conduitd's control commands that act: the handlers of the command table
 * (daemon/ctl_table.c) for initiate, terminate, rekey, reload, monitor,
 * counters and metrics, over the engine's commands (the commands that
 * report are in ctl_list.c). A command that waits for the engine
 * (initiate, terminate) defers its reply and is answered from the
 * engine's events (ctl_cmds_event).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <jansson.h>

#include "conf/conf.h"
#include "daemon/ctl.h"
#include "daemon/ctl_table.h"
#include "daemon/daemon.h"
#include "daemon/kernel.h"
#include "daemon/log.h"
#include "daemon/metrics.h"
#include "daemon/monitor.h"
#include "ike/ike.h"

/* One CHILD SA an initiate waits for. */
struct pending_child {
	char name[64];
	uint32_t child_id; /* once up */
	bool done;
	char error[1024]; /* once failed */
	/* the failure as fields: the notify that decided it (0: none) and
	 * the engine's reason */
	uint16_t notify;
	char reason[1024];
};

/* An initiate answered when every child it asked for is up or has failed
 * (n == 0: a childless IKE SA, answered when it is up). */
struct pending {
	TAILQ_ENTRY(pending) entry;
	uint32_t ike_sa_id;
	struct ctl_reply *reply;
	struct daemon *d;
	size_t n;
	struct pending_child *kids;
};

static void pending_free(struct pending *p)
{
	free(p->kids);
	free(p);
}

/* A failure's fields besides "error", into o: "notify" (its name, or null),
 * "notify_type" (0: none) and "reason" (the engine's, without the prefix
 * "error" has). */
static json_t *failure_fields(json_t *o, uint16_t notify, const char *reason)
{
	json_object_set_new(o, "notify",
			    notify ? json_string(ike_notify_name(notify)) : json_null());
	json_object_set_new(o, "notify_type", json_integer(notify));
	json_object_set_new(o, "reason", json_string(reason));
	return o;
}

/* Every child done: the answer, ok only if all came up. */
static json_t *pending_result(const struct pending *p)
{
	json_t *ids = json_array(), *errs = json_array();
	const struct pending_child *first = NULL;
	char msg[2048] = "";
	size_t len = 0;
	json_t *r;

	for (size_t i = 0; i < p->n; i++) {
		if (p->kids[i].child_id) {
			json_array_append_new(ids, json_integer(p->kids[i].child_id));
		} else if (p->kids[i].error[0]) {
			if (!first)
				first = &p->kids[i];
			json_array_append_new(
			    errs, failure_fields(json_pack("{s:s, s:s}", "child", p->kids[i].name,
							   "error", p->kids[i].error),
						 p->kids[i].notify, p->kids[i].reason));
			len +=
			    (size_t)snprintf(msg + len, len < sizeof(msg) ? sizeof(msg) - len : 0,
					     "%s%s", len ? "; " : "", p->kids[i].error);
		}
	}
	if (!json_array_size(errs)) {
		json_decref(errs);
		return json_pack("{s:b, s:i, s:o}", "ok", 1, "ike_sa", (json_int_t)p->ike_sa_id,
				 "child_sas", ids);
	}
	r = json_pack("{s:b, s:s, s:i, s:o, s:o}", "ok", 0, "error", msg, "ike_sa",
		      (json_int_t)p->ike_sa_id, "child_sas", ids, "failed", errs);
	/* the first failure's fields at the top, as for a failed IKE SA */
	return failure_fields(r, first->notify, first->reason);
}

static void term_event(const struct ike_event *ev);

void ctl_cmds_event(struct daemon *d, const struct ike_event *ev)
{
	term_event(ev);
	struct pending *p, *tmp;

	for (p = TAILQ_FIRST(&d->pending); p; p = tmp) {
		char msg[1024];
		bool all = true;

		tmp = TAILQ_NEXT(p, entry);
		if (p->ike_sa_id != ev->ike_sa_id)
			continue;
		snprintf(msg, sizeof(msg), "%s[%u]%s%s: %s%s%s", ev->conn_name, ev->ike_sa_id,
			 ev->child_name ? " " : "", ev->child_name ? ev->child_name : "",
			 ev->notify ? ike_notify_name(ev->notify) : "", ev->notify ? ": " : "",
			 ev->reason ? ev->reason : "failed");
		for (size_t i = 0; i < p->n; i++) {
			struct pending_child *k = &p->kids[i];
			bool mine = ev->child_name && !strcmp(ev->child_name, k->name);

			if (k->done)
				continue;
			if (ev->type == IKE_EV_CHILD_UP && mine) {
				k->child_id = ev->child_id;
				k->done = true;
			} else if ((ev->type == IKE_EV_FAILED && (mine || !ev->child_name)) ||
				   ev->type == IKE_EV_IKE_DOWN) {
				snprintf(k->error, sizeof(k->error), "%s", msg);
				snprintf(k->reason, sizeof(k->reason), "%s",
					 ev->reason ? ev->reason : "failed");
				k->notify = ev->notify;
				k->done = true;
			}
			all = all && k->done;
		}
		if (!p->n) {
			if (ev->type == IKE_EV_FAILED || ev->type == IKE_EV_IKE_DOWN) {
				TAILQ_REMOVE(&d->pending, p, entry);
				ctl_reply_send(
				    p->reply,
				    failure_fields(json_pack("{s:b, s:s}", "ok", 0, "error", msg),
						   ev->notify, ev->reason ? ev->reason : "failed"));
				pending_free(p);
				continue;
			}
			all = ev->type == IKE_EV_IKE_UP;
		}
		if (!all)
			continue;
		TAILQ_REMOVE(&d->pending, p, entry);
		ctl_reply_send(p->reply, pending_result(p));
		pending_free(p);
	}
}

static void pending_cancel(void *arg, struct ctl_reply *reply, enum ctl_cancel_why why)
{
	struct pending *p = arg;
	struct daemon *d = p->d;

	(void)reply;
	if (why == CTL_CANCEL_TIMEOUT)
		log_msg(LOG_LEVEL_WARN, "initiate of IKE SA %u: no result in time", p->ike_sa_id);
	TAILQ_REMOVE(&d->pending, p, entry);
	pending_free(p);
}

/* "CONN" or "CONN/CHILD" into conn (and *child, NULL without one).
 * -ENAMETOOLONG when it does not fit. */
static int split_name(const char *name, char *conn, size_t size, char **child)
{
	if (strlen(name) >= size)
		return -ENAMETOOLONG;
	strcpy(conn, name);
	*child = strchr(conn, '/');
	if (*child)
		*(*child)++ = '\0';
	return 0;
}

void ctl_h_initiate(void *arg, const json_t *req, struct ctl_reply *reply)
{
	struct daemon *d = arg;
	const char *name = ctl_arg_string(req, "name");
	json_int_t timeout = INITIATE_TIMEOUT_S;
	const struct conf_conn *cc;
	const struct conf_child *ch;
	char conn[128], *child;
	struct pending *p;
	int rc;

	ctl_arg_integer(req, "timeout", &timeout);
	if (timeout <= 0 || timeout > 3600) {
		ctl_reply_error(reply, "timeout must be 1 to 3600 seconds");
		return;
	}
	if (split_name(name, conn, sizeof(conn), &child)) {
		ctl_reply_error(reply, "no connection named %.64s...", name);
		return;
	}
	refresh_names(d, conn);
	rc = ike_engine_initiate(d->engine, conn, child);
	if (rc < 0) {
		const struct loaded *l = loaded_find(d, conn);

		if (rc == -ENOENT)
			ctl_reply_error(reply,
					child ? "no child %s in connection %s"
					      : "no connection named %s%s",
					child ? child : name, child ? conn : "");
		else if (rc == -EDESTADDRREQ && l && l->dc.warning[0])
			ctl_reply_error(reply,
					"%s: remote_addrs has no address to initiate to (%s)", conn,
					l->dc.warning);
		else if (rc == -EDESTADDRREQ)
			ctl_reply_error(reply, "%s: remote_addrs has no address to initiate to",
					conn);
		else if (rc == -EINVAL)
			ctl_reply_error(reply, "%s: no child to start, and childless = never",
					conn);
		else
			ctl_reply_error(reply, "%s: cannot initiate: %s", name, strerror(-rc));
		return;
	}
	p = calloc(1, sizeof(*p));
	cc = d->conf ? conf_find_conn(d->conf, conn) : NULL;
	if (p && cc && cc->n_children)
		p->kids = calloc(cc->n_children, sizeof(*p->kids));
	if (!p || (cc && cc->n_children && !p->kids)) {
		if (p)
			pending_free(p);
		ctl_reply_error(reply, "out of memory");
		return;
	}
	p->ike_sa_id = (uint32_t)rc;
	p->reply = reply;
	p->d = d;
	/* The children asked for that are not up yet. */
	if (cc)
		TAILQ_FOREACH (ch, &cc->children, entry) {
			if ((child && strcmp(ch->name, child)) ||
			    ike_engine_child_is_up(d->engine, p->ike_sa_id, ch->name))
				continue;
			snprintf(p->kids[p->n].name, sizeof(p->kids[p->n].name), "%s", ch->name);
			p->n++;
		}
	if (!p->n &&
	    (child || (cc && cc->n_children) || ike_engine_ike_sa_is_up(d->engine, p->ike_sa_id))) {
		/* Everything asked for is up already. */
		ctl_reply_send(reply,
			       json_pack("{s:b, s:i, s:[], s:b}", "ok", 1, "ike_sa",
					 (json_int_t)p->ike_sa_id, "child_sas", "already_up", 1));
		pending_free(p);
		return;
	}
	TAILQ_INSERT_TAIL(&d->pending, p, entry);
	ctl_reply_defer(reply, (unsigned int)timeout * 1000, pending_cancel, p);
}

/*
 * terminate: answered once every SA it deletes is gone (the peer answered
 * the Delete, or the retransmissions gave up), or at the timeout. The
 * SAs are found before the engine is asked, and each wait is on the list
 * before the engine runs, so an SA the engine drops at once (one still
 * connecting) is counted too.
 */
struct term_target {
	uint32_t ike_sa_id;
	uint32_t child_id; /* 0: the IKE SA itself */
	bool gone;	   /* an event said so */
	bool present;	   /* scratch of term_check_fn */
};

struct term_wait {
	TAILQ_ENTRY(term_wait) entry;
	struct ctl_reply *reply;
	bool deferred;
	const char *what; /* "terminated" or "terminated_children" */
	size_t n;
	struct term_target t[];
};

static TAILQ_HEAD(, term_wait) term_waits = TAILQ_HEAD_INITIALIZER(term_waits);

struct term_find {
	const char *conn, *child; /* conn NULL: by id */
	uint32_t id;
	struct term_target *t;
	size_t n, cap;
	int err;
};

static void term_add(struct term_find *f, uint32_t ike_sa_id, uint32_t child_id)
{
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		struct term_target *t = realloc(f->t, cap * sizeof(*t));

		if (!t) {
			f->err = -ENOMEM;
			return;
		}
		f->t = t;
		f->cap = cap;
	}
	f->t[f->n++] = (struct term_target){ ike_sa_id, child_id, false, false };
}

static int term_find_fn(void *arg, const struct ike_sa_info *sa)
{
	struct term_find *f = arg;

	if (f->conn ? strcmp(f->conn, sa->conn_name) != 0 : f->id != sa->id)
		return 0;
	if (!f->child) {
		term_add(f, sa->id, 0);
		return 0;
	}
	for (size_t i = 0; i < sa->n_children; i++)
		if (sa->children[i].name && !strcmp(sa->children[i].name, f->child))
			term_add(f, sa->id, sa->children[i].child_id);
	return 0;
}

/* Which targets are still there (after the engine ran): present. */
static int term_check_fn(void *arg, const struct ike_sa_info *sa)
{
	struct term_wait *w = arg;

	for (size_t i = 0; i < w->n; i++) {
		struct term_target *t = &w->t[i];
		bool there = !t->child_id;

		if (t->ike_sa_id != sa->id)
			continue;
		for (size_t k = 0; k < sa->n_children && !there; k++)
			there = sa->children[k].child_id == t->child_id;
		t->present = there;
	}
	return 0;
}

static bool term_done(const struct term_wait *w)
{
	for (size_t i = 0; i < w->n; i++)
		if (!w->t[i].gone)
			return false;
	return true;
}

static void term_answer(struct term_wait *w)
{
	TAILQ_REMOVE(&term_waits, w, entry);
	ctl_reply_send(w->reply, json_pack("{s:b, s:I}", "ok", 1, w->what, (json_int_t)w->n));
	free(w);
}

static void term_cancel(void *arg, struct ctl_reply *reply, enum ctl_cancel_why why)
{
	struct term_wait *w = arg;
	size_t left = 0;

	for (size_t i = 0; i < w->n; i++)
		left += !w->t[i].gone;
	if (why == CTL_CANCEL_TIMEOUT)
		ctl_reply_error(reply,
				"terminate: %zu of %zu SA%s still deleting (the peer has not "
				"answered the Delete yet; conduitd keeps trying)",
				left, w->n, w->n == 1 ? "" : "s");
	TAILQ_REMOVE(&term_waits, w, entry);
	free(w);
}

/* The engine's events: an SA a terminate waits for went. */
static void term_event(const struct ike_event *ev)
{
	struct term_wait *w, *tmp;

	if (ev->type != IKE_EV_IKE_DOWN && ev->type != IKE_EV_CHILD_DOWN &&
	    !(ev->type == IKE_EV_FAILED && !ev->child_name))
		return;
	for (w = TAILQ_FIRST(&term_waits); w; w = tmp) {
		tmp = TAILQ_NEXT(w, entry);
		for (size_t i = 0; i < w->n; i++) {
			struct term_target *t = &w->t[i];

			if (t->ike_sa_id != ev->ike_sa_id)
				continue;
			/* an IKE SA takes its children with it */
			if (ev->type != IKE_EV_CHILD_DOWN || t->child_id == ev->child_id)
				t->gone = true;
		}
		if (w->deferred && term_done(w))
			term_answer(w);
	}
}

/* terminate CONN (its IKE SAs), CONN/CHILD (that CHILD SA; the IKE SA and
 * the other children stay) or --id N (IKE SA N). */
void ctl_h_terminate(void *arg, const json_t *req, struct ctl_reply *reply)
{
	struct daemon *d = arg;
	const char *name = ctl_arg_string(req, "name");
	json_int_t id = 0, timeout = INITIATE_TIMEOUT_S;
	struct term_find f = { .conn = NULL };
	const struct conf_conn *cc;
	struct term_wait *w;
	char conn[128], *child = NULL;

	ctl_arg_integer(req, "timeout", &timeout);
	if (timeout <= 0 || timeout > 3600) {
		ctl_reply_error(reply, "timeout must be 1 to 3600 seconds");
		return;
	}
	if (ctl_arg_integer(req, "id", &id) == !!name) {
		ctl_reply_error(reply, "terminate wants a connection name or an IKE SA id (--id), "
				       "one of them");
		return;
	}
	if (name) {
		if (split_name(name, conn, sizeof(conn), &child)) {
			ctl_reply_error(reply, "no connection named %.64s...", name);
			return;
		}
		cc = conf_find_conn(d->conf, conn);
		if (!cc) {
			ctl_reply_error(reply, "no connection named %s", conn);
			return;
		}
		if (child && !conf_find_child(cc, child)) {
			ctl_reply_error(reply, "no child %s in connection %s", child, conn);
			return;
		}
		f.conn = conn;
		f.child = child;
	} else {
		if (id <= 0 || id > UINT32_MAX) {
			ctl_reply_error(reply, "no IKE SA %lld", (long long)id);
			return;
		}
		f.id = (uint32_t)id;
	}
	ike_engine_foreach_sa(d->engine, term_find_fn, &f);
	if (!f.err && !name && !f.n) {
		ctl_reply_error(reply, "no IKE SA %lld", (long long)id);
		free(f.t);
		return;
	}
	w = f.err ? NULL : calloc(1, sizeof(*w) + f.n * sizeof(w->t[0]));
	if (!w) {
		ctl_reply_error(reply, "out of memory");
		free(f.t);
		return;
	}
	w->reply = reply;
	w->what = child ? "terminated_children" : "terminated";
	w->n = f.n;
	if (f.n)
		memcpy(w->t, f.t, f.n * sizeof(w->t[0]));
	free(f.t);
	TAILQ_INSERT_TAIL(&term_waits, w, entry);
	if (child)
		ike_engine_terminate_child(d->engine, conn, child);
	else if (name)
		ike_engine_terminate(d->engine, conn, 0);
	else
		ike_engine_terminate(d->engine, NULL, (uint32_t)id);
	/* what the engine dropped without an event we matched is gone too */
	ike_engine_foreach_sa(d->engine, term_check_fn, w);
	for (size_t i = 0; i < w->n; i++)
		w->t[i].gone = w->t[i].gone || !w->t[i].present;
	if (term_done(w)) {
		term_answer(w);
		return;
	}
	w->deferred = true;
	ctl_reply_defer(reply, (unsigned int)timeout * 1000, term_cancel, w);
}

/* rekey CONN (its IKE SAs) or CONN/CHILD (that child in each IKE SA). */
struct rekey_ctx {
	struct daemon *d;
	const char *conn;
	size_t conn_len;
	const char *child; /* NULL: the IKE SAs */
	int n_ok, n_busy;
	bool reauth; /* collect the established IKE SAs' ids in ids */
	uint32_t *ids;
	size_t n_ids, cap;
};

static int rekey_one(void *arg, const struct ike_sa_info *sa)
{
	struct rekey_ctx *r = arg;
	int rc;

	if (strlen(sa->conn_name) != r->conn_len || strncmp(sa->conn_name, r->conn, r->conn_len) ||
	    sa->state != IKE_STATE_ESTABLISHED)
		return 0;
	if (r->reauth) {
		/* reauthenticated after the walk: it adds IKE SAs */
		if (r->n_ids == r->cap) {
			size_t cap = r->cap ? r->cap * 2 : 4;
			uint32_t *ids = realloc(r->ids, cap * sizeof(*ids));

			if (!ids)
				return -ENOMEM;
			r->ids = ids;
			r->cap = cap;
		}
		r->ids[r->n_ids++] = sa->id;
		return 0;
	}
	if (!r->child) {
		rc = ike_engine_rekey(r->d->engine, sa->id, 0);
		r->n_ok += rc == 0;
		r->n_busy += rc == -EBUSY;
		return 0;
	}
	for (size_t i = 0; i < sa->n_children; i++) {
		if (strcmp(sa->children[i].name, r->child))
			continue;
		rc = ike_engine_rekey(r->d->engine, sa->id, sa->children[i].child_id);
		r->n_ok += rc == 0;
		r->n_busy += rc == -EBUSY;
	}
	return 0;
}

void ctl_h_rekey(void *arg, const json_t *req, struct ctl_reply *reply)
{
	struct daemon *d = arg;
	const char *name = ctl_arg_string(req, "name");
	const char *slash = strchr(name, '/');
	struct rekey_ctx r = { .d = d, .conn = name };
	char conn[128];

	r.conn_len = slash ? (size_t)(slash - name) : strlen(name);
	r.child = slash ? slash + 1 : NULL;
	snprintf(conn, sizeof(conn), "%.*s", (int)(r.conn_len < 127 ? r.conn_len : 127), name);
	if (!conf_find_conn(d->conf, conn)) {
		ctl_reply_error(reply, "no connection named %s", conn);
		return;
	}
	r.reauth = json_is_true(json_object_get(req, "reauth"));
	if (r.reauth && r.child) {
		ctl_reply_error(reply,
				"rekey --reauth reauthenticates IKE SAs (with all their "
				"children): give the connection, %s",
				conn);
		return;
	}
	if (ike_engine_foreach_sa(d->engine, rekey_one, &r) == -ENOMEM) {
		free(r.ids);
		ctl_reply_error(reply, "out of memory");
		return;
	}
	if (r.reauth) {
		json_t *nids = json_array();
		const char *why = NULL;

		for (size_t i = 0; i < r.n_ids; i++) {
			int rc = ike_engine_reauth(d->engine, r.ids[i]);

			if (rc > 0)
				json_array_append_new(nids, json_integer(rc));
			r.n_busy += rc == -EBUSY;
			if (rc == -EDESTADDRREQ)
				why = "the connection has no remote address to initiate to";
			else if (rc < 0 && rc != -EBUSY && !why)
				why = strerror(-rc);
		}
		free(r.ids);
		if (!json_array_size(nids) && !r.n_busy) {
			json_decref(nids);
			ctl_reply_error(reply, "%s: %s", name,
					why ? why : "no established IKE SA to reauthenticate");
			return;
		}
		ctl_reply_send(reply, json_pack("{s:b, s:I, s:i, s:o}", "ok", 1, "reauthenticating",
						(json_int_t)json_array_size(nids), "busy",
						(json_int_t)r.n_busy, "ike_sas", nids));
		return;
	}
	if (!r.n_ok && !r.n_busy) {
		ctl_reply_error(reply, "%s: no established %s to rekey", name,
				r.child ? "CHILD_SA of that name" : "IKE SA");
		return;
	}
	ctl_reply_send(reply, json_pack("{s:b, s:i, s:i}", "ok", 1, "rekeying", (json_int_t)r.n_ok,
					"busy", (json_int_t)r.n_busy));
}

void ctl_h_reload(void *arg, const json_t *req, struct ctl_reply *reply)
{
	(void)req;
	ctl_reply_send(reply, do_reload(arg));
}

/* The table's handlers, for ctl_server_new (which refuses a command
 * whose handler is not linked in). */
void ctl_h_monitor(void *arg, const json_t *req, struct ctl_reply *reply)
{
	struct daemon *d = arg;

	(void)req;
	mon_ctl_subscribe(d->mon, reply);
}

const struct ctl_handlers *ctl_cmds_handlers(void)
{
	static struct ctl_command commands[64];
	static struct ctl_handlers h = { commands, 0 };

	if (h.n_commands == 0) {
		for (size_t i = 0; i < ctl_cmd_count && i < sizeof(commands) / sizeof(commands[0]);
		     i++) {
			commands[i].name = ctl_cmd_table[i].name;
			commands[i].fn = ctl_cmd_table[i].handler;
			commands[i].args = ctl_cmd_table[i].args;
		}
		h.n_commands = ctl_cmd_count < 64 ? ctl_cmd_count : 64;
	}
	return &h;
}

/* ---- counters and metrics (daemon/metrics.c builds the replies) ---- */

void ctl_h_counters(void *arg, const json_t *req, struct ctl_reply *reply)
{
	struct daemon *d = arg;
	json_t *reset = json_object_get(req, "reset");

	ctl_reply_send(reply, metrics_counters_reply(d->engine, ctl_arg_string(req, "name"),
						     json_is_true(reset)));
}

/* The kernel's figures of a child's SAs (none with --kernel none). */
static int metrics_traffic(void *ctx, uint32_t child_id, struct metrics_traffic *t)
{
	struct daemon *d = ctx;
	struct kif_sa_stats in, out;
	int rc;

	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	rc = dkern_child_stats(d->kern, child_id, &in, &out);
	if (rc)
		return rc;
	t->bytes_in = in.bytes;
	t->packets_in = in.packets;
	t->bytes_out = out.bytes;
	t->packets_out = out.packets;
	return 0;
}

void ctl_h_metrics(void *arg, const json_t *req, struct ctl_reply *reply)
{
	struct daemon *d = arg;
	/* --kernel none keeps no SAs: its zeros would be made up */
	bool kernel = d->kif && !strcmp(kif_backend(d->kif), "netlink");

	(void)req;
	ctl_reply_send(
	    reply, metrics_reply(d->engine, PACKAGE_VERSION, kernel ? metrics_traffic : NULL, d));
}
