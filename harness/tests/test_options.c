/* SPDX-License-Identifier: MIT */
/* Option parsing: numbers are taken whole or refused, never half-read;
 * option tables through getopt_long, errors naming the option. */
#include <stdlib.h>
#include <unistd.h>

#include "test.h"

#include "cli/options.h"

static void test_options_parse_u64_accepts_whole_numbers_in_range(void **state)
{
	uint64_t v = 0;

	RH_ASSERT_TRUE(rh_parse_u64("0", 0, 10, &v));
	RH_ASSERT_EQ(v, 0);
	RH_ASSERT_TRUE(rh_parse_u64("10", 0, 10, &v));
	RH_ASSERT_EQ(v, 10);
	RH_ASSERT_TRUE(rh_parse_u64("18446744073709551615", 0, UINT64_MAX, &v));
	RH_ASSERT_EQ(v, UINT64_MAX);
}

static void test_options_parse_u64_rejects_everything_else(void **state)
{
	uint64_t v = 42;

	RH_ASSERT_FALSE(rh_parse_u64("", 0, 10, &v));
	RH_ASSERT_FALSE(rh_parse_u64("11", 0, 10, &v));
	RH_ASSERT_FALSE(rh_parse_u64("0", 1, 10, &v));
	RH_ASSERT_FALSE(rh_parse_u64("-1", 0, 10, &v));
	RH_ASSERT_FALSE(rh_parse_u64("+1", 0, 10, &v));
	RH_ASSERT_FALSE(rh_parse_u64(" 1", 0, 10, &v));
	RH_ASSERT_FALSE(rh_parse_u64("1x", 0, 10, &v));
	RH_ASSERT_FALSE(rh_parse_u64("0x10", 0, 100, &v));
	RH_ASSERT_FALSE(rh_parse_u64("18446744073709551616", 0, UINT64_MAX, &v));
	RH_ASSERT_FALSE(rh_parse_u64(NULL, 0, 10, &v));
	RH_ASSERT_EQ(v, 42);
}

static void test_options_parse_seconds(void **state)
{
	double s = 0;

	RH_ASSERT_TRUE(rh_parse_seconds("1.5", &s));
	RH_ASSERT_DBL_EQ(s, 1.5);
	RH_ASSERT_FALSE(rh_parse_seconds("0", &s));
	RH_ASSERT_FALSE(rh_parse_seconds("-3", &s));
	RH_ASSERT_FALSE(rh_parse_seconds("3s", &s));
	RH_ASSERT_FALSE(rh_parse_seconds("nan", &s));
	RH_ASSERT_FALSE(rh_parse_seconds("", &s));
	/* strtod would take each of these. */
	RH_ASSERT_FALSE(rh_parse_seconds(" 5", &s));
	RH_ASSERT_FALSE(rh_parse_seconds("+5", &s));
	RH_ASSERT_FALSE(rh_parse_seconds("0x10", &s));
	RH_ASSERT_FALSE(rh_parse_seconds("inf", &s));
	/* Below a millisecond no trial can run. */
	RH_ASSERT_FALSE(rh_parse_seconds("1e-300", &s));
	RH_ASSERT_TRUE(rh_parse_seconds("1e-3", &s));
}

/* What rh_usage_error wrote to stderr while fn ran, as one string. */
static char captured[4096];

static int capture(int (*fn)(void *), void *arg)
{
	FILE *tmp = tmpfile();
	int saved = dup(2), rc;
	size_t n;

	RH_ASSERT_NOT_NULL(tmp);
	fflush(stderr);
	dup2(fileno(tmp), 2);
	rc = fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	rewind(tmp);
	n = fread(captured, 1, sizeof(captured) - 1, tmp);
	captured[n] = '\0';
	fclose(tmp);
	return rc;
}

enum { T_TRIALS, T_QUIET, T_BUILD, T_N };
static const rh_option t_options[T_N] = {
	[T_TRIALS] = {"trials", "N", "trials to run", 0},
	[T_QUIET] = {"quiet", NULL, "only the summary\nline", 0},
	[T_BUILD] = {"build", "NAME=PATH", "another build", RH_OPT_REPEAT},
};
static const rh_command t_command = {
	.name = "demo", .usage = "THING [options]", .options = t_options, .n_options = T_N,
	.min_operands = 1, .max_operands = 2, .missing_operand = "demo needs a thing"};

typedef struct parse_case {
	char *argv[8];
	rh_opts o;
} parse_case;

static int parse_it(void *arg)
{
	parse_case *p = arg;
	int argc = 0;

	while (p->argv[argc] != NULL)
		argc++;
	return rh_options_parse(&t_command, argc, p->argv, 2, &p->o);
}

