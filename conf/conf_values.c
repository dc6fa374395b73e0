// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Value syntax of swanctl.conf, as strongSwan's vici plugin reads it
 * (vici_config.c): integers through strtoul() with base 0 (so 0x hex and,
 * like strongSwan, a leading 0 for octal), times with one s/m/h/d suffix,
 * volumes with one k/m/g suffix (powers of 1024), booleans yes/true/enabled/1
 * and no/false/disabled/0 in any case. Unlike strongSwan, an empty value, a
 * sign or an overflow is an error rather than a silent 0 or wrap-around.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "conf/conf_internal.h"

bool conf_has_prefix(const char *s, const char *prefix)
{
	return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

/* The number at the start of s, as strtoull(s, &end, 0) would read it, but
 * refusing signs, leading blanks and overflow. */
static int parse_number(const char *s, uint64_t *out, const char **end)
{
	char *e;
	unsigned long long v;

	if (!isdigit((unsigned char)s[0]))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &e, 0);
	if (errno == ERANGE || e == s)
		return -EINVAL;
	*out = v;
	*end = e;
	return 0;
}

int conf_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	const char *end;
	uint64_t v;

	if (parse_number(s, &v, &end) < 0 || *end != '\0' || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

static int mul_check(uint64_t *v, uint64_t m)
{
	if (*v > UINT64_MAX / m)
		return -EINVAL;
	*v *= m;
	return 0;
}

/* A unit suffix (either case) and what it multiplies by. */
struct unit {
	char suffix;
	uint64_t mult;
};

/* A number, optional spaces, then at most one suffix of units[]. */
static int parse_scaled(const char *s, const struct unit *units, size_t n_units, uint64_t *out)
{
	const char *end;
	uint64_t v, m = 1;

	if (parse_number(s, &v, &end) < 0)
		return -EINVAL;
	while (*end == ' ')
		end++;
	if (*end != '\0') {
		size_t i;

		for (i = 0; i < n_units; i++)
			if (tolower((unsigned char)*end) == units[i].suffix)
				break;
		if (i == n_units)
			return -EINVAL;
		m = units[i].mult;
		end++;
	}
	if (*end != '\0' || mul_check(&v, m) < 0)
		return -EINVAL;
	*out = v;
	return 0;
}

int conf_parse_duration(const char *s, uint64_t *out)
{
	static const struct unit units[] = {
		{ 'd', 24 * 60 * 60 }, { 'h', 60 * 60 }, { 'm', 60 }, { 's', 1 },
	};

	return parse_scaled(s, units, sizeof(units) / sizeof(units[0]), out);
}

int conf_parse_volume(const char *s, uint64_t *out)
{
	static const struct unit units[] = {
		{ 'g', 1024ull * 1024 * 1024 }, { 'm', 1024ull * 1024 }, { 'k', 1024 },
	};

	return parse_scaled(s, units, sizeof(units) / sizeof(units[0]), out);
}

int conf_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "yes", "true", "enabled", "1" };
	static const char *const no[] = { "no", "false", "disabled", "0" };

	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(s, yes[i]) == 0) {
			*out = true;
			return 0;
		}
		if (strcasecmp(s, no[i]) == 0) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

void conf_list_free(struct conf_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->items[i].value);
	free(l->items);
	l->items = NULL;
	l->n = 0;
}

int conf_split_list(const char *s, const struct conf_loc *loc, struct conf_list *out)
{
	size_t n = 1, i = 0;
	const char *p;

	for (p = s; *p; p++)
		n += *p == ',';
	out->items = calloc(n, sizeof(*out->items));
	if (!out->items)
		return -ENOMEM;
	out->n = 0;
	out->loc = *loc;
	p = s;
	for (i = 0; i < n; i++) {
		const char *start = p, *stop;
		char *item;

		while (*p && *p != ',')
			p++;
		stop = p;
		while (start < stop && *start == ' ')
			start++;
		while (stop > start && stop[-1] == ' ')
			stop--;
		if (stop == start) {
			conf_list_free(out);
			return -EINVAL;
		}
		item = strndup(start, (size_t)(stop - start));
		if (!item) {
			conf_list_free(out);
			return -ENOMEM;
		}
		out->items[out->n].value = item;
		out->items[out->n].loc = *loc;
		out->n++;
		if (*p == ',')
			p++;
	}
	return 0;
}

static int parse_ip(const char *s, size_t len, int *family)
{
	char buf[INET6_ADDRSTRLEN + 1];
	unsigned char bin[16];

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (inet_pton(AF_INET, buf, bin) == 1) {
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, bin) == 1) {
		*family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

/* RFC 1123 host names; '_' too, as real-world names carry it. */
static bool is_dns_name(const char *s)
{
	size_t label = 0, len = strlen(s);
	bool alpha = false;

	if (len == 0 || len > 253)
		return false;
	for (const char *p = s; *p; p++) {
		if (*p == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)*p) && *p != '-' && *p != '_')
			return false;
		if (isalpha((unsigned char)*p))
			alpha = true;
		if (++label > 63)
			return false;
	}
	/* all digits and dots is a mistyped IPv4 address, not a name */
	return alpha;
}

