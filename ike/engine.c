// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine: routing a datagram to its SA, the message ID window and
 * retransmissions (RFC 7296 2.1, 2.3), the Encrypted payload, the engine's
 * life, and the table of transitions below, which is the only place that
 * decides whether a message is expected at all. Connections are in
 * conn.c, the commands and listings of ike.h in engine_cmd.c, log lines
 * and events in events.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ike/auth_cert.h"
#include "ike/cert.h"
#include "ike/crypto.h"
#include "ike/dh.h"
#include "ike/dos.h"
#include "ike/engine.h"
#include "ike/proposal.h"
#include "ike/ts.h"
#include "ike/wire.h"

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* ------------------------------------------------------------------ */
/* The transitions: (state, exchange, request/response) -> handler      */

typedef enum ike_verdict (*ike_handler)(struct ike_engine *e, struct ike_sa *sa, struct ike_rx *rx);

/* A pseudo-state for an IKE_SA_INIT request that has no SA yet. */
#define IKE_S_NONE IKE_S_NEW

struct ike_transition {
	uint32_t states; /* IKE_S_BIT() of the states it applies in */
	uint8_t exchange;
	bool response;
	/* An error notify replaces the required payloads (a refusal). */
	bool error_ok;
	uint32_t required; /* IKE_PL_BIT() of each payload that must be there */
	ike_handler handler;
};

#define PL(t) IKE_PL_BIT(IKE_PL_##t)
#define S(s) IKE_S_BIT(IKE_S_##s)

static const struct ike_transition transitions[] = {
	/* IKE_SA_INIT: a new SA is created only if this request is acceptable */
	{ S(NONE), IKE_SA_INIT, false, false, PL(SA) | PL(KE) | PL(NONCE), ike_sa_init_on_request },
	{ S(INIT_SENT), IKE_SA_INIT, true, true, PL(SA) | PL(KE) | PL(NONCE),
	  ike_sa_init_on_response },
	/* IKE_AUTH, with the first CHILD_SA or childless (RFC 6023) */
	{ S(INIT_RCVD), IKE_AUTH, false, false, PL(IDI) | PL(AUTH), ike_auth_on_request },
	{ S(AUTH_SENT), IKE_AUTH, true, true, PL(IDR) | PL(AUTH), ike_auth_on_response },
	/* established, also while being rekeyed, replaced or deleted */
	{ S(ESTABLISHED) | S(REKEYING) | S(DELETING) | S(REKEYED), IKE_INFORMATIONAL, false, false,
	  0, ike_info_on_request },
	{ S(ESTABLISHED) | S(REKEYING) | S(DELETING) | S(REKEYED), IKE_INFORMATIONAL, true, true, 0,
	  ike_info_on_response },
	/* new CHILD SAs and rekeys; a refusal carries an error notify. While
	 * deleting or replaced, requests are refused (RFC 7296 1.4.1, 2.25). */
	{ S(ESTABLISHED) | S(REKEYING) | S(DELETING) | S(REKEYED), IKE_CREATE_CHILD_SA, false,
	  false, PL(SA) | PL(NONCE), ike_create_child_on_request },
	{ S(ESTABLISHED) | S(REKEYING), IKE_CREATE_CHILD_SA, true, true, PL(SA) | PL(NONCE),
	  ike_create_child_on_response },
};

static const struct ike_transition *find_transition(unsigned int state, uint8_t exchange,
						    bool response)
{
	for (size_t i = 0; i < sizeof(transitions) / sizeof(transitions[0]); i++) {
		const struct ike_transition *t = &transitions[i];

		if ((t->states & (1u << state)) && t->exchange == exchange &&
		    t->response == response)
			return t;
	}
	return NULL;
}

static bool has_error_notify(const struct ike_msg *m)
{
	for (size_t i = 0; i < m->n_notify; i++)
		if (m->notify[i].type <= IKE_N_ERROR_MAX)
			return true;
	return false;
}

/* The first required payload missing, or IKE_PL_NONE. */
static uint8_t missing_payload(const struct ike_transition *t, uint32_t have)
{
	uint32_t miss = t->required & ~have;

	for (uint8_t type = 32; type < 64 && miss; type++)
		if (miss & IKE_PL_BIT(type))
			return type;
	return IKE_PL_NONE;
}

/* ------------------------------------------------------------------ */
/* Timers                                                               */

uint64_t ike_now(struct ike_engine *e)
{
	return e->env.now_ms(e->env.ctx);
}

int64_t ike_wall_time(struct ike_engine *e)
{
	return e->env.wall_time ? e->env.wall_time(e->env.ctx) : -1;
}

static void update_wake(struct ike_engine *e)
{
	uint64_t next = ike_timer_next(&e->timers);

	if (next != e->wake_requested) {
		e->wake_requested = next;
		if (e->env.wake_at)
			e->env.wake_at(e->env.ctx, next);
	}
}

void ike_timer_arm(struct ike_engine *e, struct ike_timer *t, uint64_t at)
{
	if (ike_timer_set(&e->timers, t, at))
		ike_log(e, IKE_LOG_ERROR, "out of memory arming a timer");
	if (!e->batch)
		update_wake(e);
}

