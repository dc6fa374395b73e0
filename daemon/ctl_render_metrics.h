/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conduitctl's rendering of the counters and metrics replies (built by
 * daemon/metrics.c): counters as text for an operator, metrics in the
 * Prometheus text exposition format (version 0.0.4) for a scraper or
 * node_exporter's textfile collector. Tested from fixed JSON.
 */
#ifndef CONDUIT_DAEMON_CTL_RENDER_METRICS_H
#define CONDUIT_DAEMON_CTL_RENDER_METRICS_H

#include <stdio.h>

#include <jansson.h>

/* The reply to counters (ok true) as text. */
void ctl_counters_text(FILE *out, const json_t *reply);

/* The reply to metrics (ok true) in the Prometheus text format: for each
 * metric with samples, # HELP, # TYPE, then its samples. Counters end in
 * _total; per-connection figures are conduit_connection_* with a
 * connection label (the global ones also count what no connection could
 * be named for, so the two are not summed). Fields of the wrong type are
 * left out, never printed half. */
void ctl_prometheus_text(FILE *out, const json_t *reply);

/* A label value as the format wants it: \ " and newline escaped. */
void ctl_prom_label_value(FILE *out, const char *s);

#endif
