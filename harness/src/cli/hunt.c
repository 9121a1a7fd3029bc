/* SPDX-License-Identifier: MIT */
/* racehunt hunt: every scenario x variant under each detector, observed
 * against declared. One row per scenario/variant, one column per detector. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "campaign_options.h"
#include "capture.h"
#include "cli_private.h"
#include "core/interrupt.h"
#include "core/registry.h"
#include "core/util.h"
#include "hunt_builds.h"
#include "hunt_private.h"
#include "options.h"
#include "output.h"
#include "report/ci.h"
#include "report/html.h"
#include "report/summary.h"
#include "report_files.h"
#include "shard.h"
#include "suggest.h"
#include "racehunt/cli.h"

/* Stress, then a column per HUNT row of the strategy table. */
#define STRATEGY_DETECTOR(ops, syntax, help, use, spec, threads, n_ops, trials) \
	RH_STRATEGY_IF_HUNT(use, {spec, RH_MODE_CONTROLLED, spec, threads, n_ops, trials,      \
				  RH_STRATEGY_OPT_IN(use)},)
const rh_hunt_detector rh__hunt_detectors[] = {
	{"stress", RH_MODE_STRESS, "noise:0.1", 0, 0, 0, false},
	RH_STRATEGIES(STRATEGY_DETECTOR)
};
#define N_DETECTORS (sizeof(rh__hunt_detectors) / sizeof(rh__hunt_detectors[0]))
const unsigned rh__hunt_n_detectors = N_DETECTORS;
_Static_assert(N_DETECTORS <= RH_HUNT_MAX_DETECTORS, "hunt_run.caught holds every detector");

enum {
	O_SEED, O_TRIALS, O_FULL, O_DETECTORS, O_JSON, O_HTML, O_BUILD, O_BUILD_TRIALS, O_JUNIT,
	O_SARIF, O_VARIANT, O_SHARD, O_EXAMPLES, O_N
};
static const rh_option hunt_options[O_N] = {
	[O_SEED] = {"seed", "N", "campaign seed (default 1)", 0},
	[O_TRIALS] = {"trials", "N", "stress trials per variant (default: the scenario's budget)", 0},
	[O_FULL] = {"full", NULL,
		    "run every budget to the end (rates, histograms) instead of\n"
		    "stopping a detector at its first detection", 0},
	[O_DETECTORS] = {"detectors", "LIST", "comma-separated subset of: stress" RH_STRATEGY_HUNT_NAMES, 0},
	[O_JSON] = {"json", "FILE", "every cell's result as a JSON array", 0},
	[O_HTML] = {"html", "FILE", "a self-contained report page: matrix, rates, outcomes, traces", 0},
	[O_BUILD] = {"build", "NAME=PATH",
		     "also run another build's racehunt (e.g. tsan=build/tsan/targets/\n"
		     "racehunt) with the stress detector and fold its verdicts, its\n"
		     "sanitizer's reports included, into a column; repeatable",
		     RH_OPT_REPEAT},
	[O_BUILD_TRIALS] = {"build-trials", "N", "stress trials per variant in those builds (default 20)", 0},
	[O_JUNIT] = RH_OPTION_JUNIT,
	[O_SARIF] = RH_OPTION_SARIF,
	[O_VARIANT] = {"variant", "V", "only variant V of each scenario (one row: a CTest case)", 0},
	[O_SHARD] = {"shard", "K/N",
		     "only rows j with j mod N = K (also TEST_SHARD_INDEX and\n"
		     "TEST_TOTAL_SHARDS); `racehunt merge` joins the shards' --json", 0},
	[O_EXAMPLES] = {"examples", "FILE",
			"the exec rows: programs built with racehunt-cc, a line each\n"
			"(NAME VARIANT EXPECT PROGRAM [ARGS]); default: the examples of\n"
			"the build this racehunt belongs to; none: no exec rows", 0},
};
static const rh_command hunt_command = {
	.name = "hunt",
	.usage = "[SCENARIO|STORE...] [options]",
	.intro = "  every variant of each scenario (default: all) under every detector:\n"
		 "  stress noise:0.1, controlled pct:3, controlled dpor on 2 threads x 2 ops\n"
		 "  (dpor:2 where dpor does not end within its budget; dfs:2 when named).\n"
		 "  A variant declared 'detected' must be caught by at least one detector; one\n"
		 "  declared 'clean' must be caught by none. Then the exec rows: each example\n"
		 "  program (exec.NAME, its buggy and fixed builds) as `racehunt exec`\n"
		 "  campaigns under stress noise:0.6, controlled pct:3 and dpor (1 s each).\n",
	.options = hunt_options,
	.n_options = O_N,
	.outro = "Exit status: 0 every variant as declared, 1 some not, 2 usage error, 3 harness "
		 "failure.\n",
	.max_operands = RH_MAX_OPERANDS,
};

