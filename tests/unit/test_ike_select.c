// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Choosing the connection and the key as strongSwan does: on IKE_SA_INIT by
 * addresses (a host before a range before %any), on IKE_AUTH by the peer's
 * identity among the connections those addresses allow; the shared key by
 * both identities; unique = replace and keep. Several initiators (each an
 * engine of its own) talk to one responder in memory.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "test_ike_engine_env.h"
#include "unit.h"

static struct tpeer A, B;

static const char *const psk_alice = "alice's secret, long enough to be one";
static const char *const psk_bob = "bob's secret, also of a reasonable length";

struct tsel {
	const char *name;
	const char *local_id, *remote_id; /* FQDN or NULL */
	const char *psk;
	const char *proposals;
	size_t n_ranges;
	const char *ranges[2][2]; /* remote_addrs: from, to */
	uint8_t unique;
};

static void range(struct ike_addr_range *r, const char *from, const char *to)
{
	struct ike_addr a, b;

	taddr(&a, from, 0);
	taddr(&b, to, 0);
	memset(r, 0, sizeof(*r));
	r->family = a.family;
	memcpy(r->from, a.ip, 16);
	memcpy(r->to, b.ip, 16);
}

/* A connection of p; remote: where it initiates to (NULL: responder only). */
static int conn(struct tpeer *p, const struct tpeer *remote, const struct tsel *t)
{
	struct ike_addr_range rr[2];
	struct ike_child_cfg child;
	struct ike_conn_cfg cfg;
	const char *err = NULL;
	int rc;

	memset(&child, 0, sizeof(child));
	snprintf(child.name, sizeof(child.name), "net");
	child.local_ts = "dynamic";
	child.remote_ts = "dynamic";
	child.esp_proposals = "aes256gcm16";
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.name, sizeof(cfg.name), "%s", t->name);
	cfg.local = p->addr;
	if (remote)
		cfg.remote = remote->addr;
	for (size_t i = 0; i < t->n_ranges; i++)
		range(&rr[i], t->ranges[i][0], t->ranges[i][1]);
	cfg.n_remote_addrs = t->n_ranges;
	cfg.remote_addrs = t->n_ranges ? rr : NULL;
	cfg.proposals = t->proposals ? t->proposals : "aes256gcm16-prfsha256-x25519";
	tid(&cfg.local_id, t->local_id);
	tid(&cfg.remote_id, t->remote_id);
	cfg.psk = (const uint8_t *)t->psk;
	cfg.psk_len = t->psk ? strlen(t->psk) : 0;
	cfg.unique = t->unique;
	cfg.n_children = 1;
	cfg.children = &child;
	rc = ike_engine_add_conn(p->e, &cfg, &err);
	if (rc)
		fprintf(stderr, "%s: %s\n", p->name, err ? err : "?");
	return rc;
}

static void setup(void)
{
	tverbose = getenv("CONDUIT_TEST_VERBOSE") != NULL;
	tclock = TCLOCK_START;
	tpsk_lookup = NULL;
	tpeer_init(&B, "B", TIP_B, TSEED_B, NULL);
	ck_assert_ptr_nonnull(B.e);
	memset(&A, 0, sizeof(A));
}

static void teardown(void)
{
	tpeer_free(&A);
	tpeer_free(&B);
	tpsk_lookup = NULL;
}

/* A fresh initiator at ip with identity id and key psk; returns the
 * connection name B chose for it ("" when B kept no IKE SA from it). */
struct found {
	const struct tpeer *from;
	char conn[64];
	uint32_t id;
};

static int find_from(void *arg, const struct ike_sa_info *info)
{
	struct found *f = arg;

	if (info->state == IKE_STATE_ESTABLISHED && info->remote.family == f->from->addr.family &&
	    !memcmp(info->remote.ip, f->from->addr.ip, 16)) {
		snprintf(f->conn, sizeof(f->conn), "%s", info->conn_name);
		f->id = info->id;
	}
	return 0;
}

