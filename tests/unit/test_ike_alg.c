/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The algorithm table (ike/alg.c) is consistent with itself: every entry
 * sits at its enum's index, keywords are unique and lead back to their
 * entry, lookups by transform find the entry, and the sizes ESP needs are
 * there for everything marked usable in ESP. And with ike/crypto: what is
 * marked usable in IKE is exactly what crypto implements, and works.
 */
#include <errno.h>
#include <string.h>

#include "ike/alg.h"
#include "ike/crypto.h"
#include "ike/dh.h"
#include "tests/unit/unit.h"

START_TEST(test_index_and_lookup)
{
	ck_assert_ptr_null(ike_alg_get(IKE_ALG_NONE));
	ck_assert_ptr_null(ike_alg_get(IKE_ALG_COUNT));
	ck_assert_ptr_null(ike_alg_get((enum ike_alg) - 1));
	for (int i = IKE_ALG_NONE + 1; i < IKE_ALG_COUNT; i++) {
		const struct ike_alg_info *a = ike_alg_get(i);

		ck_assert_ptr_nonnull(a);
		ck_assert_msg(a->alg == (enum ike_alg)i, "entry %d holds %d", i, a->alg);
		ck_assert_msg(a->type >= IKE_TRANS_ENCR && a->type <= IKE_TRANS_ESN, "%s", a->name);
		ck_assert_msg(a->name && *a->name, "entry %d has no name", i);
		/* (type, id, key length) names exactly one entry */
		ck_assert_msg(ike_alg_find(a->type, a->id, a->key_bits) == a, "%s", a->name);
		/* only encryption has a Key Length attribute, and only AES */
		if (a->key_bits)
			ck_assert_msg(
			    a->type == IKE_TRANS_ENCR &&
				(a->key_bits == 128 || a->key_bits == 192 || a->key_bits == 256),
			    "%s", a->name);
		if (a->flags & IKE_ALG_AEAD)
			ck_assert_msg(a->type == IKE_TRANS_ENCR && a->icv_bits, "%s", a->name);
		if (a->type == IKE_TRANS_ENCR)
			ck_assert_int_eq(ike_alg_encr_is_aead(a->id), !!(a->flags & IKE_ALG_AEAD));
	}
	ck_assert_ptr_null(ike_alg_find(IKE_TRANS_ENCR, IKE_ENCR_AES_CBC, 0));
	ck_assert_ptr_null(ike_alg_find(IKE_TRANS_ENCR, IKE_ENCR_AES_CBC, 512));
	ck_assert_ptr_null(ike_alg_find(IKE_TRANS_ENCR, 99, 0));
	ck_assert_ptr_null(ike_alg_find(6, 1, 0));
	ck_assert(!ike_alg_encr_is_aead(99));
}
END_TEST

START_TEST(test_keywords)
{
	for (int i = IKE_ALG_NONE + 1; i < IKE_ALG_COUNT; i++) {
		const struct ike_alg_info *a = ike_alg_get(i);

		for (int k = 0; k < IKE_ALG_MAX_KEYWORDS && a->keywords[k]; k++) {
			const char *kw = a->keywords[k];

			ck_assert_msg(ike_alg_by_keyword(kw, strlen(kw)) == a, "'%s'", kw);
		}
		if (a->keywords[0])
			ck_assert_str_eq(ike_alg_keyword(a), a->keywords[0]);
		/* every algorithm conduit uses can be configured */
		if (a->flags & (IKE_ALG_IKE | IKE_ALG_ESP))
			ck_assert_msg(a->keywords[0], "%s has no keyword", a->name);
	}
	/* lookups take a length, not a terminated string */
	ck_assert_ptr_eq(ike_alg_by_keyword("aes128gcm16-x", 11),
			 ike_alg_get(IKE_ALG_AES128_GCM_16));
	ck_assert_ptr_eq(ike_alg_by_keyword("aes", 3), ike_alg_get(IKE_ALG_AES128_CBC));
	ck_assert_ptr_null(ike_alg_by_keyword("AES128", 6));
	ck_assert_ptr_null(ike_alg_by_keyword("camellia", 8));
	ck_assert_ptr_null(ike_alg_by_keyword("", 0));
}
END_TEST

