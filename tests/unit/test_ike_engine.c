// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Two engines negotiating in memory: IKE_SA_INIT, IKE_AUTH with PSK and the
 * first CHILD_SA, failures, retransmissions, Delete, hostile input.
 * CONDUIT_TEST_VERBOSE=1 prints the logs; CONDUIT_DUMP_CORPUS=DIR writes
 * every delivered datagram of the first test there (fuzz corpus seeds).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/ike.h"
#include "ike/wire.h"
#include "tests/unit/test_ike_engine_env.h"
#include "tests/unit/unit.h"

static struct tpeer A, B; /* A initiates, B responds */

static void setup(void)
{
	tverbose = getenv("CONDUIT_TEST_VERBOSE") != NULL;
	tclock = TCLOCK_START;
	tpeer_init(&A, "A", TIP_A, TSEED_A, NULL);
	tpeer_init(&B, "B", TIP_B, TSEED_B, NULL);
	ck_assert_ptr_nonnull(A.e);
	ck_assert_ptr_nonnull(B.e);
}

static void teardown(void)
{
	tpeer_free(&A);
	tpeer_free(&B);
}

#define conf_a tconf_a
#define conf_b tconf_b

static void connect_ab(const struct tconf *ca, const struct tconf *cb)
{
	ck_assert_int_eq(tconn(&A, &B, ca), 0);
	ck_assert_int_eq(tconn(&B, &A, cb), 0);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	tpump(&A, &B);
}

static bool warn_and_up(void *ctx, enum ike_log_level level)
{
	(void)ctx;
	return level <= IKE_LOG_WARN;
}

/* An environment that logs warnings only gets no info line from the
 * engine (nor has it formatted one), and the tunnel comes up the same. */
START_TEST(test_log_enabled)
{
	teardown();
	tlog_enabled = warn_and_up;
	setup();
	tlog_enabled = NULL;
	connect_ab(&conf_a, &conf_b);
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_CHILD_UP));
	ck_assert_ptr_nonnull(tfind_event(&B, IKE_EV_CHILD_UP));
	ck_assert_uint_eq(A.n_log_info, 0);
	ck_assert_uint_eq(B.n_log_info, 0);
	ck_assert_uint_eq(A.logs_len, 0);
}
END_TEST

static bool ts_eq(const struct ike_ts *a, const struct ike_ts *b)
{
	return a->type == b->type && a->ip_proto == b->ip_proto && a->start_port == b->start_port &&
	       a->end_port == b->end_port && !memcmp(a->start_addr, b->start_addr, 16) &&
	       !memcmp(a->end_addr, b->end_addr, 16);
}

/* The two halves of one CHILD_SA mirror each other. */
static void check_child_pair(const struct ike_child_install *i, const struct ike_child_install *r)
{
	ck_assert_uint_eq(i->out.spi, r->in.spi);
	ck_assert_uint_eq(i->in.spi, r->out.spi);
	ck_assert_uint_ne(i->in.spi, 0);
	ck_assert_uint_ne(i->out.spi, 0);
	ck_assert_uint_ne(i->in.spi, i->out.spi);
	ck_assert_uint_gt(i->out.enc_key_len + i->out.integ_key_len, 0);
	ck_assert_uint_eq(i->out.enc_key_len, r->in.enc_key_len);
	ck_assert_uint_eq(i->in.enc_key_len, r->out.enc_key_len);
	ck_assert_mem_eq(i->out.enc_key, r->in.enc_key, i->out.enc_key_len);
	ck_assert_mem_eq(i->in.enc_key, r->out.enc_key, i->in.enc_key_len);
	/* Each direction has its own key (NULL encryption has none). */
	if (i->in.enc_key_len)
		ck_assert(memcmp(i->in.enc_key, i->out.enc_key, i->in.enc_key_len) != 0);
	else
		ck_assert(memcmp(i->in.integ_key, i->out.integ_key, i->in.integ_key_len) != 0);
	ck_assert_uint_eq(i->out.integ_key_len, r->in.integ_key_len);
	ck_assert_mem_eq(i->out.integ_key, r->in.integ_key, i->out.integ_key_len);
	ck_assert_mem_eq(i->in.integ_key, r->out.integ_key, i->in.integ_key_len);
	/* the same algorithms, with keys of the table's lengths */
	ck_assert_ptr_nonnull(ike_alg_get(i->encr));
	ck_assert_int_eq(i->encr, r->encr);
	ck_assert_int_eq(i->integ, r->integ);
	ck_assert_int_eq(i->esn, r->esn);
	ck_assert_uint_eq(i->out.enc_key_len, ike_alg_get(i->encr)->keymat);
	if (ike_alg_get(i->encr)->flags & IKE_ALG_AEAD)
		ck_assert_int_eq(i->integ, IKE_ALG_NONE);
	else
		ck_assert_uint_eq(i->out.integ_key_len, ike_alg_get(i->integ)->keymat);
	ck_assert_int_eq(i->mode, r->mode);
	ck_assert_uint_eq(i->n_local_ts, r->n_remote_ts);
	ck_assert_uint_eq(i->n_remote_ts, r->n_local_ts);
	for (size_t k = 0; k < i->n_local_ts; k++)
		ck_assert(ts_eq(&i->local_ts[k], &r->remote_ts[k]));
	for (size_t k = 0; k < i->n_remote_ts; k++)
		ck_assert(ts_eq(&i->remote_ts[k], &r->local_ts[k]));
	/* Addresses: each side's out goes to the other. */
	ck_assert_mem_eq(i->out.dst.ip, r->in.dst.ip, 16);
	ck_assert_mem_eq(i->out.src.ip, r->in.src.ip, 16);
}

static void check_up(void)
{
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_IKE_UP));
	ck_assert_ptr_nonnull(tfind_event(&B, IKE_EV_IKE_UP));
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_CHILD_UP));
	ck_assert_ptr_nonnull(tfind_event(&B, IKE_EV_CHILD_UP));
	ck_assert_ptr_null(tfind_event(&A, IKE_EV_FAILED));
	ck_assert_ptr_null(tfind_event(&B, IKE_EV_FAILED));
	ck_assert_uint_eq(A.n_inst, 1);
	ck_assert_uint_eq(B.n_inst, 1);
	check_child_pair(&A.inst[0], &B.inst[0]);
}

/* ---- the matrix: group x IKE proposal ---- */