void ike_timer_disarm(struct ike_engine *e, struct ike_timer *t)
{
	ike_timer_cancel(&e->timers, t);
	if (!e->batch)
		update_wake(e);
}

void ike_engine_enter(struct ike_engine *e)
{
	e->batch++;
}

void ike_engine_leave(struct ike_engine *e)
{
	if (!--e->batch)
		update_wake(e);
}

static uint64_t rtx_timeout(const struct ike_engine *e, unsigned int tries)
{
	uint64_t ms = e->opts.retransmit_base_ms;

	return ms << (tries < 20 ? tries : 20);
}

void ike_sa_rtx_timer(struct ike_timer *t, void *ctx)
{
	struct ike_engine *e = ctx;
	struct ike_sa *sa = container_of(t, struct ike_sa, t_rtx);
	const char *what = sa->req_kind == IKE_REQ_SA_INIT ? "IKE_SA_INIT"
			   : sa->req_kind == IKE_REQ_AUTH  ? "IKE_AUTH"
			   : sa->req_kind == IKE_REQ_REKEY_CHILD ||
				   sa->req_kind == IKE_REQ_REKEY_IKE ||
				   sa->req_kind == IKE_REQ_NEW_CHILD
			       ? "CREATE_CHILD_SA"
			       : "INFORMATIONAL";
	char reason[320], note[224];

	if (!sa->req_pkt || sa->req_kind == IKE_REQ_NONE)
		return;
	if (sa->req_tries >= e->opts.retransmit_tries) {
		ike_frag_unanswered_note(e, sa, note, sizeof(note));
		if (ike_sa_usable(sa)) {
			if (note[0])
				ike_log_sa(e, IKE_LOG_WARN, sa, "%s request unanswered%s", what,
					   note);
			ike_dpd_peer_dead(e, sa);
			return;
		}
		snprintf(reason, sizeof(reason),
			 "peer did not answer %s after %u retransmissions%s", what, sa->req_tries,
			 note);
		ike_sa_fail(e, sa, 0, reason);
		return;
	}
	sa->req_tries++;
	IKE_CTR_ADD(e, sa->conn, retransmits_out);
	ike_log_sa(e, IKE_LOG_INFO, sa, "retransmit %u of %s request %u", sa->req_tries, what,
		   sa->msgid_next);
	ike_send_msgs(e, sa, sa->req_pkt, sa->req_len);
	ike_timer_arm(e, &sa->t_rtx, ike_now(e) + rtx_timeout(e, sa->req_tries));
}

void ike_sa_life_timer(struct ike_timer *t, void *ctx)
{
	struct ike_engine *e = ctx;
	struct ike_sa *sa = container_of(t, struct ike_sa, t_sa);

	if (sa->state == IKE_S_INIT_RCVD)
		ike_half_open_drop(e, sa, IKE_LC_EXPIRED, "timed out waiting for IKE_AUTH");
	else if (sa->state == IKE_S_REKEYED)
		ike_sa_close(e, sa, "rekeyed, and the peer did not delete it");
}

void ike_engine_run_timers(struct ike_engine *e)
{
	uint64_t now = ike_now(e);
	struct ike_timer *t;

	ike_engine_enter(e);
	/* A handler may arm timers due now; they run in this same call. */
	while ((t = ike_timer_pop_due(&e->timers, now)))
		t->fn(t, e);
	/* The wake-up we asked for has been consumed. */
	e->wake_requested = IKE_TIMER_NONE - 1;
	ike_engine_leave(e);
}

/* ------------------------------------------------------------------ */
/* Sending                                                              */

void ike_send_raw(struct ike_engine *e, struct ike_sa *sa, const uint8_t *pkt, size_t len)
{
	sa->last_out_ms = ike_now(e); /* NAT keepalives wait for idleness */
	e->env.send(e->env.ctx, pkt, len, &sa->local, &sa->remote);
}

void ike_send_msgs(struct ike_engine *e, struct ike_sa *sa, const uint8_t *pkts, size_t len)
{
	struct ike_reader r;

	ike_reader_init(&r, pkts, len);
	while (!ike_reader_at_end(&r)) {
		struct ike_reader peek = r;
		struct ike_slice one;
		uint32_t n;

		ike_skip(&peek, 24); /* the header's Length field */
		n = ike_get_u32(&peek);
		one = ike_get_slice(&r, n);
		if (ike_reader_failed(&peek) || n < IKE_HDR_LEN || ike_reader_failed(&r)) {
			ike_log_sa(e, IKE_LOG_ERROR, sa, "internal: a kept message is truncated");
			return;
		}
		ike_send_raw(e, sa, one.ptr, one.len);
	}
}

