// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The algorithm table (see alg.h). Keywords are strongSwan's
 * (proposal_keywords_static.txt), names its enum names, kernel names and
 * sizes those of the kernel's xfrm_algo.c and the ESP RFCs: 3602 (AES-CBC),
 * 3686 (AES-CTR), 4106 (AES-GCM), 4309 (AES-CCM), 7634 (ChaCha20-Poly1305),
 * 2451 (3DES), 2403/2404/4868 (HMAC), 3566 (AES-XCBC), 4494 (AES-CMAC).
 */
#include <string.h>

#include "ike/alg.h"

#define ENCR IKE_TRANS_ENCR
#define INTEG IKE_TRANS_INTEG
#define PRF IKE_TRANS_PRF
#define KE IKE_TRANS_DH
#define ESN IKE_TRANS_ESN

#define AEAD IKE_ALG_AEAD
#define IKE IKE_ALG_IKE
#define ESP IKE_ALG_ESP
#define WEAK IKE_ALG_WEAK

/* One entry, at its enum's index: ike_alg_get() is an array access. */
#define A(a, t, i, kb, nm, kn, kkb, icv, km, fl, ...)                                              \
	AP(a, t, i, kb, nm, kn, kkb, icv, km, fl, IKE_ALG_NONE, __VA_ARGS__)
/* The same, for an integrity algorithm with the PRF strongSwan derives from it. */
#define AP(a, t, i, kb, nm, kn, kkb, icv, km, fl, p, ...)                                          \
	[a] = { .alg = a,                                                                          \
		.type = t,                                                                         \
		.id = i,                                                                           \
		.key_bits = kb,                                                                    \
		.keywords = { __VA_ARGS__ },                                                       \
		.name = nm,                                                                        \
		.kernel = kn,                                                                      \
		.kernel_key_bits = kkb,                                                            \
		.icv_bits = icv,                                                                   \
		.keymat = km,                                                                      \
		.flags = fl,                                                                       \
		.prf = p }

/* AES in CBC, CTR (RFC 3686: a 4-octet nonce after the key), GCM (RFC 4106:
 * a 4-octet salt) and CCM (RFC 4309: a 3-octet salt) modes. */
#define CBC(a, b, ...)                                                                             \
	A(a, ENCR, IKE_ENCR_AES_CBC, b, "AES_CBC", "cbc(aes)", b, 0, b / 8, IKE | ESP, __VA_ARGS__)
#define CTR(a, b, ...)                                                                             \
	A(a, ENCR, IKE_ENCR_AES_CTR, b, "AES_CTR", "rfc3686(ctr(aes))", b + 32, 0, b / 8 + 4,      \
	  IKE | ESP, __VA_ARGS__)
#define GCM(a, id, b, icv, ...)                                                                    \
	A(a, ENCR, id, b, "AES_GCM_" #icv, "rfc4106(gcm(aes))", b + 32, icv * 8, b / 8 + 4,        \
	  AEAD | IKE | ESP, __VA_ARGS__)
#define CCM(a, id, b, icv, ...)                                                                    \
	A(a, ENCR, id, b, "AES_CCM_" #icv, "rfc4309(ccm(aes))", b + 24, icv * 8, b / 8 + 3,        \
	  AEAD | IKE | ESP, __VA_ARGS__)

