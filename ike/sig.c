// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * AUTH payload signatures (see sig.h). One table describes every scheme:
 * its auth method, key type, hash, padding and RFC 7427 AlgorithmIdentifier;
 * signing, verifying and choosing all read it.
 */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/rsa.h>

#include "ike/der.h"
#include "ike/ike_const.h"
#include "ike/sig.h"

enum key_kind {
	KEY_NONE,
	KEY_RSA,
	KEY_EC,
	KEY_ED25519,
	KEY_ED448,
};

/* RFC 7427 Appendix A, and RFC 8420 for EdDSA. */
static const uint8_t ai_rsa_sha256[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
					 0xf7, 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00 };
static const uint8_t ai_rsa_sha384[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
					 0xf7, 0x0d, 0x01, 0x01, 0x0c, 0x05, 0x00 };
static const uint8_t ai_rsa_sha512[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86,
					 0xf7, 0x0d, 0x01, 0x01, 0x0d, 0x05, 0x00 };
static const uint8_t ai_ecdsa_sha256[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
					   0x48, 0xce, 0x3d, 0x04, 0x03, 0x02 };
static const uint8_t ai_ecdsa_sha384[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
					   0x48, 0xce, 0x3d, 0x04, 0x03, 0x03 };
static const uint8_t ai_ecdsa_sha512[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86,
					   0x48, 0xce, 0x3d, 0x04, 0x03, 0x04 };
static const uint8_t ai_ed25519[] = { 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70 };
static const uint8_t ai_ed448[] = { 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x71 };

/* RSASSA-PSS: SEQUENCE { OID, SEQUENCE { [0] hash, [1] MGF1(hash), [2] salt } },
 * hash with NULL parameters, salt the hash's length (A.4.3 for SHA-256). */
/* clang-format off */
#define PSS_AI(h, salt) {						\
	0x30, 0x41, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a,	\
	0x30, 0x34,							\
	0xa0, 0x0f, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, h,	\
		0x05, 0x00,						\
	0xa1, 0x1c, 0x30, 0x1a, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08, \
		0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, h,	\
		0x05, 0x00,						\
	0xa2, 0x03, 0x02, 0x01, salt }
/* clang-format on */
static const uint8_t ai_pss_sha256[] = PSS_AI(0x01, 32);
static const uint8_t ai_pss_sha384[] = PSS_AI(0x02, 48);
static const uint8_t ai_pss_sha512[] = PSS_AI(0x03, 64);

/* OIDs (contents) read in AlgorithmIdentifiers */
static const uint8_t oid_pss[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a };
static const uint8_t oid_mgf1[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x08 };
static const uint8_t oid_sha1_rsa[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05 };
static const uint8_t oid_sha1_ecdsa[] = { 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x01 };
static const uint8_t oid_sha2[] = { 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02 }; /* + 1..3 */

struct scheme {
	const char *name;
	uint8_t method;
	uint8_t key;	/* enum key_kind */
	const char *md; /* NULL: EdDSA signs the octets themselves */
	uint8_t hash;	/* enum ike_hash_alg, for method 14's negotiation */
	bool pss;
	const char *curve; /* classic ECDSA: the only curve of the method */
	uint8_t field;	   /* classic ECDSA: octets of r and of s */
	const uint8_t *ai;
	uint8_t ai_len;
};

#define AI(a) a, sizeof(a)

