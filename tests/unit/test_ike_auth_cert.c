/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Public-key authentication in IKE_AUTH, two engines in memory, against a
 * PKI made at test time by tests/uml/pki.sh: each key type in both roles,
 * chains with an intermediate the peer does not hold, DN and FQDN
 * identities, pinned certificates, CERTREQ choosing our certificate, the
 * classic methods, PSK on one side, and every refusal leaving nothing
 * installed and saying why.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ike/cert.h"
#include "ike/der.h"
#include "ike/ike_const.h"
#include "ike/sig.h"
#include "ike/wire.h"
#include "tests/unit/test_ike_engine_env.h"
#include "tests/unit/test_pki.h"
#include "tests/unit/unit.h"

static int64_t wall_now;

static int64_t test_wall(void *ctx)
{
	(void)ctx;
	return wall_now;
}

/* A finished set of "ca:root.crt", "ee:moon.crt", "key:moon.key",
 * "crl:inter.crl" items; NULL-terminated. */
static struct ike_creds *set_of(const char *const *items)
{
	struct ike_creds *cs = ike_creds_new();

	ck_assert_ptr_nonnull(cs);
	pki_add_all(cs, items);
	/* expired.crt among ours is a problem it reports, and keeps */
	ck_assert_int_ge(ike_creds_finish(cs, wall_now, NULL, NULL), 0);
	return cs;
}

#define SET(...) set_of((const char *const[]){ __VA_ARGS__, NULL })

static void dn_id(struct ike_id *id, const char *text)
{
	char err[128];
	size_t len = 0;

	memset(id, 0, sizeof(*id));
	ck_assert_msg(ike_dn_from_text(text, id->data, sizeof(id->data), &len, err, sizeof(err)) ==
			  0,
		      "%s: %s", text, err);
	id->type = IKE_ID_DER_ASN1_DN;
	id->len = (uint16_t)len;
}

/* One side's authentication settings. */
struct ac {
	uint8_t local, remote;	/* enum ike_auth_method */
	uint32_t local_schemes; /* 0: any */
	uint32_t remote_schemes;
	uint32_t chain_schemes; /* remote: the chain's signatures; 0: any */
	bool pss;
	const struct ike_cert *cert; /* local.certs */
	const char *local_dn, *remote_dn, *local_fqdn, *remote_fqdn;
	const struct ike_cert *pinned; /* remote.certs */
	uint8_t send_cert;
	uint8_t revocation;
	bool psk; /* a shared key too */
	bool no_certreq;
	const char *name; /* NULL: "gw" */
	uint32_t reauth;  /* reauth_time */
};

static int aconn(struct tpeer *p, const struct tpeer *peer, const struct tconf *tc,
		 const struct ac *ac)
{
	const struct ike_cert *pins[1] = { ac->pinned };
	struct ike_child_cfg child;
	struct ike_conn_cfg cfg;
	const char *err = NULL;
	int rc;

	memset(&child, 0, sizeof(child));
	snprintf(child.name, sizeof(child.name), "%s", "net");
	child.local_ts = tc->local_ts;
	child.remote_ts = tc->remote_ts;
	child.esp_proposals = tc->esp;
	child.rekey_time = 3600;
	child.life_time = 3960;
	memset(&cfg, 0, sizeof(cfg));
	snprintf(cfg.name, sizeof(cfg.name), "%s", ac->name ? ac->name : "gw");
	cfg.local = p->addr;
	cfg.remote = peer->addr;
	cfg.proposals = tc->proposals;
	if (ac->local_dn)
		dn_id(&cfg.local_id, ac->local_dn);
	else
		tid(&cfg.local_id, ac->local_fqdn);
	if (ac->remote_dn)
		dn_id(&cfg.remote_id, ac->remote_dn);
	else
		tid(&cfg.remote_id, ac->remote_fqdn);
	if (ac->psk) {
		cfg.psk = (const uint8_t *)tc->psk;
		cfg.psk_len = strlen(tc->psk);
	}
	cfg.local_auth.method = ac->local;
	cfg.local_auth.sig_schemes = ac->local_schemes;
	cfg.local_auth.prefer_pss = ac->pss;
	cfg.local_auth.cert = ac->cert;
	cfg.remote_auth.method = ac->remote;
	cfg.remote_auth.sig_schemes = ac->remote_schemes;
	cfg.remote_auth.trust.revocation = ac->revocation;
	cfg.remote_auth.trust.chain_schemes = ac->chain_schemes;
	if (ac->pinned) {
		cfg.remote_auth.trust.pinned = pins;
		cfg.remote_auth.trust.n_pinned = 1;
	}
	cfg.send_cert = ac->send_cert;
	cfg.no_certreq = ac->no_certreq;
	cfg.reauth_time = ac->reauth;
	cfg.n_children = 1;
	cfg.children = &child;
	rc = ike_engine_add_conn(p->e, &cfg, &err);
	ck_assert_msg(rc == 0, "%s: add_conn: %s", p->name, err ? err : "?");
	return rc;
}

