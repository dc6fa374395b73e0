// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * daemon/updown_env: the environment against strongSwan 5.9.8's
 * updown_listener.c invoke_once() (names, order, formats); daemon/updown:
 * real scripts under a real event loop (output logged, order within a
 * tunnel, the limit on scripts at once, the timeout, shutdown).
 */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "daemon/log.h"
#include "daemon/updown.h"
#include "daemon/updown_env.h"
#include "daemon/updown_track.h"
#include "tests/unit/unit.h"

/* ---- the environment ---- */

static void addr(struct ike_addr *a, const char *ip, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	a->family = strchr(ip, ':') ? AF_INET6 : AF_INET;
	a->port = port;
	ck_assert_int_eq(inet_pton(a->family, ip, a->ip), 1);
}

static void ts(struct ike_ts *t, const char *from, const char *to, uint8_t proto, uint16_t sp,
	       uint16_t ep)
{
	int family = strchr(from, ':') ? AF_INET6 : AF_INET;

	memset(t, 0, sizeof(*t));
	t->type = family == AF_INET6 ? IKE_TS_IPV6_ADDR_RANGE : IKE_TS_IPV4_ADDR_RANGE;
	t->ip_proto = proto;
	t->start_port = sp;
	t->end_port = ep;
	ck_assert_int_eq(inet_pton(family, from, t->start_addr), 1);
	ck_assert_int_eq(inet_pton(family, to, t->end_addr), 1);
}

static void id_fqdn(struct ike_id *id, const char *s)
{
	memset(id, 0, sizeof(*id));
	id->type = IKE_ID_FQDN;
	id->len = (uint8_t)strlen(s);
	memcpy(id->data, s, id->len);
}

static void id_ip(struct ike_id *id, const char *s)
{
	memset(id, 0, sizeof(*id));
	id->type = strchr(s, ':') ? IKE_ID_IPV6_ADDR : IKE_ID_IPV4_ADDR;
	id->len = id->type == IKE_ID_IPV6_ADDR ? 16 : 4;
	ck_assert_int_eq(inet_pton(id->type == IKE_ID_IPV6_ADDR ? AF_INET6 : AF_INET, s, id->data),
			 1);
}

static struct ike_id my_id, peer_id;
static struct ike_ts my_ts, peer_ts;

/* moon (192.0.2.1, 10.1.0.0/24) and sun (192.0.2.2, 10.2.0.0/24). */
static struct updown_params params(void)
{
	struct updown_params p;

	memset(&p, 0, sizeof(p));
	p.up = true;
	p.path = "/usr/sbin:/usr/bin:/sbin:/bin";
	p.connection = "net";
	p.interface = "eth0";
	p.reqid = 0xc0d00001;
	p.unique_id = 3;
	addr(&p.me, "192.0.2.1", 4500);
	addr(&p.peer, "192.0.2.2", 4500);
	id_fqdn(&my_id, "moon.strongswan.org");
	id_ip(&peer_id, "192.0.2.2");
	p.my_id = &my_id;
	p.peer_id = &peer_id;
	ts(&my_ts, "10.1.0.0", "10.1.0.255", 0, 0, 65535);
	ts(&peer_ts, "10.2.0.0", "10.2.0.255", 0, 0, 65535);
	p.my_ts = &my_ts;
	p.peer_ts = &peer_ts;
	return p;
}

static void ck_env(const struct updown_params *p, const char *const *want)
{
	struct updown_env env;
	size_t n = 0;

	ck_assert_int_eq(updown_env_build(p, &env), 0);
	for (; want[n]; n++) {
		ck_assert_msg(n < env.n, "missing %s", want[n]);
		ck_assert_str_eq(env.vars[n], want[n]);
	}
	ck_assert_msg(env.n == n, "extra %s", env.n > n ? env.vars[n] : "");
	ck_assert_ptr_null(env.vars[n]);
	updown_env_free(&env);
}

/* invoke_once()'s variables in its order; marks, interface IDs, UDP_ENC
 * and HOST_ACCESS only when they apply. */
