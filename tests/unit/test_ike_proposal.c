// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>

#include "ike/proposal.h"
#include "tests/unit/unit.h"

#define MAXP 8
#define T(type, id, kl)                                                                            \
	{                                                                                          \
		IKE_TRANS_##type, id, kl                                                           \
	}
#define END                                                                                        \
	{                                                                                          \
		0, 0, 0                                                                            \
	}

struct parse_case {
	const char *str;
	uint8_t proto;
	struct ike_transform want[16]; /* of the first proposal, END-terminated */
};

static const struct parse_case parse_cases[] = {
	{ "aes256gcm16-prfsha384-x25519",
	  IKE_PROTO_IKE,
	  { T(ENCR, IKE_ENCR_AES_GCM_16, 256), T(PRF, IKE_PRF_HMAC_SHA2_384, 0),
	    T(DH, IKE_DH_CURVE25519, 0), END } },
	/* PRF derived from the integrity algorithm */
	{ "aes128-sha256-modp2048",
	  IKE_PROTO_IKE,
	  { T(ENCR, IKE_ENCR_AES_CBC, 128), T(PRF, IKE_PRF_HMAC_SHA2_256, 0),
	    T(INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0), T(DH, IKE_DH_MODP2048, 0), END } },
	{ "aes256gcm16-x25519",
	  IKE_PROTO_ESP,
	  { T(ENCR, IKE_ENCR_AES_GCM_16, 256), T(DH, IKE_DH_CURVE25519, 0), T(ESN, IKE_ESN_NO, 0),
	    END } },
	/* ESP without group: no DH transform; noesn implied */
	{ "aes128gcm16",
	  IKE_PROTO_ESP,
	  { T(ENCR, IKE_ENCR_AES_GCM_16, 128), T(ESN, IKE_ESN_NO, 0), END } },
	{ "aes128-aes256-sha256-modp2048-ecp256",
	  IKE_PROTO_IKE,
	  { T(ENCR, IKE_ENCR_AES_CBC, 128), T(ENCR, IKE_ENCR_AES_CBC, 256),
	    T(PRF, IKE_PRF_HMAC_SHA2_256, 0), T(INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0),
	    T(DH, IKE_DH_MODP2048, 0), T(DH, IKE_DH_ECP256, 0), END } },
	/* ICV aliases: gcm64 = gcm8, gcm96 = gcm12, gcm128 = gcm = gcm16 */
	{ "aes128gcm8-aes128gcm64-aes192gcm12-aes256gcm96-aes256gcm128-aes256gcm-aes192gcm",
	  IKE_PROTO_ESP,
	  { T(ENCR, IKE_ENCR_AES_GCM_8, 128), T(ENCR, IKE_ENCR_AES_GCM_12, 192),
	    T(ENCR, IKE_ENCR_AES_GCM_12, 256), T(ENCR, IKE_ENCR_AES_GCM_16, 256),
	    T(ENCR, IKE_ENCR_AES_GCM_16, 192), T(ESN, IKE_ESN_NO, 0), END } },
	{ "chacha20poly1305-prfsha256-curve25519-x448",
	  IKE_PROTO_IKE,
	  { T(ENCR, IKE_ENCR_CHACHA20_POLY1305, 0), T(PRF, IKE_PRF_HMAC_SHA2_256, 0),
	    T(DH, IKE_DH_CURVE25519, 0), T(DH, IKE_DH_CURVE448, 0), END } },
	{ "aes128ctr-aes192ctr-sha2_256-sha2_384-sha2_512-sha1-ecp384",
	  IKE_PROTO_IKE,
	  { T(ENCR, IKE_ENCR_AES_CTR, 128), T(ENCR, IKE_ENCR_AES_CTR, 192),
	    T(PRF, IKE_PRF_HMAC_SHA2_256, 0), T(PRF, IKE_PRF_HMAC_SHA2_384, 0),
	    T(PRF, IKE_PRF_HMAC_SHA2_512, 0), T(PRF, IKE_PRF_HMAC_SHA1, 0),
	    T(INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0), T(INTEG, IKE_INTEG_HMAC_SHA2_384_192, 0),
	    T(INTEG, IKE_INTEG_HMAC_SHA2_512_256, 0), T(INTEG, IKE_INTEG_HMAC_SHA1_96, 0),
	    T(DH, IKE_DH_ECP384, 0), END } },
	/* AEAD with an integrity keyword: the PRF is derived, then INTEG goes */
	{ "aes256gcm16-sha384-ecp521",
	  IKE_PROTO_IKE,
	  { T(ENCR, IKE_ENCR_AES_GCM_16, 256), T(PRF, IKE_PRF_HMAC_SHA2_384, 0),
	    T(DH, IKE_DH_ECP521, 0), END } },
	{ "aes128-sha256-modp2048-esn-noesn",
	  IKE_PROTO_ESP,
	  { T(ENCR, IKE_ENCR_AES_CBC, 128), T(INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0),
	    T(DH, IKE_DH_MODP2048, 0), T(ESN, IKE_ESN_YES, 0), T(ESN, IKE_ESN_NO, 0), END } },
	/* an explicit PRF: nothing derived */
	{ "aes128-sha256-prfsha512-modp3072",
	  IKE_PROTO_IKE,
	  { T(ENCR, IKE_ENCR_AES_CBC, 128), T(PRF, IKE_PRF_HMAC_SHA2_512, 0),
	    T(INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0), T(DH, IKE_DH_MODP3072, 0), END } },
	/* ESP drops PRFs, as strongSwan does */
	{ "aes128-sha1-prfsha1-modp2048",
	  IKE_PROTO_ESP,
	  { T(ENCR, IKE_ENCR_AES_CBC, 128), T(INTEG, IKE_INTEG_HMAC_SHA1_96, 0),
	    T(DH, IKE_DH_MODP2048, 0), T(ESN, IKE_ESN_NO, 0), END } },
	{ " aes128 - sha256 -\tmodp2048 ",
	  IKE_PROTO_IKE,
	  { T(ENCR, IKE_ENCR_AES_CBC, 128), T(PRF, IKE_PRF_HMAC_SHA2_256, 0),
	    T(INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0), T(DH, IKE_DH_MODP2048, 0), END } },
	/* optional PFS in ESP */
	{ "aes128-sha256-modp2048-none",
	  IKE_PROTO_ESP,
	  { T(ENCR, IKE_ENCR_AES_CBC, 128), T(INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0),
	    T(DH, IKE_DH_MODP2048, 0), T(DH, IKE_DH_NONE, 0), T(ESN, IKE_ESN_NO, 0), END } },
	/* "none" is dropped from IKE proposals */
	{ "aes128-sha256-modpnone-ecp256",
	  IKE_PROTO_IKE,
	  { T(ENCR, IKE_ENCR_AES_CBC, 128), T(PRF, IKE_PRF_HMAC_SHA2_256, 0),
	    T(INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0), T(DH, IKE_DH_ECP256, 0), END } },
	/* "aes" is AES-128-CBC; ESP NULL encryption with integrity */
	{ "aes-sha1-null",
	  IKE_PROTO_ESP,
	  { T(ENCR, IKE_ENCR_AES_CBC, 128), T(ENCR, IKE_ENCR_NULL, 0),
	    T(INTEG, IKE_INTEG_HMAC_SHA1_96, 0), T(ESN, IKE_ESN_NO, 0), END } },
	/* AES-CMAC: integrity, and the PRF strongSwan derives from it */
	{ "aes128ccm16-aescmac-modp8192",
	  IKE_PROTO_IKE,
	  { T(ENCR, IKE_ENCR_AES_CCM_16, 128), T(PRF, IKE_PRF_AES128_CMAC, 0),
	    T(DH, IKE_DH_MODP8192, 0), END } },
	{ "3des-md5-aescmac-modp1024",
	  IKE_PROTO_IKE,
	  { T(ENCR, IKE_ENCR_3DES, 0), T(PRF, IKE_PRF_HMAC_MD5, 0), T(PRF, IKE_PRF_AES128_CMAC, 0),
	    T(INTEG, IKE_INTEG_HMAC_MD5_96, 0), T(INTEG, IKE_INTEG_AES_CMAC_96, 0),
	    T(DH, IKE_DH_MODP1024, 0), END } },
	/* the order of kinds does not matter */
	{ "modp4096-sha512-aes192",
	  IKE_PROTO_IKE,
	  { T(ENCR, IKE_ENCR_AES_CBC, 192), T(PRF, IKE_PRF_HMAC_SHA2_512, 0),
	    T(INTEG, IKE_INTEG_HMAC_SHA2_512_256, 0), T(DH, IKE_DH_MODP4096, 0), END } },
	/* duplicates are offered once */
	{ "aes128-aes128-sha256-sha2_256-x25519-curve25519",
	  IKE_PROTO_IKE,
	  { T(ENCR, IKE_ENCR_AES_CBC, 128), T(PRF, IKE_PRF_HMAC_SHA2_256, 0),
	    T(INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0), T(DH, IKE_DH_CURVE25519, 0), END } },
	{ "aes256ctr-aesxcbc-modp1536",
	  IKE_PROTO_IKE,
	  { T(ENCR, IKE_ENCR_AES_CTR, 256), T(PRF, IKE_PRF_AES128_XCBC, 0),
	    T(INTEG, IKE_INTEG_AES_XCBC_96, 0), T(DH, IKE_DH_MODP1536, 0), END } },
	{ "aes192ccm12-aes128ccm8-aes256ccm-esn",
	  IKE_PROTO_ESP,
	  { T(ENCR, IKE_ENCR_AES_CCM_12, 192), T(ENCR, IKE_ENCR_AES_CCM_8, 128),
	    T(ENCR, IKE_ENCR_AES_CCM_16, 256), T(ESN, IKE_ESN_YES, 0), END } },
};

