/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "daemon/kernel.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <sys/queue.h>

#include <uthash.h>

#include "daemon/log.h"
#include "daemon/policy.h"
#include "ike/ts.h"

/* What deleting a policy takes (kif_policy_delete's key), kept per policy
 * instead of the whole kif_policy with its templates: a quarter of the
 * size, for every tunnel held. */
struct dkern_pol {
	struct kif_selector sel;
	uint8_t dir; /* enum kif_dir */
	uint32_t mark_value, mark_mask, if_id;
};

/*
 * The kernel reqid of an engine reqid, and the policies that carry it.
 * Several children share one while a rekeyed CHILD SA and its successor
 * coexist (contract 1): the first child's install adds the policies, the
 * last child's delete removes them.
 */
struct dkern_reqid {
	uint32_t ereqid; /* the engine's */
	uint32_t kreqid;
	unsigned int n_children;
	struct dkern_marks marks;	  /* drawn once, for every child of the reqid */
	struct conf_mark set_in, set_out; /* %same resolved */
	bool mark_in_sa;
	size_t n_pol, cap_pol;
	struct dkern_pol *pol;
	UT_hash_handle he; /* by ereqid */
	UT_hash_handle hk; /* by kreqid */
};

struct dkern_child {
	uint32_t child_id;
	struct dkern_reqid *r;
	struct kif_sa_id in, out;
	UT_hash_handle hh; /* by child_id */
};

/* A larval SA from ALLOCSPI, until its child is installed. */
struct dkern_larval {
	LIST_ENTRY(dkern_larval) entry;
	struct kif_sa_id id;
};

struct dkern {
	struct kif *kif;
	LIST_HEAD(, dkern_larval) larval;
	struct dkern_child *by_id;
	struct dkern_reqid *by_ereqid, *by_kreqid;
	uint32_t next_reqid;
	uint32_t next_mark, next_if_id; /* for %unique */
};

struct dkern *dkern_new(struct kif *kif)
{
	struct dkern *d = calloc(1, sizeof(*d));

	if (d) {
		d->kif = kif;
		d->next_reqid = KIF_REQID_MIN + 1;
		d->next_mark = 1;
		d->next_if_id = 1;
	}
	return d;
}

static void reqid_forget(struct dkern *d, struct dkern_reqid *r)
{
	HASH_DELETE(he, d->by_ereqid, r);
	HASH_DELETE(hk, d->by_kreqid, r);
	free(r->pol);
	free(r);
}

static void child_forget(struct dkern *d, struct dkern_child *c)
{
	HASH_DELETE(hh, d->by_id, c);
	free(c);
}

void dkern_free(struct dkern *d)
{
	struct dkern_child *c, *tmp;
	struct dkern_reqid *r, *rtmp;
	struct dkern_larval *l;

	if (!d)
		return;
	while ((l = LIST_FIRST(&d->larval))) {
		LIST_REMOVE(l, entry);
		free(l);
	}
	HASH_ITER (hh, d->by_id, c, tmp)
		child_forget(d, c);
	HASH_ITER (he, d->by_ereqid, r, rtmp)
		reqid_forget(d, r);
	free(d);
}

unsigned int dkern_count(const struct dkern *d)
{
	return HASH_CNT(hh, d->by_id);
}

static void to_kaddr(struct kif_addr *k, const struct ike_addr *a)
{
	memset(k, 0, sizeof(*k));
	k->family = a->family;
	memcpy(k->ip, a->ip, 16);
}

