// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The one CHILD_SA builder: proposals, key exchange, traffic selectors,
 * keys and install, for the first CHILD SA in IKE_AUTH (RFC 7296 1.2, no
 * key exchange of its own) and for CREATE_CHILD_SA (1.3.1 a new child,
 * 1.3.3 a rekey) alike, in both roles. The exchange files decide when a
 * child is made and what becomes of the SAs around it; what a CHILD SA is
 * and how it is agreed is decided here only.
 *
 * Selectors follow RFC 7296 2.9: the responder installs the intersection of
 * what was proposed with its configuration (narrowing), the initiator
 * accepts any answer within what it proposed and installs that.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike/dh.h"
#include "ike/engine.h"
#include "ike/proposal.h"
#include "ike/ts.h"
#include "ike/wire.h"

/* ------------------------------------------------------------------ */
/* Initiator                                                            */

int ike_child_req_init(struct ike_engine *e, struct ike_sa *sa, struct ike_child_req *req,
		       uint16_t cfg_idx, const struct ike_child *old, bool with_ke)
{
	const struct ike_conn_child *cc = &sa->conn->children[cfg_idx];
	size_t n_l = 0, n_r = 0;
	int rc;

	memset(req, 0, sizeof(*req));
	req->cfg_idx = cfg_idx;
	req->with_ke = with_ke;
	if (old) {
		/* A rekey asks for what the old child has (RFC 7296 2.9.2). */
		req->old_child = old->id;
		req->mode = old->mode;
		n_l = old->n_lts;
		n_r = old->n_rts;
		memcpy(req->ts, old->ts, (n_l + n_r) * sizeof(struct ike_ts));
	} else {
		req->mode =
		    cc->cfg.mode == IKE_MODE_TRANSPORT ? IKE_MODE_TRANSPORT : IKE_MODE_TUNNEL;
		if (ike_ts_resolve(cc->lts, cc->n_lts, &sa->local, req->ts, IKE_MAX_TS, &n_l) ||
		    ike_ts_resolve(cc->rts, cc->n_rts, &sa->remote, req->ts + n_l, IKE_MAX_TS,
				   &n_r) ||
		    !n_l || !n_r) {
			ike_log_sa(e, IKE_LOG_ERROR, sa,
				   "cannot resolve the traffic selectors of %s for this peer",
				   cc->cfg.name);
			return -EINVAL;
		}
	}
	req->n_lts = (uint8_t)n_l;
	req->n_rts = (uint8_t)n_r;
	if (with_ke)
		req->dh_group = ike_proposals_preferred_dh(cc->esp_ke, cc->n_esp_ke);
	rc = e->env.alloc_spi(e->env.ctx, &sa->remote, &sa->local, &req->spi_in);
	if (rc || !req->spi_in) {
		ike_log_sa(e, IKE_LOG_ERROR, sa, "cannot allocate an SPI for CHILD_SA %s",
			   cc->cfg.name);
		return rc ? rc : -EIO;
	}
	return 0;
}

/* The proposals as sent: IKE_AUTH's without groups, CREATE_CHILD_SA's with
 * them (the group of our KE first), all with our SPI. */
static struct ike_proposal *offer(const struct ike_sa *sa, const struct ike_child_req *req,
				  size_t *n)
{
	const struct ike_conn_child *cc = &sa->conn->children[req->cfg_idx];
	const struct ike_proposal *src = req->with_ke ? cc->esp_ke : cc->esp;
	struct ike_proposal *p;

	*n = req->with_ke ? cc->n_esp_ke : cc->n_esp;
	p = malloc(*n * sizeof(*p));
	if (!p)
		return NULL;
	memcpy(p, src, *n * sizeof(*p));
	if (req->dh_group && req->dh_group != ike_proposals_preferred_dh(p, *n))
		ike_proposals_promote_dh(p, *n, req->dh_group);
	for (size_t i = 0; i < *n; i++) {
		p[i].spi_len = 4;
		ike_be32(p[i].spi, req->spi_in);
	}
	return p;
}