static bool selected(const hunt_opts *o, const char *name)
{
	size_t len = strlen(name);

	if (o->only == NULL)
		return true;
	for (const char *p = o->only; p != NULL; p = strchr(p, ',')) {
		if (*p == ',')
			p++;
		if (strncmp(p, name, len) == 0 && (p[len] == ',' || p[len] == '\0'))
			return true;
	}
	return false;
}

bool rh__hunt_column(const hunt_opts *o, const rh_hunt_detector *d)
{
	return o->only != NULL ? selected(o, d->name) : !d->opt_in;
}

bool rh__hunt_matches_filter(const rh_scenario *s, const hunt_opts *o)
{
	for (unsigned i = 0; i < o->n_filters; i++) {
		size_t len = strlen(o->filters[i]);

		if (strcmp(s->name, o->filters[i]) == 0 ||
		    (strncmp(s->name, o->filters[i], len) == 0 && s->name[len] == '.'))
			return true;
	}
	return o->n_filters == 0;
}

/* Every name is a scenario or a store (the prefix before a scenario's dot),
 * or exec rows. */
static int check_filters(const hunt_opts *o, const rh_hunt_examples *x)
{
	for (unsigned i = 0; i < o->n_filters; i++) {
		const char *f = o->filters[i];
		bool known = rh_scenario_find(f) != NULL || rh__hunt_examples_known(x, f);

		for (unsigned k = 0; k < rh_scenario_count() && !known; k++) {
			const char *name = rh_scenario_at(k)->name;
			size_t len = strlen(f);

			known = strncmp(name, f, len) == 0 && name[len] == '.';
		}
		if (!known) {
			const char *near = rh_suggest_scenario(f);

			return rh_usage_error("unknown scenario or store '%s'; %s%s%s'racehunt "
					      "list' shows them",
					      f, near ? "did you mean " : "", near ? near : "",
					      near ? "? " : "");
		}
	}
	return RH_EXIT_CLEAN;
}

/* Some selected scenario or exec row has --variant's variant. */
static int check_variant(const hunt_opts *o, const rh_hunt_examples *x)
{
	for (unsigned k = 0; k < rh_scenario_count(); k++)
		if (rh__hunt_matches_filter(rh_scenario_at(k), o) &&
		    rh_variant_find(rh_scenario_at(k), o->variant) >= 0)
			return RH_EXIT_CLEAN;
	if (rh__hunt_examples_have_variant(x, o, o->variant))
		return RH_EXIT_CLEAN;
	return rh_usage_error("--variant: no selected scenario has a variant '%s'", o->variant);
}

/* Every listed name must be a detector, and there must be one. */
static int check_detectors(const char *only)
{
	if (only[0] == '\0')
		return rh_usage_error("--detectors: empty list; name at least one of "
				      "stress" RH_STRATEGY_HUNT_NAMES);
	for (const char *p = only; *p;) {
		size_t len = strcspn(p, ",");
		bool known = false;

		for (unsigned d = 0; d < N_DETECTORS; d++)
			known |= strlen(rh__hunt_detectors[d].name) == len &&
				 strncmp(rh__hunt_detectors[d].name, p, len) == 0;
		if (!known)
			return rh_usage_error("--detectors: unknown detector '%.*s'", (int)len, p);
		p += len + (p[len] == ',');
		if (p[-1] == ',' && *p == '\0')
			return rh_usage_error("--detectors: '%s' ends with a comma", only);
	}
	return RH_EXIT_CLEAN;
}

static int check_builds(hunt_opts *o, const rh_opts *p)
{
	o->n_builds = rh_options_values(p, O_BUILD, o->builds, RH_MAX_BUILDS + 1);
	if (o->n_builds > RH_MAX_BUILDS)
		return rh_usage_error("at most %d --build options", RH_MAX_BUILDS);
	for (unsigned b = 0; b < o->n_builds; b++) {
		const char *val = o->builds[b];

		if (strchr(val, '=') == NULL || val[0] == '=')
			return rh_usage_error("--build needs NAME=PATH, got '%s'", val);
		if (access(strchr(val, '=') + 1, X_OK) != 0)
			return rh_usage_error("--build %s: not an executable", val);
	}
	return RH_EXIT_CLEAN;
}

