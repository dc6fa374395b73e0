// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * From the syntax tree to struct conf: the keys of swanctl.conf(5) conduit
 * implements, with strongSwan's defaults (vici_config.c), and an error naming
 * every other strongSwan key so that nothing a strongSwan user wrote is
 * silently dropped.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <uthash.h>

#include "conf/conf_internal.h"

/* ---- diagnostics ---- */

void conf_diags_init(struct conf_diags *diags)
{
	memset(diags, 0, sizeof(*diags));
}

void conf_diags_clear(struct conf_diags *diags)
{
	for (size_t i = 0; i < diags->n; i++) {
		free(diags->list[i].file);
		free(diags->list[i].text);
		free(diags->list[i].msg);
	}
	free(diags->list);
	conf_diags_init(diags);
}

void conf_diag(struct conf_ctx *ctx, enum conf_severity sev, const struct conf_loc *loc,
	       const char *fmt, ...)
{
	struct conf_diags *d = ctx->diags;
	struct conf_diag diag = { .severity = sev };
	const char *w = sev == CONF_SEV_WARNING ? "warning: " : "";
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&diag.text, fmt, ap);
	va_end(ap);
	if (r < 0) {
		ctx->oom = 1;
		return;
	}
	if (loc && loc->file) {
		diag.file = strdup(loc->file);
		diag.line = loc->line;
		if (loc->line)
			r = asprintf(&diag.msg, "%s:%u: %s%s", loc->file, loc->line, w, diag.text);
		else
			r = asprintf(&diag.msg, "%s: %s%s", loc->file, w, diag.text);
	} else {
		r = asprintf(&diag.msg, "%s%s", w, diag.text);
	}
	if (r < 0 || (loc && loc->file && !diag.file))
		goto nomem;
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct conf_diag *l = realloc(d->list, cap * sizeof(*l));

		if (!l)
			goto nomem;
		d->list = l;
		d->cap = cap;
	}
	d->list[d->n++] = diag;
	if (sev == CONF_SEV_ERROR)
		d->n_errors++;
	else
		d->n_warnings++;
	return;
nomem:
	if (r >= 0 && diag.msg)
		free(diag.msg);
	free(diag.text);
	free(diag.file);
	ctx->oom = 1;
}

/* A value as it may appear in a message: bounded, control bytes replaced. */
struct shown {
	char s[72];
};

static struct shown show(const char *v)
{
	struct shown out;
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

/* Every other swanctl.conf key of strongSwan 5.9 and 6.0, per section. */
static const char *const conn_not_impl[] = {
	"vips",	  "aggressive",	  "pull",  "dscp",	"mobike",      "dpd_timeout",	 "ocsp",
	"ppk_id", "ppk_required", "pools", "mediation", "mediated_by", "mediation_peer", NULL,
};

static const char *const auth_not_impl[] = {
	"pubkeys", "groups", "cert_policy", "eap_id", "aaa_id", "xauth_id", "ca_id", NULL,
};

static const char *const child_not_impl[] = {
	"ah_proposals",	    "sha256_96",     "policies",
	"policies_fwd_out", "ipcomp",	     "inactivity", "reqid",	 "priority",
	"interface",	    "label",	     "label_mode",
	"tfc_padding",	    "replay_window", "hw_offload", "copy_df",	 "copy_ecn",
	"copy_dscp",	    "per_cpu_sas",   NULL,
};

static const char *const secret_not_impl[] = {
	"eap", "xauth", "ntlm", "ppk", "bliss", "pkcs12", "token", NULL,
};

static bool in_list(const char *const *list, const char *key)
{
	for (; *list; list++)
		if (strcmp(*list, key) == 0)
			return true;
	return false;
}

static void not_impl(struct conf_ctx *ctx, const struct conf_loc *loc, const char *key)
{
	conf_err(ctx, loc, "'%s' is a strongSwan option conduit does not implement yet", key);
}

/*
 * Keys conduit does not implement, with the one value that says what
 * conduit does anyway: files written for strongSwan often spell these out
 * (mobike = no), and accepting exactly that value changes nothing.
 */
struct as_conduit_does {
	const char *key;
	const char *value;
	bool boolean; /* compare as a strongSwan boolean (yes/no/true/...) */
};

static const struct as_conduit_does conn_as_is[] = {
	{ "mobike", "no", true },     /* no MOBIKE (RFC 4555) */
	{ "aggressive", "no", true }, /* IKEv1 only */
	{ NULL, NULL, false },
};

static const struct as_conduit_does child_as_is[] = {
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
static void not_impl_kv(struct conf_ctx *ctx, const struct as_conduit_does *table,
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
	not_impl(ctx, &kv->loc, kv->key);
}

static void unknown_key(struct conf_ctx *ctx, const struct conf_kv *kv,
			const struct conf_section *sec)
{
	char *path = conf_section_path(sec);

	conf_err(ctx, &kv->loc, "unknown key '%s' in %s", kv->key, path ? path : "?");
	free(path);
}

static void unknown_section(struct conf_ctx *ctx, const struct conf_section *sub)
{
	char *path = conf_section_path(sub->parent);

	if (path && *path)
		conf_err(ctx, &sub->loc, "unknown section '%s' in %s", sub->name, path);
	else
		conf_err(ctx, &sub->loc, "unknown section '%s'", sub->name);
	free(path);
}

static void not_a_section(struct conf_ctx *ctx, const struct conf_section *sub)
{
	conf_err(ctx, &sub->loc, "'%s' takes a value (%s = ...), not a section", sub->name,
		 sub->name);
}

static void bad_value(struct conf_ctx *ctx, const struct conf_kv *kv, const char *expected)
{
	conf_err(ctx, &kv->loc, "invalid value '%s' for '%s': expected %s", show(kv->value).s,
		 kv->key, expected);
}

#define EXPECT_MARK                                                                                \
	"a mark: a number up to 0xffffffff with an optional /mask, %unique or %unique-dir"
#define EXPECT_SET_MARK "a mark: a number up to 0xffffffff with an optional /mask, or %same"
#define EXPECT_IF_ID "an interface ID: a number up to 0xffffffff, %unique or %unique-dir"
#define EXPECT_DURATION "a time in seconds, or with an s, m, h or d suffix"
#define EXPECT_VOLUME "a number of bytes, or with a k, m or g suffix"

/* ---- value helpers ---- */

static void set_list(struct conf_ctx *ctx, const struct conf_kv *kv, struct conf_list *l,
		     bool addrs)
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
					 kv->key, show(nl.items[i].value).s);
				conf_list_free(&nl);
				return;
			}
		}
	}
	conf_list_free(l);
	*l = nl;
}

