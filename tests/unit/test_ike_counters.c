// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine's counters (ike/counters.c) with two engines in memory: what
 * one side counts as sent the other counts as received; a handshake, a
 * rekey, retransmissions both ways, a failure, dropped datagrams; global
 * and per connection; reset.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/ike.h"
#include "tests/unit/test_ike_engine_env.h"
#include "tests/unit/unit.h"

static struct tpeer A, B; /* A initiates, B responds */

static void setup(void)
{
	tverbose = getenv("CONDUIT_TEST_VERBOSE") != NULL;
	tclock = TCLOCK_START;
	tpeer_init(&A, "A", TIP_A, TSEED_A, NULL);
	tpeer_init(&B, "B", TIP_B, TSEED_B, NULL);
	ck_assert_ptr_nonnull(A.e);
	ck_assert_ptr_nonnull(B.e);
}

static void teardown(void)
{
	tpeer_free(&A);
	tpeer_free(&B);
}

static struct ike_counters ctr(const struct tpeer *p, const char *conn)
{
	struct ike_counters c;

	ck_assert_int_eq(ike_engine_counters(p->e, conn, &c), 0);
	return c;
}

#define MSG(c, dir, resp, x) ((c).messages[IKE_CTR_##dir][resp][IKE_CTR_X_##x])
#define NOTIFY(c, dir, type) ((c).notifies[IKE_CTR_##dir][ike_ctr_notify_slot(type)])

/* With nothing lost, what one sent the other received, message for
 * message and notify for notify. */
static void check_mirror(const struct ike_counters *a, const struct ike_counters *b)
{
	for (int r = 0; r < 2; r++)
		for (int x = 0; x < IKE_CTR_X_COUNT; x++) {
			ck_assert_uint_eq(a->messages[IKE_CTR_OUT][r][x],
					  b->messages[IKE_CTR_IN][r][x]);
			ck_assert_uint_eq(a->messages[IKE_CTR_IN][r][x],
					  b->messages[IKE_CTR_OUT][r][x]);
		}
	for (int s = 0; s < IKE_CTR_NOTIFY_SLOTS; s++) {
		ck_assert_uint_eq(a->notifies[IKE_CTR_OUT][s], b->notifies[IKE_CTR_IN][s]);
		ck_assert_uint_eq(a->notifies[IKE_CTR_IN][s], b->notifies[IKE_CTR_OUT][s]);
	}
}

static int connect_ab(const struct tconf *ca, const struct tconf *cb)
{
	int id;

	ck_assert_int_eq(tconn(&A, &B, ca), 0);
	ck_assert_int_eq(tconn(&B, &A, cb), 0);
	id = ike_engine_initiate(A.e, "gw", NULL);
	ck_assert_int_gt(id, 0);
	tpump(&A, &B);
	return id;
}

START_TEST(test_notify_slots)
{
	static const uint16_t types[] = { 1, 24, 63, 16384, 16390, 16431, 16447 };

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		unsigned int s = ike_ctr_notify_slot(types[i]);

		ck_assert_uint_lt(s, IKE_CTR_NOTIFY_SLOTS);
		ck_assert_uint_ne(s, IKE_CTR_NOTIFY_NONE);
		ck_assert_uint_ne(s, IKE_CTR_NOTIFY_OTHER);
		ck_assert_uint_eq(ike_ctr_slot_notify(s), types[i]);
	}
	ck_assert_uint_eq(ike_ctr_notify_slot(0), IKE_CTR_NOTIFY_NONE);
	ck_assert_uint_eq(ike_ctr_notify_slot(64), IKE_CTR_NOTIFY_OTHER);
	ck_assert_uint_eq(ike_ctr_notify_slot(16383), IKE_CTR_NOTIFY_OTHER);
	ck_assert_uint_eq(ike_ctr_notify_slot(16448), IKE_CTR_NOTIFY_OTHER);
	ck_assert_uint_eq(ike_ctr_notify_slot(65535), IKE_CTR_NOTIFY_OTHER);
	ck_assert_uint_eq(ike_ctr_slot_notify(IKE_CTR_NOTIFY_OTHER), 0);
	ck_assert_uint_eq(ike_ctr_slot_notify(IKE_CTR_NOTIFY_SLOTS + 5), 0);
	ck_assert_str_eq(ike_ctr_exchange_name(IKE_CTR_X_CREATE_CHILD_SA), "CREATE_CHILD_SA");
	ck_assert_str_eq(ike_cause_name(IKE_CAUSE_DEAD), "dead");
}
END_TEST

