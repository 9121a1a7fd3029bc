/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * Stress mode: a team of OS threads per trial, released together each round,
 * seeded noise at sync points, a per-round watchdog. */
#ifndef RH_STRESS_H
#define RH_STRESS_H

#include <stdbool.h>

#include "racehunt/scenario.h"

typedef struct rh_stress_opts {
	double noise;	      /* probability of a perturbation at a sync point */
	bool pin;	      /* pin thread i to CPU i % ncpu */
	unsigned watchdog_ms; /* per round, before RH_TIMEOUT_MULTIPLIER */
} rh_stress_opts;

/* Run every round of a trial. Returns false when the trial did not complete
 * (the watchdog expired, or a lock cycle was reported): its state is then
 * abandoned, since threads still in it may hold its locks or go on running,
 * and the stress engine keeps it allocated and reachable; the caller must
 * neither check it, nor tear it down, nor free it. The threads never touch t
 * once this returns, whatever it returns. A thread that cannot be started
 * ends the process with rh_die (exit 3). */
bool rh_stress_run(const rh_scenario *s, void *state, rh_trial *t, const rh_stress_opts *o);

/* Parse "noise:P" (0 <= P <= 1). False with a reason in err. */
bool rh_stress_parse_strategy(const char *spec, double *noise, char *err, size_t errcap);

#endif
