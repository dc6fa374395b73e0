// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Per-source accounting of half-open responder SAs, their eviction, and the
 * rate limits of unprotected replies (RFC 8019 sections 4.1 and 5). See
 * dos.h.
 *
 * Sources are found by SipHash-2-4 of the address under a random key: an
 * attacker who picks spoofed addresses cannot pick colliding ones, so every
 * lookup stays O(1). Memory is bounded: sources exist only while they hold
 * half-open SAs (at most half_open_max of them), and the per-source reply
 * counters are a fixed table indexed by the same hash (two sources that
 * share a slot share a limit, which only makes the limit stricter).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include "ike/dos.h"
#include "ike/engine.h"

/* ---- SipHash-2-4 (Aumasson, Bernstein) ---- */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

#define SIPROUND                                                                                   \
	do {                                                                                       \
		v0 += v1;                                                                          \
		v1 = ROTL(v1, 13);                                                                 \
		v1 ^= v0;                                                                          \
		v0 = ROTL(v0, 32);                                                                 \
		v2 += v3;                                                                          \
		v3 = ROTL(v3, 16);                                                                 \
		v3 ^= v2;                                                                          \
		v0 += v3;                                                                          \
		v3 = ROTL(v3, 21);                                                                 \
		v3 ^= v0;                                                                          \
		v2 += v1;                                                                          \
		v1 = ROTL(v1, 17);                                                                 \
		v1 ^= v2;                                                                          \
		v2 = ROTL(v2, 32);                                                                 \
	} while (0)

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