static const struct scheme schemes[IKE_SIG_MAX] = {
	[IKE_SIG_RSA_SHA1_CLASSIC] = { "RSA PKCS#1 v1.5 SHA-1 (method 1)", IKE_AUTH_RSA_SIG,
				       KEY_RSA, "SHA1", IKE_HASH_SHA1 },
	[IKE_SIG_ECDSA_256_CLASSIC] = { "ECDSA P-256 SHA-256 (method 9)", IKE_AUTH_ECDSA_256,
					KEY_EC, "SHA256", IKE_HASH_SHA2_256, false, "prime256v1",
					32 },
	[IKE_SIG_ECDSA_384_CLASSIC] = { "ECDSA P-384 SHA-384 (method 10)", IKE_AUTH_ECDSA_384,
					KEY_EC, "SHA384", IKE_HASH_SHA2_384, false, "secp384r1",
					48 },
	[IKE_SIG_ECDSA_521_CLASSIC] = { "ECDSA P-521 SHA-512 (method 11)", IKE_AUTH_ECDSA_521,
					KEY_EC, "SHA512", IKE_HASH_SHA2_512, false, "secp521r1",
					66 },
	[IKE_SIG_RSA_PKCS1_SHA256] = { "RSA PKCS#1 v1.5 SHA-256", IKE_AUTH_DIGITAL_SIGNATURE,
				       KEY_RSA, "SHA256", IKE_HASH_SHA2_256, false, NULL, 0,
				       AI(ai_rsa_sha256) },
	[IKE_SIG_RSA_PKCS1_SHA384] = { "RSA PKCS#1 v1.5 SHA-384", IKE_AUTH_DIGITAL_SIGNATURE,
				       KEY_RSA, "SHA384", IKE_HASH_SHA2_384, false, NULL, 0,
				       AI(ai_rsa_sha384) },
	[IKE_SIG_RSA_PKCS1_SHA512] = { "RSA PKCS#1 v1.5 SHA-512", IKE_AUTH_DIGITAL_SIGNATURE,
				       KEY_RSA, "SHA512", IKE_HASH_SHA2_512, false, NULL, 0,
				       AI(ai_rsa_sha512) },
	[IKE_SIG_RSA_PSS_SHA256] = { "RSASSA-PSS SHA-256", IKE_AUTH_DIGITAL_SIGNATURE, KEY_RSA,
				     "SHA256", IKE_HASH_SHA2_256, true, NULL, 0,
				     AI(ai_pss_sha256) },
	[IKE_SIG_RSA_PSS_SHA384] = { "RSASSA-PSS SHA-384", IKE_AUTH_DIGITAL_SIGNATURE, KEY_RSA,
				     "SHA384", IKE_HASH_SHA2_384, true, NULL, 0,
				     AI(ai_pss_sha384) },
	[IKE_SIG_RSA_PSS_SHA512] = { "RSASSA-PSS SHA-512", IKE_AUTH_DIGITAL_SIGNATURE, KEY_RSA,
				     "SHA512", IKE_HASH_SHA2_512, true, NULL, 0,
				     AI(ai_pss_sha512) },
	[IKE_SIG_ECDSA_SHA256] = { "ECDSA SHA-256", IKE_AUTH_DIGITAL_SIGNATURE, KEY_EC, "SHA256",
				   IKE_HASH_SHA2_256, false, NULL, 0, AI(ai_ecdsa_sha256) },
	[IKE_SIG_ECDSA_SHA384] = { "ECDSA SHA-384", IKE_AUTH_DIGITAL_SIGNATURE, KEY_EC, "SHA384",
				   IKE_HASH_SHA2_384, false, NULL, 0, AI(ai_ecdsa_sha384) },
	[IKE_SIG_ECDSA_SHA512] = { "ECDSA SHA-512", IKE_AUTH_DIGITAL_SIGNATURE, KEY_EC, "SHA512",
				   IKE_HASH_SHA2_512, false, NULL, 0, AI(ai_ecdsa_sha512) },
	[IKE_SIG_ED25519] = { "Ed25519", IKE_AUTH_DIGITAL_SIGNATURE, KEY_ED25519, NULL,
			      IKE_HASH_IDENTITY, false, NULL, 0, AI(ai_ed25519) },
	[IKE_SIG_ED448] = { "Ed448", IKE_AUTH_DIGITAL_SIGNATURE, KEY_ED448, NULL, IKE_HASH_IDENTITY,
			    false, NULL, 0, AI(ai_ed448) },
};

/* Octets of a SHA-2 hash: RSASSA-PSS's salt length. */
static int hash_len(uint8_t hash)
{
	return hash == IKE_HASH_SHA2_256 ? 32 : hash == IKE_HASH_SHA2_384 ? 48 : 64;
}

static const struct scheme *scheme_of(enum ike_sig_scheme s)
{
	return s > IKE_SIG_NONE && s < IKE_SIG_MAX ? &schemes[s] : NULL;
}

const char *ike_sig_name(enum ike_sig_scheme s)
{
	const struct scheme *x = scheme_of(s);

	return x ? x->name : "none";
}

uint8_t ike_sig_method(enum ike_sig_scheme s)
{
	const struct scheme *x = scheme_of(s);

	return x ? x->method : 0;
}

const uint8_t *ike_sig_algid(enum ike_sig_scheme s, size_t *len)
{
	const struct scheme *x = scheme_of(s);

	*len = x && x->ai ? x->ai_len : 0;
	return x ? x->ai : NULL;
}

