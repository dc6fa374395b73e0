// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reauthentication (RFC 7296 2.8.3) as make-before-break: at reauth_time
 * (minus a random part of rand_time) a new IKE SA is negotiated from
 * scratch, IKE_SA_INIT and IKE_AUTH with its CHILD_SA, while the old one
 * keeps carrying traffic; once the new one is up, the old one is deleted.
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

	for (struct ike_conn *v = ike_conn_find(e, sa->conn->name); v; v = v->older) {
		const struct ike_sa *o;

		LIST_FOREACH (o, &v->sas, conn_entry) {
			const struct ike_child *c;

			if (o == sa || o->dead || !same_peer(&o->remote, &sa->remote))
				continue;
			LIST_FOREACH (c, &o->children, entry) {
				if (!c->installed || c->rekeyed || c->delete_pending ||
				    c->mode != mode || c->n_lts != n_lts || c->n_rts != n_rts ||
				    strcmp(o->conn->children[c->cfg_idx].cfg.name, name) ||
				    memcmp(c->ts, ts, (n_lts + n_rts) * sizeof(*ts)))
					continue;
				return c->reqid;
			}
		}
	}
	return 0;
}

void ike_sa_reauth_timer(struct ike_timer *t, void *ctx)
{
	struct ike_engine *e = ctx;
	struct ike_sa *sa = container_of(t, struct ike_sa, t_reauth);
	const struct ike_child *c;
	const char *child = NULL;
	struct ike_sa *nsa;
	int id;

	if (sa->state != IKE_S_ESTABLISHED || sa->rekeyed || sa->dead)
		return;
	/* IKE_AUTH carries one CHILD_SA: the first one (more need
	 * CREATE_CHILD_SA for new children, not implemented). */
	LIST_FOREACH (c, &sa->children, entry)
		if (c->installed && !c->rekeyed && !c->delete_pending)
			child = sa->conn->children[c->cfg_idx].cfg.name;
	/* The connection as configured now (a reload may have changed it). */
	if (!ike_conn_find(e, sa->conn->name) || !sa->conn->cfg.remote.family) {
		ike_log_sa(e, IKE_LOG_WARN, sa,
			   "reauth_time reached, but the connection %s; the IKE SA stays until "
			   "its over_time",
			   !ike_conn_find(e, sa->conn->name) ? "was removed"
							      : "has no remote address");
		return;
	}
	ike_log_sa(e, IKE_LOG_INFO, sa, "reauth_time reached: reauthenticating (make before break)");
	id = ike_engine_initiate(e, sa->conn->name, child);
	nsa = id > 0 ? ike_sa_by_id(e, (uint32_t)id) : NULL;
	if (!nsa) {
		ike_log_sa(e, IKE_LOG_WARN, sa, "cannot start the reauthentication: %s",
			   strerror(id < 0 ? -id : EINVAL));
		return;
	}
	nsa->reauth_of = sa->id;
}

void ike_reauth_established(struct ike_engine *e, struct ike_sa *nsa)
{
	struct ike_sa *old = nsa->reauth_of ? ike_sa_by_id(e, nsa->reauth_of) : NULL;
	struct ike_child *c;

	nsa->reauth_of = 0;
	if (!old || old->dead || old->state != IKE_S_ESTABLISHED || old->rekeyed)
		return;
	ike_log_sa(e, IKE_LOG_INFO, old, "reauthenticated as IKE SA [%u]: deleting this one",
		   nsa->id);
	/* Its successors are up: no close_action for it or its children. */
	LIST_FOREACH (c, &old->children, entry) {
		c->rekeyed = true;
		c->why_down = "reauthenticated";
	}
	old->rekeyed = true;
	old->why_down = "reauthenticated";
	old->rekey_pending = false;
	ike_timer_disarm(e, &old->t_rekey);
	ike_timer_disarm(e, &old->t_reauth);
	ike_timer_disarm(e, &old->t_hard);
	old->pending_delete = true;
	ike_sa_kick(e, old);
}
