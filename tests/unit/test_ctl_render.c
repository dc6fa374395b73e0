/* SPDX-License-Identifier: GPL-2.0-or-later */
/* conduitctl's readable output, from fixed daemon replies. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/ctl_render.h"
#include "tests/unit/unit.h"

static char *out_text, *err_text;

/* Render reply_json as the answer to request_json; returns the exit code. */
static int render(const char *request_json, const char *reply_json)
{
	size_t olen, elen;
	free(out_text);
	free(err_text);
	FILE *out = open_memstream(&out_text, &olen);
	FILE *err = open_memstream(&err_text, &elen);
	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(err);
	json_error_t e;
	json_t *req = json_loads(request_json, 0, &e);
	ck_assert_msg(req != NULL, "request: %s", e.text);
	json_t *reply = json_loads(reply_json, JSON_DECODE_ANY, &e);
	ck_assert_msg(reply != NULL, "reply: %s", e.text);
	int rc = ctl_render(out, err, req, reply);
	fclose(out);
	fclose(err);
	json_decref(req);
	json_decref(reply);
	return rc;
}

static void teardown(void)
{
	free(out_text);
	free(err_text);
	out_text = err_text = NULL;
}

static const char list_sas_json[] =
    "{\"ok\":true,\"ike_sas\":[{\"id\":3,\"connection\":\"site-b\",\"state\":\"ESTABLISHED\","
    "\"initiator\":true,\"local\":{\"address\":\"192.0.2.1\",\"port\":500},"
    "\"remote\":{\"address\":\"192.0.2.2\",\"port\":500},\"local_id\":\"left\","
    "\"remote_id\":\"right\",\"spi_i\":\"0123456789abcdef\",\"spi_r\":\"fedcba9876543210\","
    "\"algorithms\":\"AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519\","
    "\"nat\":{\"local\":false,\"remote\":false},\"established\":17,"
    "\"auth\":{\"local\":\"pubkey ECDSA SHA-256\",\"remote\":\"psk\"},"
    "\"child_sas\":[{\"id\":4,\"name\":\"net\",\"mode\":\"tunnel\",\"state\":\"INSTALLED\","
    "\"spi_in\":\"c1a2b3c4\",\"spi_out\":\"d1e2f3a4\",\"algorithms\":\"AES_GCM_16_256\","
    "\"local_ts\":[\"10.1.0.0/24\"],\"remote_ts\":[\"10.2.0.0/24\"],\"bytes_in\":840,"
    "\"packets_in\":10,\"bytes_out\":840,\"packets_out\":10,\"established\":17}]},"
    /* a second SA: connecting, NAT, port 4500, IPv6, no children */
    "{\"id\":9,\"connection\":\"road\",\"state\":\"CONNECTING\",\"initiator\":false,"
    "\"local\":{\"address\":\"2001:db8::1\",\"port\":4500},"
    "\"remote\":{\"address\":\"198.51.100.7\",\"port\":4500},\"local_id\":\"gw\","
    "\"remote_id\":\"carol\",\"spi_i\":\"1111111111111111\",\"spi_r\":\"0000000000000000\","
    "\"algorithms\":\"\",\"nat\":{\"local\":false,\"remote\":true},\"child_sas\":[]}]}";

static const char list_conns_json[] =
    "{\"ok\":true,\"connections\":[{\"name\":\"site-b\",\"local_addrs\":[\"192.0.2.1\"],"
    "\"remote_addrs\":[\"192.0.2.2\"],\"local_port\":500,\"remote_port\":500,"
    "\"local_id\":\"left\",\"remote_id\":\"right\","
    "\"proposals\":[\"aes256gcm16-prfsha256-x25519\"],\"encap\":false,\"unique\":\"no\","
    "\"children\":[{\"name\":\"net\",\"mode\":\"tunnel\",\"local_ts\":[\"10.1.0.0/24\"],"
    "\"remote_ts\":[\"10.2.0.0/24\"],\"esp_proposals\":[\"aes256gcm16\"],"
    "\"start_action\":\"start\"}]},"
    "{\"name\":\"road\",\"local_addrs\":[\"192.0.2.1\",\"2001:db8::1\"],\"remote_addrs\":[],"
    "\"local_port\":4500,\"remote_port\":4500,\"local_id\":\"gw\",\"remote_id\":\"%any\","
    "\"proposals\":[\"aes128-sha256-modp2048\",\"aes256gcm16-prfsha384-ecp384\"],"
    "\"encap\":true,\"unique\":\"replace\",\"children\":[{\"name\":\"host\","
    "\"mode\":\"transport\",\"local_ts\":[\"dynamic\"],"
    "\"remote_ts\":[\"10.3.0.0/16\",\"10.4.0.0/16\"],"
    "\"esp_proposals\":[\"aes128-sha256\"],\"start_action\":\"none\"}]},"
    "{\"name\":\"dyn\",\"local_addrs\":[\"%any\"],"
    "\"remote_addrs\":[\"vpn.example.org\",\"10.0.0.0/8\"],\"local_port\":500,"
    "\"remote_port\":500,\"local_id\":\"gw\",\"remote_id\":\"vpn\",\"proposals\":[],"
    "\"encap\":false,\"unique\":\"no\",\"remote_resolved\":\"192.0.2.7\",\"children\":[]},"
    "{\"name\":\"nx\",\"local_addrs\":[\"%any\"],"
    "\"remote_addrs\":[\"no-such-host.invalid\"],\"local_port\":500,"
    "\"remote_port\":500,\"local_id\":\"%any\",\"remote_id\":\"%any\","
    "\"proposals\":[],\"encap\":false,\"unique\":\"no\",\"remote_resolved\":null,"
    "\"children\":[]}]}";

