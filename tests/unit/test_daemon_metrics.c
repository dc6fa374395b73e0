/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * counters and metrics: the daemon's replies (daemon/metrics.c) from two
 * engines in memory, and conduitctl's rendering of them
 * (daemon/ctl_render_metrics.c): the Prometheus text format's HELP and
 * TYPE lines, label escaping, fields of the wrong type.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/ctl_render_metrics.h"
#include "daemon/metrics.h"
#include "ike/ike.h"
#include "tests/unit/test_ike_engine_env.h"
#include "tests/unit/unit.h"

static struct tpeer A, B;
static char *text;

static void setup(void)
{
	tverbose = getenv("CONDUIT_TEST_VERBOSE") != NULL;
	tclock = TCLOCK_START;
	tpeer_init(&A, "A", TIP_A, TSEED_A, NULL);
	tpeer_init(&B, "B", TIP_B, TSEED_B, NULL);
	ck_assert_ptr_nonnull(A.e);
	ck_assert_ptr_nonnull(B.e);
}

static void teardown(void)
{
	tpeer_free(&A);
	tpeer_free(&B);
	free(text);
	text = NULL;
}

static const char *prom(const json_t *reply)
{
	size_t len;
	FILE *out;

	free(text);
	out = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(out);
	ctl_prometheus_text(out, reply);
	fclose(out);
	return text;
}

static const char *prom_str(const char *reply_json)
{
	json_error_t e;
	json_t *r = json_loads(reply_json, 0, &e);

	ck_assert_msg(r != NULL, "%s", e.text);
	prom(r);
	json_decref(r);
	return text;
}

static bool has_line(const char *t, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = t; (p = strstr(p, line)); p++)
		if ((p == t || p[-1] == '\n') && p[n] == '\n')
			return true;
	return false;
}

#define ck_line(t, l) ck_assert_msg(has_line(t, l), "no line \"%s\" in:\n%s", l, t)

/*
 * The exposition format's rules the renderer must keep: every sample's
 * metric was declared by "# HELP name" then "# TYPE name type" just
 * before its samples began, a metric's samples are contiguous, counters
 * end in _total, and no HELP/TYPE is left without samples.
 */
static void check_format(const char *t)
{
	char declared[256][96], cur[96] = "";
	size_t n_declared = 0;
	bool want_samples = false;
	const char *p = t;

	while (*p) {
		const char *nl = strchr(p, '\n');
		char line[1024], name[96], type[32];
		size_t len;

		ck_assert_ptr_nonnull(nl); /* every line ends */
		len = (size_t)(nl - p);
		ck_assert_uint_lt(len, sizeof(line));
		memcpy(line, p, len);
		line[len] = '\0';
		p = nl + 1;
		if (!strncmp(line, "# HELP ", 7)) {
			ck_assert_msg(!want_samples, "%s: no samples", cur);
			ck_assert_int_eq(sscanf(line + 7, "%95s", name), 1);
			for (size_t i = 0; i < n_declared; i++)
				ck_assert_msg(strcmp(declared[i], name), "%s declared twice", name);
			ck_assert_uint_lt(n_declared, 256);
			snprintf(declared[n_declared++], sizeof(declared[0]), "%s", name);
			/* the TYPE line follows */
			ck_assert_int_eq(sscanf(p, "# TYPE %95s %31s", cur, type), 2);
			ck_assert_str_eq(cur, name);
			ck_assert(!strcmp(type, "counter") || !strcmp(type, "gauge"));
			if (!strcmp(type, "counter")) {
				size_t l = strlen(name);

				ck_assert_msg(l > 6 && !strcmp(name + l - 6, "_total"), "%s", name);
			}
			p = strchr(p, '\n') + 1;
			want_samples = true;
			continue;
		}
		ck_assert_msg(line[0] != '#', "stray comment %s", line);
		/* a sample of the current metric */
		len = strcspn(line, "{ ");
		ck_assert_msg(strlen(cur) == len && !strncmp(line, cur, len),
			      "sample \"%s\" outside its metric %s", line, cur);
		want_samples = false;
	}
	ck_assert_msg(!want_samples, "%s: no samples", cur);
}

