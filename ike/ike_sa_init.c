// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IKE_SA_INIT (RFC 7296 1.2): proposals, key exchange, nonces, and the
 * keys of the IKE SA. The responder keeps no state for a request it
 * refuses (NO_PROPOSAL_CHOSEN, INVALID_KE_PAYLOAD): those answers are
 * unprotected and stateless.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ike/auth_cert.h"
#include "ike/crypto.h"
#include "ike/dh.h"
#include "ike/dos.h"
#include "ike/engine.h"
#include "ike/proposal.h"
#include "ike/wire.h"

int ike_nat_hash(uint64_t spi_i, uint64_t spi_r, const struct ike_addr *a, uint8_t out[20])
{
	uint8_t buf[8 + 8 + 16 + 2];
	size_t n = 16;
	unsigned int len = 0;

	ike_be64(buf, spi_i);
	ike_be64(buf + 8, spi_r);
	if (a->family == AF_INET6) {
		memcpy(buf + n, a->ip, 16);
		n += 16;
	} else {
		/* An unknown local address hashes as 0.0.0.0: the peer then
		 * sees a NAT, which is the safe conclusion. */
		memcpy(buf + n, a->ip, 4);
		n += 4;
	}
	buf[n++] = (uint8_t)(a->port >> 8);
	buf[n++] = (uint8_t)a->port;
	if (!EVP_Digest(buf, n, out, &len, EVP_sha1(), NULL) || len != 20)
		return -EIO;
	return 0;
}

static void add_nat_notifies(struct ike_engine *e, struct ike_builder *b, const struct ike_sa *sa)
{
	uint8_t h[20];
	int rc = 0;

	/* encap = yes: a source hash that matches nothing makes the peer see
	 * a NAT in front of us, so both sides encapsulate (as strongSwan). */
	if (sa->conn->cfg.encap)
		e->env.random(e->env.ctx, h, sizeof(h));
	else
		rc = ike_nat_hash(sa->spi_i, sa->spi_r, &sa->local, h);
	if (!rc)
		ike_add_notify(b, 0, NULL, 0, IKE_N_NAT_DETECTION_SOURCE_IP, h, sizeof(h));
	if (!ike_nat_hash(sa->spi_i, sa->spi_r, &sa->remote, h))
		ike_add_notify(b, 0, NULL, 0, IKE_N_NAT_DETECTION_DESTINATION_IP, h, sizeof(h));
}

/* RFC 7296 2.23: the peer's DESTINATION hash is of the address it sent to
 * (ours, unless a NAT rewrote it); any of its SOURCE hashes may be of the
 * address we received from. */
static void check_nat(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_notify *dst = ike_msg_notify(m, IKE_N_NAT_DETECTION_DESTINATION_IP);
	bool src_match = false, any_src = false, dst_match = false;
	/* As in that message's header: SPIr is zero in the request. */
	uint64_t spi_i = m->hdr.spi_i, spi_r = m->hdr.spi_r;
	uint8_t h[20];

	for (size_t i = 0; i < m->n_notify; i++) {
		const struct ike_notify *n = &m->notify[i];

		if (n->type != IKE_N_NAT_DETECTION_SOURCE_IP)
			continue;
		any_src = true;
		if (n->data.len == 20 && !ike_nat_hash(spi_i, spi_r, &sa->remote, h) &&
		    !memcmp(h, n->data.ptr, 20))
			src_match = true;
	}
	if (dst && dst->data.len == 20 && !ike_nat_hash(spi_i, spi_r, &sa->local, h) &&
	    !memcmp(h, dst->data.ptr, 20))
		dst_match = true;
	if (!any_src || !dst) {
		ike_nat_detected(e, sa, false, false, false);
		return;
	}
	ike_nat_detected(e, sa, true, !dst_match, !src_match);
}