void ike_sa_hdr(const struct ike_sa *sa, struct ike_hdr *h, uint8_t exchange, bool response,
		uint32_t msgid)
{
	memset(h, 0, sizeof(*h));
	h->spi_i = sa->spi_i;
	h->spi_r = sa->spi_r;
	h->version = IKE_VERSION;
	h->exchange = exchange;
	h->flags = (sa->initiator ? IKE_FLAG_INITIATOR : 0) | (response ? IKE_FLAG_RESPONSE : 0);
	h->msg_id = msgid;
}

static void start_request(struct ike_engine *e, struct ike_sa *sa, uint8_t req_kind)
{
	sa->req_kind = req_kind;
	sa->req_tries = 0;
	ike_send_msgs(e, sa, sa->req_pkt, sa->req_len);
	ike_timer_arm(e, &sa->t_rtx, ike_now(e) + rtx_timeout(e, 0));
}

int ike_send_request_plain(struct ike_engine *e, struct ike_sa *sa, const uint8_t *pkt, size_t len,
			   uint8_t req_kind)
{
	ike_sa_set_packet(&sa->req_pkt, &sa->req_len, pkt, len);
	if (!sa->req_pkt)
		return -ENOMEM;
	ike_ctr_sent_plain(e, sa->conn, pkt, len);
	start_request(e, sa, req_kind);
	return 0;
}

int ike_send_protected(struct ike_engine *e, struct ike_sa *sa, uint8_t exchange, bool response,
		       uint32_t msgid, struct ike_writer *inner, uint8_t first, uint8_t req_kind)
{
	struct ike_slice plain = ike_writer_slice(inner);
	struct ike_ctr_tx tx;
	struct ike_writer w;
	struct ike_hdr h;
	uint16_t oversize;
	int rc;

	if (ike_writer_error(inner) || !sa->keys_valid)
		return ike_writer_error(inner) ? ike_writer_error(inner) : -EINVAL;
	if (!response)
		msgid = sa->msgid_next;
	ike_sa_hdr(sa, &h, exchange, response, msgid);
	ike_ctr_tx_scan(&tx, first, plain.ptr, plain.len); /* sealing overwrites it */
	ike_writer_init(&w);
	/* the plaintext is sealed in place: a grown buffer is wiped */
	w.wipe = true;
	rc = ike_frag_protect(e, sa, &h, &plain, first, &w, &oversize);
	if (rc) {
		ike_log_sa(e, IKE_LOG_ERROR, sa, "cannot protect %s message: %s",
			   ike_exchange_name(exchange), strerror(-rc));
		ike_writer_free(&w);
		return rc;
	}
	if (oversize)
		ike_log_sa(e, IKE_LOG_DEBUG, sa,
			   "%s %s %u (%u octets) exceeds the fragment size, sent unfragmented",
			   ike_exchange_name(exchange), response ? "response" : "request", msgid,
			   oversize);
	ike_ctr_tx_commit(e, sa->conn, exchange, response, &tx);
	/* All of it is ciphertext now: kept without wiping. */
	if (response) {
		free(sa->resp_pkt);
		sa->resp_pkt = w.buf;
		sa->resp_len = (uint32_t)w.len;
		sa->msgid_peer = msgid + 1;
		ike_send_msgs(e, sa, sa->resp_pkt, sa->resp_len);
	} else {
		free(sa->req_pkt);
		sa->req_pkt = w.buf;
		sa->req_len = (uint32_t)w.len;
		sa->req_oversize = oversize;
		start_request(e, sa, req_kind);
	}
	return 0;
}

int ike_respond_notify_spi(struct ike_engine *e, struct ike_sa *sa, const struct ike_rx *rx,
			   uint16_t type, uint8_t protocol, const uint8_t *spi, size_t spi_len,
			   const void *data, size_t len)
{
	struct ike_writer w;
	struct ike_builder b;
	uint8_t first;
	int rc;

	ike_writer_init(&w);
	ike_build_begin_inner(&b, &w);
	ike_add_notify(&b, protocol, spi, spi_len, type, data, len);
	rc = ike_build_end_inner(&b, &first);
	if (!rc)
		rc = ike_send_protected(e, sa, rx->m.hdr.exchange, true, rx->m.hdr.msg_id, &w,
					first, IKE_REQ_NONE);
	ike_writer_free(&w);
	return rc;
}

int ike_respond_notify(struct ike_engine *e, struct ike_sa *sa, const struct ike_rx *rx,
		       uint16_t type, const void *data, size_t len)
{
	return ike_respond_notify_spi(e, sa, rx, type, 0, NULL, 0, data, len);
}

int ike_new_dh(struct ike_engine *e, struct ike_dh **dh, uint16_t group)
{
	uint8_t rnd[1024]; /* what a private value of the largest group takes */
	size_t n = ike_dh_random_len(group);
	int rc;

	if (!n || n > sizeof(rnd))
		return -ENOTSUP;
	*dh = NULL;
	if (e->env.dh_take && !e->env.dh_take(e->env.ctx, group, dh)) {
		/* a key of another group would fail the peer's checks later,
		 * far from the cause: refuse it here */
		if (*dh && ike_dh_group(*dh) == group) {
			e->dos->st.dh_keys++;
			return 0;
		}
		ike_dh_free(*dh);
		*dh = NULL;
	}
	e->env.random(e->env.ctx, rnd, n);
	e->dos->st.dh_keys++;
	rc = ike_dh_new(dh, group, rnd, n);
	OPENSSL_cleanse(rnd, n);
	return rc;
}

