/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared by crypto*.c and dh*.c only: the algorithm tables and the objects
 * fetched once by ike_crypto_init(). */
#ifndef CONDUIT_IKE_CRYPTO_INTERNAL_H
#define CONDUIT_IKE_CRYPTO_INTERNAL_H

#include <openssl/evp.h>

#include "ike/crypto.h"

enum ike_md {
	IKE_MD_SHA1,
	IKE_MD_SHA256,
	IKE_MD_SHA384,
	IKE_MD_SHA512,
	IKE_MD_COUNT,
};

enum ike_cipher {
	IKE_CIPHER_AES128_CBC,
	IKE_CIPHER_AES192_CBC,
	IKE_CIPHER_AES256_CBC,
	IKE_CIPHER_AES128_GCM,
	IKE_CIPHER_AES192_GCM,
	IKE_CIPHER_AES256_GCM,
	IKE_CIPHER_CHACHA20_POLY1305,
	IKE_CIPHER_COUNT,
};

/* An encryption transform as used for the IKE SA's Encrypted payload. */
struct ike_encr_alg {
	uint16_t id;
	uint16_t key_bits; /* Key Length attribute; 0 when there is none */
	uint8_t key_len;   /* cipher key octets */
	uint8_t salt_len;  /* AEAD: nonce prefix stored after the key */
	uint8_t iv_len;	   /* explicit IV on the wire */
	uint8_t block_len; /* the encrypted part is a multiple of this */
	uint8_t icv_len;   /* AEAD tag; 0 for a plain cipher */
	uint8_t cipher;	   /* enum ike_cipher */
};

struct ike_integ_alg {
	uint16_t id;
	uint8_t key_len;
	uint8_t icv_len;
	uint8_t md; /* enum ike_md */
};

/* Calls ike_crypto_init() the first time. 0 or -errno. */
int ike_crypto_ready(void);

const struct ike_encr_alg *ike_encr_alg_find(uint16_t id, uint16_t key_bits);
const struct ike_integ_alg *ike_integ_alg_find(uint16_t id);

/* A new HMAC context keyed with key; free with EVP_MAC_CTX_free(). */
EVP_MAC_CTX *ike_hmac_new(enum ike_md md, const uint8_t *key, size_t key_len);
EVP_CIPHER *ike_cipher_get(enum ike_cipher cipher);

/* dh.c: the per-group objects, built by ike_crypto_init(). */
int ike_dh_groups_init(void);
void ike_dh_groups_cleanup(void);

#endif
