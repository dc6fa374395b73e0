// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Dead peer detection and what becomes of SAs that go: two engines in
 * memory under the fake clock. DPD only after dpd_delay of silence and
 * never while a request is out; a dead peer after the retransmission
 * schedule; dpd_action and close_action (clear, trap, restart with
 * keyingtries); a peer's Delete honoured at once.
 * CONDUIT_TEST_VERBOSE=1 prints the logs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/ike.h"
#include "tests/unit/test_ike_engine_env.h"
#include "tests/unit/unit.h"

static struct tpeer A, B; /* A initiates, B responds */

/* What tenv_event does not keep: each event's cause and action. */
struct xev {
	enum ike_event_type type;
	uint8_t cause, action;
	char child[64];
	char reason[128];
};
static struct xev xa[TEV_MAX], xb[TEV_MAX];
static size_t n_xa, n_xb;

static void xevent(void *ctx, const struct ike_event *ev)
{
	struct tpeer *p = ctx;
	struct xev *x = p == &A ? xa : xb;
	size_t *n = p == &A ? &n_xa : &n_xb;

	if (*n < TEV_MAX) {
		x[*n].type = ev->type;
		x[*n].cause = ev->cause;
		x[*n].action = ev->action;
		snprintf(x[*n].child, sizeof(x[*n].child), "%s",
			 ev->child_name ? ev->child_name : "");
		snprintf(x[*n].reason, sizeof(x[*n].reason), "%s", ev->reason ? ev->reason : "");
		(*n)++;
	}
	tenv_event(ctx, ev);
}

/* ESP seen by A's inbound SAs: at this time (0: never). */
static uint64_t a_esp_in;

static int a_last_in(void *ctx, uint32_t child_id, uint64_t *at_ms)
{
	(void)child_id;
	if (ctx != &A || !a_esp_in)
		return -ENOENT;
	*at_ms = a_esp_in;
	return 0;
}

/* tpeer_init, with xevent as the event callback. */
static void peer_init(struct tpeer *p, const char *name, const char *ip, uint64_t seed,
		      const struct ike_engine_opts *opts)
{
	struct ike_env env = {
		.ctx = p,
		.send = tenv_send,
		.alloc_spi = tenv_alloc_spi,
		.child_install = tenv_child_install,
		.child_delete = tenv_child_delete,
		.now_ms = tenv_now,
		.random = tenv_random,
		.wake_at = tenv_wake_at,
		.event = xevent,
		.log = tenv_log,
		.child_last_in = a_last_in,
	};

	memset(p, 0, sizeof(*p));
	p->name = name;
	taddr(&p->addr, ip, 500);
	p->rng = seed;
	p->next_spi = 0xc0000000u | (uint32_t)(seed & 0xffff) << 8;
	p->wake = UINT64_MAX;
	p->e = ike_engine_new(&env, opts);
	ck_assert_ptr_nonnull(p->e);
}

static const struct ike_engine_opts fast = { .retransmit_base_ms = 100, .retransmit_tries = 2 };

static void setup_opts(const struct ike_engine_opts *opts)
{
	tverbose = getenv("CONDUIT_TEST_VERBOSE") != NULL;
	tclock = TCLOCK_START;
	n_xa = n_xb = 0;
	a_esp_in = 0;
	peer_init(&A, "A", TIP_A, TSEED_A, opts);
	peer_init(&B, "B", TIP_B, TSEED_B, opts);
}

static void setup(void)
{
	setup_opts(NULL);
}

static void setup_fast(void)
{
	setup_opts(&fast);
}

static void teardown(void)
{
	tpeer_free(&A);
	tpeer_free(&B);
}

struct dcfg {
	uint32_t dpd_delay, keyingtries;
	uint8_t dpd_action, close_action;
};

static int conn(struct tpeer *p, const struct tpeer *peer, const struct tconf *tc,
		const struct dcfg *d)
{
	struct ike_child_cfg child;
	struct ike_conn_cfg cfg;
	const char *err = NULL;

	memset(&child, 0, sizeof(child));
	snprintf(child.name, sizeof(child.name), "net");
	child.local_ts = tc->local_ts;
	child.remote_ts = tc->remote_ts;
	child.esp_proposals = tc->esp;
	child.dpd_action = d->dpd_action;
	child.close_action = d->close_action;
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.name, sizeof(cfg.name), "gw");
	cfg.local = p->addr;
	cfg.remote = peer->addr;
	cfg.proposals = tc->proposals;
	cfg.psk = (const uint8_t *)tc->psk;
	cfg.psk_len = strlen(tc->psk);
	cfg.dpd_delay = d->dpd_delay;
	cfg.keyingtries = d->keyingtries;
	cfg.n_children = 1;
	cfg.children = &child;
	return ike_engine_add_conn(p->e, &cfg, &err);
}

