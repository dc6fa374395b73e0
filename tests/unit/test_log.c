/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon/log.h"
#include "tests/unit/unit.h"

static char captured[8192];

/* A fresh file to log into; JOURNAL_STREAM as the test sets it. */
static int capture_fd(void)
{
	FILE *f = tmpfile();
	ck_assert_ptr_nonnull(f);
	int fd = dup(fileno(f));
	fclose(f);
	ck_assert_int_ge(fd, 0);
	return fd;
}

static const char *read_back(int fd)
{
	ssize_t n = pread(fd, captured, sizeof(captured) - 1, 0);
	ck_assert_int_ge(n, 0);
	captured[n] = '\0';
	return captured;
}

static void reset(int fd)
{
	ck_assert_int_eq(ftruncate(fd, 0), 0);
	ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
}

static size_t count_lines(const char *s)
{
	size_t n = 0;
	for (; *s; s++)
		n += *s == '\n';
	return n;
}

START_TEST(level_parse)
{
	enum log_level l = LOG_LEVEL_ERROR;
	ck_assert_int_eq(log_level_parse("trace", &l), 0);
	ck_assert_int_eq(l, LOG_LEVEL_TRACE);
	ck_assert_int_eq(log_level_parse("DEBUG", &l), 0);
	ck_assert_int_eq(l, LOG_LEVEL_DEBUG);
	ck_assert_int_eq(log_level_parse("Warning", &l), 0);
	ck_assert_int_eq(l, LOG_LEVEL_WARN);
	ck_assert_int_eq(log_level_parse("warn", &l), 0);
	ck_assert_int_eq(l, LOG_LEVEL_WARN);
	ck_assert_int_eq(log_level_parse("error", &l), 0);
	ck_assert_int_eq(l, LOG_LEVEL_ERROR);
	ck_assert_int_eq(log_level_parse("info", &l), 0);
	ck_assert_int_eq(l, LOG_LEVEL_INFO);

	l = LOG_LEVEL_DEBUG;
	ck_assert_int_eq(log_level_parse("verbose", &l), -EINVAL);
	ck_assert_int_eq(log_level_parse("", &l), -EINVAL);
	ck_assert_int_eq(log_level_parse("info ", &l), -EINVAL);
	ck_assert_int_eq(log_level_parse(NULL, &l), -EINVAL);
	ck_assert_int_eq(l, LOG_LEVEL_DEBUG); /* untouched on error */

	ck_assert_str_eq(log_level_name(LOG_LEVEL_WARN), "warn");
	ck_assert_str_eq(log_level_name(LOG_LEVEL_TRACE), "trace");
	ck_assert_str_eq(log_level_name((enum log_level)42), "?");
}
END_TEST

START_TEST(plain_format_has_timestamp)
{
	unsetenv("JOURNAL_STREAM");
	int fd = capture_fd();
	log_init(fd, LOG_LEVEL_INFO);
	ck_assert(!log_is_journal());
	log_msg(LOG_LEVEL_INFO, "hello %d", 5);
	log_msg(LOG_LEVEL_ERROR, "%s", "bad");

	regex_t re;
	ck_assert_int_eq(
	    regcomp(&re,
		    "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} "
		    "\\[info\\] hello 5\n"
		    "[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} "
		    "\\[error\\] bad\n$",
		    REG_EXTENDED),
	    0);
	const char *out = read_back(fd);
	ck_assert_msg(regexec(&re, out, 0, NULL, 0) == 0, "got: %s", out);
	regfree(&re);
	close(fd);
}
END_TEST

START_TEST(level_filtering)
{
	unsetenv("JOURNAL_STREAM");
	int fd = capture_fd();
	log_init(fd, LOG_LEVEL_WARN);
	ck_assert(log_enabled(LOG_LEVEL_ERROR));
	ck_assert(log_enabled(LOG_LEVEL_WARN));
	ck_assert(!log_enabled(LOG_LEVEL_INFO));
	log_msg(LOG_LEVEL_TRACE, "t");
	log_msg(LOG_LEVEL_DEBUG, "d");
	log_msg(LOG_LEVEL_INFO, "i");
	log_msg(LOG_LEVEL_WARN, "w");
	log_msg(LOG_LEVEL_ERROR, "e");
	log_sa(LOG_LEVEL_INFO, "c", 1, "sa");
	const char *out = read_back(fd);
	ck_assert_uint_eq(count_lines(out), 2);
	ck_assert_ptr_nonnull(strstr(out, "[warn] w\n"));
	ck_assert_ptr_nonnull(strstr(out, "[error] e\n"));

	log_set_level(LOG_LEVEL_TRACE);
	ck_assert_int_eq(log_get_level(), LOG_LEVEL_TRACE);
	log_msg(LOG_LEVEL_TRACE, "t2");
	ck_assert_ptr_nonnull(strstr(read_back(fd), "[trace] t2\n"));
	log_set_level((enum log_level)17); /* ignored */
	ck_assert_int_eq(log_get_level(), LOG_LEVEL_TRACE);
	close(fd);
}
END_TEST

