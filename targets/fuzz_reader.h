/* SPDX-License-Identifier: MIT */
/* This file is private to the reader fuzzers (fuzz_header_open.c,
 * fuzz_wal_replay.c, fuzz_index_load.c).
 *
 * A reader handed hostile bytes must either accept them with results that
 * point inside the bytes, or reject them with a status and a one-line
 * message; crashes, leaks and out-of-bounds reads are left to ASan/UBSan.
 * A broken promise aborts with "reader fuzz: ..." so libFuzzer keeps it. */
#ifndef RH_FUZZ_READER_H
#define RH_FUZZ_READER_H

#include <stddef.h>
#include <stdint.h>

#include "header_store.h"
#include "racehunt/input.h"
#include "racehunt/platform.h"

RH_NORETURN void fuzz_reader_fail(const char *fmt, ...) RH_PRINTF(1, 2);

/* A rejection names its status in err and says why in one line. */
void fuzz_reader_check_err(const char *reader, hdr_status st, const hdr_err *err);

/* Every entity an accepted image holds lies inside its data area, and reads
 * back through hdr_image_find / hdr_image_record without leaving the bytes. */
void fuzz_reader_check_image(const hdr_image *img);

/* A file image built from the input: a header with a valid checksum over a
 * layout the input chooses (WAL slots, data bytes, an index when closed),
 * region bytes taken from the input, then optional repairs the input asks
 * for (WAL entry checksums and offsets, the tag dictionary) so the fuzzer
 * gets past the checks that guard the deep paths as well as into them, and
 * optionally one header field overwritten after the fact. */
typedef struct fuzz_file {
	uint8_t *bytes; /* malloc'd, exactly len bytes */
	size_t len;
	hdr_header h; /* as encoded */
	uint64_t n_slots;
} fuzz_file;

/* closed: -1 = the input decides, 0 = open file (no index), 1 = closed. */
void fuzz_file_build(rh_input *in, int closed, fuzz_file *f);
void fuzz_file_free(fuzz_file *f);

#endif
