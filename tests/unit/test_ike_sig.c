// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * AUTH payload signatures: RFC 7427's AlgorithmIdentifiers octet for
 * octet, known answers (RFC 8032 Ed25519, RFC 4754 ECDSA P-256, RSA made by
 * the openssl command line), every scheme signed and verified, choosing a
 * scheme, SIGNATURE_HASH_ALGORITHMS, and hostile AUTH data refused.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>

#include "ike/ike_const.h"
#include "ike/sig.h"
#include "tests/unit/unit.h"
#include "tests/unit/vectors/sig_rsa.h"

static size_t unhex(const char *h, uint8_t *out, size_t max)
{
	size_t n = 0;

	while (h[0] && h[1]) {
		if (h[0] == ' ') {
			h++;
			continue;
		}
		ck_assert_uint_lt(n, max);
		ck_assert_int_eq(sscanf(h, "%2hhx", &out[n]), 1);
		n++;
		h += 2;
	}
	return n;
}

static EVP_PKEY *rsa_key(void)
{
	BIO *b = BIO_new_mem_buf(rsa_key_pem, -1);
	EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);

	BIO_free(b);
	ck_assert_ptr_nonnull(k);
	return k;
}

static EVP_PKEY *ec_key(const char *curve)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", curve);

	ck_assert_ptr_nonnull(k);
	return k;
}

static EVP_PKEY *ed_key(const char *type)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, type);

	ck_assert_ptr_nonnull(k);
	return k;
}

/* Signs with s, checks the method, verifies; returns the AUTH data. */
static void sign_ok(EVP_PKEY *k, enum ike_sig_scheme s, const void *msg, size_t len,
		    struct ike_writer *w, uint8_t *method)
{
	const char *why = NULL;
	enum ike_sig_scheme used;

	ike_writer_init(w);
	ck_assert_msg(!ike_sig_sign(k, s, msg, len, method, w, &why), "%s: %s", ike_sig_name(s),
		      why);
	ck_assert_uint_eq(*method, ike_sig_method(s));
	ck_assert_msg(!ike_sig_verify(k, *method, w->buf, w->len, msg, len, &used, &why), "%s: %s",
		      ike_sig_name(s), why);
	ck_assert_int_eq(used, s);
}

/* ---- RFC 7427 Appendix A (and RFC 8420) ---- */

static const struct {
	enum ike_sig_scheme s;
	const char *hex;
} rfc7427[] = {
	{ IKE_SIG_RSA_PKCS1_SHA256, "30 0d 06 09 2a 86 48 86 f7 0d 01 01 0b 05 00" },
	{ IKE_SIG_RSA_PKCS1_SHA384, "30 0d 06 09 2a 86 48 86 f7 0d 01 01 0c 05 00" },
	{ IKE_SIG_RSA_PKCS1_SHA512, "30 0d 06 09 2a 86 48 86 f7 0d 01 01 0d 05 00" },
	{ IKE_SIG_ECDSA_SHA256, "30 0a 06 08 2a 86 48 ce 3d 04 03 02" },
	{ IKE_SIG_ECDSA_SHA384, "30 0a 06 08 2a 86 48 ce 3d 04 03 03" },
	{ IKE_SIG_ECDSA_SHA512, "30 0a 06 08 2a 86 48 ce 3d 04 03 04" },
	/* A.4.3, and the same shape for SHA-384/512 (salt 48 and 64) */
	{ IKE_SIG_RSA_PSS_SHA256,
	  "30 41 06 09 2a 86 48 86 f7 0d 01 01 0a 30 34 a0 0f 30 0d 06 09 60 86 48 01 65 03 04 02 "
	  "01 05 00 a1 1c 30 1a 06 09 2a 86 48 86 f7 0d 01 01 08 30 0d 06 09 60 86 48 01 65 03 04 "
	  "02 01 05 00 a2 03 02 01 20" },
	{ IKE_SIG_RSA_PSS_SHA384,
	  "30 41 06 09 2a 86 48 86 f7 0d 01 01 0a 30 34 a0 0f 30 0d 06 09 60 86 48 01 65 03 04 02 "
	  "02 05 00 a1 1c 30 1a 06 09 2a 86 48 86 f7 0d 01 01 08 30 0d 06 09 60 86 48 01 65 03 04 "
	  "02 02 05 00 a2 03 02 01 30" },
	{ IKE_SIG_RSA_PSS_SHA512,
	  "30 41 06 09 2a 86 48 86 f7 0d 01 01 0a 30 34 a0 0f 30 0d 06 09 60 86 48 01 65 03 04 02 "
	  "03 05 00 a1 1c 30 1a 06 09 2a 86 48 86 f7 0d 01 01 08 30 0d 06 09 60 86 48 01 65 03 04 "
	  "02 03 05 00 a2 03 02 01 40" },
	{ IKE_SIG_ED25519, "30 05 06 03 2b 65 70" },
	{ IKE_SIG_ED448, "30 05 06 03 2b 65 71" },
};

