/* SPDX-License-Identifier: MIT */
/* Soft watchpoints in controlled mode. hooks.c publishes the watched access
 * (address, size, read/write, pc) as in stress mode; instead of stalling,
 * the fiber is descheduled here: it is not runnable until the other fibers
 * have taken HOLD_STEPS scheduling steps, or until none of them can run.
 * Every access the others make meanwhile is checked against the watchpoint,
 * and an overlapping one with a write on either side is a DATA_RACE.
 *
 * Why this reports no access a lock orders: the held fiber performs nothing
 * while held, so it releases nothing. If it holds the mutex (or the write
 * side of an rwlock) that guards the location, another fiber's lock call
 * waits (is not enabled) and its trylock fails; if it holds a read lock,
 * the others can only read under it. A fiber ordered after the watched
 * access by a join or a condition waits likewise; when every other fiber
 * waits the hold ends at once. The holds are part of the schedule, so a
 * trial replays them from (seed, trial) like every other choice. */
#include "controlled_rt.h"
#include "core/trial.h"

/* Long enough for another fiber to reach the location through a lock, an
 * allocation and a few shared accesses (dcl's writer under its lock); short
 * enough that a watcher in a hot loop does not starve its program. */
#define HOLD_STEPS 24

static unsigned held_steps[RH_MAX_THREADS]; /* steps of the others left */
static uint64_t held; /* bit i: fiber i is held */

void rh__ctl_hold(void)
{
	unsigned me = rh__rt_self->tid;

	held_steps[me] = HOLD_STEPS;
	held |= 1ull << me;
	rh__ctl_point();
	held &= ~(1ull << me);
	held_steps[me] = 0;
}

uint64_t rh__ctl_hold_filter(uint64_t enabled, unsigned cur)
{
	if (held == 0)
		return enabled;
	/* A step of cur: it counts for every held fiber but itself (its own
	 * pick is the one that deschedules it). */
	for (uint64_t m = held & ~(1ull << cur); m; m &= m - 1) {
		unsigned i = (unsigned)__builtin_ctzll(m);

		if (--held_steps[i] == 0)
			held &= ~(1ull << i);
	}
	if ((enabled & ~held) != 0)
		return enabled & ~held;
	/* Nobody else can run: the holds end. */
	held = 0;
	return enabled;
}
