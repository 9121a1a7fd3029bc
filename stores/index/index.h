/* SPDX-License-Identifier: MIT */
/* index — an entity store whose in-memory index shares IndexEntry pointers
 * between a writer and a pool of readers (the ADR-023 race patterns).
 *
 * The data file is an append-only buffer of records (header + payload). The
 * index maps an entity id to a heap-allocated ix_entry saying where the
 * entity's latest record lies. Writing an entity appends a record, replaces
 * the entity's index entry and frees the old one, so a reader still holding
 * the old pointer reads whatever the allocator put there.
 *
 * Two variants share one implementation and differ only in the functions of
 * the table at the top of index.c:
 *   buggy  GetEntity dereferences the entry after releasing the read lock;
 *          WAL replay updates the index without the lock; the integrity
 *          check and the orphan finder walk the live map unlocked.
 *   fixed  defensive copy under the read lock; replay under the write lock;
 *          both checks run over a snapshot copied under the read lock.
 *
 * Thread-safety: every function may be called concurrently, except
 * ix_open/ix_close and the test-only ix_data_corrupt. */
#ifndef IX_INDEX_H
#define IX_INDEX_H

#include <stddef.h>
#include <stdint.h>

typedef enum ix_variant {
	IX_BUGGY,
	IX_FIXED,
	IX_VARIANT_COUNT_
} ix_variant;

typedef enum ix_status {
	IX_OK = 0,
	IX_NOT_FOUND, /* no index entry for the entity */
	IX_EBOUNDS,   /* the entry's offset + size lie outside the data file */
	IX_ESTRANGER, /* the record at the entry's offset is another entity's, or of another size */
	IX_ECHECKSUM, /* the record's checksum does not match its bytes */
	IX_EFLAGS,    /* the entry carries flags no writer sets */
	IX_EFULL,     /* the data file's capacity is exhausted */
	IX_ECORRUPT,  /* a record header in the data file runs past the data */
	IX_ENOMEM,
	IX_EINVAL, /* entity id 0 (reserved) or payload too large */
} ix_status;

const char *ix_status_name(ix_status st);

/* Entry flags. */
#define IX_FLAG_REPLAYED 0x1u /* applied by WAL replay rather than by a write */
#define IX_FLAGS_KNOWN IX_FLAG_REPLAYED

/* The original IndexEntry's fields, in its order. Once freed, glibc's tcache
 * keeps its list link and key in the first 16 bytes — entity_id and offset
 * here — so a stale reader sees a pointer-like id and a random 64-bit offset:
 * the "astronomical" offsets of ADR-023 arise by themselves. */
typedef struct ix_entry {
	uint64_t entity_id;
	uint64_t offset; /* of the record's header in the data file */
	uint32_t size;	 /* payload bytes */
	uint32_t flags;
} ix_entry;

/* A record's header in the data file; the payload follows it. */
typedef struct ix_record {
	uint64_t entity_id;
	uint64_t version;
	uint32_t size;	   /* payload bytes */
	uint32_t checksum; /* over entity_id, version, size and the payload */
} ix_record;

#define IX_MAX_PAYLOAD (1u << 20)

typedef struct ix_store ix_store;

/* A store of the given variant whose data file holds at most capacity bytes.
 * NULL when out of memory or variant is unknown. */
ix_store *ix_open(ix_variant variant, size_t capacity);
void ix_close(ix_store *s);
ix_variant ix_store_variant(const ix_store *s);

/* Appends a record of entity id (> 0) and indexes it, replacing and freeing
 * the entity's previous entry. *offset_out (may be NULL) receives the record's
 * offset. */
ix_status ix_put(ix_store *s, uint64_t id, uint64_t version, const void *payload, uint32_t size,
		 uint64_t *offset_out);

/* GetEntity: a copy of id's index entry. */
ix_status ix_get_entry(ix_store *s, uint64_t id, ix_entry *out);

/* Reads the record an entry points at, validating it against the entry:
 * bounds, flags, owner, size, checksum. *hdr (may be NULL) receives the
 * record's header whenever one was read (any status but IX_EBOUNDS and
 * IX_EFLAGS); on IX_OK payload (capacity cap, may be NULL when cap is 0)
 * receives the first min(size, cap) payload bytes. */
ix_status ix_read(ix_store *s, const ix_entry *e, ix_record *hdr, void *payload, size_t cap);

/* Bytes of complete records in the data file. */
uint64_t ix_data_size(ix_store *s);

/* Write-ahead path: the record is appended to the data file and logged, but
 * not indexed until ix_wal_replay applies it. */
ix_status ix_wal_log(ix_store *s, uint64_t id, uint64_t version, const void *payload,
		     uint32_t size);
/* Applies every logged record to the index, in log order (updateIndexes()).
 * *applied (may be NULL) receives how many. */
ix_status ix_wal_replay(ix_store *s, size_t *applied);

/* CheckIndexIntegrity: every index entry is validated as ix_read does. */
typedef struct ix_integrity {
	uint64_t entries; /* index entries walked */
	uint64_t bad;	  /* entries that failed validation */
	/* The first bad one: the key it was found under, the entry as read and
	 * what was wrong with it. */
	uint64_t first_key;
	ix_entry first_entry;
	ix_status first_status;
} ix_integrity;

ix_status ix_check_integrity(ix_store *s, ix_integrity *out);

/* FindOrphanedEntries: records of the indexed part of the data file whose
 * entity has no index entry. Fills ids with up to cap of their entity ids, in
 * file order; *count receives how many there are in all. */
ix_status ix_find_orphans(ix_store *s, uint64_t *ids, size_t cap, size_t *count);

/* Test support: appends a record that is never indexed (an orphan, as a
 * crash between the data write and the index update leaves behind). */
ix_status ix_put_orphan(ix_store *s, uint64_t id, uint64_t version, const void *payload,
			uint32_t size);

/* Test support: flips the bits of one byte of the data file. Single-threaded
 * use only. IX_EBOUNDS when offset is past the data. */
ix_status ix_data_corrupt(ix_store *s, uint64_t offset, uint8_t xor_mask);

uint32_t ix_checksum(uint64_t id, uint64_t version, const void *payload, uint32_t size);

#endif
