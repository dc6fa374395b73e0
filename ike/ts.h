/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Traffic selectors: swanctl.conf local_ts/remote_ts strings, narrowing
 * (RFC 7296 2.9), the initiator's check of the narrowed result, splitting
 * ranges into the prefixes (and port/mask pairs) XFRM selectors can hold,
 * and formatting for logs. IPv4 and IPv6 throughout.
 *
 * Selectors are struct ike_ts (ike/types.h), the wire representation.
 * Ports: 0..65535 is "any"; start 65535, end 0 is RFC 4301's OPAQUE; for
 * ICMP and ICMPv6 the 16-bit values are type << 8 | code (RFC 4301 4.4.1.1,
 * RFC 7296 3.13.1).
 */
#ifndef CONDUIT_IKE_TS_H
#define CONDUIT_IKE_TS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ike_const.h"
#include "ike/types.h"

#define IKE_TS_ERR_LEN 256
/* Longest ike_ts_format() output: two IPv6 addresses, "..", "[ipv6-icmp/
 * 255(255)-255(255)]", NUL. */
#define IKE_TS_STR_LEN 128

/* A configured selector: either concrete, or "dynamic" (addresses filled in
 * at negotiation time by ike_ts_resolve(); protocol and ports are kept). */
struct ike_ts_conf {
	bool dynamic;
	struct ike_ts ts;
};

/*
 * Parse one selector as swanctl.conf's local_ts/remote_ts take it:
 *   10.1.0.0/24  10.1.0.5  ::/0  2001:db8::/32   (CIDR; host bits are
 *                                                  cleared, as strongSwan does)
 *   10.1.0.5-10.1.0.20                            (range, same family, from <= to;
 *                                                  "10.1.0.5..10.1.0.20", the log
 *                                                  notation, is accepted too)
 *   dynamic                                       (also "%dynamic")
 * each optionally followed by "[proto/port]":
 *   proto: a name (tcp udp icmp ipv6-icmp/icmpv6 sctp gre esp ah udplite
 *          ospf, case-insensitive), a number (0x.. accepted), "any"/"%any",
 *          or empty ("[/53]": any protocol);
 *   port:  a number, a range "1000-2000", "any"/"%any"/empty (all ports),
 *          "opaque"/"%opaque" (RFC 4301 OPAQUE), or a few service names
 *          (http https domain ssh isakmp ipsec-nat-t l2tp ...).
 * For icmp/ipv6-icmp the port is the ICMP type if below 256, else type << 8
 * | code, as strongSwan interprets it: "[icmp/8]" is type 8 code 0. strongSwan
 * resolves protocol and service names with getprotobyname()/getservbyname();
 * ike/ does no I/O, so conduit has a built-in table instead and says so in
 * the error for a name it does not know.
 *
 * Returns 0 or -EINVAL with a message naming the selector in err.
 */
int ike_ts_parse(const char *str, struct ike_ts_conf *out, char *err, size_t err_len);

/* A comma-separated list ("10.1.0.0/24, 10.2.0.0/16[tcp]"). Returns 0,
 * -EINVAL, or -ENOSPC when more than max selectors are given. */
int ike_ts_parse_list(const char *str, struct ike_ts_conf *out, size_t max, size_t *n_out,
		      char *err, size_t err_len);

/*
 * Turn configured selectors into concrete ones: "dynamic" becomes addr's
 * single address (/32 or /128; an unspecified address, 0.0.0.0 or ::, gives
 * the whole family, as strongSwan does). addr may be NULL if no selector is
 * dynamic. Returns 0, -EINVAL (dynamic without a usable addr), -ENOSPC.
 */
int ike_ts_resolve(const struct ike_ts_conf *conf, size_t n, const struct ike_addr *addr,
		   struct ike_ts *out, size_t max, size_t *n_out);

/* Structural validity of a selector from the wire: known type, start
 * address <= end address, start port <= end port unless OPAQUE. */
bool ike_ts_valid(const struct ike_ts *ts);

