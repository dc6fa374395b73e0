// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A CHILD SA's life: its keys (RFC 7296 2.17) and install, for IKE_AUTH and
 * CREATE_CHILD_SA alike; rekey_time (minus a random part of rand_time) and
 * life_time; the kernel's soft and hard expiry.
 *
 * The kernel gets the same soft time as the engine's rekey timer, so a soft
 * EXPIRE and the timer agree; whichever comes first starts the rekey and the
 * other finds it under way.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ike/crypto.h"
#include "ike/engine.h"
#include "ike/proposal.h"
#include "ike/ts.h"

#define container_of(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

uint64_t ike_jitter_ms(struct ike_engine *e, uint32_t max_s)
{
	uint8_t r[4];
	uint32_t v;

	if (!max_s)
		return 0;
	e->env.random(e->env.ctx, r, sizeof(r));
	v = (uint32_t)r[0] << 24 | (uint32_t)r[1] << 16 | (uint32_t)r[2] << 8 | r[3];
	return v % ((uint64_t)max_s * 1000 + 1);
}

static void fill_esp(struct ike_esp_sa *d, uint32_t spi, const struct ike_addr *src,
		     const struct ike_addr *dst, const uint8_t *ek, size_t ek_len,
		     const uint8_t *ik, size_t ik_len)
{
	d->spi = spi;
	d->src = *src;
	d->dst = *dst;
	memcpy(d->enc_key, ek, ek_len);
	d->enc_key_len = (uint8_t)ek_len;
	memcpy(d->integ_key, ik, ik_len);
	d->integ_key_len = (uint8_t)ik_len;
}

/* Seconds before rekey_time at which this child is rekeyed: a random part
 * of rand_time, leaving at least one second (RFC 7296 2.8.1 asks for
 * jitter so both ends do not rekey at once). */
static uint32_t rekey_after_s(struct ike_engine *e, const struct ike_child_cfg *cfg)
{
	uint32_t max = cfg->rand_time < cfg->rekey_time ? cfg->rand_time : cfg->rekey_time - 1;

	if (!cfg->rekey_time)
		return 0;
	return cfg->rekey_time - (uint32_t)(ike_jitter_ms(e, max) / 1000);
}

static void log_installed(struct ike_engine *e, struct ike_sa *sa, struct ike_child *c,
			  const char *name)
{
	char algs_s[96], l[IKE_TS_STR_LEN], r[IKE_TS_STR_LEN];

	if (!ike_log_on(e, sa->log_quiet ? IKE_LOG_DEBUG : IKE_LOG_INFO))
		return;
	ike_selected_format(&c->sel, 0, algs_s, sizeof(algs_s));
	ike_ts_format(&c->ts[0], l, sizeof(l));
	ike_ts_format(&c->ts[c->n_lts], r, sizeof(r));
	ike_log_sa(e, IKE_LOG_INFO, sa,
		   "CHILD_SA %s{%u} established, SPIs %08x_i %08x_o, %s, %s === %s%s", name, c->id,
		   c->spi_in, c->spi_out, algs_s, l, r,
		   c->mode == IKE_MODE_TRANSPORT ? " (transport)" : "");
}

/* The outbound SA of a rekey's responder, kept until it is installed. */
struct ike_child_out {
	struct ike_esp_sa sa;
	uint32_t soft_s;
};

/* What both halves of an install share: the child as it stands, its
 * algorithms from the table, its limits (soft: rekey_s). */
static void describe_install(const struct ike_sa *sa, const struct ike_child *c,
			     const struct ike_kernel_algs *ka, uint32_t rekey_s,
			     struct ike_child_install *ci)
{
	const struct ike_child_cfg *cfg = &sa->conn->children[c->cfg_idx].cfg;

	ike_child_describe(sa, c, ci);
	ci->encr = ka->encr->alg;
	ci->integ = ka->integ ? ka->integ->alg : IKE_ALG_NONE;
	ci->esn = IKE_SEL_HAS(&c->sel, IKE_TRANS_ESN) && c->sel.esn == IKE_ESN_YES;
	ci->soft_time = rekey_s;
	ci->hard_time = cfg->life_time;
	/* The kernel wants soft below hard; life_time <= rekey_time is a
	 * configuration that expires before rekeying (conf/ warns). */
	if (ci->hard_time && ci->soft_time >= ci->hard_time)
		ci->soft_time = 0;
	ci->soft_bytes = cfg->rekey_bytes;
	ci->hard_bytes = cfg->life_bytes;
	ci->soft_packets = cfg->rekey_packets;
	ci->hard_packets = cfg->life_packets;
}

static void out_later_free(struct ike_child *c)
{
	if (!c->out_later)
		return;
	OPENSSL_cleanse(c->out_later, sizeof(*c->out_later));
	free(c->out_later);
	c->out_later = NULL;
	c->out_waits_for = 0;
}

