// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IKE fragmentation (RFC 7383) with two engines in memory: an IKE_AUTH
 * made large by many selectors goes in fragments both ways, each datagram
 * within the fragment size; fragmentation = yes|accept|force|no decides
 * who fragments; with none over a path that drops large datagrams the
 * failure says why; all fragments are retransmitted; and reassembly holds
 * to its limits against forged, reordered, duplicate fragments and
 * changing totals. CONDUIT_TEST_VERBOSE=1 prints the logs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/engine.h"
#include "tests/unit/test_ike_engine_env.h"
#include "tests/unit/unit.h"

#define IP6_A "2001:db8::1"
#define IP6_B "2001:db8::2"

static struct tpeer A, B;

/* 16 IPv6 selectors a side (and one IPv4): an IKE_AUTH of about 1.5 kB */
#define TS6(side)                                                                                  \
	"2001:db8:" side ":0::/64,2001:db8:" side ":1::/64,2001:db8:" side                         \
	":2::/64,2001:db8:" side ":3::/64,2001:db8:" side ":4::/64,2001:db8:" side                 \
	":5::/64,2001:db8:" side ":6::/64,2001:db8:" side ":7::/64,2001:db8:" side                 \
	":8::/64,2001:db8:" side ":9::/64,2001:db8:" side ":a::/64,2001:db8:" side                 \
	":b::/64,2001:db8:" side ":c::/64,2001:db8:" side ":d::/64,2001:db8:" side ":e::/64"
#define TS_A "10.1.0.0/24," TS6("a")
#define TS_B "10.2.0.0/24," TS6("b")

static const char *const GCM = "aes256gcm16-prfsha256-x25519";
static const char *const CBC = "aes256-sha256-x25519";

static void teardown(void)
{
	tpeer_free(&A);
	tpeer_free(&B);
}

/* A and B with a connection each; fragment sizes of both families. */
static void setup_pair(bool v6, const char *proposals, uint8_t frag_a, uint8_t frag_b,
		       uint16_t size, uint16_t port)
{
	struct ike_engine_opts o = { .fragment_size_v4 = size, .fragment_size_v6 = size };
	struct tconf ca = tconf_a, cb = tconf_b;

	tverbose = getenv("CONDUIT_TEST_VERBOSE") != NULL;
	tclock = TCLOCK_START;
	tpeer_init(&A, "A", v6 ? IP6_A : TIP_A, TSEED_A, &o);
	tpeer_init(&B, "B", v6 ? IP6_B : TIP_B, TSEED_B, &o);
	ck_assert_ptr_nonnull(A.e);
	ck_assert_ptr_nonnull(B.e);
	A.addr.port = B.addr.port = port;
	ca.proposals = cb.proposals = proposals;
	ca.local_ts = cb.remote_ts = TS_A;
	ca.remote_ts = cb.local_ts = TS_B;
	ca.fragmentation = frag_a;
	cb.fragmentation = frag_b;
	ck_assert_int_eq(tconn(&A, &B, &ca), 0);
	ck_assert_int_eq(tconn(&B, &A, &cb), 0);
}

/* What the path saw, and what it lets through. */
struct path {
	size_t mtu;	    /* datagrams larger than this are dropped (0: none) */
	size_t size;	    /* the fragment size every datagram must fit */
	size_t skf[2];	    /* SKF datagrams from A [0], from B [1] */
	size_t dgrams[2];   /* datagrams from A, from B */
	size_t largest[2];  /* the largest IP datagram from each */
	size_t drop_b;	    /* drop this many of B's first SKF datagrams */
	size_t dropped_big; /* dropped for the MTU */
};

static size_t ip_size(const struct tpkt *k)
{
	return k->len + (k->dst.family == AF_INET6 ? 40 : 20) + 8 + (k->src.port != 500 ? 4 : 0);
}

static bool is_skf(const struct tpkt *k)
{
	return k->len > 28 && k->data[16] == IKE_PL_SKF;
}

