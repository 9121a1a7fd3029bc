/* SPDX-License-Identifier: MIT */
/* header store: the reader rejects hand-made bad files with distinct errors
 * and accepts a good one. Every case builds a small, valid, closed file (two
 * entities, their WAL entries, index, tag dictionary) and breaks one thing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "header_store.h"

#define WAL_SLOTS 4u
#define DATA_OFF (HDR_SIZE + WAL_SLOTS * HDR_WAL_ENTRY_SIZE)

typedef struct file {
	uint8_t b[1024];
	size_t len;
	hdr_header h;
} file;

static void put_record(file *f, uint64_t off, uint64_t id, size_t plen)
{
	hdr_put64(f->b + off, id);
	hdr_put64(f->b + off + 8, plen);
	for (size_t i = 0; i < plen; i++)
		f->b[off + HDR_RECORD_HEAD + i] = (uint8_t)(id + i);
}

static void reseal(file *f)
{
	hdr_header_encode(&f->h, f->b);
}

/* Two entities of 24 and 40 payload bytes, index after the data. */
static void good_file(file *f)
{
	memset(f, 0, sizeof *f);
	hdr_entity e[2] = {{0x101, DATA_OFF, HDR_RECORD_HEAD + 24},
			   {0x202, DATA_OFF + HDR_RECORD_HEAD + 24, HDR_RECORD_HEAD + 40}};
	put_record(f, e[0].off, e[0].id, 24);
	put_record(f, e[1].off, e[1].id, 40);
	for (unsigned i = 0; i < 2; i++)
		hdr_wal_entry_encode(f->b + HDR_SIZE + i * HDR_WAL_ENTRY_SIZE, i + 1, &e[i],
				     f->b + e[i].off);
	uint64_t data_size = e[0].len + e[1].len;
	uint64_t file_size = DATA_OFF + data_size;
	uint8_t *ix = f->b + file_size;
	for (unsigned i = 0; i < 2; i++) {
		hdr_put64(ix + i * HDR_INDEX_ENTRY_SIZE, e[i].id);
		hdr_put64(ix + i * HDR_INDEX_ENTRY_SIZE + 8, e[i].off);
		hdr_put64(ix + i * HDR_INDEX_ENTRY_SIZE + 16, e[i].len);
	}
	uint64_t td = file_size + 2 * HDR_INDEX_ENTRY_SIZE;
	hdr_tagdict_encode(f->b + td, 2, ix, 2 * HDR_INDEX_ENTRY_SIZE);
	f->len = td + HDR_TAGDICT_SIZE;
	f->h = (hdr_header){.magic = HDR_MAGIC,
			    .version = HDR_VERSION,
			    .wal_offset = HDR_SIZE,
			    .wal_sequence = 2,
			    .data_offset = DATA_OFF,
			    .data_size = data_size,
			    .file_size = file_size,
			    .entity_count = 2,
			    .tagdict_offset = td,
			    .last_modified = 7};
	reseal(f);
}

static void test_header_validate_accepts_good_file(void **state)
{
	file f;
	good_file(&f);
	hdr_image img;
	hdr_err err = {0};
	assert_int_equal(hdr_open_bytes(f.b, f.len, &img, &err), HDR_OK);
	assert_true(img.closed);
	assert_int_equal(img.n_index, 2);
	assert_int_equal(img.n_wal, 2);
	assert_true(img.wal[0].data_ok && img.wal[1].data_ok);
	hdr_entity e;
	assert_true(hdr_image_find(&img, 0x202, &e));
	uint64_t id, len;
	const uint8_t *p = hdr_image_record(&img, &e, &id, &len);
	assert_non_null(p);
	assert_int_equal(id, 0x202);
	assert_int_equal(len, 40);
	assert_int_equal(p[3], (uint8_t)(0x202 + 3));
	hdr_image_free(&img);
}

/* A damaged file and the status it must produce. */
typedef struct bad_case {
	const char *what;
	void (*damage)(file *f);
	hdr_status want;
} bad_case;