START_TEST(status)
{
	ck_assert_int_eq(render("{\"cmd\":\"status\"}",
				"{\"ok\":true,\"version\":\"0.1.0\",\"pid\":123,\"uptime\":3725,"
				"\"connections\":2,\"ike_sas\":1,\"child_sas\":1}"),
			 CTL_EXIT_OK);
	ck_assert_str_eq(out_text, "conduitd 0.1.0, pid 123, up 1h 2m\n"
				   "  connections: 2\n"
				   "  IKE SAs:     1\n"
				   "  CHILD SAs:   1\n");
	ck_assert_str_eq(err_text, "");
	/* conduitctl monitor's subscribers and what they lost */
	ck_assert_int_eq(render("{\"cmd\":\"status\"}",
				"{\"ok\":true,\"version\":\"0.1.0\",\"pid\":123,\"uptime\":5,"
				"\"connections\":2,\"ike_sas\":1,\"child_sas\":1,"
				"\"monitors\":{\"clients\":2,\"dropped\":37}}"),
			 CTL_EXIT_OK);
	ck_assert_str_eq(out_text, "conduitd 0.1.0, pid 123, up 5s\n"
				   "  connections: 2\n"
				   "  IKE SAs:     1\n"
				   "  CHILD SAs:   1\n"
				   "  monitors:    2 (37 events dropped)\n");
	/* conduitd --workers: the key pool */
	ck_assert_int_eq(render("{\"cmd\":\"status\"}",
				"{\"ok\":true,\"version\":\"0.1.0\",\"pid\":123,\"uptime\":5,"
				"\"connections\":2,\"ike_sas\":1,\"child_sas\":1,"
				"\"workers\":{\"threads\":2,\"groups\":1,\"in_stock\":30,"
				"\"taken\":1200,\"inline\":14,\"made\":1230,\"failed\":0}}"),
			 CTL_EXIT_OK);
	ck_assert_str_eq(out_text,
			 "conduitd 0.1.0, pid 123, up 5s\n"
			 "  connections: 2\n"
			 "  IKE SAs:     1\n"
			 "  CHILD SAs:   1\n"
			 "  key pool:    2 threads, 30 key pairs ready for 1 groups; 1200 "
			 "taken, 14 made inline, 0 failed\n");
	ck_assert_int_eq(
	    render("{\"cmd\":\"status\"}",
		   "{\"ok\":true,\"version\":\"0.1.0\",\"pid\":123,\"uptime\":5,"
		   "\"connections\":2,\"ike_sas\":1,\"child_sas\":1,\"limits\":{"
		   "\"half_open\":3,\"half_open_max\":1000,\"half_open_max_ip\":5,"
		   "\"half_open_sources\":2,\"half_open_bytes\":9000,"
		   "\"half_open_memory\":16777216,\"cookie_threshold\":30,"
		   "\"cookie_threshold_ip\":3,\"cookies_required\":false,\"cookies_sent\":4,"
		   "\"cookies_accepted\":2,\"cookies_refused\":1,\"replies_sent\":10,"
		   "\"replies_limited\":7,\"reply_rate\":1000,\"reply_rate_ip\":10,"
		   "\"dh_keys\":12,\"events\":[{\"class\":\"no connection for this peer\","
		   "\"count\":13412,\"suppressed\":13400}]}}"),
	    CTL_EXIT_OK);
	ck_assert_str_eq(
	    out_text,
	    "conduitd 0.1.0, pid 123, up 5s\n"
	    "  connections: 2\n"
	    "  IKE SAs:     1\n"
	    "  CHILD SAs:   1\n"
	    "  limits:      half-open 3 of 1000 (5 per source) from 2 sources, 9000 of "
	    "16777216 bytes\n"
	    "               cookies above 30 (3 per source), not required now: 4 sent, 2 "
	    "accepted, 1 refused\n"
	    "               unprotected replies 10 sent, 7 rate-limited (1000/s, 10/s per "
	    "source); key exchange values made 12\n"
	    "               'no connection for this peer': 13412 (13400 not logged)\n");
}
END_TEST

