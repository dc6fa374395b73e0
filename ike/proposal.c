// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Algorithm proposals: parsing strongSwan proposal strings, selection,
 * checking the responder's choice, formatting, kernel algorithm names.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ike/alg.h"
#include "ike/fmt.h"
#include "ike/proposal.h"

/* Loop bound over a proposal's transforms: a decoded proposal might claim
 * more than the array holds. */
#define NT(p)                                                                                      \
	((size_t)((p)->n_transforms > IKE_MAX_TRANSFORMS ? IKE_MAX_TRANSFORMS : (p)->n_transforms))

#define TYPE_MIN IKE_TRANS_ENCR
#define TYPE_MAX IKE_TRANS_ESN

static const char *proto_name(uint8_t protocol)
{
	switch (protocol) {
	case IKE_PROTO_IKE:
		return "IKE";
	case IKE_PROTO_AH:
		return "AH";
	case IKE_PROTO_ESP:
		return "ESP";
	default:
		return "UNKNOWN";
	}
}

bool ike_transform_is_weak(const struct ike_transform *t)
{
	const struct ike_alg_info *a = ike_alg_find(t->type, t->id, t->key_len);

	return a && (a->flags & IKE_ALG_WEAK);
}

bool ike_proposal_has_weak(const struct ike_proposal *p)
{
	for (size_t i = 0; i < NT(p); i++)
		if (ike_transform_is_weak(&p->transforms[i]))
			return true;
	return false;
}

/* ----- transform list helpers ----- */

static bool has_transform(const struct ike_proposal *p, uint8_t type, uint16_t id, uint16_t key_len)
{
	for (size_t i = 0; i < NT(p); i++) {
		const struct ike_transform *t = &p->transforms[i];

		if (t->type == type && t->id == id && t->key_len == key_len)
			return true;
	}
	return false;
}

static size_t count_type(const struct ike_proposal *p, uint8_t type)
{
	size_t n = 0;

	for (size_t i = 0; i < NT(p); i++)
		if (p->transforms[i].type == type)
			n++;
	return n;
}

static bool has_id(const struct ike_proposal *p, uint8_t type, uint16_t id)
{
	for (size_t i = 0; i < NT(p); i++)
		if (p->transforms[i].type == type && p->transforms[i].id == id)
			return true;
	return false;
}

/* Appends unless already present. Returns 0 or -ENOSPC. */
static int add_transform(struct ike_proposal *p, uint8_t type, uint16_t id, uint16_t key_len)
{
	if (has_transform(p, type, id, key_len))
		return 0;
	if (p->n_transforms >= IKE_MAX_TRANSFORMS)
		return -ENOSPC;
	p->transforms[p->n_transforms++] = (struct ike_transform){
		.type = type,
		.id = id,
		.key_len = key_len,
	};
	return 0;
}

/* Removes transforms of type (and of id, if id >= 0). */
static void remove_transforms(struct ike_proposal *p, uint8_t type, int id)
{
	size_t j = 0;

	for (size_t i = 0; i < NT(p); i++) {
		const struct ike_transform *t = &p->transforms[i];

		if (t->type == type && (id < 0 || t->id == id))
			continue;
		p->transforms[j++] = *t;
	}
	p->n_transforms = (uint8_t)j;
}

/* Stable: keeps the order of preference within each type. */
static void sort_by_type(struct ike_proposal *p)
{
	for (size_t i = 1; i < NT(p); i++) {
		struct ike_transform t = p->transforms[i];
		size_t j = i;

		while (j > 0 && p->transforms[j - 1].type > t.type) {
			p->transforms[j] = p->transforms[j - 1];
			j--;
		}
		p->transforms[j] = t;
	}
}

/* ----- parsing ----- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static void trim(const char **s, size_t *len)
{
	while (*len && is_blank(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && is_blank((*s)[*len - 1]))
		(*len)--;
}

/* Proposal text in messages: enough to recognise it, never unbounded. */
#define QLEN(len) ((int)((len) > 120 ? 120 : (len)))

