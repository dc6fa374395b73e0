// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Dead peer detection (RFC 7296 2.4) and what becomes of SAs that go.
 *
 * Liveness: with dpd_delay, an established IKE SA that has received no
 * authenticated message for dpd_delay sends an empty INFORMATIONAL request.
 * The retransmission schedule of that request (or of any other one) decides
 * when the peer is dead; the IKE SA and its children are then removed
 * without a Delete, which could not reach the peer anyway.
 *
 * The timer is lazy: a received message only records the time, and the
 * timer, when it fires early, moves itself to last_rx + dpd_delay. So a busy
 * SA costs no heap operation per message.
 *
 * Actions (swanctl.conf, per child): dpd_action when the peer is dead,
 * close_action when the peer deleted the child or its IKE SA or the child
 * expired with no rekey. "trap" is the daemon's (trap policies, reported in
 * CHILD_DOWN's action); "restart" is done here: the connection is initiated
 * again with that child, and a failed attempt is retried after a delay that
 * doubles from the retransmission base (capped at 32 times it), up to the
 * connection's keyingtries (0: until it works). One restart record per
 * connection and child name; it goes when the IKE SA it started is
 * established, when it gives up, or when the connection is terminated,
 * removed or the engine stops.
 *
 * A child replaced by a rekey must have down_cause IKE_CAUSE_REKEYED set
 * before it is freed, so that neither its own Delete nor the peer's is
 * taken for a reason to act.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/engine.h"

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

#define RESTART_MAX_SHIFT 5 /* the retry delay grows to 32 retransmission bases */

struct ike_restart {
	char key[sizeof(((struct ike_conn *)0)->name) + 1 +
		 sizeof(((struct ike_child_cfg *)0)->name)];
	char conn[sizeof(((struct ike_conn *)0)->name)];
	char child[sizeof(((struct ike_child_cfg *)0)->name)];
	uint32_t failed;    /* attempts that failed so far */
	uint32_t sa_id;     /* the IKE SA of the attempt under way, or 0 */
	struct ike_timer t; /* the next attempt */
	UT_hash_handle hh;  /* engine->restarts, by key */
};

/* ------------------------------------------------------------------ */
/* Liveness                                                             */

/* The last news from the peer: an authenticated IKE message, or ESP
 * accepted by one of its CHILD SAs (when the environment can tell). */
static uint64_t last_news(struct ike_engine *e, struct ike_sa *sa, uint64_t now)
{
	return ike_children_last_use(e, sa, true, sa->last_rx_ms, now);
}

static void dpd_timer(struct ike_timer *t, void *ctx)
{
	struct ike_engine *e = ctx;
	struct ike_sa *sa = container_of(t, struct ike_sa, t_dpd);
	uint64_t delay = (uint64_t)sa->conn->cfg.dpd_delay * 1000;
	uint64_t now = ike_now(e);
	int rc;

	if (sa->state != IKE_S_ESTABLISHED || !delay)
		return;
	if (now < last_news(e, sa, now) + delay) {
		ike_timer_arm(e, &sa->t_dpd, last_news(e, sa, now) + delay);
		return;
	}
	/* A request under way checks liveness by itself: its answer, or its
	 * last retransmission, decides. */
	if (sa->req_kind != IKE_REQ_NONE || ike_task_find(sa, IKE_TASK_DELETE_IKE, 0, 0)) {
		ike_timer_arm(e, &sa->t_dpd, now + delay);
		return;
	}
	ike_log_sa(e, IKE_LOG_DEBUG, sa, "nothing from the peer for %u s: sending DPD",
		   sa->conn->cfg.dpd_delay);
	rc = ike_info_send_empty(e, sa);
	if (rc)
		ike_log_sa(e, IKE_LOG_WARN, sa, "cannot send DPD: %s", strerror(-rc));
	ike_timer_arm(e, &sa->t_dpd, now + delay);
}

static void restart_free(struct ike_engine *e, struct ike_restart *r);

void ike_dpd_received(struct ike_engine *e, struct ike_sa *sa)
{
	sa->last_rx_ms = ike_now(e);
	if (sa->state != IKE_S_ESTABLISHED || !sa->conn->cfg.dpd_delay ||
	    ike_timer_armed(&sa->t_dpd))
		return;
	if (!sa->t_dpd.fn)
		ike_timer_init(&sa->t_dpd, dpd_timer);
	ike_timer_arm(e, &sa->t_dpd, sa->last_rx_ms + (uint64_t)sa->conn->cfg.dpd_delay * 1000);
}

enum ike_verdict ike_dpd_peer_dead(struct ike_engine *e, struct ike_sa *sa)
{
	char reason[128];

	snprintf(reason, sizeof(reason), "peer dead (no answer to %s after %u retransmissions)",
		 sa->req_kind == IKE_REQ_EMPTY_INFO ? "DPD" : "INFORMATIONAL", sa->req_tries);
	/* Terminated on purpose while the request was out: not a death to
	 * act upon. */
	if (ike_sa_usable(sa) && !ike_task_find(sa, IKE_TASK_DELETE_IKE, 0, 0) && !sa->down_cause)
		sa->down_cause = IKE_CAUSE_DEAD;
	ike_log_sa(e, IKE_LOG_WARN, sa, "%s", reason);
	return ike_sa_close(e, sa, reason);
}

