// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Identity matching, strongSwan's table: DNs with wildcard attributes,
 * FQDN and email wildcards, addresses, %any; and identities as text.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "ike/der.h"
#include "ike/id.h"
#include "tests/unit/unit.h"

/* An identity from strongSwan-like text: "dn:...", "fqdn:...",
 * "email:...", "ipv4:...", "ipv6:...", "keyid:<hex>", "%any". */
static struct ike_id mk(const char *s)
{
	struct ike_id id;
	size_t len = 0;
	char err[256];

	memset(&id, 0, sizeof(id));
	if (!strncmp(s, "dn:", 3)) {
		ck_assert_msg(
		    !ike_dn_from_text(s + 3, id.data, sizeof(id.data), &len, err, sizeof(err)),
		    "%s", err);
		id.type = IKE_ID_DER_ASN1_DN;
	} else if (!strncmp(s, "fqdn:", 5) || !strncmp(s, "email:", 6)) {
		const char *v = strchr(s, ':') + 1;

		id.type = s[0] == 'f' ? IKE_ID_FQDN : IKE_ID_RFC822_ADDR;
		len = strlen(v);
		memcpy(id.data, v, len);
	} else if (!strncmp(s, "ipv4:", 5)) {
		ck_assert_int_eq(inet_pton(AF_INET, s + 5, id.data), 1);
		id.type = IKE_ID_IPV4_ADDR;
		len = 4;
	} else if (!strncmp(s, "ipv6:", 5)) {
		ck_assert_int_eq(inet_pton(AF_INET6, s + 5, id.data), 1);
		id.type = IKE_ID_IPV6_ADDR;
		len = 16;
	} else if (!strncmp(s, "keyid:", 6)) {
		id.type = IKE_ID_KEY_ID;
		for (const char *h = s + 6; h[0] && h[1]; h += 2)
			sscanf(h, "%2hhx", &id.data[len++]);
	} else {
		ck_assert_str_eq(s, "%any");
	}
	id.len = (uint16_t)len;
	return id;
}

static int m(const char *pattern, const char *id)
{
	struct ike_id p = mk(pattern), i = mk(id);
	int q = ike_id_matches(&p, &i);

	/* the same from an ID payload's type and data */
	ck_assert_int_eq(ike_id_matches_data(&p, i.type, i.len ? i.data : NULL, i.len), q);
	return q;
}

enum {
	NONE = IKE_ID_MATCH_NONE,
	ANY = IKE_ID_MATCH_ANY,
	ONE = IKE_ID_MATCH_ONE_WILDCARD,
	PERFECT = IKE_ID_MATCH_PERFECT,
};

