/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Connections, IKE SAs and CHILD SAs as the engine keeps them, and the hash
 * tables that find them: IKE SAs by our own SPI (every message after
 * IKE_SA_INIT), half-open responder SAs by the initiator's SPI and address
 * (a retransmitted IKE_SA_INIT request carries no SPI of ours), IKE SAs by
 * id (the control socket), CHILD SAs by reqid (kernel events), connections
 * by name and, for the responder's first guess, by the peer's address.
 *
 * Memory: an established IKE SA is one allocation (its keys inline), a
 * CHILD SA one more (selectors inline). What IKE_SA_INIT and IKE_AUTH need
 * only once (the first two messages, the nonces, the DH private key) lives
 * in struct ike_half_open, freed when IKE_AUTH completes.
 */
#ifndef CONDUIT_IKE_SA_H
#define CONDUIT_IKE_SA_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/queue.h>
#include <uthash.h>

#include "ike/crypto.h"
#include "ike/ike.h"
#include "ike/proposal.h"
#include "ike/timer.h"
#include "ike/ts.h"

struct ike_engine;
struct ike_dh;
struct ike_restart;
struct ike_frag_rx;

#define IKE_CONN_MAX_PROPOSALS 16

/* One child of a connection, parsed once when the connection is added. */
struct ike_conn_child {
	struct ike_child_cfg cfg; /* strings point into this struct's copies */
	char *local_ts_str, *remote_ts_str, *esp_str;
	uint8_t n_esp, n_lts, n_rts;
	struct ike_proposal *esp; /* DH stripped: what IKE_AUTH offers */
	struct ike_ts_conf lts[IKE_MAX_TS], rts[IKE_MAX_TS];
	/* The same proposals with their key exchange groups: what a
	 * CREATE_CHILD_SA offers and accepts (PFS, RFC 7296 1.3.1). */
	uint8_t n_esp_ke;
	struct ike_proposal *esp_ke;
};

struct ike_conn {
	char name[64];
	UT_hash_handle hh;	  /* engine->conns, by name */
	struct ike_conn_group *grp;	  /* conn_index.c: its address group */
	struct ike_conn_idb *idb;	  /* its remote identity there (NULL: any) */
	TAILQ_ENTRY(ike_conn) grp_entry;  /* grp->conns */
	TAILQ_ENTRY(ike_conn) id_entry;	  /* idb->conns or grp->any_id */
	uint64_t seq;			  /* configuration order */
	uint32_t refcnt;		 /* the table's reference and one per IKE SA */
	bool linked;			 /* still in the tables (not replaced or removed) */
	uint8_t remote_key[17];		 /* family | ip: the by-remote key */
	bool hashed;			 /* one remote host (remote_key), else ranges or any */
	struct ike_addr_range *local_addrs, *remote_addrs; /* copies of the cfg's */
	struct ike_conn_cfg cfg;			   /* pointers into this struct's copies */
	char *proposals_str;
	uint8_t *psk;
	uint8_t n_ike;
	struct ike_proposal *ike;
	struct ike_conn_child *children;
	LIST_HEAD(, ike_sa) sas; /* the IKE SAs made with this version */
	struct ike_conn *older;	 /* replaced versions that still have SAs */
};

/*
 * The life of an IKE SA. The state changes only through ike_sa_set_state(),
 * which refuses (and logs) a change the table in sa.c does not allow, and
 * logs every change with the SA's prefix.
 */
enum ike_sa_state {
	IKE_S_NEW,	 /* allocated, nothing sent or answered yet */
	IKE_S_INIT_SENT, /* initiator: our IKE_SA_INIT request is out */
	IKE_S_INIT_RCVD, /* responder: IKE_SA_INIT answered, IKE_AUTH awaited */
	IKE_S_AUTH_SENT, /* initiator: our IKE_AUTH request is out */
	IKE_S_ESTABLISHED,
	IKE_S_REKEYING, /* our CREATE_CHILD_SA rekeying this IKE SA is out */
	/* Replaced: by a rekey (ours or the peer's), a reauthentication, or
	 * as the redundant SA of a rekey collision. Its children moved to the
	 * successor; its Delete (ours, queued or out, or the peer's, awaited
	 * with a timeout) ends it. Never a reason for close_action. */
	IKE_S_REKEYED,
	IKE_S_DELETING, /* going for another reason: our Delete is queued or out */
	IKE_S_GONE,	/* being freed: no more messages, events or timers */
	IKE_S_COUNT,
};

