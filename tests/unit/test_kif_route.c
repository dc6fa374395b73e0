// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * kernel-iface/route.c against the running kernel's rtnetlink, each test in
 * a network namespace of its own (a veth pair v0/v1 with 192.0.2.1/24 and
 * 2001:db8::1/64 on v0). Needs root; exit 77 (SKIP) otherwise. Routes and
 * rules carry protocol 205 and read back; a delete never removes the
 * operator's route of the same prefix; the flush removes conduit's
 * leftovers and nothing else.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kernel-iface/route.h"
#include "tests/unit/unit.h"

static struct kif_rt *r;

static void sh(const char *cmd)
{
	ck_assert_msg(system(cmd) == 0, "%s", cmd);
}

static struct kif_addr A(const char *s) {
	struct kif_addr a;

	ck_assert_int_eq(kif_addr_parse(&a, s), 0);
	return a;
}

static void
setup(void)
{
	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	sh("ip link set lo up && ip link add v0 type veth peer name v1 && ip link set v0 up && "
	   "ip link set v1 up && ip addr add 192.0.2.1/24 dev v0 && "
	   "ip addr add 2001:db8::1/64 dev v0 nodad && ip addr add 10.1.0.1/24 dev lo");
	ck_assert_int_eq(kif_rt_open(&r), 0);
}

static void teardown(void)
{
	kif_rt_close(r);
}

/* `ip route get`: the interface and gateway toward a peer. */
START_TEST(test_route_get)
{
	struct kif_addr peer = A("192.0.2.2"), me = A("192.0.2.1"), far = A("198.51.100.7");
	struct kif_route_info ri;
	char buf[64];

	ck_assert_int_eq(kif_route_get(r, &peer, &me, &ri), 0);
	ck_assert_int_eq(ri.oif, (int)if_nametoindex("v0"));
	ck_assert_int_eq(ri.gateway.family, 0); /* on the link */
	ck_assert_int_eq(kif_route_get(r, &peer, NULL, &ri), 0);
	ck_assert_str_eq(kif_addr_str(&ri.prefsrc, buf, sizeof(buf)), "192.0.2.1");
	sh("ip route add 198.51.100.0/24 via 192.0.2.254");
	ck_assert_int_eq(kif_route_get(r, &far, NULL, &ri), 0);
	ck_assert_str_eq(kif_addr_str(&ri.gateway, buf, sizeof(buf)), "192.0.2.254");
	sh("ip route del default 2>/dev/null; true");
	far = A("203.0.113.1");
	ck_assert_int_lt(kif_route_get(r, &far, NULL, &ri), 0); /* no route */
	ck_assert_ptr_nonnull(strstr(kif_rt_error(r), "route get 203.0.113.1"));
}
END_TEST

struct seen {
	int n_ours, n_other;
	struct kif_route last;
};

static void count(void *arg, const struct kif_route *rt, uint8_t protocol)
{
	struct seen *s = arg;

	if (protocol == KIF_RTPROT) {
		s->n_ours++;
		s->last = *rt;
	} else {
		s->n_other++;
	}
}

/* A route of conduit's reads back with its protocol, gateway and source;
 * deleting it leaves the operator's route of the same prefix in another
 * table, and an operator's route in conduit's table too. */
