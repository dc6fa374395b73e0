/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon/dcfg.c with certificates: auth rounds to ike_auth_cfg, files
 * resolved in a credential set loaded by daemon/creds.c from a PKI that
 * tests/uml/pki.sh makes at test time; identities defaulting to and
 * checked against the certificate. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "daemon/creds.h"
#include "daemon/dcfg.h"
#include "ike/cert.h"
#include "ike/id.h"
#include "ike/sig.h"
#include "tests/unit/test_pki.h"
#include "tests/unit/unit.h"

static char dir[320];

static struct conf *conf_of(const char *text)
{
	struct conf_diags d;
	struct conf *c = NULL;

	conf_diags_init(&d);
	ck_assert_int_eq(conf_load_string("swanctl.conf", text, strlen(text), &c, &d), 0);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "%s\n", d.list[i].msg);
	ck_assert_uint_eq(d.n_errors, 0);
	conf_diags_clear(&d);
	return c;
}

static struct ike_creds *creds(void)
{
	size_t n = 99;
	struct ike_creds *cs = creds_load(dir, NULL, (int64_t)time(NULL), NULL, NULL, &n);

	ck_assert_ptr_nonnull(cs);
	ck_assert_uint_eq(n, 0);
	return cs;
}

struct conv {
	struct conf *conf;
	struct ike_creds *cs;
	struct dcfg_conn dc;
	char err[DCFG_ERR_LEN + 320];
	int rc;
};

/* Converts connection "c" of text with the test set (with_creds false:
 * with no credentials at all). */
static void convert(struct conv *v, const char *text, bool with_creds)
{
	struct dcfg_creds cr = { NULL, dir };

	memset(v, 0, sizeof(*v));
	v->conf = conf_of(text);
	if (with_creds)
		cr.cs = v->cs = creds();
	v->rc = dcfg_conn_convert_creds(v->conf, conf_find_conn(v->conf, "c"), NULL, &cr, &v->dc,
					v->err, sizeof(v->err));
}

static void done(struct conv *v)
{
	dcfg_conn_free(&v->dc);
	ike_creds_unref(v->cs);
	conf_free(v->conf);
}

static const char *id_text(const struct ike_id *id)
{
	static char buf[300];

	ike_id_format(id->type, id->data, id->len, buf, sizeof(buf));
	return buf;
}

static const struct ike_cert *cert_at(const struct ike_creds *cs, const char *sub, const char *name)
{
	char path[600];

	snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
	return ike_creds_by_source(cs, path);
}

/* remote.auth's constraints: without "ike:" on the chain too (strongSwan's
 * AUTH_RULE_SIGNATURE_SCHEME), with it the AUTH payload only. */
START_TEST(remote_chain_constraints)
{
	static const struct {
		const char *auth;
		uint32_t ike, chain;
	} t[] = {
		{ "pubkey", 0, 0 },
		{ "ecdsa-sha384", 1u << IKE_SIG_ECDSA_SHA384 | 1u << IKE_SIG_ECDSA_384_CLASSIC,
		  1u << IKE_SIG_ECDSA_SHA384 | 1u << IKE_SIG_ECDSA_384_CLASSIC },
		{ "rsa-sha256-ike:ecdsa-sha384",
		  1u << IKE_SIG_ECDSA_SHA384 | 1u << IKE_SIG_ECDSA_384_CLASSIC,
		  1u << IKE_SIG_RSA_PKCS1_SHA256 },
		{ "ike:rsa/pss-sha256", 1u << IKE_SIG_RSA_PSS_SHA256, 0 },
		/* conduit's ed25519: the AUTH payload only */
		{ "ed25519", 1u << IKE_SIG_ED25519, 0 },
	};
	char text[300];

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct conv v;

		snprintf(text, sizeof(text),
			 "connections { c {\n local { certs = moon.pem }\n"
			 " remote { auth = %s\n id = sun.example.org } } }\n",
			 t[i].auth);
		convert(&v, text, true);
		ck_assert_msg(v.rc == 0, "%s: %s", t[i].auth, v.err);
		ck_assert_msg(v.dc.cfg.remote_auth.sig_schemes == t[i].ike, "%s: ike %#x",
			      t[i].auth, v.dc.cfg.remote_auth.sig_schemes);
		ck_assert_msg(v.dc.cfg.remote_auth.trust.chain_schemes == t[i].chain,
			      "%s: chain %#x", t[i].auth, v.dc.cfg.remote_auth.trust.chain_schemes);
		done(&v);
	}
}
END_TEST

