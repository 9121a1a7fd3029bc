/* The command line: racehunt list | run | replay | shrink | hunt | compare. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "campaign/campaign.h"
#include "campaign/shrink.h"
#include "replay.h"
#include "campaign_options.h"
#include "cli_private.h"
#include "core/registry.h"
#include "core/sanitizer.h"
#include "core/util.h"
#include "report/result_json.h"
#include "report/summary.h"
#include "options.h"
#include "racehunt/cli.h"
#include "controlled/sched.h"
#include "racehunt/version.h"
#include "stress/stress.h"


static const char main_help[] =
	"usage: racehunt COMMAND [ARGS]\n"
	"\n"
	"  list                      scenarios, their variants and expected outcomes\n"
	"  run SCENARIO [options]    run a campaign against one variant\n"
	"  replay SCHEDULE           re-run one recorded controlled schedule exactly\n"
	"  shrink SCHEDULE           smallest schedule that still fails the same way\n"
	"  hunt [SCENARIO...]        every scenario x variant x detector, observed vs expected\n"
	"  compare A.json B.json     two hunt/run result files side by side\n"
	"  --version                 this racehunt's version\n"
	"\n"
	"Exit status: 0 clean (hunt: all as declared), 1 violation (hunt: not as declared),\n"
	"2 usage or input error, 3 harness failure. 'racehunt COMMAND --help' for details.\n";

static const char run_help[] =
	"usage: racehunt run SCENARIO [options]\n"
	"  --variant V            variant to run (default: the first listed)\n"
	"  --mode M               stress (OS threads, default) | controlled (fibers)\n"
	"  --strategy S           stress: noise:P (default " RH_DEFAULT_NOISE ");\n"
	"                         controlled: random | pct:D | dfs:K (default " RH_DEFAULT_CONTROLLED ")\n"
	"                         or replay:SCHEDULE (the one run a schedule string recorded)\n"
	"  --threads N --ops N --rounds N --size N   workload (defaults per scenario)\n"
	"  --trials N | --time SEC                   budget (default 100 trials; dfs: until\n"
	"                                            the bounded space is exhausted)\n"
	"  --seed N               campaign seed (default 1)\n"
	"  --first-trial N        number of the first trial (replays one stress trial)\n"
	"  --stop-on-first        stop at the first violating trial\n"
	"  --trace                controlled: print every trial's interleaving and replay command\n"
	"  --json FILE|-          JSON summary (with -, the report goes to stderr)\n"
	"  --pin                  pin thread i to CPU i mod ncpu\n"
	"  --watchdog MS          per-round hang limit (default 1000, times RH_TIMEOUT_MULTIPLIER)\n"
	"  --no-fork              run trials in this process (a crash ends the run)\n"
	"  --no-shrink            controlled: print the first failing schedule as found\n"
	"  --shrink               stress: also find the smallest workload (threads, ops,\n"
	"                         rounds, size) that still fails the same way\n"
	"  --quiet                only the summary line\n"
	"Exit status: 0 no violation, 1 violation found, 2 usage error, 3 harness failure.\n";

static int cmd_list(int argc, char **argv)
{
	if (argc > 2 && strcmp(argv[2], "--help") == 0) {
		puts("usage: racehunt list\n  every scenario, its workload defaults, and each "
		     "variant's declared outcome");
		return RH_EXIT_CLEAN;
	}
	if (argc > 2)
		return rh_usage_error("list takes no arguments, got '%s'", argv[2]);
	for (unsigned i = 0; i < rh_scenario_count(); i++) {
		const rh_scenario *s = rh_scenario_at(i);

		printf("%-22s %s\n", s->name, s->summary);
		printf("%-22s threads %u, ops %u, rounds %u, size %u\n", "", s->defaults.threads,
		       s->defaults.ops, s->defaults.rounds, s->defaults.size);
		for (unsigned v = 0; v < s->n_variants; v++)
			printf("    %-16s expect %-9s %s\n", s->variants[v].name,
			       s->variants[v].expect == RH_EXPECT_DETECTED ? "detected" : "clean",
			       s->variants[v].what);
	}
	return RH_EXIT_CLEAN;
}

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

static int parse_run(int argc, char **argv, rh_campaign *c, const char **json_path)
{
	const rh_scenario *s;
	const char *variant = NULL, *fixed_by_replay = NULL;
	bool strategy_given = false, budget_given = false;
	int rc;

	if (argc < 3 || argv[2][0] == '-')
		return rh_usage_error("run needs a scenario name; 'racehunt list' shows them");
	s = rh_scenario_find(argv[2]);
	if (s == NULL)
		return rh_usage_error("unknown scenario '%s'; 'racehunt list' shows them", argv[2]);
	for (int i = 3; i < argc; i++)
		if (strcmp(argv[i], "--variant") == 0 && i + 1 < argc)
			variant = argv[i + 1];
	if (variant != NULL && rh_variant_find(s, variant) < 0)
		return rh_usage_error("scenario %s has no variant '%s'", s->name, variant);
	rh_campaign_defaults(c, s, variant ? (unsigned)rh_variant_find(s, variant) : 0);

	for (int i = 3; i < argc; i++) {
		const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		uint64_t n;

#define NEED_VALUE                                                                           \
	do {                                                                                 \
		if (val == NULL)                                                             \
			return rh_usage_error("%s needs a value", opt);                      \
		i++;                                                                         \
	} while (0)
#define NUMBER(lo, hi)                                                                       \
	do {                                                                                 \
		NEED_VALUE;                                                                  \
		if (!rh_parse_u64(val, (lo), (hi), &n))                                      \
			return rh_usage_error("%s: '%s' is not a number in %llu..%llu", opt, \
					      val, (unsigned long long)(lo),                 \
					      (unsigned long long)(hi));                     \
	} while (0)
		if (strcmp(opt, "--threads") == 0 || strcmp(opt, "--ops") == 0 ||
		    strcmp(opt, "--rounds") == 0 || strcmp(opt, "--size") == 0 ||
		    strcmp(opt, "--seed") == 0 || strcmp(opt, "--first-trial") == 0 ||
		    strcmp(opt, "--trials") == 0 || strcmp(opt, "--time") == 0 ||
		    (strcmp(opt, "--mode") == 0 && val != NULL && strcmp(val, "controlled") != 0))
			fixed_by_replay = opt;
		if (strcmp(opt, "--variant") == 0) {
			NEED_VALUE;
		} else if (strcmp(opt, "--mode") == 0) {
			NEED_VALUE;
			if (strcmp(val, "stress") == 0)
				c->mode = RH_MODE_STRESS;
			else if (strcmp(val, "controlled") == 0)
				c->mode = RH_MODE_CONTROLLED;
			else
				return rh_usage_error("--mode: '%s' is neither stress nor controlled",
						      val);
		} else if (strcmp(opt, "--strategy") == 0) {
			NEED_VALUE;
			c->strategy = val;
			strategy_given = true;
		} else if (strcmp(opt, "--threads") == 0) {
			NUMBER(0, 1000000);
			c->params.threads = (unsigned)n;
		} else if (strcmp(opt, "--ops") == 0) {
			NUMBER(0, 1000000);
			c->params.ops = (unsigned)n;
		} else if (strcmp(opt, "--rounds") == 0) {
			NUMBER(0, 1000000);
			c->params.rounds = (unsigned)n;
		} else if (strcmp(opt, "--size") == 0) {
			NUMBER(0, 1u << 30);
			c->params.size = (unsigned)n;
		} else if (strcmp(opt, "--trials") == 0) {
			NUMBER(1, UINT64_MAX / 2);
			c->trials = n;
			budget_given = true;
		} else if (strcmp(opt, "--time") == 0) {
			NEED_VALUE;
			if (!rh_parse_seconds(val, &c->time_budget_s))
				return rh_usage_error("--time: '%s' is not a positive number of "
						      "seconds",
						      val);
			c->trials = 0;
			budget_given = true;
		} else if (strcmp(opt, "--seed") == 0) {
			NUMBER(0, UINT64_MAX);
			c->seed = n;
		} else if (strcmp(opt, "--first-trial") == 0) {
			NUMBER(0, UINT64_MAX / 2);
			c->first_trial = n;
		} else if (strcmp(opt, "--watchdog") == 0) {
			NUMBER(1, 3600000);
			c->stress.watchdog_ms = (unsigned)n;
		} else if (strcmp(opt, "--json") == 0) {
			NEED_VALUE;
			*json_path = val;
		} else if (strcmp(opt, "--stop-on-first") == 0) {
			c->stop_on_first = true;
		} else if (strcmp(opt, "--trace") == 0) {
			c->trace = true;
		} else if (strcmp(opt, "--pin") == 0) {
			c->stress.pin = true;
		} else if (strcmp(opt, "--no-fork") == 0) {
			c->isolate = false;
		} else if (strcmp(opt, "--no-shrink") == 0) {
			c->shrink = false;
		} else if (strcmp(opt, "--shrink") == 0) {
			c->shrink_workload = true;
		} else if (strcmp(opt, "--quiet") == 0) {
			c->quiet = true;
		} else {
			return rh_usage_error("run: unknown option '%s'", opt);
		}
#undef NUMBER
#undef NEED_VALUE
	}
	if (strategy_given &&
	    strncmp(c->strategy, RH_REPLAY_PREFIX, strlen(RH_REPLAY_PREFIX)) == 0) {
		c->mode = RH_MODE_CONTROLLED;
		rc = take_replay(c, variant, fixed_by_replay);
		if (rc != RH_EXIT_CLEAN)
			return rc;
		budget_given = true;
	}
	rc = rh_campaign_finish(c, strategy_given);
	/* A bounded search runs until its space is exhausted unless told
	 * otherwise. */
	if (!budget_given && c->mode == RH_MODE_CONTROLLED && strncmp(c->strategy, "dfs:", 4) == 0)
		c->trials = 0;
	if (rc != RH_EXIT_CLEAN)
		return rc;
	if (c->trace && c->mode != RH_MODE_CONTROLLED)
		return rh_usage_error("--trace needs --mode controlled (stress runs are not "
				      "replayable step by step)");
	return RH_EXIT_CLEAN;
}

