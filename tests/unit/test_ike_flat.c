// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A guard against per-SA paths that grow with the number of SAs held: two
 * pairs of engines in memory, one holding SMALL tunnels and one LARGE, each
 * tunnel its own connection on both sides (the responder has LARGE
 * connections with the same addresses, told apart by the peer's identity,
 * as a gateway serving many peers). Batches of new tunnels are then set up
 * on each pair in turn, and the CPU time per tunnel at LARGE held may be at
 * most RATIO times that at SMALL held. Both are measured in the same run,
 * interleaved, and the fastest batch of each counts, so that a loaded
 * machine moves both alike: a ratio, never an absolute time.
 *
 * The real cryptography (X25519, AES-GCM) costs the same at any size; an
 * O(n) walk of the SAs or connections on each new tunnel adds its length.
 */
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
#include "tests/unit/unit.h"

#define SMALL 500
#define LARGE 5000
#define BATCH 50
#define ROUNDS 6
#define RATIO 1.5

struct qpkt {
	uint8_t *data;
	size_t len;
	struct ike_addr src, dst;
};

struct end {
	struct ike_engine *e;
	struct ike_addr addr;
	struct qpkt *q;
	size_t n_q, cap_q;
	uint32_t next_spi;
	size_t n_up;
};

struct pair {
	struct end a, b; /* a initiates, b responds */
	size_t n_conns, n_started;
};

static uint64_t fclock = 1000000;

static void f_send(void *ctx, const uint8_t *pkt, size_t len, const struct ike_addr *local,
		   const struct ike_addr *remote)
{
	struct end *p = ctx;

	if (p->n_q == p->cap_q) {
		size_t cap = p->cap_q ? 2 * p->cap_q : 64;
		struct qpkt *q = realloc(p->q, cap * sizeof(*q));

		ck_assert_ptr_nonnull(q);
		p->q = q;
		p->cap_q = cap;
	}
	p->q[p->n_q].data = malloc(len);
	ck_assert_ptr_nonnull(p->q[p->n_q].data);
	memcpy(p->q[p->n_q].data, pkt, len);
	p->q[p->n_q].len = len;
	p->q[p->n_q].src = *local;
	p->q[p->n_q].dst = *remote;
	p->n_q++;
}

static int f_alloc_spi(void *ctx, const struct ike_addr *src, const struct ike_addr *dst,
		       uint32_t *spi)
{
	struct end *p = ctx;

	(void)src;
	(void)dst;
	*spi = p->next_spi++;
	return 0;
}

static int f_install(void *ctx, const struct ike_child_install *c)
{
	struct end *p = ctx;

	(void)c;
	p->n_up++;
	return 0;
}

static void f_delete(void *ctx, uint32_t id, uint32_t reqid, const struct ike_child_install *c)
{
	(void)ctx;
	(void)id;
	(void)reqid;
	(void)c;
}

static uint64_t f_now(void *ctx)
{
	(void)ctx;
	return fclock;
}

static void f_random(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	ck_assert_int_eq(RAND_bytes(buf, (int)len), 1);
}

static void f_log(void *ctx, enum ike_log_level level, const char *fmt, va_list ap)
{
	(void)ctx;
	if (level <= IKE_LOG_WARN) {
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
}

static void end_init(struct end *p, const char *ip, uint32_t spi_base)
{
	struct ike_env env = {
		.ctx = p,
		.send = f_send,
		.alloc_spi = f_alloc_spi,
		.child_install = f_install,
		.child_delete = f_delete,
		.now_ms = f_now,
		.random = f_random,
		.log = f_log,
	};

	memset(p, 0, sizeof(*p));
	p->addr.family = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, ip, p->addr.ip), 1);
	p->addr.port = 500;
	p->next_spi = spi_base;
	p->e = ike_engine_new(&env, NULL);
	ck_assert_ptr_nonnull(p->e);
}

static void end_free(struct end *p)
{
	ike_engine_free(p->e);
	for (size_t i = 0; i < p->n_q; i++)
		free(p->q[i].data);
	free(p->q);
}

static size_t deliver(struct end *from, struct end *to)
{
	size_t n = from->n_q;
	struct qpkt *q = from->q;

	from->q = NULL;
	from->n_q = from->cap_q = 0;
	for (size_t i = 0; i < n; i++) {
		ike_engine_input(to->e, q[i].data, q[i].len, &q[i].dst, &q[i].src);
		free(q[i].data);
	}
	free(q);
	return n;
}

static void set_id(struct ike_id *id, const char *fqdn)
{
	id->type = IKE_ID_FQDN;
	id->len = (uint8_t)strlen(fqdn);
	memcpy(id->data, fqdn, id->len);
}

