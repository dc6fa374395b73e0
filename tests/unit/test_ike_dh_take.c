// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The environment's dh_take (a worker pool's stock of key pairs made
 * ahead of time), with two engines in memory: a responder handed pre-made
 * keys completes its handshakes with them, each key serves one SA only,
 * and when the stock is empty or hands out a key of the wrong group the
 * engine makes its own.
 */
#define _GNU_SOURCE /* memmem */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/dh.h"
#include "ike/ike.h"
#include "tests/unit/test_ike_engine_env.h"
#include "tests/unit/unit.h"

#define STOCK 4

static struct tpeer A, C, B; /* A and C initiate, B responds to both */

/* The stock handed out by take(): the key pairs and a copy of their
 * public values (the engine frees a key once its SA is done with it). */
static struct {
	struct ike_dh *dh[STOCK];
	uint8_t pub[STOCK][32];
	size_t n, next;
	size_t calls;
	int fail;	     /* take() returns this when set */
	uint16_t give_group; /* make the stock of this group instead */
} stock;

static int take(void *ctx, uint16_t group, struct ike_dh **dh)
{
	(void)ctx;
	stock.calls++;
	ck_assert_uint_eq(group, IKE_DH_CURVE25519);
	if (stock.fail)
		return stock.fail;
	if (stock.next == stock.n)
		return -EAGAIN;
	*dh = stock.dh[stock.next];
	stock.dh[stock.next++] = NULL; /* the engine's now */
	return 0;
}

static void stock_fill(uint16_t group)
{
	uint64_t rng = 0x5eed;

	memset(&stock, 0, sizeof(stock));
	for (size_t i = 0; i < STOCK; i++) {
		uint8_t rnd[256];
		size_t n = ike_dh_random_len(group), len;
		const uint8_t *pub;

		ck_assert_uint_le(n, sizeof(rnd));
		for (size_t j = 0; j < n; j++) {
			rng ^= rng >> 12;
			rng ^= rng << 25;
			rng ^= rng >> 27;
			rnd[j] = (uint8_t)((rng * 0x2545F4914F6CDD1DULL) >> 56);
		}
		ck_assert_int_eq(ike_dh_new(&stock.dh[i], group, rnd, n), 0);
		pub = ike_dh_public(stock.dh[i], &len);
		memcpy(stock.pub[i], pub, len < 32 ? len : 32);
	}
	stock.n = STOCK;
}

static void setup(void)
{
	struct tconf cb = tconf_b;

	tverbose = getenv("CONDUIT_TEST_VERBOSE") != NULL;
	tclock = TCLOCK_START;
	stock_fill(IKE_DH_CURVE25519);
	tpeer_init(&A, "A", TIP_A, TSEED_A, NULL);
	tpeer_init(&C, "C", "192.0.2.3", 0x3333, NULL);
	tdh_take = take;
	tpeer_init(&B, "B", TIP_B, TSEED_B, NULL);
	tdh_take = NULL;
	ck_assert_ptr_nonnull(A.e);
	ck_assert_ptr_nonnull(B.e);
	ck_assert_ptr_nonnull(C.e);
	cb.remote_any = true;
	ck_assert_int_eq(tconn(&A, &B, &tconf_a), 0);
	ck_assert_int_eq(tconn(&C, &B, &tconf_a), 0);
	ck_assert_int_eq(tconn(&B, &A, &cb), 0);
}

static void teardown(void)
{
	tpeer_free(&A);
	tpeer_free(&C);
	tpeer_free(&B);
	for (size_t i = 0; i < STOCK; i++)
		ike_dh_free(stock.dh[i]);
}

/* Which of the stock's public values B's first datagram (its IKE_SA_INIT
 * response, in the clear) carries: its index, or -1. */
struct seen {
	int index;
	size_t matches;
};

static bool look(const struct tpeer *from, const struct tpkt *k, size_t n, void *arg)
{
	struct seen *s = arg;

	if (from != &B || n)
		return true;
	for (size_t i = 0; i < STOCK; i++)
		if (memmem(k->data, k->len, stock.pub[i], 32)) {
			s->index = (int)i;
			s->matches++;
		}
	return true;
}

static struct seen handshake(struct tpeer *ini)
{
	struct seen s = { .index = -1 };

	ck_assert_int_gt(ike_engine_initiate(ini->e, "gw", NULL), 0);
	tpump_f(ini, &B, look, &s);
	ck_assert_ptr_nonnull(tfind_event(ini, IKE_EV_IKE_UP));
	ck_assert_ptr_nonnull(tfind_event(ini, IKE_EV_CHILD_UP));
	ck_assert_uint_eq(ini->n_inst, 1);
	return s;
}

static uint64_t dh_keys(const struct tpeer *p)
{
	struct ike_engine_stats st;

	ike_engine_stats(p->e, &st);
	return st.dh_keys;
}

START_TEST(test_taken_once_each)
{
	struct seen a, c;

	a = handshake(&A);
	c = handshake(&C);
	ck_assert_uint_eq(tcount_events(&B, IKE_EV_IKE_UP), 2);
	/* one key asked for per SA, each answered from the stock, each
	 * public value sent once: never two SAs with the same key */
	ck_assert_uint_eq(stock.calls, 2);
	ck_assert_uint_eq(stock.next, 2);
	ck_assert_uint_eq(a.matches, 1);
	ck_assert_uint_eq(c.matches, 1);
	ck_assert_int_eq(a.index, 0);
	ck_assert_int_eq(c.index, 1);
	ck_assert_mem_ne(stock.pub[0], stock.pub[1], 32);
	/* the engine still counts the keys it used */
	ck_assert_uint_eq(dh_keys(&B), 2);
}
END_TEST

START_TEST(test_empty_stock_inline)
{
	struct seen a;

	stock.fail = -EAGAIN;
	a = handshake(&A);
	ck_assert_uint_eq(stock.calls, 1);
	ck_assert_int_eq(a.index, -1); /* made by the engine, not the stock's */
	ck_assert_uint_eq(dh_keys(&B), 1);
	ck_assert_uint_eq(tcount_events(&B, IKE_EV_IKE_UP), 1);
}
END_TEST

START_TEST(test_wrong_group_refused)
{
	struct seen a;

	/* a stock of P-256 keys handed out for X25519: the engine frees it
	 * (LeakSanitizer would say otherwise) and makes its own */
	for (size_t i = 0; i < STOCK; i++)
		ike_dh_free(stock.dh[i]);
	stock_fill(IKE_DH_ECP256);
	a = handshake(&A);
	ck_assert_uint_eq(stock.calls, 1);
	ck_assert_uint_eq(stock.next, 1);
	ck_assert_int_eq(a.index, -1);
	ck_assert_uint_eq(dh_keys(&B), 1);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ike_dh_take");
	TCase *tc = tcase_create("dh_take");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_taken_once_each);
	tcase_add_test(tc, test_empty_stock_inline);
	tcase_add_test(tc, test_wrong_group_refused);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
