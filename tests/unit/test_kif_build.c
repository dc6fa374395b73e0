/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The XFRM messages kernel-iface builds for IPv6 and for tunnels between
 * families, decoded field by field (no kernel needed: the development
 * host has no ESP; the UML scenario ipv6.uml installs them for real).
 * What the kernel wants, as strongSwan's kernel-netlink does it:
 *  - an SA's family is its endpoints' (outer) family;
 *  - a tunnel SA sets XFRM_STATE_AF_UNSPEC and no selector (family 0),
 *    so that packets of either inner family may use it;
 *  - a transport SA's selector has the endpoints' family;
 *  - a policy's selector has the inner family, its template the outer.
 */
#include "config.h"

#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>

#include "kernel-iface/kif_internal.h"
#include "tests/unit/unit.h"

static uint8_t buf[4096] __attribute__((aligned(8)));
static const uint8_t key[36];

static struct kif_addr A(const char *s) {
	struct kif_addr a;

	ck_assert_int_eq(kif_addr_parse(&a, s), 0);
	return a;
}

static void
ck_xaddr(const xfrm_address_t *x, const char *want)
{
	xfrm_address_t w;

	memset(&w, 0, sizeof(w));
	ck_assert_int_eq(inet_pton(strchr(want, ':') ? AF_INET6 : AF_INET, want, &w), 1);
	ck_assert_mem_eq(x, &w, sizeof(w));
}

static struct kif_sa sa(const char *src, const char *dst, enum kif_mode mode)
{
	struct kif_sa s;

	memset(&s, 0, sizeof(s));
	s.id.src = A(src);
	s.id.dst = A(dst);
	s.id.spi = 0xc0012345;
	s.id.proto = IPPROTO_ESP;
	s.mode = mode;
	s.reqid = KIF_REQID_MIN + 7;
	s.encr = IKE_ALG_AES256_GCM_16;
	s.encr_key = key;
	s.encr_key_len = 36;
	s.replay_window = 32;
	return s;
}

static const struct xfrm_usersa_info *build_sa(const struct kif_sa *s)
{
	struct nlmsghdr *nlh;
	const char *bad;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = XFRM_MSG_NEWSA;
	bad = kif_build_sa(nlh, s);
	ck_assert_msg(bad == NULL, "%s", bad);
	ck_assert(kif_attrs_valid(nlh, sizeof(struct xfrm_usersa_info)));
	return mnl_nlmsg_get_payload(nlh);
}

static const struct nlattr *attr(uint16_t type, size_t hdr)
{
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, hdr)
	{
		if (mnl_attr_get_type(a) == type)
			return a;
	}
	return NULL;
}

START_TEST(sa_v6_tunnel)
{
	struct kif_sa s = sa("2001:db8::1", "2001:db8::2", KIF_MODE_TUNNEL);
	const struct xfrm_usersa_info *p = build_sa(&s);

	ck_assert_int_eq(p->family, AF_INET6);
	ck_xaddr(&p->saddr, "2001:db8::1");
	ck_xaddr(&p->id.daddr, "2001:db8::2");
	ck_assert_uint_eq(ntohl(p->id.spi), 0xc0012345);
	ck_assert_int_eq(p->mode, XFRM_MODE_TUNNEL);
	ck_assert(p->flags & XFRM_STATE_AF_UNSPEC);
	/* No selector: the kernel then accepts IPv4 and IPv6 inside. */
	ck_assert_int_eq(p->sel.family, 0);
	ck_assert_int_eq(p->sel.prefixlen_s, 0);
	ck_assert_int_eq(p->sel.prefixlen_d, 0);
	ck_assert_ptr_null(attr(XFRMA_ENCAP, sizeof(*p)));
	ck_assert_ptr_nonnull(attr(XFRMA_ALG_AEAD, sizeof(*p)));
}
END_TEST

