/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The pre-shared key strongSwan would choose for two identities, from the
 * secrets indexed once per configuration (dcfg_psk_lookup). */
#include "config.h"

#include "daemon/dcfg.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "ike/id.h"

/*
 * How well a secret's ids match an identity, on strongSwan's scale
 * (enum ike_id_match): 20 an equal id, 19 a pattern with one wildcard
 * ("*@example.org"; a DN with n "*" values: 20 - n), 1 "%any" (a secret
 * without ids stands for %any), 0 none.
 */
enum {
	MATCH_NONE = IKE_ID_MATCH_NONE,
	MATCH_ANY = IKE_ID_MATCH_ANY,
	MATCH_PERFECT = IKE_ID_MATCH_PERFECT
};

/*
 * The secrets indexed by identity, built once per configuration (a
 * lookup per IKE_AUTH and per connection at load must not parse every
 * secret's ids: 10k users would make that 10^8 parses at load).
 */
struct psk_secret {
	const struct conf_secret *s;
	size_t n_ids;
	struct ike_id *ids; /* parsed; %any and unparsable ones left out */
	bool wildcard;	    /* no ids, or %any: everyone's (MATCH_ANY) */
	bool address;	    /* an IP address id: maybe ours when we have no id */
	bool pattern;	    /* an id with wildcards: matched, not looked up */
};

#define ID_KEY_MAX (3 + IKE_ID_MAX_LEN)

struct psk_by_id {
	UT_hash_handle hh;
	uint8_t key[ID_KEY_MAX]; /* id_key(): type, length, data */
	size_t n, cap;
	size_t *secrets; /* indexes, in file order */
};

struct psk_index {
	size_t n;
	struct psk_secret *v;
	struct psk_by_id *ids;
	size_t n_wild, n_addr, n_pat;
	size_t *wild, *addr, *pat; /* indexes of wildcard / address-id / pattern secrets */
};

/* The hash key of an identity: type, length (2 octets), data with letter
 * case folded as dcfg_id_equal() ignores it (ike_id_fold_key()); its
 * length varies with the identity's, so a 10-octet FQDN is not hashed as
 * 515 octets. */
static size_t id_key(const struct ike_id *id, uint8_t key[ID_KEY_MAX])
{
	return ike_id_fold_key(id->type, id->data, id->len, key);
}

static void psk_index_free(void *p)
{
	struct psk_index *x = p;
	struct psk_by_id *b, *tmp;

	if (!x)
		return;
	HASH_ITER (hh, x->ids, b, tmp) {
		HASH_DEL(x->ids, b);
		free(b->secrets);
		free(b);
	}
	for (size_t i = 0; i < x->n; i++)
		free(x->v[i].ids);
	free(x->v);
	free(x->wild);
	free(x->addr);
	free(x->pat);
	free(x);
}

static int push(size_t **v, size_t *n, size_t *cap, size_t i)
{
	if (*n == *cap) {
		size_t c = *cap ? 2 * *cap : 4;
		size_t *p = realloc(*v, c * sizeof(*p));

		if (!p)
			return -ENOMEM;
		*v = p;
		*cap = c;
	}
	(*v)[(*n)++] = i;
	return 0;
}

static struct psk_index *psk_index_build(const struct conf *conf)
{
	struct psk_index *x = calloc(1, sizeof(*x));
	const struct conf_secret *s;
	size_t cap_wild = 0, cap_addr = 0, cap_pat = 0, i = 0;

	if (!x || !(x->v = calloc(conf->n_secrets ? conf->n_secrets : 1, sizeof(*x->v))))
		goto fail;
	TAILQ_FOREACH (s, &conf->secrets, entry) {
		struct psk_secret *e = &x->v[i];

		e->s = s;
		e->wildcard = !s->n_ids;
		e->ids = calloc(s->n_ids ? s->n_ids : 1, sizeof(*e->ids));
		if (!e->ids)
			goto fail;
		for (size_t k = 0; k < s->n_ids; k++) {
			char err[DCFG_ERR_LEN];
			struct ike_id *id = &e->ids[e->n_ids];
			struct psk_by_id *b;
			uint8_t key[ID_KEY_MAX];
			size_t klen;

			if (!strcmp(s->ids[k].value, "%any")) {
				e->wildcard = true;
				continue;
			}
			if (dcfg_id_parse(s->ids[k].value, id, err, sizeof(err)))
				continue;
			e->n_ids++;
			if (id->type == IKE_ID_IPV4_ADDR || id->type == IKE_ID_IPV6_ADDR)
				e->address = true;
			/* "*@example.org" names no identity to look up by:
			 * such secrets are matched one by one (few, in
			 * practice: a pattern stands for many users). */
			if (ike_id_has_wildcards(id)) {
				e->pattern = true;
				continue;
			}
			klen = id_key(id, key);
			HASH_FIND(hh, x->ids, key, klen, b);
			if (!b) {
				b = calloc(1, sizeof(*b));
				if (!b)
					goto fail;
				memcpy(b->key, key, klen);
				HASH_ADD(hh, x->ids, key, klen, b);
			}
			if ((!b->n || b->secrets[b->n - 1] != i) &&
			    push(&b->secrets, &b->n, &b->cap, i))
				goto fail;
		}
		if ((e->wildcard && push(&x->wild, &x->n_wild, &cap_wild, i)) ||
		    ((e->wildcard || e->address) && push(&x->addr, &x->n_addr, &cap_addr, i)) ||
		    (e->pattern && push(&x->pat, &x->n_pat, &cap_pat, i)))
			goto fail;
		x->n = ++i;
	}
	return x;
fail:
	psk_index_free(x);
	return NULL;
}