static const struct {
	const char *ike, *esp;
	enum ike_alg encr, integ;
	bool esn;
} suites[] = {
	{ "aes256gcm16-prfsha256", "aes256gcm16", IKE_ALG_AES256_GCM_16, IKE_ALG_NONE, false },
	{ "chacha20poly1305-prfsha256", "chacha20poly1305", IKE_ALG_CHACHA20_POLY1305, IKE_ALG_NONE,
	  false },
	{ "aes256-sha256", "aes256-sha256", IKE_ALG_AES256_CBC, IKE_ALG_HMAC_SHA2_256_128, false },
	/* the algorithms the table brought: IKE with fixed-key PRFs, AES-CTR
	 * and AES-CCM; ESP with the same and ESN */
	{ "aes128ctr-aesxcbc", "aes128ccm16-esn", IKE_ALG_AES128_CCM_16, IKE_ALG_NONE, true },
	{ "aes192ccm12-prfaescmac", "aes256ctr-aescmac-esn", IKE_ALG_AES256_CTR,
	  IKE_ALG_AES_CMAC_96, true },
	{ "3des-md5", "null-sha1", IKE_ALG_ENCR_NULL, IKE_ALG_HMAC_SHA1_96, false },
};

static const struct {
	const char *kw;
	uint16_t id;
} groups[] = { { "modp2048", 14 }, { "ecp256", 19 }, { "x25519", 31 } };

START_TEST(test_matrix)
{
	int s = _i / 3, g = _i % 3;
	char ike[128];
	struct tconf ca = conf_a, cb = conf_b;

	snprintf(ike, sizeof(ike), "%s-%s", suites[s].ike, groups[g].kw);
	ca.proposals = cb.proposals = ike;
	ca.esp = cb.esp = suites[s].esp;
	connect_ab(&ca, &cb);
	check_up();
	ck_assert_int_eq(A.inst[0].encr, suites[s].encr);
	ck_assert_int_eq(A.inst[0].integ, suites[s].integ);
	ck_assert_int_eq(A.inst[0].esn, suites[s].esn);
	ck_assert_int_eq(A.inst[0].mode, IKE_MODE_TUNNEL);
	/* 2 exchanges, nothing retransmitted */
	ck_assert_uint_eq(A.n_sent, 2);
	ck_assert_uint_eq(B.n_sent, 2);
	/* The responder's half-open timer was cancelled: what is left is the
	 * child's rekey_time (3600 s, rand_time 0), nothing earlier. */
	ck_assert_uint_eq(A.wake, tclock + 3600 * 1000);
	ck_assert_uint_eq(B.wake, tclock + 3600 * 1000);
}
END_TEST

/* "default" (strongSwan's keyword) must only offer what conduit can use:
 * both ends configured with it negotiate, and the ESP algorithms chosen
 * are among those the kernel interface installs. */
START_TEST(test_default_proposals)
{
	struct tconf ca = conf_a, cb = conf_b;

	ca.proposals = cb.proposals = "default";
	ca.esp = cb.esp = "default";
	connect_ab(&ca, &cb);
	check_up();
	ck_assert(ike_alg_get(A.inst[0].encr)->flags & IKE_ALG_ESP);
	ck_assert_int_eq(A.inst[0].encr, IKE_ALG_AES128_CBC);
	ck_assert_int_eq(A.inst[0].integ, IKE_ALG_HMAC_SHA2_256_128);
}
END_TEST

static int count_sa(void *arg, const struct ike_sa_info *info)
{
	int *n = arg;

	if (info->state == IKE_STATE_ESTABLISHED && info->n_children == 1)
		(*n)++;
	return 0;
}

START_TEST(test_listing_and_transport)
{
	struct tconf ca = conf_a, cb = conf_b;
	int n = 0;

	ca.mode = cb.mode = IKE_MODE_TRANSPORT;
	ca.local_ts = ca.remote_ts = cb.local_ts = cb.remote_ts = NULL; /* dynamic */
	ca.local_id = "a.example";
	cb.remote_id = "a.example";
	connect_ab(&ca, &cb);
	check_up();
	ck_assert_int_eq(A.inst[0].mode, IKE_MODE_TRANSPORT);
	/* dynamic: the peers' own addresses */
	ck_assert_uint_eq(A.inst[0].n_local_ts, 1);
	ck_assert_mem_eq(A.inst[0].local_ts[0].start_addr, A.addr.ip, 4);
	ck_assert_mem_eq(A.inst[0].local_ts[0].end_addr, A.addr.ip, 4);
	ck_assert_mem_eq(A.inst[0].remote_ts[0].start_addr, B.addr.ip, 4);
	ike_engine_foreach_sa(A.e, count_sa, &n);
	ike_engine_foreach_sa(B.e, count_sa, &n);
	ck_assert_int_eq(n, 2);
}
END_TEST

/* An identity longer than 255 octets (a certificate's DN can be) is sent,
 * matched and kept whole as the peer's identity. */
static int peer_id_of(void *arg, const struct ike_sa_info *info)
{
	snprintf(arg, 640, "%s", info->remote_id);
	return 0;
}

START_TEST(test_long_identity)
{
	struct tconf ca = conf_a, cb = conf_b;
	char id[400 + 1], seen[640];

	memset(id, 'a', sizeof(id) - 1);
	memcpy(id + sizeof(id) - 9, ".example", 9);
	ca.local_id = id;
	cb.remote_id = id;
	connect_ab(&ca, &cb);
	check_up();
	seen[0] = 0;
	ike_engine_foreach_sa(B.e, peer_id_of, seen);
	ck_assert_str_eq(seen, id);
}
END_TEST

/* remote_id patterns with strongSwan's wildcards, both roles. */
START_TEST(test_remote_id_wildcard)
{
	struct tconf ca = conf_a, cb = conf_b;

	ca.local_id = "gw-a.Example";
	cb.local_id = "gw-b.example";
	ca.remote_id = "*.example";
	cb.remote_id = "*.example";
	connect_ab(&ca, &cb);
	check_up();
}
END_TEST

/* The key for a wildcard remote_id, as initiator, is looked up as for
 * %any (the environment sees no remote identity), as strongSwan does. */
static int wild_lookups;

static int wild_lookup(void *ctx, const char *conn, const struct ike_id *local,
		       const struct ike_id *remote, uint8_t *key, size_t max, size_t *len)
{
	const char *k = tconf_a.psk;

	(void)ctx;
	(void)conn;
	(void)local;
	wild_lookups++;
	if (remote && remote->len && remote->data[0] == '*')
		return -ENOKEY;
	if (strlen(k) > max)
		return -ENOBUFS;
	memcpy(key, k, strlen(k));
	*len = strlen(k);
	return 0;
}

