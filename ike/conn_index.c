// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Finding the connections for a peer without walking them all.
 *
 * A responder serving many peers has many connections that differ only by
 * the peer's identity (remote_addrs = %any, one remote.id each). Choosing
 * one looked at every connection twice per handshake (IKE_SA_INIT by
 * address, IKE_AUTH by identity): O(connections) per new SA.
 *
 * Connections are grouped by their addresses (local/remote, addrs and
 * ranges: what ike_conn_addr_score() reads), so a group scores alike for
 * any peer. Groups with one remote host are found by that address, the
 * others (ranges, %any) are walked: there are as many as distinct address
 * configurations, not connections. Inside a group, connections with an
 * exact remote identity are found by it (its letter case folded, see
 * ike_id_fold_key()); those accepting any identity, or a pattern with
 * wildcards ("*.example.org", "C=CH, O=x, CN=*"), are listed apart.
 * Configuration order decides among equals, as before: a connection's seq
 * is the order it was added in.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ike/engine.h"
#include "ike/sa.h"

struct ike_conn_idb {
	UT_hash_handle hh; /* group->by_id */
	TAILQ_HEAD(, ike_conn) conns;
	size_t klen;
	uint8_t key[]; /* type, length (2 octets), identity */
};

struct ike_conn_group {
	UT_hash_handle hh; /* engine->conn_groups, by sig */
	TAILQ_ENTRY(ike_conn_group) entry; /* its remote bucket's, or groups_any */
	struct ike_remote_bucket *bucket;  /* NULL: in groups_any */
	TAILQ_HEAD(, ike_conn) conns;	   /* every one, configuration order */
	TAILQ_HEAD(, ike_conn) any_id;	   /* those accepting any identity or a pattern */
	struct ike_conn_idb *by_id;
	size_t n_certreq; /* connections that may check a peer's certificate */
	size_t sig_len;
	uint8_t sig[];
};

struct ike_remote_bucket {
	UT_hash_handle hh; /* engine->remote_buckets */
	uint8_t key[17];
	TAILQ_HEAD(, ike_conn_group) groups;
};

static size_t ip_len(uint8_t family)
{
	return family == AF_INET6 ? 16 : 4;
}

static uint8_t *put(uint8_t *p, const void *v, size_t n)
{
	memcpy(p, v, n);
	return p + n;
}

/* What ike_conn_addr_score() reads of c, as octets. */
static uint8_t *make_sig(const struct ike_conn *c, size_t *len)
{
	size_t nl = c->cfg.n_local_addrs, nr = c->cfg.n_remote_addrs;
	size_t n = 2 * (sizeof(size_t) + 17) + (nl + nr) * sizeof(struct ike_addr_range);
	uint8_t *sig = calloc(1, n), *p = sig;

	if (!sig)
		return NULL;
	p = put(p, &nr, sizeof(nr));
	if (nr)
		p = put(p, c->remote_addrs, nr * sizeof(*c->remote_addrs));
	p = put(p, &c->cfg.remote.family, 1);
	p = put(p, c->cfg.remote.ip, ip_len(c->cfg.remote.family));
	p = put(p, &nl, sizeof(nl));
	if (nl)
		p = put(p, c->local_addrs, nl * sizeof(*c->local_addrs));
	p = put(p, &c->cfg.local.family, 1);
	p = put(p, c->cfg.local.ip, ip_len(c->cfg.local.family));
	*len = (size_t)(p - sig);
	return sig;
}

/* Identities that match perfectly share a key (letter case folded as
 * ike_id_matches() ignores it); patterns are not keyed at all. */
static size_t id_key(uint8_t type, const uint8_t *data, size_t len, uint8_t *key)
{
	return ike_id_fold_key(type, data, len, key);
}

static struct ike_conn_group *group_get(struct ike_engine *e, const struct ike_conn *c)
{
	struct ike_conn_group *g;
	size_t len;
	uint8_t *sig = make_sig(c, &len);

	if (!sig)
		return NULL;
	HASH_FIND(hh, e->conn_groups, sig, len, g);
	if (g) {
		free(sig);
		return g;
	}
	g = calloc(1, sizeof(*g) + len);
	if (!g) {
		free(sig);
		return NULL;
	}
	memcpy(g->sig, sig, len);
	g->sig_len = len;
	free(sig);
	TAILQ_INIT(&g->conns);
	TAILQ_INIT(&g->any_id);
	if (c->hashed) {
		struct ike_remote_bucket *b;

		HASH_FIND(hh, e->remote_buckets, c->remote_key, sizeof(c->remote_key), b);
		if (!b) {
			b = calloc(1, sizeof(*b));
			if (!b) {
				free(g);
				return NULL;
			}
			memcpy(b->key, c->remote_key, sizeof(b->key));
			TAILQ_INIT(&b->groups);
			HASH_ADD(hh, e->remote_buckets, key, sizeof(b->key), b);
		}
		g->bucket = b;
		TAILQ_INSERT_TAIL(&b->groups, g, entry);
	} else {
		TAILQ_INSERT_TAIL(&e->groups_any, g, entry);
	}
	HASH_ADD_KEYPTR(hh, e->conn_groups, g->sig, g->sig_len, g);
	return g;
}

