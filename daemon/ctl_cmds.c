/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conduitd's control commands: the handlers of the command table
 * (daemon/ctl_table.c), over the engine's queries and commands. A command
 * that waits for the engine (initiate) defers its reply and is answered
 * from the engine's events (ctl_cmds_event).
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <uthash.h>

#include "conf/conf.h"
#include "daemon/ctl.h"
#include "daemon/ctl_table.h"
#include "daemon/daemon.h"
#include "daemon/kernel.h"
#include "daemon/log.h"
#include "daemon/workers.h"
#include "daemon/monitor.h"
#include "daemon/trap.h"
#include "ike/alg.h"
#include "daemon/metrics.h"
#include "ike/cert.h"
#include "ike/ike_const.h"
#include "ike/ike.h"
#include "kernel-iface/xfrm.h"

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

/* ------------------------------------------------------------------ */
/* Control handlers                                                    */

/* The responder's denial of service figures (ike_engine_stats). */
static json_t *status_limits(struct daemon *d)
{
	struct ike_engine_stats st;
	json_t *events = json_array(), *l;

	ike_engine_stats(d->engine, &st);
	for (int c = 0; c < IKE_LC_COUNT; c++)
		if (st.events[c])
			json_array_append_new(
			    events, json_pack("{s:s, s:I, s:I}", "class", ike_lc_name(c), "count",
					      (json_int_t)st.events[c], "suppressed",
					      (json_int_t)st.suppressed[c]));
	l = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b}", "half_open",
		      (json_int_t)st.half_open, "half_open_max", (json_int_t)st.half_open_max,
		      "half_open_max_ip", (json_int_t)st.half_open_max_ip, "half_open_sources",
		      (json_int_t)st.half_open_sources, "half_open_bytes",
		      (json_int_t)st.half_open_bytes, "half_open_memory",
		      (json_int_t)st.half_open_memory, "half_open_timeout_ms",
		      (json_int_t)st.half_open_timeout_ms, "cookie_threshold",
		      (json_int_t)st.cookie_threshold, "cookie_threshold_ip",
		      (json_int_t)st.cookie_threshold_ip, "cookies_required", st.cookies_required);
	if (!l) {
		json_decref(events);
		return json_null();
	}
	json_object_update_new(l, json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}",
					    "cookies_sent", (json_int_t)st.cookies_sent,
					    "cookies_accepted", (json_int_t)st.cookies_accepted,
					    "cookies_refused", (json_int_t)st.cookies_refused,
					    "reply_rate", (json_int_t)st.reply_rate,
					    "reply_rate_ip", (json_int_t)st.reply_rate_ip,
					    "replies_sent", (json_int_t)st.replies_sent,
					    "replies_limited", (json_int_t)st.replies_limited,
					    "dh_keys", (json_int_t)st.dh_keys, "events", events));
	return l;
}

void ctl_h_status(void *arg, const json_t *req, struct ctl_reply *reply)
{
	struct daemon *d = arg;
	size_t ike, child;

	(void)req;
	ike_engine_counts(d->engine, &ike, &child);
	json_t *r = json_pack("{s:b, s:s, s:i, s:i, s:i, s:i, s:i, s:o}", "ok", 1, "version",
			      PACKAGE_VERSION, "pid", (json_int_t)getpid(), "uptime",
			      (json_int_t)(time(NULL) - d->started), "connections",
			      (json_int_t)d->conf->n_conns, "ike_sas", (json_int_t)ike, "child_sas",
			      (json_int_t)child, "limits", status_limits(d));
	/* conduitctl monitor: how many, and the events they lost (all time) */
	if (r && d->mon)
		json_object_set_new(r, "monitors",
				    json_pack("{s:I, s:I}", "clients",
					      (json_int_t)mon_hub_n_clients(d->mon), "dropped",
					      (json_int_t)mon_hub_dropped(d->mon)));
	/* --workers: the key pool, when there is one */
	if (r && d->workers) {
		struct dworkers_stats ws;

		dworkers_stats(d->workers, &ws);
		json_object_set_new(
		    r, "workers",
		    json_pack("{s:i, s:i, s:I, s:I, s:I, s:I, s:I}", "threads",
			      (json_int_t)ws.threads, "groups", (json_int_t)ws.groups, "in_stock",
			      (json_int_t)ws.in_stock, "taken", (json_int_t)ws.taken, "inline",
			      (json_int_t)ws.inline_made, "made", (json_int_t)ws.made, "failed",
			      (json_int_t)ws.failed));
	}
	ctl_reply_send(reply, r);
}

