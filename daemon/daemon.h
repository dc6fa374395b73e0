/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conduitd's state, shared by daemon/conduitd.c (main, the event loop, the
 * engine's environment, loading the configuration) and daemon/ctl_cmds.c
 * (the control commands' handlers). Single-threaded: everything runs on
 * the event_base's thread.
 */
#ifndef CONDUIT_DAEMON_DAEMON_H
#define CONDUIT_DAEMON_DAEMON_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <time.h>

#include <jansson.h>
#include <uthash.h>

#include "daemon/ctl.h"
#include "daemon/dcfg.h"
#include "ike/ike.h"

/* How long initiate waits by default for its SAs (its "timeout"). */
#define INITIATE_TIMEOUT_S 30

/* An initiate waiting for its SAs (daemon/ctl_cmds.c). */
struct pending;
TAILQ_HEAD(pending_list, pending);

/* A connection as the engine has it: converted (its DNS names resolved)
 * when it was last added, which traps, larval drops and the next
 * resolution compare with. */
struct loaded {
	UT_hash_handle hh; /* by dc.cfg.name */
	struct dcfg_conn dc;
};

struct daemon {
	struct event_base *base;
	struct ike_engine *engine;
	struct kif *kif;
	struct dkern *kern;
	struct dtrap *trap;
	struct updown *updown; /* the scripts' runner */
	struct utrack *utrack; /* when they run */
	unsigned int updown_timeout;
	struct kif_rt *rt;     /* rtnetlink */
	struct droute *routes; /* install_routes */
	bool install_routes;
	uint32_t routing_table, routing_prio;
	struct net *net;
	struct ctl_server *ctl;
	struct mon_hub *mon; /* conduitctl monitor's subscribers */
	struct conf *conf;
	const char *config_path;
	const char *swanctl_dir; /* NULL: the configuration file's directory */
	struct ike_creds *creds;
	struct event *wake_ev, *kif_ev, *sig_hup, *sig_term, *sig_int, *watchdog_ev, *stop_ev;
	struct pending_list pending;
	struct loaded *loaded;
	struct dworkers *workers; /* --workers: key pairs made ahead; NULL: off */
	time_t started;
	bool stopping;
	uint64_t stop_deadline;
};

/* The monotonic clock in milliseconds (the engine's clock). */
uint64_t mono_ms(void);
/* a's address, "%any" when unset, "?" when it cannot be printed. */
const char *addr_str(const struct ike_addr *a, char *buf, size_t len);

struct sa_count {
	const char *conn;
	unsigned int ike, child;
};
/* The IKE and CHILD SAs of connection conn (NULL: all). */
struct sa_count count_sas(struct daemon *d, const char *conn);

/* The connection as loaded into the engine, or NULL. */
struct loaded *loaded_find(struct daemon *d, const char *name);
/* Before an initiate: look connection name's DNS names up again. */
void refresh_names(struct daemon *d, const char *name);
/* Re-read the configuration; the control reply ({"ok":...}). */
json_t *do_reload(struct daemon *d);

/* daemon/ctl_cmds.c: the command table's handlers for ctl_server_new
 * (arg: the daemon), and the engine's events for waiting commands. */
const struct ctl_handlers *ctl_cmds_handlers(void);
void ctl_cmds_event(struct daemon *d, const struct ike_event *ev);
/* Frees what the commands keep between calls (after ctl_server_free). */
void ctl_cmds_cleanup(void);
ctl_handler_fn ctl_h_status, ctl_h_list_conns, ctl_h_list_sas, ctl_h_list_certs, ctl_h_initiate,
    ctl_h_terminate, ctl_h_rekey, ctl_h_reload, ctl_h_list_pols, ctl_h_list_algs,
    ctl_h_monitor;
ctl_handler_fn ctl_h_counters, ctl_h_metrics; /* daemon/metrics.c's replies */

#endif
