// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target for the engine: arbitrary datagrams into a responder, or
 * into an initiator waiting for its IKE_SA_INIT response, in the fake
 * environment of the unit tests (tfuzz_run() describes the input format).
 * Seeds in tests/fuzz/corpus/engine are whole recorded exchanges, written
 * by CONDUIT_DUMP_CORPUS=DIR tests/unit/test_ike_engine, the frag-* seeds
 * of mode 4 (below), and to-responder-cookie (mode 8: a responder that asks
 * for a COOKIE, written by tests/unit/test_ike_dos).
 *
 * libFuzzer (clang), from the source tree, after a configured build:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -Ibuild \
 *     -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED \
 *     tests/fuzz/fuzz_engine.c ike/ *.c -lcrypto -o /tmp/fuzz_engine
 *   /tmp/fuzz_engine -runs=1000000 /tmp/corpus tests/fuzz/corpus/engine
 * Built with -DFUZZ_REPLAY_MAIN (no clang needed) it is a plain program
 * that runs every file of the directories or files it is given (default:
 * $CONDUIT_SRCDIR/tests/fuzz/corpus/engine) through the same entry point;
 * `make check` runs it so.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/auth_cert.h"
#include "ike/cert.h"
#include "ike/engine.h"
#include "ike/sig.h"
#include "tests/fuzz/fuzz_pki.h"
#include "tests/unit/test_ike_engine_env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * Mode 2 (first octet & 2) goes past the Encrypted payload, which random
 * bytes never get through: A and B establish an IKE SA, then each record
 * (2-octet length, exchange type, first payload type, plaintext) becomes
 * a request A protects with its real keys, B answers and A reads the
 * answer. Seeds: inner-* files, written by test_ike_engine_forged.
 */
static void run_inner(const uint8_t *data, size_t size)
{
	static struct tpeer a, b;
	struct ike_sa *sa;
	size_t pos = 1;

	tclock = TCLOCK_START;
	tpeer_init(&a, "A", TIP_A, TSEED_A, NULL);
	tpeer_init(&b, "B", TIP_B, TSEED_B, NULL);
	if (!a.e || !b.e || tconn(&a, &b, &tconf_a) || tconn(&b, &a, &tconf_b) ||
	    ike_engine_initiate(a.e, "gw", NULL) <= 0)
		goto out;
	tpump(&a, &b);
	while (pos + 4 <= size) {
		size_t len = (size_t)(data[pos] & 0x7f) << 8 | data[pos + 1];
		uint8_t exchange = data[pos + 2], first = data[pos + 3];
		struct ike_writer w;

		pos += 4;
		if (len > size - pos)
			len = size - pos;
		sa = ike_sa_by_id(a.e, 1);
		if (!sa || sa->state != IKE_S_ESTABLISHED)
			break;
		/* A's window is the harness's: one request after another. */
		ike_timer_disarm(a.e, &sa->t_rtx);
		if (sa->req_kind != IKE_REQ_NONE)
			sa->msgid_next++;
		sa->req_kind = IKE_REQ_NONE;
		ike_writer_init(&w);
		ike_put_bytes(&w, data + pos, len);
		ike_send_protected(a.e, sa, exchange, false, 0, &w, first, IKE_REQ_EMPTY_INFO);
		ike_writer_free(&w);
		tpump(&a, &b);
		pos += len;
	}
out:
	tpeer_free(&a);
	tpeer_free(&b);
}

/*
 * Mode 4 (first octet & 4) feeds fragments (RFC 7383) past their
 * authentication: A and B establish an IKE SA, then each record (2-octet
 * length, bit 15: flip a bit of the ICV; flags: bit 0 the message ID
 * before B's window, bit 1 a CREATE_CHILD_SA instead of INFORMATIONAL,
 * bit 7 then 30 s pass; Fragment Number; Total Fragments, 2 octets; first
 * payload type; the fragment's plaintext) becomes an Encrypted Fragment
 * payload sealed with A's keys and given to B. Seeds: the frag-* files,
 * made to this format by tests/fuzz/frag-seeds.py.
 */
