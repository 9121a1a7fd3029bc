/* SPDX-License-Identifier: MIT */
/* racehunt — the command line as a library call.
 *
 * The racehunt binary is this call plus every store's scenarios linked in.
 * To hunt in your own store, link its scenario objects with rh_harness and
 * rh_props and call rh_main() from your main(). */
#ifndef RACEHUNT_CLI_H
#define RACEHUNT_CLI_H

#ifdef __cplusplus
extern "C" {
#endif

/* Exit statuses of every command. */
enum {
	RH_EXIT_CLEAN = 0,     /* no violation / hunt: every variant as declared */
	RH_EXIT_VIOLATION = 1, /* violation found / hunt: some variant not as declared */
	RH_EXIT_USAGE = 2,     /* usage or input error, one line on stderr */
	RH_EXIT_HARNESS = 3,   /* harness failure or timeout */
};

int rh_main(int argc, char **argv);

#ifdef __cplusplus
}
#endif

#endif
