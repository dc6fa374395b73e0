/* SPDX-License-Identifier: GPL-2.0-or-later */
#define _GNU_SOURCE /* struct in6_pktinfo */
#include "daemon/net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "daemon/log.h"
#include "kernel-iface/xfrm.h"

#define NET_RCVBUF (4 << 20) /* receive buffer of the IKE sockets */

/* The IKE header alone is 28 octets. */
#define IKE_HDR_LEN 28
#define NET_MAX_DGRAM 65535
/* Datagrams read by one recvmmsg(). Each has a whole NET_MAX_DGRAM buffer
 * (2 MiB in all, of address space: only the pages datagrams reach are
 * ever touched), so none is truncated however the batch is made up. */
#define NET_BATCH 32

struct net_batch {
	struct mmsghdr msgs[NET_BATCH];
	struct iovec iov[NET_BATCH];
	struct sockaddr_storage peer[NET_BATCH];
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
			    CMSG_SPACE(sizeof(struct in_pktinfo))];
	} cbuf[NET_BATCH];
};

struct net_sock {
	int fd;
	int family;
	uint16_t port;
	bool natt;
	struct event *ev;
	struct net *net;
};

/* Replies queued while a batch is handed out (see net_send). */
#define NET_TX_SLOT 2048
/* One outgoing datagram: the msghdr points into the entry itself. */
struct net_tx {
	struct msghdr msg;
	struct sockaddr_storage ss;
	union {
		struct cmsghdr align;
		uint8_t buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cbuf;
	struct iovec iov[2];
	struct ike_addr remote; /* for the error line */
};

struct net_txq {
	int fd; /* the socket they all leave from */
	unsigned int n;
	struct mmsghdr mm[NET_BATCH];
	struct net_tx *tx;
	uint8_t *buf; /* NET_BATCH slots of NET_TX_SLOT */
};

struct net {
	struct net_sock socks[4];
	unsigned int n;
	net_input_fn *fn;
	void *arg;
	uint8_t *buf; /* NET_BATCH buffers of NET_MAX_DGRAM */
	struct net_batch *batch;
	struct net_txq *txq;
	bool in_batch;
	/* A flood (or a dead route) fails every packet: one line a second
	 * per kind, see log_limit. */
	struct log_limit recv_err, send_err, no_sock;
	/* Datagrams too short for IKE, or ESP on port 4500 (debug): a flood
	 * of them is one line a second too. */
	struct log_limit dropped;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* "" or " (N more like it left out since the last)" */
static const char *left_out_note(char *buf, size_t len, uint64_t n)
{
	if (!n)
		return "";
	snprintf(buf, len, " (%llu more like it left out since the last)", (unsigned long long)n);
	return buf;
}

enum net_verdict net_classify(const uint8_t *pkt, size_t len, bool natt, size_t *off)
{
	*off = 0;
	if (natt) {
		if (len == 1 && pkt[0] == 0xff)
			return NET_KEEPALIVE;
		/* Non-zero first four octets are an ESP SPI: the kernel
		 * decapsulates those; one here is not ours to parse. */
		if (len < 4 || pkt[0] || pkt[1] || pkt[2] || pkt[3])
			return NET_DROP;
		*off = 4;
	}
	if (len - *off < IKE_HDR_LEN)
		return NET_DROP;
	return NET_IKE;
}

static void from_sockaddr(struct ike_addr *a, const struct sockaddr_storage *ss)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *s = (const void *)ss;

		a->family = AF_INET;
		a->port = ntohs(s->sin_port);
		memcpy(a->ip, &s->sin_addr, 4);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const void *)ss;

		a->family = AF_INET6;
		a->port = ntohs(s->sin6_port);
		memcpy(a->ip, &s->sin6_addr, 16);
	}
}

static void tx_flush(struct net *n);

/* The local address (IP_PKTINFO / IPV6_PKTINFO) and the source of one
 * received datagram. */
static void addrs_of(const struct net_sock *s, struct msghdr *msg, struct ike_addr *local,
		     struct ike_addr *remote)
{
	struct cmsghdr *cm;

	from_sockaddr(remote, msg->msg_name);
	memset(local, 0, sizeof(*local));
	local->family = (uint8_t)s->family;
	local->port = s->port;
	for (cm = CMSG_FIRSTHDR(msg); cm; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO &&
		    cm->cmsg_len >= CMSG_LEN(sizeof(struct in_pktinfo))) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			memcpy(local->ip, &pi.ipi_addr, 4);
		} else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO &&
			   cm->cmsg_len >= CMSG_LEN(sizeof(struct in6_pktinfo))) {
			struct in6_pktinfo pi;

			memcpy(&pi, CMSG_DATA(cm), sizeof(pi));
			memcpy(local->ip, &pi.ipi6_addr, 16);
		}
	}
}

