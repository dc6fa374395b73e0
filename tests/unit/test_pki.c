/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The test PKI of tests/uml/pki.sh: see test_pki.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/unit/test_pki.h"

char test_pki_top[300];
char test_pki[320];

int test_pki_make(const char *name, const char *then)
{
	const char *src = getenv("CONDUIT_SRCDIR");
	char cmd[4096];

	snprintf(test_pki_top, sizeof(test_pki_top), "%s/conduit-%s-XXXXXX",
		 getenv("TMPDIR") ?: "/tmp", name);
	if (!mkdtemp(test_pki_top)) {
		perror(test_pki_top);
		return -1;
	}
	snprintf(test_pki, sizeof(test_pki), "%s/pki", test_pki_top);
	snprintf(cmd, sizeof(cmd), "bash '%s/tests/uml/pki.sh' '%s' && cd '%s' && %s",
		 src ? src : "..", test_pki, test_pki_top, then ? then : "true");
	if (system(cmd) != 0) {
		fprintf(stderr, "making the PKI failed: %s\n", cmd);
		return -1;
	}
	return 0;
}

int test_pki_run(Suite *s)
{
	SRunner *sr = srunner_create(s);
	char cmd[400];
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", test_pki_top);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", test_pki_top);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

void test_sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	ck_assert_msg(system(cmd) == 0, "%s", cmd);
}

uint8_t *pki_load(const char *name, size_t *len)
{
	char path[512];
	FILE *f;
	uint8_t *buf;
	long n;

	snprintf(path, sizeof(path), "%s/%s", test_pki, name);
	f = fopen(path, "rb");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_gt(n, 0);
	rewind(f);
	buf = malloc((size_t)n);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

struct ike_cert *pki_cert(const char *name)
{
	size_t len;
	uint8_t *d = pki_load(name, &len);
	const char *err = NULL;
	struct ike_cert *c = ike_cert_parse(d, len, &err);

	ck_assert_msg(c != NULL, "%s: %s", name, err);
	free(d);
	return c;
}

void pki_add_all(struct ike_creds *cs, const char *const *items)
{
	for (; *items; items++) {
		const char *it = *items, *err = NULL;
		const char *name = strchr(it, ':');
		size_t len;
		uint8_t *d;
		int rc = -1;

		ck_assert_msg(name != NULL, "bad item %s", it);
		d = pki_load(++name, &len);
		if (strncmp(it, "ca:", 3) == 0)
			rc = ike_creds_add_cert(cs, IKE_CERT_KIND_CA, d, len, name, &err);
		else if (strncmp(it, "ee:", 3) == 0)
			rc = ike_creds_add_cert(cs, IKE_CERT_KIND_EE, d, len, name, &err);
		else if (strncmp(it, "key:", 4) == 0)
			rc = ike_creds_add_key(cs, d, len, NULL, name, &err);
		else if (strncmp(it, "crl:", 4) == 0)
			rc = ike_creds_add_crl(cs, d, len, name, &err);
		else
			ck_abort_msg("bad item %s", it);
		free(d);
		ck_assert_msg(rc == 0, "%s: %s", it, err ? err : "refused");
	}
}
