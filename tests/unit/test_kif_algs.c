/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Every keyword either installs or is refused: for each keyword of the
 * algorithm table, an esp_proposals string using it is either refused by
 * ike_proposals_parse() (what conduitd --check and the engine use), or
 * negotiates (with itself), and kernel-iface encodes the SA: the netlink
 * message is decoded here and must carry the table's kernel name, key and
 * ICV or truncation lengths, and ESN as negotiated. No kernel is needed
 * (kif_sa_encode builds the message kif_sa_add would send).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "ike/alg.h"
#include "ike/proposal.h"
#include "kernel-iface/xfrm.h"
#include "tests/unit/unit.h"

#define MAXP 4

struct decoded {
	struct xfrm_usersa_info info;
	const struct xfrm_algo_aead *aead;
	const struct xfrm_algo *crypt;
	const struct xfrm_algo_auth *auth;
	const struct xfrm_replay_state_esn *esn;
	int n_attrs;
};

static int attr_cb(const struct nlattr *a, void *data)
{
	struct decoded *d = data;
	const void *p = mnl_attr_get_payload(a);
	size_t len = mnl_attr_get_payload_len(a);

	d->n_attrs++;
	switch (mnl_attr_get_type(a)) {
	case XFRMA_ALG_AEAD:
		ck_assert_uint_ge(len, sizeof(*d->aead));
		d->aead = p;
		ck_assert_uint_eq(len, sizeof(*d->aead) + d->aead->alg_key_len / 8);
		break;
	case XFRMA_ALG_CRYPT:
		ck_assert_uint_ge(len, sizeof(*d->crypt));
		d->crypt = p;
		ck_assert_uint_eq(len, sizeof(*d->crypt) + d->crypt->alg_key_len / 8);
		break;
	case XFRMA_ALG_AUTH_TRUNC:
		ck_assert_uint_ge(len, sizeof(*d->auth));
		d->auth = p;
		ck_assert_uint_eq(len, sizeof(*d->auth) + d->auth->alg_key_len / 8);
		break;
	case XFRMA_REPLAY_ESN_VAL:
		ck_assert_uint_ge(len, sizeof(*d->esn));
		d->esn = p;
		ck_assert_uint_eq(len, sizeof(*d->esn) + d->esn->bmp_len * 4u);
		break;
	case XFRMA_ALG_AUTH:
	case XFRMA_ALG_COMP:
		ck_abort_msg("unexpected algorithm attribute %u", mnl_attr_get_type(a));
		break;
	}
	return MNL_CB_OK;
}

static void decode(const void *buf, int len, struct decoded *d)
{
	const struct nlmsghdr *nlh = buf;

	memset(d, 0, sizeof(*d));
	ck_assert_int_gt(len, 0);
	ck_assert(mnl_nlmsg_ok(nlh, len));
	ck_assert_int_eq(nlh->nlmsg_len, len);
	ck_assert_uint_eq(nlh->nlmsg_type, XFRM_MSG_NEWSA);
	memcpy(&d->info, mnl_nlmsg_get_payload(nlh), sizeof(d->info));
	ck_assert_int_eq(mnl_attr_parse(nlh, sizeof(d->info), attr_cb, d), MNL_CB_OK);
}

/* The SA the daemon would install for an ESP selection (daemon/kernel.c
 * fill_sa), keys with a recognisable pattern. */
static struct kif_sa sa_for(const struct ike_kernel_algs *ka, uint8_t *ekey, uint8_t *ikey)
{
	struct kif_sa sa;

	memset(&sa, 0, sizeof(sa));
	kif_addr_parse(&sa.id.src, "192.0.2.1");
	kif_addr_parse(&sa.id.dst, "192.0.2.2");
	sa.id.spi = 0xc0010203;
	sa.id.proto = IPPROTO_ESP;
	sa.mode = KIF_MODE_TUNNEL;
	sa.reqid = KIF_REQID_MIN + 1;
	sa.encr = ka->encr->alg;
	sa.encr_key = ekey;
	sa.encr_key_len = ka->encr->keymat;
	for (size_t i = 0; i < sa.encr_key_len; i++)
		ekey[i] = (uint8_t)(i * 3 + 1);
	if (ka->integ) {
		sa.integ = ka->integ->alg;
		sa.integ_key = ikey;
		sa.integ_key_len = ka->integ->keymat;
		for (size_t i = 0; i < sa.integ_key_len; i++)
			ikey[i] = (uint8_t)(i * 7 + 2);
	}
	sa.esn = ka->esn;
	sa.replay_window = 32;
	return sa;
}

