/* SPDX-License-Identifier: MIT */
/* The schedule fuzzers' common driver: decode a workload and a schedule,
 * run one controlled trial, abort with a replayable report on a violation. */
#include <stdio.h>
#include <stdlib.h>

#include "campaign/campaign.h"
#include "core/registry.h"
#include "core/replay_command.h"
#include "core/util.h"
#include "fuzz_sched.h"
#include "racehunt/cli.h"
#include "racehunt/input.h"

#ifndef RH_FUZZ_VARIANT
#error "build each schedule fuzzer for one variant: -DRH_FUZZ_VARIANT=\"buggy\""
#endif

/* A misbuilt binary (a scenario or variant that does not exist) is not a
 * finding: exit instead of abort, and say what to fix. */
static const rh_scenario *lookup(const char *name, unsigned *variant)
{
	const rh_scenario *s = rh_scenario_find(name);
	int v = s ? rh_variant_find(s, RH_FUZZ_VARIANT) : -1;

	if (s == NULL || v < 0) {
		fprintf(stderr, "racehunt fuzz: this build has no scenario %s with variant '%s'; "
				"fix the target's scenario list or RH_FUZZ_VARIANT\n",
			name, RH_FUZZ_VARIANT);
		exit(RH_EXIT_HARNESS);
	}
	*variant = (unsigned)v;
	return s;
}

static unsigned at_most(unsigned want, unsigned limit)
{
	return limit && want > limit ? limit : want;
}

int fuzz_sched_run(const fuzz_sched_target *ft, const uint8_t *data, size_t size)
{
	rh_input in;
	const rh_scenario *s;
	unsigned variant;
	rh_params p;
	uint64_t seed;
	const uint8_t *choices;
	size_t n_choices;
	rh_explorer *x;
	rh_trial *t;
	char cmd[RH_SCHEDULE_MAX + 1024];

	rh_input_init(&in, data, size);
	s = lookup(ft->scenarios[rh_input_choice(&in, ft->n_scenarios)], &variant);
	p.threads = at_most(rh_input_range(&in, 2, ft->max_threads), s->max_threads);
	p.ops = rh_input_range(&in, 1, ft->max_ops);
	p.rounds = rh_input_range(&in, 1, ft->max_rounds);
	p.size = rh_input_range(&in, ft->min_size, ft->max_size);
	seed = rh_input_u8(&in);
	rh_input_rest(&in, &choices, &n_choices);

	x = rh_explorer_from_bytes(choices, n_choices);
	t = malloc(sizeof(*t));
	if (x == NULL || t == NULL)
		rh_die("out of memory for a fuzz trial");
	rh_trial_init(t, s, variant, &p, seed, 0);
	rh_trial_execute(t, RH_MODE_CONTROLLED, NULL, x);
	if (rh_trial_failed(t)) {
		fprintf(stderr, "VIOLATION %s in %s [%s] (fuzz, seed %llu)\n  %s\n",
			rh_kind_name(rh_trial_first_kind(t)), s->name, s->variants[variant].name,
			(unsigned long long)seed, rh_trial_first_msg(t));
		rh_explorer_print_trace(x, stderr);
		fprintf(stderr, "replay: %s\n",
			rh_replay_command(cmd, sizeof(cmd), rh_explorer_schedule(x, s, variant, &p)));
		fflush(stderr);
		abort();
	}
	/* ci/fuzz asks for the schedule of every run: a crash a sanitizer ended
	 * in the fuzzer still gets its replay line from a plain replay. */
	if (getenv("RH_FUZZ_SCHEDULE") != NULL)
		fprintf(stderr, "schedule: %s\n",
			rh_replay_command(cmd, sizeof(cmd), rh_explorer_schedule(x, s, variant, &p)));
	rh_trial_fini(t);
	free(t);
	rh_explorer_free(x);
	return 0;
}
