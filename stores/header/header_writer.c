/* SPDX-License-Identifier: MIT */
/* header store — a writer: its header updates, WAL entries and Close, three
 * variants side by side (the manager that makes, swaps and closes writers is
 * header_mgr.c; what both see is header_writer.h).
 *
 * Each operation has a buggy, a patched and a fixed body next to each other,
 * so the lines ADR-038/039 changed (and the ones a real fix changes) are the
 * only difference a reader sees.
 *
 * buggy   (before ADR-038) every writer thread read-modify-writes the shared
 *         header as plain memory; a checkpoint publishes its new writer before
 *         loading the header, so others see WALOffset 0; Close() compares the
 *         index it wrote with an EntityCount read before writing it.
 * patched (ADR-038 + ADR-039, as written) a HeaderSync per writer (RWMutex +
 *         atomic WAL sequence), WALOffset 0 replaced by the default on open,
 *         snapshot before a checkpoint, validate after reopen, restore from the
 *         snapshot, Close() auto-correcting EntityCount. Nothing stops a put
 *         from running on the writer a checkpoint is closing: its work lands
 *         after the header and index were written and is lost, and the new
 *         writer hands out the same WAL sequence numbers again.
 * fixed   one synchronised header per writer (a mutex around every
 *         read-modify-write, the WAL sequence from one atomic), puts share a
 *         gate that checkpoint and close take exclusively, and a new writer is
 *         published only after its header is loaded and validated.
 *
 * Shared header fields are plain memory in every variant: the buggy one races
 * on them for ThreadSanitizer to see, and rh_point() between each read and the
 * write that depends on it lets stress noise and the controlled scheduler open
 * the window. */
#include "header_writer.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "racehunt/sync.h"

hdr_status hdr__fail(hdr_err *err, hdr_status code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		err->code = code;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof err->msg, fmt, ap);
		va_end(ap);
	}
	return code;
}

/* What the original logged as [WARN]; kept in memory so reports can quote it. */
void hdr__log_warn(hdr_mgr *m, uint64_t *counter, const char *fmt, ...)
{
	rh_mutex_lock(&m->log_lock);
	(*counter)++;
	if (!m->log.first[0]) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(m->log.first, sizeof m->log.first, fmt, ap);
		va_end(ap);
	}
	rh_mutex_unlock(&m->log_lock);
}

static hdr_status pwrite_all(hdr_mgr *m, const void *buf, size_t n, uint64_t off, hdr_err *err)
{
	if (off > HDR_FILE_LIMIT || n > HDR_FILE_LIMIT - off)
		return hdr__fail(err, HDR_E_BOUNDS, "write of %zu bytes at %llu past the file limit", n,
			    (unsigned long long)off);
	const uint8_t *p = buf;
	while (n) {
		ssize_t r = pwrite(m->fd, p, n, (off_t)off);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return hdr__fail(err, hdr_errno_status(errno), "pwrite %s at %llu: %s", m->path,
				    (unsigned long long)off, r ? strerror(errno) : "no progress");
		p += r;
		n -= (size_t)r;
		off += (uint64_t)r;
	}
	return HDR_OK;
}

