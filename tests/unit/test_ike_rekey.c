// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Rekeying with two engines in memory and the fake clock: CHILD SA rekeys
 * started by either end, with and without a new key exchange; IKE SA
 * rekeys moving the children; simultaneous rekeys of both kinds in both
 * orders (RFC 7296 2.8.1, 2.8.2); TEMPORARY_FAILURE and CHILD_SA_NOT_FOUND;
 * the triggers (rekey_time, the kernel's soft and hard EXPIRE, life_time,
 * over_time). CONDUIT_TEST_VERBOSE=1 prints the logs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/ike.h"
#include "tests/unit/test_ike_engine_env.h"
#include "tests/unit/unit.h"

static struct tpeer A, B;

/* What each peer's environment was asked, in order: installs and deletes
 * (make before break is about their order), and the rekeyed flag of the
 * DOWN events. */
#define RLOG_MAX 64
struct rop {
	char op; /* 'i' install, 'd' delete */
	uint64_t at;
	uint32_t child_id, reqid;
	struct ike_child_install ci; /* install: as given (keys included) */
};

struct rlog {
	struct rop ops[RLOG_MAX];
	size_t n;
	size_t down_rekeyed, down_other; /* CHILD_DOWN events */
	size_t ike_down_rekeyed, ike_down_other;
	char last_child_down[128], last_ike_down[128];
	size_t n_watch; /* log lines containing `watch` */
};

static const char *watch = "\x01";

static struct rlog LA, LB;

/* Installs and deletes, not counting the outbound halves a rekey's
 * responder installs later ('o'). */
static size_t nops(const struct rlog *l)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++)
		n += l->ops[i].op != 'o';
	return n;
}

static struct rlog *rlog_of(void *ctx)
{
	return ctx == &A ? &LA : &LB;
}

static int r_install(void *ctx, const struct ike_child_install *c)
{
	struct rlog *l = rlog_of(ctx);
	int rc = tenv_child_install(ctx, c);

	if (!rc && c->out_only && l->n < RLOG_MAX) {
		/* the outbound half of an install logged before */
		for (size_t i = l->n; i-- > 0;)
			if (l->ops[i].op == 'i' && l->ops[i].child_id == c->child_id)
				l->ops[i].ci.out = c->out;
		l->ops[l->n].op = 'o';
		l->ops[l->n].at = tclock;
		l->ops[l->n].child_id = c->child_id;
		l->ops[l->n].reqid = c->reqid;
		l->n++;
		return rc;
	}
	if (!rc && l->n < RLOG_MAX) {
		l->ops[l->n].op = 'i';
		l->ops[l->n].at = tclock;
		l->ops[l->n].child_id = c->child_id;
		l->ops[l->n].reqid = c->reqid;
		l->ops[l->n].ci = *c;
		l->n++;
	}
	return rc;
}

static void r_delete(void *ctx, uint32_t child_id, uint32_t reqid,
		     const struct ike_child_install *c)
{
	struct rlog *l = rlog_of(ctx);

	tenv_child_delete(ctx, child_id, reqid, c);
	ck_assert_ptr_nonnull(c);
	if (l->n < RLOG_MAX) {
		l->ops[l->n].op = 'd';
		l->ops[l->n].at = tclock;
		l->ops[l->n].child_id = child_id;
		l->ops[l->n].reqid = reqid;
		memset(&l->ops[l->n].ci, 0, sizeof(l->ops[l->n].ci));
		l->ops[l->n].ci.in.spi = c->in.spi;
		l->ops[l->n].ci.out.spi = c->out.spi;
		l->n++;
	}
}

static void r_event(void *ctx, const struct ike_event *ev)
{
	struct rlog *l = rlog_of(ctx);

	tenv_event(ctx, ev);
	if (ev->type == IKE_EV_CHILD_DOWN) {
		if (ev->rekeyed)
			l->down_rekeyed++;
		else
			l->down_other++;
		snprintf(l->last_child_down, sizeof(l->last_child_down), "%s",
			 ev->reason ? ev->reason : "");
	} else if (ev->type == IKE_EV_IKE_DOWN) {
		if (ev->rekeyed)
			l->ike_down_rekeyed++;
		else
			l->ike_down_other++;
		snprintf(l->last_ike_down, sizeof(l->last_ike_down), "%s",
			 ev->reason ? ev->reason : "");
	}
}

static void r_log(void *ctx, enum ike_log_level level, const char *fmt, va_list ap)
{
	struct tpeer *p = ctx;

	tenv_log(ctx, level, fmt, ap);
	if (strstr(p->last_log, watch))
		rlog_of(ctx)->n_watch++;
}

static void rpeer_init(struct tpeer *p, const char *name, const char *ip, uint64_t seed)
{
	struct ike_env env = {
		.ctx = p,
		.send = tenv_send,
		.alloc_spi = tenv_alloc_spi,
		.child_install = r_install,
		.child_delete = r_delete,
		.now_ms = tenv_now,
		.random = tenv_random,
		.wake_at = tenv_wake_at,
		.event = r_event,
		.log = r_log,
	};

	memset(p, 0, sizeof(*p));
	p->name = name;
	taddr(&p->addr, ip, 500);
	p->rng = seed ? seed : 1;
	p->next_spi = 0xc0000000u | (uint32_t)(seed & 0xffff) << 8;
	p->wake = UINT64_MAX;
	p->e = ike_engine_new(&env, NULL);
	ck_assert_ptr_nonnull(p->e);
}

/* Lifetimes of a test connection. */
struct rcfg {
	const char *esp_a, *esp_b; /* NULL: aes256gcm16 */
	uint32_t child_rekey, child_life, child_rand;
	uint64_t child_rekey_bytes, child_life_bytes;
	uint32_t ike_rekey, ike_over, ike_rand;
	uint32_t ike_reauth; /* reauth_time of A's connection only */
};

