// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * IKEv2 wire format (RFC 7296 section 3): decoding and building messages.
 * All packet access goes through ike/buf.h.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ike/wire.h"

/* Decoding context: where we are, for the error report. */
struct dec {
	struct ike_msg *m;
	struct ike_wire_err *err;
	size_t off; /* offset of the current payload's generic header */
	uint8_t pl; /* current payload type, IKE_PL_NONE for the header */
	bool inner;
};

static int fail_n(struct dec *d, uint16_t notify, const char *why, bool has_value, uint32_t value)
{
	if (d->err) {
		*d->err = (struct ike_wire_err){
			.notify = notify,
			.payload = d->pl,
			.inner = d->inner,
			.has_value = has_value,
			.offset = d->off > UINT32_MAX ? UINT32_MAX : (uint32_t)d->off,
			.value = value,
			.reason = why,
		};
	}
	return -EBADMSG;
}

static int fail(struct dec *d, const char *why)
{
	return fail_n(d, IKE_N_INVALID_SYNTAX, why, false, 0);
}

static int failv(struct dec *d, const char *why, uint32_t value)
{
	return fail_n(d, IKE_N_INVALID_SYNTAX, why, true, value);
}

const char *ike_payload_name(uint8_t type)
{
	switch (type) {
	case IKE_PL_NONE:
		return "header";
	case IKE_PL_SA:
		return "SA";
	case IKE_PL_KE:
		return "KE";
	case IKE_PL_IDI:
		return "IDi";
	case IKE_PL_IDR:
		return "IDr";
	case IKE_PL_CERT:
		return "CERT";
	case IKE_PL_CERTREQ:
		return "CERTREQ";
	case IKE_PL_AUTH:
		return "AUTH";
	case IKE_PL_NONCE:
		return "Nonce";
	case IKE_PL_NOTIFY:
		return "N";
	case IKE_PL_DELETE:
		return "D";
	case IKE_PL_VENDOR:
		return "V";
	case IKE_PL_TSI:
		return "TSi";
	case IKE_PL_TSR:
		return "TSr";
	case IKE_PL_SK:
		return "SK";
	case IKE_PL_CP:
		return "CP";
	case IKE_PL_EAP:
		return "EAP";
	case IKE_PL_SKF:
		return "SKF";
	default:
		return "?";
	}
}

int ike_wire_err_format(const struct ike_wire_err *e, char *buf, size_t len)
{
	char val[16] = "";

	if (!e->notify)
		return snprintf(buf, len, "no error");
	if (e->has_value)
		snprintf(val, sizeof(val), " (%" PRIu32 ")", e->value);
	if (e->notify == IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD)
		return snprintf(buf, len, "payload type %u at %s%" PRIu32 ": %s", e->payload,
				e->inner ? "SK+" : "", e->offset, e->reason);
	return snprintf(buf, len, "%s at %s%" PRIu32 ": %s%s", ike_payload_name(e->payload),
			e->inner ? "SK+" : "", e->offset, e->reason ? e->reason : "?", val);
}

/* ---- SA payload ---- */

static int parse_transform(struct dec *d, struct ike_reader *r, bool last, struct ike_transform *t)
{
	uint8_t more, type;
	uint16_t len, id, key_len = 0;
	bool unacceptable = false, have_key_len = false;
	struct ike_reader tr;

	more = ike_get_u8(r);
	ike_skip(r, 1);
	len = ike_get_u16(r);
	if (ike_reader_failed(r))
		return fail(d, "transform header truncated");
	if (more != 0 && more != 3)
		return failv(d, "transform last-substructure is not 0 or 3", more);
	if (last && more != 0)
		return fail(d, "transform count reached but transform not marked last");
	if (!last && more == 0)
		return fail(d, "transform marked last before the transform count");
	if (len < 8)
		return failv(d, "transform length below 8", len);
	tr = ike_get_sub(r, len - 4u);
	if (ike_reader_failed(&tr))
		return failv(d, "transform length exceeds its proposal", len);
	type = ike_get_u8(&tr);
	ike_skip(&tr, 1);
	id = ike_get_u16(&tr);
	while (!ike_reader_at_end(&tr)) {
		uint16_t at, v;

		at = ike_get_u16(&tr);
		v = ike_get_u16(&tr);
		if (ike_reader_failed(&tr))
			return fail(d, "transform attribute truncated");
		if (at & IKE_ATTR_TV) {
			if ((at & ~IKE_ATTR_TV) == IKE_ATTR_KEY_LENGTH && !have_key_len && v)
				key_len = v;
			else
				unacceptable = true;
			have_key_len |= (at & ~IKE_ATTR_TV) == IKE_ATTR_KEY_LENGTH;
			continue;
		}
		/* TLV: v is the value's length. Key Length is only ever TV. */
		ike_skip(&tr, v);
		if (ike_reader_failed(&tr))
			return failv(d, "transform attribute length exceeds transform", v);
		unacceptable = true;
	}
	if (t) {
		t->type = type;
		t->id = id;
		t->key_len = unacceptable ? IKE_KEY_LEN_UNACCEPTABLE : key_len;
	}
	return 0;
}