/* The same SA carries IPv6 in IPv4: only its endpoints are IPv4. */
START_TEST(sa_v4_outer_any_inner)
{
	struct kif_sa s = sa("192.0.2.1", "192.0.2.2", KIF_MODE_TUNNEL);
	const struct xfrm_usersa_info *p = build_sa(&s);

	ck_assert_int_eq(p->family, AF_INET);
	ck_xaddr(&p->saddr, "192.0.2.1");
	ck_xaddr(&p->id.daddr, "192.0.2.2");
	ck_assert(p->flags & XFRM_STATE_AF_UNSPEC);
	ck_assert_int_eq(p->sel.family, 0);
}
END_TEST

START_TEST(sa_v6_transport)
{
	struct kif_sa s = sa("2001:db8::1", "2001:db8::2", KIF_MODE_TRANSPORT);
	const struct xfrm_usersa_info *p = build_sa(&s);

	ck_assert_int_eq(p->family, AF_INET6);
	ck_assert_int_eq(p->mode, XFRM_MODE_TRANSPORT);
	ck_assert(!(p->flags & XFRM_STATE_AF_UNSPEC));
	ck_assert_int_eq(p->sel.family, AF_INET6);
}
END_TEST

/* ESP in UDP on IPv6 (encap = yes, or a NAT66): the same template. */
START_TEST(sa_v6_encap)
{
	struct kif_sa s = sa("2001:db8::1", "2001:db8::2", KIF_MODE_TUNNEL);
	const struct xfrm_usersa_info *p;
	const struct xfrm_encap_tmpl *e;
	const struct nlattr *a;
	xfrm_address_t zero;

	s.encap = true;
	s.encap_sport = 4500;
	s.encap_dport = 31001;
	p = build_sa(&s);
	a = attr(XFRMA_ENCAP, sizeof(*p));
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(mnl_attr_get_payload_len(a), sizeof(*e));
	e = mnl_attr_get_payload(a);
	ck_assert_int_eq(e->encap_type, UDP_ENCAP_ESPINUDP);
	ck_assert_uint_eq(ntohs(e->encap_sport), 4500);
	ck_assert_uint_eq(ntohs(e->encap_dport), 31001);
	memset(&zero, 0, sizeof(zero));
	ck_assert_mem_eq(&e->encap_oa, &zero, sizeof(zero));
	ck_assert_int_eq(p->family, AF_INET6);
}
END_TEST

START_TEST(sa_mixed_endpoints_refused)
{
	struct kif_sa s = sa("192.0.2.1", "2001:db8::2", KIF_MODE_TUNNEL);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	const char *bad;

	nlh->nlmsg_type = XFRM_MSG_NEWSA;
	bad = kif_build_sa(nlh, &s);
	ck_assert_ptr_nonnull(bad);
	ck_assert_ptr_nonnull(strstr(bad, "one address family"));
}
END_TEST

/* A tunnel policy: the selector in the inner family, the template in the
 * outer one, with its endpoints. */
static struct kif_policy tunnel(const char *ss, unsigned int sp, const char *ds, unsigned int dp,
				const char *ts, const char *td)
{
	struct kif_policy p;

	memset(&p, 0, sizeof(p));
	p.sel.src = A(ss);
	p.sel.dst = A(ds);
	p.sel.src_plen = (uint8_t)sp;
	p.sel.dst_plen = (uint8_t)dp;
	p.dir = KIF_DIR_OUT;
	p.n_tmpl = 1;
	p.tmpl[0].src = A(ts);
	p.tmpl[0].dst = A(td);
	p.tmpl[0].proto = IPPROTO_ESP;
	p.tmpl[0].mode = KIF_MODE_TUNNEL;
	p.tmpl[0].reqid = KIF_REQID_MIN + 7;
	return p;
}

static const struct xfrm_userpolicy_info *build_policy(const struct kif_policy *p,
						       const struct xfrm_user_tmpl **t)
{
	struct nlmsghdr *nlh;
	const struct nlattr *a;
	const char *bad;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = XFRM_MSG_NEWPOLICY;
	bad = kif_build_policy(nlh, p);
	ck_assert_msg(bad == NULL, "%s", bad);
	ck_assert(kif_attrs_valid(nlh, sizeof(struct xfrm_userpolicy_info)));
	a = attr(XFRMA_TMPL, sizeof(struct xfrm_userpolicy_info));
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(mnl_attr_get_payload_len(a), sizeof(**t));
	*t = mnl_attr_get_payload(a);
	return mnl_nlmsg_get_payload(nlh);
}

