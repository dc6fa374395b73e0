/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * kernel-iface against the running kernel's XFRM netlink. Needs root; each
 * test runs in a network namespace of its own (unshare), never touching the
 * host's XFRM state. Exit 77 (automake's SKIP) when that is impossible.
 * The development host has XFRM but no ESP: SA tests accept either a kernel
 * without ESP (and then demand the clear error) or one with ESP.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/xfrm.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kernel-iface/xfrm.h"
#include "tests/unit/unit.h"

static struct kif *k;

static void lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	ck_assert_int_eq(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	ck_assert_int_eq(ioctl(fd, SIOCSIFFLAGS, &ifr), 0);
	close(fd);
}

static void sysctl(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY);

	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, value, strlen(value)), (ssize_t)strlen(value));
	close(fd);
}

static void setup(void)
{
	/* A fresh namespace per test: no test sees another's state. */
	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	lo_up();
	/* Loopback skips XFRM by default; the tests use it as their network. */
	sysctl("/proc/sys/net/ipv4/conf/lo/disable_xfrm", "0");
	sysctl("/proc/sys/net/ipv4/conf/lo/disable_policy", "0");
	ck_assert_int_eq(kif_open(&k), 0);
}

static void teardown(void)
{
	kif_close(k);
	k = NULL;
}

static struct kif_addr A(const char *s)
{
	struct kif_addr a;
	ck_assert_int_eq(kif_addr_parse(&a, s), 0);
	return a;
}

static struct kif_policy tunnel_policy(enum kif_dir dir, const char *src,
				       unsigned sp, const char *dst, unsigned dp,
				       uint32_t reqid)
{
	struct kif_policy p;

	memset(&p, 0, sizeof(p));
	p.sel.src = A(src);
	p.sel.dst = A(dst);
	p.sel.src_plen = (uint8_t)sp;
	p.sel.dst_plen = (uint8_t)dp;
	p.dir = dir;
	p.n_tmpl = 1;
	p.tmpl[0].src = A(p.sel.src.family == AF_INET ? "192.0.2.1" : "2001:db8::1");
	p.tmpl[0].dst = A(p.sel.src.family == AF_INET ? "192.0.2.2" : "2001:db8::2");
	p.tmpl[0].proto = IPPROTO_ESP;
	p.tmpl[0].mode = KIF_MODE_TUNNEL;
	p.tmpl[0].reqid = reqid;
	return p;
}

START_TEST(test_policy_roundtrip)
{
	struct kif_policy p = tunnel_policy(KIF_DIR_OUT, "10.1.0.0", 24, "10.2.0.0",
					    24, KIF_REQID_MIN + 1);
	struct kif_policy got;
	char b[64];

	p.sel.proto = IPPROTO_TCP;
	p.sel.dport = 443;
	p.sel.dport_mask = 0xffff;
	ck_assert_msg(kif_policy_add(k, &p, false) == 0, "%s", kif_error(k));
	ck_assert_int_eq(kif_policy_get(k, &p, &got), 0);
	ck_assert_int_eq(got.dir, KIF_DIR_OUT);
	ck_assert_str_eq(kif_addr_str(&got.sel.src, b, sizeof(b)), "10.1.0.0");
	ck_assert_str_eq(kif_addr_str(&got.sel.dst, b, sizeof(b)), "10.2.0.0");
	ck_assert_int_eq(got.sel.src_plen, 24);
	ck_assert_int_eq(got.sel.dst_plen, 24);
	ck_assert_int_eq(got.sel.proto, IPPROTO_TCP);
	ck_assert_int_eq(got.sel.dport, 443);
	ck_assert_int_eq(got.sel.dport_mask, 0xffff);
	ck_assert_int_eq(got.sel.sport_mask, 0);
	ck_assert_uint_eq(got.priority, kif_policy_priority(&p.sel));
	ck_assert_uint_eq(got.priority, KIF_PRIO_BASE - 48 * 128 - 64 - 16);
	ck_assert_uint_ne(got.index, 0);
	ck_assert_uint_eq(got.n_tmpl, 1);
	ck_assert_str_eq(kif_addr_str(&got.tmpl[0].src, b, sizeof(b)), "192.0.2.1");
	ck_assert_str_eq(kif_addr_str(&got.tmpl[0].dst, b, sizeof(b)), "192.0.2.2");
	ck_assert_int_eq(got.tmpl[0].mode, KIF_MODE_TUNNEL);
	ck_assert_int_eq(got.tmpl[0].proto, IPPROTO_ESP);
	ck_assert_uint_eq(got.tmpl[0].reqid, KIF_REQID_MIN + 1);

	/* NEWPOLICY is exclusive; the error names the policy and the errno. */
	ck_assert_int_eq(kif_policy_add(k, &p, false), -EEXIST);
	ck_assert_ptr_nonnull(strstr(kif_error(k), "add policy out 10.1.0.0/24->10.2.0.0/24 proto 6"));
	ck_assert_ptr_nonnull(strstr(kif_error(k), strerror(EEXIST)));
	/* UPDPOLICY replaces: a new template reqid reads back. */
	p.tmpl[0].reqid = KIF_REQID_MIN + 2;
	ck_assert_msg(kif_policy_add(k, &p, true) == 0, "%s", kif_error(k));
	ck_assert_int_eq(kif_policy_get(k, &p, &got), 0);
	ck_assert_uint_eq(got.tmpl[0].reqid, KIF_REQID_MIN + 2);

	ck_assert_msg(kif_policy_delete(k, &p) == 0, "%s", kif_error(k));
	ck_assert_int_eq(kif_policy_get(k, &p, &got), -ENOENT);
	ck_assert_ptr_nonnull(strstr(kif_error(k), "get policy out"));
	ck_assert_int_eq(kif_policy_delete(k, &p), -ENOENT);
}
END_TEST

