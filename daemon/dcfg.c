/* SPDX-License-Identifier: GPL-2.0-or-later */
/* conf/'s model to the engine's configuration: identities, addresses
 * (names resolved), proposals and selectors checked, children, every
 * error of a connection at its key's file:line; the PSK choice is in
 * dcfg_psk.c, public key authentication in dcfg_auth.c. */
#include "config.h"

#include "daemon/dcfg.h"
#include "daemon/dcfg_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/cert.h"
#include "ike/der.h"
#include "ike/id.h"
#include "ike/proposal.h"
#include "ike/ts.h"

int dcfg_add_err(struct dcfg_conn *out, int rc, const char *fmt, ...)
{
	char **l = realloc(out->errors, (out->n_errors + 1) * sizeof(*l));
	va_list ap;
	char *msg;
	int r;

	if (!out->first_rc)
		out->first_rc = rc;
	if (!l)
		return rc;
	out->errors = l;
	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r >= 0)
		out->errors[out->n_errors++] = msg;
	return rc;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int dcfg_id_parse(const char *text, struct ike_id *id, char *err, size_t errlen)
{
	size_t len = text ? strlen(text) : 0;

	memset(id, 0, sizeof(*id));
	if (!len) {
		snprintf(err, errlen, "empty identity");
		return -EINVAL;
	}
	if (inet_pton(AF_INET, text, id->data) == 1) {
		id->type = IKE_ID_IPV4_ADDR;
		id->len = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, text, id->data) == 1) {
		id->type = IKE_ID_IPV6_ADDR;
		id->len = 16;
		return 0;
	}
	if (text[0] == '@' && text[1] == '#') {
		const char *h = text + 2;
		size_t n = strlen(h);

		if (!n || n % 2 || n / 2 > sizeof(id->data)) {
			snprintf(err, errlen,
				 "identity \"%s\": a key id needs an even number of hex digits (1 "
				 "to %d octets)",
				 text, IKE_ID_MAX_LEN);
			return -EINVAL;
		}
		for (size_t i = 0; i < n / 2; i++) {
			int hi = hexval(h[2 * i]), lo = hexval(h[2 * i + 1]);

			if (hi < 0 || lo < 0) {
				snprintf(err, errlen,
					 "identity \"%s\": not a hex digit in the key id", text);
				memset(id, 0, sizeof(*id));
				return -EINVAL;
			}
			id->data[i] = (uint8_t)(hi << 4 | lo);
		}
		id->type = IKE_ID_KEY_ID;
		id->len = (uint16_t)(n / 2);
		return 0;
	}
	/* strongSwan reads a string with '=' as a Distinguished Name */
	if (strchr(text, '=')) {
		size_t n;
		int rc = ike_dn_from_text(text, id->data, sizeof(id->data), &n, err, errlen);

		if (rc) {
			memset(id, 0, sizeof(*id));
			return rc;
		}
		id->type = IKE_ID_DER_ASN1_DN;
		id->len = (uint16_t)n;
		return 0;
	}
	if (text[0] == '@') {
		text++;
		len--;
		id->type = IKE_ID_FQDN;
	} else if (strchr(text, '@')) {
		id->type = IKE_ID_RFC822_ADDR;
	} else {
		id->type = IKE_ID_FQDN;
	}
	if (!len || len > sizeof(id->data)) {
		snprintf(err, errlen, "identity \"%s\": must be 1 to %zu characters", text,
			 sizeof(id->data));
		memset(id, 0, sizeof(*id));
		return -EINVAL;
	}
	memcpy(id->data, text, len);
	id->len = (uint16_t)len;
	return 0;
}

bool dcfg_id_equal(const struct ike_id *a, const struct ike_id *b)
{
	return a->type == b->type && ike_id_matches(a, b) == IKE_ID_MATCH_PERFECT &&
	       ike_id_matches(b, a) == IKE_ID_MATCH_PERFECT;
}

static bool parse_ip(const char *s, size_t len, uint8_t *family, uint8_t ip[16])
{
	char buf[INET6_ADDRSTRLEN + 1];

	if (!len || len >= sizeof(buf))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(ip, 0, 16);
	if (inet_pton(AF_INET, buf, ip) == 1) {
		*family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, buf, ip) == 1) {
		*family = AF_INET6;
		return true;
	}
	return false;
}

static size_t ip_len(uint8_t family)
{
	return family == AF_INET ? 4 : 16;
}

