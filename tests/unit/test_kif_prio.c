/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Pure parts of kernel-iface: policy priorities, addresses, algorithm names. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "kernel-iface/xfrm.h"
#include "tests/unit/unit.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng % n);
}

static struct kif_selector sel4(const char *src, unsigned sp, const char *dst,
				unsigned dp, uint8_t proto, bool sport,
				bool dport)
{
	struct kif_selector s;

	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(kif_addr_parse(&s.src, src), 0);
	ck_assert_int_eq(kif_addr_parse(&s.dst, dst), 0);
	s.src_plen = (uint8_t)sp;
	s.dst_plen = (uint8_t)dp;
	s.proto = proto;
	if (sport) {
		s.sport = 1234;
		s.sport_mask = 0xffff;
	}
	if (dport) {
		s.dport = 443;
		s.dport_mask = 0xffff;
	}
	return s;
}

START_TEST(test_prio_examples)
{
	struct kif_selector any = sel4("0.0.0.0", 0, "0.0.0.0", 0, 0, 0, 0);
	struct kif_selector nets = sel4("10.1.0.0", 24, "10.2.0.0", 24, 0, 0, 0);
	struct kif_selector nets_tcp = sel4("10.1.0.0", 24, "10.2.0.0", 24, 6, 0, 0);
	struct kif_selector nets_https =
		sel4("10.1.0.0", 24, "10.2.0.0", 24, 6, 0, 1);
	struct kif_selector nets_flow =
		sel4("10.1.0.0", 24, "10.2.0.0", 24, 6, 1, 1);
	struct kif_selector hosts = sel4("10.1.0.1", 32, "10.2.0.1", 32, 0, 0, 0);
	struct kif_selector wide_https =
		sel4("10.1.0.0", 23, "10.2.0.0", 24, 6, 1, 1);

	ck_assert_uint_eq(kif_policy_priority(&any), KIF_PRIO_BASE);
	/* (24 + 24) * 128 = 6144 */
	ck_assert_uint_eq(kif_policy_priority(&nets), KIF_PRIO_BASE - 6144);
	ck_assert_uint_eq(kif_policy_priority(&nets_tcp), KIF_PRIO_BASE - 6208);
	ck_assert_uint_eq(kif_policy_priority(&nets_https), KIF_PRIO_BASE - 6224);
	ck_assert_uint_eq(kif_policy_priority(&nets_flow), KIF_PRIO_BASE - 6240);
	ck_assert_uint_lt(kif_policy_priority(&hosts), kif_policy_priority(&nets_flow));
	/* Prefixes dominate: a /24 without protocol beats a /23 with a
	 * protocol and both ports. */
	ck_assert_uint_lt(kif_policy_priority(&nets), kif_policy_priority(&wide_https));
	/* The narrowest IPv6 selector still has a positive priority. */
	struct kif_selector v6;
	memset(&v6, 0, sizeof(v6));
	kif_addr_parse(&v6.src, "2001:db8::1");
	kif_addr_parse(&v6.dst, "2001:db8::2");
	v6.src_plen = v6.dst_plen = 128;
	v6.proto = 17;
	v6.sport_mask = v6.dport_mask = 0xffff;
	ck_assert_uint_eq(kif_policy_priority(&v6), KIF_PRIO_BASE - 32864);
	ck_assert_uint_gt(kif_policy_priority(&v6), 0);
}
END_TEST

/* Narrow b into a strict subset a, in one or more random ways. */
static struct kif_selector narrow(const struct kif_selector *b, unsigned max)
{
	struct kif_selector a = *b;
	bool changed = false;

	while (!changed) {
		switch (rnd(5)) {
		case 0:
			if (a.src_plen < max) {
				a.src_plen += (uint8_t)(1 + rnd(max - a.src_plen));
				changed = true;
			}
			break;
		case 1:
			if (a.dst_plen < max) {
				a.dst_plen += (uint8_t)(1 + rnd(max - a.dst_plen));
				changed = true;
			}
			break;
		case 2:
			if (!a.proto) {
				a.proto = rnd(2) ? 6 : 17;
				changed = true;
			}
			break;
		case 3:
			if (a.sport_mask != 0xffff) {
				a.sport_mask = (uint16_t)(a.sport_mask | (1u << rnd(16)));
				changed = a.sport_mask != b->sport_mask;
			}
			break;
		case 4:
			if (a.dport_mask != 0xffff) {
				a.dport_mask = (uint16_t)(a.dport_mask | (1u << rnd(16)));
				changed = a.dport_mask != b->dport_mask;
			}
			break;
		}
	}
	return a;
}

START_TEST(test_prio_subset_wins)
{
	for (int i = 0; i < 20000; i++) {
		unsigned max = (i & 1) ? 128 : 32;
		struct kif_selector b;

		memset(&b, 0, sizeof(b));
		b.src.family = b.dst.family = (i & 1) ? AF_INET6 : AF_INET;
		b.src_plen = (uint8_t)rnd(max);
		b.dst_plen = (uint8_t)rnd(max);
		b.proto = rnd(3) ? 0 : 17;
		if (b.proto && rnd(2))
			b.dport_mask = (uint16_t)rnd(0xffff);
		if (b.src_plen == max && b.dst_plen == max && b.proto &&
		    b.sport_mask == 0xffff && b.dport_mask == 0xffff)
			continue;
		struct kif_selector a = narrow(&b, max);
		ck_assert_msg(kif_policy_priority(&a) < kif_policy_priority(&b),
			      "iteration %d: narrower selector has priority %u, broader %u",
			      i, kif_policy_priority(&a), kif_policy_priority(&b));
		/* Deterministic: the same selector, the same priority. */
		struct kif_selector c = a;
		ck_assert_uint_eq(kif_policy_priority(&a), kif_policy_priority(&c));
	}
}
END_TEST

START_TEST(test_addr)
{
	struct kif_addr a;
	char buf[64];

	ck_assert_int_eq(kif_addr_parse(&a, "192.0.2.1"), 0);
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert_int_eq(a.ip[0], 192);
	ck_assert_int_eq(a.ip[3], 1);
	ck_assert_int_eq(a.ip[4], 0);
	ck_assert_str_eq(kif_addr_str(&a, buf, sizeof(buf)), "192.0.2.1");
	ck_assert_int_eq(kif_addr_parse(&a, "2001:db8::17"), 0);
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert_int_eq(a.ip[15], 0x17);
	ck_assert_str_eq(kif_addr_str(&a, buf, sizeof(buf)), "2001:db8::17");
	ck_assert_int_eq(kif_addr_parse(&a, "192.0.2.256"), -EINVAL);
	ck_assert_int_eq(a.family, 0);
	ck_assert_int_eq(kif_addr_parse(&a, ""), -EINVAL);
	ck_assert_str_eq(kif_addr_str(&a, buf, sizeof(buf)), "any");
}
END_TEST

START_TEST(test_reqids)
{
	ck_assert(kif_reqid_owned(KIF_REQID_MIN));
	ck_assert(kif_reqid_owned(KIF_REQID_MAX));
	ck_assert(!kif_reqid_owned(KIF_REQID_MIN - 1));
	ck_assert(!kif_reqid_owned(KIF_REQID_MAX + 1));
	ck_assert(!kif_reqid_owned(0));
	ck_assert(!kif_reqid_owned(1));
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("kif_prio");
	TCase *tc = tcase_create("pure");

	tcase_add_test(tc, test_prio_examples);
	tcase_add_test(tc, test_prio_subset_wins);
	tcase_add_test(tc, test_addr);
	tcase_add_test(tc, test_reqids);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
