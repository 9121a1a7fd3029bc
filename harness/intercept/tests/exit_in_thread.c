/* SPDX-License-Identifier: MIT */
/* A thread ends the whole program with exit(STATUS): the trial's verdict is
 * that status, as for a return from main. */
#include <pthread.h>
#include <stdlib.h>

static void *quit(void *status)
{
	exit(atoi(status));
}

int main(int argc, char **argv)
{
	pthread_t t;

	pthread_create(&t, NULL, quit, argc > 1 ? argv[1] : "0");
	pthread_join(t, NULL);
	return 0;
}
