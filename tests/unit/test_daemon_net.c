// SPDX-License-Identifier: GPL-2.0-or-later
/* daemon/net: the pure part (datagram classification), and IKE's sockets
 * over IPv6 loopback in a network namespace of the test's own (root only). */
#define _GNU_SOURCE /* unshare */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/ipv6.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/kernel.h"
#include "daemon/log.h"
#include "daemon/net.h"
#include "tests/unit/unit.h"

START_TEST(classify)
{
	uint8_t pkt[64];
	size_t off = 99;

	memset(pkt, 0, sizeof(pkt));
	/* Port 500: the IKE header needs 28 octets. */
	ck_assert_int_eq(net_classify(pkt, 28, false, &off), NET_IKE);
	ck_assert_uint_eq(off, 0);
	ck_assert_int_eq(net_classify(pkt, 27, false, &off), NET_DROP);
	ck_assert_int_eq(net_classify(pkt, 0, false, &off), NET_DROP);
	/* Port 4500: marker + header. */
	ck_assert_int_eq(net_classify(pkt, 32, true, &off), NET_IKE);
	ck_assert_uint_eq(off, 4);
	ck_assert_int_eq(net_classify(pkt, 31, true, &off), NET_DROP);
	ck_assert_int_eq(net_classify(pkt, 3, true, &off), NET_DROP);
	ck_assert_int_eq(net_classify(pkt, 0, true, &off), NET_DROP);
	pkt[0] = 0xff;
	ck_assert_int_eq(net_classify(pkt, 1, true, &off), NET_KEEPALIVE);
	/* 0xff on port 500 is just too short. */
	ck_assert_int_eq(net_classify(pkt, 1, false, &off), NET_DROP);
	/* An SPI (non-zero marker) is ESP, not ours. */
	pkt[0] = 0;
	pkt[3] = 1;
	ck_assert_int_eq(net_classify(pkt, 64, true, &off), NET_DROP);
}
END_TEST

/* Ports of our own: the test's namespace could use 500/4500, but a
 * second copy of the test may run beside it. */
#define PORT_IKE 15500
#define PORT_NATT 15501
#define PORT_PEER 15600

struct rx {
	unsigned int n;
	size_t len;
	uint8_t first;
	struct ike_addr local, remote;
};

static void on_rx(void *arg, const uint8_t *pkt, size_t len, const struct ike_addr *local,
		  const struct ike_addr *remote)
{
	struct rx *r = arg;

	r->n++;
	r->len = len;
	r->first = len ? pkt[0] : 0;
	r->local = *local;
	r->remote = *remote;
}

static void addr6(struct ike_addr *a, const char *ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = AF_INET6;
	a->port = port;
	ck_assert_int_eq(inet_pton(AF_INET6, ip, a->ip), 1);
}

static bool addr6_is(const struct ike_addr *a, const char *ip, uint16_t port)
{
	struct ike_addr want;

	addr6(&want, ip, port);
	return !memcmp(a, &want, sizeof(want));
}

/* lo up, with a second IPv6 address (loopback does no DAD). */
static void lo_v6(const char *extra)
{
	struct in6_ifreq r6;
	struct ifreq ifr;
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(&ifr, 0, sizeof(ifr));
	strcpy(ifr.ifr_name, "lo");
	ck_assert_int_eq(ioctl(fd, SIOCGIFFLAGS, &ifr), 0);
	ifr.ifr_flags |= IFF_UP;
	ck_assert_int_eq(ioctl(fd, SIOCSIFFLAGS, &ifr), 0);
	memset(&r6, 0, sizeof(r6));
	r6.ifr6_ifindex = (int)if_nametoindex("lo");
	r6.ifr6_prefixlen = 128;
	ck_assert_int_eq(inet_pton(AF_INET6, extra, &r6.ifr6_addr), 1);
	ck_assert_msg(ioctl(fd, SIOCSIFADDR, &r6) == 0, "add %s: %s", extra, strerror(errno));
	close(fd);
	/* The kernel finishes adding it (no DAD on loopback, but still
	 * from its work queue): until then it cannot be bound. */
	for (int i = 0; i < 200; i++) {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6, .sin6_addr = r6.ifr6_addr };
		int ok;

		fd = socket(AF_INET6, SOCK_DGRAM, 0);
		ck_assert_int_ge(fd, 0);
		ok = bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
		close(fd);
		if (ok)
			return;
		usleep(10000);
	}
	ck_abort_msg("%s did not become usable", extra);
}

/* Run the loop until something arrived, or a second passed. */
static void pump(struct event_base *base)
{
	struct timeval tv = { 1, 0 };

	event_base_loopexit(base, &tv);
	event_base_loop(base, EVLOOP_ONCE);
}

