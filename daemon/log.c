/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "daemon/log.h"

_Static_assert((int)LOG_LEVEL_ERROR == (int)IKE_LOG_ERROR &&
		   (int)LOG_LEVEL_WARN == (int)IKE_LOG_WARN &&
		   (int)LOG_LEVEL_INFO == (int)IKE_LOG_INFO &&
		   (int)LOG_LEVEL_DEBUG == (int)IKE_LOG_DEBUG &&
		   (int)LOG_LEVEL_TRACE == (int)IKE_LOG_TRACE,
	       "log levels must match the engine's");

static int log_fd = STDERR_FILENO;
static enum log_level log_level = LOG_LEVEL_INFO;
static bool log_journal;
static bool log_syslog; /* a daemon with no terminal: syslog(3) */

static const struct {
	const char *name;
	int prio; /* syslog priority; journald parses it as "<N>" */
} levels[] = {
	[LOG_LEVEL_ERROR] = { "error", LOG_ERR },   [LOG_LEVEL_WARN] = { "warn", LOG_WARNING },
	[LOG_LEVEL_INFO] = { "info", LOG_INFO },    [LOG_LEVEL_DEBUG] = { "debug", LOG_DEBUG },
	[LOG_LEVEL_TRACE] = { "trace", LOG_DEBUG },
};

static bool level_valid(enum log_level level)
{
	return (unsigned)level <= LOG_LEVEL_TRACE;
}

bool log_fd_is_journal(int fd, const char *journal_stream)
{
	if (journal_stream == NULL || *journal_stream == '\0')
		return false;

	char *end;
	errno = 0;
	unsigned long long dev = strtoull(journal_stream, &end, 10);
	if (errno != 0 || end == journal_stream || *end != ':')
		return false;
	const char *ino_s = end + 1;
	unsigned long long ino = strtoull(ino_s, &end, 10);
	if (errno != 0 || end == ino_s || *end != '\0')
		return false;

	struct stat st;
	if (fstat(fd, &st) != 0)
		return false;
	return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(int fd, enum log_level level)
{
	log_fd = fd;
	log_set_level(level);
	log_journal = log_fd_is_journal(fd, getenv("JOURNAL_STREAM"));
}

void log_to_syslog(const char *ident)
{
	openlog(ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	log_syslog = true;
	log_journal = false;
}

void log_set_level(enum log_level level)
{
	if (level_valid(level))
		log_level = level;
}

enum log_level log_get_level(void)
{
	return log_level;
}

bool log_enabled(enum log_level level)
{
	return level_valid(level) && level <= log_level;
}

bool log_is_journal(void)
{
	return log_journal;
}

int log_level_parse(const char *s, enum log_level *level)
{
	if (s == NULL)
		return -EINVAL;
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		if (strcasecmp(s, levels[i].name) == 0) {
			*level = (enum log_level)i;
			return 0;
		}
	}
	if (strcasecmp(s, "warning") == 0) {
		*level = LOG_LEVEL_WARN;
		return 0;
	}
	return -EINVAL;
}

const char *log_level_name(enum log_level level)
{
	return level_valid(level) ? levels[level].name : "?";
}

/* A growing line with a hard cap; once full, further text is dropped and
 * the line ends in "...". */
struct line {
	char buf[LOG_LINE_MAX + 8];
	size_t len;
	bool cut;
};

static void line_putc(struct line *l, char c)
{
	if (l->len < LOG_LINE_MAX)
		l->buf[l->len++] = c;
	else
		l->cut = true;
}

static void line_puts(struct line *l, const char *s)
{
	while (*s != '\0')
		line_putc(l, *s++);
}

/* Copy text, escaping what could split or forge a line (peers choose
 * their identities). */
static void line_put_escaped(struct line *l, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7f) {
			if (l->len + 4 > LOG_LINE_MAX) {
				l->cut = true;
				return;
			}
			line_putc(l, '\\');
			line_putc(l, 'x');
			line_putc(l, hex[c >> 4]);
			line_putc(l, hex[c & 0xf]);
		} else {
			line_putc(l, (char)c);
		}
	}
}

static void line_prefix(struct line *l, enum log_level level)
{
	if (log_syslog)
		return; /* syslog stamps the line itself */
	if (log_journal) {
		char prio[8];

		snprintf(prio, sizeof(prio), "<%d>", levels[level].prio);
		line_puts(l, prio);
		return;
	}
	struct timespec ts;
	struct tm tm;
	char stamp[64];
	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	size_t n = strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(stamp + n, sizeof(stamp) - n, ".%03ld [%s] ", ts.tv_nsec / 1000000,
		 levels[level].name);
	line_puts(l, stamp);
}

