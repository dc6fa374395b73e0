/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * How IKE computes each algorithm of the table, PRFs (with the key rules of
 * RFC 4434 and RFC 4615), prf+ and the IKE/CHILD SA key derivation of
 * RFC 7296 sections 2.13-2.18.
 */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "ike/crypto.h"
#include "ike/crypto_internal.h"
#include "ike/dh.h"
#include "ike/ike_const.h"

static const char *const cipher_names[IKE_CIPHER_COUNT] = {
	[IKE_CIPHER_AES128_CBC] = "AES-128-CBC",
	[IKE_CIPHER_AES192_CBC] = "AES-192-CBC",
	[IKE_CIPHER_AES256_CBC] = "AES-256-CBC",
	[IKE_CIPHER_AES128_CTR] = "AES-128-CTR",
	[IKE_CIPHER_AES192_CTR] = "AES-192-CTR",
	[IKE_CIPHER_AES256_CTR] = "AES-256-CTR",
	[IKE_CIPHER_AES128_GCM] = "AES-128-GCM",
	[IKE_CIPHER_AES192_GCM] = "AES-192-GCM",
	[IKE_CIPHER_AES256_GCM] = "AES-256-GCM",
	[IKE_CIPHER_AES128_CCM] = "AES-128-CCM",
	[IKE_CIPHER_AES192_CCM] = "AES-192-CCM",
	[IKE_CIPHER_AES256_CCM] = "AES-256-CCM",
	[IKE_CIPHER_CHACHA20_POLY1305] = "ChaCha20-Poly1305",
	[IKE_CIPHER_DES_EDE3_CBC] = "DES-EDE3-CBC",
	[IKE_CIPHER_AES128_ECB] = "AES-128-ECB",
};

static bool crypto_initialized;
static EVP_CIPHER *ciphers[IKE_CIPHER_COUNT];

/* RFC 7296 3.14 (CBC: an IV of a block), RFC 5930 (CTR), RFC 5282 (GCM and
 * CCM: an 8-octet IV, no alignment), RFC 7634 (ChaCha20-Poly1305 as GCM).
 * Key, salt and ICV sizes are the algorithm table's. */