#define IKE_S_BIT(s) (1u << (s))

/* The life of a CHILD SA, changed only through ike_child_set_state(). */
enum ike_child_state {
	IKE_CHILD_CREATED,   /* negotiated, not (yet) in the kernel */
	IKE_CHILD_INSTALLED, /* in the kernel, carrying traffic */
	IKE_CHILD_REKEYING,  /* our CREATE_CHILD_SA rekeying it is out */
	/* Replaced by a successor (a rekey, a collision's winner, a
	 * reauthentication): our Delete is queued or out, or the peer's is
	 * awaited. Never a reason for close_action. */
	IKE_CHILD_REKEYED,
	IKE_CHILD_DELETING, /* going for another reason: our Delete is queued or out */
	IKE_CHILD_STATE_COUNT,
};

/* Our request kinds: what the outstanding request is, for its response. */
enum ike_req_kind {
	IKE_REQ_NONE,
	IKE_REQ_SA_INIT,
	IKE_REQ_AUTH,
	IKE_REQ_DELETE_IKE,
	IKE_REQ_DELETE_CHILD,
	IKE_REQ_EMPTY_INFO,  /* liveness check */
	IKE_REQ_NEW_CHILD,   /* CREATE_CHILD_SA for a new CHILD SA */
	IKE_REQ_REKEY_CHILD, /* CREATE_CHILD_SA with REKEY_SA */
	IKE_REQ_REKEY_IKE,   /* CREATE_CHILD_SA rekeying the IKE SA */
};

/*
 * A request waiting for the window (RFC 7296 2.3: one at a time). The
 * queue of an IKE SA replaces flags: what is queued is what will be sent,
 * in this order of precedence: the IKE SA's Delete, Deletes of CHILD SAs,
 * then new CHILD SAs and rekeys in the order they were asked for.
 */
enum ike_task_kind {
	IKE_TASK_DELETE_IKE,
	IKE_TASK_DELETE_CHILD,
	IKE_TASK_NEW_CHILD,
	IKE_TASK_REKEY_CHILD,
	IKE_TASK_REKEY_IKE,
};

struct ike_task {
	TAILQ_ENTRY(ike_task) entry;
	uint8_t kind;	   /* enum ike_task_kind */
	bool reauth;	   /* NEW_CHILD: recreates a child of the SA reauthenticated */
	uint16_t cfg_idx;  /* NEW_CHILD: the child config */
	uint32_t child_id; /* DELETE_CHILD, REKEY_CHILD */
};

TAILQ_HEAD(ike_task_list, ike_task);

/*
 * A CHILD SA asked for as initiator, in IKE_AUTH or CREATE_CHILD_SA: what
 * was offered, to check the answer against (RFC 7296 2.9: the responder
 * may only narrow). One builder (child_nego.c) makes and checks it for the
 * first child, new children and rekeys alike.
 */
struct ike_child_req {
	uint16_t cfg_idx;
	uint8_t mode;	    /* enum ike_mode asked for */
	bool with_ke;	    /* CREATE_CHILD_SA: proposals with their groups */
	uint16_t dh_group;  /* the group of our KE; 0: none */
	uint32_t spi_in;    /* our SPI of the new child */
	uint32_t old_child; /* a rekey: the child replaced; 0 otherwise */
	uint8_t n_lts, n_rts;
	struct ike_ts ts[2 * IKE_MAX_TS]; /* as sent: n_lts local, n_rts remote */
};

/*
 * Our outstanding CREATE_CHILD_SA (a new child, a child's rekey, the IKE
 * SA's rekey), and what we learnt of a rekey of the same SA the peer
 * started meanwhile (RFC 7296 2.8.1, 2.8.2): the SA its exchange made and
 * that exchange's nonces, compared with ours once both exchanges are over.
 */
