/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon/dos_opts.c: conduitd's denial of service options, parsed into
 * struct ike_engine_opts, with IKE_OPT_ZERO for an explicit 0. */
#include <errno.h>
#include <string.h>

#include "daemon/dos_opts.h"
#include "tests/unit/unit.h"

static int opt_id(const char *name)
{
	for (int i = 0; i < DOS_OPT_COUNT; i++)
		if (!strcmp(dos_long_opts[i].name, name))
			return dos_long_opts[i].val;
	ck_abort_msg("no option %s", name);
	return -1;
}

static int parse(const char *name, const char *arg, struct ike_engine_opts *o, char *err)
{
	return dos_opt_parse(opt_id(name), arg, o, err, 256);
}

START_TEST(test_values)
{
	struct ike_engine_opts o;
	char err[256];

	memset(&o, 0, sizeof(o));
	ck_assert_int_eq(parse("cookie-threshold", "12", &o, err), 0);
	ck_assert_uint_eq(o.cookie_threshold, 12);
	/* 0 means "always", not "the default" */
	ck_assert_int_eq(parse("cookie-threshold", "0", &o, err), 0);
	ck_assert_uint_eq(o.cookie_threshold, IKE_OPT_ZERO);
	ck_assert_int_eq(parse("cookie-threshold-ip", "0", &o, err), 0);
	ck_assert_uint_eq(o.cookie_threshold_ip, IKE_OPT_ZERO);
	ck_assert_int_eq(parse("half-open-max", "5000", &o, err), 0);
	ck_assert_uint_eq(o.half_open_max, 5000);
	ck_assert_int_eq(parse("half-open-max-ip", "2", &o, err), 0);
	ck_assert_uint_eq(o.half_open_max_ip, 2);
	ck_assert_int_eq(parse("half-open-timeout", "10", &o, err), 0);
	ck_assert_uint_eq(o.half_open_timeout_ms, 10000);
	ck_assert_int_eq(parse("half-open-timeout", "2500ms", &o, err), 0);
	ck_assert_uint_eq(o.half_open_timeout_ms, 2500);
	ck_assert_int_eq(parse("half-open-memory", "64M", &o, err), 0);
	ck_assert_uint_eq(o.half_open_memory, 64u << 20);
	ck_assert_int_eq(parse("half-open-memory", "100000", &o, err), 0);
	ck_assert_uint_eq(o.half_open_memory, 100000);
	ck_assert_int_eq(parse("reply-rate", "0", &o, err), 0);
	ck_assert_uint_eq(o.reply_rate, IKE_OPT_ZERO);
	ck_assert_int_eq(parse("reply-rate-ip", "3", &o, err), 0);
	ck_assert_uint_eq(o.reply_rate_ip, 3);
}
END_TEST

START_TEST(test_refused)
{
	static const char *const bad[][2] = {
		{ "cookie-threshold", "" },	  { "cookie-threshold", "-1" },
		{ "cookie-threshold", "1x" },	  { "cookie-threshold", "99999999999" },
		{ "half-open-max", "0" },	  { "half-open-max-ip", "0" },
		{ "half-open-timeout", "0" },	  { "half-open-timeout", "1h" },
		{ "half-open-timeout", "999ms" }, { "half-open-memory", "1K" },
		{ "half-open-memory", "5G" },	  { "half-open-memory", "9999M" },
		{ "reply-rate-ip", "70000" },	  { "reply-rate", " 5" },
	};
	struct ike_engine_opts o, before;
	char err[256];

	memset(&o, 0, sizeof(o));
	before = o;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		ck_assert_msg(parse(bad[i][0], bad[i][1], &o, err) == -EINVAL, "%s %s", bad[i][0],
			      bad[i][1]);
		/* the message names the option */
		ck_assert_msg(strstr(err, bad[i][0]) != NULL, "%s", err);
	}
	ck_assert_mem_eq(&o, &before, sizeof(o));
	ck_assert_int_eq(dos_opt_parse(1, "1", &o, err, sizeof(err)), -EINVAL);
}
END_TEST

START_TEST(test_usage)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	dos_opts_usage(f);
	fclose(f);
	for (int i = 0; i < DOS_OPT_COUNT; i++)
		ck_assert_msg(strstr(buf, dos_long_opts[i].name), "%s", dos_long_opts[i].name);
	free(buf);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("daemon_dos_opts");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_values);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_usage);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
