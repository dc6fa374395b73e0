// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * NAT traversal between two engines in memory, with a fake NAT in between:
 * A (10.99.0.2) is behind a masquerading router whose outside address is
 * 192.0.2.1; B (192.0.2.2) is not. The NAT rewrites the source of A's
 * datagrams to 192.0.2.1 and a port of its own choosing (a new one after a
 * "flush"), and B's replies back; it drops what has no mapping.
 * CONDUIT_TEST_VERBOSE=1 prints the logs.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/ike.h"
#include "tests/unit/test_ike_engine_env.h"
#include "tests/unit/unit.h"

#define PRIV_A "10.99.0.2"
#define PUB "192.0.2.1"

struct fnat {
	bool on;
	struct ike_addr pub; /* port unused */
	struct {
		uint16_t priv, pub;
	} map[8];
	size_t n;
	uint16_t next; /* the next public port handed out */
};

struct sent {
	struct ike_addr src, dst; /* as sent, before the NAT */
	size_t len;
	uint8_t first;
	uint64_t at;
};

#define NSENT 64
static struct tpeer A, B;
static struct fnat nat;
static struct sent sent_a[NSENT], sent_b[NSENT];
static size_t n_sent_a, n_sent_b;

static uint16_t nat_out(struct fnat *n, uint16_t priv)
{
	for (size_t i = 0; i < n->n; i++)
		if (n->map[i].priv == priv)
			return n->map[i].pub;
	ck_assert_uint_lt(n->n, 8);
	n->map[n->n].priv = priv;
	n->map[n->n].pub = n->next++;
	return n->map[n->n++].pub;
}

static bool nat_in(const struct fnat *n, uint16_t pub, uint16_t *priv)
{
	for (size_t i = 0; i < n->n; i++)
		if (n->map[i].pub == pub) {
			*priv = n->map[i].priv;
			return true;
		}
	return false;
}

/* The router lost its state: the next datagram gets a new public port. */
static void nat_flush(struct fnat *n)
{
	n->n = 0;
	n->next += 1000;
}

static void record(struct sent *s, size_t *n, const struct tpkt *k)
{
	if (*n == NSENT)
		return;
	s[*n].src = k->src;
	s[*n].dst = k->dst;
	s[*n].len = k->len;
	s[*n].first = k->len ? k->data[0] : 0;
	s[*n].at = tclock;
	(*n)++;
}

/* Delivers both ways until nothing is queued. Keepalives (one octet) are
 * recorded, not delivered: the daemon's socket drops them. */
static void npump(void)
{
	struct tpkt k;

	for (int guard = 0; guard < 1000 && (A.n_q || B.n_q); guard++) {
		if (tq_pop(&A, &k)) {
			record(sent_a, &n_sent_a, &k);
			if (nat.on) {
				k.src.port = nat_out(&nat, k.src.port);
				memcpy(k.src.ip, nat.pub.ip, 16);
			}
			if (k.len > 1)
				ike_engine_input(B.e, k.data, k.len, &k.dst, &k.src);
			free(k.data);
		}
		if (tq_pop(&B, &k)) {
			bool deliver = k.len > 1;

			record(sent_b, &n_sent_b, &k);
			if (nat.on) {
				uint16_t priv;

				deliver = deliver && !memcmp(k.dst.ip, nat.pub.ip, 4) &&
					  nat_in(&nat, k.dst.port, &priv);
				if (deliver) {
					k.dst = A.addr;
					k.dst.port = priv;
				}
			}
			if (deliver)
				ike_engine_input(A.e, k.data, k.len, &k.dst, &k.src);
			free(k.data);
		}
	}
}

static int last_out_ret = -ENOENT;
static uint64_t last_out_at;

static int tenv_last_out(void *ctx, uint32_t child_id, uint64_t *at)
{
	(void)ctx;
	(void)child_id;
	*at = last_out_at;
	return last_out_ret;
}

/* Replaces p's engine with one that also has child_last_out. */
static void with_last_out(struct tpeer *p, const struct ike_engine_opts *opts)
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
		.event = tenv_event,
		.log = tenv_log,
		.child_last_out = tenv_last_out,
	};

	ike_engine_free(p->e);
	p->e = ike_engine_new(&env, opts);
	ck_assert_ptr_nonnull(p->e);
}