static int default_list(struct conf_ctx *ctx, struct conf_list *l, const char *value,
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

static bool get_duration(struct conf_ctx *ctx, const struct conf_kv *kv, uint64_t *out)
{
	if (conf_parse_duration(kv->value, out) < 0) {
		bad_value(ctx, kv, EXPECT_DURATION);
		return false;
	}
	return true;
}

static bool get_uint(struct conf_ctx *ctx, const struct conf_kv *kv, uint64_t max, uint64_t *out)
{
	if (conf_parse_uint(kv->value, max, out) < 0) {
		char what[64];

		snprintf(what, sizeof(what), "a number from 0 to %llu", (unsigned long long)max);
		bad_value(ctx, kv, what);
		return false;
	}
	return true;
}

static bool get_port(struct conf_ctx *ctx, const struct conf_kv *kv, uint16_t *out)
{
	uint64_t v;

	if (conf_parse_uint(kv->value, 65535, &v) < 0 || v == 0) {
		bad_value(ctx, kv, "a UDP port from 1 to 65535");
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

static const char *const unique_names[] = { "no", "never", "replace", "keep" };

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
	return (size_t)u < sizeof(unique_names) / sizeof(unique_names[0]) ? unique_names[u] : "?";
}

/* strongSwan's action names (vici_config.c parse_action): none = clear,
 * start = restart, trap = route; 6.0 also takes "trap|start" for
 * start_action. */
static bool get_action(struct conf_ctx *ctx, const struct conf_kv *kv, enum conf_action *out)
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
			 show(v).s);
		return false;
	}
	bad_value(ctx, kv, "none, start or trap (or clear, restart, route)");
	return false;
}

/* ---- connections ---- */

#define UNDEF UINT64_MAX

struct conn_state {
	uint64_t rekey_time, reauth_time, over_time, rand_time;
	bool local_seen, remote_seen, local_auth_set;
	struct conf_loc local_loc;
};

struct child_state {
	uint64_t life_time, rand_time, life_bytes, rand_bytes, life_packets, rand_packets;
};

/* ---- public key authentication ---- */

enum key_type { KEY_ANY, KEY_RSA, KEY_ECDSA, KEY_ED25519, KEY_ED448 };

/* auth_cfg.c add_pubkey_constraints(): the key tokens... */
static const struct {
	const char *name;
	enum key_type key;
	bool pss, strength; /* strength: a number may follow (rsa-2048) */
} key_tokens[] = {
	{ "pubkey", KEY_ANY, false, false },	  { "rsa", KEY_RSA, false, true },
	{ "rsa/pss", KEY_RSA, true, true },	  { "ecdsa", KEY_ECDSA, false, true },
	{ "ed25519", KEY_ED25519, false, false }, { "ed448", KEY_ED448, false, false },
};

/* ... and its scheme tokens, per key type, with what conduit has of each
 * (-1: a scheme conduit neither signs nor verifies with). */
static const struct {
	const char *name;
	enum key_type key;
	int sig; /* enum conf_sig */
} sig_tokens[] = {
	{ "md5", KEY_RSA, -1 },
	{ "sha1", KEY_RSA, CONF_SIG_RSA_SHA1 },
	{ "sha224", KEY_RSA, -1 },
	{ "sha256", KEY_RSA, CONF_SIG_RSA_SHA256 },
	{ "sha384", KEY_RSA, CONF_SIG_RSA_SHA384 },
	{ "sha512", KEY_RSA, CONF_SIG_RSA_SHA512 },
	{ "sha1", KEY_ECDSA, -1 },
	{ "sha256", KEY_ECDSA, CONF_SIG_ECDSA_SHA256 },
	{ "sha384", KEY_ECDSA, CONF_SIG_ECDSA_SHA384 },
	{ "sha512", KEY_ECDSA, CONF_SIG_ECDSA_SHA512 },
	{ "identity", KEY_ED25519, CONF_SIG_ED25519 },
	{ "identity", KEY_ED448, CONF_SIG_ED448 },
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))
#define SIG_BIT(s) (UINT32_C(1) << (s))
#define PUBKEY_AUTH_MAX 200 /* strongSwan reads 63 characters */

/* Whether auth's value is one of strongSwan's public key values (its
 * parse_auth(): the prefixes ike:, pubkey, rsa, ecdsa, case-sensitive),
 * or conduit's ed25519 and ed448. */
static bool is_pubkey_auth(const char *a)
{
	return strncmp(a, "ike:", 4) == 0 || strncmp(a, "pubkey", 6) == 0 ||
	       strncmp(a, "rsa", 3) == 0 || strncmp(a, "ecdsa", 5) == 0 ||
	       strncmp(a, "ed25519", 7) == 0 || strncmp(a, "ed448", 5) == 0;
}

struct constraint_state {
	int key; /* index in key_tokens of the current key token, -1: none yet */
	bool ike, any_sig;
	uint32_t chain, ike_only;
	uint32_t implied; /* end_key()'s: the AUTH payload's only */
	bool ike_added;
};

static void add_sig(struct constraint_state *cs, int sig)
{
	if (cs->ike) {
		cs->ike_only |= SIG_BIT(sig);
		cs->ike_added = true;
	} else {
		cs->chain |= SIG_BIT(sig);
	}
	cs->any_sig = true;
}

/* A key type of one scheme (ed25519, ed448) without a scheme token
 * constrains the AUTH payload to that scheme: "auth = ed25519" means what
 * it says. strongSwan takes the token as a key type and adds nothing, so
 * the certificate chain is left unconstrained, as there: an Ed25519
 * certificate issued by an ECDSA CA still passes (ed25519-identity
 * constrains the chain too, in both). */
static void end_key(struct constraint_state *cs)
{
	int sig;

	if (cs->key < 0 || cs->any_sig)
		return;
	if (key_tokens[cs->key].key == KEY_ED25519)
		sig = CONF_SIG_ED25519;
	else if (key_tokens[cs->key].key == KEY_ED448)
		sig = CONF_SIG_ED448;
	else
		return;
	if (cs->ike)
		add_sig(cs, sig);
	else
		cs->implied |= SIG_BIT(sig);
}

/* One scheme token after the key token; false (with an error) when it
 * is not one. */
static bool sig_token(struct conf_ctx *ctx, const struct conf_kv *kv, struct constraint_state *cs,
		      const char *tok)
{
	enum key_type key = key_tokens[cs->key].key;
	bool known = false, missing = false, added = false;

	if (key_tokens[cs->key].pss) {
		static const char *const pss[] = { "sha256", "sha384", "sha512" };

		for (size_t i = 0; i < N_OF(pss); i++)
			if (strcmp(tok, pss[i]) == 0) {
				add_sig(cs, CONF_SIG_PSS_SHA256 + (int)i);
				return true;
			}
		known = !strcmp(tok, "sha1") || !strcmp(tok, "md5") || !strcmp(tok, "sha224");
		missing = known;
	} else {
		for (size_t i = 0; i < N_OF(sig_tokens); i++) {
			if (strcmp(sig_tokens[i].name, tok) != 0)
				continue;
			known = true;
			if (key != KEY_ANY && key != sig_tokens[i].key)
				continue;
			if (sig_tokens[i].sig < 0) {
				missing = true;
				continue;
			}
			add_sig(cs, sig_tokens[i].sig);
			added = true;
		}
	}
	if (added)
		return true;
	if (!known) {
		conf_err(ctx, &kv->loc,
			 "auth = %s: unknown constraint '%s' (strongSwan ignores it; conduit "
			 "knows sha1, sha256, sha384, sha512 and identity after pubkey, rsa, "
			 "rsa/pss, ecdsa, ed25519 or ed448)",
			 show(kv->value).s, show(tok).s);
		return false;
	}
	if (missing) {
		conf_err(ctx, &kv->loc,
			 "auth = %s: '%s' with %s keys is a signature scheme conduit does not "
			 "implement",
			 show(kv->value).s, show(tok).s, key_tokens[cs->key].name);
		return false;
	}
	/* strongSwan takes it and adds nothing (ecdsa-identity) */
	conf_warn(ctx, &kv->loc,
		  "auth = %s: '%s' does not apply to %s keys: no constraint added, as in "
		  "strongSwan",
		  show(kv->value).s, show(tok).s, key_tokens[cs->key].name);
	return true;
}

