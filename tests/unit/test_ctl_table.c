/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The command table (daemon/ctl_table.c) as conduitctl links it: every
 * command has a renderer, appears in the usage text's "Commands:" block,
 * and the block lists no other; its options are in "Command options:";
 * and the daemon's server refuses a command whose handler is not linked.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>
#include <jansson.h>

#include "daemon/ctl.h"
#include "daemon/ctl_render.h"
#include "daemon/ctl_table.h"
#include "tests/unit/unit.h"

static char *usage_text(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	ctl_cmd_usage(f);
	fclose(f);
	return text;
}

/* The first words of the "Commands:" block's lines that start in column 2,
 * as check-options.sh reads them, joined by spaces. */
static void usage_commands(const char *text, char *buf, size_t len)
{
	const char *p = strstr(text, "Commands:\n");
	size_t off = 0;

	ck_assert_ptr_nonnull(p);
	buf[0] = '\0';
	for (p = strchr(p, '\n') + 1; *p != '\0' && *p != '\n'; p = strchr(p, '\n') + 1) {
		if (p[0] == ' ' && p[1] == ' ' && p[2] >= 'a' && p[2] <= 'z') {
			size_t n = strcspn(p + 2, " \n");

			off += (size_t)snprintf(buf + off, len - off, "%s%.*s", off ? " " : "",
						(int)n, p + 2);
		}
	}
}

START_TEST(every_command_in_usage_and_back)
{
	char *text = usage_text();
	char listed[1024], want[1024];
	size_t off = 0;

	usage_commands(text, listed, sizeof(listed));
	want[0] = '\0';
	for (size_t i = 0; i < ctl_cmd_count; i++)
		off += (size_t)snprintf(want + off, sizeof(want) - off, "%s%s", i ? " " : "",
					ctl_cmd_table[i].name);
	ck_assert_str_eq(listed, want);
	free(text);
}
END_TEST

START_TEST(every_command_complete)
{
	for (size_t i = 0; i < ctl_cmd_count; i++) {
		const struct ctl_cmd_desc *c = &ctl_cmd_table[i];

		ck_assert_msg(c->render != NULL, "%s has no renderer linked", c->name);
		ck_assert_msg(c->handler == NULL, "%s: conduitctl links a handler", c->name);
		ck_assert_msg(c->summary && c->summary[0], "%s has no summary", c->name);
		ck_assert_ptr_eq(ctl_cmd_find(c->name), c);
		for (size_t k = 0; k < i; k++)
			ck_assert_str_ne(ctl_cmd_table[k].name, c->name);
		/* a NAME in the synopsis is a positional argument, and back */
		bool pos = false;
		for (const struct ctl_arg *a = c->args; a && a->name; a++)
			pos = pos || (a->flags & CTL_ARGF_POSITIONAL);
		ck_assert_msg(pos == (strstr(c->synopsis, "NAME") == c->synopsis),
			      "%s: synopsis '%s'", c->name, c->synopsis);
	}
	ck_assert_ptr_null(ctl_cmd_find("no-such-command"));
	ck_assert_ptr_null(ctl_cmd_find(NULL));
}
END_TEST

/* Every option of a command is in the usage, with the command's name. */
START_TEST(command_options_in_usage)
{
	char *text = usage_text();
	const char *block = strstr(text, "Command options");

	for (size_t i = 0; i < ctl_cmd_count; i++) {
		for (const struct ctl_arg *a = ctl_cmd_table[i].args; a && a->name; a++) {
			char opt[80], use[80];

			if (a->flags & (CTL_ARGF_POSITIONAL | CTL_ARGF_TIMEOUT))
				continue;
			ck_assert_ptr_nonnull(block);
			snprintf(opt, sizeof(opt), "\n  --%s", a->name);
			snprintf(use, sizeof(use), " %s: ", ctl_cmd_table[i].name);
			ck_assert_msg(strstr(block - 1, opt), "usage lacks --%s", a->name);
			ck_assert_msg(strstr(strstr(block - 1, opt), use), "--%s lacks %s", a->name,
				      use);
			ck_assert_msg(a->help && a->help[0], "--%s has no help", a->name);
		}
	}
	free(text);
}
END_TEST

/* Rendering goes through the table: a known command is not dumped as
 * JSON, an unknown one is. */
START_TEST(render_dispatch)
{
	for (size_t i = 0; i < ctl_cmd_count; i++) {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		json_t *req = json_pack("{s:s, s:s}", "cmd", ctl_cmd_table[i].name, "name", "x");
		json_t *rep = json_pack("{s:b}", "ok", 1);

		ck_assert_int_eq(ctl_render(f, stderr, req, rep), CTL_EXIT_OK);
		fclose(f);
		ck_assert_msg(strstr(text, "\"ok\"") == NULL, "%s: dumped as JSON: %s",
			      ctl_cmd_table[i].name, text);
		free(text);
		json_decref(req);
		json_decref(rep);
	}
}
END_TEST

static void h_any(void *arg, const json_t *req, struct ctl_reply *r)
{
	(void)arg, (void)req;
	ctl_reply_send(r, json_pack("{s:b}", "ok", 1));
}

/* The table's handlers are weak: the server refuses one that is NULL. */
START_TEST(server_refuses_missing_handler)
{
	struct event_base *base = event_base_new();
	char dir[] = "/tmp/test_ctl_table.XXXXXX", path[128], err[256];
	struct ctl_command cmds[] = { { "status", h_any, NULL }, { "list-sas", NULL, NULL } };
	struct ctl_handlers h = { cmds, 2 };
	struct ctl_server *srv;

	ck_assert_ptr_nonnull(base);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/run/s.sock", dir);
	ck_assert_ptr_null(ctl_server_new(base, path, (gid_t)-1, &h, NULL, err, sizeof(err)));
	ck_assert_msg(strstr(err, "list-sas has no handler"), "%s", err);
	cmds[1].fn = h_any;
	srv = ctl_server_new(base, path, (gid_t)-1, &h, NULL, err, sizeof(err));
	ck_assert_msg(srv != NULL, "%s", err);
	ctl_server_free(srv);
	event_base_free(base);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	ck_assert_int_eq(system(path), 0);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ctl_table");
	TCase *tc = tcase_create("table");

	tcase_add_test(tc, every_command_in_usage_and_back);
	tcase_add_test(tc, every_command_complete);
	tcase_add_test(tc, command_options_in_usage);
	tcase_add_test(tc, render_dispatch);
	tcase_add_test(tc, server_refuses_missing_handler);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
