// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IKE fragmentation (RFC 7383): announcing it in IKE_SA_INIT, sending an
 * oversized message as Encrypted Fragment payloads each sealed on its own,
 * and reassembling the peer's fragments before the transition table sees
 * the message.
 *
 * Nothing is kept before it is authenticated: a fragment is decrypted (and
 * so verified) first, except for what can be decided from the header and
 * the fragment fields alone, cheaply: a duplicate of a fragment held is
 * dropped before any cryptography. What a peer can make us hold is bounded
 * (engine.h: IKE_FRAG_*) per message and across the engine.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "ike/crypto.h"
#include "ike/engine.h"
#include "ike/wire.h"

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* ---- negotiation (RFC 7383 2.3) ---- */

void ike_frag_add_notify(struct ike_builder *b, const struct ike_conn *c, const struct ike_msg *req)
{
	if (c->cfg.fragmentation == IKE_FRAGMENTATION_NO)
		return;
	if (req && !ike_msg_notify(req, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED))
		return;
	ike_add_notify(b, 0, NULL, 0, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
}

void ike_frag_note_peer(struct ike_sa *sa, const struct ike_msg *m)
{
	sa->frag_peer = ike_msg_notify(m, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED) != NULL;
}

void ike_frag_inherit(struct ike_sa *nsa, const struct ike_sa *old)
{
	nsa->frag_peer = old->frag_peer;
}

/* ---- sending (RFC 7383 2.5) ---- */

/* The fragment size for the peer's family: the whole IP datagram. */
static size_t frag_size(const struct ike_engine *e, const struct ike_sa *sa)
{
	size_t s =
	    sa->remote.family == AF_INET6 ? e->opts.fragment_size_v6 : e->opts.fragment_size_v4;

	if (!s)
		s = IKE_FRAGMENT_SIZE_DEFAULT;
	return s < IKE_FRAGMENT_SIZE_MIN ? IKE_FRAGMENT_SIZE_MIN : s;
}

/* What a datagram adds around an IKE message: IP and UDP headers, and the
 * non-ESP marker the daemon puts before it on the NAT-T port. */
static size_t dgram_overhead(const struct ike_sa *sa)
{
	return (sa->remote.family == AF_INET6 ? 40 : 20) + 8 + (sa->local.port != 500 ? 4 : 0);
}

static bool may_fragment(const struct ike_sa *sa)
{
	switch (sa->conn->cfg.fragmentation) {
	case IKE_FRAGMENTATION_YES:
		return sa->frag_peer;
	case IKE_FRAGMENTATION_FORCE:
		return true;
	default:
		return false;
	}
}

/* Build and seal one message (SK when total is 0, else SKF number of
 * total) of plain_len octets of plain, at the end of out. */
static int seal_one(struct ike_engine *e, const struct ike_sk_cipher *c, const struct ike_hdr *h,
		    const uint8_t *plain, size_t plain_len, uint8_t first, uint16_t number,
		    uint16_t total, struct ike_writer *out)
{
	uint8_t iv[IKE_SK_IV_MAX_LEN];
	size_t iv_len = ike_sk_iv_len(c);
	struct ike_sk_layout lay;
	struct ike_builder b;
	uint8_t *p;
	int rc;

	ike_build_begin(&b, out, h);
	if (total)
		ike_add_skf(&b, number == 1 ? first : IKE_PL_NONE, number, total, iv_len,
			    ike_sk_ct_len(c, plain_len), ike_sk_icv_len(c), &lay);
	else
		ike_add_sk(&b, first, iv_len, ike_sk_ct_len(c, plain_len), ike_sk_icv_len(c), &lay);
	rc = ike_build_end(&b);
	if (rc)
		return rc;
	p = ike_writer_span(out, lay.ct_off, plain_len);
	if (!p)
		return -EINVAL;
	if (plain_len)
		memcpy(p, plain, plain_len);
	e->env.random(e->env.ctx, iv, iv_len);
	p = ike_writer_span(out, lay.msg_off, lay.end - lay.msg_off);
	if (!p)
		return -EINVAL;
	return ike_sk_seal(c, p, lay.end - lay.msg_off, lay.iv_off - lay.msg_off, plain_len, iv);
}

int ike_frag_protect(struct ike_engine *e, struct ike_sa *sa, const struct ike_hdr *h,
		     const struct ike_slice *plain, uint8_t first, struct ike_writer *out,
		     uint16_t *oversize)
{
	bool i2r = !!(h->flags & IKE_FLAG_INITIATOR);
	size_t size = frag_size(e, sa), over = dgram_overhead(sa);
	size_t whole, fixed, room, per, n;
	struct ike_sk_cipher c;
	int rc;

	*oversize = 0;
	ike_sk_cipher_from_keys(&c, &sa->keys, i2r);
	whole = IKE_HDR_LEN + IKE_GENERIC_HDR_LEN + ike_sk_body_len(&c, plain->len);
	if (whole + over <= size || !may_fragment(sa)) {
		if (whole + over > size)
			*oversize =
			    whole + over > UINT16_MAX ? UINT16_MAX : (uint16_t)(whole + over);
		return seal_one(e, &c, h, plain->ptr, plain->len, first, 0, 0, out);
	}
	/* Each fragment: header, SKF header and fields, IV, the encrypted
	 * part (whole blocks holding the plaintext and Pad Length), ICV. */
	fixed =
	    over + IKE_HDR_LEN + IKE_GENERIC_HDR_LEN + 4 + ike_sk_iv_len(&c) + ike_sk_icv_len(&c);
	room = size > fixed ? size - fixed : 0;
	room -= room % ike_sk_block_len(&c);
	if (room < 2)
		return -EMSGSIZE;
	per = room - 1;
	n = (plain->len + per - 1) / per;
	if (n > IKE_FRAG_MAX_FRAGMENTS) {
		ike_log_sa(e, IKE_LOG_ERROR, sa,
			   "%s message of %zu octets would take %zu fragments (at most %u)",
			   ike_exchange_name(h->exchange), plain->len, n, IKE_FRAG_MAX_FRAGMENTS);
		return -EMSGSIZE;
	}
	for (size_t i = 0; i < n; i++) {
		size_t off = i * per, len = plain->len - off < per ? plain->len - off : per;

		rc = seal_one(e, &c, h, plain->ptr + off, len, first, (uint16_t)(i + 1),
			      (uint16_t)n, out);
		if (rc)
			return rc;
	}
	ike_log_sa(e, IKE_LOG_DEBUG, sa, "%s %s %u sent in %zu fragments of at most %zu octets",
		   ike_exchange_name(h->exchange),
		   h->flags & IKE_FLAG_RESPONSE ? "response" : "request", h->msg_id, n, size);
	return 0;
}

void ike_frag_unanswered_note(const struct ike_engine *e, const struct ike_sa *sa, char *buf,
			      size_t len)
{
	const char *why;

	if (!len)
		return;
	buf[0] = 0;
	if (!sa->req_oversize)
		return;
	switch (sa->conn->cfg.fragmentation) {
	case IKE_FRAGMENTATION_NO:
		why = "fragmentation = no";
		break;
	case IKE_FRAGMENTATION_ACCEPT:
		why = "fragmentation = accept";
		break;
	default:
		why = "the peer did not announce IKE fragmentation";
		break;
	}
	snprintf(buf, len,
		 ": the request (%u octets) exceeded the fragment size (%zu) and went "
		 "unfragmented (%s): its IP fragments may have been dropped",
		 sa->req_oversize, frag_size(e, sa), why);
}

/* ---- receiving (RFC 7383 2.6) ---- */

uint16_t ike_frag_number(const uint8_t *pkt, size_t len)
{
	struct ike_reader r;
	uint16_t number;

	ike_reader_init(&r, pkt, len);
	ike_skip(&r, 16);
	if (ike_get_u8(&r) != IKE_PL_SKF)
		return 0;
	ike_skip(&r, IKE_HDR_LEN - 17 + IKE_GENERIC_HDR_LEN);
	number = ike_get_u16(&r);
	return ike_reader_failed(&r) ? 0 : number;
}

static void frx_free(struct ike_engine *e, struct ike_frag_rx *r)
{
	if (!r)
		return;
	ike_timer_disarm(e, &r->t);
	r->sa->frx[r->response] = NULL;
	for (uint16_t i = 0; i < r->total; i++) {
		if (!r->piece[i].data)
			continue;
		OPENSSL_cleanse(r->piece[i].data, r->piece[i].len);
		free(r->piece[i].data);
	}
	e->frag_bytes -= r->bytes;
	free(r);
}

void ike_frag_sa_free(struct ike_engine *e, struct ike_sa *sa)
{
	frx_free(e, sa->frx[0]);
	frx_free(e, sa->frx[1]);
}

static void frx_timeout(struct ike_timer *t, void *ctx)
{
	struct ike_frag_rx *r = container_of(t, struct ike_frag_rx, t);
	struct ike_engine *e = ctx;

	ike_log_sa(e, IKE_LOG_INFO, r->sa,
		   "%s %s %u: %u of %u fragments in %u s, the rest never came: dropped",
		   ike_exchange_name(r->exchange), r->response ? "response" : "request", r->msg_id,
		   r->count, r->total, IKE_FRAG_TIMEOUT_MS / 1000);
	frx_free(e, r);
}

static struct ike_frag_rx *frx_new(struct ike_engine *e, struct ike_sa *sa, const struct ike_hdr *h,
				   uint16_t total)
{
	bool response = h->flags & IKE_FLAG_RESPONSE;
	struct ike_frag_rx *r = calloc(1, sizeof(*r) + total * sizeof(r->piece[0]));

	if (!r)
		return NULL;
	r->sa = sa;
	r->msg_id = h->msg_id;
	r->exchange = h->exchange;
	r->response = response;
	r->total = total;
	ike_timer_init(&r->t, frx_timeout);
	ike_timer_arm(e, &r->t, ike_now(e) + IKE_FRAG_TIMEOUT_MS);
	sa->frx[response] = r;
	return r;
}

/* The message is complete: its plaintext, in order, replaces the
 * fragment in e->rx. */
static int frx_join(struct ike_engine *e, struct ike_frag_rx *r, uint8_t **plain, size_t *plain_len,
		    uint8_t *first)
{
	ike_writer_reset(&e->rx);
	if (ike_writer_reserve(&e->rx, r->bytes ? r->bytes : 1))
		return -ENOMEM;
	for (uint16_t i = 0; i < r->total; i++)
		ike_put_bytes(&e->rx, r->piece[i].data, r->piece[i].len);
	*plain_len = ike_writer_len(&e->rx);
	*plain = ike_writer_span(&e->rx, 0, *plain_len);
	*first = r->first;
	return *plain || !*plain_len ? 0 : -ENOMEM;
}

int ike_frag_input(struct ike_engine *e, struct ike_sa *sa, struct ike_rx *rx, uint8_t *buf,
		   uint8_t **plain, size_t *plain_len, uint8_t *first, const char **why)
{
	const struct ike_hdr *h = &rx->m.hdr;
	const struct ike_skf_pl *f = &rx->m.skf;
	bool response = h->flags & IKE_FLAG_RESPONSE;
	struct ike_frag_rx *r = sa->frx[response];
	struct frag_piece *pc;
	struct ike_sk_cipher c;
	size_t poff, plen;
	int rc;

	/* The window has moved past a message still being reassembled. */
	if (r && r->msg_id != h->msg_id) {
		frx_free(e, r);
		r = NULL;
	}
	/* Unauthenticated: it must not cost the message being reassembled. */
	if (r && r->exchange != h->exchange) {
		*why = "exchange type differs from earlier fragments";
		return -EBADMSG;
	}
	/* What needs no key first: limits, and a fragment held already. */
	if (f->total > IKE_FRAG_MAX_FRAGMENTS) {
		*why = "more fragments than IKE_FRAG_MAX_FRAGMENTS";
		return -EBADMSG;
	}
	if (r && r->total == f->total && r->piece[f->number - 1].have) {
		*why = "duplicate fragment";
		return -EAGAIN;
	}
	if (e->frag_bytes + f->body.len > IKE_FRAG_ENGINE_BYTES) {
		ike_log_sa(e, IKE_LOG_WARN, sa,
			   "fragment dropped: reassembly holds %zu octets already (at most %u)",
			   e->frag_bytes, IKE_FRAG_ENGINE_BYTES);
		*why = "reassembly memory exhausted";
		return -EBADMSG;
	}
	ike_sk_cipher_from_keys(&c, &sa->keys, !!(h->flags & IKE_FLAG_INITIATOR));
	rc = ike_sk_open(&c, buf, rx->len, f->body_off, &poff, &plen);
	if (rc) {
		*why = rc == -EBADMSG ? "fragment integrity check failed"
				      : "undecryptable Encrypted Fragment payload";
		return -EBADMSG;
	}
	/* Authenticated: a different Total Fragments is the peer's doing. A
	 * smaller one is dropped, a larger one starts over (RFC 7383 2.6). */
	if (r && f->total < r->total) {
		*why = "fewer Total Fragments than earlier fragments";
		return -EBADMSG;
	}
	if (r && f->total > r->total) {
		ike_log_sa(e, IKE_LOG_DEBUG, sa,
			   "%s %u: Total Fragments %u after %u, reassembly starts over",
			   ike_exchange_name(h->exchange), h->msg_id, f->total, r->total);
		frx_free(e, r);
		r = NULL;
	}
	if (r && r->piece[f->number - 1].have) {
		*why = "duplicate fragment";
		return -EAGAIN;
	}
	if (!r && f->total == 1 && f->number == 1) {
		/* Nothing to wait for (RFC 7383 allows a message of one). */
		*plain = plen ? ike_writer_span(&e->rx, poff, plen) : NULL;
		*plain_len = plen;
		*first = f->first_payload;
		return 0;
	}
	if (!r) {
		r = frx_new(e, sa, h, f->total);
		if (!r) {
			*why = "out of memory";
			return -EBADMSG;
		}
	}
	if (r->bytes + plen > IKE_FRAG_MAX_BYTES) {
		ike_log_sa(e, IKE_LOG_WARN, sa,
			   "%s %s %u: fragments over %u octets, message dropped",
			   ike_exchange_name(h->exchange), response ? "response" : "request",
			   h->msg_id, IKE_FRAG_MAX_BYTES);
		frx_free(e, r);
		*why = "message larger than IKE_FRAG_MAX_BYTES";
		return -EBADMSG;
	}
	pc = &r->piece[f->number - 1];
	pc->data = malloc(plen ? plen : 1);
	if (!pc->data) {
		*why = "out of memory";
		return -EBADMSG;
	}
	if (plen)
		memcpy(pc->data, ike_writer_span(&e->rx, poff, plen), plen);
	pc->len = (uint16_t)plen;
	pc->have = true;
	r->bytes += plen;
	e->frag_bytes += plen;
	r->count++;
	if (f->number == 1) {
		unsigned int hl = 0;

		r->first = f->first_payload;
		/* what a retransmission of this request is known by (2.6.1) */
		if (!response &&
		    (!EVP_Digest(rx->pkt, rx->len, sa->frag_req_hash, &hl, EVP_sha256(), NULL) ||
		     hl != sizeof(sa->frag_req_hash)))
			memset(sa->frag_req_hash, 0, sizeof(sa->frag_req_hash));
	}
	if (r->count < r->total) {
		*why = "fragment kept";
		return -EAGAIN;
	}
	rc = frx_join(e, r, plain, plain_len, first);
	frx_free(e, r);
	if (rc) {
		*why = "out of memory";
		return -EBADMSG;
	}
	ike_log_sa(e, IKE_LOG_DEBUG, sa, "%s %s %u reassembled from %u fragments",
		   ike_exchange_name(h->exchange), response ? "response" : "request", h->msg_id,
		   f->total);
	return 0;
}
