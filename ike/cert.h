/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * X.509 credentials for IKEv2 public-key authentication.
 *
 * A credential set (struct ike_creds) holds certificates, private keys and
 * CRLs, each parsed once from octets the daemon read (PEM or DER): ike/
 * reads no file. The daemon builds a set at start and at reload, finishes
 * it (ike_creds_finish: trust anchors, our chains, keys matched to their
 * certificates, CRLs checked against their issuers) and hands it to the
 * engine; a set is refcounted and never changes once finished, so SAs that
 * began with an older set can keep it while a reload installs a new one.
 *
 * Peer certificates arrive in CERT payloads (X.509 Signature, type 4) and
 * are validated with ike_cert_verify() (ike/cert_verify.c) against a
 * connection's trust rules, at a wall-clock time the caller passes in.
 *
 * Trust, as strongSwan has it: only self-signed certificates given as CA
 * certificates (x509ca/) are trust anchors; other CA certificates serve as
 * intermediates. A connection's cacerts requires one of them in the chain,
 * its pinned certificates (remote.certs) are trusted as they are.
 */
#ifndef CONDUIT_IKE_CERT_H
#define CONDUIT_IKE_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ike/ike.h"

#define IKE_CERT_KEYID_LEN 20 /* SHA-1, RFC 7296 3.7 */
#define IKE_CERT_MAX_CHAIN 8  /* certificates in a chain we build or accept */
#define IKE_CERT_WHY_LEN 320  /* room for a refusal's reason */

/* ------------------------------------------------------------------ */
/* One certificate, parsed once (refcounted; immutable once made)      */

struct ike_cert;

/* A certificate from PEM (the first CERTIFICATE block) or DER octets; the
 * DER must fill data exactly. NULL (and *err, a static string) when it is
 * not one, or out of memory. */
struct ike_cert *ike_cert_parse(const uint8_t *data, size_t len, const char **err);
struct ike_cert *ike_cert_ref(struct ike_cert *c);
void ike_cert_unref(struct ike_cert *c);

X509 *ike_cert_x509(const struct ike_cert *c);
/* The public key, decoded once with the certificate. */
EVP_PKEY *ike_cert_pubkey(const struct ike_cert *c);
/* The certificate's DER, as a CERT payload carries it. */
const uint8_t *ike_cert_der(const struct ike_cert *c, size_t *len);
/* SHA-1 of the DER SubjectPublicKeyInfo: what CERTREQ names a CA by. */
const uint8_t *ike_cert_keyid(const struct ike_cert *c);
/* SHA-256 of the DER: the certificate's identity in caches. */
const uint8_t *ike_cert_fingerprint(const struct ike_cert *c);
/* The subject as DER, as an ID_DER_ASN1_DN identity carries it. */
const uint8_t *ike_cert_subject_der(const struct ike_cert *c, size_t *len);
/* Subject and issuer as text ("C=CH, O=conduit, CN=moon"), for logs. */
const char *ike_cert_subject(const struct ike_cert *c);
const char *ike_cert_issuer(const struct ike_cert *c);
/* Whether the certificate carries this identity (an ID payload's type and
 * data): a DN equal to its subject, or an FQDN, email address or IP
 * address equal to one of its subjectAltNames (names without case, no
 * wildcards on either side). Nothing is decoded per call. */
bool ike_cert_has_id(const struct ike_cert *c, uint8_t type, const uint8_t *data, size_t len);
/* Self-issued and signed by its own key. */
bool ike_cert_self_signed(const struct ike_cert *c);
/* basicConstraints CA:TRUE. */
bool ike_cert_is_ca(const struct ike_cert *c);
/* "ECDSA P-256", "RSA 2048", "Ed25519"... */
void ike_cert_key_type(const struct ike_cert *c, char *buf, size_t size);
/* The serial number in hex ("1005"), for listings and logs. */
void ike_cert_serial(const struct ike_cert *c, char *buf, size_t size);
/* notBefore and notAfter as seconds since the epoch (false: unreadable). */
bool ike_cert_validity(const struct ike_cert *c, int64_t *not_before, int64_t *not_after);
/* Seconds since the epoch as "2021-01-01 00:00:00 UTC". */
void ike_time_format(int64_t t, char *buf, size_t size);

