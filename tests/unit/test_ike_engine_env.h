/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A fake environment for the engine, shared by the engine's unit tests and
 * its fuzz target: a fake clock, deterministic random octets, sent
 * datagrams queued in memory, child_install/child_delete and events
 * recorded. Two peers pass datagrams to each other with tpump().
 */
#ifndef CONDUIT_TEST_IKE_ENGINE_ENV_H
#define CONDUIT_TEST_IKE_ENGINE_ENV_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ike/ike.h"

#define TQ_MAX 64
#define TINST_MAX 16
#define TEV_MAX 64

struct tpkt {
	uint8_t *data;
	size_t len;
	struct ike_addr src, dst;
};

struct tevent {
	enum ike_event_type type;
	uint16_t notify;
	uint32_t ike_sa_id, child_id;
	char reason[320];
	struct ike_addr old_remote, new_remote; /* NAT_MOVED */
};

struct tpeer {
	const char *name;
	struct ike_engine *e;
	struct ike_addr addr;
	uint64_t rng;
	uint32_t next_spi;
	uint64_t wake;
	size_t n_wake_calls;
	struct tpkt q[TQ_MAX]; /* sent, not yet delivered */
	size_t n_q;
	size_t n_sent; /* datagrams sent in all */
	struct ike_child_install inst[TINST_MAX];
	size_t n_inst;
	uint32_t del[TINST_MAX];
	size_t n_del;
	struct tevent ev[TEV_MAX];
	size_t n_ev;
	int fail_install; /* child_install returns this */
	char last_log[512];
	char logs[8192]; /* every line, until full */
	size_t logs_len;
	size_t n_log_info; /* lines logged at info or above */
	/* when set, each line at info or above is passed here */
	void (*on_log)(struct tpeer *p, enum ike_log_level level, const char *line);
};

static uint64_t tclock = 1000000; /* TCLOCK_START */
static bool tverbose;
/* When set, engines made by tpeer_init() look shared keys up with it. */
static int (*tpsk_lookup)(void *ctx, const char *conn, const struct ike_id *local,
			  const struct ike_id *remote, uint8_t *key, size_t max, size_t *len);
/* When set, engines made by tpeer_init() have this wall clock (for
 * certificates' dates). */
static int64_t (*twall_time)(void *ctx);
/* When set, engines made by tpeer_init() take key pairs from it first. */
static int (*tdh_take)(void *ctx, uint16_t group, struct ike_dh **dh);
/* When set, engines made by tpeer_init() ask it whether a level is logged. */
static bool (*tlog_enabled)(void *ctx, enum ike_log_level level);
/*
 * Recording what one peer receives, in the fuzz target's input format: a
 * mode octet (0: the input goes to a responder B, 1: to an initiator A
 * that has just sent its IKE_SA_INIT request, 8: to a responder B that
 * asks every initiator for a COOKIE), then per datagram a 2-octet
 * big-endian length (bit 15: first run the timers that are due) and the
 * datagram.
 */
#define TREC_MAX 65536
struct trec {
	uint8_t buf[TREC_MAX];
	size_t len;
};
static struct trec *trec_to_a, *trec_to_b;

static inline void trec_add(struct trec *r, const uint8_t *pkt, size_t len, bool timers)
{
	if (!r || len > 0x7fff || r->len + 2 + len > TREC_MAX)
		return;
	r->buf[r->len++] = (uint8_t)(len >> 8 | (timers ? 0x80 : 0));
	r->buf[r->len++] = (uint8_t)len;
	memcpy(r->buf + r->len, pkt, len);
	r->len += len;
}

static inline void tenv_send(void *ctx, const uint8_t *pkt, size_t len,
			     const struct ike_addr *local, const struct ike_addr *remote)
{
	struct tpeer *p = ctx;

	p->n_sent++;
	if (p->n_q == TQ_MAX)
		return;
	p->q[p->n_q].data = malloc(len ? len : 1);
	if (!p->q[p->n_q].data)
		return;
	memcpy(p->q[p->n_q].data, pkt, len);
	p->q[p->n_q].len = len;
	p->q[p->n_q].src = *local;
	p->q[p->n_q].dst = *remote;
	p->n_q++;
}

