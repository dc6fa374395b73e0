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

struct rxlog {
	unsigned int n;
	struct net *echo; /* send each one back from where it arrived */
	struct {
		uint8_t tag;
		size_t len;
		uint32_t sum;
		struct ike_addr local, remote;
	} e[80];
};

static uint32_t sum_of(const uint8_t *p, size_t len)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum = sum * 31 + p[i];
	return sum;
}

static void on_rx_log(void *arg, const uint8_t *pkt, size_t len, const struct ike_addr *local,
		      const struct ike_addr *remote)
{
	struct rxlog *r = arg;

	ck_assert_uint_lt(r->n, 80);
	r->e[r->n].tag = len ? pkt[0] : 0;
	r->e[r->n].len = len;
	r->e[r->n].sum = sum_of(pkt, len);
	r->e[r->n].local = *local;
	r->e[r->n].remote = *remote;
	r->n++;
	if (r->echo)
		ck_assert_int_eq(net_send(r->echo, pkt, len, local, remote), 0);
}

/* All the datagrams waiting on fd: how many, each from the IKE port of
 * from_ip with the length and first octet of one it sent. */
static unsigned int drain_echoes(int fd, int family, const char *from_ip, uint8_t *buf, size_t size)
{
	unsigned int got = 0;

	for (;;) {
		struct sockaddr_storage from;
		socklen_t fl = sizeof(from);
		char ip[64];
		ssize_t len = recvfrom(fd, buf, size, MSG_DONTWAIT, (struct sockaddr *)&from, &fl);
		const void *a;
		uint16_t port;

		if (len < 0) {
			ck_assert_int_eq(errno, EAGAIN);
			return got;
		}
		ck_assert_int_eq(from.ss_family, family);
		if (family == AF_INET) {
			a = &((struct sockaddr_in *)&from)->sin_addr;
			port = ntohs(((struct sockaddr_in *)&from)->sin_port);
		} else {
			a = &((struct sockaddr_in6 *)&from)->sin6_addr;
			port = ntohs(((struct sockaddr_in6 *)&from)->sin6_port);
		}
		/* the big one went to 127.0.0.1 */
		ck_assert_str_eq(inet_ntop(family, a, ip, sizeof(ip)),
				 len == 60000 ? "127.0.0.1" : from_ip);
		ck_assert_uint_eq(port, PORT_IKE);
		ck_assert(len == 40 || (len == 60000 && buf[0] == 0xee));
		got++;
	}
}

static bool addr4_is(const struct ike_addr *a, const char *ip, uint16_t port)
{
	struct ike_addr want;

	memset(&want, 0, sizeof(want));
	want.family = AF_INET;
	want.port = port;
	ck_assert_int_eq(inet_pton(AF_INET, ip, want.ip), 1);
	return !memcmp(a, &want, sizeof(want));
}

/*
 * recvmmsg batches: more datagrams than one batch (32), from eight IPv4
 * sources to two local addresses and from three IPv6 sources, with runts
 * (dropped) and a 60000-octet datagram (whole) among them. Each reaches
 * the engine once, intact, with its own source and local address. Each
 * is sent back from inside the batch (queued, then one sendmmsg(); the
 * big one at once): every source gets its own, from the address it sent
 * to.
 */
