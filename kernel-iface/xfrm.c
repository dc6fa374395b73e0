/* SPDX-License-Identifier: GPL-2.0-or-later */
/* XFRM netlink requests: SPIs, SAs, policies (whole-table work in
 * xfrm_flush.c, the request socket in netlink.c). */
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

void kif_addr_from_xfrm(struct kif_addr *a, const xfrm_address_t *x, unsigned int family)
{
	memset(a, 0, sizeof(*a));
	if (family != AF_INET && family != AF_INET6)
		return;
	a->family = family;
	memcpy(a->ip, x, family == AF_INET ? 4 : 16);
}

void kif_addr_to_xfrm(xfrm_address_t *x, const struct kif_addr *a)
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

void kif_describe_sa_id(char *buf, size_t len, const struct kif_sa_id *id, uint32_t reqid)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s spi 0x%08x %s->%s", proto_name(id->proto), id->spi,
		 kif_addr_str(&id->src, s, sizeof(s)), kif_addr_str(&id->dst, d, sizeof(d)));
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

void kif_describe_policy(char *buf, size_t len, const struct kif_policy *p)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];

	snprintf(buf, len, "%s %s/%u->%s/%u proto %u", dir_name(p->dir),
		 kif_addr_str(&p->sel.src, s, sizeof(s)), p->sel.src_plen,
		 kif_addr_str(&p->sel.dst, d, sizeof(d)), p->sel.dst_plen, p->sel.proto);
	if (p->sel.sport_mask || p->sel.dport_mask) {
		size_t l = strlen(buf);
		snprintf(buf + l, len - l, " sport %u dport %u", p->sel.sport, p->sel.dport);
	}
}

/* "OP WHAT: strerror [kernel: text]" */
int kif_fail(struct kif *k, int err, const char *op, const char *what, const char *hint,
	     const char *ext)
{
	kif_seterr(k, "%s %s: %s%s%s%s%s%s", op, what, hint ? hint : "", hint ? ": " : "",
		   strerror(-err), ext && *ext ? " [kernel: " : "", ext && *ext ? ext : "",
		   ext && *ext ? "]" : "");
	return err;
}

/* ---- SAs ---- */

int kif_check_family(const struct kif_addr *a, const struct kif_addr *b)
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

	if (kif_check_family(&sa->id.src, &sa->id.dst))
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
	kif_addr_to_xfrm(&p->id.daddr, &sa->id.dst);
	kif_addr_to_xfrm(&p->saddr, &sa->id.src);
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
		uint32_t
		    rsbuf[(sizeof(struct xfrm_replay_state_esn) + XFRMA_REPLAY_ESN_MAX / 8) / 4];
		struct xfrm_replay_state_esn *rs = (void *)rsbuf;

		memset(rsbuf, 0, sizeof(rsbuf));
		rs->bmp_len = words;
		rs->replay_window = sa->replay_window;
		mnl_attr_put(nlh, XFRMA_REPLAY_ESN_VAL, sizeof(*rs) + words * 4, rs);
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
	kif_addr_to_xfrm(&id->daddr, &sa.id.dst);
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

	kif_describe_sa_id(what, sizeof(what), &sa->id, sa->reqid);
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
	const char *esp = sa->id.dst.family == AF_INET6
			      ? "the kernel lacks ESP support (CONFIG_INET6_ESP)"
			      : "the kernel lacks ESP support (CONFIG_INET_ESP)";
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
	return kif_fail(k, r, op, what, hint, ext);
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

int kif_parse_sa(const struct nlmsghdr *nlh, struct kif_sa_id *id, struct kif_sa_stats *st,
		 struct xfrm_usersa_info *raw)
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

void kif_put_sa_id(struct nlmsghdr *nlh, int type, const struct kif_sa_id *id)
{
	struct xfrm_usersa_id *p;
	xfrm_address_t src;

	nlh->nlmsg_type = type;
	p = mnl_nlmsg_put_extra_header(nlh, sizeof(*p));
	kif_addr_to_xfrm(&p->daddr, &id->dst);
	p->spi = htonl(id->spi);
	p->family = id->dst.family;
	p->proto = id->proto;
	if (id->src.family) {
		kif_addr_to_xfrm(&src, &id->src);
		mnl_attr_put(nlh, XFRMA_SRCADDR, sizeof(src), &src);
	}
	put_mark(nlh, id->mark_value, id->mark_mask);
}

