// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * daemon/kernel.c against a recording fake of kernel-iface (this file
 * defines the kif_* functions it calls, so nothing reaches a kernel: the
 * development host has XFRM but no ESP, so real SAs cannot be added there;
 * the UML scenarios cover the real thing). What is checked is contract 1:
 * children of one engine reqid share a kernel reqid and its policies, the
 * first install adds the policies, the last delete removes them, and EXPIRE
 * events map back to the engine's reqid.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "daemon/kernel.h"
#include "tests/unit/unit.h"

/* ---- the fake kernel ---- */

#define FK_MAX 64

struct fk_sa {
	struct kif_sa_id id;
	uint32_t reqid;
	uint32_t if_id, set_mark_value, set_mark_mask;
};

static struct {
	struct fk_sa sa[FK_MAX];
	size_t n_sa;
	struct kif_policy pol[FK_MAX];
	size_t n_pol;
	int fail_sa_add_after; /* > 0: the n-th kif_sa_add from now fails */
	size_t pol_deletes;
	size_t moves; /* kif_sa_move calls */
} fk;

/* As the kernel: the mark is part of an SA's and a policy's identity (and
 * of a policy's if_id), so a delete must name the ones it was added with. */
static bool same_sa(const struct kif_sa_id *a, const struct kif_sa_id *b)
{
	return a->spi == b->spi && a->proto == b->proto &&
	       !memcmp(&a->dst, &b->dst, sizeof(a->dst)) && a->mark_value == b->mark_value &&
	       a->mark_mask == b->mark_mask;
}

static bool same_pol(const struct kif_policy *a, const struct kif_policy *b)
{
	return a->dir == b->dir && !memcmp(&a->sel, &b->sel, sizeof(a->sel)) &&
	       a->mark_value == b->mark_value && a->mark_mask == b->mark_mask &&
	       a->if_id == b->if_id;
}

const char *kif_error(const struct kif *k)
{
	(void)k;
	return "fake kernel error";
}

int kif_spi_alloc(struct kif *k, const struct kif_sa *sa, uint32_t min, uint32_t max, uint32_t *spi)
{
	(void)k, (void)sa, (void)max;
	*spi = min;
	return 0;
}

int kif_sa_add(struct kif *k, const struct kif_sa *sa, bool update)
{
	(void)k;
	if (fk.fail_sa_add_after && !--fk.fail_sa_add_after)
		return -EINVAL;
	for (size_t i = 0; i < fk.n_sa; i++)
		if (same_sa(&fk.sa[i].id, &sa->id))
			return -EEXIST;
	if (update)
		return -ESRCH; /* no larval SA in the fake */
	ck_assert_uint_lt(fk.n_sa, FK_MAX);
	ck_assert(kif_reqid_owned(sa->reqid));
	/* the engine's algorithms and keys, passed through as they are */
	ck_assert_int_eq(sa->encr, IKE_ALG_AES256_GCM_16);
	ck_assert_int_eq(sa->integ, IKE_ALG_NONE);
	ck_assert_uint_eq(sa->encr_key_len, ike_alg_get(sa->encr)->keymat);
	fk.sa[fk.n_sa].id = sa->id;
	fk.sa[fk.n_sa].reqid = sa->reqid;
	fk.sa[fk.n_sa].if_id = sa->if_id;
	fk.sa[fk.n_sa].set_mark_value = sa->set_mark_value;
	fk.sa[fk.n_sa].set_mark_mask = sa->set_mark_mask;
	fk.n_sa++;
	return 0;
}

int kif_sa_delete(struct kif *k, const struct kif_sa_id *id)
{
	(void)k;
	for (size_t i = 0; i < fk.n_sa; i++)
		if (same_sa(&fk.sa[i].id, id)) {
			fk.sa[i] = fk.sa[--fk.n_sa];
			return 0;
		}
	return -ENOENT;
}

