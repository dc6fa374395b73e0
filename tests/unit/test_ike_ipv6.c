// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Two engines in memory over IPv6, and across families: IPv6 traffic
 * selectors inside IPv4 endpoints and IPv4 ones inside IPv6 endpoints (the
 * engine hands both families to child_install; the kernel tunnels one in
 * the other). A wildcard that allows one family (%any4, %any6) takes only
 * peers of that family. CONDUIT_TEST_VERBOSE=1 prints the logs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/ike.h"
#include "tests/unit/test_ike_engine_env.h"
#include "tests/unit/unit.h"

#define IP6_A "2001:db8::1"
#define IP6_B "2001:db8::2"

static struct tpeer A, B; /* A initiates, B responds */

static void start(const char *ip_a, const char *ip_b)
{
	tverbose = getenv("CONDUIT_TEST_VERBOSE") != NULL;
	tclock = TCLOCK_START;
	tpeer_init(&A, "A", ip_a, TSEED_A, NULL);
	tpeer_init(&B, "B", ip_b, TSEED_B, NULL);
	ck_assert_ptr_nonnull(A.e);
	ck_assert_ptr_nonnull(B.e);
}

static void teardown(void)
{
	tpeer_free(&A);
	tpeer_free(&B);
}

struct opts {
	const char *local_ts, *remote_ts;
	bool local_any, remote_any;		     /* leave the address unset */
	uint8_t local_any_family, remote_any_family; /* %any4/%any6: a whole family */
	bool encap;
};

/* A connection "gw" from p to peer, as tconn() makes it, with opts. */
/* %any4 or %any6 as local_addrs/remote_addrs: the family's whole range. */
static void whole(struct ike_addr_range *r, uint8_t family)
{
	memset(r, 0, sizeof(*r));
	r->family = family;
	memset(r->to, 0xff, family == AF_INET6 ? 16 : 4);
}

static int conn(struct tpeer *p, const struct tpeer *peer, const struct opts *o)
{
	struct ike_addr_range lr, rr;
	struct ike_child_cfg child;
	struct ike_conn_cfg cfg;
	const char *err = NULL;
	int rc;

	memset(&child, 0, sizeof(child));
	snprintf(child.name, sizeof(child.name), "net");
	child.mode = IKE_MODE_TUNNEL;
	child.local_ts = o->local_ts;
	child.remote_ts = o->remote_ts;
	child.esp_proposals = tconf_a.esp;
	child.rekey_time = 3600;
	child.life_time = 3960;
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.name, sizeof(cfg.name), "gw");
	if (!o->local_any)
		cfg.local = p->addr;
	if (!o->remote_any)
		cfg.remote = peer->addr;
	if (o->local_any_family) {
		whole(&lr, o->local_any_family);
		cfg.n_local_addrs = 1;
		cfg.local_addrs = &lr;
	}
	if (o->remote_any_family) {
		whole(&rr, o->remote_any_family);
		cfg.n_remote_addrs = 1;
		cfg.remote_addrs = &rr;
	}
	cfg.proposals = tconf_a.proposals;
	cfg.psk = (const uint8_t *)tconf_a.psk;
	cfg.psk_len = strlen(tconf_a.psk);
	cfg.encap = o->encap;
	cfg.n_children = 1;
	cfg.children = &child;
	rc = ike_engine_add_conn(p->e, &cfg, &err);
	if (rc)
		fprintf(stderr, "%s: add_conn: %s\n", p->name, err ? err : "?");
	return rc;
}

static void negotiate(const struct opts *a, const struct opts *b)
{
	ck_assert_int_eq(conn(&A, &B, a), 0);
	ck_assert_int_eq(conn(&B, &A, b), 0);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	tpump(&A, &B);
}

static void check_up(void)
{
	ck_assert_ptr_null(tfind_event(&A, IKE_EV_FAILED));
	ck_assert_ptr_null(tfind_event(&B, IKE_EV_FAILED));
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_CHILD_UP));
	ck_assert_ptr_nonnull(tfind_event(&B, IKE_EV_CHILD_UP));
	ck_assert_uint_eq(A.n_inst, 1);
	ck_assert_uint_eq(B.n_inst, 1);
	ck_assert_uint_eq(A.inst[0].out.spi, B.inst[0].in.spi);
	ck_assert_uint_eq(A.inst[0].in.spi, B.inst[0].out.spi);
}

