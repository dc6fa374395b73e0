/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conduit's interface to the kernel's XFRM framework over netlink (libmnl).
 *
 * kernel-iface knows nothing of IKE: it takes plain descriptions of SAs and
 * policies and turns them into XFRM netlink messages, and turns the kernel's
 * ACQUIRE and EXPIRE messages into plain structs. Algorithms are entries of
 * the algorithm table (ike/alg.h, shared with ike/ and daemon/, and linked
 * from ike/libalg.a): their kernel names and sizes are the table's.
 *
 * Ownership. Every SA and policy conduit installs carries a reqid in
 * [KIF_REQID_MIN, KIF_REQID_MAX] (on the SA, and in every template of the
 * policy). The kernel has no free "owner" field, and a mark cannot be used
 * for this: a mark on an SA or policy changes which packets it matches. So
 * the reqid range is the owner tag:
 *   - kif_sa_add/kif_spi_alloc/kif_policy_add refuse a reqid outside it;
 *   - kif_sa_delete and kif_policy_delete read the entry back first and
 *     refuse (-EPERM) to remove one whose reqid is not conduit's;
 *   - kif_flush removes only SAs whose reqid is in the range and policies
 *     that have at least one template and only conduit reqids in them.
 * Administrators and other daemons (strongSwan uses reqids from 1 upwards,
 * `ip xfrm` defaults to 0) never meet this range in practice.
 *
 * Errors. Every function that talks to the kernel returns 0 or a negative
 * errno, and leaves a one-line description in kif_error(): the operation,
 * the SA or policy, strerror(errno) and the kernel's extended-ack text, e.g.
 *   "add SA esp spi 0x0000c001 192.0.2.1->192.0.2.2 reqid 0xc0d00001:
 *    the kernel lacks ESP support (CONFIG_INET_ESP): Protocol not supported
 *    [kernel: Requested type not found]"
 * A kernel without ESP yields -EPROTONOSUPPORT and that text, whatever the
 * algorithm (a missing algorithm alone yields -ENOSYS and names it).
 *
 * Not thread-safe; meant for a single-threaded event loop: poll
 * kif_event_fd() for reading and call kif_event_drain() when it is readable.
 */
#ifndef CONDUIT_KIF_XFRM_H
#define CONDUIT_KIF_XFRM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/alg.h"

/* conduit's reqids (the owner tag, see above): "c0d" for conduit; 2^20 of
 * them, for a million CHILD SAs. */
#define KIF_REQID_MIN 0xc0d00000u
#define KIF_REQID_MAX 0xc0dfffffu

static inline bool kif_reqid_owned(uint32_t reqid)
{
	return reqid >= KIF_REQID_MIN && reqid <= KIF_REQID_MAX;
}

/* An IP address: family AF_INET or AF_INET6 (0: unset/any); network byte
 * order, IPv4 in the first 4 octets and the rest zero. */
struct kif_addr {
	uint8_t family;
	uint8_t ip[16];
};

/* Fill *a from text ("192.0.2.1", "2001:db8::1"); 0 or -EINVAL. */
int kif_addr_parse(struct kif_addr *a, const char *text);
/* Text form into buf (at least 46 bytes); returns buf. "any" if unset. */
const char *kif_addr_str(const struct kif_addr *a, char *buf, size_t len);

enum kif_mode {
	KIF_MODE_TRANSPORT = 0, /* XFRM_MODE_TRANSPORT */
	KIF_MODE_TUNNEL = 1, /* XFRM_MODE_TUNNEL */
};

enum kif_dir {
	KIF_DIR_IN = 0, /* XFRM_POLICY_IN */
	KIF_DIR_OUT = 1, /* XFRM_POLICY_OUT */
	KIF_DIR_FWD = 2, /* XFRM_POLICY_FWD */
};

/* Lifetimes; 0 means no limit. Seconds count from the SA's addition. */
struct kif_lifetime {
	uint64_t soft_bytes, hard_bytes;
	uint64_t soft_packets, hard_packets;
	uint64_t soft_secs, hard_secs;
};

/* What identifies an SA in the kernel. spi in host byte order. The mark
 * (value/mask, 0/0 for none) is part of the identity. */
