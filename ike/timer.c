// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>

#include "ike/timer.h"

void ike_timer_heap_init(struct ike_timer_heap *h)
{
	h->v = NULL;
	h->n = 0;
	h->cap = 0;
}

void ike_timer_heap_free(struct ike_timer_heap *h)
{
	for (uint32_t i = 0; i < h->n; i++)
		h->v[i]->pos = 0;
	free(h->v);
	ike_timer_heap_init(h);
}

static void place(struct ike_timer_heap *h, uint32_t i, struct ike_timer *t)
{
	h->v[i] = t;
	t->pos = i + 1;
}

static void sift_up(struct ike_timer_heap *h, uint32_t i)
{
	struct ike_timer *t = h->v[i];

	while (i > 0) {
		uint32_t parent = (i - 1) / 2;

		if (h->v[parent]->at <= t->at)
			break;
		place(h, i, h->v[parent]);
		i = parent;
	}
	place(h, i, t);
}

static void sift_down(struct ike_timer_heap *h, uint32_t i)
{
	struct ike_timer *t = h->v[i];

	for (;;) {
		uint32_t c = 2 * i + 1;

		if (c >= h->n)
			break;
		if (c + 1 < h->n && h->v[c + 1]->at < h->v[c]->at)
			c++;
		if (t->at <= h->v[c]->at)
			break;
		place(h, i, h->v[c]);
		i = c;
	}
	place(h, i, t);
}

int ike_timer_set(struct ike_timer_heap *h, struct ike_timer *t, uint64_t at)
{
	if (t->pos) {
		uint64_t old = t->at;

		t->at = at;
		if (at < old)
			sift_up(h, t->pos - 1);
		else
			sift_down(h, t->pos - 1);
		return 0;
	}
	if (h->n == h->cap) {
		uint32_t cap = h->cap ? h->cap * 2 : 16;
		struct ike_timer **v = realloc(h->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		h->v = v;
		h->cap = cap;
	}
	t->at = at;
	place(h, h->n++, t);
	sift_up(h, h->n - 1);
	return 0;
}

void ike_timer_cancel(struct ike_timer_heap *h, struct ike_timer *t)
{
	uint32_t i;
	struct ike_timer *last;

	if (!t->pos)
		return;
	i = t->pos - 1;
	t->pos = 0;
	last = h->v[--h->n];
	if (i == h->n)
		return;
	/* The last timer fills the hole and moves whichever way it must. */
	place(h, i, last);
	if (i > 0 && h->v[(i - 1) / 2]->at > last->at)
		sift_up(h, i);
	else
		sift_down(h, i);
}

uint64_t ike_timer_next(const struct ike_timer_heap *h)
{
	return h->n ? h->v[0]->at : IKE_TIMER_NONE;
}

struct ike_timer *ike_timer_pop_due(struct ike_timer_heap *h, uint64_t now)
{
	struct ike_timer *t;

	if (!h->n || h->v[0]->at > now)
		return NULL;
	t = h->v[0];
	ike_timer_cancel(h, t);
	return t;
}
