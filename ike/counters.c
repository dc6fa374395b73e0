/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Counters: messages by exchange and direction, notifies by type,
 * retransmissions, drops, SAs established and failed, failures by the
 * notify that decided them, SAs gone by cause. Globally and per
 * connection name, each an index into a fixed array (O(1) per message:
 * the engine must stay flat under a flood).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/dos.h"
#include "ike/engine.h"

unsigned int ike_ctr_notify_slot(uint16_t type)
{
	if (type == 0)
		return IKE_CTR_NOTIFY_NONE;
	if (type < 64)
		return type;
	if (type >= IKE_N_INITIAL_CONTACT && type < IKE_N_INITIAL_CONTACT + 64)
		return 64u + (type - IKE_N_INITIAL_CONTACT);
	return IKE_CTR_NOTIFY_OTHER;
}

uint16_t ike_ctr_slot_notify(unsigned int slot)
{
	if (slot == IKE_CTR_NOTIFY_NONE || slot >= IKE_CTR_NOTIFY_OTHER)
		return 0;
	if (slot < 64)
		return (uint16_t)slot;
	return (uint16_t)(IKE_N_INITIAL_CONTACT + (slot - 64));
}

static unsigned int exchange_slot(uint8_t exchange)
{
	switch (exchange) {
	case IKE_SA_INIT:
		return IKE_CTR_X_SA_INIT;
	case IKE_AUTH:
		return IKE_CTR_X_AUTH;
	case IKE_CREATE_CHILD_SA:
		return IKE_CTR_X_CREATE_CHILD_SA;
	case IKE_INFORMATIONAL:
		return IKE_CTR_X_INFORMATIONAL;
	default:
		return IKE_CTR_X_OTHER;
	}
}

const char *ike_ctr_exchange_name(enum ike_ctr_exchange x)
{
	static const char *const names[IKE_CTR_X_COUNT] = {
		[IKE_CTR_X_SA_INIT] = "IKE_SA_INIT",
		[IKE_CTR_X_AUTH] = "IKE_AUTH",
		[IKE_CTR_X_CREATE_CHILD_SA] = "CREATE_CHILD_SA",
		[IKE_CTR_X_INFORMATIONAL] = "INFORMATIONAL",
		[IKE_CTR_X_OTHER] = "OTHER",
	};

	return (unsigned int)x < IKE_CTR_X_COUNT ? names[x] : "OTHER";
}

const char *ike_cause_name(uint8_t cause)
{
	switch (cause) {
	case IKE_CAUSE_NONE:
		return "none";
	case IKE_CAUSE_PEER_DELETE:
		return "peer_delete";
	case IKE_CAUSE_DEAD:
		return "dead";
	case IKE_CAUSE_EXPIRED:
		return "expired";
	case IKE_CAUSE_REKEYED:
		return "rekeyed";
	default:
		return "unknown";
	}
}

struct ike_ctr_conn *ike_ctr_conn_get(struct ike_engine *e, const char *name)
{
	struct ike_ctr_conn *cc;

	HASH_FIND_STR(e->ctr_conns, name, cc);
	if (cc)
		return cc;
	cc = calloc(1, sizeof(*cc));
	if (!cc)
		return NULL;
	snprintf(cc->name, sizeof(cc->name), "%s", name);
	HASH_ADD_STR(e->ctr_conns, name, cc);
	return cc;
}

void ike_ctr_free(struct ike_engine *e)
{
	struct ike_ctr_conn *cc, *tmp;

	HASH_ITER (hh, e->ctr_conns, cc, tmp) {
		HASH_DEL(e->ctr_conns, cc);
		free(cc);
	}
}

static struct ike_counters *conn_ctr(const struct ike_conn *c)
{
	return c && c->ctr ? &c->ctr->c : NULL;
}

/* A message of direction dir, with nn notifies of these slots. */
static void count_msg(struct ike_engine *e, const struct ike_conn *c, unsigned int dir,
		      uint8_t exchange, bool response, const unsigned int *slots, size_t nn)
{
	struct ike_counters *set[2] = { &e->ctr, conn_ctr(c) };
	unsigned int x = exchange_slot(exchange);

	for (size_t k = 0; k < 2 && set[k]; k++) {
		set[k]->messages[dir][response][x]++;
		for (size_t i = 0; i < nn; i++)
			set[k]->notifies[dir][slots[i]]++;
	}
}

void ike_ctr_received(struct ike_engine *e, const struct ike_conn *c, bool global,
		      const struct ike_msg *m)
{
	unsigned int slots[IKE_MAX_NOTIFY];
	size_t n = m->n_notify < IKE_MAX_NOTIFY ? m->n_notify : IKE_MAX_NOTIFY;
	struct ike_counters *set[2] = { global ? &e->ctr : NULL, conn_ctr(c) };
	unsigned int x = exchange_slot(m->hdr.exchange);
	bool response = m->hdr.flags & IKE_FLAG_RESPONSE;

	for (size_t i = 0; i < n; i++)
		slots[i] = ike_ctr_notify_slot(m->notify[i].type);
	for (size_t k = 0; k < 2; k++) {
		if (!set[k])
			continue;
		set[k]->messages[IKE_CTR_IN][response][x]++;
		for (size_t i = 0; i < n; i++)
			set[k]->notifies[IKE_CTR_IN][slots[i]]++;
	}
}

