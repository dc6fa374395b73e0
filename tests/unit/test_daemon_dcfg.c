// SPDX-License-Identifier: GPL-2.0-or-later
/* daemon/dcfg: identities, PSK lookup, conf model -> engine config. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "conf/conf.h"
#include "daemon/dcfg.h"
#include "ike/id.h"
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

	/* '=' makes a Distinguished Name, as in strongSwan */
	ck_assert_int_eq(
	    dcfg_id_parse("C=CH, O=strongSwan, CN=moon.strongswan.org", &id, err, sizeof(err)), 0);
	ck_assert_int_eq(id.type, IKE_ID_DER_ASN1_DN);
	ck_assert_int_eq(id.len, 66);
	ck_assert_int_eq(id.data[0], 0x30);
	ck_assert_int_eq(id.data[1], 64);
	{
		struct ike_id id2;
		char text[128];

		ck_assert_int_eq(dcfg_id_parse("/C=CH/O=strongSwan/CN=*", &id2, err, sizeof(err)),
				 0);
		ck_assert_int_eq(id2.type, IKE_ID_DER_ASN1_DN);
		ck_assert_int_eq(ike_id_matches(&id2, &id), IKE_ID_MATCH_PERFECT - 1);
		ike_id_format(id.type, id.data, id.len, text, sizeof(text));
		ck_assert_str_eq(text, "C=CH, O=strongSwan, CN=moon.strongswan.org");
	}
}
END_TEST