START_TEST(batch_many_sources)
{
	static uint8_t big[60000];
	struct event_base *base;
	struct rxlog *r = calloc(1, sizeof(*r));
	int s4[8], s6[3];
	char err[128], ip[64];
	unsigned int want = 0, tag = 1;
	uint8_t pkt[40];
	struct net *n;

	ck_assert_ptr_nonnull(r);
	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "batch_many_sources: no network namespace (%s): not run\n",
			strerror(errno));
		free(r);
		return;
	}
	lo_v6("fd00::7"); /* lo up, and a second IPv6 address */
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	n = net_new(base, PORT_IKE, PORT_NATT, on_rx_log, r, err, sizeof(err));
	ck_assert_msg(n != NULL, "%s", err);
	r->echo = n;
	for (int i = 0; i < 8; i++) {
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT_PEER + i) };

		snprintf(ip, sizeof(ip), "127.0.0.%d", 10 + i);
		ck_assert_int_eq(inet_pton(AF_INET, ip, &a.sin_addr), 1);
		s4[i] = socket(AF_INET, SOCK_DGRAM, 0);
		ck_assert_int_ge(s4[i], 0);
		ck_assert_int_eq(bind(s4[i], (struct sockaddr *)&a, sizeof(a)), 0);
	}
	for (int i = 0; i < 3; i++) {
		struct sockaddr_in6 a = { .sin6_family = AF_INET6,
					  .sin6_port = htons(PORT_PEER + 20 + i),
					  .sin6_addr = in6addr_loopback };

		s6[i] = socket(AF_INET6, SOCK_DGRAM, 0);
		ck_assert_int_ge(s6[i], 0);
		ck_assert_int_eq(bind(s6[i], (struct sockaddr *)&a, sizeof(a)), 0);
	}
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 % 251);
	big[0] = 0xee;
	/* 5 rounds: each source sends one (IPv4 to 127.0.0.1 and 127.0.0.2
	 * in turn, IPv6 to fd00::7), and a runt; the big one in round 2. */
	for (int round = 0; round < 5; round++) {
		for (int i = 0; i < 8; i++) {
			struct sockaddr_in to = { .sin_family = AF_INET,
						  .sin_port = htons(PORT_IKE) };

			to.sin_addr.s_addr = htonl(i % 2 ? 0x7f000002 : 0x7f000001);
			memset(pkt, (int)tag, sizeof(pkt));
			ck_assert_int_eq(
			    sendto(s4[i], pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)),
			    (ssize_t)sizeof(pkt));
			tag++;
			want++;
		}
		for (int i = 0; i < 3; i++) {
			struct sockaddr_in6 to = { .sin6_family = AF_INET6,
						   .sin6_port = htons(PORT_IKE) };

			ck_assert_int_eq(inet_pton(AF_INET6, "fd00::7", &to.sin6_addr), 1);
			memset(pkt, (int)tag, sizeof(pkt));
			ck_assert_int_eq(
			    sendto(s6[i], pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)),
			    (ssize_t)sizeof(pkt));
			tag++;
			want++;
		}
		{
			struct sockaddr_in to = { .sin_family = AF_INET,
						  .sin_port = htons(PORT_IKE) };

			to.sin_addr.s_addr = htonl(0x7f000001);
			ck_assert_int_eq(
			    sendto(s4[round], pkt, 27, 0, (struct sockaddr *)&to, sizeof(to)), 27);
			if (round == 2) {
				ck_assert_int_eq(sendto(s4[7], big, sizeof(big), 0,
							(struct sockaddr *)&to, sizeof(to)),
						 (ssize_t)sizeof(big));
				want++;
			}
		}
	}
	for (int i = 0; i < 20 && r->n < want; i++)
		pump(base);
	ck_assert_uint_eq(r->n, want);
	/* Each one once, with its own addresses; in order within a family. */
	{
		unsigned int seen4 = 0, seen6 = 0;
		bool big_seen = false;

		for (unsigned int k = 0; k < r->n; k++) {
			unsigned int t = r->e[k].tag, round, i;

			if (t == 0xee) {
				ck_assert(!big_seen);
				big_seen = true;
				ck_assert_uint_eq(r->e[k].len, sizeof(big));
				ck_assert_uint_eq(r->e[k].sum, sum_of(big, sizeof(big)));
				ck_assert(addr4_is(&r->e[k].local, "127.0.0.1", PORT_IKE));
				ck_assert(addr4_is(&r->e[k].remote, "127.0.0.17", PORT_PEER + 7));
				continue;
			}
			ck_assert_uint_ge(t, 1);
			ck_assert_uint_lt(t, tag);
			ck_assert_uint_eq(r->e[k].len, sizeof(pkt));
			memset(pkt, (int)t, sizeof(pkt));
			ck_assert_uint_eq(r->e[k].sum, sum_of(pkt, sizeof(pkt)));
			round = (t - 1) / 11;
			i = (t - 1) % 11;
			(void)round;
			if (i < 8) {
				/* the IPv4 ones arrive in the order sent */
				ck_assert_uint_eq(t, 1 + (seen4 / 8) * 11 + seen4 % 8);
				seen4++;
				snprintf(ip, sizeof(ip), "127.0.0.%u", 10 + i);
				ck_assert_msg(addr4_is(&r->e[k].remote, ip, PORT_PEER + i),
					      "datagram %u: wrong source", t);
				ck_assert_msg(addr4_is(&r->e[k].local,
						       i % 2 ? "127.0.0.2" : "127.0.0.1", PORT_IKE),
					      "datagram %u: wrong local address", t);
			} else {
				ck_assert_uint_eq(t, 9 + (seen6 / 3) * 11 + seen6 % 3);
				seen6++;
				ck_assert(addr6_is(&r->e[k].remote, "::1", PORT_PEER + 20 + i - 8));
				ck_assert(addr6_is(&r->e[k].local, "fd00::7", PORT_IKE));
			}
		}
		ck_assert(big_seen);
		ck_assert_uint_eq(seen4, 40);
		ck_assert_uint_eq(seen6, 15);
	}
	for (int i = 0; i < 8; i++)
		ck_assert_uint_eq(drain_echoes(s4[i], AF_INET, i % 2 ? "127.0.0.2" : "127.0.0.1",
					       big, sizeof(big)),
				  i == 7 ? 6 : 5);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(drain_echoes(s6[i], AF_INET6, "fd00::7", big, sizeof(big)), 5);
	for (int i = 0; i < 8; i++)
		close(s4[i]);
	for (int i = 0; i < 3; i++)
		close(s6[i]);
	net_free(n);
	event_base_free(base);
	free(r);
}
END_TEST

