/* SPDX-License-Identifier: MIT */
/* This file is private to racehunt's stress mode.
 *
 * Noise: at a sync point, with the strategy's probability, a yield, a short
 * spin or a short sleep, from the thread's own seeded stream. Inline: it is
 * on every sync point's path. */
#ifndef RH_STRESS_NOISE_H
#define RH_STRESS_NOISE_H

#include <sched.h>
#include <time.h>

#include "team.h"

static inline void rh__stress_noise(struct stress_thread *me)
{
	double p = me->team->opts.noise;
	uint64_t r;

	if (p <= 0 || (double)(rh_rng_next(&me->noise) >> 11) * 0x1.0p-53 >= p)
		return;
	r = rh_rng_next(&me->noise);
	switch (r % 3) {
	case 0:
		sched_yield();
		break;
	case 1:
		for (volatile unsigned spin = (unsigned)(r >> 8) % 2000; spin > 0; spin--)
			;
		break;
	default: {
		struct timespec ts = {0, 1000 + (long)((r >> 8) % 50000)};
		nanosleep(&ts, NULL);
	}
	}
}

#endif
