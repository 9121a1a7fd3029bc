/* `racehunt replay` and `racehunt shrink`: the command front-ends over one
 * controlled schedule string. Both resolve the string through the one check
 * run applies (rh_schedule_resolve). */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <unistd.h>

#include "campaign/campaign.h"
#include "campaign/shrink.h"
#include "campaign/trial_run.h"
#include "controlled/sched.h"
#include "core/replay_command.h"
#include "core/util.h"
#include "racehunt/cli.h"
#include "replay.h"

static const char replay_help[] =
	"usage: racehunt replay SCHEDULE [--full-trace]\n"
	"  Re-runs one controlled schedule exactly (the string a violation report\n"
	"  prints) and prints its trace (a long one as each thread's last steps and\n"
	"  where it spins, unless --full-trace). Exit 1: the run has a violation; 0:\n"
	"  it has none; 2: the string is damaged or does not fit this build.\n";

static const char shrink_help[] =
	"usage: racehunt shrink SCHEDULE\n"
	"  Finds the fewest threads, ops, rounds and preemptions that still fail the\n"
	"  same way, and prints that run's trace and schedule string. Exit 1: shrunk;\n"
	"  0: the schedule does not fail; 2: the string is damaged or does not fit.\n";

static bool wants_help(int argc, char **argv)
{
	return argc == 3 && (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0);
}

int rh_cmd_shrink(int argc, char **argv)
{
	char err[256], cmd[RH_SCHEDULE_MAX + 1024];
	int status;
	char *str;

	if (wants_help(argc, argv)) {
		fputs(shrink_help, stdout);
		return RH_EXIT_CLEAN;
	}
	if (argc != 3) {
		fprintf(stderr, "racehunt shrink: usage: racehunt shrink SCHEDULE\n");
		return RH_EXIT_USAGE;
	}
	str = rh_shrink_schedule(argv[2], stdout, &status, err, sizeof(err));
	if (status == RH_EXIT_USAGE) {
		fprintf(stderr, "racehunt shrink: %s\n", err);
		return RH_EXIT_USAGE;
	}
	if (status == RH_EXIT_CLEAN) {
		printf("the schedule runs without a violation: nothing to shrink\n");
		return RH_EXIT_CLEAN;
	}
	printf("schedule: %s\nreplay: %s\n", str, rh_replay_command(cmd, sizeof(cmd), str));
	free(str);
	return RH_EXIT_VIOLATION;
}

/* Values in a trace can be addresses (an atomic holding a pointer), which
 * address-space randomisation changes from run to run. A replay runs once
 * more without it, so its trace is the same every time; if the kernel says
 * no, it goes on as it is. */
static void without_aslr(char **argv)
{
	int pers = personality(0xffffffff);

	if (pers == -1 || (pers & ADDR_NO_RANDOMIZE))
		return;
	if (personality((unsigned long)pers | ADDR_NO_RANDOMIZE) == -1)
		return;
	fflush(NULL);
	execv("/proc/self/exe", argv);
}

int rh_cmd_replay(int argc, char **argv)
{
	const rh_scenario *s;
	unsigned variant;
	rh_sched_spec sp;
	rh_explorer *x;
	rh_trial *t;
	char err[256];
	bool full = false;
	int rc;

	if (wants_help(argc, argv)) {
		fputs(replay_help, stdout);
		return RH_EXIT_CLEAN;
	}
	if (argc == 4 && strcmp(argv[3], "--full-trace") == 0)
		full = true;
	else if (argc != 3) {
		fprintf(stderr, "racehunt replay: usage: racehunt replay SCHEDULE [--full-trace]\n");
		return RH_EXIT_USAGE;
	}
	without_aslr(argv);
	if (!rh_schedule_resolve(argv[2], &sp, &s, &variant, err, sizeof(err))) {
		fprintf(stderr, "racehunt replay: %s\n", err);
		return RH_EXIT_USAGE;
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
	if (rh_trial_failed(t)) {
		printf("VIOLATION %s: %s\n", rh_kind_name(rh_trial_first_kind(t)),
		       rh_trial_first_msg(t));
		rc = RH_EXIT_VIOLATION;
	} else {
		printf("no violation\n");
		rc = RH_EXIT_CLEAN;
	}
out:
	rh_trial_fini(t);
	free(t);
	rh_explorer_free(x);
	rh_schedule_spec_free(&sp);
	return rc;
}
