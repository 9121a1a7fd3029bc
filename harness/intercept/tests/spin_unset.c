/* SPDX-License-Identifier: MIT */
/* A thread spins on a flag that nobody sets while main waits for it in
 * pthread_join: under controlled mode's fair scheduling the spinner yields
 * to nobody, re-reads the unchanged flag for ever, and is a LIVELOCK naming
 * the flag and the line of the loop. Its partner, spin_late.c, is set. */
#include <pthread.h>
#include <stdatomic.h>

/* Not static, so the compiler cannot prove the loops away. */
atomic_int go;

static void *waiter(void *arg)
{
	while (!atomic_load_explicit(&go, memory_order_acquire))
		continue;
	return arg;
}

int main(void)
{
	pthread_t t;

	atomic_store(&go, 0);
	pthread_create(&t, NULL, waiter, NULL);
	pthread_join(t, NULL);
	return 0;
}