static bool path_filter(const struct tpeer *from, const struct tpkt *k, size_t n, void *arg)
{
	struct path *p = arg;
	int side = from == &B;
	size_t sz = ip_size(k);

	(void)n;
	p->dgrams[side]++;
	p->skf[side] += is_skf(k);
	if (sz > p->largest[side])
		p->largest[side] = sz;
	if (p->mtu && sz > p->mtu) {
		p->dropped_big++;
		return false;
	}
	if (side == 1 && is_skf(k) && p->drop_b) {
		p->drop_b--;
		return false;
	}
	return true;
}

/* Run the exchanges (and timers) until nothing is left to do, the
 * CHILD SA is up on both sides, or the IKE SA failed on A (B's half-open
 * SA times out first when A's IKE_AUTH never arrives). */
static void run(struct path *p)
{
	for (int i = 0; i < 200; i++) {
		tpump_f(&A, &B, path_filter, p);
		if ((tfind_event(&A, IKE_EV_CHILD_UP) && tfind_event(&B, IKE_EV_CHILD_UP)) ||
		    tfind_event(&A, IKE_EV_FAILED))
			return;
		if (!tadvance(&A, &B))
			return;
	}
}

static void assert_up(void)
{
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_CHILD_UP));
	ck_assert_ptr_nonnull(tfind_event(&B, IKE_EV_CHILD_UP));
	ck_assert_uint_eq(A.n_inst, 1);
	ck_assert_uint_eq(B.n_inst, 1);
	/* the many selectors made it through */
	ck_assert_uint_eq(A.inst[0].n_local_ts, 16);
	ck_assert_uint_eq(B.inst[0].n_remote_ts, 16);
}

/* _i: bit 0 CBC, bit 1 IPv6, bit 2 B initiates, bit 3 on port 4500
 * (the non-ESP marker counts too) */
START_TEST(test_fragmented_both_ways)
{
	bool cbc = _i & 1, v6 = _i & 2, b_first = _i & 4, natt = _i & 8;
	struct path p = { .size = 1280 };

	setup_pair(v6, cbc ? CBC : GCM, IKE_FRAGMENTATION_YES, IKE_FRAGMENTATION_YES, 1280,
		   natt ? 4500 : 500);
	ck_assert_int_gt(ike_engine_initiate(b_first ? B.e : A.e, "gw", NULL), 0);
	run(&p);
	assert_up();
	/* IKE_AUTH both ways in fragments, each within the size */
	ck_assert_uint_ge(p.skf[0], 2);
	ck_assert_uint_ge(p.skf[1], 2);
	ck_assert_uint_le(p.largest[0], 1280);
	ck_assert_uint_le(p.largest[1], 1280);
}
END_TEST

/* What each side does with 4x4 settings: _i = frag_a * 4 + frag_b. */
START_TEST(test_settings)
{
	uint8_t fa = (uint8_t)(_i / 4), fb = (uint8_t)(_i % 4);
	/* announced: A unless no; B only to an A that did, unless no */
	bool a_ann = fa != IKE_FRAGMENTATION_NO;
	bool b_ann = a_ann && fb != IKE_FRAGMENTATION_NO;
	bool a_frags = fa == IKE_FRAGMENTATION_FORCE || (fa == IKE_FRAGMENTATION_YES && b_ann);
	bool b_frags = fb == IKE_FRAGMENTATION_FORCE || (fb == IKE_FRAGMENTATION_YES && a_ann);
	struct path p = { .size = 1280 };
	struct ike_sa *sa;

	setup_pair(false, GCM, fa, fb, 1280, 500);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	run(&p);
	/* the path carries large datagrams: it comes up whatever the setting */
	assert_up();
	ck_assert_msg(!!p.skf[0] == a_frags, "A %u B %u: A sent %zu SKF", fa, fb, p.skf[0]);
	ck_assert_msg(!!p.skf[1] == b_frags, "A %u B %u: B sent %zu SKF", fa, fb, p.skf[1]);
	if (!a_frags)
		ck_assert_uint_gt(p.largest[0], 1280);
	if (!b_frags)
		ck_assert_uint_gt(p.largest[1], 1280);
	sa = ike_sa_by_id(A.e, 1);
	ck_assert_ptr_nonnull(sa);
	ck_assert(sa->frag_peer == b_ann);
	sa = ike_sa_by_id(B.e, 1);
	ck_assert_ptr_nonnull(sa);
	ck_assert(sa->frag_peer == a_ann);
}
END_TEST

