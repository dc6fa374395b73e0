// SPDX-License-Identifier: GPL-2.0-or-later
/* IKEv2 wire format: round trips, a strongSwan message, malformed input. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ike/wire.h"
#include "tests/unit/unit.h"

/* ---- helpers ---- */

static const struct ike_hdr req_hdr = {
	.spi_i = UINT64_C(0x0102030405060708),
	.spi_r = 0,
	.version = IKE_VERSION,
	.exchange = IKE_SA_INIT,
	.flags = IKE_FLAG_INITIATOR,
	.msg_id = 0,
};

/* An exact-size heap copy, so ASan sees any read past the end. */
static uint8_t *dup_exact(const void *p, size_t n)
{
	uint8_t *d = malloc(n ? n : 1);

	ck_assert_ptr_nonnull(d);
	if (n)
		memcpy(d, p, n);
	return d;
}

/* Decodes a copy and asserts it fails with that notify; returns the error. */
static struct ike_wire_err expect_fail(const void *pkt, size_t len, uint16_t notify)
{
	struct ike_msg m;
	struct ike_wire_err e;
	uint8_t *copy = dup_exact(pkt, len);
	int rc = ike_msg_decode(&m, copy, len, &e);
	char why[160];

	ike_wire_err_format(&e, why, sizeof(why));
	free(copy);
	ck_assert_msg(rc == -EBADMSG, "decoded, expected notify %u", notify);
	ck_assert_msg(e.notify == notify, "notify %u, expected %u: %s", e.notify, notify, why);
	ck_assert_ptr_nonnull(e.reason);
	return e;
}

static void expect_ok(struct ike_msg *m, const void *pkt, size_t len)
{
	struct ike_wire_err e;
	char why[160];
	int rc = ike_msg_decode(m, pkt, len, &e);

	ike_wire_err_format(&e, why, sizeof(why));
	ck_assert_msg(rc == 0, "decode failed: %s", why);
	ck_assert_uint_eq(e.notify, 0);
}

/* A message of one raw payload after the header. */
static void msg1(struct ike_writer *w, const struct ike_hdr *h, uint8_t type, const void *body,
		 size_t len)
{
	struct ike_builder b;

	ike_writer_init(w);
	ike_build_begin(&b, w, h);
	ike_add_raw(&b, type, 0, body, len);
	ck_assert_int_eq(ike_build_end(&b), 0);
}

/* Asserts that a message made of one such payload fails, and how. */
static struct ike_wire_err fail1(uint8_t type, const void *body, size_t len, uint16_t notify)
{
	struct ike_writer w;
	struct ike_wire_err e;

	msg1(&w, &req_hdr, type, body, len);
	e = expect_fail(w.buf, w.len, notify);
	ike_writer_free(&w);
	ck_assert_uint_eq(e.payload, type);
	ck_assert_uint_eq(e.offset, IKE_HDR_LEN);
	return e;
}

static void ok1(uint8_t type, const void *body, size_t len, struct ike_msg *m, struct ike_writer *w)
{
	msg1(w, &req_hdr, type, body, len);
	expect_ok(m, w->buf, w->len);
}

#define ck_assert_slice_eq(s, p, n)                                                                \
	do {                                                                                       \
		ck_assert_uint_eq((s).len, (n));                                                   \
		ck_assert_mem_eq((s).ptr, (p), (n));                                               \
	} while (0)

/* ---- realistic contents ---- */

static const struct ike_proposal ike_props[] = {
	{ .num = 1,
	  .protocol = IKE_PROTO_IKE,
	  .n_transforms = 7,
	  .transforms = {
		  { IKE_TRANS_ENCR, IKE_ENCR_AES_CBC, 128 },
		  { IKE_TRANS_ENCR, IKE_ENCR_AES_CBC, 256 },
		  { IKE_TRANS_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0 },
		  { IKE_TRANS_PRF, IKE_PRF_HMAC_SHA2_256, 0 },
		  { IKE_TRANS_PRF, IKE_PRF_HMAC_SHA2_384, 0 },
		  { IKE_TRANS_DH, IKE_DH_CURVE25519, 0 },
		  { IKE_TRANS_DH, IKE_DH_ECP256, 0 },
	  } },
	{ .num = 2,
	  .protocol = IKE_PROTO_IKE,
	  .n_transforms = 5,
	  .transforms = {
		  { IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 256 },
		  { IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 128 },
		  { IKE_TRANS_ENCR, IKE_ENCR_CHACHA20_POLY1305, 0 },
		  { IKE_TRANS_PRF, IKE_PRF_HMAC_SHA2_512, 0 },
		  { IKE_TRANS_DH, IKE_DH_CURVE25519, 0 },
	  } },
};

static const struct ike_proposal esp_props[] = {
	{ .num = 1,
	  .protocol = IKE_PROTO_ESP,
	  .spi_len = 4,
	  .spi = { 0xc1, 0xc2, 0xc3, 0xc4 },
	  .n_transforms = 4,
	  .transforms = {
		  { IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 256 },
		  { IKE_TRANS_ENCR, IKE_ENCR_AES_GCM_16, 128 },
		  { IKE_TRANS_ESN, IKE_ESN_NO, 0 },
		  { IKE_TRANS_ESN, IKE_ESN_YES, 0 },
	  } },
	{ .num = 2,
	  .protocol = IKE_PROTO_ESP,
	  .spi_len = 4,
	  .spi = { 0xc1, 0xc2, 0xc3, 0xc4 },
	  .n_transforms = 5,
	  .transforms = {
		  { IKE_TRANS_ENCR, IKE_ENCR_AES_CBC, 256 },
		  { IKE_TRANS_INTEG, IKE_INTEG_HMAC_SHA2_256_128, 0 },
		  { IKE_TRANS_INTEG, IKE_INTEG_HMAC_SHA2_512_256, 0 },
		  { IKE_TRANS_DH, IKE_DH_ECP256, 0 },
		  { IKE_TRANS_ESN, IKE_ESN_NO, 0 },
	  } },
	{ .num = 3,
	  .protocol = IKE_PROTO_AH,
	  .spi_len = 4,
	  .spi = { 0xa1, 0xa2, 0xa3, 0xa4 },
	  .n_transforms = 2,
	  .transforms = {
		  { IKE_TRANS_INTEG, IKE_INTEG_HMAC_SHA1_96, 0 },
		  { IKE_TRANS_ESN, IKE_ESN_NO, 0 },
	  } },
};

static void assert_proposals(const struct ike_sa_pl *sa, const struct ike_proposal *want, size_t n)
{
	struct ike_sa_iter it;
	struct ike_proposal p;
	size_t i = 0;

	ck_assert_uint_eq(sa->n_proposals, n);
	ike_sa_iter_init(&it, sa);
	while (ike_sa_iter_next(&it, &p)) {
		ck_assert_uint_lt(i, n);
		ck_assert_uint_eq(p.num, want[i].num);
		ck_assert_uint_eq(p.protocol, want[i].protocol);
		ck_assert_uint_eq(p.spi_len, want[i].spi_len);
		ck_assert_mem_eq(p.spi, want[i].spi, sizeof(p.spi));
		ck_assert_uint_eq(p.n_transforms, want[i].n_transforms);
		for (unsigned int j = 0; j < p.n_transforms; j++) {
			ck_assert_uint_eq(p.transforms[j].type, want[i].transforms[j].type);
			ck_assert_uint_eq(p.transforms[j].id, want[i].transforms[j].id);
			ck_assert_uint_eq(p.transforms[j].key_len, want[i].transforms[j].key_len);
		}
		i++;
	}
	ck_assert_uint_eq(i, n);
	ck_assert(!ike_sa_iter_next(&it, &p));
}

static const uint8_t ke_data[32] = { 0x11, 0x22, 0x33, [31] = 0x44 };
static const uint8_t nonce32[32] = { 0x55, [15] = 0x66, [31] = 0x77 };
static const uint8_t natd_s[20] = { 0xd1, [19] = 0xd2 };
static const uint8_t auth_data[32] = { 0xaa, [31] = 0xab };
static const uint8_t cert_der[] = { 0x30, 0x82, 0x01, 0x0a, 0x02, 0x01, 0x01 };
static const uint8_t ca_hash1[20] = { 0xca, 0x01 };
static const uint8_t ca_hash2[40] = { 0xca, 0x02, [39] = 0xca };
static const uint8_t ipv6_id[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
static const uint8_t del_spis[12] = { 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef, 0xff, 0xff, 0xff, 0xff };
static const uint8_t eap_identity[] = { 0x01, 0x07, 0x00, 0x05, 0x01 };
static const uint8_t cp_ip4[] = { 10, 3, 0, 1 };
static const uint8_t cp_dns[] = { 8, 8, 8, 8 };
static const uint8_t cp_ip6[17] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x05, [16] = 64 };

static const struct ike_ts tsi_set[] = {
	{ .type = IKE_TS_IPV4_ADDR_RANGE,
	  .ip_proto = 0,
	  .start_port = 0,
	  .end_port = 65535,
	  .start_addr = { 10, 1, 0, 0 },
	  .end_addr = { 10, 1, 255, 255 } },
	{ .type = IKE_TS_IPV6_ADDR_RANGE,
	  .ip_proto = 6,
	  .start_port = 443,
	  .end_port = 443,
	  .start_addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 1 },
	  .end_addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [14] = 0xff, [15] = 0xff } },
};

static const struct ike_ts tsr_set[] = {
	{ .type = IKE_TS_IPV4_ADDR_RANGE,
	  .ip_proto = 17,
	  .start_port = 500,
	  .end_port = 4500,
	  .start_addr = { 192, 168, 0, 1 },
	  .end_addr = { 192, 168, 0, 1 } },
	/* ICMP echo request: type 8 code 0 in the ports (RFC 7296 3.13.1) */
	{ .type = IKE_TS_IPV4_ADDR_RANGE,
	  .ip_proto = 1,
	  .start_port = 0x0800,
	  .end_port = 0x08ff,
	  .start_addr = { 0, 0, 0, 0 },
	  .end_addr = { 255, 255, 255, 255 } },
	{ .type = IKE_TS_IPV6_ADDR_RANGE,
	  .ip_proto = 0,
	  .start_port = 0,
	  .end_port = 65535,
	  .start_addr = { 0 },
	  .end_addr = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
			0xff, 0xff, 0xff, 0xff } },
};

static const struct ike_cp_attr cp_attrs[] = {
	{ 1, cp_ip4, sizeof(cp_ip4) }, /* INTERNAL_IP4_ADDRESS */
	{ 3, cp_dns, sizeof(cp_dns) }, /* INTERNAL_IP4_DNS */
	{ 8, cp_ip6, sizeof(cp_ip6) }, /* INTERNAL_IP6_ADDRESS */
	{ 10, NULL, 0 },	       /* INTERNAL_IP6_DNS, asked for with no value */
};

