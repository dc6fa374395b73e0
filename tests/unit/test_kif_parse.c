/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Decoding XFRM events: well-formed, truncated and malformed messages. */
#include "config.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/xfrm.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "kernel-iface/xfrm.h"
#include "tests/unit/unit.h"

static uint8_t buf[4096] __attribute__((aligned(8)));

static void ip4(xfrm_address_t *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	ck_assert_int_eq(inet_pton(AF_INET, s, a), 1);
}

/* An ACQUIRE as the kernel sends it for lhost -> rhost ICMP through a
 * tunnel template left -> right. */
static struct nlmsghdr *make_acquire(void)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct xfrm_user_acquire *a;
	struct xfrm_user_tmpl t[2];

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = XFRM_MSG_ACQUIRE;
	a = mnl_nlmsg_put_extra_header(nlh, sizeof(*a));
	ip4(&a->id.daddr, "192.0.2.2");
	ip4(&a->saddr, "192.0.2.1");
	a->id.proto = IPPROTO_ESP;
	ip4(&a->sel.saddr, "10.1.0.10");
	ip4(&a->sel.daddr, "10.2.0.10");
	a->sel.family = AF_INET;
	a->sel.prefixlen_s = a->sel.prefixlen_d = 32;
	a->sel.proto = IPPROTO_UDP;
	a->sel.dport = htons(53);
	a->sel.dport_mask = 0xffff;
	a->policy.dir = XFRM_POLICY_OUT;
	a->policy.index = 0x1239;
	a->seq = 77;
	memset(t, 0, sizeof(t));
	/* A first template for another protocol: the ESP one must be used. */
	t[0].id.proto = IPPROTO_COMP;
	t[0].family = AF_INET;
	t[0].reqid = 1;
	t[1].id.proto = IPPROTO_ESP;
	t[1].family = AF_INET;
	t[1].mode = XFRM_MODE_TUNNEL;
	t[1].reqid = KIF_REQID_MIN + 5;
	mnl_attr_put(nlh, XFRMA_TMPL, sizeof(t), t);
	return nlh;
}

static struct nlmsghdr *make_expire(bool hard)
{
	struct nlmsghdr *nlh;
	struct xfrm_user_expire *e;
	struct xfrm_mark m = { .v = 7, .m = 0xff };

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = XFRM_MSG_EXPIRE;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	ip4(&e->state.id.daddr, "192.0.2.2");
	ip4(&e->state.saddr, "192.0.2.1");
	e->state.id.spi = htonl(0xc0ffee01);
	e->state.id.proto = IPPROTO_ESP;
	e->state.family = AF_INET;
	e->state.reqid = KIF_REQID_MIN + 9;
	e->hard = hard;
	mnl_attr_put(nlh, XFRMA_MARK, sizeof(m), &m);
	return nlh;
}

START_TEST(test_acquire)
{
	struct nlmsghdr *nlh = make_acquire();
	struct kif_event ev;
	char b[64];

	ck_assert_int_eq(kif_event_parse(nlh, nlh->nlmsg_len, &ev), 1);
	ck_assert_int_eq(ev.type, KIF_EV_ACQUIRE);
	ck_assert_str_eq(kif_addr_str(&ev.acquire.sel.src, b, sizeof(b)), "10.1.0.10");
	ck_assert_str_eq(kif_addr_str(&ev.acquire.sel.dst, b, sizeof(b)), "10.2.0.10");
	ck_assert_int_eq(ev.acquire.sel.src_plen, 32);
	ck_assert_int_eq(ev.acquire.sel.proto, IPPROTO_UDP);
	ck_assert_int_eq(ev.acquire.sel.dport, 53);
	ck_assert_int_eq(ev.acquire.sel.dport_mask, 0xffff);
	ck_assert_int_eq(ev.acquire.policy_dir, KIF_DIR_OUT);
	ck_assert_uint_eq(ev.acquire.policy_index, 0x1239);
	ck_assert_uint_eq(ev.acquire.seq, 77);
	ck_assert_str_eq(kif_addr_str(&ev.acquire.tmpl.src, b, sizeof(b)), "192.0.2.1");
	ck_assert_str_eq(kif_addr_str(&ev.acquire.tmpl.dst, b, sizeof(b)), "192.0.2.2");
	ck_assert_int_eq(ev.acquire.tmpl.proto, IPPROTO_ESP);
	ck_assert_int_eq(ev.acquire.tmpl.mode, KIF_MODE_TUNNEL);
	ck_assert_uint_eq(ev.acquire.tmpl.reqid, KIF_REQID_MIN + 5);
	ck_assert(!ev.acquire.resync);
}
END_TEST