START_TEST(test_algids)
{
	for (size_t i = 0; i < sizeof(rfc7427) / sizeof(rfc7427[0]); i++) {
		uint8_t want[80];
		size_t n = unhex(rfc7427[i].hex, want, sizeof(want)), len;
		const uint8_t *ai = ike_sig_algid(rfc7427[i].s, &len);

		ck_assert_msg(ai && len == n && !memcmp(ai, want, n), "%s",
			      ike_sig_name(rfc7427[i].s));
		ck_assert_uint_eq(ike_sig_method(rfc7427[i].s), IKE_AUTH_DIGITAL_SIGNATURE);
	}
	for (enum ike_sig_scheme s = IKE_SIG_RSA_SHA1_CLASSIC; s <= IKE_SIG_ECDSA_521_CLASSIC;
	     s++) {
		size_t len = 1;

		ike_sig_algid(s, &len);
		ck_assert_uint_eq(len, 0);
	}
	ck_assert_uint_eq(ike_sig_method(IKE_SIG_RSA_SHA1_CLASSIC), IKE_AUTH_RSA_SIG);
	ck_assert_uint_eq(ike_sig_method(IKE_SIG_ECDSA_256_CLASSIC), IKE_AUTH_ECDSA_256);
	ck_assert_uint_eq(ike_sig_method(IKE_SIG_ECDSA_384_CLASSIC), IKE_AUTH_ECDSA_384);
	ck_assert_uint_eq(ike_sig_method(IKE_SIG_ECDSA_521_CLASSIC), IKE_AUTH_ECDSA_521);
}
END_TEST

/* ---- RFC 8032 7.1, tests 1 and 2 ---- */

START_TEST(test_ed25519_rfc8032)
{
	static const struct {
		const char *sk, *pk, *msg, *sig;
	} v[] = {
		{ "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
		  "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
		  "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
		  "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b" },
		{ "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
		  "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
		  "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
		  "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00" },
	};

	for (size_t i = 0; i < 2; i++) {
		uint8_t sk[32], pk[32], msg[8], sig[64], want[1 + 7 + 64];
		size_t mlen = unhex(v[i].msg, msg, sizeof(msg));
		EVP_PKEY *k, *pub;
		struct ike_writer w;
		uint8_t method;
		const char *why;

		unhex(v[i].sk, sk, sizeof(sk));
		unhex(v[i].pk, pk, sizeof(pk));
		unhex(v[i].sig, sig, sizeof(sig));
		k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, sk, 32);
		pub = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk, 32);
		ck_assert_ptr_nonnull(k);
		ck_assert_ptr_nonnull(pub);
		sign_ok(k, IKE_SIG_ED25519, msg, mlen, &w, &method);
		/* RFC 8420: method 14, the Ed25519 AlgorithmIdentifier, the signature */
		want[0] = 7;
		unhex("30 05 06 03 2b 65 70", want + 1, 7);
		memcpy(want + 8, sig, 64);
		ck_assert_uint_eq(w.len, sizeof(want));
		ck_assert_mem_eq(w.buf, want, sizeof(want));
		ck_assert_int_eq(
		    ike_sig_verify(pub, method, want, sizeof(want), msg, mlen, NULL, &why), 0);
		want[8 + 63] ^= 1;
		ck_assert_int_eq(
		    ike_sig_verify(pub, method, want, sizeof(want), msg, mlen, NULL, &why),
		    -EKEYREJECTED);
		ike_writer_free(&w);
		EVP_PKEY_free(k);
		EVP_PKEY_free(pub);
	}
}
END_TEST

/* ---- RFC 4754 8.1: ECDSA-256 over "abc" ---- */