/* Every payload type but SK, several of the repeatable ones. */
static void add_all_payloads(struct ike_builder *b)
{
	static const uint8_t rekey_spi[4] = { 0xc1, 0xc2, 0xc3, 0xc4 };
	static const uint8_t ike_spis[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

	ike_add_sa(b, esp_props, 3);
	ike_add_ke(b, IKE_DH_ECP256, ke_data, sizeof(ke_data));
	ike_add_nonce(b, nonce32, sizeof(nonce32));
	ike_add_id(b, IKE_PL_IDI, IKE_ID_FQDN, "moon.strongswan.org", 19);
	ike_add_cert(b, IKE_PL_CERT, IKE_CERT_X509_SIGNATURE, cert_der, sizeof(cert_der));
	ike_add_cert(b, IKE_PL_CERTREQ, IKE_CERT_X509_SIGNATURE, ca_hash1, sizeof(ca_hash1));
	ike_add_cert(b, IKE_PL_CERTREQ, IKE_CERT_X509_SIGNATURE, ca_hash2, sizeof(ca_hash2));
	ike_add_notify(b, 0, NULL, 0, IKE_N_INITIAL_CONTACT, NULL, 0);
	ike_add_id(b, IKE_PL_IDR, IKE_ID_IPV6_ADDR, ipv6_id, sizeof(ipv6_id));
	ike_add_auth(b, IKE_AUTH_SHARED_KEY_MIC, auth_data, sizeof(auth_data));
	ike_add_notify(b, IKE_PROTO_ESP, rekey_spi, 4, IKE_N_REKEY_SA, NULL, 0);
	ike_add_notify(b, IKE_PROTO_IKE, ike_spis, 8, IKE_N_NAT_DETECTION_SOURCE_IP, natd_s,
		       sizeof(natd_s));
	ike_add_delete(b, IKE_PROTO_ESP, 4, del_spis, 3);
	ike_add_delete(b, IKE_PROTO_IKE, 0, NULL, 0);
	ike_add_vendor(b, "strongSwan", 10);
	ike_add_ts(b, IKE_PL_TSI, tsi_set, 2);
	ike_add_ts(b, IKE_PL_TSR, tsr_set, 3);
	ike_add_cp(b, IKE_CP_REPLY, cp_attrs, 4);
	ike_add_vendor(b, "\x40\x48\xb7\xd5\x6e\xbc\xe8\x85", 8);
	ike_add_eap(b, eap_identity, sizeof(eap_identity));
}

static void assert_ts(const struct ike_ts_pl *pl, const struct ike_ts *want, size_t n)
{
	struct ike_ts got[IKE_MAX_TS];

	ck_assert_uint_eq(pl->n_ts, n);
	ck_assert_uint_eq(ike_ts_decode(pl, got, IKE_MAX_TS), n);
	for (size_t i = 0; i < n; i++) {
		ck_assert_uint_eq(got[i].type, want[i].type);
		ck_assert_uint_eq(got[i].ip_proto, want[i].ip_proto);
		ck_assert_uint_eq(got[i].start_port, want[i].start_port);
		ck_assert_uint_eq(got[i].end_port, want[i].end_port);
		ck_assert_mem_eq(got[i].start_addr, want[i].start_addr, 16);
		ck_assert_mem_eq(got[i].end_addr, want[i].end_addr, 16);
	}
	/* a smaller array takes the first ones */
	ck_assert_uint_eq(ike_ts_decode(pl, got, 1), 1);
	ck_assert_uint_eq(got[0].start_port, want[0].start_port);
}

static void assert_all_payloads(const struct ike_msg *m)
{
	const struct ike_notify *n;
	struct ike_cp_iter it;
	struct ike_slice v;
	uint16_t type;
	size_t i = 0;
	uint32_t all = 0;

	for (uint8_t t = IKE_PL_SA; t <= IKE_PL_EAP; t++) {
		if (t != IKE_PL_SK)
			all |= IKE_PL_BIT(t);
	}
	ck_assert_uint_eq(m->present, all);

	assert_proposals(&m->sa, esp_props, 3);
	ck_assert_uint_eq(m->ke.group, IKE_DH_ECP256);
	ck_assert_slice_eq(m->ke.data, ke_data, sizeof(ke_data));
	ck_assert_slice_eq(m->nonce, nonce32, sizeof(nonce32));
	ck_assert_uint_eq(m->idi.type, IKE_ID_FQDN);
	ck_assert_slice_eq(m->idi.data, "moon.strongswan.org", 19);
	ck_assert_slice_eq(m->idi.body, "\x02\0\0\0moon.strongswan.org", 23);
	ck_assert_uint_eq(m->idr.type, IKE_ID_IPV6_ADDR);
	ck_assert_slice_eq(m->idr.data, ipv6_id, 16);
	ck_assert_uint_eq(m->n_cert, 1);
	ck_assert_uint_eq(m->cert[0].encoding, IKE_CERT_X509_SIGNATURE);
	ck_assert_slice_eq(m->cert[0].data, cert_der, sizeof(cert_der));
	ck_assert_uint_eq(m->n_certreq, 2);
	ck_assert_slice_eq(m->certreq[0].data, ca_hash1, sizeof(ca_hash1));
	ck_assert_slice_eq(m->certreq[1].data, ca_hash2, sizeof(ca_hash2));
	ck_assert_uint_eq(m->auth.method, IKE_AUTH_SHARED_KEY_MIC);
	ck_assert_slice_eq(m->auth.data, auth_data, sizeof(auth_data));

	ck_assert_uint_eq(m->n_notify, 3);
	ck_assert_uint_eq(m->notify[0].type, IKE_N_INITIAL_CONTACT);
	ck_assert_uint_eq(m->notify[0].spi.len, 0);
	ck_assert_uint_eq(m->notify[0].data.len, 0);
	n = ike_msg_notify(m, IKE_N_REKEY_SA);
	ck_assert_ptr_eq(n, &m->notify[1]);
	ck_assert_uint_eq(n->protocol, IKE_PROTO_ESP);
	ck_assert_slice_eq(n->spi, "\xc1\xc2\xc3\xc4", 4);
	n = ike_msg_notify(m, IKE_N_NAT_DETECTION_SOURCE_IP);
	ck_assert_ptr_nonnull(n);
	ck_assert_slice_eq(n->spi, "\1\2\3\4\5\6\7\x08", 8);
	ck_assert_slice_eq(n->data, natd_s, sizeof(natd_s));
	ck_assert_ptr_null(ike_msg_notify(m, IKE_N_COOKIE));

	ck_assert_uint_eq(m->n_delete, 2);
	ck_assert_uint_eq(m->del[0].protocol, IKE_PROTO_ESP);
	ck_assert_uint_eq(m->del[0].n_spi, 3);
	ck_assert_uint_eq(ike_delete_spi32(&m->del[0], 0), 1);
	ck_assert_uint_eq(ike_delete_spi32(&m->del[0], 1), 0xdeadbeef);
	ck_assert_uint_eq(ike_delete_spi32(&m->del[0], 2), 0xffffffff);
	ck_assert_uint_eq(ike_delete_spi32(&m->del[0], 3), 0);
	ck_assert_uint_eq(m->del[1].protocol, IKE_PROTO_IKE);
	ck_assert_uint_eq(m->del[1].n_spi, 0);

	ck_assert_uint_eq(m->n_vendor, 2);
	ck_assert_slice_eq(m->vendor[0], "strongSwan", 10);
	ck_assert_slice_eq(m->vendor[1], "\x40\x48\xb7\xd5\x6e\xbc\xe8\x85", 8);

	assert_ts(&m->tsi, tsi_set, 2);
	assert_ts(&m->tsr, tsr_set, 3);

	ck_assert_uint_eq(m->cp.type, IKE_CP_REPLY);
	ck_assert_uint_eq(m->cp.n_attrs, 4);
	ike_cp_iter_init(&it, &m->cp);
	while (ike_cp_iter_next(&it, &type, &v)) {
		ck_assert_uint_lt(i, 4);
		ck_assert_uint_eq(type, cp_attrs[i].type);
		ck_assert_uint_eq(v.len, cp_attrs[i].len);
		if (v.len)
			ck_assert_mem_eq(v.ptr, cp_attrs[i].value, v.len);
		i++;
	}
	ck_assert_uint_eq(i, 4);
	ck_assert_slice_eq(m->eap, eap_identity, sizeof(eap_identity));
}

static void build_all(struct ike_writer *w)
{
	struct ike_builder b;
	struct ike_hdr h = req_hdr;

	h.exchange = IKE_CREATE_CHILD_SA;
	h.msg_id = 7;
	ike_writer_init(w);
	ike_build_begin(&b, w, &h);
	add_all_payloads(&b);
	ck_assert_int_eq(ike_build_end(&b), 0);
}

/* IKE_SA_INIT request as conduit would send it. */
static void build_sa_init(struct ike_writer *w)
{
	struct ike_builder b;

	ike_writer_init(w);
	ike_build_begin(&b, w, &req_hdr);
	ike_add_sa(&b, ike_props, 2);
	ike_add_ke(&b, IKE_DH_CURVE25519, ke_data, sizeof(ke_data));
	ike_add_nonce(&b, nonce32, sizeof(nonce32));
	ike_add_notify(&b, 0, NULL, 0, IKE_N_NAT_DETECTION_SOURCE_IP, natd_s, sizeof(natd_s));
	ike_add_notify(&b, 0, NULL, 0, IKE_N_NAT_DETECTION_DESTINATION_IP, natd_s, sizeof(natd_s));
	ike_add_notify(&b, 0, NULL, 0, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
	ike_add_vendor(&b, "conduit", 7);
	ck_assert_int_eq(ike_build_end(&b), 0);
}

/* ---- round trips ---- */

START_TEST(test_sa_init_roundtrip)
{
	struct ike_writer w;
	struct ike_msg m;
	struct ike_reader r;

	build_sa_init(&w);
	/* the builder chained the header to SA and wrote the length */
	r = ike_reader_from_slice(ike_writer_slice(&w));
	ike_skip(&r, 16);
	ck_assert_uint_eq(ike_get_u8(&r), IKE_PL_SA);
	ike_skip(&r, 7);
	ck_assert_uint_eq(ike_get_u32(&r), w.len);

	expect_ok(&m, w.buf, w.len);
	ck_assert_uint_eq(m.hdr.spi_i, req_hdr.spi_i);
	ck_assert_uint_eq(m.hdr.spi_r, 0);
	ck_assert_uint_eq(m.hdr.next_payload, IKE_PL_SA);
	ck_assert_uint_eq(m.hdr.version, IKE_VERSION);
	ck_assert_uint_eq(m.hdr.exchange, IKE_SA_INIT);
	ck_assert_uint_eq(m.hdr.flags, IKE_FLAG_INITIATOR);
	ck_assert_uint_eq(m.hdr.msg_id, 0);
	ck_assert_uint_eq(m.hdr.length, w.len);
	ck_assert_uint_eq(m.present, IKE_PL_BIT(IKE_PL_SA) | IKE_PL_BIT(IKE_PL_KE) |
					 IKE_PL_BIT(IKE_PL_NONCE) | IKE_PL_BIT(IKE_PL_NOTIFY) |
					 IKE_PL_BIT(IKE_PL_VENDOR));
	ck_assert_uint_eq(m.encrypted, 0);
	assert_proposals(&m.sa, ike_props, 2);
	ck_assert_uint_eq(m.ke.group, IKE_DH_CURVE25519);
	ck_assert_slice_eq(m.ke.data, ke_data, 32);
	/* zero-copy: the slice points into the packet */
	ck_assert(m.ke.data.ptr > w.buf && m.ke.data.ptr < w.buf + w.len);
	ck_assert_slice_eq(m.nonce, nonce32, 32);
	ck_assert_uint_eq(m.n_notify, 3);
	ck_assert_uint_eq(m.notify[0].type, IKE_N_NAT_DETECTION_SOURCE_IP);
	ck_assert_uint_eq(m.notify[1].type, IKE_N_NAT_DETECTION_DESTINATION_IP);
	ck_assert_slice_eq(m.notify[1].data, natd_s, 20);
	ck_assert_uint_eq(m.notify[2].type, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED);
	ck_assert_uint_eq(m.notify[2].data.len, 0);
	ck_assert_uint_eq(m.n_vendor, 1);
	ck_assert_slice_eq(m.vendor[0], "conduit", 7);
	ike_writer_free(&w);
}
END_TEST

START_TEST(test_all_payloads_roundtrip)
{
	struct ike_writer w;
	struct ike_msg m;

	build_all(&w);
	expect_ok(&m, w.buf, w.len);
	ck_assert_uint_eq(m.hdr.exchange, IKE_CREATE_CHILD_SA);
	ck_assert_uint_eq(m.hdr.msg_id, 7);
	assert_all_payloads(&m);
	ike_writer_free(&w);
}
END_TEST

/* The SK layout, then the inner chain decoded into the same ike_msg. */
START_TEST(test_sk_roundtrip)
{
	struct ike_writer inner, outer;
	struct ike_builder b;
	struct ike_sk_layout lay;
	struct ike_msg m;
	struct ike_wire_err e;
	struct ike_reader r;
	struct ike_hdr h = req_hdr;
	uint8_t first = 0, *ct;
	size_t plain_len;

	ike_writer_init(&inner);
	inner.wipe = true;
	ike_build_begin_inner(&b, &inner);
	add_all_payloads(&b);
	ck_assert_int_eq(ike_build_end_inner(&b, &first), 0);
	ck_assert_uint_eq(first, IKE_PL_SA);
	plain_len = inner.len;

	h.exchange = IKE_AUTH;
	h.msg_id = 1;
	ike_writer_init(&outer);
	ike_put_zeros(&outer, 4); /* something before the message: offsets must count it */
	ike_build_begin(&b, &outer, &h);
	ike_add_notify(&b, 0, NULL, 0, IKE_N_COOKIE, "cookie", 6);
	ike_add_sk(&b, first, 16, plain_len, 16, &lay);
	ike_add_vendor(&b, "late", 4); /* nothing may follow SK */
	ck_assert_int_eq(ike_writer_error(&outer), -EINVAL);
	ike_writer_free(&outer);

	ike_writer_init(&outer);
	ike_put_zeros(&outer, 4);
	ike_build_begin(&b, &outer, &h);
	ike_add_notify(&b, 0, NULL, 0, IKE_N_COOKIE, "cookie", 6);
	ike_add_sk(&b, first, 16, plain_len, 16, &lay);
	ck_assert_int_eq(ike_build_end(&b), 0);
	ck_assert_uint_eq(lay.msg_off, 4);
	ck_assert_uint_eq(lay.sk_off, 4 + 28 + 14);
	ck_assert_uint_eq(lay.iv_off, lay.sk_off + 4);
	ck_assert_uint_eq(lay.ct_off, lay.iv_off + 16);
	ck_assert_uint_eq(lay.icv_off, lay.ct_off + plain_len);
	ck_assert_uint_eq(lay.end, lay.icv_off + 16);
	ck_assert_uint_eq(lay.end, outer.len);
	/* "encrypt" with the identity cipher */
	ct = ike_writer_span(&outer, lay.ct_off, plain_len);
	ck_assert_ptr_nonnull(ct);
	memcpy(ct, inner.buf, plain_len);
	ck_assert_ptr_null(ike_writer_span(&outer, lay.ct_off, outer.len));

	/* SK generic header: next payload is the first inner type */
	r = ike_reader_from_slice(ike_writer_slice(&outer));
	ike_skip(&r, lay.sk_off);
	ck_assert_uint_eq(ike_get_u8(&r), IKE_PL_SA);
	ike_skip(&r, 1);
	ck_assert_uint_eq(ike_get_u16(&r), lay.end - lay.sk_off);

	expect_ok(&m, outer.buf + 4, outer.len - 4);
	ck_assert_uint_eq(m.present, IKE_PL_BIT(IKE_PL_NOTIFY) | IKE_PL_BIT(IKE_PL_SK));
	ck_assert_uint_eq(m.sk.first_payload, IKE_PL_SA);
	/* AEAD associated data: header through the SK generic header */
	ck_assert_uint_eq(m.sk.body_off, lay.iv_off - lay.msg_off);
	ck_assert_uint_eq(m.sk.body.len, 16 + plain_len + 16);
	ck_assert_ptr_eq(m.sk.body.ptr, outer.buf + lay.iv_off);

	ck_assert_int_eq(
	    ike_msg_decode_inner(&m, m.sk.body.ptr + 16, plain_len, m.sk.first_payload, &e), 0);
	ck_assert_uint_eq(m.n_notify, 4); /* the outer COOKIE, then the inner three */
	ck_assert_uint_eq(m.notify[0].type, IKE_N_COOKIE);
	/* assert_all_payloads counts notifies from 0: check the rest by hand */
	ck_assert_uint_eq(m.notify[1].type, IKE_N_INITIAL_CONTACT);
	ck_assert_uint_eq(m.encrypted & IKE_PL_BIT(IKE_PL_NOTIFY), IKE_PL_BIT(IKE_PL_NOTIFY));
	ck_assert_uint_eq(m.encrypted & IKE_PL_BIT(IKE_PL_SK), 0);
	ck_assert(m.encrypted & IKE_PL_BIT(IKE_PL_AUTH));
	assert_proposals(&m.sa, esp_props, 3);
	assert_ts(&m.tsr, tsr_set, 3);
	ck_assert_slice_eq(m.eap, eap_identity, sizeof(eap_identity));

	/* a second decode of the same plaintext duplicates every singleton */
	ck_assert_int_eq(
	    ike_msg_decode_inner(&m, m.sk.body.ptr + 16, plain_len, m.sk.first_payload, &e),
	    -EBADMSG);
	ck_assert_uint_eq(e.notify, IKE_N_INVALID_SYNTAX);
	ck_assert_uint_eq(e.payload, IKE_PL_SA);
	ck_assert(e.inner);

	ike_writer_free(&outer);
	ike_writer_free(&inner);
}
END_TEST

START_TEST(test_inner_empty_and_sk_in_sk)
{
	struct ike_msg m;
	struct ike_wire_err e;
	struct ike_writer w;
	struct ike_builder b;
	uint8_t first;

	memset(&m, 0, sizeof(m));
	/* an empty INFORMATIONAL (liveness check) has no inner payloads */
	ck_assert_int_eq(ike_msg_decode_inner(&m, "", 0, IKE_PL_NONE, &e), 0);
	ck_assert_int_eq(ike_msg_decode_inner(&m, "x", 1, IKE_PL_NONE, &e), -EBADMSG);
	ck_assert_str_eq(e.reason, "octets after the last payload");

	ike_writer_init(&w);
	ike_build_begin_inner(&b, &w);
	ike_add_raw(&b, IKE_PL_SK, 0, "abcd", 4);
	ck_assert_int_eq(ike_build_end_inner(&b, &first), 0);
	ck_assert_int_eq(ike_msg_decode_inner(&m, w.buf, w.len, first, &e), -EBADMSG);
	ck_assert_str_eq(e.reason, "SK inside SK");
	ike_writer_free(&w);

	/* SK can only be added to an outer message */
	ike_writer_init(&w);
	ike_build_begin_inner(&b, &w);
	{
		struct ike_sk_layout lay;

		ike_add_sk(&b, IKE_PL_NONE, 16, 16, 16, &lay);
	}
	ck_assert_int_eq(ike_writer_error(&w), -EINVAL);
	ike_writer_free(&w);
}
END_TEST

/* ---- Encrypted Fragment payload (RFC 7383 2.5) ---- */

/* A message of an optional payload then one SKF with these fields. */
static void msg_skf(struct ike_writer *w, bool nonce_first, uint16_t number, uint16_t total)
{
	struct ike_hdr h = req_hdr;
	struct ike_builder b;
	struct ike_sk_layout lay;

	h.exchange = IKE_AUTH;
	h.msg_id = 1;
	ike_writer_init(w);
	ike_build_begin(&b, w, &h);
	if (nonce_first)
		ike_add_nonce(&b, nonce32, 32);
	/* the builder refuses bad numbers: write good ones, patch later */
	ike_add_skf(&b, IKE_PL_IDI, 1, 1, 8, 20, 16, &lay);
	ck_assert_int_eq(ike_build_end(&b), 0);
	ike_patch_u16(w, lay.sk_off + 4, number);
	ike_patch_u16(w, lay.sk_off + 6, total);
	ck_assert_uint_eq(lay.iv_off, lay.sk_off + 8);
	ck_assert_uint_eq(lay.end, w->len);
}

START_TEST(test_skf)
{
	struct ike_writer w;
	struct ike_builder b;
	struct ike_sk_layout lay;
	struct ike_hdr h = req_hdr;
	struct ike_msg m;
	struct ike_wire_err e;
	uint8_t first;

	/* decoded like SK: fields, first inner type, body after the fields */
	msg_skf(&w, false, 3, 5);
	expect_ok(&m, w.buf, w.len);
	ck_assert_uint_eq(m.present, IKE_PL_BIT(IKE_PL_SKF));
	ck_assert_uint_eq(m.skf.number, 3);
	ck_assert_uint_eq(m.skf.total, 5);
	ck_assert_uint_eq(m.skf.first_payload, IKE_PL_IDI);
	/* the fragment fields are associated data: the IV starts after them */
	ck_assert_uint_eq(m.skf.body_off, 28 + 4 + 4);
	ck_assert_uint_eq(m.skf.body.len, 8 + 20 + 16);
	ck_assert_ptr_eq(m.skf.body.ptr, w.buf + 36);
	ike_writer_free(&w);
	msg_skf(&w, false, 1, 1);
	expect_ok(&m, w.buf, w.len);
	ike_writer_free(&w);

	/* 1 <= number <= total */
	msg_skf(&w, false, 0, 5);
	e = expect_fail(w.buf, w.len, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "Fragment Number not within 1..Total Fragments");
	ck_assert_uint_eq(e.payload, IKE_PL_SKF);
	ike_writer_free(&w);
	msg_skf(&w, false, 6, 5);
	e = expect_fail(w.buf, w.len, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "Fragment Number not within 1..Total Fragments");
	ck_assert_uint_eq(e.value, 6);
	ike_writer_free(&w);
	msg_skf(&w, false, 0, 0);
	e = expect_fail(w.buf, w.len, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "Total Fragments is 0");
	ike_writer_free(&w);

	/* shorter than its fragment fields */
	e = fail1(IKE_PL_SKF, "\0\1\0", 3, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "shorter than its fragment fields");

	/* last: a payload after it */
	h.exchange = IKE_AUTH;
	ike_writer_init(&w);
	ike_build_begin(&b, &w, &h);
	ike_add_raw(&b, IKE_PL_SKF, 0, "\0\1\0\1abcd", 8);
	ike_add_nonce(&b, nonce32, 32);
	ck_assert_int_eq(ike_build_end(&b), 0);
	e = expect_fail(w.buf, w.len, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "not the last payload, octets after it");
	ike_writer_free(&w);

	/* beside SK: SK then SKF, SKF then SK */
	ike_writer_init(&w);
	ike_build_begin(&b, &w, &h);
	ike_add_raw(&b, IKE_PL_SK, 0, "abcd", 4);
	ike_add_raw(&b, IKE_PL_SKF, 0, "\0\1\0\1abcd", 8);
	ck_assert_int_eq(ike_build_end(&b), 0);
	e = expect_fail(w.buf, w.len, IKE_N_INVALID_SYNTAX);
	ck_assert_uint_eq(e.payload, IKE_PL_SK);
	ike_writer_free(&w);
	ike_writer_init(&w);
	ike_build_begin(&b, &w, &h);
	ike_add_raw(&b, IKE_PL_SKF, 0, "\0\1\0\1abcd", 8);
	ike_add_raw(&b, IKE_PL_SK, 0, "abcd", 4);
	ck_assert_int_eq(ike_build_end(&b), 0);
	e = expect_fail(w.buf, w.len, IKE_N_INVALID_SYNTAX);
	ck_assert_uint_eq(e.payload, IKE_PL_SKF);
	ike_writer_free(&w);

	/* other payloads before it decode (the engine refuses them) */
	msg_skf(&w, true, 1, 2);
	expect_ok(&m, w.buf, w.len);
	ck_assert_uint_eq(m.present, IKE_PL_BIT(IKE_PL_SKF) | IKE_PL_BIT(IKE_PL_NONCE));
	ike_writer_free(&w);

	/* never inside SK */
	memset(&m, 0, sizeof(m));
	ike_writer_init(&w);
	ike_build_begin_inner(&b, &w);
	ike_add_raw(&b, IKE_PL_SKF, 0, "\0\1\0\1abcd", 8);
	ck_assert_int_eq(ike_build_end_inner(&b, &first), 0);
	ck_assert_int_eq(ike_msg_decode_inner(&m, w.buf, w.len, first, &e), -EBADMSG);
	ck_assert_str_eq(e.reason, "SKF inside SK");
	ike_writer_free(&w);

	/* the builder: numbers in range, no first type after fragment 1 */
	ike_writer_init(&w);
	ike_build_begin(&b, &w, &h);
	ike_add_skf(&b, IKE_PL_NONE, 3, 2, 8, 16, 16, &lay);
	ck_assert_int_eq(ike_writer_error(&w), -EINVAL);
	ike_writer_free(&w);
	ike_writer_init(&w);
	ike_build_begin(&b, &w, &h);
	ike_add_skf(&b, IKE_PL_IDI, 2, 2, 8, 16, 16, &lay);
	ck_assert_int_eq(ike_writer_error(&w), -EINVAL);
	ike_writer_free(&w);
	ike_writer_init(&w);
	ike_build_begin(&b, &w, &h);
	ike_add_skf(&b, IKE_PL_NONE, 2, 2, 8, 16, 16, &lay);
	ck_assert_int_eq(ike_build_end(&b), 0);
	expect_ok(&m, w.buf, w.len);
	ck_assert_uint_eq(m.skf.first_payload, IKE_PL_NONE);
	ck_assert_uint_eq(m.skf.number, 2);
	ike_writer_free(&w);
}
END_TEST

/*
 * An IKE_SA_INIT request as strongSwan 5.9 sends it with
 * proposals = aes256gcm16-prfsha256-x25519,aes128-sha256-prfsha256-modp2048
 * ("[ SA KE No N(NATD_S_IP) N(NATD_D_IP) N(FRAG_SUP) N(HASH_ALG)
 * N(REDIR_SUP) ]"), written out field by field after RFC 7296 section 3.
 */
/* clang-format off */
static const uint8_t strongswan_sa_init[] = {
	/* IKE header */
	0xa3, 0x6f, 0x1c, 0x2b, 0x9d, 0x84, 0xe5, 0x07, /* SPIi */
	0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, /* SPIr */
	0x21, 0x20, 0x22, 0x08, /* next SA, v2.0, IKE_SA_INIT, Initiator */
	0x00, 0x00, 0x00, 0x00, /* message ID 0 */
	0x00, 0x00, 0x01, 0x14, /* length 276 */
	/* 28: SA, next KE, length 84 */
	0x22, 0x00, 0x00, 0x54,
	/* 32: proposal 1 (more follow), length 36, IKE, no SPI, 3 transforms */
	0x02, 0x00, 0x00, 0x24, 0x01, 0x01, 0x00, 0x03,
	/* 40: ENCR AES_GCM_16, Key Length 256 */
	0x03, 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x14, 0x80, 0x0e, 0x01, 0x00,
	/* 52: PRF HMAC_SHA2_256 */
	0x03, 0x00, 0x00, 0x08, 0x02, 0x00, 0x00, 0x05,
	/* 60: DH Curve25519 (last) */
	0x00, 0x00, 0x00, 0x08, 0x04, 0x00, 0x00, 0x1f,
	/* 68: proposal 2 (last), length 44, IKE, no SPI, 4 transforms */
	0x00, 0x00, 0x00, 0x2c, 0x02, 0x01, 0x00, 0x04,
	/* 76: ENCR AES_CBC, Key Length 128 */
	0x03, 0x00, 0x00, 0x0c, 0x01, 0x00, 0x00, 0x0c, 0x80, 0x0e, 0x00, 0x80,
	/* 88: INTEG HMAC_SHA2_256_128 */
	0x03, 0x00, 0x00, 0x08, 0x03, 0x00, 0x00, 0x0c,
	/* 96: PRF HMAC_SHA2_256 */
	0x03, 0x00, 0x00, 0x08, 0x02, 0x00, 0x00, 0x05,
	/* 104: DH MODP2048 (last) */
	0x00, 0x00, 0x00, 0x08, 0x04, 0x00, 0x00, 0x0e,
	/* 112: KE, next Nonce, length 40, group 31 */
	0x28, 0x00, 0x00, 0x28, 0x00, 0x1f, 0x00, 0x00,
	0x4e, 0x1b, 0x73, 0x0a, 0x92, 0xc5, 0x3d, 0x08, 0x61, 0xf7, 0xa2, 0x5c, 0x19, 0x0e, 0x44, 0xb3,
	0xd6, 0x28, 0x75, 0xe1, 0x0c, 0x9a, 0x37, 0x5f, 0x82, 0x6d, 0xbe, 0x14, 0xf0, 0x23, 0x69, 0xc7,
	/* 152: Nonce, next N, length 36 */
	0x29, 0x00, 0x00, 0x24,
	0x8b, 0x41, 0xe2, 0x0f, 0x57, 0x9c, 0x36, 0xda, 0x10, 0x7e, 0xc3, 0x95, 0x2a, 0x68, 0xf1, 0x04,
	0xbd, 0x53, 0x0e, 0x97, 0x6a, 0x21, 0xfc, 0x48, 0x85, 0x3b, 0xd0, 0x6f, 0x12, 0xa9, 0x74, 0xe6,
	/* 188: N(NAT_DETECTION_SOURCE_IP), length 28, SHA-1 hash */
	0x29, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x40, 0x04,
	0x5f, 0x13, 0xc8, 0x02, 0x9e, 0x44, 0xab, 0x70, 0x3d, 0xe6, 0x21, 0x8f, 0xb0, 0x57, 0x0a, 0xc4,
	0x99, 0x2d, 0x6e, 0x31,
	/* 216: N(NAT_DETECTION_DESTINATION_IP), length 28 */
	0x29, 0x00, 0x00, 0x1c, 0x00, 0x00, 0x40, 0x05,
	0x07, 0xa8, 0x64, 0xdf, 0x3b, 0x91, 0x20, 0xce, 0x5a, 0x16, 0xf4, 0x8d, 0x63, 0xb2, 0x0e, 0x79,
	0xc5, 0x48, 0x1f, 0xa0,
	/* 244: N(IKEV2_FRAGMENTATION_SUPPORTED), length 8 */
	0x29, 0x00, 0x00, 0x08, 0x00, 0x00, 0x40, 0x2e,
	/* 252: N(SIGNATURE_HASH_ALGORITHMS): SHA2-256, -384, -512, Identity */
	0x29, 0x00, 0x00, 0x10, 0x00, 0x00, 0x40, 0x2f, 0x00, 0x02, 0x00, 0x03, 0x00, 0x04, 0x00, 0x05,
	/* 268: N(REDIRECT_SUPPORTED), length 8, last payload */
	0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x40, 0x16,
};
/* clang-format on */

START_TEST(test_strongswan_sa_init)
{
	struct ike_msg m;
	struct ike_sa_iter it;
	struct ike_proposal p;
	const struct ike_notify *n;

	ck_assert_uint_eq(sizeof(strongswan_sa_init), 276);
	expect_ok(&m, strongswan_sa_init, sizeof(strongswan_sa_init));
	ck_assert_uint_eq(m.hdr.spi_i, UINT64_C(0xa36f1c2b9d84e507));
	ck_assert_uint_eq(m.hdr.spi_r, 0);
	ck_assert_uint_eq(m.hdr.exchange, IKE_SA_INIT);
	ck_assert_uint_eq(m.hdr.flags, IKE_FLAG_INITIATOR);
	ck_assert_uint_eq(m.hdr.length, 276);

	ck_assert_uint_eq(m.sa.n_proposals, 2);
	ike_sa_iter_init(&it, &m.sa);
	ck_assert(ike_sa_iter_next(&it, &p));
	ck_assert_uint_eq(p.num, 1);
	ck_assert_uint_eq(p.protocol, IKE_PROTO_IKE);
	ck_assert_uint_eq(p.spi_len, 0);
	ck_assert_uint_eq(p.n_transforms, 3);
	ck_assert_uint_eq(p.transforms[0].type, IKE_TRANS_ENCR);
	ck_assert_uint_eq(p.transforms[0].id, IKE_ENCR_AES_GCM_16);
	ck_assert_uint_eq(p.transforms[0].key_len, 256);
	ck_assert_uint_eq(p.transforms[1].type, IKE_TRANS_PRF);
	ck_assert_uint_eq(p.transforms[1].id, IKE_PRF_HMAC_SHA2_256);
	ck_assert_uint_eq(p.transforms[1].key_len, 0);
	ck_assert_uint_eq(p.transforms[2].type, IKE_TRANS_DH);
	ck_assert_uint_eq(p.transforms[2].id, IKE_DH_CURVE25519);
	ck_assert(ike_sa_iter_next(&it, &p));
	ck_assert_uint_eq(p.num, 2);
	ck_assert_uint_eq(p.n_transforms, 4);
	ck_assert_uint_eq(p.transforms[0].id, IKE_ENCR_AES_CBC);
	ck_assert_uint_eq(p.transforms[0].key_len, 128);
	ck_assert_uint_eq(p.transforms[1].type, IKE_TRANS_INTEG);
	ck_assert_uint_eq(p.transforms[1].id, IKE_INTEG_HMAC_SHA2_256_128);
	ck_assert_uint_eq(p.transforms[3].type, IKE_TRANS_DH);
	ck_assert_uint_eq(p.transforms[3].id, IKE_DH_MODP2048);
	ck_assert(!ike_sa_iter_next(&it, &p));

	ck_assert_uint_eq(m.ke.group, IKE_DH_CURVE25519);
	ck_assert_uint_eq(m.ke.data.len, 32);
	ck_assert_ptr_eq(m.ke.data.ptr, &strongswan_sa_init[120]);
	ck_assert_uint_eq(m.nonce.len, 32);
	ck_assert_ptr_eq(m.nonce.ptr, &strongswan_sa_init[156]);
	ck_assert_uint_eq(m.n_notify, 5);
	ck_assert_uint_eq(m.notify[0].type, IKE_N_NAT_DETECTION_SOURCE_IP);
	ck_assert_uint_eq(m.notify[0].data.len, 20);
	ck_assert_ptr_eq(m.notify[0].data.ptr, &strongswan_sa_init[196]);
	ck_assert_uint_eq(m.notify[1].type, IKE_N_NAT_DETECTION_DESTINATION_IP);
	ck_assert_uint_eq(m.notify[2].type, IKE_N_IKEV2_FRAGMENTATION_SUPPORTED);
	n = ike_msg_notify(&m, IKE_N_SIGNATURE_HASH_ALGORITHMS);
	ck_assert_ptr_nonnull(n);
	ck_assert_slice_eq(n->data, "\0\2\0\3\0\4\0\5", 8);
	ck_assert_uint_eq(m.notify[4].type, 16406); /* REDIRECT_SUPPORTED, RFC 5685 */
	ck_assert_uint_eq(m.n_vendor, 0);
}
END_TEST

/* ---- critical bit ---- */

START_TEST(test_critical_bit)
{
	struct ike_writer w;
	struct ike_builder b;
	struct ike_msg m;
	struct ike_wire_err e;
	char txt[128];

	/* not critical: skipped, and the payloads around it still decode */
	ike_writer_init(&w);
	ike_build_begin(&b, &w, &req_hdr);
	ike_add_nonce(&b, nonce32, 32);
	ike_add_raw(&b, 60, 0, "unknown", 7);
	ike_add_raw(&b, 49, 0, "frag", 4);
	ike_add_vendor(&b, "after", 5);
	ck_assert_int_eq(ike_build_end(&b), 0);
	expect_ok(&m, w.buf, w.len);
	ck_assert_uint_eq(m.present, IKE_PL_BIT(IKE_PL_NONCE) | IKE_PL_BIT(IKE_PL_VENDOR));
	ck_assert_slice_eq(m.vendor[0], "after", 5);
	ike_writer_free(&w);

	/* critical: refused, naming the payload type for the notify's data */
	ike_writer_init(&w);
	ike_build_begin(&b, &w, &req_hdr);
	ike_add_nonce(&b, nonce32, 32);
	ike_add_raw(&b, 60, IKE_PAYLOAD_CRITICAL, "unknown", 7);
	ike_add_vendor(&b, "after", 5);
	ck_assert_int_eq(ike_build_end(&b), 0);
	e = expect_fail(w.buf, w.len, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD);
	ck_assert_uint_eq(e.payload, 60);
	ck_assert_uint_eq(e.offset, 28 + 36);
	ike_wire_err_format(&e, txt, sizeof(txt));
	ck_assert_str_eq(txt, "payload type 60 at 64: unsupported critical payload");
	ike_writer_free(&w);

	/* the bit on a payload we know is ignored (RFC 7296 3.2) */
	ike_writer_init(&w);
	ike_build_begin(&b, &w, &req_hdr);
	ike_add_raw(&b, IKE_PL_NONCE, IKE_PAYLOAD_CRITICAL | 0x7f, nonce32, 32);
	ck_assert_int_eq(ike_build_end(&b), 0);
	expect_ok(&m, w.buf, w.len);
	ck_assert_slice_eq(m.nonce, nonce32, 32);
	ike_writer_free(&w);

	/* inside SK too */
	ike_writer_init(&w);
	ike_build_begin_inner(&b, &w);
	ike_add_raw(&b, 200, IKE_PAYLOAD_CRITICAL, NULL, 0);
	{
		uint8_t first;

		ck_assert_int_eq(ike_build_end_inner(&b, &first), 0);
		memset(&m, 0, sizeof(m));
		ck_assert_int_eq(ike_msg_decode_inner(&m, w.buf, w.len, first, &e), -EBADMSG);
	}
	ck_assert_uint_eq(e.notify, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD);
	ck_assert_uint_eq(e.payload, 200);
	ck_assert(e.inner);
	ike_writer_free(&w);
}
END_TEST

/* ---- header ---- */

START_TEST(test_header_checks)
{
	uint8_t pkt[sizeof(strongswan_sa_init)];
	struct ike_wire_err e;
	struct ike_hdr h;
	struct ike_msg m;

	memcpy(pkt, strongswan_sa_init, sizeof(pkt));
	e = expect_fail(pkt, 27, IKE_N_INVALID_SYNTAX);
	ck_assert_uint_eq(e.payload, IKE_PL_NONE);
	ck_assert_uint_eq(e.value, 27);
	expect_fail(pkt, 0, IKE_N_INVALID_SYNTAX);

	/* wrong major version: reported distinctly, header still filled in */
	pkt[17] = 0x30;
	ck_assert_int_eq(ike_hdr_decode(&h, pkt, sizeof(pkt), &e), -EBADMSG);
	ck_assert_uint_eq(e.notify, IKE_N_INVALID_MAJOR_VERSION);
	ck_assert_uint_eq(e.value, 3);
	ck_assert_uint_eq(h.spi_i, UINT64_C(0xa36f1c2b9d84e507));
	ck_assert_uint_eq(h.exchange, IKE_SA_INIT);
	expect_fail(pkt, sizeof(pkt), IKE_N_INVALID_MAJOR_VERSION);
	/* even when the rest would not parse either */
	expect_fail(pkt, 40, IKE_N_INVALID_MAJOR_VERSION);
	pkt[17] = 0x10;
	expect_fail(pkt, sizeof(pkt), IKE_N_INVALID_MAJOR_VERSION);
	/* a higher minor version is accepted (RFC 7296 2.5) */
	pkt[17] = 0x21;
	expect_ok(&m, pkt, sizeof(pkt));
	ck_assert_uint_eq(m.hdr.version, 0x21);
	pkt[17] = 0x20;

	/* length field must equal the datagram */
	pkt[27] = 0x15;
	e = expect_fail(pkt, sizeof(pkt), IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "length field longer than the datagram");
	ck_assert_uint_eq(e.value, 277);
	pkt[27] = 0x13;
	e = expect_fail(pkt, sizeof(pkt), IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "length field shorter than the datagram");
	pkt[27] = 0x14;
	expect_ok(&m, pkt, sizeof(pkt));

	/* header only, no payloads */
	memcpy(pkt, strongswan_sa_init, 28);
	pkt[16] = 0;
	pkt[26] = 0;
	pkt[27] = 28;
	expect_ok(&m, pkt, 28);
	ck_assert_uint_eq(m.present, 0);
	/* ... but a next payload with nothing after the header */
	pkt[16] = IKE_PL_NONCE;
	e = expect_fail(pkt, 28, IKE_N_INVALID_SYNTAX);
	ck_assert_uint_eq(e.payload, IKE_PL_NONCE);
	ck_assert_str_eq(e.reason, "generic payload header truncated");
}
END_TEST

/* ---- truncation ---- */

static void all_prefixes_fail(const uint8_t *msg, size_t len)
{
	for (size_t n = 0; n < len; n++) {
		uint8_t *copy = dup_exact(msg, n);
		struct ike_msg m;
		struct ike_wire_err e;

		ck_assert_int_eq(ike_msg_decode(&m, copy, n, &e), -EBADMSG);
		ck_assert_uint_eq(e.notify, IKE_N_INVALID_SYNTAX);
		/* with a length field that agrees, the payload parsers must catch it */
		if (n >= IKE_HDR_LEN) {
			copy[24] = (uint8_t)(n >> 24);
			copy[25] = (uint8_t)(n >> 16);
			copy[26] = (uint8_t)(n >> 8);
			copy[27] = (uint8_t)n;
			ck_assert_msg(ike_msg_decode(&m, copy, n, &e) == -EBADMSG, "prefix %zu", n);
			ck_assert_uint_eq(e.notify, IKE_N_INVALID_SYNTAX);
			ck_assert_uint_ne(e.payload, IKE_PL_NONE);
			ck_assert_uint_le(e.offset, n);
		}
		free(copy);
	}
}

START_TEST(test_every_prefix_fails)
{
	struct ike_writer w;
	struct ike_builder b;
	uint8_t first;

	all_prefixes_fail(strongswan_sa_init, sizeof(strongswan_sa_init));
	build_sa_init(&w);
	all_prefixes_fail(w.buf, w.len);
	ike_writer_free(&w);
	build_all(&w);
	all_prefixes_fail(w.buf, w.len);
	ike_writer_free(&w);

	ike_writer_init(&w);
	ike_build_begin_inner(&b, &w);
	add_all_payloads(&b);
	ck_assert_int_eq(ike_build_end_inner(&b, &first), 0);
	for (size_t n = 0; n < w.len; n++) {
		uint8_t *copy = dup_exact(w.buf, n);
		struct ike_msg m;
		struct ike_wire_err e;

		memset(&m, 0, sizeof(m));
		ck_assert_int_eq(ike_msg_decode_inner(&m, copy, n, first, &e), -EBADMSG);
		ck_assert(e.inner);
		free(copy);
	}
	ike_writer_free(&w);
}
END_TEST

/* Each length and count field of a real message, one too big and too small. */
START_TEST(test_length_fields_off_by_one)
{
	/* offsets of 16-bit length fields in strongswan_sa_init */
	static const size_t len16[] = { 30,  34,  42,  54,  62,	 70,  78,  90, 98,
					106, 114, 154, 190, 218, 246, 254, 270 };
	/* 8-bit fields: transform counts and SPI sizes of both proposals */
	static const size_t cnt8[] = { 39, 75, 38, 74 };
	uint8_t pkt[sizeof(strongswan_sa_init)];

	/* the offsets are right: each names a length we know */
	ck_assert_uint_eq(strongswan_sa_init[31], 84);
	ck_assert_uint_eq(strongswan_sa_init[115], 40);
	ck_assert_uint_eq(strongswan_sa_init[271], 8);
	ck_assert_uint_eq(strongswan_sa_init[39], 3);
	for (size_t i = 0; i < sizeof(len16) / sizeof(len16[0]); i++) {
		for (int d = -1; d <= 1; d += 2) {
			memcpy(pkt, strongswan_sa_init, sizeof(pkt));
			pkt[len16[i] + 1] = (uint8_t)(pkt[len16[i] + 1] + d);
			expect_fail(pkt, sizeof(pkt), IKE_N_INVALID_SYNTAX);
			/* and the high octet: far too long */
			memcpy(pkt, strongswan_sa_init, sizeof(pkt));
			pkt[len16[i]] = 0x80;
			expect_fail(pkt, sizeof(pkt), IKE_N_INVALID_SYNTAX);
		}
	}
	for (size_t i = 0; i < sizeof(cnt8) / sizeof(cnt8[0]); i++) {
		for (int d = -1; d <= 1; d += 2) {
			memcpy(pkt, strongswan_sa_init, sizeof(pkt));
			pkt[cnt8[i]] = (uint8_t)(pkt[cnt8[i]] + d);
			expect_fail(pkt, sizeof(pkt), IKE_N_INVALID_SYNTAX);
		}
	}
}
END_TEST

/* Every payload's length of the all-payloads message, one off. */
START_TEST(test_payload_lengths_off_by_one)
{
	struct ike_writer w;
	struct ike_reader r;
	size_t offs[64], n = 0;
	uint8_t np;

	build_all(&w);
	r = ike_reader_from_slice(ike_writer_slice(&w));
	ike_skip(&r, 16);
	np = ike_get_u8(&r);
	ike_skip(&r, 11);
	while (np) {
		uint16_t len;

		offs[n++] = ike_reader_offset(&r);
		np = ike_get_u8(&r);
		ike_skip(&r, 1);
		len = ike_get_u16(&r);
		ike_skip(&r, len - 4u);
		ck_assert(!ike_reader_failed(&r));
	}
	ck_assert_uint_eq(n, 20);
	for (size_t i = 0; i < n; i++) {
		for (int d = -1; d <= 1; d += 2) {
			uint8_t *copy = dup_exact(w.buf, w.len);
			struct ike_wire_err e;
			struct ike_msg m;

			copy[offs[i] + 3] = (uint8_t)(copy[offs[i] + 3] + d);
			ck_assert_msg(ike_msg_decode(&m, copy, w.len, &e) == -EBADMSG,
				      "payload %zu length %+d decoded", i, d);
			free(copy);
		}
	}
	ike_writer_free(&w);
}
END_TEST

/* ---- SA payload ---- */

START_TEST(test_sa_malformed)
{
	struct ike_wire_err e;

	/* a proposal with 0 transforms */
	e = fail1(IKE_PL_SA, "\0\0\0\x08\x01\x01\0\0", 8, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "proposal without transforms");
	/* empty SA */
	e = fail1(IKE_PL_SA, NULL, 0, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "no proposals");
	/* count 2, one transform, which says it is the last */
	e = fail1(IKE_PL_SA,
		  "\0\0\0\x10\x01\x01\0\x02"
		  "\0\0\0\x08\x01\0\0\x0c",
		  16, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "transform marked last before the transform count");
	/* count 2, one transform, which says more follow */
	e = fail1(IKE_PL_SA,
		  "\0\0\0\x10\x01\x01\0\x02"
		  "\x03\0\0\x08\x01\0\0\x0c",
		  16, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "proposal holds fewer transforms than its count");
	/* count 1, two transforms */
	e = fail1(IKE_PL_SA,
		  "\0\0\0\x18\x01\x01\0\x01"
		  "\0\0\0\x08\x01\0\0\x0c"
		  "\0\0\0\x08\x02\0\0\x05",
		  24, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "octets after the last transform of proposal");
	/* count 1, and that transform says more follow */
	e = fail1(IKE_PL_SA,
		  "\0\0\0\x10\x01\x01\0\x01"
		  "\x03\0\0\x08\x01\0\0\x0c",
		  16, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "transform count reached but transform not marked last");
	/* transform marker neither 0 nor 3 */
	e = fail1(IKE_PL_SA,
		  "\0\0\0\x10\x01\x01\0\x01"
		  "\x02\0\0\x08\x01\0\0\x0c",
		  16, IKE_N_INVALID_SYNTAX);
	ck_assert_uint_eq(e.value, 2);
	/* proposal length 7 and 17 (SA holds 16) */
	e = fail1(IKE_PL_SA,
		  "\0\0\0\x07\x01\x01\0\x01"
		  "\0\0\0\x08\x01\0\0\x0c",
		  16, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "proposal length below 8");
	e = fail1(IKE_PL_SA,
		  "\0\0\0\x11\x01\x01\0\x01"
		  "\0\0\0\x08\x01\0\0\x0c",
		  16, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "proposal length exceeds SA payload");
	/* transform length 7 and 9 */
	e = fail1(IKE_PL_SA,
		  "\0\0\0\x10\x01\x01\0\x01"
		  "\0\0\0\x07\x01\0\0\x0c",
		  16, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "transform length below 8");
	e = fail1(IKE_PL_SA,
		  "\0\0\0\x10\x01\x01\0\x01"
		  "\0\0\0\x09\x01\0\0\x0c",
		  16, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "transform length exceeds its proposal");
	/* a transform with 2 stray octets: a truncated attribute */
	e = fail1(IKE_PL_SA,
		  "\0\0\0\x12\x01\x01\0\x01"
		  "\0\0\0\x0a\x01\0\0\x0c\x80\x0e",
		  18, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "transform attribute truncated");
	/* a TLV attribute whose length runs past the transform */
	e = fail1(IKE_PL_SA,
		  "\0\0\0\x14\x01\x01\0\x01"
		  "\0\0\0\x0c\x01\0\0\x0c\x00\x63\x00\x01",
		  20, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "transform attribute length exceeds transform");
	/* proposal marked "more" but nothing follows */
	e = fail1(IKE_PL_SA,
		  "\x02\0\0\x10\x01\x01\0\x01"
		  "\0\0\0\x08\x01\0\0\x0c",
		  16, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "last proposal not marked last");
	/* proposal marked last but another follows */
	e = fail1(IKE_PL_SA,
		  "\0\0\0\x10\x01\x01\0\x01"
		  "\0\0\0\x08\x01\0\0\x0c"
		  "\0\0\0\x10\x02\x01\0\x01"
		  "\0\0\0\x08\x01\0\0\x0c",
		  32, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "octets after the last proposal");
	/* proposal marker 1 */
	fail1(IKE_PL_SA,
	      "\x01\0\0\x10\x01\x01\0\x01"
	      "\0\0\0\x08\x01\0\0\x0c",
	      16, IKE_N_INVALID_SYNTAX);
	/* IKE SPI size 4, ESP SPI size 0, SPI size 9 for another protocol */
	e = fail1(IKE_PL_SA,
		  "\0\0\0\x14\x01\x01\x04\x01"
		  "\1\2\3\4"
		  "\0\0\0\x08\x01\0\0\x0c",
		  20, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "IKE proposal SPI size is not 0 or 8");
	fail1(IKE_PL_SA,
	      "\0\0\0\x10\x01\x03\0\x01"
	      "\0\0\0\x08\x01\0\0\x0c",
	      16, IKE_N_INVALID_SYNTAX);
	fail1(IKE_PL_SA,
	      "\0\0\0\x19\x01\x09\x09\x01"
	      "\1\2\3\4\5\6\7\x08\x09"
	      "\0\0\0\x08\x01\0\0\x0c",
	      25, IKE_N_INVALID_SYNTAX);
	/* SPI longer than the proposal */
	e = fail1(IKE_PL_SA,
		  "\0\0\0\x0a\x01\x03\x04\x01"
		  "\1\2",
		  10, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "proposal SPI exceeds proposal length");
	/* proposal number 0 */
	fail1(IKE_PL_SA,
	      "\0\0\0\x10\0\x01\0\x01"
	      "\0\0\0\x08\x01\0\0\x0c",
	      16, IKE_N_INVALID_SYNTAX);
}
END_TEST

START_TEST(test_sa_too_many)
{
	struct ike_proposal *many = calloc(IKE_MAX_PROPOSALS + 1, sizeof(*many));
	struct ike_writer w;
	struct ike_builder b;
	struct ike_msg m;
	struct ike_wire_err e;
	uint8_t body[8 + 65 * 8];

	ck_assert_ptr_nonnull(many);
	for (unsigned int i = 0; i <= IKE_MAX_PROPOSALS; i++) {
		many[i].num = (uint8_t)(i + 1);
		many[i].protocol = IKE_PROTO_IKE;
		many[i].n_transforms = IKE_MAX_TRANSFORMS;
		for (unsigned int j = 0; j < IKE_MAX_TRANSFORMS; j++)
			many[i].transforms[j] =
			    (struct ike_transform){ IKE_TRANS_ENCR, IKE_ENCR_AES_CBC, 128 };
	}
	/* 32 proposals of 64 transforms: the maximum, accepted */
	ike_writer_init(&w);
	ike_build_begin(&b, &w, &req_hdr);
	ike_add_sa(&b, many, IKE_MAX_PROPOSALS);
	ck_assert_int_eq(ike_build_end(&b), 0);
	expect_ok(&m, w.buf, w.len);
	assert_proposals(&m.sa, many, IKE_MAX_PROPOSALS);
	ike_writer_free(&w);
	/* the builder refuses 33 */
	ike_writer_init(&w);
	ike_build_begin(&b, &w, &req_hdr);
	ike_add_sa(&b, many, IKE_MAX_PROPOSALS + 1);
	ck_assert_int_eq(ike_build_end(&b), -EINVAL);
	ike_writer_free(&w);
	/* 33 small proposals on the wire are refused */
	for (unsigned int i = 0; i <= IKE_MAX_PROPOSALS; i++)
		many[i].n_transforms = 1;
	ike_writer_init(&w);
	ike_build_begin(&b, &w, &req_hdr);
	ike_add_sa(&b, many, IKE_MAX_PROPOSALS);
	ck_assert_int_eq(ike_build_end(&b), 0);
	expect_ok(&m, w.buf, w.len);
	ck_assert_uint_eq(m.sa.n_proposals, 32);
	ike_writer_free(&w);
	{
		uint8_t sa[33 * 16];
		struct ike_writer sw;

		ike_writer_init_fixed(&sw, sa, sizeof(sa));
		for (unsigned int i = 0; i < 33; i++) {
			ike_put_u8(&sw, i < 32 ? 2 : 0);
			ike_put_u8(&sw, 0);
			ike_put_u16(&sw, 16);
			ike_put_u8(&sw, (uint8_t)(i + 1));
			ike_put_bytes(&sw,
				      "\x01\0\x01"
				      "\0\0\0\x08\x01\0\0\x0c",
				      11);
		}
		ck_assert_int_eq(ike_writer_error(&sw), 0);
		e = fail1(IKE_PL_SA, sa, sizeof(sa), IKE_N_INVALID_SYNTAX);
		ck_assert_str_eq(e.reason, "more than 32 proposals");
	}
	/* 65 transforms */
	memcpy(body, "\0\0\x02\x10\x01\x01\0\x41", 8);
	for (unsigned int j = 0; j < 65; j++)
		memcpy(body + 8 + 8 * j,
		       j < 64 ? "\x03\0\0\x08\x01\0\0\x0c" : "\0\0\0\x08\x01\0\0\x0c", 8);
	e = fail1(IKE_PL_SA, body, sizeof(body), IKE_N_INVALID_SYNTAX);
	ck_assert_uint_eq(e.value, 65);
	free(many);
}
END_TEST

START_TEST(test_sa_numbering)
{
	struct ike_writer w;
	struct ike_msg m;
	struct ike_hdr resp = req_hdr;
	struct ike_wire_err e;
	static const char one_at_3[] = "\0\0\0\x10\x03\x01\0\x01"
				       "\0\0\0\x08\x01\0\0\x0c";
	static const char gap[] = "\x02\0\0\x10\x01\x01\0\x01"
				  "\0\0\0\x08\x01\0\0\x0c"
				  "\0\0\0\x10\x03\x01\0\x01"
				  "\0\0\0\x08\x01\0\0\x0c";

	/* an offer starts at 1 */
	e = fail1(IKE_PL_SA, one_at_3, 16, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "first proposal number is not 1");
	ck_assert_uint_eq(e.value, 3);
	/* a response echoes the accepted number */
	resp.flags = IKE_FLAG_RESPONSE;
	msg1(&w, &resp, IKE_PL_SA, one_at_3, 16);
	expect_ok(&m, w.buf, w.len);
	{
		struct ike_sa_iter it;
		struct ike_proposal p;

		ike_sa_iter_init(&it, &m.sa);
		ck_assert(ike_sa_iter_next(&it, &p));
		ck_assert_uint_eq(p.num, 3);
	}
	ike_writer_free(&w);
	/* each next is one more */
	e = fail1(IKE_PL_SA, gap, 32, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "proposal number is not the previous plus one");
}
END_TEST

/* RFC 7296 3.3.6: an attribute we do not understand makes that transform
 * unacceptable, not the message. */
START_TEST(test_sa_unknown_attributes)
{
	struct ike_writer w;
	struct ike_msg m;
	struct ike_sa_iter it;
	struct ike_proposal p;
	static const char body[] = "\0\0\0\x3e\x01\x01\0\x04"
				   /* AES_CBC with an unknown TV attribute 99 */
				   "\x03\0\0\x0c\x01\0\0\x0c\x80\x63\0\x01"
				   /* AES_CBC, Key Length 128 twice */
				   "\x03\0\0\x10\x01\0\0\x0c\x80\x0e\0\x80\x80\x0e\0\x80"
				   /* AES_CBC, Key Length in TLV form */
				   "\x03\0\0\x0e\x01\0\0\x0c\0\x0e\0\x02\x01\0"
				   /* AES_CBC 256: fine */
				   "\0\0\0\x0c\x01\0\0\x0c\x80\x0e\x01\0";

	ok1(IKE_PL_SA, body, 0x3e, &m, &w);
	ike_sa_iter_init(&it, &m.sa);
	ck_assert(ike_sa_iter_next(&it, &p));
	ck_assert_uint_eq(p.n_transforms, 4);
	ck_assert_uint_eq(p.transforms[0].key_len, IKE_KEY_LEN_UNACCEPTABLE);
	ck_assert_uint_eq(p.transforms[0].type, IKE_TRANS_ENCR);
	ck_assert_uint_eq(p.transforms[1].key_len, IKE_KEY_LEN_UNACCEPTABLE);
	ck_assert_uint_eq(p.transforms[2].key_len, IKE_KEY_LEN_UNACCEPTABLE);
	ck_assert_uint_eq(p.transforms[3].key_len, 256);
	ike_writer_free(&w);
}
END_TEST

/* ---- other payloads ---- */

START_TEST(test_nonce_bounds)
{
	uint8_t n[257];
	struct ike_writer w;
	struct ike_msg m;
	struct ike_wire_err e;

	memset(n, 0x42, sizeof(n));
	e = fail1(IKE_PL_NONCE, n, 15, IKE_N_INVALID_SYNTAX);
	ck_assert_uint_eq(e.value, 15);
	e = fail1(IKE_PL_NONCE, n, 257, IKE_N_INVALID_SYNTAX);
	ck_assert_uint_eq(e.value, 257);
	fail1(IKE_PL_NONCE, n, 0, IKE_N_INVALID_SYNTAX);
	ok1(IKE_PL_NONCE, n, 16, &m, &w);
	ck_assert_uint_eq(m.nonce.len, 16);
	ike_writer_free(&w);
	ok1(IKE_PL_NONCE, n, 256, &m, &w);
	ck_assert_uint_eq(m.nonce.len, 256);
	ike_writer_free(&w);
}
END_TEST

START_TEST(test_ke_id_auth_cert_malformed)
{
	struct ike_writer w;
	struct ike_msg m;
	struct ike_wire_err e;

	fail1(IKE_PL_KE, "\0\x1f\0", 3, IKE_N_INVALID_SYNTAX);
	e = fail1(IKE_PL_KE, "\0\x1f\0\0", 4, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "no data");
	fail1(IKE_PL_AUTH, "\x02\0\0\0", 4, IKE_N_INVALID_SYNTAX);
	fail1(IKE_PL_AUTH, "\x02", 1, IKE_N_INVALID_SYNTAX);

	e = fail1(IKE_PL_IDI, "\x01\0\0\0\x0a\0\0\x01\x05", 9, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "ID_IPV4_ADDR is not 4 octets");
	ck_assert_uint_eq(e.value, 5);
	fail1(IKE_PL_IDR, "\x05\0\0\0\x0a\0\0\x01", 8, IKE_N_INVALID_SYNTAX);
	fail1(IKE_PL_IDI, "\x02\0\0\0", 4, IKE_N_INVALID_SYNTAX);
	fail1(IKE_PL_IDI, "\x02\0", 2, IKE_N_INVALID_SYNTAX);
	ok1(IKE_PL_IDI, "\x01\0\0\0\x0a\0\0\x01", 8, &m, &w);
	ck_assert_uint_eq(m.idi.type, IKE_ID_IPV4_ADDR);
	ck_assert_slice_eq(m.idi.data, "\x0a\0\0\x01", 4);
	ike_writer_free(&w);
	/* DER_ASN1_DN and KEY_ID: opaque */
	ok1(IKE_PL_IDR, "\x09\0\0\0\x30\x0b\x31\x09", 8, &m, &w);
	ck_assert_uint_eq(m.idr.type, IKE_ID_DER_ASN1_DN);
	ck_assert_uint_eq(m.idr.data.len, 4);
	ike_writer_free(&w);
	/* A certificate's DN may exceed 255 octets: up to IKE_ID_MAX_LEN is
	 * kept, longer is refused rather than cut. */
	{
		uint8_t big[4 + IKE_ID_MAX_LEN + 1];

		memset(big, 0x41, sizeof(big));
		big[0] = IKE_ID_DER_ASN1_DN;
		big[1] = big[2] = big[3] = 0;
		ok1(IKE_PL_IDI, big, 4 + IKE_ID_MAX_LEN, &m, &w);
		ck_assert_uint_eq(m.idi.data.len, IKE_ID_MAX_LEN);
		ike_writer_free(&w);
		e = fail1(IKE_PL_IDI, big, sizeof(big), IKE_N_INVALID_SYNTAX);
		ck_assert_str_eq(e.reason, "identification data longer than we keep");
		ck_assert_uint_eq(e.value, IKE_ID_MAX_LEN + 1);
	}

	fail1(IKE_PL_CERT, "\x04", 1, IKE_N_INVALID_SYNTAX);
	fail1(IKE_PL_CERT, NULL, 0, IKE_N_INVALID_SYNTAX);
	ok1(IKE_PL_CERTREQ, "\x04", 1, &m, &w);
	ck_assert_uint_eq(m.n_certreq, 1);
	ck_assert_uint_eq(m.certreq[0].data.len, 0);
	ike_writer_free(&w);

	/* EAP length must match the payload */
	e = fail1(IKE_PL_EAP, "\x01\x07\0\x06\x01", 5, IKE_N_INVALID_SYNTAX);
	ck_assert_uint_eq(e.value, 6);
	fail1(IKE_PL_EAP, "\x01\x07\0", 3, IKE_N_INVALID_SYNTAX);
}
END_TEST

START_TEST(test_notify_delete_malformed)
{
	struct ike_writer w;
	struct ike_msg m;
	struct ike_wire_err e;

	fail1(IKE_PL_NOTIFY, "\0\0\x40", 3, IKE_N_INVALID_SYNTAX);
	e = fail1(IKE_PL_NOTIFY, "\x03\x04\x40\x09\1\2", 6, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "SPI size exceeds payload");
	e = fail1(IKE_PL_NOTIFY, "\x03\x09\x40\x09\1\2\3\4\5\6\7\x08\x09", 13,
		  IKE_N_INVALID_SYNTAX);
	ck_assert_uint_eq(e.value, 9);
	ok1(IKE_PL_NOTIFY, "\x03\x04\x40\x09\1\2\3\4data", 12, &m, &w);
	ck_assert_uint_eq(m.notify[0].type, IKE_N_REKEY_SA);
	ck_assert_slice_eq(m.notify[0].spi, "\1\2\3\4", 4);
	ck_assert_slice_eq(m.notify[0].data, "data", 4);
	ike_writer_free(&w);

	/* count 3, two SPIs; count 1, two SPIs */
	e = fail1(IKE_PL_DELETE, "\x03\x04\0\x03\1\2\3\4\5\6\7\x08", 12, IKE_N_INVALID_SYNTAX);
	ck_assert_uint_eq(e.value, 3);
	fail1(IKE_PL_DELETE, "\x03\x04\0\x01\1\2\3\4\5\6\7\x08", 12, IKE_N_INVALID_SYNTAX);
	/* ESP SPI size 8, IKE with SPIs */
	fail1(IKE_PL_DELETE, "\x03\x08\0\x01\1\2\3\4\5\6\7\x08", 12, IKE_N_INVALID_SYNTAX);
	fail1(IKE_PL_DELETE, "\x01\x04\0\x01\1\2\3\4", 8, IKE_N_INVALID_SYNTAX);
	fail1(IKE_PL_DELETE, "\x01\0\0\x01", 4, IKE_N_INVALID_SYNTAX);
	fail1(IKE_PL_DELETE, "\x03\x04\0", 3, IKE_N_INVALID_SYNTAX);
	ok1(IKE_PL_DELETE, "\x03\x04\0\x02\1\2\3\4\5\6\7\x08", 12, &m, &w);
	ck_assert_uint_eq(ike_delete_spi32(&m.del[0], 1), 0x05060708);
	ike_writer_free(&w);
}
END_TEST

START_TEST(test_ts_malformed)
{
	struct ike_writer w;
	struct ike_msg m;
	struct ike_wire_err e;
	struct ike_ts ts[IKE_MAX_TS];
	uint8_t body[4 + 17 * 16];
	char txt[128];
	static const char v4[] = "\x07\0\0\x10\0\0\xff\xff\x0a\0\0\0\x0a\0\0\xff";

	/* an IPv4 selector claiming 12 octets */
	memcpy(body,
	       "\x01\0\0\0"
	       "\x07\0\0\x0c\0\0\xff\xff\x0a\0\0\0",
	       16);
	e = fail1(IKE_PL_TSI, body, 16, IKE_N_INVALID_SYNTAX);
	ck_assert_uint_eq(e.value, 12);
	ike_wire_err_format(&e, txt, sizeof(txt));
	ck_assert_str_eq(txt, "TSi at 28: IPv4 selector length is not 16 (12)");
	/* an IPv6 selector claiming 16 */
	memcpy(body, "\x01\0\0\0", 4);
	memcpy(body + 4, v4, 16);
	body[4] = 8;
	e = fail1(IKE_PL_TSR, body, 20, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "IPv6 selector length is not 40");
	/* count 0, count 2 with one, count 1 with two */
	fail1(IKE_PL_TSI, "\0\0\0\0", 4, IKE_N_INVALID_SYNTAX);
	memcpy(body, "\x02\0\0\0", 4);
	memcpy(body + 4, v4, 16);
	e = fail1(IKE_PL_TSI, body, 20, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "fewer selectors than the count");
	memcpy(body, "\x01\0\0\0", 4);
	memcpy(body + 4, v4, 16);
	memcpy(body + 20, v4, 16);
	e = fail1(IKE_PL_TSI, body, 36, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "octets after the last selector");
	/* the selector runs past the payload */
	fail1(IKE_PL_TSI, body, 19, IKE_N_INVALID_SYNTAX);
	fail1(IKE_PL_TSI, body, 3, IKE_N_INVALID_SYNTAX);
	/* 17 selectors */
	body[0] = 17;
	for (unsigned int i = 0; i < 17; i++)
		memcpy(body + 4 + 16 * i, v4, 16);
	e = fail1(IKE_PL_TSI, body, sizeof(body), IKE_N_INVALID_SYNTAX);
	ck_assert_uint_eq(e.value, 17);
	/* unknown selector type (e.g. TS_SECLABEL): kept in the count, skipped when read */
	memcpy(body,
	       "\x02\0\0\0"
	       "\x0a\0\0\x0a"
	       "\0\0abcdef",
	       14);
	memcpy(body + 14, v4, 16);
	ok1(IKE_PL_TSI, body, 30, &m, &w);
	ck_assert_uint_eq(m.tsi.n_ts, 2);
	ck_assert_uint_eq(ike_ts_decode(&m.tsi, ts, IKE_MAX_TS), 1);
	ck_assert_uint_eq(ts[0].type, IKE_TS_IPV4_ADDR_RANGE);
	ck_assert_mem_eq(ts[0].end_addr, "\x0a\0\0\xff", 4);
	ck_assert_uint_eq(ts[0].end_port, 0xffff);
	ike_writer_free(&w);
	/* an unknown type shorter than the fixed part */
	memcpy(body,
	       "\x01\0\0\0"
	       "\x0a\0\0\x06"
	       "\0\0",
	       10);
	fail1(IKE_PL_TSI, body, 10, IKE_N_INVALID_SYNTAX);
}
END_TEST

START_TEST(test_cp_malformed)
{
	struct ike_writer w;
	struct ike_msg m;
	struct ike_cp_iter it;
	uint16_t type;
	struct ike_slice v;

	fail1(IKE_PL_CP, "\x01\0\0", 3, IKE_N_INVALID_SYNTAX);
	fail1(IKE_PL_CP,
	      "\x01\0\0\0"
	      "\0\x01\0\x05\x0a\0\0\x01",
	      12, IKE_N_INVALID_SYNTAX);
	fail1(IKE_PL_CP,
	      "\x01\0\0\0"
	      "\0\x01\0",
	      7, IKE_N_INVALID_SYNTAX);
	/* the reserved bit is masked off the type */
	ok1(IKE_PL_CP,
	    "\x01\0\0\0"
	    "\x80\x01\0\0",
	    8, &m, &w);
	ck_assert_uint_eq(m.cp.type, IKE_CP_REQUEST);
	ck_assert_uint_eq(m.cp.n_attrs, 1);
	ike_cp_iter_init(&it, &m.cp);
	ck_assert(ike_cp_iter_next(&it, &type, &v));
	ck_assert_uint_eq(type, 1);
	ck_assert_uint_eq(v.len, 0);
	ck_assert(!ike_cp_iter_next(&it, &type, &v));
	ike_writer_free(&w);
}
END_TEST

START_TEST(test_structure_rules)
{
	struct ike_writer w;
	struct ike_builder b;
	struct ike_wire_err e;
	struct ike_msg m;

	/* SK not last */
	ike_writer_init(&w);
	ike_build_begin(&b, &w, &req_hdr);
	ike_add_raw(&b, IKE_PL_SK, 0, "0123456789abcdef", 16);
	ike_add_vendor(&b, "x", 1);
	ck_assert_int_eq(ike_build_end(&b), 0);
	e = expect_fail(w.buf, w.len, IKE_N_INVALID_SYNTAX);
	ck_assert_uint_eq(e.payload, IKE_PL_SK);
	ck_assert_uint_eq(e.value, 5);
	ike_writer_free(&w);

	/* duplicate SA, duplicate KE */
	ike_writer_init(&w);
	ike_build_begin(&b, &w, &req_hdr);
	ike_add_sa(&b, ike_props, 1);
	ike_add_nonce(&b, nonce32, 32);
	ike_add_sa(&b, ike_props, 1);
	ck_assert_int_eq(ike_build_end(&b), 0);
	e = expect_fail(w.buf, w.len, IKE_N_INVALID_SYNTAX);
	ck_assert_uint_eq(e.payload, IKE_PL_SA);
	ck_assert_str_eq(e.reason, "duplicate payload");
	ike_writer_free(&w);
	ike_writer_init(&w);
	ike_build_begin(&b, &w, &req_hdr);
	ike_add_ke(&b, 31, ke_data, 32);
	ike_add_ke(&b, 31, ke_data, 32);
	ck_assert_int_eq(ike_build_end(&b), 0);
	e = expect_fail(w.buf, w.len, IKE_N_INVALID_SYNTAX);
	ck_assert_uint_eq(e.payload, IKE_PL_KE);
	ck_assert_uint_eq(e.offset, 28 + 40);
	ike_writer_free(&w);

	/* generic header: length 3, length past the end */
	ike_writer_init(&w);
	ike_build_begin(&b, &w, &req_hdr);
	ike_add_vendor(&b, "abcd", 4);
	ck_assert_int_eq(ike_build_end(&b), 0);
	w.buf[31] = 3;
	e = expect_fail(w.buf, w.len, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "payload length below 4");
	w.buf[31] = 9;
	e = expect_fail(w.buf, w.len, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "payload length exceeds message");
	/* trailing octets after the last payload */
	w.buf[31] = 7;
	e = expect_fail(w.buf, w.len, IKE_N_INVALID_SYNTAX);
	ck_assert_str_eq(e.reason, "octets after the last payload");
	ck_assert_uint_eq(e.value, 1);
	ike_writer_free(&w);

	/* the maxima of repeated payloads, and one more */
	for (int over = 0; over <= 1; over++) {
		ike_writer_init(&w);
		ike_build_begin(&b, &w, &req_hdr);
		for (int i = 0; i < IKE_MAX_NOTIFY + over; i++)
			ike_add_notify(&b, 0, NULL, 0, IKE_N_COOKIE, NULL, 0);
		for (int i = 0; i < IKE_MAX_VENDOR; i++)
			ike_add_vendor(&b, "v", 1);
		for (int i = 0; i < IKE_MAX_CERT; i++)
			ike_add_cert(&b, IKE_PL_CERT, 4, "c", 1);
		for (int i = 0; i < IKE_MAX_CERTREQ; i++)
			ike_add_cert(&b, IKE_PL_CERTREQ, 4, NULL, 0);
		for (int i = 0; i < IKE_MAX_DELETE; i++)
			ike_add_delete(&b, IKE_PROTO_IKE, 0, NULL, 0);
		ck_assert_int_eq(ike_build_end(&b), 0);
		if (over) {
			e = expect_fail(w.buf, w.len, IKE_N_INVALID_SYNTAX);
			ck_assert_uint_eq(e.payload, IKE_PL_NOTIFY);
		} else {
			expect_ok(&m, w.buf, w.len);
			ck_assert_uint_eq(m.n_notify, IKE_MAX_NOTIFY);
			ck_assert_uint_eq(m.n_vendor, IKE_MAX_VENDOR);
			ck_assert_uint_eq(m.n_cert, IKE_MAX_CERT);
			ck_assert_uint_eq(m.n_certreq, IKE_MAX_CERTREQ);
			ck_assert_uint_eq(m.n_delete, IKE_MAX_DELETE);
		}
		ike_writer_free(&w);
	}
	{
		static const uint8_t types[] = { IKE_PL_VENDOR, IKE_PL_CERT, IKE_PL_CERTREQ,
						 IKE_PL_DELETE };
		static const int max[] = { IKE_MAX_VENDOR, IKE_MAX_CERT, IKE_MAX_CERTREQ,
					   IKE_MAX_DELETE };

		for (size_t t = 0; t < sizeof(types); t++) {
			ike_writer_init(&w);
			ike_build_begin(&b, &w, &req_hdr);
			for (int i = 0; i <= max[t]; i++)
				ike_add_raw(&b, types[t], 0, "\x01\0\0\0", 4);
			ck_assert_int_eq(ike_build_end(&b), 0);
			e = expect_fail(w.buf, w.len, IKE_N_INVALID_SYNTAX);
			ck_assert_uint_eq(e.payload, types[t]);
			ike_writer_free(&w);
		}
	}
}
END_TEST

/* ---- builder ---- */

START_TEST(test_builder_limits)
{
	uint8_t small[64];
	static uint8_t huge[70000];
	struct ike_writer w;
	struct ike_builder b;
	struct ike_ts bad = { .type = 9 };

	/* a fixed buffer too small: -ENOBUFS, nothing written past it */
	ike_writer_init_fixed(&w, small, sizeof(small));
	ike_build_begin(&b, &w, &req_hdr);
	ike_add_nonce(&b, nonce32, 32);
	ck_assert_int_eq(ike_writer_error(&w), 0);
	ike_add_nonce(&b, nonce32, 32);
	ck_assert_int_eq(ike_build_end(&b), -ENOBUFS);
	ck_assert_uint_le(w.len, sizeof(small));

	/* the same message in a buffer that fits decodes */
	{
		uint8_t fits[128];
		struct ike_msg m;

		ike_writer_init_fixed(&w, fits, sizeof(fits));
		ike_build_begin(&b, &w, &req_hdr);
		ike_add_nonce(&b, nonce32, 32);
		ike_add_vendor(&b, nonce32, 32);
		ck_assert_int_eq(ike_build_end(&b), 0);
		expect_ok(&m, fits, w.len);
		ck_assert_uint_eq(m.hdr.length, 28 + 36 + 36);
	}

	/* a payload over 65535 octets */
	ike_writer_init(&w);
	ike_build_begin(&b, &w, &req_hdr);
	ike_add_vendor(&b, huge, sizeof(huge));
	ck_assert_int_eq(ike_build_end(&b), -EMSGSIZE);
	ike_writer_free(&w);

	/* values the wire cannot carry */
	ike_writer_init(&w);
	ike_build_begin(&b, &w, &req_hdr);
	ike_add_ts(&b, IKE_PL_TSI, &bad, 1);
	ck_assert_int_eq(ike_build_end(&b), -EINVAL);
	ike_writer_free(&w);
	ike_writer_init(&w);
	ike_build_begin(&b, &w, &req_hdr);
	ike_add_notify(&b, 3, huge, 9, IKE_N_REKEY_SA, NULL, 0);
	ck_assert_int_eq(ike_build_end(&b), -EINVAL);
	ike_writer_free(&w);
	ike_writer_init(&w);
	ike_build_begin(&b, &w, &req_hdr);
	ike_add_id(&b, IKE_PL_AUTH, IKE_ID_FQDN, "x", 1);
	ck_assert_int_eq(ike_build_end(&b), -EINVAL);
	ike_writer_free(&w);
}
END_TEST

START_TEST(test_msg_size)
{
	/* a stack object per packet: keep it well under a page */
	ck_assert_uint_lt(sizeof(struct ike_msg), 2560);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ike_wire");
	TCase *tc = tcase_create("wire");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_sa_init_roundtrip);
	tcase_add_test(tc, test_all_payloads_roundtrip);
	tcase_add_test(tc, test_sk_roundtrip);
	tcase_add_test(tc, test_inner_empty_and_sk_in_sk);
	tcase_add_test(tc, test_strongswan_sa_init);
	tcase_add_test(tc, test_critical_bit);
	tcase_add_test(tc, test_header_checks);
	tcase_add_test(tc, test_every_prefix_fails);
	tcase_add_test(tc, test_length_fields_off_by_one);
	tcase_add_test(tc, test_payload_lengths_off_by_one);
	tcase_add_test(tc, test_sa_malformed);
	tcase_add_test(tc, test_sa_too_many);
	tcase_add_test(tc, test_sa_numbering);
	tcase_add_test(tc, test_sa_unknown_attributes);
	tcase_add_test(tc, test_nonce_bounds);
	tcase_add_test(tc, test_ke_id_auth_cert_malformed);
	tcase_add_test(tc, test_notify_delete_malformed);
	tcase_add_test(tc, test_ts_malformed);
	tcase_add_test(tc, test_cp_malformed);
	tcase_add_test(tc, test_structure_rules);
	tcase_add_test(tc, test_builder_limits);
	tcase_add_test(tc, test_msg_size);
	tcase_add_test(tc, test_skf);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