/* strongSwan's check_proposal(), with conduit's messages. */
static int check_proposal(struct ike_proposal *p, const char *s, size_t len, char *err,
			  size_t err_len)
{
	bool any_enc = false, any_aead = false, all_aead = true;
	int ret;

	if (p->protocol == IKE_PROTO_IKE) {
		if (!count_type(p, IKE_TRANS_PRF)) {
			/* Iterating over a copy: add_transform() appends. */
			struct ike_proposal integ = *p;

			for (size_t i = 0; i < NT(&integ); i++) {
				const struct ike_transform *t = &integ.transforms[i];
				const struct ike_alg_info *a, *prf;

				if (t->type != IKE_TRANS_INTEG)
					continue;
				a = ike_alg_find(t->type, t->id, t->key_len);
				prf = a ? ike_alg_get(a->prf) : NULL;
				if (!prf)
					continue;
				ret = add_transform(p, IKE_TRANS_PRF, prf->id, 0);
				if (ret) {
					ike_set_err(err, err_len,
						"too many algorithms in proposal '%.*s'", QLEN(len),
						s);
					return ret;
				}
			}
		}
		if (!count_type(p, IKE_TRANS_PRF)) {
			ike_set_err(err, err_len,
				"a PRF is mandatory in IKE proposals: add one (e.g. prfsha256) "
				"to proposal '%.*s'",
				QLEN(len), s);
			return -EINVAL;
		}
		remove_transforms(p, IKE_TRANS_DH, IKE_DH_NONE);
		if (!count_type(p, IKE_TRANS_DH)) {
			ike_set_err(err, err_len,
				"a key exchange method (DH group) is mandatory in IKE proposals: "
				"add one (e.g. x25519) to proposal '%.*s'",
				QLEN(len), s);
			return -EINVAL;
		}
	} else {
		remove_transforms(p, IKE_TRANS_PRF, -1);
	}

	for (size_t i = 0; i < NT(p); i++) {
		if (p->transforms[i].type != IKE_TRANS_ENCR)
			continue;
		any_enc = true;
		if (ike_alg_encr_is_aead(p->transforms[i].id))
			any_aead = true;
		else
			all_aead = false;
	}
	if (!any_enc) {
		ike_set_err(err, err_len,
			"an encryption algorithm is mandatory in %s proposals: none in "
			"proposal '%.*s'",
			proto_name(p->protocol), QLEN(len), s);
		return -EINVAL;
	}
	if (any_aead && !all_aead) {
		ike_set_err(err, err_len,
			"classic and combined-mode (AEAD) encryption algorithms can't be "
			"mixed in one %s proposal: '%.*s' (use two proposals)",
			proto_name(p->protocol), QLEN(len), s);
		return -EINVAL;
	}
	/* strongSwan allows ESP without integrity; conduit installs none
	 * (RFC 8221 2.1: encryption alone is not to be used). */
	if (all_aead) {
		remove_transforms(p, IKE_TRANS_INTEG, -1);
	} else if (!count_type(p, IKE_TRANS_INTEG)) {
		ike_set_err(err, err_len,
			"an integrity algorithm is mandatory in %s proposals with classic "
			"(non-AEAD) encryption: none in proposal '%.*s'",
			proto_name(p->protocol), QLEN(len), s);
		return -EINVAL;
	}
	if (p->protocol == IKE_PROTO_ESP && !count_type(p, IKE_TRANS_ESN)) {
		ret = add_transform(p, IKE_TRANS_ESN, IKE_ESN_NO, 0);
		if (ret) {
			ike_set_err(err, err_len, "too many algorithms in proposal '%.*s'", QLEN(len),
				s);
			return ret;
		}
	}
	sort_by_type(p);
	return 0;
}

/*
 * What may stand in a proposal of the protocol: the table's IKE or ESP
 * flag. strongSwan's proposals also take keywords it then drops, and so
 * do these: a PRF in ESP, NONE in IKE (check_proposal removes them).
 */
static bool usable(const struct ike_alg_info *a, uint8_t protocol)
{
	if (protocol == IKE_PROTO_IKE)
		return (a->flags & IKE_ALG_IKE) ||
		       (a->type == IKE_TRANS_DH && a->id == IKE_DH_NONE);
	return (a->flags & IKE_ALG_ESP) || a->type == IKE_TRANS_PRF;
}

