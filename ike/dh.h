/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IKEv2 key exchange (the KE payload's Key Exchange Data and g^ir):
 * MODP groups 2 (RFC 2409), 5, 14, 15, 16, 17 and 18 (RFC 3526), ECP
 * groups 19, 20, 21 (RFC 5903) and Curve25519/Curve448 (groups 31, 32;
 * RFC 8031).
 *
 * The private value is made from random octets the caller passes in (ike/
 * has no random source of its own). Peer public values are checked before
 * use: exact length; MODP 1 < y < p-1 (RFC 6989); ECP a point on the curve
 * with coordinates below p; X25519/X448 a non-zero shared secret.
 *
 * An ike_dh may be computed in a thread of its own once ike_crypto_init()
 * has run; one ike_dh must not be used by two threads at once.
 */
#ifndef CONDUIT_IKE_DH_H
#define CONDUIT_IKE_DH_H

#include <stddef.h>
#include <stdint.h>

#define IKE_DH_PUBLIC_MAX_LEN 1024 /* MODP 8192 */
#define IKE_DH_SHARED_MAX_LEN 1024

struct ike_dh;

/* Random octets ike_dh_new() needs for the group; 0 if unsupported. */
size_t ike_dh_random_len(uint16_t group);
/* Length of the Key Exchange Data, and of g^ir; 0 if unsupported. */
size_t ike_dh_public_len(uint16_t group);
size_t ike_dh_shared_len(uint16_t group);

/*
 * A new private value made from rnd (exactly ike_dh_random_len(group)
 * uniformly random octets) and its public value. 0, -ENOTSUP (group),
 * -EINVAL (rnd), -ENOMEM or -EIO.
 */
int ike_dh_new(struct ike_dh **dh, uint16_t group, const uint8_t *rnd, size_t rnd_len);

uint16_t ike_dh_group(const struct ike_dh *dh);

/* Our Key Exchange Data. */
const uint8_t *ike_dh_public(const struct ike_dh *dh, size_t *len);

/*
 * Checks the peer's Key Exchange Data and computes g^ir (MODP: left-padded
 * to the prime's length; ECP: the x coordinate; X25519/X448: as is).
 * -EINVAL when the peer's value is invalid (INVALID_SYNTAX material), -EIO
 * or -ENOMEM otherwise. May be called again with another peer value.
 */
int ike_dh_compute(struct ike_dh *dh, const uint8_t *peer, size_t peer_len);

/*
 * Checks the peer's Key Exchange Data for group without making a private
 * value, so that a responder refuses a bad one before it allocates or
 * computes anything: the exact length; MODP 1 < y < p-1 (RFC 6989 2.1);
 * ECP a point on the curve with coordinates below p; X25519/X448 not of
 * small order (its shared secret would be all zero, RFC 8031 2.3). A value
 * passes exactly when ike_dh_compute() would accept it. 0, -EINVAL,
 * -ENOTSUP (group), -ENOMEM or -EIO.
 */
int ike_dh_check_public(uint16_t group, const uint8_t *peer, size_t peer_len);

/* g^ir after a successful ike_dh_compute(), else NULL. */
const uint8_t *ike_dh_shared(const struct ike_dh *dh, size_t *len);

/* Wipes the private value and g^ir, then frees. NULL is fine. */
void ike_dh_free(struct ike_dh *dh);

#endif