/* The whole file in memory: the readers validate bytes, not file handles. */
hdr_status hdr__read_file(hdr_mgr *m, uint8_t **out, size_t *len, hdr_err *err)
{
	struct stat sb;
	if (fstat(m->fd, &sb) != 0 || (uint64_t)sb.st_size > HDR_FILE_LIMIT)
		return hdr__fail(err, HDR_E_IO, "%s: cannot size it or over the file limit", m->path);
	size_t n = (size_t)sb.st_size, got = 0;
	uint8_t *buf = malloc(n ? n : 1);
	if (!buf)
		return hdr__fail(err, HDR_E_RESOURCE, "out of memory reading %s", m->path);
	while (got < n) {
		ssize_t r = pread(m->fd, buf + got, n - got, (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			free(buf);
			return hdr__fail(err, hdr_errno_status(errno), "pread %s: %s", m->path,
				    r ? strerror(errno) : "file shrank");
		}
		got += (size_t)r;
	}
	*out = buf;
	*len = n;
	return HDR_OK;
}

hdr_status hdr__write_header(hdr_mgr *m, const hdr_header *h, hdr_err *err)
{
	uint8_t b[HDR_SIZE];
	hdr_header_encode(h, b);
	return pwrite_all(m, b, HDR_SIZE, 0, err);
}

/* A record is {entity id, payload length, payload}. */
static uint8_t *make_record(uint64_t id, const uint8_t *payload, size_t len)
{
	uint8_t *r = malloc(HDR_RECORD_HEAD + len);
	if (!r)
		return NULL;
	hdr_put64(r, id);
	hdr_put64(r + 8, len);
	memcpy(r + HDR_RECORD_HEAD, payload, len);
	return r;
}

static hdr_status index_append(hdr_writer *w, const hdr_entity *e, hdr_err *err)
{
	hdr_status st = HDR_OK;
	rh_mutex_lock(&w->ilock);
	if (w->n_index == w->cap_index) {
		size_t cap = w->cap_index ? 2 * w->cap_index : 64;
		hdr_entity *v = realloc(w->index, cap * sizeof *v);
		if (!v) {
			st = hdr__fail(err, HDR_E_RESOURCE, "out of memory growing the index");
			goto out;
		}
		w->index = v;
		w->cap_index = cap;
	}
	w->index[w->n_index++] = *e;
out:
	rh_mutex_unlock(&w->ilock);
	return st;
}

/* The index as Close writes it; *n = entries. */
static uint8_t *index_encode(hdr_writer *w, size_t *n)
{
	rh_mutex_lock(&w->ilock);
	*n = w->n_index;
	uint8_t *b = malloc(*n * HDR_INDEX_ENTRY_SIZE + 1);
	for (size_t i = 0; b && i < *n; i++) {
		uint8_t *p = b + i * HDR_INDEX_ENTRY_SIZE;
		hdr_put64(p, w->index[i].id);
		hdr_put64(p + 8, w->index[i].off);
		hdr_put64(p + 16, w->index[i].len);
	}
	rh_mutex_unlock(&w->ilock);
	return b;
}

/* Index entries at file_size, then the tag dictionary right after them. */
hdr_status hdr__write_index(hdr_mgr *m, const uint8_t *ix, size_t n, uint64_t file_size,
			      uint64_t *tagdict_offset, hdr_err *err)
{
	uint8_t td[HDR_TAGDICT_SIZE];
	size_t bytes = n * HDR_INDEX_ENTRY_SIZE;
	hdr_tagdict_encode(td, n, ix, bytes);
	hdr_status st = pwrite_all(m, ix, bytes, file_size, err);
	if (st == HDR_OK)
		st = pwrite_all(m, td, HDR_TAGDICT_SIZE, file_size + bytes, err);
	*tagdict_offset = file_size + bytes;
	return st;
}

hdr_writer *hdr__writer_new(hdr_mgr *m)
{
	hdr_writer *w = calloc(1, sizeof *w);
	if (!w)
		return NULL;
	w->m = m;
	w->generation = m->generations++;
	rh_rwlock_init(&w->hs, "HeaderSync");
	rh_mutex_init(&w->hlock, "header", 0);
	rh_atomic_init(&w->wal_seq, "WALSequence", 0);
	rh_mutex_init(&w->ilock, "index", 0);
	return w;
}

void hdr__writer_free(hdr_writer *w)
{
	rh_rwlock_destroy(&w->hs);
	rh_mutex_destroy(&w->hlock);
	rh_mutex_destroy(&w->ilock);
	free(w->index);
	free(w);
}

/* ---- write_entity ------------------------------------------------------- */

/* A point before a put's write of the file at off. apart: the range can
 * overlap no range written unordered with it unless both start at off, so
 * it is a location of its own for the reduction, keyed by the manager's
 * address plus off with the top bit set (an address no object has on the
 * 64-bit targets; a clash would only add an ordering). Otherwise any memory.
 *
 * fixed: every put's range is apart; checkpoint and close touch the file
 * under the exclusive gate. patched: WAL slots are apart (every writer's WAL
 * starts at the same WALOffset, so two slots are the same or disjoint, and
 * nothing reads a slot before the final reopen). A record is apart if it was
 * reserved before its writer's close took the header (TagDictOffset still 0):
 * it lies below the FileSize that close writes, where the index goes, and
 * the next writer starts there. A record reserved later (a put racing the
 * close) lands on the index and on the next writer's records, and a writer
 * restored from a snapshot starts below records already reserved: any
 * memory. buggy: reservations race, ranges overlap anywhere: any memory. */
static void file_point(const hdr_mgr *m, const char *label, uint64_t off, bool apart)
{
	uintptr_t top = UINTPTR_MAX ^ (UINTPTR_MAX >> 1);
	if (apart)
		rh_point_at(label, off, (const void *)(top | ((uintptr_t)m + off)),
			    RH_ACCESS_WRITE);
	else
		rh_point(label, off);
}

static hdr_status write_record(hdr_writer *w, const uint8_t *rec, const hdr_entity *e,
			       bool apart, hdr_err *err)
{
	file_point(w->m, "write_entity: write record", e->off, apart);
	return pwrite_all(w->m, rec, (size_t)e->len, e->off, err);
}

/* buggy: each header field read, the data written, the field written back. */
static hdr_status write_entity_buggy(hdr_writer *w, hdr_entity *e, const uint8_t *rec,
				     hdr_ack *ack, hdr_err *err)
{
	uint64_t now = rh_atomic_fetch_add(&w->m->clock, 1, RH_RELAXED) + 1;
	ack->last_modified_before = w->h.last_modified;
	uint64_t ds = w->h.data_size;
	e->off = w->h.data_offset + ds;
	rh_point("write_entity: read DataSize", ds);
	hdr_status st = write_record(w, rec, e, false, err);
	if (st != HDR_OK)
		return st;
	w->h.data_size = ds + e->len;
	w->h.file_size = w->h.data_offset + w->h.data_size;
	uint64_t ec = w->h.entity_count;
	rh_point("write_entity: read EntityCount", ec);
	w->h.entity_count = ec + 1;
	rh_point("write_entity: write LastModified", now);
	w->h.last_modified = now; /* taken before the record was written: may go back */
	ack->last_modified_seen = w->h.last_modified;
	return HDR_OK;
}

/* patched: ADR-038's UpdateHeader closure under HeaderSync's write lock. */
static hdr_status write_entity_patched(hdr_writer *w, hdr_entity *e, const uint8_t *rec,
				       hdr_ack *ack, hdr_err *err)
{
	rh_rwlock_wrlock(&w->hs);
	ack->last_modified_before = w->h.last_modified;
	uint64_t ds = w->h.data_size;
	e->off = w->h.data_offset + ds;
	/* w->h under its lock: no plain memory of the window is shared. */
	rh_point_at("write_entity: read DataSize", ds, NULL, RH_ACCESS_NONE);
	bool apart = w->h.tagdict_offset == 0 && !w->reuses_ranges;
	w->h.data_size = ds + e->len;
	w->h.file_size = w->h.data_offset + w->h.data_size;
	w->h.entity_count++;
	w->h.last_modified = rh_atomic_fetch_add(&w->m->clock, 1, RH_RELAXED) + 1;
	ack->last_modified_seen = w->h.last_modified;
	rh_rwlock_unlock(&w->hs);
	return write_record(w, rec, e, apart, err);
}

/* fixed: the same reservation under the header mutex; the caller holds the
 * manager's gate shared, so no checkpoint can retire this writer meanwhile. */
static hdr_status write_entity_fixed(hdr_writer *w, hdr_entity *e, const uint8_t *rec,
				     hdr_ack *ack, hdr_err *err)
{
	rh_mutex_lock(&w->hlock);
	ack->last_modified_before = w->h.last_modified;
	uint64_t ds = w->h.data_size;
	e->off = w->h.data_offset + ds;
	/* w->h under its lock: no plain memory of the window is shared. */
	rh_point_at("write_entity: read DataSize", ds, NULL, RH_ACCESS_NONE);
	w->h.data_size = ds + e->len;
	w->h.file_size = w->h.data_offset + w->h.data_size;
	w->h.entity_count++;
	w->h.last_modified = rh_atomic_fetch_add(&w->m->clock, 1, RH_RELAXED) + 1;
	ack->last_modified_seen = w->h.last_modified;
	rh_mutex_unlock(&w->hlock);
	return write_record(w, rec, e, true, err);
}

static hdr_status write_entity(hdr_writer *w, hdr_entity *e, const uint8_t *rec, hdr_ack *ack,
			       hdr_err *err)
{
	hdr_status st = HDR_OK;
	switch (w->m->v) {
	case HDR_BUGGY:
		st = write_entity_buggy(w, e, rec, ack, err);
		break;
	case HDR_PATCHED:
		st = write_entity_patched(w, e, rec, ack, err);
		break;
	case HDR_FIXED:
		st = write_entity_fixed(w, e, rec, ack, err);
		break;
	}
	ack->data_off = e->off;
	ack->rec_len = e->len;
	if (st == HDR_OK)
		st = index_append(w, e, err);
	return st;
}

/* ---- write_wal_entry ---------------------------------------------------- */

static hdr_status wal_write(hdr_writer *w, uint64_t wal_offset, uint64_t data_offset, uint64_t seq,
			    const hdr_entity *e, const uint8_t *record, hdr_err *err)
{
	uint64_t pos = wal_offset + (seq - 1) * HDR_WAL_ENTRY_SIZE;
	if (seq == 0 || pos + HDR_WAL_ENTRY_SIZE > data_offset)
		return hdr__fail(err, HDR_E_FULL, "WAL full: sequence %llu does not fit before %llu",
			    (unsigned long long)seq, (unsigned long long)data_offset);
	uint8_t b[HDR_WAL_ENTRY_SIZE];
	hdr_wal_entry_encode(b, seq, e, record);
	file_point(w->m, "write_wal_entry: write slot", pos, w->m->v != HDR_BUGGY);
	return pwrite_all(w->m, b, HDR_WAL_ENTRY_SIZE, pos, err);
}

static hdr_status wal_offset_zero(hdr_err *err)
{
	return hdr__fail(err, HDR_E_WAL_OFFSET_ZERO, "CORRUPTION DETECTED: Invalid WALOffset 0");
}

/* buggy: sequence = header's + 1, written back after the WAL write. */
static hdr_status write_wal_buggy(hdr_writer *w, const hdr_entity *e, const uint8_t *record,
				  hdr_ack *ack, hdr_err *err)
{
	/* A point before the read: a put refused for WALOffset 0 returns
	 * before the next one, and a loaded header must be able to come first. */
	rh_point("write_wal_entry: read WALOffset", 0);
	uint64_t wo = w->h.wal_offset;
	ack->wal_offset_seen = wo;
	if (wo == 0)
		return wal_offset_zero(err);
	uint64_t seq = w->h.wal_sequence + 1;
	rh_point("write_wal_entry: read WALSequence", seq - 1);
	ack->seq = seq;
	hdr_status st = wal_write(w, wo, w->h.data_offset, seq, e, record, err);
	if (st == HDR_OK)
		w->h.wal_sequence = seq;
	return st;
}

/* patched: GetWALOffset() under the read lock, sequence from the writer's
 * own atomic counter. */
static hdr_status write_wal_patched(hdr_writer *w, const hdr_entity *e, const uint8_t *record,
				    hdr_ack *ack, hdr_err *err)
{
	rh_rwlock_rdlock(&w->hs);
	/* The read lock does not order the read against a checkpoint's header
	 * load (open writes w->h without it): the point names it. */
	rh_point_at("write_wal_entry: read WALOffset", 0, &w->h, RH_ACCESS_READ);
	uint64_t wo = w->h.wal_offset, data_offset = w->h.data_offset;
	rh_rwlock_unlock(&w->hs);
	ack->wal_offset_seen = wo;
	if (wo == 0)
		return wal_offset_zero(err);
	uint64_t seq = rh_atomic_fetch_add(&w->wal_seq, 1, RH_RELAXED) + 1;
	ack->seq = seq;
	return wal_write(w, wo, data_offset, seq, e, record, err);
}

/* fixed: the same reads under the header mutex, one allocator per file
 * generation, and the gate keeps the generation alive for the whole put. */
static hdr_status write_wal_fixed(hdr_writer *w, const hdr_entity *e, const uint8_t *record,
				  hdr_ack *ack, hdr_err *err)
{
	rh_mutex_lock(&w->hlock);
	uint64_t wo = w->h.wal_offset, data_offset = w->h.data_offset;
	rh_mutex_unlock(&w->hlock);
	ack->wal_offset_seen = wo;
	if (wo == 0)
		return wal_offset_zero(err);
	uint64_t seq = rh_atomic_fetch_add(&w->wal_seq, 1, RH_RELAXED) + 1;
	ack->seq = seq;
	return wal_write(w, wo, data_offset, seq, e, record, err);
}

static hdr_status write_wal_entry(hdr_writer *w, const hdr_entity *e, const uint8_t *record,
				  hdr_ack *ack, hdr_err *err)
{
	switch (w->m->v) {
	case HDR_BUGGY:
		return write_wal_buggy(w, e, record, ack, err);
	case HDR_PATCHED:
		return write_wal_patched(w, e, record, ack, err);
	case HDR_FIXED:
		break;
	}
	return write_wal_fixed(w, e, record, ack, err);
}

/* ---- Close: index, tag dictionary, header ------------------------------- */

/* buggy: EntityCount read before the index is written, compared after; the
 * mismatch is logged and the header written with whatever the count is. */
static hdr_status close_buggy(hdr_writer *w, hdr_err *err)
{
	hdr_mgr *m = w->m;
	uint64_t claimed = w->h.entity_count;
	rh_point("close: read EntityCount", claimed);
	size_t n;
	uint8_t *ix = index_encode(w, &n);
	if (!ix)
		return hdr__fail(err, HDR_E_RESOURCE, "out of memory encoding the index");
	/* Index and header written over racing puts' records and fields; on a
	 * mismatch the window ends at the log's lock: any memory. */
	rh_point("close: writing index", n);
	hdr_status st = hdr__write_index(m, ix, n, w->h.file_size, &w->h.tagdict_offset, err);
	free(ix);
	if (st != HDR_OK)
		return st;
	st = hdr__write_header(m, &w->h, err);
	if (st == HDR_OK && n != claimed) {
		hdr__log_warn(m, &m->log.count_mismatches,
			 "Index entry count mismatch: wrote %zu entries but header claims %llu", n,
			 (unsigned long long)claimed);
		return hdr__fail(err, HDR_E_COUNT_MISMATCH,
			    "Close: wrote %zu index entries but header EntityCount is %llu", n,
			    (unsigned long long)claimed);
	}
	return st;
}

/* patched: ADR-039's Close(): compare with HeaderSync's count and, when they
 * differ, make the header agree with the index. */
static hdr_status close_patched(hdr_writer *w, hdr_err *err)
{
	hdr_mgr *m = w->m;
	rh_rwlock_rdlock(&w->hs);
	uint64_t claimed = w->h.entity_count;
	rh_rwlock_unlock(&w->hs);
	rh_point("close: read EntityCount", claimed);
	size_t n;
	uint8_t *ix = index_encode(w, &n);
	if (!ix)
		return hdr__fail(err, HDR_E_RESOURCE, "out of memory encoding the index");
	if (n != claimed) {
		hdr__log_warn(m, &m->log.count_corrections,
			 "Index entry count mismatch detected: wrote %zu entries but HeaderSync "
			 "claims %llu, correcting HeaderSync",
			 n, (unsigned long long)claimed);
		rh_rwlock_wrlock(&w->hs);
		w->h.entity_count = n;
		rh_rwlock_unlock(&w->hs);
	}
	rh_rwlock_wrlock(&w->hs);
	/* The index goes into the file, which puts write outside this lock. */
	rh_point("close: writing index", n);
	hdr_status st = hdr__write_index(m, ix, n, w->h.file_size, &w->h.tagdict_offset, err);
	w->h.wal_sequence = rh_atomic_load(&w->wal_seq, RH_RELAXED);
	hdr_header h = w->h;
	rh_rwlock_unlock(&w->hs);
	free(ix);
	if (st != HDR_OK)
		return st;
	return hdr__write_header(m, &h, err);
}

/* fixed: the caller holds the gate exclusively, so no put is half done and
 * the counts agree; a mismatch would be a bug of ours and is an error. */
static hdr_status close_fixed(hdr_writer *w, hdr_err *err)
{
	hdr_mgr *m = w->m;
	size_t n;
	uint8_t *ix = index_encode(w, &n);
	if (!ix)
		return hdr__fail(err, HDR_E_RESOURCE, "out of memory encoding the index");
	rh_mutex_lock(&w->hlock);
	hdr_status st = HDR_OK;
	if (n != w->h.entity_count) {
		st = hdr__fail(err, HDR_E_COUNT_MISMATCH,
			  "Close: %zu index entries but header EntityCount %llu", n,
			  (unsigned long long)w->h.entity_count);
	} else {
		st = hdr__write_index(m, ix, n, w->h.file_size, &w->h.tagdict_offset, err);
		w->h.wal_sequence = rh_atomic_load(&w->wal_seq, RH_RELAXED);
	}
	hdr_header h = w->h;
	rh_mutex_unlock(&w->hlock);
	free(ix);
	if (st != HDR_OK)
		return st;
	return hdr__write_header(m, &h, err);
}

hdr_status hdr__writer_close(hdr_writer *w, hdr_err *err)
{
	switch (w->m->v) {
	case HDR_BUGGY:
		return close_buggy(w, err);
	case HDR_PATCHED:
		return close_patched(w, err);
	case HDR_FIXED:
		break;
	}
	return close_fixed(w, err);
}

/* write_entity, then the WAL entry that makes it recoverable. */
hdr_status hdr__put_on(hdr_writer *w, uint64_t id, const uint8_t *payload, size_t len,
			 hdr_ack *ack, hdr_err *err)
{
	uint8_t *rec = make_record(id, payload, len);
	if (!rec)
		return hdr__fail(err, HDR_E_RESOURCE, "out of memory for a %zu-byte record", len);
	hdr_entity e = {.id = id, .len = HDR_RECORD_HEAD + len};
	hdr_status st = write_entity(w, &e, rec, ack, err);
	if (st == HDR_OK)
		st = write_wal_entry(w, &e, rec, ack, err);
	free(rec);
	return st;
}
