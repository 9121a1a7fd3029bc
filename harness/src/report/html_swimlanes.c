/* SPDX-License-Identifier: MIT */
/* The hunt report page: each seeded bug's failing interleaving as
 * swimlanes (one lane per thread, arrows where the schedule switches). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ci.h"
#include "html_private.h"
#include "racehunt/sync.h"

/* ---- interleavings as swimlanes ------------------------------------------ */

#define GUTTER 44
#define LANE_W 260
#define LANE_HEAD 30
#define STEP_H 26

static const char *op_fill(unsigned op)
{
	switch (op) {
	case RH_OP_LOAD:
	case RH_OP_STORE:
	case RH_OP_FETCH_ADD:
	case RH_OP_CAS:
		return "#fde7c8"; /* shared memory */
	case RH_OP_LOCK:
	case RH_OP_UNLOCK:
	case RH_OP_RDLOCK:
	case RH_OP_WRLOCK:
	case RH_OP_RWUNLOCK:
		return "#d9e6f7"; /* synchronisation */
	case RH_OP_EXIT:
		return "#eceef2";
	default:
		return "#e5f1e8"; /* labelled points */
	}
}

/* One lane per thread that took a step, in thread order: the lanes' thread
 * ids in tids, each step's lane in lane_of; returns the number of lanes. */
static unsigned assign_lanes(const rh_first *f, unsigned n, uint16_t *tids, unsigned *lane_of)
{
	unsigned n_lanes = 0;

	for (unsigned i = 0; i < n; i++) {
		unsigned j = 0;

		while (j < n_lanes && tids[j] != f->events[i].tid)
			j++;
		if (j == n_lanes)
			tids[n_lanes++] = f->events[i].tid;
	}
	for (unsigned a = 1; a < n_lanes; a++)
		for (unsigned b = a; b > 0 && tids[b - 1] > tids[b]; b--) {
			uint16_t t = tids[b];

			tids[b] = tids[b - 1];
			tids[b - 1] = t;
		}
	for (unsigned i = 0; i < n; i++)
		for (lane_of[i] = 0; tids[lane_of[i]] != f->events[i].tid; lane_of[i]++)
			;
	return n_lanes;
}

/* ---- the conflict: two accesses to one object across the preemption ------ */

typedef struct conflict {
	unsigned a, b; /* step indices, a < b; b == 0: none found */
} conflict;

static int access_of(const rh_trace_event *e)
{
	switch (e->op) {
	case RH_OP_LOAD:
		return 1; /* a read */
	case RH_OP_STORE:
	case RH_OP_FETCH_ADD:
	case RH_OP_CAS:
		return 2; /* a write */
	default:
		return 0;
	}
}

static bool rmw(const rh_trace_event *e)
{
	return e->op == RH_OP_FETCH_ADD || e->op == RH_OP_CAS;
}

/* The object a step names: "load entry_count=0" -> "entry_count". */
static void object_of(const rh_trace_event *e, char *obj, size_t cap)
{
	const char *s = memchr(e->name, ' ', sizeof(e->name));
	size_t n = 0;

	if (s != NULL)
		for (s++; s + n < e->name + sizeof(e->name) && s[n] && s[n] != '=' && n + 1 < cap; n++)
			obj[n] = s[n];
	obj[n] = '\0';
}

static bool same_object(const rh_trace_event *x, const rh_trace_event *y)
{
	char a[sizeof(x->name) + 1], b[sizeof(y->name) + 1];

	object_of(x, a, sizeof(a));
	object_of(y, b, sizeof(b));
	return a[0] && strcmp(a, b) == 0;
}

/* An atomicity violation: thread X reads an object (step r), is preempted,
 * another thread accesses it (a), then X writes it (b): the pair (a, b).
 * Failing that, the first access b conflicting (one of them writes) with an
 * earlier access a of another thread to the same object (two atomic
 * read-modify-writes do not conflict). */
static conflict find_conflict(const rh_first *f, unsigned n)
{
	conflict c = {0, 0};

	for (unsigned a = 0; a < n; a++)
		for (unsigned r = 0; r < a && access_of(&f->events[a]); r++) {
			const rh_trace_event *er = &f->events[r];

			if (access_of(er) != 1 || er->tid == f->events[a].tid ||
			    !same_object(er, &f->events[a]))
				continue;
			for (unsigned b = a + 1; b < n; b++)
				if (f->events[b].tid == er->tid && access_of(&f->events[b]) == 2 &&
				    same_object(er, &f->events[b]))
					return (conflict){a, b};
		}
	for (unsigned b = 1; b < n; b++)
		for (unsigned a = 0; a < b && access_of(&f->events[b]); a++)
			if (access_of(&f->events[a]) && f->events[a].tid != f->events[b].tid &&
			    access_of(&f->events[a]) + access_of(&f->events[b]) > 2 &&
			    !(rmw(&f->events[a]) && rmw(&f->events[b])) &&
			    same_object(&f->events[a], &f->events[b]))
				return (conflict){a, b};
	return c;
}

