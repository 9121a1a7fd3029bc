/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * `racehunt exec`: campaigns over an unmodified program built with
 * racehunt-cc. The program is started once as a fork server (racehunt/exec.h)
 * and every trial is one of its children running main from the pre-main
 * state. Results use the campaign's rh_result, so summaries and JSON read
 * like those of `run`. */
#ifndef RH_CAMPAIGN_EXEC_H
#define RH_CAMPAIGN_EXEC_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "campaign.h"
#include "controlled/sched.h"
#include "racehunt/exec.h"

/* The program and its arguments, at most. */
#define RH_EXEC_MAX_ARGS 64

typedef struct rh_exec {
	rh_campaign c; /* mode, strategy, noise, budget, seed, watchdog, quiet */
	/* The program and its arguments, argv[0] its path, NULL-terminated. */
	char *argv[RH_EXEC_MAX_ARGS + 1];
	unsigned points;   /* rh_exec_points */
	unsigned sample;   /* one shared access in about this many is watched */
	uint64_t hash;	   /* FNV-1a of the program file, named in reports */
	/* --program-hash: the file must still hash to this (a replay line's
	 * guard against running it on a rebuilt program). */
	bool check_hash;
	uint64_t want_hash;
	/* The first violation's message in full (the result keeps RH_MSG_MAX). */
	char message[RH_EXEC_MSG_MAX];
	/* The first failing trial's program output (stdout and stderr), its tail. */
	char output_tail[2048];
	/* Controlled: choices every trial must make (a replay, a shrink
	 * candidate), NULL to let the strategy choose. */
	const rh_sched_spec *force;
	/* Controlled with an exhaustive strategy (dfs): its explorer, kept here
	 * across trials and asked by each (exec_remote.c); NULL otherwise. */
	rh_explorer *explorer;
	/* dpor: the trial's steps and choices its search has been told of
	 * (exec_dpor.c) */
	uint64_t steps_told, choices_told;
	/* Controlled, after rh_exec_run: the first failing trial's schedule
	 * (scenario "exec"; no argv when its record overflowed) and steps, a
	 * line each with the runtime's tokens (malloc'd, NULL when none); and
	 * the last trial's record, retraced or not (why_diverged, "" when it
	 * followed force). */
	rh_sched_spec first_spec;
	char *first_trace;
	char *last_trace;
	char why_diverged[160];
} rh_exec;

/* "racehunt: exec: <msg>" on one line to stderr; returns 2. */
int rh_exec_usage(const char *fmt, ...) RH_PRINTF(1, 2);

/* 0 and the program's hash, or 2 after a one-line error: the program is not
 * a file, not readable, not linked with the intercept runtime, or not the
 * file --program-hash names. */
int rh_exec_check_program(rh_exec *e);
/* The same for a path: true and its hash, or false with a one-line reason
 * (want: the hash it must have, or NULL). */
bool rh_exec_check_file(const char *path, const uint64_t *want, uint64_t *hash, char *err,
			size_t errcap);
/* An exec schedule (rh_schedule_resolve's part for scenario "exec"): its
 * arguments, forced choices and trial within limits, its program the one
 * recorded; false with a one-line reason. */
bool rh_exec_schedule_fits(const rh_sched_spec *sp, char *err, size_t errcap);

/* Run the campaign; exit status as `run`: 0 clean, 1 violation, 2 the
 * program never became a fork server (it exited or hung before main) or did
 * something the runtime cannot model (one line said what), 3 harness
 * failure (the fork server went away). The first violation's message keeps the runtime's
 * {pc:..}/{obj:..} tokens: the report layer names them. */
int rh_exec_run(rh_exec *e, rh_result *r);
/* What rh_exec_run left in e (specs and traces). */
void rh_exec_fini(rh_exec *e);

/* The program as a fork server, and one trial of it at a time: what
 * rh_exec_run loops over, and what a shrink runs its candidates on. */
typedef struct rh_exec_server {
	pid_t pid;
	int cmd, status, out, ask, answer;
	struct rh_exec_shared *sh;
} rh_exec_server;

typedef enum rh_exec_end {
	RH_EXEC_TRIAL_CLEAN,
	RH_EXEC_TRIAL_FAILED,
	RH_EXEC_TRIAL_UNSUPPORTED, /* message says what the runtime cannot model */
	RH_EXEC_TRIAL_LOST,	   /* the server itself went away */
} rh_exec_end;

