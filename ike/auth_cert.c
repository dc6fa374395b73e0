/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Public-key authentication in IKE_AUTH: see ike/auth_cert.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/auth_cert.h"
#include "ike/cert.h"
#include "ike/engine.h"
#include "ike/sig.h"
#include "ike/wire.h"

/* The config holds const pointers; the references are ours to drop. */
static struct ike_cert *unconst(const struct ike_cert *c)
{
	union {
		const struct ike_cert *c;
		struct ike_cert *m;
	} u = { .c = c };
	return u.m;
}

static const struct ike_cert *const *copy_certs(const struct ike_cert *const *src, size_t n)
{
	const struct ike_cert **p = malloc(n * sizeof(*p));

	if (!p)
		return NULL;
	for (size_t i = 0; i < n; i++)
		p[i] = src[i] ? ike_cert_ref(unconst(src[i])) : NULL;
	return p;
}

static void free_certs(const struct ike_cert *const *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ike_cert_unref(unconst(p[i]));
	union {
		const struct ike_cert *const *c;
		void *m;
	} u = { .c = p };
	free(u.m);
}

int ike_auth_cfg_copy(struct ike_auth_cfg *dst, const struct ike_auth_cfg *src)
{
	*dst = *src;
	dst->cert = NULL;
	dst->trust.cacerts = dst->trust.pinned = NULL;
	dst->trust.n_cacerts = dst->trust.n_pinned = 0;
	if (src->trust.n_cacerts && src->trust.cacerts) {
		dst->trust.cacerts = copy_certs(src->trust.cacerts, src->trust.n_cacerts);
		if (!dst->trust.cacerts)
			goto fail;
		dst->trust.n_cacerts = src->trust.n_cacerts;
	}
	if (src->trust.n_pinned && src->trust.pinned) {
		dst->trust.pinned = copy_certs(src->trust.pinned, src->trust.n_pinned);
		if (!dst->trust.pinned)
			goto fail;
		dst->trust.n_pinned = src->trust.n_pinned;
	}
	if (src->cert)
		dst->cert = ike_cert_ref(unconst(src->cert));
	return 0;
fail:
	ike_auth_cfg_release(dst);
	return -ENOMEM;
}

void ike_auth_cfg_release(struct ike_auth_cfg *a)
{
	if (a->trust.cacerts)
		free_certs(a->trust.cacerts, a->trust.n_cacerts);
	if (a->trust.pinned)
		free_certs(a->trust.pinned, a->trust.n_pinned);
	ike_cert_unref(unconst(a->cert));
	a->trust.cacerts = a->trust.pinned = NULL;
	a->trust.n_cacerts = a->trust.n_pinned = 0;
	a->cert = NULL;
}

/* ------------------------------------------------------------------ */
/* IKE_SA_INIT                                                         */

void ike_auth_add_init_payloads(struct ike_engine *e, struct ike_builder *b,
				const struct ike_sa *sa, const struct ike_msg *req)
{
	uint8_t hashes[16];
	size_t n;

	if (!e->opts.no_rfc7427 &&
	    (!req || ike_msg_notify(req, IKE_N_SIGNATURE_HASH_ALGORITHMS))) {
		n = ike_sig_hashes_build(hashes, sizeof(hashes));
		if (n)
			ike_add_notify(b, 0, NULL, 0, IKE_N_SIGNATURE_HASH_ALGORITHMS, hashes, n);
	}
	/* RFC 7296 3.7: the responder asks in IKE_SA_INIT, the initiator in
	 * IKE_AUTH (it knows then which connection it is). */
	if (req && sa->ho && sa->ho->creds && ike_conn_certreq_for(e, &sa->local, &sa->remote)) {
		const uint8_t *ids = ike_creds_certreq(sa->ho->creds, &n);

		if (n)
			ike_add_cert(b, IKE_PL_CERTREQ, IKE_CERT_X509_SIGNATURE, ids, n);
	}
}

/* The Certification Authority data of the peer's X.509 CERTREQs, for
 * ike_creds_for_certreq (one payload at a time: each is a list). */
