/* SPDX-License-Identifier: MIT */
/* Shared pieces of the reader fuzzers: structured file images and the
 * promises every reader keeps. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_reader.h"

#define MAX_SLOTS 8u
#define MAX_INDEX 6u
#define MAX_DATA 512u

void fuzz_reader_fail(const char *fmt, ...)
{
	va_list ap;

	fputs("reader fuzz: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

void fuzz_reader_check_err(const char *reader, hdr_status st, const hdr_err *err)
{
	if (st == HDR_OK)
		return;
	if ((unsigned)st >= HDR_STATUS_COUNT_)
		fuzz_reader_fail("%s returned unknown status %d", reader, (int)st);
	if (err->code != st)
		fuzz_reader_fail("%s returned %s but its error says %s", reader, hdr_status_name(st),
				 hdr_status_name(err->code));
	if (err->msg[0] == '\0' || strchr(err->msg, '\n') != NULL)
		fuzz_reader_fail("%s: %s without a one-line message: '%s'", reader,
				 hdr_status_name(st), err->msg);
}

static void check_entity(const hdr_image *img, const hdr_entity *e, uint64_t hi, const char *from)
{
	uint64_t stored_id, len;
	const uint8_t *rec;

	if (e->off < img->h.data_offset || e->off > hi || e->len > hi - e->off)
		fuzz_reader_fail("%s entity 0x%llx at [%llu, +%llu) is outside the data area "
				 "[%llu, %llu)",
				 from, (unsigned long long)e->id, (unsigned long long)e->off,
				 (unsigned long long)e->len, (unsigned long long)img->h.data_offset,
				 (unsigned long long)hi);
	rec = hdr_image_record(img, e, &stored_id, &len);
	/* Touch every byte the reader handed out: ASan judges the bounds. */
	for (uint64_t i = 0; rec != NULL && i < len; i++)
		stored_id += rec[i];
	(void)stored_id;
}

void fuzz_reader_check_image(const hdr_image *img)
{
	uint64_t hi = img->closed ? img->h.file_size : img->len;
	hdr_entity found;

	if (img->closed && img->n_torn)
		fuzz_reader_fail("closed file accepted with %zu torn WAL writes", img->n_torn);
	if (img->closed && img->n_index != img->h.entity_count)
		fuzz_reader_fail("closed file accepted with %zu index entries, EntityCount %llu",
				 img->n_index, (unsigned long long)img->h.entity_count);
	for (size_t i = 0; i < img->n_index; i++) {
		check_entity(img, &img->index[i], img->h.file_size, "index");
		if (!hdr_image_find(img, img->index[i].id, &found))
			fuzz_reader_fail("index entity 0x%llx is not found by hdr_image_find",
					 (unsigned long long)img->index[i].id);
	}
	for (size_t i = 0; i < img->n_wal; i++) {
		const hdr_wal_entry *w = &img->wal[i];

		check_entity(img, &w->e, hi, "WAL");
		if (w->slot >= (img->h.data_offset - img->h.wal_offset) / HDR_WAL_ENTRY_SIZE)
			fuzz_reader_fail("WAL entry from slot %llu past the WAL area",
					 (unsigned long long)w->slot);
		if (!img->closed && w->data_ok && !hdr_image_find(img, w->e.id, &found))
			fuzz_reader_fail("intact WAL entity 0x%llx is not found by hdr_image_find",
					 (unsigned long long)w->e.id);
	}
}

/* Input bytes into dst, zeros once the input runs out. */
static void fill(rh_input *in, uint8_t *dst, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dst[i] = rh_input_u8(in);
}

