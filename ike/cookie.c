// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Stateless COOKIEs (RFC 7296 2.6, RFC 8019 4.1): a responder under load
 * answers IKE_SA_INIT with a COOKIE and keeps nothing; only an initiator
 * that receives at its address can send the request again with it.
 *
 * COOKIE = generation octet | HMAC-SHA-256(secret, SPIi | Ni | family |
 * IP | port) truncated to 16 octets. The secret changes on a fixed
 * schedule (every IKE_COOKIE_PERIOD_MS of the engine's clock), made when
 * first needed in a period, so no timer is involved; the one before stays
 * good IKE_COOKIE_GRACE_MS into the next period, for a COOKIE handed out
 * just before the change. The generation octet (the period, mod 256) says
 * which secret made a COOKIE.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include "ike/crypto_internal.h"
#include "ike/dos.h"
#include "ike/engine.h"

/* Forget a secret: its MAC context holds the key schedule. */
static void secret_clear(struct ike_cookie_secret *s)
{
	ike_mac_free(&s->mac);
	OPENSSL_cleanse(s, sizeof(*s));
}

void ike_cookie_free(struct ike_dos *d)
{
	secret_clear(&d->cookie_cur);
	secret_clear(&d->cookie_old);
}

/* The secret of the current period, made (and the old one kept) when the
 * period has changed. The MAC is keyed here, once a period, so a COOKIE
 * costs a restart of a keyed context, not a MAC set up per packet. */
static int rotate(struct ike_engine *e, uint64_t now)
{
	struct ike_dos *d = e->dos;
	uint64_t period = now / IKE_COOKIE_PERIOD_MS;
	uint8_t key[32];
	int rc;

	if (d->cookie_cur.valid && d->cookie_cur.period == period)
		return 0;
	secret_clear(&d->cookie_old);
	if (d->cookie_cur.valid && d->cookie_cur.period + 1 == period)
		d->cookie_old = d->cookie_cur; /* takes over its MAC context */
	else
		secret_clear(&d->cookie_cur);
	memset(&d->cookie_cur, 0, sizeof(d->cookie_cur));
	e->env.random(e->env.ctx, key, sizeof(key));
	rc = ike_mac_init(&d->cookie_cur.mac, IKE_MAC_HMAC_SHA256, key, sizeof(key));
	OPENSSL_cleanse(key, sizeof(key));
	if (rc)
		return rc; /* stays invalid: tried again on the next COOKIE */
	d->cookie_cur.valid = true;
	d->cookie_cur.period = period;
	return 0;
}

static int cookie_mac(struct ike_cookie_secret *s, uint64_t spi_i, const uint8_t *ni, size_t ni_len,
		      const struct ike_addr *remote, uint8_t out[IKE_COOKIE_LEN])
{
	uint8_t buf[8 + 1 + 16 + 2], mac[IKE_MAC_MAX_LEN];
	size_t n = 8;
	struct ike_mac *m = &s->mac;
	int rc;

	ike_be64(buf, spi_i);
	buf[n++] = remote->family;
	memcpy(buf + n, remote->ip, remote->family == AF_INET6 ? 16 : 4);
	n += remote->family == AF_INET6 ? 16 : 4;
	buf[n++] = (uint8_t)(remote->port >> 8);
	buf[n++] = (uint8_t)remote->port;
	/* from the key schedule: whatever a failed COOKIE left behind is gone */
	rc = ike_mac_restart(m);
	if (!rc)
		rc = ike_mac_update(m, buf, 8);
	if (!rc)
		rc = ike_mac_update(m, ni, ni_len);
	if (!rc)
		rc = ike_mac_update(m, buf + 8, n - 8);
	if (!rc)
		rc = ike_mac_final(m, mac);
	if (rc)
		return rc;
	out[0] = (uint8_t)s->period;
	memcpy(out + 1, mac, IKE_COOKIE_LEN - 1);
	OPENSSL_cleanse(mac, sizeof(mac));
	return 0;
}

bool ike_cookie_required(struct ike_engine *e, const struct ike_addr *remote)
{
	return e->n_half_open >= e->opts.cookie_threshold ||
	       ike_dos_src_count(e, remote) >= e->opts.cookie_threshold_ip;
}

int ike_cookie_make(struct ike_engine *e, uint64_t spi_i, const uint8_t *ni, size_t ni_len,
		    const struct ike_addr *remote, uint8_t out[IKE_COOKIE_LEN])
{
	int rc = rotate(e, ike_now(e));

	if (rc)
		return rc;
	return cookie_mac(&e->dos->cookie_cur, spi_i, ni, ni_len, remote, out);
}

bool ike_cookie_valid(struct ike_engine *e, const uint8_t *data, size_t len, uint64_t spi_i,
		      const uint8_t *ni, size_t ni_len, const struct ike_addr *remote)
{
	struct ike_dos *d = e->dos;
	struct ike_cookie_secret *s = NULL;
	uint64_t now = ike_now(e);
	uint8_t want[IKE_COOKIE_LEN];

	if (len != IKE_COOKIE_LEN)
		return false;
	if (rotate(e, now))
		return false;
	if (data[0] == (uint8_t)d->cookie_cur.period)
		s = &d->cookie_cur;
	else if (d->cookie_old.valid && data[0] == (uint8_t)d->cookie_old.period &&
		 now < (d->cookie_old.period + 1) * IKE_COOKIE_PERIOD_MS + IKE_COOKIE_GRACE_MS)
		s = &d->cookie_old;
	if (!s || cookie_mac(s, spi_i, ni, ni_len, remote, want))
		return false;
	return CRYPTO_memcmp(want, data, IKE_COOKIE_LEN) == 0;
}
