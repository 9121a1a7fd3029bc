/* SPDX-License-Identifier: MIT */
/* racehunt — replaying and shrinking controlled schedules.
 *
 * Shrinking keeps only candidates that still fail with the same violation
 * kind, in this order: fewer threads, fewer ops, fewer rounds (for each, the
 * old deviations projected onto the smaller run first, then a small bounded
 * search of the smaller run), then fewer deviations: a dfs allowed fewer
 * preemptions than the run has, then delta debugging (Zeller's ddmin over the
 * list of choices that differ from the default). Every candidate is a real
 * run, in a child process: what is kept is the schedule that run took. */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "campaign.h"
#include "campaign_private.h"
#include "core/registry.h"
#include "core/util.h"
#include "shrink.h"
#include "controlled/sched.h"

/* Runs one shrink may spend; each is a whole trial of a small workload. */
#define RH_SHRINK_BUDGET 4000
#define RH_SHRINK_SEARCH_RUNS 300

enum { EXIT_CLEAN = 0, EXIT_VIOLATION = 1, EXIT_USAGE = 2 };

struct shrinker {
	const rh_scenario *s;
	unsigned variant;
	uint64_t seed, index;
	rh_kind kind;
	char sig[RH_MSG_MAX]; /* the found failure's message, numbers masked */
	unsigned runs;
	unsigned crashed; /* candidates that died */
	rh_trial *t;
};

/* What makes a candidate's failure the one being shrunk: the same kind and
 * the same message with every number masked ('#': thread ids, offsets,
 * counts and 0x addresses differ in a smaller run), less a stuck report's
 * " (+N more waiting)", whose count follows the thread count. A 3-thread
 * HANG on a lock whose holder died is not a 1-thread reader spinning with no
 * writer, though both are HANGs. */
void rh_shrink_signature(const char *msg, char *sig, size_t cap)
{
	static const char more[] = " (+# more waiting)";
	size_t n = 0;

	for (const char *p = msg; *p != '\0' && n + 1 < cap;) {
		if (p[0] == '0' && p[1] == 'x' && strchr("0123456789abcdefABCDEF", p[2]) && p[2]) {
			for (p += 2; *p != '\0' && strchr("0123456789abcdefABCDEF", *p); p++)
				;
			sig[n++] = '#';
		} else if (*p >= '0' && *p <= '9') {
			while (*p >= '0' && *p <= '9')
				p++;
			sig[n++] = '#';
		} else {
			sig[n++] = *p++;
		}
	}
	sig[n] = '\0';
	if (n >= sizeof(more) - 1 && strcmp(sig + n - (sizeof(more) - 1), more) == 0)
		sig[n - (sizeof(more) - 1)] = '\0';
}

static bool same_failure(const struct shrinker *sh, const rh_trial *t)
{
	char sig[RH_MSG_MAX];

	if (rh_trial_first_kind(t) != sh->kind)
		return false;
	rh_shrink_signature(rh_trial_first_msg(t), sig, sizeof(sig));
	return strcmp(sig, sh->sig) == 0;
}

/* Run one trial under x; true when it fails the way being shrunk (kind and
 * signature; any failure when want_any), spec then holds the schedule the
 * run took. */
static bool attempt(struct shrinker *sh, const rh_params *p, rh_explorer *x, bool want_any,
		    rh_sched_spec *spec)
{
	bool hit;

	sh->runs++;
	rh_trial_init(sh->t, sh->s, sh->variant, p, sh->seed, sh->index);
	if (!rh_trial_execute(sh->t, RH_MODE_CONTROLLED, NULL, x)) {
		rh_trial_fini(sh->t);
		return false;
	}
	hit = rh_trial_failed(sh->t) && (want_any || same_failure(sh, sh->t));
	if (hit && spec != NULL) {
		rh_explorer_spec(x, spec);
		snprintf(spec->scenario, sizeof(spec->scenario), "%s", sh->s->name);
		snprintf(spec->variant, sizeof(spec->variant), "%s",
			 sh->s->variants[sh->variant].name);
	}
	rh_trial_fini(sh->t);
	return hit;
}

static void replace(rh_sched_spec *best, rh_sched_spec *with)
{
	rh_schedule_spec_free(best);
	*best = *with;
	memset(with, 0, sizeof(*with));
}