/* IPv6 traffic (the selector's family) on an IPv4 tunnel template, as a
 * trap for v6-in-v4 raises it: the endpoints are read in the template's
 * family, and the other way round. */
START_TEST(test_acquire_across_families)
{
	struct nlmsghdr *nlh = make_acquire();
	struct xfrm_user_acquire *a = mnl_nlmsg_get_payload(nlh);
	struct nlattr *at = mnl_nlmsg_get_payload_offset(nlh, sizeof(*a));
	struct xfrm_user_tmpl *t = mnl_attr_get_payload(at);
	struct kif_event ev;
	char b[64];

	memset(&a->sel.saddr, 0, sizeof(a->sel.saddr));
	memset(&a->sel.daddr, 0, sizeof(a->sel.daddr));
	ck_assert_int_eq(inet_pton(AF_INET6, "fd00:1::10", &a->sel.saddr), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, "fd00:2::10", &a->sel.daddr), 1);
	a->sel.family = AF_INET6;
	a->sel.prefixlen_s = a->sel.prefixlen_d = 128;
	ck_assert_int_eq(kif_event_parse(nlh, nlh->nlmsg_len, &ev), 1);
	ck_assert_int_eq(ev.acquire.sel.src.family, AF_INET6);
	ck_assert_str_eq(kif_addr_str(&ev.acquire.sel.dst, b, sizeof(b)), "fd00:2::10");
	ck_assert_int_eq(ev.acquire.sel.dst_plen, 128);
	ck_assert_int_eq(ev.acquire.tmpl.dst.family, AF_INET);
	ck_assert_str_eq(kif_addr_str(&ev.acquire.tmpl.src, b, sizeof(b)), "192.0.2.1");
	ck_assert_str_eq(kif_addr_str(&ev.acquire.tmpl.dst, b, sizeof(b)), "192.0.2.2");

	/* IPv4 traffic on an IPv6 template. */
	nlh = make_acquire();
	a = mnl_nlmsg_get_payload(nlh);
	at = mnl_nlmsg_get_payload_offset(nlh, sizeof(*a));
	t = mnl_attr_get_payload(at);
	memset(&a->saddr, 0, sizeof(a->saddr));
	memset(&a->id.daddr, 0, sizeof(a->id.daddr));
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::1", &a->saddr), 1);
	ck_assert_int_eq(inet_pton(AF_INET6, "2001:db8::2", &a->id.daddr), 1);
	t[1].family = AF_INET6;
	ck_assert_int_eq(kif_event_parse(nlh, nlh->nlmsg_len, &ev), 1);
	ck_assert_int_eq(ev.acquire.sel.src.family, AF_INET);
	ck_assert_str_eq(kif_addr_str(&ev.acquire.sel.src, b, sizeof(b)), "10.1.0.10");
	ck_assert_int_eq(ev.acquire.tmpl.src.family, AF_INET6);
	ck_assert_str_eq(kif_addr_str(&ev.acquire.tmpl.src, b, sizeof(b)), "2001:db8::1");
	ck_assert_str_eq(kif_addr_str(&ev.acquire.tmpl.dst, b, sizeof(b)), "2001:db8::2");
	ck_assert_uint_eq(ev.acquire.tmpl.reqid, KIF_REQID_MIN + 5);
}
END_TEST

START_TEST(test_expire)
{
	struct kif_event ev;
	char b[64];

	for (int hard = 0; hard < 2; hard++) {
		struct nlmsghdr *nlh = make_expire(hard);
		ck_assert_int_eq(kif_event_parse(nlh, nlh->nlmsg_len, &ev), 1);
		ck_assert_int_eq(ev.type, KIF_EV_EXPIRE);
		ck_assert_int_eq(ev.expire.hard, hard);
		ck_assert_uint_eq(ev.expire.id.spi, 0xc0ffee01);
		ck_assert_uint_eq(ev.expire.reqid, KIF_REQID_MIN + 9);
		ck_assert_uint_eq(ev.expire.id.mark_value, 7);
		ck_assert_uint_eq(ev.expire.id.mark_mask, 0xff);
		ck_assert_str_eq(kif_addr_str(&ev.expire.id.dst, b, sizeof(b)), "192.0.2.2");
		ck_assert_str_eq(kif_addr_str(&ev.expire.id.src, b, sizeof(b)), "192.0.2.1");
	}
}
END_TEST

/* Every truncation: by the buffer length (nlmsg_len claims more) and by
 * nlmsg_len itself (a short message that says so). */
