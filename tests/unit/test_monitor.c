/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conduitctl monitor, the daemon's side: the hub's bounded queues over real
 * socketpairs (the test reads, or does not, as a subscriber would), the
 * control server handing a connection over, and the engine's events as
 * JSON lines.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "daemon/ctl.h"
#include "daemon/log.h"
#include "daemon/monitor.h"
#include "daemon/monitor_client.h"
#include "daemon/monitor_event.h"
#include "tests/unit/unit.h"

static struct event_base *base;
static struct mon_hub *hub;

static void setup(void)
{
	base = event_base_new();
	ck_assert_ptr_nonnull(base);
	hub = mon_hub_new(base);
	ck_assert_ptr_nonnull(hub);
}

static void teardown(void)
{
	mon_hub_free(hub);
	hub = NULL;
	event_base_free(base);
	base = NULL;
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Run the loop for about ms milliseconds. */
static void run(int ms)
{
	long long end = now_ms() + ms;
	do {
		event_base_loop(base, EVLOOP_NONBLOCK);
		usleep(1000);
	} while (now_ms() < end);
	event_base_loop(base, EVLOOP_NONBLOCK);
}

/* A subscriber: returns the test's end, the hub gets the other. */
static int subscribe(const char *first)
{
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	ck_assert_int_eq(mon_hub_add(hub, sv[1], first, first ? strlen(first) : 0), 0);
	return sv[0];
}

/* What the subscriber can read now, as text (the loop runs meanwhile). */
struct text {
	char *s;
	size_t len;
	bool eof;
};

static void drain(int fd, struct text *t)
{
	for (int idle = 0; idle < 20;) {
		char buf[65536];
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0) {
			t->s = realloc(t->s, t->len + (size_t)n + 1);
			ck_assert_ptr_nonnull(t->s);
			memcpy(t->s + t->len, buf, (size_t)n);
			t->len += (size_t)n;
			t->s[t->len] = '\0';
			idle = 0;
			continue;
		}
		if (n == 0) {
			t->eof = true;
			return;
		}
		ck_assert(errno == EAGAIN || errno == EWOULDBLOCK);
		run(1);
		idle++;
	}
}

static json_t *event(int i, size_t pad)
{
	char *p = malloc(pad + 1);
	ck_assert_ptr_nonnull(p);
	memset(p, 'x', pad);
	p[pad] = '\0';
	json_t *o = json_pack("{s:s,s:i,s:s}", "event", "test", "n", i, "pad", p);
	free(p);
	ck_assert_ptr_nonnull(o);
	return o;
}

static void publish(int i, size_t pad)
{
	json_t *o = event(i, pad);
	mon_hub_publish(hub, o);
	json_decref(o);
}

/* The lines of t as JSON: each "test" event's n in order into ns, the
 * notices' counts summed into *dropped, and the position of the first
 * notice (the index in ns it came before) into *notice_at (-1: none). */
static size_t parse(const struct text *t, int *ns, size_t max, long long *dropped, long *notice_at)
{
	size_t k = 0;
	*dropped = 0;
	*notice_at = -1;
	const char *p = t->s ? t->s : "";
	while (*p) {
		const char *nl = strchr(p, '\n');
		ck_assert_msg(nl != NULL, "a line without its newline: %s", p);
		json_error_t err;
		json_t *o = json_loadb(p, (size_t)(nl - p), 0, &err);
		ck_assert_msg(o != NULL, "not JSON: %.*s", (int)(nl - p), p);
		const char *ev = json_string_value(json_object_get(o, "event"));
		ck_assert_ptr_nonnull(ev);
		if (strcmp(ev, "dropped") == 0) {
			*dropped += json_integer_value(json_object_get(o, "count"));
			ck_assert(json_is_integer(json_object_get(o, "time")));
			if (*notice_at < 0)
				*notice_at = (long)k;
		} else {
			ck_assert_str_eq(ev, "test");
			ck_assert_uint_lt(k, max);
			ns[k++] = (int)json_integer_value(json_object_get(o, "n"));
		}
		json_decref(o);
		p = nl + 1;
	}
	return k;
}