static void set_journal_stream(int fd)
{
	struct stat st;
	char buf[64];
	ck_assert_int_eq(fstat(fd, &st), 0);
	snprintf(buf, sizeof(buf), "%llu:%llu", (unsigned long long)st.st_dev,
		 (unsigned long long)st.st_ino);
	setenv("JOURNAL_STREAM", buf, 1);
}

START_TEST(journal_prefix)
{
	int fd = capture_fd();
	set_journal_stream(fd);
	log_init(fd, LOG_LEVEL_TRACE);
	ck_assert(log_is_journal());
	log_msg(LOG_LEVEL_ERROR, "e");
	log_msg(LOG_LEVEL_WARN, "w");
	log_msg(LOG_LEVEL_INFO, "i");
	log_msg(LOG_LEVEL_DEBUG, "d");
	log_msg(LOG_LEVEL_TRACE, "t");
	ck_assert_str_eq(read_back(fd), "<3>e\n<4>w\n<6>i\n<7>d\n<7>t\n");
	close(fd);
}
END_TEST

START_TEST(journal_stream_of_another_file)
{
	int fd = capture_fd(), other = capture_fd();
	set_journal_stream(other);
	log_init(fd, LOG_LEVEL_INFO);
	ck_assert(!log_is_journal());
	log_msg(LOG_LEVEL_INFO, "x");
	ck_assert_ptr_null(strstr(read_back(fd), "<6>"));
	close(fd);
	close(other);
}
END_TEST

START_TEST(journal_stream_parsing)
{
	int fd = capture_fd();
	struct stat st;
	char buf[96];
	ck_assert_int_eq(fstat(fd, &st), 0);
	unsigned long long dev = st.st_dev, ino = st.st_ino;

	snprintf(buf, sizeof(buf), "%llu:%llu", dev, ino);
	ck_assert(log_fd_is_journal(fd, buf));
	snprintf(buf, sizeof(buf), "%llu:%llu", dev, ino + 1);
	ck_assert(!log_fd_is_journal(fd, buf));
	snprintf(buf, sizeof(buf), "%llu:%llu", dev + 1, ino);
	ck_assert(!log_fd_is_journal(fd, buf));
	snprintf(buf, sizeof(buf), "%llu:%llux", dev, ino);
	ck_assert(!log_fd_is_journal(fd, buf));
	snprintf(buf, sizeof(buf), "%llu %llu", dev, ino);
	ck_assert(!log_fd_is_journal(fd, buf));
	snprintf(buf, sizeof(buf), "%llu:", dev);
	ck_assert(!log_fd_is_journal(fd, buf));
	snprintf(buf, sizeof(buf), ":%llu", ino);
	ck_assert(!log_fd_is_journal(fd, buf));
	ck_assert(!log_fd_is_journal(fd, "99999999999999999999999999:1"));
	ck_assert(!log_fd_is_journal(fd, ""));
	ck_assert(!log_fd_is_journal(fd, NULL));
	snprintf(buf, sizeof(buf), "%llu:%llu", dev, ino);
	ck_assert(!log_fd_is_journal(-1, buf));
	close(fd);
}
END_TEST

START_TEST(sa_and_child_lines)
{
	int fd = capture_fd();
	set_journal_stream(fd); /* no timestamp: exact comparison */
	log_init(fd, LOG_LEVEL_INFO);
	log_sa(LOG_LEVEL_INFO, "site-b", 3, "IKE_SA established with %s", "192.0.2.2");
	log_child(LOG_LEVEL_WARN, "site-b", 3, "net", 4, "CHILD_SA installed");
	log_sa(LOG_LEVEL_INFO, NULL, 0, "no name");
	ck_assert_str_eq(read_back(fd), "<6>site-b[3]: IKE_SA established with 192.0.2.2\n"
					"<4>site-b[3]/net{4}: CHILD_SA installed\n"
					"<6>?[0]: no name\n");
	close(fd);
}
END_TEST

START_TEST(control_characters_escaped)
{
	int fd = capture_fd();
	set_journal_stream(fd);
	log_init(fd, LOG_LEVEL_INFO);
	/* A peer's identity trying to forge a second line and a color. */
	log_sa(LOG_LEVEL_INFO, "c\n", 1, "peer id '%s'", "evil\n<3>forged\x1b[31m\x7f");
	ck_assert_str_eq(read_back(fd),
			 "<6>c\\x0a[1]: peer id 'evil\\x0a<3>forged\\x1b[31m\\x7f'\n");
	close(fd);
}
END_TEST

