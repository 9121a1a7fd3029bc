/* SPDX-License-Identifier: MIT */
/* Folding other builds (tsan, asan) into the hunt matrix. Each build's hunt
 * runs in a directory of its own under TMPDIR, which is also that hunt's
 * TMPDIR, so removing the directory removes whatever it left; it goes on
 * every path out, a SIGINT/SIGTERM or rh_die included. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "campaign/campaign.h"
#include "core/interrupt.h"
#include "core/registry.h"
#include "core/util.h"
#include "hunt_builds.h"
#include "report/json_read.h"
#include "report/result_read.h"

/* How long a build's hunt, passed our SIGINT/SIGTERM, gets to stop (it
 * stops within one poll) before it is killed. */
#define RH_BUILD_STOP_MS 5000

struct rh_build {
	char *name;
	rh_jvalue *cells;   /* the build's hunt --json array */
	rh_result_doc *docs; /* each cell's result, decoded */
	size_t n;
};

/* The build's directory while its hunt runs: process-wide because the
 * atexit handler that removes it after an rh_die has no context. */
static char *build_dir;

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st;
	(void)type;
	(void)ftw;
	remove(path);
	return 0;
}

static void remove_build_dir(void)
{
	if (build_dir == NULL)
		return;
	nftw(build_dir, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	free(build_dir);
	build_dir = NULL;
}

static char *make_build_dir(void)
{
	static bool registered;
	const char *base = getenv("TMPDIR");

	if (!registered)
		registered = atexit(remove_build_dir) == 0;
	if (base == NULL || *base == 0)
		base = "/tmp";
	if (asprintf(&build_dir, "%s/racehunt-build-XXXXXX", base) < 0) {
		build_dir = NULL;
		return NULL;
	}
	if (mkdtemp(build_dir) == NULL) {
		free(build_dir);
		build_dir = NULL;
	}
	return build_dir;
}

/* Our SIGINT/SIGTERM passed on to the build's hunt, which then stops and
 * writes what it has; killed if it does not within RH_BUILD_STOP_MS. */
static void stop_build(pid_t pid, int *status)
{
	double until = rh_now_ms() + rh_timeout_ms(RH_BUILD_STOP_MS);
	struct timespec nap = {0, 5000000L};

	kill(pid, rh_interrupted());
	while (waitpid(pid, status, WNOHANG) == 0) {
		if (rh_now_ms() > until) {
			kill(pid, SIGKILL);
			waitpid(pid, status, 0);
			return;
		}
		nanosleep(&nap, NULL);
	}
}

/* The child's output is the other build's business (TSan reports go to its
 * stderr); only its JSON and exit status matter here. -2: interrupted. */
static int run_quietly(char **argv, const char *dir)
{
	pid_t self = getpid(), pid;
	int status;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		/* It dies with us, however we die. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != self)
			_exit(127);
		setenv("TMPDIR", dir, 1);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return -1;
		if (rh_interrupted()) {
			stop_build(pid, &status);
			return -2;
		}
	}
	if (rh_interrupted())
		return -2;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* Every cell of the array through the one decoder; false with "byte N: why". */
static bool decode_cells(rh_build *b, char *err, size_t cap)
{
	const rh_jvalue *a = b->cells;

	if (a->type != RH_JARRAY) {
		snprintf(err, cap, "byte %zu: not an array", a->offset);
		return false;
	}
	b->docs = calloc(a->n ? a->n : 1, sizeof(*b->docs));
	if (b->docs == NULL) {
		snprintf(err, cap, "out of memory");
		return false;
	}
	for (; b->n < a->n; b->n++)
		if (!rh_result_decode(rh_json_get(&a->items[b->n], "result"), &b->docs[b->n], err,
				      cap))
			return false;
	return true;
}

rh_build *rh_build_hunt(const char *name, const char *path, char **filters, int n_filters,
			uint64_t seed, uint64_t trials, char *err, size_t errcap)
{
	char *json_path = NULL, seed_s[32], trials_s[32], jerr[384];
	char **argv = calloc((size_t)n_filters + 14, sizeof(*argv));
	rh_build *b = NULL;
	int rc, argc = 0;

	rh_interrupt_install();
	if (argv == NULL || make_build_dir() == NULL ||
	    asprintf(&json_path, "%s/hunt.json", build_dir) < 0) {
		json_path = NULL;
		snprintf(err, errcap, "--build %s: cannot create a temporary directory: %s", name,
			 strerror(errno));
		goto out;
	}
	snprintf(seed_s, sizeof(seed_s), "%llu", (unsigned long long)seed);
	snprintf(trials_s, sizeof(trials_s), "%llu", (unsigned long long)trials);
	argv[argc++] = (char *)path;
	argv[argc++] = "hunt";
	for (int i = 0; i < n_filters; i++)
		argv[argc++] = filters[i];
	argv[argc++] = "--detectors";
	argv[argc++] = "stress";
	argv[argc++] = "--trials";
	argv[argc++] = trials_s;
	argv[argc++] = "--seed";
	argv[argc++] = seed_s;
	/* Exec rows run this build's example programs: the other build has no
	 * column of its own for them. */
	argv[argc++] = "--examples";
	argv[argc++] = "none";
	argv[argc++] = "--json";
	argv[argc++] = json_path;
	rc = run_quietly(argv, build_dir);
	if (rc == -2) {
		snprintf(err, errcap, "--build %s: interrupted by %s while its hunt ran", name,
			 rh_interrupted() == SIGINT ? "SIGINT" : "SIGTERM");
		goto out;
	}
	if (rc != 0 && rc != 1) {
		snprintf(err, errcap, "--build %s: '%s hunt' exited with status %d", name, path, rc);
		goto out;
	}
	b = calloc(1, sizeof(*b));
	if (b == NULL) {
		snprintf(err, errcap, "--build %s: out of memory", name);
		goto out;
	}
	b->cells = rh_json_parse_file(json_path, jerr, sizeof(jerr));
	if (b->cells == NULL || !decode_cells(b, jerr, sizeof(jerr))) {
		snprintf(err, errcap, "--build %s: bad result from '%s hunt': %s", name, path, jerr);
		goto fail;
	}
	b->name = strdup(name);
	goto out;
fail:
	rh_build_free(b);
	b = NULL;
out:
	remove_build_dir();
	free(json_path);
	free(argv);
	return b;
}

const char *rh_build_name(const rh_build *b)
{
	return b->name;
}

const rh_result_doc *rh_build_result(const rh_build *b, const char *scenario, const char *variant)
{
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->docs[i].scenario, scenario) == 0 &&
		    strcmp(b->docs[i].variant, variant) == 0)
			return &b->docs[i];
	return NULL;
}