static int rconn(struct tpeer *p, const struct tpeer *peer, const struct tconf *tc,
		 const struct rcfg *rc, const char *esp)
{
	struct ike_child_cfg child;
	struct ike_conn_cfg cfg;
	const char *err = NULL;

	memset(&child, 0, sizeof(child));
	snprintf(child.name, sizeof(child.name), "net");
	child.mode = tc->mode;
	child.local_ts = tc->local_ts;
	child.remote_ts = tc->remote_ts;
	child.esp_proposals = esp ? esp : "aes256gcm16";
	child.rekey_time = rc->child_rekey;
	child.life_time = rc->child_life;
	child.rand_time = rc->child_rand;
	child.rekey_bytes = rc->child_rekey_bytes;
	child.life_bytes = rc->child_life_bytes;
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.name, sizeof(cfg.name), "gw");
	cfg.local = p->addr;
	cfg.remote = peer->addr;
	cfg.proposals = tc->proposals;
	cfg.psk = (const uint8_t *)tc->psk;
	cfg.psk_len = strlen(tc->psk);
	cfg.rekey_time = rc->ike_rekey;
	cfg.over_time = rc->ike_over;
	cfg.rand_time = rc->ike_rand;
	if (p == &A)
		cfg.reauth_time = rc->ike_reauth;
	cfg.n_children = 1;
	cfg.children = &child;
	return ike_engine_add_conn(p->e, &cfg, &err);
}

static void up_seeded(const struct rcfg *rc, uint64_t seed_a, uint64_t seed_b)
{
	tverbose = getenv("CONDUIT_TEST_VERBOSE") != NULL;
	tclock = TCLOCK_START;
	memset(&LA, 0, sizeof(LA));
	memset(&LB, 0, sizeof(LB));
	rpeer_init(&A, "A", TIP_A, seed_a);
	rpeer_init(&B, "B", TIP_B, seed_b);
	ck_assert_int_eq(rconn(&A, &B, &tconf_a, rc, rc->esp_a), 0);
	ck_assert_int_eq(rconn(&B, &A, &tconf_b, rc, rc->esp_b), 0);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	tpump(&A, &B);
	ck_assert_uint_eq(nops(&LA), 1);
	ck_assert_uint_eq(nops(&LB), 1);
}

static const struct rcfg rcfg_plain = {
	.child_rekey = 3600,
	.child_life = 3960,
};

static void up(const struct rcfg *rc)
{
	up_seeded(rc, TSEED_A, TSEED_B);
}

static void down(void)
{
	tpeer_free(&A);
	tpeer_free(&B);
}

/* ---- what the peers hold ---- */

struct rsa {
	uint32_t id;
	enum ike_sa_state_pub state;
	bool initiator;
	uint64_t spi_i, spi_r;
	size_t n_children;
	uint32_t child_id, reqid, spi_in, spi_out;
};

struct rsas {
	size_t n;
	struct rsa sa[8];
};

static int collect(void *arg, const struct ike_sa_info *info)
{
	struct rsas *s = arg;
	struct rsa *r;

	if (s->n == 8)
		return 1;
	r = &s->sa[s->n++];
	memset(r, 0, sizeof(*r));
	r->id = info->id;
	r->state = info->state;
	r->initiator = info->initiator;
	r->spi_i = info->spi_i;
	r->spi_r = info->spi_r;
	r->n_children = info->n_children;
	if (info->n_children) {
		r->child_id = info->children[0].child_id;
		r->reqid = info->children[0].reqid;
		r->spi_in = info->children[0].spi_in;
		r->spi_out = info->children[0].spi_out;
	}
	return 0;
}

static struct rsas sas_of(struct tpeer *p)
{
	struct rsas s;

	memset(&s, 0, sizeof(s));
	ike_engine_foreach_sa(p->e, collect, &s);
	return s;
}

/* The installs not followed by a delete of the same child. */
static size_t alive(const struct rlog *l, const struct rop **out, size_t max)
{
	size_t n = 0;

	for (size_t i = 0; i < l->n; i++) {
		bool deleted = false;

		if (l->ops[i].op != 'i')
			continue;
		for (size_t j = i + 1; j < l->n; j++)
			if (l->ops[j].op == 'd' && l->ops[j].child_id == l->ops[i].child_id)
				deleted = true;
		if (!deleted && n < max)
			out[n] = &l->ops[i];
		n += !deleted;
	}
	return n;
}

/* Exactly one CHILD SA pair on each side, in the kernel and in the
 * engine, the halves of each other; every other child installed was
 * deleted, each once, and never before its successor was installed. */
