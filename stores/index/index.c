/* SPDX-License-Identifier: MIT */
/* index — entity store with a shared in-memory index (ADR-023).
 *
 * Locks: `writer` (mutex) serialises appends to the data file, the WAL and
 * replay; `index` (rwlock) guards the map and indexed_len. Entries are
 * allocated by the writer, published under the write lock and freed after
 * they are replaced.
 *
 * The variants differ only in the four functions of ix_impls below; each
 * buggy function sits next to its fix. */
#include "index.h"

#include <stdlib.h>
#include <string.h>

#include "racehunt/sync.h"

typedef struct ix_slot {
	uint64_t key; /* entity id; 0 = empty */
	ix_entry *entry;
} ix_slot;

/* Open addressing, linear probing, at most half full. */
typedef struct ix_map {
	ix_slot *slots;
	uint64_t mask; /* capacity - 1 */
	uint64_t count;
} ix_map;

typedef struct ix_wal_rec {
	uint64_t entity_id;
	uint64_t offset;
	uint32_t size;
} ix_wal_rec;

struct ix_store {
	ix_variant variant;

	/* The data file. Bytes below data_len are complete and never change. */
	uint8_t *data;
	size_t capacity;
	rh_atomic_u64 data_len;

	rh_mutex writer; /* guards appends, the WAL and replay */
	ix_wal_rec *wal;
	size_t wal_len, wal_cap;

	rh_rwlock index_lock;
	ix_map map;
	/* End of the last record the index was updated for: every record below
	 * it is indexed, superseded, WAL-pending or an orphan. */
	uint64_t indexed_len;
};

/* ---- the data file ---- */