int dkern_alloc_spi(struct dkern *d, const struct ike_addr *src, const struct ike_addr *dst,
		    uint32_t *spi)
{
	struct kif_sa sa;
	int rc;

	memset(&sa, 0, sizeof(sa));
	to_kaddr(&sa.id.src, src);
	to_kaddr(&sa.id.dst, dst);
	sa.id.proto = IPPROTO_ESP;
	sa.mode = KIF_MODE_TUNNEL;
	sa.reqid = KIF_REQID_MIN;
	/* Below 0x100 are reserved (RFC 4303 2.1). */
	rc = kif_spi_alloc(d->kif, &sa, 0xc0000000u, 0xcfffffffu, spi);
	if (rc) {
		log_msg(LOG_LEVEL_ERROR, "cannot allocate an SPI: %s", kif_error(d->kif));
		return rc;
	}
	{
		struct dkern_larval *l = calloc(1, sizeof(*l));

		/* Without a record the kernel still expires it on its own. */
		if (l) {
			l->id = sa.id;
			l->id.spi = *spi;
			LIST_INSERT_HEAD(&d->larval, l, entry);
		}
	}
	return 0;
}

static void larval_forget(struct dkern *d, const struct kif_sa_id *id)
{
	struct dkern_larval *l;

	LIST_FOREACH (l, &d->larval, entry) {
		if (l->id.spi == id->spi && !memcmp(&l->id.dst, &id->dst, sizeof(id->dst))) {
			LIST_REMOVE(l, entry);
			free(l);
			return;
		}
	}
}

void dkern_larval_drop(struct dkern *d, const struct ike_addr *peer)
{
	struct dkern_larval *l, *next;
	struct kif_addr p;

	to_kaddr(&p, peer);
	for (l = LIST_FIRST(&d->larval); l; l = next) {
		next = LIST_NEXT(l, entry);
		if (memcmp(&l->id.src, &p, sizeof(p)))
			continue;
		int rc = kif_sa_delete(d->kif, &l->id);

		if (rc && rc != -ENOENT)
			log_msg(LOG_LEVEL_WARN, "%s", kif_error(d->kif));
		else if (!rc)
			log_msg(LOG_LEVEL_DEBUG, "removed larval SA %08x", l->id.spi);
		LIST_REMOVE(l, entry);
		free(l);
	}
}

static uint32_t reqid_alloc(struct dkern *d)
{
	for (uint32_t tries = 0; tries < DKERN_REQID_MAX - KIF_REQID_MIN; tries++) {
		uint32_t r = d->next_reqid;
		struct dkern_reqid *c;

		d->next_reqid = r >= DKERN_REQID_MAX ? KIF_REQID_MIN + 1 : r + 1;
		HASH_FIND(hk, d->by_kreqid, &r, sizeof(r), c);
		if (!c)
			return r;
	}
	return 0;
}

static uint32_t draw(uint32_t *next)
{
	uint32_t v = *next;

	/* 0 is no mark, and the top two values are the placeholders */
	*next = v >= CONF_MARK_UNIQUE_DIR - 1 ? 1 : v + 1;
	return v;
}

static void resolve_pair(uint32_t in, uint32_t out, uint32_t unique, uint32_t unique_dir,
			 uint32_t *next, uint32_t *rin, uint32_t *rout)
{
	bool u_in = in == unique || in == unique_dir, u_out = out == unique || out == unique_dir;
	bool dir = in == unique_dir || out == unique_dir;
	uint32_t both = 0;

	*rin = in;
	*rout = out;
	if (!u_in && !u_out)
		return;
	if (!dir)
		both = draw(next);
	if (u_in)
		*rin = dir ? draw(next) : both;
	if (u_out)
		*rout = dir ? draw(next) : both;
}

void dkern_marks_resolve(const struct dcfg_child *gw, uint32_t *next_mark, uint32_t *next_if_id,
			 struct dkern_marks *out)
{
	memset(out, 0, sizeof(*out));
	if (!gw)
		return;
	resolve_pair(gw->mark_in.value, gw->mark_out.value, CONF_MARK_UNIQUE, CONF_MARK_UNIQUE_DIR,
		     next_mark, &out->mark_in, &out->mark_out);
	out->mark_in_mask = gw->mark_in.mask;
	out->mark_out_mask = gw->mark_out.mask;
	resolve_pair(gw->if_id_in, gw->if_id_out, CONF_IF_ID_UNIQUE, CONF_IF_ID_UNIQUE_DIR,
		     next_if_id, &out->if_id_in, &out->if_id_out);
}

