/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Netlink aligns messages and attributes to 4 octets, but the XFRM structs
 * with a __u64 (xfrm_usersa_info, xfrm_userpolicy_info and what embeds
 * them) want 8: in a dump, the second message often starts at 4 mod 8.
 * Each decoder is fed its message at such an offset, and the values read
 * are checked. On x86 a misaligned load works, so the build with
 * --enable-sanitizers is what catches a decoder reading a struct in place:
 * UBSan stops the test ("load of misaligned address").
 */
#include "config.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "kernel-iface/kif_internal.h"
#include "tests/unit/unit.h"

static uint8_t built[4096] __attribute__((aligned(8)));
static uint8_t batch[8192] __attribute__((aligned(8)));
static const uint8_t key[36];

static struct kif_addr A(const char *s) {
	struct kif_addr a;
	ck_assert_int_eq(kif_addr_parse(&a, s), 0);
	return a;
}

static void
ip4(xfrm_address_t *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	ck_assert_int_eq(inet_pton(AF_INET, s, a), 1);
}

/* The message in built[], copied to batch + off (off % 8 == 4). */
static struct nlmsghdr *misalign(size_t off)
{
	const struct nlmsghdr *src = (const struct nlmsghdr *)built;
	ck_assert_uint_eq(off % 8, 4);
	ck_assert_uint_le(off + src->nlmsg_len, sizeof(batch));
	memset(batch, 0, sizeof(batch));
	memcpy(batch + off, src, src->nlmsg_len);
	return (struct nlmsghdr *)(batch + off);
}

static void build_sa(void)
{
	struct kif_sa s;
	struct nlmsghdr *nlh;
	const char *bad;
	struct xfrm_usersa_info *p;

	memset(&s, 0, sizeof(s));
	s.id.src = A("192.0.2.1");
	s.id.dst = A("192.0.2.2");
	s.id.spi = 0xc0012345;
	s.id.proto = IPPROTO_ESP;
	s.mode = KIF_MODE_TUNNEL;
	s.reqid = KIF_REQID_MIN + 7;
	s.encr = IKE_ALG_AES256_GCM_16;
	s.encr_key = key;
	s.encr_key_len = 36;
	s.replay_window = 32;
	s.life.soft_bytes = 0x0102030405060708ULL;
	memset(built, 0, sizeof(built));
	nlh = mnl_nlmsg_put_header(built);
	nlh->nlmsg_type = XFRM_MSG_NEWSA;
	bad = kif_build_sa(nlh, &s);
	ck_assert_msg(bad == NULL, "%s", bad);
	/* What a dump reports beside: counters. (built is 8-aligned.) */
	p = mnl_nlmsg_get_payload(nlh);
	p->curlft.bytes = 0x1122334455667788ULL;
	p->curlft.packets = 0x99aabbccULL;
	p->curlft.add_time = 1700000000;
}

static void build_policy(uint32_t reqid_off)
{
	struct kif_policy pol;
	struct nlmsghdr *nlh;
	const char *bad;

	memset(&pol, 0, sizeof(pol));
	pol.sel.src = A("10.1.0.0");
	pol.sel.dst = A("10.2.0.0");
	pol.sel.src_plen = pol.sel.dst_plen = 24;
	pol.dir = KIF_DIR_OUT;
	pol.n_tmpl = 1;
	pol.tmpl[0].src = A("192.0.2.1");
	pol.tmpl[0].dst = A("192.0.2.2");
	pol.tmpl[0].proto = IPPROTO_ESP;
	pol.tmpl[0].mode = KIF_MODE_TUNNEL;
	pol.tmpl[0].reqid = KIF_REQID_MIN + reqid_off;
	memset(built, 0, sizeof(built));
	nlh = mnl_nlmsg_put_header(built);
	nlh->nlmsg_type = XFRM_MSG_NEWPOLICY;
	bad = kif_build_policy(nlh, &pol);
	ck_assert_msg(bad == NULL, "%s", bad);
}

START_TEST(sa_at_4_mod_8)
{
	struct kif_sa_id id;
	struct kif_sa_stats st;
	struct xfrm_usersa_info raw;

	build_sa();
	ck_assert_int_eq(kif_parse_sa(misalign(4), &id, &st, &raw), 0);
	ck_assert_uint_eq(id.spi, 0xc0012345);
	ck_assert_uint_eq(st.reqid, KIF_REQID_MIN + 7);
	ck_assert_uint_eq(st.bytes, 0x1122334455667788ULL);
	ck_assert_uint_eq(st.packets, 0x99aabbccULL);
	ck_assert_uint_eq(st.add_time, 1700000000);
	ck_assert_uint_eq(st.life.soft_bytes, 0x0102030405060708ULL);
	ck_assert_uint_eq(raw.curlft.bytes, 0x1122334455667788ULL);
	ck_assert_int_eq(kif_parse_sa(misalign(12), &id, &st, NULL), 0);
	ck_assert_uint_eq(st.bytes, 0x1122334455667788ULL);
}
END_TEST

