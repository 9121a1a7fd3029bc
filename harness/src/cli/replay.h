/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * `racehunt replay` and `racehunt shrink`: the command front-ends over one
 * controlled schedule string. */
#ifndef RH_CLI_REPLAY_H
#define RH_CLI_REPLAY_H

/* Exit status as the command line documents. */
int rh_cmd_replay(int argc, char **argv);
int rh_cmd_shrink(int argc, char **argv);

#endif
