// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reauthentication (RFC 7296 2.8.3) as make-before-break: at reauth_time
 * (minus a random part of rand_time) a new IKE SA is negotiated from
 * scratch, IKE_SA_INIT and IKE_AUTH with the first CHILD_SA, then the
 * others with CREATE_CHILD_SA, while the old one keeps carrying traffic;
 * once the new one has all of them (or was refused some), the old one is
 * deleted.
 *
 * What keeps traffic flowing is the reqid: a CHILD_SA made in IKE_AUTH
 * takes the reqid of an installed CHILD_SA of the same connection, child
 * and selectors in another IKE SA, so it shares that reqid's policies
 * (ike.h's contract: new SAs are installed next to the old ones, and the
 * kernel sends with the newest). Deleting the old CHILD_SA then leaves the
 * policies alone. The same holds when the peer reauthenticates (strongSwan
 * with reauth_time, make_before_break) and conduit is the responder.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ike/engine.h"

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

static bool same_peer(const struct ike_addr *a, const struct ike_addr *b)
{
	return a->family == b->family && !memcmp(a->ip, b->ip, a->family == AF_INET6 ? 16 : 4);
}

uint32_t ike_reqid_to_share(struct ike_engine *e, const struct ike_sa *sa, uint16_t cfg_idx,
			    uint8_t mode, const struct ike_ts *ts, size_t n_lts, size_t n_rts)
{
	const char *name = sa->conn->children[cfg_idx].cfg.name;
	const struct ike_sa *o;

	/* The same peer: its identity (peers behind one NAT share the
	 * address) on a connection of this name (any version of it), and
	 * its address. */
	for (o = ike_sa_first_of_peer(e, sa->conn->name, sa->peer_id_type, sa->peer_id,
				      sa->peer_id_len);
	     o; o = LIST_NEXT(o, peer_entry)) {
		const struct ike_child *c;

		if (o == sa || o->state == IKE_S_GONE ||
		    !ike_sa_is_peer(o, sa->conn->name, sa->peer_id_type, sa->peer_id,
				    sa->peer_id_len) ||
		    !same_peer(&o->remote, &sa->remote))
			continue;
		LIST_FOREACH (c, &o->children, entry) {
			if (!ike_child_live(c) || c->mode != mode || c->n_lts != n_lts ||
			    c->n_rts != n_rts ||
			    strcmp(o->conn->children[c->cfg_idx].cfg.name, name) ||
			    memcmp(c->ts, ts, (n_lts + n_rts) * sizeof(*ts)))
				continue;
			return c->reqid;
		}
	}
	return 0;
}

int ike_sa_reauth_start(struct ike_engine *e, struct ike_sa *sa, const char *why)
{
	struct ike_conn *now = ike_conn_find(e, sa->conn->name);
	const struct ike_child *c;
	struct ike_sa *nsa = NULL;
	uint16_t *idx;
	size_t n = 0;
	int rc = 0;

	if (sa->state != IKE_S_ESTABLISHED)
		return -EBUSY;
	/* The connection as configured now (a reload may have changed it). */
	if (!now || !now->cfg.remote.family) {
		ike_log_sa(e, IKE_LOG_WARN, sa,
			   "%s, but the connection %s; the IKE SA stays until its over_time", why,
			   !now ? "was removed" : "has no remote address");
		return !now ? -ENOENT : -EDESTADDRREQ;
	}
	/* Every child it carries, by name in the configuration as it is now
	 * (once each: a child config made twice comes back once). */
	idx = calloc(now->cfg.n_children ? now->cfg.n_children : 1, sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < now->cfg.n_children; i++) {
		LIST_FOREACH (c, &sa->children, entry) {
			if (ike_child_live(c) && !strcmp(sa->conn->children[c->cfg_idx].cfg.name,
							 now->children[i].cfg.name)) {
				idx[n++] = (uint16_t)i;
				break;
			}
		}
	}
	ike_log_sa(e, IKE_LOG_INFO, sa,
		   "%s: reauthenticating with %zu CHILD_SA%s (make before break)", why, n,
		   n == 1 ? "" : "s");
	if (!n && now->cfg.childless == IKE_CHILDLESS_NEVER)
		rc = -EINVAL;
	else if (!(nsa = ike_initiate_sa(e, now, idx, n, sa->id, &rc)))
		rc = rc ? rc : -EINVAL;
	if (rc)
		ike_log_sa(e, IKE_LOG_WARN, sa, "cannot start the reauthentication: %s",
			   strerror(-rc));
	free(idx);
	return rc ? rc : (int)nsa->id;
}

void ike_sa_reauth_timer(struct ike_timer *t, void *ctx)
{
	struct ike_engine *e = ctx;
	struct ike_sa *sa = container_of(t, struct ike_sa, t_reauth);

	if (sa->state == IKE_S_ESTABLISHED)
		ike_sa_reauth_start(e, sa, "reauth_time reached");
}

void ike_reauth_established(struct ike_engine *e, struct ike_sa *nsa)
{
	struct ike_sa *old = nsa->reauth_of ? ike_sa_by_id(e, nsa->reauth_of) : NULL;
	struct ike_child *c;

	nsa->reauth_of = 0;
	if (!old || old->state != IKE_S_ESTABLISHED)
		return;
	ike_log_sa(e, IKE_LOG_INFO, old, "reauthenticated as IKE SA [%u]: deleting this one",
		   nsa->id);
	/* Its successors are up: no close_action for it or its children
	 * (a child whose successor could not be made goes as deleted by us). */
	LIST_FOREACH (c, &old->children, entry) {
		const struct ike_child *n;

		LIST_FOREACH (n, &nsa->children, entry)
			if (ike_child_live(c) && ike_child_live(n) && n->reqid == c->reqid) {
				ike_child_superseded(e, c, "reauthenticated");
				break;
			}
	}
	ike_sa_superseded(e, old, "reauthenticated");
	ike_task_queue(e, old, IKE_TASK_DELETE_IKE, 0, 0);
	ike_sa_kick(e, old);
}