/* ------------------------------------------------------------------ */
/* Restarts                                                             */

static void restart_free(struct ike_engine *e, struct ike_restart *r)
{
	ike_timer_disarm(e, &r->t);
	HASH_DEL(e->restarts, r);
	free(r);
}

static uint64_t restart_delay(const struct ike_engine *e, uint32_t failed)
{
	uint32_t shift = failed ? failed - 1 : 0;

	if (shift > RESTART_MAX_SHIFT)
		shift = RESTART_MAX_SHIFT;
	return (uint64_t)e->opts.retransmit_base_ms << shift;
}

/* Whether an established IKE SA of the connection already has the child
 * (the peer may have brought it back first). */
static bool child_is_up(struct ike_conn *c, const char *child)
{
	struct ike_sa *sa;
	struct ike_child *ch;

	LIST_FOREACH (sa, &c->sas, conn_entry) {
		if (sa->state != IKE_S_ESTABLISHED)
			continue;
		LIST_FOREACH (ch, &sa->children, entry)
			if (ike_child_live(ch) && !strcmp(c->children[ch->cfg_idx].cfg.name, child))
				return true;
	}
	return false;
}

/* The attempt failed (or could not start): retry later, or give up. */
static void restart_failed(struct ike_engine *e, struct ike_restart *r)
{
	struct ike_conn *c = ike_conn_find(e, r->conn);
	uint32_t tries = c ? c->cfg.keyingtries : 1;

	r->sa_id = 0;
	r->failed++;
	if (!c || (tries && r->failed >= tries)) {
		ike_log(e, IKE_LOG_WARN, "%s: giving up restarting CHILD_SA %s after %u attempt%s",
			r->conn, r->child, r->failed, r->failed == 1 ? "" : "s");
		restart_free(e, r);
		return;
	}
	ike_log(e, IKE_LOG_INFO, "%s: restarting CHILD_SA %s failed, trying again in %llu ms",
		r->conn, r->child, (unsigned long long)restart_delay(e, r->failed));
	ike_timer_arm(e, &r->t, ike_now(e) + restart_delay(e, r->failed));
}

static void restart_timer(struct ike_timer *t, void *ctx)
{
	struct ike_engine *e = ctx;
	struct ike_restart *r = container_of(t, struct ike_restart, t);
	struct ike_conn *c = ike_conn_find(e, r->conn);
	uint32_t tries;
	int rc;

	if (!c) {
		restart_free(e, r);
		return;
	}
	if (child_is_up(c, r->child)) {
		ike_log(e, IKE_LOG_INFO, "%s: CHILD_SA %s is up again, no restart needed", r->conn,
			r->child);
		restart_free(e, r);
		return;
	}
	tries = c->cfg.keyingtries;
	if (tries)
		ike_log(e, IKE_LOG_INFO, "%s: restarting CHILD_SA %s (attempt %u of %u)", r->conn,
			r->child, r->failed + 1, tries);
	else
		ike_log(e, IKE_LOG_INFO, "%s: restarting CHILD_SA %s (attempt %u)", r->conn,
			r->child, r->failed + 1);
	rc = ike_engine_initiate(e, r->conn, r->child);
	if (rc == -ENOENT || rc == -EDESTADDRREQ || rc == -EINVAL) {
		/* Nothing a retry can change. */
		ike_log(e, IKE_LOG_WARN, "%s: cannot restart CHILD_SA %s: %s", r->conn, r->child,
			strerror(-rc));
		restart_free(e, r);
		return;
	}
	if (rc < 0) {
		restart_failed(e, r);
		return;
	}
	/* The child is up on it (or fails there), or the SA goes first. */
	r->sa_id = (uint32_t)rc;
}

static void restart_schedule(struct ike_engine *e, struct ike_sa *sa, const char *child)
{
	struct ike_restart *r;
	char key[sizeof(r->key)];

	snprintf(key, sizeof(key), "%s/%s", sa->conn->name, child);
	HASH_FIND_STR(e->restarts, key, r);
	if (r)
		return; /* under way, or waiting for its next attempt */
	r = calloc(1, sizeof(*r));
	if (!r) {
		ike_log_sa(e, IKE_LOG_ERROR, sa, "out of memory: CHILD_SA %s is not restarted",
			   child);
		return;
	}
	memcpy(r->key, key, sizeof(r->key));
	snprintf(r->conn, sizeof(r->conn), "%s", sa->conn->name);
	snprintf(r->child, sizeof(r->child), "%s", child);
	ike_timer_init(&r->t, restart_timer);
	HASH_ADD_STR(e->restarts, key, r);
	/* Not from inside the teardown of the SA that died: from the timers,
	 * at once. */
	ike_timer_arm(e, &r->t, ike_now(e));
}

