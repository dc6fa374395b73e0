// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * daemon/workers.c, the key-generation pool, with real threads: stocks
 * are made only for groups asked for and allowed, every key handed out is
 * a different one of the right group, a group dropped by a reload is
 * wiped, and the threads stop and everything is freed (ASan's leak check
 * in the sanitizer build).
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "daemon/workers.h"
#include "ike/dh.h"
#include "ike/ike_const.h"
#include "tests/unit/unit.h"

#define PER_GROUP 8
#define TAKE 40

/* Waits (at most 20 s: the machine may be busy) until the pool holds n
 * keys in all. */
static void wait_stock(struct dworkers *w, uint64_t n)
{
	struct dworkers_stats st;
	struct timespec ts = { 0, 5 * 1000 * 1000 };

	for (int i = 0; i < 4000; i++) {
		dworkers_stats(w, &st);
		if (st.in_stock >= n)
			return;
		nanosleep(&ts, NULL);
	}
	ck_abort_msg("the pool never held %llu keys", (unsigned long long)n);
}

START_TEST(test_take_distinct)
{
	static uint8_t pubs[TAKE][32];
	const uint16_t groups[] = { IKE_DH_CURVE25519, IKE_DH_MODP2048 };
	struct dworkers_stats st;
	struct ike_dh *dh = NULL;
	char err[128];
	struct dworkers *w = dworkers_new(2, PER_GROUP, err, sizeof(err));
	size_t got = 0;

	ck_assert_ptr_nonnull(w);
	dworkers_set_groups(w, groups, 2);
	/* nothing is made before a group is asked for */
	dworkers_stats(w, &st);
	ck_assert_uint_eq(st.threads, 2);
	ck_assert_uint_eq(st.groups, 0);
	ck_assert_uint_eq(st.in_stock, 0);
	ck_assert_int_eq(dworkers_take(w, IKE_DH_CURVE25519, &dh), -EAGAIN);
	ck_assert_ptr_null(dh);
	wait_stock(w, PER_GROUP);
	dworkers_stats(w, &st);
	ck_assert_uint_eq(st.groups, 1);
	ck_assert_uint_eq(st.in_stock, PER_GROUP); /* full, and no more */
	ck_assert_uint_eq(st.inline_made, 1);
	/* a group the configuration does not have */
	ck_assert_int_eq(dworkers_take(w, IKE_DH_ECP256, &dh), -ENOENT);

	/* TAKE keys, refilled as they go: each of the group, each new */
	while (got < TAKE) {
		const uint8_t *pub;
		size_t len;

		if (dworkers_take(w, IKE_DH_CURVE25519, &dh)) {
			wait_stock(w, 1);
			continue;
		}
		ck_assert_ptr_nonnull(dh);
		ck_assert_uint_eq(ike_dh_group(dh), IKE_DH_CURVE25519);
		pub = ike_dh_public(dh, &len);
		ck_assert_uint_eq(len, 32);
		for (size_t i = 0; i < got; i++)
			ck_assert_msg(memcmp(pubs[i], pub, 32), "key %zu handed out twice", i);
		memcpy(pubs[got++], pub, 32);
		ike_dh_free(dh);
		dh = NULL;
	}
	dworkers_stats(w, &st);
	ck_assert_uint_eq(st.taken, TAKE);
	ck_assert_uint_ge(st.made, TAKE);
	ck_assert_uint_eq(st.failed, 0);
	dworkers_free(w);
}
END_TEST

START_TEST(test_reload_wipes)
{
	const uint16_t both[] = { IKE_DH_CURVE25519, IKE_DH_ECP256 };
	const uint16_t one[] = { IKE_DH_CURVE25519 };
	struct dworkers_stats st;
	struct ike_dh *dh = NULL;
	char err[128];
	struct dworkers *w = dworkers_new(1, PER_GROUP, err, sizeof(err));

	ck_assert_ptr_nonnull(w);
	dworkers_set_groups(w, both, 2);
	ck_assert_int_eq(dworkers_take(w, IKE_DH_CURVE25519, &dh), -EAGAIN);
	ck_assert_int_eq(dworkers_take(w, IKE_DH_ECP256, &dh), -EAGAIN);
	wait_stock(w, 2 * PER_GROUP);
	dworkers_stats(w, &st);
	ck_assert_uint_eq(st.groups, 2);
	/* a reload without P-256: its keys go at once, X25519's stay */
	dworkers_set_groups(w, one, 1);
	dworkers_stats(w, &st);
	ck_assert_uint_eq(st.groups, 1);
	ck_assert_uint_eq(st.in_stock, PER_GROUP);
	ck_assert_int_eq(dworkers_take(w, IKE_DH_ECP256, &dh), -ENOENT);
	ck_assert_int_eq(dworkers_take(w, IKE_DH_CURVE25519, &dh), 0);
	ike_dh_free(dh);
	/* stopped with a stock (and maybe a key being made): all freed */
	dworkers_free(w);
	dworkers_free(NULL);
}
END_TEST

START_TEST(test_bad_count)
{
	char err[128] = "";

	ck_assert_ptr_null(dworkers_new(0, 0, err, sizeof(err)));
	ck_assert_str_eq(err, "--workers: 0 to 64 threads");
	ck_assert_ptr_null(dworkers_new(DWORKERS_MAX + 1, 0, err, sizeof(err)));
}
END_TEST

START_TEST(test_groups_of)
{
	uint16_t g[16];
	size_t n = 0;

	dworkers_groups_of("aes128-sha256-modp2048-x25519,aes256gcm16-prfsha256-x25519",
			   IKE_PROTO_IKE, g, &n, 16);
	ck_assert_uint_eq(n, 2);
	ck_assert_uint_eq(g[0], IKE_DH_MODP2048);
	ck_assert_uint_eq(g[1], IKE_DH_CURVE25519);
	/* ESP: PFS groups only; none without */
	dworkers_groups_of("aes128gcm16", IKE_PROTO_ESP, g, &n, 16);
	ck_assert_uint_eq(n, 2);
	dworkers_groups_of("aes128gcm16-ecp256-x25519", IKE_PROTO_ESP, g, &n, 16);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(g[2], IKE_DH_ECP256);
	/* what does not parse adds nothing; max is kept */
	dworkers_groups_of("aes257-sha256-modp3072", IKE_PROTO_IKE, g, &n, 16);
	ck_assert_uint_eq(n, 3);
	dworkers_groups_of("aes128-sha256-modp3072", IKE_PROTO_IKE, g, &n, 3);
	ck_assert_uint_eq(n, 3);
	/* NULL: the defaults, X25519 among them */
	n = 0;
	dworkers_groups_of(NULL, IKE_PROTO_IKE, g, &n, 16);
	ck_assert_uint_gt(n, 5);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("daemon_workers");
	TCase *tc = tcase_create("workers");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_take_distinct);
	tcase_add_test(tc, test_reload_wipes);
	tcase_add_test(tc, test_bad_count);
	tcase_add_test(tc, test_groups_of);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
