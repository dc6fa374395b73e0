/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Two engines in memory with the real cryptography, for benchmarks and
 * guards: a initiates, b responds. Each tunnel is a connection of its own
 * on both sides ("c<i>", the initiator with its own identity, the responder
 * telling them apart by it, as a gateway serving many peers does), so that
 * N tunnels are N IKE SAs. Header-only: each program includes it once.
 */
#ifndef CONDUIT_TESTS_MEM_PAIR_H
#define CONDUIT_TESTS_MEM_PAIR_H

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/rand.h>

#include "ike/ike.h"
#include "ike/ike_const.h"

struct mp_pkt {
	uint8_t *data;
	size_t len;
	struct ike_addr src, dst;
};

struct mp_end {
	struct ike_engine *e;
	struct ike_addr addr;
	struct mp_pkt *q;
	size_t n_q, cap_q;
	uint32_t next_spi;
	size_t n_up; /* CHILD_SAs installed */
};

struct mp_pair {
	struct mp_end a, b;
	size_t n_conns, n_started;
	const char *ike, *esp;
	/* public keys (mp_pair_init_pubkey): connection i of a authenticates
	 * with a_certs[i] (its SAN peer-<i>.example), b with its one
	 * certificate (gw.example); both trust the sets' anchors */
	const struct ike_cert *const *a_certs;
	size_t id_mod; /* connection i is peer-<i % id_mod> (0: i) */
};

static uint64_t mp_clock = 1000000;

static void mp_die(const char *what)
{
	fprintf(stderr, "mem_pair: %s\n", what);
	exit(2);
}

static void mp_send(void *ctx, const uint8_t *pkt, size_t len, const struct ike_addr *local,
		    const struct ike_addr *remote)
{
	struct mp_end *p = ctx;

	if (p->n_q == p->cap_q) {
		size_t cap = p->cap_q ? 2 * p->cap_q : 64;
		struct mp_pkt *q = realloc(p->q, cap * sizeof(*q));

		if (!q)
			mp_die("out of memory");
		p->q = q;
		p->cap_q = cap;
	}
	p->q[p->n_q].data = malloc(len);
	if (!p->q[p->n_q].data)
		mp_die("out of memory");
	memcpy(p->q[p->n_q].data, pkt, len);
	p->q[p->n_q].len = len;
	p->q[p->n_q].src = *local;
	p->q[p->n_q].dst = *remote;
	p->n_q++;
}

static int mp_alloc_spi(void *ctx, const struct ike_addr *src, const struct ike_addr *dst,
			uint32_t *spi)
{
	struct mp_end *p = ctx;

	(void)src;
	(void)dst;
	*spi = p->next_spi++;
	return 0;
}

static int mp_install(void *ctx, const struct ike_child_install *c)
{
	struct mp_end *p = ctx;

	(void)c;
	p->n_up++;
	return 0;
}

static void mp_delete(void *ctx, uint32_t id, uint32_t reqid, const struct ike_child_install *c)
{
	(void)ctx;
	(void)id;
	(void)reqid;
	(void)c;
}

static int64_t mp_wall(void *ctx)
{
	(void)ctx;
	return (int64_t)time(NULL);
}

static uint64_t mp_now(void *ctx)
{
	(void)ctx;
	return mp_clock;
}

static void mp_random(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	if (RAND_bytes(buf, (int)len) != 1)
		mp_die("RAND_bytes failed");
}

