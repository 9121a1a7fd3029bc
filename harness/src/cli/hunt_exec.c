/* SPDX-License-Identifier: MIT */
/* The hunt's exec rows: every example program (built with racehunt-cc, named
 * in the examples file) as `racehunt exec` campaigns under the detector
 * columns that exec runs, observed against the file's declaration. */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "campaign/exec.h"
#include "campaign_options.h"
#include "core/interrupt.h"
#include "core/util.h"
#include "hunt_private.h"
#include "racehunt/cli.h"
#include "stress/stress.h"

#define EXAMPLES_FILE "racehunt-examples.txt"
#define MAX_EXAMPLES 64
#define MAX_VARIANTS 4
#define MAX_FILE (1u << 20)

/* What each detector column means for a program. Stress at noise:0.6 and
 * pct:3 over 1000 trials are the budgets the examples' CTests measured
 * (docs/BENCHMARKS.md): the slowest stress bug fails 10% of trials, so 300
 * miss it with probability 2e-14. dfs:2 (a column only when named) gets
 * 2000 schedules: exec runs about 200 a second of them here. dpor is
 * exec's unbounded dpor (points all, races by happens-before) over 2000
 * schedules or 1 s, whichever ends first, so the column adds about 10% to
 * the hunt: the small programs' whole spaces end within that ("clean N
 * sched, all"), the others say "clean N trials", proving nothing past the
 * runs made (on a slow machine fewer end in time: the verdict is the
 * same). Not dpor:2: its search tries every thread at every step, a
 * schedule of a long program costs seconds. A 10 s watchdog: a noisy run of a fixed program on a
 * loaded machine can take longer than the default second. A column not
 * listed has "-" cells. */
static const struct exec_column {
	const char *detector;
	rh_mode mode;
	const char *strategy;
	uint64_t trials;
	double seconds; /* 0: no time budget */
} exec_columns[] = {
	{"stress", RH_MODE_STRESS, "noise:0.6", 300, 0},
	{"pct:3", RH_MODE_CONTROLLED, "pct:3", 1000, 0},
	{"dfs:2", RH_MODE_CONTROLLED, "dfs:2", 2000, 0},
	{"dpor", RH_MODE_CONTROLLED, "dpor", 2000, 1},
};
#define EXEC_WATCHDOG_MS 10000
#define EXEC_SAMPLE 16 /* as `racehunt exec` */

typedef struct example {
	rh_scenario s; /* "exec.NAME"; a variant per program */
	rh_variant v[MAX_VARIANTS];
	char *argv[MAX_VARIANTS][RH_EXEC_MAX_ARGS + 1];
} example;

struct rh_hunt_examples {
	example items[MAX_EXAMPLES];
	unsigned n;
};

/* The examples file of the build this racehunt is in: its examples/ folder
 * beside targets/. NULL when there is none. */
static char *default_file(void)
{
	char exe[PATH_MAX], dir[PATH_MAX + 32], *real, *path;
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);

	if (n <= 0)
		return NULL;
	exe[n] = '\0';
	snprintf(dir, sizeof(dir), "%s/../examples", dirname(exe));
	real = realpath(dir, NULL);
	if (real == NULL)
		return NULL;
	if (asprintf(&path, "%s/" EXAMPLES_FILE, real) < 0)
		rh_die("out of memory naming the examples file");
	free(real);
	if (access(path, R_OK) != 0) {
		free(path);
		return NULL;
	}
	return path;
}

static char *read_all(const char *path, char *err, size_t cap)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (f == NULL) {
		snprintf(err, cap, "cannot read '%s': %s", path, strerror(errno));
		return NULL;
	}
	buf = malloc(MAX_FILE + 1);
	if (buf == NULL)
		rh_die("out of memory reading '%s'", path);
	n = fread(buf, 1, MAX_FILE + 1, f);
	fclose(f);
	if (n > MAX_FILE) {
		free(buf);
		snprintf(err, cap, "'%s' is over %u bytes", path, MAX_FILE);
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

static bool is_name(const char *s)
{
	return s[0] != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				       "0123456789_-") == strlen(s);
}

