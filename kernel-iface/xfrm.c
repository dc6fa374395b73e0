/* SPDX-License-Identifier: GPL-2.0-or-later */
/* XFRM netlink requests: SPIs, SAs, policies, ownership-aware flush. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kernel-iface/kif_internal.h"

/* Large enough for any request kernel-iface builds (two keys, templates). */
#define KIF_REQ_SIZE 4096

void kif_seterr(struct kif *k, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(k->err, sizeof(k->err), fmt, ap);
	va_end(ap);
}

const char *kif_error(const struct kif *k)
{
	return k->err;
}

int kif_addr_parse(struct kif_addr *a, const char *text)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, text, a->ip) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, a->ip) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	memset(a, 0, sizeof(*a));
	return -EINVAL;
}

const char *kif_addr_str(const struct kif_addr *a, char *buf, size_t len)
{
	if ((a->family != AF_INET && a->family != AF_INET6) ||
	    !inet_ntop(a->family, a->ip, buf, len))
		snprintf(buf, len, "any");
	return buf;
}

void kif_addr_from_xfrm(struct kif_addr *a, const xfrm_address_t *x,
			unsigned int family)
{
	memset(a, 0, sizeof(*a));
	if (family != AF_INET && family != AF_INET6)
		return;
	a->family = family;
	memcpy(a->ip, x, family == AF_INET ? 4 : 16);
}

static void addr_to_xfrm(xfrm_address_t *x, const struct kif_addr *a)
{
	memset(x, 0, sizeof(*x));
	if (a->family == AF_INET)
		memcpy(x, a->ip, 4);
	else if (a->family == AF_INET6)
		memcpy(x, a->ip, 16);
}

uint32_t kif_policy_priority(const struct kif_selector *sel)
{
	uint32_t score = ((uint32_t)sel->src_plen + sel->dst_plen) * 128;

	if (sel->proto)
		score += 64;
	score += (uint32_t)__builtin_popcount(sel->sport_mask);
	score += (uint32_t)__builtin_popcount(sel->dport_mask);
	return KIF_PRIO_BASE - score;
}

/* ---- the request socket ---- */

static void nl_close(struct kif *k);

int kif_open_netlink(struct kif **out)
{
	struct kif *k = calloc(1, sizeof(*k));
	int one = 1, r;

	*out = NULL;
	if (!k)
		return -ENOMEM;
	k->ops = &kif_netlink_ops;
	k->req = mnl_socket_open2(NETLINK_XFRM, SOCK_CLOEXEC);
	if (!k->req)
		goto fail_errno;
	if (mnl_socket_bind(k->req, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail_errno;
	k->req_portid = mnl_socket_get_portid(k->req);
	/* The kernel's own error text, and acks without our (key-bearing)
	 * request echoed back. Old kernels lack them: not fatal. */
	mnl_socket_setsockopt(k->req, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(k->req, NETLINK_CAP_ACK, &one, sizeof(one));
	k->seq = (uint32_t)time(NULL);

	k->ev = mnl_socket_open2(NETLINK_XFRM, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!k->ev)
		goto fail_errno;
	if (mnl_socket_bind(k->ev,
			    (1u << (XFRMNLGRP_ACQUIRE - 1)) |
				    (1u << (XFRMNLGRP_EXPIRE - 1)) |
				    (1u << (XFRMNLGRP_MAPPING - 1)),
			    MNL_SOCKET_AUTOPID) < 0)
		goto fail_errno;
	/* Bursts (thousands of SAs expiring together) must fit: a lost event
	 * costs a full resync. RCVBUFFORCE passes net.core.rmem_max. */
	int sz = (int)KIF_EVENT_RCVBUF;
	int fd = mnl_socket_get_fd(k->ev);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	*out = k;
	return 0;

fail_errno:
	r = errno ? -errno : -EIO;
	nl_close(k);
	return r;
}

static void nl_close(struct kif *k)
{
	if (!k)
		return;
	if (k->req)
		mnl_socket_close(k->req);
	if (k->ev)
		mnl_socket_close(k->ev);
	explicit_bzero(k, sizeof(*k));
	free(k);
}

static int nl_event_fd(const struct kif *k)
{
	return mnl_socket_get_fd(k->ev);
}

static int nl_event_set_rcvbuf(struct kif *k, int bytes)
{
	if (setsockopt(mnl_socket_get_fd(k->ev), SOL_SOCKET, SO_RCVBUFFORCE,
		       &bytes, sizeof(bytes)) < 0)
		return -errno;
	return 0;
}

struct extack {
	char *buf;
	size_t len;
};

static int extack_attr(const struct nlattr *a, void *data)
{
	struct extack *e = data;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		snprintf(e->buf, e->len, "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

/* The error of an NLMSG_ERROR message, and its NLMSGERR_ATTR_MSG text. */
static int parse_nlerr(const struct nlmsghdr *h, char *ext, size_t extlen)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
	size_t plen = mnl_nlmsg_get_payload_len(h), off = sizeof(*e);

	if (plen < sizeof(*e))
		return -EBADMSG;
	if (e->error > 0 || e->error < -4095)
		return -EBADMSG;
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS) || !ext)
		return e->error;
	if (!(h->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return e->error;
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	}
	if (off < plen) {
		struct extack x = { ext, extlen };
		mnl_attr_parse_payload((const char *)e + off, plen - off,
				       extack_attr, &x);
	}
	return e->error;
}

int kif_talk(struct kif *k, struct nlmsghdr *nlh, kif_reply_cb *cb, void *arg,
	     char *ext, size_t extlen, bool *intr)
{
	bool dump = nlh->nlmsg_flags & NLM_F_DUMP;
	int cb_err = 0;
	uint32_t seq;

	if (ext && extlen)
		ext[0] = '\0';
	if (intr)
		*intr = false;
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq = ++k->seq;
	if (mnl_socket_sendto(k->req, nlh, nlh->nlmsg_len) < 0)
		return -errno;

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(k->req, k->rbuf, sizeof(k->rbuf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		const struct nlmsghdr *h = (const struct nlmsghdr *)k->rbuf;
		int rem = (int)n;
		for (; mnl_nlmsg_ok(h, rem); h = mnl_nlmsg_next(h, &rem)) {
			/* A late answer to an earlier request we gave up on. */
			if (h->nlmsg_seq != seq ||
			    !mnl_nlmsg_portid_ok(h, k->req_portid))
				continue;
			if (h->nlmsg_flags & NLM_F_DUMP_INTR && intr)
				*intr = true;
			if (h->nlmsg_type == NLMSG_ERROR) {
				int e = parse_nlerr(h, ext, extlen);
				return e ? e : cb_err;
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				if (!dump)
					continue;
				if (mnl_nlmsg_get_payload_len(h) >= sizeof(int)) {
					int e = *(const int *)mnl_nlmsg_get_payload(h);
					if (e < 0)
						return e;
				}
				return cb_err;
			}
			if (h->nlmsg_type == NLMSG_NOOP ||
			    h->nlmsg_type == NLMSG_OVERRUN)
				continue;
			if (cb && !cb_err) {
				int r = cb(h, arg);
				if (r < 0)
					cb_err = r;
			}
		}
	}
}

/* ---- descriptions for error messages ---- */

static const char *proto_name(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_ESP:
		return "esp";
	case IPPROTO_AH:
		return "ah";
	case IPPROTO_COMP:
		return "comp";
	default:
		return "proto?";
	}
}

static void describe_sa_id(char *buf, size_t len, const struct kif_sa_id *id,
			   uint32_t reqid)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s spi 0x%08x %s->%s", proto_name(id->proto),
		 id->spi, kif_addr_str(&id->src, s, sizeof(s)),
		 kif_addr_str(&id->dst, d, sizeof(d)));
	if (reqid) {
		size_t l = strlen(buf);
		snprintf(buf + l, len - l, " reqid 0x%08x", reqid);
	}
}

static const char *dir_name(enum kif_dir d)
{
	switch (d) {
	case KIF_DIR_IN:
		return "in";
	case KIF_DIR_OUT:
		return "out";
	case KIF_DIR_FWD:
		return "fwd";
	default:
		return "dir?";
	}
}

static void describe_policy(char *buf, size_t len, const struct kif_policy *p)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s %s/%u->%s/%u proto %u", dir_name(p->dir),
		 kif_addr_str(&p->sel.src, s, sizeof(s)), p->sel.src_plen,
		 kif_addr_str(&p->sel.dst, d, sizeof(d)), p->sel.dst_plen,
		 p->sel.proto);
	if (p->sel.sport_mask || p->sel.dport_mask) {
		size_t l = strlen(buf);
		snprintf(buf + l, len - l, " sport %u dport %u", p->sel.sport,
			 p->sel.dport);
	}
}

