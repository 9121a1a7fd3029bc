/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * The command line's options: one table per command, read by getopt_long and
 * printed as that command's --help, and strict number parsing. A bad number,
 * an unknown or repeated option is a one-line error and exit 2, never a
 * silent default.
 *
 * A command declares its options as a table indexed by its own enum:
 *
 *     enum { O_TRIALS, O_QUIET, O_N };
 *     static const rh_option opts[O_N] = {
 *         [O_TRIALS] = {"trials", "N", "trials to run", 0},
 *         [O_QUIET] = {"quiet", NULL, "only the summary line", 0},
 *     };
 *     static const rh_command cmd = {"run", "SCENARIO [options]", NULL, opts, O_N, ...};
 *
 * and reads what was given by index after rh_options_parse: `--trials=5`,
 * `--trials 5` and (for every command) `-h`/`--help` work alike. */
#ifndef RH_OPTIONS_H
#define RH_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define RH_MAX_OPTIONS 40
#define RH_MAX_OPERANDS 64

/* rh_options_parse's status when it printed the command's help: exit 0. */
#define RH_OPTIONS_HELP (-1)

enum {
	RH_OPT_REPEAT = 1 << 0, /* may be given more than once (values kept in order) */
	RH_OPT_HIDDEN = 1 << 1, /* accepted, not listed in --help */
};

typedef struct rh_option {
	const char *name; /* long name without the dashes */
	const char *arg;  /* the value's placeholder in help ("N", "FILE|-"); NULL: a flag */
	const char *help; /* "\n" continues the text on the next line, aligned */
	unsigned flags;
} rh_option;

typedef struct rh_command {
	const char *name;  /* "run" */
	const char *usage; /* what follows "racehunt run" in the usage line */
	const char *intro; /* lines printed between usage and options, or NULL */
	const rh_option *options;
	unsigned n_options;
	const char *outro; /* lines printed after the options (exit status), or NULL */
	unsigned min_operands, max_operands;
	/* Error when fewer than min_operands are given (NULL: a generic one). */
	const char *missing_operand;
} rh_command;

typedef struct rh_opts {
	const char *value[RH_MAX_OPTIONS]; /* last value (flags: "" when given) */
	unsigned count[RH_MAX_OPTIONS];	   /* times given */
	/* Every value of a RH_OPT_REPEAT option, in order (shared storage). */
	const char *repeated[RH_MAX_OPERANDS];
	unsigned repeated_opt[RH_MAX_OPERANDS], n_repeated;
	char *operands[RH_MAX_OPERANDS]; /* non-option arguments, in order */
	unsigned n_operands;
} rh_opts;

/* Parse argv[first..argc) against cmd: options anywhere (also after operands;
 * "--" ends them), values as --name=V or --name V, no abbreviations. argv is
 * not reordered. Returns 0 (RH_EXIT_CLEAN), RH_OPTIONS_HELP after printing
 * the help to stdout, or 2 after a one-line error naming the option. */
int rh_options_parse(const rh_command *cmd, int argc, char **argv, int first, rh_opts *out);
void rh_options_help(const rh_command *cmd, FILE *f);
/* The values of repeatable option `opt`, in order: fills vals, returns how many. */
unsigned rh_options_values(const rh_opts *o, unsigned opt, const char **vals, unsigned cap);

/* Print "racehunt: <msg> (see racehunt --help)" as one line to stderr (control
 * bytes in it escaped, so an argument cannot split it), return 2. */
int rh_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Parse an unsigned decimal in [lo, hi]: digits only (no sign, space, 0x);
 * false on anything else. */
bool rh_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out);
/* A positive decimal number of seconds, at least 1 ms and at most a week. */
bool rh_parse_seconds(const char *s, double *out);
/* The option's value as a number in [lo, hi], or a usage error naming it. */
int rh_option_u64(const char *name, const char *val, uint64_t lo, uint64_t hi, uint64_t *out);

#endif
