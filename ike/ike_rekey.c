// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Rekeying the IKE SA (RFC 7296 1.3.2, 2.18): a CREATE_CHILD_SA with an
 * IKE proposal carrying the new 8-octet SPI, nonces and a key exchange,
 * both roles; and the IKE SA's lifetimes (rekey_time, over_time).
 *
 * The new IKE SA takes all CHILD SAs of the old one, and the requests
 * still queued for them. The rekey's initiator deletes the old IKE SA;
 * that Delete is the last request on it (1.3.2).
 *
 * Collisions (2.8.2): as for CHILD SAs, the IKE SA made with the lowest
 * nonce is deleted by whoever initiated its exchange; the other one takes
 * the children. A rekey of the IKE SA while a CHILD SA exchange of ours is
 * out gets TEMPORARY_FAILURE (2.25.2).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike/crypto.h"
#include "ike/dh.h"
#include "ike/engine.h"
#include "ike/proposal.h"
#include "ike/wire.h"

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* Our proposals for the rekey: the connection's, our new SPI, the group
 * of our KE first. */
static struct ike_proposal *offer(const struct ike_conn *conn, const struct ike_exch *x)
{
	struct ike_proposal *p = malloc(conn->n_ike * sizeof(*p));

	if (!p)
		return NULL;
	memcpy(p, conn->ike, conn->n_ike * sizeof(*p));
	if (x->dh_group != ike_proposals_preferred_dh(p, conn->n_ike))
		ike_proposals_promote_dh(p, conn->n_ike, x->dh_group);
	for (size_t i = 0; i < conn->n_ike; i++) {
		p[i].spi_len = 8;
		ike_be64(p[i].spi, x->spi_new);
	}
	return p;
}

static void sa_algs_of(const struct ike_selected *sel, struct ike_sa_algs *algs)
{
	memset(algs, 0, sizeof(*algs));
	algs->encr = sel->encr;
	algs->encr_key_bits = sel->encr_key_len;
	algs->prf = sel->prf;
	algs->integ = IKE_SEL_HAS(sel, IKE_TRANS_INTEG) ? sel->integ : IKE_INTEG_NONE;
}

/* The keys of a rekeyed IKE SA (RFC 7296 2.18): nsa's SPIs and sel are set. */
static int derive_keys(struct ike_sa *nsa, const struct ike_sa *old, const struct ike_dh *dh,
		       const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len)
{
	struct ike_sa_algs algs;
	uint8_t spi_i[8], spi_r[8];
	const uint8_t *gir;
	size_t gir_len = 0;
	int rc;

	gir = ike_dh_shared(dh, &gir_len);
	if (!gir)
		return -EINVAL;
	sa_algs_of(&nsa->sel, &algs);
	ike_be64(spi_i, nsa->spi_i);
	ike_be64(spi_r, nsa->spi_r);
	rc = ike_sa_keys_rekey(&nsa->keys, &algs, &old->keys, gir, gir_len, ni, ni_len, nr, nr_len,
			       spi_i, spi_r);
	if (!rc)
		nsa->keys_valid = true;
	return rc;
}

/* A new IKE SA made by a rekey of old is up. */
static void rekeyed_up(struct ike_engine *e, struct ike_sa *nsa, struct ike_sa *old)
{
	char algs[128];

	ike_sa_set_state(e, nsa, IKE_S_ESTABLISHED, "made by a rekey");
	nsa->established_ms = ike_now(e);
	if (old->peer_id)
		ike_sa_set_peer_id(e, nsa, old->peer_id_type, old->peer_id, old->peer_id_len);
	ike_sa_half_open_free(e, nsa);
	ike_sa_lifetimes_arm(e, nsa);
	ike_nat_inherit(e, nsa, old);
	ike_frag_inherit(nsa, old);
	memcpy(nsa->auth_desc, old->auth_desc, sizeof(nsa->auth_desc));
	ike_dpd_received(e, nsa); /* the rekey was news from the peer: DPD starts now */
	ike_selected_format(&nsa->sel, 0, algs, sizeof(algs));
	ike_log_sa(e, IKE_LOG_INFO, nsa,
		   "IKE SA established by rekeying IKE SA [%u] (SPIs %016llx_i %016llx_r), %s",
		   old->id, (unsigned long long)nsa->spi_i, (unsigned long long)nsa->spi_r, algs);
	ike_event(e, IKE_EV_IKE_UP, nsa, NULL, 0, NULL);
}

