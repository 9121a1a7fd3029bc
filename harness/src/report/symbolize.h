/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * Source locations for the addresses an exec trial reports: the runtime
 * writes "{pc:0xOFF}" and "{obj:0xOFF}" (offsets in the program's file),
 * these become "file.c:12 function" and a variable's name, through
 * llvm-symbolizer ($RH_SYMBOLIZER, else llvm-symbolizer or
 * llvm-symbolizer-14 on PATH). Without one, offsets stay as PROG+0xOFF. */
#ifndef RH_REPORT_SYMBOLIZE_H
#define RH_REPORT_SYMBOLIZE_H

#include <stdbool.h>
#include <stddef.h>

void rh_symbolize(const char *prog, const char *in, char *out, size_t cap);
/* The source file (as the debug information names it) and line of the first
 * {pc:..} token in `in` that the symbolizer resolves; false when none does. */
bool rh_symbolize_source(const char *prog, const char *in, char *file, size_t cap,
			 unsigned *line);

#endif