/* No fragmentation on either side across a path that drops datagrams
 * over 1280 octets: the failure says why. */
START_TEST(test_no_fragmentation_fails_clearly)
{
	struct path p = { .mtu = 1280 };
	const struct tevent *ev;

	setup_pair(false, GCM, IKE_FRAGMENTATION_NO, IKE_FRAGMENTATION_NO, 1280, 500);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	run(&p);
	ck_assert_ptr_null(tfind_event(&A, IKE_EV_CHILD_UP));
	ev = tfind_event(&A, IKE_EV_FAILED);
	ck_assert_ptr_nonnull(ev);
	ck_assert_uint_gt(p.dropped_big, 5);
	ck_assert_uint_eq(p.skf[0], 0);
	ck_assert_msg(strstr(ev->reason, "peer did not answer IKE_AUTH") &&
			  strstr(ev->reason, "exceeded the fragment size (1280)") &&
			  strstr(ev->reason, "went unfragmented (fragmentation = no)") &&
			  strstr(ev->reason, "IP fragments may have been dropped"),
		      "reason: %s", ev->reason);

	/* the same with yes on both: it comes up */
	teardown();
	memset(&p, 0, sizeof(p));
	p.mtu = 1280;
	setup_pair(false, GCM, IKE_FRAGMENTATION_YES, IKE_FRAGMENTATION_YES, 1280, 500);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	run(&p);
	assert_up();
	ck_assert_uint_eq(p.dropped_big, 0);
}
END_TEST

/* A lost fragmented response: A sends every fragment again, and B answers
 * each retransmission once (on fragment 1, RFC 7383 2.6.1). */
START_TEST(test_retransmit_all_fragments)
{
	struct path p = { .size = 576, .drop_b = 1000 };
	struct ike_sa *sa;
	size_t req_frags, resp_frags;

	setup_pair(false, GCM, IKE_FRAGMENTATION_YES, IKE_FRAGMENTATION_YES, 576, 500);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	/* IKE_SA_INIT, then IKE_AUTH: B's whole response is lost */
	tpump_f(&A, &B, path_filter, &p);
	sa = ike_sa_by_id(A.e, 1);
	ck_assert_ptr_nonnull(sa);
	req_frags = p.skf[0];
	resp_frags = p.skf[1];
	ck_assert_uint_ge(req_frags, 3);
	ck_assert_uint_ge(resp_frags, 3);
	ck_assert_uint_le(p.largest[0], 576);
	ck_assert_uint_le(p.largest[1], 576);
	ck_assert_ptr_null(tfind_event(&A, IKE_EV_CHILD_UP));
	/* the retransmission: all fragments, answered once */
	p.drop_b = 0;
	ck_assert(tadvance(&A, &B));
	tpump_f(&A, &B, path_filter, &p);
	ck_assert_uint_eq(p.skf[0], 2 * req_frags);
	ck_assert_uint_eq(p.skf[1], 2 * resp_frags);
	assert_up();
}
END_TEST

/* ---- reassembly, fragment by fragment ---- */

static struct ike_sa *sa_a, *sa_b;

