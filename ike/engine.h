/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Inside the engine: what engine.c shares with the per-exchange files
 * (ike_sa_init.c, ike_auth.c, create_child_sa.c, informational.c). Not
 * for the daemon: its API is ike/ike.h.
 */
#ifndef CONDUIT_IKE_ENGINE_H
#define CONDUIT_IKE_ENGINE_H

#include <stdarg.h>

#include "ike/buf.h"
#include "ike/id.h"
#include "ike/ike.h"
#include "ike/sa.h"
#include "ike/timer.h"
#include "ike/wire.h"

#define IKE_NONCE_LEN 32       /* ours: RFC 7296 2.10 asks for half the PRF key size, at least 16 */
#define IKE_MAX_KE_RETRIES 2   /* INVALID_KE_PAYLOAD round trips per IKE SA */
#define IKE_MAX_COOKIE_TRIES 3 /* COOKIE round trips per IKE_SA_INIT */
#define IKE_REKEYED_TIMEOUT_MS 30000 /* a rekeyed IKE SA the peer does not delete */
#define IKE_REKEY_RETRY_MS 2000	     /* after TEMPORARY_FAILURE: this, plus up to as much */

/* Reassembly of fragmented messages (RFC 7383 2.6): what a peer can make
 * us hold. A message of more fragments or octets (plaintext) is dropped;
 * one not complete this long after its first fragment is forgotten; all
 * messages being reassembled together hold at most IKE_FRAG_ENGINE_BYTES. */
#define IKE_FRAG_MAX_FRAGMENTS 128
#define IKE_FRAG_MAX_BYTES (32u * 1024)
#define IKE_FRAG_TIMEOUT_MS 30000
#define IKE_FRAG_ENGINE_BYTES (16u * 1024 * 1024)

struct ike_rx;
struct ike_dos;

/* diag.c's longest line: two lists of proposals, or of selectors. */
#define IKE_DIAG_LEN 800

struct ike_engine {
	struct ike_env env;
	struct ike_engine_opts opts;
	struct ike_timer_heap timers;
	uint64_t wake_requested; /* the last at_ms given to env->wake_at */
	uint32_t batch;		 /* >0 while inside an entry point: wake_at once at the end */
	struct ike_conn *conns;	 /* by name */
	/* conn_index.c: connections grouped by their addresses, groups with
	 * one remote host by it, the others in groups_any */
	struct ike_conn_group *conn_groups;
	struct ike_remote_bucket *remote_buckets;
	TAILQ_HEAD(, ike_conn_group) groups_any;
	uint64_t conn_seq; /* configuration order */
	struct ike_sa *sas_by_spi;
	struct ike_sa *sas_by_id;
	struct ike_half_open *half_open;
	struct ike_child *children; /* by reqid */
	uint32_t n_half_open;
	size_t n_children_all;	       /* every CHILD SA of every IKE SA */
	struct ike_peer_bucket *peers; /* SAs by connection name and peer identity */
	uint32_t next_sa_id, next_child_id;
	struct ike_writer rx;	      /* mutable copy of the datagram being processed */
	struct ike_rx *rxm;	      /* the message being processed */
	struct ike_restart *restarts; /* dpd.c: by "conn/child" */
	size_t frag_bytes;	      /* frag.c: plaintext held by every reassembly */
	struct ike_creds *creds; /* certificates and keys (ike/cert.h) */
	struct ike_cert_cache *peer_certs; /* CERT payloads, parsed once */
	struct ike_dos *dos;	      /* dos.c, cookie.c, log_limit.c */
	char diag[IKE_DIAG_LEN];      /* diag.c: the last diagnosis */
	struct ike_counters ctr;      /* counters.c: global */
	struct ike_ctr_conn *ctr_conns; /* counters.c: by connection name */
};

/* A received message, decoded (and decrypted: m describes inner payloads
 * too, pointing into e->rx). */
struct ike_rx {
	const uint8_t *pkt; /* the datagram as received */
	size_t len;
	struct ike_addr local, remote;
	struct ike_conn *conn; /* IKE_SA_INIT request: the connection chosen */
	uint8_t req_kind;      /* response: what our request was */
	uint32_t req_child;    /* response to IKE_REQ_DELETE_CHILD: which */
	struct ike_msg m;
};

/* What a handler leaves behind. */
enum ike_verdict {
	IKE_KEEP, /* the SA lives on */
	IKE_GONE, /* the handler freed the SA */
};