static void test_options_value_with_equals_or_separate(void **state)
{
	parse_case a = {.argv = {"racehunt", "demo", "x", "--trials=5", "--quiet"}};
	parse_case b = {.argv = {"racehunt", "demo", "--trials", "5", "x", "y"}};

	RH_ASSERT_EQ(capture(parse_it, &a), 0);
	RH_ASSERT_STR_EQ(a.o.value[T_TRIALS], "5");
	RH_ASSERT_EQ(a.o.count[T_QUIET], 1);
	RH_ASSERT_EQ(a.o.n_operands, 1);
	RH_ASSERT_STR_EQ(a.o.operands[0], "x");
	RH_ASSERT_EQ(capture(parse_it, &b), 0);
	RH_ASSERT_STR_EQ(b.o.value[T_TRIALS], "5");
	RH_ASSERT_EQ(b.o.count[T_QUIET], 0);
	RH_ASSERT_EQ(b.o.n_operands, 2);
	RH_ASSERT_STR_EQ(b.o.operands[1], "y");
	/* The caller's argv is not reordered. */
	RH_ASSERT_STR_EQ(b.argv[2], "--trials");
}

static void test_options_dash_dash_ends_options(void **state)
{
	parse_case a = {.argv = {"racehunt", "demo", "--", "--quiet"}};

	RH_ASSERT_EQ(capture(parse_it, &a), 0);
	RH_ASSERT_EQ(a.o.count[T_QUIET], 0);
	RH_ASSERT_STR_EQ(a.o.operands[0], "--quiet");
}

static void test_options_help_short_and_long(void **state)
{
	parse_case a = {.argv = {"racehunt", "demo", "-h"}};
	parse_case b = {.argv = {"racehunt", "demo", "x", "--help"}};
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	RH_ASSERT_EQ(capture(parse_it, &a), RH_OPTIONS_HELP);
	RH_ASSERT_EQ(capture(parse_it, &b), RH_OPTIONS_HELP);
	rh_options_help(&t_command, f);
	fclose(f);
	RH_ASSERT_CONTAINS(text, "usage: racehunt demo THING [options]\n");
	RH_ASSERT_CONTAINS(text, "  --trials N             trials to run\n");
	RH_ASSERT_CONTAINS(text, "  --quiet                only the summary\n"
				 "                         line\n");
	RH_ASSERT_CONTAINS(text, "  -h, --help             this help\n");
	free(text);
}

static void test_options_errors_name_the_option(void **state)
{
	static const struct {
		char *argv[6];
		const char *message;
	} bad[] = {
		{{"racehunt", "demo", "x", "--frob"}, "demo: unknown option '--frob'"},
		{{"racehunt", "demo", "x", "--tri", "5"}, "unknown option '--tri' (did you mean --trials?)"},
		{{"racehunt", "demo", "x", "--trials"}, "demo: --trials needs a value"},
		{{"racehunt", "demo", "x", "--quiet=yes"}, "--quiet takes no value"},
		{{"racehunt", "demo", "x", "--trials=1", "--trials=2"},
		 "--trials given twice ('1' and '2')"},
		{{"racehunt", "demo"}, "racehunt: demo needs a thing"},
		{{"racehunt", "demo", "a", "b", "c"}, "demo: unexpected argument 'c'"},
		{{"racehunt", "demo", "x", "--fr\nob"}, "unknown option '--fr\\nob'"},
		{{"racehunt", "demo", "x", "-q"}, "unknown option '-q'"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse_case c;

		memset(&c, 0, sizeof(c));
		memcpy(c.argv, bad[i].argv, sizeof(bad[i].argv));
		RH_ASSERT_EQ(capture(parse_it, &c), 2);
		RH_ASSERT_CONTAINS(captured, bad[i].message);
		/* One line: the only newline ends it. */
		RH_ASSERT_EQ(strchr(captured, '\n') - captured + 1, (long)strlen(captured));
	}
}

static void test_options_repeatable_keeps_every_value(void **state)
{
	parse_case a = {.argv = {"racehunt", "demo", "x", "--build", "a=1", "--build=b=2"}};
	const char *vals[4];

	RH_ASSERT_EQ(capture(parse_it, &a), 0);
	RH_ASSERT_EQ(rh_options_values(&a.o, T_BUILD, vals, 4), 2);
	RH_ASSERT_STR_EQ(vals[0], "a=1");
	RH_ASSERT_STR_EQ(vals[1], "b=2");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options_parse_u64_accepts_whole_numbers_in_range),
		cmocka_unit_test(test_options_parse_u64_rejects_everything_else),
		cmocka_unit_test(test_options_parse_seconds),
		cmocka_unit_test(test_options_value_with_equals_or_separate),
		cmocka_unit_test(test_options_dash_dash_ends_options),
		cmocka_unit_test(test_options_help_short_and_long),
		cmocka_unit_test(test_options_errors_name_the_option),
		cmocka_unit_test(test_options_repeatable_keeps_every_value),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