START_TEST(policy_v4_in_v6)
{
	struct kif_policy p = tunnel("10.1.0.0", 24, "10.2.0.0", 24, "2001:db8::1", "2001:db8::2");
	const struct xfrm_user_tmpl *t;
	const struct xfrm_userpolicy_info *x = build_policy(&p, &t);

	ck_assert_int_eq(x->sel.family, AF_INET);
	ck_xaddr(&x->sel.saddr, "10.1.0.0");
	ck_assert_int_eq(x->sel.prefixlen_s, 24);
	ck_assert_int_eq(t->family, AF_INET6);
	ck_xaddr(&t->saddr, "2001:db8::1");
	ck_xaddr(&t->id.daddr, "2001:db8::2");
	ck_assert_int_eq(t->mode, XFRM_MODE_TUNNEL);
	ck_assert_uint_eq(t->reqid, KIF_REQID_MIN + 7);
	/* Priorities scale with the selector's own family. */
	ck_assert_uint_eq(x->priority, kif_policy_priority(&p.sel));
}
END_TEST

START_TEST(policy_v6_in_v4)
{
	struct kif_policy p = tunnel("fd00:1::", 64, "fd00:2::", 64, "192.0.2.1", "192.0.2.2");
	const struct xfrm_user_tmpl *t;
	const struct xfrm_userpolicy_info *x = build_policy(&p, &t);

	ck_assert_int_eq(x->sel.family, AF_INET6);
	ck_xaddr(&x->sel.daddr, "fd00:2::");
	ck_assert_int_eq(x->sel.prefixlen_d, 64);
	ck_assert_int_eq(t->family, AF_INET);
	ck_xaddr(&t->saddr, "192.0.2.1");
	ck_xaddr(&t->id.daddr, "192.0.2.2");
}
END_TEST

START_TEST(policy_v6_in_v6)
{
	struct kif_policy p = tunnel("fd00:1::", 64, "fd00:2::", 64, "2001:db8::1", "2001:db8::2");
	const struct xfrm_user_tmpl *t;
	const struct xfrm_userpolicy_info *x = build_policy(&p, &t);

	ck_assert_int_eq(x->sel.family, AF_INET6);
	ck_assert_int_eq(t->family, AF_INET6);
}
END_TEST

/* A transport template has no endpoints: it takes the selector's family. */
START_TEST(policy_v6_transport)
{
	struct kif_policy p = tunnel("2001:db8::1", 128, "2001:db8::2", 128, "::", "::");
	const struct xfrm_user_tmpl *t;
	const struct xfrm_userpolicy_info *x;

	memset(&p.tmpl[0].src, 0, sizeof(p.tmpl[0].src));
	memset(&p.tmpl[0].dst, 0, sizeof(p.tmpl[0].dst));
	p.tmpl[0].mode = KIF_MODE_TRANSPORT;
	x = build_policy(&p, &t);
	ck_assert_int_eq(x->sel.family, AF_INET6);
	ck_assert_int_eq(t->family, AF_INET6);
	ck_assert_int_eq(t->mode, XFRM_MODE_TRANSPORT);
}
END_TEST

START_TEST(policy_mixed_refused)
{
	struct kif_policy p = tunnel("10.1.0.0", 24, "10.2.0.0", 24, "192.0.2.1", "2001:db8::2");
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = XFRM_MSG_NEWPOLICY;
	ck_assert_ptr_nonnull(kif_build_policy(nlh, &p));
	/* A selector must be one family. */
	p = tunnel("10.1.0.0", 24, "fd00:2::", 64, "192.0.2.1", "192.0.2.2");
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = XFRM_MSG_NEWPOLICY;
	ck_assert_ptr_nonnull(strstr(kif_build_policy(nlh, &p), "mixes address families"));
}
END_TEST