void ike_child_req_add(struct ike_builder *b, const struct ike_sa *sa,
		       const struct ike_child_req *req, const uint8_t *ni, size_t ni_len,
		       const struct ike_dh *dh)
{
	const struct ike_child *old = req->old_child ? ike_child_by_id(sa, req->old_child) : NULL;
	struct ike_proposal *props;
	size_t n = 0;

	if (old) {
		uint8_t spi[4];

		ike_be32(spi, old->spi_in);
		ike_add_notify(b, IKE_PROTO_ESP, spi, 4, IKE_N_REKEY_SA, NULL, 0);
	}
	if (req->mode == IKE_MODE_TRANSPORT)
		ike_add_notify(b, 0, NULL, 0, IKE_N_USE_TRANSPORT_MODE, NULL, 0);
	props = offer(sa, req, &n);
	if (!props) {
		ike_writer_fail(b->w, -ENOMEM);
		return;
	}
	ike_add_sa(b, props, n);
	free(props);
	if (ni)
		ike_add_nonce(b, ni, ni_len);
	if (dh) {
		size_t pub_len = 0;
		const uint8_t *pub = ike_dh_public(dh, &pub_len);

		ike_add_ke(b, req->dh_group, pub, pub_len);
	}
	ike_add_ts(b, IKE_PL_TSI, req->ts, req->n_lts);
	ike_add_ts(b, IKE_PL_TSR, req->ts + req->n_lts, req->n_rts);
}

/* Child configs a diagnosis names at most (the rest are not shown). */
#define IKE_MAX_CHILDREN_DIAG 8

static void fail(struct ike_child_result *res, uint16_t notify, const char *why)
{
	res->notify = notify;
	res->why = why;
	res->child = NULL;
}

/* A CHILD SA the peer made that we will not use: it is deleted at the
 * peer (RFC 7296 1.3.1 leaves that to the initiator). */
static void orphan(struct ike_engine *e, struct ike_sa *sa, const struct ike_child_req *req,
		   uint32_t spi_out, const char *why)
{
	struct ike_child *c = ike_child_new(e, sa, 0, 0);

	if (!c)
		return;
	c->cfg_idx = req->cfg_idx;
	c->mode = req->mode;
	c->spi_in = req->spi_in;
	c->spi_out = spi_out;
	ike_child_delete(e, c, why);
}

/* "10.1.0.0/24 10.3.0.0/24" (truncated with "..." when long). */
static void ts_list(const struct ike_ts *ts, size_t n, char *buf, size_t len)
{
	size_t pos = 0;

	buf[0] = 0;
	for (size_t i = 0; i < n && pos + 4 < len; i++) {
		char one[IKE_TS_STR_LEN];
		int w;

		ike_ts_format(&ts[i], one, sizeof(one));
		w = snprintf(buf + pos, len - pos, "%s%s", i ? " " : "", one);
		if (w < 0 || (size_t)w >= len - pos) {
			snprintf(buf + (len > 4 ? len - 4 : 0), 4, "...");
			return;
		}
		pos += (size_t)w;
	}
}

static bool same_ts(const struct ike_ts *a, size_t na, const struct ike_ts *b, size_t nb)
{
	return na == nb && !memcmp(a, b, na * sizeof(*a));
}

/* Selectors the other side narrowed: say so, since it is what the kernel
 * will enforce. */
static void log_narrowed(struct ike_engine *e, struct ike_sa *sa, const char *name, const char *who,
			 const struct ike_ts *asked, size_t n_asked, const struct ike_ts *got,
			 size_t n_got, const char *side)
{
	char a[256], g[256];

	if (same_ts(asked, n_asked, got, n_got))
		return;
	ts_list(asked, n_asked, a, sizeof(a));
	ts_list(got, n_got, g, sizeof(g));
	ike_log_sa(e, IKE_LOG_INFO, sa, "CHILD_SA %s: %s narrowed %s %s to %s", name, who, side, a,
		   g);
}

void ike_child_req_finish(struct ike_engine *e, struct ike_sa *sa, const struct ike_child_req *req,
			  const struct ike_msg *m, struct ike_dh *dh, const uint8_t *ni,
			  size_t ni_len, const uint8_t *nr, size_t nr_len,
			  struct ike_child_result *res)
{
	const struct ike_conn_child *cc = &sa->conn->children[req->cfg_idx];
	const uint32_t need =
	    IKE_PL_BIT(IKE_PL_SA) | IKE_PL_BIT(IKE_PL_TSI) | IKE_PL_BIT(IKE_PL_TSR);
	struct ike_ts got_l[IKE_MAX_TS], got_r[IKE_MAX_TS];
	struct ike_proposal *offered, reply;
	const struct ike_child *old = NULL;
	const uint8_t *gir = NULL;
	size_t n_off = 0, gir_len = 0, n_gl, n_gr;
	struct ike_selected sel;
	struct ike_sa_iter it;
	struct ike_child *c;
	uint32_t spi_out;
	int rc;

