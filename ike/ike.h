/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The IKEv2 engine: RFC 7296 as a library with no I/O.
 *
 * The daemon feeds it datagrams, kernel events and commands; the engine
 * decides and acts only through the struct ike_env it was given: send a
 * datagram, install or delete a CHILD SA, ask for a wake-up, report an
 * event. Time and randomness come from the environment too, so two engines
 * can negotiate with each other in memory under a fake clock.
 */
#ifndef CONDUIT_IKE_H
#define CONDUIT_IKE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/alg.h"
#include "ike/ike_const.h"
#include "ike/types.h"

struct ike_engine;
struct ike_dh;

enum ike_log_level {
	IKE_LOG_ERROR,
	IKE_LOG_WARN,
	IKE_LOG_INFO,
	IKE_LOG_DEBUG,
	IKE_LOG_TRACE,
};

enum ike_mode {
	IKE_MODE_TUNNEL,
	IKE_MODE_TRANSPORT,
};

/* ------------------------------------------------------------------ */
/* Configuration handed to the engine (the daemon converts conf/'s model) */

struct ike_id {
	uint8_t type; /* enum ike_id_type; 0: none configured */
	uint16_t len;
	uint8_t data[IKE_ID_MAX_LEN];
};

/* What becomes of a CHILD_SA's configuration when the SA goes (swanctl.conf
 * dpd_action and close_action; strongSwan's "clear"/"none", "trap",
 * "restart"/"start"). */
enum ike_child_action {
	IKE_ACTION_NONE = 0, /* nothing more */
	IKE_ACTION_TRAP,     /* the daemon installs trap policies for it */
	IKE_ACTION_RESTART,  /* the engine initiates it again (keyingtries) */
};

struct ike_child_cfg {
	char name[64];
	enum ike_mode mode;
	/* Traffic selectors as strongSwan strings ("10.1.0.0/24", "dynamic"...). */
	const char *local_ts;
	const char *remote_ts;
	const char *esp_proposals; /* "aes256gcm16-x25519,aes128-sha256" */
	uint32_t rekey_time;	   /* seconds; 0: never */
	uint32_t life_time;
	uint32_t rand_time;
	uint64_t rekey_bytes, life_bytes;
	uint64_t rekey_packets, life_packets;
	bool start;	      /* start_action = start */
	uint8_t dpd_action;   /* enum ike_child_action: the peer is dead (DPD) */
	uint8_t close_action; /* enum ike_child_action: the peer deleted it (or its
			       * IKE SA), or it expired with no rekey */
};

/* One entry of local_addrs/remote_addrs: an address range (a host: from
 * equals to; a subnet: its first and last address). */
struct ike_addr_range {
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t from[16], to[16];
};

/* swanctl.conf's unique: what a new IKE SA with the identities of an
 * established one of the same connection does to it. */
enum ike_unique {
	IKE_UNIQUE_NO = 0,  /* nothing, unless the peer sent INITIAL_CONTACT */
	IKE_UNIQUE_NEVER,   /* nothing, even with INITIAL_CONTACT */
	IKE_UNIQUE_REPLACE, /* the old one is deleted */
	IKE_UNIQUE_KEEP,    /* the new one is refused (unless from the same address) */
};

/* Childless IKE SAs (RFC 6023), swanctl.conf's childless. */
enum ike_childless {
	IKE_CHILDLESS_ALLOW = 0, /* as responder; as initiator only with no child to start */
	IKE_CHILDLESS_NEVER,	 /* always a CHILD_SA in IKE_AUTH; refused as responder */
	IKE_CHILDLESS_PREFER,	 /* initiate childless when the peer supports it */
	IKE_CHILDLESS_FORCE,	 /* childless only, both roles */
};

/* IKE fragmentation (RFC 7383), swanctl.conf's fragmentation. Fragments
 * the peer sends are reassembled whatever the setting. */
enum ike_fragmentation {
	IKE_FRAGMENTATION_YES = 0, /* announce; fragment oversized messages if the peer did */
	IKE_FRAGMENTATION_ACCEPT,  /* announce, never fragment our own messages */
	IKE_FRAGMENTATION_FORCE,   /* announce; fragment oversized messages even if the
				    * peer did not announce it */
	IKE_FRAGMENTATION_NO,	   /* neither announce nor fragment */
};

struct ike_cert; /* ike/cert.h */

