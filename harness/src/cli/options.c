/* SPDX-License-Identifier: MIT */
/* The command line's options: tables read by getopt_long, their --help,
 * one-line usage errors and strict numbers. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"
#include "racehunt/cli.h"

/* Escapes control bytes and non-UTF-8-looking bytes >= 0x7f as \n, \t or
 * \xHH into out (cap > 0), so a message stays one line. */
static void escape_line(const char *in, char *out, size_t cap)
{
	size_t n = 0;

	for (; *in && n + 5 < cap; in++) {
		unsigned char c = (unsigned char)*in;

		if (c == '\n')
			n += (size_t)snprintf(out + n, cap - n, "\\n");
		else if (c == '\r')
			n += (size_t)snprintf(out + n, cap - n, "\\r");
		else if (c == '\t')
			n += (size_t)snprintf(out + n, cap - n, "\\t");
		else if (c < 0x20 || c == 0x7f)
			n += (size_t)snprintf(out + n, cap - n, "\\x%02x", c);
		else
			out[n++] = (char)c;
	}
	out[n] = '\0';
}

int rh_usage_error(const char *fmt, ...)
{
	char msg[2048], line[4 * sizeof(msg)];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	escape_line(msg, line, sizeof(line));
	fprintf(stderr, "racehunt: %s (see racehunt --help)\n", line);
	return RH_EXIT_USAGE;
}

bool rh_parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (s == NULL || *s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

bool rh_parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	/* Plain decimal only: strtod would also take " 5", "+5", "0x10", "inf". */
	if (s == NULL || !((*s >= '0' && *s <= '9') || *s == '.') ||
	    s[strspn(s, "0123456789.eE+-")] != '\0')
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || !(v >= 0.001 && v <= 86400 * 7))
		return false;
	*out = v;
	return true;
}

int rh_option_u64(const char *name, const char *val, uint64_t lo, uint64_t hi, uint64_t *out)
{
	if (!rh_parse_u64(val, lo, hi, out))
		return rh_usage_error("--%s: '%s' is not a number in %llu..%llu", name, val,
				      (unsigned long long)lo, (unsigned long long)hi);
	return RH_EXIT_CLEAN;
}

static void help_text(FILE *f, const char *text, int col)
{
	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");

		fprintf(f, "%.*s\n", (int)len, p);
		p += len;
		if (*p == '\n' && *++p)
			fprintf(f, "%*s", col, "");
	}
}