/* "OP WHAT: strerror [kernel: text]" */
static int fail(struct kif *k, int err, const char *op, const char *what,
		const char *hint, const char *ext)
{
	kif_seterr(k, "%s %s: %s%s%s%s%s%s", op, what, hint ? hint : "",
		   hint ? ": " : "", strerror(-err), ext && *ext ? " [kernel: " : "",
		   ext && *ext ? ext : "", ext && *ext ? "]" : "");
	return err;
}

/* ---- SAs ---- */

static int check_family(const struct kif_addr *a, const struct kif_addr *b)
{
	if (a->family != AF_INET && a->family != AF_INET6)
		return -EINVAL;
	return a->family == b->family ? 0 : -EINVAL;
}

static void put_mark(struct nlmsghdr *nlh, uint32_t v, uint32_t m)
{
	if (v || m) {
		struct xfrm_mark mark = { .v = v, .m = m };
		mnl_attr_put(nlh, XFRMA_MARK, sizeof(mark), &mark);
	}
}

static uint64_t lim(uint64_t v)
{
	return v ? v : XFRM_INF;
}

/* An entry of the algorithm table kernel-iface installs as type. */
static const struct ike_alg_info *esp_alg(enum ike_alg alg, uint8_t type)
{
	const struct ike_alg_info *a = ike_alg_get(alg);

	return a && a->type == type && (a->flags & IKE_ALG_ESP) && a->kernel ? a : NULL;
}

/* Validate sa and append its XFRM form to nlh; NULL or what is wrong. */
const char *kif_build_sa(struct nlmsghdr *nlh, const struct kif_sa *sa)
{
	struct xfrm_usersa_info *p;
	union {
		struct xfrm_algo_aead aead;
		struct xfrm_algo algo;
		struct xfrm_algo_auth auth;
		uint8_t raw[sizeof(struct xfrm_algo_auth) + 64];
	} alg;
	const struct ike_alg_info *e = esp_alg(sa->encr, IKE_TRANS_ENCR);
	const struct ike_alg_info *i = NULL;
	size_t kl = sa->encr_key_len, il = sa->integ_key_len;

	if (check_family(&sa->id.src, &sa->id.dst))
		return "source and destination need one address family";
	if (sa->id.proto != IPPROTO_ESP)
		return "only ESP SAs are supported";
	if (!kif_reqid_owned(sa->reqid))
		return "reqid outside conduit's range";
	if (sa->mode != KIF_MODE_TUNNEL && sa->mode != KIF_MODE_TRANSPORT)
		return "unknown mode";
	if (!e)
		return "no encryption algorithm usable in ESP";
	if ((!sa->encr_key && kl) || kl * 8 != e->kernel_key_bits)
		return "the encryption key does not have the algorithm's length (salt or nonce "
		       "included)";
	if (e->flags & IKE_ALG_AEAD) {
		if (sa->integ != IKE_ALG_NONE)
			return "an AEAD takes no integrity algorithm";
	} else {
		/* ESP without integrity is forbidden by RFC 8221. */
		i = esp_alg(sa->integ, IKE_TRANS_INTEG);
		if (!i)
			return "a cipher that is not an AEAD needs an integrity algorithm "
			       "usable in ESP";
		if (!sa->integ_key || il * 8 != i->kernel_key_bits || il > 64)
			return "the integrity key does not have the algorithm's length";
	}
	if (sa->replay_window > XFRMA_REPLAY_ESN_MAX)
		return "replay window above 4096";
	/* the kernel's ESN replay state needs a window (xfrm_init_replay) */
	if (sa->esn && !sa->replay_window)
		return "extended sequence numbers need a replay window";

	p = mnl_nlmsg_put_extra_header(nlh, sizeof(*p));
	addr_to_xfrm(&p->id.daddr, &sa->id.dst);
	addr_to_xfrm(&p->saddr, &sa->id.src);
	p->id.spi = htonl(sa->id.spi);
	p->id.proto = sa->id.proto;
	p->family = sa->id.dst.family;
	p->mode = sa->mode;
	p->reqid = sa->reqid;
	if (sa->mode == KIF_MODE_TUNNEL)
		/* Any inner family: IPv6 may travel in an IPv4 tunnel. */
		p->flags |= XFRM_STATE_AF_UNSPEC;
	else
		p->sel.family = sa->id.dst.family;
	p->lft.soft_byte_limit = lim(sa->life.soft_bytes);
	p->lft.hard_byte_limit = lim(sa->life.hard_bytes);
	p->lft.soft_packet_limit = lim(sa->life.soft_packets);
	p->lft.hard_packet_limit = lim(sa->life.hard_packets);
	p->lft.soft_add_expires_seconds = sa->life.soft_secs;
	p->lft.hard_add_expires_seconds = sa->life.hard_secs;

	if (sa->esn || sa->replay_window > 32) {
		/* The bitmap form; the kernel insists the legacy field is 0. */
		uint32_t words = (sa->replay_window + 31) / 32;
		uint32_t rsbuf[(sizeof(struct xfrm_replay_state_esn) +
				XFRMA_REPLAY_ESN_MAX / 8) / 4];
		struct xfrm_replay_state_esn *rs = (void *)rsbuf;

		memset(rsbuf, 0, sizeof(rsbuf));
		rs->bmp_len = words;
		rs->replay_window = sa->replay_window;
		mnl_attr_put(nlh, XFRMA_REPLAY_ESN_VAL, sizeof(*rs) + words * 4,
			     rs);
		if (sa->esn)
			p->flags |= XFRM_STATE_ESN;
	} else {
		p->replay_window = (uint8_t)sa->replay_window;
	}

	/* Names, key and ICV lengths from the table; ALG_AUTH_TRUNC rather
	 * than ALG_AUTH, which would truncate as RFC 2407 did (96 bits). */
	memset(&alg, 0, sizeof(alg));
	if (i) {
		snprintf(alg.algo.alg_name, sizeof(alg.algo.alg_name), "%s", e->kernel);
		alg.algo.alg_key_len = e->kernel_key_bits;
		if (kl)
			memcpy(alg.algo.alg_key, sa->encr_key, kl);
		mnl_attr_put(nlh, XFRMA_ALG_CRYPT, sizeof(alg.algo) + kl, &alg);
		explicit_bzero(&alg, sizeof(alg));
		snprintf(alg.auth.alg_name, sizeof(alg.auth.alg_name), "%s", i->kernel);
		alg.auth.alg_key_len = i->kernel_key_bits;
		alg.auth.alg_trunc_len = i->icv_bits;
		memcpy(alg.auth.alg_key, sa->integ_key, il);
		mnl_attr_put(nlh, XFRMA_ALG_AUTH_TRUNC, sizeof(alg.auth) + il, &alg);
	} else {
		snprintf(alg.aead.alg_name, sizeof(alg.aead.alg_name), "%s", e->kernel);
		alg.aead.alg_key_len = e->kernel_key_bits;
		alg.aead.alg_icv_len = e->icv_bits;
		if (kl)
			memcpy(alg.aead.alg_key, sa->encr_key, kl);
		mnl_attr_put(nlh, XFRMA_ALG_AEAD, sizeof(alg.aead) + kl, &alg);
	}
	explicit_bzero(&alg, sizeof(alg));

	put_mark(nlh, sa->id.mark_value, sa->id.mark_mask);
	if (sa->if_id)
		mnl_attr_put_u32(nlh, XFRMA_IF_ID, sa->if_id);
	/* The kernel takes a missing mask as 0xffffffff: always send it. */
	if (sa->set_mark_value || sa->set_mark_mask) {
		mnl_attr_put_u32(nlh, XFRMA_SET_MARK, sa->set_mark_value);
		mnl_attr_put_u32(nlh, XFRMA_SET_MARK_MASK, sa->set_mark_mask);
	}
	if (sa->encap) {
		struct xfrm_encap_tmpl enc;
		memset(&enc, 0, sizeof(enc));
		enc.encap_type = UDP_ENCAP_ESPINUDP;
		enc.encap_sport = htons(sa->encap_sport);
		enc.encap_dport = htons(sa->encap_dport);
		mnl_attr_put(nlh, XFRMA_ENCAP, sizeof(enc), &enc);
	}
	return NULL;
}

