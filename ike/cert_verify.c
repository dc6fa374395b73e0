/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Validating a peer's certificate chain: OpenSSL's X509_verify_cert
 * against the set's anchors (with the peer's intermediates and the set's),
 * then strongSwan's rules that OpenSSL does not have: cacerts, pinned
 * certificates, revocation per connection, key usage for IKE.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "ike/cert_internal.h"
#include "ike/sig.h"

const char *ike_cert_status_name(enum ike_cert_status s)
{
	switch (s) {
	case IKE_CERT_OK:
		return "ok";
	case IKE_CERT_MALFORMED:
		return "malformed";
	case IKE_CERT_EXPIRED:
		return "expired";
	case IKE_CERT_NOT_YET_VALID:
		return "not yet valid";
	case IKE_CERT_REVOKED:
		return "revoked";
	case IKE_CERT_UNKNOWN_CA:
		return "unknown CA";
	case IKE_CERT_BAD_SIGNATURE:
		return "bad signature";
	case IKE_CERT_KEY_USAGE:
		return "key usage";
	case IKE_CERT_INVALID_CA:
		return "invalid CA";
	case IKE_CERT_NOT_PINNED:
		return "not pinned";
	case IKE_CERT_NO_REVOCATION:
		return "no revocation information";
	case IKE_CERT_SIG_SCHEME:
		return "signature scheme not allowed";
	}
	return "unknown";
}

static enum ike_cert_status refuse(enum ike_cert_status s, char *why, size_t len, const char *fmt,
				   ...) __attribute__((format(printf, 4, 5)));

static enum ike_cert_status refuse(enum ike_cert_status s, char *why, size_t len, const char *fmt,
				   ...)
{
	va_list ap;

	if (why && len) {
		va_start(ap, fmt);
		vsnprintf(why, len, fmt, ap);
		va_end(ap);
	}
	return s;
}

/* Dates of one certificate at now. */
static enum ike_cert_status check_dates(const struct ike_cert *c, int64_t now, char *why,
					size_t len)
{
	int64_t nb, na;
	char when[64];

	if (!ike_cert_validity(c, &nb, &na))
		return refuse(IKE_CERT_MALFORMED, why, len,
			      "certificate \"%s\" has unreadable dates", c->subject);
	if (now < nb) {
		ike_time_format(nb, when, sizeof(when));
		return refuse(IKE_CERT_NOT_YET_VALID, why, len,
			      "certificate \"%s\" is not valid before %s", c->subject, when);
	}
	if (now > na) {
		ike_time_format(na, when, sizeof(when));
		return refuse(IKE_CERT_EXPIRED, why, len, "certificate \"%s\" expired on %s",
			      c->subject, when);
	}
	return IKE_CERT_OK;
}

/* keyUsage must allow signatures, extendedKeyUsage (when present) IKE. */
static enum ike_cert_status check_usage(const struct ike_cert *c, char *why, size_t len)
{
	uint32_t ku = X509_get_key_usage(c->x509);
	EXTENDED_KEY_USAGE *eku;
	int crit = 0;
	bool ok = false;

	if (ku != UINT32_MAX && !(ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)))
		return refuse(IKE_CERT_KEY_USAGE, why, len,
			      "certificate \"%s\": keyUsage allows neither digitalSignature "
			      "nor nonRepudiation",
			      c->subject);
	eku = X509_get_ext_d2i(c->x509, NID_ext_key_usage, &crit, NULL);
	if (!eku) {
		ERR_clear_error();
		/* -1: no extension; otherwise it did not decode */
		if (crit == -1)
			return IKE_CERT_OK;
		return refuse(IKE_CERT_KEY_USAGE, why, len,
			      "certificate \"%s\": extendedKeyUsage does not decode", c->subject);
	}
	for (int i = 0; i < sk_ASN1_OBJECT_num(eku) && !ok; i++) {
		switch (OBJ_obj2nid(sk_ASN1_OBJECT_value(eku, i))) {
		case NID_anyExtendedKeyUsage:
		case NID_ipsec_IKE:
		case NID_server_auth:
		case NID_client_auth:
			ok = true;
			break;
		}
	}
	sk_ASN1_OBJECT_pop_free(eku, ASN1_OBJECT_free);
	if (!ok)
		return refuse(IKE_CERT_KEY_USAGE, why, len,
			      "certificate \"%s\": extendedKeyUsage has none of ipsecIKE, "
			      "serverAuth, clientAuth, anyExtendedKeyUsage",
			      c->subject);
	return IKE_CERT_OK;
}

