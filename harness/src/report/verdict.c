/* SPDX-License-Identifier: MIT */
/* A hunt row's verdict: observed against declared, over all its cells. */
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "ci.h"
#include "core/util.h"
#include "symbolize.h"

rh_row_verdict rh_hunt_row(const rh_hunt_cells *l, size_t first, size_t *end)
{
	const rh_campaign *c0 = &l->items[first].campaign;
	bool detected = false, failed = false;
	size_t i = first;

	for (; i < l->n; i++) {
		const rh_hunt_cell *c = &l->items[i];

		if (c->campaign.scenario != c0->scenario || c->campaign.variant != c0->variant)
			break;
		failed |= c->result->harness_failed != 0;
		detected |= c->result->failed_trials > 0;
	}
	*end = i;
	if (failed)
		return RH_ROW_HARNESS_FAILED;
	if (detected == (c0->scenario->variants[c0->variant].expect == RH_EXPECT_DETECTED))
		return RH_ROW_AS_DECLARED;
	return detected ? RH_ROW_FLAGGED : RH_ROW_MISSED;
}

const char *rh_row_verdict_text(rh_row_verdict v)
{
	switch (v) {
	case RH_ROW_AS_DECLARED: return "as declared";
	case RH_ROW_MISSED: return "missed a seeded bug";
	case RH_ROW_FLAGGED: return "flagged a clean variant";
	default: return "harness failure";
	}
}

bool rh_cell_has_addresses(const rh_hunt_cell *c)
{
	const char *m = c->result->first.message;

	return strstr(m, "{pc:0x") != NULL || strstr(m, "{obj:0x") != NULL;
}

char *rh_cell_message(const rh_hunt_cell *c)
{
	const char *m = c->result->first.message;
	size_t cap = strlen(m) + 4096;
	char *out = malloc(cap);

	if (out == NULL)
		rh_die("out of memory for a report message");
	if (rh_cell_has_addresses(c))
		rh_symbolize(rh_cell_program(c), m, out, cap);
	else
		snprintf(out, cap, "%s", m);
	return out;
}

double rh_clean_upper95(uint64_t trials)
{
	return trials ? 1 - pow(0.05, 1.0 / (double)trials) : 1;
}

const char *rh_cell_program(const rh_hunt_cell *c)
{
	return c->program != NULL ? c->program : c->campaign.scenario->name;
}

void rh_hunt_cells_note_program(rh_hunt_cells *l, const char *program)
{
	if (l->n == 0 || program == NULL)
		return;
	free(l->items[l->n - 1].program);
	l->items[l->n - 1].program = strdup(program);
	if (l->items[l->n - 1].program == NULL)
		rh_die("out of memory keeping a cell's program");
}

void rh_hunt_cells_note_stderr(rh_hunt_cells *l, const char *text)
{
	if (l->n == 0 || text == NULL || text[0] == '\0')
		return;
	free(l->items[l->n - 1].err);
	l->items[l->n - 1].err = strdup(text);
	if (l->items[l->n - 1].err == NULL)
		rh_die("out of memory keeping a cell's stderr");
}