START_TEST(test_policy_v6_and_dirs)
{
	static const enum kif_dir dirs[] = { KIF_DIR_IN, KIF_DIR_OUT, KIF_DIR_FWD };
	struct kif_policy got;

	for (int i = 0; i < 3; i++) {
		struct kif_policy p = tunnel_policy(dirs[i], "2001:db8:1::", 48,
						    "2001:db8:2::", 64,
						    KIF_REQID_MIN + 3);
		p.mark_value = 0x42;
		p.mark_mask = 0xff;
		ck_assert_msg(kif_policy_add(k, &p, false) == 0, "%s", kif_error(k));
		ck_assert_int_eq(kif_policy_get(k, &p, &got), 0);
		ck_assert_int_eq(got.dir, dirs[i]);
		ck_assert_int_eq(got.sel.src.family, AF_INET6);
		ck_assert_int_eq(got.sel.dst_plen, 64);
		ck_assert_uint_eq(got.mark_value, 0x42);
		ck_assert_uint_eq(got.mark_mask, 0xff);
		ck_assert_int_eq(got.tmpl[0].dst.family, AF_INET6);
		/* Without the mark it is another policy. */
		p.mark_value = p.mark_mask = 0;
		ck_assert_int_eq(kif_policy_get(k, &p, &got), -ENOENT);
	}
	/* A more specific policy next to a broad one: its priority wins. */
	struct kif_policy broad = tunnel_policy(KIF_DIR_OUT, "10.0.0.0", 8, "10.0.0.0",
						8, KIF_REQID_MIN + 4);
	struct kif_policy narrow = tunnel_policy(KIF_DIR_OUT, "10.1.0.0", 24,
						 "10.2.0.0", 24, KIF_REQID_MIN + 5);
	struct kif_policy gb, gn;
	ck_assert_int_eq(kif_policy_add(k, &broad, false), 0);
	ck_assert_int_eq(kif_policy_add(k, &narrow, false), 0);
	ck_assert_int_eq(kif_policy_get(k, &broad, &gb), 0);
	ck_assert_int_eq(kif_policy_get(k, &narrow, &gn), 0);
	ck_assert_uint_lt(gn.priority, gb.priority);
}
END_TEST

/* Tunnels between families: the kernel takes an IPv4 selector with an
 * IPv6 template and the other way round, and gives them back so. */
START_TEST(test_policy_across_families)
{
	struct kif_policy p4 = tunnel_policy(KIF_DIR_OUT, "10.1.0.0", 24, "10.2.0.0", 24,
					     KIF_REQID_MIN + 6);
	struct kif_policy p6 = tunnel_policy(KIF_DIR_FWD, "fd00:2::", 64, "fd00:1::", 64,
					     KIF_REQID_MIN + 7);
	struct kif_policy got;
	char b[64];

	p4.tmpl[0].src = A("2001:db8::1");
	p4.tmpl[0].dst = A("2001:db8::2");
	ck_assert_msg(kif_policy_add(k, &p4, false) == 0, "%s", kif_error(k));
	ck_assert_int_eq(kif_policy_get(k, &p4, &got), 0);
	ck_assert_int_eq(got.sel.src.family, AF_INET);
	ck_assert_int_eq(got.tmpl[0].src.family, AF_INET6);
	ck_assert_str_eq(kif_addr_str(&got.tmpl[0].dst, b, sizeof(b)), "2001:db8::2");
	ck_assert_int_eq(got.tmpl[0].mode, KIF_MODE_TUNNEL);

	p6.tmpl[0].src = A("192.0.2.2");
	p6.tmpl[0].dst = A("192.0.2.1");
	ck_assert_msg(kif_policy_add(k, &p6, false) == 0, "%s", kif_error(k));
	ck_assert_int_eq(kif_policy_get(k, &p6, &got), 0);
	ck_assert_int_eq(got.sel.dst.family, AF_INET6);
	ck_assert_str_eq(kif_addr_str(&got.sel.src, b, sizeof(b)), "fd00:2::");
	ck_assert_int_eq(got.tmpl[0].dst.family, AF_INET);
	ck_assert_str_eq(kif_addr_str(&got.tmpl[0].src, b, sizeof(b)), "192.0.2.2");
	ck_assert_int_eq(kif_policy_delete(k, &p4), 0);
	ck_assert_int_eq(kif_policy_delete(k, &p6), 0);
}
END_TEST