/* A DistributionPoint with a URI: where a CRL would be fetched from. */
static bool has_crl_uri(X509 *x)
{
	STACK_OF(DIST_POINT) *dps = X509_get_ext_d2i(x, NID_crl_distribution_points, NULL, NULL);
	bool uri = false;

	ERR_clear_error();
	for (int i = 0; dps && i < sk_DIST_POINT_num(dps) && !uri; i++) {
		DIST_POINT *dp = sk_DIST_POINT_value(dps, i);

		if (!dp->distpoint || dp->distpoint->type != 0)
			continue;
		for (int j = 0; j < sk_GENERAL_NAME_num(dp->distpoint->name.fullname); j++)
			if (sk_GENERAL_NAME_value(dp->distpoint->name.fullname, j)->type == GEN_URI)
				uri = true;
	}
	sk_DIST_POINT_pop_free(dps, DIST_POINT_free);
	return uri;
}

enum crl_state {
	CRL_NONE,  /* no CRL of its issuer */
	CRL_STALE, /* only CRLs past their nextUpdate */
	CRL_GOOD,  /* a current CRL, not listing it */
};

/*
 * Revocation of x (issued by issuer) by the set's CRLs: REVOKED (why says
 * the serial and the issuer) if any CRL of that issuer lists it, stale or
 * not, as strongSwan does; else *state, the best CRL found.
 */
static enum ike_cert_status crl_check(const struct ike_creds *cs, X509 *x, X509 *issuer,
				      int64_t now, enum crl_state *state, char *why, size_t len)
{
	EVP_PKEY *ipub = X509_get0_pubkey(issuer);

	*state = CRL_NONE;
	for (size_t i = 0; i < cs->n_crls; i++) {
		const struct ike_creds_crl *crl = &cs->crls[i];
		X509_REVOKED *rev = NULL;
		int64_t next;

		if ((!crl->ok && !crl->pending) ||
		    X509_NAME_cmp(X509_CRL_get_issuer(crl->crl), X509_get_subject_name(issuer)))
			continue;
		if (crl->ok ? EVP_PKEY_eq(crl->issuer->pub, ipub) != 1
			    : X509_CRL_verify(crl->crl, ipub) != 1)
			continue; /* not this issuer's (a forgery, or a namesake) */
		if (X509_CRL_get0_by_cert(crl->crl, &rev, x) == 1) {
			BIGNUM *bn = ASN1_INTEGER_to_BN(X509_REVOKED_get0_serialNumber(rev), NULL);
			char *hex = bn ? BN_bn2hex(bn) : NULL;
			char *subj = ike_name_text(X509_get_subject_name(x));
			char *iss = ike_name_text(X509_get_subject_name(issuer));

			refuse(IKE_CERT_REVOKED, why, len,
			       "certificate \"%s\" revoked: serial %s listed by \"%s\" (%s)",
			       subj ? subj : "?", hex ? hex : "?", iss ? iss : "?", crl->source);
			free(subj);
			free(iss);
			OPENSSL_free(hex);
			BN_free(bn);
			ERR_clear_error();
			return IKE_CERT_REVOKED;
		}
		/* No nextUpdate: current for ever. */
		if (!X509_CRL_get0_nextUpdate(crl->crl) ||
		    (ike_asn1_time(X509_CRL_get0_nextUpdate(crl->crl), &next) && now <= next))
			*state = CRL_GOOD;
		else if (*state == CRL_NONE)
			*state = CRL_STALE;
	}
	ERR_clear_error();
	return IKE_CERT_OK;
}