static inline int tenv_alloc_spi(void *ctx, const struct ike_addr *src, const struct ike_addr *dst,
				 uint32_t *spi)
{
	struct tpeer *p = ctx;

	(void)src;
	(void)dst;
	*spi = p->next_spi++;
	return 0;
}

static inline int tenv_child_install(void *ctx, const struct ike_child_install *c)
{
	struct tpeer *p = ctx;

	if (p->fail_install)
		return p->fail_install;
	/* The later outbound half of a rekey we answered completes the
	 * record of the install it belongs to. */
	if (c->out_only) {
		for (size_t i = p->n_inst; i-- > 0;)
			if (p->inst[i].child_id == c->child_id) {
				p->inst[i].out = c->out;
				p->inst[i].in_only = false;
				return 0;
			}
		return -ENOENT;
	}
	if (p->n_inst < TINST_MAX)
		p->inst[p->n_inst++] = *c;
	return 0;
}

static inline void tenv_child_delete(void *ctx, uint32_t child_id, uint32_t reqid,
				     const struct ike_child_install *c)
{
	struct tpeer *p = ctx;

	(void)reqid;
	(void)c;
	if (p->n_del < TINST_MAX)
		p->del[p->n_del++] = child_id;
}

static inline uint64_t tenv_now(void *ctx)
{
	(void)ctx;
	return tclock;
}

/* xorshift64*: deterministic, which is all a test needs */
static inline void tenv_random(void *ctx, uint8_t *buf, size_t len)
{
	struct tpeer *p = ctx;

	for (size_t i = 0; i < len; i++) {
		p->rng ^= p->rng >> 12;
		p->rng ^= p->rng << 25;
		p->rng ^= p->rng >> 27;
		buf[i] = (uint8_t)((p->rng * 0x2545F4914F6CDD1DULL) >> 56);
	}
}

static inline void tenv_wake_at(void *ctx, uint64_t at)
{
	struct tpeer *p = ctx;

	p->wake = at;
	p->n_wake_calls++;
}

static inline void tenv_event(void *ctx, const struct ike_event *ev)
{
	struct tpeer *p = ctx;
	struct tevent *t;

	if (tverbose)
		fprintf(stderr, "%s: event %d notify %u ike %u child %u: %s\n", p->name, ev->type,
			ev->notify, ev->ike_sa_id, ev->child_id, ev->reason ? ev->reason : "");
	if (p->n_ev == TEV_MAX)
		return;
	t = &p->ev[p->n_ev++];
	t->type = ev->type;
	t->notify = ev->notify;
	t->ike_sa_id = ev->ike_sa_id;
	t->child_id = ev->child_id;
	snprintf(t->reason, sizeof(t->reason), "%s", ev->reason ? ev->reason : "");
	memset(&t->old_remote, 0, sizeof(t->old_remote));
	memset(&t->new_remote, 0, sizeof(t->new_remote));
	if (ev->old_remote)
		t->old_remote = *ev->old_remote;
	if (ev->new_remote)
		t->new_remote = *ev->new_remote;
}

static inline void tenv_log(void *ctx, enum ike_log_level level, const char *fmt, va_list ap)
{
	struct tpeer *p = ctx;

	vsnprintf(p->last_log, sizeof(p->last_log), fmt, ap);
	if (p->logs_len + strlen(p->last_log) + 2 < sizeof(p->logs))
		p->logs_len += (size_t)snprintf(p->logs + p->logs_len,
						sizeof(p->logs) - p->logs_len, "%s\n",
						p->last_log);
	if (level <= IKE_LOG_INFO) {
		p->n_log_info++;
		if (p->on_log)
			p->on_log(p, level, p->last_log);
	}
	if (tverbose)
		fprintf(stderr, "%s %d: %s\n", p->name, level, p->last_log);
}

static inline void taddr(struct ike_addr *a, const char *ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	if (strchr(ip, ':')) {
		a->family = AF_INET6;
		inet_pton(AF_INET6, ip, a->ip);
	} else {
		a->family = AF_INET;
		inet_pton(AF_INET, ip, a->ip);
	}
	a->port = port;
}