static const char *unusable_why(const struct ike_alg_info *a, uint8_t protocol)
{
	if (a->type == IKE_TRANS_ESN)
		return " (extended sequence numbers are for ESP)";
	if (protocol == IKE_PROTO_IKE)
		return a->flags & IKE_ALG_ESP ? " (only in esp_proposals)" : "";
	return a->flags & IKE_ALG_IKE ? " (only in IKE proposals)"
				      : " (the kernel interface does not install it)";
}

static int parse_one(const char *s, size_t len, uint8_t protocol, struct ike_proposal *p, char *err,
		     size_t err_len)
{
	size_t pos = 0;

	memset(p, 0, sizeof(*p));
	p->protocol = protocol;

	while (pos <= len) {
		const char *tok = s + pos;
		const char *dash = memchr(tok, '-', len - pos);
		size_t tlen = dash ? (size_t)(dash - tok) : len - pos;
		const struct ike_alg_info *a;

		pos += tlen + 1;
		trim(&tok, &tlen);
		if (!tlen) {
			ike_set_err(err, err_len, "empty algorithm in proposal '%.*s'", QLEN(len), s);
			return -EINVAL;
		}
		a = ike_alg_by_keyword(tok, tlen);
		if (!a) {
			ike_set_err(err, err_len, "unknown algorithm '%.*s' in proposal '%.*s'",
				QLEN(tlen), tok, QLEN(len), s);
			return -EINVAL;
		}
		if (!usable(a, protocol)) {
			ike_set_err(err, err_len, "'%.*s' cannot be used in %s%s, in proposal '%.*s'",
				QLEN(tlen), tok, proto_name(protocol), unusable_why(a, protocol),
				QLEN(len), s);
			return -EINVAL;
		}
		if (add_transform(p, a->type, a->id, a->key_bits)) {
			ike_set_err(err, err_len, "too many algorithms in proposal '%.*s'", QLEN(len),
				s);
			return -ENOSPC;
		}
	}
	return check_proposal(p, s, len, err, err_len);
}

static void add_all(struct ike_proposal *p, uint8_t type, const uint16_t *ids, size_t n,
		    uint16_t key_len)
{
	/* The default lists are far below IKE_MAX_TRANSFORMS. */
	for (size_t i = 0; i < n; i++)
		(void)add_transform(p, type, ids[i], key_len);
}

#define ADD_ALL(p, type, ids, key_len) add_all(p, type, ids, sizeof(ids) / sizeof(ids[0]), key_len)

/*
 * strongSwan's default proposals (see proposal.h). Everything in them is
 * usable in IKE or ESP by the algorithm table: a default must never offer
 * what conduit would then fail to use (a unit test parses each back).
 */