/* The message for the selection carries exactly the table's entries. */
static void check_message(const char *str, const struct ike_kernel_algs *ka)
{
	uint8_t buf[4096] __attribute__((aligned(8))), ekey[64], ikey[64];
	struct kif_sa sa = sa_for(ka, ekey, ikey);
	const struct ike_alg_info *e = ka->encr, *i = ka->integ;
	const char *why = "?";
	struct decoded d;
	int len;

	len = kif_sa_encode(&sa, false, buf, sizeof(buf), &why);
	ck_assert_msg(len > 0, "%s: kernel-iface refuses what the proposal accepted: %s", str, why);
	decode(buf, len, &d);
	if (e->flags & IKE_ALG_AEAD) {
		ck_assert_ptr_null(i);
		ck_assert_msg(d.aead && !d.crypt && !d.auth, "%s", str);
		ck_assert_str_eq(d.aead->alg_name, e->kernel);
		ck_assert_uint_eq(d.aead->alg_key_len, e->kernel_key_bits);
		ck_assert_uint_eq(d.aead->alg_icv_len, e->icv_bits);
		ck_assert_mem_eq(d.aead->alg_key, ekey, e->keymat);
	} else {
		ck_assert_ptr_nonnull(i);
		ck_assert_msg(!d.aead && d.crypt && d.auth, "%s", str);
		ck_assert_str_eq(d.crypt->alg_name, e->kernel);
		ck_assert_uint_eq(d.crypt->alg_key_len, e->kernel_key_bits);
		ck_assert_mem_eq(d.crypt->alg_key, ekey, e->keymat);
		ck_assert_str_eq(d.auth->alg_name, i->kernel);
		ck_assert_uint_eq(d.auth->alg_key_len, i->kernel_key_bits);
		ck_assert_uint_eq(d.auth->alg_trunc_len, i->icv_bits);
		ck_assert_mem_eq(d.auth->alg_key, ikey, i->keymat);
	}
	/* ESN: the flag and the bitmap replay state (the legacy field 0) */
	if (ka->esn) {
		ck_assert_msg(d.info.flags & XFRM_STATE_ESN, "%s", str);
		ck_assert_ptr_nonnull(d.esn);
		ck_assert_uint_eq(d.esn->replay_window, 32);
		ck_assert_uint_eq(d.esn->bmp_len, 1);
		ck_assert_uint_eq(d.info.replay_window, 0);
	} else {
		ck_assert_msg(!(d.info.flags & XFRM_STATE_ESN), "%s", str);
		ck_assert_ptr_null(d.esn);
		ck_assert_uint_eq(d.info.replay_window, 32);
	}
	ck_assert_uint_eq(d.info.id.spi, htonl(0xc0010203));
	ck_assert_uint_eq(d.info.id.proto, IPPROTO_ESP);
	ck_assert_uint_eq(d.info.reqid, KIF_REQID_MIN + 1);
	explicit_bzero(buf, sizeof(buf));
}

/* An esp_proposals string that uses keyword and is otherwise valid. */
static void esp_with(const struct ike_alg_info *a, const char *kw, const char *esn, char *buf,
		     size_t len)
{
	switch (a->type) {
	case IKE_TRANS_ENCR:
		snprintf(buf, len, a->flags & IKE_ALG_AEAD ? "%s%s" : "%s-sha256%s", kw, esn);
		break;
	case IKE_TRANS_INTEG:
		snprintf(buf, len, "aes128-%s%s", kw, esn);
		break;
	case IKE_TRANS_ESN:
		snprintf(buf, len, "aes128gcm16-%s", kw);
		break;
	default:
		snprintf(buf, len, "aes128gcm16-%s%s", kw, esn);
		break;
	}
}

