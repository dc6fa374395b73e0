// SPDX-License-Identifier: GPL-2.0-or-later
/* conf/: the swanctl.conf language, its defaults and its diagnostics. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf/conf.h"
#include "conf/conf_internal.h"
#include "tests/unit/unit.h"

/* ---- helpers ---- */

static char *data_path(const char *rel)
{
	const char *src = getenv("CONDUIT_SRCDIR");
	char *p;

	if (src && *src)
		ck_assert_int_ge(asprintf(&p, "%s/tests/unit/conf/%s", src, rel), 0);
	else
		ck_assert_int_ge(asprintf(&p, "tests/unit/conf/%s", rel), 0);
	return p;
}

static char *example_path(void)
{
	const char *src = getenv("CONDUIT_SRCDIR");
	char *p;

	ck_assert_int_ge(asprintf(&p, "%s%sconf/conduit.conf.example", src && *src ? src : "",
				  src && *src ? "/" : ""),
			 0);
	return p;
}

static int load_text(const char *text, struct conf **c, struct conf_diags *d)
{
	conf_diags_init(d);
	return conf_load_string("conduit.conf", text, strlen(text), c, d);
}

static void dump(const struct conf_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "  diag: %s\n", d->list[i].msg);
}

/* Loads text that must have no error and no warning. */
static struct conf *load_clean(const char *text)
{
	struct conf_diags d;
	struct conf *c = NULL;
	int r = load_text(text, &c, &d);

	if (r != 0 || d.n)
		dump(&d);
	ck_assert_int_eq(r, 0);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_ptr_nonnull(c);
	conf_diags_clear(&d);
	return c;
}

/* The number of diagnostics of severity sev at line whose text has sub. */
static size_t count_diag(const struct conf_diags *d, enum conf_severity sev, unsigned int line,
			 const char *sub)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n; i++)
		n += d->list[i].severity == sev && (line == 0 || d->list[i].line == line) &&
		     strstr(d->list[i].text, sub) != NULL;
	return n;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t a = s ? strlen(s) : 0, b = strlen(suffix);

	return s && a >= b && strcmp(s + a - b, suffix) == 0;
}

/* A connection that loads: lines 1-3, the caller's lines start at 4. Its
 * secret keeps the psk-without-secret warning away. */
#define HEAD "connections {\n c {\n  local { auth = psk }\n"
#define TAIL " }\n}\nsecrets { ike-any { secret = test } }\n"
#define SECRET "secrets { ike-any { secret = test } }\n"

/* ---- syntax ---- */

START_TEST(test_syntax_nesting_comments_quoting)
{
	struct conf *c = load_clean("# a comment line\n"
				    "connections   # comment after a section name\n"
				    "{\n" /* the brace may follow on a later line */
				    "  c\n"
				    "\n"
				    "  {\n"
				    "    remote_addrs = 192.0.2.1 # trailing comment\n"
				    "    local { auth = psk\n"
				    "      id = \"quoted \\\"id\\\" with\\ttab and # hash\"\n"
				    "    }\n"
				    "    remote { id = two   words\there }\n"
				    "    proposals = \"aes128-sha256 ,\"modp2048\n"
				    "    children { x { mode = transport } }\n"
				    "  }\n"
				    "}\n"
				    "secrets { ike { secret = \"a\\\n"
				    "b\\nc\\\\d\\qe\"\n"
				    "} }\n");
	struct conf_conn *conn = conf_find_conn(c, "c");
	struct conf_secret *s;

	ck_assert_ptr_nonnull(conn);
	ck_assert_str_eq(conn->local.id.value, "quoted \"id\" with\ttab and # hash");
	ck_assert_uint_eq(conn->local.id.loc.line, 9);
	/* unquoted words are joined by one space, whatever the blanks */
	ck_assert_str_eq(conn->remote.id.value, "two words here");
	/* a quoted part and a word: joined by a space, then split at commas */
	ck_assert_uint_eq(conn->proposals.n, 2);
	ck_assert_str_eq(conn->proposals.items[0].value, "aes128-sha256");
	ck_assert_str_eq(conn->proposals.items[1].value, "modp2048");
	ck_assert_uint_eq(conn->n_children, 1);
	ck_assert_int_eq(TAILQ_FIRST(&conn->children)->mode, CONF_MODE_TRANSPORT);
	s = TAILQ_FIRST(&c->secrets);
	/* backslash-newline continues, \n is a newline, \\ a backslash, \q is q */
	ck_assert_uint_eq(s->key_len, 8);
	ck_assert_mem_eq(s->key, "ab\nc\\dqe", 8);
	conf_free(c);
}
END_TEST

START_TEST(test_syntax_value_ends_at_brace)
{
	struct conf *c =
	    load_clean("connections { c { local { auth = psk } dpd_delay = 5 } }\n" SECRET);

	ck_assert_uint_eq(conf_find_conn(c, "c")->dpd_delay, 5);
	conf_free(c);
}
END_TEST

START_TEST(test_syntax_errors)
{
	static const struct {
		const char *text;
		unsigned int line;
		const char *msg;
	} cases[] = {
		{ "connections {\n c {\n", 2, "is not closed" },
		{ "}\n", 1, "unexpected '}'" },
		{ "a = \"open\n\n", 1, "unterminated quoted string" },
		{ "\"x\" = 1\n", 1, "unexpected quoted string" },
		{ "= 1\n", 1, "unexpected '='" },
		{ "name value\n", 1, "expected '=' or '{' after 'name'" },
		{ "a : { }\n", 1, "expected the name of a section" },
		{ "x\0y = 1\n", 1, "NUL byte" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct conf_diags d;
		struct conf *c = (struct conf *)1;
		size_t len = strlen(cases[i].text);
		int r;

		if (i == sizeof(cases) / sizeof(cases[0]) - 1)
			len = 8;
		conf_diags_init(&d);
		r = conf_load_string("conduit.conf", cases[i].text, len, &c, &d);
		if (count_diag(&d, CONF_SEV_ERROR, cases[i].line, cases[i].msg) != 1)
			dump(&d);
		ck_assert_int_eq(r, -EINVAL);
		ck_assert_ptr_null(c);
		ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, cases[i].line, cases[i].msg), 1);
		conf_diags_clear(&d);
	}
}
END_TEST

START_TEST(test_syntax_empty_value_is_unset)
{
	struct conf_diags d;
	struct conf *c;

	/* strongSwan passes no value for "key =": the default applies */
	ck_assert_int_eq(load_text(HEAD "  rekey_time =\n" TAIL, &c, &d), 0);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_WARNING, 4, "has no value"), 1);
	ck_assert_uint_eq(conf_find_conn(c, "c")->rekey_time, 4 * 3600);
	conf_free(c);
	conf_diags_clear(&d);
	/* an empty quoted string is a value, and not a valid time */
	ck_assert_int_eq(load_text(HEAD "  rekey_time = \"\"\n" TAIL, &c, &d), -EINVAL);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 4, "invalid value '' for 'rekey_time'"),
			  1);
	conf_diags_clear(&d);
}
END_TEST

START_TEST(test_lists)
{
	struct conf *c = load_clean(
	    HEAD "  local_addrs =  192.0.2.1 ,2001:db8::1,host-1.example.org , 10.0.0.0/8,"
		 "10.0.0.1-10.0.0.9, %any6\n" TAIL);
	const struct conf_list *l = &conf_find_conn(c, "c")->local_addrs;
	static const char *const want[] = { "192.0.2.1",  "2001:db8::1",       "host-1.example.org",
					    "10.0.0.0/8", "10.0.0.1-10.0.0.9", "%any6" };

	ck_assert_uint_eq(l->n, 6);
	for (size_t i = 0; i < 6; i++) {
		ck_assert_str_eq(l->items[i].value, want[i]);
		ck_assert_uint_eq(l->items[i].loc.line, 4);
	}
	conf_free(c);
}
END_TEST

START_TEST(test_lists_bad)
{
	static const char *const bad[] = {
		"192.0.2.1,,192.0.2.2", "192.0.2.1,", "192.0.2.0/33", "192.0.2.1-2001:db8::1",
		"no_such host",		"1.2.3",      "%anything",    "2001:db8::/129",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct conf_diags d;
		struct conf *c;
		char *text;

		ck_assert_int_ge(asprintf(&text, HEAD "  remote_addrs = %s\n" TAIL, bad[i]), 0);
		ck_assert_int_eq(load_text(text, &c, &d), -EINVAL);
		if (d.n_errors != 1)
			dump(&d);
		ck_assert_uint_eq(d.n_errors, 1);
		ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 4, "'remote_addrs'"), 1);
		conf_diags_clear(&d);
		free(text);
	}
}
END_TEST

/* ---- includes ---- */

START_TEST(test_include_glob_relative)
{
	char *path = data_path("inc/main.conf");
	struct conf_diags d;
	struct conf *c;
	struct conf_conn *a, *b;
	struct conf_secret *s;

	conf_diags_init(&d);
	ck_assert_int_eq(conf_load_file(path, &c, &d), 0);
	if (d.n)
		dump(&d);
	/* the conf.d glob matches nothing: fine, as in strongSwan */
	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(c->n_conns, 2);
	a = TAILQ_FIRST(&c->conns);
	b = TAILQ_NEXT(a, entry);
	/* glob(3) sorts: a.conf before b.conf */
	ck_assert_str_eq(a->name, "alpha");
	ck_assert_str_eq(b->name, "beta");
	ck_assert(ends_with(a->loc.file, "inc/sub/a.conf"));
	ck_assert_uint_eq(a->loc.line, 2);
	ck_assert(ends_with(a->remote_addrs.loc.file, "inc/sub/a.conf"));
	ck_assert_uint_eq(a->remote_addrs.loc.line, 3);
	ck_assert_str_eq(b->local.id.value, "beta.example.org");
	s = TAILQ_FIRST(&c->secrets);
	ck_assert_ptr_nonnull(s);
	ck_assert(ends_with(s->loc.file, "inc/secrets.conf"));
	ck_assert_uint_eq(s->key_len, strlen("included secret"));
	ck_assert_mem_eq(s->key, "included secret", s->key_len);
	conf_free(c);
	conf_diags_clear(&d);
	free(path);
}
END_TEST

START_TEST(test_include_cycle)
{
	char *path = data_path("cycle/a.conf");
	struct conf_diags d;
	struct conf *c;

	conf_diags_init(&d);
	ck_assert_int_eq(conf_load_file(path, &c, &d), -EINVAL);
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(d.n_errors, 1);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 3, "include cycle"), 1);
	ck_assert(ends_with(d.list[0].file, "cycle/b.conf"));
	conf_diags_clear(&d);
	free(path);
}
END_TEST

START_TEST(test_include_error_names_file)
{
	char *path = data_path("errors/inc_main.conf");
	struct conf_diags d;
	struct conf *c;

	conf_diags_init(&d);
	ck_assert_int_eq(conf_load_file(path, &c, &d), -EINVAL);
	ck_assert_uint_eq(d.n_errors, 1);
	ck_assert(ends_with(d.list[0].file, "errors/inc_bad.conf"));
	ck_assert_uint_eq(d.list[0].line, 3);
	ck_assert_str_eq(d.list[0].text, "unknown key 'no_such_key' in connections.bad");
	ck_assert(strstr(d.list[0].msg, "errors/inc_bad.conf:3: unknown key") != NULL);
	conf_diags_clear(&d);
	free(path);
}
END_TEST

