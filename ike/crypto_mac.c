// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The MACs behind IKE's PRFs and integrity transforms: HMAC (RFC 2104) with
 * MD5, SHA-1 and SHA-2, AES-CMAC (RFC 4493) from OpenSSL, and AES-XCBC-MAC
 * (RFC 3566), which OpenSSL lacks, on single AES-128 block encryptions.
 */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "ike/crypto_internal.h"

#define AES_BLOCK 16

/* not const: OSSL_PARAM_construct_utf8_string takes a char * */
static char md_names[][sizeof("SHA2-256")] = {
	[IKE_MAC_HMAC_MD5] = "MD5",	    [IKE_MAC_HMAC_SHA1] = "SHA1",
	[IKE_MAC_HMAC_SHA256] = "SHA2-256", [IKE_MAC_HMAC_SHA384] = "SHA2-384",
	[IKE_MAC_HMAC_SHA512] = "SHA2-512",
};
static char cmac_cipher[] = "AES-128-CBC";

static const uint8_t mac_lens[IKE_MAC_COUNT] = {
	[IKE_MAC_HMAC_MD5] = 16,    [IKE_MAC_HMAC_SHA1] = 20,	[IKE_MAC_HMAC_SHA256] = 32,
	[IKE_MAC_HMAC_SHA384] = 48, [IKE_MAC_HMAC_SHA512] = 64, [IKE_MAC_AES_XCBC] = 16,
	[IKE_MAC_AES_CMAC] = 16,
};

/*
 * Fetching is slow (a locked lookup in the provider store, and a digest or
 * cipher fetch when it is set), so each MAC is fetched and set up once.
 * The templates are keyed with a dummy key because OpenSSL cannot
 * duplicate a context that has never been initialised; each use
 * duplicates a template and re-keys the copy.
 */
static EVP_MAC *hmac_alg, *cmac_alg;
static EVP_MAC_CTX *tmpl[IKE_MAC_COUNT];

size_t ike_mac_len(enum ike_mac_kind kind)
{
	return kind < IKE_MAC_COUNT ? mac_lens[kind] : 0;
}

void ike_mac_algs_cleanup(void)
{
	for (size_t i = 0; i < IKE_MAC_COUNT; i++) {
		EVP_MAC_CTX_free(tmpl[i]);
		tmpl[i] = NULL;
	}
	EVP_MAC_free(hmac_alg);
	EVP_MAC_free(cmac_alg);
	hmac_alg = cmac_alg = NULL;
}

int ike_mac_algs_init(void)
{
	static const uint8_t dummy_key[AES_BLOCK];

	hmac_alg = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_HMAC, NULL);
	cmac_alg = EVP_MAC_fetch(NULL, OSSL_MAC_NAME_CMAC, NULL);
	if (!hmac_alg || !cmac_alg)
		goto fail;
	for (size_t i = 0; i < IKE_MAC_COUNT; i++) {
		OSSL_PARAM params[2] = { OSSL_PARAM_END, OSSL_PARAM_END };
		EVP_MAC *alg = hmac_alg;

		if (i == IKE_MAC_AES_XCBC)
			continue;
		if (i == IKE_MAC_AES_CMAC) {
			alg = cmac_alg;
			params[0] =
			    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_CIPHER, cmac_cipher, 0);
		} else {
			params[0] =
			    OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, md_names[i], 0);
		}
		tmpl[i] = EVP_MAC_CTX_new(alg);
		if (!tmpl[i] || !EVP_MAC_init(tmpl[i], dummy_key, sizeof(dummy_key), params))
			goto fail;
	}
	return 0;
fail:
	ike_mac_algs_cleanup();
	return -ENOTSUP;
}

/* ---- AES-XCBC-MAC (RFC 3566 section 4) ---- */

static int aes_block(EVP_CIPHER_CTX *ecb, const uint8_t *in, uint8_t *out, size_t len)
{
	int outl;

	return EVP_EncryptUpdate(ecb, out, &outl, in, (int)len) && (size_t)outl == len ? 0 : -EIO;
}

static int xcbc_init(struct ike_mac *m, const uint8_t *key, size_t key_len)
{
	uint8_t consts[3 * AES_BLOCK], k[3 * AES_BLOCK];
	int ret = -EIO;

	if (key_len != AES_BLOCK)
		return -EINVAL;
	m->ecb = EVP_CIPHER_CTX_new();
	if (!m->ecb)
		return -ENOMEM;
	/* K1 | K2 | K3 = E(K, 0x01^16 | 0x02^16 | 0x03^16) */
	for (size_t i = 0; i < 3; i++)
		memset(consts + i * AES_BLOCK, (int)i + 1, AES_BLOCK);
	if (EVP_EncryptInit_ex2(m->ecb, ike_cipher_get(IKE_CIPHER_AES128_ECB), key, NULL, NULL) &&
	    EVP_CIPHER_CTX_set_padding(m->ecb, 0) &&
	    aes_block(m->ecb, consts, k, sizeof(consts)) == 0 &&
	    EVP_EncryptInit_ex2(m->ecb, NULL, k, NULL, NULL)) {
		memcpy(m->k2, k + AES_BLOCK, AES_BLOCK);
		memcpy(m->k3, k + 2 * AES_BLOCK, AES_BLOCK);
		ret = 0;
	}
	OPENSSL_cleanse(k, sizeof(k));
	return ret;
}

