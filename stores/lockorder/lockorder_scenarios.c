/* SPDX-License-Identifier: MIT */
/* lockorder.abba: even threads transfer A -> B, odd threads B -> A, `ops`
 * transfers each per round; check() demands the money is conserved. The
 * buggy variant deadlocks (controlled: DEADLOCK naming the cycle; stress:
 * HANG from the watchdog when the two windows overlap). */
#include <stdlib.h>

#include "lockorder.h"
#include "racehunt/scenario.h"

#define LOCKORDER_BALANCE 1000000u

static const rh_variant lockorder_variants[] = {
	[RHL_BUGGY] = {"buggy", RH_EXPECT_DETECTED,
		       "a transfer locks its source account, then its destination (ABBA)"},
	[RHL_FIXED] = {"fixed", RH_EXPECT_CLEAN,
		       "a transfer locks account A before account B, whatever the direction"},
};

static void *abba_setup(const rh_params *p, unsigned variant, rh_trial *t)
{
	rhl_bank *b = malloc(sizeof(*b));

	if (b != NULL && rhl_init(b, (rhl_variant)variant, LOCKORDER_BALANCE) != 0) {
		free(b);
		return NULL;
	}
	return b;
}

static void abba_thread(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	rhl_bank *b = state;
	unsigned ops = rh_trial_params(t)->ops;

	for (unsigned i = 0; i < ops; i++)
		rhl_transfer(b, tid % 2, 1 + tid);
}

static void abba_check(void *state, rh_trial *t)
{
	uint64_t total = rhl_total(state);

	if (total != 2ull * LOCKORDER_BALANCE)
		rh_violation(t, RH_LOST_UPDATE, "accounts hold %llu in all, expected %llu",
			     (unsigned long long)total, 2ull * LOCKORDER_BALANCE);
}

static void abba_teardown(void *state)
{
	rhl_destroy(state);
	free(state);
}

static const rh_scenario lockorder_abba = {
	.name = "lockorder.abba",
	.summary = "opposite transfers between two accounts, each locking both",
	.variants = lockorder_variants,
	.n_variants = RHL_VARIANT_COUNT_,
	.defaults = {.threads = 2, .ops = 1, .rounds = 1, .size = 0},
	.max_threads = 16,
	.limits = {.max_ops = 1u << 14}, /* size is unused */
	.stress_trials = 2000,
	.setup = abba_setup,
	.thread = abba_thread,
	.check = abba_check,
	.teardown = abba_teardown,
};

RH_SCENARIO(lockorder_abba)