/* An IKE SA between A and B (small messages), then fragments from A. */
static void setup_sa(void)
{
	struct ike_engine_opts o = { 0 };

	tverbose = getenv("CONDUIT_TEST_VERBOSE") != NULL;
	tclock = TCLOCK_START;
	tpeer_init(&A, "A", TIP_A, TSEED_A, &o);
	tpeer_init(&B, "B", TIP_B, TSEED_B, &o);
	ck_assert_int_eq(tconn(&A, &B, &tconf_a), 0);
	ck_assert_int_eq(tconn(&B, &A, &tconf_b), 0);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	tpump(&A, &B);
	ck_assert_ptr_nonnull(tfind_event(&B, IKE_EV_CHILD_UP));
	sa_a = ike_sa_by_id(A.e, 1);
	sa_b = ike_sa_by_id(B.e, 1);
	ck_assert_ptr_nonnull(sa_a);
	ck_assert_ptr_nonnull(sa_b);
	ck_assert_uint_eq(sa_b->msgid_peer, sa_a->msgid_next);
}

/* An INFORMATIONAL request's plaintext: one status notify of n octets. */
static uint8_t plain_msg[40000];
static size_t plain_len;
static uint8_t frag_exchange = IKE_INFORMATIONAL;

static void make_plain(size_t n)
{
	struct ike_writer w;
	struct ike_builder b;
	uint8_t first;

	ike_writer_init_fixed(&w, plain_msg, sizeof(plain_msg));
	ike_build_begin_inner(&b, &w);
	for (size_t left = n; left;) {
		static uint8_t data[4000];
		size_t k = left > sizeof(data) ? sizeof(data) : left;

		memset(data, 0x5a, k);
		ike_add_notify(&b, 0, NULL, 0, 40000, data, k); /* private status */
		left -= k;
	}
	ck_assert_int_eq(ike_build_end_inner(&b, &first), 0);
	ck_assert_uint_eq(first, IKE_PL_NOTIFY);
	plain_len = w.len;
}

/* Fragment number of total from A to B: the piece [off, off + len) of
 * plain_msg, sealed with A's keys; corrupt: one ICV bit flipped. */
static void send_frag(uint16_t number, uint16_t total, size_t off, size_t len, bool corrupt)
{
	struct ike_sk_cipher c;
	struct ike_sk_layout lay;
	struct ike_writer w;
	struct ike_builder b;
	struct ike_hdr h;
	uint8_t iv[IKE_SK_IV_MAX_LEN];

	ike_sk_cipher_from_keys(&c, &sa_a->keys, true);
	ike_sa_hdr(sa_a, &h, frag_exchange, false, sa_a->msgid_next);
	ike_writer_init(&w);
	ike_build_begin(&b, &w, &h);
	ike_add_skf(&b, number == 1 ? IKE_PL_NOTIFY : IKE_PL_NONE, number, total, ike_sk_iv_len(&c),
		    ike_sk_ct_len(&c, len), ike_sk_icv_len(&c), &lay);
	ck_assert_int_eq(ike_build_end(&b), 0);
	memcpy(ike_writer_span(&w, lay.ct_off, len), plain_msg + off, len);
	memset(iv, 0, sizeof(iv));
	iv[0] = (uint8_t)number;
	iv[1] = (uint8_t)total;
	iv[2] = (uint8_t)(tclock >> 3);
	iv[3] = corrupt;
	ck_assert_int_eq(ike_sk_seal(&c, w.buf, w.len, lay.iv_off, len, iv), 0);
	if (corrupt)
		w.buf[w.len - 1] ^= 1;
	ike_engine_input(B.e, w.buf, w.len, &B.addr, &A.addr);
	ike_writer_free(&w);
}

/* The message in n equal pieces (the last takes the rest). */
static size_t piece(size_t n, size_t i, size_t *len)
{
	size_t per = plain_len / n;

	*len = i + 1 == n ? plain_len - per * i : per;
	return per * i;
}

static void send_piece(uint16_t i, uint16_t n, bool corrupt)
{
	size_t len, off = piece(n, i - 1u, &len);

	send_frag(i, n, off, len, corrupt);
}

/* Whether B processed A's request: it answered and moved its window. */
static bool b_answered(uint32_t msgid)
{
	return sa_b->msgid_peer == msgid + 1;
}

