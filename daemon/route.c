// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"

#include "daemon/route.h"

#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <uthash.h>

#include "daemon/log.h"

static size_t alen(uint8_t type)
{
	return type == IKE_TS_IPV6_ADDR_RANGE ? 16 : 4;
}

static uint8_t family_of(uint8_t type)
{
	return type == IKE_TS_IPV6_ADDR_RANGE ? AF_INET6 : AF_INET;
}

static bool in_range(const uint8_t *ip, const uint8_t *from, const uint8_t *to, size_t n)
{
	return memcmp(ip, from, n) >= 0 && memcmp(ip, to, n) <= 0;
}

bool droute_owned_ifaddrs(void *arg, uint8_t family, const uint8_t *from, const uint8_t *to,
			  struct kif_addr *out)
{
	struct ifaddrs *ifa, *i;
	bool found = false;

	(void)arg;
	if (getifaddrs(&ifa))
		return false;
	for (i = ifa; i && !found; i = i->ifa_next) {
		const uint8_t *ip;

		if (!i->ifa_addr || i->ifa_addr->sa_family != family)
			continue;
		ip = family == AF_INET
			 ? (const uint8_t *)&((const struct sockaddr_in *)i->ifa_addr)->sin_addr
			 : (const uint8_t *)&((const struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
		if (!in_range(ip, from, to, family == AF_INET ? 4 : 16))
			continue;
		memset(out, 0, sizeof(*out));
		out->family = family;
		memcpy(out->ip, ip, family == AF_INET ? 4 : 16);
		found = true;
	}
	freeifaddrs(ifa);
	return found;
}

static bool any_port(const struct ike_ts *ts)
{
	return !ts->ip_proto && ts->start_port == 0 && ts->end_port == 65535;
}

/* traffic_selector.c to_subnet(), as updown's PLUTO_PEER_CLIENT: the
 * prefix from and to share (the next larger subnet of a range). */
static void subnet(const struct ike_ts *ts, struct kif_addr *net, uint8_t *plen)
{
	size_t n = alen(ts->type), bits = 0;

	while (bits < n * 8) {
		uint8_t m = (uint8_t)(0x80 >> (bits % 8));

		if ((ts->start_addr[bits / 8] & m) != (ts->end_addr[bits / 8] & m))
			break;
		bits++;
	}
	memset(net, 0, sizeof(*net));
	net->family = family_of(ts->type);
	for (size_t i = 0; i < n; i++) {
		size_t keep = bits > i * 8 ? bits - i * 8 : 0;

		net->ip[i] = ts->start_addr[i] & (keep >= 8 ? 0xff : (uint8_t)(0xff00 >> keep));
	}
	*plen = (uint8_t)bits;
}

size_t droute_plan(const struct ike_child_install *ci, const struct dkern_marks *marks,
		   droute_owned_fn *owned, void *arg, struct droute_want *out, const char **why)
{
	const char *reason = "no selector pair";
	size_t n = 0;

	if (ci->mode != IKE_MODE_TUNNEL) {
		reason = "transport mode";
		goto none;
	}
	if (marks && (marks->mark_out || marks->mark_out_mask || marks->if_id_out)) {
		reason = "an outbound mark or interface ID: the operator routes into the device";
		goto none;
	}
	for (size_t i = 0; i < ci->n_local_ts && i < IKE_MAX_TS; i++)
		for (size_t j = 0; j < ci->n_remote_ts && j < IKE_MAX_TS; j++) {
			const struct ike_ts *l = &ci->local_ts[i], *r = &ci->remote_ts[j];
			struct kif_addr src, own;
			struct droute_want *w = &out[n];
			bool dup = false;

			if (l->type != r->type)
				continue;
			if (!any_port(l) || !any_port(r)) {
				reason = "a protocol or ports in the selectors";
				continue;
			}
			if (!owned(arg, family_of(l->type), l->start_addr, l->end_addr, &src)) {
				reason = "no address of this gateway in the local selector";
				continue;
			}
			if (owned(arg, family_of(r->type), r->start_addr, r->end_addr, &own)) {
				reason = "the remote selector holds an address of this gateway";
				continue;
			}
			subnet(r, &w->dst, &w->plen);
			w->src = src;
			for (size_t k = 0; k < n && !dup; k++)
				dup = !memcmp(&out[k].dst, &w->dst, sizeof(w->dst)) &&
				      out[k].plen == w->plen;
			if (!dup)
				n++;
		}
	if (n)
		return n;
none:
	if (why)
		*why = reason;
	return 0;
}

/* The routes of one kernel reqid. */
struct rreqid {
	uint32_t kreqid;
	UT_hash_handle hh;
	unsigned int n_children;
	size_t n;
	struct kif_route routes[]; /* the ones added (and to remove) */
};

struct rchild {
	uint32_t child_id, kreqid;
	UT_hash_handle hh;
};

struct droute {
	struct kif_rt *rt;
	uint32_t table, prio;
	unsigned int n_family[2]; /* routes of IPv4, IPv6: the rule goes with the last */
	struct rreqid *reqids;
	struct rchild *children;
};

struct droute *droute_new(struct kif_rt *rt, uint32_t table, uint32_t prio)
{
	struct droute *d = calloc(1, sizeof(*d));

	if (d) {
		d->rt = rt;
		d->table = table;
		d->prio = prio;
	}
	return d;
}

static unsigned int *family_count(struct droute *d, uint8_t family)
{
	return &d->n_family[family == AF_INET6];
}

static void route_gone(struct droute *d, const struct kif_route *rt)
{
	unsigned int *c = family_count(d, rt->dst.family);

	if (kif_route_del(d->rt, rt))
		log_msg(LOG_LEVEL_WARN, "%s", kif_rt_error(d->rt));
	if (*c && !--*c && kif_rule_del(d->rt, rt->dst.family, d->table, d->prio))
		log_msg(LOG_LEVEL_WARN, "%s", kif_rt_error(d->rt));
}

static void reqid_free(struct droute *d, struct rreqid *r)
{
	for (size_t i = r->n; i-- > 0;)
		route_gone(d, &r->routes[i]);
	HASH_DEL(d->reqids, r);
	free(r);
}

void droute_free(struct droute *d)
{
	struct rreqid *r, *rt;
	struct rchild *c, *ct;

	if (!d)
		return;
	HASH_ITER (hh, d->reqids, r, rt)
		reqid_free(d, r);
	HASH_ITER (hh, d->children, c, ct) {
		HASH_DEL(d->children, c);
		free(c);
	}
	free(d);
}

static void add_routes(struct droute *d, struct rreqid *r, const struct ike_child_install *ci,
		       const struct droute_want *want, size_t n)
{
	struct kif_addr me, peer;
	struct kif_route_info ri;
	char dst[64];

	memset(&me, 0, sizeof(me));
	memset(&peer, 0, sizeof(peer));
	me.family = ci->out.src.family;
	memcpy(me.ip, ci->out.src.ip, 16);
	peer.family = ci->out.dst.family;
	memcpy(peer.ip, ci->out.dst.ip, 16);
	if (kif_route_get(d->rt, &peer, &me, &ri)) {
		log_child(LOG_LEVEL_WARN, ci->conn_name, ci->ike_sa_id, ci->child_name,
			  ci->child_id, "no routes into the tunnel: %s", kif_rt_error(d->rt));
		return;
	}
	for (size_t i = 0; i < n; i++) {
		struct kif_route *rt = &r->routes[r->n];
		unsigned int *c = family_count(d, want[i].dst.family);

		memset(rt, 0, sizeof(*rt));
		rt->dst = want[i].dst;
		rt->plen = want[i].plen;
		rt->src = want[i].src;
		rt->oif = ri.oif;
		rt->table = d->table;
		/* a next hop of the outer family only: IPv6 in an IPv4 tunnel
		 * goes through the interface alone */
		if (want[i].dst.family == peer.family)
			rt->gateway = ri.gateway.family ? ri.gateway : peer;
		if (!*c) {
			int x = kif_rule_add(d->rt, want[i].dst.family, d->table, d->prio);

			if (x && x != -EEXIST) {
				log_msg(LOG_LEVEL_WARN, "%s", kif_rt_error(d->rt));
				continue;
			}
		}
		if (kif_route_add(d->rt, rt)) {
			/* another tunnel's (or the operator's) route of this
			 * prefix is there: it stays theirs */
			log_child(LOG_LEVEL_WARN, ci->conn_name, ci->ike_sa_id, ci->child_name,
				  ci->child_id, "%s", kif_rt_error(d->rt));
			if (!*c && kif_rule_del(d->rt, want[i].dst.family, d->table, d->prio))
				log_msg(LOG_LEVEL_WARN, "%s", kif_rt_error(d->rt));
			continue;
		}
		++*c;
		r->n++;
		log_child(LOG_LEVEL_INFO, ci->conn_name, ci->ike_sa_id, ci->child_name,
			  ci->child_id, "route %s/%u into the tunnel (table %u)",
			  kif_addr_str(&rt->dst, dst, sizeof(dst)), rt->plen, d->table);
	}
}

void droute_child_installed(struct droute *d, const struct ike_child_install *ci, uint32_t kreqid,
			    const struct dkern_marks *marks)
{
	struct droute_want want[DROUTE_MAX_WANT];
	const char *why = "";
	struct rreqid *r;
	struct rchild *c;
	size_t n;

	if (!d || !d->rt || ci->update || ci->out_only)
		return;
	HASH_FIND(hh, d->children, &ci->child_id, sizeof(ci->child_id), c);
	if (c)
		return;
	c = calloc(1, sizeof(*c));
	if (!c)
		return;
	c->child_id = ci->child_id;
	c->kreqid = kreqid;
	HASH_FIND(hh, d->reqids, &kreqid, sizeof(kreqid), r);
	if (r) {
		/* a rekeyed child's successor: the routes are there */
		r->n_children++;
		HASH_ADD(hh, d->children, child_id, sizeof(c->child_id), c);
		return;
	}
	n = droute_plan(ci, marks, droute_owned_ifaddrs, NULL, want, &why);
	r = calloc(1, sizeof(*r) + n * sizeof(r->routes[0]));
	if (!r) {
		free(c);
		return;
	}
	r->kreqid = kreqid;
	r->n_children = 1;
	HASH_ADD(hh, d->reqids, kreqid, sizeof(r->kreqid), r);
	HASH_ADD(hh, d->children, child_id, sizeof(c->child_id), c);
	if (!n) {
		log_child(LOG_LEVEL_DEBUG, ci->conn_name, ci->ike_sa_id, ci->child_name,
			  ci->child_id, "no route into the tunnel: %s", why);
		return;
	}
	add_routes(d, r, ci, want, n);
}

void droute_child_deleted(struct droute *d, uint32_t child_id)
{
	struct rchild *c;
	struct rreqid *r;

	if (!d)
		return;
	HASH_FIND(hh, d->children, &child_id, sizeof(child_id), c);
	if (!c)
		return;
	HASH_FIND(hh, d->reqids, &c->kreqid, sizeof(c->kreqid), r);
	HASH_DEL(d->children, c);
	free(c);
	if (r && !--r->n_children)
		reqid_free(d, r);
}