static void check_one_pair(void)
{
	const struct rop *a[4], *b[4];
	struct rsas sa = sas_of(&A), sb = sas_of(&B);

	ck_assert_uint_eq(alive(&LA, a, 4), 1);
	ck_assert_uint_eq(alive(&LB, b, 4), 1);
	ck_assert_uint_eq(a[0]->ci.out.spi, b[0]->ci.in.spi);
	ck_assert_uint_eq(a[0]->ci.in.spi, b[0]->ci.out.spi);
	ck_assert_uint_eq(a[0]->ci.out.enc_key_len, b[0]->ci.in.enc_key_len);
	ck_assert_mem_eq(a[0]->ci.out.enc_key, b[0]->ci.in.enc_key, a[0]->ci.out.enc_key_len);
	ck_assert_mem_eq(a[0]->ci.in.enc_key, b[0]->ci.out.enc_key, a[0]->ci.in.enc_key_len);
	ck_assert(memcmp(a[0]->ci.in.enc_key, a[0]->ci.out.enc_key, a[0]->ci.in.enc_key_len));
	/* The engines agree with the kernel records. */
	ck_assert_uint_eq(sa.n, 1);
	ck_assert_uint_eq(sb.n, 1);
	ck_assert_int_eq(sa.sa[0].state, IKE_STATE_ESTABLISHED);
	ck_assert_int_eq(sb.sa[0].state, IKE_STATE_ESTABLISHED);
	ck_assert_uint_eq(sa.sa[0].n_children, 1);
	ck_assert_uint_eq(sb.sa[0].n_children, 1);
	ck_assert_uint_eq(sa.sa[0].child_id, a[0]->child_id);
	ck_assert_uint_eq(sb.sa[0].child_id, b[0]->child_id);
	ck_assert_uint_eq(sa.sa[0].spi_i, sb.sa[0].spi_i);
	ck_assert_uint_eq(sa.sa[0].spi_r, sb.sa[0].spi_r);
	ck_assert_int_ne(sa.sa[0].initiator, sb.sa[0].initiator);
	/* Deletes: each child at most once, all of one reqid, and never the
	 * last SA of the reqid (make before break). */
	for (const struct rlog *l = &LA;; l = &LB) {
		uint32_t reqid = l->ops[0].reqid;
		size_t live = 0;

		for (size_t i = 0; i < l->n; i++) {
			ck_assert_uint_eq(l->ops[i].reqid, reqid);
			if (l->ops[i].op == 'i') {
				live++;
				continue;
			}
			if (l->ops[i].op == 'o')
				continue; /* the outbound half of an 'i' */
			for (size_t j = i + 1; j < l->n; j++)
				ck_assert(l->ops[j].op != 'd' ||
					  l->ops[j].child_id != l->ops[i].child_id);
			ck_assert_uint_ge(live, 2);
			live--;
		}
		if (l == &LB)
			break;
	}
	ck_assert_uint_eq(LA.down_other, 0);
	ck_assert_uint_eq(LB.down_other, 0);
}

static uint32_t the_sa(struct tpeer *p)
{
	struct rsas s = sas_of(p);

	ck_assert_uint_eq(s.n, 1);
	return s.sa[0].id;
}

static uint32_t the_child(struct tpeer *p)
{
	struct rsas s = sas_of(p);

	ck_assert_uint_eq(s.n, 1);
	ck_assert_uint_eq(s.sa[0].n_children, 1);
	return s.sa[0].child_id;
}

/* Runs timers due up to `at` (pumping messages after each), then sets the
 * clock there. */
static void advance_to(uint64_t at)
{
	for (int guard = 0; guard < 1000; guard++) {
		uint64_t next = A.wake < B.wake ? A.wake : B.wake;

		if (next > at)
			break;
		tadvance(&A, &B);
		tpump(&A, &B);
	}
	if (at > tclock)
		tclock = at;
}

/* ---- CHILD SA rekeys ---- */

static void child_rekey_by(struct tpeer *p, bool ke)
{
	struct rcfg rc = rcfg_plain;
	uint32_t old_a, old_b;

	if (ke)
		rc.esp_a = rc.esp_b = "aes256gcm16-x25519";
	up(&rc);
	old_a = the_child(&A);
	old_b = the_child(&B);
	ck_assert_int_eq(ike_engine_rekey(p->e, the_sa(p), the_child(p)), 0);
	/* Asked twice: already under way. */
	ck_assert_int_eq(ike_engine_rekey(p->e, the_sa(p), the_child(p)), -EBUSY);
	tpump(&A, &B);
	check_one_pair();
	{
		struct rlog *li = p == &A ? &LA : &LB, *lr = p == &A ? &LB : &LA;
		uint32_t old_i = p == &A ? old_a : old_b, old_r = p == &A ? old_b : old_a;

		/* The initiator: install new, then delete old. */
		ck_assert_uint_eq(li->n, 3);
		ck_assert(li->ops[1].op == 'i' && !li->ops[1].ci.in_only);
		ck_assert(li->ops[2].op == 'd' && li->ops[2].child_id == old_i);
		/* The responder: the new inbound SA at once, the outbound one
		 * only as the old child goes (the initiator has the new
		 * inbound SA by then). */
		ck_assert_uint_eq(lr->n, 4);
		ck_assert(lr->ops[1].op == 'i' && lr->ops[1].ci.in_only);
		ck_assert(lr->ops[2].op == 'o' && lr->ops[2].child_id == lr->ops[1].child_id);
		ck_assert(lr->ops[3].op == 'd' && lr->ops[3].child_id == old_r);
	}
	ck_assert_uint_ne(LA.ops[1].child_id, old_a);
	/* Contract 1: same reqid, new SPIs and keys. */
	ck_assert_uint_eq(LA.ops[1].reqid, LA.ops[0].reqid);
	ck_assert_uint_ne(LA.ops[1].ci.in.spi, LA.ops[0].ci.in.spi);
	ck_assert_uint_ne(LA.ops[1].ci.out.spi, LA.ops[0].ci.out.spi);
	ck_assert(
	    memcmp(LA.ops[1].ci.in.enc_key, LA.ops[0].ci.in.enc_key, LA.ops[0].ci.in.enc_key_len));
	ck_assert_uint_eq(LA.down_rekeyed, 1);
	ck_assert_uint_eq(LB.down_rekeyed, 1);
	ck_assert_ptr_null(tfind_event(&A, IKE_EV_FAILED));
	ck_assert_ptr_null(tfind_event(&B, IKE_EV_FAILED));
	/* and again, from the new one, by the other end */
	p = p == &A ? &B : &A;
	ck_assert_int_eq(ike_engine_rekey(p->e, the_sa(p), the_child(p)), 0);
	tpump(&A, &B);
	check_one_pair();
	ck_assert_uint_eq(nops(&LA), 5);
	ck_assert_uint_eq(LA.n, 6); /* one of the installs in two halves */
	down();
}