/* ------------------------------------------------------------------ */
/* SA life                                                              */

enum ike_verdict ike_sa_fail(struct ike_engine *e, struct ike_sa *sa, uint16_t notify,
			     const char *reason)
{
	if (sa->state >= IKE_S_ESTABLISHED)
		return ike_sa_close(e, sa, reason);
	ike_log_sa(e, IKE_LOG_WARN, sa, "IKE SA failed%s%s: %s", notify ? " with " : "",
		   notify ? ike_notify_name(notify) : "", reason);
	ike_event(e, IKE_EV_FAILED, sa, NULL, notify, reason);
	ike_sa_free(e, sa);
	return IKE_GONE;
}

enum ike_verdict ike_sa_close(struct ike_engine *e, struct ike_sa *sa, const char *reason)
{
	struct ike_child *c;

	ike_log_sa(e, IKE_LOG_INFO, sa, "IKE SA deleted: %s", reason);
	ike_sa_set_state(e, sa, IKE_S_GONE, reason);
	/* Children go first so that CHILD_DOWN precedes IKE_DOWN. */
	while ((c = LIST_FIRST(&sa->children)))
		ike_child_free(e, c, reason);
	ike_event(e, IKE_EV_IKE_DOWN, sa, NULL, 0, reason);
	ike_sa_free(e, sa);
	return IKE_GONE;
}

/* ------------------------------------------------------------------ */
/* Input                                                                */

static void log_drop(struct ike_engine *e, const struct ike_addr *remote, const char *why,
		     const struct ike_hdr *h)
{
	char peer[IKE_ADDR_STR_LEN];

	e->ctr.dropped++;
	ike_log(e, IKE_LOG_DEBUG, "dropping message from %s (%s %s %u): %s",
		ike_addr_str(remote, peer, sizeof(peer)), h ? ike_exchange_name(h->exchange) : "?",
		h ? (h->flags & IKE_FLAG_RESPONSE ? "response" : "request") : "", h ? h->msg_id : 0,
		why);
}

/* A message for sa dropped unprocessed: counted for its connection too. */
static void sa_drop(struct ike_engine *e, const struct ike_sa *sa, const struct ike_rx *rx,
		    const char *why, const struct ike_hdr *h)
{
	log_drop(e, &rx->remote, why, h);
	if (sa->conn->ctr)
		sa->conn->ctr->c.dropped++;
}

/* An unprotected reply with one notify, to a message that has no SA. */
static void reply_unprotected(struct ike_engine *e, const struct ike_hdr *req,
			      const struct ike_addr *local, const struct ike_addr *remote,
			      uint16_t type, const void *data, size_t len)
{
	struct ike_writer w;
	struct ike_builder b;
	struct ike_hdr h = {
		.spi_i = req->spi_i,
		.spi_r = req->spi_r,
		.version = IKE_VERSION,
		.exchange = req->exchange,
		/* We answer as whatever the sender's peer is. */
		.flags =
		    IKE_FLAG_RESPONSE | (req->flags & IKE_FLAG_INITIATOR ? 0 : IKE_FLAG_INITIATOR),
		.msg_id = req->msg_id,
	};

	/* The one place unauthenticated senders get an answer from: it must
	 * not turn a flood into one of ours. */
	if (!ike_dos_reply_allowed(e, remote, type == IKE_N_COOKIE))
		return;
	ike_writer_init(&w);
	ike_build_begin(&b, &w, &h);
	ike_add_notify(&b, 0, NULL, 0, type, data, len);
	if (!ike_build_end(&b)) {
		ike_ctr_sent_notify(e, h.exchange, true, type);
		e->env.send(e->env.ctx, w.buf, w.len, local, remote);
	}
	ike_writer_free(&w);
}

void ike_sa_init_reply_notify(struct ike_engine *e, const struct ike_rx *rx, uint16_t type,
			      const void *data, size_t len)
{
	reply_unprotected(e, &rx->m.hdr, &rx->local, &rx->remote, type, data, len);
}

