/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A responder under a flood (ike/dos.c, cookie.c, log_limit.c): COOKIEs
 * both roles, thresholds, secret rotation and stale COOKIEs, per-source
 * limits and eviction, refusals that allocate nothing and make no key,
 * reply rate limits, bounded logs. Two engines, a fake clock; the flood is
 * one real IKE_SA_INIT request replayed from many source addresses.
 */
#define _GNU_SOURCE /* memmem */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ike/dh.h"
#include "ike/dos.h"
#include "ike/engine.h"
#include "ike/sa.h"
#include "ike/wire.h"
#include "tests/unit/test_ike_engine_env.h"
#include "tests/unit/unit.h"

static struct tpeer A, B;
static uint8_t req[2048]; /* A's IKE_SA_INIT request */
static size_t req_len;

static struct ike_engine_stats stats(const struct tpeer *p)
{
	struct ike_engine_stats st;

	ike_engine_stats(p->e, &st);
	return st;
}

/* B answers anyone (remote %any), with opts; A's first request captured. */
static void setup_opts(const struct ike_engine_opts *bo)
{
	struct tconf cb = tconf_b;
	struct tpkt k;

	tclock = TCLOCK_START;
	cb.remote_any = true;
	tpeer_init(&A, "A", TIP_A, TSEED_A, NULL);
	tpeer_init(&B, "B", TIP_B, TSEED_B, bo);
	ck_assert_ptr_nonnull(A.e);
	ck_assert_ptr_nonnull(B.e);
	ck_assert_int_eq(tconn(&A, &B, &tconf_a), 0);
	ck_assert_int_eq(tconn(&B, &A, &cb), 0);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	ck_assert(tq_pop(&A, &k));
	ck_assert_uint_le(k.len, sizeof(req));
	memcpy(req, k.data, k.len);
	req_len = k.len;
	free(k.data);
}

static void teardown(void)
{
	tpeer_free(&A);
	tpeer_free(&B);
}

/* Delivers pkt to B as if from 198.51.100.x (or 2001:db8:x::1 /64s). */
static void from_source(const uint8_t *pkt, size_t len, unsigned int x, uint16_t port)
{
	struct ike_addr src;
	char ip[64];

	if (x >= 256)
		snprintf(ip, sizeof(ip), "2001:db8:%x::1", x);
	else
		snprintf(ip, sizeof(ip), "198.51.100.%u", x);
	taddr(&src, ip, port);
	ike_engine_input(B.e, pkt, len, &B.addr, &src);
}

/* Whether B's last queued datagram carries notify type; clears B's queue. */
static bool b_answered(uint16_t type)
{
	struct ike_wire_err err;
	struct ike_msg *m = calloc(1, sizeof(*m));
	bool found = false;

	ck_assert_ptr_nonnull(m);
	if (B.n_q && !ike_msg_decode(m, B.q[B.n_q - 1].data, B.q[B.n_q - 1].len, &err))
		found = ike_msg_notify(m, type) != NULL;
	free(m);
	tq_clear(&B);
	return found;
}

/* ---- COOKIEs ---- */

/* B always asks (threshold 0): A answers the COOKIE and both come up; the
 * first request allocated nothing at B. */
