/* SPDX-License-Identifier: MIT */
/* header store — the writer manager: put, checkpoint (close the writer,
 * load a new one from disk, publish it) and close, three variants side by
 * side; what each variant does is told in header_writer.c. */
#define _GNU_SOURCE /* mkostemp */
#include "header_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "racehunt/sync.h"

/* ---- open: load a writer's header and index from disk ------------------ */

/* Reads header and index, then marks the file open for writing (TagDictOffset
 * 0) so that a crash from here on is recovered from the WAL. */
static hdr_status writer_load(hdr_writer *w, hdr_err *err)
{
	hdr_mgr *m = w->m;
	uint8_t *file = NULL;
	size_t len = 0;
	/* buggy and patched: a put racing the checkpoint may be writing its
	 * record over the index read here, and when the index does not load
	 * the window ends at the log's lock, not at a point: the whole file,
	 * any memory. fixed: the gate keeps every put out. */
	if (m->v != HDR_FIXED)
		rh_point("open: reading the file", w->generation);
	hdr_status st = hdr__read_file(m, &file, &len, err);
	if (st != HDR_OK)
		return st;
	hdr_header h;
	hdr_entity *ix = NULL;
	size_t n = 0;
	hdr_err ierr;
	switch (m->v) {
	case HDR_BUGGY:
		/* No validation: whatever the bytes say becomes the header. */
		if (len >= HDR_SIZE)
			hdr_header_decode(file, &h);
		else
			memset(&h, 0, sizeof h);
		if (h.tagdict_offset && hdr_index_load_bytes(&h, file, len, &ix, &n, &ierr) != HDR_OK)
			hdr__log_warn(m, &m->log.index_dropped, "Index unreadable on open (%s), starting empty",
				 ierr.msg);
		break;
	case HDR_PATCHED:
		/* ADR-038: decode, and repair WALOffset 0 instead of asking why. */
		if (len >= HDR_SIZE)
			hdr_header_decode(file, &h);
		else
			memset(&h, 0, sizeof h);
		if (h.wal_offset == 0) {
			hdr__log_warn(m, &m->log.wal_offset_defaults,
				 "Header has invalid WALOffset=0, setting to default HeaderSize=%u",
				 HDR_SIZE);
			h.wal_offset = HDR_SIZE;
		}
		if (h.tagdict_offset && hdr_index_load_bytes(&h, file, len, &ix, &n, &ierr) != HDR_OK)
			hdr__log_warn(m, &m->log.index_dropped, "Index unreadable on open (%s), starting empty",
				 ierr.msg);
		break;
	case HDR_FIXED:
		st = hdr_validate_bytes(file, len, len, &h, err);
		if (st == HDR_OK && h.tagdict_offset)
			st = hdr_index_load_bytes(&h, file, len, &ix, &n, err);
		break;
	}
	free(file);
	if (st != HDR_OK)
		return st;

	rh_point_at("open: header read from disk", h.wal_offset, &w->h, RH_ACCESS_WRITE);
	h.tagdict_offset = 0;
	w->h = h;
	rh_atomic_store(&w->wal_seq, h.wal_sequence, RH_RELAXED);
	rh_mutex_lock(&w->ilock);
	free(w->index);
	w->index = ix;
	w->n_index = w->cap_index = n;
	rh_mutex_unlock(&w->ilock);
	/* buggy: a put on the writer a checkpoint published unloaded reserved
	 * its record at offset 0, over the header written here. */
	if (m->v != HDR_FIXED)
		rh_point("open: writing the header", h.wal_offset);
	return hdr__write_header(m, &h, err);
}

/* ---- the manager: put, checkpoint, close -------------------------------- */

static void retire(hdr_mgr *m, hdr_writer *old)
{
	old->retired_next = m->retired;
	m->retired = old;
}

hdr_status hdr_mgr_put(hdr_mgr *m, uint64_t id, const uint8_t *payload, size_t len, hdr_ack *ack,
		       hdr_err *err)
{
	memset(ack, 0, sizeof *ack);
	if (m->v != HDR_FIXED) {
		/* buggy and patched alike: flag and writer read with no sync. The
		 * point after the flag's read keeps it in a window a point marks
		 * when the put is refused too. Close writes the flag and
		 * checkpoint the writer next to unnamed points, and both run in
		 * one thread (thread 0 in every scenario), so their own reads of
		 * the two need no point. A writer's generation is set before it
		 * is published: it is read after reading m->w. */
		bool closed = m->closed;
		rh_point_at("put: closed flag", closed, &m->closed, RH_ACCESS_READ);
		if (closed)
			return hdr__fail(err, HDR_E_CLOSED, "put after close");
		hdr_writer *w = m->w;
		rh_point_at("put: writer generation", w->generation, &m->w, RH_ACCESS_READ);
		return hdr__put_on(w, id, payload, len, ack, err);
	}
	rh_rwlock_rdlock(&m->gate);
	hdr_status st;
	if (m->closed)
		st = hdr__fail(err, HDR_E_CLOSED, "put after close");
	else
		st = hdr__put_on(m->w, id, payload, len, ack, err);
	rh_rwlock_unlock(&m->gate);
	return st;
}