START_TEST(test_order)
{
	int fd = subscribe("{\"ok\":true}\n");
	ck_assert_uint_eq(mon_hub_n_clients(hub), 1);
	for (int i = 0; i < 10; i++)
		publish(i, 10);
	struct text t = { 0 };
	drain(fd, &t);
	ck_assert_ptr_nonnull(t.s);
	ck_assert(strncmp(t.s, "{\"ok\":true}\n", 12) == 0);
	struct text rest = { .s = strdup(t.s + 12), .len = t.len - 12 };
	int ns[16];
	long long dropped;
	long at;
	ck_assert_uint_eq(parse(&rest, ns, 16, &dropped, &at), 10);
	for (int i = 0; i < 10; i++)
		ck_assert_int_eq(ns[i], i);
	ck_assert_int_eq(dropped, 0);
	ck_assert_int_eq(at, -1);
	ck_assert_uint_eq(mon_hub_dropped(hub), 0);
	free(t.s);
	free(rest.s);
	close(fd);
}
END_TEST

/*
 * A subscriber that does not read: its socket fills, then its queue (4
 * events); the rest is dropped and counted. When it reads again it gets
 * every queued event in order, then the count, then new events.
 */
START_TEST(test_bound_and_notice)
{
	mon_hub_set_limits(hub, 0, 4, 0, 0);
	int fd = subscribe(NULL);
	const int total = 400;
	for (int i = 0; i < total; i++)
		publish(i, 1000);
	uint64_t dropped_hub = mon_hub_dropped(hub);
	ck_assert_uint_gt(dropped_hub, 0);
	/* the kernel holds at most about 2 * MON_SNDBUF, the queue 4 events */
	ck_assert_uint_ge(dropped_hub, (uint64_t)total - 2 * MON_SNDBUF / 1000 - 4 - 8);

	struct text t = { 0 };
	drain(fd, &t);
	publish(total, 10); /* after catching up: delivered */
	drain(fd, &t);

	int ns[512];
	long long dropped;
	long at;
	size_t k = parse(&t, ns, 512, &dropped, &at);
	ck_assert_int_eq(dropped, (long long)dropped_hub);
	ck_assert_uint_eq(k + (size_t)dropped, (size_t)total + 1);
	/* the received ones in order, no gap before the drops */
	for (size_t i = 0; i + 1 < k; i++)
		ck_assert_int_eq(ns[i], (int)i);
	/* the notice after the events that were queued, before the new one */
	ck_assert_int_eq(at, (long)k - 1);
	ck_assert_int_eq(ns[k - 1], total);
	ck_assert_uint_eq(mon_hub_n_clients(hub), 1);
	free(t.s);
	close(fd);
}
END_TEST

/* The octet bound applies as well as the count. */
START_TEST(test_byte_bound)
{
	mon_hub_set_limits(hub, 0, 1000, 4096, 0);
	int fd = subscribe(NULL);
	for (int i = 0; i < 300; i++)
		publish(i, 1000);
	uint64_t d = mon_hub_dropped(hub);
	/* <= 4 events queued beyond what the socket took */
	ck_assert_uint_ge(d, 300 - 2 * MON_SNDBUF / 1000 - 4 - 8);
	struct text t = { 0 };
	drain(fd, &t);
	int ns[512];
	long long dropped;
	long at;
	size_t k = parse(&t, ns, 512, &dropped, &at);
	ck_assert_int_eq(dropped, (long long)d);
	ck_assert_uint_eq(k + (size_t)dropped, 300);
	free(t.s);
	close(fd);
}
END_TEST

/* One stalled subscriber costs the others nothing. */
START_TEST(test_several_clients)
{
	mon_hub_set_limits(hub, 0, 8, 0, 0);
	int slow = subscribe(NULL);
	int fast = subscribe(NULL);
	ck_assert_uint_eq(mon_hub_n_clients(hub), 2);
	struct text tf = { 0 };
	for (int i = 0; i < 300; i++) {
		publish(i, 500);
		if (i % 4 == 3)
			drain(fast, &tf);
	}
	drain(fast, &tf);
	int ns[512];
	long long dropped;
	long at;
	ck_assert_uint_eq(parse(&tf, ns, 512, &dropped, &at), 300);
	ck_assert_int_eq(dropped, 0);
	for (int i = 0; i < 300; i++)
		ck_assert_int_eq(ns[i], i);

	struct text ts = { 0 };
	drain(slow, &ts);
	size_t k = parse(&ts, ns, 512, &dropped, &at);
	ck_assert_int_gt(dropped, 0);
	ck_assert_uint_eq(k + (size_t)dropped, 300);
	ck_assert_uint_eq(mon_hub_dropped(hub), (uint64_t)dropped);
	free(tf.s);
	free(ts.s);
	close(slow);
	close(fast);
}
END_TEST

