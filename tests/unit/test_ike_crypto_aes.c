/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The algorithms ike/crypto*.c gained with the algorithm table, against
 * published vectors (RFC 3566 and 4434 for AES-XCBC, RFC 4493 and 4615 for
 * AES-CMAC, RFC 3686 for AES-CTR, RFC 2202 for HMAC-MD5) and against values
 * computed independently by tests/unit/vectors/ike_aes_modes.py (key
 * derivation with the fixed-key PRFs; the Encrypted payload with AES-CTR,
 * AES-CCM, short-ICV AES-GCM, 3DES, AES-XCBC-96, AES-CMAC-96, HMAC-MD5-96).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

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

static void assert_hex(const uint8_t *buf, size_t len, const char *hex)
{
	uint8_t want[1024];
	size_t n = unhex(hex, want, sizeof(want));

	ck_assert_uint_eq(len, n);
	ck_assert_mem_eq(buf, want, n);
}

static void seq(uint8_t *buf, size_t n)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)i;
}

static void pattern(uint8_t *buf, size_t n, unsigned int mul, unsigned int add)
{
	for (size_t i = 0; i < n; i++)
		buf[i] = (uint8_t)(i * mul + add);
}

/* prf(key, msg) in one piece, then split at every point (with an empty
 * piece between): the MACs buffer their last block across updates. */
static void check_prf(uint16_t prf, const uint8_t *key, size_t key_len, const uint8_t *msg,
		      size_t len, const char *want)
{
	uint8_t out[IKE_PRF_MAX_LEN];
	struct ike_cbuf whole = { msg, len };

	ck_assert_int_eq(ike_prf(prf, key, key_len, &whole, 1, out, sizeof(out)), 0);
	assert_hex(out, ike_prf_len(prf), want);
	for (size_t cut = 0; cut <= len; cut++) {
		struct ike_cbuf parts[] = { { msg, cut }, { NULL, 0 }, { msg + cut, len - cut } };

		memset(out, 0, sizeof(out));
		ck_assert_int_eq(ike_prf(prf, key, key_len, parts, 3, out, sizeof(out)), 0);
		assert_hex(out, ike_prf_len(prf), want);
	}
}

/* ---- AES-XCBC: RFC 3566 section 4, RFC 4434 section 6 ---- */

static const struct {
	size_t len;
	const char *mac;
} rfc3566[] = {
	{ 0, "75f0251d528ac01c4573dfd584d79f29" },    { 3, "5b376580ae2f19afe7219ceef172756f" },
	{ 16, "d2a246fa349b68a79998a4394ff7a263" },   { 20, "47f51b4564966215b8985c63055ed308" },
	{ 32, "f54f0ec8d2b9f3d36807734bd5283fd4" },   { 34, "becbb3bccdb518a30677d5481fb6b4d8" },
	{ 1000, "f0dafee895db30253761103b5d84528f" },
};

START_TEST(test_xcbc_rfc3566)
{
	uint8_t key[16], msg[1000], icv[16];
	size_t len = rfc3566[_i].len;
	char want96[25];

	seq(key, sizeof(key));
	if (len == 1000)
		memset(msg, 0, sizeof(msg));
	else
		seq(msg, len);
	/* with a 128-bit key the PRF is the MAC itself */
	ck_assert_uint_eq(ike_prf_len(IKE_PRF_AES128_XCBC), 16);
	check_prf(IKE_PRF_AES128_XCBC, key, 16, msg, len, rfc3566[_i].mac);
	/* AES-XCBC-96 is its first 96 bits */
	ck_assert_uint_eq(ike_integ_key_len(IKE_INTEG_AES_XCBC_96), 16);
	ck_assert_uint_eq(ike_integ_icv_len(IKE_INTEG_AES_XCBC_96), 12);
	ck_assert_int_eq(ike_integ_icv(IKE_INTEG_AES_XCBC_96, key, 16, msg, len, icv, 12), 0);
	memcpy(want96, rfc3566[_i].mac, 24);
	want96[24] = '\0';
	assert_hex(icv, 12, want96);
	ck_assert_int_eq(ike_integ_icv(IKE_INTEG_AES_XCBC_96, key, 16, msg, len, icv, 11), -EINVAL);
	/* the MAC itself takes exactly a 128-bit key */
	ck_assert_int_eq(ike_integ_icv(IKE_INTEG_AES_XCBC_96, key, 15, msg, len, icv, 12), -EINVAL);
}
END_TEST

