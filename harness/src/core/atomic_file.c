/* SPDX-License-Identifier: MIT */
/* Result files written whole or not at all: temporary file + rename. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/atomic_file.h"

/* Temporaries still open, for rh_atomic_file_abort_all: process-wide because
 * a signal handler must reach them, and a handler has no context argument. */
#define RH_ATOMIC_FILES_MAX 16
static char *open_tmps[RH_ATOMIC_FILES_MAX];

static int track(char *tmp)
{
	for (int i = 0; i < RH_ATOMIC_FILES_MAX; i++) {
		char *expected = NULL;

		if (__atomic_compare_exchange_n(&open_tmps[i], &expected, tmp, false,
						__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
			return i;
	}
	return -1;
}

static void untrack(rh_atomic_file *af)
{
	if (af->slot >= 0)
		__atomic_store_n(&open_tmps[af->slot], NULL, __ATOMIC_SEQ_CST);
	af->slot = -1;
}

bool rh_atomic_file_open(rh_atomic_file *af, const char *path, char *err, size_t errcap)
{
	struct stat st;
	int fd;

	memset(af, 0, sizeof(*af));
	af->slot = -1;
	af->path = strdup(path);
	if (af->path == NULL)
		goto oom;
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		af->f = fopen(path, "w");
		if (af->f == NULL)
			goto fail;
		return true;
	}
	if (asprintf(&af->tmp, "%s.tmp-XXXXXX", path) < 0) {
		af->tmp = NULL;
		goto oom;
	}
	fd = mkostemp(af->tmp, O_CLOEXEC);
	if (fd < 0)
		goto fail;
	af->slot = track(af->tmp);
	/* mkstemp makes 0600; a result file is as readable as any other. */
	(void)fchmod(fd, 0644);
	af->f = fdopen(fd, "w");
	if (af->f == NULL) {
		close(fd);
		rh_atomic_file_abort(af);
		snprintf(err, errcap, "cannot write '%s': %s", path, strerror(errno));
		return false;
	}
	return true;
fail:
	snprintf(err, errcap, "cannot write '%s': %s", path, strerror(errno));
	free(af->tmp);
	free(af->path);
	memset(af, 0, sizeof(*af));
	return false;
oom:
	snprintf(err, errcap, "out of memory opening '%s'", path);
	free(af->path);
	memset(af, 0, sizeof(*af));
	return false;
}

static void release(rh_atomic_file *af)
{
	untrack(af);
	free(af->tmp);
	free(af->path);
	memset(af, 0, sizeof(*af));
	af->slot = -1;
}

bool rh_atomic_file_commit(rh_atomic_file *af, char *err, size_t errcap)
{
	bool ok = true;
	int e = 0;

	if (fflush(af->f) != 0 || ferror(af->f)) {
		ok = false;
		e = errno;
	}
	if (fclose(af->f) != 0 && ok) {
		ok = false;
		e = errno;
	}
	af->f = NULL;
	if (ok && af->tmp != NULL && rename(af->tmp, af->path) != 0) {
		ok = false;
		e = errno;
	}
	if (!ok) {
		snprintf(err, errcap, "cannot write '%s': %s", af->path, strerror(e ? e : EIO));
		if (af->tmp != NULL)
			unlink(af->tmp);
	}
	release(af);
	return ok;
}

void rh_atomic_file_abort(rh_atomic_file *af)
{
	if (af->f != NULL)
		fclose(af->f);
	af->f = NULL;
	if (af->tmp != NULL)
		unlink(af->tmp);
	release(af);
}

void rh_atomic_file_abort_all(void)
{
	for (int i = 0; i < RH_ATOMIC_FILES_MAX; i++) {
		char *tmp = __atomic_load_n(&open_tmps[i], __ATOMIC_SEQ_CST);

		if (tmp != NULL)
			unlink(tmp);
	}
}
