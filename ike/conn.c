// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Connections in the engine: adding a configuration (its children, its
 * addresses), replacing one while SAs still use the old version, removing
 * it (ike_engine_add_conn, ike_engine_remove_conn).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike/auth_cert.h"
#include "ike/engine.h"

static char *dup_or(const char *s, const char *dflt)
{
	return strdup(s && *s ? s : dflt);
}

void ike_conn_unlink(struct ike_engine *e, struct ike_conn *c)
{
	if (!c->linked)
		return;
	HASH_DELETE(hh, e->conns, c);
	ike_conn_index_remove(e, c);
	c->linked = false;
	ike_conn_put(e, c);
}

/* Forget older versions of c that no SA uses any more. */
static void conn_prune_older(struct ike_engine *e, struct ike_conn *c)
{
	struct ike_conn **pp = &c->older;

	while (*pp) {
		struct ike_conn *o = *pp;

		if (LIST_EMPTY(&o->sas)) {
			*pp = o->older;
			o->older = NULL;
			ike_conn_put(e, o);
		} else {
			pp = &o->older;
		}
	}
}

/* c is in the index already (ike_conn_index_add, which may fail). */
static void conn_link(struct ike_engine *e, struct ike_conn *c)
{
	if (!c->ctr)
		c->ctr = ike_ctr_conn_get(e, c->name);
	HASH_ADD_STR(e->conns, name, c);
	c->linked = true;
	c->refcnt++;
}

static int conn_child_init(struct ike_conn_child *cc, const struct ike_child_cfg *cfg,
			   const char **err)
{
	struct ike_proposal tmp[IKE_CONN_MAX_PROPOSALS];
	size_t n = 0;
	int rc;

	cc->cfg = *cfg;
	cc->local_ts_str = dup_or(cfg->local_ts, "dynamic");
	cc->remote_ts_str = dup_or(cfg->remote_ts, "dynamic");
	cc->esp_str = dup_or(cfg->esp_proposals, "default");
	if (!cc->local_ts_str || !cc->remote_ts_str || !cc->esp_str) {
		*err = "out of memory";
		return -ENOMEM;
	}
	cc->cfg.local_ts = cc->local_ts_str;
	cc->cfg.remote_ts = cc->remote_ts_str;
	cc->cfg.esp_proposals = cc->esp_str;
	if (!cfg->name[0] || memchr(cfg->name, 0, sizeof(cfg->name)) == NULL) {
		*err = "child name missing or too long";
		return -EINVAL;
	}
	/* The parser refuses what the kernel interface cannot install. */
	rc = ike_proposals_parse(cc->esp_str, IKE_PROTO_ESP, tmp, IKE_CONN_MAX_PROPOSALS, &n, NULL,
				 0);
	if (rc || !n) {
		*err = "bad esp_proposals";
		return rc ? rc : -EINVAL;
	}
	/* CREATE_CHILD_SA offers them as configured (PFS)... */
	cc->esp_ke = malloc(n * sizeof(*cc->esp_ke));
	if (!cc->esp_ke) {
		*err = "out of memory";
		return -ENOMEM;
	}
	memcpy(cc->esp_ke, tmp, n * sizeof(*cc->esp_ke));
	cc->n_esp_ke = (uint8_t)n;
	/* ...the first CHILD_SA rides on IKE_AUTH: no KE, so no DH offered. */
	ike_proposals_strip_dh(tmp, n);
	cc->esp = malloc(n * sizeof(*cc->esp));
	if (!cc->esp) {
		*err = "out of memory";
		return -ENOMEM;
	}
	memcpy(cc->esp, tmp, n * sizeof(*cc->esp));
	cc->n_esp = (uint8_t)n;
	n = 0;
	if (ike_ts_parse_list(cc->local_ts_str, cc->lts, IKE_MAX_TS, &n, NULL, 0) || !n) {
		*err = "bad local_ts";
		return -EINVAL;
	}
	cc->n_lts = (uint8_t)n;
	n = 0;
	if (ike_ts_parse_list(cc->remote_ts_str, cc->rts, IKE_MAX_TS, &n, NULL, 0) || !n) {
		*err = "bad remote_ts";
		return -EINVAL;
	}
	cc->n_rts = (uint8_t)n;
	return 0;
}

static struct ike_addr_range *copy_ranges(const struct ike_addr_range *r, size_t n)
{
	struct ike_addr_range *p = malloc(n * sizeof(*p));

	if (p)
		memcpy(p, r, n * sizeof(*p));
	return p;
}

/* The address ranges, and where the connection is found: by its one
 * remote host, or among those that match by range or %any. */
