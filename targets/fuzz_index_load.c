/* SPDX-License-Identifier: MIT */
/* Reader fuzzer: the index of a closed file (tag dictionary, entries) over a
 * file whose header validates, with index and data bytes from the input (see
 * fuzz_file_build). An accepted index holds EntityCount entries, each inside
 * the data area; anything else is rejected with an error. */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	rh_input in;
	fuzz_file f;
	hdr_image img;
	hdr_err err;
	hdr_status st;

	rh_input_init(&in, data, size);
	fuzz_file_build(&in, 1, &f);
	st = hdr_validate_bytes(f.bytes, f.len, f.len, &img.h, &err);
	fuzz_reader_check_err("hdr_validate_bytes", st, &err);
	if (st == HDR_OK && img.h.tagdict_offset != 0) {
		img = (hdr_image){.bytes = f.bytes, .len = f.len, .h = img.h, .closed = true};
		st = hdr_index_load_bytes(&img.h, f.bytes, f.len, &img.index, &img.n_index, &err);
		fuzz_reader_check_err("hdr_index_load_bytes", st, &err);
		if (st != HDR_OK && (img.index != NULL || img.n_index != 0))
			fuzz_reader_fail("hdr_index_load_bytes failed but returned %zu entries",
					 img.n_index);
		if (st == HDR_OK)
			fuzz_reader_check_image(&img);
		free(img.index);
	}
	fuzz_file_free(&f);
	return 0;
}
