/* SPDX-License-Identifier: MIT */
/* The first violation of a campaign: recorded at once, then followed up --
 * its schedule checked to fail alone in a fresh process, shrunk, its trace
 * kept -- and reported with the command that replays it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "campaign_private.h"
#include "core/interrupt.h"
#include "core/replay_command.h"
#include "core/util.h"
#include "racehunt/cli.h"
#include "shrink.h"
#include "controlled/sched.h"
#include "stress/stress.h"

static void strategy_of(const rh_campaign *c, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s %s", c->mode == RH_MODE_STRESS ? "stress" : "controlled",
		 c->strategy);
}

static void stress_replay_command(const rh_campaign *c, uint64_t trial, char *buf, size_t cap)
{
	const rh_params *p = &c->params;

	snprintf(buf, cap,
		 "%s run %s --variant %s --mode stress --strategy %s --threads %u --ops %u "
		 "--rounds %u --size %u --seed %llu --first-trial %llu --trials 1%s",
		 rh_program, c->scenario->name, c->scenario->variants[c->variant].name,
		 c->strategy, p->threads, p->ops, p->rounds, p->size,
		 (unsigned long long)c->seed, (unsigned long long)trial,
		 c->stress.pin ? " --pin" : "");
}

void rh__trial_replay_command(const rh_campaign *c, uint64_t trial, char *buf, size_t cap)
{
	if (c->mode == RH_MODE_STRESS) {
		stress_replay_command(c, trial, buf, cap);
		return;
	}
	snprintf(buf, cap,
		 "%s run %s --variant %s --mode controlled --strategy %s --threads %u --ops %u "
		 "--rounds %u --size %u --seed %llu --first-trial %llu --trials %llu --no-fork",
		 rh_program, c->scenario->name, c->scenario->variants[c->variant].name,
		 c->strategy, c->params.threads, c->params.ops, c->params.rounds, c->params.size,
		 (unsigned long long)c->seed, (unsigned long long)c->first_trial,
		 (unsigned long long)(trial + 1 - c->first_trial));
}

void rh__print_first(const rh_campaign *c, const rh_result *r, const rh_trial *t)
{
	char strategy[128];

	if (c->quiet)
		return;
	strategy_of(c, strategy, sizeof(strategy));
	printf("VIOLATION %s in %s [%s] (%s, seed %llu, trial %llu)\n",
	       rh_kind_name(r->first.kind), c->scenario->name,
	       c->scenario->variants[c->variant].name, strategy, (unsigned long long)c->seed,
	       (unsigned long long)r->first.trial);
	printf("  %s\n", r->first.message);
	if (t != NULL && atomic_load(&t->violations) > 1) {
		printf("  this trial also saw:");
		for (int k = 0; k < RH_KIND_COUNT_; k++) {
			unsigned n = atomic_load(&t->kind_counts[k]) - (k == (int)r->first.kind);
			if (n)
				printf(" %u %s", n, rh_kind_name((rh_kind)k));
		}
		printf("\n");
	}
	if (r->first.output[0]) {
		printf("  output of trial %llu (its last lines):\n",
		       (unsigned long long)r->first.trial);
		for (const char *p = r->first.output; *p;) {
			int n = (int)strcspn(p, "\n");

			printf("    | %.*s\n", n, p);
			p += n + (p[n] == '\n');
		}
	}
	if (r->not_alone[0])
		printf("  NOT REPRODUCED ALONE: %s\n", r->not_alone);
	if (r->first.schedule[0])
		printf("  schedule: %s\n", r->first.schedule);
	if (c->mode == RH_MODE_CONTROLLED || r->first_died)
		printf("  replay: %s\n", r->first.replay);
	else if (r->reruns)
		printf("  rerun: %s\n  (a rerun, not a replay: OS threads interleave anew each time; "
		       "this trial failed again in %u of %u reruns)\n",
		       r->first.replay, r->rerun_failures, r->reruns);
	else
		printf("  rerun: %s\n  (a rerun, not a replay: OS threads interleave anew each "
		       "time)\n",
		       r->first.replay);
	fflush(stdout);
}

/* Trials a shrinking candidate gets to fail in stress mode. */
#define RH_SHRINK_TRIALS 100

static bool still_fails(const rh_campaign *c, rh_kind kind, rh_result *tmp)
{
	memset(tmp, 0, sizeof(*tmp));
	rh__campaign_loop(c, tmp, 0, rh_now_ms(), NULL);
	return tmp->have_first && tmp->first.kind == kind;
}

/* One pass over the workload's dimensions: the first smaller one that still
 * fails becomes best. */
static bool shrink_stress_step(rh_campaign *best, const rh_first *f, rh_result *tmp,
			       rh_first *found)
{
	static const unsigned floors[4] = {1, 1, 1, 16};

	for (int d = 0; d < 4; d++) {
		rh_campaign cand = *best;
		unsigned *dims[4] = {&cand.params.threads, &cand.params.ops, &cand.params.rounds,
				     &cand.params.size};
		unsigned now = *dims[d], tries[3] = {floors[d], now / 2, now - 1};

		for (int k = 0; k < 3; k++) {
			if (tries[k] >= now || tries[k] < floors[d])
				continue;
			*dims[d] = tries[k];
			if (still_fails(&cand, f->kind, tmp)) {
				*best = cand;
				memcpy(found, &tmp->first, sizeof(*found));
				return true;
			}
		}
	}
	return false;
}

