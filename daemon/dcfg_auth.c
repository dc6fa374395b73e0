/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Public key authentication in a connection's conversion: signature
 * constraints, our certificate and identity, the peer's trust anchors and
 * pinned certificates. */
#include "config.h"

#include "daemon/dcfg.h"
#include "daemon/dcfg_internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ike/cert.h"
#include "ike/sig.h"
#include "ike/id.h"

/* ---- public key authentication ---- */

uint32_t dcfg_sig_schemes(uint32_t conf_sig)
{
	/* ECDSA with a hash is both encodings: RFC 7427's and the classic
	 * method of the curve that goes with the hash (RFC 4754) */
	static const struct {
		enum conf_sig c;
		uint32_t ike;
	} map[] = {
		{ CONF_SIG_RSA_SHA1, 1u << IKE_SIG_RSA_SHA1_CLASSIC },
		{ CONF_SIG_RSA_SHA256, 1u << IKE_SIG_RSA_PKCS1_SHA256 },
		{ CONF_SIG_RSA_SHA384, 1u << IKE_SIG_RSA_PKCS1_SHA384 },
		{ CONF_SIG_RSA_SHA512, 1u << IKE_SIG_RSA_PKCS1_SHA512 },
		{ CONF_SIG_PSS_SHA256, 1u << IKE_SIG_RSA_PSS_SHA256 },
		{ CONF_SIG_PSS_SHA384, 1u << IKE_SIG_RSA_PSS_SHA384 },
		{ CONF_SIG_PSS_SHA512, 1u << IKE_SIG_RSA_PSS_SHA512 },
		{ CONF_SIG_ECDSA_SHA256,
		  1u << IKE_SIG_ECDSA_SHA256 | 1u << IKE_SIG_ECDSA_256_CLASSIC },
		{ CONF_SIG_ECDSA_SHA384,
		  1u << IKE_SIG_ECDSA_SHA384 | 1u << IKE_SIG_ECDSA_384_CLASSIC },
		{ CONF_SIG_ECDSA_SHA512,
		  1u << IKE_SIG_ECDSA_SHA512 | 1u << IKE_SIG_ECDSA_521_CLASSIC },
		{ CONF_SIG_ED25519, 1u << IKE_SIG_ED25519 },
		{ CONF_SIG_ED448, 1u << IKE_SIG_ED448 },
	};
	uint32_t out = 0;

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (conf_sig & (1u << map[i].c))
			out |= map[i].ike;
	return out;
}

/* The subject of a certificate as an ID_DER_ASN1_DN; false when it does
 * not fit an identity. */
static bool cert_subject_id(const struct ike_cert *c, struct ike_id *id)
{
	X509_NAME *name = X509_get_subject_name(ike_cert_x509(c));
	int len = name ? i2d_X509_NAME(name, NULL) : -1;
	unsigned char *p = NULL;

	memset(id, 0, sizeof(*id));
	if (len <= 0 || (size_t)len > sizeof(id->data))
		return false;
	p = id->data;
	if (i2d_X509_NAME(name, &p) != len)
		return false;
	id->type = IKE_ID_DER_ASN1_DN;
	id->len = (uint16_t)len;
	return true;
}

bool dcfg_cert_has_id(const struct ike_cert *cert, const struct ike_id *id)
{
	/* the engine's own test, so that --check agrees with it */
	return ike_cert_has_id(cert, id->type, id->data, id->len);
}

/* The configuration holds const pointers; dcfg_conn keeps references. */
struct ike_cert *dcfg_unconst_cert(const struct ike_cert *c)
{
	union {
		const struct ike_cert *c;
		struct ike_cert *m;
	} u = { .c = c };
	return u.m;
}

/* A file of local.certs, remote.certs or remote.cacerts: the loaded
 * certificate, or NULL with an error at the item's place. */