static void start(bool behind_nat, const struct ike_engine_opts *oa,
		  const struct ike_engine_opts *ob)
{
	tverbose = getenv("CONDUIT_TEST_VERBOSE") != NULL;
	tclock = TCLOCK_START;
	memset(&nat, 0, sizeof(nat));
	nat.on = behind_nat;
	taddr(&nat.pub, PUB, 0);
	nat.next = 30000;
	n_sent_a = n_sent_b = 0;
	last_out_ret = -ENOENT;
	last_out_at = 0;
	tpeer_init(&A, "A", behind_nat ? PRIV_A : TIP_A, TSEED_A, oa);
	tpeer_init(&B, "B", TIP_B, TSEED_B, ob);
	ck_assert_ptr_nonnull(A.e);
	ck_assert_ptr_nonnull(B.e);
}

static void setup(void)
{
}

static void teardown(void)
{
	tpeer_free(&A);
	tpeer_free(&B);
}

struct nconf {
	bool encap;
	uint16_t remote_port;
	enum ike_mode mode;
};

/* tconn with what tconf lacks: encap, the remote port, the mode; the
 * remote address is given (B knows A by its public address). */
static void nconn(struct tpeer *p, const struct ike_addr *remote, const struct tconf *tc,
		  const struct nconf *nc)
{
	struct ike_child_cfg child;
	struct ike_conn_cfg cfg;
	const char *err = NULL;

	memset(&child, 0, sizeof(child));
	snprintf(child.name, sizeof(child.name), "net");
	child.mode = nc ? nc->mode : IKE_MODE_TUNNEL;
	child.local_ts = tc->local_ts;
	child.remote_ts = tc->remote_ts;
	child.esp_proposals = tc->esp;
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.name, sizeof(cfg.name), "gw");
	cfg.local = p->addr;
	cfg.remote = *remote;
	if (nc && nc->remote_port)
		cfg.remote.port = nc->remote_port;
	cfg.proposals = tc->proposals;
	cfg.psk = (const uint8_t *)tc->psk;
	cfg.psk_len = strlen(tc->psk);
	cfg.encap = nc && nc->encap;
	cfg.n_children = 1;
	cfg.children = &child;
	ck_assert_int_eq(ike_engine_add_conn(p->e, &cfg, &err), 0);
}

static void nconnect(const struct nconf *na, const struct nconf *nb)
{
	struct ike_addr a_seen = nat.on ? nat.pub : A.addr;

	a_seen.port = 500;
	nconn(&A, &B.addr, &tconf_a, na);
	nconn(&B, &a_seen, &tconf_b, nb);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	npump();
}

static int info_fn(void *arg, const struct ike_sa_info *sa)
{
	struct ike_sa_info *out = arg;

	*out = *sa;
	out->children = NULL;
	return 1;
}

static struct ike_sa_info info(const struct tpeer *p)
{
	struct ike_sa_info i;

	memset(&i, 0, sizeof(i));
	ck_assert_int_eq(ike_engine_foreach_sa(p->e, info_fn, &i), 1);
	return i;
}

/* The peer address of p's only IKE SA (static storage: one at a time). */
static const struct ike_addr *remote_of(const struct tpeer *p)
{
	static struct ike_addr a;

	a = info(p).remote;
	return &a;
}

static void assert_addr(const struct ike_addr *a, const char *ip, uint16_t port)
{
	struct ike_addr want;

	taddr(&want, ip, port);
	ck_assert_uint_eq(a->family, want.family);
	ck_assert_mem_eq(a->ip, want.ip, 4);
	ck_assert_uint_eq(a->port, port);
}

static void assert_up(void)
{
	ck_assert_uint_eq(tcount_events(&A, IKE_EV_IKE_UP), 1);
	ck_assert_uint_eq(tcount_events(&B, IKE_EV_IKE_UP), 1);
	ck_assert_uint_eq(tcount_events(&A, IKE_EV_CHILD_UP), 1);
	ck_assert_uint_eq(tcount_events(&B, IKE_EV_CHILD_UP), 1);
	ck_assert_uint_eq(A.n_inst, 1);
	ck_assert_uint_eq(B.n_inst, 1);
}

static size_t count_keepalives(const struct sent *s, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		k += s[i].len == 1;
	return k;
}