static const struct {
	const char *pattern, *id;
	int want;
} table[] = {
	/* %any and types */
	{ "%any", "dn:C=CH, O=strongSwan, CN=moon", ANY },
	{ "%any", "fqdn:moon.strongswan.org", ANY },
	{ "%any", "ipv4:192.0.2.1", ANY },
	{ "fqdn:moon.strongswan.org", "email:moon.strongswan.org", NONE },
	{ "dn:CN=moon", "fqdn:CN=moon", NONE },
	{ "dn:CN=moon", "%any", NONE },
	/* DNs: equal, case of PrintableStrings, attributes in order */
	{ "dn:C=CH, O=strongSwan, CN=moon", "dn:C=CH, O=strongSwan, CN=moon", PERFECT },
	{ "dn:C=CH, O=strongSwan, CN=moon", "dn:c=ch, o=STRONGSWAN, cn=MOON", PERFECT },
	{ "dn:C=CH, O=strongSwan, CN=moon", "dn:C=CH, O=strongSwan, CN=sun", NONE },
	{ "dn:C=CH, O=strongSwan, CN=moon", "dn:O=strongSwan, C=CH, CN=moon", NONE },
	{ "dn:C=CH, O=strongSwan, CN=moon", "dn:C=CH, O=strongSwan", NONE },
	{ "dn:C=CH, O=strongSwan", "dn:C=CH, O=strongSwan, CN=moon", NONE },
	{ "dn:C=CH, O=strongSwan, CN=moon", "dn:C=CH, O=strongSwan, CN=moo", NONE },
	{ "dn:C=CH, O=strongSwan, CN=moon", "dn:C=CH, OU=strongSwan, CN=moon", NONE },
	{ "dn:E=Carol@strongSwan.org", "dn:E=carol@strongswan.org", PERFECT },
	/* a UTF8String compares octet for octet, whatever the other's type */
	{ "dn:O=Z\xc3\xbcrich", "dn:O=z\xc3\xbcrich", NONE },
	{ "dn:O=Z\xc3\xbcrich", "dn:O=Z\xc3\xbcrich", PERFECT },
	/* wildcard attributes: one lower per wildcard */
	{ "dn:C=CH, O=strongSwan, CN=*", "dn:C=CH, O=strongSwan, CN=moon", PERFECT - 1 },
	{ "dn:C=*, O=strongSwan, CN=*", "dn:C=CH, O=strongSwan, CN=moon", PERFECT - 2 },
	{ "dn:C=*, O=*, CN=*", "dn:C=CH, O=strongSwan, CN=moon", PERFECT - 3 },
	{ "dn:C=CH, O=strongSwan, CN=*", "dn:C=CH, O=strongSwan", NONE },
	{ "dn:C=CH, O=strongSwan, CN=*", "dn:C=CH, O=strongSwan, OU=x, CN=moon", NONE },
	{ "dn:C=CH, O=strongSwan, CN=*", "dn:C=CH, O=Acme, CN=moon", NONE },
	{ "dn:C=CH, O=strongSwan, CN=*", "dn:C=CH, O=strongSwan, CN=", PERFECT - 1 },
	/* "*" in the peer's DN is no wildcard */
	{ "dn:C=CH, O=strongSwan, CN=moon", "dn:C=CH, O=strongSwan, CN=*", NONE },
	{ "dn:CN=m*", "dn:CN=moon", NONE },
	/* FQDN */
	{ "fqdn:moon.strongswan.org", "fqdn:moon.strongswan.org", PERFECT },
	{ "fqdn:moon.strongswan.org", "fqdn:MOON.strongSwan.ORG", PERFECT },
	{ "fqdn:moon.strongswan.org", "fqdn:sun.strongswan.org", NONE },
	{ "fqdn:*.strongswan.org", "fqdn:moon.strongswan.org", ONE },
	{ "fqdn:*.strongswan.org", "fqdn:moon.StrongSwan.org", ONE },
	{ "fqdn:*.strongswan.org", "fqdn:a.b.strongswan.org", ONE },
	{ "fqdn:*.strongswan.org", "fqdn:strongswan.org", NONE },
	{ "fqdn:*.strongswan.org", "fqdn:moon.strongswan.org.evil", NONE },
	{ "fqdn:*.strongswan.org", "fqdn:.strongswan.org", NONE },
	{ "fqdn:*", "fqdn:anything", ANY },
	{ "fqdn:moon.*", "fqdn:moon.strongswan.org", NONE },
	/* email */
	{ "email:carol@strongswan.org", "email:carol@strongswan.org", PERFECT },
	{ "email:carol@strongswan.org", "email:Carol@StrongSwan.org", PERFECT },
	{ "email:*@strongswan.org", "email:carol@strongswan.org", ONE },
	{ "email:*@strongswan.org", "email:carol@strongswan.org.evil", NONE },
	{ "email:*@strongswan.org", "email:carol@evilstrongswan.org", NONE },
	{ "email:*", "email:carol@strongswan.org", ANY },
	/* addresses and key ids: octet for octet */
	{ "ipv4:192.0.2.1", "ipv4:192.0.2.1", PERFECT },
	{ "ipv4:192.0.2.1", "ipv4:192.0.2.2", NONE },
	{ "ipv6:2001:db8::1", "ipv6:2001:db8::1", PERFECT },
	{ "ipv6:2001:db8::1", "ipv6:2001:db8::2", NONE },
	{ "ipv4:192.0.2.1", "ipv6:::ffff:192.0.2.1", NONE },
	{ "keyid:0a1b", "keyid:0a1b", PERFECT },
	{ "keyid:0a1b", "keyid:0a1c", NONE },
	{ "keyid:0a1b", "keyid:0a1b00", NONE },
};