START_TEST(test_out_of_order)
{
	uint32_t id;

	setup_sa();
	id = sa_a->msgid_next;
	make_plain(3000);
	send_piece(3, 4, false);
	send_piece(1, 4, false);
	send_piece(4, 4, false);
	ck_assert(!b_answered(id));
	ck_assert_ptr_nonnull(sa_b->frx[0]);
	ck_assert_uint_gt(B.e->frag_bytes, 0);
	send_piece(2, 4, false);
	ck_assert(b_answered(id));
	ck_assert_ptr_null(sa_b->frx[0]);
	ck_assert_uint_eq(B.e->frag_bytes, 0);

	/* the request again (its fragment 2 first): only fragment 1 brings
	 * the response again (RFC 7383 2.6.1) */
	tq_clear(&B);
	send_piece(2, 4, false);
	send_piece(3, 4, false);
	ck_assert_uint_eq(B.n_q, 0);
	send_piece(1, 4, false);
	ck_assert_uint_eq(B.n_q, 1);
}
END_TEST

START_TEST(test_forged_and_duplicate)
{
	uint32_t id;

	setup_sa();
	id = sa_a->msgid_next;
	make_plain(2000);
	/* a forged fragment is not kept */
	send_piece(1, 2, true);
	ck_assert_ptr_null(sa_b->frx[0]);
	ck_assert_uint_eq(B.e->frag_bytes, 0);
	ck_assert_msg(strstr(B.last_log, "integrity check failed"), "%s", B.last_log);
	send_piece(1, 2, false);
	ck_assert_ptr_nonnull(sa_b->frx[0]);
	/* a duplicate is dropped before decryption: even a forged one is
	 * "duplicate", not "integrity check failed" */
	send_piece(1, 2, true);
	ck_assert_msg(strstr(B.last_log, "duplicate fragment"), "%s", B.last_log);
	send_piece(1, 2, false);
	ck_assert_msg(strstr(B.last_log, "duplicate fragment"), "%s", B.last_log);
	ck_assert_uint_eq(sa_b->frx[0]->count, 1);
	/* a forged fragment with a larger total does not restart it */
	send_piece(1, 3, true);
	ck_assert_uint_eq(sa_b->frx[0]->total, 2);
	ck_assert_uint_eq(sa_b->frx[0]->count, 1);
	ck_assert(!b_answered(id));
	/* a forged last fragment does not complete it */
	send_piece(2, 2, true);
	ck_assert(!b_answered(id));
	/* nor does one of another exchange type discard it */
	frag_exchange = IKE_CREATE_CHILD_SA;
	send_piece(2, 2, true);
	frag_exchange = IKE_INFORMATIONAL;
	ck_assert_ptr_nonnull(sa_b->frx[0]);
	ck_assert_uint_eq(sa_b->frx[0]->count, 1);
	send_piece(2, 2, false);
	ck_assert(b_answered(id));
}
END_TEST

START_TEST(test_totals)
{
	uint32_t id;

	setup_sa();
	id = sa_a->msgid_next;
	make_plain(3000);
	/* smaller: dropped, once authenticated */
	send_piece(1, 3, false);
	send_piece(2, 2, false);
	ck_assert_msg(strstr(B.last_log, "fewer Total Fragments"), "%s", B.last_log);
	ck_assert_uint_eq(sa_b->frx[0]->total, 3);
	ck_assert_uint_eq(sa_b->frx[0]->count, 1);
	/* larger: starts over with it */
	send_piece(2, 4, false);
	ck_assert_uint_eq(sa_b->frx[0]->total, 4);
	ck_assert_uint_eq(sa_b->frx[0]->count, 1);
	send_piece(1, 4, false);
	send_piece(3, 4, false);
	ck_assert(!b_answered(id));
	send_piece(4, 4, false);
	ck_assert(b_answered(id));
}
END_TEST