static size_t want_len(const struct ike_transform *w)
{
	size_t n = 0;

	while (w[n].type)
		n++;
	return n;
}

static void assert_transforms(const struct ike_proposal *p, const struct ike_transform *want,
			      const char *what)
{
	size_t n = want_len(want);

	ck_assert_msg(p->n_transforms == n, "%s: %u transforms, want %zu", what, p->n_transforms,
		      n);
	for (size_t i = 0; i < n; i++) {
		const struct ike_transform *t = &p->transforms[i];

		ck_assert_msg(t->type == want[i].type && t->id == want[i].id &&
				  t->key_len == want[i].key_len,
			      "%s: transform %zu is %u/%u/%u, want %u/%u/%u", what, i, t->type,
			      t->id, t->key_len, want[i].type, want[i].id, want[i].key_len);
	}
}

START_TEST(test_parse_table)
{
	const struct parse_case *c = &parse_cases[_i];
	struct ike_proposal p[MAXP];
	char err[IKE_PROPOSAL_ERR_LEN];
	size_t n = 99;
	int ret;

	ret = ike_proposals_parse(c->str, c->proto, p, MAXP, &n, err, sizeof(err));
	ck_assert_msg(ret == 0, "'%s': %d %s", c->str, ret, err);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(p[0].num, 1);
	ck_assert_uint_eq(p[0].protocol, c->proto);
	ck_assert_uint_eq(p[0].spi_len, 0);
	assert_transforms(&p[0], c->want, c->str);
}
END_TEST

/* The short format reads back to the same transforms. */
START_TEST(test_short_format_roundtrip)
{
	const struct parse_case *c = &parse_cases[_i];
	struct ike_proposal p[MAXP], q[MAXP];
	char buf[512], err[IKE_PROPOSAL_ERR_LEN];
	size_t n, m;
	int len;

	ck_assert_int_eq(ike_proposals_parse(c->str, c->proto, p, MAXP, &n, err, sizeof(err)), 0);
	len = ike_proposal_format(&p[0], IKE_FMT_SHORT, buf, sizeof(buf));
	ck_assert_int_eq(len, (int)strlen(buf));
	ck_assert_msg(ike_proposals_parse(buf, c->proto, q, MAXP, &m, err, sizeof(err)) == 0,
		      "'%s' -> '%s': %s", c->str, buf, err);
	ck_assert_uint_eq(m, 1);
	/* the IKE PRF derivation may add PRFs only where none were printed */
	ck_assert_uint_eq(q[0].n_transforms, p[0].n_transforms);
	ck_assert_mem_eq(q[0].transforms, p[0].transforms,
			 p[0].n_transforms * sizeof(struct ike_transform));
}
END_TEST

