// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target for what a peer's identities and AUTH payloads reach
 * before anything is authenticated: DER Distinguished Names (reading,
 * printing, matching), DN text (the configuration's), AUTH payload data
 * under every signature method, and SIGNATURE_HASH_ALGORITHMS. The first
 * octet chooses:
 *   0  a DER DN: checked, printed, matched against itself and patterns,
 *      keyed for the connection index
 *   1  DN text: what ike_dn_from_text() writes must read back as a DN
 *   2  AUTH: octet 1 the method, octet 2 the key (RSA, P-256, P-384,
 *      Ed25519, Ed448), the rest its data, verified over fixed octets
 *   3  SIGNATURE_HASH_ALGORITHMS notify data
 *   tools/fuzz id -runs=1000000
 * Built with -DFUZZ_REPLAY_MAIN it replays tests/fuzz/corpus/id.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ike/der.h"
#include "ike/id.h"
#include "ike/sig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void dn(const uint8_t *d, size_t n)
{
	static const char *const patterns[] = { "C=CH, O=strongSwan, CN=*", "CN=*", "C=*, O=*" };
	struct ike_id id = { .type = IKE_ID_DER_ASN1_DN }, p = { .type = IKE_ID_DER_ASN1_DN };
	char text[IKE_ID_MAX_LEN];
	size_t len;
	int ok;

	if (n > IKE_ID_MAX_LEN)
		n = IKE_ID_MAX_LEN;
	memcpy(id.data, d, n);
	id.len = (uint16_t)n;
	ok = ike_dn_check(id.data, id.len) == 0;
	if ((ike_dn_to_text(id.data, id.len, text, sizeof(text)) == 0) != ok)
		abort();
	/* a DN that reads matches itself perfectly; one that does not, nothing */
	if ((ike_id_matches(&id, &id) == IKE_ID_MATCH_PERFECT) != ok)
		abort();
	for (size_t i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		if (ike_dn_from_text(patterns[i], p.data, sizeof(p.data), &len, NULL, 0))
			abort();
		p.len = (uint16_t)len;
		if (ike_id_matches(&p, &id) && !ok)
			abort();
	}
	ike_id_has_wildcards(&id);
	ike_id_format(IKE_ID_DER_ASN1_DN, id.data, id.len, text, sizeof(text));
	/* the index key never outgrows the identity */
	{
		uint8_t key[3 + IKE_ID_MAX_LEN];

		if (ike_id_fold_key(IKE_ID_DER_ASN1_DN, id.data, id.len, key) > 3 + (size_t)id.len)
			abort();
	}
}

static void dn_text(const uint8_t *d, size_t n)
{
	char *s = malloc(n + 1);
	uint8_t der[IKE_ID_MAX_LEN];
	char err[128], text[1200];
	size_t len;

	if (!s)
		return;
	memcpy(s, d, n);
	s[n] = 0;
	if (!ike_dn_from_text(s, der, sizeof(der), &len, err, sizeof(err)) &&
	    (ike_dn_check(der, len) || ike_dn_to_text(der, len, text, sizeof(text))))
		abort();
	free(s);
}

static EVP_PKEY *keys[5];

static void auth(const uint8_t *d, size_t n)
{
	static const char octets[] = "InitiatorSignedOctets";
	enum ike_sig_scheme used;
	const char *why;

	if (!keys[0]) {
		keys[0] = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		keys[1] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		keys[2] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
		keys[3] = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
		keys[4] = EVP_PKEY_Q_keygen(NULL, NULL, "ED448");
	}
	if (n < 2)
		return;
	/* random octets never make a valid signature */
	if (!ike_sig_verify(keys[d[1] % 5], d[0], d + 2, n - 2, octets, sizeof(octets), &used,
			    &why))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint32_t hashes;

	if (!size)
		return 0;
	switch (data[0]) {
	case 0:
		dn(data + 1, size - 1);
		break;
	case 1:
		dn_text(data + 1, size - 1);
		break;
	case 2:
		auth(data + 1, size - 1);
		break;
	case 3:
		if (!ike_sig_hashes_parse(data + 1, size - 1, &hashes) && (size - 1) % 2)
			abort();
		break;
	default:
		break;
	}
	return 0;
}

#ifdef FUZZ_REPLAY_MAIN
#include "tests/fuzz/replay.h"

int main(int argc, char **argv)
{
	return replay_main("id", argc, argv);
}
#endif