uint32_t ix_checksum(uint64_t id, uint64_t version, const void *payload, uint32_t size)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	uint8_t head[20];
	for (int i = 0; i < 8; i++) {
		head[i] = (uint8_t)(id >> (8 * i));
		head[8 + i] = (uint8_t)(version >> (8 * i));
	}
	for (int i = 0; i < 4; i++)
		head[16 + i] = (uint8_t)(size >> (8 * i));
	for (size_t i = 0; i < sizeof head; i++)
		h = (h ^ head[i]) * 16777619u;
	const uint8_t *p = payload;
	for (uint32_t i = 0; i < size; i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* Caller holds `writer`. */
static ix_status data_append(ix_store *s, uint64_t id, uint64_t version, const void *payload,
			     uint32_t size, uint64_t *offset)
{
	uint64_t at = rh_atomic_load(&s->data_len, RH_RELAXED);
	if (sizeof(ix_record) + (uint64_t)size > s->capacity - at)
		return IX_EFULL;
	ix_record h = {.entity_id = id,
		       .version = version,
		       .size = size,
		       .checksum = ix_checksum(id, version, payload, size)};
	memcpy(s->data + at, &h, sizeof h);
	if (size > 0)
		memcpy(s->data + at + sizeof h, payload, size);
	/* The data file is ordered by data_len's release and acquire
	 * everywhere (bytes below it never change): no shared plain memory. */
	rh_point_at("append record", at, NULL, RH_ACCESS_NONE);
	rh_atomic_store(&s->data_len, at + sizeof h + size, RH_RELEASE);
	*offset = at;
	return IX_OK;
}

uint64_t ix_data_size(ix_store *s)
{
	return rh_atomic_load(&s->data_len, RH_ACQUIRE);
}

ix_status ix_read(ix_store *s, const ix_entry *e, ix_record *hdr, void *payload, size_t cap)
{
	uint64_t len = rh_atomic_load(&s->data_len, RH_ACQUIRE);
	if (e->offset > len || len - e->offset < sizeof(ix_record) ||
	    len - e->offset - sizeof(ix_record) < e->size)
		return IX_EBOUNDS;
	if (e->flags & ~IX_FLAGS_KNOWN)
		return IX_EFLAGS;
	ix_record h;
	memcpy(&h, s->data + e->offset, sizeof h);
	if (hdr != NULL)
		*hdr = h;
	if (h.entity_id != e->entity_id || h.size != e->size)
		return IX_ESTRANGER;
	const uint8_t *p = s->data + e->offset + sizeof h;
	if (ix_checksum(h.entity_id, h.version, p, h.size) != h.checksum)
		return IX_ECHECKSUM;
	if (cap > 0)
		memcpy(payload, p, h.size < cap ? h.size : cap);
	return IX_OK;
}

ix_status ix_data_corrupt(ix_store *s, uint64_t offset, uint8_t xor_mask)
{
	if (offset >= rh_atomic_load(&s->data_len, RH_ACQUIRE))
		return IX_EBOUNDS;
	s->data[offset] ^= xor_mask;
	return IX_OK;
}

/* ---- the index map (callers hold index_lock, except where a buggy
 * variant deliberately does not) ---- */

static uint64_t key_hash(uint64_t key)
{
	key ^= key >> 33;
	key *= 0xff51afd7ed558ccdull;
	key ^= key >> 33;
	return key;
}

static ix_entry *map_get(const ix_map *m, uint64_t key)
{
	ix_slot *slots = m->slots;
	uint64_t mask = m->mask;
	uint64_t i = key_hash(key) & mask;
	/* Bounded: a reader racing a grow may see a table that never ends. */
	for (uint64_t n = 0; n <= mask; n++, i = (i + 1) & mask) {
		if (slots[i].key == key)
			return slots[i].entry;
		if (slots[i].key == 0)
			return NULL;
	}
	return NULL;
}

static void slots_insert(ix_slot *slots, uint64_t mask, uint64_t key, ix_entry *e)
{
	uint64_t i = key_hash(key) & mask;
	while (slots[i].key != 0)
		i = (i + 1) & mask;
	slots[i].key = key;
	slots[i].entry = e;
}

/* grown: what the point in the swap window says it touches. */
static ix_status map_grow(ix_map *m, rh_access grown)
{
	uint64_t cap = (m->mask + 1) * 2;
	ix_slot *fresh = calloc(cap, sizeof *fresh);
	if (fresh == NULL)
		return IX_ENOMEM;
	ix_slot *old = m->slots;
	for (uint64_t i = 0; i <= m->mask; i++)
		if (old[i].key != 0)
			slots_insert(fresh, cap - 1, old[i].key, old[i].entry);
	m->slots = fresh;
	/* A reader that loads slots after this and mask before the next line
	 * probes the new table with the old mask. */
	rh_point_at("index grown", cap, NULL, grown);
	m->mask = cap - 1;
	free(old);
	return IX_OK;
}

/* Inserts or replaces key's entry; *old receives the replaced one or NULL. */
static ix_status map_put(ix_map *m, uint64_t key, ix_entry *e, ix_entry **old,
			 rh_access grown)
{
	uint64_t i = key_hash(key) & m->mask;
	for (; m->slots[i].key != 0; i = (i + 1) & m->mask) {
		if (m->slots[i].key == key) {
			*old = m->slots[i].entry;
			m->slots[i].entry = e;
			return IX_OK;
		}
	}
	*old = NULL;
	if ((m->count + 1) * 2 > m->mask + 1) {
		ix_status st = map_grow(m, grown);
		if (st != IX_OK)
			return st;
	}
	slots_insert(m->slots, m->mask, key, e);
	m->count++;
	return IX_OK;
}

/* updateIndexes(): publish e. Caller holds index_lock for writing. */
static ix_status index_apply(ix_store *s, ix_entry *e, ix_entry **old)
{
	/* The fixed variant holds index_lock here; buggy replay does not, and
	 * readers may be probing the table being swapped: any memory. */
	ix_status st = map_put(&s->map, e->entity_id, e, old,
			       s->variant == IX_FIXED ? RH_ACCESS_NONE : RH_ACCESS_ANY);
	uint64_t end = e->offset + sizeof(ix_record) + e->size;
	if (st == IX_OK && end > s->indexed_len)
		s->indexed_len = end;
	return st;
}

/* ---- the variants ---- */

/* GetEntity. */

static ix_status get_entry_buggy(ix_store *s, uint64_t id, ix_entry *out)
{
	rh_rwlock_rdlock(&s->index_lock);
	ix_entry *e = map_get(&s->map, id);
	rh_rwlock_unlock(&s->index_lock);
	rh_point("read entry after unlock", id);
	if (e == NULL)
		return IX_NOT_FOUND;
	*out = *e; /* a writer may have replaced and freed *e by now */
	rh_point("entry offset", out->offset);
	return IX_OK;
}

static ix_status get_entry_fixed(ix_store *s, uint64_t id, ix_entry *out)
{
	rh_rwlock_rdlock(&s->index_lock);
	ix_entry *e = map_get(&s->map, id);
	if (e != NULL)
		*out = *e; /* defensive copy while writers are kept out */
	rh_rwlock_unlock(&s->index_lock);
	/* The copy is the caller's: the windows touch no shared memory. */
	rh_point_at("read entry copy", id, NULL, RH_ACCESS_NONE);
	if (e == NULL)
		return IX_NOT_FOUND;
	rh_point_at("entry offset", out->offset, NULL, RH_ACCESS_NONE);
	return IX_OK;
}

/* WAL replay: apply fresh[i] for every i < n. Caller holds `writer`. On
 * failure the entries not applied are freed. */

static ix_status replay_buggy(ix_store *s, ix_entry **fresh, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		rh_point("replay apply", fresh[i]->entity_id);
		ix_entry *old;
		/* updateIndexes() without the index lock, under readers' feet */
		ix_status st = index_apply(s, fresh[i], &old);
		if (st != IX_OK) {
			for (; i < n; i++)
				free(fresh[i]);
			return st;
		}
		free(old);
	}
	return IX_OK;
}

