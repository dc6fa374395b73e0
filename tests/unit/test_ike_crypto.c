/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ike/crypto.c and ike/crypto_sk.c: PRFs, prf+, key derivation and the
 * Encrypted payload, against published and independently computed values. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "ike/crypto.h"
#include "ike/ike_const.h"
#include "tests/unit/unit.h"

static size_t unhex(const char *hex, uint8_t *out, size_t size)
{
	size_t n = strlen(hex) / 2;

	ck_assert_uint_eq(strlen(hex) % 2, 0);
	ck_assert_uint_le(n, size);
	for (size_t i = 0; i < n; i++) {
		unsigned int v;

		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
	return n;
}

/* buf[0, len) must equal the hex string exactly. */
static void assert_hex(const uint8_t *buf, size_t len, const char *hex)
{
	uint8_t want[1024];
	size_t n = unhex(hex, want, sizeof(want));

	ck_assert_uint_eq(len, n);
	ck_assert_mem_eq(buf, want, n);
}

/* ---- RFC 4231 (HMAC-SHA2) and RFC 2202 (HMAC-SHA1) ---- */

struct hmac_case {
	const char *key;      /* hex */
	const char *data;     /* text */
	const char *data_hex; /* or hex */
	const char *sha256, *sha384, *sha512;
	bool truncated; /* test case 5: only the first 128 bits are given */
};

static const char tc_key_aa131[] =
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
    "aaaaaa";

static const struct hmac_case rfc4231[] = {
	{ "0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "Hi There", NULL,
	  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
	  "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c"
	  "faea9ea9076ede7f4af152e8b2fa9cb6",
	  "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde"
	  "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
	  false },
	{ "4a656665", "what do ya want for nothing?", NULL,
	  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
	  "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e"
	  "8e2240ca5e69e2c78b3239ecfab21649",
	  "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	  "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
	  false },
	{ "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", NULL,
	  "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
	  "dddddddddddddddddddddddddddddddddddd",
	  "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
	  "88062608d3e6ad8a0aa2ace014c8a86f0aa635d947ac9febe83ef4e55966144b"
	  "2a5ab39dc13814b94e3ab6e101a34f27",
	  "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39"
	  "bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb",
	  false },
	{ "0102030405060708090a0b0c0d0e0f10111213141516171819", NULL,
	  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd"
	  "cdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcdcd",
	  "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
	  "3e8a69b7783c25851933ab6290af6ca77a9981480850009cc5577c6e1f573b4e"
	  "6801dd23c4a7d679ccf8a386c674cffb",
	  "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3db"
	  "a91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd",
	  false },
	{ "0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c0c", "Test With Truncation", NULL,
	  "a3b6167473100ee06e0c796c2955552b", "3abf34c3503b2a23a46efc619baef897",
	  "415fad6271580a531d4179bc891d87a6", true },
	{ tc_key_aa131, "Test Using Larger Than Block-Size Key - Hash Key First", NULL,
	  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	  "4ece084485813e9088d2c63a041bc5b44f9ef1012a2b588f3cd11f05033ac4c6"
	  "0c2ef6ab4030fe8296248df163f44952",
	  "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f352"
	  "6b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
	  false },
	{ tc_key_aa131,
	  "This is a test using a larger than block-size key and a larger than block-size "
	  "data. The key needs to be hashed before being used by the HMAC algorithm.",
	  NULL, "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
	  "6617178e941f020d351e2f254e8fd32c602420feb0b8fb9adccebb82461e99c5"
	  "a678cc31e799176d3860e6110c46523e",
	  "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944"
	  "b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58",
	  false },
};

static size_t case_data(const struct hmac_case *tc, uint8_t *buf, size_t size)
{
	if (tc->data) {
		size_t n = strlen(tc->data);

		ck_assert_uint_le(n, size);
		memcpy(buf, tc->data, n);
		return n;
	}
	return unhex(tc->data_hex, buf, size);
}

static const struct {
	uint16_t prf;
	uint16_t integ;
	size_t len;
} sha2_algs[] = {
	{ IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA2_256_128, 32 },
	{ IKE_PRF_HMAC_SHA2_384, IKE_INTEG_HMAC_SHA2_384_192, 48 },
	{ IKE_PRF_HMAC_SHA2_512, IKE_INTEG_HMAC_SHA2_512_256, 64 },
};

static const char *case_expect(const struct hmac_case *tc, size_t alg)
{
	return alg == 0 ? tc->sha256 : alg == 1 ? tc->sha384 : tc->sha512;
}

/* loop over the RFC 4231 test cases */
START_TEST(test_prf_rfc4231)
{
	const struct hmac_case *tc = &rfc4231[_i];
	uint8_t key[256], data[256], out[IKE_PRF_MAX_LEN + 8], want[IKE_PRF_MAX_LEN];
	size_t key_len = unhex(tc->key, key, sizeof(key));
	size_t data_len = case_data(tc, data, sizeof(data));

	for (size_t a = 0; a < 3; a++) {
		const char *hex = case_expect(tc, a);
		size_t want_len = unhex(hex, want, sizeof(want));
		struct ike_cbuf whole = { data, data_len };
		/* the same data given in three pieces, one of them empty */
		struct ike_cbuf parts[] = {
			{ data, 3 },
			{ NULL, 0 },
			{ data + 3, data_len - 3 },
		};

		ck_assert_uint_eq(ike_prf_len(sha2_algs[a].prf), sha2_algs[a].len);
		memset(out, 0x5a, sizeof(out));
		ck_assert_int_eq(
		    ike_prf(sha2_algs[a].prf, key, key_len, &whole, 1, out, sizeof(out)), 0);
		ck_assert_mem_eq(out, want, want_len);
		/* nothing written past the output length */
		for (size_t i = sha2_algs[a].len; i < sizeof(out); i++)
			ck_assert_uint_eq(out[i], 0x5a);
		memset(out, 0, sizeof(out));
		ck_assert_int_eq(
		    ike_prf(sha2_algs[a].prf, key, key_len, parts, 3, out, sizeof(out)), 0);
		ck_assert_mem_eq(out, want, want_len);
		if (!tc->truncated)
			ck_assert_uint_eq(want_len, sha2_algs[a].len);
	}
}
END_TEST

/* The integrity transforms are the same HMACs truncated to half. */
START_TEST(test_integ_truncation)
{
	const struct hmac_case *tc = &rfc4231[_i];
	uint8_t key[256], data[256], icv[IKE_ICV_MAX_LEN + 4], want[IKE_PRF_MAX_LEN];
	size_t key_len = unhex(tc->key, key, sizeof(key));
	size_t data_len = case_data(tc, data, sizeof(data));

	for (size_t a = 0; a < 3; a++) {
		uint16_t integ = sha2_algs[a].integ;
		size_t icv_len = sha2_algs[a].len / 2;
		size_t want_len = unhex(case_expect(tc, a), want, sizeof(want));
		size_t cmp_len = want_len < icv_len ? want_len : icv_len;

		ck_assert_uint_eq(ike_integ_icv_len(integ), icv_len);
		ck_assert_uint_eq(ike_integ_key_len(integ), sha2_algs[a].len);
		memset(icv, 0x5a, sizeof(icv));
		ck_assert_int_eq(
		    ike_integ_icv(integ, key, key_len, data, data_len, icv, sizeof(icv)), 0);
		ck_assert_mem_eq(icv, want, cmp_len);
		for (size_t i = icv_len; i < sizeof(icv); i++)
			ck_assert_uint_eq(icv[i], 0x5a);
		/* too small an output buffer is refused, not overrun */
		ck_assert_int_eq(
		    ike_integ_icv(integ, key, key_len, data, data_len, icv, icv_len - 1), -EINVAL);
	}
}
END_TEST

START_TEST(test_prf_sha1_rfc2202)
{
	uint8_t key[20], out[20];
	struct ike_cbuf d1 = { (const uint8_t *)"Hi There", 8 };
	struct ike_cbuf d2 = { (const uint8_t *)"what do ya want for nothing?", 28 };

	memset(key, 0x0b, sizeof(key));
	ck_assert_uint_eq(ike_prf_len(IKE_PRF_HMAC_SHA1), 20);
	ck_assert_int_eq(ike_prf(IKE_PRF_HMAC_SHA1, key, 20, &d1, 1, out, sizeof(out)), 0);
	assert_hex(out, 20, "b617318655057264e28bc0b6fb378c8ef146be00");
	ck_assert_int_eq(
	    ike_prf(IKE_PRF_HMAC_SHA1, (const uint8_t *)"Jefe", 4, &d2, 1, out, sizeof(out)), 0);
	assert_hex(out, 20, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
	/* HMAC-SHA1-96 is its first 12 octets */
	ck_assert_uint_eq(ike_integ_icv_len(IKE_INTEG_HMAC_SHA1_96), 12);
	ck_assert_int_eq(ike_integ_icv(IKE_INTEG_HMAC_SHA1_96, key, 20, d1.ptr, d1.len, out, 12),
			 0);
	assert_hex(out, 12, "b617318655057264e28bc0b6");
}
END_TEST

START_TEST(test_prf_errors)
{
	uint8_t key[32] = { 1 }, out[64];
	struct ike_cbuf d = { key, sizeof(key) };

	/* PRF_HMAC_TIGER (3) and AUTH_DES_MAC (3) are not implemented */
	ck_assert_uint_eq(ike_prf_len(3), 0);
	ck_assert_int_eq(ike_prf(3, key, 16, &d, 1, out, sizeof(out)), -ENOTSUP);
	ck_assert_int_eq(ike_prf(IKE_PRF_HMAC_SHA2_256, key, 32, &d, 1, out, 31), -EINVAL);
	ck_assert_int_eq(ike_prf(IKE_PRF_HMAC_SHA2_256, key, 32, &d, 1, NULL, 32), -EINVAL);
	ck_assert_int_eq(ike_prf(IKE_PRF_AES128_XCBC, key, 16, &d, 1, out, 15), -EINVAL);
	ck_assert_int_eq(ike_integ_icv(3, key, 16, key, 16, out, 12), -ENOTSUP);
	ck_assert_int_eq(ike_prf_plus(IKE_PRF_HMAC_SHA2_256, key, 32, &d, 1, out, 64), 0);
	ck_assert_int_eq(ike_prf_plus(3, key, 16, &d, 1, out, 64), -ENOTSUP);
}
END_TEST

/* prf+ against its definition, T1 = prf(K, S | 0x01), Tn = prf(K, Tn-1 | S | n),
 * built here from single prf calls; and its 255-block limit. */
START_TEST(test_prf_plus)
{
	static uint8_t big[255 * 64 + 1];
	uint8_t key[40], seed[50], t[IKE_PRF_MAX_LEN], out[5 * IKE_PRF_MAX_LEN];
	/* the 40-octet key takes the fixed-key PRFs' key rule, in both paths */
	const uint16_t prfs[] = { IKE_PRF_HMAC_SHA1,	 IKE_PRF_HMAC_SHA2_256,
				  IKE_PRF_HMAC_SHA2_384, IKE_PRF_HMAC_SHA2_512,
				  IKE_PRF_HMAC_MD5,	 IKE_PRF_AES128_XCBC,
				  IKE_PRF_AES128_CMAC };

	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 3 + 1);
	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)(200 - i);
	for (size_t a = 0; a < sizeof(prfs) / sizeof(prfs[0]); a++) {
		size_t len = ike_prf_len(prfs[a]);
		struct ike_cbuf s = { seed, sizeof(seed) };
		size_t out_len = 4 * len + 7; /* a partial last block */

		ck_assert_int_eq(ike_prf_plus(prfs[a], key, sizeof(key), &s, 1, out, out_len), 0);
		for (uint8_t n = 1; (size_t)(n - 1) * len < out_len; n++) {
			struct ike_cbuf parts[] = {
				{ t, n > 1 ? len : 0 },
				{ seed, sizeof(seed) },
				{ &n, 1 },
			};
			size_t off = (size_t)(n - 1) * len;
			size_t chunk = out_len - off < len ? out_len - off : len;

			ck_assert_int_eq(ike_prf(prfs[a], key, sizeof(key), parts, 3, t, sizeof(t)),
					 0);
			ck_assert_mem_eq(out + off, t, chunk);
		}
		/* 255 blocks at most */
		ck_assert_int_eq(ike_prf_plus(prfs[a], key, sizeof(key), &s, 1, big, 255 * len), 0);
		ck_assert_int_eq(ike_prf_plus(prfs[a], key, sizeof(key), &s, 1, big, 255 * len + 1),
				 -EINVAL);
		/* a shorter output is a prefix of a longer one */
		ck_assert_mem_eq(big, out, out_len);
	}
}
END_TEST