/* A socket that accepts nothing for stall_ms while events wait: closed.
 * The stall timer starts when the socket first refuses, after t0, and
 * fires only in the loop: the subscriber is there when publishing ends,
 * and it goes no earlier than stall_ms after t0 (less a tick of
 * libevent's coarse clock), whatever the load; how much later depends on
 * the load only, so the wait for it is long. */
START_TEST(test_stall_closes)
{
	mon_hub_set_limits(hub, 0, 4, 0, 300);
	long long t0 = now_ms();
	int fd = subscribe(NULL);
	for (int i = 0; i < 200; i++)
		publish(i, 1000);
	ck_assert_uint_eq(mon_hub_n_clients(hub), 1); /* not yet */
	while (mon_hub_n_clients(hub) == 1 && now_ms() - t0 < 10000)
		run(1);
	long long took = now_ms() - t0;
	ck_assert_uint_eq(mon_hub_n_clients(hub), 0);
	ck_assert_msg(took >= 300 - 20, "closed after %lld ms", took);
	struct text t = { 0 };
	drain(fd, &t);
	ck_assert(t.eof);
	free(t.s);
	close(fd);
}
END_TEST

/* A subscriber that reads slowly but steadily is not closed as stalled. */
START_TEST(test_slow_reader_kept)
{
	mon_hub_set_limits(hub, 0, 4, 0, 1000);
	int fd = subscribe(NULL);
	struct text t = { 0 };
	/* events keep coming faster than it reads; it reads every 60 ms,
	 * for longer than the stall timeout in all (which is many reads long,
	 * so that a loaded machine stretching one gap does not close it) */
	long long t0 = now_ms();
	for (int i = 0; now_ms() - t0 < 1500; i++) {
		for (int j = 0; j < 60; j++)
			publish(i * 100 + j, 1000);
		run(60);
		char buf[1 << 16];
		ck_assert_int_gt(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), 0);
	}
	ck_assert_uint_eq(mon_hub_n_clients(hub), 1);
	drain(fd, &t);
	ck_assert(!t.eof);
	free(t.s);
	close(fd);
}
END_TEST

START_TEST(test_max_clients_and_eof)
{
	mon_hub_set_limits(hub, 2, 0, 0, 0);
	ck_assert_uint_eq(mon_hub_max_clients(hub), 2);
	int a = subscribe(NULL);
	int b = subscribe(NULL);
	int sv[2];
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	ck_assert_int_eq(mon_hub_add(hub, sv[1], NULL, 0), -EUSERS);
	close(sv[0]);
	close(sv[1]); /* not taken: still ours */
	/* input from a subscriber is ignored; its EOF closes it */
	ck_assert_int_eq(write(a, "hello\n", 6), 6);
	run(10);
	ck_assert_uint_eq(mon_hub_n_clients(hub), 2);
	close(a);
	run(10);
	ck_assert_uint_eq(mon_hub_n_clients(hub), 1);
	publish(1, 1);
	struct text t = { 0 };
	drain(b, &t);
	ck_assert_ptr_nonnull(t.s);
	free(t.s);
	close(b);
}
END_TEST

/* A subscriber that only shuts down its sending side still gets events;
 * once it has closed, the next event finds out. */
START_TEST(test_half_close)
{
	int fd = subscribe(NULL);
	ck_assert_int_eq(shutdown(fd, SHUT_WR), 0);
	run(10);
	ck_assert_uint_eq(mon_hub_n_clients(hub), 1);
	publish(1, 1);
	struct text t = { 0 };
	drain(fd, &t);
	ck_assert_ptr_nonnull(t.s);
	ck_assert(strstr(t.s, "\"n\":1") != NULL);
	close(fd);
	run(10);
	publish(2, 1);
	run(10);
	ck_assert_uint_eq(mon_hub_n_clients(hub), 0);
	free(t.s);
}
END_TEST