static enum key_kind key_kind(EVP_PKEY *key)
{
	switch (key ? EVP_PKEY_get_base_id(key) : 0) {
	case EVP_PKEY_RSA:
	case EVP_PKEY_RSA_PSS:
		return KEY_RSA;
	case EVP_PKEY_EC:
		return KEY_EC;
	case EVP_PKEY_ED25519:
		return KEY_ED25519;
	case EVP_PKEY_ED448:
		return KEY_ED448;
	default:
		return KEY_NONE;
	}
}

/* The curve of an EC key ("prime256v1"...), or "" */
static void curve_of(EVP_PKEY *key, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = 0;
	if (!EVP_PKEY_get_group_name(key, buf, size, &n))
		buf[0] = 0;
}

/* Whether key can make or check signatures of scheme x; why when not. */
static bool key_fits(EVP_PKEY *key, const struct scheme *x, const char **why)
{
	enum key_kind k = key_kind(key);
	char curve[32];

	if (k != x->key) {
		*why = "the AUTH method or algorithm does not fit the key type";
		return false;
	}
	/* a key restricted to RSASSA-PSS cannot make PKCS#1 v1.5 signatures */
	if (k == KEY_RSA && !x->pss && EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA_PSS) {
		*why = "an RSASSA-PSS key cannot be used with PKCS#1 v1.5";
		return false;
	}
	if (x->curve) {
		curve_of(key, curve, sizeof(curve));
		if (strcmp(curve, x->curve)) {
			*why = "the ECDSA method is for another curve than the key's";
			return false;
		}
	}
	return true;
}

/* ---- choosing ---- */

static enum ike_sig_scheme classic_for(EVP_PKEY *key)
{
	char curve[32];

	switch (key_kind(key)) {
	case KEY_RSA:
		return EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA_PSS ? IKE_SIG_NONE
								     : IKE_SIG_RSA_SHA1_CLASSIC;
	case KEY_EC:
		curve_of(key, curve, sizeof(curve));
		for (int s = IKE_SIG_ECDSA_256_CLASSIC; s <= IKE_SIG_ECDSA_521_CLASSIC; s++)
			if (!strcmp(curve, schemes[s].curve))
				return (enum ike_sig_scheme)s;
		return IKE_SIG_NONE;
	default:
		return IKE_SIG_NONE;
	}
}

enum ike_sig_scheme ike_sig_choose(EVP_PKEY *key, bool peer_rfc7427, uint32_t peer_hashes,
				   unsigned flags)
{
	enum ike_sig_scheme order[4] = { IKE_SIG_NONE };
	enum ike_sig_scheme classic;
	bool pss;

	if (!key)
		return IKE_SIG_NONE;
	classic = classic_for(key);
	pss = (flags & IKE_SIG_PREFER_PSS) || EVP_PKEY_get_base_id(key) == EVP_PKEY_RSA_PSS;

	switch (key_kind(key)) {
	case KEY_RSA:
		order[0] = pss ? IKE_SIG_RSA_PSS_SHA256 : IKE_SIG_RSA_PKCS1_SHA256;
		order[1] = pss ? IKE_SIG_RSA_PSS_SHA384 : IKE_SIG_RSA_PKCS1_SHA384;
		order[2] = pss ? IKE_SIG_RSA_PSS_SHA512 : IKE_SIG_RSA_PKCS1_SHA512;
		break;
	case KEY_EC:
		/* the hash of the key's size first, as strongSwan does */
		order[0] = classic == IKE_SIG_ECDSA_384_CLASSIC	  ? IKE_SIG_ECDSA_SHA384
			   : classic == IKE_SIG_ECDSA_521_CLASSIC ? IKE_SIG_ECDSA_SHA512
								  : IKE_SIG_ECDSA_SHA256;
		order[1] = IKE_SIG_ECDSA_SHA256;
		order[2] = IKE_SIG_ECDSA_SHA384;
		order[3] = IKE_SIG_ECDSA_SHA512;
		break;
	case KEY_ED25519:
		order[0] = IKE_SIG_ED25519;
		break;
	case KEY_ED448:
		order[0] = IKE_SIG_ED448;
		break;
	default:
		return IKE_SIG_NONE;
	}
	if (peer_rfc7427)
		for (size_t i = 0; i < 4 && order[i]; i++)
			if (peer_hashes & IKE_HASH_BIT(schemes[order[i]].hash))
				return order[i];
	/* RFC 7427 section 4: without a common hash, the classic method */
	return classic;
}