static char *dup_or_die(const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		rh_die("out of memory reading the examples file");
	return d;
}

static example *find_or_add(rh_hunt_examples *x, const char *name)
{
	char full[128];
	example *e;

	snprintf(full, sizeof(full), "exec.%s", name);
	for (unsigned i = 0; i < x->n; i++)
		if (strcmp(x->items[i].s.name, full) == 0)
			return &x->items[i];
	if (x->n == MAX_EXAMPLES)
		return NULL;
	e = &x->items[x->n++];
	e->s.name = dup_or_die(full);
	e->s.summary = "an example program under racehunt exec";
	e->s.variants = e->v;
	return e;
}

/* One line's words: NAME VARIANT EXPECT PROGRAM [ARGS...]. NULL, or why not. */
static const char *add_line(rh_hunt_examples *x, char **w, unsigned n, const char *dir)
{
	example *e;
	unsigned v;

	if (n < 4)
		return "want NAME VARIANT EXPECT PROGRAM [ARGS...]";
	if (n > RH_EXEC_MAX_ARGS + 3)
		return "too many program arguments";
	if (!is_name(w[0]) || strlen(w[0]) > 100 || !is_name(w[1]) || strlen(w[1]) > 40)
		return "NAME and VARIANT are letters, digits, '_' and '-'";
	if (strcmp(w[2], "detected") != 0 && strcmp(w[2], "clean") != 0)
		return "EXPECT is detected or clean";
	if ((e = find_or_add(x, w[0])) == NULL)
		return "too many examples";
	for (v = 0; v < e->s.n_variants; v++)
		if (strcmp(e->v[v].name, w[1]) == 0)
			return "the same NAME and VARIANT twice";
	if (v == MAX_VARIANTS)
		return "too many variants of one example";
	e->v[v].name = dup_or_die(w[1]);
	e->v[v].expect = w[2][0] == 'd' ? RH_EXPECT_DETECTED : RH_EXPECT_CLEAN;
	e->v[v].what = "";
	if (w[3][0] == '/') {
		e->argv[v][0] = dup_or_die(w[3]);
	} else if (asprintf(&e->argv[v][0], "%s/%s", dir, w[3]) < 0) {
		rh_die("out of memory reading the examples file");
	}
	for (unsigned a = 4; a < n; a++)
		e->argv[v][a - 3] = dup_or_die(w[a]);
	e->s.n_variants++;
	return NULL;
}

/* The file's lines; 0, or 2 after "FILE:LINE: why". */
static int parse(rh_hunt_examples *x, const char *path, char *text)
{
	char *copy = dup_or_die(path), *dir = dirname(copy), *save = NULL;
	unsigned lineno = 0;
	int rc = RH_EXIT_CLEAN;

	for (char *line = text, *next; line != NULL && rc == RH_EXIT_CLEAN; line = next) {
		char *w[RH_EXEC_MAX_ARGS + 4];
		unsigned n = 0;
		const char *why;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		for (char *t = strtok_r(line, " \t\r", &save); t != NULL && t[0] != '#';
		     t = strtok_r(NULL, " \t\r", &save))
			if (n < sizeof(w) / sizeof(w[0]))
				w[n++] = t;
		if (n == 0)
			continue;
		why = add_line(x, w, n, dir);
		if (why != NULL)
			rc = rh_usage_error("hunt: --examples %s:%u: %s", path, lineno, why);
	}
	free(copy);
	return rc;
}

static const struct exec_column *exec_column(const rh_hunt_detector *d)
{
	for (size_t i = 0; i < sizeof(exec_columns) / sizeof(exec_columns[0]); i++)
		if (strcmp(exec_columns[i].detector, d->name) == 0)
			return &exec_columns[i];
	return NULL;
}

static bool wants_exec(const hunt_opts *o)
{
	for (unsigned i = 0; i < o->n_filters; i++)
		if (strncmp(o->filters[i], "exec", 4) == 0 &&
		    (o->filters[i][4] == '\0' || o->filters[i][4] == '.'))
			return true;
	return false;
}

