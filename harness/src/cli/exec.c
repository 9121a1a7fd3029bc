/* SPDX-License-Identifier: MIT */
/* racehunt exec [options] -- PROG ARGS: campaigns over an unmodified program
 * built with racehunt-cc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign/exec.h"
#include "campaign_options.h"
#include "cli_private.h"
#include "exec_replay.h"
#include "core/util.h"
#include "options.h"
#include "racehunt/cli.h"
#include "report/result_json.h"
#include "report/summary.h"
#include "report_files.h"
#include "report/symbolize.h"
#include "controlled/strategy.h"
#include "stress/stress.h"

#define DEFAULT_SAMPLE 16

enum {
	O_MODE, O_STRATEGY, O_POINTS, O_SAMPLE, O_TRIALS, O_TIME, O_SEED, O_FIRST_TRIAL,
	O_STOP_ON_FIRST, O_WATCHDOG, O_JSON, O_QUIET, O_JUNIT, O_SARIF, O_PROGRAM_HASH, O_SHRINK,
	O_NO_SHRINK, O_TRACE, O_N
};

static const rh_option exec_options[O_N] = {
	[O_TRACE] = {"trace", NULL,
		     "controlled: print the first failing trial's steps, each with\n"
		     "file:line function", 0},
	[O_SHRINK] = {"shrink", NULL,
		      "controlled: shrink the first failing run to fewer choices off the\n"
		      "default (same kind and signature) and print its steps (the\n"
		      "default in controlled mode, as in run)", 0},
	[O_NO_SHRINK] = {"no-shrink", NULL,
			 "controlled: report the first failing run as found, unshrunk", 0},
	[O_MODE] = {"mode", "M",
		    "stress (default): OS threads with noise at sync points |\n"
		    "controlled: the threads as fibers, one running at a time,\n"
		    "switched at sync points by a seeded strategy", 0},
	[O_STRATEGY] = {"strategy", "S",
			"stress: noise:P, the probability of a perturbation at a sync\n"
			"point (default " RH_DEFAULT_NOISE "); controlled: random | pct:D\n"
			"(default " RH_STRATEGY_DEFAULT ") | dfs:K | dpor | dpor:K (points\n"
			"all, races by happens-before)", 0},
	[O_POINTS] = {"points", "P",
		      "where watchpoints (stress) or scheduling points (controlled)\n"
		      "go: sync (sync operations only, no race detection) | shared\n"
		      "(accesses to locations two threads touched, default) | all\n"
		      "(every instrumented access)", 0},
	[O_SAMPLE] = {"sample", "N", "about one watched shared access in N (default 16)", 0},
	[O_TRIALS] = {"trials", "N", "budget in trials (default 100)", 0},
	[O_TIME] = {"time", "SEC", "budget in seconds instead of trials", 0},
	[O_SEED] = {"seed", "N", "campaign seed (default 1)", 0},
	[O_FIRST_TRIAL] = {"first-trial", "N", "number of the first trial (replays one trial)", 0},
	[O_STOP_ON_FIRST] = {"stop-on-first", NULL, "stop at the first failing trial", 0},
	[O_WATCHDOG] = {"watchdog", "MS",
			"a run taking longer is a HANG (default 1000, times\n"
			"RH_TIMEOUT_MULTIPLIER)", 0},
	[O_JSON] = {"json", "FILE|-", "JSON summary (with -, the report goes to stderr)", 0},
	[O_QUIET] = {"quiet", NULL, "only the summary line", 0},
	[O_JUNIT] = RH_OPTION_JUNIT,
	[O_SARIF] = RH_OPTION_SARIF,
	[O_PROGRAM_HASH] = {"program-hash", "HEX",
			    "refuse to run unless PROG's file hashes to HEX (fnv1a64, as\n"
			    "reports print it): replay lines carry it", 0},
};

static const rh_command exec_command = {
	.name = "exec",
	.usage = "[options] -- PROG [ARGS...]",
	.intro = "PROG must be built with racehunt-cc / racehunt-c++ (or racehunt_instrument\n"
		 "in CMake). One trial is one run of PROG's main from its pristine pre-main\n"
		 "state; it fails on abort/assert, a signal, a non-zero exit, a deadlock, a\n"
		 "hang past the watchdog, or a data race (two conflicting accesses in flight\n"
		 "at once, seen by a soft watchpoint). PROG's stdin is /dev/null; its output\n"
		 "is captured per trial and a failing trial's tail is shown in the report.\n",
	.options = exec_options,
	.n_options = O_N,
	.outro = "Exit status: 0 no violation, 1 violation found, 2 usage error or a program\n"
		 "the runtime cannot model, 3 harness failure.\n",
	.min_operands = 1,
	.max_operands = RH_EXEC_MAX_ARGS,
	.missing_operand = "exec needs a program: racehunt exec [options] -- PROG [ARGS]",
};

static rh_variant exec_variant = {"as-built", RH_EXPECT_CLEAN, "the program as built"};
static rh_scenario exec_scenario = {.variants = &exec_variant, .n_variants = 1};

void rh_exec_init(rh_exec *e, char *const *argv)
{
	memset(e, 0, sizeof(*e));
	rh_campaign_defaults(&e->c, &exec_scenario, 0);
	e->points = RH_POINTS_SHARED;
	e->sample = DEFAULT_SAMPLE;
	for (unsigned i = 0; argv != NULL && argv[i] != NULL && i < RH_EXEC_MAX_ARGS; i++)
		e->argv[i] = argv[i];
	if (argv != NULL)
		exec_scenario.name = argv[0];
}

static int parse_points(const char *val, unsigned *points)
{
	static const char *const names[] = {"sync", "shared", "all"};

	for (unsigned i = 0; i < 3; i++)
		if (strcmp(val, names[i]) == 0) {
			*points = i;
			return RH_EXIT_CLEAN;
		}
	return rh_usage_error("--points: '%s' is none of sync, shared, all", val);
}

static int take_numbers(const rh_opts *o, rh_exec *e)
{
	const struct {
		unsigned opt;
		uint64_t lo, hi;
		unsigned *u32;
		uint64_t *u64;
	} nums[] = {
		{O_SAMPLE, 1, 1000000, &e->sample, NULL},
		{O_TRIALS, 1, UINT64_MAX / 2, NULL, &e->c.trials},
		{O_SEED, 0, UINT64_MAX, NULL, &e->c.seed},
		{O_FIRST_TRIAL, 0, UINT64_MAX / 2, NULL, &e->c.first_trial},
		{O_WATCHDOG, 1, 3600000, &e->c.stress.watchdog_ms, NULL},
	};

	for (size_t i = 0; i < sizeof(nums) / sizeof(nums[0]); i++) {
		uint64_t n;
		int rc;

		if (!o->count[nums[i].opt])
			continue;
		rc = rh_option_u64(exec_options[nums[i].opt].name, o->value[nums[i].opt],
				   nums[i].lo, nums[i].hi, &n);
		if (rc != RH_EXIT_CLEAN)
			return rc;
		if (nums[i].u32 != NULL)
			*nums[i].u32 = (unsigned)n;
		else
			*nums[i].u64 = n;
	}
	return RH_EXIT_CLEAN;
}

/* Controlled mode runs random and pct (each trial child builds its strategy
 * from (seed, trial) alone), dfs and dpor (kept in racehunt, asked by each
 * trial: campaign/exec_remote.c). */