struct ike_exch {
	uint8_t kind;		    /* IKE_REQ_NEW_CHILD, _REKEY_CHILD or _REKEY_IKE */
	uint8_t ke_retries;	    /* INVALID_KE_PAYLOAD round trips */
	bool reauth;		    /* NEW_CHILD: recreates a child of the SA reauthenticated */
	struct ike_child_req child; /* NEW_CHILD, REKEY_CHILD */
	uint16_t dh_group;	    /* REKEY_IKE: the group of our KE */
	uint64_t spi_new;	    /* REKEY_IKE: our SPI of the new IKE SA */
	struct ike_dh *dh;
	uint16_t ni_len;
	uint8_t ni[IKE_NONCE_MAX_LEN];
	bool collision;	   /* the peer rekeyed the same SA meanwhile */
	uint32_t peer_new; /* the child or IKE SA id that exchange made */
	uint16_t peer_ni_len, peer_nr_len;
	uint8_t peer_ni[IKE_NONCE_MAX_LEN], peer_nr[IKE_NONCE_MAX_LEN];
};

struct ike_child_out;

struct ike_child {
	LIST_ENTRY(ike_child) entry; /* ike_sa->children */
	UT_hash_handle hh;	     /* engine->children, by reqid */
	struct ike_sa *ike;
	uint32_t id, reqid;
	uint32_t spi_in, spi_out; /* host order */
	uint64_t established_ms;
	uint16_t cfg_idx; /* in ike->conn->children */
	uint8_t mode;	  /* enum ike_mode */
	uint8_t state;	  /* enum ike_child_state */
	bool installed;	  /* the kernel has its SAs (child_install succeeded) */
	struct ike_selected sel;
	uint8_t n_lts, n_rts;
	uint8_t down_cause;	      /* enum ike_down_cause, once decided (else the IKE SA's) */
	struct ike_child *reqid_next; /* other children of the reqid (rekeys) */
	struct ike_timer t_rekey;     /* rekey_time minus a random rand_time */
	struct ike_timer t_life;      /* life_time: hard expiry */
	const char *why_down;	      /* reason given when its Delete completes */
	/* A rekey's responder: the outbound SA waits until the peer deletes
	 * the child it replaces (that child's id); its keys meanwhile. */
	uint32_t out_waits_for;
	struct ike_child_out *out_later;
	struct ike_ts ts[]; /* n_lts local, then n_rts remote */
};

/* Key of the half-open table: no implicit padding, so memcmp-safe. */
struct ike_init_key {
	uint64_t spi_i;
	uint8_t family;
	uint8_t pad;
	uint16_t port;
	uint8_t ip[16];
};

struct ike_half_open {
	struct ike_sa *sa;
	UT_hash_handle hh; /* engine->half_open (responder only) */
	struct ike_init_key key;
	bool in_table;
	/* dos.c: its source's list (oldest first), and the memory it holds */
	struct ike_dos_src *src;
	TAILQ_ENTRY(ike_half_open) src_entry;
	uint32_t bytes;
	uint16_t dh_group;  /* the group of our KE (initiator) */
	uint8_t retries_ke; /* INVALID_KE_PAYLOAD retries so far */
	uint8_t cookie_len; /* initiator: the responder's COOKIE (RFC 7296 2.6) */
	uint8_t cookie_tries;
	uint8_t cookie[64];
	struct ike_dh *dh;
	uint16_t ni_len, nr_len;
	uint8_t ni[IKE_NONCE_MAX_LEN], nr[IKE_NONCE_MAX_LEN];
	/* RealMessage1 and RealMessage2 of RFC 7296 2.15 */
	uint8_t *msg1, *msg2;
	size_t msg1_len, msg2_len;
	/* Public-key authentication (auth_cert.c): the credential set this
	 * SA began with (a reference, so a reload cannot free what IKE_AUTH
	 * uses), what the peer's IKE_SA_INIT said (RFC 7427 hashes, CERTREQ)
	 * and which of our certificates its CERTREQ named. */
	struct ike_creds *creds;
	bool peer_rfc7427;
	bool peer_certreq;
	uint32_t peer_hashes;
	const struct ike_cert *certreq_pick;
	/* Initiator: the CHILD SA asked for in IKE_AUTH (none: childless) */
	bool has_child;
	bool child_reauth; /* it recreates a child of the SA reauthenticated */
	struct ike_child_req child;
};

