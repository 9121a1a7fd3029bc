/* SPDX-License-Identifier: MIT */
/* The scenario registry, filled by RH_SCENARIO constructors before main(). */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "core/registry.h"

#define RH_MAX_SCENARIOS 256

static const rh_scenario *registry[RH_MAX_SCENARIOS];
static unsigned registered;
static bool sorted;
static struct {
	const rh_scenario *s;
	const char *file;
	unsigned line;
} sources[RH_MAX_SCENARIOS];
static unsigned n_sources;

void rh_scenario_register(const rh_scenario *s)
{
	if (registered == RH_MAX_SCENARIOS)
		rh_die("too many scenarios registered (limit %d) at %s", RH_MAX_SCENARIOS, s->name);
	registry[registered++] = s;
	sorted = false;
}

void rh_scenario_register_at(const rh_scenario *s, const char *file, unsigned line)
{
	rh_scenario_register(s);
	sources[n_sources].s = s;
	sources[n_sources].file = file;
	sources[n_sources++].line = line;
}

const char *rh_scenario_source(const rh_scenario *s, unsigned *line)
{
	for (unsigned i = 0; i < n_sources; i++)
		if (sources[i].s == s) {
			*line = sources[i].line;
			return sources[i].file;
		}
	return NULL;
}

static int by_name(const void *a, const void *b)
{
	return strcmp((*(const rh_scenario *const *)a)->name, (*(const rh_scenario *const *)b)->name);
}

static void sort_registry(void)
{
	if (!sorted)
		qsort(registry, registered, sizeof(registry[0]), by_name);
	sorted = true;
}

unsigned rh_scenario_count(void)
{
	return registered;
}

const rh_scenario *rh_scenario_at(unsigned i)
{
	sort_registry();
	return i < registered ? registry[i] : NULL;
}

const rh_scenario *rh_scenario_find(const char *name)
{
	for (unsigned i = 0; i < registered; i++)
		if (strcmp(registry[i]->name, name) == 0)
			return registry[i];
	return NULL;
}

int rh_variant_find(const rh_scenario *s, const char *name)
{
	for (unsigned i = 0; i < s->n_variants; i++)
		if (strcmp(s->variants[i].name, name) == 0)
			return (int)i;
	return -1;
}
