/* SPDX-License-Identifier: MIT */
/* Folding other builds (tsan, asan) into the hunt matrix. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "campaign/campaign.h"
#include "core/registry.h"
#include "core/util.h"
#include "hunt_builds.h"
#include "report/json_read.h"
#include "report/result_read.h"

struct rh_build {
	char *name;
	rh_jvalue *cells;   /* the build's hunt --json array */
	rh_result_doc *docs; /* each cell's result, decoded */
	size_t n;
};

/* The child's output is the other build's business (TSan reports go to its
 * stderr); only its JSON and exit status matter here. */
static int run_quietly(char **argv)
{
	int status;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		execv(argv[0], argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -1;
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
	char json_path[] = "/tmp/racehunt-build-XXXXXX", seed_s[32], trials_s[32], jerr[384];
	char **argv = calloc((size_t)n_filters + 14, sizeof(*argv));
	rh_build *b = NULL;
	int fd, rc, argc = 0;

	fd = mkstemp(json_path);
	if (fd < 0 || argv == NULL) {
		snprintf(err, errcap, "--build %s: cannot create a temporary file", name);
		goto out;
	}
	close(fd);
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
	rc = run_quietly(argv);
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
	unlink(json_path);
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
