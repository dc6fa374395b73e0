/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon/creds.c: swanctl's directory layout, with a PKI made at test time
 * by tests/uml/pki.sh; every problem named by its file. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "daemon/creds.h"
#include "ike/cert.h"
#include "tests/unit/test_pki.h"
#include "tests/unit/unit.h"

static int64_t now;
static int n_dirs;

struct problems {
	size_t n;
	char all[4096];
};

static void on_problem(void *ctx, const char *where, const char *msg)
{
	struct problems *p = ctx;
	size_t len = strlen(p->all);

	p->n++;
	snprintf(p->all + len, sizeof(p->all) - len, "%s: %s\n", where, msg);
}

/* A fresh swanctl directory with "SUBDIR/NAME=PKIFILE" entries. */
static const char *layout(const char *const *items)
{
	static char dir[400];

	/* each test runs in a child of its own: the pid keeps them apart */
	snprintf(dir, sizeof(dir), "%s/d%d-%d", test_pki_top, (int)getpid(), n_dirs++);
	test_sh("mkdir -p '%s'", dir);
	for (; *items; items++) {
		const char *eq = strchr(*items, '=');

		ck_assert_ptr_nonnull(eq);
		test_sh("mkdir -p \"$(dirname '%s/%.*s')\" && cp '%s/%s' '%s/%.*s'", dir,
			(int)(eq - *items), *items, test_pki, eq + 1, dir, (int)(eq - *items),
			*items);
	}
	return dir;
}

#define LAYOUT(...) layout((const char *const[]){ __VA_ARGS__, NULL })

static struct conf *conf_of(const char *text)
{
	struct conf_diags d;
	struct conf *c = NULL;

	conf_diags_init(&d);
	ck_assert_int_eq(conf_load_string("swanctl.conf", text, strlen(text), &c, &d), 0);
	ck_assert_uint_eq(d.n_errors, 0);
	conf_diags_clear(&d);
	return c;
}

static struct ike_creds *load(const char *dir, const struct conf *conf, struct problems *p)
{
	size_t n = 999;
	struct ike_creds *cs = creds_load(dir, conf, now, on_problem, p, &n);

	ck_assert_ptr_nonnull(cs);
	ck_assert_uint_eq(n, p->n);
	return cs;
}

START_TEST(loads_the_layout)
{
	const char *dir = LAYOUT("x509ca/root.pem=root.crt", "x509ca/inter.pem=inter.crt",
				 "x509/moon.der=moon.der", "x509/sun.pem=sun.crt",
				 "x509/carol.pem=carol.crt", "private/moon.pem=moon-enc.key",
				 "rsa/sun.pem=sun.key", "pkcs8/carol.key=carol.key",
				 "x509crl/inter.crl=inter.crl", "x509crl/root.crl=root.crl");
	struct conf *conf = conf_of("secrets {\n private-moon {\n  file = moon.pem\n"
				    "  secret = moon-secret\n }\n}\n");
	struct problems p = { 0 };
	struct ike_creds *cs = load(dir, conf, &p);
	char path[512];
	const struct ike_cert *moon;
	size_t n;

	ck_assert_msg(p.n == 0, "%s", p.all);
	ck_assert_uint_eq(ike_creds_n_certs(cs), 5);
	ck_assert_uint_eq(ike_creds_n_crls(cs), 2);
	ck_assert_uint_eq(ike_creds_n_own(cs), 3);
	/* sources are the files' paths */
	snprintf(path, sizeof(path), "%s/x509/moon.der", dir);
	moon = ike_creds_by_source(cs, path);
	ck_assert_ptr_nonnull(moon);
	ck_assert_ptr_nonnull(ike_creds_key(cs, moon));
	ike_creds_chain(cs, moon, &n);
	ck_assert_uint_eq(n, 2);
	ike_creds_certreq(cs, &n);
	ck_assert_uint_eq(n, 20);
	ike_creds_unref(cs);
	conf_free(conf);
}
END_TEST

START_TEST(absolute_secret_path_and_missing_dirs)
{
	const char *dir = LAYOUT("x509/moon.pem=moon.crt", "private/moon.pem=moon-enc.key");
	char text[1024];
	struct conf *conf;
	struct problems p = { 0 };
	struct ike_creds *cs;

	/* a subdirectory inside private/ is no key file, and no problem */
	test_sh("mkdir '%s/private/old'", dir);
	snprintf(text, sizeof(text),
		 "secrets {\n private-1 {\n  file = %s/private/moon.pem\n  secret = moon-secret\n"
		 " }\n}\n",
		 dir);
	conf = conf_of(text);
	cs = load(dir, conf, &p);
	ck_assert_msg(p.n == 0, "%s", p.all);
	ck_assert_uint_eq(ike_creds_n_own(cs), 1);
	ike_creds_unref(cs);
	conf_free(conf);

	/* no directory at all: nothing, and no problem */
	p = (struct problems){ 0 };
	cs = load("/nonexistent-conduit-dir", NULL, &p);
	ck_assert_uint_eq(p.n, 0);
	ck_assert_uint_eq(ike_creds_n_certs(cs), 0);
	ike_creds_unref(cs);
}
END_TEST