/* Every address of a family. */
static void whole_family(struct ike_addr_range *r, uint8_t family)
{
	memset(r, 0, sizeof(*r));
	r->family = family;
	memset(r->to, 0xff, ip_len(family));
}

/* RFC 1123 host names, and '_' (conf/ accepts what it accepts). */
static bool is_dns_name(const char *s)
{
	size_t label = 0, len = strlen(s);
	bool alpha = false;

	if (!len || len > 253)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p == '.') {
			if (!label)
				return false;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return false;
		alpha = alpha || isalpha((unsigned char)*p);
		if (++label > 63)
			return false;
	}
	return alpha;
}

int dcfg_addr_parse(const char *text, struct dcfg_addr *a, char *err, size_t errlen)
{
	struct ike_addr_range *r = &a->range;
	const char *slash = strchr(text, '/'), *dash = strchr(text, '-');
	uint8_t fam2;

	memset(a, 0, sizeof(*a));
	if (!strcmp(text, "%any")) {
		a->kind = DCFG_ADDR_ANY;
		return 0;
	}
	/* host.c: %any4 and 0.0.0.0, %any6 and :: are the same */
	if (!strcmp(text, "%any4") || !strcmp(text, "0.0.0.0")) {
		a->kind = DCFG_ADDR_RANGE;
		whole_family(r, AF_INET);
		return 0;
	}
	if (!strcmp(text, "%any6") || !strcmp(text, "::")) {
		a->kind = DCFG_ADDR_RANGE;
		whole_family(r, AF_INET6);
		return 0;
	}
	if (parse_ip(text, strlen(text), &r->family, r->from)) {
		a->kind = DCFG_ADDR_HOST;
		memcpy(r->to, r->from, sizeof(r->to));
		return 0;
	}
	if (slash && parse_ip(text, (size_t)(slash - text), &r->family, r->from)) {
		size_t bits = ip_len(r->family) * 8;
		unsigned long prefix;
		char *end;

		errno = 0;
		prefix = strtoul(slash + 1, &end, 10);
		if (!isdigit((unsigned char)slash[1]) || *end || errno || prefix > bits) {
			snprintf(err, errlen, "\"%s\": the prefix length must be 0 to %zu", text,
				 bits);
			return -EINVAL;
		}
		a->kind = DCFG_ADDR_RANGE;
		for (size_t i = 0; i < ip_len(r->family); i++) {
			size_t keep = prefix > i * 8 ? prefix - i * 8 : 0;
			uint8_t mask = keep >= 8 ? 0xff : (uint8_t)(0xff00 >> keep);

			r->from[i] &= mask;
			r->to[i] = r->from[i] | (uint8_t)~mask;
		}
		return 0;
	}
	if (dash && parse_ip(text, (size_t)(dash - text), &r->family, r->from)) {
		if (!parse_ip(dash + 1, strlen(dash + 1), &fam2, r->to) || fam2 != r->family) {
			snprintf(err, errlen, "\"%s\": a range is two addresses of one family",
				 text);
			return -EINVAL;
		}
		if (memcmp(r->from, r->to, ip_len(r->family)) > 0) {
			snprintf(err, errlen, "\"%s\": the range's first address is after its last",
				 text);
			return -EINVAL;
		}
		a->kind = DCFG_ADDR_RANGE;
		return 0;
	}
	if (!slash && is_dns_name(text)) {
		a->kind = DCFG_ADDR_NAME;
		return 0;
	}
	snprintf(err, errlen, "\"%s\" is not an IP address, subnet, range, DNS name or %%any",
		 text);
	return -EINVAL;
}

