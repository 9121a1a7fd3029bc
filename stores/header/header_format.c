/* SPDX-License-Identifier: MIT */
/* header store — the on-disk format and its readers.
 *
 * Everything here reads untrusted bytes: every offset is checked against the
 * buffer before use, with overflow-safe arithmetic, and a bad input yields a
 * distinct status plus a one-line message. The writers share nothing with
 * these functions except the encoders, so a fuzz target exercises exactly
 * what a reopen after a crash runs. */
#include "header_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const status_names[HDR_STATUS_COUNT_] = {
	[HDR_OK] = "ok",
	[HDR_E_TRUNCATED] = "truncated",
	[HDR_E_MAGIC] = "bad-magic",
	[HDR_E_VERSION] = "bad-version",
	[HDR_E_CHECKSUM] = "bad-checksum",
	[HDR_E_WAL_OFFSET] = "bad-wal-offset",
	[HDR_E_DATA_OFFSET] = "bad-data-offset",
	[HDR_E_DATA_SIZE] = "bad-data-size",
	[HDR_E_FILE_SIZE] = "bad-file-size",
	[HDR_E_TAGDICT_RANGE] = "tagdict-offset-out-of-range",
	[HDR_E_TAGDICT] = "bad-tagdict",
	[HDR_E_INDEX] = "bad-index",
	[HDR_E_INDEX_COUNT] = "index-count-mismatch",
	[HDR_E_WAL] = "bad-wal-entry",
	[HDR_E_WAL_OFFSET_ZERO] = "wal-offset-zero",
	[HDR_E_COUNT_MISMATCH] = "entity-count-mismatch",
	[HDR_E_FULL] = "wal-full",
	[HDR_E_BOUNDS] = "write-out-of-bounds",
	[HDR_E_CLOSED] = "closed",
	[HDR_E_IO] = "io-error",
	[HDR_E_RESOURCE] = "out-of-resources",
};

hdr_status hdr_errno_status(int errnum)
{
	switch (errnum) {
	case EMFILE:
	case ENFILE:
	case ENOMEM:
	case ENOSPC:
	case EDQUOT:
	case EAGAIN:
	case EFBIG:
		return HDR_E_RESOURCE;
	default:
		return HDR_E_IO;
	}
}

const char *hdr_status_name(hdr_status s)
{
	if ((unsigned)s >= HDR_STATUS_COUNT_)
		return "unknown";
	return status_names[s];
}

