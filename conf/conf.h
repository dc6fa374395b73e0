/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conduit's configuration: the swanctl.conf language of strongSwan (syntax of
 * strongswan.conf(5), key names and meanings of swanctl.conf(5)) for the
 * subset of keys conduit implements. A file strongSwan accepts for these keys
 * means the same to conduit; a strongSwan key conduit does not implement yet is
 * an error that says so, never silently ignored.
 *
 * Loading collects every diagnostic of every file (it does not stop at the
 * first) with file:line, so the daemon can print them all and exit non-zero.
 * Strings the other modules interpret (addresses, identities, proposals,
 * traffic selectors) are kept as text with the place they came from, so a
 * later validation error can name that place.
 */
#ifndef CONDUIT_CONF_H
#define CONDUIT_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

/* Where a value was written. file points into the owning struct conf (or
 * struct conf_diags) and lives as long as it. line counts from 1; 0 means the
 * value is a default, not written anywhere. */
struct conf_loc {
	const char *file;
	unsigned int line;
};

/* One string value (a list item, an identity) and its place. */
struct conf_str {
	char *value;
	struct conf_loc loc;
};

/* A comma-separated list value. n == 0 never happens after loading for the
 * keys that have a default: the default is filled in with loc.line == 0. */
struct conf_list {
	size_t n;
	struct conf_str *items;
	struct conf_loc loc; /* of the key */
};

/* Authentication of one side, strongSwan's auth values (vici_config.c
 * parse_auth): psk, or public keys (pubkey, rsa, ecdsa, rsa/pss, and
 * conduit's ed25519 and ed448) with optional signature constraints. A
 * local round without "auth" is pubkey, a remote one accepts any method,
 * as in strongSwan. */
enum conf_auth {
	CONF_AUTH_ANY = 0,
	CONF_AUTH_PSK,
	CONF_AUTH_PUBKEY,
};

/* A signature scheme a constraint names (strongSwan's auth_cfg.c
 * add_pubkey_constraints), as bits 1u << enum conf_sig. ECDSA with a hash
 * stands for both encodings: RFC 7427's and the classic method of the
 * curve that goes with that hash. */
enum conf_sig {
	CONF_SIG_RSA_SHA1 = 0, /* RSASSA-PKCS1-v1_5 with SHA-1: the classic method 1 */
	CONF_SIG_RSA_SHA256,   /* RSASSA-PKCS1-v1_5 */
	CONF_SIG_RSA_SHA384,
	CONF_SIG_RSA_SHA512,
	CONF_SIG_PSS_SHA256, /* RSASSA-PSS */
	CONF_SIG_PSS_SHA384,
	CONF_SIG_PSS_SHA512,
	CONF_SIG_ECDSA_SHA256,
	CONF_SIG_ECDSA_SHA384,
	CONF_SIG_ECDSA_SHA512,
	CONF_SIG_ED25519,
	CONF_SIG_ED448,
	CONF_SIG_COUNT,
};

/* remote.revocation, strongSwan's values and default. */
enum conf_revocation {
	CONF_REVOCATION_RELAXED = 0,
	CONF_REVOCATION_IFURI,
	CONF_REVOCATION_STRICT,
};

/* send_cert, strongSwan's values and default. */
enum conf_send_cert {
	CONF_SEND_CERT_IFASKED = 0,
	CONF_SEND_CERT_ALWAYS,
	CONF_SEND_CERT_NEVER,
};

struct conf_auth_round {
	enum conf_auth auth;
	struct conf_str auth_text; /* the auth value as written; NULL: not set */
	/* Constraints of a pubkey round (bits 1u << enum conf_sig; 0: any):
	 * on the certificates' signatures and on the AUTH payload's. Without
	 * an "ike:" prefix a constraint is both, as in strongSwan. */
	uint32_t sig_schemes, ike_sig_schemes;
	bool pss; /* rsa/pss: RSA keys sign with RSASSA-PSS */
	/* NULL value when not configured: strongSwan then uses the local IP
	 * address as local identity (the certificate's subject with pubkey),
	 * and accepts any remote identity (%any). */
	struct conf_str id;
	/* File names in x509/ (or absolute): local, our certificate; remote,
	 * the peer's certificates pinned. cacerts: in x509ca/ (remote only). */
	struct conf_list certs, cacerts;
	enum conf_revocation revocation; /* remote only */
	struct conf_loc loc;		 /* of the section */
};