int ike_child_install(struct ike_engine *e, struct ike_sa *sa, struct ike_child *c,
		      bool we_initiated, const uint8_t *gir, size_t gir_len, const uint8_t *ni,
		      size_t ni_len, const uint8_t *nr, size_t nr_len)
{
	const struct ike_conn_child *cc = &sa->conn->children[c->cfg_idx];
	struct ike_child_install *ci;
	struct ike_child_keys keys;
	struct ike_child_algs algs;
	struct ike_kernel_algs ka;
	uint32_t rekey_s;
	uint64_t now;
	int rc;

	rc = ike_nat_check_mode(e, sa, c->mode);
	if (!rc)
		rc = ike_selected_kernel_algs(&c->sel, &ka);
	if (rc)
		return rc;
	memset(&algs, 0, sizeof(algs));
	algs.encr = c->sel.encr;
	algs.encr_key_bits = c->sel.encr_key_len;
	algs.integ = IKE_SEL_HAS(&c->sel, IKE_TRANS_INTEG) ? c->sel.integ : IKE_INTEG_NONE;
	rc = ike_child_keys_derive(&keys, &sa->keys, &algs, gir, gir_len, ni, ni_len, nr, nr_len);
	if (rc)
		return rc;
	if (keys.encr_len > IKE_MAX_KEY || keys.integ_len > 64) {
		ike_child_keys_wipe(&keys);
		return -EINVAL;
	}
	ci = calloc(1, sizeof(*ci));
	if (c->out_waits_for && ci) {
		c->out_later = calloc(1, sizeof(*c->out_later));
		if (!c->out_later) {
			free(ci);
			ci = NULL;
		}
	}
	if (!ci) {
		ike_child_keys_wipe(&keys);
		return -ENOMEM;
	}
	rekey_s = rekey_after_s(e, &cc->cfg);
	describe_install(sa, c, &ka, rekey_s, ci);
	/* _i keys protect traffic from the initiator of the exchange that
	 * made this child (IKE_AUTH's or the rekey's) to its responder. */
	if (we_initiated) {
		fill_esp(&ci->out, c->spi_out, &sa->local, &sa->remote, keys.encr_i, keys.encr_len,
			 keys.integ_i, keys.integ_len);
		fill_esp(&ci->in, c->spi_in, &sa->remote, &sa->local, keys.encr_r, keys.encr_len,
			 keys.integ_r, keys.integ_len);
	} else {
		fill_esp(&ci->in, c->spi_in, &sa->remote, &sa->local, keys.encr_i, keys.encr_len,
			 keys.integ_i, keys.integ_len);
		fill_esp(&ci->out, c->spi_out, &sa->local, &sa->remote, keys.encr_r, keys.encr_len,
			 keys.integ_r, keys.integ_len);
	}
	ike_child_keys_wipe(&keys);
	if (c->out_later) {
		c->out_later->sa = ci->out;
		c->out_later->soft_s = rekey_s;
		OPENSSL_cleanse(&ci->out, sizeof(ci->out));
		ci->out.spi = c->spi_out;
		ci->out.src = sa->local;
		ci->out.dst = sa->remote;
		ci->in_only = true;
	}
	/* in/out carry the peer's translated address and port (contract 2),
	 * encap says so (ike_child_describe). */
	rc = e->env.child_install(e->env.ctx, ci);
	OPENSSL_cleanse(ci, sizeof(*ci));
	free(ci);
	if (rc) {
		out_later_free(c);
		return rc;
	}
	c->installed = true;
	ike_child_set_state(e, c, IKE_CHILD_INSTALLED, "installed");
	now = ike_now(e);
	c->established_ms = now;
	if (rekey_s && (!cc->cfg.life_time || rekey_s < cc->cfg.life_time))
		ike_timer_arm(e, &c->t_rekey, now + (uint64_t)rekey_s * 1000);
	if (cc->cfg.life_time)
		ike_timer_arm(e, &c->t_life, now + (uint64_t)cc->cfg.life_time * 1000);
	log_installed(e, sa, c, cc->cfg.name);
	ike_event(e, IKE_EV_CHILD_UP, sa, c, 0, NULL);
	ike_dpd_child_result(e, sa, cc->cfg.name, true);
	return 0;
}

