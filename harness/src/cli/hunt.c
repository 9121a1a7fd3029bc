/* racehunt hunt: every scenario x variant under each detector, observed
 * against declared. One row per scenario/variant, one column per detector. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "campaign_options.h"
#include "cli_private.h"
#include "core/registry.h"
#include "core/util.h"
#include "hunt_builds.h"
#include "options.h"
#include "report/html.h"
#include "report/result_json.h"
#include "report/summary.h"
#include "report_files.h"
#include "racehunt/cli.h"

typedef struct detector {
	const char *name;
	rh_mode mode;
	const char *strategy;
	/* Controlled searches shrink the workload so bounded search ends. */
	unsigned max_threads, max_ops;
	uint64_t trials;
} detector;

static const detector detectors[] = {
	{"stress", RH_MODE_STRESS, "noise:0.1", 0, 0, 0},
	{"pct:3", RH_MODE_CONTROLLED, "pct:3", 0, 0, 200},
	{"dfs:2", RH_MODE_CONTROLLED, "dfs:2", 2, 2, 20000},
};
#define N_DETECTORS (sizeof(detectors) / sizeof(detectors[0]))

#define RH_MAX_BUILDS 4

typedef struct hunt_opts {
	uint64_t seed;
	uint64_t stress_trials; /* 0 = each scenario's own budget */
	bool full;		/* measure rates over the whole budget */
	const char *json_path;
	const char *html_path;
	const char *junit_path, *sarif_path;
	/* Other builds folded in as columns: NAME=PATH. */
	const char *builds[RH_MAX_BUILDS + 1];
	unsigned n_builds;
	uint64_t build_trials;
	const char *only;	/* comma list of detector names, NULL = all */
	char **filters;		/* scenario or store names, none = all */
	unsigned n_filters;
} hunt_opts;

