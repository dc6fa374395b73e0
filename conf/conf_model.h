/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the model builder, from the syntax tree to struct conf: what its
 * parts use of each other. conf_model.c (diagnostics, the whole file, the
 * public functions), conf_keys.c (key tables, messages, value helpers),
 * conf_conn.c (connections and children), conf_auth.c (authentication
 * rounds), conf_secrets.c (secrets). The rest of conduit uses conf.h.
 */
#ifndef CONDUIT_CONF_MODEL_H
#define CONDUIT_CONF_MODEL_H

#include <stdbool.h>
#include <stdint.h>

#include <uthash.h>

#include "conf/conf_internal.h"

/* ---- conf_keys.c ---- */

/* A value as it may appear in a message: bounded, control bytes replaced. */
struct conf_shown {
	char s[72];
};

struct conf_shown conf_show(const char *v);

/* The keys conduit implements (the builders compare them one by one; these
 * tables tell a key from a misplaced section) and every other swanctl.conf
 * key of strongSwan, per section: NULL-terminated. */
extern const char *const conf_conn_keys[];
extern const char *const conf_child_keys[];
extern const char *const conf_conn_not_impl[];
extern const char *const conf_auth_not_impl[];
extern const char *const conf_child_not_impl[];
extern const char *const conf_secret_not_impl[];

/*
 * Keys conduit does not implement, with the one value that says what
 * conduit does anyway: files written for strongSwan often spell these out
 * (mobike = no), and accepting exactly that value changes nothing.
 */
struct conf_as_conduit_does {
	const char *key;
	const char *value;
	bool boolean; /* compare as a strongSwan boolean (yes/no/true/...) */
};

extern const struct conf_as_conduit_does conf_conn_as_is[];
extern const struct conf_as_conduit_does conf_child_as_is[];

/* unique's values, in the order of enum conf_unique */
extern const char *const conf_unique_names[4];

bool conf_in_list(const char *const *list, const char *key);
void conf_not_impl(struct conf_ctx *ctx, const struct conf_loc *loc, const char *key);
void conf_not_impl_kv(struct conf_ctx *ctx, const struct conf_as_conduit_does *table,
		      const struct conf_kv *kv);
void conf_unknown_key(struct conf_ctx *ctx, const struct conf_kv *kv,
		      const struct conf_section *sec);
void conf_unknown_section(struct conf_ctx *ctx, const struct conf_section *sub);
void conf_not_a_section(struct conf_ctx *ctx, const struct conf_section *sub);
void conf_bad_value(struct conf_ctx *ctx, const struct conf_kv *kv, const char *expected);

#define EXPECT_MARK                                                                                \
	"a mark: a number up to 0xffffffff with an optional /mask, %unique or %unique-dir"
#define EXPECT_SET_MARK "a mark: a number up to 0xffffffff with an optional /mask, or %same"
#define EXPECT_IF_ID "an interface ID: a number up to 0xffffffff, %unique or %unique-dir"
#define EXPECT_DURATION "a time in seconds, or with an s, m, h or d suffix"
#define EXPECT_VOLUME "a number of bytes, or with a k, m or g suffix"

void conf_set_list(struct conf_ctx *ctx, const struct conf_kv *kv, struct conf_list *l, bool addrs);
int conf_default_list(struct conf_ctx *ctx, struct conf_list *l, const char *value,
		      const struct conf_loc *owner);
bool conf_get_duration(struct conf_ctx *ctx, const struct conf_kv *kv, uint64_t *out);
bool conf_get_uint(struct conf_ctx *ctx, const struct conf_kv *kv, uint64_t max, uint64_t *out);
bool conf_get_port(struct conf_ctx *ctx, const struct conf_kv *kv, uint16_t *out);
bool conf_get_action(struct conf_ctx *ctx, const struct conf_kv *kv, enum conf_action *out);

/* ---- conf_conn.c ---- */

/* What a connection's build keeps besides struct conf_conn (UNDEF: not set) */
struct conf_conn_state {
	uint64_t rekey_time, reauth_time, over_time, rand_time;
	bool local_seen, remote_seen, local_auth_set;
	struct conf_loc local_loc;
};

/* Connections by name: a reload looks each one up in the running
 * configuration, which a walk would make quadratic. */
struct conf_name_index {
	UT_hash_handle hh;
	struct conf_conn *conn;
	char name[]; /* the key */
};

void conf_build_conn(struct conf_ctx *ctx, struct conf *conf, const struct conf_section *sec);
void conf_free_conn(struct conf_conn *conn);

/* ---- conf_auth.c ---- */

/* connections.<conn>.local<suffix> or remote<suffix> into conn->local or
 * conn->remote */
void conf_build_round(struct conf_ctx *ctx, struct conf_conn *conn, struct conf_conn_state *st,
		      const struct conf_section *sec, bool local);

/* ---- conf_secrets.c ---- */

void conf_build_secrets(struct conf_ctx *ctx, struct conf *conf, const struct conf_section *sec);
void conf_free_secret(struct conf_secret *s);
void conf_free_key_secret(struct conf_key_secret *s);

#endif