static const struct ike_encr_alg encr_algs[] = {
	{ IKE_ALG_AES128_CBC, IKE_MODE_CBC, IKE_CIPHER_AES128_CBC, 16, 16 },
	{ IKE_ALG_AES192_CBC, IKE_MODE_CBC, IKE_CIPHER_AES192_CBC, 16, 16 },
	{ IKE_ALG_AES256_CBC, IKE_MODE_CBC, IKE_CIPHER_AES256_CBC, 16, 16 },
	{ IKE_ALG_AES128_CTR, IKE_MODE_CTR, IKE_CIPHER_AES128_CTR, 8, 1 },
	{ IKE_ALG_AES192_CTR, IKE_MODE_CTR, IKE_CIPHER_AES192_CTR, 8, 1 },
	{ IKE_ALG_AES256_CTR, IKE_MODE_CTR, IKE_CIPHER_AES256_CTR, 8, 1 },
	{ IKE_ALG_AES128_GCM_8, IKE_MODE_GCM, IKE_CIPHER_AES128_GCM, 8, 1 },
	{ IKE_ALG_AES192_GCM_8, IKE_MODE_GCM, IKE_CIPHER_AES192_GCM, 8, 1 },
	{ IKE_ALG_AES256_GCM_8, IKE_MODE_GCM, IKE_CIPHER_AES256_GCM, 8, 1 },
	{ IKE_ALG_AES128_GCM_12, IKE_MODE_GCM, IKE_CIPHER_AES128_GCM, 8, 1 },
	{ IKE_ALG_AES192_GCM_12, IKE_MODE_GCM, IKE_CIPHER_AES192_GCM, 8, 1 },
	{ IKE_ALG_AES256_GCM_12, IKE_MODE_GCM, IKE_CIPHER_AES256_GCM, 8, 1 },
	{ IKE_ALG_AES128_GCM_16, IKE_MODE_GCM, IKE_CIPHER_AES128_GCM, 8, 1 },
	{ IKE_ALG_AES192_GCM_16, IKE_MODE_GCM, IKE_CIPHER_AES192_GCM, 8, 1 },
	{ IKE_ALG_AES256_GCM_16, IKE_MODE_GCM, IKE_CIPHER_AES256_GCM, 8, 1 },
	{ IKE_ALG_AES128_CCM_8, IKE_MODE_CCM, IKE_CIPHER_AES128_CCM, 8, 1 },
	{ IKE_ALG_AES192_CCM_8, IKE_MODE_CCM, IKE_CIPHER_AES192_CCM, 8, 1 },
	{ IKE_ALG_AES256_CCM_8, IKE_MODE_CCM, IKE_CIPHER_AES256_CCM, 8, 1 },
	{ IKE_ALG_AES128_CCM_12, IKE_MODE_CCM, IKE_CIPHER_AES128_CCM, 8, 1 },
	{ IKE_ALG_AES192_CCM_12, IKE_MODE_CCM, IKE_CIPHER_AES192_CCM, 8, 1 },
	{ IKE_ALG_AES256_CCM_12, IKE_MODE_CCM, IKE_CIPHER_AES256_CCM, 8, 1 },
	{ IKE_ALG_AES128_CCM_16, IKE_MODE_CCM, IKE_CIPHER_AES128_CCM, 8, 1 },
	{ IKE_ALG_AES192_CCM_16, IKE_MODE_CCM, IKE_CIPHER_AES192_CCM, 8, 1 },
	{ IKE_ALG_AES256_CCM_16, IKE_MODE_CCM, IKE_CIPHER_AES256_CCM, 8, 1 },
	{ IKE_ALG_CHACHA20_POLY1305, IKE_MODE_GCM, IKE_CIPHER_CHACHA20_POLY1305, 8, 1 },
	{ IKE_ALG_3DES_CBC, IKE_MODE_CBC, IKE_CIPHER_DES_EDE3_CBC, 8, 8 },
};

static const struct ike_integ_alg integ_algs[] = {
	{ IKE_ALG_HMAC_MD5_96, IKE_MAC_HMAC_MD5 },
	{ IKE_ALG_HMAC_SHA1_96, IKE_MAC_HMAC_SHA1 },
	{ IKE_ALG_AES_XCBC_96, IKE_MAC_AES_XCBC },
	{ IKE_ALG_AES_CMAC_96, IKE_MAC_AES_CMAC },
	{ IKE_ALG_HMAC_SHA2_256_128, IKE_MAC_HMAC_SHA256 },
	{ IKE_ALG_HMAC_SHA2_384_192, IKE_MAC_HMAC_SHA384 },
	{ IKE_ALG_HMAC_SHA2_512_256, IKE_MAC_HMAC_SHA512 },
};

struct prf_alg {
	uint16_t id;
	uint8_t mac; /* enum ike_mac_kind */
};