/* One candidate: a fixed list of deviations, or a bounded search. */
struct probe {
	rh_params params;
	const rh_dev *devs; /* when search is NULL */
	size_t n_devs;
	const char *strategy;
	const char *search; /* "dfs:1", ...: first failing run with < max_devs deviations */
	size_t max_devs;
	bool exhausted; /* out: the search covered its bounded space */
};

static bool probe_here(struct shrinker *sh, struct probe *pr, rh_sched_spec *out)
{
	char err[128];
	rh_explorer *x;
	bool hit = false;

	if (pr->search == NULL) {
		rh_sched_spec in = {.params = pr->params, .devs = (rh_dev *)pr->devs,
				    .n_devs = pr->n_devs};

		snprintf(in.strategy, sizeof(in.strategy), "%s", pr->strategy);
		x = rh_explorer_choices(&in, false);
		if (x == NULL)
			rh_die("out of memory shrinking a schedule");
		hit = attempt(sh, &pr->params, x, false, out);
		rh_explorer_free(x);
		return hit;
	}
	x = rh_explorer_new(pr->search, sh->seed, err, sizeof(err));
	if (x == NULL)
		rh_die("%s", err);
	for (unsigned k = 0; k < RH_SHRINK_SEARCH_RUNS && sh->runs < RH_SHRINK_BUDGET &&
			     !rh_explorer_exhausted(x);
	     k++) {
		if (!attempt(sh, &pr->params, x, false, out))
			continue;
		if (out->n_devs < pr->max_devs) {
			hit = true;
			break;
		}
		rh_schedule_spec_free(out);
	}
	pr->exhausted = rh_explorer_exhausted(x);
	rh_explorer_free(x);
	return hit;
}

/* Each candidate runs in a child process. The stores are buggy on purpose:
 * a candidate schedule may crash where the recorded one did not, and that
 * must cost the candidate, not the shrink or the campaign that asked for it.
 * The child answers with one line: runs spent, exhausted, schedule or "-". */
static bool probe(struct shrinker *sh, struct probe *pr, rh_sched_spec *out)
{
	char *line = NULL, *str = NULL, err[256];
	size_t cap = 0;
	unsigned runs;
	int fd[2], exhausted, status;
	bool hit = false;
	FILE *in;
	pid_t pid;

	rh__alive();
	if (pipe(fd) != 0)
		rh_die("cannot make a pipe for a shrink candidate: %s", strerror(errno));
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		rh_die("cannot fork a shrink candidate: %s", strerror(errno));
	if (pid == 0) {
		rh_sched_spec got = {0};
		int null = open("/dev/null", O_WRONLY);
		FILE *w;

		close(fd[0]);
		/* A candidate's output (the scenario's, a crash report) says
		 * nothing its answer does not. */
		if (null >= 0) {
			dup2(null, STDOUT_FILENO);
			dup2(null, STDERR_FILENO);
		}
		if (probe_here(sh, pr, &got))
			str = rh_schedule_format(&got, err, sizeof(err));
		w = fdopen(fd[1], "w");
		if (w != NULL)
			fprintf(w, "%u %d %s\n", sh->runs, pr->exhausted, str ? str : "-");
		_exit(w != NULL && fclose(w) == 0 ? 0 : 3);
	}
	close(fd[1]);
	in = fdopen(fd[0], "r");
	if (in == NULL)
		rh_die("cannot read a shrink candidate's answer: %s", strerror(errno));
	if (getline(&line, &cap, in) > 0)
		str = malloc(strlen(line) + 1);
	fclose(in);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (str != NULL && sscanf(line, "%u %d %s", &runs, &exhausted, str) == 3) {
		sh->runs = runs;
		pr->exhausted = exhausted;
		hit = strcmp(str, "-") != 0 && rh_schedule_parse(str, out, err, sizeof(err));
	} else {
		/* It crashed or was killed: not the failure being shrunk. */
		sh->runs++;
		sh->crashed++;
	}
	free(line);
	free(str);
	return hit;
}

static bool try_devs(struct shrinker *sh, const rh_params *p, const rh_dev *devs, size_t n,
		     const char *strategy, rh_sched_spec *out)
{
	struct probe pr = {.params = *p, .devs = devs, .n_devs = n, .strategy = strategy};

	return probe(sh, &pr, out);
}

/* First failing run of a bounded search of workload p with fewer than
 * max_devs deviations, or false. Sets *exhausted when the bound was covered. */
