/* SPDX-License-Identifier: MIT */
/* A store of a project that uses racehunt: a ticket dispenser whose tickets
 * must be unique. `buggy` reads the next number, then writes it back plus
 * one, so two threads can draw the same ticket; `fixed` draws with one
 * fetch_add. Store and scenario only include racehunt's public headers. */
#include <stdlib.h>

#include "racehunt/props.h"
#include "racehunt/scenario.h"
#include "racehunt/sync.h"

enum { TICKETS_BUGGY, TICKETS_FIXED };

static const rh_variant tickets_variants[] = {
	[TICKETS_BUGGY] = {"buggy", RH_EXPECT_DETECTED, "load the next ticket, then store it + 1"},
	[TICKETS_FIXED] = {"fixed", RH_EXPECT_CLEAN, "one fetch_add per ticket"},
};

typedef struct tickets {
	rh_atomic_u64 next;
	unsigned variant, ops;
	rh_value *drawn; /* [tid * ops + i]: written by thread tid only */
} tickets;

static uint64_t draw(tickets *d)
{
	uint64_t n;

	if (d->variant == TICKETS_FIXED)
		return rh_atomic_fetch_add(&d->next, 1, RH_ACQ_REL);
	n = rh_atomic_load(&d->next, RH_ACQUIRE);
	rh_point("drew", n);
	rh_atomic_store(&d->next, n + 1, RH_RELEASE);
	return n;
}

static void *tickets_setup(const rh_params *p, unsigned variant, rh_trial *t)
{
	tickets *d = calloc(1, sizeof(*d));

	if (d == NULL || (d->drawn = calloc((size_t)p->threads * p->ops, sizeof(rh_value))) == NULL) {
		free(d);
		return NULL;
	}
	rh_atomic_init(&d->next, "next ticket", 1);
	d->variant = variant;
	d->ops = p->ops;
	return d;
}

static void tickets_thread(void *state, unsigned tid, unsigned round, rh_trial *t)
{
	tickets *d = state;

	for (unsigned i = 0; i < d->ops; i++)
		d->drawn[tid * d->ops + i] = (rh_value){.value = draw(d), .thread = tid, .op = i};
}

static void tickets_check(void *state, rh_trial *t)
{
	tickets *d = state;
	rh_prop_result r;

	if (!rh_prop_unique("ticket", d->drawn, (size_t)rh_trial_params(t)->threads * d->ops, &r))
		rh_violation(t, r.kind, "%s", r.msg);
}

static void tickets_teardown(void *state)
{
	tickets *d = state;

	free(d->drawn);
	free(d);
}

static const rh_scenario tickets_unique = {
	.name = "tickets.unique",
	.summary = "threads draw tickets; no two may get the same number",
	.variants = tickets_variants,
	.n_variants = 2,
	.defaults = {.threads = 4, .ops = 8, .rounds = 1, .size = 0},
	.max_threads = 16,
	.stress_trials = 50,
	.setup = tickets_setup,
	.thread = tickets_thread,
	.check = tickets_check,
	.teardown = tickets_teardown,
};

RH_SCENARIO(tickets_unique)
