/* SPDX-License-Identifier: MIT */
/* --junit and --sarif for run and hunt: opened first, written whole last. */
#include <stdio.h>
#include <string.h>

#include "options.h"
#include "racehunt/cli.h"
#include "report/ci.h"
#include "report_files.h"

static int open_one(rh_report_file *f, const char *opt, const char *path)
{
	char err[512];

	f->path = path;
	if (path == NULL || strcmp(path, "-") == 0)
		return RH_EXIT_CLEAN;
	if (!rh_atomic_file_open(&f->af, path, err, sizeof(err)))
		return rh_usage_error("%s: %s", opt, err);
	f->open = true;
	return RH_EXIT_CLEAN;
}

int rh_report_files_open(rh_report_files *f, const char *junit, const char *sarif)
{
	int rc;

	memset(f, 0, sizeof(*f));
	rc = open_one(&f->junit, "--junit", junit);
	if (rc == RH_EXIT_CLEAN)
		rc = open_one(&f->sarif, "--sarif", sarif);
	if (rc != RH_EXIT_CLEAN)
		rh_report_files_abandon(f);
	return rc;
}

bool rh_report_files_wanted(const rh_report_files *f)
{
	return f->junit.path != NULL || f->sarif.path != NULL;
}

static void drop(rh_report_file *f)
{
	if (f->open)
		rh_atomic_file_abort(&f->af);
	memset(f, 0, sizeof(*f));
}

void rh_report_files_abandon(rh_report_files *f)
{
	drop(&f->junit);
	drop(&f->sarif);
}

static FILE *out_of(rh_report_file *f)
{
	return f->open ? f->af.f : stdout;
}

static int finish(rh_report_file *f, const char *opt)
{
	char err[512];
	bool ok;

	if (!f->open) { /* "-" */
		ok = fflush(stdout) == 0 && !ferror(stdout);
		snprintf(err, sizeof(err), "write error on standard output");
	} else {
		ok = rh_atomic_file_commit(&f->af, err, sizeof(err));
	}
	if (!ok)
		fprintf(stderr, "racehunt: cannot complete the %s file '%s': %s\n", opt, f->path,
			err);
	memset(f, 0, sizeof(*f));
	return ok ? RH_EXIT_CLEAN : RH_EXIT_HARNESS;
}

int rh_report_files_write(rh_report_files *f, const rh_hunt_cells *l, const char *name, int argc,
			  char **argv)
{
	int rc = RH_EXIT_CLEAN;

	if (f->junit.path != NULL) {
		rh_junit_write(out_of(&f->junit), l, name);
		rc = finish(&f->junit, "--junit");
	}
	if (f->sarif.path != NULL) {
		rh_sarif_write(out_of(&f->sarif), l, argc, argv);
		if (finish(&f->sarif, "--sarif") != RH_EXIT_CLEAN)
			rc = RH_EXIT_HARNESS;
	}
	return rc;
}

int rh_report_files_run(rh_report_files *f, const rh_campaign *c, const rh_result *r, int argc,
			char **argv)
{
	rh_hunt_cells cells = {0};
	int rc;

	rh_hunt_cells_add(&cells, c->strategy, c, r);
	rc = rh_report_files_write(f, &cells, "racehunt run", argc, argv);
	rh_hunt_cells_free(&cells);
	return rc;
}
