/* SPDX-License-Identifier: MIT */
/* racehunt — an explorer's life: its counters, its schedule string, and
 * freeing it. */
#include <stdio.h>
#include <stdlib.h>

#include "sched_run.h"

uint64_t rh_explorer_steps(const rh_explorer *x)
{
	return x->steps;
}

unsigned rh_explorer_preemptions(const rh_explorer *x)
{
	return x->preemptions;
}

void rh_explorer_free(rh_explorer *x)
{
	if (x == NULL)
		return;
	for (unsigned i = 0; i < x->n_fibers; i++)
		rh_fiber_destroy(&x->fibers[i]);
	for (size_t i = 0; i < x->cap_names; i++)
		free(x->names[i].copy);
	free(x->names);
	rh_objects_fini(&x->objects);
	if (x->strategy != NULL && x->strategy->destroy != NULL)
		x->strategy->destroy(x->st);
	free(x->choices);
	free(x->events);
	free(x->schedule);
	free(x);
}

const char *rh_explorer_schedule(rh_explorer *x, const rh_scenario *s, unsigned variant,
				 const rh_params *p)
{
	rh_sched_spec sp;
	char err[256];

	rh_explorer_spec(x, &sp);
	snprintf(sp.scenario, sizeof(sp.scenario), "%s", s->name);
	snprintf(sp.variant, sizeof(sp.variant), "%s", s->variants[variant].name);
	sp.params = *p;
	free(x->schedule);
	x->schedule = rh_schedule_format(&sp, err, sizeof(err));
	rh_schedule_spec_free(&sp);
	if (x->schedule == NULL) {
		fprintf(stderr, "racehunt: no schedule string: %s\n", err);
		return "";
	}
	return x->schedule;
}