/* remote.revocation, with strongSwan's meaning. */
enum ike_revocation {
	IKE_REVOCATION_RELAXED = 0, /* only a certificate known to be revoked fails */
	IKE_REVOCATION_IFURI,	    /* also fails when the certificate names a CRL URI
				     * and no current CRL is at hand, or the CRL is stale */
	IKE_REVOCATION_STRICT,	    /* fails unless a current CRL says it is good */
};

/* One connection's trust rules (ike/cert.h validates chains with them);
 * every pointer may be NULL with its count 0. */
struct ike_trust {
	/* remote.cacerts: the chain must hold one of these (anchor or
	 * intermediate); none: any anchor of the set. */
	const struct ike_cert *const *cacerts;
	size_t n_cacerts;
	/* remote.certs: the peer's certificate must be one of these, and is
	 * then trusted as it is (its dates and key usage still checked). */
	const struct ike_cert *const *pinned;
	size_t n_pinned;
	uint8_t revocation; /* enum ike_revocation */
	/* remote.auth's constraints without "ike:" (strongSwan's
	 * AUTH_RULE_SIGNATURE_SCHEME): the schemes the chain's certificates
	 * may be signed with, as bits (1u << enum ike_sig_scheme), the
	 * anchor's own signature aside; 0: any. */
	uint32_t chain_schemes;
};

/* How one side authenticates (swanctl.conf's local/remote auth). */
enum ike_auth_method {
	IKE_AUTH_PSK = 0,
	IKE_AUTH_PUBKEY,
	IKE_AUTH_ANY, /* remote only: what the peer uses, if we can check it */
};
/* send_cert */
enum ike_send_cert { IKE_SEND_CERT_IFASKED = 0, IKE_SEND_CERT_ALWAYS, IKE_SEND_CERT_NEVER };

struct ike_auth_cfg {
	uint8_t method; /* enum ike_auth_method */
	/* auth = rsa/pss, ecdsa-sha384, ed25519... (strongSwan's constraints):
	 * the signature schemes allowed, as bits (1u << enum ike_sig_scheme);
	 * 0: any. Ours: what we may sign with; the peer's: what its AUTH may use. */
	uint32_t sig_schemes;
	bool prefer_pss; /* RSA keys sign with RSASSA-PSS (auth = rsa/pss) */
	/* local: the certificate to authenticate with (local.certs; NULL: the
	 * first of ours whose subject or a subjectAltName is local_id, else
	 * the first of ours). remote: unused (the pinned ones are in trust). */
	const struct ike_cert *cert;
	/* remote: cacerts, pinned certs (remote.certs), revocation (ike/cert.h) */
	struct ike_trust trust;
};

struct ike_conn_cfg {
	char name[64];
	/* Where we initiate from and to: local family 0: any; remote family
	 * 0: nowhere (responder only). */
	struct ike_addr local;
	struct ike_addr remote;
	/* Which peers it answers, from which of our addresses (local_addrs,
	 * remote_addrs): none means %any; without ranges, local and remote
	 * above stand for them. An IKE_SA_INIT is answered by the connection
	 * whose addresses match best (a host before a range before %any);
	 * IKE_AUTH then chooses among the connections these addresses allow
	 * by the peer's identity (and ours, if it names it). */
	size_t n_local_addrs, n_remote_addrs;
	const struct ike_addr_range *local_addrs, *remote_addrs;
	uint8_t unique;		 /* enum ike_unique */
	const char *proposals;	 /* "aes256gcm16-prfsha256-x25519,..." */
	struct ike_id local_id;	 /* type 0: our address */
	struct ike_id remote_id; /* type 0: accept any */
	/* Shared key for this peer (copied by the engine), used when the
	 * environment has no psk_lookup. */
	const uint8_t *psk;
	size_t psk_len;
	bool encap; /* force UDP encapsulation */
	uint32_t rekey_time, reauth_time, over_time, rand_time, dpd_delay;
	/* dpd_delay (seconds, 0: off): an empty INFORMATIONAL goes to the peer
	 * when nothing was received from it for that long; when it (or any
	 * request) is never answered, the peer is dead. keyingtries: how many
	 * initiates a restart (dpd_action/close_action = restart) makes before
	 * it gives up; 0: forever. */
	uint32_t keyingtries;
	uint8_t childless; /* enum ike_childless */
	uint8_t fragmentation; /* enum ike_fragmentation */
	size_t n_children;
	const struct ike_child_cfg *children;
	/* Authentication, each side by its own method; zeroed: PSK both ways.
	 * The engine takes references on the certificates and copies the
	 * pointer arrays. */
	struct ike_auth_cfg local_auth, remote_auth;
	uint8_t send_cert; /* enum ike_send_cert */
	bool no_certreq;   /* send_certreq = no */
};