static const struct prf_alg prf_algs[] = {
	{ IKE_PRF_HMAC_MD5, IKE_MAC_HMAC_MD5 },
	{ IKE_PRF_HMAC_SHA1, IKE_MAC_HMAC_SHA1 },
	{ IKE_PRF_AES128_XCBC, IKE_MAC_AES_XCBC },
	{ IKE_PRF_AES128_CMAC, IKE_MAC_AES_CMAC },
	{ IKE_PRF_HMAC_SHA2_256, IKE_MAC_HMAC_SHA256 },
	{ IKE_PRF_HMAC_SHA2_384, IKE_MAC_HMAC_SHA384 },
	{ IKE_PRF_HMAC_SHA2_512, IKE_MAC_HMAC_SHA512 },
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

void ike_crypto_cleanup(void)
{
	ike_mac_algs_cleanup();
	for (size_t i = 0; i < IKE_CIPHER_COUNT; i++) {
		EVP_CIPHER_free(ciphers[i]);
		ciphers[i] = NULL;
	}
	ike_dh_groups_cleanup();
	crypto_initialized = false;
}

int ike_crypto_init(void)
{
	if (crypto_initialized)
		return 0;
	for (size_t i = 0; i < IKE_CIPHER_COUNT; i++) {
		ciphers[i] = EVP_CIPHER_fetch(NULL, cipher_names[i], NULL);
		if (!ciphers[i])
			goto fail;
	}
	/* the MACs use the ciphers (XCBC's AES-128-ECB) */
	crypto_initialized = true;
	if (ike_mac_algs_init() < 0 || ike_dh_groups_init() < 0)
		goto fail;
	return 0;
fail:
	ike_crypto_cleanup();
	return -ENOTSUP;
}

int ike_crypto_ready(void)
{
	return crypto_initialized ? 0 : ike_crypto_init();
}

EVP_CIPHER *ike_cipher_get(enum ike_cipher cipher)
{
	return ciphers[cipher];
}

const struct ike_encr_alg *ike_encr_alg_find(uint16_t id, uint16_t key_bits)
{
	const struct ike_alg_info *a = ike_alg_find(IKE_TRANS_ENCR, id, key_bits);

	for (size_t i = 0; a && i < ARRAY_LEN(encr_algs); i++)
		if (encr_algs[i].alg == a->alg)
			return &encr_algs[i];
	return NULL;
}

const struct ike_integ_alg *ike_integ_alg_find(uint16_t id)
{
	for (size_t i = 0; i < ARRAY_LEN(integ_algs); i++)
		if (ike_alg_get(integ_algs[i].alg)->id == id)
			return &integ_algs[i];
	return NULL;
}

static const struct prf_alg *prf_find(uint16_t prf)
{
	for (size_t i = 0; i < ARRAY_LEN(prf_algs); i++)
		if (prf_algs[i].id == prf)
			return &prf_algs[i];
	return NULL;
}

/* AES-XCBC-PRF-128 and AES-CMAC-PRF-128 are keyed with exactly 128 bits. */
static bool prf_fixed_key(const struct prf_alg *p)
{
	return p->mac == IKE_MAC_AES_XCBC || p->mac == IKE_MAC_AES_CMAC;
}

size_t ike_prf_len(uint16_t prf)
{
	const struct prf_alg *p = prf_find(prf);

	return p ? ike_mac_len(p->mac) : 0;
}

/*
 * Keys the PRF's MAC. A fixed-key PRF takes any key length all the same:
 * a 128-bit key as is; AES-XCBC-PRF-128 pads a shorter key with zeros and
 * AES-CMAC-PRF-128 does not (RFC 4434 and RFC 4615 section 3); a key of
 * any other length becomes MAC(0^128, key).
 */
static int prf_init(struct ike_mac *m, const struct prf_alg *p, const uint8_t *key, size_t key_len)
{
	static const uint8_t zero[16];
	uint8_t k[16];
	int ret;

	if (!prf_fixed_key(p) || key_len == sizeof(k))
		return ike_mac_init(m, p->mac, key, key_len);
	if (p->mac == IKE_MAC_AES_XCBC && key_len < sizeof(k)) {
		memset(k, 0, sizeof(k));
		memcpy(k, key, key_len);
	} else {
		ret = ike_mac_init(m, p->mac, zero, sizeof(zero));
		if (!ret)
			ret = ike_mac_update(m, key, key_len);
		if (!ret)
			ret = ike_mac_final(m, k);
		ike_mac_free(m);
		if (ret)
			return ret;
	}
	ret = ike_mac_init(m, p->mac, k, sizeof(k));
	OPENSSL_cleanse(k, sizeof(k));
	return ret;
}

static int mac_update(struct ike_mac *m, const struct ike_cbuf *data, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int ret;

		if (data[i].len && !data[i].ptr)
			return -EINVAL;
		ret = ike_mac_update(m, data[i].ptr, data[i].len);
		if (ret)
			return ret;
	}
	return 0;
}

