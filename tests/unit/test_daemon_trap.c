// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * daemon/trap.c against the running kernel's XFRM (policies and ACQUIRE
 * need no ESP), each test in a network namespace of its own. Needs root;
 * exit 77 (SKIP) otherwise. Trap policies: their selectors, reqid range,
 * priority; a child's policy with the same selectors coexists and wins;
 * ACQUIREs map to the trapped child once until its IKE SA is done; removal
 * and kif_flush leave nothing.
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "daemon/log.h"
#include "daemon/trap.h"
#include "kernel-iface/xfrm.h"
#include "tests/unit/unit.h"

static struct kif *k;
static struct dtrap *t;

static void sysctl(const char *path, const char *value)
{
	int fd = open(path, O_WRONLY);

	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(write(fd, value, strlen(value)), (ssize_t)strlen(value));
	close(fd);
}

static void setup(void)
{
	struct ifreq ifr;
	int fd;

	ck_assert_int_eq(unshare(CLONE_NEWNET), 0);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	ck_assert_int_eq(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	ck_assert_int_eq(ioctl(fd, SIOCSIFFLAGS, &ifr), 0);
	close(fd);
	sysctl("/proc/sys/net/ipv4/conf/lo/disable_xfrm", "0");
	sysctl("/proc/sys/net/ipv4/conf/lo/disable_policy", "0");
	ck_assert_int_eq(kif_open(&k), 0);
	t = dtrap_new(k);
	ck_assert_ptr_nonnull(t);
}

static void teardown(void)
{
	dtrap_free(t);
	t = NULL;
	kif_close(k);
	k = NULL;
}

static void addr(struct ike_addr *a, const char *ip)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, ip, a->ip), 1);
}

static struct kif_addr kaddr(const char *ip)
{
	struct kif_addr a;

	ck_assert_int_eq(kif_addr_parse(&a, ip), 0);
	return a;
}

static void conn_cfg(struct ike_conn_cfg *cfg, struct ike_child_cfg *ch, const char *conn,
		     const char *local, const char *remote, enum ike_mode mode, const char *lts,
		     const char *rts)
{
	memset(cfg, 0, sizeof(*cfg));
	memset(ch, 0, sizeof(*ch));
	snprintf(cfg->name, sizeof(cfg->name), "%s", conn);
	if (local)
		addr(&cfg->local, local);
	if (remote)
		addr(&cfg->remote, remote);
	snprintf(ch->name, sizeof(ch->name), "net");
	ch->mode = mode;
	ch->local_ts = lts;
	ch->remote_ts = rts;
	cfg->n_children = 1;
	cfg->children = ch;
}

/* The out policy 10.1.0.0/24 -> 10.2.0.0/24 as a child would have it. */
static struct kif_policy out_key(bool trap)
{
	struct kif_policy p;

	memset(&p, 0, sizeof(p));
	p.dir = KIF_DIR_OUT;
	p.sel.src = kaddr("10.1.0.0");
	p.sel.dst = kaddr("10.2.0.0");
	p.sel.src_plen = p.sel.dst_plen = 24;
	p.sel.tag = trap ? DTRAP_TAG : 0;
	return p;
}