START_TEST(local_cert_and_default_id)
{
	struct conv v;

	convert(&v,
		"connections { c {\n local { auth = ecdsa-sha256\n certs = moon.pem }\n"
		" remote { auth = pubkey\n id = sun.example.org } } }\n",
		true);
	ck_assert_msg(v.rc == 0, "%s", v.err);
	ck_assert_int_eq(v.dc.cfg.local_auth.method, IKE_AUTH_PUBKEY);
	ck_assert_ptr_eq(v.dc.cfg.local_auth.cert, cert_at(v.cs, "x509", "moon.pem"));
	/* strongSwan: the id defaults to the certificate's subject */
	ck_assert_int_eq(v.dc.cfg.local_id.type, IKE_ID_DER_ASN1_DN);
	ck_assert_str_eq(id_text(&v.dc.cfg.local_id), "C=CH, O=conduit test, CN=moon.example.org");
	ck_assert_uint_eq(v.dc.cfg.local_auth.sig_schemes,
			  1u << IKE_SIG_ECDSA_SHA256 | 1u << IKE_SIG_ECDSA_256_CLASSIC);
	ck_assert(!v.dc.cfg.local_auth.prefer_pss);
	ck_assert_int_eq(v.dc.cfg.remote_auth.method, IKE_AUTH_PUBKEY);
	ck_assert_int_eq(v.dc.cfg.remote_id.type, IKE_ID_FQDN);
	/* strongSwan's defaults */
	ck_assert_int_eq(v.dc.cfg.send_cert, IKE_SEND_CERT_IFASKED);
	ck_assert(!v.dc.cfg.no_certreq);
	ck_assert_int_eq(v.dc.cfg.remote_auth.trust.revocation, IKE_REVOCATION_RELAXED);
	/* no secrets, and none needed */
	ck_assert_ptr_null(v.dc.cfg.psk);
	/* the conversion keeps its certificates when the set goes (reload) */
	ike_creds_unref(v.cs);
	v.cs = NULL;
	ck_assert_str_eq(ike_cert_subject(v.dc.cfg.local_auth.cert),
			 "C=CH, O=conduit test, CN=moon.example.org");
	done(&v);
}
END_TEST

START_TEST(local_id_must_be_in_the_cert)
{
	static const struct {
		const char *id;
		bool ok;
	} ids[] = {
		{ "moon.example.org", true }, /* subjectAltName dNSName */
		{ "@moon.example.org", true },
		{ "\"C=CH, O=conduit test, CN=moon.example.org\"", true },
		/* as ike/id.c matches at run time (strongSwan's rdn_equals):
		 * letter case aside in PrintableStrings (C), not in the
		 * certificate's UTF8Strings (O, CN); FQDNs without case */
		{ "\"C=ch, O=conduit test, CN=moon.example.org\"", true },
		{ "\"C=CH, O=conduit test, CN=MOON.example.org\"", false },
		{ "MOON.Example.ORG", true },
		/* a wildcard in the id stands for nothing here */
		{ "\"C=CH, O=conduit test, CN=*\"", false },
		{ "\"C=CH, O=conduit test, CN=moon.example.com\"", false },
		{ "sun.example.org", false },
		{ "\"C=CH, O=conduit test, CN=sun.example.org\"", false },
		{ "moon@example.org", false },
		{ "192.0.2.1", false },
	};

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		struct conv v;
		char text[400];

		snprintf(text, sizeof(text),
			 "connections { c {\n local {\n certs = moon.pem\n id = %s\n }\n } }\n",
			 ids[i].id);
		convert(&v, text, true);
		if (ids[i].ok) {
			ck_assert_msg(v.rc == 0, "%s: %s", ids[i].id, v.err);
		} else {
			ck_assert_msg(v.rc == -EINVAL, "%s: %d", ids[i].id, v.rc);
			ck_assert_uint_eq(v.dc.n_errors, 1);
			ck_assert_msg(strstr(v.err, "swanctl.conf:4: connection c: local id \"") &&
					  strstr(v.err,
						 "\" is not in certificate moon.pem (subject "
						 "\"C=CH, O=conduit test, CN=moon.example.org\""),
				      "%s", v.err);
		}
		done(&v);
	}
}
END_TEST

