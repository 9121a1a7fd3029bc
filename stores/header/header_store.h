/* SPDX-License-Identifier: MIT */
/* header store — a file with a header, a WAL and a data area, after the
 * EntityDB binary format of ADR-038 and ADR-039.
 *
 * File layout (all integers little-endian u64):
 *
 *   [0, 128)                  header: magic, version, WALOffset, WALSequence,
 *                             DataOffset, DataSize, FileSize, EntityCount,
 *                             TagDictOffset, LastModified, checksum
 *   [WALOffset, DataOffset)   WAL: fixed 48-byte slots; the entry with
 *                             sequence s lives in slot s - 1
 *   [DataOffset, FileSize)    data: records {entity id, payload length, payload}
 *   [FileSize, TagDictOffset) index, written by Close: {entity id, offset, length}
 *   [TagDictOffset, +32)      tag dictionary: {tag magic, index count, index
 *                             checksum, own checksum}
 *
 * TagDictOffset == 0 marks a file open for writing (or a writer that died):
 * its index is stale and a reader rebuilds the entity set from the WAL, which
 * is never truncated. A writer opening the file writes that mark first.
 *
 * Three variants of the writer live side by side in header_writer.c (a
 * writer) and header_mgr.c (put, checkpoint and close over it):
 *   buggy    writers read-modify-write the header with no synchronisation; a
 *            checkpoint publishes its new writer before loading the header
 *            (WALOffset 0 window); Close compares a stale EntityCount
 *   patched  ADR-038 HeaderSync per writer plus ADR-039's snapshot / validate /
 *            restore around checkpoints and Close() auto-correcting EntityCount
 *   fixed    one synchronised header: a lock for every read-modify-write, an
 *            atomic WAL sequence, checkpoint and close under an exclusive lock
 *
 * The readers (hdr_validate_bytes, hdr_index_load_bytes, hdr_wal_replay_bytes,
 * hdr_open_bytes) take untrusted bytes and reject bad input with a distinct
 * status and a one-line message; they never crash. */
#ifndef RH_HEADER_STORE_H
#define RH_HEADER_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HDR_MAGIC 0x31524448484852ull /* "RHHHDR1" */
#define HDR_VERSION 1u
#define HDR_SIZE 128u
#define HDR_WAL_ENTRY_SIZE 48u
#define HDR_INDEX_ENTRY_SIZE 24u
#define HDR_TAGDICT_SIZE 32u
#define HDR_TAGDICT_MAGIC 0x5447414449485252ull /* "RRHIDAGT" */
#define HDR_RECORD_HEAD 16u
/* ADR-038's reader bound on TagDictOffset. */
#define HDR_TAGDICT_MAX (1ull << 31)
/* No write lands past this: a corrupt header must not grow a huge sparse file. */
#define HDR_FILE_LIMIT (64ull << 20)

typedef enum hdr_status {
	HDR_OK = 0,
	HDR_E_TRUNCATED,      /* shorter than a header / than a region it names */
	HDR_E_MAGIC,	      /* not a header file */
	HDR_E_VERSION,	      /* unknown format version */
	HDR_E_CHECKSUM,	      /* header bytes do not match their checksum */
	HDR_E_WAL_OFFSET,     /* WALOffset before the end of the header (0 included) */
	HDR_E_DATA_OFFSET,    /* DataOffset before the WAL or past the end of the file */
	HDR_E_DATA_SIZE,      /* data area runs past the end of the file */
	HDR_E_FILE_SIZE,      /* FileSize != DataOffset + DataSize */
	HDR_E_TAGDICT_RANGE,  /* TagDictOffset > 2^31 */
	HDR_E_TAGDICT,	      /* tag dictionary outside [FileSize, end of file) or corrupt */
	HDR_E_INDEX,	      /* index corrupt or pointing outside the data area */
	HDR_E_INDEX_COUNT,    /* index holds n entries, header says m */
	HDR_E_WAL,	      /* WAL entry corrupt or pointing outside the data area */
	HDR_E_WAL_OFFSET_ZERO, /* a writer found WALOffset 0 in its header */
	HDR_E_COUNT_MISMATCH, /* Close: index entries written != header EntityCount */
	HDR_E_FULL,	      /* WAL area full */
	HDR_E_BOUNDS,	      /* a write position past HDR_FILE_LIMIT */
	HDR_E_CLOSED,	      /* the store was closed */
	HDR_E_IO,	      /* a system call failed */
	HDR_E_RESOURCE,	      /* the system refused descriptors, memory or disk space */
	HDR_STATUS_COUNT_
} hdr_status;

