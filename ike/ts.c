// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Traffic selectors: parsing, narrowing, range splitting, formatting.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "ike/fmt.h"
#include "ike/ts.h"

#define PROTO_ICMP 1
#define PROTO_ICMPV6 58

/* ike/ does no I/O: no /etc/protocols, /etc/services. */
static const struct {
	const char *name;
	uint8_t num;
} protocols[] = {
	{ "icmp", PROTO_ICMP },
	{ "tcp", 6 },
	{ "udp", 17 },
	{ "gre", 47 },
	{ "esp", 50 },
	{ "ah", 51 },
	{ "ipv6-icmp", PROTO_ICMPV6 },
	{ "icmpv6", PROTO_ICMPV6 },
	{ "ospf", 89 },
	{ "sctp", 132 },
	{ "udplite", 136 },
};

static const struct {
	const char *name;
	uint16_t port;
} services[] = {
	{ "ftp", 21 },	   { "ssh", 22 },    { "telnet", 23 },	      { "smtp", 25 },
	{ "domain", 53 },  { "bootps", 67 }, { "bootpc", 68 },	      { "tftp", 69 },
	{ "http", 80 },	   { "pop3", 110 },  { "ntp", 123 },	      { "imap2", 143 },
	{ "snmp", 161 },   { "bgp", 179 },   { "https", 443 },	      { "isakmp", 500 },
	{ "syslog", 514 }, { "l2tp", 1701 }, { "ipsec-nat-t", 4500 },
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static size_t addr_len(uint8_t type)
{
	return type == IKE_TS_IPV4_ADDR_RANGE ? 4 : type == IKE_TS_IPV6_ADDR_RANGE ? 16 : 0;
}

static bool ports_any(const struct ike_ts *ts)
{
	return ts->start_port == 0 && ts->end_port == 0xffff;
}

static bool ports_opaque(const struct ike_ts *ts)
{
	return ts->start_port == 0xffff && ts->end_port == 0;
}

/* ----- parsing ----- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

/* strtoul(base 0) as strongSwan uses it, minus its leniency about leading
 * blanks and signs. The whole of s[0..len) must be the number. */
static bool parse_num(const char *s, size_t len, unsigned long max, unsigned long *out)
{
	char buf[24], *end;
	unsigned long v;

	if (!len || len >= sizeof(buf) || s[0] < '0' || s[0] > '9')
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	v = strtoul(buf, &end, 0);
	if (errno || *end || v > max)
		return false;
	*out = v;
	return true;
}

static bool word_eq(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && !strncasecmp(s, word, len);
}

static int parse_proto(const char *s, size_t len, uint8_t *proto)
{
	unsigned long v;

	if (!len || word_eq(s, len, "any") || word_eq(s, len, "%any")) {
		*proto = 0;
		return 0;
	}
	for (size_t i = 0; i < COUNT(protocols); i++) {
		if (word_eq(s, len, protocols[i].name)) {
			*proto = protocols[i].num;
			return 0;
		}
	}
	if (!parse_num(s, len, 255, &v))
		return -EINVAL;
	*proto = (uint8_t)v;
	return 0;
}

static bool parse_port_num(const char *s, size_t len, uint16_t *port)
{
	unsigned long v;

	for (size_t i = 0; i < COUNT(services); i++) {
		if (word_eq(s, len, services[i].name)) {
			*port = services[i].port;
			return true;
		}
	}
	if (!parse_num(s, len, 0xffff, &v))
		return false;
	*port = (uint16_t)v;
	return true;
}

static int parse_ports(const char *s, size_t len, uint16_t *from, uint16_t *to)
{
	const char *dash;

	if (!len || word_eq(s, len, "any") || word_eq(s, len, "%any")) {
		*from = 0;
		*to = 0xffff;
		return 0;
	}
	if (word_eq(s, len, "opaque") || word_eq(s, len, "%opaque")) {
		*from = 0xffff;
		*to = 0;
		return 0;
	}
	if (parse_port_num(s, len, from)) {
		*to = *from;
		return 0;
	}
	dash = memchr(s, '-', len);
	if (!dash || !parse_port_num(s, (size_t)(dash - s), from) ||
	    !parse_port_num(dash + 1, len - (size_t)(dash - s) - 1, to) || *from > *to)
		return -EINVAL;
	return 0;
}

static int parse_ip(const char *s, size_t len, uint8_t *type, uint8_t addr[16])
{
	char buf[INET6_ADDRSTRLEN + 1];

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(addr, 0, 16);
	if (memchr(s, ':', len)) {
		if (inet_pton(AF_INET6, buf, addr) != 1)
			return -EINVAL;
		*type = IKE_TS_IPV6_ADDR_RANGE;
	} else {
		if (inet_pton(AF_INET, buf, addr) != 1)
			return -EINVAL;
		*type = IKE_TS_IPV4_ADDR_RANGE;
	}
	return 0;
}

/* start = addr with the host bits cleared, end = with them set */
static void apply_prefix(struct ike_ts *ts, const uint8_t addr[16], unsigned int plen)
{
	size_t alen = addr_len(ts->type);

	for (size_t i = 0; i < alen; i++) {
		unsigned int bits = plen > i * 8 ? plen - (unsigned int)i * 8 : 0;
		uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff00u >> bits);

		ts->start_addr[i] = addr[i] & mask;
		ts->end_addr[i] = addr[i] | (uint8_t)~mask;
	}
}