/* The PRF takes keys of any length (RFC 4434 section 2): shorter ones
 * padded with zeros, longer ones through AES-XCBC-MAC(0^128, key). */
START_TEST(test_xcbc_prf_rfc4434)
{
	uint8_t key[18], msg[20];

	seq(key, 16);
	key[16] = 0xed;
	key[17] = 0xcb;
	seq(msg, sizeof(msg));
	check_prf(IKE_PRF_AES128_XCBC, key, 16, msg, 20, "47f51b4564966215b8985c63055ed308");
	check_prf(IKE_PRF_AES128_XCBC, key, 10, msg, 20, "0fa087af7d866e7653434e602fdde835");
	check_prf(IKE_PRF_AES128_XCBC, key, 18, msg, 20, "8cd3c93ae598a9803006ffb67c40e9e4");
}
END_TEST

/* ---- AES-CMAC: RFC 4493 section 4, RFC 4615 section 4 ---- */

static const char cmac_key[] = "2b7e151628aed2a6abf7158809cf4f3c";
static const char cmac_msg[] = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51"
			       "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
static const struct {
	size_t len;
	const char *mac;
} rfc4493[] = {
	{ 0, "bb1d6929e95937287fa37d129b756746" },
	{ 16, "070a16b46b4d4144f79bdd9dd04a287c" },
	{ 40, "dfa66747de9ae63030ca32611497c827" },
	{ 64, "51f0bebf7e3b9d92fc49741779363cfe" },
};

START_TEST(test_cmac_rfc4493)
{
	uint8_t key[16], msg[64], icv[16];
	size_t len = rfc4493[_i].len;
	char want96[25];

	unhex(cmac_key, key, sizeof(key));
	unhex(cmac_msg, msg, sizeof(msg));
	ck_assert_uint_eq(ike_prf_len(IKE_PRF_AES128_CMAC), 16);
	check_prf(IKE_PRF_AES128_CMAC, key, 16, msg, len, rfc4493[_i].mac);
	ck_assert_uint_eq(ike_integ_key_len(IKE_INTEG_AES_CMAC_96), 16);
	ck_assert_uint_eq(ike_integ_icv_len(IKE_INTEG_AES_CMAC_96), 12);
	ck_assert_int_eq(ike_integ_icv(IKE_INTEG_AES_CMAC_96, key, 16, msg, len, icv, 12), 0);
	memcpy(want96, rfc4493[_i].mac, 24);
	want96[24] = '\0';
	assert_hex(icv, 12, want96);
	ck_assert_int_eq(ike_integ_icv(IKE_INTEG_AES_CMAC_96, key, 17, msg, len, icv, 12), -EINVAL);
}
END_TEST

/* Any other key length than 128 bits, shorter too, goes through
 * AES-CMAC(0^128, key) (RFC 4615 section 3). */
START_TEST(test_cmac_prf_rfc4615)
{
	uint8_t key[18], msg[20];

	seq(key, 16);
	key[16] = 0xed;
	key[17] = 0xcb;
	seq(msg, sizeof(msg));
	check_prf(IKE_PRF_AES128_CMAC, key, 18, msg, 20, "84a348a4a45d235babfffc0d2b4da09a");
	check_prf(IKE_PRF_AES128_CMAC, key, 16, msg, 20, "980ae87b5f4c9c5214f5b6a8455e4c2d");
	check_prf(IKE_PRF_AES128_CMAC, key, 10, msg, 20, "290d9e112edb09ee141fcf64c0b72f3d");
}
END_TEST

/* ---- HMAC-MD5: RFC 2202 section 2 ---- */