/* "T1 load entry_count=0 before T0's fetch_add on entry_count" */
static void write_conflict(FILE *out, const rh_first *f, conflict c)
{
	const rh_trace_event *a = &f->events[c.a], *b = &f->events[c.b];
	char la[sizeof(a->name) + 1], obj[sizeof(b->name) + 1], verb[sizeof(b->name) + 1];
	const char *sp = memchr(b->name, ' ', sizeof(b->name));
	size_t vn = sp ? (size_t)(sp - b->name) : strnlen(b->name, sizeof(b->name));

	memcpy(la, a->name, sizeof(a->name));
	la[sizeof(a->name)] = '\0';
	memcpy(verb, b->name, vn);
	verb[vn] = '\0';
	object_of(b, obj, sizeof(obj));
	fprintf(out, "<p class=\"conflict\">Conflict (steps %u and %u): T%u ", c.a + 1, c.b + 1,
		a->tid);
	rh__html_esc(out, la);
	fprintf(out, " before T%u's ", b->tid);
	rh__html_esc(out, verb);
	fputs(" on ", out);
	rh__html_esc(out, obj);
	fputs(".</p>\n", out);
}

static void write_swimlanes(FILE *out, const rh_first *f, unsigned id)
{
	uint16_t tids[RH_TRACE_MAX];
	unsigned n = f->n_events < RH_TRACE_MAX ? f->n_events : RH_TRACE_MAX;
	unsigned lane_of[RH_TRACE_MAX], n_lanes = assign_lanes(f, n, tids, lane_of);
	conflict cf = find_conflict(f, n);
	int width, height;

	width = GUTTER + (int)n_lanes * LANE_W;
	height = LANE_HEAD + (int)n * STEP_H + 6;
	fprintf(out,
		"<div class=\"lanes\"><svg width=\"%d\" "
		"height=\"%d\" role=\"img\"><defs><marker id=\"arrow%u\" viewBox=\"0 0 8 8\" "
		"refX=\"7\" refY=\"4\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\">"
		"<path d=\"M0 0L8 4L0 8z\" fill=\"#7a8599\"/></marker></defs>",
		width, height, id);
	for (unsigned l = 0; l < n_lanes; l++) {
		int x = GUTTER + (int)l * LANE_W;

		fprintf(out,
			"<rect x=\"%d\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"%s\"/>"
			"<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#c9ced8\" "
			"stroke-dasharray=\"3 4\"/>"
			"<text x=\"%d\" y=\"20\" font-size=\"13\" font-weight=\"600\" "
			"text-anchor=\"middle\">T%u</text>",
			x, LANE_W, height, l % 2 ? "#ffffff" : "#f6f7fa", x + LANE_W / 2, LANE_HEAD,
			x + LANE_W / 2, height, x + LANE_W / 2, tids[l]);
	}
	for (unsigned i = 0; i < n; i++) {
		const rh_trace_event *e = &f->events[i];
		int x = GUTTER + (int)lane_of[i] * LANE_W + 8, y = LANE_HEAD + (int)i * STEP_H + 3;
		char label[sizeof(e->name) + 1];

		memcpy(label, e->name, sizeof(e->name));
		label[sizeof(e->name)] = '\0';
		/* A switch to another thread is where the interleaving happens:
		 * draw it as an arrow from the last step to this one. */
		if (i > 0 && lane_of[i] != lane_of[i - 1]) {
			int px = GUTTER + (int)lane_of[i - 1] * LANE_W + LANE_W / 2;
			int right = lane_of[i] > lane_of[i - 1];

			fprintf(out,
				"<path d=\"M%d %d L%d %d\" stroke=\"#7a8599\" stroke-width=\"1.2\" "
				"fill=\"none\" marker-end=\"url(#arrow%u)\"/>",
				px + (right ? 60 : -60), y - 6, right ? x : x + LANE_W - 16, y + 6, id);
		}
		fprintf(out,
			"<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#7a8599\" "
			"text-anchor=\"end\">%u</text>",
			GUTTER - 8, y + 14, i + 1);
		fprintf(out,
			"<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"20\" rx=\"4\" fill=\"%s\" %s><title>",
			x, y, LANE_W - 16, op_fill(e->op),
			cf.b && (i == cf.a || i == cf.b)
				? "class=\"conflict\" stroke=\"#c0392b\" stroke-width=\"2.5\""
				: "stroke=\"#b8c0cd\"");
		fprintf(out, "step %u, T%u: ", i + 1, e->tid);
		rh__html_esc(out, label);
		fprintf(out, "</title></rect><text class=\"mono\" x=\"%d\" y=\"%d\" "
			     "font-size=\"11.5\">",
			x + 7, y + 14);
		rh__html_esc_cut(out, label, 33);
		fputs("</text>", out);
	}
	fputs("</svg></div>\n", out);
	if (cf.b)
		write_conflict(out, f, cf);
}