static int take_strategy(const rh_opts *o, rh_campaign *c)
{
	static const char *const controlled[] = {"random", "pct", "dfs", "dpor"};
	char err[256];
	size_t n;
	int rc;

	if (c->mode == RH_MODE_STRESS) {
		c->strategy = o->count[O_STRATEGY] ? o->value[O_STRATEGY] : RH_DEFAULT_NOISE;
		rc = rh_validate_strategy(RH_MODE_STRESS, c->strategy);
		if (rc == RH_EXIT_CLEAN)
			rh_stress_parse_strategy(c->strategy, &c->stress.noise, err, sizeof(err));
		return rc;
	}
	c->strategy = o->count[O_STRATEGY] ? o->value[O_STRATEGY] : RH_STRATEGY_DEFAULT;
	if (strlen(c->strategy) >= sizeof(((struct rh_exec_shared *)0)->strategy))
		return rh_usage_error("--strategy: '%s' is too long", c->strategy);
	rc = rh_validate_strategy(RH_MODE_CONTROLLED, c->strategy);
	if (rc != RH_EXIT_CLEAN)
		return rc;
	for (size_t i = 0; i < sizeof(controlled) / sizeof(controlled[0]); i++) {
		n = strlen(controlled[i]);
		if (strncmp(c->strategy, controlled[i], n) == 0 &&
		    (c->strategy[n] == '\0' || c->strategy[n] == ':'))
			return RH_EXIT_CLEAN;
	}
	return rh_usage_error("exec --mode controlled: strategy '%s' is not supported yet (random, "
			      "pct:D, dfs:K, dpor or dpor:K)",
			      c->strategy);
}

