/* SPDX-License-Identifier: MIT */
/* main() of every racehunt binary (library racehunt_main, racehunt::main once
 * installed): the command line over whichever scenarios are linked in, the
 * reference stores' in racehunt itself, a user's own in theirs. */
#include "racehunt/cli.h"

int main(int argc, char **argv)
{
	return rh_main(argc, argv);
}
