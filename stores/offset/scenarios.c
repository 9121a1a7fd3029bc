/* SPDX-License-Identifier: MIT */
/* Scenarios on the offset store: the seven kinds of the Task 017 test plan,
 * each written once and run against all three variants. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "offset.h"
#include "racehunt/props.h"
#include "racehunt/scenario.h"

#define MAX_PAYLOAD 4096u

static const rh_variant writer_variants[] = {
	{"buggy", RH_EXPECT_DETECTED, "offset from a relaxed load of entry_count, fetch_add last"},
	{"fixed-atomic", RH_EXPECT_CLEAN, "fetch_add first, offset from its result"},
	{"fixed-locked", RH_EXPECT_CLEAN, "one allocator lock around read-compute-bump"},
};

/* Read-only or single-writer workloads cannot collide: every variant is
 * expected clean, as the original's passing tests 2 and 4 were. */
static const rh_variant reader_variants[] = {
	{"buggy", RH_EXPECT_CLEAN, "same store; no concurrent writers, so the race cannot fire"},
	{"fixed-atomic", RH_EXPECT_CLEAN, "fetch_add first, offset from its result"},
	{"fixed-locked", RH_EXPECT_CLEAN, "one allocator lock around read-compute-bump"},
};

typedef struct put_record {
	uint64_t id;
	uint64_t block_at;
	uint64_t content_at;
	uint32_t len;
	bool acked;
} put_record;

typedef enum workload {
	WL_WRITERS, /* every thread writes */
	WL_READERS, /* prepopulated, every thread reads */
	WL_MIXED,   /* even threads write, odd threads read what is published */
	WL_HOTSPOT, /* thread 0 appends, the rest hammer a few hot keys */
	WL_DIES,    /* thread 0 dies inside the content lock in round 0 */
	WL_PROPS,   /* generated thread count, ops and sizes */
} workload;

typedef struct offset_run {
	offset_store store;
	workload kind;
	rh_params p;
	size_t ops_per_thread; /* over all rounds; the limits keep it below 2^32 */
	put_record *hist;	 /* [thread][op] */
	rh_atomic_u64 *published; /* per writer: records 0..n-1 are acknowledged */
	unsigned prepopulated;
	put_record *prepop;
	/* WL_PROPS: the generated case. */
	unsigned gen_threads;
	unsigned *gen_ops;
	unsigned gen_max_size;
} offset_run;

static uint64_t make_id(unsigned tid, unsigned op)
{
	return ((uint64_t)(tid + 1) << 32) | (op + 1);
}

static put_record *record_of(offset_run *r, unsigned tid, unsigned op)
{
	return &r->hist[(size_t)tid * r->ops_per_thread + op];
}

static unsigned payload_len(rh_rng *rng, unsigned max)
{
	if (max < RH_PAYLOAD_MIN)
		max = RH_PAYLOAD_MIN;
	return RH_PAYLOAD_MIN + (unsigned)rh_rng_below(rng, max - RH_PAYLOAD_MIN + 1);
}

static void die_in_round_zero(void *arg, unsigned writer)
{
	(void)arg;
	if (writer == 0)
		rh_thread_die();
}