void dkern_draw_marks(struct dkern *d, const struct dcfg_child *gw, struct dkern_marks *out)
{
	dkern_marks_resolve(gw, &d->next_mark, &d->next_if_id, out);
}

/* The reqid's marks, drawn at its first child. */
static void reqid_marks(struct dkern *d, struct dkern_reqid *r, const struct dcfg_child *gw)
{
	dkern_marks_resolve(gw, &d->next_mark, &d->next_if_id, &r->marks);
	if (!gw)
		return;
	r->mark_in_sa = gw->mark_in_sa;
	r->set_in = gw->set_mark_in;
	r->set_out = gw->set_mark_out;
	/* child_sa.c: %same is the SA's direction's mark value */
	if (r->set_in.value == CONF_MARK_SAME)
		r->set_in.value = r->marks.mark_in;
	if (r->set_out.value == CONF_MARK_SAME)
		r->set_out.value = r->marks.mark_out;
}

/* What marks an SA of direction in (or out) of r carries. */
static void mark_sa(struct kif_sa *k, const struct dkern_reqid *r, bool in)
{
	const struct dkern_marks *m = &r->marks;

	if (in && r->mark_in_sa) {
		k->id.mark_value = m->mark_in;
		k->id.mark_mask = m->mark_in_mask;
	} else if (!in) {
		k->id.mark_value = m->mark_out;
		k->id.mark_mask = m->mark_out_mask;
	}
	k->if_id = in ? m->if_id_in : m->if_id_out;
	k->set_mark_value = in ? r->set_in.value : r->set_out.value;
	k->set_mark_mask = in ? r->set_in.mask : r->set_out.mask;
}

static void fill_sa(struct kif_sa *k, const struct ike_child_install *ci,
		    const struct ike_esp_sa *e, uint32_t kreqid)
{
	memset(k, 0, sizeof(*k));
	to_kaddr(&k->id.src, &e->src);
	to_kaddr(&k->id.dst, &e->dst);
	k->id.spi = e->spi;
	k->id.proto = IPPROTO_ESP;
	k->mode = ci->mode == IKE_MODE_TRANSPORT ? KIF_MODE_TRANSPORT : KIF_MODE_TUNNEL;
	k->reqid = kreqid;
	k->encr = ci->encr;
	k->encr_key = e->enc_key;
	k->encr_key_len = e->enc_key_len;
	k->integ = ci->integ;
	k->integ_key = e->integ_key;
	k->integ_key_len = e->integ_key_len;
	k->esn = ci->esn;
	k->replay_window = 32;
	k->life.soft_secs = ci->soft_time;
	k->life.hard_secs = ci->hard_time;
	k->life.soft_bytes = ci->soft_bytes;
	k->life.hard_bytes = ci->hard_bytes;
	k->life.soft_packets = ci->soft_packets;
	k->life.hard_packets = ci->hard_packets;
	if (ci->encap) {
		k->encap = true;
		k->encap_sport = e->src.port;
		k->encap_dport = e->dst.port;
	}
}

static void remove_policies(struct dkern *d, struct dkern_reqid *r)
{
	int rc;

	/* Already gone (e.g. a hard expire) is fine. */
	for (size_t i = r->n_pol; i-- > 0;) {
		const struct dkern_pol *dp = &r->pol[i];
		struct kif_policy key = { .sel = dp->sel,
					  .dir = (enum kif_dir)dp->dir,
					  .mark_value = dp->mark_value,
					  .mark_mask = dp->mark_mask,
					  .if_id = dp->if_id };

		rc = kif_policy_delete(d->kif, &key);
		if (rc && rc != -ENOENT)
			log_msg(LOG_LEVEL_WARN, "%s", kif_error(d->kif));
	}
	r->n_pol = 0;
}