START_TEST(test_include_missing_and_depth)
{
	char dir[] = "/tmp/conduit-conf-XXXXXX";
	char *path;
	struct conf_diags d;
	struct conf *c;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* a chain f0 -> f1 -> ... deeper than the limit */
	for (unsigned int i = 0; i <= CONF_MAX_INCLUDE_DEPTH + 1; i++) {
		FILE *f;

		ck_assert_int_ge(asprintf(&path, "%s/f%u.conf", dir, i), 0);
		f = fopen(path, "w");
		ck_assert_ptr_nonnull(f);
		fprintf(f, "include f%u.conf\n", i + 1);
		fclose(f);
		free(path);
	}
	ck_assert_int_ge(asprintf(&path, "%s/f0.conf", dir), 0);
	conf_diags_init(&d);
	ck_assert_int_eq(conf_load_file(path, &c, &d), -EINVAL);
	ck_assert_uint_eq(d.n_errors, 1);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 1, "includes nested deeper"), 1);
	conf_diags_clear(&d);
	free(path);

	/* a missing plain file is a warning (strongSwan ignores it) */
	ck_assert_int_ge(asprintf(&path, "%s/m.conf", dir), 0);
	{
		FILE *f = fopen(path, "w");

		ck_assert_ptr_nonnull(f);
		fputs("\ninclude absent.conf\n", f);
		fclose(f);
	}
	conf_diags_init(&d);
	ck_assert_int_eq(conf_load_file(path, &c, &d), 0);
	ck_assert_uint_eq(d.n_warnings, 1);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_WARNING, 2, "no such file"), 1);
	conf_free(c);
	conf_diags_clear(&d);
	unlink(path);
	free(path);

	for (unsigned int i = 0; i <= CONF_MAX_INCLUDE_DEPTH + 1; i++) {
		ck_assert_int_ge(asprintf(&path, "%s/f%u.conf", dir, i), 0);
		unlink(path);
		free(path);
	}
	rmdir(dir);

	/* the main file missing: -ENOENT and a diagnostic naming it */
	conf_diags_init(&d);
	ck_assert_int_eq(conf_load_file("/nonexistent/conduit.conf", &c, &d), -ENOENT);
	ck_assert_ptr_null(c);
	ck_assert_uint_eq(d.n_errors, 1);
	ck_assert_str_eq(d.list[0].file, "/nonexistent/conduit.conf");
	conf_diags_clear(&d);
}
END_TEST

/* ---- every key ---- */

START_TEST(test_every_key_good)
{
	char *path = data_path("full.conf");
	struct conf_diags d;
	struct conf *c;
	struct conf_conn *k;
	struct conf_child *ch;
	struct conf_secret *s;
	static const uint8_t key[] = { 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef };

	conf_diags_init(&d);
	ck_assert_int_eq(conf_load_file(path, &c, &d), 0);
	if (d.n)
		dump(&d);
	ck_assert_uint_eq(d.n, 0);
	k = conf_find_conn(c, "full");
	ck_assert_ptr_nonnull(k);
	ck_assert_uint_eq(k->version, 2);
	ck_assert_uint_eq(k->local_addrs.n, 2);
	ck_assert_str_eq(k->local_addrs.items[1].value, "2001:db8::1");
	ck_assert_uint_eq(k->remote_addrs.n, 3);
	ck_assert_str_eq(k->remote_addrs.items[2].value, "203.0.113.1-203.0.113.9");
	ck_assert_uint_eq(k->local_port, 4500);
	ck_assert_uint_eq(k->remote_port, 4501);
	ck_assert_uint_eq(k->proposals.n, 2);
	ck_assert_str_eq(k->proposals.items[0].value, "aes128gcm16-prfsha256-ecp256");
	ck_assert_uint_eq(k->proposals.items[0].loc.line, 9);
	ck_assert(k->encap);
	ck_assert_uint_eq(k->dpd_delay, 10);
	ck_assert_uint_eq(k->rekey_time, 7200);
	ck_assert_uint_eq(k->reauth_time, 8 * 3600);
	ck_assert_uint_eq(k->over_time, 300);
	ck_assert_uint_eq(k->rand_time, 60);
	ck_assert_uint_eq(k->keyingtries, 3);
	ck_assert_int_eq(k->childless, CONF_CHILDLESS_FORCE);
	ck_assert_int_eq(k->unique, CONF_UNIQUE_REPLACE);
	ck_assert_int_eq(k->local.auth, CONF_AUTH_PSK);
	ck_assert_str_eq(k->local.id.value, "local@example.org");
	ck_assert_int_eq(k->remote.auth, CONF_AUTH_PSK);
	/* an id is not a list: its comma stays */
	ck_assert_str_eq(k->remote.id.value, "CN=peer, O=Example");
	ck_assert_uint_eq(k->remote.id.loc.line, 25);
	ch = conf_find_child(k, "one");
	ck_assert_ptr_nonnull(ch);
	ck_assert_uint_eq(ch->local_ts.n, 2);
	ck_assert_str_eq(ch->local_ts.items[1].value, "10.3.0.0/16[tcp/80]");
	ck_assert_str_eq(ch->remote_ts.items[0].value, "10.2.0.0/16");
	ck_assert_uint_eq(ch->esp_proposals.n, 2);
	ck_assert_int_eq(ch->mode, CONF_MODE_TRANSPORT);
	ck_assert_int_eq(ch->start_action, CONF_ACTION_START);
	ck_assert_int_eq(ch->close_action, CONF_ACTION_START);
	ck_assert_int_eq(ch->dpd_action, CONF_ACTION_START);
	ck_assert_uint_eq(ch->rekey_time, 1800);
	ck_assert_uint_eq(ch->life_time, 2400);
	ck_assert_uint_eq(ch->rand_time, 120);
	ck_assert_uint_eq(ch->rekey_bytes, 1024ull * 1024 * 1024);
	ck_assert_uint_eq(ch->life_bytes, 2048ull * 1024 * 1024);
	ck_assert_uint_eq(ch->rand_bytes, 10240);
	ck_assert_uint_eq(ch->rekey_packets, 1000000);
	ck_assert_uint_eq(ch->life_packets, 2000000);
	ck_assert_uint_eq(ch->rand_packets, 256);
	s = TAILQ_FIRST(&c->secrets);
	ck_assert_str_eq(s->name, "ike-full");
	ck_assert_uint_eq(s->n_ids, 2);
	ck_assert_str_eq(s->ids[1].value, "CN=peer, O=Example");
	ck_assert_uint_eq(s->key_len, sizeof(key));
	ck_assert_mem_eq(s->key, key, sizeof(key));
	conf_free(c);
	conf_diags_clear(&d);
	free(path);
}
END_TEST