START_TEST(env_strongswan_table)
{
	struct updown_params p = params();
	static const char *const plain[] = {
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
		"PLUTO_VERSION=1.1",
		"PLUTO_VERB=up-client",
		"PLUTO_CONNECTION=net",
		"PLUTO_INTERFACE=eth0",
		"PLUTO_REQID=3234856961",
		"PLUTO_PROTO=esp",
		"PLUTO_UNIQUEID=3",
		"PLUTO_ME=192.0.2.1",
		"PLUTO_MY_ID=moon.strongswan.org",
		"PLUTO_MY_CLIENT=10.1.0.0/24",
		"PLUTO_MY_PORT=0",
		"PLUTO_MY_PROTOCOL=0",
		"PLUTO_PEER=192.0.2.2",
		"PLUTO_PEER_ID=192.0.2.2",
		"PLUTO_PEER_CLIENT=10.2.0.0/24",
		"PLUTO_PEER_PORT=0",
		"PLUTO_PEER_PROTOCOL=0",
		NULL,
	};
	static const char *const all[] = {
		"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
		"PLUTO_VERSION=1.1",
		"PLUTO_VERB=down-client",
		"PLUTO_CONNECTION=net",
		"PLUTO_INTERFACE=unknown",
		"PLUTO_REQID=3234856961",
		"PLUTO_PROTO=esp",
		"PLUTO_UNIQUEID=3",
		"PLUTO_ME=192.0.2.1",
		"PLUTO_MY_ID=moon.strongswan.org",
		"PLUTO_MY_CLIENT=10.1.0.0/24",
		"PLUTO_MY_PORT=0",
		"PLUTO_MY_PROTOCOL=0",
		"PLUTO_PEER=192.0.2.2",
		"PLUTO_PEER_ID=192.0.2.2",
		"PLUTO_PEER_CLIENT=10.2.0.0/24",
		"PLUTO_PEER_PORT=0",
		"PLUTO_PEER_PROTOCOL=0",
		"PLUTO_MARK_IN=42/0xffffffff",
		"PLUTO_MARK_OUT=43/0x000000ff",
		"PLUTO_IF_ID_IN=7",
		"PLUTO_IF_ID_OUT=8",
		"PLUTO_UDP_ENC=4500",
		"PLUTO_HOST_ACCESS=1",
		NULL,
	};

	ck_env(&p, plain);
	p.up = false;
	p.interface = NULL;
	p.mark_in = 42;
	p.mark_in_mask = 0xffffffff;
	p.mark_out = 43;
	p.mark_out_mask = 0xff;
	p.if_id_in = 7;
	p.if_id_out = 8;
	p.udp_enc = true;
	p.host_access = true;
	ck_env(&p, all);
	/* a mark of value 0 is no mark to strongSwan, whatever its mask */
	p.mark_in = 0;
	{
		struct updown_env env;

		ck_assert_int_eq(updown_env_build(&p, &env), 0);
		for (size_t i = 0; i < env.n; i++)
			ck_assert_msg(strncmp(env.vars[i], "PLUTO_MARK_IN=", 14), "%s",
				      env.vars[i]);
		updown_env_free(&env);
	}
}
END_TEST

static const char *var(const struct updown_env *env, const char *name)
{
	size_t len = strlen(name);

	for (size_t i = 0; i < env->n; i++)
		if (!strncmp(env->vars[i], name, len) && env->vars[i][len] == '=')
			return env->vars[i] + len + 1;
	return NULL;
}

/* The verb: -host when the local selector is our own address alone,
 * -v6 by the selector's family (by ours for a host). */