/* ------------------------------------------------------------------ */
/* A credential set                                                    */

struct ike_creds;

/* Where a certificate comes from: swanctl's x509/ (our own and peers'
 * end-entity certificates) or x509ca/ (CA certificates). */
enum ike_cert_kind {
	IKE_CERT_KIND_EE,
	IKE_CERT_KIND_CA,
};

/* One thing wrong with a set, found by ike_creds_finish (source: what the
 * adder said the item came from, usually its file). */
typedef void (*ike_creds_problem_fn)(void *ctx, const char *source, const char *msg);

struct ike_creds *ike_creds_new(void);
struct ike_creds *ike_creds_ref(struct ike_creds *cs);
/* NULL is fine. Keys are freed (OpenSSL wipes them) with the last ref. */
void ike_creds_unref(struct ike_creds *cs);

/*
 * Add a certificate, a private key or a CRL, from PEM or DER octets, before
 * ike_creds_finish. source names it in problems and listings (copied).
 * 0, or -EINVAL (not parseable: *err, static, says why), -EEXIST (the same
 * certificate twice: ignored, harmless), -ENOMEM, -EBUSY (set finished).
 *
 * A key may be encrypted (PEM or PKCS#8): passphrase NULL when none is
 * known. -EACCES: encrypted and the passphrase is missing or wrong.
 */
int ike_creds_add_cert(struct ike_creds *cs, enum ike_cert_kind kind, const uint8_t *data,
		       size_t len, const char *source, const char **err);
int ike_creds_add_key(struct ike_creds *cs, const uint8_t *data, size_t len, const char *passphrase,
		      const char *source, const char **err);
int ike_creds_add_crl(struct ike_creds *cs, const uint8_t *data, size_t len, const char *source,
		      const char **err);

/*
 * Make the set usable: trust anchors and their CERTREQ key ids; each
 * private key matched to the certificate with its public key; our chains
 * (each certificate with a key, then the intermediates issuing it found
 * in the set, the self-signed root left out as peers have it); each CRL
 * checked against its issuer. Each problem goes to fn (may be NULL): a key
 * that matches no certificate, a CRL not signed by its issuer in the set
 * (dropped; a CRL whose issuer is not in the set is checked against the
 * peer's intermediate when used), one of our certificates outside its validity at
 * wall_time. Returns the number of problems, or -ENOMEM.
 */
int ike_creds_finish(struct ike_creds *cs, int64_t wall_time, ike_creds_problem_fn fn, void *ctx);

/* The CERTREQ payload's Certification Authority data: the key ids of every
 * trust anchor, concatenated (len: 20 times their number; 0: none). */
const uint8_t *ike_creds_certreq(const struct ike_creds *cs, size_t *len);

/* Our certificates (those with a private key), in the order added. */
size_t ike_creds_n_own(const struct ike_creds *cs);
const struct ike_cert *ike_creds_own(const struct ike_creds *cs, size_t i);
/* A certificate of the set by its source (e.g. "moonCert.pem" for
 * local.certs/remote.certs/cacerts), or NULL. */
const struct ike_cert *ike_creds_by_source(const struct ike_creds *cs, const char *source);
/* The private key of one of our certificates, or NULL. */
EVP_PKEY *ike_creds_key(const struct ike_creds *cs, const struct ike_cert *own);
/* The chain to send for own: own first, then its intermediates (n >= 1);
 * NULL when own is not one of ours. */
const struct ike_cert *const *ike_creds_chain(const struct ike_creds *cs,
					      const struct ike_cert *own, size_t *n);