START_TEST(test_every_key_bad)
{
	static const struct {
		bool child;
		const char *key, *value;
	} cases[] = {
		{ false, "version", "3" },
		{ false, "version", "two" },
		{ false, "local_addrs", "not an address" },
		{ false, "remote_addrs", "300.1.1.1" },
		{ false, "local_port", "0" },
		{ false, "local_port", "65536" },
		{ false, "remote_port", "-1" },
		{ false, "proposals", "aes128,,sha256" },
		{ false, "encap", "maybe" },
		{ false, "dpd_delay", "10x" },
		{ false, "rekey_time", "1.5h" },
		{ false, "reauth_time", "h" },
		{ false, "over_time", "99999999999999999999" },
		{ false, "rand_time", "+5" },
		{ false, "keyingtries", "4294967296" },
		{ false, "childless", "sometimes" },
		{ false, "unique", "yes" },
		{ false, "unique", "replace, keep" },
		{ true, "local_ts", "10.0.0.0/8," },
		{ true, "remote_ts", ",10.0.0.0/8" },
		{ true, "esp_proposals", " , " },
		{ true, "mode", "tunnelish" },
		{ true, "start_action", "go" },
		{ true, "close_action", "hold" },
		{ true, "dpd_action", "nothing" },
		{ true, "rekey_time", "1hs" },
		{ true, "life_time", "-1" },
		{ true, "rand_time", "1w" },
		{ true, "rekey_bytes", "1t" },
		{ true, "life_bytes", "99999999999g" },
		{ true, "rand_bytes", "k" },
		{ true, "rekey_packets", "1k" },
		{ true, "life_packets", "1e6" },
		{ true, "rand_packets", "0xg" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct conf_diags d;
		struct conf *c;
		char *text;

		if (cases[i].child)
			ck_assert_int_ge(asprintf(&text,
						  HEAD "  children { n {\n   %s = %s\n  } }\n" TAIL,
						  cases[i].key, cases[i].value),
					 0);
		else
			ck_assert_int_ge(
			    asprintf(&text, HEAD "  %s = %s\n" TAIL, cases[i].key, cases[i].value),
			    0);
		ck_assert_int_eq(load_text(text, &c, &d), -EINVAL);
		if (d.n_errors != 1)
			dump(&d);
		ck_assert_msg(d.n_errors == 1, "%s = %s", cases[i].key, cases[i].value);
		ck_assert_uint_eq(d.list[0].line, cases[i].child ? 5 : 4);
		ck_assert_msg(strstr(d.list[0].text, cases[i].key) != NULL, "%s", d.list[0].text);
		conf_diags_clear(&d);
		free(text);
	}
}
END_TEST

/* ---- defaults, as swanctl.conf(5) and vici_config.c define them ---- */

START_TEST(test_defaults)
{
	struct conf *c = load_clean(HEAD "  children { n { } }\n" TAIL);
	struct conf_conn *k = conf_find_conn(c, "c");
	struct conf_child *ch = conf_find_child(k, "n");

	ck_assert_uint_eq(k->version, 0);	/* version = 0: any; IKEv2 here */
	ck_assert_uint_eq(k->local_addrs.n, 1); /* local_addrs = %any */
	ck_assert_str_eq(k->local_addrs.items[0].value, "%any");
	ck_assert_uint_eq(k->local_addrs.items[0].loc.line, 0);
	ck_assert_str_eq(k->remote_addrs.items[0].value, "%any"); /* remote_addrs = %any */
	ck_assert_uint_eq(k->local_port, 500);			  /* local_port = 500 */
	ck_assert_uint_eq(k->remote_port, 500);			  /* remote_port = 500 */
	ck_assert_str_eq(k->proposals.items[0].value, "default"); /* proposals = default */
	ck_assert(!k->encap);					  /* encap = no */
	ck_assert_uint_eq(k->dpd_delay, 0);			  /* dpd_delay = 0s */
	ck_assert_uint_eq(k->rekey_time, 4 * 3600);		  /* rekey_time = 4h */
	ck_assert_uint_eq(k->reauth_time, 0);			  /* reauth_time = 0s */
	ck_assert_uint_eq(k->over_time, 1440);		 /* 10% of rekey_time/reauth_time */
	ck_assert_uint_eq(k->rand_time, 1440);		 /* rand_time = over_time */
	ck_assert_uint_eq(k->keyingtries, 1);		 /* keyingtries = 1 */
	ck_assert_int_eq(k->unique, CONF_UNIQUE_NO);	 /* unique = no */
	ck_assert_int_eq(k->remote.auth, CONF_AUTH_ANY); /* no remote auth: any */
	ck_assert_ptr_null(k->local.id.value);
	ck_assert_ptr_null(k->remote.id.value);			   /* remote id = %any */
	ck_assert_str_eq(ch->local_ts.items[0].value, "dynamic");  /* local_ts = dynamic */
	ck_assert_str_eq(ch->remote_ts.items[0].value, "dynamic"); /* remote_ts = dynamic */
	ck_assert_str_eq(ch->esp_proposals.items[0].value, "default");
	ck_assert_int_eq(ch->mode, CONF_MODE_TUNNEL);	      /* mode = tunnel */
	ck_assert_int_eq(ch->start_action, CONF_ACTION_NONE); /* start_action = none */
	ck_assert_int_eq(ch->close_action, CONF_ACTION_NONE); /* close_action = none */
	ck_assert_int_eq(ch->dpd_action, CONF_ACTION_NONE);   /* dpd_action = clear */
	ck_assert_uint_eq(ch->rekey_time, 3600);	      /* rekey_time = 1h */
	ck_assert_uint_eq(ch->life_time, 3960);		      /* life_time = rekey_time + 10% */
	ck_assert_uint_eq(ch->rand_time, 360); /* rand_time = life_time - rekey_time */
	ck_assert_uint_eq(ch->rekey_bytes, 0); /* rekey_bytes = 0 */
	ck_assert_uint_eq(ch->life_bytes, 0);
	ck_assert_uint_eq(ch->rand_bytes, 0);
	ck_assert_uint_eq(ch->rekey_packets, 0);
	ck_assert_uint_eq(ch->life_packets, 0);
	ck_assert_uint_eq(ch->rand_packets, 0);
	conf_free(c);
}
END_TEST

START_TEST(test_defaults_derived)
{
	struct conf *c;
	struct conf_conn *k;
	struct conf_child *ch;

	/* "If a reauth_time is configured, rekey_time defaults to zero" */
	c = load_clean(HEAD "  reauth_time = 2h\n" TAIL);
	k = conf_find_conn(c, "c");
	ck_assert_uint_eq(k->rekey_time, 0);
	ck_assert_uint_eq(k->reauth_time, 7200);
	ck_assert_uint_eq(k->over_time, 720);
	ck_assert_uint_eq(k->rand_time, 720);
	conf_free(c);

	/* over_time: 10% of the longer; rand_time: at most half the shorter */
	c = load_clean(HEAD "  rekey_time = 1h\n  reauth_time = 8h\n" TAIL);
	k = conf_find_conn(c, "c");
	ck_assert_uint_eq(k->over_time, 2880);
	ck_assert_uint_eq(k->rand_time, 1800);
	conf_free(c);

	/* rand_time follows an explicit over_time */
	c = load_clean(HEAD "  over_time = 10m\n" TAIL);
	k = conf_find_conn(c, "c");
	ck_assert_uint_eq(k->over_time, 600);
	ck_assert_uint_eq(k->rand_time, 600);
	conf_free(c);

	c = load_clean(HEAD "  children { n {\n   rekey_bytes = 1000\n   rekey_packets = 50\n"
			    "   life_time = 2h\n  } }\n" TAIL);
	ch = conf_find_child(conf_find_conn(c, "c"), "n");
	ck_assert_uint_eq(ch->life_bytes, 1100);
	ck_assert_uint_eq(ch->rand_bytes, 100);
	ck_assert_uint_eq(ch->life_packets, 55);
	ck_assert_uint_eq(ch->rand_packets, 5);
	ck_assert_uint_eq(ch->life_time, 7200);
	ck_assert_uint_eq(ch->rand_time, 3600);
	conf_free(c);
}
END_TEST

START_TEST(test_value_syntax)
{
	uint64_t v;
	bool b;

	ck_assert_int_eq(conf_parse_duration("90", &v), 0);
	ck_assert_uint_eq(v, 90);
	ck_assert_int_eq(conf_parse_duration("90s", &v), 0);
	ck_assert_uint_eq(v, 90);
	ck_assert_int_eq(conf_parse_duration("5m", &v), 0);
	ck_assert_uint_eq(v, 300);
	ck_assert_int_eq(conf_parse_duration("2 H", &v), 0);
	ck_assert_uint_eq(v, 7200);
	ck_assert_int_eq(conf_parse_duration("1d", &v), 0);
	ck_assert_uint_eq(v, 86400);
	ck_assert_int_eq(conf_parse_duration("0x10", &v), 0);
	ck_assert_uint_eq(v, 16);
	/* strtoul base 0 as in strongSwan: a leading 0 is octal */
	ck_assert_int_eq(conf_parse_duration("010", &v), 0);
	ck_assert_uint_eq(v, 8);
	ck_assert_int_eq(conf_parse_duration("", &v), -EINVAL);
	ck_assert_int_eq(conf_parse_duration(" 1", &v), -EINVAL);
	ck_assert_int_eq(conf_parse_duration("1 ", &v), 0);
	ck_assert_int_eq(conf_parse_duration("1hh", &v), -EINVAL);
	ck_assert_int_eq(conf_parse_duration("213503982334602d", &v), -EINVAL);
	ck_assert_int_eq(conf_parse_volume("1k", &v), 0);
	ck_assert_uint_eq(v, 1024);
	ck_assert_int_eq(conf_parse_volume("3M", &v), 0);
	ck_assert_uint_eq(v, 3ull << 20);
	ck_assert_int_eq(conf_parse_volume("2g", &v), 0);
	ck_assert_uint_eq(v, 2ull << 30);
	ck_assert_int_eq(conf_parse_volume("1t", &v), -EINVAL);
	ck_assert_int_eq(conf_parse_uint("4294967295", UINT32_MAX, &v), 0);
	ck_assert_int_eq(conf_parse_uint("4294967296", UINT32_MAX, &v), -EINVAL);
	ck_assert_int_eq(conf_parse_bool("Yes", &b), 0);
	ck_assert(b);
	ck_assert_int_eq(conf_parse_bool("enabled", &b), 0);
	ck_assert(b);
	ck_assert_int_eq(conf_parse_bool("1", &b), 0);
	ck_assert(b);
	ck_assert_int_eq(conf_parse_bool("FALSE", &b), 0);
	ck_assert(!b);
	ck_assert_int_eq(conf_parse_bool("disabled", &b), 0);
	ck_assert(!b);
	ck_assert_int_eq(conf_parse_bool("0", &b), 0);
	ck_assert(!b);
	ck_assert_int_eq(conf_parse_bool("2", &b), -EINVAL);
}
END_TEST

/* unique: strongSwan's four values, case-insensitive (vici's parse_map). */
START_TEST(test_unique)
{
	static const struct {
		const char *text;
		enum conf_unique want;
	} cases[] = {
		{ "no", CONF_UNIQUE_NO },	    { "never", CONF_UNIQUE_NEVER },
		{ "replace", CONF_UNIQUE_REPLACE }, { "keep", CONF_UNIQUE_KEEP },
		{ "Replace", CONF_UNIQUE_REPLACE },
	};
	struct conf_diags d;
	struct conf *c;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text;

		ck_assert_int_ge(asprintf(&text, HEAD "  unique = %s\n" TAIL, cases[i].text), 0);
		c = load_clean(text);
		ck_assert_int_eq(conf_find_conn(c, "c")->unique, cases[i].want);
		ck_assert_str_eq(conf_unique_name(cases[i].want), i == 4 ? "replace" : cases[i].text);
		conf_free(c);
		free(text);
	}
	ck_assert_int_eq(load_text(HEAD "  unique = always\n" TAIL, &c, &d), -EINVAL);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 4,
				     "invalid value 'always' for 'unique': expected no, never, "
				     "replace or keep"),
			  1);
	conf_diags_clear(&d);
}
END_TEST

START_TEST(test_fragmentation)
{
	static const struct {
		const char *text;
		enum conf_fragmentation want;
	} cases[] = {
		{ "yes", CONF_FRAGMENTATION_YES },     { "accept", CONF_FRAGMENTATION_ACCEPT },
		{ "force", CONF_FRAGMENTATION_FORCE }, { "no", CONF_FRAGMENTATION_NO },
		{ "Force", CONF_FRAGMENTATION_FORCE }, { "false", CONF_FRAGMENTATION_NO },
		{ "true", CONF_FRAGMENTATION_YES },
	};
	struct conf_diags d;
	struct conf *c, *other;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *text;

		ck_assert_int_ge(asprintf(&text, HEAD "  fragmentation = %s\n" TAIL, cases[i].text),
				 0);
		c = load_clean(text);
		ck_assert_int_eq(conf_find_conn(c, "c")->fragmentation, cases[i].want);
		conf_free(c);
		free(text);
	}
	ck_assert_str_eq(conf_fragmentation_name(CONF_FRAGMENTATION_ACCEPT), "accept");
	/* the default is yes, as in strongSwan */
	c = load_clean(HEAD TAIL);
	ck_assert_int_eq(conf_find_conn(c, "c")->fragmentation, CONF_FRAGMENTATION_YES);
	/* compared on reload */
	other = load_clean(HEAD "  fragmentation = no\n" TAIL);
	ck_assert(!conf_conn_equal(conf_find_conn(c, "c"), conf_find_conn(other, "c")));
	conf_free(other);
	other = load_clean(HEAD "  fragmentation = yes\n" TAIL);
	ck_assert(conf_conn_equal(conf_find_conn(c, "c"), conf_find_conn(other, "c")));
	conf_free(other);
	conf_free(c);
	ck_assert_int_eq(load_text(HEAD "  fragmentation = sometimes\n" TAIL, &c, &d), -EINVAL);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 4,
				     "invalid value 'sometimes' for 'fragmentation': expected yes, "
				     "accept, force or no"),
			  1);
	conf_diags_clear(&d);
}
END_TEST

START_TEST(test_version_and_actions)
{
	struct conf_diags d;
	struct conf *c;
	struct conf_child *ch;

	c = load_clean(HEAD "  version = 0\n  remote_addrs = 192.0.2.1\n"
			    "  children { n {\n   start_action = START\n   close_action = clear\n"
			    "   dpd_action = restart\n  } }\n" TAIL);
	ch = conf_find_child(conf_find_conn(c, "c"), "n");
	ck_assert_int_eq(ch->start_action, CONF_ACTION_START);
	ck_assert_int_eq(ch->close_action, CONF_ACTION_NONE);
	ck_assert_int_eq(ch->dpd_action, CONF_ACTION_START);
	conf_free(c);

	/* 0.0.0.0 and :: are strongSwan's %any4 and %any6, not addresses */
	ck_assert_int_eq(load_text(HEAD "  remote_addrs = 0.0.0.0, ::\n"
					"  children { n {\n   start_action = start\n  } }\n" TAIL,
				   &c, &d),
			 -EINVAL);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 4, "which needs a remote address"), 1);
	conf_diags_clear(&d);
	c = load_clean(HEAD "  remote_addrs = 0.0.0.0, vpn.example.org\n"
			    "  children { n {\n   start_action = start\n  } }\n" TAIL);
	conf_free(c);

	ck_assert_int_eq(load_text(HEAD "  version = 1\n" TAIL, &c, &d), -EINVAL);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 4, "IKEv1"), 1);
	conf_diags_clear(&d);

	ck_assert_int_eq(
	    load_text(HEAD "  children { n {\n   start_action = trap\n"
			   "   close_action = route\n   dpd_action = trap|start\n  } }\n" TAIL,
		      &c, &d),
	    -EINVAL);
	/* trap is accepted (tests/unit/test_conf_actions.c), but needs an
	 * address to initiate to, and trap|start is start_action's alone. */
	ck_assert_uint_eq(d.n_errors, 2);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 4,
				     "start_action = trap, which needs a remote address"),
			  1);
	ck_assert_uint_eq(
	    count_diag(&d, CONF_SEV_ERROR, 7, "dpd_action = trap|start: only start_action"), 1);
	conf_diags_clear(&d);

	ck_assert_int_eq(load_text(HEAD "  children { n { mode = beet } }\n" TAIL, &c, &d),
			 -EINVAL);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 4, "mode = beet is a strongSwan option"),
			  1);
	conf_diags_clear(&d);
}
END_TEST

