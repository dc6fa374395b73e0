/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The Encrypted payload: AES-CBC and 3DES (RFC 7296 3.14) or AES-CTR
 * (RFC 5930) with an integrity transform, AES-GCM and AES-CCM (RFC 5282)
 * and ChaCha20-Poly1305 (RFC 7634).
 *
 * The message layout is
 *   msg[0, iv_off)                 IKE header .. SK(F) payload header (AAD)
 *   msg[iv_off, +iv_len)           IV
 *   msg[.., +ct_len)               inner payloads | padding | Pad Length
 *   msg[msg_len - icv_len, msg_len) ICV
 */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "ike/crypto.h"
#include "ike/crypto_internal.h"
#include "ike/ike_const.h"

#define AEAD_NONCE_MAX_LEN 12 /* salt (4, CCM: 3) | IV (8) */
#define CTR_BLOCK_LEN 16      /* nonce (4) | IV (8) | counter (4) */

int ike_sk_cipher_init(struct ike_sk_cipher *c, uint16_t encr, uint16_t key_bits, uint16_t integ,
		       const uint8_t *encr_key, size_t encr_key_len, const uint8_t *integ_key,
		       size_t integ_key_len)
{
	const struct ike_encr_alg *e;
	const struct ike_integ_alg *a = NULL;

	if (!c)
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	e = ike_encr_alg_find(encr, key_bits);
	if (!e)
		return -ENOTSUP;
	if (!encr_key || encr_key_len != ike_encr_key_len(e) + ike_encr_salt_len(e))
		return -EINVAL;
	if (ike_encr_icv_len(e)) {
		if (integ != IKE_INTEG_NONE)
			return -EINVAL;
	} else {
		if (integ == IKE_INTEG_NONE)
			return -EINVAL;
		a = ike_integ_alg_find(integ);
		if (!a)
			return -ENOTSUP;
		if (!integ_key || integ_key_len != ike_integ_alg_key_len(a))
			return -EINVAL;
	}
	c->encr = e;
	c->integ = a;
	c->encr_key = encr_key;
	c->integ_key = a ? integ_key : NULL;
	return 0;
}

void ike_sk_cipher_from_keys(struct ike_sk_cipher *c, const struct ike_sa_keys *keys, bool i2r)
{
	c->encr = keys->encr;
	c->integ = keys->integ;
	c->encr_key = i2r ? keys->sk_ei : keys->sk_er;
	c->integ_key = keys->integ ? (i2r ? keys->sk_ai : keys->sk_ar) : NULL;
}

size_t ike_sk_iv_len(const struct ike_sk_cipher *c)
{
	return c->encr->iv_len;
}

size_t ike_sk_icv_len(const struct ike_sk_cipher *c)
{
	return c->integ ? ike_integ_alg_icv_len(c->integ) : ike_encr_icv_len(c->encr);
}

size_t ike_sk_block_len(const struct ike_sk_cipher *c)
{
	return c->encr->block_len;
}

size_t ike_sk_ct_len(const struct ike_sk_cipher *c, size_t plain_len)
{
	size_t b = c->encr->block_len;

	/* the Pad Length octet, then the minimal padding */
	return (plain_len + 1 + b - 1) / b * b;
}

size_t ike_sk_body_len(const struct ike_sk_cipher *c, size_t plain_len)
{
	return ike_sk_iv_len(c) + ike_sk_ct_len(c, plain_len) + ike_sk_icv_len(c);
}

/* AES-CCM wants its nonce length (11 here, L = 4) and tag length before
 * the key, and, being one pass, the data length before the AAD. */
static int ccm_setup(EVP_CIPHER_CTX *ctx, bool enc, size_t nonce_len, uint8_t *tag, size_t tag_len)
{
	OSSL_PARAM params[3] = { OSSL_PARAM_END, OSSL_PARAM_END, OSSL_PARAM_END };

	params[0] = OSSL_PARAM_construct_size_t(OSSL_CIPHER_PARAM_AEAD_IVLEN, &nonce_len);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, enc ? NULL : tag,
						      tag_len);
	return EVP_CIPHER_CTX_set_params(ctx, params) ? 0 : -EIO;
}

