/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Routes into the tunnels, as strongSwan's install_routes: for each
 * outbound tunnel-mode policy of a child, a route to the remote selector
 * in conduit's routing table (220 unless --routing-table says otherwise),
 * through the interface and next hop toward the peer (what `ip route get
 * PEER from ME` says; the peer itself when it is on a link of ours), with
 * the gateway's own address inside the local selector as source, so that
 * the gateway's own traffic to the remote subnet matches the policy and
 * enters the tunnel. A rule "from all lookup TABLE" at --routing-table-prio
 * exists while a route of its family does. Routes follow the policies:
 * added with a reqid's first child, removed with its last.
 *
 * No route (and a debug line saying why) for a pair of selectors with a
 * protocol or ports, a local selector holding none of the gateway's
 * addresses, a remote selector holding one of them (0.0.0.0/0: the
 * gateway's own traffic to the peer must not be routed into the tunnel),
 * or a child with an outbound mark or interface ID (a route-based tunnel:
 * the operator's routes into the VTI or XFRM device decide). These last
 * two are conduit's, not strongSwan's, rules.
 *
 * Everything is added with rtnetlink protocol KIF_RTPROT and removed by
 * it (kernel-iface/route.h): the operator's routes are never touched.
 */
#ifndef CONDUIT_DAEMON_ROUTE_H
#define CONDUIT_DAEMON_ROUTE_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/kernel.h"
#include "ike/ike.h"
#include "kernel-iface/route.h"

#define DROUTE_TABLE 220
#define DROUTE_PRIO 220

/* Whether the gateway owns an address in [from, to] (of family); the
 * first such address in *out. */
typedef bool droute_owned_fn(void *arg, uint8_t family, const uint8_t *from, const uint8_t *to,
			     struct kif_addr *out);

/* One route a child wants: remote selector's subnet and our source. */
struct droute_want {
	struct kif_addr dst;
	uint8_t plen;
	struct kif_addr src;
};

#define DROUTE_MAX_WANT (IKE_MAX_TS * IKE_MAX_TS)

/* The routes ci's selector pairs want (pure but for owned); why (when
 * not NULL and none is wanted) says why not in a few words. */
size_t droute_plan(const struct ike_child_install *ci, const struct dkern_marks *marks,
		   droute_owned_fn *owned, void *arg, struct droute_want *out, const char **why);

/* getifaddrs(3): the addresses of the gateway's interfaces. */
bool droute_owned_ifaddrs(void *arg, uint8_t family, const uint8_t *from, const uint8_t *to,
			  struct kif_addr *out);

struct droute;

/* NULL rt: routes are off (--install-routes no); nothing is done. */
struct droute *droute_new(struct kif_rt *rt, uint32_t table, uint32_t prio);
/* Removes every route and rule it added. */
void droute_free(struct droute *d);

void droute_child_installed(struct droute *d, const struct ike_child_install *ci, uint32_t kreqid,
			    const struct dkern_marks *marks);
void droute_child_deleted(struct droute *d, uint32_t child_id);

#endif