/* E[i] = E(K1, M[i] ^ E[i-1]) */
static int xcbc_block(struct ike_mac *m, const uint8_t *block)
{
	for (size_t i = 0; i < AES_BLOCK; i++)
		m->e[i] ^= block[i];
	return aes_block(m->ecb, m->e, m->e, AES_BLOCK);
}

/* The last block is treated apart (K2 or K3), so a full buffer is only
 * processed once more data shows it was not the last. */
static int xcbc_update(struct ike_mac *m, const uint8_t *data, size_t len)
{
	while (len) {
		size_t n;

		if (m->buf_len == AES_BLOCK) {
			if (xcbc_block(m, m->buf))
				return -EIO;
			m->buf_len = 0;
		}
		n = AES_BLOCK - m->buf_len < len ? AES_BLOCK - m->buf_len : len;
		memcpy(m->buf + m->buf_len, data, n);
		m->buf_len += n;
		data += n;
		len -= n;
	}
	return 0;
}

static int xcbc_final(struct ike_mac *m, uint8_t *out)
{
	const uint8_t *k = m->k2;

	if (m->buf_len < AES_BLOCK) {
		/* 10* padding, and K3 instead of K2 */
		m->buf[m->buf_len] = 0x80;
		memset(m->buf + m->buf_len + 1, 0, AES_BLOCK - m->buf_len - 1);
		k = m->k3;
	}
	for (size_t i = 0; i < AES_BLOCK; i++)
		m->buf[i] ^= k[i];
	if (xcbc_block(m, m->buf))
		return -EIO;
	memcpy(out, m->e, AES_BLOCK);
	return 0;
}

/* ---- one interface ---- */

int ike_mac_init(struct ike_mac *m, enum ike_mac_kind kind, const uint8_t *key, size_t key_len)
{
	static const uint8_t empty[1];
	int ret;

	memset(m, 0, sizeof(*m));
	m->kind = (uint8_t)kind;
	if (kind >= IKE_MAC_COUNT || (!key && key_len))
		return -EINVAL;
	ret = ike_crypto_ready();
	if (ret < 0)
		return ret;
	if (kind == IKE_MAC_AES_XCBC) {
		ret = xcbc_init(m, key, key_len);
		if (ret)
			ike_mac_free(m);
		return ret;
	}
	if (kind == IKE_MAC_AES_CMAC && key_len != AES_BLOCK)
		return -EINVAL;
	/* a NULL key would mean "keep the template's dummy key" */
	if (!key)
		key = empty;
	m->evp = EVP_MAC_CTX_dup(tmpl[kind]);
	if (!m->evp)
		return -ENOMEM;
	if (!EVP_MAC_init(m->evp, key, key_len, NULL)) {
		ike_mac_free(m);
		return -EIO;
	}
	return 0;
}

int ike_mac_update(struct ike_mac *m, const uint8_t *data, size_t len)
{
	if (!len)
		return 0;
	if (!data)
		return -EINVAL;
	if (m->kind == IKE_MAC_AES_XCBC)
		return xcbc_update(m, data, len);
	return EVP_MAC_update(m->evp, data, len) ? 0 : -EIO;
}

int ike_mac_final(struct ike_mac *m, uint8_t *out)
{
	size_t len;

	if (m->kind == IKE_MAC_AES_XCBC)
		return xcbc_final(m, out);
	if (!EVP_MAC_final(m->evp, out, &len, IKE_MAC_MAX_LEN) || len != mac_lens[m->kind])
		return -EIO;
	return 0;
}

int ike_mac_restart(struct ike_mac *m)
{
	if (m->kind == IKE_MAC_AES_XCBC) {
		memset(m->e, 0, sizeof(m->e));
		OPENSSL_cleanse(m->buf, sizeof(m->buf));
		m->buf_len = 0;
		return 0;
	}
	/* a NULL key keeps the key: the state restarts from it */
	return EVP_MAC_init(m->evp, NULL, 0, NULL) ? 0 : -EIO;
}

void ike_mac_free(struct ike_mac *m)
{
	EVP_MAC_CTX_free(m->evp);
	EVP_CIPHER_CTX_free(m->ecb);
	OPENSSL_cleanse(m, sizeof(*m));
}
