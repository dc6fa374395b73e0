// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Many CHILD SAs per IKE SA, and the lifecycle they live by: new children
 * with CREATE_CHILD_SA in both roles (with and without a key exchange),
 * initiate of a whole connection or of one child, terminate of one child,
 * rekeys and reauthentication per child, childless IKE SAs (RFC 6023),
 * selector narrowing (RFC 7296 2.9), and the state tables refusing an
 * illegal transition. Two engines in memory.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike/engine.h"
#include "test_ike_engine_env.h"
#include "unit.h"

static struct tpeer A, B;

struct tchild {
	const char *name;
	const char *lts, *rts; /* A's view; B gets them swapped */
	const char *esp;
	enum ike_mode mode;
	uint8_t close_action;
};

/* Three children: two IPv4 subnet pairs and an IPv6 pair. */
static const struct tchild three[] = {
	{ "net1", "10.1.0.0/24", "10.2.0.0/24", "aes256gcm16", IKE_MODE_TUNNEL, 0 },
	{ "net3", "10.3.0.0/24", "10.4.0.0/24", "aes128gcm16-x25519", IKE_MODE_TUNNEL, 0 },
	{ "v6", "fd00:1::/64", "fd00:2::/64", "aes256gcm16", IKE_MODE_TUNNEL, 0 },
};

static int conn_of(struct tpeer *p, const struct tpeer *peer, const struct tchild *ch, size_t n,
		   bool mirror, uint8_t childless, uint32_t reauth)
{
	struct ike_child_cfg cc[8];
	struct ike_conn_cfg cfg;
	const char *err = NULL;
	int rc;

	ck_assert_uint_le(n, 8);
	memset(cc, 0, sizeof(cc));
	for (size_t i = 0; i < n; i++) {
		snprintf(cc[i].name, sizeof(cc[i].name), "%s", ch[i].name);
		cc[i].local_ts = mirror ? ch[i].rts : ch[i].lts;
		cc[i].remote_ts = mirror ? ch[i].lts : ch[i].rts;
		cc[i].esp_proposals = ch[i].esp;
		cc[i].mode = ch[i].mode;
		cc[i].rekey_time = 3600;
		cc[i].life_time = 3960;
		cc[i].close_action = ch[i].close_action;
	}
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.name, sizeof(cfg.name), "gw");
	cfg.local = p->addr;
	cfg.remote = peer->addr;
	cfg.proposals = "aes256gcm16-prfsha256-x25519";
	cfg.psk = (const uint8_t *)"a shared secret of reasonable length";
	cfg.psk_len = strlen((const char *)cfg.psk);
	cfg.childless = childless;
	cfg.reauth_time = reauth;
	cfg.over_time = reauth ? 30 : 0;
	cfg.n_children = n;
	cfg.children = cc;
	rc = ike_engine_add_conn(p->e, &cfg, &err);
	if (rc)
		fprintf(stderr, "%s: %s\n", p->name, err ? err : "?");
	return rc;
}

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

/* Run timers (and deliver what they send) up to ms after the start. */
static void run_until(uint64_t ms)
{
	uint64_t until = TCLOCK_START + ms;

	while ((A.wake <= until || B.wake <= until) && tadvance(&A, &B))
		tpump(&A, &B);
}

static void pair(const struct tchild *ch, size_t n, uint8_t cl_a, uint8_t cl_b)
{
	ck_assert_int_eq(conn_of(&A, &B, ch, n, false, cl_a, 0), 0);
	ck_assert_int_eq(conn_of(&B, &A, ch, n, true, cl_b, 0), 0);
}

struct sas {
	size_t n;
	struct ike_sa_info sa[4];
	size_t n_children[4];
	char child_names[4][8][64];
	char child_states[4][8][16];
	uint32_t child_ids[4][8], reqids[4][8];
};

static int collect(void *arg, const struct ike_sa_info *info)
{
	struct sas *s = arg;

	if (s->n < 4) {
		size_t k = s->n++;

		s->sa[k] = *info;
		s->n_children[k] = info->n_children < 8 ? info->n_children : 8;
		for (size_t i = 0; i < s->n_children[k]; i++) {
			snprintf(s->child_names[k][i], 64, "%s", info->children[i].name);
			snprintf(s->child_states[k][i], 16, "%s", info->children[i].state);
			s->child_ids[k][i] = info->children[i].child_id;
			s->reqids[k][i] = info->children[i].reqid;
		}
		s->sa[k].children = NULL;
	}
	return 0;
}

static struct sas sas_of(struct tpeer *p)
{
	struct sas s;