void ike_ctr_tx_scan(struct ike_ctr_tx *tx, uint8_t first, const uint8_t *payloads, size_t len)
{
	struct ike_reader r;
	uint8_t type = first;

	tx->n = 0;
	ike_reader_init(&r, payloads, len);
	/* Our own payloads, built moments ago: the walk only guards against
	 * a bug turning into an overread. */
	while (type != IKE_PL_NONE && !ike_reader_at_end(&r) && tx->n < IKE_MAX_NOTIFY) {
		uint8_t next = ike_get_u8(&r);
		uint16_t plen;
		struct ike_reader body;

		ike_skip(&r, 1);
		plen = ike_get_u16(&r);
		if (ike_reader_failed(&r) || plen < 4)
			break;
		body = ike_get_sub(&r, plen - 4u);
		if (ike_reader_failed(&r))
			break;
		if (type == IKE_PL_NOTIFY) {
			ike_skip(&body, 2); /* protocol, SPI size */
			uint16_t nt = ike_get_u16(&body);

			if (!ike_reader_failed(&body))
				tx->slot[tx->n++] = ike_ctr_notify_slot(nt);
		}
		type = next;
	}
}

void ike_ctr_tx_commit(struct ike_engine *e, const struct ike_conn *c, uint8_t exchange,
		       bool response, const struct ike_ctr_tx *tx)
{
	count_msg(e, c, IKE_CTR_OUT, exchange, response, tx->slot, tx->n);
}

void ike_ctr_sent_plain(struct ike_engine *e, const struct ike_conn *c, const uint8_t *pkt,
			size_t len)
{
	struct ike_ctr_tx tx;
	struct ike_reader r;
	uint8_t first, exchange, flags;

	ike_reader_init(&r, pkt, len);
	ike_skip(&r, 16); /* SPIs */
	first = ike_get_u8(&r);
	ike_skip(&r, 1); /* version */
	exchange = ike_get_u8(&r);
	flags = ike_get_u8(&r);
	ike_skip(&r, 8); /* message ID, length */
	if (ike_reader_failed(&r))
		return;
	ike_ctr_tx_scan(&tx, first, r.cur, ike_reader_remaining(&r));
	count_msg(e, c, IKE_CTR_OUT, exchange, flags & IKE_FLAG_RESPONSE, tx.slot, tx.n);
}

void ike_ctr_sent_notify(struct ike_engine *e, uint8_t exchange, bool response, uint16_t type)
{
	unsigned int slot = ike_ctr_notify_slot(type);

	count_msg(e, NULL, IKE_CTR_OUT, exchange, response, &slot, 1);
}

void ike_ctr_event(struct ike_engine *e, const struct ike_conn *c, const struct ike_event *ev)
{
	struct ike_counters *set[2] = { &e->ctr, conn_ctr(c) };
	uint8_t cause = ev->cause < IKE_CAUSE_COUNT ? ev->cause : IKE_CAUSE_NONE;

	for (size_t k = 0; k < 2 && set[k]; k++) {
		struct ike_counters *n = set[k];

		switch (ev->type) {
		case IKE_EV_IKE_UP:
			n->ike_established++;
			break;
		case IKE_EV_CHILD_UP:
			n->child_established++;
			break;
		case IKE_EV_FAILED:
			if (ev->child_name)
				n->child_failed++;
			else
				n->ike_failed++;
			n->failed_by_notify[ike_ctr_notify_slot(ev->notify)]++;
			break;
		case IKE_EV_IKE_DOWN:
			n->ike_down[cause]++;
			break;
		case IKE_EV_CHILD_DOWN:
			n->child_down[cause]++;
			break;
		case IKE_EV_NAT_MOVED: /* not counted (yet): monitor shows it */
			break;
		}
	}
}

/* ---- the API ---- */

int ike_engine_counters(const struct ike_engine *e, const char *name, struct ike_counters *out)
{
	struct ike_ctr_conn *cc;

	if (!name) {
		*out = e->ctr;
		return 0;
	}
	HASH_FIND_STR(e->ctr_conns, name, cc);
	if (!cc)
		return -ENOENT;
	*out = cc->c;
	return 0;
}

int ike_engine_foreach_counters(const struct ike_engine *e,
				int (*fn)(void *arg, const char *name, const struct ike_counters *),
				void *arg)
{
	const struct ike_ctr_conn *cc;
	int rc;

	for (cc = e->ctr_conns; cc; cc = cc->hh.next)
		if ((rc = fn(arg, cc->name, &cc->c)))
			return rc;
	return 0;
}

int ike_engine_counters_reset(struct ike_engine *e, const char *name)
{
	struct ike_ctr_conn *cc;

	if (name) {
		HASH_FIND_STR(e->ctr_conns, name, cc);
		if (!cc)
			return -ENOENT;
		memset(&cc->c, 0, sizeof(cc->c));
		return 0;
	}
	memset(&e->ctr, 0, sizeof(e->ctr));
	for (cc = e->ctr_conns; cc; cc = cc->hh.next)
		memset(&cc->c, 0, sizeof(cc->c));
	/* The cumulative DoS figures; the gauges (half-open SAs, their
	 * memory) and the limits describe the present and stay. */
	memset(e->dos->st.events, 0, sizeof(e->dos->st.events));
	memset(e->dos->st.suppressed, 0, sizeof(e->dos->st.suppressed));
	e->dos->st.cookies_sent = e->dos->st.cookies_accepted = e->dos->st.cookies_refused = 0;
	e->dos->st.replies_sent = e->dos->st.replies_limited = 0;
	e->dos->st.dh_keys = 0;
	return 0;
}
