/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A key-generation worker pool (conduitd --workers N): threads that keep a
 * small stock of key exchange key pairs for each group in use, made on
 * the other cores, which the engine takes through its environment's
 * dh_take instead of making one inline on the event loop.
 *
 * The engine stays single-threaded: only the main thread calls
 * dworkers_take(), and it never waits there. When the stock's lock is
 * busy or the stock is empty the answer is "make it yourself", so a burst
 * of handshakes is never slower than without the pool.
 *
 * A group is stocked once the engine has asked for it and only while the
 * configuration allows it (dworkers_set_groups, at load and reload): keys
 * of a group no longer allowed are wiped at once. Keys in stock are
 * secrets: ike_dh_free() cleanses them (at reload and at dworkers_free).
 */
#ifndef CONDUIT_DAEMON_WORKERS_H
#define CONDUIT_DAEMON_WORKERS_H

#include <stddef.h>
#include <stdint.h>

struct ike_dh;
struct dworkers;

#define DWORKERS_MAX 64
#define DWORKERS_STOCK_DEFAULT 32 /* key pairs per group; refilled below half */

struct dworkers_stats {
	unsigned int threads;
	unsigned int groups;  /* stocked (asked for and allowed) */
	uint64_t in_stock;    /* key pairs ready, all groups */
	uint64_t taken;	      /* handed to the engine */
	uint64_t inline_made; /* asked for with none ready: made by the engine */
	uint64_t made;	      /* by the workers (taken, in stock or wiped) */
	uint64_t failed;      /* key generation errors in the workers */
};

/*
 * Starts n worker threads (1 to DWORKERS_MAX) keeping up to per_group key
 * pairs of each group (0: DWORKERS_STOCK_DEFAULT). Call after any fork.
 * NULL with a message in err when the threads cannot be started.
 */
struct dworkers *dworkers_new(unsigned int n, unsigned int per_group, char *err, size_t err_len);

/*
 * The groups the configuration may use (IKE and ESP proposals): stocks of
 * every other group are wiped. A group of the list is stocked from the
 * first time it is asked for. Main thread only.
 */
void dworkers_set_groups(struct dworkers *w, const uint16_t *groups, size_t n);

/*
 * ike_env.dh_take, ctx the pool: 0 and a key pair of group (never handed
 * out before, now the caller's), or -EAGAIN (none ready, or the lock is
 * busy this instant) or -ENOENT (group not allowed). Never blocks. Main
 * thread only.
 */
int dworkers_take(void *ctx, uint16_t group, struct ike_dh **dh);

void dworkers_stats(struct dworkers *w, struct dworkers_stats *st);

/* Stops and joins the threads, wipes and frees every key. NULL is fine. */
void dworkers_free(struct dworkers *w);

/*
 * Adds the key exchange groups of a proposal string (IKE or ESP, as
 * ike_proposals_parse() takes it; NULL: the defaults of protocol) to
 * groups[*n], without duplicates, at most max. Strings that do not parse
 * add nothing (the configuration's checks have said why).
 */
void dworkers_groups_of(const char *proposals, uint8_t protocol, uint16_t *groups, size_t *n,
			size_t max);

#endif
