/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The IKEv2 wire format (RFC 7296 section 3): decode a message into a
 * struct ike_msg, build one with a struct ike_builder.
 *
 * Decoding is zero-copy: every slice in struct ike_msg points into the
 * caller's packet (or decrypted SK plaintext), which must outlive it.
 * Everything is validated during ike_msg_decode(): lengths, counts,
 * last-substructure markers, proposal numbering. What would be large if
 * stored inline (an SA payload's proposals, a TS payload's selectors, a CP
 * payload's attributes) is kept as the validated slice plus its count, and
 * read on demand with ike_sa_iter_next(), ike_ts_decode() and
 * ike_cp_iter_next(): 32 proposals of 64 transforms would be 12.7 KB inline,
 * and most messages need one proposal at a time. struct ike_msg itself has
 * no pointers to free and is meant to live on the stack.
 */
#ifndef CONDUIT_IKE_WIRE_H
#define CONDUIT_IKE_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/buf.h"
#include "ike/ike_const.h"
#include "ike/types.h"

/* Repeated payloads: more than these in one message is INVALID_SYNTAX. */
#define IKE_MAX_NOTIFY 32
#define IKE_MAX_VENDOR 16
#define IKE_MAX_CERT 8
#define IKE_MAX_CERTREQ 8
#define IKE_MAX_DELETE 8

#define IKE_NONCE_MIN 16 /* RFC 7296 3.9 */
#define IKE_NONCE_MAX 256

/*
 * struct ike_transform.key_len of a transform carrying an attribute we do
 * not understand (anything but one TV Key Length of a nonzero value). RFC
 * 7296 3.3.6 says such a transform is unacceptable while the rest of the
 * proposal is processed as usual: the transform stays in its proposal (so
 * its type still counts as offered) with a key length no algorithm has,
 * which the proposal matcher must compare exactly and so never accept.
 */
#define IKE_KEY_LEN_UNACCEPTABLE 0xffff

/* A bit per known payload type (SA=33 .. SKF=53), for ike_msg.present. */
#define IKE_PL_BIT(t) ((t) >= 32 && (t) < 64 ? UINT32_C(1) << ((t)-32) : UINT32_C(0))

/* The fixed IKE header (RFC 7296 3.1), host byte order. */
struct ike_hdr {
	uint64_t spi_i;
	uint64_t spi_r;
	uint8_t next_payload;
	uint8_t version;  /* IKE_VERSION: major in the high nibble */
	uint8_t exchange; /* enum ike_exchange */
	uint8_t flags;	  /* IKE_FLAG_* */
	uint32_t msg_id;
	uint32_t length; /* ignored by the builder, which computes it */
};

/*
 * Why decoding failed. notify is what to answer (or 0 on success); payload
 * says where (IKE_PL_NONE: the IKE header), and for
 * UNSUPPORTED_CRITICAL_PAYLOAD it is the unknown type, the one octet the
 * notify's data must carry. offset is that of the payload's generic header
 * in the buffer decoded (the SK plaintext when inner). reason is static text
 * for logs; value, when has_value, is the offending number in it.
 */
struct ike_wire_err {
	uint16_t notify;
	uint8_t payload;
	bool inner;
	bool has_value;
	uint32_t offset;
	uint32_t value;
	const char *reason;
};

/* "TSi at 56: IPv4 selector length is not 16 (12)"; returns snprintf's. */
int ike_wire_err_format(const struct ike_wire_err *e, char *buf, size_t len);
/* "SA", "KE", "IDi", ..., "N", "D", "V", ...; "?" when unknown. */
const char *ike_payload_name(uint8_t type);

/* SA payload: its proposals, validated; read them with ike_sa_iter. */
struct ike_sa_pl {
	struct ike_slice body;
	uint8_t n_proposals;
};

struct ike_ke_pl {
	uint16_t group; /* enum ike_dh_id */
	struct ike_slice data;
};

struct ike_id_pl {
	uint8_t type; /* enum ike_id_type */
	struct ike_slice data;
	/* The whole payload body after the generic header (type, reserved,
	 * data): RestOfIDPayload, which AUTH signs (RFC 7296 2.15). */
	struct ike_slice body;
};

struct ike_cert_pl {
	uint8_t encoding; /* enum ike_cert_encoding */
	struct ike_slice data;
};

struct ike_auth_pl {
	uint8_t method; /* enum ike_auth_payload_method */
	struct ike_slice data;
};

struct ike_notify {
	uint16_t type;	      /* enum ike_notify_type */
	uint8_t protocol;     /* enum ike_protocol_id, 0 with no SPI */
	struct ike_slice spi; /* 0..IKE_MAX_SPI_LEN octets */
	struct ike_slice data;
};

struct ike_delete_pl {
	uint8_t protocol;
	uint8_t spi_len; /* 0 for IKE, 4 for ESP and AH */
	uint16_t n_spi;
	struct ike_slice spis; /* n_spi * spi_len octets */
};

/* TSi or TSr: the selectors, validated; read them with ike_ts_decode(). */
struct ike_ts_pl {
	uint8_t n_ts; /* as on the wire, unknown selector types included */
	struct ike_slice body;
};

/* CP: its attributes, validated; read them with ike_cp_iter. */
struct ike_cp_pl {
	uint8_t type; /* enum ike_cp_type */
	uint16_t n_attrs;
	struct ike_slice attrs;
};

/*
 * SK: nothing inside is decoded here. body is IV | ciphertext | ICV;
 * body_off is its offset from the start of the IKE header, which is also
 * the length of the AEAD associated data (RFC 5282 5.1).
 */
struct ike_sk_pl {
	uint8_t first_payload;
	uint32_t body_off;
	struct ike_slice body;
};

/*
 * SKF (RFC 7383 2.5): an SK payload preceded by Fragment Number and Total
 * Fragments, which are associated data too: body_off (the offset of the
 * IV) is again the length of the AEAD associated data. first_payload is
 * the first inner payload's type in fragment 1, and 0 in the others.
 * Validated: 1 <= number <= total.
 */
struct ike_skf_pl {
	uint8_t first_payload;
	uint16_t number, total;
	uint32_t body_off;
	struct ike_slice body;
};

struct ike_msg {
	struct ike_hdr hdr;
	uint32_t present;   /* IKE_PL_BIT() of each known payload decoded */
	uint32_t encrypted; /* those of them that came from inside SK */
	struct ike_sa_pl sa;
	struct ike_ke_pl ke;
	struct ike_id_pl idi;
	struct ike_id_pl idr;
	struct ike_auth_pl auth;
	struct ike_slice nonce;
	struct ike_ts_pl tsi;
	struct ike_ts_pl tsr;
	struct ike_cp_pl cp;
	struct ike_slice eap; /* the whole EAP message */
	struct ike_sk_pl sk;
	struct ike_skf_pl skf;
	uint8_t n_notify;
	uint8_t n_vendor;
	uint8_t n_cert;
	uint8_t n_certreq;
	uint8_t n_delete;
	struct ike_notify notify[IKE_MAX_NOTIFY]; /* in message order */
	struct ike_slice vendor[IKE_MAX_VENDOR];
	struct ike_cert_pl cert[IKE_MAX_CERT];
	struct ike_cert_pl certreq[IKE_MAX_CERTREQ];
	struct ike_delete_pl del[IKE_MAX_DELETE];
};

/*
 * Decodes the IKE header alone (e.g. to look the SA up by SPI first).
 * The length field must equal len: RFC 7296 3.1 defines it as the length of
 * the whole message, IKE runs over datagrams (the daemon strips the NAT-T
 * marker, and RFC 8229 framing gives exact lengths too), so a shorter field
 * means trailing octets nobody authenticated and a longer one truncation;
 * both are INVALID_SYNTAX. A major version other than 2 is
 * INVALID_MAJOR_VERSION, checked before anything else of the message, with
 * h filled in so a reply can be addressed. Returns 0 or -EBADMSG.
 */
int ike_hdr_decode(struct ike_hdr *h, const void *pkt, size_t len, struct ike_wire_err *err);

/* Writes h as is (length included): 28 octets. */
void ike_hdr_encode(struct ike_writer *w, const struct ike_hdr *h);

/*
 * Decodes a whole message into m (cleared first). Unknown payloads are
 * skipped, or refused with UNSUPPORTED_CRITICAL_PAYLOAD when critical. SK
 * must be last; what it carries is left for ike_msg_decode_inner(). SKF
 * (RFC 7383) is decoded like SK: last, never inside SK nor with it. A
 * payload that may appear once appearing twice is INVALID_SYNTAX, and so is
 * one more Notify, Vendor ID, CERT, CERTREQ or Delete than the maxima above.
 * Returns 0 or -EBADMSG with err filled in.
 */
int ike_msg_decode(struct ike_msg *m, const void *pkt, size_t len, struct ike_wire_err *err);

/*
 * Decodes the payload chain of a decrypted SK payload into m, adding to
 * what ike_msg_decode() found (a payload present in both is a duplicate).
 * plain is the plaintext without padding and pad length; first_payload is
 * m->sk.first_payload. Offsets in err are relative to plain.
 */
int ike_msg_decode_inner(struct ike_msg *m, const void *plain, size_t len, uint8_t first_payload,
			 struct ike_wire_err *err);

/* The first Notify of that type, or NULL. */
const struct ike_notify *ike_msg_notify(const struct ike_msg *m, uint16_t type);

/*
 * Proposals of a decoded SA payload, one at a time (a struct ike_proposal is
 * 400 octets: the caller decides how many to hold).
 */
struct ike_sa_iter {
	struct ike_reader r;
	bool done;
};

void ike_sa_iter_init(struct ike_sa_iter *it, const struct ike_sa_pl *sa);
/* Fills p with the next proposal; false at the end. */
bool ike_sa_iter_next(struct ike_sa_iter *it, struct ike_proposal *p);

/*
 * Decodes up to max selectors into ts; returns how many. Selectors of an
 * unknown type (RFC 7296 lets new ones be defined) are left out: narrowing
 * then works on those we understand.
 */
size_t ike_ts_decode(const struct ike_ts_pl *pl, struct ike_ts *ts, size_t max);

struct ike_cp_iter {
	struct ike_reader r;
};

void ike_cp_iter_init(struct ike_cp_iter *it, const struct ike_cp_pl *cp);
/* Next attribute: type without the reserved bit, and value; false at end. */
bool ike_cp_iter_next(struct ike_cp_iter *it, uint16_t *type, struct ike_slice *value);

/* The i-th SPI of a Delete payload with 4-octet SPIs (ESP, AH); 0 if none. */
uint32_t ike_delete_spi32(const struct ike_delete_pl *d, size_t i);

/*
 * Building a message: ike_build_begin(), then ike_add_*() in the order the
 * payloads go on the wire (each one chains the previous next-payload field),
 * then ike_build_end(), which writes the header's length and returns 0 or
 * the writer's error. A payload over 65535 octets fails the writer with
 * -EMSGSIZE. The message starts at the writer's current length, so a
 * caller may put something before it.
 *
 * Encrypted messages take two builders. (a) The inner payloads go into
 * their own writer, begun with ike_build_begin_inner() and ended with
 * ike_build_end_inner(), which gives the first inner payload type. The
 * engine appends padding and pad length and encrypts. (b) The outer message
 * is built with ike_add_sk() last, which reserves IV, ciphertext and ICV
 * and reports their offsets; call ike_build_end() before computing the
 * ICV or AEAD tag, since both cover the header's length field.
 */
struct ike_builder {
	struct ike_writer *w;
	size_t start;  /* offset of the IKE header */
	size_t np_off; /* the next-payload octet the next payload patches */
	uint8_t first; /* type of the first payload */
	bool inner;
	bool closed; /* SK was added: nothing may follow */
};

/* Where the parts of an SK payload are, as offsets in the writer. */
struct ike_sk_layout {
	size_t msg_off; /* the IKE header */
	size_t sk_off;	/* the SK generic header */
	size_t iv_off;	/* sk_off + 4: AEAD associated data is [msg_off, iv_off) */
	size_t ct_off;	/* ciphertext: plaintext, padding, pad length */
	size_t icv_off; /* CBC+HMAC: the ICV covers [msg_off, icv_off) */
	size_t end;	/* end of the message */
};

void ike_build_begin(struct ike_builder *b, struct ike_writer *w, const struct ike_hdr *h);
void ike_build_begin_inner(struct ike_builder *b, struct ike_writer *w);
int ike_build_end(struct ike_builder *b);
int ike_build_end_inner(struct ike_builder *b, uint8_t *first_payload);

/* Any payload with an opaque body; flags is the octet after next-payload. */
void ike_add_raw(struct ike_builder *b, uint8_t type, uint8_t flags, const void *body, size_t len);
void ike_add_sa(struct ike_builder *b, const struct ike_proposal *props, size_t n);
void ike_add_ke(struct ike_builder *b, uint16_t group, const void *data, size_t len);
/* type: IKE_PL_IDI or IKE_PL_IDR */
void ike_add_id(struct ike_builder *b, uint8_t type, uint8_t id_type, const void *data, size_t len);
/* type: IKE_PL_CERT or IKE_PL_CERTREQ */
void ike_add_cert(struct ike_builder *b, uint8_t type, uint8_t encoding, const void *data,
		  size_t len);
void ike_add_auth(struct ike_builder *b, uint8_t method, const void *data, size_t len);
void ike_add_nonce(struct ike_builder *b, const void *nonce, size_t len);
void ike_add_notify(struct ike_builder *b, uint8_t protocol, const void *spi, size_t spi_len,
		    uint16_t type, const void *data, size_t len);
/* spis: n SPIs of spi_len octets each, in wire order */
void ike_add_delete(struct ike_builder *b, uint8_t protocol, uint8_t spi_len, const void *spis,
		    uint16_t n);
void ike_add_vendor(struct ike_builder *b, const void *data, size_t len);
/* type: IKE_PL_TSI or IKE_PL_TSR */
void ike_add_ts(struct ike_builder *b, uint8_t type, const struct ike_ts *ts, size_t n);

struct ike_cp_attr {
	uint16_t type;
	const void *value;
	uint16_t len;
};

void ike_add_cp(struct ike_builder *b, uint8_t cfg_type, const struct ike_cp_attr *attrs, size_t n);
void ike_add_eap(struct ike_builder *b, const void *eap, size_t len);
/*
 * The SK payload, last: next-payload is first_inner, and iv_len + ct_len +
 * icv_len zero octets are reserved for the engine to fill in place (see
 * ike_writer_span()).
 */
void ike_add_sk(struct ike_builder *b, uint8_t first_inner, size_t iv_len, size_t ct_len,
		size_t icv_len, struct ike_sk_layout *layout);
/*
 * The Encrypted Fragment payload (RFC 7383 2.5), last, the same way:
 * first_inner is the first inner payload's type in fragment 1 and must be
 * IKE_PL_NONE in the others; 1 <= number <= total. layout->iv_off is
 * after the fragment fields, so [msg_off, iv_off) is the associated data.
 */
void ike_add_skf(struct ike_builder *b, uint8_t first_inner, uint16_t number, uint16_t total,
		 size_t iv_len, size_t ct_len, size_t icv_len, struct ike_sk_layout *layout);

#endif