START_TEST(test_md5_rfc2202)
{
	uint8_t key[16], icv[12];
	const uint8_t *hi = (const uint8_t *)"Hi There";

	memset(key, 0x0b, sizeof(key));
	ck_assert_uint_eq(ike_prf_len(IKE_PRF_HMAC_MD5), 16);
	check_prf(IKE_PRF_HMAC_MD5, key, 16, hi, 8, "9294727a3638bb1c13f48ef8158bfc9d");
	check_prf(IKE_PRF_HMAC_MD5, (const uint8_t *)"Jefe", 4,
		  (const uint8_t *)"what do ya want for nothing?", 28,
		  "750c783e6ab0b503eaa86e310a5db738");
	ck_assert_uint_eq(ike_integ_key_len(IKE_INTEG_HMAC_MD5_96), 16);
	ck_assert_int_eq(ike_integ_icv(IKE_INTEG_HMAC_MD5_96, key, 16, hi, 8, icv, 12), 0);
	assert_hex(icv, 12, "9294727a3638bb1c13f48ef8");
}
END_TEST

/* ---- expected values from tests/unit/vectors/ike_aes_modes.py ---- */

/* generated by tests/unit/vectors/ike_aes_modes.py */
static const char kdf_xcbc_keys[] =
    "9d4bcfe711f18462b28964c4d7ee15b7cdbe19d2b8b10ece8d23d5cd6bb0e859"
    "2f1dc5a6acd376e27decddfabd8c6c8a52bce99f9c76650f38b656242253eb7d"
    "abd6ea3e64e3bf713c496243fe245ab0ba1cd1dfef9b0b8222cf57efb61b61ac"
    "54a5dc0c0a8a35969dd92442dd63f01695d73353feac83dc";
static const char kdf_xcbc_child_keymat[] =
    "b94ffbba8ef50f9f199932ca69885e4261a8591be7f9c9f828e3c66f364f520f"
    "10bec43078f5d1fee507a43dadec78e7e489064805fa17ba9479ef93cd93f6f6"
    "48574a6c04074c63";
static const char kdf_cmac_keys[] =
    "0e44d34816ff193f5b02ad4e6fd0aebd3369cbe798c2304680dbccd7ef2ccb7e"
    "2761c99bb68376d6070f4f22728fbed930340154e62d04a7aea2d211de4d2b27"
    "025beb3e6567a6015e4dff7a15c127e5410d625ccf45809d5f6892977e5ac781"
    "6611fb3893fe43479a08853d5b95ab5ba4352c7e1783";
static const char kdf_cmac_child_keymat[] =
    "48fa3442eb4de41fb28f020e23822347f493e5b0c7cdd5b5428ffc07373c2f4f"
    "b632810879c158daa4e0cf28a669f102f3c3267b9a5829b2094deef1432bc446"
    "e0c68a83e088be2b";
static const char sk_ctr128_xcbc[] =
    "151a1f24292e3338138d7fb50d361997dab10b8975cca64209923c1a7ec0fb3e"
    "8a18a0117a253ae850ae";
static const char sk_ctr256_sha256[] =
    "151a1f24292e333874febb2cae15324e4d78be3e02da953805aef1fc1fc3f912"
    "5f61602cacf8d2abfe842be354af";
static const char sk_cbc128_cmac[] =
    "151a1f24292e33383d42474c51565b609dba5a48f75967bd1d93bbcdd02aec65"
    "42a270daa707822b33db3ec659711e0330c30876fbe9d3ea1125ca00";
static const char sk_3des_md5[] = "151a1f24292e33384e11103ee1b1405842a397cc5854cb3acbbbfb774ad1e8ff"
				  "f259c13de0e4b1db67a29e0a";
static const char sk_ccm128_8[] = "151a1f24292e333868c5b280d4659228c9e8ab63e810f3a33445edb53a16401f"
				  "3f5478905ea0";
static const char sk_ccm192_12[] =
    "151a1f24292e3338a20c4bafb723f9d194dddb5afc9a1be0615c8455809b1be1"
    "d4788f785a5bcafa5ed2";
static const char sk_ccm256_16[] =
    "151a1f24292e3338a0556cf9e489919a943ea86b156f27055b889953a4659a7a"
    "73b20ecbc92172747b6e13df721b";
static const char sk_gcm128_8[] = "151a1f24292e3338b922ecea8efa5191c9b60bdfb6d8ea718e4a4d80c592496d"
				  "d32ca6ae701f";