/* ---- key derivation: expected values from tests/unit/vectors/ikev2_kdf.py ---- */

/* generated by tests/unit/vectors/ikev2_kdf.py */
static const char kdf_ni[] = "01080f161d242b323940474e555c636a71787f868d949ba2a9b0b7bec5ccd3da";
static const char kdf_nr[] = "05121f2c394653606d7a8794a1aebbc8d5e2effc091623303d4a5764717e8b98"
			     "a5b2bfccd9e6f3000d1a2734414e5b68";
static const char kdf_spi_i[] = "0102030405060708";
static const char kdf_spi_r[] = "1112131415161718";
static const char kdf_gir[] = "11304f6e8daccbea0928476685a4c3e201203f5e7d9cbbdaf91837567594b3d2"
			      "f1102f4e6d8cabcae90827466584a3c2e1001f3e5d7c9bbad9f81736557493b2"
			      "d1f00f2e4d6c8baac9e80726456483a2c1e0ff1e3d5c7b9ab9d8f71635547392"
			      "b1d0ef0e2d4c6b8aa9c8e70625446382a1c0dffe1d3c5b7a99b8d7f615345372"
			      "91b0cfee0d2c4b6a89a8c7e60524436281a0bfdefd1c3b5a7998b7d6f5143352"
			      "7190afceed0c2b4a6988a7c6e504234261809fbeddfc1b3a597897b6d5f41332"
			      "51708faecdec0b2a496887a6c5e4032241607f9ebddcfb1a39587796b5d4f312"
			      "31506f8eadcceb0a29486786a5c4e30221405f7e9dbcdbfa1938577695b4d3f2";
static const char kdf_a_skeyseed[] =
    "7e9df796fc960ebea92768290e15b1aaff3243108d5996423316106ce241bb00";
static const char kdf_a_sk_d[] = "0457284dfe56cd85ac22f0c32e92d34537c2aea5533a370ee26b7b992e6217f9";
static const char kdf_a_sk_ei[] = "2531d1a8a39fa992bc6a60083c16e1a797cfeca5984f985cc7b9290a8d0c2bbe"
				  "979dac92";
static const char kdf_a_sk_er[] = "5e8840cddac178bbe51284dee06cd4c3f2d86fc57d7217424a4a0220c692e9ab"
				  "ce3eb5f9";
static const char kdf_a_sk_pi[] =
    "eea55796a39cce85e068e25bcfdf7a4fc22a8df6622a33271104c36c85bb3b92";
