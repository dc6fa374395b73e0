// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * DER TLVs and Distinguished Names: text to DER as strongSwan writes it,
 * DER to text, round trips, and hostile DER refused without reading past
 * what was given. OpenSSL's X509_NAME is the independent referee.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/x509.h>

#include "ike/der.h"
#include "tests/unit/unit.h"

/* "C=CH, O=strongSwan, CN=moon.strongswan.org", PrintableStrings */
static const uint8_t moon[] = {
	0x30, 0x40, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x06, 0x13, 0x02, 'C',
	'H',  0x31, 0x13, 0x30, 0x11, 0x06, 0x03, 0x55, 0x04, 0x0a, 0x13, 0x0a, 's',  't',
	'r',  'o',  'n',  'g',	'S',  'w',  'a',  'n',	0x31, 0x1c, 0x30, 0x1a, 0x06, 0x03,
	0x55, 0x04, 0x03, 0x13, 0x13, 'm',  'o',  'o',	'n',  '.',  's',  't',	'r',  'o',
	'n',  'g',  's',  'w',	'a',  'n',  '.',  'o',	'r',  'g',
};

static size_t dn(const char *text, uint8_t *out, size_t max)
{
	char err[256] = "";
	size_t len = 0;
	int rc = ike_dn_from_text(text, out, max, &len, err, sizeof(err));

	ck_assert_msg(rc == 0, "%s: %d %s", text, rc, err);
	return len;
}

static int dn_err(const char *text, char *err, size_t errlen)
{
	uint8_t out[512];
	size_t len = 99;
	int rc = ike_dn_from_text(text, out, sizeof(out), &len, err, errlen);

	ck_assert_uint_eq(len, 0);
	return rc;
}

static void round_trip(const char *text, const char *want)
{
	uint8_t der[512];
	char back[1100];
	size_t len = dn(text, der, sizeof(der));

	ck_assert_int_eq(ike_dn_check(der, len), 0);
	ck_assert_int_eq(ike_dn_to_text(der, len, back, sizeof(back)), 0);
	ck_assert_str_eq(back, want);
}

START_TEST(test_text_to_der_exact)
{
	uint8_t der[512];
	size_t len;

	len = dn("C=CH, O=strongSwan, CN=moon.strongswan.org", der, sizeof(der));
	ck_assert_uint_eq(len, sizeof(moon));
	ck_assert_mem_eq(der, moon, sizeof(moon));
	/* the '/' form, spaces around keys and '=' */
	len = dn("/C=CH/O=strongSwan/CN=moon.strongswan.org", der, sizeof(der));
	ck_assert_mem_eq(der, moon, sizeof(moon));
	len = dn("  c = CH ,o=strongSwan,   cn =  moon.strongswan.org  ", der, sizeof(der));
	ck_assert_uint_eq(len, sizeof(moon));
	ck_assert_mem_eq(der, moon, sizeof(moon));
	/* a trailing separator ends the DN, as in strongSwan */
	len = dn("C=CH, O=strongSwan, CN=moon.strongswan.org,", der, sizeof(der));
	ck_assert_mem_eq(der, moon, sizeof(moon));
}
END_TEST

/* OpenSSL reads what we write and prints the same attributes. */
START_TEST(test_text_to_der_openssl)
{
	uint8_t der[512];
	const unsigned char *p = der;
	size_t len = dn("C=CH, ST=Zug, L=Baar, O=strongSwan, OU=Test, CN=carol@strongswan.org, "
			"E=carol@strongswan.org, serialNumber=0042, DC=org, UID=carol",
			der, sizeof(der));
	X509_NAME *name = d2i_X509_NAME(NULL, &p, (long)len);
	char buf[512];

	ck_assert_ptr_nonnull(name);
	ck_assert_ptr_eq(p, der + len);
	ck_assert_int_eq(X509_NAME_entry_count(name), 10);
	ck_assert_ptr_nonnull(X509_NAME_oneline(name, buf, sizeof(buf)));
	ck_assert_str_eq(buf,
			 "/C=CH/ST=Zug/L=Baar/O=strongSwan/OU=Test/CN=carol@strongswan.org"
			 "/emailAddress=carol@strongswan.org/serialNumber=0042/DC=org/UID=carol");
	/* '@' is not a PrintableString character: the CN is a UTF8String,
	 * the E an IA5String */
	ck_assert_int_eq(ASN1_STRING_type(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, 5))),
			 V_ASN1_UTF8STRING);
	ck_assert_int_eq(ASN1_STRING_type(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, 6))),
			 V_ASN1_IA5STRING);
	ck_assert_int_eq(ASN1_STRING_type(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, 0))),
			 V_ASN1_PRINTABLESTRING);
	X509_NAME_free(name);
}
END_TEST

