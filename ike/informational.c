// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * INFORMATIONAL (RFC 7296 1.4): Delete of CHILD SAs and of the IKE SA,
 * empty liveness checks, and error notifies about the SA.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike/engine.h"
#include "ike/wire.h"

#define MAX_DEL_SPIS 64

static int send_request(struct ike_engine *e, struct ike_sa *sa, struct ike_writer *w,
			struct ike_builder *b, uint8_t kind)
{
	uint8_t first;
	int rc = ike_build_end_inner(b, &first);

	if (!rc)
		rc = ike_send_protected(e, sa, IKE_INFORMATIONAL, false, 0, w, first, kind);
	ike_writer_free(w);
	return rc;
}

int ike_info_send_delete_ike(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_writer w;
	struct ike_builder b;

	ike_writer_init(&w);
	ike_build_begin_inner(&b, &w);
	ike_add_delete(&b, IKE_PROTO_IKE, 0, NULL, 0);
	ike_log_sa(e, IKE_LOG_INFO, sa, "deleting IKE SA");
	return send_request(e, sa, &w, &b, IKE_REQ_DELETE_IKE);
}

int ike_info_send_delete_child(struct ike_engine *e, struct ike_sa *sa, struct ike_child *c)
{
	struct ike_writer w;
	struct ike_builder b;
	uint8_t spi[4];
	int rc;

	ike_be32(spi, c->spi_in);
	ike_writer_init(&w);
	ike_build_begin_inner(&b, &w);
	ike_add_delete(&b, IKE_PROTO_ESP, 4, spi, 1);
	rc = send_request(e, sa, &w, &b, IKE_REQ_DELETE_CHILD);
	if (!rc) {
		sa->req_child = c->id; /* the response finishes it */
		ike_log_sa(e, IKE_LOG_INFO, sa, "deleting CHILD_SA {%u} (SPI %08x)", c->id,
			   c->spi_in);
	}
	return rc;
}

int ike_info_send_empty(struct ike_engine *e, struct ike_sa *sa)
{
	struct ike_writer w;
	struct ike_builder b;

	ike_writer_init(&w);
	ike_build_begin_inner(&b, &w);
	return send_request(e, sa, &w, &b, IKE_REQ_EMPTY_INFO);
}

void ike_info_send_notify_once(struct ike_engine *e, struct ike_sa *sa, uint16_t type)
{
	struct ike_writer w;
	struct ike_builder b;

	ike_writer_init(&w);
	ike_build_begin_inner(&b, &w);
	ike_add_notify(&b, 0, NULL, 0, type, NULL, 0);
	/* The caller frees the SA next, so it is never retransmitted. */
	send_request(e, sa, &w, &b, IKE_REQ_EMPTY_INFO);
}

enum ike_verdict ike_info_on_request(struct ike_engine *e, struct ike_sa *sa, struct ike_rx *rx)
{
	const struct ike_msg *m = &rx->m;
	uint8_t spis[MAX_DEL_SPIS * 4];
	uint16_t n_spis = 0;
	bool delete_ike = false, auth_failed = false;
	struct ike_writer w;
	struct ike_builder b;
	uint8_t first;
	int rc;

	for (size_t i = 0; i < m->n_notify; i++) {
		uint16_t t = m->notify[i].type;

		if (t == IKE_N_AUTHENTICATION_FAILED)
			auth_failed = true;
		else if (t <= IKE_N_ERROR_MAX)
			ike_log_sa(e, IKE_LOG_WARN, sa, "peer reports %s", ike_notify_name(t));
	}
	for (size_t i = 0; i < m->n_delete; i++) {
		const struct ike_delete_pl *d = &m->del[i];

		if (d->protocol == IKE_PROTO_IKE) {
			delete_ike = true;
			continue;
		}
		if (d->protocol != IKE_PROTO_ESP || d->spi_len != 4)
			continue;
		for (size_t j = 0; j < d->n_spi; j++) {
			uint32_t spi = ike_delete_spi32(d, j);
			struct ike_child *c = ike_child_by_out_spi(sa, spi);

			if (!c) {
				/* RFC 7296 1.4.1: not an error, nothing to answer. */
				ike_log_sa(e, IKE_LOG_DEBUG, sa,
					   "Delete for unknown CHILD_SA SPI %08x ignored", spi);
				continue;
			}
			/* A Delete of ours crossing theirs: do not list it
			 * again (RFC 7296 1.4.1). */
			if (c->id != sa->req_child && n_spis < MAX_DEL_SPIS) {
				ike_be32(spis + 4 * n_spis, c->spi_in);
				n_spis++;
			}
			/* Unless we were deleting it ourselves. */
			if (!c->down_cause && ike_child_live(c))
				c->down_cause = IKE_CAUSE_PEER_DELETE;
			ike_child_free(e, c, c->why_down ? c->why_down : "deleted by peer");
		}
	}

	ike_writer_init(&w);
	ike_build_begin_inner(&b, &w);
	if (n_spis && !delete_ike)
		ike_add_delete(&b, IKE_PROTO_ESP, 4, spis, n_spis);
	rc = ike_build_end_inner(&b, &first);
	if (!rc)
		rc = ike_send_protected(e, sa, IKE_INFORMATIONAL, true, m->hdr.msg_id, &w, first,
					IKE_REQ_NONE);
	ike_writer_free(&w);
	if (delete_ike) {
		ike_rekey_on_peer_delete(e, sa);
		if (ike_sa_usable(sa) && !ike_task_find(sa, IKE_TASK_DELETE_IKE, 0, 0) &&
		    !sa->down_cause)
			sa->down_cause = IKE_CAUSE_PEER_DELETE;
		return ike_sa_close(e, sa, sa->state == IKE_S_REKEYED ? "rekeyed" : "deleted by peer");
	}
	if (auth_failed)
		return ike_sa_close(e, sa, "peer reports AUTHENTICATION_FAILED");
	if (rc)
		return ike_sa_close(e, sa, "cannot answer INFORMATIONAL");
	return IKE_KEEP;
}

enum ike_verdict ike_info_on_response(struct ike_engine *e, struct ike_sa *sa, struct ike_rx *rx)
{
	const struct ike_msg *m = &rx->m;
	struct ike_child *c;

	for (size_t i = 0; i < m->n_notify; i++)
		if (m->notify[i].type <= IKE_N_ERROR_MAX)
			ike_log_sa(e, IKE_LOG_WARN, sa, "peer answered with %s",
				   ike_notify_name(m->notify[i].type));
	switch (rx->req_kind) {
	case IKE_REQ_DELETE_IKE:
		return ike_sa_close(e, sa, sa->why_down ? sa->why_down : "deleted");
	case IKE_REQ_DELETE_CHILD:
		c = ike_child_by_id(sa, rx->req_child);
		if (c)
			ike_child_free(e, c, c->why_down ? c->why_down : "deleted");
		break;
	default:
		break;
	}
	return IKE_KEEP;
}
