/* SPDX-License-Identifier: MIT */
/* The command line: racehunt list | run | replay | shrink | hunt | compare. */
#include <stdio.h>
#include <string.h>

#include "cli_private.h"
#include "core/limits.h"
#include "core/registry.h"
#include "core/sanitizer.h"
#include "core/util.h"
#include "options.h"
#include "output.h"
#include "racehunt/cli.h"
#include "racehunt/version.h"
#include "replay.h"

static const char main_help[] =
	"usage: racehunt COMMAND [ARGS]\n"
	"\n"
	"  list                      scenarios, their variants and expected outcomes\n"
	"  run SCENARIO [options]    run a campaign against one variant\n"
	"  replay SCHEDULE           re-run one recorded controlled schedule exactly\n"
	"  shrink SCHEDULE           smallest schedule that still fails the same way\n"
	"  hunt [SCENARIO...]        every scenario x variant x detector, observed vs expected\n"
	"  compare A.json B.json     two hunt/run result files side by side\n"
	"  merge SHARD.json...       the results of run --shard K/N joined into one\n"
	"  exec [options] -- PROG    trials of a program built with racehunt-cc\n"
	"  --version                 this racehunt's version\n"
	"\n"
	"Exit status: 0 clean (hunt: all as declared), 1 violation (hunt: not as declared),\n"
	"2 usage or input error, 3 harness failure. 'racehunt COMMAND --help' for details.\n";

static int dispatch(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*run)(int, char **);
	} commands[] = {
		{"list", rh_cmd_list},	   {"run", rh_cmd_run},	       {"hunt", rh_cmd_hunt},
		{"replay", rh_cmd_replay}, {"shrink", rh_cmd_shrink}, {"compare", rh_cmd_compare},
		{"merge", rh_cmd_merge},
		{"exec", rh_cmd_exec},
	};

	if (argc < 2)
		return rh_usage_error("no command given: list, run, replay, shrink, hunt or compare");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		fputs(main_help, stdout);
		return RH_EXIT_CLEAN;
	}
	if (strcmp(argv[1], "--version") == 0) {
		if (argc > 2)
			return rh_usage_error("--version takes no arguments, got '%s'", argv[2]);
		puts("racehunt " RH_VERSION);
		return RH_EXIT_CLEAN;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		/* Trials, their follow-ups and replays see the same addresses. */
		if (commands[i].run != rh_cmd_list && commands[i].run != rh_cmd_compare &&
		    commands[i].run != rh_cmd_exec)
			rh_reexec_without_aslr(argv);
		return commands[i].run(argc, argv);
	}
	return rh_usage_error("unknown command '%s'", argv[1]);
}

int rh_main(int argc, char **argv)
{
	rh_program = argv[0];
	setvbuf(stdout, NULL, _IOLBF, 0);
	/* Every write to stdout is checked once, here: a report nobody could
	 * read is a failure (exit 3), not the command's verdict. */
	return rh_sanitizer_settle(rh_output_check_stdout(dispatch(argc, argv)));
}
