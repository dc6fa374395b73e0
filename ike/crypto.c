/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Algorithm tables, PRFs, prf+ and the IKE/CHILD SA key derivation of
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
#include "ike/ike_const.h"

/* not const: OSSL_PARAM_construct_utf8_string takes a char * */
static char md_names[IKE_MD_COUNT][sizeof("SHA2-256")] = {
	[IKE_MD_SHA1] = "SHA1",
	[IKE_MD_SHA256] = "SHA2-256",
	[IKE_MD_SHA384] = "SHA2-384",
	[IKE_MD_SHA512] = "SHA2-512",
};
static const uint8_t md_lens[IKE_MD_COUNT] = { 20, 32, 48, 64 };

static const char *const cipher_names[IKE_CIPHER_COUNT] = {
	[IKE_CIPHER_AES128_CBC] = "AES-128-CBC",
	[IKE_CIPHER_AES192_CBC] = "AES-192-CBC",
	[IKE_CIPHER_AES256_CBC] = "AES-256-CBC",
	[IKE_CIPHER_AES128_GCM] = "AES-128-GCM",
	[IKE_CIPHER_AES192_GCM] = "AES-192-GCM",
	[IKE_CIPHER_AES256_GCM] = "AES-256-GCM",
	[IKE_CIPHER_CHACHA20_POLY1305] = "ChaCha20-Poly1305",
};

/*
 * Fetching is slow (a locked lookup in the provider store and, for HMAC, a
 * digest fetch when the digest is set), so everything is fetched once. The
 * HMAC templates are keyed with a dummy key because OpenSSL cannot
 * duplicate an HMAC context that has never been initialised; each use
 * duplicates a template and re-keys the copy.
 */
static bool crypto_initialized;
static EVP_MAC *hmac_alg;
static EVP_MAC_CTX *hmac_tmpl[IKE_MD_COUNT];
static EVP_CIPHER *ciphers[IKE_CIPHER_COUNT];

/* RFC 7296 3.14, RFC 5282 (8-octet IV, 4-octet salt, no alignment),
 * RFC 7634 (same shape for ChaCha20-Poly1305). */
static const struct ike_encr_alg encr_algs[] = {
	{ IKE_ENCR_AES_CBC, 128, 16, 0, 16, 16, 0, IKE_CIPHER_AES128_CBC },
	{ IKE_ENCR_AES_CBC, 192, 24, 0, 16, 16, 0, IKE_CIPHER_AES192_CBC },
	{ IKE_ENCR_AES_CBC, 256, 32, 0, 16, 16, 0, IKE_CIPHER_AES256_CBC },
	{ IKE_ENCR_AES_GCM_16, 128, 16, 4, 8, 1, 16, IKE_CIPHER_AES128_GCM },
	{ IKE_ENCR_AES_GCM_16, 192, 24, 4, 8, 1, 16, IKE_CIPHER_AES192_GCM },
	{ IKE_ENCR_AES_GCM_16, 256, 32, 4, 8, 1, 16, IKE_CIPHER_AES256_GCM },
	{ IKE_ENCR_CHACHA20_POLY1305, 0, 32, 4, 8, 1, 16, IKE_CIPHER_CHACHA20_POLY1305 },
};

static const struct ike_integ_alg integ_algs[] = {
	{ IKE_INTEG_HMAC_SHA1_96, 20, 12, IKE_MD_SHA1 },
	{ IKE_INTEG_HMAC_SHA2_256_128, 32, 16, IKE_MD_SHA256 },
	{ IKE_INTEG_HMAC_SHA2_384_192, 48, 24, IKE_MD_SHA384 },
	{ IKE_INTEG_HMAC_SHA2_512_256, 64, 32, IKE_MD_SHA512 },
};

