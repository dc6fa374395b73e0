/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Algorithm proposals: strongSwan-style proposal strings ("aes256gcm16-
 * prfsha384-x25519"), proposal selection as responder (RFC 7296 2.7, 3.3.6),
 * checking the responder's choice as initiator, INVALID_KE_PAYLOAD helpers,
 * formatting for logs, and the Linux kernel names of ESP algorithms.
 *
 * Proposals are struct ike_proposal (ike/types.h), the wire representation:
 * what the config parser produces can be encoded as is, and what the decoder
 * produces can be selected from as is.
 */
#ifndef CONDUIT_IKE_PROPOSAL_H
#define CONDUIT_IKE_PROPOSAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/alg.h"
#include "ike/ike_const.h"
#include "ike/types.h"

/* Enough for any message the parser writes (it quotes the offending text,
 * truncated if needed). */
#define IKE_PROPOSAL_ERR_LEN 256

/*
 * Parse a comma-separated list of proposals as swanctl.conf's `proposals`
 * (protocol IKE_PROTO_IKE) or `esp_proposals` (IKE_PROTO_ESP) take them.
 *
 * Each proposal is a '-'-separated list of strongSwan keywords (ike/alg.c);
 * several algorithms of one type are alternatives in order of preference.
 * A keyword is refused unless the algorithm table marks it usable in the
 * protocol (IKE_ALG_IKE, IKE_ALG_ESP): what this accepts, conduit can
 * negotiate and install. The rules are otherwise strongSwan's
 * (proposal_create_from_string and check_proposal):
 *  - keywords are case-sensitive, blanks around them are ignored;
 *  - IKE without a PRF: one PRF per integrity algorithm (sha256 ->
 *    prfsha256); an IKE proposal still without PRF (AEAD and no integrity
 *    keyword) is an error; an IKE proposal needs a key exchange method;
 *    "none"/"modpnone" are dropped from IKE proposals;
 *  - ESP: PRFs are dropped; no key exchange keyword means no DH transform
 *    ("none"/"modpnone" adds the NONE transform, making PFS optional);
 *    no esn/noesn means noesn;
 *  - AEAD and classic encryption in one proposal is an error; an AEAD-only
 *    proposal loses its integrity algorithms (after the IKE PRF derivation);
 *    classic encryption needs integrity, in ESP too (strongSwan allows ESP
 *    without integrity; conduit does not install it, RFC 8221);
 *  - "default" (case-insensitive, a whole item) adds two proposals: see
 *    ike_proposals_default().
 * Duplicate keywords are offered once. Transforms come out grouped by type
 * (ENCR, PRF, INTEG, DH, ESN), keeping the configured order within a type.
 * Proposals are numbered from 1 and have no SPI.
 *
 * Returns 0, or -EINVAL with a message in err naming the token and the
 * proposal (e.g. "unknown algorithm 'aes257' in proposal
 * 'aes257-sha256-modp2048'", "'null' cannot be used in IKE (only in
 * esp_proposals), in proposal 'null-sha256-x25519'"), or -ENOSPC when more than max proposals or
 * IKE_MAX_TRANSFORMS transforms would result. err may be NULL.
 */
int ike_proposals_parse(const char *str, uint8_t protocol, struct ike_proposal *out, size_t max,
			size_t *n_out, char *err, size_t err_len);

/*
 * strongSwan's "default" for the algorithms conduit implements: for IKE
 * aes128-aes192-aes256-sha256-sha384-sha512-sha1-prfsha256-prfsha384-
 * prfsha512-prfsha1-ecp256-ecp384-ecp521-x25519-x448-modp3072-modp4096-
 * modp6144-modp8192-modp2048, then the AEAD proposal aes{128,192,256}gcm16-
 * chacha20poly1305-aes{128,192,256}gcm12-aes{128,192,256}gcm8 with the same
 * PRFs and groups; for ESP aes128-aes192-aes256-sha256-sha384-sha512-sha1-
 * aesxcbc-noesn, then aes128gcm16-aes192gcm16-aes256gcm16-noesn.
 * Returns the number of proposals written (2), or -ENOSPC if max < 2.
 */
int ike_proposals_default(uint8_t protocol, struct ike_proposal *out, size_t max);

/* Whether a transform is considered weak (the table's IKE_ALG_WEAK:
 * MODP-1024/1536, 3DES, NULL encryption, MD5): parsed and negotiated, but
 * worth a warning. */
bool ike_transform_is_weak(const struct ike_transform *t);
bool ike_proposal_has_weak(const struct ike_proposal *p);

/* Remove the DH transforms of every proposal: the first CHILD_SA, created in
 * IKE_AUTH, uses the IKE_SA's keys and its SA payload carries no DH. */
void ike_proposals_strip_dh(struct ike_proposal *p, size_t n);

/* ----- selection ----- */

/* The algorithms chosen for one SA. A type absent from `types` was not
 * negotiated (e.g. INTEG with an AEAD, DH for a CHILD_SA without PFS). */
struct ike_selected {
	uint8_t protocol;     /* enum ike_protocol_id */
	uint8_t proposal_num; /* the peer's proposal number */
	uint8_t spi_len;      /* the peer's SPI, as in its proposal */
	uint8_t spi[IKE_MAX_SPI_LEN];
	uint8_t types; /* bit (1 << IKE_TRANS_x) per negotiated type */
	uint16_t encr;
	uint16_t encr_key_len; /* bits; 0 without Key Length attribute */
	uint16_t prf;
	uint16_t integ;
	uint16_t dh;
	uint16_t esn; /* IKE_ESN_NO or IKE_ESN_YES */
};

#define IKE_SEL_HAS(sel, type) (((sel)->types >> (type)) & 1)

/* Selection flags. */
enum {
	/* Ignore DH transforms on both sides: the CHILD_SA in IKE_AUTH. */
	IKE_SELECT_SKIP_DH = 1 << 0,
};

/*
 * Responder: choose from the peer's proposals. The first mutually acceptable
 * proposal IN OUR (the responder's) ORDER wins: for each of our proposals in
 * turn, the peer's proposals are tried in their order; within a type, our
 * order of preference decides too. This is strongSwan's default
 * (prefer_configured_proposals = yes) and gives the administrator, not the
 * peer, the last word.
 *
 * Per transform type present in either proposal exactly one common transform
 * is picked (same ID and same key length). A peer proposal of another
 * protocol is skipped; one containing a transform type we do not know
 * (outside 1..5) is unacceptable (RFC 7296 3.3.6), as is one lacking a type
 * our proposal has. INTEG is not negotiated once an AEAD is chosen. For
 * ESP, DH is optional: it is negotiated away when one side offers NONE (ID
 * 0) and the other offers no DH. ESN is required when we have it (always,
 * for ESP proposals this module parses).
 *
 * The responder answers INVALID_KE_PAYLOAD when the initiator's KE payload
 * group differs from sel->dh: sel->dh is our preferred group among those the
 * initiator offered in the chosen proposal.
 *
 * Returns 0 and fills sel, or -ENOENT (NO_PROPOSAL_CHOSEN).
 */
int ike_proposal_select(const struct ike_proposal *ours, size_t n_ours,
			const struct ike_proposal *peer, size_t n_peer, unsigned int flags,
			struct ike_selected *sel);

/*
 * The responder's single-proposal SA payload content: the peer's proposal
 * number, exactly one transform per negotiated type (ENCR, PRF, INTEG, DH,
 * ESN order), and OUR SPI (spi_len 0 for IKE_SA_INIT, 4 for ESP, 8 for an
 * IKE_SA rekey), which is what the reply carries (RFC 7296 3.3.1).
 * Returns 0 or -EINVAL (spi_len too large).
 */
int ike_selected_to_proposal(const struct ike_selected *sel, const uint8_t *spi, uint8_t spi_len,
			     struct ike_proposal *out);

/*
 * Initiator: check the responder's SA payload against what we sent
 * (`offered`, exactly as sent: after strip/promote). The reply must hold
 * exactly one proposal, with at most one transform of each known type and
 * no unknown type: otherwise -EBADMSG (INVALID_SYNTAX). It must then carry
 * the number of one of our proposals of the same protocol, every transform
 * must be one we offered there (same ID and key length), and every type we
 * offered must be present (INTEG excepted with an AEAD, DH excepted where we
 * offered NONE): otherwise -ENOENT (NO_PROPOSAL_CHOSEN: the responder chose
 * something we did not offer). On success fills sel (SPI: the responder's).
 */
int ike_proposal_check_reply(const struct ike_proposal *offered, size_t n_offered,
			     const struct ike_proposal *reply, size_t n_reply,
			     struct ike_selected *sel);

/* ----- INVALID_KE_PAYLOAD ----- */

/* Whether group (non-zero) appears in any of the proposals. */
bool ike_proposals_have_dh(const struct ike_proposal *p, size_t n, uint16_t group);

/* Our preferred group: the first non-NONE DH transform of the first proposal
 * that has one (the group of the initiator's first KE payload); 0 if none. */
uint16_t ike_proposals_preferred_dh(const struct ike_proposal *p, size_t n);

/*
 * Initiator retry after INVALID_KE_PAYLOAD(group): move group to the front of
 * the DH transforms in every proposal containing it, move proposals without
 * it to the back (keeping their order, as strongSwan does) and renumber from
 * 1. Returns 0, or -ENOENT if no proposal contains group (we never offered
 * it: the notify is bogus and the list is left unchanged).
 */
int ike_proposals_promote_dh(struct ike_proposal *p, size_t n, uint16_t group);

/* ----- formatting ----- */

enum {
	IKE_FMT_SHORT = 1 << 0, /* keywords: "aes256gcm16-prfsha384-x25519" */
	IKE_FMT_PROTO = 1 << 1, /* prefix "IKE:" / "ESP:" (long form only) */
};

/*
 * Format a proposal: long form as strongSwan logs it
 * ("AES_CBC_128/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048"), types in
 * strongSwan's print order ENCR, INTEG, PRF, DH, ESN; or the short keyword
 * form, which ike_proposals_parse() reads back to the same transforms.
 * Unknown IDs print as UNKNOWN_<type>_<id> (short form: "ENCR_<id>", with
 * "_KEY<bits>" for a Key Length attribute; unknown types "UNKNOWN_<type>_<id>").
 * Returns the length written (snprintf semantics: a return >= len means
 * truncated) or -EINVAL.
 */
int ike_proposal_format(const struct ike_proposal *p, unsigned int fmt, char *buf, size_t len);

/*
 * A list of proposals in the configuration's syntax, for a diagnosis:
 * "aes128-sha1-modp1024, aes256-sha256-modp2048" (short form, transforms
 * the table does not know as "ENCR_99", "ENCR_12_KEY64" or
 * "UNKNOWN_14_1"). At most max_shown proposals, and only whole ones that
 * fit in buf; the rest is counted: "aes128-sha1-modp1024 ... and 3 more".
 * "none" for an empty list. Returns the length written, or -EINVAL (buf
 * must hold at least 32 octets).
 */
int ike_proposals_format_list(const struct ike_proposal *p, size_t n, size_t max_shown, char *buf,
			      size_t len);

/* The same for a selection: "AES_GCM_16_256/PRF_HMAC_SHA2_384/CURVE_25519" or
 * "aes256gcm16-prfsha384-x25519". */
int ike_selected_format(const struct ike_selected *sel, unsigned int fmt, char *buf, size_t len);

/* ----- the kernel's view of an ESP selection ----- */

/*
 * The algorithm table's entries of an ESP selection, for the kernel
 * (names, key and ICV sizes) and for the KEYMAT split (RFC 7296 2.17: the
 * encryption key with its salt or nonce, then the integrity key).
 */
struct ike_kernel_algs {
	const struct ike_alg_info *encr;
	const struct ike_alg_info *integ; /* NULL with an AEAD */
	bool esn;			  /* extended sequence numbers negotiated */
};

/* Returns 0, or -EINVAL (not ESP, no ENCR) / -ENOTSUP (not usable in ESP:
 * unknown, not installed by kernel-iface, or classic encryption without
 * integrity). */
int ike_selected_kernel_algs(const struct ike_selected *sel, struct ike_kernel_algs *out);

#endif