/* patched, layer 2: the reopened header must pass the reader's validation. */
static bool header_valid(hdr_mgr *m, const hdr_header *h)
{
	uint8_t b[HDR_SIZE];
	struct stat sb;
	hdr_header_encode(h, b);
	if (fstat(m->fd, &sb) != 0)
		return false;
	return hdr_validate_bytes(b, HDR_SIZE, (uint64_t)sb.st_size, NULL, NULL) == HDR_OK;
}

/* buggy: NewWriter() is published at once and loads its header afterwards. */
static hdr_status checkpoint_buggy(hdr_mgr *m, hdr_err *err)
{
	hdr_writer *old = m->w;
	hdr_err cerr;
	hdr__writer_close(old, &cerr); /* a count mismatch was logged; carry on */
	hdr_writer *nw = hdr__writer_new(m);
	if (!nw)
		return hdr__fail(err, HDR_E_RESOURCE, "out of memory for a writer");
	m->w = nw;
	rh_point("checkpoint: writer published, header not loaded; WALOffset", nw->h.wal_offset);
	retire(m, old);
	return writer_load(nw, err);
}

/* patched: ADR-039's three layers around the same close and reopen. */
static hdr_status checkpoint_patched(hdr_mgr *m, hdr_err *err)
{
	hdr_writer *old = m->w;
	rh_rwlock_rdlock(&old->hs);
	hdr_header snapshot = old->h; /* layer 1: CreateSnapshot() */
	rh_rwlock_unlock(&old->hs);
	rh_point("checkpoint: snapshot taken", snapshot.data_size);
	hdr_status st = hdr__writer_close(old, err);
	if (st != HDR_OK)
		return st;
	hdr_writer *nw = hdr__writer_new(m);
	if (!nw)
		return hdr__fail(err, HDR_E_RESOURCE, "out of memory for a writer");
	st = writer_load(nw, err);
	if (st != HDR_OK) {
		hdr__writer_free(nw);
		return st;
	}
	rh_rwlock_wrlock(&nw->hs);
	nw->reuses_ranges = old->reuses_ranges;
	/* The check reads the file's size, which puts on the old writer still
	 * grow: no lock orders the two, so a point does (unnamed: any write). */
	rh_point("checkpoint: validating the header against the file size", 0);
	if (!header_valid(m, &nw->h)) { /* layer 2: ValidateHeader() */
		nw->h = snapshot;	/* layer 3: RestoreFromSnapshot() */
		nw->reuses_ranges = true;
		rh_atomic_store(&nw->wal_seq, snapshot.wal_sequence, RH_RELAXED);
		hdr__log_warn(m, &m->log.snapshot_restores,
			 "Header invalid after reopen, restored from snapshot (WALOffset=%llu)",
			 (unsigned long long)snapshot.wal_offset);
	}
	rh_rwlock_unlock(&nw->hs);
	m->w = nw;
	rh_point("checkpoint: writer published", nw->generation);
	retire(m, old);
	return HDR_OK;
}

/* fixed: everything under the gate; the new writer is visible only loaded. */
static hdr_status checkpoint_fixed(hdr_mgr *m, hdr_err *err)
{
	rh_rwlock_wrlock(&m->gate);
	hdr_status st = HDR_OK;
	if (m->closed) {
		st = hdr__fail(err, HDR_E_CLOSED, "checkpoint after close");
		goto out;
	}
	st = hdr__writer_close(m->w, err);
	if (st != HDR_OK)
		goto out;
	hdr_writer *nw = hdr__writer_new(m);
	if (!nw) {
		st = hdr__fail(err, HDR_E_RESOURCE, "out of memory for a writer");
		goto out;
	}
	st = writer_load(nw, err);
	if (st != HDR_OK) {
		hdr__writer_free(nw);
		goto out;
	}
	retire(m, m->w);
	m->w = nw;
out:
	rh_rwlock_unlock(&m->gate);
	return st;
}

hdr_status hdr_mgr_checkpoint(hdr_mgr *m, hdr_err *err)
{
	switch (m->v) {
	case HDR_BUGGY:
		return m->closed ? hdr__fail(err, HDR_E_CLOSED, "checkpoint after close")
				 : checkpoint_buggy(m, err);
	case HDR_PATCHED:
		return m->closed ? hdr__fail(err, HDR_E_CLOSED, "checkpoint after close")
				 : checkpoint_patched(m, err);
	case HDR_FIXED:
		break;
	}
	return checkpoint_fixed(m, err);
}

hdr_status hdr_mgr_close(hdr_mgr *m, hdr_err *err)
{
	if (m->v != HDR_FIXED) {
		/* The flag goes up after the writer is closed: puts in between
		 * are acknowledged and missing from the index. */
		if (m->closed)
			return HDR_OK;
		rh_point("close: closing writer", 0);
		hdr_status st = hdr__writer_close(m->w, err);
		rh_point("close: closed flag set", 1);
		m->closed = true;
		return st;
	}
	rh_rwlock_wrlock(&m->gate);
	hdr_status st = HDR_OK;
	if (!m->closed) {
		st = hdr__writer_close(m->w, err);
		m->closed = true;
	}
	rh_rwlock_unlock(&m->gate);
	return st;
}