static void algs_of(const struct ike_selected *sel, struct ike_sa_algs *algs)
{
	memset(algs, 0, sizeof(*algs));
	algs->encr = sel->encr;
	algs->encr_key_bits = sel->encr_key_len;
	algs->prf = sel->prf;
	algs->integ = IKE_SEL_HAS(sel, IKE_TRANS_INTEG) ? sel->integ : IKE_INTEG_NONE;
}

/* SKEYSEED and the SK_* of the SA, from ho->dh's g^ir and both nonces. */
static int derive_keys(struct ike_sa *sa)
{
	struct ike_half_open *ho = sa->ho;
	struct ike_sa_algs algs;
	uint8_t spi_i[8], spi_r[8];
	const uint8_t *gir;
	size_t gir_len = 0;
	int rc;

	algs_of(&sa->sel, &algs);
	gir = ike_dh_shared(ho->dh, &gir_len);
	if (!gir)
		return -EINVAL;
	ike_be64(spi_i, sa->spi_i);
	ike_be64(spi_r, sa->spi_r);
	rc = ike_sa_keys_derive(&sa->keys, &algs, gir, gir_len, ho->ni, ho->ni_len, ho->nr,
				ho->nr_len, spi_i, spi_r);
	/* The private value and g^ir are of no further use. */
	ike_dh_free(ho->dh);
	ho->dh = NULL;
	if (rc)
		return rc;
	sa->keys_valid = true;
	return 0;
}

/* What we offer: the connection's proposals with the KE group first. */
static struct ike_proposal *offered_ike(const struct ike_sa *sa, size_t *n)
{
	const struct ike_conn *c = sa->conn;
	struct ike_proposal *p = malloc(c->n_ike * sizeof(*p));

	if (!p)
		return NULL;
	memcpy(p, c->ike, c->n_ike * sizeof(*p));
	if (sa->ho->dh_group != ike_proposals_preferred_dh(p, c->n_ike))
		ike_proposals_promote_dh(p, c->n_ike, sa->ho->dh_group);
	*n = c->n_ike;
	return p;
}

int ike_sa_init_start(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_half_open *ho = sa->ho;
	struct ike_proposal *props;
	struct ike_writer w;
	struct ike_builder b;
	struct ike_hdr h;
	const uint8_t *pub;
	size_t n_props, pub_len = 0;
	int rc;

	if (!ho->dh_group)
		ho->dh_group = ike_proposals_preferred_dh(sa->conn->ike, sa->conn->n_ike);
	/* Sent again with a COOKIE, the request keeps its KE and nonce (RFC
	 * 7296 2.6: the cookie is bound to Ni); after INVALID_KE_PAYLOAD the
	 * caller dropped the old value. */
	if (!ho->dh) {
		rc = ike_new_dh(e, &ho->dh, ho->dh_group);
		if (rc) {
			ike_log_sa(e, IKE_LOG_ERROR, sa,
				   "cannot make a key exchange value for group %u", ho->dh_group);
			return rc;
		}
		ho->ni_len = IKE_NONCE_LEN;
		e->env.random(e->env.ctx, ho->ni, ho->ni_len);
	}
	pub = ike_dh_public(ho->dh, &pub_len);
	props = offered_ike(sa, &n_props);
	if (!props)
		return -ENOMEM;
	sa->spi_r = 0;
	sa->msgid_next = 0;
	ike_sa_hdr(sa, &h, IKE_SA_INIT, false, 0);
	ike_writer_init(&w);
	ike_build_begin(&b, &w, &h);
	if (ho->cookie_len)
		ike_add_notify(&b, 0, NULL, 0, IKE_N_COOKIE, ho->cookie, ho->cookie_len);
	ike_add_sa(&b, props, n_props);
	ike_add_ke(&b, ho->dh_group, pub, pub_len);
	ike_add_nonce(&b, ho->ni, ho->ni_len);
	add_nat_notifies(e, &b, sa);
	ike_frag_add_notify(&b, sa->conn, NULL);
	ike_auth_add_init_payloads(e, &b, sa, NULL);
	rc = ike_build_end(&b);
	free(props);
	if (!rc) {
		free(ho->msg1);
		ho->msg1 = malloc(w.len);
		ho->msg1_len = w.len;
		rc = ho->msg1 ? 0 : -ENOMEM;
	}
	if (!rc) {
		memcpy(ho->msg1, w.buf, w.len);
		ike_sa_set_state(e, sa, IKE_S_INIT_SENT, "IKE_SA_INIT sent");
		ike_log_sa(e, IKE_LOG_INFO, sa, "initiating IKE_SA (SPI %016llx, group %u)",
			   (unsigned long long)sa->spi_i, ho->dh_group);
		rc = ike_send_request_plain(e, sa, w.buf, w.len, IKE_REQ_SA_INIT);
	}
	ike_writer_free(&w);
	return rc;
}

