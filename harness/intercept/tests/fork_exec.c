/* SPDX-License-Identifier: MIT */
/* The program forks and execs another program and waits for it: the child
 * runs plainly (no trial, no fork server), the trial goes on. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
	int status;
	pid_t pid = fork();

	if (pid == 0) {
		execl("/bin/true", "true", (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 1;
	printf("child exited with %d\n", WEXITSTATUS(status));
	return WEXITSTATUS(status);
}