static void remove_sas(struct dkern *d, struct dkern_child *c, bool sa_in, bool sa_out)
{
	int rc;

	rc = sa_in ? kif_sa_delete(d->kif, &c->in) : 0;
	if (rc && rc != -ENOENT)
		log_msg(LOG_LEVEL_WARN, "%s", kif_error(d->kif));
	/* SPI 0: a rekey's responder never got to install it */
	rc = sa_out && c->out.spi ? kif_sa_delete(d->kif, &c->out) : 0;
	if (rc && rc != -ENOENT)
		log_msg(LOG_LEVEL_WARN, "%s", kif_error(d->kif));
}

/* One child of r fewer: the last one takes the policies along. */
static void reqid_put(struct dkern *d, struct dkern_reqid *r)
{
	if (r->n_children && --r->n_children)
		return;
	remove_policies(d, r);
	reqid_forget(d, r);
}

struct add_ctx {
	struct dkern *d;
	struct dkern_reqid *r;
	char *err;
	size_t errlen;
};

static int add_one(void *arg, struct kif_policy *p)
{
	struct add_ctx *a = arg;
	struct dkern_reqid *c = a->r;
	int rc;

	if (c->n_pol >= DKERN_MAX_POLICIES) {
		snprintf(a->err, a->errlen, "more than %d policies", DKERN_MAX_POLICIES);
		return -E2BIG;
	}
	/* in and fwd policies match decrypted packets: the inbound marks */
	if (p->dir == KIF_DIR_OUT) {
		p->mark_value = c->marks.mark_out;
		p->mark_mask = c->marks.mark_out_mask;
		p->if_id = c->marks.if_id_out;
	} else {
		p->mark_value = c->marks.mark_in;
		p->mark_mask = c->marks.mark_in_mask;
		p->if_id = c->marks.if_id_in;
	}
	if (c->n_pol == c->cap_pol) {
		size_t cap = c->cap_pol ? 2 * c->cap_pol : 3; /* in, out, fwd */
		struct dkern_pol *np = realloc(c->pol, cap * sizeof(*np));

		if (!np) {
			snprintf(a->err, a->errlen, "out of memory");
			return -ENOMEM;
		}
		c->pol = np;
		c->cap_pol = cap;
	}
	rc = kif_policy_add(a->d->kif, p, false);
	if (rc == -EEXIST)
		rc = kif_policy_add(a->d->kif, p, true);
	if (rc) {
		snprintf(a->err, a->errlen, "%s", kif_error(a->d->kif));
		return rc;
	}
	c->pol[c->n_pol++] = (struct dkern_pol){ .sel = p->sel,
						 .dir = (uint8_t)p->dir,
						 .mark_value = p->mark_value,
						 .mark_mask = p->mark_mask,
						 .if_id = p->if_id };
	return 0;
}

/* The reqid's policies for one pair of selectors (daemon/policy.h). */
static int add_policies(struct dkern *d, struct dkern_reqid *c, const struct ike_child_install *ci,
			const struct ike_ts *lt, const struct ike_ts *rt, char *err, size_t errlen)
{
	struct add_ctx a = { .d = d, .r = c, .err = err, .errlen = errlen };

	return dpolicy_foreach(ci->mode, lt, rt, &ci->out.src, &ci->out.dst, c->kreqid, add_one, &a,
			       err, errlen);
}

static bool kaddr_same(const struct kif_addr *a, const struct ike_addr *b)
{
	struct kif_addr k;

	to_kaddr(&k, b);
	return !memcmp(a, &k, sizeof(k));
}

/*
 * Contract 2 (NAT-T): a child's SAs move to new endpoints or ports in
 * place, keys and SPIs unchanged (the engine gives none). In tunnel mode
 * the policies' templates name the endpoints: those are updated too when
 * an address (not only a port) changed.
 */