/* ------------------------------------------------------------------ */
/* What the engine asks of the kernel (through the daemon)             */

#define IKE_MAX_KEY 68 /* 64-octet key + 4-octet salt */

/* One direction of an ESP SA. */
struct ike_esp_sa {
	uint32_t spi; /* host byte order */
	struct ike_addr src, dst;
	uint8_t enc_key[IKE_MAX_KEY];
	uint8_t enc_key_len;
	uint8_t integ_key[64];
	uint8_t integ_key_len;
};

/* Everything the kernel needs for one CHILD SA: both directions, the
 * algorithms as entries of the algorithm table, the selectors, lifetimes,
 * NAT-T ports. Key material is wiped by the engine after the call returns. */
struct ike_child_install {
	uint32_t child_id; /* unique, stable for the CHILD SA's life */
	uint32_t reqid;	   /* shared by SAs and policies of one child */
	const char *conn_name;
	const char *child_name;
	uint32_t ike_sa_id;
	enum ike_mode mode;
	/* ESP algorithms usable in ESP (ike/alg.h): an AEAD, or a cipher
	 * with integ. Key lengths are the entries' keymat. */
	enum ike_alg encr;
	enum ike_alg integ; /* IKE_ALG_NONE with an AEAD */
	bool esn;
	struct ike_esp_sa in, out;
	size_t n_local_ts, n_remote_ts;
	struct ike_ts local_ts[IKE_MAX_TS], remote_ts[IKE_MAX_TS];
	uint32_t soft_time, hard_time; /* seconds; 0: none */
	uint64_t soft_bytes, hard_bytes, soft_packets, hard_packets;
	bool encap; /* espinudp with the ports of in/out's addresses */
	/* The IKE SA's identities (ours: the configured one, or our address;
	 * the peer's as it authenticated), for updown's PLUTO_MY_ID and
	 * PLUTO_PEER_ID. */
	struct ike_id local_id, remote_id;
	/* An existing child's SAs change (a NAT mapping moved): same child_id,
	 * reqid and SPIs, new in/out addresses and ports, no keys (lengths 0);
	 * the kernel's SAs are updated in place, not renegotiated. */
	bool update;
	/* The responder of a CHILD_SA rekey installs the inbound SA only
	 * (in_only; out has no keys), and the outbound one later (out_only,
	 * to the child installed before) once the peer deleted the old SA:
	 * the kernel sends with the newest outbound SA, and before then the
	 * peer may not have the new inbound one (strongSwan does the same). */
	bool in_only, out_only;
};

/* ------------------------------------------------------------------ */
/* Events reported to the daemon (logging, control socket, systemd)    */

enum ike_event_type {
	IKE_EV_IKE_UP,	 /* IKE SA established */
	IKE_EV_IKE_DOWN, /* IKE SA deleted or failed; reason says why */
	IKE_EV_CHILD_UP,
	IKE_EV_CHILD_DOWN,
	/* An IKE SA failed before it was established (either role: the
	 * initiate, or a responder's half-open SA), or a CHILD_SA could not be
	 * created (child_name set, child_id 0; the IKE SA stays). reason says
	 * why, notify names the notify that decided it when there is one. */
	IKE_EV_FAILED,
	/* The peer's NAT mapping moved and the IKE SA (and its CHILD SAs)
	 * followed it: old_remote and new_remote say from where to where,
	 * reason what showed it. */
	IKE_EV_NAT_MOVED,
};

/* Why an SA went down (IKE_DOWN, CHILD_DOWN). */
enum ike_down_cause {
	IKE_CAUSE_NONE = 0,    /* our own doing: terminate, reload, shutdown, an error */
	IKE_CAUSE_PEER_DELETE, /* the peer deleted it, or its IKE SA */
	IKE_CAUSE_DEAD,	       /* the peer is dead: a request went unanswered (DPD) */
	IKE_CAUSE_EXPIRED,     /* its hard lifetime passed with no rekey */
	IKE_CAUSE_REKEYED,     /* replaced by a rekey: never acted upon */
};

