// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CREATE_CHILD_SA (RFC 7296 1.3): which of its three uses a request is, and
 * the first of them, a new CHILD SA on an established IKE SA (1.3.1), in
 * both roles. Rekeying a CHILD SA is child_rekey.c's, rekeying the IKE SA
 * ike_rekey.c's; what a CHILD SA is and how it is agreed, child_nego.c's.
 *
 * Also here: what all three share, our request's sending and the
 * collision rules of RFC 7296 2.8.1 and 2.8.2.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike/dh.h"
#include "ike/engine.h"
#include "ike/proposal.h"
#include "ike/wire.h"

/* A peer may make at most this many CHILD SAs on one IKE SA: each costs
 * kernel state, and no configuration needs more. */
#define MAX_CHILDREN_PER_SA 256

/* ------------------------------------------------------------------ */
/* Shared                                                               */

/* RFC 7296 2.8.1: "lowest" compares octet by octet; a nonce that ends
 * first is the lower one. */
static int nonce_cmp(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);

	if (r)
		return r;
	return alen < blen ? -1 : alen > blen ? 1 : 0;
}

bool ike_exch_ours_lowest(const struct ike_exch *x, const uint8_t *nr, size_t nr_len)
{
	const uint8_t *mine = x->ni, *theirs = x->peer_ni;
	size_t mine_len = x->ni_len, theirs_len = x->peer_ni_len;

	if (nonce_cmp(nr, nr_len, mine, mine_len) < 0) {
		mine = nr;
		mine_len = nr_len;
	}
	if (nonce_cmp(x->peer_nr, x->peer_nr_len, theirs, theirs_len) < 0) {
		theirs = x->peer_nr;
		theirs_len = x->peer_nr_len;
	}
	return nonce_cmp(mine, mine_len, theirs, theirs_len) < 0;
}

void ike_exch_note_collision(struct ike_exch *x, uint32_t peer_new, const uint8_t *ni,
			     size_t ni_len, const uint8_t *nr, size_t nr_len)
{
	x->collision = true;
	x->peer_new = peer_new;
	x->peer_ni_len = (uint16_t)ni_len;
	memcpy(x->peer_ni, ni, ni_len);
	x->peer_nr_len = (uint16_t)nr_len;
	memcpy(x->peer_nr, nr, nr_len);
}

enum ike_verdict ike_ccsa_refuse(struct ike_engine *e, struct ike_sa *sa, const struct ike_rx *rx,
				 uint16_t type, uint16_t ke_group, const char *why)
{
	uint8_t g[2] = { (uint8_t)(ke_group >> 8), (uint8_t)ke_group };

	ike_log_sa(e, IKE_LOG_INFO, sa, "CREATE_CHILD_SA request refused with %s: %s",
		   ike_notify_name(type), why);
	if (ike_respond_notify(e, sa, rx, type, g,
			       type == IKE_N_INVALID_KE_PAYLOAD ? sizeof(g) : 0))
		return ike_sa_close(e, sa, "cannot answer CREATE_CHILD_SA");
	return IKE_KEEP;
}

int ike_child_exch_send(struct ike_engine *e, struct ike_sa *sa, struct ike_exch *x)
{
	struct ike_writer w;
	struct ike_builder b;
	uint8_t first;
	int rc;

	ike_dh_free(x->dh);
	x->dh = NULL;
	if (x->child.dh_group) {
		rc = ike_new_dh(e, &x->dh, x->child.dh_group);
		if (rc)
			return rc;
	}
	x->ni_len = IKE_NONCE_LEN;
	e->env.random(e->env.ctx, x->ni, x->ni_len);
	ike_writer_init(&w);
	ike_build_begin_inner(&b, &w);
	ike_child_req_add(&b, sa, &x->child, x->ni, x->ni_len, x->dh);
	rc = ike_build_end_inner(&b, &first);
	if (!rc)
		rc = ike_send_protected(e, sa, IKE_CREATE_CHILD_SA, false, 0, &w, first, x->kind);
	ike_writer_free(&w);
	return rc;
}