/*
 * auth = pubkey and its kin, as strongSwan's auth_cfg.c
 * add_pubkey_constraints() reads them: tokens separated by '-'; a key
 * token (pubkey, rsa, rsa/pss, ecdsa, ed25519, ed448), with "ike:" before
 * it when what follows constrains the AUTH payload only; then scheme
 * tokens (sha1, sha256, sha384, sha512, identity) for that key type, each
 * allowing the schemes of that hash; rsa/pss with a hash is RSASSA-PSS.
 * Without an "ike:" constraint, the others apply to the AUTH payload too
 * (strongSwan's signature_authentication_constraints = yes). strongSwan
 * skips tokens it does not know; conduit names them.
 */
static bool parse_pubkey(struct conf_ctx *ctx, const struct conf_kv *kv,
			 struct conf_auth_round *round)
{
	struct constraint_state cs = { .key = -1 };
	bool strength = false, ok = true, pss = false;
	char buf[PUBKEY_AUTH_MAX + 1], *save = NULL, *tok;

	if (strlen(kv->value) > PUBKEY_AUTH_MAX) {
		bad_value(ctx, kv, "a shorter list of constraints");
		return false;
	}
	strcpy(buf, kv->value);
	if (buf[0] == '-' || (*buf && buf[strlen(buf) - 1] == '-') || strstr(buf, "--")) {
		conf_err(ctx, &kv->loc, "auth = %s: empty constraint between '-'",
			 show(kv->value).s);
		return false;
	}
	for (tok = strtok_r(buf, "-", &save); tok; tok = strtok_r(NULL, "-", &save)) {
		const char *name = tok;
		bool ike = false;
		size_t k;

		if (strength) {
			strength = false;
			if (strspn(tok, "0123456789") == strlen(tok) && atoi(tok) > 0) {
				conf_err(ctx, &kv->loc,
					 "auth = %s: key strength constraints ('%s-%s') are a "
					 "strongSwan option conduit does not implement yet",
					 show(kv->value).s, key_tokens[cs.key].name, tok);
				ok = false;
				continue;
			}
		}
		if (strncmp(name, "ike:", 4) == 0) {
			name += 4;
			ike = true;
		}
		for (k = 0; k < N_OF(key_tokens); k++)
			if (strcmp(name, key_tokens[k].name) == 0)
				break;
		if (k < N_OF(key_tokens)) {
			end_key(&cs);
			cs.key = (int)k;
			cs.ike = ike;
			cs.any_sig = false;
			strength = key_tokens[k].strength;
			pss = pss || key_tokens[k].pss;
			continue;
		}
		if (ike || cs.key < 0) {
			conf_err(ctx, &kv->loc,
				 "auth = %s: '%s' is not a key type (pubkey, rsa, rsa/pss, ecdsa, "
				 "ed25519, ed448)",
				 show(kv->value).s, show(tok).s);
			ok = false;
			continue;
		}
		if (!sig_token(ctx, kv, &cs, tok))
			ok = false;
	}
	end_key(&cs);
	if (!ok)
		return false;
	round->sig_schemes = cs.chain;
	round->ike_sig_schemes = cs.ike_added ? cs.ike_only : cs.chain | cs.implied;
	round->pss = pss;
	return true;
}

static void build_round(struct conf_ctx *ctx, struct conf_conn *conn, struct conn_state *st,
			const struct conf_section *sec, bool local)
{
	struct conf_auth_round *round = local ? &conn->local : &conn->remote;
	bool *seen = local ? &st->local_seen : &st->remote_seen;
	struct conf_kv *kv;
	struct conf_section *sub;

	if (*seen) {
		conf_err(ctx, &sec->loc,
			 "'%s': a second %s authentication round (RFC 4739) is a strongSwan option "
			 "conduit does not implement yet",
			 sec->name, local ? "local" : "remote");
		return;
	}
	*seen = true;
	round->loc = sec->loc;
	if (local)
		st->local_loc = sec->loc;
	TAILQ_FOREACH (kv, &sec->kvs, entry) {
		uint64_t v;

		if (!kv->value) {
			conf_warn(ctx, &kv->loc, "'%s' has no value: ignored, as strongSwan does",
				  kv->key);
			continue;
		}
		if (strcmp(kv->key, "auth") == 0) {
			const char *a = kv->value;

			if (local)
				st->local_auth_set = true;
			char *text = strdup(a);

			if (!text) {
				ctx->oom = 1;
				return;
			}
			free(round->auth_text.value);
			round->auth_text.value = text;
			round->auth_text.loc = kv->loc;
			round->sig_schemes = round->ike_sig_schemes = 0;
			round->pss = false;
			if (strcasecmp(a, "psk") == 0) {
				round->auth = CONF_AUTH_PSK;
			} else if (is_pubkey_auth(a)) {
				round->auth = CONF_AUTH_PUBKEY;
				parse_pubkey(ctx, kv, round);
			} else if (conf_has_prefix(a, "eap") || conf_has_prefix(a, "xauth") ||
				   strncmp(a, "bliss", 5) == 0) {
				conf_err(ctx, &kv->loc,
					 "auth = %s is a strongSwan option conduit does not "
					 "implement yet (conduit has psk and pubkey)",
					 show(a).s);
			} else {
				bad_value(
				    ctx, kv,
				    "psk, or pubkey, rsa, rsa/pss, ecdsa, ed25519, ed448 with "
				    "optional constraints such as -sha256 (eap and xauth are "
				    "not implemented)");
			}
		} else if (strcmp(kv->key, "id") == 0) {
			char *id = strdup(kv->value);

			if (!id) {
				ctx->oom = 1;
				return;
			}
			free(round->id.value);
			round->id.value = id;
			round->id.loc = kv->loc;
		} else if (strcmp(kv->key, "round") == 0) {
			/* orders rounds; with one round per side it changes nothing */
			get_uint(ctx, kv, UINT32_MAX, &v);
		} else if (strcmp(kv->key, "certs") == 0) {
			set_list(ctx, kv, &round->certs, false);
			if (local && round->certs.n > 1)
				conf_err(ctx, &kv->loc,
					 "certs: several local certificates to choose from is a "
					 "strongSwan option conduit does not implement yet (give "
					 "one)");
		} else if (strcmp(kv->key, "cacerts") == 0) {
			if (local)
				conf_err(ctx, &kv->loc,
					 "cacerts in a local round is a strongSwan option conduit "
					 "does not implement yet (remote cacerts is)");
			else
				set_list(ctx, kv, &round->cacerts, false);
		} else if (strcmp(kv->key, "revocation") == 0) {
			static const char *const names[] = { "relaxed", "ifuri", "strict" };
			bool ok = false;

			for (size_t i = 0; i < N_OF(names) && !ok; i++)
				if (!strcasecmp(kv->value, names[i])) {
					round->revocation = (enum conf_revocation)i;
					ok = true;
				}
			if (!ok)
				bad_value(ctx, kv, "strict, ifuri or relaxed");
			else if (local)
				conf_err(ctx, &kv->loc,
					 "revocation in a local round is a strongSwan option "
					 "conduit does not implement yet (it checks the peer's "
					 "certificates: set it in remote)");
		} else if (in_list(auth_not_impl, kv->key)) {
			not_impl(ctx, &kv->loc, kv->key);
		} else {
			unknown_key(ctx, kv, sec);
		}
	}
	TAILQ_FOREACH (sub, &sec->sections, entry) {
		if (conf_has_prefix(sub->name, "cert") || conf_has_prefix(sub->name, "cacert"))
			not_impl(ctx, &sub->loc, sub->name);
		else if (strcmp(sub->name, "auth") == 0 || strcmp(sub->name, "id") == 0 ||
			 strcmp(sub->name, "round") == 0)
			not_a_section(ctx, sub);
		else
			unknown_section(ctx, sub);
	}
}

