/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IKEv2 cryptography: PRFs and prf+ (RFC 7296 2.13; HMAC, AES-XCBC-PRF-128
 * of RFC 4434, AES-CMAC-PRF-128 of RFC 4615), IKE SA and CHILD SA key
 * derivation (2.14, 2.17, 2.18) and the protection of the Encrypted payload
 * (3.14 for CBC, RFC 5930 for AES-CTR, RFC 5282 for AES-GCM and AES-CCM,
 * RFC 7634 for ChaCha20-Poly1305; integrity by HMAC, AES-XCBC-96 or
 * AES-CMAC-96).
 *
 * Algorithms are named by their IANA transform IDs (ike/ike_const.h); key
 * lengths of transforms with a Key Length attribute are in bits as on the
 * wire. Nothing here draws random bytes: callers pass them in.
 *
 * Threads: after ike_crypto_init() every function may be called from any
 * thread; the algorithm objects are fetched once and only read afterwards.
 */
#ifndef CONDUIT_IKE_CRYPTO_H
#define CONDUIT_IKE_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/alg.h"

#define IKE_PRF_MAX_LEN 64	 /* HMAC-SHA2-512 */
#define IKE_ENCR_KEY_MAX_LEN 36	 /* AES-256 or ChaCha20 key + 4-octet salt */
#define IKE_INTEG_KEY_MAX_LEN 64 /* HMAC-SHA2-512-256 */
#define IKE_ICV_MAX_LEN 32	 /* HMAC-SHA2-512-256 */
#define IKE_SK_IV_MAX_LEN 16	 /* AES-CBC */
#define IKE_NONCE_MAX_LEN 256	 /* RFC 7296 3.9 */
#define IKE_SPI_LEN 8

/*
 * Fetches every algorithm object and precomputes the key-exchange groups.
 * Idempotent. Other functions call it on first use, but a program that will
 * use several threads must call it before starting them. 0 or -errno.
 */
int ike_crypto_init(void);
void ike_crypto_cleanup(void);

/* A read-only piece of a concatenation (e.g. Ni | Nr). */
struct ike_cbuf {
	const uint8_t *ptr;
	size_t len;
};

/* ---- PRF (RFC 7296 2.13) ---- */

/* Output length of a PRF in octets (also its preferred key length); 0 when
 * conduit does not implement it. */
size_t ike_prf_len(uint16_t prf);

/* out = prf(key, data[0] | ... | data[n-1]); out_size >= ike_prf_len(). */
int ike_prf(uint16_t prf, const uint8_t *key, size_t key_len, const struct ike_cbuf *data,
	    size_t n_data, uint8_t *out, size_t out_size);

/* out = the first out_len octets of prf+(key, seed[0] | ... | seed[n-1]);
 * out_len <= 255 * ike_prf_len(). */
int ike_prf_plus(uint16_t prf, const uint8_t *key, size_t key_len, const struct ike_cbuf *seed,
		 size_t n_seed, uint8_t *out, size_t out_len);

/* ---- integrity (IKE SK payload with a non-AEAD cipher) ---- */

/* Key and ICV lengths of an integrity transform usable for IKE; 0 when
 * unsupported (or IKE_INTEG_NONE). */
size_t ike_integ_key_len(uint16_t integ);
size_t ike_integ_icv_len(uint16_t integ);

/* icv = the truncated HMAC of data; icv_size >= ike_integ_icv_len(). */
int ike_integ_icv(uint16_t integ, const uint8_t *key, size_t key_len, const uint8_t *data,
		  size_t len, uint8_t *icv, size_t icv_size);

/* ---- which transforms are implemented (for proposal selection) ---- */

/* Whether IKE computes this entry of the algorithm table (encryption,
 * PRF, integrity or key exchange). The table's IKE_ALG_IKE flag says the
 * same; a unit test keeps the two in agreement. */
bool ike_crypto_implements(enum ike_alg alg);

/* True when the encryption transform can protect an IKE SA. key_bits is the
 * Key Length attribute (0 when absent, which ChaCha20-Poly1305 requires). */
bool ike_encr_ike_supported(uint16_t encr, uint16_t key_bits);