static void connect_ab(const struct dcfg *da, const struct dcfg *db)
{
	ck_assert_int_eq(conn(&A, &B, &tconf_a, da), 0);
	ck_assert_int_eq(conn(&B, &A, &tconf_b, db), 0);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	tpump(&A, &B);
	ck_assert_uint_eq(tcount_events(&A, IKE_EV_CHILD_UP), 1);
	ck_assert_uint_eq(tcount_events(&B, IKE_EV_CHILD_UP), 1);
}

/* A datagram's exchange type and whether it is a request. */
static uint8_t pkt_exchange(const struct tpkt *k)
{
	return k->len >= 28 ? k->data[18] : 0;
}

static bool pkt_request(const struct tpkt *k)
{
	return k->len >= 28 && !(k->data[19] & 0x20);
}

/* The network: optionally down, and a log of the requests A sends. */
struct net {
	bool down;
	size_t a_requests, a_info_requests, a_init_requests, b_requests;
	uint64_t a_init_at[32]; /* tclock of each IKE_SA_INIT request from A */
	size_t dropped;
};

static bool net_filter(const struct tpeer *from, const struct tpkt *k, size_t n, void *arg)
{
	struct net *net = arg;

	(void)n;
	if (from == &A && pkt_request(k)) {
		net->a_requests++;
		if (pkt_exchange(k) == IKE_INFORMATIONAL)
			net->a_info_requests++;
		if (pkt_exchange(k) == IKE_SA_INIT && net->a_init_requests < 32)
			net->a_init_at[net->a_init_requests++] = tclock;
	}
	if (from == &B && pkt_request(k))
		net->b_requests++;
	if (net->down)
		net->dropped++;
	return !net->down;
}

static const struct xev *xfind(const struct xev *x, size_t n, enum ike_event_type type)
{
	for (size_t i = 0; i < n; i++)
		if (x[i].type == type)
			return &x[i];
	return NULL;
}

/* Advance to the next wake-up and deliver what it sent, until cond holds
 * or max steps; returns whether cond held. */
#define RUN_UNTIL(cond, net, max)                                                                  \
	({                                                                                         \
		bool ok_ = false;                                                                  \
		for (int i_ = 0; i_ < (max); i_++) {                                               \
			tpump_f(&A, &B, net_filter, (net));                                        \
			if (cond) {                                                                \
				ok_ = true;                                                        \
				break;                                                             \
			}                                                                          \
			if (!tadvance(&A, &B))                                                     \
				break;                                                             \
		}                                                                                  \
		ok_;                                                                               \
	})

/* ---- liveness ---- */

START_TEST(test_dpd_after_silence)
{
	struct dcfg da = { .dpd_delay = 10 }, db = { 0 };
	struct net net = { 0 };
	const uint64_t t0 = tclock;
	size_t b_sent;

	connect_ab(&da, &db);
	/* Established at t0: the check is due dpd_delay later, not before. */
	ck_assert_uint_eq(A.wake, t0 + 10000);
	ck_assert_uint_eq(B.wake, UINT64_MAX); /* B has no DPD */
	b_sent = B.n_sent;
	tadvance(&A, &B);
	ck_assert_uint_eq(tclock, t0 + 10000);
	ck_assert_uint_eq(A.n_q, 1);
	tpump_f(&A, &B, net_filter, &net);
	ck_assert_uint_eq(net.a_info_requests, 1);
	/* B answered the empty INFORMATIONAL (RFC 7296 2.4) and A took it. */
	ck_assert_uint_eq(B.n_sent, b_sent + 1);
	ck_assert_uint_eq(B.n_ev, 2); /* IKE_UP, CHILD_UP: nothing happened */
	ck_assert_uint_eq(A.n_ev, 2);
	/* The answer counts as news from the peer: next check 10 s on. */
	ck_assert_uint_eq(A.wake, t0 + 20000);
	tadvance(&A, &B);
	tpump_f(&A, &B, net_filter, &net);
	ck_assert_uint_eq(net.a_info_requests, 2);
	ck_assert_uint_eq(A.n_del, 0);
	ck_assert_uint_eq(B.n_del, 0);
}
END_TEST

