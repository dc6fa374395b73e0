// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Rekey messages a well-behaved peer never sends, forged with the SAs' own
 * keys through the engine's internals: malformed or unacceptable
 * CREATE_CHILD_SA requests (REKEY_SA for an unknown SPI, of the wrong
 * size, without selectors, a wrong or broken key exchange, an IKE rekey
 * without a usable SPI) and responses (two proposals, no KE, selectors we
 * did not ask for, a garbled INVALID_KE_PAYLOAD). Each is refused with the
 * notify RFC 7296 names, and nothing is installed or left half done.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/crypto.h"
#include "ike/engine.h"
#include "ike/proposal.h"
#include "ike/wire.h"
#include "tests/unit/test_ike_engine_env.h"
#include "tests/unit/unit.h"

static struct tpeer A, B;
static struct ike_sa *sa_a, *sa_b;

static void up(const char *esp)
{
	struct tconf ca = tconf_a, cb = tconf_b;

	tverbose = getenv("CONDUIT_TEST_VERBOSE") != NULL;
	tclock = TCLOCK_START;
	tpeer_init(&A, "A", TIP_A, TSEED_A, NULL);
	tpeer_init(&B, "B", TIP_B, TSEED_B, NULL);
	if (esp)
		ca.esp = cb.esp = esp;
	ck_assert_int_eq(tconn(&A, &B, &ca), 0);
	ck_assert_int_eq(tconn(&B, &A, &cb), 0);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	tpump(&A, &B);
	sa_a = ike_sa_by_id(A.e, 1);
	sa_b = ike_sa_by_id(B.e, 1);
	ck_assert_ptr_nonnull(sa_a);
	ck_assert_ptr_nonnull(sa_b);
	ck_assert_uint_eq(A.n_inst, 1);
	ck_assert_uint_eq(B.n_inst, 1);
}

static void down(void)
{
	tpeer_free(&A);
	tpeer_free(&B);
}

static void begin(struct ike_writer *w, struct ike_builder *b)
{
	ike_writer_init(w);
	ike_build_begin_inner(b, w);
}

/* Opens a protected message of `from`'s SA into m (buf keeps it). */
static void open_msg(struct ike_sa *sa_of_sender_peer, bool i2r, struct tpkt *k, struct ike_msg *m)
{
	struct ike_sk_cipher c;
	struct ike_wire_err err;
	size_t poff, plen;

	ck_assert_int_eq(ike_msg_decode(m, k->data, k->len, &err), 0);
	ike_sk_cipher_from_keys(&c, &sa_of_sender_peer->keys, i2r);
	ck_assert_int_eq(ike_sk_open(&c, k->data, k->len, m->sk.body_off, &poff, &plen), 0);
	ck_assert_int_eq(ike_msg_decode_inner(m, k->data + poff, plen, m->sk.first_payload, &err),
			 0);
}

/* A forged request from A to B; B's answer decrypted into m. */
static void request(struct ike_writer *w, struct ike_builder *b, struct ike_msg *m, uint8_t **buf)
{
	struct tpkt k;
	uint8_t first;

	ck_assert_int_eq(ike_build_end_inner(b, &first), 0);
	ck_assert_int_eq(ike_send_protected(A.e, sa_a, IKE_CREATE_CHILD_SA, false, 0, w, first,
					    IKE_REQ_EMPTY_INFO),
			 0);
	ike_writer_free(w);
	ck_assert(tq_pop(&A, &k));
	ike_engine_input(B.e, k.data, k.len, &k.dst, &k.src);
	free(k.data);
	ike_timer_disarm(A.e, &sa_a->t_rtx);
	sa_a->req_kind = IKE_REQ_NONE;
	sa_a->msgid_next++;
	ck_assert(tq_pop(&B, &k));
	ck_assert_uint_eq(B.n_q, 0);
	*buf = k.data;
	open_msg(sa_a, false, &k, m);
	ck_assert_uint_eq(m->hdr.flags & IKE_FLAG_RESPONSE, IKE_FLAG_RESPONSE);
}

static void expect_notify(const struct ike_msg *m, uint16_t type)
{
	ck_assert_uint_eq(m->n_notify, 1);
	ck_assert_uint_eq(m->notify[0].type, type);
	ck_assert(!(m->encrypted & IKE_PL_BIT(IKE_PL_SA)));
}

