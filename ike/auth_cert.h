/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Public-key authentication in IKE_AUTH (RFC 7296 2.15, 3.6, 3.7; RFC
 * 7427): the engine's side of ike/cert.h and ike/sig.h. Internal to ike/.
 */
#ifndef CONDUIT_IKE_AUTH_CERT_H
#define CONDUIT_IKE_AUTH_CERT_H

#include "ike/cert.h"
#include "ike/ike.h"

struct ike_engine;
struct ike_sa;
struct ike_conn;
struct ike_msg;
struct ike_builder;
struct ike_id_pl;

/* A connection's copy of an auth config: references on every certificate,
 * its own pointer arrays. 0 or -ENOMEM (dst then holds nothing). */
int ike_auth_cfg_copy(struct ike_auth_cfg *dst, const struct ike_auth_cfg *src);
/* Drop what ike_auth_cfg_copy took. */
void ike_auth_cfg_release(struct ike_auth_cfg *a);

/* ---- IKE_SA_INIT ---- */
/* SIGNATURE_HASH_ALGORITHMS (the initiator always, req NULL; the responder
 * when the peer's request req had it) and, responder, CERTREQ when a
 * connection for these addresses may check a certificate. */
void ike_auth_add_init_payloads(struct ike_engine *e, struct ike_builder *b,
				const struct ike_sa *sa, const struct ike_msg *req);
/* The peer's IKE_SA_INIT: its RFC 7427 hashes and CERTREQ. */
void ike_auth_note_init(struct ike_sa *sa, const struct ike_msg *m);
/* CERTREQ in the peer's IKE_AUTH request (the initiator asks there). */
void ike_auth_note_certreq(struct ike_sa *sa, const struct ike_msg *m);

/* ---- IKE_AUTH ---- */
/* Our certificate for this SA (local auth pubkey), or NULL. */
const struct ike_cert *ike_auth_own_cert(const struct ike_sa *sa);
/* The CERT payloads we send (send_cert; the peer asked: it sent CERTREQ). */
void ike_auth_add_certs(struct ike_builder *b, const struct ike_sa *sa,
			const struct ike_cert *own, bool peer_asked);
/* Initiator: CERTREQ in IKE_AUTH, when we may check the responder's
 * certificate and have trust anchors. */
void ike_auth_add_certreq(struct ike_builder *b, const struct ike_sa *sa);
/* Signs octets with own's key: the AUTH payload added; sa->auth_desc[0]
 * set. 0, or -errno with *why for the log. */
int ike_auth_sign(struct ike_engine *e, struct ike_sa *sa, struct ike_builder *b,
		  const struct ike_cert *own, const uint8_t *octets, size_t len, const char **why);

/* The peer's certificates from a message's CERT payloads, through the
 * engine's cache (references). */
struct ike_peer_chain {
	struct ike_cert *c[IKE_CERT_MAX_CHAIN];
	size_t n;
	bool parsed;
	const char *bad; /* a CERT payload that does not parse: why */
};
void ike_peer_chain_load(struct ike_engine *e, struct ike_peer_chain *pc, const struct ike_msg *m);
void ike_peer_chain_free(struct ike_peer_chain *pc);

/* Whether connection c accepts the peer's certificate for identity id:
 * the chain (or, none sent, a pinned or x509/ certificate carrying the ID)
 * validates under c's trust and carries id. 0 and *ee, or -EACCES with
 * why (one line). */
int ike_auth_check_cert(struct ike_engine *e, const struct ike_sa *sa, const struct ike_conn *c,
			struct ike_peer_chain *pc, const struct ike_id_pl *id,
			const struct ike_cert **ee, char *why, size_t why_len);
/* The peer's AUTH (a signature method) over octets with ee's key, allowed
 * by c's remote sig_schemes: 0 and sa->auth_desc[1], or -EACCES and why. */
int ike_auth_check_sig(struct ike_sa *sa, const struct ike_conn *c, const struct ike_cert *ee,
		       const struct ike_msg *m, const uint8_t *octets, size_t len, char *why,
		       size_t why_len);

#endif