START_TEST(test_child_rekey_initiator)
{
	child_rekey_by(&A, false);
}
END_TEST

START_TEST(test_child_rekey_responder)
{
	child_rekey_by(&B, false);
}
END_TEST

START_TEST(test_child_rekey_ke_initiator)
{
	child_rekey_by(&A, true);
}
END_TEST

START_TEST(test_child_rekey_ke_responder)
{
	child_rekey_by(&B, true);
}
END_TEST

/* A's preferred group is not B's: INVALID_KE_PAYLOAD, then the retry. */
START_TEST(test_child_rekey_invalid_ke)
{
	struct rcfg rc = rcfg_plain;

	rc.esp_a = "aes256gcm16-x25519-ecp256";
	rc.esp_b = "aes256gcm16-ecp256";
	up(&rc);
	ck_assert_int_eq(ike_engine_rekey(A.e, the_sa(&A), the_child(&A)), 0);
	tpump(&A, &B);
	check_one_pair();
	ck_assert_uint_eq(nops(&LA), 3);
	ck_assert_ptr_null(tfind_event(&A, IKE_EV_FAILED));
	down();
}
END_TEST

/* PFS on one side only: the rekey fails, the old CHILD SA stays. */
START_TEST(test_child_rekey_no_proposal)
{
	struct rcfg rc = rcfg_plain;
	const struct tevent *ev;

	rc.esp_a = "aes256gcm16-x25519";
	up(&rc);
	ck_assert_int_eq(ike_engine_rekey(A.e, the_sa(&A), the_child(&A)), 0);
	tpump(&A, &B);
	ev = tfind_event(&A, IKE_EV_FAILED);
	ck_assert_ptr_nonnull(ev);
	ck_assert_uint_eq(ev->notify, IKE_N_NO_PROPOSAL_CHOSEN);
	ck_assert_uint_eq(nops(&LA), 1);
	ck_assert_uint_eq(nops(&LB), 1);
	check_one_pair();
	down();
}
END_TEST

/* ---- IKE SA rekeys ---- */

static void ike_rekey_by(struct tpeer *p)
{
	struct rsas a0, b0, a1, b1;

	up(&rcfg_plain);
	a0 = sas_of(&A);
	b0 = sas_of(&B);
	ck_assert_int_eq(ike_engine_rekey(p->e, the_sa(p), 0), 0);
	/* While it is out, the listing says so. */
	ck_assert_int_eq(sas_of(p).sa[0].state, IKE_STATE_REKEYING);
	ck_assert_int_eq(ike_engine_rekey(p->e, the_sa(p), 0), -EBUSY);
	tpump(&A, &B);
	a1 = sas_of(&A);
	b1 = sas_of(&B);
	check_one_pair();
	/* New SA, new SPIs; the rekey's initiator is the new initiator. */
	ck_assert_uint_ne(a1.sa[0].id, a0.sa[0].id);
	ck_assert_uint_ne(b1.sa[0].id, b0.sa[0].id);
	ck_assert(a1.sa[0].spi_i != a0.sa[0].spi_i && a1.sa[0].spi_r != a0.sa[0].spi_r);
	ck_assert_int_eq(a1.sa[0].initiator, p == &A);
	/* The children moved, untouched. */
	ck_assert_uint_eq(a1.sa[0].child_id, a0.sa[0].child_id);
	ck_assert_uint_eq(b1.sa[0].child_id, b0.sa[0].child_id);
	ck_assert_uint_eq(nops(&LA), 1);
	ck_assert_uint_eq(nops(&LB), 1);
	ck_assert_uint_eq(LA.ike_down_rekeyed, 1);
	ck_assert_uint_eq(LB.ike_down_rekeyed, 1);
	ck_assert_uint_eq(LA.ike_down_other + LB.ike_down_other, 0);
	ck_assert_uint_eq(tcount_events(&A, IKE_EV_IKE_UP), 2);
	/* The new IKE SA works: a CHILD SA rekey and another IKE rekey on it,
	 * each started by the other end. */
	p = p == &A ? &B : &A;
	ck_assert_int_eq(ike_engine_rekey(p->e, the_sa(p), the_child(p)), 0);
	tpump(&A, &B);
	check_one_pair();
	ck_assert_uint_eq(nops(&LA), 3);
	ck_assert_int_eq(ike_engine_rekey(p->e, the_sa(p), 0), 0);
	tpump(&A, &B);
	check_one_pair();
	ck_assert_uint_eq(LA.ike_down_rekeyed, 2);
	/* and a Delete still reaches the other end */
	ike_engine_terminate_all(A.e);
	tpump(&A, &B);
	ck_assert_uint_eq(sas_of(&A).n, 0);
	ck_assert_uint_eq(sas_of(&B).n, 0);
	ck_assert_uint_eq(LB.down_other, 1);
	down();
}

/* Reauthentication (RFC 7296 2.8.3), make before break: at reauth_time A
 * negotiates a new IKE SA with IKE_SA_INIT and IKE_AUTH; its CHILD_SA (on
 * both sides) shares the reqid of the one it replaces and is installed
 * before that is deleted; then the old IKE SA is deleted. Neither side
 * sees a DOWN that close_action would act on (B's old CHILD_SA goes with
 * the peer's Delete of its IKE SA: its successor of the same reqid is up). */
