/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Certificates and credential sets: parsed once, refcounted, immutable once
 * finished (see cert.h).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "ike/cert_internal.h"
#include "ike/id.h"

static bool is_pem(const uint8_t *data, size_t len)
{
	static const char tag[] = "-----BEGIN ";

	/* PEM may follow text (openssl's -text output, comments): look for
	 * the armour anywhere in the first kilobytes. */
	size_t lim = len < 4096 ? len : 4096;

	for (size_t i = 0; i + sizeof(tag) - 1 <= lim; i++)
		if (memcmp(data + i, tag, sizeof(tag) - 1) == 0)
			return true;
	return false;
}

char *ike_name_text(const X509_NAME *n)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *out = NULL;
	char *p;
	long len;

	if (!b)
		return NULL;
	/* strongSwan's order and separators ("C=CH, O=x, CN=y"), UTF-8 kept,
	 * control characters escaped so a name cannot forge a log line. */
	if (X509_NAME_print_ex(b, n, 0,
			       (XN_FLAG_ONELINE & ~XN_FLAG_SPC_EQ & ~ASN1_STRFLGS_ESC_MSB) |
				   ASN1_STRFLGS_ESC_CTRL) >= 0) {
		len = BIO_get_mem_data(b, &p);
		if (len >= 0 && (out = malloc((size_t)len + 1))) {
			memcpy(out, p, (size_t)len);
			out[len] = '\0';
		}
	}
	BIO_free(b);
	return out;
}

static struct ike_cert *cert_from_x509(X509 *x, const char **err)
{
	struct ike_cert *c = calloc(1, sizeof(*c));
	unsigned char *der = NULL, *spki = NULL;
	int len, slen;

	if (!c)
		goto nomem;
	c->refs = 1;
	c->x509 = x;
	len = i2d_X509(x, &der);
	if (len <= 0)
		goto bad;
	c->der = der;
	c->der_len = (size_t)len;
	/* Decode the public key now, once: OpenSSL caches it in the X509. */
	c->pub = X509_get0_pubkey(x);
	if (!c->pub) {
		*err = "unsupported or invalid public key";
		goto fail;
	}
	slen = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &spki);
	if (slen <= 0)
		goto bad;
	if (!EVP_Digest(spki, (size_t)slen, c->keyid, NULL, EVP_sha1(), NULL) ||
	    !EVP_Digest(c->der, c->der_len, c->fp, NULL, EVP_sha256(), NULL)) {
		OPENSSL_free(spki);
		goto bad;
	}
	OPENSSL_free(spki);
	c->subject = ike_name_text(X509_get_subject_name(x));
	c->issuer = ike_name_text(X509_get_issuer_name(x));
	if (!c->subject || !c->issuer)
		goto nomem;
	/* Also caches the extensions (X509_check_purpose with -1). */
	if (X509_check_purpose(x, -1, 0) != 1) {
		*err = "invalid extensions";
		goto fail;
	}
	c->ca = (X509_get_extension_flags(x) & EXFLAG_CA) != 0;
	len = i2d_X509_NAME(X509_get_subject_name(x), &c->subject_der);
	if (len <= 0)
		goto bad;
	c->subject_der_len = (size_t)len;
	c->san = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	c->self_signed = X509_self_signed(x, 1) == 1;
	ERR_clear_error();
	return c;
bad:
	*err = "unusable certificate";
	goto fail;
nomem:
	*err = "out of memory";
fail:
	if (c) {
		c->x509 = NULL;
		ike_cert_unref(c);
	}
	X509_free(x);
	ERR_clear_error();
	return NULL;
}

/* DER only, exactly filling data: what a CERT payload carries. */
struct ike_cert *ike_cert_parse_der(const uint8_t *data, size_t len, const char **err)
{
	const unsigned char *p = data;
	X509 *x;

