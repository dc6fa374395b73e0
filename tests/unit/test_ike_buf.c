// SPDX-License-Identifier: GPL-2.0-or-later
/* The bounded reader and writer: values, bounds, sticky errors. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "ike/buf.h"
#include "tests/unit/unit.h"

static const uint8_t data[] = { 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
				0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10 };

START_TEST(test_reader_values)
{
	struct ike_reader r;

	ike_reader_init(&r, data, sizeof(data));
	ck_assert_uint_eq(ike_get_u8(&r), 0x01);
	ck_assert_uint_eq(ike_get_u16(&r), 0x0203);
	ck_assert_uint_eq(ike_get_u32(&r), 0x04050607);
	ck_assert_uint_eq(ike_reader_offset(&r), 7);
	ck_assert_uint_eq(ike_get_u64(&r), UINT64_C(0x08090a0b0c0d0e0f));
	ck_assert_uint_eq(ike_reader_remaining(&r), 1);
	ck_assert(!ike_reader_at_end(&r));
	ck_assert_uint_eq(ike_get_u8(&r), 0x10);
	ck_assert(ike_reader_at_end(&r));
	ck_assert(!ike_reader_failed(&r));
}
END_TEST

START_TEST(test_reader_overrun_is_sticky)
{
	struct ike_reader r;

	ike_reader_init(&r, data, 3);
	ck_assert_uint_eq(ike_get_u16(&r), 0x0102);
	/* one octet left: a u16 must fail and not consume the 0x03 */
	ck_assert_uint_eq(ike_get_u16(&r), 0);
	ck_assert(ike_reader_failed(&r));
	/* sticky: even a u8 that would fit now fails */
	ck_assert_uint_eq(ike_get_u8(&r), 0);
	ck_assert(ike_reader_failed(&r));
	ck_assert_uint_eq(ike_reader_remaining(&r), 0);
}
END_TEST

START_TEST(test_reader_each_width_bounds)
{
	/* for each width, exactly-enough succeeds and one-short fails */
	for (size_t w = 1; w <= 8; w *= 2) {
		struct ike_reader r;

		ike_reader_init(&r, data, w);
		switch (w) {
		case 1:
			ike_get_u8(&r);
			break;
		case 2:
			ike_get_u16(&r);
			break;
		case 4:
			ike_get_u32(&r);
			break;
		default:
			ike_get_u64(&r);
		}
		ck_assert_msg(!ike_reader_failed(&r), "width %zu", w);
		ike_reader_init(&r, data, w - 1);
		switch (w) {
		case 1:
			ck_assert_uint_eq(ike_get_u8(&r), 0);
			break;
		case 2:
			ck_assert_uint_eq(ike_get_u16(&r), 0);
			break;
		case 4:
			ck_assert_uint_eq(ike_get_u32(&r), 0);
			break;
		default:
			ck_assert_uint_eq(ike_get_u64(&r), 0);
		}
		ck_assert_msg(ike_reader_failed(&r), "width %zu", w);
	}
}
END_TEST

START_TEST(test_reader_bytes_and_slices)
{
	struct ike_reader r;
	uint8_t out[4];
	struct ike_slice s;

	ike_reader_init(&r, data, 6);
	ck_assert(ike_get_bytes(&r, out, 4));
	ck_assert_mem_eq(out, data, 4);
	memset(out, 0xaa, sizeof(out));
	ck_assert(!ike_get_bytes(&r, out, 3));
	ck_assert_mem_eq(out, "\0\0\0", 3); /* zero-filled on failure */

	ike_reader_init(&r, data, 6);
	ike_skip(&r, 2);
	s = ike_get_slice(&r, 3);
	ck_assert_ptr_eq(s.ptr, &data[2]); /* borrowed, not copied */
	ck_assert_uint_eq(s.len, 3);
	s = ike_get_slice(&r, 2);
	ck_assert_ptr_null(s.ptr);
	ck_assert_uint_eq(s.len, 0);
	ck_assert(ike_reader_failed(&r));

	ike_reader_init(&r, data, 6);
	ike_skip(&r, 7);
	ck_assert(ike_reader_failed(&r));

	ike_reader_init(&r, data, 6);
	ike_skip(&r, 1);
	s = ike_get_rest(&r);
	ck_assert_uint_eq(s.len, 5);
	ck_assert(ike_reader_at_end(&r));
	/* zero-length reads at the end are fine */
	ck_assert(ike_get_bytes(&r, out, 0));
	ck_assert(!ike_reader_failed(&r));
}
END_TEST