/*
 * Does the kernel have ESP for this family? Only asked after an SA failed
 * with "algorithm not found", which a kernel without ESP also says when the
 * algorithm itself is missing from its crypto API (the algorithms are
 * looked up before the protocol). A throwaway SA with algorithms every
 * XFRM kernel has tells the two apart: 1 yes, 0 no, -1 cannot tell.
 */
static int esp_probe(struct kif *k, uint8_t family)
{
	static const uint8_t key[32];
	struct kif_sa sa;
	char buf[KIF_REQ_SIZE] KIF_ALIGNED;
	struct nlmsghdr *nlh;
	int r;

	memset(&sa, 0, sizeof(sa));
	sa.id.src.family = sa.id.dst.family = family;
	/* Loopback endpoints and a reserved SPI (RFC 4303: 1-255) that no
	 * real SA uses. */
	if (family == AF_INET) {
		sa.id.src.ip[0] = sa.id.dst.ip[0] = 127;
		sa.id.src.ip[3] = 2;
		sa.id.dst.ip[3] = 3;
	} else {
		sa.id.src.ip[15] = 2;
		sa.id.dst.ip[15] = 3;
	}
	sa.id.spi = 0xfe;
	sa.id.proto = IPPROTO_ESP;
	sa.mode = KIF_MODE_TRANSPORT;
	sa.reqid = KIF_REQID_MAX;
	sa.encr = IKE_ALG_AES128_CBC;
	sa.encr_key = key;
	sa.encr_key_len = 16;
	sa.integ = IKE_ALG_HMAC_SHA2_256_128;
	sa.integ_key = key;
	sa.integ_key_len = 32;

	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = XFRM_MSG_NEWSA;
	if (kif_build_sa(nlh, &sa))
		return -1;
	r = kif_talk(k, nlh, NULL, NULL, NULL, 0, NULL);
	if (r == -EPROTONOSUPPORT)
		return 0;
	if (r == -EEXIST)
		return 1;
	if (r < 0)
		return -1;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = XFRM_MSG_DELSA;
	struct xfrm_usersa_id *id = mnl_nlmsg_put_extra_header(nlh, sizeof(*id));
	addr_to_xfrm(&id->daddr, &sa.id.dst);
	id->spi = htonl(sa.id.spi);
	id->family = family;
	id->proto = IPPROTO_ESP;
	kif_talk(k, nlh, NULL, NULL, NULL, 0, NULL);
	return 1;
}

/* The header of an SA message, then kif_build_sa. */
static const char *sa_message(struct nlmsghdr *nlh, const struct kif_sa *sa, bool update)
{
	nlh->nlmsg_type = update ? XFRM_MSG_UPDSA : XFRM_MSG_NEWSA;
	if (!update)
		nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	return kif_build_sa(nlh, sa);
}

int kif_sa_encode(const struct kif_sa *sa, bool update, void *buf, size_t len, const char **why)
{
	char tmp[KIF_REQ_SIZE] KIF_ALIGNED;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(tmp);
	const char *bad = sa_message(nlh, sa, update);
	int r = -EINVAL;

	if (why)
		*why = bad;
	if (!bad && nlh->nlmsg_len <= len) {
		memcpy(buf, tmp, nlh->nlmsg_len);
		r = (int)nlh->nlmsg_len;
	} else if (!bad) {
		r = -ENOSPC;
	}
	explicit_bzero(tmp, sizeof(tmp));
	return r;
}

