/* SPDX-License-Identifier: MIT */
/* racehunt compare: two result files side by side, per row what changed. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli_private.h"
#include "compare.h"
#include "core/util.h"
#include "options.h"
#include "racehunt/cli.h"
#include "report/result_read.h"


enum { O_BY_SCENARIO, O_N };
static const rh_option compare_options[O_N] = {
	[O_BY_SCENARIO] = {"by-scenario", NULL,
			   "key rows by scenario and detector only, so two variants\n"
			   "line up (e.g. run --variant buggy vs run --variant fixed-atomic)", 0},
};
static const rh_command compare_command = {
	.name = "compare",
	.usage = "[--by-scenario] A.json B.json",
	.intro = "  two result files side by side: each is a 'racehunt run --json' object or a\n"
		 "  'racehunt hunt --json' array. Rows are keyed by scenario, variant and detector\n"
		 "  (a run's detector is '<mode> <strategy>'); each row says what changed from A to B:\n"
		 "  same, newly clean, newly detected, newly failed, rate up, rate down (both\n"
		 "  detected, 95% intervals disjoint), only in A, only in B.\n",
	.options = compare_options,
	.n_options = O_N,
	.outro = "Exit status: 0 no row changed, 1 some row changed, 2 usage or input error\n"
		 "(one line on stderr naming the file and the byte offset).\n",
	.min_operands = 2,
	.max_operands = 2,
	.missing_operand = "compare needs two result files: A.json B.json",
};

static const char *const change_names[RH_CHANGE_COUNT_] = {
	[RH_CHANGE_SAME] = "same",
	[RH_CHANGE_NEWLY_CLEAN] = "newly clean",
	[RH_CHANGE_NEWLY_DETECTED] = "newly detected",
	[RH_CHANGE_NEWLY_FAILED] = "newly failed",
	[RH_CHANGE_RATE_UP] = "rate up",
	[RH_CHANGE_RATE_DOWN] = "rate down",
	[RH_CHANGE_ONLY_A] = "only in A",
	[RH_CHANGE_ONLY_B] = "only in B",
};

const char *rh_change_name(rh_change c)
{
	return (unsigned)c < RH_CHANGE_COUNT_ ? change_names[c] : "?";
}

static bool field_error(char *err, size_t cap, const rh_jvalue *at, const char *fmt,
			const char *name)
{
	int n = snprintf(err, cap, "byte %zu: ", at->offset);

	if (n >= 0 && (size_t)n < cap)
		snprintf(err + n, cap - (size_t)n, fmt, name);
	return false;
}

/* One result through the decoder; the row keeps what the table shows. */
static bool read_result(const rh_jvalue *r, const char *detector, rh_cmp_row *row, char *err,
			size_t cap)
{
	rh_result_doc d;

	if (!rh_result_decode(r, &d, err, cap))
		return false;
	row->offset = d.offset;
	row->scenario = d.scenario;
	row->variant = d.variant;
	row->trials = d.result->trials_run;
	row->violations = d.result->failed_trials;
	row->rate = d.rate;
	row->lo = d.lo;
	row->hi = d.hi;
	row->verdict = d.result->harness_failed ? RH_VERDICT_FAILED
		       : row->violations	 ? RH_VERDICT_DETECTED
						 : RH_VERDICT_CLEAN;
	row->build = d.build;
	row->kind = d.kind;
	if (detector != NULL) {
		row->detector = strdup(detector);
	} else if (d.mode == NULL || d.strategy == NULL) {
		rh_result_doc_free(&d);
		return field_error(err, cap, r, "result has no \"%s\"", d.mode ? "strategy" : "mode");
	} else {
		size_t n = strlen(d.mode) + strlen(d.strategy) + 2;

		row->detector = malloc(n);
		if (row->detector != NULL)
			snprintf(row->detector, n, "%s %s", d.mode, d.strategy);
	}
	rh_result_doc_free(&d);
	if (row->detector == NULL)
		return field_error(err, cap, r, "out of memory%s", "");
	return true;
}