START_TEST(test_remote_id_wildcard_psk_lookup)
{
	struct tconf ca = conf_a, cb = conf_b;

	tpeer_free(&A);
	tpsk_lookup = wild_lookup;
	tpeer_init(&A, "A", TIP_A, TSEED_A, NULL);
	tpsk_lookup = NULL;
	ca.local_id = "gw-a.example";
	ca.remote_id = "*.example";
	cb.local_id = "gw-b.example";
	connect_ab(&ca, &cb);
	check_up();
	ck_assert_int_ge(wild_lookups, 2);
}
END_TEST

/* An exact remote_id matches without letter case (strongSwan's rule),
 * through the connection index too. */
START_TEST(test_remote_id_case)
{
	struct tconf ca = conf_a, cb = conf_b;

	ca.local_id = "gw-a.example";
	cb.remote_id = "GW-A.Example";
	connect_ab(&ca, &cb);
	check_up();
}
END_TEST

START_TEST(test_remote_id_wildcard_refused)
{
	struct tconf ca = conf_a, cb = conf_b;
	const struct tevent *ev;

	ca.local_id = "gw-a.example";
	cb.remote_id = "*.example.org";
	connect_ab(&ca, &cb);
	ev = tfind_event(&A, IKE_EV_FAILED);
	ck_assert_ptr_nonnull(ev);
	ck_assert_uint_eq(ev->notify, IKE_N_AUTHENTICATION_FAILED);
	ck_assert_uint_eq(A.n_inst + B.n_inst, 0);
}
END_TEST

START_TEST(test_transport_refused)
{
	struct tconf ca = conf_a;

	ca.mode = IKE_MODE_TRANSPORT;
	connect_ab(&ca, &conf_b);
	/* B answered in tunnel mode; A refuses it and deletes B's half. */
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_IKE_UP));
	ck_assert_uint_eq(A.n_inst, 0);
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_FAILED));
	ck_assert_uint_eq(B.n_inst, 1);
	ck_assert_uint_eq(B.n_del, 1);
	ck_assert_uint_eq(B.del[0], B.inst[0].child_id);
}
END_TEST

/* ---- failures ---- */

START_TEST(test_wrong_psk)
{
	struct tconf cb = conf_b;
	const struct tevent *ev;

	cb.psk = "another secret entirely";
	connect_ab(&conf_a, &cb);
	ev = tfind_event(&A, IKE_EV_FAILED);
	ck_assert_ptr_nonnull(ev);
	ck_assert_uint_eq(ev->notify, IKE_N_AUTHENTICATION_FAILED);
	ev = tfind_event(&B, IKE_EV_FAILED);
	ck_assert_ptr_nonnull(ev);
	ck_assert_uint_eq(ev->notify, IKE_N_AUTHENTICATION_FAILED);
	ck_assert_uint_eq(A.n_inst, 0);
	ck_assert_uint_eq(B.n_inst, 0);
	ck_assert_ptr_null(tfind_event(&A, IKE_EV_IKE_UP));
	ck_assert_ptr_null(tfind_event(&B, IKE_EV_IKE_UP));
	/* nothing left behind: no SA, no timer */
	ck_assert_int_eq(ike_engine_terminate(A.e, "gw", 0), -ENOENT);
	ck_assert_int_eq(ike_engine_terminate(B.e, "gw", 0), -ENOENT);
	ck_assert_uint_eq(A.wake, UINT64_MAX);
	ck_assert_uint_eq(B.wake, UINT64_MAX);
}
END_TEST

START_TEST(test_responder_auth_fails_at_initiator)
{
	struct tconf ca = conf_a, cb = conf_b;
	const struct tevent *ev;

	/* B is authenticated by its address but A insists on a name. */
	ca.remote_id = "b.example";
	connect_ab(&ca, &cb);
	ev = tfind_event(&A, IKE_EV_FAILED);
	ck_assert_ptr_nonnull(ev);
	ck_assert_uint_eq(ev->notify, IKE_N_AUTHENTICATION_FAILED);
	ck_assert_uint_eq(A.n_inst, 0);
	/* B had installed; A's INFORMATIONAL made it take everything down. */
	ck_assert_uint_eq(B.n_inst, 1);
	ck_assert_uint_eq(B.n_del, 1);
	ck_assert_ptr_nonnull(tfind_event(&B, IKE_EV_IKE_DOWN));
	ck_assert_int_eq(ike_engine_terminate(B.e, "gw", 0), -ENOENT);
}
END_TEST

START_TEST(test_remote_id_mismatch_at_responder)
{
	struct tconf cb = conf_b;
	const struct tevent *ev;

	cb.remote_id = "someone.else";
	connect_ab(&conf_a, &cb);
	ev = tfind_event(&A, IKE_EV_FAILED);
	ck_assert_ptr_nonnull(ev);
	ck_assert_uint_eq(ev->notify, IKE_N_AUTHENTICATION_FAILED);
	ck_assert_uint_eq(A.n_inst + B.n_inst, 0);
}
END_TEST

START_TEST(test_no_proposal)
{
	struct tconf ca = conf_a;
	const struct tevent *ev;

	ca.proposals = "aes128-sha256-modp2048";
	connect_ab(&ca, &conf_b);
	ev = tfind_event(&A, IKE_EV_FAILED);
	ck_assert_ptr_nonnull(ev);
	ck_assert_uint_eq(ev->notify, IKE_N_NO_PROPOSAL_CHOSEN);
	/* The responder kept no state at all. */
	ck_assert_uint_eq(B.n_ev, 0);
	ck_assert_uint_eq(B.wake, UINT64_MAX);
	ck_assert_uint_eq(A.n_sent, 1);
	ck_assert_uint_eq(B.n_sent, 1);
}
END_TEST

START_TEST(test_no_esp_proposal)
{
	struct tconf ca = conf_a;
	const struct tevent *ev;

	ca.esp = "aes128-sha256";
	connect_ab(&ca, &conf_b);
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_IKE_UP));
	ev = tfind_event(&A, IKE_EV_FAILED);
	ck_assert_ptr_nonnull(ev);
	ck_assert_uint_eq(ev->notify, IKE_N_NO_PROPOSAL_CHOSEN);
	ck_assert_uint_eq(A.n_inst + B.n_inst, 0);
}
END_TEST

START_TEST(test_invalid_ke)
{
	struct tconf ca = conf_a, cb = conf_b;

	/* A prefers ECP-256, B only takes Curve25519. */
	ca.proposals = "aes256gcm16-prfsha256-ecp256-x25519";
	cb.proposals = "aes256gcm16-prfsha256-x25519";
	connect_ab(&ca, &cb);
	check_up();
	/* INIT, INIT again with the other group, AUTH */
	ck_assert_uint_eq(A.n_sent, 3);
	ck_assert_uint_eq(B.n_sent, 3);
}
END_TEST