static const char sk_gcm256_12[] =
    "151a1f24292e3338b51e210ceff9aa040bc6a23cc5fda3391e879b759400a59b"
    "b375e5c3bc300a5e499a";

/* the inputs of tests/unit/vectors/ikev2_kdf.py */
static const char kdf_ni[] = "01080f161d242b323940474e555c636a71787f868d949ba2a9b0b7bec5ccd3da";
static const char kdf_nr[] = "05121f2c394653606d7a8794a1aebbc8d5e2effc091623303d4a5764717e8b98"
			     "a5b2bfccd9e6f3000d1a2734414e5b68";
static const char kdf_spi_i[] = "0102030405060708";
static const char kdf_spi_r[] = "1112131415161718";

/*
 * With a fixed-key PRF, SKEYSEED = prf(first 64 bits of Ni | first 64 bits
 * of Nr, g^ir) (RFC 7296 2.14); prf+ is keyed with the 128-bit SKEYSEED.
 * XCBC: AES-CTR-128 and AES-XCBC-96; CMAC: AES-CCM-16 with a 256-bit key.
 */
START_TEST(test_kdf_fixed_key_prf)
{
	const struct {
		struct ike_sa_algs algs;
		const char *keys, *child;
		size_t integ_len, encr_len;
	} suites[] = {
		{ { IKE_ENCR_AES_CTR, 128, IKE_PRF_AES128_XCBC, IKE_INTEG_AES_XCBC_96 },
		  kdf_xcbc_keys,
		  kdf_xcbc_child_keymat,
		  16,
		  20 },
		{ { IKE_ENCR_AES_CCM_16, 256, IKE_PRF_AES128_CMAC, IKE_INTEG_NONE },
		  kdf_cmac_keys,
		  kdf_cmac_child_keymat,
		  0,
		  35 },
	};
	const struct ike_child_algs child = { IKE_ENCR_AES_CTR, 128, IKE_INTEG_AES_XCBC_96 };
	uint8_t ni[32], nr[48], spi_i[8], spi_r[8], gir[256], all[256], *p;
	struct ike_sa_keys k;
	struct ike_child_keys ck;

	unhex(kdf_ni, ni, sizeof(ni));
	unhex(kdf_nr, nr, sizeof(nr));
	unhex(kdf_spi_i, spi_i, sizeof(spi_i));
	unhex(kdf_spi_r, spi_r, sizeof(spi_r));
	pattern(gir, sizeof(gir), 31, 17);
	for (size_t s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
		size_t il = suites[s].integ_len, el = suites[s].encr_len;

		ck_assert_int_eq(ike_sa_algs_check(&suites[s].algs), 0);
		ck_assert_int_eq(ike_sa_keys_derive(&k, &suites[s].algs, gir, sizeof(gir), ni,
						    sizeof(ni), nr, sizeof(nr), spi_i, spi_r),
				 0);
		ck_assert_uint_eq(k.prf_len, 16);
		ck_assert_uint_eq(k.integ_len, il);
		ck_assert_uint_eq(k.encr_len, el);
		p = all;
		memcpy(p, k.sk_d, 16), p += 16;
		memcpy(p, k.sk_ai, il), p += il;
		memcpy(p, k.sk_ar, il), p += il;
		memcpy(p, k.sk_ei, el), p += el;
		memcpy(p, k.sk_er, el), p += el;
		memcpy(p, k.sk_pi, 16), p += 16;
		memcpy(p, k.sk_pr, 16), p += 16;
		assert_hex(all, (size_t)(p - all), suites[s].keys);

		ck_assert_int_eq(
		    ike_child_keys_derive(&ck, &k, &child, NULL, 0, ni, sizeof(ni), nr, sizeof(nr)),
		    0);
		ck_assert_uint_eq(ck.encr_len, 20);
		ck_assert_uint_eq(ck.integ_len, 16);
		p = all;
		memcpy(p, ck.encr_i, 20), p += 20;
		memcpy(p, ck.integ_i, 16), p += 16;
		memcpy(p, ck.encr_r, 20), p += 20;
		memcpy(p, ck.integ_r, 16), p += 16;
		assert_hex(all, (size_t)(p - all), suites[s].child);
		ike_child_keys_wipe(&ck);
		/* nonces shorter than 64 bits cannot key it */
		ck_assert_int_eq(ike_sa_keys_derive(&k, &suites[s].algs, gir, sizeof(gir), ni, 7,
						    nr, sizeof(nr), spi_i, spi_r),
				 -EINVAL);
		ike_sa_keys_wipe(&k);
	}
}
END_TEST