int ike_proposals_default(uint8_t protocol, struct ike_proposal *out, size_t max)
{
	static const uint16_t integ_ike[] = { IKE_INTEG_HMAC_SHA2_256_128,
					      IKE_INTEG_HMAC_SHA2_384_192,
					      IKE_INTEG_HMAC_SHA2_512_256, IKE_INTEG_HMAC_SHA1_96 };
	static const uint16_t integ_esp[] = { IKE_INTEG_HMAC_SHA2_256_128,
					      IKE_INTEG_HMAC_SHA2_384_192,
					      IKE_INTEG_HMAC_SHA2_512_256, IKE_INTEG_HMAC_SHA1_96,
					      IKE_INTEG_AES_XCBC_96 };
	static const uint16_t prfs[] = { IKE_PRF_HMAC_SHA2_256, IKE_PRF_HMAC_SHA2_384,
					 IKE_PRF_HMAC_SHA2_512, IKE_PRF_HMAC_SHA1 };
	static const uint16_t groups[] = { IKE_DH_ECP256,     IKE_DH_ECP384,   IKE_DH_ECP521,
					   IKE_DH_CURVE25519, IKE_DH_CURVE448, IKE_DH_MODP3072,
					   IKE_DH_MODP4096,   IKE_DH_MODP6144, IKE_DH_MODP8192,
					   IKE_DH_MODP2048 };
	static const uint16_t cbc[] = { IKE_ENCR_AES_CBC };
	static const uint16_t gcm16[] = { IKE_ENCR_AES_GCM_16 };
	static const uint16_t gcm12[] = { IKE_ENCR_AES_GCM_12 };
	static const uint16_t gcm8[] = { IKE_ENCR_AES_GCM_8 };
	static const uint16_t chacha[] = { IKE_ENCR_CHACHA20_POLY1305 };
	static const uint16_t noesn[] = { IKE_ESN_NO };
	static const uint16_t aes_bits[] = { 128, 192, 256 };
	struct ike_proposal *classic = &out[0], *aead = &out[1];

	if (protocol != IKE_PROTO_IKE && protocol != IKE_PROTO_ESP)
		return -EINVAL;
	if (max < 2)
		return -ENOSPC;
	memset(classic, 0, sizeof(*classic));
	memset(aead, 0, sizeof(*aead));
	classic->protocol = aead->protocol = protocol;
	classic->num = 1;
	aead->num = 2;

	for (size_t k = 0; k < 3; k++) {
		ADD_ALL(classic, IKE_TRANS_ENCR, cbc, aes_bits[k]);
		ADD_ALL(aead, IKE_TRANS_ENCR, gcm16, aes_bits[k]);
	}
	if (protocol == IKE_PROTO_IKE) {
		ADD_ALL(aead, IKE_TRANS_ENCR, chacha, 0);
		for (size_t k = 0; k < 3; k++)
			ADD_ALL(aead, IKE_TRANS_ENCR, gcm12, aes_bits[k]);
		for (size_t k = 0; k < 3; k++)
			ADD_ALL(aead, IKE_TRANS_ENCR, gcm8, aes_bits[k]);
		ADD_ALL(classic, IKE_TRANS_INTEG, integ_ike, 0);
		ADD_ALL(classic, IKE_TRANS_PRF, prfs, 0);
		ADD_ALL(aead, IKE_TRANS_PRF, prfs, 0);
		ADD_ALL(classic, IKE_TRANS_DH, groups, 0);
		ADD_ALL(aead, IKE_TRANS_DH, groups, 0);
	} else {
		ADD_ALL(classic, IKE_TRANS_INTEG, integ_esp, 0);
		ADD_ALL(classic, IKE_TRANS_ESN, noesn, 0);
		ADD_ALL(aead, IKE_TRANS_ESN, noesn, 0);
	}
	sort_by_type(classic);
	sort_by_type(aead);
	return 2;
}

int ike_proposals_parse(const char *str, uint8_t protocol, struct ike_proposal *out, size_t max,
			size_t *n_out, char *err, size_t err_len)
{
	size_t n = 0, total;
	const char *pos;

	if (err && err_len)
		err[0] = '\0';
	if (!str || !out || !n_out)
		return -EINVAL;
	*n_out = 0;
	if (protocol != IKE_PROTO_IKE && protocol != IKE_PROTO_ESP) {
		ike_set_err(err, err_len, "unsupported protocol %u for proposals", protocol);
		return -EINVAL;
	}
	total = strlen(str);
	pos = str;
	for (;;) {
		const char *comma = strchr(pos, ',');
		const char *item = pos;
		size_t len = comma ? (size_t)(comma - pos) : strlen(pos);
		int ret;

		trim(&item, &len);
		if (!len) {
			ike_set_err(err, err_len, "empty proposal in '%.*s'", QLEN(total), str);
			return -EINVAL;
		}
		if (len == 7 && !strncasecmp(item, "default", 7)) {
			if (max - n < 2) {
				ike_set_err(err, err_len, "too many proposals in '%.*s'", QLEN(total),
					str);
				return -ENOSPC;
			}
			ike_proposals_default(protocol, &out[n], max - n);
			n += 2;
		} else {
			if (n >= max) {
				ike_set_err(err, err_len, "too many proposals in '%.*s'", QLEN(total),
					str);
				return -ENOSPC;
			}
			ret = parse_one(item, len, protocol, &out[n], err, err_len);
			if (ret)
				return ret;
			n++;
		}
		if (!comma)
			break;
		pos = comma + 1;
	}
	for (size_t i = 0; i < n; i++)
		out[i].num = (uint8_t)(i + 1);
	*n_out = n;
	return 0;
}