static json_t *str_list(const struct conf_list *l)
{
	json_t *a = json_array();

	for (size_t i = 0; i < l->n; i++)
		json_array_append_new(a, json_string(l->items[i].value));
	return a;
}

void ctl_h_list_conns(void *arg, const json_t *req, struct ctl_reply *reply)
{
	struct daemon *d = arg;
	json_t *conns = json_array();
	struct conf_conn *cc;

	(void)req;
	TAILQ_FOREACH (cc, &d->conf->conns, entry) {
		json_t *children = json_array(), *c;
		char to[INET6_ADDRSTRLEN];
		struct conf_child *ch;
		struct loaded *l;

		TAILQ_FOREACH (ch, &cc->children, entry)
			json_array_append_new(
			    children,
			    json_pack("{s:s, s:s, s:o, s:o, s:o, s:s}", "name", ch->name, "mode",
				      ch->mode == CONF_MODE_TRANSPORT ? "transport" : "tunnel",
				      "local_ts", str_list(&ch->local_ts), "remote_ts",
				      str_list(&ch->remote_ts), "esp_proposals",
				      str_list(&ch->esp_proposals), "start_action",
				      conf_action_name(ch->start_action)));
		c = json_pack("{s:s, s:o, s:o, s:i, s:i, s:s, s:s, s:o, s:b, s:s, s:o}", "name",
			      cc->name, "local_addrs", str_list(&cc->local_addrs), "remote_addrs",
			      str_list(&cc->remote_addrs), "local_port", (json_int_t)cc->local_port,
			      "remote_port", (json_int_t)cc->remote_port, "local_id",
			      cc->local.id.value ? cc->local.id.value : "%any", "remote_id",
			      cc->remote.id.value ? cc->remote.id.value : "%any", "proposals",
			      str_list(&cc->proposals), "encap", cc->encap, "unique",
			      conf_unique_name(cc->unique), "children", children);
		/* DNS names: where an initiate goes now (null: nowhere yet) */
		l = loaded_find(d, cc->name);
		if (c && l && l->dc.has_names)
			json_object_set_new(
			    c, "remote_resolved",
			    l->dc.cfg.remote.family
				? json_string(addr_str(&l->dc.cfg.remote, to, sizeof(to)))
				: json_null());
		json_array_append_new(conns, c);
	}
	ctl_reply_send(reply, json_pack("{s:b, s:o}", "ok", 1, "connections", conns));
}

/* "10.1.0.0/24 10.3.0.0/24" (the engine's form) into a JSON list. */
static json_t *split_ts(const char *s)
{
	json_t *a = json_array();
	char buf[160];
	char *save = NULL, *tok;

	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, " ,", &save); tok; tok = strtok_r(NULL, " ,", &save))
		json_array_append_new(a, json_string(tok));
	return a;
}

struct list_ctx {
	struct daemon *d;
	json_t *sas;
	uint64_t now;	 /* monotonic ms */
	int64_t wall;	 /* seconds since the epoch (the kernel's last use) */
	bool stats;	 /* the kernel keeps SAs (not --kernel none) */
	const char *conn; /* filters: NULL, 0: any */
	json_int_t id;
};

/* key: seconds from now until at (a time on the engine's clock, 0:
 * none, then no key); 0 when it is overdue. */
static void set_in(json_t *o, const char *key, uint64_t at, uint64_t now)
{
	if (o && at)
		json_object_set_new(o, key, json_integer((json_int_t)(at > now ? (at - now) / 1000 : 0)));
}

/* key: seconds since established (no key while not established). */
static void set_age(json_t *o, const char *key, uint64_t since, uint64_t now)
{
	if (o && since && now >= since)
		json_object_set_new(o, key, json_integer((json_int_t)((now - since) / 1000)));
}

/*
 * When each child's SAs last carried a packet. The kernel says so with
 * XFRMA_LASTUSED only from Linux 6.4 on ("xfrm: update x->lastused for
 * every packet"); before, ESP leaves it 0. Then list-sas tells from the
 * counters: a counter seen to move since the previous listing moved by
 * then, so the idle time is at least the time since that listing saw it.
 * Records of children no longer listed are dropped at each listing.
 */
struct use_rec {
	UT_hash_handle hh;
	uint32_t child_id;
	uint64_t packets[2];  /* in, out, at the last listing */
	uint64_t changed[2];  /* when a listing saw them move (mono ms), 0: not yet */
	uint64_t listing;     /* the last listing that saw the child */
};

