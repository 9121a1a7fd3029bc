/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * The one formatter of the command that replays a recorded controlled
 * schedule, "<racehunt> replay '<schedule>'", as reports, traces, shrink and
 * the fuzzers print it. The schedule is quoted for a POSIX shell, so a line
 * pasted from a report runs exactly that schedule whatever it holds. */
#ifndef RH_CORE_REPLAY_COMMAND_H
#define RH_CORE_REPLAY_COMMAND_H

#include <stddef.h>

/* The command into buf (cut to cap - 1 bytes); returns buf. */
char *rh_replay_command(char *buf, size_t cap, const char *schedule);
/* s single-quoted for a POSIX shell ('it'\''s') appended at buf's end. */
void rh_shell_quote_append(char *buf, size_t cap, const char *s);

#endif