static struct tpeer A, B;

struct info {
	int n;
	uint32_t id;
	char local_auth[48], remote_auth[48], remote_id[IKE_ID_MAX_LEN];
};

static int collect(void *arg, const struct ike_sa_info *i)
{
	struct info *out = arg;

	out->n++;
	out->id = i->id;
	snprintf(out->local_auth, sizeof(out->local_auth), "%s", i->local_auth);
	snprintf(out->remote_auth, sizeof(out->remote_auth), "%s", i->remote_auth);
	snprintf(out->remote_id, sizeof(out->remote_id), "%s", i->remote_id);
	return 0;
}

static struct info info_of(struct tpeer *p)
{
	struct info i;

	memset(&i, 0, sizeof(i));
	ike_engine_foreach_sa(p->e, collect, &i);
	return i;
}

/*
 * A and B with these sets and settings; initiator (A or B) starts "gw";
 * the messages flow until none is left. The sets are the engines' now.
 */
/* When set, run() passes the datagrams through it (tpump_f). */
static tfilter run_filter;
static void *run_arg;

static void run(struct ike_creds *ca, const struct ac *aa, struct ike_creds *cb,
		const struct ac *ab, struct tpeer *initiator, const struct ike_engine_opts *opts_a)
{
	tclock = TCLOCK_START;
	twall_time = test_wall;
	tpeer_init(&A, "A", TIP_A, TSEED_A, opts_a);
	tpeer_init(&B, "B", TIP_B, TSEED_B, NULL);
	ck_assert_ptr_nonnull(A.e);
	ck_assert_ptr_nonnull(B.e);
	ike_engine_set_creds(A.e, ca);
	ike_engine_set_creds(B.e, cb);
	ike_creds_unref(ca);
	ike_creds_unref(cb);
	aconn(&A, &B, &tconf_a, aa);
	aconn(&B, &A, &tconf_b, ab);
	ck_assert_int_gt(ike_engine_initiate(initiator->e, "gw", NULL), 0);
	tpump_f(&A, &B, run_filter, run_arg);
}

static void done(void)
{
	tpeer_free(&A);
	tpeer_free(&B);
	twall_time = NULL;
}

/* Both IKE SAs and the child are up; the peer's auth as each side saw it. */
static void assert_up(const char *a_saw, const char *b_saw)
{
	struct info ia = info_of(&A), ib = info_of(&B);

	ck_assert_msg(tcount_events(&A, IKE_EV_IKE_UP) == 1, "A not up: %s", A.logs);
	ck_assert_msg(tcount_events(&B, IKE_EV_IKE_UP) == 1, "B not up: %s", B.logs);
	ck_assert_uint_eq(A.n_inst, 1);
	ck_assert_uint_eq(B.n_inst, 1);
	ck_assert_int_eq(ia.n, 1);
	ck_assert_int_eq(ib.n, 1);
	ck_assert_str_eq(ia.remote_auth, a_saw);
	ck_assert_str_eq(ib.remote_auth, b_saw);
	ck_assert_str_eq(ia.local_auth, b_saw);
	ck_assert_str_eq(ib.local_auth, a_saw);
}

/* Refused: no SA and no child either side; the refusing side's failure
 * event (AUTHENTICATION_FAILED) and a log line carry why. */
static void assert_refused(struct tpeer *refuser, const char *why)
{
	struct tpeer *other = refuser == &A ? &B : &A;
	const struct tevent *ev = tfind_event(refuser, IKE_EV_FAILED);

	/* the refuser installs nothing; a responder refused by the initiator
	 * (RFC 7296 2.21.2: it had answered) removes what it installed */
	ck_assert_uint_eq(refuser->n_inst, 0);
	ck_assert_uint_eq(other->n_inst, other->n_del);
	ck_assert_uint_eq(tcount_events(refuser, IKE_EV_IKE_UP), 0);
	ck_assert_msg(ev != NULL, "%s: no failure: %s", refuser->name, refuser->logs);
	ck_assert_uint_eq(ev->notify, IKE_N_AUTHENTICATION_FAILED);
	ck_assert_msg(strstr(ev->reason, why), "%s: \"%s\" lacks \"%s\"", refuser->name, ev->reason,
		      why);
	ck_assert_msg(strstr(refuser->logs, why), "%s logs lack \"%s\": %s", refuser->name, why,
		      refuser->logs);
	/* the other side learnt of it (a notify in the response, or the
	 * initiator's INFORMATIONAL) */
	ev = tfind_event(other, IKE_EV_FAILED);
	if (!ev)
		ev = tfind_event(other, IKE_EV_IKE_DOWN);
	ck_assert_msg(ev != NULL, "%s: no failure: %s", other->name, other->logs);
	ck_assert_uint_eq(info_of(&A).n, 0);
	ck_assert_uint_eq(info_of(&B).n, 0);
}