/* One Proposal substructure; p may be NULL to validate only. */
static int parse_proposal(struct dec *d, struct ike_reader *r, struct ike_proposal *p, uint8_t *num,
			  bool *last)
{
	uint8_t more, proto, spi_len, n_trans;
	uint16_t len;
	struct ike_reader pr;
	int rc;

	more = ike_get_u8(r);
	ike_skip(r, 1);
	len = ike_get_u16(r);
	if (ike_reader_failed(r))
		return fail(d, "proposal header truncated");
	if (more != 0 && more != 2)
		return failv(d, "proposal last-substructure is not 0 or 2", more);
	if (len < 8)
		return failv(d, "proposal length below 8", len);
	pr = ike_get_sub(r, len - 4u);
	if (ike_reader_failed(&pr))
		return failv(d, "proposal length exceeds SA payload", len);
	*num = ike_get_u8(&pr);
	proto = ike_get_u8(&pr);
	spi_len = ike_get_u8(&pr);
	n_trans = ike_get_u8(&pr);
	if (*num == 0)
		return fail(d, "proposal number 0");
	if (proto == IKE_PROTO_IKE && spi_len != 0 && spi_len != 8)
		return failv(d, "IKE proposal SPI size is not 0 or 8", spi_len);
	if ((proto == IKE_PROTO_ESP || proto == IKE_PROTO_AH) && spi_len != 4)
		return failv(d, "ESP/AH proposal SPI size is not 4", spi_len);
	if (spi_len > IKE_MAX_SPI_LEN)
		return failv(d, "proposal SPI size above 8", spi_len);
	if (n_trans == 0)
		return fail(d, "proposal without transforms");
	if (n_trans > IKE_MAX_TRANSFORMS)
		return failv(d, "proposal with more than 64 transforms", n_trans);
	if (p) {
		p->num = *num;
		p->protocol = proto;
		p->spi_len = spi_len;
		p->n_transforms = n_trans;
		memset(p->spi, 0, sizeof(p->spi));
		ike_get_bytes(&pr, p->spi, spi_len);
	} else {
		ike_skip(&pr, spi_len);
	}
	if (ike_reader_failed(&pr))
		return failv(d, "proposal SPI exceeds proposal length", spi_len);
	for (unsigned int i = 0; i < n_trans; i++) {
		if (ike_reader_at_end(&pr))
			return failv(d, "proposal holds fewer transforms than its count", n_trans);
		rc = parse_transform(d, &pr, i + 1u == n_trans, p ? &p->transforms[i] : NULL);
		if (rc)
			return rc;
	}
	if (!ike_reader_at_end(&pr))
		return failv(d, "octets after the last transform of proposal", *num);
	*last = more == 0;
	return 0;
}

static int parse_sa(struct dec *d, struct ike_reader *body)
{
	struct ike_reader r = *body;
	bool response = d->m->hdr.flags & IKE_FLAG_RESPONSE;
	uint8_t num, prev = 0;
	unsigned int n = 0;
	bool last = false;
	int rc;

	if (ike_reader_at_end(&r))
		return fail(d, "no proposals");
	while (!last) {
		if (ike_reader_at_end(&r))
			return fail(d, "last proposal not marked last");
		if (n == IKE_MAX_PROPOSALS)
			return fail(d, "more than 32 proposals");
		rc = parse_proposal(d, &r, NULL, &num, &last);
		if (rc)
			return rc;
		/* RFC 7296 3.3.1: numbered from 1 in an offer; a response
		 * echoes the number it accepted */
		if (n == 0 && !response && num != 1)
			return failv(d, "first proposal number is not 1", num);
		if (n > 0 && num != prev + 1)
			return failv(d, "proposal number is not the previous plus one", num);
		prev = num;
		n++;
	}
	if (!ike_reader_at_end(&r))
		return fail(d, "octets after the last proposal");
	d->m->sa.body = ike_get_rest(body);
	d->m->sa.n_proposals = (uint8_t)n;
	return 0;
}

void ike_sa_iter_init(struct ike_sa_iter *it, const struct ike_sa_pl *sa)
{
	it->r = ike_reader_from_slice(sa->body);
	it->done = false;
}

bool ike_sa_iter_next(struct ike_sa_iter *it, struct ike_proposal *p)
{
	struct dec d = { 0 };
	uint8_t num;
	bool last;

	if (it->done || ike_reader_at_end(&it->r))
		return false;
	if (parse_proposal(&d, &it->r, p, &num, &last)) {
		/* only reachable with a slice that was not decoded by us */
		it->done = true;
		return false;
	}
	it->done = last;
	return true;
}

/* ---- Traffic selectors ---- */