static offset_run *run_new(const rh_params *p, unsigned variant, rh_trial *t, workload kind)
{
	offset_run *r = calloc(1, sizeof(*r));
	unsigned size = p->size > MAX_PAYLOAD ? MAX_PAYLOAD : p->size;
	uint64_t entries;

	if (r == NULL)
		return NULL;
	r->kind = kind;
	r->p = *p;
	r->p.size = size < RH_PAYLOAD_MIN ? RH_PAYLOAD_MIN : size;
	r->ops_per_thread = (size_t)p->ops * p->rounds;
	if (kind == WL_READERS || kind == WL_HOTSPOT)
		r->prepopulated = kind == WL_HOTSPOT ? 4 : 256;
	entries = (uint64_t)p->threads * r->ops_per_thread + r->prepopulated;
	r->hist = calloc(entries - r->prepopulated + 1, sizeof(*r->hist));
	r->published = calloc(p->threads, sizeof(*r->published));
	r->prepop = calloc(r->prepopulated + 1, sizeof(*r->prepop));
	r->gen_ops = calloc(p->threads, sizeof(*r->gen_ops));
	if (!r->hist || !r->published || !r->prepop || !r->gen_ops ||
	    offset_store_open(&r->store, (offset_variant)variant, entries,
			      (size_t)entries * r->p.size) != 0)
		goto fail;
	for (unsigned i = 0; i < p->threads; i++)
		rh_atomic_init(&r->published[i], "published", 0);
	if (kind == WL_DIES) {
		r->store.inside_content_lock = die_in_round_zero;
		r->store.hook_arg = r;
	}
	if (kind == WL_PROPS) {
		rh_rng *rng = rh_trial_rng(t, 0);

		r->gen_threads = p->threads < 2 ? p->threads
						: 2 + (unsigned)rh_rng_below(rng, p->threads - 1);
		r->gen_max_size = payload_len(rng, r->p.size);
		for (unsigned i = 0; i < r->gen_threads; i++)
			r->gen_ops[i] = 1 + (unsigned)rh_rng_below(rng, r->ops_per_thread);
	}
	/* Prepopulation runs before any thread starts, with no runtime attached. */
	for (unsigned i = 0; i < r->prepopulated; i++) {
		uint8_t buf[MAX_PAYLOAD];
		put_record *rec = &r->prepop[i];

		rec->id = make_id(p->threads, i);
		rec->len = payload_len(rh_trial_rng(t, 0), r->p.size);
		rh_payload_sign(buf, rec->len, p->threads, i);
		if (offset_put(&r->store, rec->id, buf, rec->len, p->threads, i, &rec->block_at,
			       &rec->content_at) != OFFSET_OK)
			goto fail;
		rec->acked = true;
	}
	return r;
fail:
	if (r->store.region)
		offset_store_close(&r->store);
	free(r->hist);
	free(r->published);
	free(r->prepop);
	free(r->gen_ops);
	free(r);
	return NULL;
}

static void *setup_writers(const rh_params *p, unsigned v, rh_trial *t)
{
	return run_new(p, v, t, WL_WRITERS);
}
static void *setup_readers(const rh_params *p, unsigned v, rh_trial *t)
{
	return run_new(p, v, t, WL_READERS);
}
static void *setup_mixed(const rh_params *p, unsigned v, rh_trial *t)
{
	return run_new(p, v, t, WL_MIXED);
}
static void *setup_hotspot(const rh_params *p, unsigned v, rh_trial *t)
{
	return run_new(p, v, t, WL_HOTSPOT);
}
static void *setup_dies(const rh_params *p, unsigned v, rh_trial *t)
{
	return run_new(p, v, t, WL_DIES);
}
static void *setup_props(const rh_params *p, unsigned v, rh_trial *t)
{
	return run_new(p, v, t, WL_PROPS);
}

static void teardown(void *state)
{
	offset_run *r = state;

	offset_store_close(&r->store);
	free(r->hist);
	free(r->published);
	free(r->prepop);
	free(r->gen_ops);
	free(r);
}

static void do_put(offset_run *r, unsigned tid, unsigned op, unsigned max_size, rh_trial *t)
{
	put_record *rec = record_of(r, tid, op);
	uint8_t buf[MAX_PAYLOAD];
	offset_status st;

	rec->id = make_id(tid, op);
	rec->len = payload_len(rh_trial_rng(t, tid), max_size);
	rh_payload_sign(buf, rec->len, tid, op);
	st = offset_put(&r->store, rec->id, buf, rec->len, tid, op, &rec->block_at,
			&rec->content_at);
	if (st != OFFSET_OK) {
		rh_violation(t, RH_INVARIANT, "thread %u op %u: put of %u bytes failed: %s", tid, op,
			     rec->len, offset_status_name(st));
		return;
	}
	rec->acked = true;
	rh_atomic_store(&r->published[tid], op + 1, RH_RELEASE);
}

