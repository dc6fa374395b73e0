/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <stdio.h>
#include <string.h>

#include "daemon/metrics.h"

static const char *const dir_names[2] = { "in", "out" };
static const char *const kind_names[2] = { "request", "response" };

/* A notify slot's key: the type's name, "NONE", "OTHER", or the number of
 * a type in range that has no name (two of those must not share a key). */
static const char *slot_key(unsigned int slot, char *buf, size_t len)
{
	uint16_t type = ike_ctr_slot_notify(slot);
	const char *name;

	if (slot == IKE_CTR_NOTIFY_NONE)
		return "NONE";
	if (!type)
		return "OTHER";
	name = ike_notify_name(type);
	if (!strncmp(name, "UNKNOWN_", 8)) {
		snprintf(buf, len, "%u", type);
		return buf;
	}
	return name;
}

static json_t *slots_json(const uint64_t *v)
{
	json_t *o = json_object();
	char buf[8];

	for (unsigned int s = 0; s < IKE_CTR_NOTIFY_SLOTS; s++)
		if (v[s])
			json_object_set_new(o, slot_key(s, buf, sizeof(buf)),
					    json_integer((json_int_t)v[s]));
	return o;
}

static json_t *sas_json(uint64_t established, uint64_t failed, const uint64_t *down)
{
	json_t *d = json_object();

	for (uint8_t c = 0; c < IKE_CAUSE_COUNT; c++)
		json_object_set_new(d, ike_cause_name(c), json_integer((json_int_t)down[c]));
	return json_pack("{s:I, s:I, s:o}", "established", (json_int_t)established, "failed",
			 (json_int_t)failed, "down", d);
}

json_t *metrics_counters_json(const struct ike_counters *c)
{
	json_t *msgs = json_object(), *notifies = json_object();

	for (int d = 0; d < 2; d++) {
		json_t *dir = json_object();

		for (int k = 0; k < 2; k++) {
			json_t *kind = json_object();

			for (int x = 0; x < IKE_CTR_X_COUNT; x++)
				json_object_set_new(kind, ike_ctr_exchange_name(x),
						    json_integer((json_int_t)c->messages[d][k][x]));
			json_object_set_new(dir, kind_names[k], kind);
		}
		json_object_set_new(msgs, dir_names[d], dir);
		json_object_set_new(notifies, dir_names[d], slots_json(c->notifies[d]));
	}
	return json_pack("{s:o, s:o, s:{s:I, s:I}, s:I, s:I, s:o, s:o, s:o}", "messages", msgs,
			 "notifies", notifies, "retransmits", "in", (json_int_t)c->retransmits_in,
			 "out", (json_int_t)c->retransmits_out, "dropped", (json_int_t)c->dropped,
			 "invalid", (json_int_t)c->invalid, "ike_sas",
			 sas_json(c->ike_established, c->ike_failed, c->ike_down), "child_sas",
			 sas_json(c->child_established, c->child_failed, c->child_down), "failures",
			 slots_json(c->failed_by_notify));
}

static int conn_fn(void *arg, const char *name, const struct ike_counters *c)
{
	json_object_set_new(arg, name, metrics_counters_json(c));
	return 0;
}

/* {"global":..., "connections":{...}} into o. */
static void all_counters(struct ike_engine *e, json_t *o)
{
	struct ike_counters g;
	json_t *conns = json_object();

	ike_engine_counters(e, NULL, &g);
	ike_engine_foreach_counters(e, conn_fn, conns);
	json_object_set_new(o, "global", metrics_counters_json(&g));
	json_object_set_new(o, "connections", conns);
}

json_t *metrics_counters_reply(struct ike_engine *e, const char *conn, bool reset)
{
	json_t *o = json_pack("{s:b, s:i}", "ok", 1, "schema", METRICS_SCHEMA);
	struct ike_counters c;

	if (!o)
		return NULL;
	if (conn) {
		if (ike_engine_counters(e, conn, &c)) {
			json_decref(o);
			return json_pack("{s:b, s:s+}", "ok", 0, "error", "no connection named ",
					 conn);
		}
		json_object_set_new(o, "connections",
				    json_pack("{s:o}", conn, metrics_counters_json(&c)));
	} else {
		all_counters(e, o);
	}
	if (reset) {
		ike_engine_counters_reset(e, conn);
		json_object_set_new(o, "reset", json_true());
	}
	return o;
}