void ike_sa_superseded(struct ike_engine *e, struct ike_sa *sa, const char *why)
{
	struct ike_task *t;

	if (sa->state == IKE_S_REKEYED || sa->state == IKE_S_GONE)
		return;
	ike_sa_set_state(e, sa, IKE_S_REKEYED, why);
	sa->why_down = why;
	sa->down_cause = IKE_CAUSE_REKEYED;
	ike_timer_disarm(e, &sa->t_rekey);
	ike_timer_disarm(e, &sa->t_hard);
	ike_timer_disarm(e, &sa->t_reauth);
	t = ike_task_find(sa, IKE_TASK_REKEY_IKE, 0, 0);
	if (t)
		ike_task_drop(e, sa, t, why);
}

/* All CHILD SAs of old, and what is queued for them, go to nsa; old only
 * waits to be deleted. */
static void move_children(struct ike_engine *e, struct ike_sa *old, struct ike_sa *nsa)
{
	struct ike_child *c;

	while ((c = LIST_FIRST(&old->children)))
		ike_child_move(c, nsa);
	ike_task_move(old, nsa);
	ike_sa_superseded(e, old, "rekeyed");
}

/* The peer rekeyed old (it deletes old): wait for its Delete. */
static void await_peer_delete(struct ike_engine *e, struct ike_sa *old)
{
	ike_timer_arm(e, &old->t_sa, ike_now(e) + IKE_REKEYED_TIMEOUT_MS);
}

/* ------------------------------------------------------------------ */
/* Ours                                                                 */

static int send_rekey(struct ike_engine *e, struct ike_sa *sa, struct ike_exch *x)
{
	struct ike_proposal *props;
	struct ike_writer w;
	struct ike_builder b;
	const uint8_t *pub;
	size_t pub_len = 0;
	uint8_t first;
	int rc;

	ike_dh_free(x->dh);
	x->dh = NULL;
	rc = ike_new_dh(e, &x->dh, x->dh_group);
	if (rc)
		return rc;
	pub = ike_dh_public(x->dh, &pub_len);
	x->ni_len = IKE_NONCE_LEN;
	e->env.random(e->env.ctx, x->ni, x->ni_len);
	props = offer(sa->conn, x);
	if (!props)
		return -ENOMEM;
	ike_writer_init(&w);
	ike_build_begin_inner(&b, &w);
	ike_add_sa(&b, props, sa->conn->n_ike);
	ike_add_nonce(&b, x->ni, x->ni_len);
	ike_add_ke(&b, x->dh_group, pub, pub_len);
	rc = ike_build_end_inner(&b, &first);
	free(props);
	if (!rc)
		rc = ike_send_protected(e, sa, IKE_CREATE_CHILD_SA, false, 0, &w, first,
					IKE_REQ_REKEY_IKE);
	ike_writer_free(&w);
	if (!rc)
		ike_log_sa(e, IKE_LOG_INFO, sa, "rekeying IKE SA, new SPI %016llx, group %u",
			   (unsigned long long)x->spi_new, x->dh_group);
	return rc;
}