/* Runs both engines' timers until the clock reaches `until`. */
static void run_until(uint64_t until)
{
	while (tclock < until) {
		uint64_t next = A.wake < B.wake ? A.wake : B.wake;

		if (next > until) {
			tclock = until;
			break;
		}
		tadvance(&A, &B);
		npump();
	}
}

/* ---- detection, the move to 4500, encapsulated installs ---- */

START_TEST(test_detect_and_move)
{
	struct ike_sa_info ia, ib;
	const struct ike_child_install *ca, *cb;
	uint16_t p4500;

	start(true, NULL, NULL);
	nconnect(NULL, NULL);
	assert_up();
	ia = info(&A);
	ib = info(&B);
	ck_assert(ia.nat_local && !ia.nat_remote && ia.encap && !ia.nat_fake);
	ck_assert(!ib.nat_local && ib.nat_remote && ib.encap && !ib.nat_fake);
	/* IKE_SA_INIT on 500, IKE_AUTH on 4500 with both ports 4500. */
	ck_assert_uint_ge(n_sent_a, 2);
	ck_assert_uint_eq(sent_a[0].src.port, 500);
	ck_assert_uint_eq(sent_a[0].dst.port, 500);
	ck_assert_uint_eq(sent_a[1].src.port, 4500);
	ck_assert_uint_eq(sent_a[1].dst.port, 4500);
	ck_assert_uint_eq(sent_b[0].src.port, 500);
	ck_assert_uint_eq(sent_b[1].src.port, 4500);
	p4500 = nat_out(&nat, 4500);
	ck_assert_uint_ne(p4500, 4500);
	assert_addr(&ia.local, PRIV_A, 4500);
	assert_addr(&ia.remote, TIP_B, 4500);
	assert_addr(&ib.local, TIP_B, 4500);
	assert_addr(&ib.remote, PUB, p4500);
	/* Both install ESP in UDP; B with A's translated address and port. */
	ca = &A.inst[0];
	cb = &B.inst[0];
	ck_assert(ca->encap && cb->encap && !ca->update && !cb->update);
	assert_addr(&ca->out.src, PRIV_A, 4500);
	assert_addr(&ca->out.dst, TIP_B, 4500);
	assert_addr(&ca->in.src, TIP_B, 4500);
	assert_addr(&ca->in.dst, PRIV_A, 4500);
	assert_addr(&cb->out.src, TIP_B, 4500);
	assert_addr(&cb->out.dst, PUB, p4500);
	assert_addr(&cb->in.src, PUB, p4500);
	assert_addr(&cb->in.dst, TIP_B, 4500);
	ck_assert_uint_eq(ca->out.spi, cb->in.spi);
}
END_TEST

START_TEST(test_no_nat)
{
	struct ike_sa_info ia, ib;

	start(false, NULL, NULL);
	nconnect(NULL, NULL);
	assert_up();
	ia = info(&A);
	ib = info(&B);
	ck_assert(!ia.nat_local && !ia.nat_remote && !ia.encap && !ia.nat_fake);
	ck_assert(!ib.nat_local && !ib.nat_remote && !ib.encap && !ib.nat_fake);
	ck_assert_uint_eq(ia.local.port, 500);
	ck_assert_uint_eq(ia.remote.port, 500);
	ck_assert_uint_eq(ib.remote.port, 500);
	ck_assert(!A.inst[0].encap && !B.inst[0].encap);
	for (size_t i = 0; i < n_sent_a; i++)
		ck_assert_uint_eq(sent_a[i].src.port, 500);
	/* Nobody is behind a NAT: no keepalives, however idle. */
	run_until(tclock + 65000);
	ck_assert_uint_eq(count_keepalives(sent_a, n_sent_a), 0);
	ck_assert_uint_eq(count_keepalives(sent_b, n_sent_b), 0);
}
END_TEST

/* encap = yes fakes the source hash: both encapsulate, on 4500, with no
 * NAT in the way; nobody sends keepalives (nobody is behind a NAT). */
