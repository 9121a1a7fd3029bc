/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * Campaigns: many trials of one scenario x variant under one detector, the
 * results they add up to. */
#ifndef RH_CAMPAIGN_H
#define RH_CAMPAIGN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "controlled/controlled.h"
#include "controlled/sched.h"
#include "core/trial.h"
#include "stress/stress.h"
#include "trial_run.h"

#define RH_SCHEDULE_MAX 65536
#define RH_OUTPUT_TAIL 2048
#define RH_RESERVOIR 4096

/* A campaign: trials of one scenario x variant under one detector. */
typedef struct rh_campaign {
	const rh_scenario *scenario;
	unsigned variant;
	rh_params params;
	rh_mode mode;
	const char *strategy; /* "noise:P" | "random" | "pct:D" | "dfs:K" */
	rh_stress_opts stress;
	uint64_t seed;
	uint64_t first_trial; /* trial numbers start here (replaying one stress trial) */
	/* --shard K/N: these trials are block K of N of a campaign (count 0:
	 * not sharded); results say so, and `racehunt merge` joins the blocks. */
	unsigned shard_index, shard_count;
	uint64_t trials;      /* 0 = until the time budget runs out */
	double time_budget_s; /* 0 = none */
	bool stop_on_first;
	bool trace;	  /* controlled: print every trial's trace */
	bool full_trace;  /* controlled: every step even of a long trace (a HANG) */
	bool isolate;	  /* run trials in a forked child */
	bool quiet;	  /* no report text, only the result */
	bool shrink;	  /* controlled: shrink the first violation before printing */
	bool shrink_workload; /* stress: find the smallest workload that still fails */
} rh_campaign;

/* One step of a controlled trace, flattened so results can live in shared
 * memory and be drawn as swimlanes. */
#define RH_TRACE_MAX 512
typedef struct rh_trace_event {
	uint32_t step;
	uint16_t tid;
	uint16_t op; /* rh_op */
	uint64_t value;
	char name[40]; /* the step as the text trace prints it: "load entry_count=100" */
} rh_trace_event;

typedef struct rh_first {
	uint64_t trial;
	rh_kind kind;
	double at_ms; /* since the campaign started */
	char message[RH_MSG_MAX];
	char schedule[RH_SCHEDULE_MAX]; /* controlled mode only */
	char replay[RH_SCHEDULE_MAX + 1024];
	/* What the trial wrote to stdout and stderr, its last lines. */
	char output[RH_OUTPUT_TAIL];
	/* Controlled mode: the (shrunk) failing interleaving, step by step. */
	unsigned n_events;
	rh_trace_event events[RH_TRACE_MAX];
} rh_first;

/* Replay f->schedule (controlled mode) and keep its steps in f->events, its
 * violation message in f->message; no events when it does not replay. */
void rh_first_record_trace(rh_first *f, const rh_scenario *s, unsigned variant);

/* Controlled mode in a trial process: the choices of the run it died in (a
 * crash, a sanitizer abort, the harness limit), copied by the dying process
 * so its parent can write the schedule that replays to the same death. */
#define RH_CRASH_DEVS 8192
typedef struct rh_crash_capture {
	_Atomic int state; /* 0 = nothing, 1 = being written, 2 = complete */
	bool truncated;	   /* more deviations than RH_CRASH_DEVS */
	uint64_t trial;
	uint32_t choices, fingerprint;
	uint32_t n_devs;
	rh_dev devs[RH_CRASH_DEVS];
} rh_crash_capture;

/* What a campaign adds up to. Lives in shared memory when trials run in a
 * child, so it holds no pointers. */
typedef struct rh_result {
	uint64_t trials_run;
	uint64_t failed_trials;
	uint64_t hist[RH_KIND_COUNT_]; /* failed trials by their first violation's kind */
	/* Failed trials in which a kind fired that was not their first: checks
	 * that report later (a history check after per-read ones) show here. */
	uint64_t behind[RH_KIND_COUNT_];
	uint64_t sanitizer_trials;     /* trials in which a sanitizer reported */
	uint64_t schedules;	       /* controlled: schedules explored */
	bool exhausted;		       /* controlled: bounded space fully explored */
	uint64_t pruned;	       /* controlled: dpor runs cut by sleep sets */
	char points[8];		       /* controlled: the points model ("sync") */
	bool have_first;
	rh_first first;
	double elapsed_ms;
	/* Latency samples, a uniform reservoir over all trials. */
	uint64_t samples_seen;
	uint64_t reservoir[RH_RESERVOIR];
	/* Progress shared with the parent while the child runs. */
	_Atomic uint64_t current_trial;
	_Atomic int in_trial;
	/* When the trial process began what it does now: a trial, a step of
	 * following up the first violation, or its own part between them; the
	 * campaign's deadline for that (isolation.c) runs from here. */
	_Atomic uint64_t phase_ms;
	_Atomic int began; /* the trial process began a trial */
	uint64_t abandoned_trial; /* last hung stress trial + 1, 0 = none */
	_Atomic int following_up; /* shrinking or tracing the first violation */
	int harness_failed; /* exit 3: an internal error, not a verdict */
	char harness_error[256];
	/* --strategy replay: why the run left the recorded schedule (the code
	 * changed), else empty; the run then proves nothing either way. */
	char diverged[256];
	rh_crash_capture crash;
	int interrupted;	   /* SIGINT/SIGTERM that stopped the campaign, 0 = none */
	double progress_ms;	   /* when the last progress line was drawn */
	/* Controlled: the first violation does not happen when its schedule
	 * runs alone in a fresh process (follow_up.c says which way). */
	char not_alone[256];
	/* The first violation took its process down (a crash, the harness
	 * limit): following it up would run into the same death. */
	bool first_died;
	/* Stress: reruns of the first failing trial, and how many failed. */
	unsigned reruns, rerun_failures;
} rh_result;

/* Run a campaign; returns the exit status of `racehunt run`: 0 clean,
 * 1 violation found, 3 harness failure. Interrupted by SIGINT/SIGTERM, it
 * stops within one poll with r->interrupted set and what it had (1 when a
 * violation was found, else 3). */
int rh_campaign_run(const rh_campaign *c, rh_result *r);

#endif