static int cmd_run(int argc, char **argv)
{
	const char *json_path = NULL;
	FILE *json = NULL;
	rh_campaign c;
	rh_result *r;
	int rc;

	if (argc > 2 && strcmp(argv[2], "--help") == 0) {
		fputs(run_help, stdout);
		return RH_EXIT_CLEAN;
	}
	rc = parse_run(argc, argv, &c, &json_path);
	if (rc != RH_EXIT_CLEAN)
		return rc;
	if (json_path != NULL && strcmp(json_path, "-") == 0) {
		/* Keep stdout for the JSON alone so it can be piped. */
		int fd = dup(STDOUT_FILENO);

		if (fd < 0 || (json = fdopen(fd, "w")) == NULL)
			rh_die("cannot duplicate stdout for --json -");
		dup2(STDERR_FILENO, STDOUT_FILENO);
	} else if (json_path != NULL && (json = fopen(json_path, "w")) == NULL) {
		return rh_usage_error("cannot write --json file '%s'", json_path);
	}
	r = malloc(sizeof(*r));
	if (r == NULL)
		rh_die("out of memory for results");
	rc = rh_campaign_run(&c, r);
	if (r->diverged[0]) {
		fprintf(stderr, "racehunt run: schedule does not replay on this build: %s\n",
			r->diverged);
		free(r);
		if (json != NULL)
			fclose(json);
		return RH_EXIT_USAGE;
	}
	rh_print_summary(stdout, &c, r);
	if (json != NULL) {
		rh_result_json(json, &c, r);
		fputc('\n', json);
		fclose(json);
	}
	free(r);
	return rc;
}

int rh_main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int, char **);
	} commands[] = {
		{"list", cmd_list},	   {"run", cmd_run},	       {"hunt", rh_cmd_hunt},
		{"replay", rh_cmd_replay}, {"shrink", rh_cmd_shrink}, {"compare", rh_cmd_compare},
	};

	rh_program = argv[0];
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(main_help, stdout);
		return argc < 2 ? RH_EXIT_USAGE : RH_EXIT_CLEAN;
	}
	if (strcmp(argv[1], "--version") == 0) {
		if (argc > 2)
			return rh_usage_error("--version takes no arguments, got '%s'", argv[2]);
		puts("racehunt " RH_VERSION);
		return RH_EXIT_CLEAN;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return rh_sanitizer_settle(commands[i].run(argc, argv));
	return rh_usage_error("unknown command '%s'", argv[1]);
}
