// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bounded logs: an unauthenticated sender can cause a log line per
 * datagram, and 14k lines a second would bury real events (and trip
 * journald's rate limit, which drops lines at random). Each class of such
 * lines logs at most one a second; the rest are counted, with the number
 * of distinct sources (estimated from a bitmap of their keyed hashes), and
 * summed up in one line once the second is over:
 *
 *   suppressed 13412 'no connection for this peer' messages from 1022
 *   sources in the last 10 s
 *
 * Summary-only classes (half-open SAs evicted or timed out) log each SA at
 * debug and only the summary at info.
 */
#include <math.h>
#include <string.h>

#include "ike/dos.h"
#include "ike/engine.h"

#define IKE_LC_INTERVAL_MS 1000

static const struct {
	const char *name;
	bool summary_only;
} classes[IKE_LC_COUNT] = {
	[IKE_LC_NO_CONN] = { "no connection for this peer", false },
	[IKE_LC_NO_PROPOSAL] = { "no acceptable proposal", false },
	[IKE_LC_KE_GROUP] = { "key exchange group differs", false },
	[IKE_LC_KE_VALUE] = { "invalid key exchange value", false },
	[IKE_LC_COOKIE] = { "COOKIE required", false },
	[IKE_LC_SOURCE_FULL] = { "too many half-open IKE SAs from this source", false },
	[IKE_LC_EVICTED] = { "half-open IKE SAs evicted", true },
	[IKE_LC_EXPIRED] = { "half-open IKE SAs timed out", true },
	[IKE_LC_RATE] = { "unprotected reply rate limit", false },
	[IKE_LC_VERSION] = { "unsupported IKE version", false },
	[IKE_LC_MALFORMED] = { "malformed IKE_SA_INIT", false },
	[IKE_LC_ANSWERED] = { "IKE_SA_INIT answered", false },
};

const char *ike_lc_name(enum ike_lc_class c)
{
	return (unsigned int)c < IKE_LC_COUNT ? classes[c].name : "?";
}

/* Linear counting (Whang et al.): n = -m ln(zeros / m). */
static unsigned long distinct(const struct ike_lc_state *l)
{
	size_t zeros = 0;

	for (size_t i = 0; i < sizeof(l->seen); i++)
		zeros += 8 - (size_t)__builtin_popcount(l->seen[i]);
	if (!zeros)
		zeros = 1; /* saturated: a lower bound */
	return (unsigned long)(-(double)IKE_LC_BITS * log((double)zeros / IKE_LC_BITS) + 0.5);
}

static void summary(struct ike_engine *e, enum ike_lc_class cls, uint64_t now)
{
	struct ike_lc_state *l = &e->dos->lc[cls];
	uint64_t since =
	    classes[cls].summary_only || !l->logged ? l->first_suppressed_ms : l->last_ms;
	unsigned long secs = (unsigned long)((now - since + 500) / 1000);
	unsigned long srcs = distinct(l);

	if (!l->suppressed)
		return;
	if (classes[cls].summary_only)
		ike_log(e, IKE_LOG_INFO, "%llu %s (from %lu source%s) in the last %lu s",
			(unsigned long long)l->suppressed, classes[cls].name, srcs,
			srcs == 1 ? "" : "s", secs ? secs : 1);
	else
		ike_log(e, IKE_LOG_INFO,
			"suppressed %llu '%s' messages from %lu source%s in the last %lu s",
			(unsigned long long)l->suppressed, classes[cls].name, srcs,
			srcs == 1 ? "" : "s", secs ? secs : 1);
	l->suppressed = 0;
	l->logged = true;
	l->last_ms = now;
	memset(l->seen, 0, sizeof(l->seen));
}

bool ike_lc(struct ike_engine *e, enum ike_lc_class cls, const struct ike_addr *src)
{
	struct ike_dos *d = e->dos;
	struct ike_lc_state *l;
	uint64_t now = ike_now(e);

	if ((unsigned int)cls >= IKE_LC_COUNT)
		return false;
	l = &d->lc[cls];
	d->st.events[cls]++;
	/* A quiet class logs its line; one that was suppressed in the last
	 * second gets its summary instead (counting this event), so that a
	 * steady flood makes exactly one line a second. */
	if (!classes[cls].summary_only && !l->suppressed &&
	    (!l->logged || now >= l->last_ms + IKE_LC_INTERVAL_MS)) {
		l->logged = true;
		l->last_ms = now;
		return true;
	}
	d->st.suppressed[cls]++;
	if (!l->suppressed++)
		l->first_suppressed_ms = now;
	if (src) {
		uint64_t h = ike_dos_src_key(e, src) % IKE_LC_BITS;

		l->seen[h / 8] |= (uint8_t)(1u << (h % 8));
	}
	if (!classes[cls].summary_only && now >= l->last_ms + IKE_LC_INTERVAL_MS) {
		summary(e, cls, now);
		return false;
	}
	/* The summary goes out even if the flood stops now. */
	if (!ike_timer_armed(&d->t_lc)) {
		uint64_t at = classes[cls].summary_only || !l->logged
				  ? now + IKE_LC_INTERVAL_MS
				  : l->last_ms + IKE_LC_INTERVAL_MS;

		ike_timer_arm(e, &d->t_lc, at > now ? at : now + 1);
	}
	return false;
}

void ike_lc_timer(struct ike_timer *t, void *ctx)
{
	struct ike_engine *e = ctx;
	struct ike_dos *d = e->dos;
	uint64_t now = ike_now(e), next = UINT64_MAX;

	(void)t;
	for (int c = 0; c < IKE_LC_COUNT; c++) {
		struct ike_lc_state *l = &d->lc[c];
		uint64_t due;

		if (!l->suppressed)
			continue;
		due = classes[c].summary_only || !l->logged
			  ? l->first_suppressed_ms + IKE_LC_INTERVAL_MS
			  : l->last_ms + IKE_LC_INTERVAL_MS;
		if (due <= now)
			summary(e, (enum ike_lc_class)c, now);
		else if (due < next)
			next = due;
	}
	if (next != UINT64_MAX)
		ike_timer_arm(e, &d->t_lc, next);
}