static void free_child(struct conf_child *child)
{
	free(child->gw.updown.value);
	conf_list_free(&child->local_ts);
	conf_list_free(&child->remote_ts);
	conf_list_free(&child->esp_proposals);
	free(child->name);
	free(child);
}

static const char *const child_keys[] = {
	"local_ts",	"remote_ts",   "esp_proposals", "mode",		 "start_action",
	"close_action", "dpd_action",  "rekey_time",	"life_time",	 "rand_time",
	"rekey_bytes",	"life_bytes",  "rand_bytes",	"rekey_packets", "life_packets",
	"rand_packets", "updown",      "hostaccess",	"mark_in",	 "mark_in_sa",
	"mark_out",	"set_mark_in", "set_mark_out",	"if_id_in",	 "if_id_out",
	NULL,
};

static bool get_if_id(struct conf_ctx *ctx, const struct conf_kv *kv, uint32_t *out)
{
	if (conf_parse_if_id(kv->value, out) < 0) {
		bad_value(ctx, kv, EXPECT_IF_ID);
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
			bad_value(ctx, kv, "yes or no");
	} else if (strcmp(k, "mark_in") == 0 || strcmp(k, "mark_out") == 0) {
		struct conf_mark *dst = k[5] == 'i' ? &gw->mark_in : &gw->mark_out;

		if (conf_parse_mark(kv->value, true, false, dst) < 0)
			bad_value(ctx, kv, EXPECT_MARK);
	} else if (strcmp(k, "set_mark_in") == 0 || strcmp(k, "set_mark_out") == 0) {
		struct conf_mark *dst = k[9] == 'i' ? &gw->set_mark_in : &gw->set_mark_out;

		if (conf_parse_mark(kv->value, false, true, dst) < 0)
			bad_value(ctx, kv, EXPECT_SET_MARK);
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
			set_list(ctx, kv, &child->local_ts, false);
		} else if (strcmp(k, "remote_ts") == 0) {
			set_list(ctx, kv, &child->remote_ts, false);
		} else if (strcmp(k, "esp_proposals") == 0) {
			set_list(ctx, kv, &child->esp_proposals, false);
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
					 show(m).s);
			else
				bad_value(ctx, kv, "tunnel or transport");
		} else if (strcmp(k, "start_action") == 0) {
			get_action(ctx, kv, &child->start_action);
		} else if (strcmp(k, "close_action") == 0) {
			get_action(ctx, kv, &child->close_action);
		} else if (strcmp(k, "dpd_action") == 0) {
			get_action(ctx, kv, &child->dpd_action);
		} else if (strcmp(k, "rekey_time") == 0) {
			get_duration(ctx, kv, &child->rekey_time);
		} else if (strcmp(k, "life_time") == 0) {
			get_duration(ctx, kv, &st.life_time);
		} else if (strcmp(k, "rand_time") == 0) {
			get_duration(ctx, kv, &st.rand_time);
		} else if (strcmp(k, "rekey_bytes") == 0 || strcmp(k, "life_bytes") == 0 ||
			   strcmp(k, "rand_bytes") == 0) {
			uint64_t *dst = k[1] == 'e'   ? &child->rekey_bytes
					: k[1] == 'i' ? &st.life_bytes
						      : &st.rand_bytes;

			if (conf_parse_volume(kv->value, dst) < 0)
				bad_value(ctx, kv, EXPECT_VOLUME);
		} else if (strcmp(k, "rekey_packets") == 0 || strcmp(k, "life_packets") == 0 ||
			   strcmp(k, "rand_packets") == 0) {
			uint64_t *dst = k[1] == 'e'   ? &child->rekey_packets
					: k[1] == 'i' ? &st.life_packets
						      : &st.rand_packets;

			get_uint(ctx, kv, UINT64_MAX, dst);
		} else if (child_gw_kv(ctx, &child->gw, kv)) {
			/* handled */
		} else if (in_list(child_not_impl, k)) {
			not_impl_kv(ctx, child_as_is, kv);
		} else {
			unknown_key(ctx, kv, sec);
		}
	}
	TAILQ_FOREACH (sub, &sec->sections, entry) {
		if (in_list(child_keys, sub->name) || in_list(child_not_impl, sub->name))
			not_a_section(ctx, sub);
		else
			unknown_section(ctx, sub);
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
	if (default_list(ctx, &child->local_ts, "dynamic", &child->loc) < 0 ||
	    default_list(ctx, &child->remote_ts, "dynamic", &child->loc) < 0 ||
	    default_list(ctx, &child->esp_proposals, "default", &child->loc) < 0) {
		free_child(child);
		return;
	}
	TAILQ_INSERT_TAIL(&conn->children, child, entry);
	conn->n_children++;
}

/* Connections by name: a reload looks each one up in the running
 * configuration, which a walk would make quadratic. */
struct conf_name_index {
	UT_hash_handle hh;
	struct conf_conn *conn;
	char name[]; /* the key */
};

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

static void free_conn(struct conf_conn *conn)
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

static const char *const conn_keys[] = {
	"version",     "local_addrs",  "remote_addrs", "local_port",	"remote_port", "proposals",
	"encap",       "dpd_delay",    "rekey_time",   "reauth_time",	"over_time",   "rand_time",
	"keyingtries", "childless",    "unique",       "fragmentation", "if_id_in",    "if_id_out",
	"send_cert",   "send_certreq", NULL,
};