static const char kdf_a_sk_pr[] =
    "89f463312a2930ae09eee202d9f14ae98329b37a1057838d2823bf19f6eb1127";
static const char kdf_a_child1_keymat[] =
    "223243042af0c0187c23234942a3acce4aa071aeba53f7b1532d3755be91732e"
    "2f013133dee58a16";
static const char kdf_gir2[] = "c8cdd2d7dce1e6ebf0f5faff04090e13181d22272c31363b40454a4f54595e63";
static const char kdf_ni2[] = "4d505356595c5f6265686b6e7174777a";
static const char kdf_nr2[] = "09141f2a35404b56616c77828d98a3aeb9c4cfda";
static const char kdf_a_child2_keymat[] =
    "f29920ebf4fc4ff1391e8acd0174bb76baeff997d36185503dcdddfa14df24f4"
    "c5ef02b347e9716372e862a60fb9a6090a33351782298155d0c8fccd960790ff"
    "7635ab2fa5020e1ef0a65bf2b3e6562d4ad055601e1a8e3bfdae54d555c6dab9"
    "938d74861220874cec4377bf2dc9317a195673ff1f0c6efbb63a96e180736efb";
static const char kdf_b_sk_d[] = "3cbf9e303c89f7d56452c22ea79b1527393600328805b840e971766649d89565"
				 "6911c6268db9ac98cb050f434b357f38";
static const char kdf_b_sk_ai[] =
    "4cc2651a6d10e136ff2c06d366751ea963bbef6f4b502a044dc3d5f85391dad8"
    "4ff8b29dd4b750904481a73540bd24b470ccd9cb2ba7b98b5fc061e43cb19268";
static const char kdf_b_sk_ar[] =
    "9dc29159618004e35e7c7627290a7853babb0c9ad4324f96de16838f6cc5f4c7"
    "70a752c778c041e008720f6ac431064369f50283b64b0cfc88cd6da69d381371";
static const char kdf_b_sk_ei[] = "7e65fd0f2dca2a5bcb921f3a78d33cd5";
static const char kdf_b_sk_er[] = "54aa6abfed5aea5be90d854d1ecfad35";
static const char kdf_b_sk_pi[] = "b3d1acb336a008797e01e5640ace448ee68eb62e7eefaa9e042ffe83ffc1ab68"
				  "0b03e3dc50d32ca6dbed21f21039430c";
static const char kdf_b_sk_pr[] = "f0733e0ca9134ebbb662e84436111a0eb256e61ef309a25a1918a55f58058583"
				  "1dd4c38bbe4dae5e46023d3f61760d1d";
static const char kdf_b_child1_keymat[] =
    "49eb961e59a5bad3be4287912c9020a00f4637333be558d437408d09432ea7d2"
    "77ab60a05b8e7115adc8f7e5a565ac4392476c5e297179b9553da85735b90939"
    "2c084d317fcb1a2b";
static const char kdf_c_keys[] = "89a3b3064b33edb3a45815e91184daafc752a273c7919b48f24dce0dc4573616"
				 "580ca65db10666e56b4285e0276ce85a044e44f381e2e07fd30fc6fd31bf643a"
				 "befc3298a46175390acf0534fed66fb2dd94bab50d9e5615227ef965f266a140"
				 "4a6a4a4b34947dab145bc64549eb203d34eaf2ae802b0e6ee96b9f90b52f6a13"
				 "e8a604a29b795c9b291f9e544da52bd6252542d0ab7cdab13ce1983a6adb3c1d"
				 "07d2d4e2";
static const char kdf_ni3[] = "031425364758697a8b9cadbecfe0f102132435465768798a9bacbdcedff00112";
static const char kdf_nr3[] = "fa0d203346596c7f92a5b8cbdef104172a3d506376899cafc2d5e8fb0e213447";
static const char kdf_spi_i3[] = "a1a2a3a4a5a6a7a8";
static const char kdf_spi_r3[] = "b1b2b3b4b5b6b7b8";
static const char kdf_gir3[] = "637a91a8bfd6ed041b324960778ea5bcd3ea01182f465d748ba2b9d0e7fe152c";
static const char kdf_r_keys[] = "aa9d0006d32f953581de5bdee59f4de569c654e0821be6f7999ef260c0dc51c0"
				 "73d40257fc6ac1e89eccb67c5a9efd7103826fd1cf81bf79cf6397ef68c58412"
				 "c1d73f1ae066e3d7e6d0de3b4892432ab98b68cca9afb77f3d8cc5c09b0030ee"
				 "42168fce8e518d15734dccb03557dd5bcbc1ce62ade967cb95a7e27506913e3a"
				 "be0aadb5ab5a8cfe71b0ef4e1e242466161a43337278f1b9d88f0a47c283c306"
				 "52858d4c6dc7cf3796efb1d01f9267e1bf724687fa8079b0382924c91c4391df"
				 "1645f85346c51486acc94df8235670436cbed8f5a4d3a5c917cf086a6edc4989"
				 "4baa7bbbb2555db1f2a8efc27735fa1e2704b4fcded177172b170ee65e03699c"
				 "cb5a19377d241f02";

struct kdf_inputs {
	uint8_t ni[64], nr[64], spi_i[8], spi_r[8], gir[256];
	size_t ni_len, nr_len, gir_len;
};

static void kdf_inputs(struct kdf_inputs *in)
{
	in->ni_len = unhex(kdf_ni, in->ni, sizeof(in->ni));
	in->nr_len = unhex(kdf_nr, in->nr, sizeof(in->nr));
	ck_assert_uint_eq(unhex(kdf_spi_i, in->spi_i, 8), 8);
	ck_assert_uint_eq(unhex(kdf_spi_r, in->spi_r, 8), 8);
	in->gir_len = unhex(kdf_gir, in->gir, sizeof(in->gir));
}

static void derive(struct ike_sa_keys *k, const struct kdf_inputs *in, uint16_t encr, uint16_t bits,
		   uint16_t prf, uint16_t integ)
{
	struct ike_sa_algs algs = { encr, bits, prf, integ };

	ck_assert_int_eq(ike_sa_algs_check(&algs), 0);
	ck_assert_int_eq(ike_sa_keys_derive(k, &algs, in->gir, in->gir_len, in->ni, in->ni_len,
					    in->nr, in->nr_len, in->spi_i, in->spi_r),
			 0);
}