int kif_sa_get(struct kif *k, const struct kif_sa_id *id, struct kif_sa_stats *st)
{
	(void)k;
	for (size_t i = 0; i < fk.n_sa; i++)
		if (same_sa(&fk.sa[i].id, id)) {
			memset(st, 0, sizeof(*st));
			st->reqid = fk.sa[i].reqid;
			return 0;
		}
	return -ENOENT;
}

/* As the kernel: the SA keeps SPI and keys, takes new endpoints/ports. */
int kif_sa_move(struct kif *k, const struct kif_sa_id *id, const struct kif_addr *src,
		const struct kif_addr *dst, bool encap, uint16_t sport, uint16_t dport)
{
	(void)k, (void)encap, (void)sport, (void)dport;
	for (size_t i = 0; i < fk.n_sa; i++)
		if (same_sa(&fk.sa[i].id, id)) {
			fk.sa[i].id.src = *src;
			fk.sa[i].id.dst = *dst;
			fk.moves++;
			return 0;
		}
	return -ENOENT;
}

int kif_policy_add(struct kif *k, const struct kif_policy *p, bool update)
{
	(void)k;
	for (size_t i = 0; i < fk.n_pol; i++)
		if (same_pol(&fk.pol[i], p)) {
			if (!update)
				return -EEXIST;
			fk.pol[i] = *p;
			return 0;
		}
	ck_assert_uint_lt(fk.n_pol, FK_MAX);
	fk.pol[fk.n_pol++] = *p;
	return 0;
}

int kif_policy_delete(struct kif *k, const struct kif_policy *key)
{
	(void)k;
	fk.pol_deletes++;
	for (size_t i = 0; i < fk.n_pol; i++)
		if (same_pol(&fk.pol[i], key)) {
			fk.pol[i] = fk.pol[--fk.n_pol];
			return 0;
		}
	return -ENOENT;
}

/* ---- helpers ---- */

static struct dkern *d;

static void setup(void)
{
	memset(&fk, 0, sizeof(fk));
	d = dkern_new(NULL);
	ck_assert_ptr_nonnull(d);
}

static void teardown(void)
{
	dkern_free(d);
}

static void addr(struct ike_addr *a, const char *ip)
{
	memset(a, 0, sizeof(*a));
	a->family = strchr(ip, ':') ? AF_INET6 : AF_INET;
	ck_assert_int_eq(inet_pton(a->family, ip, a->ip), 1);
}

static void ts(struct ike_ts *t, const char *from, const char *to)
{
	int family = strchr(from, ':') ? AF_INET6 : AF_INET;

	memset(t, 0, sizeof(*t));
	t->type = family == AF_INET6 ? IKE_TS_IPV6_ADDR_RANGE : IKE_TS_IPV4_ADDR_RANGE;
	t->end_port = 65535;
	ck_assert_int_eq(inet_pton(family, from, t->start_addr), 1);
	ck_assert_int_eq(inet_pton(family, to, t->end_addr), 1);
}

/* A tunnel-mode child 10.1.0.0/24 === 10.2.0.0/24 between two gateways. */
static void child(struct ike_child_install *ci, uint32_t id, uint32_t reqid, uint32_t spi_in,
		  uint32_t spi_out)
{
	memset(ci, 0, sizeof(*ci));
	ci->child_id = id;
	ci->reqid = reqid;
	ci->conn_name = "gw";
	ci->child_name = "net";
	ci->mode = IKE_MODE_TUNNEL;
	ci->encr = IKE_ALG_AES256_GCM_16;
	ci->in.spi = spi_in;
	addr(&ci->in.src, "192.0.2.2");
	addr(&ci->in.dst, "192.0.2.1");
	ci->in.enc_key_len = 36;
	ci->out.spi = spi_out;
	addr(&ci->out.src, "192.0.2.1");
	addr(&ci->out.dst, "192.0.2.2");
	ci->out.enc_key_len = 36;
	ci->n_local_ts = ci->n_remote_ts = 1;
	ts(&ci->local_ts[0], "10.1.0.0", "10.1.0.255");
	ts(&ci->remote_ts[0], "10.2.0.0", "10.2.0.255");
}