static void conn_kv(struct conf_ctx *ctx, struct conf_conn *conn, struct conn_state *st,
		    const struct conf_kv *kv, const struct conf_section *sec)
{
	const char *k = kv->key;
	uint64_t v;

	if (strcmp(k, "version") == 0) {
		if (!get_uint(ctx, kv, UINT32_MAX, &v))
			return;
		if (v == 1)
			conf_err(ctx, &kv->loc,
				 "version = 1 (IKEv1) is a strongSwan option conduit does not "
				 "implement: conduit speaks IKEv2 only");
		else if (v != 0 && v != 2)
			bad_value(ctx, kv, "2 (IKEv2) or 0 (any)");
		else
			conn->version = (unsigned int)v;
	} else if (strcmp(k, "local_addrs") == 0) {
		set_list(ctx, kv, &conn->local_addrs, true);
	} else if (strcmp(k, "remote_addrs") == 0) {
		set_list(ctx, kv, &conn->remote_addrs, true);
	} else if (strcmp(k, "local_port") == 0) {
		get_port(ctx, kv, &conn->local_port);
	} else if (strcmp(k, "remote_port") == 0) {
		get_port(ctx, kv, &conn->remote_port);
	} else if (strcmp(k, "proposals") == 0) {
		set_list(ctx, kv, &conn->proposals, false);
	} else if (strcmp(k, "encap") == 0) {
		if (conf_parse_bool(kv->value, &conn->encap) < 0)
			bad_value(ctx, kv, "yes or no");
	} else if (strcmp(k, "dpd_delay") == 0) {
		get_duration(ctx, kv, &conn->dpd_delay);
	} else if (strcmp(k, "rekey_time") == 0) {
		get_duration(ctx, kv, &st->rekey_time);
	} else if (strcmp(k, "reauth_time") == 0) {
		get_duration(ctx, kv, &st->reauth_time);
	} else if (strcmp(k, "over_time") == 0) {
		get_duration(ctx, kv, &st->over_time);
	} else if (strcmp(k, "rand_time") == 0) {
		get_duration(ctx, kv, &st->rand_time);
	} else if (strcmp(k, "keyingtries") == 0) {
		if (get_uint(ctx, kv, UINT32_MAX, &v))
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
			bad_value(ctx, kv, "allow, never, prefer or force");
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
			bad_value(ctx, kv, "yes, accept, force or no");
	} else if (strcmp(k, "unique") == 0) {
		bool ok = false;

		for (size_t i = 0; i < sizeof(unique_names) / sizeof(unique_names[0]) && !ok; i++)
			if (!strcasecmp(kv->value, unique_names[i])) {
				conn->unique = (enum conf_unique)i;
				ok = true;
			}
		if (!ok)
			bad_value(ctx, kv, "no, never, replace or keep");
	} else if (strcmp(k, "send_cert") == 0) {
		bool ok = false;

		for (int i = CONF_SEND_CERT_IFASKED; i <= CONF_SEND_CERT_NEVER && !ok; i++)
			if (!strcasecmp(kv->value, conf_send_cert_name((enum conf_send_cert)i))) {
				conn->send_cert = (enum conf_send_cert)i;
				ok = true;
			}
		if (!ok)
			bad_value(ctx, kv, "ifasked, always or never");
	} else if (strcmp(k, "send_certreq") == 0) {
		if (conf_parse_bool(kv->value, &conn->send_certreq) < 0)
			bad_value(ctx, kv, "yes or no");
	} else if (strcmp(k, "if_id_in") == 0) {
		get_if_id(ctx, kv, &conn->if_id_in);
	} else if (strcmp(k, "if_id_out") == 0) {
		get_if_id(ctx, kv, &conn->if_id_out);
	} else if (in_list(conn_not_impl, k)) {
		not_impl_kv(ctx, conn_as_is, kv);
	} else if (strcasecmp(k, "children") == 0 || strcasecmp(k, "local") == 0 ||
		   strcasecmp(k, "remote") == 0 || conf_has_prefix(k, "local-") ||
		   conf_has_prefix(k, "remote-")) {
		conf_err(ctx, &kv->loc, "'%s' must be a section: %s { ... }", k, k);
	} else {
		unknown_key(ctx, kv, sec);
	}
}

/* vici_config.c config_sn(): rekey_time defaults to 4h unless only
 * reauth_time is set; over_time to 10% of the longer of the two; rand_time
 * to over_time, but at most half of the shorter nonzero of the two. */
static void conn_times(struct conf_conn *conn, const struct conn_state *st)
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

static void build_conn(struct conf_ctx *ctx, struct conf *conf, const struct conf_section *sec)
{
	struct conf_conn *conn = calloc(1, sizeof(*conn));
	struct conn_state st = { UNDEF, UNDEF, UNDEF, UNDEF, false, false, false, { 0 } };
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
			build_round(ctx, conn, &st, sub, true);
		} else if (conf_has_prefix(sub->name, "remote")) {
			build_round(ctx, conn, &st, sub, false);
		} else if (in_list(conn_keys, sub->name) || in_list(conn_not_impl, sub->name)) {
			not_a_section(ctx, sub);
		} else {
			unknown_section(ctx, sub);
		}
	}
	conn_times(conn, &st);
	/* strongSwan authenticates us with a public key when local has no
	 * auth (or there is no local section); the peer may use any method */
	if (!st.local_auth_set)
		conn->local.auth = CONF_AUTH_PUBKEY;
	if (default_list(ctx, &conn->local_addrs, "%any", &conn->loc) < 0 ||
	    default_list(ctx, &conn->remote_addrs, "%any", &conn->loc) < 0 ||
	    default_list(ctx, &conn->proposals, "default", &conn->loc) < 0) {
		free_conn(conn);
		return;
	}
	TAILQ_INSERT_TAIL(&conf->conns, conn, entry);
	conf->n_conns++;
	name_index_add(ctx, conf, conn);
}

/* ---- secrets ---- */

static void free_secret(struct conf_secret *s)
{
	if (s->key) {
		OPENSSL_cleanse(s->key, s->key_len);
		free(s->key);
	}
	for (size_t i = 0; i < s->n_ids; i++)
		free(s->ids[i].value);
	free(s->ids);
	free(s->name);
	free(s);
}