/* Ages, next rekey/reauth/expiry, idle times; and a child whose traffic
 * the kernel does not report (--kernel none). */
START_TEST(list_sas_times)
{
	ck_assert_int_eq(
	    render("{\"cmd\":\"list-sas\",\"conn\":\"gw\"}",
		   "{\"ok\":true,\"schema\":1,\"ike_sas\":[{\"id\":5,\"connection\":\"gw\","
		   "\"state\":\"ESTABLISHED\",\"initiator\":false,\"local\":{\"address\":\"192.0.2.1\","
		   "\"port\":4500},\"remote\":{\"address\":\"192.0.2.2\",\"port\":4500},"
		   "\"local_id\":\"a\",\"remote_id\":\"b\",\"spi_i\":\"01\",\"spi_r\":\"02\","
		   "\"algorithms\":\"\",\"nat\":{},\"established\":3725,\"rekey_in\":3300,"
		   "\"reauth_in\":90000,\"expires_in\":3900,\"child_sas\":["
		   "{\"id\":6,\"name\":\"net\",\"mode\":\"tunnel\",\"state\":\"INSTALLED\","
		   "\"spi_in\":\"c1\",\"spi_out\":\"d1\",\"algorithms\":\"AES_GCM_16_256\","
		   "\"local_ts\":[\"10.1.0.0/24\"],\"remote_ts\":[\"10.2.0.0/24\"],"
		   "\"bytes_in\":84,\"packets_in\":1,\"bytes_out\":0,\"packets_out\":0,"
		   "\"idle_in\":4,\"idle_out\":null,\"established\":65,\"rekey_in\":59,"
		   "\"expires_in\":600},"
		   "{\"id\":7,\"name\":\"v\",\"mode\":\"transport\",\"state\":\"INSTALLED\","
		   "\"spi_in\":\"c2\",\"spi_out\":\"d2\",\"algorithms\":\"AES_GCM_16_256\","
		   "\"local_ts\":[\"10.1.0.1/32\"],\"remote_ts\":[\"10.2.0.1/32\"]}]}]}"),
	    CTL_EXIT_OK);
	ck_assert_str_eq(out_text,
			 "gw[5]: ESTABLISHED 1h 2m ago, 192.0.2.1:4500[a]...192.0.2.2:4500[b]\n"
			 "  SPIs 01_i 02_r, peer initiated\n"
			 "  rekey in 55m 0s, reauth in 1d 1h, expires in 1h 5m\n"
			 "  net{6}: INSTALLED, TUNNEL, SPIs c1_i d1_o, AES_GCM_16_256, up 1m 5s\n"
			 "    rekey in 59s, expires in 10m 0s\n"
			 "    in  84 bytes, 1 packets, idle 4s\n"
			 "    out 0 bytes, 0 packets, never used\n"
			 "    10.1.0.0/24 === 10.2.0.0/24\n"
			 "  v{7}: INSTALLED, TRANSPORT, SPIs c2_i d2_o, AES_GCM_16_256\n"
			 "    traffic unknown (the kernel keeps no SAs)\n"
			 "    10.1.0.1/32 === 10.2.0.1/32\n");
}
END_TEST