START_TEST(test_policy_invalid)
{
	struct kif_policy p = tunnel_policy(KIF_DIR_OUT, "10.1.0.0", 24, "10.2.0.0",
					    24, 5);

	ck_assert_int_eq(kif_policy_add(k, &p, false), -EINVAL);
	ck_assert_ptr_nonnull(strstr(kif_error(k), "reqid outside conduit's range"));
	p.tmpl[0].reqid = KIF_REQID_MIN;
	p.sel.src_plen = 33;
	ck_assert_int_eq(kif_policy_add(k, &p, false), -EINVAL);
	ck_assert_ptr_nonnull(strstr(kif_error(k), "prefix length"));
	p.sel.src_plen = 24;
	p.sel.dst = A("2001:db8::");
	ck_assert_int_eq(kif_policy_add(k, &p, false), -EINVAL);
	p.sel.dst = A("10.2.0.0");
	p.n_tmpl = 0;
	ck_assert_int_eq(kif_policy_add(k, &p, false), -EINVAL);
}
END_TEST

/* What another daemon or an administrator would install: raw netlink. */
static void raw_request(struct nlmsghdr *nlh)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_XFRM);
	char rb[8192] __attribute__((aligned(8)));

	ck_assert_ptr_nonnull(nl);
	ck_assert_int_eq(mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID), 0);
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = 1;
	ck_assert_int_ge(mnl_socket_sendto(nl, nlh, nlh->nlmsg_len), 0);
	ssize_t n = mnl_socket_recvfrom(nl, rb, sizeof(rb));
	ck_assert_int_gt(n, 0);
	const struct nlmsghdr *h = (const struct nlmsghdr *)rb;
	/* ALLOCSPI answers with the new SA, then the ack. */
	if (h->nlmsg_type != NLMSG_ERROR)
		n = mnl_socket_recvfrom(nl, rb, sizeof(rb));
	ck_assert_int_eq(h->nlmsg_type, NLMSG_ERROR);
	ck_assert_int_eq(((const struct nlmsgerr *)mnl_nlmsg_get_payload(h))->error, 0);
	mnl_socket_close(nl);
}

static void foreign_policy(const char *src, const char *dst, uint32_t reqid)
{
	char b[4096] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(b);
	struct xfrm_userpolicy_info *p;
	struct xfrm_user_tmpl t;

	nlh->nlmsg_type = XFRM_MSG_NEWPOLICY;
	p = mnl_nlmsg_put_extra_header(nlh, sizeof(*p));
	inet_pton(AF_INET, src, &p->sel.saddr);
	inet_pton(AF_INET, dst, &p->sel.daddr);
	p->sel.family = AF_INET;
	p->sel.prefixlen_s = p->sel.prefixlen_d = 24;
	p->lft.soft_byte_limit = p->lft.hard_byte_limit = XFRM_INF;
	p->lft.soft_packet_limit = p->lft.hard_packet_limit = XFRM_INF;
	p->dir = XFRM_POLICY_OUT;
	memset(&t, 0, sizeof(t));
	inet_pton(AF_INET, "198.51.100.1", &t.saddr);
	inet_pton(AF_INET, "198.51.100.2", &t.id.daddr);
	t.id.proto = IPPROTO_ESP;
	t.family = AF_INET;
	t.mode = XFRM_MODE_TUNNEL;
	t.reqid = reqid;
	t.aalgos = t.ealgos = t.calgos = ~0u;
	mnl_attr_put(nlh, XFRMA_TMPL, sizeof(t), &t);
	raw_request(nlh);
}

static void foreign_spi(uint32_t spi, uint32_t reqid)
{
	char b[4096] __attribute__((aligned(8)));
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(b);
	struct xfrm_userspi_info *p;

	nlh->nlmsg_type = XFRM_MSG_ALLOCSPI;
	p = mnl_nlmsg_put_extra_header(nlh, sizeof(*p));
	inet_pton(AF_INET, "198.51.100.2", &p->info.id.daddr);
	inet_pton(AF_INET, "198.51.100.1", &p->info.saddr);
	p->info.id.proto = IPPROTO_ESP;
	p->info.family = AF_INET;
	p->info.reqid = reqid;
	p->min = p->max = spi;
	raw_request(nlh);
}

