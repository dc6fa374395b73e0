// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The keys of swanctl.conf(5) conduit knows: the key tables of connections
 * and children, every other strongSwan key per section (an error naming it,
 * or the one value that says what conduit does anyway), the messages about
 * keys and sections that are none, and the value helpers every builder
 * shares. Part of the model builder (conf_model.h).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/conf_model.h"

struct conf_shown conf_show(const char *v)
{
	struct conf_shown out;
	size_t i;

	for (i = 0; v[i] && i < 60; i++)
		out.s[i] = isprint((unsigned char)v[i]) ? v[i] : '?';
	if (v[i])
		memcpy(out.s + i, "...", 4);
	else
		out.s[i] = '\0';
	return out;
}

/* ---- key tables ---- */

/* The keys conduit implements, per section: the builders compare them one
 * by one; these tell a key from a misplaced section. */
const char *const conf_conn_keys[] = {
	"version",     "local_addrs",  "remote_addrs", "local_port",	"remote_port", "proposals",
	"encap",       "dpd_delay",    "rekey_time",   "reauth_time",	"over_time",   "rand_time",
	"keyingtries", "childless",    "unique",       "fragmentation", "if_id_in",    "if_id_out",
	"send_cert",   "send_certreq", NULL,
};

const char *const conf_child_keys[] = {
	"local_ts",	"remote_ts",   "esp_proposals", "mode",		 "start_action",
	"close_action", "dpd_action",  "rekey_time",	"life_time",	 "rand_time",
	"rekey_bytes",	"life_bytes",  "rand_bytes",	"rekey_packets", "life_packets",
	"rand_packets", "updown",      "hostaccess",	"mark_in",	 "mark_in_sa",
	"mark_out",	"set_mark_in", "set_mark_out",	"if_id_in",	 "if_id_out",
	NULL,
};

/* Every other swanctl.conf key of strongSwan 5.9 and 6.0, per section. */
const char *const conf_conn_not_impl[] = {
	"vips",	  "aggressive",	  "pull",  "dscp",	"mobike",      "dpd_timeout",	 "ocsp",
	"ppk_id", "ppk_required", "pools", "mediation", "mediated_by", "mediation_peer", NULL,
};

const char *const conf_auth_not_impl[] = {
	"pubkeys", "groups", "cert_policy", "eap_id", "aaa_id", "xauth_id", "ca_id", NULL,
};

const char *const conf_child_not_impl[] = {
	"ah_proposals",	 "sha256_96",	"policies",   "policies_fwd_out",
	"ipcomp",	 "inactivity",	"reqid",      "priority",
	"interface",	 "label",	"label_mode", "tfc_padding",
	"replay_window", "hw_offload",	"copy_df",    "copy_ecn",
	"copy_dscp",	 "per_cpu_sas", NULL,
};

const char *const conf_secret_not_impl[] = {
	"eap", "xauth", "ntlm", "ppk", "bliss", "pkcs12", "token", NULL,
};

bool conf_in_list(const char *const *list, const char *key)
{
	for (; *list; list++)
		if (strcmp(*list, key) == 0)
			return true;
	return false;
}

void conf_not_impl(struct conf_ctx *ctx, const struct conf_loc *loc, const char *key)
{
	conf_err(ctx, loc, "'%s' is a strongSwan option conduit does not implement yet", key);
}

const struct conf_as_conduit_does conf_conn_as_is[] = {
	{ "mobike", "no", true },     /* no MOBIKE (RFC 4555) */
	{ "aggressive", "no", true }, /* IKEv1 only */
	{ NULL, NULL, false },
};

const struct conf_as_conduit_does conf_child_as_is[] = {
	{ "ipcomp", "no", true },
	{ "sha256_96", "no", true }, /* HMAC-SHA2-256 truncates to 128 bits */
	{ "hw_offload", "no", false },
	{ "per_cpu_sas", "no", true },
	{ "copy_df", "yes", true },	  /* no XFRM_STATE_NOPMTUDISC */
	{ "copy_ecn", "yes", true },	  /* no XFRM_STATE_NOECN */
	{ "replay_window", "32", false }, /* the replay window conduit installs */
	{ NULL, NULL, false },
};

/* A not-implemented key: fine with the value that is conduit's behaviour,
 * otherwise an error that says which value would be accepted. */
void conf_not_impl_kv(struct conf_ctx *ctx, const struct conf_as_conduit_does *table,
		      const struct conf_kv *kv)
{
	for (; table->key; table++) {
		bool a, b;

		if (strcmp(table->key, kv->key) != 0)
			continue;
		if (kv->value && (table->boolean ? !conf_parse_bool(kv->value, &a) &&
						       !conf_parse_bool(table->value, &b) && a == b
						 : strcasecmp(kv->value, table->value) == 0))
			return;
		conf_err(ctx, &kv->loc,
			 "'%s' is a strongSwan option conduit does not implement yet; only "
			 "'%s = %s', which is what conduit does, is accepted",
			 kv->key, kv->key, table->value);
		return;
	}
	conf_not_impl(ctx, &kv->loc, kv->key);
}

void conf_unknown_key(struct conf_ctx *ctx, const struct conf_kv *kv,
		      const struct conf_section *sec)
{
	char *path = conf_section_path(sec);

	conf_err(ctx, &kv->loc, "unknown key '%s' in %s", kv->key, path ? path : "?");
	free(path);
}

void conf_unknown_section(struct conf_ctx *ctx, const struct conf_section *sub)
{
	char *path = conf_section_path(sub->parent);

	if (path && *path)
		conf_err(ctx, &sub->loc, "unknown section '%s' in %s", sub->name, path);
	else
		conf_err(ctx, &sub->loc, "unknown section '%s'", sub->name);
	free(path);
}

