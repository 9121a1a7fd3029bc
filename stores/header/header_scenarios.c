/* SPDX-License-Identifier: MIT */
/* Scenarios on the header store: concurrent writers, checkpoint during
 * writes, close during writes and a generated mix, each written once and run
 * against buggy, patched and fixed. header.crash lives in header_crash.c.
 *
 * Properties (after a final Close, on the file reopened by the reader):
 *   - WALOffset is never observed 0 (checked by every put as it happens)
 *   - LastModified never decreases, per observer and on disk
 *   - WAL sequence numbers unique and strictly increasing in file order, and
 *     every acknowledged WAL entry still in its slot
 *   - EntityCount == entities acknowledged; DataSize == sum of their records
 *   - FileSize == DataOffset + DataSize (the reader's validation)
 *   - every acknowledged entity reads back, with its own bytes, from the index
 *
 * The patched variant's own log says it corrected EntityCount; its reports
 * quote that log next to the property that still fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "header_check.h"
#include "header_store.h"
#include "racehunt/props.h"
#include "racehunt/scenario.h"

typedef enum hs_kind {
	HS_WRITERS,    /* every thread puts */
	HS_CHECKPOINT, /* thread 0 alternates checkpoint and put */
	HS_CLOSE,      /* thread 0 closes the store halfway through its last round */
	HS_PROPS,      /* generated threads, ops, sizes and checkpoint rate */
} hs_kind;

typedef struct hs_op {
	hs_put put;
	bool acked;
} hs_op;

typedef struct hs_run {
	hdr_mgr *m;
	hs_kind kind;
	rh_params p;
	size_t per_thread; /* ops over all rounds; the limits keep it below 2^32 */
	hs_op *ops;	     /* [tid][op] */
	bool closed;	     /* thread 0 closed the store (HS_CLOSE, HS_PROPS) */
	/* HS_PROPS: the generated case. */
	unsigned gen_threads, gen_size, gen_ckpt_per_mille;
	unsigned *gen_ops;
	bool gen_close;
} hs_run;

#define MAX_PAYLOAD 4096u

static const hdr_variant variant_of[] = {HDR_BUGGY, HDR_PATCHED, HDR_FIXED};

static hs_run *run_new(const rh_params *p, unsigned variant, rh_trial *t, hs_kind kind)
{
	hs_run *r = calloc(1, sizeof *r);
	if (!r)
		return NULL;
	r->kind = kind;
	r->p = *p;
	if (r->p.size > MAX_PAYLOAD)
		r->p.size = MAX_PAYLOAD;
	r->per_thread = (size_t)p->ops * p->rounds;
	r->ops = calloc((size_t)p->threads * r->per_thread + 1, sizeof *r->ops);
	r->gen_ops = calloc(p->threads, sizeof *r->gen_ops);
	hdr_err err;
	uint64_t wal_slots = (uint64_t)p->threads * r->per_thread + 1;
	if (!r->ops || !r->gen_ops ||
	    hdr_mgr_create(&r->m, variant_of[variant], hs_temp_dir(), wal_slots, &err) != HDR_OK) {
		free(r->ops);
		free(r->gen_ops);
		free(r);
		return NULL;
	}
	if (kind == HS_PROPS) {
		rh_rng *rng = rh_trial_rng(t, 0);
		r->gen_threads = p->threads < 2 ? p->threads
						: 2 + (unsigned)rh_rng_below(rng, p->threads - 1);
		for (unsigned i = 0; i < r->gen_threads; i++)
			r->gen_ops[i] = 1 + (unsigned)rh_rng_below(rng, p->ops);
		r->gen_size = hs_payload_len(rng, r->p.size);
		r->gen_ckpt_per_mille = (unsigned)rh_rng_below(rng, 500);
		r->gen_close = rh_rng_below(rng, 2);
	}
	return r;
}