START_TEST(test_flush_owned_only)
{
	struct kif_policy mine[3], theirs, got;
	struct kif_sa_stats st;
	struct kif_sa sa;
	unsigned int nsa = 99, npol = 99;
	uint32_t spi;

	mine[0] = tunnel_policy(KIF_DIR_OUT, "10.1.0.0", 24, "10.2.0.0", 24, KIF_REQID_MIN);
	mine[1] = tunnel_policy(KIF_DIR_IN, "10.2.0.0", 24, "10.1.0.0", 24, KIF_REQID_MIN);
	mine[2] = tunnel_policy(KIF_DIR_FWD, "10.2.0.0", 24, "10.1.0.0", 24, KIF_REQID_MAX);
	for (int i = 0; i < 3; i++)
		ck_assert_msg(kif_policy_add(k, &mine[i], false) == 0, "%s", kif_error(k));
	/* Foreign: strongSwan-like reqid 1, ip-xfrm-like reqid 0, and one just
	 * below conduit's range. */
	foreign_policy("10.9.0.0", "10.8.0.0", 1);
	foreign_policy("10.7.0.0", "10.6.0.0", 0);
	foreign_policy("10.5.0.0", "10.4.0.0", KIF_REQID_MIN - 1);
	foreign_spi(0x2000, 1);
	/* Conduit's own larval SAs (allocated SPIs). */
	memset(&sa, 0, sizeof(sa));
	sa.id.src = A("192.0.2.2");
	sa.id.dst = A("192.0.2.1");
	sa.id.proto = IPPROTO_ESP;
	sa.mode = KIF_MODE_TUNNEL;
	sa.reqid = KIF_REQID_MIN + 7;
	ck_assert_msg(kif_spi_alloc(k, &sa, 0x3000, 0x3fff, &spi) == 0, "%s", kif_error(k));
	ck_assert_msg(kif_spi_alloc(k, &sa, 0x3000, 0x3fff, &spi) == 0, "%s", kif_error(k));

	/* Refused one by one, too. */
	theirs = tunnel_policy(KIF_DIR_OUT, "10.9.0.0", 24, "10.8.0.0", 24, KIF_REQID_MIN);
	ck_assert_int_eq(kif_policy_delete(k, &theirs), -EPERM);
	ck_assert_ptr_nonnull(strstr(kif_error(k), "not conduit's"));
	struct kif_sa_id fid = { .src = A("198.51.100.1"), .dst = A("198.51.100.2"),
				 .spi = 0x2000, .proto = IPPROTO_ESP };
	ck_assert_int_eq(kif_sa_delete(k, &fid), -EPERM);

	ck_assert_msg(kif_flush(k, &nsa, &npol) == 0, "%s", kif_error(k));
	ck_assert_uint_eq(npol, 3);
	ck_assert_uint_eq(nsa, 2);
	for (int i = 0; i < 3; i++)
		ck_assert_int_eq(kif_policy_get(k, &mine[i], &got), -ENOENT);
	ck_assert_int_eq(kif_policy_get(k, &theirs, &got), 0);
	ck_assert_uint_eq(got.tmpl[0].reqid, 1);
	theirs.sel.src = A("10.7.0.0");
	theirs.sel.dst = A("10.6.0.0");
	ck_assert_int_eq(kif_policy_get(k, &theirs, &got), 0);
	theirs.sel.src = A("10.5.0.0");
	theirs.sel.dst = A("10.4.0.0");
	ck_assert_int_eq(kif_policy_get(k, &theirs, &got), 0);
	ck_assert_int_eq(kif_sa_get(k, &fid, &st), 0);
	ck_assert_uint_eq(st.reqid, 1);
	/* Nothing left of conduit's: a second flush removes nothing. */
	ck_assert_int_eq(kif_flush(k, &nsa, &npol), 0);
	ck_assert_uint_eq(nsa + npol, 0);
}
END_TEST

START_TEST(test_spi_alloc)
{
	struct kif_sa sa;
	uint32_t seen[32];

	memset(&sa, 0, sizeof(sa));
	sa.id.src = A("2001:db8::2");
	sa.id.dst = A("2001:db8::1");
	sa.id.proto = IPPROTO_ESP;
	sa.reqid = KIF_REQID_MIN + 1;
	for (int i = 0; i < 32; i++) {
		ck_assert_msg(kif_spi_alloc(k, &sa, 0x1000, 0x10ff, &seen[i]) == 0,
			      "%s", kif_error(k));
		ck_assert_uint_ge(seen[i], 0x1000);
		ck_assert_uint_le(seen[i], 0x10ff);
		for (int j = 0; j < i; j++)
			ck_assert_uint_ne(seen[i], seen[j]);
		struct kif_sa_stats st;
		struct kif_sa_id id = sa.id;
		id.spi = seen[i];
		ck_assert_int_eq(kif_sa_get(k, &id, &st), 0);
		ck_assert_uint_eq(st.reqid, KIF_REQID_MIN + 1);
	}
	uint32_t spi;
	ck_assert_int_eq(kif_spi_alloc(k, &sa, 0x2000, 0x1000, &spi), -EINVAL);
	ck_assert_int_eq(kif_spi_alloc(k, &sa, 1, 255, &spi), -EINVAL);
	sa.reqid = 3;
	ck_assert_int_eq(kif_spi_alloc(k, &sa, 0x1000, 0x2000, &spi), -EINVAL);
	ck_assert_ptr_nonnull(strstr(kif_error(k), "allocate SPI esp"));
}
END_TEST