void rh_options_help(const rh_command *cmd, FILE *f)
{
	enum { COL = 25 };

	fprintf(f, "usage: racehunt %s%s%s\n", cmd->name, cmd->usage ? " " : "",
		cmd->usage ? cmd->usage : "");
	if (cmd->intro)
		fputs(cmd->intro, f);
	for (unsigned i = 0; i < cmd->n_options; i++) {
		const rh_option *o = &cmd->options[i];
		int w;

		if (o->flags & RH_OPT_HIDDEN)
			continue;
		w = fprintf(f, "  --%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
		if (w >= COL - 1) {
			fputc('\n', f);
			w = 0;
		}
		fprintf(f, "%*s", COL - w, "");
		help_text(f, o->help, COL);
	}
	fprintf(f, "  -h, --help%*s%s\n", COL - 12, "", "this help");
	if (cmd->outro)
		fputs(cmd->outro, f);
}

/* The argument that named the option getopt_long just returned: with a
 * separate value it is the one before the value. */
static const char *named(char **av, int optind_now, bool separate)
{
	return av[optind_now - 1 - (separate ? 1 : 0)];
}

/* getopt_long takes unique prefixes ("--tri" for --trials); racehunt does
 * not, so a script's abbreviation cannot change meaning when options grow. */
static bool exact(const char *arg, const char *name)
{
	size_t len = strlen(name);

	return strncmp(arg, "--", 2) == 0 && strncmp(arg + 2, name, len) == 0 &&
	       (arg[2 + len] == '\0' || arg[2 + len] == '=');
}

static int take(const rh_command *cmd, rh_opts *o, unsigned i, const char *val)
{
	const rh_option *opt = &cmd->options[i];

	if (o->count[i] && !(opt->flags & RH_OPT_REPEAT))
		return rh_usage_error("%s: --%s given twice ('%s' and '%s')", cmd->name, opt->name,
				      o->value[i], val ? val : "");
	o->count[i]++;
	o->value[i] = val ? val : "";
	if (opt->flags & RH_OPT_REPEAT) {
		if (o->n_repeated == RH_MAX_OPERANDS)
			return rh_usage_error("%s: too many --%s options", cmd->name, opt->name);
		o->repeated_opt[o->n_repeated] = i;
		o->repeated[o->n_repeated++] = o->value[i];
	}
	return RH_EXIT_CLEAN;
}

static int failed(const rh_command *cmd, int c, char **av, int optind_now,
		  const struct option *longs)
{
	const char *arg = av[optind_now - 1];

	if (c == ':')
		return rh_usage_error("%s: %s needs a value", cmd->name, arg);
	/* An option given a value it does not take: getopt names it by optopt. */
	if (optopt >= 2 && optopt < (int)cmd->n_options + 2)
		return rh_usage_error("%s: --%s takes no value, got '%s'", cmd->name,
				      longs[optopt - 2].name, arg);
	return rh_usage_error("%s: unknown option '%s'", cmd->name, arg);
}

static int parse_loop(const rh_command *cmd, int ac, char **av, const struct option *longs,
		      rh_opts *o)
{
	int c, idx, rc;

	optind = 0; /* glibc: start over (a test may parse twice in one process) */
	opterr = 0;
	/* "-": operands stay in place, in order, and options may follow them. */
	while ((c = getopt_long(ac, av, "-:h", longs, &idx)) != -1) {
		if (c == 1) {
			if (o->n_operands == RH_MAX_OPERANDS)
				return rh_usage_error("%s: too many arguments", cmd->name);
			o->operands[o->n_operands++] = optarg;
			continue;
		}
		if (c == 'h')
			return RH_OPTIONS_HELP;
		if (c == '?' || c == ':')
			return failed(cmd, c, av, optind, longs);
		if (c == 'H')
			return exact(named(av, optind, false), "help")
				       ? RH_OPTIONS_HELP
				       : rh_usage_error("%s: unknown option '%s'", cmd->name,
							named(av, optind, false));
		idx = c - 2;
		{
			const char *arg =
				named(av, optind, optarg != NULL && optarg == av[optind - 1]);

			if (!exact(arg, longs[idx].name))
				return rh_usage_error("%s: unknown option '%s' (did you mean --%s?)",
						      cmd->name, arg, longs[idx].name);
		}
		rc = take(cmd, o, (unsigned)idx, optarg);
		if (rc != RH_EXIT_CLEAN)
			return rc;
	}
	/* After "--": the rest are operands. */
	for (; optind < ac; optind++) {
		if (o->n_operands == RH_MAX_OPERANDS)
			return rh_usage_error("%s: too many arguments", cmd->name);
		o->operands[o->n_operands++] = av[optind];
	}
	return RH_EXIT_CLEAN;
}

int rh_options_parse(const rh_command *cmd, int argc, char **argv, int first, rh_opts *out)
{
	struct option longs[RH_MAX_OPTIONS + 2];
	char *av[RH_MAX_OPERANDS * 4 + 2];
	int ac = 0, rc;

	memset(out, 0, sizeof(*out));
	if (cmd->n_options > RH_MAX_OPTIONS)
		return rh_usage_error("%s: internal error: too many options", cmd->name);
	if (argc - first > RH_MAX_OPERANDS * 4)
		return rh_usage_error("%s: too many arguments (%d)", cmd->name, argc - first);
	/* getopt_long reorders what it parses: give it a copy. */
	av[ac++] = argv[0];
	for (int i = first; i < argc; i++)
		av[ac++] = argv[i];
	av[ac] = NULL;
	/* Option i returns i + 2 (1 is an operand in "-" mode); 'H' is --help. */
	for (unsigned i = 0; i < cmd->n_options; i++)
		longs[i] = (struct option){cmd->options[i].name,
					   cmd->options[i].arg ? required_argument : no_argument,
					   NULL, (int)i + 2};
	longs[cmd->n_options] = (struct option){"help", no_argument, NULL, 'H'};
	longs[cmd->n_options + 1] = (struct option){NULL, 0, NULL, 0};
	rc = parse_loop(cmd, ac, av, longs, out);
	if (rc == RH_OPTIONS_HELP) {
		rh_options_help(cmd, stdout);
		return RH_OPTIONS_HELP;
	}
	if (rc != RH_EXIT_CLEAN)
		return rc;
	if (out->n_operands < cmd->min_operands)
		return cmd->missing_operand
			       ? rh_usage_error("%s", cmd->missing_operand)
			       : rh_usage_error("%s needs %u argument%s", cmd->name,
						cmd->min_operands, cmd->min_operands > 1 ? "s" : "");
	if (out->n_operands > cmd->max_operands)
		return cmd->max_operands == 0
			       ? rh_usage_error("%s takes no arguments, got '%s'", cmd->name,
						out->operands[0])
			       : rh_usage_error("%s: unexpected argument '%s'", cmd->name,
						out->operands[cmd->max_operands]);
	return RH_EXIT_CLEAN;
}

unsigned rh_options_values(const rh_opts *o, unsigned opt, const char **vals, unsigned cap)
{
	unsigned n = 0;

	for (unsigned i = 0; i < o->n_repeated && n < cap; i++)
		if (o->repeated_opt[i] == opt)
			vals[n++] = o->repeated[i];
	return n;
}