START_TEST(test_no_dpd_while_traffic)
{
	/* B checks every 4 s; its requests are news for A, whose 10 s of
	 * silence never come: A sends no request of its own in a minute. */
	struct dcfg da = { .dpd_delay = 10 }, db = { .dpd_delay = 4 };
	struct net net = { 0 };
	const uint64_t t0 = tclock;

	connect_ab(&da, &db);
	while (tclock < t0 + 60000) {
		ck_assert(tadvance(&A, &B));
		tpump_f(&A, &B, net_filter, &net);
	}
	ck_assert_uint_ge(net.b_requests, 14);
	ck_assert_uint_eq(net.a_requests, 0);
	ck_assert_ptr_null(tfind_event(&A, IKE_EV_IKE_DOWN));
	ck_assert_ptr_null(tfind_event(&B, IKE_EV_IKE_DOWN));
}
END_TEST

/* ESP from the peer is news too: while it flows, no DPD; once it stops,
 * the check comes dpd_delay after the last packet. */
START_TEST(test_no_dpd_while_esp_flows)
{
	struct dcfg da = { .dpd_delay = 10 }, db = { 0 };
	struct net net = { 0 };
	const uint64_t t0 = tclock;

	connect_ab(&da, &db);
	while (tclock < t0 + 60000) {
		/* The last packet arrived a second before the check is due. */
		a_esp_in = A.wake - 1000;
		ck_assert(tadvance(&A, &B));
		tpump_f(&A, &B, net_filter, &net);
	}
	ck_assert_uint_eq(net.a_info_requests, 0);
	/* Traffic stops: the check is due dpd_delay after the last packet. */
	ck_assert_uint_eq(A.wake, a_esp_in + 10000);
	ck_assert(tadvance(&A, &B));
	tpump_f(&A, &B, net_filter, &net);
	ck_assert_uint_eq(net.a_info_requests, 1);
}
END_TEST

START_TEST(test_dead_peer_clear)
{
	struct dcfg da = { .dpd_delay = 10 }, db = { 0 };
	struct net net = { 0 };
	const uint64_t t0 = tclock;
	const struct xev *x;
	const struct tevent *ev;
	uint32_t child_id;

	connect_ab(&da, &db);
	child_id = A.inst[0].child_id;
	net.down = true;
	ck_assert(RUN_UNTIL(tfind_event(&A, IKE_EV_IKE_DOWN), &net, 20));
	/* DPD at 10 s, retransmitted 5 times (1, 3, 7, 15, 31 s later), dead
	 * 63 s after the first: the default schedule. */
	ck_assert_uint_eq(tclock, t0 + 10000 + 63000);
	ck_assert_uint_eq(net.a_requests, 6);
	ck_assert_uint_eq(net.a_info_requests, 6);
	ev = tfind_event(&A, IKE_EV_IKE_DOWN);
	ck_assert_str_eq(ev->reason, "peer dead (no answer to DPD after 5 retransmissions)");
	/* The child is removed from the kernel, its event says why. */
	ck_assert_uint_eq(A.n_del, 1);
	ck_assert_uint_eq(A.del[0], child_id);
	x = xfind(xa, n_xa, IKE_EV_CHILD_DOWN);
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(x->cause, IKE_CAUSE_DEAD);
	ck_assert_uint_eq(x->action, IKE_ACTION_NONE);
	ck_assert_str_eq(x->child, "net");
	x = xfind(xa, n_xa, IKE_EV_IKE_DOWN);
	ck_assert_uint_eq(x->cause, IKE_CAUSE_DEAD);
	/* clear: nothing more, no Delete, nothing pending. */
	ck_assert_uint_eq(A.n_q, 0);
	ck_assert_uint_eq(A.wake, UINT64_MAX);
	ck_assert_int_eq(ike_engine_terminate(A.e, "gw", 0), -ENOENT);
	ck_assert_uint_eq(B.n_del, 0);
}
END_TEST

