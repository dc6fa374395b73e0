// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"

#include "daemon/updown_track.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uthash.h>

#include "daemon/log.h"
#include "daemon/updown_env.h"

/* A tunnel: what its scripts are told. */
struct tunnel {
	uint32_t kreqid;
	UT_hash_handle hh;
	unsigned int n_children;
	bool up;
	char *command;
	bool host_access;
	char conn[64], child[64], iface[32];
	uint32_t ike_sa_id, child_id;
	struct ike_addr me, peer;
	struct ike_id my_id, peer_id;
	bool encap;
	struct dkern_marks marks;
	size_t n_lts, n_rts;
	struct ike_ts lts[IKE_MAX_TS], rts[IKE_MAX_TS];
};

struct child_ref {
	uint32_t child_id;
	uint32_t kreqid;
	UT_hash_handle hh;
};

struct utrack {
	struct updown *runner;
	struct tunnel *tunnels;
	struct child_ref *children;
};

struct utrack *utrack_new(struct updown *runner)
{
	struct utrack *t = calloc(1, sizeof(*t));

	if (t)
		t->runner = runner;
	return t;
}

static void tunnel_free(struct utrack *t, struct tunnel *tu)
{
	HASH_DEL(t->tunnels, tu);
	free(tu->command);
	free(tu);
}

void utrack_free(struct utrack *t)
{
	struct tunnel *tu, *tt;
	struct child_ref *c, *ct;

	if (!t)
		return;
	HASH_ITER (hh, t->tunnels, tu, tt)
		tunnel_free(t, tu);
	HASH_ITER (hh, t->children, c, ct) {
		HASH_DEL(t->children, c);
		free(c);
	}
	free(t);
}

int utrack_installed(struct utrack *t, const struct ike_child_install *ci,
		     const struct dcfg_child *gw, uint32_t kreqid, const struct dkern_marks *marks,
		     const char *interface)
{
	struct child_ref *c;
	struct tunnel *tu;

	if (!gw || !gw->updown || ci->update || ci->out_only)
		return 0;
	HASH_FIND(hh, t->tunnels, &kreqid, sizeof(kreqid), tu);
	if (!tu) {
		tu = calloc(1, sizeof(*tu));
		if (!tu || !(tu->command = strdup(gw->updown))) {
			free(tu);
			return -ENOMEM;
		}
		tu->kreqid = kreqid;
		HASH_ADD(hh, t->tunnels, kreqid, sizeof(tu->kreqid), tu);
	}
	HASH_FIND(hh, t->children, &ci->child_id, sizeof(ci->child_id), c);
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c) {
			if (!tu->n_children)
				tunnel_free(t, tu);
			return -ENOMEM;
		}
		c->child_id = ci->child_id;
		c->kreqid = kreqid;
		HASH_ADD(hh, t->children, child_id, sizeof(c->child_id), c);
		tu->n_children++;
	}
	/* the newest child's view (a script configured anew applies from
	 * the next up) */
	tu->host_access = gw->hostaccess;
	snprintf(tu->conn, sizeof(tu->conn), "%s", ci->conn_name);
	snprintf(tu->child, sizeof(tu->child), "%s", ci->child_name);
	if (interface || !tu->iface[0])
		snprintf(tu->iface, sizeof(tu->iface), "%s", interface ? interface : "");
	tu->ike_sa_id = ci->ike_sa_id;
	tu->child_id = ci->child_id;
	tu->me = ci->out.src;
	tu->peer = ci->out.dst;
	tu->my_id = ci->local_id;
	tu->peer_id = ci->remote_id;
	tu->encap = ci->encap;
	tu->marks = *marks;
	tu->n_lts = ci->n_local_ts < IKE_MAX_TS ? ci->n_local_ts : IKE_MAX_TS;
	tu->n_rts = ci->n_remote_ts < IKE_MAX_TS ? ci->n_remote_ts : IKE_MAX_TS;
	memcpy(tu->lts, ci->local_ts, tu->n_lts * sizeof(tu->lts[0]));
	memcpy(tu->rts, ci->remote_ts, tu->n_rts * sizeof(tu->rts[0]));
	return 0;
}

static void run_scripts(struct utrack *t, struct tunnel *tu, bool up)
{
	char prefix[200];
	struct updown_params p = {
		.up = up,
		.path = getenv("PATH"),
		.connection = tu->child,
		.interface = tu->iface,
		.reqid = tu->kreqid,
		.unique_id = tu->ike_sa_id,
		.me = tu->me,
		.peer = tu->peer,
		.my_id = &tu->my_id,
		.peer_id = &tu->peer_id,
		.mark_in = tu->marks.mark_in,
		.mark_in_mask = tu->marks.mark_in_mask,
		.mark_out = tu->marks.mark_out,
		.mark_out_mask = tu->marks.mark_out_mask,
		.if_id_in = tu->marks.if_id_in,
		.if_id_out = tu->marks.if_id_out,
		.udp_enc = tu->encap,
		.host_access = tu->host_access,
	};

	snprintf(prefix, sizeof(prefix), "%s[%u]/%s{%u}: ", tu->conn, tu->ike_sa_id, tu->child,
		 tu->child_id);
	for (size_t i = 0; i < tu->n_lts; i++)
		for (size_t j = 0; j < tu->n_rts; j++) {
			struct updown_env env;
			int rc;

			/* child_sa.c's policy enumerator pairs one family */
			if (tu->lts[i].type != tu->rts[j].type)
				continue;
			p.my_ts = &tu->lts[i];
			p.peer_ts = &tu->rts[j];
			rc = updown_env_build(&p, &env);
			if (!rc)
				rc = updown_run(t->runner, tu->kreqid, tu->command, env.vars,
						prefix);
			updown_env_free(&env);
			if (rc)
				log_msg(LOG_LEVEL_ERROR, "%supdown: cannot run %s: %s", prefix,
					up ? "up" : "down", strerror(-rc));
		}
}

static struct tunnel *tunnel_of(struct utrack *t, uint32_t child_id, struct child_ref **ref)
{
	struct child_ref *c;
	struct tunnel *tu = NULL;

	HASH_FIND(hh, t->children, &child_id, sizeof(child_id), c);
	if (c)
		HASH_FIND(hh, t->tunnels, &c->kreqid, sizeof(c->kreqid), tu);
	if (ref)
		*ref = c;
	return tu;
}

void utrack_child_up(struct utrack *t, uint32_t child_id)
{
	struct tunnel *tu = tunnel_of(t, child_id, NULL);

	if (!tu || tu->up)
		return;
	tu->up = true;
	run_scripts(t, tu, true);
}

void utrack_child_down(struct utrack *t, uint32_t child_id, bool rekeyed)
{
	struct child_ref *c;
	struct tunnel *tu = tunnel_of(t, child_id, &c);

	if (!c)
		return;
	HASH_DEL(t->children, c);
	free(c);
	if (!tu)
		return;
	tu->n_children--;
	/* replaced by a rekey: the tunnel stays up for its successor */
	if (rekeyed && tu->n_children)
		return;
	if (tu->up)
		run_scripts(t, tu, false);
	if (!tu->n_children)
		tunnel_free(t, tu);
	else
		tu->up = false;
}

void utrack_all_down(struct utrack *t)
{
	struct tunnel *tu, *tt;

	HASH_ITER (hh, t->tunnels, tu, tt) {
		if (tu->up)
			run_scripts(t, tu, false);
		tu->up = false;
	}
}