static json_t *dos_json(const struct ike_engine_stats *st)
{
	json_t *ev = json_object(), *sup = json_object();

	for (int c = 0; c < IKE_LC_COUNT; c++) {
		json_object_set_new(ev, ike_lc_name(c), json_integer((json_int_t)st->events[c]));
		json_object_set_new(sup, ike_lc_name(c),
				    json_integer((json_int_t)st->suppressed[c]));
	}
	return json_pack(
	    "{s:o, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:b}", "events", ev,
	    "suppressed", sup, "half_open", (json_int_t)st->half_open, "half_open_sources",
	    (json_int_t)st->half_open_sources, "half_open_bytes", (json_int_t)st->half_open_bytes,
	    "cookies_sent", (json_int_t)st->cookies_sent, "cookies_accepted",
	    (json_int_t)st->cookies_accepted, "cookies_refused", (json_int_t)st->cookies_refused,
	    "replies_sent", (json_int_t)st->replies_sent, "replies_limited",
	    (json_int_t)st->replies_limited, "dh_keys", (json_int_t)st->dh_keys, "cookies_required",
	    st->cookies_required);
}

struct sa_walk {
	json_t *ike, *child, *traffic; /* {conn:{state:n}}, {conn:{child:{state:n}}}, [...] */
	metrics_traffic_fn *fn;
	void *ctx;
};

static void bump(json_t *o, const char *key)
{
	json_t *n = json_object_get(o, key);

	if (n)
		json_integer_set(n, json_integer_value(n) + 1);
	else
		json_object_set_new(o, key, json_integer(1));
}

static json_t *sub(json_t *o, const char *key)
{
	json_t *s = json_object_get(o, key);

	if (!s) {
		s = json_object();
		json_object_set_new(o, key, s);
	}
	return s;
}

static int sa_fn(void *arg, const struct ike_sa_info *sa)
{
	struct sa_walk *w = arg;

	bump(sub(w->ike, sa->conn_name), ike_sa_state_pub_name(sa->state));
	for (size_t i = 0; i < sa->n_children; i++) {
		const struct ike_child_info *ci = &sa->children[i];
		const char *name = ci->name ? ci->name : "";
		struct metrics_traffic t;

		bump(sub(sub(w->child, sa->conn_name), name), ci->state ? ci->state : "INSTALLED");
		memset(&t, 0, sizeof(t));
		if (w->fn && !w->fn(w->ctx, ci->child_id, &t))
			json_array_append_new(
			    w->traffic,
			    json_pack(
				"{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "connection",
				sa->conn_name, "child", name, "ike_sa", (json_int_t)sa->id, "id",
				(json_int_t)ci->child_id, "bytes_in", (json_int_t)t.bytes_in,
				"packets_in", (json_int_t)t.packets_in, "bytes_out",
				(json_int_t)t.bytes_out, "packets_out", (json_int_t)t.packets_out));
	}
	return 0;
}

json_t *metrics_reply(struct ike_engine *e, const char *version, metrics_traffic_fn *traffic,
		      void *ctx)
{
	struct sa_walk w = { json_object(), json_object(), json_array(), traffic, ctx };
	struct ike_engine_stats st;
	json_t *o;

	ike_engine_stats(e, &st);
	ike_engine_foreach_sa(e, sa_fn, &w);
	o = json_pack("{s:b, s:i, s:s, s:o, s:o, s:o, s:o}", "ok", 1, "schema", METRICS_SCHEMA,
		      "version", version, "dos", dos_json(&st), "ike_sas", w.ike, "child_sas",
		      w.child, "traffic", w.traffic);
	if (o)
		all_counters(e, o);
	return o;
}