static const struct {
	uint16_t id;
	uint8_t md;
} prf_algs[] = {
	{ IKE_PRF_HMAC_SHA1, IKE_MD_SHA1 },
	{ IKE_PRF_HMAC_SHA2_256, IKE_MD_SHA256 },
	{ IKE_PRF_HMAC_SHA2_384, IKE_MD_SHA384 },
	{ IKE_PRF_HMAC_SHA2_512, IKE_MD_SHA512 },
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

void ike_crypto_cleanup(void)
{
	for (size_t i = 0; i < IKE_MD_COUNT; i++) {
		EVP_MAC_CTX_free(hmac_tmpl[i]);
		hmac_tmpl[i] = NULL;
	}
	EVP_MAC_free(hmac_alg);
	hmac_alg = NULL;
	for (size_t i = 0; i < IKE_CIPHER_COUNT; i++) {
		EVP_CIPHER_free(ciphers[i]);
		ciphers[i] = NULL;
	}
	ike_dh_groups_cleanup();
	crypto_initialized = false;
}

int ike_crypto_init(void)
{
	static const uint8_t dummy_key[1];

	if (crypto_initialized)
		return 0;
	hmac_alg = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	if (!hmac_alg)
		goto fail;
	for (size_t i = 0; i < IKE_MD_COUNT; i++) {
		OSSL_PARAM params[] = {
			OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, md_names[i], 0),
			OSSL_PARAM_construct_end(),
		};

		hmac_tmpl[i] = EVP_MAC_CTX_new(hmac_alg);
		if (!hmac_tmpl[i] ||
		    !EVP_MAC_init(hmac_tmpl[i], dummy_key, sizeof(dummy_key), params))
			goto fail;
	}
	for (size_t i = 0; i < IKE_CIPHER_COUNT; i++) {
		ciphers[i] = EVP_CIPHER_fetch(NULL, cipher_names[i], NULL);
		if (!ciphers[i])
			goto fail;
	}
	if (ike_dh_groups_init() < 0)
		goto fail;
	crypto_initialized = true;
	return 0;
fail:
	ike_crypto_cleanup();
	return -ENOTSUP;
}

int ike_crypto_ready(void)
{
	return crypto_initialized ? 0 : ike_crypto_init();
}

EVP_MAC_CTX *ike_hmac_new(enum ike_md md, const uint8_t *key, size_t key_len)
{
	static const uint8_t empty[1];
	EVP_MAC_CTX *ctx;

	/* a NULL key would mean "keep the template's dummy key" */
	if (!key) {
		key = empty;
		key_len = 0;
	}
	ctx = EVP_MAC_CTX_dup(hmac_tmpl[md]);
	if (ctx && !EVP_MAC_init(ctx, key, key_len, NULL)) {
		EVP_MAC_CTX_free(ctx);
		ctx = NULL;
	}
	return ctx;
}

EVP_CIPHER *ike_cipher_get(enum ike_cipher cipher)
{
	return ciphers[cipher];
}

const struct ike_encr_alg *ike_encr_alg_find(uint16_t id, uint16_t key_bits)
{
	for (size_t i = 0; i < ARRAY_LEN(encr_algs); i++)
		if (encr_algs[i].id == id && encr_algs[i].key_bits == key_bits)
			return &encr_algs[i];
	return NULL;
}

const struct ike_integ_alg *ike_integ_alg_find(uint16_t id)
{
	for (size_t i = 0; i < ARRAY_LEN(integ_algs); i++)
		if (integ_algs[i].id == id)
			return &integ_algs[i];
	return NULL;
}

static int prf_md(uint16_t prf)
{
	for (size_t i = 0; i < ARRAY_LEN(prf_algs); i++)
		if (prf_algs[i].id == prf)
			return prf_algs[i].md;
	return -1;
}

size_t ike_prf_len(uint16_t prf)
{
	int md = prf_md(prf);

	return md < 0 ? 0 : md_lens[md];
}

