/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's side of `conduitctl counters` and `conduitctl metrics`:
 * the engine's counters (ike_engine_counters), its DoS figures
 * (ike_engine_stats), SA counts by state and each CHILD SA's traffic as
 * the JSON replies conduitctl renders (daemon/ctl_render_metrics.c). No
 * I/O of its own: the kernel's figures come through a callback, so the
 * unit tests drive it with two engines in memory.
 */
#ifndef CONDUIT_DAEMON_METRICS_H
#define CONDUIT_DAEMON_METRICS_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "ike/ike.h"

/* Version of the replies' shape ("schema"). */
#define METRICS_SCHEMA 1

/* One set of counters as a JSON object (see conduitctl(8), JSON OUTPUT). */
json_t *metrics_counters_json(const struct ike_counters *c);

/* The reply to counters: the global counters and every connection's, or
 * (conn) that connection's only; reset: zeroed after they are read, in
 * the same call (nothing counted in between is lost). An unknown conn is
 * {"ok":false,"error":...}. */
json_t *metrics_counters_reply(struct ike_engine *e, const char *conn, bool reset);

/* A CHILD SA's traffic as the kernel counts it. */
struct metrics_traffic {
	uint64_t bytes_in, packets_in, bytes_out, packets_out;
};
/* 0 and *t, or -errno when the kernel's figures are not available (then
 * the child has no traffic entry). */
typedef int metrics_traffic_fn(void *ctx, uint32_t child_id, struct metrics_traffic *t);

/* The reply to metrics: what counters gives (global and per connection),
 * "dos" (ike_engine_stats), "ike_sas" and "child_sas" (counts by
 * connection, child and state) and "traffic" (per CHILD SA; traffic NULL:
 * none). version: the daemon's. */
json_t *metrics_reply(struct ike_engine *e, const char *version, metrics_traffic_fn *traffic,
		      void *ctx);

#endif
