/* SPDX-License-Identifier: MIT */
/* Violation kinds by name, both ways: what reports print and schedule
 * strings record. Apart from trial.c because the intercept runtime, which
 * has no trials of its own, formats schedule strings too. */
#include <string.h>

#include "racehunt/scenario.h"

static const char *const kind_names[RH_KIND_COUNT_] = {
#define KIND_NAME(name, colour, what) [RH_##name] = #name,
	RH_KIND_MAP(KIND_NAME)
#undef KIND_NAME
};

const char *rh_kind_name(rh_kind kind)
{
	return (unsigned)kind < RH_KIND_COUNT_ ? kind_names[kind] : "?";
}

int rh_kind_parse(const char *name)
{
	for (int k = 0; k < RH_KIND_COUNT_; k++)
		if (strcmp(kind_names[k], name) == 0)
			return k;
	return -1;
}