int ike_rekey_start(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_exch *x = calloc(1, sizeof(*x));
	int rc = -ENOMEM;

	if (x) {
		x->kind = IKE_REQ_REKEY_IKE;
		x->spi_new = ike_sa_fresh_spi(e);
		/* The group of the SA we rekey, as strongSwan does: the peer
		 * accepted it once. */
		x->dh_group =
		    IKE_SEL_HAS(&sa->sel, IKE_TRANS_DH) && sa->sel.dh &&
			    ike_proposals_have_dh(sa->conn->ike, sa->conn->n_ike, sa->sel.dh)
			? sa->sel.dh
			: ike_proposals_preferred_dh(sa->conn->ike, sa->conn->n_ike);
		rc = x->spi_new ? send_rekey(e, sa, x) : -EAGAIN;
	}
	if (rc) {
		ike_exch_free(x);
		ike_log_sa(e, IKE_LOG_WARN, sa, "cannot start the IKE SA rekey");
		ike_timer_arm(e, &sa->t_rekey,
			      ike_now(e) + IKE_REKEY_RETRY_MS + ike_jitter_ms(e, 2));
		return rc;
	}
	sa->exch = x;
	ike_sa_set_state(e, sa, IKE_S_REKEYING, "our rekey is out");
	return 0;
}

/* Our IKE SA rekey did not give a new IKE SA. */
static void rekey_failed(struct ike_engine *e, struct ike_sa *sa, struct ike_exch *x,
			 uint16_t notify, const char *why)
{
	struct ike_sa *psa;

	ike_log_sa(e, IKE_LOG_WARN, sa, "rekeying the IKE SA failed%s%s: %s",
		   notify ? " with " : "", notify ? ike_notify_name(notify) : "", why);
	if (!x->collision)
		return;
	/* The peer's rekey of it worked: its SA takes the children, and the
	 * peer deletes this one. */
	psa = ike_sa_by_id(e, x->peer_new);
	if (psa && psa->state == IKE_S_ESTABLISHED) {
		move_children(e, sa, psa);
		await_peer_delete(e, sa);
		ike_sa_kick(e, psa);
	}
}

enum ike_verdict ike_rekey_response(struct ike_engine *e, struct ike_sa *sa, struct ike_rx *rx,
				    struct ike_exch *x)
{
	const struct ike_msg *m = &rx->m;
	const struct ike_notify *n = NULL;
	struct ike_proposal *offered, reply;
	struct ike_selected sel;
	struct ike_sa_iter it;
	struct ike_sa *nsa, *psa;
	uint16_t err = 0;
	int rc;