/* ---- messages ---- */

START_TEST(test_unknown_key_message)
{
	struct conf_diags d;
	struct conf *c;
	const char *text = "# line 1\n"
			   "connections {\n"
			   "\tsite-b {\n"
			   "\t\tlocal {\n"
			   "\t\t\tauth = psk\n"
			   "\t\t}\n"
			   "\t\tmobike = yes\n"
			   "\n"
			   "\n"
			   "\n"
			   "\n"
			   "\t\tfoo = 1\n"
			   "\t}\n"
			   "}\n" SECRET;

	ck_assert_int_eq(load_text(text, &c, &d), -EINVAL);
	ck_assert_uint_eq(d.n, 2);
	ck_assert_str_eq(d.list[0].msg,
			 "conduit.conf:7: 'mobike' is a strongSwan option conduit does not "
			 "implement yet; only 'mobike = no', which is what conduit does, is "
			 "accepted");
	ck_assert_str_eq(d.list[1].msg, "conduit.conf:12: unknown key 'foo' in connections.site-b");
	conf_diags_clear(&d);
}
END_TEST

/* strongSwan's mark_from_string() and if_id_from_string(), stricter on
 * empty parts, signs and overflow. */
START_TEST(test_parse_mark)
{
	struct conf_mark m;
	uint32_t id;

	ck_assert_int_eq(conf_parse_mark("42", true, false, &m), 0);
	ck_assert_uint_eq(m.value, 42);
	ck_assert_uint_eq(m.mask, 0xffffffffu);
	ck_assert_int_eq(conf_parse_mark("0x1234/0xff00", true, false, &m), 0);
	ck_assert_uint_eq(m.value, 0x1200); /* masked, as strongSwan does */
	ck_assert_uint_eq(m.mask, 0xff00);
	ck_assert_int_eq(conf_parse_mark("%unique", true, false, &m), 0);
	ck_assert_uint_eq(m.value, CONF_MARK_UNIQUE);
	ck_assert_uint_eq(m.mask, 0xffffffffu);
	ck_assert_int_eq(conf_parse_mark("%Unique-Dir/0xffff", true, false, &m), 0);
	ck_assert_uint_eq(m.value, CONF_MARK_UNIQUE_DIR);
	ck_assert_uint_eq(m.mask, 0xffff);
	ck_assert_int_eq(conf_parse_mark("%same/0xf", false, true, &m), 0);
	ck_assert_uint_eq(m.value, CONF_MARK_SAME);
	ck_assert_uint_eq(m.mask, 0xf);
	ck_assert_int_eq(conf_parse_mark("0/0", true, false, &m), 0);
	ck_assert_uint_eq(m.value | m.mask, 0);
	/* placeholders only where strongSwan takes them */
	ck_assert_int_eq(conf_parse_mark("%same", true, false, &m), -EINVAL);
	ck_assert_int_eq(conf_parse_mark("%unique", false, true, &m), -EINVAL);
	ck_assert_int_eq(conf_parse_mark("%uniquex", true, false, &m), -EINVAL);
	ck_assert_int_eq(conf_parse_mark("", true, false, &m), -EINVAL);
	ck_assert_int_eq(conf_parse_mark("/5", true, false, &m), -EINVAL);
	ck_assert_int_eq(conf_parse_mark("5/", true, false, &m), -EINVAL);
	ck_assert_int_eq(conf_parse_mark("-1", true, false, &m), -EINVAL);
	ck_assert_int_eq(conf_parse_mark("0x100000000", true, false, &m), -EINVAL);
	ck_assert_int_eq(conf_parse_mark("1/2/3", true, false, &m), -EINVAL);
	ck_assert_int_eq(conf_parse_mark("x", true, false, &m), -EINVAL);

	ck_assert_int_eq(conf_parse_if_id("7", &id), 0);
	ck_assert_uint_eq(id, 7);
	ck_assert_int_eq(conf_parse_if_id("0xffffffff", &id), 0);
	ck_assert_uint_eq(id, 0xffffffffu);
	ck_assert_int_eq(conf_parse_if_id("%unique", &id), 0);
	ck_assert_uint_eq(id, CONF_IF_ID_UNIQUE);
	ck_assert_int_eq(conf_parse_if_id("%unique-dir", &id), 0);
	ck_assert_uint_eq(id, CONF_IF_ID_UNIQUE_DIR);
	ck_assert_int_eq(conf_parse_if_id("7/8", &id), -EINVAL);
	ck_assert_int_eq(conf_parse_if_id("", &id), -EINVAL);
	ck_assert_int_eq(conf_parse_if_id("%same", &id), -EINVAL);
	ck_assert_int_eq(conf_parse_if_id("0x100000000", &id), -EINVAL);
}
END_TEST

/* updown, hostaccess, marks and if_id: loaded, compared on reload, and a
 * bad value named at its line with what is accepted. */
START_TEST(test_gateway_keys)
{
	static const char text[] =
	    HEAD "  if_id_in = 3\n  if_id_out = %unique\n"
		 "  children { n {\n"
		 "   updown = /usr/lib/ipsec/_updown iptables\n"
		 "   hostaccess = yes\n"
		 "   mark_in = 0x10/0xf0\n"
		 "   mark_out = %unique-dir\n"
		 "   mark_in_sa = yes\n"
		 "   set_mark_in = %same\n"
		 "   set_mark_out = 5\n"
		 "   if_id_in = 9\n"
		 "  }\n  m { }\n }\n" TAIL;
	struct conf *a = load_clean(text), *b = load_clean(text), *c;
	const struct conf_conn *cc = TAILQ_FIRST(&a->conns);
	const struct conf_child *ch = TAILQ_FIRST(&cc->children), *m = TAILQ_NEXT(ch, entry);
	struct conf_diags d;

	ck_assert_uint_eq(cc->if_id_in, 3);
	ck_assert_uint_eq(cc->if_id_out, CONF_IF_ID_UNIQUE);
	ck_assert_str_eq(ch->gw.updown.value, "/usr/lib/ipsec/_updown iptables");
	ck_assert_uint_eq(ch->gw.updown.loc.line, 7);
	ck_assert(ch->gw.hostaccess);
	ck_assert_uint_eq(ch->gw.mark_in.value, 0x10);
	ck_assert_uint_eq(ch->gw.mark_in.mask, 0xf0);
	ck_assert_uint_eq(ch->gw.mark_out.value, CONF_MARK_UNIQUE_DIR);
	ck_assert(ch->gw.mark_in_sa);
	ck_assert_uint_eq(ch->gw.set_mark_in.value, CONF_MARK_SAME);
	ck_assert_uint_eq(ch->gw.set_mark_out.value, 5);
	ck_assert_uint_eq(ch->gw.if_id_in, 9);
	ck_assert_uint_eq(ch->gw.if_id_out, 0);
	/* the defaults: nothing */
	ck_assert_ptr_null(m->gw.updown.value);
	ck_assert(!m->gw.hostaccess && !m->gw.mark_in_sa);
	ck_assert_uint_eq(m->gw.mark_in.value | m->gw.mark_in.mask | m->gw.mark_out.mask, 0);

	ck_assert(conf_conn_equal(TAILQ_FIRST(&a->conns), TAILQ_FIRST(&b->conns)));
	/* each key counts on reload */
	static const char *const changed[] = {
		"/usr/lib/ipsec/_updown iptables\n", "hostaccess = yes", "mark_in = 0x10/0xf0",
		"mark_out = %unique-dir",	     "mark_in_sa = yes", "set_mark_in = %same",
		"set_mark_out = 5",		     "if_id_in = 9",	 "if_id_in = 3",
		"if_id_out = %unique",
	};
	static const char *const instead[] = {
		"/bin/true\n",	  "hostaccess = no", "mark_in = 0x10/0xff",
		"mark_out = %unique", "mark_in_sa = no", "set_mark_in = 0",
		"set_mark_out = 6",	  "if_id_in = 8",    "if_id_in = 4",
		"if_id_out = 1",
	};
	for (size_t i = 0; i < sizeof(changed) / sizeof(changed[0]); i++) {
		char *t = strdup(text), *at = strstr(t, changed[i]), *u;

		ck_assert_ptr_nonnull(at);
		*at = '\0';
		ck_assert_int_ge(asprintf(&u, "%s%s%s", t, instead[i], at + strlen(changed[i])),
				 0);
		c = load_clean(u);
		ck_assert_msg(!conf_conn_equal(TAILQ_FIRST(&a->conns), TAILQ_FIRST(&c->conns)),
			      "%s", changed[i]);
		conf_free(c);
		free(t);
		free(u);
	}
	conf_free(a);
	conf_free(b);

	ck_assert_int_eq(load_text(HEAD "  if_id_in = -1\n"
					"  children { n {\n mark_in = %same\n"
					" set_mark_out = %unique\n if_id_out = 1/2\n"
					" hostaccess = maybe\n} }\n" TAIL,
				   &c, &d),
			 -EINVAL);
	ck_assert_uint_eq(d.n_errors, 5);
	ck_assert_str_eq(d.list[0].msg, "conduit.conf:4: invalid value '-1' for 'if_id_in': "
					"expected an interface ID: a number up to 0xffffffff, "
					"%unique or %unique-dir");
	ck_assert_str_eq(d.list[1].msg,
			 "conduit.conf:6: invalid value '%same' for 'mark_in': expected a mark: a "
			 "number up to 0xffffffff with an optional /mask, %unique or %unique-dir");
	ck_assert_str_eq(d.list[2].msg,
			 "conduit.conf:7: invalid value '%unique' for 'set_mark_out': expected a "
			 "mark: a number up to 0xffffffff with an optional /mask, or %same");
	ck_assert_uint_eq(d.list[3].line, 8);
	ck_assert_str_eq(d.list[4].msg, "conduit.conf:9: invalid value 'maybe' for "
					"'hostaccess': expected yes or no");
	conf_diags_clear(&d);
}
END_TEST

