/* SPDX-License-Identifier: MIT */
/* random: uniform over the runnable threads at every choice. */
#include "sched.h"

static bool create(rh_explorer *x, const char *arg, char *err, size_t errcap)
{
	if (*arg == '\0')
		return true;
	snprintf(err, errcap, "strategy '%s': random takes no argument", x->spec);
	return false;
}

static bool begin(rh_explorer *x, unsigned threads)
{
	return true;
}

RH_SCHEDULER_ONLY static unsigned choose(rh_explorer *x, uint64_t enabled, unsigned cur)
{
	return rh__nth_bit(enabled,
			   (unsigned)rh_rng_below(&x->rng, (uint64_t)__builtin_popcountll(enabled)));
}

static void destroy(void *st)
{
}

static const char *const shrink_specs[] = {"random", NULL};

const rh_strategy rh__strategy_random = {
	.name = "random",
	.shrink = shrink_specs,
	.shrink_rank = 2,
	.create = create,
	.begin = begin,
	.choose = choose,
	.destroy = destroy,
};