struct kif_sa_id {
	struct kif_addr src, dst;
	uint32_t spi;
	uint8_t proto; /* IPPROTO_ESP */
	uint32_t mark_value, mark_mask;
};

/* An SA to install. Keys are only read during the call; kernel-iface keeps
 * no copy (the netlink buffer that carried them is wiped). */
struct kif_sa {
	struct kif_sa_id id;
	enum kif_mode mode;
	uint32_t reqid; /* KIF_REQID_MIN..KIF_REQID_MAX */
	/* Entries of the algorithm table usable in ESP (IKE_ALG_ESP): an AEAD
	 * without integrity, or a cipher with integrity (RFC 8221: ESP
	 * without integrity is not installed). Key lengths are the entries'
	 * kernel_key_bits / 8, salt or nonce included. */
	enum ike_alg encr;
	const uint8_t *encr_key;
	size_t encr_key_len;
	enum ike_alg integ; /* IKE_ALG_NONE with an AEAD */
	const uint8_t *integ_key;
	size_t integ_key_len;
	bool esn;		/* 64-bit extended sequence numbers (needs a replay window) */
	uint32_t replay_window; /* packets, 0..4096; 0 = no anti-replay */
	struct kif_lifetime life;
	uint32_t if_id; /* XFRM interface id, 0 = none */
	/* The mark the SA sets on the packets it processes (XFRMA_SET_MARK,
	 * value/mask; 0/0: none): a decrypted packet's, so that routing and
	 * the inbound policy's mark can match it. */
	uint32_t set_mark_value, set_mark_mask;
	/* UDP encapsulation (RFC 3948), ports in host byte order. */
	bool encap;
	uint16_t encap_sport, encap_dport;
};

/* Counters of an installed SA (GETSA). Times in seconds since the epoch,
 * use_time 0 until the first packet. */
struct kif_sa_stats {
	uint32_t reqid;
	uint64_t bytes, packets;
	uint64_t add_time, use_time;
	struct kif_lifetime life;
	/* Seconds since the epoch of the last packet (XFRMA_LASTUSED; the
	 * kernel's use_time is the first one), 0 if none yet. */
	uint64_t last_used;
	/* What the kernel holds: mark, interface ID and set_mark (0: none). */
	uint32_t mark_value, mark_mask;
	uint32_t if_id;
	uint32_t set_mark_value, set_mark_mask;
};

/* Traffic selector of a policy: prefixes, protocol (0 any) and ports with
 * masks (host byte order; mask 0 = any port, 0xffff = exactly that port).
 * The family is src.family; src and dst must share it. */
struct kif_selector {
	struct kif_addr src, dst;
	uint8_t src_plen, dst_plen;
	uint8_t proto;
	uint16_t sport, sport_mask;
	uint16_t dport, dport_mask;
	/* The kernel's selector "user" field: never matched against packets,
	 * but part of a policy's identity, so two policies that differ only
	 * in it coexist (daemon/trap.c's trap policies beside a child's). */
	uint32_t tag;
};

/* A policy template: which SA (by endpoints, protocol, mode, reqid)
 * protects the traffic. Addresses may be unset in transport mode. */
struct kif_tmpl {
	struct kif_addr src, dst;
	uint8_t proto; /* IPPROTO_ESP */
	enum kif_mode mode;
	uint32_t reqid;
};

#define KIF_MAX_TMPL 4

struct kif_policy {
	struct kif_selector sel;
	enum kif_dir dir;
	uint32_t mark_value, mark_mask;
	uint32_t if_id;
	unsigned int n_tmpl; /* 1..KIF_MAX_TMPL */
	struct kif_tmpl tmpl[KIF_MAX_TMPL];
	/* Output only (kif_policy_get): what the kernel holds. */
	uint32_t priority;
	uint32_t index;
	/* Input: added to the priority from the selector (larger: less
	 * preferred). */
	uint32_t priority_bias;
};

/*
 * Policy priority from the selector's specificity; lower wins in XFRM.
 *
 *   score    = (src_plen + dst_plen) * 128      prefix lengths dominate
 *            + (proto != 0) * 64                then a protocol
 *            + popcount(sport_mask) + popcount(dport_mask)   then ports
 *   priority = KIF_PRIO_BASE - score
 *
 * Every term grows when the selector narrows, so if selector A matches a
 * strict subset of what B matches, A's score is strictly larger and A's
 * priority strictly lower (A wins). The weights make the order
 * lexicographic (prefixes, then protocol, then ports) for selectors that
 * merely overlap: proto + ports add at most 96 < 128. IPv4 and IPv6
 * selectors never match the same packet, so their scales need not agree.
 */
