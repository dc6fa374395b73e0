/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Internals of conf/: the syntax tree the parser builds (strongswan.conf(5)
 * semantics: repeated sections merge, a repeated key's last value wins,
 * sections may reference others), the diagnostics sink and value parsers.
 */
#ifndef CONDUIT_CONF_INTERNAL_H
#define CONDUIT_CONF_INTERNAL_H

#include <stdarg.h>

#include <uthash.h>

#include "conf/conf.h"

struct conf_kv {
	TAILQ_ENTRY(conf_kv) entry;
	char *key;
	char *value; /* NULL for "key =" with nothing after it */
	struct conf_loc loc;
};

struct conf_ref {
	char *path; /* absolute dotted path, e.g. "templates.base" */
	struct conf_loc loc;
};

struct conf_section {
	TAILQ_ENTRY(conf_section) entry;
	char *name;	     /* NULL for the root */
	struct conf_loc loc; /* where it was first opened */
	struct conf_section *parent;
	TAILQ_HEAD(, conf_kv) kvs;
	TAILQ_HEAD(, conf_section) sections;
	/* the same subsections by name (the first of a name), so that merging
	 * a file of 10k connections is not 10^8 string comparisons */
	struct conf_section *by_name;
	UT_hash_handle hh; /* in parent->by_name */
	size_t n_refs;
	struct conf_ref *refs;
	bool resolving, resolved;
	bool referenced; /* some reference points at it: a template */
};

/* What one load shares between the parser and the model builder. */
struct conf_ctx {
	struct conf_diags *diags;
	char **files; /* every file name read; conf_loc.file points here */
	size_t n_files;
	struct conf_section *root;
	int oom; /* set when an allocation failed: the load fails with -ENOMEM */
	/* Every read counts, the same file read twice too: nested includes
	 * of one file multiply, and only these totals bound a load. */
	size_t n_included;   /* files read through include statements */
	size_t bytes_read;   /* octets of every file read, the first one too */
	bool include_capped; /* a cap was hit: later includes are skipped */
};

void conf_diag(struct conf_ctx *ctx, enum conf_severity sev, const struct conf_loc *loc,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
#define conf_err(ctx, loc, ...) conf_diag(ctx, CONF_SEV_ERROR, loc, __VA_ARGS__)
#define conf_warn(ctx, loc, ...) conf_diag(ctx, CONF_SEV_WARNING, loc, __VA_ARGS__)

/* conf_syntax.c */
const char *conf_ctx_add_file(struct conf_ctx *ctx, const char *name);
int conf_parse_buffer(struct conf_ctx *ctx, const char *name, const char *text, size_t len);
int conf_parse_path(struct conf_ctx *ctx, const char *path);
void conf_resolve_refs(struct conf_ctx *ctx);
void conf_section_free(struct conf_section *sec);
struct conf_section *conf_section_new(const char *name, const struct conf_loc *loc);
/* "connections.site-b.children.net" for diagnostics; caller frees */
char *conf_section_path(const struct conf_section *sec);

/* conf_model.c (and the other parts of the model builder: conf_model.h) */
struct conf *conf_build(struct conf_ctx *ctx);

/* conf_values.c: each returns 0 or -EINVAL; none accepts an empty string. */
int conf_parse_uint(const char *s, uint64_t max, uint64_t *out); /* strtoul base 0 */
int conf_parse_duration(const char *s, uint64_t *out);		 /* s m h d */
int conf_parse_volume(const char *s, uint64_t *out);		 /* k m g, powers of 1024 */
int conf_parse_bool(const char *s, bool *out);
/* Split at commas, trimming spaces as swanctl does; -EINVAL on an empty item. */
int conf_split_list(const char *s, const struct conf_loc *loc, struct conf_list *out);
void conf_list_free(struct conf_list *l);
/* An IKE address item: %any, %any4, %any6, IPv4/IPv6 address, CIDR subnet,
 * a-b range or DNS name. *specific tells whether the initiator can use it as
 * a destination (an address or a name, not a wildcard, subnet or range). */
int conf_check_addr(const char *s, bool *specific);
/* A secret: "0x" hex, "0s" base64 or the string itself. */
int conf_decode_secret(const char *s, uint8_t **out, size_t *out_len);
/* A mark (struct conf_mark); unique: %unique and %unique-dir are allowed
 * (mark_in, mark_out), same: %same is (set_mark_in, set_mark_out). */
int conf_parse_mark(const char *s, bool unique, bool same, struct conf_mark *out);
/* An XFRM interface ID: a number up to 0xffffffff, %unique or %unique-dir. */
int conf_parse_if_id(const char *s, uint32_t *out);
/* Case-insensitive prefix test */
bool conf_has_prefix(const char *s, const char *prefix);

#endif