START_TEST(test_kdf_gcm_sha256)
{
	struct kdf_inputs in;
	struct ike_sa_keys k;
	struct ike_child_keys ck;
	struct ike_child_algs c1 = { IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE };
	struct ike_child_algs c2 = { IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_256_128 };
	uint8_t nonces[128], skeyseed[32], gir2[32], ni2[16], nr2[20], km[128];
	struct ike_cbuf g;

	kdf_inputs(&in);
	/* SKEYSEED = prf(Ni | Nr, g^ir) */
	memcpy(nonces, in.ni, in.ni_len);
	memcpy(nonces + in.ni_len, in.nr, in.nr_len);
	g = (struct ike_cbuf){ in.gir, in.gir_len };
	ck_assert_int_eq(ike_prf(IKE_PRF_HMAC_SHA2_256, nonces, in.ni_len + in.nr_len, &g, 1,
				 skeyseed, sizeof(skeyseed)),
			 0);
	assert_hex(skeyseed, 32, kdf_a_skeyseed);

	derive(&k, &in, IKE_ENCR_AES_GCM_16, 256, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_NONE);
	ck_assert_uint_eq(k.prf_len, 32);
	ck_assert_uint_eq(k.integ_len, 0);
	ck_assert_uint_eq(k.encr_len, 36);
	ck_assert_ptr_null(k.integ);
	assert_hex(k.sk_d, k.prf_len, kdf_a_sk_d);
	assert_hex(k.sk_ei, k.encr_len, kdf_a_sk_ei);
	assert_hex(k.sk_er, k.encr_len, kdf_a_sk_er);
	assert_hex(k.sk_pi, k.prf_len, kdf_a_sk_pi);
	assert_hex(k.sk_pr, k.prf_len, kdf_a_sk_pr);

	/* CHILD SA without PFS: KEYMAT = prf+(SK_d, Ni | Nr) */
	ck_assert_int_eq(
	    ike_child_keys_derive(&ck, &k, &c1, NULL, 0, in.ni, in.ni_len, in.nr, in.nr_len), 0);
	ck_assert_uint_eq(ck.encr_len, 20);
	ck_assert_uint_eq(ck.integ_len, 0);
	memcpy(km, ck.encr_i, 20);
	memcpy(km + 20, ck.encr_r, 20);
	assert_hex(km, 40, kdf_a_child1_keymat);

	/* with PFS: KEYMAT = prf+(SK_d, g^ir (new) | Ni | Nr) */
	unhex(kdf_gir2, gir2, sizeof(gir2));
	unhex(kdf_ni2, ni2, sizeof(ni2));
	unhex(kdf_nr2, nr2, sizeof(nr2));
	ck_assert_int_eq(ike_child_keys_derive(&ck, &k, &c2, gir2, sizeof(gir2), ni2, sizeof(ni2),
					       nr2, sizeof(nr2)),
			 0);
	ck_assert_uint_eq(ck.encr_len, 32);
	ck_assert_uint_eq(ck.integ_len, 32);
	memcpy(km, ck.encr_i, 32);
	memcpy(km + 32, ck.integ_i, 32);
	memcpy(km + 64, ck.encr_r, 32);
	memcpy(km + 96, ck.integ_r, 32);
	assert_hex(km, 128, kdf_a_child2_keymat);

	ike_child_keys_wipe(&ck);
	ck_assert_uint_eq(ck.encr_len, 0);
	ike_sa_keys_wipe(&k);
	ck_assert_uint_eq(k.prf_len, 0);
	for (size_t i = 0; i < sizeof(k.sk_d); i++)
		ck_assert_uint_eq(k.sk_d[i], 0);
}
END_TEST

START_TEST(test_kdf_cbc_sha384)
{
	struct kdf_inputs in;
	struct ike_sa_keys k;
	struct ike_child_keys ck;
	struct ike_child_algs c1 = { IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA1_96 };
	uint8_t km[72];

	kdf_inputs(&in);
	derive(&k, &in, IKE_ENCR_AES_CBC, 128, IKE_PRF_HMAC_SHA2_384, IKE_INTEG_HMAC_SHA2_512_256);
	ck_assert_uint_eq(k.prf_len, 48);
	ck_assert_uint_eq(k.integ_len, 64);
	ck_assert_uint_eq(k.encr_len, 16);
	assert_hex(k.sk_d, k.prf_len, kdf_b_sk_d);
	assert_hex(k.sk_ai, k.integ_len, kdf_b_sk_ai);
	assert_hex(k.sk_ar, k.integ_len, kdf_b_sk_ar);
	assert_hex(k.sk_ei, k.encr_len, kdf_b_sk_ei);
	assert_hex(k.sk_er, k.encr_len, kdf_b_sk_er);
	assert_hex(k.sk_pi, k.prf_len, kdf_b_sk_pi);
	assert_hex(k.sk_pr, k.prf_len, kdf_b_sk_pr);

	ck_assert_int_eq(
	    ike_child_keys_derive(&ck, &k, &c1, NULL, 0, in.ni, in.ni_len, in.nr, in.nr_len), 0);
	ck_assert_uint_eq(ck.encr_len, 16);
	ck_assert_uint_eq(ck.integ_len, 20);
	memcpy(km, ck.encr_i, 16);
	memcpy(km + 16, ck.integ_i, 20);
	memcpy(km + 36, ck.encr_r, 16);
	memcpy(km + 52, ck.integ_r, 20);
	assert_hex(km, 72, kdf_b_child1_keymat);
	ike_child_keys_wipe(&ck);
	ike_sa_keys_wipe(&k);
}
END_TEST

START_TEST(test_kdf_cbc_sha1)
{
	struct kdf_inputs in;
	struct ike_sa_keys k;
	uint8_t all[3 * 20 + 2 * 20 + 2 * 32], *p = all;

	kdf_inputs(&in);
	derive(&k, &in, IKE_ENCR_AES_CBC, 256, IKE_PRF_HMAC_SHA1, IKE_INTEG_HMAC_SHA1_96);
	ck_assert_uint_eq(k.prf_len, 20);
	ck_assert_uint_eq(k.integ_len, 20);
	ck_assert_uint_eq(k.encr_len, 32);
	memcpy(p, k.sk_d, 20), p += 20;
	memcpy(p, k.sk_ai, 20), p += 20;
	memcpy(p, k.sk_ar, 20), p += 20;
	memcpy(p, k.sk_ei, 32), p += 32;
	memcpy(p, k.sk_er, 32), p += 32;
	memcpy(p, k.sk_pi, 20), p += 20;
	memcpy(p, k.sk_pr, 20), p += 20;
	assert_hex(all, (size_t)(p - all), kdf_c_keys);
	ike_sa_keys_wipe(&k);
}
END_TEST

/* Rekeying the SHA2-256/GCM SA into SHA2-512/ChaCha20-Poly1305: SKEYSEED
 * comes from the old PRF and SK_d, the rest from the new PRF. */
START_TEST(test_kdf_rekey)
{
	struct kdf_inputs in;
	struct ike_sa_keys old, k;
	struct ike_sa_algs algs = { IKE_ENCR_CHACHA20_POLY1305, 0, IKE_PRF_HMAC_SHA2_512,
				    IKE_INTEG_NONE };
	uint8_t ni[32], nr[32], spi_i[8], spi_r[8], gir[32];
	uint8_t all[3 * 64 + 2 * 36], *p = all;

	kdf_inputs(&in);
	derive(&old, &in, IKE_ENCR_AES_GCM_16, 256, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_NONE);
	unhex(kdf_ni3, ni, sizeof(ni));
	unhex(kdf_nr3, nr, sizeof(nr));
	unhex(kdf_spi_i3, spi_i, sizeof(spi_i));
	unhex(kdf_spi_r3, spi_r, sizeof(spi_r));
	unhex(kdf_gir3, gir, sizeof(gir));
	ck_assert_int_eq(ike_sa_keys_rekey(&k, &algs, &old, gir, sizeof(gir), ni, sizeof(ni), nr,
					   sizeof(nr), spi_i, spi_r),
			 0);
	ck_assert_uint_eq(k.prf_len, 64);
	ck_assert_uint_eq(k.encr_len, 36);
	ck_assert_uint_eq(k.integ_len, 0);
	memcpy(p, k.sk_d, 64), p += 64;
	memcpy(p, k.sk_ei, 36), p += 36;
	memcpy(p, k.sk_er, 36), p += 36;
	memcpy(p, k.sk_pi, 64), p += 64;
	memcpy(p, k.sk_pr, 64), p += 64;
	assert_hex(all, (size_t)(p - all), kdf_r_keys);
	/* the same object cannot be both */
	ck_assert_int_eq(ike_sa_keys_rekey(&old, &algs, &old, gir, sizeof(gir), ni, sizeof(ni), nr,
					   sizeof(nr), spi_i, spi_r),
			 -EINVAL);
	ike_sa_keys_wipe(&old);
	ike_sa_keys_wipe(&k);
}
END_TEST

