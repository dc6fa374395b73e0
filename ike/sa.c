// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include "ike/auth_cert.h"
#include "ike/cert.h"
#include "ike/dh.h"
#include "ike/dos.h"
#include "ike/engine.h"
#include "ike/sa.h"

/* ---- connections ---- */

struct ike_conn *ike_conn_find(struct ike_engine *e, const char *name)
{
	struct ike_conn *c;

	HASH_FIND_STR(e->conns, name, c);
	return c;
}

static size_t ip_len(uint8_t family)
{
	return family == AF_INET6 ? 16 : 4;
}

static bool whole_family(const struct ike_addr_range *r)
{
	static const uint8_t zero[16], ones[16] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	size_t n = ip_len(r->family);

	return !memcmp(r->from, zero, n) && !memcmp(r->to, ones, n);
}

/* 3: a host, 2: a range or subnet, 1: %any (or a whole family), 0: no. */
static int side_score(const struct ike_addr_range *r, size_t n, const struct ike_addr *single,
		      const struct ike_addr *a)
{
	size_t len = ip_len(a->family);
	int best = 0;

	if (!n) {
		if (!single->family)
			return 1;
		return single->family == a->family && !memcmp(single->ip, a->ip, len) ? 3 : 0;
	}
	for (size_t i = 0; i < n; i++) {
		int s;

		if (r[i].family != a->family || memcmp(r[i].from, a->ip, len) > 0 ||
		    memcmp(a->ip, r[i].to, len) > 0)
			continue;
		s = !memcmp(r[i].from, r[i].to, len) ? 3 : whole_family(&r[i]) ? 1 : 2;
		best = s > best ? s : best;
	}
	return best;
}

int ike_conn_addr_score(const struct ike_conn *c, const struct ike_addr *local,
			const struct ike_addr *remote)
{
	int r = side_score(c->remote_addrs, c->cfg.n_remote_addrs, &c->cfg.remote, remote);
	int l = local->family
		    ? side_score(c->local_addrs, c->cfg.n_local_addrs, &c->cfg.local, local)
		    : 1;

	return r && l ? r * 4 + l : 0;
}

void ike_conn_put(struct ike_engine *e, struct ike_conn *c)
{
	if (!c || --c->refcnt)
		return;
	ike_conn_index_remove(e, c);
	for (size_t i = 0; i < c->cfg.n_children; i++) {
		struct ike_conn_child *cc = &c->children[i];

		free(cc->local_ts_str);
		free(cc->remote_ts_str);
		free(cc->esp_str);
		free(cc->esp);
		free(cc->esp_ke);
	}
	free(c->children);
	free(c->local_addrs);
	free(c->remote_addrs);
	ike_conn_put(e, c->older);
	if (c->psk) {
		OPENSSL_cleanse(c->psk, c->cfg.psk_len);
		free(c->psk);
	}
	free(c->proposals_str);
	free(c->ike);
	ike_auth_cfg_release(&c->cfg.local_auth);
	ike_auth_cfg_release(&c->cfg.remote_auth);
	free(c);
}

/* ---- states ---- */

#define SB(x) (1u << IKE_S_##x)
#define CB(x) (1u << IKE_CHILD_##x)

/* Where each state may go (staying is always allowed). */
static const uint32_t ike_next[IKE_S_COUNT] = {
	[IKE_S_NEW] = SB(INIT_SENT) | SB(INIT_RCVD) | SB(ESTABLISHED) | SB(GONE),
	[IKE_S_INIT_SENT] = SB(AUTH_SENT) | SB(GONE),
	[IKE_S_INIT_RCVD] = SB(ESTABLISHED) | SB(GONE),
	[IKE_S_AUTH_SENT] = SB(ESTABLISHED) | SB(GONE),
	[IKE_S_ESTABLISHED] = SB(REKEYING) | SB(REKEYED) | SB(DELETING) | SB(GONE),
	[IKE_S_REKEYING] = SB(ESTABLISHED) | SB(REKEYED) | SB(DELETING) | SB(GONE),
	[IKE_S_REKEYED] = SB(GONE),
	[IKE_S_DELETING] = SB(GONE),
	[IKE_S_GONE] = 0,
};

static const uint32_t child_next[IKE_CHILD_STATE_COUNT] = {
	[IKE_CHILD_CREATED] = CB(INSTALLED) | CB(DELETING),
	[IKE_CHILD_INSTALLED] = CB(REKEYING) | CB(REKEYED) | CB(DELETING),
	[IKE_CHILD_REKEYING] = CB(INSTALLED) | CB(REKEYED) | CB(DELETING),
	[IKE_CHILD_REKEYED] = 0,
	[IKE_CHILD_DELETING] = 0,
};