static int gai_resolve(void *ctx, const char *name, struct ike_addr *v4, struct ike_addr *v6,
		       char *err, size_t errlen)
{
	struct addrinfo hints, *res, *ai;
	int rc;

	(void)ctx;
	memset(v4, 0, sizeof(*v4));
	memset(v6, 0, sizeof(*v6));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	rc = getaddrinfo(name, NULL, &hints, &res);
	if (rc) {
		snprintf(err, errlen, "%s", rc == EAI_SYSTEM ? strerror(errno) : gai_strerror(rc));
		return rc == EAI_AGAIN ? -EAGAIN : rc == EAI_MEMORY ? -ENOMEM : -ENOENT;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET && !v4->family) {
			v4->family = AF_INET;
			memcpy(v4->ip, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
		} else if (ai->ai_family == AF_INET6 && !v6->family) {
			v6->family = AF_INET6;
			memcpy(v6->ip, &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
		}
	}
	freeaddrinfo(res);
	if (!v4->family && !v6->family) {
		snprintf(err, errlen, "no IPv4 or IPv6 address");
		return -ENOENT;
	}
	return 0;
}

const struct dcfg_resolver dcfg_dns = { gai_resolve, NULL };

static bool addr_equal(const struct ike_addr *a, const struct ike_addr *b)
{
	return a->family == b->family && a->port == b->port && !memcmp(a->ip, b->ip, sizeof(a->ip));
}

bool dcfg_addrs_equal(const struct dcfg_conn *a, const struct dcfg_conn *b)
{
	const struct ike_conn_cfg *x = &a->cfg, *y = &b->cfg;

	return addr_equal(&x->local, &y->local) && addr_equal(&x->remote, &y->remote) &&
	       x->n_local_addrs == y->n_local_addrs && x->n_remote_addrs == y->n_remote_addrs &&
	       (!x->n_local_addrs || !memcmp(x->local_addrs, y->local_addrs,
					     x->n_local_addrs * sizeof(*x->local_addrs))) &&
	       (!x->n_remote_addrs || !memcmp(x->remote_addrs, y->remote_addrs,
					      x->n_remote_addrs * sizeof(*x->remote_addrs)));
}

uint8_t dcfg_action(enum conf_action a)
{
	switch (a) {
	case CONF_ACTION_START:
		return IKE_ACTION_RESTART;
	case CONF_ACTION_TRAP:
	case CONF_ACTION_TRAP_START:
		return IKE_ACTION_TRAP;
	case CONF_ACTION_NONE:
		break;
	}
	return IKE_ACTION_NONE;
}

static uint32_t clamp32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* Join a list with ","; NULL on ENOMEM. */
static char *join(const struct conf_list *l)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; i < l->n; i++)
		len += strlen(l->items[i].value) + 1;
	s = calloc(1, len);
	if (!s)
		return NULL;
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			strcat(s, ",");
		strcat(s, l->items[i].value);
	}
	return s;
}

const char *dcfg_locstr(const struct conf_loc *loc, char *buf, size_t len)
{
	if (loc->file && loc->line)
		snprintf(buf, len, "%s:%u: ", loc->file, loc->line);
	else if (loc->file)
		snprintf(buf, len, "%s: ", loc->file);
	else
		buf[0] = '\0';
	return buf;
}

/* An entry of an address list that an initiate can use: an address, or
 * a name's first address of each family. */
struct endpoint {
	struct ike_addr v4, v6;
};

/* The list's ranges (at most 2 * n + 2) and endpoints (at most n). */
struct addr_list {
	struct ike_addr_range *ranges;
	size_t n_ranges;
	struct endpoint *ends;
	size_t n_ends;
	bool unresolved; /* a name of it did not resolve */
};

static void host_range(struct ike_addr_range *r, const struct ike_addr *a)
{
	memset(r, 0, sizeof(*r));
	r->family = a->family;
	memcpy(r->from, a->ip, ip_len(a->family));
	memcpy(r->to, a->ip, ip_len(a->family));
}