START_TEST(test_cookie_exchange)
{
	struct ike_engine_opts o = { .cookie_threshold = IKE_OPT_ZERO };
	struct ike_engine_stats st;
	static struct trec to_b;
	static uint8_t seed[TREC_MAX + 1];
	const char *dir = getenv("CONDUIT_DUMP_CORPUS");
	struct tpeer r;

	setup_opts(&o);
	to_b.len = 0;
	trec_add(&to_b, req, req_len, false);
	trec_to_b = &to_b;
	ike_engine_input(B.e, req, req_len, &B.addr, &A.addr);
	st = stats(&B);
	ck_assert_uint_eq(st.cookies_sent, 1);
	ck_assert_uint_eq(st.half_open, 0);
	ck_assert_uint_eq(st.dh_keys, 0);
	tpump(&A, &B);
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_CHILD_UP));
	ck_assert_ptr_nonnull(tfind_event(&B, IKE_EV_CHILD_UP));
	st = stats(&B);
	ck_assert_uint_eq(st.cookies_sent, 1);
	ck_assert_uint_eq(st.cookies_accepted, 1);
	ck_assert_uint_eq(st.dh_keys, 1);
	teardown();

	/* What B received is a fuzz seed (mode 8: a responder asking for
	 * COOKIEs): replayed, it gets as far, through the COOKIE. */
	trec_to_b = NULL;
	seed[0] = 8;
	memcpy(seed + 1, to_b.buf, to_b.len);
	tfuzz_run(&r, seed, to_b.len + 1);
	ck_assert_ptr_nonnull(tfind_event(&r, IKE_EV_CHILD_UP));
	ike_engine_stats(r.e, &st);
	ck_assert_uint_eq(st.cookies_sent, 1);
	tpeer_free(&r);
	if (dir) {
		char path[512];
		FILE *f;

		snprintf(path, sizeof(path), "%s/to-responder-cookie", dir);
		f = fopen(path, "wb");
		ck_assert_ptr_nonnull(f);
		ck_assert_uint_eq(fwrite(seed, 1, to_b.len + 1, f), to_b.len + 1);
		fclose(f);
	}
}
END_TEST

/* Below the thresholds no COOKIE is asked; the global threshold, then the
 * per-source one, make B ask. */
START_TEST(test_cookie_thresholds)
{
	struct ike_engine_opts o = { .cookie_threshold = 3, .cookie_threshold_ip = 2 };

	setup_opts(&o);
	from_source(req, req_len, 1, 500);
	ck_assert(!b_answered(IKE_N_COOKIE));
	/* a second from the same source: still under 2 */
	from_source(req, req_len, 1, 501);
	ck_assert(!b_answered(IKE_N_COOKIE));
	/* source 1 now holds 2: it must show a COOKIE */
	from_source(req, req_len, 1, 502);
	ck_assert(b_answered(IKE_N_COOKIE));
	ck_assert_uint_eq(stats(&B).half_open, 2);
	/* another source is let in: 3 in all */
	from_source(req, req_len, 2, 500);
	ck_assert(!b_answered(IKE_N_COOKIE));
	ck_assert_uint_eq(stats(&B).half_open, 3);
	/* the global threshold: everyone asked now */
	from_source(req, req_len, 3, 500);
	ck_assert(b_answered(IKE_N_COOKIE));
	ck_assert_uint_eq(stats(&B).half_open, 3);
	ck_assert(stats(&B).cookies_required);
	teardown();
}
END_TEST

/* A COOKIE binds SPIi, Ni and the address; secrets rotate each minute,
 * the old one good 10 s longer. */