static int aead_crypt(const struct ike_sk_cipher *c, bool enc, const uint8_t *aad, size_t aad_len,
		      const uint8_t *iv, uint8_t *data, size_t len, uint8_t *tag)
{
	const struct ike_encr_alg *e = c->encr;
	size_t key_len = ike_encr_key_len(e), salt_len = ike_encr_salt_len(e);
	size_t icv_len = ike_encr_icv_len(e), nonce_len = salt_len + e->iv_len;
	bool ccm = e->mode == IKE_MODE_CCM;
	uint8_t nonce[AEAD_NONCE_MAX_LEN];
	EVP_CIPHER_CTX *ctx;
	int outl, finl, ret = -EIO;
	OSSL_PARAM params[2] = { OSSL_PARAM_END, OSSL_PARAM_END };

	memcpy(nonce, c->encr_key + key_len, salt_len);
	memcpy(nonce + salt_len, iv, e->iv_len);
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return -ENOMEM;
	if (ccm) {
		if (!EVP_CipherInit_ex2(ctx, ike_cipher_get(e->cipher), NULL, NULL, enc, NULL) ||
		    ccm_setup(ctx, enc, nonce_len, tag, icv_len) ||
		    !EVP_CipherInit_ex2(ctx, NULL, c->encr_key, nonce, enc, NULL))
			goto out;
	} else if (!EVP_CipherInit_ex2(ctx, ike_cipher_get(e->cipher), c->encr_key, nonce, enc,
				       NULL)) {
		goto out;
	}
	if (!enc && !ccm) {
		params[0] =
		    OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, icv_len);
		if (!EVP_CIPHER_CTX_set_params(ctx, params))
			goto out;
	}
	if (ccm && !EVP_CipherUpdate(ctx, NULL, &outl, NULL, (int)len))
		goto out;
	if (aad_len && !EVP_CipherUpdate(ctx, NULL, &outl, aad, (int)aad_len))
		goto out;
	if (!EVP_CipherUpdate(ctx, data, &outl, data, (int)len) || (size_t)outl != len) {
		/* CCM checks the tag here, in its single pass */
		ret = ccm && !enc ? -EBADMSG : -EIO;
		goto out;
	}
	if (!(ccm && !enc) && (!EVP_CipherFinal_ex(ctx, data + outl, &finl) || finl != 0)) {
		/* with a tag set, a failed final means the ICV did not verify */
		ret = enc ? -EIO : -EBADMSG;
		goto out;
	}
	if (enc) {
		params[0] =
		    OSSL_PARAM_construct_octet_string(OSSL_CIPHER_PARAM_AEAD_TAG, tag, icv_len);
		if (!EVP_CIPHER_CTX_get_params(ctx, params))
			goto out;
	}
	ret = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(nonce, sizeof(nonce));
	return ret;
}

/* CBC (the IV as is) and CTR (RFC 5930: the counter block is the nonce
 * stored after the key, the IV, and a 32-bit counter from 1). */
static int plain_crypt(const struct ike_sk_cipher *c, bool enc, const uint8_t *iv, uint8_t *data,
		       size_t len)
{
	const struct ike_encr_alg *e = c->encr;
	uint8_t ctr[CTR_BLOCK_LEN];
	EVP_CIPHER_CTX *ctx;
	int outl, finl, ret = -EIO;

	if (e->mode == IKE_MODE_CTR) {
		memcpy(ctr, c->encr_key + ike_encr_key_len(e), 4);
		memcpy(ctr + 4, iv, 8);
		memcpy(ctr + 12, "\0\0\0\1", 4);
		iv = ctr;
	}
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return -ENOMEM;
	if (EVP_CipherInit_ex2(ctx, ike_cipher_get(e->cipher), c->encr_key, iv, enc, NULL) &&
	    EVP_CIPHER_CTX_set_padding(ctx, 0) &&
	    EVP_CipherUpdate(ctx, data, &outl, data, (int)len) && (size_t)outl == len &&
	    EVP_CipherFinal_ex(ctx, data + outl, &finl) && finl == 0)
		ret = 0;
	EVP_CIPHER_CTX_free(ctx);
	OPENSSL_cleanse(ctr, sizeof(ctr));
	return ret;
}

