// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What one tunnel costs the engine: N IKE SAs, each with one CHILD_SA, are
 * negotiated between two engines in memory (IKE_SA_INIT and IKE_AUTH with
 * PSK, the real crypto), and the CPU time and heap they take are printed
 * per tunnel, for a few proposals. Then what parsing a peer certificate
 * costs against the engine's cache of them, beside a signature
 * verification with its key. Then tunnels authenticated with
 * certificates (ECDSA P-256, Ed25519, RSA-2048), beside their crypto
 * floor: the same signature operations timed alone. A figure, not a test:
 * it never fails on a number. Usage: bench_ike [N] (default 2000).
 */
#include <malloc.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "ike/cert.h"
#include "ike/sig.h"
#include "tests/bench/mem_pair.h"

/* CPU per tunnel per end, in microseconds. */
static double run(const char *ike, const char *esp, size_t n)
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
	return (t1 - t0) * 1e6 / (double)n / 2.0;
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

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509V3_set_ctx(&ctx, issuer ? issuer : x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (!ext || !X509_add_ext(x, ext, -1))
		exit(1);
	X509_EXTENSION_free(ext);
}

/* A certificate of key k named CN=cn (and DNS:san), issued by issuer
 * (NULL: self-signed CA) with ca_key. */
static X509 *issue(EVP_PKEY *k, const char *cn, const char *san, X509 *issuer, EVP_PKEY *ca_key,
		   long serial)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	char dns[128];

	if (!x || !n)
		exit(1);
	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : n);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	if (!issuer) {
		add_ext(x, NULL, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, NULL, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		add_ext(x, issuer, NID_key_usage, "digitalSignature");
		snprintf(dns, sizeof(dns), "DNS:%s", san);
		add_ext(x, issuer, NID_subject_alt_name, dns);
	}
	if (!X509_sign(x, ca_key, EVP_PKEY_get_base_id(ca_key) == EVP_PKEY_ED25519 ? NULL
										 : EVP_sha256()))
		exit(1);
	X509_NAME_free(n);
	return x;
}

static void creds_add_x509(struct ike_creds *cs, enum ike_cert_kind kind, X509 *x)
{
	unsigned char *der = NULL;
	int len = i2d_X509(x, &der);
	const char *err = NULL;

	if (len <= 0 || ike_creds_add_cert(cs, kind, der, (size_t)len, "bench", &err))
		exit(1);
	OPENSSL_free(der);
}

static void creds_add_pkey(struct ike_creds *cs, EVP_PKEY *k)
{
	BIO *b = BIO_new(BIO_s_mem());
	const char *err = NULL;
	char *pem;
	long len;

	if (!b || !PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL))
		exit(1);
	len = BIO_get_mem_data(b, &pem);
	if (len <= 0 || ike_creds_add_key(cs, (const uint8_t *)pem, (size_t)len, NULL, "bench", &err))
		exit(1);
	BIO_free(b);
}

/*
 * n tunnels authenticated with certificates of this key type (each end's
 * end entity issued by one CA), per end: the CPU per tunnel, beside the
 * crypto floor of what each end does per tunnel (one AUTH signature, one
 * AUTH verification, one certificate signature verification, timed alone)
 * and the PSK tunnel of the same proposal.
 */
static void bench_pubkey(const char *name, const char *type, const char *param,
			 enum ike_sig_scheme scheme, double psk_us, size_t n)
{
	const char *ike = "aes256gcm16-prfsha256-x25519";
	EVP_PKEY *ca_key = keygen(type, param), *ka = keygen(type, param), *kb = keygen(type, param);
	X509 *ca = issue(ca_key, "bench CA", NULL, NULL, ca_key, 1), *xb;
	struct ike_creds *ca_set = ike_creds_new(), *cb_set = ike_creds_new();
	const struct ike_cert **certs;
	uint8_t octets[600], method = 0;
	struct ike_writer w;
	const char *why = "?";
	struct mp_pair p;
	double t0, t1, t2, t3, t4, tun, first_us, floor_us;
	X509 *xa = NULL;
	size_t up;

	/* the engine's cache of peer certificates holds them all */
	if (n > IKE_CERT_CACHE_MAX / 2)
		n = IKE_CERT_CACHE_MAX / 2;
	certs = calloc(n, sizeof(*certs));
	if (!ca_set || !cb_set || !certs)
		exit(1);
	creds_add_x509(ca_set, IKE_CERT_KIND_CA, ca);
	creds_add_x509(cb_set, IKE_CERT_KIND_CA, ca);
	for (size_t i = 0; i < n; i++) {
		char cn[64], san[64];

		snprintf(cn, sizeof(cn), "peer-%zu", i);
		snprintf(san, sizeof(san), "peer-%zu.example", i);
		X509_free(xa);
		xa = issue(ka, cn, san, ca, ca_key, (long)i + 10);
		creds_add_x509(ca_set, IKE_CERT_KIND_EE, xa);
		creds_add_pkey(ca_set, ka); /* one per certificate: each gets the key */
	}
	xb = issue(kb, "gw", "gw.example", ca, ca_key, 2);
	creds_add_x509(cb_set, IKE_CERT_KIND_EE, xb);
	creds_add_pkey(cb_set, kb);
	if (ike_creds_finish(ca_set, (int64_t)time(NULL), NULL, NULL) ||
	    ike_creds_finish(cb_set, (int64_t)time(NULL), NULL, NULL) ||
	    ike_creds_n_own(ca_set) != n)
		exit(1);
	for (size_t i = 0; i < n; i++)
		certs[i] = ike_creds_own(ca_set, i);