static void build_ike_secret(struct conf_ctx *ctx, struct conf *conf,
			     const struct conf_section *sec)
{
	struct conf_secret *s = calloc(1, sizeof(*s));
	struct conf_kv *kv;
	struct conf_section *sub;
	bool bad = false;
	size_t n = 0;

	if (!s || !(s->name = strdup(sec->name))) {
		free(s);
		ctx->oom = 1;
		return;
	}
	s->loc = sec->loc;
	TAILQ_FOREACH (kv, &sec->kvs, entry)
		n += strncmp(kv->key, "id", 2) == 0 && kv->value;
	s->ids = calloc(n ? n : 1, sizeof(*s->ids));
	if (!s->ids) {
		free_secret(s);
		ctx->oom = 1;
		return;
	}
	TAILQ_FOREACH (kv, &sec->kvs, entry) {
		if (!kv->value) {
			conf_warn(ctx, &kv->loc, "'%s' has no value: ignored, as strongSwan does",
				  kv->key);
			continue;
		}
		if (strcmp(kv->key, "secret") == 0) {
			int r = conf_decode_secret(kv->value, &s->key, &s->key_len);

			if (r == -ENOMEM) {
				ctx->oom = 1;
			} else if (r < 0) {
				/* never show the secret itself */
				conf_err(ctx, &kv->loc,
					 "invalid secret: expected text, 0x and an even number of "
					 "hex digits, or 0s and base64");
				bad = true;
			}
		} else if (strncmp(kv->key, "id", 2) == 0) {
			/* load_creds.c: every key starting with "id" is an owner */
			s->ids[s->n_ids].value = strdup(kv->value);
			s->ids[s->n_ids].loc = kv->loc;
			if (!s->ids[s->n_ids].value)
				ctx->oom = 1;
			else
				s->n_ids++;
		} else {
			unknown_key(ctx, kv, sec);
		}
	}
	TAILQ_FOREACH (sub, &sec->sections, entry)
		unknown_section(ctx, sub);
	if (!s->key && !bad && !ctx->oom) {
		conf_err(ctx, &s->loc, "secret '%s' has no 'secret' key", s->name);
		bad = true;
	}
	if (bad || ctx->oom) {
		free_secret(s);
		return;
	}
	TAILQ_INSERT_TAIL(&conf->secrets, s, entry);
	conf->n_secrets++;
}

static void free_key_secret(struct conf_key_secret *s)
{
	if (s->secret) {
		OPENSSL_cleanse(s->secret, s->secret_len);
		free(s->secret);
	}
	free(s->file);
	free(s->name);
	free(s);
}

static const struct {
	const char *prefix;
	enum conf_key_kind kind;
} key_kinds[] = {
	{"private", CONF_KEY_PRIVATE},
	{"rsa", CONF_KEY_RSA},
	{"ecdsa", CONF_KEY_ECDSA},
	{"pkcs8", CONF_KEY_PKCS8},
};

/* secrets.private<suffix> { file = ...; secret = ... } and its kin. */
static void build_key_secret(struct conf_ctx *ctx, struct conf *conf,
			     const struct conf_section *sec, enum conf_key_kind kind)
{
	struct conf_key_secret *s = calloc(1, sizeof(*s));
	struct conf_kv *kv;
	struct conf_section *sub;
	bool bad = false;

	if (!s || !(s->name = strdup(sec->name))) {
		free(s);
		ctx->oom = 1;
		return;
	}
	s->loc = sec->loc;
	s->kind = kind;
	TAILQ_FOREACH (kv, &sec->kvs, entry) {
		if (!kv->value) {
			conf_warn(ctx, &kv->loc, "'%s' has no value: ignored, as strongSwan does",
				  kv->key);
			continue;
		}
		if (strcmp(kv->key, "secret") == 0) {
			uint8_t *key = NULL;
			size_t len = 0;
			int r = conf_decode_secret(kv->value, &key, &len);

			if (r == -ENOMEM) {
				ctx->oom = 1;
			} else if (r < 0 || (len && memchr(key, 0, len))) {
				/* never show the secret itself */
				conf_err(ctx, &kv->loc,
					 "invalid passphrase: expected text, 0x and hex digits, or "
					 "0s and base64, without NUL octets");
				bad = true;
			} else {
				char *p = malloc(len + 1);

				if (!p) {
					ctx->oom = 1;
				} else {
					if (len)
						memcpy(p, key, len);
					p[len] = '\0';
					/* a second 'secret': the last wins, as in strongSwan */
					if (s->secret) {
						OPENSSL_cleanse(s->secret, s->secret_len);
						free(s->secret);
					}
					s->secret = p;
					s->secret_len = len;
				}
			}
			if (key) {
				OPENSSL_cleanse(key, len);
				free(key);
			}
		} else if (strcmp(kv->key, "file") == 0) {
			free(s->file);
			if (!(s->file = strdup(kv->value)))
				ctx->oom = 1;
		} else {
			unknown_key(ctx, kv, sec);
		}
	}
	TAILQ_FOREACH (sub, &sec->sections, entry)
		unknown_section(ctx, sub);
	if (!bad && !ctx->oom && !s->file) {
		conf_err(ctx, &s->loc, "secret '%s' has no 'file' key (the key file it unlocks)",
			 s->name);
		bad = true;
	}
	if (!bad && !ctx->oom && !s->secret) {
		conf_err(ctx, &s->loc, "secret '%s' has no 'secret' key (the passphrase)", s->name);
		bad = true;
	}
	if (bad || ctx->oom) {
		free_key_secret(s);
		return;
	}
	TAILQ_INSERT_TAIL(&conf->key_secrets, s, entry);
	conf->n_key_secrets++;
}

static void build_secrets(struct conf_ctx *ctx, struct conf *conf, const struct conf_section *sec)
{
	struct conf_kv *kv;
	struct conf_section *sub;

	TAILQ_FOREACH (kv, &sec->kvs, entry)
		unknown_key(ctx, kv, sec);
	TAILQ_FOREACH (sub, &sec->sections, entry) {
		/* load_creds.c: the type is a case-sensitive prefix of the name */
		if (strncmp(sub->name, "ike", 3) == 0) {
			build_ike_secret(ctx, conf, sub);
			continue;
		}
		for (size_t k = 0; k < sizeof(key_kinds) / sizeof(key_kinds[0]); k++) {
			if (strncmp(sub->name, key_kinds[k].prefix,
				    strlen(key_kinds[k].prefix)) == 0) {
				build_key_secret(ctx, conf, sub, key_kinds[k].kind);
				goto next;
			}
		}
		for (const char *const *t = secret_not_impl; *t; t++) {
			if (strncmp(sub->name, *t, strlen(*t)) == 0) {
				conf_err(ctx, &sub->loc,
					 "'%s' is a strongSwan secret type conduit does not "
					 "implement yet (conduit has ike, private, rsa, ecdsa, "
					 "pkcs8<suffix>)",
					 sub->name);
				goto next;
			}
		}
		conf_err(ctx, &sub->loc,
			 "unknown secret type '%s' in secrets (conduit has ike, private, rsa, "
			 "ecdsa, pkcs8<suffix>)",
			 sub->name);
	next:;
	}
}

/* ---- the whole file ---- */

/* The ids the secrets name, each once, for the check below: a lookup per
 * connection instead of a walk over every secret (10k connections with a
 * secret each would be 10^8 comparisons). */
struct id_entry {
	UT_hash_handle hh;
	char key[]; /* an IPv6 address in canonical form, anything else as written */
};

struct secret_ids {
	struct id_entry *set;
	bool wildcard; /* a secret without ids, or with %any: everyone's */
	bool address;  /* a secret with an IP address id: maybe ours, with no local id */
};

static void canonical_id(const char *id, char *buf, size_t len)
{
	unsigned char bin[16];

	if (inet_pton(AF_INET6, id, bin) == 1 && inet_ntop(AF_INET6, bin, buf, (socklen_t)len))
		return;
	snprintf(buf, len, "%s", id);
}

