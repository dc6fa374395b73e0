/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Key exchange for IKEv2: MODP (RFC 3526), ECP (RFC 5903), X25519/X448
 * (RFC 8031). See dh.h.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "ike/crypto_internal.h"
#include "ike/dh.h"
#include "ike/ike_const.h"

/*
 * MODP private exponents, with the top bit set: more than twice the
 * strength of the group (SP 800-57: 2048 bits 112, 3072 bits 128, 4096
 * about 150, 6144 about 175, 8192 about 200), which keeps the modular
 * exponentiation far cheaper than with a full-length exponent. 320 bits
 * up to MODP-3072.
 */
#define MODP_EXP_LEN 40
/* ECP: 64 extra random bits make the reduction modulo n-1 unbiased enough
 * (FIPS 186-4 B.4.1). */
#define ECP_EXTRA_LEN 8

enum dh_kind {
	KE_MODP,
	KE_ECP,
	KE_ECX,
};

struct dh_group {
	uint16_t id;
	uint8_t kind;
	uint16_t pub_len;
	uint16_t shared_len;
	uint16_t rnd_len;
	int nid;		      /* ECP curve */
	const char *name;	      /* X25519/X448 key type */
	BIGNUM *(*prime)(BIGNUM *bn); /* MODP */
};

static const struct dh_group groups[] = {
	/* RFC 2409 group 2 and RFC 3526 group 5: weak, for old peers */
	{ IKE_DH_MODP1024, KE_MODP, 128, 128, MODP_EXP_LEN, 0, NULL, BN_get_rfc2409_prime_1024 },
	{ IKE_DH_MODP1536, KE_MODP, 192, 192, MODP_EXP_LEN, 0, NULL, BN_get_rfc3526_prime_1536 },
	{ IKE_DH_MODP2048, KE_MODP, 256, 256, MODP_EXP_LEN, 0, NULL, BN_get_rfc3526_prime_2048 },
	{ IKE_DH_MODP3072, KE_MODP, 384, 384, MODP_EXP_LEN, 0, NULL, BN_get_rfc3526_prime_3072 },
	{ IKE_DH_MODP4096, KE_MODP, 512, 512, 48, 0, NULL, BN_get_rfc3526_prime_4096 },
	{ IKE_DH_MODP6144, KE_MODP, 768, 768, 56, 0, NULL, BN_get_rfc3526_prime_6144 },
	{ IKE_DH_MODP8192, KE_MODP, 1024, 1024, 64, 0, NULL, BN_get_rfc3526_prime_8192 },
	{ IKE_DH_ECP256, KE_ECP, 64, 32, 32 + ECP_EXTRA_LEN, NID_X9_62_prime256v1, NULL, NULL },
	{ IKE_DH_ECP384, KE_ECP, 96, 48, 48 + ECP_EXTRA_LEN, NID_secp384r1, NULL, NULL },
	{ IKE_DH_ECP521, KE_ECP, 132, 66, 66 + ECP_EXTRA_LEN, NID_secp521r1, NULL, NULL },
	{ IKE_DH_CURVE25519, KE_ECX, 32, 32, 32, 0, "X25519", NULL },
	{ IKE_DH_CURVE448, KE_ECX, 56, 56, 56, 0, "X448", NULL },
};

#define N_GROUPS (sizeof(groups) / sizeof(groups[0]))

/* Per-group objects built once: only read afterwards. */
static struct group_state {
	BIGNUM *p;	   /* MODP prime, or ECP field prime */
	BIGNUM *p_minus_1; /* MODP */
	BIGNUM *g;	   /* MODP generator (2) */
	BN_MONT_CTX *mont; /* MODP */
	EC_GROUP *ec;
	BIGNUM *n_minus_1; /* ECP: group order - 1 */
} states[N_GROUPS];

struct ike_dh {
	const struct dh_group *grp;
	const struct group_state *st;
	union {
		BIGNUM *bn;	/* MODP exponent, ECP scalar */
		EVP_PKEY *pkey; /* X25519/X448 */
	} priv;
	bool have_shared;
	size_t size;  /* of the allocation */
	uint8_t *pub; /* into buf */
	uint8_t *shared;
	uint8_t buf[];
};

static const struct dh_group *group_find(uint16_t id, const struct group_state **st)
{
	for (size_t i = 0; i < N_GROUPS; i++) {
		if (groups[i].id == id) {
			if (st)
				*st = &states[i];
			return &groups[i];
		}
	}
	return NULL;
}

