/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Appending formatted text to a fixed buffer that may be too small: the
 * text is cut (always NUL-terminated) while pos keeps counting what the
 * whole text needs, as snprintf's return value does.
 */
#ifndef CONDUIT_IKE_FMT_H
#define CONDUIT_IKE_FMT_H

#include <stddef.h>

struct ike_fmt {
	char *buf;
	size_t len;
	size_t pos;
};

void ike_fmt(struct ike_fmt *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An error message into a caller's buffer, which may be NULL or empty. */
void ike_set_err(char *err, size_t err_len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