START_TEST(test_escaping)
{
	const char *t =
	    prom_str("{\"ok\":true,\"connections\":{\"a\\\"b\\\\c\\nd\":{\"dropped\":3}},"
		     "\"ike_sas\":{\"x\\\\\":{\"ESTABLISHED\":2}}}");

	check_format(t);
	ck_line(t, "conduit_connection_ike_dropped_total{connection=\"a\\\"b\\\\c\\nd\"} 3");
	ck_line(t, "conduit_ike_sas{connection=\"x\\\\\",state=\"ESTABLISHED\"} 2");
	ck_line(t, "# TYPE conduit_ike_sas gauge");
	ck_line(t, "# TYPE conduit_connection_ike_dropped_total counter");
}
END_TEST

START_TEST(test_wrong_types)
{
	/* nothing of the wrong type, and no header without a sample */
	const char *t = prom_str("{\"ok\":true,\"global\":{\"dropped\":\"many\",\"invalid\":2,"
				 "\"retransmits\":[1,2],\"messages\":7},"
				 "\"traffic\":[{\"connection\":\"c\",\"child\":5,\"ike_sa\":1,"
				 "\"id\":2,\"bytes_in\":1}],\"dos\":\"no\"}");

	check_format(t);
	ck_line(t, "conduit_ike_invalid_total 2");
	ck_assert_ptr_null(strstr(t, "ike_dropped_total"));
	ck_assert_ptr_null(strstr(t, "retransmits"));
	ck_assert_ptr_null(strstr(t, "child_sa_bytes"));
	ck_assert_ptr_null(strstr(t, "ike_messages_total"));
	ck_assert_str_eq(prom_str("{\"ok\":true}"), "");
}
END_TEST

static int fake_traffic(void *ctx, uint32_t child_id, struct metrics_traffic *t)
{
	(void)ctx;
	t->bytes_in = 840 + child_id;
	t->packets_in = 10;
	t->bytes_out = 420;
	t->packets_out = 5;
	return 0;
}

static int no_traffic(void *ctx, uint32_t child_id, struct metrics_traffic *t)
{
	(void)ctx, (void)child_id, (void)t;
	return -ENOTSUP;
}

static void up(void)
{
	ck_assert_int_eq(tconn(&A, &B, &tconf_a), 0);
	ck_assert_int_eq(tconn(&B, &A, &tconf_b), 0);
	ck_assert_int_gt(ike_engine_initiate(A.e, "gw", NULL), 0);
	tpump(&A, &B);
	ck_assert_ptr_nonnull(tfind_event(&A, IKE_EV_CHILD_UP));
}