bool ike_exch_retry_ke(struct ike_engine *e, struct ike_sa *sa, struct ike_exch *x,
		       const struct ike_child_result *res)
{
	const struct ike_conn_child *cc = &sa->conn->children[x->child.cfg_idx];
	uint16_t g = res->ke_group;

	if (res->notify != IKE_N_INVALID_KE_PAYLOAD || x->collision || !g ||
	    g == x->child.dh_group || x->ke_retries >= IKE_MAX_KE_RETRIES ||
	    !ike_proposals_have_dh(cc->esp_ke, cc->n_esp_ke, g))
		return false;
	ike_log_sa(e, IKE_LOG_INFO, sa,
		   "peer sent INVALID_KE_PAYLOAD, CHILD_SA %s again with %s (group %u)",
		   cc->cfg.name, ike_diag_group(g), g);
	x->ke_retries++;
	x->child.dh_group = g;
	if (ike_child_exch_send(e, sa, x))
		return false;
	sa->exch = x;
	return true;
}

/* ------------------------------------------------------------------ */
/* A new CHILD SA, as initiator                                         */

int ike_child_create_start(struct ike_engine *e, struct ike_sa *sa, uint16_t cfg_idx, bool reauth)
{
	const char *name = sa->conn->children[cfg_idx].cfg.name;
	struct ike_exch *x = calloc(1, sizeof(*x));
	int rc;

	if (!x)
		rc = -ENOMEM;
	else
		rc = ike_child_req_init(e, sa, &x->child, cfg_idx, NULL, true);
	if (!rc) {
		x->kind = IKE_REQ_NEW_CHILD;
		x->reauth = reauth;
		rc = ike_child_exch_send(e, sa, x);
	}
	if (rc) {
		ike_exch_free(x);
		ike_log_sa(e, IKE_LOG_WARN, sa, "cannot start CHILD_SA %s: %s", name,
			   strerror(-rc));
		ike_child_failed(e, sa, name, 0, "cannot start CREATE_CHILD_SA");
		if (reauth && !ike_task_reauth_pending(sa))
			ike_reauth_established(e, sa);
		return rc;
	}
	sa->exch = x;
	ike_log_sa(e, IKE_LOG_INFO, sa, "creating CHILD_SA %s, SPI %08x%s", name, x->child.spi_in,
		   x->dh ? ", with a key exchange" : "");
	return 0;
}

static enum ike_verdict new_child_response(struct ike_engine *e, struct ike_sa *sa,
					   struct ike_rx *rx, struct ike_exch *x)
{
	const char *name = sa->conn->children[x->child.cfg_idx].cfg.name;
	const struct ike_msg *m = &rx->m;
	struct ike_child_result res;
	char reason[IKE_DIAG_LEN + 96];

	ike_child_req_finish(e, sa, &x->child, m, x->dh, x->ni, x->ni_len, m->nonce.ptr,
			     m->nonce.len, &res);
	if (ike_exch_retry_ke(e, sa, x, &res))
		return IKE_KEEP;
	if (res.notify) {
		snprintf(reason, sizeof(reason), "CHILD_SA %s failed: %s", name, res.why);
		ike_log_sa(e, IKE_LOG_WARN, sa, "%s (%s)", reason, ike_notify_name(res.notify));
		ike_child_failed(e, sa, name, res.notify, reason);
	}
	if (x->reauth && !ike_task_reauth_pending(sa))
		ike_reauth_established(e, sa);
	ike_exch_free(x);
	return IKE_KEEP;
}

/* ------------------------------------------------------------------ */
/* A new CHILD SA, as responder                                         */

