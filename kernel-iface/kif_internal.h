/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Shared between the files of kernel-iface/; not for users of the API. */
#ifndef CONDUIT_KIF_INTERNAL_H
#define CONDUIT_KIF_INTERNAL_H

#include <linux/netlink.h>
#include <linux/xfrm.h>
#include <stdarg.h>

#include "kernel-iface/xfrm.h"

#define KIF_RBUF_SIZE 65536
/* Buffers we build messages in are aligned for the structs we write.
 * Reading is another matter: netlink aligns messages and attributes to 4
 * octets only, so in a dump or an event batch the second message may start
 * at 4 mod 8. Every struct holding a __u64 (xfrm_usersa_info,
 * xfrm_userpolicy_info and those embedding them: xfrm_user_expire,
 * xfrm_user_acquire, xfrm_user_polexpire; xfrm_lifetime_cur) is therefore
 * read through a memcpy into a local copy, never through a pointer into
 * the message (UBSan: misaligned load; tests/unit/test_kif_align.c). */
#define KIF_ALIGNED __attribute__((aligned(8)))

struct mnl_socket;

/* A backend: how the kif_ functions of xfrm.h are carried out. netlink
 * (xfrm.c) talks to the kernel; none (kif.c) keeps nothing and installs
 * nothing, for benchmarks. Each entry has the contract of its kif_
 * function in xfrm.h. */
struct kif_ops {
	const char *name;
	void (*close)(struct kif *k);
	int (*event_fd)(const struct kif *k);
	int (*event_drain)(struct kif *k, kif_event_cb *cb, void *arg);
	int (*event_set_rcvbuf)(struct kif *k, int bytes);
	int (*spi_alloc)(struct kif *k, const struct kif_sa *sa, uint32_t min, uint32_t max,
			 uint32_t *spi);
	int (*sa_add)(struct kif *k, const struct kif_sa *sa, bool update);
	int (*sa_delete)(struct kif *k, const struct kif_sa_id *id);
	int (*sa_get)(struct kif *k, const struct kif_sa_id *id, struct kif_sa_stats *st);
	int (*sa_move)(struct kif *k, const struct kif_sa_id *id, const struct kif_addr *src,
		       const struct kif_addr *dst, bool encap, uint16_t sport, uint16_t dport);
	int (*policy_add)(struct kif *k, const struct kif_policy *p, bool update);
	int (*policy_get)(struct kif *k, const struct kif_policy *key, struct kif_policy *out);
	int (*policy_delete)(struct kif *k, const struct kif_policy *key);
	int (*flush)(struct kif *k, unsigned int *n_sa, unsigned int *n_policy);
	int (*policy_list)(struct kif *k, struct kif_policy **out, size_t *n);
};

extern const struct kif_ops kif_netlink_ops;
int kif_open_netlink(struct kif **out);
int kif_nl_event_drain(struct kif *k, kif_event_cb *cb, void *arg);

struct kif {
	const struct kif_ops *ops;
	/* none */
	int none_fd;	   /* an eventfd that never fires */
	uint32_t none_spi; /* the next SPI handed out */
	/* netlink */
	struct mnl_socket *req;
	struct mnl_socket *ev;
	uint32_t req_portid;
	uint32_t seq;
	bool overflow; /* the event socket reported ENOBUFS */
	char err[512];
	uint8_t rbuf[KIF_RBUF_SIZE] KIF_ALIGNED; /* request socket replies */
	uint8_t ebuf[KIF_RBUF_SIZE] KIF_ALIGNED; /* event socket */
};

/* Called for each data message of a reply (not errors or DONE). */
typedef int kif_reply_cb(const struct nlmsghdr *nlh, void *arg);

/* Send nlh (REQUEST|ACK added) and read to the ack or, for dumps, to DONE.
 * Returns 0, a negative errno from the kernel (its extack text in ext), or
 * cb's first negative result. *intr is set when a dump was interrupted. */
