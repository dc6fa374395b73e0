// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What an AUTH payload signature costs: for each scheme, the CPU time of
 * ike_sig_sign() and ike_sig_verify() over an IKE_AUTH-sized octet string
 * (the crypto floor a certificate IKE_SA is measured against: per IKE SA
 * the responder signs once and verifies once, plus the certificate). A
 * figure, not a test. Usage: bench_sig [N] (default 200 per operation).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ike/ike_const.h"
#include "ike/sig.h"

static double cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void bench(const char *key_name, EVP_PKEY *k, enum ike_sig_scheme s, size_t n)
{
	uint8_t octets[600], method = 0;
	struct ike_writer w;
	const char *why = "?";
	double t0, t1, t2;

	if (!k) {
		printf("%-10s %-34s (no key)\n", key_name, ike_sig_name(s));
		return;
	}
	memset(octets, 0x5a, sizeof(octets));
	ike_writer_init(&w);
	t0 = cpu_us();
	for (size_t i = 0; i < n; i++) {
		w.len = 0;
		if (ike_sig_sign(k, s, octets, sizeof(octets), &method, &w, &why)) {
			printf("%-10s %-34s sign failed: %s\n", key_name, ike_sig_name(s), why);
			ike_writer_free(&w);
			return;
		}
	}
	t1 = cpu_us();
	for (size_t i = 0; i < n; i++)
		if (ike_sig_verify(k, method, w.buf, w.len, octets, sizeof(octets), NULL, &why)) {
			printf("%-10s %-34s verify failed: %s\n", key_name, ike_sig_name(s), why);
			ike_writer_free(&w);
			return;
		}
	t2 = cpu_us();
	printf("%-10s %-34s sign %8.1f us  verify %8.1f us  (%zu octets of AUTH data)\n", key_name,
	       ike_sig_name(s), (t1 - t0) / (double)n, (t2 - t1) / (double)n, w.len);
	ike_writer_free(&w);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 200;
	EVP_PKEY *rsa2048 = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	EVP_PKEY *p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *p384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	EVP_PKEY *p521 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521");
	EVP_PKEY *ed25519 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	EVP_PKEY *ed448 = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");

	if (!n)
		n = 1;
	printf("AUTH payload signatures over 600 octets, CPU time per operation (%zu each):\n", n);
	bench("RSA-2048", rsa2048, IKE_SIG_RSA_SHA1_CLASSIC, n);
	bench("RSA-2048", rsa2048, IKE_SIG_RSA_PKCS1_SHA256, n);
	bench("RSA-2048", rsa2048, IKE_SIG_RSA_PSS_SHA256, n);
	bench("RSA-2048", rsa2048, IKE_SIG_RSA_PSS_SHA512, n);
	bench("P-256", p256, IKE_SIG_ECDSA_256_CLASSIC, n);
	bench("P-256", p256, IKE_SIG_ECDSA_SHA256, n);
	bench("P-384", p384, IKE_SIG_ECDSA_SHA384, n);
	bench("P-521", p521, IKE_SIG_ECDSA_SHA512, n);
	bench("Ed25519", ed25519, IKE_SIG_ED25519, n);
	bench("Ed448", ed448, IKE_SIG_ED448, n);
	EVP_PKEY_free(rsa2048);
	EVP_PKEY_free(p256);
	EVP_PKEY_free(p384);
	EVP_PKEY_free(p521);
	EVP_PKEY_free(ed25519);
	EVP_PKEY_free(ed448);
	return 0;
}