static int plain_icv(const struct ike_sk_cipher *c, const uint8_t *msg, size_t len, uint8_t *icv)
{
	return ike_integ_icv(ike_alg_get(c->integ->alg)->id, c->integ_key,
			     ike_integ_alg_key_len(c->integ), msg, len, icv, IKE_ICV_MAX_LEN);
}

/* The part of the checks shared by seal and open. */
static bool layout_ok(const struct ike_sk_cipher *c, const uint8_t *msg, size_t msg_len,
		      size_t iv_off)
{
	return c && c->encr && c->encr_key &&
	       (ike_encr_icv_len(c->encr) || (c->integ && c->integ_key)) && msg &&
	       msg_len <= INT_MAX && iv_off <= msg_len;
}

int ike_sk_seal(const struct ike_sk_cipher *c, uint8_t *msg, size_t msg_len, size_t iv_off,
		size_t plain_len, const uint8_t *iv)
{
	size_t iv_len, icv_len, ct_len, pad;
	uint8_t *ivp, *ct;
	int ret;

	if (!layout_ok(c, msg, msg_len, iv_off) || !iv || plain_len > INT_MAX)
		return -EINVAL;
	iv_len = ike_sk_iv_len(c);
	icv_len = ike_sk_icv_len(c);
	ct_len = ike_sk_ct_len(c, plain_len);
	if (msg_len - iv_off != iv_len + ct_len + icv_len)
		return -EINVAL;
	ret = ike_crypto_ready();
	if (ret < 0)
		return ret;
	ivp = msg + iv_off;
	ct = ivp + iv_len;
	memmove(ivp, iv, iv_len);
	pad = ct_len - plain_len - 1;
	memset(ct + plain_len, 0, pad);
	ct[ct_len - 1] = (uint8_t)pad;
	if (ike_encr_icv_len(c->encr))
		return aead_crypt(c, true, msg, iv_off, ivp, ct, ct_len, ct + ct_len);
	ret = plain_crypt(c, true, ivp, ct, ct_len);
	if (ret == 0)
		ret = plain_icv(c, msg, msg_len - icv_len, msg + msg_len - icv_len);
	return ret;
}

int ike_sk_open(const struct ike_sk_cipher *c, uint8_t *msg, size_t msg_len, size_t iv_off,
		size_t *plain_off, size_t *plain_len)
{
	size_t iv_len, icv_len, block, ct_len, pad = 0;
	uint8_t icv[IKE_ICV_MAX_LEN];
	uint8_t *ivp, *ct;
	int ret;

	if (!layout_ok(c, msg, msg_len, iv_off) || !plain_off || !plain_len)
		return -EINVAL;
	iv_len = ike_sk_iv_len(c);
	icv_len = ike_sk_icv_len(c);
	block = ike_sk_block_len(c);
	/* at least one block (or the Pad Length octet) must be encrypted */
	if (msg_len - iv_off < iv_len + icv_len + block)
		return -EINVAL;
	ct_len = msg_len - iv_off - iv_len - icv_len;
	if (ct_len % block)
		return -EINVAL;
	ret = ike_crypto_ready();
	if (ret < 0)
		return ret;
	ivp = msg + iv_off;
	ct = ivp + iv_len;
	if (ike_encr_icv_len(c->encr)) {
		ret = aead_crypt(c, false, msg, iv_off, ivp, ct, ct_len, ct + ct_len);
	} else {
		/* authenticate before decrypting: no padding oracle */
		ret = plain_icv(c, msg, msg_len - icv_len, icv);
		if (ret == 0 && CRYPTO_memcmp(icv, msg + msg_len - icv_len, icv_len) != 0)
			ret = -EBADMSG;
		OPENSSL_cleanse(icv, sizeof(icv));
		if (ret < 0)
			return ret;
		ret = plain_crypt(c, false, ivp, ct, ct_len);
	}
	if (ret == 0) {
		pad = ct[ct_len - 1];
		if (pad + 1 > ct_len)
			ret = -EINVAL;
	}
	if (ret < 0) {
		OPENSSL_cleanse(ct, ct_len);
		return ret;
	}
	*plain_off = iv_off + iv_len;
	*plain_len = ct_len - pad - 1;
	return 0;
}
