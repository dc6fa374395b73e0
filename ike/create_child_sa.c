// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * CREATE_CHILD_SA (RFC 7296 1.3). Not implemented yet: every request,
 * new CHILD_SA or rekey, is refused with NO_ADDITIONAL_SAS, which the
 * peer takes as "no more SAs on this IKE SA" and keeps the existing ones.
 */
#include "ike/engine.h"

enum ike_verdict ike_create_child_on_request(struct ike_engine *e, struct ike_sa *sa,
					     struct ike_rx *rx)
{
	ike_log_sa(e, IKE_LOG_INFO, sa, "CREATE_CHILD_SA request refused with NO_ADDITIONAL_SAS%s",
		   sa->state == IKE_S_DELETING ? " (deleting)" : " (not supported yet)");
	if (ike_respond_notify(e, sa, rx, IKE_N_NO_ADDITIONAL_SAS, NULL, 0))
		return ike_sa_close(e, sa, "cannot answer CREATE_CHILD_SA");
	return IKE_KEEP;
}
