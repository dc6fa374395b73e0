// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Why a negotiation failed, as an operator reads it: for each mismatch
 * (IKE proposals, ESP proposals, traffic selectors, identity, PSK) the
 * exact line each side logs, responder and initiator, naming what was
 * received and what is configured; one line per failure; the FAILED
 * event carries the notify and the same reason. Two engines in memory.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ike/engine.h"
#include "ike/proposal.h"
#include "ike/ts.h"
#include "test_ike_engine_env.h"
#include "unit.h"

static struct tpeer A, B;

static void setup(void)
{
	tverbose = getenv("CONDUIT_TEST_VERBOSE") != NULL;
	tclock = TCLOCK_START;
	tpsk_lookup = NULL;
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

/* How many of p's log lines are exactly line. */
static size_t lines(const struct tpeer *p, const char *line)
{
	size_t n = 0, len = strlen(line);

	for (const char *s = p->logs; *s;) {
		const char *nl = strchr(s, '\n');
		size_t l = nl ? (size_t)(nl - s) : strlen(s);

		n += l == len && !memcmp(s, line, len);
		if (!nl)
			break;
		s = nl + 1;
	}
	return n;
}

#define ck_line(p, line)                                                                           \
	ck_assert_msg(lines(p, line) == 1, "%s did not log once:\n  %s\nit logged:\n%s",           \
		      (p)->name, line, (p)->logs)

/* A with a and B with b: A initiates, the messages go until none is left. */
static void run(const struct tconf *a, const struct tconf *b)
{
	ck_assert_int_eq(tconn(&A, &B, a), 0);
	ck_assert_int_eq(tconn(&B, &A, b), 0);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	tpump(&A, &B);
}

static void ck_failed(const struct tpeer *p, uint16_t notify, const char *reason)
{
	const struct tevent *ev = tfind_event(p, IKE_EV_FAILED);

	ck_assert_ptr_nonnull(ev);
	ck_assert_uint_eq(ev->notify, notify);
	ck_assert_str_eq(ev->reason, reason);
}

START_TEST(test_ike_proposals)
{
	struct tconf a = tconf_a, b = tconf_b;

	a.proposals = "aes128-sha1-modp1024, aes256-sha256-modp2048";
	run(&a, &b);
	ck_line(&B, "gw[-] 192.0.2.1[500]: IKE_SA_INIT refused with NO_PROPOSAL_CHOSEN: no IKE "
		    "proposal chosen: received aes128-sha1-prfsha1-modp1024, "
		    "aes256-sha256-prfsha256-modp2048; configured aes256gcm16-prfsha256-x25519");
	ck_line(&A, "gw[1] 192.0.2.2[500]: IKE SA failed with NO_PROPOSAL_CHOSEN: IKE_SA_INIT "
		    "refused: the peer accepted none of our proposals: compare its configuration "
		    "with ours: configured aes128-sha1-prfsha1-modp1024, "
		    "aes256-sha256-prfsha256-modp2048");
	ck_failed(&A, IKE_N_NO_PROPOSAL_CHOSEN,
		  "IKE_SA_INIT refused: the peer accepted none of our proposals: compare its "
		  "configuration with ours: configured aes128-sha1-prfsha1-modp1024, "
		  "aes256-sha256-prfsha256-modp2048");
}
END_TEST

/* No connection for the pair of addresses: the line says on which of our
 * addresses the request came in. */
START_TEST(test_no_connection)
{
	struct tpeer other;

	memset(&other, 0, sizeof(other));
	taddr(&other.addr, "192.0.2.9", 500);
	ck_assert_int_eq(tconn(&A, &B, &tconf_a), 0);
	ck_assert_int_eq(tconn(&B, &other, &tconf_b), 0);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	tpump(&A, &B);
	ck_line(&B, "-[-] 192.0.2.1[500]: IKE_SA_INIT refused with NO_PROPOSAL_CHOSEN: no "
		    "connection for this peer: received on 192.0.2.2[500], and no connection's "
		    "remote_addrs and local_addrs match the pair");
}
END_TEST

/* The responder's line comes from an unauthenticated sender: bounded by
 * the log limiter like the rest of IKE_SA_INIT's refusals. */
START_TEST(test_ike_proposals_limited)
{
	struct tconf a = tconf_a, b = tconf_b;
	const char *line = "gw[-] 192.0.2.1[500]: IKE_SA_INIT refused with NO_PROPOSAL_CHOSEN: "
			   "no IKE proposal chosen: received aes128-sha256-prfsha256-modp2048; "
			   "configured aes256gcm16-prfsha256-x25519";

	a.proposals = "aes128-sha256-modp2048";
	run(&a, &b);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	tpump(&A, &B);
	ck_assert_uint_eq(lines(&B, line), 1);
	ck_assert_uint_eq(tcount_events(&A, IKE_EV_FAILED), 2);
}
END_TEST

START_TEST(test_esp_proposals)
{
	struct tconf a = tconf_a, b = tconf_b;

	a.esp = "aes128-sha256, aes256-sha384";
	run(&a, &b);
	ck_line(&B, "gw[1] 192.0.2.1[500]: CHILD_SA refused with NO_PROPOSAL_CHOSEN: no ESP "
		    "proposal chosen: received aes128-sha256-noesn, aes256-sha384-noesn; "
		    "configured net: aes256gcm16-noesn");
	ck_line(&A, "gw[1] 192.0.2.2[500]: CHILD_SA net failed: IKE_AUTH refused: the peer "
		    "accepted none of our ESP proposals: compare its configuration with ours: "
		    "configured aes128-sha256-noesn, aes256-sha384-noesn (NO_PROPOSAL_CHOSEN)");
	ck_failed(&A, IKE_N_NO_PROPOSAL_CHOSEN,
		  "CHILD_SA net failed: IKE_AUTH refused: the peer accepted none of our ESP "
		  "proposals: compare its configuration with ours: configured "
		  "aes128-sha256-noesn, aes256-sha384-noesn");
}
END_TEST

/* CREATE_CHILD_SA's proposals carry the PFS group: named too (a rekey). */
START_TEST(test_esp_proposals_ccsa)
{
	struct tconf a = tconf_a, b = tconf_b;

	a.esp = "aes256gcm16-modp2048";
	run(&a, &b);
	ck_assert_uint_eq(A.n_inst, 1);
	ck_assert_int_eq(ike_engine_rekey(A.e, 1, A.inst[0].child_id), 0);
	tpump(&A, &B);
	ck_line(&B, "gw[1] 192.0.2.1[500]: CREATE_CHILD_SA request refused with "
		    "NO_PROPOSAL_CHOSEN: no ESP proposal chosen: received "
		    "aes256gcm16-modp2048-noesn; configured net: aes256gcm16-noesn");
	ck_line(&A, "gw[1] 192.0.2.2[500]: rekeying CHILD_SA net{1} failed with "
		    "NO_PROPOSAL_CHOSEN: CREATE_CHILD_SA refused: the peer accepted none of our "
		    "ESP proposals: compare its configuration with ours: configured "
		    "aes256gcm16-modp2048-noesn");
}
END_TEST

START_TEST(test_traffic_selectors)
{
	struct tconf a = tconf_a, b = tconf_b;

	b.local_ts = "10.3.0.0/24";
	run(&a, &b);
	ck_line(&B, "gw[1] 192.0.2.1[500]: CHILD_SA refused with TS_UNACCEPTABLE: traffic "
		    "selectors unacceptable: received TSi 10.1.0.0/24, TSr 10.2.0.0/24; "
		    "configured net: local_ts 10.3.0.0/24, remote_ts 10.1.0.0/24");
	ck_line(&A, "gw[1] 192.0.2.2[500]: CHILD_SA net failed: IKE_AUTH refused: the peer "
		    "accepted none of our traffic selectors: we proposed TSi 10.1.0.0/24, TSr "
		    "10.2.0.0/24 (local_ts 10.1.0.0/24, remote_ts 10.2.0.0/24) (TS_UNACCEPTABLE)");
	ck_failed(&A, IKE_N_TS_UNACCEPTABLE,
		  "CHILD_SA net failed: IKE_AUTH refused: the peer accepted none of our traffic "
		  "selectors: we proposed TSi 10.1.0.0/24, TSr 10.2.0.0/24 (local_ts "
		  "10.1.0.0/24, remote_ts 10.2.0.0/24)");
}
END_TEST

/* A KE of another group than the one selected: handled (retried), and
 * both lines name the groups. */
START_TEST(test_ke_group)
{
	struct tconf a = tconf_a, b = tconf_b;

	a.proposals = "aes256gcm16-prfsha256-x25519-ecp256";
	b.proposals = "aes256gcm16-prfsha256-ecp256";
	run(&a, &b);
	ck_line(&B, "gw[-] 192.0.2.1[500]: IKE_SA_INIT refused with INVALID_KE_PAYLOAD: the peer's "
		    "key exchange is x25519 (group 31), we selected ecp256 (group 19) among its "
		    "proposals");
	ck_line(&A, "gw[1] 192.0.2.2[500]: peer sent INVALID_KE_PAYLOAD, retrying with ecp256 "
		    "(group 19) instead of x25519 (group 31)");
	ck_assert_uint_eq(A.n_inst, 1);
}
END_TEST

/* The responder accepts other identities than the initiator's. */
START_TEST(test_identity)
{
	struct tconf a = tconf_a, b = tconf_b;

	a.local_id = "sun.example";
	b.remote_id = "moon.example";
	run(&a, &b);
	ck_line(&B, "gw[1] 192.0.2.1[500]: IKE SA failed with AUTHENTICATION_FAILED: no "
		    "connection accepts peer identity 'sun.example'; the connections for this "
		    "address accept moon.example (gw)");
	ck_line(&A, "gw[1] 192.0.2.2[500]: IKE SA failed with AUTHENTICATION_FAILED: IKE_AUTH "
		    "refused: the peer refused our authentication (its PSK or its idea of our "
		    "identity differs): we sent id 'sun.example' and expect the peer as '%any'");
}
END_TEST

/* The initiator expects another identity than the responder's: the
 * responder, with no local id of its own, does not check the IDr the
 * initiator names and answers as its address. */
START_TEST(test_identity_initiator)
{
	struct tconf a = tconf_a, b = tconf_b;

	a.remote_id = "moon.example";
	run(&a, &b);
	ck_line(&A, "gw[1] 192.0.2.2[500]: IKE SA failed with AUTHENTICATION_FAILED: peer "
		    "identity '192.0.2.2' does not match remote_id 'moon.example'");
	ck_failed(&A, IKE_N_AUTHENTICATION_FAILED,
		  "peer identity '192.0.2.2' does not match remote_id 'moon.example'");
}
END_TEST

/* The initiator names the responder (IDr) as an identity the responder
 * does not have: the responder refuses, saying what it was asked for. */
START_TEST(test_identity_idr)
{
	struct tconf a = tconf_a, b = tconf_b;

	a.remote_id = "moon.example";
	b.local_id = "mars.example";
	run(&a, &b);
	ck_line(&B, "gw[1] 192.0.2.1[500]: IKE SA failed with AUTHENTICATION_FAILED: no "
		    "connection accepts peer identity '192.0.2.1'; it asked for us as "
		    "'moon.example'");
	ck_line(&A, "gw[1] 192.0.2.2[500]: IKE SA failed with AUTHENTICATION_FAILED: IKE_AUTH "
		    "refused: the peer refused our authentication (its PSK, its idea of our "
		    "identity, or its own identity differs): we sent id '192.0.2.1' and asked "
		    "for the peer as 'moon.example' (IDr)");
}
END_TEST

START_TEST(test_psk)
{
	struct tconf a = tconf_a, b = tconf_b;

	b.psk = "another secret of reasonable length";
	run(&a, &b);
	ck_line(&B, "gw[1] 192.0.2.1[500]: IKE SA failed with AUTHENTICATION_FAILED: the AUTH "
		    "payload of peer '192.0.2.1' does not verify with the pre-shared key of "
		    "'192.0.2.2' and '192.0.2.1': the keys differ");
	ck_line(&A, "gw[1] 192.0.2.2[500]: IKE SA failed with AUTHENTICATION_FAILED: IKE_AUTH "
		    "refused: the peer refused our authentication (its PSK or its idea of our "
		    "identity differs): we sent id '192.0.2.1' and expect the peer as '%any'");
	/* never the key */
	ck_assert_ptr_null(strstr(A.logs, "reasonable"));
	ck_assert_ptr_null(strstr(B.logs, "reasonable"));
}
END_TEST

static void ts_of(const char *str, struct ike_ts *out)
{
	struct ike_ts_conf conf;
	struct ike_addr none;
	size_t n = 0;

	memset(&none, 0, sizeof(none));
	ck_assert_int_eq(ike_ts_parse(str, &conf, NULL, 0), 0);
	ck_assert_int_eq(ike_ts_resolve(&conf, 1, &none, out, 1, &n), 0);
	ck_assert_uint_eq(n, 1);
}

/* The diagnoses no two conduits can provoke: a peer that signs where we
 * expect a PSK, and the notifies conduit never sends itself. */
START_TEST(test_other_reasons)
{
	static const uint8_t sun[] = "sun.example";
	struct ike_id_pl pl = { .type = IKE_ID_FQDN, .data = { sun, sizeof(sun) - 1 } };
	struct ike_proposal *props;
	struct ike_child_req req;
	struct ike_conn c;
	size_t n = 0;
	struct ike_sa sa;

	memset(&c, 0, sizeof(c));
	memset(&sa, 0, sizeof(sa));
	snprintf(c.name, sizeof(c.name), "gw");
	tid(&c.cfg.local_id, "moon.example");
	tid(&c.cfg.remote_id, "sun.example");
	sa.conn = &c;
	ck_assert_str_eq(ike_diag_psk(A.e, &sa, &pl, IKE_AUTH_RSA_SIG, true),
			 "peer 'sun.example' authenticates with an RSA signature (AUTH method 1), "
			 "we expect a pre-shared key");
	ck_assert_str_eq(ike_diag_psk(A.e, &sa, &pl, IKE_AUTH_SHARED_KEY_MIC, false),
			 "no pre-shared key for our identity 'moon.example' and the peer's "
			 "'sun.example'");
	ck_assert_str_eq(
	    ike_diag_peer_refused(A.e, &sa, "IKE_AUTH", IKE_N_FAILED_CP_REQUIRED, NULL),
	    "IKE_AUTH refused: the peer requires a configuration payload (a virtual "
	    "IP), which conduit does not request");
	ck_assert_str_eq(
	    ike_diag_peer_refused(A.e, &sa, "CREATE_CHILD_SA", IKE_N_NO_ADDITIONAL_SAS, NULL),
	    "CREATE_CHILD_SA refused: the peer accepts no more CHILD_SAs on this IKE SA");
	ck_assert_str_eq(
	    ike_diag_peer_refused(A.e, &sa, "IKE_AUTH", IKE_N_INTERNAL_ADDRESS_FAILURE, NULL),
	    "IKE_AUTH refused: the peer could not assign us an internal address");
	/* INVALID_KE_PAYLOAD for a group we never offered */
	props = calloc(4, sizeof(*props));
	ck_assert_ptr_nonnull(props);
	ck_assert_int_eq(ike_proposals_parse("aes256gcm16-prfsha256-x25519-ecp256", IKE_PROTO_IKE,
					     props, 4, &n, NULL, 0),
			 0);
	c.ike = props;
	c.n_ike = (uint8_t)n;
	ck_assert_str_eq(
	    ike_diag_ke_group(A.e, &sa, 15),
	    "IKE_SA_INIT refused: the peer wants key exchange method modp3072 (group "
	    "15), which we did not offer: configured aes256gcm16-prfsha256-x25519-ecp256");
	free(props);
	c.ike = NULL;
	c.n_ike = 0;
	/* SINGLE_PAIR_REQUIRED names the selectors we proposed */
	memset(&req, 0, sizeof(req));
	ts_of("10.1.0.0/24", &req.ts[0]);
	ts_of("10.2.0.0/24", &req.ts[1]);
	ts_of("10.3.0.0/24", &req.ts[2]);
	req.n_lts = 2;
	req.n_rts = 1;
	ck_assert_str_eq(
	    ike_diag_peer_refused(A.e, &sa, "CREATE_CHILD_SA", IKE_N_SINGLE_PAIR_REQUIRED, &req),
	    "CREATE_CHILD_SA refused: the peer accepts only one pair of traffic "
	    "selectors: we proposed TSi 10.1.0.0/24 10.2.0.0/24, TSr 10.3.0.0/24");
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ike_diag");
	TCase *tc = tcase_create("mismatch");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ike_proposals);
	tcase_add_test(tc, test_ike_proposals_limited);
	tcase_add_test(tc, test_no_connection);
	tcase_add_test(tc, test_esp_proposals);
	tcase_add_test(tc, test_esp_proposals_ccsa);
	tcase_add_test(tc, test_traffic_selectors);
	tcase_add_test(tc, test_ke_group);
	tcase_add_test(tc, test_identity);
	tcase_add_test(tc, test_identity_initiator);
	tcase_add_test(tc, test_identity_idr);
	tcase_add_test(tc, test_psk);
	tcase_add_test(tc, test_other_reasons);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
