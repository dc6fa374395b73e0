// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"

#include "daemon/updown_env.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ike/ts.h"

static int push(struct updown_env *env, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int push(struct updown_env *env, const char *fmt, ...)
{
	va_list ap;
	char *s;
	int r;

	if (env->n >= UPDOWN_ENV_MAX)
		return -ENOSPC;
	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	env->vars[env->n++] = s;
	env->vars[env->n] = NULL;
	return 0;
}

void updown_env_free(struct updown_env *env)
{
	for (size_t i = 0; i < env->n; i++)
		free(env->vars[i]);
	env->n = 0;
	env->vars[0] = NULL;
}

static const char *addr_str(const struct ike_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(a->family == AF_INET6 ? AF_INET6 : AF_INET, a->ip, buf, (socklen_t)len))
		snprintf(buf, len, "%%any");
	return buf;
}

void updown_id_str(const struct ike_id *id, char *buf, size_t len)
{
	bool printable = true;
	size_t o = 0;

	switch (id->type) {
	case IKE_ID_IPV4_ADDR:
	case IKE_ID_IPV6_ADDR:
		if (id->len != (id->type == IKE_ID_IPV4_ADDR ? 4 : 16) ||
		    !inet_ntop(id->type == IKE_ID_IPV4_ADDR ? AF_INET : AF_INET6, id->data, buf,
			       (socklen_t)len))
			snprintf(buf, len, "(invalid ID)");
		return;
	case IKE_ID_FQDN:
	case IKE_ID_RFC822_ADDR:
		for (size_t i = 0; i < id->len && o + 1 < len; i++)
			buf[o++] = isprint(id->data[i]) ? (char)id->data[i] : '?';
		buf[o] = '\0';
		return;
	case IKE_ID_KEY_ID:
		for (size_t i = 0; i < id->len; i++)
			printable = printable && isprint(id->data[i]);
		/* a SHA-1 sized key id is a hash: always hex, as strongSwan */
		if (printable && id->len != 20) {
			snprintf(buf, len, "%.*s", (int)id->len, (const char *)id->data);
			return;
		}
		buf[0] = '\0';
		for (size_t i = 0; i < id->len && o + 4 < len; i++)
			o +=
			    (size_t)snprintf(buf + o, len - o, "%s%02x", i ? ":" : "", id->data[i]);
		return;
	case 0:
		snprintf(buf, len, "%%any");
		return;
	default:
		snprintf(buf, len, "(unknown ID type: %d)", id->type);
		return;
	}
}

static size_t alen(const struct ike_ts *ts)
{
	return ts->type == IKE_TS_IPV6_ADDR_RANGE ? 16 : 4;
}

/* traffic_selector.c to_subnet(): from's first bits, as many as from and
 * to share (the next larger subnet of a range that is none). */
static void ts_subnet(const struct ike_ts *ts, char *buf, size_t len)
{
	uint8_t net[16] = { 0 };
	size_t n = alen(ts), bits = 0;
	char ip[INET6_ADDRSTRLEN];

	while (bits < n * 8) {
		size_t i = bits / 8;
		uint8_t m = (uint8_t)(0x80 >> (bits % 8));

		if ((ts->start_addr[i] & m) != (ts->end_addr[i] & m))
			break;
		bits++;
	}
	for (size_t i = 0; i < n; i++) {
		size_t keep = bits > i * 8 ? bits - i * 8 : 0;
		uint8_t mask = keep >= 8 ? 0xff : (uint8_t)(0xff00 >> keep);

		net[i] = ts->start_addr[i] & mask;
	}
	inet_ntop(n == 16 ? AF_INET6 : AF_INET, net, ip, sizeof(ip));
	snprintf(buf, len, "%s/%zu", ip, bits);
}

static bool is_icmp(uint8_t proto)
{
	return proto == 1 || proto == 58;
}

/* updown_listener.c get_port() */
static void port_str(const struct ike_ts *me, const struct ike_ts *other, bool local, char *buf,
		     size_t len)
{
	uint8_t proto = me->ip_proto > other->ip_proto ? me->ip_proto : other->ip_proto;
	uint16_t from, to;

	if (is_icmp(proto)) {
		uint16_t port =
		    me->start_port > other->start_port ? me->start_port : other->start_port;

		snprintf(buf, len, "%u", local ? port >> 8 : port & 0xff);
		return;
	}
	from = local ? me->start_port : other->start_port;
	to = local ? me->end_port : other->end_port;
	if (from == to || (from == 0 && to == 65535))
		snprintf(buf, len, "%u", from);
	else
		snprintf(buf, len, "%u:%u", from, to);
}