START_TEST(test_cookie_rotation)
{
	struct ike_addr src, other;
	uint8_t ni[32], c[IKE_COOKIE_LEN], c2[IKE_COOKIE_LEN];
	uint64_t base;

	setup_opts(NULL);
	taddr(&src, "198.51.100.7", 500);
	taddr(&other, "198.51.100.7", 501);
	memset(ni, 0x42, sizeof(ni));
	base = (TCLOCK_START / IKE_COOKIE_PERIOD_MS + 1) * IKE_COOKIE_PERIOD_MS;
	tclock = base + IKE_COOKIE_PERIOD_MS - 1000; /* late in a period */
	ck_assert_int_eq(ike_cookie_make(B.e, 0x1234, ni, sizeof(ni), &src, c), 0);
	ck_assert(ike_cookie_valid(B.e, c, sizeof(c), 0x1234, ni, sizeof(ni), &src));
	ck_assert(!ike_cookie_valid(B.e, c, sizeof(c), 0x1235, ni, sizeof(ni), &src));
	ck_assert(!ike_cookie_valid(B.e, c, sizeof(c), 0x1234, ni, sizeof(ni), &other));
	ck_assert(!ike_cookie_valid(B.e, c, sizeof(c), 0x1234, ni, sizeof(ni) - 1, &src));
	ck_assert(!ike_cookie_valid(B.e, c, sizeof(c) - 1, 0x1234, ni, sizeof(ni), &src));
	c[5] ^= 1;
	ck_assert(!ike_cookie_valid(B.e, c, sizeof(c), 0x1234, ni, sizeof(ni), &src));
	c[5] ^= 1;
	/* the next period: a new secret, the old one still good for 10 s */
	tclock = base + IKE_COOKIE_PERIOD_MS + 9000;
	ck_assert(ike_cookie_valid(B.e, c, sizeof(c), 0x1234, ni, sizeof(ni), &src));
	ck_assert_int_eq(ike_cookie_make(B.e, 0x1234, ni, sizeof(ni), &src, c2), 0);
	ck_assert_uint_ne(c2[0], c[0]);
	ck_assert(memcmp(c, c2, sizeof(c)) != 0);
	/* stale after the grace period; the new one is good */
	tclock = base + IKE_COOKIE_PERIOD_MS + IKE_COOKIE_GRACE_MS + 1;
	ck_assert(!ike_cookie_valid(B.e, c, sizeof(c), 0x1234, ni, sizeof(ni), &src));
	ck_assert(ike_cookie_valid(B.e, c2, sizeof(c2), 0x1234, ni, sizeof(ni), &src));
	/* two periods on, both are gone */
	tclock = base + 3 * IKE_COOKIE_PERIOD_MS;
	ck_assert(!ike_cookie_valid(B.e, c2, sizeof(c2), 0x1234, ni, sizeof(ni), &src));
	teardown();
}
END_TEST

/* A stale COOKIE in a request gets a fresh COOKIE, not an SA. */
START_TEST(test_cookie_stale_in_request)
{
	struct ike_engine_opts o = { .cookie_threshold = IKE_OPT_ZERO };
	struct tpkt k;

	setup_opts(&o);
	ike_engine_input(B.e, req, req_len, &B.addr, &A.addr);
	/* A gets the COOKIE and asks again with it, 2 minutes later */
	ck_assert(tq_pop(&B, &k));
	ike_engine_input(A.e, k.data, k.len, &k.dst, &k.src);
	free(k.data);
	ck_assert(tq_pop(&A, &k));
	tclock += 2 * IKE_COOKIE_PERIOD_MS;
	ike_engine_input(B.e, k.data, k.len, &k.dst, &k.src);
	free(k.data);
	ck_assert(b_answered(IKE_N_COOKIE));
	ck_assert_uint_eq(stats(&B).cookies_refused, 1);
	ck_assert_uint_eq(stats(&B).half_open, 0);
	teardown();
}
END_TEST

/* ---- per-source limits and eviction ---- */

START_TEST(test_source_limit)
{
	struct ike_engine_opts o = { .half_open_max_ip = 2,
				     .cookie_threshold = 1000,
				     .cookie_threshold_ip = 1000 };

	setup_opts(&o);
	from_source(req, req_len, 9, 500);
	from_source(req, req_len, 9, 501);
	from_source(req, req_len, 9, 502);
	ck_assert_uint_eq(stats(&B).half_open, 2);
	ck_assert_uint_eq(stats(&B).events[IKE_LC_SOURCE_FULL], 1);
	/* IPv6: one /64 is one source */
	from_source(req, req_len, 0x100, 500);
	from_source(req, req_len, 0x100, 501);
	from_source(req, req_len, 0x100, 502);
	ck_assert_uint_eq(stats(&B).half_open, 4);
	ck_assert_uint_eq(stats(&B).half_open_sources, 2);
	ck_assert_uint_eq(stats(&B).events[IKE_LC_SOURCE_FULL], 2);
	/* others still get in */
	from_source(req, req_len, 10, 500);
	ck_assert_uint_eq(stats(&B).half_open, 5);
	teardown();
}
END_TEST