struct ike_sa {
	uint32_t id;
	uint8_t state;	       /* enum ike_sa_state */
	bool initiator;	       /* we are the original initiator */
	uint8_t req_kind;      /* enum ike_req_kind of our outstanding request */
	uint8_t req_tries;     /* retransmissions of it so far */
	bool peer_childless;   /* the responder supports childless IKE SAs (RFC 6023) */
	uint64_t spi_i, spi_r; /* as in the header (host order) */
	uint64_t spi_local;    /* the table key: spi_i or spi_r */
	struct ike_addr local, remote;
	struct ike_conn *conn;
	LIST_ENTRY(ike_sa) conn_entry; /* in the name's connection ->sas */
	/* RFC 7296 2.3 with a window of one in each direction */
	uint32_t msgid_next;	     /* our next (or outstanding) request */
	uint32_t msgid_peer;	     /* the peer's next request */
	uint8_t *req_pkt, *resp_pkt; /* last sent request, cached response */
	uint32_t req_len, resp_len;
	/* SHA-256 of the peer's last authenticated request: the cached
	 * response goes again only for that very request (RFC 7296 2.1) */
	uint8_t peer_req_hash[32];
	uint8_t frag_req_hash[32]; /* frag.c: fragment 1 of the request being reassembled */
	uint32_t req_child;	    /* child id a DELETE_CHILD request is for */
	struct ike_task_list tasks; /* requests waiting for the window */
	struct ike_exch *exch;	    /* our CREATE_CHILD_SA in progress */
	struct ike_timer t_rtx;	    /* retransmission of our request */
	struct ike_timer t_sa;	    /* half-open timeout; the peer's Delete after its rekey */
	struct ike_selected sel;
	struct ike_sa_keys keys;
	bool keys_valid;
	struct ike_half_open *ho;
	LIST_HEAD(, ike_child) children;
	uint32_t n_children;
	uint64_t established_ms;
	uint8_t peer_id_type;
	uint16_t peer_id_len;
	uint8_t *peer_id;      /* the authenticated peer identity */
	/* engine->peers: the SAs of one connection name and peer identity,
	 * for INITIAL_CONTACT, unique and reqid sharing without a walk over
	 * every SA of a connection that serves many peers */
	struct ike_peer_bucket *peer_bucket;
	LIST_ENTRY(ike_sa) peer_entry;
	UT_hash_handle hh_spi; /* engine->sas_by_spi */
	UT_hash_handle hh_id;  /* engine->sas_by_id */
	/* dpd.c */
	uint64_t last_rx_ms;	/* last authenticated message from the peer */
	struct ike_timer t_dpd; /* the liveness check */
	uint8_t down_cause;	/* enum ike_down_cause, once decided */
	/* NAT traversal (nat.c) */
	bool nat_local, nat_remote; /* a NAT in front of us / of the peer */
	bool nat_fake;		    /* encap = yes without a NAT */
	uint64_t last_out_ms;	    /* when we last sent the peer anything */
	struct ike_timer t_nat;	    /* NAT keepalives */
	struct ike_timer t_rekey;   /* rekey_time minus a random rand_time */
	struct ike_timer t_hard;    /* rekey + over_time: give up, delete */
	struct ike_timer t_reauth;  /* reauth_time minus a random rand_time (reauth.c) */
	uint32_t reauth_of;	    /* this SA reauthenticates that one (its id) */
	/* IKE fragmentation (frag.c, RFC 7383) */
	bool frag_peer;		    /* the peer announced IKEV2_FRAGMENTATION_SUPPORTED */
	uint16_t req_oversize;	    /* our request went whole though its IP datagram (this
				     * size) exceeded the fragment size; 0: it did not */
	struct ike_frag_rx *frx[2]; /* reassembly of the peer's request [0], response [1] */
	const char *why_down;	    /* reason given when its Delete completes */
	/* how each side authenticated ("psk", "pubkey ECDSA SHA-256"): [0]
	 * ours, [1] the peer's; "" before IKE_AUTH */
	char auth_desc[2][40];
};

/* The SA can still carry CHILD SAs and start exchanges of its own. */
static inline bool ike_sa_usable(const struct ike_sa *sa)
{
	return sa->state == IKE_S_ESTABLISHED || sa->state == IKE_S_REKEYING;
}

/* The child is in the kernel and not on its way out. */
static inline bool ike_child_live(const struct ike_child *c)
{
	return c->state == IKE_CHILD_INSTALLED || c->state == IKE_CHILD_REKEYING;
}

/* ---- connections ---- */
struct ike_conn *ike_conn_find(struct ike_engine *e, const char *name);
/* How well c's addresses (local_addrs, remote_addrs) match a message from
 * remote to local: 0 not at all; more is more specific (a host before a
 * range before %any, the remote side first). */
