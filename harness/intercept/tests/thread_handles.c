/* SPDX-License-Identifier: MIT */
/* The calls that take a pthread_t, given a thread's own handle: each must
 * work (in controlled mode a fiber's handle reaches the OS thread the
 * fibers run on; glibc would crash reading it as a descriptor). With the
 * argument "cancel" main cancels the worker, which controlled mode refuses
 * with one line (exit 2) and stress mode runs. */
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static void *worker(void *arg)
{
	pthread_t me = pthread_self();
	pthread_attr_t attr;
	struct sched_param param;
	cpu_set_t cpus;
	clockid_t clock;
	char name[16];
	int policy;

	if (pthread_setname_np(me, "worker") != 0 || pthread_getname_np(me, name, sizeof(name)) != 0 ||
	    pthread_getattr_np(me, &attr) != 0 || pthread_attr_destroy(&attr) != 0 ||
	    pthread_getaffinity_np(me, sizeof(cpus), &cpus) != 0 ||
	    pthread_getschedparam(me, &policy, &param) != 0 ||
	    pthread_getcpuclockid(me, &clock) != 0 || pthread_kill(me, 0) != 0)
		return (void *)1;
	while (arg != NULL)
		sleep(1); /* a cancellation point: waits to be cancelled */
	return NULL;
}

int main(int argc, char **argv)
{
	int cancel = argc > 1 && strcmp(argv[1], "cancel") == 0;
	pthread_t t;
	void *ret;

	pthread_create(&t, NULL, worker, cancel ? (void *)1 : NULL);
	if (cancel)
		pthread_cancel(t);
	pthread_join(t, &ret);
	return cancel ? ret != PTHREAD_CANCELED : ret != NULL;
}