static const struct ike_cert *pick_by_certreq(const struct ike_creds *cs, const struct ike_msg *m,
					      bool *asked)
{
	const struct ike_cert *c = NULL;

	*asked = m->n_certreq > 0;
	for (size_t i = 0; cs && !c && i < m->n_certreq; i++)
		if (m->certreq[i].encoding == IKE_CERT_X509_SIGNATURE)
			c = ike_creds_for_certreq(cs, m->certreq[i].data.ptr,
						  m->certreq[i].data.len);
	return c;
}

void ike_auth_note_certreq(struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_half_open *ho = sa->ho;

	if (ho && !ho->peer_certreq)
		ho->certreq_pick = pick_by_certreq(ho->creds, m, &ho->peer_certreq);
}

void ike_auth_note_init(struct ike_sa *sa, const struct ike_msg *m)
{
	const struct ike_notify *n = ike_msg_notify(m, IKE_N_SIGNATURE_HASH_ALGORITHMS);
	struct ike_half_open *ho = sa->ho;
	uint32_t hashes = 0;

	if (!ho)
		return;
	ho->peer_rfc7427 = n && !ike_sig_hashes_parse(n->data.ptr, n->data.len, &hashes);
	ho->peer_hashes = ho->peer_rfc7427 ? hashes : 0;
	ike_auth_note_certreq(sa, m);
}

/* ------------------------------------------------------------------ */
/* Sending                                                             */

/* An own certificate carrying our configured identity. */
static const struct ike_cert *own_by_id(const struct ike_creds *cs, const struct ike_id *id)
{
	size_t n = ike_creds_n_own(cs);

	if (!id->type)
		return n ? ike_creds_own(cs, 0) : NULL;
	for (size_t i = 0; i < n; i++)
		if (ike_cert_has_id(ike_creds_own(cs, i), id->type, id->data, id->len))
			return ike_creds_own(cs, i);
	return n ? ike_creds_own(cs, 0) : NULL;
}

const struct ike_cert *ike_auth_own_cert(const struct ike_sa *sa)
{
	const struct ike_auth_cfg *a = &sa->conn->cfg.local_auth;
	const struct ike_half_open *ho = sa->ho;

	if (a->method != IKE_AUTH_PUBKEY || !ho || !ho->creds)
		return NULL;
	if (a->cert)
		return a->cert;
	if (ho->certreq_pick)
		return ho->certreq_pick;
	return own_by_id(ho->creds, &sa->conn->cfg.local_id);
}

void ike_auth_add_certs(struct ike_builder *b, const struct ike_sa *sa,
			const struct ike_cert *own, bool peer_asked)
{
	uint8_t mode = sa->conn->cfg.send_cert;
	const struct ike_cert *const *chain;
	const uint8_t *der;
	size_t n = 0, len;

	if (!own || mode == IKE_SEND_CERT_NEVER || (mode == IKE_SEND_CERT_IFASKED && !peer_asked))
		return;
	chain = ike_creds_chain(sa->ho->creds, own, &n);
	if (!chain) {
		/* configured, but not one of the set's (no key here): alone */
		der = ike_cert_der(own, &len);
		ike_add_cert(b, IKE_PL_CERT, IKE_CERT_X509_SIGNATURE, der, len);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		der = ike_cert_der(chain[i], &len);
		ike_add_cert(b, IKE_PL_CERT, IKE_CERT_X509_SIGNATURE, der, len);
	}
}

void ike_auth_add_certreq(struct ike_builder *b, const struct ike_sa *sa)
{
	const uint8_t *ids;
	size_t n = 0;

	if (!ike_conn_wants_certreq(sa->conn) || !sa->ho || !sa->ho->creds)
		return;
	ids = ike_creds_certreq(sa->ho->creds, &n);
	if (n)
		ike_add_cert(b, IKE_PL_CERTREQ, IKE_CERT_X509_SIGNATURE, ids, n);
}

static bool allowed(uint32_t mask, enum ike_sig_scheme s)
{
	return s != IKE_SIG_NONE && (!mask || (mask & (UINT32_C(1) << s)));
}

/* ike_sig_choose, within local sig_schemes: the scheme it prefers, else
 * the other RSA padding, else any hash the peer has, else the classic
 * method (auth = rsa/pss alone makes PSS the choice even unconfigured). */
