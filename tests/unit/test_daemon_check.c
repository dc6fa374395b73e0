// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * conduitd --check end to end: a configuration with five errors of the
 * second pass (conversion) in three connections gives five lines, each at
 * its own key's file:line with the bad value, and exit status 1.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/unit/unit.h"

static const char conf[] = "connections {\n"					    /* 1 */
			   " a {\n"						    /* 2 */
			   "  proposals = aes128-nosuch-x25519\n"		    /* 3 */
			   "  local { auth = psk }\n"				    /* 4 */
			   "  remote { auth = psk }\n"				    /* 5 */
			   "  children { net {\n"				    /* 6 */
			   "   local_ts = 10.1.0.0/99\n"			    /* 7 */
			   "   esp_proposals = aes128gcm16-camellia\n"		    /* 8 */
			   "  } }\n"						    /* 9 */
			   " }\n"						    /* 10 */
			   " b {\n"						    /* 11 */
			   "  remote_addrs = 10.0.0.9-10.0.0.1\n"		    /* 12 */
			   "  local { auth = psk }\n"				    /* 13 */
			   "  remote { auth = psk }\n"				    /* 14 */
			   " }\n"						    /* 15 */
			   " c {\n"						    /* 16 */
			   "  local { auth = psk }\n"				    /* 17 */
			   "  remote { auth = psk }\n"				    /* 18 */
			   "  children { n { remote_ts = 10.2.0.0/16[nosuch] } }\n" /* 19 */
			   " }\n"						    /* 20 */
			   "}\n"
			   "secrets { ike { secret = k } }\n";

START_TEST(five_errors_three_connections)
{
	char dir[] = "/tmp/conduit-check-XXXXXX", path[64], cmd[256], line[512];
	const char *want[] = {
		":3: connection a: proposals: unknown algorithm 'nosuch' in proposal "
		"'aes128-nosuch-x25519'",
		":8: connection a: child net: esp_proposals: unknown algorithm 'camellia'",
		":7: connection a: child net: local_ts: invalid traffic selector '10.1.0.0/99'",
		":12: connection b: remote_addrs: \"10.0.0.9-10.0.0.1\"",
		":19: connection c: child n: remote_ts: invalid traffic selector "
		"'10.2.0.0/16[nosuch]'",
	};
	size_t n = 0;
	FILE *f;
	int st;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/c.conf", dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(conf, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "%s --check --config %s 2>&1", CONDUITD_BIN, path);
	f = popen(cmd, "r");
	ck_assert_ptr_nonnull(f);
	while (fgets(line, sizeof(line), f)) {
		fprintf(stderr, "%s", line);
		if (strstr(line, "configuration refused"))
			continue;
		ck_assert_uint_lt(n, 5);
		ck_assert_msg(strncmp(line, path, strlen(path)) == 0, "%s", line);
		ck_assert_msg(strstr(line, want[n]) == line + strlen(path), "want %s, got %s",
			      want[n], line);
		n++;
	}
	st = pclose(f);
	ck_assert_uint_eq(n, 5);
	ck_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1);
	unlink(path);
	rmdir(dir);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("daemon_check");
	TCase *tc = tcase_create("check");

	tcase_add_test(tc, five_errors_three_connections);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