static hdr_status fail(hdr_err *err, hdr_status code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static hdr_status fail(hdr_err *err, hdr_status code, const char *fmt, ...)
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

/* FNV-1a, 64 bit: detects torn and foreign bytes, which is all we ask. */
uint64_t hdr_checksum(const uint8_t *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

uint64_t hdr_get64(const uint8_t *p)
{
	uint64_t v = 0;
	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

void hdr_put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* The checksum covers the ten fields before it. */
#define HDR_CHECKSUM_AT 80u

void hdr_header_encode(const hdr_header *h, uint8_t out[HDR_SIZE])
{
	const uint64_t f[10] = {h->magic,	  h->version,	  h->wal_offset,   h->wal_sequence,
				h->data_offset,	  h->data_size,	  h->file_size,	   h->entity_count,
				h->tagdict_offset, h->last_modified};
	memset(out, 0, HDR_SIZE);
	for (int i = 0; i < 10; i++)
		hdr_put64(out + 8 * i, f[i]);
	hdr_put64(out + HDR_CHECKSUM_AT, hdr_checksum(out, HDR_CHECKSUM_AT));
}

void hdr_header_decode(const uint8_t in[HDR_SIZE], hdr_header *h)
{
	h->magic = hdr_get64(in + 0);
	h->version = hdr_get64(in + 8);
	h->wal_offset = hdr_get64(in + 16);
	h->wal_sequence = hdr_get64(in + 24);
	h->data_offset = hdr_get64(in + 32);
	h->data_size = hdr_get64(in + 40);
	h->file_size = hdr_get64(in + 48);
	h->entity_count = hdr_get64(in + 56);
	h->tagdict_offset = hdr_get64(in + 64);
	h->last_modified = hdr_get64(in + 72);
	h->checksum = hdr_get64(in + HDR_CHECKSUM_AT);
}

hdr_status hdr_validate_bytes(const uint8_t *buf, size_t len, uint64_t file_len, hdr_header *out,
			      hdr_err *err)
{
	hdr_header h;
	if (len < HDR_SIZE || file_len < HDR_SIZE)
		return fail(err, HDR_E_TRUNCATED, "header truncated: %llu bytes, need %u",
			    (unsigned long long)(len < file_len ? len : file_len), HDR_SIZE);
	hdr_header_decode(buf, &h);
	if (h.magic != HDR_MAGIC)
		return fail(err, HDR_E_MAGIC, "not a header file: magic 0x%016llx",
			    (unsigned long long)h.magic);
	if (h.version != HDR_VERSION)
		return fail(err, HDR_E_VERSION, "unknown header version %llu (want %u)",
			    (unsigned long long)h.version, HDR_VERSION);
	uint64_t sum = hdr_checksum(buf, HDR_CHECKSUM_AT);
	if (h.checksum != sum)
		return fail(err, HDR_E_CHECKSUM, "header checksum 0x%016llx, bytes give 0x%016llx",
			    (unsigned long long)h.checksum, (unsigned long long)sum);
	if (h.wal_offset < HDR_SIZE)
		return fail(err, HDR_E_WAL_OFFSET,
			    "CORRUPTION DETECTED: Invalid WALOffset %llu (header is %u bytes)",
			    (unsigned long long)h.wal_offset, HDR_SIZE);
	if (h.data_offset < h.wal_offset || h.data_offset > file_len)
		return fail(err, HDR_E_DATA_OFFSET,
			    "DataOffset %llu outside [WALOffset %llu, end of file %llu]",
			    (unsigned long long)h.data_offset, (unsigned long long)h.wal_offset,
			    (unsigned long long)file_len);
	if (h.data_size > file_len - h.data_offset)
		return fail(err, HDR_E_DATA_SIZE,
			    "data area [%llu, +%llu) runs past the end of the file at %llu",
			    (unsigned long long)h.data_offset, (unsigned long long)h.data_size,
			    (unsigned long long)file_len);
	if (h.file_size != h.data_offset + h.data_size)
		return fail(err, HDR_E_FILE_SIZE, "FileSize %llu != DataOffset %llu + DataSize %llu",
			    (unsigned long long)h.file_size, (unsigned long long)h.data_offset,
			    (unsigned long long)h.data_size);
	if (h.tagdict_offset > HDR_TAGDICT_MAX)
		return fail(err, HDR_E_TAGDICT_RANGE,
			    "CORRUPTION DETECTED: Invalid TagDictOffset %llu (> 2^31)",
			    (unsigned long long)h.tagdict_offset);
	if (h.tagdict_offset != 0 &&
	    (h.tagdict_offset < h.file_size || h.tagdict_offset > file_len ||
	     file_len - h.tagdict_offset < HDR_TAGDICT_SIZE))
		return fail(err, HDR_E_TAGDICT,
			    "TagDictOffset %llu outside [FileSize %llu, end of file %llu - %u]",
			    (unsigned long long)h.tagdict_offset, (unsigned long long)h.file_size,
			    (unsigned long long)file_len, HDR_TAGDICT_SIZE);
	if (out)
		*out = h;
	return HDR_OK;
}

hdr_status hdr_index_load_bytes(const hdr_header *h, const uint8_t *file, size_t file_len,
				hdr_entity **out, size_t *n, hdr_err *err)
{
	*out = NULL;
	*n = 0;
	uint64_t td = h->tagdict_offset;
	if (td == 0 || td < h->file_size || td > file_len || file_len - td < HDR_TAGDICT_SIZE)
		return fail(err, HDR_E_TAGDICT, "no tag dictionary at %llu in a %zu-byte file",
			    (unsigned long long)td, file_len);
	const uint8_t *d = file + td;
	if (hdr_get64(d) != HDR_TAGDICT_MAGIC || hdr_get64(d + 24) != hdr_checksum(d, 24))
		return fail(err, HDR_E_TAGDICT, "tag dictionary at %llu is corrupt",
			    (unsigned long long)td);
	uint64_t count = hdr_get64(d + 8);
	uint64_t region = td - h->file_size;
	if (count > region / HDR_INDEX_ENTRY_SIZE || count * HDR_INDEX_ENTRY_SIZE != region)
		return fail(err, HDR_E_INDEX,
			    "index region [%llu, %llu) cannot hold the %llu entries the tag "
			    "dictionary counts",
			    (unsigned long long)h->file_size, (unsigned long long)td,
			    (unsigned long long)count);
	if (count != h->entity_count)
		return fail(err, HDR_E_INDEX_COUNT, "index holds %llu entries, header EntityCount %llu",
			    (unsigned long long)count, (unsigned long long)h->entity_count);
	const uint8_t *ix = file + h->file_size;
	if (hdr_get64(d + 16) != hdr_checksum(ix, (size_t)region))
		return fail(err, HDR_E_INDEX, "index checksum mismatch over [%llu, %llu)",
			    (unsigned long long)h->file_size, (unsigned long long)td);
	if (count == 0)
		return HDR_OK;
	hdr_entity *v = malloc(count * sizeof *v);
	if (!v)
		return fail(err, HDR_E_RESOURCE, "out of memory for %llu index entries",
			    (unsigned long long)count);
	uint64_t lo = h->data_offset, hi = h->file_size;
	for (uint64_t i = 0; i < count; i++) {
		const uint8_t *p = ix + i * HDR_INDEX_ENTRY_SIZE;
		v[i] = (hdr_entity){hdr_get64(p), hdr_get64(p + 8), hdr_get64(p + 16)};
		if (v[i].off < lo || v[i].len < HDR_RECORD_HEAD || v[i].off > hi ||
		    v[i].len > hi - v[i].off) {
			hdr_status st = fail(err, HDR_E_INDEX,
					     "index entry %llu (entity 0x%llx) points at [%llu, +%llu), "
					     "outside the data area [%llu, %llu)",
					     (unsigned long long)i, (unsigned long long)v[i].id,
					     (unsigned long long)v[i].off, (unsigned long long)v[i].len,
					     (unsigned long long)lo, (unsigned long long)hi);
			free(v);
			return st;
		}
	}
	*out = v;
	*n = count;
	return HDR_OK;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* A slot whose write a killed process left unfinished: the kernel copies a
 * write page by page and stops at a fatal signal, so a slot straddling a page
 * boundary can hold its leading bytes and the zeros it had before, the
 * checksum among them. */
static bool torn_write(const uint8_t *slot)
{
	return all_zero(slot + 40, 8);
}

hdr_status hdr_wal_replay_bytes(const hdr_header *h, const uint8_t *file, size_t file_len,
				hdr_wal_entry **out, size_t *n, size_t *n_torn, hdr_err *err)
{
	*out = NULL;
	*n = 0;
	*n_torn = 0;
	if (h->wal_offset < HDR_SIZE || h->data_offset < h->wal_offset || h->data_offset > file_len)
		return fail(err, HDR_E_WAL, "WAL area [%llu, %llu) is not inside the file",
			    (unsigned long long)h->wal_offset, (unsigned long long)h->data_offset);
	uint64_t slots = (h->data_offset - h->wal_offset) / HDR_WAL_ENTRY_SIZE;
	uint64_t lo = h->data_offset;
	uint64_t hi = h->tagdict_offset ? h->file_size : file_len;
	if (hi > file_len)
		hi = file_len;
	hdr_wal_entry *v = NULL;
	size_t cnt = 0, cap = 0;
	hdr_status st = HDR_OK;
	for (uint64_t s = 0; s < slots; s++) {
		const uint8_t *p = file + h->wal_offset + s * HDR_WAL_ENTRY_SIZE;
		if (all_zero(p, HDR_WAL_ENTRY_SIZE))
			continue;
		if (hdr_get64(p + 40) != hdr_checksum(p, 40)) {
			if (!h->tagdict_offset && torn_write(p)) {
				(*n_torn)++;
				continue;
			}
			st = fail(err, HDR_E_WAL, "WAL slot %llu at %llu: entry checksum mismatch%s",
				  (unsigned long long)s,
				  (unsigned long long)(h->wal_offset + s * HDR_WAL_ENTRY_SIZE),
				  torn_write(p) ? " (torn write in a file closed cleanly)" : "");
			goto out;
		}
		hdr_wal_entry e = {.slot = s,
				   .seq = hdr_get64(p),
				   .e = {hdr_get64(p + 8), hdr_get64(p + 16), hdr_get64(p + 24)}};
		if (e.e.off < lo || e.e.len < HDR_RECORD_HEAD || e.e.off > hi || e.e.len > hi - e.e.off) {
			st = fail(err, HDR_E_WAL,
				  "WAL slot %llu (seq %llu, entity 0x%llx) points at [%llu, +%llu), "
				  "outside the data area [%llu, %llu)",
				  (unsigned long long)s, (unsigned long long)e.seq,
				  (unsigned long long)e.e.id, (unsigned long long)e.e.off,
				  (unsigned long long)e.e.len, (unsigned long long)lo,
				  (unsigned long long)hi);
			goto out;
		}
		e.data_ok = hdr_checksum(file + e.e.off, (size_t)e.e.len) == hdr_get64(p + 32);
		if (cnt == cap) {
			size_t ncap = cap ? 2 * cap : 64;
			hdr_wal_entry *nv = realloc(v, ncap * sizeof *nv);
			if (!nv) {
				st = fail(err, HDR_E_RESOURCE, "out of memory replaying the WAL");
				goto out;
			}
			v = nv;
			cap = ncap;
		}
		v[cnt++] = e;
	}
out:
	if (st != HDR_OK) {
		free(v);
		*n_torn = 0;
		return st;
	}
	*out = v;
	*n = cnt;
	return HDR_OK;
}

hdr_status hdr_open_bytes(const uint8_t *buf, size_t len, hdr_image *img, hdr_err *err)
{
	memset(img, 0, sizeof *img);
	img->bytes = buf;
	img->len = len;
	hdr_status st = hdr_validate_bytes(buf, len, len, &img->h, err);
	if (st != HDR_OK)
		return st;
	img->closed = img->h.tagdict_offset != 0;
	if (img->closed)
		st = hdr_index_load_bytes(&img->h, buf, len, &img->index, &img->n_index, err);
	if (st == HDR_OK)
		st = hdr_wal_replay_bytes(&img->h, buf, len, &img->wal, &img->n_wal, &img->n_torn,
					  err);
	if (st != HDR_OK)
		hdr_image_free(img);
	return st;
}

hdr_status hdr_open_file(const char *path, hdr_image *img, hdr_err *err)
{
	memset(img, 0, sizeof *img);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return fail(err, hdr_errno_status(errno), "open %s: %s", path, strerror(errno));
	hdr_status st = HDR_OK;
	struct stat sb;
	uint8_t *buf = NULL;
	if (fstat(fd, &sb) != 0 || (uint64_t)sb.st_size > HDR_FILE_LIMIT) {
		st = fail(err, HDR_E_IO, "%s: cannot size it or larger than %llu bytes", path,
			  (unsigned long long)HDR_FILE_LIMIT);
		goto out;
	}
	size_t len = (size_t)sb.st_size;
	buf = malloc(len ? len : 1);
	if (!buf) {
		st = fail(err, HDR_E_RESOURCE, "out of memory reading %s", path);
		goto out;
	}
	size_t got = 0;
	while (got < len) {
		ssize_t r = pread(fd, buf + got, len - got, (off_t)got);
		if (r <= 0) {
			st = fail(err, r ? hdr_errno_status(errno) : HDR_E_IO, "read %s: %s", path,
				  r ? strerror(errno) : "short");
			goto out;
		}
		got += (size_t)r;
	}
	st = hdr_open_bytes(buf, len, img, err);
	if (st == HDR_OK) {
		img->owned = buf;
		buf = NULL;
	}
out:
	free(buf);
	close(fd);
	return st;
}

void hdr_image_free(hdr_image *img)
{
	free(img->index);
	free(img->wal);
	free(img->owned);
	memset(img, 0, sizeof *img);
}

bool hdr_image_find(const hdr_image *img, uint64_t id, hdr_entity *out)
{
	if (img->closed) {
		for (size_t i = 0; i < img->n_index; i++)
			if (img->index[i].id == id) {
				*out = img->index[i];
				return true;
			}
		return false;
	}
	for (size_t i = img->n_wal; i-- > 0;)
		if (img->wal[i].e.id == id && img->wal[i].data_ok) {
			*out = img->wal[i].e;
			return true;
		}
	return false;
}

const uint8_t *hdr_image_record(const hdr_image *img, const hdr_entity *e, uint64_t *stored_id,
				uint64_t *len)
{
	*stored_id = 0;
	*len = 0;
	if (e->off > img->len || e->len < HDR_RECORD_HEAD || e->len > img->len - e->off)
		return NULL;
	const uint8_t *p = img->bytes + e->off;
	*stored_id = hdr_get64(p);
	if (hdr_get64(p + 8) != e->len - HDR_RECORD_HEAD)
		return NULL;
	*len = e->len - HDR_RECORD_HEAD;
	return p + HDR_RECORD_HEAD;
}

void hdr_wal_entry_encode(uint8_t out[HDR_WAL_ENTRY_SIZE], uint64_t seq, const hdr_entity *e,
			  const uint8_t *record)
{
	hdr_put64(out, seq);
	hdr_put64(out + 8, e->id);
	hdr_put64(out + 16, e->off);
	hdr_put64(out + 24, e->len);
	hdr_put64(out + 32, hdr_checksum(record, (size_t)e->len));
	hdr_put64(out + 40, hdr_checksum(out, 40));
}

void hdr_tagdict_encode(uint8_t out[HDR_TAGDICT_SIZE], uint64_t count, const uint8_t *index,
			size_t index_len)
{
	hdr_put64(out, HDR_TAGDICT_MAGIC);
	hdr_put64(out + 8, count);
	hdr_put64(out + 16, hdr_checksum(index, index_len));
	hdr_put64(out + 24, hdr_checksum(out, 24));
}
