/* SPDX-License-Identifier: GPL-2.0-or-later */
/* XFRM events: ACQUIRE, EXPIRE and MAPPING, drained from a non-blocking socket, and
 * a re-synchronisation from a state dump when the socket overflowed. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "kernel-iface/kif_internal.h"

/* Datagrams read per kif_event_drain call: under a flood the loop returns
 * to the event loop (the fd stays readable) instead of starving it. */
#define KIF_DRAIN_MAX 4096

struct ev_attrs {
	const struct nlattr *tmpl;
};

static int ev_attr(const struct nlattr *a, void *data)
{
	struct ev_attrs *e = data;

	if (mnl_attr_get_type(a) == XFRMA_TMPL)
		e->tmpl = a;
	return MNL_CB_OK;
}

static int parse_acquire(const struct nlmsghdr *nlh, struct kif_acquire *a)
{
	struct xfrm_user_acquire xa;
	const struct xfrm_user_acquire *x = &xa;
	struct ev_attrs at = { 0 };
	unsigned int fam;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*x))
		return -EBADMSG;
	/* netlink aligns to 4 octets, the struct (with its __u64) to 8 */
	memcpy(&xa, mnl_nlmsg_get_payload(nlh), sizeof(xa));
	if (!kif_attrs_valid(nlh, sizeof(*x)) ||
	    mnl_attr_parse(nlh, sizeof(*x), ev_attr, &at) < 0)
		return -EBADMSG;
	if (x->sel.family != AF_INET && x->sel.family != AF_INET6)
		return -EBADMSG;
	if (x->policy.dir > XFRM_POLICY_FWD)
		return -EBADMSG;
	memset(a, 0, sizeof(*a));
	kif_sel_from_xfrm(&a->sel, &x->sel);
	a->policy_index = x->policy.index;
	a->policy_dir = (enum kif_dir)x->policy.dir;
	a->seq = x->seq;
	a->tmpl.proto = x->id.proto;

	/* The SA endpoints the kernel resolved; the template (the policy's,
	 * possibly wildcard) gives mode, reqid and the outer family. */
	fam = x->sel.family;
	if (at.tmpl) {
		size_t len = mnl_attr_get_payload_len(at.tmpl);
		const struct xfrm_user_tmpl *tp = mnl_attr_get_payload(at.tmpl);
		struct xfrm_user_tmpl t;

		if (len < sizeof(t))
			return -EBADMSG;
		/* The first template for the requested protocol. */
		memcpy(&t, tp, sizeof(t));
		for (size_t i = 0; i < len / sizeof(t); i++) {
			struct xfrm_user_tmpl ti;
			memcpy(&ti, &tp[i], sizeof(ti));
			if (ti.id.proto == x->id.proto) {
				t = ti;
				break;
			}
		}
		if (t.family != AF_INET && t.family != AF_INET6)
			return -EBADMSG;
		fam = t.family;
		a->tmpl.mode = (enum kif_mode)t.mode;
		a->tmpl.reqid = t.reqid;
	}
	kif_addr_from_xfrm(&a->tmpl.dst, &x->id.daddr, fam);
	kif_addr_from_xfrm(&a->tmpl.src, &x->saddr, fam);
	return 1;
}