static int install(uint32_t id, uint32_t reqid, uint32_t spi_in, uint32_t spi_out)
{
	struct ike_child_install ci;
	char err[256];

	child(&ci, id, reqid, spi_in, spi_out);
	return dkern_child_install(d, &ci, NULL, err, sizeof(err));
}

/* The kernel reqid the fake holds for an SA. */
static uint32_t kreqid_of(uint32_t spi)
{
	for (size_t i = 0; i < fk.n_sa; i++)
		if (fk.sa[i].id.spi == spi)
			return fk.sa[i].reqid;
	return 0;
}

static bool policies_use(uint32_t kreqid)
{
	for (size_t i = 0; i < fk.n_pol; i++)
		if (fk.pol[i].n_tmpl != 1 || fk.pol[i].tmpl[0].reqid != kreqid)
			return false;
	return fk.n_pol > 0;
}

/* ---- tests ---- */

static const struct fk_sa *sa_of(uint32_t spi)
{
	for (size_t i = 0; i < fk.n_sa; i++)
		if (fk.sa[i].id.spi == spi)
			return &fk.sa[i];
	ck_abort_msg("no SA %08x", spi);
	return NULL;
}

/* strongSwan's child_sa.c: policies in and fwd carry mark_in and if_id_in,
 * out mark_out and if_id_out; the outbound SA mark_out, the inbound one
 * mark_in only with mark_in_sa; set_mark %same is the direction's mark.
 * %unique is drawn once per reqid: a rekeyed successor keeps it, another
 * reqid draws anew. Deletes name the marks (the fake, as the kernel,
 * keeps what is deleted without them). */
START_TEST(test_marks)
{
	struct dcfg_child gw = {
		.mark_in = { CONF_MARK_UNIQUE, 0xffffffff },
		.mark_out = { CONF_MARK_UNIQUE, 0xffffffff },
		.mark_in_sa = true,
		.set_mark_in = { CONF_MARK_SAME, 0xff },
		.set_mark_out = { 0x500, 0xf00 },
		.if_id_in = 7,
		.if_id_out = 8,
	};
	struct ike_child_install ci;
	struct dkern_marks m;
	char err[256];
	const struct fk_sa *s;
	uint32_t k3 = 0;

	child(&ci, 1, 1, 0xc0000001, 0xd0000001);
	ck_assert_int_eq(dkern_child_install(d, &ci, &gw, err, sizeof(err)), 0);
	ck_assert_int_eq(dkern_child_marks(d, 1, &m, NULL), 0);
	ck_assert_uint_eq(m.mark_in, 1);
	ck_assert_uint_eq(m.mark_out, 1);
	ck_assert_uint_eq(m.if_id_in, 7);
	ck_assert_uint_eq(m.if_id_out, 8);
	s = sa_of(0xc0000001);
	ck_assert_uint_eq(s->id.mark_value, 1);
	ck_assert_uint_eq(s->id.mark_mask, 0xffffffff);
	ck_assert_uint_eq(s->if_id, 7);
	ck_assert_uint_eq(s->set_mark_value, 1); /* %same */
	ck_assert_uint_eq(s->set_mark_mask, 0xff);
	s = sa_of(0xd0000001);
	ck_assert_uint_eq(s->id.mark_value, 1);
	ck_assert_uint_eq(s->if_id, 8);
	ck_assert_uint_eq(s->set_mark_value, 0x500);
	ck_assert_uint_eq(s->set_mark_mask, 0xf00);
	ck_assert_uint_eq(fk.n_pol, 3);
	for (size_t i = 0; i < fk.n_pol; i++) {
		ck_assert_uint_eq(fk.pol[i].mark_value, 1);
		ck_assert_uint_eq(fk.pol[i].if_id, fk.pol[i].dir == KIF_DIR_OUT ? 8 : 7);
	}

	/* the rekeyed successor: the same marks */
	child(&ci, 2, 1, 0xc0000002, 0xd0000002);
	ck_assert_int_eq(dkern_child_install(d, &ci, &gw, err, sizeof(err)), 0);
	ck_assert_uint_eq(sa_of(0xd0000002)->id.mark_value, 1);
	/* another reqid: the next value */
	child(&ci, 3, 3, 0xc0000003, 0xd0000003);
	ts(&ci.local_ts[0], "10.3.0.0", "10.3.0.255");
	ck_assert_int_eq(dkern_child_install(d, &ci, &gw, err, sizeof(err)), 0);
	ck_assert_uint_eq(sa_of(0xd0000003)->id.mark_value, 2);
	ck_assert_int_eq(dkern_child_marks(d, 3, &m, &k3), 0);
	ck_assert_uint_eq(m.mark_in, 2);
	ck_assert_uint_eq(k3, kreqid_of(0xc0000003));

	dkern_child_delete(d, 1);
	dkern_child_delete(d, 2);
	dkern_child_delete(d, 3);
	ck_assert_uint_eq(fk.n_sa, 0);
	ck_assert_uint_eq(fk.n_pol, 0);
	ck_assert_int_eq(dkern_child_marks(d, 1, &m, NULL), -ENOENT);

	/* without mark_in_sa the inbound SA has no mark */
	gw.mark_in_sa = false;
	child(&ci, 4, 4, 0xc0000004, 0xd0000004);
	ck_assert_int_eq(dkern_child_install(d, &ci, &gw, err, sizeof(err)), 0);
	ck_assert_uint_eq(sa_of(0xc0000004)->id.mark_value | sa_of(0xc0000004)->id.mark_mask, 0);
	ck_assert_uint_eq(sa_of(0xd0000004)->id.mark_value, 3);
}
END_TEST

