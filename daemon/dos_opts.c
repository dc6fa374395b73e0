// SPDX-License-Identifier: GPL-2.0-or-later
/* conduitd's denial of service options; see dos_opts.h. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/dos_opts.h"

enum unit {
	U_COUNT,   /* a plain number */
	U_SECONDS, /* seconds, or "500ms" */
	U_BYTES,   /* bytes, or with k/K, m/M (KiB, MiB) */
};

static const struct dos_opt {
	const char *name;
	size_t field; /* offset in struct ike_engine_opts */
	enum unit unit;
	uint32_t min, max; /* in the field's unit (ms for seconds) */
	bool zero_ok;	   /* 0 has a meaning of its own (IKE_OPT_ZERO) */
	const char *arg, *help;
} table[DOS_OPT_COUNT] = {
	{ "cookie-threshold", offsetof(struct ike_engine_opts, cookie_threshold), U_COUNT, 0,
	  1000000, true, "N",
	  "ask for a COOKIE when N half-open IKE SAs exist\n"
	  "                        (default 30; 0: always)" },
	{ "cookie-threshold-ip", offsetof(struct ike_engine_opts, cookie_threshold_ip), U_COUNT, 0,
	  1000000, true, "N",
	  "...or when a source (IPv4 address, IPv6 /64) holds N\n"
	  "                        (default 3; 0: always)" },
	{ "half-open-max", offsetof(struct ike_engine_opts, half_open_max), U_COUNT, 1, 10000000,
	  false, "N",
	  "half-open IKE SAs in all (default 1000); when full,\n"
	  "                        the oldest of the busiest source is evicted" },
	{ "half-open-max-ip", offsetof(struct ike_engine_opts, half_open_max_ip), U_COUNT, 1,
	  1000000, false, "N", "half-open IKE SAs per source (default 5)" },
	{ "half-open-timeout", offsetof(struct ike_engine_opts, half_open_timeout_ms), U_SECONDS,
	  1000, 3600000, false, "TIME",
	  "forget an IKE SA IKE_AUTH does not follow within\n"
	  "                        TIME (seconds, or e.g. 5000ms; default 30)" },
	{ "half-open-memory", offsetof(struct ike_engine_opts, half_open_memory), U_BYTES, 65536,
	  UINT32_MAX - 1, false, "SIZE",
	  "memory for half-open IKE SAs (bytes, or e.g. 64M;\n"
	  "                        default 16M)" },
	{ "reply-rate", offsetof(struct ike_engine_opts, reply_rate), U_COUNT, 0, 10000000, true,
	  "N",
	  "unprotected replies (errors to unknown peers) per\n"
	  "                        second in all (default 1000; COOKIEs not counted)" },
	{ "reply-rate-ip", offsetof(struct ike_engine_opts, reply_rate_ip), U_COUNT, 0, 65535, true,
	  "N", "...and per source (default 10; COOKIEs included)" },
};

const struct option dos_long_opts[DOS_OPT_COUNT] = {
	{ "cookie-threshold", required_argument, NULL, DOS_OPT_BASE + 0 },
	{ "cookie-threshold-ip", required_argument, NULL, DOS_OPT_BASE + 1 },
	{ "half-open-max", required_argument, NULL, DOS_OPT_BASE + 2 },
	{ "half-open-max-ip", required_argument, NULL, DOS_OPT_BASE + 3 },
	{ "half-open-timeout", required_argument, NULL, DOS_OPT_BASE + 4 },
	{ "half-open-memory", required_argument, NULL, DOS_OPT_BASE + 5 },
	{ "reply-rate", required_argument, NULL, DOS_OPT_BASE + 6 },
	{ "reply-rate-ip", required_argument, NULL, DOS_OPT_BASE + 7 },
};

/* The number in arg, in the unit of the field; -EINVAL if malformed. */
static int parse_value(const struct dos_opt *o, const char *arg, unsigned long long *out)
{
	char *end;
	unsigned long long v, mult = 1;

	if (!arg || !*arg || *arg == '-' || *arg == '+' || *arg == ' ')
		return -EINVAL;
	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || end == arg)
		return -EINVAL;
	switch (o->unit) {
	case U_COUNT:
		if (*end)
			return -EINVAL;
		break;
	case U_SECONDS:
		if (!strcmp(end, "ms"))
			mult = 1;
		else if (!*end || !strcmp(end, "s"))
			mult = 1000;
		else
			return -EINVAL;
		break;
	case U_BYTES:
		if (!strcmp(end, "k") || !strcmp(end, "K"))
			mult = 1024;
		else if (!strcmp(end, "m") || !strcmp(end, "M"))
			mult = 1024 * 1024;
		else if (*end)
			return -EINVAL;
		break;
	}
	if (v > UINT32_MAX || v * mult > UINT32_MAX)
		return -EINVAL;
	*out = v * mult;
	return 0;
}

int dos_opt_parse(int c, const char *arg, struct ike_engine_opts *eo, char *err, size_t len)
{
	const struct dos_opt *o;
	unsigned long long v;
	uint32_t *field;

	if (!dos_opt_is(c))
		return -EINVAL;
	o = &table[c - DOS_OPT_BASE];
	field = (uint32_t *)(void *)((char *)eo + o->field);
	if (parse_value(o, arg, &v) || v < o->min || v > o->max) {
		if (o->unit == U_SECONDS)
			snprintf(err, len, "--%s \"%s\": give %u to %u seconds (or ms, e.g. %ums)",
				 o->name, arg ? arg : "", o->min / 1000, o->max / 1000, o->min);
		else if (o->unit == U_BYTES)
			snprintf(err, len, "--%s \"%s\": give %u bytes (64K) to 4095M", o->name,
				 arg ? arg : "", o->min);
		else
			snprintf(err, len, "--%s \"%s\": give %u to %u", o->name, arg ? arg : "",
				 o->min, o->max);
		return -EINVAL;
	}
	/* 0 means "the default" in ike_engine_opts: an explicit 0 says so */
	*field = v == 0 && o->zero_ok ? IKE_OPT_ZERO : (uint32_t)v;
	return 0;
}

void dos_opts_usage(FILE *f)
{
	for (size_t i = 0; i < DOS_OPT_COUNT; i++) {
		char head[64];

		snprintf(head, sizeof(head), "      --%s %s", table[i].name, table[i].arg);
		if (strlen(head) < 23)
			fprintf(f, "%-24s%s\n", head, table[i].help);
		else
			fprintf(f, "%s\n                        %s\n", head, table[i].help);
	}
}