START_TEST(test_kdf_refuses)
{
	struct kdf_inputs in;
	struct ike_sa_keys k;
	struct ike_child_keys ck;
	uint8_t big[300] = { 0 };
	const struct {
		struct ike_sa_algs algs;
		int err;
	} bad[] = {
		/* an AEAD with an integrity transform, a plain cipher without */
		{ { IKE_ENCR_AES_GCM_16, 128, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA2_256_128 },
		  -EINVAL },
		{ { IKE_ENCR_AES_CBC, 128, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_NONE }, -EINVAL },
		{ { IKE_ENCR_AES_CBC, 100, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA1_96 },
		  -ENOTSUP },
		{ { IKE_ENCR_AES_CBC, 0, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA1_96 },
		  -ENOTSUP },
		{ { IKE_ENCR_CHACHA20_POLY1305, 256, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_NONE },
		  -ENOTSUP },
		/* RFC 7296 3.3.2: no ENCR_NULL for IKE */
		{ { IKE_ENCR_NULL, 0, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_HMAC_SHA1_96 }, -ENOTSUP },
		{ { IKE_ENCR_AES_CCM_8, 0, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_NONE }, -ENOTSUP },
		/* PRF_HMAC_TIGER, AUTH_DES_MAC */
		{ { IKE_ENCR_AES_CBC, 128, 3, IKE_INTEG_HMAC_SHA1_96 }, -ENOTSUP },
		{ { IKE_ENCR_AES_CBC, 128, IKE_PRF_HMAC_SHA1, 3 }, -ENOTSUP },
	};
	struct ike_sa_algs ok = { IKE_ENCR_AES_GCM_16, 128, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_NONE };

	kdf_inputs(&in);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(ike_sa_algs_check(&bad[i].algs), bad[i].err);
		memset(&k, 0x77, sizeof(k));
		ck_assert_int_eq(ike_sa_keys_derive(&k, &bad[i].algs, in.gir, in.gir_len, in.ni,
						    in.ni_len, in.nr, in.nr_len, in.spi_i,
						    in.spi_r),
				 bad[i].err);
		/* wiped on failure */
		ck_assert_uint_eq(k.sk_d[0], 0);
		ck_assert_uint_eq(k.prf_len, 0);
	}
	/* nonces: empty, or longer than RFC 7296 allows; no g^ir */
	ck_assert_int_eq(ike_sa_keys_derive(&k, &ok, in.gir, in.gir_len, in.ni, 0, in.nr, in.nr_len,
					    in.spi_i, in.spi_r),
			 -EINVAL);
	ck_assert_int_eq(ike_sa_keys_derive(&k, &ok, in.gir, in.gir_len, big, 257, in.nr, in.nr_len,
					    in.spi_i, in.spi_r),
			 -EINVAL);
	ck_assert_int_eq(ike_sa_keys_derive(&k, &ok, NULL, 0, in.ni, in.ni_len, in.nr, in.nr_len,
					    in.spi_i, in.spi_r),
			 -EINVAL);
	/* 256-octet nonces are the longest allowed */
	ck_assert_int_eq(
	    ike_sa_keys_derive(&k, &ok, in.gir, in.gir_len, big, 256, big, 256, in.spi_i, in.spi_r),
	    0);

	/* CHILD SA transforms */
	{
		const struct {
			struct ike_child_algs algs;
			int err;
			size_t encr_len, integ_len;
		} child[] = {
			{ { IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE }, 0, 36, 0 },
			{ { IKE_ENCR_AES_GCM_8, 192, IKE_INTEG_NONE }, 0, 28, 0 },
			{ { IKE_ENCR_AES_CCM_16, 128, IKE_INTEG_NONE }, 0, 19, 0 },
			{ { IKE_ENCR_CHACHA20_POLY1305, 0, IKE_INTEG_NONE }, 0, 36, 0 },
			{ { IKE_ENCR_AES_CTR, 128, IKE_INTEG_HMAC_SHA2_256_128 }, 0, 20, 32 },
			{ { IKE_ENCR_AES_CBC, 192, IKE_INTEG_HMAC_SHA2_384_192 }, 0, 24, 48 },
			{ { IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_512_256 }, 0, 32, 64 },
			{ { IKE_ENCR_NULL, 0, IKE_INTEG_HMAC_SHA2_256_128 }, 0, 0, 32 },
			{ { IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_HMAC_SHA1_96 }, -EINVAL, 0, 0 },
			{ { IKE_ENCR_AES_CBC, 128, IKE_INTEG_NONE }, -EINVAL, 0, 0 },
			{ { IKE_ENCR_NULL, 0, IKE_INTEG_NONE }, -EINVAL, 0, 0 },
			{ { IKE_ENCR_AES_CBC, 64, IKE_INTEG_HMAC_SHA1_96 }, -ENOTSUP, 0, 0 },
			{ { IKE_ENCR_3DES, 0, IKE_INTEG_HMAC_MD5_96 }, 0, 24, 16 },
			{ { IKE_ENCR_AES_CBC, 128, IKE_INTEG_AES_CMAC_96 }, 0, 16, 16 },
			{ { IKE_ENCR_AES_CCM_8, 256, IKE_INTEG_NONE }, 0, 35, 0 },
			/* ENCR_DES, AUTH_DES_MAC */
			{ { 2, 0, IKE_INTEG_HMAC_SHA1_96 }, -ENOTSUP, 0, 0 },
			{ { IKE_ENCR_AES_CBC, 128, 3 }, -ENOTSUP, 0, 0 },
		};

		for (size_t i = 0; i < sizeof(child) / sizeof(child[0]); i++) {
			memset(&ck, 0x77, sizeof(ck));
			ck_assert_int_eq(ike_child_keys_derive(&ck, &k, &child[i].algs, NULL, 0,
							       in.ni, in.ni_len, in.nr, in.nr_len),
					 child[i].err);
			ck_assert_uint_eq(ck.encr_len, child[i].encr_len);
			ck_assert_uint_eq(ck.integ_len, child[i].integ_len);
			if (child[i].err)
				ck_assert_uint_eq(ck.encr_i[0], 0);
		}
	}
	/* KEYMAT needs derived IKE SA keys */
	ike_sa_keys_wipe(&k);
	ck_assert_int_eq(
	    ike_child_keys_derive(&ck, &k, &(struct ike_child_algs){ IKE_ENCR_AES_GCM_16, 128, 0 },
				  NULL, 0, in.ni, in.ni_len, in.nr, in.nr_len),
	    -EINVAL);
}
END_TEST

/* ---- the Encrypted payload ---- */

struct sk_suite {
	uint16_t encr, bits, integ;
	const char *cipher; /* OpenSSL names for the reference implementation */
	const char *md;
};

static const struct sk_suite sk_suites[] = {
	{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128, "AES-128-CBC", "SHA2-256" },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_384_192, "AES-256-CBC", "SHA2-384" },
	{ IKE_ENCR_AES_CBC, 256, IKE_INTEG_HMAC_SHA2_512_256, "AES-256-CBC", "SHA2-512" },
	{ IKE_ENCR_AES_CBC, 192, IKE_INTEG_HMAC_SHA1_96, "AES-192-CBC", "SHA1" },
	{ IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, "AES-128-GCM", NULL },
	{ IKE_ENCR_AES_GCM_16, 192, IKE_INTEG_NONE, "AES-192-GCM", NULL },
	{ IKE_ENCR_AES_GCM_16, 256, IKE_INTEG_NONE, "AES-256-GCM", NULL },
	{ IKE_ENCR_CHACHA20_POLY1305, 0, IKE_INTEG_NONE, "ChaCha20-Poly1305", NULL },
};
#define N_SK_SUITES (sizeof(sk_suites) / sizeof(sk_suites[0]))

