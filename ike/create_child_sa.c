// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CREATE_CHILD_SA (RFC 7296 1.3): rekeying a CHILD SA (1.3.3: REKEY_SA,
 * SA, nonces, a new key exchange when the child's esp_proposals have a
 * group, selectors) and the IKE SA (1.3.2, 2.18: SA with the new 8-octet
 * SPI, nonces, key exchange), both roles.
 *
 * Make before break (2.8): the new CHILD SA is installed before the old one
 * is deleted; the rekey's initiator deletes the old SA with an INFORMATIONAL
 * Delete. A rekeyed IKE SA hands all its CHILD SAs to its successor.
 *
 * Collisions (2.8.1, 2.8.2, 2.25): a rekey request for an SA whose rekey of
 * ours is out is answered as usual and noted; once our exchange is over
 * too, the SA made with the lowest of the four nonces is deleted by whoever
 * initiated its exchange, and the other exchange's initiator deletes the old
 * SA. Requests that cannot be served now get TEMPORARY_FAILURE (we are
 * rekeying the IKE SA, or deleting that child), a rekey of a child we do not
 * have gets CHILD_SA_NOT_FOUND. A new CHILD_SA that is not a rekey is
 * refused with NO_ADDITIONAL_SAS.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike/crypto.h"
#include "ike/dh.h"
#include "ike/engine.h"
#include "ike/proposal.h"
#include "ike/ts.h"
#include "ike/wire.h"

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#define RND_MAX 1024 /* random octets a DH private value may take */

/* ------------------------------------------------------------------ */
/* Helpers                                                              */

static int new_dh(struct ike_engine *e, struct ike_dh **dh, uint16_t group)
{
	uint8_t rnd[RND_MAX];
	size_t n = ike_dh_random_len(group);
	int rc;

	if (!n || n > sizeof(rnd))
		return -ENOTSUP;
	e->env.random(e->env.ctx, rnd, n);
	rc = ike_dh_new(dh, group, rnd, n);
	OPENSSL_cleanse(rnd, n);
	return rc;
}

