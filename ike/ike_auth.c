// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IKE_AUTH (RFC 7296 1.2, 2.15) with pre-shared keys or signatures
 * (certificates: auth_cert.c), each side by its own method, and the first
 * CHILD_SA it carries (no key exchange of its own: KEYMAT from SK_d and the
 * IKE_SA_INIT nonces, RFC 7296 2.17; child.c derives and installs it).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include "ike/auth_cert.h"
#include "ike/crypto.h"
#include "ike/engine.h"
#include "ike/proposal.h"
#include "ike/ts.h"
#include "ike/wire.h"

static const char key_pad[] = "Key Pad for IKEv2"; /* 17 octets, no NUL */

int ike_psk_auth(const struct ike_sa *sa, bool of_initiator, const uint8_t *psk, size_t psk_len,
		 const uint8_t *rest_of_id, size_t rest_len, uint8_t *out, size_t *out_len)
{
	const struct ike_half_open *ho = sa->ho;
	uint16_t prf = sa->sel.prf;
	size_t len = ike_prf_len(prf);
	uint8_t padkey[IKE_PRF_MAX_LEN], maced[IKE_PRF_MAX_LEN];
	struct ike_cbuf in[3];
	int rc;

	if (!len || !ho || !ho->msg1 || !ho->msg2 || !sa->keys_valid)
		return -EINVAL;
	in[0] = (struct ike_cbuf){ (const uint8_t *)key_pad, sizeof(key_pad) - 1 };
	rc = ike_prf(prf, psk, psk_len, in, 1, padkey, sizeof(padkey));
	if (rc)
		goto out;
	/* MACedIDFor{I,R} = prf(SK_p{i,r}, RestOf{Init,Resp}IDPayload) */
	in[0] = (struct ike_cbuf){ rest_of_id, rest_len };
	rc = ike_prf(prf, of_initiator ? sa->keys.sk_pi : sa->keys.sk_pr, sa->keys.prf_len, in, 1,
		     maced, sizeof(maced));
	if (rc)
		goto out;
	/* {Initiator,Responder}SignedOctets = RealMessage{1,2} | Nonce{R,I}Data | MACedID */
	if (of_initiator) {
		in[0] = (struct ike_cbuf){ ho->msg1, ho->msg1_len };
		in[1] = (struct ike_cbuf){ ho->nr, ho->nr_len };
	} else {
		in[0] = (struct ike_cbuf){ ho->msg2, ho->msg2_len };
		in[1] = (struct ike_cbuf){ ho->ni, ho->ni_len };
	}
	in[2] = (struct ike_cbuf){ maced, len };
	rc = ike_prf(prf, padkey, len, in, 3, out, IKE_PRF_MAX_LEN);
	if (!rc)
		*out_len = len;
out:
	OPENSSL_cleanse(padkey, sizeof(padkey));
	OPENSSL_cleanse(maced, sizeof(maced));
	return rc;
}

int ike_auth_octets(const struct ike_sa *sa, bool of_initiator, const uint8_t *rest_of_id,
		    size_t rest_len, uint8_t **out, size_t *out_len)
{
	const struct ike_half_open *ho = sa->ho;
	size_t len = ike_prf_len(sa->sel.prf), n;
	const uint8_t *msg, *nonce;
	size_t msg_len, nonce_len;
	struct ike_cbuf in[1];
	uint8_t *p;
	int rc;

	*out = NULL;
	if (!len || !ho || !ho->msg1 || !ho->msg2 || !sa->keys_valid)
		return -EINVAL;
	msg = of_initiator ? ho->msg1 : ho->msg2;
	msg_len = of_initiator ? ho->msg1_len : ho->msg2_len;
	nonce = of_initiator ? ho->nr : ho->ni;
	nonce_len = of_initiator ? ho->nr_len : ho->ni_len;
	n = msg_len + nonce_len + len;
	p = malloc(n);
	if (!p)
		return -ENOMEM;
	memcpy(p, msg, msg_len);
	memcpy(p + msg_len, nonce, nonce_len);
	in[0] = (struct ike_cbuf){ rest_of_id, rest_len };
	rc = ike_prf(sa->sel.prf, of_initiator ? sa->keys.sk_pi : sa->keys.sk_pr,
		     sa->keys.prf_len, in, 1, p + msg_len + nonce_len, len);
	if (rc) {
		free(p);
		return rc;
	}
	*out = p;
	*out_len = n;
	return 0;
}

/* Our identity: configured, or our certificate's subject (pubkey), or our
 * IP address. */
