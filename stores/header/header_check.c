/* SPDX-License-Identifier: MIT */
/* Properties of the header store, checked against a reopened file. */
#include "header_check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "racehunt/props.h"

uint64_t hs_make_id(unsigned tid, unsigned op)
{
	return ((uint64_t)(tid + 1) << 32) | (op + 1);
}

uint32_t hs_payload_len(rh_rng *rng, unsigned size)
{
	unsigned max = size < RH_PAYLOAD_MIN ? RH_PAYLOAD_MIN : size;
	return RH_PAYLOAD_MIN + (uint32_t)rh_rng_below(rng, max - RH_PAYLOAD_MIN + 1);
}

bool hs_resource_failure(rh_trial *t, hdr_status st, const hdr_err *err, const char *what)
{
	if (st != HDR_E_RESOURCE)
		return false;
	rh_trial_error(t, "%s: %s", what, err->msg);
	return true;
}

const char *hs_temp_dir(void)
{
	const char *dir = getenv("TMPDIR");
	if (dir && *dir)
		return dir;
	return access("/dev/shm", W_OK | X_OK) == 0 ? "/dev/shm" : "/tmp";
}

void hs_log_note(const hdr_log *log, char *buf, size_t cap)
{
	buf[0] = 0;
	if (!log->first[0])
		return;
	snprintf(buf, cap,
		 " [store log: %llu EntityCount auto-corrections, %llu count mismatches, %llu "
		 "snapshot restores, %llu WALOffset defaults, %llu indexes dropped; first: \"%s\"]",
		 (unsigned long long)log->count_corrections,
		 (unsigned long long)log->count_mismatches,
		 (unsigned long long)log->snapshot_restores,
		 (unsigned long long)log->wal_offset_defaults,
		 (unsigned long long)log->index_dropped, log->first);
}

size_t hs_check_readback(const hdr_image *img, const hs_put *acks, size_t n, const char *when,
			 const char *note, rh_trial *t)
{
	size_t missing = 0, foreign = 0;
	const hs_put *first_missing = NULL, *first_foreign = NULL;
	char why[RH_PROP_MSG_MAX] = "";
	for (size_t i = 0; i < n; i++) {
		const hs_put *a = &acks[i];
		hdr_entity e;
		if (!hdr_image_find(img, a->id, &e)) {
			if (!missing++)
				first_missing = a;
			continue;
		}
		uint64_t stored, len;
		const uint8_t *p = hdr_image_record(img, &e, &stored, &len);
		rh_prop_result r;
		bool ok = p && stored == a->id &&
			  rh_payload_verify(p, (size_t)len, a->tid, a->op, a->len, &r);
		if (ok)
			continue;
		if (!foreign++) {
			first_foreign = a;
			if (!p)
				snprintf(why, sizeof why,
					 "record at %llu is not a %u-byte record (it names entity "
					 "%#llx)",
					 (unsigned long long)e.off, a->len,
					 (unsigned long long)stored);
			else if (stored != a->id)
				snprintf(why, sizeof why, "record at %llu belongs to entity %#llx",
					 (unsigned long long)e.off, (unsigned long long)stored);
			else
				snprintf(why, sizeof why, "%s", r.msg);
		}
	}
	if (missing)
		rh_violation(t, RH_NOT_FOUND,
			     "%zu of %zu acknowledged entities missing %s; first: thread %u op %u "
			     "(entity %#llx, WAL seq %llu, data at %llu)%s",
			     missing, n, when, first_missing->tid, first_missing->op,
			     (unsigned long long)first_missing->id,
			     (unsigned long long)first_missing->ack.seq,
			     (unsigned long long)first_missing->ack.data_off, note);
	if (foreign)
		rh_violation(t, RH_CORRUPTION,
			     "%zu of %zu acknowledged entities read back wrong %s; first: thread %u "
			     "op %u (entity %#llx): %s%s",
			     foreign, n, when, first_foreign->tid, first_foreign->op,
			     (unsigned long long)first_foreign->id, why, note);
	return missing + foreign;
}

void hs_check_wal(const hdr_image *img, const hs_put *acks, size_t n, const char *note,
		  rh_trial *t)
{
	rh_prop_result r;
	rh_value *seqs = malloc((n ? n : 1) * sizeof *seqs);
	uint64_t *order = malloc((img->n_wal ? img->n_wal : 1) * sizeof *order);
	if (!seqs || !order)
		abort(); /* a harness that cannot check must not say "clean" */
	for (size_t i = 0; i < n; i++)
		seqs[i] = (rh_value){acks[i].ack.seq, acks[i].tid, acks[i].op};
	if (!rh_prop_unique("WAL sequence number", seqs, n, &r))
		rh_violation(t, r.kind, "%s%s", r.msg, note);

	for (size_t i = 0; i < img->n_wal; i++)
		order[i] = img->wal[i].seq;
	if (!rh_prop_increasing("WAL sequence numbers in file order", order, img->n_wal, true, &r))
		rh_violation(t, r.kind, "%s%s", r.msg, note);

	/* The entry with sequence s lives in slot s - 1. */
	size_t lost = 0;
	const hs_put *first = NULL;
	uint64_t found_id = 0;
	for (size_t i = 0; i < n; i++) {
		const hs_put *a = &acks[i];
		uint64_t slot = a->ack.seq - 1, got = 0;
		size_t j = 0;
		while (j < img->n_wal && img->wal[j].slot < slot)
			j++;
		if (j < img->n_wal && img->wal[j].slot == slot) {
			got = img->wal[j].e.id;
			if (got == a->id)
				continue;
		}
		if (!lost++) {
			first = a;
			found_id = got;
		}
	}
	if (lost) {
		char holds[48] = "is empty";
		if (found_id)
			snprintf(holds, sizeof holds, "holds entity %#llx",
				 (unsigned long long)found_id);
		rh_violation(t, RH_LOST_UPDATE,
			     "%zu of %zu acknowledged WAL entries overwritten or gone; first: thread "
			     "%u op %u's seq %llu, whose slot %s%s",
			     lost, n, first->tid, first->op, (unsigned long long)first->ack.seq, holds,
			     note);
	}
	free(seqs);
	free(order);
}