enum {
	O_SEED, O_TRIALS, O_FULL, O_DETECTORS, O_JSON, O_HTML, O_BUILD, O_BUILD_TRIALS, O_JUNIT,
	O_SARIF, O_N
};
static const rh_option hunt_options[O_N] = {
	[O_SEED] = {"seed", "N", "campaign seed (default 1)"},
	[O_TRIALS] = {"trials", "N", "stress trials per variant (default: the scenario's budget)"},
	[O_FULL] = {"full", NULL,
		    "run every budget to the end (rates, histograms) instead of\n"
		    "stopping a detector at its first detection"},
	[O_DETECTORS] = {"detectors", "LIST", "comma-separated subset of: stress,pct:3,dfs:2"},
	[O_JSON] = {"json", "FILE", "every cell's result as a JSON array"},
	[O_HTML] = {"html", "FILE", "a self-contained report page: matrix, rates, outcomes, traces"},
	[O_BUILD] = {"build", "NAME=PATH",
		     "also run another build's racehunt (e.g. tsan=build/tsan/targets/\n"
		     "racehunt) with the stress detector and fold its verdicts, its\n"
		     "sanitizer's reports included, into a column; repeatable",
		     RH_OPT_REPEAT},
	[O_BUILD_TRIALS] = {"build-trials", "N", "stress trials per variant in those builds (default 20)"},
	[O_JUNIT] = RH_OPTION_JUNIT,
	[O_SARIF] = RH_OPTION_SARIF,
};
static const rh_command hunt_command = {
	.name = "hunt",
	.usage = "[SCENARIO|STORE...] [options]",
	.intro = "  every variant of each scenario (default: all) under every detector:\n"
		 "  stress noise:0.1, controlled pct:3, controlled dfs:2 on 2 threads x 2 ops.\n"
		 "  A variant declared 'detected' must be caught by at least one detector; one\n"
		 "  declared 'clean' must be caught by none.\n",
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

static bool matches_filter(const rh_scenario *s, const hunt_opts *o)
{
	for (unsigned i = 0; i < o->n_filters; i++) {
		size_t len = strlen(o->filters[i]);

		if (strcmp(s->name, o->filters[i]) == 0 ||
		    (strncmp(s->name, o->filters[i], len) == 0 && s->name[len] == '.'))
			return true;
	}
	return o->n_filters == 0;
}

static void cell_text(const rh_result *r, const detector *d, char *buf, size_t cap)
{
	if (r->harness_failed)
		snprintf(buf, cap, "FAILED (%.60s)", r->harness_error);
	else if (r->failed_trials)
		snprintf(buf, cap, "DETECTED %s @%llu %.0fms", rh_kind_name(r->first.kind),
			 (unsigned long long)r->first.trial + 1, r->first.at_ms);
	else if (d->mode == RH_MODE_CONTROLLED && r->exhausted)
		snprintf(buf, cap, "clean %llu sched, all", (unsigned long long)r->schedules);
	else
		snprintf(buf, cap, "clean %llu trials", (unsigned long long)r->trials_run);
}

/* Every name is a scenario or a store (the prefix before a scenario's dot). */
static int check_filters(const hunt_opts *o)
{
	for (unsigned i = 0; i < o->n_filters; i++) {
		const char *f = o->filters[i];
		bool known = rh_scenario_find(f) != NULL;

		for (unsigned k = 0; k < rh_scenario_count() && !known; k++) {
			const char *name = rh_scenario_at(k)->name;
			size_t len = strlen(f);

			known = strncmp(name, f, len) == 0 && name[len] == '.';
		}
		if (!known)
			return rh_usage_error("unknown scenario or store '%s'; 'racehunt list' "
					      "shows them",
					      f);
	}
	return RH_EXIT_CLEAN;
}

/* Every listed name must be a detector, and there must be one. */
static int check_detectors(const char *only)
{
	if (only[0] == '\0')
		return rh_usage_error("--detectors: empty list; name at least one of "
				      "stress,pct:3,dfs:2");
	for (const char *p = only; *p;) {
		size_t len = strcspn(p, ",");
		bool known = false;

		for (unsigned d = 0; d < N_DETECTORS; d++)
			known |= strlen(detectors[d].name) == len &&
				 strncmp(detectors[d].name, p, len) == 0;
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

static int parse_hunt(int argc, char **argv, hunt_opts *o)
{
	rh_opts p;
	int rc;

	memset(o, 0, sizeof(*o));
	o->seed = 1;
	o->build_trials = 20;
	rc = rh_options_parse(&hunt_command, argc, argv, 2, &p);
	if (rc != RH_EXIT_CLEAN)
		return rc;
	o->filters = p.operands;
	o->n_filters = p.n_operands;
	rc = check_filters(o);
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
	if (rc == RH_EXIT_CLEAN && p.count[O_DETECTORS])
		rc = check_detectors(o->only = p.value[O_DETECTORS]);
	o->full = p.count[O_FULL] > 0;
	o->json_path = p.value[O_JSON];
	o->html_path = p.value[O_HTML];
	o->junit_path = p.value[O_JUNIT];
	o->sarif_path = p.value[O_SARIF];
	return rc;
}

static void setup_cell(rh_campaign *c, const rh_scenario *s, unsigned v, const detector *d,
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

int rh_cmd_hunt(int argc, char **argv)
{
	hunt_opts o;
	int rc, status = RH_EXIT_CLEAN;
	unsigned rows = 0, mismatches = 0;
	FILE *json = NULL, *html = NULL;
	rh_hunt_cells cells = {0};
	rh_build *builds[RH_MAX_BUILDS] = {0};
	rh_result *r = NULL;
	rh_report_files files;
	bool keep; /* the cells, for --html, --junit or --sarif */

	rc = parse_hunt(argc, argv, &o);
	if (rc != RH_EXIT_CLEAN)
		return rc == RH_OPTIONS_HELP ? RH_EXIT_CLEAN : rc;
	rc = rh_report_files_open(&files, o.junit_path, o.sarif_path);
	if (rc != RH_EXIT_CLEAN)
		return rc;
	if (o.json_path && (json = fopen(o.json_path, "w")) == NULL) {
		rh_report_files_abandon(&files);
		return rh_usage_error("cannot write --json file '%s'", o.json_path);
	}
	if (o.html_path && (html = fopen(o.html_path, "w")) == NULL) {
		if (json)
			fclose(json);
		rh_report_files_abandon(&files);
		return rh_usage_error("cannot write --html file '%s'", o.html_path);
	}
	keep = html != NULL || rh_report_files_wanted(&files);
	for (unsigned b = 0; b < o.n_builds; b++) {
		char err[512], name[64];
		const char *eq = strchr(o.builds[b], '=');

		snprintf(name, sizeof(name), "%.*s", (int)(eq - o.builds[b]), o.builds[b]);
		printf("running the %s build's hunt (%s)...\n", name, eq + 1);
		builds[b] = rh_build_hunt(name, eq + 1, o.filters, (int)o.n_filters, o.seed,
					  o.build_trials, err, sizeof(err));
		if (builds[b] == NULL) {
			fprintf(stderr, "racehunt: %s\n", err);
			status = RH_EXIT_HARNESS;
			goto out;
		}
	}
	r = malloc(sizeof(*r));
	if (r == NULL)
		rh_die("out of memory for results");
	if (json)
		fputs("[\n", json);

	printf("%-20s %-13s %-9s", "scenario", "variant", "expect");
	for (unsigned d = 0; d < N_DETECTORS; d++)
		if (selected(&o, detectors[d].name))
			printf(" %-28s", detectors[d].name);
	for (unsigned b = 0; b < o.n_builds; b++)
		printf(" %-28s", rh_build_name(builds[b]));
	printf(" verdict\n");

	for (unsigned i = 0; i < rh_scenario_count(); i++) {
		const rh_scenario *s = rh_scenario_at(i);

		if (!matches_filter(s, &o))
			continue;
		for (unsigned v = 0; v < s->n_variants; v++) {
			bool detected = false, failed = false;
			const rh_variant *var = &s->variants[v];

			printf("%-20s %-13s %-9s", s->name, var->name,
			       var->expect == RH_EXPECT_DETECTED ? "detected" : "clean");
			fflush(stdout);
			for (unsigned d = 0; d < N_DETECTORS; d++) {
				rh_campaign c;
				char cell[128];

				if (!selected(&o, detectors[d].name))
					continue;
				setup_cell(&c, s, v, &detectors[d], &o);
				rh_campaign_run(&c, r);
				detected |= r->failed_trials > 0;
				failed |= r->harness_failed != 0;
				cell_text(r, &detectors[d], cell, sizeof(cell));
				printf(" %-28s", cell);
				fflush(stdout);
				if (json) {
					fputs(rows++ ? ",\n" : "", json);
					fprintf(json, "{\"detector\":\"%s\",\"result\":",
						detectors[d].name);
					rh_result_json(json, &c, r);
					fputc('}', json);
				}
				if (keep)
					rh_hunt_cells_add(&cells, detectors[d].name, &c, r);
			}
			for (unsigned b = 0; b < o.n_builds; b++) {
				char cell[128];
				bool found = false;

				if (!rh_build_cell(builds[b], s->name, var->name, cell, sizeof(cell),
						   &found)) {
					snprintf(cell, sizeof(cell), "not in this build");
					found = false;
				}
				detected |= found;
				printf(" %-28s", cell);
				if (keep)
					rh_hunt_cells_add_json(&cells, rh_build_name(builds[b]), s, v,
							       rh_build_result(builds[b], s->name,
									       var->name));
			}
			if (failed) {
				status = RH_EXIT_HARNESS;
				printf(" HARNESS FAILURE\n");
			} else if (detected == (var->expect == RH_EXPECT_DETECTED)) {
				printf(" ok\n");
			} else {
				mismatches++;
				printf(" MISMATCH (%s)\n", detected ? "flagged a clean variant"
								    : "missed a seeded bug");
			}
		}
	}
	if (json) {
		fputs("\n]\n", json);
		fclose(json);
	}
	if (html) {
		rh_html_write(html, &cells, argc, argv);
		fclose(html);
	}
	if (rh_report_files_wanted(&files) &&
	    rh_report_files_write(&files, &cells, "racehunt hunt", argc, argv) != RH_EXIT_CLEAN)
		status = RH_EXIT_HARNESS;
	rh_hunt_cells_free(&cells);
	free(r);
	printf("%s\n", mismatches ? "hunt: some variants did not behave as declared"
				  : "hunt: every variant behaved as declared");
	if (status == RH_EXIT_CLEAN && mismatches)
		status = RH_EXIT_VIOLATION;
out:
	rh_report_files_abandon(&files);
	for (unsigned b = 0; b < o.n_builds; b++)
		rh_build_free(builds[b]);
	if (status == RH_EXIT_HARNESS && r == NULL) {
		if (json)
			fclose(json);
		if (html)
			fclose(html);
	}
	return status;
}
