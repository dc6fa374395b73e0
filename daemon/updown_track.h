/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * When updown scripts run, as strongSwan's updown plugin runs them: "up"
 * at the first CHILD_UP of a tunnel (a kernel reqid, which a rekeyed or
 * reauthenticated successor keeps), "down" when its child goes down for
 * good (a CHILD_DOWN not caused by a rekey, or conduitd stopping); once
 * per pair of local and remote selectors of one family (child_sa.c's
 * policy enumerator). What a script is told is the newest child's: its
 * IKE SA, addresses and selectors.
 */
#ifndef CONDUIT_DAEMON_UPDOWN_TRACK_H
#define CONDUIT_DAEMON_UPDOWN_TRACK_H

#include <stdbool.h>
#include <stdint.h>

#include "daemon/dcfg.h"
#include "daemon/kernel.h"
#include "daemon/updown.h"
#include "ike/ike.h"

struct utrack;

struct utrack *utrack_new(struct updown *runner);
void utrack_free(struct utrack *t);

/* A child was installed with kernel reqid kreqid, marks and the interface
 * toward the peer (NULL: unknown); nothing when gw has no updown. */
int utrack_installed(struct utrack *t, const struct ike_child_install *ci,
		     const struct dcfg_child *gw, uint32_t kreqid, const struct dkern_marks *marks,
		     const char *interface);
void utrack_child_up(struct utrack *t, uint32_t child_id);
void utrack_child_down(struct utrack *t, uint32_t child_id, bool rekeyed);
/* conduitd stops: "down" for every tunnel that is up. */
void utrack_all_down(struct utrack *t);

#endif