START_TEST(test_match_table)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		ck_assert_msg(m(table[i].pattern, table[i].id) == table[i].want,
			      "%zu: \"%s\" against \"%s\": %d, want %d", i, table[i].pattern,
			      table[i].id, m(table[i].pattern, table[i].id), table[i].want);
}
END_TEST

/* The connection index's key: identities that match perfectly share it,
 * so the index offers every candidate; other names do not. */
static bool same_key(const char *a, const char *b)
{
	struct ike_id x = mk(a), y = mk(b);
	uint8_t kx[3 + IKE_ID_MAX_LEN], ky[3 + IKE_ID_MAX_LEN];
	size_t nx = ike_id_fold_key(x.type, x.data, x.len, kx);
	size_t ny = ike_id_fold_key(y.type, y.data, y.len, ky);

	return nx == ny && !memcmp(kx, ky, nx);
}

START_TEST(test_fold_key)
{
	ck_assert(!same_key("fqdn:moon.strongswan.org", "fqdn:sun.strongswan.org"));
	ck_assert(!same_key("fqdn:moon.strongswan.org", "email:moon.strongswan.org"));
	ck_assert(!same_key("dn:C=CH, CN=moon", "dn:C=CH, CN=sun"));
	ck_assert(!same_key("dn:C=CH, CN=moon", "dn:CN=moon, C=CH"));
	ck_assert(!same_key("dn:C=CH, CN=ab", "dn:C=CH, CN=a, CN=b"));
	ck_assert(same_key("dn:C=CH, CN=Moon", "dn:c=ch, cn=moon"));
	ck_assert(same_key("ipv4:192.0.2.1", "ipv4:192.0.2.1"));
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		struct ike_id p = mk(table[i].pattern), id = mk(table[i].id);
		uint8_t kp[3 + IKE_ID_MAX_LEN], ki[3 + IKE_ID_MAX_LEN];
		size_t np = ike_id_fold_key(p.type, p.data, p.len, kp);
		size_t ni = ike_id_fold_key(id.type, id.data, id.len, ki);
		bool same = np == ni && !memcmp(kp, ki, np);

		ck_assert_uint_le(np, 3 + (size_t)p.len);
		/* (the key may join more: UTF8Strings differing in case) */
		if (table[i].want == PERFECT)
			ck_assert_msg(same, "%zu: %s and %s keyed apart", i, table[i].pattern,
				      table[i].id);
	}
}
END_TEST

START_TEST(test_match_order)
{
	/* exact > wildcard > any, as strongSwan ranks connections */
	ck_assert_int_gt(m("dn:C=CH, O=strongSwan, CN=moon", "dn:C=CH, O=strongSwan, CN=moon"),
			 m("dn:C=CH, O=strongSwan, CN=*", "dn:C=CH, O=strongSwan, CN=moon"));
	ck_assert_int_gt(m("dn:C=CH, O=strongSwan, CN=*", "dn:C=CH, O=strongSwan, CN=moon"),
			 m("dn:C=CH, O=*, CN=*", "dn:C=CH, O=strongSwan, CN=moon"));
	ck_assert_int_gt(m("fqdn:*.strongswan.org", "fqdn:moon.strongswan.org"),
			 m("%any", "fqdn:moon.strongswan.org"));
}
END_TEST

/* Many wildcards end at strongSwan's floor, still above ANY. */
START_TEST(test_match_many_wildcards)
{
	char p[256] = "dn:", t[256] = "dn:";

	for (int i = 0; i < 20; i++) {
		strcat(p, i ? ", CN=*" : "CN=*");
		strcat(t, i ? ", CN=x" : "CN=x");
	}
	ck_assert_int_eq(m(p, t), IKE_ID_MATCH_PERFECT - 17);
	ck_assert_int_gt(m(p, t), IKE_ID_MATCH_ANY);
}
END_TEST

