// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Connections and their children, with strongSwan's defaults
 * (vici_config.c), and the index of connections by name. Part of the model
 * builder (conf_model.h).
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <uthash.h>

#include "conf/conf_model.h"

/* ---- connections ---- */

#define UNDEF UINT64_MAX

struct child_state {
	uint64_t life_time, rand_time, life_bytes, rand_bytes, life_packets, rand_packets;
};

static void free_child(struct conf_child *child)
{
	free(child->gw.updown.value);
	conf_list_free(&child->local_ts);
	conf_list_free(&child->remote_ts);
	conf_list_free(&child->esp_proposals);
	free(child->name);
	free(child);
}

static bool get_if_id(struct conf_ctx *ctx, const struct conf_kv *kv, uint32_t *out)
{
	if (conf_parse_if_id(kv->value, out) < 0) {
		conf_bad_value(ctx, kv, EXPECT_IF_ID);
		return false;
	}
	return true;
}

/* updown, hostaccess, marks and interface IDs (swanctl.conf(5)); false
 * when kv is none of them. */
static bool child_gw_kv(struct conf_ctx *ctx, struct conf_child_gw *gw, const struct conf_kv *kv)
{
	const char *k = kv->key;

	if (strcmp(k, "updown") == 0) {
		char *v = strdup(kv->value);

		if (!v) {
			ctx->oom = 1;
			return true;
		}
		free(gw->updown.value);
		gw->updown.value = v;
		gw->updown.loc = kv->loc;
	} else if (strcmp(k, "hostaccess") == 0 || strcmp(k, "mark_in_sa") == 0) {
		bool *dst = k[0] == 'h' ? &gw->hostaccess : &gw->mark_in_sa;

		if (conf_parse_bool(kv->value, dst) < 0)
			conf_bad_value(ctx, kv, "yes or no");
	} else if (strcmp(k, "mark_in") == 0 || strcmp(k, "mark_out") == 0) {
		struct conf_mark *dst = k[5] == 'i' ? &gw->mark_in : &gw->mark_out;

		if (conf_parse_mark(kv->value, true, false, dst) < 0)
			conf_bad_value(ctx, kv, EXPECT_MARK);
	} else if (strcmp(k, "set_mark_in") == 0 || strcmp(k, "set_mark_out") == 0) {
		struct conf_mark *dst = k[9] == 'i' ? &gw->set_mark_in : &gw->set_mark_out;

		if (conf_parse_mark(kv->value, false, true, dst) < 0)
			conf_bad_value(ctx, kv, EXPECT_SET_MARK);
	} else if (strcmp(k, "if_id_in") == 0) {
		get_if_id(ctx, kv, &gw->if_id_in);
	} else if (strcmp(k, "if_id_out") == 0) {
		get_if_id(ctx, kv, &gw->if_id_out);
	} else {
		return false;
	}
	return true;
}

/* x * 110 / 100 without overflow (saturating) */
static uint64_t plus10(uint64_t x)
{
	uint64_t q = x / 100, r = x % 100;

	if (q > (UINT64_MAX - 110) / 110)
		return UINT64_MAX;
	return q * 110 + r * 110 / 100;
}

