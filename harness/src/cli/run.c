/* SPDX-License-Identifier: MIT */
/* racehunt run SCENARIO [options]: one campaign against one variant. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign/campaign.h"
#include "campaign/trial_run.h"
#include "campaign_options.h"
#include "cli_private.h"
#include "controlled/sched.h"
#include "core/registry.h"
#include "core/util.h"
#include "options.h"
#include "output.h"
#include "racehunt/cli.h"
#include "report/result_json.h"
#include "report/summary.h"
#include "report_files.h"
#include "shard.h"
#include "suggest.h"

enum {
	O_VARIANT, O_MODE, O_STRATEGY, O_THREADS, O_OPS, O_ROUNDS, O_SIZE, O_TRIALS, O_TIME,
	O_SEED, O_FIRST_TRIAL, O_STOP_ON_FIRST, O_TRACE, O_FULL_TRACE, O_JSON, O_PIN, O_WATCHDOG, O_NO_FORK,
	O_NO_SHRINK, O_SHRINK, O_QUIET, O_JUNIT, O_SARIF, O_SHARD, O_N
};

static const rh_option run_options[O_N] = {
	[O_VARIANT] = {"variant", "V", "variant to run (default: the first listed)", 0},
	[O_MODE] = {"mode", "M", "stress (OS threads, default) | controlled (fibers)", 0},
	[O_STRATEGY] = {"strategy", "S",
			"stress: noise:P (default " RH_DEFAULT_NOISE ");\n"
			"controlled (default " RH_DEFAULT_CONTROLLED "):" RH_STRATEGY_HELP, 0},
	[O_THREADS] = {"threads", "N", "threads of the workload (defaults per scenario)", 0},
	[O_OPS] = {"ops", "N", "operations per thread and round", 0},
	[O_ROUNDS] = {"rounds", "N", "rounds per trial", 0},
	[O_SIZE] = {"size", "N", "the scenario's size parameter", 0},
	[O_TRIALS] = {"trials", "N",
		      "budget in trials (default 100; an exhaustive strategy:\n"
		      "until its bounded space is exhausted)", 0},
	[O_TIME] = {"time", "SEC", "budget in seconds instead of trials", 0},
	[O_SEED] = {"seed", "N", "campaign seed (default 1)", 0},
	[O_FIRST_TRIAL] = {"first-trial", "N", "number of the first trial (replays one stress trial)", 0},
	[O_STOP_ON_FIRST] = {"stop-on-first", NULL, "stop at the first violating trial", 0},
	[O_TRACE] = {"trace", NULL, "controlled: print every trial's interleaving and replay command", 0},
	[O_FULL_TRACE] = {"full-trace", NULL,
			  "controlled: every step of a long trace (a HANG's 2,000,000),\n"
			  "not each thread's last steps and where it spins", 0},
	[O_JSON] = {"json", "FILE|-", "JSON summary (with -, the report goes to stderr)", 0},
	[O_PIN] = {"pin", NULL, "pin thread i to CPU i mod ncpu", 0},
	[O_WATCHDOG] = {"watchdog", "MS",
			"per-round hang limit (default 1000, times RH_TIMEOUT_MULTIPLIER)", 0},
	[O_NO_FORK] = {"no-fork", NULL, "run trials in this process (a crash ends the run)", 0},
	[O_NO_SHRINK] = {"no-shrink", NULL, "controlled: print the first failing schedule as found", 0},
	[O_SHRINK] = {"shrink", NULL,
		      "stress: also find the smallest workload (threads, ops,\n"
		      "rounds, size) that still fails the same way", 0},
	[O_QUIET] = {"quiet", NULL, "only the summary line", 0},
	[O_JUNIT] = RH_OPTION_JUNIT,
	[O_SARIF] = RH_OPTION_SARIF,
	[O_SHARD] = {"shard", "K/N",
		     "run block K of N of the trials (also TEST_SHARD_INDEX and\n"
		     "TEST_TOTAL_SHARDS); `racehunt merge` joins the shards' --json", 0},
};

static const rh_command run_command = {
	.name = "run",
	.usage = "SCENARIO [options]",
	.options = run_options,
	.n_options = O_N,
	.outro = "Exit status: 0 no violation, 1 violation found, 2 usage error, 3 harness "
		 "failure.\n",
	.min_operands = 1,
	.max_operands = 1,
	.missing_operand = "run needs a scenario name; 'racehunt list' shows them",
};

/* `--strategy replay:SCHEDULE`: the schedule names the scenario, variant,
 * workload, seed and trial, so none of them may be given otherwise (given:
 * the first such option); it runs once, in controlled mode, and its trace is
 * the one printed (no shrinking). */
