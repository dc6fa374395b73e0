// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for ike/cert*.c: hostile certificates, CRLs and keys
 * through parsing, a credential set and chain validation.
 *
 * Input: one octet of flags (revocation mode, cacerts, pinning), then
 * records of a 2-octet length and that many octets. Each record is parsed
 * as a DER certificate through the peer-certificate cache (odd records
 * also go into the set as CA certificates, so a self-signed one becomes a
 * trust anchor; even ones as end entities), as a CRL and as a private key;
 * the set is finished and the certificates that parsed are validated as a
 * chain. tools/fuzz cert runs it under libFuzzer; built with
 * -DFUZZ_REPLAY_MAIN it replays tests/fuzz/corpus/cert (`make check`).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/cert.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECORDS 8
#define WALL_TIME 1800000000 /* 2027-01-15: a fixed clock, for repeatable runs */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_cert_cache *cc = ike_cert_cache_new(4);
	struct ike_creds *cs = ike_creds_new();
	struct ike_cert *chain[MAX_RECORDS];
	const struct ike_cert *first_ca = NULL;
	size_t n = 0, pos = 1, rec = 0;
	char why[IKE_CERT_WHY_LEN];
	uint8_t flags;

	if (!cc || !cs || size < 1)
		goto out;
	flags = data[0];
	while (pos + 2 <= size && rec < MAX_RECORDS) {
		size_t len = (size_t)data[pos] << 8 | data[pos + 1];
		const uint8_t *p = data + pos + 2;
		struct ike_cert *c;

		if (len > size - pos - 2)
			len = size - pos - 2;
		pos += 2 + len;
		c = ike_cert_cache_get(cc, p, len, NULL);
		if (c)
			chain[n++] = c;
		ike_creds_add_cert(cs, rec & 1 ? IKE_CERT_KIND_CA : IKE_CERT_KIND_EE, p, len, "r",
				   NULL);
		ike_creds_add_crl(cs, p, len, "r", NULL);
		if (flags & 0x10)
			ike_creds_add_key(cs, p, len, "pass", "r", NULL);
		rec++;
	}
	if (ike_creds_finish(cs, WALL_TIME, NULL, NULL) < 0)
		goto out;
	for (size_t i = 0; i < ike_creds_n_certs(cs); i++) {
		struct ike_creds_entry en;

		ike_creds_cert_entry(cs, i, &en);
		if (en.kind == IKE_CERT_KIND_CA && !first_ca)
			first_ca = en.cert;
	}
	{
		size_t crlen, cn;
		const uint8_t *cr = ike_creds_certreq(cs, &crlen);

		ike_creds_for_certreq(cs, cr, crlen);
		for (size_t i = 0; i < ike_creds_n_own(cs); i++)
			ike_creds_chain(cs, ike_creds_own(cs, i), &cn);
	}
	if (n) {
		const struct ike_cert *pin = chain[0];
		struct ike_trust t = {
			.revocation = (uint8_t)(flags % 3),
			.cacerts = (flags & 4) && first_ca ? &first_ca : NULL,
			.n_cacerts = (flags & 4) && first_ca ? 1 : 0,
			.pinned = (flags & 8) ? &pin : NULL,
			.n_pinned = (flags & 8) ? 1 : 0,
		};

		ike_cert_verify(cs, &t, chain, n, WALL_TIME, why, sizeof(why));
	}
out:
	while (n)
		ike_cert_unref(chain[--n]);
	ike_creds_unref(cs);
	ike_cert_cache_free(cc);
	return 0;
}

#ifdef FUZZ_REPLAY_MAIN
#include "tests/fuzz/replay.h"

int main(int argc, char **argv)
{
	return replay_main("cert", argc, argv);
}
#endif
