/* racehunt exec [options] -- PROG ARGS: campaigns over an unmodified program
 * built with racehunt-cc. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "campaign/exec.h"
#include "campaign_options.h"
#include "cli_private.h"
#include "core/util.h"
#include "options.h"
#include "racehunt/cli.h"
#include "report/result_json.h"
#include "report/summary.h"
#include "report/symbolize.h"
#include "stress/stress.h"

#define DEFAULT_SAMPLE 16

static const char exec_help[] =
	"usage: racehunt exec [options] [--] PROG [ARGS...]\n"
	"  PROG must be built with racehunt-cc / racehunt-c++ (or racehunt_instrument in\n"
	"  CMake). One trial is one run of PROG's main from its pristine pre-main state;\n"
	"  it fails on abort/assert, a signal, a non-zero exit, a deadlock, a hang past the\n"
	"  watchdog, or a data race two in-flight accesses show (soft watchpoints).\n"
	"  --mode stress          OS threads with noise at sync points (the only mode yet)\n"
	"  --strategy noise:P     probability of a perturbation at a sync point (default " RH_DEFAULT_NOISE ")\n"
	"  --points sync|shared|all  where watchpoints go: sync operations only (no race\n"
	"                         detection), accesses to locations two threads touched\n"
	"                         (default), or every instrumented access\n"
	"  --sample N             about one watched access in N (default 16)\n"
	"  --trials N | --time SEC   budget (default 100 trials)\n"
	"  --seed N               campaign seed (default 1)\n"
	"  --first-trial N        number of the first trial (replays one trial)\n"
	"  --stop-on-first        stop at the first failing trial\n"
	"  --watchdog MS          a run taking longer is a HANG (default 1000, times\n"
	"                         RH_TIMEOUT_MULTIPLIER)\n"
	"  --json FILE|-          JSON summary (with -, the report goes to stderr)\n"
	"  --quiet                only the summary line\n"
	"PROG's stdin is /dev/null; its output is captured per trial and the tail of a\n"
	"failing trial's is shown in the report.\n"
	"Exit status: 0 no violation, 1 violation found, 2 usage error or a program the\n"
	"runtime cannot model, 3 harness failure.\n";

static rh_variant exec_variant = {"as-built", RH_EXPECT_CLEAN, "the program as built"};
static rh_scenario exec_scenario = {.variants = &exec_variant, .n_variants = 1};

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

/* One option at argv[*i] (and its value); 0 or exit 2. */
static int exec_option(rh_exec *e, int argc, char **argv, int *i, const char **json_path,
		       bool *strategy_given)
{
	rh_campaign *c = &e->c;
	const char *opt = argv[*i], *val = *i + 1 < argc ? argv[*i + 1] : NULL;
	uint64_t n;

#define NEED_VALUE                                                                           \
	do {                                                                                 \
		if (val == NULL)                                                             \
			return rh_usage_error("%s needs a value", opt);                      \
		(*i)++;                                                                      \
	} while (0)
#define NUMBER(lo, hi)                                                                       \
	do {                                                                                 \
		NEED_VALUE;                                                                  \
		if (!rh_parse_u64(val, (lo), (hi), &n))                                      \
			return rh_usage_error("%s: '%s' is not a number in %llu..%llu", opt, \
					      val, (unsigned long long)(lo),                 \
					      (unsigned long long)(hi));                     \
	} while (0)
	if (strcmp(opt, "--mode") == 0) {
		NEED_VALUE;
		if (strcmp(val, "controlled") == 0)
			return rh_usage_error("exec: --mode controlled is not implemented yet; use "
					      "--mode stress");
		if (strcmp(val, "stress") != 0)
			return rh_usage_error("--mode: '%s' is not stress", val);
	} else if (strcmp(opt, "--strategy") == 0) {
		NEED_VALUE;
		c->strategy = val;
		*strategy_given = true;
	} else if (strcmp(opt, "--points") == 0) {
		NEED_VALUE;
		return parse_points(val, &e->points);
	} else if (strcmp(opt, "--sample") == 0) {
		NUMBER(1, 1000000);
		e->sample = (unsigned)n;
	} else if (strcmp(opt, "--trials") == 0) {
		NUMBER(1, UINT64_MAX / 2);
		c->trials = n;
	} else if (strcmp(opt, "--time") == 0) {
		NEED_VALUE;
		if (!rh_parse_seconds(val, &c->time_budget_s))
			return rh_usage_error("--time: '%s' is not a positive number of seconds",
					      val);
		c->trials = 0;
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
	} else if (strcmp(opt, "--quiet") == 0) {
		c->quiet = true;
	} else {
		return rh_usage_error("exec: unknown option '%s'", opt);
	}
#undef NUMBER
#undef NEED_VALUE
	return RH_EXIT_CLEAN;
}