/* Connection i on both ends: its own identity for the initiator, the same
 * addresses on the responder for all of them. */
static void add_conn(struct pair *p, size_t i)
{
	static const char psk[] = "a guard's shared secret, long enough";
	struct ike_child_cfg ca = { .local_ts = "10.1.0.0/16", .remote_ts = "10.2.0.0/16",
				    .esp_proposals = "aes128gcm16", .rekey_time = 3600,
				    .life_time = 3960 },
			     cb = ca;
	struct ike_conn_cfg a = { .proposals = "aes128gcm16-prfsha256-x25519",
				  .psk = (const uint8_t *)psk,
				  .psk_len = sizeof(psk) - 1,
				  .unique = IKE_UNIQUE_NEVER,
				  .n_children = 1 },
			    b;
	char peer[64];
	const char *err = NULL;

	snprintf(ca.name, sizeof(ca.name), "net");
	cb.local_ts = ca.remote_ts;
	cb.remote_ts = ca.local_ts;
	snprintf(cb.name, sizeof(cb.name), "net");
	snprintf(a.name, sizeof(a.name), "c%zu", i);
	snprintf(peer, sizeof(peer), "peer-%zu.example", i);
	b = a;
	a.local = p->a.addr;
	a.remote = p->b.addr;
	set_id(&a.local_id, peer);
	set_id(&a.remote_id, "gw.example");
	a.children = &ca;
	b.local = p->b.addr;
	b.remote = p->a.addr;
	set_id(&b.local_id, "gw.example");
	set_id(&b.remote_id, peer);
	b.children = &cb;
	ck_assert_msg(!ike_engine_add_conn(p->a.e, &a, &err), "initiator: %s", err ? err : "?");
	ck_assert_msg(!ike_engine_add_conn(p->b.e, &b, &err), "responder: %s", err ? err : "?");
}

/* Sets up the next n tunnels of p, at most 100 in flight (the responder's
 * half-open limit is higher); returns the CPU seconds it took. */
static double grow(struct pair *p, size_t n)
{
	struct timespec t0, t1;
	size_t up = p->b.n_up, end = p->n_started + n;

	ck_assert_uint_le(end, p->n_conns);
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
	while (p->n_started < end) {
		for (size_t k = 0; k < 100 && p->n_started < end; k++) {
			char name[32];

			snprintf(name, sizeof(name), "c%zu", p->n_started++);
			ck_assert_int_gt(ike_engine_initiate(p->a.e, name, NULL), 0);
		}
		while (deliver(&p->a, &p->b) + deliver(&p->b, &p->a))
			;
	}
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
	ck_assert_uint_eq(p->b.n_up, up + n);
	ck_assert_uint_eq(p->a.n_up, up + n);
	return (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
}

static void pair_init(struct pair *p, size_t held)
{
	memset(p, 0, sizeof(*p));
	end_init(&p->a, "192.0.2.1", 0xc0000000u);
	end_init(&p->b, "192.0.2.2", 0xc8000000u);
	p->n_conns = held + ROUNDS * BATCH;
	for (size_t i = 0; i < p->n_conns; i++)
		add_conn(p, i);
	grow(p, held);
}

START_TEST(per_sa_cost_is_flat)
{
	struct pair s, l;
	double best_s = 1e9, best_l = 1e9;

	pair_init(&s, SMALL);
	pair_init(&l, LARGE);
	for (int r = 0; r < ROUNDS; r++) {
		double ts = grow(&s, BATCH), tl = grow(&l, BATCH);

		best_s = ts < best_s ? ts : best_s;
		best_l = tl < best_l ? tl : best_l;
	}
	printf("per tunnel (both ends): %.1f us with %d held, %.1f us with %d held: ratio %.2f "
	       "(at most %.1f)\n",
	       best_s * 1e6 / BATCH, SMALL, best_l * 1e6 / BATCH, LARGE, best_l / best_s, RATIO);
	ck_assert_msg(best_l <= RATIO * best_s,
		      "a tunnel costs %.2fx more with %d tunnels held than with %d: something on "
		      "the per-SA path grows with the number of SAs or connections",
		      best_l / best_s, LARGE, SMALL);
	end_free(&s.a);
	end_free(&s.b);
	end_free(&l.a);
	end_free(&l.b);
}
END_TEST

static Suite *flat_suite(void)
{
	Suite *s = suite_create("ike_flat");
	TCase *tc = tcase_create("flat");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, per_sa_cost_is_flat);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(flat_suite)