int ike_conn_addr_score(const struct ike_conn *c, const struct ike_addr *local,
			const struct ike_addr *remote);
/* The connection that answers an IKE_SA_INIT from remote to local: the
 * best address match, the first configured among equals; or NULL. */
struct ike_conn *ike_conn_for_peer(struct ike_engine *e, const struct ike_addr *local,
				   const struct ike_addr *remote);
/* Call fn for every connection whose addresses match (score > 0) and whose
 * remote id is this identity or none (any), in configuration order (those
 * with one remote host first); stops when fn returns non-zero. Costs what
 * the candidates cost, not what all connections do (conn_index.c).
 * -ENOMEM: fn was not called. */
int ike_conn_foreach_for_peer_id(struct ike_engine *e, const struct ike_addr *local,
				 const struct ike_addr *remote, uint8_t id_type,
				 const uint8_t *id, size_t id_len,
				 int (*fn)(void *arg, struct ike_conn *c, int score), void *arg);
/* For logs: fn for up to about max connections whose addresses match and
 * that name a remote identity, one per identity. */
void ike_conn_foreach_named(struct ike_engine *e, const struct ike_addr *local,
			    const struct ike_addr *remote, size_t max,
			    int (*fn)(void *arg, struct ike_conn *c, int score), void *arg);
/* Whether c may check a peer's certificate and asks for one (CERTREQ). */
bool ike_conn_wants_certreq(const struct ike_conn *c);
/* Whether some connection for these addresses does (in constant time per
 * address group). */
bool ike_conn_certreq_for(struct ike_engine *e, const struct ike_addr *local,
			  const struct ike_addr *remote);
/* The index behind these (conn_index.c): a connection is in it from
 * ike_engine_add_conn until it is replaced or removed. */
void ike_conn_index_init(struct ike_engine *e);
int ike_conn_index_add(struct ike_engine *e, struct ike_conn *c);
void ike_conn_index_remove(struct ike_engine *e, struct ike_conn *c);
void ike_conn_put(struct ike_engine *e, struct ike_conn *c);

/* ---- IKE SAs ---- */
/* A new SA with a fresh random SPI of ours (unique), added to the tables. */
struct ike_sa *ike_sa_new(struct ike_engine *e, struct ike_conn *conn, bool initiator,
			  const struct ike_addr *local, const struct ike_addr *remote);
/* The same with a given SPI of ours (0: random); NULL if it is taken. */
struct ike_sa *ike_sa_new_spi(struct ike_engine *e, struct ike_conn *conn, bool initiator,
			      const struct ike_addr *local, const struct ike_addr *remote,
			      uint64_t spi);
/* The SA now belongs to connection c (IKE_AUTH chose it by identity). */
void ike_sa_set_conn(struct ike_engine *e, struct ike_sa *sa, struct ike_conn *c);
/* A random SPI no IKE SA of ours has (0 if none was found). */
uint64_t ike_sa_fresh_spi(struct ike_engine *e);
void ike_exch_free(struct ike_exch *x);
struct ike_sa *ike_sa_by_spi(struct ike_engine *e, uint64_t spi_local);
struct ike_sa *ike_sa_by_id(struct ike_engine *e, uint32_t id);
struct ike_sa *ike_sa_half_open_find(struct ike_engine *e, uint64_t spi_i,
				     const struct ike_addr *remote);
int ike_sa_half_open_add(struct ike_engine *e, struct ike_sa *sa);
/* Drop what only the first two exchanges needed. */
void ike_sa_half_open_free(struct ike_engine *e, struct ike_sa *sa);
/* Frees the SA, its children (child_delete for installed ones), its
 * queue, timers and cached messages; wipes keys. No message is sent. */
void ike_sa_free(struct ike_engine *e, struct ike_sa *sa);
void ike_sa_set_packet(uint8_t **slot, uint32_t *slot_len, const uint8_t *pkt, size_t len);
/* Record the authenticated peer identity (and index the SA by it). */
bool ike_sa_set_peer_id(struct ike_engine *e, struct ike_sa *sa, uint8_t type, const uint8_t *data,
			size_t len);
/* The first SA with this peer identity on a connection of this name, or
 * NULL; the next with LIST_NEXT(sa, peer_entry). Others whose key
 * collides may be among them: check with ike_sa_is_peer(). */
struct ike_sa *ike_sa_first_of_peer(struct ike_engine *e, const char *conn, uint8_t type,
				    const uint8_t *id, size_t len);