struct ike_proposal *ike_read_proposals(const struct ike_sa_pl *pl, size_t max, size_t *n)
{
	struct ike_proposal *p;
	struct ike_sa_iter it;

	*n = 0;
	if (!pl->n_proposals)
		return NULL;
	if (max > pl->n_proposals)
		max = pl->n_proposals;
	p = malloc(max * sizeof(*p));
	if (!p)
		return NULL;
	ike_sa_iter_init(&it, pl);
	while (*n < max && ike_sa_iter_next(&it, &p[*n]))
		(*n)++;
	return p;
}

/* ---- responder ---- */

/* A refusal of an IKE_SA_INIT request: one line (at most one a second per
 * class, then a summary) and an unprotected notify (rate-limited). */
static void refuse_as(struct ike_engine *e, struct ike_rx *rx, bool log, uint16_t notify,
		      const void *data, size_t len, const char *why)
{
	char peer[IKE_ADDR_STR_LEN];

	if (log)
		ike_log(e, IKE_LOG_INFO, "%s[-] %s: IKE_SA_INIT refused%s%s: %s",
			rx->conn ? rx->conn->name : "-",
			ike_addr_str(&rx->remote, peer, sizeof(peer)), notify ? " with " : "",
			notify ? ike_notify_name(notify) : "", why);
	if (notify)
		ike_sa_init_reply_notify(e, rx, notify, data, len);
}

static void refuse(struct ike_engine *e, struct ike_rx *rx, enum ike_lc_class cls, uint16_t notify,
		   const void *data, size_t len, const char *why)
{
	refuse_as(e, rx, ike_lc(e, cls, &rx->remote), notify, data, len, why);
}

/* RFC 7296 2.6: when a COOKIE is required, only a request carrying a valid
 * one gets further; the others get a COOKIE and cost nothing more. A COOKIE
 * sent when none is required is not looked at (as strongSwan): a stale one
 * from before a restart must not lock a peer out. */
static bool cookie_ok(struct ike_engine *e, struct ike_rx *rx)
{
	const struct ike_msg *m = &rx->m;
	const struct ike_notify *n;
	uint8_t cookie[IKE_COOKIE_LEN];

	if (!ike_cookie_required(e, &rx->remote))
		return true;
	n = ike_msg_notify(m, IKE_N_COOKIE);
	if (n && ike_cookie_valid(e, n->data.ptr, n->data.len, m->hdr.spi_i, m->nonce.ptr,
				  m->nonce.len, &rx->remote)) {
		e->dos->st.cookies_accepted++;
		return true;
	}
	if (n)
		e->dos->st.cookies_refused++;
	if (ike_cookie_make(e, m->hdr.spi_i, m->nonce.ptr, m->nonce.len, &rx->remote, cookie))
		return false;
	e->dos->st.cookies_sent++;
	refuse(e, rx, IKE_LC_COOKIE, IKE_N_COOKIE, cookie, sizeof(cookie),
	       n ? "invalid or stale COOKIE" : "busy, asking for a COOKIE");
	return false;
}

