// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Identity matching and formatting (see id.h), after strongSwan's
 * identification_t so that remote.id patterns mean the same.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "ike/der.h"
#include "ike/fmt.h"
#include "ike/id.h"

static bool is_wildcard(struct ike_slice v)
{
	return v.len == 1 && v.ptr[0] == '*';
}

static bool same_case_insensitive(const uint8_t *a, const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		uint8_t x = a[i], y = b[i];

		if (x >= 'A' && x <= 'Z')
			x = (uint8_t)(x - 'A' + 'a');
		if (y >= 'A' && y <= 'Z')
			y = (uint8_t)(y - 'A' + 'a');
		if (x != y)
			return false;
	}
	return true;
}

static const uint8_t oid_email[] = { 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01 };

/* One attribute value against another of the same OID: without case for
 * PrintableStrings and emailAddress IA5Strings of the same type, else
 * octet for octet (strongSwan's rdn_equals). */
static bool value_equal(const struct ike_dn_attr *a, const struct ike_dn_attr *b)
{
	if (a->value.len != b->value.len)
		return false;
	if (!a->value.len)
		return true;
	if (a->type == b->type &&
	    (a->type == IKE_DER_PRINTABLE_STRING ||
	     (a->type == IKE_DER_IA5_STRING && a->oid.len == sizeof(oid_email) &&
	      !memcmp(a->oid.ptr, oid_email, sizeof(oid_email)))))
		return same_case_insensitive(a->value.ptr, b->value.ptr, a->value.len);
	return !memcmp(a->value.ptr, b->value.ptr, a->value.len);
}

/* An identity's data, as ike_id or as an ID payload's, without copying. */
struct id_data {
	const uint8_t *ptr;
	size_t len;
};

/* strongSwan's compare_dn with wildcards (rdn_matching = strict, its
 * default): the same number of attributes, in the same order. */
static int match_dn(struct id_data pattern, struct id_data id)
{
	struct ike_dn_iter p, t;
	struct ike_dn_attr pa, ta;
	int wildcards = 0, rp, rt;

	if (pattern.len == id.len && (!id.len || !memcmp(pattern.ptr, id.ptr, id.len)))
		return ike_dn_check(id.ptr, id.len) ? IKE_ID_MATCH_NONE : IKE_ID_MATCH_PERFECT;
	if (ike_dn_iter_init(&p, pattern.ptr, pattern.len) || ike_dn_iter_init(&t, id.ptr, id.len))
		return IKE_ID_MATCH_NONE;
	for (;;) {
		rp = ike_dn_next(&p, &pa);
		rt = ike_dn_next(&t, &ta);
		if (rp < 0 || rt < 0 || rp != rt)
			return IKE_ID_MATCH_NONE;
		if (!rp)
			break;
		if (pa.oid.len != ta.oid.len || memcmp(pa.oid.ptr, ta.oid.ptr, pa.oid.len))
			return IKE_ID_MATCH_NONE;
		if (is_wildcard(pa.value))
			wildcards++;
		else if (!value_equal(&ta, &pa))
			return IKE_ID_MATCH_NONE;
	}
	if (wildcards > IKE_ID_MATCH_ONE_WILDCARD - IKE_ID_MATCH_MAX_WILDCARDS)
		wildcards = IKE_ID_MATCH_ONE_WILDCARD - IKE_ID_MATCH_MAX_WILDCARDS;
	return IKE_ID_MATCH_PERFECT - wildcards;
}

/* strongSwan's matches_string: FQDN and RFC 822 names. */
static int match_string(struct id_data pattern, struct id_data id)
{
	size_t plen = pattern.len;

	/* a NUL inside is an attempt to pass for a shorter name */
	if ((id.len && memchr(id.ptr, 0, id.len)) || (plen && memchr(pattern.ptr, 0, plen)))
		return IKE_ID_MATCH_NONE;
	if (plen == id.len && same_case_insensitive(pattern.ptr, id.ptr, plen))
		return IKE_ID_MATCH_PERFECT;
	if (!plen || id.len < plen || pattern.ptr[0] != '*')
		return IKE_ID_MATCH_NONE;
	if (plen == 1)
		return IKE_ID_MATCH_ANY; /* "*" is no better than %any */
	if (same_case_insensitive(id.ptr + id.len - (plen - 1), pattern.ptr + 1, plen - 1))
		return IKE_ID_MATCH_ONE_WILDCARD;
	return IKE_ID_MATCH_NONE;
}