START_TEST(list_pols)
{
	ck_assert_int_eq(
	    render("{\"cmd\":\"list-pols\"}",
		   "{\"ok\":true,\"kernel_backend\":\"netlink\",\"policies\":[{\"dir\":\"out\","
		   "\"src\":\"10.1.0.0/24\",\"dst\":\"10.2.0.0/24\",\"mode\":\"tunnel\","
		   "\"reqid\":3234856961,\"priority\":99743,\"index\":3353,\"trap\":false,"
		   "\"connection\":\"site-b\",\"child\":\"net\",\"tunnel_src\":\"192.0.2.1\","
		   "\"tunnel_dst\":\"192.0.2.2\"},{\"dir\":\"in\",\"src\":\"10.2.0.1/32[6/80]\","
		   "\"dst\":\"10.1.0.1/32[6]\",\"mode\":\"transport\",\"reqid\":3234918401,"
		   "\"priority\":200000,\"index\":8,\"trap\":true,\"connection\":\"h\","
		   "\"child\":\"web\",\"mark\":1,\"mark_mask\":4294967295,\"if_id\":7},"
		   "{\"dir\":\"fwd\",\"src\":\"a\\u0007\",\"dst\":\"b\",\"mode\":\"tunnel\"}]}"),
	    CTL_EXIT_OK);
	ck_assert_str_eq(out_text,
			 "site-b/net: out 10.1.0.0/24 === 10.2.0.0/24, tunnel 192.0.2.1 -> "
			 "192.0.2.2, reqid c0d00001, priority 99743\n"
			 "h/web: in 10.2.0.1/32[6/80] === 10.1.0.1/32[6], transport, reqid "
			 "c0d0f001, priority 200000, trap, mark 0x1/0xffffffff, if_id 7\n"
			 "(no SA): fwd a\\x07 === b, tunnel, priority ?\n");
	ck_assert_int_eq(render("{\"cmd\":\"list-pols\"}",
				"{\"ok\":true,\"kernel_backend\":\"none\",\"policies\":[]}"),
			 CTL_EXIT_OK);
	ck_assert_str_eq(out_text,
			 "no policies: conduitd installs nothing in the kernel (--kernel none)\n");
	ck_assert_int_eq(render("{\"cmd\":\"list-pols\"}",
				"{\"ok\":true,\"kernel_backend\":\"netlink\",\"policies\":[]}"),
			 CTL_EXIT_OK);
	ck_assert_str_eq(out_text, "no policies\n");
}
END_TEST

START_TEST(list_algs)
{
	static const char algs[] =
	    "\"algorithms\":[{\"name\":\"AES_GCM_16_256\",\"keyword\":\"aes256gcm16\","
	    "\"type\":\"encryption\",\"ike\":true,\"esp\":true,\"weak\":false,\"kernel\":true,"
	    "\"kernel_name\":\"rfc4106(gcm(aes))\"},{\"name\":\"MODP_1024\",\"keyword\":"
	    "\"modp1024\",\"type\":\"key-exchange\",\"ike\":true,\"esp\":false,\"weak\":true,"
	    "\"kernel\":null},{\"name\":\"AES_XCBC_96\",\"keyword\":\"aesxcbc\",\"type\":"
	    "\"integrity\",\"ike\":true,\"esp\":true,\"weak\":false,\"kernel\":false,"
	    "\"kernel_name\":\"xcbc(aes)\"},{\"name\":\"CHACHA\",\"keyword\":\"chacha20poly1305\","
	    "\"type\":\"encryption\",\"ike\":false,\"esp\":true,\"kernel\":null,"
	    "\"kernel_name\":\"x\"}]}";
	char reply[1024];

	snprintf(reply, sizeof(reply), "{\"ok\":true,\"kernel_backend\":\"netlink\",%s", algs);
	ck_assert_int_eq(render("{\"cmd\":\"list-algs\"}", reply), CTL_EXIT_OK);
	ck_assert_str_eq(out_text, "encryption:\n"
				   "  aes256gcm16           AES_GCM_16_256, IKE, ESP, kernel has it\n"
				   "  chacha20poly1305      CHACHA, ESP, kernel unknown\n"
				   "integrity:\n"
				   "  aesxcbc               AES_XCBC_96, IKE, ESP, NOT in this kernel\n"
				   "key-exchange:\n"
				   "  modp1024              MODP_1024, IKE, weak\n");
	snprintf(reply, sizeof(reply), "{\"ok\":true,\"kernel_backend\":\"none\",%s", algs);
	ck_assert_int_eq(render("{\"cmd\":\"list-algs\"}", reply), CTL_EXIT_OK);
	ck_assert_str_eq(out_text, "(the kernel was not asked: conduitd runs with --kernel none)\n"
				   "encryption:\n"
				   "  aes256gcm16           AES_GCM_16_256, IKE, ESP\n"
				   "  chacha20poly1305      CHACHA, ESP\n"
				   "integrity:\n"
				   "  aesxcbc               AES_XCBC_96, IKE, ESP\n"
				   "key-exchange:\n"
				   "  modp1024              MODP_1024, IKE, weak\n");
}
END_TEST