	memset(&s, 0, sizeof(s));
	ike_engine_foreach_sa(p->e, collect, &s);
	return s;
}

static bool has_child(const struct sas *s, size_t k, const char *name)
{
	for (size_t i = 0; i < s->n_children[k]; i++)
		if (!strcmp(s->child_names[k][i], name) &&
		    !strcmp(s->child_states[k][i], "INSTALLED"))
			return true;
	return false;
}

static uint32_t child_id(const struct sas *s, size_t k, const char *name)
{
	for (size_t i = 0; i < s->n_children[k]; i++)
		if (!strcmp(s->child_names[k][i], name))
			return s->child_ids[k][i];
	return 0;
}

/* Installed pairs agree: A's inbound is B's outbound and the reverse, with
 * mirrored selectors. */
static void check_pair(const struct ike_child_install *a, const struct ike_child_install *b)
{
	ck_assert_uint_eq(a->in.spi, b->out.spi);
	ck_assert_uint_eq(a->out.spi, b->in.spi);
	ck_assert_mem_eq(a->in.enc_key, b->out.enc_key, a->in.enc_key_len);
	ck_assert_mem_eq(a->out.enc_key, b->in.enc_key, a->out.enc_key_len);
	ck_assert_uint_eq(a->n_local_ts, b->n_remote_ts);
	ck_assert_mem_eq(a->local_ts, b->remote_ts, a->n_local_ts * sizeof(struct ike_ts));
	ck_assert_str_eq(a->child_name, b->child_name);
}

static const struct ike_child_install *inst_named(const struct tpeer *p, const char *name,
						  size_t nth)
{
	for (size_t i = 0; i < p->n_inst; i++)
		if (!strcmp(p->inst[i].child_name, name) && !nth--)
			return &p->inst[i];
	return NULL;
}

/* ------------------------------------------------------------------ */

/* initiate CONN: every child on one IKE SA, the first in IKE_AUTH and the
 * others with CREATE_CHILD_SA (one of them with its own key exchange). */
START_TEST(test_all_children)
{
	struct sas sa, sb;
	int id;

	pair(three, 3, 0, 0);
	id = ike_engine_initiate(A.e, "gw", NULL);
	ck_assert_int_gt(id, 0);
	/* IKE_SA_INIT, IKE_AUTH with the first, two CREATE_CHILD_SA */
	ck_assert_uint_eq(tpump(&A, &B), 8);
	sa = sas_of(&A);
	sb = sas_of(&B);
	ck_assert_uint_eq(sa.n, 1);
	ck_assert_uint_eq(sb.n, 1);
	ck_assert_uint_eq(sa.n_children[0], 3);
	ck_assert_uint_eq(sb.n_children[0], 3);
	for (size_t i = 0; i < 3; i++) {
		ck_assert(has_child(&sa, 0, three[i].name));
		ck_assert(has_child(&sb, 0, three[i].name));
		check_pair(inst_named(&A, three[i].name, 0), inst_named(&B, three[i].name, 0));
	}
	/* Each child has a reqid (and so kernel policies) of its own. */
	ck_assert_uint_ne(sa.reqids[0][0], sa.reqids[0][1]);
	ck_assert_uint_ne(sa.reqids[0][1], sa.reqids[0][2]);
	ck_assert_uint_ne(sa.reqids[0][0], sa.reqids[0][2]);
	/* The IPv6 pair went through as IPv6 selectors. */
	ck_assert_uint_eq(inst_named(&A, "v6", 0)->local_ts[0].type, IKE_TS_IPV6_ADDR_RANGE);
	ck_assert_uint_eq(tcount_events(&A, IKE_EV_CHILD_UP), 3);
	ck_assert_uint_eq(tcount_events(&A, IKE_EV_FAILED), 0);
	ck_assert(ike_engine_child_is_up(A.e, (uint32_t)id, "net3"));
	{
		size_t ike = 0, child = 0;

		ike_engine_counts(B.e, &ike, &child);
		ck_assert_uint_eq(ike, 1);
		ck_assert_uint_eq(child, 3);
	}
}
END_TEST

/* initiate CONN/CHILD one at a time: the IKE SA is reused; a child up
 * already is not made twice; the peer can add children to our IKE SA. */
