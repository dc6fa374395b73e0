// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * daemon/route.c's choice of routes (droute_plan), with the gateway's
 * addresses faked: strongSwan's install_routes for tunnel-mode pairs
 * without protocol or ports whose local selector holds an address of the
 * gateway (the source), and conduit's two exclusions: a remote selector
 * holding one of the gateway's addresses, and an outbound mark or if_id.
 */
#include "config.h"

#include <arpa/inet.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon/route.h"
#include "tests/unit/unit.h"

/* the gateway: 192.0.2.1 (wan), 10.1.0.1 (lan), 2001:db8::1, fd00:1::1 */
static const char *const own[] = { "192.0.2.1", "10.1.0.1", "2001:db8::1", "fd00:1::1" };

static bool fake_owned(void *arg, uint8_t family, const uint8_t *from, const uint8_t *to,
		       struct kif_addr *out)
{
	size_t n = family == AF_INET ? 4 : 16;

	(void)arg;
	for (size_t i = 0; i < sizeof(own) / sizeof(own[0]); i++) {
		uint8_t ip[16];

		if (inet_pton(family, own[i], ip) != 1)
			continue;
		if (memcmp(ip, from, n) >= 0 && memcmp(ip, to, n) <= 0) {
			memset(out, 0, sizeof(*out));
			out->family = family;
			memcpy(out->ip, ip, n);
			return true;
		}
	}
	return false;
}

static void ts(struct ike_ts *t, const char *from, const char *to)
{
	int family = strchr(from, ':') ? AF_INET6 : AF_INET;

	memset(t, 0, sizeof(*t));
	t->type = family == AF_INET6 ? IKE_TS_IPV6_ADDR_RANGE : IKE_TS_IPV4_ADDR_RANGE;
	t->end_port = 65535;
	ck_assert_int_eq(inet_pton(family, from, t->start_addr), 1);
	ck_assert_int_eq(inet_pton(family, to, t->end_addr), 1);
}

static struct ike_child_install ci;

static void child(void)
{
	memset(&ci, 0, sizeof(ci));
	ci.mode = IKE_MODE_TUNNEL;
	ci.n_local_ts = ci.n_remote_ts = 2;
	ts(&ci.local_ts[0], "10.1.0.0", "10.1.0.255");
	ts(&ci.local_ts[1], "fd00:1::", "fd00:1::ffff:ffff:ffff:ffff");
	ts(&ci.remote_ts[0], "10.2.0.0", "10.2.0.255");
	ts(&ci.remote_ts[1], "fd00:2::", "fd00:2::ffff:ffff:ffff:ffff");
}

static const char *str(const struct kif_addr *a)
{
	static char buf[4][64];
	static int k;

	return kif_addr_str(a, buf[k++ % 4], 64);
}

START_TEST(test_plan)
{
	struct droute_want w[DROUTE_MAX_WANT];
	struct dkern_marks m = { 0 };
	const char *why = NULL;

	child();
	ck_assert_uint_eq(droute_plan(&ci, &m, fake_owned, NULL, w, &why), 2);
	ck_assert_str_eq(str(&w[0].dst), "10.2.0.0");
	ck_assert_uint_eq(w[0].plen, 24);
	ck_assert_str_eq(str(&w[0].src), "10.1.0.1");
	ck_assert_str_eq(str(&w[1].dst), "fd00:2::");
	ck_assert_uint_eq(w[1].plen, 64);
	ck_assert_str_eq(str(&w[1].src), "fd00:1::1");

	/* a range: the next larger subnet, as strongSwan */
	ts(&ci.remote_ts[0], "10.2.0.5", "10.2.0.20");
	ck_assert_uint_eq(droute_plan(&ci, &m, fake_owned, NULL, w, &why), 2);
	ck_assert_str_eq(str(&w[0].dst), "10.2.0.0");
	ck_assert_uint_eq(w[0].plen, 27);

	/* 0.0.0.0/0 holds the gateway's own addresses: no route (its IKE
	 * and everything else would follow it into the tunnel) */
	child();
	ts(&ci.remote_ts[0], "0.0.0.0", "255.255.255.255");
	ck_assert_uint_eq(droute_plan(&ci, &m, fake_owned, NULL, w, &why), 1);
	ck_assert_str_eq(str(&w[0].dst), "fd00:2::");

	/* a local selector without an address of ours: no source, no route */
	child();
	ts(&ci.local_ts[0], "10.7.0.0", "10.7.0.255");
	ts(&ci.local_ts[1], "fd00:7::", "fd00:7::ffff");
	ck_assert_uint_eq(droute_plan(&ci, &m, fake_owned, NULL, w, &why), 0);
	ck_assert_str_eq(why, "no address of this gateway in the local selector");

	/* protocol or ports */
	child();
	ci.remote_ts[0].ip_proto = 6;
	ci.remote_ts[1].start_port = ci.remote_ts[1].end_port = 80;
	ck_assert_uint_eq(droute_plan(&ci, &m, fake_owned, NULL, w, &why), 0);
	ck_assert_str_eq(why, "a protocol or ports in the selectors");

	/* transport mode, and route-based tunnels */
	child();
	ci.mode = IKE_MODE_TRANSPORT;
	ck_assert_uint_eq(droute_plan(&ci, &m, fake_owned, NULL, w, &why), 0);
	child();
	m.mark_out = 5;
	m.mark_out_mask = 0xffffffff;
	ck_assert_uint_eq(droute_plan(&ci, &m, fake_owned, NULL, w, &why), 0);
	m = (struct dkern_marks){ .if_id_out = 3 };
	ck_assert_uint_eq(droute_plan(&ci, &m, fake_owned, NULL, w, &why), 0);
	/* an inbound mark alone changes nothing outbound */
	m = (struct dkern_marks){ .mark_in = 5, .mark_in_mask = 0xff };
	ck_assert_uint_eq(droute_plan(&ci, &m, fake_owned, NULL, w, &why), 2);

	/* the same remote prefix from two local selectors: one route */
	child();
	ci.n_local_ts = 2;
	ts(&ci.local_ts[1], "10.1.0.1", "10.1.0.1");
	ci.n_remote_ts = 1;
	ck_assert_uint_eq(droute_plan(&ci, NULL, fake_owned, NULL, w, &why), 1);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("daemon_route");
	TCase *tc = tcase_create("plan");

	tcase_add_test(tc, test_plan);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
