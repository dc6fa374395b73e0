/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * xfrmtool: a command-line front end to kernel-iface (for UML scenarios and
 * debugging). Every kernel change goes through the kif_ API.
 *
 *   xfrmtool sa-add|sa-update src IP dst IP spi N mode tunnel|transport
 *            reqid N enc KEYWORD enckey HEX [integ KEYWORD integkey HEX]
 *            [esn] [replay N]
 *            [soft-bytes N] [hard-bytes N] [soft-packets N] [hard-packets N]
 *            [soft-secs N] [hard-secs N] [mark V[/M]] [if-id N]
 *            [encap SPORT DPORT]
 *   xfrmtool sa-get src IP dst IP spi N [mark V[/M]]
 *   xfrmtool sa-del src IP dst IP spi N [mark V[/M]]
 *   xfrmtool spi-alloc src IP dst IP reqid N [mode M] [min N] [max N]
 *   xfrmtool pol-add|pol-update|pol-get|pol-del dir in|out|fwd src PFX
 *            dst PFX [proto N] [sport N] [dport N] [mark V[/M]] [if-id N]
 *            [tmpl src IP dst IP mode M reqid N]...
 *   xfrmtool prio src PFX dst PFX [proto N] [sport N] [dport N]
 *   xfrmtool flush
 *   xfrmtool monitor [count N] [timeout SECS]
 *   xfrmtool encap-listen PORT
 *   xfrmtool batch   (the commands above but monitor/encap-listen/prio,
 *                     one per line on stdin)
 *   xfrmtool algs    (the algorithms kernel-iface installs, one a line:
 *                     encr|integ KEYWORD aead|- KERNEL-NAME KEY-BITS ICV-BITS)
 *
 * Algorithms are named by strongSwan keywords (aes128gcm16, aes256ctr,
 * sha256, aesxcbc...), looked up in the algorithm table (ike/alg.h); the
 * key lengths are the table's, salt or nonce included.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kernel-iface/xfrm.h"

__attribute__((format(printf, 1, 2), noreturn)) static void
die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "xfrmtool: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static uint64_t num(const char *s)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end || !*s)
		die("not a number: %s", s);
	return v;
}

static void addr(struct kif_addr *a, const char *s)
{
	if (kif_addr_parse(a, s))
		die("not an address: %s", s);
}

static void prefix(struct kif_addr *a, uint8_t *plen, const char *s)
{
	char buf[64];
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	if (n >= sizeof(buf))
		die("bad prefix: %s", s);
	memcpy(buf, s, n);
	buf[n] = '\0';
	addr(a, buf);
	*plen = slash ? (uint8_t)num(slash + 1) : (a->family == AF_INET ? 32 : 128);
}

static size_t hex(uint8_t *out, size_t max, const char *s)
{
	size_t n = 0;

	if (!strncmp(s, "0x", 2))
		s += 2;
	if (strlen(s) % 2 || strlen(s) / 2 > max)
		die("bad hex key: %s", s);
	for (; *s; s += 2) {
		unsigned int b;
		if (sscanf(s, "%2x", &b) != 1)
			die("bad hex key: %s", s);
		out[n++] = (uint8_t)b;
	}
	return n;
}

static void mark(uint32_t *v, uint32_t *m, const char *s)
{
	char *slash;
	*v = (uint32_t)strtoul(s, &slash, 0);
	*m = *slash == '/' ? (uint32_t)strtoul(slash + 1, NULL, 0) : 0xffffffffu;
}

static enum kif_mode mode(const char *s)
{
	if (!strcmp(s, "tunnel"))
		return KIF_MODE_TUNNEL;
	if (!strcmp(s, "transport"))
		return KIF_MODE_TRANSPORT;
	die("unknown mode: %s", s);
	return KIF_MODE_TUNNEL;
}

/* An algorithm by its strongSwan keyword; kernel-iface decides whether it
 * installs it (so a test can ask for one it refuses). */
static enum ike_alg keyword(const char *s, uint8_t type)
{
	const struct ike_alg_info *a = ike_alg_by_keyword(s, strlen(s));

