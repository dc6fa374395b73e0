/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The environment of an updown script, exactly as strongSwan 5.9.8's
 * updown plugin gives it (updown_listener.c invoke_once()), so that scripts
 * written for strongSwan, its default _updown among them, run unchanged:
 * the same names, in the same order, with the same value formats. Pure: no
 * I/O, so the table is unit-tested against strongSwan's.
 *
 * What conduit never has is left out as strongSwan leaves it out when it
 * does not apply: PLUTO_XAUTH_ID (no EAP/XAuth), PLUTO_MY/PEER_SOURCEIP*
 * (no virtual IPs), PLUTO_IPCOMP (no IPComp), PLUTO_DNS* (no attributes).
 */
#ifndef CONDUIT_DAEMON_UPDOWN_ENV_H
#define CONDUIT_DAEMON_UPDOWN_ENV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ike.h"

/* One invocation: one selector pair of a CHILD_SA, up or down. */
struct updown_params {
	bool up;
	const char *path;	/* PATH=, conduitd's own (NULL: empty) */
	const char *connection; /* the child's name (strongSwan: the child_cfg's) */
	const char *interface;	/* toward the peer; NULL: "unknown" */
	uint32_t reqid;
	uint32_t unique_id; /* the IKE SA's */
	struct ike_addr me, peer;
	const struct ike_id *my_id, *peer_id;
	const struct ike_ts *my_ts, *peer_ts;
	uint32_t mark_in, mark_in_mask, mark_out, mark_out_mask;
	uint32_t if_id_in, if_id_out;
	bool udp_enc;	  /* UDP encapsulation (NAT, or encap = yes): PLUTO_UDP_ENC */
	bool host_access; /* hostaccess = yes */
};

#define UPDOWN_ENV_MAX 32

struct updown_env {
	size_t n;
	char *vars[UPDOWN_ENV_MAX + 1]; /* "NAME=value", NULL-terminated */
};

/* Fills env (free with updown_env_free, also after an error). 0 or
 * -ENOMEM, -EINVAL (selectors of no known type). */
int updown_env_build(const struct updown_params *p, struct updown_env *env);
void updown_env_free(struct updown_env *env);

/* strongSwan's %Y of an identity: addresses in text form, FQDN and e-mail
 * as they are (unprintable octets as '?'), a key id as text when
 * printable and not 20 octets long, else as colon-separated hex. */
void updown_id_str(const struct ike_id *id, char *buf, size_t len);

#endif