START_TEST(test_ts_unacceptable)
{
	struct tconf cb = conf_b;
	const struct tevent *ev;

	cb.local_ts = "10.3.0.0/24";
	connect_ab(&conf_a, &cb);
	/* The IKE SA stands; only the CHILD_SA failed. */
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_IKE_UP));
	ck_assert_ptr_nonnull(tfind_event(&B, IKE_EV_IKE_UP));
	ev = tfind_event(&A, IKE_EV_FAILED);
	ck_assert_ptr_nonnull(ev);
	ck_assert_uint_eq(ev->notify, IKE_N_TS_UNACCEPTABLE);
	ck_assert_uint_eq(A.n_inst + B.n_inst, 0);
}
END_TEST

START_TEST(test_narrowing)
{
	struct tconf cb = conf_b;

	/* B allows only part of what A asks for. */
	cb.remote_ts = "10.1.0.0/25";
	connect_ab(&conf_a, &cb);
	check_up();
	ck_assert_uint_eq(A.inst[0].local_ts[0].end_addr[3], 127);
}
END_TEST

START_TEST(test_install_fails)
{
	B.fail_install = -EPERM;
	connect_ab(&conf_a, &conf_b);
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_IKE_UP));
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_FAILED));
	ck_assert_uint_eq(A.n_inst + B.n_inst, 0);
}
END_TEST

/* ---- retransmissions ---- */

struct drop_spec {
	const struct tpeer *from;
	size_t nth;   /* drop the nth datagram from `from` */
	size_t times; /* how many retransmissions of it to drop too */
	size_t dropped;
	uint8_t *kept; /* copy of the first delivered response, for byte compare */
	size_t kept_len;
};

static bool drop_filter(const struct tpeer *from, const struct tpkt *k, size_t n, void *arg)
{
	struct drop_spec *d = arg;

	(void)k;
	if (from == d->from && n >= d->nth && d->dropped <= d->times && n < d->nth + d->times + 1) {
		d->dropped++;
		return false;
	}
	return true;
}

START_TEST(test_drop_init_request)
{
	struct drop_spec d = { .from = &A, .nth = 0, .times = 1 };
	uint64_t t0 = tclock;

	ck_assert_int_eq(tconn(&A, &B, &conf_a), 0);
	ck_assert_int_eq(tconn(&B, &A, &conf_b), 0);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	/* The first request and its first retransmission are lost. */
	tpump_f(&A, &B, drop_filter, &d);
	ck_assert_uint_eq(A.wake, t0 + 1000);
	tadvance(&A, &B);
	tpump_f(&A, &B, drop_filter, &d);
	ck_assert_uint_eq(A.wake, t0 + 1000 + 2000);
	tadvance(&A, &B);
	tpump_f(&A, &B, drop_filter, &d);
	ck_assert_uint_eq(d.dropped, 2);
	check_up();
	ck_assert_uint_eq(A.n_sent, 4); /* INIT x3, AUTH */
}
END_TEST

START_TEST(test_drop_auth_response)
{
	/* B's second datagram (the IKE_AUTH response) is lost once: A
	 * retransmits its request and B resends its cached answer. */
	struct drop_spec d = { .from = &B, .nth = 1, .times = 0 };

	ck_assert_int_eq(tconn(&A, &B, &conf_a), 0);
	ck_assert_int_eq(tconn(&B, &A, &conf_b), 0);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	tpump_f(&A, &B, drop_filter, &d);
	ck_assert_ptr_null(tfind_event(&A, IKE_EV_IKE_UP));
	ck_assert_ptr_nonnull(tfind_event(&B, IKE_EV_IKE_UP));
	ck_assert_uint_eq(B.n_inst, 1);
	tadvance(&A, &B);
	tpump_f(&A, &B, drop_filter, &d);
	check_up();
	ck_assert_uint_eq(B.n_inst, 1); /* installed once, not twice */
	ck_assert_uint_eq(B.n_sent, 3);
}
END_TEST

START_TEST(test_replayed_request)
{
	struct tpkt init_req, auth_req, k;
	uint8_t *init_resp, *auth_resp;
	size_t init_resp_len, auth_resp_len;

	ck_assert_int_eq(tconn(&A, &B, &conf_a), 0);
	ck_assert_int_eq(tconn(&B, &A, &conf_b), 0);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);

	/* IKE_SA_INIT: deliver, then replay while half-open */
	ck_assert(tq_pop(&A, &init_req));
	ike_engine_input(B.e, init_req.data, init_req.len, &init_req.dst, &init_req.src);
	ck_assert_uint_eq(B.n_q, 1);
	init_resp = malloc(B.q[0].len);
	init_resp_len = B.q[0].len;
	memcpy(init_resp, B.q[0].data, init_resp_len);
	ike_engine_input(B.e, init_req.data, init_req.len, &init_req.dst, &init_req.src);
	ck_assert_uint_eq(B.n_q, 2);
	ck_assert_uint_eq(B.q[1].len, init_resp_len);
	ck_assert_mem_eq(B.q[1].data, init_resp, init_resp_len);
	tq_pop(&B, &k);
	ike_engine_input(A.e, k.data, k.len, &k.dst, &k.src);
	free(k.data);
	tq_clear(&B);

	/* IKE_AUTH: deliver, then replay once established */
	ck_assert(tq_pop(&A, &auth_req));
	ike_engine_input(B.e, auth_req.data, auth_req.len, &auth_req.dst, &auth_req.src);
	ck_assert_uint_eq(B.n_q, 1);
	auth_resp_len = B.q[0].len;
	auth_resp = malloc(auth_resp_len);
	memcpy(auth_resp, B.q[0].data, auth_resp_len);
	ike_engine_input(B.e, auth_req.data, auth_req.len, &auth_req.dst, &auth_req.src);
	ck_assert_uint_eq(B.n_q, 2);
	ck_assert_uint_eq(B.q[1].len, auth_resp_len);
	ck_assert_mem_eq(B.q[1].data, auth_resp, auth_resp_len);
	ck_assert_uint_eq(B.n_inst, 1);
	ck_assert_uint_eq(tcount_events(&B, IKE_EV_IKE_UP), 1);
	tpump(&A, &B);
	check_up();

	/* After one more exchange, the IKE_AUTH request's message ID is
	 * neither the next one nor the last one: dropped, no answer, no
	 * second IKE_UP (RFC 7296 2.3). */
	ike_engine_child_expired(A.e, A.inst[0].reqid, 0, true);
	tpump(&A, &B);
	ck_assert_uint_eq(B.n_del, 1);
	ike_engine_input(B.e, auth_req.data, auth_req.len, &auth_req.dst, &auth_req.src);
	ck_assert_uint_eq(B.n_q, 0);
	ck_assert_uint_eq(tcount_events(&B, IKE_EV_IKE_UP), 1);
	ck_assert_uint_eq(B.n_inst, 1);
	free(init_req.data);
	free(auth_req.data);
	free(init_resp);
	free(auth_resp);
}
END_TEST