START_TEST(test_one_child_at_a_time)
{
	struct sas sa;
	int id1, id2, id3;

	pair(three, 3, 0, 0);
	id1 = ike_engine_initiate(A.e, "gw", "net3");
	ck_assert_int_gt(id1, 0);
	/* Asked while the IKE SA is still being set up: it joins it. */
	id2 = ike_engine_initiate(A.e, "gw", "net1");
	ck_assert_int_eq(id2, id1);
	tpump(&A, &B);
	sa = sas_of(&A);
	ck_assert_uint_eq(sa.n, 1);
	ck_assert_uint_eq(sa.n_children[0], 2);
	ck_assert(has_child(&sa, 0, "net1"));
	ck_assert(has_child(&sa, 0, "net3"));
	ck_assert_uint_eq(A.n_inst, 2);
	id3 = ike_engine_initiate(A.e, "gw", "net1");
	ck_assert_int_eq(id3, id1);
	tpump(&A, &B);
	ck_assert_uint_eq(A.n_inst, 2);
	/* The responder starts the third on the same IKE SA. */
	ck_assert_int_gt(ike_engine_initiate(B.e, "gw", "v6"), 0);
	tpump(&A, &B);
	sa = sas_of(&A);
	ck_assert_uint_eq(sa.n, 1);
	ck_assert_uint_eq(sa.n_children[0], 3);
	ck_assert(has_child(&sa, 0, "v6"));
	check_pair(inst_named(&A, "v6", 0), inst_named(&B, "v6", 0));
	ck_assert_int_eq(ike_engine_initiate(A.e, "gw", "nope"), -ENOENT);
}
END_TEST

/* terminate CONN/CHILD: that child goes on both ends, nothing else. */
START_TEST(test_terminate_one_child)
{
	struct sas sa, sb;
	uint32_t gone;

	pair(three, 3, 0, 0);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	tpump(&A, &B);
	sa = sas_of(&A);
	gone = child_id(&sa, 0, "net3");
	ck_assert_uint_ne(gone, 0);
	ck_assert_int_eq(ike_engine_terminate_child(A.e, "gw", "net3"), 0);
	tpump(&A, &B);
	sa = sas_of(&A);
	sb = sas_of(&B);
	ck_assert_uint_eq(sa.n, 1);
	ck_assert_uint_eq(sb.n, 1);
	ck_assert_uint_eq(sa.n_children[0], 2);
	ck_assert_uint_eq(sb.n_children[0], 2);
	ck_assert(!has_child(&sa, 0, "net3"));
	ck_assert(!has_child(&sb, 0, "net3"));
	ck_assert(has_child(&sa, 0, "net1") && has_child(&sa, 0, "v6"));
	ck_assert(has_child(&sb, 0, "net1") && has_child(&sb, 0, "v6"));
	ck_assert_uint_eq(A.n_del, 1);
	ck_assert_uint_eq(A.del[0], gone);
	{
		size_t ike = 0, child = 0;

		ike_engine_counts(A.e, &ike, &child);
		ck_assert_uint_eq(ike, 1);
		ck_assert_uint_eq(child, 2);
	}
	ck_assert_uint_eq(B.n_del, 1);
	ck_assert_int_eq(ike_engine_terminate_child(A.e, "gw", "net3"), -ENOENT);
	/* And back. */
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", "net3"), 0);
	tpump(&A, &B);
	sa = sas_of(&A);
	ck_assert_uint_eq(sa.n_children[0], 3);
}
END_TEST

/* Each child rekeys on its own (with a new key exchange where its
 * esp_proposals have a group): the successor keeps the reqid, the others
 * are untouched. */
START_TEST(test_rekey_each_child)
{
	struct sas before, after;

	pair(three, 3, 0, 0);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	tpump(&A, &B);
	before = sas_of(&A);
	for (size_t i = 0; i < 3; i++) {
		struct sas now = sas_of(&A);
		size_t n_del = A.n_del;

		ck_assert_int_eq(
		    ike_engine_rekey(A.e, now.sa[0].id, child_id(&now, 0, three[i].name)), 0);
		tpump(&A, &B);
		ck_assert_uint_eq(A.n_del, n_del + 1);
		ck_assert_uint_eq(A.del[n_del], child_id(&before, 0, three[i].name));
		check_pair(inst_named(&A, three[i].name, 1), inst_named(&B, three[i].name, 1));
	}
	after = sas_of(&A);
	ck_assert_uint_eq(after.n_children[0], 3);
	for (size_t i = 0; i < 3; i++) {
		bool same = false;

		for (size_t j = 0; j < 3; j++)
			same |= after.reqids[0][i] == before.reqids[0][j];
		ck_assert(same);
	}
	ck_assert_uint_eq(tcount_events(&A, IKE_EV_FAILED), 0);
}
END_TEST

/* Reauthentication carries every child to the new IKE SA (same reqids),
 * then deletes the old one. */
