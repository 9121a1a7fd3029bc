/* SPDX-License-Identifier: MIT */
/* The strict JSON reader: well-formed text becomes a tree, anything else is
 * refused with the byte offset of the first error, never a crash. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "report/json.h"
#include "report/json_read.h"
#include "report/result_json.h"

static rh_jvalue *parse(const char *text, size_t *at)
{
	char err[128];

	return rh_json_parse(text, strlen(text), at, err, sizeof(err));
}

static void test_json_read_builds_the_tree(void **state)
{
	size_t at = 0;
	rh_jvalue *v = parse(" {\"a\": [1, -2.5e1, true, false, null], \"s\": \"x\\u00e9\\n\"} ", &at);
	const rh_jvalue *a, *s;

	RH_ASSERT_NOT_NULL(v);
	RH_ASSERT_EQ(v->type, RH_JOBJECT);
	RH_ASSERT_EQ(v->offset, 1);
	a = rh_json_get(v, "a");
	RH_ASSERT_NOT_NULL(a);
	RH_ASSERT_EQ(a->type, RH_JARRAY);
	RH_ASSERT_EQ(a->n, 5);
	RH_ASSERT_DBL_EQ(a->items[0].number, 1);
	RH_ASSERT_DBL_EQ(a->items[1].number, -25);
	RH_ASSERT_TRUE(a->items[2].boolean);
	RH_ASSERT_FALSE(a->items[3].boolean);
	RH_ASSERT_EQ(a->items[4].type, RH_JNULL);
	s = rh_json_get(v, "s");
	RH_ASSERT_STR_EQ(s->string, "x\xc3\xa9\n");
	RH_ASSERT_NULL(rh_json_get(v, "missing"));
	RH_ASSERT_NULL(rh_json_get(a, "a"));
	rh_json_free(v);
}

static void test_json_read_joins_surrogate_pairs(void **state)
{
	size_t at;
	rh_jvalue *v = parse("\"\\ud83d\\ude00\"", &at);

	RH_ASSERT_NOT_NULL(v);
	RH_ASSERT_STR_EQ(v->string, "\xf0\x9f\x98\x80");
	rh_json_free(v);
}

static void test_json_read_rejects_malformed_input_with_offset(void **state)
{
	static const struct {
		const char *text;
		size_t offset;
	} bad[] = {
		{"", 0},	       {"   ", 3},		   {"{", 1},
		{"[1,]", 3},	       {"[1 2]", 3},		   {"{\"a\" 1}", 5},
		{"{\"a\":1,}", 7},     {"{1:2}", 1},		   {"01", 1},
		{"1.", 2},	       {"-", 1},		   {"1e", 2},
		{"+1", 0},	       {"tru", 0},		   {"nul", 0},
		{"\"abc", 4},	       {"\"a\tb\"", 2},		   {"\"\\x\"", 1},
		{"\"\\u12\"", 1},      {"\"\\ud800\"", 1},	   {"\"\\udc00\"", 1},
		{"\"\\u0000\"", 1},    {"\"\xff\"", 1},		   {"\"\xc0\xaf\"", 1},
		{"\"\xed\xa0\x80\"", 1}, {"[1] x", 4},		   {"]", 0},
		{"{\"a\":[1,{\"b\":}]}", 13},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t at = 999;
		rh_jvalue *v = parse(bad[i].text, &at);

		if (v != NULL || at != bad[i].offset)
			fail_msg("input %zu '%s': parsed %d, offset %zu, expected offset %zu", i,
				 bad[i].text, v != NULL, at, bad[i].offset);
	}
}

static void test_json_read_limits_nesting(void **state)
{
	char deep[RH_JSON_MAX_DEPTH * 2 + 1];
	size_t at;
	rh_jvalue *v;

	/* Exactly the limit parses; one more level is refused. */
	memset(deep, '[', RH_JSON_MAX_DEPTH);
	memset(deep + RH_JSON_MAX_DEPTH, ']', RH_JSON_MAX_DEPTH);
	deep[RH_JSON_MAX_DEPTH * 2] = '\0';
	v = parse(deep, &at);
	RH_ASSERT_NOT_NULL(v);
	rh_json_free(v);

	char *deeper = malloc(100001);

	RH_ASSERT_NOT_NULL(deeper);
	memset(deeper, '[', 100000);
	deeper[100000] = '\0';
	RH_ASSERT_NULL(parse(deeper, &at));
	RH_ASSERT_EQ(at, RH_JSON_MAX_DEPTH);
	free(deeper);
}