/* ---- the Encrypted payload ---- */

#define HDR_LEN 32 /* IKE header and the SK payload's generic header: the AAD */
#define PLAIN_LEN 21

static const struct sk_kat {
	uint16_t encr, bits, integ;
	const char *body; /* IV | ciphertext | ICV */
} sk_kats[] = {
	{ IKE_ENCR_AES_CTR, 128, IKE_INTEG_AES_XCBC_96, sk_ctr128_xcbc },
	{ IKE_ENCR_AES_CTR, 256, IKE_INTEG_HMAC_SHA2_256_128, sk_ctr256_sha256 },
	{ IKE_ENCR_AES_CBC, 128, IKE_INTEG_AES_CMAC_96, sk_cbc128_cmac },
	{ IKE_ENCR_3DES, 0, IKE_INTEG_HMAC_MD5_96, sk_3des_md5 },
	{ IKE_ENCR_AES_CCM_8, 128, IKE_INTEG_NONE, sk_ccm128_8 },
	{ IKE_ENCR_AES_CCM_12, 192, IKE_INTEG_NONE, sk_ccm192_12 },
	{ IKE_ENCR_AES_CCM_16, 256, IKE_INTEG_NONE, sk_ccm256_16 },
	{ IKE_ENCR_AES_GCM_8, 128, IKE_INTEG_NONE, sk_gcm128_8 },
	{ IKE_ENCR_AES_GCM_12, 256, IKE_INTEG_NONE, sk_gcm256_12 },
};

/* The keys and the message as the script builds them. */
static void sk_kat_setup(const struct sk_kat *t, struct ike_sk_cipher *c, uint8_t *ekey,
			 uint8_t *akey, uint8_t *msg, uint8_t *iv)
{
	size_t elen = ike_esp_encr_key_len(t->encr, t->bits);
	size_t alen = t->integ ? ike_integ_key_len(t->integ) : 0;

	ck_assert_uint_ne(elen, 0);
	pattern(ekey, elen, 29, 7);
	pattern(akey, alen, 41, 3);
	pattern(iv, 16, 5, PLAIN_LEN);
	ck_assert_int_eq(
	    ike_sk_cipher_init(c, t->encr, t->bits, t->integ, ekey, elen, alen ? akey : NULL, alen),
	    0);
	pattern(msg, HDR_LEN, 7, 1);
	pattern(msg + HDR_LEN + ike_sk_iv_len(c), PLAIN_LEN, 11, 3);
}

START_TEST(test_sk_kat)
{
	const struct sk_kat *t = &sk_kats[_i];
	uint8_t ekey[40], akey[64], iv[16], msg[256], want[200], copy[256];
	struct ike_sk_cipher c;
	size_t body, mlen, off, plen;

	sk_kat_setup(t, &c, ekey, akey, msg, iv);
	body = unhex(t->body, want, sizeof(want));
	ck_assert_uint_eq(ike_sk_body_len(&c, PLAIN_LEN), body);
	mlen = HDR_LEN + body;
	ck_assert_int_eq(ike_sk_seal(&c, msg, mlen, HDR_LEN, PLAIN_LEN, iv), 0);
	ck_assert_mem_eq(msg + HDR_LEN, want, body);
	memcpy(copy, msg, mlen);
	ck_assert_int_eq(ike_sk_open(&c, msg, mlen, HDR_LEN, &off, &plen), 0);
	ck_assert_uint_eq(off, HDR_LEN + ike_sk_iv_len(&c));
	ck_assert_uint_eq(plen, PLAIN_LEN);
	for (size_t i = 0; i < PLAIN_LEN; i++)
		ck_assert_uint_eq(msg[off + i], (uint8_t)(i * 11 + 3));
	/* any bit of the header, IV, ciphertext or ICV is authenticated */
	for (size_t bit = 0; bit < mlen * 8; bit++) {
		memcpy(msg, copy, mlen);
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		ck_assert_int_eq(ike_sk_open(&c, msg, mlen, HDR_LEN, &off, &plen), -EBADMSG);
	}
}
END_TEST

