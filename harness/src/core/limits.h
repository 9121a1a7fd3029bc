/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * The one check of a workload and a trial range against what the harness and
 * the scenario can hold. Every door into a trial calls it: run's options,
 * replay, shrink and run --strategy replay: (through rh_schedule_resolve). */
#ifndef RH_CORE_LIMITS_H
#define RH_CORE_LIMITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "racehunt/scenario.h"

/* Harness defaults where a scenario declares 0. */
#define RH_LIMIT_OPS (1ull << 20)
#define RH_LIMIT_ROUNDS (1u << 10)
#define RH_LIMIT_SIZE (1u << 20)
/* Trial numbers (first trial + trials) stay below this, so no sum wraps. */
#define RH_TRIAL_INDEX_MAX (UINT64_MAX / 2)

/* The limits in force for s: its declaration with the defaults filled in. */
rh_limits rh_limits_of(const rh_scenario *s);
unsigned rh_max_threads(const rh_scenario *s);

/* false with a one-line reason naming the limit when p does not fit s. */
bool rh_params_fit(const rh_scenario *s, const rh_params *p, char *err, size_t errcap);
/* false with a reason when trials first .. first + count - 1 leave the range
 * (count 0 = unbounded: first alone is checked). */
bool rh_trials_fit(uint64_t first, uint64_t count, char *err, size_t errcap);

#endif