static int child_move(struct dkern *d, struct dkern_child *c, const struct ike_child_install *ci,
		      char *err, size_t errlen)
{
	bool moved = !kaddr_same(&c->in.src, &ci->in.src) || !kaddr_same(&c->in.dst, &ci->in.dst) ||
		     !kaddr_same(&c->out.src, &ci->out.src) ||
		     !kaddr_same(&c->out.dst, &ci->out.dst);
	struct kif_addr s, t;
	int rc;

	to_kaddr(&s, &ci->in.src);
	to_kaddr(&t, &ci->in.dst);
	rc = kif_sa_move(d->kif, &c->in, &s, &t, ci->encap, ci->in.src.port, ci->in.dst.port);
	if (rc) {
		snprintf(err, errlen, "%s", kif_error(d->kif));
		return rc;
	}
	c->in.src = s;
	c->in.dst = t;
	if (!c->out.spi)
		goto policies; /* installed later, where the IKE SA is then */
	to_kaddr(&s, &ci->out.src);
	to_kaddr(&t, &ci->out.dst);
	rc = kif_sa_move(d->kif, &c->out, &s, &t, ci->encap, ci->out.src.port, ci->out.dst.port);
	if (rc) {
		snprintf(err, errlen, "%s", kif_error(d->kif));
		return rc;
	}
	c->out.src = s;
	c->out.dst = t;
policies:
	if (!moved || ci->mode != IKE_MODE_TUNNEL)
		return 0;
	/* Same selectors, new templates: add_policies updates each (the
	 * reqid's policies, shared with a rekeyed child's successor). */
	c->r->n_pol = 0;
	for (size_t i = 0; i < ci->n_local_ts && i < IKE_MAX_TS; i++)
		for (size_t j = 0; j < ci->n_remote_ts && j < IKE_MAX_TS; j++) {
			rc = add_policies(d, c->r, ci, &ci->local_ts[i], &ci->remote_ts[j], err,
					  errlen);
			if (rc)
				return rc;
		}
	return 0;
}

int dkern_child_install(struct dkern *d, const struct ike_child_install *ci,
			const struct dcfg_child *gw, char *err, size_t errlen)
{
	struct dkern_child *c, *old;
	struct dkern_reqid *r;
	struct kif_sa sa;
	bool in_ok = false, out_ok = false;
	int rc;

	if (ci->update || ci->out_only) {
		HASH_FIND(hh, d->by_id, &ci->child_id, sizeof(ci->child_id), old);
		if (!old) {
			snprintf(err, errlen, "no CHILD_SA %u to update", ci->child_id);
			return -ENOENT;
		}
		if (ci->update)
			return child_move(d, old, ci, err, errlen);
		fill_sa(&sa, ci, &ci->out, old->r->kreqid);
		mark_sa(&sa, old->r, false);
		rc = kif_sa_add(d->kif, &sa, false);
		if (rc) {
			snprintf(err, errlen, "%s", kif_error(d->kif));
			return rc;
		}
		old->out = sa.id;
		return 0;
	}
	HASH_FIND(hh, d->by_id, &ci->child_id, sizeof(ci->child_id), old);
	if (old) {
		/* An update replaces its SAs; the policies too when no other
		 * child shares them. */
		r = old->r;
		remove_sas(d, old, true, true);
		child_forget(d, old);
		if (r->n_children == 1)
			remove_policies(d, r);
		r->n_children--;
		if (r->ereqid != ci->reqid && !r->n_children)
			reqid_forget(d, r);
	}
	HASH_FIND(he, d->by_ereqid, &ci->reqid, sizeof(ci->reqid), r);
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r) {
			snprintf(err, errlen, "out of memory");
			return -ENOMEM;
		}
		r->ereqid = ci->reqid;
		reqid_marks(d, r, gw);
		r->kreqid = reqid_alloc(d);
		if (!r->kreqid) {
			free(r);
			snprintf(err, errlen, "no free reqid");
			return -ENOSPC;
		}
		HASH_ADD(he, d->by_ereqid, ereqid, sizeof(r->ereqid), r);
		HASH_ADD(hk, d->by_kreqid, kreqid, sizeof(r->kreqid), r);
	}
	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto fail_reqid;
	}
	c->child_id = ci->child_id;
	c->r = r;

	fill_sa(&sa, ci, &ci->in, r->kreqid);
	mark_sa(&sa, r, true);
	c->in = sa.id;
	/* The inbound SPI came from ALLOCSPI: a larval SA to update. */
	rc = kif_sa_add(d->kif, &sa, true);
	if (rc == -ENOENT || rc == -ESRCH)
		rc = kif_sa_add(d->kif, &sa, false);
	if (rc) {
		snprintf(err, errlen, "%s", kif_error(d->kif));
		goto fail;
	}
	in_ok = true;
	larval_forget(d, &c->in);
	if (!ci->in_only) {
		fill_sa(&sa, ci, &ci->out, r->kreqid);
		mark_sa(&sa, r, false);
		c->out = sa.id;
		rc = kif_sa_add(d->kif, &sa, false);
		if (rc) {
			snprintf(err, errlen, "%s", kif_error(d->kif));
			goto fail;
		}
		out_ok = true;
	}
	/* A rekeyed child's successor finds its policies in place: the
	 * kernel sends with the newest SA of the reqid at once. */
	if (!r->n_pol) {
		for (size_t i = 0; i < ci->n_local_ts && i < IKE_MAX_TS; i++)
			for (size_t j = 0; j < ci->n_remote_ts && j < IKE_MAX_TS; j++) {
				rc = add_policies(d, r, ci, &ci->local_ts[i], &ci->remote_ts[j],
						  err, errlen);
				if (rc)
					goto fail;
			}
		if (!r->n_pol) {
			snprintf(err, errlen,
				 "the traffic selectors give no policy (families differ?)");
			rc = -EINVAL;
			goto fail;
		}
	}
	r->n_children++;
	HASH_ADD(hh, d->by_id, child_id, sizeof(c->child_id), c);
	return 0;
