/* SPDX-License-Identifier: MIT */
/* queue.* scenarios: written once, run against every variant.
 *
 * Consumers record which items rhq_read returned to them; check() then asks
 * the store what it recorded (the items' event lists, or for `immutable` the
 * consumers' own histories) and demands exactly one enqueue per item and one
 * dequeue per (item, consumer that read it). It also compares the memory
 * tracker with the bytes the counting allocator really holds, and asks the
 * allocator what heap misuse it caught (double frees, writes after free). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "queue.h"
#include "racehunt/props.h"
#include "racehunt/scenario.h"

#define QUEUE_MAX_THREADS 32
/* --size bounds each payload; items are ops x rounds, each held to the end. */
#define QUEUE_MAX_PAYLOAD 4096u

enum workload {
	W_FANOUT,  /* every thread consumes every pre-enqueued item in lockstep */
	W_HOTITEM, /* many consumers on one item per round; read latency sampled */
	W_MIXED,   /* thread 0 enqueues, then consumes; the others consume meanwhile */
	W_PROPS,   /* generated item count, payload sizes and per-round reads */
};

typedef struct qstate {
	enum workload w;
	rh_params p;
	rhq_variant variant;
	unsigned n_consumers;
	uint64_t planned;	  /* items the workload enqueues in all */
	rhq_queue q;
	rhq_consumer cons[QUEUE_MAX_THREADS];
	/* Ids rhq_read returned to each consumer, in order. */
	uint64_t *seen[QUEUE_MAX_THREADS];
	uint64_t n_seen[QUEUE_MAX_THREADS];
	size_t *payload_len;	  /* per planned item */
	unsigned *quota;	  /* read attempts of consumer c in round r at [r * n + c] */
	uint8_t *payload_buf;	  /* producer's scratch */
} qstate;

static const rh_variant queue_variants[] = {
	[RHQ_BUGGY] = {"buggy", RH_EXPECT_DETECTED,
		       "consumers append to the shared item's event list without sync "
		       "(realloc when full, then events[len++]); tracker ignores growth"},
	[RHQ_IMMUTABLE] = {"immutable", RH_EXPECT_CLEAN,
			   "strategy 1: item immutable after enqueue; each consumer keeps its "
			   "own dequeue history"},
	[RHQ_MUTEX] = {"mutex", RH_EXPECT_CLEAN,
		       "strategy 2: a mutex in the item guards the event list; growth is "
		       "reported to the tracker"},
	[RHQ_PREALLOC] = {"prealloc", RH_EXPECT_DETECTED,
			  "strategy 3 (not a fix): capacity for every consumer preallocated, "
			  "no realloc, but len++ still unsynchronised"},
};

static size_t gen_payload_len(const qstate *s, rh_rng *r)
{
	return RH_PAYLOAD_MIN + (size_t)rh_rng_below(r, (uint64_t)s->p.size + 1);
}

/* Payloads are signed by (thread 0, op = item id), so check() can tell
 * whose bytes an item holds. Item ids are queue positions. */
