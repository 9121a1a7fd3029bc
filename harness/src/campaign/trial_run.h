/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * One trial end to end in this process, in either mode: what the campaign
 * loop, shrinking and the first violation's trace all run. */
#ifndef RH_CAMPAIGN_TRIAL_RUN_H
#define RH_CAMPAIGN_TRIAL_RUN_H

#include <stdbool.h>

#include "controlled/controlled.h"
#include "controlled/sched.h"
#include "core/trial.h"
#include "stress/stress.h"

typedef enum rh_mode {
	RH_MODE_STRESS,
	RH_MODE_CONTROLLED,
} rh_mode;

/* Setup, the threads (a stress team or the explorer's fibers), check,
 * teardown. t comes from rh_trial_init. ThreadSanitizer reports printed
 * meanwhile become a SANITIZER violation. Returns false, running nothing,
 * when the explorer's space is exhausted. */
bool rh_trial_execute(rh_trial *t, rh_mode mode, const rh_stress_opts *so, rh_explorer *x);

/* A schedule string resolved to what a trial runs: parsed, its scenario and
 * variant looked up, its workload and trial number checked against the
 * limits run applies (core/limits.h). The one validation replay, shrink and
 * run --strategy replay: share. false with a one-line reason (sp freed). An
 * exec run's string (sp->argv set) resolves to *s NULL, its program checked
 * (rh_exec_schedule_fits). */
bool rh_schedule_resolve(const char *str, rh_sched_spec *sp, const rh_scenario **s,
			 unsigned *variant, char *err, size_t errcap);

/* A replay of sp that took its recorded steps (failed: it found a violation
 * of kind) against how sp says its run ended: NULL when they agree or sp
 * says nothing (a string from before it did), else the one line that says
 * how they differ -- "NOT REPRODUCED: ..." when the recorded violation did
 * not happen. Whoever prints it exits 1. */
const char *rh_replay_disagrees(const rh_sched_spec *sp, bool failed, rh_kind kind, char *buf,
				size_t cap);

#endif