struct ike_event {
	enum ike_event_type type;
	const char *conn_name;
	const char *child_name; /* NULL for IKE SA events */
	uint32_t ike_sa_id;
	uint32_t child_id;
	uint16_t notify;    /* the notify that decided a failure, or 0 */
	const char *reason; /* human-readable, never secret */
	uint8_t cause;	    /* IKE_DOWN, CHILD_DOWN: enum ike_down_cause */
	/* CHILD_DOWN: the enum ike_child_action taken (dpd_action for
	 * IKE_CAUSE_DEAD, close_action for PEER_DELETE and EXPIRED). RESTART:
	 * the engine initiates the child again itself; TRAP: the daemon is
	 * to install the child's trap policies. */
	uint8_t action;
	/* FAILED: a half-open responder SA timed out or was evicted, as is
	 * routine under a flood: worth a debug line, not an error (the engine
	 * logs a summary of them at most once a second). */
	bool quiet;
	/* IKE_DOWN, CHILD_DOWN: the SA went because a rekey replaced it (or
	 * it was the redundant one of a rekey collision); its successor is
	 * up, so this is no reason for close_action. */
	bool rekeyed;
	/* NAT_MOVED: the peer's address and port before and after. */
	const struct ike_addr *old_remote, *new_remote;
};

struct ike_env {
	void *ctx;
	/* Send one IKE datagram; the daemon adds the non-ESP marker on 4500.
	 * A datagram of the single octet 0xFF is a NAT-T keepalive (RFC 3948
	 * 2.3), sent from port 4500 as it is, without the marker. */
	void (*send)(void *ctx, const uint8_t *pkt, size_t len, const struct ike_addr *local,
		     const struct ike_addr *remote);
	/* Allocate an inbound ESP SPI (the kernel's ALLOCSPI). 0 or -errno. */
	int (*alloc_spi)(void *ctx, const struct ike_addr *src, const struct ike_addr *dst,
			 uint32_t *spi);
	/* Install (or update) a CHILD SA's SAs and policies. 0 or -errno. */
	int (*child_install)(void *ctx, const struct ike_child_install *child);
	/* Remove a CHILD SA's SAs and policies. child describes them as at
	 * install (SPIs, addresses, selectors, mode) without keys or
	 * algorithms. */
	void (*child_delete)(void *ctx, uint32_t child_id, uint32_t reqid,
			     const struct ike_child_install *child);
	/* Monotonic time in milliseconds. */
	uint64_t (*now_ms)(void *ctx);
	/* Fill buf with cryptographically secure random octets. */
	void (*random)(void *ctx, uint8_t *buf, size_t len);
	/* Call ike_engine_run_timers() at (or after) this monotonic time;
	 * replaces any earlier request. UINT64_MAX: nothing pending. */
	void (*wake_at)(void *ctx, uint64_t at_ms);
	void (*event)(void *ctx, const struct ike_event *ev);
	void (*log)(void *ctx, enum ike_log_level level, const char *fmt, va_list ap);
	/* Optional: whether log() would write a line of this level; the
	 * engine then neither formats nor passes the lines it would drop
	 * (NULL: every level goes to log()). */
	bool (*log_enabled)(void *ctx, enum ike_log_level level);
	/* Optional: when the child's outbound SA last carried a packet, in
	 * now_ms()'s time. 0, or -errno when unknown or never. NAT keepalives
	 * go out only when neither IKE nor this ESP did for the interval. */
	int (*child_last_out)(void *ctx, uint32_t child_id, uint64_t *at_ms);
	/* Optional: when the child's inbound SA last accepted a packet, the
	 * same way. ESP from the peer is news of it: DPD waits for silence of
	 * both IKE and ESP (as strongSwan does). */
	int (*child_last_in)(void *ctx, uint32_t child_id, uint64_t *at_ms);
	/* Optional: the pre-shared key for a pair of identities, chosen among
	 * all secrets as strongSwan does (remote NULL or type 0: any peer).
	 * Writes at most max octets to key; 0 and *len, or -ENOKEY. Without
	 * it, each connection's psk is used. */
	int (*psk_lookup)(void *ctx, const char *conn, const struct ike_id *local,
			  const struct ike_id *remote, uint8_t *key, size_t max, size_t *len);
	/* Optional: wall-clock time, seconds since the epoch, for what
	 * certificates and CRLs date (now_ms is monotonic and says nothing
	 * of the calendar). Without it certificates cannot be validated. */
	int64_t (*wall_time)(void *ctx);
	/* Optional: a key exchange private value made ahead of time (a
	 * worker pool's stock), asked for first whenever the engine needs a
	 * new one. 0 hands *dh (a key pair of group, never handed out
	 * before) over to the engine, which frees it; anything else: the
	 * engine makes one itself from random(). */
	int (*dh_take)(void *ctx, uint16_t group, struct ike_dh **dh);
};

#define IKE_PSK_MAX_LEN 1024