START_TEST(test_no_dpd_while_request_out)
{
	/* A's Delete of an expired child is out when DPD falls due: no DPD
	 * besides it, and its retransmissions decide that the peer is dead. */
	struct dcfg da = { .dpd_delay = 2, .dpd_action = IKE_ACTION_TRAP }, db = { 0 };
	struct net net = { .down = true };
	const struct xev *x;

	connect_ab(&da, &db);
	ike_engine_child_expired(A.e, A.inst[0].reqid, 0, true);
	ck_assert(RUN_UNTIL(tfind_event(&A, IKE_EV_IKE_DOWN), &net, 100));
	ck_assert_uint_eq(net.a_info_requests, 6); /* the Delete and its 5 retransmissions */
	ck_assert_str_eq(tfind_event(&A, IKE_EV_IKE_DOWN)->reason,
			 "peer dead (no answer to INFORMATIONAL after 5 retransmissions)");
	/* The child was on its way out: its own cause stands (close_action
	 * none), not the IKE SA's. */
	x = xfind(xa, n_xa, IKE_EV_CHILD_DOWN);
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(x->cause, IKE_CAUSE_EXPIRED);
	ck_assert_uint_eq(x->action, IKE_ACTION_NONE);
	ck_assert_uint_eq(xfind(xa, n_xa, IKE_EV_IKE_DOWN)->cause, IKE_CAUSE_DEAD);
	ck_assert_uint_eq(A.n_del, 1);
}
END_TEST

/* ---- actions ---- */

START_TEST(test_dead_peer_trap)
{
	struct dcfg da = { .dpd_delay = 5, .dpd_action = IKE_ACTION_TRAP }, db = { 0 };
	struct net net = { 0 };
	const struct xev *x;

	connect_ab(&da, &db);
	net.down = true;
	ck_assert(RUN_UNTIL(tfind_event(&A, IKE_EV_IKE_DOWN), &net, 20));
	x = xfind(xa, n_xa, IKE_EV_CHILD_DOWN);
	ck_assert_ptr_nonnull(x);
	ck_assert_uint_eq(x->cause, IKE_CAUSE_DEAD);
	ck_assert_uint_eq(x->action, IKE_ACTION_TRAP);
	/* The trap is the daemon's: the engine itself does nothing more. */
	ck_assert_uint_eq(A.wake, UINT64_MAX);
	ck_assert_uint_eq(net.a_init_requests, 0);
}
END_TEST

START_TEST(test_dead_peer_restart)
{
	/* fast: retransmissions 100 ms then 200 ms, failed 400 ms later. */
	struct dcfg da = { .dpd_delay = 3, .dpd_action = IKE_ACTION_RESTART, .keyingtries = 0 };
	struct dcfg db = { 0 };
	struct net net = { 0 };
	const struct xev *x;
	uint64_t died;

	connect_ab(&da, &db);
	net.down = true;
	ck_assert(RUN_UNTIL(tfind_event(&A, IKE_EV_IKE_DOWN), &net, 20));
	died = tclock;
	ck_assert_uint_eq(died, TCLOCK_START + 3000 + 700);
	x = xfind(xa, n_xa, IKE_EV_CHILD_DOWN);
	ck_assert_uint_eq(x->action, IKE_ACTION_RESTART);
	ck_assert_uint_eq(A.n_del, 1);
	/* Attempts while the peer stays down: at once, then after each
	 * failure (700 ms) 100, 200, 400 ms later. */
	ck_assert(RUN_UNTIL(net.a_init_requests >= 4 * 3, &net, 100));
	ck_assert_uint_eq(net.a_init_at[0], died);
	ck_assert_uint_eq(net.a_init_at[3], died + 700 + 100);
	ck_assert_uint_eq(net.a_init_at[6], died + 2 * 700 + 100 + 200);
	ck_assert_uint_eq(net.a_init_at[9], died + 3 * 700 + 100 + 200 + 400);
	ck_assert_uint_eq(tcount_events(&A, IKE_EV_FAILED), 3);
	/* The peer is back (it kept its old SA: INITIAL_CONTACT clears it). */
	net.down = false;
	ck_assert(RUN_UNTIL(tcount_events(&A, IKE_EV_CHILD_UP) == 2, &net, 20));
	ck_assert_uint_eq(A.n_inst, 2);
	ck_assert_uint_eq(B.n_inst, 2);
	ck_assert_uint_eq(B.n_del, 1); /* the stale child */
	ck_assert_uint_eq(tcount_events(&B, IKE_EV_IKE_UP), 2);
	/* Done: no more attempts; only the new SA's DPD is pending. */
	{
		size_t inits = net.a_init_requests;

		ck_assert(tadvance(&A, &B));
		tpump_f(&A, &B, net_filter, &net);
		ck_assert_uint_eq(net.a_init_requests, inits);
		ck_assert_uint_eq(tcount_events(&A, IKE_EV_IKE_DOWN), 1);
	}
}
END_TEST