static void run_frags(const uint8_t *data, size_t size)
{
	static struct tpeer a, b;
	struct ike_sa *sa, *sb;
	size_t pos = 1;

	tclock = TCLOCK_START;
	tpeer_init(&a, "A", TIP_A, TSEED_A, NULL);
	tpeer_init(&b, "B", TIP_B, TSEED_B, NULL);
	if (!a.e || !b.e || tconn(&a, &b, &tconf_a) || tconn(&b, &a, &tconf_b) ||
	    ike_engine_initiate(a.e, "gw", NULL) <= 0)
		goto out;
	tpump(&a, &b);
	while (pos + 7 <= size) {
		size_t len = (size_t)(data[pos] & 0x7f) << 8 | data[pos + 1];
		bool corrupt = data[pos] & 0x80;
		uint8_t flags = data[pos + 2], first = data[pos + 6];
		uint16_t number = data[pos + 3],
			 total = (uint16_t)(data[pos + 4] << 8 | data[pos + 5]);
		uint8_t iv[IKE_SK_IV_MAX_LEN] = { 0 };
		struct ike_sk_cipher c;
		struct ike_sk_layout lay;
		struct ike_builder bld;
		struct ike_writer w;
		struct ike_hdr h;
		uint8_t *p;

		pos += 7;
		if (len > size - pos)
			len = size - pos;
		sa = ike_sa_by_id(a.e, 1);
		sb = ike_sa_by_id(b.e, 1);
		if (!sa || !sb || !sa->keys_valid)
			break;
		ike_sk_cipher_from_keys(&c, &sa->keys, true);
		ike_sa_hdr(sa, &h, flags & 2 ? IKE_CREATE_CHILD_SA : IKE_INFORMATIONAL, false,
			   sb->msgid_peer - (flags & 1));
		ike_writer_init(&w);
		ike_build_begin(&bld, &w, &h);
		ike_add_skf(&bld, number == 1 ? first : IKE_PL_NONE, number, total,
			    ike_sk_iv_len(&c), ike_sk_ct_len(&c, len), ike_sk_icv_len(&c), &lay);
		if (!ike_build_end(&bld) && (p = ike_writer_span(&w, lay.ct_off, len))) {
			memcpy(p, data + pos, len);
			iv[0] = (uint8_t)pos;
			iv[1] = (uint8_t)(pos >> 8);
			if (!ike_sk_seal(&c, w.buf, w.len, lay.iv_off, len, iv)) {
				if (corrupt)
					w.buf[w.len - 1] ^= 1;
				ike_engine_input(b.e, w.buf, w.len, &b.addr, &a.addr);
			}
		}
		ike_writer_free(&w);
		tq_clear(&b);
		pos += len;
		if (flags & 0x80) {
			/* time passes: the reassembly timeout */
			tclock += IKE_FRAG_TIMEOUT_MS;
			ike_engine_run_timers(b.e);
		}
	}
out:
	tpeer_free(&a);
	tpeer_free(&b);
}

/*
 * Mode 16 (first octet & 16) is IKE_AUTH with certificates: A and B hold
 * the fixed PKI of tests/fuzz/fuzz_pki.h and authenticate with it both
 * ways; after IKE_SA_INIT, A's own IKE_AUTH request is dropped and each
 * record (2-octet length, first payload type, plaintext: IDi, CERT,
 * CERTREQ, AUTH...) becomes an IKE_AUTH request A protects and B answers
 * (its answer, CERT and signature included, goes back to A). Seeds: the
 * cert-* files, written by this program (replay build) run with
 * CONDUIT_FUZZ_CERT_SEEDS=DIR.
 */
static int64_t fuzz_wall(void *ctx)
{
	(void)ctx;
	return FUZZ_PKI_WALL_TIME;
}

static struct ike_creds *fuzz_creds(void)
{
	struct ike_creds *cs = ike_creds_new();
	const char *err;

	if (!cs ||
	    ike_creds_add_cert(cs, IKE_CERT_KIND_CA, (const uint8_t *)fuzz_pki_root,
			       sizeof(fuzz_pki_root) - 1, "root", &err) ||
	    ike_creds_add_cert(cs, IKE_CERT_KIND_EE, (const uint8_t *)fuzz_pki_ee,
			       sizeof(fuzz_pki_ee) - 1, "ee", &err) ||
	    ike_creds_add_key(cs, (const uint8_t *)fuzz_pki_ee_key, sizeof(fuzz_pki_ee_key) - 1,
			      NULL, "ee.key", &err) ||
	    ike_creds_finish(cs, FUZZ_PKI_WALL_TIME, NULL, NULL) != 0) {
		ike_creds_unref(cs);
		return NULL;
	}
	return cs;
}