fail:
	remove_sas(d, c, in_ok, out_ok);
	free(c);
fail_reqid:
	if (!r->n_children) {
		remove_policies(d, r);
		reqid_forget(d, r);
	}
	return rc;
}

void dkern_child_delete(struct dkern *d, uint32_t child_id)
{
	struct dkern_child *c;
	struct dkern_reqid *r;

	HASH_FIND(hh, d->by_id, &child_id, sizeof(child_id), c);
	if (!c)
		return;
	r = c->r;
	/* Policies first when they go: no packet may meet a policy whose
	 * SAs are gone (it would be dropped, not sent in the clear). */
	if (r->n_children == 1)
		remove_policies(d, r);
	remove_sas(d, c, true, true);
	child_forget(d, c);
	reqid_put(d, r);
}

int dkern_child_stats(struct dkern *d, uint32_t child_id, struct kif_sa_stats *in,
		      struct kif_sa_stats *out)
{
	struct dkern_child *c;
	int rc;

	HASH_FIND(hh, d->by_id, &child_id, sizeof(child_id), c);
	if (!c)
		return -ENOENT;
	rc = kif_sa_get(d->kif, &c->in, in);
	if (!rc && c->out.spi)
		rc = kif_sa_get(d->kif, &c->out, out);
	else if (!rc)
		memset(out, 0, sizeof(*out));
	return rc;
}

int dkern_child_marks(struct dkern *d, uint32_t child_id, struct dkern_marks *out, uint32_t *kreqid)
{
	struct dkern_child *c;

	HASH_FIND(hh, d->by_id, &child_id, sizeof(child_id), c);
	if (!c)
		return -ENOENT;
	*out = c->r->marks;
	if (kreqid)
		*kreqid = c->r->kreqid;
	return 0;
}

uint32_t dkern_engine_reqid(struct dkern *d, uint32_t kreqid)
{
	struct dkern_reqid *r;

	HASH_FIND(hk, d->by_kreqid, &kreqid, sizeof(kreqid), r);
	return r ? r->ereqid : 0;
}
