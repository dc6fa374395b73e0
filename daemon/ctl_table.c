/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <string.h>

#include "daemon/ctl_table.h"

/* Weak: defined in daemon/ctl_cmds.c (conduitd) and daemon/ctl_render.c
 * (conduitctl); NULL in the program that does not link them. */
#define CTL_CMD(id)                                                                                \
	extern ctl_handler_fn ctl_h_##id __attribute__((weak));                                    \
	extern ctl_render_fn ctl_render_##id __attribute__((weak))
CTL_CMD(status);
CTL_CMD(list_conns);
CTL_CMD(list_sas);
CTL_CMD(list_certs);
CTL_CMD(initiate);
CTL_CMD(terminate);
CTL_CMD(rekey);
CTL_CMD(reload);
CTL_CMD(list_pols);
CTL_CMD(list_algs);
CTL_CMD(counters);
CTL_CMD(metrics);
CTL_CMD(monitor);
#undef CTL_CMD

#define CTL_FNS(id) ctl_h_##id, ctl_render_##id

const struct ctl_arg ctl_args_name[] = {
	{ "name", CTL_ARG_STRING, true, CTL_ARGF_POSITIONAL, "NAME", NULL },
	{ NULL, CTL_ARG_STRING, false, 0, NULL, NULL },
};

const struct ctl_arg ctl_args_initiate[] = {
	{ "name", CTL_ARG_STRING, true, CTL_ARGF_POSITIONAL, "NAME", NULL },
	{ "timeout", CTL_ARG_INTEGER, false, CTL_ARGF_TIMEOUT, "SECS", NULL },
	{ NULL, CTL_ARG_STRING, false, 0, NULL, NULL },
};

const struct ctl_arg ctl_args_list_sas[] = {
	{ "conn", CTL_ARG_STRING, false, 0, "NAME", "only the SAs of connection NAME" },
	{ "id", CTL_ARG_INTEGER, false, 0, "N", "only IKE SA N (the number in CONN[N])" },
	{ NULL, CTL_ARG_STRING, false, 0, NULL, NULL },
};

static const struct ctl_arg ctl_args_terminate[] = {
	{ "name", CTL_ARG_STRING, false, CTL_ARGF_POSITIONAL, "NAME", NULL },
	{ "id", CTL_ARG_INTEGER, false, 0, "N", "IKE SA N instead of a connection" },
	{ "timeout", CTL_ARG_INTEGER, false, CTL_ARGF_TIMEOUT, "SECS", NULL },
	{ NULL, CTL_ARG_STRING, false, 0, NULL, NULL },
};

static const struct ctl_arg ctl_args_rekey[] = {
	{ "name", CTL_ARG_STRING, true, CTL_ARGF_POSITIONAL, "NAME", NULL },
	{ "reauth", CTL_ARG_BOOLEAN, false, 0, NULL,
	  "reauthenticate instead: a new IKE SA from\n"
	  "scratch with all the children, then the old one\n"
	  "is deleted (make before break)" },
	{ NULL, CTL_ARG_STRING, false, 0, NULL, NULL },
};

/* counters: "name" (a connection, optional), "reset" */
static const struct ctl_arg ctl_args_counters[] = {
	{ "name", CTL_ARG_STRING, false, CTL_ARGF_POSITIONAL, "NAME", NULL },
	{ "reset", CTL_ARG_BOOLEAN, false, 0, NULL,
	  "zero the counters once printed (NAME: only its)" },
	{ NULL, CTL_ARG_STRING, false, 0, NULL, NULL },
};

const struct ctl_cmd_desc ctl_cmd_table[] = {
	{ "status", "", "the daemon's version, uptime and SA counts", NULL, CTL_FNS(status) },
	{ "list-conns", "", "the configured connections and their children", NULL,
	  CTL_FNS(list_conns) },
	{ "list-sas", "[--conn NAME] [--id N]",
	  "the IKE SAs and their CHILD SAs: age, next rekey and\n"
	  "expiry, traffic counters and idle time",
	  ctl_args_list_sas, CTL_FNS(list_sas) },
	{ "list-certs", "",
	  "the certificates loaded: subject, issuer, validity, key,\n"
	  "whether its private key is loaded, the file",
	  NULL, CTL_FNS(list_certs) },
	{ "list-pols", "", "conduit's IPsec policies in the kernel, with the child\nthey belong to",
	  NULL, CTL_FNS(list_pols) },
	{ "list-algs", "",
	  "the algorithms this build negotiates (IKE, ESP) and\n"
	  "whether this kernel has each ESP one",
	  NULL, CTL_FNS(list_algs) },
	{ "initiate", "NAME",
	  "start connection NAME, every child of it on one IKE SA\n"
	  "(CONN/CHILD: that child), and wait until each is up or\n"
	  "has failed; an IKE SA already up is reused",
	  ctl_args_initiate, CTL_FNS(initiate) },
	{ "terminate", "NAME | --id N",
	  "delete the IKE SAs of connection NAME (CONN/CHILD: only\n"
	  "that CHILD_SA; the IKE SA and other children stay), or\n"
	  "IKE SA N; waits until the peer answered the deletes",
	  ctl_args_terminate, CTL_FNS(terminate) },
	{ "rekey", "NAME [--reauth]",
	  "rekey the IKE SAs of connection NAME now (CONN/CHILD:\n"
	  "that CHILD_SA); the rekey runs in the background",
	  ctl_args_rekey, CTL_FNS(rekey) },
	{ "reload", "", "re-read the configuration and apply the changes", NULL, CTL_FNS(reload) },
	{ "counters", "[NAME] [--reset]",
	  "IKE messages sent and received by exchange and notify,\n"
	  "retransmissions, drops, SAs established and failed,\n"
	  "failures by reason: global and per connection (NAME:\n"
	  "that one)",
	  ctl_args_counters, CTL_FNS(counters) },
	{ "metrics", "",
	  "the counters, SA counts and per-child traffic in the\n"
	  "Prometheus text format (node_exporter's textfile collector)",
	  NULL, CTL_FNS(metrics) },
	/* conduitctl prints the stream of events that follows the answer
	 * with daemon/monitor_client.c */
	{ "monitor", "",
	  "print SA events as they happen (up, down and why,\n"
	  "rekeyed, NAT mapping moved, failures) until interrupted;\n"
	  "with --json, one JSON object per line",
	  NULL, CTL_FNS(monitor) },
};