START_TEST(test_give_up)
{
	struct drop_spec d = { .from = &A, .nth = 0, .times = 100 };
	const uint64_t t0 = tclock;
	const uint64_t expect[] = { 1000, 3000, 7000, 15000, 31000, 63000 };
	const struct tevent *ev;

	ck_assert_int_eq(tconn(&A, &B, &conf_a), 0);
	ck_assert_int_eq(tconn(&B, &A, &conf_b), 0);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	for (size_t i = 0; i < 6; i++) {
		tpump_f(&A, &B, drop_filter, &d);
		ck_assert_ptr_null(tfind_event(&A, IKE_EV_FAILED));
		ck_assert_uint_eq(A.wake, t0 + expect[i]);
		tadvance(&A, &B);
	}
	tpump_f(&A, &B, drop_filter, &d);
	ck_assert_uint_eq(A.n_sent, 6); /* the request and 5 retransmissions */
	ev = tfind_event(&A, IKE_EV_FAILED);
	ck_assert_ptr_nonnull(ev);
	ck_assert_str_eq(ev->reason, "peer did not answer IKE_SA_INIT after 5 retransmissions");
	ck_assert_uint_eq(A.wake, UINT64_MAX);
	ck_assert_uint_eq(B.n_ev, 0);
}
END_TEST

START_TEST(test_half_open_expires)
{
	struct drop_spec d = { .from = &B, .nth = 0, .times = 100 };

	ck_assert_int_eq(tconn(&A, &B, &conf_a), 0);
	ck_assert_int_eq(tconn(&B, &A, &conf_b), 0);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	/* A never hears back: B's half-open SA must go away on its own */
	for (int i = 0; i < 20 && tadvance(&A, &B); i++)
		tpump_f(&A, &B, drop_filter, &d);
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_FAILED));
	ck_assert_ptr_nonnull(tfind_event(&B, IKE_EV_FAILED));
	ck_assert_int_eq(ike_engine_terminate(B.e, "gw", 0), -ENOENT);
	ck_assert_uint_eq(B.wake, UINT64_MAX);
}
END_TEST

/* ---- Delete ---- */

START_TEST(test_delete_child_from_initiator)
{
	connect_ab(&conf_a, &conf_b);
	check_up();
	ike_engine_child_expired(A.e, A.inst[0].reqid, A.inst[0].in.spi, true);
	tpump(&A, &B);
	ck_assert_uint_eq(A.n_del, 1);
	ck_assert_uint_eq(B.n_del, 1);
	ck_assert_uint_eq(A.del[0], A.inst[0].child_id);
	ck_assert_uint_eq(B.del[0], B.inst[0].child_id);
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_CHILD_DOWN));
	ck_assert_ptr_nonnull(tfind_event(&B, IKE_EV_CHILD_DOWN));
	ck_assert_ptr_null(tfind_event(&A, IKE_EV_IKE_DOWN));
	/* the IKE SA lives on and can still be deleted */
	ck_assert_int_eq(ike_engine_terminate(B.e, "gw", 0), 0);
	tpump(&A, &B);
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_IKE_DOWN));
	ck_assert_ptr_nonnull(tfind_event(&B, IKE_EV_IKE_DOWN));
	ck_assert_uint_eq(A.n_del, 1);
}
END_TEST

START_TEST(test_delete_child_from_responder)
{
	connect_ab(&conf_a, &conf_b);
	check_up();
	ike_engine_child_expired(B.e, B.inst[0].reqid, 0, true);
	tpump(&A, &B);
	ck_assert_uint_eq(A.n_del, 1);
	ck_assert_uint_eq(B.n_del, 1);
	ck_assert_ptr_null(tfind_event(&B, IKE_EV_IKE_DOWN));
}
END_TEST

START_TEST(test_delete_ike)
{
	struct ike_engine *who;

	connect_ab(&conf_a, &conf_b);
	check_up();
	who = _i ? B.e : A.e;
	ck_assert_int_eq(ike_engine_terminate(who, "gw", 0), 0);
	tpump(&A, &B);
	ck_assert_uint_eq(A.n_del, 1);
	ck_assert_uint_eq(B.n_del, 1);
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_IKE_DOWN));
	ck_assert_ptr_nonnull(tfind_event(&B, IKE_EV_IKE_DOWN));
	ck_assert_int_eq(ike_engine_terminate(A.e, "gw", 0), -ENOENT);
	ck_assert_int_eq(ike_engine_terminate(B.e, "gw", 0), -ENOENT);
	ck_assert_uint_eq(A.wake, UINT64_MAX);
	ck_assert_uint_eq(B.wake, UINT64_MAX);
}
END_TEST

START_TEST(test_delete_unanswered)
{
	struct drop_spec d = { .from = &A, .nth = 0, .times = 100 };

	connect_ab(&conf_a, &conf_b);
	check_up();
	ike_engine_terminate_all(A.e);
	for (int i = 0; i < 10 && tadvance(&A, &B); i++)
		tpump_f(&A, &B, drop_filter, &d);
	/* After the retransmissions A gives up and deletes locally. */
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_IKE_DOWN));
	ck_assert_uint_eq(A.n_del, 1);
	ck_assert_ptr_null(tfind_event(&B, IKE_EV_IKE_DOWN));
}
END_TEST

START_TEST(test_remove_conn)
{
	connect_ab(&conf_a, &conf_b);
	check_up();
	ck_assert_int_eq(ike_engine_remove_conn(A.e, "gw"), 0);
	ck_assert_int_eq(ike_engine_initiate(A.e, "gw", NULL), -ENOENT);
	tpump(&A, &B);
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_IKE_DOWN));
	ck_assert_ptr_nonnull(tfind_event(&B, IKE_EV_IKE_DOWN));
	ck_assert_int_eq(ike_engine_remove_conn(A.e, "gw"), -ENOENT);
}
END_TEST

START_TEST(test_replace_conn_keeps_sa)
{
	struct tconf ca = conf_a;

	connect_ab(&conf_a, &conf_b);
	check_up();
	ca.local_ts = "10.1.0.0/16";
	ck_assert_int_eq(tconn(&A, &B, &ca), 0);
	/* the old SA is still found under the name, and deletes cleanly */
	ck_assert_int_eq(ike_engine_terminate(A.e, "gw", 0), 0);
	tpump(&A, &B);
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_IKE_DOWN));
	ck_assert_uint_eq(A.n_del, 1);
}
END_TEST