const char *ike_sa_state_name(unsigned int state)
{
	static const char *const names[IKE_S_COUNT] = {
		"NEW",	    "INIT_SENT", "INIT_RCVD", "AUTH_SENT", "ESTABLISHED",
		"REKEYING", "REKEYED",	 "DELETING",  "GONE",
	};

	return state < IKE_S_COUNT ? names[state] : "?";
}

const char *ike_child_state_name(unsigned int state)
{
	static const char *const names[IKE_CHILD_STATE_COUNT] = {
		"CREATED", "INSTALLED", "REKEYING", "REKEYED", "DELETING",
	};

	return state < IKE_CHILD_STATE_COUNT ? names[state] : "?";
}

int ike_sa_set_state(struct ike_engine *e, struct ike_sa *sa, enum ike_sa_state to, const char *why)
{
	if (sa->state == to)
		return 0;
	if (sa->state >= IKE_S_COUNT || to >= IKE_S_COUNT || !(ike_next[sa->state] & (1u << to))) {
		ike_log_sa(e, IKE_LOG_ERROR, sa, "refused: IKE SA state %s -> %s (%s)",
			   ike_sa_state_name(sa->state), ike_sa_state_name(to), why);
		return -EPERM;
	}
	ike_log_sa(e, IKE_LOG_DEBUG, sa, "IKE SA %s -> %s: %s", ike_sa_state_name(sa->state),
		   ike_sa_state_name(to), why);
	sa->state = (uint8_t)to;
	return 0;
}

int ike_child_set_state(struct ike_engine *e, struct ike_child *c, enum ike_child_state to,
			const char *why)
{
	const char *name = c->ike->conn->children[c->cfg_idx].cfg.name;

	if (c->state == to)
		return 0;
	if (c->state >= IKE_CHILD_STATE_COUNT || to >= IKE_CHILD_STATE_COUNT ||
	    !(child_next[c->state] & (1u << to))) {
		ike_log_sa(e, IKE_LOG_ERROR, c->ike, "refused: CHILD_SA %s{%u} state %s -> %s (%s)",
			   name, c->id, ike_child_state_name(c->state), ike_child_state_name(to),
			   why);
		return -EPERM;
	}
	ike_log_sa(e, IKE_LOG_DEBUG, c->ike, "CHILD_SA %s{%u} %s -> %s: %s", name, c->id,
		   ike_child_state_name(c->state), ike_child_state_name(to), why);
	c->state = (uint8_t)to;
	return 0;
}

void ike_child_superseded(struct ike_engine *e, struct ike_child *c, const char *why)
{
	struct ike_task *t;

	if (c->state == IKE_CHILD_REKEYED || c->state == IKE_CHILD_DELETING)
		return;
	ike_child_set_state(e, c, IKE_CHILD_REKEYED, why);
	c->why_down = why;
	c->down_cause = IKE_CAUSE_REKEYED;
	ike_timer_disarm(e, &c->t_rekey);
	t = ike_task_find(c->ike, IKE_TASK_REKEY_CHILD, c->id, 0);
	if (t)
		ike_task_drop(e, c->ike, t, why);
}

void ike_child_delete(struct ike_engine *e, struct ike_child *c, const char *why)
{
	struct ike_task *t;

	if (c->state != IKE_CHILD_REKEYED && c->state != IKE_CHILD_DELETING) {
		ike_child_set_state(e, c, IKE_CHILD_DELETING, why);
		c->why_down = why;
	}
	ike_timer_disarm(e, &c->t_rekey);
	t = ike_task_find(c->ike, IKE_TASK_REKEY_CHILD, c->id, 0);
	if (t)
		ike_task_drop(e, c->ike, t, why);
	/* Ours may be out already: then its answer ends it. */
	if (c->ike->req_kind == IKE_REQ_DELETE_CHILD && c->ike->req_child == c->id)
		return;
	ike_task_queue(e, c->ike, IKE_TASK_DELETE_CHILD, c->id, 0);
}

/* ---- IKE SAs ---- */