/* ---- signing ---- */

static int openssl_failed(const char **why, const char *what)
{
	ERR_clear_error();
	*why = what;
	return -EIO;
}

/* RSA padding for a DigestSign/DigestVerify context. salt: the PSS salt
 * length (signing: the hash's). */
static bool set_padding(EVP_PKEY_CTX *pctx, const struct scheme *x, int salt)
{
	if (x->key != KEY_RSA)
		return true;
	if (!x->pss)
		return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0;
	return EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) > 0 &&
	       EVP_PKEY_CTX_set_rsa_mgf1_md_name(pctx, x->md, NULL) > 0 &&
	       EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, salt) > 0;
}

/* DER Ecdsa-Sig-Value to r||s, each in field octets (RFC 4754). */
static bool der_to_raw(const uint8_t *der, size_t len, uint8_t *raw, size_t field)
{
	const unsigned char *p = der;
	ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
	const BIGNUM *r, *s;
	bool ok;

	if (!sig)
		return false;
	ECDSA_SIG_get0(sig, &r, &s);
	ok = BN_bn2binpad(r, raw, (int)field) == (int)field &&
	     BN_bn2binpad(s, raw + field, (int)field) == (int)field;
	ECDSA_SIG_free(sig);
	return ok;
}

int ike_sig_sign(EVP_PKEY *key, enum ike_sig_scheme s, const void *octets, size_t len,
		 uint8_t *method, struct ike_writer *out, const char **why)
{
	const struct scheme *x = scheme_of(s);
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	uint8_t *sig = NULL;
	size_t sig_len = 0;
	int rc;

	if (!x) {
		*why = "no signature scheme";
		return -EINVAL;
	}
	if (!key_fits(key, x, why))
		return -EINVAL;
	ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestSignInit_ex(ctx, &pctx, x->md, NULL, NULL, key, NULL) <= 0 ||
	    !set_padding(pctx, x, RSA_PSS_SALTLEN_DIGEST) ||
	    EVP_DigestSign(ctx, NULL, &sig_len, octets, len) <= 0 ||
	    !(sig = OPENSSL_malloc(sig_len ? sig_len : 1)) ||
	    EVP_DigestSign(ctx, sig, &sig_len, octets, len) <= 0) {
		rc = openssl_failed(why, "OpenSSL could not sign");
		goto out;
	}
	*method = x->method;
	if (x->method == IKE_AUTH_DIGITAL_SIGNATURE) {
		ike_put_u8(out, x->ai_len);
		ike_put_bytes(out, x->ai, x->ai_len);
		ike_put_bytes(out, sig, sig_len);
	} else if (x->field) {
		uint8_t raw[2 * 66];

		if (!der_to_raw(sig, sig_len, raw, x->field)) {
			rc = openssl_failed(why, "OpenSSL made an ECDSA signature we cannot read");
			goto out;
		}
		ike_put_bytes(out, raw, 2 * (size_t)x->field);
	} else {
		ike_put_bytes(out, sig, sig_len);
	}
	rc = ike_writer_error(out);
	if (rc)
		*why = "no room for the signature";
out:
	OPENSSL_free(sig);
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* ---- verifying ---- */

/* A small non-negative DER INTEGER */
static bool small_int(struct ike_reader *r, uint32_t *v)
{
	struct ike_der i;

	*v = 0;
	if (ike_der_expect(r, IKE_DER_INTEGER, &i) || !i.val.len || i.val.len > 3 ||
	    (i.val.ptr[0] & 0x80) || (i.val.len > 1 && !i.val.ptr[0] && !(i.val.ptr[1] & 0x80)))
		return false;
	for (size_t k = 0; k < i.val.len; k++)
		*v = *v << 8 | i.val.ptr[k];
	return true;
}

/* A hash AlgorithmIdentifier: SHA-256/384/512, parameters NULL or absent
 * (RFC 4055 2.1 allows both). 0 when not one of those. */
