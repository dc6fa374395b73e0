// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"

#include "kernel-iface/route.h"

#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define RT_BUF 32768
#define REQ_BUF 1024 /* one request: a header and a few attributes */

struct kif_rt {
	struct mnl_socket *nl;
	uint32_t portid, seq;
	char err[512];
	uint8_t buf[RT_BUF] __attribute__((aligned(8)));
};

static void seterr(struct kif_rt *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void seterr(struct kif_rt *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
}

const char *kif_rt_error(const struct kif_rt *r)
{
	return r->err;
}

int kif_rt_open(struct kif_rt **out)
{
	struct kif_rt *r = calloc(1, sizeof(*r));
	int one = 1, rc;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	r->nl = mnl_socket_open2(NETLINK_ROUTE, SOCK_CLOEXEC);
	if (!r->nl || mnl_socket_bind(r->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = errno ? -errno : -EIO;
		kif_rt_close(r);
		return rc;
	}
	mnl_socket_setsockopt(r->nl, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(r->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	r->portid = mnl_socket_get_portid(r->nl);
	r->seq = (uint32_t)time(NULL);
	*out = r;
	return 0;
}

void kif_rt_close(struct kif_rt *r)
{
	if (!r)
		return;
	if (r->nl)
		mnl_socket_close(r->nl);
	free(r);
}

typedef int reply_cb(const struct nlmsghdr *nlh, void *arg);

/* Send, read to the ack or DONE. 0, -errno (the kernel's), or cb's. */
static int talk(struct kif_rt *r, struct nlmsghdr *nlh, reply_cb *cb, void *arg)
{
	uint32_t seq;
	int cb_err = 0;

	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq = ++r->seq;
	if (mnl_socket_sendto(r->nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(r->nl, r->buf, sizeof(r->buf));
		const struct nlmsghdr *h = (const struct nlmsghdr *)r->buf;
		int rem = (int)n;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		for (; mnl_nlmsg_ok(h, rem); h = mnl_nlmsg_next(h, &rem)) {
			if (h->nlmsg_seq != seq || !mnl_nlmsg_portid_ok(h, r->portid))
				continue;
			if (h->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);

				if (mnl_nlmsg_get_payload_len(h) < sizeof(*e))
					return -EBADMSG;
				return e->error ? e->error : cb_err;
			}
			if (h->nlmsg_type == NLMSG_DONE)
				return cb_err;
			if (h->nlmsg_type < NLMSG_MIN_TYPE)
				continue;
			if (cb && !cb_err) {
				int x = cb(h, arg);

				if (x < 0)
					cb_err = x;
			}
		}
	}
}

static size_t alen(uint8_t family)
{
	return family == AF_INET6 ? 16 : 4;
}

static void put_addr(struct nlmsghdr *nlh, uint16_t type, const struct kif_addr *a)
{
	mnl_attr_put(nlh, type, alen(a->family), a->ip);
}

static void get_addr(const struct nlattr *a, uint8_t family, struct kif_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (mnl_attr_get_payload_len(a) != alen(family))
		return;
	out->family = family;
	memcpy(out->ip, mnl_attr_get_payload(a), alen(family));
}

static const char *astr(const struct kif_addr *a, char *buf, size_t len)
{
	return kif_addr_str(a, buf, len);
}

/* ---- route get ---- */

struct route_attrs {
	const struct nlattr *tb[RTA_MAX + 1];
};

static int route_attr(const struct nlattr *a, void *data)
{
	struct route_attrs *ra = data;
	uint16_t t = mnl_attr_get_type(a);

	if (mnl_attr_type_valid(a, RTA_MAX) > 0)
		ra->tb[t] = a;
	return MNL_CB_OK;
}

/* A NEWROUTE message into rt (and its protocol); -EBADMSG. */
static int parse_route(const struct nlmsghdr *nlh, struct kif_route *rt, uint8_t *protocol)
{
	const struct rtmsg *m = mnl_nlmsg_get_payload(nlh);
	struct route_attrs ra;

	if (nlh->nlmsg_type != RTM_NEWROUTE || mnl_nlmsg_get_payload_len(nlh) < sizeof(*m) ||
	    (m->rtm_family != AF_INET && m->rtm_family != AF_INET6))
		return -EBADMSG;
	memset(&ra, 0, sizeof(ra));
	if (mnl_attr_parse(nlh, sizeof(*m), route_attr, &ra) < 0)
		return -EBADMSG;
	memset(rt, 0, sizeof(*rt));
	rt->dst.family = m->rtm_family;
	rt->plen = m->rtm_dst_len;
	rt->table = m->rtm_table;
	if (ra.tb[RTA_TABLE] && mnl_attr_get_payload_len(ra.tb[RTA_TABLE]) == 4)
		rt->table = mnl_attr_get_u32(ra.tb[RTA_TABLE]);
	if (ra.tb[RTA_DST])
		get_addr(ra.tb[RTA_DST], m->rtm_family, &rt->dst);
	if (ra.tb[RTA_GATEWAY])
		get_addr(ra.tb[RTA_GATEWAY], m->rtm_family, &rt->gateway);
	if (ra.tb[RTA_PREFSRC])
		get_addr(ra.tb[RTA_PREFSRC], m->rtm_family, &rt->src);
	if (ra.tb[RTA_OIF] && mnl_attr_get_payload_len(ra.tb[RTA_OIF]) == 4)
		rt->oif = (int)mnl_attr_get_u32(ra.tb[RTA_OIF]);
	if (protocol)
		*protocol = m->rtm_protocol;
	return 0;
}

static int get_reply(const struct nlmsghdr *nlh, void *arg)
{
	struct kif_route *rt = arg;

	return parse_route(nlh, rt, NULL);
}

int kif_route_get(struct kif_rt *r, const struct kif_addr *dst, const struct kif_addr *src,
		  struct kif_route_info *out)
{
	char b[REQ_BUF] __attribute__((aligned(8))) = { 0 }, d[64];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(b);
	struct rtmsg *m;
	struct kif_route rt;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&rt, 0, sizeof(rt));
	nlh->nlmsg_type = RTM_GETROUTE;
	m = mnl_nlmsg_put_extra_header(nlh, sizeof(*m));
	m->rtm_family = dst->family;
	m->rtm_dst_len = (unsigned char)(alen(dst->family) * 8);
	put_addr(nlh, RTA_DST, dst);
	if (src && src->family == dst->family) {
		m->rtm_src_len = (unsigned char)(alen(src->family) * 8);
		put_addr(nlh, RTA_SRC, src);
	}
	rc = talk(r, nlh, get_reply, &rt);
	if (rc) {
		seterr(r, "route get %s: %s", astr(dst, d, sizeof(d)), strerror(-rc));
		return rc;
	}
	out->oif = rt.oif;
	out->gateway = rt.gateway;
	out->prefsrc = rt.src;
	return 0;
}

/* ---- routes ---- */

static void build_route(struct nlmsghdr *nlh, const struct kif_route *rt)
{
	struct rtmsg *m = mnl_nlmsg_put_extra_header(nlh, sizeof(*m));

	m->rtm_family = rt->dst.family;
	m->rtm_dst_len = rt->plen;
	m->rtm_table = rt->table < 256 ? (unsigned char)rt->table : RT_TABLE_UNSPEC;
	/* the owner tag: a delete with it only ever removes conduit's */
	m->rtm_protocol = KIF_RTPROT;
	m->rtm_scope = RT_SCOPE_UNIVERSE;
	m->rtm_type = RTN_UNICAST;
	mnl_attr_put_u32(nlh, RTA_TABLE, rt->table);
	put_addr(nlh, RTA_DST, &rt->dst);
	if (rt->gateway.family)
		put_addr(nlh, RTA_GATEWAY, &rt->gateway);
	if (rt->src.family)
		put_addr(nlh, RTA_PREFSRC, &rt->src);
	if (rt->oif)
		mnl_attr_put_u32(nlh, RTA_OIF, (uint32_t)rt->oif);
}

static void describe(const struct kif_route *rt, char *buf, size_t len)
{
	char d[64], g[64], s[64], dev[IF_NAMESIZE] = "?";

	if (rt->oif)
		if_indextoname((unsigned int)rt->oif, dev);
	snprintf(buf, len, "%s/%u%s%s dev %s%s%s table %u", astr(&rt->dst, d, sizeof(d)), rt->plen,
		 rt->gateway.family ? " via " : "",
		 rt->gateway.family ? astr(&rt->gateway, g, sizeof(g)) : "", dev,
		 rt->src.family ? " src " : "", rt->src.family ? astr(&rt->src, s, sizeof(s)) : "",
		 rt->table);
}

int kif_route_add(struct kif_rt *r, const struct kif_route *rt)
{
	char b[REQ_BUF] __attribute__((aligned(8))) = { 0 }, what[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(b);
	int rc;

	nlh->nlmsg_type = RTM_NEWROUTE;
	/* NLM_F_EXCL: an operator's route of the same key stays, and ours
	 * is not added over it */
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	build_route(nlh, rt);
	rc = talk(r, nlh, NULL, NULL);
	if (rc) {
		describe(rt, what, sizeof(what));
		seterr(r, "add route %s: %s", what, strerror(-rc));
	}
	return rc;
}

int kif_route_del(struct kif_rt *r, const struct kif_route *rt)
{
	char b[REQ_BUF] __attribute__((aligned(8))) = { 0 }, what[256];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(b);
	int rc;

	nlh->nlmsg_type = RTM_DELROUTE;
	build_route(nlh, rt);
	rc = talk(r, nlh, NULL, NULL);
	if (rc == -ESRCH || rc == -ENOENT)
		return 0;
	if (rc) {
		describe(rt, what, sizeof(what));
		seterr(r, "delete route %s: %s", what, strerror(-rc));
	}
	return rc;
}

/* ---- rules ---- */

static void build_rule(struct nlmsghdr *nlh, uint8_t family, uint32_t table, uint32_t prio)
{
	struct fib_rule_hdr *h = mnl_nlmsg_put_extra_header(nlh, sizeof(*h));

	h->family = family;
	h->table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	h->action = FR_ACT_TO_TBL;
	mnl_attr_put_u32(nlh, FRA_TABLE, table);
	mnl_attr_put_u32(nlh, FRA_PRIORITY, prio);
	mnl_attr_put_u8(nlh, FRA_PROTOCOL, KIF_RTPROT);
}

int kif_rule_add(struct kif_rt *r, uint8_t family, uint32_t table, uint32_t prio)
{
	char b[REQ_BUF] __attribute__((aligned(8))) = { 0 }; /* attribute padding too */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(b);
	int rc;

	nlh->nlmsg_type = RTM_NEWRULE;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	build_rule(nlh, family, table, prio);
	rc = talk(r, nlh, NULL, NULL);
	if (rc)
		seterr(r, "add rule %s pref %u lookup %u: %s", family == AF_INET6 ? "IPv6" : "IPv4",
		       prio, table, strerror(-rc));
	return rc;
}

int kif_rule_del(struct kif_rt *r, uint8_t family, uint32_t table, uint32_t prio)
{
	char b[REQ_BUF] __attribute__((aligned(8))) = { 0 }; /* attribute padding too */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(b);
	int rc;

	nlh->nlmsg_type = RTM_DELRULE;
	build_rule(nlh, family, table, prio);
	rc = talk(r, nlh, NULL, NULL);
	if (rc == -ENOENT || rc == -ESRCH)
		return 0;
	if (rc)
		seterr(r, "delete rule %s pref %u lookup %u: %s",
		       family == AF_INET6 ? "IPv6" : "IPv4", prio, table, strerror(-rc));
	return rc;
}

/* ---- dumps ---- */

#define MAX_FOUND 4096

struct found_route {
	struct kif_route rt;
	uint8_t protocol;
};

struct route_dump {
	uint32_t table; /* 0: any */
	size_t n;
	struct found_route *v;
};

static int dump_route(const struct nlmsghdr *nlh, void *arg)
{
	struct route_dump *d = arg;
	struct found_route f;

	if (parse_route(nlh, &f.rt, &f.protocol))
		return 0;
	if ((d->table && f.rt.table != d->table) || d->n >= MAX_FOUND)
		return 0;
	d->v[d->n++] = f;
	return 0;
}

static int dump_routes(struct kif_rt *r, uint8_t family, struct route_dump *d)
{
	char b[REQ_BUF] __attribute__((aligned(8))) = { 0 }; /* attribute padding too */
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(b);
	struct rtmsg *m;

	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_DUMP;
	m = mnl_nlmsg_put_extra_header(nlh, sizeof(*m));
	m->rtm_family = family;
	return talk(r, nlh, dump_route, d);
}

int kif_route_list(struct kif_rt *r, uint8_t family, uint32_t table,
		   void (*fn)(void *arg, const struct kif_route *rt, uint8_t protocol), void *arg)
{
	struct route_dump d = { table, 0, calloc(MAX_FOUND, sizeof(struct found_route)) };
	int rc;

	if (!d.v)
		return -ENOMEM;
	rc = dump_routes(r, family, &d);
	for (size_t i = 0; !rc && i < d.n; i++)
		fn(arg, &d.v[i].rt, d.v[i].protocol);
	free(d.v);
	return rc;
}

struct rule_dump {
	size_t n;
	struct {
		uint8_t family;
		uint32_t table, prio;
	} v[256];
};

static int dump_rule(const struct nlmsghdr *nlh, void *arg)
{
	const struct fib_rule_hdr *h = mnl_nlmsg_get_payload(nlh);
	struct rule_dump *d = arg;
	const struct nlattr *a;
	uint32_t table, prio = 0;
	int proto = -1;

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*h))
		return 0;
	table = h->table;
	mnl_attr_for_each(a, nlh, sizeof(*h))
	{
		uint16_t t = mnl_attr_get_type(a);

		if (t == FRA_TABLE && mnl_attr_get_payload_len(a) == 4)
			table = mnl_attr_get_u32(a);
		else if (t == FRA_PRIORITY && mnl_attr_get_payload_len(a) == 4)
			prio = mnl_attr_get_u32(a);
		else if (t == FRA_PROTOCOL && mnl_attr_get_payload_len(a) >= 1)
			proto = mnl_attr_get_u8(a);
	}
	if (proto != KIF_RTPROT || d->n >= sizeof(d->v) / sizeof(d->v[0]))
		return 0;
	d->v[d->n].family = h->family;
	d->v[d->n].table = table;
	d->v[d->n].prio = prio;
	d->n++;
	return 0;
}

int kif_rt_flush(struct kif_rt *r, unsigned int *n_routes, unsigned int *n_rules)
{
	static const uint8_t families[] = { AF_INET, AF_INET6 };
	unsigned int nr = 0, nu = 0;
	int rc = 0;

	for (size_t f = 0; f < 2; f++) {
		struct route_dump d = { 0, 0, calloc(MAX_FOUND, sizeof(struct found_route)) };
		struct rule_dump *rd = calloc(1, sizeof(*rd));
		char b[REQ_BUF] __attribute__((aligned(8))) = { 0 }; /* attribute padding too */
		struct nlmsghdr *nlh;
		struct fib_rule_hdr *h;
		int x;

		if (!d.v || !rd) {
			free(d.v);
			free(rd);
			return -ENOMEM;
		}
		x = dump_routes(r, families[f], &d);
		for (size_t i = 0; !x && i < d.n; i++) {
			if (d.v[i].protocol != KIF_RTPROT)
				continue;
			if (!kif_route_del(r, &d.v[i].rt))
				nr++;
		}
		nlh = mnl_nlmsg_put_header(b);
		nlh->nlmsg_type = RTM_GETRULE;
		nlh->nlmsg_flags = NLM_F_DUMP;
		h = mnl_nlmsg_put_extra_header(nlh, sizeof(*h));
		h->family = families[f];
		if (!x)
			x = talk(r, nlh, dump_rule, rd);
		for (size_t i = 0; !x && i < rd->n; i++)
			if (!kif_rule_del(r, rd->v[i].family, rd->v[i].table, rd->v[i].prio))
				nu++;
		free(d.v);
		free(rd);
		/* a kernel without IPv6 has nothing of it to flush */
		if (x && !(families[f] == AF_INET6 && x == -EAFNOSUPPORT)) {
			seterr(r, "flush routes and rules: %s", strerror(-x));
			rc = rc ? rc : x;
		}
	}
	if (n_routes)
		*n_routes = nr;
	if (n_rules)
		*n_rules = nu;
	return rc;
}