uint64_t ike_sa_fresh_spi(struct ike_engine *e)
{
	uint64_t spi;
	int tries = 0;

	/* A zero SPI means "not yet" on the wire; a clash would route the
	 * peer's messages to the wrong SA. Both are rare enough to retry. */
	do {
		uint8_t r[8];

		e->env.random(e->env.ctx, r, sizeof(r));
		spi = 0;
		for (int i = 0; i < 8; i++)
			spi = spi << 8 | r[i];
	} while ((!spi || ike_sa_by_spi(e, spi)) && ++tries < 16);
	return spi && !ike_sa_by_spi(e, spi) ? spi : 0;
}

struct ike_sa *ike_sa_new_spi(struct ike_engine *e, struct ike_conn *conn, bool initiator,
			      const struct ike_addr *local, const struct ike_addr *remote,
			      uint64_t spi)
{
	struct ike_sa *sa;

	if (!spi)
		spi = ike_sa_fresh_spi(e);
	if (!spi || ike_sa_by_spi(e, spi))
		return NULL;
	sa = calloc(1, sizeof(*sa));
	if (!sa)
		return NULL;
	sa->ho = calloc(1, sizeof(*sa->ho));
	if (!sa->ho) {
		free(sa);
		return NULL;
	}
	sa->ho->sa = sa;
	sa->ho->creds = ike_creds_ref(e->creds);
	do
		sa->id = ++e->next_sa_id;
	while (!sa->id || ike_sa_by_id(e, sa->id));
	sa->initiator = initiator;
	sa->spi_local = spi;
	if (initiator)
		sa->spi_i = spi;
	else
		sa->spi_r = spi;
	sa->local = *local;
	sa->remote = *remote;
	sa->conn = conn;
	conn->refcnt++;
	LIST_INSERT_HEAD(&conn->sas, sa, conn_entry);
	LIST_INIT(&sa->children);
	TAILQ_INIT(&sa->tasks);
	ike_timer_init(&sa->t_rtx, ike_sa_rtx_timer);
	ike_timer_init(&sa->t_sa, ike_sa_life_timer);
	ike_timer_init(&sa->t_rekey, ike_sa_rekey_timer);
	ike_timer_init(&sa->t_hard, ike_sa_hard_timer);
	ike_timer_init(&sa->t_reauth, ike_sa_reauth_timer);
	HASH_ADD(hh_spi, e->sas_by_spi, spi_local, sizeof(sa->spi_local), sa);
	HASH_ADD(hh_id, e->sas_by_id, id, sizeof(sa->id), sa);
	return sa;
}

static void peer_unindex(struct ike_engine *e, struct ike_sa *sa);
static void peer_index(struct ike_engine *e, struct ike_sa *sa);

void ike_sa_set_conn(struct ike_engine *e, struct ike_sa *sa, struct ike_conn *c)
{
	struct ike_conn *old = sa->conn;

	if (old == c)
		return;
	LIST_REMOVE(sa, conn_entry);
	c->refcnt++;
	sa->conn = c;
	LIST_INSERT_HEAD(&c->sas, sa, conn_entry);
	if (sa->peer_bucket) {
		peer_unindex(e, sa);
		peer_index(e, sa);
	}
	ike_conn_put(e, old);
}

struct ike_sa *ike_sa_new(struct ike_engine *e, struct ike_conn *conn, bool initiator,
			  const struct ike_addr *local, const struct ike_addr *remote)
{
	return ike_sa_new_spi(e, conn, initiator, local, remote, 0);
}

struct ike_sa *ike_sa_by_spi(struct ike_engine *e, uint64_t spi_local)
{
	struct ike_sa *sa;

	HASH_FIND(hh_spi, e->sas_by_spi, &spi_local, sizeof(spi_local), sa);
	return sa;
}

struct ike_sa *ike_sa_by_id(struct ike_engine *e, uint32_t id)
{
	struct ike_sa *sa;

	HASH_FIND(hh_id, e->sas_by_id, &id, sizeof(id), sa);
	return sa;
}

static void init_key(struct ike_init_key *k, uint64_t spi_i, const struct ike_addr *remote)
{
	memset(k, 0, sizeof(*k));
	k->spi_i = spi_i;
	k->family = remote->family;
	k->port = remote->port;
	memcpy(k->ip, remote->ip, sizeof(k->ip));
}

struct ike_sa *ike_sa_half_open_find(struct ike_engine *e, uint64_t spi_i,
				     const struct ike_addr *remote)
{
	struct ike_init_key k;
	struct ike_half_open *ho;

	init_key(&k, spi_i, remote);
	HASH_FIND(hh, e->half_open, &k, sizeof(k), ho);
	return ho ? ho->sa : NULL;
}