/* ------------------------------------------------------------------ */
/* Over the control socket: the handler hands the connection to the hub. */

static void h_monitor(void *arg, const json_t *req, struct ctl_reply *r)
{
	char *unsent;
	size_t len;
	int fd = ctl_reply_detach(r, &unsent, &len);
	ck_assert_int_ge(fd, 0);
	const char hello[] = "{\"ok\":true}\n";
	char *first = malloc(len + sizeof(hello));
	memcpy(first, unsent ? unsent : "", len);
	memcpy(first + len, hello, sizeof(hello));
	ck_assert_int_eq(mon_hub_add(hub, fd, first, len + sizeof(hello) - 1), 0);
	free(first);
	free(unsent);
}

static void h_status(void *arg, const json_t *req, struct ctl_reply *r)
{
	ctl_reply_send(r, json_pack("{s:b}", "ok", 1));
}

static const struct ctl_command cmds[] = {
	{ "status", h_status, NULL },
	{ "monitor", h_monitor, NULL },
};
static const struct ctl_handlers handlers = { cmds, 2 };

START_TEST(test_over_ctl)
{
	char dir[] = "/tmp/conduit-mon-XXXXXX", path[64], err[256];
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/ctl.sock", dir);
	struct ctl_server *srv =
	    ctl_server_new(base, path, (gid_t)-1, &handlers, NULL, err, sizeof(err));
	ck_assert_msg(srv != NULL, "%s", err);
	ctl_server_set_idle_timeout(srv, 50);

	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	/* a status pipelined before: its reply comes first */
	const char req[] = "{\"cmd\":\"status\"}\n{\"cmd\":\"monitor\"}\n";
	ck_assert_int_eq(write(fd, req, sizeof(req) - 1), (ssize_t)sizeof(req) - 1);
	run(20);
	ck_assert_uint_eq(mon_hub_n_clients(hub), 1);
	ck_assert_uint_eq(ctl_server_n_clients(srv), 0);
	/* well past the control socket's idle timeout: still subscribed */
	run(200);
	ck_assert_uint_eq(mon_hub_n_clients(hub), 1);
	publish(7, 3);
	struct text t = { 0 };
	drain(fd, &t);
	ck_assert_ptr_nonnull(t.s);
	ck_assert_str_eq(t.s, "{\"ok\":true,\"schema\":1}\n{\"ok\":true}\n"
			      "{\"event\":\"test\",\"n\":7,\"pad\":\"xxx\"}\n");
	free(t.s);
	close(fd);
	run(10);
	ck_assert_uint_eq(mon_hub_n_clients(hub), 0);
	ctl_server_free(srv);
	rmdir(dir);
}
END_TEST

/* ------------------------------------------------------------------ */
/* The engine's events as JSON */

static char *ev_text(const struct ike_event *ev)
{
	json_t *o = mon_event_json(ev, 1700000000);
	if (o == NULL)
		return NULL;
	char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(o);
	return s;
}

static void check_ev(const struct ike_event *ev, const char *want)
{
	char *s = ev_text(ev);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, want);
	free(s);
}