static const struct ike_alg_info table[IKE_ALG_COUNT] = {
	CBC(IKE_ALG_AES128_CBC, 128, "aes128", "aes"),
	CBC(IKE_ALG_AES192_CBC, 192, "aes192"),
	CBC(IKE_ALG_AES256_CBC, 256, "aes256"),
	CTR(IKE_ALG_AES128_CTR, 128, "aes128ctr"),
	CTR(IKE_ALG_AES192_CTR, 192, "aes192ctr"),
	CTR(IKE_ALG_AES256_CTR, 256, "aes256ctr"),
	GCM(IKE_ALG_AES128_GCM_8, IKE_ENCR_AES_GCM_8, 128, 8, "aes128gcm8", "aes128gcm64"),
	GCM(IKE_ALG_AES192_GCM_8, IKE_ENCR_AES_GCM_8, 192, 8, "aes192gcm8", "aes192gcm64"),
	GCM(IKE_ALG_AES256_GCM_8, IKE_ENCR_AES_GCM_8, 256, 8, "aes256gcm8", "aes256gcm64"),
	GCM(IKE_ALG_AES128_GCM_12, IKE_ENCR_AES_GCM_12, 128, 12, "aes128gcm12", "aes128gcm96"),
	GCM(IKE_ALG_AES192_GCM_12, IKE_ENCR_AES_GCM_12, 192, 12, "aes192gcm12", "aes192gcm96"),
	GCM(IKE_ALG_AES256_GCM_12, IKE_ENCR_AES_GCM_12, 256, 12, "aes256gcm12", "aes256gcm96"),
	GCM(IKE_ALG_AES128_GCM_16, IKE_ENCR_AES_GCM_16, 128, 16, "aes128gcm16", "aes128gcm128",
	    "aes128gcm"),
	GCM(IKE_ALG_AES192_GCM_16, IKE_ENCR_AES_GCM_16, 192, 16, "aes192gcm16", "aes192gcm128",
	    "aes192gcm"),
	GCM(IKE_ALG_AES256_GCM_16, IKE_ENCR_AES_GCM_16, 256, 16, "aes256gcm16", "aes256gcm128",
	    "aes256gcm"),
	CCM(IKE_ALG_AES128_CCM_8, IKE_ENCR_AES_CCM_8, 128, 8, "aes128ccm8", "aes128ccm64"),
	CCM(IKE_ALG_AES192_CCM_8, IKE_ENCR_AES_CCM_8, 192, 8, "aes192ccm8", "aes192ccm64"),
	CCM(IKE_ALG_AES256_CCM_8, IKE_ENCR_AES_CCM_8, 256, 8, "aes256ccm8", "aes256ccm64"),
	CCM(IKE_ALG_AES128_CCM_12, IKE_ENCR_AES_CCM_12, 128, 12, "aes128ccm12", "aes128ccm96"),
	CCM(IKE_ALG_AES192_CCM_12, IKE_ENCR_AES_CCM_12, 192, 12, "aes192ccm12", "aes192ccm96"),
	CCM(IKE_ALG_AES256_CCM_12, IKE_ENCR_AES_CCM_12, 256, 12, "aes256ccm12", "aes256ccm96"),
	CCM(IKE_ALG_AES128_CCM_16, IKE_ENCR_AES_CCM_16, 128, 16, "aes128ccm16", "aes128ccm128",
	    "aes128ccm"),
	CCM(IKE_ALG_AES192_CCM_16, IKE_ENCR_AES_CCM_16, 192, 16, "aes192ccm16", "aes192ccm128",
	    "aes192ccm"),
	CCM(IKE_ALG_AES256_CCM_16, IKE_ENCR_AES_CCM_16, 256, 16, "aes256ccm16", "aes256ccm128",
	    "aes256ccm"),
	/* RFC 7634: a 256-bit key and a 4-octet salt, no Key Length attribute */
	A(IKE_ALG_CHACHA20_POLY1305, ENCR, IKE_ENCR_CHACHA20_POLY1305, 0, "CHACHA20_POLY1305",
	  "rfc7539esp(chacha20,poly1305)", 288, 128, 36, AEAD | IKE | ESP, "chacha20poly1305"),
	A(IKE_ALG_3DES_CBC, ENCR, IKE_ENCR_3DES, 0, "3DES_CBC", "cbc(des3_ede)", 192, 0, 24,
	  IKE | ESP | WEAK, "3des"),
	/* RFC 7296 3.3.2: never for IKE; in ESP only with integrity */
	A(IKE_ALG_ENCR_NULL, ENCR, IKE_ENCR_NULL, 0, "NULL", "ecb(cipher_null)", 0, 0, 0,
	  ESP | WEAK, "null"),

	/* What an IKE proposal from the wire may name beside an AEAD. */
	A(IKE_ALG_INTEG_NONE, INTEG, IKE_INTEG_NONE, 0, "NONE", NULL, 0, 0, 0, 0, NULL),
	AP(IKE_ALG_HMAC_MD5_96, INTEG, IKE_INTEG_HMAC_MD5_96, 0, "HMAC_MD5_96", "hmac(md5)", 128,
	   96, 16, IKE | ESP | WEAK, IKE_ALG_PRF_HMAC_MD5, "md5"),
	AP(IKE_ALG_HMAC_SHA1_96, INTEG, IKE_INTEG_HMAC_SHA1_96, 0, "HMAC_SHA1_96", "hmac(sha1)",
	   160, 96, 20, IKE | ESP, IKE_ALG_PRF_HMAC_SHA1, "sha1", "sha"),
	AP(IKE_ALG_AES_XCBC_96, INTEG, IKE_INTEG_AES_XCBC_96, 0, "AES_XCBC_96", "xcbc(aes)", 128,
	   96, 16, IKE | ESP, IKE_ALG_PRF_AES128_XCBC, "aesxcbc"),
	AP(IKE_ALG_AES_CMAC_96, INTEG, IKE_INTEG_AES_CMAC_96, 0, "AES_CMAC_96", "cmac(aes)", 128,
	   96, 16, IKE | ESP, IKE_ALG_PRF_AES128_CMAC, "aescmac"),
	AP(IKE_ALG_HMAC_SHA2_256_128, INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0, "HMAC_SHA2_256_128",
	   "hmac(sha256)", 256, 128, 32, IKE | ESP, IKE_ALG_PRF_HMAC_SHA2_256, "sha256",
	   "sha2_256"),
	AP(IKE_ALG_HMAC_SHA2_384_192, INTEG, IKE_INTEG_HMAC_SHA2_384_192, 0, "HMAC_SHA2_384_192",
	   "hmac(sha384)", 384, 192, 48, IKE | ESP, IKE_ALG_PRF_HMAC_SHA2_384, "sha384",
	   "sha2_384"),
	AP(IKE_ALG_HMAC_SHA2_512_256, INTEG, IKE_INTEG_HMAC_SHA2_512_256, 0, "HMAC_SHA2_512_256",
	   "hmac(sha512)", 512, 256, 64, IKE | ESP, IKE_ALG_PRF_HMAC_SHA2_512, "sha512",
	   "sha2_512"),

	A(IKE_ALG_PRF_HMAC_MD5, PRF, IKE_PRF_HMAC_MD5, 0, "PRF_HMAC_MD5", NULL, 0, 0, 16,
	  IKE | WEAK, "prfmd5"),
	A(IKE_ALG_PRF_HMAC_SHA1, PRF, IKE_PRF_HMAC_SHA1, 0, "PRF_HMAC_SHA1", NULL, 0, 0, 20, IKE,
	  "prfsha1"),
	A(IKE_ALG_PRF_AES128_XCBC, PRF, IKE_PRF_AES128_XCBC, 0, "PRF_AES128_XCBC", NULL, 0, 0, 16,
	  IKE, "prfaesxcbc"),
	A(IKE_ALG_PRF_AES128_CMAC, PRF, IKE_PRF_AES128_CMAC, 0, "PRF_AES128_CMAC", NULL, 0, 0, 16,
	  IKE, "prfaescmac"),
	A(IKE_ALG_PRF_HMAC_SHA2_256, PRF, IKE_PRF_HMAC_SHA2_256, 0, "PRF_HMAC_SHA2_256", NULL, 0, 0,
	  32, IKE, "prfsha256"),
	A(IKE_ALG_PRF_HMAC_SHA2_384, PRF, IKE_PRF_HMAC_SHA2_384, 0, "PRF_HMAC_SHA2_384", NULL, 0, 0,
	  48, IKE, "prfsha384"),
	A(IKE_ALG_PRF_HMAC_SHA2_512, PRF, IKE_PRF_HMAC_SHA2_512, 0, "PRF_HMAC_SHA2_512", NULL, 0, 0,
	  64, IKE, "prfsha512"),

	/* NONE makes PFS optional in ESP; an IKE proposal drops it. A group in
	 * esp_proposals (PFS) is computed by IKE: ESP iff IKE. */
	A(IKE_ALG_KE_NONE, KE, IKE_DH_NONE, 0, "KE_NONE", NULL, 0, 0, 0, ESP, "none", "modpnone"),
	A(IKE_ALG_MODP1024, KE, IKE_DH_MODP1024, 0, "MODP_1024", NULL, 0, 0, 0, IKE | ESP | WEAK,
	  "modp1024"),
	A(IKE_ALG_MODP1536, KE, IKE_DH_MODP1536, 0, "MODP_1536", NULL, 0, 0, 0, IKE | ESP | WEAK,
	  "modp1536"),
	A(IKE_ALG_MODP2048, KE, IKE_DH_MODP2048, 0, "MODP_2048", NULL, 0, 0, 0, IKE | ESP,
	  "modp2048"),
	A(IKE_ALG_MODP3072, KE, IKE_DH_MODP3072, 0, "MODP_3072", NULL, 0, 0, 0, IKE | ESP,
	  "modp3072"),
	A(IKE_ALG_MODP4096, KE, IKE_DH_MODP4096, 0, "MODP_4096", NULL, 0, 0, 0, IKE | ESP,
	  "modp4096"),
	A(IKE_ALG_MODP6144, KE, IKE_DH_MODP6144, 0, "MODP_6144", NULL, 0, 0, 0, IKE | ESP,
	  "modp6144"),
	A(IKE_ALG_MODP8192, KE, IKE_DH_MODP8192, 0, "MODP_8192", NULL, 0, 0, 0, IKE | ESP,
	  "modp8192"),
	A(IKE_ALG_ECP256, KE, IKE_DH_ECP256, 0, "ECP_256", NULL, 0, 0, 0, IKE | ESP, "ecp256"),
	A(IKE_ALG_ECP384, KE, IKE_DH_ECP384, 0, "ECP_384", NULL, 0, 0, 0, IKE | ESP, "ecp384"),
	A(IKE_ALG_ECP521, KE, IKE_DH_ECP521, 0, "ECP_521", NULL, 0, 0, 0, IKE | ESP, "ecp521"),
	A(IKE_ALG_CURVE25519, KE, IKE_DH_CURVE25519, 0, "CURVE_25519", NULL, 0, 0, 0, IKE | ESP,
	  "x25519", "curve25519"),
	A(IKE_ALG_CURVE448, KE, IKE_DH_CURVE448, 0, "CURVE_448", NULL, 0, 0, 0, IKE | ESP, "x448",
	  "curve448"),

	A(IKE_ALG_NO_ESN, ESN, IKE_ESN_NO, 0, "NO_EXT_SEQ", NULL, 0, 0, 0, ESP, "noesn"),
	A(IKE_ALG_ESN, ESN, IKE_ESN_YES, 0, "EXT_SEQ", NULL, 0, 0, 0, ESP, "esn"),
};