void ike_dh_groups_cleanup(void)
{
	for (size_t i = 0; i < N_GROUPS; i++) {
		struct group_state *st = &states[i];

		BN_free(st->p);
		BN_free(st->p_minus_1);
		BN_free(st->g);
		BN_MONT_CTX_free(st->mont);
		EC_GROUP_free(st->ec);
		BN_free(st->n_minus_1);
		memset(st, 0, sizeof(*st));
	}
}

static int modp_state_init(const struct dh_group *grp, struct group_state *st, BN_CTX *ctx)
{
	st->p = grp->prime(NULL);
	st->p_minus_1 = BN_new();
	st->g = BN_new();
	st->mont = BN_MONT_CTX_new();
	if (!st->p || !st->p_minus_1 || !st->g || !st->mont)
		return -ENOMEM;
	if (!BN_copy(st->p_minus_1, st->p) || !BN_sub_word(st->p_minus_1, 1) ||
	    !BN_set_word(st->g, 2) || !BN_MONT_CTX_set(st->mont, st->p, ctx))
		return -EIO;
	if ((size_t)BN_num_bytes(st->p) != grp->pub_len)
		return -EIO;
	return 0;
}

static int ecp_state_init(const struct dh_group *grp, struct group_state *st, BN_CTX *ctx)
{
	st->ec = EC_GROUP_new_by_curve_name(grp->nid);
	st->p = BN_new();
	st->n_minus_1 = BN_new();
	if (!st->ec || !st->p || !st->n_minus_1)
		return -ENOMEM;
	if (!EC_GROUP_get_curve(st->ec, st->p, NULL, NULL, ctx) ||
	    !BN_copy(st->n_minus_1, EC_GROUP_get0_order(st->ec)) || !BN_sub_word(st->n_minus_1, 1))
		return -EIO;
	if ((size_t)BN_num_bytes(st->p) != grp->shared_len ||
	    (size_t)BN_num_bytes(EC_GROUP_get0_order(st->ec)) + ECP_EXTRA_LEN != grp->rnd_len)
		return -EIO;
	return 0;
}

int ike_dh_groups_init(void)
{
	BN_CTX *ctx = BN_CTX_new();
	int ret = 0;

	if (!ctx)
		return -ENOMEM;
	for (size_t i = 0; i < N_GROUPS && ret == 0; i++) {
		if (groups[i].kind == KE_MODP)
			ret = modp_state_init(&groups[i], &states[i], ctx);
		else if (groups[i].kind == KE_ECP)
			ret = ecp_state_init(&groups[i], &states[i], ctx);
		/* X25519/X448: nothing (OpenSSL keys; ecx_small_order's list) */
	}
	BN_CTX_free(ctx);
	if (ret < 0)
		ike_dh_groups_cleanup();
	return ret;
}

size_t ike_dh_random_len(uint16_t group)
{
	const struct dh_group *g = group_find(group, NULL);

	return g ? g->rnd_len : 0;
}

size_t ike_dh_public_len(uint16_t group)
{
	const struct dh_group *g = group_find(group, NULL);

	return g ? g->pub_len : 0;
}

size_t ike_dh_shared_len(uint16_t group)
{
	const struct dh_group *g = group_find(group, NULL);

	return g ? g->shared_len : 0;
}

static int modp_new(struct ike_dh *dh, const uint8_t *rnd, size_t rnd_len, BN_CTX *ctx)
{
	BIGNUM *y = BN_new();
	int ret = -EIO;

	dh->priv.bn = BN_bin2bn(rnd, (int)rnd_len, NULL);
	if (!dh->priv.bn || !y) {
		ret = -ENOMEM;
		goto out;
	}
	BN_set_flags(dh->priv.bn, BN_FLG_CONSTTIME);
	/* a fixed exponent length also keeps its bit length from leaking */
	if (!BN_set_bit(dh->priv.bn, (int)rnd_len * 8 - 1))
		goto out;
	if (BN_mod_exp_mont_consttime(y, dh->st->g, dh->priv.bn, dh->st->p, ctx, dh->st->mont) &&
	    BN_bn2binpad(y, dh->pub, dh->grp->pub_len) == dh->grp->pub_len)
		ret = 0;
out:
	BN_free(y);
	return ret;
}

/* RFC 6989 2.1: for these safe-prime groups the range check suffices */
static bool modp_in_range(const struct group_state *st, const BIGNUM *y)
{
	return BN_cmp(y, BN_value_one()) > 0 && BN_cmp(y, st->p_minus_1) < 0;
}