/* ipsec_types.c allocate_unique_marks/if_ids: %unique one value for both
 * directions, %unique-dir one each; fixed values stay. */
START_TEST(test_unique_marks_resolve)
{
	struct dcfg_child gw = { 0 };
	uint32_t nm = 1, ni = 10;
	struct dkern_marks m;

	gw.mark_in = (struct conf_mark){ CONF_MARK_UNIQUE_DIR, 0xff };
	gw.mark_out = (struct conf_mark){ CONF_MARK_UNIQUE, 0xffffffff };
	gw.if_id_in = CONF_IF_ID_UNIQUE;
	gw.if_id_out = 42;
	dkern_marks_resolve(&gw, &nm, &ni, &m);
	ck_assert_uint_eq(m.mark_in, 1);
	ck_assert_uint_eq(m.mark_in_mask, 0xff);
	ck_assert_uint_eq(m.mark_out, 2);
	ck_assert_uint_eq(m.if_id_in, 10);
	ck_assert_uint_eq(m.if_id_out, 42);
	ck_assert_uint_eq(nm, 3);
	ck_assert_uint_eq(ni, 11);
	gw.mark_in = (struct conf_mark){ 5, 0xffffffff };
	dkern_marks_resolve(&gw, &nm, &ni, &m);
	ck_assert_uint_eq(m.mark_in, 5);
	ck_assert_uint_eq(m.mark_out, 3);
	dkern_marks_resolve(NULL, &nm, &ni, &m);
	ck_assert_uint_eq(m.mark_in | m.mark_out | m.if_id_in | m.if_id_out, 0);
}
END_TEST

/* A rekey: the successor shares reqid and policies; deleting the old one
 * leaves the policies; deleting the last one removes them. */
