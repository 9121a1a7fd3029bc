/* SPDX-License-Identifier: MIT */
/* One trial end to end in this process: setup, the threads (a stress team
 * or the explorer's fibers), check, teardown. */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#include "controlled/controlled.h"
#include "core/limits.h"
#include "core/registry.h"
#include "core/sanitizer.h"
#include "core/util.h"
#include "stress/stress.h"
#include "exec.h"
#include "trial_run.h"

bool rh_trial_execute(rh_trial *t, rh_mode mode, const rh_stress_opts *so, rh_explorer *x)
{
	const rh_scenario *s = t->scenario;
	uint64_t reports = rh__sanitizer_reports();
	void *state;
	bool finished = true;

	/* A campaign lends one buffer to all its trials; the rows need no
	 * clearing, the per-thread counts start at zero. */
	if (t->samples == NULL)
		t->samples = malloc((size_t)RH_MAX_THREADS * RH_SAMPLES_PER_THREAD * sizeof(uint64_t));
	if (t->samples == NULL)
		rh_die("out of memory for samples");
	state = s->setup(&t->params, t->variant, t);
	if (state == NULL)
		rh_die("%s: setup failed (threads %u, ops %u, size %u)", s->name, t->params.threads,
		       t->params.ops, t->params.size);
	if (mode == RH_MODE_STRESS) {
		finished = rh_stress_run(s, state, t, so);
	} else if (!rh_explorer_run(x, s, state, t)) {
		s->teardown(state);
		return false;
	}
	/* Properties over a hung or deadlocked run would only add noise. */
	if (finished && !atomic_load(&t->kind_counts[RH_HANG]) &&
	    !atomic_load(&t->kind_counts[RH_DEADLOCK]))
		s->check(state, t);
	/* The state of a trial that did not finish is the stress engine's to
	 * keep: threads may still hold its locks (stress.h). */
	if (finished)
		s->teardown(state);
	reports = rh__sanitizer_reports() - reports;
	if (reports != 0) {
		rh__sanitizer_claim(reports);
		rh_violation(t, RH_SANITIZER,
			     "ThreadSanitizer reported %llu data race(s) during this trial (report "
			     "printed above)",
			     (unsigned long long)reports);
	}
	if (x != NULL) {
		x->end = rh_trial_failed(t) ? RH_END_FAILED : RH_END_CLEAN;
		x->end_kind = rh_trial_first_kind(t);
	}
	return true;
}


bool rh_schedule_resolve(const char *str, rh_sched_spec *sp, const rh_scenario **s,
			 unsigned *variant, char *err, size_t errcap)
{
	int v;

	if (!rh_schedule_parse(str, sp, err, errcap))
		return false;
	if (sp->argv != NULL) {
		/* An exec run's: no scenario, a program. */
		*s = NULL;
		*variant = 0;
		if (!rh_exec_schedule_fits(sp, err, errcap))
			goto bad;
		return true;
	}
	*s = rh_scenario_find(sp->scenario);
	if (*s == NULL) {
		snprintf(err, errcap, "schedule names scenario '%s', which this racehunt does not have",
			 sp->scenario);
		goto bad;
	}
	v = rh_variant_find(*s, sp->variant);
	if (v < 0) {
		snprintf(err, errcap, "schedule names variant '%s', which %s does not have",
			 sp->variant, (*s)->name);
		goto bad;
	}
	*variant = (unsigned)v;
	if (!rh_params_fit(*s, &sp->params, err, errcap) ||
	    !rh_trials_fit(sp->index, 1, err, errcap))
		goto bad;
	return true;
bad:
	rh_schedule_spec_free(sp);
	return false;
}

const char *rh_replay_disagrees(const rh_sched_spec *sp, bool failed, rh_kind kind, char *buf,
				size_t cap)
{
	if (sp->end == RH_END_FAILED && !failed)
		snprintf(buf, cap,
			 "NOT REPRODUCED: the schedule recorded a violation (%s); replayed, it took "
			 "the same steps (same fingerprint) and found none: state leaked between "
			 "trials (a global that setup() does not reset?) or this build differs from "
			 "the one that recorded it",
			 rh_kind_name(sp->end_kind));
	else if (sp->end == RH_END_FAILED && kind != sp->end_kind)
		snprintf(buf, cap,
			 "the schedule recorded a violation (%s); replayed, it took the same steps "
			 "and found %s instead (this build checks otherwise?)",
			 rh_kind_name(sp->end_kind), rh_kind_name(kind));
	else if (sp->end == RH_END_CLEAN && failed)
		snprintf(buf, cap,
			 "the schedule recorded a run without a violation; replayed, it took the "
			 "same steps and found %s (this build differs from the one that recorded "
			 "it?)",
			 rh_kind_name(kind));
	else
		return NULL;
	return buf;
}