/* Read one acknowledged entry back and say exactly what is wrong with it. */
static bool verify_entry(offset_run *r, const put_record *rec, unsigned owner, unsigned op,
			 rh_trial *t)
{
	uint8_t buf[MAX_PAYLOAD];
	offset_block b;
	rh_prop_result pr;
	offset_status st = offset_get(&r->store, rec->id, &b, buf, sizeof(buf));

	if (st == OFFSET_NOT_FOUND) {
		rh_violation(t, RH_NOT_FOUND, "thread %u op %u (id %#llx) was acknowledged but is "
			     "not in the index", owner, op, (unsigned long long)rec->id);
		return false;
	}
	if (st != OFFSET_OK) {
		rh_violation(t, RH_OUT_OF_BOUNDS, "thread %u op %u: block @%llu points at content "
			     "[%llu,+%u) outside the %zu-byte area", owner, op,
			     (unsigned long long)rec->block_at,
			     (unsigned long long)b.content_offset, b.content_len,
			     r->store.content_cap);
		return false;
	}
	if (b.id != rec->id) {
		rh_violation(t, RH_CORRUPTION, "thread %u op %u: its block @%llu holds thread %u "
			     "op %u's entry instead (id %#llx, expected %#llx)", owner, op,
			     (unsigned long long)rec->block_at, b.writer, b.op,
			     (unsigned long long)b.id, (unsigned long long)rec->id);
		return false;
	}
	if (!rh_payload_verify(buf, b.content_len, owner, op, rec->len, &pr)) {
		rh_violation(t, pr.kind, "content of thread %u op %u (block @%llu, content @%llu): %s",
			     owner, op, (unsigned long long)rec->block_at,
			     (unsigned long long)b.content_offset, pr.msg);
		return false;
	}
	return true;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void timed_get(offset_run *r, const put_record *rec, unsigned owner, unsigned op,
		      unsigned tid, rh_trial *t)
{
	uint64_t start = now_ns();

	verify_entry(r, rec, owner, op, t);
	rh_trial_sample(t, tid, now_ns() - start);
}

static void read_published(offset_run *r, unsigned tid, rh_trial *t)
{
	rh_rng *rng = rh_trial_rng(t, tid);
	unsigned writer = 2 * (unsigned)rh_rng_below(rng, (r->p.threads + 1) / 2);
	uint64_t n = rh_atomic_load(&r->published[writer], RH_ACQUIRE);

	if (n == 0)
		return;
	unsigned op = (unsigned)rh_rng_below(rng, n);
	timed_get(r, record_of(r, writer, op), writer, op, tid, t);
}

static void thread_body(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	offset_run *r = state;
	rh_rng *rng = rh_trial_rng(t, tid);

	for (unsigned k = 0; k < r->p.ops; k++) {
		unsigned op = round * r->p.ops + k;

		switch (r->kind) {
		case WL_WRITERS:
			do_put(r, tid, op, r->p.size, t);
			break;
		case WL_PROPS:
			if (tid < r->gen_threads && op < r->gen_ops[tid])
				do_put(r, tid, op, r->gen_max_size, t);
			break;
		case WL_DIES:
			/* Round 0: only the victim writes (and dies in the lock);
			 * round 1 on: everyone else needs that lock. */
			if ((round == 0) == (tid == 0))
				do_put(r, tid, op, r->p.size, t);
			break;
		case WL_MIXED:
			if (tid % 2 == 0)
				do_put(r, tid, op, r->p.size, t);
			else
				read_published(r, tid, t);
			break;
		case WL_READERS: {
			unsigned i = (unsigned)rh_rng_below(rng, r->prepopulated);

			timed_get(r, &r->prepop[i], r->p.threads, i, tid, t);
			break;
		}
		case WL_HOTSPOT:
			if (tid == 0) {
				do_put(r, tid, op, r->p.size, t);
			} else {
				unsigned i = (unsigned)rh_rng_below(rng, r->prepopulated);

				timed_get(r, &r->prepop[i], r->p.threads, i, tid, t);
			}
			break;
		}
	}
}

static void describe_case(const offset_run *r, char *buf, size_t cap)
{
	size_t at = (size_t)snprintf(buf, cap, "generated case: %u threads, payloads <= %u bytes, "
				     "ops", r->gen_threads, r->gen_max_size);

	for (unsigned i = 0; i < r->gen_threads && at < cap; i++)
		at += (size_t)snprintf(buf + at, cap - at, "%s%u", i ? "/" : " ", r->gen_ops[i]);
}

/* The properties every write workload must keep: no two acknowledged entries
 * share block or content bytes; each writer's blocks advance; each entry
 * reads back as written; entry_count counts what was acknowledged. */
static void check(void *state, rh_trial *t)
{
	offset_run *r = state;
	size_t cap = (size_t)r->p.threads * r->ops_per_thread, n = 0;
	rh_range *blocks = malloc((cap + 1) * sizeof(*blocks));
	rh_range *contents = malloc((cap + 1) * sizeof(*contents));
	rh_value *order = malloc((cap + 1) * sizeof(*order));
	rh_prop_result pr;
	char gen[256] = "";
	uint64_t count;

	if (!blocks || !contents || !order) {
		rh_violation(t, RH_INVARIANT, "check: out of memory");
		goto out;
	}
	if (r->kind == WL_PROPS)
		describe_case(r, gen, sizeof(gen));
	for (unsigned tid = 0; tid < r->p.threads; tid++)
		for (unsigned op = 0; op < r->ops_per_thread; op++) {
			const put_record *rec = record_of(r, tid, op);

			if (!rec->acked)
				continue;
			blocks[n] = (rh_range){rec->block_at, OFFSET_BLOCK_SIZE, tid, op};
			contents[n] = (rh_range){rec->content_at, rec->len, tid, op};
			order[n] = (rh_value){rec->block_at, tid, op};
			n++;
		}
	if (!rh_prop_disjoint(blocks, n, &pr))
		rh_violation(t, pr.kind, "blocks: %s%s%s", pr.msg, gen[0] ? "; " : "", gen);
	if (!rh_prop_disjoint(contents, n, &pr))
		rh_violation(t, pr.kind, "content: %s%s%s", pr.msg, gen[0] ? "; " : "", gen);
	if (!rh_prop_increasing_per_thread("block offset", order, n, true, &pr))
		rh_violation(t, pr.kind, "%s", pr.msg);
	for (unsigned tid = 0; tid < r->p.threads; tid++)
		for (unsigned op = 0; op < r->ops_per_thread; op++)
			if (record_of(r, tid, op)->acked)
				verify_entry(r, record_of(r, tid, op), tid, op, t);
	count = rh_atomic_load(&r->store.entry_count, RH_RELAXED);
	/* The victim of kind 6 may have reserved its slot before dying: that
	 * slot is leaked, not lost, so it may be counted. */
	if (r->kind == WL_DIES && count == n + r->prepopulated + 1)
		count--;
	if (!rh_prop_conserved("entry_count", n + r->prepopulated, count, &pr))
		rh_violation(t, pr.kind, "%s", pr.msg);
out:
	free(blocks);
	free(contents);
	free(order);
}

#define OFFSET_SCENARIO(sym, scenario_name, text, variants_, setup_fn, thr, ops_, rounds_, size_, \
			trials_)                                                                 \
	static const rh_scenario sym = {                                                         \
		.name = scenario_name,                                                           \
		.summary = text,                                                                 \
		.variants = variants_,                                                           \
		.n_variants = 3,                                                                 \
		.defaults = {.threads = thr, .ops = ops_, .rounds = rounds_, .size = size_},     \
		.max_threads = 64,                                                               \
		.limits = {.max_ops = 1u << 14, .max_size = MAX_PAYLOAD},                         \
		.stress_trials = trials_,                                                        \
		.setup = setup_fn,                                                               \
		.thread = thread_body,                                                           \
		.check = check,                                                                  \
		.teardown = teardown,                                                            \
	};                                                                                       \
	RH_SCENARIO(sym)