static void secret_ids_init(struct secret_ids *si, const struct conf *conf)
{
	const struct conf_secret *s;
	unsigned char bin[16];
	char key[256];

	memset(si, 0, sizeof(*si));
	TAILQ_FOREACH (s, &conf->secrets, entry) {
		if (!s->n_ids)
			si->wildcard = true;
		for (size_t i = 0; i < s->n_ids; i++) {
			const char *v = s->ids[i].value;
			struct id_entry *e;

			if (strcmp(v, "%any") == 0) {
				si->wildcard = true;
				continue;
			}
			if (inet_pton(AF_INET, v, bin) == 1 || inet_pton(AF_INET6, v, bin) == 1)
				si->address = true;
			canonical_id(v, key, sizeof(key));
			HASH_FIND_STR(si->set, key, e);
			if (e)
				continue;
			e = calloc(1, sizeof(*e) + strlen(key) + 1);
			if (!e) {
				/* out of memory: claim a match rather than warn wrongly */
				si->wildcard = true;
				continue;
			}
			strcpy(e->key, key);
			HASH_ADD_STR(si->set, key, e);
		}
	}
}

static void secret_ids_free(struct secret_ids *si)
{
	struct id_entry *e, *tmp;

	HASH_ITER (hh, si->set, e, tmp) {
		HASH_DEL(si->set, e);
		free(e);
	}
}

static bool has_id(const struct secret_ids *si, const char *id)
{
	struct id_entry *e;
	char key[256];

	if (!id)
		return false;
	canonical_id(id, key, sizeof(key));
	HASH_FIND_STR(si->set, key, e);
	return e != NULL;
}

/* Whether some secret may apply to conn: one without ids or for %any, one
 * naming its local or remote id, or (without a local id, ours is our
 * address) one naming an address. */
static bool id_matches(const struct secret_ids *si, const struct conf_conn *conn)
{
	return si->wildcard || (si->address && !conn->local.id.value) ||
	       has_id(si, conn->local.id.value) || has_id(si, conn->remote.id.value);
}

static bool has_specific_addr(const struct conf_list *l)
{
	for (size_t i = 0; i < l->n; i++) {
		bool specific;

		if (conf_check_addr(l->items[i].value, &specific) == 0 && specific)
			return true;
	}
	return false;
}

static void validate(struct conf_ctx *ctx, struct conf *conf)
{
	struct conf_conn *conn;
	struct secret_ids si;

	secret_ids_init(&si, conf);
	TAILQ_FOREACH (conn, &conf->conns, entry) {
		struct conf_child *child;

		TAILQ_FOREACH (child, &conn->children, entry) {
			/* swanctl.conf(5): "To initiate a connection, at least one
			 * specific address or DNS name must be specified." */
			if (child->start_action != CONF_ACTION_NONE &&
			    !has_specific_addr(&conn->remote_addrs)) {
				const struct conf_loc *loc = conn->remote_addrs.loc.line
								 ? &conn->remote_addrs.loc
								 : &child->loc;

				conf_err(ctx, loc,
					 "child '%s' of '%s' has start_action = %s, which needs "
					 "a remote address or DNS name in remote_addrs",
					 child->name, conn->name,
					 conf_action_name(child->start_action));
				break;
			}
		}
		/* Without a remote id any peer's secret may apply: strongSwan's
		 * road-warrior layout has one secret per user and no remote id. */
		if (conn->local.auth != CONF_AUTH_PSK ||
		    ((!conn->remote.id.value || strcmp(conn->remote.id.value, "%any") == 0) &&
		     conf->n_secrets))
			continue;
		/* strongSwan finds out at run time; a warning now saves a trip */
		if (!id_matches(&si, conn))
			conf_warn(ctx, &conn->loc,
				  "connection '%s' uses psk, but no secrets.ike section has its "
				  "local or remote id: authentication will fail",
				  conn->name);
	}
	secret_ids_free(&si);
}

struct conf *conf_build(struct conf_ctx *ctx)
{
	struct conf *conf = calloc(1, sizeof(*conf));
	struct conf_kv *kv;
	struct conf_section *sec;

	if (!conf || !(conf->cache = calloc(1, sizeof(*conf->cache)))) {
		free(conf);
		ctx->oom = 1;
		return NULL;
	}
	TAILQ_INIT(&conf->conns);
	TAILQ_INIT(&conf->secrets);
	TAILQ_INIT(&conf->key_secrets);
	TAILQ_FOREACH (kv, &ctx->root->kvs, entry)
		conf_err(ctx, &kv->loc, "unknown key '%s' at the top level", kv->key);
	TAILQ_FOREACH (sec, &ctx->root->sections, entry) {
		if (strcmp(sec->name, "connections") == 0) {
			struct conf_section *c;

			TAILQ_FOREACH (kv, &sec->kvs, entry)
				conf_err(ctx, &kv->loc,
					 "'%s' in connections: a connection is a section, name { "
					 "... }",
					 kv->key);
			TAILQ_FOREACH (c, &sec->sections, entry)
				build_conn(ctx, conf, c);
		} else if (strcmp(sec->name, "secrets") == 0) {
			build_secrets(ctx, conf, sec);
		} else if (strcmp(sec->name, "pools") == 0 ||
			   strcmp(sec->name, "authorities") == 0) {
			conf_err(ctx, &sec->loc,
				 "'%s' is a strongSwan section conduit does not implement yet",
				 sec->name);
		} else if (!sec->referenced) {
			/* a section only referenced by others is a template, which
			 * swanctl ignores too */
			unknown_section(ctx, sec);
		}
	}
	validate(ctx, conf);
	return conf;
}

/* ---- public ---- */

void conf_free(struct conf *conf)
{
	struct conf_conn *conn;
	struct conf_secret *s;

	if (!conf)
		return;
	while ((conn = TAILQ_FIRST(&conf->conns))) {
		TAILQ_REMOVE(&conf->conns, conn, entry);
		free_conn(conn);
	}
	while ((s = TAILQ_FIRST(&conf->secrets))) {
		TAILQ_REMOVE(&conf->secrets, s, entry);
		free_secret(s);
	}
	{
		struct conf_key_secret *ks;

		while ((ks = TAILQ_FIRST(&conf->key_secrets))) {
			TAILQ_REMOVE(&conf->key_secrets, ks, entry);
			free_key_secret(ks);
		}
	}
	for (size_t i = 0; i < conf->n_files; i++)
		free(conf->files[i]);
	free(conf->files);
	{
		struct conf_name_index *e, *tmp;

		HASH_ITER (hh, conf->conns_by_name, e, tmp) {
			HASH_DEL(conf->conns_by_name, e);
			free(e);
		}
	}
	if (conf->cache && conf->cache->data && conf->cache->free)
		conf->cache->free(conf->cache->data);
	free(conf->cache);
	free(conf);
}

static size_t file_rank(const struct conf_ctx *ctx, const char *file)
{
	for (size_t i = 0; file && i < ctx->n_files; i++)
		if (strcmp(ctx->files[i], file) == 0)
			return i;
	return 0;
}