int rh__hunt_examples_load(const hunt_opts *o, rh_hunt_examples **out)
{
	char *path, *text, err[PATH_MAX + 64];
	int rc;

	*out = NULL;
	if (o->examples != NULL && strcmp(o->examples, "none") == 0)
		return RH_EXIT_CLEAN;
	/* Every detector has an exec column (exec_columns): no row reads as
	 * a missed bug for want of one. */
	path = o->examples != NULL ? dup_or_die(o->examples) : default_file();
	if (path == NULL)
		return wants_exec(o) ? rh_usage_error("hunt: no exec examples: this racehunt's build "
						      "has no examples/" EXAMPLES_FILE "; --examples "
						      "FILE names programs")
				     : RH_EXIT_CLEAN;
	text = read_all(path, err, sizeof(err));
	if (text == NULL) {
		free(path);
		return rh_usage_error("hunt: --examples: %s", err);
	}
	*out = calloc(1, sizeof(**out));
	if (*out == NULL)
		rh_die("out of memory for the exec examples");
	rc = parse(*out, path, text);
	free(text);
	free(path);
	return rc;
}

bool rh__hunt_examples_known(const rh_hunt_examples *x, const char *name)
{
	if (x == NULL)
		return false;
	if (strcmp(name, "exec") == 0)
		return x->n > 0;
	for (unsigned i = 0; i < x->n; i++)
		if (strcmp(x->items[i].s.name, name) == 0)
			return true;
	return false;
}

static bool selected(const hunt_opts *o, const example *e, unsigned v)
{
	return rh__hunt_matches_filter(&e->s, o) &&
	       (o->variant == NULL || strcmp(e->v[v].name, o->variant) == 0);
}

bool rh__hunt_examples_have_variant(const rh_hunt_examples *x, const hunt_opts *o, const char *v)
{
	hunt_opts only = *o;

	only.variant = v;
	for (unsigned i = 0; x != NULL && i < x->n; i++)
		for (unsigned k = 0; k < x->items[i].s.n_variants; k++)
			if (selected(&only, &x->items[i], k))
				return true;
	return false;
}

void rh__hunt_examples_size(hunt_run *h)
{
	const rh_hunt_examples *x = h->examples;

	for (unsigned i = 0; x != NULL && i < x->n; i++)
		for (unsigned v = 0; v < x->items[i].s.n_variants; v++)
			if (selected(&h->o, &x->items[i], v)) {
				if ((int)strlen(x->items[i].s.name) > h->w_scn)
					h->w_scn = (int)strlen(x->items[i].s.name);
				if ((int)strlen(x->items[i].v[v].name) > h->w_var)
					h->w_var = (int)strlen(x->items[i].v[v].name);
			}
}

/* A campaign that could not run: a harness failure with the reason exec
 * gave (the first line it wrote to stderr), else what. */
static void refused(rh_result *r, const char *caught, const char *what)
{
	r->harness_failed = 1;
	if (r->harness_error[0] == '\0')
		snprintf(r->harness_error, sizeof(r->harness_error), "%.*s",
			 caught[0] ? (int)strcspn(caught, "\n") : (int)strlen(what),
			 caught[0] ? caught : what);
}

static void setup_exec(rh_exec *e, const hunt_opts *o, const example *x, unsigned v,
		       const struct exec_column *col)
{
	char err[128];

	memset(e, 0, sizeof(*e));
	rh_campaign_defaults(&e->c, &x->s, v);
	e->c.mode = col->mode;
	e->c.strategy = col->strategy;
	e->c.seed = o->seed;
	e->c.quiet = true;
	e->c.stop_on_first = !o->full;
	e->c.trials = col->mode == RH_MODE_STRESS && o->stress_trials ? o->stress_trials
								      : col->trials;
	e->c.time_budget_s = col->seconds;
	e->c.stress.watchdog_ms = EXEC_WATCHDOG_MS;
	if (col->mode == RH_MODE_STRESS &&
	    !rh_stress_parse_strategy(col->strategy, &e->c.stress.noise, err, sizeof(err)))
		rh_die("hunt: exec column %s: %s", col->detector, err);
	/* dpor's verdict needs every access a step (cli/exec.c says why). */
	e->points = rh_exec_strategy_hb(col->strategy) ? RH_POINTS_ALL : RH_POINTS_SHARED;
	e->sample = EXEC_SAMPLE;
	memcpy(e->argv, x->argv[v], sizeof(e->argv));
}

