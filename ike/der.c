// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * DER TLVs and Distinguished Names (see der.h). Everything read from the
 * network goes through the bounded reader; DNs arrive in ID payloads and
 * certificates from peers we have not authenticated yet.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ike/der.h"
#include "ike/fmt.h"

static int bad(struct ike_reader *r)
{
	r->err = true;
	return -EBADMSG;
}

int ike_der_get(struct ike_reader *r, struct ike_der *out)
{
	struct ike_reader start = *r;
	uint8_t tag, l;
	size_t len = 0;

	memset(out, 0, sizeof(*out));
	tag = ike_get_u8(r);
	l = ike_get_u8(r);
	if (ike_reader_failed(r) || (tag & 0x1f) == 0x1f)
		return bad(r);
	if (l < 0x80) {
		len = l;
	} else {
		size_t n = l & 0x7f;

		/* 0x80 is BER's indefinite length; DER has none */
		if (!n || n > 4)
			return bad(r);
		for (size_t i = 0; i < n; i++) {
			uint8_t b = ike_get_u8(r);

			if (!i && !b) /* not the fewest octets */
				return bad(r);
			len = len << 8 | b;
		}
		if (ike_reader_failed(r) || len < 0x80)
			return bad(r);
	}
	if (len > ike_reader_remaining(r))
		return bad(r);
	out->tag = tag;
	out->val = ike_get_slice(r, len);
	out->whole = ike_get_slice(&start, ike_reader_remaining(&start) - ike_reader_remaining(r));
	return 0;
}

int ike_der_expect(struct ike_reader *r, uint8_t tag, struct ike_der *out)
{
	if (ike_der_get(r, out))
		return -EBADMSG;
	if (out->tag != tag)
		return bad(r);
	return 0;
}

/* An OID's contents: at least one subidentifier, each in the fewest
 * octets (no leading 0x80), the last one complete. */
static bool oid_ok(struct ike_slice oid)
{
	bool start = true;

	if (!oid.len || oid.len > 64)
		return false;
	for (size_t i = 0; i < oid.len; i++) {
		if (start && oid.ptr[i] == 0x80)
			return false;
		start = !(oid.ptr[i] & 0x80);
	}
	return start;
}

/* ---- the attributes strongSwan knows ---- */

struct dn_oid {
	const char *name; /* as strongSwan prints it */
	uint8_t type;	  /* the string type for text values */
	uint8_t len;
	uint8_t oid[10];
};

/* clang-format off */
#define X500(n, b) { n, IKE_DER_PRINTABLE_STRING, 3, { 0x55, 0x04, b } }
#define PKCS9(n, b, t) { n, t, 9, { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, b } }
#define PILOT(n, b) \
	{ n, IKE_DER_PRINTABLE_STRING, 10, { 0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, b } }
/* clang-format on */

static const struct dn_oid oids[] = {
	X500("CN", 0x03),
	X500("SN", 0x04), /* surname (strongSwan 5.x: SN is no longer serialNumber) */
	X500("serialNumber", 0x05),
	X500("C", 0x06),
	X500("L", 0x07),
	X500("ST", 0x08),
	X500("STREET", 0x09),
	X500("O", 0x0a),
	X500("OU", 0x0b),
	X500("T", 0x0c),
	X500("D", 0x0d),
	X500("postalAddress", 0x10),
	X500("postalCode", 0x11),
	X500("N", 0x29),
	X500("G", 0x2a),
	X500("I", 0x2b),
	X500("ID", 0x2d),
	X500("dnQualifier", 0x2e),
	X500("dmdName", 0x36),
	X500("pseudonym", 0x41),
	X500("role", 0x48),
	X500("organizationIdentifier", 0x61),
	PKCS9("E", 0x01, IKE_DER_IA5_STRING),
	PKCS9("unstructuredName", 0x02, IKE_DER_IA5_STRING),
	PKCS9("unstructuredAddress", 0x08, IKE_DER_PRINTABLE_STRING),
	PILOT("UID", 0x01),
	PILOT("DC", 0x19),
	{ "ND", IKE_DER_PRINTABLE_STRING, 7, { 0x02, 0x82, 0x06, 0x01, 0x0a, 0x07, 0x14 } },
	{ "employeeNumber",
	  IKE_DER_PRINTABLE_STRING,
	  10,
	  { 0x60, 0x86, 0x48, 0x01, 0x86, 0xf8, 0x42, 0x03, 0x01, 0x03 } },
};