const char *hdr_status_name(hdr_status s);
/* HDR_E_RESOURCE for an errno that says the system ran out of something
 * (EMFILE, ENFILE, ENOMEM, ENOSPC, EDQUOT, EAGAIN, EFBIG), else HDR_E_IO. */
hdr_status hdr_errno_status(int errnum);

typedef struct hdr_err {
	hdr_status code;
	char msg[192]; /* one line: what failed, with the values */
} hdr_err;

typedef struct hdr_header {
	uint64_t magic, version;
	uint64_t wal_offset, wal_sequence;
	uint64_t data_offset, data_size, file_size;
	uint64_t entity_count;
	uint64_t tagdict_offset;
	uint64_t last_modified;
	uint64_t checksum;
} hdr_header;

/* ---- on-disk format ---------------------------------------------------- */

uint64_t hdr_checksum(const uint8_t *p, size_t n);
uint64_t hdr_get64(const uint8_t *p);
void hdr_put64(uint8_t *p, uint64_t v);
/* Encodes h into HDR_SIZE bytes, computing the checksum (h->checksum ignored). */
void hdr_header_encode(const hdr_header *h, uint8_t out[HDR_SIZE]);
/* Decodes HDR_SIZE bytes as they are, checksum field included. */
void hdr_header_decode(const uint8_t in[HDR_SIZE], hdr_header *h);

/* Validates the header at buf[0..len) for a file of file_len bytes: size,
 * magic, version, checksum, WALOffset >= HDR_SIZE, DataOffset and the data
 * area inside the file, FileSize == DataOffset + DataSize, TagDictOffset
 * (0, or <= 2^31 with the tag dictionary inside the file). Fills *out on
 * HDR_OK. */
hdr_status hdr_validate_bytes(const uint8_t *buf, size_t len, uint64_t file_len, hdr_header *out,
			      hdr_err *err);

/* An entity as the index or the WAL locates it: its record at [off, off + len). */
typedef struct hdr_entity {
	uint64_t id, off, len;
} hdr_entity;

typedef struct hdr_wal_entry {
	uint64_t slot, seq;
	hdr_entity e;
	bool data_ok; /* the record at e.off still carries e's bytes (checksum) */
} hdr_wal_entry;

/* WAL entry {seq, id, off, len, record checksum, own checksum} for the record
 * bytes record[0..e->len); tag dictionary for an encoded index. */
void hdr_wal_entry_encode(uint8_t out[HDR_WAL_ENTRY_SIZE], uint64_t seq, const hdr_entity *e,
			  const uint8_t *record);
void hdr_tagdict_encode(uint8_t out[HDR_TAGDICT_SIZE], uint64_t count, const uint8_t *index,
			size_t index_len);

/* Loads the index of a closed file (h validated, tagdict_offset != 0) from
 * the whole file's bytes. *out is malloc'd (NULL when empty). */
hdr_status hdr_index_load_bytes(const hdr_header *h, const uint8_t *file, size_t file_len,
				hdr_entity **out, size_t *n, hdr_err *err);

/* Reads every non-empty WAL slot in file order. A slot that is not all zero
 * must carry a well-formed entry pointing inside the data region (up to
 * FileSize for a closed file, the end of the file otherwise). Entries whose
 * sequence does not match their slot are returned as found: judging file
 * order is the caller's property. *out is malloc'd (NULL when empty).
 *
 * Crash recovery: in a file left open (TagDictOffset 0) a slot whose
 * checksum field is still zero is a write the dead writer never finished,
 * so never acknowledged; it is skipped and counted in *n_torn. Any other
 * checksum mismatch, and a torn slot in a cleanly closed file, is
 * corruption (HDR_E_WAL). */
hdr_status hdr_wal_replay_bytes(const hdr_header *h, const uint8_t *file, size_t file_len,
				hdr_wal_entry **out, size_t *n, size_t *n_torn, hdr_err *err);

