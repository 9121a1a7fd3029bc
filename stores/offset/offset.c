/* SPDX-License-Identifier: MIT */
/* The offset store. Read the three put_* functions side by side: they are the
 * bug and its two fixes; everything else is shared. */
#include <stdlib.h>
#include <string.h>

#include "offset.h"

_Static_assert(sizeof(offset_block) == OFFSET_BLOCK_SIZE, "block layout is the on-disk size");

/* The original maps its areas; zeroed heap memory behaves alike here and
 * costs no system calls: an exhaustive search makes millions of stores (two
 * mmaps and munmaps each were two thirds of a dpor run's time). */
static void *map_area(size_t size)
{
	return calloc(1, size);
}

int offset_store_open(offset_store *s, offset_variant v, uint64_t max_entries, size_t content_cap)
{
	unsigned lock_flags = v == OFFSET_BUGGY ? 0 : RH_MUTEX_ROBUST;

	memset(s, 0, sizeof(*s));
	s->variant = v;
	s->max_entries = max_entries;
	s->region_size = OFFSET_HEADER_SIZE + max_entries * OFFSET_BLOCK_SIZE;
	s->content_cap = content_cap;
	s->index_slots = 2 * max_entries + 1;
	s->region = map_area(s->region_size);
	s->content = map_area(content_cap ? content_cap : 1);
	s->index_keys = calloc(s->index_slots, sizeof(uint64_t));
	s->index_offsets = calloc(s->index_slots, sizeof(uint64_t));
	if (!s->region || !s->content || !s->index_keys || !s->index_offsets) {
		offset_store_close(s);
		return -1;
	}
	memcpy(s->region, "RHOFFSET", 8);
	rh_atomic_init(&s->entry_count, "entry_count", 0);
	rh_atomic_init(&s->content_used, "content_used", 0);
	rh_mutex_init(&s->content_lock, "content_lock", lock_flags);
	rh_mutex_init(&s->alloc_lock, "alloc_lock", lock_flags);
	rh_rwlock_init(&s->index_lock, "index_lock");
	return 0;
}

void offset_store_close(offset_store *s)
{
	free(s->region);
	free(s->content);
	free(s->index_keys);
	free(s->index_offsets);
	if (s->index_keys && s->index_offsets) {
		rh_mutex_destroy(&s->content_lock);
		rh_mutex_destroy(&s->alloc_lock);
		rh_rwlock_destroy(&s->index_lock);
	}
	memset(s, 0, sizeof(*s));
}

static size_t slot_of(const offset_store *s, uint64_t id)
{
	uint64_t h = id * 0x9e3779b97f4a7c15ull;

	return (size_t)(h % s->index_slots);
}

static void index_insert(offset_store *s, uint64_t id, uint64_t block_offset)
{
	size_t i;

	rh_rwlock_wrlock(&s->index_lock);
	for (i = slot_of(s, id); s->index_keys[i] != 0 && s->index_keys[i] != id;
	     i = (i + 1) % s->index_slots)
		;
	s->index_keys[i] = id;
	s->index_offsets[i] = block_offset;
	/* The index is touched only under its lock. */
	rh_point_at("index insert", block_offset, NULL, RH_ACCESS_NONE);
	rh_rwlock_unlock(&s->index_lock);
}

static bool index_lookup(offset_store *s, uint64_t id, uint64_t *block_offset)
{
	bool found = false;

	rh_rwlock_rdlock(&s->index_lock);
	for (size_t i = slot_of(s, id); s->index_keys[i] != 0; i = (i + 1) % s->index_slots)
		if (s->index_keys[i] == id) {
			*block_offset = s->index_offsets[i];
			found = true;
			break;
		}
	rh_rwlock_unlock(&s->index_lock);
	return found;
}

/* A content range as a location for the reduction (dpor): the fixed
 * variants reserve ranges that never overlap, so a range is its first byte;
 * buggy puts may overlap ranges that start apart, so there the whole area is
 * one location. */
static const void *content_loc(const offset_store *s, uint64_t at)
{
	return s->variant == OFFSET_BUGGY ? s->content : s->content + at;
}

static void write_content(offset_store *s, uint64_t at, const uint8_t *data, uint32_t len,
			  unsigned writer)
{
	if (rh_mutex_lock(&s->content_lock) == RH_OWNER_DIED)
		/* A writer died mid-copy: its bytes belong to an entry that was
		 * never acknowledged, so the area is still consistent. */
		rh_mutex_consistent(&s->content_lock);
	rh_point_at("write content", at, content_loc(s, at), RH_ACCESS_WRITE);
	if (s->inside_content_lock)
		s->inside_content_lock(s->hook_arg, writer);
	memcpy(s->content + at, data, len);
	rh_mutex_unlock(&s->content_lock);
}

static void write_block(offset_store *s, uint64_t at, uint64_t id, uint64_t content_offset,
			uint32_t len, unsigned writer, unsigned op)
{
	offset_block b = {.id = id, .content_offset = content_offset, .content_len = len,
			  .writer = writer, .op = op};

	for (int i = 0; i < 8; i++)
		b.embedding[i] = (float)((id >> (i * 4)) & 0xf) / 16.0f;
	/* Blocks start at whole block offsets, so a block is its first byte. */
	rh_point_at("write block", at, s->region + at, RH_ACCESS_WRITE);
	memcpy(s->region + at, &b, sizeof(b));
}