static void input_init_request(struct ike_engine *e, struct ike_rx *rx, const struct ike_hdr *h)
{
	struct ike_wire_err err;
	const struct ike_transition *t;
	struct ike_sa *sa;
	uint8_t miss;

	sa = ike_sa_half_open_find(e, h->spi_i, &rx->remote);
	if (sa) {
		/* RFC 7296 2.1: the same request again gets the same answer;
		 * another one with that SPI gets nothing (a forged one must
		 * not make us send, nor replace the real one). */
		if (sa->state == IKE_S_INIT_RCVD && sa->resp_pkt && h->msg_id == 0 &&
		    sa->msgid_peer == 1 && sa->ho && sa->ho->msg1 && sa->ho->msg1_len == rx->len &&
		    !memcmp(sa->ho->msg1, rx->pkt, rx->len)) {
			ike_log_sa(e, IKE_LOG_DEBUG, sa, "IKE_SA_INIT request retransmitted");
			IKE_CTR_ADD(e, sa->conn, retransmits_in);
			ike_send_raw(e, sa, sa->resp_pkt, sa->resp_len);
		} else {
			log_drop(e, &rx->remote, "another IKE_SA_INIT request with a known SPI", h);
		}
		return;
	}
	if (h->spi_r != 0 || h->msg_id != 0) {
		log_drop(e, &rx->remote, "IKE_SA_INIT request with a responder SPI or message ID",
			 h);
		return;
	}
	if (ike_msg_decode(&rx->m, rx->pkt, rx->len, &err)) {
		char why[160];

		ike_wire_err_format(&err, why, sizeof(why));
		log_drop(e, &rx->remote, why, h);
		/* Unprotected errors are allowed in IKE_SA_INIT (RFC 7296 2.21.1). */
		if (err.notify == IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD) {
			uint8_t type = err.payload;

			reply_unprotected(e, h, &rx->local, &rx->remote, err.notify, &type, 1);
		}
		return;
	}
	/* RFC 7296 2.21.1: IKE_SA_INIT has nothing to encrypt with yet */
	if (rx->m.present & PL(SK)) {
		char peer[IKE_ADDR_STR_LEN];

		e->ctr.dropped++;
		if (ike_lc(e, IKE_LC_MALFORMED, &rx->remote))
			ike_log(e, IKE_LOG_INFO,
				"%s: IKE_SA_INIT request with an Encrypted payload: "
				"INVALID_SYNTAX",
				ike_addr_str(&rx->remote, peer, sizeof(peer)));
		reply_unprotected(e, h, &rx->local, &rx->remote, IKE_N_INVALID_SYNTAX, NULL, 0);
		return;
	}
	t = find_transition(IKE_S_NONE, IKE_SA_INIT, false);
	miss = missing_payload(t, rx->m.present);
	if (miss != IKE_PL_NONE) {
		char why[64];

		snprintf(why, sizeof(why), "no %s payload", ike_payload_name(miss));
		log_drop(e, &rx->remote, why, h);
		return;
	}
	ike_ctr_received(e, NULL, true, &rx->m);
	t->handler(e, NULL, rx);
	/* the handler chose the connection (or none would have it) */
	ike_ctr_received(e, rx->conn, false, &rx->m);
}

/* Unknown SPI (RFC 7296 2.21.4): never answer a response; a request may
 * get an unprotected INVALID_IKE_SPI. */
static void input_unknown_spi(struct ike_engine *e, struct ike_rx *rx, const struct ike_hdr *h)
{
	log_drop(e, &rx->remote, "unknown IKE SPI", h);
	if (!(h->flags & IKE_FLAG_RESPONSE) && h->exchange != IKE_SA_INIT)
		reply_unprotected(e, h, &rx->local, &rx->remote, IKE_N_INVALID_IKE_SPI, NULL, 0);
}

/* Decrypts in e->rx and decodes the inner payloads. 0, -EBADMSG (drop
 * silently), -EAGAIN (a fragment kept, the message is not complete), or
 * a notify to answer (> 0) with *bad_type for
 * UNSUPPORTED_CRITICAL_PAYLOAD. */
static int unprotect(struct ike_engine *e, struct ike_sa *sa, struct ike_rx *rx, uint8_t *bad_type,
		     const char **why)
{
	struct ike_wire_err err;
	struct ike_sk_cipher c;
	size_t poff, plen;
	uint8_t *buf, first;
	int rc;

	ike_writer_reset(&e->rx);
	ike_put_bytes(&e->rx, rx->pkt, rx->len);
	buf = ike_writer_span(&e->rx, 0, rx->len);
	if (!buf) {
		*why = "out of memory";
		return -EBADMSG;
	}
	if (ike_msg_decode(&rx->m, buf, rx->len, &err)) {
		*why = err.reason ? err.reason : "malformed";
		return -EBADMSG;
	}
	if (rx->m.present & PL(SKF)) {
		if (rx->m.present & ~PL(SKF)) {
			*why = "payloads outside the Encrypted Fragment payload";
			return -EBADMSG;
		}
		/* RFC 7383 2.6: reassembled (and each fragment authenticated)
		 * before anything else looks at the message */
		rc = ike_frag_input(e, sa, rx, buf, &buf, &plen, &first, why);
		if (rc)
			return rc;
		rx->m.skf.body = (struct ike_slice){ 0 };
		goto inner;
	}
	if (!(rx->m.present & PL(SK))) {
		*why = "no Encrypted payload";
		return -EBADMSG;
	}
	if (rx->m.present & ~PL(SK)) {
		*why = "payloads outside the Encrypted payload";
		return -EBADMSG;
	}
	ike_sk_cipher_from_keys(&c, &sa->keys, !!(rx->m.hdr.flags & IKE_FLAG_INITIATOR));
	rc = ike_sk_open(&c, buf, rx->len, rx->m.sk.body_off, &poff, &plen);
	if (rc) {
		*why =
		    rc == -EBADMSG ? "integrity check failed" : "undecryptable Encrypted payload";
		return -EBADMSG;
	}
	buf = ike_writer_span(&e->rx, poff, plen);
	if (plen && !buf) {
		*why = "bad plaintext length";
		return -EBADMSG;
	}
	first = rx->m.sk.first_payload;
inner:
	if (ike_msg_decode_inner(&rx->m, buf, plen, first, &err)) {
		*why = err.reason ? err.reason : "malformed";
		*bad_type = err.payload;
		return err.notify ? err.notify : IKE_N_INVALID_SYNTAX;
	}
	return 0;
}