START_TEST(test_encap_forced)
{
	const struct nconf na = { .encap = true };
	struct ike_sa_info ia, ib;

	start(false, NULL, NULL);
	nconnect(&na, NULL);
	assert_up();
	ia = info(&A);
	ib = info(&B);
	ck_assert(!ia.nat_local && !ia.nat_remote && ia.nat_fake && ia.encap);
	ck_assert(!ib.nat_local && ib.nat_remote && !ib.nat_fake && ib.encap);
	assert_addr(&ia.local, TIP_A, 4500);
	assert_addr(&ia.remote, TIP_B, 4500);
	assert_addr(&ib.remote, TIP_A, 4500);
	ck_assert(A.inst[0].encap && B.inst[0].encap);
	assert_addr(&A.inst[0].out.src, TIP_A, 4500);
	assert_addr(&A.inst[0].out.dst, TIP_B, 4500);
	assert_addr(&B.inst[0].out.dst, TIP_A, 4500);
	run_until(tclock + 65000);
	ck_assert_uint_eq(count_keepalives(sent_a, n_sent_a), 0);
	ck_assert_uint_eq(count_keepalives(sent_b, n_sent_b), 0);
}
END_TEST

/* The responder forcing encap works the same way round. */
START_TEST(test_encap_forced_responder)
{
	const struct nconf nb = { .encap = true };
	struct ike_sa_info ia, ib;

	start(false, NULL, NULL);
	nconnect(NULL, &nb);
	assert_up();
	ia = info(&A);
	ib = info(&B);
	ck_assert(!ia.nat_local && ia.nat_remote && ia.encap);
	ck_assert(ib.nat_fake && ib.encap);
	assert_addr(&ib.local, TIP_B, 4500);
	assert_addr(&ib.remote, TIP_A, 4500);
	ck_assert(A.inst[0].encap && B.inst[0].encap);
}
END_TEST

/* remote_port = 4500: from 4500 from the first message on. */
START_TEST(test_initiator_on_4500)
{
	const struct nconf na = { .remote_port = 4500 };
	struct ike_sa_info ib;

	start(true, NULL, NULL);
	nconnect(&na, NULL);
	assert_up();
	for (size_t i = 0; i < n_sent_a; i++) {
		ck_assert_uint_eq(sent_a[i].src.port, 4500);
		ck_assert_uint_eq(sent_a[i].dst.port, 4500);
	}
	ib = info(&B);
	ck_assert(ib.nat_remote);
	assert_addr(&ib.remote, PUB, nat_out(&nat, 4500));
	assert_addr(&B.inst[0].out.dst, PUB, nat_out(&nat, 4500));
}
END_TEST

/* ---- keepalives ---- */

static void check_keepalives(uint32_t interval_ms)
{
	uint64_t t0 = tclock;
	size_t k = 0;

	run_until(t0 + 3 * interval_ms + interval_ms / 2);
	for (size_t i = 0; i < n_sent_a; i++) {
		if (sent_a[i].len != 1)
			continue;
		k++;
		ck_assert_uint_eq(sent_a[i].first, 0xff);
		assert_addr(&sent_a[i].src, PRIV_A, 4500);
		assert_addr(&sent_a[i].dst, TIP_B, 4500);
		ck_assert_uint_eq(sent_a[i].at, t0 + k * interval_ms);
	}
	ck_assert_uint_eq(k, 3);
	ck_assert_uint_eq(count_keepalives(sent_b, n_sent_b), 0);
}

START_TEST(test_keepalive_default)
{
	start(true, NULL, NULL);
	nconnect(NULL, NULL);
	assert_up();
	check_keepalives(20000);
}
END_TEST

START_TEST(test_keepalive_configured)
{
	const struct ike_engine_opts o = { .nat_keepalive_ms = 5000 };

	start(true, &o, &o);
	nconnect(NULL, NULL);
	assert_up();
	check_keepalives(5000);
}
END_TEST

START_TEST(test_keepalive_off)
{
	const struct ike_engine_opts o = { .nat_keepalive_ms = IKE_NAT_KEEPALIVE_OFF };

	start(true, &o, NULL);
	nconnect(NULL, NULL);
	assert_up();
	run_until(tclock + 100000);
	ck_assert_uint_eq(count_keepalives(sent_a, n_sent_a), 0);
}
END_TEST