static int parse_ts(struct dec *d, struct ike_reader *body, struct ike_ts_pl *ts)
{
	uint8_t n = ike_get_u8(body);
	struct ike_reader r;

	ike_skip(body, 3);
	if (ike_reader_failed(body))
		return fail(d, "shorter than 4 octets");
	if (n == 0)
		return fail(d, "no traffic selectors");
	if (n > IKE_MAX_TS)
		return failv(d, "more than 16 traffic selectors", n);
	r = *body;
	for (unsigned int i = 0; i < n; i++) {
		uint8_t type;
		uint16_t len;

		if (ike_reader_at_end(&r))
			return failv(d, "fewer selectors than the count", n);
		type = ike_get_u8(&r);
		ike_skip(&r, 1);
		len = ike_get_u16(&r);
		if (ike_reader_failed(&r))
			return fail(d, "selector header truncated");
		if (type == IKE_TS_IPV4_ADDR_RANGE && len != 16)
			return failv(d, "IPv4 selector length is not 16", len);
		if (type == IKE_TS_IPV6_ADDR_RANGE && len != 40)
			return failv(d, "IPv6 selector length is not 40", len);
		if (len < 8)
			return failv(d, "selector length below 8", len);
		ike_skip(&r, len - 4u);
		if (ike_reader_failed(&r))
			return failv(d, "selector length exceeds payload", len);
	}
	if (!ike_reader_at_end(&r))
		return failv(d, "octets after the last selector", n);
	ts->n_ts = n;
	ts->body = ike_get_rest(body);
	return 0;
}

size_t ike_ts_decode(const struct ike_ts_pl *pl, struct ike_ts *ts, size_t max)
{
	struct ike_reader r = ike_reader_from_slice(pl->body);
	size_t got = 0;

	for (unsigned int i = 0; i < pl->n_ts && got < max; i++) {
		uint8_t type = ike_get_u8(&r);
		uint8_t proto = ike_get_u8(&r);
		uint16_t len = ike_get_u16(&r);
		size_t alen;
		struct ike_ts *t = &ts[got];

		if (ike_reader_failed(&r) || len < 4)
			break;
		if (type == IKE_TS_IPV4_ADDR_RANGE && len == 16)
			alen = 4;
		else if (type == IKE_TS_IPV6_ADDR_RANGE && len == 40)
			alen = 16;
		else {
			ike_skip(&r, len - 4u);
			continue;
		}
		memset(t, 0, sizeof(*t));
		t->type = type;
		t->ip_proto = proto;
		t->start_port = ike_get_u16(&r);
		t->end_port = ike_get_u16(&r);
		ike_get_bytes(&r, t->start_addr, alen);
		ike_get_bytes(&r, t->end_addr, alen);
		if (ike_reader_failed(&r))
			break;
		got++;
	}
	return got;
}

/* ---- Configuration payload ---- */

static int parse_cp(struct dec *d, struct ike_reader *body)
{
	struct ike_reader r;
	unsigned int n = 0;

	d->m->cp.type = ike_get_u8(body);
	ike_skip(body, 3);
	if (ike_reader_failed(body))
		return fail(d, "shorter than 4 octets");
	r = *body;
	while (!ike_reader_at_end(&r)) {
		uint16_t len;

		ike_skip(&r, 2);
		len = ike_get_u16(&r);
		if (ike_reader_failed(&r))
			return fail(d, "attribute header truncated");
		ike_skip(&r, len);
		if (ike_reader_failed(&r))
			return failv(d, "attribute length exceeds payload", len);
		n++;
	}
	d->m->cp.n_attrs = n > UINT16_MAX ? UINT16_MAX : (uint16_t)n;
	d->m->cp.attrs = ike_get_rest(body);
	return 0;
}

void ike_cp_iter_init(struct ike_cp_iter *it, const struct ike_cp_pl *cp)
{
	it->r = ike_reader_from_slice(cp->attrs);
}

bool ike_cp_iter_next(struct ike_cp_iter *it, uint16_t *type, struct ike_slice *value)
{
	uint16_t t, len;

	if (ike_reader_at_end(&it->r))
		return false;
	t = ike_get_u16(&it->r);
	len = ike_get_u16(&it->r);
	*value = ike_get_slice(&it->r, len);
	if (ike_reader_failed(&it->r))
		return false;
	*type = t & 0x7fff; /* the top bit is reserved */
	return true;
}

/* ---- Other payloads ---- */

static int parse_id(struct dec *d, struct ike_reader *body, struct ike_id_pl *id)
{
	struct ike_reader whole = *body;

	id->type = ike_get_u8(body);
	ike_skip(body, 3);
	if (ike_reader_failed(body))
		return fail(d, "shorter than 4 octets");
	if (ike_reader_at_end(body))
		return fail(d, "empty identification data");
	if (id->type == IKE_ID_IPV4_ADDR && ike_reader_remaining(body) != 4)
		return failv(d, "ID_IPV4_ADDR is not 4 octets",
			     (uint32_t)ike_reader_remaining(body));
	if (id->type == IKE_ID_IPV6_ADDR && ike_reader_remaining(body) != 16)
		return failv(d, "ID_IPV6_ADDR is not 16 octets",
			     (uint32_t)ike_reader_remaining(body));
	if (ike_reader_remaining(body) > IKE_ID_MAX_LEN)
		return failv(d, "identification data longer than we keep",
			     (uint32_t)ike_reader_remaining(body));
	id->data = ike_get_rest(body);
	id->body = ike_get_rest(&whole);
	return 0;
}

