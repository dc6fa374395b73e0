// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include "ike/dh.h"
#include "ike/engine.h"
#include "ike/sa.h"

/* ---- connections ---- */

struct ike_conn *ike_conn_find(struct ike_engine *e, const char *name)
{
	struct ike_conn *c;

	HASH_FIND_STR(e->conns, name, c);
	return c;
}

static bool addr_matches(const struct ike_addr *want, uint8_t any_family,
			 const struct ike_addr *have)
{
	size_t n;

	if (!want->family)
		return !any_family || any_family == have->family;
	if (want->family != have->family)
		return false;
	n = want->family == AF_INET ? 4 : 16;
	return memcmp(want->ip, have->ip, n) == 0;
}

struct ike_conn *ike_conn_for_peer(struct ike_engine *e, const struct ike_addr *local,
				   const struct ike_addr *remote)
{
	uint8_t key[17] = { 0 };
	struct ike_conn *c;

	key[0] = remote->family;
	memcpy(key + 1, remote->ip, remote->family == AF_INET ? 4 : 16);
	HASH_FIND(hh_remote, e->conns_by_remote, key, sizeof(key), c);
	for (; c; c = c->next_same_remote)
		if (addr_matches(&c->cfg.local, c->cfg.local_any_family, local))
			return c;
	TAILQ_FOREACH (c, &e->conns_any, any_entry)
		if (addr_matches(&c->cfg.local, c->cfg.local_any_family, local) &&
		    addr_matches(&c->cfg.remote, c->cfg.remote_any_family, remote))
			return c;
	return NULL;
}

void ike_conn_put(struct ike_engine *e, struct ike_conn *c)
{
	if (!c || --c->refcnt)
		return;
	for (size_t i = 0; i < c->cfg.n_children; i++) {
		struct ike_conn_child *cc = &c->children[i];

		free(cc->local_ts_str);
		free(cc->remote_ts_str);
		free(cc->esp_str);
		free(cc->esp);
		free(cc->esp_ke);
	}
	free(c->children);
	ike_conn_put(e, c->older);
	if (c->psk) {
		OPENSSL_cleanse(c->psk, c->cfg.psk_len);
		free(c->psk);
	}
	free(c->proposals_str);
	free(c->ike);
	free(c);
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
	sa->ho->child_cfg = -1;
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
	ike_timer_init(&sa->t_rtx, ike_sa_rtx_timer);
	ike_timer_init(&sa->t_sa, ike_sa_life_timer);
	ike_timer_init(&sa->t_rekey, ike_sa_rekey_timer);
	ike_timer_init(&sa->t_hard, ike_sa_hard_timer);
	ike_timer_init(&sa->t_reauth, ike_sa_reauth_timer);
	HASH_ADD(hh_spi, e->sas_by_spi, spi_local, sizeof(sa->spi_local), sa);
	HASH_ADD(hh_id, e->sas_by_id, id, sizeof(sa->id), sa);
	return sa;
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
		HASH_DELETE(hh, e->half_open, ho);
		e->n_half_open--;
	}
	ike_dh_free(ho->dh);
	free(ho->msg1);
	free(ho->msg2);
	OPENSSL_cleanse(ho, sizeof(*ho));
	free(ho);
	sa->ho = NULL;
}

void ike_sa_free(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_child *c;

	sa->dead = true;
	while ((c = LIST_FIRST(&sa->children)))
		ike_child_free(e, c, "IKE SA deleted");
	ike_timer_disarm(e, &sa->t_rtx);
	ike_timer_disarm(e, &sa->t_sa);
	ike_dpd_sa_gone(e, sa);
	ike_timer_disarm(e, &sa->t_nat);
	ike_timer_disarm(e, &sa->t_rekey);
	ike_timer_disarm(e, &sa->t_hard);
	ike_timer_disarm(e, &sa->t_reauth);
	ike_rekey_free(sa->rk);
	sa->rk = NULL;
	ike_sa_half_open_free(e, sa);
	LIST_REMOVE(sa, conn_entry);
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

bool ike_sa_set_peer_id(struct ike_sa *sa, uint8_t type, const uint8_t *data, size_t len)
{
	uint8_t *p;

	if (len > 255)
		return false;
	p = malloc(len ? len : 1);
	if (!p)
		return false;
	memcpy(p, data, len);
	free(sa->peer_id);
	sa->peer_id = p;
	sa->peer_id_type = type;
	sa->peer_id_len = (uint8_t)len;
	return true;
}

void ike_rekey_free(struct ike_rekey *rk)
{
	if (!rk)
		return;
	ike_dh_free(rk->dh);
	OPENSSL_cleanse(rk, sizeof(*rk));
	free(rk);
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

struct ike_child *ike_child_by_id(struct ike_sa *sa, uint32_t id)
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
	LIST_REMOVE(c, entry);
	sa->n_children--;
	reqid_unlink(e, c);
	free(c);
}
