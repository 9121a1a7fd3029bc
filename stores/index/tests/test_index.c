/* SPDX-License-Identifier: MIT */
/* Single-threaded behaviour of the index store, every variant: writes and
 * GetEntity, record validation against hostile entries, WAL replay, the
 * integrity check and the orphan finder. Single-threaded, the variants must
 * agree; the concurrent behaviour is the scenarios' job. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "index.h"

#define CAP (64 * 1024)

static void fill(uint8_t *buf, uint32_t len, uint64_t id, uint64_t version)
{
	for (uint32_t i = 0; i < len; i++)
		buf[i] = (uint8_t)(id * 31 + version * 7 + i);
}

static void put(ix_store *s, uint64_t id, uint64_t version, uint32_t len)
{
	uint8_t buf[256];

	fill(buf, len, id, version);
	assert_int_equal(ix_put(s, id, version, buf, len, NULL), IX_OK);
}

/* GetEntity + read: the record is version `version` with its payload. */
static void expect_entity(ix_store *s, uint64_t id, uint64_t version, uint32_t len,
			  uint32_t flags)
{
	uint8_t want[256], got[256];
	ix_entry e;
	ix_record h;

	assert_int_equal(ix_get_entry(s, id, &e), IX_OK);
	assert_int_equal(e.entity_id, id);
	assert_int_equal(e.size, len);
	assert_int_equal(e.flags, flags);
	assert_int_equal(ix_read(s, &e, &h, got, sizeof got), IX_OK);
	assert_int_equal(h.entity_id, id);
	assert_int_equal(h.version, version);
	assert_int_equal(h.size, len);
	fill(want, len, id, version);
	assert_memory_equal(got, want, len);
}

static void test_index_put_then_get_returns_latest_version(void **unused)
{
	for (int v = 0; v < IX_VARIANT_COUNT_; v++) {
		ix_store *s = ix_open((ix_variant)v, CAP);
		uint64_t off1, off2;
		uint8_t buf[32] = {0};

		assert_non_null(s);
		assert_int_equal(ix_store_variant(s), v);
		fill(buf, 10, 7, 1);
		assert_int_equal(ix_put(s, 7, 1, buf, 10, &off1), IX_OK);
		put(s, 8, 1, 20);
		expect_entity(s, 7, 1, 10, 0);
		assert_int_equal(ix_put(s, 7, 2, buf, 0, &off2), IX_OK);
		put(s, 7, 2, 30);
		assert_true(off2 > off1);
		expect_entity(s, 7, 2, 30, 0);
		expect_entity(s, 8, 1, 20, 0);
		assert_int_equal(ix_data_size(s), 4 * sizeof(ix_record) + 10 + 20 + 0 + 30);
		ix_close(s);
	}
}

static void test_index_get_missing_entity_is_not_found(void **unused)
{
	for (int v = 0; v < IX_VARIANT_COUNT_; v++) {
		ix_store *s = ix_open((ix_variant)v, CAP);
		ix_entry e;

		assert_int_equal(ix_get_entry(s, 1, &e), IX_NOT_FOUND);
		put(s, 1, 1, 4);
		assert_int_equal(ix_get_entry(s, 2, &e), IX_NOT_FOUND);
		ix_close(s);
	}
}

static void test_index_put_rejects_bad_arguments_and_full_file(void **unused)
{
	for (int v = 0; v < IX_VARIANT_COUNT_; v++) {
		ix_store *s = ix_open((ix_variant)v, 2 * sizeof(ix_record) + 16);
		uint8_t buf[16] = {0};
		ix_entry e;

		assert_int_equal(ix_put(s, 0, 1, buf, 4, NULL), IX_EINVAL);
		assert_int_equal(ix_put(s, 1, 1, buf, IX_MAX_PAYLOAD + 1, NULL), IX_EINVAL);
		assert_int_equal(ix_wal_log(s, 0, 1, buf, 4), IX_EINVAL);
		assert_int_equal(ix_put_orphan(s, 0, 1, buf, 4), IX_EINVAL);
		assert_int_equal(ix_put(s, 1, 1, buf, 16, NULL), IX_OK);
		assert_int_equal(ix_put(s, 2, 1, buf, 1, NULL), IX_EFULL);
		assert_int_equal(ix_get_entry(s, 2, &e), IX_NOT_FOUND);
		assert_int_equal(ix_put(s, 2, 1, buf, 0, NULL), IX_OK);
		assert_int_equal(ix_data_size(s), 2 * sizeof(ix_record) + 16);
		ix_close(s);
	}
	assert_null(ix_open(IX_VARIANT_COUNT_, CAP));
}