/* Retransmission: base timeout and count (RFC 7296 2.1: exponential).
 * A request is retransmitted retransmit_tries times, the k-th time
 * base << (k - 1) ms after the previous send; the exchange fails base <<
 * tries ms after the last one (defaults: sent at 0, 1, 3, 7, 15, 31 s,
 * failed at 63 s). 0 in any field: its default. */
struct ike_engine_opts {
	uint32_t retransmit_base_ms; /* default 1000 */
	uint32_t retransmit_tries;   /* default 5 */
	/* Denial of service protection of a responder (RFC 7296 2.6, RFC
	 * 8019). A source is an IPv4 address or an IPv6 /64. IKE_OPT_ZERO
	 * stands for an explicit 0 where 0 means the default. */
	uint32_t half_open_max;	       /* half-open IKE SAs in all (default 1000); when
					* full, the oldest of the busiest source goes */
	uint32_t half_open_max_ip;     /* per source (default 5); beyond it, refused */
	uint32_t half_open_timeout_ms; /* unfinished IKE_SA_INIT forgotten (30000) */
	uint32_t half_open_memory;     /* bytes of half-open state (default 16 MiB) */
	/* A COOKIE is required once this many half-open SAs exist in all
	 * (default 30) or from the request's source (default 3); IKE_OPT_ZERO:
	 * always. */
	uint32_t cookie_threshold, cookie_threshold_ip;
	/* Unprotected replies (error notifies, COOKIE) per second, in all
	 * (default 1000; COOKIE replies are not counted there, so a flood
	 * cannot keep them from legitimate peers) and per source (default 10). */
	uint32_t reply_rate, reply_rate_ip;
	/* NAT keepalives from the side behind a NAT (default 20000 ms;
	 * IKE_NAT_KEEPALIVE_OFF: none), as strongSwan's charon.keep_alive. */
	uint32_t nat_keepalive_ms;
	/* Allow transport mode CHILD SAs with UDP encapsulation. Refused by
	 * default: their selectors name the private address the NAT hides,
	 * and the engine does not substitute the public one (strongSwan does),
	 * so the policies would not match the translated traffic. */
	bool nat_transport;
	/* The largest IP datagram an IKE message may take before it is sent
	 * in fragments (RFC 7383), IP and UDP headers and the non-ESP marker
	 * included, per family of the peer's address, as strongSwan's
	 * charon.fragment_size. 0: IKE_FRAGMENT_SIZE_DEFAULT. */
	uint16_t fragment_size_v4, fragment_size_v6;
	/* Send no SIGNATURE_HASH_ALGORITHMS (RFC 7427) and sign with the
	 * classic methods only (strongSwan's signature_authentication = no). */
	bool no_rfc7427;
};

#define IKE_FRAGMENT_SIZE_DEFAULT 1280
/* Below this no fragment carries anything useful: refused by the engine. */
#define IKE_FRAGMENT_SIZE_MIN 576

#define IKE_NAT_KEEPALIVE_OFF UINT32_MAX
/* An option set to 0 on purpose, where 0 means "the default". */
#define IKE_OPT_ZERO UINT32_MAX

/* send, alloc_spi, child_install, child_delete, now_ms and random are
 * required; opts may be NULL. NULL on error. */
struct ike_engine *ike_engine_new(const struct ike_env *env, const struct ike_engine_opts *opts);
/* Frees everything without a message or child_delete: kernel SAs stay
 * unless ike_engine_terminate_all() ran (and its exchanges) first. */
void ike_engine_free(struct ike_engine *e);

struct ike_creds;
/* The credential set (ike/cert.h) for public-key authentication: the
 * engine takes a reference and drops the one it held (NULL: none). IKE
 * SAs that began with the old set may keep it until they go. */
void ike_engine_set_creds(struct ike_engine *e, struct ike_creds *cs);
/* The engine's current set (borrowed), or NULL. */
struct ike_creds *ike_engine_creds(const struct ike_engine *e);

/* Add or replace a connection (by name); the config is copied. 0 or -errno;
 * on error *err names the fault (e.g. a bad proposal string). IKE SAs made
 * with a replaced version keep it until they go; terminate by name still
 * reaches them. */
int ike_engine_add_conn(struct ike_engine *e, const struct ike_conn_cfg *cfg, const char **err);
/* Remove a connection, deleting its SAs (DELETE sent to the peer). */
int ike_engine_remove_conn(struct ike_engine *e, const char *name);