static int take_replay(rh_campaign *c, const char *variant, const char *given)
{
	rh_sched_spec sp;
	char err[256];
	const rh_scenario *s;
	unsigned v;

	if (!rh_schedule_resolve(c->strategy + strlen(RH_REPLAY_PREFIX), &sp, &s, &v, err,
				 sizeof(err)))
		return rh_usage_error("--strategy replay: %s", err);
	if (s != c->scenario)
		snprintf(err, sizeof(err), "the schedule is for %s [%s], not %s", sp.scenario,
			 sp.variant, c->scenario->name);
	else if (variant != NULL && strcmp(variant, sp.variant) != 0)
		snprintf(err, sizeof(err), "the schedule is for variant %s, not %s", sp.variant,
			 variant);
	else if (given != NULL)
		snprintf(err, sizeof(err),
			 "%s: a replay runs the schedule's own workload, seed and trial, once, "
			 "in controlled mode",
			 given);
	else
		err[0] = 0;
	if (err[0] == 0) {
		c->variant = v;
		c->params = sp.params;
		c->seed = sp.seed;
		c->first_trial = sp.index;
		c->trials = 1;
		c->shrink = false;
	}
	rh_schedule_spec_free(&sp);
	return err[0] ? rh_usage_error("--strategy replay: %s", err) : RH_EXIT_CLEAN;
}

/* The first option given that a replay fixes itself, as "--name", or NULL. */
static const char *fixed_by_replay(const rh_opts *o)
{
	static const unsigned fixed[] = {O_THREADS, O_OPS,    O_ROUNDS,	     O_SIZE,
					 O_SEED,    O_TRIALS, O_FIRST_TRIAL, O_TIME};
	static char name[32];

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (o->count[fixed[i]]) {
			snprintf(name, sizeof(name), "--%s", run_options[fixed[i]].name);
			return name;
		}
	if (o->count[O_MODE] && strcmp(o->value[O_MODE], "controlled") != 0)
		return "--mode";
	return NULL;
}

/* The numeric options: option, range, where it goes (32 or 64 bits). */
static int take_numbers(const rh_opts *o, rh_campaign *c)
{
	const struct {
		unsigned opt;
		uint64_t lo, hi;
		unsigned *u32;
		uint64_t *u64;
	} nums[] = {
		{O_THREADS, 0, 1000000, &c->params.threads, NULL},
		{O_OPS, 0, 1000000, &c->params.ops, NULL},
		{O_ROUNDS, 0, 1000000, &c->params.rounds, NULL},
		{O_SIZE, 0, 1u << 30, &c->params.size, NULL},
		{O_TRIALS, 1, UINT64_MAX / 2, NULL, &c->trials},
		{O_SEED, 0, UINT64_MAX, NULL, &c->seed},
		{O_FIRST_TRIAL, 0, UINT64_MAX / 2, NULL, &c->first_trial},
		{O_WATCHDOG, 1, 3600000, &c->stress.watchdog_ms, NULL},
	};

	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		uint64_t n;
		int rc;

		if (!o->count[nums[i].opt])
			continue;
		rc = rh_option_u64(run_options[nums[i].opt].name, o->value[nums[i].opt],
				   nums[i].lo, nums[i].hi, &n);
		if (rc != RH_EXIT_CLEAN)
			return rc;
		if (nums[i].u32)
			*nums[i].u32 = (unsigned)n;
		else
			*nums[i].u64 = n;
	}
	return RH_EXIT_CLEAN;
}