static int conv_addrs(const struct conf_list *l, const char *conn, const char *key,
		      const struct dcfg_resolver *res, struct dcfg_conn *out, struct addr_list *al)
{
	char why[DCFG_ERR_LEN], where[300];
	bool any = false;
	int rc, first = 0;

	for (size_t i = 0; i < l->n; i++) {
		const char *text = l->items[i].value;
		struct endpoint *e = &al->ends[al->n_ends];
		struct dcfg_addr a;

		rc = dcfg_addr_parse(text, &a, why, sizeof(why));
		if (rc) {
			/* the next entries may be wrong too: say so in one run */
			dcfg_add_err(out, rc, "%sconnection %s: %s: %s",
				     dcfg_locstr(&l->items[i].loc, where, sizeof(where)), conn, key,
				     why);
			first = first ? first : rc;
			continue;
		}
		switch (a.kind) {
		case DCFG_ADDR_ANY:
			any = true;
			break;
		case DCFG_ADDR_RANGE:
			al->ranges[al->n_ranges++] = a.range;
			break;
		case DCFG_ADDR_HOST:
			al->ranges[al->n_ranges++] = a.range;
			memset(e, 0, sizeof(*e));
			if (a.range.family == AF_INET) {
				e->v4.family = AF_INET;
				memcpy(e->v4.ip, a.range.from, 4);
			} else {
				e->v6.family = AF_INET6;
				memcpy(e->v6.ip, a.range.from, 16);
			}
			al->n_ends++;
			break;
		case DCFG_ADDR_NAME:
			out->has_names = true;
			memset(e, 0, sizeof(*e));
			rc = res ? res->resolve(res->ctx, text, &e->v4, &e->v6, why, sizeof(why))
				 : -ENOENT;
			if (rc) {
				al->unresolved = true;
				out->n_unresolved++;
				if (res && !out->warning[0]) {
					snprintf(out->warning, sizeof(out->warning),
						 "connection %s: %s: %s does not resolve (%s)",
						 conn, key, text, why);
					out->warning_loc = l->items[i].loc;
				}
				break;
			}
			if (e->v4.family)
				host_range(&al->ranges[al->n_ranges++], &e->v4);
			if (e->v6.family)
				host_range(&al->ranges[al->n_ranges++], &e->v6);
			e->v4.port = e->v6.port = 0;
			al->n_ends++;
			break;
		}
	}
	/* ike_cfg.c match(): %any matches whatever the other entries do not */
	if (any && al->n_ranges) {
		whole_family(&al->ranges[al->n_ranges++], AF_INET);
		whole_family(&al->ranges[al->n_ranges++], AF_INET6);
	} else if (!any && !al->n_ranges && l->n) {
		/* Names only, none resolved: no peer is theirs. The engine
		 * takes no empty range, so the one address no datagram comes
		 * from: 0.0.0.0 (which, written, means %any4). */
		struct ike_addr_range *r = &al->ranges[al->n_ranges++];

		memset(r, 0, sizeof(*r));
		r->family = AF_INET;
	}
	return first;
}

/* The first endpoint with an address of family (0: either, IPv4 first);
 * family 0 in *a when there is none. */
static void pick(const struct addr_list *al, uint8_t family, struct ike_addr *a)
{
	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i < al->n_ends; i++) {
		const struct endpoint *e = &al->ends[i];
		const struct ike_addr *x = family == AF_INET6  ? &e->v6
					   : family == AF_INET ? &e->v4
					   : e->v4.family      ? &e->v4
							       : &e->v6;

		if (x->family) {
			*a = *x;
			return;
		}
	}
}

/* local_addrs and remote_addrs: the ranges, and where initiates go from
 * and to (ike_sa.c resolve_hosts(): the remote address in the family of
 * the local one, the local one in the family of the remote one). */
static int conv_endpoints(const struct conf_conn *cc, const struct dcfg_resolver *res,
			  struct dcfg_conn *out)
{
	struct ike_conn_cfg *cfg = &out->cfg;
	struct addr_list l = { 0 }, r = { 0 };
	size_t nl = cc->local_addrs.n, nr = cc->remote_addrs.n;
	struct endpoint *ends;
	struct ike_addr first;
	int rc;

	out->ranges = calloc(2 * (nl + nr) + 4, sizeof(*out->ranges));
	ends = calloc(nl + nr + 1, sizeof(*ends));
	if (!out->ranges || !ends) {
		free(ends);
		return dcfg_add_err(out, -ENOMEM, "connection %s: out of memory", cc->name);
	}
	l.ranges = out->ranges;
	l.ends = ends;
	rc = conv_addrs(&cc->local_addrs, cc->name, "local_addrs", res, out, &l);
	r.ranges = out->ranges + l.n_ranges;
	r.ends = ends + l.n_ends;
	if (conv_addrs(&cc->remote_addrs, cc->name, "remote_addrs", res, out, &r) && !rc)
		rc = -EINVAL;
	if (rc) {
		free(ends);
		return rc;
	}
	cfg->n_local_addrs = l.n_ranges;
	cfg->local_addrs = l.n_ranges ? l.ranges : NULL;
	cfg->n_remote_addrs = r.n_ranges;
	cfg->remote_addrs = r.n_ranges ? r.ranges : NULL;