enum conf_mode {
	CONF_MODE_TUNNEL = 0,
	CONF_MODE_TRANSPORT,
};

/* start_action, close_action, dpd_action. strongSwan spells the same action
 * several ways: none = clear, start = restart, trap = route. trap|start
 * (strongSwan 6: both) is for start_action only. */
enum conf_action {
	CONF_ACTION_NONE = 0,
	CONF_ACTION_START,
	CONF_ACTION_TRAP,	/* trap policies; traffic that matches them initiates */
	CONF_ACTION_TRAP_START, /* start_action only: trap policies, and initiate at load */
};

/* A mark as strongSwan's mark_from_string() reads it: "value[/mask]" (the
 * mask defaults to 0xffffffff and the value is masked), "%unique" or
 * "%unique-dir" (mark_in, mark_out) and "%same" (set_mark_in/out), each of
 * those with an optional "/mask". value 0 and mask 0: no mark. */
struct conf_mark {
	uint32_t value, mask;
};

/* strongSwan's placeholders (ipsec_types.h): a value drawn per CHILD_SA,
 * the same for in and out (UNIQUE) or one per direction (UNIQUE_DIR);
 * SAME in a set_mark takes the policies' mark of that direction. */
#define CONF_MARK_UNIQUE 0xffffffffu
#define CONF_MARK_UNIQUE_DIR 0xfffffffeu
#define CONF_MARK_SAME 0xffffffffu
#define CONF_IF_ID_UNIQUE 0xffffffffu
#define CONF_IF_ID_UNIQUE_DIR 0xfffffffeu

/* The routing, marking and script keys of a child (and if_id of a
 * connection), with where each was written, for the daemon's messages. */
struct conf_child_gw {
	struct conf_str updown; /* NULL value: none */
	bool hostaccess;
	struct conf_mark mark_in, mark_out;
	bool mark_in_sa;
	struct conf_mark set_mark_in, set_mark_out;
	uint32_t if_id_in, if_id_out; /* 0: the connection's */
};

/* Durations are in seconds, volumes in bytes, packet counts plain. */
struct conf_child {
	TAILQ_ENTRY(conf_child) entry;
	char *name;
	struct conf_loc loc;
	struct conf_list local_ts;			    /* default "dynamic" */
	struct conf_list remote_ts;			    /* default "dynamic" */
	struct conf_list esp_proposals;			    /* default "default" */
	enum conf_mode mode;				    /* default tunnel */
	enum conf_action start_action;			    /* default none */
	enum conf_action close_action;			    /* default none */
	enum conf_action dpd_action;			    /* default none (strongSwan: clear) */
	uint64_t rekey_time;				    /* default 1h */
	uint64_t life_time;				    /* default rekey_time + 10% */
	uint64_t rand_time;				    /* default life_time - rekey_time */
	uint64_t rekey_bytes, life_bytes, rand_bytes;	    /* default 0, +10%, diff */
	uint64_t rekey_packets, life_packets, rand_packets; /* same */
	struct conf_child_gw gw;
};

TAILQ_HEAD(conf_child_list, conf_child);

/* childless (RFC 6023), strongSwan's values and default. */
enum conf_childless {
	CONF_CHILDLESS_ALLOW = 0,
	CONF_CHILDLESS_NEVER,
	CONF_CHILDLESS_PREFER,
	CONF_CHILDLESS_FORCE,
};

