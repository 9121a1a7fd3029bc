/* SPDX-License-Identifier: MIT */
/* The fuzzer byte source: one byte per choice. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "campaign/campaign.h"
#include "campaign/shrink.h"
#include "campaign/trial_run.h"
#include "cli/replay.h"
#include "controlled/sched.h"
#include "controlled_support.h"
#include "core/registry.h"
#include "racehunt/sync.h"

static void test_controlled_bytes_drive_choices(void **state)
{
	static const uint8_t none[1] = {0};
	static const uint8_t flip[] = {1, 1, 1, 1, 1, 1, 1, 1};
	rh_params p = params(2, 1, 1);
	rh_trial t;
	bool failed[2];

	for (int k = 0; k < 2; k++) {
		rh_explorer *x = k ? rh_explorer_from_bytes(flip, sizeof(flip))
				   : rh_explorer_from_bytes(none, 0);

		rh_trial_init(&t, &count, 0, &p, 1, 0);
		RH_ASSERT_TRUE(rh_trial_execute(&t, RH_MODE_CONTROLLED, NULL, x));
		failed[k] = rh_trial_failed(&t);
		rh_trial_fini(&t);
		if (k == 0)
			RH_ASSERT_EQ(rh_explorer_preemptions(x), 0);
		/* One schedule per explorer. */
		rh_trial_init(&t, &count, 0, &p, 1, 1);
		RH_ASSERT_FALSE(rh_trial_execute(&t, RH_MODE_CONTROLLED, NULL, x));
		rh_trial_fini(&t);
		rh_explorer_free(x);
	}
	/* No bytes: serial, clean. Switching at every choice: lost update. */
	RH_ASSERT_FALSE(failed[0]);
	RH_ASSERT_TRUE(failed[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_controlled_bytes_drive_choices),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
