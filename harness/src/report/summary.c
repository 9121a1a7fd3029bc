/* SPDX-License-Identifier: MIT */
/* The one-paragraph summary of a campaign that `run` and `hunt` print. */
#include <stdio.h>
#include <string.h>

#include "ci.h"
#include "result_json.h"
#include "summary.h"

/* "  also fired behind the first: OUT_OF_BOUNDS in 151, NOT_LINEARIZABLE in
 * 12 trials", or nothing. */
static void print_behind(FILE *out, const rh_result *r)
{
	int n = 0;

	for (int k = 0; k < RH_KIND_COUNT_; k++)
		if (r->behind[k])
			fprintf(out, "%s%s in %llu", n++ ? ", " : "  also fired behind the first: ",
				rh_kind_name((rh_kind)k), (unsigned long long)r->behind[k]);
	if (n > 0)
		fputs(" trials\n", out);
}

void rh_print_summary(FILE *out, const rh_campaign *c, const rh_result *r)
{
	double rate, lo, hi;

	rh_result_rate(r, &rate, &lo, &hi);
	fprintf(out, "%s [%s] %s %s: %llu trials, %llu with violations", c->scenario->name,
		c->scenario->variants[c->variant].name,
		c->mode == RH_MODE_STRESS ? "stress" : "controlled", c->strategy,
		(unsigned long long)r->trials_run, (unsigned long long)r->failed_trials);
	if (r->failed_trials == 0 && r->trials_run > 0) /* what a clean run is about */
		fprintf(out, " (rate < %.2g%% at 95%%)", rh_clean_upper95(r->trials_run) * 100);
	else
		fprintf(out, " (%.1f%%, 95%% CI %.1f-%.1f%%)", rate * 100, lo * 100, hi * 100);
	if (r->have_first)
		fprintf(out, ", first at trial %llu after %.1f ms",
			(unsigned long long)r->first.trial, r->first.at_ms);
	fprintf(out, "; outcomes: clean %llu",
		(unsigned long long)(r->trials_run - r->failed_trials));
	for (int k = 0; k < RH_KIND_COUNT_; k++)
		if (r->hist[k])
			fprintf(out, ", %s %llu", rh_kind_name((rh_kind)k),
				(unsigned long long)r->hist[k]);
	fputc('\n', out);
	print_behind(out, r);
	if (c->mode == RH_MODE_CONTROLLED)
		fprintf(out, "  schedules explored: %llu; %s exhausted: %s; pruned (equivalent "
			     "to a run explored): %llu; points: %s\n", (unsigned long long)r->schedules,
			strcmp(c->strategy, "dpor") == 0 ? "space" : "bounded space",
			r->exhausted ? "yes" : "no", (unsigned long long)r->pruned, r->points);
	if (r->harness_failed)
		fprintf(out, "  harness failure: the trial process %s\n", r->harness_error);
}