/* What kernel-iface needs from an entry it installs. */
START_TEST(test_esp_sizes)
{
	int n_encr = 0, n_integ = 0;

	for (int i = IKE_ALG_NONE + 1; i < IKE_ALG_COUNT; i++) {
		const struct ike_alg_info *a = ike_alg_get(i);

		if (!(a->flags & IKE_ALG_ESP))
			continue;
		switch (a->type) {
		case IKE_TRANS_ENCR:
			n_encr++;
			ck_assert_msg(a->kernel && *a->kernel, "%s", a->name);
			ck_assert_msg(strlen(a->kernel) < 64, "%s", a->kernel);
			ck_assert_msg(a->kernel_key_bits % 8 == 0, "%s", a->name);
			ck_assert_msg(a->keymat * 8 == a->kernel_key_bits, "%s", a->name);
			/* the key (and salt or nonce) is longer than the Key
			 * Length attribute says, never shorter */
			ck_assert_msg(a->kernel_key_bits >= a->key_bits, "%s", a->name);
			if (a->flags & IKE_ALG_AEAD)
				ck_assert_msg(a->icv_bits == 64 || a->icv_bits == 96 ||
						  a->icv_bits == 128,
					      "%s", a->name);
			else
				ck_assert_uint_eq(a->icv_bits, 0);
			break;
		case IKE_TRANS_INTEG:
			n_integ++;
			ck_assert_msg(a->kernel && *a->kernel, "%s", a->name);
			ck_assert_msg(a->kernel_key_bits && a->kernel_key_bits % 8 == 0, "%s",
				      a->name);
			ck_assert_msg(a->keymat * 8 == a->kernel_key_bits, "%s", a->name);
			/* RFC 2404/3566/4494: 96 bits; RFC 4868: half the hash */
			ck_assert_msg(a->icv_bits == 96 || a->icv_bits == 128 ||
					  a->icv_bits == 192 || a->icv_bits == 256,
				      "%s", a->name);
			break;
		case IKE_TRANS_PRF:
			ck_abort_msg("%s: a PRF is never part of an ESP SA", a->name);
			break;
		default:
			ck_assert_ptr_null(a->kernel);
			break;
		}
	}
	/* AES-CBC/CTR/GCM/CCM in three sizes, ChaCha20, 3DES, NULL; seven MACs */
	ck_assert_int_eq(n_encr, 27);
	ck_assert_int_eq(n_integ, 7);
}
END_TEST

/* A few entries spelled out, against the RFCs rather than the macros. */
START_TEST(test_examples)
{
	const struct ike_alg_info *a;

	a = ike_alg_get(IKE_ALG_AES128_CCM_16);
	ck_assert_str_eq(a->kernel, "rfc4309(ccm(aes))");
	ck_assert_uint_eq(a->kernel_key_bits, 128 + 24);
	ck_assert_uint_eq(a->icv_bits, 128);
	ck_assert_uint_eq(a->keymat, 19);
	ck_assert_str_eq(a->name, "AES_CCM_16");
	a = ike_alg_get(IKE_ALG_AES256_CTR);
	ck_assert_str_eq(a->kernel, "rfc3686(ctr(aes))");
	ck_assert_uint_eq(a->kernel_key_bits, 256 + 32);
	ck_assert(!(a->flags & IKE_ALG_AEAD));
	a = ike_alg_get(IKE_ALG_AES192_GCM_12);
	ck_assert_str_eq(a->kernel, "rfc4106(gcm(aes))");
	ck_assert_uint_eq(a->kernel_key_bits, 192 + 32);
	ck_assert_uint_eq(a->icv_bits, 96);
	a = ike_alg_get(IKE_ALG_HMAC_SHA2_384_192);
	ck_assert_str_eq(a->kernel, "hmac(sha384)");
	ck_assert_uint_eq(a->kernel_key_bits, 384);
	ck_assert_uint_eq(a->icv_bits, 192);
	a = ike_alg_get(IKE_ALG_AES_CMAC_96);
	ck_assert_str_eq(a->kernel, "cmac(aes)");
	ck_assert_uint_eq(a->id, 8);
	ck_assert_uint_eq(a->icv_bits, 96);
	a = ike_alg_get(IKE_ALG_PRF_AES128_XCBC);
	ck_assert_uint_eq(a->keymat, 16);
	ck_assert_ptr_null(a->kernel);
	ck_assert(a->flags & IKE_ALG_IKE);
	ck_assert(!(a->flags & IKE_ALG_ESP));
	ck_assert(ike_alg_get(IKE_ALG_MODP1024)->flags & IKE_ALG_WEAK);
	ck_assert(ike_alg_get(IKE_ALG_3DES_CBC)->flags & IKE_ALG_WEAK);
	ck_assert(!(ike_alg_get(IKE_ALG_ENCR_NULL)->flags & IKE_ALG_IKE));
	ck_assert(!(ike_alg_get(IKE_ALG_ESN)->flags & IKE_ALG_IKE));
	ck_assert(!(ike_alg_get(IKE_ALG_MODP3072)->flags & IKE_ALG_WEAK));
}
END_TEST

