// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The key-generation worker pool (see workers.h).
 *
 * Why this is safe to run beside the engine: ike_dh_new() reads only the
 * group tables of ike/dh.c (a const array, and per-group primes, Montgomery
 * contexts and EC_GROUPs built once by ike_crypto_init(), which
 * dworkers_new() runs on the main thread before any thread starts, and
 * only read afterwards: BN_mod_exp_mont_consttime and EC_POINT_mul take
 * them as const), and allocates everything else per call (its BN_CTX, the
 * key). X25519/X448 keys are made with EVP_PKEY_new_raw_private_key_ex()
 * from OpenSSL 3.0's default library context, whose fetches are locked.
 * The random octets come from RAND_priv_bytes(), OpenSSL's per-thread
 * private DRBG. One ike_dh is only ever touched by one thread at a time:
 * a worker until it is in the stock, then the main thread.
 */
#define _GNU_SOURCE /* pthread_setname_np */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "daemon/workers.h"
#include "ike/crypto.h"
#include "ike/dh.h"
#include "ike/ike.h"
#include "ike/proposal.h"
#include "ike/types.h"

#define MAX_GROUPS 16 /* more than ike/dh.c supports */

struct stock {
	uint16_t group;
	bool allowed;		/* by the configuration */
	bool active;		/* asked for since it was allowed */
	bool filling;		/* below half: fill to the top */
	unsigned int n, making; /* in stock; being made by a worker */
	struct ike_dh **keys;	/* per_group slots; [0, n) ready */
};

struct dworkers {
	pthread_mutex_t lock;
	pthread_cond_t work; /* a stock wants keys, or stop */
	bool stop;
	unsigned int per_group;
	struct stock stocks[MAX_GROUPS];
	size_t n_stocks;
	uint64_t made, failed; /* under lock */
	/* main thread only */
	uint64_t taken, inline_made;
	unsigned int n_threads;
	pthread_t threads[DWORKERS_MAX];
};

static struct stock *stock_find(struct dworkers *w, uint16_t group)
{
	for (size_t i = 0; i < w->n_stocks; i++)
		if (w->stocks[i].group == group)
			return &w->stocks[i];
	return NULL;
}

static void stock_wipe(struct stock *s)
{
	for (unsigned int i = 0; i < s->n; i++) {
		ike_dh_free(s->keys[i]);
		s->keys[i] = NULL;
	}
	s->n = 0;
}

/* A stock a worker should add to, under lock; NULL: none. */
static struct stock *stock_wanting(struct dworkers *w)
{
	for (size_t i = 0; i < w->n_stocks; i++) {
		struct stock *s = &w->stocks[i];

		if (s->active && s->filling && s->n + s->making < w->per_group)
			return s;
	}
	return NULL;
}