static ix_status replay_fixed(ix_store *s, ix_entry **fresh, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		/* The entry freed before this is unreachable since the last
		 * unlock: nothing shared in the window. */
		rh_point_at("replay apply", fresh[i]->entity_id, NULL, RH_ACCESS_NONE);
		ix_entry *old;
		rh_rwlock_wrlock(&s->index_lock);
		ix_status st = index_apply(s, fresh[i], &old);
		rh_rwlock_unlock(&s->index_lock);
		if (st != IX_OK) {
			for (; i < n; i++)
				free(fresh[i]);
			return st;
		}
		free(old);
	}
	return IX_OK;
}

/* CheckIndexIntegrity. */

static void integrity_visit(ix_store *s, uint64_t key, const ix_entry *e, ix_integrity *r)
{
	r->entries++;
	ix_status st = e->entity_id != key ? IX_ESTRANGER : ix_read(s, e, NULL, NULL, 0);
	if (st != IX_OK && r->bad++ == 0) {
		r->first_key = key;
		r->first_entry = *e;
		r->first_status = st;
	}
}

/* A copy of the index taken under the read lock. */
typedef struct ix_snapshot {
	uint64_t *keys;
	ix_entry *entries;
	size_t n;
	uint64_t indexed_len;
} ix_snapshot;

static ix_status snapshot_take(ix_store *s, ix_snapshot *snap)
{
	rh_rwlock_rdlock(&s->index_lock);
	size_t n = s->map.count;
	snap->keys = malloc((n ? n : 1) * sizeof *snap->keys);
	snap->entries = malloc((n ? n : 1) * sizeof *snap->entries);
	if (snap->keys == NULL || snap->entries == NULL) {
		rh_rwlock_unlock(&s->index_lock);
		free(snap->keys);
		free(snap->entries);
		return IX_ENOMEM;
	}
	snap->n = 0;
	for (uint64_t i = 0; i <= s->map.mask; i++) {
		if (s->map.slots[i].key == 0)
			continue;
		snap->keys[snap->n] = s->map.slots[i].key;
		snap->entries[snap->n] = *s->map.slots[i].entry;
		snap->n++;
	}
	snap->indexed_len = s->indexed_len;
	rh_rwlock_unlock(&s->index_lock);
	return IX_OK;
}