#define ANY_DN "C=CH, O=conduit test, CN=*"

/* B is dave (ECDSA, issued by the root), holds only the root; A's end
 * entity is issued by the intermediate, which A sends along. */
static void key_case(const char *a_cert, const char *a_key, bool pss, bool b_initiates,
		     const char *b_saw)
{
	char ee[64], key[64];
	struct ac aa = { .local = IKE_AUTH_PUBKEY,
			 .remote = IKE_AUTH_PUBKEY,
			 .pss = pss,
			 .remote_fqdn = "dave.example.org" };
	struct ac ab = { .local = IKE_AUTH_PUBKEY,
			 .remote = IKE_AUTH_PUBKEY,
			 .local_fqdn = "dave.example.org",
			 .remote_dn = ANY_DN };

	snprintf(ee, sizeof(ee), "ee:%s", a_cert);
	snprintf(key, sizeof(key), "key:%s", a_key);
	run(SET("ca:root.crt", "ca:inter.crt", ee, key), &aa,
	    SET("ca:root.crt", "ee:dave.crt", "key:dave.key"), &ab, b_initiates ? &B : &A, NULL);
	assert_up("pubkey ECDSA SHA-256", b_saw);
	done();
}

START_TEST(ecdsa_a_initiates)
{
	key_case("moon.crt", "moon.key", false, false, "pubkey ECDSA SHA-256");
}
END_TEST

START_TEST(ecdsa_b_initiates)
{
	key_case("moon.crt", "moon.key", false, true, "pubkey ECDSA SHA-256");
}
END_TEST

START_TEST(rsa_pkcs1_both_roles)
{
	key_case("sun.crt", "sun.key", false, false, "pubkey RSA PKCS#1 v1.5 SHA-256");
	key_case("sun.crt", "sun.key", false, true, "pubkey RSA PKCS#1 v1.5 SHA-256");
}
END_TEST

START_TEST(rsa_pss_both_roles)
{
	key_case("sun.crt", "sun.key", true, false, "pubkey RSASSA-PSS SHA-256");
	key_case("sun.crt", "sun.key", true, true, "pubkey RSASSA-PSS SHA-256");
}
END_TEST

START_TEST(ed25519_both_roles)
{
	key_case("carol.crt", "carol.key", false, false, "pubkey Ed25519");
	key_case("carol.crt", "carol.key", false, true, "pubkey Ed25519");
}
END_TEST

START_TEST(ed448_both_roles)
{
	key_case("frank.crt", "frank.key", false, false, "pubkey Ed448");
	key_case("frank.crt", "frank.key", false, true, "pubkey Ed448");
}
END_TEST

/* What IKE_SA_INIT messages (in clear) carry: CERTREQ payloads counted
 * per sender. */
struct sa_init_seen {
	size_t msgs[2], certreqs[2]; /* [0]: from A, [1]: from B */
};

static bool count_certreq(const struct tpeer *from, const struct tpkt *k, size_t n, void *arg)
{
	struct sa_init_seen *s = arg;
	struct ike_wire_err err;
	struct ike_msg m;
	int who = from == &B;

	(void)n;
	if (ike_msg_decode(&m, k->data, k->len, &err) == 0 && m.hdr.exchange == IKE_SA_INIT) {
		s->msgs[who]++;
		s->certreqs[who] += m.n_certreq;
	}
	return true;
}

/* send_certreq = no. The responder's CERTREQ is in IKE_SA_INIT, seen on
 * the wire; the initiator's is encrypted in IKE_AUTH, and its absence
 * shows in the responder (send_cert = ifasked, the default) then sending
 * no CERT: the initiator, knowing no certificate of the peer, refuses. */