/* Runs both peers' timers due before `until` (ms after the start). */
static void run_until(uint64_t until, bool deaf)
{
	until += TCLOCK_START;
	while ((A.wake < until || B.wake < until) && tadvance(&A, &B)) {
		if (deaf) {
			tq_clear(&A);
			tq_clear(&B);
		} else {
			tpump(&A, &B);
		}
	}
}

START_TEST(test_reauth_make_before_break)
{
	struct rcfg rc = rcfg_plain;
	struct rsas before, after_a, after_b;

	rc.ike_reauth = 100;
	rc.ike_over = 20;
	up(&rc);
	before = sas_of(&A);
	ck_assert_uint_eq(before.n, 1);
	run_until(150000, false);
	after_a = sas_of(&A);
	after_b = sas_of(&B);
	ck_assert_uint_eq(after_a.n, 1);
	ck_assert_uint_eq(after_b.n, 1);
	ck_assert_uint_ne(after_a.sa[0].id, before.sa[0].id);
	ck_assert(after_a.sa[0].spi_i != before.sa[0].spi_i);
	ck_assert(after_a.sa[0].initiator);
	ck_assert_uint_eq(nops(&LA), 3); /* install new, then delete old */
	ck_assert_uint_eq(nops(&LB), 3);
	check_one_pair();
	ck_assert_uint_eq(LA.down_rekeyed, 1);
	ck_assert_uint_eq(LB.down_rekeyed, 1);
	ck_assert_uint_eq(LA.ike_down_other + LA.ike_down_rekeyed, 1);
	ck_assert_uint_eq(LB.ike_down_other + LB.ike_down_rekeyed, 1);
	/* The next one comes 100 s later again. */
	run_until(260000, false);
	ck_assert_uint_eq(nops(&LA), 5);
	check_one_pair();
	down();
}
END_TEST

struct times {
	uint64_t est, rekey, reauth, expire, c_est, c_rekey, c_expire;
};

static int times_of(void *arg, const struct ike_sa_info *sa)
{
	struct times *t = arg;

	t->est = sa->established_ms;
	t->rekey = sa->rekey_ms;
	t->reauth = sa->reauth_ms;
	t->expire = sa->expire_ms;
	if (sa->n_children) {
		t->c_est = sa->children[0].established_ms;
		t->c_rekey = sa->children[0].rekey_ms;
		t->c_expire = sa->children[0].expire_ms;
	}
	return 0;
}

/* The listing's timer times (list-sas: rekey_in, expires_in...). */
START_TEST(test_listing_times)
{
	struct rcfg rc = rcfg_plain;
	struct times t = { 0 };

	rc.ike_rekey = 1000;
	rc.ike_over = 100;
	rc.ike_reauth = 5000;
	up(&rc);
	ike_engine_foreach_sa(A.e, times_of, &t);
	ck_assert_uint_ne(t.est, 0);
	ck_assert_uint_eq(t.rekey, t.est + 1000 * 1000);
	ck_assert_uint_eq(t.reauth, t.est + 5000 * 1000);
	ck_assert_uint_eq(t.expire, t.est + 5100 * 1000); /* over_time after the reauth */
	ck_assert_uint_eq(t.c_rekey, t.c_est + 3600 * 1000);
	ck_assert_uint_eq(t.c_expire, t.c_est + 3960 * 1000);
	down();
}
END_TEST

/* conduitctl rekey --reauth: make before break now, once at a time. */
START_TEST(test_reauth_requested)
{
	struct rcfg rc = rcfg_plain;
	uint32_t old;
	int nid;

	up(&rc);
	old = the_sa(&A);
	ck_assert_int_eq(ike_engine_reauth(A.e, old + 1000), -ENOENT);
	nid = ike_engine_reauth(A.e, old);
	ck_assert_int_gt(nid, 0);
	ck_assert_uint_ne((uint32_t)nid, old);
	/* a second request while the first runs */
	ck_assert_int_eq(ike_engine_reauth(A.e, old), -EBUSY);
	tpump(&A, &B);
	{
		struct rsas s = sas_of(&A);

		ck_assert_uint_eq(s.n, 1);
		ck_assert_uint_eq(s.sa[0].id, (uint32_t)nid);
	}
	ck_assert_uint_eq(nops(&LA), 3); /* install new, then delete old */
	ck_assert_uint_eq(nops(&LB), 3);
	check_one_pair();
	ck_assert_uint_eq(LA.down_rekeyed, 1);
	ck_assert_int_eq(ike_engine_reauth(A.e, old), -ENOENT);
	down();
}
END_TEST

/* A reauthentication that fails (the peer does not answer) leaves the old
 * IKE SA and its CHILD_SA alone until over_time ends it. */
START_TEST(test_reauth_fails_keeps_old)
{
	struct rcfg rc = rcfg_plain;
	uint32_t old;

	rc.ike_reauth = 100;
	rc.ike_over = 100;
	up(&rc);
	old = the_sa(&A);
	/* B hears nothing more: the reauthentication at 100 s fails 63 s
	 * later; the old SA stays until 100 + over_time. */
	run_until(190000, true);
	{
		struct rsas s = sas_of(&A);
		bool found = false;

		for (size_t i = 0; i < s.n; i++)
			found |= s.sa[i].id == old && s.sa[i].state == IKE_STATE_ESTABLISHED;
		ck_assert(found);
	}
	ck_assert_uint_eq(nops(&LA), 1); /* nothing deleted */
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_FAILED));
	/* over_time: a Delete, unanswered (63 s), then it is gone. */
	run_until(280000, true);
	ck_assert_uint_eq(nops(&LA), 2);
	ck_assert_uint_eq(LA.down_other, 1);
	down();
}
END_TEST

