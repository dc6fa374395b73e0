// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Rekeying a CHILD SA (RFC 7296 1.3.3, 2.8): a CREATE_CHILD_SA with
 * REKEY_SA naming the old SA, made by child_nego.c like any other child but
 * keeping the old one's config, mode, selectors and reqid (so the kernel's
 * policies stay and the new SAs are used at once).
 *
 * Make before break: the new CHILD SA is installed before the old one is
 * deleted; the rekey's initiator deletes the old SA with an INFORMATIONAL
 * Delete.
 *
 * Collisions (2.8.1, 2.25): a rekey request for an SA whose rekey of ours
 * is out is answered as usual and noted; once our exchange is over too,
 * the SA made with the lowest of the four nonces is deleted by whoever
 * initiated its exchange, and the other exchange's initiator deletes the
 * old SA. Requests that cannot be served now get TEMPORARY_FAILURE (we are
 * rekeying the IKE SA, or deleting that child), a rekey of a child we do
 * not have gets CHILD_SA_NOT_FOUND.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike/dh.h"
#include "ike/engine.h"
#include "ike/wire.h"

/* ------------------------------------------------------------------ */
/* Ours                                                                 */

int ike_child_rekey_start(struct ike_engine *e, struct ike_sa *sa, struct ike_child *c)
{
	const char *name = sa->conn->children[c->cfg_idx].cfg.name;
	struct ike_exch *x = calloc(1, sizeof(*x));
	int rc;

	if (!x)
		rc = -ENOMEM;
	else
		rc = ike_child_req_init(e, sa, &x->child, c->cfg_idx, c, true);
	if (!rc) {
		x->kind = IKE_REQ_REKEY_CHILD;
		rc = ike_child_exch_send(e, sa, x);
	}
	if (rc) {
		ike_exch_free(x);
		ike_log_sa(e, IKE_LOG_WARN, sa, "cannot start rekeying CHILD_SA %s{%u}: %s", name,
			   c->id, strerror(-rc));
		/* Try again later rather than never. */
		ike_timer_arm(e, &c->t_rekey,
			      ike_now(e) + IKE_REKEY_RETRY_MS + ike_jitter_ms(e, 2));
		return rc;
	}
	sa->exch = x;
	ike_child_set_state(e, c, IKE_CHILD_REKEYING, "our rekey is out");
	ike_log_sa(e, IKE_LOG_INFO, sa, "rekeying CHILD_SA %s{%u} (SPI %08x), new SPI %08x%s", name,
		   c->id, c->spi_in, x->child.spi_in, x->dh ? ", with a new key exchange" : "");
	return 0;
}

/* Our rekey did not give a successor. */
static void rekey_failed(struct ike_engine *e, struct ike_sa *sa, struct ike_exch *x,
			 struct ike_child *old, const struct ike_child_result *res)
{
	const char *name = sa->conn->children[x->child.cfg_idx].cfg.name;

	ike_log_sa(e, IKE_LOG_WARN, sa, "rekeying CHILD_SA %s{%u} failed with %s: %s", name,
		   x->child.old_child, ike_notify_name(res->notify), res->why);
	if (!old)
		return;
	if (x->collision) {
		/* The peer's rekey of it worked: the peer deletes the old one. */
		ike_child_superseded(e, old, "rekeyed");
		return;
	}
	if (old->state == IKE_CHILD_REKEYING)
		ike_child_set_state(e, old, IKE_CHILD_INSTALLED, "our rekey failed");
	switch (res->notify) {
	case IKE_N_TEMPORARY_FAILURE:
		/* RFC 7296 2.25: not at once; the peer finishes first. No
		 * failure to report yet. */
		if (old->state == IKE_CHILD_INSTALLED)
			ike_timer_arm(e, &old->t_rekey,
				      ike_now(e) + IKE_REKEY_RETRY_MS + ike_jitter_ms(e, 2));
		return;
	case IKE_N_CHILD_SA_NOT_FOUND:
		/* RFC 7296 2.25: the peer has no such SA; ours goes silently. */
		old->why_down = "the peer does not have it (CHILD_SA_NOT_FOUND)";
		ike_child_free(e, old, old->why_down);
		return;
	default:
		/* It lives until its life_time. */
		ike_event_named(e, IKE_EV_FAILED, sa, name, 0, res->notify, res->why);
		return;
	}
}

enum ike_verdict ike_child_rekey_response(struct ike_engine *e, struct ike_sa *sa,
					  struct ike_rx *rx, struct ike_exch *x)
{
	const struct ike_msg *m = &rx->m;
	struct ike_child *old = ike_child_by_id(sa, x->child.old_child), *nc, *pc;
	struct ike_child_result res;