/* A stress failure has no schedule to shrink, but its workload shrinks: the
 * smallest threads, ops, rounds and size that still fail the same way within
 * a budget, printed with the command that runs it. */
static void shrink_stress(const rh_campaign *c, const rh_first *f)
{
	rh_campaign best = *c;
	rh_result *tmp = malloc(sizeof(*tmp));
	rh_first *found = malloc(sizeof(*found));
	bool shrunk = false;
	char replay[RH_SCHEDULE_MAX];

	if (tmp == NULL || found == NULL)
		rh_die("out of memory shrinking");
	best.isolate = best.shrink_workload = false;
	best.quiet = best.stop_on_first = true;
	best.trials = RH_SHRINK_TRIALS;
	best.first_trial = 0;
	best.time_budget_s = 0;
	printf("shrinking the failing workload (up to %d trials per candidate)...\n",
	       RH_SHRINK_TRIALS);
	while (shrink_stress_step(&best, f, tmp, found))
		shrunk = true;
	if (shrunk) {
		stress_replay_command(&best, found->trial, replay, sizeof(replay));
		printf("smallest failing workload: threads %u -> %u, ops %u -> %u, rounds %u -> %u, "
		       "size %u -> %u\n  %s\n  run: %s\n",
		       c->params.threads, best.params.threads, c->params.ops, best.params.ops,
		       c->params.rounds, best.params.rounds, c->params.size, best.params.size,
		       found->message, replay);
	} else {
		printf("the workload does not shrink: no smaller one failed within the budget\n");
	}
	free(found);
	free(tmp);
}

static void set_schedule(const rh_campaign *c, rh_first *f, const char *sched)
{
	(void)c;
	snprintf(f->schedule, sizeof(f->schedule), "%s", sched);
	rh_replay_command(f->replay, sizeof(f->replay), f->schedule);
}

/* A race TSan already reported here would not be reported again. */
static bool will_shrink(const rh_campaign *c, const rh_first *f)
{
	return c->shrink && f->kind != RH_SANITIZER && f->kind != RH_CRASH;
}

/* Shrink (or print the trace of) a controlled violation's schedule. */
static void follow_up_controlled(const rh_campaign *c, rh_result *r, rh_explorer *x)
{
	rh_first *f = &r->first;
	/* Shrinking prints the shrunk trace; the raw one is noise then. */
	bool shrink = will_shrink(c, f);
	char *shrunk = NULL;

	if (!c->quiet && !shrink && x != NULL)
		(c->full_trace ? rh_explorer_print_full_trace : rh_explorer_print_trace)(x, stdout);
	if (!c->quiet && c->shrink && f->kind == RH_SANITIZER)
		printf("%s\n", rh_sanitizer_unshrinkable);
	if (shrink) {
		if (!c->quiet)
			printf("shrinking the failing schedule...\n");
		shrunk = rh_controlled_shrink(f->schedule, c->quiet ? NULL : stdout);
	}
	if (shrunk != NULL)
		set_schedule(c, f, shrunk);
	free(shrunk);
	rh__alive();
	rh_first_record_trace(f, c->scenario, c->variant);
}

void rh__first_found(const rh_campaign *c, rh_result *r, rh_trial *t, uint64_t trial,
		     rh_explorer *x, double start_ms)
{
	rh_first *f = &r->first;

	f->trial = trial;
	f->kind = rh_trial_first_kind(t);
	f->at_ms = rh_now_ms() - start_ms;
	snprintf(f->message, sizeof(f->message), "%s", rh_trial_first_msg(t));
	/* The violation is recorded before any follow-up re-runs the buggy
	 * code: if that takes the process down, what was found is kept. */
	if (c->mode == RH_MODE_CONTROLLED)
		set_schedule(c, f, rh_explorer_schedule(x, c->scenario, c->variant, &t->params));
	else
		stress_replay_command(c, t->index, f->replay, sizeof(f->replay));
	r->have_first = true;
	if (c->isolate)
		return; /* rh__follow_up_fresh, in a process no trial has run in */
	atomic_store(&r->following_up, 1);
	if (c->mode == RH_MODE_CONTROLLED)
		follow_up_controlled(c, r, x);
	else if (c->shrink_workload && !c->quiet)
		shrink_stress(c, f);
	atomic_store(&r->following_up, 0);
	rh__print_first(c, r, t);
}

/* Replay the first violation's schedule in this fresh process. Returns the
 * explorer of that run when it failed again, else NULL with r->not_alone
 * saying how it did not (and the replay command then re-runs the campaign
 * up to the trial, where it did fail). */
