// SPDX-License-Identifier: GPL-2.0-or-later
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "ike/ts.h"
#include "tests/unit/unit.h"

#define V4 IKE_TS_IPV4_ADDR_RANGE
#define V6 IKE_TS_IPV6_ADDR_RANGE

/* Build a selector from text addresses, for expectations independent of the
 * parser under test. */
static struct ike_ts mkts(uint8_t type, const char *from, const char *to, uint8_t proto,
			  uint16_t sport, uint16_t eport)
{
	struct ike_ts ts;
	int af = type == V4 ? AF_INET : AF_INET6;

	memset(&ts, 0, sizeof(ts));
	ts.type = type;
	ts.ip_proto = proto;
	ts.start_port = sport;
	ts.end_port = eport;
	ck_assert_int_eq(inet_pton(af, from, ts.start_addr), 1);
	ck_assert_int_eq(inet_pton(af, to, ts.end_addr), 1);
	return ts;
}

static void assert_ts_eq(const struct ike_ts *a, const struct ike_ts *b, const char *what)
{
	ck_assert_msg(a->type == b->type, "%s: type %u != %u", what, a->type, b->type);
	ck_assert_msg(a->ip_proto == b->ip_proto, "%s: proto %u != %u", what, a->ip_proto,
		      b->ip_proto);
	ck_assert_msg(a->start_port == b->start_port && a->end_port == b->end_port,
		      "%s: ports %u-%u != %u-%u", what, a->start_port, a->end_port, b->start_port,
		      b->end_port);
	ck_assert_msg(!memcmp(a->start_addr, b->start_addr, 16), "%s: start address", what);
	ck_assert_msg(!memcmp(a->end_addr, b->end_addr, 16), "%s: end address", what);
}

/* Parse or fail the test. */
static struct ike_ts ts_of(const char *s)
{
	struct ike_ts_conf c;
	char err[IKE_TS_ERR_LEN];

	ck_assert_msg(ike_ts_parse(s, &c, err, sizeof(err)) == 0, "%s: %s", s, err);
	ck_assert(!c.dynamic);
	return c.ts;
}

struct parse_case {
	const char *str;
	uint8_t type;
	const char *from, *to;
	uint8_t proto;
	uint16_t sport, eport;
};

static const struct parse_case parse_cases[] = {
	{ "10.1.0.0/24", V4, "10.1.0.0", "10.1.0.255", 0, 0, 65535 },
	{ "10.1.0.5", V4, "10.1.0.5", "10.1.0.5", 0, 0, 65535 },
	{ "0.0.0.0/0", V4, "0.0.0.0", "255.255.255.255", 0, 0, 65535 },
	{ "::/0", V6, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, 0, 65535 },
	{ "2001:db8::/32", V6, "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", 0, 0,
	  65535 },
	{ "2001:db8::1", V6, "2001:db8::1", "2001:db8::1", 0, 0, 65535 },
	/* host bits are cleared, as strongSwan does */
	{ "10.1.0.5/24", V4, "10.1.0.0", "10.1.0.255", 0, 0, 65535 },
	{ "10.1.0.7/31", V4, "10.1.0.6", "10.1.0.7", 0, 0, 65535 },
	{ "2001:db8::1234/120", V6, "2001:db8::1200", "2001:db8::12ff", 0, 0, 65535 },
	{ "10.1.0.5-10.1.0.20", V4, "10.1.0.5", "10.1.0.20", 0, 0, 65535 },
	{ "2001:db8::1-2001:db8::ff", V6, "2001:db8::1", "2001:db8::ff", 0, 0, 65535 },
	{ "10.1.0.0/24[tcp/80]", V4, "10.1.0.0", "10.1.0.255", 6, 80, 80 },
	{ "10.0.0.0/8[17/1701]", V4, "10.0.0.0", "10.255.255.255", 17, 1701, 1701 },
	{ "10.0.0.0/8[tcp/%any]", V4, "10.0.0.0", "10.255.255.255", 6, 0, 65535 },
	{ "10.0.0.0/8[tcp/any]", V4, "10.0.0.0", "10.255.255.255", 6, 0, 65535 },
	{ "10.0.0.0/8[udp]", V4, "10.0.0.0", "10.255.255.255", 17, 0, 65535 },
	{ "10.0.0.0/8[tcp/1000-2000]", V4, "10.0.0.0", "10.255.255.255", 6, 1000, 2000 },
	/* ICMP: a "port" below 256 is the type (code 0), else type << 8 | code */
	{ "10.0.0.0/8[icmp/8]", V4, "10.0.0.0", "10.255.255.255", 1, 0x0800, 0x0800 },
	{ "10.0.0.0/8[icmp/769]", V4, "10.0.0.0", "10.255.255.255", 1, 0x0301, 0x0301 },
	{ "10.0.0.0/8[icmp]", V4, "10.0.0.0", "10.255.255.255", 1, 0, 65535 },
	{ "::/0[ipv6-icmp/135]", V6, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 58, 0x8700,
	  0x8700 },
	{ "::/0[icmpv6/133-134]", V6, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 58, 0x8500,
	  0x8600 },
	{ "10.0.0.0/8[udp/%opaque]", V4, "10.0.0.0", "10.255.255.255", 17, 65535, 0 },
	{ "10.0.0.0/8[udp/opaque]", V4, "10.0.0.0", "10.255.255.255", 17, 65535, 0 },
	{ "10.0.0.0/8[/53]", V4, "10.0.0.0", "10.255.255.255", 0, 53, 53 },
	{ "10.0.0.0/8[%any/53]", V4, "10.0.0.0", "10.255.255.255", 0, 53, 53 },
	{ "10.0.0.0/8[tcp/http]", V4, "10.0.0.0", "10.255.255.255", 6, 80, 80 },
	{ "10.0.0.0/8[udp/isakmp]", V4, "10.0.0.0", "10.255.255.255", 17, 500, 500 },
	{ "10.0.0.0/8[0x11/0x50]", V4, "10.0.0.0", "10.255.255.255", 17, 80, 80 },
	{ "10.0.0.0/8[TCP]", V4, "10.0.0.0", "10.255.255.255", 6, 0, 65535 },
	{ "10.0.0.0/8[sctp/0-1023]", V4, "10.0.0.0", "10.255.255.255", 132, 0, 1023 },
	{ "  192.0.2.0/24 [gre]\t", V4, "192.0.2.0", "192.0.2.255", 47, 0, 65535 },
};

