/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ike/cert.c and ike/cert_verify.c against a PKI made at test time by
 * tests/uml/pki.sh: parsing, credential sets, chains, CERTREQ, every
 * refusal reason and trust rule, and the peer-certificate cache. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ike/cert.h"
#include "ike/engine.h"
#include "ike/sig.h"
#include "tests/unit/test_pki.h"
#include "tests/unit/unit.h"

static int64_t now;

static int add_key(struct ike_creds *cs, const char *name, const char *pass)
{
	size_t len;
	uint8_t *d = pki_load(name, &len);
	const char *err = NULL;
	int r = ike_creds_add_key(cs, d, len, pass, name, &err);

	free(d);
	return r;
}

struct problems {
	int n;
	char last_source[64];
	char last[512];
};

static void on_problem(void *ctx, const char *source, const char *msg)
{
	struct problems *p = ctx;

	p->n++;
	snprintf(p->last_source, sizeof(p->last_source), "%s", source);
	snprintf(p->last, sizeof(p->last), "%s", msg);
}

/* A set of the named files: "ca:root.crt", "ee:moon.crt", "key:moon.key",
 * "crl:inter.crl"; NULL-terminated. Finished at now. */
static struct ike_creds *set_of(struct problems *p, const char *const *items)
{
	struct ike_creds *cs = ike_creds_new();
	struct problems dummy = { 0 };

	ck_assert_ptr_nonnull(cs);
	if (!p)
		p = &dummy;
	pki_add_all(cs, items);
	ck_assert_int_eq(ike_creds_finish(cs, now, on_problem, p), p->n);
	return cs;
}

#define SET(p, ...) set_of(p, (const char *const[]){ __VA_ARGS__, NULL })

/* Verify the chain of the named certificates (end entity first). */
static enum ike_cert_status verify_at(const struct ike_creds *cs, const struct ike_trust *t,
				      int64_t at, char *why, const char *const *names)
{
	struct ike_cert *chain[16] = { 0 };
	size_t n = 0;
	enum ike_cert_status s;

	for (; *names; names++)
		chain[n++] = pki_cert(*names);
	s = ike_cert_verify(cs, t, chain, n, at, why, IKE_CERT_WHY_LEN);
	for (size_t i = 0; i < n; i++)
		ike_cert_unref(chain[i]);
	return s;
}

#define VERIFY(cs, t, why, ...)                                                                    \
	verify_at(cs, t, now, why, (const char *const[]){ __VA_ARGS__, NULL })
#define VERIFY_AT(cs, t, at, why, ...)                                                             \
	verify_at(cs, t, at, why, (const char *const[]){ __VA_ARGS__, NULL })

#define ASSERT_STATUS(got, want, why)                                                              \
	ck_assert_msg((got) == (want), "got %s, want %s: %s", ike_cert_status_name(got),           \
		      ike_cert_status_name(want), why)

/* ---- parsing ---- */

START_TEST(parse_pem_der)
{
	struct ike_cert *pem = pki_cert("moon.crt"), *der = pki_cert("moon.der");
	size_t len;
	uint8_t *d = pki_load("moon.der", &len);
	const char *err = NULL;
	char kt[32];

	ck_assert_mem_eq(ike_cert_fingerprint(pem), ike_cert_fingerprint(der), 32);
	ck_assert_str_eq(ike_cert_subject(pem), "C=CH, O=conduit test, CN=moon.example.org");
	ck_assert_str_eq(ike_cert_issuer(pem), "C=CH, O=conduit test, CN=Intermediate CA");
	ck_assert(!ike_cert_self_signed(pem));
	ck_assert(!ike_cert_is_ca(pem));
	ike_cert_key_type(pem, kt, sizeof(kt));
	ck_assert_str_eq(kt, "ECDSA P-256");
	ike_cert_serial(pem, kt, sizeof(kt));
	ck_assert_str_eq(kt, "1000"); /* the intermediate's first */

	/* DER must fill the octets exactly, and be whole */
	d = realloc(d, len + 1);
	d[len] = 0;
	ck_assert_ptr_null(ike_cert_parse(d, len + 1, &err));
	ck_assert_str_eq(err, "not a DER X.509 certificate");
	ck_assert_ptr_null(ike_cert_parse(d, len - 1, &err));
	ck_assert_ptr_null(ike_cert_parse(d, 0, &err));
	ck_assert_ptr_null(
	    ike_cert_parse((const uint8_t *)"-----BEGIN CERTIFICATE-----\nAAAA\n", 33, &err));
	free(d);
	ike_cert_unref(pem);
	ike_cert_unref(der);
}
END_TEST

/* Every truncation and many corruptions of a DER certificate: refused or
 * parsed, never a crash or a leak (the sanitizer build runs this). */
START_TEST(hostile_der)
{
	size_t len;
	uint8_t *d = pki_load("sun.crt", &len), *der;
	struct ike_cert *c = ike_cert_parse(d, len, NULL);
	const uint8_t *orig;
	const char *err;

	ck_assert_ptr_nonnull(c);
	orig = ike_cert_der(c, &len);
	der = malloc(len);
	ck_assert_ptr_nonnull(der);
	for (size_t n = 0; n < len; n++) {
		memcpy(der, orig, n);
		err = NULL;
		ck_assert_ptr_null(ike_cert_parse(der, n, &err));
		ck_assert_ptr_nonnull(err);
	}
	for (size_t i = 0; i < len; i++) {
		struct ike_cert *x;

		memcpy(der, orig, len);
		der[i] ^= (uint8_t)(1u << (i % 8));
		x = ike_cert_parse(der, len, NULL);
		ike_cert_unref(x);
	}
	free(der);
	free(d);
	ike_cert_unref(c);
}
END_TEST