/* Every certificate of the chain but the anchor, against its issuer. */
static enum ike_cert_status check_revocation(const struct ike_creds *cs, uint8_t mode,
					     STACK_OF(X509) * chain, int64_t now, char *why,
					     size_t len)
{
	int n = sk_X509_num(chain);

	for (int i = 0; i + 1 < n; i++) {
		X509 *x = sk_X509_value(chain, i), *issuer = sk_X509_value(chain, i + 1);
		enum crl_state st;
		enum ike_cert_status s = crl_check(cs, x, issuer, now, &st, why, len);
		const char *what = NULL;
		char *subj;

		if (s != IKE_CERT_OK)
			return s;
		if (st == CRL_GOOD || mode == IKE_REVOCATION_RELAXED)
			continue;
		if (st == CRL_STALE)
			what = "its issuer's CRL is stale";
		else if (mode == IKE_REVOCATION_STRICT)
			what = "no CRL of its issuer is loaded (revocation = strict)";
		else if (has_crl_uri(x))
			what = "it names a CRL distribution point but no CRL of its issuer is "
			       "loaded (revocation = ifuri)";
		if (!what)
			continue;
		subj = ike_name_text(X509_get_subject_name(x));
		refuse(IKE_CERT_NO_REVOCATION, why, len, "certificate \"%s\": %s",
		       subj ? subj : "?", what);
		free(subj);
		return IKE_CERT_NO_REVOCATION;
	}
	return IKE_CERT_OK;
}

static enum ike_cert_status map_error(int err)
{
	switch (err) {
	case X509_V_ERR_CERT_HAS_EXPIRED:
		return IKE_CERT_EXPIRED;
	case X509_V_ERR_CERT_NOT_YET_VALID:
		return IKE_CERT_NOT_YET_VALID;
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
	case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
	case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
	case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
	case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
	case X509_V_ERR_CERT_UNTRUSTED:
	case X509_V_ERR_CERT_REJECTED:
	case X509_V_ERR_CERT_CHAIN_TOO_LONG:
		return IKE_CERT_UNKNOWN_CA;
	case X509_V_ERR_CERT_SIGNATURE_FAILURE:
	case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
	case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
		return IKE_CERT_BAD_SIGNATURE;
	case X509_V_ERR_INVALID_CA:
	case X509_V_ERR_PATH_LENGTH_EXCEEDED:
	case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
	case X509_V_ERR_INVALID_NON_CA:
	case X509_V_ERR_INVALID_PURPOSE:
		return IKE_CERT_INVALID_CA;
	default:
		return IKE_CERT_MALFORMED;
	}
}

static enum ike_cert_status verify_error(X509_STORE_CTX *ctx, const struct ike_cert *ee, char *why,
					 size_t len)
{
	int err = X509_STORE_CTX_get_error(ctx);
	enum ike_cert_status s = map_error(err);
	X509 *cur = X509_STORE_CTX_get_current_cert(ctx);
	char *subj = cur ? ike_name_text(X509_get_subject_name(cur)) : NULL;
	char *iss = cur ? ike_name_text(X509_get_issuer_name(cur)) : NULL;
	int64_t t = 0;
	char when[64] = "?";

	switch (s) {
	case IKE_CERT_EXPIRED:
		if (cur)
			ike_asn1_time(X509_get0_notAfter(cur), &t);
		ike_time_format(t, when, sizeof(when));
		refuse(s, why, len, "certificate \"%s\" expired on %s", subj ? subj : "?", when);
		break;
	case IKE_CERT_NOT_YET_VALID:
		if (cur)
			ike_asn1_time(X509_get0_notBefore(cur), &t);
		ike_time_format(t, when, sizeof(when));
		refuse(s, why, len, "certificate \"%s\" is not valid before %s", subj ? subj : "?",
		       when);
		break;
	case IKE_CERT_UNKNOWN_CA:
		refuse(s, why, len,
		       "certificate \"%s\": unknown CA, no trust anchor for \"%s\" (%s)",
		       ee->subject, iss ? iss : "?", X509_verify_cert_error_string(err));
		break;
	case IKE_CERT_BAD_SIGNATURE:
		refuse(s, why, len, "certificate \"%s\": bad signature by \"%s\"",
		       subj ? subj : "?", iss ? iss : "?");
		break;
	default:
		refuse(s, why, len, "certificate \"%s\": %s", subj ? subj : "?",
		       X509_verify_cert_error_string(err));
		break;
	}
	free(subj);
	free(iss);
	return s;
}