static struct use_rec *use_recs;
static uint64_t use_listing;

/* "idle_in"/"idle_out" of one direction: seconds, null (never used), or
 * nothing (used, but not yet known when). */
static void set_idle(struct list_ctx *lc, json_t *c, const char *key, struct use_rec *u, int dir,
		     const struct kif_sa_stats *st)
{
	if (st->last_used) {
		json_object_set_new(c, key,
				    json_integer(lc->wall > (int64_t)st->last_used
						     ? lc->wall - (int64_t)st->last_used
						     : 0));
	} else if (!st->packets) {
		json_object_set_new(c, key, json_null());
	} else if (u) {
		if (u->listing && u->packets[dir] != st->packets)
			u->changed[dir] = lc->now;
		if (u->changed[dir])
			json_object_set_new(c, key,
					    json_integer((json_int_t)((lc->now - u->changed[dir]) / 1000)));
	}
	if (u)
		u->packets[dir] = st->packets;
}

/* The kernel's counters of a child's SAs and how long each direction has
 * been idle; nothing when the kernel keeps no SAs (--kernel none) or does
 * not know the child. */
static void child_traffic(struct list_ctx *lc, json_t *c, uint32_t child_id)
{
	struct kif_sa_stats in, out;
	struct use_rec *u;

	memset(&in, 0, sizeof(in));
	memset(&out, 0, sizeof(out));
	if (!c || !lc->stats || dkern_child_stats(lc->d->kern, child_id, &in, &out))
		return;
	json_object_update_new(c, json_pack("{s:I, s:I, s:I, s:I}", "bytes_in", (json_int_t)in.bytes,
					    "packets_in", (json_int_t)in.packets, "bytes_out",
					    (json_int_t)out.bytes, "packets_out",
					    (json_int_t)out.packets));
	HASH_FIND(hh, use_recs, &child_id, sizeof(child_id), u);
	if (!u && (u = calloc(1, sizeof(*u)))) {
		u->child_id = child_id;
		HASH_ADD(hh, use_recs, child_id, sizeof(u->child_id), u);
	}
	set_idle(lc, c, "idle_in", u, 0, &in);
	set_idle(lc, c, "idle_out", u, 1, &out);
	if (u)
		u->listing = use_listing;
}

void ctl_cmds_cleanup(void)
{
	struct use_rec *u, *tmp;

	HASH_ITER (hh, use_recs, u, tmp) {
		HASH_DEL(use_recs, u);
		free(u);
	}
}

/* After a full listing: forget the children it did not see. */
static void use_recs_sweep(void)
{
	struct use_rec *u, *tmp;

	HASH_ITER (hh, use_recs, u, tmp) {
		if (u->listing != use_listing) {
			HASH_DEL(use_recs, u);
			free(u);
		}
	}
}