	pick(&l, 0, &first);
	pick(&r, first.family, &cfg->remote);
	if (!cfg->remote.family)
		pick(&r, 0, &cfg->remote);
	pick(&l, cfg->remote.family, &cfg->local);
	if (cfg->remote.family && l.n_ranges) {
		bool reach = false;
		char where[300], ip[INET6_ADDRSTRLEN];

		for (size_t i = 0; i < l.n_ranges && !reach; i++)
			reach = l.ranges[i].family == cfg->remote.family;
		if (!reach && !out->has_names) {
			/* Our end of the tunnel must be of the peer's family:
			 * say so now rather than fail at the first initiate. */
			dcfg_add_err(out, -EINVAL,
				     "%sconnection %s: local_addrs has no %s address to reach %s",
				     dcfg_locstr(&cc->local_addrs.loc, where, sizeof(where)),
				     cc->name, cfg->remote.family == AF_INET6 ? "IPv6" : "IPv4",
				     inet_ntop(cfg->remote.family, cfg->remote.ip, ip, sizeof(ip)));
			free(ends);
			return -EINVAL;
		}
		if (!reach) {
			/* A name may resolve otherwise later: until then, we
			 * only answer. */
			if (!out->warning[0]) {
				snprintf(
				    out->warning, sizeof(out->warning),
				    "connection %s: local_addrs has no %s address to reach %s; "
				    "responder only",
				    cc->name, cfg->remote.family == AF_INET6 ? "IPv6" : "IPv4",
				    inet_ntop(cfg->remote.family, cfg->remote.ip, ip, sizeof(ip)));
				out->warning_loc = cc->local_addrs.loc;
			}
			memset(&cfg->remote, 0, sizeof(cfg->remote));
		}
	}
	cfg->local.port = cc->local_port;
	cfg->remote.port = cc->remote_port;
	if (r.unresolved && !cfg->remote.family && out->warning[0]) {
		size_t len = strlen(out->warning);

		snprintf(out->warning + len, sizeof(out->warning) - len,
			 "; responder only until it resolves");
	}
	free(ends);
	return 0;
}

/* "connection C: " or "connection C: child H: ", for proposal messages. */
static const char *whose(const char *conn, const char *child, char *buf, size_t len)
{
	if (child)
		snprintf(buf, len, "connection %s: child %s: ", conn, child);
	else
		snprintf(buf, len, "connection %s: ", conn);
	return buf;
}

/* Each item of a proposals list (one proposal, or "default") as the
 * engine will parse it, so the error can name the item's file:line. */
static int check_proposals(const struct conf_list *l, uint8_t protocol, const char *conn,
			   const char *child, struct dcfg_conn *out)
{
	const char *key = protocol == IKE_PROTO_IKE ? "proposals" : "esp_proposals";
	char why[IKE_PROPOSAL_ERR_LEN], where[300], who[300];
	struct ike_proposal p[2];
	int rc = 0;
	size_t n;

	for (size_t i = 0; i < l->n; i++) {
		if (!ike_proposals_parse(l->items[i].value, protocol, p, 2, &n, why, sizeof(why)))
			continue;
		rc = dcfg_add_err(out, -EINVAL, "%s%s%s: %s",
				  dcfg_locstr(&l->items[i].loc, where, sizeof(where)),
				  whose(conn, child, who, sizeof(who)), key, why);
	}
	return rc;
}

/* Each selector of local_ts or remote_ts as the engine will parse it, so
 * that the error names the item's own file:line. */
static int check_ts(const struct conf_list *l, const char *key, const char *conn, const char *child,
		    struct dcfg_conn *out)
{
	char why[IKE_TS_ERR_LEN], where[300], who[300];
	struct ike_ts_conf ts;
	int rc = 0;

	for (size_t i = 0; i < l->n; i++) {
		if (!ike_ts_parse(l->items[i].value, &ts, why, sizeof(why)))
			continue;
		rc = dcfg_add_err(out, -EINVAL, "%s%s%s: %s",
				  dcfg_locstr(&l->items[i].loc, where, sizeof(where)),
				  whose(conn, child, who, sizeof(who)), key, why);
	}
	return rc;
}

static void weak_in(const struct conf_list *l, uint8_t protocol, const char *conn,
		    const char *child, dcfg_warn_fn *warn, void *arg)
{
	const char *key = protocol == IKE_PROTO_IKE ? "proposals" : "esp_proposals";
	char where[300], who[300], msg[DCFG_ERR_LEN + 600];
	struct ike_proposal p[2];
	size_t n;

	for (size_t i = 0; i < l->n; i++) {
		if (ike_proposals_parse(l->items[i].value, protocol, p, 2, &n, NULL, 0))
			continue;
		for (size_t k = 0; k < n; k++)
			for (size_t t = 0; t < p[k].n_transforms; t++) {
				const struct ike_transform *tr = &p[k].transforms[t];
				const struct ike_alg_info *a;

				if (!ike_transform_is_weak(tr))
					continue;
				a = ike_alg_find(tr->type, tr->id, tr->key_len);
				snprintf(msg, sizeof(msg),
					 "%s%s%s: weak algorithm '%s' in proposal '%s' (accepted; "
					 "RFC 8221 and RFC 8247 advise against it)",
					 dcfg_locstr(&l->items[i].loc, where, sizeof(where)),
					 whose(conn, child, who, sizeof(who)), key,
					 ike_alg_keyword(a), l->items[i].value);
				warn(arg, msg);
			}
	}
}

