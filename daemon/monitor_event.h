/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The engine's events as conduitctl monitor's JSON lines (conduitctl(8)). */
#ifndef CONDUIT_DAEMON_MONITOR_EVENT_H
#define CONDUIT_DAEMON_MONITOR_EVENT_H

#include <stdint.h>

#include <jansson.h>

#include "ike/ike.h"

/* A new JSON object for ev, stamped with now (seconds since the epoch),
 * or NULL for an event monitors do not show (a half-open responder SA
 * timing out, as is routine under a flood) or when out of memory. Only
 * ev's own fields are read: the cost does not grow with the SAs. */
json_t *mon_event_json(const struct ike_event *ev, int64_t now);

#endif
