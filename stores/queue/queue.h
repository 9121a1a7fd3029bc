/* SPDX-License-Identifier: MIT */
/* queue — a chunked fan-out queue whose items carry an event list.
 *
 * Re-creates the race of the queue fix-strategy document (seed 004): every
 * consumer reads every item, and each read appended a "dequeue" event to the
 * item's shared event array without synchronisation (Go's
 * `qd.Events = append(qd.Events, event)`). Its memory tracker estimated an
 * item's bytes once, at enqueue, assuming the item never grows afterwards.
 *
 * The variants keep the original and the document's three strategies side by
 * side; only record_dequeue() and initial_capacity() in queue.c differ:
 *   buggy      grow + append with plain loads and stores, no sync
 *   immutable  strategy 1: the item is immutable after enqueue; each consumer
 *              keeps its own dequeue history
 *   mutex      strategy 2: a mutex inside the item guards the event list, and
 *              growth is reported to the memory tracker
 *   prealloc   strategy 3: capacity for every consumer's event allocated at
 *              enqueue so no realloc happens; the unsynchronised len++ is kept,
 *              so events are still lost (the document rejects it; so does the
 *              harness)
 *
 * Item memory goes through a counting allocator, so the bytes really held
 * can be compared with the tracker's estimate. Shared state is touched only
 * through racehunt sync points, plus the plain accesses of the racy variants.
 * A consumer belongs to one thread. */
#ifndef RH_STORE_QUEUE_H
#define RH_STORE_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "racehunt/sync.h"

typedef enum rhq_variant {
	RHQ_BUGGY,
	RHQ_IMMUTABLE,
	RHQ_MUTEX,
	RHQ_PREALLOC,
	RHQ_VARIANT_COUNT_
} rhq_variant;

const char *rhq_variant_name(rhq_variant v);

/* Items per chunk: small, so workloads cross chunk boundaries. */
#define RHQ_CHUNK_ITEMS 8

typedef enum rhq_event_type {
	RHQ_EV_ENQUEUE = 0x454e51, /* "ENQ": garbage rarely looks like an event */
	RHQ_EV_DEQUEUE = 0x444551, /* "DEQ" */
} rhq_event_type;

typedef struct rhq_event {
	uint32_t type;	   /* rhq_event_type */
	uint32_t consumer; /* dequeue: the consumer's id; enqueue: 0 */
	uint64_t item;	   /* id of the item the event belongs to */
	uint64_t seq;	   /* enqueue: queue position; dequeue: the consumer's read number */
} rhq_event;

/* Counting allocator: every block carries its size in a header, and the
 * counters say how many bytes and blocks are really held. The counters are
 * atomics, so they are never the race themselves.
 *
 * Freed blocks go to a quarantine, filled with a poison byte, and are only
 * returned to libc when the queue is destroyed: the stale array a racing
 * append still holds stays valid memory, as the old array of a Go append
 * stays alive under the GC, so the race shows the original's symptom (lost
 * events) instead of glibc aborting on the first double free. The allocator
 * counts what it catches itself: frees of an already freed block, and bytes
 * written into a block after it was freed. Under ASan there is no quarantine
 * (blocks are freed at once) so that ASan sees and reports the misuse. */
typedef struct rhq_heap {
	rh_atomic_u64 held_bytes;
	rh_atomic_u64 held_blocks;
	rh_atomic_u64 quarantine;  /* most recently freed block header, 0 = none */
	rh_atomic_u64 double_frees;
} rhq_heap;

typedef struct rhq_item {
	uint64_t id;
	size_t payload_len;
	unsigned char *payload;
	/* buggy, mutex, prealloc: events[0] is the enqueue event, then one
	 * dequeue per consumer read. Plain fields: the race of buggy/prealloc. */
	rhq_event *events;
	size_t len;
	size_t cap;
	rh_mutex events_mu; /* mutex only */
	/* immutable: the only event the item ever holds. */
	rhq_event enqueue_event;
} rhq_item;

typedef struct rhq_chunk {
	rhq_item *items[RHQ_CHUNK_ITEMS];
	struct rhq_chunk *next; /* written before the first item in it is published */
} rhq_chunk;

typedef struct rhq_queue {
	rhq_variant variant;
	unsigned n_consumers; /* consumers expected: prealloc's capacity */
	rh_mutex lock;	      /* producers: tail, next_id */
	rhq_chunk *head;
	rhq_chunk *tail;
	unsigned tail_used;
	uint64_t next_id;
	/* Items readable by consumers; release-stored after the item is complete. */
	rh_atomic_u64 published;
	/* Estimated bytes of the items (the memory tracker). */
	rh_atomic_u64 tracked_bytes;
	rhq_heap heap;
} rhq_queue;

typedef struct rhq_dequeue_record {
	uint64_t item;
	uint64_t seq;
} rhq_dequeue_record;

typedef struct rhq_consumer {
	rhq_queue *q;
	unsigned id;
	uint64_t pos; /* items read so far */
	rhq_chunk *chunk;
	unsigned index;
	/* immutable: this consumer's dequeue history, owned by its thread. */
	rhq_dequeue_record *history;
	size_t history_len;
	size_t history_cap;
} rhq_consumer;

/* 0 on success, -1 when out of memory. */
int rhq_queue_init(rhq_queue *q, rhq_variant v, unsigned n_consumers);
void rhq_queue_destroy(rhq_queue *q);

/* Copy payload into a new item and publish it; its id in *id_out. Safe from
 * any thread. 0 on success, -1 when out of memory. */
int rhq_enqueue(rhq_queue *q, const void *payload, size_t len, uint64_t *id_out);

void rhq_consumer_init(rhq_consumer *c, rhq_queue *q, unsigned id);
void rhq_consumer_destroy(rhq_consumer *c);

/* The consumer's next item, its dequeue recorded as the variant does it; NULL
 * when the consumer has read everything published (*err = 0) or when
 * recording ran out of memory (*err = -1). */
const rhq_item *rhq_read(rhq_consumer *c, int *err);

/* After every thread has stopped: the events an item holds (for immutable,
 * its single enqueue event), and the dequeue history of a consumer (immutable
 * only; empty otherwise). */
const rhq_event *rhq_item_events(const rhq_queue *q, const rhq_item *it, size_t *len);
const rhq_dequeue_record *rhq_consumer_history(const rhq_consumer *c, size_t *len);

/* Items enqueued, and item number i in queue order (after threads stopped). */
uint64_t rhq_queue_length(rhq_queue *q);
const rhq_item *rhq_queue_item(const rhq_queue *q, uint64_t i);

/* The memory tracker's estimate and the bytes the allocator really holds
 * for the queue's items. */
uint64_t rhq_memory_tracked(rhq_queue *q);
uint64_t rhq_memory_held(rhq_queue *q);

/* After every thread has stopped: heap misuse the allocator caught so far
 * (frees of freed blocks; quarantined blocks written after their free). */
typedef struct rhq_heap_audit {
	uint64_t double_frees;
	uint64_t dirty_blocks;	/* freed blocks written after free */
	uint64_t dirty_bytes;
	uint64_t quarantined;	/* blocks in quarantine */
} rhq_heap_audit;

void rhq_memory_audit(rhq_queue *q, rhq_heap_audit *a);

#endif
