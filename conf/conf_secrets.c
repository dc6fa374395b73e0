// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * secrets: ike<suffix> (pre-shared keys and their owners) and the
 * passphrases of private<suffix>, rsa<suffix>, ecdsa<suffix> and
 * pkcs8<suffix> key files. Part of the model builder (conf_model.h).
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "conf/conf_model.h"

/* ---- secrets ---- */

void conf_free_secret(struct conf_secret *s)
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
		conf_free_secret(s);
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
			conf_unknown_key(ctx, kv, sec);
		}
	}
	TAILQ_FOREACH (sub, &sec->sections, entry)
		conf_unknown_section(ctx, sub);
	if (!s->key && !bad && !ctx->oom) {
		conf_err(ctx, &s->loc, "secret '%s' has no 'secret' key", s->name);
		bad = true;
	}
	if (bad || ctx->oom) {
		conf_free_secret(s);
		return;
	}
	TAILQ_INSERT_TAIL(&conf->secrets, s, entry);
	conf->n_secrets++;
}

void conf_free_key_secret(struct conf_key_secret *s)
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
	{ "private", CONF_KEY_PRIVATE },
	{ "rsa", CONF_KEY_RSA },
	{ "ecdsa", CONF_KEY_ECDSA },
	{ "pkcs8", CONF_KEY_PKCS8 },
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
			conf_unknown_key(ctx, kv, sec);
		}
	}
	TAILQ_FOREACH (sub, &sec->sections, entry)
		conf_unknown_section(ctx, sub);
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
		conf_free_key_secret(s);
		return;
	}
	TAILQ_INSERT_TAIL(&conf->key_secrets, s, entry);
	conf->n_key_secrets++;
}

void conf_build_secrets(struct conf_ctx *ctx, struct conf *conf, const struct conf_section *sec)
{
	struct conf_kv *kv;
	struct conf_section *sub;

	TAILQ_FOREACH (kv, &sec->kvs, entry)
		conf_unknown_key(ctx, kv, sec);
	TAILQ_FOREACH (sub, &sec->sections, entry) {
		/* load_creds.c: the type is a case-sensitive prefix of the name */
		if (strncmp(sub->name, "ike", 3) == 0) {
			build_ike_secret(ctx, conf, sub);
			continue;
		}
		for (size_t k = 0; k < sizeof(key_kinds) / sizeof(key_kinds[0]); k++) {
			if (strncmp(sub->name, key_kinds[k].prefix, strlen(key_kinds[k].prefix)) ==
			    0) {
				build_key_secret(ctx, conf, sub, key_kinds[k].kind);
				goto next;
			}
		}
		for (const char *const *t = conf_secret_not_impl; *t; t++) {
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