static void esp_props(struct ike_proposal *p, size_t *n, const char *s, uint32_t spi)
{
	ck_assert_int_eq(ike_proposals_parse(s, IKE_PROTO_ESP, p, 2, n, NULL, 0), 0);
	p[0].spi_len = 4;
	ike_be32(p[0].spi, spi);
}

static void rekey_request(uint32_t rekey_spi, uint8_t spi_len, const char *esp, bool ts,
			  uint16_t ke_group, size_t ke_len, struct ike_msg *m, uint8_t **buf)
{
	struct ike_proposal p[2];
	struct ike_writer w;
	struct ike_builder b;
	uint8_t nonce[32] = { 7 }, spi[8] = { 0 }, ke[64];
	size_t n = 0;

	memset(ke, 0x42, sizeof(ke));
	ike_be32(spi, rekey_spi);
	esp_props(p, &n, esp, 0xdeadbe01);
	begin(&w, &b);
	ike_add_notify(&b, IKE_PROTO_ESP, spi, spi_len, IKE_N_REKEY_SA, NULL, 0);
	ike_add_sa(&b, p, n);
	ike_add_nonce(&b, nonce, sizeof(nonce));
	if (ke_group)
		ike_add_ke(&b, ke_group, ke, ke_len);
	if (ts) {
		ike_add_ts(&b, IKE_PL_TSI, &A.inst[0].local_ts[0], 1);
		ike_add_ts(&b, IKE_PL_TSR, &A.inst[0].remote_ts[0], 1);
	}
	request(&w, &b, m, buf);
}

START_TEST(test_bad_child_rekey_requests)
{
	struct ike_msg m;
	uint8_t *buf = NULL;
	uint32_t known;

	up(NULL);
	known = A.inst[0].in.spi; /* B's outbound SPI */
	/* unknown SPI: CHILD_SA_NOT_FOUND, naming it */
	rekey_request(0x11223344, 4, "aes256gcm16", true, 0, 0, &m, &buf);
	expect_notify(&m, IKE_N_CHILD_SA_NOT_FOUND);
	ck_assert_uint_eq(m.notify[0].protocol, IKE_PROTO_ESP);
	ck_assert_uint_eq(m.notify[0].spi.len, 4);
	ck_assert_mem_eq(m.notify[0].spi.ptr, "\x11\x22\x33\x44", 4);
	free(buf);
	/* B's own inbound SPI is not the one A names */
	rekey_request(B.inst[0].in.spi, 4, "aes256gcm16", true, 0, 0, &m, &buf);
	expect_notify(&m, IKE_N_CHILD_SA_NOT_FOUND);
	free(buf);
	/* an 8-octet SPI */
	rekey_request(known, 8, "aes256gcm16", true, 0, 0, &m, &buf);
	expect_notify(&m, IKE_N_INVALID_SYNTAX);
	free(buf);
	/* no selectors */
	rekey_request(known, 4, "aes256gcm16", false, 0, 0, &m, &buf);
	expect_notify(&m, IKE_N_INVALID_SYNTAX);
	free(buf);
	/* a proposal B does not have */
	rekey_request(known, 4, "aes128-sha256", true, 0, 0, &m, &buf);
	expect_notify(&m, IKE_N_NO_PROPOSAL_CHOSEN);
	free(buf);
	ck_assert_uint_eq(B.n_inst, 1);
	ck_assert_uint_eq(B.n_del, 0);
	/* and a proper rekey still works afterwards */
	ck_assert_int_eq(ike_engine_rekey(A.e, 1, A.inst[0].child_id), 0);
	tpump(&A, &B);
	ck_assert_uint_eq(A.n_inst, 2);
	ck_assert_uint_eq(B.n_inst, 2);
	ck_assert_uint_eq(B.n_del, 1);
	down();
}
END_TEST

