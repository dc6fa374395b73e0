/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conduitd: the IKEv2 daemon. Glues the engine (ike/) to the world: UDP
 * sockets (net.c), the kernel (kernel.c over kernel-iface), the control
 * socket (ctl.c; the commands' handlers are in ctl_cmds.c), the
 * configuration (conf/, converted by dcfg.c), timers, signals and systemd.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <event2/event.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <uthash.h>

#ifdef HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

#include "conf/conf.h"
#include "daemon/creds.h"
#include "daemon/daemon.h"
#include "daemon/dcfg.h"
#include "daemon/dos_opts.h"
#include "daemon/ctl.h"
#include "daemon/instance.h"
#include "daemon/kernel.h"
#include "daemon/log.h"
#include "daemon/monitor.h"
#include "daemon/monitor_event.h"
#include "daemon/net.h"
#include "daemon/options.h"
#include "daemon/route.h"
#include "daemon/trap.h"
#include "ike/cert.h"
#include "daemon/updown.h"
#include "daemon/updown_track.h"
#include "daemon/workers.h"
#include "ike/ike.h"
#include "ike/ts.h"
#include "kernel-iface/xfrm.h"

#define SHUTDOWN_GRACE_MS 1000

uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void notify(const char *fmt, ...)
{
#ifdef HAVE_SYSTEMD
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	sd_notify(0, buf);
#else
	(void)fmt;
#endif
}

const char *addr_str(const struct ike_addr *a, char *buf, size_t len)
{
	if (!a->family)
		snprintf(buf, len, "%%any");
	else if (!inet_ntop(a->family, a->ip, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

/* ------------------------------------------------------------------ */
/* Counting SAs                                                        */

static int count_fn(void *arg, const struct ike_sa_info *sa)
{
	struct sa_count *c = arg;

	if (c->conn && strcmp(c->conn, sa->conn_name))
		return 0;
	c->ike++;
	c->child += (unsigned int)sa->n_children;
	return 0;
}

struct sa_count count_sas(struct daemon *d, const char *conn)
{
	struct sa_count c = { .conn = conn };

	ike_engine_foreach_sa(d->engine, count_fn, &c);
	return c;
}

static void update_status(struct daemon *d)
{
	size_t ike, child;

	/* After every event: counted by the engine, not by a walk over the
	 * SAs, so it costs the same with 10 or 100k of them. */
	ike_engine_counts(d->engine, &ike, &child);
	notify("STATUS=%zu connections, %zu IKE SAs, %zu CHILD SAs", d->conf ? d->conf->n_conns : 0,
	       ike, child);
}

/* ------------------------------------------------------------------ */
/* The engine's environment                                            */

static void env_send(void *ctx, const uint8_t *pkt, size_t len, const struct ike_addr *local,
		     const struct ike_addr *remote)
{
	struct daemon *d = ctx;

	net_send(d->net, pkt, len, local, remote);
}

static int env_alloc_spi(void *ctx, const struct ike_addr *src, const struct ike_addr *dst,
			 uint32_t *spi)
{
	struct daemon *d = ctx;

	return dkern_alloc_spi(d->kern, src, dst, spi);
}

static void ts_list(const struct ike_ts *ts, size_t n, char *buf, size_t len)
{
	size_t off = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && off < len; i++) {
		char one[IKE_TS_STR_LEN];

		if (ike_ts_format(&ts[i], one, sizeof(one)) < 0)
			snprintf(one, sizeof(one), "?");
		off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? " " : "", one);
	}
}

static const struct dcfg_child *child_gw(struct daemon *d, const char *conn, const char *child);

/* The interface toward the peer (updown's PLUTO_INTERFACE): the route's
 * from our address to the peer's, as strongSwan's get_nexthop(); without
 * rtnetlink, the one that holds our address; NULL when none does. */
static const char *iface_toward(struct daemon *d, const struct ike_addr *me,
				const struct ike_addr *peer, char buf[IF_NAMESIZE])
{
	struct ifaddrs *ifa, *i;
	const char *found = NULL;

	if (d->rt) {
		struct kif_addr s, t;
		struct kif_route_info ri;

		memset(&s, 0, sizeof(s));
		memset(&t, 0, sizeof(t));
		s.family = me->family;
		memcpy(s.ip, me->ip, 16);
		t.family = peer->family;
		memcpy(t.ip, peer->ip, 16);
		if (!kif_route_get(d->rt, &t, &s, &ri) && ri.oif &&
		    if_indextoname((unsigned int)ri.oif, buf))
			return buf;
	}
	if (getifaddrs(&ifa))
		return NULL;
	for (i = ifa; i && !found; i = i->ifa_next) {
		const struct sockaddr *sa = i->ifa_addr;

		if (!sa || sa->sa_family != me->family || !i->ifa_name)
			continue;
		if ((sa->sa_family == AF_INET &&
		     !memcmp(&((const struct sockaddr_in *)sa)->sin_addr, me->ip, 4)) ||
		    (sa->sa_family == AF_INET6 &&
		     !memcmp(&((const struct sockaddr_in6 *)sa)->sin6_addr, me->ip, 16))) {
			snprintf(buf, IF_NAMESIZE, "%s", i->ifa_name);
			found = buf;
		}
	}
	freeifaddrs(ifa);
	return found;
}

static int env_child_install(void *ctx, const struct ike_child_install *ci)
{
	const struct ike_alg_info *encr, *integ;
	struct daemon *d = ctx;
	char err[512], lts[512], rts[512];
	int rc;

	rc = dkern_child_install(d->kern, ci, child_gw(d, ci->conn_name, ci->child_name), err,
				 sizeof(err));
	ts_list(ci->local_ts, ci->n_local_ts, lts, sizeof(lts));
	ts_list(ci->remote_ts, ci->n_remote_ts, rts, sizeof(rts));
	if (rc) {
		log_child(LOG_LEVEL_ERROR, ci->conn_name, ci->ike_sa_id, ci->child_name,
			  ci->child_id, "cannot %s CHILD_SA in the kernel: %s",
			  ci->update ? "update" : "install", err);
		return rc;
	}
	if (!ci->update && !ci->out_only) {
		const struct dcfg_child *gw = child_gw(d, ci->conn_name, ci->child_name);
		struct dkern_marks marks;
		uint32_t kreqid = 0;
		char iface[IF_NAMESIZE];

		if (!dkern_child_marks(d->kern, ci->child_id, &marks, &kreqid)) {
			droute_child_installed(d->routes, ci, kreqid, &marks);
			if (gw && gw->updown &&
			    utrack_installed(d->utrack, ci, gw, kreqid, &marks,
					     iface_toward(d, &ci->out.src, &ci->out.dst, iface)))
				log_child(LOG_LEVEL_ERROR, ci->conn_name, ci->ike_sa_id,
					  ci->child_name, ci->child_id,
					  "updown: out of memory: the script will not run");
		}
	}
	if (ci->update) {
		char peer[64];

		log_child(LOG_LEVEL_INFO, ci->conn_name, ci->ike_sa_id, ci->child_name,
			  ci->child_id, "moved SAs in %08x out %08x to peer %s port %u%s",
			  ci->in.spi, ci->out.spi, addr_str(&ci->out.dst, peer, sizeof(peer)),
			  ci->out.dst.port, ci->encap ? " (UDP-encapsulated)" : "");
		return 0;
	}
	encr = ike_alg_get(ci->encr);
	integ = ike_alg_get(ci->integ);
	log_child(LOG_LEVEL_INFO, ci->conn_name, ci->ike_sa_id, ci->child_name, ci->child_id,
		  "installed %s SAs in %08x out %08x (%s%s%s%s%s), %s === %s",
		  ci->mode == IKE_MODE_TUNNEL ? "tunnel" : "transport", ci->in.spi, ci->out.spi,
		  encr ? encr->kernel : "?", integ ? "/" : "", integ ? integ->kernel : "",
		  ci->esn ? ", ESN" : "", ci->encap ? ", UDP-encapsulated" : "", lts, rts);
	return 0;
}

static void env_child_delete(void *ctx, uint32_t child_id, uint32_t reqid,
			     const struct ike_child_install *ci)
{
	struct daemon *d = ctx;

	(void)reqid;
	droute_child_deleted(d->routes, child_id);
	dkern_child_delete(d->kern, child_id);
	if (ci)
		log_child(LOG_LEVEL_INFO, ci->conn_name, ci->ike_sa_id, ci->child_name, child_id,
			  "removed SAs in %08x out %08x and their policies", ci->in.spi,
			  ci->out.spi);
}

/* The kernel's last use of the child's outbound SA (XFRMA_LASTUSED, wall
 * clock seconds) on the monotonic clock, for NAT keepalives. */
static int env_child_last_out(void *ctx, uint32_t child_id, uint64_t *at_ms)
{
	struct daemon *d = ctx;
	struct kif_sa_stats in, out;
	uint64_t now = mono_ms(), wall = (uint64_t)time(NULL), ago;

	if (dkern_child_stats(d->kern, child_id, &in, &out) || !out.last_used)
		return -ENOENT;
	ago = wall > out.last_used ? (wall - out.last_used) * 1000 : 0;
	*at_ms = now > ago ? now - ago : 0;
	return 0;
}

/* The same for the inbound SA: ESP from the peer, for DPD. */
static int env_child_last_in(void *ctx, uint32_t child_id, uint64_t *at_ms)
{
	struct daemon *d = ctx;
	struct kif_sa_stats in, out;
	uint64_t now = mono_ms(), wall = (uint64_t)time(NULL), ago;

	if (dkern_child_stats(d->kern, child_id, &in, &out) || !in.last_used)
		return -ENOENT;
	ago = wall > in.last_used ? (wall - in.last_used) * 1000 : 0;
	*at_ms = now > ago ? now - ago : 0;
	return 0;
}

static uint64_t env_now_ms(void *ctx)
{
	(void)ctx;
	return mono_ms();
}

static int64_t env_wall_time(void *ctx)
{
	(void)ctx;
	return (int64_t)time(NULL);
}

static void env_random(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	if (RAND_bytes(buf, (int)len) != 1) {
		/* Never hand out predictable octets: the kernel's pool, or die. */
		size_t off = 0;

		while (off < len) {
			ssize_t r = getrandom(buf + off, len - off, 0);

			if (r < 0 && errno != EINTR) {
				log_msg(LOG_LEVEL_ERROR, "no random source: %s", strerror(errno));
				abort();
			}
			if (r > 0)
				off += (size_t)r;
		}
	}
}

/* The key for a pair of identities, among every secret of the current
 * configuration (a reload replaces it): strongSwan's choice, so one
 * connection without a remote id serves many peers with a secret each. */
static int env_psk_lookup(void *ctx, const char *conn, const struct ike_id *local,
			  const struct ike_id *remote, uint8_t *key, size_t max, size_t *len)
{
	struct daemon *d = ctx;
	int rc;

	if (!d->conf)
		return -ENOKEY;
	rc = dcfg_psk_copy(d->conf, local, remote, key, max, len);
	if (rc == -EMSGSIZE) {
		log_msg(LOG_LEVEL_ERROR, "%s: the pre-shared key is longer than %zu octets",
			conn ? conn : "?", max);
		rc = -ENOKEY;
	}
	return rc;
}

static void env_wake_at(void *ctx, uint64_t at_ms)
{
	struct daemon *d = ctx;
	uint64_t now = mono_ms();
	struct timeval tv;

	if (at_ms == UINT64_MAX) {
		evtimer_del(d->wake_ev);
		return;
	}
	at_ms = at_ms > now ? at_ms - now : 0;
	tv.tv_sec = (time_t)(at_ms / 1000);
	tv.tv_usec = (suseconds_t)(at_ms % 1000) * 1000;
	evtimer_add(d->wake_ev, &tv);
}

/* ------------------------------------------------------------------ */
/* Connections as loaded                                               */

struct loaded *loaded_find(struct daemon *d, const char *name)
{
	struct loaded *l;

	HASH_FIND_STR(d->loaded, name, l);
	return l;
}

/* The daemon's side of a loaded child (marks, updown), NULL if the
 * connection or child is not loaded (anymore). */
static const struct dcfg_child *child_gw(struct daemon *d, const char *conn, const char *child)
{
	struct loaded *l = conn ? loaded_find(d, conn) : NULL;

	for (size_t i = 0; l && child && i < l->dc.cfg.n_children; i++)
		if (!strcmp(l->dc.children[i].name, child))
			return &l->dc.dchildren[i];
	return NULL;
}

/* dc (moved in: *dc is left empty) is what the engine now has of its
 * connection. */
static void loaded_set(struct daemon *d, struct dcfg_conn *dc)
{
	struct loaded *l = loaded_find(d, dc->cfg.name);

	if (l) {
		dcfg_conn_free(&l->dc);
		l->dc = *dc; /* the same name: the hash key stays */
	} else if ((l = calloc(1, sizeof(*l)))) {
		l->dc = *dc;
		HASH_ADD_STR(d->loaded, dc.cfg.name, l);
	} else {
		log_msg(LOG_LEVEL_ERROR, "connection %s: out of memory", dc->cfg.name);
		dcfg_conn_free(dc);
	}
	/* it points into the conf, which a reload frees */
	if (l)
		memset(&l->dc.warning_loc, 0, sizeof(l->dc.warning_loc));
	memset(dc, 0, sizeof(*dc));
}

static void loaded_remove(struct daemon *d, const char *name)
{
	struct loaded *l = loaded_find(d, name);

	if (!l)
		return;
	HASH_DEL(d->loaded, l);
	dcfg_conn_free(&l->dc);
	free(l);
}

static void loaded_free_all(struct daemon *d)
{
	struct loaded *l, *tmp;

	HASH_ITER (hh, d->loaded, l, tmp) {
		HASH_DEL(d->loaded, l);
		dcfg_conn_free(&l->dc);
		free(l);
	}
}

/* The key exchange groups the loaded connections may use, IKE and ESP
 * (PFS): the worker pool stocks no other, and wipes what it held of any
 * other group. Connections mostly share their proposals: each distinct
 * string is parsed once (a reload of 10k connections stays fast). */
struct pool_seen {
	const char *s[32];
	uint8_t proto[32];
	size_t n;
};

static bool pool_seen_before(struct pool_seen *seen, const char *str, uint8_t proto)
{
	for (size_t i = 0; i < seen->n; i++)
		if (seen->proto[i] == proto &&
		    (seen->s[i] == str || (seen->s[i] && str && !strcmp(seen->s[i], str))))
			return true;
	if (seen->n < 32) {
		seen->s[seen->n] = str;
		seen->proto[seen->n++] = proto;
	}
	return false;
}

static void pool_groups(struct daemon *d)
{
	struct pool_seen seen = { .n = 0 };
	uint16_t g[32];
	size_t n = 0;
	struct loaded *l, *tmp;

	if (!d->workers)
		return;
	HASH_ITER (hh, d->loaded, l, tmp) {
		const struct ike_conn_cfg *cfg = &l->dc.cfg;

		if (!pool_seen_before(&seen, cfg->proposals, IKE_PROTO_IKE))
			dworkers_groups_of(cfg->proposals, IKE_PROTO_IKE, g, &n, 32);
		for (size_t i = 0; i < cfg->n_children; i++)
			if (!pool_seen_before(&seen, cfg->children[i].esp_proposals, IKE_PROTO_ESP))
				dworkers_groups_of(cfg->children[i].esp_proposals, IKE_PROTO_ESP, g,
						   &n, 32);
	}
	dworkers_set_groups(d->workers, g, n);
}

static int env_dh_take(void *ctx, uint16_t group, struct ike_dh **dh)
{
	struct daemon *d = ctx;

	return dworkers_take(d->workers, group, dh);
}

static const char *peer_of(struct daemon *d, const char *conn, char *buf, size_t len)
{
	struct conf_conn *cc = d->conf ? conf_find_conn(d->conf, conn) : NULL;

	if (cc && cc->remote_addrs.n)
		snprintf(buf, len, "%s", cc->remote_addrs.items[0].value);
	else
		snprintf(buf, len, "%%any");
	return buf;
}

static void trap_child(struct daemon *d, const char *conn, const char *child);

/* To conduitctl monitor: serialised once, and only when someone listens. */
static void monitor_publish(struct daemon *d, const struct ike_event *ev)
{
	if (!d->mon || !mon_hub_n_clients(d->mon))
		return;
	json_t *o = mon_event_json(ev, (int64_t)time(NULL));
	if (o)
		mon_hub_publish(d->mon, o);
	json_decref(o);
}

static void env_event(void *ctx, const struct ike_event *ev)
{
	struct daemon *d = ctx;
	char peer[128];

	monitor_publish(d, ev);
	switch (ev->type) {
	case IKE_EV_FAILED:
		/* half-open SAs timing out or evicted: the engine sums them up */
		if (ev->quiet)
			log_sa(LOG_LEVEL_DEBUG, ev->conn_name, ev->ike_sa_id, "half-open: %s",
			       ev->reason ? ev->reason : "");
		/* The engine logged the failure once, with its SA prefix
		 * and the reason: this is its echo for debugging. */
		else if (ev->child_name)
			log_sa(LOG_LEVEL_DEBUG, ev->conn_name, ev->ike_sa_id,
			       "event: CHILD_SA %s with %s failed: %s%s%s", ev->child_name,
			       peer_of(d, ev->conn_name, peer, sizeof(peer)),
			       ev->notify ? ike_notify_name(ev->notify) : "",
			       ev->notify ? ": " : "", ev->reason ? ev->reason : "");
		else
			log_sa(LOG_LEVEL_DEBUG, ev->conn_name, ev->ike_sa_id,
			       "event: connection with %s failed: %s%s%s",
			       peer_of(d, ev->conn_name, peer, sizeof(peer)),
			       ev->notify ? ike_notify_name(ev->notify) : "",
			       ev->notify ? ": " : "", ev->reason ? ev->reason : "");
		break;
	case IKE_EV_IKE_UP:
		log_sa(LOG_LEVEL_DEBUG, ev->conn_name, ev->ike_sa_id, "event: IKE SA up");
		break;
	case IKE_EV_IKE_DOWN:
		log_sa(LOG_LEVEL_DEBUG, ev->conn_name, ev->ike_sa_id, "event: IKE SA down: %s",
		       ev->reason ? ev->reason : "");
		break;
	case IKE_EV_CHILD_UP:
	case IKE_EV_CHILD_DOWN:
		log_child(LOG_LEVEL_DEBUG, ev->conn_name, ev->ike_sa_id,
			  ev->child_name ? ev->child_name : "?", ev->child_id, "event: CHILD SA %s",
			  ev->type == IKE_EV_CHILD_UP ? "up" : "down");
		if (ev->type == IKE_EV_CHILD_UP)
			utrack_child_up(d->utrack, ev->child_id);
		else
			utrack_child_down(d->utrack, ev->child_id, ev->rekeyed);
		break;
	case IKE_EV_NAT_MOVED:
		/* The engine logged it; for monitors only: no trap, initiate
		 * or terminate waits for it. */
		return;
	}
	/* dpd_action/close_action = trap: the engine leaves it to us. */
	if (ev->type == IKE_EV_CHILD_DOWN && ev->action == IKE_ACTION_TRAP && ev->child_name)
		trap_child(d, ev->conn_name, ev->child_name);
	/* An initiate a trap asked for is over (either way). */
	if (ev->type != IKE_EV_CHILD_DOWN)
		dtrap_sa_done(d->trap, ev->ike_sa_id);
	if (ev->type == IKE_EV_FAILED || ev->type == IKE_EV_IKE_DOWN) {
		struct loaded *l = ev->conn_name ? loaded_find(d, ev->conn_name) : NULL;

		if (l && l->dc.cfg.remote.family)
			dkern_larval_drop(d->kern, &l->dc.cfg.remote);
	}
	ctl_cmds_event(d, ev);
	update_status(d);
}

static void dummy_send(void *c, const uint8_t *p, size_t l, const struct ike_addr *a,
		       const struct ike_addr *b)
{
	(void)c, (void)p, (void)l, (void)a, (void)b;
}

static int dummy_spi(void *c, const struct ike_addr *a, const struct ike_addr *b, uint32_t *s)
{
	(void)c, (void)a, (void)b, (void)s;
	return -ENOTSUP;
}

static int dummy_install(void *c, const struct ike_child_install *ci)
{
	(void)c, (void)ci;
	return -ENOTSUP;
}

static void dummy_delete(void *c, uint32_t id, uint32_t r, const struct ike_child_install *ci)
{
	(void)c, (void)id, (void)r, (void)ci;
}

/* For validation: an engine that never talks to anything. */
static const struct ike_env check_env = {
	.send = dummy_send,
	.alloc_spi = dummy_spi,
	.child_install = dummy_install,
	.child_delete = dummy_delete,
	.now_ms = env_now_ms,
	.random = env_random,
	.wall_time = env_wall_time,
};

/* ------------------------------------------------------------------ */
/* Configuration                                                       */

/* --check prints diagnostics bare ("file:line: text"), for an operator. */
static bool plain_diags;

static void diag(enum log_level level, const char *msg)
{
	if (plain_diags)
		fprintf(stderr, "%s\n", msg);
	else
		log_msg(level, "%s", msg);
}

/* A DNS name of a connection did not resolve: "file:line: warning: ..."
 * for --check, as conf/'s own warnings; a log line otherwise. */
static void conn_warning(const struct dcfg_conn *dc)
{
	const struct conf_loc *loc = &dc->warning_loc;
	char where[300] = "";

	if (loc->file && loc->line)
		snprintf(where, sizeof(where), "%s:%u: ", loc->file, loc->line);
	else if (loc->file)
		snprintf(where, sizeof(where), "%s: ", loc->file);
	if (plain_diags)
		fprintf(stderr, "%swarning: %s\n", where, dc->warning);
	else
		log_msg(LOG_LEVEL_WARN, "%s%s", where, dc->warning);
}

/* Print every diagnostic; NULL when the file has errors. */
static struct conf *load_conf(const char *path, json_t *errors)
{
	struct conf_diags diags;
	struct conf *conf = NULL;
	int rc;

	conf_diags_init(&diags);
	rc = conf_load_file(path, &conf, &diags);
	for (size_t i = 0; i < diags.n; i++) {
		diag(diags.list[i].severity == CONF_SEV_ERROR ? LOG_LEVEL_ERROR : LOG_LEVEL_WARN,
		     diags.list[i].msg);
		if (errors && diags.list[i].severity == CONF_SEV_ERROR)
			json_array_append_new(errors, json_string(diags.list[i].msg));
	}
	if (rc && !diags.n) {
		log_msg(LOG_LEVEL_ERROR, "%s: %s", path, strerror(-rc));
		if (errors)
			json_array_append_new(errors, json_sprintf("%s: %s", path, strerror(-rc)));
	}
	conf_diags_clear(&diags);
	if (rc) {
		conf_free(conf);
		return NULL;
	}
	return conf;
}

static void diag_warning(void *arg, const char *msg)
{
	(void)arg;
	diag(LOG_LEVEL_WARN, msg);
}

/* Convert every connection and let a scratch engine parse its proposals
 * and selectors: what the real engine would refuse is a config error.
 * Weak algorithms are only warned about. resolve: look the DNS names up
 * too, and warn of those that do not resolve (--check; loading does it
 * once more anyway). */
struct creds_diag {
	json_t *errors;
};

static void creds_problem(void *ctx, const char *where, const char *msg)
{
	struct creds_diag *cd = ctx;
	char line[1024];

	snprintf(line, sizeof(line), "%s: %s", where, msg);
	diag(LOG_LEVEL_ERROR, line);
	if (cd->errors)
		json_array_append_new(cd->errors, json_string(line));
}

/* swanctl's directory: --swanctl-dir, or the configuration file's. */
static const char *creds_dir(const struct daemon *d, char *buf, size_t size)
{
	return d->swanctl_dir ? d->swanctl_dir : creds_default_dir(d->config_path, buf, size);
}

/* Certificates, keys and CRLs of swanctl's directories (creds.h), with
 * conf's key secrets. Problems are errors, counted in *n_err: the set is
 * still returned, so that connections are checked against what did load
 * (the caller refuses the configuration); NULL only without memory. */
static struct ike_creds *load_creds(const struct daemon *d, const struct conf *conf, json_t *errors,
				    unsigned int *n_err)
{
	struct creds_diag cd = { .errors = errors };
	char dirbuf[4096];
	const char *dir = creds_dir(d, dirbuf, sizeof(dirbuf));
	size_t n = 0;
	struct ike_creds *cs = creds_load(dir, conf, (int64_t)time(NULL), creds_problem, &cd, &n);

	if (!cs) {
		creds_problem(&cd, dir, "out of memory loading credentials");
		(*n_err)++;
		return NULL;
	}
	*n_err += (unsigned int)n;
	if (ike_creds_n_certs(cs) && !plain_diags && !n)
		log_msg(LOG_LEVEL_INFO,
			"loaded %zu certificate%s (%zu with a private key) and %zu CRL%s from %s",
			ike_creds_n_certs(cs), ike_creds_n_certs(cs) == 1 ? "" : "s",
			ike_creds_n_own(cs), ike_creds_n_crls(cs),
			ike_creds_n_crls(cs) == 1 ? "" : "s", dir);
	return cs;
}

/*
 * Converts every connection of conf and has a scratch engine take it: the
 * errors are those a load would meet. With d (a reload), unchanged[i] tells
 * whether the i-th connection is the one the engine has now: the same
 * configuration (which the engine took before, so the scratch engine and
 * the proposal warnings skip it) and the same PSK (known only once it is
 * converted: the secrets may have changed).
 */
/* Whether a loaded connection's key is this one (compared in constant time). */
static bool same_psk(const struct loaded *l, const uint8_t *key, size_t len)
{
	return l->dc.psk_len == len && CRYPTO_memcmp(l->dc.psk, key, len) == 0;
}

static unsigned int validate_conf(const struct conf *conf, json_t *errors, bool resolve,
				  struct daemon *d, bool *unchanged, const struct dcfg_creds *cr)
{
	struct ike_engine *scratch = ike_engine_new(&check_env, NULL);
	const struct conf_conn *cc;
	unsigned int n_err = 0;
	size_t i = 0;

	TAILQ_FOREACH (cc, &conf->conns, entry) {
		struct dcfg_conn dc;
		char err[DCFG_ERR_LEN + 320];
		const char *eerr = NULL;
		int rc;

		const struct conf_conn *oc = d ? conf_find_conn(d->conf, cc->name) : NULL;
		const struct loaded *l = oc ? loaded_find(d, cc->name) : NULL;
		bool same = l && conf_conn_equal(oc, cc);

		/* Written as before, with PSK both ways and a local id: what
		 * the reload could change is its key. The same secret as
		 * loaded leaves it unchanged without converting it again (a
		 * reload of 10k unchanged connections spent a sixth of its
		 * time there); anything else is converted and checked. */
		if (same && unchanged && cc->local.auth == CONF_AUTH_PSK &&
		    cc->remote.auth == CONF_AUTH_PSK && l->dc.cfg.local_id.type && l->dc.psk) {
			const struct conf_secret *s = dcfg_conn_psk(conf, &l->dc.cfg);

			if (s && same_psk(l, s->key, s->key_len)) {
				unchanged[i++] = true;
				continue;
			}
		}
		rc = dcfg_conn_convert_creds(conf, cc, resolve ? &dcfg_dns : NULL, cr, &dc, err,
					     sizeof(err));
		if (!rc && dc.warning[0] && !same)
			conn_warning(&dc);
		if (d)
			unchanged[i++] = !rc && same && same_psk(l, dc.psk, dc.psk_len);
		if (!rc && !same && scratch && ike_engine_add_conn(scratch, &dc.cfg, &eerr)) {
			snprintf(err, sizeof(err), "%s:%u: connection %s: %s", cc->loc.file,
				 cc->loc.line, cc->name, eerr ? eerr : "refused by the engine");
			rc = -EINVAL;
		}
		if (!rc && !same)
			dcfg_proposal_warnings(cc, diag_warning, NULL);
		/* every error of the connection, each at its own key */
		for (size_t k = 0; rc && k < (dc.n_errors ? dc.n_errors : 1); k++) {
			const char *e = dc.n_errors ? dc.errors[k] : err;

			diag(LOG_LEVEL_ERROR, e);
			if (errors)
				json_array_append_new(errors, json_string(e));
			n_err++;
		}
		dcfg_conn_free(&dc);
	}
	ike_engine_free(scratch);
	return n_err;
}

/* %any as our address while the peer's is known: the kernel's route to
 * the peer gives the source address the engine must use for its SAs. */
static void resolve_local(struct ike_conn_cfg *cfg)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;

	if (cfg->local.family || !cfg->remote.family)
		return;
	fd = socket(cfg->remote.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return;
	memset(&ss, 0, sizeof(ss));
	if (cfg->remote.family == AF_INET) {
		struct sockaddr_in *a = (void *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(cfg->remote.port ? cfg->remote.port : 500);
		memcpy(&a->sin_addr, cfg->remote.ip, 4);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (void *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(cfg->remote.port ? cfg->remote.port : 500);
		memcpy(&a->sin6_addr, cfg->remote.ip, 16);
		sl = sizeof(*a);
	}
	if (!connect(fd, (struct sockaddr *)&ss, sl)) {
		sl = sizeof(ss);
		if (!getsockname(fd, (struct sockaddr *)&ss, &sl)) {
			uint16_t port = cfg->local.port;
			char buf[64];

			cfg->local.family = cfg->remote.family;
			if (ss.ss_family == AF_INET)
				memcpy(cfg->local.ip, &((struct sockaddr_in *)&ss)->sin_addr, 4);
			else
				memcpy(cfg->local.ip, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
			cfg->local.port = port;
			log_msg(LOG_LEVEL_DEBUG, "%s: local address %s (route to the peer)",
				cfg->name, addr_str(&cfg->local, buf, sizeof(buf)));
		}
	}
	close(fd);
}

/* The running credentials, for a conversion. */
static const struct dcfg_creds *daemon_creds(const struct daemon *d, struct dcfg_creds *cr,
					     char *buf, size_t size)
{
	cr->cs = d->creds;
	cr->dir = creds_dir(d, buf, size);
	return cr;
}

static int add_conn(struct daemon *d, const struct conf *conf, const struct conf_conn *cc)
{
	struct dcfg_creds cr;
	char dir[4096];
	struct dcfg_conn dc;
	char err[DCFG_ERR_LEN + 320], to[INET6_ADDRSTRLEN];
	const char *eerr = NULL;
	int rc;

	rc = dcfg_conn_convert_creds(conf, cc, &dcfg_dns, daemon_creds(d, &cr, dir, sizeof(dir)),
				     &dc, err, sizeof(err));
	if (rc) {
		for (size_t i = 0; i < (dc.n_errors ? dc.n_errors : 1); i++)
			log_msg(LOG_LEVEL_ERROR, "%s", dc.n_errors ? dc.errors[i] : err);
		dcfg_conn_free(&dc);
		loaded_remove(d, cc->name);
		return rc;
	}
	if (dc.warning[0])
		conn_warning(&dc);
	resolve_local(&dc.cfg);
	if (dc.cfg.local.port != NET_PORT_IKE && dc.cfg.local.port != NET_PORT_NATT)
		log_msg(LOG_LEVEL_WARN,
			"connection %s: local_port %u: conduitd listens on %u and %u only",
			cc->name, dc.cfg.local.port, NET_PORT_IKE, NET_PORT_NATT);
	rc = ike_engine_add_conn(d->engine, &dc.cfg, &eerr);
	if (rc) {
		log_msg(LOG_LEVEL_ERROR, "connection %s: %s", cc->name,
			eerr ? eerr : strerror(-rc));
		loaded_remove(d, cc->name);
	} else {
		if (dc.has_names && dc.cfg.remote.family)
			log_msg(LOG_LEVEL_INFO, "loaded connection %s (initiates to %s)", cc->name,
				addr_str(&dc.cfg.remote, to, sizeof(to)));
		else
			log_msg(LOG_LEVEL_INFO, "loaded connection %s", cc->name);
		loaded_set(d, &dc);
	}
	dcfg_conn_free(&dc);
	return rc;
}

/*
 * Before an initiate: a connection with DNS names in local_addrs or
 * remote_addrs looks them up again (strongSwan resolves at each initiate).
 * When its addresses moved, the engine gets the new version (its SAs keep
 * the old one). A name that stopped resolving keeps the addresses it had:
 * a resolver that fails for a while should not strand the connection.
 */
void refresh_names(struct daemon *d, const char *name)
{
	struct loaded *l = loaded_find(d, name);
	const struct conf_conn *cc = d->conf ? conf_find_conn(d->conf, name) : NULL;
	char err[DCFG_ERR_LEN + 320], was[INET6_ADDRSTRLEN], now[INET6_ADDRSTRLEN];
	struct dcfg_creds cr;
	char dir[4096];
	const char *eerr = NULL;
	struct dcfg_conn dc;
	int rc;

	if (!l || !l->dc.has_names || !cc || d->stopping)
		return;
	rc = dcfg_conn_convert_creds(d->conf, cc, &dcfg_dns, daemon_creds(d, &cr, dir, sizeof(dir)),
				     &dc, err, sizeof(err));
	if (rc) {
		log_msg(LOG_LEVEL_ERROR, "%s", err);
		goto out;
	}
	resolve_local(&dc.cfg);
	if (dc.n_unresolved > l->dc.n_unresolved) {
		log_msg(LOG_LEVEL_WARN,
			"connection %s: a DNS name of it no longer resolves; keeping the "
			"addresses it had",
			name);
		goto out;
	}
	if (dcfg_addrs_equal(&l->dc, &dc)) {
		memcpy(l->dc.warning, dc.warning, sizeof(l->dc.warning));
		goto out;
	}
	rc = ike_engine_add_conn(d->engine, &dc.cfg, &eerr);
	if (rc) {
		log_msg(LOG_LEVEL_ERROR, "connection %s: %s", name, eerr ? eerr : strerror(-rc));
		goto out;
	}
	log_msg(
	    LOG_LEVEL_INFO, "connection %s: its DNS names resolve anew: initiates to %s (was %s)",
	    name, dc.cfg.remote.family ? addr_str(&dc.cfg.remote, now, sizeof(now)) : "nowhere",
	    l->dc.cfg.remote.family ? addr_str(&l->dc.cfg.remote, was, sizeof(was)) : "nowhere");
	loaded_set(d, &dc);
out:
	dcfg_conn_free(&dc);
}

/* Right after add_conn(), which has just resolved the DNS names. */
static void start_conn(struct daemon *d, const struct conf_conn *cc)
{
	const struct conf_child *ch;

	/* Every start child; the engine puts them on one IKE SA (the first
	 * in IKE_AUTH, the others with CREATE_CHILD_SA). */
	TAILQ_FOREACH (ch, &cc->children, entry) {
		if (ch->start_action == CONF_ACTION_TRAP ||
		    ch->start_action == CONF_ACTION_TRAP_START)
			trap_child(d, cc->name, ch->name);
		if (ch->start_action != CONF_ACTION_START &&
		    ch->start_action != CONF_ACTION_TRAP_START)
			continue;
		int rc = ike_engine_initiate(d->engine, cc->name, ch->name);

		if (rc == -EDESTADDRREQ)
			log_msg(LOG_LEVEL_ERROR,
				"cannot start %s/%s: remote_addrs has no address to initiate to",
				cc->name, ch->name);
		else if (rc < 0)
			log_msg(LOG_LEVEL_ERROR, "cannot start %s/%s: %s", cc->name, ch->name,
				strerror(-rc));
	}
}

/* Trap policies for a child of a connection (start_action = trap, or a
 * CHILD_DOWN whose action is trap): with the addresses the engine has. */
static void trap_child(struct daemon *d, const char *conn, const char *child)
{
	struct loaded *l = loaded_find(d, conn);
	char err[DCFG_ERR_LEN + 320];
	int rc = -ENOENT;

	if (d->stopping)
		return;
	snprintf(err, sizeof(err), l ? "no child %s" : "the connection is not loaded", child);
	for (size_t i = 0; l && i < l->dc.cfg.n_children; i++) {
		struct dkern_marks marks;

		if (strcmp(l->dc.children[i].name, child))
			continue;
		dkern_draw_marks(d->kern, &l->dc.dchildren[i], &marks);
		rc = dtrap_install(d->trap, &l->dc.cfg, &l->dc.children[i], &marks, err,
				   sizeof(err));
	}
	if (rc)
		log_msg(LOG_LEVEL_ERROR, "%s/%s: cannot install trap policies: %s", conn, child,
			err);
}

/* Returns the reply object ({"ok":...}). */
json_t *do_reload(struct daemon *d)
{
	json_t *errors = json_array(), *added = json_array(), *removed = json_array(),
	       *changed = json_array(), *unchanged = json_array();
	struct conf *nc;
	struct conf_conn *cc, *oc;
	struct ike_creds *ncreds = NULL;
	unsigned int n_err = 0;
	bool *unchanged_at = NULL;
	size_t i = 0;

	log_msg(LOG_LEVEL_INFO, "reloading %s", d->config_path);
	nc = load_conf(d->config_path, errors);
	/* the credentials first: connections name their certificates */
	if (nc)
		ncreds = load_creds(d, nc, errors, &n_err);
	if (nc && ncreds) {
		char dir[4096];
		struct dcfg_creds cr = { ncreds, creds_dir(d, dir, sizeof(dir)) };

		unchanged_at = calloc(nc->n_conns ? nc->n_conns : 1, sizeof(*unchanged_at));
		n_err += unchanged_at ? validate_conf(nc, errors, false, d, unchanged_at, &cr) : 1;
		if (!unchanged_at)
			json_array_append_new(errors, json_string("out of memory"));
	}
	if (!nc || !ncreds || n_err) {
		free(unchanged_at);
		ike_creds_unref(ncreds);
		size_t n = json_array_size(errors);

		log_msg(LOG_LEVEL_ERROR,
			"reload refused: the configuration has %zu error%s; keeping the old one", n,
			n == 1 ? "" : "s");
		conf_free(nc);
		json_decref(added), json_decref(removed), json_decref(changed),
		    json_decref(unchanged);
		return json_pack("{s:b, s:s+, s:o}", "ok", 0, "error", "configuration has errors",
				 "", "errors", errors);
	}
	TAILQ_FOREACH (oc, &d->conf->conns, entry) {
		if (!conf_find_conn(nc, oc->name)) {
			dtrap_remove_conn(d->trap, oc->name);
			ike_engine_remove_conn(d->engine, oc->name);
			loaded_remove(d, oc->name);
			log_msg(LOG_LEVEL_INFO, "removed connection %s", oc->name);
			json_array_append_new(removed, json_string(oc->name));
		}
	}
	/* SAs keep the set they began with; new ones take this one */
	ike_engine_set_creds(d->engine, ncreds);
	ike_creds_unref(d->creds);
	d->creds = ncreds;
	TAILQ_FOREACH (cc, &nc->conns, entry) {
		oc = conf_find_conn(d->conf, cc->name);
		if (unchanged_at[i++]) {
			/* its certificates are the reloaded ones now: the engine
			 * takes the connection anew (replacing it, SAs stay) */
			if (cc->local.auth != CONF_AUTH_PSK || cc->remote.auth != CONF_AUTH_PSK)
				add_conn(d, nc, cc);
			json_array_append_new(unchanged, json_string(cc->name));
			continue;
		}
		if (oc) {
			dtrap_remove_conn(d->trap, cc->name);
			ike_engine_remove_conn(d->engine, cc->name);
			loaded_remove(d, cc->name);
		}
		add_conn(d, nc, cc);
		json_array_append_new(oc ? changed : added, json_string(cc->name));
		start_conn(d, cc);
	}
	free(unchanged_at);
	conf_free(d->conf);
	d->conf = nc;
	pool_groups(d);
	json_decref(errors);
	update_status(d);
	log_msg(LOG_LEVEL_INFO, "reloaded %s: %zu added, %zu removed, %zu changed, %zu unchanged",
		d->config_path, json_array_size(added), json_array_size(removed),
		json_array_size(changed), json_array_size(unchanged));
	return json_pack("{s:b, s:o, s:o, s:o, s:o}", "ok", 1, "added", added, "removed", removed,
			 "changed", changed, "unchanged", unchanged);
}

/* ------------------------------------------------------------------ */
/* Loop                                                                */

static void on_wake(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	(void)fd, (void)what;
	ike_engine_run_timers(d->engine);
}

static void on_input(void *arg, const uint8_t *pkt, size_t len, const struct ike_addr *local,
		     const struct ike_addr *remote)
{
	struct daemon *d = arg;

	ike_engine_input(d->engine, pkt, len, local, remote);
}

static void on_kif_event(const struct kif_event *ev, void *arg)
{
	struct daemon *d = arg;
	char s[64], t[64];

	switch (ev->type) {
	case KIF_EV_EXPIRE: {
		uint32_t reqid = dkern_engine_reqid(d->kern, ev->expire.reqid);

		log_msg(LOG_LEVEL_DEBUG, "kernel: %s expire of SA %08x (reqid %08x)",
			ev->expire.hard ? "hard" : "soft", ev->expire.id.spi, ev->expire.reqid);
		if (reqid)
			ike_engine_child_expired(d->engine, reqid, ev->expire.id.spi,
						 ev->expire.hard);
		break;
	}
	case KIF_EV_ACQUIRE: {
		const char *conn, *child;
		int rc;

		kif_addr_str(&ev->acquire.sel.src, s, sizeof(s));
		kif_addr_str(&ev->acquire.sel.dst, t, sizeof(t));
		if (d->stopping || !dtrap_acquire(d->trap, ev->acquire.tmpl.reqid, &conn, &child)) {
			log_msg(LOG_LEVEL_DEBUG,
				"kernel: acquire for %s -> %s (reqid %08x) ignored", s, t,
				ev->acquire.tmpl.reqid);
			break;
		}
		log_msg(LOG_LEVEL_INFO, "kernel: acquire for %s -> %s: initiating %s/%s", s, t,
			conn, child);
		refresh_names(d, conn);
		rc = ike_engine_initiate(d->engine, conn, child);
		if (rc < 0)
			log_msg(LOG_LEVEL_ERROR, "cannot initiate %s/%s: %s", conn, child,
				strerror(-rc));
		dtrap_initiated(d->trap, ev->acquire.tmpl.reqid, rc);
		break;
	}
	case KIF_EV_RESYNC_BEGIN:
		log_msg(LOG_LEVEL_WARN,
			"kernel: events were lost (socket overflow); resynchronising");
		break;
	case KIF_EV_MAPPING: {
		uint32_t reqid = dkern_engine_reqid(d->kern, ev->mapping.reqid);
		struct ike_addr peer;

		log_msg(LOG_LEVEL_DEBUG, "kernel: ESP of SA %08x from %s port %u (was %s port %u)",
			ev->mapping.id.spi, kif_addr_str(&ev->mapping.new_src, s, sizeof(s)),
			ev->mapping.new_sport, kif_addr_str(&ev->mapping.old_src, t, sizeof(t)),
			ev->mapping.old_sport);
		memset(&peer, 0, sizeof(peer));
		peer.family = ev->mapping.new_src.family;
		memcpy(peer.ip, ev->mapping.new_src.ip, 16);
		peer.port = ev->mapping.new_sport;
		if (reqid)
			ike_engine_nat_mapping(d->engine, reqid, ev->mapping.id.spi, &peer);
		break;
	}
	case KIF_EV_SA:
	case KIF_EV_RESYNC_END:
		break;
	}
}

static void on_kif(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	int rc;

	(void)fd, (void)what;
	rc = kif_event_drain(d->kif, on_kif_event, d);
	if (rc < 0)
		log_msg(LOG_LEVEL_WARN, "kernel events: %s", strerror(-rc));
}

static void on_stop_tick(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	struct sa_count c = count_sas(d, NULL);

	(void)fd, (void)what;
	/* the down scripts of the tunnels that went: waited for as long as
	 * the SAs (updown_finish bounds what is left) */
	if ((!c.ike && !updown_pending(d->updown)) || mono_ms() >= d->stop_deadline) {
		if (c.ike)
			log_msg(LOG_LEVEL_INFO, "%u IKE SA%s still waiting for the peer; leaving",
				c.ike, c.ike == 1 ? "" : "s");
		event_base_loopbreak(d->base);
	}
}

static void on_term(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;
	struct timeval tv = { 0, 50 * 1000 };

	(void)what;
	if (d->stopping)
		return;
	d->stopping = true;
	log_msg(LOG_LEVEL_INFO, "%s: deleting every SA and stopping", strsignal((int)sig));
	notify("STOPPING=1");
	d->stop_deadline = mono_ms() + SHUTDOWN_GRACE_MS;
	dtrap_remove_conn(d->trap, NULL);
	ike_engine_terminate_all(d->engine);
	d->stop_ev = event_new(d->base, -1, EV_PERSIST, on_stop_tick, d);
	if (!d->stop_ev || event_add(d->stop_ev, &tv))
		event_base_loopbreak(d->base);
}

static void on_hup(evutil_socket_t sig, short what, void *arg)
{
	(void)sig, (void)what;
	json_decref(do_reload(arg));
}

static void on_watchdog(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what, (void)arg;
	notify("WATCHDOG=1");
}

static void setup_watchdog(struct daemon *d)
{
	const char *s = getenv("WATCHDOG_USEC");
	unsigned long long usec;
	struct timeval tv;
	char *end;

	if (!s)
		return;
	usec = strtoull(s, &end, 10);
	if (*end || !usec)
		return;
	usec /= 2;
	tv.tv_sec = (time_t)(usec / 1000000);
	tv.tv_usec = (suseconds_t)(usec % 1000000);
	d->watchdog_ev = event_new(d->base, -1, EV_PERSIST, on_watchdog, d);
	if (d->watchdog_ev)
		event_add(d->watchdog_ev, &tv);
}

/* ------------------------------------------------------------------ */
/* main                                                                */

static int daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0)
		return -errno;
	if (pid > 0)
		_exit(0);
	if (setsid() < 0)
		return -errno;
	if (chdir("/"))
		return -errno;
	/* No terminal from here on: log to syslog, and let nothing write to
	 * the descriptors the parent's caller still holds. */
	log_to_syslog("conduitd");
	fd = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct dopts o;
	struct daemon dd, *d = &dd;
	struct instance_lock lock = { .fd = -1, .path = NULL };
	char lock_path[256];
	pid_t holder;
	struct ike_env env;
	struct conf_conn *cc;
	unsigned int n_sa = 0, n_pol = 0;
	char err[512];
	int rc, status = 1;

	/* No fastbins: a configuration is parsed into hundreds of thousands
	 * of small allocations, and freeing them next to larger ones made
	 * glibc consolidate its fastbins over and over (a quarter of a
	 * reload of 10k connections); small blocks still come from tcache. */
	mallopt(M_MXFAST, 0);
	rc = dopts_parse(argc, argv, &o);
	if (rc != DOPTS_RUN)
		return rc;
	memset(d, 0, sizeof(*d));
	TAILQ_INIT(&d->pending);
	d->config_path = o.config_path;
	d->swanctl_dir = o.swanctl_dir;
	d->updown_timeout = o.updown_timeout;
	d->install_routes = o.install_routes;
	d->routing_table = o.routing_table;
	d->routing_prio = o.routing_prio;
	if (instance_lock_path(o.control, lock_path, sizeof(lock_path))) {
		fprintf(stderr, "conduitd: --control \"%s\": path too long\n", o.control);
		return 2;
	}
	log_init(STDERR_FILENO, o.level);
	plain_diags = o.check;

	d->conf = load_conf(d->config_path, NULL);
	{
		unsigned int n_err = d->conf ? 0 : 1;
		char dir[4096];
		struct dcfg_creds cr;

		/* the credentials first: connections name their certificates */
		if (d->conf)
			d->creds = load_creds(d, d->conf, NULL, &n_err);
		if (d->creds) /* else load_creds counted the failure */
			n_err += validate_conf(d->conf, NULL, o.check, NULL, NULL,
					       daemon_creds(d, &cr, dir, sizeof(dir)));
		rc = (int)n_err;
	}
	if (rc) {
		if (o.check)
			fprintf(stderr, "%s: configuration refused\n", d->config_path);
		else
			log_msg(LOG_LEVEL_ERROR, "%s: configuration refused", d->config_path);
		conf_free(d->conf);
		ike_creds_unref(d->creds);
		return 1;
	}
	if (o.check) {
		size_t n_certs = ike_creds_n_certs(d->creds);

		printf("%s: configuration OK (%zu connection%s, %zu secret%s, %zu certificate%s)\n",
		       d->config_path, d->conf->n_conns, d->conf->n_conns == 1 ? "" : "s",
		       d->conf->n_secrets, d->conf->n_secrets == 1 ? "" : "s", n_certs,
		       n_certs == 1 ? "" : "s");
		conf_free(d->conf);
		ike_creds_unref(d->creds);
		return 0;
	}

	/* Nothing that touches the kernel or a socket before we know we are
	 * the only conduitd: the lock first (in the control socket's
	 * directory, made fit for it), then the control socket, then the
	 * kernel's leftovers, then the IKE ports. */
	if (ctl_prepare_dir(o.control, o.group, err, sizeof(err))) {
		log_msg(LOG_LEVEL_ERROR, "%s", err);
		conf_free(d->conf);
		return 1;
	}
	rc = instance_lock_take(&lock, lock_path, &holder, err, sizeof(err));
	if (rc) {
		log_msg(LOG_LEVEL_ERROR, "%s", err);
		conf_free(d->conf);
		return 1;
	}
	d->base = event_base_new();
	if (!d->base) {
		log_msg(LOG_LEVEL_ERROR, "out of memory");
		goto out;
	}
	d->mon = mon_hub_new(d->base);
	if (!d->mon) {
		log_msg(LOG_LEVEL_ERROR, "out of memory");
		goto out;
	}
	mon_hub_set_limits(d->mon, 0, o.monitor_queue, 0, 0);
	d->ctl =
	    ctl_server_new(d->base, o.control, o.group, ctl_cmds_handlers(), d, err, sizeof(err));
	if (!d->ctl) {
		log_msg(LOG_LEVEL_ERROR, "%s", err);
		goto out;
	}
	rc = kif_open_backend(o.backend, &d->kif);
	if (!rc && strcmp(kif_backend(d->kif), "netlink"))
		log_msg(LOG_LEVEL_WARN,
			"--kernel %s: no SAs or policies are installed in the kernel: benchmark "
			"mode, no tunnel carries traffic",
			kif_backend(d->kif));
	if (rc) {
		log_msg(LOG_LEVEL_ERROR, "cannot open the kernel's XFRM interface: %s",
			d->kif ? kif_error(d->kif) : strerror(-rc));
		goto out;
	}
	rc = kif_flush(d->kif, &n_sa, &n_pol);
	if (rc)
		log_msg(LOG_LEVEL_WARN, "flushing conduit's old kernel state: %s",
			kif_error(d->kif));
	else if (n_sa || n_pol)
		log_msg(LOG_LEVEL_INFO,
			"removed %u SA%s and %u polic%s left by an earlier conduitd", n_sa,
			n_sa == 1 ? "" : "s", n_pol, n_pol == 1 ? "y" : "ies");
	/* routes: conduit's leftovers go whatever --install-routes says;
	 * with --kernel none, no kernel state at all */
	rc = strcmp(o.backend, "netlink") ? -ENOTSUP : kif_rt_open(&d->rt);
	if (rc == -ENOTSUP) {
		d->rt = NULL;
	} else if (rc) {
		log_msg(LOG_LEVEL_WARN, "cannot open rtnetlink (%s): no routes into tunnels",
			strerror(-rc));
	} else {
		unsigned int n_rt = 0, n_rule = 0;

		if (kif_rt_flush(d->rt, &n_rt, &n_rule))
			log_msg(LOG_LEVEL_WARN, "%s", kif_rt_error(d->rt));
		else if (n_rt || n_rule)
			log_msg(LOG_LEVEL_INFO,
				"removed %u route%s and %u rule%s left by an earlier conduitd",
				n_rt, n_rt == 1 ? "" : "s", n_rule, n_rule == 1 ? "" : "s");
	}
	d->routes = droute_new(d->install_routes ? d->rt : NULL, d->routing_table, d->routing_prio);
	d->kern = dkern_new(d->kif);
	d->trap = dtrap_new(d->kif);
	d->updown = updown_new(d->base, d->updown_timeout);
	d->utrack = utrack_new(d->updown);
	if (!d->kern || !d->trap || !d->updown || !d->utrack) {
		log_msg(LOG_LEVEL_ERROR, "out of memory");
		goto out;
	}
	d->net = net_new(d->base, NET_PORT_IKE, NET_PORT_NATT, on_input, d, err, sizeof(err));
	if (!d->net) {
		log_msg(LOG_LEVEL_ERROR, "%s", err);
		goto out;
	}
	if (!o.foreground) {
		rc = daemonize();
		if (rc) {
			log_msg(LOG_LEVEL_ERROR, "cannot daemonize: %s", strerror(-rc));
			goto out;
		}
		event_reinit(d->base);
		/* The lock (an open file description) passed to the child;
		 * the file names the process that holds it. */
		rc = instance_lock_write_pid(&lock);
		if (rc)
			log_msg(LOG_LEVEL_WARN, "cannot write our pid into %s: %s", lock.path,
				strerror(-rc));
	}
	d->started = time(NULL);

	memset(&env, 0, sizeof(env));
	env.ctx = d;
	env.send = env_send;
	env.alloc_spi = env_alloc_spi;
	env.child_install = env_child_install;
	env.child_delete = env_child_delete;
	env.now_ms = env_now_ms;
	env.wall_time = env_wall_time;
	env.random = env_random;
	env.wake_at = env_wake_at;
	env.event = env_event;
	env.log = log_ike;
	env.log_enabled = log_ike_enabled;
	d->wake_ev = evtimer_new(d->base, on_wake, d);
	d->kif_ev = event_new(d->base, kif_event_fd(d->kif), EV_READ | EV_PERSIST, on_kif, d);
	d->sig_hup = evsignal_new(d->base, SIGHUP, on_hup, d);
	d->sig_term = evsignal_new(d->base, SIGTERM, on_term, d);
	d->sig_int = evsignal_new(d->base, SIGINT, on_term, d);
	env.child_last_out = env_child_last_out;
	env.child_last_in = env_child_last_in;
	env.psk_lookup = env_psk_lookup;
	/* threads only after daemonize(): a fork keeps none */
	if (o.n_workers) {
		d->workers = dworkers_new((unsigned int)o.n_workers, 0, err, sizeof(err));
		if (!d->workers) {
			log_msg(LOG_LEVEL_ERROR, "%s", err);
			goto out;
		}
		env.dh_take = env_dh_take;
	}
	d->engine = ike_engine_new(&env, &o.eopts);
	if (!d->wake_ev || !d->kif_ev || !d->sig_hup || !d->sig_term || !d->sig_int || !d->engine ||
	    event_add(d->kif_ev, NULL) || event_add(d->sig_hup, NULL) ||
	    event_add(d->sig_term, NULL) || event_add(d->sig_int, NULL)) {
		log_msg(LOG_LEVEL_ERROR, "cannot set up the event loop");
		goto out;
	}
	ike_engine_set_creds(d->engine, d->creds);
	TAILQ_FOREACH (cc, &d->conf->conns, entry)
		add_conn(d, d->conf, cc);
	pool_groups(d);
	TAILQ_FOREACH (cc, &d->conf->conns, entry)
		start_conn(d, cc);
	setup_watchdog(d);
	log_msg(LOG_LEVEL_INFO, "conduitd %s started: %zu connection%s, control socket %s",
		PACKAGE_VERSION, d->conf->n_conns, d->conf->n_conns == 1 ? "" : "s", o.control);
	notify("READY=1");
	update_status(d);

	event_base_dispatch(d->base);
	status = 0;
out:
	/* Answer waiting initiates before the server goes. */
	ctl_server_free(d->ctl);
	ctl_cmds_cleanup();
	if (d->engine)
		ike_engine_free(d->engine);
	ike_creds_unref(d->creds);
	d->engine = NULL;
	/* after the engine, which takes from it; the stock is wiped */
	dworkers_free(d->workers);
	d->workers = NULL;
	/* Tunnels the engine left without deleting them go down too; their
	 * scripts run with nothing else in the loop (the engine is gone). */
	if (d->utrack && d->updown) {
		struct event *evs[] = { d->wake_ev, d->kif_ev,	    d->sig_hup, d->sig_term,
					d->sig_int, d->watchdog_ev, d->stop_ev };

		utrack_all_down(d->utrack);
		for (size_t i = 0; i < sizeof(evs) / sizeof(evs[0]); i++)
			if (evs[i])
				event_del(evs[i]);
		net_free(d->net);
		d->net = NULL;
		updown_finish(d->updown);
	}
	utrack_free(d->utrack);
	updown_free(d->updown);
	droute_free(d->routes);
	kif_rt_close(d->rt);
	dtrap_free(d->trap);
	loaded_free_all(d);
	if (d->kif) {
		n_sa = n_pol = 0;
		if (kif_flush(d->kif, &n_sa, &n_pol))
			log_msg(LOG_LEVEL_WARN, "flushing kernel state: %s", kif_error(d->kif));
		else if (status == 0)
			log_msg(LOG_LEVEL_INFO, "removed %u SA%s and %u polic%s from the kernel",
				n_sa, n_sa == 1 ? "" : "s", n_pol, n_pol == 1 ? "y" : "ies");
	}
	net_free(d->net);
	dkern_free(d->kern);
	if (d->wake_ev)
		event_free(d->wake_ev);
	if (d->kif_ev)
		event_free(d->kif_ev);
	if (d->sig_hup)
		event_free(d->sig_hup);
	if (d->sig_term)
		event_free(d->sig_term);
	if (d->sig_int)
		event_free(d->sig_int);
	if (d->watchdog_ev)
		event_free(d->watchdog_ev);
	if (d->stop_ev)
		event_free(d->stop_ev);
	mon_hub_free(d->mon); /* after the engine: monitors see the SAs go */
	if (d->base)
		event_base_free(d->base);
	kif_close(d->kif);
	conf_free(d->conf);
	/* Last: the next conduitd may start once our kernel state is gone. */
	instance_lock_release(&lock);
	if (status == 0)
		log_msg(LOG_LEVEL_INFO, "conduitd stopped");
	return status;
}
