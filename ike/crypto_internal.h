/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by crypto*.c and dh*.c only: how each algorithm is computed, and
 * the objects fetched once by ike_crypto_init(). Sizes come from the
 * algorithm table (ike/alg.h); these tables add only what OpenSSL needs. */
#ifndef CONDUIT_IKE_CRYPTO_INTERNAL_H
#define CONDUIT_IKE_CRYPTO_INTERNAL_H

#include <openssl/evp.h>

#include "ike/alg.h"
#include "ike/crypto.h"

/* The MACs behind PRFs and integrity transforms. */
enum ike_mac_kind {
	IKE_MAC_HMAC_MD5,
	IKE_MAC_HMAC_SHA1,
	IKE_MAC_HMAC_SHA256,
	IKE_MAC_HMAC_SHA384,
	IKE_MAC_HMAC_SHA512,
	IKE_MAC_AES_XCBC, /* RFC 3566, on AES-128-ECB */
	IKE_MAC_AES_CMAC, /* RFC 4493, OpenSSL's CMAC */
	IKE_MAC_COUNT,
};

enum ike_cipher {
	IKE_CIPHER_AES128_CBC,
	IKE_CIPHER_AES192_CBC,
	IKE_CIPHER_AES256_CBC,
	IKE_CIPHER_AES128_CTR,
	IKE_CIPHER_AES192_CTR,
	IKE_CIPHER_AES256_CTR,
	IKE_CIPHER_AES128_GCM,
	IKE_CIPHER_AES192_GCM,
	IKE_CIPHER_AES256_GCM,
	IKE_CIPHER_AES128_CCM,
	IKE_CIPHER_AES192_CCM,
	IKE_CIPHER_AES256_CCM,
	IKE_CIPHER_CHACHA20_POLY1305,
	IKE_CIPHER_DES_EDE3_CBC,
	IKE_CIPHER_AES128_ECB, /* AES-XCBC's block function */
	IKE_CIPHER_COUNT,
};

/* How the Encrypted payload uses a cipher. */
enum ike_encr_mode {
	IKE_MODE_CBC, /* RFC 7296 3.14: random IV of a block */
	IKE_MODE_CTR, /* RFC 5930: counter block nonce | IV | 1 */
	IKE_MODE_GCM, /* RFC 5282 (and RFC 7634 for ChaCha20-Poly1305): nonce salt | IV */
	IKE_MODE_CCM, /* RFC 5282: nonce salt (3) | IV, 11 octets */
};

/* An encryption transform as used for the IKE SA's Encrypted payload. */
struct ike_encr_alg {
	enum ike_alg alg;
	uint8_t mode;	   /* enum ike_encr_mode */
	uint8_t cipher;	   /* enum ike_cipher */
	uint8_t iv_len;	   /* explicit IV on the wire */
	uint8_t block_len; /* the encrypted part is a multiple of this */
};

struct ike_integ_alg {
	enum ike_alg alg;
	uint8_t mac; /* enum ike_mac_kind */
};

/* Salt (AEAD) or nonce (CTR) octets stored after the cipher key. */
static inline size_t ike_encr_salt_len(const struct ike_encr_alg *e)
{
	return e->mode == IKE_MODE_CBC ? 0 : e->mode == IKE_MODE_CCM ? 3 : 4;
}

/* The cipher key alone: KEYMAT minus the salt. */
static inline size_t ike_encr_key_len(const struct ike_encr_alg *e)
{
	return ike_alg_get(e->alg)->keymat - ike_encr_salt_len(e);
}

/* The AEAD tag; 0 for a plain cipher (its integrity is a transform). */
static inline size_t ike_encr_icv_len(const struct ike_encr_alg *e)
{
	return ike_alg_get(e->alg)->icv_bits / 8u;
}

static inline size_t ike_integ_alg_key_len(const struct ike_integ_alg *a)
{
	return ike_alg_get(a->alg)->keymat;
}

static inline size_t ike_integ_alg_icv_len(const struct ike_integ_alg *a)
{
	return ike_alg_get(a->alg)->icv_bits / 8u;
}

/* Calls ike_crypto_init() the first time. 0 or -errno. */
int ike_crypto_ready(void);

const struct ike_encr_alg *ike_encr_alg_find(uint16_t id, uint16_t key_bits);
const struct ike_integ_alg *ike_integ_alg_find(uint16_t id);
EVP_CIPHER *ike_cipher_get(enum ike_cipher cipher);

/* ---- crypto_mac.c: one MAC computation ---- */

/*
 * A MAC keyed once, then fed and finished, possibly several times over
 * (ike_mac_restart: same key, new message), as prf+ does. Lives on the
 * stack; ike_mac_free wipes it. The key must have the MAC's own length
 * for XCBC and CMAC (16 octets); the PRF's key rules are the caller's.
 */
struct ike_mac {
	uint8_t kind;	     /* enum ike_mac_kind */
	EVP_MAC_CTX *evp;    /* HMAC, CMAC */
	EVP_CIPHER_CTX *ecb; /* XCBC: AES-128 keyed with K1 */
	uint8_t k2[16], k3[16], e[16], buf[16];
	size_t buf_len;
};

#define IKE_MAC_MAX_LEN 64

int ike_mac_init(struct ike_mac *m, enum ike_mac_kind kind, const uint8_t *key, size_t key_len);
int ike_mac_update(struct ike_mac *m, const uint8_t *data, size_t len);
/* out holds at least ike_mac_len(kind) octets. */
int ike_mac_final(struct ike_mac *m, uint8_t *out);
int ike_mac_restart(struct ike_mac *m);
void ike_mac_free(struct ike_mac *m);
size_t ike_mac_len(enum ike_mac_kind kind);

/* Fetch and free the MAC objects (called by ike_crypto_init/cleanup). */
int ike_mac_algs_init(void);
void ike_mac_algs_cleanup(void);

/* dh.c: the per-group objects, built by ike_crypto_init(). */
int ike_dh_groups_init(void);
void ike_dh_groups_cleanup(void);

#endif