struct warn_count {
	dcfg_warn_fn *warn;
	void *arg;
	unsigned int n;
};

static void count_warning(void *arg, const char *msg)
{
	struct warn_count *c = arg;

	c->n++;
	if (c->warn)
		c->warn(c->arg, msg);
}

unsigned int dcfg_proposal_warnings(const struct conf_conn *cc, dcfg_warn_fn *warn, void *arg)
{
	struct warn_count c = { warn, arg, 0 };
	const struct conf_child *ch;

	weak_in(&cc->proposals, IKE_PROTO_IKE, cc->name, NULL, count_warning, &c);
	TAILQ_FOREACH (ch, &cc->children, entry)
		weak_in(&ch->esp_proposals, IKE_PROTO_ESP, cc->name, ch->name, count_warning, &c);
	return c.n;
}

static int conv_id(const struct conf_auth_round *r, const char *conn, const char *side,
		   struct ike_id *id, struct dcfg_conn *out)
{
	char why[DCFG_ERR_LEN], where[300];
	int rc;

	memset(id, 0, sizeof(*id));
	if (!r->id.value || !strcmp(r->id.value, "%any"))
		return 0;
	rc = dcfg_id_parse(r->id.value, id, why, sizeof(why));
	if (rc)
		dcfg_add_err(out, rc, "%sconnection %s: %s id: %s",
			     dcfg_locstr(&r->id.loc, where, sizeof(where)), conn, side, why);
	return rc;
}

static char *keep(struct dcfg_conn *c, char *s)
{
	if (s)
		c->strings[c->n_strings++] = s;
	return s;
}

/* The child's daemon-side keys; the connection's if_id when it has none
 * (strongSwan: child_cfg's if_id, else peer_cfg's). */
static void conv_gw(const struct conf_conn *cc, const struct conf_child *ch, struct dcfg_child *x)
{
	const struct conf_child_gw *g = &ch->gw;

	x->updown = g->updown.value;
	x->hostaccess = g->hostaccess;
	x->mark_in = g->mark_in;
	x->mark_out = g->mark_out;
	x->mark_in_sa = g->mark_in_sa;
	x->set_mark_in = g->set_mark_in;
	x->set_mark_out = g->set_mark_out;
	x->if_id_in = g->if_id_in ? g->if_id_in : cc->if_id_in;
	x->if_id_out = g->if_id_out ? g->if_id_out : cc->if_id_out;
}

static int conv_children(const struct conf_conn *cc, struct dcfg_conn *out)
{
	const struct conf_child *ch;
	char where[300];
	size_t i = 0;
	int rc = 0;

	TAILQ_FOREACH (ch, &cc->children, entry) {
		struct ike_child_cfg *k = &out->children[i];

		if (strlen(ch->name) >= sizeof(k->name)) {
			rc = dcfg_add_err(
			    out, -EINVAL,
			    "%sconnection %s: child %s: name longer than %zu characters",
			    dcfg_locstr(&ch->loc, where, sizeof(where)), cc->name, ch->name,
			    sizeof(k->name) - 1);
			continue;
		}
		strcpy(k->name, ch->name);
		if (check_proposals(&ch->esp_proposals, IKE_PROTO_ESP, cc->name, ch->name, out))
			rc = -EINVAL;
		if (check_ts(&ch->local_ts, "local_ts", cc->name, ch->name, out))
			rc = -EINVAL;
		if (check_ts(&ch->remote_ts, "remote_ts", cc->name, ch->name, out))
			rc = -EINVAL;
		k->mode = ch->mode == CONF_MODE_TRANSPORT ? IKE_MODE_TRANSPORT : IKE_MODE_TUNNEL;
		k->local_ts = keep(out, join(&ch->local_ts));
		k->remote_ts = keep(out, join(&ch->remote_ts));
		k->esp_proposals = keep(out, join(&ch->esp_proposals));
		if (!k->local_ts || !k->remote_ts || !k->esp_proposals)
			return dcfg_add_err(out, -ENOMEM, "connection %s: out of memory", cc->name);
		k->rekey_time = clamp32(ch->rekey_time);
		k->life_time = clamp32(ch->life_time);
		k->rand_time = clamp32(ch->rand_time);
		k->rekey_bytes = ch->rekey_bytes;
		k->life_bytes = ch->life_bytes;
		k->rekey_packets = ch->rekey_packets;
		k->life_packets = ch->life_packets;
		k->start = ch->start_action == CONF_ACTION_START ||
			   ch->start_action == CONF_ACTION_TRAP_START;
		k->dpd_action = dcfg_action(ch->dpd_action);
		k->close_action = dcfg_action(ch->close_action);
		conv_gw(cc, ch, &out->dchildren[i]);
		i++;
	}
	out->cfg.n_children = i;
	out->cfg.children = out->children;
	return rc;
}