static int parse_hunt(int argc, char **argv, hunt_opts *o, rh_hunt_examples **x)
{
	rh_opts p;
	int rc;

	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->build_trials = 20;
	rc = rh_options_parse(&hunt_command, argc, argv, 2, &p);
	if (rc != RH_EXIT_CLEAN)
		return rc;
	memcpy(o->filters, p.operands, sizeof(o->filters));
	o->n_filters = p.n_operands;
	o->examples = p.value[O_EXAMPLES];
	/* The exec rows depend on the columns: detectors first. */
	rc = p.count[O_DETECTORS] ? check_detectors(o->only = p.value[O_DETECTORS]) : RH_EXIT_CLEAN;
	if (rc == RH_EXIT_CLEAN)
		rc = rh__hunt_examples_load(o, x);
	if (rc == RH_EXIT_CLEAN)
		rc = check_filters(o, *x);
	if (rc == RH_EXIT_CLEAN && p.count[O_SEED])
		rc = rh_option_u64("seed", p.value[O_SEED], 0, UINT64_MAX / 2, &o->seed);
	if (rc == RH_EXIT_CLEAN && p.count[O_TRIALS])
		rc = rh_option_u64("trials", p.value[O_TRIALS], 1, UINT64_MAX / 2,
				   &o->stress_trials);
	if (rc == RH_EXIT_CLEAN && p.count[O_BUILD_TRIALS])
		rc = rh_option_u64("build-trials", p.value[O_BUILD_TRIALS], 1, UINT64_MAX / 2,
				   &o->build_trials);
	if (rc == RH_EXIT_CLEAN)
		rc = check_builds(o, &p);
	o->full = p.count[O_FULL] > 0;
	o->json_path = p.value[O_JSON];
	o->html_path = p.value[O_HTML];
	o->junit_path = p.value[O_JUNIT];
	o->sarif_path = p.value[O_SARIF];
	o->variant = p.value[O_VARIANT];
	if (rc == RH_EXIT_CLEAN && o->variant != NULL)
		rc = check_variant(o, *x);
	if (rc == RH_EXIT_CLEAN)
		rc = rh_shard_get(p.value[O_SHARD], &o->shard);
	if (rc == RH_EXIT_CLEAN && o->shard.count && o->n_builds)
		rc = rh_usage_error("--shard with --build: run each build's hunt with its own --shard");
	return rc;
}

static void setup_cell(rh_campaign *c, const rh_scenario *s, unsigned v, const rh_hunt_detector *d,
		       const hunt_opts *o)
{
	rh_campaign_defaults(c, s, v);
	c->mode = d->mode;
	c->strategy = d->strategy;
	c->seed = o->seed;
	c->quiet = true;
	c->stop_on_first = !o->full;
	if (d->mode == RH_MODE_STRESS) {
		c->trials = o->stress_trials ? o->stress_trials
					     : (s->stress_trials ? s->stress_trials : 100);
	} else {
		c->trials = d->trials;
		if (d->max_threads && c->params.threads > d->max_threads)
			c->params.threads = d->max_threads;
		if (d->max_ops && c->params.ops > d->max_ops)
			c->params.ops = d->max_ops;
		/* Two rounds keep phase-structured workloads (a death in round 0,
		 * its victims in round 1) while bounding the search. */
		if (d->max_ops && c->params.rounds > 2)
			c->params.rounds = 2;
	}
}

static int open_outputs(hunt_run *h)
{
	int rc = rh_output_distinct("--json", h->o.json_path, "--html", h->o.html_path);

	if (rc == RH_EXIT_CLEAN)
		rc = rh_report_files_open(&h->files, h->o.junit_path, h->o.sarif_path);
	if (rc == RH_EXIT_CLEAN)
		rc = rh_output_open(&h->json, "--json", h->o.json_path);
	if (rc == RH_EXIT_CLEAN)
		rc = rh_output_open(&h->html, "--html", h->o.html_path);
	if (rc == RH_EXIT_CLEAN && h->json.f)
		fputs("[\n", h->json.f);
	h->keep = h->html.f != NULL || rh_report_files_wanted(&h->files);
	return rc;
}

/* The other builds hunt the scenarios, never the exec rows (their programs
 * are this build's): when only exec rows are selected there is nothing for
 * them to run. */
