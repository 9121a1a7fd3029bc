/* SPDX-License-Identifier: MIT */
/* Trials: violation recording (thread-safe, first one kept in full), random
 * streams and samples. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "core/registry.h"
#include "trial.h"

void rh_trial_init(rh_trial *t, const rh_scenario *s, unsigned variant, const rh_params *p,
		   uint64_t seed, uint64_t index)
{
	memset(t, 0, sizeof(*t));
	t->scenario = s;
	t->variant = variant;
	t->params = *p;
	t->seed = seed;
	t->index = index;
	for (unsigned i = 0; i < RH_MAX_THREADS; i++)
		rh_rng_seed(&t->rng[i], rh_seed_mix(seed, index, i));
}

void rh_trial_fini(rh_trial *t)
{
	free(t->samples);
	t->samples = NULL;
}

void rh_violation(rh_trial *t, rh_kind kind, const char *fmt, ...)
{
	int expected = 0;
	va_list ap;

	atomic_fetch_add(&t->violations, 1);
	atomic_fetch_add(&t->kind_counts[kind], 1);
	if (!atomic_compare_exchange_strong(&t->first_state, &expected, 1))
		return;
	t->first_kind = kind;
	va_start(ap, fmt);
	vsnprintf(t->first_msg, sizeof(t->first_msg), fmt, ap);
	va_end(ap);
	atomic_store(&t->first_state, 2);
}

void rh_trial_error(rh_trial *t, const char *fmt, ...)
{
	int expected = 0;
	va_list ap;

	if (!atomic_compare_exchange_strong(&t->error_state, &expected, 1))
		return;
	va_start(ap, fmt);
	vsnprintf(t->error_msg, sizeof(t->error_msg), fmt, ap);
	va_end(ap);
	atomic_store(&t->error_state, 2);
}

bool rh_trial_failed(const rh_trial *t)
{
	return atomic_load(&((rh_trial *)t)->violations) != 0;
}

rh_kind rh_trial_first_kind(const rh_trial *t)
{
	return t->first_kind;
}

const char *rh_trial_first_msg(const rh_trial *t)
{
	return t->first_msg;
}

const rh_params *rh_trial_params(const rh_trial *t)
{
	return &t->params;
}

rh_rng *rh_trial_rng(rh_trial *t, unsigned tid)
{
	return &t->rng[tid % RH_MAX_THREADS];
}

void rh_trial_sample(rh_trial *t, unsigned tid, uint64_t value)
{
	unsigned *n = &t->sample_count[tid % RH_MAX_THREADS];

	/* Rows are allocated by the campaign before threads start. */
	if (t->samples == NULL || *n >= RH_SAMPLES_PER_THREAD)
		return;
	t->samples[(size_t)(tid % RH_MAX_THREADS) * RH_SAMPLES_PER_THREAD + *n] = value;
	(*n)++;
}