/* RFC 3686 section 6, vectors #1, #2 and #7, through ike_sk_seal: the key
 * material is key | nonce, the IV the vector's; the ciphertext is followed
 * by the encrypted Pad Length (0: AES-CTR needs no padding, RFC 5930). */
START_TEST(test_ctr_rfc3686)
{
	static const struct {
		uint16_t bits;
		const char *key, *nonce, *iv, *plain, *ct;
	} v[] = {
		{ 128, "ae6852f8121067cc4bf7a5765577f39e", "00000030", "0000000000000000",
		  "53696e676c6520626c6f636b206d7367", "e4095d4fb7a7b3792d6175a3261311b8" },
		{ 128, "7e24067817fae0d743d6ce1f32539163", "006cb6db", "c0543b59da48d90b",
		  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		  "5104a106168a72d9790d41ee8edad388eb2e1efc46da57c8fce630df9141be28" },
		{ 256, "776beff2851db06f4c8a0542c8696f6c6a81af1eec96b4d37fc1d689e6c1c104",
		  "00000060", "db5672c97aa8f0b2", "53696e676c6520626c6f636b206d7367",
		  "145ad01dbf824ec7560863dc71e3e0c0" },
	};
	uint8_t key[36], akey[32] = { 0 }, iv[8], plain[32], ct[32], msg[128];
	struct ike_sk_cipher c;
	size_t kl, pl, mlen, off, plen;

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		kl = unhex(v[i].key, key, sizeof(key));
		ck_assert_uint_eq(kl, v[i].bits / 8u);
		unhex(v[i].nonce, key + kl, 4);
		unhex(v[i].iv, iv, sizeof(iv));
		pl = unhex(v[i].plain, plain, sizeof(plain));
		unhex(v[i].ct, ct, sizeof(ct));
		ck_assert_int_eq(ike_sk_cipher_init(&c, IKE_ENCR_AES_CTR, v[i].bits,
						    IKE_INTEG_HMAC_SHA2_256_128, key, kl + 4, akey,
						    sizeof(akey)),
				 0);
		ck_assert_uint_eq(ike_sk_iv_len(&c), 8);
		ck_assert_uint_eq(ike_sk_block_len(&c), 1);
		ck_assert_uint_eq(ike_sk_ct_len(&c, pl), pl + 1);
		mlen = HDR_LEN + ike_sk_body_len(&c, pl);
		memset(msg, 0, HDR_LEN);
		memcpy(msg + HDR_LEN + 8, plain, pl);
		ck_assert_int_eq(ike_sk_seal(&c, msg, mlen, HDR_LEN, pl, iv), 0);
		ck_assert_mem_eq(msg + HDR_LEN, iv, 8);
		ck_assert_mem_eq(msg + HDR_LEN + 8, ct, pl);
		ck_assert_int_eq(ike_sk_open(&c, msg, mlen, HDR_LEN, &off, &plen), 0);
		ck_assert_uint_eq(plen, pl);
		ck_assert_mem_eq(msg + off, plain, pl);
	}
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ike_crypto_aes");
	TCase *tc = tcase_create("mac");

	tcase_add_loop_test(tc, test_xcbc_rfc3566, 0, sizeof(rfc3566) / sizeof(rfc3566[0]));
	tcase_add_test(tc, test_xcbc_prf_rfc4434);
	tcase_add_loop_test(tc, test_cmac_rfc4493, 0, sizeof(rfc4493) / sizeof(rfc4493[0]));
	tcase_add_test(tc, test_cmac_prf_rfc4615);
	tcase_add_test(tc, test_md5_rfc2202);
	tcase_add_test(tc, test_kdf_fixed_key_prf);
	suite_add_tcase(s, tc);

	tc = tcase_create("sk");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_sk_kat, 0, sizeof(sk_kats) / sizeof(sk_kats[0]));
	tcase_add_test(tc, test_ctr_rfc3686);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
