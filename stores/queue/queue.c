/* SPDX-License-Identifier: MIT */
/* queue — chunked fan-out queue; the variants differ only in
 * initial_capacity() and record_dequeue(), read those two side by side. */
#include "queue.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static const char *const variant_names[RHQ_VARIANT_COUNT_] = {
	[RHQ_BUGGY] = "buggy",
	[RHQ_IMMUTABLE] = "immutable",
	[RHQ_MUTEX] = "mutex",
	[RHQ_PREALLOC] = "prealloc",
};

const char *rhq_variant_name(rhq_variant v)
{
	return (unsigned)v < RHQ_VARIANT_COUNT_ ? variant_names[v] : "?";
}

/* ---- counting allocator ------------------------------------------------ */

#define HEAP_LIVE 1 /* small, so traces read "cas block state=1" */
#define HEAP_FREED 2
#define HEAP_POISON 0xdd

/* Precedes every block; 32 bytes keep the data max-aligned. Stale writes of
 * a racing append land in the data, never here. The state is atomic so that
 * two racing frees of one block cannot both put it in the quarantine (the
 * list would loop): exactly one wins, the other is counted. */
typedef struct heap_header {
	rh_atomic_u64 state;
	uint64_t size;
	struct heap_header *next_quarantined;
} heap_header;

_Static_assert(sizeof(heap_header) % 16 == 0, "block data must stay max-aligned");

static heap_header *header_of(void *p)
{
	return (heap_header *)((unsigned char *)p - sizeof(heap_header));
}

static void *heap_alloc(rhq_heap *h, size_t n)
{
	heap_header *b = malloc(sizeof *b + n);

	if (b == NULL)
		return NULL;
	rh_atomic_init(&b->state, "block state", HEAP_LIVE);
	b->size = n;
	b->next_quarantined = NULL;
	rh_atomic_fetch_add(&h->held_bytes, n, RH_RELAXED);
	rh_atomic_fetch_add(&h->held_blocks, 1, RH_RELAXED);
	return b + 1;
}

/* Ends the life of a block: to libc under ASan, else to the quarantine. A
 * block that is not live any more is counted as a double free instead. */
static void heap_release(rhq_heap *h, heap_header *b)
{
	uint64_t head, live = HEAP_LIVE;

	if (!rh_atomic_cas(&b->state, &live, HEAP_FREED, RH_RELAXED)) {
		rh_atomic_fetch_add(&h->double_frees, 1, RH_RELAXED);
		return;
	}
	rh_atomic_fetch_add(&h->held_bytes, -(uint64_t)b->size, RH_RELAXED);
	rh_atomic_fetch_add(&h->held_blocks, -(uint64_t)1, RH_RELAXED);
	if (RH_ASAN) {
		free(b);
		return;
	}
	memset(b + 1, HEAP_POISON, b->size);
	head = rh_atomic_load(&h->quarantine, RH_RELAXED);
	do
		b->next_quarantined = (heap_header *)(uintptr_t)head;
	while (!rh_atomic_cas(&h->quarantine, &head, (uint64_t)(uintptr_t)b, RH_RELAXED));
}

/* realloc as libc does it when the block moves: new block, copy, free the
 * old one. Reallocating a freed block is counted as a double free and still
 * returns a copy, as a libc that did not notice would. */
static void *heap_realloc(rhq_heap *h, void *p, size_t n)
{
	heap_header *old = header_of(p);
	size_t keep = old->size < n ? old->size : n;
	unsigned char *np = heap_alloc(h, n);

	if (np == NULL)
		return NULL;
	memcpy(np, p, keep);
	heap_release(h, old);
	return np;
}

static void heap_free(rhq_heap *h, void *p)
{
	if (p == NULL)
		return;
	heap_release(h, header_of(p));
}

void rhq_memory_audit(rhq_queue *q, rhq_heap_audit *a)
{
	memset(a, 0, sizeof *a);
	a->double_frees = rh_atomic_load(&q->heap.double_frees, RH_RELAXED);
	for (heap_header *b = (heap_header *)(uintptr_t)rh_atomic_load(&q->heap.quarantine,
									   RH_ACQUIRE);
	     b != NULL; b = b->next_quarantined) {
		const unsigned char *d = (const unsigned char *)(b + 1);
		uint64_t dirty = 0;

		for (uint64_t i = 0; i < b->size; i++)
			dirty += d[i] != HEAP_POISON;
		a->quarantined++;
		a->dirty_blocks += dirty != 0;
		a->dirty_bytes += dirty;
	}
}

static void heap_drain_quarantine(rhq_heap *h)
{
	heap_header *b = (heap_header *)(uintptr_t)rh_atomic_load(&h->quarantine, RH_ACQUIRE);

	while (b != NULL) {
		heap_header *next = b->next_quarantined;

		free(b);
		b = next;
	}
	rh_atomic_store(&h->quarantine, 0, RH_RELAXED);
}

/* ---- queue ---------------------------------------------------------------- */

