/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * Inside campaigns, between the trial loop (campaign.c), the trial
 * processes (isolation.c), what dying processes leave behind
 * (crash_capture.c) and the follow-up of the first violation
 * (follow_up.c). */
#ifndef RH_CAMPAIGN_PRIVATE_H
#define RH_CAMPAIGN_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "campaign.h"
#include "trial_output.h"

/* A trial that runs this long (before RH_TIMEOUT_MULTIPLIER) is killed: the
 * last resort against a hang no watchdog sees (a loop without sync points). */
#define RH_TRIAL_LIMIT_MS 60000
/* The trial process's own part (start-up, between trials, the leak check and
 * exit after the last) takes milliseconds; stuck there this many watchdog
 * periods, at least RH_IDLE_MIN_MS (before RH_TIMEOUT_MULTIPLIER), it is
 * killed: a harness failure, not a verdict. */
#define RH_IDLE_WATCHDOGS 10
#define RH_IDLE_MIN_MS 2000

/* campaign.c: the trial loop, in whichever process runs trials; each
 * trial's output caught in out (NULL: not caught). */
void rh__campaign_loop(const rh_campaign *c, rh_result *r, uint64_t start_trial,
		       double start_ms, const rh_trial_output *out);
bool rh__budget_left(const rh_campaign *c, uint64_t trial, double start_ms);
void rh__progress(const rh_campaign *c, rh_result *r, double start_ms, bool final);

/* isolation.c: trials in forked trial processes; out is the whole result,
 * trial_out catches each trial's output. */
int rh__campaign_isolated(const rh_campaign *c, rh_result *out, double start_ms,
			  const rh_trial_output *trial_out);
/* In a trial or follow-up process: a step of its work begins now (a shrink
 * candidate, a replay), so its deadline starts again; a no-op elsewhere. */
void rh__alive(void);

/* follow_up.c */
/* The first violating trial t (in the loop): record it; in this process,
 * follow it up (shrink, trace) and print it now, else leave that to
 * rh__follow_up once the trial process is done. */
void rh__first_found(const rh_campaign *c, rh_result *r, rh_trial *t, uint64_t trial,
		     rh_explorer *x, double start_ms);
/* In a fresh process forked from the campaign's (no trial has run there):
 * check the first violation's schedule fails alone, shrink it, keep its
 * trace, print the report. */
void rh__follow_up_fresh(const rh_campaign *c, rh_result *r);
void rh__print_first(const rh_campaign *c, const rh_result *r, const rh_trial *t);
/* The command that re-runs the campaign up to trial (a stress trial alone,
 * a controlled campaign prefix in this process). */
void rh__trial_replay_command(const rh_campaign *c, uint64_t trial, char *buf, size_t cap);

/* crash_capture.c: in a controlled trial process, the run it dies in. */
void rh__crash_install(rh_result *r);
void rh__crash_arm(rh_explorer *x, uint64_t trial);
void rh__crash_disarm(void);
/* Send to a trial process past its time limit: it writes its run down, then
 * exits. */
#define RH_CRASH_CAPTURE_SIGNAL SIGUSR2
/* In the parent: the schedule string of the captured run into buf; false
 * (buf untouched) when nothing usable was captured. Clears the capture. */
bool rh__crash_schedule(const rh_campaign *c, rh_result *r, char *buf, size_t cap);

#endif