START_TEST(test_handshake)
{
	struct ike_counters a, b, ac;

	connect_ab(&tconf_a, &tconf_b);
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_CHILD_UP));
	a = ctr(&A, NULL);
	b = ctr(&B, NULL);
	ck_assert_uint_eq(MSG(a, OUT, 0, SA_INIT), 1);
	ck_assert_uint_eq(MSG(a, IN, 1, SA_INIT), 1);
	ck_assert_uint_eq(MSG(a, OUT, 0, AUTH), 1);
	ck_assert_uint_eq(MSG(a, IN, 1, AUTH), 1);
	ck_assert_uint_eq(MSG(a, IN, 0, SA_INIT), 0);
	ck_assert_uint_eq(MSG(a, OUT, 0, CREATE_CHILD_SA), 0);
	check_mirror(&a, &b);
	/* IKE_SA_INIT carries NAT detection both ways */
	ck_assert_uint_eq(NOTIFY(a, OUT, IKE_N_NAT_DETECTION_SOURCE_IP), 1);
	ck_assert_uint_eq(NOTIFY(a, OUT, IKE_N_NAT_DETECTION_DESTINATION_IP), 1);
	ck_assert_uint_eq(NOTIFY(b, OUT, IKE_N_NAT_DETECTION_SOURCE_IP), 1);
	ck_assert_uint_eq(a.ike_established, 1);
	ck_assert_uint_eq(a.child_established, 1);
	ck_assert_uint_eq(b.ike_established, 1);
	ck_assert_uint_eq(b.child_established, 1);
	ck_assert_uint_eq(a.ike_failed + a.child_failed + b.ike_failed + b.child_failed, 0);
	ck_assert_uint_eq(a.retransmits_out + a.retransmits_in + a.dropped + a.invalid, 0);
	/* all of it was the connection's */
	ac = ctr(&A, "gw");
	ck_assert_mem_eq(&ac, &a, sizeof(a));
	ck_assert_int_eq(ike_engine_counters(A.e, "nosuch", &ac), -ENOENT);
}
END_TEST

START_TEST(test_rekey_and_delete)
{
	struct ike_counters a, b;
	int id = connect_ab(&tconf_a, &tconf_b);

	ck_assert_uint_eq(A.n_inst, 1);
	ck_assert_int_eq(ike_engine_rekey(A.e, (uint32_t)id, A.inst[0].child_id), 0);
	tpump(&A, &B);
	a = ctr(&A, "gw");
	b = ctr(&B, "gw");
	ck_assert_uint_eq(MSG(a, OUT, 0, CREATE_CHILD_SA), 1);
	ck_assert_uint_eq(MSG(a, IN, 1, CREATE_CHILD_SA), 1);
	ck_assert_uint_eq(NOTIFY(a, OUT, IKE_N_REKEY_SA), 1);
	ck_assert_uint_eq(a.child_established, 2);
	ck_assert_uint_eq(b.child_established, 2);
	/* the old child went (a Delete each way), replaced */
	ck_assert_uint_eq(a.child_down[IKE_CAUSE_REKEYED], 1);
	ck_assert_uint_eq(b.child_down[IKE_CAUSE_REKEYED], 1);
	ck_assert_uint_ge(MSG(a, OUT, 0, INFORMATIONAL) + MSG(b, OUT, 0, INFORMATIONAL), 1);
	check_mirror(&a, &b);

	ck_assert_int_eq(ike_engine_terminate(A.e, "gw", 0), 0);
	tpump(&A, &B);
	a = ctr(&A, NULL);
	b = ctr(&B, NULL);
	check_mirror(&a, &b);
	ck_assert_uint_eq(a.ike_down[IKE_CAUSE_NONE], 1);
	ck_assert_uint_eq(b.ike_down[IKE_CAUSE_PEER_DELETE], 1);
	ck_assert_uint_eq(b.child_down[IKE_CAUSE_PEER_DELETE], 1);
}
END_TEST

