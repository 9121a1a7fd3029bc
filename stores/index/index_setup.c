/* SPDX-License-Identifier: MIT */
/* index.* scenarios: a trial's state -- the store filled with every key's
 * first version and the planted orphans, the version counters, the history
 * logs -- and its teardown. */
#include <stdlib.h>
#include <string.h>

#include "index_scenarios.h"

void ix__teardown(void *state)
{
	ixstate *s = state;

	ix_close(s->store);
	free(s->started);
	free(s->committed);
	for (unsigned i = 0; i < IX_MAX_THREADS; i++)
		free(s->buf[i]);
	for (unsigned i = 0; i <= IX_MAX_THREADS; i++)
		free(s->hist[i]);
	free(s);
}

/* Keys, payload span and the shares of writes and creations of workload w. */
static void workload_mix(ixstate *s, enum workload w, const rh_params *p, rh_rng *r)
{
	s->keys = p->size > 0 ? p->size : 1;
	s->len_span = 48;
	s->write_permille = 250;
	switch (w) {
	case W_READERS: /* updates only: the race is GetEntity's, not the map's */
		s->create_permille = 0;
		break;
	case W_MIXED:
		s->create_permille = 125;
		break;
	case W_REPLAY: /* new entities make replay grow the map under the readers */
	case W_INTEGRITY:
		s->create_permille = 250;
		break;
	case W_PROPS:
		s->keys = 1 + rh_rng_below(r, s->keys);
		s->len_span = (uint32_t)rh_rng_below(r, 8 * (uint64_t)s->keys + 1);
		s->write_permille = 100 + (unsigned)rh_rng_below(r, 501);
		s->create_permille = (unsigned)rh_rng_below(r, 301);
		break;
	}
	s->first_writer = w == W_INTEGRITY ? 1 : 0;
	s->n_writers = w == W_MIXED || w == W_PROPS ? p->threads : p->threads - s->first_writer;
	if (w == W_READERS || w == W_REPLAY)
		s->n_writers = 1;
}

/* Entities 1..keys, each owned by writer (id - 1) % n_writers, and the
 * orphans; false when the store refused one. */
static bool fill(ixstate *s, rh_trial *t)
{
	for (uint64_t id = 1; id <= s->keys; id++) {
		uint64_t v, call = ix__tick(s);
		if (!ix__write_version(s, t, 0, id, false, &v))
			return false;
		ix__commit_version(s, id, v);
		ix__record(s, IX_MAX_THREADS, RH_LIN_PUT, id, v, call, (unsigned)id);
	}
	for (unsigned k = 0; k < IX_ORPHANS; k++) {
		uint64_t id = s->max_ids + 1 + k;
		uint32_t len = ix__payload_len(s, id, 1);
		rh_payload_sign(s->buf[0], len, (unsigned)id, 1);
		if (ix_put_orphan(s->store, id, 1, s->buf[0], len) != IX_OK)
			return false;
		s->orphan_ids[k] = id;
	}
	return true;
}

void *ix__setup(enum workload w, const rh_params *p, unsigned variant, rh_trial *t)
{
	ixstate *s = calloc(1, sizeof *s);
	rh_rng *r = rh_trial_rng(t, 0);

	if (s == NULL || p->threads == 0 || p->threads > IX_MAX_THREADS) {
		free(s);
		return NULL;
	}
	s->w = w;
	s->p = *p;
	workload_mix(s, w, p, r);
	s->max_ids = s->keys + (uint64_t)s->n_writers * p->ops * p->rounds;

	s->started = calloc(s->max_ids + 1, sizeof *s->started);
	s->committed = calloc(s->max_ids + 1, sizeof *s->committed);
	if (s->started == NULL || s->committed == NULL)
		goto fail;
	for (uint64_t id = 0; id <= s->max_ids; id++) {
		rh_atomic_init(&s->started[id], "started version", 0);
		rh_atomic_init(&s->committed[id], "committed version", 0);
	}
	rh_atomic_init(&s->begun, "entities begun", 0);
	rh_atomic_init(&s->created, "entities created", 0);
	for (unsigned i = 0; i < p->threads; i++)
		if ((s->buf[i] = malloc(RH_PAYLOAD_MIN + s->len_span)) == NULL)
			goto fail;
	/* The integrity workload has no gets: nothing to linearize. */
	if (w != W_INTEGRITY) {
		for (unsigned i = 0; i < p->threads; i++)
			if ((s->hist[i] = malloc(((size_t)p->ops * p->rounds + 1) *
						 sizeof(rh_lin_op))) == NULL)
				goto fail;
		if ((s->hist[IX_MAX_THREADS] = malloc((s->keys + 1) * sizeof(rh_lin_op))) == NULL)
			goto fail;
	}

	uint64_t records = s->keys + IX_ORPHANS + (uint64_t)p->threads * p->ops * p->rounds;
	s->store = ix_open((ix_variant)variant,
			   records * (sizeof(ix_record) + RH_PAYLOAD_MIN + s->len_span));
	if (s->store == NULL)
		goto fail;

	if (!fill(s, t))
		goto fail;
	return s;

fail:
	ix__teardown(s);
	return NULL;
}