int ike_prf(uint16_t prf, const uint8_t *key, size_t key_len, const struct ike_cbuf *data,
	    size_t n_data, uint8_t *out, size_t out_size)
{
	const struct prf_alg *p = prf_find(prf);
	struct ike_mac m;
	int ret;

	if (!p)
		return -ENOTSUP;
	if (!out || out_size < ike_mac_len(p->mac) || (!key && key_len) || (!data && n_data))
		return -EINVAL;
	ret = prf_init(&m, p, key, key_len);
	if (ret)
		return ret;
	ret = mac_update(&m, data, n_data);
	if (!ret)
		ret = ike_mac_final(&m, out);
	ike_mac_free(&m);
	return ret;
}

int ike_prf_plus(uint16_t prf, const uint8_t *key, size_t key_len, const struct ike_cbuf *seed,
		 size_t n_seed, uint8_t *out, size_t out_len)
{
	const struct prf_alg *p = prf_find(prf);
	uint8_t t[IKE_MAC_MAX_LEN];
	size_t t_len, done = 0;
	struct ike_mac m;
	int ret;

	if (!p)
		return -ENOTSUP;
	t_len = ike_mac_len(p->mac);
	if ((!out && out_len) || out_len > 255 * t_len || (!key && key_len) || (!seed && n_seed))
		return -EINVAL;
	ret = prf_init(&m, p, key, key_len);
	if (ret)
		return ret;
	/* T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n) */
	for (unsigned int n = 1; done < out_len; n++) {
		uint8_t octet = (uint8_t)n;
		size_t chunk;

		if (n > 1) {
			ret = ike_mac_restart(&m);
			if (!ret)
				ret = ike_mac_update(&m, t, t_len);
		}
		if (!ret)
			ret = mac_update(&m, seed, n_seed);
		if (!ret)
			ret = ike_mac_update(&m, &octet, 1);
		if (!ret)
			ret = ike_mac_final(&m, t);
		if (ret)
			break;
		chunk = out_len - done < t_len ? out_len - done : t_len;
		memcpy(out + done, t, chunk);
		done += chunk;
	}
	ike_mac_free(&m);
	OPENSSL_cleanse(t, sizeof(t));
	if (ret < 0 && out)
		OPENSSL_cleanse(out, out_len);
	return ret;
}

size_t ike_integ_key_len(uint16_t integ)
{
	const struct ike_integ_alg *a = ike_integ_alg_find(integ);

	return a ? ike_integ_alg_key_len(a) : 0;
}

size_t ike_integ_icv_len(uint16_t integ)
{
	const struct ike_integ_alg *a = ike_integ_alg_find(integ);

	return a ? ike_integ_alg_icv_len(a) : 0;
}

int ike_integ_icv(uint16_t integ, const uint8_t *key, size_t key_len, const uint8_t *data,
		  size_t len, uint8_t *icv, size_t icv_size)
{
	const struct ike_integ_alg *a = ike_integ_alg_find(integ);
	uint8_t mac[IKE_MAC_MAX_LEN];
	struct ike_mac m;
	int ret;

	if (!a)
		return -ENOTSUP;
	if (!icv || icv_size < ike_integ_alg_icv_len(a) || (!key && key_len) || (!data && len))
		return -EINVAL;
	ret = ike_mac_init(&m, a->mac, key, key_len);
	if (ret)
		return ret;
	ret = ike_mac_update(&m, data, len);
	if (!ret)
		ret = ike_mac_final(&m, mac);
	if (!ret)
		memcpy(icv, mac, ike_integ_alg_icv_len(a));
	ike_mac_free(&m);
	OPENSSL_cleanse(mac, sizeof(mac));
	return ret;
}