	if (len == 0 || len > IKE_CERT_MAX_OCTETS) {
		*err = len ? "certificate too long" : "empty certificate";
		return NULL;
	}
	x = d2i_X509(NULL, &p, (long)len);
	if (!x || p != data + len) {
		X509_free(x);
		ERR_clear_error();
		*err = "not a DER X.509 certificate";
		return NULL;
	}
	return cert_from_x509(x, err);
}

struct ike_cert *ike_cert_parse(const uint8_t *data, size_t len, const char **err)
{
	const char *dummy;
	BIO *b;
	X509 *x;

	if (!err)
		err = &dummy;
	if (!data || len == 0 || len > IKE_CERT_MAX_OCTETS) {
		*err = len ? "certificate too long" : "empty certificate";
		return NULL;
	}
	if (!is_pem(data, len))
		return ike_cert_parse_der(data, len, err);
	b = BIO_new_mem_buf(data, (int)len);
	if (!b) {
		*err = "out of memory";
		return NULL;
	}
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	if (!x) {
		ERR_clear_error();
		*err = "no PEM CERTIFICATE block that parses";
		return NULL;
	}
	return cert_from_x509(x, err);
}

struct ike_cert *ike_cert_ref(struct ike_cert *c)
{
	if (c)
		c->refs++;
	return c;
}

void ike_cert_unref(struct ike_cert *c)
{
	if (!c || --c->refs > 0)
		return;
	X509_free(c->x509);
	OPENSSL_free(c->der);
	free(c->subject);
	free(c->issuer);
	OPENSSL_free(c->subject_der);
	GENERAL_NAMES_free(c->san);
	free(c);
}

/* Equal as ike/id.c has identities equal (case of names folded), with no
 * wildcard of either side standing for anything. */
static bool id_equal(uint8_t type, const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
	struct ike_id pat;

	if (alen > sizeof(pat.data))
		return false;
	memset(&pat, 0, sizeof(pat));
	pat.type = type;
	pat.len = (uint16_t)alen;
	memcpy(pat.data, a, alen);
	return ike_id_matches_data(&pat, type, b, blen) == IKE_ID_MATCH_PERFECT;
}

bool ike_cert_has_id(const struct ike_cert *c, uint8_t type, const uint8_t *data, size_t len)
{
	int n;

	if (type == IKE_ID_DER_ASN1_DN)
		return id_equal(type, c->subject_der, c->subject_der_len, data, len);
	n = c->san ? sk_GENERAL_NAME_num(c->san) : 0;
	for (int i = 0; i < n; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(c->san, i);
		const ASN1_STRING *v = NULL;
		uint8_t want = 0;

		switch (g->type) {
		case GEN_DNS:
			v = g->d.dNSName;
			want = IKE_ID_FQDN;
			break;
		case GEN_EMAIL:
			v = g->d.rfc822Name;
			want = IKE_ID_RFC822_ADDR;
			break;
		case GEN_IPADD:
			v = g->d.iPAddress;
			want = ASN1_STRING_length(v) == 16 ? IKE_ID_IPV6_ADDR : IKE_ID_IPV4_ADDR;
			break;
		default:
			continue;
		}
		if (want == type && v && ASN1_STRING_length(v) >= 0 &&
		    id_equal(type, ASN1_STRING_get0_data(v), (size_t)ASN1_STRING_length(v), data,
			     len))
			return true;
	}
	return false;
}

X509 *ike_cert_x509(const struct ike_cert *c)
{
	return c->x509;
}

EVP_PKEY *ike_cert_pubkey(const struct ike_cert *c)
{
	return c->pub;
}

const uint8_t *ike_cert_der(const struct ike_cert *c, size_t *len)
{
	*len = c->der_len;
	return c->der;
}

const uint8_t *ike_cert_keyid(const struct ike_cert *c)
{
	return c->keyid;
}

const uint8_t *ike_cert_fingerprint(const struct ike_cert *c)
{
	return c->fp;
}