static int cert_conn(struct tpeer *p, const struct tpeer *peer, const struct tconf *tc)
{
	struct ike_child_cfg child;
	struct ike_conn_cfg cfg;

	memset(&child, 0, sizeof(child));
	snprintf(child.name, sizeof(child.name), "%s", "net");
	child.local_ts = tc->local_ts;
	child.remote_ts = tc->remote_ts;
	child.esp_proposals = tc->esp;
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.name, sizeof(cfg.name), "%s", "gw");
	cfg.local = p->addr;
	cfg.remote = peer->addr;
	cfg.proposals = tc->proposals;
	cfg.local_auth.method = IKE_AUTH_PUBKEY;
	cfg.remote_auth.method = IKE_AUTH_PUBKEY;
	cfg.n_children = 1;
	cfg.children = &child;
	return ike_engine_add_conn(p->e, &cfg, NULL);
}

static bool cert_setup(struct tpeer *a, struct tpeer *b)
{
	struct ike_creds *cs = fuzz_creds();
	struct tpkt k;

	tclock = TCLOCK_START;
	twall_time = fuzz_wall;
	tpeer_init(a, "A", TIP_A, TSEED_A, NULL);
	tpeer_init(b, "B", TIP_B, TSEED_B, NULL);
	twall_time = NULL;
	if (!cs || !a->e || !b->e) {
		ike_creds_unref(cs);
		return false;
	}
	ike_engine_set_creds(a->e, cs);
	ike_engine_set_creds(b->e, cs);
	ike_creds_unref(cs);
	if (cert_conn(a, b, &tconf_a) || cert_conn(b, a, &tconf_b) ||
	    ike_engine_initiate(a->e, "gw", NULL) <= 0)
		return false;
	/* IKE_SA_INIT both ways; A's IKE_AUTH stays unsent */
	if (!tq_pop(a, &k))
		return false;
	ike_engine_input(b->e, k.data, k.len, &k.dst, &k.src);
	free(k.data);
	if (!tq_pop(b, &k))
		return false;
	ike_engine_input(a->e, k.data, k.len, &k.dst, &k.src);
	free(k.data);
	tq_clear(a);
	return true;
}

/* A sends plain (inner payloads, the first of type first) as its IKE_AUTH
 * request (message ID 1 again); B answers, A reads the answer. */
static void cert_send(struct tpeer *a, struct tpeer *b, uint8_t first, const uint8_t *plain,
		      size_t len)
{
	struct ike_sa *sa = ike_sa_by_id(a->e, 1);
	struct ike_writer w;

	if (!sa || sa->state != IKE_S_AUTH_SENT)
		return;
	ike_timer_disarm(a->e, &sa->t_rtx);
	sa->req_kind = IKE_REQ_NONE;
	ike_writer_init(&w);
	ike_put_bytes(&w, plain, len);
	ike_send_protected(a->e, sa, IKE_AUTH, false, 0, &w, first, IKE_REQ_AUTH);
	ike_writer_free(&w);
	tpump(a, b);
}

static void run_cert(const uint8_t *data, size_t size)
{
	static struct tpeer a, b;
	size_t pos = 1;

	if (!cert_setup(&a, &b))
		goto out;
	while (pos + 3 <= size) {
		size_t len = (size_t)(data[pos] & 0x7f) << 8 | data[pos + 1];
		uint8_t first = data[pos + 2];

		pos += 3;
		if (len > size - pos)
			len = size - pos;
		cert_send(&a, &b, first, data + pos, len);
		pos += len;
	}
out:
	tpeer_free(&a);
	tpeer_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tpeer p;

	if (size && (data[0] & 16)) {
		run_cert(data, size);
		return 0;
	}

	if (size && (data[0] & 4)) {
		run_frags(data, size);
		return 0;
	}
	if (size && (data[0] & 2)) {
		run_inner(data, size);
		return 0;
	}
	tfuzz_run(&p, data, size);
	tpeer_free(&p);
	return 0;
}

#ifdef FUZZ_REPLAY_MAIN
#include "tests/fuzz/replay.h"

/* The cert-* seeds: IKE_AUTH requests A could send, signed for real. */
enum seed_kind { SEED_VALID, SEED_CLASSIC, SEED_CERTREQS, SEED_BAD_DER, SEED_BAD_SIG, SEED_N };
static const char *const seed_names[SEED_N] = { "cert-valid", "cert-classic", "cert-certreqs",
						"cert-bad-der", "cert-bad-sig" };

