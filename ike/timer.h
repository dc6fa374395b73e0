/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Timers of the engine: a binary min-heap of timers embedded in their
 * owners (an SA or the engine). The heap holds pointers only, so arming,
 * cancelling and rescheduling cost O(log n) and no allocation once the heap
 * has grown; an owner cancels its timers before it is freed, so no timer
 * outlives what it was for.
 */
#ifndef CONDUIT_IKE_TIMER_H
#define CONDUIT_IKE_TIMER_H

#include <stddef.h>
#include <stdint.h>

struct ike_timer;
/* ctx: what the heap's runner passes (the engine) */
typedef void (*ike_timer_fn)(struct ike_timer *t, void *ctx);

struct ike_timer {
	uint64_t at;	 /* monotonic ms */
	uint32_t pos;	 /* index in the heap + 1; 0: not armed */
	ike_timer_fn fn; /* the owner recovers itself with container_of */
};

struct ike_timer_heap {
	struct ike_timer **v;
	uint32_t n, cap;
};

#define IKE_TIMER_NONE UINT64_MAX

static inline void ike_timer_init(struct ike_timer *t, ike_timer_fn fn)
{
	t->at = 0;
	t->pos = 0;
	t->fn = fn;
}

static inline int ike_timer_armed(const struct ike_timer *t)
{
	return t->pos != 0;
}

void ike_timer_heap_init(struct ike_timer_heap *h);
/* The heap must be empty: every owner cancels its own timers. */
void ike_timer_heap_free(struct ike_timer_heap *h);
/* Arm t at `at`, or move it there if it is armed. 0 or -ENOMEM. */
int ike_timer_set(struct ike_timer_heap *h, struct ike_timer *t, uint64_t at);
/* Disarm t; harmless if it is not armed. */
void ike_timer_cancel(struct ike_timer_heap *h, struct ike_timer *t);
/* The earliest deadline, or IKE_TIMER_NONE. */
uint64_t ike_timer_next(const struct ike_timer_heap *h);
/* Disarm and return the earliest timer due at `now`, or NULL. */
struct ike_timer *ike_timer_pop_due(struct ike_timer_heap *h, uint64_t now);

#endif
