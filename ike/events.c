// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine's log lines and events, through its environment.
 */
#include <arpa/inet.h>
#include <stdio.h>

#include "ike/engine.h"

static void call_log(struct ike_engine *e, enum ike_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void call_log(struct ike_engine *e, enum ike_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	e->env.log(e->env.ctx, lvl, fmt, ap);
	va_end(ap);
}

bool ike_log_on(const struct ike_engine *e, enum ike_log_level lvl)
{
	return e->env.log && (!e->env.log_enabled || e->env.log_enabled(e->env.ctx, lvl));
}

void ike_log(struct ike_engine *e, enum ike_log_level lvl, const char *fmt, ...)
{
	va_list ap;

	if (!ike_log_on(e, lvl))
		return;
	va_start(ap, fmt);
	e->env.log(e->env.ctx, lvl, fmt, ap);
	va_end(ap);
}

const char *ike_addr_str(const struct ike_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	if (a->family == AF_INET && inet_ntop(AF_INET, a->ip, ip, sizeof(ip)))
		snprintf(buf, len, "%s[%u]", ip, a->port);
	else if (a->family == AF_INET6 && inet_ntop(AF_INET6, a->ip, ip, sizeof(ip)))
		snprintf(buf, len, "[%s]:%u", ip, a->port);
	else
		snprintf(buf, len, "%%any");
	return buf;
}

void ike_log_sa(struct ike_engine *e, enum ike_log_level lvl, const struct ike_sa *sa,
		const char *fmt, ...)
{
	char msg[1024], peer[IKE_ADDR_STR_LEN];
	va_list ap;

	if (sa->log_quiet && lvl == IKE_LOG_INFO)
		lvl = IKE_LOG_DEBUG;
	if (!ike_log_on(e, lvl))
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	call_log(e, lvl, "%s[%u] %s: %s", sa->conn->name, sa->id,
		 ike_addr_str(&sa->remote, peer, sizeof(peer)), msg);
}

static void emit_event(struct ike_engine *e, enum ike_event_type type, const struct ike_sa *sa,
		       const char *child_name, uint32_t child_id, uint16_t notify,
		       const char *reason, bool rekeyed, bool quiet)
{
	struct ike_event ev = {
		.type = type,
		.conn_name = sa->conn->name,
		.child_name = child_name,
		.ike_sa_id = sa->id,
		.child_id = child_id,
		.notify = notify,
		.reason = reason,
		.cause = rekeyed ? IKE_CAUSE_REKEYED : sa->down_cause,
		.rekeyed = rekeyed,
		.quiet = quiet,
	};

	ike_ctr_event(e, sa->conn, &ev);
	if (e->env.event)
		e->env.event(e->env.ctx, &ev);
}

void ike_event_named(struct ike_engine *e, enum ike_event_type type, const struct ike_sa *sa,
		     const char *child_name, uint32_t child_id, uint16_t notify, const char *reason)
{
	emit_event(e, type, sa, child_name, child_id, notify, reason,
		   type == IKE_EV_IKE_DOWN && sa->down_cause == IKE_CAUSE_REKEYED, false);
}

void ike_event_failed_quiet(struct ike_engine *e, const struct ike_sa *sa, const char *reason)
{
	emit_event(e, IKE_EV_FAILED, sa, NULL, 0, 0, reason, false, true);
}

void ike_event(struct ike_engine *e, enum ike_event_type type, const struct ike_sa *sa,
	       const struct ike_child *child, uint16_t notify, const char *reason)
{
	bool rekeyed = (type == IKE_EV_IKE_DOWN && sa->down_cause == IKE_CAUSE_REKEYED) ||
		       (type == IKE_EV_CHILD_DOWN && child && child->state == IKE_CHILD_REKEYED);

	emit_event(e, type, sa, child ? sa->conn->children[child->cfg_idx].cfg.name : NULL,
		   child ? child->id : 0, notify, reason, rekeyed, false);
}
