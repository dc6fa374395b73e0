/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kif_event_parse on XFRM_MSG_MAPPING: a NAT mapping of an ESP-in-UDP SA moved. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <string.h>

#include "kernel-iface/xfrm.h"
#include "tests/unit/unit.h"

static union {
	struct nlmsghdr h;
	uint8_t b[256];
} msg;

static size_t build(uint16_t family)
{
	struct xfrm_user_mapping *m;

	memset(&msg, 0, sizeof(msg));
	msg.h.nlmsg_type = XFRM_MSG_MAPPING;
	msg.h.nlmsg_len = NLMSG_LENGTH(sizeof(*m));
	m = NLMSG_DATA(&msg.h);
	m->id.family = family;
	m->id.spi = htonl(0xc1234567);
	m->id.proto = IPPROTO_ESP;
	inet_pton(AF_INET, "192.0.2.2", &m->id.daddr.a4);
	m->reqid = 0xc0d00002;
	inet_pton(AF_INET, "192.0.2.1", &m->old_saddr.a4);
	inet_pton(AF_INET, "192.0.2.1", &m->new_saddr.a4);
	m->old_sport = htons(30001);
	m->new_sport = htons(31001);
	return msg.h.nlmsg_len;
}

START_TEST(mapping_parsed)
{
	struct kif_event ev;
	char a[64];

	ck_assert_int_eq(kif_event_parse(&msg, build(AF_INET), &ev), 1);
	ck_assert_int_eq(ev.type, KIF_EV_MAPPING);
	ck_assert_uint_eq(ev.mapping.id.spi, 0xc1234567);
	ck_assert_uint_eq(ev.mapping.id.proto, IPPROTO_ESP);
	ck_assert_uint_eq(ev.mapping.reqid, 0xc0d00002);
	ck_assert_str_eq(kif_addr_str(&ev.mapping.id.dst, a, sizeof(a)), "192.0.2.2");
	ck_assert_str_eq(kif_addr_str(&ev.mapping.new_src, a, sizeof(a)), "192.0.2.1");
	ck_assert_str_eq(kif_addr_str(&ev.mapping.old_src, a, sizeof(a)), "192.0.2.1");
	ck_assert_uint_eq(ev.mapping.old_sport, 30001);
	ck_assert_uint_eq(ev.mapping.new_sport, 31001);
}
END_TEST

/* ESP in UDP on IPv6 (kernel 5.8 and later): the same, 16-octet addresses. */
START_TEST(mapping_ipv6)
{
	struct xfrm_user_mapping *m;
	struct kif_event ev;
	char a[64];
	size_t len = build(AF_INET6);

	m = NLMSG_DATA(&msg.h);
	memset(&m->id.daddr, 0, sizeof(m->id.daddr));
	memset(&m->old_saddr, 0, sizeof(m->old_saddr));
	memset(&m->new_saddr, 0, sizeof(m->new_saddr));
	inet_pton(AF_INET6, "2001:db8::2", &m->id.daddr.a6);
	inet_pton(AF_INET6, "2001:db8::1", &m->old_saddr.a6);
	inet_pton(AF_INET6, "2001:db8:ffff::1", &m->new_saddr.a6);
	ck_assert_int_eq(kif_event_parse(&msg, len, &ev), 1);
	ck_assert_int_eq(ev.type, KIF_EV_MAPPING);
	ck_assert_str_eq(kif_addr_str(&ev.mapping.id.dst, a, sizeof(a)), "2001:db8::2");
	ck_assert_str_eq(kif_addr_str(&ev.mapping.old_src, a, sizeof(a)), "2001:db8::1");
	ck_assert_str_eq(kif_addr_str(&ev.mapping.new_src, a, sizeof(a)), "2001:db8:ffff::1");
	ck_assert_int_eq(ev.mapping.new_src.family, AF_INET6);
	ck_assert_uint_eq(ev.mapping.new_sport, 31001);
}
END_TEST

START_TEST(mapping_malformed)
{
	struct kif_event ev;
	size_t len = build(AF_INET);

	/* Truncated: the payload is shorter than xfrm_user_mapping. */
	msg.h.nlmsg_len = NLMSG_LENGTH(sizeof(struct xfrm_user_mapping) - 1);
	ck_assert_int_eq(kif_event_parse(&msg, len, &ev), -EBADMSG);
	/* The buffer is shorter than the header says. */
	build(AF_INET);
	ck_assert_int_eq(kif_event_parse(&msg, len - 1, &ev), -EBADMSG);
	/* No such family. */
	len = build(AF_UNIX);
	ck_assert_int_eq(kif_event_parse(&msg, len, &ev), -EBADMSG);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("kif_mapping");
	TCase *tc = tcase_create("mapping");

	tcase_add_test(tc, mapping_parsed);
	tcase_add_test(tc, mapping_ipv6);
	tcase_add_test(tc, mapping_malformed);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