bool ike_sa_is_peer(const struct ike_sa *sa, const char *conn, uint8_t type, const uint8_t *id,
		    size_t len);

/* Change the SA's state: 0, or -EPERM when the table does not allow it
 * (logged as an error, nothing changed). why says what made it change. */
int ike_sa_set_state(struct ike_engine *e, struct ike_sa *sa, enum ike_sa_state to,
		     const char *why);
const char *ike_sa_state_name(unsigned int state);

/* ---- the request queue (task.c) ---- */
/* Queue a request (NEW_CHILD: cfg_idx; DELETE_CHILD and REKEY_CHILD:
 * child_id), unless the same one is queued already; then start what can
 * be started. Returns the task (queued now or before), or NULL (out of
 * memory, logged). A queued DELETE_IKE drops everything else. */
struct ike_task *ike_task_queue(struct ike_engine *e, struct ike_sa *sa, enum ike_task_kind kind,
				uint32_t child_id, uint16_t cfg_idx);
struct ike_task *ike_task_find(const struct ike_sa *sa, enum ike_task_kind kind, uint32_t child_id,
			       uint16_t cfg_idx);
/* Drop a queued task (NEW_CHILD: reported as a failure of that child). */
void ike_task_drop(struct ike_engine *e, struct ike_sa *sa, struct ike_task *t, const char *why);
/* Drop the tasks of a child that goes. */
void ike_task_drop_child(struct ike_sa *sa, uint32_t child_id);
/* Move the tasks other than DELETE_IKE to another SA (its rekey). */
void ike_task_move(struct ike_sa *from, struct ike_sa *to);
/* Drop everything (the SA is freed): NEW_CHILD tasks are reported. */
void ike_task_drop_all(struct ike_engine *e, struct ike_sa *sa, const char *why);
/* Whether NEW_CHILD tasks recreating the reauthenticated SA's children
 * remain (queued or out). */
bool ike_task_reauth_pending(const struct ike_sa *sa);

/* ---- CHILD SAs ---- */
/* The same for a CHILD SA. */
int ike_child_set_state(struct ike_engine *e, struct ike_child *c, enum ike_child_state to,
			const char *why);
const char *ike_child_state_name(unsigned int state);
/* c was replaced by a successor: REKEYED, its rekey timer and queued
 * rekey gone; its Delete is for whoever the exchange rules say. */
void ike_child_superseded(struct ike_engine *e, struct ike_child *c, const char *why);
/* Delete c: DELETING and a DELETE_CHILD queued (REKEYED children keep
 * their state). */
void ike_child_delete(struct ike_engine *e, struct ike_child *c, const char *why);
struct ike_child *ike_child_new(struct ike_engine *e, struct ike_sa *sa, size_t n_lts,
				size_t n_rts);
/* The same, keeping reqid (a rekey's successor; 0: a new reqid). */
struct ike_child *ike_child_new_reqid(struct ike_engine *e, struct ike_sa *sa, size_t n_lts,
				      size_t n_rts, uint32_t reqid);
/* The first child of a reqid (several share one during a rekey). */
struct ike_child *ike_child_by_reqid(struct ike_engine *e, uint32_t reqid);
/* The child of reqid with spi as its inbound or outbound SPI (0: the
 * first of the reqid). */
struct ike_child *ike_child_by_reqid_spi(struct ike_engine *e, uint32_t reqid, uint32_t spi);
/* Moves a child to another IKE SA (an IKE SA rekey). */
void ike_child_move(struct ike_child *c, struct ike_sa *to);
/* By the SPI the peer uses inbound (= our outbound SPI): Delete payloads. */
struct ike_child *ike_child_by_out_spi(struct ike_sa *sa, uint32_t spi);
struct ike_child *ike_child_by_id(const struct ike_sa *sa, uint32_t id);
/* What env->child_install/child_delete are told of c, as it stands (ids,
 * names, mode, SPIs, the IKE SA's addresses and ports, selectors, UDP
 * encapsulation); no algorithms, keys or lifetimes. */
void ike_child_describe(const struct ike_sa *sa, const struct ike_child *c,
			struct ike_child_install *ci);
/* Unlink and free; calls env->child_delete if it was installed. */
void ike_child_free(struct ike_engine *e, struct ike_child *c, const char *reason);

#endif
