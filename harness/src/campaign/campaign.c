/* SPDX-License-Identifier: MIT */
/* Campaigns: the one trial loop, and the entry that runs it in this process
 * (--no-fork) or in forked trial processes (isolation.c). */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "campaign_private.h"
#include "core/interrupt.h"
#include "core/replay_command.h"
#include "core/util.h"
#include "racehunt/cli.h"
#include "controlled/sched.h"
#include "stress/stress.h"

static void keep_samples(rh_result *r, rh_trial *t, rh_rng *rng)
{
	for (unsigned i = 0; i < RH_MAX_THREADS; i++)
		for (unsigned j = 0; j < t->sample_count[i]; j++) {
			uint64_t v = t->samples[(size_t)i * RH_SAMPLES_PER_THREAD + j];
			uint64_t seen = r->samples_seen++;

			if (seen < RH_RESERVOIR)
				r->reservoir[seen] = v;
			else if (rh_rng_below(rng, seen + 1) < RH_RESERVOIR)
				r->reservoir[rh_rng_below(rng, RH_RESERVOIR)] = v;
		}
}

/* On a TTY: one \r-rewritten line, every 100 ms. Elsewhere (a CI log): one
 * line every 10 s, none at the end (the summary follows). done/total, rate
 * and ETA when the campaign has a trial count or a time budget. */
void rh__progress(const rh_campaign *c, rh_result *r, double start_ms, bool final)
{
	double now = rh_now_ms(), s = (now - start_ms) / 1e3, rate, eta = -1;
	bool tty = isatty(STDERR_FILENO);
	double last = r->progress_ms > start_ms ? r->progress_ms : start_ms;
	char total[32] = "";

	if (c->quiet || (!tty && final) || (!final && now - last < (tty ? 100 : 10000)))
		return;
	r->progress_ms = now;
	rate = s > 0 ? (double)r->trials_run / s : 0;
	if (c->trials) {
		snprintf(total, sizeof(total), "/%llu", (unsigned long long)c->trials);
		uint64_t left = r->trials_run < c->trials ? c->trials - r->trials_run : 0;

		if (rate > 0)
			eta = (double)left / rate;
	} else if (c->time_budget_s > 0) {
		eta = c->time_budget_s > s ? c->time_budget_s - s : 0;
	}
	fprintf(stderr, "%s  %s [%s]: %llu%s trials, %llu failed, %.1f s, %.0f/s", tty ? "\r" : "",
		c->scenario->name, c->scenario->variants[c->variant].name,
		(unsigned long long)r->trials_run, total, (unsigned long long)r->failed_trials, s, rate);
	if (eta >= 0 && !final)
		fprintf(stderr, ", ETA %.0f s", eta);
	fputs(!tty ? "\n" : final ? "          \n" : "   ", stderr);
}

bool rh__budget_left(const rh_campaign *c, uint64_t trial, double start_ms)
{
	if (c->trials && trial >= c->first_trial + c->trials)
		return false;
	/* A time budget runs at least one trial: no trial is no verdict. */
	if (c->time_budget_s > 0 && trial > c->first_trial &&
	    rh_now_ms() - start_ms >= c->time_budget_s * 1e3)
		return false;
	return true;
}

/* A trial that reported a resource failure (rh_trial_error) is the
 * harness's failure, not a verdict. */
static void refuse_trial_error(const rh_campaign *c, const rh_trial *t)
{
	if (atomic_load(&((rh_trial *)t)->error_state) != 2)
		return;
	rh_die("%s [%s] trial %llu could not run: %s", c->scenario->name,
	       c->scenario->variants[c->variant].name, (unsigned long long)t->index,
	       t->error_msg);
}

/* One finished trial into the result. */
static void count_trial(const rh_campaign *c, rh_result *r, rh_trial *t, uint64_t i,
			rh_explorer *x, rh_rng *reservoir_rng, double start_ms)
{
	if (atomic_load(&t->kind_counts[RH_SANITIZER]))
		r->sanitizer_trials++;
	if (c->trace && x != NULL && !rh_trial_failed(t)) {
		(c->full_trace ? rh_explorer_print_full_trace : rh_explorer_print_trace)(x, stdout);
		char cmd[RH_SCHEDULE_MAX + 1024];

		printf("replay: %s\n",
		       rh_replay_command(cmd, sizeof(cmd),
					 rh_explorer_schedule(x, c->scenario, c->variant,
							      &t->params)));
	}
	r->trials_run++;
	keep_samples(r, t, reservoir_rng);
	if (!rh_trial_failed(t))
		return;
	r->failed_trials++;
	r->hist[rh_trial_first_kind(t)]++;
	for (int k = 0; k < RH_KIND_COUNT_; k++)
		if (k != (int)rh_trial_first_kind(t) && atomic_load(&t->kind_counts[k]))
			r->behind[k]++;
	if (!r->have_first)
		rh__first_found(c, r, t, i, x, start_ms);
}