	memset(res, 0, sizeof(*res));
	for (size_t i = 0; i < m->n_notify; i++) {
		const struct ike_notify *n = &m->notify[i];

		if (n->type > IKE_N_ERROR_MAX)
			continue;
		if (n->type == IKE_N_INVALID_KE_PAYLOAD && n->data.len == 2)
			res->ke_group = (uint16_t)(n->data.ptr[0] << 8 | n->data.ptr[1]);
		fail(res, n->type,
		     ike_diag_peer_refused(e, sa, req->with_ke ? "CREATE_CHILD_SA" : "IKE_AUTH",
					   n->type, req));
		return;
	}
	if ((m->encrypted & need) != need) {
		fail(res, IKE_N_INVALID_SYNTAX, "the response has no SA, TSi or TSr");
		return;
	}
	if (m->sa.n_proposals != 1) {
		fail(res, IKE_N_INVALID_SYNTAX,
		     "the responder's SA payload must hold one proposal");
		return;
	}
	ike_sa_iter_init(&it, &m->sa);
	offered = offer(sa, req, &n_off);
	rc = offered && ike_sa_iter_next(&it, &reply)
		 ? ike_proposal_check_reply(offered, n_off, &reply, 1, &sel)
		 : -ENOENT;
	free(offered);
	if (rc || sel.spi_len != 4 || !ike_get_be32(sel.spi)) {
		/* Nothing usable was agreed: there is no SA to delete. */
		fail(res, rc == -EBADMSG ? IKE_N_INVALID_SYNTAX : IKE_N_NO_PROPOSAL_CHOSEN,
		     "the responder chose an ESP proposal we did not offer");
		return;
	}
	spi_out = ike_get_be32(sel.spi);
	/* From here on the peer has an SA: a failure deletes it there. */
	if (IKE_SEL_HAS(&sel, IKE_TRANS_DH) && sel.dh) {
		if (sel.dh != req->dh_group || !dh || !(m->encrypted & IKE_PL_BIT(IKE_PL_KE)) ||
		    m->ke.group != req->dh_group ||
		    ike_dh_compute(dh, m->ke.data.ptr, m->ke.data.len)) {
			fail(res, IKE_N_INVALID_SYNTAX, "no usable KE payload in the response");
			orphan(e, sa, req, spi_out, res->why);
			return;
		}
		gir = ike_dh_shared(dh, &gir_len);
	}
	n_gl = ike_ts_decode(&m->tsi, got_l, IKE_MAX_TS);
	n_gr = ike_ts_decode(&m->tsr, got_r, IKE_MAX_TS);
	if (!n_gl || !n_gr || ike_ts_check_narrowed(req->ts, req->n_lts, got_l, n_gl) ||
	    ike_ts_check_narrowed(req->ts + req->n_lts, req->n_rts, got_r, n_gr)) {
		fail(res, IKE_N_TS_UNACCEPTABLE,
		     "the responder's traffic selectors are not within ours");
		orphan(e, sa, req, spi_out, res->why);
		return;
	}
	if (req->mode == IKE_MODE_TRANSPORT && !ike_msg_notify(m, IKE_N_USE_TRANSPORT_MODE)) {
		/* RFC 7296 1.3.1: tunnel mode instead is ours to refuse. */
		fail(res, IKE_N_NO_PROPOSAL_CHOSEN, "the responder refused transport mode");
		orphan(e, sa, req, spi_out, res->why);
		return;
	}
	if (req->old_child) {
		old = ike_child_by_id(sa, req->old_child);
		if (!old) {
			fail(res, IKE_N_TS_UNACCEPTABLE, "the CHILD_SA was deleted meanwhile");
			orphan(e, sa, req, spi_out, res->why);
			return;
		}
	}
	log_narrowed(e, sa, cc->cfg.name, "the responder", req->ts, req->n_lts, got_l, n_gl,
		     "our local selectors");
	log_narrowed(e, sa, cc->cfg.name, "the responder", req->ts + req->n_lts, req->n_rts, got_r,
		     n_gr, "our remote selectors");
	c = ike_child_make(e, sa, req->cfg_idx, req->mode, old, got_l, n_gl, got_r, n_gr);
	if (!c) {
		fail(res, IKE_N_NO_PROPOSAL_CHOSEN, "out of memory");
		orphan(e, sa, req, spi_out, res->why);
		return;
	}
	c->sel = sel;
	c->spi_in = req->spi_in;
	c->spi_out = spi_out;
	if (ike_child_install(e, sa, c, true, gir, gir_len, ni, ni_len, nr, nr_len)) {
		fail(res, IKE_N_NO_PROPOSAL_CHOSEN, "the kernel refused the CHILD_SA");
		/* The peer has it: tell it. */
		ike_child_delete(e, c, res->why);
		return;
	}
	res->child = c;
}

