/* SPDX-License-Identifier: MIT */
/* racehunt — a controlled run's trace: interned object names, each step as
 * text, and the per-thread lanes. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sched_run.h"

static uint32_t str_hash(const char *s)
{
	return s ? rh_fnv1a(RH_FNV_BASIS, s, strlen(s)) : 0;
}

/* Names are copied once: the trace is printed after teardown freed the
 * objects that carried them. */
RH_SCHEDULER_ONLY const struct rh_name_slot *rh__intern(rh_explorer *x, const char *name)
{
	static const struct rh_name_slot none = {0};
	size_t mask, i;

	if (name == NULL)
		return &none;
	if (x->n_names * 2 >= x->cap_names) {
		size_t cap = x->cap_names ? x->cap_names * 2 : 64;
		struct rh_name_slot *t = calloc(cap, sizeof(*t));

		if (t == NULL)
			rh_die("out of memory interning object names");
		for (size_t j = 0; j < x->cap_names; j++) {
			if (x->names[j].key == NULL)
				continue;
			for (i = ((uintptr_t)x->names[j].key >> 3) * 0x9e3779b97f4a7c15ull & (cap - 1);
			     t[i].key != NULL; i = (i + 1) & (cap - 1))
				;
			t[i] = x->names[j];
		}
		free(x->names);
		x->names = t;
		x->cap_names = cap;
	}
	mask = x->cap_names - 1;
	for (i = ((uintptr_t)name >> 3) * 0x9e3779b97f4a7c15ull & mask; x->names[i].key != NULL;
	     i = (i + 1) & mask)
		if (x->names[i].key == name && strcmp(x->names[i].copy, name) == 0)
			return &x->names[i];
	x->names[i].key = name;
	x->names[i].copy = strdup(name);
	if (x->names[i].copy == NULL)
		rh_die("out of memory interning object names");
	x->names[i].hash = str_hash(name);
	x->n_names++;
	return &x->names[i];
}

int rh_event_text(const rh_event *e, char *buf, size_t cap)
{
	const char *name = e->name ? e->name : "?";
	size_t nl = strlen(name);

	switch (e->kind) {
	case RH_EV_ROUND_END:
		return snprintf(buf, cap, "end of round %u", e->round);
	case RH_EV_EXIT:
		return snprintf(buf, cap, "exit");
	case RH_EV_DIED:
		return snprintf(buf, cap, "died here (rh_thread_die)");
	case RH_EV_BLOCKED:
		if (e->value)
			return snprintf(buf, cap, "blocked: %s %s (held by T%" PRIu64 ")",
					rh_op_name((rh_op)e->op), name, e->value - 1);
		return snprintf(buf, cap, "blocked: %s %s", rh_op_name((rh_op)e->op), name);
	default:
		break;
	}
	if (e->op == RH_OP_LOCK)
		return snprintf(buf, cap, "lock %s%s", name,
				e->has_value && e->value == RH_OWNER_DIED ? " -> owner died" : "");
	if (e->op == RH_OP_POINT) {
		/* A label ending in punctuation reads with the value glued on:
		 * "write block@" -> "write block@6528". */
		if (!e->has_value)
			return snprintf(buf, cap, "%s", name);
		if (nl > 0 && strchr("@=:#/", name[nl - 1]) != NULL)
			return snprintf(buf, cap, "%s%" PRIu64, name, e->value);
		return snprintf(buf, cap, "%s=%" PRIu64, name, e->value);
	}
	if (!e->has_value || e->op == RH_OP_UNLOCK || e->op == RH_OP_RDLOCK ||
	    e->op == RH_OP_WRLOCK || e->op == RH_OP_RWUNLOCK)
		return snprintf(buf, cap, "%s %s", rh_op_name((rh_op)e->op), name);
	return snprintf(buf, cap, "%s %s=%" PRIu64, rh_op_name((rh_op)e->op), name, e->value);
}

/* Traces longer than this print each thread's last steps and where each
 * one spins (a livelock's HANG is 2,000,000 steps, 65 MB as lanes). */
#define TRACE_SHORT_MAX 2000
#define TAIL_STEPS 8
/* Longest loop a spinning thread is recognised in, in steps. */
#define SPIN_PERIOD_MAX 16

/* Wide enough for most cells, narrow enough that many threads still fit a
 * terminal: a cell longer than its lane just runs on. */
static int lane_width(const rh_explorer *x, const size_t *idx, size_t n)
{
	char text[256];
	int lane = 12;
	unsigned threads = x->params.threads;

	for (size_t i = 0; i < n; i++) {
		int w = rh_event_text(&x->events[idx ? idx[i] : i], text, sizeof(text));

		if (w + 5 > lane)
			lane = w + 5;
	}
	if (lane > 40)
		lane = 40;
	if (threads > 4 && lane > (int)(160 / threads))
		lane = (int)(160 / threads) < 12 ? 12 : (int)(160 / threads);
	return lane;
}

static void print_header(const rh_explorer *x, FILE *out)
{
	unsigned threads = x->params.threads;

	fprintf(out, "trace: %s [%s], %u thread%s x %u op%s x %u round%s; %" PRIu64
		     " steps, %u preemption%s\n",
		x->scenario ? x->scenario->name : "?",
		x->scenario ? x->scenario->variants[x->variant].name : "?", threads,
		threads == 1 ? "" : "s", x->params.ops, x->params.ops == 1 ? "" : "s",
		x->params.rounds, x->params.rounds == 1 ? "" : "s", x->steps, x->preemptions,
		x->preemptions == 1 ? "" : "s");
}