/* Octets of ESP keying material for one direction: the cipher key plus the
 * salt of AEAD and counter modes (the table's keymat). 0 when not usable in
 * ESP, and for ENCR_NULL, which has no key (see ike_child_keys_derive). */
size_t ike_esp_encr_key_len(uint16_t encr, uint16_t key_bits);
/* Octets of the ESP integrity key; 0 for IKE_INTEG_NONE or unsupported. */
size_t ike_esp_integ_key_len(uint16_t integ);

/* ---- IKE SA keys (RFC 7296 2.14 and 2.18) ---- */

struct ike_encr_alg; /* resolved algorithms, private to crypto*.c */
struct ike_integ_alg;

/* The negotiated transforms of an IKE SA. integ is IKE_INTEG_NONE with an
 * AEAD cipher. */
struct ike_sa_algs {
	uint16_t encr;
	uint16_t encr_key_bits;
	uint16_t prf;
	uint16_t integ;
};

/*
 * The keys of one IKE SA, in fixed arrays so that they live inside the SA
 * without allocations (about 400 octets). SK_e* include the AEAD salt.
 * Call ike_sa_keys_wipe() before the memory is freed or reused.
 */
struct ike_sa_keys {
	struct ike_sa_algs algs;
	const struct ike_encr_alg *encr;
	const struct ike_integ_alg *integ; /* NULL with an AEAD */
	uint8_t prf_len;		   /* SK_d, SK_pi, SK_pr */
	uint8_t integ_len;		   /* SK_ai, SK_ar; 0 with an AEAD */
	uint8_t encr_len;		   /* SK_ei, SK_er */
	uint8_t sk_d[IKE_PRF_MAX_LEN];
	uint8_t sk_ai[IKE_INTEG_KEY_MAX_LEN];
	uint8_t sk_ar[IKE_INTEG_KEY_MAX_LEN];
	uint8_t sk_ei[IKE_ENCR_KEY_MAX_LEN];
	uint8_t sk_er[IKE_ENCR_KEY_MAX_LEN];
	uint8_t sk_pi[IKE_PRF_MAX_LEN];
	uint8_t sk_pr[IKE_PRF_MAX_LEN];
};

/* Checks that the transforms form a usable IKE SA suite: -ENOTSUP if a
 * transform is not implemented, -EINVAL if they do not fit together (an
 * AEAD with an integrity transform, a plain cipher without one). */
int ike_sa_algs_check(const struct ike_sa_algs *algs);

/*
 * IKE_SA_INIT: SKEYSEED = prf(Ni | Nr, g^ir), then
 * {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *     = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr).
 * Nonces are at most IKE_NONCE_MAX_LEN octets. On error keys is wiped.
 */
int ike_sa_keys_derive(struct ike_sa_keys *keys, const struct ike_sa_algs *algs, const uint8_t *gir,
		       size_t gir_len, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		       size_t nr_len, const uint8_t spi_i[IKE_SPI_LEN],
		       const uint8_t spi_r[IKE_SPI_LEN]);

/*
 * IKE SA rekey (2.18): SKEYSEED = prf_old(SK_d(old), g^ir(new) | Ni | Nr)
 * with the old SA's PRF, then prf+ of the new SA's PRF as above, with the
 * new SA's SPIs. keys and old may not be the same object.
 */
int ike_sa_keys_rekey(struct ike_sa_keys *keys, const struct ike_sa_algs *algs,
		      const struct ike_sa_keys *old, const uint8_t *gir, size_t gir_len,
		      const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
		      const uint8_t spi_i[IKE_SPI_LEN], const uint8_t spi_r[IKE_SPI_LEN]);

void ike_sa_keys_wipe(struct ike_sa_keys *keys);

/* ---- CHILD SA keys (RFC 7296 2.17) ---- */

struct ike_child_algs {
	uint16_t encr; /* ESP transform; IKE_ENCR_NULL for integrity only */
	uint16_t encr_key_bits;
	uint16_t integ; /* IKE_INTEG_NONE with an AEAD */
};

/* The keys of one CHILD SA pair: _i protects initiator->responder traffic,
 * _r responder->initiator. AEAD/CTR encryption keys end with their salt. */