static int parse_expire(const struct nlmsghdr *nlh, struct kif_expire *e)
{
	struct xfrm_user_expire xe;
	const struct xfrm_user_expire *x = &xe;
	const struct xfrm_usersa_info *p;
	const struct xfrm_mark *mark = NULL;
	const struct nlattr *a;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*x))
		return -EBADMSG;
	memcpy(&xe, mnl_nlmsg_get_payload(nlh), sizeof(xe)); /* 4-aligned, not 8 */
	p = &x->state;
	if (!kif_attrs_valid(nlh, sizeof(*x)))
		return -EBADMSG;
	if (p->family != AF_INET && p->family != AF_INET6)
		return -EBADMSG;
	memset(e, 0, sizeof(*e));
	kif_addr_from_xfrm(&e->id.dst, &p->id.daddr, p->family);
	kif_addr_from_xfrm(&e->id.src, &p->saddr, p->family);
	e->id.spi = ntohl(p->id.spi);
	e->id.proto = p->id.proto;
	e->reqid = p->reqid;
	e->hard = x->hard != 0;

	/* The mark is an attribute after the fixed part. */
	mnl_attr_for_each(a, nlh, sizeof(*x)) {
		if (mnl_attr_get_type(a) == XFRMA_MARK &&
		    mnl_attr_get_payload_len(a) >= sizeof(struct xfrm_mark))
			mark = mnl_attr_get_payload(a);
	}
	if (mark) {
		e->id.mark_value = mark->v;
		e->id.mark_mask = mark->m;
	}
	return 1;
}

static int parse_mapping(const struct nlmsghdr *nlh, struct kif_mapping *m)
{
	const struct xfrm_user_mapping *x;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*x))
		return -EBADMSG;
	x = mnl_nlmsg_get_payload(nlh);
	if (x->id.family != AF_INET && x->id.family != AF_INET6)
		return -EBADMSG;
	memset(m, 0, sizeof(*m));
	kif_addr_from_xfrm(&m->id.dst, &x->id.daddr, x->id.family);
	m->id.spi = ntohl(x->id.spi);
	m->id.proto = x->id.proto;
	m->reqid = x->reqid;
	/* The kernel says nothing of the family of the peer's addresses:
	 * ESP-in-UDP is one family end to end. */
	kif_addr_from_xfrm(&m->old_src, &x->old_saddr, x->id.family);
	kif_addr_from_xfrm(&m->new_src, &x->new_saddr, x->id.family);
	m->old_sport = ntohs(x->old_sport);
	m->new_sport = ntohs(x->new_sport);
	return 1;
}

int kif_event_parse(const void *msg, size_t len, struct kif_event *ev)
{
	const struct nlmsghdr *nlh = msg;

	if (len < sizeof(*nlh) || nlh->nlmsg_len < sizeof(*nlh) ||
	    nlh->nlmsg_len > len)
		return -EBADMSG;
	memset(ev, 0, sizeof(*ev));
	switch (nlh->nlmsg_type) {
	case XFRM_MSG_ACQUIRE:
		ev->type = KIF_EV_ACQUIRE;
		return parse_acquire(nlh, &ev->acquire);
	case XFRM_MSG_EXPIRE:
		ev->type = KIF_EV_EXPIRE;
		return parse_expire(nlh, &ev->expire);
	case XFRM_MSG_MAPPING:
		ev->type = KIF_EV_MAPPING;
		return parse_mapping(nlh, &ev->mapping);
	default:
		/* POLEXPIRE and the rest: not delivered. */
		return 0;
	}
}

/* ---- resync ---- */

struct resync {
	struct kif_event *ev;
	size_t n, cap;
	uint64_t now;
};