static int take_options(const rh_opts *o, rh_campaign *c)
{
	const char *mode = o->value[O_MODE];
	int rc;

	if (mode != NULL && strcmp(mode, "stress") == 0)
		c->mode = RH_MODE_STRESS;
	else if (mode != NULL && strcmp(mode, "controlled") == 0)
		c->mode = RH_MODE_CONTROLLED;
	else if (mode != NULL)
		return rh_usage_error("--mode: '%s' is neither stress nor controlled", mode);
	if (o->count[O_STRATEGY])
		c->strategy = o->value[O_STRATEGY];
	rc = take_numbers(o, c);
	if (rc != RH_EXIT_CLEAN)
		return rc;
	if (o->count[O_TIME] && o->count[O_TRIALS])
		return rh_usage_error("--trials and --time are alternatives; give one");
	if (o->count[O_TIME]) {
		if (!rh_parse_seconds(o->value[O_TIME], &c->time_budget_s))
			return rh_usage_error("--time: '%s' is not a number of seconds from 0.001 "
					      "to 604800",
					      o->value[O_TIME]);
		c->trials = 0;
	}
	c->stop_on_first = o->count[O_STOP_ON_FIRST] > 0;
	c->trace = o->count[O_TRACE] > 0;
	c->full_trace = o->count[O_FULL_TRACE] > 0;
	c->stress.pin = o->count[O_PIN] > 0;
	c->isolate = o->count[O_NO_FORK] == 0;
	if (o->count[O_NO_SHRINK])
		c->shrink = false;
	c->shrink_workload = o->count[O_SHRINK] > 0;
	c->quiet = o->count[O_QUIET] > 0;
	return RH_EXIT_CLEAN;
}

/* report[0], report[1]: the --junit and --sarif paths, or NULL. */
static int parse_run(int argc, char **argv, rh_campaign *c, const char **json_path,
		     const char *report[2])
{
	const rh_scenario *s;
	const char *variant;
	bool strategy_given, budget_given;
	rh_shard shard;
	rh_opts o;
	int rc, v = 0;

	rc = rh_options_parse(&run_command, argc, argv, 2, &o);
	if (rc != RH_EXIT_CLEAN)
		return rc;
	s = rh_scenario_find(o.operands[0]);
	if (s == NULL) {
		const char *near = rh_suggest_scenario(o.operands[0]);

		return rh_usage_error("unknown scenario '%s'; %s%s%s'racehunt list' shows them",
				      o.operands[0], near ? "did you mean " : "", near ? near : "",
				      near ? "? " : "");
	}
	variant = o.value[O_VARIANT];
	if (variant != NULL && (v = rh_variant_find(s, variant)) < 0) {
		const char *near = rh_suggest_variant(s, variant);

		return rh_usage_error("scenario %s has no variant '%s'%s%s%s", s->name, variant,
				      near ? "; did you mean " : "", near ? near : "",
				      near ? "?" : "");
	}
	rh_campaign_defaults(c, s, (unsigned)v);
	rc = take_options(&o, c);
	if (rc != RH_EXIT_CLEAN)
		return rc;
	*json_path = o.value[O_JSON];
	report[0] = o.value[O_JUNIT];
	report[1] = o.value[O_SARIF];
	strategy_given = o.count[O_STRATEGY] > 0;
	budget_given = o.count[O_TRIALS] || o.count[O_TIME];
	if (strategy_given &&
	    strncmp(c->strategy, RH_REPLAY_PREFIX, strlen(RH_REPLAY_PREFIX)) == 0) {
		c->mode = RH_MODE_CONTROLLED;
		rc = take_replay(c, variant, fixed_by_replay(&o));
		if (rc != RH_EXIT_CLEAN)
			return rc;
		budget_given = true;
	}
	rc = rh_campaign_finish(c, strategy_given);
	/* A bounded search runs until its space is exhausted unless told
	 * otherwise. */
	if (!budget_given && c->mode == RH_MODE_CONTROLLED && rh_strategy_exhaustive(c->strategy))
		c->trials = 0;
	if (rc == RH_EXIT_CLEAN)
		rc = rh_shard_get(o.value[O_SHARD], &shard);
	if (rc == RH_EXIT_CLEAN)
		rc = rh_shard_campaign(&shard, c);
	if (rc != RH_EXIT_CLEAN)
		return rc;
	if (c->trace && c->mode != RH_MODE_CONTROLLED)
		return rh_usage_error("--trace needs --mode controlled (stress runs are not "
				      "replayable step by step)");
	return RH_EXIT_CLEAN;
}

