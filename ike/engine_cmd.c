// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The engine's commands (initiate, terminate, rekey, reauthenticate, a
 * child's expiry from the kernel) and its listings (counts, SAs).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike/engine.h"

struct ike_sa *ike_initiate_sa(struct ike_engine *e, struct ike_conn *c, const uint16_t *idx,
			       size_t n, uint32_t reauth_of, int *rc)
{
	struct ike_addr local = c->cfg.local;
	struct ike_sa *sa;

	if (!local.port)
		local.port = 500;
	sa = ike_sa_new(e, c, true, &local, &c->cfg.remote);
	if (!sa) {
		*rc = -ENOMEM;
		return NULL;
	}
	if (!sa->remote.port)
		sa->remote.port = 500;
	/* A peer on 4500 is talked to from 4500 from the start, with the
	 * non-ESP marker (RFC 7296 2.23). */
	if (sa->remote.port == 4500 && sa->local.port == 500)
		sa->local.port = 4500;
	sa->reauth_of = reauth_of;
	/* The first child rides IKE_AUTH; the others follow it. */
	if (n) {
		sa->ho->has_child = true;
		sa->ho->child.cfg_idx = idx[0];
		sa->ho->child_reauth = reauth_of != 0;
	}
	for (size_t i = 1; i < n; i++) {
		struct ike_task *t = ike_task_queue(e, sa, IKE_TASK_NEW_CHILD, 0, idx[i]);

		if (t)
			t->reauth = reauth_of != 0;
	}
	*rc = ike_sa_init_start(e, sa);
	if (*rc) {
		ike_sa_fail(e, sa, 0, "cannot start IKE_SA_INIT");
		return NULL;
	}
	return sa;
}

/* The child of config idx is up on sa, or on its way there. */
static bool child_wanted(const struct ike_sa *sa, uint16_t idx)
{
	const struct ike_child *ch;

	LIST_FOREACH (ch, &sa->children, entry)
		if (ch->cfg_idx == idx && (ike_child_live(ch) || ch->state == IKE_CHILD_CREATED))
			return true;
	if (sa->ho && sa->ho->has_child && sa->ho->child.cfg_idx == idx)
		return true;
	if (sa->exch && sa->exch->kind == IKE_REQ_NEW_CHILD && sa->exch->child.cfg_idx == idx)
		return true;
	return ike_task_find(sa, IKE_TASK_NEW_CHILD, 0, idx) != NULL;
}

/* An IKE SA of this connection (as configured now) with its peer that
 * new children can join, as strongSwan reuses one: established (or being
 * set up by us), not going away, not being replaced by a reauthentication. */
static struct ike_sa *reusable_sa(struct ike_engine *e, struct ike_conn *c)
{
	struct ike_sa *sa, *found = NULL;

	LIST_FOREACH (sa, &c->sas, conn_entry) {
		const struct ike_sa *o;
		bool replaced = false;

		if ((!ike_sa_usable(sa) && sa->state != IKE_S_INIT_SENT &&
		     sa->state != IKE_S_AUTH_SENT) ||
		    ike_task_find(sa, IKE_TASK_DELETE_IKE, 0, 0) ||
		    sa->remote.family != c->cfg.remote.family ||
		    memcmp(sa->remote.ip, c->cfg.remote.ip, sizeof(sa->remote.ip)))
			continue;
		LIST_FOREACH (o, &c->sas, conn_entry)
			replaced = replaced || o->reauth_of == sa->id;
		if (replaced)
			continue;
		if (ike_sa_usable(sa))
			return sa;
		found = found ? found : sa;
	}
	(void)e;
	return found;
}