/* An SA's mark, interface ID and set_mark go out as strongSwan's
 * kernel-netlink sends them and read back as they were. */
START_TEST(sa_marks_read_back)
{
	struct kif_sa s = sa("192.0.2.1", "192.0.2.2", KIF_MODE_TUNNEL);
	const struct xfrm_usersa_info *p;
	const struct nlattr *a;
	struct kif_sa_stats st;
	struct kif_sa_id id;

	s.id.mark_value = 0x2a;
	s.id.mark_mask = 0xff;
	s.if_id = 0x1234;
	s.set_mark_value = 0x100;
	s.set_mark_mask = 0xf00;
	p = build_sa(&s);
	a = attr(XFRMA_SET_MARK, sizeof(*p));
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(mnl_attr_get_u32(a), 0x100);
	a = attr(XFRMA_SET_MARK_MASK, sizeof(*p));
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq(mnl_attr_get_u32(a), 0xf00);
	ck_assert_int_eq(kif_parse_sa((const struct nlmsghdr *)buf, &id, &st, NULL), 0);
	ck_assert_uint_eq(id.mark_value, 0x2a);
	ck_assert_uint_eq(id.mark_mask, 0xff);
	ck_assert_uint_eq(st.mark_value, 0x2a);
	ck_assert_uint_eq(st.mark_mask, 0xff);
	ck_assert_uint_eq(st.if_id, 0x1234);
	ck_assert_uint_eq(st.set_mark_value, 0x100);
	ck_assert_uint_eq(st.set_mark_mask, 0xf00);

	/* none of them: no attribute at all */
	s = sa("192.0.2.1", "192.0.2.2", KIF_MODE_TUNNEL);
	p = build_sa(&s);
	ck_assert_ptr_null(attr(XFRMA_MARK, sizeof(*p)));
	ck_assert_ptr_null(attr(XFRMA_IF_ID, sizeof(*p)));
	ck_assert_ptr_null(attr(XFRMA_SET_MARK, sizeof(*p)));
	ck_assert_int_eq(kif_parse_sa((const struct nlmsghdr *)buf, &id, &st, NULL), 0);
	ck_assert_uint_eq(st.mark_value | st.mark_mask | st.if_id | st.set_mark_value, 0);
}
END_TEST

START_TEST(policy_marks_read_back)
{
	struct kif_policy p = tunnel("0.0.0.0", 0, "0.0.0.0", 0, "192.0.2.1", "192.0.2.2"), q;
	const struct xfrm_user_tmpl *t;

	p.mark_value = 0x2a;
	p.mark_mask = 0xffffffff;
	p.if_id = 77;
	build_policy(&p, &t);
	ck_assert_int_eq(kif_parse_policy((const struct nlmsghdr *)buf, &q), 0);
	ck_assert_uint_eq(q.mark_value, 0x2a);
	ck_assert_uint_eq(q.mark_mask, 0xffffffff);
	ck_assert_uint_eq(q.if_id, 77);
	ck_assert_uint_eq(q.n_tmpl, 1);
	ck_assert_uint_eq(q.tmpl[0].reqid, KIF_REQID_MIN + 7);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("kif_build");
	TCase *tc = tcase_create("build");

	tcase_add_test(tc, sa_v6_tunnel);
	tcase_add_test(tc, sa_v4_outer_any_inner);
	tcase_add_test(tc, sa_v6_transport);
	tcase_add_test(tc, sa_v6_encap);
	tcase_add_test(tc, sa_mixed_endpoints_refused);
	tcase_add_test(tc, policy_v4_in_v6);
	tcase_add_test(tc, policy_v6_in_v4);
	tcase_add_test(tc, policy_v6_in_v6);
	tcase_add_test(tc, policy_v6_transport);
	tcase_add_test(tc, policy_mixed_refused);
	tcase_add_test(tc, sa_marks_read_back);
	tcase_add_test(tc, policy_marks_read_back);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
