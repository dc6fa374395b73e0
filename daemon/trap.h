/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Trap policies (start_action = trap, dpd_action/close_action = trap): for
 * a child that is not up, policies with its selectors and a template of a
 * reqid of the trap's own, so that the first outbound packet that matches
 * makes the kernel raise an ACQUIRE, on which the daemon initiates that
 * child. Until then matching packets are dropped, never sent in clear.
 *
 * Beside a child's policies: the same selectors, but
 *   - a reqid of their own, from the top of conduit's range
 *     (DTRAP_REQID_MIN..KIF_REQID_MAX; daemon/kernel.c's children stay
 *     below), so kif_flush at startup removes them too;
 *   - a priority DTRAP_PRIO_BIAS worse than their selectors give, more than
 *     any selector's specificity can make up, so an installed child's
 *     policy always wins;
 *   - the selector tag DTRAP_TAG (kif_selector.tag, the kernel's "user"
 *     field): not matched against packets, but part of a policy's identity,
 *     so the kernel keeps the trap and a child's policy with the same
 *     selectors side by side, and adding or removing either never touches
 *     the other.
 * Traps stay until their connection is removed or reloaded, or conduitd
 * stops: a child that is up simply takes the traffic.
 */
#ifndef CONDUIT_DAEMON_TRAP_H
#define CONDUIT_DAEMON_TRAP_H

#include <stddef.h>
#include <stdint.h>

#include "daemon/kernel.h"
#include "ike/ike.h"
#include "kernel-iface/xfrm.h"

#define DTRAP_REQID_MIN (DKERN_REQID_MAX + 1)
#define DTRAP_PRIO_BIAS 0x10000u /* > the largest specificity score (256 * 128 + 96) */
#define DTRAP_TAG 0x74726170u	 /* "trap" */

struct dtrap;

struct dtrap *dtrap_new(struct kif *kif);
/* Removes every trap's policies from the kernel. NULL is fine. */
void dtrap_free(struct dtrap *t);

/*
 * Trap conn's child. cfg gives the endpoints (local resolved: "dynamic"
 * selectors and the tunnel template use it; remote must be known) and
 * child the selectors and mode; marks (NULL: none) mark the policies as
 * the child's own will be (out: mark_out, if_id_out; in and fwd: the
 * inbound ones), so that a route-based tunnel's traffic is what triggers
 * it. Trapping a child already trapped does
 * nothing. 0 or -errno with a sentence in err; on failure nothing of it
 * stays in the kernel.
 */
int dtrap_install(struct dtrap *t, const struct ike_conn_cfg *cfg,
		  const struct ike_child_cfg *child, const struct dkern_marks *marks, char *err,
		  size_t errlen);
/* Remove the traps of a connection (all of them: NULL). */
void dtrap_remove_conn(struct dtrap *t, const char *conn);

/*
 * An ACQUIRE whose template has reqid: 1 when it is a trap's and no
 * initiate of its child is under way (*conn and *child name it: initiate
 * it, then report with dtrap_initiated), 0 otherwise.
 */
int dtrap_acquire(struct dtrap *t, uint32_t reqid, const char **conn, const char **child);
/* Whose trap has reqid (list-pols): 1 with *conn and *child, or 0. */
int dtrap_lookup(struct dtrap *t, uint32_t reqid, const char **conn, const char **child);
/* The initiate dtrap_acquire asked for: the IKE SA id, or <= 0 if it
 * failed to start (the next ACQUIRE tries again). */
void dtrap_initiated(struct dtrap *t, uint32_t reqid, int ike_sa_id);
/* The IKE SA's fate is known (its child is up, or it failed or went):
 * traps that waited for it answer ACQUIREs again. */
void dtrap_sa_done(struct dtrap *t, uint32_t ike_sa_id);

/* How many children are trapped; how many policies that makes. */
unsigned int dtrap_count(const struct dtrap *t, unsigned int *n_policies);

#endif