START_TEST(test_limits)
{
	uint32_t id;
	size_t len;

	setup_sa();
	id = sa_a->msgid_next;

	/* more than IKE_FRAG_MAX_FRAGMENTS: dropped before decryption */
	make_plain(3000);
	send_frag(1, IKE_FRAG_MAX_FRAGMENTS + 1, 0, 20, false);
	ck_assert_ptr_null(sa_b->frx[0]);
	ck_assert_msg(strstr(B.last_log, "more fragments than"), "%s", B.last_log);
	/* as many is fine */
	send_frag(1, IKE_FRAG_MAX_FRAGMENTS, 0, 20, false);
	ck_assert_ptr_nonnull(sa_b->frx[0]);
	ck_assert_uint_eq(sa_b->frx[0]->total, IKE_FRAG_MAX_FRAGMENTS);

	/* the timeout: forgotten 30 s after the first fragment */
	tclock += IKE_FRAG_TIMEOUT_MS - 1;
	ike_engine_run_timers(B.e);
	ck_assert_ptr_nonnull(sa_b->frx[0]);
	tclock += 1;
	ike_engine_run_timers(B.e);
	ck_assert_ptr_null(sa_b->frx[0]);
	ck_assert_uint_eq(B.e->frag_bytes, 0);
	ck_assert(!b_answered(id));

	/* more than IKE_FRAG_MAX_BYTES of plaintext: the message is dropped */
	make_plain(IKE_FRAG_MAX_BYTES + 2000);
	for (uint16_t i = 1; i <= 40; i++) {
		size_t off = piece(40, i - 1u, &len);

		send_frag(i, 40, off, len, false);
		if (off + len <= IKE_FRAG_MAX_BYTES) {
			ck_assert_ptr_nonnull(sa_b->frx[0]);
			ck_assert_uint_eq(B.e->frag_bytes, off + len);
		} else {
			break;
		}
	}
	ck_assert_ptr_null(sa_b->frx[0]);
	ck_assert_uint_eq(B.e->frag_bytes, 0);
	ck_assert_msg(strstr(B.last_log, "message larger than"), "%s", B.last_log);
	ck_assert(!b_answered(id));

	/* the engine-wide limit (what other SAs hold, made up here) */
	make_plain(2000);
	B.e->frag_bytes = IKE_FRAG_ENGINE_BYTES - 100;
	send_piece(1, 2, false);
	ck_assert_ptr_null(sa_b->frx[0]);
	ck_assert_msg(strstr(B.last_log, "reassembly memory exhausted"), "%s", B.last_log);
	B.e->frag_bytes = 0;
	send_piece(1, 2, false);
	send_piece(2, 2, false);
	ck_assert(b_answered(id));
	ck_assert_uint_eq(B.e->frag_bytes, 0);
}
END_TEST

/* A rekeyed IKE SA keeps the agreement. */
START_TEST(test_rekey_inherits)
{
	struct path p = { .size = 1280 };
	struct ike_sa *sa;

	setup_pair(false, GCM, IKE_FRAGMENTATION_YES, IKE_FRAGMENTATION_YES, 1280, 500);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	run(&p);
	assert_up();
	ck_assert_int_eq(ike_engine_rekey(A.e, 1, 0), 0);
	tpump(&A, &B);
	sa = ike_sa_by_id(A.e, 2);
	ck_assert_ptr_nonnull(sa);
	ck_assert_int_eq(sa->state, IKE_S_ESTABLISHED);
	ck_assert(sa->frag_peer);
	sa = ike_sa_by_id(B.e, 2);
	ck_assert_ptr_nonnull(sa);
	ck_assert(sa->frag_peer);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ike_frag");
	TCase *tc = tcase_create("frag");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_loop_test(tc, test_fragmented_both_ways, 0, 16);
	tcase_add_loop_test(tc, test_settings, 0, 16);
	tcase_add_test(tc, test_no_fragmentation_fails_clearly);
	tcase_add_test(tc, test_retransmit_all_fragments);
	tcase_add_test(tc, test_out_of_order);
	tcase_add_test(tc, test_forged_and_duplicate);
	tcase_add_test(tc, test_totals);
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_rekey_inherits);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