/* One datagram of a batch: classified, then handed to the engine. */
static void deliver(struct net *n, const struct net_sock *s, struct msghdr *msg, uint8_t *pkt,
		    size_t len)
{
	struct ike_addr local, remote;
	enum net_verdict v;
	size_t off;

	if (msg->msg_flags & MSG_TRUNC)
		return;
	v = net_classify(pkt, len, s->natt, &off);
	if (v == NET_KEEPALIVE) {
		log_msg(LOG_LEVEL_TRACE, "NAT-T keepalive received");
		return;
	}
	if (v == NET_DROP) {
		uint64_t left;
		char note[80];

		if (log_enabled(LOG_LEVEL_DEBUG) && log_limit_pass(&n->dropped, mono_ms(), &left))
			log_msg(LOG_LEVEL_DEBUG, "dropped a %zu-octet datagram on port %u%s", len,
				s->port, left_out_note(note, sizeof(note), left));
		return;
	}
	addrs_of(s, msg, &local, &remote);
	n->fn(n->arg, pkt + off, len - off, &local, &remote);
}

/* One recvmmsg() per wake-up: up to NET_BATCH datagrams for one system
 * call (under a flood the kernel's per-call cost was most of ours), and
 * no more, so one busy socket cannot starve the others or the timers. */
static void on_readable(evutil_socket_t fd, short what, void *arg)
{
	struct net_sock *s = arg;
	struct net *n = s->net;
	struct net_batch *b = n->batch;
	int got;
	(void)what;

	for (int i = 0; i < NET_BATCH; i++) {
		b->iov[i].iov_base = n->buf + (size_t)i * NET_MAX_DGRAM;
		b->iov[i].iov_len = NET_MAX_DGRAM;
		b->msgs[i].msg_hdr = (struct msghdr){
			.msg_name = &b->peer[i],
			.msg_namelen = sizeof(b->peer[i]),
			.msg_iov = &b->iov[i],
			.msg_iovlen = 1,
			.msg_control = b->cbuf[i].buf,
			.msg_controllen = sizeof(b->cbuf[i].buf),
		};
		b->msgs[i].msg_len = 0;
	}
	got = recvmmsg(fd, b->msgs, NET_BATCH, MSG_DONTWAIT, NULL);
	if (got < 0) {
		int e = errno;
		uint64_t left;
		char note[80];

		if (e != EAGAIN && e != EWOULDBLOCK && e != EINTR &&
		    log_limit_pass(&n->recv_err, mono_ms(), &left))
			log_msg(LOG_LEVEL_WARN, "receive on UDP port %u: %s%s", s->port,
				strerror(e), left_out_note(note, sizeof(note), left));
		return;
	}
	n->in_batch = true;
	for (int i = 0; i < got; i++)
		deliver(n, s, &b->msgs[i].msg_hdr, b->iov[i].iov_base, b->msgs[i].msg_len);
	n->in_batch = false;
	if (n->txq->n)
		tx_flush(n);
}