static void *setup_writers(const rh_params *p, unsigned v, rh_trial *t)
{
	return run_new(p, v, t, HS_WRITERS);
}
static void *setup_checkpoint(const rh_params *p, unsigned v, rh_trial *t)
{
	return run_new(p, v, t, HS_CHECKPOINT);
}
static void *setup_close(const rh_params *p, unsigned v, rh_trial *t)
{
	return run_new(p, v, t, HS_CLOSE);
}
static void *setup_props(const rh_params *p, unsigned v, rh_trial *t)
{
	return run_new(p, v, t, HS_PROPS);
}

static void teardown(void *state)
{
	hs_run *r = state;
	hdr_mgr_destroy(r->m);
	free(r->ops);
	free(r->gen_ops);
	free(r);
}

static void note(hs_run *r, char *buf, size_t cap)
{
	hdr_log log = hdr_mgr_log(r->m);
	hs_log_note(&log, buf, cap);
}

static void do_put(hs_run *r, unsigned tid, unsigned op, unsigned size, rh_trial *t)
{
	hs_op *o = &r->ops[(size_t)tid * r->per_thread + op];
	uint8_t buf[MAX_PAYLOAD];
	hdr_err err = {0};
	o->put.id = hs_make_id(tid, op);
	o->put.tid = tid;
	o->put.op = op;
	o->put.len = hs_payload_len(rh_trial_rng(t, tid), size);
	rh_payload_sign(buf, o->put.len, tid, op);
	hdr_status st = hdr_mgr_put(r->m, o->put.id, buf, o->put.len, &o->put.ack, &err);
	if (st == HDR_OK) {
		o->acked = true;
		return;
	}
	if (st == HDR_E_CLOSED && (r->kind == HS_CLOSE || r->kind == HS_PROPS))
		return; /* refused, not acknowledged: nothing is owed */
	if (hs_resource_failure(t, st, &err, "put"))
		return;
	if (st == HDR_E_WAL_OFFSET_ZERO)
		rh_violation(t, RH_INVARIANT,
			     "thread %u op %u observed WALOffset 0 in the writer's header (%s)", tid,
			     op, err.msg);
	else
		rh_violation(t, st == HDR_E_BOUNDS ? RH_OUT_OF_BOUNDS : RH_INVARIANT,
			     "thread %u op %u: put of %u bytes failed: %s", tid, op, o->put.len,
			     err.msg);
}

static void do_checkpoint(hs_run *r, unsigned tid, unsigned op, rh_trial *t)
{
	hdr_err err = {0};
	hdr_status st = hdr_mgr_checkpoint(r->m, &err);
	if (hs_resource_failure(t, st, &err, "checkpoint"))
		return;
	if (st != HDR_OK && !(st == HDR_E_CLOSED && r->closed))
		rh_violation(t, st == HDR_E_WAL_OFFSET ? RH_INVARIANT : RH_CORRUPTION,
			     "thread %u op %u: checkpoint failed: %s", tid, op, err.msg);
}

/* who: "thread 0 op 7" or "final" (check() closes what the threads left open). */
static void do_close(hs_run *r, const char *who, rh_trial *t)
{
	hdr_err err = {0};
	char n[320];
	hdr_status st = hdr_mgr_close(r->m, &err);
	r->closed = true;
	if (st == HDR_OK || hs_resource_failure(t, st, &err, "close"))
		return;
	note(r, n, sizeof n);
	rh_violation(t, st == HDR_E_COUNT_MISMATCH ? RH_LOST_UPDATE : RH_INVARIANT,
		     "%s close failed: %s%s", who, err.msg, n);
}

static void thread_close(hs_run *r, unsigned tid, unsigned op, rh_trial *t)
{
	char who[48];
	snprintf(who, sizeof who, "thread %u op %u:", tid, op);
	do_close(r, who, t);
}