START_TEST(test_ike_rekey_initiator)
{
	ike_rekey_by(&A);
}
END_TEST

START_TEST(test_ike_rekey_responder)
{
	ike_rekey_by(&B);
}
END_TEST

/* ---- collisions ---- */

/* Both ends rekey the same SA at once. reorder: B's response to A's
 * request reaches A before B's own request does (the other order). */
static void collide(bool ike, bool reorder)
{
	ck_assert_int_eq(ike_engine_rekey(A.e, the_sa(&A), ike ? 0 : the_child(&A)), 0);
	ck_assert_int_eq(ike_engine_rekey(B.e, the_sa(&B), ike ? 0 : the_child(&B)), 0);
	ck_assert_uint_eq(A.n_q, 1);
	ck_assert_uint_eq(B.n_q, 1);
	if (reorder) {
		struct tpkt req_a, req_b, resp_b;

		/* A's request reaches B, which answers (after its own). */
		ck_assert(tq_pop(&A, &req_a));
		ike_engine_input(B.e, req_a.data, req_a.len, &req_a.dst, &req_a.src);
		free(req_a.data);
		ck_assert_uint_eq(B.n_q, 2);
		ck_assert(tq_pop(&B, &req_b));
		ck_assert(tq_pop(&B, &resp_b));
		ike_engine_input(A.e, resp_b.data, resp_b.len, &resp_b.dst, &resp_b.src);
		ike_engine_input(A.e, req_b.data, req_b.len, &req_b.dst, &req_b.src);
		free(req_b.data);
		free(resp_b.data);
	}
	tpump(&A, &B);
}

/* Which exchange's SA survived at A: true if A's own. */
static bool a_won_child(void)
{
	const struct rop *a[2];

	ck_assert_uint_eq(alive(&LA, a, 2), 1);
	/* A answered B's request first, then got its own response. */
	ck_assert_uint_eq(LA.ops[1].op, 'i');
	ck_assert_uint_eq(LA.ops[2].op, 'i');
	return a[0]->child_id == LA.ops[2].child_id;
}

static void child_collisions(bool reorder)
{
	bool seen[2] = { false, false };

	for (uint64_t seed = 1; seed <= 12; seed++) {
		up_seeded(&rcfg_plain, TSEED_A * seed, TSEED_B + seed);
		collide(false, reorder);
		check_one_pair();
		if (!reorder) {
			/* 3 installs, 2 deletes each side: the old one and a
			 * redundant one. */
			ck_assert_uint_eq(nops(&LA), 5);
			ck_assert_uint_eq(nops(&LB), 5);
			seen[a_won_child()] = true;
		} else {
			/* A finished first and deletes the old one; B's rekey
			 * of it got TEMPORARY_FAILURE, no redundant SA. */
			ck_assert_uint_eq(nops(&LA), 3);
			ck_assert_uint_eq(nops(&LB), 3);
			ck_assert_ptr_null(tfind_event(&B, IKE_EV_FAILED));
			seen[1] = true;
		}
		/* every delete was of a replaced (or redundant) one */
		ck_assert_uint_eq(LA.down_rekeyed, (nops(&LA) - 1) / 2);
		ck_assert_uint_eq(LB.down_rekeyed, (nops(&LB) - 1) / 2);
		/* A later rekey still works. */
		ck_assert_int_eq(ike_engine_rekey(B.e, the_sa(&B), the_child(&B)), 0);
		tpump(&A, &B);
		check_one_pair();
		down();
		if (reorder)
			break;
	}
	/* Across seeds, each end's nonce was the lowest at least once. */
	ck_assert(seen[1]);
	if (!reorder)
		ck_assert(seen[0]);
}

START_TEST(test_child_collision)
{
	child_collisions(false);
}
END_TEST

START_TEST(test_child_collision_reordered)
{
	child_collisions(true);
}
END_TEST

static void ike_collisions(bool reorder)
{
	bool seen[2] = { false, false };

	for (uint64_t seed = 1; seed <= 12; seed++) {
		struct rsas a, b;
		uint32_t child_a, child_b;

		up_seeded(&rcfg_plain, TSEED_A * seed, TSEED_B + seed);
		child_a = the_child(&A);
		child_b = the_child(&B);
		collide(true, reorder);
		check_one_pair();
		a = sas_of(&A);
		b = sas_of(&B);
		/* The children moved, never reinstalled or deleted. */
		ck_assert_uint_eq(a.sa[0].child_id, child_a);
		ck_assert_uint_eq(b.sa[0].child_id, child_b);
		ck_assert_uint_eq(nops(&LA), 1);
		ck_assert_uint_eq(nops(&LB), 1);
		ck_assert_uint_eq(LA.ike_down_other + LB.ike_down_other, 0);
		/* old one, and the redundant one unless reordered */
		ck_assert_uint_eq(LA.ike_down_rekeyed, reorder ? 1 : 2);
		ck_assert_uint_eq(LB.ike_down_rekeyed, reorder ? 1 : 2);
		seen[a.sa[0].initiator] = true;
		/* The survivor works both ways. */
		ck_assert_int_eq(ike_engine_rekey(B.e, the_sa(&B), the_child(&B)), 0);
		tpump(&A, &B);
		check_one_pair();
		ck_assert_int_eq(ike_engine_rekey(A.e, the_sa(&A), 0), 0);
		tpump(&A, &B);
		check_one_pair();
		down();
		if (reorder)
			break;
	}
	ck_assert(seen[1]);
	if (!reorder)
		ck_assert(seen[0]);
}

START_TEST(test_ike_collision)
{
	ike_collisions(false);
}
END_TEST

START_TEST(test_ike_collision_reordered)
{
	ike_collisions(true);
}
END_TEST