/* Truncated keys (DER, encrypted PEM) and CRLs: refused, never a crash
 * or a leak; a whole one is taken. */
START_TEST(hostile_keys_crls)
{
	static const char *const files[] = {"moon-key.der", "moon-enc.key", "inter.crl"};

	for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
		size_t len;
		uint8_t *d = pki_load(files[f], &len);
		bool crl = strstr(files[f], ".crl") != NULL;

		for (size_t n = 0; n <= len; n++) {
			struct ike_creds *cs = ike_creds_new();
			uint8_t *cut = malloc(n ? n : 1);
			const char *err = NULL;
			int r;

			ck_assert_ptr_nonnull(cut);
			memcpy(cut, d, n);
			r = crl ? ike_creds_add_crl(cs, cut, n, "x", &err)
				: ike_creds_add_key(cs, cut, n, "moon-secret", "x", &err);
			/* PEM is still whole without its last newline */
			if (n < len - 1)
				ck_assert_msg(r < 0, "%s cut at %zu taken", files[f], n);
			else if (n == len)
				ck_assert_msg(r == 0, "%s: %s", files[f], err);
			if (r < 0)
				ck_assert_ptr_nonnull(err);
			free(cut);
			ike_creds_unref(cs);
		}
		free(d);
	}
}
END_TEST

START_TEST(key_types)
{
	static const struct {
		const char *file, *type;
	} t[] = { { "sun.crt", "RSA 2048" },
		  { "carol.crt", "Ed25519" },
		  { "root.crt", "ECDSA P-256" } };

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ike_cert *c = pki_cert(t[i].file);
		char kt[32];

		ike_cert_key_type(c, kt, sizeof(kt));
		ck_assert_str_eq(kt, t[i].type);
		ike_cert_unref(c);
	}
	struct ike_cert *root = pki_cert("root.crt");

	ck_assert(ike_cert_self_signed(root));
	ck_assert(ike_cert_is_ca(root));
	ike_cert_unref(root);
}
END_TEST

/* ---- credential sets ---- */

START_TEST(set_chain_certreq)
{
	struct problems p = { 0 };
	struct ike_creds *cs =
	    SET(&p, "ca:root.crt", "ca:inter.crt", "ee:moon.crt", "key:moon.key", "ee:sun.crt");
	struct ike_cert *root = pki_cert("root.crt"), *inter = pki_cert("inter.crt"),
			*other = pki_cert("other-root.crt");
	const struct ike_cert *const *chain;
	const struct ike_cert *own;
	const uint8_t *cr;
	size_t n, crlen;
	uint8_t ids[41];

	ck_assert_int_eq(p.n, 0);
	ck_assert_uint_eq(ike_creds_n_own(cs), 1);
	own = ike_creds_own(cs, 0);
	ck_assert_str_eq(ike_cert_subject(own), "C=CH, O=conduit test, CN=moon.example.org");
	ck_assert_ptr_nonnull(ike_creds_key(cs, own));
	ck_assert_ptr_eq(ike_creds_by_source(cs, "moon.crt"), own);
	ck_assert_ptr_null(ike_creds_key(cs, ike_creds_by_source(cs, "sun.crt")));

	/* ours, then the intermediate; the root stays out */
	chain = ike_creds_chain(cs, own, &n);
	ck_assert_uint_eq(n, 2);
	ck_assert_ptr_eq(chain[0], own);
	ck_assert_mem_eq(ike_cert_fingerprint(chain[1]), ike_cert_fingerprint(inter), 32);

	/* CERTREQ: the anchor only (inter is no anchor: not self-signed) */
	cr = ike_creds_certreq(cs, &crlen);
	ck_assert_uint_eq(crlen, 20);
	ck_assert_mem_eq(cr, ike_cert_keyid(root), 20);
	/* the key id as openssl computes it (pki.sh: SHA-1 of the SPKI DER) */
	{
		size_t hlen;
		uint8_t *hex = pki_load("root.keyid", &hlen);
		char got[41];

		for (size_t i = 0; i < 20; i++)
			snprintf(got + 2 * i, 3, "%02x", cr[i]);
		ck_assert_uint_ge(hlen, 40);
		ck_assert_mem_eq(got, hex, 40);
		free(hex);
	}

	/* the peer's CERTREQ chooses */
	ck_assert_ptr_eq(ike_creds_for_certreq(cs, ike_cert_keyid(root), 20), own);
	ck_assert_ptr_eq(ike_creds_for_certreq(cs, ike_cert_keyid(inter), 20), own);
	ck_assert_ptr_null(ike_creds_for_certreq(cs, ike_cert_keyid(other), 20));
	memcpy(ids, ike_cert_keyid(other), 20);
	memcpy(ids + 20, ike_cert_keyid(root), 20);
	ck_assert_ptr_eq(ike_creds_for_certreq(cs, ids, 40), own);
	/* a partial key id is no key id */
	ck_assert_ptr_null(ike_creds_for_certreq(cs, ids + 20, 19));
	ck_assert_ptr_null(ike_creds_for_certreq(cs, NULL, 0));

	ike_cert_unref(root);
	ike_cert_unref(inter);
	ike_cert_unref(other);
	ike_creds_unref(cs);
}
END_TEST