int ike_sa_half_open_add(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_half_open *ho = sa->ho;

	if (!ho || ho->in_table)
		return -EINVAL;
	init_key(&ho->key, sa->spi_i, &sa->remote);
	/* What a flood of these can make us hold (a bound, not malloc's
	 * exact overhead). */
	if (ike_dos_half_open_add(
		e, sa,
		(uint32_t)(sizeof(*sa) + sizeof(*ho) + ho->msg1_len + ho->msg2_len + sa->resp_len)))
		return -ENOMEM;
	HASH_ADD(hh, e->half_open, key, sizeof(ho->key), ho);
	ho->in_table = true;
	e->n_half_open++;
	return 0;
}

void ike_sa_half_open_free(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_half_open *ho = sa->ho;

	if (!ho)
		return;
	if (ho->in_table) {
		ike_dos_half_open_del(e, sa);
		HASH_DELETE(hh, e->half_open, ho);
		e->n_half_open--;
	}
	ike_dh_free(ho->dh);
	ike_creds_unref(ho->creds);
	free(ho->msg1);
	free(ho->msg2);
	OPENSSL_cleanse(ho, sizeof(*ho));
	free(ho);
	sa->ho = NULL;
}

void ike_sa_free(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_child *c;

	sa->state = IKE_S_GONE;
	ike_task_drop_all(e, sa, "the IKE SA is gone");
	while ((c = LIST_FIRST(&sa->children)))
		ike_child_free(e, c, "IKE SA deleted");
	ike_timer_disarm(e, &sa->t_rtx);
	ike_timer_disarm(e, &sa->t_sa);
	ike_dpd_sa_gone(e, sa);
	ike_timer_disarm(e, &sa->t_nat);
	ike_timer_disarm(e, &sa->t_rekey);
	ike_timer_disarm(e, &sa->t_hard);
	ike_timer_disarm(e, &sa->t_reauth);
	ike_frag_sa_free(e, sa);
	ike_exch_free(sa->exch);
	sa->exch = NULL;
	ike_sa_half_open_free(e, sa);
	LIST_REMOVE(sa, conn_entry);
	peer_unindex(e, sa);
	HASH_DELETE(hh_spi, e->sas_by_spi, sa);
	HASH_DELETE(hh_id, e->sas_by_id, sa);
	free(sa->req_pkt);
	free(sa->resp_pkt);
	free(sa->peer_id);
	ike_sa_keys_wipe(&sa->keys);
	ike_conn_put(e, sa->conn);
	free(sa);
}

void ike_sa_set_packet(uint8_t **slot, uint32_t *slot_len, const uint8_t *pkt, size_t len)
{
	uint8_t *p = NULL;

	if (len)
		p = malloc(len);
	free(*slot);
	*slot = p;
	*slot_len = 0;
	if (p) {
		memcpy(p, pkt, len);
		*slot_len = (uint32_t)len;
	}
}

struct ike_peer_bucket {
	uint64_t key;
	UT_hash_handle hh;
	LIST_HEAD(, ike_sa) sas;
};

/* FNV-1a over the connection name and the identity: only authenticated
 * identities are indexed, so no peer chooses where it lands. */
static uint64_t peer_key(const char *conn, uint8_t type, const uint8_t *id, size_t len)
{
	uint64_t h = 14695981039346656037ull;

	for (const char *c = conn; *c; c++)
		h = (h ^ (uint8_t)*c) * 1099511628211ull;
	h = (h ^ 0) * 1099511628211ull;
	h = (h ^ type) * 1099511628211ull;
	for (size_t i = 0; i < len; i++)
		h = (h ^ id[i]) * 1099511628211ull;
	return h;
}

static void peer_unindex(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_peer_bucket *b = sa->peer_bucket;

	if (!b)
		return;
	LIST_REMOVE(sa, peer_entry);
	sa->peer_bucket = NULL;
	if (LIST_EMPTY(&b->sas)) {
		HASH_DEL(e->peers, b);
		free(b);
	}
}

static void peer_index(struct ike_engine *e, struct ike_sa *sa)
{
	uint64_t key = peer_key(sa->conn->name, sa->peer_id_type, sa->peer_id, sa->peer_id_len);
	struct ike_peer_bucket *b;

	HASH_FIND(hh, e->peers, &key, sizeof(key), b);
	if (!b) {
		b = calloc(1, sizeof(*b));
		if (!b)
			return; /* not indexed: only duplicate detection misses it */
		b->key = key;
		LIST_INIT(&b->sas);
		HASH_ADD(hh, e->peers, key, sizeof(b->key), b);
	}
	LIST_INSERT_HEAD(&b->sas, sa, peer_entry);
	sa->peer_bucket = b;
}

