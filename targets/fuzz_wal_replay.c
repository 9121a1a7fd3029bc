/* SPDX-License-Identifier: MIT */
/* Reader fuzzer: WAL replay over a file whose header validates, with WAL
 * slots and data from the input (see fuzz_file_build). Every entry replay
 * returns must lie in the data area and in a WAL slot; a bad slot is
 * rejected with an error. */
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
	fuzz_file_build(&in, -1, &f);
	st = hdr_validate_bytes(f.bytes, f.len, f.len, &img.h, &err);
	fuzz_reader_check_err("hdr_validate_bytes", st, &err);
	if (st == HDR_OK) {
		img = (hdr_image){.bytes = f.bytes, .len = f.len, .h = img.h};
		st = hdr_wal_replay_bytes(&img.h, f.bytes, f.len, &img.wal, &img.n_wal, &img.n_torn,
					  &err);
		fuzz_reader_check_err("hdr_wal_replay_bytes", st, &err);
		if (st != HDR_OK && (img.wal != NULL || img.n_wal != 0))
			fuzz_reader_fail("hdr_wal_replay_bytes failed but returned %zu entries",
					 img.n_wal);
		if (st == HDR_OK)
			fuzz_reader_check_image(&img);
		free(img.wal);
	}
	fuzz_file_free(&f);
	return 0;
}
