/* SPDX-License-Identifier: MIT */
/* stderr caught while one piece of work runs. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "capture.h"

/* Process-wide because the exit path (rh_die inside the work) must put
 * stderr back and show what was caught, and atexit passes no context. */
static struct {
	FILE *tmp;
	int saved;
} capture = {NULL, -1};

static void capture_restore(void)
{
	if (capture.tmp == NULL)
		return;
	fflush(stderr);
	dup2(capture.saved, STDERR_FILENO);
	close(capture.saved);
	capture.saved = -1;
}

static void capture_at_exit(void)
{
	FILE *tmp = capture.tmp;
	char buf[4096];
	size_t n;

	capture_restore();
	capture.tmp = NULL;
	if (tmp == NULL)
		return;
	rewind(tmp);
	while ((n = fread(buf, 1, sizeof(buf), tmp)) > 0)
		fwrite(buf, 1, n, stderr);
	fclose(tmp);
}

void rh_capture_begin(void)
{
	static bool registered;

	if (!registered)
		registered = atexit(capture_at_exit) == 0;
	fflush(stderr);
	capture.tmp = tmpfile();
	capture.saved = capture.tmp ? dup(STDERR_FILENO) : -1;
	if (capture.saved < 0 || dup2(fileno(capture.tmp), STDERR_FILENO) < 0) {
		if (capture.tmp)
			fclose(capture.tmp);
		if (capture.saved >= 0)
			close(capture.saved);
		capture.tmp = NULL;
		capture.saved = -1;
	}
}

void rh_capture_end(char *buf, size_t cap)
{
	FILE *tmp = capture.tmp;
	size_t n = 0;

	buf[0] = '\0';
	capture_restore();
	capture.tmp = NULL;
	if (tmp == NULL)
		return;
	rewind(tmp);
	n = fread(buf, 1, cap - 1, tmp);
	buf[n] = '\0';
	fclose(tmp);
}