static int modp_compute(struct ike_dh *dh, const uint8_t *peer, size_t peer_len, BN_CTX *ctx)
{
	BIGNUM *y = BN_bin2bn(peer, (int)peer_len, NULL);
	BIGNUM *z = BN_new();
	int ret = -EIO;

	if (!y || !z) {
		ret = -ENOMEM;
		goto out;
	}
	if (!modp_in_range(dh->st, y)) {
		ret = -EINVAL;
		goto out;
	}
	if (BN_mod_exp_mont_consttime(z, y, dh->priv.bn, dh->st->p, ctx, dh->st->mont) &&
	    BN_bn2binpad(z, dh->shared, dh->grp->shared_len) == dh->grp->shared_len)
		ret = 0;
out:
	BN_free(y);
	BN_clear_free(z);
	return ret;
}

/* x | y, each left-padded to the field length (RFC 5903 section 7). */
static int ecp_point_encode(const struct ike_dh *dh, const EC_POINT *pt, uint8_t *out, bool x_only,
			    BN_CTX *ctx)
{
	int flen = dh->grp->shared_len;
	BIGNUM *x = BN_new(), *y = BN_new();
	int ret = -EIO;

	if (!x || !y)
		ret = -ENOMEM;
	else if (EC_POINT_get_affine_coordinates(dh->st->ec, pt, x, y, ctx) &&
		 BN_bn2binpad(x, out, flen) == flen &&
		 (x_only || BN_bn2binpad(y, out + flen, flen) == flen))
		ret = 0;
	BN_clear_free(x);
	BN_clear_free(y);
	return ret;
}

static int ecp_new(struct ike_dh *dh, const uint8_t *rnd, size_t rnd_len, BN_CTX *ctx)
{
	BIGNUM *r = BN_bin2bn(rnd, (int)rnd_len, NULL);
	EC_POINT *pt = EC_POINT_new(dh->st->ec);
	BIGNUM *d = BN_new();
	int ret = -EIO;

	if (!r || !pt || !d) {
		ret = -ENOMEM;
		goto out;
	}
	BN_set_flags(r, BN_FLG_CONSTTIME);
	BN_set_flags(d, BN_FLG_CONSTTIME);
	/* d = (r mod (n - 1)) + 1 lies in [1, n-1] */
	if (!BN_mod(d, r, dh->st->n_minus_1, ctx) || !BN_add_word(d, 1))
		goto out;
	dh->priv.bn = d;
	d = NULL;
	if (!EC_POINT_mul(dh->st->ec, pt, dh->priv.bn, NULL, NULL, ctx))
		goto out;
	ret = ecp_point_encode(dh, pt, dh->pub, false, ctx);
out:
	BN_clear_free(r);
	BN_clear_free(d);
	EC_POINT_free(pt);
	return ret;
}

/* Non-canonical coordinates (>= p) and points off the curve are refused;
 * an affine point cannot be the point at infinity, and these curves have
 * cofactor 1, so every point on them is in the prime-order group. q: set
 * to the point. */
static bool ecp_point_valid(const struct group_state *st, const BIGNUM *x, const BIGNUM *y,
			    EC_POINT *q, BN_CTX *ctx)
{
	return BN_cmp(x, st->p) < 0 && BN_cmp(y, st->p) < 0 &&
	       EC_POINT_set_affine_coordinates(st->ec, q, x, y, ctx) &&
	       EC_POINT_is_on_curve(st->ec, q, ctx) == 1 && !EC_POINT_is_at_infinity(st->ec, q);
}

static int ecp_compute(struct ike_dh *dh, const uint8_t *peer, size_t peer_len, BN_CTX *ctx)
{
	const EC_GROUP *ec = dh->st->ec;
	size_t flen = dh->grp->shared_len;
	BIGNUM *x = BN_bin2bn(peer, (int)flen, NULL);
	BIGNUM *y = BN_bin2bn(peer + flen, (int)flen, NULL);
	EC_POINT *q = EC_POINT_new(ec);
	EC_POINT *z = EC_POINT_new(ec);
	int ret = -EINVAL;

	if (!x || !y || !q || !z) {
		ret = -ENOMEM;
		goto out;
	}
	if (!ecp_point_valid(dh->st, x, y, q, ctx))
		goto out;
	ret = -EIO;
	if (!EC_POINT_mul(ec, z, NULL, q, dh->priv.bn, ctx))
		goto out;
	if (EC_POINT_is_at_infinity(ec, z)) {
		ret = -EINVAL;
		goto out;
	}
	ret = ecp_point_encode(dh, z, dh->shared, true, ctx);
out:
	BN_free(x);
	BN_free(y);
	EC_POINT_free(q);
	EC_POINT_clear_free(z);
	return ret;
}

