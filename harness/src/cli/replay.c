/* SPDX-License-Identifier: MIT */
/* `racehunt replay` and `racehunt shrink`: the command front-ends over one
 * controlled schedule string. Both resolve the string through the one check
 * run applies (rh_schedule_resolve). */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "campaign/campaign.h"
#include "campaign/shrink.h"
#include "campaign/trial_run.h"
#include "controlled/sched.h"
#include "core/replay_command.h"
#include "core/util.h"
#include "exec_replay.h"
#include "options.h"
#include "racehunt/cli.h"
#include "replay.h"

enum { R_FULL_TRACE, R_N };
static const rh_option replay_options[R_N] = {
	[R_FULL_TRACE] = {"full-trace", NULL,
			  "every step of a long trace, not each thread's last steps and\n"
			  "where it spins", 0},
};
static const rh_command replay_command = {
	.name = "replay",
	.usage = "SCHEDULE [--full-trace]",
	.intro = "  Re-runs one controlled schedule exactly (the string a violation report\n"
		 "  prints) and prints its trace (a long one as each thread's last steps and\n"
		 "  where it spins, unless --full-trace).\n",
	.options = replay_options,
	.n_options = R_N,
	.outro = "Exit 1: the run has a violation, or the string recorded one that the\n"
		 "replay did not see (NOT REPRODUCED); 0: it has none; 2: the string is\n"
		 "damaged or does not fit this build.\n",
	.min_operands = 1,
	.max_operands = 1,
	.missing_operand = "replay needs a schedule string (rh1:...)",
};

static const rh_command shrink_command = {
	.name = "shrink",
	.usage = "SCHEDULE",
	.intro = "  Finds the fewest threads, ops, rounds and preemptions that still fail the\n"
		 "  same way, and prints that run's trace and schedule string.\n",
	.outro = "Exit 1: shrunk, or the string recorded a violation its replay did not see\n"
		 "(NOT REPRODUCED); 0: the schedule does not fail; 2: the string is damaged or\n"
		 "does not fit.\n",
	.min_operands = 1,
	.max_operands = 1,
	.missing_operand = "shrink needs a schedule string (rh1:...)",
};

int rh_cmd_shrink(int argc, char **argv)
{
	char err[256], cmd[RH_SCHEDULE_MAX + 1024];
	int status;
	char *str;
	rh_opts o;

	status = rh_options_parse(&shrink_command, argc, argv, 2, &o);
	if (status != RH_EXIT_CLEAN)
		return status == RH_OPTIONS_HELP ? RH_EXIT_CLEAN : status;
	if (rh_schedule_is_exec(o.operands[0]))
		return rh_exec_shrink(o.operands[0]);
	str = rh_shrink_schedule(o.operands[0], stdout, &status, err, sizeof(err));
	if (status == RH_EXIT_USAGE) {
		fprintf(stderr, "racehunt shrink: %s\n", err);
		return RH_EXIT_USAGE;
	}
	if (status == RH_EXIT_CLEAN) {
		printf("the schedule runs without a violation: nothing to shrink\n");
		return RH_EXIT_CLEAN;
	}
	if (str == NULL) {
		fflush(stdout);
		fprintf(stderr, "racehunt shrink: %s\n", err);
		return RH_EXIT_VIOLATION;
	}
	printf("schedule: %s\nreplay: %s\n", str, rh_replay_command(cmd, sizeof(cmd), str));
	free(str);
	return RH_EXIT_VIOLATION;
}

int rh_cmd_replay(int argc, char **argv)
{
	const rh_scenario *s;
	unsigned variant;
	rh_sched_spec sp;
	rh_explorer *x;
	rh_trial *t;
	char err[256], line[512];
	const char *why;
	bool full;
	rh_opts o;
	int rc = rh_options_parse(&replay_command, argc, argv, 2, &o);

	if (rc != RH_EXIT_CLEAN)
		return rc == RH_OPTIONS_HELP ? RH_EXIT_CLEAN : rc;
	full = o.count[R_FULL_TRACE] > 0;
	if (!rh_schedule_resolve(o.operands[0], &sp, &s, &variant, err, sizeof(err))) {
		fprintf(stderr, "racehunt replay: %s\n", err);
		return RH_EXIT_USAGE;
	}
	if (s == NULL) {
		rc = rh_exec_replay(&sp, full);
		rh_schedule_spec_free(&sp);
		return rc;
	}
	x = rh_explorer_choices(&sp, true);
	t = malloc(sizeof(*t));
	if (x == NULL || t == NULL)
		rh_die("out of memory replaying a schedule");
	rh_trial_init(t, s, variant, &sp.params, sp.seed, sp.index);
	rh_trial_execute(t, RH_MODE_CONTROLLED, NULL, x);
	if (rh_explorer_diverged(x)) {
		fprintf(stderr, "racehunt replay: schedule does not replay on this build: %s\n",
			rh_explorer_diverged(x));
		rc = RH_EXIT_USAGE;
		goto out;
	}
	(full ? rh_explorer_print_full_trace : rh_explorer_print_trace)(x, stdout);
	why = rh_replay_disagrees(&sp, rh_trial_failed(t), rh_trial_first_kind(t), line,
				  sizeof(line));
	if (rh_trial_failed(t))
		printf("VIOLATION %s: %s\n", rh_kind_name(rh_trial_first_kind(t)),
		       rh_trial_first_msg(t));
	else if (why == NULL)
		printf("no violation\n");
	if (why != NULL) {
		fflush(stdout);
		fprintf(stderr, "racehunt replay: %s\n", why);
	}
	rc = rh_trial_failed(t) || why != NULL ? RH_EXIT_VIOLATION : RH_EXIT_CLEAN;
out:
	rh_trial_fini(t);
	free(t);
	rh_explorer_free(x);
	rh_schedule_spec_free(&sp);
	return rc;
}