START_TEST(test_every_keyword_installs_or_is_refused)
{
	static const char *const esns[] = { "", "-esn", "-noesn" };
	int n_installed = 0, n_refused = 0;

	for (int ai = IKE_ALG_NONE + 1; ai < IKE_ALG_COUNT; ai++) {
		const struct ike_alg_info *a = ike_alg_get(ai);

		for (int k = 0; k < IKE_ALG_MAX_KEYWORDS && a->keywords[k]; k++) {
			for (size_t e = 0; e < 3; e++) {
				struct ike_proposal p[MAXP];
				struct ike_selected sel;
				struct ike_kernel_algs ka;
				char str[128], err[IKE_PROPOSAL_ERR_LEN];
				size_t n = 0;

				esp_with(a, a->keywords[k], esns[e], str, sizeof(str));
				if (ike_proposals_parse(str, IKE_PROTO_ESP, p, MAXP, &n, err,
							sizeof(err))) {
					/* refused: by the table, with a reason */
					ck_assert_msg(!(a->flags & IKE_ALG_ESP) &&
							  strstr(err, "cannot be used in ESP"),
						      "%s refused: %s", str, err);
					n_refused++;
					continue;
				}
				ck_assert_int_eq(
				    ike_proposal_select(p, n, p, n, IKE_SELECT_SKIP_DH, &sel), 0);
				ck_assert_msg(ike_selected_kernel_algs(&sel, &ka) == 0, "%s", str);
				ck_assert_int_eq(ka.esn, a->type == IKE_TRANS_ESN
							     ? a->id == IKE_ESN_YES
							     : e == 1);
				if (a->type == IKE_TRANS_ENCR)
					ck_assert_ptr_eq(ka.encr, a);
				if (a->type == IKE_TRANS_INTEG)
					ck_assert_ptr_eq(ka.integ, a);
				check_message(str, &ka);
				n_installed++;
			}
		}
	}
	/* PRFs are dropped (strongSwan); nothing else is refused today */
	ck_assert_int_gt(n_installed, 200);
	ck_assert_int_eq(n_refused, 0);
}
END_TEST

/* What kernel-iface refuses, and why (kif_sa_encode's *why). */
START_TEST(test_encode_refuses)
{
	const struct ike_kernel_algs gcm = { ike_alg_get(IKE_ALG_AES128_GCM_16), NULL, false };
	const struct ike_kernel_algs cbc = { ike_alg_get(IKE_ALG_AES128_CBC),
					     ike_alg_get(IKE_ALG_AES_XCBC_96), true };
	uint8_t buf[4096] __attribute__((aligned(8))), ekey[64], ikey[64];
	struct kif_sa sa = sa_for(&gcm, ekey, ikey);
	const char *why = NULL;

	ck_assert_int_gt(kif_sa_encode(&sa, false, buf, sizeof(buf), &why), 0);
	ck_assert_ptr_null(why);
	ck_assert_int_eq(kif_sa_encode(&sa, false, buf, 40, &why), -ENOSPC);
	sa.encr_key_len = 16;
	ck_assert_int_eq(kif_sa_encode(&sa, false, buf, sizeof(buf), &why), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "salt or nonce included"));
	sa = sa_for(&gcm, ekey, ikey);
	sa.integ = IKE_ALG_HMAC_SHA1_96;
	ck_assert_int_eq(kif_sa_encode(&sa, false, buf, sizeof(buf), &why), -EINVAL);
	ck_assert_str_eq(why, "an AEAD takes no integrity algorithm");
	sa = sa_for(&cbc, ekey, ikey);
	ck_assert_int_gt(kif_sa_encode(&sa, false, buf, sizeof(buf), &why), 0);
	sa.integ = IKE_ALG_NONE;
	ck_assert_int_eq(kif_sa_encode(&sa, false, buf, sizeof(buf), &why), -EINVAL);
	sa.integ = IKE_ALG_PRF_AES128_XCBC;
	ck_assert_int_eq(kif_sa_encode(&sa, false, buf, sizeof(buf), &why), -EINVAL);
	sa = sa_for(&cbc, ekey, ikey);
	sa.integ_key_len = 20;
	ck_assert_int_eq(kif_sa_encode(&sa, false, buf, sizeof(buf), &why), -EINVAL);
	ck_assert_str_eq(why, "the integrity key does not have the algorithm's length");
	sa = sa_for(&cbc, ekey, ikey);
	sa.replay_window = 0;
	ck_assert_int_eq(kif_sa_encode(&sa, false, buf, sizeof(buf), &why), -EINVAL);
	ck_assert_str_eq(why, "extended sequence numbers need a replay window");
	sa.esn = false;
	ck_assert_int_gt(kif_sa_encode(&sa, true, buf, sizeof(buf), &why), 0);
	ck_assert_uint_eq(((struct nlmsghdr *)buf)->nlmsg_type, XFRM_MSG_UPDSA);
	explicit_bzero(buf, sizeof(buf));
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("kif_algs");
	TCase *tc = tcase_create("encode");

	tcase_add_test(tc, test_every_keyword_installs_or_is_refused);
	tcase_add_test(tc, test_encode_refuses);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