/* The SA endpoints of an install are these peers' addresses. */
static void check_endpoints(const struct ike_child_install *ci, const struct tpeer *us,
			    const struct tpeer *peer)
{
	ck_assert_int_eq(ci->out.src.family, us->addr.family);
	ck_assert_int_eq(ci->out.dst.family, peer->addr.family);
	ck_assert_mem_eq(ci->out.src.ip, us->addr.ip, 16);
	ck_assert_mem_eq(ci->out.dst.ip, peer->addr.ip, 16);
	ck_assert_int_eq(ci->in.src.family, peer->addr.family);
	ck_assert_mem_eq(ci->in.src.ip, peer->addr.ip, 16);
	ck_assert_mem_eq(ci->in.dst.ip, us->addr.ip, 16);
}

static void check_ts(const struct ike_ts *ts, uint8_t type, const char *start)
{
	struct ike_addr a;

	taddr(&a, start, 0);
	ck_assert_int_eq(ts->type, type);
	ck_assert_mem_eq(ts->start_addr, a.ip, type == IKE_TS_IPV4_ADDR_RANGE ? 4 : 16);
}

static int first_sa(void *arg, const struct ike_sa_info *sa)
{
	*(struct ike_sa_info *)arg = *sa;
	return 1;
}

START_TEST(test_v6_in_v6)
{
	const struct opts a = { "fd00:1::/64", "fd00:2::/64" },
			  b = { "fd00:2::/64", "fd00:1::/64" };
	struct ike_sa_info info;

	start(IP6_A, IP6_B);
	negotiate(&a, &b);
	check_up();
	check_endpoints(&A.inst[0], &A, &B);
	check_endpoints(&B.inst[0], &B, &A);
	check_ts(&A.inst[0].local_ts[0], IKE_TS_IPV6_ADDR_RANGE, "fd00:1::");
	check_ts(&A.inst[0].remote_ts[0], IKE_TS_IPV6_ADDR_RANGE, "fd00:2::");
	check_ts(&B.inst[0].local_ts[0], IKE_TS_IPV6_ADDR_RANGE, "fd00:2::");
	/* No id configured: each side's IPv6 address is its identity. */
	ike_engine_foreach_sa(A.e, first_sa, &info);
	ck_assert_str_eq(info.local_id, IP6_A);
	ck_assert_str_eq(info.remote_id, IP6_B);
	ck_assert_int_eq(info.local.family, AF_INET6);
	ck_assert(!info.nat_local && !info.nat_remote);
}
END_TEST

START_TEST(test_v4_in_v6)
{
	const struct opts a = { "10.1.0.0/24", "10.2.0.0/24" },
			  b = { "10.2.0.0/24", "10.1.0.0/24" };

	start(IP6_A, IP6_B);
	negotiate(&a, &b);
	check_up();
	check_endpoints(&A.inst[0], &A, &B);
	check_endpoints(&B.inst[0], &B, &A);
	check_ts(&A.inst[0].local_ts[0], IKE_TS_IPV4_ADDR_RANGE, "10.1.0.0");
	check_ts(&B.inst[0].local_ts[0], IKE_TS_IPV4_ADDR_RANGE, "10.2.0.0");
}
END_TEST

START_TEST(test_v6_in_v4)
{
	const struct opts a = { "fd00:1::/64", "fd00:2::/64" },
			  b = { "fd00:2::/64", "fd00:1::/64" };

	start(TIP_A, TIP_B);
	negotiate(&a, &b);
	check_up();
	check_endpoints(&A.inst[0], &A, &B);
	ck_assert_int_eq(A.inst[0].out.src.family, AF_INET);
	check_ts(&A.inst[0].local_ts[0], IKE_TS_IPV6_ADDR_RANGE, "fd00:1::");
	check_ts(&B.inst[0].remote_ts[0], IKE_TS_IPV6_ADDR_RANGE, "fd00:1::");
}
END_TEST

/* Both families in one child: each side keeps what the other allows. */
START_TEST(test_dual_stack_selectors)
{
	const struct opts a = { "10.1.0.0/24,fd00:1::/64", "10.2.0.0/24,fd00:2::/64" };
	const struct opts b = { "fd00:2::/64,10.2.0.0/24", "fd00:1::/64,10.1.0.0/24" };

	start(IP6_A, IP6_B);
	negotiate(&a, &b);
	check_up();
	ck_assert_uint_eq(A.inst[0].n_local_ts, 2);
	ck_assert_uint_eq(A.inst[0].n_remote_ts, 2);
	ck_assert_uint_eq(B.inst[0].n_local_ts, 2);
}
END_TEST