/*
 * Which of our certificates to use for a peer's CERTREQ (its Certification
 * Authority data: key ids, keyids_len a multiple of 20; a partial one is
 * ignored): the first whose chain, or the anchor it leads to, holds a key id
 * of the list. NULL when none does (the caller then sends its default).
 */
const struct ike_cert *ike_creds_for_certreq(const struct ike_creds *cs, const uint8_t *keyids,
					     size_t keyids_len);

/* Every certificate of the set, for listings. */
struct ike_creds_entry {
	const struct ike_cert *cert;
	enum ike_cert_kind kind;
	const char *source;
	bool has_key;
	bool anchor; /* a trust anchor */
};
size_t ike_creds_n_certs(const struct ike_creds *cs);
void ike_creds_cert_entry(const struct ike_creds *cs, size_t i, struct ike_creds_entry *out);
size_t ike_creds_n_crls(const struct ike_creds *cs);

/* ------------------------------------------------------------------ */
/* Validating a peer's chain (ike/cert_verify.c)                       */

/* enum ike_revocation and struct ike_trust (one connection's trust rules)
 * are in ike/ike.h: they are part of a connection's configuration. */

/* Why a chain was refused: one reason each. */
enum ike_cert_status {
	IKE_CERT_OK = 0,
	IKE_CERT_MALFORMED,	/* no certificate, too many, or unusable */
	IKE_CERT_EXPIRED,	/* a certificate of the chain is past notAfter */
	IKE_CERT_NOT_YET_VALID, /* ... before notBefore */
	IKE_CERT_REVOKED,	/* listed in a CRL of its issuer */
	IKE_CERT_UNKNOWN_CA,	/* no chain to a trust anchor (of cacerts) */
	IKE_CERT_BAD_SIGNATURE, /* a signature of the chain does not verify */
	IKE_CERT_KEY_USAGE,	/* keyUsage/extendedKeyUsage do not allow IKE */
	IKE_CERT_INVALID_CA,	/* an issuer that may not issue (basicConstraints,
				 * keyCertSign, path length) */
	IKE_CERT_NOT_PINNED,	/* not one of remote.certs */
	IKE_CERT_NO_REVOCATION, /* strict/ifuri: no current CRL says it is good */
	IKE_CERT_SIG_SCHEME,	/* signed with a scheme remote.auth does not allow */
};

/* "expired", "revoked"... (static). */
const char *ike_cert_status_name(enum ike_cert_status s);

/*
 * Validate a peer's certificates (chain[0] its end entity, then the
 * intermediates it sent, in any order) against the set's anchors and CRLs
 * under trust, at wall_time (seconds since the epoch). IKE_CERT_OK, or the
 * reason, with why (may be NULL) filled with one line naming the
 * certificate and what is wrong ("certificate "CN=x" expired on ...").
 */
enum ike_cert_status ike_cert_verify(const struct ike_creds *cs, const struct ike_trust *trust,
				     struct ike_cert *const *chain, size_t n, int64_t wall_time,
				     char *why, size_t why_len);

/* ------------------------------------------------------------------ */
/* A cache of peers' certificates, by SHA-256 of their DER              */

/* Decoding a certificate's public key costs OpenSSL 3.0 more than
 * verifying a signature with it: each peer certificate is parsed once and
 * kept (least recently used out beyond max). */
#define IKE_CERT_CACHE_MAX 256

struct ike_cert_cache;

struct ike_cert_cache *ike_cert_cache_new(size_t max);
void ike_cert_cache_free(struct ike_cert_cache *cc);
/* The certificate with this DER, parsed now or found; a new reference
 * (ike_cert_unref it). NULL and *err when it does not parse. */
struct ike_cert *ike_cert_cache_get(struct ike_cert_cache *cc, const uint8_t *der, size_t len,
				    const char **err);
size_t ike_cert_cache_size(const struct ike_cert_cache *cc);
/* Lookups answered without parsing, and parses (for tests and stats). */
void ike_cert_cache_stats(const struct ike_cert_cache *cc, uint64_t *hits, uint64_t *misses);

#endif