START_TEST(encrypted_key_problems)
{
	const char *dir = LAYOUT("x509/moon.pem=moon.crt", "private/moon.pem=moon-enc.key");
	struct conf *conf;
	struct problems p = { 0 };
	struct ike_creds *cs;

	/* no secret */
	cs = load(dir, NULL, &p);
	ck_assert_uint_eq(p.n, 1);
	ck_assert_msg(strstr(p.all, "/private/moon.pem: encrypted, and no secret gives its "
				    "passphrase: add secrets.private-NAME { file = moon.pem"),
		      "%s", p.all);
	ike_creds_unref(cs);

	/* a wrong one: named, its value never shown */
	conf = conf_of("secrets {\n private-moon {\n  file = moon.pem\n  secret = guessed-wrong\n"
		       " }\n}\n");
	p = (struct problems){ 0 };
	cs = load(dir, conf, &p);
	ck_assert_uint_eq(p.n, 1);
	ck_assert_msg(strstr(p.all, "the passphrase does not decrypt it (secret 'private-moon' at "
				    "swanctl.conf:2)"),
		      "%s", p.all);
	ck_assert(!strstr(p.all, "guessed-wrong"));
	ike_creds_unref(cs);
	conf_free(conf);

	/* a secret of another kind (rsa-) does not unlock private/ */
	conf = conf_of("secrets {\n rsa-moon {\n  file = moon.pem\n  secret = moon-secret\n"
		       " }\n}\n");
	p = (struct problems){ 0 };
	cs = load(dir, conf, &p);
	ck_assert_uint_eq(p.n, 2); /* the key, and the secret's missing rsa/moon.pem */
	ck_assert_msg(strstr(p.all, "swanctl.conf:2: secret 'rsa-moon': no key file 'moon.pem' in"),
		      "%s", p.all);
	ck_assert_msg(strstr(p.all, "/rsa/"), "%s", p.all);
	ike_creds_unref(cs);
	conf_free(conf);
}
END_TEST

START_TEST(file_problems)
{
	const char *dir = LAYOUT("x509ca/root.pem=root.crt", "x509/moon.pem=moon.crt",
				 "x509/expired.pem=expired.crt", "ecdsa/expired.pem=expired.key",
				 "ecdsa/sun.pem=sun.key", "x509/junk.pem=inter.crl",
				 "x509crl/forged.crl=forged.crl", "x509ca/inter.pem=inter.crt");
	struct problems p = { 0 };
	struct ike_creds *cs;

	test_sh("ln -s '%s/x509/nowhere.pem' '%s/x509/dangling.pem'", dir, dir);
	cs = load(dir, NULL, &p);
	ck_assert_msg(p.n == 5, "%s", p.all);
	ck_assert_msg(strstr(p.all, "/x509/dangling.pem: cannot read: No such file or directory"),
		      "%s", p.all);
	ck_assert_msg(strstr(p.all, "/x509/junk.pem: no PEM CERTIFICATE block that parses"), "%s",
		      p.all);
	ck_assert_msg(strstr(p.all, "/ecdsa/sun.pem: private key matches no loaded certificate"),
		      "%s", p.all);
	ck_assert_msg(strstr(p.all, "/x509/expired.pem: certificate \"C=CH, O=conduit test, "
				    "CN=expired.example.org\" expired on 2021-01-01"),
		      "%s", p.all);
	ck_assert_msg(strstr(p.all, "/x509crl/forged.crl: CRL of \"C=CH, O=conduit test, "
				    "CN=Intermediate CA\" is not signed by that issuer's key"),
		      "%s", p.all);
	ike_creds_unref(cs);
}
END_TEST

START_TEST(default_dir)
{
	char buf[64];

	ck_assert_str_eq(creds_default_dir("/etc/swanctl/swanctl.conf", buf, sizeof(buf)),
			 "/etc/swanctl");
	ck_assert_str_eq(creds_default_dir("conduit.conf", buf, sizeof(buf)), ".");
	ck_assert_str_eq(creds_default_dir("/c.conf", buf, sizeof(buf)), "/");
	ck_assert_str_eq(creds_default_dir("a/b.conf", buf, sizeof(buf)), "a");
}
END_TEST

static Suite *creds_suite(void)
{
	Suite *s = suite_create("daemon_creds");
	TCase *tc = tcase_create("creds");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, loads_the_layout);
	tcase_add_test(tc, absolute_secret_path_and_missing_dirs);
	tcase_add_test(tc, encrypted_key_problems);
	tcase_add_test(tc, file_problems);
	tcase_add_test(tc, default_dir);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	if (test_pki_make("creds", NULL) != 0)
		return EXIT_FAILURE;
	now = (int64_t)time(NULL);
	return test_pki_run(creds_suite());
}