static void zero_wal_offset(file *f)
{
	f->h.wal_offset = 0;
	reseal(f);
}
static void data_past_eof(file *f)
{
	f->h.data_size = 4096;
	f->h.file_size = f->h.data_offset + 4096;
	reseal(f);
}
static void data_offset_past_eof(file *f)
{
	f->h.data_offset = f->len + 8;
	f->h.file_size = f->h.data_offset + f->h.data_size;
	reseal(f);
}
static void tagdict_huge(file *f)
{
	f->h.tagdict_offset = (1ull << 31) + 1;
	reseal(f);
}
static void tagdict_past_eof(file *f)
{
	f->h.tagdict_offset = f->len - 8;
	reseal(f);
}
static void bad_magic(file *f)
{
	f->h.magic = 0x0123456789abcdefull;
	reseal(f);
}
static void bad_version(file *f)
{
	f->h.version = 9;
	reseal(f);
}
static void bad_checksum(file *f)
{
	f->b[40] ^= 1; /* DataSize changed after sealing */
}
static void truncated(file *f)
{
	f->len = HDR_SIZE - 1;
}
static void file_size_wrong(file *f)
{
	f->h.file_size++;
	reseal(f);
}
static void index_count_wrong(file *f)
{
	f->h.entity_count = 3;
	reseal(f);
}
static void index_entry_outside(file *f)
{
	uint8_t *ix = f->b + f->h.file_size;
	hdr_put64(ix + 8, 5); /* entity 0x101 now "at" byte 5, inside the header */
	hdr_tagdict_encode(f->b + f->h.tagdict_offset, 2, ix, 2 * HDR_INDEX_ENTRY_SIZE);
}
static void wal_entry_corrupt(file *f)
{
	f->b[HDR_SIZE + HDR_WAL_ENTRY_SIZE + 3] ^= 0x40;
}

static const bad_case cases[] = {
	{"zero WALOffset", zero_wal_offset, HDR_E_WAL_OFFSET},
	{"data area past EOF", data_past_eof, HDR_E_DATA_SIZE},
	{"DataOffset past EOF", data_offset_past_eof, HDR_E_DATA_OFFSET},
	{"TagDictOffset > 2^31", tagdict_huge, HDR_E_TAGDICT_RANGE},
	{"TagDictOffset past EOF", tagdict_past_eof, HDR_E_TAGDICT},
	{"bad magic", bad_magic, HDR_E_MAGIC},
	{"bad version", bad_version, HDR_E_VERSION},
	{"bad checksum", bad_checksum, HDR_E_CHECKSUM},
	{"truncated file", truncated, HDR_E_TRUNCATED},
	{"FileSize != DataOffset + DataSize", file_size_wrong, HDR_E_FILE_SIZE},
	{"EntityCount != index entries", index_count_wrong, HDR_E_INDEX_COUNT},
	{"index entry outside the data area", index_entry_outside, HDR_E_INDEX},
	{"corrupt WAL entry", wal_entry_corrupt, HDR_E_WAL},
};

static void test_header_validate_rejects_bad_files(void **state)
{
	bool seen[HDR_STATUS_COUNT_] = {0};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		file f;
		good_file(&f);
		cases[i].damage(&f);
		hdr_image img;
		hdr_err err = {0};
		hdr_status got = hdr_open_bytes(f.b, f.len, &img, &err);
		hdr_image_free(&img);
		print_message("%-36s -> %s: %s\n", cases[i].what, hdr_status_name(got), err.msg);
		if (got != cases[i].want)
			fail_msg("%s: expected %s, got %s (%s)", cases[i].what,
				 hdr_status_name(cases[i].want), hdr_status_name(got), err.msg);
		assert_int_equal(err.code, got);
		/* One line, and it says something. */
		assert_true(err.msg[0] != 0);
		assert_null(strchr(err.msg, '\n'));
		assert_false(seen[got]);
		seen[got] = true;
	}
}