int ike_engine_initiate(struct ike_engine *e, const char *conn, const char *child)
{
	struct ike_conn *c = conn ? ike_conn_find(e, conn) : NULL;
	uint16_t *idx;
	struct ike_sa *sa;
	size_t n = 0;
	int rc = 0;

	if (!c)
		return -ENOENT;
	if (!c->cfg.remote.family)
		return -EDESTADDRREQ;
	idx = calloc(c->cfg.n_children ? c->cfg.n_children : 1, sizeof(*idx));
	if (!idx)
		return -ENOMEM;
	for (size_t i = 0; i < c->cfg.n_children; i++)
		if (!child || !strcmp(c->children[i].cfg.name, child))
			idx[n++] = (uint16_t)i;
	if (child && !n) {
		free(idx);
		return -ENOENT;
	}
	if (!n && c->cfg.childless == IKE_CHILDLESS_NEVER) {
		free(idx);
		return -EINVAL; /* nothing to start, and no childless IKE SA */
	}
	ike_engine_enter(e);
	sa = reusable_sa(e, c);
	if (sa) {
		for (size_t i = 0; i < n; i++)
			if (!child_wanted(sa, idx[i]))
				ike_task_queue(e, sa, IKE_TASK_NEW_CHILD, 0, idx[i]);
		ike_sa_kick(e, sa);
	} else {
		sa = ike_initiate_sa(e, c, idx, n, 0, &rc);
	}
	if (sa)
		rc = (int)sa->id;
	ike_engine_leave(e);
	free(idx);
	return rc;
}

bool ike_engine_ike_sa_is_up(struct ike_engine *e, uint32_t ike_sa_id)
{
	struct ike_sa *sa = ike_sa_by_id(e, ike_sa_id);

	return sa && ike_sa_usable(sa);
}

bool ike_engine_child_is_up(struct ike_engine *e, uint32_t ike_sa_id, const char *child)
{
	struct ike_sa *sa = ike_sa_by_id(e, ike_sa_id);
	struct ike_child *c;

	if (!sa || !ike_sa_usable(sa))
		return false;
	LIST_FOREACH (c, &sa->children, entry)
		if (ike_child_live(c) &&
		    (!child || !strcmp(sa->conn->children[c->cfg_idx].cfg.name, child)))
			return true;
	return false;
}

int ike_engine_terminate_child(struct ike_engine *e, const char *conn, const char *child)
{
	struct ike_conn *c = conn && child ? ike_conn_find(e, conn) : NULL;
	int found = 0;

	if (!c)
		return -ENOENT;
	ike_engine_enter(e);
	/* A child taken down on purpose is not restarted. */
	ike_dpd_cancel_restarts(e, conn, child);
	for (; c; c = c->older) {
		struct ike_sa *sa, *next;

		for (sa = LIST_FIRST(&c->sas); sa; sa = next) {
			struct ike_child *ch, *cn;
			struct ike_task *t, *tn;

			next = LIST_NEXT(sa, conn_entry);
			for (t = TAILQ_FIRST(&sa->tasks); t; t = tn) {
				tn = TAILQ_NEXT(t, entry);
				if (t->kind == IKE_TASK_NEW_CHILD &&
				    !strcmp(c->children[t->cfg_idx].cfg.name, child)) {
					ike_task_drop(e, sa, t, "terminated by request");
					found++;
				}
			}
			for (ch = LIST_FIRST(&sa->children); ch; ch = cn) {
				cn = LIST_NEXT(ch, entry);
				if (!ike_child_live(ch) ||
				    strcmp(c->children[ch->cfg_idx].cfg.name, child))
					continue;
				if (ike_sa_usable(sa))
					ike_child_delete(e, ch, "terminated by request");
				else
					ike_child_free(e, ch, "terminated by request");
				found++;
			}
			if (ike_sa_kick(e, sa) == IKE_GONE)
				continue;
		}
	}
	ike_engine_leave(e);
	return found ? 0 : -ENOENT;
}

/* Established: a Delete exchange; connecting: it just goes. */
static void terminate_sa(struct ike_engine *e, struct ike_sa *sa)
{
	if (sa->state >= IKE_S_ESTABLISHED) {
		if (!ike_task_find(sa, IKE_TASK_DELETE_IKE, 0, 0) &&
		    !(sa->req_kind == IKE_REQ_DELETE_IKE))
			ike_task_queue(e, sa, IKE_TASK_DELETE_IKE, 0, 0);
		ike_sa_kick(e, sa);
	} else {
		ike_sa_fail(e, sa, 0, "terminated by request");
	}
}

