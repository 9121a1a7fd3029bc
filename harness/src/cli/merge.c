/* SPDX-License-Identifier: MIT */
/* racehunt merge: the --json results of one campaign's shards (run --shard
 * K/N) joined into the result the unsharded run gives: trials, violations,
 * outcomes and the kinds behind them summed, the first violation the one of
 * the lowest trial. Latency percentiles do not add up from percentiles, so
 * the merged result has none; elapsed_ms is the slowest shard's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign_options.h"
#include "cli_private.h"
#include "core/registry.h"
#include "core/util.h"
#include "options.h"
#include "output.h"
#include "racehunt/cli.h"
#include "report/result_json.h"
#include "report/result_read.h"
#include "report/summary.h"

enum { O_JSON, O_N };

static const rh_option merge_options[O_N] = {
	[O_JSON] = {"json", "FILE|-", "the merged result (with -, the summary goes to stderr)", 0},
};

static const rh_command merge_command = {
	.name = "merge",
	.usage = "SHARD.json... [--json FILE|-]",
	.intro = "  the results of `racehunt run --shard K/N --json FILE` for every K of one N,\n"
		 "  in any order, as one result: what the unsharded run reports.\n",
	.options = merge_options,
	.n_options = O_N,
	.outro = "Exit status: 0 no violation, 1 violation found, 2 usage or input error.\n",
	.min_operands = 1,
	.max_operands = RH_MAX_OPERANDS,
	.missing_operand = "merge needs the JSON results of a campaign's shards",
};

typedef struct shard_file {
	const char *path;
	rh_jvalue *tree;
	rh_result_doc doc;
	rh_campaign c;
	uint64_t index, count;
} shard_file;

/* obj[key] as an exact count, or false. */
static bool count_of(const rh_jvalue *obj, const char *key, uint64_t *out)
{
	const rh_jvalue *v = rh_json_get(obj, key);

	if (v == NULL || v->type != RH_JNUMBER || v->number < 0 || v->number > 9007199254740992.0 ||
	    v->number != (double)(uint64_t)v->number)
		return false;
	*out = (uint64_t)v->number;
	return true;
}

/* The campaign a shard's file describes, with its shard index and count. */
static int read_shard(shard_file *f)
{
	char err[512];
	const rh_jvalue *sh;
	const rh_scenario *s;
	uint64_t p[4], first_trial, trials;
	static const char *const params[4] = {"threads", "ops", "rounds", "size"};
	int v;

	f->tree = rh_json_parse_file(f->path, err, sizeof(err));
	if (f->tree == NULL)
		return rh_usage_error("merge: %s", err);
	if (f->tree->type != RH_JOBJECT)
		return rh_usage_error("merge: %s: not a `run --json` result (a sharded hunt's verdict "
				      "is every shard's exit status)",
				      f->path);
	if (!rh_result_decode(f->tree, &f->doc, err, sizeof(err)))
		return rh_usage_error("merge: %s: %s", f->path, err);
	sh = rh_json_get(f->tree, "shard");
	if (sh == NULL)
		return rh_usage_error("merge: %s: not a shard (no \"shard\"); run with --shard K/N",
				      f->path);
	if (!count_of(sh, "index", &f->index) || !count_of(sh, "count", &f->count) ||
	    !count_of(sh, "first_trial", &first_trial) || !count_of(sh, "trials", &trials) ||
	    f->index >= f->count)
		return rh_usage_error("merge: %s: \"shard\" is not {index < count, first_trial, "
				      "trials}",
				      f->path);
	s = rh_scenario_find(f->doc.scenario);
	if (s == NULL || (v = rh_variant_find(s, f->doc.variant)) < 0)
		return rh_usage_error("merge: %s: %s [%s] is not in this racehunt", f->path,
				      f->doc.scenario, f->doc.variant);
	rh_campaign_defaults(&f->c, s, (unsigned)v);
	for (int i = 0; i < 4; i++)
		if (!count_of(f->tree, params[i], &p[i]) || p[i] > 1u << 30)
			return rh_usage_error("merge: %s: \"%s\" is not a count", f->path, params[i]);
	f->c.params = (rh_params){(unsigned)p[0], (unsigned)p[1], (unsigned)p[2], (unsigned)p[3]};
	f->c.mode = f->doc.mode && strcmp(f->doc.mode, "controlled") == 0 ? RH_MODE_CONTROLLED
									   : RH_MODE_STRESS;
	f->c.strategy = f->doc.strategy ? f->doc.strategy : "";
	f->c.seed = f->doc.seed;
	f->c.first_trial = first_trial; /* this shard's block of trials */
	f->c.trials = trials;
	return RH_EXIT_CLEAN;
}

static bool same_campaign(const shard_file *a, const shard_file *b)
{
	return a->c.scenario == b->c.scenario && a->c.variant == b->c.variant &&
	       a->c.mode == b->c.mode && strcmp(a->c.strategy, b->c.strategy) == 0 &&
	       a->c.seed == b->c.seed && memcmp(&a->c.params, &b->c.params, sizeof(rh_params)) == 0 &&
	       a->count == b->count &&
	       strcmp(a->doc.build ? a->doc.build : "", b->doc.build ? b->doc.build : "") == 0;
}

