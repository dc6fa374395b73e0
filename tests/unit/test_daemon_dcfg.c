// SPDX-License-Identifier: GPL-2.0-or-later
/* daemon/dcfg: identities, PSK lookup, conf model -> engine config. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "conf/conf.h"
#include "daemon/dcfg.h"
#include "tests/unit/unit.h"

static struct conf *load(const char *text)
{
	struct conf_diags diags;
	struct conf *c = NULL;
	int rc;

	conf_diags_init(&diags);
	rc = conf_load_string("test.conf", text, strlen(text), &c, &diags);
	for (size_t i = 0; i < diags.n; i++)
		fprintf(stderr, "%s\n", diags.list[i].msg);
	ck_assert_int_eq(rc, 0);
	conf_diags_clear(&diags);
	return c;
}

START_TEST(id_types)
{
	struct ike_id id;
	char err[DCFG_ERR_LEN];

	ck_assert_int_eq(dcfg_id_parse("192.0.2.1", &id, err, sizeof(err)), 0);
	ck_assert_int_eq(id.type, IKE_ID_IPV4_ADDR);
	ck_assert_int_eq(id.len, 4);
	ck_assert_int_eq(id.data[0], 192);
	ck_assert_int_eq(id.data[3], 1);

	ck_assert_int_eq(dcfg_id_parse("2001:db8::1", &id, err, sizeof(err)), 0);
	ck_assert_int_eq(id.type, IKE_ID_IPV6_ADDR);
	ck_assert_int_eq(id.len, 16);
	ck_assert_int_eq(id.data[15], 1);

	ck_assert_int_eq(dcfg_id_parse("@site-a.example.org", &id, err, sizeof(err)), 0);
	ck_assert_int_eq(id.type, IKE_ID_FQDN);
	ck_assert_int_eq(id.len, strlen("site-a.example.org"));
	ck_assert(!memcmp(id.data, "site-a.example.org", id.len));

	/* "@" forces FQDN even for what looks like an address. */
	ck_assert_int_eq(dcfg_id_parse("@192.0.2.1", &id, err, sizeof(err)), 0);
	ck_assert_int_eq(id.type, IKE_ID_FQDN);
	ck_assert_int_eq(id.len, 9);

	ck_assert_int_eq(dcfg_id_parse("left", &id, err, sizeof(err)), 0);
	ck_assert_int_eq(id.type, IKE_ID_FQDN);
	ck_assert_int_eq(id.len, 4);

	ck_assert_int_eq(dcfg_id_parse("alice@example.org", &id, err, sizeof(err)), 0);
	ck_assert_int_eq(id.type, IKE_ID_RFC822_ADDR);
	ck_assert_int_eq(id.len, 17);

	ck_assert_int_eq(dcfg_id_parse("@#0aFF10", &id, err, sizeof(err)), 0);
	ck_assert_int_eq(id.type, IKE_ID_KEY_ID);
	ck_assert_int_eq(id.len, 3);
	ck_assert_int_eq(id.data[0], 0x0a);
	ck_assert_int_eq(id.data[1], 0xff);
	ck_assert_int_eq(id.data[2], 0x10);
}
END_TEST