START_TEST(test_reader_sub)
{
	struct ike_reader r, sub;

	ike_reader_init(&r, data, 8);
	ike_skip(&r, 2);
	sub = ike_get_sub(&r, 3);
	ck_assert(!ike_reader_failed(&sub));
	ck_assert_uint_eq(ike_reader_remaining(&sub), 3);
	/* offsets stay relative to the whole buffer */
	ck_assert_uint_eq(ike_reader_offset(&sub), 2);
	ck_assert_uint_eq(ike_reader_offset(&r), 5);
	ck_assert_uint_eq(ike_get_u16(&sub), 0x0304);
	/* the sub-reader cannot read past its end into the parent */
	ck_assert_uint_eq(ike_get_u16(&sub), 0);
	ck_assert(ike_reader_failed(&sub));
	ck_assert(!ike_reader_failed(&r));
	ck_assert_uint_eq(ike_get_u8(&r), 0x06);

	/* a sub-reader longer than what is left fails both */
	sub = ike_get_sub(&r, 3);
	ck_assert(ike_reader_failed(&sub));
	ck_assert(ike_reader_failed(&r));
	ck_assert_uint_eq(ike_reader_remaining(&sub), 0);
}
END_TEST

START_TEST(test_reader_empty)
{
	struct ike_reader r;

	ike_reader_init(&r, NULL, 0);
	ck_assert(ike_reader_at_end(&r));
	ck_assert_uint_eq(ike_reader_offset(&r), 0);
	ck_assert_uint_eq(ike_get_rest(&r).len, 0);
	ck_assert(!ike_reader_failed(&r));
	ck_assert_uint_eq(ike_get_u8(&r), 0);
	ck_assert(ike_reader_failed(&r));
}
END_TEST

START_TEST(test_writer_growable)
{
	struct ike_writer w;
	struct ike_reader r;
	struct ike_slice s;

	ike_writer_init(&w);
	/* enough to force several reallocations */
	for (unsigned int i = 0; i < 1000; i++) {
		ike_put_u8(&w, 0xab);
		ike_put_u16(&w, (uint16_t)i);
		ike_put_u32(&w, i * 7u);
		ike_put_u64(&w, UINT64_C(0x1122334455667788) + i);
	}
	ike_put_bytes(&w, "xyz", 3);
	ike_put_zeros(&w, 5);
	ck_assert_int_eq(ike_writer_error(&w), 0);
	ck_assert_uint_eq(ike_writer_len(&w), 1000 * 15 + 8);
	s = ike_writer_slice(&w);
	r = ike_reader_from_slice(s);
	for (unsigned int i = 0; i < 1000; i++) {
		ck_assert_uint_eq(ike_get_u8(&r), 0xab);
		ck_assert_uint_eq(ike_get_u16(&r), i);
		ck_assert_uint_eq(ike_get_u32(&r), i * 7u);
		ck_assert_uint_eq(ike_get_u64(&r), UINT64_C(0x1122334455667788) + i);
	}
	s = ike_get_slice(&r, 3);
	ck_assert_mem_eq(s.ptr, "xyz", 3);
	ck_assert_mem_eq(ike_get_slice(&r, 5).ptr, "\0\0\0\0\0", 5);
	ck_assert(ike_reader_at_end(&r) && !ike_reader_failed(&r));
	ike_writer_free(&w);
	ck_assert_ptr_null(w.buf);
}
END_TEST

START_TEST(test_writer_fixed_overflow)
{
	uint8_t buf[8 + 4];
	struct ike_writer w;

	memset(buf, 0xee, sizeof(buf));
	ike_writer_init_fixed(&w, buf, 8);
	ike_put_u32(&w, 0x01020304);
	ike_put_u16(&w, 0x0506);
	ck_assert_int_eq(ike_writer_error(&w), 0);
	/* 6 written, 2 free: a u32 does not fit and must not be written partly */
	ike_put_u32(&w, 0xa1a2a3a4);
	ck_assert_int_eq(ike_writer_error(&w), -ENOBUFS);
	ck_assert_uint_eq(ike_writer_len(&w), 6);
	ck_assert_uint_eq(buf[6], 0xee);
	/* sticky: a u8 that would fit is refused too */
	ike_put_u8(&w, 0x07);
	ck_assert_uint_eq(ike_writer_len(&w), 6);
	ck_assert_uint_eq(buf[6], 0xee);
	ck_assert_mem_eq(buf, "\x01\x02\x03\x04\x05\x06", 6);
	/* nothing beyond the capacity was touched */
	ck_assert_mem_eq(buf + 8, "\xee\xee\xee\xee", 4);
	ike_writer_free(&w); /* must not free the caller's buffer */

	ike_writer_init_fixed(&w, buf, 8);
	ike_put_u64(&w, 1);
	ck_assert_int_eq(ike_writer_error(&w), 0);
	ike_put_zeros(&w, 1);
	ck_assert_int_eq(ike_writer_error(&w), -ENOBUFS);
	ike_writer_reset(&w);
	ck_assert_int_eq(ike_writer_error(&w), 0);
	ck_assert_uint_eq(ike_writer_len(&w), 0);
}
END_TEST