static struct found connect_as(const char *ip, const char *id, const char *psk, uint64_t seed)
{
	struct tsel a = { .name = "to-b", .local_id = id, .psk = psk };
	struct found f = { .from = &A };

	tpeer_free(&A);
	tpeer_init(&A, "A", ip, seed, NULL);
	ck_assert_int_eq(conn(&A, &B, &a), 0);
	ck_assert_int_gt(ike_engine_initiate(A.e, "to-b", NULL), 0);
	tpump(&A, &B);
	ike_engine_foreach_sa(B.e, find_from, &f);
	return f;
}

/* Two connections told apart only by the peer's identity (and key), as
 * strongSwan's start-action-start or a road-warrior gateway has them. */
START_TEST(test_by_identity)
{
	struct tsel alice = { .name = "alice", .remote_id = "alice.example", .psk = psk_alice };
	struct tsel bob = { .name = "bob", .remote_id = "bob.example", .psk = psk_bob };
	struct found f;

	ck_assert_int_eq(conn(&B, NULL, &alice), 0);
	ck_assert_int_eq(conn(&B, NULL, &bob), 0);
	f = connect_as("192.0.2.1", "bob.example", psk_bob, 0x31);
	ck_assert_str_eq(f.conn, "bob");
	ck_assert_uint_eq(A.n_inst, 1);
	f = connect_as("192.0.2.3", "alice.example", psk_alice, 0x32);
	ck_assert_str_eq(f.conn, "alice");
	/* Somebody else: refused, and the log names who and what is accepted. */
	f = connect_as("192.0.2.4", "carol.example", psk_alice, 0x33);
	ck_assert_str_eq(f.conn, "");
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_FAILED));
	ck_assert_uint_eq(tfind_event(&A, IKE_EV_FAILED)->notify, IKE_N_AUTHENTICATION_FAILED);
	/* bob's identity with alice's key: the right connection, a bad AUTH. */
	f = connect_as("192.0.2.5", "bob.example", psk_alice, 0x34);
	ck_assert_str_eq(f.conn, "");
	ck_assert_ptr_nonnull(strstr(B.last_log, "does not verify"));
}
END_TEST

START_TEST(test_unknown_identity_logged)
{
	struct tsel alice = { .name = "alice", .remote_id = "alice.example", .psk = psk_alice };
	struct found f;
	bool seen = false;

	ck_assert_int_eq(conn(&B, NULL, &alice), 0);
	tverbose = false;
	f = connect_as("192.0.2.4", "mallory.example", psk_alice, 0x33);
	ck_assert_str_eq(f.conn, "");
	/* The warning is the last thing B logged before failing the SA. */
	for (size_t i = 0; i < B.n_ev; i++)
		seen |= B.ev[i].type == IKE_EV_FAILED &&
			strstr(B.ev[i].reason, "no connection accepts") != NULL;
	ck_assert(seen);
	/* ... and names the identities the candidates accept */
	ck_assert_ptr_nonnull(strstr(B.logs, "accept alice.example (alice)\n"));
}
END_TEST

/* Among equals the first configured wins; an exact identity beats an
 * earlier connection that accepts any; a connection replaced (added again
 * under its name) goes to the end of the order. */
START_TEST(test_order_among_equals)
{
	struct tsel any1 = { .name = "any1", .psk = psk_alice };
	struct tsel any2 = { .name = "any2", .psk = psk_alice };
	struct tsel bob = { .name = "bob", .remote_id = "bob.example", .psk = psk_bob };
	struct found f;

	ck_assert_int_eq(conn(&B, NULL, &any1), 0);
	ck_assert_int_eq(conn(&B, NULL, &any2), 0);
	ck_assert_int_eq(conn(&B, NULL, &bob), 0);
	f = connect_as("192.0.2.1", "someone.example", psk_alice, 0x51);
	ck_assert_str_eq(f.conn, "any1");
	f = connect_as("192.0.2.3", "bob.example", psk_bob, 0x52);
	ck_assert_str_eq(f.conn, "bob");
	ck_assert_int_eq(conn(&B, NULL, &any1), 0);
	f = connect_as("192.0.2.4", "someone.example", psk_alice, 0x53);
	ck_assert_str_eq(f.conn, "any2");
}
END_TEST