static int resync_sa(const struct nlmsghdr *nlh, void *arg)
{
	struct resync *rs = arg;
	struct xfrm_usersa_info raw;
	struct kif_sa_stats st;
	struct kif_sa_id id;
	struct kif_event *ev;

	if (kif_parse_sa(nlh, &id, &st, &raw) < 0)
		return 0; /* skip what we cannot read rather than stop */
	if (!kif_reqid_owned(st.reqid))
		return 0;
	if (rs->n == rs->cap) {
		size_t cap = rs->cap ? rs->cap * 2 : 64;
		void *p = realloc(rs->ev, cap * sizeof(*rs->ev));
		if (!p)
			return -ENOMEM;
		rs->ev = p;
		rs->cap = cap;
	}
	ev = &rs->ev[rs->n++];
	memset(ev, 0, sizeof(*ev));
	if (id.spi == 0) {
		/* A larval SA: the kernel is waiting for an acquire's answer. */
		struct kif_acquire *a = &ev->acquire;
		ev->type = KIF_EV_ACQUIRE;
		kif_sel_from_xfrm(&a->sel, &raw.sel);
		a->policy_dir = KIF_DIR_OUT;
		a->tmpl.src = id.src;
		a->tmpl.dst = id.dst;
		a->tmpl.proto = id.proto;
		a->tmpl.mode = (enum kif_mode)raw.mode;
		a->tmpl.reqid = st.reqid;
		a->seq = raw.seq;
		a->resync = true;
		return 0;
	}
	ev->type = KIF_EV_SA;
	ev->sa.id = id;
	ev->sa.reqid = st.reqid;
	ev->sa.bytes = st.bytes;
	ev->sa.packets = st.packets;
	ev->sa.add_time = st.add_time;
	ev->sa.soft_expired =
		(st.life.soft_bytes && st.bytes >= st.life.soft_bytes) ||
		(st.life.soft_packets && st.packets >= st.life.soft_packets) ||
		(st.life.soft_secs && st.add_time &&
		 rs->now >= st.add_time + st.life.soft_secs);
	return 0;
}

static int resync(struct kif *k, kif_event_cb *cb, void *arg)
{
	struct resync rs = { .now = (uint64_t)time(NULL) };
	struct kif_event ev;
	bool intr = true;
	int r = 0;

	for (int i = 0; i < 4 && intr; i++) {
		rs.n = 0;
		r = kif_dump_sas(k, resync_sa, &rs, &intr);
		if (r < 0)
			break;
	}
	if (r < 0) {
		free(rs.ev);
		return r;
	}
	/* Delivered only now: cb may use the request socket. */
	memset(&ev, 0, sizeof(ev));
	ev.type = KIF_EV_RESYNC_BEGIN;
	cb(&ev, arg);
	for (size_t i = 0; i < rs.n; i++)
		cb(&rs.ev[i], arg);
	ev.type = KIF_EV_RESYNC_END;
	cb(&ev, arg);
	free(rs.ev);
	return (int)rs.n + 2;
}

int kif_nl_event_drain(struct kif *k, kif_event_cb *cb, void *arg)
{
	int fd = mnl_socket_get_fd(k->ev), delivered = 0;
	bool drained = false;

	for (int i = 0; i < KIF_DRAIN_MAX; i++) {
		struct sockaddr_nl from;
		struct iovec iov = { k->ebuf, sizeof(k->ebuf) };
		struct msghdr mh = {
			.msg_name = &from,
			.msg_namelen = sizeof(from),
			.msg_iov = &iov,
			.msg_iovlen = 1,
		};
		ssize_t n = recvmsg(fd, &mh, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				drained = true;
				break;
			}
			if (errno == ENOBUFS) {
				/* Events were dropped: remember, keep draining,
				 * and resync once the queue is empty. */
				k->overflow = true;
				continue;
			}
			return -errno;
		}
		if (mh.msg_flags & MSG_TRUNC) {
			k->overflow = true;
			continue;
		}
		/* Only the kernel speaks on these groups. */
		if (mh.msg_namelen < sizeof(from) || from.nl_pid != 0)
			continue;
		const struct nlmsghdr *h = (const struct nlmsghdr *)k->ebuf;
		int rem = (int)n;
		for (; mnl_nlmsg_ok(h, rem); h = mnl_nlmsg_next(h, &rem)) {
			struct kif_event ev;
			if (kif_event_parse(h, h->nlmsg_len, &ev) == 1) {
				cb(&ev, arg);
				delivered++;
			}
		}
	}
	if (drained && k->overflow) {
		int r = resync(k, cb, arg);
		if (r < 0)
			return r; /* overflow stays set: retried next time */
		k->overflow = false;
		delivered += r;
	}
	return delivered;
}