/* A DN OpenSSL makes (as in a certificate) reads back in strongSwan's words. */
START_TEST(test_der_from_openssl)
{
	X509_NAME *name = X509_NAME_new();
	unsigned char *der = NULL;
	char buf[512];
	int len;

	ck_assert_ptr_nonnull(name);
	ck_assert(X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC, (const unsigned char *)"CH",
					     -1, -1, 0));
	ck_assert(X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
					     (const unsigned char *)"Z\xc3\xbcrich AG", -1, -1, 0));
	ck_assert(X509_NAME_add_entry_by_txt(name, "emailAddress", MBSTRING_ASC,
					     (const unsigned char *)"a@b.example", -1, -1, 0));
	ck_assert(X509_NAME_add_entry_by_txt(name, "1.2.3.4", MBSTRING_ASC,
					     (const unsigned char *)"x", -1, -1, 0));
	ck_assert(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"gw",
					     -1, -1, 0));
	/* a multi-valued RDN: OU and title in one SET */
	ck_assert(X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_ASC, (const unsigned char *)"ops",
					     -1, -1, 0));
	ck_assert(X509_NAME_add_entry_by_txt(name, "title", MBSTRING_ASC,
					     (const unsigned char *)"boss", -1, -1, 1));
	len = i2d_X509_NAME(name, &der);
	ck_assert_int_gt(len, 0);
	ck_assert_int_eq(ike_dn_check(der, (size_t)len), 0);
	ck_assert_int_eq(ike_dn_to_text(der, (size_t)len, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf,
			 "C=CH, O=Z??rich AG, E=a@b.example, 1.2.3.4=x, CN=gw, OU=ops, T=boss");
	/* cut, always terminated */
	ck_assert_int_eq(ike_dn_to_text(der, (size_t)len, buf, 9), 0);
	ck_assert_str_eq(buf, "C=CH, O=");
	OPENSSL_free(der);
	X509_NAME_free(name);
}
END_TEST

START_TEST(test_round_trips)
{
	round_trip("C=CH, O=strongSwan, CN=moon.strongswan.org",
		   "C=CH, O=strongSwan, CN=moon.strongswan.org");
	round_trip("/C=CH/O=Acme, Inc./CN=gw", "C=CH, O=Acme, Inc., CN=gw");
	round_trip("emailAddress=a@b, Email=c@d, e=f@g, UN=host, UA=addr",
		   "E=a@b, E=c@d, E=f@g, unstructuredName=host, unstructuredAddress=addr");
	round_trip("SN=Surname, serialNumber=7, EN=12, employeeNumber=13, ND=x, CN=",
		   "SN=Surname, serialNumber=7, employeeNumber=12, employeeNumber=13, ND=x, CN=");
}
END_TEST

START_TEST(test_round_trips_all_keys)
{
	static const char *const k[] = { "ND",
					 "UID",
					 "DC",
					 "CN",
					 "SN",
					 "serialNumber",
					 "C",
					 "L",
					 "ST",
					 "STREET",
					 "O",
					 "OU",
					 "organizationIdentifier",
					 "T",
					 "D",
					 "postalAddress",
					 "postalCode",
					 "N",
					 "G",
					 "I",
					 "dnQualifier",
					 "dmdName",
					 "pseudonym",
					 "ID",
					 "E" };

	for (size_t i = 0; i < sizeof(k) / sizeof(k[0]); i++) {
		char text[64];

		snprintf(text, sizeof(text), "%s=v%zu", k[i], i);
		round_trip(text, text);
	}
}
END_TEST