static struct net *arg2net; /* for on_rx_unreachable */

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

static void on_rx_unreachable(void *arg, const uint8_t *pkt, size_t len,
			      const struct ike_addr *local, const struct ike_addr *remote)
{
	struct ike_addr to;
	unsigned int *n = arg;

	(void)remote;
	memset(&to, 0, sizeof(to));
	to.family = AF_INET;
	to.port = 500;
	ck_assert_int_eq(inet_pton(AF_INET, "203.0.113.1", to.ip), 1);
	/* queued: the error shows at the end of the batch */
	ck_assert_int_eq(net_send(arg2net, pkt, len, local, &to), 0);
	(*n)++;
}

/*
 * Replies queued in a batch that the kernel refuses (no route): each one
 * skipped, not retried for ever, and one log line for all of them.
 */
START_TEST(batch_send_errors)
{
	static char out[16384];
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(PORT_IKE) };
	struct event_base *base;
	uint8_t pkt[40] = { 0 };
	unsigned int got = 0;
	char err[128];
	struct net *n;
	FILE *f;
	int fd, s;
	ssize_t len;

	if (unshare(CLONE_NEWNET)) {
		fprintf(stderr, "batch_send_errors: no network namespace (%s): not run\n",
			strerror(errno));
		return;
	}
	lo_v6("fd00::8"); /* lo up */
	f = tmpfile();
	ck_assert_ptr_nonnull(f);
	fd = dup(fileno(f));
	fclose(f);
	log_init(fd, LOG_LEVEL_INFO);
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	n = net_new(base, PORT_IKE, PORT_NATT, on_rx_unreachable, &got, err, sizeof(err));
	ck_assert_msg(n != NULL, "%s", err);
	arg2net = n;
	s = socket(AF_INET, SOCK_DGRAM, 0);
	ck_assert_int_ge(s, 0);
	to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	for (int i = 0; i < 20; i++)
		ck_assert_int_eq(sendto(s, pkt, sizeof(pkt), 0, (struct sockaddr *)&to, sizeof(to)),
				 (ssize_t)sizeof(pkt));
	for (int i = 0; i < 10 && got < 20; i++)
		pump(base);
	ck_assert_uint_eq(got, 20);
	len = pread(fd, out, sizeof(out) - 1, 0);
	ck_assert_int_ge(len, 0);
	out[len] = '\0';
	ck_assert_uint_eq(count_substr(out, "send to 203.0.113.1 UDP port 500: "), 1);
	ck_assert_uint_eq(count_substr(out, "\n"), 1);
	close(s);
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
	tcase_add_test(tc, batch_many_sources);
	tcase_add_test(tc, send_errors_rate_limited);
	tcase_add_test(tc, drops_rate_limited);
	tcase_add_test(tc, batch_send_errors);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