static enum ike_sig_scheme choose_scheme(EVP_PKEY *key, const struct ike_half_open *ho,
					 const struct ike_auth_cfg *a, bool rfc7427)
{
	unsigned flags = a->prefer_pss ? IKE_SIG_PREFER_PSS : 0;
	enum ike_sig_scheme s;

	s = ike_sig_choose(key, rfc7427, ho->peer_hashes, flags);
	if (allowed(a->sig_schemes, s))
		return s;
	s = ike_sig_choose(key, rfc7427, ho->peer_hashes, flags ^ IKE_SIG_PREFER_PSS);
	if (allowed(a->sig_schemes, s))
		return s;
	for (unsigned h = IKE_HASH_SHA2_256; rfc7427 && h <= IKE_HASH_IDENTITY; h++) {
		if (!(ho->peer_hashes & IKE_HASH_BIT(h)))
			continue;
		for (unsigned f = 0; f < 2; f++) {
			s = ike_sig_choose(key, true, IKE_HASH_BIT(h),
					   f ? flags ^ IKE_SIG_PREFER_PSS : flags);
			if (allowed(a->sig_schemes, s) && ike_sig_method(s) == IKE_AUTH_DIGITAL_SIGNATURE)
				return s;
		}
	}
	s = ike_sig_choose(key, false, 0, flags);
	return allowed(a->sig_schemes, s) ? s : IKE_SIG_NONE;
}

