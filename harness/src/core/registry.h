/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * The scenario registry, filled by RH_SCENARIO constructors before main(). */
#ifndef RH_CORE_REGISTRY_H
#define RH_CORE_REGISTRY_H

#include "racehunt/scenario.h"

const rh_scenario *rh_scenario_find(const char *name);
/* -1 when the scenario has no such variant. */
int rh_variant_find(const rh_scenario *s, const char *name);
unsigned rh_scenario_count(void);
/* Sorted by name. */
const rh_scenario *rh_scenario_at(unsigned i);
/* Where RH_SCENARIO registered s (its file, *line), or NULL when unknown. */
const char *rh_scenario_source(const rh_scenario *s, unsigned *line);

#endif