/* The table full: the oldest SA of the busiest source goes, quietly. */
START_TEST(test_eviction)
{
	struct ike_engine_opts o = { .half_open_max = 3,
				     .half_open_max_ip = 3,
				     .cookie_threshold = 1000,
				     .cookie_threshold_ip = 1000 };
	const struct tevent *ev;

	setup_opts(&o);
	from_source(req, req_len, 1, 500);
	from_source(req, req_len, 2, 500);
	from_source(req, req_len, 2, 501);
	ck_assert_uint_eq(stats(&B).half_open, 3);
	B.n_ev = 0;
	from_source(req, req_len, 3, 500);
	ck_assert_uint_eq(stats(&B).half_open, 3);
	ck_assert_uint_eq(stats(&B).events[IKE_LC_EVICTED], 1);
	ck_assert_uint_eq(stats(&B).half_open_sources, 3);
	ev = tfind_event(&B, IKE_EV_FAILED);
	ck_assert_ptr_nonnull(ev);
	/* source 2's first SA went: its second request is still answered
	 * as a retransmission, its first is new again */
	{
		struct ike_addr s1, s2;

		taddr(&s1, "198.51.100.1", 500);
		taddr(&s2, "198.51.100.2", 500);
		ck_assert_uint_eq(ike_dos_src_count(B.e, &s1), 1);
		ck_assert_uint_eq(ike_dos_src_count(B.e, &s2), 1);
		ck_assert_ptr_null(ike_sa_half_open_find(B.e, ike_get_be64(req), &s2));
	}
	teardown();
}
END_TEST

/* The memory cap evicts too. */
START_TEST(test_memory_cap)
{
	struct ike_engine_opts o = { .half_open_memory = 12000,
				     .cookie_threshold = 1000,
				     .cookie_threshold_ip = 1000 };

	setup_opts(&o);
	for (unsigned int i = 1; i <= 20; i++)
		from_source(req, req_len, i, 500);
	ck_assert_uint_le(stats(&B).half_open_bytes, 12000);
	ck_assert_uint_gt(stats(&B).half_open, 0);
	ck_assert_uint_gt(stats(&B).events[IKE_LC_EVICTED], 0);
	teardown();
}
END_TEST

/* A half-open SA times out quietly: a debug line and a summary. */
static int expired_summaries;

static void count_expired(struct tpeer *p, enum ike_log_level level, const char *line)
{
	(void)p;
	(void)level;
	if (strstr(line, "half-open IKE SAs timed out"))
		expired_summaries++;
	ck_assert_msg(!strstr(line, "failed"), "an error per SA: %s", line);
}

START_TEST(test_half_open_timeout)
{
	struct ike_engine_opts o = { .half_open_timeout_ms = 5000,
				     .cookie_threshold = 1000,
				     .cookie_threshold_ip = 1000 };

	setup_opts(&o);
	for (unsigned int i = 1; i <= 10; i++)
		from_source(req, req_len, i, 500);
	ck_assert_uint_eq(stats(&B).half_open, 10);
	B.on_log = count_expired;
	expired_summaries = 0;
	tclock += 5000;
	ike_engine_run_timers(B.e);
	ck_assert_uint_eq(stats(&B).half_open, 0);
	ck_assert_uint_eq(stats(&B).half_open_sources, 0);
	ck_assert_uint_eq(stats(&B).half_open_bytes, 0);
	ck_assert_uint_eq(stats(&B).events[IKE_LC_EXPIRED], 10);
	ck_assert_int_eq(expired_summaries, 0);
	tclock += 1000;
	ike_engine_run_timers(B.e);
	ck_assert_int_eq(expired_summaries, 1);
	teardown();
}
END_TEST

/* ---- refusals before anything is allocated ---- */