static void build_child(struct conf_ctx *ctx, struct conf_conn *conn,
			const struct conf_section *sec)
{
	struct conf_child *child = calloc(1, sizeof(*child));
	struct child_state st = { UNDEF, UNDEF, UNDEF, UNDEF, UNDEF, UNDEF };
	struct conf_kv *kv;
	struct conf_section *sub;

	if (!child || !(child->name = strdup(sec->name))) {
		free(child);
		ctx->oom = 1;
		return;
	}
	child->loc = sec->loc;
	child->rekey_time = 60 * 60; /* swanctl.conf(5): rekey_time = 1h */
	TAILQ_FOREACH (kv, &sec->kvs, entry) {
		const char *k = kv->key;

		if (!kv->value) {
			conf_warn(ctx, &kv->loc, "'%s' has no value: ignored, as strongSwan does",
				  k);
			continue;
		}
		if (strcmp(k, "local_ts") == 0) {
			conf_set_list(ctx, kv, &child->local_ts, false);
		} else if (strcmp(k, "remote_ts") == 0) {
			conf_set_list(ctx, kv, &child->remote_ts, false);
		} else if (strcmp(k, "esp_proposals") == 0) {
			conf_set_list(ctx, kv, &child->esp_proposals, false);
		} else if (strcmp(k, "mode") == 0) {
			const char *m = kv->value;

			if (strcasecmp(m, "tunnel") == 0)
				child->mode = CONF_MODE_TUNNEL;
			else if (strcasecmp(m, "transport") == 0)
				child->mode = CONF_MODE_TRANSPORT;
			else if (strcasecmp(m, "transport_proxy") == 0 ||
				 strcasecmp(m, "beet") == 0 || strcasecmp(m, "pass") == 0 ||
				 strcasecmp(m, "drop") == 0)
				conf_err(ctx, &kv->loc,
					 "mode = %s is a strongSwan option conduit does not "
					 "implement yet (tunnel and transport are)",
					 conf_show(m).s);
			else
				conf_bad_value(ctx, kv, "tunnel or transport");
		} else if (strcmp(k, "start_action") == 0) {
			conf_get_action(ctx, kv, &child->start_action);
		} else if (strcmp(k, "close_action") == 0) {
			conf_get_action(ctx, kv, &child->close_action);
		} else if (strcmp(k, "dpd_action") == 0) {
			conf_get_action(ctx, kv, &child->dpd_action);
		} else if (strcmp(k, "rekey_time") == 0) {
			conf_get_duration(ctx, kv, &child->rekey_time);
		} else if (strcmp(k, "life_time") == 0) {
			conf_get_duration(ctx, kv, &st.life_time);
		} else if (strcmp(k, "rand_time") == 0) {
			conf_get_duration(ctx, kv, &st.rand_time);
		} else if (strcmp(k, "rekey_bytes") == 0 || strcmp(k, "life_bytes") == 0 ||
			   strcmp(k, "rand_bytes") == 0) {
			uint64_t *dst = k[1] == 'e'   ? &child->rekey_bytes
					: k[1] == 'i' ? &st.life_bytes
						      : &st.rand_bytes;

			if (conf_parse_volume(kv->value, dst) < 0)
				conf_bad_value(ctx, kv, EXPECT_VOLUME);
		} else if (strcmp(k, "rekey_packets") == 0 || strcmp(k, "life_packets") == 0 ||
			   strcmp(k, "rand_packets") == 0) {
			uint64_t *dst = k[1] == 'e'   ? &child->rekey_packets
					: k[1] == 'i' ? &st.life_packets
						      : &st.rand_packets;

			conf_get_uint(ctx, kv, UINT64_MAX, dst);
		} else if (child_gw_kv(ctx, &child->gw, kv)) {
			/* handled */
		} else if (conf_in_list(conf_child_not_impl, k)) {
			conf_not_impl_kv(ctx, conf_child_as_is, kv);
		} else {
			conf_unknown_key(ctx, kv, sec);
		}
	}
	TAILQ_FOREACH (sub, &sec->sections, entry) {
		if (conf_in_list(conf_child_keys, sub->name) ||
		    conf_in_list(conf_child_not_impl, sub->name))
			conf_not_a_section(ctx, sub);
		else
			conf_unknown_section(ctx, sub);
	}
	/* vici_config.c check_lifetimes(): the hard limit defaults to 110% of
	 * the soft one, the random range to the difference of the two */
	child->life_time = st.life_time != UNDEF ? st.life_time : plus10(child->rekey_time);
	child->life_bytes = st.life_bytes != UNDEF ? st.life_bytes : plus10(child->rekey_bytes);
	child->life_packets =
	    st.life_packets != UNDEF ? st.life_packets : plus10(child->rekey_packets);
	child->rand_time =
	    st.rand_time != UNDEF
		? st.rand_time
		: child->life_time -
		      (child->life_time < child->rekey_time ? child->life_time : child->rekey_time);
	child->rand_bytes =
	    st.rand_bytes != UNDEF
		? st.rand_bytes
		: child->life_bytes - (child->life_bytes < child->rekey_bytes ? child->life_bytes
									      : child->rekey_bytes);
	child->rand_packets =
	    st.rand_packets != UNDEF
		? st.rand_packets
		: child->life_packets - (child->life_packets < child->rekey_packets
					     ? child->life_packets
					     : child->rekey_packets);
	if (child->rekey_time && child->life_time <= child->rekey_time)
		conf_warn(ctx, &child->loc,
			  "child '%s': life_time is not above rekey_time: the CHILD_SA expires "
			  "before it is rekeyed",
			  child->name);
	if (conf_default_list(ctx, &child->local_ts, "dynamic", &child->loc) < 0 ||
	    conf_default_list(ctx, &child->remote_ts, "dynamic", &child->loc) < 0 ||
	    conf_default_list(ctx, &child->esp_proposals, "default", &child->loc) < 0) {
		free_child(child);
		return;
	}
	TAILQ_INSERT_TAIL(&conn->children, child, entry);
	conn->n_children++;
}

