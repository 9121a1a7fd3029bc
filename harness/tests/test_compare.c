/* SPDX-License-Identifier: MIT */
/* racehunt compare: rows of two result files matched by key, and each row's
 * change named in both directions; malformed files refused. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "cli/compare.h"

/* A result as `racehunt run --json` writes it (the fields compare reads). */
#define RESULT(variant, trials, violations, rate, lo, hi, first)                             \
	"{\"scenario\":\"offset.collide\",\"variant\":\"" variant "\",\"mode\":\"stress\","  \
	"\"strategy\":\"noise:0.1\",\"trials_run\":" #trials ",\"violations\":" #violations   \
	",\"detected\":true,\"rate\":" #rate ",\"rate_ci95\":[" #lo "," #hi "],\"first\":"    \
	first "}"
#define OVERLAP "{\"kind\":\"OVERLAP\",\"message\":\"m\"}"

static const char buggy_run[] = RESULT("buggy", 100, 50, 0.5, 0.4, 0.6, OVERLAP);
static const char fixed_run[] = RESULT("fixed-atomic", 100, 0, 0, 0, 0.037, "null");

static void load(rh_cmp_table *t, const char *text, bool by_scenario)
{
	char err[256];

	if (!rh_cmp_load(t, text, strlen(text), by_scenario, err, sizeof(err)))
		fail_msg("load failed: %s", err);
}

static rh_change classify_texts(const char *a, const char *b)
{
	rh_cmp_table ta, tb;
	rh_change c;

	load(&ta, a, false);
	load(&tb, b, false);
	RH_ASSERT_EQ(ta.n, 1);
	c = rh_cmp_classify(&ta.rows[0], rh_cmp_find(&tb, &ta.rows[0]));
	rh_cmp_free(&ta);
	rh_cmp_free(&tb);
	return c;
}

static void test_compare_run_object_is_one_row(void **state)
{
	rh_cmp_table t;

	load(&t, buggy_run, false);
	RH_ASSERT_EQ(t.n, 1);
	RH_ASSERT_STR_EQ(t.rows[0].scenario, "offset.collide");
	RH_ASSERT_STR_EQ(t.rows[0].variant, "buggy");
	RH_ASSERT_STR_EQ(t.rows[0].detector, "stress noise:0.1");
	RH_ASSERT_EQ(t.rows[0].verdict, RH_VERDICT_DETECTED);
	RH_ASSERT_EQ(t.rows[0].trials, 100);
	RH_ASSERT_EQ(t.rows[0].violations, 50);
	RH_ASSERT_STR_EQ(t.rows[0].kind, "OVERLAP");
	RH_ASSERT_NULL(t.rows[0].build);
	rh_cmp_free(&t);
}

static void test_compare_unchanged_row_is_same(void **state)
{
	RH_ASSERT_EQ(classify_texts(buggy_run, buggy_run), RH_CHANGE_SAME);
	RH_ASSERT_EQ(classify_texts(fixed_run, fixed_run), RH_CHANGE_SAME);
	/* Rates that differ within their intervals are sampling noise. */
	RH_ASSERT_EQ(classify_texts(buggy_run, RESULT("buggy", 100, 55, 0.55, 0.45, 0.65,
							  OVERLAP)),
			 RH_CHANGE_SAME);
}

static void test_compare_verdict_change_is_named_both_ways(void **state)
{
	const char *b_clean = RESULT("buggy", 100, 0, 0, 0, 0.037, "null");
	const char *failed = "{\"scenario\":\"offset.collide\",\"variant\":\"buggy\",\"mode\":"
			     "\"stress\",\"strategy\":\"noise:0.1\",\"trials_run\":3,"
			     "\"violations\":0,\"rate\":0,\"rate_ci95\":[0,0.5],"
			     "\"harness_error\":\"timeout\",\"first\":null}";

	RH_ASSERT_EQ(classify_texts(buggy_run, b_clean), RH_CHANGE_NEWLY_CLEAN);
	RH_ASSERT_EQ(classify_texts(b_clean, buggy_run), RH_CHANGE_NEWLY_DETECTED);
	RH_ASSERT_EQ(classify_texts(buggy_run, failed), RH_CHANGE_NEWLY_FAILED);
	RH_ASSERT_EQ(classify_texts(failed, buggy_run), RH_CHANGE_NEWLY_DETECTED);
}

static void test_compare_rate_change_is_named_both_ways(void **state)
{
	const char *high = RESULT("buggy", 100, 90, 0.9, 0.83, 0.95, OVERLAP);

	RH_ASSERT_EQ(classify_texts(buggy_run, high), RH_CHANGE_RATE_UP);
	RH_ASSERT_EQ(classify_texts(high, buggy_run), RH_CHANGE_RATE_DOWN);
}

