/* SPDX-License-Identifier: MIT */
/* The hunt table's pieces every kind of row shares (scenario rows in hunt.c,
 * exec rows in hunt_exec.c): a cell's text, keeping a cell for the result
 * files, and the verdict column. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/interrupt.h"
#include "hunt_private.h"
#include "racehunt/cli.h"
#include "report/ci.h"
#include "report/json.h"
#include "report/result_json.h"
#include "report/summary.h"

/* Under the row: each cell's caught lines, escaped, a few at most. */
static void print_caught(const char *name, const char *text)
{
	unsigned lines = 0, shown = 0;

	for (const char *p = text; *p; lines++)
		p += strcspn(p, "\n") + (p[strcspn(p, "\n")] == '\n');
	for (const char *p = text; *p && shown < 3; shown++) {
		size_t len = strcspn(p, "\n");

		printf("    %s stderr: ", name);
		for (size_t i = 0; i < len && i < 160; i++) {
			unsigned char c = (unsigned char)p[i];

			if (c < 0x20 || c == 0x7f)
				printf("\\x%02x", c);
			else
				putchar(c);
		}
		putchar('\n');
		p += len + (p[len] == '\n');
	}
	if (lines > shown)
		printf("    %s stderr: ... %u more lines\n", name, lines - shown);
}

/* An SGR escape for the verdict column, or "": colour only on a terminal and
 * never when NO_COLOR is set to anything (https://no-color.org). */
const char *rh__hunt_sgr(const char *code)
{
	static int on = -1;
	static char buf[4][16];
	static unsigned next;
	const char *nc = getenv("NO_COLOR");

	if (on < 0)
		on = isatty(STDOUT_FILENO) && (nc == NULL || nc[0] == '\0');
	if (!on)
		return "";
	next = (next + 1) % 4;
	snprintf(buf[next], sizeof(buf[next]), "\033[%sm", code);
	return buf[next];
}

void rh__hunt_cell_text(const rh_result *r, const rh_hunt_detector *d, const char *spec, char *buf,
			size_t cap)
{
	if (r->harness_failed)
		snprintf(buf, cap, "FAILED (%.60s)", r->harness_error);
	else if (r->failed_trials)
		snprintf(buf, cap, "DETECTED %s @%llu %.0fms", rh_kind_name(r->first.kind),
			 (unsigned long long)r->first.trial, r->first.at_ms);
	else if (d->mode == RH_MODE_CONTROLLED && r->exhausted && strcmp(spec, d->strategy) != 0)
		snprintf(buf, cap, "clean %llu sched, all %s", (unsigned long long)r->schedules, spec);
	else if (d->mode == RH_MODE_CONTROLLED && r->exhausted)
		snprintf(buf, cap, "clean %llu sched, all", (unsigned long long)r->schedules);
	else
		snprintf(buf, cap, "clean %llu trials", (unsigned long long)r->trials_run);
}

void rh__hunt_keep_cell(hunt_run *h, unsigned d, const rh_campaign *c, const rh_result *r,
			const char *program)
{
	const char *name = rh__hunt_detectors[d].name;

	if (h->json.f) {
		FILE *j = h->json.f;

		fputs(h->rows++ ? ",\n" : "", j);
		fprintf(j, "{\"detector\":\"%s\",", name);
		if (program != NULL) {
			fputs("\"program\":", j);
			rh_json_string(j, program);
			fputc(',', j);
		}
		fputs("\"result\":", j);
		rh_result_json(j, c, r);
		if (h->caught[d][0]) {
			fputs(",\"stderr\":", j);
			rh_json_string(j, h->caught[d]);
		}
		fputc('}', j);
	}
	if (rh__hunt_detectors[d].mode == RH_MODE_CONTROLLED && r->exhausted && !r->failed_trials &&
	    r->points[0] && !strstr(h->proved_points, r->points)) {
		size_t at = strlen(h->proved_points);

		snprintf(h->proved_points + at, sizeof(h->proved_points) - at, "%s%s",
			 at ? ", " : "", r->points);
	}
	rh_hunt_cells_add(&h->cells, name, c, r);
	rh_hunt_cells_note_stderr(&h->cells, h->caught[d]);
	rh_hunt_cells_note_program(&h->cells, program);
}

void rh__hunt_row_end(hunt_run *h, rh_expect expect, bool detected, bool failed,
		      size_t first_cell)
{
	if (rh_interrupted()) {
		/* The row's cells ran part of their budget: no verdict. */
		h->status = RH_EXIT_HARNESS;
		printf(" %sINTERRUPTED%s\n", rh__hunt_sgr("1;35"), rh__hunt_sgr("0"));
	} else if (failed) {
		h->status = RH_EXIT_HARNESS;
		printf(" %sHARNESS FAILURE%s\n", rh__hunt_sgr("1;35"), rh__hunt_sgr("0"));
	} else if (detected == (expect == RH_EXPECT_DETECTED)) {
		printf(" %sok%s\n", rh__hunt_sgr("32"), rh__hunt_sgr("0"));
		if (!h->keep)
			rh_hunt_cells_truncate(&h->cells, first_cell);
	} else {
		h->mismatches++;
		printf(" %sMISMATCH%s (%s)\n", rh__hunt_sgr("1;31"), rh__hunt_sgr("0"),
		       detected ? "flagged a clean variant" : "missed a seeded bug");
	}
	for (unsigned d = 0; d < rh__hunt_n_detectors; d++)
		if (h->caught[d][0])
			print_caught(rh__hunt_detectors[d].name, h->caught[d]);
}
