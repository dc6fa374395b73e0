// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * From the syntax tree to struct conf: the keys of swanctl.conf(5) conduit
 * implements, with strongSwan's defaults (vici_config.c), and an error naming
 * every other strongSwan key so that nothing a strongSwan user wrote is
 * silently dropped.
 *
 * This file: diagnostics, the whole file (conf_build(), checks across
 * sections) and the public functions of conf.h. The builder's other parts
 * are listed in conf_model.h.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <uthash.h>

#include "conf/conf_model.h"

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
	bool pattern;  /* a secret id with wildcards (*@example.org): may match anyone */
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
			/* matched as a pattern at run time (daemon/dcfg.c);
			 * this warning only compares text, so it stays quiet */
			if (strchr(v, '*'))
				si->pattern = true;
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
 * address) one naming an address; any pattern may. */
static bool id_matches(const struct secret_ids *si, const struct conf_conn *conn)
{
	return si->wildcard || si->pattern || (si->address && !conn->local.id.value) ||
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
				conf_build_conn(ctx, conf, c);
		} else if (strcmp(sec->name, "secrets") == 0) {
			conf_build_secrets(ctx, conf, sec);
		} else if (strcmp(sec->name, "pools") == 0 ||
			   strcmp(sec->name, "authorities") == 0) {
			conf_err(ctx, &sec->loc,
				 "'%s' is a strongSwan section conduit does not implement yet",
				 sec->name);
		} else if (!sec->referenced) {
			/* a section only referenced by others is a template, which
			 * swanctl ignores too */
			conf_unknown_section(ctx, sec);
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
		conf_free_conn(conn);
	}
	while ((s = TAILQ_FIRST(&conf->secrets))) {
		TAILQ_REMOVE(&conf->secrets, s, entry);
		conf_free_secret(s);
	}
	{
		struct conf_key_secret *ks;

		while ((ks = TAILQ_FIRST(&conf->key_secrets))) {
			TAILQ_REMOVE(&conf->key_secrets, ks, entry);
			conf_free_key_secret(ks);
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