void ike_proposals_strip_dh(struct ike_proposal *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		remove_transforms(&p[i], IKE_TRANS_DH, -1);
}

/* ----- selection ----- */

static bool known_types_only(const struct ike_proposal *p)
{
	if (p->n_transforms > IKE_MAX_TRANSFORMS || p->spi_len > IKE_MAX_SPI_LEN)
		return false;
	for (size_t i = 0; i < NT(p); i++)
		if (p->transforms[i].type < TYPE_MIN || p->transforms[i].type > TYPE_MAX)
			return false;
	return true;
}

static void sel_set(struct ike_selected *sel, uint8_t type, uint16_t id, uint16_t key_len)
{
	sel->types |= (uint8_t)(1u << type);
	switch (type) {
	case IKE_TRANS_ENCR:
		sel->encr = id;
		sel->encr_key_len = key_len;
		break;
	case IKE_TRANS_PRF:
		sel->prf = id;
		break;
	case IKE_TRANS_INTEG:
		sel->integ = id;
		break;
	case IKE_TRANS_DH:
		sel->dh = id;
		break;
	case IKE_TRANS_ESN:
		sel->esn = id;
		break;
	}
}

/*
 * strongSwan's select_algo(): pick the first of our transforms of this type
 * that the peer offers too. *found_none is set when DH was negotiated away.
 */
static bool select_type(const struct ike_proposal *ours, const struct ike_proposal *peer,
			uint8_t type, struct ike_transform *chosen)
{
	bool optional = type == IKE_TRANS_DH && ours->protocol != IKE_PROTO_IKE;
	size_t n_ours = count_type(ours, type), n_peer = count_type(peer, type);

	chosen->type = type;
	chosen->id = 0;
	chosen->key_len = 0;
	if (!n_ours && !n_peer)
		return true;
	if (!n_ours)
		return optional && has_id(peer, type, 0);
	if (!n_peer)
		return optional && has_id(ours, type, 0);
	for (size_t i = 0; i < NT(ours); i++) {
		const struct ike_transform *t = &ours->transforms[i];

		if (t->type != type)
			continue;
		if (has_transform(peer, type, t->id, t->key_len)) {
			*chosen = *t;
			return true;
		}
	}
	return false;
}

static bool select_pair(const struct ike_proposal *ours, const struct ike_proposal *peer,
			unsigned int flags, struct ike_selected *sel)
{
	bool aead = false;

	if (ours->protocol != peer->protocol || !known_types_only(peer))
		return false;
	memset(sel, 0, sizeof(*sel));
	for (uint8_t type = TYPE_MIN; type <= TYPE_MAX; type++) {
		struct ike_transform t;

		if (type == IKE_TRANS_INTEG && aead)
			continue;
		if (type == IKE_TRANS_DH && (flags & IKE_SELECT_SKIP_DH))
			continue;
		if (!select_type(ours, peer, type, &t))
			return false;
		if (!count_type(ours, type) && !count_type(peer, type))
			continue;
		/* ID 0 is NONE (or reserved), except for ESN where it means "no" */
		if (t.id == 0 && type != IKE_TRANS_ESN)
			continue;
		sel_set(sel, type, t.id, t.key_len);
		if (type == IKE_TRANS_ENCR && ike_alg_encr_is_aead(t.id))
			aead = true;
	}
	sel->protocol = peer->protocol;
	sel->proposal_num = peer->num;
	sel->spi_len = peer->spi_len <= IKE_MAX_SPI_LEN ? peer->spi_len : 0;
	memcpy(sel->spi, peer->spi, sel->spi_len);
	return true;
}

int ike_proposal_select(const struct ike_proposal *ours, size_t n_ours,
			const struct ike_proposal *peer, size_t n_peer, unsigned int flags,
			struct ike_selected *sel)
{
	if (!sel)
		return -EINVAL;
	memset(sel, 0, sizeof(*sel));
	for (size_t i = 0; i < n_ours; i++) {
		for (size_t j = 0; j < n_peer; j++) {
			if (select_pair(&ours[i], &peer[j], flags, sel))
				return 0;
		}
	}
	memset(sel, 0, sizeof(*sel));
	return -ENOENT;
}

