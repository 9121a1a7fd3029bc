/* SPDX-License-Identifier: MIT */
/* A trial's output, caught in a memory file (trial_output.h). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>

#include "trial_output.h"

void rh__output_open(rh_trial_output *o)
{
	o->file = memfd_create("racehunt-trial-output", MFD_CLOEXEC);
	o->out = dup(STDOUT_FILENO);
	o->err = dup(STDERR_FILENO);
	/* Appending: writes after the file is emptied start at its beginning
	 * again, whichever process (or duplicated fd) made them. */
	if (o->file < 0 || o->out < 0 || o->err < 0 ||
	    fcntl(o->file, F_SETFL, fcntl(o->file, F_GETFL) | O_APPEND) != 0)
		rh__output_close(o);
}

void rh__output_close(rh_trial_output *o)
{
	for (int *fd = &o->file; fd <= &o->err; fd++) {
		if (*fd >= 0)
			close(*fd);
		*fd = -1;
	}
}

void rh__output_begin(const rh_trial_output *o)
{
	if (o == NULL || o->file < 0)
		return;
	fflush(stdout);
	dup2(o->file, STDOUT_FILENO);
	dup2(o->file, STDERR_FILENO);
}

void rh__output_end(const rh_trial_output *o, char *tail, size_t cap)
{
	if (o == NULL || o->file < 0)
		return;
	fflush(stdout);
	dup2(o->out, STDOUT_FILENO);
	dup2(o->err, STDERR_FILENO);
	rh__output_collect(o, tail, cap);
}

void rh__file_tail(int fd, char *tail, size_t cap)
{
	struct stat st;
	off_t from;
	ssize_t n;
	char *nl;

	tail[0] = '\0';
	if (fstat(fd, &st) != 0 || st.st_size == 0)
		return;
	from = st.st_size > (off_t)cap - 1 ? st.st_size - (off_t)cap + 1 : 0;
	n = pread(fd, tail, cap - 1, from);
	tail[n > 0 ? n : 0] = '\0';
	if (from > 0 && (nl = strchr(tail, '\n')) != NULL)
		memmove(tail, nl + 1, strlen(nl + 1) + 1);
}

void rh__output_collect(const rh_trial_output *o, char *tail, size_t cap)
{
	struct stat st;
	char buf[4096];
	off_t at = 0;
	ssize_t n;

	if (o == NULL || o->file < 0 || fstat(o->file, &st) != 0 || st.st_size == 0)
		return;
	if (tail != NULL && cap > 0)
		rh__file_tail(o->file, tail, cap);
	while ((n = pread(o->file, buf, sizeof(buf), at)) > 0) {
		ssize_t w = write(STDERR_FILENO, buf, (size_t)n);

		if (w <= 0)
			break;
		at += w;
	}
	/* A memory file can always be emptied; were it not, the next trial's
	 * tail would only start with this one's output. */
	(void)ftruncate(o->file, 0);
}
