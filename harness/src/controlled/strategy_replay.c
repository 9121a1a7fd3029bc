/* SPDX-License-Identifier: MIT */
/* replay:SCHEDULE — explicit deviations from the default choice: the one run
 * a schedule string recorded, replayed strictly (a run that leaves it is
 * flagged, rh_explorer_diverged, never passed off as the recorded one), or,
 * made by rh_explorer_choices, a shrink candidate replayed leniently (a
 * deviation that cannot apply falls back to the default). */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "sched.h"

struct replay {
	rh_dev *devs;
	size_t n_devs, pos;
	bool strict;
	uint32_t want_choices, want_fp;
};

/* x's state from a decoded schedule; x->spec becomes the recorded strategy. */
static bool take(rh_explorer *x, const rh_sched_spec *sp, bool strict)
{
	struct replay *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return false;
	r->strict = strict;
	r->want_choices = sp->choices;
	r->want_fp = sp->fingerprint;
	snprintf(x->spec, sizeof(x->spec), "%s", sp->strategy);
	if (sp->n_devs > 0) {
		r->devs = malloc(sp->n_devs * sizeof(*r->devs));
		if (r->devs == NULL) {
			free(r);
			return false;
		}
		memcpy(r->devs, sp->devs, sp->n_devs * sizeof(*r->devs));
		r->n_devs = sp->n_devs;
	}
	x->st = r;
	return true;
}

static bool create(rh_explorer *x, const char *arg, char *err, size_t errcap)
{
	rh_sched_spec sp;
	bool ok;

	if (!rh_schedule_parse(arg, &sp, err, errcap))
		return false;
	ok = take(x, &sp, true);
	rh_schedule_spec_free(&sp);
	if (!ok)
		snprintf(err, errcap, "out of memory for an explorer");
	return ok;
}

static bool begin(rh_explorer *x, unsigned threads)
{
	struct replay *r = x->st;

	r->pos = 0;
	return true;
}

RH_SCHEDULER_ONLY static unsigned choose(rh_explorer *x, uint64_t enabled, unsigned cur)
{
	struct replay *r = x->st;
	size_t j = x->n_choices;

	if (r->pos < r->n_devs && r->devs[r->pos].at == j) {
		unsigned t = r->devs[r->pos++].tid;

		if (enabled >> t & 1)
			return t;
		if (r->strict)
			rh__explorer_diverge(x, "the recorded thread cannot run there",
					     (unsigned long long)j);
	}
	return rh_default_choice(enabled, cur);
}

static void end(rh_explorer *x)
{
	struct replay *r = x->st;

	if (!r->strict || x->diverged)
		return;
	if (r->pos < r->n_devs || x->n_choices != r->want_choices)
		rh__explorer_diverge(x, "the run made a different number of choices",
				     (unsigned long long)x->n_choices);
	else if ((uint32_t)(x->fp ^ x->fp >> 32) != r->want_fp)
		rh__explorer_diverge(x, "the run's steps differ from the recorded ones",
				     (unsigned long long)x->n_choices);
}

static void destroy(void *st)
{
	struct replay *r = st;

	if (r != NULL)
		free(r->devs);
	free(r);
}

const rh_strategy rh__strategy_replay = {
	.name = "replay",
	.flags = RH_STRATEGY_ONE_RUN,
	.create = create,
	.begin = begin,
	.choose = choose,
	.end = end,
	.destroy = destroy,
};

rh_explorer *rh_explorer_choices(const rh_sched_spec *sp, bool strict)
{
	rh_explorer *x = calloc(1, sizeof(*x));

	if (x == NULL)
		return NULL;
	x->strategy = &rh__strategy_replay;
	rh_objects_init(&x->objects);
	if (!take(x, sp, strict)) {
		free(x);
		return NULL;
	}
	return x;
}