/* A CHILD SA rekey crossing an IKE SA rekey: each end refuses the other's
 * with TEMPORARY_FAILURE (RFC 7296 2.25.2) and retries later, not at
 * once; both succeed in the end. */
START_TEST(test_temporary_failure)
{
	uint64_t t0;

	up(&rcfg_plain);
	ck_assert_int_eq(ike_engine_rekey(A.e, the_sa(&A), 0), 0);
	ck_assert_int_eq(ike_engine_rekey(B.e, the_sa(&B), the_child(&B)), 0);
	watch = "TEMPORARY_FAILURE";
	tpump(&A, &B);
	watch = "\x01";
	/* Each end refused the other's (and logged the peer's refusal). */
	ck_assert_uint_ge(LA.n_watch, 2);
	ck_assert_uint_ge(LB.n_watch, 2);
	/* A transient refusal is no failure to report. */
	ck_assert_ptr_null(tfind_event(&B, IKE_EV_FAILED));
	/* Nothing changed yet, and nothing is sent at once. */
	ck_assert_uint_eq(nops(&LA), 1);
	ck_assert_uint_eq(nops(&LB), 1);
	ck_assert_uint_eq(A.n_q + B.n_q, 0);
	t0 = tclock;
	advance_to(t0 + 10000);
	check_one_pair();
	/* Both retried: the child was rekeyed and the IKE SA too. */
	ck_assert_uint_eq(nops(&LB), 3);
	ck_assert_uint_eq(LA.ike_down_rekeyed, 1);
	down();
}
END_TEST

/* B's rekey of a CHILD SA crosses A's, and is delayed until A's rekey is
 * over and the old SA deleted: A answers CHILD_SA_NOT_FOUND, and B, which
 * answered A's rekey, keeps the successor. */
START_TEST(test_child_sa_not_found)
{
	struct tpkt req_b;

	up(&rcfg_plain);
	ck_assert_int_eq(ike_engine_rekey(A.e, the_sa(&A), the_child(&A)), 0);
	ck_assert_int_eq(ike_engine_rekey(B.e, the_sa(&B), the_child(&B)), 0);
	ck_assert(tq_pop(&B, &req_b));
	tpump(&A, &B);
	ck_assert_uint_eq(nops(&LA), 3);
	ck_assert_uint_eq(nops(&LB), 3);
	watch = "CHILD_SA_NOT_FOUND";
	ike_engine_input(A.e, req_b.data, req_b.len, &req_b.dst, &req_b.src);
	free(req_b.data);
	ck_assert_uint_eq(LA.n_watch, 1);
	tpump(&A, &B);
	watch = "\x01";
	check_one_pair();
	ck_assert_uint_eq(nops(&LA), 3);
	ck_assert_uint_eq(nops(&LB), 3);
	ck_assert_ptr_null(tfind_event(&B, IKE_EV_FAILED));
	down();
}
END_TEST

/* ---- triggers ---- */

/* rekey_time minus a random part of rand_time, the same as the kernel's
 * soft time; again for the successor. */
START_TEST(test_rekey_time)
{
	struct rcfg rc = rcfg_plain;
	uint64_t t0 = TCLOCK_START, first;

	rc.child_rekey = 600;
	rc.child_life = 700;
	rc.child_rand = 60;
	up(&rc);
	ck_assert_uint_ge(LA.ops[0].ci.soft_time, 540);
	ck_assert_uint_le(LA.ops[0].ci.soft_time, 600);
	ck_assert_uint_eq(LA.ops[0].ci.hard_time, 700);
	advance_to(t0 + 539 * 1000);
	ck_assert_uint_eq(nops(&LA), 1);
	advance_to(t0 + 600 * 1000);
	check_one_pair();
	ck_assert_uint_eq(nops(&LA), 3);
	ck_assert_uint_eq(nops(&LB), 3);
	/* The earlier of the two timers started it, when the kernel's soft
	 * time says. */
	first = LA.ops[0].ci.soft_time < LB.ops[0].ci.soft_time ? LA.ops[0].ci.soft_time
								: LB.ops[0].ci.soft_time;
	ck_assert_uint_eq(LA.ops[1].at, t0 + first * 1000);
	ck_assert_uint_eq(LB.ops[1].at, t0 + first * 1000);
	/* The old one's life_time never fired: nothing expired. */
	ck_assert_uint_eq(LA.down_other + LB.down_other, 0);
	advance_to(t0 + 1200 * 1000);
	check_one_pair();
	ck_assert_uint_eq(nops(&LA), 5);
	down();
}
END_TEST

/* The kernel's soft EXPIRE (bytes) rekeys; a hard one deletes; an EXPIRE
 * for an SPI the reqid does not have is ignored. */
START_TEST(test_kernel_expire)
{
	struct rcfg rc = rcfg_plain;
	uint32_t reqid;

	rc.child_rekey_bytes = 1000000;
	rc.child_life_bytes = 1100000;
	up(&rc);
	ck_assert_uint_eq(LA.ops[0].ci.soft_bytes, 1000000);
	ck_assert_uint_eq(LA.ops[0].ci.hard_bytes, 1100000);
	reqid = LA.ops[0].reqid;
	ike_engine_child_expired(A.e, reqid, 0x12345678, false);
	ike_engine_child_expired(A.e, reqid + 100, LA.ops[0].ci.in.spi, false);
	ck_assert_uint_eq(A.n_q, 0);
	/* soft, on the outbound SA */
	ike_engine_child_expired(A.e, reqid, LA.ops[0].ci.out.spi, false);
	ck_assert_uint_eq(A.n_q, 1);
	/* a second soft EXPIRE (the inbound SA) while it is under way */
	ike_engine_child_expired(A.e, reqid, LA.ops[0].ci.in.spi, false);
	tpump(&A, &B);
	check_one_pair();
	ck_assert_uint_eq(nops(&LA), 3);
	/* the old one's hard EXPIRE comes late: it is gone already */
	ike_engine_child_expired(A.e, reqid, LA.ops[0].ci.in.spi, true);
	ck_assert_uint_eq(A.n_q, 0);
	/* the new one's hard EXPIRE deletes it */
	ike_engine_child_expired(A.e, reqid, LA.ops[1].ci.in.spi, true);
	tpump(&A, &B);
	ck_assert_uint_eq(sas_of(&A).sa[0].n_children, 0);
	ck_assert_uint_eq(sas_of(&B).sa[0].n_children, 0);
	ck_assert_uint_eq(LA.down_other, 1);
	ck_assert_ptr_nonnull(strstr(LA.last_child_down, "expired"));
	down();
}
END_TEST