START_TEST(test_tunnel_trap_policies)
{
	struct ike_conn_cfg cfg;
	struct ike_child_cfg ch;
	struct kif_policy key = out_key(true), got, child;
	char err[256] = "", b[64];
	unsigned int n_pol = 0, n_sa = 0;

	conn_cfg(&cfg, &ch, "gw", "192.0.2.1", "192.0.2.2", IKE_MODE_TUNNEL, "10.1.0.0/24",
		 "10.2.0.0/24");
	ck_assert_msg(dtrap_install(t, &cfg, &ch, NULL, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(dtrap_count(t, &n_pol), 1);
	ck_assert_uint_eq(n_pol, 3); /* out, in, fwd */
	/* Again: nothing more. */
	ck_assert_int_eq(dtrap_install(t, &cfg, &ch, NULL, err, sizeof(err)), 0);
	ck_assert_uint_eq(dtrap_count(t, &n_pol), 1);
	ck_assert_uint_eq(n_pol, 3);

	ck_assert_int_eq(kif_policy_get(k, &key, &got), 0);
	ck_assert_uint_eq(got.sel.tag, DTRAP_TAG);
	ck_assert_uint_eq(got.priority, kif_policy_priority(&key.sel) + DTRAP_PRIO_BIAS);
	ck_assert_uint_eq(got.n_tmpl, 1);
	ck_assert_uint_ge(got.tmpl[0].reqid, DTRAP_REQID_MIN);
	ck_assert_uint_le(got.tmpl[0].reqid, KIF_REQID_MAX);
	ck_assert_uint_gt(DTRAP_REQID_MIN, DKERN_REQID_MAX);
	ck_assert_int_eq(got.tmpl[0].mode, KIF_MODE_TUNNEL);
	ck_assert_str_eq(kif_addr_str(&got.tmpl[0].src, b, sizeof(b)), "192.0.2.1");
	ck_assert_str_eq(kif_addr_str(&got.tmpl[0].dst, b, sizeof(b)), "192.0.2.2");
	key.dir = KIF_DIR_FWD;
	key.sel.src = kaddr("10.2.0.0");
	key.sel.dst = kaddr("10.1.0.0");
	ck_assert_int_eq(kif_policy_get(k, &key, &got), 0);
	ck_assert_str_eq(kif_addr_str(&got.tmpl[0].src, b, sizeof(b)), "192.0.2.2");

	/* A child's policy with the same selectors goes in beside the trap
	 * (no EEXIST), with a better priority; removing it leaves the trap. */
	child = out_key(false);
	child.n_tmpl = 1;
	child.tmpl[0].src = kaddr("192.0.2.1");
	child.tmpl[0].dst = kaddr("192.0.2.2");
	child.tmpl[0].proto = IPPROTO_ESP;
	child.tmpl[0].mode = KIF_MODE_TUNNEL;
	child.tmpl[0].reqid = KIF_REQID_MIN + 1;
	ck_assert_msg(kif_policy_add(k, &child, false) == 0, "%s", kif_error(k));
	ck_assert_int_eq(kif_policy_get(k, &child, &got), 0);
	ck_assert_uint_eq(got.tmpl[0].reqid, KIF_REQID_MIN + 1);
	ck_assert_uint_lt(got.priority, kif_policy_priority(&key.sel) + DTRAP_PRIO_BIAS);
	ck_assert_int_eq(kif_policy_delete(k, &child), 0);
	key = out_key(true);
	ck_assert_int_eq(kif_policy_get(k, &key, &got), 0);
	/* ... and the trap's removal leaves a child's alone. */
	ck_assert_int_eq(kif_policy_add(k, &child, false), 0);
	dtrap_remove_conn(t, "gw");
	ck_assert_uint_eq(dtrap_count(t, &n_pol), 0);
	ck_assert_int_eq(kif_policy_get(k, &key, &got), -ENOENT);
	ck_assert_int_eq(kif_policy_get(k, &child, &got), 0);
	ck_assert_int_eq(kif_policy_delete(k, &child), 0);

	/* Traps are conduit's: the startup flush finds them. */
	ck_assert_int_eq(dtrap_install(t, &cfg, &ch, NULL, err, sizeof(err)), 0);
	ck_assert_int_eq(kif_flush(k, &n_sa, &n_pol), 0);
	ck_assert_uint_eq(n_pol, 3);
}
END_TEST

/* A route-based child's traps carry its marks and interface IDs, read
 * back from the kernel: out the outbound ones, in and fwd the inbound. */
START_TEST(test_trap_marks)
{
	struct dkern_marks m = { .mark_in = 0x5, .mark_in_mask = 0xff, .mark_out = 0x6,
				 .mark_out_mask = 0xffffffff, .if_id_in = 7, .if_id_out = 8 };
	struct kif_policy key = out_key(true), got;
	struct ike_conn_cfg cfg;
	struct ike_child_cfg ch;
	unsigned int n_pol = 0;
	char err[256] = "";

	conn_cfg(&cfg, &ch, "gw", "192.0.2.1", "192.0.2.2", IKE_MODE_TUNNEL, "10.1.0.0/24",
		 "10.2.0.0/24");
	ck_assert_msg(dtrap_install(t, &cfg, &ch, &m, err, sizeof(err)) == 0, "%s", err);
	/* without the marks it is not the same policy */
	ck_assert_int_eq(kif_policy_get(k, &key, &got), -ENOENT);
	key.mark_value = 0x6;
	key.mark_mask = 0xffffffff;
	key.if_id = 8;
	ck_assert_int_eq(kif_policy_get(k, &key, &got), 0);
	ck_assert_uint_eq(got.mark_value, 0x6);
	ck_assert_uint_eq(got.mark_mask, 0xffffffff);
	ck_assert_uint_eq(got.if_id, 8);
	key.dir = KIF_DIR_IN;
	key.sel.src = key.sel.dst;
	key.sel.dst = out_key(true).sel.src;
	key.mark_value = 0x5;
	key.mark_mask = 0xff;
	key.if_id = 7;
	ck_assert_int_eq(kif_policy_get(k, &key, &got), 0);
	ck_assert_uint_eq(got.mark_value, 0x5);
	ck_assert_uint_eq(got.mark_mask, 0xff);
	ck_assert_uint_eq(got.if_id, 7);
	/* and they go with the marks they came with */
	dtrap_remove_conn(t, "gw");
	ck_assert_uint_eq(dtrap_count(t, &n_pol), 0);
	ck_assert_int_eq(kif_policy_get(k, &key, &got), -ENOENT);
}
END_TEST

START_TEST(test_dynamic_and_errors)
{
	struct ike_conn_cfg cfg;
	struct ike_child_cfg ch;
	struct kif_policy key, got;
	char err[256] = "";
	unsigned int n_pol;

	/* host to host: "dynamic" is each gateway's address; transport mode
	 * has out and in only */
	conn_cfg(&cfg, &ch, "h2h", "192.0.2.1", "192.0.2.2", IKE_MODE_TRANSPORT, NULL, NULL);
	ck_assert_msg(dtrap_install(t, &cfg, &ch, NULL, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(dtrap_count(t, &n_pol), 1);
	ck_assert_uint_eq(n_pol, 2);
	memset(&key, 0, sizeof(key));
	key.dir = KIF_DIR_IN;
	key.sel.src = kaddr("192.0.2.2");
	key.sel.dst = kaddr("192.0.2.1");
	key.sel.src_plen = key.sel.dst_plen = 32;
	key.sel.tag = DTRAP_TAG;
	ck_assert_int_eq(kif_policy_get(k, &key, &got), 0);
	ck_assert_int_eq(got.tmpl[0].mode, KIF_MODE_TRANSPORT);

	/* No remote address: nothing to initiate to. */
	conn_cfg(&cfg, &ch, "any", "192.0.2.1", NULL, IKE_MODE_TUNNEL, "10.1.0.0/24",
		 "10.2.0.0/24");
	ck_assert_int_eq(dtrap_install(t, &cfg, &ch, NULL, err, sizeof(err)), -EDESTADDRREQ);
	ck_assert_ptr_nonnull(strstr(err, "remote address"));
	/* A selector the kernel cannot take: nothing stays. */
	conn_cfg(&cfg, &ch, "bad", "192.0.2.1", "192.0.2.2", IKE_MODE_TUNNEL, "10.1.0.0/24",
		 "10.2.0.0/33");
	ck_assert_int_eq(dtrap_install(t, &cfg, &ch, NULL, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "remote_ts"));
	/* Families that never meet give no policy at all. */
	conn_cfg(&cfg, &ch, "mixed", "192.0.2.1", "192.0.2.2", IKE_MODE_TUNNEL, "10.1.0.0/24",
		 "2001:db8::/64");
	ck_assert_int_eq(dtrap_install(t, &cfg, &ch, NULL, err, sizeof(err)), -EINVAL);
	ck_assert_uint_eq(dtrap_count(t, &n_pol), 1);
	ck_assert_uint_eq(n_pol, 2);
}
END_TEST

struct evlog {
	int n;
	struct kif_event ev[16];
};

static void record(const struct kif_event *ev, void *arg)
{
	struct evlog *l = arg;

	if (ev->type == KIF_EV_ACQUIRE && l->n < 16)
		l->ev[l->n++] = *ev;
}

static void wait_acquires(struct evlog *l, int want, int ms)
{
	struct timespec t0, now;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (l->n < want) {
		struct pollfd p = { .fd = kif_event_fd(k), .events = POLLIN };
		int left;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = ms - (int)((now.tv_sec - t0.tv_sec) * 1000 +
				  (now.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0)
			break;
		if (poll(&p, 1, left) > 0)
			ck_assert_int_ge(kif_event_drain(k, record, l), 0);
	}
}

static void send_udp(const char *ip, uint16_t port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);

	ck_assert_int_ge(fd, 0);
	inet_pton(AF_INET, ip, &sin.sin_addr);
	/* Held or dropped while the SA is acquired: the result does not matter. */
	(void)!sendto(fd, "x", 1, 0, (struct sockaddr *)&sin, sizeof(sin));
	close(fd);
}

START_TEST(test_acquire)
{
	struct ike_conn_cfg cfg;
	struct ike_child_cfg ch;
	struct evlog *l = calloc(1, sizeof(*l));
	struct kif_policy child;
	const char *conn = NULL, *child_name = NULL;
	char err[256] = "";
	uint32_t reqid;

	ck_assert_ptr_nonnull(l);
	conn_cfg(&cfg, &ch, "gw", "127.0.0.1", "127.0.0.88", IKE_MODE_TRANSPORT, NULL,
		 "127.0.0.88[udp/5555]");
	ck_assert_msg(dtrap_install(t, &cfg, &ch, NULL, err, sizeof(err)) == 0, "%s", err);
	send_udp("127.0.0.88", 5555);
	wait_acquires(l, 1, 2000);
	ck_assert_int_eq(l->n, 1);
	reqid = l->ev[0].acquire.tmpl.reqid;
	ck_assert_uint_ge(reqid, DTRAP_REQID_MIN);
	ck_assert_int_eq(dtrap_acquire(t, reqid, &conn, &child_name), 1);
	ck_assert_str_eq(conn, "gw");
	ck_assert_str_eq(child_name, "net");
	/* Under way: further ACQUIREs are ignored until its IKE SA is done. */
	dtrap_initiated(t, reqid, 7);
	ck_assert_int_eq(dtrap_acquire(t, reqid, &conn, &child_name), 0);
	dtrap_sa_done(t, 8);
	ck_assert_int_eq(dtrap_acquire(t, reqid, &conn, &child_name), 0);
	dtrap_sa_done(t, 7);
	ck_assert_int_eq(dtrap_acquire(t, reqid, &conn, &child_name), 1);
	/* An initiate that did not start: the next ACQUIRE tries again. */
	dtrap_initiated(t, reqid, -EINVAL);
	ck_assert_int_eq(dtrap_acquire(t, reqid, &conn, &child_name), 1);
	/* Not a trap's reqid. */
	ck_assert_int_eq(dtrap_acquire(t, KIF_REQID_MIN + 5, &conn, &child_name), 0);

	/* Once a child's policy with the same selector is in, it takes the
	 * traffic: the next ACQUIRE names the child's reqid, not the trap's. */
	memset(&child, 0, sizeof(child));
	child.dir = KIF_DIR_OUT;
	child.sel.src = kaddr("127.0.0.1");
	child.sel.dst = kaddr("127.0.0.88");
	child.sel.src_plen = child.sel.dst_plen = 32;
	child.sel.proto = IPPROTO_UDP;
	child.sel.dport = 5555;
	child.sel.dport_mask = 0xffff;
	child.n_tmpl = 1;
	child.tmpl[0].proto = IPPROTO_ESP;
	child.tmpl[0].mode = KIF_MODE_TRANSPORT;
	child.tmpl[0].reqid = KIF_REQID_MIN + 9;
	ck_assert_msg(kif_policy_add(k, &child, false) == 0, "%s", kif_error(k));
	send_udp("127.0.0.88", 5555);
	wait_acquires(l, 2, 2000);
	ck_assert_int_eq(l->n, 2);
	ck_assert_uint_eq(l->ev[1].acquire.tmpl.reqid, KIF_REQID_MIN + 9);
	free(l);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("daemon_trap");
	TCase *tc = tcase_create("trap");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_tunnel_trap_policies);
	tcase_add_test(tc, test_trap_marks);
	tcase_add_test(tc, test_dynamic_and_errors);
	tcase_add_test(tc, test_acquire);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	struct kif *probe;
	int r;

	if (geteuid() != 0) {
		printf("SKIP: test_daemon_trap needs root (network namespaces, XFRM)\n");
		return 77;
	}
	if (unshare(CLONE_NEWNET) != 0) {
		printf("SKIP: cannot create a network namespace: %s\n", strerror(errno));
		return 77;
	}
	r = kif_open(&probe);
	if (r < 0) {
		printf("SKIP: no XFRM netlink in this kernel: %s\n", strerror(-r));
		return 77;
	}
	kif_close(probe);
	log_init(STDERR_FILENO, getenv("CONDUIT_TEST_VERBOSE") ? LOG_LEVEL_DEBUG : LOG_LEVEL_ERROR);

	SRunner *sr = srunner_create(make_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
