/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The algorithm table (ike/alg.c) is consistent with itself: every entry
 * sits at its enum's index, keywords are unique and lead back to their
 * entry, lookups by transform find the entry, and the sizes ESP needs are
 * there for everything marked usable in ESP. And with ike/crypto: what is
 * marked usable in IKE is exactly what crypto implements, and works. And
 * with ike/proposal: every keyword parses to its entry where the table says
 * it is usable, is refused where not, and formats back.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ike/alg.h"
#include "ike/crypto.h"
#include "ike/dh.h"
#include "ike/proposal.h"
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

/* A proposal for protocol that uses keyword and is otherwise valid. */
static void proposal_with(const struct ike_alg_info *a, const char *kw, uint8_t protocol, char *buf,
			  size_t len)
{
	bool ike = protocol == IKE_PROTO_IKE;

	switch (a->type) {
	case IKE_TRANS_ENCR:
		if (a->flags & IKE_ALG_AEAD)
			snprintf(buf, len, ike ? "%s-prfsha256-x25519" : "%s", kw);
		else
			snprintf(buf, len, ike ? "%s-sha256-x25519" : "%s-sha256", kw);
		break;
	case IKE_TRANS_INTEG:
		snprintf(buf, len, ike ? "aes128-%s-x25519" : "aes128-%s", kw);
		break;
	case IKE_TRANS_PRF:
		snprintf(buf, len, ike ? "aes128gcm16-%s-x25519" : "aes128gcm16-%s", kw);
		break;
	case IKE_TRANS_DH:
		snprintf(buf, len, ike ? "aes128gcm16-prfsha256-x25519-%s" : "aes128gcm16-%s", kw);
		break;
	default:
		snprintf(buf, len, ike ? "aes128gcm16-prfsha256-x25519-%s" : "aes128gcm16-%s", kw);
		break;
	}
}

static bool has(const struct ike_proposal *p, const struct ike_alg_info *a)
{
	for (size_t i = 0; i < p->n_transforms; i++)
		if (p->transforms[i].type == a->type && p->transforms[i].id == a->id &&
		    p->transforms[i].key_len == a->key_bits)
			return true;
	return false;
}

/* Every keyword of every entry, in IKE and in ESP proposals. */
START_TEST(test_keywords_parse_and_format)
{
	static const uint8_t protos[] = { IKE_PROTO_IKE, IKE_PROTO_ESP };

	for (int i = IKE_ALG_NONE + 1; i < IKE_ALG_COUNT; i++) {
		const struct ike_alg_info *a = ike_alg_get(i);

		for (int k = 0; k < IKE_ALG_MAX_KEYWORDS && a->keywords[k]; k++) {
			for (size_t pi = 0; pi < 2; pi++) {
				uint8_t proto = protos[pi];
				bool ike = proto == IKE_PROTO_IKE;
				/* what strongSwan takes and drops: no transform */
				bool dropped = (ike && a->type == IKE_TRANS_DH && !a->id) ||
					       (!ike && a->type == IKE_TRANS_PRF);
				bool ok = a->flags & (ike ? IKE_ALG_IKE : IKE_ALG_ESP);
				struct ike_proposal p[2], q[2];
				char str[600], err[IKE_PROPOSAL_ERR_LEN], fmt[512], want[64];
				size_t n = 0, m = 0;
				int rc;

				proposal_with(a, a->keywords[k], proto, str, sizeof(str));
				rc = ike_proposals_parse(str, proto, p, 2, &n, err, sizeof(err));
				if (!ok && !dropped) {
					ck_assert_msg(rc == -EINVAL &&
							  strstr(err, "cannot be used"),
						      "%s: %d %s", str, rc, err);
					continue;
				}
				ck_assert_msg(rc == 0 && n == 1, "%s: %s", str, err);
				ck_assert_msg(has(&p[0], a) == !dropped, "%s", str);
				if (dropped)
					continue;
				/* short form: the canonical keyword, which parses
				 * back to the same transforms */
				ck_assert_int_gt(
				    ike_proposal_format(&p[0], IKE_FMT_SHORT, fmt, sizeof(fmt)), 0);
				snprintf(want, sizeof(want), "-%s-", ike_alg_keyword(a));
				snprintf(str, sizeof(str), "-%s-", fmt);
				ck_assert_msg(strstr(str, want), "%s lacks %s", str, want);
				ck_assert_msg(ike_proposals_parse(fmt, proto, q, 2, &m, err,
								  sizeof(err)) == 0,
					      "%s: %s", fmt, err);
				ck_assert_uint_eq(q[0].n_transforms, p[0].n_transforms);
				ck_assert_mem_eq(q[0].transforms, p[0].transforms,
						 p[0].n_transforms * sizeof(p[0].transforms[0]));
				/* long form: strongSwan's name, AES with its key length */
				ike_proposal_format(&p[0], 0, fmt, sizeof(fmt));
				if (a->key_bits)
					snprintf(want, sizeof(want), "%s_%u", a->name, a->key_bits);
				else
					snprintf(want, sizeof(want), "%s", a->name);
				ck_assert_msg(strstr(fmt, want), "%s lacks %s", fmt, want);
				/* weak is the table's word */
				ck_assert_int_eq(ike_proposal_has_weak(&p[0]),
						 !!(a->flags & IKE_ALG_WEAK));
			}
		}
	}
}
END_TEST

/* The defaults offer only what the table says is usable. */
START_TEST(test_defaults_usable)
{
	static const uint8_t protos[] = { IKE_PROTO_IKE, IKE_PROTO_ESP };
	struct ike_proposal p[2];

	for (size_t pi = 0; pi < 2; pi++) {
		ck_assert_int_eq(ike_proposals_default(protos[pi], p, 2), 2);
		for (size_t k = 0; k < 2; k++)
			for (size_t i = 0; i < p[k].n_transforms; i++) {
				const struct ike_transform *t = &p[k].transforms[i];
				const struct ike_alg_info *a =
				    ike_alg_find(t->type, t->id, t->key_len);

				ck_assert_ptr_nonnull(a);
				ck_assert_msg(
				    a->flags &
					(protos[pi] == IKE_PROTO_IKE ? IKE_ALG_IKE : IKE_ALG_ESP),
				    "%s", a->name);
				ck_assert_msg(!(a->flags & IKE_ALG_WEAK), "%s", a->name);
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

	tc = tcase_create("proposal");
	tcase_add_test(tc, test_keywords_parse_and_format);
	tcase_add_test(tc, test_defaults_usable);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