/* life_time passes without a rekey (rekey_time 0): the CHILD SA is
 * deleted by both ends at once, the IKE SA stays. */
START_TEST(test_life_time)
{
	struct rcfg rc = rcfg_plain;

	rc.child_rekey = 0;
	rc.child_life = 100;
	up(&rc);
	ck_assert_uint_eq(LA.ops[0].ci.soft_time, 0);
	advance_to(TCLOCK_START + 101 * 1000);
	ck_assert_uint_eq(sas_of(&A).sa[0].n_children, 0);
	ck_assert_uint_eq(sas_of(&B).sa[0].n_children, 0);
	ck_assert_uint_eq(LA.down_other + LB.down_other, 2);
	ck_assert_uint_eq(sas_of(&A).n, 1);
	down();
}
END_TEST

/* IKE rekey_time: the IKE SA is rekeyed by its timer (with both ends
 * configured alike and rand_time 0 they collide, and one survives). */
START_TEST(test_ike_rekey_time)
{
	struct rcfg rc = rcfg_plain;
	uint32_t id_a, id_b;

	rc.ike_rekey = 300;
	rc.ike_over = 30;
	up(&rc);
	id_a = the_sa(&A);
	id_b = the_sa(&B);
	advance_to(TCLOCK_START + 299 * 1000);
	ck_assert_uint_eq(the_sa(&A), id_a);
	advance_to(TCLOCK_START + 301 * 1000);
	check_one_pair();
	ck_assert_uint_ne(the_sa(&A), id_a);
	ck_assert_uint_ne(the_sa(&B), id_b);
	/* over_time of the old ones never fired, and the new ones rekey too */
	advance_to(TCLOCK_START + 700 * 1000);
	check_one_pair();
	ck_assert_uint_eq(LA.ike_down_other + LB.ike_down_other, 0);
	ck_assert_uint_eq(nops(&LA), 1);
	down();
}
END_TEST

static bool drop_b_requests(const struct tpeer *from, const struct tpkt *k, size_t n, void *arg)
{
	(void)n;
	(void)arg;
	return !(from == &B && k->len > 19 && !(k->data[19] & IKE_FLAG_RESPONSE));
}

/* over_time: B keeps refusing the IKE rekey (its own CHILD SA rekey is
 * stuck), so A deletes the IKE SA once rekey_time + over_time passed. */
START_TEST(test_over_time)
{
	struct rcfg rc = rcfg_plain;

	rc.ike_rekey = 100;
	rc.ike_over = 20;
	up(&rc);
	advance_to(TCLOCK_START + 90 * 1000);
	ck_assert_int_eq(ike_engine_rekey(B.e, the_sa(&B), the_child(&B)), 0);
	for (int i = 0; i < 200 && tclock < TCLOCK_START + 125 * 1000; i++) {
		uint64_t next = A.wake < B.wake ? A.wake : B.wake;

		if (next == UINT64_MAX)
			break;
		tadvance(&A, &B);
		tpump_f(&A, &B, drop_b_requests, NULL);
	}
	ck_assert_uint_eq(sas_of(&A).n, 0);
	ck_assert_uint_eq(LA.ike_down_other, 1);
	ck_assert_uint_eq(LA.down_other, 1);
	ck_assert_ptr_nonnull(strstr(LA.last_ike_down, "over_time"));
	down();
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ike_rekey");
	TCase *tc = tcase_create("rekey");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_child_rekey_initiator);
	tcase_add_test(tc, test_child_rekey_responder);
	tcase_add_test(tc, test_child_rekey_ke_initiator);
	tcase_add_test(tc, test_child_rekey_ke_responder);
	tcase_add_test(tc, test_child_rekey_invalid_ke);
	tcase_add_test(tc, test_child_rekey_no_proposal);
	tcase_add_test(tc, test_reauth_make_before_break);
	tcase_add_test(tc, test_reauth_requested);
	tcase_add_test(tc, test_listing_times);
	tcase_add_test(tc, test_reauth_fails_keeps_old);
	tcase_add_test(tc, test_ike_rekey_initiator);
	tcase_add_test(tc, test_ike_rekey_responder);
	tcase_add_test(tc, test_child_collision);
	tcase_add_test(tc, test_child_collision_reordered);
	tcase_add_test(tc, test_ike_collision);
	tcase_add_test(tc, test_ike_collision_reordered);
	tcase_add_test(tc, test_temporary_failure);
	tcase_add_test(tc, test_child_sa_not_found);
	tcase_add_test(tc, test_rekey_time);
	tcase_add_test(tc, test_kernel_expire);
	tcase_add_test(tc, test_life_time);
	tcase_add_test(tc, test_ike_rekey_time);
	tcase_add_test(tc, test_over_time);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