	if (!a || a->type != type)
		die("unknown %s algorithm: %s", type == IKE_TRANS_ENCR ? "enc" : "integ", s);
	return a->alg;
}

/* The entries kernel-iface installs, for scenarios to loop over. */
static int list_algs(void)
{
	for (int i = IKE_ALG_NONE + 1; i < IKE_ALG_COUNT; i++) {
		const struct ike_alg_info *a = ike_alg_get(i);

		if (!(a->flags & IKE_ALG_ESP) || !a->kernel ||
		    (a->type != IKE_TRANS_ENCR && a->type != IKE_TRANS_INTEG))
			continue;
		printf("%s %s %s %s %u %u\n", a->type == IKE_TRANS_ENCR ? "encr" : "integ",
		       ike_alg_keyword(a), a->flags & IKE_ALG_AEAD ? "aead" : "-", a->kernel,
		       a->kernel_key_bits, a->icv_bits);
	}
	return 0;
}

#define NEED(n)                                          \
	do {                                             \
		if (i + (n) >= argc)                     \
			die("%s needs a value", argv[i]); \
	} while (0)

static uint8_t enckey[64], integkey[64];

static void parse_sa(struct kif_sa *sa, int argc, char **argv)
{
	memset(sa, 0, sizeof(*sa));
	sa->id.proto = IPPROTO_ESP;
	sa->mode = KIF_MODE_TUNNEL;
	for (int i = 0; i < argc; i++) {
		const char *k = argv[i];
		if (!strcmp(k, "esn")) {
			sa->esn = true;
			continue;
		}
		if (!strcmp(k, "encap")) {
			NEED(2);
			sa->encap = true;
			sa->encap_sport = (uint16_t)num(argv[++i]);
			sa->encap_dport = (uint16_t)num(argv[++i]);
			continue;
		}
		NEED(1);
		const char *v = argv[++i];
		if (!strcmp(k, "src"))
			addr(&sa->id.src, v);
		else if (!strcmp(k, "dst"))
			addr(&sa->id.dst, v);
		else if (!strcmp(k, "spi"))
			sa->id.spi = (uint32_t)num(v);
		else if (!strcmp(k, "mode"))
			sa->mode = mode(v);
		else if (!strcmp(k, "reqid"))
			sa->reqid = (uint32_t)num(v);
		else if (!strcmp(k, "enc"))
			sa->encr = keyword(v, IKE_TRANS_ENCR);
		else if (!strcmp(k, "integ"))
			sa->integ = keyword(v, IKE_TRANS_INTEG);
		else if (!strcmp(k, "enckey")) {
			sa->encr_key_len = hex(enckey, sizeof(enckey), v);
			sa->encr_key = enckey;
		} else if (!strcmp(k, "integkey")) {
			sa->integ_key_len = hex(integkey, sizeof(integkey), v);
			sa->integ_key = integkey;
		} else if (!strcmp(k, "replay"))
			sa->replay_window = (uint32_t)num(v);
		else if (!strcmp(k, "soft-bytes"))
			sa->life.soft_bytes = num(v);
		else if (!strcmp(k, "hard-bytes"))
			sa->life.hard_bytes = num(v);
		else if (!strcmp(k, "soft-packets"))
			sa->life.soft_packets = num(v);
		else if (!strcmp(k, "hard-packets"))
			sa->life.hard_packets = num(v);
		else if (!strcmp(k, "soft-secs"))
			sa->life.soft_secs = num(v);
		else if (!strcmp(k, "hard-secs"))
			sa->life.hard_secs = num(v);
		else if (!strcmp(k, "mark"))
			mark(&sa->id.mark_value, &sa->id.mark_mask, v);
		else if (!strcmp(k, "if-id"))
			sa->if_id = (uint32_t)num(v);
		else if (strcmp(k, "min") && strcmp(k, "max"))
			die("unknown SA keyword: %s", k);
	}
}

