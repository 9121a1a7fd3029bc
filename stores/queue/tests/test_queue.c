/* SPDX-License-Identifier: MIT */
/* Single-threaded behaviour of the queue store, every variant: order across
 * chunks, what a read records, and the memory tracker against the counting
 * allocator. The concurrent behaviour is the scenarios' job. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "queue.h"

static void enqueue_n(rhq_queue *q, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		unsigned char payload[8];
		uint64_t id;

		memset(payload, (int)i, sizeof payload);
		assert_int_equal(rhq_enqueue(q, payload, 1 + i % sizeof payload, &id), 0);
		assert_int_equal(id, i);
	}
}

static void test_queue_read_order_crosses_chunks(void **unused)
{
	for (int v = 0; v < RHQ_VARIANT_COUNT_; v++) {
		rhq_queue q;
		rhq_consumer c;
		const unsigned n = 3 * RHQ_CHUNK_ITEMS + 2;
		int err;

		assert_int_equal(rhq_queue_init(&q, (rhq_variant)v, 1), 0);
		rhq_consumer_init(&c, &q, 0);
		enqueue_n(&q, n);
		assert_int_equal(rhq_queue_length(&q), n);
		for (unsigned i = 0; i < n; i++) {
			const rhq_item *it = rhq_read(&c, &err);

			assert_non_null(it);
			assert_int_equal(it->id, i);
			assert_int_equal(it->payload_len, 1 + i % 8);
			assert_int_equal(it->payload[0], (unsigned char)i);
			assert_ptr_equal(rhq_queue_item(&q, i), it);
		}
		assert_null(rhq_read(&c, &err));
		assert_int_equal(err, 0);
		rhq_consumer_destroy(&c);
		rhq_queue_destroy(&q);
		assert_int_equal(rhq_memory_held(&q), 0);
	}
}

/* Three consumers read one item: the event list (or, for immutable, the
 * histories) says enqueue, then one dequeue per consumer. */
static void test_queue_read_records_one_dequeue_per_consumer(void **unused)
{
	for (int v = 0; v < RHQ_VARIANT_COUNT_; v++) {
		rhq_queue q;
		rhq_consumer c[3];
		size_t len;
		const rhq_event *ev;
		int err;

		assert_int_equal(rhq_queue_init(&q, (rhq_variant)v, 3), 0);
		enqueue_n(&q, 1);
		for (unsigned k = 0; k < 3; k++) {
			rhq_consumer_init(&c[k], &q, k);
			assert_non_null(rhq_read(&c[k], &err));
		}
		ev = rhq_item_events(&q, rhq_queue_item(&q, 0), &len);
		assert_int_equal(ev[0].type, RHQ_EV_ENQUEUE);
		assert_int_equal(ev[0].item, 0);
		if (v == RHQ_IMMUTABLE) {
			assert_int_equal(len, 1);
			for (unsigned k = 0; k < 3; k++) {
				const rhq_dequeue_record *h = rhq_consumer_history(&c[k], &len);

				assert_int_equal(len, 1);
				assert_int_equal(h[0].item, 0);
			}
		} else {
			assert_int_equal(len, 4);
			for (unsigned k = 0; k < 3; k++) {
				assert_int_equal(ev[1 + k].type, RHQ_EV_DEQUEUE);
				assert_int_equal(ev[1 + k].consumer, k);
				assert_int_equal(ev[1 + k].item, 0);
				assert_int_equal(rhq_consumer_history(&c[k], &len), NULL);
				assert_int_equal(len, 0);
			}
		}
		for (unsigned k = 0; k < 3; k++)
			rhq_consumer_destroy(&c[k]);
		rhq_queue_destroy(&q);
	}
}

/* Even without any race, the original's tracker is wrong as soon as an
 * item's event list grows; the fixed strategies account exactly. */
static void test_queue_memory_tracker_matches_allocator_except_buggy(void **unused)
{
	for (int v = 0; v < RHQ_VARIANT_COUNT_; v++) {
		rhq_queue q;
		rhq_consumer c[4];
		int err;

		assert_int_equal(rhq_queue_init(&q, (rhq_variant)v, 4), 0);
		enqueue_n(&q, 10);
		assert_int_equal(rhq_memory_tracked(&q), rhq_memory_held(&q));
		for (unsigned k = 0; k < 4; k++) {
			rhq_consumer_init(&c[k], &q, k);
			while (rhq_read(&c[k], &err) != NULL)
				;
		}
		if (v == RHQ_BUGGY)
			assert_true(rhq_memory_tracked(&q) < rhq_memory_held(&q));
		else
			assert_int_equal(rhq_memory_tracked(&q), rhq_memory_held(&q));
		for (unsigned k = 0; k < 4; k++)
			rhq_consumer_destroy(&c[k]);
		rhq_queue_destroy(&q);
		assert_int_equal(rhq_memory_held(&q), 0);
		assert_int_equal(rh_atomic_load(&q.heap.held_blocks, RH_RELAXED), 0);
	}
}

/* Strategy 3 sizes the list for every consumer, so it never reallocates. */
static void test_queue_prealloc_never_grows(void **unused)
{
	rhq_queue q;
	rhq_consumer c[5];
	const rhq_item *it;
	int err;

	assert_int_equal(rhq_queue_init(&q, RHQ_PREALLOC, 5), 0);
	enqueue_n(&q, 1);
	it = rhq_queue_item(&q, 0);
	assert_int_equal(it->cap, 6);
	for (unsigned k = 0; k < 5; k++) {
		const rhq_event *before = it->events;

		rhq_consumer_init(&c[k], &q, k);
		assert_non_null(rhq_read(&c[k], &err));
		assert_ptr_equal(it->events, before);
	}
	assert_int_equal(it->len, 6);
	assert_int_equal(it->cap, 6);
	for (unsigned k = 0; k < 5; k++)
		rhq_consumer_destroy(&c[k]);
	rhq_queue_destroy(&q);
}

/* Single-threaded use never misuses the heap; every growth retires exactly
 * one block, which sits in the quarantine (none under ASan, which frees). */
static void test_queue_audit_clean_and_counts_retired_blocks(void **unused)
{
	rhq_queue q;
	rhq_consumer c[4];
	rhq_heap_audit a;
	int err;

	assert_int_equal(rhq_queue_init(&q, RHQ_MUTEX, 4), 0);
	enqueue_n(&q, 3);
	for (unsigned k = 0; k < 4; k++) {
		rhq_consumer_init(&c[k], &q, k);
		while (rhq_read(&c[k], &err) != NULL)
			;
	}
	rhq_memory_audit(&q, &a);
	assert_int_equal(a.double_frees, 0);
	assert_int_equal(a.dirty_blocks, 0);
	assert_int_equal(a.dirty_bytes, 0);
	/* 5 events per item: grown at lengths 1, 2 and 4. */
	assert_int_equal(a.quarantined, RH_ASAN ? 0 : 3 * 3);
	for (unsigned k = 0; k < 4; k++)
		rhq_consumer_destroy(&c[k]);
	rhq_queue_destroy(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_queue_read_order_crosses_chunks),
		cmocka_unit_test(test_queue_read_records_one_dequeue_per_consumer),
		cmocka_unit_test(test_queue_memory_tracker_matches_allocator_except_buggy),
		cmocka_unit_test(test_queue_prealloc_never_grows),
		cmocka_unit_test(test_queue_audit_clean_and_counts_retired_blocks),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
