/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Identities: does a peer's identity match a configured one, and how well.
 * strongSwan's rules (identification_t's matches()), so a swanctl.conf
 * remote.id means the same here:
 *
 *   - a pattern of type 0 (none configured, %any) matches anything: ANY;
 *   - the types must be equal, else NONE;
 *   - a DN matches with the same attributes in the same order, a pattern
 *     value of "*" matching any value (each one lowers the quality by one);
 *     PrintableStrings (and emailAddress) compare without case;
 *   - an FQDN or email address compares without case; a pattern starting
 *     with '*' matches every identity ending in the rest ("*.example.org",
 *     "*@example.org"): ONE_WILDCARD; "*" alone is ANY;
 *   - anything else (IP addresses, key ids) must be equal octet for octet.
 */
#ifndef CONDUIT_IKE_ID_H
#define CONDUIT_IKE_ID_H

#include "ike/ike.h"

/* Match quality, higher is better; strongSwan's id_match_t values, so
 * PERFECT - n is a DN pattern matched with n wildcards. */
enum ike_id_match {
	IKE_ID_MATCH_NONE = 0,
	IKE_ID_MATCH_ANY = 1,
	IKE_ID_MATCH_MAX_WILDCARDS = 2,
	IKE_ID_MATCH_ONE_WILDCARD = 19,
	IKE_ID_MATCH_PERFECT = 20,
};

/* How well id (a peer's) matches pattern (configured): enum ike_id_match. */
int ike_id_matches(const struct ike_id *pattern, const struct ike_id *id);
/* The same for an identity given as type and data (an ID payload's), so
 * that ranking many connections copies nothing. */
int ike_id_matches_data(const struct ike_id *pattern, uint8_t type, const uint8_t *data,
			size_t len);

/* Whether a pattern has wildcards (and so names no single identity: it
 * cannot be sent as our own, nor looked up by value). */
bool ike_id_has_wildcards(const struct ike_id *id);

/*
 * A hash key for an identity (3 + IKE_ID_MAX_LEN octets at most): equal
 * for any two identities that match each other perfectly (letter case of
 * names and of DN PrintableStrings folded, DN string types left out), so
 * an index keyed so finds every candidate for ike_id_matches(); its
 * length.
 */
size_t ike_id_fold_key(uint8_t type, const uint8_t *data, size_t len, uint8_t *key);

/* An identity as text: "10.1.0.1", "gw.example.org", "C=CH, O=strongSwan,
 * CN=moon" (an invalid DN as "(invalid ID_DER_ASN1_DN)"), "@#0a1b..." for a
 * key id, "(binary)" for other types, "%any" for none. Cut to size. */
void ike_id_format(uint8_t type, const uint8_t *data, size_t len, char *buf, size_t size);

#endif