/*
 * Whether to take an IKE_SA_INIT request on, decided before anything is
 * allocated or any key made, cheapest and most telling first: the COOKIE,
 * a connection for the peer, a proposal, the KE group, the KE value, the
 * source's share of half-open SAs, then room in the table (evicting the
 * oldest SA of the busiest source). Refusals are answered and logged here.
 */
static bool acceptable(struct ike_engine *e, struct ike_rx *rx, struct ike_selected *sel)
{
	const struct ike_msg *m = &rx->m;
	struct ike_proposal *peer;
	size_t n_peer;
	int rc;

	if (!cookie_ok(e, rx))
		return false;
	rx->conn = ike_conn_for_peer(e, &rx->local, &rx->remote);
	if (!rx->conn) {
		bool log = ike_lc(e, IKE_LC_NO_CONN, &rx->remote);
		char local[IKE_ADDR_STR_LEN];

		/* the address it came to: which local_addrs to look at */
		if (log)
			snprintf(e->diag, sizeof(e->diag),
				 "no connection for this peer: received on %s, and no "
				 "connection's remote_addrs and local_addrs match the pair",
				 ike_addr_str(&rx->local, local, sizeof(local)));
		refuse_as(e, rx, log, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0, e->diag);
		return false;
	}
	peer = ike_read_proposals(&m->sa, IKE_MAX_PROPOSALS, &n_peer);
	rc = peer ? ike_proposal_select(rx->conn->ike, rx->conn->n_ike, peer, n_peer, 0, sel)
		  : -ENOENT;
	if (rc || !IKE_SEL_HAS(sel, IKE_TRANS_DH) || !sel->dh) {
		/* both lists, formatted only when the limiter lets the line out */
		bool log = ike_lc(e, IKE_LC_NO_PROPOSAL, &rx->remote);

		refuse_as(e, rx, log, IKE_N_NO_PROPOSAL_CHOSEN, NULL, 0,
			  log ? ike_diag_ike_proposals(e, rx->conn, peer, n_peer) : NULL);
		free(peer);
		return false;
	}
	free(peer);
	if (m->ke.group != sel->dh) {
		uint8_t g[2] = { (uint8_t)(sel->dh >> 8), (uint8_t)sel->dh };
		bool log = ike_lc(e, IKE_LC_KE_GROUP, &rx->remote);

		if (log)
			snprintf(e->diag, sizeof(e->diag),
				 "the peer's key exchange is %s (group %u), we selected %s (group "
				 "%u) among its proposals",
				 ike_diag_group(m->ke.group), m->ke.group, ike_diag_group(sel->dh),
				 sel->dh);
		refuse_as(e, rx, log, IKE_N_INVALID_KE_PAYLOAD, g, sizeof(g), e->diag);
		return false;
	}
	rc = ike_dh_check_public(sel->dh, m->ke.data.ptr, m->ke.data.len);
	if (rc) {
		refuse(e, rx, IKE_LC_KE_VALUE, IKE_N_INVALID_SYNTAX, NULL, 0,
		       rc == -EINVAL ? "invalid key exchange value" : "key exchange failed");
		return false;
	}
	if (ike_dos_src_count(e, &rx->remote) >= e->opts.half_open_max_ip) {
		refuse(e, rx, IKE_LC_SOURCE_FULL, 0, NULL, 0,
		       "too many half-open IKE SAs from this source");
		return false;
	}
	/* about what the SA will hold: two copies of each message and more */
	if (!ike_dos_make_room(e, (uint32_t)(rx->len * 4 + 2048))) {
		refuse(e, rx, IKE_LC_SOURCE_FULL, 0, NULL, 0, "no room for half-open IKE SAs");
		return false;
	}
	return true;
}

