/* SPDX-License-Identifier: MIT */
/* This file is private to racehunt's stress mode.
 *
 * Noise at a scenario thread's sync point: runtime/noise.h with the
 * strategy's probability and the thread's own stream. */
#ifndef RH_STRESS_NOISE_H
#define RH_STRESS_NOISE_H

#include <sched.h>
#include <time.h>

#include "runtime/noise.h"
#include "team.h"

static inline void rh__stress_noise(struct stress_thread *me)
{
	rh__noise(&me->noise, me->team->opts.noise, sched_yield, nanosleep);
}

#endif