static int run_builds(hunt_run *h)
{
	char *filters[RH_MAX_OPERANDS];
	int n = 0;

	for (unsigned i = 0; i < h->o.n_filters; i++)
		if (!rh__hunt_examples_known(h->examples, h->o.filters[i]))
			filters[n++] = h->o.filters[i];
	if (h->o.n_builds > 0 && h->o.n_filters > 0 && n == 0) {
		h->o.n_builds = 0;
		printf("hunt: only exec rows selected; the --build columns are for scenarios\n");
	}
	for (unsigned b = 0; b < h->o.n_builds; b++) {
		char err[512], name[64];
		const char *eq = strchr(h->o.builds[b], '=');

		snprintf(name, sizeof(name), "%.*s", (int)(eq - h->o.builds[b]), h->o.builds[b]);
		printf("running the %s build's hunt (%s)...\n", name, eq + 1);
		h->builds[b] = rh_build_hunt(name, eq + 1, filters, n, h->o.seed, h->o.build_trials,
					     err, sizeof(err));
		if (h->builds[b] == NULL) {
			fprintf(stderr, "racehunt: %s\n", err);
			return RH_EXIT_HARNESS;
		}
	}
	return RH_EXIT_CLEAN;
}

/* The scenario and variant columns as wide as their longest name hunted. */
static void size_columns(hunt_run *h)
{
	h->w_scn = (int)strlen("scenario");
	h->w_var = (int)strlen("variant");
	for (unsigned i = 0; i < rh_scenario_count(); i++) {
		const rh_scenario *s = rh_scenario_at(i);

		if (!rh__hunt_matches_filter(s, &h->o))
			continue;
		for (unsigned v = 0; v < s->n_variants; v++)
			if (h->o.variant == NULL || strcmp(s->variants[v].name, h->o.variant) == 0) {
				if ((int)strlen(s->name) > h->w_scn)
					h->w_scn = (int)strlen(s->name);
				if ((int)strlen(s->variants[v].name) > h->w_var)
					h->w_var = (int)strlen(s->variants[v].name);
			}
	}
}

static void print_header(const hunt_run *h)
{
	printf("%-*s %-*s %-9s", h->w_scn, "scenario", h->w_var, "variant", "expect");
	for (unsigned d = 0; d < N_DETECTORS; d++)
		if (rh__hunt_column(&h->o, &rh__hunt_detectors[d]))
			printf(" %-28s", rh__hunt_detectors[d].name);
	for (unsigned b = 0; b < h->o.n_builds; b++)
		printf(" %-28s", rh_build_name(h->builds[b]));
	printf(" verdict\n");
}

/* One detector's cell of a row: run, print, record. */
static void run_cell(hunt_run *h, const rh_scenario *s, unsigned v, unsigned d, bool *detected,
		     bool *failed)
{
	rh_campaign c;
	char cell[128];
	rh_result *r = h->r;

	if (rh_interrupted())
		return;
	setup_cell(&c, s, v, &rh__hunt_detectors[d], &h->o);
	rh_capture_begin();
	rh_campaign_run(&c, r);
	/* Unbounded dpor where it ends within the budget, else bounded. */
	if (strcmp(c.strategy, "dpor") == 0 && !r->failed_trials && !r->exhausted &&
	    !r->harness_failed) {
		c.strategy = "dpor:2";
		rh_campaign_run(&c, r);
	}
	rh_capture_end(h->caught[d], sizeof(h->caught[d]));
	*detected |= r->failed_trials > 0;
	*failed |= r->harness_failed != 0;
	rh__hunt_cell_text(r, &rh__hunt_detectors[d], c.strategy, cell, sizeof(cell));
	printf(" %-28s", cell);
	fflush(stdout);
	rh__hunt_keep_cell(h, d, &c, r, NULL);
}

static void build_cells(hunt_run *h, const rh_scenario *s, unsigned v, bool *detected)
{
	const rh_variant *var = &s->variants[v];

	for (unsigned b = 0; b < h->o.n_builds; b++) {
		char cell[128];
		bool found = false;
		size_t before = h->cells.n;

		if (!rh_build_cell(h->builds[b], s->name, var->name, cell, sizeof(cell), &found)) {
			snprintf(cell, sizeof(cell), "not in this build");
			found = false;
		}
		*detected |= found;
		printf(" %-28s", cell);
		rh_hunt_cells_add_doc(&h->cells, rh_build_name(h->builds[b]), s, v,
				      rh_build_result(h->builds[b], s->name, var->name));
		if (h->cells.n > before)
			rh_hunt_cells_note_stderr(&h->cells,
						  rh_build_stderr(h->builds[b], s->name, var->name));
	}
}