	ike_child_req_finish(e, sa, &x->child, m, x->dh, x->ni, x->ni_len, m->nonce.ptr,
			     m->nonce.len, &res);
	if (old && ike_exch_retry_ke(e, sa, x, &res))
		return IKE_KEEP;
	if (res.notify) {
		rekey_failed(e, sa, x, old, &res);
		ike_exch_free(x);
		return IKE_KEEP;
	}
	nc = res.child;
	if (x->collision && ike_exch_ours_lowest(x, m->nonce.ptr, m->nonce.len)) {
		/* RFC 7296 2.8.1: ours is redundant; the peer keeps its new
		 * one and deletes the old one. */
		ike_log_sa(e, IKE_LOG_INFO, sa,
			   "rekey collision on {%u}: ours {%u} has the lowest nonce, deleting it",
			   old->id, nc->id);
		ike_child_superseded(e, nc, "redundant (CHILD_SA rekey collision)");
		ike_child_delete(e, nc, nc->why_down);
		ike_child_superseded(e, old, "rekeyed");
	} else {
		if (x->collision) {
			/* The peer deletes the one its exchange made. */
			pc = ike_child_by_id(sa, x->peer_new);
			ike_log_sa(e, IKE_LOG_INFO, sa,
				   "rekey collision on {%u}: ours {%u} stays, the peer's {%u} goes",
				   old->id, nc->id, x->peer_new);
			if (pc)
				ike_child_superseded(e, pc, "redundant (CHILD_SA rekey collision)");
		}
		/* Make before break: the successor is in; the old one goes. */
		ike_child_superseded(e, old, "rekeyed");
		ike_child_delete(e, old, "rekeyed");
	}
	ike_exch_free(x);
	return IKE_KEEP;
}

/* ------------------------------------------------------------------ */
/* The peer's                                                           */

enum ike_verdict ike_child_rekey_request(struct ike_engine *e, struct ike_sa *sa, struct ike_rx *rx,
					 const struct ike_notify *rekey)
{
	const struct ike_msg *m = &rx->m;
	struct ike_child *old, *nc;
	uint8_t nr[IKE_NONCE_LEN];
	enum ike_verdict v;
	bool collision;

	if (rekey->protocol != IKE_PROTO_ESP || rekey->spi.len != 4)
		return ike_ccsa_refuse(e, sa, rx, IKE_N_INVALID_SYNTAX, 0,
				       "REKEY_SA for something else than an ESP SA");
	old = ike_child_by_out_spi(sa, ike_get_be32(rekey->spi.ptr));
	if (!old || !old->installed) {
		ike_log_sa(e, IKE_LOG_INFO, sa,
			   "rekey of unknown CHILD_SA %08x refused with CHILD_SA_NOT_FOUND",
			   ike_get_be32(rekey->spi.ptr));
		if (ike_respond_notify_spi(e, sa, rx, IKE_N_CHILD_SA_NOT_FOUND, IKE_PROTO_ESP,
					   rekey->spi.ptr, 4, NULL, 0))
			return ike_sa_close(e, sa, "cannot answer CREATE_CHILD_SA");
		return IKE_KEEP;
	}
	if (!(m->encrypted & IKE_PL_BIT(IKE_PL_TSI)) || !(m->encrypted & IKE_PL_BIT(IKE_PL_TSR)))
		return ike_ccsa_refuse(e, sa, rx, IKE_N_INVALID_SYNTAX, 0,
				       "CHILD_SA rekey without TSi or TSr");
	/* RFC 7296 2.25.1, 2.25.2 */
	if (sa->state == IKE_S_REKEYING)
		return ike_ccsa_refuse(e, sa, rx, IKE_N_TEMPORARY_FAILURE, 0,
				       "we are rekeying the IKE SA");
	if (!ike_child_live(old) ||
	    (sa->req_kind == IKE_REQ_DELETE_CHILD && sa->req_child == old->id))
		return ike_ccsa_refuse(e, sa, rx, IKE_N_TEMPORARY_FAILURE, 0,
				       old->state == IKE_CHILD_REKEYED
					   ? "that CHILD_SA was rekeyed already"
					   : "we are deleting that CHILD_SA");
	collision = sa->exch && sa->exch->kind == IKE_REQ_REKEY_CHILD &&
		    sa->exch->child.old_child == old->id;
	if (collision && sa->exch->collision)
		return ike_ccsa_refuse(e, sa, rx, IKE_N_TEMPORARY_FAILURE, 0,
				       "a second crossing rekey of that CHILD_SA");
	v = ike_ccsa_answer_child(e, sa, rx, old, &nc, nr);
	if (!nc) {
		OPENSSL_cleanse(nr, sizeof(nr));
		return v;
	}
	if (collision) {
		/* RFC 7296 2.8.1: decided when our exchange is over too. */
		ike_exch_note_collision(sa->exch, nc->id, m->nonce.ptr, m->nonce.len, nr,
					sizeof(nr));
		ike_log_sa(e, IKE_LOG_INFO, sa,
			   "CHILD_SA {%u} rekeyed by both ends at once: {%u} made for the peer",
			   old->id, nc->id);
	} else {
		ike_log_sa(e, IKE_LOG_INFO, sa, "CHILD_SA {%u} rekeyed by the peer into {%u}",
			   old->id, nc->id);
	}
	/* Whichever exchange wins, the old one goes; without a collision the
	 * peer deletes it (RFC 7296 2.8). */
	ike_child_superseded(e, old, "rekeyed");
	OPENSSL_cleanse(nr, sizeof(nr));
	return IKE_KEEP;
}