static void print_lanes_head(const rh_explorer *x, FILE *out, int lane)
{
	unsigned threads = x->params.threads;

	fprintf(out, "  step |");
	for (unsigned i = 0; i < threads && i < 16; i++)
		fprintf(out, " T%-*u", i + 1 < threads ? lane - 2 : 0, i);
	fputc('\n', out);
}

static void print_step(const rh_explorer *x, FILE *out, int lane, size_t i)
{
	const rh_event *e = &x->events[i];
	char text[256];

	rh_event_text(e, text, sizeof(text));
	fprintf(out, "%6zu | %*sT%u %s\n", i + 1, e->tid * lane, "", e->tid, text);
}

void rh_explorer_print_full_trace(rh_explorer *x, FILE *out)
{
	int lane;

	if (out == NULL)
		return;
	lane = lane_width(x, NULL, x->n_events);
	print_header(x, out);
	print_lanes_head(x, out, lane);
	for (size_t i = 0; i < x->n_events; i++)
		print_step(x, out, lane, i);
	fflush(out);
}

static bool same_step(const rh_event *a, const rh_event *b)
{
	return a->kind == b->kind && a->op == b->op && a->name == b->name &&
	       a->has_value == b->has_value && a->value == b->value;
}

/* seq[0..len) is one thread's steps (event indices): the shortest loop its
 * last steps go round, and how many of them do (0 when none repeats). */
static size_t spin_length(const rh_explorer *x, const size_t *seq, size_t len, size_t *period)
{
	for (size_t p = 1; p <= SPIN_PERIOD_MAX && 3 * p <= len; p++) {
		size_t k = 0;

		while (k + p < len &&
		       same_step(&x->events[seq[len - 1 - k]], &x->events[seq[len - 1 - k - p]]))
			k++;
		if (k >= 2 * p) {
			*period = p;
			return k + p;
		}
	}
	return 0;
}

/* Per thread: how many steps, whether (and since when) it spins. */
static void print_spins(const rh_explorer *x, FILE *out, const size_t *seq, const size_t *start)
{
	char text[256];

	for (unsigned t = 0; t < x->params.threads && t < RH_MAX_THREADS; t++) {
		size_t len = start[t + 1] - start[t], period = 0, spin;

		spin = spin_length(x, seq + start[t], len, &period);
		fprintf(out, "  T%u: %zu step%s", t, len, len == 1 ? "" : "s");
		if (spin < 8 * period || spin < 64) {
			fprintf(out, "\n");
			continue;
		}
		rh_event_text(&x->events[seq[start[t] + len - 1]], text, sizeof(text));
		fprintf(out, ", spinning from step %zu on: %zu steps round a loop of %zu (%s%s)\n",
			seq[start[t] + len - spin] + 1, spin, period, text, period > 1 ? ", ..." : "");
	}
}

/* The last TAIL_STEPS steps of every thread, in step order, as lanes. */
static void print_tails(const rh_explorer *x, FILE *out, const size_t *seq, const size_t *start)
{
	size_t pick[RH_MAX_THREADS * TAIL_STEPS] = {0}, n = 0, last = SIZE_MAX;
	bool *take = calloc(x->n_events, sizeof(*take));
	int lane;

	if (take == NULL)
		rh_die("out of memory printing a trace");
	for (unsigned t = 0; t < x->params.threads && t < RH_MAX_THREADS; t++)
		for (size_t i = start[t + 1] > start[t] + TAIL_STEPS ? start[t + 1] - TAIL_STEPS
								       : start[t];
		     i < start[t + 1]; i++)
			take[seq[i]] = true;
	for (size_t i = 0; i < x->n_events; i++)
		if (take[i])
			pick[n++] = i;
	free(take);
	lane = lane_width(x, pick, n);
	print_lanes_head(x, out, lane);
	for (size_t i = 0; i < n; i++) {
		if (last != SIZE_MAX && pick[i] != last + 1)
			fprintf(out, "   ... |\n");
		print_step(x, out, lane, pick[i]);
		last = pick[i];
	}
}

void rh_explorer_print_trace(rh_explorer *x, FILE *out)
{
	size_t start[RH_MAX_THREADS + 1] = {0}, *seq, fill[RH_MAX_THREADS];
	unsigned threads = x->params.threads < RH_MAX_THREADS ? x->params.threads : RH_MAX_THREADS;

	if (out == NULL)
		return;
	if (x->n_events <= TRACE_SHORT_MAX) {
		rh_explorer_print_full_trace(x, out);
		return;
	}
	/* Each thread's steps, contiguous: counts, offsets, then a fill. */
	seq = malloc(x->n_events * sizeof(*seq));
	if (seq == NULL)
		rh_die("out of memory printing a trace");
	for (size_t i = 0; i < x->n_events; i++)
		if (x->events[i].tid < threads)
			start[x->events[i].tid + 1]++;
	for (unsigned t = 0; t < threads; t++) {
		start[t + 1] += start[t];
		fill[t] = start[t];
	}
	for (size_t i = 0; i < x->n_events; i++)
		if (x->events[i].tid < threads)
			seq[fill[x->events[i].tid]++] = i;
	print_header(x, out);
	fprintf(out, "  (each thread's last %d steps and where it spins; --full-trace prints all "
		     "%zu lines)\n",
		TAIL_STEPS, x->n_events);
	print_spins(x, out, seq, start);
	print_tails(x, out, seq, start);
	free(seq);
	fflush(out);
}
