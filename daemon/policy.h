/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The XFRM policies conduit installs for a pair of traffic selectors, in
 * one place for a CHILD_SA's (daemon/kernel.c) and a trap's (daemon/trap.c).
 */
#ifndef CONDUIT_DAEMON_POLICY_H
#define CONDUIT_DAEMON_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "ike/ike.h"
#include "kernel-iface/xfrm.h"

/*
 * Every policy one local/remote selector pair gives: each prefix and port
 * mask combination of the two (ICMP type/code and OPAQUE ports as any
 * port, as strongSwan does for OPAQUE), out and in, and fwd in tunnel
 * mode, each with one ESP template of reqid; a tunnel template names
 * local and remote as its direction sees them. Selectors of different
 * protocols give none. fn gets each policy (to add to, or keep; it may
 * change it); a non-zero return stops the walk and is returned. -EINVAL
 * with err for a selector with no XFRM form, -ENOMEM.
 */
int dpolicy_foreach(enum ike_mode mode, const struct ike_ts *lt, const struct ike_ts *rt,
		    const struct ike_addr *local, const struct ike_addr *remote, uint32_t reqid,
		    int (*fn)(void *arg, struct kif_policy *p), void *arg, char *err,
		    size_t errlen);

#endif