START_TEST(long_line_cut)
{
	int fd = capture_fd();
	set_journal_stream(fd);
	log_init(fd, LOG_LEVEL_INFO);
	char big[5000];
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_msg(LOG_LEVEL_INFO, "%s", big);
	const char *out = read_back(fd);
	size_t len = strlen(out);
	ck_assert_uint_eq(count_lines(out), 1);
	ck_assert_uint_eq(len, LOG_LINE_MAX + 4); /* "...\n" */
	ck_assert_str_eq(out + len - 5, "a...\n");

	/* Escapes near the end do not overrun either. */
	reset(fd);
	memset(big, '\n', sizeof(big) - 1);
	log_msg(LOG_LEVEL_INFO, "%s", big);
	out = read_back(fd);
	ck_assert_uint_eq(count_lines(out), 1);
	ck_assert_uint_le(strlen(out), LOG_LINE_MAX + 4);
	ck_assert_str_eq(out + strlen(out) - 8, "\\x0a...\n");
	close(fd);
}
END_TEST

START_TEST(secret_hidden_below_trace)
{
	static const uint8_t key[] = { 0xde, 0xad, 0xbe, 0xef };
	int fd = capture_fd();
	set_journal_stream(fd);

	log_init(fd, LOG_LEVEL_DEBUG);
	log_hex_secret(LOG_LEVEL_DEBUG, "SK_ei", key, sizeof(key));
	log_hex_secret(LOG_LEVEL_TRACE, "SK_er", key, sizeof(key)); /* filtered out */
	ck_assert_str_eq(read_back(fd), "<7>SK_ei: <4 octets hidden>\n");

	reset(fd);
	log_init(fd, LOG_LEVEL_TRACE);
	log_hex_secret(LOG_LEVEL_DEBUG, "SK_ei", key, sizeof(key));
	log_hex_secret(LOG_LEVEL_TRACE, "empty", key, 0);
	ck_assert_str_eq(read_back(fd), "<7>SK_ei: deadbeef\n<7>empty: \n");

	reset(fd);
	log_init(fd, LOG_LEVEL_INFO);
	log_hex_secret(LOG_LEVEL_INFO, "psk", key, sizeof(key));
	ck_assert_ptr_null(strstr(read_back(fd), "dead"));
	ck_assert_str_eq(read_back(fd), "<6>psk: <4 octets hidden>\n");
	close(fd);
}
END_TEST

static void call_ike_log(enum ike_log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void call_ike_log(enum ike_log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	log_ike(NULL, level, fmt, ap);
	va_end(ap);
}

START_TEST(engine_callback)
{
	int fd = capture_fd();
	set_journal_stream(fd);
	log_init(fd, LOG_LEVEL_INFO);
	call_ike_log(IKE_LOG_WARN, "%s[%u]: retransmit %d", "site-b", 3u, 2);
	call_ike_log(IKE_LOG_DEBUG, "hidden");
	ck_assert_str_eq(read_back(fd), "<4>site-b[3]: retransmit 2\n");
	close(fd);
}
END_TEST

START_TEST(limit_one_line_a_second)
{
	struct log_limit l = { 0 };
	uint64_t left = 99;

	/* The first line of a kind goes out at once, whatever the clock. */
	ck_assert(log_limit_pass(&l, 0, &left));
	ck_assert_uint_eq(left, 0);
	for (uint64_t t = 10; t < 1000; t += 200)
		ck_assert(!log_limit_pass(&l, t, &left)); /* 5 left out */
	ck_assert(log_limit_pass(&l, 1000, &left));
	ck_assert_uint_eq(left, 5);
	ck_assert(!log_limit_pass(&l, 1999, &left));
	/* A quiet spell: the next one passes and says one was left out. */
	ck_assert(log_limit_pass(&l, 60000, &left));
	ck_assert_uint_eq(left, 1);
	ck_assert(!log_limit_pass(&l, 60000, &left));
	ck_assert(log_limit_pass(&l, 61000, &left));
	ck_assert_uint_eq(left, 1);
	/* A flood: one line a second, each with the count before it. */
	unsigned int written = 0;
	for (uint64_t t = 61001; t < 71001; t++) {
		if (log_limit_pass(&l, t, &left)) {
			written++;
			ck_assert_uint_eq(left, 999);
		}
	}
	ck_assert_uint_eq(written, 10);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");
	tcase_add_test(tc, level_parse);
	tcase_add_test(tc, plain_format_has_timestamp);
	tcase_add_test(tc, level_filtering);
	tcase_add_test(tc, journal_prefix);
	tcase_add_test(tc, journal_stream_of_another_file);
	tcase_add_test(tc, journal_stream_parsing);
	tcase_add_test(tc, sa_and_child_lines);
	tcase_add_test(tc, control_characters_escaped);
	tcase_add_test(tc, long_line_cut);
	tcase_add_test(tc, secret_hidden_below_trace);
	tcase_add_test(tc, engine_callback);
	tcase_add_test(tc, limit_one_line_a_second);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