/* The PSK strongSwan would use for the configured identities. */
const struct conf_secret *dcfg_conn_psk(const struct conf *conf, const struct ike_conn_cfg *cfg)
{
	struct ike_id lid;

	/* strongSwan looks the key up with our address as our identity when
	 * none is configured. */
	lid = cfg->local_id;
	if (!lid.type && cfg->local.family) {
		lid.type = cfg->local.family == AF_INET ? IKE_ID_IPV4_ADDR : IKE_ID_IPV6_ADDR;
		lid.len = cfg->local.family == AF_INET ? 4 : 16;
		memcpy(lid.data, cfg->local.ip, lid.len);
	}
	return dcfg_psk_lookup(conf, lid.type ? &lid : NULL, &cfg->remote_id);
}

static int conv_psk(const struct conf *conf, const struct conf_conn *cc, struct dcfg_conn *out)
{
	struct ike_conn_cfg *cfg = &out->cfg;
	const struct conf_secret *sec = dcfg_conn_psk(conf, cfg);
	char where[300];

	/* Without a remote id every secret may be the peer's (the engine
	 * asks again with its identity): only none at all is an error. */
	if (!sec && !conf->n_secrets)
		return dcfg_add_err(
		    out, -ENOKEY, "%sconnection %s: no pre-shared key: secrets has no ike section",
		    dcfg_locstr(&cc->loc, where, sizeof(where)), cc->name);
	if (!sec)
		return dcfg_add_err(
		    out, -ENOKEY,
		    "%sconnection %s: no pre-shared key (secrets { ike... }) matches "
		    "its identities",
		    dcfg_locstr(&cc->loc, where, sizeof(where)), cc->name);
	out->psk = malloc(sec->key_len ? sec->key_len : 1);
	if (!out->psk)
		return dcfg_add_err(out, -ENOMEM, "connection %s: out of memory", cc->name);
	memcpy(out->psk, sec->key, sec->key_len);
	out->psk_len = sec->key_len;
	cfg->psk = out->psk;
	cfg->psk_len = out->psk_len;
	return 0;
}

int dcfg_conn_convert(const struct conf *conf, const struct conf_conn *cc,
		      const struct dcfg_resolver *res, struct dcfg_conn *out, char *err,
		      size_t errlen)
{
	return dcfg_conn_convert_creds(conf, cc, res, NULL, out, err, errlen);
}

int dcfg_conn_convert_creds(const struct conf *conf, const struct conf_conn *cc,
			    const struct dcfg_resolver *res, const struct dcfg_creds *creds,
			    struct dcfg_conn *out, char *err, size_t errlen)
{
	struct ike_conn_cfg *cfg = &out->cfg;
	char where[300];
	int rc = 0, ids = 0;

	memset(out, 0, sizeof(*out));
	if (strlen(cc->name) >= sizeof(cfg->name)) {
		dcfg_add_err(out, -EINVAL, "%sconnection %s: name longer than %zu characters",
			     dcfg_locstr(&cc->loc, where, sizeof(where)), cc->name,
			     sizeof(cfg->name) - 1);
		goto out;
	}
	strcpy(cfg->name, cc->name);
	/* Each step records its errors and the next one runs anyway, so that
	 * --check names every error of the connection at once. */
	conv_endpoints(cc, res, out);
	ids = conv_id(&cc->local, cc->name, "local", &cfg->local_id, out);
	ids |= conv_id(&cc->remote, cc->name, "remote", &cfg->remote_id, out);
	check_proposals(&cc->proposals, IKE_PROTO_IKE, cc->name, NULL, out);