static EVP_PKEY *rfc4754_key(void)
{
	uint8_t pub[65];
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	BIGNUM *w = NULL;
	OSSL_PARAM *params;
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
	EVP_PKEY *k = NULL;

	pub[0] = 4;
	unhex("2442A5CC0ECD015FA3CA31DC8E2BBC70BF42D60CBCA20085E0822CB04235E970"
	      "6FC98BD7E50211A4A27102FA3549DF79EBCB4BF246B80945CDDFE7D509BBFD7D",
	      pub + 1, 64);
	ck_assert(
	    BN_hex2bn(&w, "DC51D3866A15BACDE33D96F992FCA99DA7E6EF0934E7097559C27F1614C88A7F"));
	ck_assert(OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0));
	ck_assert(OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pub, sizeof(pub)));
	ck_assert(OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, w));
	params = OSSL_PARAM_BLD_to_param(b);
	ck_assert(EVP_PKEY_fromdata_init(ctx) > 0);
	ck_assert(EVP_PKEY_fromdata(ctx, &k, EVP_PKEY_KEYPAIR, params) > 0);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	BN_free(w);
	EVP_PKEY_CTX_free(ctx);
	return k;
}

#define RFC4754_R "CB28E0999B9C7715FD0A80D8E47A77079716CBBF917DD72E97566EA1C066957C"
#define RFC4754_S "86FA3BB4E26CAD5BF90B7F81899256CE7594BB1EA0C89212748BFF3B3D5B0315"

START_TEST(test_ecdsa_rfc4754)
{
	EVP_PKEY *k = rfc4754_key();
	uint8_t raw[64], der[1 + 12 + 72];
	size_t n;
	const char *why;
	struct ike_writer w;
	uint8_t method;

	unhex(RFC4754_R RFC4754_S, raw, sizeof(raw));
	ck_assert_int_eq(ike_sig_verify(k, IKE_AUTH_ECDSA_256, raw, 64, "abc", 3, NULL, &why), 0);
	/* the same signature in method 14: the AlgorithmIdentifier, then DER */
	der[0] = 12;
	n = 1 + unhex("30 0a 06 08 2a 86 48 ce 3d 04 03 02", der + 1, 12);
	n += unhex("3046 022100" RFC4754_R "022100" RFC4754_S, der + n, sizeof(der) - n);
	ck_assert_int_eq(
	    ike_sig_verify(k, IKE_AUTH_DIGITAL_SIGNATURE, der, n, "abc", 3, NULL, &why), 0);
	/* other octets, a changed signature, a cut one, another method */
	ck_assert_int_eq(ike_sig_verify(k, IKE_AUTH_ECDSA_256, raw, 64, "abd", 3, NULL, &why),
			 -EKEYREJECTED);
	ck_assert_str_eq(why, "the signature does not verify");
	raw[40] ^= 0x10;
	ck_assert_int_eq(ike_sig_verify(k, IKE_AUTH_ECDSA_256, raw, 64, "abc", 3, NULL, &why),
			 -EKEYREJECTED);
	raw[40] ^= 0x10;
	ck_assert_int_eq(ike_sig_verify(k, IKE_AUTH_ECDSA_256, raw, 63, "abc", 3, NULL, &why),
			 -EBADMSG);
	ck_assert_int_eq(ike_sig_verify(k, IKE_AUTH_ECDSA_384, raw, 64, "abc", 3, NULL, &why),
			 -EPERM);
	/* what we sign verifies, in both forms */
	sign_ok(k, IKE_SIG_ECDSA_256_CLASSIC, "abc", 3, &w, &method);
	ck_assert_uint_eq(w.len, 64);
	ike_writer_free(&w);
	sign_ok(k, IKE_SIG_ECDSA_SHA256, "abc", 3, &w, &method);
	ck_assert_uint_eq(w.buf[0], 12);
	ike_writer_free(&w);
	EVP_PKEY_free(k);
}
END_TEST

/* ---- RSA: openssl's signatures ---- */

static void want_auth(EVP_PKEY *k, enum ike_sig_scheme s, const uint8_t *sig, size_t len)
{
	struct ike_writer w;
	uint8_t method;
	size_t ai_len, off = 0;
	const uint8_t *ai = ike_sig_algid(s, &ai_len);

	sign_ok(k, s, rsa_msg, strlen(rsa_msg), &w, &method);
	if (ai) {
		ck_assert_uint_eq(w.buf[0], ai_len);
		ck_assert_mem_eq(w.buf + 1, ai, ai_len);
		off = 1 + ai_len;
	}
	ck_assert_uint_eq(w.len, off + len);
	ck_assert_mem_eq(w.buf + off, sig, len);
	ike_writer_free(&w);
}