/* ------------------------------------------------------------------ */
/* Responder                                                            */

/* Narrow the peer's selectors to a child config (TSi is the peer's side,
 * our remote selectors). 0, or -ENOENT when nothing is left. */
static int narrow(const struct ike_sa *sa, const struct ike_conn_child *cc,
		  const struct ike_ts *tsi, size_t n_tsi, const struct ike_ts *tsr, size_t n_tsr,
		  struct ike_ts *l, size_t *n_l, struct ike_ts *r, size_t *n_r)
{
	struct ike_ts cfg[IKE_MAX_TS];
	size_t n_cfg = 0;

	*n_l = *n_r = 0;
	if (ike_ts_resolve(cc->rts, cc->n_rts, &sa->remote, cfg, IKE_MAX_TS, &n_cfg) ||
	    ike_ts_narrow(tsi, n_tsi, cfg, n_cfg, r, IKE_MAX_TS, n_r) ||
	    ike_ts_resolve(cc->lts, cc->n_lts, &sa->local, cfg, IKE_MAX_TS, &n_cfg) ||
	    ike_ts_narrow(tsr, n_tsr, cfg, n_cfg, l, IKE_MAX_TS, n_l) || !*n_l || !*n_r)
		return -ENOENT;
	return 0;
}

void ike_child_respond(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m,
		       const struct ike_child *old, bool ccsa, const uint8_t *ni, size_t ni_len,
		       const uint8_t *nr, size_t nr_len, struct ike_dh **dh_out,
		       struct ike_child_result *res)
{
	struct ike_ts tsi[IKE_MAX_TS], tsr[IKE_MAX_TS], l[IKE_MAX_TS], r[IKE_MAX_TS];
	size_t n_tsi, n_tsr, n_l = 0, n_r = 0, n_peer = 0;
	struct ike_proposal *peer;
	struct ike_selected sel;
	struct ike_dh *dh = NULL;
	const uint8_t *gir = NULL;
	size_t gir_len = 0;
	struct ike_child *c;
	uint32_t spi_in = 0;
	/* the candidate configs refused for their proposals, and for their
	 * selectors: what the diagnosis lists */
	uint16_t no_prop[IKE_MAX_CHILDREN_DIAG], no_ts[IKE_MAX_CHILDREN_DIAG];
	size_t n_no_prop = 0, n_no_ts = 0;
	int idx = -1;
	uint8_t mode;
	int rc;