START_TEST(list_sas)
{
	ck_assert_int_eq(render("{\"cmd\":\"list-sas\"}", list_sas_json), CTL_EXIT_OK);
	ck_assert_str_eq(out_text,
			 "site-b[3]: ESTABLISHED 17s ago, 192.0.2.1[left]...192.0.2.2[right]\n"
			 "  AES_GCM_16_256/PRF_HMAC_SHA2_256/CURVE_25519\n"
			 "  SPIs 0123456789abcdef_i fedcba9876543210_r, we initiated\n"
			 "  auth: we pubkey ECDSA SHA-256, peer psk\n"
			 "  net{4}: INSTALLED, TUNNEL, SPIs c1a2b3c4_i d1e2f3a4_o, AES_GCM_16_256, up 17s\n"
			 "    in  840 bytes, 10 packets\n"
			 "    out 840 bytes, 10 packets\n"
			 "    10.1.0.0/24 === 10.2.0.0/24\n"
			 "road[9]: CONNECTING, [2001:db8::1]:4500[gw]...198.51.100.7:4500[carol]\n"
			 "  SPIs 1111111111111111_i 0000000000000000_r, peer initiated\n"
			 "  NAT: peer is behind a NAT\n");

	ck_assert_int_eq(render("{\"cmd\":\"list-sas\"}", "{\"ok\":true,\"ike_sas\":[]}"),
			 CTL_EXIT_OK);
	ck_assert_str_eq(out_text, "no IKE SAs\n");
}
END_TEST

static const char list_certs_json[] =
    "{\"ok\":true,\"crls\":1,\"certs\":[{\"subject\":\"C=CH, O=x, CN=Root CA\","
    "\"issuer\":\"C=CH, O=x, CN=Root CA\",\"serial\":\"01\",\"not_before\":1764720000,"
    "\"not_after\":2080252800,\"key_type\":\"ECDSA P-256\",\"private_key\":false,"
    "\"kind\":\"ca\",\"anchor\":true,\"source\":\"/etc/swanctl/x509ca/root.pem\"},"
    "{\"subject\":\"C=CH, O=x, CN=moon\\u001b[31m\",\"issuer\":\"C=CH, O=x, CN=Root CA\","
    "\"serial\":\"1000\",\"not_before\":1764720000,\"not_after\":1796256000,"
    "\"key_type\":\"Ed25519\",\"private_key\":true,\"kind\":\"end-entity\","
    "\"anchor\":false,\"source\":\"/etc/swanctl/x509/moon.pem\"}]}";

START_TEST(list_certs)
{
	ck_assert_int_eq(render("{\"cmd\":\"list-certs\"}", list_certs_json), CTL_EXIT_OK);
	ck_assert_str_eq(out_text, "C=CH, O=x, CN=Root CA (trust anchor)\n"
				   "  issuer:   C=CH, O=x, CN=Root CA\n"
				   "  serial:   01\n"
				   "  validity: 2025-12-03 00:00:00 UTC .. 2035-12-03 00:00:00 UTC\n"
				   "  key:      ECDSA P-256\n"
				   "  file:     /etc/swanctl/x509ca/root.pem\n"
				   "C=CH, O=x, CN=moon\\x1b[31m\n"
				   "  issuer:   C=CH, O=x, CN=Root CA\n"
				   "  serial:   1000\n"
				   "  validity: 2025-12-03 00:00:00 UTC .. 2026-12-03 00:00:00 UTC\n"
				   "  key:      Ed25519, private key loaded\n"
				   "  file:     /etc/swanctl/x509/moon.pem\n");
	ck_assert_int_eq(render("{\"cmd\":\"list-certs\"}", "{\"ok\":true,\"certs\":[]}"),
			 CTL_EXIT_OK);
	ck_assert_str_eq(out_text, "no certificates\n");
}
END_TEST

START_TEST(list_conns)
{
	ck_assert_int_eq(render("{\"cmd\":\"list-conns\"}", list_conns_json), CTL_EXIT_OK);
	ck_assert_str_eq(out_text,
			 "site-b: 192.0.2.1[left]...192.0.2.2[right]\n"
			 "  proposals: aes256gcm16-prfsha256-x25519\n"
			 "  net: TUNNEL, start_action start\n"
			 "    10.1.0.0/24 === 10.2.0.0/24\n"
			 "    esp: aes256gcm16\n"
			 "road: 192.0.2.1,2001:db8::1[gw]...%any[%any]\n"
			 "  proposals: aes128-sha256-modp2048, aes256gcm16-prfsha384-ecp384\n"
			 "  ports:     4500 -> 4500\n"
			 "  UDP encapsulation forced\n"
			 "  unique:    replace\n"
			 "  host: TRANSPORT, start_action none\n"
			 "    dynamic === 10.3.0.0/16, 10.4.0.0/16\n"
			 "    esp: aes128-sha256\n"
			 "dyn: %any[gw]...vpn.example.org,10.0.0.0/8[vpn]\n"
			 "  proposals: default\n"
			 "  resolved:  192.0.2.7\n"
			 "nx: %any[%any]...no-such-host.invalid[%any]\n"
			 "  proposals: default\n"
			 "  resolved:  nothing yet (responder only)\n");
	ck_assert_int_eq(render("{\"cmd\":\"list-conns\"}", "{\"ok\":true}"), CTL_EXIT_OK);
	ck_assert_str_eq(out_text, "no connections\n");
}
END_TEST

