/* SPDX-License-Identifier: GPL-2.0-or-later */
/* XFRM backend, whole-table work: the ownership-aware flush, moving an SA
 * (NAT-T), listing policies. */
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
	if (!kif_policy_owned(&p))
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

static int dump(struct kif *k, int type, size_t hdr, kif_reply_cb *cb, struct collect *c,
		bool *intr)
{
	char buf[KIF_REQ_SIZE] KIF_ALIGNED, ext[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	int r;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_DUMP;
	mnl_nlmsg_put_extra_header(nlh, hdr);
	r = kif_talk(k, nlh, cb, c, ext, sizeof(ext), intr);
	if (r < 0)
		kif_fail(k, r, "dump", type == XFRM_MSG_GETSA ? "SAs" : "policies", NULL, ext);
	return r;
}

int kif_dump_sas(struct kif *k, kif_reply_cb *cb, void *arg, bool *intr)
{
	return dump(k, XFRM_MSG_GETSA, sizeof(struct xfrm_usersa_info), cb, arg, intr);
}

int kif_nl_flush(struct kif *k, unsigned int *n_sa, unsigned int *n_policy)
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
			kif_describe_policy(what, sizeof(what), p);
			int e = kif_policy_del_index(k, p, what);
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

			kif_put_sa_id(nlh, XFRM_MSG_DELSA, &o->id);
			int e = kif_talk(k, nlh, NULL, NULL, ext, sizeof(ext), NULL);
			if (e == 0) {
				nsa++;
			} else if (e != -ENOENT && e != -ESRCH) {
				kif_describe_sa_id(what, sizeof(what), &o->id, o->reqid);
				r = kif_fail(k, e, "delete SA", what, NULL, ext);
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

int kif_nl_sa_move(struct kif *k, const struct kif_sa_id *id, const struct kif_addr *src,
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

	kif_describe_sa_id(what, sizeof(what), id, 0);
	if (kif_check_family(src, dst) || src->family != id->dst.family) {
		kif_seterr(k, "move SA %s: new addresses of another family", what);
		return -EINVAL;
	}
	nlh = mnl_nlmsg_put_header(buf);
	kif_put_sa_id(nlh, XFRM_MSG_GETSA, id);
	r = kif_talk(k, nlh, sa_copy_reply, &c, ext, sizeof(ext), NULL);
	if (!r && !c.len)
		r = -ENOENT;
	if (r == -ESRCH)
		r = -ENOENT;
	if (r < 0) {
		explicit_bzero(got, sizeof(got));
		return kif_fail(k, r, "move SA", what, NULL, ext);
	}
	oh = (const struct nlmsghdr *)got;
	/* Through a copy, as every struct with a __u64 (see kif_internal.h). */
	memcpy(&oldv, mnl_nlmsg_get_payload(oh), sizeof(oldv));
	if (!kif_reqid_owned(old->reqid)) {
		explicit_bzero(got, sizeof(got));
		kif_seterr(k, "move SA %s: not conduit's, left in place", what);
		return -EPERM;
	}
	mnl_attr_for_each(a, oh, sizeof(*old))
	{
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

		kif_addr_to_xfrm(&s, src);
		kif_addr_to_xfrm(&d, dst);
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
	kif_addr_to_xfrm(&p->saddr, src);
	kif_addr_to_xfrm(&p->id.daddr, dst);
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
	mnl_attr_for_each(a, oh, sizeof(*old))
	{
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

		kif_put_sa_id(dh, XFRM_MSG_DELSA, id);
		r = kif_talk(k, dh, NULL, NULL, ext, sizeof(ext), NULL);
		if (r < 0 && r != -ESRCH) {
			explicit_bzero(buf, sizeof(buf));
			return kif_fail(k, r, "move SA (delete)", what, NULL, ext);
		}
	}
	r = kif_talk(k, nlh, NULL, NULL, ext, sizeof(ext), NULL);
	explicit_bzero(buf, sizeof(buf));
	if (r < 0)
		return kif_fail(k, r, in_place ? "move SA (update)" : "move SA (add)", what, NULL,
				ext);
	k->err[0] = '\0';
	return 0;
}

int kif_nl_policy_list(struct kif *k, struct kif_policy **out, size_t *n)
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
