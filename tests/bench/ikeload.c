// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A load generator: N IKEv2 initiators with identities of their own, from
 * one UDP socket, set up an IKE SA and a CHILD_SA each with a responder
 * (conduitd, or strongSwan's charon), with at most K exchanges in flight
 * (a closed loop, as strongSwan's load-tester does). Built on ike/ with a
 * UDP driver of its own; nothing is installed in the kernel here.
 *
 *   ikeload --remote ADDR [--remote-port P] [--local ADDR] [--local-port P]
 *           [-n N] [-k K] [--first I] [--ike PROPOSALS] [--esp PROPOSALS]
 *           [--psk SECRET] [--id-prefix P] [--id-suffix S] [--remote-id ID]
 *           [--timeout S] [--premade]
 *
 * Initiator i (from --first) is "peer-<i>.example" (prefix, i, suffix) with
 * local_ts 100.64.0.0 + i and remote_ts 10.0.0.0/16. It prints one line of
 * figures: "ikeload: up U failed F in T s: R SA/s; setup ms p50 p90 p99
 * max", and exits 0 when every one came up. A figure, never a test.
 *
 * --premade makes every initiator's key exchange key pair before the clock
 * starts and hands them to the engine through its dh_take (as conduitd's
 * worker pool does): the initiator's own CPU per SA drops by a key
 * generation, so on a machine it shares with the responder the rate
 * shows more of the responder's capacity.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "ike/dh.h"
#include "ike/ike.h"
#include "ike/ike_const.h"
#include "ike/proposal.h"

struct load {
	struct ike_engine *e;
	int fd;
	struct ike_addr local, remote;
	uint32_t next_spi;
	uint64_t wake; /* UINT64_MAX: none */
	unsigned int n, k, first;
	unsigned int started, up, failed;
	uint64_t *t_start; /* ms, by index */
	double *lat;	   /* ms, of those up */
	uint8_t *done;
	int verbose;
	struct ike_dh **premade; /* --premade: handed out from the end */
	unsigned int n_premade;
	uint16_t premade_group;
};

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void to_sockaddr(const struct ike_addr *a, struct sockaddr_storage *ss, socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(a->port);
		memcpy(&s6->sin6_addr, a->ip, 16);
		*len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(a->port);
		memcpy(&s4->sin_addr, a->ip, 4);
		*len = sizeof(*s4);
	}
}

static void l_send(void *ctx, const uint8_t *pkt, size_t len, const struct ike_addr *local,
		   const struct ike_addr *remote)
{
	struct load *l = ctx;
	struct sockaddr_storage ss;
	socklen_t sl;

	if (local->port != l->local.port)
		return; /* NAT-T would move to 4500: there is no NAT on this path */
	to_sockaddr(remote, &ss, &sl);
	if (sendto(l->fd, pkt, len, 0, (struct sockaddr *)&ss, sl) < 0 && l->verbose)
		perror("ikeload: sendto");
}

static int l_alloc_spi(void *ctx, const struct ike_addr *src, const struct ike_addr *dst,
		       uint32_t *spi)
{
	struct load *l = ctx;

	(void)src;
	(void)dst;
	*spi = l->next_spi++;
	return 0;
}

static int l_install(void *ctx, const struct ike_child_install *c)
{
	(void)ctx;
	(void)c;
	return 0;
}

static void l_delete(void *ctx, uint32_t id, uint32_t reqid, const struct ike_child_install *c)
{
	(void)ctx;
	(void)id;
	(void)reqid;
	(void)c;
}

static uint64_t l_now(void *ctx)
{
	(void)ctx;
	return mono_ms();
}

static void l_random(void *ctx, uint8_t *buf, size_t len)
{
	(void)ctx;
	if (RAND_bytes(buf, (int)len) != 1)
		abort();
}

static void l_wake(void *ctx, uint64_t at)
{
	((struct load *)ctx)->wake = at;
}

static void l_log(void *ctx, enum ike_log_level level, const char *fmt, va_list ap)
{
	struct load *l = ctx;

	if (level <= IKE_LOG_ERROR || (l->verbose && level <= IKE_LOG_INFO)) {
		fputs("ikeload: ", stderr);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	}
}

static void l_event(void *ctx, const struct ike_event *ev)
{
	struct load *l = ctx;
	unsigned int i;

	if (!ev->conn_name || sscanf(ev->conn_name, "c%u", &i) != 1 || i < l->first ||
	    i - l->first >= l->n)
		return;
	i -= l->first;
	if (l->done[i])
		return;
	if (ev->type == IKE_EV_CHILD_UP) {
		l->done[i] = 1;
		l->lat[l->up++] = (double)(mono_ms() - l->t_start[i]);
	} else if (ev->type == IKE_EV_FAILED || ev->type == IKE_EV_IKE_DOWN) {
		l->done[i] = 2;
		l->failed++;
		if (l->verbose)
			fprintf(stderr, "ikeload: c%u failed: %s\n", i + l->first,
				ev->reason ? ev->reason : "?");
	}
}

static int parse_addr(struct ike_addr *a, const char *text, uint16_t port)
{
	memset(a, 0, sizeof(*a));
	if (inet_pton(AF_INET, text, a->ip) == 1)
		a->family = AF_INET;
	else if (inet_pton(AF_INET6, text, a->ip) == 1)
		a->family = AF_INET6;
	else
		return -1;
	a->port = port;
	return 0;
}

static void set_id(struct ike_id *id, const char *fqdn)
{
	size_t n = strlen(fqdn);

	id->type = IKE_ID_FQDN;
	id->len = (uint8_t)(n < sizeof(id->data) ? n : sizeof(id->data));
	memcpy(id->data, fqdn, id->len);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double pct(const double *v, unsigned int n, double p)
{
	size_t i;

	if (!n)
		return 0;
	i = (size_t)(p * (n - 1) + 0.5);
	return v[i];
}

static int l_dh_take(void *ctx, uint16_t group, struct ike_dh **dh)
{
	struct load *l = ctx;

	if (group != l->premade_group || !l->n_premade)
		return -EAGAIN;
	*dh = l->premade[--l->n_premade];
	l->premade[l->n_premade] = NULL;
	return 0;
}

/* --premade: n key pairs of the first group of the IKE proposals. */
static int premake(struct load *l, const char *ike, unsigned int n)
{
	struct ike_proposal p[IKE_MAX_PROPOSALS];
	size_t n_p = 0;
	uint8_t rnd[1024];
	size_t len;

	if (ike_proposals_parse(ike, IKE_PROTO_IKE, p, IKE_MAX_PROPOSALS, &n_p, NULL, 0))
		return -EINVAL;
	for (size_t t = 0; n_p && t < p[0].n_transforms; t++)
		if (p[0].transforms[t].type == IKE_TRANS_DH) {
			l->premade_group = p[0].transforms[t].id;
			break;
		}
	len = ike_dh_random_len(l->premade_group);
	l->premade = calloc(n, sizeof(*l->premade));
	if (!len || len > sizeof(rnd) || !l->premade)
		return -EINVAL;
	for (; l->n_premade < n; l->n_premade++)
		if (RAND_priv_bytes(rnd, (int)len) != 1 ||
		    ike_dh_new(&l->premade[l->n_premade], l->premade_group, rnd, len))
			return -EIO;
	OPENSSL_cleanse(rnd, sizeof(rnd));
	return 0;
}

static void usage(FILE *f)
{
	fputs("Usage: ikeload --remote ADDR [--remote-port P] [--local ADDR] [--local-port P]\n"
	      "               [-n N] [-k K] [--first I] [--ike PROPOSALS] [--esp PROPOSALS]\n"
	      "               [--psk SECRET] [--id-prefix P] [--id-suffix S] [--remote-id ID]\n"
	      "               [--timeout S] [--premade] [-v]\n"
	      "N initiators (default 1000), at most K exchanges in flight (default 50),\n"
	      "each with its own identity (P<i>S, default peer-<i>.example), set up an IKE SA\n"
	      "and a CHILD_SA with the responder; prints the rate and setup latencies.\n"
	      "--premade: key pairs made before the clock starts (less initiator CPU).\n",
	      f);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "remote", required_argument, NULL, 'r' },
		{ "remote-port", required_argument, NULL, 'R' },
		{ "local", required_argument, NULL, 'l' },
		{ "local-port", required_argument, NULL, 'L' },
		{ "first", required_argument, NULL, 'f' },
		{ "ike", required_argument, NULL, 'i' },
		{ "esp", required_argument, NULL, 'e' },
		{ "psk", required_argument, NULL, 'p' },
		{ "id-prefix", required_argument, NULL, 'I' },
		{ "id-suffix", required_argument, NULL, 'S' },
		{ "remote-id", required_argument, NULL, 'D' },
		{ "timeout", required_argument, NULL, 't' },
		{ "premade", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *remote = NULL, *local = "0.0.0.0", *ike = "aes128gcm16-prfsha256-x25519",
		   *esp = "aes128gcm16", *psk = "a load generator's secret, long enough",
		   *idpre = "peer-", *idsuf = ".example", *rid = "gw.example";
	unsigned long rport = 500, lport = 5000, timeout = 300;
	struct load l = { .n = 1000, .k = 50, .next_spi = 0xc0000000u, .wake = UINT64_MAX };
	struct sockaddr_storage ss;
	socklen_t sl;
	double t0, t1;
	int c, premade = 0;

	while ((c = getopt_long(argc, argv, "n:k:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'r': remote = optarg; break;
		case 'R': rport = strtoul(optarg, NULL, 10); break;
		case 'l': local = optarg; break;
		case 'L': lport = strtoul(optarg, NULL, 10); break;
		case 'n': l.n = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'k': l.k = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'f': l.first = (unsigned int)strtoul(optarg, NULL, 10); break;
		case 'i': ike = optarg; break;
		case 'e': esp = optarg; break;
		case 'p': psk = optarg; break;
		case 'I': idpre = optarg; break;
		case 'S': idsuf = optarg; break;
		case 'D': rid = optarg; break;
		case 't': timeout = strtoul(optarg, NULL, 10); break;
		case 'v': l.verbose = 1; break;
		case 'P': premade = 1; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!remote || !l.n || !l.k || rport > 65535 || lport > 65535 ||
	    parse_addr(&l.remote, remote, (uint16_t)rport) ||
	    parse_addr(&l.local, local, (uint16_t)lport)) {
		usage(stderr);
		return 2;
	}
	if (l.local.family != l.remote.family)
		parse_addr(&l.local, l.remote.family == AF_INET6 ? "::" : "0.0.0.0",
			   (uint16_t)lport);
	l.fd = socket(l.local.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	to_sockaddr(&l.local, &ss, &sl);
	if (l.fd < 0 || bind(l.fd, (struct sockaddr *)&ss, sl)) {
		perror("ikeload: socket");
		return 1;
	}
	/* the source address the kernel picks, for the engine's NAT hashes */
	to_sockaddr(&l.remote, &ss, &sl);
	if (connect(l.fd, (struct sockaddr *)&ss, sl)) {
		perror("ikeload: connect");
		return 1;
	}
	sl = sizeof(ss);
	getsockname(l.fd, (struct sockaddr *)&ss, &sl);
	if (ss.ss_family == AF_INET)
		memcpy(l.local.ip, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	else
		memcpy(l.local.ip, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	{
		int buf = 4 << 20;

		setsockopt(l.fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	}
	l.t_start = calloc(l.n, sizeof(*l.t_start));
	l.lat = calloc(l.n, sizeof(*l.lat));
	l.done = calloc(l.n, 1);
	if (!l.t_start || !l.lat || !l.done)
		return 1;
	{
		struct ike_env env = {
			.ctx = &l,
			.send = l_send,
			.alloc_spi = l_alloc_spi,
			.child_install = l_install,
			.child_delete = l_delete,
			.now_ms = l_now,
			.random = l_random,
			.wake_at = l_wake,
			.event = l_event,
			.log = l_log,
			.dh_take = premade ? l_dh_take : NULL,
		};

		l.e = ike_engine_new(&env, NULL);
	}
	if (premade && premake(&l, ike, l.n)) {
		fprintf(stderr, "ikeload: --premade: cannot make key pairs for '%s'\n", ike);
		return 1;
	}
	if (!l.e)
		return 1;
	for (unsigned int i = 0; i < l.n; i++) {
		struct ike_child_cfg ch = { .name = "net", .esp_proposals = esp,
					    .remote_ts = "10.0.0.0/16", .rekey_time = 0,
					    .life_time = 0 };
		struct ike_conn_cfg cfg = { .proposals = ike, .psk = (const uint8_t *)psk,
					    .psk_len = strlen(psk), .unique = IKE_UNIQUE_NEVER,
					    .n_children = 1, .children = &ch };
		unsigned int x = 0x64400000u + l.first + i; /* 100.64.0.0 + i */
		char ts[32], id[256];
		const char *err = NULL;

		snprintf(ts, sizeof(ts), "%u.%u.%u.%u/32", x >> 24, (x >> 16) & 255,
			 (x >> 8) & 255, x & 255);
		ch.local_ts = ts;
		snprintf(cfg.name, sizeof(cfg.name), "c%u", l.first + i);
		snprintf(id, sizeof(id), "%s%u%s", idpre, l.first + i, idsuf);
		set_id(&cfg.local_id, id);
		set_id(&cfg.remote_id, rid);
		cfg.local = l.local;
		cfg.remote = l.remote;
		if (ike_engine_add_conn(l.e, &cfg, &err)) {
			fprintf(stderr, "ikeload: connection %s: %s\n", cfg.name, err ? err : "?");
			return 1;
		}
	}
	t0 = mono_s();
	while (l.up + l.failed < l.n) {
		uint8_t buf[65536];
		struct pollfd pfd = { .fd = l.fd, .events = POLLIN };
		uint64_t now = mono_ms();
		int wait;

		while (l.started < l.n && l.started - l.up - l.failed < l.k) {
			char name[32];

			snprintf(name, sizeof(name), "c%u", l.first + l.started);
			l.t_start[l.started] = mono_ms();
			l.started++;
			if (ike_engine_initiate(l.e, name, NULL) <= 0) {
				l.done[l.started - 1] = 2;
				l.failed++;
			}
		}
		if (mono_s() - t0 > (double)timeout) {
			fprintf(stderr, "ikeload: gave up after %lu s\n", timeout);
			break;
		}
		wait = l.wake == UINT64_MAX ? 1000
		       : l.wake <= now	    ? 0
					    : (int)(l.wake - now < 1000 ? l.wake - now : 1000);
		if (poll(&pfd, 1, wait) > 0) {
			for (int burst = 0; burst < 64; burst++) {
				ssize_t n = recv(l.fd, buf, sizeof(buf), MSG_DONTWAIT);

				if (n <= 0)
					break;
				ike_engine_input(l.e, buf, (size_t)n, &l.local, &l.remote);
			}
		}
		if (l.wake != UINT64_MAX && mono_ms() >= l.wake) {
			l.wake = UINT64_MAX;
			ike_engine_run_timers(l.e);
		}
	}
	t1 = mono_s();
	qsort(l.lat, l.up, sizeof(*l.lat), cmp_double);
	printf("ikeload: up %u failed %u in %.2f s: %.0f SA/s; setup ms p50 %.1f p90 %.1f p99 "
	       "%.1f max %.1f\n",
	       l.up, l.failed, t1 - t0, (double)l.up / (t1 - t0), pct(l.lat, l.up, 0.5),
	       pct(l.lat, l.up, 0.9), pct(l.lat, l.up, 0.99), pct(l.lat, l.up, 1.0));
	fflush(stdout);
	/* The SAs stay up at the responder: no DELETE is sent. */
	ike_engine_free(l.e);
	while (l.n_premade)
		ike_dh_free(l.premade[--l.n_premade]);
	free(l.premade);
	free(l.t_start);
	free(l.lat);
	free(l.done);
	close(l.fd);
	return l.up == l.n ? 0 : 1;
}
