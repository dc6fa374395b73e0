// SPDX-License-Identifier: GPL-2.0-or-later
/* daemon/net and daemon/kernel: the pure parts (datagram classification,
 * algorithm name mapping). */
#include <errno.h>
#include <string.h>

#include "daemon/kernel.h"
#include "daemon/net.h"
#include "tests/unit/unit.h"

START_TEST(classify)
{
	uint8_t pkt[64];
	size_t off = 99;

	memset(pkt, 0, sizeof(pkt));
	/* Port 500: the IKE header needs 28 octets. */
	ck_assert_int_eq(net_classify(pkt, 28, false, &off), NET_IKE);
	ck_assert_uint_eq(off, 0);
	ck_assert_int_eq(net_classify(pkt, 27, false, &off), NET_DROP);
	ck_assert_int_eq(net_classify(pkt, 0, false, &off), NET_DROP);
	/* Port 4500: marker + header. */
	ck_assert_int_eq(net_classify(pkt, 32, true, &off), NET_IKE);
	ck_assert_uint_eq(off, 4);
	ck_assert_int_eq(net_classify(pkt, 31, true, &off), NET_DROP);
	ck_assert_int_eq(net_classify(pkt, 3, true, &off), NET_DROP);
	ck_assert_int_eq(net_classify(pkt, 0, true, &off), NET_DROP);
	pkt[0] = 0xff;
	ck_assert_int_eq(net_classify(pkt, 1, true, &off), NET_KEEPALIVE);
	/* 0xff on port 500 is just too short. */
	ck_assert_int_eq(net_classify(pkt, 1, false, &off), NET_DROP);
	/* An SPI (non-zero marker) is ESP, not ours. */
	pkt[0] = 0;
	pkt[3] = 1;
	ck_assert_int_eq(net_classify(pkt, 64, true, &off), NET_DROP);
}
END_TEST

START_TEST(alg_names)
{
	enum kif_encr e;
	enum kif_integ i;

	ck_assert_int_eq(dkern_encr_from_name("rfc4106(gcm(aes))", 128, &e), 0);
	ck_assert_int_eq(e, KIF_ENCR_AES_GCM_16);
	ck_assert_int_eq(dkern_encr_from_name("rfc4106(gcm(aes))", 64, &e), -ENOTSUP);
	ck_assert_int_eq(dkern_encr_from_name("cbc(aes)", 0, &e), 0);
	ck_assert_int_eq(e, KIF_ENCR_AES_CBC);
	ck_assert_int_eq(dkern_encr_from_name("rfc7539esp(chacha20,poly1305)", 128, &e), 0);
	ck_assert_int_eq(e, KIF_ENCR_CHACHA20_POLY1305);
	ck_assert_int_eq(dkern_encr_from_name("cbc(des3_ede)", 0, &e), -ENOTSUP);
	ck_assert_int_eq(dkern_encr_from_name(NULL, 0, &e), -ENOTSUP);
	ck_assert_int_eq(dkern_integ_from_name("hmac(sha256)", &i), 0);
	ck_assert_int_eq(i, KIF_INTEG_HMAC_SHA2_256_128);
	ck_assert_int_eq(dkern_integ_from_name("hmac(sha512)", &i), 0);
	ck_assert_int_eq(i, KIF_INTEG_HMAC_SHA2_512_256);
	ck_assert_int_eq(dkern_integ_from_name(NULL, &i), 0);
	ck_assert_int_eq(i, KIF_INTEG_NONE);
	ck_assert_int_eq(dkern_integ_from_name("hmac(md5)", &i), -ENOTSUP);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("daemon_net");
	TCase *tc = tcase_create("net");

	tcase_add_test(tc, classify);
	tcase_add_test(tc, alg_names);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
