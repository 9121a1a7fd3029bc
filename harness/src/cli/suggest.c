/* SPDX-License-Identifier: MIT */
/* "did you mean ...?" for mistyped scenario, store, variant and strategy names. */
#include <stdio.h>
#include <string.h>

#include "core/registry.h"
#include "suggest.h"

#define MAX_NAME 64

/* Optimal string alignment distance: insertions, deletions, substitutions
 * and swaps of two adjacent characters cost one each. */
static size_t distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b), d[MAX_NAME + 1][MAX_NAME + 1];

	if (n > MAX_NAME || m > MAX_NAME)
		return (size_t)-1;
	for (size_t i = 0; i <= n; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= n; i++)
		for (size_t j = 1; j <= m; j++) {
			size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	return d[n][m];
}

const char *rh_suggest(const char *word, const char *const *names, size_t n)
{
	size_t len = strlen(word), limit = len / 3 > 2 ? 2 : len / 3, best = (size_t)-1;
	const char *found = NULL;

	if (limit < 1)
		limit = 1;
	for (size_t i = 0; i < n; i++) {
		size_t d = distance(word, names[i]);

		if (d <= limit && d < best) {
			best = d;
			found = names[i];
		}
	}
	return found;
}

const char *rh_suggest_scenario(const char *word)
{
	static char stores[256][MAX_NAME];
	const char *names[512];
	size_t n = 0;

	for (unsigned i = 0; i < rh_scenario_count() && n + 2 <= 512; i++) {
		const char *name = rh_scenario_at(i)->name;
		size_t store = strcspn(name, ".");

		names[n++] = name;
		if (i < 256 && store < MAX_NAME) {
			snprintf(stores[i], MAX_NAME, "%.*s", (int)store, name);
			names[n++] = stores[i];
		}
	}
	return rh_suggest(word, names, n);
}

const char *rh_suggest_variant(const rh_scenario *s, const char *word)
{
	const char *names[64];
	size_t n = 0;

	for (unsigned v = 0; v < s->n_variants && n < 64; v++)
		names[n++] = s->variants[v].name;
	return rh_suggest(word, names, n);
}

void rh_suggest_strategy(rh_mode mode, const char *spec, char *buf, size_t cap)
{
	static const char *const stress[] = {"noise"};
	static const char *const controlled[] = {"random", "pct", "dfs", "replay"};
	const char *const *same = mode == RH_MODE_STRESS ? stress : controlled;
	const char *const *other = mode == RH_MODE_STRESS ? controlled : stress;
	size_t n_same = mode == RH_MODE_STRESS ? 1 : 4, n_other = mode == RH_MODE_STRESS ? 4 : 1;
	char name[MAX_NAME];
	const char *rest = spec + strcspn(spec, ":"), *near;

	snprintf(name, sizeof(name), "%.*s", (int)(rest - spec), spec);
	buf[0] = '\0';
	for (size_t i = 0; i < n_other; i++)
		if (strcmp(name, other[i]) == 0) {
			snprintf(buf, cap, "; %s is a %s strategy: %s", spec,
				 mode == RH_MODE_STRESS ? "controlled" : "stress",
				 mode == RH_MODE_STRESS ? "add --mode controlled"
							: "drop --mode controlled");
			return;
		}
	near = rh_suggest(name, same, n_same);
	if (near != NULL && strcmp(near, name) != 0)
		snprintf(buf, cap, "; did you mean %s%s?", near, rest);
}