bool ike_encr_ike_supported(uint16_t encr, uint16_t key_bits)
{
	return ike_encr_alg_find(encr, key_bits) != NULL;
}

bool ike_crypto_implements(enum ike_alg alg)
{
	const struct ike_alg_info *a = ike_alg_get(alg);

	if (!a)
		return false;
	switch (a->type) {
	case IKE_TRANS_ENCR:
		return ike_encr_alg_find(a->id, a->key_bits) != NULL;
	case IKE_TRANS_PRF:
		return prf_find(a->id) != NULL;
	case IKE_TRANS_INTEG:
		return ike_integ_alg_find(a->id) != NULL;
	case IKE_TRANS_DH:
		return ike_dh_public_len(a->id) != 0;
	default:
		return false;
	}
}

size_t ike_esp_encr_key_len(uint16_t encr, uint16_t key_bits)
{
	const struct ike_alg_info *a = ike_alg_find(IKE_TRANS_ENCR, encr, key_bits);

	return a && (a->flags & IKE_ALG_ESP) ? a->keymat : 0;
}

size_t ike_esp_integ_key_len(uint16_t integ)
{
	const struct ike_alg_info *a = ike_alg_find(IKE_TRANS_INTEG, integ, 0);

	return a && (a->flags & IKE_ALG_ESP) ? a->keymat : 0;
}

static int sa_algs_resolve(const struct ike_sa_algs *algs, const struct ike_encr_alg **encr,
			   const struct ike_integ_alg **integ)
{
	if (!algs)
		return -EINVAL;
	*encr = ike_encr_alg_find(algs->encr, algs->encr_key_bits);
	if (!*encr || !prf_find(algs->prf))
		return -ENOTSUP;
	if (ike_encr_icv_len(*encr)) {
		*integ = NULL;
		return algs->integ == IKE_INTEG_NONE ? 0 : -EINVAL;
	}
	if (algs->integ == IKE_INTEG_NONE)
		return -EINVAL;
	*integ = ike_integ_alg_find(algs->integ);
	return *integ ? 0 : -ENOTSUP;
}

int ike_sa_algs_check(const struct ike_sa_algs *algs)
{
	const struct ike_encr_alg *encr;
	const struct ike_integ_alg *integ;

	return sa_algs_resolve(algs, &encr, &integ);
}

void ike_sa_keys_wipe(struct ike_sa_keys *keys)
{
	if (keys)
		OPENSSL_cleanse(keys, sizeof(*keys));
}

void ike_child_keys_wipe(struct ike_child_keys *keys)
{
	if (keys)
		OPENSSL_cleanse(keys, sizeof(*keys));
}

static bool nonces_ok(const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len)
{
	return ni && nr && ni_len && nr_len && ni_len <= IKE_NONCE_MAX_LEN &&
	       nr_len <= IKE_NONCE_MAX_LEN;
}

/* {SK_d | SK_ai | SK_ar | SK_ei | SK_er | SK_pi | SK_pr}
 *     = prf+(SKEYSEED, Ni | Nr | SPIi | SPIr) */