START_TEST(test_engine_metrics)
{
	json_t *r;
	const char *t;
	char line[256];

	up();
	r = metrics_reply(A.e, "9.9.9", fake_traffic, NULL);
	ck_assert_ptr_nonnull(r);
	t = prom(r);
	check_format(t);
	ck_line(t, "conduit_info{version=\"9.9.9\"} 1");
	ck_line(t, "# TYPE conduit_ike_messages_total counter");
	ck_line(t, "conduit_ike_messages_total{exchange=\"IKE_AUTH\",direction=\"out\","
		   "kind=\"request\"} 1");
	ck_line(t, "conduit_ike_messages_total{exchange=\"IKE_AUTH\",direction=\"in\","
		   "kind=\"response\"} 1");
	ck_line(t, "conduit_ike_messages_total{exchange=\"CREATE_CHILD_SA\",direction=\"in\","
		   "kind=\"request\"} 0");
	ck_line(t, "conduit_connection_ike_messages_total{connection=\"gw\","
		   "exchange=\"IKE_SA_INIT\",direction=\"out\",kind=\"request\"} 1");
	ck_line(t, "conduit_ike_notifies_total{notify=\"NAT_DETECTION_SOURCE_IP\","
		   "direction=\"out\"} 1");
	ck_line(t, "conduit_ike_sas_established_total 1");
	ck_line(t, "conduit_child_sas_down_total{cause=\"rekeyed\"} 0");
	ck_line(t, "conduit_ike_sas{connection=\"gw\",state=\"ESTABLISHED\"} 1");
	ck_line(t, "conduit_child_sas{connection=\"gw\",child=\"net\",state=\"INSTALLED\"} 1");
	snprintf(line, sizeof(line),
		 "conduit_child_sa_bytes_total{connection=\"gw\",child=\"net\",ike_sa=\"%u\","
		 "child_sa=\"%u\",direction=\"in\"} %u",
		 A.inst[0].ike_sa_id, A.inst[0].child_id, 840 + A.inst[0].child_id);
	ck_line(t, line);
	ck_line(t, "conduit_key_exchanges_total 1");
	ck_line(t, "conduit_half_open_sas 0");
	json_decref(r);

	/* B answered: its responder's view; no kernel figures, no traffic */
	r = metrics_reply(B.e, "9.9.9", no_traffic, NULL);
	t = prom(r);
	check_format(t);
	ck_line(t, "conduit_ike_messages_total{exchange=\"IKE_AUTH\",direction=\"in\","
		   "kind=\"request\"} 1");
	ck_assert_ptr_null(strstr(t, "child_sa_bytes"));
	json_decref(r);
}
END_TEST

START_TEST(test_counters_reply)
{
	json_t *r, *c;
	char *s;
	size_t len;
	FILE *out;

	up();
	r = metrics_counters_reply(A.e, NULL, false);
	ck_assert(json_is_true(json_object_get(r, "ok")));
	ck_assert_int_eq(json_integer_value(json_object_get(r, "schema")), METRICS_SCHEMA);
	c = json_object_get(json_object_get(r, "global"), "messages");
	ck_assert_int_eq(json_integer_value(json_object_get(
			     json_object_get(json_object_get(c, "out"), "request"), "IKE_AUTH")),
			 1);
	ck_assert_ptr_nonnull(json_object_get(json_object_get(r, "connections"), "gw"));
	out = open_memstream(&s, &len);
	ctl_counters_text(out, r);
	fclose(out);
	ck_assert_msg(strstr(s, "global:\n") && strstr(s, "\ngw:\n"), "%s", s);
	ck_assert_msg(strstr(s, "  IKE_AUTH          0/1               1/0\n"), "%s", s);
	ck_assert_msg(strstr(s, "  notifies out: ") && strstr(s, "NAT_DETECTION_SOURCE_IP 1"), "%s",
		      s);
	ck_assert_msg(strstr(s, "  IKE SAs: 1 established, 0 failed\n"), "%s", s);
	free(s);
	json_decref(r);

	/* one connection, read and reset in the same call */
	r = metrics_counters_reply(A.e, "gw", true);
	ck_assert(json_is_true(json_object_get(r, "reset")));
	ck_assert_ptr_null(json_object_get(r, "global"));
	c = json_object_get(json_object_get(json_object_get(r, "connections"), "gw"), "ike_sas");
	ck_assert_int_eq(json_integer_value(json_object_get(c, "established")), 1);
	json_decref(r);
	r = metrics_counters_reply(A.e, "gw", false);
	c = json_object_get(json_object_get(json_object_get(r, "connections"), "gw"), "ike_sas");
	ck_assert_int_eq(json_integer_value(json_object_get(c, "established")), 0);
	json_decref(r);
	r = metrics_counters_reply(A.e, "nosuch", false);
	ck_assert(json_is_false(json_object_get(r, "ok")));
	ck_assert_str_eq(json_string_value(json_object_get(r, "error")),
			 "no connection named nosuch");
	json_decref(r);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("daemon_metrics");
	TCase *tc = tcase_create("metrics");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_escaping);
	tcase_add_test(tc, test_wrong_types);
	tcase_add_test(tc, test_engine_metrics);
	tcase_add_test(tc, test_counters_reply);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
