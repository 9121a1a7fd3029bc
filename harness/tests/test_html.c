/* SPDX-License-Identifier: MIT */
/* The hunt report page: every part is there, text from results is escaped,
 * a recorded interleaving becomes swimlanes and a seeded bug nobody caught
 * is called out. The browser test (ci/html-check) renders a real one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test.h"

#include "report/html.h"
#include "racehunt/sync.h"

static const rh_variant variants[] = {
	{"buggy", RH_EXPECT_DETECTED, "reads the count before it claims it"},
	{"fixed", RH_EXPECT_CLEAN, "claims first"},
};
static const rh_scenario collide = {
	.name = "demo.collide", .summary = "s", .variants = variants, .n_variants = 2,
	.defaults = {2, 1, 1, 8}};
static const rh_scenario quiet = {
	.name = "demo.quiet", .summary = "s", .variants = variants, .n_variants = 1,
	.defaults = {2, 1, 1, 8}};

static void add(rh_hunt_cells *l, const rh_scenario *s, unsigned variant, const char *detector,
		rh_result *r)
{
	rh_campaign c;

	memset(&c, 0, sizeof(c));
	c.scenario = s;
	c.variant = variant;
	c.params = s->defaults;
	c.mode = strcmp(detector, "stress") == 0 ? RH_MODE_STRESS : RH_MODE_CONTROLLED;
	c.strategy = strcmp(detector, "stress") == 0 ? "noise:0.1" : detector;
	c.seed = 7;
	c.stop_on_first = true;
	rh_hunt_cells_add(l, detector, &c, r);
	memset(r, 0, sizeof(*r));
}

static void event(rh_first *f, unsigned tid, rh_op op, const char *name, uint64_t value)
{
	rh_trace_event *e = &f->events[f->n_events];

	e->step = f->n_events++;
	e->tid = (uint16_t)tid;
	e->op = (uint16_t)op;
	e->value = value;
	snprintf(e->name, sizeof(e->name), "%s", name);
}

static void detected(rh_result *r, uint64_t trial, const char *message)
{
	r->trials_run = trial + 1;
	r->failed_trials = 1;
	r->hist[RH_OVERLAP] = 1;
	r->have_first = true;
	r->first.trial = trial;
	r->first.kind = RH_OVERLAP;
	r->first.at_ms = 2.5;
	snprintf(r->first.message, sizeof(r->first.message), "%s", message);
	snprintf(r->first.replay, sizeof(r->first.replay), "racehunt run demo.collide --seed 7");
}

/* The page for: demo.collide buggy (stress and pct:3 detect it, pct:3 with
 * a recorded trace), demo.collide fixed (clean), demo.quiet buggy (missed). */
static char *page(void)
{
	rh_hunt_cells cells = {0};
	rh_result *r = calloc(1, sizeof(*r));
	char *text = NULL, *argv[] = {"racehunt", "hunt", "--html", "<out>.html"};
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	RH_ASSERT_NOT_NULL(r);
	RH_ASSERT_NOT_NULL(out);
	detected(r, 4, "blocks overlap");
	add(&cells, &collide, 0, "stress", r);
	detected(r, 0, "blocks <a> & <b> overlap");
	snprintf(r->first.schedule, sizeof(r->first.schedule), "rh1:demo.collide:abc");
	event(&r->first, 0, RH_OP_LOAD, "load entry_count=100", 100);
	event(&r->first, 1, RH_OP_LOAD, "load entry_count=100", 100);
	event(&r->first, 1, RH_OP_POINT, "write block@6528", 6528);
	event(&r->first, 0, RH_OP_POINT, "write block@6528", 6528);
	event(&r->first, 0, RH_OP_LOCK, "lock index", 0);
	add(&cells, &collide, 0, "pct:3", r);
	r->trials_run = 100;
	add(&cells, &collide, 1, "stress", r);
	r->trials_run = r->schedules = 40;
	r->exhausted = true;
	add(&cells, &collide, 1, "pct:3", r);
	r->trials_run = 100;
	add(&cells, &quiet, 0, "stress", r);
	rh_html_write(out, &cells, 4, argv);
	fclose(out);
	rh_hunt_cells_free(&cells);
	free(r);
	return text;
}

static void test_html_page_has_every_part_and_no_script(void **state)
{
	char *text = page();

	RH_ASSERT_EQ(strncmp(text, "<!DOCTYPE html>", 15), 0);
	RH_ASSERT_CONTAINS(text, "Detector matrix");
	RH_ASSERT_CONTAINS(text, "Detection rate per detector");
	RH_ASSERT_CONTAINS(text, "Outcomes per scenario");
	RH_ASSERT_CONTAINS(text, "First failing interleaving");
	RH_ASSERT_CONTAINS(text, "</html>");
	RH_ASSERT_NOT_CONTAINS(text, "<script");
	RH_ASSERT_NOT_CONTAINS(text, "http:");
	RH_ASSERT_NOT_CONTAINS(text, "https:");
	free(text);
}

