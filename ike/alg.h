/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The algorithms conduit knows, in one table: for each IKEv2 transform its
 * IANA identity, strongSwan's keywords and names, the Linux kernel's name
 * and sizes for ESP, and where conduit can use it.
 *
 * ike/ (proposals, crypto), daemon/ and kernel-iface/ all read this table
 * and pass algorithms to each other as enum ike_alg: nothing re-derives an
 * algorithm from a string. Depends on nothing else in ike/ but ike_const.h,
 * so kernel-iface/ can use it without the IKE engine.
 */
#ifndef CONDUIT_IKE_ALG_H
#define CONDUIT_IKE_ALG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ike_const.h"

enum ike_alg {
	IKE_ALG_NONE = 0, /* no algorithm (an AEAD's integrity) */

	/* encryption */
	IKE_ALG_AES128_CBC,
	IKE_ALG_AES192_CBC,
	IKE_ALG_AES256_CBC,
	IKE_ALG_AES128_CTR,
	IKE_ALG_AES192_CTR,
	IKE_ALG_AES256_CTR,
	IKE_ALG_AES128_GCM_8,
	IKE_ALG_AES192_GCM_8,
	IKE_ALG_AES256_GCM_8,
	IKE_ALG_AES128_GCM_12,
	IKE_ALG_AES192_GCM_12,
	IKE_ALG_AES256_GCM_12,
	IKE_ALG_AES128_GCM_16,
	IKE_ALG_AES192_GCM_16,
	IKE_ALG_AES256_GCM_16,
	IKE_ALG_AES128_CCM_8,
	IKE_ALG_AES192_CCM_8,
	IKE_ALG_AES256_CCM_8,
	IKE_ALG_AES128_CCM_12,
	IKE_ALG_AES192_CCM_12,
	IKE_ALG_AES256_CCM_12,
	IKE_ALG_AES128_CCM_16,
	IKE_ALG_AES192_CCM_16,
	IKE_ALG_AES256_CCM_16,
	IKE_ALG_CHACHA20_POLY1305,
	IKE_ALG_3DES_CBC,
	IKE_ALG_ENCR_NULL,

	/* integrity */
	IKE_ALG_INTEG_NONE,
	IKE_ALG_HMAC_MD5_96,
	IKE_ALG_HMAC_SHA1_96,
	IKE_ALG_AES_XCBC_96,
	IKE_ALG_AES_CMAC_96,
	IKE_ALG_HMAC_SHA2_256_128,
	IKE_ALG_HMAC_SHA2_384_192,
	IKE_ALG_HMAC_SHA2_512_256,

	/* pseudo-random functions */
	IKE_ALG_PRF_HMAC_MD5,
	IKE_ALG_PRF_HMAC_SHA1,
	IKE_ALG_PRF_AES128_XCBC,
	IKE_ALG_PRF_AES128_CMAC,
	IKE_ALG_PRF_HMAC_SHA2_256,
	IKE_ALG_PRF_HMAC_SHA2_384,
	IKE_ALG_PRF_HMAC_SHA2_512,

	/* key exchange */
	IKE_ALG_KE_NONE,
	IKE_ALG_MODP1024,
	IKE_ALG_MODP1536,
	IKE_ALG_MODP2048,
	IKE_ALG_MODP3072,
	IKE_ALG_MODP4096,
	IKE_ALG_MODP6144,
	IKE_ALG_MODP8192,
	IKE_ALG_ECP256,
	IKE_ALG_ECP384,
	IKE_ALG_ECP521,
	IKE_ALG_CURVE25519,
	IKE_ALG_CURVE448,

	/* extended sequence numbers */
	IKE_ALG_NO_ESN,
	IKE_ALG_ESN,

	IKE_ALG_COUNT
};

enum {
	/* Combined mode: encryption with its own ICV, no integrity transform. */
	IKE_ALG_AEAD = 1 << 0,
	/* ike/crypto.c computes it: usable in `proposals` (and, for a key
	 * exchange method, as PFS group in `esp_proposals`). */
	IKE_ALG_IKE = 1 << 1,
	/* usable in `esp_proposals`: for encryption and integrity, kernel-iface
	 * installs it and the 6.1 kernel of the UML tests runs it. */
	IKE_ALG_ESP = 1 << 2,
	/* negotiated when configured, with a warning (RFC 8221, RFC 8247) */
	IKE_ALG_WEAK = 1 << 3,
};

#define IKE_ALG_MAX_KEYWORDS 4

struct ike_alg_info {
	enum ike_alg alg;
	uint8_t type;	   /* enum ike_transform_type */
	uint16_t id;	   /* IANA transform ID */
	uint16_t key_bits; /* the Key Length attribute; 0 when it has none */
	/* strongSwan's proposal keywords, the canonical one first; unused
	 * slots NULL (INTEG_NONE has none). */
	const char *keywords[IKE_ALG_MAX_KEYWORDS];
	/* strongSwan's name as it logs it; "AES_CBC" is printed with the key
	 * length appended ("AES_CBC_128"). */
	const char *name;
	/* The Linux crypto API name for ESP (XFRMA_ALG_AEAD, _CRYPT or
	 * _AUTH_TRUNC); NULL when the kernel interface does not install it. */
	const char *kernel;
	uint16_t kernel_key_bits; /* alg_key_len: key and salt or nonce */
	uint16_t icv_bits;	  /* AEAD: alg_icv_len; integrity: alg_trunc_len */
	/* Octets of KEYMAT (RFC 7296 2.17) one direction takes, the same for
	 * SK_e/SK_a of an IKE SA: the key with its salt or nonce, the
	 * integrity key; for a PRF, its output (the length of SK_d/SK_p). */
	uint8_t keymat;
	uint8_t flags; /* IKE_ALG_AEAD | IKE_ALG_IKE | IKE_ALG_ESP | IKE_ALG_WEAK */
	/* An integrity algorithm's PRF: what an IKE proposal without a PRF
	 * gets for it (strongSwan's rule); IKE_ALG_NONE otherwise. */
	enum ike_alg prf;
};

/* The entry of an enum value; NULL for IKE_ALG_NONE or out of range. */
const struct ike_alg_info *ike_alg_get(enum ike_alg alg);

/* The entry of a transform: type, IANA ID and Key Length attribute (bits,
 * 0 without). NULL when conduit does not know it. */
const struct ike_alg_info *ike_alg_find(uint8_t type, uint16_t id, uint16_t key_bits);

/* The entry one of strongSwan's keywords names (case-sensitive, len
 * octets of s); NULL for an unknown keyword. */
const struct ike_alg_info *ike_alg_by_keyword(const char *s, size_t len);

/* The keyword ike_proposal_format's short form prints (the first). */
static inline const char *ike_alg_keyword(const struct ike_alg_info *a)
{
	return a->keywords[0];
}

/* Whether an encryption transform ID is combined mode (AEAD). */
bool ike_alg_encr_is_aead(uint16_t encr_id);

#endif