int ike_selected_to_proposal(const struct ike_selected *sel, const uint8_t *spi, uint8_t spi_len,
			     struct ike_proposal *out)
{
	if (!sel || !out || spi_len > IKE_MAX_SPI_LEN || (spi_len && !spi))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	out->num = sel->proposal_num;
	out->protocol = sel->protocol;
	out->spi_len = spi_len;
	if (spi_len)
		memcpy(out->spi, spi, spi_len);
	if (IKE_SEL_HAS(sel, IKE_TRANS_ENCR))
		add_transform(out, IKE_TRANS_ENCR, sel->encr, sel->encr_key_len);
	if (IKE_SEL_HAS(sel, IKE_TRANS_PRF))
		add_transform(out, IKE_TRANS_PRF, sel->prf, 0);
	if (IKE_SEL_HAS(sel, IKE_TRANS_INTEG))
		add_transform(out, IKE_TRANS_INTEG, sel->integ, 0);
	if (IKE_SEL_HAS(sel, IKE_TRANS_DH))
		add_transform(out, IKE_TRANS_DH, sel->dh, 0);
	if (IKE_SEL_HAS(sel, IKE_TRANS_ESN))
		add_transform(out, IKE_TRANS_ESN, sel->esn, 0);
	return 0;
}

int ike_proposal_check_reply(const struct ike_proposal *offered, size_t n_offered,
			     const struct ike_proposal *reply, size_t n_reply,
			     struct ike_selected *sel)
{
	const struct ike_proposal *r, *o = NULL;
	uint8_t seen = 0;
	bool aead = false;

	if (!sel || !reply)
		return -EINVAL;
	memset(sel, 0, sizeof(*sel));
	if (n_reply != 1)
		return -EBADMSG;
	r = &reply[0];
	if (r->n_transforms > IKE_MAX_TRANSFORMS || r->spi_len > IKE_MAX_SPI_LEN)
		return -EBADMSG;
	for (size_t i = 0; i < NT(r); i++) {
		uint8_t type = r->transforms[i].type;

		if (type < TYPE_MIN || type > TYPE_MAX || (seen & (1u << type)))
			return -EBADMSG;
		seen |= (uint8_t)(1u << type);
	}
	for (size_t i = 0; i < n_offered; i++) {
		if (offered[i].num == r->num && offered[i].protocol == r->protocol) {
			o = &offered[i];
			break;
		}
	}
	if (!o)
		return -ENOENT;
	for (size_t i = 0; i < NT(r); i++) {
		const struct ike_transform *t = &r->transforms[i];

		if (t->type == IKE_TRANS_ENCR && ike_alg_encr_is_aead(t->id))
			aead = true;
	}
	for (size_t i = 0; i < NT(r); i++) {
		const struct ike_transform *t = &r->transforms[i];

		/* INTEG NONE next to an AEAD is redundant, not a choice */
		if (t->type == IKE_TRANS_INTEG && t->id == IKE_INTEG_NONE && aead)
			continue;
		if (!has_transform(o, t->type, t->id, t->key_len))
			return -ENOENT;
		if (t->id == 0 && t->type != IKE_TRANS_ESN)
			continue;
		sel_set(sel, t->type, t->id, t->key_len);
	}
	for (uint8_t type = TYPE_MIN; type <= TYPE_MAX; type++) {
		if (!count_type(o, type) || (seen & (1u << type)))
			continue;
		if (type == IKE_TRANS_INTEG && aead)
			continue;
		if (type == IKE_TRANS_DH && o->protocol != IKE_PROTO_IKE &&
		    has_id(o, IKE_TRANS_DH, IKE_DH_NONE))
			continue;
		return -ENOENT;
	}
	sel->protocol = r->protocol;
	sel->proposal_num = r->num;
	sel->spi_len = r->spi_len;
	memcpy(sel->spi, r->spi, r->spi_len);
	return 0;
}

/* ----- INVALID_KE_PAYLOAD ----- */

bool ike_proposals_have_dh(const struct ike_proposal *p, size_t n, uint16_t group)
{
	if (group == IKE_DH_NONE)
		return false;
	for (size_t i = 0; i < n; i++)
		if (has_id(&p[i], IKE_TRANS_DH, group))
			return true;
	return false;
}

