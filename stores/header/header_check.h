/* SPDX-License-Identifier: MIT */
/* This file is private to the header store's scenarios.
 *
 * What a put acknowledged, and the properties every header scenario checks
 * against a reopened file. */
#ifndef RH_HEADER_CHECK_H
#define RH_HEADER_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "header_store.h"
#include "racehunt/scenario.h"

/* A put the store acknowledged: data and WAL entry written. */
typedef struct hs_put {
	uint64_t id;
	unsigned tid, op;
	uint32_t len; /* payload bytes */
	hdr_ack ack;
} hs_put;

/* Entity id of op `op` of thread `tid`: both visible in a hex dump. */
uint64_t hs_make_id(unsigned tid, unsigned op);
/* Payload length in [RH_PAYLOAD_MIN, max(size, RH_PAYLOAD_MIN)]. */
uint32_t hs_payload_len(rh_rng *rng, unsigned size);

/* Where the scenarios put their files: $TMPDIR when set, else /dev/shm
 * when writable, else /tmp. A tmpfs keeps the page cache (all a process
 * crash leaves behind) without disk stalls, which on a loaded machine held a
 * pwrite for over a second and tripped the stress watchdog as a false HANG. */
const char *hs_temp_dir(void);
/* A store call that failed for want of a resource (HDR_E_RESOURCE: file
 * descriptors, memory, disk space) is the trial's failure to run, not a
 * violation: reported through rh_trial_error; true when st was one. */
bool hs_resource_failure(rh_trial *t, hdr_status st, const hdr_err *err, const char *what);

/* " [store log: ...]" when the variant logged warnings, else "": a report on
 * the patched variant quotes the corrections it believed it made. */
void hs_log_note(const hdr_log *log, char *buf, size_t cap);

/* Every acknowledged put is readable from img with its own bytes. One
 * violation summarises the misses (RH_NOT_FOUND) and one the foreign bytes
 * (RH_CORRUPTION). Returns how many puts failed either way. */
size_t hs_check_readback(const hdr_image *img, const hs_put *acks, size_t n, const char *when,
			 const char *note, rh_trial *t);

/* WAL sequence numbers: unique among acknowledged puts, strictly increasing
 * in file order, and each acknowledged one still names its entity. */
void hs_check_wal(const hdr_image *img, const hs_put *acks, size_t n, const char *note,
		  rh_trial *t);

#endif