START_TEST(test_parse_list)
{
	struct ike_proposal p[MAXP];
	char err[IKE_PROPOSAL_ERR_LEN];
	size_t n;
	static const struct ike_transform second[] = { T(ENCR, IKE_ENCR_AES_GCM_16, 256),
						       T(PRF, IKE_PRF_HMAC_SHA2_384, 0),
						       T(DH, IKE_DH_CURVE25519, 0), END };

	ck_assert_int_eq(ike_proposals_parse("aes128-sha256-modp2048, aes256gcm16-prfsha384-x25519",
					     IKE_PROTO_IKE, p, MAXP, &n, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(p[0].num, 1);
	ck_assert_uint_eq(p[1].num, 2);
	ck_assert_uint_eq(p[0].transforms[0].id, IKE_ENCR_AES_CBC);
	assert_transforms(&p[1], second, "second");
}
END_TEST

START_TEST(test_parse_default)
{
	struct ike_proposal p[MAXP];
	char err[IKE_PROPOSAL_ERR_LEN];
	size_t n;

	ck_assert_int_eq(
	    ike_proposals_parse("default", IKE_PROTO_IKE, p, MAXP, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 2);
	/* classic: 3 AES-CBC, 4 PRF, 4 INTEG, 10 groups */
	ck_assert_uint_eq(p[0].n_transforms, 3 + 4 + 4 + 10);
	ck_assert(ike_proposals_have_dh(p, 2, IKE_DH_MODP8192));
	ck_assert(!ike_proposals_have_dh(p, 2, IKE_DH_MODP1024));
	ck_assert_uint_eq(p[0].transforms[0].type, IKE_TRANS_ENCR);
	ck_assert_uint_eq(p[0].transforms[0].key_len, 128);
	ck_assert(ike_proposals_have_dh(p, 1, IKE_DH_CURVE25519));
	ck_assert_uint_eq(ike_proposals_preferred_dh(p, n), IKE_DH_ECP256);
	/* AEAD: 3 GCM16, ChaCha20, 3 GCM12, 3 GCM8, 4 PRF, no INTEG, 10 groups */
	ck_assert_uint_eq(p[1].n_transforms, 3 + 1 + 3 + 3 + 4 + 10);
	for (size_t i = 0; i < p[1].n_transforms; i++)
		ck_assert_uint_ne(p[1].transforms[i].type, IKE_TRANS_INTEG);
	ck_assert_uint_eq(p[1].num, 2);

	/* ESP: AES-CBC with three HMAC-SHA2, HMAC-SHA1 and AES-XCBC, and
	 * AES-GCM-16 */
	ck_assert_int_eq(
	    ike_proposals_parse("default", IKE_PROTO_ESP, p, MAXP, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(p[0].n_transforms, 3 + 5 + 1);
	ck_assert_uint_eq(p[1].n_transforms, 3 + 1);
	ck_assert_uint_eq(p[0].transforms[7].id, IKE_INTEG_AES_XCBC_96);

	/* case-insensitive, combinable with explicit proposals */
	ck_assert_int_eq(ike_proposals_parse("aes128gcm16-x25519, DEFAULT", IKE_PROTO_ESP, p, MAXP,
					     &n, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(p[2].num, 3);
	ck_assert_uint_eq(p[1].transforms[0].id, IKE_ENCR_AES_CBC);
	ck_assert_uint_eq(p[2].transforms[0].id, IKE_ENCR_AES_GCM_16);
	ck_assert_uint_eq(p[2].transforms[p[2].n_transforms - 1].type, IKE_TRANS_ESN);
	ck_assert_int_eq(ike_proposals_parse("default", IKE_PROTO_ESP, p, 1, &n, err, sizeof(err)),
			 -ENOSPC);
}
END_TEST

struct err_case {
	const char *str;
	uint8_t proto;
	int ret;
	const char *msg; /* exact */
};

static const struct err_case err_cases[] = {
	{ "aes257-sha256-modp2048", IKE_PROTO_IKE, -EINVAL,
	  "unknown algorithm 'aes257' in proposal 'aes257-sha256-modp2048'" },
	{ "aes128-sha256-modp2048, aes128-foo-ecp256", IKE_PROTO_IKE, -EINVAL,
	  "unknown algorithm 'foo' in proposal 'aes128-foo-ecp256'" },
	/* keywords are case-sensitive in strongSwan too */
	{ "AES128-sha256-modp2048", IKE_PROTO_ESP, -EINVAL,
	  "unknown algorithm 'AES128' in proposal 'AES128-sha256-modp2048'" },
	{ "aes128-sha256", IKE_PROTO_IKE, -EINVAL,
	  "a key exchange method (DH group) is mandatory in IKE proposals: add one (e.g. "
	  "x25519) to proposal 'aes128-sha256'" },
	{ "aes128-sha256-none", IKE_PROTO_IKE, -EINVAL,
	  "a key exchange method (DH group) is mandatory in IKE proposals: add one (e.g. "
	  "x25519) to proposal 'aes128-sha256-none'" },
	/* strongSwan does not invent a PRF for an AEAD-only IKE proposal */
	{ "aes256gcm16-x25519", IKE_PROTO_IKE, -EINVAL,
	  "a PRF is mandatory in IKE proposals: add one (e.g. prfsha256) to proposal "
	  "'aes256gcm16-x25519'" },
	{ "aes128-aes128gcm16-sha256-modp2048", IKE_PROTO_ESP, -EINVAL,
	  "classic and combined-mode (AEAD) encryption algorithms can't be mixed in one ESP "
	  "proposal: 'aes128-aes128gcm16-sha256-modp2048' (use two proposals)" },
	{ "aes128-prfsha256-modp2048", IKE_PROTO_IKE, -EINVAL,
	  "an integrity algorithm is mandatory in IKE proposals with classic (non-AEAD) "
	  "encryption: none in proposal 'aes128-prfsha256-modp2048'" },
	{ "sha256-modp2048", IKE_PROTO_ESP, -EINVAL,
	  "an encryption algorithm is mandatory in ESP proposals: none in proposal "
	  "'sha256-modp2048'" },
	{ "aes128--sha256", IKE_PROTO_ESP, -EINVAL,
	  "empty algorithm in proposal 'aes128--sha256'" },
	{ "aes128-sha256-", IKE_PROTO_ESP, -EINVAL,
	  "empty algorithm in proposal 'aes128-sha256-'" },
	{ "aes128-sha256,", IKE_PROTO_ESP, -EINVAL, "empty proposal in 'aes128-sha256,'" },
	{ "", IKE_PROTO_ESP, -EINVAL, "empty proposal in ''" },
	{ " , aes128", IKE_PROTO_ESP, -EINVAL, "empty proposal in ' , aes128'" },
	{ "aes128gcm16,aes128gcm16,aes128gcm16,aes128gcm16,aes128gcm16,aes128gcm16,aes128gcm16,"
	  "aes128gcm16,aes128gcm16",
	  IKE_PROTO_ESP, -ENOSPC, NULL },
	{ "aes128", IKE_PROTO_AH, -EINVAL, "unsupported protocol 2 for proposals" },
	/* what the algorithm table does not allow in the protocol */
	{ "aes128-aes256-sha256-x25519, null-sha256-x25519", IKE_PROTO_IKE, -EINVAL,
	  "'null' cannot be used in IKE (only in esp_proposals), in proposal "
	  "'null-sha256-x25519'" },
	{ "aes128gcm16-prfsha256-x25519-esn", IKE_PROTO_IKE, -EINVAL,
	  "'esn' cannot be used in IKE (extended sequence numbers are for ESP), in proposal "
	  "'aes128gcm16-prfsha256-x25519-esn'" },
	{ "aes128gcm16-camellia", IKE_PROTO_ESP, -EINVAL,
	  "unknown algorithm 'camellia' in proposal 'aes128gcm16-camellia'" },
	/* ESP without integrity is not installed (strongSwan would allow it) */
	{ "aes128", IKE_PROTO_ESP, -EINVAL,
	  "an integrity algorithm is mandatory in ESP proposals with classic (non-AEAD) "
	  "encryption: none in proposal 'aes128'" },
	{ "null-modp2048", IKE_PROTO_ESP, -EINVAL,
	  "an integrity algorithm is mandatory in ESP proposals with classic (non-AEAD) "
	  "encryption: none in proposal 'null-modp2048'" },
};

START_TEST(test_parse_errors)
{
	const struct err_case *c = &err_cases[_i];
	struct ike_proposal p[MAXP];
	char err[IKE_PROPOSAL_ERR_LEN];
	size_t n = 42;

	ck_assert_int_eq(ike_proposals_parse(c->str, c->proto, p, MAXP, &n, err, sizeof(err)),
			 c->ret);
	ck_assert_uint_eq(n, 0);
	if (c->msg)
		ck_assert_str_eq(err, c->msg);
	else
		ck_assert(err[0] != '\0');
}
END_TEST

START_TEST(test_parse_error_truncated)
{
	struct ike_proposal p[MAXP];
	char err[16];
	size_t n;

	/* a small buffer gets a NUL-terminated prefix, never an overflow */
	ck_assert_int_eq(
	    ike_proposals_parse("aes257", IKE_PROTO_IKE, p, MAXP, &n, err, sizeof(err)), -EINVAL);
	ck_assert_uint_eq(strlen(err), sizeof(err) - 1);
	ck_assert_int_eq(ike_proposals_parse("aes257", IKE_PROTO_IKE, p, MAXP, &n, NULL, 0),
			 -EINVAL);
	ck_assert_int_eq(ike_proposals_parse(NULL, IKE_PROTO_IKE, p, MAXP, &n, NULL, 0), -EINVAL);
}
END_TEST

START_TEST(test_parse_hostile)
{
	static char big[8192];
	struct ike_proposal p[MAXP];
	char err[IKE_PROPOSAL_ERR_LEN];
	size_t n;

	/* 2000 copies of "aes-": more transforms than a proposal holds, but
	 * all duplicates, so one transform */
	for (size_t i = 0; i + 4 < sizeof(big) - 16; i += 4)
		memcpy(big + i, "aes-", 4);
	strcpy(big + sizeof(big) - 20, "sha1-modp2048");
	ck_assert_int_eq(ike_proposals_parse(big, IKE_PROTO_IKE, p, MAXP, &n, err, sizeof(err)), 0);
	ck_assert_uint_eq(p[0].n_transforms, 4);
	/* garbage: a bounded message quoting it */
	memset(big, 'x', sizeof(big) - 1);
	ck_assert_int_eq(ike_proposals_parse(big, IKE_PROTO_IKE, p, MAXP, &n, err, sizeof(err)),
			 -EINVAL);
	ck_assert_uint_lt(strlen(err), sizeof(err));
	ck_assert(!strncmp(err, "unknown algorithm 'xxx", 22));
	/* one keyword of every classic algorithm in one proposal */
	ck_assert_int_eq(ike_proposals_parse("aes128-aes192-aes256-aes128ctr-aes192ctr-aes256ctr-"
					     "sha1-sha256-sha384-sha512-md5-aesxcbc-prfsha1-"
					     "prfsha256-prfsha384-prfsha512-prfmd5-prfaesxcbc-"
					     "prfaescmac-modp1024-modp1536-modp2048-modp3072-"
					     "modp4096-modp6144-modp8192-ecp256-ecp384-ecp521-"
					     "x25519-x448-3des-aescmac-aes128ccm8",
					     IKE_PROTO_ESP, p, MAXP, &n, err, sizeof(err)),
			 -EINVAL);
	ck_assert(!strncmp(err, "classic and combined-mode (AEAD) encryption", 43));
	ck_assert_int_eq(ike_proposals_parse("aes128-aes192-aes256-aes128ctr-aes192ctr-aes256ctr-"
					     "sha1-sha256-sha384-sha512-md5-aesxcbc-prfsha1-"
					     "prfsha256-prfsha384-prfsha512-prfmd5-prfaesxcbc-"
					     "prfaescmac-modp1024-modp1536-modp2048-modp3072-"
					     "modp4096-modp6144-modp8192-ecp256-ecp384-ecp521-"
					     "x25519-x448-3des-aescmac",
					     IKE_PROTO_IKE, p, MAXP, &n, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(p[0].n_transforms, 33);
}
END_TEST

/* ----- selection ----- */

static size_t parse(const char *s, uint8_t proto, struct ike_proposal *p)
{
	char err[IKE_PROPOSAL_ERR_LEN];
	size_t n = 0;

	ck_assert_msg(ike_proposals_parse(s, proto, p, MAXP, &n, err, sizeof(err)) == 0, "%s: %s",
		      s, err);
	return n;
}

START_TEST(test_select_responder_order)
{
	struct ike_proposal ours[MAXP], peer[MAXP];
	struct ike_selected sel;
	size_t no =
	    parse("aes256gcm16-prfsha384-x25519, aes128-sha256-modp2048", IKE_PROTO_IKE, ours);
	size_t np =
	    parse("aes128-sha256-modp2048, aes256gcm16-prfsha384-x25519", IKE_PROTO_IKE, peer);

	ck_assert_int_eq(ike_proposal_select(ours, no, peer, np, 0, &sel), 0);
	/* our first proposal wins, though it is the peer's second */
	ck_assert_uint_eq(sel.proposal_num, 2);
	ck_assert_uint_eq(sel.protocol, IKE_PROTO_IKE);
	ck_assert_uint_eq(sel.encr, IKE_ENCR_AES_GCM_16);
	ck_assert_uint_eq(sel.encr_key_len, 256);
	ck_assert_uint_eq(sel.prf, IKE_PRF_HMAC_SHA2_384);
	ck_assert_uint_eq(sel.dh, IKE_DH_CURVE25519);
	ck_assert(!IKE_SEL_HAS(&sel, IKE_TRANS_INTEG));
	ck_assert(!IKE_SEL_HAS(&sel, IKE_TRANS_ESN));

	/* swapped roles: the other order wins */
	ck_assert_int_eq(ike_proposal_select(peer, np, ours, no, 0, &sel), 0);
	ck_assert_uint_eq(sel.proposal_num, 2);
	ck_assert_uint_eq(sel.encr, IKE_ENCR_AES_CBC);
	ck_assert_uint_eq(sel.integ, IKE_INTEG_HMAC_SHA2_256_128);
	ck_assert_uint_eq(sel.prf, IKE_PRF_HMAC_SHA2_256);
	ck_assert_uint_eq(sel.dh, IKE_DH_MODP2048);
}
END_TEST

START_TEST(test_select_transform_order)
{
	struct ike_proposal ours[MAXP], peer[MAXP];
	struct ike_selected sel;
	size_t no = parse("aes128-aes256-sha256-sha512-modp2048-ecp256", IKE_PROTO_IKE, ours);
	size_t np = parse("aes256-aes128-sha512-sha256-ecp256-modp2048", IKE_PROTO_IKE, peer);

	ck_assert_int_eq(ike_proposal_select(ours, no, peer, np, 0, &sel), 0);
	ck_assert_uint_eq(sel.encr_key_len, 128);
	ck_assert_uint_eq(sel.integ, IKE_INTEG_HMAC_SHA2_256_128);
	ck_assert_uint_eq(sel.prf, IKE_PRF_HMAC_SHA2_256);
	ck_assert_uint_eq(sel.dh, IKE_DH_MODP2048);
	ck_assert_uint_eq(sel.proposal_num, 1);
}
END_TEST

START_TEST(test_select_key_length)
{
	struct ike_proposal ours[MAXP], peer[MAXP];
	struct ike_selected sel;
	size_t no = parse("aes128-sha256-modp2048", IKE_PROTO_IKE, ours);
	size_t np = parse("aes256-sha256-modp2048", IKE_PROTO_IKE, peer);

	ck_assert_int_eq(ike_proposal_select(ours, no, peer, np, 0, &sel), -ENOENT);
	/* AES without a Key Length attribute matches nothing */
	peer[0].transforms[0].key_len = 0;
	ck_assert_int_eq(ike_proposal_select(ours, no, peer, np, 0, &sel), -ENOENT);
	peer[0].transforms[0].key_len = 128;
	ck_assert_int_eq(ike_proposal_select(ours, no, peer, np, 0, &sel), 0);
	ck_assert_uint_eq(sel.encr_key_len, 128);
}
END_TEST

START_TEST(test_select_unknown_type)
{
	struct ike_proposal ours[MAXP], peer[MAXP];
	struct ike_selected sel;
	size_t no = parse("aes128gcm16-prfsha256-x25519", IKE_PROTO_IKE, ours);
	size_t np = parse("aes128gcm16-prfsha256-x25519, aes128gcm16-prfsha256-x25519",
			  IKE_PROTO_IKE, peer);

	/* RFC 9370's ADDKE1 (type 6) is unknown to us: proposal 1 is out */
	peer[0].transforms[peer[0].n_transforms++] = (struct ike_transform){ 6, 36, 0 };
	ck_assert_int_eq(ike_proposal_select(ours, no, peer, np, 0, &sel), 0);
	ck_assert_uint_eq(sel.proposal_num, 2);
	ck_assert_int_eq(ike_proposal_select(ours, no, peer, 1, 0, &sel), -ENOENT);

	/* an unknown ID of a known type only fails to match */
	np = parse("aes128gcm16-prfsha256-x25519", IKE_PROTO_IKE, peer);
	peer[0].transforms[peer[0].n_transforms++] = (struct ike_transform){ IKE_TRANS_DH, 999, 0 };
	ck_assert_int_eq(ike_proposal_select(ours, no, peer, np, 0, &sel), 0);
	ck_assert_uint_eq(sel.dh, IKE_DH_CURVE25519);

	/* a hostile transform count is refused, not read */
	peer[0].n_transforms = 200;
	ck_assert_int_eq(ike_proposal_select(ours, no, peer, np, 0, &sel), -ENOENT);
}
END_TEST

START_TEST(test_select_protocol)
{
	struct ike_proposal ours[MAXP], peer[MAXP];
	struct ike_selected sel;
	size_t no = parse("aes128gcm16", IKE_PROTO_ESP, ours);
	size_t np = parse("aes128gcm16, aes128gcm16", IKE_PROTO_ESP, peer);

	peer[0].protocol = IKE_PROTO_AH;
	peer[1].spi_len = 4;
	memcpy(peer[1].spi, "\x01\x02\x03\x04", 4);
	ck_assert_int_eq(ike_proposal_select(ours, no, peer, np, 0, &sel), 0);
	ck_assert_uint_eq(sel.proposal_num, 2);
	ck_assert_uint_eq(sel.protocol, IKE_PROTO_ESP);
	ck_assert_uint_eq(sel.spi_len, 4);
	ck_assert_mem_eq(sel.spi, "\x01\x02\x03\x04", 4);
	ck_assert_uint_eq(sel.esn, IKE_ESN_NO);
	ck_assert(IKE_SEL_HAS(&sel, IKE_TRANS_ESN));

	np = parse("aes128gcm16-prfsha256-x25519", IKE_PROTO_IKE, peer);
	ck_assert_int_eq(ike_proposal_select(ours, no, peer, np, 0, &sel), -ENOENT);
	ck_assert_int_eq(ike_proposal_select(ours, no, peer, 0, 0, &sel), -ENOENT);
}
END_TEST

START_TEST(test_select_esp_dh)
{
	struct ike_proposal ours[MAXP], peer[MAXP];
	struct ike_selected sel;
	size_t no, np;

	no = parse("aes128gcm16-ecp256", IKE_PROTO_ESP, ours);
	np = parse("aes128gcm16-modp2048-ecp256", IKE_PROTO_ESP, peer);
	ck_assert_int_eq(ike_proposal_select(ours, no, peer, np, 0, &sel), 0);
	ck_assert_uint_eq(sel.dh, IKE_DH_ECP256);
	ck_assert(IKE_SEL_HAS(&sel, IKE_TRANS_DH));

	/* we want PFS, the peer offers none */
	np = parse("aes128gcm16", IKE_PROTO_ESP, peer);
	ck_assert_int_eq(ike_proposal_select(ours, no, peer, np, 0, &sel), -ENOENT);
	/* ... unless this is the IKE_AUTH CHILD_SA */
	ck_assert_int_eq(ike_proposal_select(ours, no, peer, np, IKE_SELECT_SKIP_DH, &sel), 0);
	ck_assert(!IKE_SEL_HAS(&sel, IKE_TRANS_DH));

	/* PFS optional on our side */
	no = parse("aes128gcm16-ecp256-none", IKE_PROTO_ESP, ours);
	ck_assert_int_eq(ike_proposal_select(ours, no, peer, np, 0, &sel), 0);
	ck_assert(!IKE_SEL_HAS(&sel, IKE_TRANS_DH));

	/* the peer wants PFS, we have no group */
	no = parse("aes128gcm16", IKE_PROTO_ESP, ours);
	np = parse("aes128gcm16-ecp256", IKE_PROTO_ESP, peer);
	ck_assert_int_eq(ike_proposal_select(ours, no, peer, np, 0, &sel), -ENOENT);
	ck_assert_int_eq(ike_proposal_select(ours, no, peer, np, IKE_SELECT_SKIP_DH, &sel), 0);
	/* PFS optional on the peer's side */
	np = parse("aes128gcm16-ecp256-none", IKE_PROTO_ESP, peer);
	ck_assert_int_eq(ike_proposal_select(ours, no, peer, np, 0, &sel), 0);
	ck_assert(!IKE_SEL_HAS(&sel, IKE_TRANS_DH));
	ck_assert_uint_eq(sel.dh, 0);
}
END_TEST

START_TEST(test_select_esn)
{
	struct ike_proposal ours[MAXP], peer[MAXP];
	struct ike_selected sel;
	size_t no, np;

	no = parse("aes128gcm16-esn-noesn", IKE_PROTO_ESP, ours);
	np = parse("aes128gcm16-noesn-esn", IKE_PROTO_ESP, peer);
	ck_assert_int_eq(ike_proposal_select(ours, no, peer, np, 0, &sel), 0);
	ck_assert_uint_eq(sel.esn, IKE_ESN_YES);
	np = parse("aes128gcm16", IKE_PROTO_ESP, peer);
	ck_assert_int_eq(ike_proposal_select(ours, no, peer, np, 0, &sel), 0);
	ck_assert_uint_eq(sel.esn, IKE_ESN_NO);
	ck_assert(IKE_SEL_HAS(&sel, IKE_TRANS_ESN));

	no = parse("aes128gcm16-esn", IKE_PROTO_ESP, ours);
	ck_assert_int_eq(ike_proposal_select(ours, no, peer, np, 0, &sel), -ENOENT);

	/* an ESP proposal without the (mandatory) ESN transform */
	no = parse("aes128gcm16", IKE_PROTO_ESP, ours);
	peer[0].n_transforms = 1;
	ck_assert_int_eq(ike_proposal_select(ours, no, peer, np, 0, &sel), -ENOENT);
}
END_TEST

START_TEST(test_select_aead_integ_none)
{
	struct ike_proposal ours[MAXP], peer[MAXP];
	struct ike_selected sel;
	size_t no = parse("aes256gcm16-prfsha384-ecp384", IKE_PROTO_IKE, ours);
	size_t np = parse("aes256gcm16-prfsha384-ecp384", IKE_PROTO_IKE, peer);

	/* some peers add INTEG NONE to an AEAD proposal: accepted, ignored */
	peer[0].transforms[peer[0].n_transforms++] =
	    (struct ike_transform){ IKE_TRANS_INTEG, IKE_INTEG_NONE, 0 };
	ck_assert_int_eq(ike_proposal_select(ours, no, peer, np, 0, &sel), 0);
	ck_assert(!IKE_SEL_HAS(&sel, IKE_TRANS_INTEG));
	ck_assert_uint_eq(sel.dh, IKE_DH_ECP384);
}
END_TEST

START_TEST(test_reply_build_and_check)
{
	struct ike_proposal ours[MAXP], peer[MAXP], reply;
	struct ike_selected sel, isel;
	static const uint8_t spi[4] = { 0xc0, 0x01, 0xd0, 0x0d };
	static const struct ike_transform want[] = { T(ENCR, IKE_ENCR_AES_CBC, 256),
						     T(INTEG, IKE_INTEG_HMAC_SHA2_512_256, 0),
						     T(DH, IKE_DH_ECP384, 0), T(ESN, IKE_ESN_NO, 0),
						     END };
	size_t no = parse("aes256-sha512-ecp384", IKE_PROTO_ESP, ours);
	size_t np = parse("aes128gcm16-ecp256, aes128-aes256-sha256-sha512-modp2048-ecp384",
			  IKE_PROTO_ESP, peer);

	ck_assert_int_eq(ike_proposal_select(ours, no, peer, np, 0, &sel), 0);
	ck_assert_int_eq(ike_selected_to_proposal(&sel, spi, 4, &reply), 0);
	ck_assert_uint_eq(reply.num, 2);
	ck_assert_uint_eq(reply.protocol, IKE_PROTO_ESP);
	ck_assert_uint_eq(reply.spi_len, 4);
	ck_assert_mem_eq(reply.spi, spi, 4);
	assert_transforms(&reply, want, "reply");

	/* the initiator accepts it and sees the same algorithms */
	ck_assert_int_eq(ike_proposal_check_reply(peer, np, &reply, 1, &isel), 0);
	ck_assert_uint_eq(isel.proposal_num, 2);
	ck_assert_uint_eq(isel.encr, sel.encr);
	ck_assert_uint_eq(isel.encr_key_len, sel.encr_key_len);
	ck_assert_uint_eq(isel.integ, sel.integ);
	ck_assert_uint_eq(isel.dh, sel.dh);
	ck_assert_uint_eq(isel.esn, sel.esn);
	ck_assert_uint_eq(isel.types, sel.types);
	ck_assert_mem_eq(isel.spi, spi, 4);

	ck_assert_int_eq(ike_selected_to_proposal(&sel, spi, 9, &reply), -EINVAL);
}
END_TEST

START_TEST(test_reply_reject)
{
	struct ike_proposal offered[MAXP], reply[2];
	struct ike_selected sel;
	size_t n =
	    parse("aes128gcm16-aes256gcm16-ecp256-modp2048, aes128-sha256", IKE_PROTO_ESP, offered);
	const struct ike_proposal good = {
		.num = 1,
		.protocol = IKE_PROTO_ESP,
		.spi_len = 4,
		.n_transforms = 3,
		.transforms = { T(ENCR, IKE_ENCR_AES_GCM_16, 256), T(DH, IKE_DH_MODP2048, 0),
				T(ESN, IKE_ESN_NO, 0) },
	};

	reply[0] = good;
	ck_assert_int_eq(ike_proposal_check_reply(offered, n, reply, 1, &sel), 0);
	ck_assert_uint_eq(sel.dh, IKE_DH_MODP2048);
	ck_assert_uint_eq(sel.encr_key_len, 256);

	/* syntax: not exactly one proposal, two of one type, unknown type */
	reply[1] = good;
	ck_assert_int_eq(ike_proposal_check_reply(offered, n, reply, 2, &sel), -EBADMSG);
	ck_assert_int_eq(ike_proposal_check_reply(offered, n, reply, 0, &sel), -EBADMSG);
	reply[0] = good;
	reply[0].transforms[reply[0].n_transforms++] =
	    (struct ike_transform)T(ENCR, IKE_ENCR_AES_GCM_16, 128);
	ck_assert_int_eq(ike_proposal_check_reply(offered, n, reply, 1, &sel), -EBADMSG);
	reply[0] = good;
	reply[0].transforms[reply[0].n_transforms++] = (struct ike_transform){ 7, 1, 0 };
	ck_assert_int_eq(ike_proposal_check_reply(offered, n, reply, 1, &sel), -EBADMSG);
	reply[0] = good;
	reply[0].n_transforms = 65;
	ck_assert_int_eq(ike_proposal_check_reply(offered, n, reply, 1, &sel), -EBADMSG);

	/* not what we offered */
	reply[0] = good;
	reply[0].transforms[0].key_len = 192;
	ck_assert_int_eq(ike_proposal_check_reply(offered, n, reply, 1, &sel), -ENOENT);
	reply[0] = good;
	reply[0].num = 2; /* proposal 2 is AES-CBC */
	ck_assert_int_eq(ike_proposal_check_reply(offered, n, reply, 1, &sel), -ENOENT);
	reply[0] = good;
	reply[0].num = 3;
	ck_assert_int_eq(ike_proposal_check_reply(offered, n, reply, 1, &sel), -ENOENT);
	reply[0] = good;
	reply[0].protocol = IKE_PROTO_AH;
	ck_assert_int_eq(ike_proposal_check_reply(offered, n, reply, 1, &sel), -ENOENT);
	/* a type we offered is missing: DH, then ESN */
	reply[0] = good;
	reply[0].transforms[1] = reply[0].transforms[2];
	reply[0].n_transforms = 2;
	ck_assert_int_eq(ike_proposal_check_reply(offered, n, reply, 1, &sel), -ENOENT);
	reply[0] = good;
	reply[0].n_transforms = 2;
	ck_assert_int_eq(ike_proposal_check_reply(offered, n, reply, 1, &sel), -ENOENT);
	/* as sent in IKE_AUTH (DH stripped), the DH-less reply is right */
	ike_proposals_strip_dh(offered, n);
	reply[0] = good;
	reply[0].transforms[1] = reply[0].transforms[2];
	reply[0].n_transforms = 2;
	ck_assert_int_eq(ike_proposal_check_reply(offered, n, reply, 1, &sel), 0);
	ck_assert(!IKE_SEL_HAS(&sel, IKE_TRANS_DH));
}
END_TEST

/* ----- INVALID_KE_PAYLOAD ----- */

START_TEST(test_invalid_ke_helpers)
{
	struct ike_proposal p[MAXP], before[MAXP];
	size_t n = parse("aes128-sha256-ecp256-modp2048, aes256gcm16-prfsha384-x25519-ecp256",
			 IKE_PROTO_IKE, p);

	ck_assert(ike_proposals_have_dh(p, n, IKE_DH_CURVE25519));
	ck_assert(ike_proposals_have_dh(p, n, IKE_DH_MODP2048));
	ck_assert(!ike_proposals_have_dh(p, n, IKE_DH_ECP384));
	ck_assert(!ike_proposals_have_dh(p, n, IKE_DH_NONE));
	ck_assert_uint_eq(ike_proposals_preferred_dh(p, n), IKE_DH_ECP256);
	ck_assert_uint_eq(ike_proposals_preferred_dh(p, 0), IKE_DH_NONE);

	/* retry with modp2048: the proposal order stays, the group moves up */
	ck_assert_int_eq(ike_proposals_promote_dh(p, n, IKE_DH_MODP2048), 0);
	ck_assert_uint_eq(ike_proposals_preferred_dh(p, n), IKE_DH_MODP2048);
	ck_assert_uint_eq(p[0].transforms[3].id, IKE_DH_MODP2048);
	ck_assert_uint_eq(p[0].transforms[4].id, IKE_DH_ECP256);

	/* retry with x25519: the AEAD proposal comes first, renumbered */
	ck_assert_int_eq(ike_proposals_promote_dh(p, n, IKE_DH_CURVE25519), 0);
	ck_assert_uint_eq(p[0].num, 1);
	ck_assert_uint_eq(p[0].transforms[0].id, IKE_ENCR_AES_GCM_16);
	ck_assert_uint_eq(p[1].num, 2);
	ck_assert_uint_eq(p[1].transforms[0].id, IKE_ENCR_AES_CBC);
	ck_assert_uint_eq(ike_proposals_preferred_dh(p, n), IKE_DH_CURVE25519);

	/* a group we never offered: refused, nothing changes */
	memcpy(before, p, sizeof(p));
	ck_assert_int_eq(ike_proposals_promote_dh(p, n, IKE_DH_ECP384), -ENOENT);
	ck_assert_mem_eq(before, p, n * sizeof(p[0]));
}
END_TEST

/* The whole INVALID_KE round trip between two configurations. */
START_TEST(test_invalid_ke_flow)
{
	struct ike_proposal resp[MAXP], init[MAXP];
	struct ike_selected sel;
	size_t nr = parse("aes128-sha256-ecp256-modp2048", IKE_PROTO_IKE, resp);
	size_t ni = parse("aes128-sha256-modp3072-modp2048-ecp256", IKE_PROTO_IKE, init);
	uint16_t ke = ike_proposals_preferred_dh(init, ni);

	ck_assert_uint_eq(ke, IKE_DH_MODP3072);
	ck_assert(!ike_proposals_have_dh(resp, nr, ke));
	ck_assert_int_eq(ike_proposal_select(resp, nr, init, ni, 0, &sel), 0);
	/* the responder wants ecp256: INVALID_KE_PAYLOAD(ecp256) */
	ck_assert_uint_ne(sel.dh, ke);
	ck_assert_uint_eq(sel.dh, IKE_DH_ECP256);
	ck_assert_int_eq(ike_proposals_promote_dh(init, ni, sel.dh), 0);
	ke = ike_proposals_preferred_dh(init, ni);
	ck_assert_int_eq(ike_proposal_select(resp, nr, init, ni, 0, &sel), 0);
	ck_assert_uint_eq(sel.dh, ke);
}
END_TEST

START_TEST(test_strip_dh_and_weak)
{
	struct ike_proposal p[MAXP];
	size_t n = parse("aes128gcm16-ecp256-modp2048, aes128-sha256-x25519", IKE_PROTO_ESP, p);

	ike_proposals_strip_dh(p, n);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < p[i].n_transforms; k++)
			ck_assert_uint_ne(p[i].transforms[k].type, IKE_TRANS_DH);
	ck_assert_uint_eq(p[0].n_transforms, 2);
	ck_assert_uint_eq(p[1].n_transforms, 3);

	n = parse("aes128-sha256-modp1024", IKE_PROTO_IKE, p);
	ck_assert(ike_proposal_has_weak(&p[0]));
	n = parse("aes128-sha256-modp2048", IKE_PROTO_IKE, p);
	ck_assert(!ike_proposal_has_weak(&p[0]));
	n = parse("3des-sha256", IKE_PROTO_ESP, p);
	ck_assert(ike_proposal_has_weak(&p[0]));
	ck_assert_uint_eq(n, 1);
}
END_TEST

/* ----- formatting ----- */

/* A diagnosis quotes proposal lists in the configuration's syntax, whole
 * proposals only, the rest counted. */
START_TEST(test_format_list)
{
	struct ike_proposal p[MAXP];
	char buf[512], small[100];
	size_t n;

	n = parse("aes128-sha1-modp1024, aes256-sha256-modp2048", IKE_PROTO_IKE, p);
	ck_assert_int_eq(ike_proposals_format_list(p, n, 8, buf, sizeof(buf)),
			 (int)strlen("aes128-sha1-prfsha1-modp1024, aes256-sha256-prfsha256-modp2048"));
	ck_assert_str_eq(buf, "aes128-sha1-prfsha1-modp1024, aes256-sha256-prfsha256-modp2048");
	ike_proposals_format_list(p, n, 1, buf, sizeof(buf));
	ck_assert_str_eq(buf, "aes128-sha1-prfsha1-modp1024 ... and 1 more");
	ike_proposals_format_list(p, 0, 8, buf, sizeof(buf));
	ck_assert_str_eq(buf, "none");
	/* what does not fit is counted, not cut in the middle */
	n = parse("aes128-sha256-x25519, aes192-sha256-x25519, aes256-sha256-x25519, "
		  "aes128gcm16-prfsha256-x25519",
		  IKE_PROTO_IKE, p);
	ike_proposals_format_list(p, n, 8, small, sizeof(small));
	ck_assert_str_eq(small, "aes128-sha256-prfsha256-x25519, aes192-sha256-prfsha256-x25519 "
				"... and 2 more");
	ck_assert_int_eq(ike_proposals_format_list(p, n, 8, small, 20), -EINVAL);
}
END_TEST

START_TEST(test_format)
{
	struct ike_proposal p[MAXP], peer[MAXP];
	struct ike_selected sel;
	char buf[256];
	size_t n;
	int len;

	n = parse("aes128-aes256-sha256-modp2048", IKE_PROTO_IKE, p);
	ck_assert_int_eq(ike_proposal_format(&p[0], 0, buf, sizeof(buf)),
			 (int)strlen("AES_CBC_128/AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/"
				     "MODP_2048"));
	ck_assert_str_eq(buf,
			 "AES_CBC_128/AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048");
	ike_proposal_format(&p[0], IKE_FMT_PROTO, buf, sizeof(buf));
	ck_assert_str_eq(
	    buf, "IKE:AES_CBC_128/AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048");
	ike_proposal_format(&p[0], IKE_FMT_SHORT, buf, sizeof(buf));
	ck_assert_str_eq(buf, "aes128-aes256-sha256-prfsha256-modp2048");

	n = parse("aes256gcm16-prfsha384-x25519", IKE_PROTO_IKE, p);
	memcpy(peer, p, sizeof(p[0]));
	ck_assert_int_eq(ike_proposal_select(p, n, peer, 1, 0, &sel), 0);
	ike_selected_format(&sel, 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "AES_GCM_16_256/PRF_HMAC_SHA2_384/CURVE_25519");
	ike_selected_format(&sel, IKE_FMT_SHORT, buf, sizeof(buf));
	ck_assert_str_eq(buf, "aes256gcm16-prfsha384-x25519");

	n = parse("chacha20poly1305-esn", IKE_PROTO_ESP, p);
	ike_proposal_format(&p[0], IKE_FMT_PROTO, buf, sizeof(buf));
	ck_assert_str_eq(buf, "ESP:CHACHA20_POLY1305/EXT_SEQ");

	/* IDs we have no name for, and types we do not know */
	p[0].transforms[0].id = 99;
	p[0].transforms[p[0].n_transforms++] = (struct ike_transform){ 6, 36, 0 };
	ike_proposal_format(&p[0], 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "UNKNOWN_1_99/EXT_SEQ/UNKNOWN_6_36");
	/* the short form shows them whole too, as a diagnosis quotes it */
	ike_proposal_format(&p[0], IKE_FMT_SHORT, buf, sizeof(buf));
	ck_assert_str_eq(buf, "ENCR_99-esn-UNKNOWN_6_36");
	p[0].transforms[0] = (struct ike_transform){ IKE_TRANS_ENCR, IKE_ENCR_AES_CBC, 64 };
	ike_proposal_format(&p[0], IKE_FMT_SHORT, buf, sizeof(buf));
	ck_assert_str_eq(buf, "ENCR_12_KEY64-esn-UNKNOWN_6_36");

	/* truncation: snprintf semantics */
	n = parse("aes128-sha256-modp2048", IKE_PROTO_IKE, p);
	len = (int)strlen("AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048");
	ck_assert_int_eq(ike_proposal_format(&p[0], 0, buf, 8), len);
	ck_assert_str_eq(buf, "AES_CBC");
	ck_assert_int_eq(ike_proposal_format(&p[0], 0, NULL, 0), len);
	ck_assert_uint_eq(n, 1);
}
END_TEST

/* ----- kernel names ----- */

struct kernel_case {
	const char *str;
	bool aead;
	const char *encr;
	uint16_t encr_bits, icv;
	const char *integ;
	uint16_t integ_bits, trunc;
	size_t encr_keymat, integ_keymat;
};

static const struct kernel_case kernel_cases[] = {
	{ "aes128gcm16", true, "rfc4106(gcm(aes))", 160, 128, NULL, 0, 0, 20, 0 },
	{ "aes256gcm16", true, "rfc4106(gcm(aes))", 288, 128, NULL, 0, 0, 36, 0 },
	{ "aes192gcm12", true, "rfc4106(gcm(aes))", 224, 96, NULL, 0, 0, 28, 0 },
	{ "aes128gcm8", true, "rfc4106(gcm(aes))", 160, 64, NULL, 0, 0, 20, 0 },
	{ "chacha20poly1305", true, "rfc7539esp(chacha20,poly1305)", 288, 128, NULL, 0, 0, 36, 0 },
	{ "aes128ccm16", true, "rfc4309(ccm(aes))", 152, 128, NULL, 0, 0, 19, 0 },
	{ "aes128-sha256", false, "cbc(aes)", 128, 0, "hmac(sha256)", 256, 128, 16, 32 },
	{ "aes192-sha384", false, "cbc(aes)", 192, 0, "hmac(sha384)", 384, 192, 24, 48 },
	{ "aes256-sha512", false, "cbc(aes)", 256, 0, "hmac(sha512)", 512, 256, 32, 64 },
	{ "aes256-sha1", false, "cbc(aes)", 256, 0, "hmac(sha1)", 160, 96, 32, 20 },
	{ "aes256ctr-sha256", false, "rfc3686(ctr(aes))", 288, 0, "hmac(sha256)", 256, 128, 36,
	  32 },
	{ "aes128-aesxcbc", false, "cbc(aes)", 128, 0, "xcbc(aes)", 128, 96, 16, 16 },
	{ "3des-md5", false, "cbc(des3_ede)", 192, 0, "hmac(md5)", 128, 96, 24, 16 },
	{ "aes128ccm8-esn", true, "rfc4309(ccm(aes))", 152, 64, NULL, 0, 0, 19, 0 },
	{ "aes192-aescmac", false, "cbc(aes)", 192, 0, "cmac(aes)", 128, 96, 24, 16 },
	{ "null-sha256", false, "ecb(cipher_null)", 0, 0, "hmac(sha256)", 256, 128, 0, 32 },
};

START_TEST(test_kernel_algs)
{
	const struct kernel_case *c = &kernel_cases[_i];
	struct ike_proposal p[MAXP];
	struct ike_selected sel;
	struct ike_kernel_algs k;
	size_t n = parse(c->str, IKE_PROTO_ESP, p);

	ck_assert_int_eq(ike_proposal_select(p, n, p, n, 0, &sel), 0);
	ck_assert_int_eq(ike_selected_kernel_algs(&sel, &k), 0);
	ck_assert_msg(!!(k.encr->flags & IKE_ALG_AEAD) == c->aead, "%s", c->str);
	ck_assert_int_eq(k.esn, strstr(c->str, "-esn") != NULL);
	ck_assert_str_eq(k.encr->kernel, c->encr);
	ck_assert_uint_eq(k.encr->kernel_key_bits, c->encr_bits);
	ck_assert_uint_eq(k.encr->icv_bits, c->icv);
	ck_assert_uint_eq(k.encr->keymat, c->encr_keymat);
	if (c->integ) {
		ck_assert_str_eq(k.integ->kernel, c->integ);
		ck_assert_uint_eq(k.integ->kernel_key_bits, c->integ_bits);
		ck_assert_uint_eq(k.integ->icv_bits, c->trunc);
		ck_assert_uint_eq(k.integ->keymat, c->integ_keymat);
	} else {
		ck_assert_ptr_null(k.integ);
	}
}
END_TEST

START_TEST(test_kernel_algs_errors)
{
	struct ike_proposal p[MAXP];
	struct ike_selected sel;
	struct ike_kernel_algs k;
	size_t n = parse("aes128-sha256-modp2048", IKE_PROTO_IKE, p);

	ck_assert_int_eq(ike_proposal_select(p, n, p, n, 0, &sel), 0);
	ck_assert_int_eq(ike_selected_kernel_algs(&sel, &k), -EINVAL);
	n = parse("aes128-sha256", IKE_PROTO_ESP, p);
	ck_assert_int_eq(ike_proposal_select(p, n, p, n, 0, &sel), 0);
	sel.encr_key_len = 100;
	ck_assert_int_eq(ike_selected_kernel_algs(&sel, &k), -ENOTSUP);
	sel.encr_key_len = 128;
	sel.integ = 77;
	ck_assert_int_eq(ike_selected_kernel_algs(&sel, &k), -ENOTSUP);
	/* classic encryption without integrity: not installed */
	sel.types &= (uint8_t) ~(1u << IKE_TRANS_INTEG);
	ck_assert_int_eq(ike_selected_kernel_algs(&sel, &k), -ENOTSUP);
	sel.types |= 1u << IKE_TRANS_INTEG;
	sel.integ = IKE_INTEG_HMAC_SHA2_256_128;
	ck_assert_int_eq(ike_selected_kernel_algs(&sel, &k), 0);
	sel.encr = 77;
	ck_assert_int_eq(ike_selected_kernel_algs(&sel, &k), -ENOTSUP);
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *make_suite(void)
{
	Suite *s = suite_create("ike_proposal");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_parse_table, 0, N(parse_cases));
	tcase_add_loop_test(tc, test_short_format_roundtrip, 0, N(parse_cases));
	tcase_add_test(tc, test_parse_list);
	tcase_add_test(tc, test_parse_default);
	tcase_add_loop_test(tc, test_parse_errors, 0, N(err_cases));
	tcase_add_test(tc, test_parse_error_truncated);
	tcase_add_test(tc, test_parse_hostile);
	suite_add_tcase(s, tc);

	tc = tcase_create("select");
	tcase_add_test(tc, test_select_responder_order);
	tcase_add_test(tc, test_select_transform_order);
	tcase_add_test(tc, test_select_key_length);
	tcase_add_test(tc, test_select_unknown_type);
	tcase_add_test(tc, test_select_protocol);
	tcase_add_test(tc, test_select_esp_dh);
	tcase_add_test(tc, test_select_esn);
	tcase_add_test(tc, test_select_aead_integ_none);
	tcase_add_test(tc, test_reply_build_and_check);
	tcase_add_test(tc, test_reply_reject);
	tcase_add_test(tc, test_invalid_ke_helpers);
	tcase_add_test(tc, test_invalid_ke_flow);
	tcase_add_test(tc, test_strip_dh_and_weak);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_format_list);
	tcase_add_loop_test(tc, test_kernel_algs, 0, N(kernel_cases));
	tcase_add_test(tc, test_kernel_algs_errors);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
