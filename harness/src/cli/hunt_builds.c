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

struct rh_build {
	char *name;
	rh_jvalue *cells;
};

static char *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long size;

	if (f == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)size + 1)) != NULL) {
		*len = fread(buf, 1, (size_t)size, f);
		buf[*len] = '\0';
	}
	fclose(f);
	return buf;
}

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

rh_build *rh_build_hunt(const char *name, const char *path, char **filters, int n_filters,
			uint64_t seed, uint64_t trials, char *err, size_t errcap)
{
	char json_path[] = "/tmp/racehunt-build-XXXXXX", seed_s[32], trials_s[32], jerr[128];
	char **argv = calloc((size_t)n_filters + 12, sizeof(*argv));
	rh_build *b = NULL;
	size_t len = 0, at;
	char *text = NULL;
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
	argv[argc++] = "--json";
	argv[argc++] = json_path;
	rc = run_quietly(argv);
	if (rc != 0 && rc != 1) {
		snprintf(err, errcap, "--build %s: '%s hunt' exited with status %d", name, path, rc);
		goto out;
	}
	text = read_whole(json_path, &len);
	b = calloc(1, sizeof(*b));
	if (text == NULL || b == NULL) {
		snprintf(err, errcap, "--build %s: no result file from '%s'", name, path);
		goto fail;
	}
	b->cells = rh_json_parse(text, len, &at, jerr, sizeof(jerr));
	if (b->cells == NULL || b->cells->type != RH_JARRAY) {
		snprintf(err, errcap, "--build %s: bad result JSON at byte %zu: %s", name, at,
			 b->cells ? "not an array" : jerr);
		goto fail;
	}
	b->name = strdup(name);
	goto out;
fail:
	if (b != NULL)
		rh_json_free(b->cells);
	free(b);
	b = NULL;
out:
	unlink(json_path);
	free(text);
	free(argv);
	return b;
}

const char *rh_build_name(const rh_build *b)
{
	return b->name;
}

static const char *string_of(const rh_jvalue *obj, const char *key)
{
	const rh_jvalue *v = rh_json_get(obj, key);

	return v && v->type == RH_JSTRING ? v->string : "";
}

static double number_of(const rh_jvalue *obj, const char *key)
{
	const rh_jvalue *v = rh_json_get(obj, key);

	return v && v->type == RH_JNUMBER ? v->number : 0;
}

const rh_jvalue *rh_build_result(const rh_build *b, const char *scenario, const char *variant)
{
	for (size_t i = 0; i < b->cells->n; i++) {
		const rh_jvalue *r = rh_json_get(&b->cells->items[i], "result");

		if (r != NULL && strcmp(string_of(r, "scenario"), scenario) == 0 &&
		    strcmp(string_of(r, "variant"), variant) == 0)
			return r;
	}
	return NULL;
}

bool rh_build_cell(const rh_build *b, const char *scenario, const char *variant, char *cell,
		   size_t cap, bool *detected)
{
	const rh_jvalue *r = rh_build_result(b, scenario, variant), *first;
	double sanitized, failed;

	if (r == NULL)
		return false;
	sanitized = number_of(r, "sanitizer_trials");
	failed = number_of(r, "violations");
	first = rh_json_get(r, "first");
	*detected = failed > 0;
	if (sanitized > 0)
		snprintf(cell, cap, "%s REPORT + %s", string_of(r, "build"),
			 first ? string_of(first, "kind") : "?");
	else if (failed > 0)
		snprintf(cell, cap, "%s silent; %s", string_of(r, "build"),
			 first ? string_of(first, "kind") : "?");
	else
		snprintf(cell, cap, "clean %.0f trials", number_of(r, "trials_run"));
	return true;
}

void rh_build_free(rh_build *b)
{
	if (b == NULL)
		return;
	rh_json_free(b->cells);
	free(b->name);
	free(b);
}
