/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A responder on the internet (RFC 7296 2.6, RFC 8019): what the engine
 * keeps to stay usable under a flood of IKE_SA_INIT requests.
 *
 * - dos.c: sources (an IPv4 address or an IPv6 /64) found by a keyed hash
 *   an attacker cannot aim collisions at; half-open SAs counted per source
 *   and in all, with a memory cap and eviction of the oldest SA of the
 *   busiest source; rate limits of unprotected replies.
 * - cookie.c: stateless COOKIEs, MACs with a secret that rotates on a fixed
 *   schedule (no timer).
 * - log_limit.c: per-packet log lines, at most one a second per class,
 *   then a summary of the rest.
 *
 * Internal to ike/; the daemon sees ike_engine_stats() and the options.
 */
#ifndef CONDUIT_IKE_DOS_H
#define CONDUIT_IKE_DOS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <uthash.h>

#include "ike/crypto_internal.h"
#include "ike/ike.h"
#include "ike/timer.h"

struct ike_engine;
struct ike_sa;
struct ike_half_open;

#define IKE_COOKIE_LEN 17	   /* generation octet + 16 octets of HMAC-SHA-256 */
#define IKE_COOKIE_PERIOD_MS 60000 /* a new secret every minute... */
#define IKE_COOKIE_GRACE_MS 10000  /* ...the old one still good this long */
/* Per-source reply counters, indexed by the keyed hash: sources sharing a
 * slot share a limit, so there are enough that a flood spread over many
 * spoofed addresses (30k/s) leaves each slot far below its limit, and a
 * legitimate peer keeps getting its COOKIE; 256 KiB. */
#define IKE_DOS_RATE_SLOTS 65536
#define IKE_LC_BITS 4096	   /* distinct sources of suppressed lines */
#define IKE_DOS_MAX_IP_BUCKETS 256 /* sources by half-open count, clamped */

/* One source of half-open SAs. */
struct ike_dos_src {
	UT_hash_handle hh;
	uint64_t key;			 /* keyed hash of the source */
	struct ike_addr addr;		 /* the first address seen (logs) */
	uint32_t n;			 /* its half-open SAs */
	TAILQ_HEAD(, ike_half_open) sas; /* oldest first */
	TAILQ_ENTRY(ike_dos_src) by_count;
	uint32_t bucket; /* which by_count list it is in */
};

TAILQ_HEAD(ike_dos_src_list, ike_dos_src);

struct ike_cookie_secret {
	bool valid;
	uint64_t period; /* now_ms / IKE_COOKIE_PERIOD_MS when made */
	/* HMAC-SHA-256 keyed once with the period's random secret (the key
	 * itself is not kept): each COOKIE restarts it from the key schedule
	 * instead of setting up a MAC per packet. Freed on rotation. */
	struct ike_mac mac;
};

struct ike_rate_slot {
	uint16_t second; /* low bits: only compared for equality */
	uint16_t count;	 /* saturates */
};

struct ike_lc_state {
	uint64_t last_ms;    /* when a line of this class was last logged */
	bool logged;	     /* one ever was */
	uint64_t suppressed; /* since then */
	uint64_t first_suppressed_ms;
	uint8_t seen[IKE_LC_BITS / 8];
};

struct ike_dos {
	uint64_t sip[2]; /* the hash key, random */
	struct ike_dos_src *sources;
	uint32_t n_sources;
	uint32_t n_buckets;
	struct ike_dos_src_list *by_count; /* [n_buckets], by half-open count */
	uint64_t half_open_bytes;
	struct ike_cookie_secret cookie_cur, cookie_old;
	struct ike_rate_slot rate_ip[IKE_DOS_RATE_SLOTS];
	uint32_t rate_all_second, rate_all_count;
	struct ike_lc_state lc[IKE_LC_COUNT];
	struct ike_timer t_lc; /* the summary of suppressed lines */
	struct ike_engine_stats st;
};

/* ---- dos.c ---- */
int ike_dos_init(struct ike_engine *e);
void ike_dos_free(struct ike_engine *e);
/* SipHash-2-4 with the engine's key. */
uint64_t ike_dos_hash(const struct ike_engine *e, const void *data, size_t len);
/* The keyed hash of a's source (IPv4 address, IPv6 /64). */
uint64_t ike_dos_src_key(const struct ike_engine *e, const struct ike_addr *a);
/* Half-open SAs from a's source now (nothing is allocated). */
uint32_t ike_dos_src_count(struct ike_engine *e, const struct ike_addr *a);
/* A responder's half-open SA enters or leaves the accounting (sa.c's
 * half-open table). bytes: what it holds. 0 or -ENOMEM. */
int ike_dos_half_open_add(struct ike_engine *e, struct ike_sa *sa, uint32_t bytes);
void ike_dos_half_open_del(struct ike_engine *e, struct ike_sa *sa);
/* Room for one more half-open SA of about bytes: evict the oldest SA of
 * the busiest source while the table or the memory is full. false: there
 * is no room (nothing left to evict). */
bool ike_dos_make_room(struct ike_engine *e, uint32_t bytes);
/* The one way a half-open responder SA goes without being established
 * (timed out, evicted): a quiet FAILED event, a debug line, and a count
 * in cls whose summary is logged at most once a second. */
void ike_half_open_drop(struct ike_engine *e, struct ike_sa *sa, enum ike_lc_class cls,
			const char *reason);
/* Whether an unprotected reply to remote may go now (and counts it):
 * per source, and in all unless it is a COOKIE. */
bool ike_dos_reply_allowed(struct ike_engine *e, const struct ike_addr *remote, bool cookie);

/* ---- cookie.c ---- */
/* Whether a COOKIE is required of a request from remote now. */
bool ike_cookie_required(struct ike_engine *e, const struct ike_addr *remote);
/* The COOKIE for these (out: IKE_COOKIE_LEN octets). 0, -EIO or -ENOMEM. */
int ike_cookie_make(struct ike_engine *e, uint64_t spi_i, const uint8_t *ni, size_t ni_len,
		    const struct ike_addr *remote, uint8_t out[IKE_COOKIE_LEN]);
/* Whether data is a COOKIE we made for these, with a secret still good. */
bool ike_cookie_valid(struct ike_engine *e, const uint8_t *data, size_t len, uint64_t spi_i,
		      const uint8_t *ni, size_t ni_len, const struct ike_addr *remote);
/* Free both secrets' MAC contexts (from ike_dos_free). */
void ike_cookie_free(struct ike_dos *d);

/* ---- log_limit.c ---- */
/* A per-packet event of class cls from src (may be NULL): counted; true
 * when the caller may log its line now (at most one a second per class;
 * a summary of those suppressed since goes out first). Summary-only
 * classes (EVICTED, EXPIRED) never return true. */
bool ike_lc(struct ike_engine *e, enum ike_lc_class cls, const struct ike_addr *src);
/* Log the summaries that are due (the engine's t_lc timer). */
void ike_lc_timer(struct ike_timer *t, void *ctx);

#endif