/* Many connections told apart by identity: the index finds each one. */
START_TEST(test_many_identities)
{
	char name[32], id[64];
	struct found f;

	tverbose = false;
	for (int i = 0; i < 2000; i++) {
		struct tsel t = { .name = name, .remote_id = id, .psk = psk_bob };

		snprintf(name, sizeof(name), "peer%d", i);
		snprintf(id, sizeof(id), "peer%d.example", i);
		ck_assert_int_eq(conn(&B, NULL, &t), 0);
	}
	f = connect_as("192.0.2.1", "peer1999.example", psk_bob, 0x61);
	ck_assert_str_eq(f.conn, "peer1999");
	f = connect_as("192.0.2.3", "peer0.example", psk_bob, 0x62);
	ck_assert_str_eq(f.conn, "peer0");
	ck_assert_int_eq(ike_engine_remove_conn(B.e, "peer0"), 0);
	f = connect_as("192.0.2.4", "peer0.example", psk_bob, 0x63);
	ck_assert_str_eq(f.conn, "");
	f = connect_as("192.0.2.5", "peer1000.example", psk_bob, 0x64);
	ck_assert_str_eq(f.conn, "peer1000");
}
END_TEST

/* Addresses first: a connection for this host beats one for its subnet,
 * which beats one for any address. */
START_TEST(test_by_address)
{
	struct tsel any = { .name = "any", .psk = psk_alice };
	struct tsel lan = { .name = "lan",
			    .psk = psk_alice,
			    .n_ranges = 1,
			    .ranges = { { "192.0.2.0", "192.0.2.255" } } };
	struct tsel host = { .name = "host",
			     .psk = psk_alice,
			     .n_ranges = 1,
			     .ranges = { { "192.0.2.7", "192.0.2.7" } } };
	struct found f;

	ck_assert_int_eq(conn(&B, NULL, &any), 0);
	ck_assert_int_eq(conn(&B, NULL, &lan), 0);
	ck_assert_int_eq(conn(&B, NULL, &host), 0);
	f = connect_as("192.0.2.7", "someone.example", psk_alice, 0x41);
	ck_assert_str_eq(f.conn, "host");
	f = connect_as("192.0.2.8", "someone.example", psk_alice, 0x42);
	ck_assert_str_eq(f.conn, "lan");
	f = connect_as("198.51.100.9", "someone.example", psk_alice, 0x43);
	ck_assert_str_eq(f.conn, "any");
}
END_TEST

/* A connection whose IKE proposals do not fit the IKE SA negotiated is no
 * candidate, whatever its identity. */
START_TEST(test_proposals_must_fit)
{
	struct tsel other = { .name = "other",
			      .remote_id = "alice.example",
			      .psk = psk_alice,
			      .proposals = "aes128-sha256-modp2048" };
	struct tsel any = { .name = "any", .psk = psk_alice };
	struct found f;

	ck_assert_int_eq(conn(&B, NULL, &any), 0);
	ck_assert_int_eq(conn(&B, NULL, &other), 0);
	f = connect_as("192.0.2.1", "alice.example", psk_alice, 0x51);
	ck_assert_str_eq(f.conn, "any");
}
END_TEST

/* strongSwan's multi-user layout: one connection for any identity, the
 * key chosen per peer identity. */