START_TEST(test_rekeyed_child_shares_policies)
{
	uint32_t k;

	ck_assert_int_eq(install(1, 1, 0xc0000001, 0xd0000001), 0);
	ck_assert_uint_eq(fk.n_sa, 2);
	ck_assert_uint_eq(fk.n_pol, 3); /* out, in, fwd */
	k = kreqid_of(0xc0000001);
	ck_assert(kif_reqid_owned(k));
	ck_assert(policies_use(k));
	ck_assert_uint_eq(dkern_engine_reqid(d, k), 1);

	ck_assert_int_eq(install(2, 1, 0xc0000002, 0xd0000002), 0);
	ck_assert_uint_eq(fk.n_sa, 4);
	ck_assert_uint_eq(fk.n_pol, 3);
	ck_assert_uint_eq(kreqid_of(0xc0000002), k);
	ck_assert_uint_eq(kreqid_of(0xd0000002), k);
	ck_assert_uint_eq(dkern_count(d), 2);

	dkern_child_delete(d, 1);
	ck_assert_uint_eq(fk.n_sa, 2);
	ck_assert_uint_eq(kreqid_of(0xc0000001), 0);
	ck_assert_uint_eq(kreqid_of(0xc0000002), k);
	ck_assert_uint_eq(fk.n_pol, 3);
	ck_assert_uint_eq(fk.pol_deletes, 0);
	ck_assert(policies_use(k));
	ck_assert_uint_eq(dkern_engine_reqid(d, k), 1);

	dkern_child_delete(d, 2);
	ck_assert_uint_eq(fk.n_sa, 0);
	ck_assert_uint_eq(fk.n_pol, 0);
	ck_assert_uint_eq(dkern_engine_reqid(d, k), 0);
	ck_assert_uint_eq(dkern_count(d), 0);
	/* unknown and repeated deletes are harmless */
	dkern_child_delete(d, 2);
	dkern_child_delete(d, 77);
}
END_TEST

/* The successor goes first (a collision's redundant SA): the old one
 * keeps the policies. Another reqid has a kernel reqid of its own. */
START_TEST(test_newer_deleted_first_and_two_reqids)
{
	uint32_t k1, k3;

	ck_assert_int_eq(install(1, 1, 0xc0000001, 0xd0000001), 0);
	ck_assert_int_eq(install(2, 1, 0xc0000002, 0xd0000002), 0);
	dkern_child_delete(d, 2);
	ck_assert_uint_eq(fk.n_sa, 2);
	ck_assert_uint_eq(fk.n_pol, 3);
	k1 = kreqid_of(0xc0000001);

	/* another child (engine reqid 3), its own selectors */
	{
		struct ike_child_install ci;
		char err[256];

		child(&ci, 3, 3, 0xc0000003, 0xd0000003);
		ts(&ci.local_ts[0], "10.3.0.0", "10.3.0.255");
		ck_assert_int_eq(dkern_child_install(d, &ci, NULL, err, sizeof(err)), 0);
	}
	k3 = kreqid_of(0xc0000003);
	ck_assert_uint_ne(k1, k3);
	ck_assert_uint_eq(fk.n_pol, 6);
	ck_assert_uint_eq(dkern_engine_reqid(d, k1), 1);
	ck_assert_uint_eq(dkern_engine_reqid(d, k3), 3);
	dkern_child_delete(d, 1);
	ck_assert_uint_eq(fk.n_pol, 3);
	ck_assert(policies_use(k3));
	dkern_child_delete(d, 3);
	ck_assert_uint_eq(fk.n_pol + fk.n_sa, 0);
}
END_TEST

/* A successor that fails to install leaves nothing of its own and takes
 * nothing of its predecessor's. */
START_TEST(test_failed_successor)
{
	uint32_t k;

	ck_assert_int_eq(install(1, 1, 0xc0000001, 0xd0000001), 0);
	k = kreqid_of(0xc0000001);
	fk.fail_sa_add_after = 3; /* in: update, then new; out fails */
	ck_assert_int_ne(install(2, 1, 0xc0000002, 0xd0000002), 0);
	ck_assert_uint_eq(fk.n_sa, 2);
	ck_assert_uint_eq(kreqid_of(0xc0000001), k);
	ck_assert_uint_eq(fk.n_pol, 3);
	ck_assert_uint_eq(dkern_count(d), 1);
	/* the first child of a reqid failing leaves no policy either */
	fk.fail_sa_add_after = 3;
	ck_assert_int_ne(install(5, 5, 0xc0000005, 0xd0000005), 0);
	ck_assert_uint_eq(fk.n_pol, 3);
	ck_assert_uint_eq(fk.n_sa, 2);
	dkern_child_delete(d, 1);
	ck_assert_uint_eq(fk.n_pol + fk.n_sa, 0);
}
END_TEST