static void hunt_row(hunt_run *h, const rh_scenario *s, unsigned v)
{
	const rh_variant *var = &s->variants[v];
	bool detected = false, failed = false;
	size_t first_cell = h->cells.n;

	printf("%-*s %-*s %-9s", h->w_scn, s->name, h->w_var, var->name,
	       var->expect == RH_EXPECT_DETECTED ? "detected" : "clean");
	fflush(stdout);
	for (unsigned d = 0; d < N_DETECTORS; d++) {
		h->caught[d][0] = '\0';
		if (rh__hunt_column(&h->o, &rh__hunt_detectors[d]))
			run_cell(h, s, v, d, &detected, &failed);
	}
	build_cells(h, s, v, &detected);
	rh__hunt_row_end(h, var->expect, detected, failed, first_cell);
}

/* Write and commit the result files; exit 3 when one could not be written. */
static int finish_outputs(hunt_run *h, int argc, char **argv)
{
	int rc_json, rc_html;

	if (h->json.f)
		fputs("\n]\n", h->json.f);
	if (h->html.f)
		rh_html_write(h->html.f, &h->cells, argc, argv);
	rc_json = rh_output_commit(&h->json);
	rc_html = rh_output_commit(&h->html);
	if (rh_report_files_wanted(&h->files) &&
	    rh_report_files_write(&h->files, &h->cells, "racehunt hunt", argc, argv) !=
		    RH_EXIT_CLEAN)
		rc_html = RH_EXIT_HARNESS;
	return rc_json != RH_EXIT_CLEAN ? rc_json : rc_html;
}

/* The scenario rows; returns how many rows there were (for --shard). */
static unsigned scenario_rows(hunt_run *h)
{
	unsigned row = 0;

	for (unsigned i = 0; i < rh_scenario_count() && !rh_interrupted(); i++) {
		const rh_scenario *s = rh_scenario_at(i);

		if (rh__hunt_matches_filter(s, &h->o))
			for (unsigned v = 0; v < s->n_variants; v++)
				if ((h->o.variant == NULL ||
				     strcmp(s->variants[v].name, h->o.variant) == 0) &&
				    rh_shard_has_row(&h->o.shard, row++))
					hunt_row(h, s, v);
	}
	return row;
}

int rh_cmd_hunt(int argc, char **argv)
{
	hunt_run *h = calloc(1, sizeof(*h));
	int rc;

	if (h == NULL || (h->r = malloc(sizeof(*h->r))) == NULL)
		rh_die("out of memory for the hunt");
	rc = parse_hunt(argc, argv, &h->o, &h->examples);
	if (rc == RH_EXIT_CLEAN)
		rc = open_outputs(h);
	if (rc == RH_EXIT_CLEAN)
		rc = run_builds(h);
	if (rc != RH_EXIT_CLEAN)
		goto out;
	size_columns(h);
	rh__hunt_examples_size(h);
	print_header(h);
	rh__hunt_exec_rows(h, scenario_rows(h));
	rc = finish_outputs(h, argc, argv);
	rh_regressions_print(stdout, &h->cells);
	if (h->proved_points[0])
		printf("hunt: \"all\": a search ran its whole space, points model %s: dpor every "
		       "class of interleavings, dpor:K and dfs:K every one within K preemptions "
		       "(docs/controlled.md; --json has the pruned counts)\n",
		       h->proved_points);
	if (rh_interrupted())
		printf("hunt: interrupted by %s; the table covers the rows above\n",
		       rh_interrupted() == SIGINT ? "SIGINT" : "SIGTERM");
	else
		printf("%s\n", h->mismatches ? "hunt: some variants did not behave as declared"
					     : "hunt: every variant behaved as declared");
	if (rc == RH_EXIT_CLEAN)
		rc = h->status != RH_EXIT_CLEAN ? h->status
			: h->mismatches ? RH_EXIT_VIOLATION : RH_EXIT_CLEAN;
out:
	rh_output_abort(&h->json);
	rh_output_abort(&h->html);
	rh_report_files_abandon(&h->files);
	rh_hunt_cells_free(&h->cells);
	for (unsigned b = 0; b < h->o.n_builds; b++)
		rh_build_free(h->builds[b]);
	rh__hunt_examples_free(h->examples);
	free(h->r);
	free(h);
	return rc == RH_OPTIONS_HELP ? RH_EXIT_CLEAN : rc;
}