	ike_sa_set_state(e, sa, IKE_S_ESTABLISHED, "our rekey was answered");
	for (size_t i = 0; i < m->n_notify && !err; i++)
		if (m->notify[i].type <= IKE_N_ERROR_MAX) {
			n = &m->notify[i];
			err = n->type;
		}
	if (err == IKE_N_INVALID_KE_PAYLOAD && !x->collision) {
		uint16_t g =
		    n->data.len == 2 ? (uint16_t)(n->data.ptr[0] << 8 | n->data.ptr[1]) : 0;

		if (g && g != x->dh_group && x->ke_retries < IKE_MAX_KE_RETRIES &&
		    ike_proposals_have_dh(sa->conn->ike, sa->conn->n_ike, g)) {
			ike_log_sa(e, IKE_LOG_INFO, sa,
				   "peer sent INVALID_KE_PAYLOAD, rekeying with group %u", g);
			x->ke_retries++;
			x->dh_group = g;
			if (!send_rekey(e, sa, x)) {
				sa->exch = x;
				ike_sa_set_state(e, sa, IKE_S_REKEYING, "our rekey is out again");
				return IKE_KEEP;
			}
		}
	}
	if (err) {
		rekey_failed(e, sa, x, err, "peer refused the rekey");
		if (err == IKE_N_TEMPORARY_FAILURE && !x->collision)
			ike_timer_arm(e, &sa->t_rekey,
				      ike_now(e) + IKE_REKEY_RETRY_MS + ike_jitter_ms(e, 2));
		ike_exch_free(x);
		return IKE_KEEP;
	}
	rc = -ENOENT;
	offered = offer(sa->conn, x);
	ike_sa_iter_init(&it, &m->sa);
	if (offered && m->sa.n_proposals == 1 && ike_sa_iter_next(&it, &reply))
		rc = ike_proposal_check_reply(offered, sa->conn->n_ike, &reply, 1, &sel);
	free(offered);
	if (!rc && (sel.spi_len != 8 || !ike_get_be64(sel.spi) ||
		    !IKE_SEL_HAS(&sel, IKE_TRANS_DH) || sel.dh != x->dh_group ||
		    !(m->encrypted & IKE_PL_BIT(IKE_PL_KE)) || m->ke.group != x->dh_group))
		rc = -EINVAL;
	if (!rc)
		rc = ike_dh_compute(x->dh, m->ke.data.ptr, m->ke.data.len);
	nsa = rc ? NULL : ike_sa_new_spi(e, sa->conn, true, &sa->local, &sa->remote, x->spi_new);
	if (nsa) {
		nsa->spi_r = ike_get_be64(sel.spi);
		nsa->sel = sel;
		if (derive_keys(nsa, sa, x->dh, x->ni, x->ni_len, m->nonce.ptr, m->nonce.len)) {
			ike_sa_free(e, nsa);
			nsa = NULL;
		}
	}
	if (!nsa) {
		/* The peer made an IKE SA we cannot use; this one cannot be
		 * trusted to stay in step either. */
		rekey_failed(e, sa, x, IKE_N_NO_PROPOSAL_CHOSEN,
			     "unusable CREATE_CHILD_SA response");
		ike_exch_free(x);
		if (ike_sa_usable(sa)) {
			sa->why_down = "IKE SA rekey failed";
			ike_task_queue(e, sa, IKE_TASK_DELETE_IKE, 0, 0);
		}
		return IKE_KEEP;
	}
	rekeyed_up(e, nsa, sa);
	if (x->collision && ike_exch_ours_lowest(x, m->nonce.ptr, m->nonce.len)) {
		/* RFC 7296 2.8.2: ours is redundant: we delete it, the peer's
		 * takes the children and the peer deletes the old one. */
		ike_log_sa(e, IKE_LOG_INFO, sa,
			   "IKE SA rekey collision: ours [%u] has the lowest nonce, deleting it",
			   nsa->id);
		ike_sa_superseded(e, nsa, "redundant (IKE SA rekey collision)");
		ike_task_queue(e, nsa, IKE_TASK_DELETE_IKE, 0, 0);
		psa = ike_sa_by_id(e, x->peer_new);
		if (psa && psa->state == IKE_S_ESTABLISHED) {
			move_children(e, sa, psa);
			await_peer_delete(e, sa);
			ike_sa_kick(e, psa);
		}
		ike_sa_kick(e, nsa);
	} else {
		if (x->collision) {
			psa = ike_sa_by_id(e, x->peer_new);
			ike_log_sa(e, IKE_LOG_INFO, sa,
				   "IKE SA rekey collision: ours [%u] stays, the peer's [%u] goes",
				   nsa->id, x->peer_new);
			if (psa)
				ike_sa_superseded(e, psa, "redundant (IKE SA rekey collision)");
		}
		move_children(e, sa, nsa);
		/* The Delete must be the last request on the old SA
		 * (RFC 7296 1.3.2); ike_sa_kick sends it after this. */
		ike_task_queue(e, sa, IKE_TASK_DELETE_IKE, 0, 0);
		ike_sa_kick(e, nsa);
	}
	ike_exch_free(x);
	return IKE_KEEP;
}

/* A Delete of the IKE SA while our rekey of it is out and the peer's rekey
 * of it made an IKE SA: that one has the children now. */
void ike_rekey_on_peer_delete(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_sa *psa;

	if (!sa->exch || sa->exch->kind != IKE_REQ_REKEY_IKE || !sa->exch->collision)
		return;
	psa = ike_sa_by_id(e, sa->exch->peer_new);
	if (psa && psa->state == IKE_S_ESTABLISHED) {
		move_children(e, sa, psa);
		ike_sa_kick(e, psa);
	}
}

/* ------------------------------------------------------------------ */
/* The peer's                                                           */