struct drop_spec {
	const struct tpeer *from;
	size_t nth; /* drop the nth datagram from `from`, once */
	size_t dropped;
};

static bool drop_filter(const struct tpeer *from, const struct tpkt *k, size_t n, void *arg)
{
	struct drop_spec *d = arg;

	(void)k;
	if (from == d->from && n == d->nth && !d->dropped) {
		d->dropped++;
		return false;
	}
	return true;
}

START_TEST(test_retransmissions)
{
	/* B's IKE_AUTH response is lost: A sends its request again, B
	 * answers it from its cache. */
	struct drop_spec d = { .from = &B, .nth = 1 };
	struct ike_counters a, b;

	ck_assert_int_eq(tconn(&A, &B, &tconf_a), 0);
	ck_assert_int_eq(tconn(&B, &A, &tconf_b), 0);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	tpump_f(&A, &B, drop_filter, &d);
	ck_assert_uint_eq(d.dropped, 1);
	tadvance(&A, &B);
	tpump(&A, &B);
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_IKE_UP));
	a = ctr(&A, "gw");
	b = ctr(&B, "gw");
	ck_assert_uint_eq(a.retransmits_out, 1);
	ck_assert_uint_eq(b.retransmits_in, 1);
	ck_assert_uint_eq(a.retransmits_in + b.retransmits_out, 0);
	/* a message is counted once, however often it went */
	ck_assert_uint_eq(MSG(a, OUT, 0, AUTH), 1);
	ck_assert_uint_eq(MSG(b, IN, 0, AUTH), 1);
	ck_assert_uint_eq(MSG(b, OUT, 1, AUTH), 1);
	ck_assert_uint_eq(MSG(a, IN, 1, AUTH), 1);
	ck_assert_uint_eq(ctr(&A, NULL).retransmits_out, 1);
}
END_TEST

START_TEST(test_failure)
{
	struct tconf cb = tconf_b;
	struct ike_counters a, b;

	cb.psk = "another secret entirely";
	connect_ab(&tconf_a, &cb);
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_FAILED));
	a = ctr(&A, "gw");
	b = ctr(&B, "gw");
	ck_assert_uint_eq(a.ike_failed, 1);
	ck_assert_uint_eq(b.ike_failed, 1);
	ck_assert_uint_eq(a.failed_by_notify[ike_ctr_notify_slot(IKE_N_AUTHENTICATION_FAILED)], 1);
	ck_assert_uint_eq(b.failed_by_notify[ike_ctr_notify_slot(IKE_N_AUTHENTICATION_FAILED)], 1);
	ck_assert_uint_eq(a.ike_established + b.ike_established, 0);
	ck_assert_uint_eq(NOTIFY(b, OUT, IKE_N_AUTHENTICATION_FAILED), 1);
	ck_assert_uint_eq(NOTIFY(a, IN, IKE_N_AUTHENTICATION_FAILED), 1);
}
END_TEST

START_TEST(test_no_proposal_unprotected)
{
	/* B refuses IKE_SA_INIT with an unprotected NO_PROPOSAL_CHOSEN:
	 * sent globally, and the initiator fails with it. */
	struct tconf cb = tconf_b;
	struct ike_counters a, b;

	cb.proposals = "aes128-sha256-modp2048";
	connect_ab(&tconf_a, &cb);
	a = ctr(&A, NULL);
	b = ctr(&B, NULL);
	ck_assert_uint_eq(MSG(b, IN, 0, SA_INIT), 1);
	ck_assert_uint_eq(MSG(b, OUT, 1, SA_INIT), 1);
	ck_assert_uint_eq(NOTIFY(b, OUT, IKE_N_NO_PROPOSAL_CHOSEN), 1);
	check_mirror(&a, &b);
	ck_assert_uint_eq(a.failed_by_notify[ike_ctr_notify_slot(IKE_N_NO_PROPOSAL_CHOSEN)], 1);
}
END_TEST