START_TEST(id_errors)
{
	struct ike_id id;
	char err[DCFG_ERR_LEN], big[300];

	ck_assert_int_eq(dcfg_id_parse("C=CH, O=strongSwan, CN=moon", &id, err, sizeof(err)),
			 -ENOTSUP);
	ck_assert_ptr_nonnull(strstr(err, "Distinguished Names"));
	ck_assert_int_eq(dcfg_id_parse("", &id, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(dcfg_id_parse(NULL, &id, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(dcfg_id_parse("@", &id, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(dcfg_id_parse("@#", &id, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(dcfg_id_parse("@#abc", &id, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(dcfg_id_parse("@#zz", &id, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(id.type, 0);
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ck_assert_int_eq(dcfg_id_parse(big, &id, err, sizeof(err)), -EINVAL);
	big[255] = '\0';
	ck_assert_int_eq(dcfg_id_parse(big, &id, err, sizeof(err)), 0);
	ck_assert_int_eq(id.len, 255);
	/* 256 hex octets do not fit. */
	{
		char hex[2 + 512 + 1];

		hex[0] = '@', hex[1] = '#';
		memset(hex + 2, 'a', 512);
		hex[514] = '\0';
		ck_assert_int_eq(dcfg_id_parse(hex, &id, err, sizeof(err)), -EINVAL);
	}
}
END_TEST

START_TEST(addresses)
{
	struct ike_addr a;
	bool wild;
	char err[DCFG_ERR_LEN];

	ck_assert_int_eq(dcfg_addr_parse("192.0.2.1", &a, &wild, err, sizeof(err)), 0);
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert(!wild);
	ck_assert_int_eq(dcfg_addr_parse("2001:db8::2", &a, &wild, err, sizeof(err)), 0);
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert_int_eq(dcfg_addr_parse("%any", &a, &wild, err, sizeof(err)), 0);
	ck_assert_int_eq(a.family, 0);
	ck_assert(wild);
	/* Wildcards keep the family they allow. */
	ck_assert_int_eq(dcfg_addr_parse("%any4", &a, &wild, err, sizeof(err)), 0);
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert(wild);
	ck_assert_int_eq(dcfg_addr_parse("%any6", &a, &wild, err, sizeof(err)), 0);
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert(wild);
	ck_assert_int_eq(dcfg_addr_parse("::", &a, &wild, err, sizeof(err)), 0);
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert(wild);
	ck_assert_int_eq(dcfg_addr_parse("0.0.0.0", &a, &wild, err, sizeof(err)), 0);
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert(wild);
	ck_assert_int_eq(dcfg_addr_parse("10.0.0.0/8", &a, &wild, err, sizeof(err)), 0);
	ck_assert_int_eq(a.family, AF_INET);
	ck_assert(wild);
	ck_assert_int_eq(dcfg_addr_parse("2001:db8:1::/48", &a, &wild, err, sizeof(err)), 0);
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert(wild);
	ck_assert_int_eq(dcfg_addr_parse("10.0.0.1-10.0.0.9", &a, &wild, err, sizeof(err)), 0);
	ck_assert(wild);
	ck_assert_int_eq(dcfg_addr_parse("fd00::1-fd00::9", &a, &wild, err, sizeof(err)), 0);
	ck_assert_int_eq(a.family, AF_INET6);
	ck_assert(wild);
	for (size_t i = 0; i < sizeof(a.ip); i++)
		ck_assert_int_eq(a.ip[i], 0);
	ck_assert_int_eq(dcfg_addr_parse("vpn.example.org", &a, &wild, err, sizeof(err)),
			 -ENOTSUP);
	ck_assert_ptr_nonnull(strstr(err, "DNS names"));
	ck_assert_int_eq(dcfg_addr_parse("my-gw/x", &a, &wild, err, sizeof(err)), -ENOTSUP);
}
END_TEST

static const char *secrets_text =
    "secrets {\n"
    "  ike-any { secret = anykey\n}\n"
    "  ike-ab { id-a = a.example\nid-b = b.example\nsecret = abkey\n}\n"
    "  ike-ac { id = a.example\nid-c = c.example\nsecret = ackey\n}\n"
    "  ike-ip { id = 192.0.2.1\nid-r = 192.0.2.2\nsecret = ipkey\n}\n"
    "}\n";

static const char *key_for(const struct conf *c, const char *l, const char *r)
{
	struct ike_id lid, rid;
	char err[DCFG_ERR_LEN];
	const struct conf_secret *s;

	ck_assert_int_eq(dcfg_id_parse(l, &lid, err, sizeof(err)), 0);
	if (r)
		ck_assert_int_eq(dcfg_id_parse(r, &rid, err, sizeof(err)), 0);
	s = dcfg_psk_lookup(c, &lid, r ? &rid : NULL);
	return s ? s->name : "(none)";
}

START_TEST(psk_lookup)
{
	struct conf *c = load(secrets_text);

	ck_assert_str_eq(key_for(c, "a.example", "b.example"), "ike-ab");
	ck_assert_str_eq(key_for(c, "b.example", "a.example"), "ike-ab");
	ck_assert_str_eq(key_for(c, "a.example", "c.example"), "ike-ac");
	/* strongSwan: the peer's match ranks first. An unknown peer matches
	 * only the secret without ids (%any), which beats secrets matching
	 * just our id. */
	ck_assert_str_eq(key_for(c, "a.example", "d.example"), "ike-any");
	/* Our FQDN "192.0.2.1" is not the IPv4 id, but the peer's id matches
	 * ike-ip perfectly: that beats %any. */
	ck_assert_str_eq(key_for(c, "@192.0.2.1", "192.0.2.2"), "ike-ip");
	ck_assert_str_eq(key_for(c, "192.0.2.1", "192.0.2.2"), "ike-ip");
	/* Any peer: our id decides; the first best wins. */
	ck_assert_str_eq(key_for(c, "a.example", NULL), "ike-ab");
	conf_free(c);

	/* One matching identity is enough, on either side (strongSwan's
	 * mem_cred: a secret is skipped only when neither id matches). */
	c = load("secrets { ike-x { id = x\nsecret = k\n} }\n");
	ck_assert_str_eq(key_for(c, "y", "x"), "ike-x");
	ck_assert_str_eq(key_for(c, "x", "y"), "ike-x");
	ck_assert_str_eq(key_for(c, "y", "z"), "(none)");
	/* Any peer: the peer may turn out to be x, so the secret may apply. */
	ck_assert_str_eq(key_for(c, "y", NULL), "ike-x");
	conf_free(c);
}
END_TEST

static const char *conn_text =
    "connections {\n"
    "  gw {\n"
    "    local_addrs = 192.0.2.1\n"
    "    remote_addrs = 192.0.2.2, 192.0.2.3\n"
    "    proposals = aes256gcm16-prfsha256-x25519, aes128-sha256-modp2048\n"
    "    dpd_delay = 30s\n"
    "    local { auth = psk\n id = @left }\n"
    "    remote { auth = psk\n id = right }\n"
    "    children {\n"
    "      net {\n"
    "        local_ts = 10.1.0.0/24, 10.3.0.0/24\n"
    "        remote_ts = 10.2.0.0/24\n"
    "        esp_proposals = aes256gcm16, aes128-sha256\n"
    "        mode = transport\n"
    "        start_action = start\n"
    "        rekey_time = 20m\n"
    "      }\n"
    "      other { }\n"
    "    }\n"
    "  }\n"
    "  anyone { local { auth = psk\n} remote { auth = psk\n} children { c { } } }\n"
    "}\n"
    "secrets { ike-1 { id = left\nid-2 = right\nsecret = \"0123456789\"\n}\n"
    "          ike-2 { id = 192.0.2.9\nsecret = other\n} }\n";

START_TEST(convert)
{
	struct conf *c = load(conn_text);
	struct conf_conn *cc = conf_find_conn(c, "gw");
	struct dcfg_conn dc;
	char err[DCFG_ERR_LEN + 320];
	const struct ike_child_cfg *k;

	ck_assert_ptr_nonnull(cc);
	ck_assert_int_eq(dcfg_conn_convert(c, cc, &dc, err, sizeof(err)), 0);
	ck_assert_str_eq(dc.cfg.name, "gw");
	ck_assert_int_eq(dc.cfg.local.family, AF_INET);
	ck_assert_int_eq(dc.cfg.local.port, 500);
	ck_assert_int_eq(dc.cfg.remote.ip[3], 2); /* the first remote address */
	ck_assert_int_eq(dc.cfg.remote.port, 500);
	ck_assert_str_eq(dc.cfg.proposals, "aes256gcm16-prfsha256-x25519,aes128-sha256-modp2048");
	ck_assert_int_eq(dc.cfg.local_id.type, IKE_ID_FQDN);
	ck_assert_int_eq(dc.cfg.local_id.len, 4);
	ck_assert_int_eq(dc.cfg.remote_id.type, IKE_ID_FQDN);
	ck_assert_int_eq(dc.cfg.dpd_delay, 30);
	ck_assert_uint_eq(dc.cfg.psk_len, 10);
	ck_assert(!memcmp(dc.cfg.psk, "0123456789", 10));
	ck_assert_uint_eq(dc.cfg.n_children, 2);
	k = &dc.cfg.children[0];
	ck_assert_str_eq(k->name, "net");
	ck_assert_str_eq(k->local_ts, "10.1.0.0/24,10.3.0.0/24");
	ck_assert_str_eq(k->remote_ts, "10.2.0.0/24");
	ck_assert_str_eq(k->esp_proposals, "aes256gcm16,aes128-sha256");
	ck_assert_int_eq(k->mode, IKE_MODE_TRANSPORT);
	ck_assert(k->start);
	ck_assert_int_eq(k->rekey_time, 1200);
	ck_assert_int_eq(k->life_time, 1320); /* strongSwan: +10% */
	k = &dc.cfg.children[1];
	ck_assert_str_eq(k->local_ts, "dynamic");
	ck_assert_str_eq(k->esp_proposals, "default");
	ck_assert_int_eq(k->mode, IKE_MODE_TUNNEL);
	ck_assert(!k->start);
	dcfg_conn_free(&dc);

	/* %any both ways, no ids: both identities are wildcards, which
	 * every secret matches equally; the first in the file wins. */
	cc = conf_find_conn(c, "anyone");
	ck_assert_int_eq(dcfg_conn_convert(c, cc, &dc, err, sizeof(err)), 0);
	ck_assert_int_eq(dc.cfg.local.family, 0);
	ck_assert_int_eq(dc.cfg.remote.family, 0);
	ck_assert_int_eq(dc.cfg.local_id.type, 0);
	ck_assert_uint_eq(dc.cfg.psk_len, 10);
	dcfg_conn_free(&dc);
	conf_free(c);
}
END_TEST

START_TEST(convert_errors)
{
	struct conf *c;
	struct dcfg_conn dc;
	char err[DCFG_ERR_LEN + 320];

	c = load("connections { x { remote_addrs = vpn.example.org\n"
		 " local { auth = psk\n} remote { auth = psk\n} } }\n"
		 "secrets { ike { secret = k\n} }\n");
	ck_assert_int_eq(dcfg_conn_convert(c, conf_find_conn(c, "x"), &dc, err, sizeof(err)),
			 -ENOTSUP);
	ck_assert_ptr_nonnull(strstr(err, "test.conf:1:"));
	ck_assert_ptr_nonnull(strstr(err, "connection x"));
	ck_assert_ptr_nonnull(strstr(err, "DNS"));
	dcfg_conn_free(&dc);
	conf_free(c);

	c = load("connections { x {\n local { auth = psk\n id = \"CN=a\" }\n"
		 " remote { auth = psk\n} } }\nsecrets { ike { secret = k } }\n");
	ck_assert_int_eq(dcfg_conn_convert(c, conf_find_conn(c, "x"), &dc, err, sizeof(err)),
			 -ENOTSUP);
	ck_assert_ptr_nonnull(strstr(err, "test.conf:3:"));
	ck_assert_ptr_nonnull(strstr(err, "local id"));
	dcfg_conn_free(&dc);
	conf_free(c);

	c = load("connections { x { local_addrs = 192.0.2.1\n local { auth = psk\n id = a }\n"
		 " remote { auth = psk\n id = b } } }\n"
		 "secrets { ike { id = c\nsecret = k\n} }\n");
	ck_assert_int_eq(dcfg_conn_convert(c, conf_find_conn(c, "x"), &dc, err, sizeof(err)),
			 -ENOKEY);
	ck_assert_ptr_nonnull(strstr(err, "no pre-shared key"));
	dcfg_conn_free(&dc);
	conf_free(c);
}
END_TEST

/* Convert connection "c" of a one-connection file with these addresses
 * (NULL: not set); returns dcfg_conn_convert's result, *dc to free. */
static int convert_addrs(const char *local, const char *remote, struct dcfg_conn *dc, char *err,
			 size_t errlen)
{
	char text[512];
	struct conf *c;
	int rc;

	snprintf(text, sizeof(text),
		 "connections { c {\n%s%s%s%s%s%s"
		 " local { auth = psk\n id = a }\n remote { auth = psk\n id = b } } }\n"
		 "secrets { ike { id = a\nsecret = k\n} }\n",
		 local ? " local_addrs = " : "", local ? local : "", local ? "\n" : "",
		 remote ? " remote_addrs = " : "", remote ? remote : "", remote ? "\n" : "");
	c = load(text);
	rc = dcfg_conn_convert(c, conf_find_conn(c, "c"), dc, err, errlen);
	conf_free(c);
	return rc;
}

static const char *ip_str(const struct ike_addr *a, char *buf, size_t len)
{
	if (!a->family)
		return "%any";
	return inet_ntop(a->family, a->ip, buf, (socklen_t)len);
}

START_TEST(dual_stack_addresses)
{
	static const struct {
		const char *local, *remote;
		const char *want_local, *want_remote;
		uint8_t local_any, remote_any;
	} ok[] = {
		/* One list with both families: the local address of the
		 * remote's family, whichever comes first. */
		{ "192.0.2.1, 2001:db8::1", "2001:db8::2", "2001:db8::1", "2001:db8::2", 0, 0 },
		{ "2001:db8::1, 192.0.2.1", "192.0.2.2", "192.0.2.1", "192.0.2.2", 0, 0 },
		{ "192.0.2.1, %any6", "2001:db8::2", "%any", "2001:db8::2", AF_INET6, 0 },
		/* The first IP address of remote_addrs, after wildcards. */
		{ NULL, "%any, 2001:db8::2, 192.0.2.2", "%any", "2001:db8::2", AF_INET6, 0 },
		{ "%any6", "2001:db8::2", "%any", "2001:db8::2", AF_INET6, 0 },
		/* Wildcards only: their families restrict both sides. */
		{ "%any6", NULL, "%any", "%any", AF_INET6, 0 },
		{ NULL, "%any6", "%any", "%any", AF_INET6, AF_INET6 },
		{ "%any4", "10.0.0.0/8", "%any", "%any", AF_INET, AF_INET },
		{ "%any4, %any6", "%any", "%any", "%any", 0, 0 },
		{ "2001:db8::1", "%any6", "2001:db8::1", "%any", 0, AF_INET6 },
		{ "2001:db8::1", "fd00::/8", "2001:db8::1", "%any", 0, AF_INET6 },
		{ "2001:db8::1", NULL, "2001:db8::1", "%any", 0, 0 },
	};
	static const struct {
		const char *local, *remote, *why;
	} bad[] = {
		{ "192.0.2.1", "2001:db8::2", "local_addrs has no IPv6 address" },
		{ "%any6", "192.0.2.2", "local_addrs has no IPv4 address" },
		{ "2001:db8::1, %any6", "192.0.2.2", "local_addrs has no IPv4 address" },
		{ "192.0.2.1", "%any6", "local_addrs has no IPv6 address" },
		{ "%any4", "fd00::/8", "local_addrs has no IPv6 address" },
	};
	char err[DCFG_ERR_LEN + 320], buf[64];
	struct dcfg_conn dc;

	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		int rc = convert_addrs(ok[i].local, ok[i].remote, &dc, err, sizeof(err));

		ck_assert_msg(rc == 0, "%s / %s: %s", ok[i].local, ok[i].remote, err);
		ck_assert_str_eq(ip_str(&dc.cfg.local, buf, sizeof(buf)), ok[i].want_local);
		ck_assert_str_eq(ip_str(&dc.cfg.remote, buf, sizeof(buf)), ok[i].want_remote);
		ck_assert_msg(dc.cfg.local_any_family == ok[i].local_any,
			      "%s / %s: local family %u", ok[i].local, ok[i].remote,
			      dc.cfg.local_any_family);
		ck_assert_msg(dc.cfg.remote_any_family == ok[i].remote_any,
			      "%s / %s: remote family %u", ok[i].local, ok[i].remote,
			      dc.cfg.remote_any_family);
		ck_assert_int_eq(dc.cfg.local.port, 500);
		dcfg_conn_free(&dc);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = convert_addrs(bad[i].local, bad[i].remote, &dc, err, sizeof(err));

		ck_assert_msg(rc == -EINVAL, "%s / %s: %d", bad[i].local, bad[i].remote, rc);
		ck_assert_msg(strstr(err, bad[i].why), "%s / %s: %s", bad[i].local, bad[i].remote,
			      err);
		/* Where: the local_addrs line. */
		ck_assert_ptr_nonnull(strstr(err, "test.conf:2:"));
		dcfg_conn_free(&dc);
	}
}
END_TEST

/* IPv6 identities, and strongSwan's default one (our IPv6 address) in the
 * PSK lookup. */
START_TEST(ipv6_identities)
{
	static const char *text =
	    "connections {\n"
	    "  v6 { local_addrs = 2001:db8::1\n remote_addrs = 2001:db8::2\n"
	    "    local { auth = psk\n id = 2001:db8::1 }\n"
	    "    remote { auth = psk\n id = 2001:db8:0:0::2 } }\n"
	    "  noid { local_addrs = 2001:db8::1\n remote_addrs = 2001:db8::3\n"
	    "    local { auth = psk\n} remote { auth = psk\n} }\n"
	    "}\n"
	    "secrets { ike-4 { id = 192.0.2.1\nsecret = four\n}\n"
	    "  ike-6 { id-l = 2001:DB8::1\nid-r = 2001:db8::2\nsecret = six\n} }\n";
	static const uint8_t l6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static const uint8_t r6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 2 };
	char err[DCFG_ERR_LEN + 320];
	struct conf *c = load(text);
	struct dcfg_conn dc;

	ck_assert_int_eq(dcfg_conn_convert(c, conf_find_conn(c, "v6"), &dc, err, sizeof(err)), 0);
	ck_assert_int_eq(dc.cfg.local_id.type, IKE_ID_IPV6_ADDR);
	ck_assert_int_eq(dc.cfg.local_id.len, 16);
	ck_assert_mem_eq(dc.cfg.local_id.data, l6, 16);
	ck_assert_int_eq(dc.cfg.remote_id.type, IKE_ID_IPV6_ADDR);
	ck_assert_mem_eq(dc.cfg.remote_id.data, r6, 16);
	ck_assert_uint_eq(dc.cfg.psk_len, 3);
	ck_assert_mem_eq(dc.cfg.psk, "six", 3);
	dcfg_conn_free(&dc);
	/* No ids: our IPv6 address is our identity for the lookup. */
	ck_assert_int_eq(dcfg_conn_convert(c, conf_find_conn(c, "noid"), &dc, err, sizeof(err)),
			 0);
	ck_assert_int_eq(dc.cfg.local_id.type, 0);
	ck_assert_mem_eq(dc.cfg.psk, "six", 3);
	dcfg_conn_free(&dc);
	conf_free(c);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("daemon_dcfg");
	TCase *tc = tcase_create("dcfg");

	tcase_add_test(tc, id_types);
	tcase_add_test(tc, id_errors);
	tcase_add_test(tc, addresses);
	tcase_add_test(tc, psk_lookup);
	tcase_add_test(tc, convert);
	tcase_add_test(tc, convert_errors);
	tcase_add_test(tc, dual_stack_addresses);
	tcase_add_test(tc, ipv6_identities);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