START_TEST(test_value_types)
{
	uint8_t der[512];
	size_t len;

	/* '*' is not a PrintableString character (strongSwan: UTF8String) */
	len = dn("CN=*", der, sizeof(der));
	ck_assert_uint_eq(len, 14);
	ck_assert_uint_eq(der[11], IKE_DER_UTF8_STRING);
	len = dn("O=Z\xc3\xbcrich", der, sizeof(der));
	ck_assert_uint_eq(der[11], IKE_DER_UTF8_STRING);
	ck_assert_uint_eq(der[12], 7);
	len = dn("/CN=a (b) 'c'+,-.:=?", der, sizeof(der));
	ck_assert_uint_eq(der[11], IKE_DER_PRINTABLE_STRING);
	/* an empty value, as strongSwan allows */
	len = dn("CN=, O=x", der, sizeof(der));
	ck_assert_uint_eq(der[12], 0);
	(void)len;
}
END_TEST

START_TEST(test_text_errors)
{
	char err[256], many[400] = "";
	uint8_t der[64];
	size_t len;

	ck_assert_int_eq(dn_err("XX=1, CN=a", err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "unknown attribute \"XX\""));
	ck_assert_int_eq(dn_err("CN", err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "is not KEY=value"));
	ck_assert_int_eq(dn_err("CN=a, O", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(dn_err("=a", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(dn_err("", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(dn_err("  ", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(dn_err(NULL, err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(dn_err("CN=a\tb", err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "control character"));
	ck_assert_int_eq(dn_err("CN=\xc3", err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "not UTF-8"));
	ck_assert_int_eq(dn_err("CN=\xc0\xaf", err, sizeof(err)), -EINVAL);	/* overlong '/' */
	ck_assert_int_eq(dn_err("CN=\xed\xa0\x80", err, sizeof(err)), -EINVAL); /* surrogate */
	ck_assert_int_eq(dn_err("E=\xc3\xbc@x", err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "ASCII"));
	for (int i = 0; i < 21; i++)
		strcat(many, "CN=a,");
	ck_assert_int_eq(dn_err(many, err, sizeof(err)), -E2BIG);
	many[strlen(many) - 5] = 0; /* 20 attributes fit */
	ck_assert_int_eq(ike_dn_from_text(many, der, 0, &len, err, sizeof(err)), -ENOBUFS);
	ck_assert_int_eq(
	    ike_dn_from_text("CN=moon.strongswan.org", der, 31, &len, err, sizeof(err)), -ENOBUFS);
	ck_assert_ptr_nonnull(strstr(err, "longer than 31 octets"));
	ck_assert_int_eq(
	    ike_dn_from_text("CN=moon.strongswan.org", der, 32, &len, err, sizeof(err)), 0);
	ck_assert_uint_eq(len, 32);
}
END_TEST

/* ---- hostile DER ---- */

static void refused(const uint8_t *d, size_t len)
{
	char buf[64];

	ck_assert_int_eq(ike_dn_check(d, len), -EBADMSG);
	ck_assert_int_eq(ike_dn_to_text(d, len, buf, sizeof(buf)), -EBADMSG);
	ck_assert_str_eq(buf, "(invalid ID_DER_ASN1_DN)");
}

#define REFUSED(...)                                                                               \
	do {                                                                                       \
		static const uint8_t d_[] = { __VA_ARGS__ };                                       \
		refused(d_, sizeof(d_));                                                           \
	} while (0)

START_TEST(test_hostile_der)
{
	char buf[64];

	/* the reference: accepted */
	ck_assert_int_eq(ike_dn_check(moon, sizeof(moon)), 0);
	/* an empty DN (an empty subject) is well-formed */
	ck_assert_int_eq(ike_dn_check((const uint8_t *)"\x30\x00", 2), 0);
	ck_assert_int_eq(ike_dn_to_text((const uint8_t *)"\x30\x00", 2, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");

	refused(NULL, 0);
	REFUSED(0x30);
	REFUSED(0x31, 0x00);		 /* not a SEQUENCE */
	REFUSED(0x30, 0x00, 0x00);	 /* trailing octet */
	REFUSED(0x30, 0x02, 0x31, 0x00); /* empty RDN */
	/* moon's attributes under a header that is BER but not DER */
	{
		static const uint8_t hdrs[][7] = {
			{ 0x30, 0x80 },				      /* indefinite length */
			{ 0x30, 0x81, 0x40 },			      /* long form for < 128 */
			{ 0x30, 0x82, 0x00, 0x40 },		      /* leading zero */
			{ 0x30, 0x85, 0x00, 0x00, 0x00, 0x00, 0x40 }, /* 5 length octets */
		};
		static const size_t hlen[] = { 2, 3, 4, 7 };
		uint8_t d[7 + sizeof(moon) + 2];

		for (size_t i = 0; i < 4; i++) {
			memcpy(d, hdrs[i], hlen[i]);
			memcpy(d + hlen[i], moon + 2, sizeof(moon) - 2);
			d[hlen[i] + sizeof(moon) - 2] = 0; /* end-of-contents, for the first */
			d[hlen[i] + sizeof(moon) - 1] = 0;
			refused(d, hlen[i] + sizeof(moon) - 2 + (i ? 0 : 2));
		}
	}
	REFUSED(0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x31); /* length past the end */
	REFUSED(0x30, 0x05, 0x31, 0x03, 0x30, 0x01, 0x06); /* truncated inside */
	REFUSED(0x3f, 0x81, 0x01, 0x00);		   /* high tag number */
	/* inner length exceeding its parent */
	REFUSED(0x30, 0x0b, 0x31, 0x09, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x03, 0x13, 0x01, 'a');
	/* OID: empty, a leading 0x80, an unfinished subidentifier */
	REFUSED(0x30, 0x08, 0x31, 0x06, 0x30, 0x04, 0x06, 0x00, 0x13, 0x00);
	REFUSED(0x30, 0x0a, 0x31, 0x08, 0x30, 0x06, 0x06, 0x02, 0x80, 0x01, 0x13, 0x00);
	REFUSED(0x30, 0x0a, 0x31, 0x08, 0x30, 0x06, 0x06, 0x02, 0x55, 0x84, 0x13, 0x00);
	/* value: constructed, context-specific, tag 0; an extra element */
	REFUSED(0x30, 0x0b, 0x31, 0x09, 0x30, 0x07, 0x06, 0x03, 0x55, 0x04, 0x03, 0x30, 0x00);
	REFUSED(0x30, 0x0b, 0x31, 0x09, 0x30, 0x07, 0x06, 0x03, 0x55, 0x04, 0x03, 0x80, 0x00);
	REFUSED(0x30, 0x0b, 0x31, 0x09, 0x30, 0x07, 0x06, 0x03, 0x55, 0x04, 0x03, 0x00, 0x00);
	REFUSED(0x30, 0x0d, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x03, 0x13, 0x00, 0x13,
		0x00);
	/* no value; a SET holding something else than a SEQUENCE */
	REFUSED(0x30, 0x09, 0x31, 0x07, 0x30, 0x05, 0x06, 0x03, 0x55, 0x04, 0x03);
	REFUSED(0x30, 0x04, 0x31, 0x02, 0x13, 0x00);
}
END_TEST

/* Every cut of a valid DN is refused, every one-octet change is either
 * refused or read within bounds (the sanitizer build checks the reads). */
START_TEST(test_cuts_and_flips)
{
	uint8_t d[sizeof(moon)];
	char buf[256];

	for (size_t n = 0; n < sizeof(moon); n++) {
		uint8_t *copy = malloc(n ? n : 1);

		memcpy(copy, moon, n);
		ck_assert_int_eq(ike_dn_check(copy, n), -EBADMSG);
		free(copy);
	}
	for (size_t i = 0; i < sizeof(moon); i++)
		for (unsigned v = 0; v < 256; v++) {
			memcpy(d, moon, sizeof(d));
			d[i] = (uint8_t)v;
			if (ike_dn_check(d, sizeof(d)) == 0)
				ck_assert_int_eq(ike_dn_to_text(d, sizeof(d), buf, sizeof(buf)), 0);
			else
				ike_dn_to_text(d, sizeof(d), buf, sizeof(buf));
		}
}
END_TEST

START_TEST(test_too_many_attributes)
{
	uint8_t der[1024];
	size_t n = 2;

	/* 21 RDNs of "CN=a" in DER (the text parser stops at 20) */
	der[0] = 0x30;
	der[1] = 0x81;
	n = 3;
	for (int i = 0; i < 21; i++) {
		static const uint8_t rdn[] = { 0x31, 0x0a, 0x30, 0x08, 0x06, 0x03,
					       0x55, 0x04, 0x03, 0x13, 0x01, 'a' };

		memcpy(der + n, rdn, sizeof(rdn));
		n += sizeof(rdn);
	}
	der[2] = (uint8_t)(n - 3);
	ck_assert_int_eq(ike_dn_check(der, n), -EBADMSG);
	der[2] = (uint8_t)(n - 3 - 12);
	ck_assert_int_eq(ike_dn_check(der, n - 12), 0);
}
END_TEST

START_TEST(test_der_get)
{
	struct ike_reader r;
	struct ike_der t;
	uint8_t big[3 + 300];

	big[0] = 0x04;
	big[1] = 0x82;
	big[2] = 0x01;
	big[3] = 0x2c;
	ike_reader_init(&r, big, 4 + 300 - 1);
	ck_assert_int_eq(ike_der_get(&r, &t), -EBADMSG); /* one octet short */
	ck_assert(ike_reader_failed(&r));
	ike_reader_init(&r, big, 300);
	big[3] = 0x28; /* 296 octets: they are there */
	ck_assert_int_eq(ike_der_get(&r, &t), 0);
	ck_assert_uint_eq(t.tag, 0x04);
	ck_assert_uint_eq(t.val.len, 296);
	ck_assert_uint_eq(t.whole.len, 300);
	ck_assert(ike_reader_at_end(&r));
	/* the same length in three octets, one a leading zero: not DER */
	{
		uint8_t l3[5 + 296] = { 0x04, 0x83, 0x00, 0x01, 0x28 };

		ike_reader_init(&r, l3, sizeof(l3));
		ck_assert_int_eq(ike_der_get(&r, &t), -EBADMSG);
		l3[2] = 0x01; /* 0x010128 octets: more than there are */
		ike_reader_init(&r, l3, sizeof(l3));
		ck_assert_int_eq(ike_der_get(&r, &t), -EBADMSG);
	}
	ike_reader_init(&r, big, 300);
	ck_assert_int_eq(ike_der_expect(&r, 0x30, &t), -EBADMSG);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ike_der");
	TCase *tc = tcase_create("dn");

	tcase_add_test(tc, test_text_to_der_exact);
	tcase_add_test(tc, test_text_to_der_openssl);
	tcase_add_test(tc, test_der_from_openssl);
	tcase_add_test(tc, test_round_trips);
	tcase_add_test(tc, test_round_trips_all_keys);
	tcase_add_test(tc, test_value_types);
	tcase_add_test(tc, test_text_errors);
	tcase_add_test(tc, test_hostile_der);
	tcase_add_test(tc, test_cuts_and_flips);
	tcase_add_test(tc, test_too_many_attributes);
	tcase_add_test(tc, test_der_get);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(suite)