static void parse_policy(struct kif_policy *p, int argc, char **argv)
{
	struct kif_tmpl *t = NULL;

	memset(p, 0, sizeof(*p));
	for (int i = 0; i < argc; i++) {
		const char *k = argv[i];
		if (!strcmp(k, "tmpl")) {
			if (p->n_tmpl == KIF_MAX_TMPL)
				die("too many templates%s", "");
			t = &p->tmpl[p->n_tmpl++];
			t->proto = IPPROTO_ESP;
			t->mode = KIF_MODE_TUNNEL;
			continue;
		}
		NEED(1);
		const char *v = argv[++i];
		if (t && !strcmp(k, "src"))
			addr(&t->src, v);
		else if (t && !strcmp(k, "dst"))
			addr(&t->dst, v);
		else if (t && !strcmp(k, "mode"))
			t->mode = mode(v);
		else if (t && !strcmp(k, "reqid"))
			t->reqid = (uint32_t)num(v);
		else if (!strcmp(k, "src"))
			prefix(&p->sel.src, &p->sel.src_plen, v);
		else if (!strcmp(k, "dst"))
			prefix(&p->sel.dst, &p->sel.dst_plen, v);
		else if (!strcmp(k, "proto"))
			p->sel.proto = (uint8_t)num(v);
		else if (!strcmp(k, "sport")) {
			p->sel.sport = (uint16_t)num(v);
			p->sel.sport_mask = 0xffff;
		} else if (!strcmp(k, "dport")) {
			p->sel.dport = (uint16_t)num(v);
			p->sel.dport_mask = 0xffff;
		} else if (!strcmp(k, "dir")) {
			if (!strcmp(v, "in"))
				p->dir = KIF_DIR_IN;
			else if (!strcmp(v, "out"))
				p->dir = KIF_DIR_OUT;
			else if (!strcmp(v, "fwd"))
				p->dir = KIF_DIR_FWD;
			else
				die("unknown dir: %s", v);
		} else if (!strcmp(k, "mark"))
			mark(&p->mark_value, &p->mark_mask, v);
		else if (!strcmp(k, "if-id"))
			p->if_id = (uint32_t)num(v);
		else
			die("unknown policy keyword: %s", k);
	}
}

static const char *dirs[] = { "in", "out", "fwd" };
static const char *modes[] = { "transport", "tunnel" };

static void print_sel(const struct kif_selector *s)
{
	char a[64], b[64];
	printf("sel %s/%u->%s/%u proto %u", kif_addr_str(&s->src, a, sizeof(a)),
	       s->src_plen, kif_addr_str(&s->dst, b, sizeof(b)), s->dst_plen,
	       s->proto);
	if (s->sport_mask || s->dport_mask)
		printf(" sport %u/0x%x dport %u/0x%x", s->sport, s->sport_mask,
		       s->dport, s->dport_mask);
}

