/* SPDX-License-Identifier: MIT */
/* `racehunt replay 'rh1:exec:...'`: one controlled trial of the program the
 * schedule names, its choices forced to the recorded ones (the trial child
 * follows them; racehunt checks from the run's record that it retraced the
 * recorded run), and its trace with source locations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "campaign/trial_run.h"
#include "core/replay_command.h"
#include "core/util.h"
#include "exec_replay.h"
#include "report/symbolize.h"
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

void rh_exec_print_trace(FILE *out, const char *prog, char *text, bool full)
{
	char *body, *named;
	size_t lines = 0;

	if (text == NULL || (body = strchr(text, '\n')) == NULL)
		return;
	body++;
	for (const char *p = body; *p; p++)
		lines += *p == '\n';
	if (!full && lines > TRACE_TAIL) {
		fprintf(out, "%.*s(%zu steps left out before the last %d; --full-trace prints them)\n",
			(int)(body - text), text, lines - TRACE_TAIL, TRACE_TAIL);
		for (size_t skip = lines - TRACE_TAIL; skip > 0; skip--)
			body = strchr(body, '\n') + 1;
		text = body;
	}
	named = rh_exec_symbolize_trace(prog, text);
	fputs(named, out);
	free(named);
}

int rh_exec_replay(const rh_sched_spec *sp, bool full_trace)
{
	struct exec_run *x = calloc(1, sizeof(*x));
	char line[512];
	const char *why;
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
	rh_exec_print_trace(stdout, x->e.argv[0], x->e.last_trace, full_trace);
	why = rh_replay_disagrees(sp, x->r.have_first, x->r.first.kind, line, sizeof(line));
	if (x->r.have_first)
		rh_exec_print_first(stdout, &x->e, &x->r);
	else if (why == NULL)
		printf("no violation\n");
	if (why != NULL) {
		fflush(stdout);
		fprintf(stderr, "racehunt replay: %s\n", why);
		rc = RH_EXIT_VIOLATION;
	}
out:
	teardown(x);
	free(x);
	return rc;
}

void rh_exec_print_shrunk(FILE *out, const rh_exec *e, const rh_exec_shrunk *sh)
{
	fflush(out);
	rh_exec_print_trace(out, e->argv[0], sh->trace, false);
	fprintf(out, "shrunk in %u runs: choices off the default %zu -> %zu, preemptions %u -> %u; "
		"kept the failure's kind and signature (%s)\n",
		sh->runs, sh->devs_before, sh->best.n_devs, sh->preempt_before, sh->preempt_after,
		rh_kind_name(sh->kind));
}

/* The shrunk run's string into r's first violation, with its message. */
static bool take_shrunk(rh_exec *e, rh_result *r, const rh_exec_shrunk *sh)
{
	char err[256], *str = rh_schedule_format(&sh->best, err, sizeof(err));

	if (str == NULL || strlen(str) >= sizeof(r->first.schedule)) {
		free(str);
		return false;
	}
	snprintf(r->first.schedule, sizeof(r->first.schedule), "%s", str);
	rh_replay_command(r->first.replay, sizeof(r->first.replay), str);
	snprintf(e->message, sizeof(e->message), "%s", sh->message);
	snprintf(r->first.message, sizeof(r->first.message), "%.*s",
		 (int)sizeof(r->first.message) - 1, sh->message);
	snprintf(e->output_tail, sizeof(e->output_tail), "%s", sh->output_tail);
	free(str);
	return true;
}

int rh_exec_shrink_first(FILE *out, rh_exec *e, rh_result *r)
{
	rh_exec_shrunk sh = {0};
	int rc;

	if (!r->have_first || e->first_spec.argv == NULL) {
		if (r->have_first)
			fprintf(out, "not shrunk: the run's record overflowed\n");
		return RH_EXIT_CLEAN;
	}
	rc = rh_exec_shrink_run(e, &e->first_spec, &sh);
	if (rc == RH_EXIT_VIOLATION && take_shrunk(e, r, &sh)) {
		rh_exec_print_shrunk(out, e, &sh);
		rc = RH_EXIT_CLEAN;
	} else if (rc != RH_EXIT_HARNESS) {
		fprintf(out, "not shrunk: %s\n",
			sh.why[0] ? sh.why : "the failing run does not fail again alone");
		rc = RH_EXIT_CLEAN;
	}
	rh_exec_shrunk_free(&sh);
	return rc;
}

int rh_exec_shrink(const char *schedule)
{
	struct exec_run *x;
	rh_exec_shrunk sh = {0};
	rh_sched_spec sp;
	const rh_scenario *s;
	unsigned variant;
	char err[512];
	int rc;

	if (!rh_schedule_resolve(schedule, &sp, &s, &variant, err, sizeof(err))) {
		fprintf(stderr, "racehunt shrink: %s\n", err);
		return RH_EXIT_USAGE;
	}
	x = calloc(1, sizeof(*x));
	if (x == NULL)
		rh_die("out of memory for a shrink");
	rc = setup(x, &sp);
	if (rc == RH_EXIT_CLEAN)
		rc = rh_exec_shrink_run(&x->e, &sp, &sh);
	if (rc == RH_EXIT_VIOLATION && !take_shrunk(&x->e, &x->r, &sh))
		rc = rh_exec_usage("the shrunk schedule does not fit a result");
	if (rc == RH_EXIT_VIOLATION) {
		x->r.have_first = true;
		x->r.first.kind = sh.kind;
		x->r.first.trial = sp.index;
		rh_exec_print_shrunk(stdout, &x->e, &sh);
		rh_exec_print_first(stdout, &x->e, &x->r);
	} else if (rc == RH_EXIT_CLEAN &&
		   rh_replay_disagrees(&sp, false, RH_KIND_COUNT_, err, sizeof(err)) != NULL) {
		fprintf(stderr, "racehunt shrink: %s\n", err);
		rc = RH_EXIT_VIOLATION; /* NOT REPRODUCED: nothing to shrink */
	} else if (rc == RH_EXIT_CLEAN)
		printf("the schedule runs without a violation: nothing to shrink\n");
	else if (sh.why[0] != '\0')
		fprintf(stderr, "racehunt shrink: schedule does not replay: %s\n", sh.why);
	rh_exec_shrunk_free(&sh);
	teardown(x);
	free(x);
	rh_schedule_spec_free(&sp);
	return rc;
}