static void thread_fn(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	hs_run *r = state;
	unsigned ops = r->p.ops, size = r->p.size;
	if (r->kind == HS_PROPS) {
		if (tid >= r->gen_threads)
			return;
		ops = r->gen_ops[tid];
		size = r->gen_size;
	}
	for (unsigned i = 0; i < ops; i++) {
		unsigned op = round * r->p.ops + i;
		bool last_round = round + 1 == r->p.rounds;
		if (tid == 0 && r->kind == HS_CHECKPOINT && i % 2 == 0) {
			do_checkpoint(r, tid, op, t);
			continue;
		}
		if (tid == 0 && r->kind == HS_CLOSE && last_round && i == ops / 2) {
			thread_close(r, tid, op, t);
			continue;
		}
		if (tid == 0 && r->kind == HS_PROPS) {
			if (r->gen_close && last_round && i + 1 == ops) {
				thread_close(r, tid, op, t);
				continue;
			}
			if (rh_rng_below(rh_trial_rng(t, 0), 1000) < r->gen_ckpt_per_mille) {
				do_checkpoint(r, tid, op, t);
				continue;
			}
		}
		do_put(r, tid, op, size, t);
	}
}

/* LastModified never decreases as each thread sees it: when a put begins
 * and after its own update, in the thread's program order. */
static void check_last_modified(hs_run *r, const char *n, rh_trial *t)
{
	for (unsigned tid = 0; tid < r->p.threads; tid++) {
		uint64_t last = 0;
		const hs_op *prev = NULL;
		for (unsigned op = 0; op < r->per_thread; op++) {
			const hs_op *o = &r->ops[(size_t)tid * r->per_thread + op];
			if (!o->acked)
				continue;
			const hdr_ack *a = &o->put.ack;
			const char *when = a->last_modified_before < last ? "began"
					   : a->last_modified_seen < last  ? "had updated it"
									   : NULL;
			if (when) {
				rh_violation(t, RH_MONOTONICITY,
					     "LastModified went back: thread %u saw %llu after its op "
					     "%u, then %llu when op %u %s%s",
					     tid, (unsigned long long)last, prev->put.op,
					     (unsigned long long)(a->last_modified_before < last
									  ? a->last_modified_before
									  : a->last_modified_seen),
					     op, when, n);
				return;
			}
			last = a->last_modified_seen;
			prev = o;
		}
	}
}

static void check(void *state, rh_trial *t)
{
	hs_run *r = state;
	char n[320];
	hdr_err err = {0};
	if (!r->closed)
		do_close(r, "final", t);
	note(r, n, sizeof n);
	check_last_modified(r, n, t);

	size_t total = (size_t)r->p.threads * r->per_thread, n_acked = 0;
	hs_put *acks = malloc((total + 1) * sizeof *acks);
	if (!acks)
		abort(); /* a harness that cannot check must not say "clean" */
	uint64_t data_sum = 0, lm_max = 0;
	const hs_put *lm_owner = NULL;
	for (size_t i = 0; i < total; i++) {
		if (!r->ops[i].acked)
			continue;
		const hs_put *a = &r->ops[i].put;
		acks[n_acked++] = *a;
		data_sum += a->ack.rec_len;
		if (a->ack.last_modified_seen >= lm_max) {
			lm_max = a->ack.last_modified_seen;
			lm_owner = a;
		}
	}
	rh_prop_result pr;
	hdr_image img;
	hdr_status st = hdr_open_file(hdr_mgr_path(r->m), &img, &err);
	if (hs_resource_failure(t, st, &err, "reopen after Close"))
		goto out;
	if (st != HDR_OK) {
		rh_violation(t, RH_CORRUPTION,
			     "reopen after Close failed: %s; %zu acknowledged entities unreadable%s",
			     err.msg, n_acked, n);
		goto out;
	}
	if (!rh_prop_conserved("EntityCount", n_acked, img.h.entity_count, &pr))
		rh_violation(t, pr.kind, "%s%s", pr.msg, n);
	if (!rh_prop_conserved("DataSize", data_sum, img.h.data_size, &pr))
		rh_violation(t, pr.kind, "%s%s", pr.msg, n);
	if (lm_owner && img.h.last_modified < lm_max)
		rh_violation(t, RH_MONOTONICITY,
			     "LastModified went back: %llu on disk after thread %u op %u saw %llu%s",
			     (unsigned long long)img.h.last_modified, lm_owner->tid, lm_owner->op,
			     (unsigned long long)lm_max, n);
	hs_check_wal(&img, acks, n_acked, n, t);
	hs_check_readback(&img, acks, n_acked, "from the index after Close", n, t);
	hdr_image_free(&img);
out:
	free(acks);
}