static void verify_pss(EVP_PKEY *k, enum ike_sig_scheme s, const uint8_t *sig, size_t len)
{
	uint8_t data[1 + 80 + 512];
	size_t ai_len;
	const uint8_t *ai = ike_sig_algid(s, &ai_len);
	enum ike_sig_scheme used;
	const char *why;

	data[0] = (uint8_t)ai_len;
	memcpy(data + 1, ai, ai_len);
	memcpy(data + 1 + ai_len, sig, len);
	ck_assert_msg(!ike_sig_verify(k, IKE_AUTH_DIGITAL_SIGNATURE, data, 1 + ai_len + len,
				      rsa_msg, strlen(rsa_msg), &used, &why),
		      "%s: %s", ike_sig_name(s), why);
	ck_assert_int_eq(used, s);
	data[1 + ai_len + 7] ^= 1;
	ck_assert_int_eq(ike_sig_verify(k, IKE_AUTH_DIGITAL_SIGNATURE, data, 1 + ai_len + len,
					rsa_msg, strlen(rsa_msg), &used, &why),
			 -EKEYREJECTED);
}

START_TEST(test_rsa_openssl)
{
	EVP_PKEY *k = rsa_key();

	/* PKCS#1 v1.5 is deterministic: the same octets as openssl's */
	want_auth(k, IKE_SIG_RSA_SHA1_CLASSIC, rsa_pkcs1_sha1, sizeof(rsa_pkcs1_sha1));
	want_auth(k, IKE_SIG_RSA_PKCS1_SHA256, rsa_pkcs1_sha256, sizeof(rsa_pkcs1_sha256));
	want_auth(k, IKE_SIG_RSA_PKCS1_SHA384, rsa_pkcs1_sha384, sizeof(rsa_pkcs1_sha384));
	want_auth(k, IKE_SIG_RSA_PKCS1_SHA512, rsa_pkcs1_sha512, sizeof(rsa_pkcs1_sha512));
	/* RSASSA-PSS is randomized: openssl's verify under our identifiers */
	verify_pss(k, IKE_SIG_RSA_PSS_SHA256, rsa_pss_sha256, sizeof(rsa_pss_sha256));
	verify_pss(k, IKE_SIG_RSA_PSS_SHA384, rsa_pss_sha384, sizeof(rsa_pss_sha384));
	verify_pss(k, IKE_SIG_RSA_PSS_SHA512, rsa_pss_sha512, sizeof(rsa_pss_sha512));
	EVP_PKEY_free(k);
}
END_TEST

/* ---- every scheme, both ways ---- */

START_TEST(test_round_trips)
{
	static const char msg[] = "InitiatorSignedOctets";
	struct {
		enum ike_sig_scheme s;
		EVP_PKEY *k, *other;
	} t[] = {
		{ IKE_SIG_RSA_SHA1_CLASSIC, rsa_key(), NULL },
		{ IKE_SIG_RSA_PKCS1_SHA256, rsa_key(), NULL },
		{ IKE_SIG_RSA_PKCS1_SHA384, rsa_key(), NULL },
		{ IKE_SIG_RSA_PKCS1_SHA512, rsa_key(), NULL },
		{ IKE_SIG_RSA_PSS_SHA256, rsa_key(), NULL },
		{ IKE_SIG_RSA_PSS_SHA384, rsa_key(), NULL },
		{ IKE_SIG_RSA_PSS_SHA512, rsa_key(), NULL },
		{ IKE_SIG_ECDSA_256_CLASSIC, ec_key("P-256"), ec_key("P-256") },
		{ IKE_SIG_ECDSA_384_CLASSIC, ec_key("P-384"), ec_key("P-384") },
		{ IKE_SIG_ECDSA_521_CLASSIC, ec_key("P-521"), ec_key("P-521") },
		{ IKE_SIG_ECDSA_SHA256, ec_key("P-256"), ec_key("P-256") },
		{ IKE_SIG_ECDSA_SHA384, ec_key("P-384"), ec_key("P-384") },
		{ IKE_SIG_ECDSA_SHA512, ec_key("P-521"), ec_key("P-521") },
		{ IKE_SIG_ECDSA_SHA384, ec_key("P-256"), ec_key("P-256") },
		{ IKE_SIG_ED25519, ed_key("ED25519"), ed_key("ED25519") },
		{ IKE_SIG_ED448, ed_key("ED448"), ed_key("ED448") },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ike_writer w;
		uint8_t method;
		const char *why;

		sign_ok(t[i].k, t[i].s, msg, sizeof(msg), &w, &method);
		/* other octets */
		ck_assert_int_eq(
		    ike_sig_verify(t[i].k, method, w.buf, w.len, msg, sizeof(msg) - 1, NULL, &why),
		    -EKEYREJECTED);
		/* another key of the same kind */
		if (t[i].other)
			ck_assert_int_eq(ike_sig_verify(t[i].other, method, w.buf, w.len, msg,
							sizeof(msg), NULL, &why),
					 -EKEYREJECTED);
		/* every cut is refused */
		for (size_t n = 0; n < w.len; n++)
			ck_assert_int_ne(
			    ike_sig_verify(t[i].k, method, w.buf, n, msg, sizeof(msg), NULL, &why),
			    0);
		ike_writer_free(&w);
		EVP_PKEY_free(t[i].k);
		EVP_PKEY_free(t[i].other);
	}
}
END_TEST