static bool bounded(struct shrinker *sh, const rh_params *p, const char *spec, size_t max_devs,
		    rh_sched_spec *out, bool *exhausted)
{
	struct probe pr = {.params = *p, .search = spec, .max_devs = max_devs};
	bool hit = probe(sh, &pr, out);

	*exhausted = pr.exhausted;
	return hit;
}

/* The bounded searches shrinking tries, from the strategy table: the
 * exhaustive ones first, fewest preemptions first. */
#define MAX_SEARCHES 16
static const char *specs[MAX_SEARCHES];
static size_t n_specs, n_exhaustive;

static void load_specs(void)
{
	if (n_specs == 0)
		n_specs = rh_strategy_shrink_specs(specs, MAX_SEARCHES, &n_exhaustive);
	if (n_specs > MAX_SEARCHES)
		rh_die("%zu shrink searches in the strategy table, room for %d", n_specs,
		       MAX_SEARCHES);
}

/* A failing schedule for the smaller workload p, or false. */
static bool search(struct shrinker *sh, const rh_params *p, const rh_sched_spec *old,
		   rh_sched_spec *out)
{
	rh_dev *proj = malloc((old->n_devs + 1) * sizeof(*proj));
	size_t n = 0;
	bool hit, exhausted = false;

	if (proj == NULL)
		rh_die("out of memory shrinking a schedule");
	for (size_t i = 0; i < old->n_devs; i++)
		if (old->devs[i].tid < p->threads)
			proj[n++] = old->devs[i];
	hit = try_devs(sh, p, proj, n, old->strategy, out);
	free(proj);
	/* Random searches only when the last exhaustive one could not cover
	 * its space. */
	load_specs();
	for (size_t i = 0; !hit && !(i >= n_exhaustive && exhausted) && i < n_specs; i++)
		hit = bounded(sh, p, specs[i], SIZE_MAX, out, &exhausted);
	return hit;
}

/* Schedules with fewer deviations, from a search that tries few preemptions
 * first: ddmin only removes deviations, this can also move them. */
static void research(struct shrinker *sh, rh_sched_spec *best)
{
	load_specs();
	for (size_t b = 0; b < best->n_devs && b < n_exhaustive; b++) {
		rh_sched_spec cand;
		bool exhausted;

		if (bounded(sh, &best->params, specs[b], best->n_devs, &cand, &exhausted)) {
			replace(best, &cand);
			return;
		}
	}
}

/* Shrink one parameter: the smallest value below the current one that still
 * fails, tried from the smallest up. */
static void shrink_param(struct shrinker *sh, rh_sched_spec *best, size_t offset)
{
	unsigned now = *(unsigned *)((char *)&best->params + offset);

	for (unsigned v = 1; v < now && sh->runs < RH_SHRINK_BUDGET; v++) {
		rh_params p = best->params;
		rh_sched_spec cand;

		*(unsigned *)((char *)&p + offset) = v;
		if (search(sh, &p, best, &cand)) {
			replace(best, &cand);
			return;
		}
	}
}

static void ddmin(struct shrinker *sh, rh_sched_spec *best)
{
	size_t parts = 2;

	while (best->n_devs > 0 && sh->runs < RH_SHRINK_BUDGET) {
		size_t len = best->n_devs, chunk = (len + parts - 1) / parts;
		bool reduced = false;
		rh_dev *cand = malloc(len * sizeof(*cand));

		if (cand == NULL)
			rh_die("out of memory shrinking a schedule");
		for (size_t start = 0; start < len && sh->runs < RH_SHRINK_BUDGET; start += chunk) {
			size_t n = 0, end = start + chunk < len ? start + chunk : len;
			rh_sched_spec got;

			for (size_t i = 0; i < len; i++)
				if (i < start || i >= end)
					cand[n++] = best->devs[i];
			if (!try_devs(sh, &best->params, cand, n, best->strategy, &got))
				continue;
			if (got.n_devs < len) {
				replace(best, &got);
				reduced = true;
				break;
			}
			rh_schedule_spec_free(&got);
		}
		free(cand);
		if (reduced) {
			parts = parts > 2 ? parts - 1 : 2;
		} else {
			if (parts >= len)
				break;
			parts = parts * 2 < len ? parts * 2 : len;
		}
	}
}

static rh_explorer *replay_explorer(const rh_sched_spec *sp)
{
	rh_explorer *x = rh_explorer_choices(sp, true);

	if (x == NULL)
		rh_die("out of memory replaying a schedule");
	return x;
}

