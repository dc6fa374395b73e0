// SPDX-License-Identifier: GPL-2.0-or-later
/* The timer heap against a plain array doing the same thing slowly. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "ike/timer.h"
#include "tests/unit/unit.h"

#define N 200

static struct ike_timer timers[N];
static int fired[N];

static void on_fire(struct ike_timer *t, void *ctx)
{
	(void)ctx;
	fired[t - timers]++;
}

static uint32_t rnd(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

START_TEST(test_heap_matches_reference)
{
	struct ike_timer_heap h;
	uint64_t ref[N]; /* UINT64_MAX: not armed */
	uint32_t seed = 42;
	uint64_t now = 0;
	int bad = 0;

	ike_timer_heap_init(&h);
	for (int i = 0; i < N; i++) {
		ike_timer_init(&timers[i], on_fire);
		ref[i] = UINT64_MAX;
		fired[i] = 0;
	}
	for (int step = 0; step < 20000; step++) {
		int i = (int)(rnd(&seed) % N);
		uint32_t op = rnd(&seed) % 10;
		uint64_t min = UINT64_MAX;

		if (op < 5) {
			uint64_t at = now + rnd(&seed) % 1000;

			bad += ike_timer_set(&h, &timers[i], at) != 0;
			ref[i] = at;
			bad += !ike_timer_armed(&timers[i]);
		} else if (op < 8) {
			ike_timer_cancel(&h, &timers[i]);
			ref[i] = UINT64_MAX;
		} else {
			struct ike_timer *t;
			int before[N];

			now += rnd(&seed) % 200;
			for (int k = 0; k < N; k++)
				before[k] = fired[k];
			while ((t = ike_timer_pop_due(&h, now)))
				t->fn(t, NULL);
			for (int k = 0; k < N; k++) {
				bool due = ref[k] <= now;

				/* one assertion per step: Check's are slow */
				bad += fired[k] - before[k] != (due ? 1 : 0);
				if (due)
					ref[k] = UINT64_MAX;
				bad += ike_timer_armed(&timers[k]) != (ref[k] != UINT64_MAX);
			}
			if (bad)
				ck_abort_msg("step %d: %d mismatches", step, bad);
		}
		for (int k = 0; k < N; k++)
			if (ref[k] < min)
				min = ref[k];
		if (ike_timer_next(&h) != min)
			ck_abort_msg("step %d: next %llu, expected %llu", step,
				     (unsigned long long)ike_timer_next(&h),
				     (unsigned long long)min);
	}
	ike_timer_heap_free(&h);
	for (int k = 0; k < N; k++)
		ck_assert(!ike_timer_armed(&timers[k]));
}
END_TEST

START_TEST(test_equal_deadlines_and_reschedule)
{
	struct ike_timer_heap h;
	struct ike_timer *t;
	int n = 0;

	ike_timer_heap_init(&h);
	for (int i = 0; i < 10; i++) {
		ike_timer_init(&timers[i], on_fire);
		ck_assert_int_eq(ike_timer_set(&h, &timers[i], 5), 0);
	}
	/* moving one later and one earlier */
	ike_timer_set(&h, &timers[3], 50);
	ike_timer_set(&h, &timers[7], 1);
	ck_assert_uint_eq(ike_timer_next(&h), 1);
	ck_assert_ptr_eq(ike_timer_pop_due(&h, 4), &timers[7]);
	ck_assert_ptr_null(ike_timer_pop_due(&h, 4));
	while ((t = ike_timer_pop_due(&h, 5))) {
		ck_assert_ptr_ne(t, &timers[3]);
		n++;
	}
	ck_assert_int_eq(n, 8);
	ck_assert_uint_eq(ike_timer_next(&h), 50);
	ike_timer_cancel(&h, &timers[3]);
	ike_timer_cancel(&h, &timers[3]); /* twice is harmless */
	ck_assert_uint_eq(ike_timer_next(&h), IKE_TIMER_NONE);
	ike_timer_heap_free(&h);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ike_timer");
	TCase *tc = tcase_create("heap");

	tcase_add_test(tc, test_heap_matches_reference);
	tcase_add_test(tc, test_equal_deadlines_and_reschedule);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