START_TEST(send_certreq_no)
{
	struct ac aa = { .local = IKE_AUTH_PUBKEY, .remote = IKE_AUTH_PUBKEY };
	struct ac ab = { .local = IKE_AUTH_PUBKEY, .remote = IKE_AUTH_PUBKEY };
	struct sa_init_seen seen;

	/* as responder: none in IKE_SA_INIT, so A sends no CERT */
	memset(&seen, 0, sizeof(seen));
	ab.no_certreq = true;
	run_filter = count_certreq;
	run_arg = &seen;
	run(SET("ca:root.crt", "ca:inter.crt", "ee:moon.crt", "key:moon.key"), &aa,
	    SET("ca:root.crt", "ee:dave.crt", "key:dave.key"), &ab, &A, NULL);
	ck_assert_uint_eq(seen.msgs[1], 1);
	ck_assert_uint_eq(seen.certreqs[1], 0);
	assert_refused(&B, "peer sent no certificate");
	done();
	/* the same with send_certreq = yes: B's CERTREQ, and up */
	memset(&seen, 0, sizeof(seen));
	ab.no_certreq = false;
	run(SET("ca:root.crt", "ca:inter.crt", "ee:moon.crt", "key:moon.key"), &aa,
	    SET("ca:root.crt", "ee:dave.crt", "key:dave.key"), &ab, &A, NULL);
	ck_assert_uint_eq(seen.msgs[1], 1);
	ck_assert_uint_eq(seen.certreqs[1], 1);
	assert_up("pubkey ECDSA SHA-256", "pubkey ECDSA SHA-256");
	done();
	run_filter = NULL;
	run_arg = NULL;
	/* as initiator: B sends no CERT, and A refuses */
	aa.no_certreq = true;
	run(SET("ca:root.crt", "ca:inter.crt", "ee:moon.crt", "key:moon.key"), &aa,
	    SET("ca:root.crt", "ee:dave.crt", "key:dave.key"), &ab, &A, NULL);
	assert_refused(&A, "peer sent no certificate, and none is known for \"");
	done();
}
END_TEST

/* The identities: A's DN is its subject (no local id configured), B's
 * FQDN comes from its subjectAltName; each side's view of the other. */
START_TEST(identities_dn_and_fqdn)
{
	struct ac aa = { .local = IKE_AUTH_PUBKEY,
			 .remote = IKE_AUTH_PUBKEY,
			 .remote_fqdn = "dave.example.org" };
	struct ac ab = { .local = IKE_AUTH_PUBKEY,
			 .remote = IKE_AUTH_PUBKEY,
			 .local_fqdn = "dave.example.org",
			 .remote_dn = "C=CH, O=conduit test, CN=moon.example.org" };

	run(SET("ca:root.crt", "ca:inter.crt", "ee:moon.crt", "key:moon.key"), &aa,
	    SET("ca:root.crt", "ee:dave.crt", "key:dave.key"), &ab, &A, NULL);
	assert_up("pubkey ECDSA SHA-256", "pubkey ECDSA SHA-256");
	ck_assert_str_eq(info_of(&A).remote_id, "dave.example.org");
	ck_assert_str_eq(info_of(&B).remote_id, "C=CH, O=conduit test, CN=moon.example.org");
	done();
}
END_TEST

/* send_cert = never: B knows A's certificate only as remote.certs. */
START_TEST(pinned_without_cert_payload)
{
	struct ike_cert *moon = pki_cert("moon.crt");
	struct ac aa = { .local = IKE_AUTH_PUBKEY,
			 .remote = IKE_AUTH_PUBKEY,
			 .send_cert = IKE_SEND_CERT_NEVER,
			 .local_fqdn = "moon.example.org" };
	struct ac ab = { .local = IKE_AUTH_PUBKEY,
			 .remote = IKE_AUTH_PUBKEY,
			 .pinned = moon,
			 .remote_fqdn = "moon.example.org" };

	run(SET("ca:root.crt", "ca:inter.crt", "ee:moon.crt", "key:moon.key"), &aa,
	    SET("ca:root.crt", "ee:dave.crt", "key:dave.key"), &ab, &A, NULL);
	ike_cert_unref(moon); /* the engine holds its own reference */
	assert_up("pubkey ECDSA SHA-256", "pubkey ECDSA SHA-256");
	done();
}
END_TEST

/* A has two certificates: the first from a CA B does not know. B's CERTREQ
 * (the root's key id, in IKE_SA_INIT) makes A use the other. */
START_TEST(certreq_chooses_certificate)
{
	struct ac aa = { .local = IKE_AUTH_PUBKEY, .remote = IKE_AUTH_PUBKEY };
	struct ac ab = { .local = IKE_AUTH_PUBKEY,
			 .remote = IKE_AUTH_PUBKEY,
			 .local_fqdn = "dave.example.org" };

	run(SET("ca:root.crt", "ca:inter.crt", "ca:other-root.crt", "ee:stranger.crt",
		"key:stranger.key", "ee:moon.crt", "key:moon.key"),
	    &aa, SET("ca:root.crt", "ee:dave.crt", "key:dave.key"), &ab, &A, NULL);
	assert_up("pubkey ECDSA SHA-256", "pubkey ECDSA SHA-256");
	ck_assert_str_eq(info_of(&B).remote_id, "C=CH, O=conduit test, CN=moon.example.org");
	done();
}
END_TEST