/* ESP going out counts as traffic: no keepalive while it flows. */
START_TEST(test_keepalive_waits_for_idle_esp)
{
	uint64_t t0;

	start(true, NULL, NULL);
	with_last_out(&A, NULL);
	nconnect(NULL, NULL);
	assert_up();
	t0 = tclock;
	last_out_ret = 0;
	last_out_at = t0 + 15000; /* as the kernel will say at +20 s */
	run_until(t0 + 20000);
	ck_assert_uint_eq(count_keepalives(sent_a, n_sent_a), 0);
	run_until(t0 + 34999);
	ck_assert_uint_eq(count_keepalives(sent_a, n_sent_a), 0);
	run_until(t0 + 35000);
	ck_assert_uint_eq(count_keepalives(sent_a, n_sent_a), 1);
	ck_assert_uint_eq(sent_a[n_sent_a - 1].at, t0 + 35000);
	/* The environment cannot tell: IKE alone decides. */
	last_out_ret = -ENOENT;
	run_until(t0 + 55000);
	ck_assert_uint_eq(count_keepalives(sent_a, n_sent_a), 2);
}
END_TEST

/* ---- following a moved mapping ---- */

static const struct ike_child_install *last_update(const struct tpeer *p)
{
	for (size_t i = p->n_inst; i-- > 0;)
		if (p->inst[i].update)
			return &p->inst[i];
	return NULL;
}

/* A request from A after the router forgot its mapping: B follows it. */
START_TEST(test_float_on_ike_message)
{
	const struct ike_child_install *u;
	struct ike_child_install first;
	uint16_t old_port, new_port;

	start(true, NULL, NULL);
	nconnect(NULL, NULL);
	assert_up();
	first = B.inst[0];
	old_port = nat_out(&nat, 4500);
	nat_flush(&nat);
	new_port = nat_out(&nat, 4500);
	ck_assert_uint_ne(old_port, new_port);
	/* A deletes its CHILD_SA: the request leaves from the new port. */
	ike_engine_child_expired(A.e, A.inst[0].reqid, 0, true);
	npump();
	u = last_update(&B);
	ck_assert_ptr_nonnull(u);
	ck_assert_uint_eq(u->child_id, first.child_id);
	ck_assert_uint_eq(u->reqid, first.reqid);
	ck_assert_uint_eq(u->in.spi, first.in.spi);
	ck_assert_uint_eq(u->out.spi, first.out.spi);
	ck_assert(u->encap);
	ck_assert_uint_eq(u->in.enc_key_len, 0);
	ck_assert_uint_eq(u->out.enc_key_len, 0);
	assert_addr(&u->out.dst, PUB, new_port);
	assert_addr(&u->in.src, PUB, new_port);
	assert_addr(&u->out.src, TIP_B, 4500);
	ck_assert_uint_eq(u->n_local_ts, first.n_local_ts);
	/* Then the Delete was answered (to the new port, through the NAT). */
	ck_assert_uint_eq(B.n_del, 1);
	ck_assert_uint_eq(A.n_del, 1);
	assert_addr(remote_of(&B), PUB, new_port);
	ck_assert_uint_eq(tcount_events(&A, IKE_EV_IKE_UP), 1);
	ck_assert_uint_eq(tcount_events(&B, IKE_EV_IKE_UP), 1);
	ck_assert_uint_eq(tcount_events(&B, IKE_EV_IKE_DOWN), 0);
}
END_TEST

/* Forged or replayed messages from a new port move nothing. */
START_TEST(test_no_float_unauthenticated_or_old)
{
	struct ike_addr from, to;
	struct tpkt k;
	size_t n_inst;

	start(true, NULL, NULL);
	nconnect(NULL, NULL);
	assert_up();
	n_inst = B.n_inst;
	ike_engine_child_expired(A.e, A.inst[0].reqid, 0, true);
	ck_assert(tq_pop(&A, &k));
	taddr(&from, PUB, 40001);
	to = B.addr;
	to.port = 4500;
	/* A flipped octet: the ICV fails. */
	k.data[k.len - 1] ^= 1;
	ike_engine_input(B.e, k.data, k.len, &to, &from);
	k.data[k.len - 1] ^= 1;
	ck_assert_uint_eq(B.n_inst, n_inst);
	assert_addr(remote_of(&B), PUB, nat_out(&nat, 4500));
	/* The genuine one, from the usual place. */
	from.port = nat_out(&nat, 4500);
	ike_engine_input(B.e, k.data, k.len, &to, &from);
	ck_assert_uint_eq(B.n_del, 1);
	/* Replayed from elsewhere: a retransmission, answered, not followed. */
	from.port = 40002;
	ike_engine_input(B.e, k.data, k.len, &to, &from);
	free(k.data);
	ck_assert_ptr_null(last_update(&B));
	assert_addr(remote_of(&B), PUB, nat_out(&nat, 4500));
}
END_TEST