static int nl_sa_add(struct kif *k, const struct kif_sa *sa, bool update)
{
	char buf[KIF_REQ_SIZE] KIF_ALIGNED, what[160], ext[256], h[160];
	const char *op = update ? "update SA" : "add SA";
	const char *bad, *hint = NULL;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int r;

	describe_sa_id(what, sizeof(what), &sa->id, sa->reqid);
	bad = sa_message(nlh, sa, update);
	if (bad) {
		explicit_bzero(buf, sizeof(buf));
		kif_seterr(k, "%s %s: %s", op, what, bad);
		return -EINVAL;
	}
	r = kif_talk(k, nlh, NULL, NULL, ext, sizeof(ext), NULL);
	explicit_bzero(buf, sizeof(buf));
	if (r == 0) {
		k->err[0] = '\0';
		return 0;
	}
	const char *esp = sa->id.dst.family == AF_INET6 ?
				  "the kernel lacks ESP support (CONFIG_INET6_ESP)" :
				  "the kernel lacks ESP support (CONFIG_INET_ESP)";
	if (r == -EPROTONOSUPPORT) {
		hint = esp;
	} else if (r == -ENOSYS) {
		int have = esp_probe(k, sa->id.dst.family);
		if (have == 0) {
			r = -EPROTONOSUPPORT;
			hint = esp;
		} else {
			const struct ike_alg_info *i = ike_alg_get(sa->integ);

			snprintf(h, sizeof(h), "the kernel lacks %s%s%s%s",
				 ike_alg_get(sa->encr)->kernel, i ? " or " : "", i ? i->kernel : "",
				 have < 0 ? " (or ESP: CONFIG_INET_ESP)" : "");
			hint = h;
		}
	}
	return fail(k, r, op, what, hint, ext);
}

bool kif_attrs_valid(const struct nlmsghdr *nlh, size_t offset)
{
	const uint8_t *end = (const uint8_t *)nlh + nlh->nlmsg_len;
	const uint8_t *p;

	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + MNL_ALIGN(offset))
		return false;
	p = mnl_nlmsg_get_payload_offset(nlh, offset);
	while (p < end) {
		const struct nlattr *a = (const struct nlattr *)p;
		if ((size_t)(end - p) < sizeof(*a) || a->nla_len < sizeof(*a) ||
		    a->nla_len > (size_t)(end - p))
			return false;
		p += MNL_ALIGN(a->nla_len);
	}
	return true;
}

struct mark_attrs {
	const struct nlattr *mark, *if_id, *tmpl, *lastused, *set_mark, *set_mark_mask;
};

static int collect_attr(const struct nlattr *a, void *data)
{
	struct mark_attrs *m = data;

	switch (mnl_attr_get_type(a)) {
	case XFRMA_MARK:
		if (mnl_attr_get_payload_len(a) >= sizeof(struct xfrm_mark))
			m->mark = a;
		break;
	case XFRMA_IF_ID:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			m->if_id = a;
		break;
	case XFRMA_SET_MARK:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			m->set_mark = a;
		break;
	case XFRMA_SET_MARK_MASK:
		if (mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			m->set_mark_mask = a;
		break;
	case XFRMA_TMPL:
		m->tmpl = a;
		break;
	case XFRMA_LASTUSED:
		if (mnl_attr_get_payload_len(a) >= sizeof(uint64_t))
			m->lastused = a;
		break;
	}
	return MNL_CB_OK;
}

int kif_parse_sa(const struct nlmsghdr *nlh, struct kif_sa_id *id,
		 struct kif_sa_stats *st, struct xfrm_usersa_info *raw)
{
	struct xfrm_usersa_info pi;
	const struct xfrm_usersa_info *p = &pi;
	struct mark_attrs m = { 0 };

	if (nlh->nlmsg_type != XFRM_MSG_NEWSA && nlh->nlmsg_type != XFRM_MSG_UPDSA)
		return -EBADMSG;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*p))
		return -EBADMSG;
	/* netlink aligns to 4 octets, the struct (with its __u64) to 8 */
	memcpy(&pi, mnl_nlmsg_get_payload(nlh), sizeof(pi));
	if (p->family != AF_INET && p->family != AF_INET6)
		return -EBADMSG;
	if (!kif_attrs_valid(nlh, sizeof(*p)) ||
	    mnl_attr_parse(nlh, sizeof(*p), collect_attr, &m) < 0)
		return -EBADMSG;
	if (raw)
		*raw = *p;
	if (id) {
		memset(id, 0, sizeof(*id));
		kif_addr_from_xfrm(&id->dst, &p->id.daddr, p->family);
		kif_addr_from_xfrm(&id->src, &p->saddr, p->family);
		id->spi = ntohl(p->id.spi);
		id->proto = p->id.proto;
		if (m.mark) {
			const struct xfrm_mark *mk = mnl_attr_get_payload(m.mark);
			id->mark_value = mk->v;
			id->mark_mask = mk->m;
		}
	}
	if (st) {
		memset(st, 0, sizeof(*st));
		st->reqid = p->reqid;
		st->bytes = p->curlft.bytes;
		st->packets = p->curlft.packets;
		st->add_time = p->curlft.add_time;
		st->use_time = p->curlft.use_time;
		if (m.lastused)
			memcpy(&st->last_used, mnl_attr_get_payload(m.lastused),
			       sizeof(st->last_used));
		if (m.mark) {
			const struct xfrm_mark *mk = mnl_attr_get_payload(m.mark);

			st->mark_value = mk->v;
			st->mark_mask = mk->m;
		}
		if (m.if_id)
			st->if_id = mnl_attr_get_u32(m.if_id);
		if (m.set_mark) {
			st->set_mark_value = mnl_attr_get_u32(m.set_mark);
			/* the kernel's default mask (xfrm_smark_init) */
			st->set_mark_mask =
			    m.set_mark_mask ? mnl_attr_get_u32(m.set_mark_mask) : 0xffffffffu;
		}
#define UNLIM(v) ((v) == XFRM_INF ? 0 : (v))
		st->life.soft_bytes = UNLIM(p->lft.soft_byte_limit);
		st->life.hard_bytes = UNLIM(p->lft.hard_byte_limit);
		st->life.soft_packets = UNLIM(p->lft.soft_packet_limit);
		st->life.hard_packets = UNLIM(p->lft.hard_packet_limit);
		st->life.soft_secs = UNLIM(p->lft.soft_add_expires_seconds);
		st->life.hard_secs = UNLIM(p->lft.hard_add_expires_seconds);
#undef UNLIM
	}
	return 0;
}

static int sa_reply(const struct nlmsghdr *nlh, void *arg)
{
	return kif_parse_sa(nlh, NULL, arg, NULL);
}

static void put_sa_id(struct nlmsghdr *nlh, int type, const struct kif_sa_id *id)
{
	struct xfrm_usersa_id *p;
	xfrm_address_t src;

	nlh->nlmsg_type = type;
	p = mnl_nlmsg_put_extra_header(nlh, sizeof(*p));
	addr_to_xfrm(&p->daddr, &id->dst);
	p->spi = htonl(id->spi);
	p->family = id->dst.family;
	p->proto = id->proto;
	if (id->src.family) {
		addr_to_xfrm(&src, &id->src);
		mnl_attr_put(nlh, XFRMA_SRCADDR, sizeof(src), &src);
	}
	put_mark(nlh, id->mark_value, id->mark_mask);
}