/*
 * IKE over IPv6: a datagram to our second address reports that address
 * as the local one (IPV6_PKTINFO); a reply from it leaves from it, not
 * from the address the kernel would choose (::1), with the non-ESP marker
 * on the NAT-T port; a keepalive goes bare.
 */
START_TEST(ipv6_sockets)
{
	struct sockaddr_in6 peer, from;
	socklen_t fl = sizeof(from);
	struct ike_addr local, remote;
	struct event_base *base;
	uint8_t pkt[40], got[64];
	struct rx r = { 0 };
	char err[128], ip[64];
	struct net *n;
	ssize_t len;
	int fd;

	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "ipv6_sockets: no network namespace (%s): not run\n",
			strerror(errno));
		return;
	}
	lo_v6("fd00::5");
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	n = net_new(base, PORT_IKE, PORT_NATT, on_rx, &r, err, sizeof(err));
	ck_assert_msg(n != NULL, "%s", err);
	/* IPv4 and IPv6, IKE and NAT-T; IPv6 with its bypass policies and
	 * UDP_ENCAP_ESPINUDP on the NAT-T port. */
	ck_assert_uint_eq(net_count(n), 4);

	fd = socket(AF_INET6, SOCK_DGRAM, 0);
	ck_assert_int_ge(fd, 0);
	memset(&peer, 0, sizeof(peer));
	peer.sin6_family = AF_INET6;
	peer.sin6_port = htons(PORT_PEER);
	peer.sin6_addr = in6addr_loopback;
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&peer, sizeof(peer)), 0);

	/* To us on the IKE port, at the second address. */
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x5a;
	peer.sin6_port = htons(PORT_IKE);
	ck_assert_int_eq(inet_pton(AF_INET6, "fd00::5", &peer.sin6_addr), 1);
	ck_assert_int_eq(sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&peer, sizeof(peer)),
			 (ssize_t)sizeof(pkt));
	pump(base);
	ck_assert_uint_eq(r.n, 1);
	ck_assert_uint_eq(r.len, sizeof(pkt));
	ck_assert_int_eq(r.first, 0x5a);
	ck_assert(addr6_is(&r.local, "fd00::5", PORT_IKE));
	ck_assert(addr6_is(&r.remote, "::1", PORT_PEER));

	/* On the NAT-T port: after the marker. */
	memset(got, 0, sizeof(got));
	got[4] = 0x6b;
	peer.sin6_port = htons(PORT_NATT);
	len = sendto(fd, got, 4 + sizeof(pkt), 0, (struct sockaddr *)&peer, sizeof(peer));
	ck_assert_int_eq(len, (ssize_t)(4 + sizeof(pkt)));
	pump(base);
	ck_assert_uint_eq(r.n, 2);
	ck_assert_uint_eq(r.len, sizeof(pkt));
	ck_assert_int_eq(r.first, 0x6b);
	ck_assert(addr6_is(&r.local, "fd00::5", PORT_NATT));

	/* Back from fd00::5 on the NAT-T port: marker first. */
	addr6(&local, "fd00::5", PORT_NATT);
	addr6(&remote, "::1", PORT_PEER);
	ck_assert_int_eq(net_send(n, pkt, sizeof(pkt), &local, &remote), 0);
	len = recvfrom(fd, got, sizeof(got), 0, (struct sockaddr *)&from, &fl);
	ck_assert_int_eq(len, 4 + (ssize_t)sizeof(pkt));
	ck_assert_int_eq(got[0] | got[1] | got[2] | got[3], 0);
	ck_assert_int_eq(got[4], 0x5a);
	ck_assert_str_eq(inet_ntop(AF_INET6, &from.sin6_addr, ip, sizeof(ip)), "fd00::5");
	ck_assert_uint_eq(ntohs(from.sin6_port), PORT_NATT);
	/* A keepalive: one octet, bare. */
	got[0] = 0xff;
	ck_assert_int_eq(net_send(n, got, 1, &local, &remote), 0);
	len = recvfrom(fd, got, sizeof(got), 0, NULL, NULL);
	ck_assert_int_eq(len, 1);
	ck_assert_int_eq(got[0], 0xff);
	/* From the IKE port, no marker. */
	local.port = PORT_IKE;
	ck_assert_int_eq(net_send(n, pkt, sizeof(pkt), &local, &remote), 0);
	fl = sizeof(from);
	len = recvfrom(fd, got, sizeof(got), 0, (struct sockaddr *)&from, &fl);
	ck_assert_int_eq(len, (ssize_t)sizeof(pkt));
	ck_assert_uint_eq(ntohs(from.sin6_port), PORT_IKE);
	ck_assert_str_eq(inet_ntop(AF_INET6, &from.sin6_addr, ip, sizeof(ip)), "fd00::5");

	close(fd);
	net_free(n);
	event_base_free(base);
}
END_TEST

