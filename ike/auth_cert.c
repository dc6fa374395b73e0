/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Public-key authentication in IKE_AUTH: see ike/auth_cert.h.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike/auth_cert.h"
#include "ike/cert.h"

/* The config holds const pointers; the references are ours to drop. */
static struct ike_cert *unconst(const struct ike_cert *c)
{
	union {
		const struct ike_cert *c;
		struct ike_cert *m;
	} u = { .c = c };
	return u.m;
}

static const struct ike_cert *const *copy_certs(const struct ike_cert *const *src, size_t n)
{
	const struct ike_cert **p = malloc(n * sizeof(*p));

	if (!p)
		return NULL;
	for (size_t i = 0; i < n; i++)
		p[i] = src[i] ? ike_cert_ref(unconst(src[i])) : NULL;
	return p;
}

static void free_certs(const struct ike_cert *const *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ike_cert_unref(unconst(p[i]));
	union {
		const struct ike_cert *const *c;
		void *m;
	} u = { .c = p };
	free(u.m);
}

int ike_auth_cfg_copy(struct ike_auth_cfg *dst, const struct ike_auth_cfg *src)
{
	*dst = *src;
	dst->cert = NULL;
	dst->trust.cacerts = dst->trust.pinned = NULL;
	dst->trust.n_cacerts = dst->trust.n_pinned = 0;
	if (src->trust.n_cacerts && src->trust.cacerts) {
		dst->trust.cacerts = copy_certs(src->trust.cacerts, src->trust.n_cacerts);
		if (!dst->trust.cacerts)
			goto fail;
		dst->trust.n_cacerts = src->trust.n_cacerts;
	}
	if (src->trust.n_pinned && src->trust.pinned) {
		dst->trust.pinned = copy_certs(src->trust.pinned, src->trust.n_pinned);
		if (!dst->trust.pinned)
			goto fail;
		dst->trust.n_pinned = src->trust.n_pinned;
	}
	if (src->cert)
		dst->cert = ike_cert_ref(unconst(src->cert));
	return 0;
fail:
	ike_auth_cfg_release(dst);
	return -ENOMEM;
}

void ike_auth_cfg_release(struct ike_auth_cfg *a)
{
	if (a->trust.cacerts)
		free_certs(a->trust.cacerts, a->trust.n_cacerts);
	if (a->trust.pinned)
		free_certs(a->trust.pinned, a->trust.n_pinned);
	ike_cert_unref(unconst(a->cert));
	a->trust.cacerts = a->trust.pinned = NULL;
	a->trust.n_cacerts = a->trust.n_pinned = 0;
	a->cert = NULL;
}