START_TEST(test_unknown_spi)
{
	/* RFC 7296 2.21.4: a request for an SPI B does not know gets an
	 * unprotected INVALID_IKE_SPI, a response gets nothing. */
	uint8_t msg[28] = { 0 };
	struct tpkt k;

	msg[0] = 1; /* SPIi */
	msg[8] = 2; /* SPIr */
	msg[17] = 0x20;
	msg[18] = IKE_INFORMATIONAL;
	msg[19] = IKE_FLAG_INITIATOR;
	msg[27] = 28;
	ck_assert_int_eq(tconn(&B, &A, &conf_b), 0);
	ike_engine_input(B.e, msg, sizeof(msg), &B.addr, &A.addr);
	ck_assert_uint_eq(B.n_q, 1);
	ck_assert(tq_pop(&B, &k));
	ck_assert_uint_ge(k.len, 28 + 8);
	ck_assert_uint_eq(k.data[19] & IKE_FLAG_RESPONSE, IKE_FLAG_RESPONSE);
	ck_assert_mem_eq(k.data, msg, 16);
	free(k.data);
	msg[19] = IKE_FLAG_RESPONSE;
	ike_engine_input(B.e, msg, sizeof(msg), &B.addr, &A.addr);
	ck_assert_uint_eq(B.n_q, 0);
}
END_TEST

/* ---- recorded exchanges: fuzz corpus seeds ---- */

static void write_seed(const char *dir, const char *name, uint8_t mode, const struct trec *r)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	ck_assert_ptr_nonnull(f);
	fputc(mode, f);
	ck_assert_uint_eq(fwrite(r->buf, 1, r->len, f), r->len);
	fclose(f);
}

/*
 * A whole life (IKE_SA_INIT, IKE_AUTH, a child Delete, an IKE Delete, or a
 * variant given by _i) recorded per receiver, then replayed into a fresh
 * engine as the fuzz target does: the deterministic environment makes the
 * replay reach the same state, which is what makes the recordings good
 * fuzz seeds. CONDUIT_DUMP_CORPUS=DIR writes them there.
 */
START_TEST(test_record_and_replay)
{
	static struct trec to_a, to_b;
	static const char *names[] = { "life", "invalid-ke", "wrong-psk", "ts-unacceptable" };
	const char *dir = getenv("CONDUIT_DUMP_CORPUS");
	struct tconf ca = conf_a, cb = conf_b;
	struct tpeer r;
	char name[64];

	to_a.len = to_b.len = 0;
	trec_to_a = &to_a;
	trec_to_b = &to_b;
	if (_i == 1)
		ca.proposals = "aes256gcm16-prfsha256-ecp256-x25519";
	if (_i == 2)
		ca.psk = "not the same";
	if (_i == 3)
		ca.local_ts = "10.9.0.0/24";
	/* Only A is varied: replays go into engines configured as tconf_b
	 * (and, for the life, tconf_a). */
	connect_ab(&ca, &cb);
	if (_i == 0) {
		ike_engine_child_expired(A.e, A.inst[0].reqid, 0, true);
		tpump(&A, &B);
		ike_engine_terminate(B.e, "gw", 0);
		tpump(&A, &B);
	}
	trec_to_a = trec_to_b = NULL;
	ck_assert_uint_gt(to_b.len, 0);
	if (dir) {
		snprintf(name, sizeof(name), "to-responder-%s", names[_i]);
		write_seed(dir, name, 0, &to_b);
		if (_i == 0) {
			snprintf(name, sizeof(name), "to-initiator-%s", names[_i]);
			write_seed(dir, name, 1, &to_a);
		}
	}

	/* B's side replayed: the same events as B had, except at the end of
	 * the life, where B's own command to delete the IKE SA is not part
	 * of what it received. */
	memmove(to_b.buf + 1, to_b.buf, to_b.len);
	to_b.buf[0] = 0;
	tfuzz_run(&r, to_b.buf, to_b.len + 1);
	ck_assert_uint_eq(r.n_ev, _i == 0 ? 3 : B.n_ev);
	for (size_t k = 0; k < r.n_ev; k++) {
		ck_assert_int_eq(r.ev[k].type, B.ev[k].type);
		ck_assert_uint_eq(r.ev[k].notify, B.ev[k].notify);
	}
	ck_assert_uint_eq(r.n_inst, B.n_inst);
	if (r.n_inst)
		ck_assert_mem_eq(r.inst[0].in.enc_key, B.inst[0].in.enc_key,
				 B.inst[0].in.enc_key_len);
	tpeer_free(&r);
	tclock = TCLOCK_START;

	if (_i == 0) {
		/* A's side replayed: its child Delete is not in what it
		 * received, B's IKE Delete is, and takes the child along. */
		memmove(to_a.buf + 1, to_a.buf, to_a.len);
		to_a.buf[0] = 1;
		tfuzz_run(&r, to_a.buf, to_a.len + 1);
		ck_assert_uint_eq(r.n_ev, A.n_ev);
		for (size_t k = 0; k < r.n_ev; k++)
			ck_assert_int_eq(r.ev[k].type, A.ev[k].type);
		ck_assert_uint_eq(r.n_del, 1);
		tpeer_free(&r);
	}
}
END_TEST

START_TEST(test_init_unsupported_critical)
{
	struct ike_hdr h = { .spi_i = 0x0102030405060708ULL,
			     .version = IKE_VERSION,
			     .exchange = IKE_SA_INIT,
			     .flags = IKE_FLAG_INITIATOR };
	struct ike_wire_err err;
	struct ike_builder b;
	struct ike_writer w;
	struct ike_msg m;
	struct tpkt k;

	ck_assert_int_eq(tconn(&B, &A, &conf_b), 0);
	ike_writer_init(&w);
	ike_build_begin(&b, &w, &h);
	ike_add_raw(&b, 201, IKE_PAYLOAD_CRITICAL, "abc", 3);
	ck_assert_int_eq(ike_build_end(&b), 0);
	ike_engine_input(B.e, w.buf, w.len, &B.addr, &A.addr);
	ike_writer_free(&w);
	ck_assert(tq_pop(&B, &k));
	ck_assert_int_eq(ike_msg_decode(&m, k.data, k.len, &err), 0);
	ck_assert_uint_eq(m.hdr.spi_i, h.spi_i);
	ck_assert_uint_eq(m.hdr.spi_r, 0);
	ck_assert_uint_eq(m.hdr.flags, IKE_FLAG_RESPONSE);
	ck_assert_uint_eq(m.n_notify, 1);
	ck_assert_uint_eq(m.notify[0].type, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD);
	ck_assert_uint_eq(m.notify[0].data.len, 1);
	ck_assert_uint_eq(m.notify[0].data.ptr[0], 201);
	free(k.data);
	/* stateless: nothing kept */
	ck_assert_uint_eq(B.n_ev, 0);
	ck_assert_uint_eq(B.wake, UINT64_MAX);
}
END_TEST

