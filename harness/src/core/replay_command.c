/* SPDX-License-Identifier: MIT */
/* The replay command of a controlled schedule, quoted for a shell. */
#include <stdio.h>
#include <string.h>

#include "core/replay_command.h"
#include "core/util.h"

void rh_shell_quote_append(char *buf, size_t cap, const char *s)
{
	size_t n = strlen(buf);

	if (n + 1 >= cap)
		return;
	buf[n++] = '\'';
	/* Room is kept for the closing quote and the NUL. */
	for (; *s; s++) {
		if (*s == '\'' && n + 6 <= cap) {
			memcpy(buf + n, "'\\''", 4);
			n += 4;
		} else if (*s != '\'' && n + 3 <= cap) {
			buf[n++] = *s;
		} else {
			break;
		}
	}
	if (n + 1 < cap)
		buf[n++] = '\'';
	buf[n] = '\0';
}

char *rh_replay_command(char *buf, size_t cap, const char *schedule)
{
	if (cap == 0)
		return buf;
	snprintf(buf, cap, "%s replay ", rh_program);
	rh_shell_quote_append(buf, cap, schedule);
	return buf;
}