static const uint8_t key36[36] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
static const uint8_t key64[64] = { 11, 12, 13 };

static struct kif_sa esp_sa(enum ike_alg e)
{
	struct kif_sa sa;

	memset(&sa, 0, sizeof(sa));
	sa.id.src = A("192.0.2.1");
	sa.id.dst = A("192.0.2.2");
	sa.id.spi = 0xc001;
	sa.id.proto = IPPROTO_ESP;
	sa.mode = KIF_MODE_TUNNEL;
	sa.reqid = KIF_REQID_MIN + 1;
	sa.encr = e;
	sa.encr_key = key36;
	sa.encr_key_len = ike_alg_get(e)->keymat;
	if (!(ike_alg_get(e)->flags & IKE_ALG_AEAD)) {
		sa.integ = IKE_ALG_HMAC_SHA2_256_128;
		sa.integ_key = key64;
		sa.integ_key_len = 32;
	}
	sa.replay_window = 64;
	sa.life.hard_secs = 60;
	return sa;
}

/* The throwaway SA kernel-iface uses to tell "no ESP" from "no algorithm". */
static bool probe_sa_left(void)
{
	struct kif_sa_id id = { .src = A("127.0.0.2"), .dst = A("127.0.0.3"),
				.spi = 0xfe, .proto = IPPROTO_ESP };
	struct kif_sa_stats st;

	int r = kif_sa_get(k, &id, &st);

	ck_assert_msg(r == 0 || r == -ENOENT, "%s", kif_error(k));
	return r == 0;
}

START_TEST(test_esp_sa_or_clear_error)
{
	static const enum ike_alg algs[] = { IKE_ALG_AES128_GCM_16, IKE_ALG_AES128_CBC };

	for (int i = 0; i < 2; i++) {
		struct kif_sa sa = esp_sa(algs[i]);
		struct kif_sa_stats st;
		int r = kif_sa_add(k, &sa, false);

		if (r == 0) {
			/* A kernel with ESP (not the development host). */
			ck_assert_int_eq(kif_sa_get(k, &sa.id, &st), 0);
			ck_assert_uint_eq(st.reqid, sa.reqid);
			ck_assert_uint_eq(st.life.hard_secs, 60);
			ck_assert_int_eq(kif_sa_delete(k, &sa.id), 0);
			continue;
		}
		ck_assert_msg(r == -EPROTONOSUPPORT, "%d: %s", r, kif_error(k));
		const char *e = kif_error(k);
		ck_assert_msg(strstr(e, "add SA esp spi 0x0000c001 192.0.2.1->192.0.2.2 reqid 0xc0d00001: "), "%s", e);
		ck_assert_msg(strstr(e, "the kernel lacks ESP support (CONFIG_INET_ESP)"), "%s", e);
		ck_assert_msg(strstr(e, strerror(EPROTONOSUPPORT)), "%s", e);
		/* The kernel's own text is carried along. */
		ck_assert_msg(strstr(e, "[kernel: "), "%s", e);
		/* The probe that told ESP from the algorithm left nothing. */
		ck_assert(!probe_sa_left());
	}
	/* IPv6 names its own option. */
	struct kif_sa sa = esp_sa(IKE_ALG_AES128_CBC);
	sa.id.src = A("2001:db8::1");
	sa.id.dst = A("2001:db8::2");
	if (kif_sa_add(k, &sa, false) != 0)
		ck_assert_msg(strstr(kif_error(k), "CONFIG_INET6_ESP"), "%s", kif_error(k));
}
END_TEST