static int list_fn(void *arg, const struct ike_sa_info *sa)
{
	struct list_ctx *lc = arg;
	char l[64], r[64], spi_i[17], spi_r[17];
	json_t *children, *o;

	if ((lc->conn && strcmp(lc->conn, sa->conn_name)) || (lc->id && lc->id != sa->id))
		return 0;
	children = json_array();
	for (size_t i = 0; i < sa->n_children; i++) {
		const struct ike_child_info *ci = &sa->children[i];
		char si[9], so[9];
		json_t *c;

		snprintf(si, sizeof(si), "%08x", ci->spi_in);
		snprintf(so, sizeof(so), "%08x", ci->spi_out);
		c = json_pack("{s:i, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:o}", "id",
			      (json_int_t)ci->child_id, "name", ci->name ? ci->name : "", "mode",
			      ci->mode == IKE_MODE_TRANSPORT ? "transport" : "tunnel", "state",
			      ci->state ? ci->state : "INSTALLED", "spi_in", si, "spi_out", so,
			      "algorithms", ci->algorithms, "local_ts", split_ts(ci->local_ts),
			      "remote_ts", split_ts(ci->remote_ts));
		child_traffic(lc, c, ci->child_id);
		set_age(c, "established", ci->established_ms, lc->now);
		set_in(c, "rekey_in", ci->rekey_ms, lc->now);
		set_in(c, "expires_in", ci->expire_ms, lc->now);
		json_array_append_new(children, c);
	}
	snprintf(spi_i, sizeof(spi_i), "%016llx", (unsigned long long)sa->spi_i);
	snprintf(spi_r, sizeof(spi_r), "%016llx", (unsigned long long)sa->spi_r);
	o = json_pack("{s:i, s:s, s:s, s:b, s:{s:s, s:i}, s:{s:s, s:i}, s:s, s:s, s:s, s:s, s:s, "
		      "s:{s:b, s:b}, s:o}",
		      "id", (json_int_t)sa->id, "connection", sa->conn_name, "state",
		      ike_sa_state_pub_name(sa->state), "initiator", sa->initiator, "local", "address",
		      addr_str(&sa->local, l, sizeof(l)), "port", (json_int_t)sa->local.port,
		      "remote", "address", addr_str(&sa->remote, r, sizeof(r)), "port",
		      (json_int_t)sa->remote.port, "local_id", sa->local_id, "remote_id",
		      sa->remote_id, "spi_i", spi_i, "spi_r", spi_r, "algorithms", sa->algorithms,
		      "nat", "local", sa->nat_local, "remote", sa->nat_remote, "child_sas",
		      children);
	if (o) {
		json_t *nat = json_object_get(o, "nat");

		/* encap: ESP in UDP on the ports above; fake: encap = yes. */
		json_object_set_new(nat, "encap", json_boolean(sa->encap));
		json_object_set_new(nat, "fake", json_boolean(sa->nat_fake));
	}
	/* how each side authenticated, once it has ("psk", "pubkey ECDSA
	 * SHA-256"...); remote_id above is the identity the peer proved */
	if (o && (sa->local_auth[0] || sa->remote_auth[0]))
		json_object_set_new(o, "auth",
				    json_pack("{s:s, s:s}", "local", sa->local_auth, "remote",
					      sa->remote_auth));
	set_age(o, "established", sa->established_ms, lc->now);
	set_in(o, "rekey_in", sa->rekey_ms, lc->now);
	set_in(o, "reauth_in", sa->reauth_ms, lc->now);
	set_in(o, "expires_in", sa->expire_ms, lc->now);
	json_array_append_new(lc->sas, o);
	return 0;
}

/* list-sas [--conn NAME] [--id N] */
void ctl_h_list_sas(void *arg, const json_t *req, struct ctl_reply *reply)
{
	struct daemon *d = arg;
	struct list_ctx lc = { .d = d,
			       .now = mono_ms(),
			       .wall = (int64_t)time(NULL),
			       .stats = !strcmp(kif_backend(d->kif), "netlink"),
			       .conn = ctl_arg_string(req, "conn") };
	bool has_id = ctl_arg_integer(req, "id", &lc.id);

	if (lc.conn && !conf_find_conn(d->conf, lc.conn)) {
		ctl_reply_error(reply, "no connection named %s", lc.conn);
		return;
	}
	if (has_id && (lc.id <= 0 || lc.id > UINT32_MAX)) {
		ctl_reply_error(reply, "no IKE SA %lld: an IKE SA id is 1 to %u", (long long)lc.id,
				UINT32_MAX);
		return;
	}
	lc.sas = json_array();
	use_listing++;
	ike_engine_foreach_sa(d->engine, list_fn, &lc);
	if (!lc.conn && !lc.id)
		use_recs_sweep();
	ctl_reply_send(reply, json_pack("{s:b, s:o}", "ok", 1, "ike_sas", lc.sas));
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

/* Every certificate loaded (never a key: only whether one is there). */
void ctl_h_list_certs(void *arg, const json_t *req, struct ctl_reply *reply)
{
	struct daemon *d = arg;
	json_t *certs = json_array();
	size_t n = d->creds ? ike_creds_n_certs(d->creds) : 0;

	(void)req;
	for (size_t i = 0; i < n; i++) {
		struct ike_creds_entry en;
		char serial[128], kt[64];
		int64_t nb = 0, na = 0;

		ike_creds_cert_entry(d->creds, i, &en);
		ike_cert_serial(en.cert, serial, sizeof(serial));
		ike_cert_key_type(en.cert, kt, sizeof(kt));
		ike_cert_validity(en.cert, &nb, &na);
		json_array_append_new(
		    certs, json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:b, s:s, s:b, s:s}", "subject",
				     ike_cert_subject(en.cert), "issuer", ike_cert_issuer(en.cert),
				     "serial", serial, "not_before", (json_int_t)nb, "not_after",
				     (json_int_t)na, "key_type", kt, "private_key", en.has_key,
				     "kind", en.kind == IKE_CERT_KIND_CA ? "ca" : "end-entity",
				     "anchor", en.anchor, "source", en.source));
	}
	ctl_reply_send(reply, json_pack("{s:b, s:o, s:I}", "ok", 1, "certs", certs, "crls",
					(json_int_t)(d->creds ? ike_creds_n_crls(d->creds) : 0)));
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