static void group_put(struct ike_engine *e, struct ike_conn_group *g)
{
	if (!TAILQ_EMPTY(&g->conns))
		return;
	HASH_DELETE(hh, e->conn_groups, g);
	if (g->bucket) {
		TAILQ_REMOVE(&g->bucket->groups, g, entry);
		if (TAILQ_EMPTY(&g->bucket->groups)) {
			HASH_DELETE(hh, e->remote_buckets, g->bucket);
			free(g->bucket);
		}
	} else {
		TAILQ_REMOVE(&e->groups_any, g, entry);
	}
	free(g);
}

int ike_conn_index_add(struct ike_engine *e, struct ike_conn *c)
{
	struct ike_conn_group *g = group_get(e, c);
	const struct ike_id *rid = &c->cfg.remote_id;

	if (!g)
		return -ENOMEM;
	if (rid->type && !ike_id_has_wildcards(rid)) {
		uint8_t key[3 + sizeof(rid->data)];
		size_t klen = id_key(rid->type, rid->data, rid->len, key);
		struct ike_conn_idb *b;

		HASH_FIND(hh, g->by_id, key, klen, b);
		if (!b) {
			b = calloc(1, sizeof(*b) + klen);
			if (!b) {
				group_put(e, g);
				return -ENOMEM;
			}
			memcpy(b->key, key, klen);
			b->klen = klen;
			TAILQ_INIT(&b->conns);
			HASH_ADD_KEYPTR(hh, g->by_id, b->key, b->klen, b);
		}
		c->idb = b;
		TAILQ_INSERT_TAIL(&b->conns, c, id_entry);
	} else {
		c->idb = NULL;
		TAILQ_INSERT_TAIL(&g->any_id, c, id_entry);
	}
	c->grp = g;
	if (ike_conn_wants_certreq(c))
		g->n_certreq++;
	c->seq = ++e->conn_seq;
	TAILQ_INSERT_TAIL(&g->conns, c, grp_entry);
	return 0;
}

void ike_conn_index_remove(struct ike_engine *e, struct ike_conn *c)
{
	struct ike_conn_group *g = c->grp;

	if (!g)
		return;
	if (c->idb) {
		TAILQ_REMOVE(&c->idb->conns, c, id_entry);
		if (TAILQ_EMPTY(&c->idb->conns)) {
			HASH_DELETE(hh, g->by_id, c->idb);
			free(c->idb);
		}
		c->idb = NULL;
	} else {
		TAILQ_REMOVE(&g->any_id, c, id_entry);
	}
	TAILQ_REMOVE(&g->conns, c, grp_entry);
	if (ike_conn_wants_certreq(c))
		g->n_certreq--;
	c->grp = NULL;
	group_put(e, g);
}

/* Calls fn for each group a peer at these addresses may use, with its
 * score (hashed groups first, as the order among equals). */
static void foreach_group(struct ike_engine *e, const struct ike_addr *local,
			  const struct ike_addr *remote,
			  void (*fn)(void *arg, struct ike_conn_group *g, int score, int class),
			  void *arg)
{
	uint8_t key[17] = { 0 };
	struct ike_remote_bucket *b;
	struct ike_conn_group *g;
	int score;

	key[0] = remote->family;
	memcpy(key + 1, remote->ip, ip_len(remote->family));
	HASH_FIND(hh, e->remote_buckets, key, sizeof(key), b);
	if (b)
		TAILQ_FOREACH (g, &b->groups, entry)
			if ((score = ike_conn_addr_score(TAILQ_FIRST(&g->conns), local, remote)))
				fn(arg, g, score, 0);
	TAILQ_FOREACH (g, &e->groups_any, entry)
		if ((score = ike_conn_addr_score(TAILQ_FIRST(&g->conns), local, remote)))
			fn(arg, g, score, 1);
}

/* Before: hashed connections first, then configuration order. */
static bool before(int class_a, const struct ike_conn *a, int class_b, const struct ike_conn *b)
{
	return class_a != class_b ? class_a < class_b : a->seq < b->seq;
}

struct best {
	struct ike_conn *c;
	int score, class;
};