/* A datagram arrived (non-ESP marker already stripped). */
void ike_engine_input(struct ike_engine *e, const uint8_t *pkt, size_t len,
		      const struct ike_addr *local, const struct ike_addr *remote);
/* The time given to wake_at has come. */
void ike_engine_run_timers(struct ike_engine *e);

/* Start a connection: child NULL, every child of it; else that child. An
 * IKE SA of the connection with that peer, up or being set up by us, is
 * reused (its missing children are created with CREATE_CHILD_SA, as
 * strongSwan does); otherwise a new one carries the first child in
 * IKE_AUTH (or none, childless) and the others follow. A child that is up
 * already is not made twice. Returns the IKE SA id (> 0) or -errno:
 * -ENOENT (no such connection or child), -EDESTADDRREQ (no remote
 * address), -EINVAL (no child to start, and childless = never). */
int ike_engine_initiate(struct ike_engine *e, const char *conn, const char *child);
/* Whether IKE SA ike_sa_id is established (and not going away). */
bool ike_engine_ike_sa_is_up(struct ike_engine *e, uint32_t ike_sa_id);
/* Whether IKE SA ike_sa_id has an installed CHILD SA of that name (NULL:
 * any) that is not going away. */
bool ike_engine_child_is_up(struct ike_engine *e, uint32_t ike_sa_id, const char *child);
/* Delete the CHILD SAs of that name of a connection (Delete sent), and
 * forget queued requests for it; the IKE SA and other children stay. No
 * close_action, no restart. 0, or -ENOENT when there was none. */
int ike_engine_terminate_child(struct ike_engine *e, const char *conn, const char *child);
/* Delete the IKE SA(s) of a connection, or one IKE SA by id. */
int ike_engine_terminate(struct ike_engine *e, const char *conn, uint32_t ike_sa_id);
/* Delete every SA (DELETE sent), for shutdown. */
void ike_engine_terminate_all(struct ike_engine *e);

/* Kernel events, by the reqid given at install and the SPI of the SA that
 * expired (in or out; 0: the first child of the reqid). Several children
 * share a reqid while one replaces another, so the SPI decides which.
 * Hard: the CHILD_SA is deleted (Delete sent; CHILD_DOWN says "expired").
 * Soft: the CHILD_SA is rekeyed (unless that is under way already). */
void ike_engine_child_expired(struct ike_engine *e, uint32_t reqid, uint32_t spi, bool hard);

/* The kernel accepted an ESP-in-UDP packet of the child with this reqid
 * (inbound SPI spi; 0: any) from a new address or port: XFRM_MSG_MAPPING.
 * When the peer is behind a NAT and we are not, the IKE SA and its CHILD
 * SAs move there (child_install with update) and an empty INFORMATIONAL
 * checks that the peer answers at the new address (RFC 7296 2.23). */
void ike_engine_nat_mapping(struct ike_engine *e, uint32_t reqid, uint32_t spi,
			    const struct ike_addr *peer);
/* Rekey a CHILD_SA (child_id of IKE SA ike_sa_id) or, child_id 0, the IKE
 * SA, now (or once the SA's exchange in progress is over). 0, -ENOENT, or
 * -EBUSY (already being rekeyed, replaced or deleted). */
int ike_engine_rekey(struct ike_engine *e, uint32_t ike_sa_id, uint32_t child_id);
/* Reauthenticate IKE SA ike_sa_id now, make before break as at its
 * reauth_time: a new IKE SA with its children, then the old one is
 * deleted. The new IKE SA's id (positive), or -ENOENT, -EBUSY (not
 * established, going, or being reauthenticated), -EDESTADDRREQ (no
 * remote address to initiate to: a responder-only connection), -EINVAL,
 * -ENOMEM. */
int ike_engine_reauth(struct ike_engine *e, uint32_t ike_sa_id);

/* ------------------------------------------------------------------ */
/* Listing, for the control socket                                     */

enum ike_sa_state_pub {
	IKE_STATE_CONNECTING,
	IKE_STATE_ESTABLISHED,
	IKE_STATE_REKEYING,
	IKE_STATE_DELETING,
};

struct ike_child_info {
	uint32_t child_id, reqid;
	const char *name;
	const char *state; /* "INSTALLED", "REKEYING", "REKEYED", "DELETING"... */
	enum ike_mode mode;
	uint32_t spi_in, spi_out;
	char algorithms[96]; /* e.g. "AES_GCM_16_256" */
	char local_ts[160], remote_ts[160];
	uint64_t established_ms;
	/* When the next rekey and the hard expiry (life_time) are due, on
	 * the engine's clock; 0: none armed. */
	uint64_t rekey_ms, expire_ms;
};