/* ---- hostile input ---- */

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

/* Mutations of a message fed to a peer; it must neither crash nor lose
 * its established SA. */
static void mangle_into(struct tpeer *to, const struct tpkt *orig, uint32_t seed)
{
	uint8_t *buf = malloc(orig->len + 64);

	for (size_t cut = 0; cut <= orig->len; cut += orig->len > 200 ? 7 : 1)
		ike_engine_input(to->e, orig->data, cut, &orig->dst, &orig->src);
	for (int round = 0; round < 400; round++) {
		size_t len = orig->len;

		memcpy(buf, orig->data, len);
		for (int f = 0; f < 1 + round % 4; f++) {
			size_t pos = lcg(&seed) % len;

			buf[pos] ^= (uint8_t)(1 + lcg(&seed) % 255);
		}
		if (round % 5 == 0)
			len = lcg(&seed) % (orig->len + 64);
		ike_engine_input(to->e, buf, len, &orig->dst, &orig->src);
	}
	free(buf);
}

START_TEST(test_malformed_into_established)
{
	struct tpkt req, resp;

	connect_ab(&conf_a, &conf_b);
	check_up();
	/* Get a real INFORMATIONAL request and response to mangle. */
	ike_engine_child_expired(A.e, A.inst[0].reqid, 0, true);
	ck_assert(tq_pop(&A, &req));
	ike_engine_input(B.e, req.data, req.len, &req.dst, &req.src);
	ck_assert(tq_pop(&B, &resp));
	tq_clear(&B);
	mangle_into(&B, &req, 1);
	mangle_into(&A, &resp, 2);
	tq_clear(&A);
	tq_clear(&B);
	/* Both IKE SAs still work: the real response completes A's delete
	 * and a Delete of the IKE SA goes through. */
	ike_engine_input(A.e, resp.data, resp.len, &resp.dst, &resp.src);
	ck_assert_uint_eq(A.n_del, 1);
	ck_assert_ptr_null(tfind_event(&A, IKE_EV_IKE_DOWN));
	ck_assert_ptr_null(tfind_event(&B, IKE_EV_IKE_DOWN));
	ck_assert_int_eq(ike_engine_terminate(A.e, "gw", 0), 0);
	tpump(&A, &B);
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_IKE_DOWN));
	ck_assert_ptr_nonnull(tfind_event(&B, IKE_EV_IKE_DOWN));
	free(req.data);
	free(resp.data);
}
END_TEST

START_TEST(test_malformed_handshake)
{
	struct tpkt init_req, init_resp;

	ck_assert_int_eq(tconn(&A, &B, &conf_a), 0);
	ck_assert_int_eq(tconn(&B, &A, &conf_b), 0);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	ck_assert(tq_pop(&A, &init_req));
	/* mangled IKE_SA_INIT requests into a fresh responder */
	mangle_into(&B, &init_req, 3);
	tq_clear(&B);
	ike_engine_terminate_all(B.e);
	tq_clear(&B);
	ike_engine_input(B.e, init_req.data, init_req.len, &init_req.dst, &init_req.src);
	ck_assert(tq_pop(&B, &init_resp));
	/* Mangled responses into the waiting initiator. IKE_SA_INIT is
	 * unauthenticated: a mangled copy that still parses (a flipped nonce
	 * octet) is as good as the real one to A, which then fails IKE_AUTH.
	 * Whatever happens, A must end up established or failed, never stuck,
	 * and with nothing left behind. */
	mangle_into(&A, &init_resp, 4);
	tq_clear(&B);
	ike_engine_input(A.e, init_resp.data, init_resp.len, &init_resp.dst, &init_resp.src);
	tpump(&A, &B);
	for (int i = 0; i < 20 && tadvance(&A, &B); i++)
		tpump(&A, &B);
	ck_assert(tfind_event(&A, IKE_EV_IKE_UP) || tfind_event(&A, IKE_EV_FAILED));
	/* Failed: nothing left; up: only its lifetimes (rekeying) remain. */
	if (!tfind_event(&A, IKE_EV_IKE_UP))
		ck_assert_uint_eq(A.wake, UINT64_MAX);
	ike_engine_terminate_all(A.e);
	tpump(&A, &B);
	free(init_req.data);
	free(init_resp.data);
}
END_TEST

START_TEST(test_bad_config)
{
	struct tconf ca = conf_a;
	struct ike_conn_cfg cfg;
	const char *err = NULL;

	ca.proposals = "aes257-sha256-x25519";
	ck_assert_int_lt(tconn(&A, &B, &ca), 0);
	ca = conf_a;
	ca.local_ts = "10.1.0.0/33";
	ck_assert_int_lt(tconn(&A, &B, &ca), 0);
	ca = conf_a;
	ca.esp = "aes256-nonsense";
	ck_assert_int_lt(tconn(&A, &B, &ca), 0);
	memset(&cfg, 0, sizeof(cfg));
	ck_assert_int_eq(ike_engine_add_conn(A.e, &cfg, &err), -EINVAL);
	ck_assert_ptr_nonnull(err);
	ck_assert_int_eq(ike_engine_initiate(A.e, "gw", NULL), -ENOENT);
	ck_assert_int_eq(ike_engine_initiate(A.e, "nope", NULL), -ENOENT);
}
END_TEST

/* RFC 7296 2.4 INITIAL_CONTACT: a peer that restarted makes us drop the
 * IKE SAs (and CHILD SAs) it no longer knows. (That a second IKE SA of a
 * live peer does not, the reauthentication tests show.) */
START_TEST(test_initial_contact)
{
	int n = 0, id;

	connect_ab(&conf_a, &conf_b);
	check_up();
	/* Initiating what is up already reuses the IKE SA and makes nothing. */
	id = ike_engine_initiate(A.e, "gw", NULL);
	ck_assert_int_gt(id, 0);
	ck_assert(ike_engine_child_is_up(A.e, (uint32_t)id, NULL));
	tpump(&A, &B);
	ike_engine_foreach_sa(B.e, count_sa, &n);
	ck_assert_int_eq(n, 1);
	ck_assert_uint_eq(B.n_inst, 1);
	ck_assert_uint_eq(B.n_del, 0);

	/* A restarts: a new engine that remembers nothing. */
	tpeer_free(&A);
	tpeer_init(&A, "A", TIP_A, TSEED_A + 1, NULL);
	ck_assert_int_eq(tconn(&A, &B, &conf_a), 0);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	tpump(&A, &B);
	n = 0;
	ike_engine_foreach_sa(B.e, count_sa, &n);
	ck_assert_int_eq(n, 1);
	ck_assert_uint_eq(B.n_del, 1); /* the stale CHILD SA left the kernel */
	ck_assert_uint_eq(B.n_inst, 2);
	ck_assert_uint_eq(A.n_inst, 1);
	check_child_pair(&A.inst[0], &B.inst[1]);
}
END_TEST