START_TEST(test_parse_table)
{
	const struct parse_case *c = &parse_cases[_i];
	struct ike_ts_conf conf;
	struct ike_ts want = mkts(c->type, c->from, c->to, c->proto, c->sport, c->eport);
	char err[IKE_TS_ERR_LEN];

	ck_assert_msg(ike_ts_parse(c->str, &conf, err, sizeof(err)) == 0, "%s: %s", c->str, err);
	ck_assert(!conf.dynamic);
	assert_ts_eq(&conf.ts, &want, c->str);
	ck_assert(ike_ts_valid(&conf.ts));
}
END_TEST

START_TEST(test_parse_dynamic)
{
	struct ike_ts_conf c;
	char err[IKE_TS_ERR_LEN];

	ck_assert_int_eq(ike_ts_parse("dynamic", &c, err, sizeof(err)), 0);
	ck_assert(c.dynamic);
	ck_assert_uint_eq(c.ts.ip_proto, 0);
	ck_assert_uint_eq(c.ts.start_port, 0);
	ck_assert_uint_eq(c.ts.end_port, 65535);
	ck_assert_int_eq(ike_ts_parse("dynamic[udp/1701]", &c, err, sizeof(err)), 0);
	ck_assert(c.dynamic);
	ck_assert_uint_eq(c.ts.ip_proto, 17);
	ck_assert_uint_eq(c.ts.start_port, 1701);
	ck_assert_uint_eq(c.ts.end_port, 1701);
	ck_assert_int_eq(ike_ts_parse("%dynamic", &c, err, sizeof(err)), 0);
	ck_assert(c.dynamic);
}
END_TEST

struct err_case {
	const char *str;
	const char *msg;
};