static int sa_get(struct kif *k, const struct kif_sa_id *id,
		  struct kif_sa_stats *st, const char *op)
{
	char buf[KIF_REQ_SIZE] KIF_ALIGNED, what[160], ext[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int r;

	describe_sa_id(what, sizeof(what), id, 0);
	if (id->dst.family != AF_INET && id->dst.family != AF_INET6) {
		kif_seterr(k, "%s %s: no destination address", op, what);
		return -EINVAL;
	}
	memset(st, 0, sizeof(*st));
	st->reqid = 0;
	put_sa_id(nlh, XFRM_MSG_GETSA, id);
	r = kif_talk(k, nlh, sa_reply, st, ext, sizeof(ext), NULL);
	if (r == -ESRCH)
		r = -ENOENT; /* XFRM's "no such SA": say it like policies do */
	if (r < 0)
		return fail(k, r, op, what, NULL, ext);
	k->err[0] = '\0';
	return 0;
}

static int nl_sa_get(struct kif *k, const struct kif_sa_id *id,
	       struct kif_sa_stats *st)
{
	return sa_get(k, id, st, "get SA");
}

static int nl_sa_delete(struct kif *k, const struct kif_sa_id *id)
{
	char buf[KIF_REQ_SIZE] KIF_ALIGNED, what[160], ext[256];
	struct kif_sa_stats st;
	struct nlmsghdr *nlh;
	int r;

	r = sa_get(k, id, &st, "delete SA");
	if (r < 0)
		return r;
	describe_sa_id(what, sizeof(what), id, st.reqid);
	if (!kif_reqid_owned(st.reqid)) {
		kif_seterr(k, "delete SA %s: not conduit's (reqid outside 0x%08x-0x%08x), left in place",
			   what, KIF_REQID_MIN, KIF_REQID_MAX);
		return -EPERM;
	}
	nlh = mnl_nlmsg_put_header(buf);
	put_sa_id(nlh, XFRM_MSG_DELSA, id);
	r = kif_talk(k, nlh, NULL, NULL, ext, sizeof(ext), NULL);
	if (r < 0)
		return fail(k, r, "delete SA", what, NULL, ext);
	k->err[0] = '\0';
	return 0;
}

static int spi_reply(const struct nlmsghdr *nlh, void *arg)
{
	struct kif_sa_id id;
	int r = kif_parse_sa(nlh, &id, NULL, NULL);

	if (r == 0)
		*(uint32_t *)arg = id.spi;
	return r;
}

static int nl_spi_alloc(struct kif *k, const struct kif_sa *sa, uint32_t min,
		  uint32_t max, uint32_t *spi)
{
	char buf[KIF_REQ_SIZE] KIF_ALIGNED, what[160], ext[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct xfrm_userspi_info *p;
	uint32_t got = 0;
	int r;

	describe_sa_id(what, sizeof(what), &sa->id, sa->reqid);
	*spi = 0;
	if (check_family(&sa->id.src, &sa->id.dst) || !kif_reqid_owned(sa->reqid) ||
	    min > max || min < 256) {
		kif_seterr(k, "allocate SPI %s: needs addresses of one family, a conduit reqid and a range within 256..0xffffffff",
			   what);
		return -EINVAL;
	}
	nlh->nlmsg_type = XFRM_MSG_ALLOCSPI;
	p = mnl_nlmsg_put_extra_header(nlh, sizeof(*p));
	addr_to_xfrm(&p->info.id.daddr, &sa->id.dst);
	addr_to_xfrm(&p->info.saddr, &sa->id.src);
	p->info.id.proto = sa->id.proto;
	p->info.family = sa->id.dst.family;
	p->info.mode = sa->mode;
	p->info.reqid = sa->reqid;
	p->min = min;
	p->max = max;
	put_mark(nlh, sa->id.mark_value, sa->id.mark_mask);
	if (sa->if_id)
		mnl_attr_put_u32(nlh, XFRMA_IF_ID, sa->if_id);
	r = kif_talk(k, nlh, spi_reply, &got, ext, sizeof(ext), NULL);
	if (r == 0 && (got < min || got > max))
		r = -ERANGE;
	if (r < 0)
		return fail(k, r, "allocate SPI", what, NULL, ext);
	*spi = got;
	k->err[0] = '\0';
	return 0;
}

/* ---- policies ---- */

static const char *sel_to_xfrm(struct xfrm_selector *x, const struct kif_selector *s)
{
	uint8_t fam = s->src.family ? s->src.family : s->dst.family;
	unsigned int max = fam == AF_INET6 ? 128 : 32;

	memset(x, 0, sizeof(*x));
	if (fam != AF_INET && fam != AF_INET6)
		return "selector without an address family";
	if ((s->src.family && s->src.family != fam) ||
	    (s->dst.family && s->dst.family != fam))
		return "selector mixes address families";
	if (s->src_plen > max || s->dst_plen > max)
		return "prefix length too long";
	x->family = fam;
	addr_to_xfrm(&x->saddr, &s->src);
	addr_to_xfrm(&x->daddr, &s->dst);
	x->prefixlen_s = s->src_plen;
	x->prefixlen_d = s->dst_plen;
	x->proto = s->proto;
	x->sport = htons(s->sport & s->sport_mask);
	x->sport_mask = htons(s->sport_mask);
	x->dport = htons(s->dport & s->dport_mask);
	x->dport_mask = htons(s->dport_mask);
	x->user = s->tag;
	return NULL;
}

void kif_sel_from_xfrm(struct kif_selector *s, const struct xfrm_selector *x)
{
	memset(s, 0, sizeof(*s));
	kif_addr_from_xfrm(&s->src, &x->saddr, x->family);
	kif_addr_from_xfrm(&s->dst, &x->daddr, x->family);
	s->src_plen = x->prefixlen_s;
	s->dst_plen = x->prefixlen_d;
	s->proto = x->proto;
	s->sport = ntohs(x->sport);
	s->sport_mask = ntohs(x->sport_mask);
	s->dport = ntohs(x->dport);
	s->dport_mask = ntohs(x->dport_mask);
	s->tag = x->user;
}

static void tmpl_from_xfrm(struct kif_tmpl *t, const struct xfrm_user_tmpl *x)
{
	memset(t, 0, sizeof(*t));
	kif_addr_from_xfrm(&t->src, &x->saddr, x->family);
	kif_addr_from_xfrm(&t->dst, &x->id.daddr, x->family);
	/* A wildcard template (transport mode) reads back as unset. */
	static const uint8_t zero[16];
	if (!memcmp(t->src.ip, zero, 16))
		memset(&t->src, 0, sizeof(t->src));
	if (!memcmp(t->dst.ip, zero, 16))
		memset(&t->dst, 0, sizeof(t->dst));
	t->proto = x->id.proto;
	t->mode = x->mode;
	t->reqid = x->reqid;
}

static bool policy_owned(const struct kif_policy *p)
{
	if (p->n_tmpl == 0)
		return false;
	for (unsigned int i = 0; i < p->n_tmpl; i++)
		if (!kif_reqid_owned(p->tmpl[i].reqid))
			return false;
	return true;
}

/* A NEWPOLICY message (GETPOLICY reply or dump) into *p; -EBADMSG if
 * malformed. Templates beyond KIF_MAX_TMPL make it -E2BIG: such a policy
 * is not conduit's anyway. */
int kif_parse_policy(const struct nlmsghdr *nlh, struct kif_policy *p)
{
	struct xfrm_userpolicy_info xi;
	const struct xfrm_userpolicy_info *x = &xi;
	struct mark_attrs m = { 0 };

	memset(p, 0, sizeof(*p));
	if (nlh->nlmsg_type != XFRM_MSG_NEWPOLICY &&
	    nlh->nlmsg_type != XFRM_MSG_UPDPOLICY)
		return -EBADMSG;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*x))
		return -EBADMSG;
	memcpy(&xi, mnl_nlmsg_get_payload(nlh), sizeof(xi)); /* 4-aligned, not 8 */
	if (!kif_attrs_valid(nlh, sizeof(*x)) ||
	    mnl_attr_parse(nlh, sizeof(*x), collect_attr, &m) < 0)
		return -EBADMSG;
	kif_sel_from_xfrm(&p->sel, &x->sel);
	p->dir = (enum kif_dir)x->dir;
	p->priority = x->priority;
	p->index = x->index;
	if (m.mark) {
		const struct xfrm_mark *mk = mnl_attr_get_payload(m.mark);
		p->mark_value = mk->v;
		p->mark_mask = mk->m;
	}
	if (m.if_id)
		p->if_id = mnl_attr_get_u32(m.if_id);
	if (m.tmpl) {
		size_t len = mnl_attr_get_payload_len(m.tmpl);
		size_t n = len / sizeof(struct xfrm_user_tmpl);
		const struct xfrm_user_tmpl *t = mnl_attr_get_payload(m.tmpl);

		if (len % sizeof(struct xfrm_user_tmpl))
			return -EBADMSG;
		if (n > KIF_MAX_TMPL)
			return -E2BIG;
		for (size_t i = 0; i < n; i++) {
			struct xfrm_user_tmpl tt;
			memcpy(&tt, &t[i], sizeof(tt));
			tmpl_from_xfrm(&p->tmpl[i], &tt);
		}
		p->n_tmpl = (unsigned int)n;
	}
	return 0;
}

