// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/trap.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include <uthash.h>

#include "daemon/log.h"
#include "daemon/policy.h"
#include "ike/ts.h"

#define NAME_LEN 64

struct trap_conn;

struct trap {
	char key[2 * NAME_LEN + 1]; /* "conn/child" */
	char child[NAME_LEN];
	struct trap_conn *conn;
	LIST_ENTRY(trap) entry; /* conn->traps */
	uint32_t reqid;
	uint32_t ike_sa_id; /* the initiate under way; 0: none */
	size_t n_pol, cap_pol;
	struct kif_policy *pol;
	UT_hash_handle hh; /* by key */
	UT_hash_handle hr; /* by reqid */
	UT_hash_handle hs; /* by ike_sa_id, while an initiate is under way */
};

struct trap_conn {
	char name[NAME_LEN];
	LIST_HEAD(, trap) traps;
	UT_hash_handle hh;
};

struct dtrap {
	struct kif *kif;
	struct trap *by_key, *by_reqid, *by_sa;
	struct trap_conn *conns;
	uint32_t next_reqid;
};

struct dtrap *dtrap_new(struct kif *kif)
{
	struct dtrap *t = calloc(1, sizeof(*t));

	if (t) {
		t->kif = kif;
		t->next_reqid = DTRAP_REQID_MIN;
	}
	return t;
}

static uint32_t reqid_alloc(struct dtrap *t)
{
	for (uint32_t n = 0; n <= KIF_REQID_MAX - DTRAP_REQID_MIN; n++) {
		uint32_t r = t->next_reqid;
		struct trap *tr;

		t->next_reqid = r >= KIF_REQID_MAX ? DTRAP_REQID_MIN : r + 1;
		HASH_FIND(hr, t->by_reqid, &r, sizeof(r), tr);
		if (!tr)
			return r;
	}
	return 0;
}

static void remove_policies(struct dtrap *t, struct trap *tr)
{
	for (size_t i = tr->n_pol; i-- > 0;) {
		int rc = kif_policy_delete(t->kif, &tr->pol[i]);

		if (rc && rc != -ENOENT)
			log_msg(LOG_LEVEL_WARN, "%s", kif_error(t->kif));
	}
	tr->n_pol = 0;
}

static int add_one(struct dtrap *t, struct trap *tr, const struct kif_policy *p, char *err,
		   size_t errlen)
{
	int rc;

	if (tr->n_pol >= DKERN_MAX_POLICIES) {
		snprintf(err, errlen, "more than %d policies", DKERN_MAX_POLICIES);
		return -E2BIG;
	}
	if (tr->n_pol == tr->cap_pol) {
		size_t cap = tr->cap_pol ? 2 * tr->cap_pol : 4;
		struct kif_policy *np = realloc(tr->pol, cap * sizeof(*np));

		if (!np) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		tr->pol = np;
		tr->cap_pol = cap;
	}
	rc = kif_policy_add(t->kif, p, false);
	if (rc == -EEXIST) {
		/* Another trapped child has the very same selectors: its
		 * trap serves this traffic (and initiates that child). */
		log_msg(LOG_LEVEL_WARN, "trap %s: %s (another trap has it)", tr->key,
			kif_error(t->kif));
		return 0;
	}
	if (rc) {
		snprintf(err, errlen, "%s", kif_error(t->kif));
		return rc;
	}
	tr->pol[tr->n_pol++] = *p;
	return 0;
}

struct pair_ctx {
	struct dtrap *t;
	struct trap *tr;
	const struct dkern_marks *marks;
	char *err;
	size_t errlen;
};

static int add_tagged(void *arg, struct kif_policy *p)
{
	struct pair_ctx *c = arg;

	p->sel.tag = DTRAP_TAG;
	p->priority_bias = DTRAP_PRIO_BIAS;
	if (c->marks && p->dir == KIF_DIR_OUT) {
		p->mark_value = c->marks->mark_out;
		p->mark_mask = c->marks->mark_out_mask;
		p->if_id = c->marks->if_id_out;
	} else if (c->marks) {
		p->mark_value = c->marks->mark_in;
		p->mark_mask = c->marks->mark_in_mask;
		p->if_id = c->marks->if_id_in;
	}
	return add_one(c->t, c->tr, p, c->err, c->errlen);
}