START_TEST(test_not_implemented_keys)
{
	static const char *const conn_keys[] = { "mobike",     "mediation",  "pools", "vips",
						 "aggressive", "pull",	     "dscp",  "ocsp",
						 "ppk_id",     "dpd_timeout" };
	static const char *const child_keys[] = { "label",	   "hw_offload", "tfc_padding",
						  "ah_proposals",  "policies",	 "interface",
						  "copy_df",	   "per_cpu_sas",	 "sha256_96",
						  "replay_window", "reqid",	 "inactivity" };
	static const char *const auth_keys[] = { "ca_id",  "cert_policy", "pubkeys",
						 "eap_id", "aaa_id",	  "groups" };

	for (size_t set = 0; set < 3; set++) {
		const char *const *keys = set == 0 ? conn_keys : set == 1 ? child_keys : auth_keys;
		size_t n = set == 0   ? sizeof(conn_keys) / sizeof(conn_keys[0])
			   : set == 1 ? sizeof(child_keys) / sizeof(child_keys[0])
				      : sizeof(auth_keys) / sizeof(auth_keys[0]);

		for (size_t i = 0; i < n; i++) {
			struct conf_diags d;
			struct conf *c;
			char *text, *want;

			if (set == 0)
				ck_assert_int_ge(asprintf(&text, HEAD "  %s = x\n" TAIL, keys[i]),
						 0);
			else if (set == 1)
				ck_assert_int_ge(
				    asprintf(&text, HEAD "  children { n {\n%s = x\n} }\n" TAIL,
					     keys[i]),
				    0);
			else
				ck_assert_int_ge(
				    asprintf(&text, HEAD "  remote {\n%s = x\n  }\n" TAIL, keys[i]),
				    0);
			ck_assert_int_ge(
			    asprintf(&want,
				     "conduit.conf:%d: '%s' is a strongSwan option conduit "
				     "does not implement yet",
				     set == 0 ? 4 : 5, keys[i]),
			    0);
			ck_assert_int_eq(load_text(text, &c, &d), -EINVAL);
			ck_assert_uint_eq(d.n, 1);
			/* Keys with a value that is conduit's behaviour say so. */
			ck_assert_msg(strncmp(d.list[0].msg, want, strlen(want)) == 0, "%s",
				      d.list[0].msg);
			conf_diags_clear(&d);
			free(text);
			free(want);
		}
	}
}
END_TEST

/* A strongSwan key conduit lacks is fine with the value that describes
 * what conduit does (files written for strongSwan spell these out). */
START_TEST(test_not_implemented_as_conduit_does)
{
	struct conf_diags d;
	struct conf *c;

	ck_assert_int_eq(load_text(HEAD "  mobike = no\n"
					"  aggressive = false\n  unique = no\n"
					"  children { n {\n copy_df = yes\n replay_window = 32\n"
					" ipcomp = disabled\n sha256_96 = no\n} }\n" TAIL,
				   &c, &d),
			 0);
	ck_assert_uint_eq(d.n_errors, 0);
	conf_free(c);
	conf_diags_clear(&d);

	ck_assert_int_eq(load_text(HEAD "  mobike = yes\n"
					"  children { n {\n replay_window = 64\n} }\n" TAIL,
				   &c, &d),
			 -EINVAL);
	ck_assert_uint_eq(d.n_errors, 2);
	ck_assert_str_eq(d.list[0].text, "'mobike' is a strongSwan option conduit does not "
					 "implement yet; only 'mobike = no', which is what "
					 "conduit does, is accepted");
	ck_assert_str_eq(d.list[1].text, "'replay_window' is a strongSwan option conduit does not "
					 "implement yet; only 'replay_window = 32', which is what "
					 "conduit does, is accepted");
	conf_diags_clear(&d);
}
END_TEST

START_TEST(test_not_implemented_sections)
{
	struct conf_diags d;
	struct conf *c;

	ck_assert_int_eq(load_text("pools {\n p { addrs = 10.0.0.0/24 }\n}\n"
				   "authorities {\n}\n"
				   "secrets {\n eap-1 { secret = x }\n private-1 { file = k.pem }\n"
				   " weird { }\n}\n" HEAD
				   "  remote-2nd { auth = psk }\n  remote-3rd { auth = psk }\n"
				   "  local { cert-1 { } }\n" TAIL,
				   &c, &d),
			 -EINVAL);
	if (d.n_errors != 7)
		dump(&d);
	ck_assert_uint_eq(d.n_errors, 7);
	ck_assert_str_eq(d.list[0].text,
			 "'pools' is a strongSwan section conduit does not implement yet");
	ck_assert_uint_eq(
	    count_diag(&d, CONF_SEV_ERROR, 4, "'authorities' is a strongSwan section"), 1);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 7, "'eap-1' is a strongSwan secret type"),
			  1);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 8,
				     "secret 'private-1' has no 'secret' key (the passphrase)"),
			  1);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 9, "unknown secret type 'weird'"), 1);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 15, "second remote authentication round"),
			  1);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 16, "'cert-1' is a strongSwan option"), 1);
	conf_diags_clear(&d);
}
END_TEST

/* secrets.private-/rsa-/ecdsa-/pkcs8-: passphrases of encrypted keys */
START_TEST(test_key_secrets)
{
	struct conf_diags d;
	struct conf *c = load_clean(HEAD TAIL
				    "secrets {\n"
				    " private-moon { file = moonKey.pem\n secret = \"my pass\" }\n"
				    " rsa-sun { file = /etc/k/sun.pem\n secret = 0x736563 }\n"
				    " ecdsa { file = e.pem\n secret = 0sc2VjcmV0 }\n"
				    " pkcs8-1 { file = p8.der\n secret = x }\n"
				    "}\n");
	const struct conf_key_secret *ks;
	static const struct {
		const char *name, *file, *secret;
		enum conf_key_kind kind;
	} want[] = {
	    {"private-moon", "moonKey.pem", "my pass", CONF_KEY_PRIVATE},
	    {"rsa-sun", "/etc/k/sun.pem", "sec", CONF_KEY_RSA},
	    {"ecdsa", "e.pem", "secret", CONF_KEY_ECDSA},
	    {"pkcs8-1", "p8.der", "x", CONF_KEY_PKCS8},
	};
	size_t i = 0;

	ck_assert_uint_eq(c->n_key_secrets, 4);
	TAILQ_FOREACH (ks, &c->key_secrets, entry) {
		ck_assert_str_eq(ks->name, want[i].name);
		ck_assert_str_eq(ks->file, want[i].file);
		ck_assert_str_eq(ks->secret, want[i].secret);
		ck_assert_uint_eq(ks->secret_len, strlen(want[i].secret));
		ck_assert_int_eq(ks->kind, want[i].kind);
		i++;
	}
	conf_free(c);

	/* mistakes, and the passphrase is never shown */
	ck_assert_int_eq(load_text(HEAD TAIL "secrets {\n"
					     " private-a { secret = hidden1 }\n"
					     " private-b { file = b.pem\n secret = 0xzz\n}\n"
					     " rsa-c { file = c.pem\n secret = hidden2\n id = x }\n"
					     "}\n",
				   &c, &d),
			 -EINVAL);
	if (d.n_errors != 3)
		dump(&d);
	ck_assert_uint_eq(d.n_errors, 3);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 8, "secret 'private-a' has no 'file' key"),
			  1);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 10, "invalid passphrase"), 1);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 14, "'id'"), 1);
	for (size_t j = 0; j < d.n; j++)
		ck_assert(!strstr(d.list[j].text, "hidden") && !strstr(d.list[j].text, "zz"));
	conf_diags_clear(&d);
}
END_TEST

START_TEST(test_three_mistakes)
{
	char *path = data_path("errors/three.conf");
	struct conf_diags d;
	struct conf *c;

	conf_diags_init(&d);
	ck_assert_int_eq(conf_load_file(path, &c, &d), -EINVAL);
	ck_assert_ptr_null(c);
	if (d.n != 3)
		dump(&d);
	ck_assert_uint_eq(d.n, 3);
	ck_assert_uint_eq(d.n_errors, 3);
	ck_assert_uint_eq(d.list[0].line, 6);
	ck_assert_str_eq(d.list[0].text, "unknown key 'frobnicate' in connections.site-b");
	ck_assert_uint_eq(d.list[1].line, 7);
	ck_assert(strstr(d.list[1].text, "'mobike'") != NULL);
	ck_assert_uint_eq(d.list[2].line, 10);
	ck_assert(strstr(d.list[2].text, "'1 hour' for 'rekey_time'") != NULL);
	for (size_t i = 0; i < 3; i++)
		ck_assert(ends_with(d.list[i].file, "errors/three.conf"));
	conf_diags_clear(&d);
	free(path);
}
END_TEST

START_TEST(test_auth_rules)
{
	struct conf_diags d;
	struct conf *c;

	/* no local auth: strongSwan's default, pubkey; no remote auth: any */
	c = load_clean("connections {\n c {\n  remote { auth = psk }\n }\n d { }\n}\n");
	ck_assert_int_eq(conf_find_conn(c, "c")->local.auth, CONF_AUTH_PUBKEY);
	ck_assert_int_eq(conf_find_conn(c, "c")->remote.auth, CONF_AUTH_PSK);
	ck_assert_int_eq(conf_find_conn(c, "d")->local.auth, CONF_AUTH_PUBKEY);
	ck_assert_int_eq(conf_find_conn(c, "d")->remote.auth, CONF_AUTH_ANY);
	ck_assert_ptr_null(conf_find_conn(c, "d")->local.auth_text.value);
	conf_free(c);

	ck_assert_int_eq(load_text(HEAD "  remote { auth = eap-tls }\n" TAIL, &c, &d), -EINVAL);
	ck_assert_uint_eq(d.n_errors, 1);
	ck_assert_uint_eq(
	    count_diag(&d, CONF_SEV_ERROR, 4, "auth = eap-tls is a strongSwan option"), 1);
	conf_diags_clear(&d);

	/* start_action = start needs somewhere to send IKE_SA_INIT */
	ck_assert_int_eq(load_text(HEAD "  remote_addrs = 10.0.0.0/8\n"
					"  children { n { start_action = start } }\n" TAIL,
				   &c, &d),
			 -EINVAL);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 4, "needs a remote address"), 1);
	conf_diags_clear(&d);
}
END_TEST

#define SIGB(x) (1u << CONF_SIG_##x)

/* auth values as strongSwan's add_pubkey_constraints() reads them: what
 * the chain and the AUTH payload are constrained to. */