#define N_OIDS (sizeof(oids) / sizeof(oids[0]))

/* The keys accepted in text (strongSwan's x501rdns), without case. */
static const struct {
	const char *key;
	const char *name; /* the entry of oids[] */
} keys[] = {
	{ "ND", "ND" },
	{ "UID", "UID" },
	{ "DC", "DC" },
	{ "CN", "CN" },
	{ "SN", "SN" },
	{ "serialNumber", "serialNumber" },
	{ "C", "C" },
	{ "L", "L" },
	{ "ST", "ST" },
	{ "STREET", "STREET" },
	{ "O", "O" },
	{ "OU", "OU" },
	{ "organizationIdentifier", "organizationIdentifier" },
	{ "T", "T" },
	{ "D", "D" },
	{ "postalAddress", "postalAddress" },
	{ "postalCode", "postalCode" },
	{ "N", "N" },
	{ "G", "G" },
	{ "I", "I" },
	{ "dnQualifier", "dnQualifier" },
	{ "dmdName", "dmdName" },
	{ "pseudonym", "pseudonym" },
	{ "ID", "ID" },
	{ "EN", "employeeNumber" },
	{ "employeeNumber", "employeeNumber" },
	{ "E", "E" },
	{ "Email", "E" },
	{ "emailAddress", "E" },
	{ "UN", "unstructuredName" },
	{ "unstructuredName", "unstructuredName" },
	{ "UA", "unstructuredAddress" },
	{ "unstructuredAddress", "unstructuredAddress" },
};

static const struct dn_oid *oid_by_name(const char *name)
{
	for (size_t i = 0; i < N_OIDS; i++)
		if (!strcmp(oids[i].name, name))
			return &oids[i];
	return NULL;
}

static const struct dn_oid *oid_by_key(const char *key, size_t len)
{
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strlen(keys[i].key) == len && !strncasecmp(keys[i].key, key, len))
			return oid_by_name(keys[i].name);
	return NULL;
}

const char *ike_dn_oid_name(struct ike_slice oid)
{
	for (size_t i = 0; i < N_OIDS; i++)
		if (oid.len == oids[i].len && !memcmp(oid.ptr, oids[i].oid, oid.len))
			return oids[i].name;
	return NULL;
}

/* ---- reading a DN ---- */

int ike_dn_iter_init(struct ike_dn_iter *it, const uint8_t *dn, size_t len)
{
	struct ike_reader r;
	struct ike_der seq;

	memset(it, 0, sizeof(*it));
	ike_reader_init(&r, dn, len);
	if (ike_der_expect(&r, IKE_DER_SEQUENCE, &seq) || !ike_reader_at_end(&r)) {
		it->bad = true;
		return -EBADMSG;
	}
	it->rdns = ike_reader_from_slice(seq.val);
	ike_reader_init(&it->set, NULL, 0);
	return 0;
}

int ike_dn_next(struct ike_dn_iter *it, struct ike_dn_attr *out)
{
	struct ike_der set, atv, oid, val;
	struct ike_reader r;

	memset(out, 0, sizeof(*out));
	if (it->bad)
		return -EBADMSG;
	if (ike_reader_at_end(&it->set)) {
		if (ike_reader_at_end(&it->rdns))
			return 0;
		/* an RDN is a SET of at least one attribute */
		if (ike_der_expect(&it->rdns, IKE_DER_SET, &set) || !set.val.len)
			goto fail;
		it->set = ike_reader_from_slice(set.val);
	}
	if (ike_der_expect(&it->set, IKE_DER_SEQUENCE, &atv))
		goto fail;
	r = ike_reader_from_slice(atv.val);
	if (ike_der_expect(&r, IKE_DER_OID, &oid) || !oid_ok(oid.val) || ike_der_get(&r, &val) ||
	    !ike_reader_at_end(&r))
		goto fail;
	/* a value is a universal, primitive type (the string types) */
	if ((val.tag & 0xe0) || !val.tag || ++it->n > IKE_DN_MAX_RDNS)
		goto fail;
	out->oid = oid.val;
	out->type = val.tag;
	out->value = val.val;
	return 1;
fail:
	it->bad = true;
	return -EBADMSG;
}

int ike_dn_check(const uint8_t *dn, size_t len)
{
	struct ike_dn_iter it;
	struct ike_dn_attr a;
	int rc;

	if (ike_dn_iter_init(&it, dn, len))
		return -EBADMSG;
	while ((rc = ike_dn_next(&it, &a)) > 0)
		;
	return rc;
}