enum ike_verdict ike_rekey_request(struct ike_engine *e, struct ike_sa *sa, struct ike_rx *rx)
{
	const struct ike_msg *m = &rx->m;
	struct ike_proposal *peer, prop;
	struct ike_selected sel;
	struct ike_sa *nsa;
	struct ike_dh *dh = NULL;
	const uint8_t *pub;
	size_t pub_len = 0, n_peer = 0;
	uint8_t nr[IKE_NONCE_LEN], first, spi[8];
	struct ike_writer w;
	struct ike_builder b;
	bool collision;
	int rc;

	/* RFC 7296 2.25.2: not while we create, rekey or close a child. */
	if (sa->req_kind == IKE_REQ_REKEY_CHILD || sa->req_kind == IKE_REQ_DELETE_CHILD ||
	    sa->req_kind == IKE_REQ_NEW_CHILD)
		return ike_ccsa_refuse(e, sa, rx, IKE_N_TEMPORARY_FAILURE, 0,
				       "a CHILD_SA exchange of ours is in progress");
	collision = sa->exch && sa->exch->kind == IKE_REQ_REKEY_IKE;
	if (collision && sa->exch->collision)
		return ike_ccsa_refuse(e, sa, rx, IKE_N_TEMPORARY_FAILURE, 0,
				       "a second crossing rekey of the IKE SA");
	peer = ike_read_proposals(&m->sa, IKE_MAX_PROPOSALS, &n_peer);
	rc = peer ? ike_proposal_select(sa->conn->ike, sa->conn->n_ike, peer, n_peer, 0, &sel)
		  : -ENOENT;
	free(peer);
	if (rc || sel.protocol != IKE_PROTO_IKE || sel.spi_len != 8 || !ike_get_be64(sel.spi) ||
	    !IKE_SEL_HAS(&sel, IKE_TRANS_DH) || !sel.dh)
		return ike_ccsa_refuse(e, sa, rx, IKE_N_NO_PROPOSAL_CHOSEN, 0,
				       "no acceptable IKE proposal");
	if (!(m->encrypted & IKE_PL_BIT(IKE_PL_KE)) || m->ke.group != sel.dh)
		return ike_ccsa_refuse(e, sa, rx, IKE_N_INVALID_KE_PAYLOAD, sel.dh,
				       "key exchange group differs from the selected one");
	rc = ike_new_dh(e, &dh, sel.dh);
	if (!rc)
		rc = ike_dh_compute(dh, m->ke.data.ptr, m->ke.data.len);
	if (rc) {
		ike_dh_free(dh);
		return ike_ccsa_refuse(
		    e, sa, rx, rc == -EINVAL ? IKE_N_INVALID_SYNTAX : IKE_N_NO_PROPOSAL_CHOSEN, 0,
		    "key exchange failed");
	}
	nsa = ike_sa_new(e, sa->conn, false, &sa->local, &sa->remote);
	if (!nsa) {
		ike_dh_free(dh);
		return ike_ccsa_refuse(e, sa, rx, IKE_N_TEMPORARY_FAILURE, 0, "out of memory");
	}
	nsa->spi_i = ike_get_be64(sel.spi);
	nsa->sel = sel;
	e->env.random(e->env.ctx, nr, sizeof(nr));
	rc = derive_keys(nsa, sa, dh, m->nonce.ptr, m->nonce.len, nr, sizeof(nr));
	pub = ike_dh_public(dh, &pub_len);
	ike_writer_init(&w);
	ike_build_begin_inner(&b, &w);
	ike_be64(spi, nsa->spi_r);
	if (rc || ike_selected_to_proposal(&sel, spi, 8, &prop))
		ike_writer_fail(&w, rc ? rc : -EINVAL);
	ike_add_sa(&b, &prop, 1);
	ike_add_nonce(&b, nr, sizeof(nr));
	ike_add_ke(&b, sel.dh, pub, pub_len);
	rc = ike_build_end_inner(&b, &first);
	if (!rc)
		rc = ike_send_protected(e, sa, IKE_CREATE_CHILD_SA, true, m->hdr.msg_id, &w, first,
					IKE_REQ_NONE);
	ike_writer_free(&w);
	ike_dh_free(dh);
	if (rc) {
		ike_sa_free(e, nsa);
		OPENSSL_cleanse(nr, sizeof(nr));
		return ike_sa_close(e, sa, "cannot answer CREATE_CHILD_SA");
	}
	rekeyed_up(e, nsa, sa);
	if (collision) {
		ike_exch_note_collision(sa->exch, nsa->id, m->nonce.ptr, m->nonce.len, nr,
					sizeof(nr));
		ike_log_sa(e, IKE_LOG_INFO, sa,
			   "IKE SA rekeyed by both ends at once: [%u] made for the peer", nsa->id);
	} else {
		ike_log_sa(e, IKE_LOG_INFO, sa, "IKE SA rekeyed by the peer into [%u]", nsa->id);
		move_children(e, sa, nsa);
		await_peer_delete(e, sa);
		ike_sa_kick(e, nsa);
	}
	OPENSSL_cleanse(nr, sizeof(nr));
	return IKE_KEEP;
}