/* Every prefix of a valid document (what a truncated file holds) and every
 * one-byte corruption of it is refused or parsed, never a crash or leak
 * (run under the asan preset to see). */
static void test_json_read_survives_truncation_and_corruption(void **state)
{
	static const char doc[] = "[{\"detector\":\"pct:3\",\"result\":{\"scenario\":\"offset."
				  "collide\",\"rate\":0.25,\"rate_ci95\":[0.1,0.5],\"first\":"
				  "{\"kind\":\"OVERLAP\",\"message\":\"a\\u00e9\\\"b\"}}}]";
	size_t len = strlen(doc), at;
	char err[128], copy[sizeof(doc)];

	for (size_t n = 0; n < len; n++)
		RH_ASSERT_NULL(rh_json_parse(doc, n, &at, err, sizeof(err)));
	for (size_t i = 0; i < len; i++) {
		for (int b = 0; b < 256; b += 7) {
			memcpy(copy, doc, len);
			copy[i] = (char)b;
			rh_json_free(rh_json_parse(copy, len, &at, err, sizeof(err)));
		}
	}
	rh_jvalue *v = rh_json_parse(doc, len, &at, err, sizeof(err));

	RH_ASSERT_NOT_NULL(v);
	rh_json_free(v);
}

/* A run's latency percentiles in --json follow the one definition (nearest
 * rank): of two samples, p50 is the smaller and p99 the larger. */
static void test_json_read_result_latency_small_n(void **state)
{
	static const rh_variant variants[] = {{"buggy", RH_EXPECT_DETECTED, "b"}};
	static const rh_scenario s = {.name = "demo.lat", .summary = "s", .variants = variants,
				      .n_variants = 1, .defaults = {2, 1, 1, 8}};
	rh_campaign c;
	rh_result *r = calloc(1, sizeof(*r));
	char *text = NULL, err[64];
	size_t len = 0, at;
	FILE *out = open_memstream(&text, &len);
	const rh_jvalue *lat;
	rh_jvalue *v;

	RH_ASSERT_NOT_NULL(r);
	memset(&c, 0, sizeof(c));
	c.scenario = &s;
	c.strategy = "noise:0.1";
	r->trials_run = 2;
	r->samples_seen = 2;
	r->reservoir[0] = 200;
	r->reservoir[1] = 100;
	rh_result_json(out, &c, r);
	fclose(out);
	v = rh_json_parse(text, len, &at, err, sizeof(err));
	RH_ASSERT_NOT_NULL(v);
	lat = rh_json_get(v, "latency_ns");
	RH_ASSERT_NOT_NULL(lat);
	RH_ASSERT_DBL_EQ(rh_json_get(lat, "p50")->number, 100);
	RH_ASSERT_DBL_EQ(rh_json_get(lat, "p99")->number, 200);
	RH_ASSERT_DBL_EQ(rh_json_get(lat, "p999")->number, 200);
	rh_json_free(v);
	free(text);
	free(r);
}

/* What racehunt writes, its own reader takes back: bytes that are not
 * UTF-8 become the text \xHH, control bytes \u escapes. */
static void test_json_read_written_strings_are_valid_utf8(void **state)
{
	char *text = NULL, err[64];
	size_t len = 0, at;
	FILE *out = open_memstream(&text, &len);
	rh_jvalue *v;

	rh_json_string(out, "a\xff\x01\"\\\xc3\xa9\xc3");
	fclose(out);
	RH_ASSERT_STR_EQ(text, "\"a\\\\xFF\\u0001\\\"\\\\\xc3\xa9\\\\xC3\"");
	v = rh_json_parse(text, len, &at, err, sizeof(err));
	RH_ASSERT_NOT_NULL(v);
	RH_ASSERT_STR_EQ(v->string, "a\\xFF\x01\"\\\xc3\xa9\\xC3");
	rh_json_free(v);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json_read_result_latency_small_n),
		cmocka_unit_test(test_json_read_written_strings_are_valid_utf8),
		cmocka_unit_test(test_json_read_builds_the_tree),
		cmocka_unit_test(test_json_read_joins_surrogate_pairs),
		cmocka_unit_test(test_json_read_rejects_malformed_input_with_offset),
		cmocka_unit_test(test_json_read_limits_nesting),
		cmocka_unit_test(test_json_read_survives_truncation_and_corruption),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