/* One local/remote selector pair, as daemon/kernel.c installs a child's
 * (daemon/policy.h), tagged and less preferred. */
static int add_pair(struct dtrap *t, struct trap *tr, const struct ike_conn_cfg *cfg,
		    enum ike_mode mode, const struct ike_ts *lt, const struct ike_ts *rt,
		    const struct dkern_marks *marks, char *err, size_t errlen)
{
	struct pair_ctx c = { .t = t, .tr = tr, .marks = marks, .err = err, .errlen = errlen };

	return dpolicy_foreach(mode, lt, rt, &cfg->local, &cfg->remote, tr->reqid, add_tagged, &c,
			       err, errlen);
}

static int resolve(const char *str, const struct ike_addr *addr, struct ike_ts *out, size_t *n,
		   const char *what, char *err, size_t errlen)
{
	struct ike_ts_conf conf[IKE_MAX_TS];
	char why[IKE_TS_ERR_LEN];
	size_t nc = 0;

	if (ike_ts_parse_list(str ? str : "dynamic", conf, IKE_MAX_TS, &nc, why, sizeof(why))) {
		snprintf(err, errlen, "%s: %s", what, why);
		return -EINVAL;
	}
	if (ike_ts_resolve(conf, nc, addr, out, IKE_MAX_TS, n) || !*n) {
		snprintf(err, errlen, "%s: \"dynamic\" needs the gateway's address", what);
		return -EINVAL;
	}
	return 0;
}

static int build(struct dtrap *t, struct trap *tr, const struct ike_conn_cfg *cfg,
		 const struct ike_child_cfg *child, const struct dkern_marks *marks, char *err,
		 size_t errlen)
{
	struct ike_ts lts[IKE_MAX_TS], rts[IKE_MAX_TS];
	size_t nl = 0, nr = 0;
	int rc;

	if (!cfg->remote.family) {
		snprintf(err, errlen, "no remote address to initiate to");
		return -EDESTADDRREQ;
	}
	if (child->mode == IKE_MODE_TUNNEL && cfg->local.family != cfg->remote.family) {
		snprintf(err, errlen, "no local address of the peer's family");
		return -EDESTADDRREQ;
	}
	rc = resolve(child->local_ts, &cfg->local, lts, &nl, "local_ts", err, errlen);
	if (!rc)
		rc = resolve(child->remote_ts, &cfg->remote, rts, &nr, "remote_ts", err, errlen);
	if (rc)
		return rc;
	for (size_t i = 0; i < nl && !rc; i++)
		for (size_t j = 0; j < nr && !rc; j++)
			rc =
			    add_pair(t, tr, cfg, child->mode, &lts[i], &rts[j], marks, err, errlen);
	if (!rc && !tr->n_pol) {
		snprintf(err, errlen, "the traffic selectors give no policy");
		rc = -EINVAL;
	}
	if (rc)
		remove_policies(t, tr);
	return rc;
}

static void trap_free(struct dtrap *t, struct trap *tr)
{
	remove_policies(t, tr);
	if (tr->ike_sa_id)
		HASH_DELETE(hs, t->by_sa, tr);
	HASH_DELETE(hh, t->by_key, tr);
	HASH_DELETE(hr, t->by_reqid, tr);
	LIST_REMOVE(tr, entry);
	free(tr->pol);
	free(tr);
}