const char *kif_build_policy(struct nlmsghdr *nlh, const struct kif_policy *p)
{
	struct xfrm_userpolicy_info *x;
	struct xfrm_user_tmpl t[KIF_MAX_TMPL];
	const char *bad;

	if (p->dir != KIF_DIR_IN && p->dir != KIF_DIR_OUT && p->dir != KIF_DIR_FWD)
		return "unknown direction";
	if (p->n_tmpl < 1 || p->n_tmpl > KIF_MAX_TMPL)
		return "a policy needs 1 to 4 templates";
	if (!policy_owned(p))
		return "template reqid outside conduit's range";
	x = mnl_nlmsg_put_extra_header(nlh, sizeof(*x));
	bad = sel_to_xfrm(&x->sel, &p->sel);
	if (bad)
		return bad;
	x->lft.soft_byte_limit = x->lft.hard_byte_limit = XFRM_INF;
	x->lft.soft_packet_limit = x->lft.hard_packet_limit = XFRM_INF;
	x->priority = kif_policy_priority(&p->sel) + p->priority_bias;
	x->dir = p->dir;
	x->action = XFRM_POLICY_ALLOW;
	x->share = XFRM_SHARE_ANY;

	memset(t, 0, sizeof(t));
	for (unsigned int i = 0; i < p->n_tmpl; i++) {
		const struct kif_tmpl *k = &p->tmpl[i];
		uint8_t fam = k->dst.family ? k->dst.family : k->src.family;

		if (k->mode == KIF_MODE_TUNNEL &&
		    (check_family(&k->src, &k->dst) != 0))
			return "a tunnel template needs both endpoints of one family";
		if (k->src.family && k->dst.family && k->src.family != k->dst.family)
			return "template mixes address families";
		addr_to_xfrm(&t[i].id.daddr, &k->dst);
		addr_to_xfrm(&t[i].saddr, &k->src);
		t[i].id.proto = k->proto ? k->proto : IPPROTO_ESP;
		t[i].family = fam ? fam : x->sel.family;
		t[i].reqid = k->reqid;
		t[i].mode = k->mode;
		t[i].aalgos = t[i].ealgos = t[i].calgos = ~0u;
	}
	mnl_attr_put(nlh, XFRMA_TMPL, sizeof(t[0]) * p->n_tmpl, t);
	put_mark(nlh, p->mark_value, p->mark_mask);
	if (p->if_id)
		mnl_attr_put_u32(nlh, XFRMA_IF_ID, p->if_id);
	return NULL;
}

static int nl_policy_add(struct kif *k, const struct kif_policy *p, bool update)
{
	char buf[KIF_REQ_SIZE] KIF_ALIGNED, what[160], ext[256];
	const char *op = update ? "update policy" : "add policy";
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	const char *bad;
	int r;

	describe_policy(what, sizeof(what), p);
	nlh->nlmsg_type = update ? XFRM_MSG_UPDPOLICY : XFRM_MSG_NEWPOLICY;
	if (!update)
		nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	bad = kif_build_policy(nlh, p);
	if (bad) {
		kif_seterr(k, "%s %s: %s", op, what, bad);
		return -EINVAL;
	}
	r = kif_talk(k, nlh, NULL, NULL, ext, sizeof(ext), NULL);
	if (r < 0)
		return fail(k, r, op, what, NULL, ext);
	k->err[0] = '\0';
	return 0;
}

/* A DELPOLICY/GETPOLICY request by selector (index 0) or by index. */
static const char *put_policy_id(struct nlmsghdr *nlh, int type,
				 const struct kif_policy *key, uint32_t index)
{
	struct xfrm_userpolicy_id *x;
	const char *bad = NULL;

	nlh->nlmsg_type = type;
	x = mnl_nlmsg_put_extra_header(nlh, sizeof(*x));
	if (index)
		x->index = index;
	else
		bad = sel_to_xfrm(&x->sel, &key->sel);
	x->dir = key->dir;
	put_mark(nlh, key->mark_value, key->mark_mask);
	if (key->if_id)
		mnl_attr_put_u32(nlh, XFRMA_IF_ID, key->if_id);
	return bad;
}

static int policy_reply(const struct nlmsghdr *nlh, void *arg)
{
	return kif_parse_policy(nlh, arg);
}