/* Without SIGNATURE_HASH_ALGORITHMS from A, both sides use the classic
 * ECDSA method 9. */
START_TEST(classic_methods)
{
	struct ike_engine_opts no7427 = { .no_rfc7427 = true };
	struct ac aa = { .local = IKE_AUTH_PUBKEY, .remote = IKE_AUTH_PUBKEY };
	struct ac ab = { .local = IKE_AUTH_PUBKEY, .remote = IKE_AUTH_PUBKEY };

	run(SET("ca:root.crt", "ca:inter.crt", "ee:moon.crt", "key:moon.key"), &aa,
	    SET("ca:root.crt", "ee:dave.crt", "key:dave.key"), &ab, &A, &no7427);
	assert_up("pubkey ECDSA P-256 SHA-256 (method 9)", "pubkey ECDSA P-256 SHA-256 (method 9)");
	done();
}
END_TEST

/* A authenticates with the PSK, B with its certificate. */
START_TEST(psk_one_side_pubkey_other)
{
	struct ac aa = { .local = IKE_AUTH_PSK, .remote = IKE_AUTH_PUBKEY, .psk = true };
	struct ac ab = { .local = IKE_AUTH_PUBKEY, .remote = IKE_AUTH_PSK, .psk = true };

	run(SET("ca:root.crt"), &aa, SET("ca:root.crt", "ee:dave.crt", "key:dave.key"), &ab, &A,
	    NULL);
	assert_up("pubkey ECDSA SHA-256", "psk");
	done();
}
END_TEST

/* ---- refusals ---- */

static void refusal(const char *a_items_ee, const char *a_key, const struct ac *aa_in,
		    const struct ac *ab_in, const char *crl, bool b_initiates, const char *why)
{
	char ee[64], key[64];
	struct ac aa = { .local = IKE_AUTH_PUBKEY, .remote = IKE_AUTH_PUBKEY };
	struct ac ab = { .local = IKE_AUTH_PUBKEY, .remote = IKE_AUTH_PUBKEY };
	struct ike_creds *cb;

	if (aa_in)
		aa = *aa_in;
	if (ab_in)
		ab = *ab_in;
	snprintf(ee, sizeof(ee), "ee:%s", a_items_ee);
	snprintf(key, sizeof(key), "key:%s", a_key);
	cb = crl ? SET("ca:root.crt", "ee:dave.crt", "key:dave.key", crl)
		 : SET("ca:root.crt", "ee:dave.crt", "key:dave.key");
	run(SET("ca:root.crt", "ca:inter.crt", "ca:other-root.crt", ee, key), &aa, cb, &ab,
	    b_initiates ? &B : &A, NULL);
	assert_refused(&B, why);
	done();
}

/* send_cert = never: no CERT even when asked; B, which has no copy of A's
 * certificate, refuses in both roles (pinned_without_cert_payload shows
 * the same A accepted when B has it). */
START_TEST(send_cert_never)
{
	struct ac aa = { .local = IKE_AUTH_PUBKEY,
			 .remote = IKE_AUTH_PUBKEY,
			 .send_cert = IKE_SEND_CERT_NEVER,
			 .local_fqdn = "moon.example.org" };

	refusal("moon.crt", "moon.key", &aa, NULL, NULL, false,
		"peer sent no certificate, and none is known for \"moon.example.org\"");
	refusal("moon.crt", "moon.key", &aa, NULL, NULL, true,
		"peer sent no certificate, and none is known for \"moon.example.org\"");
}
END_TEST

START_TEST(refuse_revoked_both_roles)
{
	refusal("revoked.crt", "revoked.key", NULL, NULL, "crl:inter.crl", false, "revoked");
	refusal("revoked.crt", "revoked.key", NULL, NULL, "crl:inter.crl", true, "revoked");
}
END_TEST

START_TEST(refuse_expired_both_roles)
{
	refusal("expired.crt", "expired.key", NULL, NULL, NULL, false, "expired on 2021-01-01");
	refusal("expired.crt", "expired.key", NULL, NULL, NULL, true, "expired on 2021-01-01");
}
END_TEST

START_TEST(refuse_unknown_ca_both_roles)
{
	refusal("stranger.crt", "stranger.key", NULL, NULL, NULL, false, "unknown CA");
	refusal("stranger.crt", "stranger.key", NULL, NULL, NULL, true, "unknown CA");
}
END_TEST

START_TEST(refuse_id_not_in_cert)
{
	/* A claims moon's name with sun's certificate */
	struct ac aa = { .local = IKE_AUTH_PUBKEY,
			 .remote = IKE_AUTH_PUBKEY,
			 .local_fqdn = "moon.example.org" };

	refusal("sun.crt", "sun.key", &aa, NULL, NULL, false,
		"ID \"moon.example.org\" not in the certificate "
		"\"C=CH, O=conduit test, CN=sun.example.org\"");
	refusal("sun.crt", "sun.key", &aa, NULL, NULL, true, "not in the certificate");
}
END_TEST