/* The scheme a certificate is signed with, as the AUTH payload's schemes
 * name it (ECDSA by hash, any curve, as strongSwan's chain constraints
 * have it); IKE_SIG_NONE for one we have no name for (ECDSA with SHA-1,
 * RSA with SHA-224...), which no constraint allows. */
static enum ike_sig_scheme cert_sig_scheme(X509 *x)
{
	int md = NID_undef, pk = NID_undef;

	if (!X509_get_signature_info(x, &md, &pk, NULL, NULL)) {
		ERR_clear_error();
		return IKE_SIG_NONE;
	}
	switch (pk) {
	case NID_rsaEncryption:
		return md == NID_sha1	  ? IKE_SIG_RSA_SHA1_CLASSIC
		       : md == NID_sha256 ? IKE_SIG_RSA_PKCS1_SHA256
		       : md == NID_sha384 ? IKE_SIG_RSA_PKCS1_SHA384
		       : md == NID_sha512 ? IKE_SIG_RSA_PKCS1_SHA512
					  : IKE_SIG_NONE;
	case NID_rsassaPss:
		return md == NID_sha256	  ? IKE_SIG_RSA_PSS_SHA256
		       : md == NID_sha384 ? IKE_SIG_RSA_PSS_SHA384
		       : md == NID_sha512 ? IKE_SIG_RSA_PSS_SHA512
					  : IKE_SIG_NONE;
	case NID_X9_62_id_ecPublicKey:
		return md == NID_sha256	  ? IKE_SIG_ECDSA_SHA256
		       : md == NID_sha384 ? IKE_SIG_ECDSA_SHA384
		       : md == NID_sha512 ? IKE_SIG_ECDSA_SHA512
					  : IKE_SIG_NONE;
	case NID_ED25519:
		return IKE_SIG_ED25519;
	case NID_ED448:
		return IKE_SIG_ED448;
	}
	return IKE_SIG_NONE;
}

/* A scheme's name for a certificate's signature: without the AUTH
 * method number ike_sig_name() gives the classic ones. */
static const char *cert_sig_name(enum ike_sig_scheme s)
{
	switch (s) {
	case IKE_SIG_RSA_SHA1_CLASSIC:
		return "RSA PKCS#1 v1.5 SHA-1";
	case IKE_SIG_ECDSA_256_CLASSIC:
	case IKE_SIG_ECDSA_384_CLASSIC:
	case IKE_SIG_ECDSA_521_CLASSIC:
		return NULL; /* the method-14 name of the same hash says it */
	default:
		return ike_sig_name(s);
	}
}

/*
 * remote.auth's chain constraints (strongSwan's AUTH_RULE_SIGNATURE_SCHEME,
 * checked by its auth_cfg complies()): the signature of each certificate
 * of the validated chain by its issuer, the end entity's and the
 * intermediates', but not the anchor's own, must use an allowed scheme.
 */
static enum ike_cert_status check_chain_schemes(uint32_t allowed, STACK_OF(X509) * chain, char *why,
						size_t len)
{
	int n = sk_X509_num(chain);

	if (!allowed)
		return IKE_CERT_OK;
	for (int i = 0; i + 1 < n; i++) {
		X509 *x = sk_X509_value(chain, i);
		enum ike_sig_scheme s = cert_sig_scheme(x);
		char list[160] = "", *subj;
		size_t off = 0;
		const char *name;

		if (s != IKE_SIG_NONE && (allowed & (UINT32_C(1) << s)))
			continue;
		for (int b = IKE_SIG_NONE + 1; b < IKE_SIG_MAX; b++) {
			name = cert_sig_name((enum ike_sig_scheme)b);
			if (!(allowed & (UINT32_C(1) << b)) || !name || off >= sizeof(list))
				continue;
			off += (size_t)snprintf(list + off, sizeof(list) - off, "%s%s",
						off ? ", " : "", name);
		}
		name = s != IKE_SIG_NONE ? cert_sig_name(s) : OBJ_nid2ln(X509_get_signature_nid(x));
		subj = ike_name_text(X509_get_subject_name(x));
		refuse(IKE_CERT_SIG_SCHEME, why, len,
		       "certificate \"%s\" is signed with %s, not allowed by remote auth (%s)",
		       subj ? subj : "?", name ? name : "an unknown algorithm", list);
		free(subj);
		ERR_clear_error();
		return IKE_CERT_SIG_SCHEME;
	}
	return IKE_CERT_OK;
}