static void keep_best(void *arg, struct ike_conn_group *g, int score, int class)
{
	struct best *b = arg;
	struct ike_conn *first = TAILQ_FIRST(&g->conns);

	if (score > b->score || (score == b->score && before(class, first, b->class, b->c))) {
		b->c = first;
		b->score = score;
		b->class = class;
	}
}

struct ike_conn *ike_conn_for_peer(struct ike_engine *e, const struct ike_addr *local,
				   const struct ike_addr *remote)
{
	struct best b = { NULL, 0, 0 };

	foreach_group(e, local, remote, keep_best, &b);
	return b.c;
}

struct cand {
	struct ike_conn *c;
	int score, class;
};

struct cands {
	struct cand *v;
	size_t n, cap;
	bool oom;
	const uint8_t *key; /* the identity's index key */
	size_t klen;
	bool named_only; /* only connections naming an identity (for logs) */
	size_t max;
};

static void push(struct cands *cs, struct ike_conn *c, int score, int class)
{
	if (cs->n == cs->cap) {
		size_t cap = cs->cap ? 2 * cs->cap : 16;
		struct cand *v = realloc(cs->v, cap * sizeof(*v));

		if (!v) {
			cs->oom = true;
			return;
		}
		cs->v = v;
		cs->cap = cap;
	}
	cs->v[cs->n++] = (struct cand){ c, score, class };
}

static void collect(void *arg, struct ike_conn_group *g, int score, int class)
{
	struct cands *cs = arg;
	struct ike_conn_idb *b;
	struct ike_conn *c;

	if (cs->named_only) {
		for (b = g->by_id; b && cs->n < cs->max; b = b->hh.next)
			push(cs, TAILQ_FIRST(&b->conns), score, class);
		return;
	}
	HASH_FIND(hh, g->by_id, cs->key, cs->klen, b);
	if (b)
		TAILQ_FOREACH (c, &b->conns, id_entry)
			push(cs, c, score, class);
	TAILQ_FOREACH (c, &g->any_id, id_entry)
		push(cs, c, score, class);
}

static int cand_cmp(const void *x, const void *y)
{
	const struct cand *a = x, *b = y;

	if (a->class != b->class)
		return a->class - b->class;
	return a->c->seq < b->c->seq ? -1 : a->c->seq > b->c->seq;
}

static void call_sorted(struct cands *cs, int (*fn)(void *arg, struct ike_conn *c, int score),
			void *arg)
{
	if (cs->n)
		qsort(cs->v, cs->n, sizeof(*cs->v), cand_cmp);
	for (size_t i = 0; i < cs->n; i++)
		if (fn(arg, cs->v[i].c, cs->v[i].score))
			break;
	free(cs->v);
}

int ike_conn_foreach_for_peer_id(struct ike_engine *e, const struct ike_addr *local,
				 const struct ike_addr *remote, uint8_t id_type,
				 const uint8_t *id, size_t id_len,
				 int (*fn)(void *arg, struct ike_conn *c, int score), void *arg)
{
	uint8_t key[3 + sizeof(((struct ike_id *)0)->data)];
	struct cands cs = { .key = key };

	if (id_len > sizeof(((struct ike_id *)0)->data))
		id_len = 0, id_type = 0; /* no connection names one that long */
	cs.klen = id_key(id_type, id, id_len, key);
	foreach_group(e, local, remote, collect, &cs);
	if (cs.oom) {
		free(cs.v);
		return -ENOMEM;
	}
	call_sorted(&cs, fn, arg);
	return 0;
}

void ike_conn_foreach_named(struct ike_engine *e, const struct ike_addr *local,
			    const struct ike_addr *remote, size_t max,
			    int (*fn)(void *arg, struct ike_conn *c, int score), void *arg)
{
	struct cands cs = { .named_only = true, .max = max };

	foreach_group(e, local, remote, collect, &cs);
	call_sorted(&cs, fn, arg);
}

bool ike_conn_wants_certreq(const struct ike_conn *c)
{
	return c->cfg.remote_auth.method != IKE_AUTH_PSK && !c->cfg.no_certreq;
}

static void any_certreq(void *arg, struct ike_conn_group *g, int score, int class)
{
	(void)score;
	(void)class;
	if (g->n_certreq)
		*(bool *)arg = true;
}

bool ike_conn_certreq_for(struct ike_engine *e, const struct ike_addr *local,
			  const struct ike_addr *remote)
{
	bool any = false;

	foreach_group(e, local, remote, any_certreq, &any);
	return any;
}

void ike_conn_index_init(struct ike_engine *e)
{
	TAILQ_INIT(&e->groups_any);
}