static int mac_update(EVP_MAC_CTX *ctx, const struct ike_cbuf *data, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (data[i].len == 0)
			continue;
		if (!data[i].ptr)
			return -EINVAL;
		if (!EVP_MAC_update(ctx, data[i].ptr, data[i].len))
			return -EIO;
	}
	return 0;
}

int ike_prf(uint16_t prf, const uint8_t *key, size_t key_len, const struct ike_cbuf *data,
	    size_t n_data, uint8_t *out, size_t out_size)
{
	int md = prf_md(prf);
	EVP_MAC_CTX *ctx;
	size_t len;
	int ret;

	if (md < 0)
		return -ENOTSUP;
	if (!out || out_size < md_lens[md] || (!key && key_len) || (!data && n_data))
		return -EINVAL;
	ret = ike_crypto_ready();
	if (ret < 0)
		return ret;
	ctx = ike_hmac_new(md, key, key_len);
	if (!ctx)
		return -ENOMEM;
	ret = mac_update(ctx, data, n_data);
	if (ret == 0 && (!EVP_MAC_final(ctx, out, &len, out_size) || len != md_lens[md]))
		ret = -EIO;
	EVP_MAC_CTX_free(ctx);
	return ret;
}

int ike_prf_plus(uint16_t prf, const uint8_t *key, size_t key_len, const struct ike_cbuf *seed,
		 size_t n_seed, uint8_t *out, size_t out_len)
{
	int md = prf_md(prf);
	uint8_t t[IKE_PRF_MAX_LEN];
	size_t t_len = 0, done = 0;
	EVP_MAC_CTX *ctx;
	int ret;

	if (md < 0)
		return -ENOTSUP;
	if ((!out && out_len) || out_len > 255 * (size_t)md_lens[md] || (!key && key_len) ||
	    (!seed && n_seed))
		return -EINVAL;
	ret = ike_crypto_ready();
	if (ret < 0)
		return ret;
	ctx = ike_hmac_new(md, key, key_len);
	if (!ctx)
		return -ENOMEM;
	/* T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n) */
	for (unsigned int n = 1; done < out_len; n++) {
		uint8_t octet = (uint8_t)n;
		size_t chunk;

		if (n > 1 && !EVP_MAC_init(ctx, NULL, 0, NULL)) {
			ret = -EIO;
			break;
		}
		if (t_len && !EVP_MAC_update(ctx, t, t_len)) {
			ret = -EIO;
			break;
		}
		ret = mac_update(ctx, seed, n_seed);
		if (ret < 0)
			break;
		if (!EVP_MAC_update(ctx, &octet, 1) || !EVP_MAC_final(ctx, t, &t_len, sizeof(t)) ||
		    t_len != md_lens[md]) {
			ret = -EIO;
			break;
		}
		chunk = out_len - done < t_len ? out_len - done : t_len;
		memcpy(out + done, t, chunk);
		done += chunk;
	}
	EVP_MAC_CTX_free(ctx);
	OPENSSL_cleanse(t, sizeof(t));
	if (ret < 0 && out)
		OPENSSL_cleanse(out, out_len);
	return ret;
}

size_t ike_integ_key_len(uint16_t integ)
{
	const struct ike_integ_alg *a = ike_integ_alg_find(integ);

	return a ? a->key_len : 0;
}

size_t ike_integ_icv_len(uint16_t integ)
{
	const struct ike_integ_alg *a = ike_integ_alg_find(integ);

	return a ? a->icv_len : 0;
}

int ike_integ_icv(uint16_t integ, const uint8_t *key, size_t key_len, const uint8_t *data,
		  size_t len, uint8_t *icv, size_t icv_size)
{
	const struct ike_integ_alg *a = ike_integ_alg_find(integ);
	uint8_t mac[IKE_PRF_MAX_LEN];
	EVP_MAC_CTX *ctx;
	size_t mac_len;
	int ret = 0;

	if (!a)
		return -ENOTSUP;
	if (!icv || icv_size < a->icv_len || (!key && key_len) || (!data && len))
		return -EINVAL;
	ret = ike_crypto_ready();
	if (ret < 0)
		return ret;
	ctx = ike_hmac_new(a->md, key, key_len);
	if (!ctx)
		return -ENOMEM;
	if ((len && !EVP_MAC_update(ctx, data, len)) ||
	    !EVP_MAC_final(ctx, mac, &mac_len, sizeof(mac)) || mac_len < a->icv_len)
		ret = -EIO;
	else
		memcpy(icv, mac, a->icv_len);
	EVP_MAC_CTX_free(ctx);
	OPENSSL_cleanse(mac, sizeof(mac));
	return ret;
}