static void request_hash(const struct ike_rx *rx, uint8_t out[32])
{
	unsigned int len = 0;

	if (!EVP_Digest(rx->pkt, rx->len, out, &len, EVP_sha256(), NULL) || len != 32)
		memset(out, 0, 32); /* then nothing matches it */
}

/* The request is the one whose response is cached (RFC 7296 2.1: a
 * retransmission is the same message, not just the same message ID). */
static bool same_request(const struct ike_sa *sa, const struct ike_rx *rx)
{
	uint8_t h[32];

	request_hash(rx, h);
	return !memcmp(h, sa->peer_req_hash, sizeof(h));
}

static void input_sa(struct ike_engine *e, struct ike_sa *sa, struct ike_rx *rx,
		     const struct ike_hdr *h)
{
	bool response = h->flags & IKE_FLAG_RESPONSE;
	const struct ike_transition *t;
	const char *why = NULL;
	uint8_t bad_type = 0;
	uint8_t miss;
	int rc;

	/* Our role must be the opposite of the sender's. */
	if (!!(h->flags & IKE_FLAG_INITIATOR) == sa->initiator) {
		sa_drop(e, sa, rx, "initiator flag does not match the SA", h);
		return;
	}
	if (sa->initiator && sa->state == IKE_S_INIT_SENT) {
		if (h->exchange != IKE_SA_INIT || !response) {
			sa_drop(e, sa, rx, "unexpected before IKE_SA_INIT completes", h);
			return;
		}
	} else if ((sa->initiator ? h->spi_r : h->spi_i) !=
		   (sa->initiator ? sa->spi_r : sa->spi_i)) {
		sa_drop(e, sa, rx, "peer SPI does not match the SA", h);
		return;
	}

	/* The message ID window (RFC 7296 2.3), before any expensive work. */
	if (response) {
		if (sa->req_kind == IKE_REQ_NONE || h->msg_id != sa->msgid_next) {
			sa_drop(e, sa, rx, "response to no outstanding request", h);
			return;
		}
	} else if (h->msg_id != sa->msgid_peer) {
		/* (the hash is all zero, matching nothing, until the first
		 * authenticated request; of a fragmented one, it is fragment
		 * 1's) */
		if (h->msg_id + 1 == sa->msgid_peer && sa->resp_pkt &&
		    ike_frag_number(rx->pkt, rx->len) > 1) {
			/* RFC 7383 2.6.1: fragment 1 alone stands for the request */
			sa_drop(e, sa, rx, "a later fragment of a request answered", h);
		} else if (h->msg_id + 1 == sa->msgid_peer && sa->resp_pkt &&
			   same_request(sa, rx)) {
			ike_log_sa(e, IKE_LOG_DEBUG, sa, "%s request %u retransmitted, resending",
				   ike_exchange_name(h->exchange), h->msg_id);
			IKE_CTR_ADD(e, sa->conn, retransmits_in);
			ike_send_msgs(e, sa, sa->resp_pkt, sa->resp_len);
		} else {
			sa_drop(e, sa, rx, "unexpected message ID", h);
		}
		return;
	}

	if (h->exchange == IKE_SA_INIT) {
		struct ike_wire_err err;

		if (ike_msg_decode(&rx->m, rx->pkt, rx->len, &err)) {
			/* Unauthenticated: a forged reply must not kill the SA. */
			sa_drop(e, sa, rx, err.reason ? err.reason : "malformed", h);
			return;
		}
	} else {
		if (!sa->keys_valid) {
			sa_drop(e, sa, rx, "no keys yet", h);
			return;
		}
		rc = unprotect(e, sa, rx, &bad_type, &why);
		if (rc == -EAGAIN) {
			ike_log_sa(e, IKE_LOG_DEBUG, sa, "%s %s %u: fragment %u of %u: %s",
				   ike_exchange_name(h->exchange),
				   response ? "response" : "request", h->msg_id, rx->m.skf.number,
				   rx->m.skf.total, why);
			return;
		}
		if (rc == -EBADMSG) {
			sa_drop(e, sa, rx, why, h);
			return;
		}
		if (rc > 0) {
			/* Authenticated but malformed (RFC 7296 2.21.2 and 3.2). */
			IKE_CTR_ADD(e, sa->conn, invalid);
			ike_log_sa(e, IKE_LOG_WARN, sa, "malformed %s %s %u (%s): %s",
				   ike_exchange_name(h->exchange),
				   response ? "response" : "request", h->msg_id, why,
				   ike_notify_name((uint16_t)rc));
			if (!response) {
				ike_respond_notify(e, sa, rx, (uint16_t)rc, &bad_type,
						   rc == IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD ? 1
											    : 0);
				return;
			}
			sa->req_kind = IKE_REQ_NONE;
			ike_sa_fail(e, sa, (uint16_t)rc, "malformed response");
			return;
		}
		/* Authenticated and new: the peer may have moved (RFC 7296 2.23). */
		ike_nat_on_authenticated(e, sa, rx, h->exchange == IKE_AUTH);
		if (!response && ike_frag_number(rx->pkt, rx->len) > 1)
			memcpy(sa->peer_req_hash, sa->frag_req_hash, sizeof(sa->peer_req_hash));
		else if (!response)
			request_hash(rx, sa->peer_req_hash);
	}

	ike_ctr_received(e, sa->conn, true, &rx->m);
	t = find_transition(sa->state, h->exchange, response);
	if (!t) {
		IKE_CTR_ADD(e, sa->conn, invalid);
		ike_log_sa(e, IKE_LOG_WARN, sa, "unexpected %s %s %u in state %u, ignored",
			   ike_exchange_name(h->exchange), response ? "response" : "request",
			   h->msg_id, sa->state);
		return;
	}
	miss = IKE_PL_NONE;
	/* A refusal, or the responder's request for a COOKIE, stands in for
	 * the payloads of an answer. */
	if (!(t->error_ok && (has_error_notify(&rx->m) || (h->exchange == IKE_SA_INIT &&
							   ike_msg_notify(&rx->m, IKE_N_COOKIE)))))
		miss = missing_payload(t, rx->m.present);
	if (miss != IKE_PL_NONE) {
		char reason[80];

		snprintf(reason, sizeof(reason), "%s %s without %s payload",
			 ike_exchange_name(h->exchange), response ? "response" : "request",
			 ike_payload_name(miss));
		IKE_CTR_ADD(e, sa->conn, invalid);
		ike_log_sa(e, IKE_LOG_WARN, sa, "%s: INVALID_SYNTAX", reason);
		if (!response) {
			if (h->exchange != IKE_SA_INIT)
				ike_respond_notify(e, sa, rx, IKE_N_INVALID_SYNTAX, NULL, 0);
			return;
		}
		if (h->exchange == IKE_SA_INIT)
			return; /* unauthenticated: wait for a proper one */
		sa->req_kind = IKE_REQ_NONE;
		ike_sa_fail(e, sa, IKE_N_INVALID_SYNTAX, reason);
		return;
	}
	if (response) {
		/* The exchange is over: the handler may start the next one. */
		rx->req_kind = sa->req_kind;
		rx->req_child = sa->req_child;
		sa->req_kind = IKE_REQ_NONE;
		sa->req_child = 0;
		sa->msgid_next++;
		ike_timer_disarm(e, &sa->t_rtx);
		free(sa->req_pkt);
		sa->req_pkt = NULL;
		sa->req_len = 0;
	}
	if (t->handler(e, sa, rx) == IKE_KEEP) {
		ike_dpd_received(e, sa);
		ike_sa_kick(e, sa);
	}
}