START_TEST(test_sa_invalid)
{
	struct kif_sa sa = esp_sa(IKE_ALG_AES128_GCM_16);

	sa.encr_key_len = 16; /* no salt */
	ck_assert_int_eq(kif_sa_add(k, &sa, false), -EINVAL);
	ck_assert_ptr_nonnull(strstr(kif_error(k), "salt or nonce included"));
	sa = esp_sa(IKE_ALG_AES128_CBC);
	sa.integ = IKE_ALG_NONE;
	ck_assert_int_eq(kif_sa_add(k, &sa, false), -EINVAL);
	sa = esp_sa(IKE_ALG_AES128_CBC);
	sa.integ_key_len = 31;
	ck_assert_int_eq(kif_sa_add(k, &sa, false), -EINVAL);
	/* not an ESP algorithm, or not of its kind */
	sa = esp_sa(IKE_ALG_AES128_CBC);
	sa.integ = IKE_ALG_PRF_HMAC_SHA2_256;
	ck_assert_int_eq(kif_sa_add(k, &sa, false), -EINVAL);
	sa.integ = IKE_ALG_AES128_CBC;
	ck_assert_int_eq(kif_sa_add(k, &sa, false), -EINVAL);
	sa = esp_sa(IKE_ALG_AES128_GCM_16);
	sa.encr = IKE_ALG_HMAC_SHA1_96;
	ck_assert_int_eq(kif_sa_add(k, &sa, false), -EINVAL);
	ck_assert_ptr_nonnull(strstr(kif_error(k), "no encryption algorithm usable in ESP"));
	sa.encr = IKE_ALG_COUNT;
	ck_assert_int_eq(kif_sa_add(k, &sa, false), -EINVAL);
	/* ESN without a replay window */
	sa = esp_sa(IKE_ALG_AES128_GCM_16);
	sa.esn = true;
	sa.replay_window = 0;
	ck_assert_int_eq(kif_sa_add(k, &sa, false), -EINVAL);
	ck_assert_ptr_nonnull(strstr(kif_error(k), "need a replay window"));
	sa = esp_sa(IKE_ALG_CHACHA20_POLY1305);
	sa.encr_key_len = 20;
	ck_assert_int_eq(kif_sa_add(k, &sa, false), -EINVAL); /* 20 octets */
	sa.encr_key_len = 36;
	sa.reqid = 1;
	ck_assert_int_eq(kif_sa_add(k, &sa, false), -EINVAL);
	ck_assert_ptr_nonnull(strstr(kif_error(k), "reqid outside"));
	sa = esp_sa(IKE_ALG_AES128_GCM_16);
	sa.replay_window = 5000;
	ck_assert_int_eq(kif_sa_add(k, &sa, false), -EINVAL);
	sa = esp_sa(IKE_ALG_AES128_GCM_16);
	sa.id.dst = A("2001:db8::1");
	ck_assert_int_eq(kif_sa_add(k, &sa, false), -EINVAL);
	struct kif_sa_stats st;
	memset(&sa.id.dst, 0, sizeof(sa.id.dst));
	ck_assert_int_eq(kif_sa_get(k, &sa.id, &st), -EINVAL);
	sa = esp_sa(IKE_ALG_AES128_GCM_16);
	ck_assert_int_eq(kif_sa_get(k, &sa.id, &st), -ENOENT);
	ck_assert_ptr_nonnull(strstr(kif_error(k), "get SA esp spi 0x0000c001"));
}
END_TEST

struct evlog {
	struct kif_event ev[512];
	int n, resync_begin, resync_end;
};

static void record(const struct kif_event *ev, void *arg)
{
	struct evlog *l = arg;

	if (ev->type == KIF_EV_RESYNC_BEGIN)
		l->resync_begin++;
	if (ev->type == KIF_EV_RESYNC_END)
		l->resync_end++;
	if (l->n < 512)
		l->ev[l->n++] = *ev;
}

/* Drain until want events arrived or ms passed. */
static void wait_events(struct evlog *l, int want, int ms)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (l->n < want) {
		struct pollfd p = { .fd = kif_event_fd(k), .events = POLLIN };
		clock_gettime(CLOCK_MONOTONIC, &t);
		int left = ms - (int)((t.tv_sec - t0.tv_sec) * 1000 +
				      (t.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0)
			break;
		if (poll(&p, 1, left) > 0)
			ck_assert_int_ge(kif_event_drain(k, record, l), 0);
	}
}

static struct kif_policy trap_policy(const char *dst, unsigned dplen, uint16_t dport)
{
	struct kif_policy p;

	memset(&p, 0, sizeof(p));
	p.sel.src = A("127.0.0.1");
	p.sel.src_plen = 32;
	p.sel.dst = A(dst);
	p.sel.dst_plen = (uint8_t)dplen;
	p.sel.proto = IPPROTO_UDP;
	if (dport) {
		p.sel.dport = dport;
		p.sel.dport_mask = 0xffff;
	}
	p.dir = KIF_DIR_OUT;
	p.n_tmpl = 1;
	/* Transport mode, wildcard endpoints: one SA per destination. */
	p.tmpl[0].proto = IPPROTO_ESP;
	p.tmpl[0].mode = KIF_MODE_TRANSPORT;
	p.tmpl[0].reqid = KIF_REQID_MIN + 0x77;
	return p;
}

static int udp_socket(const char *bind_ip, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	ck_assert_int_ge(fd, 0);
	if (bind_ip) {
		inet_pton(AF_INET, bind_ip, &sin.sin_addr);
		ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	}
	return fd;
}

static void send_to(int fd, const char *ip, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };

	inet_pton(AF_INET, ip, &sin.sin_addr);
	/* Dropped while the SA is being acquired: the result does not matter. */
	(void)!sendto(fd, "x", 1, 0, (struct sockaddr *)&sin, sizeof(sin));
}

static bool received(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char b[16];

	return poll(&p, 1, ms) > 0 && recv(fd, b, sizeof(b), 0) > 0;
}