START_TEST(local_cert_found_by_id)
{
	struct conv v;

	/* no certs: the one of ours that carries the id */
	convert(&v, "connections { c { local { id = sun.example.org } } }\n", true);
	ck_assert_msg(v.rc == 0, "%s", v.err);
	ck_assert_ptr_eq(v.dc.cfg.local_auth.cert, cert_at(v.cs, "x509", "sun.pem"));
	ck_assert_int_eq(v.dc.cfg.local_id.type, IKE_ID_FQDN);
	done(&v);

	convert(&v, "connections { c {\n local {\n id = nobody.example.org\n } } }\n", true);
	ck_assert_int_eq(v.rc, -ENOKEY);
	ck_assert_str_eq(v.err,
			 "swanctl.conf:3: connection c: local id \"nobody.example.org\": no "
			 "certificate of ours (x509/ with its key) carries it; name one in local "
			 "certs");
	done(&v);

	/* neither id nor certs: the engine chooses among ours */
	convert(&v, "connections { c { } }\n", true);
	ck_assert_msg(v.rc == 0, "%s", v.err);
	ck_assert_ptr_null(v.dc.cfg.local_auth.cert);
	ck_assert_int_eq(v.dc.cfg.local_id.type, 0);
	done(&v);

	/* ... but there must be one */
	convert(&v, "connections { c {\n local {\n auth = pubkey\n } } }\n", false);
	ck_assert_int_eq(v.rc, -ENOKEY);
	ck_assert_str_eq(v.err, "swanctl.conf:3: connection c: local auth = pubkey needs a "
				"certificate with its private key, and none is loaded (x509/ and "
				"private/)");
	done(&v);
}
END_TEST

START_TEST(missing_files)
{
	struct conv v;

	convert(&v,
		"connections { c {\n local {\n certs = nothere.pem\n }\n remote {\n"
		" cacerts = inter.pem, gone.pem\n certs = nope.pem\n } } }\n",
		true);
	ck_assert_int_eq(v.rc, -ENOENT);
	/* each error at its own line, all of them at once */
	ck_assert_uint_eq(v.dc.n_errors, 3);
	ck_assert_msg(strstr(v.dc.errors[0], "swanctl.conf:3: connection c: local certs: no "
					     "certificate file ") &&
			  strstr(v.dc.errors[0], "/x509/nothere.pem"),
		      "%s", v.dc.errors[0]);
	ck_assert_msg(strstr(v.dc.errors[1], "swanctl.conf:6: connection c: remote cacerts: no "
					     "certificate file ") &&
			  strstr(v.dc.errors[1], "/x509ca/gone.pem"),
		      "%s", v.dc.errors[1]);
	ck_assert_msg(strstr(v.dc.errors[2], "swanctl.conf:7: connection c: remote certs: "), "%s",
		      v.dc.errors[2]);
	done(&v);

	/* ours must have its key */
	convert(&v, "connections { c {\n local {\n certs = carol.pem\n } } }\n", true);
	ck_assert_int_eq(v.rc, -ENOKEY);
	ck_assert_str_eq(v.err, "swanctl.conf:3: connection c: local certs: carol.pem has no "
				"private key in private/, rsa/, ecdsa/ or pkcs8/");
	done(&v);

	/* a file there but not loaded from swanctl's directories */
	test_sh("cp '%s/moon.crt' '%s/elsewhere.pem'", test_pki, test_pki_top);
	{
		char text[700];

		snprintf(text, sizeof(text),
			 "connections { c {\n remote {\n certs = %s/elsewhere.pem\n } } }\n",
			 test_pki_top);
		convert(&v, text, true);
	}
	ck_assert_int_eq(v.rc, -ENOENT);
	ck_assert_msg(strstr(v.err, "elsewhere.pem is not a certificate conduit loaded (only files "
				    "in "),
		      "%s", v.err);
	done(&v);
}
END_TEST