START_TEST(test_dropped)
{
	static const uint8_t junk[40] = { 1, 2, 3 };
	struct ike_counters a, b;
	struct tpkt k;

	connect_ab(&tconf_a, &tconf_b);
	ike_engine_input(B.e, junk, sizeof(junk), &B.addr, &A.addr);
	ck_assert_uint_eq(ctr(&B, NULL).dropped, 1);
	ck_assert_uint_eq(ctr(&B, "gw").dropped, 0); /* no SA could be named */
	/* a request of the SA replayed out of its window: the SA's drop */
	ck_assert_int_eq(ike_engine_terminate(A.e, "gw", 0), 0);
	ck_assert(tq_pop(&A, &k));
	ike_engine_input(B.e, k.data, k.len, &k.dst, &k.src);
	a = ctr(&A, NULL);
	b = ctr(&B, NULL);
	ck_assert_uint_eq(MSG(b, IN, 0, INFORMATIONAL), 1);
	ike_engine_input(B.e, k.data, k.len, &k.dst, &k.src);
	free(k.data);
	b = ctr(&B, NULL);
	/* B's IKE SA is gone: unknown SPI */
	ck_assert_uint_eq(b.dropped, 2);
	ck_assert_uint_eq(MSG(b, IN, 0, INFORMATIONAL), 1);
	(void)a;
}
END_TEST

START_TEST(test_reset_and_reload)
{
	struct ike_counters a, zero;
	struct ike_engine_stats st;

	memset(&zero, 0, sizeof(zero));
	connect_ab(&tconf_a, &tconf_b);
	/* a reload of the connection keeps its counters */
	ck_assert_int_eq(tconn(&A, &B, &tconf_a), 0);
	a = ctr(&A, "gw");
	ck_assert_uint_eq(a.ike_established, 1);
	ck_assert_int_eq(ike_engine_counters_reset(A.e, "nosuch"), -ENOENT);
	ck_assert_int_eq(ike_engine_counters_reset(A.e, "gw"), 0);
	a = ctr(&A, "gw");
	ck_assert_mem_eq(&a, &zero, sizeof(a));
	ck_assert_uint_eq(ctr(&A, NULL).ike_established, 1);
	ike_engine_stats(B.e, &st);
	ck_assert_uint_gt(st.dh_keys, 0);
	ck_assert_int_eq(ike_engine_counters_reset(B.e, NULL), 0);
	a = ctr(&B, NULL);
	ck_assert_mem_eq(&a, &zero, sizeof(a));
	a = ctr(&B, "gw");
	ck_assert_mem_eq(&a, &zero, sizeof(a));
	ike_engine_stats(B.e, &st);
	ck_assert_uint_eq(st.dh_keys, 0);
	/* counting goes on after a reset */
	ck_assert_int_eq(ike_engine_terminate(A.e, "gw", 0), 0);
	tpump(&A, &B);
	ck_assert_uint_eq(MSG(ctr(&B, "gw"), IN, 0, INFORMATIONAL), 1);
}
END_TEST

static int count_names(void *arg, const char *name, const struct ike_counters *c)
{
	(void)c;
	ck_assert_str_eq(name, *(size_t *)arg == 0 ? "gw" : "other");
	(*(size_t *)arg)++;
	return 0;
}

START_TEST(test_foreach)
{
	struct tconf other = tconf_a;
	size_t n = 0;

	other.name = "other";
	ck_assert_int_eq(tconn(&A, &B, &tconf_a), 0);
	ck_assert_int_eq(tconn(&A, &B, &other), 0);
	ck_assert_int_eq(ike_engine_foreach_counters(A.e, count_names, &n), 0);
	ck_assert_uint_eq(n, 2);
	/* a removed connection's counters stay (what it did still counts) */
	ck_assert_int_eq(ike_engine_remove_conn(A.e, "other"), 0);
	n = 0;
	ck_assert_int_eq(ike_engine_foreach_counters(A.e, count_names, &n), 0);
	ck_assert_uint_eq(n, 2);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ike_counters");
	TCase *tc = tcase_create("counters");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_notify_slots);
	tcase_add_test(tc, test_handshake);
	tcase_add_test(tc, test_rekey_and_delete);
	tcase_add_test(tc, test_retransmissions);
	tcase_add_test(tc, test_failure);
	tcase_add_test(tc, test_no_proposal_unprotected);
	tcase_add_test(tc, test_dropped);
	tcase_add_test(tc, test_reset_and_reload);
	tcase_add_test(tc, test_foreach);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