static int parse_notify(struct dec *d, struct ike_reader *body)
{
	struct ike_notify *n;
	uint8_t spi_len;

	if (d->m->n_notify == IKE_MAX_NOTIFY)
		return fail(d, "more than 32 Notify payloads");
	n = &d->m->notify[d->m->n_notify];
	n->protocol = ike_get_u8(body);
	spi_len = ike_get_u8(body);
	n->type = ike_get_u16(body);
	if (ike_reader_failed(body))
		return fail(d, "shorter than 4 octets");
	if (spi_len > IKE_MAX_SPI_LEN)
		return failv(d, "SPI size above 8", spi_len);
	n->spi = ike_get_slice(body, spi_len);
	if (ike_reader_failed(body))
		return failv(d, "SPI size exceeds payload", spi_len);
	n->data = ike_get_rest(body);
	d->m->n_notify++;
	return 0;
}

static int parse_delete(struct dec *d, struct ike_reader *body)
{
	struct ike_delete_pl *del;

	if (d->m->n_delete == IKE_MAX_DELETE)
		return fail(d, "more than 8 Delete payloads");
	del = &d->m->del[d->m->n_delete];
	del->protocol = ike_get_u8(body);
	del->spi_len = ike_get_u8(body);
	del->n_spi = ike_get_u16(body);
	if (ike_reader_failed(body))
		return fail(d, "shorter than 4 octets");
	if (del->protocol == IKE_PROTO_IKE && (del->spi_len != 0 || del->n_spi != 0))
		return failv(d, "IKE SA deletion with SPIs, size", del->spi_len);
	if ((del->protocol == IKE_PROTO_ESP || del->protocol == IKE_PROTO_AH) && del->spi_len != 4)
		return failv(d, "ESP/AH SPI size is not 4", del->spi_len);
	if ((size_t)del->n_spi * del->spi_len != ike_reader_remaining(body))
		return failv(d, "SPI count times size differs from payload, count", del->n_spi);
	del->spis = ike_get_rest(body);
	d->m->n_delete++;
	return 0;
}

uint32_t ike_delete_spi32(const struct ike_delete_pl *d, size_t i)
{
	struct ike_reader r = ike_reader_from_slice(d->spis);

	if (d->spi_len != 4 || i >= d->n_spi)
		return 0;
	ike_skip(&r, i * 4);
	return ike_get_u32(&r);
}

static int parse_cert(struct dec *d, struct ike_reader *body, bool req)
{
	struct ike_cert_pl *c;

	if (req && d->m->n_certreq == IKE_MAX_CERTREQ)
		return fail(d, "more than 8 CERTREQ payloads");
	if (!req && d->m->n_cert == IKE_MAX_CERT)
		return fail(d, "more than 8 CERT payloads");
	c = req ? &d->m->certreq[d->m->n_certreq] : &d->m->cert[d->m->n_cert];
	c->encoding = ike_get_u8(body);
	if (ike_reader_failed(body))
		return fail(d, "no encoding octet");
	/* an empty CERTREQ asks for any certificate */
	if (!req && ike_reader_at_end(body))
		return fail(d, "empty certificate data");
	c->data = ike_get_rest(body);
	if (req)
		d->m->n_certreq++;
	else
		d->m->n_cert++;
	return 0;
}

/* Fixed 4-octet header (one field + reserved) then non-empty data. */
static int parse_typed(struct dec *d, struct ike_reader *body, bool wide, uint16_t *field,
		       struct ike_slice *data)
{
	if (wide) {
		*field = ike_get_u16(body);
		ike_skip(body, 2);
	} else {
		*field = ike_get_u8(body);
		ike_skip(body, 3);
	}
	if (ike_reader_failed(body))
		return fail(d, "shorter than 4 octets");
	if (ike_reader_at_end(body))
		return fail(d, "no data");
	*data = ike_get_rest(body);
	return 0;
}

