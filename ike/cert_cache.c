/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The engine's cache of peer certificates, by SHA-256 of their DER, least
 * recently used out (see cert.h): a CERT payload seen before is neither
 * parsed nor its public key decoded again.
 */
#include <stdlib.h>

#include <openssl/evp.h>

#include "ike/cert_internal.h"

struct ike_cert_cache {
	size_t max, n;
	struct ike_cert *by_fp;
	struct ike_cert *head, *tail; /* most recently used first */
	uint64_t hits, misses;
};

struct ike_cert_cache *ike_cert_cache_new(size_t max)
{
	struct ike_cert_cache *cc = calloc(1, sizeof(*cc));

	if (cc)
		cc->max = max ? max : IKE_CERT_CACHE_MAX;
	return cc;
}

static void lru_unlink(struct ike_cert_cache *cc, struct ike_cert *c)
{
	if (c->lru_prev)
		c->lru_prev->lru_next = c->lru_next;
	else
		cc->head = c->lru_next;
	if (c->lru_next)
		c->lru_next->lru_prev = c->lru_prev;
	else
		cc->tail = c->lru_prev;
	c->lru_prev = c->lru_next = NULL;
}

static void lru_push(struct ike_cert_cache *cc, struct ike_cert *c)
{
	c->lru_prev = NULL;
	c->lru_next = cc->head;
	if (cc->head)
		cc->head->lru_prev = c;
	cc->head = c;
	if (!cc->tail)
		cc->tail = c;
}

static void cache_drop(struct ike_cert_cache *cc, struct ike_cert *c)
{
	HASH_DEL(cc->by_fp, c);
	lru_unlink(cc, c);
	cc->n--;
	ike_cert_unref(c);
}

void ike_cert_cache_free(struct ike_cert_cache *cc)
{
	if (!cc)
		return;
	while (cc->head)
		cache_drop(cc, cc->head);
	free(cc);
}

struct ike_cert *ike_cert_cache_get(struct ike_cert_cache *cc, const uint8_t *der, size_t len,
				    const char **err)
{
	uint8_t fp[32];
	struct ike_cert *c;
	const char *dummy;

	if (!err)
		err = &dummy;
	if (!der || len == 0 || len > IKE_CERT_MAX_OCTETS) {
		*err = len ? "certificate too long" : "empty certificate";
		return NULL;
	}
	if (!EVP_Digest(der, len, fp, NULL, EVP_sha256(), NULL)) {
		*err = "SHA-256 failed";
		return NULL;
	}
	HASH_FIND(hh, cc->by_fp, fp, sizeof(fp), c);
	if (c) {
		cc->hits++;
		lru_unlink(cc, c);
		lru_push(cc, c);
		return ike_cert_ref(c);
	}
	cc->misses++;
	c = ike_cert_parse_der(der, len, err);
	if (!c)
		return NULL;
	HASH_ADD(hh, cc->by_fp, fp, sizeof(c->fp), c);
	lru_push(cc, c);
	cc->n++;
	while (cc->n > cc->max)
		cache_drop(cc, cc->tail);
	return ike_cert_ref(c);
}

size_t ike_cert_cache_size(const struct ike_cert_cache *cc)
{
	return cc->n;
}

void ike_cert_cache_stats(const struct ike_cert_cache *cc, uint64_t *hits, uint64_t *misses)
{
	*hits = cc->hits;
	*misses = cc->misses;
}
