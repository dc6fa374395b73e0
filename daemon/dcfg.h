/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * From conf/'s model to the engine's struct ike_conn_cfg: addresses,
 * identities (strongSwan's rules for the text form), the PSK lookup
 * (strongSwan's best match over secrets.ike*), children. Pure: no I/O, so
 * it is unit-tested directly.
 */
#ifndef CONDUIT_DAEMON_DCFG_H
#define CONDUIT_DAEMON_DCFG_H

#include <stddef.h>

#include "conf/conf.h"
#include "ike/ike.h"

#define DCFG_ERR_LEN 256

/* An engine configuration and the storage its pointers refer to. */
struct dcfg_conn {
	struct ike_conn_cfg cfg;
	char *proposals;
	struct ike_child_cfg *children;
	/* per child: local_ts, remote_ts, esp_proposals (3 * n_children) */
	char **strings;
	size_t n_strings;
	uint8_t *psk;
	size_t psk_len;
};

/*
 * Parse an identity as strongSwan writes it in swanctl.conf:
 *   an IPv4/IPv6 literal   -> ID_IPV4_ADDR / ID_IPV6_ADDR
 *   "@#0a1b.."             -> ID_KEY_ID (hex octets)
 *   "@foo"                 -> ID_FQDN "foo" (never an address)
 *   "user@host"            -> ID_RFC822_ADDR
 *   a string with '='      -> a Distinguished Name: refused (-ENOTSUP)
 *   anything else          -> ID_FQDN
 * Returns 0, -EINVAL (empty, too long, bad hex) or -ENOTSUP, with a
 * sentence in err.
 */
int dcfg_id_parse(const char *text, struct ike_id *id, char *err, size_t errlen);

/* Whether two identities are the same (type and octets). */
bool dcfg_id_equal(const struct ike_id *a, const struct ike_id *b);

/*
 * An address of local_addrs/remote_addrs: an IP literal fills *a (port
 * left 0); "%any", "%any4", "%any6", a CIDR subnet or a range set
 * *wildcard and leave the address zero, with the family they allow (0 for
 * "%any", AF_INET6 for "%any6", "::" or an IPv6 subnet...). DNS names
 * are refused (-ENOTSUP).
 */
int dcfg_addr_parse(const char *text, struct ike_addr *a, bool *wildcard, char *err,
		    size_t errlen);

/*
 * strongSwan's PSK lookup: among the secrets, the one whose ids match both
 * identities best. Each secret scores, per side, 2 when one of its ids
 * equals that side's identity, 1 when it has an id "%any" or no ids at all
 * (a secret without ids belongs to everyone), and is skipped when a side
 * scores 0. The highest sum wins; the first in file order on a tie.
 * local_id and remote_id are the ids in use (remote NULL or type 0: any
 * peer, which every id matches with score 1).
 * Returns the secret or NULL.
 */
const struct conf_secret *dcfg_psk_lookup(const struct conf *conf, const struct ike_id *local_id,
					  const struct ike_id *remote_id);

/* A dpd_action or close_action as the engine takes it (enum
 * ike_child_action): start/restart -> RESTART, trap -> TRAP, none -> NONE. */
uint8_t dcfg_action(enum conf_action a);

/*
 * Convert one connection. Errors name the connection and the file:line of
 * the faulty value. 0 or -errno. Free with dcfg_conn_free() in all cases
 * (also after an error).
 *
 * The engine takes one address per side: the first IP address of
 * remote_addrs, and the first of local_addrs of that family (so one list
 * may name an IPv4 and an IPv6 address); a local_addrs without an address
 * or wildcard of that family is an error. Wildcards keep their family
 * (cfg.local_any_family, cfg.remote_any_family).
 */
int dcfg_conn_convert(const struct conf *conf, const struct conf_conn *cc, struct dcfg_conn *out,
		      char *err, size_t errlen);
void dcfg_conn_free(struct dcfg_conn *c);

#endif