static const struct ike_cert *find_cert(const struct dcfg_creds *cr, const struct conf_str *item,
					const char *sub, const char *conn, const char *key,
					struct dcfg_conn *out)
{
	char path[4096], where[300];
	const struct ike_cert *c = NULL;

	if (item->value[0] == '/')
		snprintf(path, sizeof(path), "%s", item->value);
	else
		snprintf(path, sizeof(path), "%s/%s/%s", cr && cr->dir ? cr->dir : ".", sub,
			 item->value);
	if (cr && cr->cs)
		c = ike_creds_by_source(cr->cs, path);
	if (c)
		return c;
	if (access(path, F_OK) < 0)
		dcfg_add_err(out, -ENOENT, "%sconnection %s: %s: no certificate file %s",
			     dcfg_locstr(&item->loc, where, sizeof(where)), conn, key, path);
	else
		dcfg_add_err(out, -ENOENT,
			     "%sconnection %s: %s: %s is not a certificate conduit loaded (only "
			     "files in %s/%s/ are)",
			     dcfg_locstr(&item->loc, where, sizeof(where)), conn, key, path,
			     cr && cr->dir ? cr->dir : ".", sub);
	return NULL;
}

static const char *auth_where(const struct conf_auth_round *r, const struct conf_conn *cc,
			      char *buf, size_t len)
{
	return dcfg_locstr(r->auth_text.value ? &r->auth_text.loc
			   : r->loc.line      ? &r->loc
					      : &cc->loc,
			   buf, len);
}

/* Our side: the method, the certificate and, when none is written, the
 * identity from it. */
int dcfg_conv_local_auth(const struct conf_conn *cc, const struct dcfg_creds *cr,
			 struct dcfg_conn *out)
{
	const struct conf_auth_round *r = &cc->local;
	struct ike_auth_cfg *a = &out->cfg.local_auth;
	struct ike_id *id = &out->cfg.local_id;
	const struct ike_cert *cert = NULL;
	char where[300], idtext[256];

	a->method = r->auth == CONF_AUTH_PSK ? IKE_AUTH_PSK : IKE_AUTH_PUBKEY;
	a->sig_schemes = dcfg_sig_schemes(r->ike_sig_schemes);
	a->prefer_pss = r->pss;
	if (r->certs.n) {
		cert = find_cert(cr, &r->certs.items[0], "x509", cc->name, "local certs", out);
		if (!cert)
			return -ENOENT;
		if (!ike_creds_key(cr->cs, cert))
			return dcfg_add_err(
			    out, -ENOKEY,
			    "%sconnection %s: local certs: %s has no private key in "
			    "private/, rsa/, ecdsa/ or pkcs8/",
			    dcfg_locstr(&r->certs.items[0].loc, where, sizeof(where)), cc->name,
			    r->certs.items[0].value);
	}
	if (a->method != IKE_AUTH_PUBKEY)
		goto done;
	if (!cert && id->type) {
		/* strongSwan looks for a certificate of ours with the id */
		size_t n = cr && cr->cs ? ike_creds_n_own(cr->cs) : 0;

		for (size_t i = 0; i < n && !cert; i++)
			if (dcfg_cert_has_id(ike_creds_own(cr->cs, i), id))
				cert = ike_creds_own(cr->cs, i);
		if (!cert) {
			ike_id_format(id->type, id->data, id->len, idtext, sizeof(idtext));
			return dcfg_add_err(
			    out, -ENOKEY,
			    "%sconnection %s: local id \"%s\": no certificate of ours "
			    "(x509/ with its key) carries it; name one in local certs",
			    dcfg_locstr(&r->id.loc, where, sizeof(where)), cc->name, idtext);
		}
	}
	if (!cert && !(cr && cr->cs && ike_creds_n_own(cr->cs)))
		return dcfg_add_err(out, -ENOKEY,
				    "%sconnection %s: local auth = %s needs a certificate with its "
				    "private key, and none is loaded (x509/ and private/)",
				    auth_where(r, cc, where, sizeof(where)), cc->name,
				    r->auth_text.value ? r->auth_text.value : "pubkey");
done:
	if (cert && !id->type && !r->id.value && !cert_subject_id(cert, id))
		return dcfg_add_err(
		    out, -EINVAL,
		    "%sconnection %s: the subject of %s is too long for an identity: "
		    "set local id",
		    dcfg_locstr(&r->certs.items[0].loc, where, sizeof(where)), cc->name,
		    r->certs.items[0].value);
	/* strongSwan only warns at run time; at load it is surely a mistake */
	if (cert && id->type && a->method == IKE_AUTH_PUBKEY && !dcfg_cert_has_id(cert, id)) {
		ike_id_format(id->type, id->data, id->len, idtext, sizeof(idtext));
		return dcfg_add_err(out, -EINVAL,
				    "%sconnection %s: local id \"%s\" is not in certificate %s "
				    "(subject \"%s\" or its subjectAltNames)",
				    dcfg_locstr(r->id.value ? &r->id.loc : &r->certs.items[0].loc,
						where, sizeof(where)),
				    cc->name, idtext, r->certs.n ? r->certs.items[0].value : "?",
				    ike_cert_subject(cert));
	}
	if (a->method == IKE_AUTH_PUBKEY)
		a->cert = ike_cert_ref(dcfg_unconst_cert(cert));
	return 0;
}