START_TEST(test_invalid_ke_makes_no_key)
{
	struct ike_sa *sa;
	const uint8_t *pub;
	size_t pub_len;
	uint8_t *p;

	setup_opts(NULL);
	sa = ike_sa_by_id(A.e, 1);
	ck_assert_ptr_nonnull(sa);
	pub = ike_dh_public(sa->ho->dh, &pub_len);
	p = memmem(req, req_len, pub, pub_len);
	ck_assert_ptr_nonnull(p);
	memset(p, 0, pub_len); /* X25519 u = 0: small order */
	for (unsigned int i = 1; i <= 50; i++)
		from_source(req, req_len, i, 500);
	ck_assert_uint_eq(stats(&B).dh_keys, 0);
	ck_assert_uint_eq(stats(&B).half_open, 0);
	ck_assert_uint_eq(stats(&B).events[IKE_LC_KE_VALUE], 50);
	ck_assert_uint_eq(HASH_CNT(hh_id, B.e->sas_by_id), 0);
	teardown();
}
END_TEST

START_TEST(test_no_conn_allocates_nothing)
{
	setup_opts(NULL);
	ck_assert_int_eq(ike_engine_remove_conn(B.e, "gw"), 0);
	for (unsigned int i = 1; i <= 5; i++)
		from_source(req, req_len, i, 500);
	ck_assert_uint_eq(stats(&B).events[IKE_LC_NO_CONN], 5);
	ck_assert_uint_eq(stats(&B).dh_keys, 0);
	ck_assert_uint_eq(HASH_CNT(hh_id, B.e->sas_by_id), 0);
	teardown();
}
END_TEST

/* ---- unprotected replies and logs ---- */

START_TEST(test_reply_rate)
{
	struct ike_engine_opts o = { .reply_rate = 4, .reply_rate_ip = 2 };
	struct ike_engine_stats st;

	setup_opts(&o);
	ck_assert_int_eq(ike_engine_remove_conn(B.e, "gw"), 0);
	/* per source */
	for (int i = 0; i < 5; i++)
		from_source(req, req_len, 1, 500);
	st = stats(&B);
	ck_assert_uint_eq(st.replies_sent, 2);
	ck_assert_uint_eq(st.replies_limited, 3);
	/* in all */
	for (unsigned int i = 2; i < 10; i++)
		from_source(req, req_len, i, 500);
	st = stats(&B);
	ck_assert_uint_eq(st.replies_sent, 4);
	/* a second later, again */
	tclock += 1000;
	from_source(req, req_len, 1, 500);
	ck_assert_uint_eq(stats(&B).replies_sent, 5);
	teardown();
}
END_TEST

/* COOKIE replies are limited per source only: a flood of others cannot
 * keep a legitimate peer from its COOKIE. */
START_TEST(test_cookie_not_limited_globally)
{
	struct ike_engine_opts o = { .reply_rate = 1,
				     .reply_rate_ip = 1,
				     .cookie_threshold = IKE_OPT_ZERO };

	setup_opts(&o);
	for (unsigned int i = 1; i <= 20; i++)
		from_source(req, req_len, i, 500);
	ck_assert_uint_eq(stats(&B).cookies_sent, 20);
	ck_assert_uint_eq(stats(&B).replies_sent, 20);
	/* and the legitimate peer gets through */
	tq_clear(&B);
	ike_engine_input(B.e, req, req_len, &B.addr, &A.addr);
	tpump(&A, &B);
	ck_assert_ptr_nonnull(tfind_event(&B, IKE_EV_CHILD_UP));
	teardown();
}
END_TEST

static int no_conn_lines, summaries;
static char summary_line[512];

static void count_lines(struct tpeer *p, enum ike_log_level level, const char *line)
{
	(void)p;
	(void)level;
	if (strstr(line, "suppressed")) {
		summaries++;
		snprintf(summary_line, sizeof(summary_line), "%s", line);
	} else if (strstr(line, "no connection for this peer")) {
		no_conn_lines++;
	}
}