START_TEST(set_self_signed_ee_is_no_anchor)
{
	/* a self-signed certificate in x509/ is no trust anchor */
	struct ike_creds *cs = SET(NULL, "ee:root.crt", "ca:inter.crt");
	size_t crlen;
	char why[IKE_CERT_WHY_LEN];

	ike_creds_certreq(cs, &crlen);
	ck_assert_uint_eq(crlen, 0);
	ASSERT_STATUS(VERIFY(cs, NULL, why, "moon.crt", "inter.crt"), IKE_CERT_UNKNOWN_CA, why);
	ike_creds_unref(cs);
}
END_TEST

START_TEST(set_key_without_cert)
{
	struct problems p = { 0 };
	struct ike_creds *cs = SET(&p, "ca:root.crt", "ee:moon.crt", "key:moon.key", "key:sun.key");

	ck_assert_int_eq(p.n, 1);
	ck_assert_str_eq(p.last_source, "sun.key");
	ck_assert_str_eq(p.last, "private key matches no loaded certificate");
	ck_assert_uint_eq(ike_creds_n_own(cs), 1);
	ike_creds_unref(cs);
}
END_TEST

START_TEST(set_own_cert_out_of_validity)
{
	struct problems p = { 0 };
	struct ike_creds *cs = SET(&p, "ee:expired.crt", "key:expired.key");

	ck_assert_int_eq(p.n, 1);
	ck_assert_str_eq(p.last_source, "expired.crt");
	ck_assert_msg(strstr(p.last, "expired on 2021-01-01 00:00:00 UTC"), "%s", p.last);
	ike_creds_unref(cs);

	p = (struct problems){ 0 };
	cs = SET(&p, "ee:future.crt", "key:future.key");
	ck_assert_int_eq(p.n, 1);
	ck_assert_msg(strstr(p.last, "not valid before 2099-01-01"), "%s", p.last);
	ike_creds_unref(cs);
}
END_TEST

START_TEST(set_keys_encrypted_der)
{
	struct ike_creds *cs = ike_creds_new();
	struct problems p = { 0 };

	pki_add_all(cs, (const char *const[]){ "ee:moon.crt", NULL });
	ck_assert_int_eq(add_key(cs, "moon-enc.key", NULL), -EACCES);
	ck_assert_int_eq(add_key(cs, "moon-enc.key", "wrong"), -EACCES);
	ck_assert_int_eq(add_key(cs, "moon-enc.key", "moon-secret"), 0);
	ck_assert_int_eq(add_key(cs, "moon-key.der", NULL), 0);
	ck_assert_int_eq(add_key(cs, "moon.crt", NULL), -EINVAL);
	/* two keys for one certificate: the second matches nothing */
	ck_assert_int_eq(ike_creds_finish(cs, now, on_problem, &p), 1);
	ck_assert_str_eq(p.last_source, "moon-key.der");
	ck_assert_ptr_nonnull(ike_creds_key(cs, ike_creds_own(cs, 0)));
	/* finished sets take nothing more */
	ck_assert_int_eq(add_key(cs, "moon.key", NULL), -EBUSY);
	ike_creds_unref(cs);
}
END_TEST

START_TEST(set_crls)
{
	struct problems p = { 0 };
	struct ike_creds *cs =
	    SET(&p, "ca:root.crt", "ca:inter.crt", "crl:inter.crl", "crl:root.crl");

	ck_assert_int_eq(p.n, 0);
	ck_assert_uint_eq(ike_creds_n_crls(cs), 2);
	ike_creds_unref(cs);

	/* names inter, signed by another key: dropped, and said */
	p = (struct problems){ 0 };
	cs = SET(&p, "ca:root.crt", "ca:inter.crt", "crl:forged.crl");
	ck_assert_int_eq(p.n, 1);
	ck_assert_str_eq(p.last_source, "forged.crl");
	ck_assert_msg(strstr(p.last, "not signed by that issuer"), "%s", p.last);
	ike_creds_unref(cs);

	/* an issuer the set does not have: the peer will send it */
	p = (struct problems){ 0 };
	cs = SET(&p, "ca:root.crt", "crl:inter.crl");
	ck_assert_int_eq(p.n, 0);
	ike_creds_unref(cs);
}
END_TEST

/* ---- chain validation: each reason ---- */

START_TEST(verify_good)
{
	struct ike_creds *cs = SET(NULL, "ca:root.crt");
	char why[IKE_CERT_WHY_LEN];

	ASSERT_STATUS(VERIFY(cs, NULL, why, "moon.crt", "inter.crt"), IKE_CERT_OK, why);
	ASSERT_STATUS(VERIFY(cs, NULL, why, "sun.crt", "inter.crt"), IKE_CERT_OK, why);
	ASSERT_STATUS(VERIFY(cs, NULL, why, "carol.crt", "inter.crt"), IKE_CERT_OK, why);
	ASSERT_STATUS(VERIFY(cs, NULL, why, "dave.crt"), IKE_CERT_OK, why);
	ASSERT_STATUS(VERIFY(cs, NULL, why, "ipsec.crt", "inter.crt"), IKE_CERT_OK, why);
	/* intermediates in any order, extra ones harmless */
	ASSERT_STATUS(VERIFY(cs, NULL, why, "moon.crt", "dave.crt", "inter.crt"), IKE_CERT_OK, why);
	ike_creds_unref(cs);
}
END_TEST