static const struct err_case err_cases[] = {
	{ "10.1.0.0/33",
	  "invalid traffic selector '10.1.0.0/33': prefix length 33 is too long for IPv4" },
	{ "2001:db8::/129",
	  "invalid traffic selector '2001:db8::/129': prefix length 129 is too long for IPv6" },
	{ "10.1.0.256", "invalid traffic selector '10.1.0.256': invalid address '10.1.0.256'" },
	{ "10.1.0.20-10.1.0.5",
	  "invalid traffic selector '10.1.0.20-10.1.0.5': range start is above its end" },
	{ "10.1.0.5-2001:db8::1",
	  "invalid traffic selector '10.1.0.5-2001:db8::1': range mixes IPv4 and IPv6" },
	{ "10.1.0.5-", "invalid traffic selector '10.1.0.5-': invalid range end ''" },
	{ "[udp]",
	  "invalid traffic selector '[udp]': missing address, subnet or 'dynamic' before '['" },
	{ "10.0.0.0/8[tcp/80",
	  "invalid traffic selector '10.0.0.0/8[tcp/80': missing ']' at the end" },
	{ "10.0.0.0/8[tcp/80]x",
	  "invalid traffic selector '10.0.0.0/8[tcp/80]x': missing ']' at the end" },
	{ "10.0.0.0/8[tcp]]", "invalid traffic selector '10.0.0.0/8[tcp]]': stray bracket in "
			      "protocol/port" },
	{ "10.0.0.0/8[foo]",
	  "invalid traffic selector '10.0.0.0/8[foo]': unknown protocol 'foo' (use a protocol "
	  "number)" },
	{ "10.0.0.0/8[256]",
	  "invalid traffic selector '10.0.0.0/8[256]': unknown protocol '256' (use a protocol "
	  "number)" },
	{ "10.0.0.0/8[tcp/99999]",
	  "invalid traffic selector '10.0.0.0/8[tcp/99999]': invalid port '99999' (use a number, "
	  "a range like 1000-2000, %any or %opaque)" },
	{ "10.0.0.0/8[tcp/2000-1000]",
	  "invalid traffic selector '10.0.0.0/8[tcp/2000-1000]': invalid port '2000-1000' (use a "
	  "number, a range like 1000-2000, %any or %opaque)" },
	{ "dynamic[tcp/80-]",
	  "invalid traffic selector 'dynamic[tcp/80-]': invalid port '80-' (use a number, a "
	  "range like 1000-2000, %any or %opaque)" },
	{ "10.0.0.0/8[tcp/-5]",
	  "invalid traffic selector '10.0.0.0/8[tcp/-5]': invalid port '-5' (use a number, a "
	  "range like 1000-2000, %any or %opaque)" },
	{ "10.0.0.0/", "invalid traffic selector '10.0.0.0/': invalid prefix length ''" },
	{ "10.0.0.0/-1", "invalid traffic selector '10.0.0.0/-1': invalid prefix length '-1'" },
	{ "10.0.0.0/8/8", "invalid traffic selector '10.0.0.0/8/8': invalid prefix length '8/8'" },
	{ "example.org", "invalid traffic selector 'example.org': invalid address 'example.org'" },
	{ "   ", "empty traffic selector" },
};