void fuzz_file_build(rh_input *in, int closed, fuzz_file *f)
{
	uint8_t repairs, skew;
	uint64_t n_index = 0, data_len, ix_at, td_at;
	hdr_header *h = &f->h;
	uint8_t *p;

	memset(f, 0, sizeof(*f));
	repairs = rh_input_u8(in);
	skew = rh_input_u8(in);
	if (closed < 0)
		closed = rh_input_u8(in) & 1;
	f->n_slots = rh_input_choice(in, MAX_SLOTS + 1);
	if (closed)
		n_index = rh_input_choice(in, MAX_INDEX + 1);
	data_len = rh_input_choice(in, MAX_DATA + 1);

	*h = (hdr_header){.magic = HDR_MAGIC, .version = HDR_VERSION, .wal_offset = HDR_SIZE};
	h->wal_sequence = f->n_slots;
	h->data_offset = h->wal_offset + f->n_slots * HDR_WAL_ENTRY_SIZE;
	h->data_size = data_len;
	h->file_size = h->data_offset + data_len;
	h->entity_count = n_index;
	ix_at = h->file_size;
	td_at = ix_at + n_index * HDR_INDEX_ENTRY_SIZE;
	h->tagdict_offset = closed ? td_at : 0;
	f->len = (size_t)(closed ? td_at + HDR_TAGDICT_SIZE : h->file_size);
	f->bytes = p = malloc(f->len);
	if (p == NULL)
		fuzz_reader_fail("out of memory for a %zu-byte image", f->len);
	fill(in, p + HDR_SIZE, f->len - HDR_SIZE);

	/* Repair 1: WAL entries point inside the data area (offset and length
	 * taken modulo it) and carry valid checksums. Repair 4: the record heads
	 * they point at store the length they claim, so hdr_image_record hands
	 * out payloads. */
	for (uint64_t s = 0; (repairs & 1) && data_len >= HDR_RECORD_HEAD && s < f->n_slots; s++) {
		uint8_t *w = p + h->wal_offset + s * HDR_WAL_ENTRY_SIZE;
		hdr_entity e = {hdr_get64(w + 8), hdr_get64(w + 16), hdr_get64(w + 24)};

		e.off = h->data_offset + e.off % (data_len - HDR_RECORD_HEAD + 1);
		e.len = HDR_RECORD_HEAD + e.len % (h->file_size - e.off - HDR_RECORD_HEAD + 1);
		if (repairs & 4)
			hdr_put64(p + e.off + 8, e.len - HDR_RECORD_HEAD);
		hdr_wal_entry_encode(w, hdr_get64(w), &e, p + e.off);
	}
	/* Repair 2: the same for index entries, then a tag dictionary that
	 * counts and checksums the index. */
	if (closed && (repairs & 2)) {
		for (uint64_t i = 0; i < n_index && data_len >= HDR_RECORD_HEAD; i++) {
			uint8_t *x = p + ix_at + i * HDR_INDEX_ENTRY_SIZE;
			uint64_t off = h->data_offset + hdr_get64(x + 8) % (data_len - HDR_RECORD_HEAD + 1);
			uint64_t len = HDR_RECORD_HEAD +
				       hdr_get64(x + 16) % (h->file_size - off - HDR_RECORD_HEAD + 1);

			hdr_put64(x + 8, off);
			hdr_put64(x + 16, len);
			if (repairs & 4)
				hdr_put64(p + off + 8, len - HDR_RECORD_HEAD);
		}
		hdr_tagdict_encode(p + td_at, n_index, p + ix_at, (size_t)(td_at - ix_at));
	}
	/* Skew: one header field replaced by an input value, near the real one
	 * or anywhere, to probe each validation edge. */
	if (skew & 0x80) {
		uint64_t *fields[] = {&h->wal_offset, &h->data_offset, &h->data_size, &h->file_size,
				      &h->entity_count, &h->tagdict_offset, &h->magic, &h->version};
		uint64_t *field = fields[skew % (sizeof(fields) / sizeof(fields[0]))];
		uint32_t v = rh_input_u32(in);

		*field = (skew & 0x40) ? *field + (uint64_t)(int32_t)v : (uint64_t)v << (skew & 0x20);
	}
	hdr_header_encode(h, p);
}

void fuzz_file_free(fuzz_file *f)
{
	free(f->bytes);
	f->bytes = NULL;
}