/* ---- DER to text ---- */

/* Dotted decimal; an arc that does not fit 64 bits is printed as '?'. */
static void oid_text(struct ike_fmt *o, struct ike_slice oid)
{
	uint64_t v = 0;
	size_t octets = 0;
	bool first = true;

	for (size_t i = 0; i < oid.len; i++) {
		v = v << 7 | (oid.ptr[i] & 0x7f);
		octets++;
		if (oid.ptr[i] & 0x80)
			continue;
		if (octets > 9) {
			ike_fmt(o, first ? "?" : ".?");
		} else if (first) {
			unsigned top = v < 40 ? 0 : v < 80 ? 1 : 2;

			ike_fmt(o, "%u.%llu", top, (unsigned long long)(v - 40 * top));
		} else {
			ike_fmt(o, ".%llu", (unsigned long long)v);
		}
		first = false;
		v = 0;
		octets = 0;
	}
}

int ike_dn_to_text(const uint8_t *dn, size_t len, char *buf, size_t size)
{
	struct ike_fmt o = { buf, size, 0 };
	struct ike_dn_iter it;
	struct ike_dn_attr a;
	int rc;

	if (size)
		buf[0] = 0;
	if (ike_dn_iter_init(&it, dn, len)) {
		rc = -EBADMSG;
		goto out;
	}
	while ((rc = ike_dn_next(&it, &a)) > 0) {
		const char *name = ike_dn_oid_name(a.oid);

		if (it.n > 1)
			ike_fmt(&o, ", ");
		if (name)
			ike_fmt(&o, "%s=", name);
		else {
			oid_text(&o, a.oid);
			ike_fmt(&o, "=");
		}
		for (size_t i = 0; i < a.value.len; i++) {
			uint8_t c = a.value.ptr[i];

			ike_fmt(&o, "%c", c >= 0x20 && c < 0x7f ? c : '?');
		}
	}
out:
	if (rc < 0)
		snprintf(buf, size, "(invalid ID_DER_ASN1_DN)");
	return rc < 0 ? -EBADMSG : 0;
}

/* ---- text to DER ---- */

static bool printable_char(uint8_t c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       strchr(" '()+,-./:=?", c);
}

/* Well-formed UTF-8 (no overlong forms, surrogates or values past
 * U+10FFFF): a certificate's UTF8String is compared octet by octet. */
static bool utf8_ok(const uint8_t *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		uint8_t c = s[i];
		size_t n;
		uint32_t v;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			n = 1, v = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			n = 2, v = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			n = 3, v = c & 0x07;
		else
			return false;
		if (len - i <= n)
			return false;
		for (size_t k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			v = v << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 2 && (v < 0x800 || (v >= 0xd800 && v <= 0xdfff))) ||
		    (n == 3 && (v < 0x10000 || v > 0x10ffff)))
			return false;
		i += n + 1;
	}
	return true;
}

struct text_attr {
	const struct dn_oid *oid;
	uint8_t type;
	const char *value;
	size_t len;
};

static size_t hdr_len(size_t n)
{
	return n < 0x80 ? 2 : n < 0x100 ? 3 : 4;
}

static void put_hdr(struct ike_writer *w, uint8_t tag, size_t n)
{
	ike_put_u8(w, tag);
	if (n < 0x80) {
		ike_put_u8(w, (uint8_t)n);
	} else if (n < 0x100) {
		ike_put_u8(w, 0x81);
		ike_put_u8(w, (uint8_t)n);
	} else if (n < 0x10000) {
		ike_put_u8(w, 0x82);
		ike_put_u16(w, (uint16_t)n);
	} else {
		ike_writer_fail(w, -ENOBUFS);
	}
}

