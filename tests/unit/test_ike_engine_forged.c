// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Protected requests a well-behaved conduit never sends, forged with the
 * initiator's own keys through the engine's internals (ike/engine.h), and
 * the responder's protected answers opened the same way: CREATE_CHILD_SA
 * (refused with NO_ADDITIONAL_SAS), a request missing a required payload
 * (INVALID_SYNTAX), an unknown critical payload
 * (UNSUPPORTED_CRITICAL_PAYLOAD), a Delete for an unknown SPI, an empty
 * INFORMATIONAL, an IKE_AUTH request on an established SA.
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
static struct ike_sa *sa_a;
/* The forged requests in the fuzz target's mode 2 format, for seeds. */
static struct trec seed;

static void setup(void)
{
	tverbose = getenv("CONDUIT_TEST_VERBOSE") != NULL;
	tclock = TCLOCK_START;
	tpeer_init(&A, "A", TIP_A, TSEED_A, NULL);
	tpeer_init(&B, "B", TIP_B, TSEED_B, NULL);
	ck_assert_int_eq(tconn(&A, &B, &tconf_a), 0);
	ck_assert_int_eq(tconn(&B, &A, &tconf_b), 0);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	tpump(&A, &B);
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_IKE_UP));
	ck_assert_ptr_nonnull(tfind_event(&B, IKE_EV_IKE_UP));
	sa_a = ike_sa_by_id(A.e, 1);
	ck_assert_ptr_nonnull(sa_a);
	ck_assert_int_eq(sa_a->state, IKE_S_ESTABLISHED);
}

static void teardown(void)
{
	const char *dir = getenv("CONDUIT_DUMP_CORPUS");

	if (dir && seed.len) {
		uint32_t h = 2166136261u; /* FNV-1a names the file by content */
		char path[512];
		FILE *f;

		for (size_t i = 0; i < seed.len; i++)
			h = (h ^ seed.buf[i]) * 16777619u;
		snprintf(path, sizeof(path), "%s/inner-%08x", dir, h);
		f = fopen(path, "wb");
		if (f) {
			fputc(2, f);
			fwrite(seed.buf, 1, seed.len, f);
			fclose(f);
		}
	}
	seed.len = 0;
	tpeer_free(&A);
	tpeer_free(&B);
}

/* Sends A's forged request (inner payloads in w) and returns B's answer
 * decrypted into m (buf keeps the plaintext alive), or false if none. */
static bool exchange(uint8_t exchange_type, struct ike_writer *w, struct ike_builder *b,
		     struct ike_msg *m, uint8_t **buf)
{
	struct ike_sk_cipher c;
	struct ike_wire_err err;
	struct tpkt k;
	size_t poff, plen;
	uint8_t first;

	ck_assert_int_eq(ike_build_end_inner(b, &first), 0);
	if (seed.len + 4 + w->len < TREC_MAX) {
		seed.buf[seed.len++] = (uint8_t)(w->len >> 8);
		seed.buf[seed.len++] = (uint8_t)w->len;
		seed.buf[seed.len++] = exchange_type;
		seed.buf[seed.len++] = first;
		if (w->len)
			memcpy(seed.buf + seed.len, w->buf, w->len);
		seed.len += w->len;
	}
	ck_assert_int_eq(
	    ike_send_protected(A.e, sa_a, exchange_type, false, 0, w, first, IKE_REQ_EMPTY_INFO),
	    0);
	ike_writer_free(w);
	ck_assert(tq_pop(&A, &k));
	ike_engine_input(B.e, k.data, k.len, &k.dst, &k.src);
	free(k.data);
	/* A's window is ours to manage here: it never sees these answers. */
	ike_timer_disarm(A.e, &sa_a->t_rtx);
	sa_a->req_kind = IKE_REQ_NONE;
	sa_a->msgid_next++;
	if (!tq_pop(&B, &k))
		return false;
	*buf = k.data;
	ck_assert_int_eq(ike_msg_decode(m, k.data, k.len, &err), 0);
	ck_assert_uint_eq(m->hdr.flags & IKE_FLAG_RESPONSE, IKE_FLAG_RESPONSE);
	ck_assert_uint_eq(m->hdr.msg_id, sa_a->msgid_next - 1);
	ike_sk_cipher_from_keys(&c, &sa_a->keys, false);
	ck_assert_int_eq(ike_sk_open(&c, k.data, k.len, m->sk.body_off, &poff, &plen), 0);
	ck_assert_int_eq(ike_msg_decode_inner(m, k.data + poff, plen, m->sk.first_payload, &err),
			 0);
	return true;
}