static int produce(qstate *s, uint64_t id, rh_trial *t)
{
	size_t len = s->payload_len[id];
	uint64_t got;

	rh_payload_sign(s->payload_buf, len, 0, (unsigned)id);
	if (rhq_enqueue(&s->q, s->payload_buf, len, &got) != 0) {
		rh_violation(t, RH_INVARIANT, "enqueue of item %llu: out of memory",
			     (unsigned long long)id);
		return -1;
	}
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Consumer c (thread c) tries `attempts` reads; an empty queue just uses up
 * an attempt, so every thread's work is bounded (controlled mode needs that). */
static void consume(qstate *s, unsigned c, unsigned attempts, rh_trial *t)
{
	for (unsigned a = 0; a < attempts; a++) {
		uint64_t t0 = s->w == W_HOTITEM ? now_ns() : 0;
		int err;
		const rhq_item *it = rhq_read(&s->cons[c], &err);

		if (it == NULL) {
			if (err != 0) {
				rh_violation(t, RH_INVARIANT,
					     "consumer %u: out of memory recording a dequeue", c);
				return;
			}
			continue;
		}
		if (s->w == W_HOTITEM)
			rh_trial_sample(t, c, now_ns() - t0);
		if (s->n_seen[c] < s->planned)
			s->seen[c][s->n_seen[c]] = it->id;
		s->n_seen[c]++;
	}
}

static void *queue_setup(enum workload w, const rh_params *p, unsigned variant, rh_trial *t)
{
	qstate *s = calloc(1, sizeof *s);
	rh_rng *r = rh_trial_rng(t, 0);

	if (s == NULL)
		return NULL;
	s->w = w;
	s->p = *p;
	s->variant = (rhq_variant)variant;
	s->n_consumers = p->threads;
	s->planned = (uint64_t)p->ops * p->rounds;
	if (w == W_PROPS)
		s->planned = 1 + rh_rng_below(r, s->planned);
	if (rhq_queue_init(&s->q, s->variant, s->n_consumers) != 0) {
		free(s);
		return NULL;
	}
	/* +1: zero-sized workloads (ops 0) still get valid buffers. */
	s->payload_len = calloc(s->planned + 1, sizeof *s->payload_len);
	s->payload_buf = malloc(RH_PAYLOAD_MIN + (size_t)p->size);
	s->quota = calloc((size_t)p->rounds * s->n_consumers + 1, sizeof *s->quota);
	if (s->payload_len == NULL || s->payload_buf == NULL || s->quota == NULL)
		goto fail;
	for (unsigned c = 0; c < s->n_consumers; c++) {
		rhq_consumer_init(&s->cons[c], &s->q, c);
		s->seen[c] = calloc(s->planned + 1, sizeof *s->seen[c]);
		if (s->seen[c] == NULL)
			goto fail;
	}
	for (uint64_t i = 0; i < s->planned; i++)
		s->payload_len[i] = gen_payload_len(s, r);
	for (unsigned k = 0; k < p->rounds * s->n_consumers; k++) {
		switch (w) {
		case W_PROPS:
			/* Consumers drift apart: they meet on items at different
			 * event counts, so growth and append interleave variously. */
			s->quota[k] = (unsigned)rh_rng_below(r, 2 * (uint64_t)p->ops + 1);
			break;
		case W_MIXED:
			s->quota[k] = 2 * p->ops;
			break;
		case W_FANOUT:
		case W_HOTITEM:
			s->quota[k] = p->ops;
			break;
		}
	}
	if (w != W_MIXED)
		for (uint64_t i = 0; i < s->planned; i++)
			if (produce(s, i, t) != 0)
				goto fail;
	return s;

fail:
	for (unsigned c = 0; c < s->n_consumers; c++) {
		rhq_consumer_destroy(&s->cons[c]);
		free(s->seen[c]);
	}
	rhq_queue_destroy(&s->q);
	free(s->payload_len);
	free(s->payload_buf);
	free(s->quota);
	free(s);
	return NULL;
}

static void queue_thread(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	qstate *s = state;

	if (s->w == W_MIXED && tid == 0)
		for (unsigned i = 0; i < s->p.ops; i++)
			if (produce(s, (uint64_t)round * s->p.ops + i, t) != 0)
				return;
	consume(s, tid, s->quota[round * s->n_consumers + tid], t);
}

/* What check() found in the event lists that is not an event of its item by
 * a known consumer; only the first one is described. */
typedef struct garbage {
	uint64_t count;
	char first[200];
} garbage;

/* Feeds one item's event list to the exactly-once counters, setting aside
 * anything that is not an event of this item. */
static void record_item_events(qstate *s, const rhq_item *it, rh_once *enq, rh_once *deq,
			       garbage *g)
{
	size_t len;
	const rhq_event *ev = rhq_item_events(&s->q, it, &len);

	if (s->variant != RHQ_IMMUTABLE && len > it->cap) {
		if (g->count++ == 0)
			snprintf(g->first, sizeof g->first,
				 "item %llu: event list length %zu exceeds its capacity %zu",
				 (unsigned long long)it->id, len, it->cap);
		len = it->cap;
	}
	for (size_t k = 0; k < len; k++) {
		const rhq_event *e = &ev[k];
		bool ok = e->item == it->id &&
			  ((e->type == RHQ_EV_ENQUEUE && e->consumer == 0) ||
			   (e->type == RHQ_EV_DEQUEUE && e->consumer < s->n_consumers));

		if (!ok) {
			if (g->count++ == 0)
				snprintf(g->first, sizeof g->first,
					 "item %llu: event %zu of %zu is garbage (type 0x%x, consumer "
					 "%u, item %llu)",
					 (unsigned long long)it->id, k, len, e->type, e->consumer,
					 (unsigned long long)e->item);
			continue;
		}
		if (e->type == RHQ_EV_ENQUEUE)
			rh_once_record(enq, e->item, 0);
		else
			rh_once_record(deq, e->item, e->consumer);
	}
}

static void queue_check(void *state, rh_trial *t)
{
	qstate *s = state;
	uint64_t n = rhq_queue_length(&s->q);
	rh_once *enq = rh_once_new("enqueue", "item", "queue");
	rh_once *deq = rh_once_new("dequeue", "item", "consumer");
	garbage g = {0};
	rh_prop_result r;
	char gen[96] = "";

	if (enq == NULL || deq == NULL)
		abort(); /* a harness that cannot check may not say "clean" */
	if (s->w == W_PROPS)
		snprintf(gen, sizeof gen, "generated case: %u consumers, %llu items, payloads <= %u B: ",
			 s->n_consumers, (unsigned long long)s->planned, RH_PAYLOAD_MIN + s->p.size);

	/* What consumers saw: items in queue order, each once. */
	for (unsigned c = 0; c < s->n_consumers; c++) {
		uint64_t k_max = s->n_seen[c] < s->planned ? s->n_seen[c] : s->planned;

		if (s->n_seen[c] > n)
			rh_violation(t, RH_DUPLICATE, "consumer %u read %llu items, only %llu enqueued",
				     c, (unsigned long long)s->n_seen[c], (unsigned long long)n);
		for (uint64_t k = 0; k < k_max; k++) {
			if (s->seen[c][k] != k) {
				rh_violation(t, RH_CORRUPTION,
					     "consumer %u: read %llu returned item %llu, expected item %llu",
					     c, (unsigned long long)k,
					     (unsigned long long)s->seen[c][k], (unsigned long long)k);
				break;
			}
			rh_once_expect(deq, k, c, 1);
		}
	}

	/* What the store recorded. */
	for (uint64_t i = 0; i < n; i++) {
		rh_once_expect(enq, i, 0, 1);
		record_item_events(s, rhq_queue_item(&s->q, i), enq, deq, &g);
	}
	if (s->variant == RHQ_IMMUTABLE) {
		for (unsigned c = 0; c < s->n_consumers; c++) {
			size_t len;
			const rhq_dequeue_record *h = rhq_consumer_history(&s->cons[c], &len);

			for (size_t k = 0; k < len; k++)
				rh_once_record(deq, h[k].item, c);
		}
	}
	if (!rh_prop_once(deq, &r))
		rh_violation(t, r.kind, "%s%s", gen, r.msg);
	if (!rh_prop_once(enq, &r))
		rh_violation(t, r.kind, "%s%s", gen, r.msg);
	rh_once_free(enq);
	rh_once_free(deq);
	if (g.count != 0)
		rh_violation(t, RH_CORRUPTION, "%s%s (%llu such in all)", gen, g.first,
			     (unsigned long long)g.count);

	/* No heap corruption: what the counting allocator caught itself. */
	rhq_heap_audit a;

	rhq_memory_audit(&s->q, &a);
	if (a.double_frees != 0 || a.dirty_blocks != 0)
		rh_violation(t, RH_CORRUPTION,
			     "%sheap misuse: %llu free(s) of an already freed block, %llu freed block(s) "
			     "written after free (%llu bytes)",
			     gen, (unsigned long long)a.double_frees, (unsigned long long)a.dirty_blocks,
			     (unsigned long long)a.dirty_bytes);

	/* Payloads are never written after enqueue: whose bytes does each hold? */
	for (uint64_t i = 0; i < n; i++) {
		const rhq_item *it = rhq_queue_item(&s->q, i);

		if (!rh_payload_verify(it->payload, it->payload_len, 0, (unsigned)i,
				       s->payload_len[i], &r)) {
			rh_violation(t, r.kind, "%sitem %llu payload: %s", gen, (unsigned long long)i,
				     r.msg);
			break;
		}
	}

	uint64_t tracked = rhq_memory_tracked(&s->q);
	uint64_t held = rhq_memory_held(&s->q);

	if (tracked != held)
		rh_violation(t, RH_INVARIANT,
			     "%smemory tracker estimates %llu bytes for %llu items, allocator holds "
			     "%llu bytes (%lld unaccounted)",
			     gen, (unsigned long long)tracked, (unsigned long long)n,
			     (unsigned long long)held, (long long)(held - tracked));
}

static void queue_teardown(void *state)
{
	qstate *s = state;

	for (unsigned c = 0; c < s->n_consumers; c++) {
		rhq_consumer_destroy(&s->cons[c]);
		free(s->seen[c]);
	}
	rhq_queue_destroy(&s->q);
	free(s->payload_len);
	free(s->payload_buf);
	free(s->quota);
	free(s);
}

static void *setup_fanout(const rh_params *p, unsigned v, rh_trial *t)
{
	return queue_setup(W_FANOUT, p, v, t);
}

static void *setup_hotitem(const rh_params *p, unsigned v, rh_trial *t)
{
	return queue_setup(W_HOTITEM, p, v, t);
}

static void *setup_mixed(const rh_params *p, unsigned v, rh_trial *t)
{
	return queue_setup(W_MIXED, p, v, t);
}

static void *setup_props(const rh_params *p, unsigned v, rh_trial *t)
{
	return queue_setup(W_PROPS, p, v, t);
}

#define QUEUE_SCENARIO(sym, nm, sum, setupfn, thr, ops_, rounds_, size_, trials, limits_)            \
	static const rh_scenario sym = {                                                   \
		.name = nm,                                                                \
		.summary = sum,                                                            \
		.variants = queue_variants,                                                \
		.n_variants = RHQ_VARIANT_COUNT_,                                          \
		.defaults = {.threads = thr, .ops = ops_, .rounds = rounds_, .size = size_}, \
		.max_threads = QUEUE_MAX_THREADS,                                          \
		.stress_trials = trials,                                                   \
		.limits = {.max_ops = limits_, .max_size = QUEUE_MAX_PAYLOAD},                                                   \
		.setup = setupfn,                                                          \
		.thread = queue_thread,                                                    \
		.check = queue_check,                                                      \
		.teardown = queue_teardown,                                                \
	};                                                                                 \
	RH_SCENARIO(sym)

QUEUE_SCENARIO(queue_fanout, "queue.fanout",
	       "every consumer reads every item in lockstep; each read records a dequeue event "
	       "on the shared item",
	       setup_fanout, 4, 8, 4, 32, 200, 16384)
QUEUE_SCENARIO(queue_hotitem, "queue.hotitem",
	       "many consumers read the one item of each round at once; read latency sampled",
	       setup_hotitem, 8, 1, 16, 16, 200, 16384)
QUEUE_SCENARIO(queue_mixed, "queue.mixed",
	       "thread 0 enqueues, then consumes; the other threads consume whatever is "
	       "published meanwhile",
	       setup_mixed, 4, 8, 4, 64, 200, 16384)
QUEUE_SCENARIO(queue_props, "queue.props",
	       "generated item count, payload sizes and per-round reads per consumer",
	       setup_props, 4, 8, 4, 64, 200, 16384)