struct sk_keys {
	uint8_t ekey[IKE_ENCR_KEY_MAX_LEN], akey[IKE_INTEG_KEY_MAX_LEN];
	size_t elen, alen, iv_len, icv_len;
	bool aead;
};

static void sk_setup(const struct sk_suite *s, struct ike_sk_cipher *c, struct sk_keys *k)
{
	k->aead = s->integ == IKE_INTEG_NONE;
	k->elen = (s->bits ? s->bits / 8u : 32) + (k->aead ? 4 : 0);
	k->alen = k->aead ? 0 : ike_integ_key_len(s->integ);
	k->iv_len = k->aead ? 8 : 16;
	k->icv_len = k->aead ? 16 : ike_integ_icv_len(s->integ);
	for (size_t i = 0; i < sizeof(k->ekey); i++)
		k->ekey[i] = (uint8_t)(i * 29 + 7);
	for (size_t i = 0; i < sizeof(k->akey); i++)
		k->akey[i] = (uint8_t)(i * 41 + 3);
	ck_assert_int_eq(ike_sk_cipher_init(c, s->encr, s->bits, s->integ, k->ekey, k->elen,
					    k->aead ? NULL : k->akey, k->alen),
			 0);
	ck_assert_uint_eq(ike_sk_iv_len(c), k->iv_len);
	ck_assert_uint_eq(ike_sk_icv_len(c), k->icv_len);
	ck_assert_uint_eq(ike_sk_block_len(c), k->aead ? 1 : 16);
}

/*
 * An independent implementation of the Encrypted payload on plain OpenSSL
 * calls, as RFC 7296 3.14, RFC 5282 and RFC 7634 describe it: msg holds the
 * IV and the whole plaintext (padding and Pad Length included) where the
 * ciphertext goes; encrypt (or decrypt) it in place and write (or check)
 * the ICV.
 */
static void reference_crypt(const struct sk_suite *s, const struct sk_keys *k, uint8_t *msg,
			    size_t len, size_t iv_off, bool enc)
{
	EVP_CIPHER *cipher = EVP_CIPHER_fetch(NULL, s->cipher, NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	uint8_t *iv = msg + iv_off, *ct = iv + k->iv_len, *icv = msg + len - k->icv_len;
	size_t ct_len = len - iv_off - k->iv_len - k->icv_len;
	uint8_t mac[64];
	size_t mac_len;
	int outl, finl;

	ck_assert_ptr_nonnull(cipher);
	ck_assert_ptr_nonnull(ctx);
	if (k->aead) {
		uint8_t nonce[12], tag[16];

		memcpy(nonce, k->ekey + k->elen - 4, 4);
		memcpy(nonce + 4, iv, 8);
		memcpy(tag, icv, 16);
		ck_assert(EVP_CipherInit_ex2(ctx, cipher, k->ekey, nonce, enc, NULL));
		if (!enc)
			ck_assert(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, tag));
		ck_assert(EVP_CipherUpdate(ctx, NULL, &outl, msg, (int)iv_off));
		ck_assert(EVP_CipherUpdate(ctx, ct, &outl, ct, (int)ct_len));
		ck_assert(EVP_CipherFinal_ex(ctx, ct + outl, &finl));
		if (enc) {
			ck_assert(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag));
			memcpy(icv, tag, 16);
		}
	} else {
		if (!enc) {
			ck_assert_ptr_nonnull(EVP_Q_mac(NULL, "HMAC", NULL, s->md, NULL, k->akey,
							k->alen, msg, len - k->icv_len, mac,
							sizeof(mac), &mac_len));
			ck_assert_mem_eq(mac, icv, k->icv_len);
		}
		ck_assert(EVP_CipherInit_ex2(ctx, cipher, k->ekey, iv, enc, NULL));
		ck_assert(EVP_CIPHER_CTX_set_padding(ctx, 0));
		ck_assert(EVP_CipherUpdate(ctx, ct, &outl, ct, (int)ct_len));
		ck_assert(EVP_CipherFinal_ex(ctx, ct + outl, &finl));
		if (enc) {
			ck_assert_ptr_nonnull(EVP_Q_mac(NULL, "HMAC", NULL, s->md, NULL, k->akey,
							k->alen, msg, len - k->icv_len, mac,
							sizeof(mac), &mac_len));
			memcpy(icv, mac, k->icv_len);
		}
	}
	ck_assert_uint_eq((size_t)outl + finl, ct_len);
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(cipher);
}

#define HDR_LEN (28 + 4) /* IKE header and the SK payload's generic header */

static void fill_header(uint8_t *msg)
{
	for (size_t i = 0; i < HDR_LEN; i++)
		msg[i] = (uint8_t)(i * 7 + 1);
}

/* After a failed open, the ciphertext is either untouched or wiped. */
static void assert_no_plaintext(const uint8_t *after, const uint8_t *before, size_t off, size_t len)
{
	bool same = memcmp(after + off, before + off, len) == 0;
	bool zero = true;

	for (size_t i = 0; i < len; i++)
		zero = zero && after[off + i] == 0;
	ck_assert(same || zero);
}

/* loop over sk_suites */
START_TEST(test_sk_roundtrip)
{
	static const size_t lens[] = { 0, 1, 2, 15, 16, 17, 31, 100, 255, 1000 };
	static uint8_t msg[1200], orig[1200], work[1200], plain[1100];
	const struct sk_suite *s = &sk_suites[_i];
	struct ike_sk_cipher c;
	struct sk_keys k;
	uint8_t iv[16];

	sk_setup(s, &c, &k);
	for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++) {
		size_t L = lens[li], ct_len = ike_sk_ct_len(&c, L);
		size_t body = ike_sk_body_len(&c, L), mlen = HDR_LEN + body;
		size_t block = ike_sk_block_len(&c), off = 0, plen = 0, pad;
		size_t ct_off = HDR_LEN + k.iv_len;

		ck_assert_uint_eq(body, k.iv_len + ct_len + k.icv_len);
		ck_assert_uint_eq(ct_len % block, 0);
		ck_assert_uint_ge(ct_len, L + 1);
		ck_assert_uint_lt(ct_len - L - 1, block);
		ck_assert_uint_le(mlen, sizeof(msg));
		pad = ct_len - L - 1;

		fill_header(msg);
		for (size_t i = 0; i < L; i++)
			plain[i] = (uint8_t)(i * 11 + 3);
		memcpy(msg + ct_off, plain, L);
		for (size_t i = 0; i < sizeof(iv); i++)
			iv[i] = (uint8_t)(i * 5 + L);
		/* the total length must match the plaintext length exactly */
		ck_assert_int_eq(ike_sk_seal(&c, msg, mlen - 1, HDR_LEN, L, iv), -EINVAL);
		ck_assert_int_eq(ike_sk_seal(&c, msg, mlen + 1, HDR_LEN, L, iv), -EINVAL);
		ck_assert_int_eq(ike_sk_seal(&c, msg, mlen, HDR_LEN, L, iv), 0);
		ck_assert_mem_eq(msg + HDR_LEN, iv, k.iv_len);
		for (size_t i = 0; i < HDR_LEN; i++)
			ck_assert_uint_eq(msg[i], (uint8_t)(i * 7 + 1));
		if (L >= 8)
			ck_assert(memcmp(msg + ct_off, plain, L) != 0);
		memcpy(orig, msg, mlen);

		/* the reference decrypts it: plaintext, zero padding, Pad Length */
		memcpy(work, orig, mlen);
		reference_crypt(s, &k, work, mlen, HDR_LEN, false);
		ck_assert_mem_eq(work + ct_off, plain, L);
		for (size_t i = 0; i < pad; i++)
			ck_assert_uint_eq(work[ct_off + L + i], 0);
		ck_assert_uint_eq(work[ct_off + ct_len - 1], pad);

		memcpy(work, orig, mlen);
		ck_assert_int_eq(ike_sk_open(&c, work, mlen, HDR_LEN, &off, &plen), 0);
		ck_assert_uint_eq(off, ct_off);
		ck_assert_uint_eq(plen, L);
		ck_assert_mem_eq(work + off, plain, L);

		/* one bit flipped anywhere (header, SK header, IV, ciphertext,
		 * ICV): every bit for one length, a spread of bits otherwise */
		for (size_t bit = 0; bit < mlen * 8; bit += L == 17 ? 1 : 9) {
			memcpy(work, orig, mlen);
			work[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			ck_assert_int_eq(ike_sk_open(&c, work, mlen, HDR_LEN, &off, &plen),
					 -EBADMSG);
			memcpy(msg, orig, mlen);
			msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
			assert_no_plaintext(work, msg, ct_off, ct_len);
		}
		/* truncated: fails cleanly, whatever the cut */
		for (size_t cut = 1; cut <= mlen; cut++) {
			memcpy(work, orig, mlen);
			ck_assert_int_lt(ike_sk_open(&c, work, mlen - cut, HDR_LEN, &off, &plen),
					 0);
		}
		/* IV offset past the end */
		ck_assert_int_eq(ike_sk_open(&c, work, HDR_LEN - 1, HDR_LEN, &off, &plen), -EINVAL);
	}
}
END_TEST