int ike_id_matches_data(const struct ike_id *pattern, uint8_t type, const uint8_t *data, size_t len)
{
	struct id_data p = { pattern->data, pattern->len }, id = { data, len };

	if (!pattern->type)
		return IKE_ID_MATCH_ANY;
	if (pattern->type != type || pattern->len > IKE_ID_MAX_LEN || len > IKE_ID_MAX_LEN)
		return IKE_ID_MATCH_NONE;
	switch (type) {
	case IKE_ID_DER_ASN1_DN:
		return match_dn(p, id);
	case IKE_ID_FQDN:
	case IKE_ID_RFC822_ADDR:
		return match_string(p, id);
	default:
		return p.len == id.len && (!len || !memcmp(p.ptr, id.ptr, len))
			   ? IKE_ID_MATCH_PERFECT
			   : IKE_ID_MATCH_NONE;
	}
}

int ike_id_matches(const struct ike_id *pattern, const struct ike_id *id)
{
	return ike_id_matches_data(pattern, id->type, id->data, id->len);
}

bool ike_id_has_wildcards(const struct ike_id *id)
{
	struct ike_dn_iter it;
	struct ike_dn_attr a;

	switch (id->type) {
	case 0:
		return true;
	case IKE_ID_FQDN:
	case IKE_ID_RFC822_ADDR:
		return id->len && id->data[0] == '*';
	case IKE_ID_DER_ASN1_DN:
		if (ike_dn_iter_init(&it, id->data, id->len))
			return false;
		while (ike_dn_next(&it, &a) > 0)
			if (is_wildcard(a.value))
				return true;
		return false;
	default:
		return false;
	}
}

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c - 'A' + 'a') : c;
}

size_t ike_id_fold_key(uint8_t type, const uint8_t *data, size_t len, uint8_t *key)
{
	struct ike_dn_iter it;
	struct ike_dn_attr a;
	size_t n = 3;
	int rc;

	if (len > IKE_ID_MAX_LEN)
		len = 0;
	key[0] = type;
	if (type == IKE_ID_DER_ASN1_DN && !ike_dn_check(data, len) &&
	    !ike_dn_iter_init(&it, data, len)) {
		/* each attribute (1 + 2 header octets) takes fewer octets
		 * than in DER (at least 6), so this fits */
		while ((rc = ike_dn_next(&it, &a)) > 0) {
			key[n++] = (uint8_t)a.oid.len;
			memcpy(key + n, a.oid.ptr, a.oid.len);
			n += a.oid.len;
			key[n++] = (uint8_t)(a.value.len >> 8);
			key[n++] = (uint8_t)a.value.len;
			for (size_t i = 0; i < a.value.len; i++)
				key[n++] = lower(a.value.ptr[i]);
		}
	} else if (type == IKE_ID_FQDN || type == IKE_ID_RFC822_ADDR) {
		for (size_t i = 0; i < len; i++)
			key[n++] = lower(data[i]);
	} else if (len) {
		memcpy(key + n, data, len);
		n += len;
	}
	key[1] = (uint8_t)((n - 3) >> 8);
	key[2] = (uint8_t)(n - 3);
	return n;
}

void ike_id_format(uint8_t type, const uint8_t *data, size_t len, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN];

	if (!size)
		return;
	if (type == IKE_ID_IPV4_ADDR && len == 4 && inet_ntop(AF_INET, data, ip, sizeof(ip))) {
		snprintf(buf, size, "%s", ip);
	} else if (type == IKE_ID_IPV6_ADDR && len == 16 &&
		   inet_ntop(AF_INET6, data, ip, sizeof(ip))) {
		snprintf(buf, size, "%s", ip);
	} else if (type == IKE_ID_FQDN || type == IKE_ID_RFC822_ADDR) {
		size_t n = 0;

		for (size_t i = 0; i < len && n + 1 < size; i++)
			buf[n++] = data[i] >= 0x20 && data[i] < 0x7f ? (char)data[i] : '?';
		buf[n] = 0;
	} else if (type == IKE_ID_DER_ASN1_DN) {
		ike_dn_to_text(data, len, buf, size);
	} else if (type == IKE_ID_KEY_ID && len) {
		struct ike_fmt o = { buf, size, 0 };

		ike_fmt(&o, "@#");
		for (size_t i = 0; i < len; i++)
			ike_fmt(&o, "%02x", data[i]);
	} else {
		snprintf(buf, size, "%s", len ? "(binary)" : "%any");
	}
}