/* A reader's view of a file: validated header, index (closed file) and WAL. */
typedef struct hdr_image {
	const uint8_t *bytes;
	size_t len;
	uint8_t *owned;
	hdr_header h;
	bool closed; /* tagdict_offset != 0: the index is authoritative */
	hdr_entity *index;
	size_t n_index;
	hdr_wal_entry *wal;
	size_t n_wal;
	size_t n_torn; /* unfinished WAL writes dropped from a file left open */
} hdr_image;

/* Validates and loads bytes it does not copy (they must outlive img). On
 * failure img holds nothing and needs no hdr_image_free. */
hdr_status hdr_open_bytes(const uint8_t *buf, size_t len, hdr_image *img, hdr_err *err);
hdr_status hdr_open_file(const char *path, hdr_image *img, hdr_err *err);
void hdr_image_free(hdr_image *img);

/* Where a reader finds entity id: the index of a closed file, else the last
 * WAL entry naming it whose data is intact. */
bool hdr_image_find(const hdr_image *img, uint64_t id, hdr_entity *out);
/* The payload of a record (NULL with *len 0 when the record does not fit). */
const uint8_t *hdr_image_record(const hdr_image *img, const hdr_entity *e, uint64_t *stored_id,
				uint64_t *len);

/* ---- writers ------------------------------------------------------------ */

typedef enum hdr_variant {
	HDR_BUGGY,
	HDR_PATCHED,
	HDR_FIXED,
} hdr_variant;

/* A writer manager owns the file and its current writer; a checkpoint
 * replaces the writer with one reopened from disk. */
typedef struct hdr_mgr hdr_mgr;

/* What one put saw and did: the properties judge these. */
typedef struct hdr_ack {
	uint64_t wal_offset_seen; /* WALOffset the WAL write used */
	uint64_t seq;		  /* WAL sequence number it was given */
	uint64_t data_off, rec_len;
	uint64_t last_modified_before; /* LastModified when the put began */
	uint64_t last_modified_seen;   /* LastModified after its own update */
} hdr_ack;

/* What a variant logged about itself: ADR-039's "correcting HeaderSync". */
typedef struct hdr_log {
	uint64_t count_corrections; /* Close() auto-corrected EntityCount */
	uint64_t count_mismatches;  /* Close() found EntityCount wrong (buggy: left it) */
	uint64_t snapshot_restores; /* checkpoint restored the header from its snapshot */
	uint64_t wal_offset_defaults; /* WALOffset 0 replaced by HDR_SIZE on open */
	uint64_t index_dropped;	      /* index unreadable on open, writer started empty */
	char first[160];	      /* first warning, verbatim */
} hdr_log;

/* Creates a fresh file in dir (NULL: $TMPDIR or /tmp) whose WAL holds
 * wal_capacity entries, and opens its writer manager. */
hdr_status hdr_mgr_create(hdr_mgr **out, hdr_variant v, const char *dir, uint64_t wal_capacity,
			  hdr_err *err);
/* Opens the writer manager of an existing file (left in place by destroy).
 * The writer starts from the header and index on disk: rebuilding a file
 * left open from its WAL is the reader's job (hdr_open_file). */
hdr_status hdr_mgr_open(hdr_mgr **out, hdr_variant v, const char *path, hdr_err *err);
/* write_entity then write_wal_entry on the current writer. HDR_OK = the
 * entity's data and its WAL entry are written (survive a process crash). */
hdr_status hdr_mgr_put(hdr_mgr *m, uint64_t id, const uint8_t *payload, size_t len, hdr_ack *ack,
		       hdr_err *err);
/* Closes the current writer (index, header) and reopens one from disk.
 * Checkpoint and close are called from one thread (thread 0 in every
 * scenario): the buggy and patched variants' points rely on it
 * (hdr_mgr_put says how). */
hdr_status hdr_mgr_checkpoint(hdr_mgr *m, hdr_err *err);
/* Final close; later puts fail with HDR_E_CLOSED. */
hdr_status hdr_mgr_close(hdr_mgr *m, hdr_err *err);
const char *hdr_mgr_path(const hdr_mgr *m);
hdr_log hdr_mgr_log(hdr_mgr *m);
/* Frees everything; unlinks the file hdr_mgr_create made. */
void hdr_mgr_destroy(hdr_mgr *m);

#endif