START_TEST(test_log_limit)
{
	int before;

	setup_opts(NULL);
	ck_assert_int_eq(ike_engine_remove_conn(B.e, "gw"), 0);
	B.on_log = count_lines;
	no_conn_lines = summaries = 0;
	for (unsigned int i = 0; i < 100; i++)
		from_source(req, req_len, i, 500);
	ck_assert_int_eq(no_conn_lines, 1);
	ck_assert_int_eq(summaries, 0);
	/* the summary comes with the timer, even with no more traffic */
	ck_assert_uint_ne(B.wake, UINT64_MAX);
	tclock = B.wake;
	ike_engine_run_timers(B.e);
	ck_assert_int_eq(summaries, 1);
	{
		unsigned long n = 0, srcs = 0, secs = 0;

		ck_assert_msg(sscanf(summary_line,
				     "suppressed %lu 'no connection for this peer' messages from "
				     "%lu sources in the last %lu s",
				     &n, &srcs, &secs) == 3,
			      "%s", summary_line);
		ck_assert_uint_eq(n, 99);
		ck_assert_uint_eq(secs, 1);
		/* an estimate */
		ck_assert_msg(srcs >= 90 && srcs <= 110, "%s", summary_line);
	}
	ck_assert_uint_eq(stats(&B).events[IKE_LC_NO_CONN], 100);
	ck_assert_uint_eq(stats(&B).suppressed[IKE_LC_NO_CONN], 99);
	/* a steady flood over 5 s: one line a second, a summary */
	before = no_conn_lines + summaries;
	for (int s = 0; s < 5; s++) {
		for (unsigned int i = 0; i < 200; i++) {
			/* (the summary timer may run late: a busy loop) */
			tclock += 5;
			from_source(req, req_len, i, 500);
		}
	}
	ck_assert_int_le(no_conn_lines + summaries - before, 5);
	ck_assert_int_ge(summaries - 1, 4);
	teardown();
}
END_TEST

static int answered_info, other_info, established_info;

static void count_answered(struct tpeer *p, enum ike_log_level level, const char *line)
{
	(void)p;
	if (level != IKE_LOG_INFO)
		return;
	if (strstr(line, "IKE_SA_INIT answered"))
		answered_info++;
	if (strstr(line, "IKE SA established"))
		established_info++;
	/* any other info line of the half-open SAs after the first source's */
	else if (strstr(line, "198.51.100.") && !strstr(line, "198.51.100.2["))
		other_info++;
}

/* A valid flood's half-open SAs: one "IKE_SA_INIT answered" a second at
 * info, the others' lines at debug and summed up; an SA made meanwhile
 * that goes on to authenticate logs its establishment at info. */
START_TEST(test_answered_lines_bounded)
{
	struct ike_engine_opts o = { .cookie_threshold = 1000, .cookie_threshold_ip = 1000 };

	setup_opts(&o);
	B.on_log = count_answered;
	answered_info = other_info = established_info = 0;
	for (unsigned int i = 2; i < 52; i++)
		from_source(req, req_len, i, 500);
	ck_assert_uint_eq(stats(&B).half_open, 50);
	ck_assert_int_eq(answered_info, 1);
	ck_assert_int_eq(other_info, 0);
	ck_assert_uint_eq(stats(&B).events[IKE_LC_ANSWERED], 50);
	ck_assert_uint_eq(stats(&B).suppressed[IKE_LC_ANSWERED], 49);
	/* A itself, in the same second: quiet until it authenticates (the
	 * replies to the copies, all to A's SPI, must not reach A) */
	tq_clear(&B);
	ike_engine_input(B.e, req, req_len, &B.addr, &A.addr);
	ck_assert_int_eq(answered_info, 1);
	tpump(&A, &B);
	ck_assert_ptr_nonnull(tfind_event(&B, IKE_EV_CHILD_UP));
	ck_assert_int_eq(established_info, 1);
	teardown();
}
END_TEST

/* The tables looked up by values a peer picks (SPIs, half-open keys) hash
 * with the engine's keyed SipHash, not uthash's unkeyed default. */
