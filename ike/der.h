/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * DER, as much as identities need: a strict TLV reader over the bounded
 * reader, and X.501 Distinguished Names (ID_DER_ASN1_DN) to and from the
 * text strongSwan uses ("C=CH, O=strongSwan, CN=moon.strongswan.org").
 *
 * Text syntax (strongSwan's atodn): attributes separated by ',' or, when
 * the text starts with '/', by '/' ("/C=CH/O=strongSwan/CN=moon"); a key,
 * optional spaces, '=', a value running to the next separator with
 * surrounding spaces dropped. There is no quoting or escaping, as in
 * strongSwan: a value cannot contain the separator, so a value with a comma
 * is written in the '/' form. Keys are matched without case. A value is a
 * PrintableString when every character allows it, else a UTF8String;
 * emailAddress and unstructuredName are IA5Strings.
 */
#ifndef CONDUIT_IKE_DER_H
#define CONDUIT_IKE_DER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/buf.h"

enum ike_der_tag {
	IKE_DER_INTEGER = 0x02,
	IKE_DER_BIT_STRING = 0x03,
	IKE_DER_OCTET_STRING = 0x04,
	IKE_DER_NULL = 0x05,
	IKE_DER_OID = 0x06,
	IKE_DER_UTF8_STRING = 0x0c,
	IKE_DER_PRINTABLE_STRING = 0x13,
	IKE_DER_T61_STRING = 0x14,
	IKE_DER_IA5_STRING = 0x16,
	IKE_DER_BMP_STRING = 0x1e,
	IKE_DER_SEQUENCE = 0x30,
	IKE_DER_SET = 0x31,
};

/* Most attributes a DN may have (strongSwan's RDN_MAX, for text; a DER DN
 * with more is refused too, so matching stays bounded). */
#define IKE_DN_MAX_RDNS 20
/* Longest DN text we read or write. */
#define IKE_DN_TEXT_MAX 1024

/* One TLV: its tag octet, its contents, and all of it. */
struct ike_der {
	uint8_t tag;
	struct ike_slice val;
	struct ike_slice whole;
};

/*
 * Reads one TLV, strictly: a one-octet tag (no high tag numbers), a
 * definite length in the fewest octets (at most 4), contents within what
 * remains. 0, or -EBADMSG with r failed.
 */
int ike_der_get(struct ike_reader *r, struct ike_der *out);
/* Reads one TLV that must have this tag. */
int ike_der_expect(struct ike_reader *r, uint8_t tag, struct ike_der *out);

/* One attribute of a DN: its OID's contents, value's tag and contents. */
struct ike_dn_attr {
	struct ike_slice oid;
	uint8_t type;
	struct ike_slice value;
};

/* Walks the attributes of a DN in order (a multi-valued RDN gives each
 * of its attributes in turn). */
struct ike_dn_iter {
	struct ike_reader rdns; /* the RDNs left */
	struct ike_reader set;	/* the attributes left in the current RDN */
	size_t n;		/* attributes so far */
	bool bad;
};

/* -EBADMSG if dn is not one SEQUENCE with nothing after it. */
int ike_dn_iter_init(struct ike_dn_iter *it, const uint8_t *dn, size_t len);
/* 1 and *out: the next attribute; 0: the end; -EBADMSG: malformed (an
 * empty RDN, a bad OID, a constructed or non-universal value, too many). */
int ike_dn_next(struct ike_dn_iter *it, struct ike_dn_attr *out);
/* 0 if dn is a well-formed DN, else -EBADMSG. */
int ike_dn_check(const uint8_t *dn, size_t len);

/*
 * Text to DER into out (max octets); 0 and *len, or a negative errno with a
 * message in err naming what is wrong: -EINVAL (syntax, unknown key, bad
 * character), -E2BIG (too many attributes), -ENOBUFS (longer than max).
 */
int ike_dn_from_text(const char *text, uint8_t *out, size_t max, size_t *len, char *err,
		     size_t errlen);

/*
 * DER to text for people and logs, as strongSwan prints it: "C=CH,
 * O=strongSwan, CN=moon"; an unknown attribute by its dotted OID; octets
 * that are not printable ASCII as '?'. Cut to size (always terminated).
 * 0, or -EBADMSG with "(invalid ID_DER_ASN1_DN)" in buf.
 */
int ike_dn_to_text(const uint8_t *dn, size_t len, char *buf, size_t size);

/* The name strongSwan prints for an attribute OID (contents octets), or
 * NULL when it has none. */
const char *ike_dn_oid_name(struct ike_slice oid);

#endif