START_TEST(test_parse_errors)
{
	const struct err_case *c = &err_cases[_i];
	struct ike_ts_conf conf;
	char err[IKE_TS_ERR_LEN];

	ck_assert_int_eq(ike_ts_parse(c->str, &conf, err, sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, c->msg);
}
END_TEST

/* Long and odd input: a bounded message, never a crash. */
START_TEST(test_parse_hostile)
{
	static char big[4096];
	struct ike_ts_conf conf;
	char err[IKE_TS_ERR_LEN];

	memset(big, '1', sizeof(big) - 1);
	ck_assert_int_eq(ike_ts_parse(big, &conf, err, sizeof(err)), -EINVAL);
	ck_assert_uint_lt(strlen(err), sizeof(err));
	big[10] = '[';
	ck_assert_int_eq(ike_ts_parse(big, &conf, err, sizeof(err)), -EINVAL);
	big[sizeof(big) - 2] = ']';
	big[20] = '/';
	ck_assert_int_eq(ike_ts_parse(big, &conf, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(ike_ts_parse("10.0.0.0/8[tcp/", &conf, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(ike_ts_parse("[", &conf, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(ike_ts_parse("]", &conf, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(ike_ts_parse("..", &conf, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(ike_ts_parse("-", &conf, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(ike_ts_parse("/", &conf, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(ike_ts_parse("10.0.0.0/8[tcp/0x10000]", &conf, NULL, 0), -EINVAL);
	ck_assert_int_eq(ike_ts_parse("10.0.0.0/8[tcp/99999999999999999999999]", &conf, NULL, 0),
			 -EINVAL);
	ck_assert_int_eq(ike_ts_parse(NULL, &conf, NULL, 0), -EINVAL);
}
END_TEST

START_TEST(test_parse_list)
{
	struct ike_ts_conf c[4];
	char err[IKE_TS_ERR_LEN];
	size_t n = 9;

	ck_assert_int_eq(
	    ike_ts_parse_list("10.1.0.0/24, 10.2.0.0/16[tcp], dynamic", c, 4, &n, err, sizeof(err)),
	    0);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(c[1].ts.ip_proto, 6);
	ck_assert(c[2].dynamic);
	ck_assert_int_eq(ike_ts_parse_list("10.1.0.0/24,10.2.0.0/99", c, 4, &n, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(
	    err, "invalid traffic selector '10.2.0.0/99': prefix length 99 is too long for IPv4");
	ck_assert_int_eq(ike_ts_parse_list("10.1.0.0/24,10.2.0.0/16", c, 1, &n, err, sizeof(err)),
			 -ENOSPC);
	ck_assert_int_eq(ike_ts_parse_list("10.1.0.0/24,", c, 4, &n, err, sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(test_resolve)
{
	struct ike_ts_conf c[3];
	struct ike_ts out[3], want;
	struct ike_addr a4 = { .family = AF_INET }, a6 = { .family = AF_INET6 },
			any = { .family = AF_INET };
	char err[IKE_TS_ERR_LEN];
	size_t n;

	ck_assert_int_eq(
	    ike_ts_parse_list("dynamic[udp/1701], 10.1.0.0/24", c, 3, &n, err, sizeof(err)), 0);
	inet_pton(AF_INET, "192.0.2.1", a4.ip);
	ck_assert_int_eq(ike_ts_resolve(c, n, &a4, out, 3, &n), 0);
	ck_assert_uint_eq(n, 2);
	want = mkts(V4, "192.0.2.1", "192.0.2.1", 17, 1701, 1701);
	assert_ts_eq(&out[0], &want, "dynamic v4");
	want = mkts(V4, "10.1.0.0", "10.1.0.255", 0, 0, 65535);
	assert_ts_eq(&out[1], &want, "static");

	inet_pton(AF_INET6, "2001:db8::7", a6.ip);
	ck_assert_int_eq(ike_ts_resolve(c, 1, &a6, out, 3, &n), 0);
	want = mkts(V6, "2001:db8::7", "2001:db8::7", 17, 1701, 1701);
	assert_ts_eq(&out[0], &want, "dynamic v6");

	ck_assert_int_eq(ike_ts_resolve(c, 1, &any, out, 3, &n), 0);
	want = mkts(V4, "0.0.0.0", "255.255.255.255", 17, 1701, 1701);
	assert_ts_eq(&out[0], &want, "dynamic any");

	ck_assert_int_eq(ike_ts_resolve(c, 2, NULL, out, 3, &n), -EINVAL);
	ck_assert_int_eq(ike_ts_resolve(c + 1, 1, NULL, out, 3, &n), 0);
	ck_assert_int_eq(ike_ts_resolve(c, 2, &a4, out, 1, &n), -ENOSPC);
}
END_TEST

/* ----- narrowing ----- */

struct narrow_case {
	const char *name;
	const char *proposed[3];
	const char *config[3];
	int ret;
	const char *want[3];
};

static const struct narrow_case narrow_cases[] = {
	{ "equal", { "10.1.0.0/24" }, { "10.1.0.0/24" }, 0, { "10.1.0.0/24" } },
	{ "proposed subset", { "10.1.0.0/25" }, { "10.1.0.0/24" }, 0, { "10.1.0.0/25" } },
	{ "proposed superset", { "0.0.0.0/0" }, { "10.1.0.0/24" }, 0, { "10.1.0.0/24" } },
	{ "partial overlap",
	  { "10.1.0.5-10.1.0.20" },
	  { "10.1.0.16/28" },
	  0,
	  { "10.1.0.16-10.1.0.20" } },
	{ "ports overlap",
	  { "10.0.0.0/8[tcp/1000-2000]" },
	  { "10.1.0.0/16[tcp/1500-3000]" },
	  0,
	  { "10.1.0.0/16[tcp/1500-2000]" } },
	{ "ports disjoint",
	  { "10.0.0.0/8[tcp/1000-2000]" },
	  { "10.0.0.0/8[tcp/3000-4000]" },
	  -ENOENT },
	{ "protocol mismatch", { "10.0.0.0/8[tcp]" }, { "10.0.0.0/8[udp]" }, -ENOENT },
	{ "protocol any vs tcp/80",
	  { "10.0.0.0/8" },
	  { "10.0.0.0/8[tcp/80]" },
	  0,
	  { "10.0.0.0/8[tcp/80]" } },
	{ "tcp vs any", { "10.0.0.0/8[tcp]" }, { "0.0.0.0/0" }, 0, { "10.0.0.0/8[tcp]" } },
	{ "v4 vs v6", { "::/0" }, { "10.0.0.0/8" }, -ENOENT },
	{ "mixed families", { "0.0.0.0/0", "::/0" }, { "2001:db8::/32" }, 0, { "2001:db8::/32" } },
	{ "disjoint", { "10.1.0.0/24" }, { "10.2.0.0/24" }, -ENOENT },
	/* the packet selector first, then the initiator's policy */
	{ "packet selector",
	  { "10.1.0.5[tcp/80]", "10.1.0.0/16" },
	  { "10.1.0.0/24" },
	  0,
	  { "10.1.0.0/24" } },
	{ "packet selector outside policy",
	  { "10.9.0.5[tcp/80]", "10.0.0.0/8" },
	  { "10.1.0.0/24" },
	  0,
	  { "10.1.0.0/24" } },
	{ "two configured",
	  { "10.0.0.0/8" },
	  { "10.1.0.0/24", "10.3.0.0/24[udp]" },
	  0,
	  { "10.1.0.0/24", "10.3.0.0/24[udp]" } },
	{ "contained result dropped",
	  { "0.0.0.0/0" },
	  { "10.1.0.0/24", "10.1.0.0/25" },
	  0,
	  { "10.1.0.0/24" } },
	{ "larger result replaces",
	  { "0.0.0.0/0" },
	  { "10.1.0.0/25", "10.1.0.0/24" },
	  0,
	  { "10.1.0.0/24" } },
	{ "opaque vs any",
	  { "10.0.0.0/8[udp/%opaque]" },
	  { "10.0.0.0/8[udp]" },
	  0,
	  { "10.0.0.0/8[udp/%opaque]" } },
	{ "opaque vs port", { "10.0.0.0/8[udp/%opaque]" }, { "10.0.0.0/8[udp/53]" }, -ENOENT },
	{ "icmp type",
	  { "10.0.0.0/8[icmp]" },
	  { "10.0.0.0/8[icmp/8]" },
	  0,
	  { "10.0.0.0/8[icmp/8]" } },
	{ "nothing proposed", { NULL }, { "10.0.0.0/8" }, -ENOENT },
};

static size_t ts_list(const char *const *strs, struct ike_ts *out)
{
	size_t n = 0;

	while (n < 3 && strs[n]) {
		out[n] = ts_of(strs[n]);
		n++;
	}
	return n;
}

START_TEST(test_narrow_table)
{
	const struct narrow_case *c = &narrow_cases[_i];
	struct ike_ts proposed[3], config[3], want[3], out[8];
	size_t np = ts_list(c->proposed, proposed), nc = ts_list(c->config, config);
	size_t nw = ts_list(c->want, want), n = 99;
	int ret = ike_ts_narrow(proposed, np, config, nc, out, 8, &n);

	ck_assert_msg(ret == c->ret, "%s: %d", c->name, ret);
	if (ret) {
		ck_assert_uint_eq(n, 0);
		return;
	}
	ck_assert_msg(n == nw, "%s: %zu selectors, want %zu", c->name, n, nw);
	for (size_t i = 0; i < n; i++)
		assert_ts_eq(&out[i], &want[i], c->name);
	/* what the responder returns passes the initiator's check */
	ck_assert_int_eq(ike_ts_check_narrowed(proposed, np, out, n), 0);
}
END_TEST

START_TEST(test_narrow_limits)
{
	struct ike_ts proposed[2], config[2], out[2];
	size_t n;

	proposed[0] = ts_of("0.0.0.0/0");
	config[0] = ts_of("10.1.0.0/24");
	config[1] = ts_of("10.2.0.0/24");
	ck_assert_int_eq(ike_ts_narrow(proposed, 1, config, 2, out, 1, &n), -ENOSPC);
	/* a malformed proposed selector (start above end) is ignored */
	proposed[1] = proposed[0];
	proposed[0] = ts_of("10.1.0.0/24");
	memcpy(proposed[0].start_addr, "\x0a\x01\x00\xff", 4);
	memcpy(proposed[0].end_addr, "\x0a\x01\x00\x00", 4);
	ck_assert(!ike_ts_valid(&proposed[0]));
	ck_assert_int_eq(ike_ts_narrow(proposed, 1, config, 2, out, 2, &n), -ENOENT);
	ck_assert_int_eq(ike_ts_narrow(proposed, 2, config, 2, out, 2, &n), 0);
	ck_assert_uint_eq(n, 2);
	/* unknown type */
	proposed[0] = ts_of("10.1.0.0/24");
	proposed[0].type = 9;
	ck_assert_int_eq(ike_ts_narrow(proposed, 1, config, 2, out, 2, &n), -ENOENT);
}
END_TEST

START_TEST(test_check_narrowed)
{
	struct ike_ts proposed[2], ret[2];

	proposed[0] = ts_of("10.1.0.0/16[tcp]");
	proposed[1] = ts_of("2001:db8::/32");
	ret[0] = ts_of("10.1.2.0/24[tcp/80]");
	ret[1] = ts_of("2001:db8:1::/48[udp]");
	ck_assert_int_eq(ike_ts_check_narrowed(proposed, 2, ret, 2), 0);
	ck_assert_int_eq(ike_ts_check_narrowed(proposed, 2, ret, 1), 0);
	/* empty */
	ck_assert_int_eq(ike_ts_check_narrowed(proposed, 2, ret, 0), -EINVAL);
	/* wider than proposed */
	ret[0] = ts_of("10.0.0.0/8[tcp]");
	ck_assert_int_eq(ike_ts_check_narrowed(proposed, 2, ret, 1), -EINVAL);
	/* protocol widened to any */
	ret[0] = ts_of("10.1.2.0/24");
	ck_assert_int_eq(ike_ts_check_narrowed(proposed, 2, ret, 1), -EINVAL);
	/* other protocol */
	ret[0] = ts_of("10.1.2.0/24[udp]");
	ck_assert_int_eq(ike_ts_check_narrowed(proposed, 2, ret, 1), -EINVAL);
	/* spans two proposed selectors: strict, rejected */
	proposed[0] = ts_of("10.1.0.0/25");
	proposed[1] = ts_of("10.1.0.128/25");
	ret[0] = ts_of("10.1.0.0/24");
	ck_assert_int_eq(ike_ts_check_narrowed(proposed, 2, ret, 1), -EINVAL);
	/* malformed */
	ret[0] = ts_of("10.1.0.0/26");
	ck_assert_int_eq(ike_ts_check_narrowed(proposed, 2, ret, 1), 0);
	ret[0].end_port = 10;
	ret[0].start_port = 20;
	ck_assert_int_eq(ike_ts_check_narrowed(proposed, 2, ret, 1), -EINVAL);
	ret[0] = ts_of("::/0");
	ck_assert_int_eq(ike_ts_check_narrowed(proposed, 2, ret, 1), -EINVAL);
}
END_TEST

START_TEST(test_subset_intersect)
{
	struct ike_ts a = ts_of("10.1.0.0/24[tcp/80]"), b = ts_of("10.1.0.0/16[tcp]");
	struct ike_ts o = ts_of("10.1.0.0/24[tcp/%opaque]"), any = ts_of("10.1.0.0/24[tcp]");
	struct ike_ts r;

	ck_assert(ike_ts_is_subset(&a, &b));
	ck_assert(!ike_ts_is_subset(&b, &a));
	ck_assert(ike_ts_is_subset(&a, &a));
	ck_assert(ike_ts_is_subset(&o, &any));
	ck_assert(!ike_ts_is_subset(&any, &o));
	ck_assert(!ike_ts_is_subset(&o, &a));
	ck_assert(ike_ts_intersect(&a, &b, &r));
	assert_ts_eq(&r, &a, "a^b");
	ck_assert(ike_ts_intersect(&b, &a, NULL));
	ck_assert(!ike_ts_intersect(&a, &o, &r));
}
END_TEST

/* ----- prefixes and port masks ----- */

struct prefix_case {
	const char *ts;
	size_t n;
	const char *first;
	unsigned int first_len;
	const char *last;
	unsigned int last_len;
};

static const struct prefix_case prefix_cases[] = {
	{ "10.0.0.1-10.0.0.6", 4, "10.0.0.1", 32, "10.0.0.6", 32 },
	{ "10.1.0.0/24", 1, "10.1.0.0", 24, "10.1.0.0", 24 },
	{ "0.0.0.0/0", 1, "0.0.0.0", 0, "0.0.0.0", 0 },
	{ "10.1.0.5", 1, "10.1.0.5", 32, "10.1.0.5", 32 },
	{ "10.1.0.5-10.1.0.20", 5, "10.1.0.5", 32, "10.1.0.20", 32 },
	{ "0.0.0.1-255.255.255.254", 62, "0.0.0.1", 32, "255.255.255.254", 32 },
	{ "10.0.0.255-10.0.1.0", 2, "10.0.0.255", 32, "10.0.1.0", 32 },
	{ "::/0", 1, "::", 0, "::", 0 },
	{ "2001:db8::1-2001:db8::ff", 8, "2001:db8::1", 128, "2001:db8::80", 121 },
	{ "::1-ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 254, "::1", 128,
	  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 128 },
	{ "2001:db8::/32", 1, "2001:db8::", 32, "2001:db8::", 32 },
};

/* The prefixes must be ascending, aligned, adjacent, and cover the range. */
static void assert_exact_cover(const struct ike_ts *ts, const struct ike_prefix *p, size_t n)
{
	size_t alen = ts->type == V4 ? 4 : 16;
	uint8_t next[16];

	memcpy(next, ts->start_addr, alen);
	for (size_t i = 0; i < n; i++) {
		uint8_t last[16];
		unsigned int host = (unsigned int)alen * 8 - p[i].len;

		ck_assert_uint_eq(p[i].family, alen == 4 ? AF_INET : AF_INET6);
		ck_assert_msg(!memcmp(p[i].addr, next, alen), "prefix %zu not adjacent", i);
		memcpy(last, p[i].addr, alen);
		for (size_t b = 0; b < host; b++) {
			size_t byte = alen - 1 - b / 8;
			uint8_t bit = (uint8_t)(1u << (b % 8));

			ck_assert_msg(!(last[byte] & bit), "prefix %zu not aligned", i);
			last[byte] |= bit;
		}
		if (i == n - 1) {
			ck_assert(!memcmp(last, ts->end_addr, alen));
			break;
		}
		memcpy(next, last, alen);
		for (size_t k = alen; k-- > 0;)
			if (++next[k])
				break;
	}
}

START_TEST(test_prefixes)
{
	const struct prefix_case *c = &prefix_cases[_i];
	struct ike_ts ts = ts_of(c->ts);
	struct ike_prefix p[256];
	uint8_t want[16] = { 0 };
	size_t n = 0;
	int af = ts.type == V4 ? AF_INET : AF_INET6;

	ck_assert_int_eq(ike_ts_to_prefixes(&ts, p, 256, &n), 0);
	ck_assert_msg(n == c->n, "%s: %zu prefixes, want %zu", c->ts, n, c->n);
	inet_pton(af, c->first, want);
	ck_assert_mem_eq(p[0].addr, want, 16);
	ck_assert_uint_eq(p[0].len, c->first_len);
	memset(want, 0, sizeof(want));
	inet_pton(af, c->last, want);
	ck_assert_mem_eq(p[n - 1].addr, want, 16);
	ck_assert_uint_eq(p[n - 1].len, c->last_len);
	assert_exact_cover(&ts, p, n);
	if (n > 1)
		ck_assert_int_eq(ike_ts_to_prefixes(&ts, p, n - 1, &n), -ENOSPC);
}
END_TEST

START_TEST(test_prefixes_example)
{
	struct ike_ts ts = ts_of("10.0.0.1-10.0.0.6");
	struct ike_prefix p[8];
	static const char *const want[] = { "10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/31",
					    "10.0.0.6/32" };
	size_t n;

	ck_assert_int_eq(ike_ts_to_prefixes(&ts, p, 8, &n), 0);
	ck_assert_uint_eq(n, 4);
	for (size_t i = 0; i < n; i++) {
		char buf[64], a[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, p[i].addr, a, sizeof(a));
		snprintf(buf, sizeof(buf), "%s/%u", a, p[i].len);
		ck_assert_str_eq(buf, want[i]);
	}
	ts.type = 0;
	ck_assert_int_eq(ike_ts_to_prefixes(&ts, p, 8, &n), -EINVAL);
}
END_TEST

/* Deterministic pseudo-random IPv4 ranges, checked for exact cover. */
START_TEST(test_prefixes_random)
{
	uint32_t x = 12345;

	for (int i = 0; i < 2000; i++) {
		struct ike_ts ts = { .type = V4, .end_port = 65535 };
		struct ike_prefix p[64];
		uint32_t a, b;
		size_t n;

		x = x * 1103515245u + 12345u;
		a = x;
		x = x * 1103515245u + 12345u;
		b = i % 2 ? a + (x >> (x % 32)) : x;
		if (b < a) {
			uint32_t t = a;
			a = b;
			b = t;
		}
		a = htonl(a);
		b = htonl(b);
		memcpy(ts.start_addr, &a, 4);
		memcpy(ts.end_addr, &b, 4);
		ck_assert_int_eq(ike_ts_to_prefixes(&ts, p, 64, &n), 0);
		ck_assert_uint_le(n, 62);
		assert_exact_cover(&ts, p, n);
	}
}
END_TEST

static bool port_covered(const struct ike_port_mask *m, size_t n, uint32_t port)
{
	for (size_t i = 0; i < n; i++)
		if ((port & m[i].mask) == m[i].port)
			return true;
	return false;
}

START_TEST(test_port_masks)
{
	static const uint16_t ranges[][2] = { { 0, 65535 }, { 80, 80 },	     { 1000, 2000 },
					      { 1, 65534 }, { 0, 1023 },     { 1024, 65535 },
					      { 0, 0 },	    { 65535, 65535 } };
	struct ike_port_mask m[32];
	size_t n;

	ck_assert_int_eq(ike_ts_port_masks(0, 65535, m, 32, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(m[0].port, 0);
	ck_assert_uint_eq(m[0].mask, 0);
	ck_assert_int_eq(ike_ts_port_masks(80, 80, m, 32, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(m[0].port, 80);
	ck_assert_uint_eq(m[0].mask, 0xffff);
	ck_assert_int_eq(ike_ts_port_masks(1000, 2000, m, 32, &n), 0);
	ck_assert_uint_eq(n, 8);
	ck_assert_uint_eq(m[0].port, 1000);
	ck_assert_uint_eq(m[0].mask, 0xfff8);
	ck_assert_uint_eq(m[2].port, 1024);
	ck_assert_uint_eq(m[2].mask, 0xfe00);
	ck_assert_int_eq(ike_ts_port_masks(1, 65534, m, 32, &n), 0);
	ck_assert_uint_eq(n, 30);
	ck_assert_int_eq(ike_ts_port_masks(1, 65534, m, 29, &n), -ENOSPC);
	ck_assert_int_eq(ike_ts_port_masks(65535, 0, m, 32, &n), -ENOTSUP);

	/* exact cover, port by port */
	for (size_t r = 0; r < sizeof(ranges) / sizeof(ranges[0]); r++) {
		ck_assert_int_eq(ike_ts_port_masks(ranges[r][0], ranges[r][1], m, 32, &n), 0);
		for (uint32_t port = 0; port <= 65535; port++)
			ck_assert_msg(port_covered(m, n, port) ==
					  (port >= ranges[r][0] && port <= ranges[r][1]),
				      "range %u-%u port %u", ranges[r][0], ranges[r][1], port);
	}
}
END_TEST

/* ----- formatting ----- */

struct fmt_case {
	const char *in;
	const char *out;
};

static const struct fmt_case fmt_cases[] = {
	{ "10.1.0.0/24", "10.1.0.0/24" },
	{ "10.1.0.5", "10.1.0.5/32" },
	{ "10.1.0.5-10.1.0.20", "10.1.0.5..10.1.0.20" },
	{ "10.1.0.0-10.1.0.255", "10.1.0.0/24" },
	{ "2001:db8::/32", "2001:db8::/32" },
	{ "::/0", "::/0" },
	{ "2001:db8::1-2001:db8::ff[ipv6-icmp/135]", "2001:db8::1..2001:db8::ff[ipv6-icmp/135]" },
	{ "10.1.0.0/24[tcp/80]", "10.1.0.0/24[tcp/80]" },
	{ "0.0.0.0/0[udp]", "0.0.0.0/0[udp]" },
	{ "10.0.0.0/8[tcp/1000-2000]", "10.0.0.0/8[tcp/1000-2000]" },
	{ "10.0.0.0/8[icmp/8]", "10.0.0.0/8[icmp/8]" },
	{ "10.0.0.0/8[icmp/769]", "10.0.0.0/8[icmp/3(1)]" },
	{ "10.0.0.0/8[udp/%opaque]", "10.0.0.0/8[udp/OPAQUE]" },
	{ "10.0.0.0/8[/53]", "10.0.0.0/8[any/53]" },
	{ "10.0.0.0/8[99]", "10.0.0.0/8[99]" },
	{ "10.0.0.0/8[17/1701]", "10.0.0.0/8[udp/1701]" },
};

START_TEST(test_format)
{
	const struct fmt_case *c = &fmt_cases[_i];
	struct ike_ts ts = ts_of(c->in), back;
	char buf[IKE_TS_STR_LEN];
	int len = ike_ts_format(&ts, buf, sizeof(buf));

	ck_assert_str_eq(buf, c->out);
	ck_assert_int_eq(len, (int)strlen(c->out));
	/* what we print reads back (except ICMP codes and OPAQUE, strongSwan's
	 * print-only notations) */
	if (!strchr(c->out, '(') && !strstr(c->out, "OPAQUE")) {
		back = ts_of(buf);
		assert_ts_eq(&back, &ts, c->in);
	}
}
END_TEST

START_TEST(test_format_edge)
{
	struct ike_ts ts = ts_of("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0-ffff:ffff:ffff:ffff:ffff:"
				 "ffff:ffff:fffe[ipv6-icmp/65535]");
	char buf[IKE_TS_STR_LEN], small[10];
	int len = ike_ts_format(&ts, buf, sizeof(buf));

	ck_assert_int_gt(len, 0);
	ck_assert_int_lt(len, IKE_TS_STR_LEN);
	ck_assert_str_eq(buf, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fff0..ffff:ffff:ffff:ffff:ffff:"
			      "ffff:ffff:fffe[ipv6-icmp/255(255)]");
	ck_assert_int_eq(ike_ts_format(&ts, small, sizeof(small)), len);
	ck_assert_str_eq(small, "ffff:ffff");
	ts.type = 3;
	ike_ts_format(&ts, buf, sizeof(buf));
	ck_assert_str_eq(buf, "(invalid)");
}
END_TEST

#define N(a) ((int)(sizeof(a) / sizeof((a)[0])))

static Suite *make_suite(void)
{
	Suite *s = suite_create("ike_ts");
	TCase *tc = tcase_create("parse");

	tcase_add_loop_test(tc, test_parse_table, 0, N(parse_cases));
	tcase_add_test(tc, test_parse_dynamic);
	tcase_add_loop_test(tc, test_parse_errors, 0, N(err_cases));
	tcase_add_test(tc, test_parse_hostile);
	tcase_add_test(tc, test_parse_list);
	tcase_add_test(tc, test_resolve);
	suite_add_tcase(s, tc);

	tc = tcase_create("narrow");
	tcase_add_loop_test(tc, test_narrow_table, 0, N(narrow_cases));
	tcase_add_test(tc, test_narrow_limits);
	tcase_add_test(tc, test_check_narrowed);
	tcase_add_test(tc, test_subset_intersect);
	suite_add_tcase(s, tc);

	tc = tcase_create("xfrm");
	tcase_add_loop_test(tc, test_prefixes, 0, N(prefix_cases));
	tcase_add_test(tc, test_prefixes_example);
	tcase_add_test(tc, test_prefixes_random);
	tcase_add_test(tc, test_port_masks);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_add_loop_test(tc, test_format, 0, N(fmt_cases));
	tcase_add_test(tc, test_format_edge);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