/* ike_sk_open against messages made by the reference, including padding
 * the sender chose and Pad Length values out of bounds. */
START_TEST(test_sk_open_reference)
{
	const struct sk_suite *s = &sk_suites[_i];
	struct ike_sk_cipher c;
	struct sk_keys k;
	uint8_t msg[200], work[200];
	size_t off, plen, ct_len = 48, mlen, ct_off;

	sk_setup(s, &c, &k);
	mlen = HDR_LEN + k.iv_len + ct_len + k.icv_len;
	ct_off = HDR_LEN + k.iv_len;
	for (int pad = 0; pad <= 49; pad++) {
		fill_header(msg);
		for (size_t i = 0; i < k.iv_len; i++)
			msg[HDR_LEN + i] = (uint8_t)(0xa0 + i);
		for (size_t i = 0; i < ct_len; i++)
			msg[ct_off + i] = (uint8_t)(0x30 + i); /* non-zero padding */
		msg[ct_off + ct_len - 1] = (uint8_t)pad;
		reference_crypt(s, &k, msg, mlen, HDR_LEN, true);
		memcpy(work, msg, mlen);
		if (pad <= 47) {
			ck_assert_int_eq(ike_sk_open(&c, work, mlen, HDR_LEN, &off, &plen), 0);
			ck_assert_uint_eq(off, ct_off);
			ck_assert_uint_eq(plen, ct_len - 1 - pad);
			for (size_t i = 0; i < plen; i++)
				ck_assert_uint_eq(work[off + i], 0x30 + i);
		} else {
			/* authentic, but the Pad Length points before the start */
			ck_assert_int_eq(ike_sk_open(&c, work, mlen, HDR_LEN, &off, &plen),
					 -EINVAL);
			assert_no_plaintext(work, msg, ct_off, ct_len);
		}
	}
	/* a CBC ciphertext that is not a whole number of blocks */
	if (!k.aead) {
		fill_header(msg);
		ck_assert_int_eq(ike_sk_open(&c, msg, mlen - 1, HDR_LEN, &off, &plen), -EINVAL);
		/* less than one block */
		ck_assert_int_eq(
		    ike_sk_open(&c, msg, HDR_LEN + k.iv_len + k.icv_len, HDR_LEN, &off, &plen),
		    -EINVAL);
	} else {
		/* not even the Pad Length octet */
		ck_assert_int_eq(
		    ike_sk_open(&c, msg, HDR_LEN + k.iv_len + k.icv_len, HDR_LEN, &off, &plen),
		    -EINVAL);
	}
}
END_TEST

START_TEST(test_sk_cipher_init_refuses)
{
	uint8_t key[64] = { 0 };
	struct ike_sk_cipher c;

	ck_assert_int_eq(
	    ike_sk_cipher_init(&c, IKE_ENCR_AES_GCM_16, 128, IKE_INTEG_NONE, key, 16, NULL, 0),
	    -EINVAL); /* the salt is missing */
	ck_assert_int_eq(ike_sk_cipher_init(&c, IKE_ENCR_AES_GCM_16, 128,
					    IKE_INTEG_HMAC_SHA2_256_128, key, 20, key, 32),
			 -EINVAL);
	ck_assert_int_eq(
	    ike_sk_cipher_init(&c, IKE_ENCR_AES_CBC, 128, IKE_INTEG_NONE, key, 16, NULL, 0),
	    -EINVAL);
	ck_assert_int_eq(ike_sk_cipher_init(&c, IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128,
					    key, 16, key, 31),
			 -EINVAL);
	ck_assert_int_eq(ike_sk_cipher_init(&c, IKE_ENCR_AES_CBC, 128, 3, key, 16, key, 16),
			 -ENOTSUP);
	ck_assert_int_eq(
	    ike_sk_cipher_init(&c, IKE_ENCR_NULL, 0, IKE_INTEG_HMAC_SHA2_256_128, key, 0, key, 32),
	    -ENOTSUP);
	/* AES-CTR's key is followed by its nonce, AES-CCM's by a 3-octet salt */
	ck_assert_int_eq(ike_sk_cipher_init(&c, IKE_ENCR_AES_CTR, 128, IKE_INTEG_HMAC_SHA2_256_128,
					    key, 16, key, 32),
			 -EINVAL);
	ck_assert_int_eq(
	    ike_sk_cipher_init(&c, IKE_ENCR_AES_CCM_16, 128, IKE_INTEG_NONE, key, 20, NULL, 0),
	    -EINVAL);
	ck_assert_int_eq(
	    ike_sk_cipher_init(&c, IKE_ENCR_AES_CCM_16, 128, IKE_INTEG_NONE, key, 19, NULL, 0), 0);
	ck_assert_int_eq(ike_sk_cipher_init(&c, IKE_ENCR_AES_CBC, 128, IKE_INTEG_HMAC_SHA2_256_128,
					    key, 16, key, 32),
			 0);
	ck_assert(ike_encr_ike_supported(IKE_ENCR_CHACHA20_POLY1305, 0));
	ck_assert(ike_encr_ike_supported(IKE_ENCR_AES_GCM_12, 128));
	ck_assert(!ike_encr_ike_supported(IKE_ENCR_NULL, 0));
}
END_TEST

/* The keys of each direction, from the key derivation: what the initiator
 * seals with SK_ei/SK_ai opens with the same keys only. */