/* A signs with moon's key; B holds another certificate with moon's names
 * (and another key) as remote.certs, and A sends none. */
START_TEST(refuse_wrong_signature)
{
	struct ike_cert *moon2 = pki_cert("moon2.crt");
	struct ac aa = { .local = IKE_AUTH_PUBKEY,
			 .remote = IKE_AUTH_PUBKEY,
			 .send_cert = IKE_SEND_CERT_NEVER,
			 .local_fqdn = "moon.example.org" };
	struct ac ab = { .local = IKE_AUTH_PUBKEY, .remote = IKE_AUTH_PUBKEY, .pinned = moon2 };

	refusal("moon.crt", "moon.key", &aa, &ab, NULL, false, "does not verify");
	refusal("moon.crt", "moon.key", &aa, &ab, NULL, true, "does not verify");
	ike_cert_unref(moon2);
}
END_TEST

/* B's remote auth allows ECDSA with SHA-384 only; A signs with SHA-256. */
START_TEST(refuse_scheme_not_allowed)
{
	struct ac ab = { .local = IKE_AUTH_PUBKEY,
			 .remote = IKE_AUTH_PUBKEY,
			 .remote_schemes = 1u << IKE_SIG_ECDSA_SHA384 };

	refusal("moon.crt", "moon.key", NULL, &ab, NULL, false,
		"peer signed with ECDSA SHA-256, which remote auth does not allow");
	refusal("moon.crt", "moon.key", NULL, &ab, NULL, true, "which remote auth does not allow");
}
END_TEST

/* B's remote auth = ecdsa-sha384 (no "ike:"): the certificates of A's
 * chain must be signed with it too, as strongSwan has it. moon and inter
 * are signed with SHA-256; moon384 with SHA-384 by inter (SHA-256). */
START_TEST(refuse_chain_scheme_both_roles)
{
	struct ac ab = { .local = IKE_AUTH_PUBKEY,
			 .remote = IKE_AUTH_PUBKEY,
			 .chain_schemes = 1u << IKE_SIG_ECDSA_SHA384 };

	refusal("moon.crt", "moon.key", NULL, &ab, NULL, false,
		"certificate \"C=CH, O=conduit test, CN=moon.example.org\" is signed with ECDSA "
		"SHA-256, not allowed by remote auth (ECDSA SHA-384)");
	refusal("moon.crt", "moon.key", NULL, &ab, NULL, true,
		"moon.example.org\" is signed with ECDSA SHA-256, not allowed");
	/* the intermediate's signature counts too */
	refusal("moon384.crt", "moon384.key", NULL, &ab, NULL, false,
		"certificate \"C=CH, O=conduit test, CN=Intermediate CA\" is signed with ECDSA "
		"SHA-256, not allowed by remote auth (ECDSA SHA-384)");
}
END_TEST

/* A chain that complies comes up, the AUTH payload unconstrained. */
START_TEST(chain_scheme_allowed)
{
	struct ac aa = { .local = IKE_AUTH_PUBKEY, .remote = IKE_AUTH_PUBKEY };
	struct ac ab = { .local = IKE_AUTH_PUBKEY,
			 .remote = IKE_AUTH_PUBKEY,
			 .chain_schemes = 1u << IKE_SIG_ECDSA_SHA384 | 1u << IKE_SIG_ECDSA_SHA256 };

	run(SET("ca:root.crt", "ca:inter.crt", "ee:moon384.crt", "key:moon384.key"), &aa,
	    SET("ca:root.crt", "ee:dave.crt", "key:dave.key"), &ab, &A, NULL);
	assert_up("pubkey ECDSA SHA-256", "pubkey ECDSA SHA-256");
	done();
}
END_TEST

/* Our constraint picks the scheme: local auth = ECDSA with SHA-384. */
START_TEST(local_constraint_chooses_scheme)
{
	struct ac aa = { .local = IKE_AUTH_PUBKEY,
			 .remote = IKE_AUTH_PUBKEY,
			 .local_schemes = 1u << IKE_SIG_ECDSA_SHA384 };
	struct ac ab = { .local = IKE_AUTH_PUBKEY, .remote = IKE_AUTH_PUBKEY };

	run(SET("ca:root.crt", "ca:inter.crt", "ee:moon.crt", "key:moon.key"), &aa,
	    SET("ca:root.crt", "ee:dave.crt", "key:dave.key"), &ab, &A, NULL);
	assert_up("pubkey ECDSA SHA-256", "pubkey ECDSA SHA-384");
	done();
}
END_TEST