#define KIF_PRIO_BASE 100000u
uint32_t kif_policy_priority(const struct kif_selector *sel);

struct kif;

/* Open the request socket (blocking, NETLINK_EXT_ACK + NETLINK_CAP_ACK)
 * and the event socket (non-blocking, ACQUIRE, EXPIRE and MAPPING groups, receive
 * buffer of KIF_EVENT_RCVBUF). */
#define KIF_EVENT_RCVBUF (8u << 20)
int kif_open(struct kif **out);
void kif_close(struct kif *k);
/* A kif of a backend by name: "netlink" (kif_open), or "none", which
 * installs nothing and keeps nothing (SPIs from a counter; SAs and
 * policies accepted and forgotten; no events): for benchmarks on a kernel
 * without ESP. -ENOENT for another name. */
int kif_open_backend(const char *name, struct kif **out);
/* Its backend's name. */
const char *kif_backend(const struct kif *k);

/* The last failure's description ("" if none). Valid until the next call. */
const char *kif_error(const struct kif *k);

/* Allocate an SPI in [min, max] (host order) for an inbound SA from
 * sa->id.src to sa->id.dst; sa supplies proto, mode, reqid, mark, if_id.
 * The kernel holds a larval SA until kif_sa_add(..., update = true). */
int kif_spi_alloc(struct kif *k, const struct kif_sa *sa, uint32_t min,
		  uint32_t max, uint32_t *spi);

/* NEWSA (update false) or UPDSA (update true; the SPI came from
 * kif_spi_alloc or the SA exists). */
int kif_sa_add(struct kif *k, const struct kif_sa *sa, bool update);
/*
 * The message kif_sa_add would send, built into buf (len octets, aligned
 * for struct nlmsghdr) and not sent; public for tests. Returns its length,
 * or -EINVAL with *why saying what is wrong with sa (the text kif_error
 * would give after kif_sa_add). The caller wipes buf: it holds the keys.
 */
int kif_sa_encode(const struct kif_sa *sa, bool update, void *buf, size_t len, const char **why);
/* DELSA, only if the SA is conduit's (-EPERM otherwise). */
int kif_sa_delete(struct kif *k, const struct kif_sa_id *id);
/* GETSA: counters and lifetimes. A missing SA is -ENOENT (for delete too). */
int kif_sa_get(struct kif *k, const struct kif_sa_id *id,
	       struct kif_sa_stats *st);

/* NEWPOLICY (update false) or UPDPOLICY; the priority is
 * kif_policy_priority(&p->sel) + p->priority_bias, whatever p->priority
 * says. */
int kif_policy_add(struct kif *k, const struct kif_policy *p, bool update);
/* DELPOLICY by selector, dir, mark and if_id; only conduit's (-EPERM). */
int kif_policy_delete(struct kif *k, const struct kif_policy *key);
/* GETPOLICY by selector, dir, mark and if_id into *out. */
int kif_policy_get(struct kif *k, const struct kif_policy *key,
		   struct kif_policy *out);

/* Move a conduit SA to new endpoints and UDP encapsulation ports (host
 * order; encap false: none), keeping its SPI, keys and sequence numbers:
 * a NAT mapping changed. With the same addresses and encapsulation before
 * and after it is updated in place (UPDSA); otherwise it is deleted and
 * added again at the new addresses (its lifetime shortened by its age).
 * 0 or -errno (-ENOENT: no such SA, -EPERM: not conduit's). */
int kif_sa_move(struct kif *k, const struct kif_sa_id *id, const struct kif_addr *src,
		const struct kif_addr *dst, bool encap, uint16_t sport, uint16_t dport);

/* Remove every conduit-owned SA and policy, nothing else. The counts of
 * removed entries are stored when the pointers are not NULL. */
int kif_flush(struct kif *k, unsigned int *n_sa, unsigned int *n_policy);