static int policy_get(struct kif *k, const struct kif_policy *key,
		      struct kif_policy *out, const char *op)
{
	char buf[KIF_REQ_SIZE] KIF_ALIGNED, what[160], ext[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	const char *bad;
	int r;

	describe_policy(what, sizeof(what), key);
	bad = put_policy_id(nlh, XFRM_MSG_GETPOLICY, key, 0);
	if (bad) {
		kif_seterr(k, "%s %s: %s", op, what, bad);
		return -EINVAL;
	}
	r = kif_talk(k, nlh, policy_reply, out, ext, sizeof(ext), NULL);
	if (r < 0)
		return fail(k, r, op, what, NULL, ext);
	k->err[0] = '\0';
	return 0;
}

static int nl_policy_get(struct kif *k, const struct kif_policy *key,
		   struct kif_policy *out)
{
	return policy_get(k, key, out, "get policy");
}

static int policy_del_index(struct kif *k, const struct kif_policy *p,
			    const char *what)
{
	char buf[KIF_REQ_SIZE] KIF_ALIGNED, ext[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int r;

	put_policy_id(nlh, XFRM_MSG_DELPOLICY, p, p->index);
	r = kif_talk(k, nlh, NULL, NULL, ext, sizeof(ext), NULL);
	if (r < 0)
		return fail(k, r, "delete policy", what, NULL, ext);
	return 0;
}

static int nl_policy_delete(struct kif *k, const struct kif_policy *key)
{
	struct kif_policy cur;
	char what[160];
	int r;

	r = policy_get(k, key, &cur, "delete policy");
	if (r < 0)
		return r;
	describe_policy(what, sizeof(what), key);
	if (!policy_owned(&cur)) {
		kif_seterr(k, "delete policy %s: not conduit's (no template with a reqid in 0x%08x-0x%08x), left in place",
			   what, KIF_REQID_MIN, KIF_REQID_MAX);
		return -EPERM;
	}
	/* By index: exactly the policy that was checked. */
	r = policy_del_index(k, &cur, what);
	if (r == 0)
		k->err[0] = '\0';
	return r;
}

/* ---- flush ---- */

struct collect {
	void *items;
	size_t n, cap, size;
	int err;
};

static void *collect_slot(struct collect *c)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		void *p = realloc(c->items, cap * c->size);
		if (!p)
			return NULL;
		c->items = p;
		c->cap = cap;
	}
	return (char *)c->items + c->n++ * c->size;
}

static int dump_owned_policy(const struct nlmsghdr *nlh, void *arg)
{
	struct collect *c = arg;
	struct kif_policy p, *slot;
	int r = kif_parse_policy(nlh, &p);

	if (r == -E2BIG)
		return 0;
	if (r < 0)
		return r;
	if (!policy_owned(&p))
		return 0;
	slot = collect_slot(c);
	if (!slot)
		return -ENOMEM;
	*slot = p;
	return 0;
}

struct owned_sa {
	struct kif_sa_id id;
	uint32_t reqid;
};

static int dump_owned_sa(const struct nlmsghdr *nlh, void *arg)
{
	struct collect *c = arg;
	struct kif_sa_stats st;
	struct owned_sa *slot;
	struct kif_sa_id id;
	int r = kif_parse_sa(nlh, &id, &st, NULL);

	if (r < 0)
		return r;
	/* SPI 0: a larval SA for an acquire, which the kernel expires. */
	if (!kif_reqid_owned(st.reqid) || id.spi == 0)
		return 0;
	slot = collect_slot(c);
	if (!slot)
		return -ENOMEM;
	slot->id = id;
	slot->reqid = st.reqid;
	return 0;
}