/* How much a detecting cell can show: its steps drawn beats a schedule that
 * `racehunt replay` prints step by step, which beats a stress replay. */
static int trace_score(const rh_hunt_cell *c)
{
	return (c->result->first.n_events > 0) * 2 + (c->result->first.schedule[0] != '\0');
}

/* The detecting cell to draw: the most it can show, then the fewest steps
 * (the most shrunk). */
static const rh_hunt_cell *trace_cell(const row *r, const report *rep)
{
	const rh_hunt_cell *best = NULL;

	for (unsigned d = 0; d < rep->n_detectors; d++) {
		const rh_hunt_cell *c = r->cell[d];

		if (c == NULL || !c->result->have_first)
			continue;
		if (best == NULL || trace_score(c) > trace_score(best) ||
		    (trace_score(c) == trace_score(best) &&
		     c->result->first.n_events < best->result->first.n_events))
			best = c;
	}
	return best;
}

void rh__html_traces(FILE *out, const report *rep)
{
	unsigned id = 0;

	fputs("<section id=\"traces\"><h2>First failing interleaving of each seeded bug</h2><p class=\"note\">"
	      "One lane per thread, one box per scheduling step, top to bottom in the order they "
	      "ran; arrows mark switches between threads. Controlled mode records the (shrunk) "
	      "steps; stress mode records none, so its replay command is shown instead.</p>\n",
	      out);
	for (size_t i = 0; i < rep->n_rows; i++) {
		const row *r = &rep->rows[i];
		const rh_hunt_cell *c;
		const rh_first *f;
		char *msg;

		if (!rh__html_expects_detection(r))
			continue;
		fputs("<div class=\"trace\" id=\"", out);
		rh__html_trace_id(out, r);
		fputs("\"><h3>", out);
		rh__html_esc(out, r->scenario->name);
		fputs(" &middot; ", out);
		rh__html_esc(out, r->scenario->variants[r->variant].name);
		c = trace_cell(r, rep);
		if (c == NULL) {
			fputs("</h3><p class=\"msg\">No detector caught this seeded bug.</p></div>\n",
			      out);
			continue;
		}
		f = &c->result->first;
		fprintf(out, " &mdash; %s, found by ", rh_kind_name(f->kind));
		rh__html_esc(out, c->detector);
		fprintf(out, " at trial %llu (", (unsigned long long)f->trial);
		rh__html_ms_text(out, f->at_ms);
		fputs(")</h3><div class=\"msg\">", out);
		/* An exec program's addresses named as file:line and symbols. */
		msg = rh_cell_message(c);
		rh__html_esc(out, msg);
		free(msg);
		fputs("</div>", out);
		if (f->output[0]) {
			fprintf(out, "<details><summary>output of trial %llu (its last lines)</summary>"
				     "<pre class=\"output\">",
				(unsigned long long)f->trial);
			rh__html_esc(out, f->output);
			fputs("</pre></details>", out);
		}
		if (f->n_events >= RH_TRACE_MAX)
			fprintf(out, "<p class=\"note\">The first %d steps; the replay command "
				     "prints them all.</p>",
				RH_TRACE_MAX);
		if (f->n_events > 0)
			write_swimlanes(out, f, id++);
		else if (f->schedule[0])
			fputs("<p class=\"note\">No steps recorded with this result; the replay "
			      "command prints them:</p>",
			      out);
		else
			fputs("<p class=\"note\">No step trace: stress mode runs real threads. "
			      "Replay the failing trial with:</p>",
			      out);
		fputs("<pre>", out);
		rh__html_esc(out, f->replay);
		fputs("</pre>", out);
		/* A controlled replay command already holds the schedule. */
		if (f->schedule[0] && strstr(f->replay, f->schedule) == NULL) {
			fputs("<details><summary>schedule string</summary><pre>", out);
			rh__html_esc(out, f->schedule);
			fputs("</pre></details>", out);
		}
		fputs("</div>\n", out);
	}
	fputs("</section>\n", out);
}
