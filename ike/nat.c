// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * NAT traversal (RFC 7296 2.23, RFC 3948): what IKE_SA_INIT's
 * NAT_DETECTION_* notifies found, the move to port 4500, UDP encapsulation
 * of the CHILD SAs, keepalives from the side behind the NAT, and following
 * a peer whose NAT mapping changed (an authenticated IKE message or the
 * kernel's XFRM_MSG_MAPPING for ESP from a new address or port).
 *
 * Who may follow whom: only a host that is not behind a NAT updates the
 * peer's address, and only for a peer that is (RFC 7296 2.23: the other way
 * round one packet would let an attacker break the connection). Updates
 * come from authenticated packets that are new (the message ID window has
 * already dropped retransmissions and replays; the kernel's ESP replay
 * window does the same for mapping events). A kernel mapping event is
 * followed by an empty INFORMATIONAL to the new address, as strongSwan
 * does: a peer that does not answer there takes the IKE SA down through
 * the usual retransmission failure.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include "ike/engine.h"
#include "ike/proposal.h"
#include "ike/wire.h"

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#define IKE_PORT 500
#define NATT_PORT 4500

static bool addr_same(const struct ike_addr *a, const struct ike_addr *b)
{
	return a->family == b->family && a->port == b->port &&
	       !memcmp(a->ip, b->ip, a->family == AF_INET6 ? 16 : 4);
}

bool ike_nat_encap(const struct ike_sa *sa)
{
	return sa->nat_local || sa->nat_remote || sa->nat_fake;
}

/* ---- keepalives (RFC 3948 2.3) ---- */

static void keepalive_timer(struct ike_timer *t, void *ctx);

static void keepalive_arm(struct ike_engine *e, struct ike_sa *sa, uint64_t last)
{
	uint64_t now = ike_now(e), at = last + e->opts.nat_keepalive_ms;

	if (!sa->t_nat.fn)
		ike_timer_init(&sa->t_nat, keepalive_timer);
	ike_timer_arm(e, &sa->t_nat, at > now ? at : now + e->opts.nat_keepalive_ms);
}

/* When anything last left for the peer: IKE, or ESP of a child (the
 * kernel's last use of the outbound SA, when the environment can tell). */
static uint64_t last_out(struct ike_engine *e, struct ike_sa *sa, uint64_t now)
{
	return ike_children_last_use(e, sa, false, sa->last_out_ms, now);
}

static void keepalive_timer(struct ike_timer *t, void *ctx)
{
	static const uint8_t ka = 0xff;
	struct ike_engine *e = ctx;
	struct ike_sa *sa = container_of(t, struct ike_sa, t_nat);
	uint64_t now = ike_now(e), last;

	if (sa->state == IKE_S_GONE || !sa->nat_local ||
	    e->opts.nat_keepalive_ms == IKE_NAT_KEEPALIVE_OFF || sa->state == IKE_S_DELETING)
		return;
	last = last_out(e, sa, now);
	if (ike_sa_usable(sa) && now - last >= e->opts.nat_keepalive_ms) {
		ike_log_sa(e, IKE_LOG_DEBUG, sa, "sending NAT-T keepalive");
		sa->last_out_ms = now;
		e->env.send(e->env.ctx, &ka, 1, &sa->local, &sa->remote);
		last = now;
	}
	keepalive_arm(e, sa, last);
}

/* ---- detection ---- */

