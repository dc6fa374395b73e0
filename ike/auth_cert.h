/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Public-key authentication in IKE_AUTH (RFC 7296 2.15, 3.6, 3.7; RFC
 * 7427): the engine's side of ike/cert.h and ike/sig.h. Internal to ike/.
 */
#ifndef CONDUIT_IKE_AUTH_CERT_H
#define CONDUIT_IKE_AUTH_CERT_H

#include "ike/ike.h"

/* A connection's copy of an auth config: references on every certificate,
 * its own pointer arrays. 0 or -ENOMEM (dst then holds nothing). */
int ike_auth_cfg_copy(struct ike_auth_cfg *dst, const struct ike_auth_cfg *src);
/* Drop what ike_auth_cfg_copy took. */
void ike_auth_cfg_release(struct ike_auth_cfg *a);

#endif