static void mp_log(void *ctx, enum ike_log_level level, const char *fmt, va_list ap)
{
	(void)ctx;
	if (level <= IKE_LOG_WARN) {
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
}

static void mp_end_init(struct mp_end *p, const char *ip, uint32_t spi_base)
{
	struct ike_env env = {
		.ctx = p,
		.send = mp_send,
		.alloc_spi = mp_alloc_spi,
		.child_install = mp_install,
		.child_delete = mp_delete,
		.now_ms = mp_now,
		.random = mp_random,
		.log = mp_log,
		.wall_time = mp_wall,
	};

	/* Every tunnel comes from the one initiator address: no COOKIEs and
	 * no per-source limit (as strongSwan's advice for load tests). */
	struct ike_engine_opts opts = {
		.cookie_threshold = UINT32_MAX - 1,
		.cookie_threshold_ip = UINT32_MAX - 1,
		.half_open_max_ip = UINT32_MAX - 1,
		.half_open_max = UINT32_MAX - 1,
	};

	memset(p, 0, sizeof(*p));
	p->addr.family = AF_INET;
	if (inet_pton(AF_INET, ip, p->addr.ip) != 1)
		mp_die("bad address");
	p->addr.port = 500;
	p->next_spi = spi_base;
	p->e = ike_engine_new(&env, &opts);
	if (!p->e)
		mp_die("cannot create an engine");
}

static void mp_end_free(struct mp_end *p)
{
	ike_engine_free(p->e);
	for (size_t i = 0; i < p->n_q; i++)
		free(p->q[i].data);
	free(p->q);
}

/* Delivers one end's queue to the other; returns how many. */
static size_t mp_deliver(struct mp_end *from, struct mp_end *to)
{
	size_t n = from->n_q;
	struct mp_pkt *q = from->q;

	from->q = NULL;
	from->n_q = from->cap_q = 0;
	for (size_t i = 0; i < n; i++) {
		ike_engine_input(to->e, q[i].data, q[i].len, &q[i].dst, &q[i].src);
		free(q[i].data);
	}
	free(q);
	return n;
}

static void mp_set_id(struct ike_id *id, const char *fqdn)
{
	id->type = IKE_ID_FQDN;
	id->len = (uint8_t)strlen(fqdn);
	memcpy(id->data, fqdn, id->len);
}

/* Connection i on both ends. */
static void mp_add_conn(struct mp_pair *p, size_t i)
{
	static const char psk[] = "a benchmark's shared secret, long enough";
	struct ike_child_cfg ca = { .name = "net", .local_ts = "10.1.0.0/16",
				    .remote_ts = "10.2.0.0/16", .esp_proposals = p->esp,
				    .rekey_time = 3600, .life_time = 3960 },
			     cb = ca;
	struct ike_conn_cfg a = { .proposals = p->ike, .psk = (const uint8_t *)psk,
				  .psk_len = sizeof(psk) - 1, .unique = IKE_UNIQUE_NEVER,
				  .n_children = 1 },
			    b;
	char peer[64];
	const char *err = NULL;

	cb.local_ts = ca.remote_ts;
	cb.remote_ts = ca.local_ts;
	snprintf(a.name, sizeof(a.name), "c%zu", i);
	snprintf(peer, sizeof(peer), "peer-%zu.example", p->id_mod ? i % p->id_mod : i);
	b = a;
	a.local = p->a.addr;
	a.remote = p->b.addr;
	mp_set_id(&a.local_id, peer);
	mp_set_id(&a.remote_id, "gw.example");
	a.children = &ca;
	b.local = p->b.addr;
	b.remote = p->a.addr;
	mp_set_id(&b.local_id, "gw.example");
	mp_set_id(&b.remote_id, peer);
	b.children = &cb;
	if (p->a_certs) {
		a.local_auth.method = a.remote_auth.method = IKE_AUTH_PUBKEY;
		b.local_auth.method = b.remote_auth.method = IKE_AUTH_PUBKEY;
		a.local_auth.cert = p->a_certs[p->id_mod ? i % p->id_mod : i];
		a.psk = b.psk = NULL;
		a.psk_len = b.psk_len = 0;
	}
	if (ike_engine_add_conn(p->a.e, &a, &err) || ike_engine_add_conn(p->b.e, &b, &err)) {
		fprintf(stderr, "mem_pair: add_conn: %s\n", err ? err : "?");
		exit(2);
	}
}

/* A pair with n_conns connections (none up yet). */
static void mp_pair_init(struct mp_pair *p, size_t n_conns, const char *ike, const char *esp)
{
	memset(p, 0, sizeof(*p));
	p->ike = ike;
	p->esp = esp;
	mp_end_init(&p->a, "192.0.2.1", 0xc0000000u);
	mp_end_init(&p->b, "192.0.2.2", 0xc8000000u);
	p->n_conns = n_conns;
	for (size_t i = 0; i < n_conns; i++)
		mp_add_conn(p, i);
}

/* The same with public keys: a and b take a reference on their sets;
 * connections i and i + id_mod share an identity and a certificate. */
static inline void mp_pair_init_pubkey(struct mp_pair *p, size_t n_conns, const char *ike, const char *esp,
				       struct ike_creds *a, struct ike_creds *b,
				       const struct ike_cert *const *a_certs, size_t id_mod)
{
	memset(p, 0, sizeof(*p));
	p->ike = ike;
	p->esp = esp;
	p->a_certs = a_certs;
	p->id_mod = id_mod;
	mp_end_init(&p->a, "192.0.2.1", 0xc0000000u);
	mp_end_init(&p->b, "192.0.2.2", 0xc8000000u);
	ike_engine_set_creds(p->a.e, a);
	ike_engine_set_creds(p->b.e, b);
	p->n_conns = n_conns;
	for (size_t i = 0; i < n_conns; i++)
		mp_add_conn(p, i);
}

static void mp_pair_free(struct mp_pair *p)
{
	mp_end_free(&p->a);
	mp_end_free(&p->b);
}

static double mp_cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Sets up the next n tunnels, at most 100 exchanges in flight (below the
 * responder's half-open limits); returns how many came up on both ends. */
static size_t mp_grow(struct mp_pair *p, size_t n)
{
	size_t up_a = p->a.n_up, up_b = p->b.n_up, end = p->n_started + n;

	if (end > p->n_conns)
		mp_die("more tunnels than connections");
	while (p->n_started < end) {
		for (size_t k = 0; k < 100 && p->n_started < end; k++) {
			char name[32];

			snprintf(name, sizeof(name), "c%zu", p->n_started++);
			if (ike_engine_initiate(p->a.e, name, NULL) <= 0)
				mp_die("initiate failed");
		}
		while (mp_deliver(&p->a, &p->b) + mp_deliver(&p->b, &p->a))
			;
	}
	up_a = p->a.n_up - up_a;
	up_b = p->b.n_up - up_b;
	return up_a < up_b ? up_a : up_b;
}

#endif