START_TEST(test_tables_keyed)
{
	struct ike_engine_opts o = { .cookie_threshold = 1000, .cookie_threshold_ip = 1000 };
	struct ike_sa *sa, *tmp;
	unsigned int n = 0;

	setup_opts(&o);
	for (unsigned int i = 1; i <= 5; i++)
		from_source(req, req_len, i, 500);
	HASH_ITER (hh_id, B.e->sas_by_id, sa, tmp) {
		ck_assert_uint_eq(
		    sa->hh_spi.hashv,
		    (unsigned int)ike_dos_hash(B.e, &sa->spi_local, sizeof(sa->spi_local)));
		ck_assert_ptr_eq(ike_sa_by_spi(B.e, sa->spi_local), sa);
		ck_assert_ptr_nonnull(sa->ho);
		ck_assert(sa->ho->in_table);
		ck_assert_uint_eq(sa->ho->hh.hashv, (unsigned int)ike_dos_hash(
							B.e, &sa->ho->key, sizeof(sa->ho->key)));
		ck_assert_ptr_eq(ike_sa_half_open_find(B.e, sa->spi_i, &sa->remote), sa);
		n++;
	}
	ck_assert_uint_eq(n, 5);
	teardown();
}
END_TEST

/* ---- other versions, SK in IKE_SA_INIT, retransmissions ---- */

/* The reply B sent last, decoded (NULL: none); clears B's queue. */
static struct ike_msg *b_reply(void)
{
	struct ike_wire_err err;
	struct ike_msg *m = calloc(1, sizeof(*m));

	ck_assert_ptr_nonnull(m);
	if (!B.n_q || ike_msg_decode(m, B.q[B.n_q - 1].data, B.q[B.n_q - 1].len, &err)) {
		free(m);
		m = NULL;
	}
	tq_clear(&B);
	return m;
}

START_TEST(test_major_version)
{
	uint8_t pkt[2048];
	struct ike_msg *m;

	setup_opts(NULL);
	/* IKEv3 */
	memcpy(pkt, req, req_len);
	pkt[17] = 0x30;
	from_source(pkt, req_len, 1, 500);
	m = b_reply();
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(ike_msg_notify(m, IKE_N_INVALID_MAJOR_VERSION));
	ck_assert_uint_eq(m->hdr.version, 0x20);
	ck_assert(m->hdr.flags & IKE_FLAG_RESPONSE);
	ck_assert(!(m->hdr.flags & IKE_FLAG_INITIATOR));
	free(m);
	/* IKEv1 Main Mode, Aggressive Mode: answered in an INFORMATIONAL */
	for (int x = 2; x <= 4; x += 2) {
		pkt[17] = 0x10;
		pkt[18] = (uint8_t)x;
		pkt[19] = 0;
		from_source(pkt, req_len, 2, 500);
		m = b_reply();
		ck_assert_ptr_nonnull(m);
		ck_assert_ptr_nonnull(ike_msg_notify(m, IKE_N_INVALID_MAJOR_VERSION));
		ck_assert_uint_eq(m->hdr.exchange, IKE_INFORMATIONAL);
		free(m);
	}
	/* other IKEv1 exchanges (Informational, Quick Mode): nothing */
	pkt[18] = 5;
	from_source(pkt, req_len, 3, 500);
	ck_assert_ptr_null(b_reply());
	pkt[18] = 32;
	from_source(pkt, req_len, 3, 500);
	ck_assert_ptr_null(b_reply());
	/* a response of another version: nothing */
	pkt[17] = 0x30;
	pkt[18] = IKE_SA_INIT;
	pkt[19] = IKE_FLAG_RESPONSE;
	from_source(pkt, req_len, 4, 500);
	ck_assert_ptr_null(b_reply());
	ck_assert_uint_eq(stats(&B).events[IKE_LC_VERSION], 3);
	ck_assert_uint_eq(stats(&B).half_open, 0);
	teardown();
}
END_TEST