START_TEST(test_event_json)
{
	struct ike_event ev = { .type = IKE_EV_IKE_UP, .conn_name = "site-b", .ike_sa_id = 3 };
	check_ev(&ev, "{\"connection\":\"site-b\",\"event\":\"ike-up\",\"ike_sa\":3,"
		      "\"time\":1700000000}");

	ev = (struct ike_event){ .type = IKE_EV_IKE_DOWN,
				 .conn_name = "site-b",
				 .ike_sa_id = 3,
				 .cause = IKE_CAUSE_DEAD,
				 .reason = "DPD: no answer" };
	check_ev(&ev, "{\"cause\":\"dead\",\"connection\":\"site-b\",\"event\":\"ike-down\","
		      "\"ike_sa\":3,\"reason\":\"DPD: no answer\",\"time\":1700000000}");

	ev = (struct ike_event){ .type = IKE_EV_IKE_DOWN,
				 .conn_name = "c",
				 .ike_sa_id = 3,
				 .cause = IKE_CAUSE_REKEYED,
				 .rekeyed = true };
	check_ev(&ev, "{\"connection\":\"c\",\"event\":\"ike-rekeyed\",\"ike_sa\":3,"
		      "\"time\":1700000000}");

	ev = (struct ike_event){ .type = IKE_EV_CHILD_UP,
				 .conn_name = "c",
				 .child_name = "net",
				 .ike_sa_id = 3,
				 .child_id = 4 };
	check_ev(&ev, "{\"child\":\"net\",\"child_sa\":4,\"connection\":\"c\","
		      "\"event\":\"child-up\",\"ike_sa\":3,\"time\":1700000000}");

	ev = (struct ike_event){ .type = IKE_EV_CHILD_DOWN,
				 .conn_name = "c",
				 .child_name = "net",
				 .ike_sa_id = 3,
				 .child_id = 4,
				 .cause = IKE_CAUSE_PEER_DELETE,
				 .action = IKE_ACTION_RESTART };
	check_ev(&ev, "{\"action\":\"restart\",\"cause\":\"peer-delete\",\"child\":\"net\","
		      "\"child_sa\":4,\"connection\":\"c\",\"event\":\"child-down\","
		      "\"ike_sa\":3,\"time\":1700000000}");

	ev = (struct ike_event){ .type = IKE_EV_CHILD_DOWN,
				 .conn_name = "c",
				 .child_name = "net",
				 .ike_sa_id = 3,
				 .child_id = 4,
				 .cause = IKE_CAUSE_REKEYED,
				 .rekeyed = true };
	check_ev(&ev, "{\"child\":\"net\",\"child_sa\":4,\"connection\":\"c\","
		      "\"event\":\"child-rekeyed\",\"ike_sa\":3,\"time\":1700000000}");

	ev = (struct ike_event){ .type = IKE_EV_FAILED,
				 .conn_name = "c",
				 .ike_sa_id = 5,
				 .notify = IKE_N_AUTHENTICATION_FAILED,
				 .reason = "the peer's AUTH does not match" };
	check_ev(&ev, "{\"connection\":\"c\",\"event\":\"auth-failed\",\"ike_sa\":5,"
		      "\"notify\":\"AUTHENTICATION_FAILED\","
		      "\"reason\":\"the peer's AUTH does not match\",\"time\":1700000000}");

	ev = (struct ike_event){ .type = IKE_EV_FAILED,
				 .conn_name = "c",
				 .child_name = "net",
				 .ike_sa_id = 5,
				 .notify = IKE_N_TS_UNACCEPTABLE };
	check_ev(&ev, "{\"child\":\"net\",\"connection\":\"c\",\"event\":\"failed\","
		      "\"ike_sa\":5,\"notify\":\"TS_UNACCEPTABLE\",\"time\":1700000000}");

	/* routine under a flood: not shown */
	ev = (struct ike_event){ .type = IKE_EV_FAILED,
				 .conn_name = "c",
				 .ike_sa_id = 6,
				 .quiet = true,
				 .reason = "half-open timed out" };
	ck_assert_ptr_null(mon_event_json(&ev, 1));

	struct ike_addr from = { .family = AF_INET, .ip = { 192, 0, 2, 2 }, .port = 4500 };
	struct ike_addr to = { .family = AF_INET, .ip = { 198, 51, 100, 7 }, .port = 1024 };
	ev = (struct ike_event){ .type = IKE_EV_NAT_MOVED,
				 .conn_name = "c",
				 .ike_sa_id = 3,
				 .old_remote = &from,
				 .new_remote = &to,
				 .reason = "authenticated IKE message" };
	check_ev(&ev, "{\"connection\":\"c\",\"event\":\"nat-moved\","
		      "\"from\":{\"address\":\"192.0.2.2\",\"port\":4500},\"ike_sa\":3,"
		      "\"reason\":\"authenticated IKE message\",\"time\":1700000000,"
		      "\"to\":{\"address\":\"198.51.100.7\",\"port\":1024}}");

	/* a reason that is not UTF-8 still makes a line */
	ev = (struct ike_event){ .type = IKE_EV_IKE_DOWN,
				 .conn_name = "c",
				 .ike_sa_id = 3,
				 .reason = "bad \xff octet" };
	check_ev(&ev, "{\"cause\":\"local\",\"connection\":\"c\",\"event\":\"ike-down\","
		      "\"ike_sa\":3,\"reason\":\"bad ? octet\",\"time\":1700000000}");
}
END_TEST