static int lookup(void *ctx, const char *conn_name, const struct ike_id *local,
		  const struct ike_id *remote, uint8_t *key, size_t max, size_t *len)
{
	const char *k = NULL;

	(void)ctx;
	(void)conn_name;
	(void)local;
	if (remote && remote->len == 13 && !memcmp(remote->data, "alice.example", 13))
		k = psk_alice;
	else if (remote && remote->len == 11 && !memcmp(remote->data, "bob.example", 11))
		k = psk_bob;
	if (!k || strlen(k) > max)
		return -ENOKEY;
	memcpy(key, k, strlen(k));
	*len = strlen(k);
	return 0;
}

START_TEST(test_psk_by_identity)
{
	struct tsel users = { .name = "users" };
	struct found f;

	tpeer_free(&B);
	tpsk_lookup = lookup;
	tpeer_init(&B, "B", TIP_B, TSEED_B, NULL);
	tpsk_lookup = NULL;
	ck_assert_int_eq(conn(&B, NULL, &users), 0);
	f = connect_as("192.0.2.1", "alice.example", psk_alice, 0x61);
	ck_assert_str_eq(f.conn, "users");
	f = connect_as("192.0.2.3", "bob.example", psk_bob, 0x62);
	ck_assert_str_eq(f.conn, "users");
	f = connect_as("192.0.2.4", "carol.example", psk_bob, 0x63);
	ck_assert_str_eq(f.conn, "");
	ck_assert_ptr_nonnull(strstr(B.last_log, "no pre-shared key"));
}
END_TEST

/* unique = replace: the same identity from another address replaces the
 * IKE SA (deleted); unique = keep: the newcomer is refused. */
static size_t established_count(struct tpeer *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_ev; i++)
		n += p->ev[i].type == IKE_EV_IKE_UP;
	return n;
}

static int count_up(void *arg, const struct ike_sa_info *info)
{
	*(size_t *)arg += info->state == IKE_STATE_ESTABLISHED;
	return 0;
}

START_TEST(test_unique)
{
	struct tsel replace = { .name = "r", .psk = psk_alice, .unique = IKE_UNIQUE_REPLACE };
	struct tpeer first;
	size_t n = 0;

	ck_assert_int_eq(conn(&B, NULL, &replace), 0);
	connect_as("192.0.2.1", "alice.example", psk_alice, 0x71);
	first = A;
	memset(&A, 0, sizeof(A));
	connect_as("192.0.2.3", "alice.example", psk_alice, 0x72);
	/* B's Delete of the old one went to the first initiator. */
	ck_assert_uint_ge(B.n_del, 1);
	tpump(&first, &B);
	ike_engine_foreach_sa(B.e, count_up, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(established_count(&B), 2);
	tpeer_free(&first);
}
END_TEST

START_TEST(test_unique_keep)
{
	struct tsel keep = { .name = "k", .psk = psk_alice, .unique = IKE_UNIQUE_KEEP };
	struct found f;
	struct tpeer first;
	size_t n = 0;

	ck_assert_int_eq(conn(&B, NULL, &keep), 0);
	f = connect_as("192.0.2.1", "alice.example", psk_alice, 0x81);
	ck_assert_str_eq(f.conn, "k");
	first = A;
	memset(&A, 0, sizeof(A));
	f = connect_as("192.0.2.3", "alice.example", psk_alice, 0x82);
	ck_assert_str_eq(f.conn, "");
	ck_assert_ptr_nonnull(strstr(B.last_log, "unique = keep"));
	ike_engine_foreach_sa(B.e, count_up, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_uint_eq(B.n_del, 0);
	tpeer_free(&first);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ike_select");
	TCase *tc = tcase_create("select");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_by_identity);
	tcase_add_test(tc, test_unknown_identity_logged);
	tcase_add_test(tc, test_by_address);
	tcase_add_test(tc, test_order_among_equals);
	tcase_add_test(tc, test_many_identities);
	tcase_add_test(tc, test_proposals_must_fit);
	tcase_add_test(tc, test_psk_by_identity);
	tcase_add_test(tc, test_unique);
	tcase_add_test(tc, test_unique_keep);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