START_TEST(verify_intermediate_from_set)
{
	struct ike_creds *cs = SET(NULL, "ca:root.crt", "ca:inter.crt");
	char why[IKE_CERT_WHY_LEN];

	ASSERT_STATUS(VERIFY(cs, NULL, why, "moon.crt"), IKE_CERT_OK, why);
	ike_creds_unref(cs);
}
END_TEST

START_TEST(verify_unknown_ca)
{
	struct ike_creds *cs = SET(NULL, "ca:root.crt");
	char why[IKE_CERT_WHY_LEN];

	/* no intermediate sent, none in the set */
	ASSERT_STATUS(VERIFY(cs, NULL, why, "moon.crt"), IKE_CERT_UNKNOWN_CA, why);
	ck_assert_msg(strstr(why, "unknown CA"), "%s", why);
	ASSERT_STATUS(VERIFY(cs, NULL, why, "stranger.crt", "other-root.crt"), IKE_CERT_UNKNOWN_CA,
		      why);
	ck_assert_msg(strstr(why, "\"C=CH, O=conduit test, CN=stranger.example.org\""), "%s", why);
	/* a self-signed certificate is not trusted by being sent */
	ASSERT_STATUS(VERIFY(cs, NULL, why, "other-root.crt"), IKE_CERT_UNKNOWN_CA, why);
	/* the intermediate is no anchor, even in x509ca/ */
	ike_creds_unref(cs);
	cs = SET(NULL, "ca:inter.crt");
	ASSERT_STATUS(VERIFY(cs, NULL, why, "moon.crt"), IKE_CERT_UNKNOWN_CA, why);
	ike_creds_unref(cs);
}
END_TEST

START_TEST(verify_dates)
{
	struct ike_creds *cs = SET(NULL, "ca:root.crt");
	char why[IKE_CERT_WHY_LEN];

	ASSERT_STATUS(VERIFY(cs, NULL, why, "expired.crt", "inter.crt"), IKE_CERT_EXPIRED, why);
	ck_assert_msg(strstr(why, "expired.example.org\" expired on 2021-01-01 00:00:00 UTC"), "%s",
		      why);
	ASSERT_STATUS(VERIFY(cs, NULL, why, "future.crt", "inter.crt"), IKE_CERT_NOT_YET_VALID,
		      why);
	ck_assert_msg(strstr(why, "not valid before 2099-01-01 00:00:00 UTC"), "%s", why);
	/* the wall time passed in decides, not the machine's clock */
	ASSERT_STATUS(VERIFY_AT(cs, NULL, now + 20 * 365 * 86400LL, why, "moon.crt", "inter.crt"),
		      IKE_CERT_EXPIRED, why);
	ASSERT_STATUS(VERIFY_AT(cs, NULL, now - 86400, why, "moon.crt", "inter.crt"),
		      IKE_CERT_NOT_YET_VALID, why);
	ike_creds_unref(cs);
}
END_TEST

/* moon.crt with one octet of its subject changed: its signature fails. */
static struct ike_cert *tampered_moon(void)
{
	size_t len;
	uint8_t *d = pki_load("moon.der", &len);
	const char *err = NULL;
	struct ike_cert *c;
	bool done = false;

	for (size_t i = 0; i + 4 <= len && !done; i++) {
		if (memcmp(d + i, "moon", 4) == 0) {
			d[i] = 'n';
			done = true;
		}
	}
	ck_assert(done);
	c = ike_cert_parse(d, len, &err);
	ck_assert_msg(c != NULL, "%s", err);
	free(d);
	return c;
}

START_TEST(verify_bad_signature)
{
	struct ike_creds *cs = SET(NULL, "ca:root.crt");
	struct ike_cert *chain[2] = { tampered_moon(), pki_cert("inter.crt") };
	char why[IKE_CERT_WHY_LEN];
	enum ike_cert_status s = ike_cert_verify(cs, NULL, chain, 2, now, why, sizeof(why));

	ASSERT_STATUS(s, IKE_CERT_BAD_SIGNATURE, why);
	ck_assert_msg(strstr(why, "noon.example.org"), "%s", why);
	ike_cert_unref(chain[0]);
	ike_cert_unref(chain[1]);
	ike_creds_unref(cs);
}
END_TEST

START_TEST(verify_key_usage)
{
	struct ike_creds *cs = SET(NULL, "ca:root.crt");
	char why[IKE_CERT_WHY_LEN];

	ASSERT_STATUS(VERIFY(cs, NULL, why, "noku.crt", "inter.crt"), IKE_CERT_KEY_USAGE, why);
	ck_assert_msg(strstr(why, "digitalSignature"), "%s", why);
	ASSERT_STATUS(VERIFY(cs, NULL, why, "eku.crt", "inter.crt"), IKE_CERT_KEY_USAGE, why);
	ck_assert_msg(strstr(why, "extendedKeyUsage"), "%s", why);
	ike_creds_unref(cs);
}
END_TEST