static void test_compare_hunt_rows_match_by_key(void **state)
{
	const char a[] = "[{\"detector\":\"stress\",\"result\":" RESULT(
		"buggy", 100, 50, 0.5, 0.4, 0.6,
		OVERLAP) "},{\"detector\":\"pct:3\",\"result\":" RESULT("buggy", 10, 1, 0.1, 0.02,
									 0.4, OVERLAP) "}]";
	const char b[] = "[{\"detector\":\"pct:3\",\"result\":" RESULT(
		"buggy", 10, 1, 0.1, 0.02, 0.4,
		OVERLAP) "},{\"detector\":\"dfs:2\",\"result\":" RESULT("buggy", 10, 0, 0, 0, 0.3,
									 "null") "}]";
	rh_cmp_table ta, tb;
	char *out = NULL;
	size_t len = 0, changed;
	FILE *f;

	load(&ta, a, false);
	load(&tb, b, false);
	RH_ASSERT_EQ(ta.n, 2);
	RH_ASSERT_NULL(rh_cmp_find(&tb, &ta.rows[0]));
	RH_ASSERT_EQ(rh_cmp_classify(&ta.rows[0], NULL), RH_CHANGE_ONLY_A);
	RH_ASSERT_EQ(rh_cmp_classify(&ta.rows[1], rh_cmp_find(&tb, &ta.rows[1])),
			 RH_CHANGE_SAME);
	RH_ASSERT_EQ(rh_cmp_classify(NULL, &tb.rows[1]), RH_CHANGE_ONLY_B);

	f = open_memstream(&out, &len);
	RH_ASSERT_NOT_NULL(f);
	changed = rh_cmp_print(f, &ta, &tb);
	fclose(f);
	RH_ASSERT_EQ(changed, 2);
	RH_ASSERT_CONTAINS(out, "only in A");
	RH_ASSERT_CONTAINS(out, "only in B");
	RH_ASSERT_CONTAINS(out, "3 rows, 1 same, 1 only in A, 1 only in B");
	free(out);
	rh_cmp_free(&ta);
	rh_cmp_free(&tb);
}

static void test_compare_by_scenario_lines_up_two_variants(void **state)
{
	rh_cmp_table ta, tb;
	const rh_cmp_row *mate;

	load(&ta, buggy_run, true);
	load(&tb, fixed_run, true);
	mate = rh_cmp_find(&tb, &ta.rows[0]);
	RH_ASSERT_NOT_NULL(mate);
	RH_ASSERT_EQ(rh_cmp_classify(&ta.rows[0], mate), RH_CHANGE_NEWLY_CLEAN);
	rh_cmp_free(&ta);
	rh_cmp_free(&tb);
}

static void test_compare_rejects_bad_files(void **state)
{
	static const struct {
		const char *text, *why;
		bool by_scenario;
	} bad[] = {
		{"{\"scenario\":", "byte 12: unexpected end of input", false},
		{"42", "byte 0: expected a run object or a hunt array", false},
		{"[42]", "byte 1: hunt entries must be objects", false},
		{"[{\"result\":{}}]", "hunt entry needs a string \"detector\"", false},
		{"{\"scenario\":\"s\"}", "byte 0: result has no \"variant\"", false},
		{"{\"scenario\":\"s\",\"variant\":\"v\",\"trials_run\":-1}",
		 "\"trials_run\" is not a count", false},
		{"{\"scenario\":\"s\",\"variant\":\"v\",\"trials_run\":1,\"violations\":2}",
		 "more violations than trials", false},
		{"{\"scenario\":\"s\",\"variant\":\"v\",\"trials_run\":1,\"violations\":1,\"rate\":2}",
		 "\"rate\" must be a number in [0,1]", false},
		{"[{\"detector\":\"d\",\"result\":" RESULT("buggy", 1, 0, 0, 0, 1, "null") "},"
		 "{\"detector\":\"d\",\"result\":" RESULT("buggy", 1, 0, 0, 0, 1, "null") "}]",
		 "a second result for offset.collide buggy d", false},
		{"[{\"detector\":\"d\",\"result\":" RESULT("buggy", 1, 0, 0, 0, 1, "null") "},"
		 "{\"detector\":\"d\",\"result\":" RESULT("fixed", 1, 0, 0, 0, 1, "null") "}]",
		 "--by-scenario needs one variant per scenario", true},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rh_cmp_table t;
		char err[256] = "";
		bool ok = rh_cmp_load(&t, bad[i].text, strlen(bad[i].text), bad[i].by_scenario,
				      err, sizeof(err));

		rh_cmp_free(&t);
		if (ok || strstr(err, bad[i].why) == NULL)
			fail_msg("input %zu: loaded %d, error '%s', expected '%s'", i, ok, err,
				 bad[i].why);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_compare_run_object_is_one_row),
		cmocka_unit_test(test_compare_unchanged_row_is_same),
		cmocka_unit_test(test_compare_verdict_change_is_named_both_ways),
		cmocka_unit_test(test_compare_rate_change_is_named_both_ways),
		cmocka_unit_test(test_compare_hunt_rows_match_by_key),
		cmocka_unit_test(test_compare_by_scenario_lines_up_two_variants),
		cmocka_unit_test(test_compare_rejects_bad_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