static void begin(struct ike_writer *w, struct ike_builder *b)
{
	ike_writer_init(w);
	ike_build_begin_inner(b, w);
}

/* A new CHILD_SA whose proposals fit no child config is refused, and
 * nothing is installed. */
START_TEST(test_create_child_refused)
{
	struct ike_proposal p[2];
	struct ike_writer w;
	struct ike_builder b;
	struct ike_msg m;
	uint8_t nonce[32] = { 1 }, *buf = NULL;
	size_t n = 0;

	ck_assert_int_eq(ike_proposals_parse("aes128gcm16", IKE_PROTO_ESP, p, 2, &n, NULL, 0), 0);
	p[0].spi_len = 4;
	memcpy(p[0].spi, "\x01\x02\x03\x04", 4);
	begin(&w, &b);
	ike_add_sa(&b, p, n);
	ike_add_nonce(&b, nonce, sizeof(nonce));
	ike_add_ts(&b, IKE_PL_TSI, &A.inst[0].local_ts[0], 1);
	ike_add_ts(&b, IKE_PL_TSR, &A.inst[0].remote_ts[0], 1);
	ck_assert(exchange(IKE_CREATE_CHILD_SA, &w, &b, &m, &buf));
	ck_assert_uint_eq(m.n_notify, 1);
	ck_assert_uint_eq(m.notify[0].type, IKE_N_NO_PROPOSAL_CHOSEN);
	ck_assert_uint_eq(B.n_inst, 1);
	free(buf);
}
END_TEST

START_TEST(test_missing_payload)
{
	struct ike_counters c;
	struct ike_writer w;
	struct ike_builder b;
	struct ike_msg m;
	uint8_t nonce[32] = { 1 }, *buf = NULL;

	begin(&w, &b);
	ike_add_nonce(&b, nonce, sizeof(nonce)); /* no SA */
	ck_assert(exchange(IKE_CREATE_CHILD_SA, &w, &b, &m, &buf));
	ck_assert_uint_eq(m.n_notify, 1);
	ck_assert_uint_eq(m.notify[0].type, IKE_N_INVALID_SYNTAX);
	free(buf);
	/* counted: received, invalid, and the refusal sent */
	ck_assert_int_eq(ike_engine_counters(B.e, "gw", &c), 0);
	ck_assert_uint_eq(c.invalid, 1);
	ck_assert_uint_eq(c.messages[IKE_CTR_IN][0][IKE_CTR_X_CREATE_CHILD_SA], 1);
	ck_assert_uint_eq(c.notifies[IKE_CTR_OUT][ike_ctr_notify_slot(IKE_N_INVALID_SYNTAX)], 1);
}
END_TEST

START_TEST(test_unsupported_critical)
{
	struct ike_writer w;
	struct ike_builder b;
	struct ike_msg m;
	uint8_t *buf = NULL;

	begin(&w, &b);
	ike_add_raw(&b, 200, IKE_PAYLOAD_CRITICAL, "xyz", 3);
	ck_assert(exchange(IKE_INFORMATIONAL, &w, &b, &m, &buf));
	ck_assert_uint_eq(m.n_notify, 1);
	ck_assert_uint_eq(m.notify[0].type, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD);
	ck_assert_uint_eq(m.notify[0].data.len, 1);
	ck_assert_uint_eq(m.notify[0].data.ptr[0], 200);
	/* a non-critical unknown payload is skipped: an ordinary answer */
	free(buf);
	begin(&w, &b);
	ike_add_raw(&b, 200, 0, "xyz", 3);
	ck_assert(exchange(IKE_INFORMATIONAL, &w, &b, &m, &buf));
	ck_assert_uint_eq(m.n_notify, 0);
	free(buf);
}
END_TEST

