/* SPDX-License-Identifier: MIT */
/* Reader fuzzer: a whole file as hostile bytes through hdr_validate_bytes and
 * hdr_open_bytes (header, then index of a closed file, then WAL replay).
 *
 * Input: one flag byte, then the file. Flag bit 0 re-encodes the header's
 * checksum so mutations of its fields reach the checks behind it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rh_input in;
	const uint8_t *file;
	size_t len;
	uint8_t flags, *copy;
	hdr_header h;
	hdr_image img;
	hdr_err err;
	hdr_status st;

	rh_input_init(&in, data, size);
	flags = rh_input_u8(&in);
	rh_input_rest(&in, &file, &len);
	/* An exact-size copy: the readers must not rely on bytes past len. */
	copy = malloc(len ? len : 1);
	if (copy == NULL)
		return 0;
	if (len)
		memcpy(copy, file, len);
	if ((flags & 1) && len >= HDR_SIZE) {
		hdr_header_decode(copy, &h);
		hdr_header_encode(&h, copy);
	}

	st = hdr_validate_bytes(copy, len, len, &h, &err);
	fuzz_reader_check_err("hdr_validate_bytes", st, &err);
	if (st == HDR_OK && (h.file_size != h.data_offset + h.data_size || h.data_offset > len ||
			     h.wal_offset < HDR_SIZE))
		fuzz_reader_fail("hdr_validate_bytes accepted an inconsistent header");

	st = hdr_open_bytes(copy, len, &img, &err);
	fuzz_reader_check_err("hdr_open_bytes", st, &err);
	if (st == HDR_OK) {
		fuzz_reader_check_image(&img);
		hdr_image_free(&img);
	}
	free(copy);
	return 0;
}