START_TEST(test_match_hostile)
{
	struct ike_id p = mk("dn:C=CH, CN=*"), id = mk("dn:C=CH, CN=moon");
	struct ike_id bad = id;

	/* an invalid DN matches nothing, not even itself */
	bad.data[1] = 0x7f;
	ck_assert_int_eq(ike_id_matches(&p, &bad), IKE_ID_MATCH_NONE);
	ck_assert_int_eq(ike_id_matches(&bad, &bad), IKE_ID_MATCH_NONE);
	bad.len = 0;
	ck_assert_int_eq(ike_id_matches(&p, &bad), IKE_ID_MATCH_NONE);
	/* every cut of the peer's DN is refused */
	for (uint16_t n = 0; n < id.len; n++) {
		bad = id;
		bad.len = n;
		ck_assert_int_eq(ike_id_matches(&p, &bad), IKE_ID_MATCH_NONE);
	}
	/* a NUL inside an FQDN does not pass for the shorter name */
	p = mk("fqdn:*.strongswan.org");
	id = mk("fqdn:moon.strongswan.org");
	memcpy(id.data + id.len, "\0x.strongswan.org", 17);
	id.len = (uint16_t)(id.len + 17);
	ck_assert_int_eq(ike_id_matches(&p, &id), IKE_ID_MATCH_NONE);
	p = mk("fqdn:moon.strongswan.org");
	id = mk("fqdn:moon.strongswan.org");
	id.data[id.len++] = 0;
	ck_assert_int_eq(ike_id_matches(&p, &id), IKE_ID_MATCH_NONE);
	/* lengths past the buffer are refused, not read */
	id.len = IKE_ID_MAX_LEN + 1;
	ck_assert_int_eq(ike_id_matches(&p, &id), IKE_ID_MATCH_NONE);
}
END_TEST

START_TEST(test_wildcards)
{
	struct ike_id a = mk("dn:C=CH, CN=*"), b = mk("dn:C=CH, CN=moon");

	ck_assert(ike_id_has_wildcards(&a));
	ck_assert(!ike_id_has_wildcards(&b));
	a = mk("fqdn:*.example.org");
	ck_assert(ike_id_has_wildcards(&a));
	a = mk("email:*@example.org");
	ck_assert(ike_id_has_wildcards(&a));
	a = mk("fqdn:gw.example.org");
	ck_assert(!ike_id_has_wildcards(&a));
	a = mk("%any");
	ck_assert(ike_id_has_wildcards(&a));
	a = mk("ipv4:192.0.2.1");
	ck_assert(!ike_id_has_wildcards(&a));
}
END_TEST

static const char *fmt(const char *s)
{
	static char buf[600];
	struct ike_id id = mk(s);

	ike_id_format(id.type, id.data, id.len, buf, sizeof(buf));
	return buf;
}

START_TEST(test_format)
{
	char small[12];
	struct ike_id id = mk("dn:C=CH, O=strongSwan, CN=moon.strongswan.org");

	ck_assert_str_eq(fmt("dn:C=CH, O=strongSwan, CN=moon.strongswan.org"),
			 "C=CH, O=strongSwan, CN=moon.strongswan.org");
	ck_assert_str_eq(fmt("dn:/emailAddress=a@b/CN=x"), "E=a@b, CN=x");
	ck_assert_str_eq(fmt("fqdn:gw.example.org"), "gw.example.org");
	ck_assert_str_eq(fmt("ipv4:192.0.2.1"), "192.0.2.1");
	ck_assert_str_eq(fmt("ipv6:2001:db8::1"), "2001:db8::1");
	ck_assert_str_eq(fmt("keyid:0a1bff"), "@#0a1bff");
	ck_assert_str_eq(fmt("%any"), "%any");
	ike_id_format(id.type, id.data, id.len, small, sizeof(small));
	ck_assert_str_eq(small, "C=CH, O=str");
	id.data[1]++;
	ike_id_format(id.type, id.data, id.len, small, sizeof(small));
	ck_assert_str_eq(small, "(invalid ID");
	ike_id_format(IKE_ID_DER_ASN1_GN, id.data, id.len, small, sizeof(small));
	ck_assert_str_eq(small, "(binary)");
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ike_id");
	TCase *tc = tcase_create("match");

	tcase_add_test(tc, test_match_table);
	tcase_add_test(tc, test_match_order);
	tcase_add_test(tc, test_fold_key);
	tcase_add_test(tc, test_match_many_wildcards);
	tcase_add_test(tc, test_match_hostile);
	tcase_add_test(tc, test_wildcards);
	tcase_add_test(tc, test_format);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