struct ike_sa_info {
	uint32_t id;
	const char *conn_name;
	enum ike_sa_state_pub state;
	bool initiator;
	uint64_t spi_i, spi_r;
	struct ike_addr local, remote;
	char local_id[IKE_ID_MAX_LEN], remote_id[IKE_ID_MAX_LEN]; /* as ike_id_format() (cut) */
	char algorithms[128]; /* e.g. "AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519" */
	bool nat_local, nat_remote; /* a NAT in front of us / of the peer */
	uint64_t established_ms;    /* 0: not established */
	/* When the next rekey, reauthentication and the hard expiry
	 * (over_time) are due, on the engine's clock; 0: none armed. */
	uint64_t rekey_ms, reauth_ms, expire_ms;
	size_t n_children;
	const struct ike_child_info *children;
	bool nat_fake; /* encap = yes: no NAT, we made the peer believe in one */
	bool encap;    /* ESP in UDP (local.port/remote.port carry it) */
	/* How each side authenticated: "psk", "pubkey ECDSA P-256 SHA-256"...
	 * ("" until IKE_AUTH is done). remote_id is the peer's authenticated
	 * identity. */
	char local_auth[48], remote_auth[48];
};

/* How many IKE SAs (in any state) and CHILD SAs the engine holds, in
 * constant time (the systemd status line follows every event). */
void ike_engine_counts(const struct ike_engine *e, size_t *ike_sas, size_t *child_sas);

/* Classes of per-packet log lines (an unauthenticated peer can cause one
 * per datagram): each logs at most one line a second, then a summary of
 * what it suppressed. */
enum ike_lc_class {
	IKE_LC_NO_CONN,	    /* IKE_SA_INIT from a peer no connection accepts */
	IKE_LC_NO_PROPOSAL, /* no acceptable proposal */
	IKE_LC_KE_GROUP,    /* INVALID_KE_PAYLOAD sent */
	IKE_LC_KE_VALUE,    /* an invalid key exchange value */
	IKE_LC_COOKIE,	    /* a COOKIE asked for */
	IKE_LC_SOURCE_FULL, /* the source's half-open limit reached */
	IKE_LC_EVICTED,	    /* half-open SAs evicted to make room */
	IKE_LC_EXPIRED,	    /* half-open SAs timed out */
	IKE_LC_RATE,	    /* unprotected replies not sent (rate limit) */
	IKE_LC_VERSION,	    /* other IKE major versions */
	IKE_LC_MALFORMED,   /* malformed IKE_SA_INIT requests answered */
	IKE_LC_ANSWERED,    /* IKE_SA_INIT answered: a half-open SA made */
	IKE_LC_COUNT,
};

/* What ike_lc_class counts, as the logs say it ("no connection for this
 * peer"). */
const char *ike_lc_name(enum ike_lc_class c);

struct ike_engine_stats {
	uint64_t events[IKE_LC_COUNT];	   /* per class, since the start */
	uint64_t suppressed[IKE_LC_COUNT]; /* of those, not logged one by one */
	uint32_t half_open;		   /* responder SAs waiting for IKE_AUTH */
	uint32_t half_open_sources;	   /* sources they come from */
	uint64_t half_open_bytes;	   /* memory they hold */
	uint64_t cookies_sent, cookies_accepted, cookies_refused;
	uint64_t replies_sent, replies_limited; /* unprotected replies */
	uint64_t dh_keys;			/* key exchange private values made (either role) */
	bool cookies_required;			/* now, for every source */
	/* the limits in force (defaults resolved) */
	uint32_t half_open_max, half_open_max_ip, half_open_timeout_ms, half_open_memory;
	uint32_t cookie_threshold, cookie_threshold_ip, reply_rate, reply_rate_ip;
};

void ike_engine_stats(const struct ike_engine *e, struct ike_engine_stats *st);

/* Call fn for every IKE SA; stops early if fn returns non-zero. */
int ike_engine_foreach_sa(struct ike_engine *e, int (*fn)(void *arg, const struct ike_sa_info *),
			  void *arg);

/* "AUTHENTICATION_FAILED"; unknown types: "UNKNOWN_ERROR_NOTIFY" or
 * "UNKNOWN_STATUS_NOTIFY". Static strings. */