/* Every prefix of a good file is rejected cleanly, never read past. */
static void test_header_validate_rejects_every_truncation(void **state)
{
	file f;
	good_file(&f);
	for (size_t len = 0; len < f.len; len++) {
		hdr_image img;
		hdr_err err = {0};
		hdr_status got = hdr_open_bytes(f.b, len, &img, &err);
		hdr_image_free(&img);
		if (got == HDR_OK)
			fail_msg("a %zu-byte prefix of a %zu-byte file was accepted", len, f.len);
	}
}

/* An open file (TagDictOffset 0) is read from its WAL; the WAL entry whose
 * record was overwritten is kept but marked. */
static void test_header_validate_open_file_uses_wal(void **state)
{
	file f;
	good_file(&f);
	f.h.tagdict_offset = 0;
	reseal(&f);
	f.b[DATA_OFF + HDR_RECORD_HEAD + 1] ^= 0xff; /* entity 0x101's payload */
	hdr_image img;
	hdr_err err = {0};
	assert_int_equal(hdr_open_bytes(f.b, f.len, &img, &err), HDR_OK);
	assert_false(img.closed);
	assert_int_equal(img.n_wal, 2);
	assert_false(img.wal[0].data_ok);
	assert_true(img.wal[1].data_ok);
	hdr_entity e;
	assert_false(hdr_image_find(&img, 0x101, &e));
	assert_true(hdr_image_find(&img, 0x202, &e));
	hdr_image_free(&img);
}

/* What a SIGKILL leaves of a slot straddling a page boundary: the leading
 * bytes written, the rest (checksum included) still zero. */
static void tear_second_wal_slot(file *f, size_t written)
{
	memset(f->b + HDR_SIZE + HDR_WAL_ENTRY_SIZE + written, 0, HDR_WAL_ENTRY_SIZE - written);
}

/* img points into f, which must outlive it. */
static hdr_status open_torn(file *f, bool closed, size_t written, hdr_image *img, hdr_err *err)
{
	good_file(f);
	if (!closed) {
		f->h.tagdict_offset = 0;
		reseal(f);
	}
	tear_second_wal_slot(f, written);
	return hdr_open_bytes(f->b, f->len, img, err);
}

/* Crash recovery drops a torn (never acknowledged) WAL write from a file left
 * open and keeps everything else. */
static void test_header_validate_open_file_drops_torn_wal_write(void **state)
{
	for (size_t written = 16; written <= 32; written += 16) {
		file f;
		hdr_image img;
		hdr_err err = {0};
		assert_int_equal(open_torn(&f, false, written, &img, &err), HDR_OK);
		assert_int_equal(img.n_torn, 1);
		assert_int_equal(img.n_wal, 1);
		assert_int_equal(img.wal[0].slot, 0);
		hdr_entity e;
		assert_true(hdr_image_find(&img, 0x101, &e));
		assert_false(hdr_image_find(&img, 0x202, &e));
		hdr_image_free(&img);
	}
}

/* A clean close promises every write finished: a torn slot there is
 * corruption, and so is a damaged slot whose checksum field is not zero. */
static void test_header_validate_torn_wal_write_in_closed_file_rejected(void **state)
{
	file f;
	hdr_image img;
	hdr_err err = {0};
	assert_int_equal(open_torn(&f, true, 32, &img, &err), HDR_E_WAL);
	assert_non_null(strstr(err.msg, "torn write in a file closed cleanly"));
	assert_int_equal(img.n_torn, 0);

	good_file(&f);
	f.h.tagdict_offset = 0;
	reseal(&f);
	wal_entry_corrupt(&f);
	assert_int_equal(hdr_open_bytes(f.b, f.len, &img, &err), HDR_E_WAL);
	assert_null(strstr(err.msg, "torn"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_validate_accepts_good_file),
		cmocka_unit_test(test_header_validate_rejects_bad_files),
		cmocka_unit_test(test_header_validate_rejects_every_truncation),
		cmocka_unit_test(test_header_validate_open_file_uses_wal),
		cmocka_unit_test(test_header_validate_open_file_drops_torn_wal_write),
		cmocka_unit_test(test_header_validate_torn_wal_write_in_closed_file_rejected),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