START_TEST(test_pubkey_auth)
{
	static const struct {
		const char *auth;
		uint32_t chain, ike;
		bool pss;
	} good[] = {
		{ "pubkey", 0, 0, false },
		{ "rsa", 0, 0, false },
		{ "ecdsa", 0, 0, false },
		/* rsa/pss alone: PSS when we sign, no constraint */
		{ "rsa/pss", 0, 0, true },
		{ "rsa-sha256", SIGB(RSA_SHA256), SIGB(RSA_SHA256), false },
		{ "rsa-sha1", SIGB(RSA_SHA1), SIGB(RSA_SHA1), false },
		{ "rsa/pss-sha384", SIGB(PSS_SHA384), SIGB(PSS_SHA384), true },
		{ "ecdsa-sha384", SIGB(ECDSA_SHA384), SIGB(ECDSA_SHA384), false },
		/* pubkey: the hash for every key type */
		{ "pubkey-sha256", SIGB(RSA_SHA256) | SIGB(ECDSA_SHA256),
		  SIGB(RSA_SHA256) | SIGB(ECDSA_SHA256), false },
		{ "pubkey-sha512-sha256",
		  SIGB(RSA_SHA256) | SIGB(ECDSA_SHA256) | SIGB(RSA_SHA512) | SIGB(ECDSA_SHA512),
		  SIGB(RSA_SHA256) | SIGB(ECDSA_SHA256) | SIGB(RSA_SHA512) | SIGB(ECDSA_SHA512),
		  false },
		{ "pubkey-identity", SIGB(ED25519) | SIGB(ED448), SIGB(ED25519) | SIGB(ED448),
		  false },
		/* conduit's: the AUTH payload only (strongSwan: nothing) */
		{ "ed25519", 0, SIGB(ED25519), false },
		{ "ed25519-ed448", 0, SIGB(ED25519) | SIGB(ED448), false },
		{ "ike:ed25519", 0, SIGB(ED25519), false },
		{ "ed448-identity-ed25519", SIGB(ED448), SIGB(ED448) | SIGB(ED25519), false },
		{ "ed448-identity", SIGB(ED448), SIGB(ED448), false },
		/* ike: the AUTH payload only; the others then the chain only */
		{ "ike:rsa/pss-sha256", 0, SIGB(PSS_SHA256), true },
		{ "rsa-sha256-ike:ecdsa-sha384", SIGB(RSA_SHA256), SIGB(ECDSA_SHA384), false },
		{ "ecdsa-sha256-rsa-sha384", SIGB(ECDSA_SHA256) | SIGB(RSA_SHA384),
		  SIGB(ECDSA_SHA256) | SIGB(RSA_SHA384), false },
	};
	static const struct {
		const char *auth, *msg;
	} bad[] = {
		{ "pubkey-sha3", "unknown constraint 'sha3'" },
		{ "rsa-sha256-blah", "unknown constraint 'blah'" },
		{ "rsa-2048", "key strength constraints ('rsa-2048')" },
		{ "rsa-md5", "'md5' with rsa keys is a signature scheme conduit does not" },
		{ "ecdsa-sha1", "'sha1' with ecdsa keys is a signature scheme conduit does not" },
		{ "rsa/pss-sha1", "'sha1' with rsa/pss keys" },
		{ "pubkey--sha256", "empty constraint" },
		{ "rsafoo", "'rsafoo' is not a key type" },
		{ "pubkey-ike:sha256", "'ike:sha256' is not a key type" },
		{ "eap-tls", "auth = eap-tls is a strongSwan option conduit does not implement" },
		{ "xauth", "auth = xauth is a strongSwan option" },
		{ "certificate", "invalid value 'certificate' for 'auth'" },
	};
	struct conf_diags d;
	struct conf *c;
	char *text;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_int_ge(asprintf(&text,
					  "connections {\n c {\n  local { auth = %s }\n"
					  "  remote { auth = %s }\n }\n}\n",
					  good[i].auth, good[i].auth),
				 0);
		c = load_clean(text);
		for (int side = 0; side < 2; side++) {
			const struct conf_auth_round *r =
			    side ? &conf_find_conn(c, "c")->remote : &conf_find_conn(c, "c")->local;

			ck_assert_int_eq(r->auth, CONF_AUTH_PUBKEY);
			ck_assert_msg(r->sig_schemes == good[i].chain, "%s: chain %#x",
				      good[i].auth, r->sig_schemes);
			ck_assert_msg(r->ike_sig_schemes == good[i].ike, "%s: ike %#x",
				      good[i].auth, r->ike_sig_schemes);
			ck_assert_msg(r->pss == good[i].pss, "%s: pss", good[i].auth);
			ck_assert_str_eq(r->auth_text.value, good[i].auth);
			ck_assert_uint_eq(r->auth_text.loc.line, side ? 4 : 3);
		}
		conf_free(c);
		free(text);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_ge(
		    asprintf(&text, "connections {\n c {\n  remote {\n auth = %s\n }\n }\n}\n",
			     bad[i].auth),
		    0);
		ck_assert_int_eq(load_text(text, &c, &d), -EINVAL);
		if (d.n_errors != 1)
			dump(&d);
		ck_assert_uint_eq(d.n_errors, 1);
		ck_assert_msg(count_diag(&d, CONF_SEV_ERROR, 4, bad[i].msg) == 1, "%s: %s",
			      bad[i].auth, d.list[0].msg);
		conf_diags_clear(&d);
		free(text);
	}
	/* a scheme of another key type: strongSwan adds nothing, conduit says so */
	ck_assert_int_eq(
	    load_text("connections { c { remote { auth = ecdsa-identity } } }\n", &c, &d), 0);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_WARNING, 1, "does not apply to ecdsa keys"), 1);
	ck_assert_uint_eq(conf_find_conn(c, "c")->remote.sig_schemes, 0);
	conf_free(c);
	conf_diags_clear(&d);
}
END_TEST

/* certs, cacerts, revocation, send_cert, send_certreq: values, defaults,
 * errors, and reload's comparison. */
START_TEST(test_cert_keys)
{
	static const char *const text =
	    "connections {\n c {\n"
	    "  send_cert = always\n"
	    "  send_certreq = no\n"
	    "  local { certs = moonCert.pem\n id = moon.example }\n"
	    "  remote { auth = pubkey\n certs = sunCert.pem, /abs/carol.pem\n"
	    "   cacerts = strongswanCert.pem\n revocation = strict }\n"
	    " }\n d { }\n}\n";
	static const char *const changed[] = { "always",       "= no",		 "moonCert",
					       "sunCert",      "strongswanCert", "strict",
					       "auth = pubkey" };
	static const char *const instead[] = {
		"never",   "= yes", "moonCert2",	   "sunCert2",
		"otherCA", "ifuri", "auth = pubkey-sha256"
	};
	struct conf *c = load_clean(text), *o;
	struct conf_conn *cc = conf_find_conn(c, "c"), *dd = conf_find_conn(c, "d");
	struct conf_diags d;

	ck_assert_int_eq(cc->send_cert, CONF_SEND_CERT_ALWAYS);
	ck_assert(!cc->send_certreq);
	ck_assert_int_eq(cc->local.auth, CONF_AUTH_PUBKEY);
	ck_assert_uint_eq(cc->local.certs.n, 1);
	ck_assert_str_eq(cc->local.certs.items[0].value, "moonCert.pem");
	ck_assert_uint_eq(cc->local.certs.items[0].loc.line, 5);
	ck_assert_uint_eq(cc->remote.certs.n, 2);
	ck_assert_str_eq(cc->remote.certs.items[1].value, "/abs/carol.pem");
	ck_assert_uint_eq(cc->remote.cacerts.n, 1);
	ck_assert_str_eq(cc->remote.cacerts.items[0].value, "strongswanCert.pem");
	ck_assert_uint_eq(cc->remote.cacerts.items[0].loc.line, 9);
	ck_assert_int_eq(cc->remote.revocation, CONF_REVOCATION_STRICT);
	/* strongSwan's defaults */
	ck_assert_int_eq(dd->send_cert, CONF_SEND_CERT_IFASKED);
	ck_assert(dd->send_certreq);
	ck_assert_uint_eq(dd->local.certs.n + dd->remote.certs.n + dd->remote.cacerts.n, 0);
	ck_assert_int_eq(dd->remote.revocation, CONF_REVOCATION_RELAXED);
	ck_assert_str_eq(conf_send_cert_name(CONF_SEND_CERT_NEVER), "never");
	ck_assert_str_eq(conf_revocation_name(CONF_REVOCATION_IFURI), "ifuri");

	/* each key counts on reload */
	o = load_clean(text);
	ck_assert(conf_conn_equal(cc, conf_find_conn(o, "c")));
	conf_free(o);
	for (size_t i = 0; i < sizeof(changed) / sizeof(changed[0]); i++) {
		char *t = strdup(text), *at = strstr(t, changed[i]), *u;

		ck_assert_ptr_nonnull(at);
		*at = '\0';
		ck_assert_int_ge(asprintf(&u, "%s%s%s", t, instead[i], at + strlen(changed[i])), 0);
		o = load_clean(u);
		ck_assert_msg(!conf_conn_equal(cc, conf_find_conn(o, "c")), "%s", changed[i]);
		conf_free(o);
		free(t);
		free(u);
	}
	conf_free(c);

	ck_assert_int_eq(load_text("connections {\n c {\n"
				   "  send_cert = sometimes\n"
				   "  send_certreq = perhaps\n"
				   "  local { certs = a.pem, b.pem\n cacerts = ca.pem\n"
				   "   revocation = strict }\n"
				   "  remote { revocation = lax }\n"
				   "  local-2 { auth = pubkey }\n"
				   "  remote { cert-1 { file = x.pem } }\n"
				   " }\n}\n",
				   &c, &d),
			 -EINVAL);
	if (d.n_errors != 8)
		dump(&d);
	ck_assert_uint_eq(d.n_errors, 8);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 3, "expected ifasked, always or never"),
			  1);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 4, "expected yes or no"), 1);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 5, "several local certificates"), 1);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 6, "cacerts in a local round"), 1);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 7, "revocation in a local round"), 1);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 8, "expected strict, ifuri or relaxed"),
			  1);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 9, "second local authentication round"),
			  1);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 10, "'cert-1' is a strongSwan option"), 1);
	conf_diags_clear(&d);
}
END_TEST

START_TEST(test_psk_without_secret_warns)
{
	struct conf_diags d;
	struct conf *c;

	ck_assert_int_eq(load_text("connections {\n c {\n  local { auth = psk\n id = me }\n"
				   "  remote { id = peer }\n }\n}\n"
				   "secrets { ike { id = someone-else\n secret = x } }\n",
				   &c, &d),
			 0);
	ck_assert_uint_eq(d.n_errors, 0);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_WARNING, 2, "no secrets.ike section has its"), 1);
	conf_free(c);
	conf_diags_clear(&d);

	/* a secret without id belongs to everyone */
	c = load_clean("connections {\n c {\n  local { auth = psk\n id = me }\n }\n}\n"
		       "secrets { ike { secret = x } }\n");
	conf_free(c);

	/* no remote id: any peer, so a secret of the peer's id may apply
	 * (strongSwan's road-warrior layout: one secret per user) */
	c = load_clean("connections {\n c {\n  local { auth = psk\n id = gw }\n"
		       "  remote { auth = psk }\n }\n d {\n  local { auth = psk\n id = gw }\n"
		       "  remote { id = %any }\n }\n}\n"
		       "secrets { ike-1 { id = user1@example.org\n secret = x }\n"
		       " ike-2 { id = user2@example.org\n secret = y } }\n");
	conf_free(c);
	/* no local id: ours is our address, which an address id may be */
	c = load_clean("connections {\n c {\n  local { auth = psk }\n"
		       "  remote { id = peer }\n }\n}\n"
		       "secrets { ike { id = 192.0.2.1\n secret = x } }\n");
	conf_free(c);
	/* an id %any in a secret is everyone's */
	c = load_clean("connections {\n c {\n  local { auth = psk\n id = me }\n"
		       "  remote { id = peer }\n }\n}\n"
		       "secrets { ike { id = %any\n secret = x } }\n");
	conf_free(c);
	/* a pattern id may match the peer (daemon/dcfg.c matches it) */
	c = load_clean("connections {\n c {\n  local { auth = psk\n id = gw }\n"
		       "  remote { id = alice@example.org }\n }\n}\n"
		       "secrets { ike { id = *@example.org\n secret = x } }\n");
	conf_free(c);

	/* no secrets at all: nothing can apply */
	ck_assert_int_eq(load_text("connections {\n c {\n  local { auth = psk }\n }\n}\n", &c, &d),
			 0);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_WARNING, 2, "no secrets.ike section has its"), 1);
	conf_free(c);
	conf_diags_clear(&d);
	/* an IPv6 identity matches however it is spelt */
	c = load_clean("connections {\n c {\n  local { auth = psk\n id = 2001:db8::1 }\n"
		       "  remote { id = 2001:db8:0:0::2 }\n }\n}\n"
		       "secrets { ike { id = 2001:DB8:0::2\n secret = x } }\n");
	conf_free(c);
}
END_TEST