/* RH_EXIT_CLEAN, RH_OPTIONS_HELP, or 2 after a one-line error. */
/* report[0], report[1]: the --junit and --sarif paths, or NULL. */
static int parse_exec(int argc, char **argv, rh_exec *e, const char **json_path,
		      const char *report[2])
{
	rh_campaign *c = &e->c;
	rh_opts o;
	int rc;

	rh_exec_init(e, NULL);
	rc = rh_options_parse(&exec_command, argc, argv, 2, &o);
	if (rc != RH_EXIT_CLEAN)
		return rc;
	if (o.count[O_MODE] && strcmp(o.value[O_MODE], "controlled") == 0)
		c->mode = RH_MODE_CONTROLLED;
	else if (o.count[O_MODE] && strcmp(o.value[O_MODE], "stress") != 0)
		return rh_usage_error("--mode: '%s' is none of stress, controlled", o.value[O_MODE]);
	else
		c->mode = RH_MODE_STRESS;
	if (o.count[O_POINTS] && (rc = parse_points(o.value[O_POINTS], &e->points)) != 0)
		return rc;
	if ((rc = take_numbers(&o, e)) != RH_EXIT_CLEAN)
		return rc;
	if (o.count[O_TIME]) {
		if (!rh_parse_seconds(o.value[O_TIME], &c->time_budget_s))
			return rh_usage_error("--time: '%s' is not a positive number of seconds",
					      o.value[O_TIME]);
		c->trials = 0;
	}
	c->stop_on_first = o.count[O_STOP_ON_FIRST] > 0;
	c->quiet = o.count[O_QUIET] > 0;
	c->shrink = o.count[O_SHRINK] > 0;
	c->trace = o.count[O_TRACE] > 0;
	if (c->shrink && o.count[O_NO_SHRINK])
		return rh_usage_error("--shrink and --no-shrink: choose one");
	if ((c->shrink || c->trace) && c->mode != RH_MODE_CONTROLLED)
		return rh_usage_error("--%s: stress runs have no schedule to %s; use --mode "
				      "controlled",
				      c->shrink ? "shrink" : "trace", c->shrink ? "shrink" : "trace");
	/* As run does: a controlled failure is reported shrunk, with its steps,
	 * unless asked otherwise or --quiet asks for the summary alone. */
	c->shrink = c->shrink || (c->mode == RH_MODE_CONTROLLED && !o.count[O_NO_SHRINK] &&
				  !c->quiet && !c->trace);
	if (o.count[O_PROGRAM_HASH]) {
		char *end;

		e->want_hash = strtoull(o.value[O_PROGRAM_HASH], &end, 16);
		if (*o.value[O_PROGRAM_HASH] == '\0' || *end != '\0' ||
		    strlen(o.value[O_PROGRAM_HASH]) > 16)
			return rh_usage_error("--program-hash: '%s' is not a hash of up to 16 hex "
					      "digits",
					      o.value[O_PROGRAM_HASH]);
		e->check_hash = true;
	}
	*json_path = o.count[O_JSON] ? o.value[O_JSON] : NULL;
	report[0] = o.value[O_JUNIT];
	report[1] = o.value[O_SARIF];
	if ((rc = take_strategy(&o, c)) != RH_EXIT_CLEAN)
		return rc;
	/* dpor's verdict rests on every access being a step its race check
	 * sees (campaign/exec_dpor.c): fewer points would prove nothing. */
	if (c->mode == RH_MODE_CONTROLLED && rh_exec_strategy_hb(c->strategy)) {
		if (o.count[O_POINTS] && e->points != RH_POINTS_ALL)
			return rh_usage_error("--strategy %s needs --points all (every access a "
					      "step); it is the default with dpor",
					      c->strategy);
		e->points = RH_POINTS_ALL;
	}
	/* PROG and its arguments, in order and NULL-terminated for execv. */
	for (unsigned i = 0; i < o.n_operands; i++)
		e->argv[i] = o.operands[i];
	exec_scenario.name = e->argv[0];
	return rh_exec_check_program(e);
}

