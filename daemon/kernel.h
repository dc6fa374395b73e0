/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The daemon's side of CHILD SAs in the kernel: what the engine's
 * alloc_spi, child_install and child_delete ask, carried out through
 * kernel-iface, with a record per child (by child id, and by kernel reqid
 * for EXPIRE events) of what was installed so it can be removed exactly.
 *
 * Reqids: the engine numbers children's reqids from 1; the kernel's must be
 * in conduit's range (KIF_REQID_MIN..MAX, kernel-iface's owner tag). The
 * daemon gives each engine reqid a kernel reqid KIF_REQID_MIN + 1.. (reusing
 * freed ones) and maps EXPIRE events back to the engine's reqid. A rekeyed
 * CHILD SA's successor keeps its reqid: both children's SAs carry the same
 * kernel reqid and share the policies, which the first install adds and the
 * last delete removes. KIF_REQID_MIN itself is only used on larval SAs from
 * ALLOCSPI, until the install.
 */
#ifndef CONDUIT_DAEMON_KERNEL_H
#define CONDUIT_DAEMON_KERNEL_H

#include <stdint.h>

#include "daemon/dcfg.h"
#include "ike/ike.h"
#include "kernel-iface/xfrm.h"

/* Children's kernel reqids end here; above, up to KIF_REQID_MAX, are trap
 * policies' (daemon/trap.c). */
#define DKERN_REQID_MAX 0xc0dfefffu

/* Most policies one CHILD SA may install (selector pairs x prefixes x
 * port masks x directions). */
#define DKERN_MAX_POLICIES 1024

struct dkern;

struct dkern *dkern_new(struct kif *kif);
/* Forgets the records; does not touch the kernel (kif_flush does). */
void dkern_free(struct dkern *d);

int dkern_alloc_spi(struct dkern *d, const struct ike_addr *src, const struct ike_addr *dst,
		    uint32_t *spi);
/* Remove the larval SAs ALLOCSPI left for SAs from peer (src = peer) that
 * were never installed: an IKE SA that failed before its child was
 * installed leaves one otherwise (until the kernel's acquire timeout). A
 * negotiation still in progress with that peer falls back from UPDSA to
 * NEWSA, so dropping its larval SA does no harm. */
void dkern_larval_drop(struct dkern *d, const struct ike_addr *peer);

/* A child's marks and interface IDs as installed: the %unique ones drawn.
 * 0/0: none. */
struct dkern_marks {
	uint32_t mark_in, mark_in_mask, mark_out, mark_out_mask;
	uint32_t if_id_in, if_id_out;
};

/* Resolve gw's placeholders with strongSwan's rules (ipsec_types.c
 * allocate_unique_marks/if_ids): %unique is one value drawn from *next for
 * both directions, %unique-dir one per direction; counters start at 1. */
void dkern_marks_resolve(const struct dcfg_child *gw, uint32_t *next_mark, uint32_t *next_if_id,
			 struct dkern_marks *out);

/* Draw gw's %unique values from d's counters (for trap policies). */
void dkern_draw_marks(struct dkern *d, const struct dcfg_child *gw, struct dkern_marks *out);

/* Both SAs, then the policies unless another child of the same engine
 * reqid has them already. gw (NULL: none) marks them as strongSwan's
 * child_sa.c does: the policies in and fwd with mark_in and if_id_in, out
 * with mark_out and if_id_out; the outbound SA with mark_out, the inbound
 * one with mark_in only for mark_in_sa; if_id and set_mark (%same: the
 * direction's mark) on the SAs. %unique values are drawn when the engine
 * reqid is new, so a rekeyed or reauthenticated successor keeps them. On failure nothing of this
 * child stays and err says what failed. 0 or -errno. With ci->update (a NAT mapping moved) the
 * installed child's SAs move to ci's addresses and ports in place (kif_sa_move), and its reqid's
 * tunnel policies follow a changed address. */
int dkern_child_install(struct dkern *d, const struct ike_child_install *ci,
			const struct dcfg_child *gw, char *err, size_t errlen);
/* The marks a child's SAs and policies carry, and its kernel reqid (kreqid
 * may be NULL); -ENOENT: no such child. */
int dkern_child_marks(struct dkern *d, uint32_t child_id, struct dkern_marks *out,
		      uint32_t *kreqid);
/* Removes the child's SAs, and the policies if it is the last child of
 * its reqid; unknown ids are ignored. */
void dkern_child_delete(struct dkern *d, uint32_t child_id);
/* Counters of a child's SAs; 0 or -errno (-ENOENT: no such child). */
int dkern_child_stats(struct dkern *d, uint32_t child_id, struct kif_sa_stats *in,
		      struct kif_sa_stats *out);
/* The engine's reqid of the child holding kernel reqid kreqid, 0 if none. */
uint32_t dkern_engine_reqid(struct dkern *d, uint32_t kreqid);
unsigned int dkern_count(const struct dkern *d);

#endif