static int sa_get(struct kif *k, const struct kif_sa_id *id, struct kif_sa_stats *st,
		  const char *op)
{
	char buf[KIF_REQ_SIZE] KIF_ALIGNED, what[160], ext[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int r;

	kif_describe_sa_id(what, sizeof(what), id, 0);
	if (id->dst.family != AF_INET && id->dst.family != AF_INET6) {
		kif_seterr(k, "%s %s: no destination address", op, what);
		return -EINVAL;
	}
	memset(st, 0, sizeof(*st));
	st->reqid = 0;
	kif_put_sa_id(nlh, XFRM_MSG_GETSA, id);
	r = kif_talk(k, nlh, sa_reply, st, ext, sizeof(ext), NULL);
	if (r == -ESRCH)
		r = -ENOENT; /* XFRM's "no such SA": say it like policies do */
	if (r < 0)
		return kif_fail(k, r, op, what, NULL, ext);
	k->err[0] = '\0';
	return 0;
}

static int nl_sa_get(struct kif *k, const struct kif_sa_id *id, struct kif_sa_stats *st)
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
	kif_describe_sa_id(what, sizeof(what), id, st.reqid);
	if (!kif_reqid_owned(st.reqid)) {
		kif_seterr(
		    k, "delete SA %s: not conduit's (reqid outside 0x%08x-0x%08x), left in place",
		    what, KIF_REQID_MIN, KIF_REQID_MAX);
		return -EPERM;
	}
	nlh = mnl_nlmsg_put_header(buf);
	kif_put_sa_id(nlh, XFRM_MSG_DELSA, id);
	r = kif_talk(k, nlh, NULL, NULL, ext, sizeof(ext), NULL);
	if (r < 0)
		return kif_fail(k, r, "delete SA", what, NULL, ext);
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

static int nl_spi_alloc(struct kif *k, const struct kif_sa *sa, uint32_t min, uint32_t max,
			uint32_t *spi)
{
	char buf[KIF_REQ_SIZE] KIF_ALIGNED, what[160], ext[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct xfrm_userspi_info *p;
	uint32_t got = 0;
	int r;

	kif_describe_sa_id(what, sizeof(what), &sa->id, sa->reqid);
	*spi = 0;
	if (kif_check_family(&sa->id.src, &sa->id.dst) || !kif_reqid_owned(sa->reqid) ||
	    min > max || min < 256) {
		kif_seterr(k,
			   "allocate SPI %s: needs addresses of one family, a conduit reqid and a "
			   "range within 256..0xffffffff",
			   what);
		return -EINVAL;
	}
	nlh->nlmsg_type = XFRM_MSG_ALLOCSPI;
	p = mnl_nlmsg_put_extra_header(nlh, sizeof(*p));
	kif_addr_to_xfrm(&p->info.id.daddr, &sa->id.dst);
	kif_addr_to_xfrm(&p->info.saddr, &sa->id.src);
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
		return kif_fail(k, r, "allocate SPI", what, NULL, ext);
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
	if ((s->src.family && s->src.family != fam) || (s->dst.family && s->dst.family != fam))
		return "selector mixes address families";
	if (s->src_plen > max || s->dst_plen > max)
		return "prefix length too long";
	x->family = fam;
	kif_addr_to_xfrm(&x->saddr, &s->src);
	kif_addr_to_xfrm(&x->daddr, &s->dst);
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

bool kif_policy_owned(const struct kif_policy *p)
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
	if (nlh->nlmsg_type != XFRM_MSG_NEWPOLICY && nlh->nlmsg_type != XFRM_MSG_UPDPOLICY)
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
	if (!kif_policy_owned(p))
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

		if (k->mode == KIF_MODE_TUNNEL && (kif_check_family(&k->src, &k->dst) != 0))
			return "a tunnel template needs both endpoints of one family";
		if (k->src.family && k->dst.family && k->src.family != k->dst.family)
			return "template mixes address families";
		kif_addr_to_xfrm(&t[i].id.daddr, &k->dst);
		kif_addr_to_xfrm(&t[i].saddr, &k->src);
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

	kif_describe_policy(what, sizeof(what), p);
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
		return kif_fail(k, r, op, what, NULL, ext);
	k->err[0] = '\0';
	return 0;
}

/* A DELPOLICY/GETPOLICY request by selector (index 0) or by index. */
static const char *put_policy_id(struct nlmsghdr *nlh, int type, const struct kif_policy *key,
				 uint32_t index)
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

static int policy_get(struct kif *k, const struct kif_policy *key, struct kif_policy *out,
		      const char *op)
{
	char buf[KIF_REQ_SIZE] KIF_ALIGNED, what[160], ext[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	const char *bad;
	int r;

	kif_describe_policy(what, sizeof(what), key);
	bad = put_policy_id(nlh, XFRM_MSG_GETPOLICY, key, 0);
	if (bad) {
		kif_seterr(k, "%s %s: %s", op, what, bad);
		return -EINVAL;
	}
	r = kif_talk(k, nlh, policy_reply, out, ext, sizeof(ext), NULL);
	if (r < 0)
		return kif_fail(k, r, op, what, NULL, ext);
	k->err[0] = '\0';
	return 0;
}

static int nl_policy_get(struct kif *k, const struct kif_policy *key, struct kif_policy *out)
{
	return policy_get(k, key, out, "get policy");
}

int kif_policy_del_index(struct kif *k, const struct kif_policy *p, const char *what)
{
	char buf[KIF_REQ_SIZE] KIF_ALIGNED, ext[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int r;

	put_policy_id(nlh, XFRM_MSG_DELPOLICY, p, p->index);
	r = kif_talk(k, nlh, NULL, NULL, ext, sizeof(ext), NULL);
	if (r < 0)
		return kif_fail(k, r, "delete policy", what, NULL, ext);
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
	kif_describe_policy(what, sizeof(what), key);
	if (!kif_policy_owned(&cur)) {
		kif_seterr(k,
			   "delete policy %s: not conduit's (no template with a reqid in "
			   "0x%08x-0x%08x), left in place",
			   what, KIF_REQID_MIN, KIF_REQID_MAX);
		return -EPERM;
	}
	/* By index: exactly the policy that was checked. */
	r = kif_policy_del_index(k, &cur, what);
	if (r == 0)
		k->err[0] = '\0';
	return r;
}

const struct kif_ops kif_netlink_ops = {
	.name = "netlink",
	.close = kif_nl_close,
	.event_fd = kif_nl_event_fd,
	.event_drain = kif_nl_event_drain,
	.event_set_rcvbuf = kif_nl_event_set_rcvbuf,
	.spi_alloc = nl_spi_alloc,
	.sa_add = nl_sa_add,
	.sa_delete = nl_sa_delete,
	.sa_get = nl_sa_get,
	.sa_move = kif_nl_sa_move,
	.policy_add = nl_policy_add,
	.policy_get = nl_policy_get,
	.policy_delete = nl_policy_delete,
	.flush = kif_nl_flush,
	.policy_list = kif_nl_policy_list,
};