START_TEST(test_sk_directions)
{
	static const struct ike_sa_algs algs[] = {
		{ IKE_ENCR_AES_GCM_16, 256, IKE_PRF_HMAC_SHA2_256, IKE_INTEG_NONE },
		{ IKE_ENCR_AES_CBC, 128, IKE_PRF_HMAC_SHA2_384, IKE_INTEG_HMAC_SHA2_512_256 },
		{ IKE_ENCR_CHACHA20_POLY1305, 0, IKE_PRF_HMAC_SHA2_512, IKE_INTEG_NONE },
	};
	struct kdf_inputs in;

	kdf_inputs(&in);
	for (size_t a = 0; a < sizeof(algs) / sizeof(algs[0]); a++) {
		struct ike_sa_keys keys;
		struct ike_sk_cipher i2r, r2i;
		uint8_t msg[256], copy[256], iv[16] = { 9, 8, 7 };
		size_t mlen, off, plen;

		ck_assert_int_eq(ike_sa_keys_derive(&keys, &algs[a], in.gir, in.gir_len, in.ni,
						    in.ni_len, in.nr, in.nr_len, in.spi_i,
						    in.spi_r),
				 0);
		ike_sk_cipher_from_keys(&i2r, &keys, true);
		ike_sk_cipher_from_keys(&r2i, &keys, false);
		ck_assert_ptr_eq(i2r.encr_key, keys.sk_ei);
		ck_assert_ptr_eq(r2i.encr_key, keys.sk_er);
		ck_assert_ptr_eq(i2r.integ_key, keys.integ ? keys.sk_ai : NULL);
		ck_assert_ptr_eq(r2i.integ_key, keys.integ ? keys.sk_ar : NULL);
		mlen = HDR_LEN + ike_sk_body_len(&i2r, 40);
		fill_header(msg);
		memset(msg + HDR_LEN + ike_sk_iv_len(&i2r), 0x42, 40);
		ck_assert_int_eq(ike_sk_seal(&i2r, msg, mlen, HDR_LEN, 40, iv), 0);
		memcpy(copy, msg, mlen);
		ck_assert_int_eq(ike_sk_open(&r2i, copy, mlen, HDR_LEN, &off, &plen), -EBADMSG);
		ck_assert_int_eq(ike_sk_open(&i2r, msg, mlen, HDR_LEN, &off, &plen), 0);
		ck_assert_uint_eq(plen, 40);
		ike_sa_keys_wipe(&keys);
	}
}
END_TEST

/* Published AEAD vectors through ike_sk_open and ike_sk_seal: the AAD is the
 * "header", the 12-octet nonce is salt (end of the key material) | IV. */
struct aead_kat {
	uint16_t encr, bits;
	const char *key, *nonce, *aad, *plain, *ct, *tag;
};

static const char rfc8439_plain[] =
    "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the "
    "future, sunscreen would be it.";

static const struct aead_kat aead_kats[] = {
	/* McGrew & Viega, "The Galois/Counter Mode of Operation", test case 4 */
	{ IKE_ENCR_AES_GCM_16, 128, "feffe9928665731c6d6a8f9467308308", "cafebabefacedbaddecaf888",
	  "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	  "42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e"
	  "21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091",
	  "5bc94fbc3221a5db94fae95ae7121a47" },
	/* ibid., test case 16 (AES-256) */
	{ IKE_ENCR_AES_GCM_16, 256,
	  "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308",
	  "cafebabefacedbaddecaf888", "feedfacedeadbeeffeedfacedeadbeefabaddad2",
	  "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
	  "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39",
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
	  "76fc6ece0f4e1768cddf8853bb2d551b" },
	/* RFC 8439 section 2.8.2 (plaintext given as text) */
	{ IKE_ENCR_CHACHA20_POLY1305, 0,
	  "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
	  "070000004041424344454647", "50515253c0c1c2c3c4c5c6c7", rfc8439_plain,
	  "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6"
	  "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36"
	  "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc"
	  "3ff4def08e4b7a9de576d26586cec64b6116",
	  "1ae10b594f09e26a7e902ecbd0600691" },
};

START_TEST(test_sk_aead_kat)
{
	const struct aead_kat *kat = &aead_kats[_i];
	uint8_t key[36], nonce[12], plain[128], ct[128], msg[256], tag[16];
	size_t key_len, aad_len, p_len, ct_len, off, plen, mlen;
	struct ike_sk_cipher c;

	key_len = unhex(kat->key, key, sizeof(key));
	ck_assert_uint_eq(unhex(kat->nonce, nonce, sizeof(nonce)), 12);
	memcpy(key + key_len, nonce, 4); /* the salt follows the key */
	aad_len = unhex(kat->aad, msg, sizeof(msg));
	if (kat->plain == rfc8439_plain) {
		p_len = strlen(kat->plain);
		memcpy(plain, kat->plain, p_len);
	} else {
		p_len = unhex(kat->plain, plain, sizeof(plain));
	}
	ct_len = unhex(kat->ct, ct, sizeof(ct));
	ck_assert_uint_eq(ct_len, p_len);
	ck_assert_uint_eq(unhex(kat->tag, tag, sizeof(tag)), 16);
	ck_assert_int_eq(
	    ike_sk_cipher_init(&c, kat->encr, kat->bits, IKE_INTEG_NONE, key, key_len + 4, NULL, 0),
	    0);

	/* open: AAD | IV | ciphertext | tag */
	memcpy(msg + aad_len, nonce + 4, 8);
	memcpy(msg + aad_len + 8, ct, ct_len);
	memcpy(msg + aad_len + 8 + ct_len, tag, 16);
	mlen = aad_len + 8 + ct_len + 16;
	ck_assert_int_eq(ike_sk_open(&c, msg, mlen, aad_len, &off, &plen), 0);
	ck_assert_uint_eq(off, aad_len + 8);
	/* the vector's last plaintext octet reads as the Pad Length */
	ck_assert_uint_eq(plen, p_len - 1 - plain[p_len - 1]);
	ck_assert_mem_eq(msg + off, plain, p_len);

	/* seal the first plen octets: same nonce, so same keystream */
	unhex(kat->aad, msg, sizeof(msg));
	memcpy(msg + aad_len + 8, plain, plen);
	mlen = aad_len + ike_sk_body_len(&c, plen);
	ck_assert_uint_eq(mlen, aad_len + 8 + plen + 1 + 16);
	ck_assert_int_eq(ike_sk_seal(&c, msg, mlen, aad_len, plen, nonce + 4), 0);
	for (size_t i = 0; i < plen; i++)
		ck_assert_uint_eq(msg[aad_len + 8 + i], ct[i]);
	/* Pad Length 0, encrypted with the keystream octet ct ^ plain */
	ck_assert_uint_eq(msg[aad_len + 8 + plen], ct[plen] ^ plain[plen]);
	ck_assert_int_eq(ike_sk_open(&c, msg, mlen, aad_len, &off, &plen), 0);
	ck_assert_mem_eq(msg + off, plain, plen);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ike_crypto");
	TCase *tc = tcase_create("prf");

	tcase_add_loop_test(tc, test_prf_rfc4231, 0, sizeof(rfc4231) / sizeof(rfc4231[0]));
	tcase_add_loop_test(tc, test_integ_truncation, 0, sizeof(rfc4231) / sizeof(rfc4231[0]));
	tcase_add_test(tc, test_prf_sha1_rfc2202);
	tcase_add_test(tc, test_prf_errors);
	tcase_add_test(tc, test_prf_plus);
	suite_add_tcase(s, tc);

	tc = tcase_create("kdf");
	tcase_add_test(tc, test_kdf_gcm_sha256);
	tcase_add_test(tc, test_kdf_cbc_sha384);
	tcase_add_test(tc, test_kdf_cbc_sha1);
	tcase_add_test(tc, test_kdf_rekey);
	tcase_add_test(tc, test_kdf_refuses);
	suite_add_tcase(s, tc);

	tc = tcase_create("sk");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_sk_roundtrip, 0, N_SK_SUITES);
	tcase_add_loop_test(tc, test_sk_open_reference, 0, N_SK_SUITES);
	tcase_add_test(tc, test_sk_cipher_init_refuses);
	tcase_add_test(tc, test_sk_directions);
	tcase_add_loop_test(tc, test_sk_aead_kat, 0, sizeof(aead_kats) / sizeof(aead_kats[0]));
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