const uint8_t *ike_cert_subject_der(const struct ike_cert *c, size_t *len)
{
	*len = c->subject_der_len;
	return c->subject_der;
}

const char *ike_cert_subject(const struct ike_cert *c)
{
	return c->subject;
}

const char *ike_cert_issuer(const struct ike_cert *c)
{
	return c->issuer;
}

bool ike_cert_self_signed(const struct ike_cert *c)
{
	return c->self_signed;
}

bool ike_cert_is_ca(const struct ike_cert *c)
{
	return c->ca;
}

void ike_cert_key_type(const struct ike_cert *c, char *buf, size_t size)
{
	char group[64];
	size_t glen = 0;

	switch (EVP_PKEY_get_base_id(c->pub)) {
	case EVP_PKEY_RSA:
		snprintf(buf, size, "RSA %d", EVP_PKEY_get_bits(c->pub));
		return;
	case EVP_PKEY_RSA_PSS:
		snprintf(buf, size, "RSA-PSS %d", EVP_PKEY_get_bits(c->pub));
		return;
	case EVP_PKEY_ED25519:
		snprintf(buf, size, "Ed25519");
		return;
	case EVP_PKEY_ED448:
		snprintf(buf, size, "Ed448");
		return;
	case EVP_PKEY_EC:
		if (!EVP_PKEY_get_group_name(c->pub, group, sizeof(group), &glen))
			break;
		if (strcmp(group, "prime256v1") == 0)
			snprintf(buf, size, "ECDSA P-256");
		else if (strcmp(group, "secp384r1") == 0)
			snprintf(buf, size, "ECDSA P-384");
		else if (strcmp(group, "secp521r1") == 0)
			snprintf(buf, size, "ECDSA P-521");
		else
			snprintf(buf, size, "ECDSA %s", group);
		return;
	}
	snprintf(buf, size, "%s %d", EVP_PKEY_get0_type_name(c->pub) ?: "unknown",
		 EVP_PKEY_get_bits(c->pub));
}

bool ike_asn1_time(const ASN1_TIME *t, int64_t *out)
{
	struct tm tm;

	if (!t || !ASN1_TIME_to_tm(t, &tm))
		return false;
	*out = (int64_t)timegm(&tm);
	return true;
}

void ike_cert_serial(const struct ike_cert *c, char *buf, size_t size)
{
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(c->x509), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;

	snprintf(buf, size, "%s", hex ? hex : "?");
	OPENSSL_free(hex);
	BN_free(bn);
	ERR_clear_error();
}

bool ike_cert_validity(const struct ike_cert *c, int64_t *not_before, int64_t *not_after)
{
	return ike_asn1_time(X509_get0_notBefore(c->x509), not_before) &&
	       ike_asn1_time(X509_get0_notAfter(c->x509), not_after);
}

void ike_time_format(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, size, "%lld", (long long)t);
}

bool ike_cert_issued_by(const struct ike_cert *c, const struct ike_cert *issuer)
{
	bool ok = X509_check_issued(issuer->x509, c->x509) == X509_V_OK &&
		  X509_verify(c->x509, issuer->pub) == 1;

	ERR_clear_error();
	return ok;
}

/* ------------------------------------------------------------------ */
/* Credential sets                                                     */

struct ike_creds *ike_creds_new(void)
{
	struct ike_creds *cs = calloc(1, sizeof(*cs));

	if (cs)
		cs->refs = 1;
	return cs;
}

struct ike_creds *ike_creds_ref(struct ike_creds *cs)
{
	if (cs)
		cs->refs++;
	return cs;
}

