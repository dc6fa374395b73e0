// SPDX-License-Identifier: GPL-2.0-or-later
/* daemon/net: the pure part (datagram classification). */
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

static Suite *make_suite(void)
{
	Suite *s = suite_create("daemon_net");
	TCase *tc = tcase_create("net");

	tcase_add_test(tc, classify);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