static int conn_addrs_init(struct ike_conn *c, const struct ike_conn_cfg *cfg, const char **err)
{
	const struct ike_addr_range *all[2] = { cfg->local_addrs, cfg->remote_addrs };
	size_t n[2] = { cfg->n_local_addrs, cfg->n_remote_addrs };
	const uint8_t *host = NULL;
	uint8_t family = 0;

	c->cfg.local_addrs = c->cfg.remote_addrs = NULL;
	for (int side = 0; side < 2; side++) {
		if (n[side] && !all[side]) {
			*err = "address ranges missing";
			return -EINVAL;
		}
		for (size_t i = 0; i < n[side]; i++) {
			size_t len = all[side][i].family == AF_INET6 ? 16 : 4;

			if ((all[side][i].family != AF_INET && all[side][i].family != AF_INET6) ||
			    memcmp(all[side][i].from, all[side][i].to, len) > 0) {
				*err = "bad address range";
				return -EINVAL;
			}
		}
	}
	if ((cfg->remote.family && cfg->remote.family != AF_INET &&
	     cfg->remote.family != AF_INET6) ||
	    (cfg->local.family && cfg->local.family != AF_INET && cfg->local.family != AF_INET6)) {
		*err = "bad address family";
		return -EINVAL;
	}
	if ((n[0] && !(c->local_addrs = copy_ranges(all[0], n[0]))) ||
	    (n[1] && !(c->remote_addrs = copy_ranges(all[1], n[1])))) {
		*err = "out of memory";
		return -ENOMEM;
	}
	c->cfg.local_addrs = c->local_addrs;
	c->cfg.remote_addrs = c->remote_addrs;
	if (!n[1] && cfg->remote.family) {
		family = cfg->remote.family;
		host = cfg->remote.ip;
	} else if (n[1] == 1 &&
		   !memcmp(all[1][0].from, all[1][0].to, all[1][0].family == AF_INET6 ? 16 : 4)) {
		family = all[1][0].family;
		host = all[1][0].from;
	}
	c->hashed = host != NULL;
	memset(c->remote_key, 0, sizeof(c->remote_key));
	if (host) {
		c->remote_key[0] = family;
		memcpy(c->remote_key + 1, host, family == AF_INET6 ? 16 : 4);
	}
	return 0;
}

int ike_engine_add_conn(struct ike_engine *e, const struct ike_conn_cfg *cfg, const char **err)
{
	struct ike_proposal *tmp;
	struct ike_conn *c, *old;
	const char *dummy;
	size_t n = 0;
	int rc;

	if (!err)
		err = &dummy;
	*err = NULL;
	if (!cfg || !cfg->name[0] || !memchr(cfg->name, 0, sizeof(cfg->name))) {
		*err = "connection name missing or too long";
		return -EINVAL;
	}
	if (cfg->n_children > UINT16_MAX || (cfg->n_children && !cfg->children)) {
		*err = "bad children";
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	tmp = calloc(IKE_CONN_MAX_PROPOSALS, sizeof(*tmp));
	if (!c || !tmp) {
		free(c);
		free(tmp);
		*err = "out of memory";
		return -ENOMEM;
	}
	c->refcnt = 1; /* ours until linked */
	LIST_INIT(&c->sas);
	memcpy(c->name, cfg->name, sizeof(c->name));
	c->cfg = *cfg;
	c->cfg.children = NULL;
	c->cfg.psk = NULL;
	c->cfg.n_children = 0;
	memset(&c->cfg.local_auth, 0, sizeof(c->cfg.local_auth));
	memset(&c->cfg.remote_auth, 0, sizeof(c->cfg.remote_auth));
	rc = -ENOMEM;
	if (ike_auth_cfg_copy(&c->cfg.local_auth, &cfg->local_auth) ||
	    ike_auth_cfg_copy(&c->cfg.remote_auth, &cfg->remote_auth))
		goto fail;
	c->proposals_str = dup_or(cfg->proposals, "default");
	if (!c->proposals_str)
		goto fail;
	c->cfg.proposals = c->proposals_str;
	/* The parser refuses what ike/crypto does not implement. */
	rc = ike_proposals_parse(c->proposals_str, IKE_PROTO_IKE, tmp, IKE_CONN_MAX_PROPOSALS, &n,
				 NULL, 0);
	if (rc || !n) {
		*err = "bad IKE proposals";
		rc = rc ? rc : -EINVAL;
		goto fail;
	}
	rc = -ENOMEM;
	c->ike = malloc(n * sizeof(*c->ike));
	if (!c->ike)
		goto fail;
	memcpy(c->ike, tmp, n * sizeof(*c->ike));
	c->n_ike = (uint8_t)n;
	if (cfg->psk_len) {
		if (!cfg->psk)
			goto fail;
		c->psk = malloc(cfg->psk_len);
		if (!c->psk)
			goto fail;
		memcpy(c->psk, cfg->psk, cfg->psk_len);
		c->cfg.psk = c->psk;
	}
	c->children = calloc(cfg->n_children ? cfg->n_children : 1, sizeof(*c->children));
	if (!c->children)
		goto fail;
	for (size_t i = 0; i < cfg->n_children; i++) {
		c->cfg.n_children = i + 1;
		rc = conn_child_init(&c->children[i], &cfg->children[i], err);
		if (rc)
			goto fail;
	}
	rc = conn_addrs_init(c, cfg, err);
	if (rc)
		goto fail;
	rc = ike_conn_index_add(e, c);
	if (rc)
		goto fail;
	free(tmp);
	old = ike_conn_find(e, c->name);
	if (old) {
		/* Its SAs keep the configuration they were made with; the
		 * new version remembers the old ones that still have SAs, so
		 * that terminating the name reaches those too. */
		old->refcnt++;
		c->older = old;
		ike_conn_unlink(e, old);
		conn_prune_older(e, c);
	}
	conn_link(e, c);
	ike_conn_put(e, c); /* the tables hold it now */
	return 0;
fail:
	if (!*err)
		*err = "out of memory";
	free(tmp);
	ike_conn_put(e, c);
	return rc;
}

int ike_engine_remove_conn(struct ike_engine *e, const char *name)
{
	struct ike_conn *c = name ? ike_conn_find(e, name) : NULL;
	int rc;

	if (!c)
		return -ENOENT;
	ike_engine_enter(e);
	rc = ike_engine_terminate(e, name, 0);
	ike_conn_unlink(e, c);
	ike_engine_leave(e);
	return rc == -ENOENT ? 0 : rc;
}