/* An update of a child (same id, e.g. a NAT mapping) keeps its reqid,
 * with or without a sibling. */
/* Contract 2 (a NAT mapping moved): update moves a child's SAs in place,
 * SPIs and reqid kept; an address change takes the reqid's tunnel
 * policies' templates along, also while a rekeyed successor shares them. */
START_TEST(test_update)
{
	struct ike_child_install ci;
	struct kif_addr want;
	char err[256];
	uint32_t k;

	ck_assert_int_eq(install(1, 1, 0xc0000001, 0xd0000001), 0);
	ck_assert_int_eq(install(2, 1, 0xc0000002, 0xd0000002), 0);
	k = kreqid_of(0xc0000001);
	child(&ci, 2, 1, 0xc0000002, 0xd0000002);
	ci.update = true;
	ci.encap = true;
	ci.in.src.port = ci.out.dst.port = 49676;
	ci.in.dst.port = ci.out.src.port = 4500;
	ck_assert_int_eq(dkern_child_install(d, &ci, NULL, err, sizeof(err)), 0);
	ck_assert_uint_eq(fk.moves, 2);
	ck_assert_uint_eq(fk.n_sa, 4);
	ck_assert_uint_eq(fk.n_pol, 3);
	ck_assert_uint_eq(kreqid_of(0xd0000002), k);
	/* The peer's public address changed: templates follow. */
	addr(&ci.in.src, "198.51.100.7");
	addr(&ci.out.dst, "198.51.100.7");
	ck_assert_int_eq(dkern_child_install(d, &ci, NULL, err, sizeof(err)), 0);
	ck_assert_uint_eq(fk.moves, 4);
	ck_assert_uint_eq(fk.n_pol, 3);
	memset(&want, 0, sizeof(want));
	want.family = AF_INET;
	inet_pton(AF_INET, "198.51.100.7", want.ip);
	for (size_t i = 0; i < fk.n_pol; i++) {
		const struct kif_addr *peer =
		    fk.pol[i].dir == KIF_DIR_OUT ? &fk.pol[i].tmpl[0].dst : &fk.pol[i].tmpl[0].src;

		ck_assert_int_eq(memcmp(peer, &want, sizeof(want)), 0);
		ck_assert_uint_eq(fk.pol[i].tmpl[0].reqid, k);
	}
	/* Unknown child: an error, nothing touched. */
	ci.child_id = 99;
	ck_assert_int_eq(dkern_child_install(d, &ci, NULL, err, sizeof(err)), -ENOENT);
	dkern_child_delete(d, 1);
	ck_assert_uint_eq(fk.n_pol, 3);
	dkern_child_delete(d, 2);
	ck_assert_uint_eq(fk.n_pol + fk.n_sa, 0);
}
END_TEST

static void kaddr(struct kif_addr *a, const char *ip)
{
	memset(a, 0, sizeof(*a));
	a->family = strchr(ip, ':') ? AF_INET6 : AF_INET;
	ck_assert_int_eq(inet_pton(a->family, ip, a->ip), 1);
}

static bool kaddr_is(const struct kif_addr *a, const char *ip)
{
	struct kif_addr want;

	kaddr(&want, ip);
	return !memcmp(a, &want, sizeof(want));
}

/* The policy of one direction whose selector starts at src. */
static const struct kif_policy *policy(enum kif_dir dir, const char *src)
{
	for (size_t i = 0; i < fk.n_pol; i++)
		if (fk.pol[i].dir == dir && kaddr_is(&fk.pol[i].sel.src, src))
			return &fk.pol[i];
	return NULL;
}

/*
 * A child with IPv4 and IPv6 selectors between IPv6 gateways: IPv6 SAs,
 * and policies for the pairs of one family only (an IPv4 local selector
 * with an IPv6 remote one has no XFRM form), each selector in its own
 * family, each template in the gateways'.
 */