/* Add shard f's counts into r. */
static void add(rh_result *r, const shard_file *f)
{
	const rh_result *s = f->doc.result;
	const rh_jvalue *behind = rh_json_get(f->tree, "behind_first");

	r->trials_run += s->trials_run;
	r->failed_trials += s->failed_trials;
	r->sanitizer_trials += s->sanitizer_trials;
	r->schedules += s->schedules;
	for (int k = 0; k < RH_KIND_COUNT_; k++) {
		uint64_t n;

		r->hist[k] += s->hist[k];
		if (behind != NULL && count_of(behind, rh_kind_name((rh_kind)k), &n))
			r->behind[k] += n;
	}
	if (r->points[0] == 0) {
		const rh_jvalue *pts = rh_json_get(f->tree, "points");

		if (pts != NULL && pts->type == RH_JSTRING)
			snprintf(r->points, sizeof(r->points), "%s", pts->string);
	}
	if (s->elapsed_ms > r->elapsed_ms)
		r->elapsed_ms = s->elapsed_ms;
	if (s->have_first && (!r->have_first || s->first.trial < r->first.trial)) {
		r->have_first = true;
		r->first = s->first;
	}
	if (s->harness_failed && !r->harness_failed) {
		r->harness_failed = 1;
		/* The shard's own line; the summary says the merge failed. */
		memcpy(r->harness_error, s->harness_error, sizeof(r->harness_error));
	}
}

static int by_index(const void *a, const void *b)
{
	const shard_file *x = a, *y = b;

	return x->index < y->index ? -1 : x->index > y->index;
}

static int merge(shard_file *f, unsigned n, rh_result *r, rh_output *json)
{
	rh_campaign c;
	int rc;

	for (unsigned i = 0; i < n; i++) {
		rc = read_shard(&f[i]);
		if (rc != RH_EXIT_CLEAN)
			return rc;
		if (!same_campaign(&f[0], &f[i]))
			return rh_usage_error("merge: %s is not a shard of the campaign of %s "
					      "(scenario, variant, mode, strategy, seed, workload, "
					      "build and shard count must match)",
					      f[i].path, f[0].path);
		for (unsigned j = 0; j < i; j++)
			if (f[j].index == f[i].index)
				return rh_usage_error("merge: shard %llu/%llu given twice (%s, %s)",
						      (unsigned long long)f[i].index,
						      (unsigned long long)f[i].count, f[j].path,
						      f[i].path);
	}
	if (n != f[0].count)
		return rh_usage_error("merge: %u of %llu shards given; each of 0..%llu is needed", n,
				      (unsigned long long)f[0].count,
				      (unsigned long long)f[0].count - 1);
	/* Indices are distinct and n = count: sorted by index, the blocks must
	 * follow one another with no trial left out. */
	qsort(f, n, sizeof(*f), by_index);
	for (unsigned i = 1; i < n; i++)
		if (f[i - 1].c.first_trial + f[i - 1].c.trials != f[i].c.first_trial)
			return rh_usage_error("merge: %s ends at trial %llu but %s starts at %llu",
					      f[i - 1].path,
					      (unsigned long long)(f[i - 1].c.first_trial +
								   f[i - 1].c.trials),
					      f[i].path, (unsigned long long)f[i].c.first_trial);
	memset(r, 0, sizeof(*r));
	c = f[0].c;
	c.trials = 0;
	for (unsigned i = 0; i < n; i++) {
		add(r, &f[i]);
		c.trials += f[i].c.trials;
	}
	rh_print_summary(stdout, &c, r);
	rc = r->harness_failed ? RH_EXIT_HARNESS : r->failed_trials ? RH_EXIT_VIOLATION
								    : RH_EXIT_CLEAN;
	if (json->f != NULL) {
		int wrc;

		rh_result_json(json->f, &c, r);
		fputc('\n', json->f);
		wrc = rh_output_commit(json);
		if (wrc != RH_EXIT_CLEAN)
			rc = wrc;
	}
	return rc;
}

int rh_cmd_merge(int argc, char **argv)
{
	shard_file *f;
	rh_output json;
	rh_result *r;
	rh_opts o;
	int rc;

	rc = rh_options_parse(&merge_command, argc, argv, 2, &o);
	if (rc != RH_EXIT_CLEAN)
		return rc == RH_OPTIONS_HELP ? RH_EXIT_CLEAN : rc;
	rc = rh_output_open(&json, "--json", o.value[O_JSON]);
	if (rc != RH_EXIT_CLEAN)
		return rc;
	f = calloc(o.n_operands, sizeof(*f));
	r = malloc(sizeof(*r));
	if (f == NULL || r == NULL)
		rh_die("out of memory for %u shards", o.n_operands);
	for (unsigned i = 0; i < o.n_operands; i++)
		f[i].path = o.operands[i];
	rc = merge(f, o.n_operands, r, &json);
	if (json.f != NULL && rc == RH_EXIT_USAGE)
		rh_output_abort(&json);
	for (unsigned i = 0; i < o.n_operands; i++) {
		if (f[i].doc.result != NULL)
			rh_result_doc_free(&f[i].doc);
		rh_json_free(f[i].tree);
	}
	free(f);
	free(r);
	return rc;
}