static void own_id(const struct ike_sa *sa, uint8_t *type, const uint8_t **data, size_t *len)
{
	const struct ike_id *id = &sa->conn->cfg.local_id;

	const struct ike_cert *own;

	if (id->type) {
		*type = id->type;
		*data = id->data;
		*len = id->len;
	} else if ((own = ike_auth_own_cert(sa)) != NULL) {
		*type = IKE_ID_DER_ASN1_DN;
		*data = ike_cert_subject_der(own, len);
	} else if (sa->local.family == AF_INET6) {
		*type = IKE_ID_IPV6_ADDR;
		*data = sa->local.ip;
		*len = 16;
	} else {
		*type = IKE_ID_IPV4_ADDR;
		*data = sa->local.ip;
		*len = 4;
	}
}

/* RestOfIDPayload: type, three reserved octets, data. */
static size_t id_body(uint8_t type, const uint8_t *data, size_t len, uint8_t *out)
{
	out[0] = type;
	out[1] = out[2] = out[3] = 0;
	memcpy(out + 4, data, len);
	return 4 + len;
}

/* The parser refuses ID payloads longer than IKE_ID_MAX_LEN, so nothing
 * is cut here. */
static void id_of_pl(const struct ike_id_pl *pl, struct ike_id *id)
{
	memset(id, 0, sizeof(*id));
	id->type = pl->type;
	id->len = (uint16_t)(pl->data.len < sizeof(id->data) ? pl->data.len : sizeof(id->data));
	memcpy(id->data, pl->data.ptr, id->len);
}

/* How well the peer's identity matches a configured remote id, with
 * strongSwan's wildcards ("*.example.org", "C=CH, O=strongSwan, CN=*"):
 * enum ike_id_match, IKE_ID_MATCH_ANY when none is configured. */
static int id_match(const struct ike_id *want, const struct ike_id_pl *got)
{
	return ike_id_matches_data(want, got->type, got->data.ptr, got->data.len);
}

static bool id_acceptable(const struct ike_sa *sa, const struct ike_id_pl *got)
{
	return id_match(&sa->conn->cfg.remote_id, got) != IKE_ID_MATCH_NONE;
}

/* The shared key of this IKE SA: for our identity and the peer's (peer:
 * the IDi received, as responder; NULL, the configured remote id, as
 * initiator), from the environment's lookup over all secrets if it has
 * one, else the connection's. Wiped by psk_wipe(). */
struct psk {
	uint8_t key[IKE_PSK_MAX_LEN];
	size_t len;
	bool ok;
};

static void get_psk(struct ike_engine *e, const struct ike_sa *sa, const struct ike_id_pl *peer,
		    struct psk *k)
{
	struct ike_id me, other;
	const uint8_t *data;
	size_t len;

	k->ok = false;
	k->len = 0;
	if (!e->env.psk_lookup) {
		if (sa->conn->psk && sa->conn->cfg.psk_len <= sizeof(k->key)) {
			memcpy(k->key, sa->conn->psk, sa->conn->cfg.psk_len);
			k->len = sa->conn->cfg.psk_len;
			k->ok = true;
		}
		return;
	}
	memset(&me, 0, sizeof(me));
	own_id(sa, &me.type, &data, &len);
	me.len = (uint16_t)len;
	memcpy(me.data, data, len);
	/* as initiator, a remote_id with wildcards names no one yet: the key
	 * is looked up as for %any, by our identity */
	if (peer)
		id_of_pl(peer, &other);
	else if (!ike_id_has_wildcards(&sa->conn->cfg.remote_id))
		other = sa->conn->cfg.remote_id;
	else
		memset(&other, 0, sizeof(other));
	k->ok = !e->env.psk_lookup(e->env.ctx, sa->conn->name, &me, other.type ? &other : NULL,
				   k->key, sizeof(k->key), &k->len) &&
		k->len <= sizeof(k->key);
}

