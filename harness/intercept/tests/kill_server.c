/* SPDX-License-Identifier: MIT */
/* The program kills its parent, racehunt's fork server: racehunt says so on
 * one line and exits 3, it neither hangs nor dies of SIGPIPE. */
#include <signal.h>
#include <unistd.h>

int main(void)
{
	kill(getppid(), SIGKILL);
	return 0;
}