static uint8_t sha2_of(struct ike_slice ai)
{
	struct ike_reader r = ike_reader_from_slice(ai), s;
	struct ike_der seq, oid, null;

	if (ike_der_expect(&r, IKE_DER_SEQUENCE, &seq) || !ike_reader_at_end(&r))
		return 0;
	s = ike_reader_from_slice(seq.val);
	if (ike_der_expect(&s, IKE_DER_OID, &oid) || oid.val.len != sizeof(oid_sha2) + 1 ||
	    memcmp(oid.val.ptr, oid_sha2, sizeof(oid_sha2)))
		return 0;
	if (!ike_reader_at_end(&s) &&
	    (ike_der_expect(&s, IKE_DER_NULL, &null) || null.val.len || !ike_reader_at_end(&s)))
		return 0;
	switch (oid.val.ptr[sizeof(oid_sha2)]) {
	case 1:
		return IKE_HASH_SHA2_256;
	case 2:
		return IKE_HASH_SHA2_384;
	case 3:
		return IKE_HASH_SHA2_512;
	default:
		return 0;
	}
}

/* The contents of an explicit [n] tag at the reader's position, if the
 * next element has it. */
static bool tagged(struct ike_reader *r, uint8_t n, struct ike_slice *inner, bool *bad)
{
	struct ike_reader peek = *r;
	struct ike_der t;

	if (ike_reader_at_end(r) || ike_get_u8(&peek) != (0xa0 | n))
		return false;
	if (ike_der_get(r, &t)) {
		*bad = true;
		return false;
	}
	*inner = t.val;
	return true;
}

/*
 * RSASSA-PSS-params (RFC 4055 3.1) of SHA-256/384/512 with MGF1 of the
 * same hash; the salt length as given (default 20), trailerField 1. The
 * scheme, or IKE_SIG_NONE with why.
 */
static enum ike_sig_scheme pss_params(struct ike_reader *r, int *salt, const char **why, int *rc)
{
	struct ike_slice h = { 0 }, m = { 0 }, sl = { 0 }, tf = { 0 };
	struct ike_reader p, mr, ms;
	struct ike_der seq, oid, mh;
	uint32_t v = 20;
	uint8_t hash, mgf_hash;
	bool bad = false;

	*rc = -EBADMSG;
	if (ike_der_expect(r, IKE_DER_SEQUENCE, &seq) || !ike_reader_at_end(r)) {
		*why = "RSASSA-PSS parameters are missing or not DER";
		return IKE_SIG_NONE;
	}
	p = ike_reader_from_slice(seq.val);
	if (!tagged(&p, 0, &h, &bad) || !tagged(&p, 1, &m, &bad)) {
		if (!bad)
			*rc = -ENOTSUP;
		*why = bad ? "RSASSA-PSS parameters are not DER"
			   : "RSASSA-PSS with the default SHA-1 hash or mask (RFC 8247)";
		return IKE_SIG_NONE;
	}
	tagged(&p, 2, &sl, &bad);
	tagged(&p, 3, &tf, &bad);
	if (bad || !ike_reader_at_end(&p)) {
		*why = "RSASSA-PSS parameters are not DER";
		return IKE_SIG_NONE;
	}
	*rc = -ENOTSUP;
	hash = sha2_of(h);
	/* MGF1 with its hash as parameter */
	mr = ike_reader_from_slice(m);
	if (ike_der_expect(&mr, IKE_DER_SEQUENCE, &seq) || !ike_reader_at_end(&mr))
		goto bad_mgf;
	ms = ike_reader_from_slice(seq.val);
	if (ike_der_expect(&ms, IKE_DER_OID, &oid) || oid.val.len != sizeof(oid_mgf1) ||
	    memcmp(oid.val.ptr, oid_mgf1, sizeof(oid_mgf1)) || ike_der_get(&ms, &mh) ||
	    !ike_reader_at_end(&ms))
		goto bad_mgf;
	mgf_hash = sha2_of(mh.whole);
	if (!hash || mgf_hash != hash) {
		*why = "RSASSA-PSS needs SHA-256, 384 or 512, with MGF1 of the same hash";
		return IKE_SIG_NONE;
	}
	if (sl.len) {
		struct ike_reader sr = ike_reader_from_slice(sl);

		if (!small_int(&sr, &v) || !ike_reader_at_end(&sr))
			goto bad_int;
	}
	if (tf.len) {
		struct ike_reader tr = ike_reader_from_slice(tf);
		uint32_t t;

		if (!small_int(&tr, &t) || !ike_reader_at_end(&tr) || t != 1)
			goto bad_int;
	}
	*salt = (int)v;
	return hash == IKE_HASH_SHA2_256   ? IKE_SIG_RSA_PSS_SHA256
	       : hash == IKE_HASH_SHA2_384 ? IKE_SIG_RSA_PSS_SHA384
					   : IKE_SIG_RSA_PSS_SHA512;
bad_mgf:
	*why = "RSASSA-PSS mask generation is not MGF1";
	return IKE_SIG_NONE;
bad_int:
	*why = "RSASSA-PSS salt length or trailer field is not acceptable";
	return IKE_SIG_NONE;
}

