/* SPDX-License-Identifier: MIT */
/* This file is private to the header store's writer (header_writer.c) and
 * manager (header_mgr.c): their two structs and what one calls in the other. */
#ifndef HDR_WRITER_H
#define HDR_WRITER_H

#include "header_store.h"

#include "racehunt/sync.h"

typedef struct hdr_writer hdr_writer;

struct hdr_writer {
	hdr_mgr *m;
	uint64_t generation; /* 0 for the first writer, +1 per checkpoint (traces) */
	hdr_header h;	       /* buggy: unguarded; patched: hs; fixed: hlock */
	rh_rwlock hs;	       /* patched: ADR-038 HeaderSync.mu */
	rh_mutex hlock;	       /* fixed: every read-modify-write of h */
	rh_atomic_u64 wal_seq; /* patched: HeaderSync.walSequence; fixed: the allocator */
	/* patched: restored from a snapshot, or made after a writer that was,
	 * so its data ranges may overlap those of the writers before it (for
	 * the points only: see file_point). Set before it is published. */
	bool reuses_ranges;
	/* The writer's entity index, written out by Close. Locked in every
	 * variant: the index is not this store's subject (see stores/index). */
	rh_mutex ilock;
	hdr_entity *index;
	size_t n_index, cap_index;
	hdr_writer *retired_next;
};

struct hdr_mgr {
	hdr_variant v;
	int fd;
	char path[256];
	hdr_writer *w;	  /* buggy/patched: swapped by checkpoint with no sync */
	bool closed;	  /* buggy/patched: unguarded flag */
	rh_rwlock gate;	  /* fixed: puts shared, checkpoint and close exclusive */
	rh_atomic_u64 clock; /* logical time for LastModified: replays stay exact */
	/* Writers a checkpoint replaced. Kept until destroy so that a put still
	 * running on one loses its update instead of touching freed memory (the
	 * index store covers use-after-free). */
	hdr_writer *retired;
	bool owns_file; /* made by hdr_mgr_create: destroy unlinks it */
	uint64_t generations; /* writers made so far; only the checkpointer counts */
	rh_mutex log_lock;
	hdr_log log;
};

/* err (may be NULL) gets code and the message; returns code. */
hdr_status hdr__fail(hdr_err *err, hdr_status code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* What the original logged as [WARN]: counted, the first one kept. */
void hdr__log_warn(hdr_mgr *m, uint64_t *counter, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
hdr_status hdr__read_file(hdr_mgr *m, uint8_t **out, size_t *len, hdr_err *err);
hdr_status hdr__write_header(hdr_mgr *m, const hdr_header *h, hdr_err *err);
hdr_status hdr__write_index(hdr_mgr *m, const uint8_t *ix, size_t n, uint64_t file_size,
			    uint64_t *tagdict_offset, hdr_err *err);
hdr_writer *hdr__writer_new(hdr_mgr *m);
void hdr__writer_free(hdr_writer *w);
hdr_status hdr__writer_close(hdr_writer *w, hdr_err *err);
hdr_status hdr__put_on(hdr_writer *w, uint64_t id, const uint8_t *payload, size_t len,
		       hdr_ack *ack, hdr_err *err);

#endif