/* Every conduit-owned policy the kernel holds (its templates' reqids in
 * conduit's range), priority and index filled in: *out (free() it) and
 * *n; none with the none backend. 0 or -errno (kif_error says why). */
int kif_policy_list(struct kif *k, struct kif_policy **out, size_t *n);

/* Whether the kernel's crypto API has algorithm name of type ("aead",
 * "skcipher", "hash"), as ESP would instantiate it (through AF_ALG, which
 * loads its modules): 1 yes, 0 no, or -errno when it cannot tell (no
 * AF_ALG in this kernel: -EAFNOSUPPORT). */
int kif_crypto_probe(const char *type, const char *name);

/* Events. */
enum kif_event_type {
	KIF_EV_ACQUIRE, /* traffic matched an out policy with no SA */
	KIF_EV_EXPIRE, /* an SA reached a soft or hard lifetime */
	/* After the event socket overflowed (ENOBUFS), events were lost:
	 * RESYNC_BEGIN, then one KIF_EV_SA per conduit-owned SA in the kernel
	 * (and a KIF_EV_ACQUIRE with resync set for each pending acquire),
	 * then RESYNC_END. An SA the daemon knows of that was not reported is
	 * gone (treat as a hard expire). An acquire the kernel could not
	 * queue left no larval SA: the next matching packet raises it again. */
	KIF_EV_RESYNC_BEGIN,
	KIF_EV_SA,
	KIF_EV_RESYNC_END,
	/* An inbound ESP-in-UDP SA accepted a packet from another address or
	 * port than its own (XFRM_MSG_MAPPING): a NAT mapping moved. */
	KIF_EV_MAPPING,
};

struct kif_acquire {
	struct kif_selector sel; /* the packet's flow */
	uint32_t policy_index; /* 0 when resync */
	enum kif_dir policy_dir;
	struct kif_tmpl tmpl; /* the matching template, addresses resolved */
	uint32_t seq; /* kernel's acquire sequence number */
	bool resync; /* reconstructed from a larval SA after an overflow */
};

struct kif_expire {
	struct kif_sa_id id;
	uint32_t reqid;
	bool hard;
};

struct kif_sa_state {
	struct kif_sa_id id;
	uint32_t reqid;
	uint64_t bytes, packets, add_time;
	bool soft_expired; /* a soft limit has been reached */
};

/* The SA (dst, spi, proto), and the peer's old and new address and port
 * (host order). */
struct kif_mapping {
	struct kif_sa_id id;
	uint32_t reqid;
	struct kif_addr old_src, new_src;
	uint16_t old_sport, new_sport;
};

struct kif_event {
	enum kif_event_type type;
	union {
		struct kif_acquire acquire;
		struct kif_expire expire;
		struct kif_sa_state sa;
		struct kif_mapping mapping;
	};
};

int kif_event_fd(const struct kif *k);

typedef void kif_event_cb(const struct kif_event *ev, void *arg);

/* Read every queued event, calling cb for each (cb may call other kif_
 * functions, but not kif_close). Returns the number of events delivered, or
 * a negative errno for a socket failure. An overflow is reported with the
 * RESYNC sequence, once, after the queue is drained. */
int kif_event_drain(struct kif *k, kif_event_cb *cb, void *arg);

/* Test hook: shrink the event socket's receive buffer (to provoke ENOBUFS). */
int kif_event_set_rcvbuf(struct kif *k, int bytes);

/*
 * Decode one XFRM netlink message of len octets (kif_event_drain uses it;
 * public for tests). Returns 1 and fills *ev for an ACQUIRE, EXPIRE or MAPPING, 0
 * for a type that is not delivered (POLEXPIRE, ...), -EBADMSG for a
 * truncated or malformed message.
 */
int kif_event_parse(const void *msg, size_t len, struct kif_event *ev);

/* Sockets. */
/* Mark a UDP socket as receiving ESP in UDP (UDP_ENCAP_ESPINUDP, RFC 3948):
 * non-ESP packets (IKE, with the non-ESP marker) still reach recvmsg. */
int kif_socket_udp_encap(int fd);
/* Per-socket bypass policies in and out (IP_XFRM_POLICY or
 * IPV6_XFRM_POLICY by the socket's family), so IKE packets on this socket
 * are never caught by tunnel policies. */
int kif_socket_bypass(int fd);

#endif
