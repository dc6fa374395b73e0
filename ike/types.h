/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Plain value types shared by the parts of ike/: addresses, transforms and
 * proposals as they appear on the wire, traffic selectors.
 */
#ifndef CONDUIT_IKE_TYPES_H
#define CONDUIT_IKE_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* An IP address and UDP port; family is AF_INET or AF_INET6 (0: unset). */
struct ike_addr {
	uint8_t family;
	uint16_t port; /* host byte order */
	uint8_t ip[16]; /* network byte order; IPv4 uses the first 4 octets */
};

/* One transform of a proposal, as on the wire. key_len is in bits; 0 when
 * the transform carries no Key Length attribute. */
struct ike_transform {
	uint8_t type; /* enum ike_transform_type */
	uint16_t id;
	uint16_t key_len;
};

#define IKE_MAX_TRANSFORMS 64
#define IKE_MAX_PROPOSALS 32
#define IKE_MAX_SPI_LEN 8

/* One Proposal substructure of an SA payload, as on the wire. */
struct ike_proposal {
	uint8_t num; /* proposal number, from 1 */
	uint8_t protocol; /* enum ike_protocol_id */
	uint8_t spi_len; /* 0, 4 (ESP/AH) or 8 (IKE rekey) */
	uint8_t spi[IKE_MAX_SPI_LEN];
	uint8_t n_transforms;
	struct ike_transform transforms[IKE_MAX_TRANSFORMS];
};

/* One traffic selector. Addresses are in network byte order; IPv4 uses the
 * first 4 octets. A port range of 0..65535 means any port; for ICMP the
 * ports carry type and code as RFC 7296 section 3.13.1 says. */
struct ike_ts {
	uint8_t type; /* enum ike_ts_type */
	uint8_t ip_proto; /* 0: any */
	uint16_t start_port;
	uint16_t end_port;
	uint8_t start_addr[16];
	uint8_t end_addr[16];
};

#define IKE_MAX_TS 16

#endif