/* The kernel saw A's ESP from a new port: B moves the child and checks. */
START_TEST(test_mapping_event)
{
	const struct ike_child_install *u;
	struct ike_addr moved;
	uint32_t reqid, spi;
	uint16_t new_port;
	size_t n_b;

	start(true, NULL, NULL);
	nconnect(NULL, NULL);
	assert_up();
	reqid = B.inst[0].reqid;
	spi = B.inst[0].in.spi;
	nat_flush(&nat);
	new_port = nat_out(&nat, 4500); /* ESP from A made this mapping */
	taddr(&moved, PUB, new_port);

	/* Not ours to follow: unknown reqid, another SPI, another family,
	 * and on A, which is behind the NAT. */
	ike_engine_nat_mapping(B.e, reqid + 100, spi, &moved);
	ike_engine_nat_mapping(B.e, reqid, spi ^ 1, &moved);
	ike_engine_nat_mapping(B.e, reqid, spi, NULL);
	{
		struct ike_addr v6;

		taddr(&v6, "2001:db8::1", new_port);
		ike_engine_nat_mapping(B.e, reqid, spi, &v6);
	}
	ike_engine_nat_mapping(A.e, A.inst[0].reqid, A.inst[0].in.spi, &moved);
	ck_assert_ptr_null(last_update(&B));
	ck_assert_ptr_null(last_update(&A));
	ck_assert_uint_eq(B.n_q, 0);
	ck_assert_uint_eq(tcount_events(&B, IKE_EV_NAT_MOVED), 0);

	struct ike_addr was = *remote_of(&B);
	ike_engine_nat_mapping(B.e, reqid, spi, &moved);
	/* conduitctl monitor's nat-moved: from where to where */
	ck_assert_uint_eq(tcount_events(&B, IKE_EV_NAT_MOVED), 1);
	ck_assert_uint_eq(tcount_events(&A, IKE_EV_NAT_MOVED), 0);
	{
		const struct tevent *ev = tfind_event(&B, IKE_EV_NAT_MOVED);

		assert_addr(&ev->new_remote, PUB, new_port);
		ck_assert_int_eq(memcmp(&ev->old_remote, &was, sizeof(was)), 0);
		ck_assert_uint_ne(ev->old_remote.port, new_port);
		ck_assert_str_eq(ev->reason, "ESP from there");
	}
	u = last_update(&B);
	ck_assert_ptr_nonnull(u);
	ck_assert_uint_eq(u->child_id, B.inst[0].child_id);
	ck_assert_uint_eq(u->in.spi, spi);
	assert_addr(&u->out.dst, PUB, new_port);
	assert_addr(&u->in.src, PUB, new_port);
	assert_addr(remote_of(&B), PUB, new_port);
	/* The check: an INFORMATIONAL to the new place, which A answers. */
	ck_assert_uint_eq(B.n_q, 1);
	assert_addr(&B.q[0].dst, PUB, new_port);
	n_b = n_sent_b;
	npump();
	ck_assert_uint_eq(n_sent_b, n_b + 1);
	ck_assert_uint_ge(n_sent_a, 1);
	/* The same event again (more ESP from there) changes nothing. */
	n_b = B.n_inst;
	ike_engine_nat_mapping(B.e, reqid, spi, &moved);
	ck_assert_uint_eq(B.n_inst, n_b);
	ck_assert_uint_eq(B.n_q, 0);
	ck_assert_uint_eq(tcount_events(&B, IKE_EV_NAT_MOVED), 1);
	/* Nothing retransmits: the check was answered. */
	run_until(tclock + 70000);
	ck_assert_uint_eq(tcount_events(&B, IKE_EV_IKE_DOWN), 0);
	ck_assert_uint_eq(tcount_events(&A, IKE_EV_IKE_DOWN), 0);
}
END_TEST