int ike_auth_sign(struct ike_engine *e, struct ike_sa *sa, struct ike_builder *b,
		  const struct ike_cert *own, const uint8_t *octets, size_t len, const char **why)
{
	const struct ike_auth_cfg *a = &sa->conn->cfg.local_auth;
	EVP_PKEY *key = own ? ike_creds_key(sa->ho->creds, own) : NULL;
	enum ike_sig_scheme s;
	struct ike_writer w;
	uint8_t method = 0;
	int rc;

	if (!key) {
		*why = own ? "no private key for our certificate" : "no certificate of ours to use";
		return -ENOKEY;
	}
	s = choose_scheme(key, sa->ho, a, sa->ho->peer_rfc7427 && !e->opts.no_rfc7427);
	if (s == IKE_SIG_NONE) {
		*why = "no signature scheme both our key and the constraints (auth) allow that "
		       "the peer supports";
		return -ENOTSUP;
	}
	ike_writer_init(&w);
	rc = ike_sig_sign(key, s, octets, len, &method, &w, why);
	if (!rc)
		rc = ike_writer_error(&w);
	if (!rc) {
		ike_add_auth(b, method, w.buf, w.len);
		snprintf(sa->auth_desc[0], sizeof(sa->auth_desc[0]), "pubkey %s", ike_sig_name(s));
	}
	ike_writer_free(&w);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Receiving                                                           */

void ike_peer_chain_load(struct ike_engine *e, struct ike_peer_chain *pc, const struct ike_msg *m)
{
	if (pc->parsed)
		return;
	pc->parsed = true;
	for (size_t i = 0; i < m->n_cert && pc->n < IKE_CERT_MAX_CHAIN; i++) {
		const char *err = NULL;
		struct ike_cert *c;

		if (m->cert[i].encoding != IKE_CERT_X509_SIGNATURE)
			continue; /* others we do not use (RFC 7296 3.6 lets us ignore them) */
		c = ike_peer_cert(e, m->cert[i].data.ptr, m->cert[i].data.len, &err);
		if (!c) {
			if (!pc->bad)
				pc->bad = err ? err : "unparseable";
			/* the end entity must parse; an intermediate that does not
			 * is left out (the chain then fails if it was needed) */
			if (pc->n == 0)
				return;
			continue;
		}
		pc->c[pc->n++] = c;
	}
}

void ike_peer_chain_free(struct ike_peer_chain *pc)
{
	for (size_t i = 0; i < pc->n; i++)
		ike_cert_unref(pc->c[i]);
	pc->n = 0;
}

/* The peer sent no certificate: one of c's pinned ones, or of the set's
 * end-entity certificates, that carries its identity. */
static const struct ike_cert *known_peer_cert(const struct ike_creds *cs, const struct ike_conn *c,
					      const struct ike_id_pl *id)
{
	const struct ike_trust *t = &c->cfg.remote_auth.trust;
	struct ike_creds_entry ent;
	size_t n;

	for (size_t i = 0; i < t->n_pinned; i++)
		if (t->pinned[i] &&
		    ike_cert_has_id(t->pinned[i], id->type, id->data.ptr, id->data.len))
			return t->pinned[i];
	n = cs ? ike_creds_n_certs(cs) : 0;
	for (size_t i = 0; i < n; i++) {
		ike_creds_cert_entry(cs, i, &ent);
		if (ent.kind == IKE_CERT_KIND_EE && !ent.has_key &&
		    ike_cert_has_id(ent.cert, id->type, id->data.ptr, id->data.len))
			return ent.cert;
	}
	return NULL;
}

/* The config holds const pointers; ike_cert_verify takes the chain as
 * mutable ones it does not change. */
static struct ike_cert *chain_elem(const struct ike_cert *c)
{
	return unconst(c);
}

int ike_auth_check_cert(struct ike_engine *e, const struct ike_sa *sa, const struct ike_conn *c,
			struct ike_peer_chain *pc, const struct ike_id_pl *id,
			const struct ike_cert **ee, char *why, size_t why_len)
{
	const struct ike_creds *cs = sa->ho ? sa->ho->creds : NULL;
	struct ike_cert *one[1];
	struct ike_cert *const *chain = pc->c;
	size_t n = pc->n;
	char idtxt[160];
	int64_t now = ike_wall_time(e);

	*ee = NULL;
	if (!n) {
		if (pc->bad) {
			snprintf(why, why_len, "peer's certificate does not parse: %s", pc->bad);
			return -EACCES;
		}
		one[0] = chain_elem(known_peer_cert(cs, c, id));
		if (!one[0]) {
			ike_id_format(id->type, id->data.ptr, id->data.len, idtxt, sizeof(idtxt));
			snprintf(why, why_len,
				 "peer sent no certificate, and none is known for \"%s\"", idtxt);
			return -EACCES;
		}
		chain = one;
		n = 1;
	}
	if (!cs) {
		snprintf(why, why_len, "no credentials loaded to check the peer's certificate");
		return -EACCES;
	}
	if (now < 0) {
		snprintf(why, why_len, "no wall-clock time to check the peer's certificate");
		return -EACCES;
	}
	if (ike_cert_verify(cs, &c->cfg.remote_auth.trust, chain, n, now, why, why_len) !=
	    IKE_CERT_OK)
		return -EACCES;
	if (!ike_cert_has_id(chain[0], id->type, id->data.ptr, id->data.len)) {
		ike_id_format(id->type, id->data.ptr, id->data.len, idtxt, sizeof(idtxt));
		snprintf(why, why_len, "ID \"%s\" not in the certificate \"%s\"", idtxt,
			 ike_cert_subject(chain[0]));
		return -EACCES;
	}
	*ee = chain[0];
	return 0;
}

int ike_auth_check_sig(struct ike_sa *sa, const struct ike_conn *c, const struct ike_cert *ee,
		       const struct ike_msg *m, const uint8_t *octets, size_t len, char *why,
		       size_t why_len)
{
	const struct ike_auth_cfg *a = &c->cfg.remote_auth;
	enum ike_sig_scheme used = IKE_SIG_NONE;
	const char *err = NULL;
	int rc;

	rc = ike_sig_verify(ike_cert_pubkey(ee), m->auth.method, m->auth.data.ptr, m->auth.data.len,
			    octets, len, &used, &err);
	if (rc) {
		snprintf(why, why_len, "signature of \"%s\" does not verify%s%s",
			 ike_cert_subject(ee), err ? ": " : "", err ? err : "");
		return -EACCES;
	}
	if (!allowed(a->sig_schemes, used)) {
		snprintf(why, why_len, "peer signed with %s, which remote auth does not allow",
			 ike_sig_name(used));
		return -EACCES;
	}
	snprintf(sa->auth_desc[1], sizeof(sa->auth_desc[1]), "pubkey %s", ike_sig_name(used));
	return 0;
}