/* conduitctl monitor's text lines */
static void check_text(const char *json, const char *want)
{
	json_t *o = json_loads(json, 0, NULL);
	ck_assert_ptr_nonnull(o);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	mon_render_text(f, o);
	fclose(f);
	ck_assert_str_eq(buf, want);
	free(buf);
	json_decref(o);
}

START_TEST(test_render_text)
{
	setenv("TZ", "UTC", 1);
	tzset();
	check_text("{\"event\":\"ike-up\",\"time\":1700000000,\"ike_sa\":3,"
		   "\"connection\":\"site-b\"}",
		   "2023-11-14 22:13:20 site-b[3]: IKE SA up\n");
	check_text("{\"event\":\"child-down\",\"time\":1700000000,\"ike_sa\":3,"
		   "\"connection\":\"c\",\"child\":\"net\",\"child_sa\":4,\"cause\":\"dead\","
		   "\"action\":\"restart\",\"reason\":\"no answer\"}",
		   "2023-11-14 22:13:20 c[3] net{4}: CHILD SA down: the peer is dead (DPD) "
		   "(action: restart): no answer\n");
	check_text("{\"event\":\"ike-down\",\"time\":1700000000,\"ike_sa\":3,"
		   "\"connection\":\"c\",\"cause\":\"peer-delete\"}",
		   "2023-11-14 22:13:20 c[3]: IKE SA down: deleted by the peer\n");
	check_text("{\"event\":\"child-rekeyed\",\"time\":1700000000,\"ike_sa\":3,"
		   "\"connection\":\"c\",\"child\":\"net\",\"child_sa\":4}",
		   "2023-11-14 22:13:20 c[3] net{4}: CHILD SA rekeyed (replaced by its new "
		   "CHILD SA)\n");
	check_text("{\"event\":\"auth-failed\",\"time\":1700000000,\"ike_sa\":5,"
		   "\"connection\":\"c\",\"notify\":\"AUTHENTICATION_FAILED\","
		   "\"reason\":\"wrong PSK\"}",
		   "2023-11-14 22:13:20 c[5]: authentication failed: AUTHENTICATION_FAILED: "
		   "wrong PSK\n");
	check_text("{\"event\":\"nat-moved\",\"time\":1700000000,\"ike_sa\":3,"
		   "\"connection\":\"c\",\"from\":{\"address\":\"192.0.2.2\",\"port\":4500},"
		   "\"to\":{\"address\":\"2001:db8::1\",\"port\":1024}}",
		   "2023-11-14 22:13:20 c[3]: the peer's NAT mapping moved from "
		   "192.0.2.2[4500] to [2001:db8::1]:1024\n");
	check_text("{\"event\":\"dropped\",\"time\":1700000000,\"count\":12}",
		   "2023-11-14 22:13:20 dropped 12 events: this monitor did not read them in "
		   "time\n");
	/* a kind of event a newer daemon may send */
	check_text("{\"event\":\"new-kind\",\"ike_sa\":1,\"connection\":\"c\",\"x\":1}",
		   "c[1]: new-kind {\"connection\":\"c\",\"event\":\"new-kind\","
		   "\"ike_sa\":1,\"x\":1}\n");
}
END_TEST

static Suite *monitor_suite(void)
{
	Suite *s = suite_create("monitor");
	TCase *tc = tcase_create("hub");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_order);
	tcase_add_test(tc, test_bound_and_notice);
	tcase_add_test(tc, test_byte_bound);
	tcase_add_test(tc, test_several_clients);
	tcase_add_test(tc, test_stall_closes);
	tcase_add_test(tc, test_slow_reader_kept);
	tcase_add_test(tc, test_max_clients_and_eof);
	tcase_add_test(tc, test_half_close);
	tcase_add_test(tc, test_over_ctl);
	suite_add_tcase(s, tc);
	TCase *te = tcase_create("events");
	tcase_add_test(te, test_event_json);
	tcase_add_test(te, test_render_text);
	suite_add_tcase(s, te);
	return s;
}

UNIT_MAIN(monitor_suite)