/* Hostile entries, as a stale pointer produces them: ix_read rejects each
 * with its status instead of reading outside the data file. */
static void test_index_read_rejects_hostile_entries(void **unused)
{
	for (int v = 0; v < IX_VARIANT_COUNT_; v++) {
		ix_store *s = ix_open((ix_variant)v, CAP);
		ix_entry good;
		ix_record h;
		uint8_t buf[64];

		put(s, 5, 1, 24);
		put(s, 6, 1, 8);
		assert_int_equal(ix_get_entry(s, 5, &good), IX_OK);
		uint64_t len = ix_data_size(s);
		const struct {
			ix_entry e;
			ix_status want;
		} cases[] = {
			{{5, 14699749187167019365ull, 24, 0}, IX_EBOUNDS}, /* ADR-023's offset */
			{{5, UINT64_MAX - 3, 24, 0}, IX_EBOUNDS},	    /* offset + size wraps */
			{{5, len, 0, 0}, IX_EBOUNDS},			    /* no room for a header */
			{{5, len - sizeof(ix_record) - 8, 24, 0}, IX_EBOUNDS}, /* payload runs past */
			{{5, 0, UINT32_MAX, 0}, IX_EBOUNDS},
			{{5, 0, 24, 0x80}, IX_EFLAGS},
			{{6, 0, 24, 0}, IX_ESTRANGER},	/* entity 5's record under entity 6 */
			{{5, 0, 23, 0}, IX_ESTRANGER},	/* right owner, wrong size */
			{{5, 1, 24, 0}, IX_ESTRANGER},	/* misaligned into a record */
			{{5, 0, 24, IX_FLAG_REPLAYED}, IX_OK},
			{good, IX_OK},
		};
		for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
			ix_status st = ix_read(s, &cases[i].e, &h, buf, sizeof buf);
			if (st != cases[i].want)
				fail_msg("case %zu: got %s, want %s", i, ix_status_name(st),
					 ix_status_name(cases[i].want));
		}
		ix_close(s);
	}
}

static void test_index_read_detects_corrupted_payload(void **unused)
{
	for (int v = 0; v < IX_VARIANT_COUNT_; v++) {
		ix_store *s = ix_open((ix_variant)v, CAP);
		ix_entry e;
		ix_record h;

		put(s, 3, 1, 16);
		assert_int_equal(ix_get_entry(s, 3, &e), IX_OK);
		assert_int_equal(ix_data_corrupt(s, e.offset + sizeof(ix_record) + 5, 0x10), IX_OK);
		assert_int_equal(ix_read(s, &e, &h, NULL, 0), IX_ECHECKSUM);
		assert_int_equal(h.entity_id, 3);
		assert_int_equal(ix_data_corrupt(s, ix_data_size(s), 1), IX_EBOUNDS);
		ix_close(s);
	}
}

static void test_index_wal_replay_indexes_logged_records(void **unused)
{
	for (int v = 0; v < IX_VARIANT_COUNT_; v++) {
		ix_store *s = ix_open((ix_variant)v, CAP);
		uint8_t buf[64];
		ix_entry e;
		size_t applied;

		put(s, 1, 1, 8);
		fill(buf, 12, 1, 2);
		assert_int_equal(ix_wal_log(s, 1, 2, buf, 12), IX_OK);
		/* Enough new entities to grow the map during replay. */
		for (uint64_t id = 100; id < 140; id++) {
			fill(buf, 16, id, 1);
			assert_int_equal(ix_wal_log(s, id, 1, buf, 16), IX_OK);
		}
		expect_entity(s, 1, 1, 8, 0);
		assert_int_equal(ix_get_entry(s, 100, &e), IX_NOT_FOUND);
		assert_int_equal(ix_wal_replay(s, &applied), IX_OK);
		assert_int_equal(applied, 41);
		expect_entity(s, 1, 2, 12, IX_FLAG_REPLAYED);
		for (uint64_t id = 100; id < 140; id++)
			expect_entity(s, id, 1, 16, IX_FLAG_REPLAYED);
		assert_int_equal(ix_wal_replay(s, &applied), IX_OK);
		assert_int_equal(applied, 0);
		ix_close(s);
	}
}