START_TEST(test_restart_keyingtries)
{
	struct dcfg da = { .dpd_delay = 3, .dpd_action = IKE_ACTION_RESTART, .keyingtries = 2 };
	struct dcfg db = { 0 };
	struct net net = { 0 };

	connect_ab(&da, &db);
	net.down = true;
	ck_assert(RUN_UNTIL(tfind_event(&A, IKE_EV_IKE_DOWN), &net, 20));
	/* Two attempts, then it gives up: nothing left to wake for. */
	ck_assert(!RUN_UNTIL(false, &net, 100));
	ck_assert_uint_eq(net.a_init_requests, 2 * 3);
	ck_assert_uint_eq(tcount_events(&A, IKE_EV_FAILED), 2);
	ck_assert_uint_eq(A.wake, UINT64_MAX);
	ck_assert_str_eq(A.last_log, "gw: giving up restarting CHILD_SA net after 2 attempts");
}
END_TEST

START_TEST(test_terminate_cancels_restart)
{
	struct dcfg da = { .dpd_delay = 3, .dpd_action = IKE_ACTION_RESTART }, db = { 0 };
	struct net net = { 0 };

	connect_ab(&da, &db);
	net.down = true;
	ck_assert(RUN_UNTIL(net.a_init_requests == 1, &net, 20));
	/* An attempt is under way: terminating the connection ends it and
	 * everything after it. */
	ck_assert_int_eq(ike_engine_terminate(A.e, "gw", 0), 0);
	ck_assert(!RUN_UNTIL(false, &net, 100));
	ck_assert_uint_eq(net.a_init_requests, 1);
	ck_assert_uint_eq(A.wake, UINT64_MAX);
}
END_TEST

START_TEST(test_remove_conn_cancels_restart)
{
	struct dcfg da = { .dpd_delay = 3, .dpd_action = IKE_ACTION_RESTART }, db = { 0 };
	struct net net = { 0 };

	connect_ab(&da, &db);
	net.down = true;
	ck_assert(RUN_UNTIL(tfind_event(&A, IKE_EV_IKE_DOWN), &net, 20));
	/* The first attempt went out at once (its timer ran in the same
	 * tick); removing the connection ends it and everything after it. */
	ck_assert_uint_eq(net.a_init_requests, 1);
	ck_assert_int_eq(ike_engine_remove_conn(A.e, "gw"), 0);
	ck_assert(!RUN_UNTIL(false, &net, 100));
	ck_assert_uint_eq(net.a_init_requests, 1);
	ck_assert_uint_eq(A.n_sent, 2 + 3 + 1); /* IKE_SA_INIT, IKE_AUTH, DPD x3, the attempt */
}
END_TEST

/* ---- the peer's Delete ---- */

/* Deliver B's queued datagrams to A, one at a time, none back. */
static void deliver_b_to_a(void)
{
	struct tpkt k;

	while (tq_pop(&B, &k)) {
		ike_engine_input(A.e, k.data, k.len, &k.dst, &k.src);
		free(k.data);
	}
}

START_TEST(test_peer_delete_ike_at_once)
{
	struct dcfg d = { 0 };
	const struct xev *x;

	connect_ab(&d, &d);
	ck_assert_int_eq(ike_engine_terminate(B.e, "gw", 0), 0);
	/* A removes everything as it reads B's request, before B has its
	 * answer. */
	deliver_b_to_a();
	ck_assert_uint_eq(A.n_del, 1);
	ck_assert_uint_eq(A.del[0], A.inst[0].child_id);
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_IKE_DOWN));
	ck_assert_str_eq(tfind_event(&A, IKE_EV_IKE_DOWN)->reason, "deleted by peer");
	x = xfind(xa, n_xa, IKE_EV_CHILD_DOWN);
	ck_assert_uint_eq(x->cause, IKE_CAUSE_PEER_DELETE);
	ck_assert_uint_eq(x->action, IKE_ACTION_NONE);
	ck_assert_uint_eq(xfind(xa, n_xa, IKE_EV_IKE_DOWN)->cause, IKE_CAUSE_PEER_DELETE);
	ck_assert_uint_eq(B.n_del, 0);
	ck_assert_uint_eq(A.n_q, 1); /* the answer */
	tpump(&A, &B);
	ck_assert_uint_eq(B.n_del, 1);
	/* B deleted on purpose: its own event carries no cause. */
	ck_assert_uint_eq(xfind(xb, n_xb, IKE_EV_CHILD_DOWN)->cause, IKE_CAUSE_NONE);
	ck_assert_uint_eq(A.wake, UINT64_MAX);
}
END_TEST