/* The peer's side: method, constraints, trust. */
int dcfg_conv_remote_auth(const struct conf_conn *cc, const struct dcfg_creds *cr,
			  struct dcfg_conn *out)
{
	const struct conf_auth_round *r = &cc->remote;
	struct ike_auth_cfg *a = &out->cfg.remote_auth;
	int rc = 0;

	a->method = r->auth == CONF_AUTH_PSK	  ? IKE_AUTH_PSK
		    : r->auth == CONF_AUTH_PUBKEY ? IKE_AUTH_PUBKEY
						  : IKE_AUTH_ANY;
	a->sig_schemes = dcfg_sig_schemes(r->ike_sig_schemes);
	a->trust.chain_schemes = dcfg_sig_schemes(r->sig_schemes);
	a->prefer_pss = r->pss;
	a->trust.revocation = r->revocation == CONF_REVOCATION_STRICT  ? IKE_REVOCATION_STRICT
			      : r->revocation == CONF_REVOCATION_IFURI ? IKE_REVOCATION_IFURI
								       : IKE_REVOCATION_RELAXED;
	out->cacerts = calloc(r->cacerts.n + 1, sizeof(*out->cacerts));
	out->pinned = calloc(r->certs.n + 1, sizeof(*out->pinned));
	if (!out->cacerts || !out->pinned)
		return dcfg_add_err(out, -ENOMEM, "connection %s: out of memory", cc->name);
	for (size_t i = 0; i < r->cacerts.n; i++) {
		const struct ike_cert *c =
		    find_cert(cr, &r->cacerts.items[i], "x509ca", cc->name, "remote cacerts", out);

		if (!c) {
			rc = -ENOENT;
			continue;
		}
		out->cacerts[a->trust.n_cacerts++] = ike_cert_ref(dcfg_unconst_cert(c));
	}
	for (size_t i = 0; i < r->certs.n; i++) {
		const struct ike_cert *c =
		    find_cert(cr, &r->certs.items[i], "x509", cc->name, "remote certs", out);

		if (!c) {
			rc = -ENOENT;
			continue;
		}
		out->pinned[a->trust.n_pinned++] = ike_cert_ref(dcfg_unconst_cert(c));
	}
	a->trust.cacerts = a->trust.n_cacerts ? out->cacerts : NULL;
	a->trust.pinned = a->trust.n_pinned ? out->pinned : NULL;
	/* strongSwan: the identity of a pinned certificate's subject */
	if (!out->cfg.remote_id.type && !r->id.value && a->trust.n_pinned)
		cert_subject_id(out->pinned[0], &out->cfg.remote_id);
	return rc;
}