/* Answer A's pending IKE_SA_INIT request with a COOKIE request (RFC
 * 7296 2.6), as a busy responder does; returns the request answered. */
static struct ike_msg cookie_answer(const uint8_t *cookie, size_t len, struct tpkt *req)
{
	struct ike_wire_err err;
	struct ike_writer w;
	struct ike_builder b;
	struct ike_msg m;
	struct ike_hdr h;

	ck_assert(tq_pop(&A, req));
	ck_assert_int_eq(ike_msg_decode(&m, req->data, req->len, &err), 0);
	memset(&h, 0, sizeof(h));
	h.spi_i = m.hdr.spi_i;
	h.version = IKE_VERSION;
	h.exchange = IKE_SA_INIT;
	h.flags = IKE_FLAG_RESPONSE;
	ike_writer_init(&w);
	ike_build_begin(&b, &w, &h);
	ike_add_notify(&b, 0, NULL, 0, IKE_N_COOKIE, cookie, len);
	ck_assert_int_eq(ike_build_end(&b), 0);
	ike_engine_input(A.e, w.buf, w.len, &req->dst, &req->src);
	ike_writer_free(&w);
	return m;
}

/* A responder asks for a cookie: the request comes again with the COOKIE
 * first, the same nonce and KE, and the SA comes up; a responder that
 * keeps asking ends the attempt. */
START_TEST(test_cookie_initiator)
{
	static const uint8_t cookie[16] = "a cookie of 16 o";
	struct ike_wire_err err;
	struct tpkt first;
	struct ike_msg m0, m1;

	ck_assert_int_eq(tconn(&A, &B, &conf_a), 0);
	ck_assert_int_eq(tconn(&B, &A, &conf_b), 0);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	m0 = cookie_answer(cookie, sizeof(cookie), &first);
	ck_assert_uint_eq(A.n_q, 1);
	ck_assert_int_eq(ike_msg_decode(&m1, A.q[0].data, A.q[0].len, &err), 0);
	/* COOKIE is the first payload, carrying the cookie as sent */
	ck_assert_uint_eq(A.q[0].data[16], IKE_PL_NOTIFY);
	ck_assert_ptr_nonnull(ike_msg_notify(&m1, IKE_N_COOKIE));
	ck_assert_uint_eq(ike_msg_notify(&m1, IKE_N_COOKIE)->data.len, sizeof(cookie));
	ck_assert_mem_eq(ike_msg_notify(&m1, IKE_N_COOKIE)->data.ptr, cookie, sizeof(cookie));
	ck_assert(m1.hdr.spi_i == m0.hdr.spi_i);
	ck_assert_uint_eq(m1.nonce.len, m0.nonce.len);
	ck_assert_mem_eq(m1.nonce.ptr, m0.nonce.ptr, m0.nonce.len);
	ck_assert_uint_eq(m1.ke.data.len, m0.ke.data.len);
	ck_assert_mem_eq(m1.ke.data.ptr, m0.ke.data.ptr, m0.ke.data.len);
	free(first.data);
	tpump(&A, &B);
	check_up();
}
END_TEST

START_TEST(test_cookie_loop_ends)
{
	static const uint8_t cookie[8] = "cookie!";
	struct tpkt req;

	ck_assert_int_eq(tconn(&A, &B, &conf_a), 0);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	for (int i = 0; i < 4; i++) {
		cookie_answer(cookie, sizeof(cookie), &req);
		free(req.data);
	}
	ck_assert_uint_eq(A.n_q, 0);
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_FAILED));
	ck_assert_ptr_nonnull(strstr(tfind_event(&A, IKE_EV_FAILED)->reason, "COOKIE"));
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ike_engine");
	TCase *tc = tcase_create("exchanges");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_matrix, 0, 3 * sizeof(suites) / sizeof(suites[0]));
	tcase_add_test(tc, test_default_proposals);
	tcase_add_test(tc, test_log_enabled);
	tcase_add_test(tc, test_initial_contact);
	tcase_add_test(tc, test_cookie_initiator);
	tcase_add_test(tc, test_cookie_loop_ends);
	tcase_add_test(tc, test_listing_and_transport);
	tcase_add_test(tc, test_transport_refused);
	tcase_add_test(tc, test_long_identity);
	tcase_add_test(tc, test_remote_id_wildcard);
	tcase_add_test(tc, test_remote_id_wildcard_refused);
	tcase_add_test(tc, test_remote_id_case);
	tcase_add_test(tc, test_remote_id_wildcard_psk_lookup);
	tcase_add_test(tc, test_wrong_psk);
	tcase_add_test(tc, test_responder_auth_fails_at_initiator);
	tcase_add_test(tc, test_remote_id_mismatch_at_responder);
	tcase_add_test(tc, test_no_proposal);
	tcase_add_test(tc, test_no_esp_proposal);
	tcase_add_test(tc, test_invalid_ke);
	tcase_add_test(tc, test_ts_unacceptable);
	tcase_add_test(tc, test_narrowing);
	tcase_add_test(tc, test_install_fails);
	tcase_add_test(tc, test_drop_init_request);
	tcase_add_test(tc, test_drop_auth_response);
	tcase_add_test(tc, test_replayed_request);
	tcase_add_test(tc, test_give_up);
	tcase_add_test(tc, test_half_open_expires);
	tcase_add_test(tc, test_delete_child_from_initiator);
	tcase_add_test(tc, test_delete_child_from_responder);
	tcase_add_loop_test(tc, test_delete_ike, 0, 2);
	tcase_add_test(tc, test_delete_unanswered);
	tcase_add_test(tc, test_remove_conn);
	tcase_add_test(tc, test_replace_conn_keeps_sa);
	tcase_add_test(tc, test_unknown_spi);
	tcase_add_test(tc, test_init_unsupported_critical);
	tcase_add_loop_test(tc, test_record_and_replay, 0, 4);
	tcase_add_test(tc, test_malformed_into_established);
	tcase_add_test(tc, test_malformed_handshake);
	tcase_add_test(tc, test_bad_config);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