static inline void ike_be64(uint8_t out[8], uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}

static inline void ike_be32(uint8_t out[4], uint32_t v)
{
	for (int i = 3; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}

static inline uint32_t ike_get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t ike_get_be64(const uint8_t *p)
{
	return (uint64_t)ike_get_be32(p) << 32 | ike_get_be32(p + 4);
}

/* ---- logging and events ---- */
/* Whether a line of lvl would be written: a line whose arguments cost
 * formatting (proposals, selectors, identities) asks first. */
bool ike_log_on(const struct ike_engine *e, enum ike_log_level lvl);
void ike_log(struct ike_engine *e, enum ike_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* "conn[id] peer: ..." */
void ike_log_sa(struct ike_engine *e, enum ike_log_level lvl, const struct ike_sa *sa,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void ike_event(struct ike_engine *e, enum ike_event_type type, const struct ike_sa *sa,
	       const struct ike_child *child, uint16_t notify, const char *reason);
/* FAILED for a half-open SA that timed out or was evicted, marked quiet. */
void ike_event_failed_quiet(struct ike_engine *e, const struct ike_sa *sa, const char *reason);
/* The same for a CHILD_SA that never came to be. */
void ike_event_named(struct ike_engine *e, enum ike_event_type type, const struct ike_sa *sa,
		     const char *child_name, uint32_t child_id, uint16_t notify,
		     const char *reason);
const char *ike_addr_str(const struct ike_addr *a, char *buf, size_t len);
#define IKE_ADDR_STR_LEN 56

/* ---- counters.c ---- */
/* A connection name's counters; every version of the connection points
 * to them (ike_conn.ctr), and they stay until the engine goes. */
struct ike_ctr_conn {
	char name[64];
	UT_hash_handle hh;
	struct ike_counters c;
};
/* Found or made; NULL when out of memory (then counted globally only). */
struct ike_ctr_conn *ike_ctr_conn_get(struct ike_engine *e, const char *name);
void ike_ctr_free(struct ike_engine *e);
/* A message received, decoded and, past IKE_SA_INIT, authenticated: to
 * the global counters (global) and to c's (may be NULL). */
void ike_ctr_received(struct ike_engine *e, const struct ike_conn *c, bool global,
		      const struct ike_msg *m);
/* The notifies of a message of ours, read from its payloads before they
 * are sealed, counted once it is sent. */
struct ike_ctr_tx {
	size_t n;
	unsigned int slot[IKE_MAX_NOTIFY];
};
void ike_ctr_tx_scan(struct ike_ctr_tx *tx, uint8_t first, const uint8_t *payloads, size_t len);
void ike_ctr_tx_commit(struct ike_engine *e, const struct ike_conn *c, uint8_t exchange,
		       bool response, const struct ike_ctr_tx *tx);
/* An unencrypted message of ours (IKE_SA_INIT), whole. */
void ike_ctr_sent_plain(struct ike_engine *e, const struct ike_conn *c, const uint8_t *pkt,
			size_t len);
/* An unprotected reply with one notify, to a message with no SA. */
void ike_ctr_sent_notify(struct ike_engine *e, uint8_t exchange, bool response, uint16_t type);
void ike_ctr_event(struct ike_engine *e, const struct ike_conn *c, const struct ike_event *ev);
/* One more of a plain counter, globally and for c (may be NULL). */
#define IKE_CTR_ADD(e, conn, field)                                                                \
	do {                                                                                       \
		const struct ike_conn *ctr_c_ = (conn);                                            \
		(e)->ctr.field++;                                                                  \
		if (ctr_c_ && ctr_c_->ctr)                                                         \
			ctr_c_->ctr->c.field++;                                                    \
	} while (0)

/* ---- sending ---- */
/* Send bytes to the SA's peer from its local address. */
void ike_send_raw(struct ike_engine *e, struct ike_sa *sa, const uint8_t *pkt, size_t len);
/*
 * Finish and send an encrypted message of sa: inner holds the payloads
 * (built with ike_build_begin_inner and ended, first = their first type).
 * A response (to msgid) is cached for retransmitted requests; a request
 * takes msgid_next, is kept for retransmission and arms the timer.
 * 0 or -errno (the SA is left as it was).
 */
int ike_send_protected(struct ike_engine *e, struct ike_sa *sa, uint8_t exchange, bool response,
		       uint32_t msgid, struct ike_writer *inner, uint8_t first, uint8_t req_kind);
/* A response carrying one notify (and nothing else), protected. */
int ike_respond_notify(struct ike_engine *e, struct ike_sa *sa, const struct ike_rx *rx,
		       uint16_t type, const void *data, size_t len);
/* The same, the notify about an SA (protocol and SPI). */
int ike_respond_notify_spi(struct ike_engine *e, struct ike_sa *sa, const struct ike_rx *rx,
			   uint16_t type, uint8_t protocol, const uint8_t *spi, size_t spi_len,
			   const void *data, size_t len);
/* Record a request already built (IKE_SA_INIT) as outstanding and send it. */
int ike_send_request_plain(struct ike_engine *e, struct ike_sa *sa, const uint8_t *pkt, size_t len,
			   uint8_t req_kind);
/* Start the next queued request (task.c) if the window is free. */
enum ike_verdict ike_sa_kick(struct ike_engine *e, struct ike_sa *sa);
/* Fill a header for a message of sa. */
void ike_sa_hdr(const struct ike_sa *sa, struct ike_hdr *h, uint8_t exchange, bool response,
		uint32_t msgid);

/* Send the datagrams of a message kept in sa->req_pkt or sa->resp_pkt:
 * one IKE message, or its fragments back to back. */
void ike_send_msgs(struct ike_engine *e, struct ike_sa *sa, const uint8_t *pkts, size_t len);

/* frag.c: IKE fragmentation (RFC 7383) */
/* One fragment's plaintext, as decrypted. */
struct frag_piece {
	uint8_t *data;
	uint16_t len;
	bool have;
};

/* A message of the peer being reassembled (sa->frx: one per direction). */
struct ike_frag_rx {
	struct ike_sa *sa;
	struct ike_timer t; /* IKE_FRAG_TIMEOUT_MS after the first fragment */
	uint32_t msg_id;
	uint8_t exchange;
	bool response;
	uint8_t first;	/* the first inner payload type (from fragment 1) */
	uint16_t total; /* Total Fragments */
	uint16_t count; /* fragments held */
	size_t bytes;	/* plaintext held */
	struct frag_piece piece[];
};

/* IKE_SA_INIT: IKEV2_FRAGMENTATION_SUPPORTED in our request (req NULL),
 * or in our response to req when it carried one (2.3), unless
 * fragmentation = no. */
void ike_frag_add_notify(struct ike_builder *b, const struct ike_conn *c,
			 const struct ike_msg *req);
/* IKE_SA_INIT from the peer: whether it announced fragmentation. */
void ike_frag_note_peer(struct ike_sa *sa, const struct ike_msg *m);
/* A new IKE SA made by rekeying old keeps the agreement. */
void ike_frag_inherit(struct ike_sa *nsa, const struct ike_sa *old);
/*
 * Seal a message of sa with header h and inner payloads plain (the first
 * of type first) into out: one SK message, or, when it is larger than the
 * fragment size and fragmentation is ours to use, SKF fragments each
 * sealed on its own and each within the size, back to back. *oversize:
 * the IP datagram's size when a whole message exceeded the size, else 0.
 * 0 or -errno (out may hold part of the work: the caller wipes it).
 */
int ike_frag_protect(struct ike_engine *e, struct ike_sa *sa, const struct ike_hdr *h,
		     const struct ike_slice *plain, uint8_t first, struct ike_writer *out,
		     uint16_t *oversize);
/*
 * A message with an SKF payload, decoded in rx->m from buf (e->rx, a
 * mutable copy): authenticate and decrypt the fragment, keep it; when the
 * message is complete, its plaintext goes in e->rx and 0 is returned with
 * *plain, *plain_len and *first set. -EAGAIN: kept (or a duplicate), not
 * complete; -EBADMSG: dropped (*why says why).
 */
int ike_frag_input(struct ike_engine *e, struct ike_sa *sa, struct ike_rx *rx, uint8_t *buf,
		   uint8_t **plain, size_t *plain_len, uint8_t *first, const char **why);
/* The Fragment Number of a datagram made of one SKF, else 0 (RFC 7383
 * 2.6.1: only fragment 1 of a retransmitted request gets the response). */
uint16_t ike_frag_number(const uint8_t *pkt, size_t len);
/* What to add to "peer did not answer ..." when our request went whole
 * though oversized (": the request (1401 octets) exceeded ..."); "" if not. */
void ike_frag_unanswered_note(const struct ike_engine *e, const struct ike_sa *sa, char *buf,
			      size_t len);
/* sa goes: its reassemblies are wiped and freed. */
void ike_frag_sa_free(struct ike_engine *e, struct ike_sa *sa);

/* ---- timers ---- */
/* Around work that may arm or disarm timers (an entry point of ike.h):
 * the environment's wake-up is updated once, at the outermost leave. */
void ike_engine_enter(struct ike_engine *e);
void ike_engine_leave(struct ike_engine *e);
void ike_timer_arm(struct ike_engine *e, struct ike_timer *t, uint64_t at);
void ike_timer_disarm(struct ike_engine *e, struct ike_timer *t);
uint64_t ike_now(struct ike_engine *e);
/* env->wall_time, or -1 when the environment has none. */
int64_t ike_wall_time(struct ike_engine *e);
/* The SA's timers (ctx: the engine): retransmit or give up; half-open expiry. */
void ike_sa_rtx_timer(struct ike_timer *t, void *ctx);
void ike_sa_life_timer(struct ike_timer *t, void *ctx);

/* A new key exchange private value for group, from env->random. */
int ike_new_dh(struct ike_engine *e, struct ike_dh **dh, uint16_t group);

/* A peer's certificate (a CERT payload's DER) from the engine's cache,
 * parsed on first sight: a new reference, or NULL and *err. */
struct ike_cert *ike_peer_cert(struct ike_engine *e, const uint8_t *der, size_t len,
			       const char **err);

/* ---- connections (conn.c) ---- */
/* Takes c out of the engine's table and index, dropping their reference. */
void ike_conn_unlink(struct ike_engine *e, struct ike_conn *c);

/* ---- failure paths ---- */
/* The initiate failed or the SA is going: event, log, free. */
enum ike_verdict ike_sa_fail(struct ike_engine *e, struct ike_sa *sa, uint16_t notify,
			     const char *reason);
/* Established SA closes (Delete exchanged, or peer gone): IKE_DOWN, free. */
enum ike_verdict ike_sa_close(struct ike_engine *e, struct ike_sa *sa, const char *reason);

/* ---- exchanges ---- */
/* An unprotected IKE_SA_INIT response with one notify, no SA kept. */
void ike_sa_init_reply_notify(struct ike_engine *e, const struct ike_rx *rx, uint16_t type,
			      const void *data, size_t len);
/* ike_sa_init.c */
int ike_sa_init_start(struct ike_engine *e, struct ike_sa *sa);
enum ike_verdict ike_sa_init_on_request(struct ike_engine *e, struct ike_sa *sa, struct ike_rx *rx);
enum ike_verdict ike_sa_init_on_response(struct ike_engine *e, struct ike_sa *sa,
					 struct ike_rx *rx);
/* An SA payload's proposals (at most max) in a new array; NULL: none, or
 * out of memory. */
struct ike_proposal *ike_read_proposals(const struct ike_sa_pl *pl, size_t max, size_t *n);
/* NAT_DETECTION_*_IP data: SHA-1(SPIi | SPIr | IP | port). */
int ike_nat_hash(uint64_t spi_i, uint64_t spi_r, const struct ike_addr *a, uint8_t out[20]);

/* nat.c: NAT traversal (RFC 7296 2.23, RFC 3948) */
/* What IKE_SA_INIT's NAT_DETECTION_* said: supported (both were there),
 * here (a NAT in front of us), there (in front of the peer). Records it,
 * moves the initiator to port 4500 and starts keepalives when needed. */
void ike_nat_detected(struct ike_engine *e, struct ike_sa *sa, bool supported, bool here,
		      bool there);
/* UDP encapsulation in use: a NAT either side, or encap = yes. */
bool ike_nat_encap(const struct ike_sa *sa);
/* An authenticated message (of IKE_AUTH: ike_auth) from rx->remote to
 * rx->local: follow a peer that moved. */
void ike_nat_on_authenticated(struct ike_engine *e, struct ike_sa *sa, const struct ike_rx *rx,
			      bool ike_auth);
/* An IKE SA made by rekeying old takes over its NAT state and keepalives. */
void ike_nat_inherit(struct ike_engine *e, struct ike_sa *nsa, const struct ike_sa *old);
/* 0, or -EPERM (logged) for transport mode across a NAT when not allowed. */
int ike_nat_check_mode(struct ike_engine *e, struct ike_sa *sa, uint8_t mode);

/* ike_auth.c */
int ike_auth_start(struct ike_engine *e, struct ike_sa *sa);
enum ike_verdict ike_auth_on_request(struct ike_engine *e, struct ike_sa *sa, struct ike_rx *rx);
enum ike_verdict ike_auth_on_response(struct ike_engine *e, struct ike_sa *sa, struct ike_rx *rx);
/* {Initiator,Responder}SignedOctets (RFC 7296 2.15): RealMessage | Nonce |
 * MACedIDFor, in a new buffer (free it). 0 or -errno. */
int ike_auth_octets(const struct ike_sa *sa, bool of_initiator, const uint8_t *rest_of_id,
		    size_t rest_len, uint8_t **out, size_t *out_len);
/* The AUTH payload data of a PSK (RFC 7296 2.15); out_len = prf length. */
int ike_psk_auth(const struct ike_sa *sa, bool of_initiator, const uint8_t *psk, size_t psk_len,
		 const uint8_t *rest_of_id, size_t rest_len, uint8_t *out, size_t *out_len);

/* child_nego.c: the one CHILD_SA builder (IKE_AUTH and CREATE_CHILD_SA) */
struct ike_child_result {
	uint16_t notify;   /* 0: the child is made and installed */
	uint16_t ke_group; /* INVALID_KE_PAYLOAD: the group asked for */
	const char *why;   /* the reason, when notify is set */
	struct ike_child *child;
};
/* Initiator: what to ask for child config cfg_idx (old: a rekey of old,
 * with its selectors and mode); with_ke: CREATE_CHILD_SA's proposals with
 * their groups. Allocates our SPI. 0 or -errno (logged). */
int ike_child_req_init(struct ike_engine *e, struct ike_sa *sa, struct ike_child_req *req,
		       uint16_t cfg_idx, const struct ike_child *old, bool with_ke);
/* [REKEY_SA], [USE_TRANSPORT_MODE], SA, [Nonce], [KE], TSi, TSr; ni NULL in
 * IKE_AUTH. */
void ike_child_req_add(struct ike_builder *b, const struct ike_sa *sa,
		       const struct ike_child_req *req, const uint8_t *ni, size_t ni_len,
		       const struct ike_dh *dh);
/* The response to req: checks it, makes and installs the child (a rekey's
 * with the old one's reqid). A failure after the peer made its SA queues
 * that SA's Delete. dh: our KE's private value (may be NULL); the nonces
 * are the exchange's (IKE_AUTH: IKE_SA_INIT's). */
void ike_child_req_finish(struct ike_engine *e, struct ike_sa *sa, const struct ike_child_req *req,
			  const struct ike_msg *m, struct ike_dh *dh, const uint8_t *ni,
			  size_t ni_len, const uint8_t *nr, size_t nr_len,
			  struct ike_child_result *res);
/* Responder: chooses a child config (old: a rekey of old, its config
 * only) by proposals and selectors, narrows, makes and installs the child.
 * ccsa: a CREATE_CHILD_SA (proposals with groups, KE checked, *dh_out our
 * KE for the response); else IKE_AUTH. nr: our nonce. */
void ike_child_respond(struct ike_engine *e, struct ike_sa *sa, const struct ike_msg *m,
		       const struct ike_child *old, bool ccsa, const uint8_t *ni, size_t ni_len,
		       const uint8_t *nr, size_t nr_len, struct ike_dh **dh_out,
		       struct ike_child_result *res);
/* [USE_TRANSPORT_MODE], SA, [Nonce], [KE], TSi, TSr of the response. */
void ike_child_respond_add(struct ike_builder *b, const struct ike_child *c, const uint8_t *nr,
			   size_t nr_len, const struct ike_dh *dh);

/* create_child_sa.c: CREATE_CHILD_SA's dispatch and new CHILD SAs */
enum ike_verdict ike_create_child_on_request(struct ike_engine *e, struct ike_sa *sa,
					     struct ike_rx *rx);
enum ike_verdict ike_create_child_on_response(struct ike_engine *e, struct ike_sa *sa,
					      struct ike_rx *rx);
/* Our request for a new CHILD SA (a NEW_CHILD task). 0: it is out. */
int ike_child_create_start(struct ike_engine *e, struct ike_sa *sa, uint16_t cfg_idx, bool reauth);
/* Answer a CREATE_CHILD_SA request with an error notify (INVALID_KE_PAYLOAD
 * carries ke_group). */
enum ike_verdict ike_ccsa_refuse(struct ike_engine *e, struct ike_sa *sa, const struct ike_rx *rx,
				 uint16_t type, uint16_t ke_group, const char *why);
/* Answer the peer's request for a CHILD SA (old: its rekey of old): the
 * child made and installed (*made, our nonce in nr), or a refusal sent
 * (*made NULL). */
enum ike_verdict ike_ccsa_answer_child(struct ike_engine *e, struct ike_sa *sa, struct ike_rx *rx,
				       const struct ike_child *old, struct ike_child **made,
				       uint8_t nr[IKE_NONCE_LEN]);
/* Send our CREATE_CHILD_SA for x->child (new DH value and nonce). */
int ike_child_exch_send(struct ike_engine *e, struct ike_sa *sa, struct ike_exch *x);
/* INVALID_KE_PAYLOAD for a child: ask again with that group when we may
 * (then sa->exch is x again). */
bool ike_exch_retry_ke(struct ike_engine *e, struct ike_sa *sa, struct ike_exch *x,
		       const struct ike_child_result *res);
/* RFC 7296 2.8.1: whether the lowest of the four nonces of a collision is
 * one of our exchange's (Ni ours, nr the peer's answer). */
bool ike_exch_ours_lowest(const struct ike_exch *x, const uint8_t *nr, size_t nr_len);
/* The peer's crossing exchange made peer_new with these nonces. */
void ike_exch_note_collision(struct ike_exch *x, uint32_t peer_new, const uint8_t *ni,
			     size_t ni_len, const uint8_t *nr, size_t nr_len);

/* child_rekey.c: rekeying a CHILD SA (RFC 7296 1.3.3, 2.8) */
int ike_child_rekey_start(struct ike_engine *e, struct ike_sa *sa, struct ike_child *c);
enum ike_verdict ike_child_rekey_request(struct ike_engine *e, struct ike_sa *sa, struct ike_rx *rx,
					 const struct ike_notify *rekey);
enum ike_verdict ike_child_rekey_response(struct ike_engine *e, struct ike_sa *sa,
					  struct ike_rx *rx, struct ike_exch *x);

/* ike_rekey.c: rekeying the IKE SA (RFC 7296 1.3.2, 2.18), its lifetimes */
int ike_rekey_start(struct ike_engine *e, struct ike_sa *sa);
enum ike_verdict ike_rekey_request(struct ike_engine *e, struct ike_sa *sa, struct ike_rx *rx);
enum ike_verdict ike_rekey_response(struct ike_engine *e, struct ike_sa *sa, struct ike_rx *rx,
				    struct ike_exch *x);
/* The IKE SA is established (IKE_AUTH or a rekey): arm rekey_time (minus
 * a random part of rand_time) and over_time. */
void ike_sa_lifetimes_arm(struct ike_engine *e, struct ike_sa *sa);
/* Queue a rekey of the IKE SA; false if it cannot be rekeyed now or one
 * is queued or out. */
bool ike_sa_want_rekey(struct ike_engine *e, struct ike_sa *sa, const char *why);
void ike_sa_rekey_timer(struct ike_timer *t, void *ctx);
void ike_sa_hard_timer(struct ike_timer *t, void *ctx);
/* sa was replaced (rekey, reauthentication, collision): REKEYED, its
 * lifetimes and queued rekey gone. */
void ike_sa_superseded(struct ike_engine *e, struct ike_sa *sa, const char *why);
/* The peer deletes sa while our rekey of it crossed the peer's: the
 * children go to the IKE SA the peer's rekey made. */
void ike_rekey_on_peer_delete(struct ike_engine *e, struct ike_sa *sa);

/* child.c: a CHILD SA's keys, install and lifetimes */
/* KEYMAT = prf+(SK_d, [g^ir |] Ni | Nr) (RFC 7296 2.17), split by the
 * initiator of the exchange that made the child (we_initiated), then
 * env->child_install, CHILD_UP and the child's rekey and life timers.
 * 0 or -errno (nothing installed). */
int ike_child_install(struct ike_engine *e, struct ike_sa *sa, struct ike_child *c,
		      bool we_initiated, const uint8_t *gir, size_t gir_len, const uint8_t *ni,
		      size_t ni_len, const uint8_t *nr, size_t nr_len);
/* A rekey's responder installed c's inbound SA only: its outbound one
 * now (the child it replaces is gone), and the keys kept for it wiped. */
void ike_child_install_out(struct ike_engine *e, struct ike_child *c);
/* Wipe the outbound keys kept for c (it goes before they were used). */
void ike_child_forget_out(struct ike_child *c);
void ike_child_rekey_timer(struct ike_timer *t, void *ctx);
void ike_child_life_timer(struct ike_timer *t, void *ctx);
/* Queue a rekey of c (rekey_time or a soft expire); false if it is
 * already being rekeyed, replaced or deleted. */
bool ike_child_want_rekey(struct ike_engine *e, struct ike_child *c, const char *why);
/* Queue a Delete of c (hard expiry), with the reason CHILD_DOWN gives. */
void ike_child_expire(struct ike_engine *e, struct ike_child *c, const char *why);
/* A new child of config cfg_idx on sa with these selectors, CREATED; the
 * reqid is old's (a rekey), or shared with the child an IKE SA being
 * replaced has (reauthentication), or its own. */
struct ike_child *ike_child_make(struct ike_engine *e, struct ike_sa *sa, uint16_t cfg_idx,
				 uint8_t mode, const struct ike_child *old, const struct ike_ts *l,
				 size_t n_l, const struct ike_ts *r, size_t n_r);
/* A CHILD SA of config name could not be made: IKE_EV_FAILED, and a
 * restart of it counts the failure. */
void ike_child_failed(struct ike_engine *e, struct ike_sa *sa, const char *name, uint16_t notify,
		      const char *why);
/* A random delay in [0, max_s] seconds, in ms (rand_time jitter). */
uint64_t ike_jitter_ms(struct ike_engine *e, uint32_t max_s);

/* informational.c */
enum ike_verdict ike_info_on_request(struct ike_engine *e, struct ike_sa *sa, struct ike_rx *rx);
enum ike_verdict ike_info_on_response(struct ike_engine *e, struct ike_sa *sa, struct ike_rx *rx);
/* Send the request for what is queued (IKE or child delete). */
int ike_info_send_delete_ike(struct ike_engine *e, struct ike_sa *sa);
int ike_info_send_delete_child(struct ike_engine *e, struct ike_sa *sa, struct ike_child *c);
/* An empty INFORMATIONAL request: is the peer alive (there)? 0 or -errno. */
int ike_info_send_empty(struct ike_engine *e, struct ike_sa *sa);
/* One unanswered INFORMATIONAL carrying a notify (AUTHENTICATION_FAILED
 * from the initiator, RFC 7296 2.21.2); nothing is kept for it. */
void ike_info_send_notify_once(struct ike_engine *e, struct ike_sa *sa, uint16_t type);

/* The latest of last and the kernel's last use of sa's CHILD SAs, inbound
 * (in) or outbound, as env->child_last_in/out report it (never after now). */
uint64_t ike_children_last_use(struct ike_engine *e, struct ike_sa *sa, bool in, uint64_t last,
			       uint64_t now);

/* reauth.c: reauthentication (RFC 7296 2.8.3), make before break */
/* The reqid a new CHILD_SA of sa should take: that of an installed CHILD_SA
 * of the same connection, child config, mode and selectors in another IKE
 * SA with the same peer (the one a reauthentication replaces), so the two
 * share the kernel's policies; 0: a reqid of its own. ts: n_lts local, then
 * n_rts remote selectors. */
uint32_t ike_reqid_to_share(struct ike_engine *e, const struct ike_sa *sa, uint16_t cfg_idx,
			    uint8_t mode, const struct ike_ts *ts, size_t n_lts, size_t n_rts);
void ike_sa_reauth_timer(struct ike_timer *t, void *ctx);
/* Reauthenticate the established sa now (why: for the log line): the new
 * IKE SA's id (a positive int), or -EBUSY (not established), -ENOENT (its
 * connection was removed), -EDESTADDRREQ, -EINVAL, -ENOMEM. */
int ike_sa_reauth_start(struct ike_engine *e, struct ike_sa *sa, const char *why);
/* nsa (initiator) is established and has recreated the children of the
 * IKE SA it reauthenticates (or failed to): that one is deleted now. */
void ike_reauth_established(struct ike_engine *e, struct ike_sa *nsa);
/* Start a new IKE SA of conn (its current version) with the children of
 * cfg indexes idx[0..n) (the first rides IKE_AUTH unless childless, the
 * others follow with CREATE_CHILD_SA); reauth_of: the IKE SA it replaces
 * (0: none). Returns the new SA, or NULL with *rc set. */
struct ike_sa *ike_initiate_sa(struct ike_engine *e, struct ike_conn *c, const uint16_t *idx,
			       size_t n, uint32_t reauth_of, int *rc);

/* dpd.c: liveness (RFC 7296 2.4) and what becomes of SAs that go */
/* An authenticated message of sa was handled (the SA lives on). */
void ike_dpd_received(struct ike_engine *e, struct ike_sa *sa);
/* An established SA's request went unanswered: the peer is dead. Closes
 * the SA (no Delete can be sent) and applies its children's dpd_action. */
enum ike_verdict ike_dpd_peer_dead(struct ike_engine *e, struct ike_sa *sa);
/* A child that was installed goes: CHILD_DOWN with its cause and the
 * action taken (ike_child_free calls it). */
void ike_dpd_child_down(struct ike_engine *e, struct ike_sa *sa, struct ike_child *c,
			const char *reason);
/* sa is being freed (ike_sa_free calls it): its timer, and its restart. */
void ike_dpd_sa_gone(struct ike_engine *e, struct ike_sa *sa);
/* A CHILD SA of config name came up (ok) or could not be made: a restart
 * of it succeeded, or counts a failure. */
void ike_dpd_child_result(struct ike_engine *e, struct ike_sa *sa, const char *name, bool ok);
/* Forget pending restarts of a connection's child (NULL: of all). */
void ike_dpd_cancel_restarts(struct ike_engine *e, const char *conn, const char *child);
void ike_dpd_free(struct ike_engine *e);

/*
 * diag.c: why a negotiation failed, in the configuration's syntax, written
 * to e->diag (valid until the next diagnosis) and returned, for the caller
 * to log once and pass on as the failure's reason.
 */
/* Responder, IKE_SA_INIT: "no IKE proposal chosen: received ...; configured ..." */
const char *ike_diag_ike_proposals(struct ike_engine *e, const struct ike_conn *c,
				   const struct ike_proposal *peer, size_t n_peer);
/* Responder, a CHILD_SA: the peer's ESP proposals and those of the
 * candidate child configs cand (indexes into sa->conn->children);
 * ccsa: CREATE_CHILD_SA's, with their groups. */
const char *ike_diag_esp_proposals(struct ike_engine *e, const struct ike_sa *sa, bool ccsa,
				   const struct ike_proposal *peer, size_t n_peer,
				   const uint16_t *cand, size_t n_cand);
/* Responder: the peer's TSi/TSr and the candidates' local_ts/remote_ts. */
const char *ike_diag_ts(struct ike_engine *e, const struct ike_sa *sa, const struct ike_ts *tsi,
			size_t n_tsi, const struct ike_ts *tsr, size_t n_tsr, const uint16_t *cand,
			size_t n_cand);
/* A key exchange method's keyword ("x25519"), "unknown" for none we know:
 * static text. */
const char *ike_diag_group(uint16_t group);
/* Initiator: INVALID_KE_PAYLOAD asked for a group we did not offer (or
 * none, group 0). */
const char *ike_diag_ke_group(struct ike_engine *e, const struct ike_sa *sa, uint16_t group);
/* Initiator: the responder's IDr is not the remote_id configured. */
const char *ike_diag_remote_id(struct ike_engine *e, const struct ike_sa *sa,
			       const struct ike_id_pl *peer);
/* Either role: the peer's AUTH did not verify (method: its AUTH method;
 * have_key: whether we had a key for the pair of identities). */
const char *ike_diag_psk(struct ike_engine *e, const struct ike_sa *sa,
			 const struct ike_id_pl *peer, uint8_t method, bool have_key);
/* Either role: the peer used a pre-shared key where a certificate
 * signature is configured (remote auth = pubkey). */
const char *ike_diag_pubkey_expected(struct ike_engine *e, const struct ike_sa *sa,
				     const struct ike_id_pl *peer);
/* Initiator: the peer answered our request of `exchange` with an error
 * notify: what it most likely means, with our side's configuration (req:
 * the CHILD_SA we asked for, or NULL). */
const char *ike_diag_peer_refused(struct ike_engine *e, const struct ike_sa *sa,
				  const char *exchange, uint16_t notify,
				  const struct ike_child_req *req);

#endif