static bool chain_has(STACK_OF(X509) * chain, const struct ike_trust *trust)
{
	for (int i = 0; i < sk_X509_num(chain); i++)
		for (size_t j = 0; j < trust->n_cacerts; j++)
			if (trust->cacerts[j] &&
			    X509_cmp(sk_X509_value(chain, i), trust->cacerts[j]->x509) == 0)
				return true;
	return false;
}

enum ike_cert_status ike_cert_verify(const struct ike_creds *cs, const struct ike_trust *trust,
				     struct ike_cert *const *chain, size_t n, int64_t wall_time,
				     char *why, size_t why_len)
{
	static const struct ike_trust any;
	const struct ike_cert *ee;
	enum ike_cert_status s;
	STACK_OF(X509) *untrusted = NULL;
	X509_STORE_CTX *ctx = NULL;

	if (why && why_len)
		why[0] = '\0';
	if (!trust)
		trust = &any;
	if (!cs || !cs->finished)
		return refuse(IKE_CERT_UNKNOWN_CA, why, why_len, "no credentials loaded");
	if (n == 0 || !chain || !chain[0])
		return refuse(IKE_CERT_MALFORMED, why, why_len, "no certificate");
	if (n > IKE_CERT_MAX_CHAIN)
		return refuse(IKE_CERT_MALFORMED, why, why_len,
			      "%zu certificates, more than the %d accepted", n, IKE_CERT_MAX_CHAIN);
	ee = chain[0];

	if (trust->n_pinned) {
		bool pinned = false;

		for (size_t i = 0; i < trust->n_pinned && !pinned; i++)
			pinned = trust->pinned[i] &&
				 memcmp(trust->pinned[i]->fp, ee->fp, sizeof(ee->fp)) == 0;
		if (!pinned)
			return refuse(IKE_CERT_NOT_PINNED, why, why_len,
				      "certificate \"%s\" is not one of remote.certs", ee->subject);
		s = check_dates(ee, wall_time, why, why_len);
		return s != IKE_CERT_OK ? s : check_usage(ee, why, why_len);
	}

	untrusted = sk_X509_new_null();
	ctx = X509_STORE_CTX_new();
	if (!untrusted || !ctx)
		goto nomem;
	for (size_t i = 1; i < n; i++)
		if (chain[i] && !sk_X509_push(untrusted, chain[i]->x509))
			goto nomem;
	for (int i = 0; i < sk_X509_num(cs->intermediates); i++)
		if (!sk_X509_push(untrusted, sk_X509_value(cs->intermediates, i)))
			goto nomem;
	if (!X509_STORE_CTX_init(ctx, cs->store, ee->x509, untrusted))
		goto nomem;
	X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), (time_t)wall_time);
	X509_VERIFY_PARAM_set_depth(X509_STORE_CTX_get0_param(ctx), IKE_CERT_MAX_CHAIN);
	if (X509_verify_cert(ctx) != 1) {
		s = verify_error(ctx, ee, why, why_len);
		goto out;
	}
	if (trust->n_cacerts && !chain_has(X509_STORE_CTX_get0_chain(ctx), trust)) {
		s = refuse(IKE_CERT_UNKNOWN_CA, why, why_len,
			   "certificate \"%s\": unknown CA, its chain holds none of remote.cacerts",
			   ee->subject);
		goto out;
	}
	s = check_chain_schemes(trust->chain_schemes, X509_STORE_CTX_get0_chain(ctx), why, why_len);
	if (s == IKE_CERT_OK)
		s = check_usage(ee, why, why_len);
	if (s == IKE_CERT_OK)
		s = check_revocation(cs, trust->revocation, X509_STORE_CTX_get0_chain(ctx),
				     wall_time, why, why_len);
	goto out;
nomem:
	s = refuse(IKE_CERT_MALFORMED, why, why_len, "out of memory");
out:
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	ERR_clear_error();
	return s;
}
