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
	ck_assert_int_eq(dcfg_addr_parse("10.0.0.0/8", &a, &wild, err, sizeof(err)), 0);
	ck_assert_int_eq(a.family, 0);
	ck_assert(wild);
	ck_assert_int_eq(dcfg_addr_parse("10.0.0.1-10.0.0.9", &a, &wild, err, sizeof(err)), 0);
	ck_assert(wild);
	ck_assert_int_eq(dcfg_addr_parse("vpn.example.org", &a, &wild, err, sizeof(err)), -ENOTSUP);
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
		    dcfg_conn_convert(c, conf_find_conn(c, "x"), &dc, err, sizeof(err)),
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

	ck_assert_int_eq(dcfg_conn_convert(c, cc, &dc, err, sizeof(err)), 0);
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
	tcase_add_test(tc, convert_proposals);
	tcase_add_test(tc, weak_warnings);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