int ike_engine_terminate(struct ike_engine *e, const char *conn, uint32_t ike_sa_id)
{
	struct ike_sa *sa, *tmp;
	int found = 0;

	ike_engine_enter(e);
	/* A connection taken down on purpose is not restarted. */
	if (conn)
		ike_dpd_cancel_restarts(e, conn, NULL);
	if (ike_sa_id) {
		sa = ike_sa_by_id(e, ike_sa_id);
		if (sa && (!conn || !strcmp(sa->conn->name, conn))) {
			ike_dpd_cancel_restarts(e, sa->conn->name, NULL);
			terminate_sa(e, sa);
			found = 1;
		}
	} else if (conn) {
		struct ike_conn *c = ike_conn_find(e, conn);

		for (; c; c = c->older) {
			for (sa = LIST_FIRST(&c->sas); sa; sa = tmp) {
				tmp = LIST_NEXT(sa, conn_entry);
				terminate_sa(e, sa);
				found = 1;
			}
		}
	}
	ike_engine_leave(e);
	return found ? 0 : -ENOENT;
}

void ike_engine_terminate_all(struct ike_engine *e)
{
	struct ike_sa *sa, *tmp;

	ike_engine_enter(e);
	ike_dpd_cancel_restarts(e, NULL, NULL);
	HASH_ITER (hh_id, e->sas_by_id, sa, tmp)
		terminate_sa(e, sa);
	ike_engine_leave(e);
}

void ike_engine_child_expired(struct ike_engine *e, uint32_t reqid, uint32_t spi, bool hard)
{
	struct ike_child *c = ike_child_by_reqid_spi(e, reqid, spi);

	if (!c)
		return;
	ike_engine_enter(e);
	if (!hard)
		ike_child_want_rekey(e, c, "soft lifetime reached (kernel)");
	else
		ike_child_expire(e, c, "hard lifetime expired (kernel)");
	ike_engine_leave(e);
}

int ike_engine_rekey(struct ike_engine *e, uint32_t ike_sa_id, uint32_t child_id)
{
	struct ike_sa *sa = ike_sa_by_id(e, ike_sa_id);
	struct ike_child *c;
	int rc = 0;

	if (!sa)
		return -ENOENT;
	ike_engine_enter(e);
	if (child_id) {
		c = ike_child_by_id(sa, child_id);
		if (!c)
			rc = -ENOENT;
		else if (!ike_child_want_rekey(e, c, "rekey requested"))
			rc = -EBUSY;
	} else if (!ike_sa_want_rekey(e, sa, "rekey requested")) {
		rc = -EBUSY;
	}
	ike_engine_leave(e);
	return rc;
}