static int write_seed(const char *dir, enum seed_kind kind)
{
	static struct tpeer a, b;
	uint8_t body[4 + IKE_ID_MAX_LEN], method = 0, first = 0, hdr[3];
	const struct ike_cert *own;
	const uint8_t *dn, *der, *ids;
	uint8_t *octets = NULL;
	size_t dn_len, der_len, ids_len = 0, octets_len = 0;
	struct ike_writer w, sig;
	struct ike_builder bld;
	struct ike_sa *sa;
	char path[512];
	FILE *f;
	int rc = -1;

	ike_writer_init(&w);
	ike_writer_init(&sig);
	if (!cert_setup(&a, &b) || !(sa = ike_sa_by_id(a.e, 1)) || !(own = ike_auth_own_cert(sa)))
		goto out;
	dn = ike_cert_subject_der(own, &dn_len);
	der = ike_cert_der(own, &der_len);
	ids = ike_creds_certreq(sa->ho->creds, &ids_len);
	body[0] = IKE_ID_DER_ASN1_DN;
	body[1] = body[2] = body[3] = 0;
	memcpy(body + 4, dn, dn_len);
	if (ike_auth_octets(sa, true, body, 4 + dn_len, &octets, &octets_len) ||
	    ike_sig_sign(ike_creds_key(sa->ho->creds, own),
			 kind == SEED_CLASSIC ? IKE_SIG_ECDSA_256_CLASSIC : IKE_SIG_ECDSA_SHA256,
			 octets, octets_len, &method, &sig, NULL) ||
	    sig.err)
		goto out;
	if (kind == SEED_BAD_SIG)
		sig.buf[sig.len - 1] ^= 1;
	ike_build_begin_inner(&bld, &w);
	ike_add_id(&bld, IKE_PL_IDI, IKE_ID_DER_ASN1_DN, dn, dn_len);
	if (kind == SEED_BAD_DER) {
		ike_add_cert(&bld, IKE_PL_CERT, IKE_CERT_X509_SIGNATURE, der, der_len / 2);
		ike_add_cert(&bld, IKE_PL_CERT, 12, "http://x/", 9); /* hash and URL */
	} else if (kind != SEED_CERTREQS) {
		ike_add_cert(&bld, IKE_PL_CERT, IKE_CERT_X509_SIGNATURE, der, der_len);
	}
	ike_add_cert(&bld, IKE_PL_CERTREQ, IKE_CERT_X509_SIGNATURE, ids, ids_len);
	if (kind == SEED_CERTREQS) {
		ike_add_cert(&bld, IKE_PL_CERTREQ, IKE_CERT_X509_SIGNATURE, ids, ids_len - 3);
		ike_add_cert(&bld, IKE_PL_CERTREQ, 12, ids, ids_len);
	}
	ike_add_auth(&bld, method, sig.buf, sig.len);
	ike_child_req_add(&bld, sa, &sa->ho->child, NULL, 0, NULL);
	if (ike_build_end_inner(&bld, &first) || w.len > 0x7fff)
		goto out;
	snprintf(path, sizeof(path), "%s/%s", dir, seed_names[kind]);
	f = fopen(path, "wb");
	if (!f)
		goto out;
	hdr[0] = (uint8_t)(w.len >> 8);
	hdr[1] = (uint8_t)w.len;
	hdr[2] = first;
	rc = fputc(16, f) == EOF || fwrite(hdr, 1, 3, f) != 3 ||
			 fwrite(w.buf, 1, w.len, f) != w.len
		     ? -1
		     : 0;
	if (fclose(f))
		rc = -1;
out:
	free(octets);
	ike_writer_free(&w);
	ike_writer_free(&sig);
	tpeer_free(&a);
	tpeer_free(&b);
	if (rc)
		fprintf(stderr, "cannot write seed %s\n", seed_names[kind]);
	return rc;
}

int main(int argc, char **argv)
{
	const char *seeds = getenv("CONDUIT_FUZZ_CERT_SEEDS");

	tverbose = getenv("CONDUIT_TEST_VERBOSE") != NULL;
	if (seeds) {
		int rc = 0;

		for (int k = 0; k < SEED_N; k++)
			rc |= write_seed(seeds, (enum seed_kind)k);
		return rc ? 1 : 0;
	}
	return replay_main("engine", argc, argv);
}
#endif
