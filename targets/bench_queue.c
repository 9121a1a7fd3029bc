/* SPDX-License-Identifier: MIT */
/* bench_queue — fan-out throughput of the queue store's variants.
 *
 * The fix-strategy document claims strategy 1 (immutable items, per-consumer
 * history) "performs best". This measures it: N items are enqueued, then K
 * consumer threads released together each read every item; the rate is item
 * reads per second over that phase, median of 5 runs, and its ratio to the
 * unsynchronised original (buggy). Runs of the variants alternate, so a
 * change in machine load hits them all alike. Each run is a forked child,
 * because buggy can corrupt the heap (a torn publication of the event array
 * and its capacity overruns the block) and crash; failed runs are counted
 * and retried. Should buggy fail every attempt, the ratios are taken to
 * prealloc instead: the same unsynchronised append minus the realloc.
 *
 *   bench_queue [items] [consumers]      defaults 20000 and 4 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "queue.h"

#define RUNS 5
#define MAX_ATTEMPTS 20
#define MAX_CONSUMERS 64

struct run {
	rhq_queue q;
	rhq_consumer cons[MAX_CONSUMERS];
	pthread_barrier_t start;
	unsigned long items;
	_Atomic int failed;
};

struct worker {
	struct run *r;
	unsigned id;
};

static void *consumer_main(void *arg)
{
	struct worker *w = arg;
	rhq_consumer *c = &w->r->cons[w->id];
	unsigned long got = 0;
	int err = 0;

	pthread_barrier_wait(&w->r->start);
	while (rhq_read(c, &err) != NULL)
		got++;
	if (err != 0 || got != w->r->items)
		w->r->failed = 1;
	return NULL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One run in this process: nanoseconds for the consuming phase, 0 on error. */
static uint64_t run_once(rhq_variant v, unsigned long items, unsigned consumers)
{
	static struct run r;
	pthread_t th[MAX_CONSUMERS];
	struct worker w[MAX_CONSUMERS];
	unsigned char payload[64];
	uint64_t t0, t1;

	memset(payload, 0x5a, sizeof payload);
	if (rhq_queue_init(&r.q, v, consumers) != 0)
		return 0;
	r.items = items;
	for (unsigned long i = 0; i < items; i++)
		if (rhq_enqueue(&r.q, payload, sizeof payload, NULL) != 0)
			return 0;
	pthread_barrier_init(&r.start, NULL, consumers + 1);
	for (unsigned k = 0; k < consumers; k++) {
		rhq_consumer_init(&r.cons[k], &r.q, k);
		w[k] = (struct worker){.r = &r, .id = k};
		if (pthread_create(&th[k], NULL, consumer_main, &w[k]) != 0)
			return 0;
	}
	t0 = now_ns();
	pthread_barrier_wait(&r.start);
	for (unsigned k = 0; k < consumers; k++)
		pthread_join(th[k], NULL);
	t1 = now_ns();
	return r.failed ? 0 : t1 - t0;
}

/* The run in a child: its time through a pipe; 0 when it crashed or failed. */
static uint64_t run_forked(rhq_variant v, unsigned long items, unsigned consumers)
{
	int fd[2];
	pid_t pid;
	uint64_t ns = 0;
	int status;

	if (pipe(fd) != 0)
		return 0;
	pid = fork();
	if (pid < 0)
		return 0;
	if (pid == 0) {
		uint64_t x;

		/* glibc's heap-corruption messages would bury the table. */
		if (freopen("/dev/null", "w", stderr) == NULL)
			_exit(1);
		x = run_once(v, items, consumers);
		close(fd[0]);
		if (write(fd[1], &x, sizeof x) != (ssize_t)sizeof x)
			_exit(1);
		_exit(0);
	}
	close(fd[1]);
	if (read(fd[0], &ns, sizeof ns) != (ssize_t)sizeof ns)
		ns = 0;
	close(fd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		ns = 0;
	return ns;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	static const rhq_variant order[] = {RHQ_BUGGY, RHQ_IMMUTABLE, RHQ_MUTEX, RHQ_PREALLOC};
	enum { N = sizeof order / sizeof order[0] };
	unsigned long items = argc > 1 ? strtoul(argv[1], NULL, 10) : 20000;
	unsigned consumers = argc > 2 ? (unsigned)strtoul(argv[2], NULL, 10) : 4;
	double rate[N] = {0};
	uint64_t ns[N][RUNS];
	unsigned ok[N] = {0}, crashed[N] = {0}, attempts[N] = {0};
	size_t base;

	if (items == 0 || consumers == 0 || consumers > MAX_CONSUMERS) {
		fprintf(stderr, "bench_queue: usage: bench_queue [items>0] [consumers 1..%d]\n",
			MAX_CONSUMERS);
		return 2;
	}
	for (unsigned a = 0; a < MAX_ATTEMPTS; a++) {
		bool more = false;

		for (size_t i = 0; i < N; i++) {
			uint64_t x;

			if (ok[i] == RUNS)
				continue;
			x = run_forked(order[i], items, consumers);
			attempts[i]++;
			if (x == 0)
				crashed[i]++;
			else
				ns[i][ok[i]++] = x;
			more |= ok[i] < RUNS;
		}
		if (!more)
			break;
	}
	for (size_t i = 0; i < N; i++) {
		if (ok[i] < RUNS)
			continue;
		qsort(ns[i], RUNS, sizeof ns[i][0], cmp_u64);
		rate[i] = (double)items * consumers / ((double)ns[i][RUNS / 2] / 1e9);
	}
	base = rate[0] > 0 ? 0 : N - 1; /* buggy, else prealloc (see above) */
	printf("fan-out: %lu items x %u consumers, median of %d runs, ratio to %s\n", items,
	       consumers, RUNS, rhq_variant_name(order[base]));
	printf("%-10s %14s %8s %s\n", "variant", "reads/s", "ratio", "failed runs");
	for (size_t i = 0; i < N; i++) {
		if (rate[i] == 0)
			printf("%-10s %14s %8s %u of %u\n", rhq_variant_name(order[i]), "-", "-",
			       crashed[i], attempts[i]);
		else
			printf("%-10s %14.0f %7.2fx %u of %u\n", rhq_variant_name(order[i]), rate[i],
			       rate[base] > 0 ? rate[i] / rate[base] : 0.0, crashed[i], attempts[i]);
	}
	return 0;
}