static int parse_payload(struct dec *d, struct ike_reader *body)
{
	struct ike_msg *m = d->m;
	uint16_t field;
	size_t len;
	int rc;

	switch (d->pl) {
	case IKE_PL_SA:
		return parse_sa(d, body);
	case IKE_PL_KE:
		rc = parse_typed(d, body, true, &field, &m->ke.data);
		m->ke.group = field;
		return rc;
	case IKE_PL_IDI:
		return parse_id(d, body, &m->idi);
	case IKE_PL_IDR:
		return parse_id(d, body, &m->idr);
	case IKE_PL_CERT:
		return parse_cert(d, body, false);
	case IKE_PL_CERTREQ:
		return parse_cert(d, body, true);
	case IKE_PL_AUTH:
		rc = parse_typed(d, body, false, &field, &m->auth.data);
		m->auth.method = (uint8_t)field;
		return rc;
	case IKE_PL_NONCE:
		len = ike_reader_remaining(body);
		if (len < IKE_NONCE_MIN)
			return failv(d, "nonce shorter than 16 octets", (uint32_t)len);
		if (len > IKE_NONCE_MAX)
			return failv(d, "nonce longer than 256 octets", (uint32_t)len);
		m->nonce = ike_get_rest(body);
		return 0;
	case IKE_PL_NOTIFY:
		return parse_notify(d, body);
	case IKE_PL_DELETE:
		return parse_delete(d, body);
	case IKE_PL_VENDOR:
		if (m->n_vendor == IKE_MAX_VENDOR)
			return fail(d, "more than 16 Vendor ID payloads");
		m->vendor[m->n_vendor++] = ike_get_rest(body);
		return 0;
	case IKE_PL_TSI:
		return parse_ts(d, body, &m->tsi);
	case IKE_PL_TSR:
		return parse_ts(d, body, &m->tsr);
	case IKE_PL_CP:
		return parse_cp(d, body);
	case IKE_PL_EAP: {
		struct ike_reader e = *body;

		ike_skip(&e, 2);
		field = ike_get_u16(&e);
		if (ike_reader_failed(&e))
			return fail(d, "shorter than 4 octets");
		if (field != ike_reader_remaining(body))
			return failv(d, "EAP length differs from payload", field);
		m->eap = ike_get_rest(body);
		return 0;
	}
	default:
		return fail(d, "internal: no parser");
	}
}

/* SK or SKF (RFC 7383 2.5): the last payload, alone of its kind. */
static int parse_sk(struct dec *d, struct ike_reader *r, struct ike_reader *body, uint8_t next)
{
	struct ike_msg *m = d->m;
	const uint32_t both = IKE_PL_BIT(IKE_PL_SK) | IKE_PL_BIT(IKE_PL_SKF);

	if (d->inner)
		return fail(d, d->pl == IKE_PL_SK ? "SK inside SK" : "SKF inside SK");
	if (m->present & both)
		return fail(d, "duplicate payload");
	if (!ike_reader_at_end(r))
		return failv(d, "not the last payload, octets after it",
			     (uint32_t)ike_reader_remaining(r));
	if (d->pl == IKE_PL_SKF) {
		m->skf.number = ike_get_u16(body);
		m->skf.total = ike_get_u16(body);
		if (ike_reader_failed(body))
			return fail(d, "shorter than its fragment fields");
		if (m->skf.total == 0)
			return fail(d, "Total Fragments is 0");
		if (m->skf.number == 0 || m->skf.number > m->skf.total)
			return failv(d, "Fragment Number not within 1..Total Fragments",
				     m->skf.number);
		m->skf.first_payload = next;
		m->skf.body_off = (uint32_t)ike_reader_offset(body);
		m->skf.body = ike_get_rest(body);
	} else {
		m->sk.first_payload = next;
		m->sk.body_off = (uint32_t)ike_reader_offset(body);
		m->sk.body = ike_get_rest(body);
	}
	m->present |= IKE_PL_BIT(d->pl);
	return 0;
}

static bool is_repeatable(uint8_t type)
{
	return type == IKE_PL_NOTIFY || type == IKE_PL_VENDOR || type == IKE_PL_CERT ||
	       type == IKE_PL_CERTREQ || type == IKE_PL_DELETE;
}

static int decode_chain(struct dec *d, struct ike_reader *r, uint8_t np)
{
	struct ike_msg *m = d->m;

	while (np != IKE_PL_NONE) {
		uint8_t next, flags;
		uint16_t len;
		struct ike_reader body;
		int rc;

		d->pl = np;
		d->off = ike_reader_offset(r);
		next = ike_get_u8(r);
		flags = ike_get_u8(r);
		len = ike_get_u16(r);
		if (ike_reader_failed(r))
			return fail(d, "generic payload header truncated");
		if (len < IKE_GENERIC_HDR_LEN)
			return failv(d, "payload length below 4", len);
		body = ike_get_sub(r, len - 4u);
		if (ike_reader_failed(&body))
			return failv(d, "payload length exceeds message", len);

		if (np == IKE_PL_SK || np == IKE_PL_SKF)
			return parse_sk(d, r, &body, next);
		if (np < IKE_PL_SA || np > IKE_PL_EAP) {
			/* RFC 7296 2.5: the critical bit is about this payload */
			if (flags & IKE_PAYLOAD_CRITICAL)
				return fail_n(d, IKE_N_UNSUPPORTED_CRITICAL_PAYLOAD,
					      "unsupported critical payload", false, 0);
			np = next;
			continue;
		}
		if ((m->present & IKE_PL_BIT(np)) && !is_repeatable(np))
			return fail(d, "duplicate payload");
		rc = parse_payload(d, &body);
		if (rc)
			return rc;
		m->present |= IKE_PL_BIT(np);
		if (d->inner)
			m->encrypted |= IKE_PL_BIT(np);
		np = next;
	}
	if (!ike_reader_at_end(r)) {
		d->pl = IKE_PL_NONE;
		d->off = ike_reader_offset(r);
		return failv(d, "octets after the last payload", (uint32_t)ike_reader_remaining(r));
	}
	return 0;
}

static void clear_err(struct ike_wire_err *err)
{
	if (err)
		*err = (struct ike_wire_err){ 0 };
}