/* ------------------------------------------------------------------ */
/* list-pols                                                           */

/* A child's engine reqid and names, from the engine's listing. */
struct pol_owner {
	uint32_t reqid;
	char conn[64], child[64];
};

struct pol_owners {
	struct pol_owner *v;
	size_t n, cap;
};

static int pol_owner_fn(void *arg, const struct ike_sa_info *sa)
{
	struct pol_owners *o = arg;

	for (size_t i = 0; i < sa->n_children; i++) {
		if (o->n == o->cap) {
			size_t cap = o->cap ? o->cap * 2 : 16;
			struct pol_owner *v = realloc(o->v, cap * sizeof(*v));

			if (!v)
				return -ENOMEM;
			o->v = v;
			o->cap = cap;
		}
		o->v[o->n].reqid = sa->children[i].reqid;
		snprintf(o->v[o->n].conn, sizeof(o->v[0].conn), "%s", sa->conn_name);
		snprintf(o->v[o->n].child, sizeof(o->v[0].child), "%s",
			 sa->children[i].name ? sa->children[i].name : "");
		o->n++;
	}
	return 0;
}

static const char *pol_dir(enum kif_dir d)
{
	return d == KIF_DIR_IN ? "in" : d == KIF_DIR_OUT ? "out" : "fwd";
}

/* "10.1.0.0/24", with the protocol and port when the selector has them
 * ("10.1.0.0/24[tcp/80]"). */
static json_t *pol_sel(const struct kif_addr *a, uint8_t plen, uint8_t proto, uint16_t port,
		       uint16_t mask)
{
	char ip[64], buf[128];

	kif_addr_str(a, ip, sizeof(ip));
	if (!proto && !mask)
		return json_sprintf("%s/%u", ip, plen);
	snprintf(buf, sizeof(buf), "%s/%u[%u", ip, plen, proto);
	if (mask)
		snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "/%u", port);
	return json_sprintf("%s]", buf);
}

/* conduit's policies in the kernel (its reqid range: children's and
 * traps'), each with the connection and child it belongs to. */
void ctl_h_list_pols(void *arg, const json_t *req, struct ctl_reply *reply)
{
	struct daemon *d = arg;
	struct pol_owners own = { NULL, 0, 0 };
	struct kif_policy *pols = NULL;
	json_t *list;
	size_t n = 0;
	int rc;

	(void)req;
	rc = kif_policy_list(d->kif, &pols, &n);
	if (rc) {
		ctl_reply_error(reply, "cannot list the kernel's policies: %s", kif_error(d->kif));
		return;
	}
	if (ike_engine_foreach_sa(d->engine, pol_owner_fn, &own)) {
		free(pols);
		free(own.v);
		ctl_reply_error(reply, "out of memory");
		return;
	}
	list = json_array();
	for (size_t i = 0; i < n; i++) {
		const struct kif_policy *p = &pols[i];
		const struct kif_tmpl *t = &p->tmpl[0];
		const char *conn = NULL, *child = NULL;
		uint32_t ereqid = dkern_engine_reqid(d->kern, t->reqid);
		bool trap = false;
		char s[64], ds[64];
		json_t *o;

		for (size_t k = 0; ereqid && k < own.n && !conn; k++)
			if (own.v[k].reqid == ereqid) {
				conn = own.v[k].conn;
				child = own.v[k].child;
			}
		if (!conn)
			trap = dtrap_lookup(d->trap, t->reqid, &conn, &child) == 1;
		o = json_pack("{s:s, s:o, s:o, s:s, s:I, s:I, s:I, s:b}", "dir", pol_dir(p->dir), "src",
			      pol_sel(&p->sel.src, p->sel.src_plen, p->sel.proto, p->sel.sport,
				      p->sel.sport_mask),
			      "dst",
			      pol_sel(&p->sel.dst, p->sel.dst_plen, p->sel.proto, p->sel.dport,
				      p->sel.dport_mask),
			      "mode", t->mode == KIF_MODE_TUNNEL ? "tunnel" : "transport", "reqid",
			      (json_int_t)t->reqid, "priority", (json_int_t)p->priority, "index",
			      (json_int_t)p->index, "trap", trap);
		if (o && conn) {
			json_object_set_new(o, "connection", json_string(conn));
			json_object_set_new(o, "child", json_string(child ? child : ""));
		}
		if (o && t->mode == KIF_MODE_TUNNEL && t->src.family) {
			json_object_set_new(o, "tunnel_src",
					    json_string(kif_addr_str(&t->src, s, sizeof(s))));
			json_object_set_new(o, "tunnel_dst",
					    json_string(kif_addr_str(&t->dst, ds, sizeof(ds))));
		}
		if (o && (p->mark_value || p->mark_mask))
			json_object_update_new(o, json_pack("{s:I, s:I}", "mark",
							    (json_int_t)p->mark_value, "mark_mask",
							    (json_int_t)p->mark_mask));
		if (o && p->if_id)
			json_object_set_new(o, "if_id", json_integer((json_int_t)p->if_id));
		json_array_append_new(list, o);
	}
	free(pols);
	free(own.v);
	ctl_reply_send(reply, json_pack("{s:b, s:s, s:o}", "ok", 1, "kernel_backend",
					kif_backend(d->kif), "policies", list));
}

