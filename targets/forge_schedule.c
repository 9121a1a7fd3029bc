/* SPDX-License-Identifier: MIT */
/* forge_schedule BODY: prints BODY:CHECK, BODY with the checksum a schedule
 * string ends with. The checksum detects damage, not intent: this is how a
 * test writes strings whose fields are hostile (0, the maximum, one past it,
 * values that wrap 32 or 64 bits) yet pass the checksum, to show that every
 * door into a schedule refuses them the same way (ci/hostile/forge). */
#include <stdio.h>
#include <string.h>

#include "controlled/sched.h"

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: forge_schedule 'rh1:SCENARIO:...:nCHOICESfFP'\n");
		return 2;
	}
	printf("%s:%08x\n", argv[1], (unsigned)rh_fnv1a(RH_FNV_BASIS, argv[1], strlen(argv[1])));
	return 0;
}