/* The index of conf, built on first use and kept with it. */
static const struct psk_index *psk_index_of(const struct conf *conf)
{
	if (!conf->cache)
		return NULL;
	if (!conf->cache->data) {
		conf->cache->data = psk_index_build(conf);
		conf->cache->free = psk_index_free;
	}
	return conf->cache->data;
}

static const struct psk_by_id *psk_of_id(const struct psk_index *x, const struct ike_id *id)
{
	struct psk_by_id *b;
	uint8_t key[ID_KEY_MAX];
	size_t klen;

	if (!id || !id->type)
		return NULL;
	klen = id_key(id, key);
	HASH_FIND(hh, x->ids, key, klen, b);
	return b;
}

static int id_match(const struct psk_secret *e, const struct ike_id *want)
{
	int best = e->wildcard ? MATCH_ANY : MATCH_NONE;

	for (size_t i = 0; i < e->n_ids; i++) {
		int q;

		if (e->pattern && ike_id_has_wildcards(&e->ids[i]))
			q = ike_id_matches(&e->ids[i], want);
		else if (dcfg_id_equal(&e->ids[i], want))
			return MATCH_PERFECT;
		else
			continue;
		if (q > best)
			best = q;
	}
	return best;
}

struct best_psk {
	const struct psk_index *x;
	const struct ike_id *local, *remote;
	size_t best;
	int best_me, best_other;
};

/*
 * strongSwan's choice of a shared key: a secret applies when either
 * identity is among its ids (or it has none); of those, the best match of
 * the peer's identity wins, then the best match of ours, then the first in
 * the file. An identity not known here (no remote id: any peer; no local
 * id and no local address) is a wildcard every secret matches as %any, so
 * with no remote id ours alone decides.
 */
static void consider_psk(struct best_psk *b, size_t i)
{
	const struct psk_secret *e = &b->x->v[i];
	bool known = b->local && b->local->type;
	int me = known ? id_match(e, b->local) : MATCH_ANY;
	int other = id_match(e, b->remote);

	if ((known			   ? me
	     : (e->wildcard || e->address) ? MATCH_ANY
					   : MATCH_NONE) == MATCH_NONE &&
	    other == MATCH_NONE)
		return;
	if (other > b->best_other || (other == b->best_other && me > b->best_me) ||
	    (other == b->best_other && me == b->best_me && i < b->best)) {
		b->best = i;
		b->best_me = me;
		b->best_other = other;
	}
}

const struct conf_secret *dcfg_psk_lookup(const struct conf *conf, const struct ike_id *local_id,
					  const struct ike_id *remote_id)
{
	const struct psk_index *x = psk_index_of(conf);
	struct best_psk b = { x, local_id, remote_id, SIZE_MAX, -1, -1 };
	bool known = local_id && local_id->type;
	const struct psk_by_id *l, *r;

	if (!x || !x->n)
		return NULL;
	if (!remote_id || !remote_id->type) {
		/* Any peer: every secret matches it as %any, so ours decides:
		 * the first that names it, else the best pattern matching it,
		 * else the first for everyone, else the first of all. */
		l = known ? psk_of_id(x, local_id) : NULL;
		if (!known)
			return x->v[0].s;
		if (l && l->n)
			return x->v[l->secrets[0]].s;
		for (size_t i = 0; i < x->n_pat; i++) {
			int q = id_match(&x->v[x->pat[i]], local_id);

			if (q > b.best_me && q > MATCH_ANY) {
				b.best = x->pat[i];
				b.best_me = q;
			}
		}
		if (b.best != SIZE_MAX)
			return x->v[b.best].s;
		return x->n_wild ? x->v[x->wild[0]].s : x->v[0].s;
	}
	/* Only these can match either identity: the others are skipped by
	 * the rule above. And the peer's identity ranks first: secrets that
	 * name it beat all others, then those whose pattern matches it, then
	 * those for everyone (%any), then those that name only ours (or
	 * match ours with a pattern); so the first group with a match of
	 * the peer decides, patterns and %any ranked together. */
	r = psk_of_id(x, remote_id);
	l = known ? psk_of_id(x, local_id) : NULL;
	if (r && r->n) {
		for (size_t i = 0; i < r->n; i++)
			consider_psk(&b, r->secrets[i]);
		return x->v[b.best].s;
	}
	for (size_t i = 0; i < x->n_pat; i++)
		consider_psk(&b, x->pat[i]);
	for (size_t i = 0; i < x->n_wild; i++)
		consider_psk(&b, x->wild[i]);
	if (b.best != SIZE_MAX && b.best_other > MATCH_NONE)
		return x->v[b.best].s;
	/* none matches the peer: ours decides among those that match it */
	if (l && l->n)
		consider_psk(&b, l->secrets[0]);
	else if (!known && x->n_addr)
		consider_psk(&b, x->addr[0]);
	return b.best == SIZE_MAX ? NULL : x->v[b.best].s;
}

int dcfg_psk_copy(const struct conf *conf, const struct ike_id *local, const struct ike_id *remote,
		  uint8_t *key, size_t max, size_t *len)
{
	const struct conf_secret *s = dcfg_psk_lookup(conf, local, remote);

	if (!s)
		return -ENOKEY;
	if (s->key_len > max)
		return -EMSGSIZE;
	memcpy(key, s->key, s->key_len);
	*len = s->key_len;
	return 0;
}
