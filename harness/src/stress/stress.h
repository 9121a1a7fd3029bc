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

/* Run every round of a trial. Returns false when the watchdog expired and the
 * trial's state was abandoned: threads still in it may hold its locks, so it
 * must be neither checked nor torn down. */
bool rh_stress_run(const rh_scenario *s, void *state, rh_trial *t, const rh_stress_opts *o);

/* Parse "noise:P" (0 <= P <= 1). False with a reason in err. */
bool rh_stress_parse_strategy(const char *spec, double *noise, char *err, size_t errcap);

#endif
