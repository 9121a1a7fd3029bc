/* SPDX-License-Identifier: MIT */
/* The first violation's interleaving, kept with the result so reports can
 * draw it: the (shrunk) schedule replayed once more, its steps flattened into
 * rh_first.events. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign.h"
#include "racehunt/sync.h"
#include "controlled/sched.h"

static void flatten(rh_first *f, const rh_explorer *x)
{
	for (size_t i = 0; i < x->n_events && f->n_events < RH_TRACE_MAX; i++) {
		const rh_event *e = &x->events[i];
		rh_trace_event *out = &f->events[f->n_events];

		out->step = f->n_events++;
		out->tid = e->tid;
		/* Steps that are not sync operations (round end, exit, death,
		 * blocked) colour like labelled points, exit like exit. */
		out->op = e->kind == RH_EV_OP	  ? e->op
			  : e->kind == RH_EV_EXIT ? RH_OP_EXIT
						  : RH_OP_POINT;
		out->value = e->kind == RH_EV_OP && e->has_value ? e->value : 0;
		rh_event_text(e, out->name, sizeof(out->name));
	}
}

void rh_first_record_trace(rh_first *f, const rh_scenario *s, unsigned variant)
{
	rh_sched_spec sp;
	rh_explorer *x;
	rh_trial *t;
	char err[256];

	f->n_events = 0;
	if (!rh_schedule_parse(f->schedule, &sp, err, sizeof(err)))
		return;
	x = rh_explorer_choices(&sp, true);
	t = malloc(sizeof(*t));
	if (x != NULL && t != NULL) {
		rh_trial_init(t, s, variant, &sp.params, sp.seed, sp.index);
		/* A replay that diverges drew some other run: keep nothing. The
		 * schedule may be a shrunk one, so its own message (thread
		 * numbers and values as drawn) replaces the original run's. */
		if (rh_trial_execute(t, RH_MODE_CONTROLLED, NULL, x) && !rh_explorer_diverged(x)) {
			flatten(f, x);
			if (rh_trial_failed(t))
				snprintf(f->message, sizeof(f->message), "%s",
					 rh_trial_first_msg(t));
		}
		rh_trial_fini(t);
	}
	free(t);
	if (x != NULL)
		rh_explorer_free(x);
	rh_schedule_spec_free(&sp);
}