const char *rh_build_stderr(const rh_build *b, const char *scenario, const char *variant)
{
	for (size_t i = 0; i < b->n; i++)
		if (strcmp(b->docs[i].scenario, scenario) == 0 &&
		    strcmp(b->docs[i].variant, variant) == 0) {
			const rh_jvalue *e = rh_json_get(&b->cells->items[i], "stderr");

			return e != NULL && e->type == RH_JSTRING ? e->string : NULL;
		}
	return NULL;
}

bool rh_build_cell(const rh_build *b, const char *scenario, const char *variant, char *cell,
		   size_t cap, bool *detected)
{
	const rh_result_doc *d = rh_build_result(b, scenario, variant);
	const char *build;

	if (d == NULL)
		return false;
	build = d->build ? d->build : "";
	*detected = d->result->failed_trials > 0;
	if (d->sanitizer_trials > 0)
		snprintf(cell, cap, "%s REPORT + %s", build, d->kind ? d->kind : "?");
	else if (d->result->failed_trials > 0)
		snprintf(cell, cap, "%s silent; %s", build, d->kind ? d->kind : "?");
	else
		snprintf(cell, cap, "clean %llu trials", (unsigned long long)d->result->trials_run);
	return true;
}

void rh_build_free(rh_build *b)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->n; i++)
		rh_result_doc_free(&b->docs[i]);
	free(b->docs);
	rh_json_free(b->cells);
	free(b->name);
	free(b);
}