/* An Encrypted payload appended to an IKE_SA_INIT request. */
START_TEST(test_init_with_sk)
{
	uint8_t pkt[2048];
	size_t off = 28, last, len;

	setup_opts(NULL);
	len = req_len;
	memcpy(pkt, req, req_len);
	/* the last payload's next-payload field: 16 in the header */
	last = 16;
	while (off + 4 <= req_len && pkt[last] != 0) {
		last = off;
		off += (size_t)(pkt[off + 2] << 8 | pkt[off + 3]);
	}
	ck_assert_uint_eq(off, req_len);
	pkt[last] = IKE_PL_SK;
	memset(pkt + len, 0, 36);
	pkt[len + 3] = 36;
	len += 36;
	ike_be32(pkt + 24, (uint32_t)len);
	from_source(pkt, len, 1, 500);
	ck_assert(b_answered(IKE_N_INVALID_SYNTAX));
	ck_assert_uint_eq(stats(&B).half_open, 0);
	ck_assert_uint_eq(stats(&B).events[IKE_LC_MALFORMED], 1);
	teardown();
}
END_TEST

/* The cached answer goes again for the same request only. */
struct capture {
	uint8_t pkt[4096];
	size_t len;
	int n;
};

static bool capture_auth(const struct tpeer *from, const struct tpkt *k, size_t n, void *arg)
{
	struct capture *c = arg;

	(void)n;
	/* A's IKE_AUTH request: the first it sends in the pump */
	if (from == &A && c->n++ == 0 && k->len <= sizeof(c->pkt)) {
		memcpy(c->pkt, k->data, k->len);
		c->len = k->len;
	}
	return true;
}

START_TEST(test_retransmit_same_request_only)
{
	struct capture cap = { .n = 0 };
	uint8_t other[2048];
	size_t sent;

	setup_opts(NULL);
	/* IKE_SA_INIT: the same request again is answered again */
	ike_engine_input(B.e, req, req_len, &B.addr, &A.addr);
	ck_assert_uint_eq(B.n_q, 1);
	ike_engine_input(B.e, req, req_len, &B.addr, &A.addr);
	ck_assert_uint_eq(B.n_q, 2);
	/* one with the same SPI and another nonce is not */
	memcpy(other, req, req_len);
	other[req_len - 60] ^= 1;
	ike_engine_input(B.e, other, req_len, &B.addr, &A.addr);
	ck_assert_uint_eq(B.n_q, 2);
	tq_clear(&B);
	teardown();

	/* IKE_AUTH: the same */
	setup_opts(NULL);
	ike_engine_input(B.e, req, req_len, &B.addr, &A.addr);
	tpump_f(&A, &B, capture_auth, &cap);
	ck_assert_ptr_nonnull(tfind_event(&B, IKE_EV_CHILD_UP));
	ck_assert_uint_gt(cap.len, 0);
	sent = B.n_sent;
	ike_engine_input(B.e, cap.pkt, cap.len, &B.addr, &A.addr);
	ck_assert_uint_eq(B.n_sent, sent + 1);
	cap.pkt[cap.len - 1] ^= 1;
	ike_engine_input(B.e, cap.pkt, cap.len, &B.addr, &A.addr);
	ck_assert_uint_eq(B.n_sent, sent + 1);
	teardown();
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ike_dos");
	TCase *tc = tcase_create("cookies");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_cookie_exchange);
	tcase_add_test(tc, test_cookie_thresholds);
	tcase_add_test(tc, test_cookie_rotation);
	tcase_add_test(tc, test_cookie_stale_in_request);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_source_limit);
	tcase_add_test(tc, test_eviction);
	tcase_add_test(tc, test_memory_cap);
	tcase_add_test(tc, test_half_open_timeout);
	tcase_add_test(tc, test_invalid_ke_makes_no_key);
	tcase_add_test(tc, test_no_conn_allocates_nothing);
	suite_add_tcase(s, tc);
	tc = tcase_create("replies");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_reply_rate);
	tcase_add_test(tc, test_cookie_not_limited_globally);
	tcase_add_test(tc, test_log_limit);
	tcase_add_test(tc, test_answered_lines_bounded);
	tcase_add_test(tc, test_tables_keyed);
	suite_add_tcase(s, tc);
	tc = tcase_create("messages");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_major_version);
	tcase_add_test(tc, test_init_with_sk);
	tcase_add_test(tc, test_retransmit_same_request_only);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