/* ---- hostile AUTH data ---- */

static int v14(EVP_PKEY *k, const char *hex, const char **why)
{
	uint8_t d[700];
	size_t n = unhex(hex, d, sizeof(d));

	return ike_sig_verify(k, IKE_AUTH_DIGITAL_SIGNATURE, d, n, "m", 1, NULL, why);
}

START_TEST(test_hostile)
{
	EVP_PKEY *rsa = rsa_key(), *ec = ec_key("P-256"), *p384 = ec_key("P-384");
	EVP_PKEY *ed = ed_key("ED25519");
	struct ike_writer w;
	uint8_t method, d[1024];
	const char *why;

	/* empty; no AlgorithmIdentifier; longer than the data; not DER */
	ck_assert_int_eq(
	    ike_sig_verify(rsa, IKE_AUTH_DIGITAL_SIGNATURE, NULL, 0, "m", 1, NULL, &why), -EBADMSG);
	ck_assert_int_eq(v14(rsa, "00 01 02", &why), -EBADMSG);
	ck_assert_int_eq(v14(rsa, "20 30 0d 06 09", &why), -EBADMSG);
	ck_assert_int_eq(v14(rsa, "04 30 05 06 03 01", &why), -EBADMSG);
	ck_assert_int_eq(v14(rsa, "03 31 01 00 01", &why), -EBADMSG);
	/* an AlgorithmIdentifier and no signature */
	ck_assert_int_eq(v14(rsa, "0f 30 0d 06 09 2a 86 48 86 f7 0d 01 01 0b 05 00", &why),
			 -EBADMSG);
	/* unknown (sha224WithRSAEncryption); SHA-1 in method 14 (RFC 8247) */
	ck_assert_int_eq(v14(rsa, "0f 30 0d 06 09 2a 86 48 86 f7 0d 01 01 0e 05 00 01", &why),
			 -ENOTSUP);
	ck_assert_str_eq(why, "unknown AlgorithmIdentifier");
	ck_assert_int_eq(v14(rsa, "0f 30 0d 06 09 2a 86 48 86 f7 0d 01 01 05 05 00 01", &why),
			 -ENOTSUP);
	ck_assert_ptr_nonnull(strstr(why, "SHA-1"));
	ck_assert_int_eq(v14(ec, "0b 30 09 06 07 2a 86 48 ce 3d 04 01 01", &why), -ENOTSUP);
	ck_assert_ptr_nonnull(strstr(why, "SHA-1"));
	/* RSASSA-PSS: absent, default (SHA-1) and inconsistent parameters */
	ck_assert_int_eq(v14(rsa, "0d 30 0b 06 09 2a 86 48 86 f7 0d 01 01 0a 01", &why), -EBADMSG);
	ck_assert_int_eq(v14(rsa, "0f 30 0d 06 09 2a 86 48 86 f7 0d 01 01 0a 30 00 01", &why),
			 -ENOTSUP);
	ck_assert_ptr_nonnull(strstr(why, "SHA-1"));
	/* SHA-256 with the default mask, MGF1-SHA1 */
	ck_assert_int_eq(v14(rsa,
			     "20 30 1e 06 09 2a 86 48 86 f7 0d 01 01 0a 30 11 a0 0f 30 0d 06 09 60 "
			     "86 48 01 65 03 04 02 01 05 00 01",
			     &why),
			 -ENOTSUP);
	ck_assert_ptr_nonnull(strstr(why, "SHA-1"));
	ck_assert_int_eq(v14(rsa,
			     "43 30 41 06 09 2a 86 48 86 f7 0d 01 01 0a 30 34 a0 0f 30 0d 06 09 60 "
			     "86 48 01 65 03 04 02 01 05 00 a1 1c 30 1a 06 09 2a 86 48 86 f7 0d 01 "
			     "01 08 30 0d 06 09 60 86 48 01 65 03 04 02 03 05 00 a2 03 02 01 20 01",
			     &why),
			 -ENOTSUP);
	ck_assert_ptr_nonnull(strstr(why, "MGF1 of the same hash"));
	/* a negative salt, a trailer field of 2 */
	ck_assert_int_eq(v14(rsa,
			     "43 30 41 06 09 2a 86 48 86 f7 0d 01 01 0a 30 34 a0 0f 30 0d 06 09 60 "
			     "86 48 01 65 03 04 02 01 05 00 a1 1c 30 1a 06 09 2a 86 48 86 f7 0d 01 "
			     "01 08 30 0d 06 09 60 86 48 01 65 03 04 02 01 05 00 a2 03 02 01 80 01",
			     &why),
			 -ENOTSUP);
	ck_assert_int_eq(v14(rsa,
			     "48 30 46 06 09 2a 86 48 86 f7 0d 01 01 0a 30 39 a0 0f 30 0d 06 09 60 "
			     "86 48 01 65 03 04 02 01 05 00 a1 1c 30 1a 06 09 2a 86 48 86 f7 0d 01 "
			     "01 08 30 0d 06 09 60 86 48 01 65 03 04 02 01 05 00 a2 03 02 01 20 a3 "
			     "03 02 01 02 01",
			     &why),
			 -ENOTSUP);
	/* an algorithm that does not fit the key: ECDSA from an RSA key and
	 * the other way round, Ed25519 from ECDSA */
	ck_assert_int_eq(
	    v14(rsa, "0c 30 0a 06 08 2a 86 48 ce 3d 04 03 02 30 06 02 01 01 02 01 01", &why),
	    -EPERM);
	ck_assert_int_eq(v14(ec, "0f 30 0d 06 09 2a 86 48 86 f7 0d 01 01 0b 05 00 01", &why),
			 -EPERM);
	ck_assert_int_eq(v14(ec, "07 30 05 06 03 2b 65 70 01", &why), -EPERM);
	/* classic methods with the wrong key: RSA for ECDSA, P-384 for method 9 */
	memset(d, 1, sizeof(d));
	ck_assert_int_eq(ike_sig_verify(ec, IKE_AUTH_RSA_SIG, d, 256, "m", 1, NULL, &why), -EPERM);
	ck_assert_int_eq(ike_sig_verify(p384, IKE_AUTH_ECDSA_256, d, 64, "m", 1, NULL, &why),
			 -EPERM);
	ck_assert_int_eq(ike_sig_verify(rsa, IKE_AUTH_SHARED_KEY_MIC, d, 32, "m", 1, NULL, &why),
			 -ENOTSUP);
	ck_assert_int_eq(ike_sig_verify(rsa, 0, d, 32, "m", 1, NULL, &why), -ENOTSUP);
	/* wrong signature lengths */
	ck_assert_int_eq(ike_sig_verify(rsa, IKE_AUTH_RSA_SIG, d, 255, "m", 1, NULL, &why),
			 -EBADMSG);
	ck_assert_int_eq(ike_sig_verify(rsa, IKE_AUTH_RSA_SIG, d, 257, "m", 1, NULL, &why),
			 -EBADMSG);
	ck_assert_int_eq(ike_sig_verify(ec, IKE_AUTH_ECDSA_256, d, 65, "m", 1, NULL, &why),
			 -EBADMSG);
	/* ECDSA in method 14: BER that is not DER (a padded integer) */
	ck_assert_int_eq(
	    v14(ec, "0c 30 0a 06 08 2a 86 48 ce 3d 04 03 02 30 07 02 02 00 01 02 01 01", &why),
	    -EBADMSG);
	ck_assert_int_eq(
	    v14(ec, "0c 30 0a 06 08 2a 86 48 ce 3d 04 03 02 30 06 02 01 01 02 01 01 00", &why),
	    -EBADMSG);
	/* Ed25519: 63 and 65 octets */
	sign_ok(ed, IKE_SIG_ED25519, "m", 1, &w, &method);
	ck_assert_int_eq(ike_sig_verify(ed, method, w.buf, w.len - 1, "m", 1, NULL, &why),
			 -EBADMSG);
	memcpy(d, w.buf, w.len);
	d[w.len] = 0;
	ck_assert_int_eq(ike_sig_verify(ed, method, d, w.len + 1, "m", 1, NULL, &why), -EBADMSG);
	/* a valid signature under a changed AlgorithmIdentifier length octet */
	d[0] = 6;
	ck_assert_int_ne(ike_sig_verify(ed, method, d, w.len, "m", 1, NULL, &why), 0);
	ike_writer_free(&w);
	/* signing refuses keys that do not fit */
	ike_writer_init(&w);
	ck_assert_int_eq(ike_sig_sign(ec, IKE_SIG_RSA_PSS_SHA256, "m", 1, &method, &w, &why),
			 -EINVAL);
	ck_assert_int_eq(ike_sig_sign(p384, IKE_SIG_ECDSA_256_CLASSIC, "m", 1, &method, &w, &why),
			 -EINVAL);
	ck_assert_int_eq(ike_sig_sign(rsa, IKE_SIG_NONE, "m", 1, &method, &w, &why), -EINVAL);
	ck_assert_uint_eq(w.len, 0);
	ike_writer_free(&w);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(ed);
}
END_TEST