uint16_t ike_proposals_preferred_dh(const struct ike_proposal *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < NT(&p[i]); k++)
			if (p[i].transforms[k].type == IKE_TRANS_DH && p[i].transforms[k].id)
				return p[i].transforms[k].id;
	return IKE_DH_NONE;
}

static void promote_in(struct ike_proposal *p, uint16_t group)
{
	size_t n = NT(p), first = n, at = n;
	struct ike_transform t;

	for (size_t i = 0; i < NT(p); i++) {
		if (p->transforms[i].type != IKE_TRANS_DH)
			continue;
		if (first == n)
			first = i;
		if (p->transforms[i].id == group) {
			at = i;
			break;
		}
	}
	if (at == n)
		return;
	t = p->transforms[at];
	memmove(&p->transforms[first + 1], &p->transforms[first], (at - first) * sizeof(t));
	p->transforms[first] = t;
}

int ike_proposals_promote_dh(struct ike_proposal *p, size_t n, uint16_t group)
{
	struct ike_proposal tmp;
	size_t placed = 0;

	if (!ike_proposals_have_dh(p, n, group))
		return -ENOENT;
	/* Stable partition: proposals with the group first. One proposal
	 * copy at a time keeps this off the heap. */
	for (size_t i = 0; i < n; i++) {
		if (!has_id(&p[i], IKE_TRANS_DH, group))
			continue;
		promote_in(&p[i], group);
		if (i != placed) {
			tmp = p[i];
			memmove(&p[placed + 1], &p[placed], (i - placed) * sizeof(tmp));
			p[placed] = tmp;
		}
		placed++;
	}
	for (size_t i = 0; i < n; i++)
		p[i].num = (uint8_t)(i + 1);
	return 0;
}

/* ----- formatting ----- */

/* strongSwan's name of a transform ID, whatever its key length: an AES
 * ID known at another key length still prints as AES_CBC_<bits>. */
static const char *long_name(uint8_t type, uint16_t id, uint16_t key_len)
{
	const uint16_t bits[] = { key_len, 0, 128, 192, 256 };
	const struct ike_alg_info *a = NULL;

	for (size_t i = 0; !a && i < sizeof(bits) / sizeof(bits[0]); i++)
		a = ike_alg_find(type, id, bits[i]);
	return a ? a->name : NULL;
}

static const char *short_name(uint8_t type, uint16_t id, uint16_t key_len)
{
	const struct ike_alg_info *a = ike_alg_find(type, id, key_len);

	return a ? ike_alg_keyword(a) : NULL;
}

/* The short form of a transform the table does not know: its type's
 * name and its ID ("ENCR_99"), so that a peer's proposal is shown whole. */
static const char *type_name(uint8_t type)
{
	switch (type) {
	case IKE_TRANS_ENCR:
		return "ENCR";
	case IKE_TRANS_PRF:
		return "PRF";
	case IKE_TRANS_INTEG:
		return "INTEG";
	case IKE_TRANS_DH:
		return "KE";
	case IKE_TRANS_ESN:
		return "ESN";
	default:
		return "UNKNOWN";
	}
}

/* strongSwan prints INTEG before PRF. */
static const uint8_t print_order[] = { IKE_TRANS_ENCR, IKE_TRANS_INTEG, IKE_TRANS_PRF, IKE_TRANS_DH,
				       IKE_TRANS_ESN };

