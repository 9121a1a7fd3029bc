/* SPDX-License-Identifier: MIT */
/* The wait-for graph both modes share: a cycle is found through the thread
 * asked about, a chain is no cycle, and the cycle reads as one line of
 * "Ti waits for ... held by Tj". */
#include <stdlib.h>

#include "test.h"

#include "runtime/waitfor.h"

static void test_waitfor_ring_of_three_is_a_cycle_from_each(void **state)
{
	unsigned path[RH_WAITFOR_MAX];
	char text[256];
	rh_waitfor g;

	rh_waitfor_init(&g, 4);
	rh_waitfor_add(&g, 0, RH_OP_LOCK, "B", 1u << 1);
	rh_waitfor_add(&g, 1, RH_OP_WRLOCK, "C", 1u << 2);
	rh_waitfor_add(&g, 2, RH_OP_RDLOCK, "A", 1u << 0);
	for (unsigned tid = 0; tid < 3; tid++) {
		RH_ASSERT_EQ(rh_waitfor_cycle(&g, tid, path), 3);
		RH_ASSERT_EQ(path[0], tid);
	}
	/* T3 waits for nothing: on no cycle. */
	RH_ASSERT_EQ(rh_waitfor_cycle(&g, 3, path), 0);
	rh_waitfor_cycle(&g, 0, path);
	rh_waitfor_cycle_text(&g, path, 3, text, sizeof(text));
	RH_ASSERT_STR_EQ(text, "T0 waits for mutex B held by T1; T1 waits for rwlock (to write) C "
			       "held by T2; T2 waits for rwlock (to read) A held by T0");
}

static void test_waitfor_chain_into_a_cycle_is_none_for_the_tail(void **state)
{
	unsigned path[RH_WAITFOR_MAX];
	rh_waitfor g;

	/* T2 waits for T0, which is on the cycle T0 <-> T1 but not back to T2. */
	rh_waitfor_init(&g, 3);
	rh_waitfor_add(&g, 0, RH_OP_LOCK, "B", 1u << 1);
	rh_waitfor_add(&g, 1, RH_OP_LOCK, "A", 1u << 0);
	rh_waitfor_add(&g, 2, RH_OP_LOCK, "A", 1u << 0);
	RH_ASSERT_EQ(rh_waitfor_cycle(&g, 2, path), 0);
	RH_ASSERT_EQ(rh_waitfor_cycle(&g, 1, path), 2);
}

static void test_waitfor_cycle_through_one_of_several_holders(void **state)
{
	unsigned path[RH_WAITFOR_MAX];
	rh_waitfor g;

	/* T0 wants to write a lock T1 and T2 read; only T2 waits for T0. */
	rh_waitfor_init(&g, 3);
	rh_waitfor_add(&g, 0, RH_OP_WRLOCK, "table", (1u << 1) | (1u << 2));
	rh_waitfor_add(&g, 2, RH_OP_LOCK, "log", 1u << 0);
	RH_ASSERT_EQ(rh_waitfor_cycle(&g, 0, path), 2);
	RH_ASSERT_EQ(path[1], 2);
}

static void test_waitfor_edge_text_without_a_holder(void **state)
{
	char text[64];

	rh_waitfor_edge_text(text, sizeof(text), 3, RH_OP_LOCK, NULL, -1);
	RH_ASSERT_STR_EQ(text, "T3 waits for mutex ?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_waitfor_ring_of_three_is_a_cycle_from_each),
		cmocka_unit_test(test_waitfor_chain_into_a_cycle_is_none_for_the_tail),
		cmocka_unit_test(test_waitfor_cycle_through_one_of_several_holders),
		cmocka_unit_test(test_waitfor_edge_text_without_a_holder),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