START_TEST(initiate)
{
	ck_assert_int_eq(render("{\"cmd\":\"initiate\",\"name\":\"site-b\"}",
				"{\"ok\":true,\"ike_sa\":3,\"child_sas\":[4]}"),
			 CTL_EXIT_OK);
	ck_assert_str_eq(out_text, "site-b: established (IKE SA 3, CHILD SA 4)\n");
	ck_assert_int_eq(render("{\"cmd\":\"initiate\",\"name\":\"site-b\"}",
				"{\"ok\":true,\"ike_sa\":3,\"child_sas\":[4,5]}"),
			 CTL_EXIT_OK);
	ck_assert_str_eq(out_text, "site-b: established (IKE SA 3, CHILD SAs 4, 5)\n");
	ck_assert_int_eq(render("{\"cmd\":\"initiate\",\"name\":\"site-b\"}",
				"{\"ok\":true,\"ike_sa\":3,\"child_sas\":[]}"),
			 CTL_EXIT_OK);
	ck_assert_str_eq(out_text, "site-b: established (IKE SA 3)\n");

	ck_assert_int_eq(render("{\"cmd\":\"initiate\",\"name\":\"site-b\"}",
				"{\"ok\":false,\"error\":\"site-b[3]: AUTHENTICATION_FAILED: peer "
				"192.0.2.2 rejected our PSK authentication\"}"),
			 CTL_EXIT_FAILED);
	ck_assert_str_eq(out_text, "");
	ck_assert_str_eq(err_text, "conduitctl: site-b[3]: AUTHENTICATION_FAILED: peer 192.0.2.2 "
				   "rejected our PSK authentication\n");
}
END_TEST

START_TEST(terminate)
{
	const char *req = "{\"cmd\":\"terminate\",\"name\":\"site-b\"}";
	ck_assert_int_eq(render(req, "{\"ok\":true,\"terminated\":1}"), CTL_EXIT_OK);
	ck_assert_str_eq(out_text, "site-b: terminated 1 IKE SA\n");
	ck_assert_int_eq(render(req, "{\"ok\":true,\"terminated\":2}"), CTL_EXIT_OK);
	ck_assert_str_eq(out_text, "site-b: terminated 2 IKE SAs\n");
	ck_assert_int_eq(render(req, "{\"ok\":true,\"terminated\":0}"), CTL_EXIT_OK);
	ck_assert_str_eq(out_text, "site-b: no IKE SA was up\n");
	/* by id, and one child */
	ck_assert_int_eq(render("{\"cmd\":\"terminate\",\"id\":7}", "{\"ok\":true,\"terminated\":1}"),
			 CTL_EXIT_OK);
	ck_assert_str_eq(out_text, "IKE SA 7: terminated 1 IKE SA\n");
	ck_assert_int_eq(render("{\"cmd\":\"terminate\",\"name\":\"site-b/net\"}",
				"{\"ok\":true,\"terminated_children\":2}"),
			 CTL_EXIT_OK);
	ck_assert_str_eq(out_text, "site-b/net: terminated 2 CHILD_SAs\n");
}
END_TEST

START_TEST(rekey)
{
	const char *req = "{\"cmd\":\"rekey\",\"name\":\"site-b/net\"}";
	ck_assert_int_eq(render(req, "{\"ok\":true,\"rekeying\":1,\"busy\":0}"), CTL_EXIT_OK);
	ck_assert_str_eq(out_text, "site-b/net: rekeying 1 SA\n");
	ck_assert_int_eq(render(req, "{\"ok\":true,\"rekeying\":2,\"busy\":1}"), CTL_EXIT_OK);
	ck_assert_str_eq(out_text, "site-b/net: rekeying 2 SAs (1 already rekeying or going)\n");
	ck_assert_int_eq(render("{\"cmd\":\"rekey\",\"name\":\"site-b\",\"reauth\":true}",
				"{\"ok\":true,\"reauthenticating\":1,\"busy\":0,\"ike_sas\":[8]}"),
			 CTL_EXIT_OK);
	ck_assert_str_eq(out_text, "site-b: reauthenticating 1 IKE SA (new IKE SA 8)\n");
	ck_assert_int_eq(render("{\"cmd\":\"rekey\",\"name\":\"site-b\",\"reauth\":true}",
				"{\"ok\":true,\"reauthenticating\":0,\"busy\":1,\"ike_sas\":[]}"),
			 CTL_EXIT_OK);
	ck_assert_str_eq(out_text,
			 "site-b: reauthenticating 0 IKE SAs; 1 already being replaced or going\n");
}
END_TEST

