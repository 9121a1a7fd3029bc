/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * Result files written whole or not at all: written to a temporary file
 * beside the target and renamed over it on commit, so an interrupted or
 * failed run leaves the old file intact, never a truncated one. A target that
 * exists and is not a regular file (/dev/stdout, /dev/full, a FIFO) is
 * written in place: renaming over a device would replace the device. */
#ifndef RH_CORE_ATOMIC_FILE_H
#define RH_CORE_ATOMIC_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

typedef struct rh_atomic_file {
	FILE *f;     /* write here between open and commit/abort */
	char *path;  /* the target */
	char *tmp;   /* the temporary beside it, NULL when written in place */
	int slot;    /* in the process-wide list rh_atomic_file_abort_all walks */
} rh_atomic_file;

/* Open path for a whole-file write; false with a one-line reason. */
bool rh_atomic_file_open(rh_atomic_file *af, const char *path, char *err, size_t errcap);
/* Flush, close and rename into place; false with a reason (nothing is left
 * behind: the temporary is removed, the old target kept) when any write,
 * the close or the rename failed. The caller exits 3 on false. */
bool rh_atomic_file_commit(rh_atomic_file *af, char *err, size_t errcap);
/* Close and remove the temporary; the target is left as it was. */
void rh_atomic_file_abort(rh_atomic_file *af);
/* Remove every open temporary; async-signal-safe (unlink only), for a run
 * that is interrupted or dies. */
void rh_atomic_file_abort_all(void);

#endif