/* fragmentation (RFC 7383), strongSwan's values and default: yes
 * fragments oversized messages when the peer announced support, accept
 * announces it but never fragments, force fragments even to a peer that
 * did not announce it, no neither announces nor fragments. Fragments are
 * received whatever the value. */
enum conf_fragmentation {
	CONF_FRAGMENTATION_YES = 0,
	CONF_FRAGMENTATION_ACCEPT,
	CONF_FRAGMENTATION_FORCE,
	CONF_FRAGMENTATION_NO,
};

/* unique: what a new IKE SA with the same identities as an established one
 * of the connection does to it; strongSwan's values and default. */
enum conf_unique {
	CONF_UNIQUE_NO = 0, /* nothing, unless the peer sends INITIAL_CONTACT */
	CONF_UNIQUE_NEVER,  /* nothing, even with INITIAL_CONTACT */
	CONF_UNIQUE_REPLACE,
	CONF_UNIQUE_KEEP,
};

struct conf_conn {
	TAILQ_ENTRY(conf_conn) entry;
	char *name;
	struct conf_loc loc;
	/* 0 (strongSwan's default: any version as responder, IKEv2 as
	 * initiator) or 2. conduit speaks IKEv2 only, so both mean IKEv2. */
	unsigned int version;
	struct conf_list local_addrs;  /* default "%any" */
	struct conf_list remote_addrs; /* default "%any" */
	uint16_t local_port;	       /* default 500 */
	uint16_t remote_port;	       /* default 500 */
	struct conf_list proposals;    /* default "default" */
	bool encap;		       /* default no */
	uint64_t dpd_delay;	       /* default 0: no DPD */
	uint64_t rekey_time;	       /* default 4h, or 0 when only reauth_time is set */
	uint64_t reauth_time;	       /* default 0 */
	uint64_t over_time;	       /* default 10% of max(rekey_time, reauth_time) */
	uint64_t rand_time;	       /* default min(over_time, rekey/reauth time / 2) */
	uint32_t keyingtries;	       /* default 1; 0 = forever */
	enum conf_childless childless; /* default allow */
	enum conf_unique unique;       /* default no */
	enum conf_fragmentation fragmentation; /* default yes */
	enum conf_send_cert send_cert;	       /* default ifasked */
	bool send_certreq;		       /* default yes */
	struct conf_auth_round local;
	struct conf_auth_round remote;
	uint32_t if_id_in, if_id_out; /* default 0; the children's default */
	struct conf_child_list children;
	size_t n_children;
};

TAILQ_HEAD(conf_conn_list, conf_conn);

/* An IKE pre-shared key (secrets.ike<suffix>). The key is wiped on free and
 * never appears in a diagnostic. A secret without any id belongs to every
 * identity, as in strongSwan. */
struct conf_secret {
	TAILQ_ENTRY(conf_secret) entry;
	char *name; /* section name, e.g. "ike-site-b" */
	struct conf_loc loc;
	uint8_t *key;
	size_t key_len;
	size_t n_ids;
	struct conf_str *ids;
};

TAILQ_HEAD(conf_secret_list, conf_secret);

/* Which key directory a key secret's file is in (swanctl's layout). */
enum conf_key_kind {
	CONF_KEY_PRIVATE, /* secrets.private<suffix>: private/ */
	CONF_KEY_RSA,	  /* rsa<suffix>: rsa/ */
	CONF_KEY_ECDSA,	  /* ecdsa<suffix>: ecdsa/ */
	CONF_KEY_PKCS8,	  /* pkcs8<suffix>: pkcs8/ */
};

/* The passphrase of an encrypted private key (secrets.private-NAME { file
 * = ...; secret = ... }, also rsa-, ecdsa-, pkcs8-). file is relative to
 * its kind's directory, or absolute. The secret is wiped on free and never
 * appears in a diagnostic. */
struct conf_key_secret {
	TAILQ_ENTRY(conf_key_secret) entry;
	char *name;
	struct conf_loc loc;
	enum conf_key_kind kind;
	char *file;
	char *secret; /* NUL-terminated */
	size_t secret_len;
};

