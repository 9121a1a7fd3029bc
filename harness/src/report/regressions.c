/* SPDX-License-Identifier: MIT */
/* The terminal's account of every hunt row that did not behave as declared,
 * printed under the table: what a person needs to act on a red CI run
 * without rerunning anything. For each such row, each detector's finding
 * (kind, trial, message, replay command) or its clean budget, and the
 * shortest shrunk interleaving among the detectors that found something. */
#define _GNU_SOURCE /* open_memstream */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ci.h"
#include "core/util.h"

/* The first lines of what a cell's trials wrote to stderr: a sanitizer's
 * report names the racing accesses and their stacks. */
static void print_stderr(FILE *out, const char *err)
{
	unsigned shown = 0;

	if (err == NULL || err[0] == '\0')
		return;
	fputs("    stderr:\n", out);
	for (const char *p = err; *p && shown < 12; shown++) {
		size_t len = strcspn(p, "\n");

		fprintf(out, "      | %.*s\n", (int)(len > 200 ? 200 : len), p);
		p += len + (p[len] == '\n');
		if (shown == 11 && *p)
			fputs("      | ...\n", out);
	}
}

static void print_finding(FILE *out, const rh_hunt_cell *c)
{
	const rh_result *r = c->result;

	if (r->harness_failed) {
		fprintf(out, "  %s: harness failure: %s\n", c->detector, r->harness_error);
	} else if (r->have_first) {
		char *msg = rh_cell_message(c);

		fprintf(out, "  %s: %s in %llu of %llu trials, first at trial %llu: %s\n",
			c->detector, rh_kind_name(r->first.kind),
			(unsigned long long)r->failed_trials, (unsigned long long)r->trials_run,
			(unsigned long long)r->first.trial, msg);
		free(msg);
		if (r->first.replay[0])
			fprintf(out, "    replay: %s\n", r->first.replay);
		print_stderr(out, c->err);
	} else if (c->campaign.mode == RH_MODE_CONTROLLED) {
		fprintf(out, "  %s: clean, %llu schedules%s\n", c->detector,
			(unsigned long long)r->schedules,
			r->exhausted ? " (bounded space exhausted)" : "");
	} else {
		fprintf(out, "  %s: clean, %llu trials\n", c->detector,
			(unsigned long long)r->trials_run);
	}
}

/* The failing interleaving with the fewest steps among the row's cells. */
static const rh_hunt_cell *shortest_trace(const rh_hunt_cells *l, size_t first, size_t end)
{
	const rh_hunt_cell *best = NULL;

	for (size_t i = first; i < end; i++) {
		const rh_first *f = &l->items[i].result->first;

		if (l->items[i].result->have_first && f->n_events > 0 &&
		    (best == NULL || f->n_events < best->result->first.n_events))
			best = &l->items[i];
	}
	return best;
}

/* One lane per thread, as `racehunt replay` prints it. */
static void print_trace(FILE *out, const rh_hunt_cell *c)
{
	const rh_first *f = &c->result->first;
	unsigned threads = 1;
	int lane = 12;

	for (unsigned e = 0; e < f->n_events; e++) {
		int w = (int)strlen(f->events[e].name) + 8;

		if (f->events[e].tid + 1u > threads)
			threads = f->events[e].tid + 1u;
		if (w > lane)
			lane = w;
	}
	if (lane > 40)
		lane = 40;
	fprintf(out, "  interleaving (%s, shrunk: %u thread%s, %u steps):\n", c->detector, threads,
		threads == 1 ? "" : "s", f->n_events);
	for (unsigned e = 0; e < f->n_events; e++)
		fprintf(out, "  %5u | %*sT%u %s\n", e + 1, f->events[e].tid * lane, "",
			f->events[e].tid, f->events[e].name);
}

/* One row: its verdict, every detector's finding, the shortest trace. */
static void print_row(FILE *out, const rh_hunt_cells *l, size_t first, size_t end,
		      rh_row_verdict v)
{
	const rh_campaign *c = &l->items[first].campaign;
	const rh_hunt_cell *trace = shortest_trace(l, first, end);

	fprintf(out, "%s [%s]: declared %s, %s\n", c->scenario->name,
		c->scenario->variants[c->variant].name,
		c->scenario->variants[c->variant].expect == RH_EXPECT_DETECTED ? "detected"
										 : "clean",
		rh_row_verdict_text(v));
	for (size_t i = first; i < end; i++)
		print_finding(out, &l->items[i]);
	if (trace != NULL)
		print_trace(out, trace);
}

unsigned rh_regressions_print(FILE *out, const rh_hunt_cells *l)
{
	unsigned n = 0;

	for (size_t first = 0, end; first < l->n; first = end) {
		rh_row_verdict v = rh_hunt_row(l, first, &end);

		if (v == RH_ROW_AS_DECLARED)
			continue;
		if (n++ == 0)
			fputs("\nnot as declared:\n", out);
		print_row(out, l, first, end, v);
	}
	return n;
}

void rh_regressions_html(FILE *out, const rh_hunt_cells *l)
{
	unsigned n = 0;

	for (size_t first = 0, end; first < l->n; first = end) {
		rh_row_verdict v = rh_hunt_row(l, first, &end);
		char *text = NULL;
		size_t len = 0;
		FILE *mem;

		if (v == RH_ROW_AS_DECLARED)
			continue;
		if (n++ == 0)
			fputs("<section id=\"not-as-declared\"><h2>Not as declared</h2><p class=\"note\">"
			      "Each variant that did not behave as declared: what every detector "
			      "found, the command that replays it, and the shortest shrunk "
			      "interleaving.</p>\n",
			      out);
		mem = open_memstream(&text, &len);
		if (mem == NULL)
			rh_die("out of memory drawing the report");
		print_row(mem, l, first, end, v);
		fclose(mem);
		fputs("<pre class=\"regression\" style=\"max-height:none\">", out);
		rh_xml_text(out, text);
		fputs("</pre>\n", out);
		free(text);
	}
	if (n > 0)
		fputs("</section>\n", out);
}

void rh_hunt_cells_truncate(rh_hunt_cells *l, size_t n)
{
	while (l->n > n) {
		l->n--;
		free(l->items[l->n].result);
		free(l->items[l->n].err);
		free(l->items[l->n].program);
	}
}
