/* SPDX-License-Identifier: MIT */
/* This file is private to the racehunt harness.
 *
 * The commands that live in files of their own, for the dispatcher. */
#ifndef RH_CLI_PRIVATE_H
#define RH_CLI_PRIVATE_H

int rh_cmd_list(int argc, char **argv);
int rh_cmd_run(int argc, char **argv);
int rh_cmd_hunt(int argc, char **argv);
int rh_cmd_compare(int argc, char **argv);
int rh_cmd_merge(int argc, char **argv);
int rh_cmd_exec(int argc, char **argv);

#endif
