// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What one tunnel costs the engine: N IKE SAs, each with one CHILD_SA, are
 * negotiated between two engines in memory (IKE_SA_INIT and IKE_AUTH with
 * PSK, the real crypto), and the CPU time and heap they take are printed
 * per tunnel, for a few proposals. Then what parsing a peer certificate
 * costs against the engine's cache of them, beside a signature
 * verification with its key. A figure, not a test: it never fails on a
 * number. Usage: bench_ike [N] (default 2000).
 */
#include <malloc.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "ike/cert.h"
#include "tests/bench/mem_pair.h"

static void run(const char *ike, const char *esp, size_t n)
{
	struct mp_pair p;
	struct mallinfo2 m0, m1;
	double t0, t1;
	size_t up;

	mp_pair_init(&p, n, ike, esp);
	m0 = mallinfo2();
	t0 = mp_cpu_seconds();
	up = mp_grow(&p, n);
	t1 = mp_cpu_seconds();
	m1 = mallinfo2();
	if (up != n)
		fprintf(stderr, "only %zu of %zu tunnels came up\n", up, n);
	printf("%-34s %-14s %6zu tunnels: %7.1f us CPU and %6.0f B heap per tunnel per end\n", ike,
	       esp, n, (t1 - t0) * 1e6 / (double)n / 2.0,
	       ((double)m1.uordblks - (double)m0.uordblks) / (double)n / 2.0);
	mp_pair_free(&p);
}

static EVP_PKEY *keygen(const char *type, const char *param)
{
	EVP_PKEY *k = param			 ? EVP_PKEY_Q_keygen(NULL, NULL, type, param)
		      : strcmp(type, "RSA") == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, type, (size_t)2048)
						 : EVP_PKEY_Q_keygen(NULL, NULL, type);

	if (!k)
		exit(1);
	return k;
}

/* A certificate of a new key of this type, issued by another (so not
 * self-signed: parsing it verifies no signature), as DER. */
static unsigned char *make_cert(const char *type, const char *param, EVP_PKEY **key, int *len)
{
	EVP_PKEY *k = keygen(type, param), *ca = keygen(type, param);
	X509 *x = X509_new();
	unsigned char *der = NULL;
	X509_NAME *n = X509_NAME_new(), *in = X509_NAME_new();

	if (!x || !n || !in)
		exit(1);
	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)"bench", -1, -1,
				   0);
	X509_NAME_add_entry_by_txt(in, "CN", MBSTRING_ASC, (const unsigned char *)"bench CA", -1,
				   -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, in);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	if (!X509_sign(x, ca, strcmp(type, "ED25519") ? EVP_sha256() : NULL) ||
	    (*len = i2d_X509(x, &der)) <= 0)
		exit(1);
	X509_NAME_free(n);
	X509_NAME_free(in);
	X509_free(x);
	EVP_PKEY_free(ca);
	*key = k;
	return der;
}

/* Why the engine caches peer certificates: parsing one (and decoding its
 * public key) against finding it parsed, beside a signature verification
 * with its key. */
static void bench_cert(const char *name, const char *type, const char *param, size_t n)
{
	EVP_PKEY *key;
	int len;
	unsigned char *der = make_cert(type, param, &key, &len);
	struct ike_cert_cache *cc = ike_cert_cache_new(IKE_CERT_CACHE_MAX);
	unsigned char sig[1024], msg[64] = {0};
	size_t siglen = sizeof(sig);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	const EVP_MD *h = strcmp(type, "ED25519") ? EVP_sha256() : NULL;
	double t0, t1, t2, t3;

	if (!cc || !md || EVP_DigestSignInit(md, NULL, h, NULL, key) != 1 ||
	    EVP_DigestSign(md, sig, &siglen, msg, sizeof(msg)) != 1)
		exit(1);
	t0 = mp_cpu_seconds();
	for (size_t i = 0; i < n; i++)
		ike_cert_unref(ike_cert_parse(der, (size_t)len, NULL));
	t1 = mp_cpu_seconds();
	for (size_t i = 0; i < n; i++)
		ike_cert_unref(ike_cert_cache_get(cc, der, (size_t)len, NULL));
	t2 = mp_cpu_seconds();
	for (size_t i = 0; i < n; i++) {
		struct ike_cert *c = ike_cert_cache_get(cc, der, (size_t)len, NULL);

		if (EVP_DigestVerifyInit(md, NULL, h, NULL, ike_cert_pubkey(c)) != 1 ||
		    EVP_DigestVerify(md, sig, siglen, msg, sizeof(msg)) != 1)
			exit(1);
		ike_cert_unref(c);
	}
	t3 = mp_cpu_seconds();
	printf("certificate %-12s parse %7.1f us, cache hit %5.1f us; a verification %7.1f us\n",
	       name, (t1 - t0) * 1e6 / (double)n, (t2 - t1) * 1e6 / (double)n,
	       (t3 - t2) * 1e6 / (double)n);
	EVP_MD_CTX_free(md);
	ike_cert_cache_free(cc);
	OPENSSL_free(der);
	EVP_PKEY_free(key);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000;

	if (!n)
		n = 1;
	printf("IKE SA + 1 CHILD_SA negotiated in memory (IKE_SA_INIT + IKE_AUTH, PSK);\n"
	       "CPU is both ends' work halved, heap is what stays allocated once established.\n");
	run("aes256gcm16-prfsha256-x25519", "aes256gcm16", n);
	run("aes256gcm16-prfsha384-ecp384", "aes256gcm16", n);
	run("aes128-sha256-modp2048", "aes128-sha256", n / 4 ? n / 4 : 1);
	bench_cert("ECDSA P-256", "EC", "P-256", n);
	bench_cert("RSA-2048", "RSA", NULL, n);
	bench_cert("Ed25519", "ED25519", NULL, n);
	return 0;
}