START_TEST(test_delete_unknown_spi)
{
	struct ike_writer w;
	struct ike_builder b;
	struct ike_msg m;
	uint8_t *buf = NULL;

	begin(&w, &b);
	ike_add_delete(&b, IKE_PROTO_ESP, 4, "\xde\xad\xbe\xef", 1);
	ck_assert(exchange(IKE_INFORMATIONAL, &w, &b, &m, &buf));
	ck_assert_uint_eq(m.n_notify, 0);
	ck_assert_uint_eq(m.n_delete, 0);
	ck_assert_uint_eq(B.n_del, 0);
	free(buf);
	/* and an empty INFORMATIONAL (liveness) gets an empty answer */
	begin(&w, &b);
	ck_assert(exchange(IKE_INFORMATIONAL, &w, &b, &m, &buf));
	ck_assert_uint_eq(m.n_notify + m.n_delete, 0);
	ck_assert_uint_eq(m.present & ~IKE_PL_BIT(IKE_PL_SK), 0);
	free(buf);
}
END_TEST

START_TEST(test_delete_child_answered_with_ours)
{
	struct ike_writer w;
	struct ike_builder b;
	struct ike_msg m;
	uint8_t spi[4], *buf = NULL;

	ike_be32(spi, A.inst[0].in.spi);
	begin(&w, &b);
	ike_add_delete(&b, IKE_PROTO_ESP, 4, spi, 1);
	ck_assert(exchange(IKE_INFORMATIONAL, &w, &b, &m, &buf));
	ck_assert_uint_eq(m.n_delete, 1);
	ck_assert_uint_eq(m.del[0].protocol, IKE_PROTO_ESP);
	ck_assert_uint_eq(m.del[0].n_spi, 1);
	ck_assert_uint_eq(ike_delete_spi32(&m.del[0], 0), B.inst[0].in.spi);
	ck_assert_uint_eq(B.n_del, 1);
	free(buf);
}
END_TEST

START_TEST(test_auth_on_established_ignored)
{
	struct ike_counters c;
	struct ike_writer w;
	struct ike_builder b;
	struct ike_msg m;
	uint8_t *buf = NULL;

	begin(&w, &b);
	ike_add_id(&b, IKE_PL_IDI, IKE_ID_FQDN, "x", 1);
	ike_add_auth(&b, IKE_AUTH_SHARED_KEY_MIC, "0123456789abcdef", 16);
	ck_assert(!exchange(IKE_AUTH, &w, &b, &m, &buf));
	ck_assert_ptr_null(tfind_event(&B, IKE_EV_IKE_DOWN));
	ck_assert_uint_eq(tcount_events(&B, IKE_EV_IKE_UP), 1);
	/* unexpected in the state: counted as invalid, nothing answered */
	ck_assert_int_eq(ike_engine_counters(B.e, NULL, &c), 0);
	ck_assert_uint_eq(c.invalid, 1);
	ck_assert_uint_eq(c.messages[IKE_CTR_OUT][1][IKE_CTR_X_AUTH], 1); /* the handshake's */
}
END_TEST

START_TEST(test_peer_reports_auth_failed)
{
	struct ike_writer w;
	struct ike_builder b;
	struct ike_msg m;
	uint8_t *buf = NULL;

	begin(&w, &b);
	ike_add_notify(&b, 0, NULL, 0, IKE_N_AUTHENTICATION_FAILED, NULL, 0);
	ck_assert(exchange(IKE_INFORMATIONAL, &w, &b, &m, &buf));
	ck_assert_ptr_nonnull(tfind_event(&B, IKE_EV_IKE_DOWN));
	ck_assert_uint_eq(B.n_del, 1);
	free(buf);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ike_engine_forged");
	TCase *tc = tcase_create("forged");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_create_child_refused);
	tcase_add_test(tc, test_missing_payload);
	tcase_add_test(tc, test_unsupported_critical);
	tcase_add_test(tc, test_delete_unknown_spi);
	tcase_add_test(tc, test_delete_child_answered_with_ours);
	tcase_add_test(tc, test_auth_on_established_ignored);
	tcase_add_test(tc, test_peer_reports_auth_failed);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
