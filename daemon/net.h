/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IKE's UDP sockets: ports 500 and 4500 (RFC 7296 2.23, RFC 3948), IPv4
 * and IPv6 (V6ONLY), each with per-socket bypass policies; 4500 also with
 * UDP_ENCAP_ESPINUDP so the kernel takes ESP-in-UDP and hands IKE (after the
 * four-zero non-ESP marker) to us. Each datagram's local address comes from
 * IP_PKTINFO/IPV6_PKTINFO, and replies leave from that address.
 */
#ifndef CONDUIT_DAEMON_NET_H
#define CONDUIT_DAEMON_NET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "ike/types.h"

#define NET_PORT_IKE 500
#define NET_PORT_NATT 4500

typedef void net_input_fn(void *arg, const uint8_t *pkt, size_t len,
			  const struct ike_addr *local, const struct ike_addr *remote);

struct net;

/* Bind what can be bound (a family or port that fails is logged as a
 * warning and skipped). NULL, with a sentence in err, when nothing could be
 * bound at all. ports: {500, 4500} normally; the second is the NAT-T port. */
struct net *net_new(struct event_base *base, uint16_t ike_port, uint16_t natt_port,
		    net_input_fn *fn, void *arg, char *err, size_t errlen);
void net_free(struct net *n);
/* Number of sockets bound. */
unsigned int net_count(const struct net *n);

/* Send from local (address and port choose the socket and source; an unset
 * address lets the kernel choose) to remote. On the NAT-T port the non-ESP
 * marker goes first, except before a keepalive (the one octet 0xFF).
 * 0 or -errno. */
int net_send(struct net *n, const uint8_t *pkt, size_t len, const struct ike_addr *local,
	     const struct ike_addr *remote);

enum net_verdict {
	NET_IKE,       /* an IKE message at *off */
	NET_KEEPALIVE, /* a NAT-T keepalive (RFC 3948 2.3): ignore */
	NET_DROP,      /* too short, or ESP that reached us */
};

/* What a datagram received on the IKE port (natt false) or the NAT-T port
 * is; *off is where the IKE message starts. */
enum net_verdict net_classify(const uint8_t *pkt, size_t len, bool natt, size_t *off);

#endif