static int open_sock(struct net *n, struct event_base *base, int family, uint16_t port, bool natt)
{
	struct net_sock *s = &n->socks[n->n];
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1, rcvbuf = NET_RCVBUF, fd;
	const char *what;

	fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		what = "socket";
		goto fail;
	}
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (void *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		sl = sizeof(*a);
		what = "IP_PKTINFO";
		if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)))
			goto fail;
	} else {
		struct sockaddr_in6 *a = (void *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		sl = sizeof(*a);
		what = "IPV6_V6ONLY";
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)))
			goto fail;
		what = "IPV6_RECVPKTINFO";
		if (setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)))
			goto fail;
	}
	what = "SO_REUSEADDR";
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)))
		goto fail;
	/* A burst (a flood, or many peers at once) waits in the kernel for
	 * the engine's cheap refusals instead of being dropped with the
	 * legitimate requests in it: beyond net.core.rmem_max when we may
	 * (CAP_NET_ADMIN), else as much as it allows. Not fatal. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	what = "bind";
	if (bind(fd, (struct sockaddr *)&ss, sl))
		goto fail;
	what = "bypass policy";
	if (kif_socket_bypass(fd))
		goto fail;
	what = "UDP encapsulation";
	if (natt && kif_socket_udp_encap(fd))
		goto fail;
	s->fd = fd;
	s->family = family;
	s->port = port;
	s->natt = natt;
	s->net = n;
	s->ev = event_new(base, fd, EV_READ | EV_PERSIST, on_readable, s);
	if (!s->ev || event_add(s->ev, NULL)) {
		what = "event";
		errno = ENOMEM;
		goto fail;
	}
	n->n++;
	log_msg(LOG_LEVEL_DEBUG, "listening on UDP %s port %u", family == AF_INET ? "IPv4" : "IPv6",
		port);
	return 0;
fail:
	log_msg(LOG_LEVEL_WARN, "UDP %s port %u: %s: %s; going on without it",
		family == AF_INET ? "IPv4" : "IPv6", port, what, strerror(errno));
	if (s->ev)
		event_free(s->ev);
	s->ev = NULL;
	if (fd >= 0)
		close(fd);
	return -1;
}

struct net *net_new(struct event_base *base, uint16_t ike_port, uint16_t natt_port,
		    net_input_fn *fn, void *arg, char *err, size_t errlen)
{
	struct net *n = calloc(1, sizeof(*n));

	if (!n || !(n->buf = malloc((size_t)NET_BATCH * NET_MAX_DGRAM)) ||
	    !(n->batch = calloc(1, sizeof(*n->batch))) || !(n->txq = calloc(1, sizeof(*n->txq))) ||
	    !(n->txq->tx = calloc(NET_BATCH, sizeof(*n->txq->tx))) ||
	    !(n->txq->buf = malloc((size_t)NET_BATCH * NET_TX_SLOT))) {
		if (n) {
			if (n->txq) {
				free(n->txq->tx);
				free(n->txq->buf);
			}
			free(n->txq);
			free(n->batch);
			free(n->buf);
		}
		free(n);
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	n->fn = fn;
	n->arg = arg;
	open_sock(n, base, AF_INET, ike_port, false);
	open_sock(n, base, AF_INET, natt_port, true);
	open_sock(n, base, AF_INET6, ike_port, false);
	open_sock(n, base, AF_INET6, natt_port, true);
	if (!n->n) {
		snprintf(err, errlen, "cannot bind any IKE socket (UDP %u/%u)", ike_port,
			 natt_port);
		net_free(n);
		return NULL;
	}
	return n;
}

void net_free(struct net *n)
{
	if (!n)
		return;
	for (unsigned int i = 0; i < n->n; i++) {
		event_free(n->socks[i].ev);
		close(n->socks[i].fd);
	}
	free(n->buf);
	free(n->batch);
	free(n->txq->tx);
	free(n->txq->buf);
	free(n->txq);
	free(n);
}

unsigned int net_count(const struct net *n)
{
	return n->n;
}

/* Fill t to send pkt (not copied) from s, local to remote. */
static void tx_build(struct net_tx *t, const struct net_sock *s, const uint8_t *pkt, size_t len,
		     const struct ike_addr *local, const struct ike_addr *remote)
{
	static const uint8_t marker[4];
	static const uint8_t zero[16];

	memset(t, 0, sizeof(*t));
	t->remote = *remote;
	if (remote->family == AF_INET) {
		struct sockaddr_in *a = (void *)&t->ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(remote->port);
		memcpy(&a->sin_addr, remote->ip, 4);
		t->msg.msg_namelen = sizeof(*a);
		if (local->family == AF_INET && memcmp(local->ip, zero, 4)) {
			struct in_pktinfo pi;
			struct cmsghdr *cm;

			memset(&pi, 0, sizeof(pi));
			memcpy(&pi.ipi_spec_dst, local->ip, 4);
			t->msg.msg_control = t->cbuf.buf;
			t->msg.msg_controllen = CMSG_SPACE(sizeof(pi));
			cm = CMSG_FIRSTHDR(&t->msg);
			cm->cmsg_level = IPPROTO_IP;
			cm->cmsg_type = IP_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		}
	} else {
		struct sockaddr_in6 *a = (void *)&t->ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(remote->port);
		memcpy(&a->sin6_addr, remote->ip, 16);
		t->msg.msg_namelen = sizeof(*a);
		if (local->family == AF_INET6 && memcmp(local->ip, zero, 16)) {
			struct in6_pktinfo pi;
			struct cmsghdr *cm;

			memset(&pi, 0, sizeof(pi));
			memcpy(&pi.ipi6_addr, local->ip, 16);
			t->msg.msg_control = t->cbuf.buf;
			t->msg.msg_controllen = CMSG_SPACE(sizeof(pi));
			cm = CMSG_FIRSTHDR(&t->msg);
			cm->cmsg_level = IPPROTO_IPV6;
			cm->cmsg_type = IPV6_PKTINFO;
			cm->cmsg_len = CMSG_LEN(sizeof(pi));
			memcpy(CMSG_DATA(cm), &pi, sizeof(pi));
		}
	}
	t->msg.msg_name = &t->ss;
	t->msg.msg_iov = t->iov;
	/* A NAT-T keepalive (one 0xFF octet, RFC 3948 2.3) goes bare. */
	if (s->natt && !(len == 1 && pkt[0] == 0xff)) {
		t->iov[0].iov_base = (void *)(uintptr_t)marker;
		t->iov[0].iov_len = sizeof(marker);
		t->iov[1].iov_base = (void *)(uintptr_t)pkt;
		t->iov[1].iov_len = len;
		t->msg.msg_iovlen = 2;
	} else {
		t->iov[0].iov_base = (void *)(uintptr_t)pkt;
		t->iov[0].iov_len = len;
		t->msg.msg_iovlen = 1;
	}
}

