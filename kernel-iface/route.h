/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Routes and routing rules over rtnetlink (libmnl), for the routes
 * strongSwan's install_routes would add: a route to a remote selector in a
 * table of conduit's own (220 by default), looked up through a rule.
 *
 * Ownership. Everything added here carries the rtnetlink protocol
 * KIF_RTPROT (a route's rtm_protocol, a rule's FRA_PROTOCOL), and every
 * delete names it, so the kernel refuses to delete a route or rule of
 * anyone else, whatever its table, prefix or priority: the operator's
 * routes (proto static, boot, kernel) are never touched. kif_rt_flush
 * removes conduit's leftovers (of a conduitd that died) and nothing else.
 */
#ifndef CONDUIT_KIF_ROUTE_H
#define CONDUIT_KIF_ROUTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel-iface/xfrm.h"

/* Not in /etc/iproute2/rt_protos: unused by routing daemons (bird, frr,
 * babel... take 8-192), 205 in ip route's listing. */
#define KIF_RTPROT 205

struct kif_rt;

int kif_rt_open(struct kif_rt **out);
void kif_rt_close(struct kif_rt *r);
/* The last failure's description ("" if none). */
const char *kif_rt_error(const struct kif_rt *r);

/* What `ip route get DST [from SRC]` says: the outgoing interface, the
 * gateway (family 0 when DST is on a link of ours) and the preferred
 * source address. */
struct kif_route_info {
	int oif;
	struct kif_addr gateway, prefsrc;
};

int kif_route_get(struct kif_rt *r, const struct kif_addr *dst, const struct kif_addr *src,
		  struct kif_route_info *out);

/* A route of conduit's: dst/plen in table, through gateway (family 0:
 * none) on oif, with source address src (family 0: none). */
struct kif_route {
	struct kif_addr dst;
	uint8_t plen;
	struct kif_addr gateway, src;
	int oif;
	uint32_t table;
};

/* Add (replacing conduit's own same route), delete (ENOENT/ESRCH: gone
 * already, 0). 0 or -errno with kif_rt_error(). */
int kif_route_add(struct kif_rt *r, const struct kif_route *rt);
int kif_route_del(struct kif_rt *r, const struct kif_route *rt);

/* The rule "from all lookup table" at priority prio for family. */
int kif_rule_add(struct kif_rt *r, uint8_t family, uint32_t table, uint32_t prio);
int kif_rule_del(struct kif_rt *r, uint8_t family, uint32_t table, uint32_t prio);

/* Remove every route (of every table) and rule of protocol KIF_RTPROT;
 * the counts when not NULL. */
int kif_rt_flush(struct kif_rt *r, unsigned int *n_routes, unsigned int *n_rules);

/* Every route of table (family 0: both), for tests and checks: fn is
 * called with each route and its rtnetlink protocol. */
int kif_route_list(struct kif_rt *r, uint8_t family, uint32_t table,
		   void (*fn)(void *arg, const struct kif_route *rt, uint8_t protocol), void *arg);

#endif
