/* SPDX-License-Identifier: MIT */
/* A checker asserts that the setter has run, and by default it runs first:
 * its abort ends the run before the setter took a step, so the runs where
 * the setter stores first (the checker then reads 1 or 2) lie behind a step
 * that never ran (rh_dpor_end_cut), as in examples/cond_if. Outcomes: CRASH,
 * or clean having read 1 or 2 (main's outcome(), outcome.h). */
#include <assert.h>
#include <pthread.h>
#include <stdatomic.h>

#include "outcome.h"

static atomic_int state;
static int seen;

static void *setter(void *arg)
{
	atomic_store(&state, 1);
	atomic_store(&state, 2);
	return arg;
}

static void *checker(void *arg)
{
	seen = atomic_load(&state);
	assert(seen != 0);
	return arg;
}

int main(void)
{
	pthread_t c, s;

	pthread_create(&c, NULL, checker, NULL);
	pthread_create(&s, NULL, setter, NULL);
	pthread_join(c, NULL);
	pthread_join(s, NULL);
	outcome("seen", seen);
	return 0;
}