/* Method 14's AlgorithmIdentifier: the scheme, or IKE_SIG_NONE with why
 * and *rc. */
static enum ike_sig_scheme scheme_of_algid(struct ike_slice ai, int *salt, const char **why,
					   int *rc)
{
	struct ike_reader r = ike_reader_from_slice(ai), s;
	struct ike_der seq, oid;

	for (int i = IKE_SIG_RSA_PKCS1_SHA256; i < IKE_SIG_MAX; i++)
		if (schemes[i].ai_len == ai.len && !memcmp(schemes[i].ai, ai.ptr, ai.len)) {
			*salt = schemes[i].pss ? hash_len(schemes[i].hash) : 0;
			return (enum ike_sig_scheme)i;
		}
	*rc = -EBADMSG;
	if (ike_der_expect(&r, IKE_DER_SEQUENCE, &seq) || !ike_reader_at_end(&r)) {
		*why = "the AlgorithmIdentifier is not DER";
		return IKE_SIG_NONE;
	}
	s = ike_reader_from_slice(seq.val);
	if (ike_der_expect(&s, IKE_DER_OID, &oid)) {
		*why = "the AlgorithmIdentifier is not DER";
		return IKE_SIG_NONE;
	}
	*rc = -ENOTSUP;
	if (oid.val.len == sizeof(oid_pss) && !memcmp(oid.val.ptr, oid_pss, sizeof(oid_pss)))
		return pss_params(&s, salt, why, rc);
	if ((oid.val.len == sizeof(oid_sha1_rsa) &&
	     !memcmp(oid.val.ptr, oid_sha1_rsa, sizeof(oid_sha1_rsa))) ||
	    (oid.val.len == sizeof(oid_sha1_ecdsa) &&
	     !memcmp(oid.val.ptr, oid_sha1_ecdsa, sizeof(oid_sha1_ecdsa))))
		*why = "SHA-1 is not accepted in a Digital Signature (RFC 8247)";
	else
		*why = "unknown AlgorithmIdentifier";
	return IKE_SIG_NONE;
}

/* Checks the signature's length for the key before OpenSSL sees it. */
static bool length_fits(EVP_PKEY *key, const struct scheme *x, const uint8_t *sig, size_t len)
{
	switch (x->key) {
	case KEY_RSA:
		return len == (size_t)EVP_PKEY_get_size(key);
	case KEY_ED25519:
		return len == 64;
	case KEY_ED448:
		return len == 114;
	case KEY_EC:
		if (x->field)
			return len == 2 * (size_t)x->field;
		/* strict DER: it must read back and encode to the same octets */
		{
			const unsigned char *p = sig;
			ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)len);
			unsigned char *again = NULL;
			int n = es ? i2d_ECDSA_SIG(es, &again) : -1;
			bool ok = es && n > 0 && (size_t)n == len && !memcmp(again, sig, len);

			OPENSSL_free(again);
			ECDSA_SIG_free(es);
			ERR_clear_error();
			return ok;
		}
	default:
		return false;
	}
}

/* r||s (RFC 4754) to DER for OpenSSL; NULL on failure. */
static uint8_t *raw_to_der(struct ike_slice raw, size_t field, int *der_len)
{
	struct ike_reader rd = ike_reader_from_slice(raw);
	struct ike_slice rs = ike_get_slice(&rd, field), ss = ike_get_slice(&rd, field);
	ECDSA_SIG *sig = ECDSA_SIG_new();
	BIGNUM *r = BN_bin2bn(rs.ptr, (int)rs.len, NULL), *s = BN_bin2bn(ss.ptr, (int)ss.len, NULL);
	unsigned char *der = NULL;

	if (ike_reader_failed(&rd) || !ike_reader_at_end(&rd)) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(sig);
		return NULL;
	}

	if (!sig || !r || !s || !ECDSA_SIG_set0(sig, r, s)) {
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(sig);
		return NULL;
	}
	*der_len = i2d_ECDSA_SIG(sig, &der);
	ECDSA_SIG_free(sig);
	if (*der_len <= 0) {
		OPENSSL_free(der);
		return NULL;
	}
	return der;
}