int kif_talk(struct kif *k, struct nlmsghdr *nlh, kif_reply_cb *cb, void *arg, char *ext,
	     size_t extlen, bool *intr);

/* Large enough for any request kernel-iface builds (two keys, templates). */
#define KIF_REQ_SIZE 4096

/* The request socket (netlink.c), as the netlink ops table needs it. */
void kif_nl_close(struct kif *k);
int kif_nl_event_fd(const struct kif *k);
int kif_nl_event_set_rcvbuf(struct kif *k, int bytes);

/* Shared by xfrm.c (one SA or policy) and xfrm_flush.c (flush, move,
 * list). */
void kif_addr_to_xfrm(xfrm_address_t *x, const struct kif_addr *a);
int kif_check_family(const struct kif_addr *a, const struct kif_addr *b);
void kif_describe_sa_id(char *buf, size_t len, const struct kif_sa_id *id, uint32_t reqid);
void kif_describe_policy(char *buf, size_t len, const struct kif_policy *p);
/* Records "OP WHAT: [HINT: ]strerror [kernel: EXT]" as k's error; returns err. */
int kif_fail(struct kif *k, int err, const char *op, const char *what, const char *hint,
	     const char *ext);
void kif_put_sa_id(struct nlmsghdr *nlh, int type, const struct kif_sa_id *id);
/* A policy conduit installed (each template's reqid is one of ours). */
bool kif_policy_owned(const struct kif_policy *p);
int kif_policy_del_index(struct kif *k, const struct kif_policy *p, const char *what);
/* xfrm_flush.c, for the ops table: see struct kif_ops. */
int kif_nl_flush(struct kif *k, unsigned int *n_sa, unsigned int *n_policy);
int kif_nl_sa_move(struct kif *k, const struct kif_sa_id *id, const struct kif_addr *src,
		   const struct kif_addr *dst, bool encap, uint16_t sport, uint16_t dport);
int kif_nl_policy_list(struct kif *k, struct kif_policy **out, size_t *n);

void kif_seterr(struct kif *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Decoders shared by the request and event paths. */
void kif_sel_from_xfrm(struct kif_selector *s, const struct xfrm_selector *x);
void kif_addr_from_xfrm(struct kif_addr *a, const xfrm_address_t *x, unsigned int family);
/* One SA from a NEWSA message (GETSA reply, dump); -EBADMSG if malformed. */
int kif_parse_sa(const struct nlmsghdr *nlh, struct kif_sa_id *id, struct kif_sa_stats *st,
		 struct xfrm_usersa_info *raw);

/* One policy from a NEWPOLICY message (GETPOLICY reply, dump) into *p;
 * -EBADMSG if malformed. Templates beyond KIF_MAX_TMPL make it -E2BIG:
 * such a policy is not conduit's anyway. */
int kif_parse_policy(const struct nlmsghdr *nlh, struct kif_policy *p);

/* Do the attributes after a fixed part of offset octets fill the message
 * exactly, each well-formed? (mnl_attr_parse stops quietly at a bad one.) */
bool kif_attrs_valid(const struct nlmsghdr *nlh, size_t offset);

/* Validate an SA or a policy and append its NEWSA/NEWPOLICY body to nlh
 * (whose type the caller sets); NULL, or what is wrong. Unit tests decode
 * what they build. */
const char *kif_build_sa(struct nlmsghdr *nlh, const struct kif_sa *sa);
const char *kif_build_policy(struct nlmsghdr *nlh, const struct kif_policy *p);
/* A NEWPOLICY message (a GETPOLICY reply or a dump's) into *p: selector,
 * direction, mark, if_id, templates. 0, -EBADMSG or -E2BIG. */
int kif_parse_policy(const struct nlmsghdr *nlh, struct kif_policy *p);

/* Dump every SA (GETSA with NLM_F_DUMP), cb per NEWSA message. */
int kif_dump_sas(struct kif *k, kif_reply_cb *cb, void *arg, bool *intr);

#endif