const size_t ctl_cmd_count = sizeof(ctl_cmd_table) / sizeof(ctl_cmd_table[0]);

const struct ctl_cmd_desc *ctl_cmd_find(const char *name)
{
	for (size_t i = 0; name != NULL && i < ctl_cmd_count; i++)
		if (strcmp(ctl_cmd_table[i].name, name) == 0)
			return &ctl_cmd_table[i];
	return NULL;
}

const struct ctl_arg *ctl_cmd_arg(const struct ctl_cmd_desc *cmd, const char *name)
{
	for (const struct ctl_arg *a = cmd->args; a != NULL && a->name != NULL; a++)
		if (strcmp(a->name, name) == 0)
			return a;
	return NULL;
}

#define USAGE_COL 20

/* text's lines, the first after a label already printed that ends at
 * column col (or on a line of its own past USAGE_COL - 2), the others
 * indented to USAGE_COL. */
static void put_text(FILE *out, size_t col, const char *text)
{
	const char *nl;

	if (col > USAGE_COL - 2) {
		fputc('\n', out);
		col = 0;
	}
	fprintf(out, "%*s", (int)(USAGE_COL - col), "");
	for (; (nl = strchr(text, '\n')) != NULL; text = nl + 1)
		fprintf(out, "%.*s\n%*s", (int)(nl - text), text, USAGE_COL, "");
	fprintf(out, "%s\n", text);
}

/* An option of the commands (not positional, not --timeout). */
static bool is_option(const struct ctl_arg *a)
{
	return (a->flags & (CTL_ARGF_POSITIONAL | CTL_ARGF_TIMEOUT)) == 0;
}

void ctl_cmd_usage(FILE *out)
{
	bool any_opt = false;

	fputs("Commands:\n", out);
	for (size_t i = 0; i < ctl_cmd_count; i++) {
		const struct ctl_cmd_desc *c = &ctl_cmd_table[i];
		int n = fprintf(out, "  %s%s%s", c->name, c->synopsis[0] ? " " : "", c->synopsis);

		put_text(out, n > 0 ? (size_t)n : 0, c->summary);
		for (const struct ctl_arg *a = c->args; a != NULL && a->name != NULL; a++)
			any_opt = any_opt || is_option(a);
	}
	if (!any_opt)
		return;
	fputs("\nCommand options (after the command):\n", out);
	/* each option once, at its first command, with every command's use */
	for (size_t i = 0; i < ctl_cmd_count; i++) {
		for (const struct ctl_arg *a = ctl_cmd_table[i].args; a != NULL && a->name != NULL;
		     a++) {
			bool seen = false;
			int n;

			if (!is_option(a))
				continue;
			for (size_t k = 0; k < i && !seen; k++)
				seen = ctl_cmd_arg(&ctl_cmd_table[k], a->name) != NULL &&
				       is_option(ctl_cmd_arg(&ctl_cmd_table[k], a->name));
			if (seen)
				continue;
			n = fprintf(out, "  --%s%s%s", a->name, a->metavar ? " " : "",
				    a->metavar ? a->metavar : "");
			for (size_t k = i; k < ctl_cmd_count; k++) {
				const struct ctl_arg *b = ctl_cmd_arg(&ctl_cmd_table[k], a->name);
				char line[256];

				if (b == NULL || !is_option(b))
					continue;
				snprintf(line, sizeof(line), "%s: %s", ctl_cmd_table[k].name,
					 b->help ? b->help : "");
				put_text(out, n > 0 ? (size_t)n : 0, line);
				n = 0;
			}
		}
	}
}