static int parse_exec(int argc, char **argv, rh_exec *e, const char **json_path)
{
	rh_campaign *c = &e->c;
	bool strategy_given = false;
	char err[256];
	int i, rc;

	memset(e, 0, sizeof(*e));
	rh_campaign_defaults(c, &exec_scenario, 0);
	e->points = RH_POINTS_SHARED;
	e->sample = DEFAULT_SAMPLE;
	for (i = 2; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0) {
			i++;
			break;
		}
		rc = exec_option(e, argc, argv, &i, json_path, &strategy_given);
		if (rc != RH_EXIT_CLEAN)
			return rc;
	}
	if (i >= argc)
		return rh_usage_error("exec needs a program: racehunt exec [options] -- PROG [ARGS]");
	e->argv = argv + i;
	exec_scenario.name = argv[i];
	if (!strategy_given)
		c->strategy = RH_DEFAULT_NOISE;
	rc = rh_validate_strategy(RH_MODE_STRESS, c->strategy);
	if (rc != RH_EXIT_CLEAN)
		return rc;
	rh_stress_parse_strategy(c->strategy, &c->stress.noise, err, sizeof(err));
	return rh_exec_check_program(e);
}

static void print_first(FILE *out, const rh_exec *e, const rh_result *r)
{
	const rh_first *f = &r->first;
	char msg[RH_EXEC_MSG_MAX];

	rh_symbolize(e->argv[0], e->message, msg, sizeof(msg));
	fprintf(out, "VIOLATION %s in %s (stress %s, seed %llu, trial %llu)\n",
		rh_kind_name(f->kind), e->argv[0], e->c.strategy, (unsigned long long)e->c.seed,
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
	fprintf(out, "  replay: %s\n", f->replay);
}

int rh_cmd_exec(int argc, char **argv)
{
	const char *json_path = NULL;
	FILE *json = NULL, *out = stdout;
	rh_exec *e;
	rh_result *r;
	int rc;

	if (argc > 2 && strcmp(argv[2], "--help") == 0) {
		fputs(exec_help, stdout);
		return RH_EXIT_CLEAN;
	}
	e = malloc(sizeof(*e));
	r = malloc(sizeof(*r));
	if (e == NULL || r == NULL)
		rh_die("out of memory for an exec campaign");
	rc = parse_exec(argc, argv, e, &json_path);
	if (rc == RH_EXIT_CLEAN && json_path != NULL) {
		if (strcmp(json_path, "-") == 0) {
			json = stdout;
			out = stderr;
		} else if ((json = fopen(json_path, "w")) == NULL) {
			rc = rh_usage_error("cannot write --json file '%s'", json_path);
		}
	}
	if (rc == RH_EXIT_CLEAN) {
		rc = rh_exec_run(e, r);
		if (rc != RH_EXIT_USAGE) {
			if (r->have_first && !e->c.quiet)
				print_first(out, e, r);
			rh_print_summary(out, &e->c, r);
			if (json != NULL) {
				rh_result_json(json, &e->c, r);
				fputc('\n', json);
			}
		}
	}
	if (json != NULL && json != stdout)
		fclose(json);
	free(r);
	free(e);
	return rc;
}