static int dump(struct kif *k, int type, size_t hdr, kif_reply_cb *cb,
		struct collect *c, bool *intr)
{
	char buf[KIF_REQ_SIZE] KIF_ALIGNED, ext[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int r;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_DUMP;
	mnl_nlmsg_put_extra_header(nlh, hdr);
	r = kif_talk(k, nlh, cb, c, ext, sizeof(ext), intr);
	if (r < 0)
		fail(k, r, "dump", type == XFRM_MSG_GETSA ? "SAs" : "policies",
		     NULL, ext);
	return r;
}

int kif_dump_sas(struct kif *k, kif_reply_cb *cb, void *arg, bool *intr)
{
	return dump(k, XFRM_MSG_GETSA, sizeof(struct xfrm_usersa_info), cb, arg,
		    intr);
}

static int nl_flush(struct kif *k, unsigned int *n_sa, unsigned int *n_policy)
{
	unsigned int nsa = 0, npol = 0;
	int r = 0;

	/* A dump interrupted by concurrent changes may miss entries: go
	 * again, a bounded number of times. */
	for (int round = 0; round < 4; round++) {
		struct collect c = { .size = sizeof(struct kif_policy) };
		bool intr = false;
		char what[160];

		r = dump(k, XFRM_MSG_GETPOLICY, sizeof(struct xfrm_userpolicy_info),
			 dump_owned_policy, &c, &intr);
		for (size_t i = 0; r == 0 && i < c.n; i++) {
			struct kif_policy *p = (struct kif_policy *)c.items + i;
			describe_policy(what, sizeof(what), p);
			int e = policy_del_index(k, p, what);
			if (e == 0)
				npol++;
			else if (e != -ENOENT)
				r = e;
		}
		free(c.items);
		if (r < 0)
			goto out;

		struct collect s = { .size = sizeof(struct owned_sa) };
		bool intr2 = false;
		r = kif_dump_sas(k, dump_owned_sa, &s, &intr2);
		for (size_t i = 0; r == 0 && i < s.n; i++) {
			struct owned_sa *o = (struct owned_sa *)s.items + i;
			char b[KIF_REQ_SIZE] KIF_ALIGNED, ext[256];
			struct nlmsghdr *nlh = mnl_nlmsg_put_header(b);

			put_sa_id(nlh, XFRM_MSG_DELSA, &o->id);
			int e = kif_talk(k, nlh, NULL, NULL, ext, sizeof(ext), NULL);
			if (e == 0) {
				nsa++;
			} else if (e != -ENOENT && e != -ESRCH) {
				describe_sa_id(what, sizeof(what), &o->id, o->reqid);
				r = fail(k, e, "delete SA", what, NULL, ext);
			}
		}
		free(s.items);
		if (r < 0)
			goto out;
		if (!intr && !intr2)
			break;
	}
	k->err[0] = '\0';
out:
	if (n_sa)
		*n_sa = nsa;
	if (n_policy)
		*n_policy = npol;
	return r;
}

/* ---- moving an SA (NAT-T: the peer's mapping changed) ---- */

struct sa_copy {
	uint8_t *buf;
	size_t cap, len;
};

static int sa_copy_reply(const struct nlmsghdr *nlh, void *arg)
{
	struct sa_copy *c = arg;

	if (kif_parse_sa(nlh, NULL, NULL, NULL) < 0 || nlh->nlmsg_len > c->cap)
		return -EBADMSG;
	memcpy(c->buf, nlh, nlh->nlmsg_len);
	c->len = nlh->nlmsg_len;
	return 0;
}

static int nl_sa_move(struct kif *k, const struct kif_sa_id *id, const struct kif_addr *src,
		const struct kif_addr *dst, bool encap, uint16_t sport, uint16_t dport)
{
	char got[KIF_REQ_SIZE] KIF_ALIGNED, buf[KIF_REQ_SIZE] KIF_ALIGNED;
	char what[160], ext[256];
	struct sa_copy c = { (uint8_t *)got, sizeof(got), 0 };
	struct xfrm_usersa_info oldv, *p;
	const struct xfrm_usersa_info *old = &oldv;
	const struct nlmsghdr *oh;
	struct nlmsghdr *nlh;
	const struct nlattr *a;
	bool in_place, had_encap = false;
	uint64_t now = (uint64_t)time(NULL), age;
	int r;

	describe_sa_id(what, sizeof(what), id, 0);
	if (check_family(src, dst) || src->family != id->dst.family) {
		kif_seterr(k, "move SA %s: new addresses of another family", what);
		return -EINVAL;
	}
	nlh = mnl_nlmsg_put_header(buf);
	put_sa_id(nlh, XFRM_MSG_GETSA, id);
	r = kif_talk(k, nlh, sa_copy_reply, &c, ext, sizeof(ext), NULL);
	if (!r && !c.len)
		r = -ENOENT;
	if (r == -ESRCH)
		r = -ENOENT;
	if (r < 0) {
		explicit_bzero(got, sizeof(got));
		return fail(k, r, "move SA", what, NULL, ext);
	}
	oh = (const struct nlmsghdr *)got;
	/* Through a copy, as every struct with a __u64 (see kif_internal.h). */
	memcpy(&oldv, mnl_nlmsg_get_payload(oh), sizeof(oldv));
	if (!kif_reqid_owned(old->reqid)) {
		explicit_bzero(got, sizeof(got));
		kif_seterr(k, "move SA %s: not conduit's, left in place", what);
		return -EPERM;
	}
	mnl_attr_for_each(a, oh, sizeof(*old)) {
		if (mnl_attr_get_type(a) == XFRMA_ENCAP)
			had_encap = true;
	}
	/* Same endpoints, encapsulated before and after: UPDSA changes the
	 * encapsulation in place (counters and replay state stay). Other
	 * endpoints are another SA to the kernel: delete, then add the same
	 * keys and sequence numbers at the new addresses. */
	{
		size_t alen = src->family == AF_INET ? 4 : 16;
		xfrm_address_t s, d;

		addr_to_xfrm(&s, src);
		addr_to_xfrm(&d, dst);
		in_place = had_encap && encap && !memcmp(&s, &old->saddr, alen) &&
			   !memcmp(&d, &old->id.daddr, alen);
	}
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = in_place ? XFRM_MSG_UPDSA : XFRM_MSG_NEWSA;
	if (!in_place)
		nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	/* buf is 8-aligned and the header 16 octets: p is too. */
	p = mnl_nlmsg_put_extra_header(nlh, sizeof(*p));
	*p = *old;
	addr_to_xfrm(&p->saddr, src);
	addr_to_xfrm(&p->id.daddr, dst);
	memset(&p->curlft, 0, sizeof(p->curlft));
	memset(&p->stats, 0, sizeof(p->stats));
	/* A new SA's lifetime starts now: take off what the old one lived. */
	age = old->curlft.add_time && now > old->curlft.add_time ? now - old->curlft.add_time : 0;
	if (!in_place) {
		if (p->lft.soft_add_expires_seconds)
			p->lft.soft_add_expires_seconds =
			    p->lft.soft_add_expires_seconds > age + 1
				? p->lft.soft_add_expires_seconds - age
				: 1;
		if (p->lft.hard_add_expires_seconds)
			p->lft.hard_add_expires_seconds =
			    p->lft.hard_add_expires_seconds > age + 2
				? p->lft.hard_add_expires_seconds - age
				: 2;
	}
	mnl_attr_for_each(a, oh, sizeof(*old)) {
		uint16_t t = mnl_attr_get_type(a);

		/* What the kernel reports but does not take back, and what
		 * changes. */
		if (t == XFRMA_ENCAP || t == XFRMA_LASTUSED || t == XFRMA_OFFLOAD_DEV)
			continue;
		if (nlh->nlmsg_len + MNL_ALIGN(a->nla_len) > sizeof(buf)) {
			explicit_bzero(got, sizeof(got));
			explicit_bzero(buf, sizeof(buf));
			kif_seterr(k, "move SA %s: SA too large to copy", what);
			return -E2BIG;
		}
		mnl_attr_put(nlh, t, mnl_attr_get_payload_len(a), mnl_attr_get_payload(a));
	}
	if (encap) {
		struct xfrm_encap_tmpl enc;

		memset(&enc, 0, sizeof(enc));
		enc.encap_type = UDP_ENCAP_ESPINUDP;
		enc.encap_sport = htons(sport);
		enc.encap_dport = htons(dport);
		mnl_attr_put(nlh, XFRMA_ENCAP, sizeof(enc), &enc);
	}
	explicit_bzero(got, sizeof(got));
	if (!in_place) {
		char dbuf[KIF_REQ_SIZE] KIF_ALIGNED;
		struct nlmsghdr *dh = mnl_nlmsg_put_header(dbuf);

		put_sa_id(dh, XFRM_MSG_DELSA, id);
		r = kif_talk(k, dh, NULL, NULL, ext, sizeof(ext), NULL);
		if (r < 0 && r != -ESRCH) {
			explicit_bzero(buf, sizeof(buf));
			return fail(k, r, "move SA (delete)", what, NULL, ext);
		}
	}
	r = kif_talk(k, nlh, NULL, NULL, ext, sizeof(ext), NULL);
	explicit_bzero(buf, sizeof(buf));
	if (r < 0)
		return fail(k, r, in_place ? "move SA (update)" : "move SA (add)", what, NULL, ext);
	k->err[0] = '\0';
	return 0;
}

static int nl_policy_list(struct kif *k, struct kif_policy **out, size_t *n)
{
	int r = -EAGAIN;

	*out = NULL;
	*n = 0;
	/* A dump interrupted by concurrent changes may miss entries: again,
	 * a bounded number of times; the last one is what we have. */
	for (int round = 0; round < 4 && r == -EAGAIN; round++) {
		struct collect c = { .size = sizeof(struct kif_policy) };
		bool intr = false;

		r = dump(k, XFRM_MSG_GETPOLICY, sizeof(struct xfrm_userpolicy_info),
			 dump_owned_policy, &c, &intr);
		if (r < 0) {
			free(c.items);
			return r;
		}
		free(*out);
		*out = c.items;
		*n = c.n;
		r = intr ? -EAGAIN : 0;
	}
	k->err[0] = '\0';
	return 0;
}

const struct kif_ops kif_netlink_ops = {
	.name = "netlink",
	.close = nl_close,
	.event_fd = nl_event_fd,
	.event_drain = kif_nl_event_drain,
	.event_set_rcvbuf = nl_event_set_rcvbuf,
	.spi_alloc = nl_spi_alloc,
	.sa_add = nl_sa_add,
	.sa_delete = nl_sa_delete,
	.sa_get = nl_sa_get,
	.sa_move = nl_sa_move,
	.policy_add = nl_policy_add,
	.policy_get = nl_policy_get,
	.policy_delete = nl_policy_delete,
	.flush = nl_flush,
	.policy_list = nl_policy_list,
};