struct ike_child_keys {
	uint8_t encr_len;
	uint8_t integ_len;
	uint8_t encr_i[IKE_ENCR_KEY_MAX_LEN];
	uint8_t integ_i[IKE_INTEG_KEY_MAX_LEN];
	uint8_t encr_r[IKE_ENCR_KEY_MAX_LEN];
	uint8_t integ_r[IKE_INTEG_KEY_MAX_LEN];
};

/*
 * KEYMAT = prf+(SK_d, [g^ir (new) |] Ni | Nr), split as encryption key then
 * integrity key for initiator->responder, then the same for the other
 * direction. gir may be NULL (no PFS). On error out is wiped.
 */
int ike_child_keys_derive(struct ike_child_keys *out, const struct ike_sa_keys *ike,
			  const struct ike_child_algs *algs, const uint8_t *gir, size_t gir_len,
			  const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len);

void ike_child_keys_wipe(struct ike_child_keys *keys);

/* ---- Encrypted payload (RFC 7296 3.14, RFC 5282, RFC 7634) ---- */

/*
 * The cipher and keys of one direction. It only points at the keys: it is
 * meant to be built on the stack for each message and not kept.
 */
struct ike_sk_cipher {
	const struct ike_encr_alg *encr;
	const struct ike_integ_alg *integ; /* NULL with an AEAD */
	const uint8_t *encr_key;	   /* cipher key | salt */
	const uint8_t *integ_key;
};

/* From explicit keys (tests, or keys kept elsewhere). encr_key_len and
 * integ_key_len must be the exact lengths for the transforms. */
int ike_sk_cipher_init(struct ike_sk_cipher *c, uint16_t encr, uint16_t key_bits, uint16_t integ,
		       const uint8_t *encr_key, size_t encr_key_len, const uint8_t *integ_key,
		       size_t integ_key_len);

/* From derived IKE SA keys. i2r selects SK_ei/SK_ai (messages sent by the
 * original initiator), otherwise SK_er/SK_ar. keys must have been derived. */
void ike_sk_cipher_from_keys(struct ike_sk_cipher *c, const struct ike_sa_keys *keys, bool i2r);

size_t ike_sk_iv_len(const struct ike_sk_cipher *c);
size_t ike_sk_icv_len(const struct ike_sk_cipher *c);
/* The encrypted part is a multiple of this (1 for AEADs). */
size_t ike_sk_block_len(const struct ike_sk_cipher *c);
/* Length of the encrypted part for plain_len octets of inner payloads:
 * plaintext, the minimal padding and the Pad Length octet. */
size_t ike_sk_ct_len(const struct ike_sk_cipher *c, size_t plain_len);
/* IV + encrypted part + ICV: the SK payload body after its generic header
 * (and after Fragment Number/Total Fragments for SKF). */
size_t ike_sk_body_len(const struct ike_sk_cipher *c, size_t plain_len);

/*
 * Protects a message in place. msg[0, msg_len) is the whole IKE message
 * with its final lengths already written; iv_off is where the IV goes (just
 * after the SK payload's generic header, or after the SKF fragment fields),
 * so msg[0, iv_off) is the AEAD associated data. The plaintext (inner
 * payloads) is already at msg + iv_off + iv_len, plain_len octets, and
 * msg_len must be iv_off + ike_sk_body_len(c, plain_len). iv (iv_len
 * random octets from the caller; for AEADs they must never repeat under a
 * key) is copied in, padding and Pad Length written, the plaintext
 * encrypted and the ICV written at the end.
 * 0, -EINVAL (lengths) or -EIO (OpenSSL failure).
 */
int ike_sk_seal(const struct ike_sk_cipher *c, uint8_t *msg, size_t msg_len, size_t iv_off,
		size_t plain_len, const uint8_t *iv);

/*
 * Verifies and decrypts in place a message laid out as for ike_sk_seal.
 * On success the inner payloads are msg[*plain_off, *plain_off +
 * *plain_len). -EBADMSG when the ICV does not verify (the message must be
 * dropped), -EINVAL when the lengths are malformed, -EIO on an OpenSSL
 * failure. On failure, no decrypted octet is left in msg.
 */
int ike_sk_open(const struct ike_sk_cipher *c, uint8_t *msg, size_t msg_len, size_t iv_off,
		size_t *plain_off, size_t *plain_len);

#endif