START_TEST(remote_trust)
{
	struct conv v;
	char text[700];

	snprintf(text, sizeof(text),
		 "connections { c {\n send_cert = never\n send_certreq = no\n"
		 " local { certs = sun.pem\n auth = rsa/pss }\n"
		 " remote { auth = ike:rsa/pss-sha384\n cacerts = inter.pem, %s/x509ca/root.pem\n"
		 " certs = carol.pem\n revocation = strict } } }\n",
		 dir);
	convert(&v, text, true);
	ck_assert_msg(v.rc == 0, "%s", v.err);
	ck_assert_int_eq(v.dc.cfg.send_cert, IKE_SEND_CERT_NEVER);
	ck_assert(v.dc.cfg.no_certreq);
	ck_assert(v.dc.cfg.local_auth.prefer_pss);
	ck_assert_uint_eq(v.dc.cfg.local_auth.sig_schemes, 0);
	ck_assert_uint_eq(v.dc.cfg.remote_auth.sig_schemes, 1u << IKE_SIG_RSA_PSS_SHA384);
	ck_assert_uint_eq(v.dc.cfg.remote_auth.trust.n_cacerts, 2);
	ck_assert_ptr_eq(v.dc.cfg.remote_auth.trust.cacerts[0],
			 cert_at(v.cs, "x509ca", "inter.pem"));
	/* an absolute path names the file loaded from there */
	ck_assert_ptr_eq(v.dc.cfg.remote_auth.trust.cacerts[1],
			 cert_at(v.cs, "x509ca", "root.pem"));
	ck_assert_uint_eq(v.dc.cfg.remote_auth.trust.n_pinned, 1);
	ck_assert_ptr_eq(v.dc.cfg.remote_auth.trust.pinned[0], cert_at(v.cs, "x509", "carol.pem"));
	ck_assert_int_eq(v.dc.cfg.remote_auth.trust.revocation, IKE_REVOCATION_STRICT);
	/* strongSwan: a pinned certificate's subject is the remote id */
	ck_assert_str_eq(id_text(&v.dc.cfg.remote_id),
			 "C=CH, O=conduit test, CN=carol@example.org");
	done(&v);
}
END_TEST

START_TEST(psk_unchanged)
{
	struct conv v;

	convert(&v,
		"connections { c { local { auth = psk }\n remote { id = peer } } }\n"
		"secrets { ike { id = peer\n secret = k } }\n",
		true);
	ck_assert_msg(v.rc == 0, "%s", v.err);
	ck_assert_int_eq(v.dc.cfg.local_auth.method, IKE_AUTH_PSK);
	ck_assert_int_eq(v.dc.cfg.remote_auth.method, IKE_AUTH_ANY);
	ck_assert_ptr_null(v.dc.cfg.local_auth.cert);
	ck_assert_uint_eq(v.dc.psk_len, 1);
	done(&v);

	/* we sign, the peer uses a key: the key is found for it */
	convert(
	    &v,
	    "connections { c { local { certs = moon.pem }\n remote { auth = psk\n id = peer } } }\n"
	    "secrets { ike { id = peer\n secret = kk } }\n",
	    true);
	ck_assert_msg(v.rc == 0, "%s", v.err);
	ck_assert_int_eq(v.dc.cfg.local_auth.method, IKE_AUTH_PUBKEY);
	ck_assert_int_eq(v.dc.cfg.remote_auth.method, IKE_AUTH_PSK);
	ck_assert_uint_eq(v.dc.psk_len, 2);
	done(&v);
}
END_TEST