static size_t count_substr(const char *s, const char *sub)
{
	size_t n = 0;

	for (const char *p = strstr(s, sub); p; p = strstr(p + 1, sub))
		n++;
	return n;
}

/*
 * Every send failing (here: no route at all in a fresh namespace, as for a
 * peer behind a dead link, or replies to a flood): one log line, then the
 * next a second later saying how many were left out.
 */
START_TEST(send_errors_rate_limited)
{
	static char out[16384];
	struct ike_addr local, remote;
	struct event_base *base;
	uint8_t pkt[40] = { 0 };
	char err[128];
	struct net *n;
	FILE *f;
	int fd;
	ssize_t got;

	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "send_errors_rate_limited: no network namespace (%s): not run\n",
			strerror(errno));
		return;
	}
	f = tmpfile();
	ck_assert_ptr_nonnull(f);
	fd = dup(fileno(f));
	fclose(f);
	log_init(fd, LOG_LEVEL_INFO);
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	n = net_new(base, PORT_IKE, PORT_NATT, on_rx, NULL, err, sizeof(err));
	ck_assert_msg(n != NULL, "%s", err);
	memset(&local, 0, sizeof(local));
	local.family = AF_INET;
	local.port = PORT_IKE;
	memset(&remote, 0, sizeof(remote));
	remote.family = AF_INET;
	remote.port = 500;
	ck_assert_int_eq(inet_pton(AF_INET, "203.0.113.1", remote.ip), 1);
	for (int i = 0; i < 100; i++)
		ck_assert_int_eq(net_send(n, pkt, sizeof(pkt), &local, &remote), -ENETUNREACH);
	got = pread(fd, out, sizeof(out) - 1, 0);
	ck_assert_int_ge(got, 0);
	out[got] = '\0';
	ck_assert_uint_eq(count_substr(out, "\n"), 1);
	ck_assert_uint_eq(count_substr(out, "send to 203.0.113.1 UDP port 500: "), 1);
	ck_assert_ptr_null(strstr(out, "left out"));

	usleep(1100 * 1000);
	ck_assert_int_eq(net_send(n, pkt, sizeof(pkt), &local, &remote), -ENETUNREACH);
	got = pread(fd, out, sizeof(out) - 1, 0);
	ck_assert_int_ge(got, 0);
	out[got] = '\0';
	ck_assert_uint_eq(count_substr(out, "\n"), 2);
	ck_assert_uint_eq(count_substr(out, "(99 more like it left out since the last)\n"), 1);
	net_free(n);
	event_base_free(base);
	close(fd);
}
END_TEST

/*
 * Datagrams the socket cannot take as IKE (here too short for its header)
 * are logged at debug: a flood of them, one line, then the next a second
 * later saying how many were left out.
 */
START_TEST(drops_rate_limited)
{
	static char out[16384];
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(PORT_IKE) };
	struct event_base *base;
	uint8_t pkt[27] = { 0 };
	struct rx r = { 0 };
	char err[128];
	struct net *n;
	FILE *f;
	int fd, s;
	ssize_t got;

	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "drops_rate_limited: no network namespace (%s): not run\n",
			strerror(errno));
		return;
	}
	lo_v6("fd00::6"); /* lo up */
	f = tmpfile();
	ck_assert_ptr_nonnull(f);
	fd = dup(fileno(f));
	fclose(f);
	log_init(fd, LOG_LEVEL_DEBUG);
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	n = net_new(base, PORT_IKE, PORT_NATT, on_rx, &r, err, sizeof(err));
	ck_assert_msg(n != NULL, "%s", err);
	s = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(s, 0);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(sendto(s, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)),
				 (ssize_t)sizeof(pkt));
	pump(base);
	ck_assert_uint_eq(r.n, 0);
	got = pread(fd, out, sizeof(out) - 1, 0);
	ck_assert_int_ge(got, 0);
	out[got] = '\0';
	ck_assert_uint_eq(count_substr(out, "dropped a 27-octet datagram on port 15500"), 1);
	ck_assert_ptr_null(strstr(out, "left out"));

	usleep(1100 * 1000);
	ck_assert_int_eq(sendto(s, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)),
			 (ssize_t)sizeof(pkt));
	pump(base);
	got = pread(fd, out, sizeof(out) - 1, 0);
	ck_assert_int_ge(got, 0);
	out[got] = '\0';
	ck_assert_uint_eq(count_substr(out, "dropped a 27-octet datagram"), 2);
	ck_assert_uint_eq(count_substr(out, "(19 more like it left out since the last)\n"), 1);
	close(s);
	net_free(n);
	event_base_free(base);
	close(fd);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("daemon_net");
	TCase *tc = tcase_create("net");

	tcase_add_test(tc, classify);
	tcase_add_test(tc, ipv6_sockets);
	tcase_add_test(tc, send_errors_rate_limited);
	tcase_add_test(tc, drops_rate_limited);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
