// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/policy.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/ts.h"

#define MAX_PREFIXES 256 /* a range splits into at most 2 * 128 prefixes */
#define MAX_PORT_MASKS 30

static void to_kaddr(struct kif_addr *k, const struct ike_addr *a)
{
	memset(k, 0, sizeof(*k));
	k->family = a->family;
	memcpy(k->ip, a->ip, 16);
}

int dpolicy_foreach(enum ike_mode mode, const struct ike_ts *lt, const struct ike_ts *rt,
		    const struct ike_addr *local, const struct ike_addr *remote, uint32_t reqid,
		    int (*fn)(void *arg, struct kif_policy *p), void *arg, char *err, size_t errlen)
{
	struct ike_port_mask lpm[MAX_PORT_MASKS], rpm[MAX_PORT_MASKS];
	struct ike_prefix *lp, *rp;
	size_t nl, nr, nlpm = 1, nrpm = 1;
	int ndir = mode == IKE_MODE_TUNNEL ? 3 : 2;
	uint8_t proto;
	int rc = 0;

	if (lt->ip_proto && rt->ip_proto && lt->ip_proto != rt->ip_proto)
		return 0;
	proto = lt->ip_proto ? lt->ip_proto : rt->ip_proto;
	lp = calloc(MAX_PREFIXES, sizeof(*lp));
	rp = calloc(MAX_PREFIXES, sizeof(*rp));
	if (!lp || !rp) {
		snprintf(err, errlen, "out of memory");
		rc = -ENOMEM;
		goto out;
	}
	if (ike_ts_to_prefixes(lt, lp, MAX_PREFIXES, &nl) ||
	    ike_ts_to_prefixes(rt, rp, MAX_PREFIXES, &nr)) {
		snprintf(err, errlen, "a traffic selector has no XFRM form");
		rc = -EINVAL;
		goto out;
	}
	memset(lpm, 0, sizeof(lpm));
	memset(rpm, 0, sizeof(rpm));
	if (proto != IPPROTO_ICMP && proto != IPPROTO_ICMPV6) {
		if (ike_ts_port_masks(lt->start_port, lt->end_port, lpm, MAX_PORT_MASKS, &nlpm))
			nlpm = 1, lpm[0].port = lpm[0].mask = 0;
		if (ike_ts_port_masks(rt->start_port, rt->end_port, rpm, MAX_PORT_MASKS, &nrpm))
			nrpm = 1, rpm[0].port = rpm[0].mask = 0;
	}
	for (size_t a = 0; a < nl && !rc; a++)
		for (size_t b = 0; b < nr && !rc; b++) {
			if (lp[a].family != rp[b].family)
				continue;
			for (size_t x = 0; x < nlpm && !rc; x++)
				for (size_t y = 0; y < nrpm && !rc; y++)
					for (int dir = 0; dir < ndir && !rc; dir++) {
						bool out = dir == 0;
						const struct ike_prefix *s = out ? &lp[a] : &rp[b];
						const struct ike_prefix *d = out ? &rp[b] : &lp[a];
						const struct ike_port_mask *sp =
						    out ? &lpm[x] : &rpm[y];
						const struct ike_port_mask *dp =
						    out ? &rpm[y] : &lpm[x];
						struct kif_policy p;

						memset(&p, 0, sizeof(p));
						p.dir = out	   ? KIF_DIR_OUT
							: dir == 1 ? KIF_DIR_IN
								   : KIF_DIR_FWD;
						p.sel.src.family = p.sel.dst.family = s->family;
						memcpy(p.sel.src.ip, s->addr, 16);
						memcpy(p.sel.dst.ip, d->addr, 16);
						p.sel.src_plen = s->len;
						p.sel.dst_plen = d->len;
						p.sel.proto = proto;
						p.sel.sport = sp->port;
						p.sel.sport_mask = sp->mask;
						p.sel.dport = dp->port;
						p.sel.dport_mask = dp->mask;
						p.n_tmpl = 1;
						p.tmpl[0].proto = IPPROTO_ESP;
						p.tmpl[0].reqid = reqid;
						p.tmpl[0].mode = mode == IKE_MODE_TRANSPORT
								     ? KIF_MODE_TRANSPORT
								     : KIF_MODE_TUNNEL;
						if (mode == IKE_MODE_TUNNEL) {
							to_kaddr(&p.tmpl[0].src,
								 out ? local : remote);
							to_kaddr(&p.tmpl[0].dst,
								 out ? remote : local);
						}
						rc = fn(arg, &p);
					}
		}
out:
	free(lp);
	free(rp);
	return rc;
}
