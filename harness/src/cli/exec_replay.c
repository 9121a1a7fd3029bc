/* SPDX-License-Identifier: MIT */
/* `racehunt replay 'rh1:exec:...'`: one controlled trial of the program the
 * schedule names, its choices forced to the recorded ones (the trial child
 * follows them; racehunt checks from the run's record that it retraced the
 * recorded run), and its trace with source locations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign/trial_run.h"
#include "exec_replay.h"
#include "racehunt/cli.h"

/* The steps printed unless --full-trace: the last ones. */
#define TRACE_TAIL 400

struct exec_run {
	rh_exec e;
	rh_result r;
	char **argv; /* decoded from the schedule */
	char strategy[32];
};

/* e ready to run sp's trial with sp's choices forced; 2 after a one-line
 * error when the program is not the one recorded. */
static int setup(struct exec_run *x, const rh_sched_spec *sp)
{
	rh_exec *e = &x->e;
	char *dash;

	x->argv = rh_schedule_argv_decode(sp->argv, RH_EXEC_MAX_ARGS);
	if (x->argv == NULL)
		return rh_exec_usage("the schedule's program field is malformed");
	rh_exec_init(e, x->argv);
	e->c.mode = RH_MODE_CONTROLLED;
	/* Informative: the trial follows the forced choices, not a strategy. */
	snprintf(x->strategy, sizeof(x->strategy), "%s", sp->strategy);
	if ((dash = strchr(x->strategy, '-')) != NULL)
		*dash = ':';
	e->c.strategy = x->strategy;
	e->c.seed = sp->seed;
	e->c.first_trial = sp->index;
	e->c.trials = 1;
	e->c.stress.watchdog_ms = sp->watchdog_ms;
	e->points = sp->points;
	e->force = sp;
	e->check_hash = true;
	e->want_hash = sp->program_hash;
	return rh_exec_check_program(e);
}

static void teardown(struct exec_run *x)
{
	rh_exec_fini(&x->e);
	free(x->argv);
}

/* The trace, symbolised; a long one as its header and last TRACE_TAIL
 * steps. */
static void print_trace(const rh_exec *e, bool full)
{
	char *text = e->last_trace, *body, *named;
	size_t lines = 0;

	if (text == NULL || (body = strchr(text, '\n')) == NULL)
		return;
	body++;
	for (const char *p = body; *p; p++)
		lines += *p == '\n';
	if (!full && lines > TRACE_TAIL) {
		printf("%.*s(%zu steps left out before the last %d; --full-trace prints them)\n",
		       (int)(body - text), text, lines - TRACE_TAIL, TRACE_TAIL);
		for (size_t skip = lines - TRACE_TAIL; skip > 0; skip--)
			body = strchr(body, '\n') + 1;
		text = body;
	}
	named = rh_exec_symbolize_trace(e->argv[0], text);
	fputs(named, stdout);
	free(named);
}

int rh_exec_replay(const rh_sched_spec *sp, bool full_trace)
{
	struct exec_run *x = calloc(1, sizeof(*x));
	int rc;

	if (x == NULL)
		return rh_exec_usage("out of memory for a replay");
	rc = setup(x, sp);
	if (rc == RH_EXIT_CLEAN)
		rc = rh_exec_run(&x->e, &x->r);
	if (rc != RH_EXIT_CLEAN && rc != RH_EXIT_VIOLATION)
		goto out;
	if (x->e.why_diverged[0] != '\0') {
		fprintf(stderr, "racehunt replay: schedule does not replay (the program ran "
				"differently under the same choices): %s\n",
			x->e.why_diverged);
		rc = RH_EXIT_USAGE;
		goto out;
	}
	print_trace(&x->e, full_trace);
	if (x->r.have_first)
		rh_exec_print_first(stdout, &x->e, &x->r);
	else
		printf("no violation\n");
out:
	teardown(x);
	free(x);
	return rc;
}

int rh_exec_shrink(const char *schedule)
{
	rh_sched_spec sp;
	const rh_scenario *s;
	unsigned variant;
	char err[256];

	if (!rh_schedule_resolve(schedule, &sp, &s, &variant, err, sizeof(err))) {
		fprintf(stderr, "racehunt shrink: %s\n", err);
		return RH_EXIT_USAGE;
	}
	rh_schedule_spec_free(&sp);
	fprintf(stderr, "racehunt shrink: exec schedules do not shrink yet; racehunt replay runs "
			"them\n");
	return RH_EXIT_USAGE;
}