void ike_child_install_out(struct ike_engine *e, struct ike_child *c)
{
	struct ike_sa *sa = c->ike;
	struct ike_child_install *ci;
	struct ike_kernel_algs ka;
	int rc = -ENOMEM;

	if (!c->out_later)
		return;
	ci = calloc(1, sizeof(*ci));
	if (ci && !(rc = ike_selected_kernel_algs(&c->sel, &ka))) {
		describe_install(sa, c, &ka, c->out_later->soft_s, ci);
		ci->out = c->out_later->sa;
		/* the IKE SA's addresses now (a NAT mapping may have moved) */
		ci->out.src = sa->local;
		ci->out.dst = sa->remote;
		ci->out_only = true;
		rc = e->env.child_install(e->env.ctx, ci);
		OPENSSL_cleanse(ci, sizeof(*ci));
	}
	free(ci);
	out_later_free(c);
	if (rc)
		ike_log_sa(e, IKE_LOG_ERROR, sa,
			   "CHILD_SA {%u}: cannot install its outbound SA: %s", c->id,
			   strerror(-rc));
	else
		ike_log_sa(
		    e, IKE_LOG_INFO, sa,
		    "CHILD_SA {%u}: outbound SA %08x installed (the one it replaces is gone)",
		    c->id, c->spi_out);
}

void ike_child_forget_out(struct ike_child *c)
{
	out_later_free(c);
}

struct ike_child *ike_child_make(struct ike_engine *e, struct ike_sa *sa, uint16_t cfg_idx,
				 uint8_t mode, const struct ike_child *old, const struct ike_ts *l,
				 size_t n_l, const struct ike_ts *r, size_t n_r)
{
	struct ike_ts all[2 * IKE_MAX_TS];
	struct ike_child *c;
	uint32_t reqid;

	if (n_l > IKE_MAX_TS || n_r > IKE_MAX_TS)
		return NULL;
	memcpy(all, l, n_l * sizeof(*l));
	memcpy(all + n_l, r, n_r * sizeof(*r));
	/* A rekey's successor keeps the reqid, and so the kernel's policies;
	 * so does the child of an IKE SA that replaces another one. */
	reqid = old ? old->reqid : ike_reqid_to_share(e, sa, cfg_idx, mode, all, n_l, n_r);
	c = ike_child_new_reqid(e, sa, n_l, n_r, reqid);
	if (!c)
		return NULL;
	c->cfg_idx = cfg_idx;
	c->mode = mode;
	memcpy(c->ts, all, (n_l + n_r) * sizeof(*all));
	return c;
}

void ike_child_failed(struct ike_engine *e, struct ike_sa *sa, const char *name, uint16_t notify,
		      const char *why)
{
	ike_event_named(e, IKE_EV_FAILED, sa, name, 0, notify, why);
	ike_dpd_child_result(e, sa, name, false);
}

bool ike_child_want_rekey(struct ike_engine *e, struct ike_child *c, const char *why)
{
	struct ike_sa *sa = c->ike;

	if (c->state != IKE_CHILD_INSTALLED || !ike_sa_usable(sa) ||
	    ike_task_find(sa, IKE_TASK_REKEY_CHILD, c->id, 0))
		return false;
	if (!ike_task_queue(e, sa, IKE_TASK_REKEY_CHILD, c->id, 0))
		return false;
	ike_log_sa(e, IKE_LOG_INFO, sa, "CHILD_SA {%u}: %s, rekeying", c->id, why);
	ike_timer_disarm(e, &c->t_rekey);
	ike_sa_kick(e, sa);
	return true;
}

void ike_child_expire(struct ike_engine *e, struct ike_child *c, const char *why)
{
	struct ike_sa *sa = c->ike;

	if (c->state == IKE_CHILD_DELETING)
		return;
	ike_log_sa(e, IKE_LOG_INFO, sa, "CHILD_SA {%u}: %s, deleting", c->id, why);
	if (!c->down_cause)
		c->down_cause = IKE_CAUSE_EXPIRED; /* close_action decides what next */
	ike_timer_disarm(e, &c->t_life);
	if (!ike_sa_usable(sa)) {
		/* Nothing can be sent on this IKE SA any more. */
		ike_child_free(e, c, why);
		return;
	}
	ike_child_delete(e, c, why);
	ike_sa_kick(e, sa);
}

void ike_child_rekey_timer(struct ike_timer *t, void *ctx)
{
	struct ike_child *c = container_of(t, struct ike_child, t_rekey);

	ike_child_want_rekey(ctx, c, "rekey_time reached");
}

void ike_child_life_timer(struct ike_timer *t, void *ctx)
{
	struct ike_child *c = container_of(t, struct ike_child, t_life);

	ike_child_expire(ctx, c, "life_time expired");
}

uint64_t ike_children_last_use(struct ike_engine *e, struct ike_sa *sa, bool in, uint64_t last,
			       uint64_t now)
{
	int (*use)(void *, uint32_t, uint64_t *) =
	    in ? e->env.child_last_in : e->env.child_last_out;
	struct ike_child *c;

	if (!use)
		return last;
	LIST_FOREACH (c, &sa->children, entry) {
		uint64_t at = 0;

		if (c->installed && !use(e->env.ctx, c->id, &at) && at > last)
			last = at <= now ? at : now;
	}
	return last;
}
