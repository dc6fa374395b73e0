// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Bounded reader and writer (see buf.h). This is the only place in ike/
 * that does arithmetic on pointers into packet bytes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ike/buf.h"

/* Most IKE messages fit: one allocation per message in the common case. */
#define WRITER_INITIAL_CAP 512

void ike_reader_init(struct ike_reader *r, const void *data, size_t len)
{
	r->base = data;
	r->cur = data;
	r->left = data ? len : 0;
	r->err = false;
}

struct ike_reader ike_reader_from_slice(struct ike_slice s)
{
	struct ike_reader r;

	ike_reader_init(&r, s.ptr, s.len);
	return r;
}

size_t ike_reader_remaining(const struct ike_reader *r)
{
	return r->left;
}

bool ike_reader_at_end(const struct ike_reader *r)
{
	return r->left == 0;
}

bool ike_reader_failed(const struct ike_reader *r)
{
	return r->err;
}

size_t ike_reader_offset(const struct ike_reader *r)
{
	return r->base ? (size_t)(r->cur - r->base) : 0;
}

/* Returns the n octets to read and advances, or NULL and fails for good. */
static const uint8_t *take(struct ike_reader *r, size_t n)
{
	const uint8_t *p;

	if (r->err || n > r->left) {
		r->err = true;
		r->left = 0;
		return NULL;
	}
	p = r->cur;
	if (n) {
		r->cur += n;
		r->left -= n;
	}
	return p;
}

uint8_t ike_get_u8(struct ike_reader *r)
{
	const uint8_t *p = take(r, 1);

	return p ? p[0] : 0;
}

uint16_t ike_get_u16(struct ike_reader *r)
{
	const uint8_t *p = take(r, 2);

	return p ? (uint16_t)((p[0] << 8) | p[1]) : 0;
}

