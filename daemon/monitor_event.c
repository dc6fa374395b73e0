/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include "daemon/monitor_event.h"

static const char *cause_name(uint8_t cause)
{
	switch (cause) {
	case IKE_CAUSE_NONE:
		return "local";
	case IKE_CAUSE_PEER_DELETE:
		return "peer-delete";
	case IKE_CAUSE_DEAD:
		return "dead";
	case IKE_CAUSE_EXPIRED:
		return "expired";
	case IKE_CAUSE_REKEYED:
		return "rekeyed";
	}
	return "unknown";
}

static const char *action_name(uint8_t action)
{
	switch (action) {
	case IKE_ACTION_NONE:
		return "none";
	case IKE_ACTION_TRAP:
		return "trap";
	case IKE_ACTION_RESTART:
		return "restart";
	}
	return "unknown";
}

/* {"address":"192.0.2.1","port":4500}, as list-sas has them. */
static json_t *addr_json(const struct ike_addr *a)
{
	char ip[INET6_ADDRSTRLEN];

	if (a == NULL || (a->family != AF_INET && a->family != AF_INET6) ||
	    inet_ntop(a->family, a->ip, ip, sizeof(ip)) == NULL)
		return json_null();
	return json_pack("{s:s,s:i}", "address", ip, "port", (int)a->port);
}

static const char *event_name(const struct ike_event *ev)
{
	switch (ev->type) {
	case IKE_EV_IKE_UP:
		return "ike-up";
	case IKE_EV_IKE_DOWN:
		return ev->rekeyed ? "ike-rekeyed" : "ike-down";
	case IKE_EV_CHILD_UP:
		return "child-up";
	case IKE_EV_CHILD_DOWN:
		return ev->rekeyed ? "child-rekeyed" : "child-down";
	case IKE_EV_FAILED:
		return ev->notify == IKE_N_AUTHENTICATION_FAILED ? "auth-failed" : "failed";
	case IKE_EV_NAT_MOVED:
		return "nat-moved";
	}
	return NULL;
}

/* json_string refuses invalid UTF-8: a name or reason that is not (it
 * should not happen) is shown with '?' for its odd octets. */
static json_t *string_json(const char *s)
{
	json_t *v = json_string(s);
	if (v != NULL)
		return v;
	char buf[512];
	size_t i;
	for (i = 0; s[i] != '\0' && i + 1 < sizeof(buf); i++)
		buf[i] = (unsigned char)s[i] < 0x80 ? s[i] : '?';
	buf[i] = '\0';
	return json_string(buf);
}

static int set_str(json_t *o, const char *key, const char *s)
{
	return s ? json_object_set_new(o, key, string_json(s)) : 0;
}

json_t *mon_event_json(const struct ike_event *ev, int64_t now)
{
	const char *name = event_name(ev);
	int rc = 0;

	if (name == NULL || (ev->type == IKE_EV_FAILED && ev->quiet))
		return NULL;
	json_t *o = json_pack("{s:s,s:I,s:I}", "event", name, "time", (json_int_t)now, "ike_sa",
			      (json_int_t)ev->ike_sa_id);
	if (o == NULL)
		return NULL;
	rc |= set_str(o, "connection", ev->conn_name);
	rc |= set_str(o, "child", ev->child_name);
	if (ev->child_id)
		rc |= json_object_set_new(o, "child_sa", json_integer(ev->child_id));
	switch (ev->type) {
	case IKE_EV_IKE_DOWN:
	case IKE_EV_CHILD_DOWN:
		if (!ev->rekeyed)
			rc |= json_object_set_new(o, "cause", json_string(cause_name(ev->cause)));
		if (ev->type == IKE_EV_CHILD_DOWN && !ev->rekeyed)
			rc |=
			    json_object_set_new(o, "action", json_string(action_name(ev->action)));
		break;
	case IKE_EV_FAILED:
		if (ev->notify)
			rc |= json_object_set_new(o, "notify",
						  json_string(ike_notify_name(ev->notify)));
		break;
	case IKE_EV_NAT_MOVED:
		rc |= json_object_set_new(o, "from", addr_json(ev->old_remote));
		rc |= json_object_set_new(o, "to", addr_json(ev->new_remote));
		break;
	case IKE_EV_IKE_UP:
	case IKE_EV_CHILD_UP:
		break;
	}
	rc |= set_str(o, "reason", ev->reason);
	if (rc != 0) {
		json_decref(o);
		return NULL;
	}
	return o;
}