/* A pubkey peer against a connection that wants a PSK is refused. */
START_TEST(refuse_method_mismatch)
{
	struct ac ab = { .local = IKE_AUTH_PUBKEY, .remote = IKE_AUTH_PSK, .psk = true };

	refusal("moon.crt", "moon.key", NULL, &ab, NULL, false,
		"authenticates with an RFC 7427 digital signature (AUTH method 14), we expect a "
		"pre-shared key");
}
END_TEST

/* B has two connections for A's address, as two identities; A names the
 * one it wants in IDr, so B answers as that one (without IDr the first
 * configured would answer, as other.example.org, and A would refuse it). */
START_TEST(idr_selects_responder_identity)
{
	struct ac aa = { .local = IKE_AUTH_PUBKEY,
			 .remote = IKE_AUTH_PUBKEY,
			 .remote_fqdn = "dave.example.org" };
	struct ac ab = { .local = IKE_AUTH_PUBKEY,
			 .remote = IKE_AUTH_PUBKEY,
			 .local_fqdn = "other.example.org" };
	struct ac ab2 = { .local = IKE_AUTH_PUBKEY,
			  .remote = IKE_AUTH_PUBKEY,
			  .local_fqdn = "dave.example.org",
			  .name = "gw2" };

	tclock = TCLOCK_START;
	twall_time = test_wall;
	tpeer_init(&A, "A", TIP_A, TSEED_A, NULL);
	tpeer_init(&B, "B", TIP_B, TSEED_B, NULL);
	{
		struct ike_creds *ca =
		    SET("ca:root.crt", "ca:inter.crt", "ee:moon.crt", "key:moon.key");
		struct ike_creds *cb = SET("ca:root.crt", "ee:dave.crt", "key:dave.key");

		ike_engine_set_creds(A.e, ca);
		ike_engine_set_creds(B.e, cb);
		ike_creds_unref(ca);
		ike_creds_unref(cb);
	}
	aconn(&A, &B, &tconf_a, &aa);
	aconn(&B, &A, &tconf_b, &ab);
	aconn(&B, &A, &tconf_b, &ab2);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	tpump(&A, &B);
	assert_up("pubkey ECDSA SHA-256", "pubkey ECDSA SHA-256");
	ck_assert_str_eq(info_of(&A).remote_id, "dave.example.org");
	done();
}
END_TEST

/* B is to authenticate with a certificate it does not have: it says so
 * before installing anything. */
START_TEST(refuse_no_own_certificate)
{
	struct ac aa = { .local = IKE_AUTH_PUBKEY, .remote = IKE_AUTH_PUBKEY };
	struct ac ab = { .local = IKE_AUTH_PUBKEY, .remote = IKE_AUTH_PUBKEY };

	run(SET("ca:root.crt", "ca:inter.crt", "ee:moon.crt", "key:moon.key"), &aa,
	    SET("ca:root.crt"), &ab, &A, NULL);
	assert_refused(&B, "no certificate of ours to use");
	done();
}
END_TEST

/* An IKE SA rekey keeps what each side authenticated with; a
 * reauthentication authenticates again with the certificates. */
START_TEST(rekey_and_reauth_keep_auth)
{
	struct ac aa = { .local = IKE_AUTH_PUBKEY, .remote = IKE_AUTH_PUBKEY, .reauth = 1800 };
	struct ac ab = { .local = IKE_AUTH_PUBKEY, .remote = IKE_AUTH_PUBKEY };
	struct info ia, ib;
	uint32_t first;

	run(SET("ca:root.crt", "ca:inter.crt", "ee:moon.crt", "key:moon.key"), &aa,
	    SET("ca:root.crt", "ee:dave.crt", "key:dave.key"), &ab, &A, NULL);
	assert_up("pubkey ECDSA SHA-256", "pubkey ECDSA SHA-256");
	first = info_of(&A).id;
	ck_assert_int_eq(ike_engine_rekey(A.e, first, 0), 0);
	tpump(&A, &B);
	ia = info_of(&A);
	ib = info_of(&B);
	ck_assert_int_eq(ia.n, 1);
	ck_assert_uint_ne(ia.id, first);
	ck_assert_str_eq(ia.remote_auth, "pubkey ECDSA SHA-256");
	ck_assert_str_eq(ib.remote_auth, "pubkey ECDSA SHA-256");
	ck_assert_str_eq(ib.local_auth, "pubkey ECDSA SHA-256");
	/* reauth_time: a new IKE SA, authenticated again */
	for (int i = 0; i < 40 && tcount_events(&A, IKE_EV_IKE_UP) < 3; i++) {
		tadvance(&A, &B);
		tpump(&A, &B);
	}
	ck_assert_msg(tcount_events(&A, IKE_EV_IKE_UP) == 3, "%s", A.logs);
	ck_assert_msg(strstr(A.logs, "reauthenticating"), "%s", A.logs);
	ia = info_of(&A);
	ck_assert_str_eq(ia.remote_auth, "pubkey ECDSA SHA-256");
	ck_assert_str_eq(ia.local_auth, "pubkey ECDSA SHA-256");
	done();
}
END_TEST