int conf_check_addr(const char *s, bool *specific)
{
	const char *slash = strchr(s, '/'), *dash;
	int fam, fam2;

	*specific = false;
	/* strongSwan's host.c: 0.0.0.0 is %any4 and :: is %any6 */
	if (strcmp(s, "%any") == 0 || strcmp(s, "%any4") == 0 || strcmp(s, "%any6") == 0 ||
	    strcmp(s, "0.0.0.0") == 0 || strcmp(s, "::") == 0)
		return 0;
	if (slash) {
		uint64_t prefix;

		if (parse_ip(s, (size_t)(slash - s), &fam) < 0)
			return -EINVAL;
		if (conf_parse_uint(slash + 1, fam == AF_INET ? 32 : 128, &prefix) < 0)
			return -EINVAL;
		/* strtoul base 0 would read "010" as octal: insist on decimal */
		if (slash[1] == '0' && slash[2] != '\0')
			return -EINVAL;
		return 0;
	}
	if (parse_ip(s, strlen(s), &fam) == 0) {
		*specific = true;
		return 0;
	}
	dash = strchr(s, '-');
	if (dash && parse_ip(s, (size_t)(dash - s), &fam) == 0) {
		if (parse_ip(dash + 1, strlen(dash + 1), &fam2) < 0 || fam != fam2)
			return -EINVAL;
		return 0;
	}
	if (is_dns_name(s)) {
		*specific = true;
		return 0;
	}
	return -EINVAL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int decode_hex(const char *s, uint8_t **out, size_t *out_len)
{
	size_t len = strlen(s);
	uint8_t *buf;

	if (len == 0 || len % 2)
		return -EINVAL;
	buf = malloc(len / 2);
	if (!buf)
		return -ENOMEM;
	for (size_t i = 0; i < len / 2; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			OPENSSL_cleanse(buf, len / 2);
			free(buf);
			return -EINVAL;
		}
		buf[i] = (uint8_t)(hi << 4 | lo);
	}
	*out = buf;
	*out_len = len / 2;
	return 0;
}

static bool is_b64(char c)
{
	return isalnum((unsigned char)c) || c == '+' || c == '/';
}

static int decode_base64(const char *s, uint8_t **out, size_t *out_len)
{
	size_t len = strlen(s), pad = 0;
	uint8_t *buf;
	int n;

	if (len == 0 || len % 4 || len > INT_MAX)
		return -EINVAL;
	if (s[len - 1] == '=')
		pad++;
	if (s[len - 2] == '=')
		pad++;
	for (size_t i = 0; i < len - pad; i++)
		if (!is_b64(s[i]))
			return -EINVAL;
	buf = malloc(len / 4 * 3);
	if (!buf)
		return -ENOMEM;
	/* EVP_DecodeBlock does not strip padding: it counts as zero bytes */
	n = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)len);
	if (n < 0 || (size_t)n < pad || (size_t)n - pad == 0) {
		OPENSSL_cleanse(buf, len / 4 * 3);
		free(buf);
		return -EINVAL;
	}
	*out = buf;
	*out_len = (size_t)n - pad;
	return 0;
}

int conf_decode_secret(const char *s, uint8_t **out, size_t *out_len)
{
	size_t len = strlen(s);

	/* strongSwan's load_creds.c: case-insensitive 0x and 0s prefixes */
	if (conf_has_prefix(s, "0x"))
		return decode_hex(s + 2, out, out_len);
	if (conf_has_prefix(s, "0s"))
		return decode_base64(s + 2, out, out_len);
	if (len == 0)
		return -EINVAL;
	*out = malloc(len);
	if (!*out)
		return -ENOMEM;
	memcpy(*out, s, len);
	*out_len = len;
	return 0;
}

/* strongSwan's mark_from_string(), without its silent zeros: an empty
 * value or mask, a sign or an overflow is an error. */
int conf_parse_mark(const char *s, bool unique, bool same, struct conf_mark *out)
{
	const char *slash = strchr(s, '/');
	size_t vlen = slash ? (size_t)(slash - s) : strlen(s);
	bool placeholder = false;
	uint64_t v = 0, m = 0xffffffffu;
	char buf[32];

	if (!vlen || vlen >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, vlen);
	buf[vlen] = '\0';
	if (unique && strcasecmp(buf, "%unique") == 0) {
		v = CONF_MARK_UNIQUE;
		placeholder = true;
	} else if (unique && strcasecmp(buf, "%unique-dir") == 0) {
		v = CONF_MARK_UNIQUE_DIR;
		placeholder = true;
	} else if (same && strcasecmp(buf, "%same") == 0) {
		v = CONF_MARK_SAME;
		placeholder = true;
	} else if (conf_parse_uint(buf, 0xffffffffu, &v) < 0) {
		return -EINVAL;
	}
	if (slash && conf_parse_uint(slash + 1, 0xffffffffu, &m) < 0)
		return -EINVAL;
	out->value = (uint32_t)v;
	out->mask = (uint32_t)m;
	/* the value in range of its mask, as strongSwan does */
	if (!placeholder)
		out->value &= out->mask;
	return 0;
}

int conf_parse_if_id(const char *s, uint32_t *out)
{
	uint64_t v;

	if (strcasecmp(s, "%unique") == 0) {
		*out = CONF_IF_ID_UNIQUE;
		return 0;
	}
	if (strcasecmp(s, "%unique-dir") == 0) {
		*out = CONF_IF_ID_UNIQUE_DIR;
		return 0;
	}
	if (conf_parse_uint(s, 0xffffffffu, &v) < 0)
		return -EINVAL;
	*out = (uint32_t)v;
	return 0;
}