void conf_not_a_section(struct conf_ctx *ctx, const struct conf_section *sub)
{
	conf_err(ctx, &sub->loc, "'%s' takes a value (%s = ...), not a section", sub->name,
		 sub->name);
}

void conf_bad_value(struct conf_ctx *ctx, const struct conf_kv *kv, const char *expected)
{
	conf_err(ctx, &kv->loc, "invalid value '%s' for '%s': expected %s", conf_show(kv->value).s,
		 kv->key, expected);
}

/* ---- value helpers ---- */

void conf_set_list(struct conf_ctx *ctx, const struct conf_kv *kv, struct conf_list *l, bool addrs)
{
	struct conf_list nl = { 0 };
	int r = conf_split_list(kv->value, &kv->loc, &nl);

	if (r == -ENOMEM) {
		ctx->oom = 1;
		return;
	}
	if (r < 0) {
		conf_err(ctx, &kv->loc, "'%s': empty item in the comma-separated list", kv->key);
		return;
	}
	if (addrs) {
		for (size_t i = 0; i < nl.n; i++) {
			bool specific;

			if (conf_check_addr(nl.items[i].value, &specific) < 0) {
				conf_err(ctx, &kv->loc,
					 "'%s': '%s' is not an IP address, subnet, range, DNS "
					 "name or %%any",
					 kv->key, conf_show(nl.items[i].value).s);
				conf_list_free(&nl);
				return;
			}
		}
	}
	conf_list_free(l);
	*l = nl;
}

int conf_default_list(struct conf_ctx *ctx, struct conf_list *l, const char *value,
		      const struct conf_loc *owner)
{
	struct conf_loc loc = { .file = owner->file, .line = 0 };

	if (l->n)
		return 0;
	if (conf_split_list(value, &loc, l) < 0) {
		ctx->oom = 1;
		return -ENOMEM;
	}
	return 0;
}

bool conf_get_duration(struct conf_ctx *ctx, const struct conf_kv *kv, uint64_t *out)
{
	if (conf_parse_duration(kv->value, out) < 0) {
		conf_bad_value(ctx, kv, EXPECT_DURATION);
		return false;
	}
	return true;
}

bool conf_get_uint(struct conf_ctx *ctx, const struct conf_kv *kv, uint64_t max, uint64_t *out)
{
	if (conf_parse_uint(kv->value, max, out) < 0) {
		char what[64];

		snprintf(what, sizeof(what), "a number from 0 to %llu", (unsigned long long)max);
		conf_bad_value(ctx, kv, what);
		return false;
	}
	return true;
}

bool conf_get_port(struct conf_ctx *ctx, const struct conf_kv *kv, uint16_t *out)
{
	uint64_t v;

	if (conf_parse_uint(kv->value, 65535, &v) < 0 || v == 0) {
		conf_bad_value(ctx, kv, "a UDP port from 1 to 65535");
		return false;
	}
	*out = (uint16_t)v;
	return true;
}

const char *conf_action_name(enum conf_action a)
{
	switch (a) {
	case CONF_ACTION_NONE:
		return "none";
	case CONF_ACTION_START:
		return "start";
	case CONF_ACTION_TRAP:
		return "trap";
	case CONF_ACTION_TRAP_START:
		return "trap|start";
	}
	return "?";
}

const char *const conf_unique_names[] = { "no", "never", "replace", "keep" };

const char *conf_fragmentation_name(enum conf_fragmentation f)
{
	static const char *const names[] = { "yes", "accept", "force", "no" };

	return (unsigned int)f < sizeof(names) / sizeof(names[0]) ? names[f] : "?";
}

const char *conf_send_cert_name(enum conf_send_cert sc)
{
	static const char *const names[] = { "ifasked", "always", "never" };

	return (unsigned int)sc < sizeof(names) / sizeof(names[0]) ? names[sc] : "?";
}

const char *conf_revocation_name(enum conf_revocation r)
{
	static const char *const names[] = { "relaxed", "ifuri", "strict" };

	return (unsigned int)r < sizeof(names) / sizeof(names[0]) ? names[r] : "?";
}

const char *conf_unique_name(enum conf_unique u)
{
	return (size_t)u < sizeof(conf_unique_names) / sizeof(conf_unique_names[0])
		   ? conf_unique_names[u]
		   : "?";
}

/* strongSwan's action names (vici_config.c parse_action): none = clear,
 * start = restart, trap = route; 6.0 also takes "trap|start" for
 * start_action. */
bool conf_get_action(struct conf_ctx *ctx, const struct conf_kv *kv, enum conf_action *out)
{
	const char *v = kv->value;

	if (strcasecmp(v, "none") == 0 || strcasecmp(v, "clear") == 0) {
		*out = CONF_ACTION_NONE;
		return true;
	}
	if (strcasecmp(v, "start") == 0 || strcasecmp(v, "restart") == 0) {
		*out = CONF_ACTION_START;
		return true;
	}
	if (strcasecmp(v, "trap") == 0 || strcasecmp(v, "route") == 0) {
		*out = CONF_ACTION_TRAP;
		return true;
	}
	if (strcasecmp(v, "trap|start") == 0 || strcasecmp(v, "start|trap") == 0) {
		if (strcmp(kv->key, "start_action") == 0) {
			*out = CONF_ACTION_TRAP_START;
			return true;
		}
		conf_err(ctx, &kv->loc, "%s = %s: only start_action takes trap|start", kv->key,
			 conf_show(v).s);
		return false;
	}
	conf_bad_value(ctx, kv, "none, start or trap (or clear, restart, route)");
	return false;
}