#define HS_SCENARIO(sym, nm, sum, vars, setup_fn, thr, ops_, rounds_, trials, limits_)                \
	static const rh_scenario sym = {                                                    \
		.name = nm,                                                                 \
		.summary = sum,                                                             \
		.variants = vars,                                                           \
		.n_variants = sizeof(vars) / sizeof(vars[0]),                               \
		.defaults = {.threads = thr, .ops = ops_, .rounds = rounds_, .size = 64},  \
		.max_threads = 32,                                                          \
		.stress_trials = trials,                                                    \
		.limits = {.max_ops = limits_, .max_size = MAX_PAYLOAD},                                                    \
		.setup = setup_fn,                                                          \
		.thread = thread_fn,                                                        \
		.check = check,                                                             \
		.teardown = teardown,                                                       \
	};                                                                                  \
	RH_SCENARIO(sym)

static const rh_variant writers_variants[] = {
	{"buggy", RH_EXPECT_DETECTED, "writers read-modify-write header fields with no sync"},
	{"patched", RH_EXPECT_CLEAN,
	 "ADR-038's HeaderSync lock does serialise writers of one Writer; its defects are at "
	 "checkpoint and close"},
	{"fixed", RH_EXPECT_CLEAN, "one locked header, atomic WAL sequence"},
};

static const rh_variant checkpoint_variants[] = {
	{"buggy", RH_EXPECT_DETECTED,
	 "checkpoint publishes a writer with a zero header (WALOffset 0) before loading it"},
	{"patched", RH_EXPECT_DETECTED,
	 "ADR-039 snapshot/validate/restore; puts still run on the writer being closed and "
	 "the reopened one reuses their WAL sequence numbers and data offsets"},
	{"fixed", RH_EXPECT_CLEAN, "checkpoint under an exclusive gate, no zero window"},
};

static const rh_variant close_variants[] = {
	{"buggy", RH_EXPECT_DETECTED,
	 "Close compares a stale EntityCount; puts racing the close are acknowledged and lost"},
	{"patched", RH_EXPECT_DETECTED,
	 "Close auto-corrects EntityCount to the index it wrote: the log says corrected, the "
	 "racing puts are still lost"},
	{"fixed", RH_EXPECT_CLEAN, "close takes the gate exclusively; later puts are refused"},
};

static const rh_variant props_variants[] = {
	{"buggy", RH_EXPECT_DETECTED, "all of the above, generated case"},
	{"patched", RH_EXPECT_DETECTED, "checkpoint and close races survive ADR-039"},
	{"fixed", RH_EXPECT_CLEAN, "every property holds"},
};

HS_SCENARIO(header_writers, "header.writers",
	    "concurrent writers update DataSize/FileSize/EntityCount/LastModified and the WAL "
	    "sequence",
	    writers_variants, setup_writers, 4, 50, 2, 200, 8192);
HS_SCENARIO(header_checkpoint, "header.checkpoint",
	    "thread 0 checkpoints (close + reopen from disk) between its puts while the others put",
	    checkpoint_variants, setup_checkpoint, 4, 50, 2, 200, 4096);
HS_SCENARIO(header_close, "header.close",
	    "thread 0 closes the store halfway through the last round while the others put",
	    close_variants, setup_close, 4, 50, 2, 200, 16384);
HS_SCENARIO(header_props, "header.props",
	    "generated thread count, ops, payload sizes, checkpoint rate and close; every "
	    "property",
	    props_variants, setup_props, 4, 40, 2, 200, 4096);