START_TEST(test_families)
{
	static const struct {
		const char *lo, *ro; /* local and remote gateway */
	} outer[] = { { "2001:db8::1", "2001:db8::2" }, { "192.0.2.1", "192.0.2.2" } };

	for (size_t o = 0; o < 2; o++) {
		struct ike_child_install ci;
		const struct kif_policy *p;
		char err[256];

		child(&ci, 1, 1, 0xc0000001, 0xd0000001);
		addr(&ci.in.src, outer[o].ro);
		addr(&ci.in.dst, outer[o].lo);
		addr(&ci.out.src, outer[o].lo);
		addr(&ci.out.dst, outer[o].ro);
		ci.n_local_ts = ci.n_remote_ts = 2;
		ts(&ci.local_ts[1], "fd00:1::", "fd00:1::ffff:ffff:ffff:ffff");
		ts(&ci.remote_ts[1], "fd00:2::", "fd00:2::ffff:ffff:ffff:ffff");
		ck_assert_msg(dkern_child_install(d, &ci, NULL, err, sizeof(err)) == 0, "%s", err);
		ck_assert_uint_eq(fk.n_sa, 2);
		for (size_t i = 0; i < fk.n_sa; i++)
			ck_assert_int_eq(fk.sa[i].id.dst.family, ci.out.dst.family);
		ck_assert_uint_eq(fk.n_pol, 6); /* (v4, v4) and (v6, v6), 3 directions */
		p = policy(KIF_DIR_OUT, "10.1.0.0");
		ck_assert_ptr_nonnull(p);
		ck_assert_int_eq(p->sel.dst.family, AF_INET);
		ck_assert_int_eq(p->sel.dst_plen, 24);
		ck_assert(kaddr_is(&p->tmpl[0].src, outer[o].lo));
		ck_assert(kaddr_is(&p->tmpl[0].dst, outer[o].ro));
		ck_assert_int_eq(p->tmpl[0].mode, KIF_MODE_TUNNEL);
		p = policy(KIF_DIR_OUT, "fd00:1::");
		ck_assert_ptr_nonnull(p);
		ck_assert(kaddr_is(&p->sel.dst, "fd00:2::"));
		ck_assert_int_eq(p->sel.src_plen, 64);
		ck_assert(kaddr_is(&p->tmpl[0].dst, outer[o].ro));
		p = policy(KIF_DIR_FWD, "fd00:2::");
		ck_assert_ptr_nonnull(p);
		ck_assert(kaddr_is(&p->tmpl[0].src, outer[o].ro));
		ck_assert(kaddr_is(&p->tmpl[0].dst, outer[o].lo));
		ck_assert_ptr_nonnull(policy(KIF_DIR_IN, "10.2.0.0"));
		ck_assert_ptr_null(policy(KIF_DIR_OUT, "10.2.0.0"));
		dkern_child_delete(d, 1);
		ck_assert_uint_eq(fk.n_pol + fk.n_sa, 0);
	}
}
END_TEST

/* Selectors with no pair of one family: an error, nothing left behind. */
START_TEST(test_no_common_family)
{
	struct ike_child_install ci;
	char err[256];

	child(&ci, 1, 1, 0xc0000001, 0xd0000001);
	ts(&ci.remote_ts[0], "fd00:2::", "fd00:2::ffff");
	ck_assert_int_eq(dkern_child_install(d, &ci, NULL, err, sizeof(err)), -EINVAL);
	ck_assert_ptr_nonnull(strstr(err, "families"));
	ck_assert_uint_eq(fk.n_pol + fk.n_sa, 0);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("daemon_kernel");
	TCase *tc = tcase_create("reqids");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_rekeyed_child_shares_policies);
	tcase_add_test(tc, test_marks);
	tcase_add_test(tc, test_unique_marks_resolve);
	tcase_add_test(tc, test_newer_deleted_first_and_two_reqids);
	tcase_add_test(tc, test_failed_successor);
	tcase_add_test(tc, test_update);
	tcase_add_test(tc, test_families);
	tcase_add_test(tc, test_no_common_family);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