/* traffic_selector.c is_host(): one address, and that is host's. */
static bool ts_is_host(const struct ike_ts *ts, const struct ike_addr *host)
{
	size_t n = alen(ts);

	if (memcmp(ts->start_addr, ts->end_addr, n))
		return false;
	return host->family == (n == 16 ? AF_INET6 : AF_INET) &&
	       !memcmp(ts->start_addr, host->ip, n);
}

int updown_env_build(const struct updown_params *p, struct updown_env *env)
{
	char a[INET6_ADDRSTRLEN], id[600], net[INET6_ADDRSTRLEN + 8], port[16];
	bool host, v6;
	int rc = 0;

	env->n = 0;
	env->vars[0] = NULL;
	if ((p->my_ts->type != IKE_TS_IPV4_ADDR_RANGE &&
	     p->my_ts->type != IKE_TS_IPV6_ADDR_RANGE) ||
	    (p->peer_ts->type != IKE_TS_IPV4_ADDR_RANGE &&
	     p->peer_ts->type != IKE_TS_IPV6_ADDR_RANGE))
		return -EINVAL;
	host = ts_is_host(p->my_ts, &p->me);
	v6 = host ? p->me.family == AF_INET6 : p->my_ts->type == IKE_TS_IPV6_ADDR_RANGE;

#define PUSH(...)                                                                                  \
	do {                                                                                       \
		if (!rc)                                                                           \
			rc = push(env, __VA_ARGS__);                                               \
	} while (0)
	PUSH("PATH=%s", p->path ? p->path : "");
	PUSH("PLUTO_VERSION=1.1");
	PUSH("PLUTO_VERB=%s%s%s", p->up ? "up" : "down", host ? "-host" : "-client",
	     v6 ? "-v6" : "");
	PUSH("PLUTO_CONNECTION=%s", p->connection);
	PUSH("PLUTO_INTERFACE=%s", p->interface && *p->interface ? p->interface : "unknown");
	PUSH("PLUTO_REQID=%u", p->reqid);
	PUSH("PLUTO_PROTO=esp");
	PUSH("PLUTO_UNIQUEID=%u", p->unique_id);
	PUSH("PLUTO_ME=%s", addr_str(&p->me, a, sizeof(a)));
	updown_id_str(p->my_id, id, sizeof(id));
	PUSH("PLUTO_MY_ID=%s", id);
	ts_subnet(p->my_ts, net, sizeof(net));
	PUSH("PLUTO_MY_CLIENT=%s", net);
	port_str(p->my_ts, p->peer_ts, true, port, sizeof(port));
	PUSH("PLUTO_MY_PORT=%s", port);
	PUSH("PLUTO_MY_PROTOCOL=%u", p->my_ts->ip_proto);
	PUSH("PLUTO_PEER=%s", addr_str(&p->peer, a, sizeof(a)));
	updown_id_str(p->peer_id, id, sizeof(id));
	PUSH("PLUTO_PEER_ID=%s", id);
	ts_subnet(p->peer_ts, net, sizeof(net));
	PUSH("PLUTO_PEER_CLIENT=%s", net);
	port_str(p->my_ts, p->peer_ts, false, port, sizeof(port));
	PUSH("PLUTO_PEER_PORT=%s", port);
	PUSH("PLUTO_PEER_PROTOCOL=%u", p->peer_ts->ip_proto);
	/* strongSwan tests the value only: a mark 0/mask is not passed */
	if (p->mark_in)
		PUSH("PLUTO_MARK_IN=%u/0x%08x", p->mark_in, p->mark_in_mask);
	if (p->mark_out)
		PUSH("PLUTO_MARK_OUT=%u/0x%08x", p->mark_out, p->mark_out_mask);
	if (p->if_id_in)
		PUSH("PLUTO_IF_ID_IN=%u", p->if_id_in);
	if (p->if_id_out)
		PUSH("PLUTO_IF_ID_OUT=%u", p->if_id_out);
	if (p->udp_enc)
		PUSH("PLUTO_UDP_ENC=%u", p->peer.port);
	if (p->host_access)
		PUSH("PLUTO_HOST_ACCESS=1");
#undef PUSH
	return rc == -ENOSPC ? -ENOMEM : rc;
}