/* --strategy replay: whose one run ended otherwise than its string says
 * (NOT REPRODUCED, or another kind): the line, and exit 1. */
static int replay_agrees(const rh_campaign *c, const rh_result *r)
{
	char err[256], line[512];
	const char *why;
	rh_sched_spec sp;

	if (strncmp(c->strategy, RH_REPLAY_PREFIX, strlen(RH_REPLAY_PREFIX)) != 0 ||
	    r->trials_run != 1 || r->harness_failed || r->interrupted ||
	    !rh_schedule_parse(c->strategy + strlen(RH_REPLAY_PREFIX), &sp, err, sizeof(err)))
		return RH_EXIT_CLEAN;
	why = rh_replay_disagrees(&sp, r->failed_trials > 0, r->first.kind, line, sizeof(line));
	rh_schedule_spec_free(&sp);
	if (why == NULL)
		return RH_EXIT_CLEAN;
	fflush(stdout);
	fprintf(stderr, "racehunt run: %s\n", why);
	return RH_EXIT_VIOLATION;
}

int rh_cmd_run(int argc, char **argv)
{
	const char *json_path = NULL, *report[2] = {NULL, NULL};
	rh_report_files files;
	rh_output json;
	rh_campaign c;
	rh_result *r;
	int rc, agreed;

	rc = parse_run(argc, argv, &c, &json_path, report);
	if (rc != RH_EXIT_CLEAN)
		return rc == RH_OPTIONS_HELP ? RH_EXIT_CLEAN : rc;
	rc = rh_report_files_open(&files, report[0], report[1]);
	if (rc != RH_EXIT_CLEAN)
		return rc;
	rc = rh_output_open(&json, "--json", json_path);
	if (rc != RH_EXIT_CLEAN) {
		rh_report_files_abandon(&files);
		return rc;
	}
	r = malloc(sizeof(*r));
	if (r == NULL)
		rh_die("out of memory for results");
	rc = rh_campaign_run(&c, r);
	if (r->diverged[0]) {
		fprintf(stderr, "racehunt run: schedule does not replay on this build: %s\n",
			r->diverged);
		free(r);
		rh_output_abort(&json);
		rh_report_files_abandon(&files);
		return RH_EXIT_USAGE;
	}
	rh_print_summary(stdout, &c, r);
	agreed = replay_agrees(&c, r);
	if (rc == RH_EXIT_CLEAN)
		rc = agreed;
	/* A campaign that ran no trial has not shown the variant clean. */
	if (rc == RH_EXIT_CLEAN && r->trials_run == 0) {
		fflush(stdout);
		fprintf(stderr, "racehunt run: no trial ran within the budget; nothing is known "
				"about %s [%s]\n",
			c.scenario->name, c.scenario->variants[c.variant].name);
		rc = RH_EXIT_HARNESS;
	}
	if (rh_report_files_wanted(&files) &&
	    rh_report_files_run(&files, &c, r, argc, argv) != RH_EXIT_CLEAN)
		rc = RH_EXIT_HARNESS;
	if (json.f != NULL) {
		int wrc;

		rh_result_json(json.f, &c, r);
		fputc('\n', json.f);
		wrc = rh_output_commit(&json);
		if (wrc != RH_EXIT_CLEAN)
			rc = wrc;
	}
	free(r);
	return rc;
}
