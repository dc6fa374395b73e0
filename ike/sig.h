/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * AUTH payload signatures: RFC 7427 Digital Signature (auth method 14) and
 * the classic methods RSA (1, RFC 7296) and ECDSA (9, 10, 11, RFC 4754);
 * the SIGNATURE_HASH_ALGORITHMS notify (RFC 7427 section 4).
 *
 * Method 14's Authentication Data is one octet, the length of an ASN.1
 * AlgorithmIdentifier, the AlgorithmIdentifier, then the signature: we
 * write the encodings of RFC 7427 Appendix A (RSASSA-PSS with the hash's
 * length as salt, as strongSwan does) and read any RSASSA-PSS parameters
 * with SHA-256/384/512 and MGF1 of the same hash. SHA-1 is only ever used
 * by the classic RSA method 1, never under method 14 (RFC 8247).
 *
 * No I/O: keys are OpenSSL EVP_PKEYs the caller loaded once.
 */
#ifndef CONDUIT_IKE_SIG_H
#define CONDUIT_IKE_SIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "ike/buf.h"

enum ike_sig_scheme {
	IKE_SIG_NONE = 0,
	/* classic methods: the hash is fixed by the method */
	IKE_SIG_RSA_SHA1_CLASSIC,  /* method 1: RSASSA-PKCS1-v1_5, SHA-1 */
	IKE_SIG_ECDSA_256_CLASSIC, /* method 9: P-256, SHA-256, r||s */
	IKE_SIG_ECDSA_384_CLASSIC, /* method 10: P-384, SHA-384, r||s */
	IKE_SIG_ECDSA_521_CLASSIC, /* method 11: P-521, SHA-512, r||s */
	/* method 14 */
	IKE_SIG_RSA_PKCS1_SHA256,
	IKE_SIG_RSA_PKCS1_SHA384,
	IKE_SIG_RSA_PKCS1_SHA512,
	IKE_SIG_RSA_PSS_SHA256,
	IKE_SIG_RSA_PSS_SHA384,
	IKE_SIG_RSA_PSS_SHA512,
	IKE_SIG_ECDSA_SHA256, /* any curve; DER Ecdsa-Sig-Value */
	IKE_SIG_ECDSA_SHA384,
	IKE_SIG_ECDSA_SHA512,
	IKE_SIG_ED25519,
	IKE_SIG_ED448,
	IKE_SIG_MAX,
};

/* Hash algorithm identifiers of SIGNATURE_HASH_ALGORITHMS (IANA). */
enum ike_hash_alg {
	IKE_HASH_SHA1 = 1,
	IKE_HASH_SHA2_256 = 2,
	IKE_HASH_SHA2_384 = 3,
	IKE_HASH_SHA2_512 = 4,
	IKE_HASH_IDENTITY = 5, /* RFC 8420: EdDSA signs the octets themselves */
};

#define IKE_HASH_BIT(h) (UINT32_C(1) << (h))

/* A name for logs: "RSASSA-PSS SHA-256", "ECDSA P-256 (method 9)"... */
const char *ike_sig_name(enum ike_sig_scheme s);
/* The auth method a scheme is sent with (1, 9, 10, 11 or 14). */
uint8_t ike_sig_method(enum ike_sig_scheme s);
/* Method 14's AlgorithmIdentifier of a scheme (NULL for the classic ones). */
const uint8_t *ike_sig_algid(enum ike_sig_scheme s, size_t *len);

/* Preferences for ike_sig_choose(). */
#define IKE_SIG_PREFER_PSS 0x1 /* local.auth = rsa/pss: RSASSA-PSS for RSA keys */

/*
 * The scheme to sign with this key for a peer that sent (peer_rfc7427)
 * SIGNATURE_HASH_ALGORITHMS with the hashes in peer_hashes (IKE_HASH_BIT
 * set): method 14 with the first hash the peer has (an ECDSA key's own
 * curve's first, then SHA-256, 384, 512); else the classic method of the
 * key, if it has one. IKE_SIG_NONE when nothing fits (an EdDSA key for a
 * peer without RFC 7427 and RFC 8420, a curve without a classic method).
 */
enum ike_sig_scheme ike_sig_choose(EVP_PKEY *key, bool peer_rfc7427, uint32_t peer_hashes,
				   unsigned flags);

/*
 * Signs octets (the InitiatorSignedOctets or ResponderSignedOctets of RFC
 * 7296 2.15) with key: *method and the AUTH payload's data appended to out.
 * 0, -EINVAL when the key does not fit the scheme, -EIO when OpenSSL
 * fails (why says which, for a log line).
 */
int ike_sig_sign(EVP_PKEY *key, enum ike_sig_scheme s, const void *octets, size_t len,
		 uint8_t *method, struct ike_writer *out, const char **why);

/*
 * Verifies an AUTH payload (method, data) over octets with the peer's
 * public key: 0 (and *used, if not NULL, the scheme), -EBADMSG for
 * malformed data (lengths, an AlgorithmIdentifier that is not DER, a
 * signature of the wrong size), -ENOTSUP for a method or algorithm we do
 * not accept (SHA-1 in method 14, unknown AlgorithmIdentifiers), -EPERM
 * when it does not fit the key (an ECDSA signature from an RSA key, P-384
 * in method 9) and -EKEYREJECTED when the signature is wrong. why is one
 * phrase for the log line.
 */
int ike_sig_verify(EVP_PKEY *key, uint8_t method, const uint8_t *data, size_t data_len,
		   const void *octets, size_t len, enum ike_sig_scheme *used, const char **why);

/*
 * SIGNATURE_HASH_ALGORITHMS: the hashes listed (IKE_HASH_BIT of each
 * known one; unknown ones are skipped), or -EBADMSG for an odd length.
 */
int ike_sig_hashes_parse(const uint8_t *data, size_t len, uint32_t *hashes);
/* The notify data we send: SHA-256, SHA-384, SHA-512 and Identity, two
 * octets each; its length, or 0 when max is too small. */
size_t ike_sig_hashes_build(uint8_t *out, size_t max);

#endif