START_TEST(test_route_add_del)
{
	struct kif_route rt = {
		.dst = A("10.2.0.0"),
		.plen = 24,
		.gateway = A("192.0.2.2"),
		.src = A("10.1.0.1"),
		.oif = (int)if_nametoindex("v0"),
		.table = 220,
	};
	struct seen s = { 0 };
	char buf[64];

	sh("ip route add 10.2.0.0/24 via 192.0.2.3 proto static");
	sh("ip route add 10.3.0.0/24 via 192.0.2.3 table 220 proto static");
	ck_assert_msg(kif_route_add(r, &rt) == 0, "%s", kif_rt_error(r));
	ck_assert_int_eq(kif_route_add(r, &rt), -EEXIST);
	ck_assert_int_eq(kif_route_list(r, AF_INET, 220, count, &s), 0);
	ck_assert_int_eq(s.n_ours, 1);
	ck_assert_int_eq(s.n_other, 1);
	ck_assert_str_eq(kif_addr_str(&s.last.dst, buf, sizeof(buf)), "10.2.0.0");
	ck_assert_uint_eq(s.last.plen, 24);
	ck_assert_str_eq(kif_addr_str(&s.last.gateway, buf, sizeof(buf)), "192.0.2.2");
	ck_assert_str_eq(kif_addr_str(&s.last.src, buf, sizeof(buf)), "10.1.0.1");
	ck_assert_int_eq(s.last.oif, rt.oif);
	ck_assert_uint_eq(s.last.table, 220);
	ck_assert_int_eq(system("ip route show table 220 | grep -q '10.2.0.0/24 via 192.0.2.2 dev "
				"v0 proto 205 src 10.1.0.1'"),
			 0);

	ck_assert_int_eq(kif_route_del(r, &rt), 0);
	ck_assert_int_eq(kif_route_del(r, &rt), 0); /* gone already */
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(kif_route_list(r, AF_INET, 220, count, &s), 0);
	ck_assert_int_eq(s.n_ours, 0);
	ck_assert_int_eq(s.n_other, 1);
	/* the operator's route of the same prefix in main stays */
	ck_assert_int_eq(system("ip route show | grep -q '10.2.0.0/24 via 192.0.2.3'"), 0);
	/* and a delete of conduit's never takes an operator's route */
	rt.dst = A("10.3.0.0");
	rt.gateway = A("192.0.2.3");
	rt.src.family = 0;
	ck_assert_int_eq(kif_route_del(r, &rt), 0);
	ck_assert_int_eq(system("ip route show table 220 | grep -q '10.3.0.0/24 via 192.0.2.3'"),
			 0);

	/* IPv6 */
	rt = (struct kif_route){ .dst = A("fd00:2::"),
				 .plen = 64,
				 .gateway = A("2001:db8::2"),
				 .oif = (int)if_nametoindex("v0"),
				 .table = 220 };
	ck_assert_msg(kif_route_add(r, &rt) == 0, "%s", kif_rt_error(r));
	ck_assert_int_eq(system("ip -6 route show table 220 | grep -q 'fd00:2::/64 via "
				"2001:db8::2 dev v0 proto 205'"),
			 0);
	ck_assert_int_eq(kif_route_del(r, &rt), 0);
}
END_TEST

/* Rules: added with protocol 205, removed; the flush takes conduit's
 * routes and rules of any table and leaves the others. */
START_TEST(test_rules_and_flush)
{
	struct kif_route rt = {
		.dst = A("10.2.0.0"), .plen = 24, .oif = (int)if_nametoindex("v0"), .table = 100
	};
	unsigned int nr = 9, nu = 9;

	ck_assert_msg(kif_rule_add(r, AF_INET, 220, 220) == 0, "%s", kif_rt_error(r));
	ck_assert_msg(kif_rule_add(r, AF_INET6, 220, 220) == 0, "%s", kif_rt_error(r));
	ck_assert_int_eq(system("ip rule show | grep -q '^220:.*lookup 220 proto 205'"), 0);
	ck_assert_int_eq(kif_rule_del(r, AF_INET6, 220, 220), 0);
	ck_assert_int_ne(system("ip -6 rule show | grep -q 'lookup 220'"), 0);
	/* an operator's rule of the same table and priority is not conduit's */
	sh("ip rule add pref 220 lookup 220");
	ck_assert_int_eq(kif_route_add(r, &rt), 0);
	sh("ip route add 10.4.0.0/24 dev v0 table 100");
	ck_assert_int_eq(kif_rt_flush(r, &nr, &nu), 0);
	ck_assert_uint_eq(nr, 1);
	ck_assert_uint_eq(nu, 1);
	ck_assert_int_ne(system("ip route show table 100 | grep -q 10.2.0.0"), 0);
	ck_assert_int_eq(system("ip route show table 100 | grep -q 10.4.0.0"), 0);
	ck_assert_int_eq(system("ip rule show | grep -q '^220:.*lookup 220$'"), 0);
	ck_assert_int_ne(system("ip rule show | grep -q 'proto 205'"), 0);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("kif_route");
	TCase *tc = tcase_create("route");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_route_get);
	tcase_add_test(tc, test_route_add_del);
	tcase_add_test(tc, test_rules_and_flush);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr;
	int failed;

	if (geteuid() != 0 || unshare(CLONE_NEWNET) != 0 ||
	    system("ip link add v9 type veth peer name v8 2>/dev/null") != 0) {
		printf("SKIP: needs root, network namespaces, veth and ip(8)\n");
		return 77;
	}
	sr = srunner_create(make_suite());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