void ike_nat_detected(struct ike_engine *e, struct ike_sa *sa, bool supported, bool here,
		      bool there)
{
	sa->nat_local = here;
	sa->nat_remote = there;
	sa->nat_fake = supported && !here && !there && sa->conn->cfg.encap;
	if (!supported) {
		ike_log_sa(e, IKE_LOG_INFO, sa,
			   "peer sent no NAT_DETECTION notifies: no NAT traversal%s",
			   sa->conn->cfg.encap ? " (encap = yes cannot apply)" : "");
		return;
	}
	if (here || there)
		ike_log_sa(e, IKE_LOG_INFO, sa, "NAT detected: %s%s%s",
			   here ? "local host is behind NAT" : "", here && there ? ", " : "",
			   there ? "remote host is behind NAT" : "");
	else if (sa->nat_fake)
		ike_log_sa(e, IKE_LOG_INFO, sa, "no NAT, UDP encapsulation forced (encap = yes)");
	if (!ike_nat_encap(sa))
		return;
	/* RFC 7296 2.23: the initiator moves to 4500 for IKE_AUTH on; the
	 * responder follows when that arrives (ike_nat_on_authenticated). A
	 * port other than 500 was chosen on purpose and stays. */
	if (sa->initiator) {
		if (sa->local.port == IKE_PORT)
			sa->local.port = NATT_PORT;
		if (sa->remote.port == IKE_PORT)
			sa->remote.port = NATT_PORT;
	}
	if (here && e->opts.nat_keepalive_ms != IKE_NAT_KEEPALIVE_OFF)
		keepalive_arm(e, sa, ike_now(e));
}

int ike_nat_check_mode(struct ike_engine *e, struct ike_sa *sa, uint8_t mode)
{
	if (mode != IKE_MODE_TRANSPORT || !ike_nat_encap(sa) || e->opts.nat_transport)
		return 0;
	ike_log_sa(e, IKE_LOG_ERROR, sa,
		   "transport mode CHILD_SA refused: it would cross a NAT (UDP "
		   "encapsulation in use); use tunnel mode, or start conduitd with "
		   "--nat-transport to allow it");
	return -EPERM;
}

/* ---- following the peer ---- */

/* Contract 2: the same child, SPIs and reqid, its addresses and ports as
 * the IKE SA's now are, no keys. */
static void update_children(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_child_install *ci;
	struct ike_child *c;

	ci = calloc(1, sizeof(*ci));
	if (!ci) {
		ike_log_sa(e, IKE_LOG_ERROR, sa, "out of memory updating the CHILD SAs");
		return;
	}
	LIST_FOREACH (c, &sa->children, entry) {
		const struct ike_conn_child *cc = &sa->conn->children[c->cfg_idx];
		struct ike_kernel_algs ka;
		int rc;

		if (!c->installed)
			continue;
		/* The addresses and ports are the IKE SA's, now moved. */
		ike_child_describe(sa, c, ci);
		if (!ike_selected_kernel_algs(&c->sel, &ka)) {
			ci->encr = ka.encr->alg;
			ci->integ = ka.integ ? ka.integ->alg : IKE_ALG_NONE;
		}
		ci->esn = IKE_SEL_HAS(&c->sel, IKE_TRANS_ESN) && c->sel.esn == IKE_ESN_YES;
		ci->soft_time = cc->cfg.rekey_time;
		ci->hard_time = cc->cfg.life_time;
		ci->soft_bytes = cc->cfg.rekey_bytes;
		ci->hard_bytes = cc->cfg.life_bytes;
		ci->soft_packets = cc->cfg.rekey_packets;
		ci->hard_packets = cc->cfg.life_packets;
		ci->update = true;
		rc = e->env.child_install(e->env.ctx, ci);
		if (rc)
			ike_log_sa(e, IKE_LOG_WARN, sa,
				   "cannot move CHILD_SA %s{%u} to the new address: %s",
				   cc->cfg.name, c->id, strerror(-rc));
		else
			ike_log_sa(e, IKE_LOG_INFO, sa,
				   "CHILD_SA %s{%u} moved (SPIs %08x_i %08x_o)", cc->cfg.name,
				   c->id, c->spi_in, c->spi_out);
	}
	free(ci);
}

static void move_to(struct ike_engine *e, struct ike_sa *sa, const struct ike_addr *peer,
		    const char *why)
{
	char from[IKE_ADDR_STR_LEN], to[IKE_ADDR_STR_LEN];

	ike_addr_str(&sa->remote, from, sizeof(from));
	ike_addr_str(peer, to, sizeof(to));
	ike_log_sa(e, IKE_LOG_INFO, sa, "peer's NAT mapping moved from %s to %s (%s)", from, to,
		   why);
	struct ike_addr old = sa->remote;
	sa->remote = *peer;
	update_children(e, sa);
	if (e->env.event) {
		struct ike_event ev = {
			.type = IKE_EV_NAT_MOVED,
			.conn_name = sa->conn->name,
			.ike_sa_id = sa->id,
			.reason = why,
			.old_remote = &old,
			.new_remote = &sa->remote,
		};
		e->env.event(e->env.ctx, &ev);
	}
}

