// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An authentication round (connections.<conn>.local and .remote): auth
 * with strongSwan's public key constraints, id, certs, cacerts and
 * revocation. Part of the model builder (conf_model.h).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "conf/conf_model.h"

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
			 conf_show(kv->value).s, conf_show(tok).s);
		return false;
	}
	if (missing) {
		conf_err(ctx, &kv->loc,
			 "auth = %s: '%s' with %s keys is a signature scheme conduit does not "
			 "implement",
			 conf_show(kv->value).s, conf_show(tok).s, key_tokens[cs->key].name);
		return false;
	}
	/* strongSwan takes it and adds nothing (ecdsa-identity) */
	conf_warn(ctx, &kv->loc,
		  "auth = %s: '%s' does not apply to %s keys: no constraint added, as in "
		  "strongSwan",
		  conf_show(kv->value).s, conf_show(tok).s, key_tokens[cs->key].name);
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
		conf_bad_value(ctx, kv, "a shorter list of constraints");
		return false;
	}
	strcpy(buf, kv->value);
	if (buf[0] == '-' || (*buf && buf[strlen(buf) - 1] == '-') || strstr(buf, "--")) {
		conf_err(ctx, &kv->loc, "auth = %s: empty constraint between '-'",
			 conf_show(kv->value).s);
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
					 conf_show(kv->value).s, key_tokens[cs.key].name, tok);
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
				 conf_show(kv->value).s, conf_show(tok).s);
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

void conf_build_round(struct conf_ctx *ctx, struct conf_conn *conn, struct conf_conn_state *st,
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
					 conf_show(a).s);
			} else {
				conf_bad_value(
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
			conf_get_uint(ctx, kv, UINT32_MAX, &v);
		} else if (strcmp(kv->key, "certs") == 0) {
			conf_set_list(ctx, kv, &round->certs, false);
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
				conf_set_list(ctx, kv, &round->cacerts, false);
		} else if (strcmp(kv->key, "revocation") == 0) {
			static const char *const names[] = { "relaxed", "ifuri", "strict" };
			bool ok = false;

			for (size_t i = 0; i < N_OF(names) && !ok; i++)
				if (!strcasecmp(kv->value, names[i])) {
					round->revocation = (enum conf_revocation)i;
					ok = true;
				}
			if (!ok)
				conf_bad_value(ctx, kv, "strict, ifuri or relaxed");
			else if (local)
				conf_err(ctx, &kv->loc,
					 "revocation in a local round is a strongSwan option "
					 "conduit does not implement yet (it checks the peer's "
					 "certificates: set it in remote)");
		} else if (conf_in_list(conf_auth_not_impl, kv->key)) {
			conf_not_impl(ctx, &kv->loc, kv->key);
		} else {
			conf_unknown_key(ctx, kv, sec);
		}
	}
	TAILQ_FOREACH (sub, &sec->sections, entry) {
		if (conf_has_prefix(sub->name, "cert") || conf_has_prefix(sub->name, "cacert"))
			conf_not_impl(ctx, &sub->loc, sub->name);
		else if (strcmp(sub->name, "auth") == 0 || strcmp(sub->name, "id") == 0 ||
			 strcmp(sub->name, "round") == 0)
			conf_not_a_section(ctx, sub);
		else
			conf_unknown_section(ctx, sub);
	}
}