const char *ike_notify_name(uint16_t type);
/* "IKE_SA_INIT" ... "INFORMATIONAL"; otherwise "UNKNOWN_EXCHANGE". */
const char *ike_exchange_name(uint8_t type);
/* An IKE SA's state as listings show it: "CONNECTING", "ESTABLISHED",
 * "REKEYING", "DELETING"; otherwise "UNKNOWN". */
const char *ike_sa_state_pub_name(enum ike_sa_state_pub s);

/* ------------------------------------------------------------------ */
/* Counters (ike/counters.c): what the engine sent, received, refused  */

/* Exchange types counted apart; the rest together in OTHER. */
enum ike_ctr_exchange {
	IKE_CTR_X_SA_INIT,
	IKE_CTR_X_AUTH,
	IKE_CTR_X_CREATE_CHILD_SA,
	IKE_CTR_X_INFORMATIONAL,
	IKE_CTR_X_OTHER,
	IKE_CTR_X_COUNT,
};

/* Notify types counted apart, each in a slot of a fixed array (a counter
 * costs one index, never a search): NONE (type 0: a failure that no notify
 * decided), the error types 1-63, the status types 16384-16447, and OTHER
 * for every other type. */
#define IKE_CTR_NOTIFY_NONE 0
#define IKE_CTR_NOTIFY_OTHER 129
#define IKE_CTR_NOTIFY_SLOTS 130

enum ike_ctr_dir {
	IKE_CTR_IN,
	IKE_CTR_OUT,
};

#define IKE_CAUSE_COUNT (IKE_CAUSE_REKEYED + 1)

/* Counts since the engine started or was last reset, globally and per
 * connection name (a connection's counters outlive a reload that keeps
 * its name). A message is counted once, however many fragments or
 * retransmissions carried it; the global figures also count what no
 * connection could be named for (an IKE_SA_INIT nobody accepts, a
 * message for an unknown SPI). */
struct ike_counters {
	/* [enum ike_ctr_dir][0: request, 1: response][enum ike_ctr_exchange]:
	 * in: received, decoded and (past IKE_SA_INIT) authenticated */
	uint64_t messages[2][2][IKE_CTR_X_COUNT];
	/* notifies in those messages, [dir][ike_ctr_notify_slot(type)] */
	uint64_t notifies[2][IKE_CTR_NOTIFY_SLOTS];
	uint64_t retransmits_out; /* our requests sent again (timer) */
	uint64_t retransmits_in;  /* the peer's requests again, answered from cache */
	/* not processed: unparsable, unknown SPI, out of window, failed
	 * integrity, unexpected (logged at debug, never answered) */
	uint64_t dropped;
	/* authenticated but malformed or unexpected in the SA's state */
	uint64_t invalid;
	uint64_t ike_established, child_established; /* IKE_UP, CHILD_UP (rekeys included) */
	uint64_t ike_failed, child_failed;	     /* IKE_EV_FAILED */
	/* FAILED events by the notify that decided them, [notify slot] (NONE:
	 * a timeout, a local error, an unanswered request) */
	uint64_t failed_by_notify[IKE_CTR_NOTIFY_SLOTS];
	/* IKE_DOWN, CHILD_DOWN by enum ike_down_cause (REKEYED: replaced) */
	uint64_t ike_down[IKE_CAUSE_COUNT], child_down[IKE_CAUSE_COUNT];
};

/* The slot of a notify type in the arrays above, and back: the type of a
 * slot (0 for NONE and OTHER). */
unsigned int ike_ctr_notify_slot(uint16_t type);
uint16_t ike_ctr_slot_notify(unsigned int slot);
/* "IKE_SA_INIT"..."INFORMATIONAL", "OTHER". */
const char *ike_ctr_exchange_name(enum ike_ctr_exchange x);
/* "none", "peer_delete", "dead", "expired", "rekeyed". */
const char *ike_cause_name(uint8_t cause);

/* Copy the counters of a connection (name) or, name NULL, the global
 * ones. 0, or -ENOENT: no connection of that name was ever added. */
int ike_engine_counters(const struct ike_engine *e, const char *name, struct ike_counters *out);
/* Call fn for each connection name that has counters, in the order they
 * were first added; stops early if fn returns non-zero (returned). */
int ike_engine_foreach_counters(const struct ike_engine *e,
				int (*fn)(void *arg, const char *name, const struct ike_counters *),
				void *arg);
/* Zero a connection's counters or, name NULL, all of them: the global
 * ones, every connection's and the cumulative figures of ike_engine_stats
 * (events, cookies, replies, key exchanges). 0 or -ENOENT. */
int ike_engine_counters_reset(struct ike_engine *e, const char *name);

#endif
