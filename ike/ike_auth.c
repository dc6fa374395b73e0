// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IKE_AUTH (RFC 7296 1.2, 2.15) with pre-shared keys, and the first
 * CHILD_SA it carries (no key exchange of its own: KEYMAT from SK_d and the
 * IKE_SA_INIT nonces, RFC 7296 2.17; child.c derives and installs it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include "ike/crypto.h"
#include "ike/engine.h"
#include "ike/proposal.h"
#include "ike/ts.h"
#include "ike/wire.h"

static const char key_pad[] = "Key Pad for IKEv2"; /* 17 octets, no NUL */

int ike_psk_auth(const struct ike_sa *sa, bool of_initiator, const uint8_t *psk, size_t psk_len,
		 const uint8_t *rest_of_id, size_t rest_len, uint8_t *out, size_t *out_len)
{
	const struct ike_half_open *ho = sa->ho;
	uint16_t prf = sa->sel.prf;
	size_t len = ike_prf_len(prf);
	uint8_t padkey[IKE_PRF_MAX_LEN], maced[IKE_PRF_MAX_LEN];
	struct ike_cbuf in[3];
	int rc;

	if (!len || !ho || !ho->msg1 || !ho->msg2 || !sa->keys_valid)
		return -EINVAL;
	in[0] = (struct ike_cbuf){ (const uint8_t *)key_pad, sizeof(key_pad) - 1 };
	rc = ike_prf(prf, psk, psk_len, in, 1, padkey, sizeof(padkey));
	if (rc)
		goto out;
	/* MACedIDFor{I,R} = prf(SK_p{i,r}, RestOf{Init,Resp}IDPayload) */
	in[0] = (struct ike_cbuf){ rest_of_id, rest_len };
	rc = ike_prf(prf, of_initiator ? sa->keys.sk_pi : sa->keys.sk_pr, sa->keys.prf_len, in, 1,
		     maced, sizeof(maced));
	if (rc)
		goto out;
	/* {Initiator,Responder}SignedOctets = RealMessage{1,2} | Nonce{R,I}Data | MACedID */
	if (of_initiator) {
		in[0] = (struct ike_cbuf){ ho->msg1, ho->msg1_len };
		in[1] = (struct ike_cbuf){ ho->nr, ho->nr_len };
	} else {
		in[0] = (struct ike_cbuf){ ho->msg2, ho->msg2_len };
		in[1] = (struct ike_cbuf){ ho->ni, ho->ni_len };
	}
	in[2] = (struct ike_cbuf){ maced, len };
	rc = ike_prf(prf, padkey, len, in, 3, out, IKE_PRF_MAX_LEN);
	if (!rc)
		*out_len = len;
out:
	OPENSSL_cleanse(padkey, sizeof(padkey));
	OPENSSL_cleanse(maced, sizeof(maced));
	return rc;
}

/* Our identity: configured, or our IP address. */
static void own_id(const struct ike_sa *sa, uint8_t *type, const uint8_t **data, size_t *len)
{
	const struct ike_id *id = &sa->conn->cfg.local_id;

	if (id->type) {
		*type = id->type;
		*data = id->data;
		*len = id->len;
	} else if (sa->local.family == AF_INET6) {
		*type = IKE_ID_IPV6_ADDR;
		*data = sa->local.ip;
		*len = 16;
	} else {
		*type = IKE_ID_IPV4_ADDR;
		*data = sa->local.ip;
		*len = 4;
	}
}

/* RestOfIDPayload: type, three reserved octets, data. */
static size_t id_body(uint8_t type, const uint8_t *data, size_t len, uint8_t *out)
{
	out[0] = type;
	out[1] = out[2] = out[3] = 0;
	memcpy(out + 4, data, len);
	return 4 + len;
}

static bool id_acceptable(const struct ike_sa *sa, const struct ike_id_pl *got)
{
	const struct ike_id *want = &sa->conn->cfg.remote_id;

	if (!want->type)
		return true;
	return got->type == want->type && got->data.len == want->len &&
	       !memcmp(got->data.ptr, want->data, want->len);
}

static bool auth_ok(const struct ike_sa *sa, bool of_initiator, const struct ike_msg *m,
		    const struct ike_id_pl *id)
{
	uint8_t want[IKE_PRF_MAX_LEN];
	size_t want_len = 0;
	bool ok;

	if (m->auth.method != IKE_AUTH_SHARED_KEY_MIC || !sa->conn->psk)
		return false;
	if (ike_psk_auth(sa, of_initiator, sa->conn->psk, sa->conn->cfg.psk_len, id->body.ptr,
			 id->body.len, want, &want_len))
		return false;
	ok = m->auth.data.len == want_len && !CRYPTO_memcmp(want, m->auth.data.ptr, want_len);
	OPENSSL_cleanse(want, sizeof(want));
	return ok;
}

/* Adds our IDx and AUTH payloads; false if the AUTH cannot be computed. */
static bool add_id_auth(struct ike_builder *b, const struct ike_sa *sa, bool initiator)
{
	uint8_t body[4 + 255], auth[IKE_PRF_MAX_LEN];
	const uint8_t *data;
	size_t len, body_len, auth_len = 0;
	uint8_t type;
	bool ok;

	own_id(sa, &type, &data, &len);
	body_len = id_body(type, data, len, body);
	ok = sa->conn->psk && !ike_psk_auth(sa, initiator, sa->conn->psk, sa->conn->cfg.psk_len,
					    body, body_len, auth, &auth_len);
	ike_add_id(b, initiator ? IKE_PL_IDI : IKE_PL_IDR, type, data, len);
	ike_add_auth(b, IKE_AUTH_SHARED_KEY_MIC, auth, ok ? auth_len : 0);
	OPENSSL_cleanse(auth, sizeof(auth));
	return ok;
}

static uint8_t *spi_bytes(uint32_t spi, uint8_t out[4])
{
	ike_be32(out, spi);
	return out;
}

/* The selectors of a child config, made concrete for this SA. */
static int resolve_ts(const struct ike_sa *sa, const struct ike_conn_child *cc, bool local,
		      struct ike_ts *out, size_t *n)
{
	return ike_ts_resolve(local ? cc->lts : cc->rts, local ? cc->n_lts : cc->n_rts,
			      local ? &sa->local : &sa->remote, out, IKE_MAX_TS, n);
}

/* ike_child_new with the reqid of the CHILD_SA this one replaces when the
 * IKE SA reauthenticates one (ours or the peer's): see reauth.c. */
static struct ike_child *new_child(struct ike_engine *e, struct ike_sa *sa, uint16_t cfg_idx,
				   uint8_t mode, const struct ike_ts *l, size_t n_l,
				   const struct ike_ts *r, size_t n_r)
{
	struct ike_ts all[2 * IKE_MAX_TS];

	if (n_l > IKE_MAX_TS || n_r > IKE_MAX_TS)
		return NULL;
	memcpy(all, l, n_l * sizeof(*l));
	memcpy(all + n_l, r, n_r * sizeof(*r));
	return ike_child_new_reqid(e, sa, n_l, n_r,
				   ike_reqid_to_share(e, sa, cfg_idx, mode, all, n_l, n_r));
}

/* Another established IKE SA of this connection with the same peer? */
static bool other_sa_with_peer(const struct ike_sa *sa, const struct ike_sa *o)
{
	return o != sa && !o->dead && o->state >= IKE_S_ESTABLISHED &&
	       o->peer_id_type == sa->peer_id_type && o->peer_id_len == sa->peer_id_len &&
	       (!o->peer_id_len || !memcmp(o->peer_id, sa->peer_id, o->peer_id_len));
}

/*
 * RFC 7296 2.4: INITIAL_CONTACT says the peer has no other IKE SA with us
 * (it restarted). Ours with the same identity are stale: close them, and
 * their CHILD SAs, without a Delete the peer could not recognise.
 */
static void initial_contact(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_sa *o, *next;

	for (o = LIST_FIRST(&sa->conn->sas); o; o = next) {
		next = LIST_NEXT(o, conn_entry);
		if (other_sa_with_peer(sa, o))
			ike_sa_close(e, o, "replaced: the peer restarted (INITIAL_CONTACT)");
	}
}

static void established(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m,
			const struct ike_id_pl *peer)
{
	sa->state = IKE_S_ESTABLISHED;
	sa->established_ms = ike_now(e);
	ike_timer_disarm(e, &sa->t_sa);
	ike_sa_set_peer_id(sa, peer->type, peer->data.ptr, peer->data.len);
	ike_log_sa(e, IKE_LOG_INFO, sa, "IKE SA established (SPIs %016llx_i %016llx_r)",
		   (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r);
	ike_event(e, IKE_EV_IKE_UP, sa, NULL, 0, NULL);
	ike_sa_lifetimes_arm(e, sa);
	if (ike_msg_notify(m, IKE_N_INITIAL_CONTACT))
		initial_contact(e, sa);
}

/* We send INITIAL_CONTACT while we have no established IKE SA on this
 * connection, as after a start or a crash, so the peer drops its stale
 * ones (strongSwan does). */
static bool first_contact(const struct ike_sa *sa)
{
	const struct ike_sa *o;

	LIST_FOREACH(o, &sa->conn->sas, conn_entry)
		if (o != sa && !o->dead && o->state >= IKE_S_ESTABLISHED)
			return false;
	return true;
}

/* ---- initiator ---- */

int ike_auth_start(struct ike_engine *e, struct ike_sa *sa)
{
	const struct ike_conn_child *cc = &sa->conn->children[sa->ho->child_cfg];
	struct ike_proposal *props;
	struct ike_ts lts[IKE_MAX_TS], rts[IKE_MAX_TS];
	size_t n_lts = 0, n_rts = 0;
	struct ike_writer w;
	struct ike_builder b;
	uint8_t first, spi[4];
	uint32_t spi_in = 0;
	int rc;

	if (!sa->conn->psk) {
		ike_log_sa(e, IKE_LOG_ERROR, sa, "no pre-shared key configured");
		return -ENOKEY;
	}
	if (resolve_ts(sa, cc, true, lts, &n_lts) || resolve_ts(sa, cc, false, rts, &n_rts)) {
		ike_log_sa(e, IKE_LOG_ERROR, sa, "cannot resolve the traffic selectors of %s",
			   cc->cfg.name);
		return -EINVAL;
	}
	rc = e->env.alloc_spi(e->env.ctx, &sa->remote, &sa->local, &spi_in);
	if (rc || !spi_in) {
		ike_log_sa(e, IKE_LOG_ERROR, sa, "cannot allocate an SPI");
		return rc ? rc : -EIO;
	}
	sa->ho->child_spi_in = spi_in;
	props = malloc(cc->n_esp * sizeof(*props));
	if (!props)
		return -ENOMEM;
	memcpy(props, cc->esp, cc->n_esp * sizeof(*props));
	for (size_t i = 0; i < cc->n_esp; i++) {
		props[i].spi_len = 4;
		memcpy(props[i].spi, spi_bytes(spi_in, spi), 4);
	}
	ike_writer_init(&w);
	w.wipe = true;
	ike_build_begin_inner(&b, &w);
	if (!add_id_auth(&b, sa, true))
		ike_writer_fail(&w, -EINVAL);
	if (first_contact(sa))
		ike_add_notify(&b, 0, NULL, 0, IKE_N_INITIAL_CONTACT, NULL, 0);
	if (cc->cfg.mode == IKE_MODE_TRANSPORT)
		ike_add_notify(&b, 0, NULL, 0, IKE_N_USE_TRANSPORT_MODE, NULL, 0);
	ike_add_sa(&b, props, cc->n_esp);
	ike_add_ts(&b, IKE_PL_TSI, lts, n_lts);
	ike_add_ts(&b, IKE_PL_TSR, rts, n_rts);
	rc = ike_build_end_inner(&b, &first);
	free(props);
	if (!rc)
		rc = ike_send_protected(e, sa, IKE_AUTH, false, 0, &w, first, IKE_REQ_AUTH);
	ike_writer_free(&w);
	if (!rc)
		sa->state = IKE_S_AUTH_SENT;
	return rc;
}

/* The CHILD_SA of the IKE_AUTH response. Returns the notify that made it
 * fail (0: installed); the IKE SA stays either way. */
static uint16_t initiator_child(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m,
				const char **why)
{
	const struct ike_conn_child *cc = &sa->conn->children[sa->ho->child_cfg];
	struct ike_ts lts[IKE_MAX_TS], rts[IKE_MAX_TS], got_l[IKE_MAX_TS], got_r[IKE_MAX_TS];
	size_t n_lts = 0, n_rts = 0, n_gl, n_gr;
	struct ike_proposal *offered, reply;
	struct ike_sa_iter it;
	struct ike_selected sel;
	struct ike_child *c;
	uint8_t spi[4];
	int rc;

	for (size_t i = 0; i < m->n_notify; i++) {
		if (m->notify[i].type <= IKE_N_ERROR_MAX) {
			*why = "peer refused the CHILD_SA";
			return m->notify[i].type;
		}
	}
	if ((m->encrypted &
	     (IKE_PL_BIT(IKE_PL_SA) | IKE_PL_BIT(IKE_PL_TSI) | IKE_PL_BIT(IKE_PL_TSR))) !=
	    (IKE_PL_BIT(IKE_PL_SA) | IKE_PL_BIT(IKE_PL_TSI) | IKE_PL_BIT(IKE_PL_TSR))) {
		*why = "IKE_AUTH response without SA, TSi or TSr";
		return IKE_N_INVALID_SYNTAX;
	}
	if (m->sa.n_proposals != 1) {
		*why = "the responder's SA payload must hold one proposal";
		return IKE_N_INVALID_SYNTAX;
	}
	ike_sa_iter_init(&it, &m->sa);
	if (!ike_sa_iter_next(&it, &reply)) {
		*why = "unreadable SA payload";
		return IKE_N_INVALID_SYNTAX;
	}
	offered = malloc(cc->n_esp * sizeof(*offered));
	if (!offered) {
		*why = "out of memory";
		return IKE_N_NO_PROPOSAL_CHOSEN;
	}
	memcpy(offered, cc->esp, cc->n_esp * sizeof(*offered));
	for (size_t i = 0; i < cc->n_esp; i++) {
		offered[i].spi_len = 4;
		memcpy(offered[i].spi, spi_bytes(sa->ho->child_spi_in, spi), 4);
	}
	rc = ike_proposal_check_reply(offered, cc->n_esp, &reply, 1, &sel);
	free(offered);
	if (rc || sel.spi_len != 4) {
		*why = "the responder chose an ESP proposal we did not offer";
		return IKE_N_NO_PROPOSAL_CHOSEN;
	}
	resolve_ts(sa, cc, true, lts, &n_lts);
	resolve_ts(sa, cc, false, rts, &n_rts);
	n_gl = ike_ts_decode(&m->tsi, got_l, IKE_MAX_TS);
	n_gr = ike_ts_decode(&m->tsr, got_r, IKE_MAX_TS);
	if (!n_gl || !n_gr || ike_ts_check_narrowed(lts, n_lts, got_l, n_gl) ||
	    ike_ts_check_narrowed(rts, n_rts, got_r, n_gr)) {
		*why = "the responder's traffic selectors are not within ours";
		return IKE_N_TS_UNACCEPTABLE;
	}
	if (cc->cfg.mode == IKE_MODE_TRANSPORT && !ike_msg_notify(m, IKE_N_USE_TRANSPORT_MODE)) {
		/* RFC 7296 1.3.1: tunnel mode instead is ours to refuse. */
		*why = "the responder refused transport mode";
		c = ike_child_new(e, sa, 0, 0);
		if (c) {
			c->spi_in = sa->ho->child_spi_in;
			c->spi_out = (uint32_t)sel.spi[0] << 24 | sel.spi[1] << 16 |
				     sel.spi[2] << 8 | sel.spi[3];
			c->cfg_idx = (uint16_t)sa->ho->child_cfg;
			c->delete_pending = true; /* it exists at the peer */
		}
		return IKE_N_NO_PROPOSAL_CHOSEN;
	}
	c = new_child(e, sa, (uint16_t)sa->ho->child_cfg,
		      cc->cfg.mode == IKE_MODE_TRANSPORT ? IKE_MODE_TRANSPORT : IKE_MODE_TUNNEL,
		      got_l, n_gl, got_r, n_gr);
	if (!c) {
		*why = "out of memory";
		return IKE_N_NO_PROPOSAL_CHOSEN;
	}
	c->cfg_idx = (uint16_t)sa->ho->child_cfg;
	c->sel = sel;
	c->mode = cc->cfg.mode == IKE_MODE_TRANSPORT ? IKE_MODE_TRANSPORT : IKE_MODE_TUNNEL;
	c->spi_in = sa->ho->child_spi_in;
	c->spi_out = (uint32_t)sel.spi[0] << 24 | sel.spi[1] << 16 | sel.spi[2] << 8 | sel.spi[3];
	memcpy(c->ts, got_l, n_gl * sizeof(struct ike_ts));
	memcpy(c->ts + n_gl, got_r, n_gr * sizeof(struct ike_ts));
	rc = ike_child_install(e, sa, c, true, NULL, 0, sa->ho->ni, sa->ho->ni_len, sa->ho->nr,
			       sa->ho->nr_len);
	if (rc) {
		*why = "the kernel refused the CHILD_SA";
		c->delete_pending = true; /* the peer has it: tell it */
		return IKE_N_NO_PROPOSAL_CHOSEN;
	}
	return 0;
}

enum ike_verdict ike_auth_on_response(struct ike_engine *e, struct ike_sa *sa, struct ike_rx *rx)
{
	const struct ike_msg *m = &rx->m;
	const char *why = NULL;
	char reason[128];
	uint16_t n;

	if (!(m->encrypted & IKE_PL_BIT(IKE_PL_AUTH)) || !(m->encrypted & IKE_PL_BIT(IKE_PL_IDR))) {
		n = IKE_N_AUTHENTICATION_FAILED;
		for (size_t i = 0; i < m->n_notify; i++)
			if (m->notify[i].type <= IKE_N_ERROR_MAX) {
				n = m->notify[i].type;
				break;
			}
		snprintf(reason, sizeof(reason), "peer refused IKE_AUTH with %s",
			 ike_notify_name(n));
		return ike_sa_fail(e, sa, n, reason);
	}
	if (!id_acceptable(sa, &m->idr) || !auth_ok(sa, false, m, &m->idr)) {
		why = !id_acceptable(sa, &m->idr) ? "peer identity does not match remote_id"
						  : "peer's AUTH payload does not verify";
		ike_log_sa(e, IKE_LOG_WARN, sa, "%s: sending AUTHENTICATION_FAILED", why);
		/* RFC 7296 2.21.2: a separate INFORMATIONAL, then we are done. */
		ike_info_send_notify_once(e, sa, IKE_N_AUTHENTICATION_FAILED);
		return ike_sa_fail(e, sa, IKE_N_AUTHENTICATION_FAILED, why);
	}
	established(e, sa, m, &m->idr);
	n = initiator_child(e, sa, m, &why);
	if (n) {
		snprintf(reason, sizeof(reason), "CHILD_SA %s failed: %s",
			 sa->conn->children[sa->ho->child_cfg].cfg.name, why);
		ike_log_sa(e, IKE_LOG_WARN, sa, "%s (%s)", reason, ike_notify_name(n));
		ike_event_named(e, IKE_EV_FAILED, sa,
				sa->conn->children[sa->ho->child_cfg].cfg.name, 0, n, reason);
		if (sa->reauth_of) {
			/* The old IKE SA still carries the traffic: keep it. */
			ike_log_sa(e, IKE_LOG_WARN, sa,
				   "reauthentication of IKE SA [%u] failed: deleting this one",
				   sa->reauth_of);
			sa->reauth_of = 0;
			sa->pending_delete = true;
		}
	} else if (sa->reauth_of) {
		ike_reauth_established(e, sa);
	}
	ike_sa_half_open_free(e, sa);
	return IKE_KEEP;
}

/* ---- responder ---- */

/* Chooses the child config and builds the CHILD_SA. Returns 0, or the
 * notify to send instead (why says more). */
static uint16_t responder_child(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m,
				struct ike_child **out, const char **why)
{
	struct ike_ts tsi[IKE_MAX_TS], tsr[IKE_MAX_TS], cfg[IKE_MAX_TS];
	struct ike_ts nl[IKE_MAX_TS], nr[IKE_MAX_TS];
	size_t n_tsi, n_tsr, n_cfg, n_nl = 0, n_nr = 0;
	struct ike_proposal *peer;
	struct ike_selected sel;
	struct ike_sa_iter it;
	struct ike_child *c;
	size_t n_peer = 0;
	uint16_t fail = IKE_N_NO_PROPOSAL_CHOSEN;
	int idx = -1;
	uint32_t spi_in = 0;
	uint8_t mode;

	*why = "no acceptable ESP proposal";
	peer = malloc(IKE_MAX_PROPOSALS * sizeof(*peer));
	if (!peer)
		return IKE_N_NO_PROPOSAL_CHOSEN;
	ike_sa_iter_init(&it, &m->sa);
	while (n_peer < IKE_MAX_PROPOSALS && n_peer < m->sa.n_proposals &&
	       ike_sa_iter_next(&it, &peer[n_peer]))
		n_peer++;
	n_tsi = ike_ts_decode(&m->tsi, tsi, IKE_MAX_TS);
	n_tsr = ike_ts_decode(&m->tsr, tsr, IKE_MAX_TS);
	for (size_t i = 0; i < sa->conn->cfg.n_children && idx < 0; i++) {
		const struct ike_conn_child *cc = &sa->conn->children[i];

		if (ike_proposal_select(cc->esp, cc->n_esp, peer, n_peer, IKE_SELECT_SKIP_DH,
					&sel) ||
		    sel.spi_len != 4)
			continue;
		/* TSi is the peer's side: our remote selectors. */
		if (resolve_ts(sa, cc, false, cfg, &n_cfg) ||
		    ike_ts_narrow(tsi, n_tsi, cfg, n_cfg, nr, IKE_MAX_TS, &n_nr) ||
		    resolve_ts(sa, cc, true, cfg, &n_cfg) ||
		    ike_ts_narrow(tsr, n_tsr, cfg, n_cfg, nl, IKE_MAX_TS, &n_nl)) {
			fail = IKE_N_TS_UNACCEPTABLE;
			*why = "traffic selectors unacceptable";
			continue;
		}
		idx = (int)i;
	}
	free(peer);
	if (idx < 0)
		return fail;
	if (e->env.alloc_spi(e->env.ctx, &sa->remote, &sa->local, &spi_in) || !spi_in) {
		*why = "cannot allocate an SPI";
		return IKE_N_NO_PROPOSAL_CHOSEN;
	}
	mode = ike_msg_notify(m, IKE_N_USE_TRANSPORT_MODE) &&
			       sa->conn->children[idx].cfg.mode == IKE_MODE_TRANSPORT
		   ? IKE_MODE_TRANSPORT
		   : IKE_MODE_TUNNEL;
	c = new_child(e, sa, (uint16_t)idx, mode, nl, n_nl, nr, n_nr);
	if (!c) {
		*why = "out of memory";
		return IKE_N_NO_PROPOSAL_CHOSEN;
	}
	c->cfg_idx = (uint16_t)idx;
	c->sel = sel;
	c->spi_in = spi_in;
	c->spi_out = (uint32_t)sel.spi[0] << 24 | sel.spi[1] << 16 | sel.spi[2] << 8 | sel.spi[3];
	c->mode = mode;
	memcpy(c->ts, nl, n_nl * sizeof(struct ike_ts));
	memcpy(c->ts + n_nl, nr, n_nr * sizeof(struct ike_ts));
	if (ike_child_install(e, sa, c, false, NULL, 0, sa->ho->ni, sa->ho->ni_len, sa->ho->nr,
			      sa->ho->nr_len)) {
		ike_child_free(e, c, "install failed");
		*why = "the kernel refused the CHILD_SA";
		return IKE_N_NO_PROPOSAL_CHOSEN;
	}
	*out = c;
	return 0;
}

enum ike_verdict ike_auth_on_request(struct ike_engine *e, struct ike_sa *sa, struct ike_rx *rx)
{
	const struct ike_msg *m = &rx->m;
	struct ike_child *c = NULL;
	struct ike_proposal prop;
	struct ike_writer w;
	struct ike_builder b;
	const char *why = NULL;
	uint8_t first, spi[4];
	uint16_t child_err;
	int rc;

	if (!id_acceptable(sa, &m->idi) || !auth_ok(sa, true, m, &m->idi)) {
		why = !id_acceptable(sa, &m->idi) ? "peer identity does not match remote_id"
						  : "peer's AUTH payload does not verify";
		ike_log_sa(e, IKE_LOG_WARN, sa, "%s: answering AUTHENTICATION_FAILED", why);
		ike_respond_notify(e, sa, rx, IKE_N_AUTHENTICATION_FAILED, NULL, 0);
		return ike_sa_fail(e, sa, IKE_N_AUTHENTICATION_FAILED, why);
	}
	/* Authenticated: the SA must no longer be found as half-open. */
	established(e, sa, m, &m->idi);
	child_err = responder_child(e, sa, m, &c, &why);
	if (child_err)
		ike_log_sa(e, IKE_LOG_WARN, sa, "CHILD_SA refused with %s: %s",
			   ike_notify_name(child_err), why);

	ike_writer_init(&w);
	w.wipe = true;
	ike_build_begin_inner(&b, &w);
	if (!add_id_auth(&b, sa, false))
		ike_writer_fail(&w, -EINVAL);
	if (child_err) {
		ike_add_notify(&b, 0, NULL, 0, child_err, NULL, 0);
	} else {
		if (c->mode == IKE_MODE_TRANSPORT)
			ike_add_notify(&b, 0, NULL, 0, IKE_N_USE_TRANSPORT_MODE, NULL, 0);
		if (ike_selected_to_proposal(&c->sel, spi_bytes(c->spi_in, spi), 4, &prop))
			ike_writer_fail(&w, -EINVAL);
		ike_add_sa(&b, &prop, 1);
		/* TSi is the initiator's side: our remote one. */
		ike_add_ts(&b, IKE_PL_TSI, c->ts + c->n_lts, c->n_rts);
		ike_add_ts(&b, IKE_PL_TSR, c->ts, c->n_lts);
	}
	rc = ike_build_end_inner(&b, &first);
	if (!rc)
		rc = ike_send_protected(e, sa, IKE_AUTH, true, m->hdr.msg_id, &w, first,
					IKE_REQ_NONE);
	ike_writer_free(&w);
	ike_sa_half_open_free(e, sa);
	if (rc)
		return ike_sa_close(e, sa, "cannot answer IKE_AUTH");
	return IKE_KEEP;
}
