/* SPDX-License-Identifier: MIT */
/* Descheduled fibers: the soft watchpoints and the spin-wait yields of
 * controlled mode.
 *
 * Watchpoints. hooks.c publishes the watched access (address, size,
 * read/write, pc) as in stress mode; instead of stalling, the fiber is held
 * here: not runnable until the other fibers have taken HOLD_STEPS scheduling
 * steps, or until none of them can run. Every access the others make
 * meanwhile is checked against the watchpoint, and an overlapping one with a
 * write on either side is a DATA_RACE.
 *
 * Why this reports no access a lock orders: the held fiber performs nothing
 * while held, so it releases nothing. If it holds the mutex (or the write
 * side of an rwlock) that guards the location, another fiber's lock call
 * waits (is not enabled) and its trylock fails; if it holds a read lock,
 * the others can only read under it. A fiber ordered after the watched
 * access by a join or a condition waits likewise; when every other fiber
 * waits the hold ends at once. The holds are part of the schedule, so a
 * trial replays them from (seed, trial) like every other choice.
 *
 * Yields (controlled_spin.c): a spinning fiber is held until every other
 * fiber that could run has taken a step (CHESS's fair scheduling), or until
 * none of them can.
 *
 * Delays: at about one atomic operation in --sample (from the fiber's own
 * stream) the fiber is held for 1..HOLD_STEPS steps of the others before the
 * operation, as stress mode perturbs the same points. Lock-free code's
 * windows lie between two atomics a few steps apart (aba_stack's pop between
 * its read of the successor and its CAS), where pct's two change points in a
 * run of thousands of steps rarely fall. */
#include "controlled_rt.h"
#include "core/trial.h"

/* Long enough for another fiber to reach the location through a lock, an
 * allocation and a few shared accesses (dcl's writer under its lock); short
 * enough that a watcher in a hot loop does not starve its program. */
#define HOLD_STEPS 24
enum hold_kind { H_STEPS, H_YIELD };

static uint64_t held; /* bit i: fiber i is held */
static enum hold_kind kind[RH_MAX_THREADS];
static unsigned steps_left[RH_MAX_THREADS]; /* H_STEPS */
static uint64_t owed[RH_MAX_THREADS];	     /* H_YIELD: who has yet to step */

static unsigned delay_countdown[RH_MAX_THREADS];

static void hold(enum hold_kind k, unsigned steps)
{
	unsigned me = rh__rt_self->tid;

	kind[me] = k;
	steps_left[me] = steps;
	held |= 1ull << me;
	rh__ctl_point();
	held &= ~(1ull << me);
}

void rh__ctl_hold(void)
{
	hold(H_STEPS, HOLD_STEPS);
}

void rh__ctl_yield(void)
{
	hold(H_YIELD, 0);
}

void rh__ctl_delay(void)
{
	struct rh__rt_thread *me = rh__rt_self;
	unsigned *left = &delay_countdown[me->tid];

	/* dpor explores the orders itself; a random hold would only hide some. */
	if (rh__hb_on)
		return;
	if (*left == 0)
		*left = 1 + (unsigned)rh_rng_below(&me->rng, 2 * (uint64_t)rh__rt_shared->sample);
	if (--*left == 0)
		hold(H_STEPS, 1 + (unsigned)rh_rng_below(&me->rng, HOLD_STEPS));
}

/* The pick after a step of cur: true when held fiber i may run again. Its
 * own pick (cur == i) is the one that deschedules it: a yield then notes
 * who could run instead. */
static bool released(unsigned i, uint64_t enabled, unsigned cur)
{
	uint64_t others = enabled & ~held;

	if (kind[i] == H_STEPS)
		return i != cur && --steps_left[i] == 0;
	if (i == cur)
		owed[i] = others;
	else
		owed[i] &= others & ~(1ull << cur);
	return owed[i] == 0;
}

uint64_t rh__ctl_hold_filter(uint64_t enabled, unsigned cur)
{
	if (held == 0)
		return enabled;
	for (uint64_t m = held; m; m &= m - 1) {
		unsigned i = (unsigned)__builtin_ctzll(m);

		if (released(i, enabled, cur))
			held &= ~(1ull << i);
	}
	if ((enabled & ~held) != 0)
		return enabled & ~held;
	/* Nobody else can run: the holds end. */
	held = 0;
	return enabled;
}