static void line_write(struct line *l, enum log_level level)
{
	if (l->cut) {
		/* LOG_LINE_MAX leaves room: buf has 8 spare octets. */
		memcpy(l->buf + l->len, "...", 3);
		l->len += 3;
	}
	if (log_syslog) {
		syslog(levels[level].prio, "%.*s", (int)l->len, l->buf);
		return;
	}
	l->buf[l->len++] = '\n';

	size_t off = 0;
	while (off < l->len) {
		ssize_t n = write(log_fd, l->buf + off, l->len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* nowhere to report it */
		off += (size_t)n;
	}
}

/* prefix: "conn[3]: " etc., escaped with the rest. secret: the text holds
 * key material (trace only): wipe the buffers after writing. */
static void emit(enum log_level level, const char *prefix, bool secret, const char *fmt, va_list ap)
{
	if (!log_enabled(level))
		return;

	struct line l = { .len = 0, .cut = false };
	char text[LOG_LINE_MAX + 1];
	int n = vsnprintf(text, sizeof(text), fmt, ap);
	if (n < 0)
		n = 0;
	size_t tlen = (size_t)n < sizeof(text) ? (size_t)n : sizeof(text) - 1;

	line_prefix(&l, level);
	if (prefix != NULL)
		line_put_escaped(&l, prefix, strlen(prefix));
	line_put_escaped(&l, text, tlen);
	if ((size_t)n >= sizeof(text))
		l.cut = true;
	line_write(&l, level);
	if (secret) {
		OPENSSL_cleanse(text, sizeof(text));
		OPENSSL_cleanse(l.buf, sizeof(l.buf));
	}
}

static void emit_f(enum log_level level, bool secret, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void emit_f(enum log_level level, bool secret, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(level, NULL, secret, fmt, ap);
	va_end(ap);
}

void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	emit(level, NULL, false, fmt, ap);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit(level, NULL, false, fmt, ap);
	va_end(ap);
}

void log_sa(enum log_level level, const char *conn, uint32_t ike_sa_id, const char *fmt, ...)
{
	if (!log_enabled(level))
		return;
	char prefix[256];
	snprintf(prefix, sizeof(prefix), "%s[%" PRIu32 "]: ", conn ? conn : "?", ike_sa_id);
	va_list ap;
	va_start(ap, fmt);
	emit(level, prefix, false, fmt, ap);
	va_end(ap);
}

void log_child(enum log_level level, const char *conn, uint32_t ike_sa_id, const char *child,
	       uint32_t child_id, const char *fmt, ...)
{
	if (!log_enabled(level))
		return;
	char prefix[256];
	snprintf(prefix, sizeof(prefix), "%s[%" PRIu32 "]/%s{%" PRIu32 "}: ", conn ? conn : "?",
		 ike_sa_id, child ? child : "?", child_id);
	va_list ap;
	va_start(ap, fmt);
	emit(level, prefix, false, fmt, ap);
	va_end(ap);
}

void log_hex_secret(enum log_level level, const char *what, const uint8_t *data, size_t len)
{
	if (!log_enabled(level))
		return;
	if (log_level < LOG_LEVEL_TRACE || data == NULL) {
		log_msg(level, "%s: <%zu octets hidden>", what, len);
		return;
	}
	static const char hex[] = "0123456789abcdef";
	/* Longer than a line can hold is cut by emit() anyway. */
	char buf[LOG_LINE_MAX];
	size_t n = 0;
	for (size_t i = 0; i < len && n + 2 < sizeof(buf); i++) {
		buf[n++] = hex[data[i] >> 4];
		buf[n++] = hex[data[i] & 0xf];
	}
	buf[n] = '\0';
	emit_f(level, true, "%s: %s", what, buf);
	OPENSSL_cleanse(buf, sizeof(buf));
}

void log_ike(void *ctx, enum ike_log_level level, const char *fmt, va_list ap)
{
	emit((enum log_level)level, NULL, false, fmt, ap);
}

bool log_ike_enabled(void *ctx, enum ike_log_level level)
{
	(void)ctx;
	return log_enabled((enum log_level)level);
}

bool log_limit_pass(struct log_limit *l, uint64_t now_ms, uint64_t *left_out)
{
	if (l->written && now_ms - l->last_ms < LOG_LIMIT_INTERVAL_MS) {
		l->left_out++;
		return false;
	}
	*left_out = l->left_out;
	l->left_out = 0;
	l->last_ms = now_ms;
	l->written = true;
	return true;
}