static uint32_t be32_of(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64_of(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* RFC 7296 2.8.1: "lowest" compares octet by octet; a nonce that ends
 * first is the lower one. */
static int nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);

	if (r)
		return r;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

/* Whether the lowest of the four nonces of a collision is one of our
 * exchange's (Ni ours, Nr the peer's answer): then the SA it made is the
 * redundant one, and ours to delete. */
static bool ours_lowest(const struct ike_rekey *rk, const uint8_t *nr, size_t nr_len)
{
	const uint8_t *mine = rk->ni, *theirs = rk->peer_ni;
	size_t mine_len = rk->ni_len, theirs_len = rk->peer_ni_len;

	if (nonce_cmp(nr, nr_len, mine, mine_len) < 0) {
		mine = nr;
		mine_len = nr_len;
	}
	if (nonce_cmp(rk->peer_nr, rk->peer_nr_len, theirs, theirs_len) < 0) {
		theirs = rk->peer_nr;
		theirs_len = rk->peer_nr_len;
	}
	return nonce_cmp(mine, mine_len, theirs, theirs_len) < 0;
}

/* The first error notify of a message, or 0. */
static uint16_t error_notify(const struct ike_msg *m, const struct ike_notify **n)
{
	for (size_t i = 0; i < m->n_notify; i++)
		if (m->notify[i].type <= IKE_N_ERROR_MAX) {
			*n = &m->notify[i];
			return m->notify[i].type;
		}
	return 0;
}

static enum ike_verdict refuse(struct ike_engine *e, struct ike_sa *sa, const struct ike_rx *rx,
			       uint16_t type, const void *data, size_t len, const char *why)
{
	ike_log_sa(e, IKE_LOG_INFO, sa, "CREATE_CHILD_SA request refused with %s: %s",
		   ike_notify_name(type), why);
	if (ike_respond_notify_spi(e, sa, rx, type, 0, NULL, 0, data, len))
		return ike_sa_close(e, sa, "cannot answer CREATE_CHILD_SA");
	return IKE_KEEP;
}

/* Our proposals for a child's rekey, as sent: with our SPI, the group of
 * our KE first. */
static struct ike_proposal *child_offer(const struct ike_conn_child *cc, const struct ike_rekey *rk)
{
	struct ike_proposal *p = malloc(cc->n_esp_ke * sizeof(*p));

	if (!p)
		return NULL;
	memcpy(p, cc->esp_ke, cc->n_esp_ke * sizeof(*p));
	if (rk->dh_group && rk->dh_group != ike_proposals_preferred_dh(p, cc->n_esp_ke))
		ike_proposals_promote_dh(p, cc->n_esp_ke, rk->dh_group);
	for (size_t i = 0; i < cc->n_esp_ke; i++) {
		p[i].spi_len = 4;
		ike_be32(p[i].spi, rk->spi_in);
	}
	return p;
}

/* The same for the IKE SA: the connection's proposals, our new SPI. */
static struct ike_proposal *ike_offer(const struct ike_conn *conn, const struct ike_rekey *rk)
{
	struct ike_proposal *p = malloc(conn->n_ike * sizeof(*p));

	if (!p)
		return NULL;
	memcpy(p, conn->ike, conn->n_ike * sizeof(*p));
	if (rk->dh_group != ike_proposals_preferred_dh(p, conn->n_ike))
		ike_proposals_promote_dh(p, conn->n_ike, rk->dh_group);
	for (size_t i = 0; i < conn->n_ike; i++) {
		p[i].spi_len = 8;
		ike_be64(p[i].spi, rk->spi_new);
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
static int derive_ike_keys(struct ike_sa *nsa, const struct ike_sa *old, const struct ike_dh *dh,
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
static void ike_sa_rekeyed_up(struct ike_engine *e, struct ike_sa *nsa, struct ike_sa *old)
{
	char algs[128];

	nsa->state = IKE_S_ESTABLISHED;
	nsa->established_ms = ike_now(e);
	if (old->peer_id)
		ike_sa_set_peer_id(nsa, old->peer_id_type, old->peer_id, old->peer_id_len);
	ike_sa_half_open_free(e, nsa);
	ike_sa_lifetimes_arm(e, nsa);
	ike_nat_inherit(e, nsa, old);
	ike_dpd_received(e, nsa); /* the rekey was news from the peer: DPD starts now */
	ike_selected_format(&nsa->sel, 0, algs, sizeof(algs));
	ike_log_sa(e, IKE_LOG_INFO, nsa,
		   "IKE SA established by rekeying IKE SA [%u] (SPIs %016llx_i %016llx_r), %s",
		   old->id, (unsigned long long)nsa->spi_i, (unsigned long long)nsa->spi_r, algs);
	ike_event(e, IKE_EV_IKE_UP, nsa, NULL, 0, NULL);
}

/* All CHILD SAs of old go to nsa; old only waits to be deleted. */
static void move_children(struct ike_engine *e, struct ike_sa *old, struct ike_sa *nsa)
{
	struct ike_child *c;

	while ((c = LIST_FIRST(&old->children)))
		ike_child_move(c, nsa);
	old->rekeyed = true;
	old->rekey_pending = false;
	old->why_down = "rekeyed";
	ike_timer_disarm(e, &old->t_rekey);
	ike_timer_disarm(e, &old->t_hard);
}

/* The peer rekeyed old (it deletes old): wait for its Delete. */
static void await_peer_delete(struct ike_engine *e, struct ike_sa *old)
{
	old->state = IKE_S_REKEYED;
	ike_timer_arm(e, &old->t_sa, ike_now(e) + IKE_REKEYED_TIMEOUT_MS);
}

/* A CHILD SA the peer made that we must not use: delete it at the peer. */
static void delete_peer_child(struct ike_engine *e, struct ike_sa *sa, uint16_t cfg_idx,
			      uint32_t spi_in, uint32_t spi_out)
{
	struct ike_child *c = ike_child_new(e, sa, 0, 0);

	if (!c)
		return;
	c->cfg_idx = cfg_idx;
	c->spi_in = spi_in;
	c->spi_out = spi_out;
	c->delete_pending = true;
}

/* ------------------------------------------------------------------ */
/* Our requests                                                         */

static int send_child_rekey(struct ike_engine *e, struct ike_sa *sa, struct ike_rekey *rk,
			    const struct ike_child *c)
{
	const struct ike_conn_child *cc = &sa->conn->children[rk->cfg_idx];
	struct ike_proposal *props;
	struct ike_writer w;
	struct ike_builder b;
	const uint8_t *pub = NULL;
	size_t pub_len = 0;
	uint8_t first, spi[4];
	int rc;

	ike_dh_free(rk->dh);
	rk->dh = NULL;
	if (rk->dh_group) {
		rc = new_dh(e, &rk->dh, rk->dh_group);
		if (rc)
			return rc;
		pub = ike_dh_public(rk->dh, &pub_len);
	}
	rk->ni_len = IKE_NONCE_LEN;
	e->env.random(e->env.ctx, rk->ni, rk->ni_len);
	props = child_offer(cc, rk);
	if (!props)
		return -ENOMEM;
	ike_be32(spi, c->spi_in);
	ike_writer_init(&w);
	ike_build_begin_inner(&b, &w);
	ike_add_notify(&b, IKE_PROTO_ESP, spi, 4, IKE_N_REKEY_SA, NULL, 0);
	if (c->mode == IKE_MODE_TRANSPORT)
		ike_add_notify(&b, 0, NULL, 0, IKE_N_USE_TRANSPORT_MODE, NULL, 0);
	ike_add_sa(&b, props, cc->n_esp_ke);
	ike_add_nonce(&b, rk->ni, rk->ni_len);
	if (rk->dh)
		ike_add_ke(&b, rk->dh_group, pub, pub_len);
	ike_add_ts(&b, IKE_PL_TSI, c->ts, c->n_lts);
	ike_add_ts(&b, IKE_PL_TSR, c->ts + c->n_lts, c->n_rts);
	rc = ike_build_end_inner(&b, &first);
	free(props);
	if (!rc)
		rc = ike_send_protected(e, sa, IKE_CREATE_CHILD_SA, false, 0, &w, first,
					IKE_REQ_REKEY_CHILD);
	ike_writer_free(&w);
	if (!rc)
		ike_log_sa(e, IKE_LOG_INFO, sa,
			   "rekeying CHILD_SA %s{%u} (SPI %08x), new SPI %08x%s", cc->cfg.name,
			   c->id, c->spi_in, rk->spi_in, rk->dh ? ", with a new key exchange" : "");
	return rc;
}

static int start_child_rekey(struct ike_engine *e, struct ike_sa *sa, struct ike_child *c)
{
	const struct ike_conn_child *cc = &sa->conn->children[c->cfg_idx];
	struct ike_rekey *rk = calloc(1, sizeof(*rk));
	int rc;

	if (!rk)
		return -ENOMEM;
	rk->kind = IKE_REQ_REKEY_CHILD;
	rk->old_child = c->id;
	rk->cfg_idx = c->cfg_idx;
	rk->dh_group = ike_proposals_preferred_dh(cc->esp_ke, cc->n_esp_ke);
	rc = e->env.alloc_spi(e->env.ctx, &sa->remote, &sa->local, &rk->spi_in);
	if (rc || !rk->spi_in) {
		ike_log_sa(e, IKE_LOG_ERROR, sa, "cannot allocate an SPI to rekey {%u}", c->id);
		ike_rekey_free(rk);
		return rc ? rc : -EIO;
	}
	rc = send_child_rekey(e, sa, rk, c);
	if (rc) {
		ike_rekey_free(rk);
		return rc;
	}
	sa->rk = rk;
	c->rekeying = true;
	return 0;
}

static int send_ike_rekey(struct ike_engine *e, struct ike_sa *sa, struct ike_rekey *rk)
{
	struct ike_proposal *props;
	struct ike_writer w;
	struct ike_builder b;
	const uint8_t *pub;
	size_t pub_len = 0;
	uint8_t first;
	int rc;

	ike_dh_free(rk->dh);
	rk->dh = NULL;
	rc = new_dh(e, &rk->dh, rk->dh_group);
	if (rc)
		return rc;
	pub = ike_dh_public(rk->dh, &pub_len);
	rk->ni_len = IKE_NONCE_LEN;
	e->env.random(e->env.ctx, rk->ni, rk->ni_len);
	props = ike_offer(sa->conn, rk);
	if (!props)
		return -ENOMEM;
	ike_writer_init(&w);
	ike_build_begin_inner(&b, &w);
	ike_add_sa(&b, props, sa->conn->n_ike);
	ike_add_nonce(&b, rk->ni, rk->ni_len);
	ike_add_ke(&b, rk->dh_group, pub, pub_len);
	rc = ike_build_end_inner(&b, &first);
	free(props);
	if (!rc)
		rc = ike_send_protected(e, sa, IKE_CREATE_CHILD_SA, false, 0, &w, first,
					IKE_REQ_REKEY_IKE);
	ike_writer_free(&w);
	if (!rc)
		ike_log_sa(e, IKE_LOG_INFO, sa, "rekeying IKE SA, new SPI %016llx, group %u",
			   (unsigned long long)rk->spi_new, rk->dh_group);
	return rc;
}

static int start_ike_rekey(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_rekey *rk = calloc(1, sizeof(*rk));
	int rc;

	if (!rk)
		return -ENOMEM;
	rk->kind = IKE_REQ_REKEY_IKE;
	rk->spi_new = ike_sa_fresh_spi(e);
	/* The group of the SA we rekey, as strongSwan does: the peer
	 * accepted it once. */
	rk->dh_group = IKE_SEL_HAS(&sa->sel, IKE_TRANS_DH) && sa->sel.dh &&
				   ike_proposals_have_dh(sa->conn->ike, sa->conn->n_ike, sa->sel.dh)
			   ? sa->sel.dh
			   : ike_proposals_preferred_dh(sa->conn->ike, sa->conn->n_ike);
	rc = rk->spi_new ? send_ike_rekey(e, sa, rk) : -EAGAIN;
	if (rc) {
		ike_rekey_free(rk);
		return rc;
	}
	sa->rk = rk;
	return 0;
}

enum ike_verdict ike_rekey_kick(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_child *c;

	if (sa->req_kind != IKE_REQ_NONE || sa->state != IKE_S_ESTABLISHED || sa->rk)
		return IKE_KEEP;
	LIST_FOREACH (c, &sa->children, entry) {
		if (!c->rekey_pending)
			continue;
		c->rekey_pending = false;
		if (!start_child_rekey(e, sa, c))
			return IKE_KEEP;
		/* Try again later rather than never. */
		ike_timer_arm(e, &c->t_rekey,
			      ike_now(e) + IKE_REKEY_RETRY_MS + ike_jitter_ms(e, 2));
	}
	if (sa->rekey_pending) {
		sa->rekey_pending = false;
		if (start_ike_rekey(e, sa)) {
			ike_log_sa(e, IKE_LOG_WARN, sa, "cannot start the IKE SA rekey");
			ike_timer_arm(e, &sa->t_rekey,
				      ike_now(e) + IKE_REKEY_RETRY_MS + ike_jitter_ms(e, 2));
		}
	}
	return IKE_KEEP;
}

/* ------------------------------------------------------------------ */
/* Requests from the peer                                               */

static enum ike_verdict child_rekey_request(struct ike_engine *e, struct ike_sa *sa,
					    struct ike_rx *rx, const struct ike_notify *rekey)
{
	const struct ike_msg *m = &rx->m;
	struct ike_ts tsi[IKE_MAX_TS], tsr[IKE_MAX_TS], cfg[IKE_MAX_TS];
	struct ike_ts nl[IKE_MAX_TS], nr_ts[IKE_MAX_TS];
	size_t n_tsi, n_tsr, n_cfg = 0, n_nl = 0, n_nr = 0, n_peer = 0;
	const struct ike_conn_child *cc;
	struct ike_proposal *peer, prop;
	struct ike_selected sel;
	struct ike_child *old, *nc;
	struct ike_dh *dh = NULL;
	const uint8_t *gir = NULL, *pub = NULL;
	size_t gir_len = 0, pub_len = 0;
	uint8_t nr[IKE_NONCE_LEN], first, spi[4];
	uint32_t spi_in = 0;
	struct ike_writer w;
	struct ike_builder b;
	bool collision;
	int rc;

	if (rekey->protocol != IKE_PROTO_ESP || rekey->spi.len != 4)
		return refuse(e, sa, rx, IKE_N_INVALID_SYNTAX, NULL, 0,
			      "REKEY_SA for something else than an ESP SA");
	old = ike_child_by_out_spi(sa, be32_of(rekey->spi.ptr));
	if (!old || !old->installed) {
		ike_log_sa(e, IKE_LOG_INFO, sa,
			   "rekey of unknown CHILD_SA %08x refused with CHILD_SA_NOT_FOUND",
			   be32_of(rekey->spi.ptr));
		if (ike_respond_notify_spi(e, sa, rx, IKE_N_CHILD_SA_NOT_FOUND, IKE_PROTO_ESP,
				       rekey->spi.ptr, 4, NULL, 0))
			return ike_sa_close(e, sa, "cannot answer CREATE_CHILD_SA");
		return IKE_KEEP;
	}
	if (!(m->encrypted & IKE_PL_BIT(IKE_PL_TSI)) || !(m->encrypted & IKE_PL_BIT(IKE_PL_TSR)))
		return refuse(e, sa, rx, IKE_N_INVALID_SYNTAX, NULL, 0,
			      "CHILD_SA rekey without TSi or TSr");
	/* RFC 7296 2.25.1, 2.25.2 */
	if (sa->rk && sa->rk->kind == IKE_REQ_REKEY_IKE)
		return refuse(e, sa, rx, IKE_N_TEMPORARY_FAILURE, NULL, 0,
			      "we are rekeying the IKE SA");
	if (old->rekeyed || old->delete_pending ||
	    (sa->req_kind == IKE_REQ_DELETE_CHILD && sa->req_child == old->id))
		return refuse(e, sa, rx, IKE_N_TEMPORARY_FAILURE, NULL, 0,
			      old->rekeyed ? "that CHILD_SA was rekeyed already"
					   : "we are deleting that CHILD_SA");
	collision = sa->rk && sa->rk->kind == IKE_REQ_REKEY_CHILD &&
		    sa->rk->old_child == old->id;
	if (collision && sa->rk->collision)
		return refuse(e, sa, rx, IKE_N_TEMPORARY_FAILURE, NULL, 0,
			      "a second crossing rekey of that CHILD_SA");

	cc = &sa->conn->children[old->cfg_idx];
	peer = ike_read_proposals(&m->sa, IKE_MAX_PROPOSALS, &n_peer);
	rc = peer ? ike_proposal_select(cc->esp_ke, cc->n_esp_ke, peer, n_peer, 0, &sel) : -ENOENT;
	free(peer);
	if (rc || sel.protocol != IKE_PROTO_ESP || sel.spi_len != 4)
		return refuse(e, sa, rx, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0,
			      "no acceptable ESP proposal");
	if (IKE_SEL_HAS(&sel, IKE_TRANS_DH) && sel.dh) {
		if (!(m->encrypted & IKE_PL_BIT(IKE_PL_KE)) || m->ke.group != sel.dh) {
			uint8_t g[2] = { (uint8_t)(sel.dh >> 8), (uint8_t)sel.dh };

			return refuse(e, sa, rx, IKE_N_INVALID_KE_PAYLOAD, g, 2,
				      "key exchange group differs from the selected one");
		}
		rc = new_dh(e, &dh, sel.dh);
		if (!rc)
			rc = ike_dh_compute(dh, m->ke.data.ptr, m->ke.data.len);
		if (rc) {
			ike_dh_free(dh);
			return refuse(e, sa, rx,
				      rc == -EINVAL ? IKE_N_INVALID_SYNTAX : IKE_N_NO_PROPOSAL_CHOSEN,
				      NULL, 0, "key exchange failed");
		}
		gir = ike_dh_shared(dh, &gir_len);
		pub = ike_dh_public(dh, &pub_len);
	}
	/* The same narrowing as IKE_AUTH's: TSi is the peer's side. */
	n_tsi = ike_ts_decode(&m->tsi, tsi, IKE_MAX_TS);
	n_tsr = ike_ts_decode(&m->tsr, tsr, IKE_MAX_TS);
	if (ike_ts_resolve(cc->rts, cc->n_rts, &sa->remote, cfg, IKE_MAX_TS, &n_cfg) ||
	    ike_ts_narrow(tsi, n_tsi, cfg, n_cfg, nr_ts, IKE_MAX_TS, &n_nr) ||
	    ike_ts_resolve(cc->lts, cc->n_lts, &sa->local, cfg, IKE_MAX_TS, &n_cfg) ||
	    ike_ts_narrow(tsr, n_tsr, cfg, n_cfg, nl, IKE_MAX_TS, &n_nl) || !n_nl || !n_nr) {
		ike_dh_free(dh);
		return refuse(e, sa, rx, IKE_N_TS_UNACCEPTABLE, NULL, 0,
			      "traffic selectors unacceptable");
	}
	if (e->env.alloc_spi(e->env.ctx, &sa->remote, &sa->local, &spi_in) || !spi_in) {
		ike_dh_free(dh);
		return refuse(e, sa, rx, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0,
			      "cannot allocate an SPI");
	}
	nc = ike_child_new_reqid(e, sa, n_nl, n_nr, old->reqid);
	if (!nc) {
		ike_dh_free(dh);
		return refuse(e, sa, rx, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0, "out of memory");
	}
	nc->cfg_idx = old->cfg_idx;
	nc->sel = sel;
	nc->spi_in = spi_in;
	nc->spi_out = be32_of(sel.spi);
	nc->mode = ike_msg_notify(m, IKE_N_USE_TRANSPORT_MODE) &&
			   cc->cfg.mode == IKE_MODE_TRANSPORT
		       ? IKE_MODE_TRANSPORT
		       : IKE_MODE_TUNNEL;
	memcpy(nc->ts, nl, n_nl * sizeof(struct ike_ts));
	memcpy(nc->ts + n_nl, nr_ts, n_nr * sizeof(struct ike_ts));
	e->env.random(e->env.ctx, nr, sizeof(nr));
	/* Make before break: ours is in before the peer may use it. */
	if (ike_child_install(e, sa, nc, false, gir, gir_len, m->nonce.ptr, m->nonce.len, nr,
			      sizeof(nr))) {
		ike_child_free(e, nc, "install failed");
		ike_dh_free(dh);
		return refuse(e, sa, rx, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0,
			      "the kernel refused the CHILD_SA");
	}

	ike_writer_init(&w);
	ike_build_begin_inner(&b, &w);
	if (nc->mode == IKE_MODE_TRANSPORT)
		ike_add_notify(&b, 0, NULL, 0, IKE_N_USE_TRANSPORT_MODE, NULL, 0);
	ike_be32(spi, nc->spi_in);
	if (ike_selected_to_proposal(&sel, spi, 4, &prop))
		ike_writer_fail(&w, -EINVAL);
	ike_add_sa(&b, &prop, 1);
	ike_add_nonce(&b, nr, sizeof(nr));
	if (dh)
		ike_add_ke(&b, sel.dh, pub, pub_len);
	ike_add_ts(&b, IKE_PL_TSI, nc->ts + nc->n_lts, nc->n_rts);
	ike_add_ts(&b, IKE_PL_TSR, nc->ts, nc->n_lts);
	rc = ike_build_end_inner(&b, &first);
	if (!rc)
		rc = ike_send_protected(e, sa, IKE_CREATE_CHILD_SA, true, m->hdr.msg_id, &w, first,
					IKE_REQ_NONE);
	ike_writer_free(&w);
	ike_dh_free(dh);
	if (rc)
		return ike_sa_close(e, sa, "cannot answer CREATE_CHILD_SA");

	if (collision) {
		/* RFC 7296 2.8.1: decided when our exchange is over too. */
		struct ike_rekey *rk = sa->rk;

		rk->collision = true;
		rk->peer_new = nc->id;
		rk->peer_ni_len = (uint16_t)m->nonce.len;
		memcpy(rk->peer_ni, m->nonce.ptr, m->nonce.len);
		rk->peer_nr_len = sizeof(nr);
		memcpy(rk->peer_nr, nr, sizeof(nr));
		ike_log_sa(e, IKE_LOG_INFO, sa,
			   "CHILD_SA {%u} rekeyed by both ends at once: {%u} made for the peer",
			   old->id, nc->id);
		/* Whichever exchange wins, the old one goes. */
		old->rekeyed = true;
		old->why_down = "rekeyed";
	} else {
		/* The peer deletes the old one (RFC 7296 2.8). */
		old->rekeyed = true;
		old->rekey_pending = false;
		old->why_down = "rekeyed";
		ike_timer_disarm(e, &old->t_rekey);
		ike_log_sa(e, IKE_LOG_INFO, sa, "CHILD_SA {%u} rekeyed by the peer into {%u}",
			   old->id, nc->id);
	}
	OPENSSL_cleanse(nr, sizeof(nr));
	return IKE_KEEP;
}

static enum ike_verdict ike_rekey_request(struct ike_engine *e, struct ike_sa *sa,
					  struct ike_rx *rx)
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
	if (sa->req_kind == IKE_REQ_REKEY_CHILD || sa->req_kind == IKE_REQ_DELETE_CHILD)
		return refuse(e, sa, rx, IKE_N_TEMPORARY_FAILURE, NULL, 0,
			      "a CHILD_SA exchange of ours is in progress");
	collision = sa->rk && sa->rk->kind == IKE_REQ_REKEY_IKE;
	if (collision && sa->rk->collision)
		return refuse(e, sa, rx, IKE_N_TEMPORARY_FAILURE, NULL, 0,
			      "a second crossing rekey of the IKE SA");
	peer = ike_read_proposals(&m->sa, IKE_MAX_PROPOSALS, &n_peer);
	rc = peer ? ike_proposal_select(sa->conn->ike, sa->conn->n_ike, peer, n_peer, 0, &sel)
		  : -ENOENT;
	free(peer);
	if (rc || sel.protocol != IKE_PROTO_IKE || sel.spi_len != 8 || !be64_of(sel.spi) ||
	    !IKE_SEL_HAS(&sel, IKE_TRANS_DH) || !sel.dh)
		return refuse(e, sa, rx, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0,
			      "no acceptable IKE proposal");
	if (!(m->encrypted & IKE_PL_BIT(IKE_PL_KE)) || m->ke.group != sel.dh) {
		uint8_t g[2] = { (uint8_t)(sel.dh >> 8), (uint8_t)sel.dh };

		return refuse(e, sa, rx, IKE_N_INVALID_KE_PAYLOAD, g, 2,
			      "key exchange group differs from the selected one");
	}
	rc = new_dh(e, &dh, sel.dh);
	if (!rc)
		rc = ike_dh_compute(dh, m->ke.data.ptr, m->ke.data.len);
	if (rc) {
		ike_dh_free(dh);
		return refuse(e, sa, rx,
			      rc == -EINVAL ? IKE_N_INVALID_SYNTAX : IKE_N_NO_PROPOSAL_CHOSEN, NULL,
			      0, "key exchange failed");
	}
	nsa = ike_sa_new(e, sa->conn, false, &sa->local, &sa->remote);
	if (!nsa) {
		ike_dh_free(dh);
		return refuse(e, sa, rx, IKE_N_TEMPORARY_FAILURE, NULL, 0, "out of memory");
	}
	nsa->spi_i = be64_of(sel.spi);
	nsa->sel = sel;
	e->env.random(e->env.ctx, nr, sizeof(nr));
	rc = derive_ike_keys(nsa, sa, dh, m->nonce.ptr, m->nonce.len, nr, sizeof(nr));
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
	ike_sa_rekeyed_up(e, nsa, sa);
	if (collision) {
		struct ike_rekey *rk = sa->rk;

		rk->collision = true;
		rk->peer_new = nsa->id;
		rk->peer_ni_len = (uint16_t)m->nonce.len;
		memcpy(rk->peer_ni, m->nonce.ptr, m->nonce.len);
		rk->peer_nr_len = sizeof(nr);
		memcpy(rk->peer_nr, nr, sizeof(nr));
		ike_log_sa(e, IKE_LOG_INFO, sa, "IKE SA rekeyed by both ends at once: [%u] made "
						"for the peer", nsa->id);
	} else {
		ike_log_sa(e, IKE_LOG_INFO, sa, "IKE SA rekeyed by the peer into [%u]", nsa->id);
		move_children(e, sa, nsa);
		await_peer_delete(e, sa);
		ike_sa_kick(e, nsa);
	}
	OPENSSL_cleanse(nr, sizeof(nr));
	return IKE_KEEP;
}

/* Whether a request without REKEY_SA rekeys the IKE SA: its proposals are
 * for IKE and it has no selectors (RFC 7296 1.3.2). */
static bool is_ike_rekey(const struct ike_msg *m)
{
	struct ike_proposal p;
	struct ike_sa_iter it;

	if (!(m->encrypted & IKE_PL_BIT(IKE_PL_SA)) ||
	    (m->encrypted & (IKE_PL_BIT(IKE_PL_TSI) | IKE_PL_BIT(IKE_PL_TSR))))
		return false;
	ike_sa_iter_init(&it, &m->sa);
	return ike_sa_iter_next(&it, &p) && p.protocol == IKE_PROTO_IKE;
}

enum ike_verdict ike_create_child_on_request(struct ike_engine *e, struct ike_sa *sa,
					     struct ike_rx *rx)
{
	const struct ike_notify *rekey = ike_msg_notify(&rx->m, IKE_N_REKEY_SA);
	bool ike = !rekey && is_ike_rekey(&rx->m);

	if (sa->state != IKE_S_ESTABLISHED) {
		/* Deleting, or replaced by a rekey: a rekey may be retried on
		 * the successor (RFC 7296 2.25.2). */
		if (rekey || ike)
			return refuse(e, sa, rx, IKE_N_TEMPORARY_FAILURE, NULL, 0,
				      sa->state == IKE_S_DELETING ? "the IKE SA is being deleted"
								  : "the IKE SA was rekeyed");
		return refuse(e, sa, rx, IKE_N_NO_ADDITIONAL_SAS, NULL, 0,
			      "the IKE SA is going away");
	}
	if (rekey)
		return child_rekey_request(e, sa, rx, rekey);
	if (ike)
		return ike_rekey_request(e, sa, rx);
	return refuse(e, sa, rx, IKE_N_NO_ADDITIONAL_SAS, NULL, 0,
		      "additional CHILD_SAs are not supported");
}

/* ------------------------------------------------------------------ */
/* Responses to ours                                                    */

/* The peer's answer did not give us a usable CHILD SA. */
static void child_rekey_failed(struct ike_engine *e, struct ike_sa *sa, struct ike_rekey *rk,
			       struct ike_child *old, uint16_t notify, const char *why)
{
	const char *name = sa->conn->children[rk->cfg_idx].cfg.name;

	ike_log_sa(e, IKE_LOG_WARN, sa, "rekeying CHILD_SA %s{%u} failed%s%s: %s", name,
		   rk->old_child, notify ? " with " : "", notify ? ike_notify_name(notify) : "",
		   why);
	if (rk->collision) {
		/* The peer's rekey of it worked: the peer deletes the old one. */
		if (old) {
			old->rekeyed = true;
			old->why_down = "rekeyed";
		}
		return;
	}
	/* TEMPORARY_FAILURE is retried: no failure to report yet. */
	if (notify != IKE_N_TEMPORARY_FAILURE)
		ike_event_named(e, IKE_EV_FAILED, sa, name, 0, notify, why);
}

static enum ike_verdict child_rekey_response(struct ike_engine *e, struct ike_sa *sa,
					     struct ike_rx *rx, struct ike_rekey *rk)
{
	const struct ike_msg *m = &rx->m;
	const struct ike_conn_child *cc = &sa->conn->children[rk->cfg_idx];
	struct ike_child *old = ike_child_by_id(sa, rk->old_child), *nc, *pc;
	struct ike_ts got_l[IKE_MAX_TS], got_r[IKE_MAX_TS];
	struct ike_proposal *offered, reply;
	const struct ike_notify *n = NULL;
	const uint8_t *gir = NULL;
	size_t gir_len = 0, n_gl, n_gr;
	struct ike_selected sel;
	struct ike_sa_iter it;
	uint16_t err;
	int rc;

	if (old)
		old->rekeying = false;
	err = error_notify(m, &n);
	if (err == IKE_N_INVALID_KE_PAYLOAD && old && !rk->collision) {
		uint16_t g = n->data.len == 2 ? (uint16_t)(n->data.ptr[0] << 8 | n->data.ptr[1]) : 0;

		if (g && g != rk->dh_group && rk->ke_retries < IKE_MAX_KE_RETRIES &&
		    ike_proposals_have_dh(cc->esp_ke, cc->n_esp_ke, g)) {
			ike_log_sa(e, IKE_LOG_INFO, sa,
				   "peer sent INVALID_KE_PAYLOAD, rekeying {%u} with group %u",
				   old->id, g);
			rk->ke_retries++;
			rk->dh_group = g;
			if (!send_child_rekey(e, sa, rk, old)) {
				sa->rk = rk;
				old->rekeying = true;
				return IKE_KEEP;
			}
		}
	}
	if (err) {
		child_rekey_failed(e, sa, rk, old, err, "peer refused the rekey");
		if (err == IKE_N_TEMPORARY_FAILURE && old && !rk->collision && !old->rekeyed &&
		    !old->delete_pending) {
			/* RFC 7296 2.25: not at once; the peer finishes first. */
			ike_timer_arm(e, &old->t_rekey,
				      ike_now(e) + IKE_REKEY_RETRY_MS + ike_jitter_ms(e, 2));
		} else if (err == IKE_N_CHILD_SA_NOT_FOUND && old) {
			/* RFC 7296 2.25: the peer has no such SA; ours goes
			 * silently. */
			old->why_down = "the peer does not have it (CHILD_SA_NOT_FOUND)";
			ike_child_free(e, old, old->why_down);
		}
		ike_rekey_free(rk);
		return IKE_KEEP;
	}

	if (m->sa.n_proposals != 1) {
		child_rekey_failed(e, sa, rk, old, IKE_N_INVALID_SYNTAX,
				   "the responder's SA payload must hold one proposal");
		ike_rekey_free(rk);
		return IKE_KEEP;
	}
	ike_sa_iter_init(&it, &m->sa);
	offered = child_offer(cc, rk);
	rc = offered && ike_sa_iter_next(&it, &reply)
		 ? ike_proposal_check_reply(offered, cc->n_esp_ke, &reply, 1, &sel)
		 : -ENOENT;
	free(offered);
	if (rc || sel.spi_len != 4 || !be32_of(sel.spi)) {
		/* Nothing usable was agreed: there is no SA to delete. */
		child_rekey_failed(e, sa, rk, old, IKE_N_NO_PROPOSAL_CHOSEN,
				   "the responder chose an ESP proposal we did not offer");
		ike_rekey_free(rk);
		return IKE_KEEP;
	}
	if (IKE_SEL_HAS(&sel, IKE_TRANS_DH) && sel.dh) {
		if (sel.dh != rk->dh_group || !rk->dh || !(m->encrypted & IKE_PL_BIT(IKE_PL_KE)) ||
		    m->ke.group != rk->dh_group ||
		    ike_dh_compute(rk->dh, m->ke.data.ptr, m->ke.data.len)) {
			child_rekey_failed(e, sa, rk, old, IKE_N_INVALID_SYNTAX,
					   "no usable KE payload in the response");
			delete_peer_child(e, sa, rk->cfg_idx, rk->spi_in, be32_of(sel.spi));
			ike_rekey_free(rk);
			return IKE_KEEP;
		}
		gir = ike_dh_shared(rk->dh, &gir_len);
	}
	n_gl = (m->encrypted & IKE_PL_BIT(IKE_PL_TSI)) ? ike_ts_decode(&m->tsi, got_l, IKE_MAX_TS)
						       : 0;
	n_gr = (m->encrypted & IKE_PL_BIT(IKE_PL_TSR)) ? ike_ts_decode(&m->tsr, got_r, IKE_MAX_TS)
						       : 0;
	if (!old || !n_gl || !n_gr || ike_ts_check_narrowed(old->ts, old->n_lts, got_l, n_gl) ||
	    ike_ts_check_narrowed(old->ts + old->n_lts, old->n_rts, got_r, n_gr) ||
	    (old->mode == IKE_MODE_TRANSPORT && !ike_msg_notify(m, IKE_N_USE_TRANSPORT_MODE))) {
		child_rekey_failed(e, sa, rk, old, IKE_N_TS_UNACCEPTABLE,
				   old ? "the responder's selectors or mode differ from ours"
				       : "the CHILD_SA was deleted meanwhile");
		delete_peer_child(e, sa, rk->cfg_idx, rk->spi_in, be32_of(sel.spi));
		ike_rekey_free(rk);
		return IKE_KEEP;
	}
	nc = ike_child_new_reqid(e, sa, n_gl, n_gr, old->reqid);
	if (!nc) {
		child_rekey_failed(e, sa, rk, old, 0, "out of memory");
		delete_peer_child(e, sa, rk->cfg_idx, rk->spi_in, be32_of(sel.spi));
		ike_rekey_free(rk);
		return IKE_KEEP;
	}
	nc->cfg_idx = rk->cfg_idx;
	nc->sel = sel;
	nc->mode = old->mode;
	nc->spi_in = rk->spi_in;
	nc->spi_out = be32_of(sel.spi);
	memcpy(nc->ts, got_l, n_gl * sizeof(struct ike_ts));
	memcpy(nc->ts + n_gl, got_r, n_gr * sizeof(struct ike_ts));
	if (ike_child_install(e, sa, nc, true, gir, gir_len, rk->ni, rk->ni_len, m->nonce.ptr,
			      m->nonce.len)) {
		child_rekey_failed(e, sa, rk, old, 0, "the kernel refused the new CHILD_SA");
		nc->delete_pending = true; /* the peer has it: tell it */
		ike_rekey_free(rk);
		return IKE_KEEP;
	}

	if (rk->collision && ours_lowest(rk, m->nonce.ptr, m->nonce.len)) {
		/* RFC 7296 2.8.1: ours is redundant; the peer keeps its new
		 * one and deletes the old one. */
		ike_log_sa(e, IKE_LOG_INFO, sa,
			   "rekey collision on {%u}: ours {%u} has the lowest nonce, deleting it",
			   old->id, nc->id);
		nc->rekeyed = true;
		nc->why_down = "redundant (CHILD_SA rekey collision)";
		ike_timer_disarm(e, &nc->t_rekey);
		nc->delete_pending = true;
		old->rekeyed = true;
		old->why_down = "rekeyed";
		ike_timer_disarm(e, &old->t_rekey);
	} else {
		if (rk->collision) {
			/* The peer deletes the one its exchange made. */
			pc = ike_child_by_id(sa, rk->peer_new);
			ike_log_sa(e, IKE_LOG_INFO, sa,
				   "rekey collision on {%u}: ours {%u} stays, the peer's {%u} goes",
				   old->id, nc->id, rk->peer_new);
			if (pc) {
				pc->rekeyed = true;
				pc->why_down = "redundant (CHILD_SA rekey collision)";
				ike_timer_disarm(e, &pc->t_rekey);
			}
		}
		/* Make before break: the successor is in; the old one goes. */
		old->rekeyed = true;
		old->why_down = "rekeyed";
		old->rekey_pending = false;
		ike_timer_disarm(e, &old->t_rekey);
		if (!(sa->req_kind == IKE_REQ_DELETE_CHILD && sa->req_child == old->id))
			old->delete_pending = true;
	}
	ike_rekey_free(rk);
	return IKE_KEEP;
}

/* Our IKE SA rekey did not give a new IKE SA. */
static void ike_rekey_failed(struct ike_engine *e, struct ike_sa *sa, struct ike_rekey *rk,
			     uint16_t notify, const char *why)
{
	struct ike_sa *psa;

	ike_log_sa(e, IKE_LOG_WARN, sa, "rekeying the IKE SA failed%s%s: %s",
		   notify ? " with " : "", notify ? ike_notify_name(notify) : "", why);
	if (!rk->collision)
		return;
	/* The peer's rekey of it worked: its SA takes the children, and the
	 * peer deletes this one. */
	psa = ike_sa_by_id(e, rk->peer_new);
	if (psa && psa->state == IKE_S_ESTABLISHED) {
		move_children(e, sa, psa);
		await_peer_delete(e, sa);
		ike_sa_kick(e, psa);
	}
}

static enum ike_verdict ike_rekey_response(struct ike_engine *e, struct ike_sa *sa,
					   struct ike_rx *rx, struct ike_rekey *rk)
{
	const struct ike_msg *m = &rx->m;
	const struct ike_notify *n = NULL;
	struct ike_proposal *offered, reply;
	struct ike_selected sel;
	struct ike_sa_iter it;
	struct ike_sa *nsa, *psa;
	uint16_t err;
	int rc;

	err = error_notify(m, &n);
	if (err == IKE_N_INVALID_KE_PAYLOAD && !rk->collision) {
		uint16_t g = n->data.len == 2 ? (uint16_t)(n->data.ptr[0] << 8 | n->data.ptr[1]) : 0;

		if (g && g != rk->dh_group && rk->ke_retries < IKE_MAX_KE_RETRIES &&
		    ike_proposals_have_dh(sa->conn->ike, sa->conn->n_ike, g)) {
			ike_log_sa(e, IKE_LOG_INFO, sa,
				   "peer sent INVALID_KE_PAYLOAD, rekeying with group %u", g);
			rk->ke_retries++;
			rk->dh_group = g;
			if (!send_ike_rekey(e, sa, rk)) {
				sa->rk = rk;
				return IKE_KEEP;
			}
		}
	}
	if (err) {
		ike_rekey_failed(e, sa, rk, err, "peer refused the rekey");
		if (err == IKE_N_TEMPORARY_FAILURE && !rk->collision)
			ike_timer_arm(e, &sa->t_rekey,
				      ike_now(e) + IKE_REKEY_RETRY_MS + ike_jitter_ms(e, 2));
		ike_rekey_free(rk);
		return IKE_KEEP;
	}
	rc = -ENOENT;
	offered = ike_offer(sa->conn, rk);
	ike_sa_iter_init(&it, &m->sa);
	if (offered && m->sa.n_proposals == 1 && ike_sa_iter_next(&it, &reply))
		rc = ike_proposal_check_reply(offered, sa->conn->n_ike, &reply, 1, &sel);
	free(offered);
	if (!rc && (sel.spi_len != 8 || !be64_of(sel.spi) || !IKE_SEL_HAS(&sel, IKE_TRANS_DH) ||
		    sel.dh != rk->dh_group || !(m->encrypted & IKE_PL_BIT(IKE_PL_KE)) ||
		    m->ke.group != rk->dh_group))
		rc = -EINVAL;
	if (!rc)
		rc = ike_dh_compute(rk->dh, m->ke.data.ptr, m->ke.data.len);
	nsa = rc ? NULL
		 : ike_sa_new_spi(e, sa->conn, true, &sa->local, &sa->remote, rk->spi_new);
	if (nsa) {
		nsa->spi_r = be64_of(sel.spi);
		nsa->sel = sel;
		if (derive_ike_keys(nsa, sa, rk->dh, rk->ni, rk->ni_len, m->nonce.ptr,
				    m->nonce.len)) {
			ike_sa_free(e, nsa);
			nsa = NULL;
		}
	}
	if (!nsa) {
		/* The peer made an IKE SA we cannot use; this one cannot be
		 * trusted to stay in step either. */
		ike_rekey_failed(e, sa, rk, IKE_N_NO_PROPOSAL_CHOSEN,
				 "unusable CREATE_CHILD_SA response");
		ike_rekey_free(rk);
		if (sa->state == IKE_S_ESTABLISHED) {
			sa->why_down = "IKE SA rekey failed";
			sa->pending_delete = true;
		}
		return IKE_KEEP;
	}
	ike_sa_rekeyed_up(e, nsa, sa);
	if (rk->collision && ours_lowest(rk, m->nonce.ptr, m->nonce.len)) {
		/* RFC 7296 2.8.2: ours is redundant: we delete it, the peer's
		 * takes the children and the peer deletes the old one. */
		ike_log_sa(e, IKE_LOG_INFO, sa,
			   "IKE SA rekey collision: ours [%u] has the lowest nonce, deleting it",
			   nsa->id);
		nsa->rekeyed = true;
		nsa->why_down = "redundant (IKE SA rekey collision)";
		ike_timer_disarm(e, &nsa->t_rekey);
		ike_timer_disarm(e, &nsa->t_hard);
		nsa->pending_delete = true;
		psa = ike_sa_by_id(e, rk->peer_new);
		if (psa && psa->state == IKE_S_ESTABLISHED) {
			move_children(e, sa, psa);
			await_peer_delete(e, sa);
			ike_sa_kick(e, psa);
		}
		ike_sa_kick(e, nsa);
	} else {
		if (rk->collision) {
			psa = ike_sa_by_id(e, rk->peer_new);
			ike_log_sa(e, IKE_LOG_INFO, sa,
				   "IKE SA rekey collision: ours [%u] stays, the peer's [%u] goes",
				   nsa->id, rk->peer_new);
			if (psa) {
				psa->rekeyed = true;
				psa->why_down = "redundant (IKE SA rekey collision)";
				ike_timer_disarm(e, &psa->t_rekey);
				ike_timer_disarm(e, &psa->t_hard);
			}
		}
		move_children(e, sa, nsa);
		/* The Delete must be the last request on the old SA
		 * (RFC 7296 1.3.2); ike_sa_kick sends it after this. */
		sa->pending_delete = true;
		ike_sa_kick(e, nsa);
	}
	ike_rekey_free(rk);
	return IKE_KEEP;
}

enum ike_verdict ike_create_child_on_response(struct ike_engine *e, struct ike_sa *sa,
					      struct ike_rx *rx)
{
	struct ike_rekey *rk = sa->rk;

	sa->rk = NULL;
	if (!rk || rk->kind != rx->req_kind) {
		ike_log_sa(e, IKE_LOG_WARN, sa, "CREATE_CHILD_SA response to no rekey of ours");
		ike_rekey_free(rk);
		return IKE_KEEP;
	}
	if (rk->kind == IKE_REQ_REKEY_CHILD)
		return child_rekey_response(e, sa, rx, rk);
	return ike_rekey_response(e, sa, rx, rk);
}

/* A Delete of the IKE SA while our rekey of it is out and the peer's rekey
 * of it made an IKE SA: that one has the children now. */
void ike_rekey_on_peer_delete(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_sa *psa;

	if (!sa->rk || sa->rk->kind != IKE_REQ_REKEY_IKE || !sa->rk->collision)
		return;
	psa = ike_sa_by_id(e, sa->rk->peer_new);
	if (psa && psa->state == IKE_S_ESTABLISHED) {
		move_children(e, sa, psa);
		ike_sa_kick(e, psa);
	}
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

void ike_sa_rekey_timer(struct ike_timer *t, void *ctx)
{
	struct ike_engine *e = ctx;
	struct ike_sa *sa = container_of(t, struct ike_sa, t_rekey);

	if (sa->state != IKE_S_ESTABLISHED || sa->rekeyed || sa->rekey_pending ||
	    (sa->rk && sa->rk->kind == IKE_REQ_REKEY_IKE))
		return;
	ike_log_sa(e, IKE_LOG_INFO, sa, "IKE SA rekey_time reached");
	sa->rekey_pending = true;
	ike_sa_kick(e, sa);
}

void ike_sa_hard_timer(struct ike_timer *t, void *ctx)
{
	struct ike_engine *e = ctx;
	struct ike_sa *sa = container_of(t, struct ike_sa, t_hard);

	if (sa->state != IKE_S_ESTABLISHED || sa->rekeyed)
		return;
	ike_log_sa(e, IKE_LOG_WARN, sa, "IKE SA not %s within over_time, deleting it",
		   sa->conn->cfg.reauth_time ? "reauthenticated" : "rekeyed");
	if (!sa->down_cause)
		sa->down_cause = IKE_CAUSE_EXPIRED; /* close_action decides what next */
	sa->why_down = "IKE SA lifetime expired (not rekeyed within over_time)";
	sa->rekey_pending = false;
	sa->pending_delete = true;
	ike_sa_kick(e, sa);
}
