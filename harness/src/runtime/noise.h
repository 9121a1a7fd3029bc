/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * Stress noise, the one definition for scenario threads (stress/) and
 * unmodified programs (intercept/): with probability p, a yield, a short spin
 * or a short sleep, drawn from the thread's own seeded stream. The caller
 * passes its yield and sleep because the intercept runtime must reach libc's,
 * not its own interceptors. Inline: it is on every sync point's path. */
#ifndef RH_RUNTIME_NOISE_H
#define RH_RUNTIME_NOISE_H

#include <time.h>

#include "racehunt/rng.h"

static inline void rh__noise(rh_rng *rng, double p, int (*yield)(void),
			     int (*sleep)(const struct timespec *, struct timespec *))
{
	uint64_t r;

	if (p <= 0 || (double)(rh_rng_next(rng) >> 11) * 0x1.0p-53 >= p)
		return;
	r = rh_rng_next(rng);
	switch (r % 3) {
	case 0:
		yield();
		break;
	case 1:
		for (volatile unsigned spin = (unsigned)(r >> 8) % 2000; spin > 0; spin--)
			;
		break;
	default: {
		struct timespec ts = {0, 1000 + (long)((r >> 8) % 50000)};
		sleep(&ts, NULL);
	}
	}
}

#endif