/* ------------------------------------------------------------------ */
/* list-algs                                                           */

static const char *alg_type(uint8_t t)
{
	switch (t) {
	case IKE_TRANS_ENCR:
		return "encryption";
	case IKE_TRANS_PRF:
		return "prf";
	case IKE_TRANS_INTEG:
		return "integrity";
	case IKE_TRANS_DH:
		return "key-exchange";
	case IKE_TRANS_ESN:
		return "esn";
	}
	return "?";
}

/* The kernel's crypto API type of an ESP algorithm's kernel name. */
static const char *alg_kernel_type(const struct ike_alg_info *a)
{
	if (a->type == IKE_TRANS_INTEG)
		return "hash";
	return (a->flags & IKE_ALG_AEAD) ? "aead" : "skcipher";
}

/* What this build negotiates (the algorithm table: IKE and ESP, by
 * strongSwan keyword), and for ESP whether this kernel has it. */
void ctl_h_list_algs(void *arg, const json_t *req, struct ctl_reply *reply)
{
	struct daemon *d = arg;
	bool probe = !strcmp(kif_backend(d->kif), "netlink");
	json_t *list = json_array();

	(void)req;
	for (int i = IKE_ALG_NONE + 1; i < IKE_ALG_COUNT; i++) {
		const struct ike_alg_info *a = ike_alg_get((enum ike_alg)i);
		json_t *kw, *o, *kernel = json_null();
		char name[64];

		if (!a || !a->keywords[0])
			continue;
		kw = json_array();
		for (size_t k = 0; k < IKE_ALG_MAX_KEYWORDS && a->keywords[k]; k++)
			json_array_append_new(kw, json_string(a->keywords[k]));
		/* strongSwan's name, with the key length of an encryption */
		if (a->type == IKE_TRANS_ENCR && a->key_bits)
			snprintf(name, sizeof(name), "%s_%u", a->name, a->key_bits);
		else
			snprintf(name, sizeof(name), "%s", a->name ? a->name : a->keywords[0]);
		if (probe && (a->flags & IKE_ALG_ESP) && a->kernel &&
		    (a->type == IKE_TRANS_ENCR || a->type == IKE_TRANS_INTEG)) {
			int rc = kif_crypto_probe(alg_kernel_type(a), a->kernel);

			if (rc >= 0) {
				json_decref(kernel);
				kernel = json_boolean(rc == 1);
			}
		}
		o = json_pack("{s:s, s:s, s:o, s:s, s:b, s:b, s:b, s:o}", "name", name, "keyword",
			      a->keywords[0], "keywords", kw, "type", alg_type(a->type), "ike",
			      !!(a->flags & IKE_ALG_IKE), "esp", !!(a->flags & IKE_ALG_ESP), "weak",
			      !!(a->flags & IKE_ALG_WEAK), "kernel", kernel);
		if (o && a->kernel)
			json_object_set_new(o, "kernel_name", json_string(a->kernel));
		json_array_append_new(list, o);
	}
	ctl_reply_send(reply, json_pack("{s:b, s:s, s:o}", "ok", 1, "kernel_backend",
					kif_backend(d->kif), "algorithms", list));
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
	ctl_reply_send(reply,
		       metrics_reply(d->engine, PACKAGE_VERSION, kernel ? metrics_traffic : NULL, d));
}