enum ike_verdict ike_sa_init_on_request(struct ike_engine *e, struct ike_sa *unused,
					struct ike_rx *rx)
{
	const struct ike_msg *m = &rx->m;
	struct ike_selected sel;
	struct ike_proposal reply;
	struct ike_half_open *ho;
	struct ike_writer w;
	struct ike_builder b;
	struct ike_hdr h;
	struct ike_sa *sa;
	const uint8_t *pub;
	size_t pub_len = 0;
	int rc;

	(void)unused;
	if (!acceptable(e, rx, &sel))
		return IKE_GONE;
	sa = ike_sa_new(e, rx->conn, false, &rx->local, &rx->remote);
	if (!sa)
		return IKE_GONE;
	ho = sa->ho;
	sa->spi_i = m->hdr.spi_i;
	sa->sel = sel;
	rc = ike_new_dh(e, &ho->dh, sel.dh);
	if (!rc)
		rc = ike_dh_compute(ho->dh, m->ke.data.ptr, m->ke.data.len);
	if (rc) {
		refuse(e, rx, IKE_LC_KE_VALUE, IKE_N_INVALID_SYNTAX, NULL, 0,
		       rc == -EINVAL ? "invalid key exchange value" : "key exchange failed");
		ike_sa_free(e, sa);
		return IKE_GONE;
	}
	memcpy(ho->ni, m->nonce.ptr, m->nonce.len);
	ho->ni_len = (uint16_t)m->nonce.len;
	ho->nr_len = IKE_NONCE_LEN;
	e->env.random(e->env.ctx, ho->nr, ho->nr_len);
	pub = ike_dh_public(ho->dh, &pub_len);

	ike_sa_hdr(sa, &h, IKE_SA_INIT, true, 0);
	ike_writer_init(&w);
	ike_build_begin(&b, &w, &h);
	if (ike_selected_to_proposal(&sel, NULL, 0, &reply))
		ike_writer_fail(&w, -EINVAL);
	ike_add_sa(&b, &reply, 1);
	ike_add_ke(&b, sel.dh, pub, pub_len);
	ike_add_nonce(&b, ho->nr, ho->nr_len);
	add_nat_notifies(e, &b, sa);
	ike_frag_add_notify(&b, rx->conn, m);
	if (rx->conn->cfg.childless != IKE_CHILDLESS_NEVER)
		ike_add_notify(&b, 0, NULL, 0, IKE_N_CHILDLESS_IKEV2_SUPPORTED, NULL, 0);
	ike_auth_add_init_payloads(e, &b, sa, m);
	rc = ike_build_end(&b);
	if (!rc)
		rc = derive_keys(sa);
	if (!rc) {
		ho->msg1 = malloc(rx->len);
		ho->msg2 = malloc(w.len);
		rc = ho->msg1 && ho->msg2 ? 0 : -ENOMEM;
	}
	if (rc) {
		ike_log_sa(e, IKE_LOG_ERROR, sa, "cannot answer IKE_SA_INIT: %s", strerror(-rc));
		ike_writer_free(&w);
		ike_sa_free(e, sa);
		return IKE_GONE;
	}
	memcpy(ho->msg1, rx->pkt, rx->len);
	ho->msg1_len = rx->len;
	memcpy(ho->msg2, w.buf, w.len);
	ho->msg2_len = w.len;
	/* Counted (status) and logged at most once a second: the lines of
	 * the SAs beyond that go out at debug (sa.h: log_quiet). */
	sa->log_quiet = !ike_lc(e, IKE_LC_ANSWERED, &sa->remote);
	check_nat(e, sa, m);
	ike_frag_note_peer(sa, m);
	ike_auth_note_init(sa, m);
	/* The response is kept for a retransmitted request; the buffer
	 * moves to the SA. */
	free(sa->resp_pkt);
	sa->resp_pkt = w.buf;
	sa->resp_len = (uint32_t)w.len;
	sa->msgid_peer = 1;
	ike_sa_set_state(e, sa, IKE_S_INIT_RCVD, "IKE_SA_INIT answered");
	if (ike_sa_half_open_add(e, sa)) {
		ike_log_sa(e, IKE_LOG_ERROR, sa, "cannot answer IKE_SA_INIT: out of memory");
		ike_sa_free(e, sa);
		return IKE_GONE;
	}
	ike_timer_arm(e, &sa->t_sa, ike_now(e) + e->opts.half_open_timeout_ms);
	if (ike_log_on(e, sa->log_quiet ? IKE_LOG_DEBUG : IKE_LOG_INFO)) {
		char algs[128];

		ike_selected_format(&sel, 0, algs, sizeof(algs));
		ike_log_sa(e, IKE_LOG_INFO, sa, "IKE_SA_INIT answered, selected %s", algs);
	}
	ike_ctr_sent_plain(e, sa->conn, sa->resp_pkt, sa->resp_len);
	ike_send_raw(e, sa, sa->resp_pkt, sa->resp_len);
	return IKE_KEEP;
}