static void print_tmpl(const struct kif_tmpl *t)
{
	char a[64], b[64];
	printf("tmpl %s->%s proto %u mode %s reqid 0x%08x",
	       kif_addr_str(&t->src, a, sizeof(a)),
	       kif_addr_str(&t->dst, b, sizeof(b)), t->proto,
	       modes[t->mode & 1], t->reqid);
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_event(const struct kif_event *ev, void *arg)
{
	char a[64], b[64];
	int *count = arg;

	/* Seconds since boot, as /proc/uptime: scenarios compare the two. */
	printf("%.2f ", now());
	switch (ev->type) {
	case KIF_EV_ACQUIRE:
		printf("acquire%s dir %s index %u ",
		       ev->acquire.resync ? " resync" : "",
		       dirs[ev->acquire.policy_dir % 3], ev->acquire.policy_index);
		print_sel(&ev->acquire.sel);
		printf(" ");
		print_tmpl(&ev->acquire.tmpl);
		break;
	case KIF_EV_EXPIRE:
		printf("expire %s spi 0x%08x %s->%s reqid 0x%08x",
		       ev->expire.hard ? "hard" : "soft", ev->expire.id.spi,
		       kif_addr_str(&ev->expire.id.src, a, sizeof(a)),
		       kif_addr_str(&ev->expire.id.dst, b, sizeof(b)),
		       ev->expire.reqid);
		break;
	case KIF_EV_SA:
		printf("sa spi 0x%08x %s->%s reqid 0x%08x packets %" PRIu64 "%s",
		       ev->sa.id.spi, kif_addr_str(&ev->sa.id.src, a, sizeof(a)),
		       kif_addr_str(&ev->sa.id.dst, b, sizeof(b)), ev->sa.reqid,
		       ev->sa.packets, ev->sa.soft_expired ? " soft-expired" : "");
		break;
	case KIF_EV_RESYNC_BEGIN:
		printf("resync-begin");
		break;
	case KIF_EV_RESYNC_END:
		printf("resync-end");
		break;
	case KIF_EV_MAPPING:
		printf("mapping spi 0x%08x dst %s reqid 0x%08x %s:%u -> ",
		       ev->mapping.id.spi, kif_addr_str(&ev->mapping.id.dst, a, sizeof(a)),
		       ev->mapping.reqid, kif_addr_str(&ev->mapping.old_src, b, sizeof(b)),
		       ev->mapping.old_sport);
		printf("%s:%u", kif_addr_str(&ev->mapping.new_src, a, sizeof(a)),
		       ev->mapping.new_sport);
		break;
	}
	printf("\n");
	fflush(stdout);
	(*count)++;
}

static int monitor(struct kif *k, int argc, char **argv)
{
	long count = -1;
	double timeout = 30;
	int seen = 0;

	for (int i = 0; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "count"))
			count = (long)num(argv[i + 1]);
		else if (!strcmp(argv[i], "timeout"))
			timeout = (double)num(argv[i + 1]);
		else
			die("unknown monitor keyword: %s", argv[i]);
	}
	printf("ready\n");
	fflush(stdout);
	double end = now() + timeout;
	while (count < 0 || seen < count) {
		double left = end - now();
		if (left <= 0)
			break;
		struct pollfd pfd = { .fd = kif_event_fd(k), .events = POLLIN };
		int r = poll(&pfd, 1, (int)(left * 1000) + 1);
		if (r < 0 && errno != EINTR)
			return 1;
		if (r > 0 && kif_event_drain(k, on_event, &seen) < 0) {
			fprintf(stderr, "xfrmtool: event socket failed\n");
			return 1;
		}
	}
	return 0;
}

static int encap_listen(const char *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), one = 1, r;

	sin.sin_port = htons((uint16_t)num(port));
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin))) {
		perror("xfrmtool: socket");
		return 1;
	}
	if ((r = kif_socket_udp_encap(fd)) || (r = kif_socket_bypass(fd))) {
		fprintf(stderr, "xfrmtool: encap/bypass: %s\n", strerror(-r));
		return 1;
	}
	printf("listening on udp %s with UDP_ENCAP_ESPINUDP\n", port);
	fflush(stdout);
	/* Non-ESP datagrams (IKE) still arrive here; read and discard them. */
	for (;;) {
		char buf[2048];
		if (recv(fd, buf, sizeof(buf), 0) < 0 && errno != EINTR)
			return 1;
	}
}

static int run(struct kif *k, const char *cmd, int argc, char **argv);

/* batch: one command per line on stdin, one netlink handle for all (each
 * process start costs in UML). Stops at the first failure. */