void ike_creds_unref(struct ike_creds *cs)
{
	if (!cs || --cs->refs > 0)
		return;
	for (size_t i = 0; i < cs->n_certs; i++) {
		ike_cert_unref(cs->certs[i].cert);
		free(cs->certs[i].source);
	}
	for (size_t i = 0; i < cs->n_keys; i++) {
		EVP_PKEY_free(cs->keys[i].key); /* OpenSSL clears private keys */
		free(cs->keys[i].source);
	}
	for (size_t i = 0; i < cs->n_crls; i++) {
		X509_CRL_free(cs->crls[i].crl);
		free(cs->crls[i].source);
	}
	free(cs->certs);
	free(cs->keys);
	free(cs->crls);
	free(cs->own);
	free(cs->certreq);
	X509_STORE_free(cs->store);
	sk_X509_free(cs->intermediates);
	free(cs);
}

/* Room for one more element of an array of elem-sized items. */
static int grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	size_t ncap;
	void *p;

	if (n < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 8;
	p = realloc(*arr, ncap * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	*cap = ncap;
	return 0;
}

int ike_creds_add_cert(struct ike_creds *cs, enum ike_cert_kind kind, const uint8_t *data,
		       size_t len, const char *source, const char **err)
{
	const char *dummy;
	struct ike_cert *c;
	struct ike_creds_cert *cc;
	char *src;

	if (!err)
		err = &dummy;
	if (cs->finished) {
		*err = "credential set already finished";
		return -EBUSY;
	}
	c = ike_cert_parse(data, len, err);
	if (!c)
		return strcmp(*err, "out of memory") == 0 ? -ENOMEM : -EINVAL;
	for (size_t i = 0; i < cs->n_certs; i++) {
		if (memcmp(cs->certs[i].cert->fp, c->fp, sizeof(c->fp)) == 0 &&
		    cs->certs[i].kind == kind) {
			ike_cert_unref(c);
			*err = "the same certificate was loaded already";
			return -EEXIST;
		}
	}
	src = strdup(source ? source : "");
	if (!src || grow((void **)&cs->certs, &cs->cap_certs, cs->n_certs, sizeof(*cs->certs))) {
		free(src);
		ike_cert_unref(c);
		*err = "out of memory";
		return -ENOMEM;
	}
	cc = &cs->certs[cs->n_certs++];
	memset(cc, 0, sizeof(*cc));
	cc->cert = c;
	cc->kind = kind;
	cc->source = src;
	return 0;
}

struct pass_ctx {
	const char *pass;
	bool asked;
};

static int pass_cb(char *buf, int size, int rwflag, void *u)
{
	struct pass_ctx *pc = u;
	size_t n;

	(void)rwflag;
	pc->asked = true;
	if (!pc->pass || size <= 0)
		return -1;
	n = strlen(pc->pass);
	if (n > (size_t)size)
		return -1;
	memcpy(buf, pc->pass, n);
	return (int)n;
}

int ike_creds_add_key(struct ike_creds *cs, const uint8_t *data, size_t len, const char *passphrase,
		      const char *source, const char **err)
{
	struct pass_ctx pc = { .pass = passphrase };
	OSSL_DECODER_CTX *dctx;
	const unsigned char *p = data;
	size_t left = len;
	EVP_PKEY *pkey = NULL;
	const char *dummy;
	char *src;
	int ok;

	if (!err)
		err = &dummy;
	if (cs->finished) {
		*err = "credential set already finished";
		return -EBUSY;
	}
	if (!data || len == 0 || len > IKE_CERT_MAX_OCTETS) {
		*err = len ? "key file too long" : "empty key file";
		return -EINVAL;
	}
	/* Any input structure (PKCS#8, traditional, encrypted), PEM or DER. */
	dctx = OSSL_DECODER_CTX_new_for_pkey(&pkey, NULL, NULL, NULL, EVP_PKEY_KEYPAIR, NULL, NULL);
	if (!dctx) {
		*err = "out of memory";
		return -ENOMEM;
	}
	OSSL_DECODER_CTX_set_pem_password_cb(dctx, pass_cb, &pc);
	ok = OSSL_DECODER_from_data(dctx, &p, &left);
	OSSL_DECODER_CTX_free(dctx);
	ERR_clear_error();
	if (!ok || !pkey) {
		EVP_PKEY_free(pkey);
		if (pc.asked) {
			*err = passphrase ? "encrypted, and the passphrase does not decrypt it"
					  : "encrypted, and no secret gives its passphrase";
			return -EACCES;
		}
		*err = "not a private key (PEM or DER, PKCS#1, SEC1, PKCS#8)";
		return -EINVAL;
	}
	src = strdup(source ? source : "");
	if (!src || grow((void **)&cs->keys, &cs->cap_keys, cs->n_keys, sizeof(*cs->keys))) {
		free(src);
		EVP_PKEY_free(pkey);
		*err = "out of memory";
		return -ENOMEM;
	}
	cs->keys[cs->n_keys++] = (struct ike_creds_key){ .key = pkey, .source = src };
	return 0;
}

int ike_creds_add_crl(struct ike_creds *cs, const uint8_t *data, size_t len, const char *source,
		      const char **err)
{
	const unsigned char *p = data;
	X509_CRL *crl = NULL;
	const char *dummy;
	char *src;

	if (!err)
		err = &dummy;
	if (cs->finished) {
		*err = "credential set already finished";
		return -EBUSY;
	}
	if (!data || len == 0 || len > IKE_CERT_MAX_OCTETS) {
		*err = len ? "CRL too long" : "empty CRL";
		return -EINVAL;
	}
	if (is_pem(data, len)) {
		BIO *b = BIO_new_mem_buf(data, (int)len);

		if (b)
			crl = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL);
		BIO_free(b);
	} else {
		crl = d2i_X509_CRL(NULL, &p, (long)len);
		if (crl && p != data + len) {
			X509_CRL_free(crl);
			crl = NULL;
		}
	}
	ERR_clear_error();
	if (!crl) {
		*err = "not an X.509 CRL (PEM or DER)";
		return -EINVAL;
	}
	src = strdup(source ? source : "");
	if (!src || grow((void **)&cs->crls, &cs->cap_crls, cs->n_crls, sizeof(*cs->crls))) {
		free(src);
		X509_CRL_free(crl);
		*err = "out of memory";
		return -ENOMEM;
	}
	cs->crls[cs->n_crls++] = (struct ike_creds_crl){ .crl = crl, .source = src };
	return 0;
}