TAILQ_HEAD(conf_key_secret_list, conf_key_secret);

struct conf {
	struct conf_conn_list conns;
	size_t n_conns;
	struct conf_secret_list secrets;
	size_t n_secrets;
	struct conf_key_secret_list key_secrets;
	size_t n_key_secrets;
	/* private: the names of every file read, which conf_loc points into */
	char **files;
	size_t n_files;
	/* What a user of the model derives from it once (the daemon's index
	 * of secrets by identity), freed with it; a holder of its own, so that
	 * a const struct conf can be given one. */
	struct conf_cache *cache;
	struct conf_name_index *conns_by_name; /* private: conf_find_conn's */
};

struct conf_cache {
	void *data;
	void (*free)(void *data);
};

enum conf_severity {
	CONF_SEV_ERROR,
	CONF_SEV_WARNING,
};

struct conf_diag {
	enum conf_severity severity;
	char *file;	   /* NULL when no file is concerned */
	unsigned int line; /* 0 when no line is concerned */
	char *text;	   /* the message alone */
	char *msg;	   /* "file:line: text" (or "file: text", or "text"), ready to print */
};

struct conf_diags {
	struct conf_diag *list;
	size_t n; /* errors and warnings, by file (as read), then line */
	size_t n_errors;
	size_t n_warnings;
	size_t cap;
};

/* Limits against hostile files. */
#define CONF_MAX_FILE_SIZE (4u * 1024 * 1024)
#define CONF_MAX_VALUE_LEN (64u * 1024)
#define CONF_MAX_DEPTH 32 /* nested sections */
#define CONF_MAX_INCLUDE_DEPTH 16
#define CONF_MAX_FILES 256 /* distinct file names */
/* Per load, however the includes nest or repeat: files read through
 * includes, and octets read in all. */
#define CONF_MAX_INCLUDED_FILES 1024
#define CONF_MAX_TOTAL_SIZE (16u * 1024 * 1024)

void conf_diags_init(struct conf_diags *diags);
void conf_diags_clear(struct conf_diags *diags);

/* Load the file at path, following includes. On success returns 0 and sets
 * *out (warnings may be in diags); when the file has any error returns
 * -EINVAL, sets *out to NULL and diags holds every error; -ENOMEM when
 * memory runs out; -ENOENT (or another -errno) when path cannot be read,
 * with a diagnostic. */
int conf_load_file(const char *path, struct conf **out, struct conf_diags *diags);

/* The same for text in memory; name is used in diagnostics and relative
 * includes are resolved against its directory. text need not be
 * NUL-terminated. */
int conf_load_string(const char *name, const char *text, size_t len, struct conf **out,
		     struct conf_diags *diags);

/* Frees everything, wiping the keys. NULL is fine. */
void conf_free(struct conf *conf);

/* "none", "start", "trap", "trap|start". */
const char *conf_action_name(enum conf_action a);
/* "no", "never", "replace", "keep". */
const char *conf_unique_name(enum conf_unique u);
/* "yes", "accept", "force", "no" */
const char *conf_fragmentation_name(enum conf_fragmentation f);
/* "ifasked", "always", "never"; "relaxed", "ifuri", "strict" */
const char *conf_send_cert_name(enum conf_send_cert s);
const char *conf_revocation_name(enum conf_revocation r);

struct conf_conn *conf_find_conn(const struct conf *conf, const char *name);
struct conf_child *conf_find_child(const struct conf_conn *conn, const char *name);

/* Whether two connections configure the same thing (names, every value and
 * every child, in order), whatever file or line they came from: on reload an
 * equal connection is left alone. */
bool conf_conn_equal(const struct conf_conn *a, const struct conf_conn *b);
bool conf_child_equal(const struct conf_child *a, const struct conf_child *b);
/* Equal keys and ids (in constant time over the key bytes). */
bool conf_secret_equal(const struct conf_secret *a, const struct conf_secret *b);

#endif