START_TEST(reload)
{
	ck_assert_int_eq(render("{\"cmd\":\"reload\"}",
				"{\"ok\":true,\"added\":[\"x\",\"y\"],\"removed\":[],"
				"\"changed\":[\"z\"],\"unchanged\":[\"site-b\"]}"),
			 CTL_EXIT_OK);
	ck_assert_str_eq(out_text, "configuration reloaded: 2 added, 0 removed, 1 changed, "
				   "1 unchanged\n"
				   "  added:   x, y\n"
				   "  changed: z\n");
	ck_assert_int_eq(
	    render("{\"cmd\":\"reload\"}",
		   "{\"ok\":false,\"error\":\"configuration has 2 errors\",\"errors\":"
		   "[\"/etc/conduit/conduit.conf:3: unknown key 'foo'\",\"/etc/conduit/"
		   "conduit.conf:9: missing '}'\"]}"),
	    CTL_EXIT_FAILED);
	ck_assert_str_eq(err_text, "conduitctl: configuration has 2 errors\n"
				   "  /etc/conduit/conduit.conf:3: unknown key 'foo'\n"
				   "  /etc/conduit/conduit.conf:9: missing '}'\n");
}
END_TEST

START_TEST(not_a_reply)
{
	ck_assert_int_eq(render("{\"cmd\":\"status\"}", "{\"version\":\"0.1.0\"}"),
			 CTL_EXIT_UNREACHABLE);
	ck_assert_str_eq(err_text, "conduitctl: the daemon's answer is not a reply (no \"ok\")\n");
	ck_assert_int_eq(render("{\"cmd\":\"status\"}", "[true]"), CTL_EXIT_UNREACHABLE);
	ck_assert_int_eq(render("{\"cmd\":\"status\"}", "{\"ok\":\"yes\"}"), CTL_EXIT_UNREACHABLE);
	ck_assert_int_eq(render("{\"cmd\":\"status\"}", "{\"ok\":false}"), CTL_EXIT_FAILED);
	ck_assert_str_eq(err_text,
			 "conduitctl: the daemon reported an error without saying which\n");
}
END_TEST

START_TEST(unknown_command_shown_as_json)
{
	ck_assert_int_eq(render("{\"cmd\":\"frobnicate\"}", "{\"ok\":true,\"n\":1}"), CTL_EXIT_OK);
	ck_assert_str_eq(out_text, "{\n  \"ok\": true,\n  \"n\": 1\n}\n");
}
END_TEST

START_TEST(terminal_escapes_neutralised)
{
	ck_assert_int_eq(render("{\"cmd\":\"list-sas\"}",
				"{\"ok\":true,\"ike_sas\":[{\"id\":1,\"connection\":\"c\","
				"\"state\":\"ESTABLISHED\",\"local_id\":\"a\",\"remote_id\":"
				"\"\\u001b]0;pwned\\u0007\\nfake line\"}]}"),
			 CTL_EXIT_OK);
	ck_assert_ptr_null(strchr(out_text, '\x1b'));
	ck_assert_ptr_nonnull(strstr(out_text, "[\\x1b]0;pwned\\x07\\x0afake line]"));
	ck_assert_int_eq(render("{\"cmd\":\"status\"}", "{\"ok\":false,\"error\":\"\\u001b[2J\"}"),
			 CTL_EXIT_FAILED);
	ck_assert_str_eq(err_text, "conduitctl: \\x1b[2J\n");
}
END_TEST