START_TEST(test_bad_child_rekey_ke)
{
	struct ike_msg m;
	uint8_t *buf = NULL;
	uint32_t known;

	up("aes256gcm16-x25519");
	known = A.inst[0].in.spi;
	/* PFS configured, no KE: INVALID_KE_PAYLOAD with B's group */
	rekey_request(known, 4, "aes256gcm16-x25519", true, 0, 0, &m, &buf);
	expect_notify(&m, IKE_N_INVALID_KE_PAYLOAD);
	ck_assert_uint_eq(m.notify[0].data.len, 2);
	ck_assert_mem_eq(m.notify[0].data.ptr, "\x00\x1f", 2);
	free(buf);
	/* KE of another group than the proposal's */
	rekey_request(known, 4, "aes256gcm16-x25519", true, 19, 64, &m, &buf);
	expect_notify(&m, IKE_N_INVALID_KE_PAYLOAD);
	free(buf);
	/* an X25519 value of the wrong length */
	rekey_request(known, 4, "aes256gcm16-x25519", true, 31, 31, &m, &buf);
	expect_notify(&m, IKE_N_INVALID_SYNTAX);
	free(buf);
	ck_assert_uint_eq(B.n_inst, 1);
	down();
}
END_TEST

static void ike_request(uint8_t spi_len, uint64_t spi, uint16_t ke_group, size_t ke_len,
			struct ike_msg *m, uint8_t **buf)
{
	struct ike_proposal p[2];
	struct ike_writer w;
	struct ike_builder b;
	uint8_t nonce[32] = { 9 }, ke[64];
	size_t n = 0;

	memset(ke, 0x42, sizeof(ke));
	ck_assert_int_eq(ike_proposals_parse("aes256gcm16-prfsha256-x25519", IKE_PROTO_IKE, p, 2,
					     &n, NULL, 0),
			 0);
	p[0].spi_len = spi_len;
	ike_be64(p[0].spi, spi);
	begin(&w, &b);
	ike_add_sa(&b, p, n);
	ike_add_nonce(&b, nonce, sizeof(nonce));
	if (ke_group)
		ike_add_ke(&b, ke_group, ke, ke_len);
	request(&w, &b, m, buf);
}

START_TEST(test_bad_ike_rekey_requests)
{
	struct ike_msg m;
	uint8_t *buf = NULL;

	up(NULL);
	/* zero SPI */
	ike_request(8, 0, 31, 32, &m, &buf);
	expect_notify(&m, IKE_N_NO_PROPOSAL_CHOSEN);
	free(buf);
	/* no KE */
	ike_request(8, 0x1122334455667788ull, 0, 0, &m, &buf);
	expect_notify(&m, IKE_N_INVALID_KE_PAYLOAD);
	free(buf);
	/* a short KE */
	ike_request(8, 0x1122334455667788ull, 31, 16, &m, &buf);
	expect_notify(&m, IKE_N_INVALID_SYNTAX);
	free(buf);
	/* B still has one IKE SA, its child, nothing new */
	ck_assert_ptr_null(ike_sa_by_id(B.e, 2));
	ck_assert_int_eq(sa_b->state, IKE_S_ESTABLISHED);
	ck_assert_uint_eq(sa_b->n_children, 1);
	down();
}
END_TEST

/* A's rekey request is swallowed; B's forged answer goes to A instead. */
static void forged_response(bool ike, void (*fill)(struct ike_builder *b))
{
	struct ike_writer w;
	struct ike_builder b;
	struct tpkt k;
	uint8_t first;

	ck_assert_int_eq(ike_engine_rekey(A.e, 1, ike ? 0 : A.inst[0].child_id), 0);
	ck_assert(tq_pop(&A, &k));
	free(k.data);
	begin(&w, &b);
	fill(&b);
	ck_assert_int_eq(ike_build_end_inner(&b, &first), 0);
	ck_assert_int_eq(ike_send_protected(B.e, sa_b, IKE_CREATE_CHILD_SA, true,
					    sa_a->msgid_next, &w, first, IKE_REQ_NONE),
			 0);
	ike_writer_free(&w);
	ck_assert(tq_pop(&B, &k));
	ike_engine_input(A.e, k.data, k.len, &k.dst, &k.src);
	free(k.data);
	/* The exchange is over either way. */
	ck_assert_uint_ne(sa_a->req_kind, ike ? IKE_REQ_REKEY_IKE : IKE_REQ_REKEY_CHILD);
}