/* IKE_ALG_IKE is a promise about ike/crypto: keep them in step. */
START_TEST(test_ike_flag_is_crypto)
{
	for (int i = IKE_ALG_NONE + 1; i < IKE_ALG_COUNT; i++) {
		const struct ike_alg_info *a = ike_alg_get(i);

		ck_assert_msg(!!(a->flags & IKE_ALG_IKE) == ike_crypto_implements(i),
			      "%s: table says %susable in IKE", a->name,
			      a->flags & IKE_ALG_IKE ? "" : "not ");
		/* a key exchange method in ESP (PFS) is computed by IKE */
		if (a->type == IKE_TRANS_DH && a->id)
			ck_assert_msg(!!(a->flags & IKE_ALG_ESP) == !!(a->flags & IKE_ALG_IKE),
				      "%s", a->name);
	}
}
END_TEST

/* Every IKE-usable entry computes, with the sizes the table gives: an
 * Encrypted payload sealed and opened with each cipher (with HMAC-SHA2-256
 * beside a plain one) and each integrity transform (beside AES-128-CBC),
 * prf+ with each PRF, a shared secret with each group. */
START_TEST(test_ike_entries_work)
{
	static uint8_t msg[512], copy[512];
	uint8_t ekey[64], akey[64], iv[16] = { 1, 2, 3 }, out[128], rnd[128];

	for (size_t i = 0; i < sizeof(ekey); i++)
		ekey[i] = (uint8_t)(i * 13 + 5);
	memcpy(akey, ekey, sizeof(akey));
	memset(rnd, 0x5c, sizeof(rnd));
	for (int i = IKE_ALG_NONE + 1; i < IKE_ALG_COUNT; i++) {
		const struct ike_alg_info *a = ike_alg_get(i), *e = a, *g = NULL;
		struct ike_sk_cipher c;
		size_t mlen, off, plen;

		if (!(a->flags & IKE_ALG_IKE))
			continue;
		switch (a->type) {
		case IKE_TRANS_INTEG:
			e = ike_alg_get(IKE_ALG_AES128_CBC);
			g = a;
			/* fall through */
		case IKE_TRANS_ENCR:
			if (!g && !(e->flags & IKE_ALG_AEAD))
				g = ike_alg_get(IKE_ALG_HMAC_SHA2_256_128);
			ck_assert_msg(ike_sk_cipher_init(
					  &c, e->id, e->key_bits, g ? g->id : IKE_INTEG_NONE, ekey,
					  e->keymat, g ? akey : NULL, g ? g->keymat : 0) == 0,
				      "%s", a->name);
			ck_assert_uint_eq(ike_sk_icv_len(&c), (g ? g : e)->icv_bits / 8);
			memset(msg, 0x33, sizeof(msg));
			mlen = 40 + ike_sk_body_len(&c, 100);
			ck_assert_int_eq(ike_sk_seal(&c, msg, mlen, 40, 100, iv), 0);
			memcpy(copy, msg, mlen);
			ck_assert_int_eq(ike_sk_open(&c, msg, mlen, 40, &off, &plen), 0);
			ck_assert_uint_eq(plen, 100);
			copy[mlen - 1] ^= 1;
			ck_assert_int_eq(ike_sk_open(&c, copy, mlen, 40, &off, &plen), -EBADMSG);
			break;
		case IKE_TRANS_PRF: {
			struct ike_cbuf seed = { ekey, 48 };

			ck_assert_uint_eq(ike_prf_len(a->id), a->keymat);
			ck_assert_int_eq(ike_prf_plus(a->id, akey, 37, &seed, 1, out, sizeof(out)),
					 0);
			break;
		}
		case IKE_TRANS_DH: {
			struct ike_dh *x, *y;
			size_t n = ike_dh_random_len(a->id), lx, ly;
			const uint8_t *px, *py;

			ck_assert_int_eq(ike_dh_new(&x, a->id, rnd, n), 0);
			rnd[0] ^= 0xff;
			ck_assert_int_eq(ike_dh_new(&y, a->id, rnd, n), 0);
			px = ike_dh_public(x, &lx);
			py = ike_dh_public(y, &ly);
			ck_assert_int_eq(ike_dh_compute(x, py, ly), 0);
			ck_assert_int_eq(ike_dh_compute(y, px, lx), 0);
			ck_assert_mem_eq(ike_dh_shared(x, &lx), ike_dh_shared(y, &ly), lx);
			ike_dh_free(x);
			ike_dh_free(y);
			break;
		}
		default:
			ck_abort_msg("%s: no such IKE transform", a->name);
		}
	}
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ike_alg");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, test_index_and_lookup);
	tcase_add_test(tc, test_keywords);
	tcase_add_test(tc, test_esp_sizes);
	tcase_add_test(tc, test_examples);
	suite_add_tcase(s, tc);

	tc = tcase_create("crypto");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_ike_flag_is_crypto);
	tcase_add_test(tc, test_ike_entries_work);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