static void problem(ike_creds_problem_fn fn, void *ctx, int *n, const char *source, const char *fmt,
		    ...) __attribute__((format(printf, 5, 6)));

static void problem(ike_creds_problem_fn fn, void *ctx, int *n, const char *source, const char *fmt,
		    ...)
{
	char msg[512];
	va_list ap;

	(*n)++;
	if (!fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fn(ctx, source, msg);
}

/* The set's CA certificate (other than c) that issued c, or NULL. */
static struct ike_creds_cert *find_issuer(struct ike_creds *cs, const struct ike_cert *c)
{
	for (size_t i = 0; i < cs->n_certs; i++) {
		struct ike_creds_cert *cand = &cs->certs[i];

		if (cand->kind != IKE_CERT_KIND_CA || cand->cert == c)
			continue;
		if (ike_cert_issued_by(c, cand->cert))
			return cand;
	}
	return NULL;
}

static void build_chain(struct ike_creds *cs, struct ike_creds_cert *own)
{
	const struct ike_cert *cur = own->cert;

	own->chain[0] = cur;
	own->chain_len = 1;
	while (!cur->self_signed && own->chain_len < IKE_CERT_MAX_CHAIN) {
		struct ike_creds_cert *is = find_issuer(cs, cur);
		bool loop = false;

		if (!is)
			return; /* the peer may know the rest */
		if (is->anchor) {
			own->root = is->cert;
			return;
		}
		for (size_t i = 0; i < own->chain_len; i++)
			loop |= own->chain[i] == is->cert;
		if (loop)
			return;
		own->chain[own->chain_len++] = is->cert;
		cur = is->cert;
	}
}

static void check_crl(struct ike_creds *cs, struct ike_creds_crl *crl, ike_creds_problem_fn fn,
		      void *ctx, int *n)
{
	const X509_NAME *in = X509_CRL_get_issuer(crl->crl);
	bool named = false;
	char *text;

	for (size_t i = 0; i < cs->n_certs; i++) {
		const struct ike_cert *c = cs->certs[i].cert;

		if (X509_NAME_cmp(in, X509_get_subject_name(c->x509)) != 0)
			continue;
		named = true;
		if (X509_CRL_verify(crl->crl, c->pub) == 1) {
			crl->issuer = c;
			crl->ok = true;
			ERR_clear_error();
			return;
		}
	}
	ERR_clear_error();
	if (!named) {
		/* An intermediate's CRL, the intermediate coming from the peer:
		 * verified against it when used. */
		crl->pending = true;
		return;
	}
	text = ike_name_text(in);
	problem(fn, ctx, n, crl->source,
		"CRL of \"%s\" is not signed by that issuer's key: ignored", text ? text : "?");
	free(text);
}

int ike_creds_finish(struct ike_creds *cs, int64_t wall_time, ike_creds_problem_fn fn, void *ctx)
{
	int n = 0;
	char when[64];

	if (cs->finished)
		return 0;
	cs->store = X509_STORE_new();
	cs->intermediates = sk_X509_new_null();
	cs->own = calloc(cs->n_certs ? cs->n_certs : 1, sizeof(*cs->own));
	if (!cs->store || !cs->intermediates || !cs->own)
		return -ENOMEM;

	/* Anchors: self-signed CA certificates only (strongSwan's rule). */
	for (size_t i = 0; i < cs->n_certs; i++) {
		struct ike_creds_cert *cc = &cs->certs[i];
		uint8_t *p;

		if (cc->kind != IKE_CERT_KIND_CA)
			continue;
		if (!cc->cert->self_signed) {
			if (!sk_X509_push(cs->intermediates, cc->cert->x509))
				return -ENOMEM;
			continue;
		}
		cc->anchor = true;
		if (!X509_STORE_add_cert(cs->store, cc->cert->x509)) {
			ERR_clear_error();
			continue; /* the same anchor twice */
		}
		p = realloc(cs->certreq, cs->certreq_len + IKE_CERT_KEYID_LEN);
		if (!p)
			return -ENOMEM;
		cs->certreq = p;
		memcpy(p + cs->certreq_len, cc->cert->keyid, IKE_CERT_KEYID_LEN);
		cs->certreq_len += IKE_CERT_KEYID_LEN;
	}

	/* Each key to the certificate of its public key: an end entity's
	 * first (x509/), a CA's if none (a CA may be our own identity). */
	for (size_t k = 0; k < cs->n_keys; k++) {
		struct ike_creds_key *key = &cs->keys[k];

		for (int pass = 0; pass < 2 && !key->used; pass++) {
			for (size_t i = 0; i < cs->n_certs && !key->used; i++) {
				struct ike_creds_cert *cc = &cs->certs[i];

				if (cc->key || (pass == 0) != (cc->kind == IKE_CERT_KIND_EE))
					continue;
				if (EVP_PKEY_eq(cc->cert->pub, key->key) == 1) {
					cc->key = key->key;
					cc->key_source = key->source;
					key->used = true;
				}
			}
		}
		ERR_clear_error();
		if (!key->used)
			problem(fn, ctx, &n, key->source,
				"private key matches no loaded certificate");
	}

	for (size_t i = 0; i < cs->n_certs; i++) {
		struct ike_creds_cert *cc = &cs->certs[i];
		int64_t nb, na;

		if (!cc->key)
			continue;
		cs->own[cs->n_own++] = i;
		build_chain(cs, cc);
		if (!ike_cert_validity(cc->cert, &nb, &na)) {
			problem(fn, ctx, &n, cc->source, "certificate \"%s\" has unreadable dates",
				cc->cert->subject);
		} else if (wall_time < nb) {
			ike_time_format(nb, when, sizeof(when));
			problem(fn, ctx, &n, cc->source,
				"certificate \"%s\" is not valid before %s", cc->cert->subject,
				when);
		} else if (wall_time > na) {
			ike_time_format(na, when, sizeof(when));
			problem(fn, ctx, &n, cc->source, "certificate \"%s\" expired on %s",
				cc->cert->subject, when);
		}
	}

	for (size_t i = 0; i < cs->n_crls; i++)
		check_crl(cs, &cs->crls[i], fn, ctx, &n);
	cs->finished = true;
	return n;
}

const uint8_t *ike_creds_certreq(const struct ike_creds *cs, size_t *len)
{
	*len = cs->certreq_len;
	return cs->certreq;
}

size_t ike_creds_n_own(const struct ike_creds *cs)
{
	return cs->n_own;
}

const struct ike_cert *ike_creds_own(const struct ike_creds *cs, size_t i)
{
	return i < cs->n_own ? cs->certs[cs->own[i]].cert : NULL;
}

static const struct ike_creds_cert *find_entry(const struct ike_creds *cs, const struct ike_cert *c)
{
	for (size_t i = 0; i < cs->n_certs; i++)
		if (cs->certs[i].cert == c)
			return &cs->certs[i];
	return NULL;
}

const struct ike_cert *ike_creds_by_source(const struct ike_creds *cs, const char *source)
{
	for (size_t i = 0; i < cs->n_certs; i++)
		if (strcmp(cs->certs[i].source, source) == 0)
			return cs->certs[i].cert;
	return NULL;
}

EVP_PKEY *ike_creds_key(const struct ike_creds *cs, const struct ike_cert *own)
{
	const struct ike_creds_cert *cc = find_entry(cs, own);

	return cc ? cc->key : NULL;
}

const struct ike_cert *const *ike_creds_chain(const struct ike_creds *cs,
					      const struct ike_cert *own, size_t *n)
{
	const struct ike_creds_cert *cc = find_entry(cs, own);

	if (!cc || !cc->key) {
		*n = 0;
		return NULL;
	}
	*n = cc->chain_len;
	return cc->chain;
}

static bool keyid_listed(const uint8_t *keyids, size_t n, const struct ike_cert *c)
{
	for (size_t i = 0; i < n; i++)
		if (memcmp(keyids + i * IKE_CERT_KEYID_LEN, c->keyid, IKE_CERT_KEYID_LEN) == 0)
			return true;
	return false;
}

const struct ike_cert *ike_creds_for_certreq(const struct ike_creds *cs, const uint8_t *keyids,
					     size_t keyids_len)
{
	size_t n = keyids_len / IKE_CERT_KEYID_LEN;

	if (!keyids || n == 0)
		return NULL;
	for (size_t o = 0; o < cs->n_own; o++) {
		const struct ike_creds_cert *cc = &cs->certs[cs->own[o]];

		for (size_t i = 0; i < cc->chain_len; i++)
			if (keyid_listed(keyids, n, cc->chain[i]))
				return cc->cert;
		if (cc->root && keyid_listed(keyids, n, cc->root))
			return cc->cert;
	}
	return NULL;
}

size_t ike_creds_n_certs(const struct ike_creds *cs)
{
	return cs->n_certs;
}

void ike_creds_cert_entry(const struct ike_creds *cs, size_t i, struct ike_creds_entry *out)
{
	const struct ike_creds_cert *cc = &cs->certs[i];

	*out = (struct ike_creds_entry){
		.cert = cc->cert,
		.kind = cc->kind,
		.source = cc->source,
		.has_key = cc->key != NULL,
		.anchor = cc->anchor,
	};
}

size_t ike_creds_n_crls(const struct ike_creds *cs)
{
	return cs->n_crls;
}