int ike_ts_parse(const char *str, struct ike_ts_conf *out, char *err, size_t err_len)
{
	const char *s, *br, *a, *slash, *dash;
	size_t len, alen, sep;
	uint8_t addr[16], addr2[16], type2;

	if (err && err_len)
		err[0] = '\0';
	if (!str || !out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->ts.end_port = 0xffff;

	s = str;
	len = strlen(str);
	while (len && is_blank(*s)) {
		s++;
		len--;
	}
	while (len && is_blank(s[len - 1]))
		len--;
	if (!len) {
		ike_set_err(err, err_len, "empty traffic selector");
		return -EINVAL;
	}
#define TSERR(...)                                                                                 \
	do {                                                                                       \
		char msg_[160];                                                                    \
		snprintf(msg_, sizeof(msg_), __VA_ARGS__);                                         \
		ike_set_err(err, err_len, "invalid traffic selector '%.*s': %s",                       \
			(int)(len > 80 ? 80 : len), s, msg_);                                      \
		return -EINVAL;                                                                    \
	} while (0)

	br = memchr(s, '[', len);
	alen = br ? (size_t)(br - s) : len;
	if (br) {
		const char *pp = br + 1;
		size_t pplen = len - alen - 1;
		const char *psep;
		size_t plen;

		if (!pplen || pp[pplen - 1] != ']')
			TSERR("missing ']' at the end");
		pplen--;
		if (memchr(pp, '[', pplen) || memchr(pp, ']', pplen))
			TSERR("stray bracket in protocol/port");
		psep = memchr(pp, '/', pplen);
		plen = psep ? (size_t)(psep - pp) : pplen;
		if (parse_proto(pp, plen, &out->ts.ip_proto))
			TSERR("unknown protocol '%.*s' (use a protocol number)", (int)plen, pp);
		if (psep) {
			const char *port = psep + 1;
			size_t portlen = pplen - plen - 1;

			if (parse_ports(port, portlen, &out->ts.start_port, &out->ts.end_port))
				TSERR("invalid port '%.*s' (use a number, a range "
				      "like 1000-2000, %%any or %%opaque)",
				      (int)portlen, port);
		}
		/* strongSwan: an ICMP "port" below 256 is a type, shifted into
		 * the type octet (type << 8 | code, code 0). */
		if (out->ts.ip_proto == PROTO_ICMP || out->ts.ip_proto == PROTO_ICMPV6) {
			if (out->ts.start_port < 256)
				out->ts.start_port = (uint16_t)(out->ts.start_port << 8);
			if (out->ts.end_port < 256)
				out->ts.end_port = (uint16_t)(out->ts.end_port << 8);
		}
	}

	a = s;
	while (alen && is_blank(a[alen - 1]))
		alen--;
	if (!alen)
		TSERR("missing address, subnet or 'dynamic' before '['");
	if (word_eq(a, alen, "dynamic") || word_eq(a, alen, "%dynamic")) {
		out->dynamic = true;
		return 0;
	}
	/* "from-to" as swanctl writes ranges, "from..to" as logs print them */
	slash = memchr(a, '/', alen);
	dash = slash ? NULL : memchr(a, '-', alen);
	sep = 1;
	if (!slash && !dash) {
		for (size_t i = 0; i + 1 < alen && !dash; i++)
			if (a[i] == '.' && a[i + 1] == '.')
				dash = a + i;
		sep = 2;
	}
	if (dash) {
		size_t l1 = (size_t)(dash - a), l2 = alen - l1 - sep;

		if (parse_ip(a, l1, &out->ts.type, addr))
			TSERR("invalid range start '%.*s'", (int)(l1 > 64 ? 64 : l1), a);
		if (parse_ip(dash + sep, l2, &type2, addr2))
			TSERR("invalid range end '%.*s'", (int)(l2 > 64 ? 64 : l2), dash + sep);
		if (type2 != out->ts.type)
			TSERR("range mixes IPv4 and IPv6");
		if (memcmp(addr, addr2, addr_len(type2)) > 0)
			TSERR("range start is above its end");
		memcpy(out->ts.start_addr, addr, 16);
		memcpy(out->ts.end_addr, addr2, 16);
		return 0;
	}
	{
		size_t l1 = slash ? (size_t)(slash - a) : alen;
		unsigned long plen;
		unsigned int bits;

		if (parse_ip(a, l1, &out->ts.type, addr))
			TSERR("invalid address '%.*s'", (int)(l1 > 64 ? 64 : l1), a);
		bits = (unsigned int)addr_len(out->ts.type) * 8;
		plen = bits;
		if (slash) {
			size_t l2 = alen - l1 - 1;
			unsigned long v;
			char num[8];

			/* decimal only: "/010" is ten, whatever strtoul says */
			if (!l2 || l2 >= sizeof(num) || strspn(slash + 1, "0123456789") < l2)
				TSERR("invalid prefix length '%.*s'", (int)(l2 > 8 ? 8 : l2),
				      slash + 1);
			memcpy(num, slash + 1, l2);
			num[l2] = '\0';
			v = strtoul(num, NULL, 10);
			if (v > bits)
				TSERR("prefix length %lu is too long for %s", v,
				      bits == 32 ? "IPv4" : "IPv6");
			plen = v;
		}
		apply_prefix(&out->ts, addr, (unsigned int)plen);
	}
#undef TSERR
	return 0;
}

int ike_ts_parse_list(const char *str, struct ike_ts_conf *out, size_t max, size_t *n_out,
		      char *err, size_t err_len)
{
	const char *pos = str;
	size_t n = 0;

	if (!str || !out || !n_out)
		return -EINVAL;
	*n_out = 0;
	for (;;) {
		const char *comma = strchr(pos, ',');
		size_t len = comma ? (size_t)(comma - pos) : strlen(pos);
		char item[256];
		int ret;

		if (len >= sizeof(item)) {
			ike_set_err(err, err_len, "traffic selector too long: '%.40s...'", pos);
			return -EINVAL;
		}
		if (n >= max) {
			ike_set_err(err, err_len, "too many traffic selectors (at most %zu)", max);
			return -ENOSPC;
		}
		memcpy(item, pos, len);
		item[len] = '\0';
		ret = ike_ts_parse(item, &out[n], err, err_len);
		if (ret)
			return ret;
		n++;
		if (!comma)
			break;
		pos = comma + 1;
	}
	*n_out = n;
	return 0;
}

int ike_ts_resolve(const struct ike_ts_conf *conf, size_t n, const struct ike_addr *addr,
		   struct ike_ts *out, size_t max, size_t *n_out)
{
	static const uint8_t zero[16];

	if (!conf || !out || !n_out)
		return -EINVAL;
	*n_out = 0;
	if (n > max)
		return -ENOSPC;
	for (size_t i = 0; i < n; i++) {
		struct ike_ts *ts = &out[i];
		size_t alen;

		*ts = conf[i].ts;
		if (!conf[i].dynamic)
			continue;
		if (!addr || (addr->family != AF_INET && addr->family != AF_INET6))
			return -EINVAL;
		ts->type =
		    addr->family == AF_INET ? IKE_TS_IPV4_ADDR_RANGE : IKE_TS_IPV6_ADDR_RANGE;
		alen = addr_len(ts->type);
		memset(ts->start_addr, 0, sizeof(ts->start_addr));
		memset(ts->end_addr, 0, sizeof(ts->end_addr));
		if (!memcmp(addr->ip, zero, alen)) {
			memset(ts->end_addr, 0xff, alen);
		} else {
			memcpy(ts->start_addr, addr->ip, alen);
			memcpy(ts->end_addr, addr->ip, alen);
		}
	}
	*n_out = n;
	return 0;
}

/* ----- set operations ----- */

bool ike_ts_valid(const struct ike_ts *ts)
{
	size_t alen = addr_len(ts->type);

	if (!alen)
		return false;
	if (memcmp(ts->start_addr, ts->end_addr, alen) > 0)
		return false;
	return ts->start_port <= ts->end_port || ports_opaque(ts);
}

bool ike_ts_intersect(const struct ike_ts *a, const struct ike_ts *b, struct ike_ts *out)
{
	struct ike_ts r;
	size_t alen;

	if (!ike_ts_valid(a) || !ike_ts_valid(b) || a->type != b->type)
		return false;
	if (a->ip_proto && b->ip_proto && a->ip_proto != b->ip_proto)
		return false;
	memset(&r, 0, sizeof(r));
	r.type = a->type;
	r.ip_proto = a->ip_proto ? a->ip_proto : b->ip_proto;
	if ((ports_opaque(a) && (ports_opaque(b) || ports_any(b))) ||
	    (ports_opaque(b) && ports_any(a))) {
		r.start_port = 0xffff;
		r.end_port = 0;
	} else {
		/* OPAQUE against specific ports ends up empty here */
		r.start_port = a->start_port > b->start_port ? a->start_port : b->start_port;
		r.end_port = a->end_port < b->end_port ? a->end_port : b->end_port;
		if (r.start_port > r.end_port)
			return false;
	}
	alen = addr_len(a->type);
	memcpy(r.start_addr,
	       memcmp(a->start_addr, b->start_addr, alen) > 0 ? a->start_addr : b->start_addr,
	       alen);
	memcpy(r.end_addr, memcmp(a->end_addr, b->end_addr, alen) < 0 ? a->end_addr : b->end_addr,
	       alen);
	if (memcmp(r.start_addr, r.end_addr, alen) > 0)
		return false;
	if (out)
		*out = r;
	return true;
}

static bool ts_equal(const struct ike_ts *a, const struct ike_ts *b)
{
	size_t alen = addr_len(a->type);

	return a->type == b->type && a->ip_proto == b->ip_proto && a->start_port == b->start_port &&
	       a->end_port == b->end_port && !memcmp(a->start_addr, b->start_addr, alen) &&
	       !memcmp(a->end_addr, b->end_addr, alen);
}

bool ike_ts_is_subset(const struct ike_ts *a, const struct ike_ts *b)
{
	struct ike_ts r;

	return ike_ts_intersect(a, b, &r) && ts_equal(&r, a);
}

int ike_ts_narrow(const struct ike_ts *proposed, size_t n_proposed, const struct ike_ts *config,
		  size_t n_config, struct ike_ts *out, size_t max, size_t *n_out)
{
	size_t n = 0;

	if (!out || !n_out || (n_proposed && !proposed) || (n_config && !config))
		return -EINVAL;
	*n_out = 0;
	for (size_t c = 0; c < n_config; c++) {
		for (size_t p = 0; p < n_proposed; p++) {
			struct ike_ts r;
			bool covered = false;
			size_t k = 0;

			if (!ike_ts_intersect(&config[c], &proposed[p], &r))
				continue;
			for (size_t i = 0; i < n; i++) {
				if (ike_ts_is_subset(&r, &out[i])) {
					covered = true;
					break;
				}
			}
			if (covered)
				continue;
			/* drop what the new selector covers, keeping the order */
			for (size_t i = 0; i < n; i++)
				if (!ike_ts_is_subset(&out[i], &r))
					out[k++] = out[i];
			n = k;
			if (n >= max)
				return -ENOSPC;
			out[n++] = r;
		}
	}
	if (!n)
		return -ENOENT;
	*n_out = n;
	return 0;
}

int ike_ts_check_narrowed(const struct ike_ts *proposed, size_t n_proposed,
			  const struct ike_ts *returned, size_t n_returned)
{
	if (!n_returned || !returned || (n_proposed && !proposed))
		return -EINVAL;
	for (size_t r = 0; r < n_returned; r++) {
		bool inside = false;

		if (!ike_ts_valid(&returned[r]))
			return -EINVAL;
		for (size_t p = 0; p < n_proposed && !inside; p++)
			inside = ike_ts_is_subset(&returned[r], &proposed[p]);
		if (!inside)
			return -EINVAL;
	}
	return 0;
}

/* ----- prefixes ----- */

/* Big-endian arithmetic on alen-octet addresses. */
static unsigned int trailing_zero_bits(const uint8_t *a, size_t alen)
{
	unsigned int n = 0;

	for (size_t i = alen; i-- > 0;) {
		if (!a[i]) {
			n += 8;
			continue;
		}
		for (uint8_t v = a[i]; !(v & 1); v >>= 1)
			n++;
		break;
	}
	return n;
}

/* dst = a with its k low bits set */
static void set_low_bits(uint8_t *dst, const uint8_t *a, size_t alen, unsigned int k)
{
	memcpy(dst, a, alen);
	for (size_t i = alen; i-- > 0 && k;) {
		unsigned int b = k >= 8 ? 8 : k;

		dst[i] |= (uint8_t)((1u << b) - 1);
		k -= b;
	}
}

static void increment(uint8_t *a, size_t alen)
{
	for (size_t i = alen; i-- > 0;)
		if (++a[i])
			break;
}

int ike_ts_to_prefixes(const struct ike_ts *ts, struct ike_prefix *out, size_t max, size_t *n_out)
{
	uint8_t cur[16] = { 0 }, last[16];
	size_t alen, n = 0;
	unsigned int bits;

	if (!ts || !n_out || (max && !out) || !ike_ts_valid(ts))
		return -EINVAL;
	*n_out = 0;
	alen = addr_len(ts->type);
	bits = (unsigned int)alen * 8;
	memcpy(cur, ts->start_addr, alen);
	for (;;) {
		unsigned int k = trailing_zero_bits(cur, alen);
		bool done;

		if (k > bits)
			k = bits;
		for (;;) {
			set_low_bits(last, cur, alen, k);
			if (memcmp(last, ts->end_addr, alen) <= 0)
				break;
			k--;
		}
		if (n >= max)
			return -ENOSPC;
		out[n].family = alen == 4 ? AF_INET : AF_INET6;
		out[n].len = (uint8_t)(bits - k);
		memset(out[n].addr, 0, sizeof(out[n].addr));
		memcpy(out[n].addr, cur, alen);
		n++;
		done = !memcmp(last, ts->end_addr, alen);
		if (done)
			break;
		memcpy(cur, last, alen);
		increment(cur, alen);
	}
	*n_out = n;
	return 0;
}

int ike_ts_port_masks(uint16_t start, uint16_t end, struct ike_port_mask *out, size_t max,
		      size_t *n_out)
{
	uint32_t cur = start;
	size_t n = 0;

	if (!n_out || (max && !out))
		return -EINVAL;
	*n_out = 0;
	if (start > end)
		return -ENOTSUP;
	for (;;) {
		unsigned int k = 0;
		uint32_t last;

		while (k < 16 && !(cur & (1u << k)))
			k++;
		while (cur + (1u << k) - 1 > end)
			k--;
		last = cur + (1u << k) - 1;
		if (n >= max)
			return -ENOSPC;
		out[n].port = (uint16_t)cur;
		out[n].mask = (uint16_t)(0xffffu << k);
		n++;
		if (last == end)
			break;
		cur = last + 1;
	}
	*n_out = n;
	return 0;
}

/* ----- formatting ----- */

static void out_icmp(struct ike_fmt *o, uint16_t v)
{
	if (v & 0xff)
		ike_fmt(o, "%u(%u)", v >> 8, v & 0xff);
	else
		ike_fmt(o, "%u", v >> 8);
}

int ike_ts_format(const struct ike_ts *ts, char *buf, size_t len)
{
	struct ike_fmt o = { .buf = buf, .len = len };
	char a1[INET6_ADDRSTRLEN], a2[INET6_ADDRSTRLEN];
	struct ike_prefix pfx;
	size_t n;
	int af;
	bool has_proto, has_ports, icmp;

	if (!ts || (!buf && len))
		return -EINVAL;
	if (len)
		buf[0] = '\0';
	if (!ike_ts_valid(ts)) {
		ike_fmt(&o, "(invalid)");
		return (int)o.pos;
	}
	af = ts->type == IKE_TS_IPV4_ADDR_RANGE ? AF_INET : AF_INET6;
	if (!inet_ntop(af, ts->start_addr, a1, sizeof(a1)) ||
	    !inet_ntop(af, ts->end_addr, a2, sizeof(a2)))
		return -EINVAL;
	if (!ike_ts_to_prefixes(ts, &pfx, 1, &n))
		ike_fmt(&o, "%s/%u", a1, pfx.len);
	else
		ike_fmt(&o, "%s..%s", a1, a2);

	has_proto = ts->ip_proto != 0;
	has_ports = !ports_any(ts);
	if (!has_proto && !has_ports)
		return (int)o.pos;
	ike_fmt(&o, "[");
	if (has_proto) {
		const char *name = NULL;

		for (size_t i = 0; i < COUNT(protocols) && !name; i++)
			if (protocols[i].num == ts->ip_proto)
				name = protocols[i].name;
		if (name)
			ike_fmt(&o, "%s", name);
		else
			ike_fmt(&o, "%u", ts->ip_proto);
	} else {
		/* strongSwan prints "[80]", which would read back as protocol 80 */
		ike_fmt(&o, "any");
	}
	if (has_ports) {
		icmp = ts->ip_proto == PROTO_ICMP || ts->ip_proto == PROTO_ICMPV6;
		ike_fmt(&o, "/");
		if (ports_opaque(ts)) {
			ike_fmt(&o, "OPAQUE");
		} else if (icmp) {
			out_icmp(&o, ts->start_port);
			if (ts->end_port != ts->start_port) {
				ike_fmt(&o, "-");
				out_icmp(&o, ts->end_port);
			}
		} else if (ts->start_port == ts->end_port) {
			ike_fmt(&o, "%u", ts->start_port);
		} else {
			ike_fmt(&o, "%u-%u", ts->start_port, ts->end_port);
		}
	}
	ike_fmt(&o, "]");
	return (int)o.pos;
}