void rh__campaign_loop(const rh_campaign *c, rh_result *r, uint64_t start_trial,
		       double start_ms, const rh_trial_output *out)
{
	char err[256];
	rh_explorer *x = NULL;
	rh_rng reservoir_rng;
	/* Schedules counted by trial processes that died before this one. */
	uint64_t schedules_before = r->schedules;
	rh_trial *t = malloc(sizeof(*t));
	uint64_t *samples = malloc((size_t)RH_MAX_THREADS * RH_SAMPLES_PER_THREAD *
				   sizeof(uint64_t));

	if (t == NULL || samples == NULL)
		rh_die("out of memory for a trial");
	bool searching = c->mode == RH_MODE_CONTROLLED && rh_strategy_exhaustive(c->strategy);

	rh_rng_seed(&reservoir_rng, c->seed);
	if (c->mode == RH_MODE_CONTROLLED) {
		x = rh_explorer_new(c->strategy, c->seed, err, sizeof(err));
		if (x == NULL)
			rh_die("%s", err);
	}
	for (uint64_t i = start_trial; rh__budget_left(c, i, start_ms) && !rh_interrupted(); i++) {
		bool ran;

		/* A bounded search must see one workload under every schedule; the
		 * other strategies vary the workload with the trial too. */
		rh_trial_init(t, c->scenario, c->variant, &c->params, c->seed,
			      searching ? c->first_trial : i);
		t->samples = samples;
		rh__output_begin(out);
		atomic_store(&r->current_trial, i);
		atomic_store(&r->phase_ms, (uint64_t)rh_now_ms());
		atomic_store(&r->in_trial, 1);
		atomic_store(&r->began, 1);
		rh__crash_arm(x, i);
		ran = rh_trial_execute(t, c->mode, &c->stress, x);
		rh__crash_disarm();
		atomic_store(&r->in_trial, 0);
		atomic_store(&r->phase_ms, (uint64_t)rh_now_ms());
		rh__output_end(out, rh_trial_failed(t) && !r->have_first ? r->first.output : NULL,
			       sizeof(r->first.output));
		refuse_trial_error(c, t);
		/* A hung stress trial leaves threads behind; if they later take
		 * the process down, that is still this trial's doing. */
		if (c->mode == RH_MODE_STRESS && atomic_load(&t->kind_counts[RH_HANG]))
			r->abandoned_trial = i + 1;
		if (!ran)
			break;
		if (x != NULL && rh_explorer_diverged(x) != NULL) {
			snprintf(r->diverged, sizeof(r->diverged), "%s", rh_explorer_diverged(x));
			break;
		}
		if (x != NULL)
			r->schedules = schedules_before + rh_explorer_runs(x) - rh_explorer_pruned(x);
		count_trial(c, r, t, i, x, &reservoir_rng, start_ms);
		rh__progress(c, r, start_ms, false);
		if (c->stop_on_first && r->have_first)
			break;
	}
	if (x != NULL) {
		r->pruned = rh_explorer_pruned(x);
		r->schedules = schedules_before + rh_explorer_runs(x) - r->pruned;
		r->exhausted = rh_explorer_exhausted(x);
		snprintf(r->points, sizeof(r->points), "%s", rh_explorer_points(x));
		rh_explorer_free(x);
	}
	free(samples);
	free(t);
}

static int verdict(const rh_result *r)
{
	if (r->harness_failed)
		return RH_EXIT_HARNESS;
	if (r->failed_trials)
		return RH_EXIT_VIOLATION;
	/* An interrupted campaign that found nothing has not shown clean. */
	return r->interrupted ? RH_EXIT_HARNESS : RH_EXIT_CLEAN;
}

static void say_interrupted(const rh_campaign *c, const rh_result *r)
{
	if (!r->interrupted)
		return;
	fprintf(stderr,
		"racehunt: interrupted by %s after %llu trials of %s [%s]; the summary covers "
		"them\n",
		r->interrupted == SIGINT ? "SIGINT" : "SIGTERM",
		(unsigned long long)r->trials_run, c->scenario->name,
		c->scenario->variants[c->variant].name);
}

int rh_campaign_run(const rh_campaign *c, rh_result *out)
{
	double start_ms = rh_now_ms();
	rh_trial_output trial_out;

	rh_interrupt_install();
	if (c->isolate) {
		/* Only where a parent outlives the trials: a trial that dies
		 * would take what it wrote (a sanitizer's report) with it. */
		rh__output_open(&trial_out);
		rh__campaign_isolated(c, out, start_ms, &trial_out);
		rh__output_close(&trial_out);
	} else {
		memset(out, 0, sizeof(*out));
		rh__campaign_loop(c, out, c->first_trial, start_ms, NULL);
		out->interrupted = rh_interrupted();
		out->elapsed_ms = rh_now_ms() - start_ms;
		rh__progress(c, out, start_ms, true);
	}
	say_interrupted(c, out);
	return verdict(out);
}
