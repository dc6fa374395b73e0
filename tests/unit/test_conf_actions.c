// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * start_action, close_action and dpd_action: every spelling strongSwan
 * takes (none/clear, start/restart, trap/route, trap|start), where each is
 * allowed, that actions count when connections are compared on reload, and
 * how daemon/dcfg.c hands them to the engine.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "conf/conf.h"
#include "daemon/dcfg.h"
#include "tests/unit/unit.h"

#define HEAD "connections {\n c {\n  local { auth = psk }\n  remote_addrs = 192.0.2.1\n"
#define TAIL " }\n}\nsecrets { ike-any { secret = test } }\n"

static int load(const char *text, struct conf **c, struct conf_diags *d)
{
	conf_diags_init(d);
	return conf_load_string("conduit.conf", text, strlen(text), c, d);
}

static bool has_error(const struct conf_diags *d, unsigned int line, const char *sub)
{
	for (size_t i = 0; i < d->n; i++)
		if (d->list[i].severity == CONF_SEV_ERROR && d->list[i].line == line &&
		    strstr(d->list[i].text, sub))
			return true;
	return false;
}

static struct conf_child *child_of(struct conf *c)
{
	struct conf_conn *cc = conf_find_conn(c, "c");

	ck_assert_ptr_nonnull(cc);
	return conf_find_child(cc, "n");
}

static const struct {
	const char *start, *close, *dpd;
	enum conf_action s, c, d;
} ok[] = {
	{ "trap", "trap", "trap", CONF_ACTION_TRAP, CONF_ACTION_TRAP, CONF_ACTION_TRAP },
	{ "route", "route", "route", CONF_ACTION_TRAP, CONF_ACTION_TRAP, CONF_ACTION_TRAP },
	{ "trap|start", "restart", "clear", CONF_ACTION_TRAP_START, CONF_ACTION_START,
	  CONF_ACTION_NONE },
	{ "START|TRAP", "none", "Restart", CONF_ACTION_TRAP_START, CONF_ACTION_NONE,
	  CONF_ACTION_START },
	{ "none", "start", "TRAP", CONF_ACTION_NONE, CONF_ACTION_START, CONF_ACTION_TRAP },
};

START_TEST(test_actions_accepted)
{
	struct conf_diags d;
	struct conf *c = NULL;
	struct conf_child *ch;
	char text[512];

	snprintf(text, sizeof(text),
		 HEAD "  children { n {\n   start_action = %s\n   close_action = %s\n"
		      "   dpd_action = %s\n  } }\n" TAIL,
		 ok[_i].start, ok[_i].close, ok[_i].dpd);
	ck_assert_int_eq(load(text, &c, &d), 0);
	ck_assert_uint_eq(d.n_errors, 0);
	ch = child_of(c);
	ck_assert_ptr_nonnull(ch);
	ck_assert_int_eq(ch->start_action, ok[_i].s);
	ck_assert_int_eq(ch->close_action, ok[_i].c);
	ck_assert_int_eq(ch->dpd_action, ok[_i].d);
	conf_free(c);
	conf_diags_clear(&d);
}
END_TEST

START_TEST(test_actions_refused)
{
	struct conf_diags d;
	struct conf *c = NULL;

	/* trap|start is for start_action only; unknown words name the choices */
	ck_assert_int_eq(load(HEAD
			      "  children { n {\n   close_action = trap|start\n"
			      "   dpd_action = hold\n   start_action = trap,start\n  } }\n" TAIL,
			      &c, &d),
			 -EINVAL);
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(d.n_errors, 3);
	ck_assert(has_error(&d, 6, "close_action = trap|start: only start_action"));
	ck_assert(has_error(&d, 7, "none, start or trap"));
	ck_assert(has_error(&d, 8, "none, start or trap"));
	conf_diags_clear(&d);

	/* a trap initiates when traffic comes: it needs the peer's address */
	ck_assert_int_eq(
	    load("connections {\n c {\n  local { auth = psk }\n"
		 "  remote_addrs = %any\n  children { n { start_action = trap|start } }\n"
		 " }\n}\nsecrets { ike-any { secret = test } }\n",
		 &c, &d),
	    -EINVAL);
	ck_assert(has_error(&d, 4, "start_action = trap|start, which needs a remote address"));
	conf_diags_clear(&d);
}
END_TEST

START_TEST(test_actions_compared)
{
	struct conf_diags d;
	struct conf *a = NULL, *b = NULL;

	ck_assert_int_eq(load(HEAD "  children { n { dpd_action = trap } }\n" TAIL, &a, &d), 0);
	conf_diags_clear(&d);
	ck_assert_int_eq(load(HEAD "  children { n { dpd_action = restart } }\n" TAIL, &b, &d), 0);
	conf_diags_clear(&d);
	ck_assert(!conf_conn_equal(conf_find_conn(a, "c"), conf_find_conn(b, "c")));
	conf_free(b);
	ck_assert_int_eq(load(HEAD "  children { n { dpd_action = route } }\n" TAIL, &b, &d), 0);
	conf_diags_clear(&d);
	ck_assert(conf_conn_equal(conf_find_conn(a, "c"), conf_find_conn(b, "c")));
	conf_free(a);
	conf_free(b);
	ck_assert_str_eq(conf_action_name(CONF_ACTION_TRAP_START), "trap|start");
	ck_assert_str_eq(conf_action_name(CONF_ACTION_NONE), "none");
}
END_TEST

START_TEST(test_actions_to_engine)
{
	struct conf_diags d;
	struct conf *c = NULL;
	struct dcfg_conn dc;
	char err[DCFG_ERR_LEN];

	ck_assert_int_eq(load(HEAD
			      "  children {\n   n { start_action = trap|start\n"
			      "    dpd_action = restart\n    close_action = trap }\n"
			      "   m { start_action = trap\n    dpd_action = clear }\n  }\n" TAIL,
			      &c, &d),
			 0);
	conf_diags_clear(&d);
	ck_assert_int_eq(dcfg_conn_convert(c, conf_find_conn(c, "c"), NULL, &dc, err, sizeof(err)),
			 0);
	ck_assert_uint_eq(dc.cfg.n_children, 2);
	/* trap|start starts at load too; the traps are the daemon's */
	ck_assert(dc.children[0].start);
	ck_assert_uint_eq(dc.children[0].dpd_action, IKE_ACTION_RESTART);
	ck_assert_uint_eq(dc.children[0].close_action, IKE_ACTION_TRAP);
	ck_assert(!dc.children[1].start);
	ck_assert_uint_eq(dc.children[1].dpd_action, IKE_ACTION_NONE);
	ck_assert_uint_eq(dc.children[1].close_action, IKE_ACTION_NONE);
	dcfg_conn_free(&dc);
	conf_free(c);
	ck_assert_uint_eq(dcfg_action(CONF_ACTION_START), IKE_ACTION_RESTART);
	ck_assert_uint_eq(dcfg_action(CONF_ACTION_TRAP_START), IKE_ACTION_TRAP);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("conf_actions");
	TCase *tc = tcase_create("actions");

	tcase_add_loop_test(tc, test_actions_accepted, 0, sizeof(ok) / sizeof(ok[0]));
	tcase_add_test(tc, test_actions_refused);
	tcase_add_test(tc, test_actions_compared);
	tcase_add_test(tc, test_actions_to_engine);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