int ike_hdr_decode(struct ike_hdr *h, const void *pkt, size_t len, struct ike_wire_err *err)
{
	struct dec d = { .err = err };
	struct ike_reader r;

	clear_err(err);
	memset(h, 0, sizeof(*h));
	if (len < IKE_HDR_LEN)
		return failv(&d, "shorter than the IKE header", (uint32_t)len);
	ike_reader_init(&r, pkt, len);
	h->spi_i = ike_get_u64(&r);
	h->spi_r = ike_get_u64(&r);
	h->next_payload = ike_get_u8(&r);
	h->version = ike_get_u8(&r);
	h->exchange = ike_get_u8(&r);
	h->flags = ike_get_u8(&r);
	h->msg_id = ike_get_u32(&r);
	h->length = ike_get_u32(&r);
	if (ike_reader_failed(&r))
		return fail(&d, "header truncated");
	/* RFC 7296 2.5: a later major version may change everything after it */
	if ((h->version >> 4) != (IKE_VERSION >> 4))
		return fail_n(&d, IKE_N_INVALID_MAJOR_VERSION, "major version is not 2", true,
			      h->version >> 4);
	if (h->length < len)
		return failv(&d, "length field shorter than the datagram", h->length);
	if (h->length > len)
		return failv(&d, "length field longer than the datagram", h->length);
	return 0;
}

int ike_msg_decode(struct ike_msg *m, const void *pkt, size_t len, struct ike_wire_err *err)
{
	struct dec d = { .m = m, .err = err };
	struct ike_reader r;
	int rc;

	memset(m, 0, sizeof(*m));
	rc = ike_hdr_decode(&m->hdr, pkt, len, err);
	if (rc)
		return rc;
	ike_reader_init(&r, pkt, len);
	ike_skip(&r, IKE_HDR_LEN);
	return decode_chain(&d, &r, m->hdr.next_payload);
}

int ike_msg_decode_inner(struct ike_msg *m, const void *plain, size_t len, uint8_t first_payload,
			 struct ike_wire_err *err)
{
	struct dec d = { .m = m, .err = err, .inner = true };
	struct ike_reader r;

	clear_err(err);
	ike_reader_init(&r, plain, len);
	return decode_chain(&d, &r, first_payload);
}

const struct ike_notify *ike_msg_notify(const struct ike_msg *m, uint16_t type)
{
	for (unsigned int i = 0; i < m->n_notify; i++) {
		if (m->notify[i].type == type)
			return &m->notify[i];
	}
	return NULL;
}

/* ---- Building ---- */

void ike_hdr_encode(struct ike_writer *w, const struct ike_hdr *h)
{
	ike_put_u64(w, h->spi_i);
	ike_put_u64(w, h->spi_r);
	ike_put_u8(w, h->next_payload);
	ike_put_u8(w, h->version);
	ike_put_u8(w, h->exchange);
	ike_put_u8(w, h->flags);
	ike_put_u32(w, h->msg_id);
	ike_put_u32(w, h->length);
}

#define HDR_NEXT_PAYLOAD_OFF 16
#define HDR_LENGTH_OFF 24

void ike_build_begin(struct ike_builder *b, struct ike_writer *w, const struct ike_hdr *h)
{
	struct ike_hdr hdr = *h;

	*b = (struct ike_builder){ .w = w, .start = ike_writer_len(w) };
	b->np_off = b->start + HDR_NEXT_PAYLOAD_OFF;
	hdr.next_payload = IKE_PL_NONE;
	hdr.length = 0;
	ike_hdr_encode(w, &hdr);
}

void ike_build_begin_inner(struct ike_builder *b, struct ike_writer *w)
{
	*b = (struct ike_builder){ .w = w, .start = ike_writer_len(w), .inner = true };
	b->np_off = SIZE_MAX;
}

int ike_build_end(struct ike_builder *b)
{
	size_t len = ike_writer_len(b->w) - b->start;

	if (b->inner)
		ike_writer_fail(b->w, -EINVAL);
	if (len > UINT32_MAX)
		ike_writer_fail(b->w, -EMSGSIZE);
	ike_patch_u32(b->w, b->start + HDR_LENGTH_OFF, (uint32_t)len);
	return ike_writer_error(b->w);
}

int ike_build_end_inner(struct ike_builder *b, uint8_t *first_payload)
{
	if (!b->inner)
		ike_writer_fail(b->w, -EINVAL);
	*first_payload = b->first;
	return ike_writer_error(b->w);
}

/* Starts a payload: chains it, writes its generic header; returns its offset. */
static size_t pl_begin(struct ike_builder *b, uint8_t type, uint8_t flags)
{
	size_t off = ike_writer_len(b->w);

	if (b->closed)
		ike_writer_fail(b->w, -EINVAL);
	if (b->np_off == SIZE_MAX)
		b->first = type;
	else
		ike_patch_u8(b->w, b->np_off, type);
	if (b->first == IKE_PL_NONE)
		b->first = type;
	b->np_off = off;
	ike_put_u8(b->w, IKE_PL_NONE);
	ike_put_u8(b->w, flags);
	ike_put_reserve16(b->w);
	return off;
}