/* Every one-octet change of a valid method-14 RSASSA-PSS AUTH is refused
 * or read within bounds (the sanitizer build checks the reads). */
START_TEST(test_flips)
{
	EVP_PKEY *k = ec_key("P-256");
	struct ike_writer w;
	uint8_t method;
	const char *why;

	sign_ok(k, IKE_SIG_ECDSA_SHA256, "m", 1, &w, &method);
	for (size_t i = 0; i < w.len; i++)
		for (unsigned v = 0; v < 256; v += 7) {
			uint8_t old = w.buf[i];

			w.buf[i] = (uint8_t)v;
			if (v != old)
				ck_assert_int_ne(
				    ike_sig_verify(k, method, w.buf, w.len, "m", 1, NULL, &why), 0);
			w.buf[i] = old;
		}
	ike_writer_free(&w);
	EVP_PKEY_free(k);
}
END_TEST

/* ---- choosing ---- */

START_TEST(test_choose)
{
	EVP_PKEY *rsa = rsa_key(), *p256 = ec_key("P-256"), *p384 = ec_key("P-384");
	EVP_PKEY *p521 = ec_key("P-521"), *k1 = ec_key("secp256k1"), *ed = ed_key("ED25519");
	EVP_PKEY *ed448 = ed_key("ED448");
	uint32_t all = IKE_HASH_BIT(IKE_HASH_SHA2_256) | IKE_HASH_BIT(IKE_HASH_SHA2_384) |
		       IKE_HASH_BIT(IKE_HASH_SHA2_512) | IKE_HASH_BIT(IKE_HASH_IDENTITY);

	/* without RFC 7427: the classic methods, none for EdDSA */
	ck_assert_int_eq(ike_sig_choose(rsa, false, 0, 0), IKE_SIG_RSA_SHA1_CLASSIC);
	ck_assert_int_eq(ike_sig_choose(p256, false, 0, 0), IKE_SIG_ECDSA_256_CLASSIC);
	ck_assert_int_eq(ike_sig_choose(p384, false, 0, 0), IKE_SIG_ECDSA_384_CLASSIC);
	ck_assert_int_eq(ike_sig_choose(p521, false, 0, 0), IKE_SIG_ECDSA_521_CLASSIC);
	ck_assert_int_eq(ike_sig_choose(k1, false, 0, 0), IKE_SIG_NONE);
	ck_assert_int_eq(ike_sig_choose(ed, false, 0, 0), IKE_SIG_NONE);
	/* with it */
	ck_assert_int_eq(ike_sig_choose(rsa, true, all, 0), IKE_SIG_RSA_PKCS1_SHA256);
	ck_assert_int_eq(ike_sig_choose(rsa, true, all, IKE_SIG_PREFER_PSS),
			 IKE_SIG_RSA_PSS_SHA256);
	ck_assert_int_eq(ike_sig_choose(rsa, true, IKE_HASH_BIT(IKE_HASH_SHA2_512), 0),
			 IKE_SIG_RSA_PKCS1_SHA512);
	ck_assert_int_eq(
	    ike_sig_choose(rsa, true, IKE_HASH_BIT(IKE_HASH_SHA2_384), IKE_SIG_PREFER_PSS),
	    IKE_SIG_RSA_PSS_SHA384);
	ck_assert_int_eq(ike_sig_choose(p256, true, all, 0), IKE_SIG_ECDSA_SHA256);
	ck_assert_int_eq(ike_sig_choose(p384, true, all, 0), IKE_SIG_ECDSA_SHA384);
	ck_assert_int_eq(ike_sig_choose(p521, true, all, 0), IKE_SIG_ECDSA_SHA512);
	ck_assert_int_eq(ike_sig_choose(p384, true, IKE_HASH_BIT(IKE_HASH_SHA2_256), 0),
			 IKE_SIG_ECDSA_SHA256);
	ck_assert_int_eq(ike_sig_choose(k1, true, all, 0), IKE_SIG_ECDSA_SHA256);
	ck_assert_int_eq(ike_sig_choose(ed, true, all, 0), IKE_SIG_ED25519);
	ck_assert_int_eq(ike_sig_choose(ed448, true, all, 0), IKE_SIG_ED448);
	ck_assert_int_eq(ike_sig_choose(ed, true, IKE_HASH_BIT(IKE_HASH_SHA2_256), 0),
			 IKE_SIG_NONE);
	/* SHA-1 alone never gives method 14: the classic method */
	ck_assert_int_eq(ike_sig_choose(rsa, true, IKE_HASH_BIT(IKE_HASH_SHA1), 0),
			 IKE_SIG_RSA_SHA1_CLASSIC);
	ck_assert_int_eq(ike_sig_choose(p256, true, 0, 0), IKE_SIG_ECDSA_256_CLASSIC);
	ck_assert_int_eq(ike_sig_choose(NULL, true, all, 0), IKE_SIG_NONE);
	EVP_PKEY_free(rsa);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(p521);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(ed);
	EVP_PKEY_free(ed448);
}
END_TEST