/* ------------------------------------------------------------------ */
/* IKE SA lifetimes                                                     */

void ike_sa_lifetimes_arm(struct ike_engine *e, struct ike_sa *sa)
{
	const struct ike_conn_cfg *cfg = &sa->conn->cfg;
	uint64_t now = ike_now(e), at;
	uint32_t max;

	if (cfg->reauth_time) {
		/* Reauthentication replaces the IKE SA before a rekey would. */
		max = cfg->rand_time < cfg->reauth_time ? cfg->rand_time : cfg->reauth_time - 1;
		at = now + (uint64_t)cfg->reauth_time * 1000 - ike_jitter_ms(e, max);
		ike_timer_arm(e, &sa->t_reauth, at);
		if (cfg->over_time)
			ike_timer_arm(e, &sa->t_hard, at + (uint64_t)cfg->over_time * 1000);
		if (!cfg->rekey_time || cfg->rekey_time >= cfg->reauth_time)
			return;
	}
	if (!cfg->rekey_time)
		return;
	max = cfg->rand_time < cfg->rekey_time ? cfg->rand_time : cfg->rekey_time - 1;
	at = now + (uint64_t)cfg->rekey_time * 1000 - ike_jitter_ms(e, max);
	ike_timer_arm(e, &sa->t_rekey, at);
	if (cfg->over_time && !cfg->reauth_time)
		ike_timer_arm(e, &sa->t_hard, at + (uint64_t)cfg->over_time * 1000);
}

bool ike_sa_want_rekey(struct ike_engine *e, struct ike_sa *sa, const char *why)
{
	if (sa->state != IKE_S_ESTABLISHED || ike_task_find(sa, IKE_TASK_REKEY_IKE, 0, 0) ||
	    !ike_task_queue(e, sa, IKE_TASK_REKEY_IKE, 0, 0))
		return false;
	ike_log_sa(e, IKE_LOG_INFO, sa, "%s: rekeying the IKE SA", why);
	ike_sa_kick(e, sa);
	return true;
}

void ike_sa_rekey_timer(struct ike_timer *t, void *ctx)
{
	struct ike_sa *sa = container_of(t, struct ike_sa, t_rekey);

	ike_sa_want_rekey(ctx, sa, "IKE SA rekey_time reached");
}

void ike_sa_hard_timer(struct ike_timer *t, void *ctx)
{
	struct ike_engine *e = ctx;
	struct ike_sa *sa = container_of(t, struct ike_sa, t_hard);

	if (!ike_sa_usable(sa))
		return;
	ike_log_sa(e, IKE_LOG_WARN, sa, "IKE SA not %s within over_time, deleting it",
		   sa->conn->cfg.reauth_time ? "reauthenticated" : "rekeyed");
	if (!sa->down_cause)
		sa->down_cause = IKE_CAUSE_EXPIRED; /* close_action decides what next */
	sa->why_down = "IKE SA lifetime expired (not rekeyed within over_time)";
	ike_task_queue(e, sa, IKE_TASK_DELETE_IKE, 0, 0);
	ike_sa_kick(e, sa);
}
