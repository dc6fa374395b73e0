// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for the IKEv2 wire format: decode arbitrary bytes as a
 * message; if they decode, decode the SK body as an inner chain too, then
 * re-encode what was decoded and require that it decodes again to the same
 * counts. Not part of the build; e.g.
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. \
 *     tests/fuzz/fuzz_wire.c ike/buf.c ike/wire.c -o /tmp/fuzz_wire
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ike/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_CP_ATTRS 64

static struct ike_proposal props[IKE_MAX_PROPOSALS];

static void add_ts(struct ike_builder *b, uint8_t type, const struct ike_ts_pl *pl)
{
	struct ike_ts ts[IKE_MAX_TS];
	size_t n = ike_ts_decode(pl, ts, IKE_MAX_TS);

	/* selectors of unknown types are not kept: nothing to re-encode */
	if (n)
		ike_add_ts(b, type, ts, n);
}

static void reencode(const struct ike_msg *m)
{
	struct ike_writer w;
	struct ike_builder b;
	struct ike_msg again;
	struct ike_wire_err err;
	struct ike_sk_layout lay;
	size_t n;

	ike_writer_init(&w);
	ike_build_begin(&b, &w, &m->hdr);
	if (m->present & IKE_PL_BIT(IKE_PL_SA)) {
		struct ike_sa_iter it;

		n = 0;
		ike_sa_iter_init(&it, &m->sa);
		while (n < IKE_MAX_PROPOSALS && ike_sa_iter_next(&it, &props[n]))
			n++;
		if (n != m->sa.n_proposals)
			abort();
		ike_add_sa(&b, props, n);
	}
	if (m->present & IKE_PL_BIT(IKE_PL_KE))
		ike_add_ke(&b, m->ke.group, m->ke.data.ptr, m->ke.data.len);
	if (m->present & IKE_PL_BIT(IKE_PL_IDI))
		ike_add_id(&b, IKE_PL_IDI, m->idi.type, m->idi.data.ptr, m->idi.data.len);
	if (m->present & IKE_PL_BIT(IKE_PL_IDR))
		ike_add_id(&b, IKE_PL_IDR, m->idr.type, m->idr.data.ptr, m->idr.data.len);
	for (unsigned int i = 0; i < m->n_cert; i++)
		ike_add_cert(&b, IKE_PL_CERT, m->cert[i].encoding, m->cert[i].data.ptr,
			     m->cert[i].data.len);
	for (unsigned int i = 0; i < m->n_certreq; i++)
		ike_add_cert(&b, IKE_PL_CERTREQ, m->certreq[i].encoding, m->certreq[i].data.ptr,
			     m->certreq[i].data.len);
	if (m->present & IKE_PL_BIT(IKE_PL_AUTH))
		ike_add_auth(&b, m->auth.method, m->auth.data.ptr, m->auth.data.len);
	if (m->present & IKE_PL_BIT(IKE_PL_NONCE))
		ike_add_nonce(&b, m->nonce.ptr, m->nonce.len);
	for (unsigned int i = 0; i < m->n_notify; i++) {
		const struct ike_notify *no = &m->notify[i];

		ike_add_notify(&b, no->protocol, no->spi.ptr, no->spi.len, no->type, no->data.ptr,
			       no->data.len);
	}
	for (unsigned int i = 0; i < m->n_delete; i++)
		ike_add_delete(&b, m->del[i].protocol, m->del[i].spi_len, m->del[i].spis.ptr,
			       m->del[i].n_spi);
	for (unsigned int i = 0; i < m->n_vendor; i++)
		ike_add_vendor(&b, m->vendor[i].ptr, m->vendor[i].len);
	if (m->present & IKE_PL_BIT(IKE_PL_TSI))
		add_ts(&b, IKE_PL_TSI, &m->tsi);
	if (m->present & IKE_PL_BIT(IKE_PL_TSR))
		add_ts(&b, IKE_PL_TSR, &m->tsr);
	if (m->present & IKE_PL_BIT(IKE_PL_CP)) {
		struct ike_cp_attr attrs[MAX_CP_ATTRS];
		struct ike_cp_iter it;
		struct ike_slice v;
		uint16_t type;

		n = 0;
		ike_cp_iter_init(&it, &m->cp);
		while (n < MAX_CP_ATTRS && ike_cp_iter_next(&it, &type, &v)) {
			attrs[n] = (struct ike_cp_attr){ type, v.ptr, (uint16_t)v.len };
			n++;
		}
		ike_add_cp(&b, m->cp.type, attrs, n);
	}
	if (m->present & IKE_PL_BIT(IKE_PL_EAP))
		ike_add_eap(&b, m->eap.ptr, m->eap.len);
	if (m->present & IKE_PL_BIT(IKE_PL_SK)) {
		uint8_t *body;

		ike_add_sk(&b, m->sk.first_payload, 0, m->sk.body.len, 0, &lay);
		body = ike_writer_span(&w, lay.ct_off, m->sk.body.len);
		if (body && m->sk.body.len)
			memcpy(body, m->sk.body.ptr, m->sk.body.len);
	}
	/* every payload is no bigger than it was: building cannot fail */
	if (ike_build_end(&b))
		abort();
	if (ike_msg_decode(&again, w.buf, w.len, &err))
		abort();
	if (again.n_notify != m->n_notify || again.n_vendor != m->n_vendor ||
	    again.n_delete != m->n_delete || again.n_cert != m->n_cert ||
	    again.n_certreq != m->n_certreq || again.sa.n_proposals != m->sa.n_proposals ||
	    again.nonce.len != m->nonce.len || again.sk.body.len != m->sk.body.len)
		abort();
	ike_writer_free(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_msg m;
	struct ike_wire_err err;
	char why[128];

	if (ike_msg_decode(&m, data, size, &err)) {
		ike_wire_err_format(&err, why, sizeof(why));
		return 0;
	}
	reencode(&m);
	/* the SK body stands in for a decrypted plaintext */
	if (m.present & IKE_PL_BIT(IKE_PL_SK)) {
		if (ike_msg_decode_inner(&m, m.sk.body.ptr, m.sk.body.len, m.sk.first_payload,
					 &err) == 0) {
			m.present &= ~IKE_PL_BIT(IKE_PL_SK);
			m.sk = (struct ike_sk_pl){ 0 };
			reencode(&m);
		} else {
			ike_wire_err_format(&err, why, sizeof(why));
		}
	}
	return 0;
}