	out->proposals = join(&cc->proposals);
	out->children = calloc(cc->n_children ? cc->n_children : 1, sizeof(*out->children));
	out->dchildren = calloc(cc->n_children ? cc->n_children : 1, sizeof(*out->dchildren));
	out->strings = calloc(3 * cc->n_children + 1, sizeof(char *));
	if (!out->proposals || !out->children || !out->dchildren || !out->strings) {
		dcfg_add_err(out, -ENOMEM, "connection %s: out of memory", cc->name);
		goto out;
	}
	cfg->proposals = out->proposals;
	cfg->encap = cc->encap;
	cfg->rekey_time = clamp32(cc->rekey_time);
	cfg->reauth_time = clamp32(cc->reauth_time);
	cfg->over_time = clamp32(cc->over_time);
	cfg->rand_time = clamp32(cc->rand_time);
	cfg->dpd_delay = clamp32(cc->dpd_delay);
	cfg->keyingtries = cc->keyingtries;
	cfg->childless = cc->childless == CONF_CHILDLESS_NEVER	  ? IKE_CHILDLESS_NEVER
			 : cc->childless == CONF_CHILDLESS_PREFER ? IKE_CHILDLESS_PREFER
			 : cc->childless == CONF_CHILDLESS_FORCE  ? IKE_CHILDLESS_FORCE
								  : IKE_CHILDLESS_ALLOW;
	cfg->fragmentation =
	    cc->fragmentation == CONF_FRAGMENTATION_ACCEPT  ? IKE_FRAGMENTATION_ACCEPT
	    : cc->fragmentation == CONF_FRAGMENTATION_FORCE ? IKE_FRAGMENTATION_FORCE
	    : cc->fragmentation == CONF_FRAGMENTATION_NO    ? IKE_FRAGMENTATION_NO
							    : IKE_FRAGMENTATION_YES;
	cfg->unique = cc->unique == CONF_UNIQUE_NEVER	  ? IKE_UNIQUE_NEVER
		      : cc->unique == CONF_UNIQUE_REPLACE ? IKE_UNIQUE_REPLACE
		      : cc->unique == CONF_UNIQUE_KEEP	  ? IKE_UNIQUE_KEEP
							  : IKE_UNIQUE_NO;
	conv_children(cc, out);
	/* the certificates, and the identities that default to theirs */
	if (!ids) {
		ids |= dcfg_conv_local_auth(cc, creds, out);
		ids |= dcfg_conv_remote_auth(cc, creds, out);
	}
	cfg->send_cert = cc->send_cert == CONF_SEND_CERT_ALWAYS	 ? IKE_SEND_CERT_ALWAYS
			 : cc->send_cert == CONF_SEND_CERT_NEVER ? IKE_SEND_CERT_NEVER
								 : IKE_SEND_CERT_IFASKED;
	cfg->no_certreq = !cc->send_certreq;
	/* the key follows from the identities: not when one is unreadable.
	 * Needed when we use it; a peer that may use one (remote auth any)
	 * finds it at run time (psk_lookup). */
	if (!ids && (cc->local.auth == CONF_AUTH_PSK || cc->remote.auth == CONF_AUTH_PSK))
		conv_psk(conf, cc, out);
out:
	if (!out->first_rc)
		return 0;
	if (!out->n_errors) {
		snprintf(err, errlen, "connection %s: out of memory", cc->name);
		return out->first_rc;
	}
	snprintf(err, errlen, "%s", out->errors[0]);
	rc = out->first_rc;
	return rc;
}

void dcfg_conn_free(struct dcfg_conn *c)
{
	for (size_t i = 0; c->cacerts && i < c->cfg.remote_auth.trust.n_cacerts; i++)
		ike_cert_unref(dcfg_unconst_cert(c->cacerts[i]));
	for (size_t i = 0; c->pinned && i < c->cfg.remote_auth.trust.n_pinned; i++)
		ike_cert_unref(dcfg_unconst_cert(c->pinned[i]));
	free(c->cacerts);
	free(c->pinned);
	ike_cert_unref(dcfg_unconst_cert(c->cfg.local_auth.cert));
	if (c->psk) {
		OPENSSL_cleanse(c->psk, c->psk_len);
		free(c->psk);
	}
	free(c->ranges);
	for (size_t i = 0; i < c->n_strings; i++)
		free(c->strings[i]);
	free(c->strings);
	for (size_t i = 0; i < c->n_errors; i++)
		free(c->errors[i]);
	free(c->errors);
	free(c->dchildren);
	free(c->children);
	free(c->proposals);
	memset(c, 0, sizeof(*c));
}
