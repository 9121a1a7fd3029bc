/* SPDX-License-Identifier: MIT */
/* cli/capture: what is written to fd 2 between begin and end, by this
 * process and by the children it forks (trials), is caught, not shown. */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

#include "cli/capture.h"

static void test_capture_catches_this_process_and_children(void **state)
{
	char buf[RH_CAPTURE_MAX];
	pid_t pid;

	rh_capture_begin();
	fprintf(stderr, "Bug Found!\n");
	pid = fork();
	if (pid == 0) {
		(void)!write(2, "child says hi\n", 14);
		_exit(0);
	}
	waitpid(pid, NULL, 0);
	rh_capture_end(buf, sizeof(buf));
	RH_ASSERT_STR_EQ(buf, "Bug Found!\nchild says hi\n");
}

static void test_capture_nothing_is_empty_and_bounded(void **state)
{
	char small[8];

	rh_capture_begin();
	rh_capture_end(small, sizeof(small));
	RH_ASSERT_STR_EQ(small, "");
	rh_capture_begin();
	fputs("0123456789", stderr);
	rh_capture_end(small, sizeof(small));
	RH_ASSERT_STR_EQ(small, "0123456");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture_catches_this_process_and_children),
		cmocka_unit_test(test_capture_nothing_is_empty_and_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