START_TEST(id_errors)
{
	struct ike_id id;
	char err[DCFG_ERR_LEN], big[IKE_ID_MAX_LEN + 2];

	ck_assert_int_eq(dcfg_id_parse("C=CH, XY=strongSwan, CN=moon", &id, err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "unknown attribute \"XY\""));
	ck_assert_int_eq(id.type, 0);
	ck_assert_int_eq(dcfg_id_parse("C=CH, O", &id, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(id.type, 0);
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
	big[IKE_ID_MAX_LEN] = '\0';
	ck_assert_int_eq(dcfg_id_parse(big, &id, err, sizeof(err)), 0);
	ck_assert_int_eq(id.len, IKE_ID_MAX_LEN);
	/* IKE_ID_MAX_LEN + 1 hex octets do not fit, IKE_ID_MAX_LEN do. */
	{
		char hex[2 + 2 * (IKE_ID_MAX_LEN + 1) + 1];

		hex[0] = '@', hex[1] = '#';
		memset(hex + 2, 'a', 2 * (IKE_ID_MAX_LEN + 1));
		hex[sizeof(hex) - 1] = '\0';
		ck_assert_int_eq(dcfg_id_parse(hex, &id, err, sizeof(err)), -EINVAL);
		hex[2 + 2 * IKE_ID_MAX_LEN] = '\0';
		ck_assert_int_eq(dcfg_id_parse(hex, &id, err, sizeof(err)), 0);
		ck_assert_int_eq(id.len, IKE_ID_MAX_LEN);
	}
}
END_TEST

static void want_range(const struct ike_addr_range *r, int family, const char *from, const char *to)
{
	uint8_t a[16] = { 0 }, b[16] = { 0 };

	ck_assert_int_eq(r->family, family);
	ck_assert_int_eq(inet_pton(family, from, a), 1);
	ck_assert_int_eq(inet_pton(family, to, b), 1);
	ck_assert_mem_eq(r->from, a, 16);
	ck_assert_mem_eq(r->to, b, 16);
}

START_TEST(addresses)
{
	struct dcfg_addr a;
	char err[DCFG_ERR_LEN];

	ck_assert_int_eq(dcfg_addr_parse("192.0.2.1", &a, err, sizeof(err)), 0);
	ck_assert_int_eq(a.kind, DCFG_ADDR_HOST);
	want_range(&a.range, AF_INET, "192.0.2.1", "192.0.2.1");
	ck_assert_int_eq(dcfg_addr_parse("2001:db8::2", &a, err, sizeof(err)), 0);
	ck_assert_int_eq(a.kind, DCFG_ADDR_HOST);
	want_range(&a.range, AF_INET6, "2001:db8::2", "2001:db8::2");
	ck_assert_int_eq(dcfg_addr_parse("%any", &a, err, sizeof(err)), 0);
	ck_assert_int_eq(a.kind, DCFG_ADDR_ANY);
	/* strongSwan's host.c: %any4 is 0.0.0.0, %any6 is :: */
	ck_assert_int_eq(dcfg_addr_parse("%any4", &a, err, sizeof(err)), 0);
	ck_assert_int_eq(a.kind, DCFG_ADDR_RANGE);
	want_range(&a.range, AF_INET, "0.0.0.0", "255.255.255.255");
	ck_assert_int_eq(dcfg_addr_parse("0.0.0.0", &a, err, sizeof(err)), 0);
	want_range(&a.range, AF_INET, "0.0.0.0", "255.255.255.255");
	ck_assert_int_eq(dcfg_addr_parse("%any6", &a, err, sizeof(err)), 0);
	ck_assert_int_eq(a.kind, DCFG_ADDR_RANGE);
	want_range(&a.range, AF_INET6, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	ck_assert_int_eq(dcfg_addr_parse("::", &a, err, sizeof(err)), 0);
	want_range(&a.range, AF_INET6, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");

	ck_assert_int_eq(dcfg_addr_parse("10.0.0.0/8", &a, err, sizeof(err)), 0);
	ck_assert_int_eq(a.kind, DCFG_ADDR_RANGE);
	want_range(&a.range, AF_INET, "10.0.0.0", "10.255.255.255");
	/* host bits cleared, as traffic_selector_create_from_cidr() does */
	ck_assert_int_eq(dcfg_addr_parse("10.20.30.40/12", &a, err, sizeof(err)), 0);
	want_range(&a.range, AF_INET, "10.16.0.0", "10.31.255.255");
	ck_assert_int_eq(dcfg_addr_parse("192.0.2.7/32", &a, err, sizeof(err)), 0);
	ck_assert_int_eq(a.kind, DCFG_ADDR_RANGE);
	want_range(&a.range, AF_INET, "192.0.2.7", "192.0.2.7");
	ck_assert_int_eq(dcfg_addr_parse("0.0.0.0/0", &a, err, sizeof(err)), 0);
	want_range(&a.range, AF_INET, "0.0.0.0", "255.255.255.255");
	ck_assert_int_eq(dcfg_addr_parse("2001:db8::/32", &a, err, sizeof(err)), 0);
	want_range(&a.range, AF_INET6, "2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff");
	ck_assert_int_eq(dcfg_addr_parse("2001:db8::1/127", &a, err, sizeof(err)), 0);
	want_range(&a.range, AF_INET6, "2001:db8::", "2001:db8::1");

	ck_assert_int_eq(dcfg_addr_parse("10.0.0.1-10.0.0.20", &a, err, sizeof(err)), 0);
	ck_assert_int_eq(a.kind, DCFG_ADDR_RANGE);
	want_range(&a.range, AF_INET, "10.0.0.1", "10.0.0.20");
	ck_assert_int_eq(dcfg_addr_parse("2001:db8::1-2001:db8::1:0", &a, err, sizeof(err)), 0);
	want_range(&a.range, AF_INET6, "2001:db8::1", "2001:db8::1:0");

	ck_assert_int_eq(dcfg_addr_parse("vpn.example.org", &a, err, sizeof(err)), 0);
	ck_assert_int_eq(a.kind, DCFG_ADDR_NAME);
	ck_assert_int_eq(dcfg_addr_parse("my-gw", &a, err, sizeof(err)), 0);
	ck_assert_int_eq(a.kind, DCFG_ADDR_NAME);

	ck_assert_int_eq(dcfg_addr_parse("10.0.0.20-10.0.0.1", &a, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "first address is after its last"));
	ck_assert_int_eq(dcfg_addr_parse("10.0.0.1-2001:db8::1", &a, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "one family"));
	ck_assert_int_eq(dcfg_addr_parse("10.0.0.0/33", &a, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "0 to 32"));
	ck_assert_int_eq(dcfg_addr_parse("2001:db8::/129", &a, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(dcfg_addr_parse("10.0.0.0/", &a, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(dcfg_addr_parse("my-gw/x", &a, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(dcfg_addr_parse("300.1.1.1", &a, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(dcfg_addr_parse("a b", &a, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not an IP address, subnet, range, DNS name or %any"));
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

	/* Secret ids with strongSwan's wildcards match as patterns: an
	 * equal id beats a pattern, a pattern beats %any, a DN with fewer
	 * wildcards beats one with more. */
	c = load("secrets {\n"
		 "  ike-any { id = %any\nsecret = k0\n}\n"
		 "  ike-users { id = *@example.org\nsecret = k1\n}\n"
		 "  ike-carol { id = carol@example.org\nsecret = k2\n}\n"
		 "  ike-hosts { id = *.example.org\nsecret = k3\n}\n"
		 "  ike-dn1 { id = \"C=CH, O=strongSwan, CN=*\"\nsecret = k4\n}\n"
		 "  ike-dn2 { id = \"C=CH, O=*, CN=*\"\nsecret = k5\n}\n"
		 "}\n");
	ck_assert_str_eq(key_for(c, "gw.example.com", "alice@example.org"), "ike-users");
	ck_assert_str_eq(key_for(c, "gw.example.com", "carol@example.org"), "ike-carol");
	ck_assert_str_eq(key_for(c, "gw.example.com", "moon.example.org"), "ike-hosts");
	ck_assert_str_eq(key_for(c, "gw.example.com", "alice@example.com"), "ike-any");
	ck_assert_str_eq(key_for(c, "gw.example.com", "C=CH, O=strongSwan, CN=sun"), "ike-dn1");
	ck_assert_str_eq(key_for(c, "gw.example.com", "C=CH, O=other, CN=sun"), "ike-dn2");
	ck_assert_str_eq(key_for(c, "gw.example.com", "C=DE, O=other, CN=sun"), "ike-any");
	/* our id through a pattern, when the peer is anyone */
	ck_assert_str_eq(key_for(c, "gw.example.org", NULL), "ike-hosts");
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
	ck_assert_int_eq(dcfg_conn_convert(c, cc, NULL, &dc, err, sizeof(err)), 0);
	ck_assert_str_eq(dc.cfg.name, "gw");
	ck_assert_int_eq(dc.cfg.local.family, AF_INET);
	ck_assert_int_eq(dc.cfg.local.port, 500);
	ck_assert_int_eq(dc.cfg.remote.ip[3], 2); /* the first remote address */
	ck_assert_int_eq(dc.cfg.remote.port, 500);
	ck_assert_uint_eq(dc.cfg.n_local_addrs, 1);
	want_range(&dc.cfg.local_addrs[0], AF_INET, "192.0.2.1", "192.0.2.1");
	ck_assert_uint_eq(dc.cfg.n_remote_addrs, 2);
	want_range(&dc.cfg.remote_addrs[0], AF_INET, "192.0.2.2", "192.0.2.2");
	want_range(&dc.cfg.remote_addrs[1], AF_INET, "192.0.2.3", "192.0.2.3");
	ck_assert(!dc.has_names);
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
	ck_assert_int_eq(dc.cfg.unique, IKE_UNIQUE_NO); /* strongSwan's default */
	dcfg_conn_free(&dc);

	/* %any both ways, no ids: both identities are wildcards, which
	 * every secret matches equally; the first in the file wins. */
	cc = conf_find_conn(c, "anyone");
	ck_assert_int_eq(dcfg_conn_convert(c, cc, NULL, &dc, err, sizeof(err)), 0);
	ck_assert_int_eq(dc.cfg.local.family, 0);
	ck_assert_int_eq(dc.cfg.remote.family, 0);
	ck_assert_uint_eq(dc.cfg.n_local_addrs, 0); /* %any: no ranges */
	ck_assert_uint_eq(dc.cfg.n_remote_addrs, 0);
	ck_assert_ptr_null(dc.cfg.remote_addrs);
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

	c = load("connections { x {\n remote_addrs = 192.0.2.1, 10.0.0.9-10.0.0.1\n"
		 " local { auth = psk\n} remote { auth = psk\n} } }\n"
		 "secrets { ike { secret = k\n} }\n");
	ck_assert_int_eq(dcfg_conn_convert(c, conf_find_conn(c, "x"), NULL, &dc, err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "test.conf:2: connection x: remote_addrs: "));
	ck_assert_ptr_nonnull(strstr(err, "10.0.0.9-10.0.0.1"));
	ck_assert_ptr_nonnull(strstr(err, "first address is after its last"));
	dcfg_conn_free(&dc);
	conf_free(c);

	c = load("connections { x {\n local { auth = psk\n id = \"XY=a\" }\n"
		 " remote { auth = psk\n} } }\nsecrets { ike { secret = k } }\n");
	ck_assert_int_eq(dcfg_conn_convert(c, conf_find_conn(c, "x"), NULL, &dc, err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "test.conf:3:"));
	ck_assert_ptr_nonnull(strstr(err, "local id"));
	ck_assert_ptr_nonnull(strstr(err, "unknown attribute \"XY\""));
	dcfg_conn_free(&dc);
	conf_free(c);

	/* Distinguished Names, as strongSwan's test scenarios write them */
	c = load("connections { x {\n local { auth = psk\n"
		 " id = \"C=CH, O=strongSwan, CN=moon.strongswan.org\" }\n"
		 " remote { auth = psk\n id = \"C=CH, O=strongSwan, CN=*\" } } }\n"
		 "secrets { ike { id = \"C=CH, O=strongSwan, CN=moon.strongswan.org\"\n"
		 " secret = k } }\n");
	ck_assert_int_eq(dcfg_conn_convert(c, conf_find_conn(c, "x"), NULL, &dc, err, sizeof(err)),
			 0);
	ck_assert_int_eq(dc.cfg.local_id.type, IKE_ID_DER_ASN1_DN);
	ck_assert_int_eq(dc.cfg.remote_id.type, IKE_ID_DER_ASN1_DN);
	ck_assert_int_eq(dc.cfg.local_id.len, 66);
	ck_assert_ptr_nonnull(dcfg_psk_lookup(c, &dc.cfg.local_id, NULL));
	dcfg_conn_free(&dc);
	conf_free(c);

	c = load("connections { x { local_addrs = 192.0.2.1\n local { auth = psk\n id = a }\n"
		 " remote { auth = psk\n id = b } } }\n"
		 "secrets { ike { id = c\nsecret = k\n} }\n");
	ck_assert_int_eq(dcfg_conn_convert(c, conf_find_conn(c, "x"), NULL, &dc, err, sizeof(err)),
			 -ENOKEY);
	ck_assert_ptr_nonnull(strstr(err, "no pre-shared key"));
	dcfg_conn_free(&dc);
	conf_free(c);
}
END_TEST

/* Conversion goes on after an error: every error of the connection, each
 * at its own key's line with the bad value. */
START_TEST(convert_every_error)
{
	struct conf *c;
	struct dcfg_conn dc;
	char err[DCFG_ERR_LEN + 320];

	c = load("connections { x {\n"
		 " remote_addrs = 10.0.0.9-10.0.0.1\n"
		 " proposals = aes128-sha256-modp2048, aes128-nosuch-x25519\n"
		 " local { auth = psk\n id = \"NOSUCHATTR=a\" }\n"
		 " remote { auth = psk\n}\n"
		 " children { a {\n"
		 "  local_ts = 10.1.0.0/24, 10.1.0.0/99\n"
		 "  remote_ts = 10.2.0.0/16[nosuchproto]\n"
		 "  esp_proposals = aes128gcm16-camellia\n"
		 " } } } }\n"
		 "secrets { ike { secret = k } }\n");
	ck_assert_int_eq(dcfg_conn_convert(c, conf_find_conn(c, "x"), NULL, &dc, err, sizeof(err)),
			 -EINVAL);
	for (size_t i = 0; i < dc.n_errors; i++)
		fprintf(stderr, "  %s\n", dc.errors[i]);
	ck_assert_uint_eq(dc.n_errors, 6);
	ck_assert_str_eq(err, dc.errors[0]);
	ck_assert_ptr_nonnull(strstr(dc.errors[0], "test.conf:2: connection x: remote_addrs: "));
	ck_assert_ptr_nonnull(strstr(dc.errors[0], "10.0.0.9-10.0.0.1"));
	ck_assert_ptr_nonnull(strstr(dc.errors[1], "test.conf:5: connection x: local id: "));
	ck_assert_ptr_nonnull(strstr(dc.errors[2], "test.conf:3: connection x: proposals: "));
	ck_assert_ptr_nonnull(strstr(dc.errors[2], "nosuch"));
	ck_assert_ptr_nonnull(
	    strstr(dc.errors[3], "test.conf:11: connection x: child a: esp_proposals: "));
	ck_assert_ptr_nonnull(strstr(dc.errors[3], "camellia"));
	ck_assert_ptr_nonnull(
	    strstr(dc.errors[4], "test.conf:9: connection x: child a: local_ts: "));
	ck_assert_ptr_nonnull(strstr(dc.errors[4], "10.1.0.0/99"));
	ck_assert_ptr_nonnull(
	    strstr(dc.errors[5], "test.conf:10: connection x: child a: remote_ts: "));
	ck_assert_ptr_nonnull(strstr(dc.errors[5], "nosuchproto"));
	dcfg_conn_free(&dc);
	conf_free(c);
}
END_TEST

/* The daemon's side of a child: marks and if_id, the connection's if_id
 * when the child has none. */
START_TEST(convert_gateway_keys)
{
	struct conf *c;
	struct dcfg_conn dc;
	char err[DCFG_ERR_LEN + 320];
	const struct dcfg_child *a, *b;

	c = load("connections { x {\n if_id_in = 5\n if_id_out = 6\n"
		 " local { auth = psk\n} remote { auth = psk\n}\n"
		 " children {\n a { updown = /bin/up arg\n hostaccess = yes\n"
		 "  mark_in = 0x20/0xff\n mark_out = %unique\n mark_in_sa = yes\n"
		 "  set_mark_out = %same\n if_id_in = 9 }\n"
		 " b { }\n } } }\n"
		 "secrets { ike { secret = k } }\n");
	ck_assert_int_eq(dcfg_conn_convert(c, conf_find_conn(c, "x"), NULL, &dc, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(dc.n_errors, 0);
	a = &dc.dchildren[0];
	b = &dc.dchildren[1];
	ck_assert_str_eq(a->updown, "/bin/up arg");
	ck_assert(a->hostaccess && a->mark_in_sa);
	ck_assert_uint_eq(a->mark_in.value, 0x20);
	ck_assert_uint_eq(a->mark_in.mask, 0xff);
	ck_assert_uint_eq(a->mark_out.value, CONF_MARK_UNIQUE);
	ck_assert_uint_eq(a->set_mark_out.value, CONF_MARK_SAME);
	ck_assert_uint_eq(a->if_id_in, 9);
	ck_assert_uint_eq(a->if_id_out, 6);
	ck_assert_ptr_null(b->updown);
	ck_assert(!b->hostaccess);
	ck_assert_uint_eq(b->if_id_in, 5);
	ck_assert_uint_eq(b->if_id_out, 6);
	ck_assert_uint_eq(b->mark_in.mask | b->mark_out.mask, 0);
	dcfg_conn_free(&dc);
	conf_free(c);
}
END_TEST

/* A resolver that knows a few names (a table ending with a NULL name). */
struct fake_name {
	const char *name, *v4, *v6;
};

static int fake_resolve(void *ctx, const char *name, struct ike_addr *v4, struct ike_addr *v6,
			char *err, size_t errlen)
{
	for (const struct fake_name *f = ctx; f->name; f++) {
		if (strcmp(f->name, name))
			continue;
		memset(v4, 0, sizeof(*v4));
		memset(v6, 0, sizeof(*v6));
		if (f->v4) {
			v4->family = AF_INET;
			ck_assert_int_eq(inet_pton(AF_INET, f->v4, v4->ip), 1);
		}
		if (f->v6) {
			v6->family = AF_INET6;
			ck_assert_int_eq(inet_pton(AF_INET6, f->v6, v6->ip), 1);
		}
		return 0;
	}
	snprintf(err, errlen, "Name or service not known");
	return -ENOENT;
}

static struct fake_name names[] = {
	{ "gw.example.org", "203.0.113.5", "2001:db8:5::5" },
	{ "dual.example.org", "203.0.113.6", "2001:db8:6::6" },
	{ "v6only.example.org", NULL, "2001:db8:7::7" },
	{ NULL, NULL, NULL },
};

static struct fake_name names_moved[] = {
	{ "gw.example.org", "203.0.113.50", "2001:db8:5::5" },
	{ NULL, NULL, NULL },
};

static void want_addr(const struct ike_addr *a, int family, const char *ip)
{
	uint8_t b[16] = { 0 };

	ck_assert_int_eq(a->family, family);
	ck_assert_int_eq(inet_pton(family, ip, b), 1);
	ck_assert_mem_eq(a->ip, b, 16);
}

static const char *lists_text =
    "connections {\n"
    "  lists {\n"
    "    local_addrs = 192.0.2.1, 2001:db8::1\n"
    "    remote_addrs = 10.0.0.0/8, 10.1.0.1-10.1.0.20, %any6, gw.example.org, 198.51.100.7\n"
    "    remote_port = 4500\n"
    "    local { auth = psk\n}\n"
    "  }\n"
    "  v6first {\n"
    "    local_addrs = 2001:db8::1, 192.0.2.1\n"
    "    remote_addrs = dual.example.org\n"
    "    local { auth = psk\n}\n"
    "  }\n"
    "  v6only {\n"
    "    local_addrs = 192.0.2.1\n"
    "    remote_addrs = v6only.example.org\n"
    "    local { auth = psk\n}\n"
    "  }\n"
    "  anymix {\n"
    "    remote_addrs = %any, 192.0.2.9\n"
    "    local { auth = psk\n}\n"
    "  }\n"
    "  families {\n"
    "    local_addrs = %any4\n"
    "    remote_addrs = %any6\n"
    "    local { auth = psk\n}\n"
    "  }\n"
    "  unknown {\n"
    "    remote_addrs = nowhere.example.org\n"
    "    local { auth = psk\n}\n"
    "  }\n"
    "  unknown-mixed {\n"
    "    remote_addrs = nowhere.example.org, 192.0.2.10\n"
    "    local { auth = psk\n}\n"
    "  }\n"
    "}\n"
    "secrets { ike { secret = k\n} }\n";

static void convert_one(const struct conf *c, const char *name, struct fake_name *table,
			struct dcfg_conn *dc)
{
	const struct dcfg_resolver res = { fake_resolve, table };
	char err[DCFG_ERR_LEN + 320];
	int rc = dcfg_conn_convert(c, conf_find_conn(c, name), &res, dc, err, sizeof(err));

	ck_assert_msg(rc == 0, "%s: %s", name, err);
}

START_TEST(convert_addr_lists)
{
	struct conf *c = load(lists_text);
	struct dcfg_conn dc, again;

	/* Hosts, subnets, ranges, a family, a name: every entry a range; the
	 * initiate goes to the first entry that is an address or a name, in
	 * local_addrs' family. */
	convert_one(c, "lists", names, &dc);
	ck_assert_uint_eq(dc.cfg.n_local_addrs, 2);
	want_range(&dc.cfg.local_addrs[0], AF_INET, "192.0.2.1", "192.0.2.1");
	want_range(&dc.cfg.local_addrs[1], AF_INET6, "2001:db8::1", "2001:db8::1");
	ck_assert_uint_eq(dc.cfg.n_remote_addrs, 6);
	want_range(&dc.cfg.remote_addrs[0], AF_INET, "10.0.0.0", "10.255.255.255");
	want_range(&dc.cfg.remote_addrs[1], AF_INET, "10.1.0.1", "10.1.0.20");
	want_range(&dc.cfg.remote_addrs[2], AF_INET6,
		   "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	want_range(&dc.cfg.remote_addrs[3], AF_INET, "203.0.113.5", "203.0.113.5");
	want_range(&dc.cfg.remote_addrs[4], AF_INET6, "2001:db8:5::5", "2001:db8:5::5");
	want_range(&dc.cfg.remote_addrs[5], AF_INET, "198.51.100.7", "198.51.100.7");
	want_addr(&dc.cfg.remote, AF_INET, "203.0.113.5");
	ck_assert_uint_eq(dc.cfg.remote.port, 4500);
	want_addr(&dc.cfg.local, AF_INET, "192.0.2.1");
	ck_assert_uint_eq(dc.cfg.local.port, 500);
	ck_assert(dc.has_names);
	ck_assert_uint_eq(dc.n_unresolved, 0);
	ck_assert_str_eq(dc.warning, "");

	/* The same answers: the same addresses; the name moved: not. */
	convert_one(c, "lists", names, &again);
	ck_assert(dcfg_addrs_equal(&dc, &again));
	dcfg_conn_free(&again);
	convert_one(c, "lists", names_moved, &again);
	ck_assert(!dcfg_addrs_equal(&dc, &again));
	want_addr(&again.cfg.remote, AF_INET, "203.0.113.50");
	dcfg_conn_free(&again);
	dcfg_conn_free(&dc);

	/* An IPv6 local address first: the name's IPv6 address. */
	convert_one(c, "v6first", names, &dc);
	want_addr(&dc.cfg.remote, AF_INET6, "2001:db8:6::6");
	want_addr(&dc.cfg.local, AF_INET6, "2001:db8::1");
	ck_assert_uint_eq(dc.cfg.n_remote_addrs, 2);
	dcfg_conn_free(&dc);

	/* The name has no address of local_addrs' family: nothing to initiate
	 * to (said in a warning) until it has; it answers. */
	convert_one(c, "v6only", names, &dc);
	ck_assert_int_eq(dc.cfg.remote.family, 0);
	ck_assert_ptr_nonnull(strstr(dc.warning, "local_addrs has no IPv6 address to reach "
						 "2001:db8:7::7; responder only"));
	ck_assert_uint_eq(dc.cfg.n_remote_addrs, 1);
	dcfg_conn_free(&dc);

	/* %any beside an address still matches everything, the address
	 * better: both families whole, after it. */
	convert_one(c, "anymix", names, &dc);
	ck_assert_uint_eq(dc.cfg.n_remote_addrs, 3);
	want_range(&dc.cfg.remote_addrs[0], AF_INET, "192.0.2.9", "192.0.2.9");
	want_range(&dc.cfg.remote_addrs[1], AF_INET, "0.0.0.0", "255.255.255.255");
	want_range(&dc.cfg.remote_addrs[2], AF_INET6,
		   "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	want_addr(&dc.cfg.remote, AF_INET, "192.0.2.9");
	ck_assert_uint_eq(dc.cfg.n_local_addrs, 0); /* the default %any */
	ck_assert(!dc.has_names);
	dcfg_conn_free(&dc);

	/* %any4/%any6: one family each, and nowhere to initiate to. */
	convert_one(c, "families", names, &dc);
	ck_assert_uint_eq(dc.cfg.n_local_addrs, 1);
	want_range(&dc.cfg.local_addrs[0], AF_INET, "0.0.0.0", "255.255.255.255");
	ck_assert_uint_eq(dc.cfg.n_remote_addrs, 1);
	want_range(&dc.cfg.remote_addrs[0], AF_INET6,
		   "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	ck_assert_int_eq(dc.cfg.remote.family, 0);
	ck_assert_int_eq(dc.cfg.local.family, 0);
	dcfg_conn_free(&dc);

	/* A name that does not resolve: a warning, responder only, and a
	 * remote_addrs that matches no peer (not %any). */
	convert_one(c, "unknown", names, &dc);
	ck_assert_int_eq(dc.cfg.remote.family, 0);
	ck_assert_uint_eq(dc.cfg.n_remote_addrs, 1);
	want_range(&dc.cfg.remote_addrs[0], AF_INET, "0.0.0.0", "0.0.0.0"); /* nobody's */
	ck_assert(dc.has_names);
	ck_assert_uint_eq(dc.n_unresolved, 1);
	ck_assert_str_eq(dc.warning,
			 "connection unknown: remote_addrs: nowhere.example.org does "
			 "not resolve (Name or service not known); responder only until "
			 "it resolves");
	ck_assert_str_eq(dc.warning_loc.file, "test.conf");
	ck_assert_uint_eq(dc.warning_loc.line, 33);
	dcfg_conn_free(&dc);

	/* ... beside an address: that one, still a warning. */
	convert_one(c, "unknown-mixed", names, &dc);
	want_addr(&dc.cfg.remote, AF_INET, "192.0.2.10");
	ck_assert_uint_eq(dc.cfg.n_remote_addrs, 1);
	want_range(&dc.cfg.remote_addrs[0], AF_INET, "192.0.2.10", "192.0.2.10");
	ck_assert_uint_eq(dc.n_unresolved, 1);
	ck_assert_ptr_nonnull(strstr(dc.warning, "nowhere.example.org does not resolve"));
	ck_assert_ptr_null(strstr(dc.warning, "responder only"));
	dcfg_conn_free(&dc);

	/* Without a resolver names stay unresolved, silently. */
	ck_assert_int_eq(dcfg_conn_convert(c, conf_find_conn(c, "lists"), NULL, &dc, dc.warning,
					   sizeof(dc.warning)),
			 0);
	want_addr(&dc.cfg.remote, AF_INET, "198.51.100.7");
	ck_assert_uint_eq(dc.n_unresolved, 1);
	ck_assert_str_eq(dc.warning, "");
	dcfg_conn_free(&dc);
	conf_free(c);
}
END_TEST

/* The system's resolver: "localhost" is in /etc/hosts; ".invalid" is
 * never a name (RFC 6761). */
START_TEST(convert_dns)
{
	struct conf *c = load("connections {\n"
			      "  lh { remote_addrs = localhost\n local { auth = psk\n} }\n"
			      "  nx {\n    remote_addrs = no-such-host.invalid\n"
			      "    local { auth = psk\n}\n  }\n"
			      "}\n"
			      "secrets { ike { secret = k\n} }\n");
	char err[DCFG_ERR_LEN + 320];
	struct dcfg_conn dc;

	ck_assert_int_eq(
	    dcfg_conn_convert(c, conf_find_conn(c, "lh"), &dcfg_dns, &dc, err, sizeof(err)), 0);
	want_addr(&dc.cfg.remote, AF_INET, "127.0.0.1");
	ck_assert_uint_ge(dc.cfg.n_remote_addrs, 1);
	want_range(&dc.cfg.remote_addrs[0], AF_INET, "127.0.0.1", "127.0.0.1");
	ck_assert(dc.has_names);
	ck_assert_uint_eq(dc.n_unresolved, 0);
	ck_assert_str_eq(dc.warning, "");
	dcfg_conn_free(&dc);

	ck_assert_int_eq(
	    dcfg_conn_convert(c, conf_find_conn(c, "nx"), &dcfg_dns, &dc, err, sizeof(err)), 0);
	ck_assert_int_eq(dc.cfg.remote.family, 0);
	ck_assert_uint_eq(dc.n_unresolved, 1);
	ck_assert_ptr_nonnull(strstr(dc.warning, "connection nx: remote_addrs: "
						 "no-such-host.invalid does not resolve ("));
	ck_assert_uint_eq(dc.warning_loc.line, 6);
	ck_assert_ptr_nonnull(strstr(dc.warning, "responder only until it resolves"));
	dcfg_conn_free(&dc);
	conf_free(c);
}
END_TEST

/* strongSwan's road-warrior layout with PSKs: one connection for every
 * user (no remote id), one secret each; the engine asks for the key with
 * the peer's identity. */
static const char *multi_user_text = "connections {\n"
				     "  rw {\n"
				     "    local_addrs = 192.0.2.1\n"
				     "    local { auth = psk\n id = gw.example.org }\n"
				     "    remote { auth = psk\n}\n"
				     "    children { net { local_ts = 10.0.0.0/24\n} }\n"
				     "  }\n"
				     "  rw-noid {\n"
				     "    local_addrs = 192.0.2.1\n"
				     "    local { auth = psk\n}\n"
				     "    remote { auth = psk\n id = %any }\n"
				     "  }\n"
				     "}\n"
				     "secrets {\n"
				     "  ike-1 { id = user1@example.org\n secret = key-one\n}\n"
				     "  ike-2 { id = user2@example.org\n secret = key-two\n}\n"
				     "}\n";

static int copy_for(const struct conf *c, const char *local, const char *remote, char *out)
{
	struct ike_id lid, rid;
	char err[DCFG_ERR_LEN];
	uint8_t key[IKE_PSK_MAX_LEN];
	size_t len = 0;
	int rc;

	ck_assert_int_eq(dcfg_id_parse(local, &lid, err, sizeof(err)), 0);
	ck_assert_int_eq(dcfg_id_parse(remote, &rid, err, sizeof(err)), 0);
	rc = dcfg_psk_copy(c, &lid, &rid, key, sizeof(key), &len);
	memcpy(out, key, rc ? 0 : len);
	out[rc ? 0 : len] = '\0';
	return rc;
}

START_TEST(psk_multi_user)
{
	struct conf *c = load(multi_user_text);
	struct dcfg_conn dc;
	struct ike_id lid, rid;
	char err[DCFG_ERR_LEN + 320], key[64];
	uint8_t small[4];
	size_t len;

	/* Loads: any peer may be user1 or user2. */
	ck_assert_int_eq(dcfg_conn_convert(c, conf_find_conn(c, "rw"), NULL, &dc, err, sizeof(err)),
			 0);
	ck_assert_int_eq(dc.cfg.remote_id.type, 0);
	ck_assert_uint_eq(dc.cfg.psk_len, 7); /* the fallback: the first that applies */
	dcfg_conn_free(&dc);
	ck_assert_int_eq(
	    dcfg_conn_convert(c, conf_find_conn(c, "rw-noid"), NULL, &dc, err, sizeof(err)), 0);
	dcfg_conn_free(&dc);

	ck_assert_int_eq(copy_for(c, "gw.example.org", "user1@example.org", key), 0);
	ck_assert_str_eq(key, "key-one");
	ck_assert_int_eq(copy_for(c, "gw.example.org", "user2@example.org", key), 0);
	ck_assert_str_eq(key, "key-two");
	ck_assert_int_eq(copy_for(c, "gw.example.org", "user3@example.org", key), -ENOKEY);
	/* No local id: the engine names us by our address. */
	ck_assert_int_eq(copy_for(c, "192.0.2.1", "user2@example.org", key), 0);
	ck_assert_str_eq(key, "key-two");
	ck_assert_int_eq(copy_for(c, "192.0.2.1", "@mallory.example.org", key), -ENOKEY);

	/* Never more than max octets. */
	ck_assert_int_eq(dcfg_id_parse("gw.example.org", &lid, err, sizeof(err)), 0);
	ck_assert_int_eq(dcfg_id_parse("user1@example.org", &rid, err, sizeof(err)), 0);
	ck_assert_int_eq(dcfg_psk_copy(c, &lid, &rid, small, sizeof(small), &len), -EMSGSIZE);
	conf_free(c);
}
END_TEST

/* A secret that could never be the connection's is still an error. */
START_TEST(psk_errors)
{
	struct conf *c;
	struct dcfg_conn dc;
	char err[DCFG_ERR_LEN + 320];

	/* No secrets at all, even for any peer. */
	c = load("connections {\n x { local { auth = psk\n} remote { auth = psk\n} } }\n");
	ck_assert_int_eq(dcfg_conn_convert(c, conf_find_conn(c, "x"), NULL, &dc, err, sizeof(err)),
			 -ENOKEY);
	ck_assert_str_eq(err, "test.conf:2: connection x: no pre-shared key: secrets has no ike "
			      "section");
	dcfg_conn_free(&dc);
	conf_free(c);

	/* A fixed remote id no secret has, and no local id: ours will be our
	 * address, which an FQDN id is not. */
	c = load("connections {\n x { local { auth = psk\n} remote { auth = psk\n id = bob } } }\n"
		 "secrets { ike { id = alice\nsecret = k\n} }\n");
	ck_assert_int_eq(dcfg_conn_convert(c, conf_find_conn(c, "x"), NULL, &dc, err, sizeof(err)),
			 -ENOKEY);
	ck_assert_ptr_nonnull(strstr(err, "test.conf:2: connection x: no pre-shared key"));
	dcfg_conn_free(&dc);
	conf_free(c);

	/* ... but an address id may be ours. */
	c = load("connections {\n x { local { auth = psk\n} remote { auth = psk\n id = bob } } }\n"
		 "secrets { ike { id = 192.0.2.1\nsecret = k\n} }\n");
	ck_assert_int_eq(dcfg_conn_convert(c, conf_find_conn(c, "x"), NULL, &dc, err, sizeof(err)),
			 0);
	dcfg_conn_free(&dc);
	conf_free(c);
}
END_TEST

START_TEST(convert_unique)
{
	static const struct {
		const char *text;
		uint8_t want;
	} cases[] = {
		{ "no", IKE_UNIQUE_NO },
		{ "never", IKE_UNIQUE_NEVER },
		{ "replace", IKE_UNIQUE_REPLACE },
		{ "keep", IKE_UNIQUE_KEEP },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[256], err[DCFG_ERR_LEN + 320];
		struct dcfg_conn dc;
		struct conf *c;

		snprintf(text, sizeof(text),
			 "connections { x { unique = %s\n local { auth = psk\n} } }\n"
			 "secrets { ike { secret = k\n} }\n",
			 cases[i].text);
		c = load(text);
		ck_assert_int_eq(
		    dcfg_conn_convert(c, conf_find_conn(c, "x"), NULL, &dc, err, sizeof(err)), 0);
		ck_assert_int_eq(dc.cfg.unique, cases[i].want);
		dcfg_conn_free(&dc);
		conf_free(c);
	}
}
END_TEST

START_TEST(convert_fragmentation)
{
	static const struct {
		const char *text;
		uint8_t want;
	} cases[] = {
		{ NULL, IKE_FRAGMENTATION_YES }, /* strongSwan's default */
		{ "yes", IKE_FRAGMENTATION_YES },     { "accept", IKE_FRAGMENTATION_ACCEPT },
		{ "force", IKE_FRAGMENTATION_FORCE }, { "no", IKE_FRAGMENTATION_NO },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[256], err[DCFG_ERR_LEN + 320];
		struct dcfg_conn dc;
		struct conf *c;

		snprintf(text, sizeof(text),
			 "connections { x { %s%s\n local { auth = psk\n} } }\n"
			 "secrets { ike { secret = k\n} }\n",
			 cases[i].text ? "fragmentation = " : "",
			 cases[i].text ? cases[i].text : "");
		c = load(text);
		ck_assert_int_eq(
		    dcfg_conn_convert(c, conf_find_conn(c, "x"), NULL, &dc, err, sizeof(err)), 0);
		ck_assert_int_eq(dc.cfg.fragmentation, cases[i].want);
		dcfg_conn_free(&dc);
		conf_free(c);
	}
}
END_TEST

/* Proposals are parsed as the engine parses them, each list item on its own
 * line of the file; what cannot be negotiated or installed is an error. */
START_TEST(convert_proposals)
{
	static const struct {
		const char *ike, *esp, *want;
	} cases[] = {
		{ "aes256-sha256-modp3072", "aes128gcm16-camellia",
		  "test.conf:8: connection x: child net: esp_proposals: unknown algorithm "
		  "'camellia' in proposal 'aes128gcm16-camellia'" },
		{ "aes128-sha256-x25519, null-sha256-x25519", "aes128gcm16",
		  "test.conf:2: connection x: proposals: 'null' cannot be used in IKE (only in "
		  "esp_proposals), in proposal 'null-sha256-x25519'" },
		{ "aes128-sha256-x25519", "aes128gcm16, aes192",
		  "test.conf:8: connection x: child net: esp_proposals: an integrity algorithm is "
		  "mandatory in ESP proposals with classic (non-AEAD) encryption: none in proposal "
		  "'aes192'" },
		{ "aes128gcm16-prfsha256-x25519-esn", "aes128gcm16",
		  "test.conf:2: connection x: proposals: 'esn' cannot be used in IKE (extended "
		  "sequence numbers are for ESP), in proposal 'aes128gcm16-prfsha256-x25519-esn'" },
		/* what conduit implements since the algorithm table */
		{ "aes256-sha256-modp3072, aes128ctr-aesxcbc-modp8192, "
		  "aes128ccm16-prfaescmac-ecp256",
		  "aes128ccm16-esn, aes256ctr-sha256, aes128-sha1, aes128-aesxcbc-noesn, "
		  "null-aescmac",
		  NULL },
	};
	char text[1024], err[DCFG_ERR_LEN + 320];
	struct dcfg_conn dc;
	struct conf *c;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(text, sizeof(text),
			 "connections { x {\n"
			 " proposals = %s\n"
			 " local { auth = psk\n id = a }\n"
			 " remote { auth = psk\n id = b }\n"
			 " children { net {\n"
			 "  esp_proposals = %s\n"
			 " } } } }\n"
			 "secrets { ike { secret = k\n} }\n",
			 cases[i].ike, cases[i].esp);
		c = load(text);
		err[0] = '\0';
		ck_assert_int_eq(
		    dcfg_conn_convert(c, conf_find_conn(c, "x"), NULL, &dc, err, sizeof(err)),
		    cases[i].want ? -EINVAL : 0);
		if (cases[i].want)
			ck_assert_str_eq(err, cases[i].want);
		dcfg_conn_free(&dc);
		conf_free(c);
	}
}
END_TEST

static unsigned int n_warned;
static char last_warning[DCFG_ERR_LEN + 600];

static void warned(void *arg, const char *msg)
{
	ck_assert_ptr_eq(arg, &n_warned);
	n_warned++;
	snprintf(last_warning, sizeof(last_warning), "%s", msg);
}

/* Weak algorithms load, with a warning naming where and which. */
START_TEST(weak_warnings)
{
	struct conf *c = load("connections { x {\n"
			      " proposals = aes128-sha256-x25519, 3des-sha1-modp1024\n"
			      " local { auth = psk\n} remote { auth = psk\n}\n"
			      " children { net {\n"
			      "  esp_proposals = aes128gcm16, aes128-md5\n"
			      " } } } }\n"
			      "secrets { ike { secret = k\n} }\n");
	const struct conf_conn *cc = conf_find_conn(c, "x");
	char err[DCFG_ERR_LEN + 320];
	struct dcfg_conn dc;

	ck_assert_int_eq(dcfg_conn_convert(c, cc, NULL, &dc, err, sizeof(err)), 0);
	dcfg_conn_free(&dc);
	ck_assert_uint_eq(dcfg_proposal_warnings(cc, warned, &n_warned), 3);
	ck_assert_uint_eq(n_warned, 3);
	ck_assert_str_eq(last_warning,
			 "test.conf:7: connection x: child net: esp_proposals: weak algorithm "
			 "'md5' in proposal 'aes128-md5' (accepted; RFC 8221 and RFC 8247 advise "
			 "against it)");
	ck_assert_uint_eq(dcfg_proposal_warnings(cc, NULL, NULL), 3);
	conf_free(c);
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

	ck_assert_int_eq(dcfg_conn_convert(c, conf_find_conn(c, "v6"), NULL, &dc, err, sizeof(err)),
			 0);
	ck_assert_int_eq(dc.cfg.local_id.type, IKE_ID_IPV6_ADDR);
	ck_assert_int_eq(dc.cfg.local_id.len, 16);
	ck_assert_mem_eq(dc.cfg.local_id.data, l6, 16);
	ck_assert_int_eq(dc.cfg.remote_id.type, IKE_ID_IPV6_ADDR);
	ck_assert_mem_eq(dc.cfg.remote_id.data, r6, 16);
	ck_assert_uint_eq(dc.cfg.psk_len, 3);
	ck_assert_mem_eq(dc.cfg.psk, "six", 3);
	dcfg_conn_free(&dc);
	/* No ids: our IPv6 address is our identity for the lookup. */
	ck_assert_int_eq(
	    dcfg_conn_convert(c, conf_find_conn(c, "noid"), NULL, &dc, err, sizeof(err)), 0);
	ck_assert_int_eq(dc.cfg.local_id.type, 0);
	ck_assert_mem_eq(dc.cfg.psk, "six", 3);
	dcfg_conn_free(&dc);
	conf_free(c);
}
END_TEST

/* Our end must be of the peer's family: a local_addrs without one is an
 * error at load, naming the line; with both, the peer's family is taken. */
START_TEST(family_of_the_peer)
{
	static const char *good =
	    "connections {\n"
	    "  c { local_addrs = 192.0.2.1, 2001:db8::1\n remote_addrs = 2001:db8::2\n"
	    "    local { auth = psk\n id = a } remote { auth = psk\n id = b } } }\n"
	    "secrets { ike { secret = k\n} }\n";
	static const char *bad =
	    "connections {\n"
	    "  c { local_addrs = 192.0.2.1\n remote_addrs = 2001:db8::2\n"
	    "    local { auth = psk\n id = a } remote { auth = psk\n id = b } } }\n"
	    "secrets { ike { secret = k\n} }\n";
	static const uint8_t l6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	char err[DCFG_ERR_LEN + 320];
	struct conf *c = load(good);
	struct dcfg_conn dc;

	ck_assert_int_eq(dcfg_conn_convert(c, conf_find_conn(c, "c"), NULL, &dc, err, sizeof(err)),
			 0);
	ck_assert_int_eq(dc.cfg.local.family, AF_INET6);
	ck_assert_mem_eq(dc.cfg.local.ip, l6, 16);
	dcfg_conn_free(&dc);
	conf_free(c);
	c = load(bad);
	ck_assert_int_eq(dcfg_conn_convert(c, conf_find_conn(c, "c"), NULL, &dc, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "test.conf:2: connection c: local_addrs has no IPv6 address to "
			      "reach 2001:db8::2");
	dcfg_conn_free(&dc);
	conf_free(c);
}
END_TEST

/* The reference the index must agree with: strongSwan's rule as a walk
 * over every secret (what dcfg did before it indexed them). */
static int ref_match(const struct conf_secret *s, const struct ike_id *want)
{
	int best = s->n_ids ? 0 : 1;

	for (size_t i = 0; i < s->n_ids; i++) {
		struct ike_id id;
		char err[DCFG_ERR_LEN];

		if (!strcmp(s->ids[i].value, "%any")) {
			best = best > 1 ? best : 1;
		} else if (!dcfg_id_parse(s->ids[i].value, &id, err, sizeof(err))) {
			/* strongSwan's identification_t matches(): equal is
			 * 20, a pattern its quality (19, 20 - n for a DN) */
			int q = ike_id_has_wildcards(&id)  ? ike_id_matches(&id, want)
				: dcfg_id_equal(&id, want) ? 20
							   : 0;

			best = q > best ? q : best;
		}
	}
	return best;
}

static bool ref_addr(const struct conf_secret *s)
{
	if (!s->n_ids)
		return true;
	for (size_t i = 0; i < s->n_ids; i++) {
		struct ike_id id;
		char err[DCFG_ERR_LEN];

		if (!strcmp(s->ids[i].value, "%any") ||
		    (!dcfg_id_parse(s->ids[i].value, &id, err, sizeof(err)) &&
		     (id.type == IKE_ID_IPV4_ADDR || id.type == IKE_ID_IPV6_ADDR)))
			return true;
	}
	return false;
}

static const struct conf_secret *ref_lookup(const struct conf *conf, const struct ike_id *l,
					    const struct ike_id *r)
{
	const struct conf_secret *s, *best = NULL;
	int best_me = -1, best_other = -1;
	bool known = l && l->type, any = !r || !r->type;

	TAILQ_FOREACH (s, &conf->secrets, entry) {
		int me = known ? ref_match(s, l) : 1;
		int other = any ? 1 : ref_match(s, r);

		if ((known ? me : ref_addr(s) ? 1 : 0) == 0 && other == 0)
			continue;
		if (other > best_other || (other == best_other && me > best_me)) {
			best = s;
			best_me = me;
			best_other = other;
		}
	}
	return best;
}

/* The index picks what the walk over every secret picks, for every pair
 * of identities (known, unknown, any) against layouts with shared ids,
 * %any, addresses and secrets without ids, in several orders. */
START_TEST(psk_index_agrees)
{
	static const char *const layouts[] = {
		"secrets { ike-1 { id-a = gw\nid-b = u1\nsecret = 1\n}\n"
		" ike-2 { id-a = gw\nid-b = u2\nsecret = 2\n}\n"
		" ike-3 { id = %any\nid-b = gw\nsecret = 3\n}\n"
		" ike-4 { id = 192.0.2.1\nsecret = 4\n}\n"
		" ike-5 { id-a = u2\nid-b = u1\nsecret = 5\n} }\n",
		"secrets { ike-1 { id = 192.0.2.1\nsecret = 1\n}\n"
		" ike-2 { secret = 2\n}\n"
		" ike-3 { id-a = gw\nid-b = u1\nsecret = 3\n}\n"
		" ike-4 { id-a = gw\nsecret = 4\n} }\n",
		"secrets { ike-1 { id-a = gw\nsecret = 1\n}\n"
		" ike-2 { id-a = u1\nsecret = 2\n}\n"
		" ike-3 { id-a = 2001:db8::1\nid-b = u2\nsecret = 3\n} }\n",
		/* identities that differ only by letter case are the same */
		"secrets { ike-1 { id-a = Gw\nid-b = U1\nsecret = 1\n}\n"
		" ike-2 { id-a = \"C=CH, CN=Gw\"\nid-b = \"C=CH, CN=u1\"\nsecret = 2\n}\n"
		" ike-3 { id = %any\nsecret = 3\n} }\n",
		/* patterns (strongSwan's wildcards) among exact ids and %any */
		"secrets { ike-1 { id = *.example\nsecret = 1\n}\n"
		" ike-2 { id-a = gw\nid-b = u1.example\nsecret = 2\n}\n"
		" ike-3 { id = %any\nsecret = 3\n}\n"
		" ike-4 { id-a = \"C=CH, CN=*\"\nid-b = gw\nsecret = 4\n}\n"
		" ike-5 { id = \"C=*, CN=*\"\nsecret = 5\n} }\n",
		"secrets { ike-1 { id-a = gw\nsecret = 1\n}\n"
		" ike-2 { id = *@example\nsecret = 2\n}\n"
		" ike-3 { id-a = *.example\nid-b = 192.0.2.1\nsecret = 3\n} }\n",
	};
	static const char *const ids[] = { NULL,	  "gw",		 "u1",
					   "u2",	  "u3",		 "192.0.2.1",
					   "2001:db8::1", "%any",	 "GW",
					   "C=CH, CN=gw", "c=ch, cn=GW", "C=CH, CN=u1",
					   "u1.example",  "U2.Example",	 "a@example",
					   "C=DE, CN=x" };
	const size_t n = sizeof(ids) / sizeof(ids[0]);
	char err[DCFG_ERR_LEN];

	for (size_t k = 0; k < sizeof(layouts) / sizeof(layouts[0]); k++) {
		struct conf *c = load(layouts[k]);

		for (size_t a = 0; a < n; a++)
			for (size_t b = 0; b < n; b++) {
				struct ike_id l, r;
				const struct ike_id *lp = NULL, *rp = NULL;
				const struct conf_secret *got, *want;

				if (ids[a] && strcmp(ids[a], "%any")) {
					ck_assert_int_eq(
					    dcfg_id_parse(ids[a], &l, err, sizeof(err)), 0);
					lp = &l;
				}
				if (ids[b] && strcmp(ids[b], "%any")) {
					ck_assert_int_eq(
					    dcfg_id_parse(ids[b], &r, err, sizeof(err)), 0);
					rp = &r;
				}
				got = dcfg_psk_lookup(c, lp, rp);
				want = ref_lookup(c, lp, rp);
				ck_assert_msg(
				    got == want, "layout %zu, local %s, remote %s: %s, want %s", k,
				    ids[a] ? ids[a] : "(none)", ids[b] ? ids[b] : "(none)",
				    got ? got->name : "(none)", want ? want->name : "(none)");
			}
		conf_free(c);
	}
	/* and in that layout, the index finds them so */
	{
		struct conf *c = load(layouts[3]);
		struct ike_id l, r;

		ck_assert_int_eq(dcfg_id_parse("gw", &l, err, sizeof(err)), 0);
		ck_assert_int_eq(dcfg_id_parse("u1", &r, err, sizeof(err)), 0);
		ck_assert_str_eq(dcfg_psk_lookup(c, &l, &r)->name, "ike-1");
		ck_assert_int_eq(dcfg_id_parse("c=ch, cn=GW", &l, err, sizeof(err)), 0);
		ck_assert_int_eq(dcfg_id_parse("C=CH, CN=U1", &r, err, sizeof(err)), 0);
		ck_assert_str_eq(dcfg_psk_lookup(c, &l, &r)->name, "ike-2");
		conf_free(c);
	}
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
	tcase_add_test(tc, psk_index_agrees);
	tcase_add_test(tc, convert);
	tcase_add_test(tc, convert_errors);
	tcase_add_test(tc, convert_unique);
	tcase_add_test(tc, convert_fragmentation);
	tcase_add_test(tc, convert_addr_lists);
	tcase_add_test(tc, convert_dns);
	tcase_add_test(tc, psk_multi_user);
	tcase_add_test(tc, psk_errors);
	tcase_add_test(tc, convert_proposals);
	tcase_add_test(tc, weak_warnings);
	tcase_add_test(tc, ipv6_identities);
	tcase_add_test(tc, family_of_the_peer);
	tcase_add_test(tc, convert_every_error);
	tcase_add_test(tc, convert_gateway_keys);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