int rhq_queue_init(rhq_queue *q, rhq_variant v, unsigned n_consumers)
{
	memset(q, 0, sizeof *q);
	q->variant = v;
	q->n_consumers = n_consumers;
	q->head = calloc(1, sizeof *q->head);
	if (q->head == NULL)
		return -1;
	q->tail = q->head;
	rh_mutex_init(&q->lock, "queue lock", 0);
	rh_atomic_init(&q->published, "published items", 0);
	rh_atomic_init(&q->tracked_bytes, "memory tracker", 0);
	rh_atomic_init(&q->heap.held_bytes, "bytes held", 0);
	rh_atomic_init(&q->heap.held_blocks, "blocks held", 0);
	rh_atomic_init(&q->heap.quarantine, "heap quarantine", 0);
	rh_atomic_init(&q->heap.double_frees, "double frees", 0);
	return 0;
}

static void item_free(rhq_queue *q, rhq_item *it)
{
	if (q->variant == RHQ_MUTEX)
		rh_mutex_destroy(&it->events_mu);
	heap_free(&q->heap, it->events);
	heap_free(&q->heap, it->payload);
	heap_free(&q->heap, it);
}

void rhq_queue_destroy(rhq_queue *q)
{
	uint64_t n = rh_atomic_load(&q->published, RH_ACQUIRE);
	rhq_chunk *c = q->head;

	for (uint64_t i = 0; c != NULL; i += RHQ_CHUNK_ITEMS) {
		rhq_chunk *next = c->next;

		for (unsigned k = 0; k < RHQ_CHUNK_ITEMS && i + k < n; k++)
			item_free(q, c->items[k]);
		free(c);
		c = next;
	}
	heap_drain_quarantine(&q->heap);
	rh_mutex_destroy(&q->lock);
	q->head = q->tail = NULL;
}

/* What the memory tracker charges for an item, once, at enqueue. */
static uint64_t item_bytes(const rhq_item *it)
{
	return sizeof *it + it->payload_len + it->cap * sizeof(rhq_event);
}

/* Event capacity an item starts with. */
static size_t initial_capacity(const rhq_queue *q)
{
	switch (q->variant) {
	case RHQ_IMMUTABLE:
		return 0; /* no event list: the enqueue event is a plain field */
	case RHQ_PREALLOC:
		/* Strategy 3: the enqueue event plus one dequeue per consumer,
		 * so the list never needs to grow. */
		return 1 + (size_t)q->n_consumers;
	case RHQ_BUGGY:
	case RHQ_MUTEX:
	default:
		return 1; /* as a fresh Go slice after its first append */
	}
}

int rhq_enqueue(rhq_queue *q, const void *payload, size_t len, uint64_t *id_out)
{
	rhq_item *it = heap_alloc(&q->heap, sizeof *it);
	rhq_event ev;

	if (it == NULL)
		return -1;
	memset(it, 0, sizeof *it);
	it->payload_len = len;
	it->payload = heap_alloc(&q->heap, len);
	it->cap = initial_capacity(q);
	if (it->cap > 0)
		it->events = heap_alloc(&q->heap, it->cap * sizeof(rhq_event));
	if (it->payload == NULL || (it->cap > 0 && it->events == NULL))
		goto fail;
	if (len > 0)
		memcpy(it->payload, payload, len);
	if (q->variant == RHQ_MUTEX)
		rh_mutex_init(&it->events_mu, "item events lock", 0);

	rh_mutex_lock(&q->lock);
	if (q->tail_used == RHQ_CHUNK_ITEMS) {
		rhq_chunk *c = calloc(1, sizeof *c);

		if (c == NULL) {
			rh_mutex_unlock(&q->lock);
			if (q->variant == RHQ_MUTEX)
				rh_mutex_destroy(&it->events_mu);
			goto fail;
		}
		q->tail->next = c;
		q->tail = c;
		q->tail_used = 0;
	}
	it->id = q->next_id++;
	ev = (rhq_event){.type = RHQ_EV_ENQUEUE, .consumer = 0, .item = it->id, .seq = it->id};
	if (q->variant == RHQ_IMMUTABLE) {
		it->enqueue_event = ev;
	} else {
		it->events[0] = ev;
		it->len = 1;
	}
	q->tail->items[q->tail_used++] = it;
	/* The tracker's one-time estimate: the item as it is now. */
	rh_atomic_fetch_add(&q->tracked_bytes, item_bytes(it), RH_RELAXED);
	rh_atomic_store(&q->published, q->next_id, RH_RELEASE);
	rh_mutex_unlock(&q->lock);
	if (id_out != NULL)
		*id_out = it->id;
	return 0;

fail:
	heap_free(&q->heap, it->events);
	heap_free(&q->heap, it->payload);
	heap_free(&q->heap, it);
	return -1;
}

/* ---- recording a dequeue: the race and its three fixes ------------------ */

/* The original AddEvent: `events = append(events, e)`. Plain loads and
 * stores; the points mark where another consumer can get in between. */