static void *worker(void *arg)
{
	struct dworkers *w = arg;
	uint8_t rnd[1024];

	pthread_mutex_lock(&w->lock);
	while (!w->stop) {
		struct stock *s = stock_wanting(w);
		struct ike_dh *dh = NULL;
		uint16_t group;
		size_t len;
		int rc = -EIO;

		if (!s) {
			pthread_cond_wait(&w->work, &w->lock);
			continue;
		}
		group = s->group;
		s->making++;
		pthread_mutex_unlock(&w->lock);

		len = ike_dh_random_len(group);
		if (len && len <= sizeof(rnd) && RAND_priv_bytes(rnd, (int)len) == 1)
			rc = ike_dh_new(&dh, group, rnd, len);
		OPENSSL_cleanse(rnd, sizeof(rnd));

		pthread_mutex_lock(&w->lock);
		/* the stocks array never moves or shrinks: s is still group's */
		s->making--;
		if (rc) {
			w->failed++;
			/* do not spin on a group that cannot be made */
			s->active = false;
		} else {
			w->made++;
			if (s->active && s->n < w->per_group) {
				s->keys[s->n++] = dh;
				dh = NULL;
			}
		}
		if (s->n >= w->per_group)
			s->filling = false;
		if (dh) {
			/* wiped (reload) or full meanwhile */
			pthread_mutex_unlock(&w->lock);
			ike_dh_free(dh);
			pthread_mutex_lock(&w->lock);
		}
	}
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

struct dworkers *dworkers_new(unsigned int n, unsigned int per_group, char *err, size_t err_len)
{
	struct dworkers *w;
	sigset_t all, old;
	int rc;

	if (!n || n > DWORKERS_MAX) {
		snprintf(err, err_len, "--workers: 0 to %u threads", DWORKERS_MAX);
		return NULL;
	}
	/* the group tables, before any thread reads them */
	if (ike_crypto_init()) {
		snprintf(err, err_len, "key pool: OpenSSL's algorithms are not available");
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w) {
		snprintf(err, err_len, "key pool: out of memory");
		return NULL;
	}
	w->per_group = per_group ? per_group : DWORKERS_STOCK_DEFAULT;
	pthread_mutex_init(&w->lock, NULL);
	pthread_cond_init(&w->work, NULL);
	/* signals stay with the event loop's thread */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	for (unsigned int i = 0; i < n; i++) {
		rc = pthread_create(&w->threads[i], NULL, worker, w);
		if (rc) {
			snprintf(err, err_len, "key pool: cannot start thread %u of %u: %s", i + 1,
				 n, strerror(rc));
			break;
		}
		w->n_threads++;
		/* for top -H and ps -L: which threads these are */
		pthread_setname_np(w->threads[i], "conduitd-keys");
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (w->n_threads < n) {
		dworkers_free(w);
		return NULL;
	}
	return w;
}

void dworkers_set_groups(struct dworkers *w, const uint16_t *groups, size_t n)
{
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < w->n_stocks; i++)
		w->stocks[i].allowed = false;
	for (size_t j = 0; j < n; j++) {
		struct stock *s = stock_find(w, groups[j]);

		if (!s && ike_dh_random_len(groups[j]) && w->n_stocks < MAX_GROUPS) {
			struct ike_dh **keys = calloc(w->per_group, sizeof(*keys));

			if (!keys)
				continue; /* that group is made inline */
			s = &w->stocks[w->n_stocks++];
			s->group = groups[j];
			s->keys = keys;
		}
		if (s)
			s->allowed = true;
	}
	for (size_t i = 0; i < w->n_stocks; i++) {
		struct stock *s = &w->stocks[i];

		if (!s->allowed) {
			/* a worker making one frees it when it sees this */
			s->active = s->filling = false;
			stock_wipe(s);
		}
	}
	pthread_mutex_unlock(&w->lock);
}

int dworkers_take(void *ctx, uint16_t group, struct ike_dh **dh)
{
	struct dworkers *w = ctx;
	struct stock *s;
	int rc = -EAGAIN;

	/* never wait for a worker: it holds the lock only to move a
	 * pointer, and when it does, making the key here is no slower */
	if (pthread_mutex_trylock(&w->lock)) {
		w->inline_made++;
		return -EAGAIN;
	}
	s = stock_find(w, group);
	if (!s || !s->allowed) {
		rc = -ENOENT;
	} else {
		if (s->n) {
			*dh = s->keys[--s->n];
			s->keys[s->n] = NULL;
			rc = 0;
		}
		if (!s->active || (!s->filling && s->n < w->per_group / 2)) {
			/* every worker helps: this happens once per half stock */
			s->active = s->filling = true;
			pthread_cond_broadcast(&w->work);
		}
	}
	pthread_mutex_unlock(&w->lock);
	if (rc)
		w->inline_made++;
	else
		w->taken++;
	return rc;
}

void dworkers_stats(struct dworkers *w, struct dworkers_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (!w)
		return;
	st->threads = w->n_threads;
	st->taken = w->taken;
	st->inline_made = w->inline_made;
	pthread_mutex_lock(&w->lock);
	for (size_t i = 0; i < w->n_stocks; i++) {
		st->in_stock += w->stocks[i].n;
		st->groups += w->stocks[i].active;
	}
	st->made = w->made;
	st->failed = w->failed;
	pthread_mutex_unlock(&w->lock);
}

void dworkers_free(struct dworkers *w)
{
	if (!w)
		return;
	pthread_mutex_lock(&w->lock);
	w->stop = true;
	pthread_cond_broadcast(&w->work);
	pthread_mutex_unlock(&w->lock);
	for (unsigned int i = 0; i < w->n_threads; i++)
		pthread_join(w->threads[i], NULL);
	for (size_t i = 0; i < w->n_stocks; i++) {
		stock_wipe(&w->stocks[i]);
		free(w->stocks[i].keys);
	}
	pthread_cond_destroy(&w->work);
	pthread_mutex_destroy(&w->lock);
	free(w);
}

void dworkers_groups_of(const char *proposals, uint8_t protocol, uint16_t *groups, size_t *n,
			size_t max)
{
	struct ike_proposal *p = calloc(IKE_MAX_PROPOSALS, sizeof(*p));
	size_t n_p = 0;
	int rc;

	if (!p)
		return;
	if (proposals) {
		rc = ike_proposals_parse(proposals, protocol, p, IKE_MAX_PROPOSALS, &n_p, NULL, 0);
	} else {
		rc = ike_proposals_default(protocol, p, IKE_MAX_PROPOSALS);
		n_p = rc > 0 ? (size_t)rc : 0;
	}
	if (rc < 0) {
		free(p);
		return;
	}
	for (size_t i = 0; i < n_p; i++)
		for (size_t t = 0; t < p[i].n_transforms; t++) {
			const struct ike_transform *tr = &p[i].transforms[t];
			size_t k = 0;

			if (tr->type != IKE_TRANS_DH || !tr->id)
				continue;
			while (k < *n && groups[k] != tr->id)
				k++;
			if (k == *n && *n < max)
				groups[(*n)++] = tr->id;
		}
	free(p);
}