static inline void tpeer_init(struct tpeer *p, const char *name, const char *ip, uint64_t seed,
			      const struct ike_engine_opts *opts)
{
	struct ike_env env = {
		.ctx = p,
		.send = tenv_send,
		.alloc_spi = tenv_alloc_spi,
		.child_install = tenv_child_install,
		.child_delete = tenv_child_delete,
		.now_ms = tenv_now,
		.random = tenv_random,
		.wake_at = tenv_wake_at,
		.event = tenv_event,
		.log = tenv_log,
		.psk_lookup = tpsk_lookup,
		.wall_time = twall_time,
		.dh_take = tdh_take,
		.log_enabled = tlog_enabled,
	};

	memset(p, 0, sizeof(*p));
	p->name = name;
	taddr(&p->addr, ip, 500);
	p->rng = seed ? seed : 1;
	p->next_spi = 0xc0000000u | (uint32_t)(seed & 0xffff) << 8;
	p->wake = UINT64_MAX;
	p->e = ike_engine_new(&env, opts);
}

static inline void tq_clear(struct tpeer *p)
{
	for (size_t i = 0; i < p->n_q; i++)
		free(p->q[i].data);
	p->n_q = 0;
}

static inline void tpeer_free(struct tpeer *p)
{
	ike_engine_free(p->e);
	p->e = NULL;
	tq_clear(p);
}

/* Removes and returns the first queued datagram (caller frees data). */
static inline bool tq_pop(struct tpeer *p, struct tpkt *out)
{
	if (!p->n_q)
		return false;
	*out = p->q[0];
	memmove(p->q, p->q + 1, (p->n_q - 1) * sizeof(p->q[0]));
	p->n_q--;
	return true;
}

/* Decides whether a datagram from `from` reaches `to`: return false to
 * drop it. n counts the datagrams from `from` seen by the filter. */
typedef bool (*tfilter)(const struct tpeer *from, const struct tpkt *k, size_t n, void *arg);

/* Delivers queued datagrams both ways until none is left. Returns how
 * many were delivered. */
static inline size_t tpump_f(struct tpeer *a, struct tpeer *b, tfilter f, void *arg)
{
	size_t delivered = 0, na = 0, nb = 0;
	struct tpkt k;

	for (int guard = 0; guard < 1000 && (a->n_q || b->n_q); guard++) {
		if (tq_pop(a, &k)) {
			if (!f || f(a, &k, na++, arg)) {
				trec_add(trec_to_b, k.data, k.len, false);
				ike_engine_input(b->e, k.data, k.len, &k.dst, &k.src);
				delivered++;
			}
			free(k.data);
		}
		if (tq_pop(b, &k)) {
			if (!f || f(b, &k, nb++, arg)) {
				trec_add(trec_to_a, k.data, k.len, false);
				ike_engine_input(a->e, k.data, k.len, &k.dst, &k.src);
				delivered++;
			}
			free(k.data);
		}
	}
	return delivered;
}

static inline size_t tpump(struct tpeer *a, struct tpeer *b)
{
	return tpump_f(a, b, NULL, NULL);
}

/* Moves the clock to the earliest wake-up of either peer and runs it. */
static inline bool tadvance(struct tpeer *a, struct tpeer *b)
{
	uint64_t at = a->wake < b->wake ? a->wake : b->wake;

	if (at == UINT64_MAX)
		return false;
	if (at > tclock)
		tclock = at;
	if (a->wake <= tclock) {
		a->wake = UINT64_MAX;
		ike_engine_run_timers(a->e);
	}
	if (b->wake <= tclock) {
		b->wake = UINT64_MAX;
		ike_engine_run_timers(b->e);
	}
	return true;
}

struct tconf {
	const char *name;
	const char *proposals;
	const char *esp;
	const char *psk;
	const char *local_ts, *remote_ts;
	enum ike_mode mode;
	const char *local_id;  /* FQDN, or NULL: our address */
	const char *remote_id; /* FQDN, or NULL: any */
	bool remote_any;
	uint8_t fragmentation; /* enum ike_fragmentation */
};

static inline void tid(struct ike_id *id, const char *fqdn)
{
	memset(id, 0, sizeof(*id));
	if (!fqdn)
		return;
	id->type = IKE_ID_FQDN;
	id->len = (uint16_t)strlen(fqdn);
	memcpy(id->data, fqdn, id->len);
}