/* A peer that does not answer at the new address loses the IKE SA. */
START_TEST(test_mapping_event_unanswered)
{
	struct ike_addr moved;

	start(true, NULL, NULL);
	nconnect(NULL, NULL);
	assert_up();
	taddr(&moved, PUB, 40123); /* no mapping there: the NAT drops */
	ike_engine_nat_mapping(B.e, B.inst[0].reqid, B.inst[0].in.spi, &moved);
	ck_assert_ptr_nonnull(last_update(&B));
	run_until(tclock + 120000);
	ck_assert_uint_eq(tcount_events(&B, IKE_EV_IKE_DOWN), 1);
}
END_TEST

/* A (behind the NAT) never follows B to another port. */
START_TEST(test_no_float_behind_nat)
{
	struct ike_addr from, to;
	struct tpkt k;

	start(true, NULL, NULL);
	nconnect(NULL, NULL);
	assert_up();
	/* B deletes its CHILD_SA; A gets the request from another port. */
	ike_engine_child_expired(B.e, B.inst[0].reqid, 0, true);
	ck_assert(tq_pop(&B, &k));
	taddr(&from, TIP_B, 4501);
	to = A.addr;
	to.port = 4500;
	ike_engine_input(A.e, k.data, k.len, &to, &from);
	free(k.data);
	ck_assert_ptr_null(last_update(&A));
	ck_assert_uint_eq(A.n_del, 1);
	assert_addr(remote_of(&A), TIP_B, 4500);
	/* The answer went to where A knows B to be. */
	ck_assert_uint_eq(A.n_q, 1);
	assert_addr(&A.q[0].dst, TIP_B, 4500);
}
END_TEST

/* ---- transport mode ---- */

START_TEST(test_transport_refused)
{
	const struct nconf t = { .mode = IKE_MODE_TRANSPORT };
	const struct tevent *ev;

	start(true, NULL, NULL);
	nconnect(&t, &t);
	ck_assert_uint_eq(tcount_events(&A, IKE_EV_IKE_UP), 1);
	ck_assert_uint_eq(A.n_inst, 0);
	ck_assert_uint_eq(B.n_inst, 0);
	ev = tfind_event(&A, IKE_EV_FAILED);
	ck_assert_ptr_nonnull(ev);
	ck_assert_uint_eq(ev->notify, IKE_N_NO_PROPOSAL_CHOSEN);
}
END_TEST

START_TEST(test_transport_allowed)
{
	const struct nconf t = { .mode = IKE_MODE_TRANSPORT };
	const struct ike_engine_opts o = { .nat_transport = true };

	start(true, &o, &o);
	nconnect(&t, &t);
	assert_up();
	ck_assert_int_eq(A.inst[0].mode, IKE_MODE_TRANSPORT);
	ck_assert_int_eq(B.inst[0].mode, IKE_MODE_TRANSPORT);
	ck_assert(A.inst[0].encap && B.inst[0].encap);
	assert_addr(&B.inst[0].out.dst, PUB, nat_out(&nat, 4500));
}
END_TEST

/* Without a NAT transport mode needs no permission. */
START_TEST(test_transport_no_nat)
{
	const struct nconf t = { .mode = IKE_MODE_TRANSPORT };

	start(false, NULL, NULL);
	nconnect(&t, &t);
	assert_up();
	ck_assert(!A.inst[0].encap && !B.inst[0].encap);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ike_nat");
	TCase *tc = tcase_create("nat");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_detect_and_move);
	tcase_add_test(tc, test_no_nat);
	tcase_add_test(tc, test_encap_forced);
	tcase_add_test(tc, test_encap_forced_responder);
	tcase_add_test(tc, test_initiator_on_4500);
	tcase_add_test(tc, test_keepalive_default);
	tcase_add_test(tc, test_keepalive_configured);
	tcase_add_test(tc, test_keepalive_off);
	tcase_add_test(tc, test_keepalive_waits_for_idle_esp);
	tcase_add_test(tc, test_float_on_ike_message);
	tcase_add_test(tc, test_no_float_unauthenticated_or_old);
	tcase_add_test(tc, test_mapping_event);
	tcase_add_test(tc, test_mapping_event_unanswered);
	tcase_add_test(tc, test_no_float_behind_nat);
	tcase_add_test(tc, test_transport_refused);
	tcase_add_test(tc, test_transport_allowed);
	tcase_add_test(tc, test_transport_no_nat);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