/* Intersection of two selectors (protocol 0 = any; OPAQUE meets only OPAQUE
 * or any ports). Returns false if empty. */
bool ike_ts_intersect(const struct ike_ts *a, const struct ike_ts *b, struct ike_ts *out);

/* Whether a is entirely contained in b. */
bool ike_ts_is_subset(const struct ike_ts *a, const struct ike_ts *b);

/*
 * Responder narrowing (RFC 7296 2.9), one direction at a time: TSi against
 * our remote selectors, TSr against our local ones. The result is every
 * non-empty intersection of a proposed selector with a configured one (our
 * order outside, theirs inside), minus duplicates and selectors contained in
 * another result: always a subset of what was proposed, and of our policy.
 *
 * The first proposed selector may be the specific packet that triggered the
 * initiator (from an ACQUIRE). It gets no special rule here: its
 * intersection with our policy is part of the result (possibly inside a
 * larger selector), so the narrowed SA carries that packet whenever our
 * policy allows it at all. Invalid proposed selectors are ignored.
 *
 * Returns 0, -ENOENT when nothing is left (TS_UNACCEPTABLE), -ENOSPC when
 * more than max selectors would result.
 */
int ike_ts_narrow(const struct ike_ts *proposed, size_t n_proposed, const struct ike_ts *config,
		  size_t n_config, struct ike_ts *out, size_t max, size_t *n_out);

/*
 * Initiator: the responder's TSi (or TSr) must be non-empty, valid, and each
 * selector must lie within one selector we proposed. (A returned selector
 * spanning two adjacent proposed ones is rejected too: strict but safe.)
 * Returns 0 or -EINVAL (the exchange fails; the CHILD_SA is not installed).
 */
int ike_ts_check_narrowed(const struct ike_ts *proposed, size_t n_proposed,
			  const struct ike_ts *returned, size_t n_returned);

/* ----- XFRM ----- */

struct ike_prefix {
	uint8_t family;	  /* AF_INET or AF_INET6 */
	uint8_t len;	  /* prefix length in bits */
	uint8_t addr[16]; /* network order; IPv4 in the first 4 octets */
};

/* The fewest prefixes covering exactly the address range of ts, in
 * ascending order (10.0.0.1-10.0.0.6: .1/32 .2/31 .4/31 .6/32). At most 62
 * for IPv4, 254 for IPv6. Returns 0, -EINVAL or -ENOSPC. */
int ike_ts_to_prefixes(const struct ike_ts *ts, struct ike_prefix *out, size_t max, size_t *n_out);

/* An XFRM port selector: matches ports p with (p & mask) == port. */
struct ike_port_mask {
	uint16_t port;
	uint16_t mask;
};

/*
 * The fewest port/mask pairs covering exactly start..end: any is {0, 0}, a
 * single port {p, 0xffff}, 1000-2000 splits into 8 pairs. OPAQUE (start >
 * end) has no XFRM form: -ENOTSUP (strongSwan installs such policies with
 * any ports). For ICMP the kernel keeps type in the source and code in the
 * destination port field: that mapping is the caller's (kernel-iface).
 * At most 30 pairs. Returns 0, -ENOTSUP or -ENOSPC.
 */
int ike_ts_port_masks(uint16_t start, uint16_t end, struct ike_port_mask *out, size_t max,
		      size_t *n_out);

/* ----- formatting ----- */

/*
 * strongSwan's notation: "10.1.0.0/24", "10.1.0.5..10.1.0.20",
 * "2001:db8::/32", then "[tcp/80]", "[udp]", "[tcp/1000-2000]",
 * "[icmp/8]" (type, "(code)" if non-zero), "[udp/OPAQUE]", "[any/53]"
 * (strongSwan prints "[53]", which reads back as protocol 53). Protocols
 * print by name when known, ports by number. Apart from ICMP codes, the
 * output reads back with ike_ts_parse(). Returns the length (snprintf
 * semantics) or -EINVAL.
 */
int ike_ts_format(const struct ike_ts *ts, char *buf, size_t len);

#endif