/* Parse, look up and check against this build's limits (the one check every
 * door into a schedule shares); false with a one-line reason. */
static bool resolve(const char *schedule, rh_sched_spec *sp, struct shrinker *sh, char *err,
		    size_t errcap)
{
	if (!rh_schedule_resolve(schedule, sp, &sh->s, &sh->variant, err, errcap))
		return false;
	sh->seed = sp->seed;
	sh->index = sp->index;
	sh->t = malloc(sizeof(*sh->t));
	if (sh->t == NULL)
		rh_die("out of memory for a trial");
	return true;
}

/* The shrunk run once more, its trace, and what was kept. */
static void print_shrunk(struct shrinker *sh, const rh_sched_spec *orig, const rh_sched_spec *best,
			 FILE *out)
{
	rh_explorer *x = replay_explorer(best);

	attempt(sh, &best->params, x, true, NULL);
	if (out != NULL) {
		rh_explorer_print_trace(x, out);
		fprintf(out,
			"shrunk in %u runs%s: threads %u -> %u, ops %u -> %u, rounds %u -> %u, "
			"choices off the default %zu -> %zu; kept the failure's kind and signature "
			"(%s, '%s'): %s\n",
			sh->runs, sh->crashed ? " (some candidates crashed)" : "",
			orig->params.threads, best->params.threads, orig->params.ops,
			best->params.ops, orig->params.rounds, best->params.rounds, orig->n_devs,
			best->n_devs, rh_kind_name(sh->kind), sh->sig, rh_trial_first_msg(sh->t));
	}
	rh_explorer_free(x);
}

char *rh_shrink_schedule(const char *schedule, FILE *out, int *status, char *err, size_t errcap)
{
	struct shrinker sh = {0};
	rh_sched_spec orig, best = {0};
	rh_explorer *x;
	bool failed;
	char *str = NULL;

	if (!resolve(schedule, &orig, &sh, err, errcap)) {
		*status = EXIT_USAGE;
		return NULL;
	}
	x = replay_explorer(&orig);
	failed = attempt(&sh, &orig.params, x, true, &best);
	if (rh_explorer_diverged(x)) {
		snprintf(err, errcap, "schedule does not replay on this build: %s",
			 rh_explorer_diverged(x));
		*status = EXIT_USAGE;
	} else if (!failed && rh_replay_disagrees(&orig, false, rh_trial_first_kind(sh.t), err,
						 errcap)) {
		*status = EXIT_VIOLATION; /* NOT REPRODUCED: nothing to shrink */
		rh_explorer_free(x);
		goto out;
	} else {
		*status = failed ? EXIT_VIOLATION : EXIT_CLEAN;
	}
	sh.kind = rh_trial_first_kind(sh.t);
	rh_shrink_signature(rh_trial_first_msg(sh.t), sh.sig, sizeof(sh.sig));
	if (*status == EXIT_VIOLATION && sh.kind == RH_SANITIZER) {
		if (out != NULL) {
			rh_explorer_print_trace(x, out);
			fprintf(out, "%s\n", rh_sanitizer_unshrinkable);
		}
		rh_explorer_free(x);
		goto format;
	}
	rh_explorer_free(x);
	if (*status != EXIT_VIOLATION)
		goto out;
	shrink_param(&sh, &best, offsetof(rh_params, threads));
	shrink_param(&sh, &best, offsetof(rh_params, ops));
	shrink_param(&sh, &best, offsetof(rh_params, rounds));
	research(&sh, &best);
	ddmin(&sh, &best);

	print_shrunk(&sh, &orig, &best, out);
format:
	str = rh_schedule_format(&best, err, errcap);
	if (str == NULL)
		*status = EXIT_USAGE;
out:
	rh_schedule_spec_free(&best);
	rh_schedule_spec_free(&orig);
	free(sh.t);
	return str;
}

const char rh_sanitizer_unshrinkable[] =
	"not shrunk: ThreadSanitizer reports a race once per process, and shrink candidates run "
	"in forks of it, so none could fail again; the trace above is the run as found";

char *rh_controlled_shrink(const char *schedule, FILE *out)
{
	char err[256];
	int status;
	char *str = rh_shrink_schedule(schedule, out, &status, err, sizeof(err));

	if (status == EXIT_USAGE)
		fprintf(stderr, "racehunt: cannot shrink: %s\n", err);
	return str;
}
