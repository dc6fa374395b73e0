/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conduitd's control commands that report: status, list-conns, list-sas
 * (with the kernel's traffic figures and idle times), list-certs,
 * list-pols, list-algs. The commands that act are in ctl_cmds.c.
 */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <uthash.h>

#include "conf/conf.h"
#include "daemon/ctl.h"
#include "daemon/daemon.h"
#include "daemon/kernel.h"
#include "daemon/monitor.h"
#include "daemon/trap.h"
#include "daemon/workers.h"
#include "ike/alg.h"
#include "ike/cert.h"
#include "ike/ike.h"
#include "kernel-iface/xfrm.h"

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
	uint64_t now;	  /* monotonic ms */
	int64_t wall;	  /* seconds since the epoch (the kernel's last use) */
	bool stats;	  /* the kernel keeps SAs (not --kernel none) */
	const char *conn; /* filters: NULL, 0: any */
	json_int_t id;
};

/* key: seconds from now until at (a time on the engine's clock, 0:
 * none, then no key); 0 when it is overdue. */
static void set_in(json_t *o, const char *key, uint64_t at, uint64_t now)
{
	if (o && at)
		json_object_set_new(o, key,
				    json_integer((json_int_t)(at > now ? (at - now) / 1000 : 0)));
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
	uint64_t packets[2]; /* in, out, at the last listing */
	uint64_t changed[2]; /* when a listing saw them move (mono ms), 0: not yet */
	uint64_t listing;    /* the last listing that saw the child */
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
			json_object_set_new(
			    c, key, json_integer((json_int_t)((lc->now - u->changed[dir]) / 1000)));
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
	json_object_update_new(
	    c, json_pack("{s:I, s:I, s:I, s:I}", "bytes_in", (json_int_t)in.bytes, "packets_in",
			 (json_int_t)in.packets, "bytes_out", (json_int_t)out.bytes, "packets_out",
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
		      ike_sa_state_pub_name(sa->state), "initiator", sa->initiator, "local",
		      "address", addr_str(&sa->local, l, sizeof(l)), "port",
		      (json_int_t)sa->local.port, "remote", "address",
		      addr_str(&sa->remote, r, sizeof(r)), "port", (json_int_t)sa->remote.port,
		      "local_id", sa->local_id, "remote_id", sa->remote_id, "spi_i", spi_i, "spi_r",
		      spi_r, "algorithms", sa->algorithms, "nat", "local", sa->nat_local, "remote",
		      sa->nat_remote, "child_sas", children);
	if (o) {
		json_t *nat = json_object_get(o, "nat");

		/* encap: ESP in UDP on the ports above; fake: encap = yes. */
		json_object_set_new(nat, "encap", json_boolean(sa->encap));
		json_object_set_new(nat, "fake", json_boolean(sa->nat_fake));
	}
	/* how each side authenticated, once it has ("psk", "pubkey ECDSA
	 * SHA-256"...); remote_id above is the identity the peer proved */
	if (o && (sa->local_auth[0] || sa->remote_auth[0]))
		json_object_set_new(
		    o, "auth",
		    json_pack("{s:s, s:s}", "local", sa->local_auth, "remote", sa->remote_auth));
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
		    certs,
		    json_pack("{s:s, s:s, s:s, s:I, s:I, s:s, s:b, s:s, s:b, s:s}", "subject",
			      ike_cert_subject(en.cert), "issuer", ike_cert_issuer(en.cert),
			      "serial", serial, "not_before", (json_int_t)nb, "not_after",
			      (json_int_t)na, "key_type", kt, "private_key", en.has_key, "kind",
			      en.kind == IKE_CERT_KIND_CA ? "ca" : "end-entity", "anchor",
			      en.anchor, "source", en.source));
	}
	ctl_reply_send(reply, json_pack("{s:b, s:o, s:I}", "ok", 1, "certs", certs, "crls",
					(json_int_t)(d->creds ? ike_creds_n_crls(d->creds) : 0)));
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
		o = json_pack("{s:s, s:o, s:o, s:s, s:I, s:I, s:I, s:b}", "dir", pol_dir(p->dir),
			      "src",
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