/*
 * Another major version (RFC 7296 2.5): a request gets INVALID_MAJOR_VERSION
 * with our version in the header. IKEv1 (its flags have no response bit)
 * only for the first message of Main or Aggressive Mode, in an IKEv2
 * INFORMATIONAL, as strongSwan's receiver does without IKEv1 support: a
 * peer configured for IKEv1 learns why nothing happens.
 */
static void wrong_version(struct ike_engine *e, struct ike_rx *rx, const struct ike_hdr *h)
{
	unsigned int major = h->version >> 4;
	struct ike_hdr q = *h;
	char peer[IKE_ADDR_STR_LEN];

	if (major == 1 && (h->exchange == 2 || h->exchange == 4) && !h->spi_r) {
		q.exchange = IKE_INFORMATIONAL;
		q.msg_id = 0;
	} else if (major < 3 || (h->flags & IKE_FLAG_RESPONSE)) {
		log_drop(e, &rx->remote, "IKE major version not 2", NULL);
		return;
	}
	/* the sender initiated: our reply is not the initiator's */
	q.flags = IKE_FLAG_INITIATOR;
	e->ctr.dropped++;
	if (ike_lc(e, IKE_LC_VERSION, &rx->remote))
		ike_log(e, IKE_LOG_INFO,
			"%s: IKE major version %u is not supported%s: "
			"INVALID_MAJOR_VERSION",
			ike_addr_str(&rx->remote, peer, sizeof(peer)), major,
			major == 1 ? " (IKEv1 is not implemented)" : "");
	reply_unprotected(e, &q, &rx->local, &rx->remote, IKE_N_INVALID_MAJOR_VERSION, NULL, 0);
}