int ike_engine_reauth(struct ike_engine *e, uint32_t ike_sa_id)
{
	struct ike_sa *sa = ike_sa_by_id(e, ike_sa_id), *o, *tmp;
	int rc;

	if (!sa)
		return -ENOENT;
	/* once: not while a reauthentication of it is under way */
	HASH_ITER (hh_id, e->sas_by_id, o, tmp)
		if (o->reauth_of == ike_sa_id)
			return -EBUSY;
	if (sa->state != IKE_S_ESTABLISHED || ike_task_find(sa, IKE_TASK_DELETE_IKE, 0, 0))
		return -EBUSY;
	ike_engine_enter(e);
	rc = ike_sa_reauth_start(e, sa, "reauthentication requested");
	ike_engine_leave(e);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Listing                                                              */

void ike_engine_counts(const struct ike_engine *e, size_t *ike_sas, size_t *child_sas)
{
	*ike_sas = HASH_CNT(hh_id, e->sas_by_id);
	*child_sas = e->n_children_all;
}

int ike_engine_foreach_sa(struct ike_engine *e, int (*fn)(void *arg, const struct ike_sa_info *),
			  void *arg)
{
	struct ike_sa *sa, *tmp;
	int rc = 0;

	HASH_ITER (hh_id, e->sas_by_id, sa, tmp) {
		struct ike_sa_info info;
		struct ike_child_info *ci = NULL;
		struct ike_child *c;
		size_t i = 0;

		memset(&info, 0, sizeof(info));
		info.id = sa->id;
		info.conn_name = sa->conn->name;
		info.state = sa->state == IKE_S_ESTABLISHED ? IKE_STATE_ESTABLISHED
			     : sa->state == IKE_S_DELETING  ? IKE_STATE_DELETING
			     /* Rekeying: ours is out, or it was replaced and goes soon. */
			     : sa->state == IKE_S_REKEYING || sa->state == IKE_S_REKEYED
				 ? IKE_STATE_REKEYING
				 : IKE_STATE_CONNECTING;
		info.initiator = sa->initiator;
		info.spi_i = sa->spi_i;
		info.spi_r = sa->spi_r;
		info.local = sa->local;
		info.remote = sa->remote;
		if (sa->conn->cfg.local_id.type)
			ike_id_format(sa->conn->cfg.local_id.type, sa->conn->cfg.local_id.data,
				      sa->conn->cfg.local_id.len, info.local_id,
				      sizeof(info.local_id));
		else
			ike_id_format(sa->local.family == AF_INET ? IKE_ID_IPV4_ADDR
								  : IKE_ID_IPV6_ADDR,
				      sa->local.ip, sa->local.family == AF_INET ? 4 : 16,
				      info.local_id, sizeof(info.local_id));
		ike_id_format(sa->peer_id_type, sa->peer_id, sa->peer_id ? sa->peer_id_len : 0,
			      info.remote_id, sizeof(info.remote_id));
		if (sa->keys_valid)
			ike_selected_format(&sa->sel, 0, info.algorithms, sizeof(info.algorithms));
		info.established_ms = sa->established_ms;
		info.nat_local = sa->nat_local;
		info.nat_remote = sa->nat_remote;
		info.nat_fake = sa->nat_fake;
		memcpy(info.local_auth, sa->auth_desc[0], sizeof(sa->auth_desc[0]));
		memcpy(info.remote_auth, sa->auth_desc[1], sizeof(sa->auth_desc[1]));
		info.encap = ike_nat_encap(sa);
		info.rekey_ms = ike_timer_armed(&sa->t_rekey) ? sa->t_rekey.at : 0;
		info.reauth_ms = ike_timer_armed(&sa->t_reauth) ? sa->t_reauth.at : 0;
		info.expire_ms = ike_timer_armed(&sa->t_hard) ? sa->t_hard.at : 0;
		if (sa->n_children) {
			ci = calloc(sa->n_children, sizeof(*ci));
			if (!ci)
				return -ENOMEM;
		}
		LIST_FOREACH (c, &sa->children, entry) {
			if (!ci || i >= sa->n_children)
				break;
			ci[i].child_id = c->id;
			ci[i].reqid = c->reqid;
			ci[i].name = sa->conn->children[c->cfg_idx].cfg.name;
			ci[i].mode = c->mode;
			ci[i].state = ike_child_state_name(c->state);
			ci[i].spi_in = c->spi_in;
			ci[i].spi_out = c->spi_out;
			ike_selected_format(&c->sel, 0, ci[i].algorithms, sizeof(ci[i].algorithms));
			if (c->n_lts)
				ike_ts_format(&c->ts[0], ci[i].local_ts, sizeof(ci[i].local_ts));
			if (c->n_rts)
				ike_ts_format(&c->ts[c->n_lts], ci[i].remote_ts,
					      sizeof(ci[i].remote_ts));
			ci[i].established_ms = c->established_ms;
			ci[i].rekey_ms = ike_timer_armed(&c->t_rekey) ? c->t_rekey.at : 0;
			ci[i].expire_ms = ike_timer_armed(&c->t_life) ? c->t_life.at : 0;
			i++;
		}
		info.n_children = i;
		info.children = ci;
		rc = fn(arg, &info);
		free(ci);
		if (rc)
			break;
	}
	return rc;
}
