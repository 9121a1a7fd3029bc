/* SPDX-License-Identifier: MIT */
/* What controlled mode refuses with one line (exit 2) rather than guess:
 * "ctor_barrier" waits at a barrier initialised by a constructor, before
 * the trial (its count is in glibc's private layout); "sems N" initialises N
 * semaphores, more than the model's table holds when N > 4096. Both run in
 * stress mode. */
#include <pthread.h>
#include <semaphore.h>
#include <stdlib.h>
#include <string.h>

static pthread_barrier_t early;

__attribute__((constructor)) static void init_early(void)
{
	pthread_barrier_init(&early, NULL, 1);
}

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "ctor_barrier") == 0)
		return pthread_barrier_wait(&early) == PTHREAD_BARRIER_SERIAL_THREAD ? 0 : 1;
	if (argc > 2 && strcmp(argv[1], "sems") == 0) {
		int n = atoi(argv[2]);
		sem_t *s = calloc((size_t)n, sizeof(*s));

		for (int i = 0; s != NULL && i < n; i++)
			if (sem_init(&s[i], 0, 1) != 0 || sem_wait(&s[i]) != 0)
				return 1;
		free(s);
		return s == NULL;
	}
	return 2;
}