OFFSET_SCENARIO(offset_writers, "offset.writers",
		"kind 1: concurrent writers; offsets unique and increasing per writer",
		writer_variants, setup_writers, 8, 8, 4, 64, 100)
OFFSET_SCENARIO(offset_readers, "offset.readers",
		"kind 2: concurrent readers of a filled store; p50/p99/p999 get latency, no torn reads",
		reader_variants, setup_readers, 8, 200, 1, 64, 20)
OFFSET_SCENARIO(offset_mixed, "offset.mixed",
		"kind 3: writers and readers interleaved; no deadlock, reads see whole content",
		writer_variants, setup_mixed, 8, 8, 4, 64, 100)
OFFSET_SCENARIO(offset_hotspot, "offset.hotspot",
		"kind 4: many readers on 4 hot keys, one appender; tail latency",
		reader_variants, setup_hotspot, 16, 100, 1, 64, 20)
OFFSET_SCENARIO(offset_collide, "offset.collide",
		"kind 5: 20 writers released together by a barrier, one put each",
		writer_variants, setup_writers, 20, 1, 1, 40, 200)
OFFSET_SCENARIO(offset_props, "offset.props",
		"kind 7: generated thread counts, ops and payload sizes; every property",
		writer_variants, setup_props, 8, 4, 2, 256, 200)

static const rh_variant dies_variants[] = {
	{"buggy", RH_EXPECT_DETECTED, "plain content lock: a writer dying inside it stops the store"},
	{"fixed-atomic", RH_EXPECT_CLEAN, "robust content lock: the next writer recovers it"},
	{"fixed-locked", RH_EXPECT_CLEAN, "robust allocator and content locks"},
};

OFFSET_SCENARIO(offset_dies, "offset.dies",
		"kind 6: a writer dies inside the content lock; the others must go on or HANG is reported",
		dies_variants, setup_dies, 4, 2, 2, 64, 20)