void ike_nat_on_authenticated(struct ike_engine *e, struct ike_sa *sa, const struct ike_rx *rx,
			      bool ike_auth)
{
	bool local_moved = rx->local.family && !addr_same(&rx->local, &sa->local);
	bool remote_moved = !addr_same(&rx->remote, &sa->remote);
	char l[IKE_ADDR_STR_LEN], r[IKE_ADDR_STR_LEN];

	if (!local_moved && !remote_moved)
		return;
	if (ike_auth) {
		/* The initiator moved to 4500 after IKE_SA_INIT (for a NAT, or
		 * MOBIKE's sake): answer from and to where it now talks. */
		if (local_moved)
			sa->local = rx->local;
		sa->remote = rx->remote;
		ike_log_sa(e, IKE_LOG_INFO, sa, "IKE_AUTH arrived from %s to %s: switching to them",
			   ike_addr_str(&rx->remote, r, sizeof(r)),
			   ike_addr_str(&rx->local, l, sizeof(l)));
		update_children(e, sa);
		return;
	}
	if (!remote_moved)
		return;
	if (!sa->nat_remote || sa->nat_local || rx->remote.family != sa->remote.family) {
		ike_log_sa(e, IKE_LOG_DEBUG, sa, "message from %s: not following it (%s)",
			   ike_addr_str(&rx->remote, r, sizeof(r)),
			   sa->nat_local     ? "we are behind a NAT"
			   : !sa->nat_remote ? "the peer is not behind a NAT"
					     : "another address family");
		return;
	}
	move_to(e, sa, &rx->remote, "authenticated IKE message");
}

/* Does the peer answer at its new address? An empty INFORMATIONAL; with a
 * request already out, its retransmissions go there and ask the same. */
static void check_peer(struct ike_engine *e, struct ike_sa *sa)
{
	int rc;

	if (sa->req_kind != IKE_REQ_NONE)
		return;
	rc = ike_info_send_empty(e, sa);
	if (rc)
		ike_log_sa(e, IKE_LOG_WARN, sa, "cannot check the peer at its new address: %s",
			   strerror(-rc));
}

void ike_engine_nat_mapping(struct ike_engine *e, uint32_t reqid, uint32_t spi,
			    const struct ike_addr *peer)
{
	struct ike_child *c = e ? ike_child_by_reqid(e, reqid) : NULL;
	struct ike_sa *sa;
	bool known = !spi;
	char p[IKE_ADDR_STR_LEN];

	if (!c || !peer)
		return;
	sa = c->ike;
	LIST_FOREACH (c, &sa->children, entry)
		known |= c->spi_in == spi;
	if (!known || !ike_sa_usable(sa) || addr_same(peer, &sa->remote))
		return;
	if (!ike_nat_encap(sa) || !sa->nat_remote || sa->nat_local ||
	    peer->family != sa->remote.family || !peer->port) {
		ike_log_sa(e, IKE_LOG_DEBUG, sa, "kernel saw ESP from %s: not following it",
			   ike_addr_str(peer, p, sizeof(p)));
		return;
	}
	move_to(e, sa, peer, "ESP from there");
	check_peer(e, sa);
}

void ike_nat_inherit(struct ike_engine *e, struct ike_sa *nsa, const struct ike_sa *old)
{
	nsa->nat_local = old->nat_local;
	nsa->nat_remote = old->nat_remote;
	nsa->nat_fake = old->nat_fake;
	nsa->last_out_ms = old->last_out_ms;
	if (nsa->nat_local && e->opts.nat_keepalive_ms != IKE_NAT_KEEPALIVE_OFF)
		keepalive_arm(e, nsa, old->last_out_ms ? old->last_out_ms : ike_now(e));
}