static void snapshot_free(ix_snapshot *snap)
{
	free(snap->keys);
	free(snap->entries);
}

static ix_status integrity_buggy(ix_store *s, ix_integrity *r)
{
	/* walks the live map unlocked while writers replace, free and grow it */
	ix_slot *slots = s->map.slots;
	uint64_t mask = s->map.mask;
	for (uint64_t i = 0; i <= mask; i++) {
		uint64_t key = slots[i].key;
		if (key == 0)
			continue;
		ix_entry *e = slots[i].entry;
		rh_point("integrity entry", key);
		ix_entry seen = *e; /* a writer may have replaced and freed *e by now */
		integrity_visit(s, key, &seen, r);
	}
	return IX_OK;
}

static ix_status integrity_fixed(ix_store *s, ix_integrity *r)
{
	ix_snapshot snap;
	ix_status st = snapshot_take(s, &snap);
	if (st != IX_OK)
		return st;
	for (size_t i = 0; i < snap.n; i++)
		integrity_visit(s, snap.keys[i], &snap.entries[i], r);
	snapshot_free(&snap);
	return IX_OK;
}

/* FindOrphanedEntries. */

static int key_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return (x > y) - (x < y);
}

/* Records below end whose entity is not among keys[0..n). */
static ix_status orphans_scan(ix_store *s, uint64_t *keys, size_t n, uint64_t end, uint64_t *ids,
			      size_t cap, size_t *count)
{
	qsort(keys, n, sizeof *keys, key_cmp);
	uint64_t len = rh_atomic_load(&s->data_len, RH_ACQUIRE);
	if (end > len)
		return IX_ECORRUPT;
	size_t found = 0;
	for (uint64_t at = 0; at < end;) {
		ix_record h;
		if (end - at < sizeof h)
			return IX_ECORRUPT;
		memcpy(&h, s->data + at, sizeof h);
		if (end - at - sizeof h < h.size)
			return IX_ECORRUPT;
		if (bsearch(&h.entity_id, keys, n, sizeof *keys, key_cmp) == NULL) {
			if (found < cap)
				ids[found] = h.entity_id;
			found++;
		}
		at += sizeof h + h.size;
	}
	*count = found;
	return IX_OK;
}

static ix_status orphans_buggy(ix_store *s, uint64_t *ids, size_t cap, size_t *count)
{
	/* collects the ids from the live map, then reads how far the index
	 * reaches, all unlocked: a record indexed in between looks orphaned */
	ix_slot *slots = s->map.slots;
	uint64_t mask = s->map.mask;
	uint64_t *keys = malloc((mask + 1) * sizeof *keys);
	if (keys == NULL)
		return IX_ENOMEM;
	size_t n = 0;
	for (uint64_t i = 0; i <= mask; i++)
		if (slots[i].key != 0)
			keys[n++] = slots[i].key;
	rh_point("orphans: ids collected", n);
	uint64_t end = s->indexed_len;
	ix_status st = orphans_scan(s, keys, n, end, ids, cap, count);
	free(keys);
	return st;
}

static ix_status orphans_fixed(ix_store *s, uint64_t *ids, size_t cap, size_t *count)
{
	ix_snapshot snap;
	ix_status st = snapshot_take(s, &snap);
	if (st != IX_OK)
		return st;
	/* The snapshot is this thread's; the data is read below data_len. */
	rh_point_at("orphans: ids collected", snap.n, NULL, RH_ACCESS_NONE);
	st = orphans_scan(s, snap.keys, snap.n, snap.indexed_len, ids, cap, count);
	snapshot_free(&snap);
	return st;
}

