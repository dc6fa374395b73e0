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
#include <arpa/inet.h>
#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "ike/cert.h"
#include "ike/ike.h"

struct qpkt {
	uint8_t *data;
	size_t len;
	struct ike_addr src, dst;
};

struct bpeer {
	struct ike_engine *e;
	struct ike_addr addr;
	struct qpkt *q;
	size_t n_q, cap_q;
	uint32_t next_spi;
	size_t n_up; /* CHILD_SAs installed */
};

static uint64_t bclock = 1000000;

static void b_send(void *ctx, const uint8_t *pkt, size_t len, const struct ike_addr *local,
		   const struct ike_addr *remote)
{
	struct bpeer *p = ctx;

	if (p->n_q == p->cap_q) {
		size_t cap = p->cap_q ? 2 * p->cap_q : 64;
		struct qpkt *q = realloc(p->q, cap * sizeof(*q));

		if (!q)
			return;
		p->q = q;
		p->cap_q = cap;
	}
	p->q[p->n_q].data = malloc(len);
	if (!p->q[p->n_q].data)
		return;
	memcpy(p->q[p->n_q].data, pkt, len);
	p->q[p->n_q].len = len;
	p->q[p->n_q].src = *local;
	p->q[p->n_q].dst = *remote;
	p->n_q++;
}

static int b_alloc_spi(void *ctx, const struct ike_addr *src, const struct ike_addr *dst,
		       uint32_t *spi)
{
	struct bpeer *p = ctx;

	(void)src;
	(void)dst;
	*spi = p->next_spi++;
	return 0;
}

static int b_install(void *ctx, const struct ike_child_install *c)
{
	struct bpeer *p = ctx;

	(void)c;
	p->n_up++;
	return 0;
}

static void b_delete(void *ctx, uint32_t id, uint32_t reqid, const struct ike_child_install *c)
{
	(void)ctx;
	(void)id;
	(void)reqid;
	(void)c;
}

static uint64_t b_now(void *ctx)
{
	(void)ctx;
	return bclock;
}

static void b_random(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	if (RAND_bytes(buf, (int)len) != 1)
		abort();
}

static void b_log(void *ctx, enum ike_log_level level, const char *fmt, va_list ap)
{
	(void)ctx;
	if (level <= IKE_LOG_WARN) {
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
}

static void peer_init(struct bpeer *p, const char *ip, uint32_t spi_base)
{
	struct ike_env env = {
		.ctx = p,
		.send = b_send,
		.alloc_spi = b_alloc_spi,
		.child_install = b_install,
		.child_delete = b_delete,
		.now_ms = b_now,
		.random = b_random,
		.log = b_log,
	};

	memset(p, 0, sizeof(*p));
	p->addr.family = AF_INET;
	inet_pton(AF_INET, ip, p->addr.ip);
	p->addr.port = 500;
	p->next_spi = spi_base;
	p->e = ike_engine_new(&env, NULL);
	if (!p->e) {
		fprintf(stderr, "cannot create an engine\n");
		exit(1);
	}
}

static void peer_free(struct bpeer *p)
{
	ike_engine_free(p->e);
	for (size_t i = 0; i < p->n_q; i++)
		free(p->q[i].data);
	free(p->q);
}

/* Delivers one peer's queue to the other; returns how many. */
static size_t deliver(struct bpeer *from, struct bpeer *to)
{
	size_t n = from->n_q;
	struct qpkt *q = from->q;

	from->q = NULL;
	from->n_q = from->cap_q = 0;
	for (size_t i = 0; i < n; i++) {
		ike_engine_input(to->e, q[i].data, q[i].len, &q[i].dst, &q[i].src);
		free(q[i].data);
	}
	free(q);
	return n;
}

static void add_conn(struct bpeer *p, const struct bpeer *peer, const char *ike, const char *esp,
		     const char *lts, const char *rts)
{
	static const char psk[] = "a benchmark's shared secret, long enough";
	struct ike_child_cfg child = { .name = "net", .local_ts = lts, .remote_ts = rts,
				       .esp_proposals = esp, .rekey_time = 3600,
				       .life_time = 3960 };
	struct ike_conn_cfg cfg = { .name = "bench", .proposals = ike,
				    .psk = (const uint8_t *)psk, .psk_len = sizeof(psk) - 1,
				    .n_children = 1, .children = &child };
	const char *err = NULL;

	cfg.local = p->addr;
	cfg.remote = peer->addr;
	if (ike_engine_add_conn(p->e, &cfg, &err)) {
		fprintf(stderr, "add_conn: %s\n", err ? err : "?");
		exit(1);
	}
}

static double cpu_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void run(const char *ike, const char *esp, size_t n)
{
	struct bpeer a, b;
	struct mallinfo2 m0, m1;
	double t0, t1;
	size_t batch = 100, started = 0;

	peer_init(&a, "192.0.2.1", 0xc0000000u);
	peer_init(&b, "192.0.2.2", 0xc8000000u);
	add_conn(&a, &b, ike, esp, "10.1.0.0/24", "10.2.0.0/24");
	add_conn(&b, &a, ike, esp, "10.2.0.0/24", "10.1.0.0/24");
	m0 = mallinfo2();
	t0 = cpu_seconds();
	/* In batches, so that no more than batch exchanges are in flight
	 * (the responder's half-open limit is 1000). */
	while (started < n) {
		for (size_t i = 0; i < batch && started < n; i++, started++)
			if (ike_engine_initiate(a.e, "bench", NULL) <= 0) {
				fprintf(stderr, "initiate failed\n");
				exit(1);
			}
		while (deliver(&a, &b) + deliver(&b, &a))
			;
	}
	t1 = cpu_seconds();
	m1 = mallinfo2();
	if (a.n_up != n || b.n_up != n)
		fprintf(stderr, "only %zu/%zu of %zu tunnels came up\n", a.n_up, b.n_up, n);
	printf("%-34s %-14s %6zu tunnels: %7.1f us CPU and %6.0f B heap per tunnel per end\n", ike,
	       esp, n, (t1 - t0) * 1e6 / (double)n / 2.0,
	       ((double)m1.uordblks - (double)m0.uordblks) / (double)n / 2.0);
	peer_free(&a);
	peer_free(&b);
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
	t0 = cpu_seconds();
	for (size_t i = 0; i < n; i++)
		ike_cert_unref(ike_cert_parse(der, (size_t)len, NULL));
	t1 = cpu_seconds();
	for (size_t i = 0; i < n; i++)
		ike_cert_unref(ike_cert_cache_get(cc, der, (size_t)len, NULL));
	t2 = cpu_seconds();
	for (size_t i = 0; i < n; i++) {
		struct ike_cert *c = ike_cert_cache_get(cc, der, (size_t)len, NULL);

		if (EVP_DigestVerifyInit(md, NULL, h, NULL, ike_cert_pubkey(c)) != 1 ||
		    EVP_DigestVerify(md, sig, siglen, msg, sizeof(msg)) != 1)
			exit(1);
		ike_cert_unref(c);
	}
	t3 = cpu_seconds();
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