START_TEST(test_reauth_all_children)
{
	struct sas before, after;

	ck_assert_int_eq(conn_of(&A, &B, three, 3, false, 0, 100), 0);
	ck_assert_int_eq(conn_of(&B, &A, three, 3, true, 0, 0), 0);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	tpump(&A, &B);
	before = sas_of(&A);
	run_until(150000);
	after = sas_of(&A);
	ck_assert_uint_eq(after.n, 1);
	ck_assert_uint_ne(after.sa[0].id, before.sa[0].id);
	ck_assert_uint_eq(after.n_children[0], 3);
	/* The same reqids: the kernel's policies stayed in place. */
	for (size_t i = 0; i < 3; i++)
		ck_assert(before.reqids[0][0] == after.reqids[0][i] ||
			  before.reqids[0][1] == after.reqids[0][i] ||
			  before.reqids[0][2] == after.reqids[0][i]);
	ck_assert_uint_eq(sas_of(&B).n, 1);
	ck_assert_uint_eq(A.n_inst, 6);
	ck_assert_uint_eq(A.n_del, 3);
	/* Replaced, not closed: no close_action would fire. */
	for (size_t i = 0; i < A.n_ev; i++)
		if (A.ev[i].type == IKE_EV_FAILED)
			ck_abort_msg("failure: %s", A.ev[i].reason);
}
END_TEST

/* childless = prefer (the responder allows it): IKE_AUTH carries no CHILD
 * SA, every child comes with a CREATE_CHILD_SA of its own: 8 messages for
 * two children, where IKE_AUTH with the first would take 6. */
START_TEST(test_childless_prefer)
{
	struct sas sa;

	pair(three, 2, IKE_CHILDLESS_PREFER, IKE_CHILDLESS_ALLOW);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	ck_assert_uint_eq(tpump(&A, &B), 8);
	sa = sas_of(&A);
	ck_assert_uint_eq(sa.n, 1);
	ck_assert_uint_eq(sa.n_children[0], 2);
	check_pair(inst_named(&A, "net1", 0), inst_named(&B, "net1", 0));
	check_pair(inst_named(&A, "net3", 0), inst_named(&B, "net3", 0));
}
END_TEST

/* A connection with no children at all makes a childless IKE SA. */
START_TEST(test_childless_no_children)
{
	struct sas sa;

	pair(three, 0, IKE_CHILDLESS_ALLOW, IKE_CHILDLESS_ALLOW);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	tpump(&A, &B);
	sa = sas_of(&A);
	ck_assert_uint_eq(sa.n, 1);
	ck_assert_uint_eq(sa.sa[0].state, IKE_STATE_ESTABLISHED);
	ck_assert_uint_eq(sa.n_children[0], 0);
	ck_assert_uint_eq(sas_of(&B).sa[0].state, IKE_STATE_ESTABLISHED);
}
END_TEST

START_TEST(test_childless_never_responder)
{
	pair(three, 1, IKE_CHILDLESS_FORCE, IKE_CHILDLESS_NEVER);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	tpump(&A, &B);
	/* B does not announce CHILDLESS_IKEV2_SUPPORTED: force fails. */
	ck_assert_uint_eq(sas_of(&A).n, 0);
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_FAILED));
	ck_assert_uint_eq(A.n_inst, 0);
}
END_TEST

START_TEST(test_childless_force_responder)
{
	struct sas sa;

	/* B accepts CHILD SAs only with CREATE_CHILD_SA: A's in IKE_AUTH is
	 * refused, the IKE SA stays. */
	pair(three, 1, IKE_CHILDLESS_ALLOW, IKE_CHILDLESS_FORCE);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	tpump(&A, &B);
	sa = sas_of(&A);
	ck_assert_uint_eq(sa.n, 1);
	ck_assert_uint_eq(sa.n_children[0], 0);
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_FAILED));
	/* With CREATE_CHILD_SA it works. */
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", "net1"), 0);
	tpump(&A, &B);
	ck_assert_uint_eq(sas_of(&A).n_children[0], 1);
}
END_TEST

/* RFC 7296 2.9 narrowing both ways: the responder installs the
 * intersection, the initiator installs what was agreed. */