static int sa_keys_expand(struct ike_sa_keys *keys, const struct ike_sa_algs *algs,
			  const struct ike_encr_alg *encr, const struct ike_integ_alg *integ,
			  const uint8_t *skeyseed, size_t skeyseed_len, const uint8_t *ni,
			  size_t ni_len, const uint8_t *nr, size_t nr_len, const uint8_t *spi_i,
			  const uint8_t *spi_r)
{
	uint8_t km[3 * IKE_PRF_MAX_LEN + 2 * IKE_INTEG_KEY_MAX_LEN + 2 * IKE_ENCR_KEY_MAX_LEN];
	const struct ike_cbuf seed[] = {
		{ ni, ni_len },
		{ nr, nr_len },
		{ spi_i, IKE_SPI_LEN },
		{ spi_r, IKE_SPI_LEN },
	};
	size_t prf_len = ike_prf_len(algs->prf);
	size_t integ_len = integ ? ike_integ_alg_key_len(integ) : 0;
	size_t encr_len = ike_encr_key_len(encr) + ike_encr_salt_len(encr);
	size_t total = 3 * prf_len + 2 * integ_len + 2 * encr_len;
	const uint8_t *p = km;
	int ret;

	ret = ike_prf_plus(algs->prf, skeyseed, skeyseed_len, seed, ARRAY_LEN(seed), km, total);
	if (ret < 0)
		return ret;
	keys->algs = *algs;
	keys->encr = encr;
	keys->integ = integ;
	keys->prf_len = (uint8_t)prf_len;
	keys->integ_len = (uint8_t)integ_len;
	keys->encr_len = (uint8_t)encr_len;
	memcpy(keys->sk_d, p, prf_len);
	p += prf_len;
	memcpy(keys->sk_ai, p, integ_len);
	p += integ_len;
	memcpy(keys->sk_ar, p, integ_len);
	p += integ_len;
	memcpy(keys->sk_ei, p, encr_len);
	p += encr_len;
	memcpy(keys->sk_er, p, encr_len);
	p += encr_len;
	memcpy(keys->sk_pi, p, prf_len);
	p += prf_len;
	memcpy(keys->sk_pr, p, prf_len);
	OPENSSL_cleanse(km, sizeof(km));
	return 0;
}

int ike_sa_keys_derive(struct ike_sa_keys *keys, const struct ike_sa_algs *algs, const uint8_t *gir,
		       size_t gir_len, const uint8_t *ni, size_t ni_len, const uint8_t *nr,
		       size_t nr_len, const uint8_t spi_i[IKE_SPI_LEN],
		       const uint8_t spi_r[IKE_SPI_LEN])
{
	const struct ike_encr_alg *encr;
	const struct ike_integ_alg *integ;
	uint8_t nonces[2 * IKE_NONCE_MAX_LEN];
	uint8_t skeyseed[IKE_PRF_MAX_LEN];
	const struct ike_cbuf data = { gir, gir_len };
	size_t key_len;
	int ret;

	if (!keys)
		return -EINVAL;
	ike_sa_keys_wipe(keys);
	ret = sa_algs_resolve(algs, &encr, &integ);
	if (ret < 0)
		return ret;
	if (!gir || !gir_len || !nonces_ok(ni, ni_len, nr, nr_len) || !spi_i || !spi_r)
		return -EINVAL;
	/* SKEYSEED = prf(Ni | Nr, g^ir). HMAC PRFs take the whole nonces as
	 * key; a PRF with a fixed 128-bit key takes the first 64 bits of each
	 * (2.14), as strongSwan does, rather than its own key rule. */
	if (prf_fixed_key(prf_find(algs->prf))) {
		if (ni_len < 8 || nr_len < 8)
			return -EINVAL;
		memcpy(nonces, ni, 8);
		memcpy(nonces + 8, nr, 8);
		key_len = 16;
	} else {
		memcpy(nonces, ni, ni_len);
		memcpy(nonces + ni_len, nr, nr_len);
		key_len = ni_len + nr_len;
	}
	ret = ike_prf(algs->prf, nonces, key_len, &data, 1, skeyseed, sizeof(skeyseed));
	OPENSSL_cleanse(nonces, sizeof(nonces));
	if (ret == 0)
		ret = sa_keys_expand(keys, algs, encr, integ, skeyseed, ike_prf_len(algs->prf), ni,
				     ni_len, nr, nr_len, spi_i, spi_r);
	OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
	if (ret < 0)
		ike_sa_keys_wipe(keys);
	return ret;
}