uint32_t ike_get_u32(struct ike_reader *r)
{
	const uint8_t *p = take(r, 4);

	if (!p)
		return 0;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

uint64_t ike_get_u64(struct ike_reader *r)
{
	uint64_t hi = ike_get_u32(r);
	uint64_t lo = ike_get_u32(r);

	return r->err ? 0 : hi << 32 | lo;
}

bool ike_get_bytes(struct ike_reader *r, void *dst, size_t n)
{
	const uint8_t *p = take(r, n);

	if (r->err) {
		if (n)
			memset(dst, 0, n);
		return false;
	}
	if (n)
		memcpy(dst, p, n);
	return true;
}

struct ike_slice ike_get_slice(struct ike_reader *r, size_t n)
{
	const uint8_t *p = take(r, n);

	if (r->err)
		return (struct ike_slice){ .ptr = NULL, .len = 0 };
	return (struct ike_slice){ .ptr = p, .len = n };
}

struct ike_slice ike_get_rest(struct ike_reader *r)
{
	return ike_get_slice(r, r->left);
}

struct ike_reader ike_get_sub(struct ike_reader *r, size_t n)
{
	struct ike_reader sub = { .base = r->base, .cur = r->cur, .left = 0, .err = true };
	const uint8_t *p = take(r, n);

	if (!r->err) {
		sub.cur = p;
		sub.left = n;
		sub.err = false;
	}
	return sub;
}

void ike_skip(struct ike_reader *r, size_t n)
{
	take(r, n);
}

void ike_writer_init(struct ike_writer *w)
{
	*w = (struct ike_writer){ 0 };
}

void ike_writer_init_fixed(struct ike_writer *w, void *buf, size_t cap)
{
	*w = (struct ike_writer){ .buf = buf, .cap = buf ? cap : 0, .fixed = true };
}

/* Not memset: the compiler may drop a memset before free(). */
static void wipe(uint8_t *p, size_t n)
{
	if (p && n)
		explicit_bzero(p, n);
}

void ike_writer_free(struct ike_writer *w)
{
	if (!w->fixed) {
		if (w->wipe)
			wipe(w->buf, w->cap);
		free(w->buf);
	}
	w->buf = NULL;
	w->len = 0;
	w->cap = 0;
}

void ike_writer_reset(struct ike_writer *w)
{
	w->len = 0;
	w->err = 0;
}

void ike_writer_fail(struct ike_writer *w, int err)
{
	if (!w->err)
		w->err = err;
}

int ike_writer_error(const struct ike_writer *w)
{
	return w->err;
}

size_t ike_writer_len(const struct ike_writer *w)
{
	return w->len;
}

struct ike_slice ike_writer_slice(const struct ike_writer *w)
{
	return (struct ike_slice){ .ptr = w->buf, .len = w->len };
}

int ike_writer_reserve(struct ike_writer *w, size_t n)
{
	size_t need, cap;
	uint8_t *nb;

	if (w->err)
		return w->err;
	if (n > SIZE_MAX - w->len) {
		ike_writer_fail(w, -EOVERFLOW);
		return w->err;
	}
	need = w->len + n;
	if (need <= w->cap)
		return 0;
	if (w->fixed) {
		ike_writer_fail(w, -ENOBUFS);
		return w->err;
	}
	cap = w->cap ? w->cap : WRITER_INITIAL_CAP;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (w->wipe) {
		/* realloc could leave a copy of the plaintext behind */
		nb = malloc(cap);
		if (nb && w->len)
			memcpy(nb, w->buf, w->len);
		if (nb) {
			wipe(w->buf, w->cap);
			free(w->buf);
		}
	} else {
		nb = realloc(w->buf, cap);
	}
	if (!nb) {
		ike_writer_fail(w, -ENOMEM);
		return w->err;
	}
	w->buf = nb;
	w->cap = cap;
	return 0;
}

/* Returns where to write n octets and advances, or NULL. */
static uint8_t *put(struct ike_writer *w, size_t n)
{
	uint8_t *p;

	if (ike_writer_reserve(w, n) || n == 0)
		return NULL;
	p = w->buf + w->len;
	w->len += n;
	return p;
}

uint8_t *ike_writer_span(struct ike_writer *w, size_t off, size_t n)
{
	if (w->err || !w->buf || off > w->len || n > w->len - off)
		return NULL;
	return w->buf + off;
}

static void be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void ike_put_u8(struct ike_writer *w, uint8_t v)
{
	uint8_t *p = put(w, 1);

	if (p)
		p[0] = v;
}

void ike_put_u16(struct ike_writer *w, uint16_t v)
{
	uint8_t *p = put(w, 2);

	if (p)
		be16(p, v);
}

void ike_put_u32(struct ike_writer *w, uint32_t v)
{
	uint8_t *p = put(w, 4);

	if (p)
		be32(p, v);
}

void ike_put_u64(struct ike_writer *w, uint64_t v)
{
	uint8_t *p = put(w, 8);

	if (p) {
		be32(p, (uint32_t)(v >> 32));
		be32(p + 4, (uint32_t)v);
	}
}

void ike_put_bytes(struct ike_writer *w, const void *data, size_t n)
{
	uint8_t *p;

	if (n && !data) {
		ike_writer_fail(w, -EINVAL);
		return;
	}
	p = put(w, n);
	if (p && n)
		memcpy(p, data, n);
}

void ike_put_zeros(struct ike_writer *w, size_t n)
{
	uint8_t *p = put(w, n);

	if (p && n)
		memset(p, 0, n);
}

size_t ike_put_reserve16(struct ike_writer *w)
{
	size_t off = w->len;

	ike_put_u16(w, 0);
	return off;
}

size_t ike_put_reserve32(struct ike_writer *w)
{
	size_t off = w->len;

	ike_put_u32(w, 0);
	return off;
}

static uint8_t *patch_at(struct ike_writer *w, size_t off, size_t n)
{
	uint8_t *p;

	if (w->err)
		return NULL;
	p = ike_writer_span(w, off, n);
	if (!p)
		ike_writer_fail(w, -EINVAL);
	return p;
}

void ike_patch_u8(struct ike_writer *w, size_t off, uint8_t v)
{
	uint8_t *p = patch_at(w, off, 1);

	if (p)
		p[0] = v;
}

void ike_patch_u16(struct ike_writer *w, size_t off, uint16_t v)
{
	uint8_t *p = patch_at(w, off, 2);

	if (p)
		be16(p, v);
}

void ike_patch_u32(struct ike_writer *w, size_t off, uint32_t v)
{
	uint8_t *p = patch_at(w, off, 4);

	if (p)
		be32(p, v);
}