START_TEST(test_acquire_and_bypass)
{
	struct kif_policy p = trap_policy("127.0.0.88", 32, 5555);
	struct evlog *l = calloc(1, sizeof(*l));
	char b[64];
	int rx = udp_socket("127.0.0.88", 5555);
	int plain = udp_socket(NULL, 0), bypass = udp_socket(NULL, 0);

	ck_assert_msg(kif_policy_add(k, &p, false) == 0, "%s", kif_error(k));
	/* Caught by the policy: nothing arrives, an ACQUIRE is raised. */
	send_to(plain, "127.0.0.88", 5555);
	ck_assert(!received(rx, 200));
	wait_events(l, 1, 2000);
	ck_assert_int_eq(l->n, 1);
	struct kif_acquire *a = &l->ev[0].acquire;
	ck_assert_int_eq(l->ev[0].type, KIF_EV_ACQUIRE);
	ck_assert_str_eq(kif_addr_str(&a->sel.src, b, sizeof(b)), "127.0.0.1");
	ck_assert_str_eq(kif_addr_str(&a->sel.dst, b, sizeof(b)), "127.0.0.88");
	ck_assert_int_eq(a->sel.src_plen, 32);
	ck_assert_int_eq(a->sel.dst_plen, 32);
	ck_assert_int_eq(a->sel.proto, IPPROTO_UDP);
	ck_assert_int_eq(a->sel.dport, 5555);
	ck_assert_int_eq(a->policy_dir, KIF_DIR_OUT);
	struct kif_policy got;
	ck_assert_int_eq(kif_policy_get(k, &p, &got), 0);
	ck_assert_uint_eq(a->policy_index, got.index);
	ck_assert_uint_eq(a->tmpl.reqid, KIF_REQID_MIN + 0x77);
	ck_assert_int_eq(a->tmpl.mode, KIF_MODE_TRANSPORT);
	ck_assert_int_eq(a->tmpl.proto, IPPROTO_ESP);
	ck_assert_str_eq(kif_addr_str(&a->tmpl.dst, b, sizeof(b)), "127.0.0.88");

	/* The bypass socket's datagram goes around the policy. */
	ck_assert_int_eq(kif_socket_bypass(bypass), 0);
	send_to(bypass, "127.0.0.88", 5555);
	ck_assert(received(rx, 1000));
	close(rx);
	close(plain);
	close(bypass);
	free(l);
}
END_TEST

/*
 * A burst of acquires into a tiny receive buffer. The kernel creates a
 * larval SA only for an acquire it could queue; the others are retried by
 * the next packet. So after the overflow: one RESYNC, whose ACQUIREs are
 * exactly the pending ones (those delivered live), and the same traffic
 * again raises the rest: no acquire is lost silently.
 */
START_TEST(test_overflow_resync)
{
	struct kif_policy p = trap_policy("127.0.1.0", 24, 0);
	struct evlog *l = calloc(1, sizeof(*l));
	int live[101] = { 0 }, rebuilt[101] = { 0 }, later[101] = { 0 };
	int fd = udp_socket(NULL, 0), n_live = 0, n_rebuilt = 0;
	char ip[32];

	ck_assert_int_eq(kif_policy_add(k, &p, false), 0);
	ck_assert_int_eq(kif_event_set_rcvbuf(k, 1024), 0);
	for (int i = 1; i <= 100; i++) {
		snprintf(ip, sizeof(ip), "127.0.1.%d", i);
		send_to(fd, ip, 7);
	}
	ck_assert_int_gt(kif_event_drain(k, record, l), 0);
	ck_assert_int_eq(l->resync_begin, 1);
	ck_assert_int_eq(l->resync_end, 1);
	ck_assert_int_eq(l->ev[l->n - 1].type, KIF_EV_RESYNC_END);
	for (int i = 0; i < l->n; i++) {
		struct kif_event *e = &l->ev[i];
		if (e->type != KIF_EV_ACQUIRE)
			continue;
		ck_assert_int_eq(e->acquire.sel.dst.ip[2], 1);
		int host = e->acquire.sel.dst.ip[3];
		ck_assert_int_ge(host, 1);
		ck_assert_int_le(host, 100);
		ck_assert_uint_eq(e->acquire.tmpl.reqid, KIF_REQID_MIN + 0x77);
		ck_assert_int_eq(e->acquire.sel.proto, IPPROTO_UDP);
		if (e->acquire.resync) {
			rebuilt[host]++;
			n_rebuilt++;
		} else {
			live[host]++;
			n_live++;
		}
	}
	ck_assert_int_gt(n_live, 0);
	ck_assert_int_lt(n_live, 100);
	for (int i = 1; i <= 100; i++)
		ck_assert_msg(live[i] == rebuilt[i] && live[i] <= 1,
			      "127.0.1.%d: %d live, %d in the resync", i, live[i],
			      rebuilt[i]);
	/* Reported once: the next drain is quiet. */
	l->n = l->resync_begin = 0;
	ck_assert_int_eq(kif_event_drain(k, record, l), 0);
	ck_assert_int_eq(l->resync_begin, 0);

	/* Room again; the same traffic raises exactly the missing ones. */
	ck_assert_int_eq(kif_event_set_rcvbuf(k, 1 << 20), 0);
	for (int i = 1; i <= 100; i++) {
		snprintf(ip, sizeof(ip), "127.0.1.%d", i);
		send_to(fd, ip, 7);
	}
	wait_events(l, 100 - n_live, 2000);
	ck_assert_int_eq(l->resync_begin, 0);
	for (int i = 0; i < l->n; i++)
		later[l->ev[i].acquire.sel.dst.ip[3] % 101]++;
	for (int i = 1; i <= 100; i++)
		ck_assert_msg(live[i] + later[i] == 1, "127.0.1.%d: %d live, %d later",
			      i, live[i], later[i]);
	close(fd);
	free(l);
}
END_TEST

