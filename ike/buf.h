/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The one bounded reader and writer of ike/. Packet bytes are read and
 * written only through these: no other file in ike/ does pointer arithmetic
 * on them.
 *
 * Both carry a sticky error: once a read or write fails, every later one
 * fails too and yields zeros, so a parser can read a whole structure and
 * check once at the end instead of after every field.
 */
#ifndef CONDUIT_IKE_BUF_H
#define CONDUIT_IKE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A borrowed view of octets; it owns nothing. */
struct ike_slice {
	const uint8_t *ptr;
	size_t len;
};

/*
 * Cursor over const bytes. base is where offsets are counted from: a
 * sub-reader keeps its parent's base, so offsets stay relative to the whole
 * message (what a log line needs).
 */
struct ike_reader {
	const uint8_t *base;
	const uint8_t *cur;
	size_t left;
	bool err;
};

void ike_reader_init(struct ike_reader *r, const void *data, size_t len);
struct ike_reader ike_reader_from_slice(struct ike_slice s);
size_t ike_reader_remaining(const struct ike_reader *r);
/* True when no octets are left (whether or not an error occurred). */
bool ike_reader_at_end(const struct ike_reader *r);
bool ike_reader_failed(const struct ike_reader *r);
/* Offset of the cursor from base. */
size_t ike_reader_offset(const struct ike_reader *r);

/* Big-endian reads; 0 (and the sticky error) when fewer octets remain. */
uint8_t ike_get_u8(struct ike_reader *r);
uint16_t ike_get_u16(struct ike_reader *r);
uint32_t ike_get_u32(struct ike_reader *r);
uint64_t ike_get_u64(struct ike_reader *r);
/* Copies n octets; on failure dst is zero-filled and false returned. */
bool ike_get_bytes(struct ike_reader *r, void *dst, size_t n);
/* Borrows n octets; on failure an empty slice. */
struct ike_slice ike_get_slice(struct ike_reader *r, size_t n);
/* Borrows everything left. */
struct ike_slice ike_get_rest(struct ike_reader *r);
/*
 * A reader over the next n octets, which the parent skips. If fewer remain,
 * both the parent and the returned reader are in error.
 */
struct ike_reader ike_get_sub(struct ike_reader *r, size_t n);
void ike_skip(struct ike_reader *r, size_t n);

/*
 * Writer: a growable heap buffer (ike_writer_init), or a caller's fixed
 * buffer (ike_writer_init_fixed) that fails with -ENOBUFS instead of growing.
 * err is the first failure (negative errno), 0 while all is well.
 */
struct ike_writer {
	uint8_t *buf;
	size_t len;
	size_t cap;
	int err;
	bool fixed;
	/* Wipe the old buffer when growing and when freed: for plaintext
	 * that will be encrypted. */
	bool wipe;
};

void ike_writer_init(struct ike_writer *w);
void ike_writer_init_fixed(struct ike_writer *w, void *buf, size_t cap);
/* Frees a growable writer's buffer (wiping it first if w->wipe). */
void ike_writer_free(struct ike_writer *w);
/* Forget the contents and the error, keep the buffer. */
void ike_writer_reset(struct ike_writer *w);
/* Make room for n more octets now, so that later puts do not reallocate. */
int ike_writer_reserve(struct ike_writer *w, size_t n);
/* Record a failure (the first one sticks). */
void ike_writer_fail(struct ike_writer *w, int err);
int ike_writer_error(const struct ike_writer *w);
size_t ike_writer_len(const struct ike_writer *w);
struct ike_slice ike_writer_slice(const struct ike_writer *w);
/*
 * Writable access to octets [off, off + n) already written, e.g. to encrypt
 * in place; NULL if out of range or the writer failed. Valid until the next
 * put (which may move a growable buffer).
 */
uint8_t *ike_writer_span(struct ike_writer *w, size_t off, size_t n);

void ike_put_u8(struct ike_writer *w, uint8_t v);
void ike_put_u16(struct ike_writer *w, uint16_t v);
void ike_put_u32(struct ike_writer *w, uint32_t v);
void ike_put_u64(struct ike_writer *w, uint64_t v);
void ike_put_bytes(struct ike_writer *w, const void *data, size_t n);
void ike_put_zeros(struct ike_writer *w, size_t n);
/* Write a zero placeholder and return its offset for a later patch. */
size_t ike_put_reserve16(struct ike_writer *w);
size_t ike_put_reserve32(struct ike_writer *w);
/* Overwrite octets already written; out of range is an error (-EINVAL). */
void ike_patch_u8(struct ike_writer *w, size_t off, uint8_t v);
void ike_patch_u16(struct ike_writer *w, size_t off, uint16_t v);
void ike_patch_u32(struct ike_writer *w, size_t off, uint32_t v);

#endif