static const struct ix_impl {
	ix_status (*get_entry)(ix_store *s, uint64_t id, ix_entry *out);
	ix_status (*replay)(ix_store *s, ix_entry **fresh, size_t n);
	ix_status (*integrity)(ix_store *s, ix_integrity *r);
	ix_status (*orphans)(ix_store *s, uint64_t *ids, size_t cap, size_t *count);
} ix_impls[IX_VARIANT_COUNT_] = {
	[IX_BUGGY] = {get_entry_buggy, replay_buggy, integrity_buggy, orphans_buggy},
	[IX_FIXED] = {get_entry_fixed, replay_fixed, integrity_fixed, orphans_fixed},
};

/* ---- the API ---- */

const char *ix_status_name(ix_status st)
{
	switch (st) {
	case IX_OK: return "ok";
	case IX_NOT_FOUND: return "entity not found in index";
	case IX_EBOUNDS: return "offset outside the data file";
	case IX_ESTRANGER: return "record belongs to another entity";
	case IX_ECHECKSUM: return "checksum mismatch";
	case IX_EFLAGS: return "unknown entry flags";
	case IX_EFULL: return "data file full";
	case IX_ECORRUPT: return "data file record runs past the data";
	case IX_ENOMEM: return "out of memory";
	case IX_EINVAL: return "invalid argument";
	}
	return "unknown status";
}

ix_store *ix_open(ix_variant variant, size_t capacity)
{
	if ((unsigned)variant >= IX_VARIANT_COUNT_)
		return NULL;
	ix_store *s = calloc(1, sizeof *s);
	if (s == NULL)
		return NULL;
	s->variant = variant;
	s->capacity = capacity;
	s->data = malloc(capacity ? capacity : 1);
	s->map.slots = calloc(16, sizeof *s->map.slots);
	s->map.mask = 15;
	if (s->data == NULL || s->map.slots == NULL) {
		free(s->data);
		free(s->map.slots);
		free(s);
		return NULL;
	}
	rh_atomic_init(&s->data_len, "data file length", 0);
	rh_mutex_init(&s->writer, "writer", 0);
	rh_rwlock_init(&s->index_lock, "index");
	return s;
}

void ix_close(ix_store *s)
{
	if (s == NULL)
		return;
	for (uint64_t i = 0; i <= s->map.mask; i++)
		if (s->map.slots[i].key != 0)
			free(s->map.slots[i].entry);
	free(s->map.slots);
	free(s->wal);
	free(s->data);
	rh_rwlock_destroy(&s->index_lock);
	rh_mutex_destroy(&s->writer);
	free(s);
}

ix_variant ix_store_variant(const ix_store *s)
{
	return s->variant;
}

ix_status ix_put(ix_store *s, uint64_t id, uint64_t version, const void *payload, uint32_t size,
		 uint64_t *offset_out)
{
	if (id == 0 || size > IX_MAX_PAYLOAD)
		return IX_EINVAL;
	ix_entry *e = malloc(sizeof *e);
	if (e == NULL)
		return IX_ENOMEM;
	ix_entry *old = NULL;
	uint64_t offset = 0;
	rh_mutex_lock(&s->writer);
	ix_status st = data_append(s, id, version, payload, size, &offset);
	if (st == IX_OK) {
		/* The writer builds a fresh entry for every write (ADR-023's
		 * writer.go fix); the race is in what happens to the old one. */
		*e = (ix_entry){.entity_id = id, .offset = offset, .size = size, .flags = 0};
		rh_rwlock_wrlock(&s->index_lock);
		st = index_apply(s, e, &old);
		rh_rwlock_unlock(&s->index_lock);
	}
	rh_mutex_unlock(&s->writer);
	if (st != IX_OK) {
		free(e);
		return st;
	}
	if (old != NULL) {
		/* Fixed readers copy under the lock: the replaced entry is
		 * unreachable. Buggy ones may still read it: any memory. */
		rh_point_at("free replaced entry", old->offset, NULL,
			    s->variant == IX_FIXED ? RH_ACCESS_NONE : RH_ACCESS_ANY);
		free(old);
	}
	if (offset_out != NULL)
		*offset_out = offset;
	return IX_OK;
}