START_TEST(verify_invalid_ca)
{
	struct ike_creds *cs = SET(NULL, "ca:root.crt");
	char why[IKE_CERT_WHY_LEN];

	/* moon signed bogus, but moon is no CA */
	ASSERT_STATUS(VERIFY(cs, NULL, why, "bogus.crt", "moon.crt", "inter.crt"),
		      IKE_CERT_INVALID_CA, why);
	ike_creds_unref(cs);
}
END_TEST

START_TEST(verify_malformed)
{
	struct ike_creds *cs = SET(NULL, "ca:root.crt");
	struct ike_cert *chain[IKE_CERT_MAX_CHAIN + 1];
	char why[IKE_CERT_WHY_LEN];

	for (size_t i = 0; i < IKE_CERT_MAX_CHAIN + 1; i++)
		chain[i] = pki_cert(i ? "inter.crt" : "moon.crt");
	ASSERT_STATUS(ike_cert_verify(cs, NULL, chain, 0, now, why, sizeof(why)),
		      IKE_CERT_MALFORMED, why);
	ASSERT_STATUS(
	    ike_cert_verify(cs, NULL, chain, IKE_CERT_MAX_CHAIN + 1, now, why, sizeof(why)),
	    IKE_CERT_MALFORMED, why);
	ASSERT_STATUS(ike_cert_verify(cs, NULL, chain, IKE_CERT_MAX_CHAIN, now, why, sizeof(why)),
		      IKE_CERT_OK, why);
	for (size_t i = 0; i < IKE_CERT_MAX_CHAIN + 1; i++)
		ike_cert_unref(chain[i]);
	ike_creds_unref(cs);
}
END_TEST

/* ---- trust rules ---- */

START_TEST(trust_cacerts)
{
	struct ike_creds *cs = SET(NULL, "ca:root.crt", "ca:other-root.crt");
	const struct ike_cert *root = ike_creds_by_source(cs, "root.crt");
	const struct ike_cert *other = ike_creds_by_source(cs, "other-root.crt");
	struct ike_cert *inter = pki_cert("inter.crt");
	struct ike_trust t = { .cacerts = &root, .n_cacerts = 1 };
	char why[IKE_CERT_WHY_LEN];

	ASSERT_STATUS(VERIFY(cs, &t, why, "moon.crt", "inter.crt"), IKE_CERT_OK, why);
	/* both anchors are trusted, but cacerts names the other one */
	t.cacerts = &other;
	ASSERT_STATUS(VERIFY(cs, NULL, why, "stranger.crt"), IKE_CERT_OK, why);
	ASSERT_STATUS(VERIFY(cs, &t, why, "moon.crt", "inter.crt"), IKE_CERT_UNKNOWN_CA, why);
	ck_assert_msg(strstr(why, "remote.cacerts"), "%s", why);
	/* an intermediate may be the one required */
	t.cacerts = (const struct ike_cert *const *)&inter;
	ASSERT_STATUS(VERIFY(cs, &t, why, "moon.crt", "inter.crt"), IKE_CERT_OK, why);
	ASSERT_STATUS(VERIFY(cs, &t, why, "dave.crt"), IKE_CERT_UNKNOWN_CA, why);
	ike_cert_unref(inter);
	ike_creds_unref(cs);
}
END_TEST

START_TEST(trust_pinned)
{
	/* no anchor at all: pinning alone trusts */
	struct ike_creds *cs = SET(NULL, "ee:moon.crt", "ee:expired.crt");
	const struct ike_cert *pins[2] = { ike_creds_by_source(cs, "moon.crt"),
					   ike_creds_by_source(cs, "expired.crt") };
	struct ike_trust t = { .pinned = pins, .n_pinned = 2 };
	char why[IKE_CERT_WHY_LEN];

	ASSERT_STATUS(VERIFY(cs, NULL, why, "moon.crt", "inter.crt"), IKE_CERT_UNKNOWN_CA, why);
	ASSERT_STATUS(VERIFY(cs, &t, why, "moon.crt"), IKE_CERT_OK, why);
	ASSERT_STATUS(VERIFY(cs, &t, why, "sun.crt", "inter.crt"), IKE_CERT_NOT_PINNED, why);
	/* dates are still checked */
	ASSERT_STATUS(VERIFY(cs, &t, why, "expired.crt"), IKE_CERT_EXPIRED, why);
	ike_creds_unref(cs);
}
END_TEST

#define SB(s) (UINT32_C(1) << IKE_SIG_##s)

/* remote.auth's chain constraints: every signature of the chain by its
 * issuer, the end entity's and the intermediates', not the anchor's. */