/* In the order of the files as read, then of lines; stable (insertion sort:
 * the list is short and mostly sorted already). */
static void sort_diags(struct conf_diags *d, size_t first, const struct conf_ctx *ctx)
{
	for (size_t i = first + 1; i < d->n; i++) {
		struct conf_diag x = d->list[i];
		size_t rx = file_rank(ctx, x.file), j = i;

		while (j > first) {
			const struct conf_diag *y = &d->list[j - 1];
			size_t ry = file_rank(ctx, y->file);

			if (ry < rx || (ry == rx && y->line <= x.line))
				break;
			d->list[j] = *y;
			j--;
		}
		d->list[j] = x;
	}
}

static int load(const char *name, const char *text, size_t len, bool from_file, struct conf **out,
		struct conf_diags *diags)
{
	struct conf_ctx ctx = { .diags = diags };
	size_t errors = diags->n_errors, first = diags->n;
	struct conf *conf = NULL;
	int r;

	*out = NULL;
	ctx.root = conf_section_new(NULL, NULL);
	if (!ctx.root)
		return -ENOMEM;
	r = from_file ? conf_parse_path(&ctx, name) : conf_parse_buffer(&ctx, name, text, len);
	if (!ctx.oom)
		conf_resolve_refs(&ctx);
	/* build even after syntax errors, to report the value errors too */
	if (!ctx.oom)
		conf = conf_build(&ctx);
	conf_section_free(ctx.root);
	sort_diags(diags, first, &ctx);
	if (ctx.oom || diags->n_errors > errors) {
		conf_free(conf);
		for (size_t i = 0; i < ctx.n_files; i++)
			free(ctx.files[i]);
		free(ctx.files);
		if (ctx.oom)
			return -ENOMEM;
		return r < 0 ? r : -EINVAL;
	}
	conf->files = ctx.files;
	conf->n_files = ctx.n_files;
	*out = conf;
	return 0;
}

int conf_load_file(const char *path, struct conf **out, struct conf_diags *diags)
{
	return load(path, NULL, 0, true, out, diags);
}

int conf_load_string(const char *name, const char *text, size_t len, struct conf **out,
		     struct conf_diags *diags)
{
	return load(name, text, len, false, out, diags);
}

struct conf_conn *conf_find_conn(const struct conf *conf, const char *name)
{
	struct conf_name_index *e;

	HASH_FIND_STR(conf->conns_by_name, name, e);
	return e ? e->conn : NULL;
}

struct conf_child *conf_find_child(const struct conf_conn *conn, const char *name)
{
	struct conf_child *child;

	TAILQ_FOREACH (child, &conn->children, entry)
		if (strcmp(child->name, name) == 0)
			return child;
	return NULL;
}

static bool str_equal(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool list_equal(const struct conf_list *a, const struct conf_list *b)
{
	if (a->n != b->n)
		return false;
	for (size_t i = 0; i < a->n; i++)
		if (!str_equal(a->items[i].value, b->items[i].value))
			return false;
	return true;
}

static bool mark_equal(const struct conf_mark *a, const struct conf_mark *b)
{
	return a->value == b->value && a->mask == b->mask;
}

static bool gw_equal(const struct conf_child_gw *a, const struct conf_child_gw *b)
{
	return str_equal(a->updown.value, b->updown.value) && a->hostaccess == b->hostaccess &&
	       mark_equal(&a->mark_in, &b->mark_in) && mark_equal(&a->mark_out, &b->mark_out) &&
	       a->mark_in_sa == b->mark_in_sa && mark_equal(&a->set_mark_in, &b->set_mark_in) &&
	       mark_equal(&a->set_mark_out, &b->set_mark_out) && a->if_id_in == b->if_id_in &&
	       a->if_id_out == b->if_id_out;
}

bool conf_child_equal(const struct conf_child *a, const struct conf_child *b)
{
	return str_equal(a->name, b->name) && gw_equal(&a->gw, &b->gw) &&
	       list_equal(&a->local_ts, &b->local_ts) && list_equal(&a->remote_ts, &b->remote_ts) &&
	       list_equal(&a->esp_proposals, &b->esp_proposals) && a->mode == b->mode &&
	       a->start_action == b->start_action && a->close_action == b->close_action &&
	       a->dpd_action == b->dpd_action && a->rekey_time == b->rekey_time &&
	       a->life_time == b->life_time && a->rand_time == b->rand_time &&
	       a->rekey_bytes == b->rekey_bytes && a->life_bytes == b->life_bytes &&
	       a->rand_bytes == b->rand_bytes && a->rekey_packets == b->rekey_packets &&
	       a->life_packets == b->life_packets && a->rand_packets == b->rand_packets;
}

static bool round_equal(const struct conf_auth_round *a, const struct conf_auth_round *b)
{
	return a->auth == b->auth && a->sig_schemes == b->sig_schemes &&
	       a->ike_sig_schemes == b->ike_sig_schemes && a->pss == b->pss &&
	       str_equal(a->id.value, b->id.value) && list_equal(&a->certs, &b->certs) &&
	       list_equal(&a->cacerts, &b->cacerts) && a->revocation == b->revocation;
}

bool conf_conn_equal(const struct conf_conn *a, const struct conf_conn *b)
{
	const struct conf_child *ca, *cb;

	if (!str_equal(a->name, b->name) || a->version != b->version ||
	    !list_equal(&a->local_addrs, &b->local_addrs) ||
	    !list_equal(&a->remote_addrs, &b->remote_addrs) || a->local_port != b->local_port ||
	    a->remote_port != b->remote_port || !list_equal(&a->proposals, &b->proposals) ||
	    a->encap != b->encap || a->dpd_delay != b->dpd_delay ||
	    a->rekey_time != b->rekey_time || a->reauth_time != b->reauth_time ||
	    a->over_time != b->over_time || a->rand_time != b->rand_time ||
	    a->keyingtries != b->keyingtries || a->childless != b->childless ||
	    a->unique != b->unique || a->fragmentation != b->fragmentation ||
	    a->if_id_in != b->if_id_in || a->if_id_out != b->if_id_out ||
	    a->send_cert != b->send_cert || a->send_certreq != b->send_certreq ||
	    !round_equal(&a->local, &b->local) || !round_equal(&a->remote, &b->remote) ||
	    a->n_children != b->n_children)
		return false;
	for (ca = TAILQ_FIRST(&a->children), cb = TAILQ_FIRST(&b->children); ca && cb;
	     ca = TAILQ_NEXT(ca, entry), cb = TAILQ_NEXT(cb, entry))
		if (!conf_child_equal(ca, cb))
			return false;
	return !ca && !cb;
}

bool conf_secret_equal(const struct conf_secret *a, const struct conf_secret *b)
{
	if (!str_equal(a->name, b->name) || a->key_len != b->key_len || a->n_ids != b->n_ids)
		return false;
	for (size_t i = 0; i < a->n_ids; i++)
		if (!str_equal(a->ids[i].value, b->ids[i].value))
			return false;
	return CRYPTO_memcmp(a->key, b->key, a->key_len) == 0;
}