static int ecx_new(struct ike_dh *dh, const uint8_t *rnd, size_t rnd_len)
{
	size_t len = dh->grp->pub_len;

	dh->priv.pkey = EVP_PKEY_new_raw_private_key_ex(NULL, dh->grp->name, NULL, rnd, rnd_len);
	if (!dh->priv.pkey)
		return -EIO;
	if (!EVP_PKEY_get_raw_public_key(dh->priv.pkey, dh->pub, &len) || len != dh->grp->pub_len)
		return -EIO;
	return 0;
}

static int ecx_compute(struct ike_dh *dh, const uint8_t *peer, size_t peer_len)
{
	EVP_PKEY *peer_key;
	EVP_PKEY_CTX *pctx = NULL;
	size_t len = dh->grp->shared_len;
	uint8_t acc = 0;
	int ret = -EINVAL;

	peer_key = EVP_PKEY_new_raw_public_key_ex(NULL, dh->grp->name, NULL, peer, peer_len);
	if (!peer_key)
		return -EINVAL;
	pctx = EVP_PKEY_CTX_new_from_pkey(NULL, dh->priv.pkey, NULL);
	if (!pctx || EVP_PKEY_derive_init(pctx) <= 0 ||
	    EVP_PKEY_derive_set_peer_ex(pctx, peer_key, 0) <= 0) {
		ret = -EIO;
		goto out;
	}
	/* OpenSSL refuses an all-zero result (a small-order peer value) */
	if (EVP_PKEY_derive(pctx, dh->shared, &len) <= 0 || len != dh->grp->shared_len)
		goto out;
	/* RFC 8031 2.3: so do we, in constant time, should OpenSSL ever not */
	for (size_t i = 0; i < len; i++)
		acc |= dh->shared[i];
	if (acc)
		ret = 0;
out:
	EVP_PKEY_CTX_free(pctx);
	EVP_PKEY_free(peer_key);
	return ret;
}

/*
 * Whether u is of small order on the curve or its twist: exactly then the
 * product with a clamped private scalar is zero, the all-zero shared
 * secret RFC 8031 2.3 refuses. Few values are: Curve25519's eight torsion
 * points and its twist's four have u = 0, 1, -1 and the two u of the
 * points of order 8; Curve448's (cofactor 4, twist's too) u = 0, 1, -1.
 * RFC 7748 5 decoding (little-endian, X25519's top bit ignored, reduced
 * mod p) adds the encodings p and p + 1 (larger ones do not fit). So a
 * comparison with a list (as libsodium does), not field arithmetic: an
 * invalid-KE flood is refused at the cost of a few memcmp, where BIGNUM
 * doublings took most of the responder's CPU. Public values: no need for
 * constant time. The list's values are checked against a real key
 * agreement in test_ike_dh.
 */