START_TEST(policy_at_4_mod_8)
{
	struct kif_policy p;

	build_policy(9);
	ck_assert_int_eq(kif_parse_policy(misalign(4), &p), 0);
	ck_assert_int_eq(p.dir, KIF_DIR_OUT);
	ck_assert_uint_eq(p.n_tmpl, 1);
	ck_assert_uint_eq(p.tmpl[0].reqid, KIF_REQID_MIN + 9);
	ck_assert_uint_eq(p.sel.src_plen, 24);
	ck_assert_uint_ne(p.priority, 0);
}
END_TEST

/* A policy dump as the kernel sends it: messages back to back, each
 * padded to 4 octets only. The case UBSan reported at every SIGTERM when
 * the kernel held two or more policies. */
START_TEST(policy_dump_batch)
{
	size_t off = 0, n = 0;
	const struct nlmsghdr *nlh;
	int left;
	bool saw_misaligned = false;

	memset(batch, 0, sizeof(batch));
	for (uint32_t i = 0; i < 4; i++) {
		build_policy(i);
		const struct nlmsghdr *b = (const struct nlmsghdr *)built;
		ck_assert_uint_le(off + b->nlmsg_len, sizeof(batch));
		memcpy(batch + off, b, b->nlmsg_len);
		saw_misaligned |= off % 8 == 4;
		off += MNL_ALIGN(b->nlmsg_len);
	}
	ck_assert_msg(saw_misaligned, "no message at 4 mod 8: the batch tests nothing");
	left = (int)off;
	for (nlh = (const struct nlmsghdr *)batch; mnl_nlmsg_ok(nlh, left);
	     nlh = mnl_nlmsg_next(nlh, &left)) {
		struct kif_policy p;
		ck_assert_int_eq(kif_parse_policy(nlh, &p), 0);
		ck_assert_uint_eq(p.tmpl[0].reqid, KIF_REQID_MIN + n);
		n++;
	}
	ck_assert_uint_eq(n, 4);
}
END_TEST

START_TEST(expire_at_4_mod_8)
{
	struct nlmsghdr *nlh;
	struct xfrm_user_expire *e;
	struct kif_event ev;

	memset(built, 0, sizeof(built));
	nlh = mnl_nlmsg_put_header(built);
	nlh->nlmsg_type = XFRM_MSG_EXPIRE;
	e = mnl_nlmsg_put_extra_header(nlh, sizeof(*e));
	ip4(&e->state.id.daddr, "192.0.2.2");
	ip4(&e->state.saddr, "192.0.2.1");
	e->state.id.spi = htonl(0xc0ffee01);
	e->state.id.proto = IPPROTO_ESP;
	e->state.family = AF_INET;
	e->state.reqid = KIF_REQID_MIN + 3;
	e->state.curlft.bytes = 0x1122334455667788ULL;
	e->hard = 1;
	nlh = misalign(4);
	ck_assert_int_eq(kif_event_parse(nlh, nlh->nlmsg_len, &ev), 1);
	ck_assert_int_eq(ev.type, KIF_EV_EXPIRE);
	ck_assert_uint_eq(ev.expire.id.spi, 0xc0ffee01);
	ck_assert_uint_eq(ev.expire.reqid, KIF_REQID_MIN + 3);
	ck_assert(ev.expire.hard);
}
END_TEST

START_TEST(acquire_at_4_mod_8)
{
	struct nlmsghdr *nlh;
	struct xfrm_user_acquire *a;
	struct xfrm_user_tmpl t;
	struct kif_event ev;

	memset(built, 0, sizeof(built));
	nlh = mnl_nlmsg_put_header(built);
	nlh->nlmsg_type = XFRM_MSG_ACQUIRE;
	a = mnl_nlmsg_put_extra_header(nlh, sizeof(*a));
	ip4(&a->id.daddr, "192.0.2.2");
	ip4(&a->saddr, "192.0.2.1");
	a->id.proto = IPPROTO_ESP;
	ip4(&a->sel.saddr, "10.1.0.10");
	ip4(&a->sel.daddr, "10.2.0.10");
	a->sel.family = AF_INET;
	a->sel.prefixlen_s = a->sel.prefixlen_d = 32;
	a->policy.dir = XFRM_POLICY_OUT;
	a->policy.index = 0x1239;
	a->policy.lft.soft_byte_limit = 0x0102030405060708ULL;
	a->seq = 77;
	memset(&t, 0, sizeof(t));
	t.id.proto = IPPROTO_ESP;
	t.family = AF_INET;
	t.mode = XFRM_MODE_TUNNEL;
	t.reqid = KIF_REQID_MIN + 5;
	mnl_attr_put(nlh, XFRMA_TMPL, sizeof(t), &t);
	nlh = misalign(4);
	ck_assert_int_eq(kif_event_parse(nlh, nlh->nlmsg_len, &ev), 1);
	ck_assert_int_eq(ev.type, KIF_EV_ACQUIRE);
	ck_assert_uint_eq(ev.acquire.policy_index, 0x1239);
	ck_assert_uint_eq(ev.acquire.seq, 77);
	ck_assert_uint_eq(ev.acquire.tmpl.reqid, KIF_REQID_MIN + 5);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("kif_align");
	TCase *tc = tcase_create("4 mod 8");
	tcase_add_test(tc, sa_at_4_mod_8);
	tcase_add_test(tc, policy_at_4_mod_8);
	tcase_add_test(tc, policy_dump_batch);
	tcase_add_test(tc, expire_at_4_mod_8);
	tcase_add_test(tc, acquire_at_4_mod_8);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