/* "dynamic" is the gateway's own IPv6 address. */
START_TEST(test_dynamic_v6)
{
	const struct opts a = { "dynamic", "dynamic" }, b = { "dynamic", "dynamic" };
	struct ike_addr ip;

	start(IP6_A, IP6_B);
	negotiate(&a, &b);
	check_up();
	taddr(&ip, IP6_A, 0);
	check_ts(&A.inst[0].local_ts[0], IKE_TS_IPV6_ADDR_RANGE, IP6_A);
	ck_assert_mem_eq(A.inst[0].local_ts[0].end_addr, ip.ip, 16);
	check_ts(&A.inst[0].remote_ts[0], IKE_TS_IPV6_ADDR_RANGE, IP6_B);
}
END_TEST

/* encap = yes on IPv6: both sides move to port 4500 and install ESP in
 * UDP, nobody is behind a NAT. */
START_TEST(test_encap_v6)
{
	struct opts a = { "fd00:1::/64", "fd00:2::/64" }, b = { "fd00:2::/64", "fd00:1::/64" };
	struct ike_sa_info info;

	a.encap = true;
	start(IP6_A, IP6_B);
	negotiate(&a, &b);
	check_up();
	ck_assert(A.inst[0].encap);
	ck_assert(B.inst[0].encap);
	ck_assert_uint_eq(A.inst[0].out.src.port, 4500);
	ck_assert_uint_eq(A.inst[0].out.dst.port, 4500);
	ck_assert_int_eq(A.inst[0].out.dst.family, AF_INET6);
	ike_engine_foreach_sa(A.e, first_sa, &info);
	ck_assert(info.nat_fake && !info.nat_local);
	ike_engine_foreach_sa(B.e, first_sa, &info);
	ck_assert(info.nat_remote && !info.nat_local);
}
END_TEST

/* A responder's %any6 (remote_any_family) refuses an IPv4 peer, %any4
 * takes it. */
START_TEST(test_remote_any_family)
{
	const struct opts a = { "10.1.0.0/24", "10.2.0.0/24" };
	struct opts b = { "10.2.0.0/24", "10.1.0.0/24" };
	const struct tevent *ev;

	b.remote_any = true;
	b.remote_any_family = AF_INET6;
	start(TIP_A, TIP_B);
	negotiate(&a, &b);
	ev = tfind_event(&A, IKE_EV_FAILED);
	ck_assert_ptr_nonnull(ev);
	ck_assert_uint_eq(ev->notify, IKE_N_NO_PROPOSAL_CHOSEN);
	ck_assert_ptr_null(tfind_event(&B, IKE_EV_IKE_UP));
	ck_assert(strstr(B.last_log, "no connection"));
	teardown();

	b.remote_any_family = AF_INET;
	start(TIP_A, TIP_B);
	negotiate(&a, &b);
	check_up();
}
END_TEST

/* The same for the address a responder is reached at (local %any6). */
START_TEST(test_local_any_family)
{
	const struct opts a = { "10.1.0.0/24", "10.2.0.0/24" };
	struct opts b = { "10.2.0.0/24", "10.1.0.0/24" };

	b.local_any = true;
	b.local_any_family = AF_INET6;
	start(TIP_A, TIP_B);
	negotiate(&a, &b);
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_FAILED));
	ck_assert_ptr_null(tfind_event(&B, IKE_EV_IKE_UP));
	teardown();

	/* Over IPv6 the same connection takes the peer, at whichever of
	 * its addresses it was reached. */
	start(IP6_A, IP6_B);
	negotiate(&a, &b);
	ck_assert_ptr_nonnull(tfind_event(&B, IKE_EV_IKE_UP));
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ike_ipv6");
	TCase *tc = tcase_create("ipv6");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_v6_in_v6);
	tcase_add_test(tc, test_v4_in_v6);
	tcase_add_test(tc, test_v6_in_v4);
	tcase_add_test(tc, test_dual_stack_selectors);
	tcase_add_test(tc, test_dynamic_v6);
	tcase_add_test(tc, test_encap_v6);
	tcase_add_test(tc, test_remote_any_family);
	tcase_add_test(tc, test_local_any_family);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