static const uint8_t x25519_small_order[][32] = {
	{ 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },
	{ 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },
	{ 0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3,
	  0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32,
	  0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00 },
	{ 0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1,
	  0x55, 0x9c, 0x83, 0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c,
	  0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57 },
	{ 0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
	{ 0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
	{ 0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
};
static const uint8_t x448_small_order[][56] = {
	{ 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },
	{ 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 },
	{ 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	{ 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	{ 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
};

static bool ecx_small_order(const struct dh_group *grp, const uint8_t *peer, size_t len)
{
	uint8_t u[56];

	if (grp->id == IKE_DH_CURVE25519) {
		if (len != sizeof(x25519_small_order[0]))
			return false;
		memcpy(u, peer, len);
		u[len - 1] &= 0x7f;
		for (size_t i = 0; i < sizeof(x25519_small_order) / sizeof(x25519_small_order[0]);
		     i++)
			if (!memcmp(u, x25519_small_order[i], len))
				return true;
		return false;
	}
	if (len != sizeof(x448_small_order[0]))
		return false;
	for (size_t i = 0; i < sizeof(x448_small_order) / sizeof(x448_small_order[0]); i++)
		if (!memcmp(peer, x448_small_order[i], len))
			return true;
	return false;
}

int ike_dh_check_public(uint16_t group, const uint8_t *peer, size_t peer_len)
{
	const struct group_state *st;
	const struct dh_group *grp = group_find(group, &st);
	BN_CTX *ctx;
	BIGNUM *x = NULL, *y = NULL;
	EC_POINT *q = NULL;
	int ret;

	if (!grp)
		return -ENOTSUP;
	if (!peer || peer_len != grp->pub_len)
		return -EINVAL;
	if (grp->kind == KE_ECX)
		return ecx_small_order(grp, peer, peer_len) ? -EINVAL : 0;
	ret = ike_crypto_ready();
	if (ret < 0)
		return ret;
	ctx = BN_CTX_new();
	if (!ctx)
		return -ENOMEM;
	ret = -ENOMEM;
	switch (grp->kind) {
	case KE_MODP:
		y = BN_bin2bn(peer, (int)peer_len, NULL);
		if (y)
			ret = modp_in_range(st, y) ? 0 : -EINVAL;
		break;
	case KE_ECP:
		x = BN_bin2bn(peer, (int)grp->shared_len, NULL);
		y = BN_bin2bn(peer + grp->shared_len, (int)grp->shared_len, NULL);
		q = EC_POINT_new(st->ec);
		if (x && y && q)
			ret = ecp_point_valid(st, x, y, q, ctx) ? 0 : -EINVAL;
		break;
	default:
		ret = -ENOTSUP;
		break;
	}
	BN_free(x);
	BN_free(y);
	EC_POINT_free(q);
	BN_CTX_free(ctx);
	return ret;
}

int ike_dh_new(struct ike_dh **out, uint16_t group, const uint8_t *rnd, size_t rnd_len)
{
	const struct group_state *st;
	const struct dh_group *grp = group_find(group, &st);
	struct ike_dh *dh;
	BN_CTX *ctx = NULL;
	size_t size;
	int ret;

	if (!out)
		return -EINVAL;
	*out = NULL;
	if (!grp)
		return -ENOTSUP;
	if (!rnd || rnd_len != grp->rnd_len)
		return -EINVAL;
	ret = ike_crypto_ready();
	if (ret < 0)
		return ret;
	size = sizeof(*dh) + grp->pub_len + grp->shared_len;
	dh = calloc(1, size);
	if (!dh)
		return -ENOMEM;
	dh->grp = grp;
	dh->st = st;
	dh->size = size;
	dh->pub = dh->buf;
	dh->shared = dh->buf + grp->pub_len;
	if (grp->kind != KE_ECX) {
		ctx = BN_CTX_new();
		if (!ctx) {
			ike_dh_free(dh);
			return -ENOMEM;
		}
	}
	switch (grp->kind) {
	case KE_MODP:
		ret = modp_new(dh, rnd, rnd_len, ctx);
		break;
	case KE_ECP:
		ret = ecp_new(dh, rnd, rnd_len, ctx);
		break;
	default:
		ret = ecx_new(dh, rnd, rnd_len);
		break;
	}
	BN_CTX_free(ctx);
	if (ret < 0) {
		ike_dh_free(dh);
		return ret;
	}
	*out = dh;
	return 0;
}

uint16_t ike_dh_group(const struct ike_dh *dh)
{
	return dh->grp->id;
}

const uint8_t *ike_dh_public(const struct ike_dh *dh, size_t *len)
{
	if (len)
		*len = dh->grp->pub_len;
	return dh->pub;
}

int ike_dh_compute(struct ike_dh *dh, const uint8_t *peer, size_t peer_len)
{
	BN_CTX *ctx = NULL;
	int ret;

	if (!dh)
		return -EINVAL;
	dh->have_shared = false;
	OPENSSL_cleanse(dh->shared, dh->grp->shared_len);
	if (!peer || peer_len != dh->grp->pub_len)
		return -EINVAL;
	if (dh->grp->kind == KE_ECX) {
		ret = ecx_compute(dh, peer, peer_len);
	} else {
		ctx = BN_CTX_new();
		if (!ctx)
			return -ENOMEM;
		if (dh->grp->kind == KE_MODP)
			ret = modp_compute(dh, peer, peer_len, ctx);
		else
			ret = ecp_compute(dh, peer, peer_len, ctx);
		BN_CTX_free(ctx);
	}
	if (ret < 0)
		OPENSSL_cleanse(dh->shared, dh->grp->shared_len);
	else
		dh->have_shared = true;
	return ret;
}

const uint8_t *ike_dh_shared(const struct ike_dh *dh, size_t *len)
{
	if (!dh->have_shared)
		return NULL;
	if (len)
		*len = dh->grp->shared_len;
	return dh->shared;
}

void ike_dh_free(struct ike_dh *dh)
{
	if (!dh)
		return;
	if (dh->grp->kind == KE_ECX)
		EVP_PKEY_free(dh->priv.pkey);
	else
		BN_clear_free(dh->priv.bn);
	OPENSSL_cleanse(dh, dh->size);
	free(dh);
}