/* A connection from p to peer; returns ike_engine_add_conn's result. */
static inline int tconn(struct tpeer *p, const struct tpeer *peer, const struct tconf *tc)
{
	struct ike_child_cfg child;
	struct ike_conn_cfg cfg;
	const char *err = NULL;
	int rc;

	memset(&child, 0, sizeof(child));
	snprintf(child.name, sizeof(child.name), "%s", "net");
	child.mode = tc->mode;
	child.local_ts = tc->local_ts;
	child.remote_ts = tc->remote_ts;
	child.esp_proposals = tc->esp;
	child.rekey_time = 3600;
	child.life_time = 3960;
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.name, sizeof(cfg.name), "%s", tc->name ? tc->name : "gw");
	cfg.local = p->addr;
	if (!tc->remote_any)
		cfg.remote = peer->addr;
	cfg.proposals = tc->proposals;
	tid(&cfg.local_id, tc->local_id);
	tid(&cfg.remote_id, tc->remote_id);
	cfg.psk = (const uint8_t *)tc->psk;
	cfg.psk_len = tc->psk ? strlen(tc->psk) : 0;
	cfg.fragmentation = tc->fragmentation;
	cfg.n_children = 1;
	cfg.children = &child;
	rc = ike_engine_add_conn(p->e, &cfg, &err);
	if (rc && tverbose)
		fprintf(stderr, "%s: add_conn: %s\n", p->name, err ? err : "?");
	return rc;
}

/* The usual pair: A (192.0.2.1, seed 0x1111) initiates to B (192.0.2.2,
 * seed 0x2222). The fuzz target uses the same, so that messages recorded
 * by the unit tests are valid input for it. */
#define TSEED_A 0x1111
#define TSEED_B 0x2222
#define TIP_A "192.0.2.1"
#define TIP_B "192.0.2.2"
#define TCLOCK_START 1000000

static const struct tconf tconf_a = {
	.proposals = "aes256gcm16-prfsha256-x25519",
	.esp = "aes256gcm16",
	.psk = "a shared secret of reasonable length",
	.local_ts = "10.1.0.0/24",
	.remote_ts = "10.2.0.0/24",
};

static const struct tconf tconf_b = {
	.proposals = "aes256gcm16-prfsha256-x25519",
	.esp = "aes256gcm16",
	.psk = "a shared secret of reasonable length",
	.local_ts = "10.2.0.0/24",
	.remote_ts = "10.1.0.0/24",
};

static inline const struct tevent *tfind_event(const struct tpeer *p, enum ike_event_type type)
{
	for (size_t i = 0; i < p->n_ev; i++)
		if (p->ev[i].type == type)
			return &p->ev[i];
	return NULL;
}

static inline size_t tcount_events(const struct tpeer *p, enum ike_event_type type)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_ev; i++)
		n += p->ev[i].type == type;
	return n;
}

/*
 * The fuzz target's body: a fresh engine in the role the first octet says,
 * configured as in the unit tests, fed each datagram of the input in turn
 * (what it sends is discarded). p is left for the caller to inspect and
 * free with tpeer_free().
 */
static inline void tfuzz_run(struct tpeer *p, const uint8_t *data, size_t size)
{
	bool initiator = size && (data[0] & 1);
	struct ike_engine_opts cookies = { .cookie_threshold = IKE_OPT_ZERO };
	struct tpeer other;
	size_t pos = 1;

	tclock = TCLOCK_START;
	memset(&other, 0, sizeof(other));
	taddr(&other.addr, initiator ? TIP_B : TIP_A, 500);
	tpeer_init(p, initiator ? "A" : "B", initiator ? TIP_A : TIP_B,
		   initiator ? TSEED_A : TSEED_B, size && (data[0] & 8) ? &cookies : NULL);
	if (!p->e || tconn(p, &other, initiator ? &tconf_a : &tconf_b))
		return;
	if (initiator)
		ike_engine_initiate(p->e, "gw", NULL);
	tq_clear(p);
	while (size && pos + 2 <= size) {
		size_t len = (size_t)(data[pos] & 0x7f) << 8 | data[pos + 1];
		bool timers = data[pos] & 0x80;

		pos += 2;
		if (len > size - pos)
			len = size - pos;
		if (timers && p->wake != UINT64_MAX) {
			if (p->wake > tclock)
				tclock = p->wake;
			p->wake = UINT64_MAX;
			ike_engine_run_timers(p->e);
		}
		ike_engine_input(p->e, data + pos, len, &p->addr, &other.addr);
		pos += len;
		tq_clear(p);
	}
}

#endif