static hdr_mgr *mgr_new(hdr_variant v)
{
	hdr_mgr *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	m->v = v;
	m->fd = -1;
	rh_rwlock_init(&m->gate, "checkpoint gate");
	rh_atomic_init(&m->clock, "clock", 0);
	rh_mutex_init(&m->log_lock, "log", 0);
	return m;
}

/* The first writer; on failure the manager is destroyed. */
static hdr_status mgr_start(hdr_mgr *m, hdr_mgr **out, hdr_err *err)
{
	hdr_status st;
	m->w = hdr__writer_new(m);
	if (!m->w)
		st = hdr__fail(err, HDR_E_RESOURCE, "out of memory for a writer");
	else
		st = writer_load(m->w, err);
	if (st != HDR_OK) {
		hdr_mgr_destroy(m);
		return st;
	}
	*out = m;
	return HDR_OK;
}

hdr_status hdr_mgr_open(hdr_mgr **out, hdr_variant v, const char *path, hdr_err *err)
{
	*out = NULL;
	hdr_mgr *m = mgr_new(v);
	if (!m)
		return hdr__fail(err, HDR_E_RESOURCE, "out of memory for a writer manager");
	hdr_status st = HDR_OK;
	if ((size_t)snprintf(m->path, sizeof m->path, "%s", path) >= sizeof m->path)
		st = hdr__fail(err, HDR_E_IO, "path too long: %s", path);
	else if ((m->fd = open(path, O_RDWR | O_CLOEXEC)) < 0)
		st = hdr__fail(err, hdr_errno_status(errno), "open %s: %s", path, strerror(errno));
	if (st != HDR_OK) {
		hdr_mgr_destroy(m);
		return st;
	}
	return mgr_start(m, out, err);
}

hdr_status hdr_mgr_create(hdr_mgr **out, hdr_variant v, const char *dir, uint64_t wal_capacity,
			  hdr_err *err)
{
	*out = NULL;
	if (!dir)
		dir = getenv("TMPDIR");
	if (!dir || !*dir)
		dir = "/tmp";
	hdr_mgr *m = mgr_new(v);
	if (!m)
		return hdr__fail(err, HDR_E_RESOURCE, "out of memory for a writer manager");
	hdr_status st = HDR_OK;
	if ((size_t)snprintf(m->path, sizeof m->path, "%s/rh-header-XXXXXX", dir) >=
	    sizeof m->path) {
		st = hdr__fail(err, HDR_E_IO, "temporary directory path too long: %s", dir);
		goto out;
	}
	m->fd = mkostemp(m->path, O_CLOEXEC);
	m->owns_file = m->fd >= 0;
	if (m->fd < 0) {
		st = hdr__fail(err, hdr_errno_status(errno), "mkstemp %s: %s", m->path, strerror(errno));
		m->path[0] = 0;
		goto out;
	}
	/* A closed empty file: header, zeroed WAL, empty index, tag dictionary. */
	uint64_t data_offset = HDR_SIZE + wal_capacity * HDR_WAL_ENTRY_SIZE;
	hdr_header h = {.magic = HDR_MAGIC,
			.version = HDR_VERSION,
			.wal_offset = HDR_SIZE,
			.data_offset = data_offset,
			.file_size = data_offset};
	if (data_offset > HDR_FILE_LIMIT / 2 || ftruncate(m->fd, (off_t)data_offset) != 0) {
		st = hdr__fail(err, HDR_E_IO, "cannot size %s for %llu WAL entries", m->path,
			  (unsigned long long)wal_capacity);
		goto out;
	}
	st = hdr__write_index(m, (const uint8_t *)"", 0, data_offset, &h.tagdict_offset, err);
	if (st == HDR_OK)
		st = hdr__write_header(m, &h, err);
out:
	if (st != HDR_OK) {
		hdr_mgr_destroy(m);
		return st;
	}
	return mgr_start(m, out, err);
}

const char *hdr_mgr_path(const hdr_mgr *m)
{
	return m->path;
}

hdr_log hdr_mgr_log(hdr_mgr *m)
{
	rh_mutex_lock(&m->log_lock);
	hdr_log l = m->log;
	rh_mutex_unlock(&m->log_lock);
	return l;
}

void hdr_mgr_destroy(hdr_mgr *m)
{
	if (!m)
		return;
	if (m->w)
		hdr__writer_free(m->w);
	while (m->retired) {
		hdr_writer *w = m->retired;
		m->retired = w->retired_next;
		hdr__writer_free(w);
	}
	if (m->fd >= 0)
		close(m->fd);
	if (m->owns_file)
		unlink(m->path);
	rh_rwlock_destroy(&m->gate);
	rh_mutex_destroy(&m->log_lock);
	free(m);
}