/* ---- secrets ---- */

START_TEST(test_secrets)
{
	struct conf_diags d;
	struct conf *c =
	    load_clean(HEAD TAIL "secrets {\n"
				 " ike-a { secret = plain text\n id = a }\n"
				 " ike-b { secret = 0XdeadBEEF\n id = b\n id-2 = c\n id_x = d }\n"
				 " ike-c { secret = 0saGVsbG8= }\n"
				 " ikeD { secret = 0sAAE= }\n"
				 "}\n");
	struct conf_secret *s = TAILQ_FIRST(&c->secrets);

	ck_assert_uint_eq(c->n_secrets, 5);
	ck_assert_str_eq(s->name, "ike-any");
	s = TAILQ_NEXT(s, entry);
	ck_assert_str_eq(s->name, "ike-a");
	ck_assert_uint_eq(s->key_len, 10);
	ck_assert_mem_eq(s->key, "plain text", 10);
	s = TAILQ_NEXT(s, entry);
	ck_assert_uint_eq(s->key_len, 4);
	ck_assert_mem_eq(s->key, "\xde\xad\xbe\xef", 4);
	ck_assert_uint_eq(s->n_ids, 3);
	ck_assert_str_eq(s->ids[2].value, "d");
	s = TAILQ_NEXT(s, entry);
	ck_assert_uint_eq(s->key_len, 5);
	ck_assert_mem_eq(s->key, "hello", 5);
	ck_assert_uint_eq(s->n_ids, 0);
	s = TAILQ_NEXT(s, entry);
	ck_assert_uint_eq(s->key_len, 2);
	ck_assert_mem_eq(s->key, "\x00\x01", 2);
	conf_free(c);

	ck_assert_int_eq(load_text(HEAD TAIL "secrets {\n"
					     " ike-1 { secret = 0xabc }\n"
					     " ike-2 { secret = 0xzz }\n"
					     " ike-3 { secret = 0sTopSecret! }\n"
					     " ike-4 { id = x }\n"
					     " ike-5 { secret = 0s }\n"
					     " ike-6 { secret = s3cr3t-value\n frob = 1 }\n"
					     "}\n",
				   &c, &d),
			 -EINVAL);
	if (d.n_errors != 6)
		dump(&d);
	ck_assert_uint_eq(d.n_errors, 6);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 8, "invalid secret"), 1);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 9, "invalid secret"), 1);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 10, "invalid secret"), 1);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 11, "has no 'secret'"), 1);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 12, "invalid secret"), 1);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 14, "unknown key 'frob'"), 1);
	/* no message ever shows a secret */
	for (size_t i = 0; i < d.n; i++) {
		ck_assert_ptr_null(strstr(d.list[i].msg, "abc"));
		ck_assert_ptr_null(strstr(d.list[i].msg, "TopSecret"));
		ck_assert_ptr_null(strstr(d.list[i].msg, "s3cr3t"));
	}
	conf_diags_clear(&d);
}
END_TEST

/* ---- repetition and references ---- */

START_TEST(test_duplicates)
{
	struct conf_diags d;
	struct conf *c;
	struct conf_conn *k;

	/* strongSwan: the last value wins, repeated sections merge */
	ck_assert_int_eq(load_text("connections {\n c {\n  local { auth = psk }\n"
				   "  dpd_delay = 10\n  dpd_delay = 20\n }\n}\n"
				   "connections {\n c {\n  keyingtries = 5\n  dpd_delay = 30\n }\n"
				   " d { local { auth = psk } }\n}\n" SECRET,
				   &c, &d),
			 0);
	ck_assert_uint_eq(d.n_errors, 0);
	ck_assert_uint_eq(d.n_warnings, 2);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_WARNING, 5, "first at conduit.conf:4"), 1);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_WARNING, 11, "'dpd_delay' is set again"), 1);
	ck_assert_uint_eq(c->n_conns, 2);
	k = conf_find_conn(c, "c");
	ck_assert_uint_eq(k->dpd_delay, 30);
	ck_assert_uint_eq(k->keyingtries, 5);
	conf_free(c);
	conf_diags_clear(&d);
}
END_TEST

START_TEST(test_references)
{
	struct conf_diags d;
	struct conf *c = load_clean("templates {\n base {\n  local { auth = psk\n id = tpl }\n"
				    "  dpd_delay = 15\n  rekey_time = 2h\n"
				    "  children { net { mode = transport } }\n }\n}\n"
				    "connections {\n"
				    " a : templates.base {\n  rekey_time = 3h\n"
				    "  children { net { rekey_time = 10m } }\n }\n"
				    " b : templates.base { }\n"
				    "}\n" SECRET);
	struct conf_conn *a = conf_find_conn(c, "a"), *b = conf_find_conn(c, "b");
	struct conf_child *net = conf_find_child(a, "net");

	ck_assert_uint_eq(c->n_conns, 2);
	ck_assert_uint_eq(a->dpd_delay, 15);
	ck_assert_uint_eq(a->rekey_time, 3 * 3600); /* its own value wins */
	ck_assert_str_eq(a->local.id.value, "tpl");
	ck_assert_uint_eq(a->local.id.loc.line, 4); /* the place in the template */
	ck_assert_int_eq(net->mode, CONF_MODE_TRANSPORT);
	ck_assert_uint_eq(net->rekey_time, 600);
	ck_assert_uint_eq(b->rekey_time, 7200);
	ck_assert(conf_child_equal(conf_find_child(b, "net"), conf_find_child(b, "net")));
	conf_free(c);

	ck_assert_int_eq(load_text("connections {\n a : nowhere { }\n x : y { }\n}\n"
				   "y : x { }\nunused { }\n",
				   &c, &d),
			 -EINVAL);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 2, "'nowhere' does not exist"), 1);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 6, "unknown section 'unused'"), 1);
	conf_diags_clear(&d);
}
END_TEST

/* ---- compare ---- */

START_TEST(test_compare)
{
	const char *base = HEAD "  remote_addrs = 192.0.2.1\n"
				"  children { n { rekey_time = 1h } m { } }\n" TAIL;
	struct conf *a = load_clean(base);
	struct conf *same = load_clean("\n\n# moved down, written differently\n"
				       "connections { c { local { auth = PSK }\n"
				       "remote_addrs = \"192.0.2.1\"\n"
				       "children { n { rekey_time = 3600s } m { } } } }\n" SECRET);
	struct conf *other_child =
	    load_clean(HEAD "  remote_addrs = 192.0.2.1\n"
			    "  children { n { rekey_time = 2h } m { } }\n" TAIL);
	struct conf *fewer = load_clean(HEAD "  remote_addrs = 192.0.2.1\n"
					     "  children { n { rekey_time = 1h } }\n" TAIL);
	struct conf *other_addr =
	    load_clean(HEAD "  remote_addrs = 192.0.2.2\n"
			    "  children { n { rekey_time = 1h } m { } }\n" TAIL);
	struct conf *order = load_clean(HEAD "  remote_addrs = 192.0.2.1\n"
					     "  children { m { } n { rekey_time = 1h } }\n" TAIL);
	struct conf *other_unique =
	    load_clean(HEAD "  remote_addrs = 192.0.2.1\n  unique = keep\n"
			    "  children { n { rekey_time = 1h } m { } }\n" TAIL);
	struct conf *same_unique =
	    load_clean(HEAD "  remote_addrs = 192.0.2.1\n  unique = NO\n"
			    "  children { n { rekey_time = 1h } m { } }\n" TAIL);
	const struct conf_conn *ca = conf_find_conn(a, "c");

	ck_assert(conf_conn_equal(ca, conf_find_conn(same, "c")));
	ck_assert(!conf_conn_equal(ca, conf_find_conn(other_child, "c")));
	ck_assert(!conf_conn_equal(ca, conf_find_conn(fewer, "c")));
	ck_assert(!conf_conn_equal(ca, conf_find_conn(other_addr, "c")));
	ck_assert(!conf_conn_equal(ca, conf_find_conn(order, "c")));
	ck_assert(!conf_conn_equal(ca, conf_find_conn(other_unique, "c")));
	ck_assert(conf_conn_equal(ca, conf_find_conn(same_unique, "c")));
	ck_assert(conf_child_equal(conf_find_child(ca, "m"),
				   conf_find_child(conf_find_conn(other_child, "c"), "m")));
	ck_assert(!conf_child_equal(conf_find_child(ca, "n"),
				    conf_find_child(conf_find_conn(other_child, "c"), "n")));
	conf_free(a);
	conf_free(same);
	conf_free(other_child);
	conf_free(fewer);
	conf_free(other_addr);
	conf_free(order);
	conf_free(other_unique);
	conf_free(same_unique);

	a = load_clean(HEAD TAIL "secrets { ike { id = x\n secret = abc } }\n");
	same = load_clean(HEAD TAIL "secrets { ike { id = x\n secret = 0x616263 } }\n");
	fewer = load_clean(HEAD TAIL "secrets { ike { id = x\n secret = abd } }\n");
	/* the second secret: the first is TAIL's */
	ck_assert(conf_secret_equal(TAILQ_LAST(&a->secrets, conf_secret_list),
				    TAILQ_LAST(&same->secrets, conf_secret_list)));
	ck_assert(!conf_secret_equal(TAILQ_LAST(&a->secrets, conf_secret_list),
				     TAILQ_LAST(&fewer->secrets, conf_secret_list)));
	conf_free(a);
	conf_free(same);
	conf_free(fewer);
}
END_TEST

/* ---- the example ---- */

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	ck_assert_int_gt(n, 0);
	rewind(f);
	buf = malloc((size_t)n);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return buf;
}

START_TEST(test_example_loads)
{
	char *path = example_path();
	struct conf_diags d;
	struct conf *c;
	struct conf_conn *k;
	struct conf_child *ch;

	conf_diags_init(&d);
	ck_assert_int_eq(conf_load_file(path, &c, &d), 0);
	if (d.n)
		dump(&d);
	ck_assert_uint_eq(d.n, 0);
	ck_assert_uint_eq(c->n_conns, 1);
	k = conf_find_conn(c, "site-b");
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(k->local.auth, CONF_AUTH_PSK);
	ck_assert_int_eq(k->remote.auth, CONF_AUTH_PSK);
	ck_assert_str_eq(k->remote_addrs.items[0].value, "198.51.100.2");
	ch = conf_find_child(k, "lan");
	ck_assert_ptr_nonnull(ch);
	ck_assert_int_eq(ch->start_action, CONF_ACTION_START);
	ck_assert_uint_eq(c->n_secrets, 1);
	ck_assert_uint_eq(TAILQ_FIRST(&c->secrets)->key_len, 24);
	conf_free(c);
	conf_diags_clear(&d);
	free(path);
}
END_TEST

/* ---- hostile input ---- */

