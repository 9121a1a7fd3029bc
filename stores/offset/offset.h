/* SPDX-License-Identifier: MIT */
/* offset — the warm-tier mapped store of the Task 017 findings.
 *
 * A mapped region holds a header and fixed-size embedding blocks (id, content
 * offset and length, a small embedding); variable-length content lives in a
 * second mapped area; an index maps id -> block offset. The original computed
 * a block's offset from entry_count read with a relaxed load and bumped the
 * count only after writing block and index, so two writers could take the
 * same offset. The variants below differ only in put(). */
#ifndef OFFSET_STORE_H
#define OFFSET_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "racehunt/sync.h"

#define OFFSET_HEADER_SIZE 128u
#define OFFSET_BLOCK_SIZE 64u

typedef enum offset_variant {
	OFFSET_BUGGY,	     /* offset from a relaxed load, fetch_add last */
	OFFSET_FIXED_ATOMIC, /* fetch_add first, offset from its result */
	OFFSET_FIXED_LOCKED, /* one allocator lock around the allocation */
} offset_variant;

typedef struct offset_block {
	uint64_t id;
	uint64_t content_offset;
	uint32_t content_len;
	uint32_t writer; /* thread that wrote the block, for reports */
	uint32_t op;
	uint32_t reserved;
	float embedding[8];
} offset_block;

typedef enum offset_status {
	OFFSET_OK = 0,
	OFFSET_FULL,	  /* no block or content space left */
	OFFSET_NOT_FOUND, /* id not in the index */
	OFFSET_TOO_SMALL, /* caller's buffer shorter than the content */
	OFFSET_CORRUPT,	  /* block or content points outside its area */
} offset_status;

typedef struct offset_store {
	offset_variant variant;
	uint8_t *region; /* header + blocks */
	size_t region_size;
	uint8_t *content;
	size_t content_cap;
	uint64_t max_entries;

	rh_atomic_u64 entry_count;
	rh_atomic_u64 content_used;
	rh_mutex content_lock; /* the original's write lock on the content area */
	rh_mutex alloc_lock;   /* fixed-locked only */

	rh_rwlock index_lock;
	uint64_t *index_keys; /* open addressing; 0 = empty slot (ids are never 0) */
	uint64_t *index_offsets;
	size_t index_slots;

	/* Fault injection for scenario kind 6: called inside the content lock. */
	void (*inside_content_lock)(void *arg, unsigned writer);
	void *hook_arg;
} offset_store;

/* 0 on success. The content locks are robust in the fixed variants, so a
 * writer dying inside them does not stop the store. */
int offset_store_open(offset_store *s, offset_variant v, uint64_t max_entries,
		      size_t content_cap);
void offset_store_close(offset_store *s);

/* Store one entry; *block_offset and *content_offset say where it went. */
offset_status offset_put(offset_store *s, uint64_t id, const uint8_t *data, uint32_t len,
			 unsigned writer, unsigned op, uint64_t *block_offset,
			 uint64_t *content_offset);
/* Read an entry back: its block (copied) and content into buf. */
offset_status offset_get(offset_store *s, uint64_t id, offset_block *block, uint8_t *buf,
			 uint32_t cap);

const char *offset_status_name(offset_status st);

#endif