static void name_index_add(struct conf_ctx *ctx, struct conf *conf, struct conf_conn *conn)
{
	struct conf_name_index *e;

	HASH_FIND_STR(conf->conns_by_name, conn->name, e);
	if (e)
		return; /* the first of a name stays the one found */
	e = calloc(1, sizeof(*e) + strlen(conn->name) + 1);
	if (!e) {
		ctx->oom = 1;
		return;
	}
	e->conn = conn;
	strcpy(e->name, conn->name);
	HASH_ADD_STR(conf->conns_by_name, name, e);
}

static void free_round(struct conf_auth_round *r)
{
	free(r->auth_text.value);
	free(r->id.value);
	conf_list_free(&r->certs);
	conf_list_free(&r->cacerts);
}

void conf_free_conn(struct conf_conn *conn)
{
	struct conf_child *child;

	while ((child = TAILQ_FIRST(&conn->children))) {
		TAILQ_REMOVE(&conn->children, child, entry);
		free_child(child);
	}
	conf_list_free(&conn->local_addrs);
	conf_list_free(&conn->remote_addrs);
	conf_list_free(&conn->proposals);
	free_round(&conn->local);
	free_round(&conn->remote);
	free(conn->name);
	free(conn);
}

static void conn_kv(struct conf_ctx *ctx, struct conf_conn *conn, struct conf_conn_state *st,
		    const struct conf_kv *kv, const struct conf_section *sec)
{
	const char *k = kv->key;
	uint64_t v;

	if (strcmp(k, "version") == 0) {
		if (!conf_get_uint(ctx, kv, UINT32_MAX, &v))
			return;
		if (v == 1)
			conf_err(ctx, &kv->loc,
				 "version = 1 (IKEv1) is a strongSwan option conduit does not "
				 "implement: conduit speaks IKEv2 only");
		else if (v != 0 && v != 2)
			conf_bad_value(ctx, kv, "2 (IKEv2) or 0 (any)");
		else
			conn->version = (unsigned int)v;
	} else if (strcmp(k, "local_addrs") == 0) {
		conf_set_list(ctx, kv, &conn->local_addrs, true);
	} else if (strcmp(k, "remote_addrs") == 0) {
		conf_set_list(ctx, kv, &conn->remote_addrs, true);
	} else if (strcmp(k, "local_port") == 0) {
		conf_get_port(ctx, kv, &conn->local_port);
	} else if (strcmp(k, "remote_port") == 0) {
		conf_get_port(ctx, kv, &conn->remote_port);
	} else if (strcmp(k, "proposals") == 0) {
		conf_set_list(ctx, kv, &conn->proposals, false);
	} else if (strcmp(k, "encap") == 0) {
		if (conf_parse_bool(kv->value, &conn->encap) < 0)
			conf_bad_value(ctx, kv, "yes or no");
	} else if (strcmp(k, "dpd_delay") == 0) {
		conf_get_duration(ctx, kv, &conn->dpd_delay);
	} else if (strcmp(k, "rekey_time") == 0) {
		conf_get_duration(ctx, kv, &st->rekey_time);
	} else if (strcmp(k, "reauth_time") == 0) {
		conf_get_duration(ctx, kv, &st->reauth_time);
	} else if (strcmp(k, "over_time") == 0) {
		conf_get_duration(ctx, kv, &st->over_time);
	} else if (strcmp(k, "rand_time") == 0) {
		conf_get_duration(ctx, kv, &st->rand_time);
	} else if (strcmp(k, "keyingtries") == 0) {
		if (conf_get_uint(ctx, kv, UINT32_MAX, &v))
			conn->keyingtries = (uint32_t)v;
	} else if (strcmp(k, "childless") == 0) {
		static const char *const names[] = { "allow", "never", "prefer", "force" };
		bool ok = false;

		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && !ok; i++)
			if (kv->value && !strcasecmp(kv->value, names[i])) {
				conn->childless = (enum conf_childless)i;
				ok = true;
			}
		if (!ok)
			conf_bad_value(ctx, kv, "allow, never, prefer or force");
	} else if (strcmp(k, "fragmentation") == 0) {
		bool yes;

		/* strongSwan: accept and force by name, otherwise a boolean */
		if (kv->value && !strcasecmp(kv->value, "accept"))
			conn->fragmentation = CONF_FRAGMENTATION_ACCEPT;
		else if (kv->value && !strcasecmp(kv->value, "force"))
			conn->fragmentation = CONF_FRAGMENTATION_FORCE;
		else if (kv->value && !conf_parse_bool(kv->value, &yes))
			conn->fragmentation = yes ? CONF_FRAGMENTATION_YES : CONF_FRAGMENTATION_NO;
		else
			conf_bad_value(ctx, kv, "yes, accept, force or no");
	} else if (strcmp(k, "unique") == 0) {
		bool ok = false;

		for (size_t i = 0;
		     i < sizeof(conf_unique_names) / sizeof(conf_unique_names[0]) && !ok; i++)
			if (!strcasecmp(kv->value, conf_unique_names[i])) {
				conn->unique = (enum conf_unique)i;
				ok = true;
			}
		if (!ok)
			conf_bad_value(ctx, kv, "no, never, replace or keep");
	} else if (strcmp(k, "send_cert") == 0) {
		bool ok = false;

		for (int i = CONF_SEND_CERT_IFASKED; i <= CONF_SEND_CERT_NEVER && !ok; i++)
			if (!strcasecmp(kv->value, conf_send_cert_name((enum conf_send_cert)i))) {
				conn->send_cert = (enum conf_send_cert)i;
				ok = true;
			}
		if (!ok)
			conf_bad_value(ctx, kv, "ifasked, always or never");
	} else if (strcmp(k, "send_certreq") == 0) {
		if (conf_parse_bool(kv->value, &conn->send_certreq) < 0)
			conf_bad_value(ctx, kv, "yes or no");
	} else if (strcmp(k, "if_id_in") == 0) {
		get_if_id(ctx, kv, &conn->if_id_in);
	} else if (strcmp(k, "if_id_out") == 0) {
		get_if_id(ctx, kv, &conn->if_id_out);
	} else if (conf_in_list(conf_conn_not_impl, k)) {
		conf_not_impl_kv(ctx, conf_conn_as_is, kv);
	} else if (strcasecmp(k, "children") == 0 || strcasecmp(k, "local") == 0 ||
		   strcasecmp(k, "remote") == 0 || conf_has_prefix(k, "local-") ||
		   conf_has_prefix(k, "remote-")) {
		conf_err(ctx, &kv->loc, "'%s' must be a section: %s { ... }", k, k);
	} else {
		conf_unknown_key(ctx, kv, sec);
	}
}