static void truncations(struct nlmsghdr *(*make)(void), size_t fixed)
{
	struct kif_event ev;
	uint8_t copy[4096];
	size_t full;

	full = make()->nlmsg_len;
	memcpy(copy, buf, full);
	for (size_t len = 0; len < full; len++) {
		memcpy(buf, copy, full);
		ck_assert_int_eq(kif_event_parse(buf, len, &ev), -EBADMSG);
		((struct nlmsghdr *)buf)->nlmsg_len = (uint32_t)len;
		int r = kif_event_parse(buf, len, &ev);
		if (len < NLMSG_HDRLEN + fixed)
			ck_assert_int_eq(r, -EBADMSG);
		else
			ck_assert(r == 1 || r == -EBADMSG);
	}
}

static struct nlmsghdr *make_expire_soft(void)
{
	return make_expire(false);
}

START_TEST(test_truncated)
{
	truncations(make_acquire, sizeof(struct xfrm_user_acquire));
	truncations(make_expire_soft, sizeof(struct xfrm_user_expire));
}
END_TEST

START_TEST(test_malformed)
{
	struct kif_event ev;
	struct nlmsghdr *nlh;
	struct xfrm_user_acquire *a;

	/* Unknown family in the selector. */
	nlh = make_acquire();
	a = mnl_nlmsg_get_payload(nlh);
	a->sel.family = 99;
	ck_assert_int_eq(kif_event_parse(nlh, nlh->nlmsg_len, &ev), -EBADMSG);
	/* A policy direction beyond fwd. */
	nlh = make_acquire();
	a = mnl_nlmsg_get_payload(nlh);
	a->policy.dir = 7;
	ck_assert_int_eq(kif_event_parse(nlh, nlh->nlmsg_len, &ev), -EBADMSG);
	/* A template attribute shorter than one template. */
	nlh = make_acquire();
	struct nlattr *at = mnl_nlmsg_get_payload_offset(nlh, sizeof(*a));
	at->nla_len = NLA_HDRLEN + 8;
	nlh->nlmsg_len = (uint32_t)((uint8_t *)at - (uint8_t *)nlh) + MNL_ALIGN(at->nla_len);
	ck_assert_int_eq(kif_event_parse(nlh, nlh->nlmsg_len, &ev), -EBADMSG);
	/* An attribute claiming to run past the message. */
	nlh = make_acquire();
	at = mnl_nlmsg_get_payload_offset(nlh, sizeof(*a));
	at->nla_len = 0xfff0;
	ck_assert_int_eq(kif_event_parse(nlh, nlh->nlmsg_len, &ev), -EBADMSG);
	/* An expire for a family that does not exist. */
	nlh = make_expire(true);
	((struct xfrm_user_expire *)mnl_nlmsg_get_payload(nlh))->state.family = 0;
	ck_assert_int_eq(kif_event_parse(nlh, nlh->nlmsg_len, &ev), -EBADMSG);
	/* Other types are not delivered. */
	nlh = make_expire(true);
	nlh->nlmsg_type = XFRM_MSG_POLEXPIRE;
	ck_assert_int_eq(kif_event_parse(nlh, nlh->nlmsg_len, &ev), 0);
	nlh->nlmsg_type = NLMSG_ERROR;
	ck_assert_int_eq(kif_event_parse(nlh, nlh->nlmsg_len, &ev), 0);
	/* nlmsg_len below a header. */
	nlh->nlmsg_len = 3;
	ck_assert_int_eq(kif_event_parse(nlh, 4096, &ev), -EBADMSG);
}
END_TEST

/* Random corruption must never crash (run under ASan/UBSan). */
START_TEST(test_fuzz)
{
	uint64_t x = 0x1234567890abcdefull;
	struct kif_event ev;
	uint8_t copy[4096];

	for (int round = 0; round < 20000; round++) {
		struct nlmsghdr *nlh = (round & 1) ? make_acquire() : make_expire(round & 2);
		size_t len = nlh->nlmsg_len;
		memcpy(copy, buf, len);
		for (int f = 0; f < 4; f++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			copy[x % len] = (uint8_t)(x >> 32);
		}
		memcpy(buf, copy, len);
		int r = kif_event_parse(buf, len, &ev);
		ck_assert(r == 1 || r == 0 || r == -EBADMSG);
	}
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("kif_parse");
	TCase *tc = tcase_create("events");

	tcase_add_test(tc, test_acquire);
	tcase_add_test(tc, test_acquire_across_families);
	tcase_add_test(tc, test_expire);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_malformed);
	tcase_add_test(tc, test_fuzz);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
