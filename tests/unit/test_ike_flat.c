// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A guard against per-SA paths that grow with the number of SAs held: two
 * pairs of engines in memory, one holding SMALL tunnels and one LARGE, each
 * tunnel its own connection on both sides (the responder has LARGE
 * connections with the same addresses, told apart by the peer's identity,
 * as a gateway serving many peers). Batches of new tunnels are then set up
 * on each pair in turn, and the CPU time per tunnel at LARGE held may be at
 * most RATIO times that at SMALL held. Both are measured in the same run,
 * interleaved, and the fastest batch of each counts, so that a loaded
 * machine moves both alike: a ratio, never an absolute time.
 *
 * The real cryptography (X25519, AES-GCM) costs the same at any size; an
 * O(n) walk of the SAs or connections on each new tunnel adds its length.
 */
#include "tests/bench/mem_pair.h"
#include "tests/unit/unit.h"

#define SMALL 500
#define LARGE 5000
#define BATCH 50
#define ROUNDS 6
#define RATIO 1.5

/* The CPU seconds the next BATCH tunnels of p take. */
static double batch(struct mp_pair *p)
{
	double t0 = mp_cpu_seconds(), t1;

	ck_assert_uint_eq(mp_grow(p, BATCH), BATCH);
	t1 = mp_cpu_seconds();
	return t1 - t0;
}

static void pair_init(struct mp_pair *p, size_t held)
{
	mp_pair_init(p, held + ROUNDS * BATCH, "aes128gcm16-prfsha256-x25519", "aes128gcm16");
	ck_assert_uint_eq(mp_grow(p, held), held);
}

START_TEST(per_sa_cost_is_flat)
{
	struct mp_pair s, l;
	double best_s = 1e9, best_l = 1e9;

	pair_init(&s, SMALL);
	pair_init(&l, LARGE);
	for (int r = 0; r < ROUNDS; r++) {
		double ts = batch(&s), tl = batch(&l);

		best_s = ts < best_s ? ts : best_s;
		best_l = tl < best_l ? tl : best_l;
	}
	printf("per tunnel (both ends): %.1f us with %d held, %.1f us with %d held: ratio %.2f "
	       "(at most %.1f)\n",
	       best_s * 1e6 / BATCH, SMALL, best_l * 1e6 / BATCH, LARGE, best_l / best_s, RATIO);
	ck_assert_msg(best_l <= RATIO * best_s,
		      "a tunnel costs %.2fx more with %d tunnels held than with %d: something on "
		      "the per-SA path grows with the number of SAs or connections",
		      best_l / best_s, LARGE, SMALL);
	mp_pair_free(&s);
	mp_pair_free(&l);
}
END_TEST

static Suite *flat_suite(void)
{
	Suite *s = suite_create("ike_flat");
	TCase *tc = tcase_create("flat");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, per_sa_cost_is_flat);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(flat_suite)