static void send_failed(struct net *n, const struct ike_addr *remote, int e)
{
	uint64_t left;
	char note[80];

	if (log_limit_pass(&n->send_err, mono_ms(), &left)) {
		char ip[INET6_ADDRSTRLEN] = "?";

		inet_ntop(remote->family, remote->ip, ip, sizeof(ip));
		log_msg(LOG_LEVEL_WARN, "send to %s UDP port %u: %s%s", ip, remote->port,
			strerror(e), left_out_note(note, sizeof(note), left));
	}
}

/* Send what replies to a batch of datagrams have queued: one sendmmsg()
 * for as many as the kernel takes; a failure skips (and logs) that one. */
static void tx_flush(struct net *n)
{
	struct net_txq *q = n->txq;
	unsigned int i = 0;

	while (i < q->n) {
		int sent = sendmmsg(q->fd, q->mm + i, q->n - i, 0);

		if (sent <= 0) {
			if (sent < 0 && errno == EINTR)
				continue;
			/* 0 should not happen: skip it rather than spin */
			send_failed(n, &q->tx[i].remote, sent < 0 ? errno : EIO);
			i++;
		} else {
			i += (unsigned int)sent;
		}
	}
	q->n = 0;
	q->fd = -1;
}

int net_send(struct net *n, const uint8_t *pkt, size_t len, const struct ike_addr *local,
	     const struct ike_addr *remote)
{
	struct net_sock *s = NULL;
	struct net_txq *q = n->txq;
	uint64_t left;
	char note[80];

	for (unsigned int i = 0; i < n->n; i++)
		if (n->socks[i].family == remote->family && n->socks[i].port == local->port)
			s = &n->socks[i];
	if (!s) {
		if (log_limit_pass(&n->no_sock, mono_ms(), &left))
			log_msg(LOG_LEVEL_ERROR, "no %s socket on UDP port %u to send from%s",
				remote->family == AF_INET6 ? "IPv6" : "IPv4", local->port,
				left_out_note(note, sizeof(note), left));
		return -EADDRNOTAVAIL;
	}
	/* While a batch of received datagrams is handed out, small replies
	 * (COOKIEs, refusals, IKE_SA_INIT responses) wait for one sendmmsg()
	 * at its end; anything else goes at once (the caller ignores errors:
	 * they are logged either way). */
	if (n->in_batch && len <= NET_TX_SLOT) {
		struct net_tx *t;
		uint8_t *copy;

		if (q->n && (q->fd != s->fd || q->n == NET_BATCH))
			tx_flush(n);
		copy = q->buf + (size_t)q->n * NET_TX_SLOT;
		memcpy(copy, pkt, len);
		t = &q->tx[q->n];
		tx_build(t, s, copy, len, local, remote);
		q->mm[q->n].msg_hdr = t->msg;
		q->mm[q->n].msg_len = 0;
		q->fd = s->fd;
		q->n++;
		return 0;
	}
	if (q->n)
		tx_flush(n); /* keep the order they were sent in */
	{
		struct net_tx t;

		tx_build(&t, s, pkt, len, local, remote);
		if (sendmsg(s->fd, &t.msg, 0) < 0) {
			int e = errno;

			send_failed(n, remote, e);
			return -e;
		}
	}
	return 0;
}