static void input(struct ike_engine *e, struct ike_rx *rx)
{
	struct ike_wire_err err;
	struct ike_hdr h;
	struct ike_sa *sa;

	if (ike_hdr_decode(&h, rx->pkt, rx->len, &err)) {
		if (err.notify == IKE_N_INVALID_MAJOR_VERSION)
			wrong_version(e, rx, &h);
		else
			log_drop(e, &rx->remote, err.reason ? err.reason : "malformed header",
				 NULL);
		return;
	}
	if (h.exchange == IKE_SA_INIT && !(h.flags & IKE_FLAG_RESPONSE) &&
	    (h.flags & IKE_FLAG_INITIATOR)) {
		input_init_request(e, rx, &h);
		return;
	}
	sa = ike_sa_by_spi(e, h.flags & IKE_FLAG_INITIATOR ? h.spi_r : h.spi_i);
	if (!sa) {
		input_unknown_spi(e, rx, &h);
		return;
	}
	/* Once the IKE SA exists, replies go where the peer sends from. */
	input_sa(e, sa, rx, &h);
}

void ike_engine_input(struct ike_engine *e, const uint8_t *pkt, size_t len,
		      const struct ike_addr *local, const struct ike_addr *remote)
{
	/* struct ike_msg is a few KiB: one per engine, reused (handlers
	 * never feed a datagram back in). */
	struct ike_rx *rx = e->rxm;

	if (!pkt || !local || !remote)
		return;
	memset(rx, 0, offsetof(struct ike_rx, m));
	rx->pkt = pkt;
	rx->len = len;
	rx->local = *local;
	rx->remote = *remote;
	ike_engine_enter(e);
	input(e, rx);
	ike_engine_leave(e);
	/* The plaintext of the last message is no one's business. */
	if (e->rx.len)
		OPENSSL_cleanse(e->rx.buf, e->rx.len);
	ike_writer_reset(&e->rx);
}

/* ------------------------------------------------------------------ */
/* Life of the engine                                                   */

struct ike_engine *ike_engine_new(const struct ike_env *env, const struct ike_engine_opts *opts)
{
	struct ike_engine *e;

	if (!env || !env->send || !env->now_ms || !env->random || !env->alloc_spi ||
	    !env->child_install || !env->child_delete)
		return NULL;
	if (ike_crypto_init())
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->rxm = malloc(sizeof(*e->rxm));
	e->peer_certs = ike_cert_cache_new(IKE_CERT_CACHE_MAX);
	if (!e->rxm || !e->peer_certs) {
		ike_cert_cache_free(e->peer_certs);
		free(e->rxm);
		free(e);
		return NULL;
	}
	e->env = *env;
	if (opts)
		e->opts = *opts;
	if (!e->opts.retransmit_base_ms)
		e->opts.retransmit_base_ms = 1000;
	if (!e->opts.retransmit_tries)
		e->opts.retransmit_tries = 5;
	if (!e->opts.nat_keepalive_ms)
		e->opts.nat_keepalive_ms = 20000;
	/* the denial of service options: ike_dos_init() resolves them */
	if (ike_dos_init(e)) {
		ike_cert_cache_free(e->peer_certs);
		free(e->rxm);
		free(e);
		return NULL;
	}
	ike_timer_heap_init(&e->timers);
	e->wake_requested = IKE_TIMER_NONE;
	ike_conn_index_init(e);
	ike_writer_init(&e->rx);
	e->rx.wipe = true; /* it holds plaintext: wiped when it grows */
	return e;
}

void ike_engine_free(struct ike_engine *e)
{
	struct ike_sa *sa, *tmp_sa;
	struct ike_conn *c, *tmp_c;

	if (!e)
		return;
	/* Freeing is not deleting: the kernel SAs stay unless the daemon
	 * called ike_engine_terminate_all() first. */
	e->batch++;
	ike_dpd_free(e);
	HASH_ITER (hh_id, e->sas_by_id, sa, tmp_sa) {
		struct ike_child *ch;

		while ((ch = LIST_FIRST(&sa->children))) {
			ch->installed = false;
			ike_child_free(e, ch, "engine stopped");
		}
		ike_sa_free(e, sa);
	}
	HASH_ITER (hh, e->conns, c, tmp_c)
		ike_conn_unlink(e, c);
	ike_ctr_free(e);
	ike_dos_free(e);
	ike_timer_heap_free(&e->timers);
	ike_writer_free(&e->rx);
	free(e->rxm);
	ike_cert_cache_free(e->peer_certs);
	ike_creds_unref(e->creds);
	free(e);
}

void ike_engine_set_creds(struct ike_engine *e, struct ike_creds *cs)
{
	ike_creds_ref(cs);
	ike_creds_unref(e->creds);
	e->creds = cs;
}

struct ike_creds *ike_engine_creds(const struct ike_engine *e)
{
	return e->creds;
}

struct ike_cert *ike_peer_cert(struct ike_engine *e, const uint8_t *der, size_t len,
			       const char **err)
{
	return ike_cert_cache_get(e->peer_certs, der, len, err);
}