/* One column's exec campaign of a row: run, print, keep. */
static void exec_cell(hunt_run *h, const example *x, unsigned v, unsigned d, bool *detected,
		      bool *failed)
{
	const rh_hunt_detector *det = &rh__hunt_detectors[d];
	const struct exec_column *col = exec_column(det);
	rh_exec *e;
	rh_result *r = h->r;
	char cell[128];
	int rc;

	if (col == NULL) {
		printf(" %-28s", "-");
		return;
	}
	if (rh_interrupted())
		return;
	if ((e = malloc(sizeof(*e))) == NULL)
		rh_die("out of memory for an exec campaign");
	setup_exec(e, &h->o, x, v, col);
	rh_capture_begin();
	rc = rh_exec_check_program(e);
	if (rc == RH_EXIT_CLEAN)
		rc = rh_exec_run(e, r);
	else
		memset(r, 0, sizeof(*r));
	rh_capture_end(h->caught[d], sizeof(h->caught[d]));
	if (rc == RH_EXIT_USAGE || rc == RH_EXIT_HARNESS)
		refused(r, h->caught[d], "exec could not run the program");
	*detected |= r->failed_trials > 0;
	*failed |= r->harness_failed != 0;
	rh__hunt_cell_text(r, det, e->c.strategy, cell, sizeof(cell));
	printf(" %-28s", cell);
	fflush(stdout);
	rh__hunt_keep_cell(h, d, &e->c, r, e->argv[0]);
	rh_exec_fini(e);
	free(e);
}

static void exec_row(hunt_run *h, const example *x, unsigned v)
{
	const char *prog = x->argv[v][0];
	bool detected = false, failed = false;
	size_t first_cell = h->cells.n;

	printf("%-*s %-*s %-9s", h->w_scn, x->s.name, h->w_var, x->v[v].name,
	       x->v[v].expect == RH_EXPECT_DETECTED ? "detected" : "clean");
	fflush(stdout);
	if (access(prog, X_OK) != 0) {
		/* Never a silent gap: the row says what is missing. */
		h->status = RH_EXIT_HARNESS;
		printf(" %sMISSING%s: '%s' is not built (%s)\n", rh__hunt_sgr("1;35"),
		       rh__hunt_sgr("0"), prog, strerror(errno));
		return;
	}
	for (unsigned d = 0; d < rh__hunt_n_detectors; d++) {
		h->caught[d][0] = '\0';
		if (rh__hunt_column(&h->o, &rh__hunt_detectors[d]))
			exec_cell(h, x, v, d, &detected, &failed);
	}
	/* Other builds hunt their scenarios; an exec program is this build's. */
	for (unsigned b = 0; b < h->o.n_builds; b++)
		printf(" %-28s", "-");
	rh__hunt_row_end(h, x->v[v].expect, detected, failed, first_cell);
}

void rh__hunt_exec_rows(hunt_run *h, unsigned row)
{
	const rh_hunt_examples *x = h->examples;

	/* A signal stops the row's campaign at its next trial and leaves the
	 * table and result files whole, as for the scenario rows. */
	if (x != NULL)
		rh_interrupt_install();
	for (unsigned i = 0; x != NULL && i < x->n && !rh_interrupted(); i++)
		for (unsigned v = 0; v < x->items[i].s.n_variants; v++)
			if (selected(&h->o, &x->items[i], v) &&
			    rh_shard_has_row(&h->o.shard, row++))
				exec_row(h, &x->items[i], v);
}

void rh__hunt_examples_free(rh_hunt_examples *x)
{
	for (unsigned i = 0; x != NULL && i < x->n; i++) {
		example *e = &x->items[i];

		free((char *)e->s.name);
		for (unsigned v = 0; v < e->s.n_variants; v++) {
			free((char *)e->v[v].name);
			for (char **a = e->argv[v]; *a != NULL; a++)
				free(*a);
		}
	}
	free(x);
}