START_TEST(test_larval_expire)
{
	struct evlog *l = calloc(1, sizeof(*l));
	struct kif_sa sa;
	uint32_t spi;

	/* Larval SAs (allocated SPIs never completed) expire after this many
	 * seconds: the cheapest way to get a real EXPIRE without ESP. */
	sysctl("/proc/sys/net/core/xfrm_acq_expires", "1");
	memset(&sa, 0, sizeof(sa));
	sa.id.src = A("192.0.2.2");
	sa.id.dst = A("192.0.2.1");
	sa.id.proto = IPPROTO_ESP;
	sa.id.mark_value = 9;
	sa.id.mark_mask = 0xf;
	sa.reqid = KIF_REQID_MIN + 0x55;
	ck_assert_int_eq(kif_spi_alloc(k, &sa, 0x5000, 0x5fff, &spi), 0);
	wait_events(l, 1, 4000);
	ck_assert_int_eq(l->n, 1);
	ck_assert_int_eq(l->ev[0].type, KIF_EV_EXPIRE);
	ck_assert(l->ev[0].expire.hard);
	ck_assert_uint_eq(l->ev[0].expire.id.spi, spi);
	ck_assert_uint_eq(l->ev[0].expire.reqid, KIF_REQID_MIN + 0x55);
	ck_assert_uint_eq(l->ev[0].expire.id.mark_value, 9);
	ck_assert_uint_eq(l->ev[0].expire.id.mark_mask, 0xf);
	sa.id.spi = spi;
	struct kif_sa_stats st;
	ck_assert_int_eq(kif_sa_get(k, &sa.id, &st), -ENOENT);
	free(l);
}
END_TEST

START_TEST(test_socket_options)
{
	int u4 = socket(AF_INET, SOCK_DGRAM, 0), u6 = socket(AF_INET6, SOCK_DGRAM, 0);
	int tcp = socket(AF_INET, SOCK_STREAM, 0), ux = socket(AF_UNIX, SOCK_DGRAM, 0);
	int v = 0;
	socklen_t len = sizeof(v);

	ck_assert_int_eq(kif_socket_udp_encap(u4), 0);
	ck_assert_int_eq(getsockopt(u4, IPPROTO_UDP, UDP_ENCAP, &v, &len), 0);
	ck_assert_int_eq(v, UDP_ENCAP_ESPINUDP);
	ck_assert_int_eq(kif_socket_udp_encap(u6), 0);
	ck_assert_int_eq(kif_socket_bypass(u4), 0);
	ck_assert_int_eq(kif_socket_bypass(u6), 0);
	ck_assert_int_lt(kif_socket_udp_encap(tcp), 0);
	ck_assert_int_eq(kif_socket_bypass(ux), -EAFNOSUPPORT);
	ck_assert_int_eq(kif_socket_udp_encap(-1), -EBADF);
	close(u4);
	close(u6);
	close(tcp);
	close(ux);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("kif_netlink");
	TCase *tc = tcase_create("netns");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_policy_roundtrip);
	tcase_add_test(tc, test_policy_v6_and_dirs);
	tcase_add_test(tc, test_policy_across_families);
	tcase_add_test(tc, test_policy_invalid);
	tcase_add_test(tc, test_flush_owned_only);
	tcase_add_test(tc, test_spi_alloc);
	tcase_add_test(tc, test_esp_sa_or_clear_error);
	tcase_add_test(tc, test_sa_invalid);
	tcase_add_test(tc, test_acquire_and_bypass);
	tcase_add_test(tc, test_overflow_resync);
	tcase_add_test(tc, test_larval_expire);
	tcase_add_test(tc, test_socket_options);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	struct kif *probe;

	if (geteuid() != 0) {
		printf("SKIP: test_kif_netlink needs root (network namespaces, XFRM)\n");
		return 77;
	}
	/* Never the host's XFRM state, even to probe. */
	if (unshare(CLONE_NEWNET) != 0) {
		printf("SKIP: cannot create a network namespace: %s\n", strerror(errno));
		return 77;
	}
	int r = kif_open(&probe);
	if (r < 0) {
		printf("SKIP: no XFRM netlink in this kernel: %s\n", strerror(-r));
		return 77;
	}
	kif_close(probe);

	SRunner *sr = srunner_create(make_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
