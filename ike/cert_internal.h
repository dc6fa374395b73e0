/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What ike/cert.c shares with ike/cert_verify.c. */
#ifndef CONDUIT_IKE_CERT_INTERNAL_H
#define CONDUIT_IKE_CERT_INTERNAL_H

#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <uthash.h>

#include "ike/cert.h"

struct ike_cert {
	unsigned int refs;
	X509 *x509;
	EVP_PKEY *pub; /* borrowed from x509 (decoded once, at parse) */
	uint8_t *der;
	size_t der_len;
	uint8_t keyid[IKE_CERT_KEYID_LEN];
	uint8_t fp[32];
	char *subject, *issuer;
	/* what identities it carries, decoded once (ike_cert_has_id) */
	uint8_t *subject_der;
	size_t subject_der_len;
	GENERAL_NAMES *san;
	bool self_signed, ca;
	/* in a cache */
	UT_hash_handle hh;
	struct ike_cert *lru_prev, *lru_next;
};

struct ike_creds_cert {
	struct ike_cert *cert;
	enum ike_cert_kind kind;
	char *source;
	bool anchor;
	EVP_PKEY *key; /* ours: the private key matched to it */
	char *key_source;
	/* ours: the chain to send (cert first), and the anchor above it */
	size_t chain_len;
	const struct ike_cert *chain[IKE_CERT_MAX_CHAIN];
	const struct ike_cert *root;
};

struct ike_creds_key {
	EVP_PKEY *key;
	char *source;
	bool used;
};

struct ike_creds_crl {
	X509_CRL *crl;
	char *source;
	const struct ike_cert *issuer; /* the set's certificate that signed it */
	bool ok;		       /* issuer found and signature verified */
	/* Its issuer is not in the set (an intermediate the peer sends):
	 * checked against the chain's issuer when used. */
	bool pending;
};

struct ike_creds {
	unsigned int refs;
	bool finished;
	size_t n_certs, cap_certs;
	struct ike_creds_cert *certs;
	size_t n_keys, cap_keys;
	struct ike_creds_key *keys;
	size_t n_crls, cap_crls;
	struct ike_creds_crl *crls;
	size_t n_own;
	size_t *own; /* indexes into certs */
	uint8_t *certreq;
	size_t certreq_len;
	/* for chain validation: the anchors, and the intermediates of the set */
	X509_STORE *store;
	STACK_OF(X509) * intermediates;
};

/* A DER certificate filling data exactly (CERT payloads), or NULL and *err. */
struct ike_cert *ike_cert_parse_der(const uint8_t *data, size_t len, const char **err);
/* No certificate, key or CRL is anywhere near this: a bound on hostile input. */
#define IKE_CERT_MAX_OCTETS (1u << 20)
/* A name as text, strongSwan's way (malloc'd; NULL: out of memory). */
char *ike_name_text(const X509_NAME *n);
/* An ASN1_TIME as seconds since the epoch. */
bool ike_asn1_time(const ASN1_TIME *t, int64_t *out);
/* Whether issuer issued and signed c. */
bool ike_cert_issued_by(const struct ike_cert *c, const struct ike_cert *issuer);

#endif