/* ---- initiator ---- */

static enum ike_verdict on_error_notify(struct ike_engine *e, struct ike_sa *sa,
					const struct ike_msg *m)
{
	const struct ike_notify *n = ike_msg_notify(m, IKE_N_INVALID_KE_PAYLOAD);
	struct ike_half_open *ho = sa->ho;

	if (n) {
		uint16_t g =
		    n->data.len == 2 ? (uint16_t)(n->data.ptr[0] << 8 | n->data.ptr[1]) : 0;

		if (!g || g == ho->dh_group ||
		    !ike_proposals_have_dh(sa->conn->ike, sa->conn->n_ike, g))
			return ike_sa_fail(e, sa, IKE_N_INVALID_KE_PAYLOAD,
					   ike_diag_ke_group(e, sa, g));
		if (ho->retries_ke >= IKE_MAX_KE_RETRIES)
			return ike_sa_fail(e, sa, IKE_N_INVALID_KE_PAYLOAD,
					   "too many INVALID_KE_PAYLOAD round trips");
		ho->retries_ke++;
		ike_log_sa(
		    e, IKE_LOG_INFO, sa,
		    "peer sent INVALID_KE_PAYLOAD, retrying with %s (group %u) instead of %s "
		    "(group %u)",
		    ike_diag_group(g), g, ike_diag_group(ho->dh_group), ho->dh_group);
		ho->dh_group = g;
		ike_dh_free(ho->dh);
		ho->dh = NULL;
		if (ike_sa_init_start(e, sa))
			return ike_sa_fail(e, sa, IKE_N_INVALID_KE_PAYLOAD,
					   "cannot restart IKE_SA_INIT");
		return IKE_KEEP;
	}
	for (size_t i = 0; i < m->n_notify; i++) {
		uint16_t t = m->notify[i].type;

		if (t <= IKE_N_ERROR_MAX)
			return ike_sa_fail(e, sa, t,
					   ike_diag_peer_refused(e, sa, "IKE_SA_INIT", t, NULL));
	}
	return ike_sa_fail(e, sa, 0, "peer refused IKE_SA_INIT");
}

enum ike_verdict ike_sa_init_on_response(struct ike_engine *e, struct ike_sa *sa, struct ike_rx *rx)
{
	const struct ike_msg *m = &rx->m;
	struct ike_half_open *ho = sa->ho;
	struct ike_proposal *offered, *reply;
	struct ike_selected sel;
	size_t n_offered = 0, n_reply = 0;
	char algs[128];
	int rc;

	const uint32_t need =
	    IKE_PL_BIT(IKE_PL_SA) | IKE_PL_BIT(IKE_PL_KE) | IKE_PL_BIT(IKE_PL_NONCE);
	const struct ike_notify *cookie = ike_msg_notify(m, IKE_N_COOKIE);
	bool refused = (m->present & need) != need;