void rh_exec_print_first(FILE *out, const rh_exec *e, const rh_result *r)
{
	const rh_first *f = &r->first;
	char msg[RH_EXEC_MSG_MAX];

	rh_symbolize(e->argv[0], e->message, msg, sizeof(msg));
	fprintf(out, "VIOLATION %s in %s (%s %s, seed %llu, trial %llu)\n",
		rh_kind_name(f->kind), e->argv[0],
		e->c.mode == RH_MODE_CONTROLLED ? "controlled" : "stress", e->c.strategy, (unsigned long long)e->c.seed,
		(unsigned long long)f->trial);
	fprintf(out, "  %s\n", msg);
	fprintf(out, "  program: %s (fnv1a64 %016llx)\n", e->argv[0], (unsigned long long)e->hash);
	if (e->output_tail[0]) {
		fputs("  program output (tail):\n", out);
		for (const char *p = e->output_tail; *p;) {
			const char *nl = strchr(p, '\n');
			int n = nl ? (int)(nl - p) : (int)strlen(p);

			fprintf(out, "    | %.*s\n", n, p);
			p += n + (nl != NULL);
		}
	}
	if (e->c.mode == RH_MODE_CONTROLLED && f->schedule[0] == '\0')
		fputs("  (the run's record is too long for a schedule string: the line below "
		      "reruns the trial by its number)\n",
		      out);
	fprintf(out, "  replay: %s\n", f->replay);
}

static int run(rh_exec *e, rh_result *r, const char *json_path, const char *report[2],
	       int argc, char **argv)
{
	FILE *json = NULL, *out = stdout;
	rh_report_files files;
	int rc = rh_report_files_open(&files, report[0], report[1]);

	if (rc != RH_EXIT_CLEAN)
		return rc;
	if (json_path != NULL && strcmp(json_path, "-") == 0) {
		/* Keep stdout for the JSON alone so it can be piped. */
		json = stdout;
		out = stderr;
	} else if (json_path != NULL && (json = fopen(json_path, "w")) == NULL) {
		rh_report_files_abandon(&files);
		return rh_usage_error("cannot write --json file '%s'", json_path);
	}
	rc = rh_exec_run(e, r);
	if (rc == RH_EXIT_VIOLATION && e->c.shrink && rh_exec_shrink_first(out, e, r) != 0)
		rc = RH_EXIT_HARNESS;
	else if (rc == RH_EXIT_VIOLATION && e->c.trace && e->first_trace != NULL)
		rh_exec_print_trace(out, e->argv[0], e->first_trace, false);
	if (rc != RH_EXIT_USAGE) {
		if (r->have_first && !e->c.quiet)
			rh_exec_print_first(out, e, r);
		rh_print_summary(out, &e->c, r);
		if (json != NULL) {
			rh_result_json(json, &e->c, r);
			fputc('\n', json);
		}
		if (rh_report_files_wanted(&files) &&
		    rh_report_files_run(&files, &e->c, r, argc, argv) != RH_EXIT_CLEAN)
			rc = RH_EXIT_HARNESS;
	}
	rh_report_files_abandon(&files);
	if (json != NULL && json != stdout)
		fclose(json);
	return rc;
}

int rh_cmd_exec(int argc, char **argv)
{
	const char *json_path = NULL, *report[2] = {NULL, NULL};
	rh_exec *e = malloc(sizeof(*e));
	rh_result *r = malloc(sizeof(*r));
	int rc;

	if (e == NULL || r == NULL)
		rh_die("out of memory for an exec campaign");
	rc = parse_exec(argc, argv, e, &json_path, report);
	if (rc == RH_OPTIONS_HELP)
		rc = RH_EXIT_CLEAN;
	else if (rc == RH_EXIT_CLEAN)
		rc = run(e, r, json_path, report, argc, argv);
	rh_exec_fini(e);
	free(r);
	free(e);
	return rc;
}