int ike_proposal_format(const struct ike_proposal *p, unsigned int fmt, char *buf, size_t len)
{
	struct ike_fmt o = { .buf = buf, .len = len };
	bool first = true;

	if (!p || (!buf && len))
		return -EINVAL;
	if (len)
		buf[0] = '\0';
	if ((fmt & IKE_FMT_PROTO) && !(fmt & IKE_FMT_SHORT))
		ike_fmt(&o, "%s:", proto_name(p->protocol));
	for (size_t k = 0; k < sizeof(print_order); k++) {
		for (size_t i = 0; i < NT(p); i++) {
			const struct ike_transform *t = &p->transforms[i];
			const char *sep = first ? "" : (fmt & IKE_FMT_SHORT) ? "-" : "/";
			const char *name;

			if (t->type != print_order[k])
				continue;
			first = false;
			if (fmt & IKE_FMT_SHORT) {
				name = short_name(t->type, t->id, t->key_len);
				if (name)
					ike_fmt(&o, "%s%s", sep, name);
				else
					ike_fmt(&o, "%s%s_%u", sep, type_name(t->type), t->id);
				if (!name && t->key_len)
					ike_fmt(&o, "_KEY%u", t->key_len);
				continue;
			}
			name = long_name(t->type, t->id, t->key_len);
			if (name)
				ike_fmt(&o, "%s%s", sep, name);
			else
				ike_fmt(&o, "%sUNKNOWN_%u_%u", sep, t->type, t->id);
			if (t->key_len)
				ike_fmt(&o, "_%u", t->key_len);
		}
	}
	/* Transforms of unknown types (from the wire) last, so nothing is hidden. */
	for (size_t i = 0; i < NT(p); i++) {
		const struct ike_transform *t = &p->transforms[i];

		if (t->type >= TYPE_MIN && t->type <= TYPE_MAX)
			continue;
		ike_fmt(&o, "%sUNKNOWN_%u_%u",
		     first		     ? ""
		     : (fmt & IKE_FMT_SHORT) ? "-"
					     : "/",
		     t->type, t->id);
		first = false;
	}
	return o.pos > (size_t)INT32_MAX ? -EINVAL : (int)o.pos;
}

int ike_selected_format(const struct ike_selected *sel, unsigned int fmt, char *buf, size_t len)
{
	struct ike_proposal p;

	if (!sel)
		return -EINVAL;
	ike_selected_to_proposal(sel, NULL, 0, &p);
	return ike_proposal_format(&p, fmt, buf, len);
}

/* ----- kernel ----- */

int ike_selected_kernel_algs(const struct ike_selected *sel, struct ike_kernel_algs *out)
{
	const struct ike_alg_info *e, *i = NULL;

	if (!sel || !out || sel->protocol != IKE_PROTO_ESP || !IKE_SEL_HAS(sel, IKE_TRANS_ENCR))
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	e = ike_alg_find(IKE_TRANS_ENCR, sel->encr, sel->encr_key_len);
	if (!e || !(e->flags & IKE_ALG_ESP))
		return -ENOTSUP;
	if (!(e->flags & IKE_ALG_AEAD)) {
		/* kernel-iface installs no ESP without integrity */
		if (!IKE_SEL_HAS(sel, IKE_TRANS_INTEG))
			return -ENOTSUP;
		i = ike_alg_find(IKE_TRANS_INTEG, sel->integ, 0);
		if (!i || !(i->flags & IKE_ALG_ESP))
			return -ENOTSUP;
	}
	out->encr = e;
	out->integ = i;
	out->esn = IKE_SEL_HAS(sel, IKE_TRANS_ESN) && sel->esn == IKE_ESN_YES;
	return 0;
}

int ike_proposals_format_list(const struct ike_proposal *p, size_t n, size_t max_shown, char *buf,
			      size_t len)
{
	/* room kept for the longest " ... and N more" */
	const size_t tail = sizeof(" ... and 4294967295 more");
	struct ike_fmt o = { .buf = buf, .len = len };
	char one[1024];
	size_t i;

	if ((!p && n) || !buf || len < tail + 1)
		return -EINVAL;
	buf[0] = '\0';
	if (!n)
		ike_fmt(&o, "none");
	for (i = 0; i < n && i < max_shown; i++) {
		int w = ike_proposal_format(&p[i], IKE_FMT_SHORT, one, sizeof(one));

		if (w < 0 || (size_t)w >= sizeof(one) ||
		    o.pos + 2 + (size_t)w + (i + 1 < n ? tail : 0) >= len)
			break;
		ike_fmt(&o, "%s%s", i ? ", " : "", one);
	}
	if (i < n)
		ike_fmt(&o, "%s... and %zu more", i ? " " : "", n - i);
	return o.pos > (size_t)INT32_MAX ? -EINVAL : (int)o.pos;
}