void ike_dpd_cancel_restarts(struct ike_engine *e, const char *conn, const char *child)
{
	struct ike_restart *r, *tmp;

	HASH_ITER (hh, e->restarts, r, tmp)
		if ((!conn || !strcmp(r->conn, conn)) && (!child || !strcmp(r->child, child)))
			restart_free(e, r);
}

void ike_dpd_free(struct ike_engine *e)
{
	ike_dpd_cancel_restarts(e, NULL, NULL);
}

void ike_dpd_sa_gone(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_restart *r, *tmp;

	ike_timer_disarm(e, &sa->t_dpd);
	/* Restarts whose child never came up on it: the attempt failed. Few
	 * exist at any time (one per child that went down), so a walk is
	 * cheaper than a link per SA. */
	HASH_ITER (hh, e->restarts, r, tmp)
		if (r->sa_id == sa->id)
			restart_failed(e, r);
}

void ike_dpd_child_result(struct ike_engine *e, struct ike_sa *sa, const char *name, bool ok)
{
	struct ike_restart *r;
	char key[sizeof(r->key)];

	if (!e->restarts)
		return;
	snprintf(key, sizeof(key), "%s/%s", sa->conn->name, name);
	HASH_FIND_STR(e->restarts, key, r);
	if (!r)
		return;
	if (ok) {
		ike_log_sa(e, IKE_LOG_INFO, sa, "restart of CHILD_SA %s succeeded", name);
		restart_free(e, r);
	} else if (r->sa_id == sa->id) {
		restart_failed(e, r);
	}
}

/* ------------------------------------------------------------------ */
/* Children that go                                                     */

static const char *action_name(uint8_t a)
{
	return a == IKE_ACTION_RESTART ? "restart" : a == IKE_ACTION_TRAP ? "trap" : "clear";
}

/* Another installed CHILD_SA of c's reqid is up: c was replaced (by a
 * rekey, or by the CHILD_SA of a reauthenticated IKE SA, ours or the
 * peer's), whatever message took it down. */
static bool has_successor(struct ike_engine *e, const struct ike_child *c)
{
	for (const struct ike_child *o = ike_child_by_reqid(e, c->reqid); o; o = o->reqid_next)
		if (o != c && ike_child_live(o) && o->ike->state != IKE_S_GONE)
			return true;
	return false;
}

void ike_dpd_child_down(struct ike_engine *e, struct ike_sa *sa, struct ike_child *c,
			const char *reason)
{
	const struct ike_child_cfg *cfg = &sa->conn->children[c->cfg_idx].cfg;
	/* A rekey's predecessor (or a collision's loser) has a successor. */
	uint8_t cause = c->state == IKE_CHILD_REKEYED || has_successor(e, c) ? IKE_CAUSE_REKEYED
			: c->down_cause ? c->down_cause
					: sa->down_cause;
	uint8_t action = IKE_ACTION_NONE;
	struct ike_event ev;

	switch (cause) {
	case IKE_CAUSE_DEAD:
		action = cfg->dpd_action;
		break;
	case IKE_CAUSE_PEER_DELETE:
	case IKE_CAUSE_EXPIRED:
		action = cfg->close_action;
		break;
	default:
		break;
	}
	/* A connection that is gone (removed, or replaced by a version
	 * without this child) is not brought back. */
	if (action != IKE_ACTION_NONE) {
		struct ike_conn *now = ike_conn_find(e, sa->conn->name);
		bool has = false;

		for (size_t i = 0; now && i < now->cfg.n_children; i++)
			has = has || !strcmp(now->children[i].cfg.name, cfg->name);
		if (!has)
			action = IKE_ACTION_NONE;
		else if (action == IKE_ACTION_RESTART && !now->cfg.remote.family) {
			ike_log_sa(
			    e, IKE_LOG_WARN, sa,
			    "CHILD_SA %s: cannot restart, the connection has no remote address",
			    cfg->name);
			action = IKE_ACTION_NONE;
		}
	}
	if (action != IKE_ACTION_NONE)
		ike_log_sa(e, IKE_LOG_INFO, sa, "CHILD_SA %s{%u}: %s_action = %s", cfg->name, c->id,
			   cause == IKE_CAUSE_DEAD ? "dpd" : "close", action_name(action));
	memset(&ev, 0, sizeof(ev));
	ev.type = IKE_EV_CHILD_DOWN;
	ev.conn_name = sa->conn->name;
	ev.child_name = cfg->name;
	ev.ike_sa_id = sa->id;
	ev.child_id = c->id;
	ev.reason = reason;
	ev.cause = cause;
	ev.rekeyed = cause == IKE_CAUSE_REKEYED;
	ev.action = action;
	ike_ctr_event(e, sa->conn, &ev);
	if (e->env.event)
		e->env.event(e->env.ctx, &ev);
	if (action == IKE_ACTION_RESTART)
		restart_schedule(e, sa, cfg->name);
}
