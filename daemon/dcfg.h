/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * From conf/'s model to the engine's struct ike_conn_cfg: addresses,
 * identities (strongSwan's rules for the text form), the PSK lookup
 * (strongSwan's best match over secrets.ike*), children. Pure but for the
 * DNS lookups of the resolver it is given, so it is unit-tested directly.
 */
#ifndef CONDUIT_DAEMON_DCFG_H
#define CONDUIT_DAEMON_DCFG_H

#include <stddef.h>

#include "conf/conf.h"
#include "ike/ike.h"

#define DCFG_ERR_LEN 256

struct ike_creds;

/* The credentials a conversion resolves local.certs, remote.certs and
 * remote.cacerts against: the loaded set (creds.h) and swanctl's
 * directory it was loaded from (a relative file name is dir/x509/NAME,
 * or dir/x509ca/NAME for cacerts). */
struct dcfg_creds {
	const struct ike_creds *cs; /* NULL: nothing loaded */
	const char *dir;
};

/*
 * What a child is to the daemon beside the engine's struct ike_child_cfg:
 * its updown script and how its SAs and policies are marked (swanctl.conf's
 * meaning; the CONF_MARK_ and CONF_IF_ID_ placeholders are kept, and drawn
 * once per reqid by daemon/kernel). if_id_in/out are the connection's when
 * the child sets none.
 */
struct dcfg_child {
	const char *updown; /* NULL: none */
	bool hostaccess;
	struct conf_mark mark_in, mark_out;
	bool mark_in_sa;
	struct conf_mark set_mark_in, set_mark_out;
	uint32_t if_id_in, if_id_out;
};

/* An engine configuration and the storage its pointers refer to. */
struct dcfg_conn {
	struct ike_conn_cfg cfg;
	char *proposals;
	struct ike_child_cfg *children;
	struct dcfg_child *dchildren; /* one per children[i] */
	/* per child: local_ts, remote_ts, esp_proposals (3 * n_children) */
	char **strings;
	size_t n_strings;
	/* Every error found ("file:line: connection C: key: why"), in the
	 * order of the keys: conversion goes on after an error so that one
	 * run names them all; the first is also in dcfg_conn_convert's err. */
	char **errors;
	size_t n_errors;
	int first_rc;
	uint8_t *psk;
	size_t psk_len;
	/* cfg.remote_auth's trust arrays; every certificate cfg points to is
	 * referenced here, so the conversion outlives a reload's new set */
	const struct ike_cert **cacerts, **pinned;
	/* local_addrs' ranges, then remote_addrs' (cfg points into it) */
	struct ike_addr_range *ranges;
	/* local_addrs or remote_addrs has a DNS name: resolve it again
	 * before an initiate (dcfg_addrs_equal() tells what changed) */
	bool has_names;
	/* Names that did not resolve (or were not looked up). When one was
	 * looked up and failed, warning says which was the first (the
	 * connection, the name, why) and warning_loc where it is written.
	 * The connection loads without them: a remote_addrs of such names
	 * alone matches no peer, and gives no address to initiate to. */
	unsigned int n_unresolved;
	char warning[DCFG_ERR_LEN + 320];
	struct conf_loc warning_loc;
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

/* Whether two identities are the same as strongSwan compares them: FQDNs,
 * email addresses and DN PrintableStrings without letter case, DN string
 * types aside; everything else octet for octet. */
bool dcfg_id_equal(const struct ike_id *a, const struct ike_id *b);

/* What one entry of local_addrs/remote_addrs is (swanctl.conf(5)). */
enum dcfg_addr_kind {
	DCFG_ADDR_ANY,	 /* %any: every address of either family */
	DCFG_ADDR_HOST,	 /* an IP address: range.from equals range.to */
	DCFG_ADDR_RANGE, /* a CIDR subnet, a from-to range, %any4 or %any6 */
	DCFG_ADDR_NAME,	 /* a DNS name: resolved by dcfg_conn_convert() */
};

struct dcfg_addr {
	enum dcfg_addr_kind kind;
	struct ike_addr_range range; /* HOST and RANGE; IPv4 in the first 4 octets */
};

/*
 * Parse one entry of local_addrs/remote_addrs as strongSwan reads it:
 * "%any"; "%any4" or "0.0.0.0" and "%any6" or "::" (every address of one
 * family, a RANGE); an IP address; a CIDR subnet (host bits are cleared:
 * 10.1.2.3/8 is 10.0.0.0-10.255.255.255); "from-to" of one family, from
 * not after to; otherwise a DNS name. 0 or -EINVAL with a sentence in err.
 */
int dcfg_addr_parse(const char *text, struct dcfg_addr *a, char *err, size_t errlen);

/* How the DNS names of local_addrs/remote_addrs become addresses. */
struct dcfg_resolver {
	/* The first IPv4 address of name in *v4 and its first IPv6 address
	 * in *v6 (family 0: it has none of that family). 0 when it has
	 * either, otherwise -errno with a sentence in err. */
	int (*resolve)(void *ctx, const char *name, struct ike_addr *v4, struct ike_addr *v6,
		       char *err, size_t errlen);
	void *ctx;
};

/* getaddrinfo(3) with AF_UNSPEC: blocks until the system's resolver
 * answers (/etc/hosts first, as nsswitch.conf says). */
extern const struct dcfg_resolver dcfg_dns;

/*
 * strongSwan's PSK lookup (credential_manager.c get_shared(), mem_cred.c):
 * a secret applies when one of its ids equals either identity, or it has
 * an id "%any" or no ids at all (a secret without ids belongs to
 * everyone). Of those, the best match of the peer's identity wins (equal
 * before %any), then the best match of ours, then the first in file order.
 * No remote identity (NULL or type 0): any peer, which every secret
 * matches as %any. No local identity (NULL or type 0: no local id and no
 * fixed address; at run time ours is our address): every secret ranks as
 * %any on our side, but applies by our side only when it has no ids, an id
 * "%any" or an IP address id (maybe ours). Returns the secret or NULL.
 */
const struct conf_secret *dcfg_psk_lookup(const struct conf *conf, const struct ike_id *local_id,
					  const struct ike_id *remote_id);
/* The secret a converted connection's PSK comes from: dcfg_psk_lookup()
 * with cfg's identities, our address standing for ours when none is
 * configured (as strongSwan looks it up); NULL when none matches. */
const struct conf_secret *dcfg_conn_psk(const struct conf *conf, const struct ike_conn_cfg *cfg);

/* A dpd_action or close_action as the engine takes it (enum
 * ike_child_action): start/restart -> RESTART, trap -> TRAP, none -> NONE. */
uint8_t dcfg_action(enum conf_action a);

/*
 * Convert one connection. Errors name the connection and the file:line of
 * the faulty value; every error is in out->errors, the first in err too
 * (local_ts and remote_ts items are parsed as the engine will, so that their
 * errors name their own line). 0 or -errno (the first error's). Free with dcfg_conn_free() in all
 * cases (also after an error). Proposals are parsed as the engine parses them (ike_proposals_parse:
 * what cannot be negotiated or installed is an error), e.g. "swanctl.conf:12: connection site-b:
 * child net: esp_proposals: unknown algorithm 'camellia' in proposal 'aes128gcm16-camellia'".
 *
 * local_addrs and remote_addrs become cfg.local_addrs/remote_addrs, in
 * strongSwan's meaning (ike_cfg.c): a list holding %any matches every
 * address, so %any alone gives no ranges (the engine's %any) and %any
 * beside other entries gives both families whole; a host is a range of
 * one address; a DNS name gives its first IPv4 and first IPv6 address; a
 * list of names none of which resolves gives the one address 0.0.0.0,
 * which no peer sends from. cfg.remote, where an initiate goes, is
 * the first address or name of remote_addrs that has an address in the
 * family of local_addrs' first (any family if none does; IPv4 first);
 * cfg.local is then the first of local_addrs in cfg.remote's family (any
 * family, IPv4 first, when there is no cfg.remote), or family 0 (the
 * route to the peer decides). res looks the names up; NULL: they
 * stay unresolved, without a warning (for comparisons that need no
 * addresses).
 */
int dcfg_conn_convert(const struct conf *conf, const struct conf_conn *cc,
		      const struct dcfg_resolver *res, struct dcfg_conn *out, char *err,
		      size_t errlen);
/* Whether two conversions have the same addresses: local, remote and the
 * ranges. */
bool dcfg_addrs_equal(const struct dcfg_conn *a, const struct dcfg_conn *b);
/* The pre-shared key for a pair of identities, chosen by dcfg_psk_lookup()
 * among conf's secrets (remote NULL or type 0: any peer), copied to key.
 * 0 and *len, -ENOKEY when no secret applies, -EMSGSIZE when it is longer
 * than max (nothing copied). */
int dcfg_psk_copy(const struct conf *conf, const struct ike_id *local, const struct ike_id *remote,
		  uint8_t *key, size_t max, size_t *len);
void dcfg_conn_free(struct dcfg_conn *c);

/*
 * dcfg_conn_convert() with credentials (creds NULL: none), which a
 * connection authenticating with public keys needs: cfg.local_auth and
 * remote_auth from local and remote (auth method, constraints as signature
 * scheme bits, rsa/pss), the certificates of local.certs, remote.certs
 * and remote.cacerts from creds (a file not loaded, or a local one without
 * its private key, is an error at its file:line), revocation, send_cert,
 * send_certreq. local.id defaults to the local certificate's subject DN
 * (remote.id to the first pinned certificate's), as in strongSwan; a local
 * id that the certificate does not carry (subject or subjectAltName) is an
 * error; without local.certs, the first of our certificates that carries
 * the local id is the one (none is an error), or without an id the engine
 * chooses among ours (having none is an error).
 */
int dcfg_conn_convert_creds(const struct conf *conf, const struct conf_conn *cc,
			    const struct dcfg_resolver *res, const struct dcfg_creds *creds,
			    struct dcfg_conn *out, char *err, size_t errlen);

/* Whether a certificate carries an identity, as the engine checks it
 * (ike_cert_has_id): its subject DN, or a subjectAltName of its type
 * (dNSName for an FQDN, rfc822Name, iPAddress), equal to it (names without
 * letter case; no wildcards). */
bool dcfg_cert_has_id(const struct ike_cert *cert, const struct ike_id *id);

/* The ike_sig_scheme bits of conf's signature constraint bits. */
uint32_t dcfg_sig_schemes(uint32_t conf_sig);

/* Weak algorithms (the table's IKE_ALG_WEAK) in a connection's proposals
 * are accepted, with a warning each (file:line, connection, child, key,
 * keyword and proposal). warn may be NULL; returns the number of warnings. */
typedef void dcfg_warn_fn(void *arg, const char *msg);
unsigned int dcfg_proposal_warnings(const struct conf_conn *cc, dcfg_warn_fn *warn, void *arg);

#endif