START_TEST(test_hash_notify)
{
	uint8_t out[16];
	uint32_t h;

	ck_assert_uint_eq(ike_sig_hashes_build(out, sizeof(out)), 8);
	ck_assert_mem_eq(out, "\0\x02\0\x03\0\x04\0\x05", 8);
	ck_assert_uint_eq(ike_sig_hashes_build(out, 7), 0);
	ck_assert_int_eq(ike_sig_hashes_parse(out, 8, &h), 0);
	ck_assert_uint_eq(h, IKE_HASH_BIT(2) | IKE_HASH_BIT(3) | IKE_HASH_BIT(4) | IKE_HASH_BIT(5));
	/* SHA-1 and unknown ones (6: SHA3? 0, 0xffff) */
	ck_assert_int_eq(ike_sig_hashes_parse((const uint8_t *)"\0\x01\0\x06\0\0\xff\xff", 8, &h),
			 0);
	ck_assert_uint_eq(h, IKE_HASH_BIT(IKE_HASH_SHA1));
	ck_assert_int_eq(ike_sig_hashes_parse(out, 0, &h), 0);
	ck_assert_uint_eq(h, 0);
	ck_assert_int_eq(ike_sig_hashes_parse(out, 7, &h), -EBADMSG);
	ck_assert_uint_eq(h, 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ike_sig");
	TCase *tc = tcase_create("sig");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_algids);
	tcase_add_test(tc, test_ed25519_rfc8032);
	tcase_add_test(tc, test_ecdsa_rfc4754);
	tcase_add_test(tc, test_rsa_openssl);
	tcase_add_test(tc, test_round_trips);
	tcase_add_test(tc, test_hostile);
	tcase_add_test(tc, test_flips);
	tcase_add_test(tc, test_choose);
	tcase_add_test(tc, test_hash_notify);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