uint64_t ike_dos_hash(const struct ike_engine *e, const void *data, size_t len)
{
	const uint8_t *in = data;
	uint64_t k0 = e->dos->sip[0], k1 = e->dos->sip[1];
	uint64_t v0 = 0x736f6d6570736575ULL ^ k0, v1 = 0x646f72616e646f6dULL ^ k1;
	uint64_t v2 = 0x6c7967656e657261ULL ^ k0, v3 = 0x7465646279746573ULL ^ k1;
	uint64_t b = (uint64_t)len << 56, m;
	size_t i, left = len & 7;

	for (i = 0; i + 8 <= len; i += 8) {
		m = le64(in + i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (size_t j = 0; j < left; j++)
		b |= (uint64_t)in[i + j] << (8 * j);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

uint64_t ike_dos_src_key(const struct ike_engine *e, const struct ike_addr *a)
{
	uint8_t k[9];
	size_t n = 1;

	/* RFC 8019 4.1 suggests per-address limits; an IPv6 host usually
	 * has a whole /64 to spoof from, so that is one source. */
	k[0] = a->family;
	if (a->family == AF_INET6) {
		memcpy(k + 1, a->ip, 8);
		n += 8;
	} else {
		memcpy(k + 1, a->ip, 4);
		n += 4;
	}
	return ike_dos_hash(e, k, n);
}

/* ---- life ---- */

static uint32_t opt(uint32_t v, uint32_t dflt)
{
	return v == IKE_OPT_ZERO ? 0 : v ? v : dflt;
}

int ike_dos_init(struct ike_engine *e)
{
	struct ike_dos *d = calloc(1, sizeof(*d));
	struct ike_engine_opts *o = &e->opts;
	uint32_t nb;

	if (!d)
		return -ENOMEM;
	e->dos = d;
	e->env.random(e->env.ctx, (uint8_t *)d->sip, sizeof(d->sip));
	o->half_open_max = opt(o->half_open_max, 1000);
	o->half_open_max_ip = opt(o->half_open_max_ip, 5);
	o->half_open_timeout_ms = opt(o->half_open_timeout_ms, 30000);
	o->half_open_memory = opt(o->half_open_memory, 16u << 20);
	o->cookie_threshold = opt(o->cookie_threshold, 30);
	o->cookie_threshold_ip = opt(o->cookie_threshold_ip, 3);
	o->reply_rate = opt(o->reply_rate, 1000);
	o->reply_rate_ip = opt(o->reply_rate_ip, 10);
	/* sources by how many half-open SAs they hold (0 to max_ip, the
	 * last list also holding any above), for eviction in O(max_ip) */
	nb = o->half_open_max_ip < IKE_DOS_MAX_IP_BUCKETS ? o->half_open_max_ip + 1
							  : IKE_DOS_MAX_IP_BUCKETS;
	d->n_buckets = nb < 2 ? 2 : nb;
	d->by_count = calloc(d->n_buckets, sizeof(*d->by_count));
	if (!d->by_count) {
		free(d);
		e->dos = NULL;
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < d->n_buckets; i++)
		TAILQ_INIT(&d->by_count[i]);
	ike_timer_init(&d->t_lc, ike_lc_timer);
	return 0;
}

void ike_dos_free(struct ike_engine *e)
{
	struct ike_dos *d = e->dos;
	struct ike_dos_src *s, *tmp;

	if (!d)
		return;
	/* the SAs are gone already (ike_engine_free frees them first) */
	HASH_ITER (hh, d->sources, s, tmp) {
		HASH_DEL(d->sources, s);
		free(s);
	}
	ike_timer_disarm(e, &d->t_lc);
	ike_cookie_free(d);
	free(d->by_count);
	OPENSSL_cleanse(d->sip, sizeof(d->sip));
	free(d);
	e->dos = NULL;
}

/* ---- half-open SAs by source ---- */

static void src_rebucket(struct ike_dos *d, struct ike_dos_src *s)
{
	uint32_t b = s->n < d->n_buckets ? s->n : d->n_buckets - 1;

	if (b == s->bucket)
		return;
	TAILQ_REMOVE(&d->by_count[s->bucket], s, by_count);
	s->bucket = b;
	TAILQ_INSERT_TAIL(&d->by_count[b], s, by_count);
}

static struct ike_dos_src *src_find(struct ike_engine *e, const struct ike_addr *a)
{
	uint64_t key = ike_dos_src_key(e, a);
	struct ike_dos_src *s;

	HASH_FIND(hh, e->dos->sources, &key, sizeof(key), s);
	return s;
}

uint32_t ike_dos_src_count(struct ike_engine *e, const struct ike_addr *a)
{
	struct ike_dos_src *s = src_find(e, a);

	return s ? s->n : 0;
}

int ike_dos_half_open_add(struct ike_engine *e, struct ike_sa *sa, uint32_t bytes)
{
	struct ike_dos *d = e->dos;
	struct ike_half_open *ho = sa->ho;
	struct ike_dos_src *s = src_find(e, &sa->remote);

	if (!s) {
		s = calloc(1, sizeof(*s));
		if (!s)
			return -ENOMEM;
		s->key = ike_dos_src_key(e, &sa->remote);
		s->addr = sa->remote;
		TAILQ_INIT(&s->sas);
		s->bucket = 0;
		TAILQ_INSERT_TAIL(&d->by_count[0], s, by_count);
		HASH_ADD(hh, d->sources, key, sizeof(s->key), s);
		d->n_sources++;
	}
	s->n++;
	src_rebucket(d, s);
	TAILQ_INSERT_TAIL(&s->sas, ho, src_entry);
	ho->src = s;
	ho->bytes = bytes;
	d->half_open_bytes += bytes;
	return 0;
}

void ike_dos_half_open_del(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_dos *d = e->dos;
	struct ike_half_open *ho = sa->ho;
	struct ike_dos_src *s = ho ? ho->src : NULL;

	if (!s)
		return;
	TAILQ_REMOVE(&s->sas, ho, src_entry);
	ho->src = NULL;
	d->half_open_bytes -= ho->bytes;
	s->n--;
	if (s->n) {
		src_rebucket(d, s);
		return;
	}
	TAILQ_REMOVE(&d->by_count[s->bucket], s, by_count);
	HASH_DEL(d->sources, s);
	d->n_sources--;
	free(s);
}

/* The oldest half-open SA of the source holding the most. */
static struct ike_sa *eviction_victim(struct ike_dos *d)
{
	for (uint32_t b = d->n_buckets; b-- > 1;) {
		struct ike_dos_src *s = TAILQ_FIRST(&d->by_count[b]);

		if (s && TAILQ_FIRST(&s->sas))
			return TAILQ_FIRST(&s->sas)->sa;
	}
	return NULL;
}

bool ike_dos_make_room(struct ike_engine *e, uint32_t bytes)
{
	struct ike_dos *d = e->dos;

	while (e->n_half_open >= e->opts.half_open_max ||
	       d->half_open_bytes + bytes > e->opts.half_open_memory) {
		struct ike_sa *victim = eviction_victim(d);

		if (!victim)
			return false;
		ike_half_open_drop(e, victim, IKE_LC_EVICTED,
				   "evicted to make room for a new half-open IKE SA");
	}
	return true;
}

void ike_half_open_drop(struct ike_engine *e, struct ike_sa *sa, enum ike_lc_class cls,
			const char *reason)
{
	ike_lc(e, cls, &sa->remote);
	ike_log_sa(e, IKE_LOG_DEBUG, sa, "half-open IKE SA dropped: %s", reason);
	ike_event_failed_quiet(e, sa, reason);
	ike_sa_free(e, sa);
}

/* ---- unprotected replies ---- */

static bool rate_take(struct ike_rate_slot *s, uint32_t second, uint32_t limit)
{
	if (s->second != (uint16_t)second) {
		s->second = (uint16_t)second;
		s->count = 0;
	}
	return s->count < limit;
}

static void rate_count(struct ike_rate_slot *s)
{
	if (s->count < UINT16_MAX)
		s->count++;
}

static bool global_take(struct ike_dos *d, uint32_t second, uint32_t limit)
{
	if (d->rate_all_second != second) {
		d->rate_all_second = second;
		d->rate_all_count = 0;
	}
	return d->rate_all_count < limit;
}

bool ike_dos_reply_allowed(struct ike_engine *e, const struct ike_addr *remote, bool cookie)
{
	struct ike_dos *d = e->dos;
	uint32_t second = (uint32_t)(ike_now(e) / 1000);
	struct ike_rate_slot *ip = &d->rate_ip[ike_dos_src_key(e, remote) % IKE_DOS_RATE_SLOTS];

	if (!rate_take(ip, second, e->opts.reply_rate_ip) ||
	    (!cookie && !global_take(d, second, e->opts.reply_rate))) {
		d->st.replies_limited++;
		if (ike_lc(e, IKE_LC_RATE, remote)) {
			char peer[IKE_ADDR_STR_LEN];

			ike_log(e, IKE_LOG_INFO, "not answering %s: unprotected reply rate limit",
				ike_addr_str(remote, peer, sizeof(peer)));
		}
		return false;
	}
	rate_count(ip);
	if (!cookie)
		d->rate_all_count++;
	d->st.replies_sent++;
	return true;
}

/* ---- statistics ---- */

void ike_engine_stats(const struct ike_engine *e, struct ike_engine_stats *st)
{
	const struct ike_dos *d = e->dos;

	*st = d->st;
	st->half_open = e->n_half_open;
	st->half_open_sources = d->n_sources;
	st->half_open_bytes = d->half_open_bytes;
	st->cookies_required = e->n_half_open >= e->opts.cookie_threshold;
	st->half_open_max = e->opts.half_open_max;
	st->half_open_max_ip = e->opts.half_open_max_ip;
	st->half_open_timeout_ms = e->opts.half_open_timeout_ms;
	st->half_open_memory = e->opts.half_open_memory;
	st->cookie_threshold = e->opts.cookie_threshold;
	st->cookie_threshold_ip = e->opts.cookie_threshold_ip;
	st->reply_rate = e->opts.reply_rate;
	st->reply_rate_ip = e->opts.reply_rate_ip;
}
