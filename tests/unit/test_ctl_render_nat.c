/* SPDX-License-Identifier: GPL-2.0-or-later */
/* conduitctl list-sas: what it says of NAT traversal. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon/ctl_render.h"
#include "tests/unit/unit.h"

static char *render_sa(const char *nat, int lport, int rport)
{
	char reply[1024], *text = NULL;
	size_t len;
	json_error_t e;
	json_t *req = json_loads("{\"cmd\":\"list-sas\"}", 0, &e), *rep;
	FILE *out = open_memstream(&text, &len), *err = fopen("/dev/null", "w");

	snprintf(reply, sizeof(reply),
		 "{\"ok\":true,\"ike_sas\":[{\"id\":1,\"connection\":\"gw\",\"state\":"
		 "\"ESTABLISHED\",\"initiator\":true,\"local\":{\"address\":\"10.99.0.2\","
		 "\"port\":%d},\"remote\":{\"address\":\"192.0.2.2\",\"port\":%d},"
		 "\"local_id\":\"l\",\"remote_id\":\"r\",\"spi_i\":\"1\",\"spi_r\":\"2\","
		 "\"algorithms\":\"\",\"nat\":%s,\"child_sas\":[]}]}",
		 lport, rport, nat);
	rep = json_loads(reply, 0, &e);
	ck_assert_ptr_nonnull(req);
	ck_assert_msg(rep != NULL, "%s", e.text);
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(ctl_render(out, err, req, rep), 0);
	fclose(out);
	fclose(err);
	json_decref(req);
	json_decref(rep);
	return text;
}

START_TEST(nat_here)
{
	char *t = render_sa("{\"local\":true,\"remote\":false,\"encap\":true,\"fake\":false}", 4500,
			    4500);

	ck_assert_ptr_nonnull(
	    strstr(t, "\n  NAT: we are behind a NAT; ESP in UDP, ports 4500 -> 4500\n"));
	free(t);
}
END_TEST

START_TEST(nat_there_translated_port)
{
	char *t = render_sa("{\"local\":false,\"remote\":true,\"encap\":true,\"fake\":false}", 4500,
			    31337);

	ck_assert_ptr_nonnull(strstr(t, "...192.0.2.2:31337[r]\n"));
	ck_assert_ptr_nonnull(
	    strstr(t, "\n  NAT: peer is behind a NAT; ESP in UDP, ports 4500 -> 31337\n"));
	free(t);
}
END_TEST

START_TEST(nat_forced)
{
	char *t = render_sa("{\"local\":false,\"remote\":false,\"encap\":true,\"fake\":true}", 4500,
			    4500);

	ck_assert_ptr_nonnull(strstr(t, "\n  NAT: none, UDP encapsulation forced (encap = yes); "
					"ESP in UDP, ports 4500 -> 4500\n"));
	free(t);
}
END_TEST

START_TEST(no_nat)
{
	char *t = render_sa("{\"local\":false,\"remote\":false,\"encap\":false,\"fake\":false}",
			    500, 500);

	ck_assert_ptr_null(strstr(t, "NAT"));
	free(t);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ctl_render_nat");
	TCase *tc = tcase_create("nat");

	tcase_add_test(tc, nat_here);
	tcase_add_test(tc, nat_there_translated_port);
	tcase_add_test(tc, nat_forced);
	tcase_add_test(tc, no_nat);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