START_TEST(test_truncated_example)
{
	char *path = example_path();
	size_t len, loaded = 0;
	char *buf = read_all(path, &len);

	/* every prefix: parsed or rejected, never a crash or a leak */
	for (size_t n = 0; n <= len; n++) {
		struct conf_diags d;
		struct conf *c = NULL;
		int r;

		conf_diags_init(&d);
		r = conf_load_string("cut.conf", buf, n, &c, &d);
		ck_assert(r == 0 || r == -EINVAL);
		ck_assert((r == 0) == (c != NULL));
		ck_assert((r == 0) == (d.n_errors == 0));
		loaded += r == 0;
		conf_free(c);
		conf_diags_clear(&d);
	}
	/* the whole file loads, and a cut inside a section never does */
	ck_assert_uint_ge(loaded, 1);
	ck_assert_uint_lt(loaded, len / 2);
	free(buf);
	free(path);
}
END_TEST

START_TEST(test_hostile)
{
	struct conf_diags d;
	struct conf *c;
	size_t big = 1024 * 1024, depth = CONF_MAX_DEPTH + 8;
	char *text = malloc(big + 64), *p;

	ck_assert_ptr_nonnull(text);
	/* a very long line */
	p = text + sprintf(text, "a = ");
	memset(p, 'x', big);
	p[big] = '\n';
	conf_diags_init(&d);
	ck_assert_int_eq(conf_load_string("long.conf", text, (size_t)(p - text) + big + 1, &c, &d),
			 -EINVAL);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 1, "value longer than"), 1);
	conf_diags_clear(&d);

	/* a very long name */
	memset(text, 'n', big);
	memcpy(text + big, " = 1\n", 5);
	conf_diags_init(&d);
	ck_assert_int_eq(conf_load_string("long.conf", text, big + 5, &c, &d), -EINVAL);
	ck_assert_uint_ge(count_diag(&d, CONF_SEV_ERROR, 1, "name longer than"), 1);
	conf_diags_clear(&d);

	/* nesting past the limit */
	p = text;
	for (size_t i = 0; i < depth; i++)
		p += sprintf(p, "s%zu {\n", i);
	for (size_t i = 0; i < depth; i++)
		p += sprintf(p, "}\n");
	conf_diags_init(&d);
	ck_assert_int_eq(conf_load_string("deep.conf", text, (size_t)(p - text), &c, &d), -EINVAL);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, CONF_MAX_DEPTH + 1, "nested deeper"), 1);
	conf_diags_clear(&d);

	/* pseudo-random bytes from the syntax's alphabet */
	{
		static const char alphabet[] = "{}=#\":.,\\ \t\n\r\0abcik0x%-/";
		uint32_t x = 12345;

		for (int round = 0; round < 3000; round++) {
			size_t n = (size_t)(round % 200);

			for (size_t i = 0; i < n; i++) {
				x = x * 1103515245u + 12345u;
				text[i] = alphabet[(x >> 16) % (sizeof(alphabet) - 1)];
			}
			conf_diags_init(&d);
			c = NULL;
			conf_load_string("fuzz.conf", text, n, &c, &d);
			conf_free(c);
			conf_diags_clear(&d);
		}
	}
	free(text);
}
END_TEST

/* ---- hostile includes: not regular files, bombs ---- */

static long long mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void put_file(const char *dir, const char *name, const char *text)
{
	char *path;
	FILE *f;

	ck_assert_int_ge(asprintf(&path, "%s/%s", dir, name), 0);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	free(path);
}

static void rm_dir(const char *dir)
{
	char *cmd;

	/* only the test's own mkdtemp directory */
	ck_assert(strncmp(dir, "/tmp/conduit-conf-", 18) == 0);
	ck_assert_int_ge(asprintf(&cmd, "rm -rf '%s'", dir), 0);
	ck_assert_int_eq(system(cmd), 0);
	free(cmd);
}

/* Load dir/main.conf: its result, the time it took in *ms. */
static int load_main(const char *dir, struct conf_diags *d, long long *ms)
{
	char *path;
	struct conf *c = NULL;
	long long t0 = mono_ms();
	int r;

	ck_assert_int_ge(asprintf(&path, "%s/main.conf", dir), 0);
	conf_diags_init(d);
	r = conf_load_file(path, &c, d);
	*ms = mono_ms() - t0;
	if (r == 0)
		conf_free(c);
	free(path);
	return r;
}

START_TEST(test_include_not_regular)
{
	char dir[] = "/tmp/conduit-conf-XXXXXX";
	char *p;
	struct conf_diags d;
	long long ms;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_ge(asprintf(&p, "%s/pipe.conf", dir), 0);
	ck_assert_int_eq(mkfifo(p, 0600), 0);
	free(p);
	/* a FIFO nobody writes to: opening it for reading would block */
	put_file(dir, "main.conf", "# a FIFO\n\ninclude pipe.conf\n" SECRET);
	ck_assert_int_eq(load_main(dir, &d, &ms), -EINVAL);
	ck_assert_int_lt(ms, 1000);
	ck_assert_uint_eq(d.n_errors, 1);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 3, "it is a FIFO, not a regular file"),
			  1);
	conf_diags_clear(&d);

	/* a directory a glob matches, and a device */
	ck_assert_int_ge(asprintf(&p, "%s/sub.conf", dir), 0);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	free(p);
	put_file(dir, "main.conf", "include sub.*\ninclude /dev/zero\n" SECRET);
	ck_assert_int_eq(load_main(dir, &d, &ms), -EINVAL);
	ck_assert_int_lt(ms, 1000);
	ck_assert_uint_eq(d.n_errors, 2);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 1, "it is a directory"), 1);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 2, "it is a character device"), 1);
	conf_diags_clear(&d);
	rm_dir(dir);
}
END_TEST

START_TEST(test_include_bomb_files)
{
	/* b0 includes b1 twice, b1 includes b2 twice...: 2^13 - 2 reads of
	 * 13 small files, none nested deeper than the limit. */
	char dir[] = "/tmp/conduit-conf-XXXXXX";
	char name[32], text[128];
	struct conf_diags d;
	long long ms;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	for (unsigned int i = 0; i < 12; i++) {
		snprintf(name, sizeof(name), "b%u.conf", i);
		snprintf(text, sizeof(text), "include b%u.conf\ninclude b%u.conf\n", i + 1, i + 1);
		put_file(dir, name, text);
	}
	put_file(dir, "b12.conf", "# the end\n");
	/* after the bomb, a file with an error that must not be read */
	put_file(dir, "late.conf", "frobnicate = 1\n");
	put_file(dir, "main.conf", "include b0.conf\ninclude late.conf\n" SECRET);
	ck_assert_int_eq(load_main(dir, &d, &ms), -EINVAL);
	ck_assert_int_lt(ms, 1000);
	ck_assert_uint_eq(d.n_errors, 1);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 0,
				     "more than 1024 files read through includes"),
			  1);
	ck_assert(ends_with(d.list[0].file, ".conf"));
	ck_assert_uint_ne(d.list[0].line, 0);
	conf_diags_clear(&d);

	/* 1024 reads are allowed: b0..b8 make 2 + 4 + ... + 512 = 1022 */
	put_file(dir, "b9.conf", "# the end\n");
	ck_assert_int_eq(load_main(dir, &d, &ms), -EINVAL);
	ck_assert_uint_eq(d.n_errors, 1);
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 1, "unknown"), 1); /* late.conf's */
	conf_diags_clear(&d);
	rm_dir(dir);
}
END_TEST

START_TEST(test_include_bomb_bytes)
{
	/* one 3 MiB file (under the per-file limit) included six times */
	char dir[] = "/tmp/conduit-conf-XXXXXX";
	char *path, line[1024];
	struct conf_diags d;
	long long ms;
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	ck_assert_int_ge(asprintf(&path, "%s/big.conf", dir), 0);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	memset(line, 'x', sizeof(line));
	line[0] = '#';
	line[sizeof(line) - 1] = '\n';
	for (int i = 0; i < 3 * 1024; i++)
		ck_assert_uint_eq(fwrite(line, 1, sizeof(line), f), sizeof(line));
	ck_assert_int_eq(fclose(f), 0);
	free(path);
	put_file(dir, "late.conf", "frobnicate = 1\n");
	put_file(dir, "main.conf",
		 "include big.conf\ninclude big.conf\ninclude big.conf\ninclude big.conf\n"
		 "include big.conf\ninclude big.conf\ninclude late.conf\n" SECRET);
	ck_assert_int_eq(load_main(dir, &d, &ms), -EINVAL);
	ck_assert_uint_eq(d.n_errors, 1);
	/* five reads make 15 MiB and the main file: the sixth crosses 16 */
	ck_assert_uint_eq(count_diag(&d, CONF_SEV_ERROR, 6, "would read more than 16 MiB in all"),
			  1);
	ck_assert(ends_with(d.list[0].file, "main.conf"));
	conf_diags_clear(&d);
	rm_dir(dir);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *syntax = tcase_create("syntax");
	TCase *keys = tcase_create("keys");
	TCase *msgs = tcase_create("messages");
	TCase *model = tcase_create("model");
	TCase *hostile = tcase_create("hostile");

	tcase_add_test(syntax, test_syntax_nesting_comments_quoting);
	tcase_add_test(syntax, test_syntax_value_ends_at_brace);
	tcase_add_test(syntax, test_syntax_errors);
	tcase_add_test(syntax, test_syntax_empty_value_is_unset);
	tcase_add_test(syntax, test_lists);
	tcase_add_test(syntax, test_lists_bad);
	tcase_add_test(syntax, test_include_glob_relative);
	tcase_add_test(syntax, test_include_cycle);
	tcase_add_test(syntax, test_include_error_names_file);
	tcase_add_test(syntax, test_include_missing_and_depth);
	tcase_add_test(syntax, test_include_not_regular);
	tcase_add_test(syntax, test_include_bomb_files);
	tcase_add_test(syntax, test_include_bomb_bytes);
	tcase_add_test(syntax, test_duplicates);
	tcase_add_test(syntax, test_references);
	suite_add_tcase(s, syntax);

	tcase_add_test(keys, test_every_key_good);
	tcase_add_test(keys, test_every_key_bad);
	tcase_add_test(keys, test_defaults);
	tcase_add_test(keys, test_defaults_derived);
	tcase_add_test(keys, test_value_syntax);
	tcase_add_test(keys, test_version_and_actions);
	tcase_add_test(keys, test_unique);
	tcase_add_test(keys, test_fragmentation);
	tcase_add_test(keys, test_secrets);
	suite_add_tcase(s, keys);

	tcase_add_test(msgs, test_unknown_key_message);
	tcase_add_test(msgs, test_not_implemented_keys);
	tcase_add_test(msgs, test_not_implemented_as_conduit_does);
	tcase_add_test(msgs, test_not_implemented_sections);
	tcase_add_test(msgs, test_key_secrets);
	tcase_add_test(msgs, test_three_mistakes);
	tcase_add_test(msgs, test_auth_rules);
	tcase_add_test(msgs, test_pubkey_auth);
	tcase_add_test(msgs, test_cert_keys);
	tcase_add_test(msgs, test_psk_without_secret_warns);
	suite_add_tcase(s, msgs);

	tcase_add_test(model, test_compare);
	tcase_add_test(model, test_parse_mark);
	tcase_add_test(model, test_gateway_keys);
	tcase_add_test(model, test_example_loads);
	suite_add_tcase(s, model);

	tcase_set_timeout(hostile, 120);
	tcase_add_test(hostile, test_truncated_example);
	tcase_add_test(hostile, test_hostile);
	suite_add_tcase(s, hostile);
	return s;
}

UNIT_MAIN(make_suite)