static void psk_wipe(struct psk *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

static bool auth_ok(const struct ike_sa *sa, const struct psk *k, bool of_initiator,
		    const struct ike_msg *m, const struct ike_id_pl *id)
{
	uint8_t want[IKE_PRF_MAX_LEN];
	size_t want_len = 0;
	bool ok;

	if (m->auth.method != IKE_AUTH_SHARED_KEY_MIC || !k->ok)
		return false;
	if (ike_psk_auth(sa, of_initiator, k->key, k->len, id->body.ptr, id->body.len, want,
			 &want_len))
		return false;
	ok = m->auth.data.len == want_len && !CRYPTO_memcmp(want, m->auth.data.ptr, want_len);
	OPENSSL_cleanse(want, sizeof(want));
	return ok;
}

/* The IDr an initiator names (RFC 7296 2.15): the remote id when it is
 * one identity, so a responder with several answers as that one. */
static bool names_idr(const struct ike_sa *sa)
{
	const struct ike_id *r = &sa->conn->cfg.remote_id;

	return r->type && !ike_id_has_wildcards(r);
}

/*
 * Adds our IDx, CERTs, (initiator) CERTREQ and IDr, and AUTH, each by our
 * side's method: the PSK's MAC or a signature. false (*why set) if the
 * AUTH cannot be made.
 */
static bool add_id_auth(struct ike_engine *e, struct ike_builder *b, struct ike_sa *sa,
			const struct psk *k, bool initiator, bool peer_asked, const char **why)
{
	uint8_t body[4 + IKE_ID_MAX_LEN], auth[IKE_PRF_MAX_LEN];
	bool pubkey = sa->conn->cfg.local_auth.method == IKE_AUTH_PUBKEY;
	const struct ike_cert *own = pubkey ? ike_auth_own_cert(sa) : NULL;
	const uint8_t *data;
	uint8_t *octets = NULL;
	size_t len, body_len, auth_len = 0, octets_len = 0;
	uint8_t type;
	bool ok;

	own_id(sa, &type, &data, &len);
	body_len = id_body(type, data, len, body);
	ike_add_id(b, initiator ? IKE_PL_IDI : IKE_PL_IDR, type, data, len);
	if (pubkey)
		ike_auth_add_certs(b, sa, own, peer_asked);
	if (initiator) {
		const struct ike_id *r = &sa->conn->cfg.remote_id;

		ike_auth_add_certreq(b, sa);
		if (names_idr(sa))
			ike_add_id(b, IKE_PL_IDR, r->type, r->data, r->len);
	}
	if (pubkey) {
		ok = !ike_auth_octets(sa, initiator, body, body_len, &octets, &octets_len) &&
		     !ike_auth_sign(e, sa, b, own, octets, octets_len, why);
		if (!octets && !*why)
			*why = "cannot compute the signed octets";
		free(octets);
		return ok;
	}
	ok = k->ok && !ike_psk_auth(sa, initiator, k->key, k->len, body, body_len, auth, &auth_len);
	ike_add_auth(b, IKE_AUTH_SHARED_KEY_MIC, auth, ok ? auth_len : 0);
	OPENSSL_cleanse(auth, sizeof(auth));
	if (ok)
		snprintf(sa->auth_desc[0], sizeof(sa->auth_desc[0]), "psk");
	else
		*why = "no pre-shared key for our identity and the peer's";
	return ok;
}

/*
 * The peer's AUTH (its IDx id) under connection c, by the method it used
 * and c's remote auth: 0 (sa->auth_desc[1] set), or -EACCES with why.
 * pc: its certificates (loaded here if not yet); ee: the end entity the
 * connection choice validated, if any.
 */
static int peer_auth_ok(struct ike_engine *e, struct ike_sa *sa, const struct ike_conn *c,
			const struct ike_msg *m, const struct ike_id_pl *id, bool of_initiator,
			struct ike_peer_chain *pc, const struct ike_cert *ee, const struct psk *k,
			char *why, size_t why_len)
{
	bool sig = m->auth.method != IKE_AUTH_SHARED_KEY_MIC;
	uint8_t want = c->cfg.remote_auth.method;
	uint8_t *octets = NULL;
	size_t octets_len = 0;
	int rc;

	if (sig && want == IKE_AUTH_PSK) {
		snprintf(why, why_len, "%s", ike_diag_psk(e, sa, id, m->auth.method, k->ok));
		return -EACCES;
	}
	if (!sig && want == IKE_AUTH_PUBKEY) {
		snprintf(why, why_len, "%s", ike_diag_pubkey_expected(e, sa, id));
		return -EACCES;
	}
	if (!sig) {
		if (!k->ok || !auth_ok(sa, k, of_initiator, m, id)) {
			snprintf(why, why_len, "%s", ike_diag_psk(e, sa, id, m->auth.method, k->ok));
			return -EACCES;
		}
		snprintf(sa->auth_desc[1], sizeof(sa->auth_desc[1]), "psk");
		return 0;
	}
	if (!ee) {
		ike_peer_chain_load(e, pc, m);
		rc = ike_auth_check_cert(e, sa, c, pc, id, &ee, why, why_len);
		if (rc)
			return rc;
	}
	if (ike_auth_octets(sa, of_initiator, id->body.ptr, id->body.len, &octets, &octets_len)) {
		snprintf(why, why_len, "cannot compute the signed octets");
		return -EACCES;
	}
	rc = ike_auth_check_sig(sa, c, ee, m, octets, octets_len, why, why_len);
	free(octets);
	return rc;
}

/* ---- choosing the connection by identity (responder) ---- */

struct pick {
	struct ike_engine *e;
	const struct ike_sa *sa;
	const struct ike_msg *m;
	struct ike_conn *best;
	int best_score;
	/* signature: the peer's certificates, the end entity the best one
	 * validated; the best candidate by identity that refused it, why */
	struct ike_peer_chain pc;
	const struct ike_cert *ee;
	struct ike_conn *refused;
	int refused_score;
	char why[IKE_DIAG_LEN];
	char accepted[256]; /* the identities the candidates accept, for the log */
	size_t acc_len;
};

static void note_accepted(struct pick *p, const struct ike_conn *c)
{
	char id[128];

	if (p->acc_len + 4 >= sizeof(p->accepted))
		return;
	ike_id_format(c->cfg.remote_id.type, c->cfg.remote_id.data, c->cfg.remote_id.len, id,
		      sizeof(id));
	p->acc_len += (size_t)snprintf(p->accepted + p->acc_len, sizeof(p->accepted) - p->acc_len,
				       "%s%s (%s)", p->acc_len ? ", " : "", id, c->name);
	if (p->acc_len >= sizeof(p->accepted))
		p->acc_len = sizeof(p->accepted) - 1;
}

static int note_accepted_fn(void *arg, struct ike_conn *c, int score)
{
	(void)score;
	note_accepted(arg, c);
	return 0;
}

/* Whether c can take over an IKE SA negotiated with these algorithms. */
static bool algs_fit(const struct ike_conn *c, const struct ike_selected *sel)
{
	struct ike_proposal p;
	struct ike_selected tmp;

	return !ike_selected_to_proposal(sel, NULL, 0, &p) &&
	       !ike_proposal_select(c->ike, c->n_ike, &p, 1, 0, &tmp);
}

/* c matched the peer's identity but refuses how it authenticates: the
 * best such one is what the log names if no connection accepts. */
static int refuse_candidate(struct pick *p, struct ike_conn *c, int score, const char *why)
{
	if (score > p->refused_score) {
		p->refused = c;
		p->refused_score = score;
		snprintf(p->why, sizeof(p->why), "%s", why);
	}
	return 0;
}

/* strongSwan's preference: the peer's identity matched exactly, then with
 * wildcards, before a connection that accepts any, then ours (IDr) if the
 * peer named it, then the addresses; the first configured among equals. */
static int consider(void *arg, struct ike_conn *c, int addr_score)
{
	struct pick *p = arg;
	const struct ike_msg *m = p->m;
	int id_score, score;

	/* the index offers the connections whose remote_id may match (the
	 * same identity up to letter case, a pattern, or none); strongSwan's
	 * ranks: 20 for the very identity, less per wildcard, 1 for a
	 * connection that accepts anyone */
	id_score = id_match(&c->cfg.remote_id, &m->idi);
	if (id_score == IKE_ID_MATCH_NONE)
		return 0;
	/* the IDr the peer named is matched as strongSwan does, so a DN with
	 * other letter case or string types still names us */
	if ((m->encrypted & IKE_PL_BIT(IKE_PL_IDR)) && c->cfg.local_id.type) {
		int mine = id_match(&c->cfg.local_id, &m->idr);

		if (mine == IKE_ID_MATCH_NONE)
			return 0;
		id_score += mine;
	}
	if (!algs_fit(c, &p->sa->sel))
		return 0;
	score = id_score * 64 + addr_score;
	if (score <= p->best_score)
		return 0;
	/* the method the peer used must be one this connection accepts; a
	 * certificate must validate under its trust and carry the IDi */
	if (m->auth.method == IKE_AUTH_SHARED_KEY_MIC) {
		if (c->cfg.remote_auth.method == IKE_AUTH_PUBKEY)
			return refuse_candidate(p, c, score,
						ike_diag_pubkey_expected(p->e, p->sa, &m->idi));
	} else if (c->cfg.remote_auth.method == IKE_AUTH_PSK) {
		return refuse_candidate(p, c, score,
					ike_diag_psk(p->e, p->sa, &m->idi, m->auth.method, true));
	} else {
		char why[IKE_CERT_WHY_LEN];
		const struct ike_cert *ee;

		ike_peer_chain_load(p->e, &p->pc, m);
		if (ike_auth_check_cert(p->e, p->sa, c, &p->pc, &m->idi, &ee, why, sizeof(why)))
			return refuse_candidate(p, c, score, why);
		p->ee = ee;
	}
	p->best = c;
	p->best_score = score;
	return 0;
}

/* Switch sa to the connection that fits the peer's identity (and its
 * certificate) best; false (logged, with what the candidates would accept,
 * or why the one its identity named refused its certificate, under that
 * connection) when none does. */
static bool choose_conn(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m,
			struct pick *p, char *why, size_t why_len)
{
	char who[128];

	memset(p, 0, sizeof(*p));
	p->e = e;
	p->sa = sa;
	p->m = m;
	snprintf(why, why_len, "no connection accepts the peer's identity");
	if (ike_conn_foreach_for_peer_id(e, &sa->local, &sa->remote, m->idi.type, m->idi.data.ptr,
					 m->idi.data.len, consider, p)) {
		ike_log_sa(e, IKE_LOG_ERROR, sa, "out of memory choosing the connection");
		return false;
	}
	if (!p->best && p->refused) {
		ike_sa_set_conn(e, sa, p->refused);
		snprintf(why, why_len, "%s", p->why); /* logged once, by ike_sa_fail() */
		return false;
	}
	if (!p->best) {
		/* the reason of the failure, logged once by the caller; the
		 * IDr the peer named may be what none of them is */
		char idr[128] = "";

		ike_conn_foreach_named(e, &sa->local, &sa->remote, 8, note_accepted_fn, p);
		ike_id_format(m->idi.type, m->idi.data.ptr, m->idi.data.len, who, sizeof(who));
		if (m->encrypted & IKE_PL_BIT(IKE_PL_IDR))
			ike_id_format(m->idr.type, m->idr.data.ptr, m->idr.data.len, idr,
				      sizeof(idr));
		snprintf(why, why_len, "no connection accepts peer identity '%s'%s%s%s%s%s", who,
			 p->acc_len ? "; the connections for this address accept " : "",
			 p->acc_len ? p->accepted : "", idr[0] ? "; it asked for us as '" : "", idr,
			 idr[0] ? "'" : "");
		return false;
	}
	if (p->best != sa->conn) {
		ike_id_format(m->idi.type, m->idi.data.ptr, m->idi.data.len, who, sizeof(who));
		ike_log_sa(e, IKE_LOG_INFO, sa, "peer identity '%s': switching to connection %s",
			   who, p->best->name);
		ike_sa_set_conn(e, sa, p->best);
	}
	return true;
}

/* Another established IKE SA of this connection with this peer identity? */
static bool other_sa_with_peer(const struct ike_sa *sa, const struct ike_sa *o, uint8_t type,
			       const uint8_t *id, size_t len)
{
	return o != sa && o->state >= IKE_S_ESTABLISHED && o->state != IKE_S_GONE &&
	       o->peer_id_type == type && o->peer_id_len == len &&
	       (!len || !memcmp(o->peer_id, id, len));
}

static bool same_host(const struct ike_addr *a, const struct ike_addr *b)
{
	return a->family == b->family && !memcmp(a->ip, b->ip, a->family == AF_INET6 ? 16 : 4);
}

/* unique = keep: the id of an IKE SA of this peer identity that stays, so
 * the new one is refused; 0 when none. One from the same address is the
 * peer reauthenticating (strongSwan lets that through too). */
static uint32_t kept_by_unique(struct ike_engine *e, const struct ike_sa *sa,
			       const struct ike_id_pl *peer)
{
	const struct ike_sa *o;

	if (sa->conn->cfg.unique != IKE_UNIQUE_KEEP)
		return 0;
	for (o = ike_sa_first_of_peer(e, sa->conn->name, peer->type, peer->data.ptr,
				      peer->data.len);
	     o; o = LIST_NEXT(o, peer_entry))
		if (ike_sa_is_peer(o, sa->conn->name, peer->type, peer->data.ptr, peer->data.len) &&
		    other_sa_with_peer(sa, o, peer->type, peer->data.ptr, peer->data.len) &&
		    ike_sa_usable(o) && !same_host(&o->remote, &sa->remote))
			return o->id;
	return 0;
}

/*
 * Our other IKE SAs with the identity of the peer of sa, just established:
 * INITIAL_CONTACT (RFC 7296 2.4) says the peer restarted, so they are
 * stale and go without a Delete it could not recognise (unless unique =
 * never); unique = replace deletes them (one from the same address is left
 * for the peer to delete: it reauthenticates).
 */
static void uniqueness(struct ike_engine *e, struct ike_sa *sa, bool initial_contact)
{
	uint8_t policy = sa->conn->cfg.unique;
	struct ike_sa *o, *next;

	if (policy == IKE_UNIQUE_NEVER || (!initial_contact && policy != IKE_UNIQUE_REPLACE))
		return;
	/* sa is in the same bucket, so it stays while others go */
	for (o = ike_sa_first_of_peer(e, sa->conn->name, sa->peer_id_type, sa->peer_id,
				      sa->peer_id_len);
	     o; o = next) {
		next = LIST_NEXT(o, peer_entry);
		if (!ike_sa_is_peer(o, sa->conn->name, sa->peer_id_type, sa->peer_id,
				    sa->peer_id_len) ||
		    !other_sa_with_peer(sa, o, sa->peer_id_type, sa->peer_id, sa->peer_id_len))
			continue;
		if (initial_contact) {
			ike_sa_close(e, o, "replaced: the peer restarted (INITIAL_CONTACT)");
		} else if (ike_sa_usable(o) && !same_host(&o->remote, &sa->remote)) {
			ike_log_sa(
			    e, IKE_LOG_INFO, o,
			    "unique = replace: the peer is now IKE SA [%u], deleting this one",
			    sa->id);
			o->why_down = "replaced (unique = replace)";
			ike_task_queue(e, o, IKE_TASK_DELETE_IKE, 0, 0);
			ike_sa_kick(e, o);
		}
	}
}

static void established(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m,
			const struct ike_id_pl *peer)
{
	ike_sa_set_state(e, sa, IKE_S_ESTABLISHED, "authenticated");
	sa->established_ms = ike_now(e);
	ike_timer_disarm(e, &sa->t_sa);
	ike_sa_set_peer_id(e, sa, peer->type, peer->data.ptr, peer->data.len);
	ike_log_sa(e, IKE_LOG_INFO, sa, "IKE SA established (SPIs %016llx_i %016llx_r)",
		   (unsigned long long)sa->spi_i, (unsigned long long)sa->spi_r);
	ike_event(e, IKE_EV_IKE_UP, sa, NULL, 0, NULL);
	ike_sa_lifetimes_arm(e, sa);
	uniqueness(e, sa, ike_msg_notify(m, IKE_N_INITIAL_CONTACT) != NULL);
}

/* We send INITIAL_CONTACT while we have no established IKE SA on this
 * connection, as after a start or a crash, so the peer drops its stale
 * ones (strongSwan does). */
static bool first_contact(const struct ike_sa *sa)
{
	const struct ike_sa *o;

	LIST_FOREACH (o, &sa->conn->sas, conn_entry)
		if (o != sa && o->state >= IKE_S_ESTABLISHED && o->state != IKE_S_GONE)
			return false;
	return true;
}

/* ---- initiator ---- */

/* Whether IKE_AUTH goes without a CHILD SA (RFC 6023): the first child is
 * then made with CREATE_CHILD_SA like the others. 0, or -ENOTSUP (logged)
 * when childless = force and the peer cannot. */
static int decide_childless(struct ike_engine *e, struct ike_sa *sa, bool *childless)
{
	uint8_t policy = sa->conn->cfg.childless;

	*childless = !sa->ho->has_child;
	if (policy == IKE_CHILDLESS_FORCE && !sa->peer_childless) {
		ike_log_sa(e, IKE_LOG_ERROR, sa,
			   "childless = force, but the peer does not support childless IKE SAs");
		return -ENOTSUP;
	}
	if (*childless && !sa->peer_childless) {
		ike_log_sa(e, IKE_LOG_ERROR, sa,
			   "no CHILD_SA to start, and the peer does not support childless IKE SAs");
		return -ENOTSUP;
	}
	if (sa->ho->has_child && sa->peer_childless &&
	    (policy == IKE_CHILDLESS_PREFER || policy == IKE_CHILDLESS_FORCE)) {
		struct ike_task *t;

		/* It goes first, before the children queued at initiate. */
		t = ike_task_queue(e, sa, IKE_TASK_NEW_CHILD, 0, sa->ho->child.cfg_idx);
		if (t) {
			TAILQ_REMOVE(&sa->tasks, t, entry);
			TAILQ_INSERT_HEAD(&sa->tasks, t, entry);
			t->reauth = sa->ho->child_reauth;
		}
		sa->ho->has_child = false;
		*childless = true;
	}
	return 0;
}

int ike_auth_start(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_half_open *ho = sa->ho;
	struct ike_writer w;
	struct ike_builder b;
	const char *why = NULL;
	struct psk k = { .ok = false };
	bool childless;
	uint8_t first;
	int rc;

	rc = decide_childless(e, sa, &childless);
	if (!rc && !childless)
		rc = ike_child_req_init(e, sa, &ho->child, ho->child.cfg_idx, NULL, false);
	if (rc)
		return rc;
	if (sa->conn->cfg.local_auth.method != IKE_AUTH_PUBKEY) {
		get_psk(e, sa, NULL, &k);
		if (!k.ok) {
			ike_log_sa(e, IKE_LOG_ERROR, sa,
				   "no pre-shared key for our identity and the peer's");
			return -ENOKEY;
		}
	}
	ike_writer_init(&w);
	w.wipe = true;
	ike_build_begin_inner(&b, &w);
	if (!add_id_auth(e, &b, sa, &k, true, ho->peer_certreq, &why)) {
		ike_log_sa(e, IKE_LOG_ERROR, sa, "cannot authenticate: %s", why);
		ike_writer_fail(&w, -EINVAL);
	}
	psk_wipe(&k);
	if (first_contact(sa))
		ike_add_notify(&b, 0, NULL, 0, IKE_N_INITIAL_CONTACT, NULL, 0);
	if (!childless)
		ike_child_req_add(&b, sa, &ho->child, NULL, 0, NULL);
	rc = ike_build_end_inner(&b, &first);
	if (!rc)
		rc = ike_send_protected(e, sa, IKE_AUTH, false, 0, &w, first, IKE_REQ_AUTH);
	ike_writer_free(&w);
	if (!rc)
		ike_sa_set_state(e, sa, IKE_S_AUTH_SENT,
				 childless ? "IKE_AUTH sent, childless" : "IKE_AUTH sent");
	return rc;
}

/* The CHILD SA of our IKE_AUTH: installed, or failed (the IKE SA stays). */
static void initiator_child(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m)
{
	struct ike_half_open *ho = sa->ho;
	const char *name = sa->conn->children[ho->child.cfg_idx].cfg.name;
	struct ike_child_result res;
	char reason[IKE_DIAG_LEN + 96];

	ike_child_req_finish(e, sa, &ho->child, m, NULL, ho->ni, ho->ni_len, ho->nr, ho->nr_len,
			     &res);
	if (!res.notify)
		return;
	snprintf(reason, sizeof(reason), "CHILD_SA %s failed: %s", name, res.why);
	ike_log_sa(e, IKE_LOG_WARN, sa, "%s (%s)", reason, ike_notify_name(res.notify));
	ike_child_failed(e, sa, name, res.notify, reason);
	if (sa->reauth_of && ho->child_reauth) {
		/* The old IKE SA still carries the traffic: keep it. */
		ike_log_sa(e, IKE_LOG_WARN, sa,
			   "reauthentication of IKE SA [%u] failed: deleting this one",
			   sa->reauth_of);
		sa->reauth_of = 0;
		sa->why_down = "reauthentication failed";
		ike_task_queue(e, sa, IKE_TASK_DELETE_IKE, 0, 0);
	}
}

enum ike_verdict ike_auth_on_response(struct ike_engine *e, struct ike_sa *sa, struct ike_rx *rx)
{
	const struct ike_msg *m = &rx->m;
	struct ike_peer_chain pc = { .n = 0 };
	char reason[IKE_DIAG_LEN];
	struct psk k = { .ok = false };
	uint16_t n;
	int rc;

	if (!(m->encrypted & IKE_PL_BIT(IKE_PL_AUTH)) || !(m->encrypted & IKE_PL_BIT(IKE_PL_IDR))) {
		n = IKE_N_AUTHENTICATION_FAILED;
		for (size_t i = 0; i < m->n_notify; i++)
			if (m->notify[i].type <= IKE_N_ERROR_MAX) {
				n = m->notify[i].type;
				break;
			}
		return ike_sa_fail(
		    e, sa, n,
		    ike_diag_peer_refused(e, sa, "IKE_AUTH", n,
					  sa->ho->has_child ? &sa->ho->child : NULL));
	}
	if (!id_acceptable(sa, &m->idr)) {
		snprintf(reason, sizeof(reason), "%s", ike_diag_remote_id(e, sa, &m->idr));
		rc = -EACCES;
	} else {
		if (m->auth.method == IKE_AUTH_SHARED_KEY_MIC)
			get_psk(e, sa, NULL, &k);
		rc = peer_auth_ok(e, sa, sa->conn, m, &m->idr, false, &pc, NULL, &k, reason,
				  sizeof(reason));
		psk_wipe(&k);
		ike_peer_chain_free(&pc);
	}
	if (rc) {
		/* logged once, by ike_sa_fail(); RFC 7296 2.21.2: a separate INFORMATIONAL, then we are done. */
		ike_info_send_notify_once(e, sa, IKE_N_AUTHENTICATION_FAILED);
		return ike_sa_fail(e, sa, IKE_N_AUTHENTICATION_FAILED, reason);
	}
	established(e, sa, m, &m->idr);
	if (sa->ho->has_child)
		initiator_child(e, sa, m);
	if (sa->reauth_of && !ike_task_reauth_pending(sa))
		ike_reauth_established(e, sa);
	ike_sa_half_open_free(e, sa);
	return IKE_KEEP;
}

/* ---- responder ---- */

/* The CHILD SA of the peer's IKE_AUTH, if it asked for one: 0 and *out,
 * or the notify to answer instead (*why says more); *childless when it
 * asked for none (RFC 6023). */
static uint16_t responder_child(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m,
				struct ike_child **out, bool *childless, const char **why)
{
	const uint32_t child_pl =
	    IKE_PL_BIT(IKE_PL_SA) | IKE_PL_BIT(IKE_PL_TSI) | IKE_PL_BIT(IKE_PL_TSR);
	struct ike_child_result res;
	struct ike_dh *dh;

	*out = NULL;
	*childless = !(m->encrypted & child_pl);
	if (*childless)
		return 0;
	if ((m->encrypted & child_pl) != child_pl) {
		*why = "IKE_AUTH with some but not all of SA, TSi and TSr";
		return IKE_N_INVALID_SYNTAX;
	}
	if (sa->conn->cfg.childless == IKE_CHILDLESS_FORCE) {
		*why = "childless = force: CHILD_SAs only with CREATE_CHILD_SA";
		return IKE_N_NO_PROPOSAL_CHOSEN;
	}
	ike_child_respond(e, sa, m, NULL, false, sa->ho->ni, sa->ho->ni_len, sa->ho->nr,
			  sa->ho->nr_len, &dh, &res);
	*why = res.why;
	*out = res.child;
	return res.notify;
}

enum ike_verdict ike_auth_on_request(struct ike_engine *e, struct ike_sa *sa, struct ike_rx *rx)
{
	const struct ike_msg *m = &rx->m;
	struct ike_child *c = NULL;
	struct ike_writer w;
	struct ike_builder b;
	const char *why = NULL;
	char reason[IKE_DIAG_LEN];
	struct pick p;
	uint32_t kept;
	struct psk k = { .ok = false };
	bool childless;
	uint16_t child_err;
	uint8_t first;
	int rc;

	if (!choose_conn(e, sa, m, &p, reason, sizeof(reason))) {
		ike_peer_chain_free(&p.pc);
		ike_respond_notify(e, sa, rx, IKE_N_AUTHENTICATION_FAILED, NULL, 0);
		return ike_sa_fail(e, sa, IKE_N_AUTHENTICATION_FAILED, reason);
	}
	/* its CERTREQ names which of our certificates to send, for the
	 * connection now chosen */
	ike_auth_note_certreq(sa, m);
	if (m->auth.method == IKE_AUTH_SHARED_KEY_MIC ||
	    sa->conn->cfg.local_auth.method != IKE_AUTH_PUBKEY)
		get_psk(e, sa, &m->idi, &k);
	rc = peer_auth_ok(e, sa, sa->conn, m, &m->idi, true, &p.pc, p.ee, &k, reason,
			  sizeof(reason));
	ike_peer_chain_free(&p.pc);
	if (rc) {
		/* logged once, by ike_sa_fail() */
		psk_wipe(&k);
		ike_respond_notify(e, sa, rx, IKE_N_AUTHENTICATION_FAILED, NULL, 0);
		return ike_sa_fail(e, sa, IKE_N_AUTHENTICATION_FAILED, reason);
	}
	if (sa->conn->cfg.local_auth.method == IKE_AUTH_PUBKEY &&
	    !ike_auth_own_key_ok(sa, &why)) {
		/* found before anything is installed, not when answering */
		psk_wipe(&k);
		snprintf(reason, sizeof(reason), "cannot authenticate: %s", why);
		ike_respond_notify(e, sa, rx, IKE_N_AUTHENTICATION_FAILED, NULL, 0);
		return ike_sa_fail(e, sa, IKE_N_AUTHENTICATION_FAILED, reason);
	}
	kept = kept_by_unique(e, sa, &m->idi);
	if (kept) {
		psk_wipe(&k);
		snprintf(reason, sizeof(reason), "unique = keep: the peer has IKE SA [%u] already",
			 kept);
		ike_log_sa(e, IKE_LOG_WARN, sa, "%s: answering AUTHENTICATION_FAILED", reason);
		ike_respond_notify(e, sa, rx, IKE_N_AUTHENTICATION_FAILED, NULL, 0);
		return ike_sa_fail(e, sa, IKE_N_AUTHENTICATION_FAILED, reason);
	}
	if (!(m->encrypted & IKE_PL_BIT(IKE_PL_SA)) &&
	    sa->conn->cfg.childless == IKE_CHILDLESS_NEVER) {
		psk_wipe(&k);
		why = "the peer wants a childless IKE SA, and childless = never";
		ike_log_sa(e, IKE_LOG_WARN, sa, "%s: answering INVALID_SYNTAX", why);
		ike_respond_notify(e, sa, rx, IKE_N_INVALID_SYNTAX, NULL, 0);
		return ike_sa_fail(e, sa, IKE_N_INVALID_SYNTAX, why);
	}
	/* Authenticated: the SA must no longer be found as half-open. */
	established(e, sa, m, &m->idi);
	child_err = responder_child(e, sa, m, &c, &childless, &why);
	if (child_err)
		ike_log_sa(e, IKE_LOG_WARN, sa, "CHILD_SA refused with %s: %s",
			   ike_notify_name(child_err), why);
	else if (childless)
		ike_log_sa(e, IKE_LOG_INFO, sa, "childless IKE SA (RFC 6023)");

	ike_writer_init(&w);
	w.wipe = true;
	ike_build_begin_inner(&b, &w);
	if (!add_id_auth(e, &b, sa, &k, false, m->n_certreq > 0, &why)) {
		ike_log_sa(e, IKE_LOG_ERROR, sa, "cannot authenticate: %s", why);
		ike_writer_fail(&w, -EINVAL);
	}
	psk_wipe(&k);
	if (child_err)
		ike_add_notify(&b, 0, NULL, 0, child_err, NULL, 0);
	else if (c)
		ike_child_respond_add(&b, c, NULL, 0, NULL);
	rc = ike_build_end_inner(&b, &first);
	if (!rc)
		rc = ike_send_protected(e, sa, IKE_AUTH, true, m->hdr.msg_id, &w, first,
					IKE_REQ_NONE);
	ike_writer_free(&w);
	ike_sa_half_open_free(e, sa);
	if (rc)
		return ike_sa_close(e, sa, "cannot answer IKE_AUTH");
	return IKE_KEEP;
}