struct ike_sa *ike_sa_first_of_peer(struct ike_engine *e, const char *conn, uint8_t type,
				    const uint8_t *id, size_t len)
{
	uint64_t key = peer_key(conn, type, id, len);
	struct ike_peer_bucket *b;

	HASH_FIND(hh, e->peers, &key, sizeof(key), b);
	return b ? LIST_FIRST(&b->sas) : NULL;
}

bool ike_sa_is_peer(const struct ike_sa *sa, const char *conn, uint8_t type, const uint8_t *id,
		    size_t len)
{
	return !strcmp(sa->conn->name, conn) && sa->peer_id_type == type &&
	       sa->peer_id_len == len && (!len || !memcmp(sa->peer_id, id, len));
}

bool ike_sa_set_peer_id(struct ike_engine *e, struct ike_sa *sa, uint8_t type, const uint8_t *data,
			size_t len)
{
	uint8_t *p;

	if (len > IKE_ID_MAX_LEN)
		return false;
	p = malloc(len ? len : 1);
	if (!p)
		return false;
	memcpy(p, data, len);
	peer_unindex(e, sa);
	free(sa->peer_id);
	sa->peer_id = p;
	sa->peer_id_type = type;
	sa->peer_id_len = (uint16_t)len;
	peer_index(e, sa);
	return true;
}

void ike_exch_free(struct ike_exch *x)
{
	if (!x)
		return;
	ike_dh_free(x->dh);
	OPENSSL_cleanse(x, sizeof(*x));
	free(x);
}

/* ---- CHILD SAs ---- */

static void reqid_link(struct ike_engine *e, struct ike_child *c)
{
	struct ike_child *head, *last;

	HASH_FIND(hh, e->children, &c->reqid, sizeof(c->reqid), head);
	if (!head) {
		HASH_ADD(hh, e->children, reqid, sizeof(c->reqid), c);
		return;
	}
	for (last = head; last->reqid_next; last = last->reqid_next)
		;
	last->reqid_next = c;
}

static void reqid_unlink(struct ike_engine *e, struct ike_child *c)
{
	struct ike_child *head, **pp;

	HASH_FIND(hh, e->children, &c->reqid, sizeof(c->reqid), head);
	if (head == c) {
		HASH_DELETE(hh, e->children, c);
		if (c->reqid_next)
			HASH_ADD(hh, e->children, reqid, sizeof(c->reqid), c->reqid_next);
	} else if (head) {
		for (pp = &head->reqid_next; *pp; pp = &(*pp)->reqid_next)
			if (*pp == c) {
				*pp = c->reqid_next;
				break;
			}
	}
	c->reqid_next = NULL;
}

void ike_child_describe(const struct ike_sa *sa, const struct ike_child *c,
			struct ike_child_install *ci)
{
	memset(ci, 0, sizeof(*ci));
	ci->child_id = c->id;
	ci->reqid = c->reqid;
	ci->conn_name = sa->conn->name;
	ci->child_name = sa->conn->children[c->cfg_idx].cfg.name;
	ci->ike_sa_id = sa->id;
	ci->mode = c->mode;
	ci->in.spi = c->spi_in;
	ci->in.src = sa->remote;
	ci->in.dst = sa->local;
	ci->out.spi = c->spi_out;
	ci->out.src = sa->local;
	ci->out.dst = sa->remote;
	ci->n_local_ts = c->n_lts;
	ci->n_remote_ts = c->n_rts;
	memcpy(ci->local_ts, c->ts, c->n_lts * sizeof(struct ike_ts));
	memcpy(ci->remote_ts, c->ts + c->n_lts, c->n_rts * sizeof(struct ike_ts));
	ci->encap = ike_nat_encap(sa);
	ci->local_id = sa->conn->cfg.local_id;
	if (!ci->local_id.type) {
		/* as IKE_AUTH sends it: our address */
		bool v6 = sa->local.family == AF_INET6;

		ci->local_id.type = v6 ? IKE_ID_IPV6_ADDR : IKE_ID_IPV4_ADDR;
		ci->local_id.len = v6 ? 16 : 4;
		memcpy(ci->local_id.data, sa->local.ip, ci->local_id.len);
	}
	if (sa->peer_id) {
		ci->remote_id.type = sa->peer_id_type;
		ci->remote_id.len = sa->peer_id_len;
		memcpy(ci->remote_id.data, sa->peer_id, sa->peer_id_len);
	}
}