bool ike_encr_ike_supported(uint16_t encr, uint16_t key_bits)
{
	return ike_encr_alg_find(encr, key_bits) != NULL;
}


static bool aes_key_bits_ok(uint16_t key_bits)
{
	return key_bits == 128 || key_bits == 192 || key_bits == 256;
}

size_t ike_esp_encr_key_len(uint16_t encr, uint16_t key_bits)
{
	switch (encr) {
	case IKE_ENCR_AES_CBC:
		return aes_key_bits_ok(key_bits) ? key_bits / 8u : 0;
	case IKE_ENCR_AES_CTR:	 /* RFC 3686/5930: 4-octet nonce */
	case IKE_ENCR_AES_GCM_8: /* RFC 4106: 4-octet salt */
	case IKE_ENCR_AES_GCM_12:
	case IKE_ENCR_AES_GCM_16:
		return aes_key_bits_ok(key_bits) ? key_bits / 8u + 4 : 0;
	case IKE_ENCR_AES_CCM_8: /* RFC 4309: 3-octet salt */
	case IKE_ENCR_AES_CCM_12:
	case IKE_ENCR_AES_CCM_16:
		return aes_key_bits_ok(key_bits) ? key_bits / 8u + 3 : 0;
	case IKE_ENCR_CHACHA20_POLY1305: /* RFC 7634: no Key Length attribute */
		return key_bits == 0 ? 32 + 4 : 0;
	default:
		return 0;
	}
}

size_t ike_esp_integ_key_len(uint16_t integ)
{
	switch (integ) {
	case IKE_INTEG_HMAC_SHA1_96:
		return 20;
	case IKE_INTEG_AES_XCBC_96:
		return 16;
	case IKE_INTEG_HMAC_SHA2_256_128:
		return 32;
	case IKE_INTEG_HMAC_SHA2_384_192:
		return 48;
	case IKE_INTEG_HMAC_SHA2_512_256:
		return 64;
	default:
		return 0;
	}
}

static int sa_algs_resolve(const struct ike_sa_algs *algs, const struct ike_encr_alg **encr,
			   const struct ike_integ_alg **integ)
{
	if (!algs)
		return -EINVAL;
	*encr = ike_encr_alg_find(algs->encr, algs->encr_key_bits);
	if (!*encr || prf_md(algs->prf) < 0)
		return -ENOTSUP;
	if ((*encr)->icv_len) {
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
	size_t integ_len = integ ? integ->key_len : 0;
	size_t encr_len = (size_t)encr->key_len + encr->salt_len;
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
	int ret;

	if (!keys)
		return -EINVAL;
	ike_sa_keys_wipe(keys);
	ret = sa_algs_resolve(algs, &encr, &integ);
	if (ret < 0)
		return ret;
	if (!gir || !gir_len || !nonces_ok(ni, ni_len, nr, nr_len) || !spi_i || !spi_r)
		return -EINVAL;
	/* SKEYSEED = prf(Ni | Nr, g^ir): HMAC PRFs take the whole nonces as key */
	memcpy(nonces, ni, ni_len);
	memcpy(nonces + ni_len, nr, nr_len);
	ret = ike_prf(algs->prf, nonces, ni_len + nr_len, &data, 1, skeyseed, sizeof(skeyseed));
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
	aead = ike_encr_is_aead(algs->encr);
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