	memset(res, 0, sizeof(*res));
	*dh_out = NULL;
	peer = ike_read_proposals(&m->sa, IKE_MAX_PROPOSALS, &n_peer);
	if (!peer) {
		fail(res, IKE_N_NO_PROPOSAL_CHOSEN, "no ESP proposal chosen: received none");
		return;
	}
	n_tsi = ike_ts_decode(&m->tsi, tsi, IKE_MAX_TS);
	n_tsr = ike_ts_decode(&m->tsr, tsr, IKE_MAX_TS);
	/* A rekey keeps its config; a new child takes the first config
	 * whose proposals and selectors both fit. */
	for (size_t i = old ? old->cfg_idx : 0;
	     i < (old ? (size_t)old->cfg_idx + 1 : sa->conn->cfg.n_children) && idx < 0; i++) {
		const struct ike_conn_child *cc = &sa->conn->children[i];

		if ((ccsa ? ike_proposal_select(cc->esp_ke, cc->n_esp_ke, peer, n_peer, 0, &sel)
			  : ike_proposal_select(cc->esp, cc->n_esp, peer, n_peer,
						IKE_SELECT_SKIP_DH, &sel)) ||
		    sel.protocol != IKE_PROTO_ESP || sel.spi_len != 4) {
			if (n_no_prop < IKE_MAX_CHILDREN_DIAG)
				no_prop[n_no_prop++] = (uint16_t)i;
			continue;
		}
		if (narrow(sa, cc, tsi, n_tsi, tsr, n_tsr, l, &n_l, r, &n_r)) {
			if (n_no_ts < IKE_MAX_CHILDREN_DIAG)
				no_ts[n_no_ts++] = (uint16_t)i;
			continue;
		}
		idx = (int)i;
	}
	/* Selectors are named only when some proposal fitted: otherwise
	 * the proposals are the first thing to fix. */
	if (idx < 0 && n_no_ts)
		fail(res, IKE_N_TS_UNACCEPTABLE,
		     ike_diag_ts(e, sa, tsi, n_tsi, tsr, n_tsr, no_ts, n_no_ts));
	else if (idx < 0)
		fail(res, IKE_N_NO_PROPOSAL_CHOSEN,
		     ike_diag_esp_proposals(e, sa, ccsa, peer, n_peer, no_prop, n_no_prop));
	free(peer);
	if (idx < 0)
		return;
	if (ccsa && IKE_SEL_HAS(&sel, IKE_TRANS_DH) && sel.dh) {
		if (!(m->encrypted & IKE_PL_BIT(IKE_PL_KE)) || m->ke.group != sel.dh) {
			res->ke_group = sel.dh;
			fail(res, IKE_N_INVALID_KE_PAYLOAD,
			     "key exchange group differs from the selected one");
			return;
		}
		rc = ike_new_dh(e, &dh, sel.dh);
		if (!rc)
			rc = ike_dh_compute(dh, m->ke.data.ptr, m->ke.data.len);
		if (rc) {
			ike_dh_free(dh);
			fail(res, rc == -EINVAL ? IKE_N_INVALID_SYNTAX : IKE_N_NO_PROPOSAL_CHOSEN,
			     "key exchange failed");
			return;
		}
		gir = ike_dh_shared(dh, &gir_len);
	}
	if (e->env.alloc_spi(e->env.ctx, &sa->remote, &sa->local, &spi_in) || !spi_in) {
		ike_dh_free(dh);
		fail(res, IKE_N_NO_PROPOSAL_CHOSEN, "cannot allocate an SPI");
		return;
	}
	mode = old ? old->mode
	       : ike_msg_notify(m, IKE_N_USE_TRANSPORT_MODE) &&
		       sa->conn->children[idx].cfg.mode == IKE_MODE_TRANSPORT
		   ? IKE_MODE_TRANSPORT
		   : IKE_MODE_TUNNEL;
	log_narrowed(e, sa, sa->conn->children[idx].cfg.name, "we", tsi, n_tsi, r, n_r,
		     "the peer's TSi");
	log_narrowed(e, sa, sa->conn->children[idx].cfg.name, "we", tsr, n_tsr, l, n_l,
		     "the peer's TSr");
	c = ike_child_make(e, sa, (uint16_t)idx, mode, old, l, n_l, r, n_r);
	if (!c) {
		ike_dh_free(dh);
		fail(res, IKE_N_NO_PROPOSAL_CHOSEN, "out of memory");
		return;
	}
	c->sel = sel;
	c->spi_in = spi_in;
	c->spi_out = ike_get_be32(sel.spi);
	/* A rekey we answer sends with the new SA only once the peer, which
	 * installs it on our answer, deleted the old one. */
	if (old)
		c->out_waits_for = old->id;
	/* Make before break: ours is in before the peer may use it. */
	if (ike_child_install(e, sa, c, false, gir, gir_len, ni, ni_len, nr, nr_len)) {
		ike_child_free(e, c, "install failed");
		ike_dh_free(dh);
		fail(res, IKE_N_NO_PROPOSAL_CHOSEN, "the kernel refused the CHILD_SA");
		return;
	}
	res->notify = 0;
	res->why = NULL;
	res->child = c;
	*dh_out = dh;
}

void ike_child_respond_add(struct ike_builder *b, const struct ike_child *c, const uint8_t *nr,
			   size_t nr_len, const struct ike_dh *dh)
{
	struct ike_proposal prop;
	uint8_t spi[4];

	if (c->mode == IKE_MODE_TRANSPORT)
		ike_add_notify(b, 0, NULL, 0, IKE_N_USE_TRANSPORT_MODE, NULL, 0);
	ike_be32(spi, c->spi_in);
	if (ike_selected_to_proposal(&c->sel, spi, 4, &prop))
		ike_writer_fail(b->w, -EINVAL);
	ike_add_sa(b, &prop, 1);
	if (nr)
		ike_add_nonce(b, nr, nr_len);
	if (dh) {
		size_t pub_len = 0;
		const uint8_t *pub = ike_dh_public(dh, &pub_len);

		ike_add_ke(b, c->sel.dh, pub, pub_len);
	}
	/* TSi is the initiator's side: our remote one. */
	ike_add_ts(b, IKE_PL_TSI, c->ts + c->n_lts, c->n_rts);
	ike_add_ts(b, IKE_PL_TSR, c->ts, c->n_lts);
}