struct ike_child *ike_child_new_reqid(struct ike_engine *e, struct ike_sa *sa, size_t n_lts,
				      size_t n_rts, uint32_t reqid)
{
	struct ike_child *c;

	if (n_lts > IKE_MAX_TS || n_rts > IKE_MAX_TS)
		return NULL;
	c = calloc(1, sizeof(*c) + (n_lts + n_rts) * sizeof(struct ike_ts));
	if (!c)
		return NULL;
	c->ike = sa;
	/* Ids are never reused while a child has one as its reqid, so a new
	 * reqid (= the id) is free too. */
	do
		c->id = ++e->next_child_id;
	while (!c->id || ike_child_by_reqid(e, c->id));
	/* A rekey's successor keeps its predecessor's reqid (and policies). */
	c->reqid = reqid ? reqid : c->id;
	c->n_lts = (uint8_t)n_lts;
	c->n_rts = (uint8_t)n_rts;
	ike_timer_init(&c->t_rekey, ike_child_rekey_timer);
	ike_timer_init(&c->t_life, ike_child_life_timer);
	LIST_INSERT_HEAD(&sa->children, c, entry);
	sa->n_children++;
	e->n_children_all++;
	reqid_link(e, c);
	return c;
}

struct ike_child *ike_child_new(struct ike_engine *e, struct ike_sa *sa, size_t n_lts, size_t n_rts)
{
	return ike_child_new_reqid(e, sa, n_lts, n_rts, 0);
}

struct ike_child *ike_child_by_reqid(struct ike_engine *e, uint32_t reqid)
{
	struct ike_child *c;

	HASH_FIND(hh, e->children, &reqid, sizeof(reqid), c);
	return c;
}

struct ike_child *ike_child_by_reqid_spi(struct ike_engine *e, uint32_t reqid, uint32_t spi)
{
	struct ike_child *c = ike_child_by_reqid(e, reqid);

	if (!spi)
		return c;
	for (; c; c = c->reqid_next)
		if (c->spi_in == spi || c->spi_out == spi)
			return c;
	return NULL;
}

void ike_child_move(struct ike_child *c, struct ike_sa *to)
{
	LIST_REMOVE(c, entry);
	c->ike->n_children--;
	c->ike = to;
	LIST_INSERT_HEAD(&to->children, c, entry);
	to->n_children++;
}

struct ike_child *ike_child_by_out_spi(struct ike_sa *sa, uint32_t spi)
{
	struct ike_child *c;

	LIST_FOREACH (c, &sa->children, entry)
		if (c->spi_out == spi)
			return c;
	return NULL;
}

struct ike_child *ike_child_by_id(const struct ike_sa *sa, uint32_t id)
{
	struct ike_child *c;

	LIST_FOREACH (c, &sa->children, entry)
		if (c->id == id)
			return c;
	return NULL;
}

void ike_child_free(struct ike_engine *e, struct ike_child *c, const char *reason)
{
	struct ike_sa *sa = c->ike;

	/* The successor of a rekey we answered sends from now on: its
	 * outbound SA goes in before the old one goes out. */
	if (sa->state != IKE_S_GONE) {
		struct ike_child *n;

		LIST_FOREACH (n, &sa->children, entry)
			if (n->out_waits_for == c->id && n->state != IKE_CHILD_REKEYED)
				ike_child_install_out(e, n);
	}
	ike_child_forget_out(c);
	if (c->installed) {
		struct ike_child_install ci;
		const struct ike_conn_child *cc = &sa->conn->children[c->cfg_idx];

		ike_child_describe(sa, c, &ci);
		e->env.child_delete(e->env.ctx, c->id, c->reqid, &ci);
		ike_log_sa(e, IKE_LOG_INFO, sa, "CHILD_SA %s{%u} deleted (SPIs %08x_i %08x_o): %s",
			   cc->cfg.name, c->id, c->spi_in, c->spi_out, reason);
		ike_dpd_child_down(e, sa, c, reason);
	}
	ike_timer_disarm(e, &c->t_rekey);
	ike_timer_disarm(e, &c->t_life);
	ike_task_drop_child(sa, c->id);
	LIST_REMOVE(c, entry);
	sa->n_children--;
	e->n_children_all--;
	reqid_unlink(e, c);
	free(c);
}