/* As the original: the offset comes from a relaxed load and entry_count is
 * bumped only at the end; the content offset is likewise read outside the
 * content lock. Two writers between load and fetch_add share an offset. */
static offset_status put_buggy(offset_store *s, uint64_t id, const uint8_t *data, uint32_t len,
			       unsigned writer, unsigned op, uint64_t *block_at,
			       uint64_t *content_at)
{
	uint64_t count = rh_atomic_load(&s->entry_count, RH_RELAXED);
	uint64_t offset = OFFSET_HEADER_SIZE + count * OFFSET_BLOCK_SIZE;
	uint64_t coff = rh_atomic_load(&s->content_used, RH_RELAXED);

	if (count >= s->max_entries || coff + len > s->content_cap)
		return OFFSET_FULL;
	write_content(s, coff, data, len, writer);
	rh_atomic_store(&s->content_used, coff + len, RH_RELAXED);
	write_block(s, offset, id, coff, len, writer, op);
	index_insert(s, id, offset);
	rh_atomic_fetch_add(&s->entry_count, 1, RH_RELAXED);
	*block_at = offset;
	*content_at = coff;
	return OFFSET_OK;
}

/* Fix 1: reserve first. fetch_add hands every writer its own slot and its
 * own content range; nothing else changes. */
static offset_status put_fixed_atomic(offset_store *s, uint64_t id, const uint8_t *data,
				      uint32_t len, unsigned writer, unsigned op,
				      uint64_t *block_at, uint64_t *content_at)
{
	uint64_t count = rh_atomic_fetch_add(&s->entry_count, 1, RH_RELAXED);
	uint64_t offset = OFFSET_HEADER_SIZE + count * OFFSET_BLOCK_SIZE;
	uint64_t coff = rh_atomic_fetch_add(&s->content_used, len, RH_RELAXED);

	if (count >= s->max_entries || coff + len > s->content_cap)
		return OFFSET_FULL;
	write_content(s, coff, data, len, writer);
	write_block(s, offset, id, coff, len, writer, op);
	index_insert(s, id, offset);
	*block_at = offset;
	*content_at = coff;
	return OFFSET_OK;
}

/* Fix 2: one allocator lock makes read-compute-bump a single step. */
static offset_status put_fixed_locked(offset_store *s, uint64_t id, const uint8_t *data,
				      uint32_t len, unsigned writer, unsigned op,
				      uint64_t *block_at, uint64_t *content_at)
{
	uint64_t count, offset, coff;

	if (rh_mutex_lock(&s->alloc_lock) == RH_OWNER_DIED)
		rh_mutex_consistent(&s->alloc_lock);
	count = rh_atomic_load(&s->entry_count, RH_RELAXED);
	offset = OFFSET_HEADER_SIZE + count * OFFSET_BLOCK_SIZE;
	coff = rh_atomic_load(&s->content_used, RH_RELAXED);
	if (count >= s->max_entries || coff + len > s->content_cap) {
		rh_mutex_unlock(&s->alloc_lock);
		return OFFSET_FULL;
	}
	rh_atomic_store(&s->entry_count, count + 1, RH_RELAXED);
	rh_atomic_store(&s->content_used, coff + len, RH_RELAXED);
	rh_mutex_unlock(&s->alloc_lock);
	write_content(s, coff, data, len, writer);
	write_block(s, offset, id, coff, len, writer, op);
	index_insert(s, id, offset);
	*block_at = offset;
	*content_at = coff;
	return OFFSET_OK;
}

offset_status offset_put(offset_store *s, uint64_t id, const uint8_t *data, uint32_t len,
			 unsigned writer, unsigned op, uint64_t *block_offset,
			 uint64_t *content_offset)
{
	switch (s->variant) {
	case OFFSET_BUGGY:
		return put_buggy(s, id, data, len, writer, op, block_offset, content_offset);
	case OFFSET_FIXED_ATOMIC:
		return put_fixed_atomic(s, id, data, len, writer, op, block_offset,
					content_offset);
	case OFFSET_FIXED_LOCKED:
		return put_fixed_locked(s, id, data, len, writer, op, block_offset,
					content_offset);
	}
	return OFFSET_CORRUPT;
}

offset_status offset_get(offset_store *s, uint64_t id, offset_block *block, uint8_t *buf,
			 uint32_t cap)
{
	uint64_t at;

	if (!index_lookup(s, id, &at))
		return OFFSET_NOT_FOUND;
	if (at < OFFSET_HEADER_SIZE || at + OFFSET_BLOCK_SIZE > s->region_size)
		return OFFSET_CORRUPT;
	rh_point_at("read block", at, s->region + at, RH_ACCESS_READ);
	memcpy(block, s->region + at, sizeof(*block));
	if (block->content_offset > s->content_cap ||
	    block->content_len > s->content_cap - block->content_offset)
		return OFFSET_CORRUPT;
	if (block->content_len > cap)
		return OFFSET_TOO_SMALL;
	rh_point_at("read content", block->content_offset, content_loc(s, block->content_offset),
		    RH_ACCESS_READ);
	memcpy(buf, s->content + block->content_offset, block->content_len);
	return OFFSET_OK;
}

const char *offset_status_name(offset_status st)
{
	static const char *const names[] = {"ok", "full", "not found", "buffer too small",
					    "corrupt"};

	return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}
