/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The test PKI that tests/uml/pki.sh makes, shared by the unit tests that
 * need certificates and keys (test_ike_cert, test_ike_auth_cert,
 * test_daemon_creds, test_daemon_dcfg_certs): made once per test program
 * in a directory of its own, its files read as bytes, certificates and
 * credential-set entries, and the directory removed when the suite ends.
 */
#ifndef CONDUIT_TESTS_UNIT_TEST_PKI_H
#define CONDUIT_TESTS_UNIT_TEST_PKI_H

#include <stddef.h>
#include <stdint.h>

#include "ike/cert.h"
#include "tests/unit/unit.h"

/* $TMPDIR/conduit-NAME-XXXXXX, the program's own directory, and its pki/
 * subdirectory, where pki.sh wrote its files. */
extern char test_pki_top[300];
extern char test_pki[320];

/* Makes test_pki_top and the PKI in it, then runs the shell command THEN
 * (NULL: none) in test_pki_top. Outside any test: says what failed on
 * stderr and returns -1. */
int test_pki_make(const char *name, const char *then);

/* Runs the suite, removes test_pki_top; main()'s exit status. */
int test_pki_run(Suite *s);

/* Runs a shell command, failing the test when it fails. */
void test_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The whole of the PKI's file NAME (malloc'ed; the test fails without it). */
uint8_t *pki_load(const char *name, size_t *len);

/* The PKI's certificate NAME, parsed (the test fails when it does not). */
struct ike_cert *pki_cert(const char *name);

/* Adds the files of a NULL-terminated list to a set: "ca:root.crt",
 * "ee:moon.crt", "key:moon.key" (no passphrase), "crl:inter.crl". The test
 * fails, naming the item, when one is refused. */
void pki_add_all(struct ike_creds *cs, const char *const *items);

#endif