static void test_html_escapes_text_from_results(void **state)
{
	char *text = page();

	RH_ASSERT_CONTAINS(text, "blocks &lt;a&gt; &amp; &lt;b&gt; overlap");
	RH_ASSERT_CONTAINS(text, "&lt;out&gt;.html");
	RH_ASSERT_NOT_CONTAINS(text, "<a>");
	free(text);
}

static void test_html_matrix_shows_declared_against_observed(void **state)
{
	char *text = page();

	RH_ASSERT_CONTAINS(text, "detected OVERLAP");
	RH_ASSERT_CONTAINS(text, "trial 4 &middot; 2.5 ms");
	RH_ASSERT_CONTAINS(text, "all 40 schedules");
	RH_ASSERT_CONTAINS(text, "missed a seeded bug");
	RH_ASSERT_CONTAINS(text, "2 of 3 variants behaved as declared");
	RH_ASSERT_CONTAINS(text, "No detector caught this seeded bug.");
	free(text);
}

static void test_html_trace_becomes_swimlanes(void **state)
{
	char *text = page();

	/* The recorded trace (pct:3) is drawn, not the stress replay. */
	RH_ASSERT_CONTAINS(text, "found by pct:3 at trial 0");
	RH_ASSERT_CONTAINS(text, ">T0</text>");
	RH_ASSERT_CONTAINS(text, ">T1</text>");
	RH_ASSERT_CONTAINS(text, "load entry_count=100");
	RH_ASSERT_CONTAINS(text, "write block@6528");
	RH_ASSERT_CONTAINS(text, "lock index");
	RH_ASSERT_CONTAINS(text, "marker-end=\"url(#arrow0)\"");
	RH_ASSERT_CONTAINS(text, "rh1:demo.collide:abc");
	free(text);
}

static void test_html_folds_another_builds_json_cell(void **state)
{
	static const char json[] =
		"{\"scenario\":\"demo.collide\",\"variant\":\"buggy\",\"strategy\":\"noise:0.1\","
		"\"trials_run\":20,\"violations\":3,\"elapsed_ms\":12.5,\"outcomes\":{\"clean\":17,"
		"\"SANITIZER\":3},\"first\":{\"trial\":2,\"kind\":\"SANITIZER\",\"at_ms\":4.0,"
		"\"message\":\"data race\",\"schedule\":\"\",\"replay\":\"tsan/racehunt run\"}}";
	rh_hunt_cells cells = {0};
	char err[64], *text = NULL, *argv[] = {"racehunt"};
	size_t at, len = 0;
	rh_jvalue *v = rh_json_parse(json, strlen(json), &at, err, sizeof(err));
	FILE *out = open_memstream(&text, &len);

	RH_ASSERT_NOT_NULL(v);
	rh_hunt_cells_add_json(&cells, "tsan", &collide, 0, v);
	rh_hunt_cells_add_json(&cells, "tsan", &collide, 1, NULL);
	RH_ASSERT_EQ(cells.n, 1);
	RH_ASSERT_EQ(cells.items[0].result->hist[RH_SANITIZER], 3);
	rh_html_write(out, &cells, 1, argv);
	fclose(out);
	RH_ASSERT_CONTAINS(text, "detected SANITIZER");
	RH_ASSERT_CONTAINS(text, "trial 2 &middot; 4.0 ms");
	RH_ASSERT_CONTAINS(text, "SANITIZER 3");
	RH_ASSERT_CONTAINS(text, "tsan/racehunt run");
	free(text);
	rh_hunt_cells_free(&cells);
	rh_json_free(v);
}

/* Another build's result the decoder refuses is a cell without a verdict
 * that says why, never a number cast out of range (1e308 was UB). */
static void test_html_refused_build_cell_says_why(void **state)
{
	static const char json[] = "{\"scenario\":\"demo.collide\",\"variant\":\"buggy\","
				   "\"trials_run\":1e308,\"violations\":0}";
	rh_hunt_cells cells = {0};
	char err[64];
	size_t at;
	rh_jvalue *v = rh_json_parse(json, strlen(json), &at, err, sizeof(err));

	RH_ASSERT_NOT_NULL(v);
	rh_hunt_cells_add_json(&cells, "tsan", &collide, 0, v);
	RH_ASSERT_EQ(cells.n, 1);
	RH_ASSERT_EQ(cells.items[0].result->harness_failed, 1);
	RH_ASSERT_EQ(cells.items[0].result->trials_run, 0);
	RH_ASSERT_CONTAINS(cells.items[0].result->harness_error, "\"trials_run\" is not a count");
	rh_hunt_cells_free(&cells);
	rh_json_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_html_page_has_every_part_and_no_script),
		cmocka_unit_test(test_html_escapes_text_from_results),
		cmocka_unit_test(test_html_matrix_shows_declared_against_observed),
		cmocka_unit_test(test_html_trace_becomes_swimlanes),
		cmocka_unit_test(test_html_folds_another_builds_json_cell),
		cmocka_unit_test(test_html_refused_build_cell_says_why),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
