/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * One trial: its parameters, random streams, recorded violations and
 * samples. Stress mode and the controlled scheduler both run trials through
 * this structure; the campaign turns them into reports. */
#ifndef RH_TRIAL_H
#define RH_TRIAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "racehunt/scenario.h"

#define RH_MAX_THREADS 64
#define RH_MSG_MAX 1024
#define RH_SAMPLES_PER_THREAD 4096

struct rh_trial {
	const rh_scenario *scenario;
	unsigned variant;
	rh_params params;
	uint64_t seed;	 /* campaign seed */
	uint64_t index;	 /* trial number within the campaign */
	rh_rng rng[RH_MAX_THREADS];

	_Atomic unsigned violations;
	_Atomic unsigned kind_counts[RH_KIND_COUNT_];
	/* 0 = free, 1 = being written, 2 = complete; the first reporter wins. */
	_Atomic int first_state;
	rh_kind first_kind;
	char first_msg[RH_MSG_MAX];
	/* rh_trial_error: 0 = none, 1 = being written, 2 = complete. */
	_Atomic int error_state;
	char error_msg[RH_MSG_MAX];

	/* Samples: thread tid writes only its own row. */
	uint64_t *samples;
	unsigned sample_count[RH_MAX_THREADS];
};

void rh_trial_init(rh_trial *t, const rh_scenario *s, unsigned variant, const rh_params *p,
		   uint64_t seed, uint64_t index);
void rh_trial_fini(rh_trial *t);
/* Only after every scenario thread has ended. */
rh_kind rh_trial_first_kind(const rh_trial *t);
const char *rh_trial_first_msg(const rh_trial *t);

#endif
