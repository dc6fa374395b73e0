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

#include "ike/engine.h"
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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tpeer p;

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

int main(int argc, char **argv)
{
	tverbose = getenv("CONDUIT_TEST_VERBOSE") != NULL;
	return replay_main("engine", argc, argv);
}
#endif