START_TEST(chain_schemes)
{
	struct ike_creds *cs =
	    SET(NULL, "ca:root.crt", "ca:root512.crt", "ca:edroot.crt", "ca:rsaroot.crt");
	struct ike_trust t = { .chain_schemes = SB(ECDSA_SHA256) | SB(ECDSA_256_CLASSIC) };
	char why[IKE_CERT_WHY_LEN];

	/* moon and inter are both signed with ECDSA SHA-256 */
	ASSERT_STATUS(VERIFY(cs, &t, why, "moon.crt", "inter.crt"), IKE_CERT_OK, why);
	/* root512 signed itself with SHA-512: the anchor's own is not checked */
	ASSERT_STATUS(VERIFY(cs, &t, why, "leaf512.crt"), IKE_CERT_OK, why);
	/* the end entity's signature */
	t.chain_schemes = SB(RSA_PKCS1_SHA256);
	ASSERT_STATUS(VERIFY(cs, &t, why, "moon.crt", "inter.crt"), IKE_CERT_SIG_SCHEME, why);
	ck_assert_msg(strstr(why, "certificate \"C=CH, O=conduit test, CN=moon.example.org\" is "
				  "signed with ECDSA SHA-256, not allowed by remote auth (RSA "
				  "PKCS#1 v1.5 SHA-256)"),
		      "%s", why);
	t.chain_schemes = SB(ECDSA_SHA256);
	ASSERT_STATUS(VERIFY(cs, &t, why, "moon384.crt", "inter.crt"), IKE_CERT_SIG_SCHEME, why);
	ck_assert_msg(strstr(why, "moon384.example.org\" is signed with ECDSA SHA-384"), "%s", why);
	/* the intermediate's: moon384 itself passes, inter (SHA-256) does not */
	t.chain_schemes = SB(ECDSA_SHA384);
	ASSERT_STATUS(VERIFY(cs, &t, why, "moon384.crt", "inter.crt"), IKE_CERT_SIG_SCHEME, why);
	ck_assert_msg(strstr(why, "\"C=CH, O=conduit test, CN=Intermediate CA\" is signed with "
				  "ECDSA SHA-256, not allowed by remote auth (ECDSA SHA-384)"),
		      "%s", why);
	t.chain_schemes = SB(ECDSA_SHA384) | SB(ECDSA_SHA256);
	ASSERT_STATUS(VERIFY(cs, &t, why, "moon384.crt", "inter.crt"), IKE_CERT_OK, why);
	/* an RSA end entity is signed by its (ECDSA) issuer: the key does not count */
	t.chain_schemes = SB(RSA_PKCS1_SHA256) | SB(RSA_PSS_SHA256);
	ASSERT_STATUS(VERIFY(cs, &t, why, "sun.crt", "inter.crt"), IKE_CERT_SIG_SCHEME, why);
	t.chain_schemes = SB(ECDSA_SHA256);
	ASSERT_STATUS(VERIFY(cs, &t, why, "sun.crt", "inter.crt"), IKE_CERT_OK, why);
	/* EdDSA and RSASSA-PSS signatures are named by their schemes */
	t.chain_schemes = SB(ED25519);
	ASSERT_STATUS(VERIFY(cs, &t, why, "edleaf.crt"), IKE_CERT_OK, why);
	t.chain_schemes = SB(RSA_PSS_SHA256);
	ASSERT_STATUS(VERIFY(cs, &t, why, "pssleaf.crt"), IKE_CERT_OK, why);
	ASSERT_STATUS(VERIFY(cs, &t, why, "edleaf.crt"), IKE_CERT_SIG_SCHEME, why);
	ck_assert_msg(strstr(why, "is signed with Ed25519, not allowed"), "%s", why);
	t.chain_schemes = SB(RSA_PKCS1_SHA256) | SB(ED448);
	ASSERT_STATUS(VERIFY(cs, &t, why, "pssleaf.crt"), IKE_CERT_SIG_SCHEME, why);
	ck_assert_msg(strstr(why, "is signed with RSASSA-PSS SHA-256, not allowed by remote auth "
				  "(RSA PKCS#1 v1.5 SHA-256, Ed448)"),
		      "%s", why);
	/* 0: any */
	t.chain_schemes = 0;
	ASSERT_STATUS(VERIFY(cs, &t, why, "moon384.crt", "inter.crt"), IKE_CERT_OK, why);
	ike_creds_unref(cs);
}
END_TEST

START_TEST(revocation_relaxed)
{
	struct ike_creds *cs = SET(NULL, "ca:root.crt", "crl:inter.crl");
	struct ike_trust t = { .revocation = IKE_REVOCATION_RELAXED };
	char why[IKE_CERT_WHY_LEN];

	ASSERT_STATUS(VERIFY(cs, &t, why, "revoked.crt", "inter.crt"), IKE_CERT_REVOKED, why);
	ck_assert_msg(strstr(why, "serial 1005") && strstr(why, "CN=Intermediate CA"), "%s", why);
	ASSERT_STATUS(VERIFY(cs, &t, why, "moon.crt", "inter.crt"), IKE_CERT_OK, why);
	/* a stale CRL still revokes */
	ASSERT_STATUS(VERIFY_AT(cs, &t, now + 3 * 86400, why, "revoked.crt", "inter.crt"),
		      IKE_CERT_REVOKED, why);
	/* no CRL, nothing known: relaxed accepts, even with a URI */
	ASSERT_STATUS(VERIFY(cs, &t, why, "dave.crt"), IKE_CERT_OK, why);
	ike_creds_unref(cs);

	/* the forged CRL was dropped: it does not count as inter's */
	t.revocation = IKE_REVOCATION_STRICT;
	cs = SET(NULL, "ca:root.crt", "ca:inter.crt", "crl:forged.crl", "crl:root.crl");
	ASSERT_STATUS(VERIFY(cs, &t, why, "moon.crt"), IKE_CERT_NO_REVOCATION, why);
	ike_creds_unref(cs);
	/* nor when inter comes from the peer (checked at use) */
	cs = SET(NULL, "ca:root.crt", "crl:forged.crl", "crl:root.crl");
	ASSERT_STATUS(VERIFY(cs, &t, why, "moon.crt", "inter.crt"), IKE_CERT_NO_REVOCATION, why);
	ike_creds_unref(cs);
}
END_TEST