static int batch(struct kif *k)
{
	char line[4096];
	int lineno = 0;

	while (fgets(line, sizeof(line), stdin)) {
		char *words[128], *save = NULL;
		int n = 0;

		lineno++;
		for (char *w = strtok_r(line, " \t\n", &save); w && n < 128;
		     w = strtok_r(NULL, " \t\n", &save))
			words[n++] = w;
		if (n == 0 || words[0][0] == '#')
			continue;
		if (run(k, words[0], n - 1, words + 1) < 0) {
			fprintf(stderr, "xfrmtool: batch line %d failed\n", lineno);
			return -EINVAL;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct kif *k;
	int r = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: see the comment at the top of xfrmtool.c\n");
		return 2;
	}
	const char *cmd = argv[1];
	argc -= 2;
	argv += 2;
	if (!strcmp(cmd, "encap-listen")) {
		if (argc != 1)
			die("usage: encap-listen PORT%s", "");
		return encap_listen(argv[0]);
	}
	if (!strcmp(cmd, "algs"))
		return list_algs();
	if (!strcmp(cmd, "prio")) {
		struct kif_policy p;
		parse_policy(&p, argc, argv);
		printf("%u\n", kif_policy_priority(&p.sel));
		return 0;
	}
	r = kif_open(&k);
	if (r < 0) {
		fprintf(stderr, "xfrmtool: cannot open XFRM netlink: %s\n", strerror(-r));
		return 1;
	}
	r = !strcmp(cmd, "batch") ? batch(k) : run(k, cmd, argc, argv);
	explicit_bzero(enckey, sizeof(enckey));
	explicit_bzero(integkey, sizeof(integkey));
	kif_close(k);
	return r < 0 ? 1 : 0;
}

static int run(struct kif *k, const char *cmd, int argc, char **argv)
{
	int r;

	if (!strcmp(cmd, "sa-add") || !strcmp(cmd, "sa-update")) {
		struct kif_sa sa;
		parse_sa(&sa, argc, argv);
		r = kif_sa_add(k, &sa, !strcmp(cmd, "sa-update"));
	} else if (!strcmp(cmd, "sa-get")) {
		struct kif_sa sa;
		struct kif_sa_stats st;
		parse_sa(&sa, argc, argv);
		r = kif_sa_get(k, &sa.id, &st);
		if (!r)
			printf("reqid 0x%08x bytes %" PRIu64 " packets %" PRIu64
			       " add %" PRIu64 " use %" PRIu64 "\n",
			       st.reqid, st.bytes, st.packets, st.add_time,
			       st.use_time);
	} else if (!strcmp(cmd, "sa-del")) {
		struct kif_sa sa;
		parse_sa(&sa, argc, argv);
		r = kif_sa_delete(k, &sa.id);
	} else if (!strcmp(cmd, "spi-alloc")) {
		struct kif_sa sa;
		uint32_t min = 0x100, max = 0xffffffff, spi;
		for (int i = 0; i + 1 < argc; i += 2) {
			if (!strcmp(argv[i], "min"))
				min = (uint32_t)num(argv[i + 1]);
			if (!strcmp(argv[i], "max"))
				max = (uint32_t)num(argv[i + 1]);
		}
		parse_sa(&sa, argc, argv);
		r = kif_spi_alloc(k, &sa, min, max, &spi);
		if (!r)
			printf("0x%08x\n", spi);
	} else if (!strncmp(cmd, "pol-", 4)) {
		struct kif_policy p, out;
		parse_policy(&p, argc, argv);
		if (!strcmp(cmd, "pol-add") || !strcmp(cmd, "pol-update")) {
			r = kif_policy_add(k, &p, !strcmp(cmd, "pol-update"));
		} else if (!strcmp(cmd, "pol-del")) {
			r = kif_policy_delete(k, &p);
		} else if (!strcmp(cmd, "pol-get")) {
			r = kif_policy_get(k, &p, &out);
			if (!r) {
				printf("dir %s priority %u index %u ", dirs[out.dir % 3],
				       out.priority, out.index);
				print_sel(&out.sel);
				for (unsigned int i = 0; i < out.n_tmpl; i++) {
					printf(" ");
					print_tmpl(&out.tmpl[i]);
				}
				printf("\n");
			}
		} else {
			die("unknown command: %s", cmd);
		}
	} else if (!strcmp(cmd, "flush")) {
		unsigned int ns, np;
		r = kif_flush(k, &ns, &np);
		if (!r)
			printf("flushed %u SAs and %u policies\n", ns, np);
	} else if (!strcmp(cmd, "monitor")) {
		r = monitor(k, argc, argv) ? -EIO : 0;
	} else {
		die("unknown command: %s", cmd);
	}
	if (r < 0 && *kif_error(k))
		fprintf(stderr, "xfrmtool: %s\n", kif_error(k));
	else if (r < 0)
		fprintf(stderr, "xfrmtool: %s: %s\n", cmd, strerror(-r));
	fflush(stdout);
	return r;
}