START_TEST(durations)
{
	char b[32];
	ctl_render_duration(b, sizeof(b), 0);
	ck_assert_str_eq(b, "0s");
	ctl_render_duration(b, sizeof(b), 59);
	ck_assert_str_eq(b, "59s");
	ctl_render_duration(b, sizeof(b), 60);
	ck_assert_str_eq(b, "1m 0s");
	ctl_render_duration(b, sizeof(b), 3599);
	ck_assert_str_eq(b, "59m 59s");
	ctl_render_duration(b, sizeof(b), 3600);
	ck_assert_str_eq(b, "1h 0m");
	ctl_render_duration(b, sizeof(b), 86399);
	ck_assert_str_eq(b, "23h 59m");
	ctl_render_duration(b, sizeof(b), 90061);
	ck_assert_str_eq(b, "1d 1h");
	ctl_render_duration(b, sizeof(b), -5);
	ck_assert_str_eq(b, "?");
	ctl_render_duration(b, sizeof(b), (json_int_t)1 << 62);
	ck_assert_uint_gt(strlen(b), 3);
}
END_TEST

/* Every field of the fixtures replaced by every wrong type: output with
 * "?" placeholders, never a crash (the sanitizer build checks memory). */
static void mutate_all(const char *cmd, json_t *node, json_t *root)
{
	static const char *const junk[] = { "null", "5",	 "-1",	"\"x\"", "[]",
					    "{}",   "[null,{}]", "1.5", "true" };
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_object(node)) {
		void *tmp;
		json_object_foreach_safe(node, tmp, key, v)
		{
			json_t *saved = json_incref(v);
			for (size_t j = 0; j < sizeof(junk) / sizeof(junk[0]); j++) {
				json_object_set_new(node, key,
						    json_loads(junk[j], JSON_DECODE_ANY, NULL));
				char *text = json_dumps(root, JSON_COMPACT);
				char req[64];
				snprintf(req, sizeof(req), "{\"cmd\":\"%s\",\"name\":\"n\"}", cmd);
				int rc = render(req, text);
				ck_assert(rc == CTL_EXIT_OK || rc == CTL_EXIT_FAILED ||
					  rc == CTL_EXIT_UNREACHABLE);
				free(text);
			}
			json_object_set_new(node, key, saved);
			mutate_all(cmd, saved, root);
		}
	} else if (json_is_array(node)) {
		json_array_foreach(node, i, v) mutate_all(cmd, v, root);
	}
}

START_TEST(malformed_replies)
{
	static const struct {
		const char *cmd, *json;
	} fixtures[] = {
		{ "list-sas", list_sas_json },
		{ "list-conns", list_conns_json },
		{ "list-certs", list_certs_json },
		{ "status", "{\"ok\":true,\"version\":\"0.1.0\",\"pid\":1,\"uptime\":4,"
			    "\"connections\":2,\"ike_sas\":1,\"child_sas\":1,\"limits\":{"
			    "\"half_open\":3,\"cookies_required\":true,\"events\":[{\"class\":"
			    "\"x\",\"count\":1,\"suppressed\":0}]}}" },
		{ "initiate", "{\"ok\":true,\"ike_sa\":3,\"child_sas\":[4]}" },
		{ "terminate", "{\"ok\":true,\"terminated\":1}" },
		{ "reload", "{\"ok\":true,\"added\":[\"x\"],\"removed\":[],\"changed\":[],"
			    "\"unchanged\":[]}" },
		{ "reload", "{\"ok\":false,\"error\":\"e\",\"errors\":[\"a\",\"b\"]}" },
	};
	for (size_t i = 0; i < sizeof(fixtures) / sizeof(fixtures[0]); i++) {
		json_t *root = json_loads(fixtures[i].json, 0, NULL);
		ck_assert_ptr_nonnull(root);
		mutate_all(fixtures[i].cmd, root, root);
		json_decref(root);
	}
	/* Spot check: a wrong type prints "?". */
	render("{\"cmd\":\"status\"}", "{\"ok\":true,\"version\":5,\"pid\":\"x\"}");
	ck_assert_str_eq(out_text, "conduitd ?, pid ?, up ?\n"
				   "  connections: ?\n"
				   "  IKE SAs:     ?\n"
				   "  CHILD SAs:   ?\n");
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ctl_render");
	TCase *tc = tcase_create("render");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, status);
	tcase_add_test(tc, list_sas);
	tcase_add_test(tc, list_sas_times);
	tcase_add_test(tc, list_pols);
	tcase_add_test(tc, list_algs);
	tcase_add_test(tc, list_conns);
	tcase_add_test(tc, list_certs);
	tcase_add_test(tc, initiate);
	tcase_add_test(tc, terminate);
	tcase_add_test(tc, rekey);
	tcase_add_test(tc, reload);
	tcase_add_test(tc, not_a_reply);
	tcase_add_test(tc, unknown_command_shown_as_json);
	tcase_add_test(tc, terminal_escapes_neutralised);
	tcase_add_test(tc, durations);
	tcase_add_test(tc, malformed_replies);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