	/* RFC 7296 2.6: the responder is busy and wants to see us at our
	 * address first; its cookie goes first in the same request again. */
	if (cookie && refused) {
		if (!cookie->data.len || cookie->data.len > sizeof(ho->cookie))
			return ike_sa_fail(e, sa, IKE_N_INVALID_SYNTAX,
					   "COOKIE of a length RFC 7296 does not allow");
		if (ho->cookie_tries >= IKE_MAX_COOKIE_TRIES)
			return ike_sa_fail(e, sa, 0, "too many COOKIE round trips");
		ho->cookie_tries++;
		memcpy(ho->cookie, cookie->data.ptr, cookie->data.len);
		ho->cookie_len = (uint8_t)cookie->data.len;
		ike_log_sa(e, IKE_LOG_INFO, sa,
			   "peer asked for a COOKIE: sending IKE_SA_INIT again");
		if (ike_sa_init_start(e, sa))
			return ike_sa_fail(e, sa, 0, "cannot restart IKE_SA_INIT");
		return IKE_KEEP;
	}

	/* The table let an error notify stand in for SA, KE and Nonce; an
	 * answer with both is no acceptance either. */
	for (size_t i = 0; i < m->n_notify && !refused; i++)
		refused = m->notify[i].type <= IKE_N_ERROR_MAX;
	if (refused)
		return on_error_notify(e, sa, m);
	if (!m->hdr.spi_r)
		return ike_sa_fail(e, sa, IKE_N_INVALID_SYNTAX, "IKE_SA_INIT response without SPI");
	offered = offered_ike(sa, &n_offered);
	reply = ike_read_proposals(&m->sa, 2, &n_reply);
	rc = offered && reply ? ike_proposal_check_reply(offered, n_offered, reply, n_reply, &sel)
			      : -ENOENT;
	free(offered);
	free(reply);
	if (rc)
		return ike_sa_fail(e, sa,
				   rc == -EBADMSG ? IKE_N_INVALID_SYNTAX : IKE_N_NO_PROPOSAL_CHOSEN,
				   "peer chose a proposal we did not offer");
	if (!IKE_SEL_HAS(&sel, IKE_TRANS_DH) || sel.dh != ho->dh_group ||
	    m->ke.group != ho->dh_group)
		return ike_sa_fail(e, sa, IKE_N_INVALID_KE_PAYLOAD,
				   "peer answered with another key exchange group");
	rc = ike_dh_compute(ho->dh, m->ke.data.ptr, m->ke.data.len);
	if (rc)
		return ike_sa_fail(e, sa, IKE_N_INVALID_SYNTAX, "invalid key exchange value");
	sa->spi_r = m->hdr.spi_r;
	sa->sel = sel;
	memcpy(ho->nr, m->nonce.ptr, m->nonce.len);
	ho->nr_len = (uint16_t)m->nonce.len;
	/* We now know which of our addresses the peer reaches. */
	if (!sa->local.family)
		sa->local = rx->local;
	rc = derive_keys(sa);
	if (rc)
		return ike_sa_fail(e, sa, 0, "key derivation failed");
	ho->msg2 = malloc(rx->len);
	if (!ho->msg2)
		return ike_sa_fail(e, sa, 0, "out of memory");
	memcpy(ho->msg2, rx->pkt, rx->len);
	ho->msg2_len = rx->len;
	check_nat(e, sa, m);
	sa->peer_childless = ike_msg_notify(m, IKE_N_CHILDLESS_IKEV2_SUPPORTED) != NULL;
	ike_frag_note_peer(sa, m);
	ike_auth_note_init(sa, m);
	if (ike_log_on(e, sa->log_quiet ? IKE_LOG_DEBUG : IKE_LOG_INFO)) {
		ike_selected_format(&sel, 0, algs, sizeof(algs));
		ike_log_sa(e, IKE_LOG_INFO, sa, "IKE_SA_INIT done, selected %s", algs);
	}
	if (ike_auth_start(e, sa))
		return ike_sa_fail(e, sa, 0, "cannot start IKE_AUTH");
	return IKE_KEEP;
}