enum ike_verdict ike_ccsa_answer_child(struct ike_engine *e, struct ike_sa *sa, struct ike_rx *rx,
				       const struct ike_child *old, struct ike_child **made,
				       uint8_t nr[IKE_NONCE_LEN])
{
	const struct ike_msg *m = &rx->m;
	struct ike_child_result res;
	struct ike_dh *dh = NULL;
	struct ike_writer w;
	struct ike_builder b;
	uint8_t first;
	int rc;

	*made = NULL;
	e->env.random(e->env.ctx, nr, IKE_NONCE_LEN);
	ike_child_respond(e, sa, m, old, true, m->nonce.ptr, m->nonce.len, nr, IKE_NONCE_LEN, &dh,
			  &res);
	if (res.notify)
		return ike_ccsa_refuse(e, sa, rx, res.notify, res.ke_group, res.why);
	ike_writer_init(&w);
	ike_build_begin_inner(&b, &w);
	ike_child_respond_add(&b, res.child, nr, IKE_NONCE_LEN, dh);
	rc = ike_build_end_inner(&b, &first);
	if (!rc)
		rc = ike_send_protected(e, sa, IKE_CREATE_CHILD_SA, true, m->hdr.msg_id, &w, first,
					IKE_REQ_NONE);
	ike_writer_free(&w);
	ike_dh_free(dh);
	if (rc)
		return ike_sa_close(e, sa, "cannot answer CREATE_CHILD_SA");
	*made = res.child;
	return IKE_KEEP;
}

static enum ike_verdict new_child_request(struct ike_engine *e, struct ike_sa *sa,
					  struct ike_rx *rx)
{
	const struct ike_msg *m = &rx->m;
	uint8_t nr[IKE_NONCE_LEN];
	struct ike_child *c;
	enum ike_verdict v;

	if (!(m->encrypted & IKE_PL_BIT(IKE_PL_TSI)) || !(m->encrypted & IKE_PL_BIT(IKE_PL_TSR)))
		return ike_ccsa_refuse(e, sa, rx, IKE_N_INVALID_SYNTAX, 0,
				       "a new CHILD_SA without TSi or TSr");
	/* RFC 7296 2.25.2: not while the IKE SA is being rekeyed. */
	if (sa->state == IKE_S_REKEYING)
		return ike_ccsa_refuse(e, sa, rx, IKE_N_TEMPORARY_FAILURE, 0,
				       "we are rekeying the IKE SA");
	if (sa->n_children >= MAX_CHILDREN_PER_SA)
		return ike_ccsa_refuse(e, sa, rx, IKE_N_NO_ADDITIONAL_SAS, 0,
				       "too many CHILD_SAs on this IKE SA");
	v = ike_ccsa_answer_child(e, sa, rx, NULL, &c, nr);
	OPENSSL_cleanse(nr, sizeof(nr));
	return v;
}

/* ------------------------------------------------------------------ */
/* Dispatch                                                             */

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

	if (!ike_sa_usable(sa)) {
		/* Deleting, or replaced by a rekey: a rekey may be retried on
		 * the successor (RFC 7296 2.25.2). */
		if (rekey || ike)
			return ike_ccsa_refuse(e, sa, rx, IKE_N_TEMPORARY_FAILURE, 0,
					       sa->state == IKE_S_DELETING
						   ? "the IKE SA is being deleted"
						   : "the IKE SA was rekeyed");
		return ike_ccsa_refuse(e, sa, rx, IKE_N_NO_ADDITIONAL_SAS, 0,
				       "the IKE SA is going away");
	}
	if (rekey)
		return ike_child_rekey_request(e, sa, rx, rekey);
	if (ike)
		return ike_rekey_request(e, sa, rx);
	return new_child_request(e, sa, rx);
}

enum ike_verdict ike_create_child_on_response(struct ike_engine *e, struct ike_sa *sa,
					      struct ike_rx *rx)
{
	struct ike_exch *x = sa->exch;

	sa->exch = NULL;
	if (!x || x->kind != rx->req_kind) {
		ike_log_sa(e, IKE_LOG_WARN, sa, "CREATE_CHILD_SA response to no request of ours");
		ike_exch_free(x);
		return IKE_KEEP;
	}
	switch (x->kind) {
	case IKE_REQ_NEW_CHILD:
		return new_child_response(e, sa, rx, x);
	case IKE_REQ_REKEY_CHILD:
		return ike_child_rekey_response(e, sa, rx, x);
	default:
		return ike_rekey_response(e, sa, rx, x);
	}
}