int dtrap_install(struct dtrap *t, const struct ike_conn_cfg *cfg,
		  const struct ike_child_cfg *child, const struct dkern_marks *marks, char *err,
		  size_t errlen)
{
	struct trap_conn *tc;
	struct trap *tr;
	char key[sizeof(tr->key)];
	int rc;

	if (strnlen(cfg->name, NAME_LEN) >= NAME_LEN ||
	    strnlen(child->name, NAME_LEN) >= NAME_LEN) {
		snprintf(err, errlen, "name too long");
		return -EINVAL;
	}
	snprintf(key, sizeof(key), "%s/%s", cfg->name, child->name);
	HASH_FIND_STR(t->by_key, key, tr);
	if (tr)
		return 0;
	tr = calloc(1, sizeof(*tr));
	if (!tr) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	memcpy(tr->key, key, sizeof(key));
	strcpy(tr->child, child->name);
	tr->reqid = reqid_alloc(t);
	if (!tr->reqid) {
		free(tr);
		snprintf(err, errlen, "no free trap reqid");
		return -ENOSPC;
	}
	HASH_FIND_STR(t->conns, cfg->name, tc);
	if (!tc) {
		tc = calloc(1, sizeof(*tc));
		if (!tc) {
			free(tr);
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		strcpy(tc->name, cfg->name);
		LIST_INIT(&tc->traps);
		HASH_ADD_STR(t->conns, name, tc);
	}
	tr->conn = tc;
	LIST_INSERT_HEAD(&tc->traps, tr, entry);
	HASH_ADD_STR(t->by_key, key, tr);
	HASH_ADD(hr, t->by_reqid, reqid, sizeof(tr->reqid), tr);
	rc = build(t, tr, cfg, child, marks, err, errlen);
	if (rc) {
		trap_free(t, tr);
		if (LIST_EMPTY(&tc->traps)) {
			HASH_DEL(t->conns, tc);
			free(tc);
		}
		return rc;
	}
	log_msg(LOG_LEVEL_INFO, "%s: trap installed (%zu policies, reqid %08x)", tr->key, tr->n_pol,
		tr->reqid);
	return 0;
}

static void conn_free(struct dtrap *t, struct trap_conn *tc)
{
	struct trap *tr;

	while ((tr = LIST_FIRST(&tc->traps))) {
		log_msg(LOG_LEVEL_INFO, "%s: trap removed", tr->key);
		trap_free(t, tr);
	}
	HASH_DEL(t->conns, tc);
	free(tc);
}

void dtrap_remove_conn(struct dtrap *t, const char *conn)
{
	struct trap_conn *tc, *tmp;

	if (!t)
		return;
	if (conn) {
		HASH_FIND_STR(t->conns, conn, tc);
		if (tc)
			conn_free(t, tc);
		return;
	}
	HASH_ITER (hh, t->conns, tc, tmp)
		conn_free(t, tc);
}

void dtrap_free(struct dtrap *t)
{
	if (!t)
		return;
	dtrap_remove_conn(t, NULL);
	free(t);
}

int dtrap_acquire(struct dtrap *t, uint32_t reqid, const char **conn, const char **child)
{
	struct trap *tr;

	HASH_FIND(hr, t->by_reqid, &reqid, sizeof(reqid), tr);
	if (!tr || tr->ike_sa_id)
		return 0;
	*conn = tr->conn->name;
	*child = tr->child;
	return 1;
}

int dtrap_lookup(struct dtrap *t, uint32_t reqid, const char **conn, const char **child)
{
	struct trap *tr;

	HASH_FIND(hr, t->by_reqid, &reqid, sizeof(reqid), tr);
	if (!tr)
		return 0;
	*conn = tr->conn->name;
	*child = tr->child;
	return 1;
}

void dtrap_initiated(struct dtrap *t, uint32_t reqid, int ike_sa_id)
{
	struct trap *tr;

	HASH_FIND(hr, t->by_reqid, &reqid, sizeof(reqid), tr);
	if (!tr || tr->ike_sa_id || ike_sa_id <= 0)
		return;
	tr->ike_sa_id = (uint32_t)ike_sa_id;
	HASH_ADD(hs, t->by_sa, ike_sa_id, sizeof(tr->ike_sa_id), tr);
}

void dtrap_sa_done(struct dtrap *t, uint32_t ike_sa_id)
{
	struct trap *tr;

	if (!ike_sa_id)
		return;
	/* uthash keeps duplicate keys: take every trap that waited. */
	for (;;) {
		HASH_FIND(hs, t->by_sa, &ike_sa_id, sizeof(ike_sa_id), tr);
		if (!tr)
			return;
		HASH_DELETE(hs, t->by_sa, tr);
		tr->ike_sa_id = 0;
	}
}

unsigned int dtrap_count(const struct dtrap *t, unsigned int *n_policies)
{
	const struct trap *tr;
	unsigned int n = 0;

	for (tr = t->by_key; tr; tr = tr->hh.next)
		n += (unsigned int)tr->n_pol;
	if (n_policies)
		*n_policies = n;
	return HASH_CNT(hh, t->by_key);
}