static void test_index_map_keeps_every_entity_while_growing(void **unused)
{
	for (int v = 0; v < IX_VARIANT_COUNT_; v++) {
		ix_store *s = ix_open((ix_variant)v, 1024 * 1024);
		ix_integrity r;

		for (uint64_t id = 1; id <= 1000; id++)
			put(s, id * 977, 1, id % 32);
		for (uint64_t id = 1; id <= 1000; id++)
			expect_entity(s, id * 977, 1, id % 32, 0);
		assert_int_equal(ix_check_integrity(s, &r), IX_OK);
		assert_int_equal(r.entries, 1000);
		assert_int_equal(r.bad, 0);
		ix_close(s);
	}
}

static void test_index_integrity_reports_the_corrupted_entry(void **unused)
{
	for (int v = 0; v < IX_VARIANT_COUNT_; v++) {
		ix_store *s = ix_open((ix_variant)v, CAP);
		ix_integrity r;
		ix_entry e;

		for (uint64_t id = 1; id <= 10; id++)
			put(s, id, 1, 20);
		put(s, 4, 2, 20); /* the stale version 1 record is not an entry */
		assert_int_equal(ix_check_integrity(s, &r), IX_OK);
		assert_int_equal(r.entries, 10);
		assert_int_equal(r.bad, 0);
		assert_int_equal(ix_get_entry(s, 7, &e), IX_OK);
		assert_int_equal(ix_data_corrupt(s, e.offset + sizeof(ix_record), 0xff), IX_OK);
		assert_int_equal(ix_check_integrity(s, &r), IX_OK);
		assert_int_equal(r.entries, 10);
		assert_int_equal(r.bad, 1);
		assert_int_equal(r.first_key, 7);
		assert_int_equal(r.first_status, IX_ECHECKSUM);
		assert_int_equal(r.first_entry.offset, e.offset);
		ix_close(s);
	}
}

static void test_index_orphans_are_unindexed_records(void **unused)
{
	for (int v = 0; v < IX_VARIANT_COUNT_; v++) {
		ix_store *s = ix_open((ix_variant)v, CAP);
		uint8_t buf[16] = {0};
		uint64_t ids[4];
		size_t n;

		assert_int_equal(ix_find_orphans(s, ids, 4, &n), IX_OK);
		assert_int_equal(n, 0);
		put(s, 1, 1, 8);
		assert_int_equal(ix_put_orphan(s, 50, 1, buf, 4), IX_OK);
		put(s, 1, 2, 8); /* superseded records of an indexed entity are no orphans */
		assert_int_equal(ix_put_orphan(s, 51, 1, buf, 0), IX_OK);
		/* A WAL record is unindexed until replayed, once the index reaches past it. */
		assert_int_equal(ix_wal_log(s, 52, 1, buf, 4), IX_OK);
		assert_int_equal(ix_find_orphans(s, ids, 4, &n), IX_OK);
		assert_int_equal(n, 2);
		put(s, 2, 1, 8);
		assert_int_equal(ix_find_orphans(s, ids, 1, &n), IX_OK);
		assert_int_equal(n, 3);
		assert_int_equal(ids[0], 50);
		assert_int_equal(ix_find_orphans(s, ids, 4, &n), IX_OK);
		assert_int_equal(n, 3);
		assert_int_equal(ids[1], 51);
		assert_int_equal(ids[2], 52);
		assert_int_equal(ix_wal_replay(s, NULL), IX_OK);
		assert_int_equal(ix_find_orphans(s, ids, 4, &n), IX_OK);
		assert_int_equal(n, 2);
		ix_close(s);
	}
}

static void test_index_checksum_covers_header_fields(void **unused)
{
	uint8_t p[4] = {1, 2, 3, 4};
	uint32_t base = ix_checksum(1, 1, p, 4);

	assert_int_not_equal(base, ix_checksum(2, 1, p, 4));
	assert_int_not_equal(base, ix_checksum(1, 2, p, 4));
	assert_int_not_equal(base, ix_checksum(1, 1, p, 3));
	assert_int_equal(base, ix_checksum(1, 1, p, 4));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_index_put_then_get_returns_latest_version),
		cmocka_unit_test(test_index_get_missing_entity_is_not_found),
		cmocka_unit_test(test_index_put_rejects_bad_arguments_and_full_file),
		cmocka_unit_test(test_index_read_rejects_hostile_entries),
		cmocka_unit_test(test_index_read_detects_corrupted_payload),
		cmocka_unit_test(test_index_wal_replay_indexes_logged_records),
		cmocka_unit_test(test_index_map_keeps_every_entity_while_growing),
		cmocka_unit_test(test_index_integrity_reports_the_corrupted_entry),
		cmocka_unit_test(test_index_orphans_are_unindexed_records),
		cmocka_unit_test(test_index_checksum_covers_header_fields),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