typedef struct rh_exec_verdict {
	rh_kind kind;
	char message[RH_EXEC_MSG_MAX];
	/* A report in shared memory, then a signal (CRASH) or a non-zero status
	 * (EXIT): the kind that fired behind it, else RH_KIND_COUNT_. */
	rh_kind behind;
} rh_exec_verdict;

/* Start e's program as a fork server; false with a one-line reason (the
 * program exited or hung before main). Stop it in either case. */
bool rh_exec_start(const rh_exec *e, rh_exec_server *s, char *err, size_t cap);
void rh_exec_stop(rh_exec_server *s);
/* One trial with e's parameters (its forced choices too); its run record is
 * s->sh->rec and its output s->out until the next. */
rh_exec_end rh_exec_trial(rh_exec *e, rh_exec_server *s, uint64_t trial, rh_exec_verdict *v);
/* The last lines the trial printed, at most cap - 1 bytes. */
void rh_exec_output_tail(const rh_exec_server *s, char *buf, size_t cap);

/* exec_remote.c: e->explorer's side of a trial. Who chooses in the trial;
 * before it, the search's next run (false: its space is exhausted); after
 * it, the run's end; and one question of the trial answered (false: the
 * ask pipe failed). */
rh_exec_remote rh_exec_remote_mode(const rh_exec *e);
bool rh_exec_remote_begin(rh_exec *e, rh_exec_server *s, uint64_t trial);
void rh_exec_remote_end(rh_exec *e, const rh_exec_server *s);
bool rh_exec_answer(rh_exec *e, rh_exec_server *s);

/* exec_dpor.c: whether strategy is dpor or dpor:K (its trials check every
 * access for races by happens-before, points all); whether e's search is
 * dpor's. Its side of a trial: before it, the forced choices of the prefix
 * the search replays; a question answered (the steps since the last one
 * told first); the run's end. */
bool rh_exec_strategy_hb(const char *strategy);
bool rh_exec_dpor(const rh_exec *e);
void rh_exec_dpor_prepare(rh_exec *e, struct rh_exec_record *rec);
unsigned rh_exec_dpor_ask(rh_exec *e, const struct rh_exec_shared *sh, uint64_t enabled,
			  unsigned cur);
void rh_exec_dpor_end(rh_exec *e, const struct rh_exec_shared *sh);
/* Whether a dpor search found a replayed prefix run differently (the
 * program is not deterministic): its "exhausted" would prove nothing. */
bool rh_exec_search_diverged(const rh_explorer *x);

/* exec_shrink.c: a failing controlled run shrunk to fewer choices off the
 * default, keeping its kind and signature. */
typedef struct rh_exec_shrunk {
	rh_sched_spec best; /* the shrunk run's schedule */
	char *trace;	    /* its steps, a line each (malloc'd) */
	rh_kind kind;
	char message[RH_EXEC_MSG_MAX]; /* its violation, runtime tokens */
	char output_tail[2048];	       /* its program output's tail */
	char signature[RH_EXEC_MSG_MAX];
	char why[RH_EXEC_MSG_MAX]; /* status 2 or 3: why not */
	unsigned runs;		   /* candidate trials run */
	size_t devs_before;
	unsigned preempt_before, preempt_after;
} rh_exec_shrunk;
/* Shrink the run found recorded (e set up for its program, points and
 * watchdog). Returns 1 (shrunk into out), 0 (the run does not fail), 2 (it
 * does not replay, or the program cannot be run: out->why), 3 (harness
 * failure). */
int rh_exec_shrink_run(rh_exec *e, const rh_sched_spec *found, rh_exec_shrunk *out);
void rh_exec_shrunk_free(rh_exec_shrunk *s);

/* exec_record.c: the run record racehunt shares with a controlled trial. */
/* Before a trial: forced choices (force's deviations, or none) and an empty
 * record. */
void rh_exec_record_reset(struct rh_exec_record *rec, const rh_sched_spec *force);
/* After a trial that failed with kind: the schedule of the run it made;
 * false when its record overflowed (more choices than it keeps). */
bool rh_exec_record_spec(const rh_exec *e, const struct rh_exec_record *rec, uint64_t trial,
			 rh_kind kind, rh_sched_spec *out);
/* NULL when the run retraced want (the same choices, the same steps), else
 * why not, in buf. */
const char *rh_exec_record_diverged(const struct rh_exec_record *rec, const rh_sched_spec *want,
				    char *buf, size_t cap);
/* Its steps, a line each, and where each of its threads ended (malloc'd). */
char *rh_exec_record_trace(const struct rh_exec_record *rec, unsigned threads);

#endif