const struct ike_alg_info *ike_alg_get(enum ike_alg alg)
{
	if (alg <= IKE_ALG_NONE || alg >= IKE_ALG_COUNT)
		return NULL;
	return &table[alg];
}

const struct ike_alg_info *ike_alg_find(uint8_t type, uint16_t id, uint16_t key_bits)
{
	for (size_t i = IKE_ALG_NONE + 1; i < IKE_ALG_COUNT; i++)
		if (table[i].type == type && table[i].id == id && table[i].key_bits == key_bits)
			return &table[i];
	return NULL;
}

const struct ike_alg_info *ike_alg_by_keyword(const char *s, size_t len)
{
	for (size_t i = IKE_ALG_NONE + 1; i < IKE_ALG_COUNT; i++)
		for (size_t k = 0; k < IKE_ALG_MAX_KEYWORDS && table[i].keywords[k]; k++)
			if (strlen(table[i].keywords[k]) == len &&
			    !memcmp(table[i].keywords[k], s, len))
				return &table[i];
	return NULL;
}

bool ike_alg_encr_is_aead(uint16_t encr_id)
{
	for (size_t i = IKE_ALG_NONE + 1; i < IKE_ALG_COUNT; i++)
		if (table[i].type == IKE_TRANS_ENCR && table[i].id == encr_id)
			return table[i].flags & IKE_ALG_AEAD;
	return false;
}
