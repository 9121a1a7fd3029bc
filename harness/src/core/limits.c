/* SPDX-License-Identifier: MIT */
/* Workload limits: the one check every door into a trial shares. */
#include <stdio.h>

#include "core/limits.h"
#include "core/trial.h"

rh_limits rh_limits_of(const rh_scenario *s)
{
	rh_limits l = s->limits;

	if (l.max_ops == 0)
		l.max_ops = RH_LIMIT_OPS;
	if (l.max_rounds == 0)
		l.max_rounds = RH_LIMIT_ROUNDS;
	if (l.max_size == 0)
		l.max_size = RH_LIMIT_SIZE;
	return l;
}

unsigned rh_max_threads(const rh_scenario *s)
{
	return s->max_threads && s->max_threads < RH_MAX_THREADS ? s->max_threads
								  : RH_MAX_THREADS;
}

bool rh_params_fit(const rh_scenario *s, const rh_params *p, char *err, size_t errcap)
{
	rh_limits l = rh_limits_of(s);
	unsigned max = rh_max_threads(s);
	/* Each factor is below 2^32, so two of them cannot wrap 64 bits; the
	 * third is checked by division. */
	uint64_t per_round = (uint64_t)p->threads * p->ops;

	if (p->threads < 1 || p->threads > max) {
		snprintf(err, errcap, "--threads must be between 1 and %u for %s, got %u", max,
			 s->name, p->threads);
		return false;
	}
	if (p->ops < 1 || p->rounds < 1) {
		snprintf(err, errcap, "--ops and --rounds must be at least 1, got ops %u, rounds %u",
			 p->ops, p->rounds);
		return false;
	}
	if (p->rounds > l.max_rounds) {
		snprintf(err, errcap, "--rounds %u is over the limit of %s: at most %u rounds per trial", p->rounds,
			 s->name, l.max_rounds);
		return false;
	}
	if (per_round > l.max_ops / p->rounds) {
		snprintf(err, errcap,
			 "--threads x --ops x --rounds = %u x %u x %u is over the limit of %s: at "
			 "most %llu operations per trial",
			 p->threads, p->ops, p->rounds, s->name, (unsigned long long)l.max_ops);
		return false;
	}
	if (p->size > l.max_size) {
		snprintf(err, errcap, "--size %u is over the limit of %s: at most %u", p->size, s->name,
			 l.max_size);
		return false;
	}
	return true;
}

bool rh_trials_fit(uint64_t first, uint64_t count, char *err, size_t errcap)
{
	if (first > RH_TRIAL_INDEX_MAX || count > RH_TRIAL_INDEX_MAX - first) {
		snprintf(err, errcap,
			 "trial numbers run from %llu over %llu trials, past the limit of %llu",
			 (unsigned long long)first, (unsigned long long)count,
			 (unsigned long long)RH_TRIAL_INDEX_MAX);
		return false;
	}
	return true;
}