START_TEST(test_writer_reserve_patch)
{
	struct ike_writer w;
	size_t o16, o32;
	uint8_t *p;

	ike_writer_init(&w);
	ike_put_u8(&w, 0x2a);
	o16 = ike_put_reserve16(&w);
	o32 = ike_put_reserve32(&w);
	ike_put_bytes(&w, "abc", 3);
	ck_assert_uint_eq(o16, 1);
	ck_assert_uint_eq(o32, 3);
	ike_patch_u16(&w, o16, 0xbeef);
	ike_patch_u32(&w, o32, 0xdeadbeef);
	ike_patch_u8(&w, 0, 0x2b);
	ck_assert_int_eq(ike_writer_error(&w), 0);
	ck_assert_mem_eq(ike_writer_slice(&w).ptr,
			 "\x2b\xbe\xef\xde\xad\xbe\xef"
			 "abc",
			 10);

	p = ike_writer_span(&w, 7, 3);
	ck_assert_ptr_nonnull(p);
	p[0] = 'A';
	ck_assert_ptr_null(ike_writer_span(&w, 8, 3));
	ck_assert_ptr_null(ike_writer_span(&w, SIZE_MAX, 2));
	ck_assert_int_eq(ike_writer_error(&w), 0); /* a span query is not a failure */

	/* a patch that straddles the end is refused, and fails the writer */
	ike_patch_u16(&w, 9, 1);
	ck_assert_int_eq(ike_writer_error(&w), -EINVAL);
	ck_assert_mem_eq(ike_writer_slice(&w).ptr + 7, "Abc", 3);
	ike_writer_free(&w);

	ike_writer_init(&w);
	ike_patch_u32(&w, SIZE_MAX - 1, 1);
	ck_assert_int_eq(ike_writer_error(&w), -EINVAL);
	ike_writer_free(&w);
}
END_TEST

START_TEST(test_writer_wipe_and_reserve)
{
	struct ike_writer w;
	uint8_t big[3000];

	memset(big, 0x5a, sizeof(big));
	ike_writer_init(&w);
	w.wipe = true;
	ike_put_bytes(&w, big, 100);
	ike_put_bytes(&w, big, sizeof(big)); /* grows through the wiping path */
	ck_assert_int_eq(ike_writer_error(&w), 0);
	ck_assert_uint_eq(ike_writer_len(&w), 3100);
	ck_assert_mem_eq(ike_writer_slice(&w).ptr + 3000, big, 100);
	ike_writer_free(&w);

	ike_writer_init(&w);
	ck_assert_int_eq(ike_writer_reserve(&w, 5000), 0);
	ck_assert_uint_ge(w.cap, 5000);
	ike_put_u8(&w, 1);
	ck_assert_int_eq(ike_writer_reserve(&w, SIZE_MAX), -EOVERFLOW);
	ike_writer_free(&w);

	ike_writer_init(&w);
	ike_put_bytes(&w, NULL, 3);
	ck_assert_int_eq(ike_writer_error(&w), -EINVAL);
	ike_writer_free(&w);
}
END_TEST

static Suite *make_suite(void)
{
	Suite *s = suite_create("ike_buf");
	TCase *tc = tcase_create("buf");

	tcase_add_test(tc, test_reader_values);
	tcase_add_test(tc, test_reader_overrun_is_sticky);
	tcase_add_test(tc, test_reader_each_width_bounds);
	tcase_add_test(tc, test_reader_bytes_and_slices);
	tcase_add_test(tc, test_reader_sub);
	tcase_add_test(tc, test_reader_empty);
	tcase_add_test(tc, test_writer_growable);
	tcase_add_test(tc, test_writer_fixed_overflow);
	tcase_add_test(tc, test_writer_reserve_patch);
	tcase_add_test(tc, test_writer_wipe_and_reserve);
	suite_add_tcase(s, tc);
	return s;
}

UNIT_MAIN(make_suite)