START_TEST(env_verbs_ports_subnets)
{
	struct updown_params p = params();
	struct updown_env env;

	ts(&my_ts, "192.0.2.1", "192.0.2.1", 6, 80, 80);
	ts(&peer_ts, "192.0.2.2", "192.0.2.2", 6, 1024, 2047);
	ck_assert_int_eq(updown_env_build(&p, &env), 0);
	ck_assert_str_eq(var(&env, "PLUTO_VERB"), "up-host");
	ck_assert_str_eq(var(&env, "PLUTO_MY_CLIENT"), "192.0.2.1/32");
	ck_assert_str_eq(var(&env, "PLUTO_MY_PORT"), "80");
	ck_assert_str_eq(var(&env, "PLUTO_MY_PROTOCOL"), "6");
	ck_assert_str_eq(var(&env, "PLUTO_PEER_PORT"), "1024:2047");
	ck_assert_str_eq(var(&env, "PLUTO_PEER_PROTOCOL"), "6");
	updown_env_free(&env);

	/* a host selector that is not ours is a client */
	ts(&my_ts, "10.1.0.9", "10.1.0.9", 0, 0, 65535);
	ck_assert_int_eq(updown_env_build(&p, &env), 0);
	ck_assert_str_eq(var(&env, "PLUTO_VERB"), "up-client");
	updown_env_free(&env);

	/* ICMP: the type on our side, the code on the peer's (type 8 code 0
	 * is port 0x0800) */
	ts(&my_ts, "10.1.0.0", "10.1.0.255", 1, 0x0800, 0x0800);
	ts(&peer_ts, "10.2.0.0", "10.2.0.255", 1, 0x0800, 0x0800);
	ck_assert_int_eq(updown_env_build(&p, &env), 0);
	ck_assert_str_eq(var(&env, "PLUTO_MY_PORT"), "8");
	ck_assert_str_eq(var(&env, "PLUTO_PEER_PORT"), "0");
	updown_env_free(&env);

	/* a range that is no subnet: the next larger one */
	ts(&my_ts, "10.1.0.5", "10.1.0.20", 0, 0, 65535);
	ts(&peer_ts, "0.0.0.0", "255.255.255.255", 0, 0, 65535);
	ck_assert_int_eq(updown_env_build(&p, &env), 0);
	ck_assert_str_eq(var(&env, "PLUTO_MY_CLIENT"), "10.1.0.0/27");
	ck_assert_str_eq(var(&env, "PLUTO_PEER_CLIENT"), "0.0.0.0/0");
	updown_env_free(&env);

	/* IPv6 inside IPv4 */
	ts(&my_ts, "fd00:1::", "fd00:1::ffff:ffff:ffff:ffff", 0, 0, 65535);
	ts(&peer_ts, "::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 0, 0, 65535);
	ck_assert_int_eq(updown_env_build(&p, &env), 0);
	ck_assert_str_eq(var(&env, "PLUTO_VERB"), "up-client-v6");
	ck_assert_str_eq(var(&env, "PLUTO_MY_CLIENT"), "fd00:1::/64");
	ck_assert_str_eq(var(&env, "PLUTO_PEER_CLIENT"), "::/0");
	updown_env_free(&env);

	/* an IPv6 host */
	addr(&p.me, "2001:db8::1", 500);
	p.up = false;
	ts(&my_ts, "2001:db8::1", "2001:db8::1", 0, 0, 65535);
	ck_assert_int_eq(updown_env_build(&p, &env), 0);
	ck_assert_str_eq(var(&env, "PLUTO_VERB"), "down-host-v6");
	ck_assert_str_eq(var(&env, "PLUTO_ME"), "2001:db8::1");
	updown_env_free(&env);
}
END_TEST

/* strongSwan's %Y */
START_TEST(env_identities)
{
	struct ike_id id;
	char buf[600];

	id_fqdn(&id, "moon.strongswan.org");
	updown_id_str(&id, buf, sizeof(buf));
	ck_assert_str_eq(buf, "moon.strongswan.org");
	id.type = IKE_ID_RFC822_ADDR;
	memcpy(id.data, "a\tb@c", 5);
	id.len = 5;
	updown_id_str(&id, buf, sizeof(buf));
	ck_assert_str_eq(buf, "a?b@c");
	id_ip(&id, "2001:db8::1");
	updown_id_str(&id, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2001:db8::1");
	memset(&id, 0, sizeof(id));
	id.type = IKE_ID_KEY_ID;
	memcpy(id.data, "keyid", 5);
	id.len = 5;
	updown_id_str(&id, buf, sizeof(buf));
	ck_assert_str_eq(buf, "keyid");
	id.data[0] = 0x01;
	id.data[1] = 0xab;
	id.len = 2;
	updown_id_str(&id, buf, sizeof(buf));
	ck_assert_str_eq(buf, "01:ab");
}
END_TEST

/* ---- the runner ---- */

static struct event_base *base;
static struct updown *u;
static char dir[64], logpath[96];
static FILE *logfp;

static void setup(void)
{
	strcpy(dir, "/tmp/updown-test-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(logpath, sizeof(logpath), "%s/log", dir);
	logfp = fopen(logpath, "w+");
	ck_assert_ptr_nonnull(logfp);
	log_init(fileno(logfp), LOG_LEVEL_DEBUG);
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	u = updown_new(base, 1);
	ck_assert_ptr_nonnull(u);
}

static void teardown(void)
{
	char cmd[128];

	updown_free(u);
	event_base_free(base);
	log_init(STDERR_FILENO, LOG_LEVEL_INFO);
	fclose(logfp);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static unsigned int ticks;

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	(void)fd, (void)what, (void)arg;
	ticks++;
}

/* Run the loop until no script is left (or max_ms); the time it took. */
static uint64_t run_until_idle(uint64_t max_ms)
{
	uint64_t start = now_ms();
	struct event *tick = event_new(base, -1, EV_PERSIST, on_tick, NULL);
	struct timeval tv = { 0, 50 * 1000 };

	ck_assert_ptr_nonnull(tick);
	event_add(tick, &tv);
	while (updown_pending(u) && now_ms() - start < max_ms)
		event_base_loop(base, EVLOOP_ONCE);
	event_free(tick);
	ck_assert_uint_eq(updown_pending(u), 0);
	return now_ms() - start;
}

static char *slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return strcpy(buf, "");
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void run(uint32_t key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void run(uint32_t key, const char *fmt, ...)
{
	char cmd[512];
	static char verb[] = "PLUTO_VERB=up-client", path[] = "PATH=/usr/bin:/bin";
	char *env[] = { verb, path, NULL };
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	ck_assert_int_eq(updown_run(u, key, cmd, env, "gw[1]/net{2}: "), 0);
}

/* The script's output, stdout and stderr, is logged line by line with the
 * prefix; it sees only the environment it is given; a failure's status
 * is logged. */
START_TEST(runner_output_env_status)
{
	run(1, "echo \"verb $PLUTO_VERB\"; echo oops >&2; echo \"home=${HOME:-unset}\"; "
	       "printf 'no newline'");
	run(2, "exit 3");
	run_until_idle(5000);
	fflush(logfp);
	ck_assert_ptr_nonnull(strstr(slurp(logpath), "gw[1]/net{2}: updown: verb up-client\n"));
	ck_assert_ptr_nonnull(strstr(slurp(logpath), "gw[1]/net{2}: updown: oops\n"));
	ck_assert_ptr_nonnull(strstr(slurp(logpath), "gw[1]/net{2}: updown: home=unset\n"));
	ck_assert_ptr_nonnull(strstr(slurp(logpath), "gw[1]/net{2}: updown: no newline\n"));
	ck_assert_ptr_nonnull(strstr(slurp(logpath), "updown: exit status 3: exit 3"));
}
END_TEST

/* One tunnel's scripts in the order asked for; another tunnel's do not
 * wait for them. */
START_TEST(runner_order)
{
	char out[96];

	snprintf(out, sizeof(out), "%s/out", dir);
	run(1, "sleep 0.4; echo a >> %s", out);
	run(1, "echo b >> %s", out);
	run(2, "echo c >> %s", out);
	run_until_idle(5000);
	ck_assert_str_eq(slurp(out), "c\na\nb\n");
}
END_TEST

/* At most UPDOWN_MAX_RUNNING at once; the rest wait their turn. */
START_TEST(runner_limit)
{
	char out[96];
	int cur = 0, max = 0;

	snprintf(out, sizeof(out), "%s/out", dir);
	for (uint32_t k = 0; k < UPDOWN_MAX_RUNNING + 8; k++)
		run(k, "echo s >> %s; sleep 0.3; echo e >> %s", out, out);
	ck_assert_uint_eq(updown_pending(u), UPDOWN_MAX_RUNNING + 8);
	run_until_idle(10000);
	for (const char *p = slurp(out); *p; p += 2) {
		cur += *p == 's' ? 1 : -1;
		max = cur > max ? cur : max;
	}
	ck_assert_int_eq(cur, 0);
	ck_assert_int_eq(max, UPDOWN_MAX_RUNNING);
}
END_TEST

/* A script that hangs is killed with what it started at the timeout, and
 * the loop runs on meanwhile; the tunnel's next script then runs. */
START_TEST(runner_timeout)
{
	char out[96];
	uint64_t took;

	snprintf(out, sizeof(out), "%s/out", dir);
	ticks = 0;
	run(1, "sleep 59.123 & sleep 59.123");
	run(1, "echo next >> %s", out);
	took = run_until_idle(10000);
	ck_assert_uint_ge(took, 900);
	ck_assert_uint_lt(took, 3000);
	ck_assert_uint_ge(ticks, 10); /* the loop was not blocked */
	ck_assert_str_eq(slurp(out), "next\n");
	fflush(logfp);
	ck_assert_ptr_nonnull(
	    strstr(slurp(logpath), "updown: killed after 1 s: sleep 59.123 & sleep 59.123"));
	/* nothing of it is left */
	ck_assert_int_ne(system("pgrep -f '^sleep 59.123$' >/dev/null"), 0);
}
END_TEST

/* Shutdown runs what is queued, but kills what hangs at the timeout. */
START_TEST(runner_finish)
{
	char out[96];
	uint64_t start;

	snprintf(out, sizeof(out), "%s/out", dir);
	run(1, "sleep 0.2; echo down >> %s", out);
	run(2, "sleep 59.456");
	start = now_ms();
	updown_finish(u);
	ck_assert_uint_lt(now_ms() - start, 3000);
	ck_assert_uint_eq(updown_pending(u), 0);
	ck_assert_str_eq(slurp(out), "down\n");
}
END_TEST

/* A child as the engine installs it: 10.1.0.0/24 and fd00:1::/64 against
 * 10.2.0.0/24 and fd00:2::/64 (two pairs of one family each). */
static void child_ci(struct ike_child_install *ci, uint32_t id, uint32_t ike_sa)
{
	memset(ci, 0, sizeof(*ci));
	ci->child_id = id;
	ci->reqid = 1;
	ci->conn_name = "gw";
	ci->child_name = "net";
	ci->ike_sa_id = ike_sa;
	ci->mode = IKE_MODE_TUNNEL;
	addr(&ci->out.src, "192.0.2.1", 500);
	addr(&ci->out.dst, "192.0.2.2", 500);
	id_fqdn(&ci->local_id, "moon");
	id_fqdn(&ci->remote_id, "sun");
	ci->n_local_ts = ci->n_remote_ts = 2;
	ts(&ci->local_ts[0], "10.1.0.0", "10.1.0.255", 0, 0, 65535);
	ts(&ci->local_ts[1], "fd00:1::", "fd00:1::ffff:ffff:ffff:ffff", 0, 0, 65535);
	ts(&ci->remote_ts[0], "10.2.0.0", "10.2.0.255", 0, 0, 65535);
	ts(&ci->remote_ts[1], "fd00:2::", "fd00:2::ffff:ffff:ffff:ffff", 0, 0, 65535);
}

/* up at the first CHILD_UP of a tunnel, once per selector pair of one
 * family; nothing for a rekey's successor or its predecessor's end;
 * down when it goes for good, with the newest child's IKE SA; a child
 * without updown runs nothing. */
START_TEST(track_up_rekey_down)
{
	struct utrack *t = utrack_new(u);
	struct dcfg_child gw = { 0 }, none = { 0 };
	struct dkern_marks m = { .mark_in = 5, .mark_in_mask = 0xffffffff };
	struct ike_child_install ci;
	char out[96], cmd[200];

	ck_assert_ptr_nonnull(t);
	snprintf(out, sizeof(out), "%s/out", dir);
	snprintf(cmd, sizeof(cmd),
		 "echo \"$PLUTO_VERB $PLUTO_UNIQUEID $PLUTO_MY_CLIENT $PLUTO_MARK_IN "
		 "$PLUTO_INTERFACE\" >> %s",
		 out);
	gw.updown = cmd;
	child_ci(&ci, 1, 1);
	ck_assert_int_eq(utrack_installed(t, &ci, &gw, 0xc0d00001, &m, "eth0"), 0);
	utrack_child_up(t, 1);
	run_until_idle(5000);
	ck_assert_str_eq(slurp(out), "up-client 1 10.1.0.0/24 5/0xffffffff eth0\n"
				     "up-client-v6 1 fd00:1::/64 5/0xffffffff eth0\n");
	/* a rekey (and a reauthentication: another IKE SA) */
	child_ci(&ci, 2, 7);
	ck_assert_int_eq(utrack_installed(t, &ci, &gw, 0xc0d00001, &m, NULL), 0);
	utrack_child_up(t, 2);
	utrack_child_down(t, 1, true);
	run_until_idle(5000);
	ck_assert_str_eq(slurp(out), "up-client 1 10.1.0.0/24 5/0xffffffff eth0\n"
				     "up-client-v6 1 fd00:1::/64 5/0xffffffff eth0\n");
	/* another child without a script */
	child_ci(&ci, 3, 7);
	ck_assert_int_eq(utrack_installed(t, &ci, &none, 0xc0d00002, &m, NULL), 0);
	utrack_child_up(t, 3);
	utrack_child_down(t, 3, false);
	/* for good */
	utrack_child_down(t, 2, false);
	run_until_idle(5000);
	ck_assert_str_eq(slurp(out), "up-client 1 10.1.0.0/24 5/0xffffffff eth0\n"
				     "up-client-v6 1 fd00:1::/64 5/0xffffffff eth0\n"
				     "down-client 7 10.1.0.0/24 5/0xffffffff eth0\n"
				     "down-client-v6 7 fd00:1::/64 5/0xffffffff eth0\n");
	/* conduitd stopping takes down what is up, once */
	child_ci(&ci, 4, 8);
	ck_assert_int_eq(utrack_installed(t, &ci, &gw, 0xc0d00003, &m, "eth1"), 0);
	utrack_child_up(t, 4);
	utrack_all_down(t);
	utrack_all_down(t);
	run_until_idle(5000);
	ck_assert_str_eq(slurp(out), "up-client 1 10.1.0.0/24 5/0xffffffff eth0\n"
				     "up-client-v6 1 fd00:1::/64 5/0xffffffff eth0\n"
				     "down-client 7 10.1.0.0/24 5/0xffffffff eth0\n"
				     "down-client-v6 7 fd00:1::/64 5/0xffffffff eth0\n"
				     "up-client 8 10.1.0.0/24 5/0xffffffff eth1\n"
				     "up-client-v6 8 fd00:1::/64 5/0xffffffff eth1\n"
				     "down-client 8 10.1.0.0/24 5/0xffffffff eth1\n"
				     "down-client-v6 8 fd00:1::/64 5/0xffffffff eth1\n");
	utrack_free(t);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("daemon_updown");
	TCase *tc = tcase_create("env");
	TCase *tr = tcase_create("runner");

	tcase_add_test(tc, env_strongswan_table);
	tcase_add_test(tc, env_verbs_ports_subnets);
	tcase_add_test(tc, env_identities);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tr, setup, teardown);
	tcase_set_timeout(tr, 30);
	tcase_add_test(tr, runner_output_env_status);
	tcase_add_test(tr, runner_order);
	tcase_add_test(tr, runner_limit);
	tcase_add_test(tr, runner_timeout);
	tcase_add_test(tr, runner_finish);
	tcase_add_test(tr, track_up_rekey_down);
	suite_add_tcase(s, tr);
	return s;
}

UNIT_MAIN(make_suite)