static void pl_end(struct ike_builder *b, size_t off)
{
	size_t len = ike_writer_len(b->w) - off;

	if (len > UINT16_MAX)
		ike_writer_fail(b->w, -EMSGSIZE);
	ike_patch_u16(b->w, off + 2, (uint16_t)len);
}

void ike_add_raw(struct ike_builder *b, uint8_t type, uint8_t flags, const void *body, size_t len)
{
	size_t off = pl_begin(b, type, flags);

	ike_put_bytes(b->w, body, len);
	pl_end(b, off);
}

void ike_add_sa(struct ike_builder *b, const struct ike_proposal *props, size_t n)
{
	struct ike_writer *w = b->w;
	size_t off = pl_begin(b, IKE_PL_SA, 0);

	if (n == 0 || n > IKE_MAX_PROPOSALS)
		ike_writer_fail(w, -EINVAL);
	for (size_t i = 0; i < n && !ike_writer_error(w); i++) {
		const struct ike_proposal *p = &props[i];
		size_t poff = ike_writer_len(w);

		if (p->spi_len > IKE_MAX_SPI_LEN || p->n_transforms == 0 ||
		    p->n_transforms > IKE_MAX_TRANSFORMS) {
			ike_writer_fail(w, -EINVAL);
			break;
		}
		ike_put_u8(w, i + 1 < n ? 2 : 0);
		ike_put_u8(w, 0);
		ike_put_reserve16(w);
		ike_put_u8(w, p->num);
		ike_put_u8(w, p->protocol);
		ike_put_u8(w, p->spi_len);
		ike_put_u8(w, p->n_transforms);
		ike_put_bytes(w, p->spi, p->spi_len);
		for (unsigned int j = 0; j < p->n_transforms; j++) {
			const struct ike_transform *t = &p->transforms[j];

			ike_put_u8(w, j + 1u < p->n_transforms ? 3 : 0);
			ike_put_u8(w, 0);
			ike_put_u16(w, t->key_len ? 12 : 8);
			ike_put_u8(w, t->type);
			ike_put_u8(w, 0);
			ike_put_u16(w, t->id);
			if (t->key_len) {
				ike_put_u16(w, IKE_ATTR_TV | IKE_ATTR_KEY_LENGTH);
				ike_put_u16(w, t->key_len);
			}
		}
		/* at most 8 + 8 + 64 * 12 octets: fits in 16 bits */
		ike_patch_u16(w, poff + 2, (uint16_t)(ike_writer_len(w) - poff));
	}
	pl_end(b, off);
}

void ike_add_ke(struct ike_builder *b, uint16_t group, const void *data, size_t len)
{
	size_t off = pl_begin(b, IKE_PL_KE, 0);

	ike_put_u16(b->w, group);
	ike_put_u16(b->w, 0);
	ike_put_bytes(b->w, data, len);
	pl_end(b, off);
}

/* One octet field, three reserved, data. */
static void add_typed8(struct ike_builder *b, uint8_t pl, uint8_t field, const void *data,
		       size_t len)
{
	size_t off = pl_begin(b, pl, 0);

	ike_put_u8(b->w, field);
	ike_put_zeros(b->w, 3);
	ike_put_bytes(b->w, data, len);
	pl_end(b, off);
}

void ike_add_id(struct ike_builder *b, uint8_t type, uint8_t id_type, const void *data, size_t len)
{
	if (type != IKE_PL_IDI && type != IKE_PL_IDR)
		ike_writer_fail(b->w, -EINVAL);
	add_typed8(b, type, id_type, data, len);
}

void ike_add_auth(struct ike_builder *b, uint8_t method, const void *data, size_t len)
{
	add_typed8(b, IKE_PL_AUTH, method, data, len);
}

void ike_add_cert(struct ike_builder *b, uint8_t type, uint8_t encoding, const void *data,
		  size_t len)
{
	size_t off;

	if (type != IKE_PL_CERT && type != IKE_PL_CERTREQ)
		ike_writer_fail(b->w, -EINVAL);
	off = pl_begin(b, type, 0);
	ike_put_u8(b->w, encoding);
	ike_put_bytes(b->w, data, len);
	pl_end(b, off);
}

void ike_add_nonce(struct ike_builder *b, const void *nonce, size_t len)
{
	ike_add_raw(b, IKE_PL_NONCE, 0, nonce, len);
}

void ike_add_notify(struct ike_builder *b, uint8_t protocol, const void *spi, size_t spi_len,
		    uint16_t type, const void *data, size_t len)
{
	size_t off = pl_begin(b, IKE_PL_NOTIFY, 0);

	if (spi_len > IKE_MAX_SPI_LEN)
		ike_writer_fail(b->w, -EINVAL);
	ike_put_u8(b->w, protocol);
	ike_put_u8(b->w, (uint8_t)spi_len);
	ike_put_u16(b->w, type);
	ike_put_bytes(b->w, spi, spi_len);
	ike_put_bytes(b->w, data, len);
	pl_end(b, off);
}