START_TEST(test_narrowing)
{
	static const struct tchild wide[] = {
		{ "net", "10.0.0.0/8", "10.2.0.0/16", "aes256gcm16", IKE_MODE_TUNNEL, 0 },
	};
	static const struct tchild narrow[] = {
		{ "net", "10.1.0.0/24", "10.2.0.0/24[tcp/80]", "aes256gcm16", IKE_MODE_TUNNEL, 0 },
	};
	const struct ike_child_install *a, *b;
	char buf[IKE_TS_STR_LEN];

	ck_assert_int_eq(conn_of(&A, &B, wide, 1, false, 0, 0), 0);
	ck_assert_int_eq(conn_of(&B, &A, narrow, 1, true, 0, 0), 0);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	tpump(&A, &B);
	a = inst_named(&A, "net", 0);
	b = inst_named(&B, "net", 0);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	check_pair(a, b);
	ike_ts_format(&a->local_ts[0], buf, sizeof(buf));
	ck_assert_str_eq(buf, "10.1.0.0/24");
	ike_ts_format(&a->remote_ts[0], buf, sizeof(buf));
	ck_assert_str_eq(buf, "10.2.0.0/24[tcp/80]");
	ck_assert_uint_eq(a->n_local_ts, 1);
	ck_assert_uint_eq(a->n_remote_ts, 1);
}
END_TEST

/* close_action = restart for one child the peer deletes: only that child
 * comes back, on the same IKE SA. */
START_TEST(test_close_action_per_child)
{
	struct tchild ch[2] = { three[0], three[1] };
	struct sas sa;
	uint32_t ike;

	ch[1].close_action = IKE_ACTION_RESTART;
	ck_assert_int_eq(conn_of(&A, &B, ch, 2, false, 0, 0), 0);
	ck_assert_int_eq(conn_of(&B, &A, three, 2, true, 0, 0), 0);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	tpump(&A, &B);
	ike = sas_of(&A).sa[0].id;
	ck_assert_int_eq(ike_engine_terminate_child(B.e, "gw", "net3"), 0);
	tpump(&A, &B);
	/* The restart runs from the timers. */
	run_until(10000);
	sa = sas_of(&A);
	ck_assert_uint_eq(sa.n, 1);
	ck_assert_uint_eq(sa.sa[0].id, ike);
	ck_assert_uint_eq(sa.n_children[0], 2);
	ck_assert(has_child(&sa, 0, "net3"));
	ck_assert(has_child(&sa, 0, "net1"));
	ck_assert_uint_eq(A.n_inst, 3);
}
END_TEST

/* The state tables refuse an illegal change, log it, and change nothing. */
START_TEST(test_illegal_transitions)
{
	struct ike_sa *sa;
	struct ike_child *c;

	pair(three, 1, 0, 0);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	tpump(&A, &B);
	sa = ike_sa_by_id(A.e, sas_of(&A).sa[0].id);
	ck_assert_ptr_nonnull(sa);
	c = LIST_FIRST(&sa->children);
	ck_assert_ptr_nonnull(c);
	ck_assert_uint_eq(c->state, IKE_CHILD_INSTALLED);
	ck_assert_int_eq(ike_child_set_state(A.e, c, IKE_CHILD_CREATED, "test"), -EPERM);
	ck_assert_uint_eq(c->state, IKE_CHILD_INSTALLED);
	ck_assert_ptr_nonnull(strstr(A.last_log, "refused: CHILD_SA net1"));
	ck_assert_ptr_nonnull(strstr(A.last_log, "INSTALLED -> CREATED"));
	ck_assert_int_eq(ike_sa_set_state(A.e, sa, IKE_S_INIT_SENT, "test"), -EPERM);
	ck_assert_uint_eq(sa->state, IKE_S_ESTABLISHED);
	ck_assert_ptr_nonnull(strstr(A.last_log, "ESTABLISHED -> INIT_SENT"));
	/* A legal one goes through. */
	ck_assert_int_eq(ike_child_set_state(A.e, c, IKE_CHILD_REKEYING, "test"), 0);
	ck_assert_int_eq(ike_child_set_state(A.e, c, IKE_CHILD_INSTALLED, "test"), 0);
	/* Replaced is final. */
	ike_child_superseded(A.e, c, "test");
	ck_assert_int_eq(ike_child_set_state(A.e, c, IKE_CHILD_INSTALLED, "test"), -EPERM);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ike_children");
	TCase *tc = tcase_create("children");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_all_children);
	tcase_add_test(tc, test_one_child_at_a_time);
	tcase_add_test(tc, test_terminate_one_child);
	tcase_add_test(tc, test_rekey_each_child);
	tcase_add_test(tc, test_reauth_all_children);
	tcase_add_test(tc, test_childless_prefer);
	tcase_add_test(tc, test_childless_no_children);
	tcase_add_test(tc, test_childless_never_responder);
	tcase_add_test(tc, test_childless_force_responder);
	tcase_add_test(tc, test_narrowing);
	tcase_add_test(tc, test_close_action_per_child);
	tcase_add_test(tc, test_illegal_transitions);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