ix_status ix_put_orphan(ix_store *s, uint64_t id, uint64_t version, const void *payload,
			uint32_t size)
{
	if (id == 0 || size > IX_MAX_PAYLOAD)
		return IX_EINVAL;
	uint64_t offset;
	rh_mutex_lock(&s->writer);
	ix_status st = data_append(s, id, version, payload, size, &offset);
	if (st == IX_OK) {
		rh_rwlock_wrlock(&s->index_lock);
		s->indexed_len = offset + sizeof(ix_record) + size;
		rh_rwlock_unlock(&s->index_lock);
	}
	rh_mutex_unlock(&s->writer);
	return st;
}

ix_status ix_get_entry(ix_store *s, uint64_t id, ix_entry *out)
{
	return ix_impls[s->variant].get_entry(s, id, out);
}

ix_status ix_wal_log(ix_store *s, uint64_t id, uint64_t version, const void *payload,
		     uint32_t size)
{
	if (id == 0 || size > IX_MAX_PAYLOAD)
		return IX_EINVAL;
	ix_status st = IX_OK;
	rh_mutex_lock(&s->writer);
	if (s->wal_len == s->wal_cap) {
		size_t cap = s->wal_cap ? 2 * s->wal_cap : 16;
		ix_wal_rec *wal = realloc(s->wal, cap * sizeof *wal);
		if (wal == NULL) {
			st = IX_ENOMEM;
			goto out;
		}
		s->wal = wal;
		s->wal_cap = cap;
	}
	uint64_t offset;
	st = data_append(s, id, version, payload, size, &offset);
	if (st == IX_OK)
		s->wal[s->wal_len++] = (ix_wal_rec){.entity_id = id, .offset = offset, .size = size};
out:
	rh_mutex_unlock(&s->writer);
	return st;
}

ix_status ix_wal_replay(ix_store *s, size_t *applied)
{
	ix_status st = IX_OK;
	size_t n = 0;
	rh_mutex_lock(&s->writer);
	ix_entry **fresh = malloc((s->wal_len ? s->wal_len : 1) * sizeof *fresh);
	if (fresh == NULL) {
		st = IX_ENOMEM;
		goto out;
	}
	for (; n < s->wal_len; n++) {
		fresh[n] = malloc(sizeof **fresh);
		if (fresh[n] == NULL) {
			while (n > 0)
				free(fresh[--n]);
			st = IX_ENOMEM;
			goto out;
		}
		*fresh[n] = (ix_entry){.entity_id = s->wal[n].entity_id,
				       .offset = s->wal[n].offset,
				       .size = s->wal[n].size,
				       .flags = IX_FLAG_REPLAYED};
	}
	st = ix_impls[s->variant].replay(s, fresh, n);
	/* After a failure the log stays: replaying a record again is harmless. */
	if (st == IX_OK)
		s->wal_len = 0;
out:
	rh_mutex_unlock(&s->writer);
	free(fresh);
	if (applied != NULL)
		*applied = st == IX_OK ? n : 0;
	return st;
}

ix_status ix_check_integrity(ix_store *s, ix_integrity *out)
{
	memset(out, 0, sizeof *out);
	return ix_impls[s->variant].integrity(s, out);
}

ix_status ix_find_orphans(ix_store *s, uint64_t *ids, size_t cap, size_t *count)
{
	*count = 0;
	return ix_impls[s->variant].orphans(s, ids, cap, count);
}