	/* first contact: each peer certificate is new to the responder (parsed
	 * once, then in the engine's cache); then as many tunnels again from
	 * the same peers, their certificates known */
	mp_pair_init_pubkey(&p, 2 * n, ike, "aes256gcm16", ca_set, cb_set, certs, n);
	t0 = mp_cpu_seconds();
	up = mp_grow(&p, n);
	t1 = mp_cpu_seconds();
	up += mp_grow(&p, n);
	t2 = mp_cpu_seconds();
	if (up != 2 * n)
		fprintf(stderr, "%s: only %zu of %zu tunnels came up\n", name, up, 2 * n);
	mp_pair_free(&p);
	first_us = (t1 - t0) * 1e6 / (double)n / 2.0;
	tun = (t2 - t1) * 1e6 / (double)n / 2.0;

	/* the floor: the same operations alone */
	memset(octets, 0x5a, sizeof(octets));
	ike_writer_init(&w);
	t1 = mp_cpu_seconds();
	for (size_t i = 0; i < n; i++) {
		w.len = 0;
		if (ike_sig_sign(ka, scheme, octets, sizeof(octets), &method, &w, &why))
			exit(1);
	}
	t2 = mp_cpu_seconds();
	for (size_t i = 0; i < n; i++)
		if (ike_sig_verify(ka, method, w.buf, w.len, octets, sizeof(octets), NULL, &why))
			exit(1);
	t3 = mp_cpu_seconds();
	for (size_t i = 0; i < n; i++)
		if (X509_verify(xa, ca_key) != 1)
			exit(1);
	t4 = mp_cpu_seconds();
	ike_writer_free(&w);
	floor_us = (t4 - t1) * 1e6 / (double)n;
	printf("pubkey %-11s %4zu tunnels: %7.1f us CPU per tunnel per end (first contact "
	       "%.1f us)\n"
	       "    floor %6.1f us (sign %.1f + verify %.1f + certificate %.1f): %.2fx the floor, "
	       "%.2fx the floor plus the PSK tunnel (%.1f us)\n",
	       name, n, tun, first_us, floor_us, (t2 - t1) * 1e6 / (double)n,
	       (t3 - t2) * 1e6 / (double)n, (t4 - t3) * 1e6 / (double)n, tun / floor_us,
	       tun / (floor_us + psk_us), psk_us);
	free(certs);
	ike_creds_unref(ca_set);
	ike_creds_unref(cb_set);
	X509_free(xa);
	X509_free(xb);
	X509_free(ca);
	EVP_PKEY_free(ca_key);
	EVP_PKEY_free(ka);
	EVP_PKEY_free(kb);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000;

	if (!n)
		n = 1;
	printf("IKE SA + 1 CHILD_SA negotiated in memory (IKE_SA_INIT + IKE_AUTH, PSK);\n"
	       "CPU is both ends' work halved, heap is what stays allocated once established.\n");
	double psk_us = run("aes256gcm16-prfsha256-x25519", "aes256gcm16", n);

	run("aes256gcm16-prfsha384-ecp384", "aes256gcm16", n);
	run("aes128-sha256-modp2048", "aes128-sha256", n / 4 ? n / 4 : 1);
	bench_cert("ECDSA P-256", "EC", "P-256", n);
	bench_cert("RSA-2048", "RSA", NULL, n);
	bench_cert("Ed25519", "ED25519", NULL, n);
	printf("IKE SA + 1 CHILD_SA with certificates (aes256gcm16-prfsha256-x25519), one\n"
	       "connection and certificate per tunnel; the floor is one AUTH signature, one AUTH\n"
	       "verification and one certificate verification per end, timed alone:\n");
	bench_pubkey("ECDSA P-256", "EC", "P-256", IKE_SIG_ECDSA_SHA256, psk_us,
		     n / 4 ? n / 4 : 1);
	bench_pubkey("Ed25519", "ED25519", NULL, IKE_SIG_ED25519, psk_us, n / 4 ? n / 4 : 1);
	bench_pubkey("RSA-2048", "RSA", NULL, IKE_SIG_RSA_PKCS1_SHA256, psk_us,
		     n / 10 ? n / 10 : 1);
	return 0;
}
