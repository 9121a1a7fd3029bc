/* SPDX-License-Identifier: MIT */
/* Model state keyed by address: lookup, creation, reuse, clearing. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "runtime/objects.h"

static void test_objects_get_creates_free_state_once(void **unused)
{
	rh_objects t;
	int a, b;

	rh_objects_init(&t);
	RH_ASSERT_NULL(rh_object_find(&t, &a));
	rh_object *o = rh_object_get(&t, &a, RH_OBJ_MUTEX, 1);
	RH_ASSERT_NOT_NULL(o);
	RH_ASSERT_PTR_EQ(o->addr, &a);
	RH_ASSERT_EQ(o->kind, RH_OBJ_MUTEX);
	RH_ASSERT_EQ(o->flags, 1);
	RH_ASSERT_EQ(o->owner, 0);
	RH_ASSERT_FALSE(o->owner_died);
	o->owner = 3;
	RH_ASSERT_PTR_EQ(rh_object_get(&t, &a, RH_OBJ_MUTEX, 0), o);
	RH_ASSERT_EQ(o->owner, 3);
	RH_ASSERT_EQ(o->flags, 1);
	RH_ASSERT_TRUE(rh_object_get(&t, &b, RH_OBJ_RWLOCK, 0) != o);
	RH_ASSERT_EQ(rh_objects_count(&t), 2);
	rh_objects_fini(&t);
}

/* Thousands of objects: every pointer stays where it was (objects never
 * move when the index grows) and every address finds its own. */
static void test_objects_pointers_stable_across_growth(void **unused)
{
	enum { N = 5000 };
	static char mem[N];
	static rh_object *got[N];
	rh_objects t;

	rh_objects_init(&t);
	for (int i = 0; i < N; i++) {
		got[i] = rh_object_get(&t, &mem[i], RH_OBJ_MUTEX, 0);
		got[i]->owner = i + 1;
	}
	for (int i = 0; i < N; i++) {
		RH_ASSERT_PTR_EQ(rh_object_find(&t, &mem[i]), got[i]);
		RH_ASSERT_EQ(got[i]->owner, i + 1);
	}
	RH_ASSERT_EQ(rh_objects_count(&t), N);
	rh_objects_fini(&t);
}

static void test_objects_forget_and_kind_change_start_afresh(void **unused)
{
	rh_objects t;
	int a;

	rh_objects_init(&t);
	rh_object *o = rh_object_get(&t, &a, RH_OBJ_MUTEX, 1);
	o->owner = 2;
	o->owner_died = true;
	rh_object_forget(&t, &a);
	o = rh_object_get(&t, &a, RH_OBJ_MUTEX, 0);
	RH_ASSERT_EQ(o->owner, 0);
	RH_ASSERT_FALSE(o->owner_died);
	RH_ASSERT_EQ(o->flags, 0);
	o->readers = 5;
	o = rh_object_get(&t, &a, RH_OBJ_RWLOCK, 0);
	RH_ASSERT_EQ(o->kind, RH_OBJ_RWLOCK);
	RH_ASSERT_EQ(o->readers, 0);
	RH_ASSERT_EQ(rh_objects_count(&t), 1);
	rh_objects_fini(&t);
}

/* A new run forgets every object of the last one, over many runs, without
 * the index filling up with the old ones. */
static void test_objects_clear_forgets_everything(void **unused)
{
	static char mem[300];
	rh_objects t;

	rh_objects_init(&t);
	for (int run = 0; run < 50; run++) {
		for (int i = 0; i < 300; i++) {
			rh_object *o = rh_object_get(&t, &mem[(i * 7 + run) % 300], RH_OBJ_MUTEX, 0);

			RH_ASSERT_EQ(o->owner, 0);
			o->owner = run + 1;
		}
		RH_ASSERT_EQ(rh_objects_count(&t), 300);
		rh_objects_clear(&t);
		RH_ASSERT_EQ(rh_objects_count(&t), 0);
		RH_ASSERT_NULL(rh_object_find(&t, &mem[run]));
	}
	RH_ASSERT_LE(t.cap, 2048);
	rh_objects_fini(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_objects_get_creates_free_state_once),
		cmocka_unit_test(test_objects_pointers_stable_across_growth),
		cmocka_unit_test(test_objects_forget_and_kind_change_start_afresh),
		cmocka_unit_test(test_objects_clear_forgets_everything),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