static int key_cmp(const rh_cmp_row *a, const rh_cmp_row *b, bool by_scenario)
{
	int c = strcmp(a->scenario, b->scenario);

	if (c == 0 && !by_scenario)
		c = strcmp(a->variant, b->variant);
	return c ? c : strcmp(a->detector, b->detector);
}

static int sort_full(const void *a, const void *b)
{
	return key_cmp(*(rh_cmp_row *const *)a, *(rh_cmp_row *const *)b, false);
}

static int sort_by_scenario(const void *a, const void *b)
{
	return key_cmp(*(rh_cmp_row *const *)a, *(rh_cmp_row *const *)b, true);
}

bool rh_cmp_load(rh_cmp_table *t, const char *text, size_t len, bool by_scenario, char *err,
		 size_t errcap)
{
	size_t at;
	char why[128];
	rh_jvalue *root = rh_json_parse(text, len, &at, why, sizeof(why));

	if (root == NULL) {
		memset(t, 0, sizeof(*t));
		snprintf(err, errcap, "byte %zu: %s", at, why);
		return false;
	}
	return rh_cmp_load_tree(t, root, by_scenario, err, errcap);
}

bool rh_cmp_load_tree(rh_cmp_table *t, rh_jvalue *root, bool by_scenario, char *err,
		      size_t errcap)
{
	size_t n;

	memset(t, 0, sizeof(*t));
	t->by_scenario = by_scenario;
	t->root = root;
	if (root->type != RH_JOBJECT && root->type != RH_JARRAY)
		return field_error(err, errcap, root,
				   "expected a run object or a hunt array%s", "");
	n = root->type == RH_JARRAY ? root->n : 1;
	t->rows = calloc(n ? n : 1, sizeof(*t->rows));
	t->sorted = calloc(n ? n : 1, sizeof(*t->sorted));
	if (t->rows == NULL || t->sorted == NULL)
		return field_error(err, errcap, root, "out of memory%s", "");
	for (size_t i = 0; i < n; i++) {
		const rh_jvalue *cell = root->type == RH_JARRAY ? &root->items[i] : root;
		const rh_jvalue *det = NULL, *result = cell;

		if (root->type == RH_JARRAY) {
			if (cell->type != RH_JOBJECT)
				return field_error(err, errcap, cell,
						   "hunt entries must be objects%s", "");
			det = rh_json_get(cell, "detector");
			result = rh_json_get(cell, "result");
			if (det == NULL || det->type != RH_JSTRING)
				return field_error(err, errcap, det ? det : cell,
						   "hunt entry needs a string \"%s\"", "detector");
			if (result == NULL)
				return field_error(err, errcap, cell, "hunt entry has no \"%s\"",
						   "result");
		}
		t->n++;
		if (!read_result(result, det ? det->string : NULL, &t->rows[i], err, errcap))
			return false;
		t->sorted[i] = &t->rows[i];
	}
	qsort(t->sorted, t->n, sizeof(*t->sorted), by_scenario ? sort_by_scenario : sort_full);
	for (size_t i = 1; i < t->n; i++) {
		const rh_cmp_row *a = t->sorted[i - 1], *b = t->sorted[i];

		if (key_cmp(a, b, by_scenario) == 0) {
			const rh_cmp_row *later = a->offset > b->offset ? a : b;

			snprintf(err, errcap, "byte %zu: a second result for %s%s%s %s%s", later->offset,
				 a->scenario, by_scenario ? "" : " ", by_scenario ? "" : a->variant,
				 a->detector,
				 by_scenario ? " (--by-scenario needs one variant per scenario)" : "");
			return false;
		}
	}
	return true;
}

void rh_cmp_free(rh_cmp_table *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->rows[i].detector);
	free(t->rows);
	free(t->sorted);
	rh_json_free(t->root);
	memset(t, 0, sizeof(*t));
}