START_TEST(revocation_strict)
{
	struct ike_creds *cs = SET(NULL, "ca:root.crt", "crl:inter.crl", "crl:root.crl");
	struct ike_trust t = { .revocation = IKE_REVOCATION_STRICT };
	char why[IKE_CERT_WHY_LEN];

	ASSERT_STATUS(VERIFY(cs, &t, why, "moon.crt", "inter.crt"), IKE_CERT_OK, why);
	ASSERT_STATUS(VERIFY(cs, &t, why, "revoked.crt", "inter.crt"), IKE_CERT_REVOKED, why);
	/* stale CRLs (1 day) */
	ASSERT_STATUS(VERIFY_AT(cs, &t, now + 3 * 86400, why, "moon.crt", "inter.crt"),
		      IKE_CERT_NO_REVOCATION, why);
	ck_assert_msg(strstr(why, "stale"), "%s", why);
	ike_creds_unref(cs);

	/* the intermediate needs its issuer's CRL too */
	cs = SET(NULL, "ca:root.crt", "crl:inter.crl");
	ASSERT_STATUS(VERIFY(cs, &t, why, "moon.crt", "inter.crt"), IKE_CERT_NO_REVOCATION, why);
	ck_assert_msg(strstr(why, "CN=Intermediate CA\": no CRL"), "%s", why);
	ike_creds_unref(cs);
}
END_TEST

START_TEST(revocation_ifuri)
{
	struct ike_creds *cs = SET(NULL, "ca:root.crt", "crl:inter.crl");
	struct ike_trust t = { .revocation = IKE_REVOCATION_IFURI };
	char why[IKE_CERT_WHY_LEN];

	/* no URI anywhere, no root CRL: fine */
	ASSERT_STATUS(VERIFY(cs, &t, why, "moon.crt", "inter.crt"), IKE_CERT_OK, why);
	/* dave names a distribution point and root's CRL is not there */
	ASSERT_STATUS(VERIFY(cs, &t, why, "dave.crt"), IKE_CERT_NO_REVOCATION, why);
	ck_assert_msg(strstr(why, "distribution point"), "%s", why);
	/* a stale CRL fails ifuri */
	ASSERT_STATUS(VERIFY_AT(cs, &t, now + 3 * 86400, why, "moon.crt", "inter.crt"),
		      IKE_CERT_NO_REVOCATION, why);
	ASSERT_STATUS(VERIFY(cs, &t, why, "revoked.crt", "inter.crt"), IKE_CERT_REVOKED, why);
	ike_creds_unref(cs);

	cs = SET(NULL, "ca:root.crt", "crl:root.crl");
	ASSERT_STATUS(VERIFY(cs, &t, why, "dave.crt"), IKE_CERT_OK, why);
	ike_creds_unref(cs);
}
END_TEST

/* ---- the peer-certificate cache ---- */

static struct ike_cert *cache_get(struct ike_cert_cache *cc, const char *name)
{
	struct ike_cert *c = pki_cert(name), *got;
	size_t len;
	const uint8_t *der = ike_cert_der(c, &len);

	got = ike_cert_cache_get(cc, der, len, NULL);
	ck_assert_ptr_nonnull(got);
	ck_assert_mem_eq(ike_cert_fingerprint(got), ike_cert_fingerprint(c), 32);
	ike_cert_unref(c);
	return got;
}

START_TEST(cache_lru)
{
	struct ike_cert_cache *cc = ike_cert_cache_new(2);
	struct ike_cert *a, *a2, *b, *c;
	uint64_t hits, misses;
	const char *err = NULL;

	a = cache_get(cc, "moon.crt");
	a2 = cache_get(cc, "moon.crt");
	ck_assert_ptr_eq(a, a2); /* parsed once */
	ike_cert_cache_stats(cc, &hits, &misses);
	ck_assert_uint_eq(hits, 1);
	ck_assert_uint_eq(misses, 1);
	b = cache_get(cc, "sun.crt");
	ike_cert_unref(cache_get(cc, "moon.crt")); /* moon used last: sun goes next */
	c = cache_get(cc, "carol.crt");
	ck_assert_uint_eq(ike_cert_cache_size(cc), 2);
	ike_cert_unref(cache_get(cc, "moon.crt"));
	ike_cert_cache_stats(cc, &hits, &misses);
	ck_assert_uint_eq(hits, 3);
	ck_assert_uint_eq(misses, 3);
	ike_cert_unref(cache_get(cc, "sun.crt")); /* evicted: parsed again */
	ike_cert_cache_stats(cc, &hits, &misses);
	ck_assert_uint_eq(misses, 4);
	/* what the cache dropped stays valid for its holders */
	ck_assert_str_eq(ike_cert_subject(b), "C=CH, O=conduit test, CN=sun.example.org");

	ck_assert_ptr_null(
	    ike_cert_cache_get(cc, (const uint8_t *)"\x30\x03\x02\x01\x01", 5, &err));
	ck_assert_ptr_null(ike_cert_cache_get(cc, NULL, 0, &err));
	ike_cert_unref(a);
	ike_cert_unref(a2);
	ike_cert_unref(b);
	ike_cert_unref(c);
	ike_cert_cache_free(cc);
}
END_TEST

