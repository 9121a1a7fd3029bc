/* SPDX-License-Identifier: MIT */
/* test.h: a failing assertion prints both operands, passing ones evaluate
 * each operand once, and NDEBUG (defined here) changes nothing. Each failing
 * case runs in a forked child whose stdout and stderr are read back. */
#define NDEBUG 1

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

typedef void case_fn(void);

static void eq_fails(void)
{
	int a = 3, b = 4;

	RH_ASSERT_EQ(a, b);
}

static void eq_unsigned_fails(void)
{
	uint64_t big = UINT64_MAX;

	RH_ASSERT_EQ(big, 7u);
}

static void negative_fails(void)
{
	long m = -5;

	RH_ASSERT_GT(m, 0);
}

static void str_fails(void)
{
	const char *got = "two\nlines";

	RH_ASSERT_STR_EQ(got, "one line");
}

static void contains_fails(void)
{
	const char *page = "<html>no table</html>";

	RH_ASSERT_CONTAINS(page, "<table");
}

static void true_fails(void)
{
	int x = 1;

	RH_ASSERT_TRUE(x == 2);
}

static void dbl_fails(void)
{
	RH_ASSERT_DBL_NEAR(0.5, 0.25, 0.1);
}

static void null_str_fails(void)
{
	const char *none = NULL;

	RH_ASSERT_STR_EQ(none, "x");
}

static case_fn *current;

static void run_current(void **state)
{
	current();
}

/* The child's whole output for one failing case; its exit status in *status. */
static char *run_failing(case_fn *fn, int *status)
{
	static char out[8192];
	size_t n = 0;
	ssize_t got;
	int fds[2];
	pid_t pid;

	RH_ASSERT_EQ(pipe(fds), 0);
	pid = fork();
	RH_ASSERT_GE(pid, 0);
	if (pid == 0) {
		const struct CMUnitTest one[] = {cmocka_unit_test(run_current)};

		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		current = fn;
		_exit(cmocka_run_group_tests(one, NULL, NULL) == 0 ? 0 : 1);
	}
	close(fds[1]);
	while (n < sizeof(out) - 1 && (got = read(fds[0], out + n, sizeof(out) - 1 - n)) > 0)
		n += (size_t)got;
	out[n] = '\0';
	close(fds[0]);
	RH_ASSERT_EQ(waitpid(pid, status, 0), pid);
	return out;
}

static void expect_failure(case_fn *fn, const char *const *want)
{
	int status = 0;
	const char *out = run_failing(fn, &status);

	RH_ASSERT_TRUE(WIFEXITED(status));
	RH_ASSERT_EQ(WEXITSTATUS(status), 1);
	for (; *want != NULL; want++)
		RH_ASSERT_CONTAINS(out, *want);
}

static void test_assert_eq_prints_both_operands(void **state)
{
	expect_failure(eq_fails, (const char *const[]){"RH_ASSERT failed: a == b", "a = 3",
							 "b = 4", "test_assert.c:", NULL});
	expect_failure(eq_unsigned_fails,
		       (const char *const[]){"big = 18446744073709551615", "7u = 7", NULL});
	expect_failure(negative_fails, (const char *const[]){"m > 0", "m = -5", "0 = 0", NULL});
	expect_failure(dbl_fails, (const char *const[]){"0.5 = 0.5", "0.25 = 0.25", NULL});
}

static void test_assert_strings_are_shown_escaped(void **state)
{
	expect_failure(str_fails,
		       (const char *const[]){"got = \"two\\nlines\"", "= \"one line\"", NULL});
	expect_failure(contains_fails, (const char *const[]){"RH_ASSERT_CONTAINS(page, \"<table\")",
							      "\"<html>no table</html>\"", NULL});
	expect_failure(null_str_fails, (const char *const[]){"none = NULL", NULL});
}

static void test_assert_true_names_the_expression(void **state)
{
	expect_failure(true_fails, (const char *const[]){"RH_ASSERT_TRUE(x == 2)", NULL});
}

static void test_assert_passing_evaluates_each_operand_once(void **state)
{
	int i = 0;
	const char *s = "abc";

	RH_ASSERT_EQ(i++, 0);
	RH_ASSERT_EQ(i, 1);
	RH_ASSERT_EQ(-1, -1L);
	RH_ASSERT_LT(-1, 1);
	RH_ASSERT_NE(UINT64_MAX, 0u);
	RH_ASSERT_STR_EQ(s, "abc");
	RH_ASSERT_STR_NE(s, NULL);
	RH_ASSERT_CONTAINS(s, "bc");
	RH_ASSERT_NOT_CONTAINS(s, "cd");
	RH_ASSERT_MEM_EQ(s, "abc", 3);
	RH_ASSERT_NOT_NULL(s);
	RH_ASSERT_NULL(NULL);
	RH_ASSERT_PTR_EQ(s, s);
	RH_ASSERT_FALSE(i == 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_assert_eq_prints_both_operands),
		cmocka_unit_test(test_assert_strings_are_shown_escaped),
		cmocka_unit_test(test_assert_true_names_the_expression),
		cmocka_unit_test(test_assert_passing_evaluates_each_operand_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