START_TEST(cert_has_id)
{
	struct ike_creds *cs = creds();
	const struct ike_cert *moon = cert_at(cs, "x509", "moon.pem");
	const struct ike_cert *carol = cert_at(cs, "x509", "carol.pem");
	static const struct {
		const char *id;
		bool moon, carol;
	} t[] = {
		{ "moon.example.org", true, false },
		{ "MOON.example.org", true, false },
		{ "sun.example.org", false, false },
		{ "carol@example.org", false, true },
		{ "C=CH, O=conduit test, CN=moon.example.org", true, false },
		/* an identity, not a pattern: no wildcards */
		{ "C=CH, O=conduit test, CN=*", false, false },
		{ "C=CH, O=other, CN=*", false, false },
		{ "10.0.0.1", false, false },
	};

	ck_assert_ptr_nonnull(moon);
	ck_assert_ptr_nonnull(carol);
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ike_id id;
		char err[DCFG_ERR_LEN];

		ck_assert_int_eq(dcfg_id_parse(t[i].id, &id, err, sizeof(err)), 0);
		ck_assert_msg(dcfg_cert_has_id(moon, &id) == t[i].moon, "moon %s", t[i].id);
		ck_assert_msg(dcfg_cert_has_id(carol, &id) == t[i].carol, "carol %s", t[i].id);
	}
	ike_creds_unref(cs);
}
END_TEST

START_TEST(sig_scheme_map)
{
	ck_assert_uint_eq(dcfg_sig_schemes(0), 0);
	ck_assert_uint_eq(dcfg_sig_schemes(1u << CONF_SIG_RSA_SHA1),
			  1u << IKE_SIG_RSA_SHA1_CLASSIC);
	ck_assert_uint_eq(dcfg_sig_schemes(1u << CONF_SIG_ECDSA_SHA512),
			  1u << IKE_SIG_ECDSA_SHA512 | 1u << IKE_SIG_ECDSA_521_CLASSIC);
	ck_assert_uint_eq(dcfg_sig_schemes(1u << CONF_SIG_PSS_SHA256 | 1u << CONF_SIG_ED25519),
			  1u << IKE_SIG_RSA_PSS_SHA256 | 1u << IKE_SIG_ED25519);
	/* every conf scheme has one */
	for (int s = 0; s < CONF_SIG_COUNT; s++)
		ck_assert_uint_ne(dcfg_sig_schemes(1u << s), 0);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("dcfg_certs");
	TCase *tc = tcase_create("certs");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, local_cert_and_default_id);
	tcase_add_test(tc, remote_chain_constraints);
	tcase_add_test(tc, local_id_must_be_in_the_cert);
	tcase_add_test(tc, local_cert_found_by_id);
	tcase_add_test(tc, missing_files);
	tcase_add_test(tc, remote_trust);
	tcase_add_test(tc, psk_unchanged);
	tcase_add_test(tc, cert_has_id);
	tcase_add_test(tc, sig_scheme_map);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (test_pki_make(
		"dcfg-certs",
		"mkdir -p swanctl && cd swanctl && "
		"mkdir x509 x509ca private rsa && cp ../pki/root.crt x509ca/root.pem && "
		"cp ../pki/inter.crt x509ca/inter.pem && cp ../pki/moon.crt x509/moon.pem && "
		"cp ../pki/sun.crt x509/sun.pem && cp ../pki/carol.crt x509/carol.pem && "
		"cp ../pki/moon.key private/moon.key && cp ../pki/sun.key rsa/sun.key") != 0)
		return EXIT_FAILURE;
	snprintf(dir, sizeof(dir), "%s/swanctl", test_pki_top);
	return test_pki_run(suite());
}
