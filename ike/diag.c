// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Why a negotiation failed, in one line an operator can act on: what the
 * peer sent and what we have configured, in the configuration's own
 * syntax (strongSwan's keywords, local_ts/remote_ts), or, when the peer
 * refused, what its notify most likely means with our side of it.
 *
 * The text goes to e->diag, which the caller passes on as the reason of
 * the refusal or failure (logged once, where it is decided, and carried by
 * the FAILED event): valid until the next diagnosis. Lists are cut at whole
 * items ("... and 3 more") so a hostile peer's 32 proposals make one line
 * of bounded length. Nothing secret is ever written: a PSK mismatch names
 * the identities whose key was used, never the key.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "ike/engine.h"
#include "ike/fmt.h"
#include "ike/id.h"
#include "ike/proposal.h"
#include "ike/ts.h"

/* Proposals shown of each list, and the room each list may take. */
#define DIAG_PROPOSALS 4
#define DIAG_LIST_LEN 320

static void props(const struct ike_proposal *p, size_t n, char *buf, size_t len)
{
	if (ike_proposals_format_list(p, n, DIAG_PROPOSALS, buf, len) < 0)
		snprintf(buf, len, "?");
}

/* "10.1.0.0/24 10.3.0.0/24", or "none"; cut at whole selectors. */
static void ts_list(struct ike_fmt *o, const struct ike_ts *ts, size_t n)
{
	size_t i;

	if (!n) {
		ike_fmt(o, "none");
		return;
	}
	for (i = 0; i < n; i++) {
		char one[IKE_TS_STR_LEN];

		if (ike_ts_format(&ts[i], one, sizeof(one)) < 0)
			snprintf(one, sizeof(one), "?");
		if (o->pos + strlen(one) + 24 >= o->len && i)
			break;
		ike_fmt(o, "%s%s", i ? " " : "", one);
	}
	if (i < n)
		ike_fmt(o, " ... and %zu more", n - i);
}

/* A child config's selectors as they apply to this SA (dynamic resolved). */
static void conf_ts(struct ike_fmt *o, const struct ike_sa *sa, const struct ike_conn_child *cc)
{
	struct ike_ts ts[IKE_MAX_TS];
	size_t n = 0;

	ike_fmt(o, "local_ts ");
	if (ike_ts_resolve(cc->lts, cc->n_lts, &sa->local, ts, IKE_MAX_TS, &n))
		n = 0;
	ts_list(o, ts, n);
	ike_fmt(o, ", remote_ts ");
	if (ike_ts_resolve(cc->rts, cc->n_rts, &sa->remote, ts, IKE_MAX_TS, &n))
		n = 0;
	ts_list(o, ts, n);
}

const char *ike_diag_ike_proposals(struct ike_engine *e, const struct ike_conn *c,
				   const struct ike_proposal *peer, size_t n_peer)
{
	char got[DIAG_LIST_LEN], ours[DIAG_LIST_LEN];

	props(peer, n_peer, got, sizeof(got));
	props(c->ike, c->n_ike, ours, sizeof(ours));
	snprintf(e->diag, sizeof(e->diag), "no IKE proposal chosen: received %s; configured %s",
		 got, ours);
	return e->diag;
}

const char *ike_diag_esp_proposals(struct ike_engine *e, const struct ike_sa *sa, bool ccsa,
				   const struct ike_proposal *peer, size_t n_peer,
				   const uint16_t *cand, size_t n_cand)
{
	struct ike_fmt o = { .buf = e->diag, .len = sizeof(e->diag) };
	char list[DIAG_LIST_LEN];

	props(peer, n_peer, list, sizeof(list));
	ike_fmt(&o, "no ESP proposal chosen: received %s; configured", list);
	for (size_t i = 0; i < n_cand; i++) {
		const struct ike_conn_child *cc = &sa->conn->children[cand[i]];

		if (ccsa)
			props(cc->esp_ke, cc->n_esp_ke, list, sizeof(list));
		else
			props(cc->esp, cc->n_esp, list, sizeof(list));
		ike_fmt(&o, "%s %s: %s", i ? ";" : "", cc->cfg.name, list);
	}
	if (!n_cand)
		ike_fmt(&o, " no CHILD_SA");
	return e->diag;
}

const char *ike_diag_ts(struct ike_engine *e, const struct ike_sa *sa, const struct ike_ts *tsi,
			size_t n_tsi, const struct ike_ts *tsr, size_t n_tsr, const uint16_t *cand,
			size_t n_cand)
{
	struct ike_fmt o = { .buf = e->diag, .len = sizeof(e->diag) };

	ike_fmt(&o, "traffic selectors unacceptable: received TSi ");
	ts_list(&o, tsi, n_tsi);
	ike_fmt(&o, ", TSr ");
	ts_list(&o, tsr, n_tsr);
	ike_fmt(&o, "; configured");
	for (size_t i = 0; i < n_cand; i++) {
		const struct ike_conn_child *cc = &sa->conn->children[cand[i]];

		ike_fmt(&o, "%s %s: ", i ? ";" : "", cc->cfg.name);
		conf_ts(&o, sa, cc);
	}
	return e->diag;
}

static void id_str(uint8_t type, const uint8_t *data, size_t len, char *buf, size_t size)
{
	ike_id_format(type, data, len, buf, size);
}

/* Our identity as we send it: configured, or our address. */
static void own_id_str(const struct ike_sa *sa, char *buf, size_t size)
{
	const struct ike_id *id = &sa->conn->cfg.local_id;

	if (id->type)
		id_str(id->type, id->data, id->len, buf, size);
	else if (sa->local.family == AF_INET6)
		id_str(IKE_ID_IPV6_ADDR, sa->local.ip, 16, buf, size);
	else
		id_str(IKE_ID_IPV4_ADDR, sa->local.ip, 4, buf, size);
}

static void remote_id_str(const struct ike_sa *sa, char *buf, size_t size)
{
	const struct ike_id *id = &sa->conn->cfg.remote_id;

	if (id->type)
		id_str(id->type, id->data, id->len, buf, size);
	else
		snprintf(buf, size, "%%any");
}

static const char *method_name(uint8_t method)
{
	switch (method) {
	case IKE_AUTH_RSA_SIG:
		return "an RSA signature";
	case IKE_AUTH_SHARED_KEY_MIC:
		return "a pre-shared key";
	case IKE_AUTH_DSS_SIG:
		return "a DSS signature";
	case IKE_AUTH_ECDSA_256:
	case IKE_AUTH_ECDSA_384:
	case IKE_AUTH_ECDSA_521:
		return "an ECDSA signature";
	case IKE_AUTH_DIGITAL_SIGNATURE:
		return "an RFC 7427 digital signature";
	default:
		return "an unknown method";
	}
}

const char *ike_diag_remote_id(struct ike_engine *e, const struct ike_sa *sa,
			       const struct ike_id_pl *peer)
{
	char want[128], got[128];

	remote_id_str(sa, want, sizeof(want));
	id_str(peer->type, peer->data.ptr, peer->data.len, got, sizeof(got));
	snprintf(e->diag, sizeof(e->diag), "peer identity '%s' does not match remote_id '%s'", got,
		 want);
	return e->diag;
}

const char *ike_diag_psk(struct ike_engine *e, const struct ike_sa *sa,
			 const struct ike_id_pl *peer, uint8_t method, bool have_key)
{
	char me[128], them[128];

	own_id_str(sa, me, sizeof(me));
	id_str(peer->type, peer->data.ptr, peer->data.len, them, sizeof(them));
	if (method != IKE_AUTH_SHARED_KEY_MIC)
		snprintf(e->diag, sizeof(e->diag),
			 "peer '%s' authenticates with %s (AUTH method %u), we expect a "
			 "pre-shared key",
			 them, method_name(method), method);
	else if (!have_key)
		snprintf(e->diag, sizeof(e->diag),
			 "no pre-shared key for our identity '%s' and the peer's '%s'", me, them);
	else
		snprintf(e->diag, sizeof(e->diag),
			 "the AUTH payload of peer '%s' does not verify with the pre-shared key "
			 "of '%s' and '%s': the keys differ",
			 them, me, them);
	return e->diag;
}

const char *ike_diag_pubkey_expected(struct ike_engine *e, const struct ike_sa *sa,
				     const struct ike_id_pl *peer)
{
	char them[128];

	(void)sa;
	id_str(peer->type, peer->data.ptr, peer->data.len, them, sizeof(them));
	snprintf(e->diag, sizeof(e->diag),
		 "peer '%s' authenticates with a pre-shared key (AUTH method %u), we expect a "
		 "certificate signature (remote auth = pubkey)",
		 them, IKE_AUTH_SHARED_KEY_MIC);
	return e->diag;
}

/* What a notify in answer to our request most likely means. */
static const char *meaning(uint16_t notify)
{
	switch (notify) {
	case IKE_N_FAILED_CP_REQUIRED:
		return "the peer requires a configuration payload (a virtual IP), which conduit "
		       "does not request";
	case IKE_N_INTERNAL_ADDRESS_FAILURE:
		return "the peer could not assign us an internal address";
	case IKE_N_NO_ADDITIONAL_SAS:
		return "the peer accepts no more CHILD_SAs on this IKE SA";
	case IKE_N_INVALID_SYNTAX:
		return "the peer found our message malformed or not acceptable: see its log";
	case IKE_N_TEMPORARY_FAILURE:
		return "the peer is busy (rekeying): it will be tried again";
	case IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD:
		return "the peer does not support a payload we sent";
	case IKE_N_INVALID_KE_PAYLOAD:
		return "the peer wants a key exchange group we cannot give it";
	default:
		return "see the peer's log";
	}
}

const char *ike_diag_group(uint16_t group)
{
	const struct ike_alg_info *a = ike_alg_find(IKE_TRANS_DH, group, 0);

	return a && ike_alg_keyword(a) ? ike_alg_keyword(a) : "unknown";
}

const char *ike_diag_ke_group(struct ike_engine *e, const struct ike_sa *sa, uint16_t group)
{
	const struct ike_alg_info *a = ike_alg_find(IKE_TRANS_DH, group, 0);
	char list[DIAG_LIST_LEN];

	props(sa->conn->ike, sa->conn->n_ike, list, sizeof(list));
	if (!group)
		snprintf(e->diag, sizeof(e->diag),
			 "IKE_SA_INIT refused: the peer sent INVALID_KE_PAYLOAD without a group: "
			 "configured %s",
			 list);
	else if (sa->ho && group == sa->ho->dh_group)
		snprintf(e->diag, sizeof(e->diag),
			 "IKE_SA_INIT refused: the peer wants key exchange method %s (group %u), "
			 "the one we sent: see the peer's log",
			 a ? ike_alg_keyword(a) : "?", group);
	else
		snprintf(e->diag, sizeof(e->diag),
			 "IKE_SA_INIT refused: the peer wants key exchange method %s (group %u), "
			 "which we did not offer: configured %s",
			 a ? ike_alg_keyword(a) : "?", group, list);
	return e->diag;
}

const char *ike_diag_peer_refused(struct ike_engine *e, const struct ike_sa *sa,
				  const char *exchange, uint16_t notify,
				  const struct ike_child_req *req)
{
	struct ike_fmt o = { .buf = e->diag, .len = sizeof(e->diag) };
	const struct ike_conn_child *cc = req ? &sa->conn->children[req->cfg_idx] : NULL;
	char list[DIAG_LIST_LEN], me[128], them[128];

	/* the notify's name is the failure's own field (and log word) */
	ike_fmt(&o, "%s refused: ", exchange);
	switch (notify) {
	case IKE_N_NO_PROPOSAL_CHOSEN:
		if (cc && req->with_ke)
			props(cc->esp_ke, cc->n_esp_ke, list, sizeof(list));
		else if (cc)
			props(cc->esp, cc->n_esp, list, sizeof(list));
		else
			props(sa->conn->ike, sa->conn->n_ike, list, sizeof(list));
		ike_fmt(&o,
			"the peer accepted none of our %sproposals: compare its configuration "
			"with ours: configured %s",
			cc ? "ESP " : "", list);
		break;
	case IKE_N_AUTHENTICATION_FAILED:
		own_id_str(sa, me, sizeof(me));
		remote_id_str(sa, them, sizeof(them));
		/* since we name the peer in IDr when its id is one identity,
		 * a peer that is not that identity refuses us too */
		if (sa->conn->cfg.remote_id.type && !ike_id_has_wildcards(&sa->conn->cfg.remote_id))
			ike_fmt(&o,
				"the peer refused our authentication (its PSK, its idea of our "
				"identity, or its own identity differs): we sent id '%s' and "
				"asked for the peer as '%s' (IDr)",
				me, them);
		else
			ike_fmt(&o,
				"the peer refused our authentication (its PSK or its idea of our "
				"identity differs): we sent id '%s' and expect the peer as '%s'",
				me, them);
		break;
	case IKE_N_TS_UNACCEPTABLE:
	case IKE_N_SINGLE_PAIR_REQUIRED:
		ike_fmt(&o, "%s: we proposed TSi ",
			notify == IKE_N_SINGLE_PAIR_REQUIRED
			    ? "the peer accepts only one pair of traffic selectors"
			    : "the peer accepted none of our traffic selectors");
		if (req) {
			ts_list(&o, req->ts, req->n_lts);
			ike_fmt(&o, ", TSr ");
			ts_list(&o, req->ts + req->n_lts, req->n_rts);
		} else {
			ike_fmt(&o, "?");
		}
		if (cc)
			ike_fmt(&o, " (local_ts %s, remote_ts %s)",
				cc->local_ts_str ? cc->local_ts_str : "dynamic",
				cc->remote_ts_str ? cc->remote_ts_str : "dynamic");
		break;
	default:
		ike_fmt(&o, "%s", meaning(notify));
		break;
	}
	return e->diag;
}