static int encode(const struct text_attr *a, size_t n, uint8_t *out, size_t max, size_t *len)
{
	size_t atv[IKE_DN_MAX_RDNS], total = 0;
	struct ike_writer w;

	for (size_t i = 0; i < n; i++) {
		atv[i] = hdr_len(a[i].oid->len) + a[i].oid->len + hdr_len(a[i].len) + a[i].len;
		total += hdr_len(hdr_len(atv[i]) + atv[i]) + hdr_len(atv[i]) + atv[i];
	}
	if (total >= 0x10000)
		return -ENOBUFS;
	ike_writer_init_fixed(&w, out, max);
	put_hdr(&w, IKE_DER_SEQUENCE, total);
	for (size_t i = 0; i < n; i++) {
		put_hdr(&w, IKE_DER_SET, hdr_len(atv[i]) + atv[i]);
		put_hdr(&w, IKE_DER_SEQUENCE, atv[i]);
		put_hdr(&w, IKE_DER_OID, a[i].oid->len);
		ike_put_bytes(&w, a[i].oid->oid, a[i].oid->len);
		put_hdr(&w, a[i].type, a[i].len);
		ike_put_bytes(&w, a[i].value, a[i].len);
	}
	if (ike_writer_error(&w))
		return -ENOBUFS;
	*len = ike_writer_len(&w);
	return 0;
}

static const char known_keys[] = "C, ST, L, O, OU, CN, E, serialNumber, DC, UID, ...";

int ike_dn_from_text(const char *text, uint8_t *out, size_t max, size_t *len, char *err,
		     size_t errlen)
{
	struct text_attr a[IKE_DN_MAX_RDNS];
	const char *p = text;
	size_t n = 0;
	char sep = ',';
	int rc;

	*len = 0;
	if (!text || strlen(text) > IKE_DN_TEXT_MAX) {
		ike_set_err(err, errlen, "a Distinguished Name is 1 to %d characters",
			    IKE_DN_TEXT_MAX);
		return -EINVAL;
	}
	while (*p == ' ')
		p++;
	if (*p == '/') {
		sep = '/';
		p++;
	}
	for (;;) {
		const char *key, *val, *end;
		size_t klen;
		bool ascii = true, printable = true;

		while (*p == ' ')
			p++;
		if (!*p)
			break;
		key = p;
		while (*p && *p != '=' && *p != ' ' && *p != sep)
			p++;
		klen = (size_t)(p - key);
		while (*p == ' ')
			p++;
		if (!klen || *p != '=') {
			ike_set_err(err, errlen, "DN \"%s\": \"%.*s\" is not KEY=value", text,
				    (int)(strcspn(key, sep == ',' ? "," : "/")), key);
			return -EINVAL;
		}
		if (n == IKE_DN_MAX_RDNS) {
			ike_set_err(err, errlen, "DN \"%s\": more than %d attributes", text,
				    IKE_DN_MAX_RDNS);
			return -E2BIG;
		}
		a[n].oid = oid_by_key(key, klen);
		if (!a[n].oid) {
			ike_set_err(err, errlen,
				    "DN \"%s\": unknown attribute \"%.*s\" (known: %s)", text,
				    (int)klen, key, known_keys);
			return -EINVAL;
		}
		/* strongSwan skips spaces and '=' before a value */
		while (*p == ' ' || *p == '=')
			p++;
		val = p;
		while (*p && *p != sep)
			p++;
		end = p;
		while (end > val && end[-1] == ' ')
			end--;
		for (const char *c = val; c < end; c++) {
			uint8_t u = (uint8_t)*c;

			if (u < 0x20 || u == 0x7f) {
				ike_set_err(err, errlen,
					    "DN \"%s\": a control character in the value of %.*s",
					    text, (int)klen, key);
				return -EINVAL;
			}
			ascii = ascii && u < 0x80;
			printable = printable && printable_char(u);
		}
		a[n].value = val;
		a[n].len = (size_t)(end - val);
		if (!utf8_ok((const uint8_t *)val, a[n].len)) {
			ike_set_err(err, errlen, "DN \"%s\": the value of %.*s is not UTF-8", text,
				    (int)klen, key);
			return -EINVAL;
		}
		if (a[n].oid->type == IKE_DER_IA5_STRING) {
			if (!ascii) {
				ike_set_err(
				    err, errlen,
				    "DN \"%s\": the value of %.*s must be ASCII (IA5String)", text,
				    (int)klen, key);
				return -EINVAL;
			}
			a[n].type = IKE_DER_IA5_STRING;
		} else {
			a[n].type = printable ? IKE_DER_PRINTABLE_STRING : IKE_DER_UTF8_STRING;
		}
		n++;
		if (*p == sep)
			p++;
	}
	if (!n) {
		ike_set_err(err, errlen, "DN \"%s\": no attribute", text);
		return -EINVAL;
	}
	rc = encode(a, n, out, max, len);
	if (rc)
		ike_set_err(err, errlen, "DN \"%s\": longer than %zu octets in DER", text, max);
	return rc;
}
