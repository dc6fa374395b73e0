/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon/options.c: conduitd's command line, its defaults, its checks,
 * and its --help text naming every option the parser takes. */
#include "config.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/options.h"
#include "tests/unit/unit.h"

/* dopts_parse over a NULL-terminated list of arguments after argv[0] */
static int parse(struct dopts *o, ...)
{
	static char prog[] = "conduitd";
	char *argv[32] = { prog };
	int argc = 1;
	va_list ap;

	va_start(ap, o);
	for (char *a; (a = va_arg(ap, char *)) && argc < 31;)
		argv[argc++] = a;
	va_end(ap);
	optind = 0; /* glibc: a fresh scan */
	return dopts_parse(argc, argv, o);
}

START_TEST(test_defaults)
{
	struct dopts o;

	ck_assert_int_eq(parse(&o, NULL), DOPTS_RUN);
	ck_assert_str_eq(o.config_path, DEFAULT_CONFIG);
	ck_assert_str_eq(o.backend, "netlink");
	ck_assert_ptr_null(o.swanctl_dir);
	ck_assert(o.group == (gid_t)-1);
	ck_assert(!o.foreground && !o.check);
	ck_assert_int_eq(o.level, LOG_LEVEL_INFO);
	/* strongSwan's charon.fragment_size: 1280 for both families */
	ck_assert_uint_eq(o.eopts.fragment_size_v4, 1280);
	ck_assert_uint_eq(o.eopts.fragment_size_v6, 1280);
	ck_assert(o.install_routes);
	ck_assert_uint_eq(o.routing_table, 220);
	ck_assert_uint_eq(o.routing_prio, 220);
	ck_assert_uint_eq(o.updown_timeout, 30);
	ck_assert_uint_eq(o.n_workers, 0);
	ck_assert_uint_eq(o.monitor_queue, 256);
	/* 0 in the engine's options means its own default */
	ck_assert_uint_eq(o.eopts.retransmit_base_ms, 0);
}
END_TEST

START_TEST(test_values)
{
	struct dopts o;

	ck_assert_int_eq(parse(&o, "-c", "/x/c.conf", "-f", "-l", "debug", "-s", "/x/s", "--kernel",
			       "none", "-T", "500ms", "-R", "3", "--nat-keepalive", "0",
			       "--workers", "2", "--install-routes", "no", "--routing-table", "100",
			       "--cookie-threshold", "7", NULL),
			 DOPTS_RUN);
	ck_assert_str_eq(o.config_path, "/x/c.conf");
	ck_assert_str_eq(o.control, "/x/s");
	ck_assert_str_eq(o.backend, "none");
	ck_assert(o.foreground);
	ck_assert_int_eq(o.level, LOG_LEVEL_DEBUG);
	ck_assert_uint_eq(o.eopts.retransmit_base_ms, 500);
	ck_assert_uint_eq(o.eopts.retransmit_tries, 3);
	ck_assert_uint_eq(o.eopts.nat_keepalive_ms, IKE_NAT_KEEPALIVE_OFF);
	ck_assert_uint_eq(o.n_workers, 2);
	ck_assert(!o.install_routes);
	ck_assert_uint_eq(o.routing_table, 100);
	ck_assert_uint_eq(o.eopts.cookie_threshold, 7);
	/* 0: each family its own (576, 1280); a family's own beats both */
	ck_assert_int_eq(parse(&o, "--fragment-size", "0", NULL), DOPTS_RUN);
	ck_assert_uint_eq(o.eopts.fragment_size_v4, 576);
	ck_assert_uint_eq(o.eopts.fragment_size_v6, 1280);
	ck_assert_int_eq(parse(&o, "--fragment-size-v6", "1400", "--fragment-size", "1300", NULL),
			 DOPTS_RUN);
	ck_assert_uint_eq(o.eopts.fragment_size_v4, 1300);
	ck_assert_uint_eq(o.eopts.fragment_size_v6, 1400);
	ck_assert_int_eq(parse(&o, "--control-group", "0", NULL), DOPTS_RUN);
	ck_assert(o.group == 0);
}
END_TEST

START_TEST(test_refused)
{
	static const char *const bad[][2] = {
		{ "--workers", "65" },
		{ "--workers", "-1" },
		{ "--workers", "2x" },
		{ "--workers", "" },
		{ "--kernel", "xfrm" },
		{ "--fragment-size", "575" },
		{ "--retransmit-timeout", "0.01" },
		{ "--retransmit-tries", "21" },
		{ "--install-routes", "maybe" },
		{ "--routing-table", "254" },
		{ "--monitor-queue", "0" },
		{ "--nat-keepalive", "86401" },
		{ "--updown-timeout", "0" },
		{ "--log-level", "loud" },
		{ "--control-group", "no-such-group-here" },
		{ "--cookie-threshold", "-1" },
	};
	struct dopts o;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(parse(&o, bad[i][0], bad[i][1], NULL) == 2, "%s %s accepted",
			      bad[i][0], bad[i][1]);
	ck_assert_int_eq(parse(&o, "an-argument", NULL), 2);
	ck_assert_int_eq(parse(&o, "--no-such-option", NULL), 2);
	ck_assert_int_eq(parse(&o, "--version", NULL), 0);
}
END_TEST

/* Every option the parser takes is in --help, and --help names no option
 * the parser does not take (conduitd(8) is held to --help by
 * tests/man/check-options.sh). */
START_TEST(test_help_names_every_option)
{
	char *text = NULL, want[64];
	size_t len = 0, n;
	FILE *f = open_memstream(&text, &len);
	const struct option *opts = dopts_options(&n);
	struct dopts o;

	ck_assert_ptr_nonnull(f);
	dopts_usage(f);
	fclose(f);
	for (size_t i = 0; i < n; i++) {
		snprintf(want, sizeof(want), "--%s", opts[i].name);
		ck_assert_msg(strstr(text, want), "--help lacks %s", want);
	}
	/* and every --name it mentions is one the parser takes */
	for (const char *p = text; (p = strstr(p, "--"));) {
		char name[64], arg[80];
		size_t k = 0;
		bool known = false;

		p += 2;
		while (k < sizeof(name) - 1 && (p[k] == '-' || (p[k] >= 'a' && p[k] <= 'z') ||
						(p[k] >= '0' && p[k] <= '9')))
			name[k] = p[k], k++;
		name[k] = '\0';
		p += k;
		if (!k)
			continue;
		for (size_t i = 0; i < n && !known; i++)
			known = !strcmp(opts[i].name, name);
		if (known)
			continue;
		/* the DoS options (dos_opts.c) go through dopts_parse too */
		snprintf(arg, sizeof(arg), "--%s", name);
		ck_assert_msg(parse(&o, arg, "1", NULL) == DOPTS_RUN ||
				  parse(&o, arg, "65536", NULL) == DOPTS_RUN,
			      "--help names --%s, which the parser refuses", name);
	}
	free(text);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("daemon_options");
	TCase *tc = tcase_create("options");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_help_names_every_option);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