static rh_explorer *fails_alone(const rh_campaign *c, rh_result *r)
{
	rh_first *f = &r->first;
	rh_sched_spec sp;
	rh_explorer *x;
	rh_trial *t = malloc(sizeof(*t));
	char err[256];
	bool failed;

	if (t == NULL || !rh_schedule_parse(f->schedule, &sp, err, sizeof(err)))
		rh_die("cannot re-read the schedule just recorded: %s", t ? err : "out of memory");
	rh__alive();
	x = rh_explorer_choices(&sp, true);
	if (x == NULL)
		rh_die("out of memory replaying a schedule");
	rh_trial_init(t, c->scenario, c->variant, &sp.params, sp.seed, sp.index);
	rh_trial_execute(t, RH_MODE_CONTROLLED, NULL, x);
	failed = rh_trial_failed(t);
	if (rh_explorer_diverged(x))
		snprintf(r->not_alone, sizeof(r->not_alone),
			 "run alone in a fresh process, the schedule took other steps (%s): the "
			 "run depends on memory it does not own (freed or uninitialised), or on "
			 "state earlier trials left",
			 rh_explorer_diverged(x));
	else if (!failed)
		snprintf(r->not_alone, sizeof(r->not_alone),
			 "run alone in a fresh process, the schedule retraced the same steps "
			 "(same fingerprint) and found no violation: state leaked between trials "
			 "(a global that setup() does not reset?)");
	rh_trial_fini(t);
	free(t);
	rh_schedule_spec_free(&sp);
	if (r->not_alone[0] == 0)
		return x;
	rh_explorer_free(x);
	rh__trial_replay_command(c, f->trial, f->replay, sizeof(f->replay));
	return NULL;
}

/* Reruns of a stress trial measured for the report. */
#define RH_RERUNS 20

/* How often the first failing stress trial fails again when rerun. */
static void measure_reruns(const rh_campaign *c, rh_result *r)
{
	rh_campaign one = *c;
	rh_result *tmp = malloc(sizeof(*tmp));

	if (tmp == NULL)
		rh_die("out of memory measuring reruns");
	one.isolate = one.shrink_workload = false;
	one.quiet = true;
	one.first_trial = r->first.trial;
	one.trials = 1;
	one.time_budget_s = 0;
	for (unsigned k = 0; k < RH_RERUNS && !rh_interrupted(); k++) {
		memset(tmp, 0, sizeof(*tmp));
		rh__campaign_loop(&one, tmp, one.first_trial, rh_now_ms(), NULL);
		r->reruns++;
		r->rerun_failures += tmp->failed_trials != 0;
	}
	free(tmp);
}

/* fails_alone in a fork of this process, which stays as no run has left it:
 * a buggy variant that reads freed memory depends on the heap a run leaves
 * behind, so the shrinker's own replay must also be a first run here, as it
 * is under `racehunt shrink`. r is shared memory: not_alone comes back. */
static bool fails_alone_forked(const rh_campaign *c, rh_result *r)
{
	char answer = 0;
	int fd[2], status;
	pid_t pid;

	if (pipe(fd) != 0)
		rh_die("cannot make a pipe to check the violation alone: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		rh_die("cannot fork to check the violation alone: %s", strerror(errno));
	if (pid == 0) {
		/* The answer goes through the pipe: a sanitizer that reported
		 * in this run replaces the exit status. */
		char yes = fails_alone(c, r) != NULL ? 'y' : 'n';

		close(fd[0]);
		fflush(NULL);
		_exit(write(fd[1], &yes, 1) == 1 ? 0 : RH_EXIT_HARNESS);
	}
	close(fd[1]);
	while (read(fd[0], &answer, 1) < 0 && errno == EINTR)
		;
	close(fd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (answer == 'y' || answer == 'n')
		return answer == 'y';
	snprintf(r->not_alone, sizeof(r->not_alone),
		 "run alone in a fresh process, the schedule took that process down (%s %d)",
		 WIFSIGNALED(status) ? "signal" : "exit status",
		 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
	rh__trial_replay_command(c, r->first.trial, r->first.replay, sizeof(r->first.replay));
	return false;
}

void rh__follow_up_fresh(const rh_campaign *c, rh_result *r)
{
	rh_first *f = &r->first;

	atomic_store(&r->following_up, 1);
	if (c->mode == RH_MODE_CONTROLLED && f->schedule[0] && !r->first_died) {
		/* Shrinking prints its own trace and needs no run of ours. */
		bool shrink = will_shrink(c, f);
		rh_explorer *x = shrink ? NULL : fails_alone(c, r);

		if (shrink ? fails_alone_forked(c, r) : x != NULL)
			follow_up_controlled(c, r, x);
		else if (!c->quiet)
			printf("(the first violation does not reproduce alone; not shrunk)\n");
		if (x != NULL)
			rh_explorer_free(x);
	} else if (c->mode == RH_MODE_STRESS && !r->first_died) {
		if (!c->quiet)
			measure_reruns(c, r);
		if (c->shrink_workload && !c->quiet)
			shrink_stress(c, f);
	}
	atomic_store(&r->following_up, 0);
	rh__print_first(c, r, NULL);
}