static void fill_two_proposals(struct ike_builder *b)
{
	struct ike_proposal p[2];
	size_t n = 0;
	uint8_t nonce[32] = { 3 };

	ck_assert_int_eq(ike_proposals_parse("aes256gcm16,aes128gcm16", IKE_PROTO_ESP, p, 2, &n,
					     NULL, 0),
			 0);
	p[0].spi_len = p[1].spi_len = 4;
	ike_be32(p[0].spi, 0xabcd0001);
	ike_be32(p[1].spi, 0xabcd0001);
	ike_add_sa(b, p, n);
	ike_add_nonce(b, nonce, sizeof(nonce));
}

static void fill_other_ts(struct ike_builder *b)
{
	struct ike_proposal p[2];
	struct ike_ts ts = A.inst[0].local_ts[0];
	size_t n = 0;
	uint8_t nonce[32] = { 3 };

	esp_props(p, &n, "aes256gcm16", 0xabcd0002);
	ike_add_sa(b, p, n);
	ike_add_nonce(b, nonce, sizeof(nonce));
	ts.start_addr[1] ^= 0x40; /* 10.65.0.0/24: not what A asked for */
	ts.end_addr[1] ^= 0x40;
	ike_add_ts(b, IKE_PL_TSI, &ts, 1);
	ike_add_ts(b, IKE_PL_TSR, &A.inst[0].remote_ts[0], 1);
}

static void fill_bad_invalid_ke(struct ike_builder *b)
{
	ike_add_notify(b, 0, NULL, 0, IKE_N_INVALID_KE_PAYLOAD, "\x1f", 1);
}

static void fill_ike_no_ke(struct ike_builder *b)
{
	struct ike_proposal p[2];
	size_t n = 0;
	uint8_t nonce[32] = { 3 };

	ck_assert_int_eq(ike_proposals_parse("aes256gcm16-prfsha256-x25519", IKE_PROTO_IKE, p, 2,
					     &n, NULL, 0),
			 0);
	p[0].spi_len = 8;
	ike_be64(p[0].spi, 0x0102030405060708ull);
	ike_add_sa(b, p, n);
	ike_add_nonce(b, nonce, sizeof(nonce));
}

START_TEST(test_bad_child_rekey_responses)
{
	up(NULL);
	/* two proposals: nothing agreed, nothing to delete */
	forged_response(false, fill_two_proposals);
	ck_assert_uint_eq(A.n_inst, 1);
	ck_assert_uint_eq(A.n_q, 0);
	ck_assert_uint_eq(sa_a->n_children, 1);
	/* selectors A did not ask for: B's new SA is deleted at B */
	forged_response(false, fill_other_ts);
	ck_assert_uint_eq(A.n_inst, 1);
	ck_assert_uint_eq(A.n_q, 1); /* the Delete for it */
	tq_clear(&A);
	ike_timer_disarm(A.e, &sa_a->t_rtx);
	sa_a->req_kind = IKE_REQ_NONE;
	sa_a->msgid_next++;
	/* a garbled INVALID_KE_PAYLOAD: a failure, no retry */
	forged_response(false, fill_bad_invalid_ke);
	ck_assert_uint_eq(A.n_inst, 1);
	ck_assert_uint_eq(A.n_q, 0);
	ck_assert_uint_eq(A.n_del, 0);
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_FAILED));
	down();
}
END_TEST

START_TEST(test_bad_ike_rekey_response)
{
	up(NULL);
	/* no KE: the IKE SA cannot be trusted to be in step, it is deleted */
	forged_response(true, fill_ike_no_ke);
	ck_assert_ptr_null(ike_sa_by_id(A.e, 2));
	ck_assert_int_eq(sa_a->state, IKE_S_DELETING);
	ck_assert_uint_eq(A.n_q, 1);
	down();
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ike_rekey_forged");
	TCase *tc = tcase_create("forged");

	tcase_add_test(tc, test_bad_child_rekey_requests);
	tcase_add_test(tc, test_bad_child_rekey_ke);
	tcase_add_test(tc, test_bad_ike_rekey_requests);
	tcase_add_test(tc, test_bad_child_rekey_responses);
	tcase_add_test(tc, test_bad_ike_rekey_response);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