void ike_add_delete(struct ike_builder *b, uint8_t protocol, uint8_t spi_len, const void *spis,
		    uint16_t n)
{
	size_t off = pl_begin(b, IKE_PL_DELETE, 0);

	ike_put_u8(b->w, protocol);
	ike_put_u8(b->w, spi_len);
	ike_put_u16(b->w, n);
	ike_put_bytes(b->w, spis, (size_t)spi_len * n);
	pl_end(b, off);
}

void ike_add_vendor(struct ike_builder *b, const void *data, size_t len)
{
	ike_add_raw(b, IKE_PL_VENDOR, 0, data, len);
}

void ike_add_ts(struct ike_builder *b, uint8_t type, const struct ike_ts *ts, size_t n)
{
	struct ike_writer *w = b->w;
	size_t off;

	if ((type != IKE_PL_TSI && type != IKE_PL_TSR) || n == 0 || n > UINT8_MAX)
		ike_writer_fail(w, -EINVAL);
	off = pl_begin(b, type, 0);
	ike_put_u8(w, (uint8_t)n);
	ike_put_zeros(w, 3);
	for (size_t i = 0; i < n && !ike_writer_error(w); i++) {
		const struct ike_ts *t = &ts[i];
		size_t alen;

		if (t->type == IKE_TS_IPV4_ADDR_RANGE) {
			alen = 4;
		} else if (t->type == IKE_TS_IPV6_ADDR_RANGE) {
			alen = 16;
		} else {
			ike_writer_fail(w, -EINVAL);
			break;
		}
		ike_put_u8(w, t->type);
		ike_put_u8(w, t->ip_proto);
		ike_put_u16(w, (uint16_t)(8 + 2 * alen));
		ike_put_u16(w, t->start_port);
		ike_put_u16(w, t->end_port);
		ike_put_bytes(w, t->start_addr, alen);
		ike_put_bytes(w, t->end_addr, alen);
	}
	pl_end(b, off);
}

void ike_add_cp(struct ike_builder *b, uint8_t cfg_type, const struct ike_cp_attr *attrs, size_t n)
{
	size_t off = pl_begin(b, IKE_PL_CP, 0);

	ike_put_u8(b->w, cfg_type);
	ike_put_zeros(b->w, 3);
	for (size_t i = 0; i < n; i++) {
		ike_put_u16(b->w, attrs[i].type & 0x7fff);
		ike_put_u16(b->w, attrs[i].len);
		ike_put_bytes(b->w, attrs[i].value, attrs[i].len);
	}
	pl_end(b, off);
}

void ike_add_eap(struct ike_builder *b, const void *eap, size_t len)
{
	ike_add_raw(b, IKE_PL_EAP, 0, eap, len);
}

static void add_sk(struct ike_builder *b, uint8_t type, uint8_t first_inner, uint16_t number,
		   uint16_t total, size_t iv_len, size_t ct_len, size_t icv_len,
		   struct ike_sk_layout *layout)
{
	size_t off, body, fields = type == IKE_PL_SKF ? 4 : 0;

	if (b->inner)
		ike_writer_fail(b->w, -EINVAL);
	off = pl_begin(b, type, 0);
	ike_patch_u8(b->w, off, first_inner);
	if (type == IKE_PL_SKF) {
		if (number == 0 || number > total || (number > 1 && first_inner != IKE_PL_NONE))
			ike_writer_fail(b->w, -EINVAL);
		ike_put_u16(b->w, number);
		ike_put_u16(b->w, total);
	}
	if (iv_len > UINT16_MAX || ct_len > UINT16_MAX || icv_len > UINT16_MAX) {
		iv_len = ct_len = icv_len = 0;
		ike_writer_fail(b->w, -EMSGSIZE);
	}
	/* no overflow: each term is below 2^16; pl_end() checks the sum */
	body = iv_len + ct_len + icv_len;
	ike_put_zeros(b->w, body);
	pl_end(b, off);
	b->closed = true;
	*layout = (struct ike_sk_layout){
		.msg_off = b->start,
		.sk_off = off,
		.iv_off = off + IKE_GENERIC_HDR_LEN + fields,
		.ct_off = off + IKE_GENERIC_HDR_LEN + fields + iv_len,
		.icv_off = off + IKE_GENERIC_HDR_LEN + fields + iv_len + ct_len,
		.end = off + IKE_GENERIC_HDR_LEN + fields + body,
	};
}

void ike_add_sk(struct ike_builder *b, uint8_t first_inner, size_t iv_len, size_t ct_len,
		size_t icv_len, struct ike_sk_layout *layout)
{
	add_sk(b, IKE_PL_SK, first_inner, 0, 0, iv_len, ct_len, icv_len, layout);
}

void ike_add_skf(struct ike_builder *b, uint8_t first_inner, uint16_t number, uint16_t total,
		 size_t iv_len, size_t ct_len, size_t icv_len, struct ike_sk_layout *layout)
{
	add_sk(b, IKE_PL_SKF, first_inner, number, total, iv_len, ct_len, icv_len, layout);
}