/* A reload that replaces B's set while IKE_AUTH is under way: the SA
 * keeps the set it began with. */
START_TEST(creds_replaced_mid_handshake)
{
	struct ac aa = { .local = IKE_AUTH_PUBKEY, .remote = IKE_AUTH_PUBKEY };
	struct ac ab = { .local = IKE_AUTH_PUBKEY, .remote = IKE_AUTH_PUBKEY };
	struct tpkt k;

	tclock = TCLOCK_START;
	twall_time = test_wall;
	tpeer_init(&A, "A", TIP_A, TSEED_A, NULL);
	tpeer_init(&B, "B", TIP_B, TSEED_B, NULL);
	{
		struct ike_creds *ca =
		    SET("ca:root.crt", "ca:inter.crt", "ee:moon.crt", "key:moon.key");
		struct ike_creds *cb = SET("ca:root.crt", "ee:dave.crt", "key:dave.key");

		ike_engine_set_creds(A.e, ca);
		ike_engine_set_creds(B.e, cb);
		ike_creds_unref(ca);
		ike_creds_unref(cb);
	}
	aconn(&A, &B, &tconf_a, &aa);
	aconn(&B, &A, &tconf_b, &ab);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	/* IKE_SA_INIT request to B, its answer to A */
	ck_assert(tq_pop(&A, &k));
	ike_engine_input(B.e, k.data, k.len, &k.dst, &k.src);
	free(k.data);
	/* B's set goes (the engine's reference dropped) */
	ike_engine_set_creds(B.e, NULL);
	tpump(&A, &B);
	assert_up("pubkey ECDSA SHA-256", "pubkey ECDSA SHA-256");
	done();
}
END_TEST

static Suite *auth_cert_suite(void)
{
	Suite *s = suite_create("ike_auth_cert");
	TCase *tc = tcase_create("auth");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, ecdsa_a_initiates);
	tcase_add_test(tc, ecdsa_b_initiates);
	tcase_add_test(tc, rsa_pkcs1_both_roles);
	tcase_add_test(tc, rsa_pss_both_roles);
	tcase_add_test(tc, ed25519_both_roles);
	tcase_add_test(tc, ed448_both_roles);
	tcase_add_test(tc, send_certreq_no);
	tcase_add_test(tc, send_cert_never);
	tcase_add_test(tc, identities_dn_and_fqdn);
	tcase_add_test(tc, pinned_without_cert_payload);
	tcase_add_test(tc, certreq_chooses_certificate);
	tcase_add_test(tc, classic_methods);
	tcase_add_test(tc, psk_one_side_pubkey_other);
	tcase_add_test(tc, refuse_revoked_both_roles);
	tcase_add_test(tc, refuse_expired_both_roles);
	tcase_add_test(tc, refuse_unknown_ca_both_roles);
	tcase_add_test(tc, refuse_id_not_in_cert);
	tcase_add_test(tc, refuse_wrong_signature);
	tcase_add_test(tc, refuse_scheme_not_allowed);
	tcase_add_test(tc, refuse_chain_scheme_both_roles);
	tcase_add_test(tc, chain_scheme_allowed);
	tcase_add_test(tc, local_constraint_chooses_scheme);
	tcase_add_test(tc, refuse_method_mismatch);
	tcase_add_test(tc, creds_replaced_mid_handshake);
	tcase_add_test(tc, idr_selects_responder_identity);
	tcase_add_test(tc, refuse_no_own_certificate);
	tcase_add_test(tc, rekey_and_reauth_keep_auth);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	tverbose = getenv("TVERBOSE") != NULL;
	/* pki.sh's set, and moon2: moon's names on another key (self-signed),
	 * for a signature that does not verify */
	if (test_pki_make(
		"pki",
		"cd pki && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 "
		"-nodes -keyout moon2.key -subj '/C=CH/O=conduit test/CN=moon.example.org' "
		"-addext subjectAltName=DNS:moon.example.org "
		"-addext keyUsage=digitalSignature -days 30 -out moon2.crt 2>/dev/null") != 0)
		return 1;
	/* after the PKI is made: its certificates start now */
	wall_now = (int64_t)time(NULL) + 60;
	return test_pki_run(auth_cert_suite());
}
