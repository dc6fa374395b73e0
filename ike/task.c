// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The queue of requests of an IKE SA. RFC 7296 2.3 lets us have one request
 * out at a time (we announce no larger window); everything else we want of
 * the peer waits here, and ike_sa_kick() starts the next one whenever the
 * window is free: after a response, after a handler, after a timer or a
 * command queued something.
 *
 * Precedence: the IKE SA's Delete (which makes everything else moot and
 * must be the last request on a rekeyed SA, RFC 7296 1.3.2), then Deletes
 * of CHILD SAs (they free resources and end what the user asked to end),
 * then new CHILD SAs and rekeys in the order they were asked for.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike/engine.h"

struct ike_task *ike_task_find(const struct ike_sa *sa, enum ike_task_kind kind, uint32_t child_id,
			       uint16_t cfg_idx)
{
	struct ike_task *t;

	TAILQ_FOREACH (t, &sa->tasks, entry) {
		if (t->kind != kind)
			continue;
		if (kind == IKE_TASK_NEW_CHILD
			? t->cfg_idx == cfg_idx
			: kind == IKE_TASK_DELETE_IKE || kind == IKE_TASK_REKEY_IKE ||
			      t->child_id == child_id)
			return t;
	}
	return NULL;
}

static void task_free(struct ike_sa *sa, struct ike_task *t)
{
	TAILQ_REMOVE(&sa->tasks, t, entry);
	free(t);
}

void ike_task_drop(struct ike_engine *e, struct ike_sa *sa, struct ike_task *t, const char *why)
{
	if (t->kind == IKE_TASK_NEW_CHILD && t->cfg_idx < sa->conn->cfg.n_children) {
		const char *name = sa->conn->children[t->cfg_idx].cfg.name;

		ike_log_sa(e, IKE_LOG_INFO, sa, "CHILD_SA %s not created: %s", name, why);
		ike_child_failed(e, sa, name, 0, why);
	}
	task_free(sa, t);
}

struct ike_task *ike_task_queue(struct ike_engine *e, struct ike_sa *sa, enum ike_task_kind kind,
				uint32_t child_id, uint16_t cfg_idx)
{
	struct ike_task *t = ike_task_find(sa, kind, child_id, cfg_idx);

	if (t)
		return t;
	/* Once the IKE SA's Delete is queued, nothing else will be sent. */
	if (kind != IKE_TASK_DELETE_IKE && ike_task_find(sa, IKE_TASK_DELETE_IKE, 0, 0))
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t) {
		ike_log_sa(e, IKE_LOG_ERROR, sa, "out of memory queueing a request");
		return NULL;
	}
	t->kind = (uint8_t)kind;
	t->child_id = child_id;
	t->cfg_idx = cfg_idx;
	if (kind == IKE_TASK_DELETE_IKE) {
		struct ike_task *o;

		while ((o = TAILQ_FIRST(&sa->tasks)))
			ike_task_drop(e, sa, o, "the IKE SA is being deleted");
	}
	TAILQ_INSERT_TAIL(&sa->tasks, t, entry);
	return t;
}

void ike_task_drop_child(struct ike_sa *sa, uint32_t child_id)
{
	struct ike_task *t, *next;

	for (t = TAILQ_FIRST(&sa->tasks); t; t = next) {
		next = TAILQ_NEXT(t, entry);
		if ((t->kind == IKE_TASK_DELETE_CHILD || t->kind == IKE_TASK_REKEY_CHILD) &&
		    t->child_id == child_id)
			task_free(sa, t);
	}
}

void ike_task_move(struct ike_sa *from, struct ike_sa *to)
{
	struct ike_task *t, *next;

	for (t = TAILQ_FIRST(&from->tasks); t; t = next) {
		next = TAILQ_NEXT(t, entry);
		if (t->kind == IKE_TASK_DELETE_IKE || t->kind == IKE_TASK_REKEY_IKE)
			continue;
		TAILQ_REMOVE(&from->tasks, t, entry);
		if (ike_task_find(to, t->kind, t->child_id, t->cfg_idx))
			free(t);
		else
			TAILQ_INSERT_TAIL(&to->tasks, t, entry);
	}
}

void ike_task_drop_all(struct ike_engine *e, struct ike_sa *sa, const char *why)
{
	struct ike_task *t;

	while ((t = TAILQ_FIRST(&sa->tasks)))
		ike_task_drop(e, sa, t, why);
}

bool ike_task_reauth_pending(const struct ike_sa *sa)
{
	const struct ike_task *t;

	if (sa->exch && sa->exch->kind == IKE_REQ_NEW_CHILD && sa->exch->reauth)
		return true;
	TAILQ_FOREACH (t, &sa->tasks, entry)
		if (t->kind == IKE_TASK_NEW_CHILD && t->reauth)
			return true;
	return false;
}

/* The task to start now, by precedence; NULL if none may start in this
 * state (a replaced or deleted SA sends only Deletes). */
static struct ike_task *next_task(struct ike_sa *sa)
{
	struct ike_task *t, *first = NULL;

	TAILQ_FOREACH (t, &sa->tasks, entry) {
		if (t->kind == IKE_TASK_DELETE_IKE)
			return t;
		if (t->kind == IKE_TASK_DELETE_CHILD) {
			if (!first || first->kind != IKE_TASK_DELETE_CHILD)
				first = t;
		} else if (!first && sa->state == IKE_S_ESTABLISHED) {
			first = t;
		}
	}
	return first;
}

/* Start t (already off the queue). 0: its request is out; -errno: it did
 * not start (its own code logged and reported why); -ESHUTDOWN: the SA
 * is gone. */
static int start(struct ike_engine *e, struct ike_sa *sa, const struct ike_task *t)
{
	struct ike_child *c;

	switch (t->kind) {
	case IKE_TASK_DELETE_IKE:
		if (sa->state != IKE_S_REKEYED)
			ike_sa_set_state(e, sa, IKE_S_DELETING, "Delete of the IKE SA");
		if (ike_info_send_delete_ike(e, sa)) {
			ike_sa_close(e, sa, "cannot send Delete");
			return -ESHUTDOWN;
		}
		return 0;
	case IKE_TASK_DELETE_CHILD:
		c = ike_child_by_id(sa, t->child_id);
		if (!c)
			return -ENOENT;
		if (ike_info_send_delete_child(e, sa, c)) {
			ike_child_free(e, c, "cannot send Delete");
			return -EIO;
		}
		return 0;
	case IKE_TASK_NEW_CHILD:
		return ike_child_create_start(e, sa, t->cfg_idx, t->reauth);
	case IKE_TASK_REKEY_CHILD:
		c = ike_child_by_id(sa, t->child_id);
		if (!c || c->state != IKE_CHILD_INSTALLED)
			return -ENOENT;
		return ike_child_rekey_start(e, sa, c);
	case IKE_TASK_REKEY_IKE:
		return ike_rekey_start(e, sa);
	}
	return -EINVAL;
}

enum ike_verdict ike_sa_kick(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_task *t;

	while (sa->req_kind == IKE_REQ_NONE && (t = next_task(sa))) {
		struct ike_task copy = *t;
		int rc;

		task_free(sa, t);
		rc = start(e, sa, &copy);
		if (rc == -ESHUTDOWN)
			return IKE_GONE;
	}
	return IKE_KEEP;
}
