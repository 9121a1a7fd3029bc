/* SPDX-License-Identifier: MIT */
/* The program exits in a constructor, before main: it never becomes a fork
 * server, and racehunt refuses it on one line (exit 2). */
#include <stdlib.h>

__attribute__((constructor)) static void leave(void)
{
	exit(4);
}

int main(void)
{
	return 0;
}