/* ---- the engine holds the set and the cache ---- */

static void e_send(void *c, const uint8_t *p, size_t l, const struct ike_addr *a,
		   const struct ike_addr *b)
{
	(void)c, (void)p, (void)l, (void)a, (void)b;
}

static int e_spi(void *c, const struct ike_addr *a, const struct ike_addr *b, uint32_t *spi)
{
	(void)c, (void)a, (void)b;
	*spi = 0x1000;
	return 0;
}

static int e_install(void *c, const struct ike_child_install *ci)
{
	(void)c, (void)ci;
	return 0;
}

static void e_delete(void *c, uint32_t id, uint32_t r, const struct ike_child_install *ci)
{
	(void)c, (void)id, (void)r, (void)ci;
}

static uint64_t e_now(void *c)
{
	(void)c;
	return 1;
}

static int64_t e_wall(void *c)
{
	(void)c;
	return 1234567890;
}

static void e_random(void *c, uint8_t *b, size_t l)
{
	(void)c;
	memset(b, 7, l);
}

START_TEST(engine_creds_and_cache)
{
	struct ike_env env = { .send = e_send,
			       .alloc_spi = e_spi,
			       .child_install = e_install,
			       .child_delete = e_delete,
			       .now_ms = e_now,
			       .random = e_random };
	struct ike_engine *e = ike_engine_new(&env, NULL);
	struct ike_creds *cs = SET(NULL, "ca:root.crt"), *cs2 = SET(NULL, "ca:other-root.crt");
	struct ike_cert *moon = pki_cert("moon.crt"), *a, *b;
	const uint8_t *der;
	size_t len;
	uint64_t hits, misses;

	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(ike_wall_time(e), -1);
	ike_engine_set_creds(e, cs);
	ike_creds_unref(cs); /* the engine's reference keeps it */
	ck_assert_ptr_eq(ike_engine_creds(e), cs);
	ck_assert_uint_eq(ike_creds_n_certs(ike_engine_creds(e)), 1);
	ike_engine_set_creds(e, cs2); /* a reload: the old set is let go */
	ck_assert_ptr_eq(ike_engine_creds(e), cs2);
	ike_creds_unref(cs2);

	der = ike_cert_der(moon, &len);
	a = ike_peer_cert(e, der, len, NULL);
	b = ike_peer_cert(e, der, len, NULL);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_eq(a, b);
	ike_cert_cache_stats(e->peer_certs, &hits, &misses);
	ck_assert_uint_eq(hits, 1);
	ck_assert_uint_eq(misses, 1);
	ike_cert_unref(a);
	ike_cert_unref(b);
	ike_cert_unref(moon);
	ike_engine_free(e);

	env.wall_time = e_wall;
	e = ike_engine_new(&env, NULL);
	ck_assert_int_eq(ike_wall_time(e), 1234567890);
	ike_engine_free(e);
}
END_TEST

static Suite *cert_suite(void)
{
	Suite *s = suite_create("ike_cert");
	TCase *tc = tcase_create("cert");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, parse_pem_der);
	tcase_add_test(tc, key_types);
	tcase_add_test(tc, hostile_der);
	tcase_add_test(tc, hostile_keys_crls);
	tcase_add_test(tc, set_chain_certreq);
	tcase_add_test(tc, set_self_signed_ee_is_no_anchor);
	tcase_add_test(tc, set_key_without_cert);
	tcase_add_test(tc, set_own_cert_out_of_validity);
	tcase_add_test(tc, set_keys_encrypted_der);
	tcase_add_test(tc, set_crls);
	tcase_add_test(tc, verify_good);
	tcase_add_test(tc, verify_intermediate_from_set);
	tcase_add_test(tc, verify_unknown_ca);
	tcase_add_test(tc, verify_dates);
	tcase_add_test(tc, verify_bad_signature);
	tcase_add_test(tc, verify_key_usage);
	tcase_add_test(tc, verify_invalid_ca);
	tcase_add_test(tc, verify_malformed);
	tcase_add_test(tc, trust_cacerts);
	tcase_add_test(tc, trust_pinned);
	tcase_add_test(tc, chain_schemes);
	tcase_add_test(tc, revocation_relaxed);
	tcase_add_test(tc, revocation_strict);
	tcase_add_test(tc, revocation_ifuri);
	tcase_add_test(tc, cache_lru);
	tcase_add_test(tc, engine_creds_and_cache);
	suite_add_tcase(s, tc);
	return s;
}

/* The PKI is made once per run, in a directory of its own. */
int main(void)
{
	if (test_pki_make("pki", NULL) != 0)
		return EXIT_FAILURE;
	now = (int64_t)time(NULL);
	return test_pki_run(cert_suite());
}
