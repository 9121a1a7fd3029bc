/* SPDX-License-Identifier: MIT */
/* Fibers: the hand-written switch, stacks, reuse. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "controlled/fiber.h"

static rh_fiber main_ctx, fib;
static volatile int counter;
static volatile uintptr_t seen_sp, seen_frame;

static void ping(void)
{
	int local = 0;

	rh_fiber_started(&fib, &main_ctx);
	seen_sp = (uintptr_t)&local;
	seen_frame = (uintptr_t)__builtin_frame_address(0);
	for (;;) {
		counter++;
		rh_fiber_switch(&fib, &main_ctx, true);
		if (counter < 0)
			break;
	}
	rh_fiber_exit(&fib, &main_ctx);
}

static void test_fiber_switch_round_trips(void **state)
{
	RH_ASSERT_TRUE(rh_fiber_create(&fib, 64 * 1024));
	rh_fiber_init_thread(&main_ctx);
	rh_fiber_reset(&fib, ping);
	counter = 0;
	for (int i = 1; i <= 1000; i++) {
		rh_fiber_switch(&main_ctx, &fib, true);
		RH_ASSERT_EQ(counter, i);
	}
	/* The fiber ran on its own stack, not the caller's. */
	RH_ASSERT_GE(seen_sp, (uintptr_t)fib.stack);
	RH_ASSERT_LT(seen_sp, (uintptr_t)fib.stack + fib.stack_size);
	counter = -1000000;
	rh_fiber_switch(&main_ctx, &fib, true);
	rh_fiber_destroy(&fib);
}

static void test_fiber_reset_restarts_on_the_same_stack(void **state)
{
	RH_ASSERT_TRUE(rh_fiber_create(&fib, 64 * 1024));
	rh_fiber_init_thread(&main_ctx);
	for (int run = 0; run < 100; run++) {
		rh_fiber_reset(&fib, ping);
		counter = 0;
		rh_fiber_switch(&main_ctx, &fib, true);
		RH_ASSERT_EQ(counter, 1);
		/* Abandon it mid-loop half the time, end it the other half. */
		if (run % 2) {
			counter = -1;
			rh_fiber_switch(&main_ctx, &fib, true);
		}
	}
	rh_fiber_destroy(&fib);
}

/* The entry is reached as if called: its frame is 16-byte aligned, which SSE
 * code in libc relies on. */
static void test_fiber_entry_frame_is_16_byte_aligned(void **state)
{
	RH_ASSERT_TRUE(rh_fiber_create(&fib, 64 * 1024));
	rh_fiber_init_thread(&main_ctx);
	rh_fiber_reset(&fib, ping);
	counter = 0;
	rh_fiber_switch(&main_ctx, &fib, true);
	RH_ASSERT_EQ(seen_frame % 16, 0);
	counter = -1000000;
	rh_fiber_switch(&main_ctx, &fib, true);
	rh_fiber_destroy(&fib);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fiber_switch_round_trips),
		cmocka_unit_test(test_fiber_reset_restarts_on_the_same_stack),
		cmocka_unit_test(test_fiber_entry_frame_is_16_byte_aligned),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