static int events_append(rhq_queue *q, rhq_item *it, const rhq_event *e, bool track_growth)
{
	size_t n = it->len;
	size_t cap = it->cap;
	rhq_event *ev = it->events;
	/* Under the item's lock (mutex) the windows share nothing unlocked;
	 * otherwise they touch the item and its events array, reallocated
	 * between heap atomics: any memory. */
	rh_access access = q->variant == RHQ_MUTEX ? RH_ACCESS_NONE : RH_ACCESS_ANY;

	rh_point_at("read events len", n, NULL, access);
	if (n == cap) {
		size_t ncap = 2 * cap;

		ev = heap_realloc(&q->heap, ev, ncap * sizeof *ev);
		if (ev == NULL)
			return -1;
		rh_point_at("events grown", ncap, NULL, access);
		if (track_growth)
			rh_atomic_fetch_add(&q->tracked_bytes, (ncap - cap) * sizeof *ev,
					    RH_RELAXED);
		it->events = ev;
		it->cap = ncap;
	}
	ev[n] = *e;
	it->len = n + 1;
	return 0;
}

static int history_append(rhq_consumer *c, const rhq_event *e)
{
	if (c->history_len == c->history_cap) {
		size_t ncap = c->history_cap ? 2 * c->history_cap : 16;
		rhq_dequeue_record *h = realloc(c->history, ncap * sizeof *h);

		if (h == NULL)
			return -1;
		c->history = h;
		c->history_cap = ncap;
	}
	c->history[c->history_len++] = (rhq_dequeue_record){.item = e->item, .seq = e->seq};
	return 0;
}

static int record_dequeue(rhq_consumer *c, rhq_item *it, const rhq_event *e)
{
	rhq_queue *q = c->q;
	int rc;

	switch (q->variant) {
	case RHQ_BUGGY:
		/* Growth is not reported to the tracker either: the original
		 * estimated once, at enqueue. */
		return events_append(q, it, e, false);
	case RHQ_PREALLOC:
		/* Capacity is there, so no realloc; the len++ is still racy. */
		return events_append(q, it, e, false);
	case RHQ_MUTEX:
		rh_mutex_lock(&it->events_mu);
		rc = events_append(q, it, e, true);
		rh_mutex_unlock(&it->events_mu);
		return rc;
	case RHQ_IMMUTABLE:
	default:
		/* The item is not touched: the consumer remembers the read. */
		return history_append(c, e);
	}
}

/* ---- consumers ------------------------------------------------------------ */

void rhq_consumer_init(rhq_consumer *c, rhq_queue *q, unsigned id)
{
	memset(c, 0, sizeof *c);
	c->q = q;
	c->id = id;
	c->chunk = q->head;
}

void rhq_consumer_destroy(rhq_consumer *c)
{
	free(c->history);
	c->history = NULL;
	c->history_len = c->history_cap = 0;
}

const rhq_item *rhq_read(rhq_consumer *c, int *err)
{
	uint64_t avail = rh_atomic_load(&c->q->published, RH_ACQUIRE);
	rhq_item *it;
	rhq_event e;

	*err = 0;
	if (c->pos >= avail)
		return NULL;
	if (c->index == RHQ_CHUNK_ITEMS) {
		c->chunk = c->chunk->next;
		c->index = 0;
	}
	it = c->chunk->items[c->index];
	e = (rhq_event){.type = RHQ_EV_DEQUEUE, .consumer = c->id, .item = it->id, .seq = c->pos};
	if (record_dequeue(c, it, &e) != 0) {
		*err = -1;
		return NULL;
	}
	c->index++;
	c->pos++;
	return it;
}

/* ---- inspection, single-threaded --------------------------------------- */

const rhq_event *rhq_item_events(const rhq_queue *q, const rhq_item *it, size_t *len)
{
	if (q->variant == RHQ_IMMUTABLE) {
		*len = 1;
		return &it->enqueue_event;
	}
	*len = it->len;
	return it->events;
}

const rhq_dequeue_record *rhq_consumer_history(const rhq_consumer *c, size_t *len)
{
	*len = c->history_len;
	return c->history;
}

uint64_t rhq_queue_length(rhq_queue *q)
{
	return rh_atomic_load(&q->published, RH_ACQUIRE);
}

const rhq_item *rhq_queue_item(const rhq_queue *q, uint64_t i)
{
	const rhq_chunk *c = q->head;

	for (; c != NULL && i >= RHQ_CHUNK_ITEMS; i -= RHQ_CHUNK_ITEMS)
		c = c->next;
	return c != NULL ? c->items[i] : NULL;
}

uint64_t rhq_memory_tracked(rhq_queue *q)
{
	return rh_atomic_load(&q->tracked_bytes, RH_RELAXED);
}

uint64_t rhq_memory_held(rhq_queue *q)
{
	return rh_atomic_load(&q->heap.held_bytes, RH_RELAXED);
}