START_TEST(test_peer_delete_child_at_once)
{
	struct dcfg da = { .close_action = IKE_ACTION_TRAP },
		    db = { .close_action = IKE_ACTION_TRAP };
	const struct xev *x;

	connect_ab(&da, &db);
	ike_engine_child_expired(B.e, B.inst[0].reqid, 0, true);
	deliver_b_to_a();
	ck_assert_uint_eq(A.n_del, 1);
	x = xfind(xa, n_xa, IKE_EV_CHILD_DOWN);
	ck_assert_uint_eq(x->cause, IKE_CAUSE_PEER_DELETE);
	ck_assert_uint_eq(x->action, IKE_ACTION_TRAP);
	ck_assert_ptr_null(tfind_event(&A, IKE_EV_IKE_DOWN)); /* the IKE SA stays */
	tpump(&A, &B);
	/* B's child expired with no rekey: its close_action too. */
	x = xfind(xb, n_xb, IKE_EV_CHILD_DOWN);
	ck_assert_uint_eq(x->cause, IKE_CAUSE_EXPIRED);
	ck_assert_uint_eq(x->action, IKE_ACTION_TRAP);
}
END_TEST

START_TEST(test_close_action_restart)
{
	struct dcfg da = { .close_action = IKE_ACTION_RESTART }, db = { 0 };
	const struct xev *x;

	connect_ab(&da, &db);
	ck_assert_int_eq(ike_engine_terminate(B.e, "gw", 0), 0);
	tpump(&A, &B);
	x = xfind(xa, n_xa, IKE_EV_CHILD_DOWN);
	ck_assert_uint_eq(x->cause, IKE_CAUSE_PEER_DELETE);
	ck_assert_uint_eq(x->action, IKE_ACTION_RESTART);
	/* The restart is due at once; B is alive and accepts it. */
	ck_assert_uint_eq(A.wake, tclock);
	tadvance(&A, &B);
	tpump(&A, &B);
	ck_assert_uint_eq(tcount_events(&A, IKE_EV_CHILD_UP), 2);
	ck_assert_uint_eq(tcount_events(&B, IKE_EV_CHILD_UP), 2);
	ck_assert_uint_eq(A.n_inst, 2);
	ck_assert_uint_eq(A.wake, UINT64_MAX); /* nothing more */
	/* B, which deleted on purpose, did not restart anything. */
	ck_assert_uint_eq(tcount_events(&B, IKE_EV_IKE_UP), 2);
	ck_assert_uint_eq(tcount_events(&A, IKE_EV_IKE_UP), 2);
}
END_TEST

START_TEST(test_own_delete_no_action)
{
	/* We delete (terminate, shutdown): no action, whatever is configured. */
	struct dcfg d = { .close_action = IKE_ACTION_RESTART, .dpd_action = IKE_ACTION_RESTART };

	connect_ab(&d, &d);
	ike_engine_terminate_all(A.e);
	tpump(&A, &B);
	ck_assert_uint_eq(xfind(xa, n_xa, IKE_EV_CHILD_DOWN)->action, IKE_ACTION_NONE);
	/* B was told by A's Delete: close_action restart applies there. */
	ck_assert_uint_eq(xfind(xb, n_xb, IKE_EV_CHILD_DOWN)->action, IKE_ACTION_RESTART);
	ck_assert_uint_eq(A.wake, UINT64_MAX);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ike_dpd");
	TCase *tc = tcase_create("default schedule");
	TCase *tf = tcase_create("fast schedule");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_dpd_after_silence);
	tcase_add_test(tc, test_no_dpd_while_traffic);
	tcase_add_test(tc, test_no_dpd_while_esp_flows);
	tcase_add_test(tc, test_dead_peer_clear);
	tcase_add_test(tc, test_no_dpd_while_request_out);
	tcase_add_test(tc, test_dead_peer_trap);
	tcase_add_test(tc, test_peer_delete_ike_at_once);
	tcase_add_test(tc, test_peer_delete_child_at_once);
	tcase_add_test(tc, test_close_action_restart);
	tcase_add_test(tc, test_own_delete_no_action);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tf, setup_fast, teardown);
	tcase_add_test(tf, test_dead_peer_restart);
	tcase_add_test(tf, test_restart_keyingtries);
	tcase_add_test(tf, test_terminate_cancels_restart);
	tcase_add_test(tf, test_remove_conn_cancels_restart);
	suite_add_tcase(s, tf);
	return s;
}

UNIT_MAIN(make_suite)