/* vici_config.c config_sn(): rekey_time defaults to 4h unless only
 * reauth_time is set; over_time to 10% of the longer of the two; rand_time
 * to over_time, but at most half of the shorter nonzero of the two. */
static void conn_times(struct conf_conn *conn, const struct conf_conn_state *st)
{
	uint64_t rekey = st->rekey_time, reauth = st->reauth_time, base;

	if (rekey == UNDEF && reauth == UNDEF) {
		rekey = 4 * 60 * 60;
		reauth = 0;
	}
	if (rekey == UNDEF)
		rekey = 0;
	if (reauth == UNDEF)
		reauth = 0;
	conn->rekey_time = rekey;
	conn->reauth_time = reauth;
	conn->over_time =
	    st->over_time != UNDEF ? st->over_time : (rekey > reauth ? rekey : reauth) / 10;
	if (st->rand_time != UNDEF) {
		conn->rand_time = st->rand_time;
		return;
	}
	if (rekey && reauth)
		base = rekey < reauth ? rekey : reauth;
	else
		base = rekey > reauth ? rekey : reauth;
	conn->rand_time = conn->over_time < base / 2 ? conn->over_time : base / 2;
}

void conf_build_conn(struct conf_ctx *ctx, struct conf *conf, const struct conf_section *sec)
{
	struct conf_conn *conn = calloc(1, sizeof(*conn));
	struct conf_conn_state st = { UNDEF, UNDEF, UNDEF, UNDEF, false, false, false, { 0 } };
	struct conf_kv *kv;
	struct conf_section *sub;

	if (!conn || !(conn->name = strdup(sec->name))) {
		free(conn);
		ctx->oom = 1;
		return;
	}
	TAILQ_INIT(&conn->children);
	conn->loc = sec->loc;
	conn->local_port = 500; /* the socket's port, usually 500 */
	conn->remote_port = 500;
	conn->keyingtries = 1;
	conn->send_certreq = true;
	TAILQ_FOREACH (kv, &sec->kvs, entry) {
		if (!kv->value) {
			conf_warn(ctx, &kv->loc, "'%s' has no value: ignored, as strongSwan does",
				  kv->key);
			continue;
		}
		conn_kv(ctx, conn, &st, kv, sec);
	}
	TAILQ_FOREACH (sub, &sec->sections, entry) {
		struct conf_section *c;

		/* vici_config.c peer_sn(): these names are case-insensitive */
		if (strcasecmp(sub->name, "children") == 0) {
			TAILQ_FOREACH (c, &sub->sections, entry)
				build_child(ctx, conn, c);
			TAILQ_FOREACH (kv, &sub->kvs, entry)
				conf_err(ctx, &kv->loc,
					 "'%s' in children: a child is a section, name { ... }",
					 kv->key);
		} else if (conf_has_prefix(sub->name, "local")) {
			conf_build_round(ctx, conn, &st, sub, true);
		} else if (conf_has_prefix(sub->name, "remote")) {
			conf_build_round(ctx, conn, &st, sub, false);
		} else if (conf_in_list(conf_conn_keys, sub->name) ||
			   conf_in_list(conf_conn_not_impl, sub->name)) {
			conf_not_a_section(ctx, sub);
		} else {
			conf_unknown_section(ctx, sub);
		}
	}
	conn_times(conn, &st);
	/* strongSwan authenticates us with a public key when local has no
	 * auth (or there is no local section); the peer may use any method */
	if (!st.local_auth_set)
		conn->local.auth = CONF_AUTH_PUBKEY;
	if (conf_default_list(ctx, &conn->local_addrs, "%any", &conn->loc) < 0 ||
	    conf_default_list(ctx, &conn->remote_addrs, "%any", &conn->loc) < 0 ||
	    conf_default_list(ctx, &conn->proposals, "default", &conn->loc) < 0) {
		conf_free_conn(conn);
		return;
	}
	TAILQ_INSERT_TAIL(&conf->conns, conn, entry);
	conf->n_conns++;
	name_index_add(ctx, conf, conn);
}
