/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logging: one line per event, written to one file descriptor (stderr).
 *
 * Under systemd, stderr is a journal stream: each line then starts with its
 * syslog priority ("<3>" ... "<7>") so journald records the level, and
 * carries no timestamp of its own. Anywhere else each line starts with the
 * local time and the level name.
 *
 * Lines about an SA name the connection and the SA's unique number, so an
 * operator can follow one SA with grep:
 *   site-b[3]: IKE_SA established ...            (log_sa)
 *   site-b[3]/net{4}: CHILD_SA installed ...     (log_child)
 * ike/ formats its own lines the same way.
 *
 * SECRETS NEVER REACH A LOG LINE. Keys, PSKs, nonces, DH private values and
 * anything derived from them must not be passed to log_msg() and friends,
 * whatever the level. The one exception is log_hex_secret(), which prints
 * the octets only when the configured level is trace (a developer's debug
 * session) and otherwise "<N octets hidden>".
 *
 * Control characters in a line (e.g. from a peer's identity) are escaped as
 * \xNN, so a peer cannot forge or split log lines. Lines longer than
 * LOG_LINE_MAX are cut and end in "...".
 *
 * Single-threaded by design; each line is written with one write(2).
 */
#ifndef CONDUIT_DAEMON_LOG_H
#define CONDUIT_DAEMON_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/ike.h"

/* Same order and values as enum ike_log_level (checked in log.c), so the
 * engine's log callback can be log_ike(). */
enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
	LOG_LEVEL_TRACE,
};

#define LOG_LINE_MAX 2048

/* Log to fd (normally STDERR_FILENO) at level and above; detects a journal
 * stream on fd through $JOURNAL_STREAM. May be called again (e.g. after the
 * daemon has redirected stderr). Before any call: stderr, info, no journal. */
void log_init(int fd, enum log_level level);
/* From now on, lines go to syslog(3) (facility daemon) under ident, with
 * the level as priority: for a daemon detached from its terminal. */
void log_to_syslog(const char *ident);
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* True when a message at level would be written: guard expensive arguments. */
bool log_enabled(enum log_level level);
/* True when lines carry a journald priority prefix instead of a timestamp. */
bool log_is_journal(void);

/* "error", "warn" (or "warning"), "info", "debug", "trace", any case.
 * 0, or -EINVAL for anything else. */
int log_level_parse(const char *s, enum log_level *level);
const char *log_level_name(enum log_level level);

/* Whether fd is the stream journald gave us: $JOURNAL_STREAM is
 * "DEVICE:INODE" in decimal and must match fstat(fd). journal_stream may be
 * NULL (not under systemd). Exposed for tests. */
bool log_fd_is_journal(int fd, const char *journal_stream);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vmsg(enum log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* "conn[ike_sa_id]: message" */
void log_sa(enum log_level level, const char *conn, uint32_t ike_sa_id, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* "conn[ike_sa_id]/child{child_id}: message" */
void log_child(enum log_level level, const char *conn, uint32_t ike_sa_id, const char *child,
	       uint32_t child_id, const char *fmt, ...) __attribute__((format(printf, 6, 7)));

/* "what: 0a1b..." when the configured level is trace, else
 * "what: <N octets hidden>"; written at level. For debugging key
 * derivation only. */
void log_hex_secret(enum log_level level, const char *what, const uint8_t *data, size_t len);

/*
 * One kind of line that a peer or the network can cause once per packet
 * (a send or receive error during a flood): written at most once per
 * LOG_LIMIT_INTERVAL_MS, the next one written telling how many were left
 * out, so an attack or an outage shows as one line a second and never
 * floods the journal. Zero-initialise; one per kind of line.
 */
#define LOG_LIMIT_INTERVAL_MS 1000
struct log_limit {
	uint64_t last_ms;  /* when a line was last written */
	uint64_t left_out; /* lines left out since */
	bool written;	   /* a line has been written */
};
/* True: write the line now; *left_out is how many were left out since the
 * previous one (0: none). False: it was counted, write nothing. now_ms
 * from a monotonic clock. */
bool log_limit_pass(struct log_limit *l, uint64_t now_ms, uint64_t *left_out);

/* For struct ike_env.log: the engine's levels map one to one. */
void log_ike(void *ctx, enum ike_log_level level, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
/* The engine's log_enabled: whether log_ike() writes a line of level. */
bool log_ike_enabled(void *ctx, enum ike_log_level level);

#endif
