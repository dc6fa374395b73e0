// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The none backend of kernel-iface: SPIs from a counter within the range
 * asked for, SAs and policies accepted and forgotten, no events; and only
 * the names netlink and none open a backend.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>

#include "kernel-iface/xfrm.h"
#include "unit.h"

START_TEST(none_installs_nothing)
{
	struct kif *k = NULL;
	struct kif_sa sa;
	struct kif_sa_stats st;
	struct kif_policy pol, out;
	uint32_t a, b;
	unsigned int n_sa = 7, n_pol = 7;
	struct pollfd pfd;

	ck_assert_int_eq(kif_open_backend("none", &k), 0);
	ck_assert_ptr_nonnull(k);
	ck_assert_str_eq(kif_backend(k), "none");
	memset(&sa, 0, sizeof(sa));
	ck_assert_int_eq(kif_spi_alloc(k, &sa, 0xc0000000u, 0xcfffffffu, &a), 0);
	ck_assert_int_eq(kif_spi_alloc(k, &sa, 0xc0000000u, 0xcfffffffu, &b), 0);
	ck_assert_uint_ge(a, 0xc0000000u);
	ck_assert_uint_ne(a, b);
	/* a narrower range is honoured */
	ck_assert_int_eq(kif_spi_alloc(k, &sa, 0x100, 0x1ff, &a), 0);
	ck_assert_uint_ge(a, 0x100);
	ck_assert_uint_le(a, 0x1ff);
	ck_assert_int_eq(kif_spi_alloc(k, &sa, 2, 1, &a), -EINVAL);
	ck_assert_int_eq(kif_sa_add(k, &sa, false), 0);
	memset(&st, 0xff, sizeof(st));
	ck_assert_int_eq(kif_sa_get(k, &sa.id, &st), 0);
	ck_assert_uint_eq(st.bytes, 0);
	ck_assert_uint_eq(st.packets, 0);
	ck_assert_uint_eq(st.use_time, 0);
	ck_assert_int_eq(kif_sa_delete(k, &sa.id), 0);
	memset(&pol, 0, sizeof(pol));
	ck_assert_int_eq(kif_policy_add(k, &pol, false), 0);
	ck_assert_int_eq(kif_policy_get(k, &pol, &out), -ENOENT);
	ck_assert_int_eq(kif_policy_delete(k, &pol), 0);
	ck_assert_int_eq(kif_flush(k, &n_sa, &n_pol), 0);
	ck_assert_uint_eq(n_sa, 0);
	ck_assert_uint_eq(n_pol, 0);
	/* an event descriptor the loop can watch, which never fires */
	pfd.fd = kif_event_fd(k);
	pfd.events = POLLIN;
	ck_assert_int_ge(pfd.fd, 0);
	ck_assert_int_eq(poll(&pfd, 1, 0), 0);
	ck_assert_int_eq(kif_event_drain(k, NULL, NULL), 0);
	kif_close(k);
}
END_TEST

START_TEST(only_known_backends)
{
	struct kif *k = (struct kif *)1;

	ck_assert_int_eq(kif_open_backend("fake", &k), -ENOENT);
	ck_assert_ptr_null(k);
	ck_assert_int_eq(kif_open_backend("", &k), -ENOENT);
	ck_assert_int_eq(kif_open_backend("None", &k), -ENOENT);
}
END_TEST

static Suite *none_suite(void)
{
	Suite *s = suite_create("kif_none");
	TCase *tc = tcase_create("none");

	tcase_add_test(tc, none_installs_nothing);
	tcase_add_test(tc, only_known_backends);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(none_suite)