int ike_sa_keys_rekey(struct ike_sa_keys *keys, const struct ike_sa_algs *algs,
		      const struct ike_sa_keys *old, const uint8_t *gir, size_t gir_len,
		      const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len,
		      const uint8_t spi_i[IKE_SPI_LEN], const uint8_t spi_r[IKE_SPI_LEN])
{
	const struct ike_encr_alg *encr;
	const struct ike_integ_alg *integ;
	uint8_t skeyseed[IKE_PRF_MAX_LEN];
	const struct ike_cbuf data[] = {
		{ gir, gir_len },
		{ ni, ni_len },
		{ nr, nr_len },
	};
	int ret;

	if (!keys || !old || keys == old || !old->prf_len)
		return -EINVAL;
	ike_sa_keys_wipe(keys);
	ret = sa_algs_resolve(algs, &encr, &integ);
	if (ret < 0)
		return ret;
	if (!gir || !gir_len || !nonces_ok(ni, ni_len, nr, nr_len) || !spi_i || !spi_r)
		return -EINVAL;
	/* the rekeying exchange belongs to the old SA: its PRF makes SKEYSEED */
	ret = ike_prf(old->algs.prf, old->sk_d, old->prf_len, data, ARRAY_LEN(data), skeyseed,
		      sizeof(skeyseed));
	if (ret == 0)
		ret = sa_keys_expand(keys, algs, encr, integ, skeyseed, old->prf_len, ni, ni_len,
				     nr, nr_len, spi_i, spi_r);
	OPENSSL_cleanse(skeyseed, sizeof(skeyseed));
	if (ret < 0)
		ike_sa_keys_wipe(keys);
	return ret;
}

int ike_child_keys_derive(struct ike_child_keys *out, const struct ike_sa_keys *ike,
			  const struct ike_child_algs *algs, const uint8_t *gir, size_t gir_len,
			  const uint8_t *ni, size_t ni_len, const uint8_t *nr, size_t nr_len)
{
	uint8_t km[2 * (IKE_ENCR_KEY_MAX_LEN + IKE_INTEG_KEY_MAX_LEN)];
	const struct ike_cbuf seed[] = {
		{ gir, gir ? gir_len : 0 },
		{ ni, ni_len },
		{ nr, nr_len },
	};
	size_t encr_len, integ_len;
	const uint8_t *p = km;
	bool aead;
	int ret;

	if (!out)
		return -EINVAL;
	ike_child_keys_wipe(out);
	if (!ike || !algs || !ike->prf_len || !nonces_ok(ni, ni_len, nr, nr_len) ||
	    (gir && !gir_len))
		return -EINVAL;
	aead = ike_alg_encr_is_aead(algs->encr);
	if (algs->encr == IKE_ENCR_NULL) {
		/* ENCR_NULL carries no key and needs integrity */
		if (algs->encr_key_bits)
			return -ENOTSUP;
		encr_len = 0;
		if (algs->integ == IKE_INTEG_NONE)
			return -EINVAL;
	} else {
		encr_len = ike_esp_encr_key_len(algs->encr, algs->encr_key_bits);
		if (!encr_len)
			return -ENOTSUP;
		if (aead && algs->integ != IKE_INTEG_NONE)
			return -EINVAL;
	}
	integ_len = 0;
	if (algs->integ != IKE_INTEG_NONE) {
		integ_len = ike_esp_integ_key_len(algs->integ);
		if (!integ_len)
			return -ENOTSUP;
	} else if (!aead) {
		return -EINVAL; /* RFC 7296 3.3.3: a plain cipher needs integrity */
	}
	ret = ike_prf_plus(ike->algs.prf, ike->sk_d, ike->prf_len, seed, ARRAY_LEN(seed), km,
			   2 * (encr_len + integ_len));
	if (ret < 0)
		return ret;
	out->encr_len = (uint8_t)encr_len;
	out->integ_len = (uint8_t)integ_len;
	memcpy(out->encr_i, p, encr_len);
	p += encr_len;
	memcpy(out->integ_i, p, integ_len);
	p += integ_len;
	memcpy(out->encr_r, p, encr_len);
	p += encr_len;
	memcpy(out->integ_r, p, integ_len);
	OPENSSL_cleanse(km, sizeof(km));
	return 0;
}