int ike_sig_verify(EVP_PKEY *key, uint8_t method, const uint8_t *data, size_t data_len,
		   const void *octets, size_t len, enum ike_sig_scheme *used, const char **why)
{
	struct ike_reader r;
	struct ike_slice sig;
	enum ike_sig_scheme s = IKE_SIG_NONE;
	const struct scheme *x;
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	uint8_t *der = NULL;
	int salt = 0, rc = -ENOTSUP, der_len = 0;

	if (used)
		*used = IKE_SIG_NONE;
	ike_reader_init(&r, data, data_len);
	switch (method) {
	case IKE_AUTH_RSA_SIG:
		s = IKE_SIG_RSA_SHA1_CLASSIC;
		break;
	case IKE_AUTH_ECDSA_256:
		s = IKE_SIG_ECDSA_256_CLASSIC;
		break;
	case IKE_AUTH_ECDSA_384:
		s = IKE_SIG_ECDSA_384_CLASSIC;
		break;
	case IKE_AUTH_ECDSA_521:
		s = IKE_SIG_ECDSA_521_CLASSIC;
		break;
	case IKE_AUTH_DIGITAL_SIGNATURE: {
		uint8_t ai_len = ike_get_u8(&r);
		struct ike_slice ai = ike_get_slice(&r, ai_len);

		if (ike_reader_failed(&r) || !ai_len) {
			*why = "AUTH data shorter than its AlgorithmIdentifier";
			return -EBADMSG;
		}
		s = scheme_of_algid(ai, &salt, why, &rc);
		if (!s)
			return rc;
		break;
	}
	default:
		*why = "not a signature AUTH method";
		return -ENOTSUP;
	}
	x = &schemes[s];
	sig = ike_get_rest(&r);
	if (!key_fits(key, x, why))
		return -EPERM;
	if (!sig.len || !length_fits(key, x, sig.ptr, sig.len)) {
		*why = "the signature's length or encoding does not fit the key";
		return -EBADMSG;
	}
	if (x->field) {
		der = raw_to_der(sig, x->field, &der_len);
		if (!der)
			return openssl_failed(why, "OpenSSL could not encode the ECDSA signature");
		sig = (struct ike_slice){ der, (size_t)der_len };
	}
	ctx = EVP_MD_CTX_new();
	if (!ctx || EVP_DigestVerifyInit_ex(ctx, &pctx, x->md, NULL, NULL, key, NULL) <= 0 ||
	    !set_padding(pctx, x, salt)) {
		rc = openssl_failed(why, "OpenSSL could not verify");
		goto out;
	}
	if (EVP_DigestVerify(ctx, sig.ptr, sig.len, octets, len) != 1) {
		ERR_clear_error();
		*why = "the signature does not verify";
		rc = -EKEYREJECTED;
		goto out;
	}
	if (used)
		*used = s;
	rc = 0;
out:
	OPENSSL_free(der);
	EVP_MD_CTX_free(ctx);
	return rc;
}

/* ---- SIGNATURE_HASH_ALGORITHMS ---- */

int ike_sig_hashes_parse(const uint8_t *data, size_t len, uint32_t *hashes)
{
	struct ike_reader r;

	*hashes = 0;
	if (len % 2)
		return -EBADMSG;
	ike_reader_init(&r, data, len);
	while (!ike_reader_at_end(&r)) {
		uint16_t h = ike_get_u16(&r);

		if (h >= IKE_HASH_SHA1 && h <= IKE_HASH_IDENTITY)
			*hashes |= IKE_HASH_BIT(h);
	}
	return 0;
}

size_t ike_sig_hashes_build(uint8_t *out, size_t max)
{
	static const uint16_t ours[] = { IKE_HASH_SHA2_256, IKE_HASH_SHA2_384, IKE_HASH_SHA2_512,
					 IKE_HASH_IDENTITY };
	struct ike_writer w;

	ike_writer_init_fixed(&w, out, max);
	for (size_t i = 0; i < sizeof(ours) / sizeof(ours[0]); i++)
		ike_put_u16(&w, ours[i]);
	return ike_writer_error(&w) ? 0 : ike_writer_len(&w);
}