const rh_cmp_row *rh_cmp_find(const rh_cmp_table *t, const rh_cmp_row *a)
{
	size_t lo = 0, hi = t->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = key_cmp(a, t->sorted[mid], t->by_scenario);

		if (c == 0)
			return t->sorted[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

rh_change rh_cmp_classify(const rh_cmp_row *a, const rh_cmp_row *b)
{
	if (b == NULL)
		return RH_CHANGE_ONLY_A;
	if (a == NULL)
		return RH_CHANGE_ONLY_B;
	if (a->verdict != b->verdict) {
		if (b->verdict == RH_VERDICT_FAILED)
			return RH_CHANGE_NEWLY_FAILED;
		return b->verdict == RH_VERDICT_CLEAN ? RH_CHANGE_NEWLY_CLEAN
						      : RH_CHANGE_NEWLY_DETECTED;
	}
	if (a->verdict == RH_VERDICT_DETECTED && b->lo > a->hi)
		return RH_CHANGE_RATE_UP;
	if (a->verdict == RH_VERDICT_DETECTED && b->hi < a->lo)
		return RH_CHANGE_RATE_DOWN;
	return RH_CHANGE_SAME;
}

static void verdict_text(const rh_cmp_row *r, char *buf, size_t cap)
{
	if (r == NULL)
		snprintf(buf, cap, "-");
	else if (r->verdict == RH_VERDICT_FAILED)
		snprintf(buf, cap, "FAILED after %llu trials", (unsigned long long)r->trials);
	else if (r->verdict == RH_VERDICT_CLEAN)
		snprintf(buf, cap, "clean 0/%llu", (unsigned long long)r->trials);
	else
		snprintf(buf, cap, "detected %llu/%llu (%.3g%%) %s",
			 (unsigned long long)r->violations, (unsigned long long)r->trials,
			 r->rate * 100, r->kind ? r->kind : "");
}

static void change_text(rh_change c, const rh_cmp_row *a, const rh_cmp_row *b, char *buf,
			size_t cap)
{
	if (c == RH_CHANGE_RATE_UP || c == RH_CHANGE_RATE_DOWN)
		snprintf(buf, cap, "%s %.3g%% -> %.3g%%", rh_change_name(c), a->rate * 100,
			 b->rate * 100);
	else
		snprintf(buf, cap, "%s", rh_change_name(c));
}

static void variant_text(const rh_cmp_row *a, const rh_cmp_row *b, char *buf, size_t cap)
{
	const rh_cmp_row *one = a ? a : b;

	if (a && b && strcmp(a->variant, b->variant) != 0)
		snprintf(buf, cap, "%s -> %s", a->variant, b->variant);
	else
		snprintf(buf, cap, "%s", one->variant);
}

enum { COL_SCENARIO, COL_VARIANT, COL_DETECTOR, COL_A, COL_B, COL_CHANGE, N_COLS };
#define CELL_MAX 160

/* The row pairs to print: A's rows in file order, then rows only in B. */
typedef struct pair {
	const rh_cmp_row *a, *b;
	rh_change change;
} pair;

static void format_pair(const pair *p, char cells[N_COLS][CELL_MAX])
{
	const rh_cmp_row *one = p->a ? p->a : p->b;

	snprintf(cells[COL_SCENARIO], CELL_MAX, "%s", one->scenario);
	variant_text(p->a, p->b, cells[COL_VARIANT], CELL_MAX);
	snprintf(cells[COL_DETECTOR], CELL_MAX, "%s", one->detector);
	verdict_text(p->a, cells[COL_A], CELL_MAX);
	verdict_text(p->b, cells[COL_B], CELL_MAX);
	change_text(p->change, p->a, p->b, cells[COL_CHANGE], CELL_MAX);
}

size_t rh_cmp_print(FILE *out, const rh_cmp_table *a, const rh_cmp_table *b)
{
	static const char *const heads[N_COLS] = {"scenario", "variant", "detector",
						  "A",	      "B",	 "change"};
	size_t n = 0, changed = 0, counts[RH_CHANGE_COUNT_] = {0};
	int width[N_COLS];
	pair *pairs = malloc((a->n + b->n + 1) * sizeof(*pairs));
	char cells[N_COLS][CELL_MAX];

	if (pairs == NULL)
		rh_die("out of memory comparing %zu rows", a->n + b->n);
	for (size_t i = 0; i < a->n; i++) {
		const rh_cmp_row *mate = rh_cmp_find(b, &a->rows[i]);

		pairs[n++] = (pair){&a->rows[i], mate, rh_cmp_classify(&a->rows[i], mate)};
	}
	for (size_t i = 0; i < b->n; i++)
		if (rh_cmp_find(a, &b->rows[i]) == NULL)
			pairs[n++] = (pair){NULL, &b->rows[i], RH_CHANGE_ONLY_B};

	for (int c = 0; c < N_COLS; c++)
		width[c] = (int)strlen(heads[c]);
	for (size_t i = 0; i < n; i++) {
		format_pair(&pairs[i], cells);
		for (int c = 0; c < N_COLS; c++)
			if ((int)strlen(cells[c]) > width[c])
				width[c] = (int)strlen(cells[c]);
	}
	for (int c = 0; c < N_COLS; c++)
		fprintf(out, "%-*s%s", c + 1 < N_COLS ? width[c] : 0, heads[c],
			c + 1 < N_COLS ? "  " : "\n");
	for (size_t i = 0; i < n; i++) {
		format_pair(&pairs[i], cells);
		for (int c = 0; c < N_COLS; c++)
			fprintf(out, "%-*s%s", c + 1 < N_COLS ? width[c] : 0, cells[c],
				c + 1 < N_COLS ? "  " : "\n");
		counts[pairs[i].change]++;
		changed += pairs[i].change != RH_CHANGE_SAME;
	}
	fprintf(out, "compare: %zu row%s", n, n == 1 ? "" : "s");
	for (int c = 0; c < RH_CHANGE_COUNT_; c++)
		if (counts[c])
			fprintf(out, ", %zu %s", counts[c], rh_change_name((rh_change)c));
	fputc('\n', out);
	free(pairs);
	return changed;
}

static int load_file(const char *path, bool by_scenario, rh_cmp_table *t)
{
	char err[512];
	rh_jvalue *root = rh_json_parse_file(path, err, sizeof(err));

	if (root == NULL || !rh_cmp_load_tree(t, root, by_scenario, err, sizeof(err))) {
		fprintf(stderr, "racehunt: compare: %s%s%s\n", root ? path : "", root ? ": " : "",
			err);
		if (root != NULL)
			rh_cmp_free(t);
		return RH_EXIT_USAGE;
	}
	return RH_EXIT_CLEAN;
}

/* "A: FILE (build asan)" when every row of the file says one build: two
 * builds of one store are the usual pair to compare. */
static void print_source(const char *label, const char *path, const rh_cmp_table *t)
{
	const char *build = t->n ? t->rows[0].build : NULL;

	for (size_t i = 1; i < t->n && build != NULL; i++)
		if (t->rows[i].build == NULL || strcmp(t->rows[i].build, build) != 0)
			build = NULL;
	printf("%s: %s", label, path);
	if (build != NULL)
		printf(" (build %s)", build);
	putchar('\n');
}

int rh_cmd_compare(int argc, char **argv)
{
	const char *paths[2];
	bool by_scenario;
	rh_cmp_table a, b;
	size_t changed;
	rh_opts o;
	int rc = rh_options_parse(&compare_command, argc, argv, 2, &o);

	if (rc != RH_EXIT_CLEAN)
		return rc == RH_OPTIONS_HELP ? RH_EXIT_CLEAN : rc;
	by_scenario = o.count[O_BY_SCENARIO] > 0;
	paths[0] = o.operands[0];
	paths[1] = o.operands[1];
	if (load_file(paths[0], by_scenario, &a) != RH_EXIT_CLEAN)
		return RH_EXIT_USAGE;
	if (load_file(paths[1], by_scenario, &b) != RH_EXIT_CLEAN) {
		rh_cmp_free(&a);
		return RH_EXIT_USAGE;
	}
	print_source("A", paths[0], &a);
	print_source("B", paths[1], &b);
	changed = rh_cmp_print(stdout, &a, &b);
	rh_cmp_free(&a);
	rh_cmp_free(&b);
	return changed ? RH_EXIT_VIOLATION : RH_EXIT_CLEAN;
}
