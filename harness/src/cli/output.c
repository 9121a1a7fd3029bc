/* SPDX-License-Identifier: MIT */
/* Result files written whole, "-" as standard output, and checked writes. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/util.h"
#include "options.h"
#include "output.h"
#include "racehunt/cli.h"

int rh_output_open(rh_output *o, const char *option, const char *path)
{
	/* An exit on the way (rh_die) must not leave a temporary behind. */
	static bool registered;
	char err[512];

	memset(o, 0, sizeof(*o));
	o->option = option;
	o->path = path;
	if (path == NULL)
		return RH_EXIT_CLEAN;
	if (path[0] == '\0')
		return rh_usage_error("%s needs a file name or -", option);
	if (strcmp(path, "-") == 0) {
		/* Keep stdout for the file alone; the report goes to stderr. */
		int fd;

		fflush(stdout);
		fd = dup(STDOUT_FILENO);
		if (fd < 0 || (o->f = fdopen(fd, "w")) == NULL)
			rh_die("cannot duplicate stdout for %s -", option);
		dup2(STDERR_FILENO, STDOUT_FILENO);
		o->to_stdout = true;
		return RH_EXIT_CLEAN;
	}
	if (!registered)
		registered = atexit(rh_atomic_file_abort_all) == 0;
	if (!rh_atomic_file_open(&o->af, path, err, sizeof(err)))
		return rh_usage_error("%s: %s", option, err);
	o->f = o->af.f;
	return RH_EXIT_CLEAN;
}

int rh_output_commit(rh_output *o)
{
	char err[512];
	bool ok;

	if (o->f == NULL)
		return RH_EXIT_CLEAN;
	if (o->to_stdout) {
		ok = fflush(o->f) == 0 && !ferror(o->f);
		snprintf(err, sizeof(err), "cannot write standard output: %s",
			 strerror(errno ? errno : EIO));
		ok &= fclose(o->f) == 0;
	} else {
		ok = rh_atomic_file_commit(&o->af, err, sizeof(err));
	}
	o->f = NULL;
	if (ok)
		return RH_EXIT_CLEAN;
	fflush(stdout);
	fprintf(stderr, "racehunt: %s: %s\n", o->option, err);
	return RH_EXIT_HARNESS;
}

void rh_output_abort(rh_output *o)
{
	if (o->f == NULL)
		return;
	if (o->to_stdout)
		fclose(o->f);
	else
		rh_atomic_file_abort(&o->af);
	o->f = NULL;
}

/* path with its directory resolved ("./a.json" and "a.json" alike), in buf;
 * false when the directory does not resolve. */
static bool canonical(const char *path, char *buf, size_t cap)
{
	const char *slash = strrchr(path, '/');
	char dir[PATH_MAX], real[PATH_MAX];

	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path) + (slash == path), path);
	if (realpath(dir, real) == NULL)
		return false;
	return (size_t)snprintf(buf, cap, "%s/%s", real, slash ? slash + 1 : path) < cap;
}

int rh_output_distinct(const char *opt_a, const char *a, const char *opt_b, const char *b)
{
	char ca[2 * PATH_MAX], cb[2 * PATH_MAX];
	struct stat sa, sb;
	bool same;

	if (a == NULL || b == NULL)
		return RH_EXIT_CLEAN;
	same = strcmp(a, b) == 0 ||
	       (stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
		sa.st_ino == sb.st_ino && S_ISREG(sa.st_mode)) ||
	       (canonical(a, ca, sizeof(ca)) && canonical(b, cb, sizeof(cb)) &&
		strcmp(ca, cb) == 0 && strcmp(a, "-") != 0 && strcmp(b, "-") != 0);
	if (same)
		return rh_usage_error("%s and %s name one file ('%s'); give each its own", opt_a,
				      opt_b, b);
	return RH_EXIT_CLEAN;
}

int rh_output_check_stdout(int status)
{
	bool earlier = ferror(stdout) != 0;

	if (fflush(stdout) == 0 && !earlier)
		return status;
	/* A line-buffered stdout failed at some earlier line: its errno is gone. */
	if (earlier)
		fprintf(stderr, "racehunt: cannot write standard output: a write failed\n");
	else
		fprintf(stderr, "racehunt: cannot write standard output: %s\n", strerror(errno));
	return RH_EXIT_HARNESS;
}
