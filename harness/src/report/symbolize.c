/* SPDX-License-Identifier: MIT */
/* {pc:..} and {obj:..} tokens of an exec report, named through
 * llvm-symbolizer: one run per report, every address in one batch. */
#define _GNU_SOURCE
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "symbolize.h"

#define MAX_TOKENS 64

struct token {
	const char *at; /* where it starts in the input */
	size_t len;
	bool data;
	unsigned long off;
	char name[256];
};

static int find_tokens(const char *in, struct token *t)
{
	int n = 0;

	for (const char *p = in; (p = strchr(p, '{')) != NULL && n < MAX_TOKENS; p++) {
		bool data = strncmp(p, "{obj:0x", 7) == 0;
		char *end;

		if (!data && strncmp(p, "{pc:0x", 6) != 0)
			continue;
		t[n].off = strtoul(p + (data ? 5 : 4), &end, 16);
		if (*end != '}')
			continue;
		t[n].at = p;
		t[n].len = (size_t)(end + 1 - p);
		t[n].data = data;
		t[n].name[0] = '\0';
		n++;
	}
	return n;
}

/* Run the symbolizer over the queries; its whole output, or NULL. */
static char *run_symbolizer(const char *prog, const char *queries)
{
	const char *env = getenv("RH_SYMBOLIZER");
	const char *const tools[] = {env ? env : "llvm-symbolizer", "llvm-symbolizer-14"};
	int in[2], out[2];
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap), obj[4096];
	pid_t pid;
	ssize_t r;

	if (buf == NULL || pipe(in) != 0 || pipe(out) != 0) {
		free(buf);
		return NULL;
	}
	snprintf(obj, sizeof(obj), "--obj=%s", prog);
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[0]);
		close(in[1]);
		close(out[0]);
		close(out[1]);
		for (size_t i = 0; i < sizeof(tools) / sizeof(tools[0]); i++)
			execlp(tools[i], tools[i], obj, "--no-inlines", "--functions=short",
			       (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	/* A report has a few dozen queries: far below a pipe's buffer. */
	if (pid > 0)
		(void)!write(in[1], queries, strlen(queries));
	close(in[1]);
	while (pid > 0 && (r = read(out[0], buf + len, cap - len - 1)) > 0) {
		len += (size_t)r;
		if (len + 1 == cap) {
			char *grown = realloc(buf, cap * 2);

			if (grown == NULL)
				break;
			buf = grown;
			cap *= 2;
		}
	}
	close(out[0]);
	buf[len] = '\0';
	if (pid > 0)
		waitpid(pid, NULL, 0);
	if (len == 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Answers come as blank-line-separated records, one per query, in order:
 * "function\nfile:line:column" for code, "symbol\nstart size" for data. */
static void parse_answers(char *text, struct token *t, int n)
{
	char *save = NULL, *line = strtok_r(text, "\n", &save);

	for (int i = 0; i < n && line != NULL; i++) {
		char *second = strtok_r(NULL, "\n", &save);

		if (second == NULL)
			break;
		if (t[i].data) {
			if (strcmp(line, "??") != 0)
				snprintf(t[i].name, sizeof(t[i].name), "%s", line);
		} else if (strncmp(second, "??", 2) != 0) {
			char *colon = strrchr(second, ':');

			/* file:line:column -> file:line */
			if (colon != NULL && colon != strchr(second, ':'))
				*colon = '\0';
			snprintf(t[i].name, sizeof(t[i].name), "%s %s", base_name(second), line);
		}
		line = strtok_r(NULL, "\n", &save);
	}
}

/* Append to out (cap bytes, len used), truncating at the end. */
static void append(char *out, size_t cap, size_t *len, const char *s, size_t n)
{
	if (*len + 1 >= cap)
		return;
	if (n > cap - 1 - *len)
		n = cap - 1 - *len;
	memcpy(out + *len, s, n);
	*len += n;
	out[*len] = '\0';
}

void rh_symbolize(const char *prog, const char *in, char *out, size_t cap)
{
	struct token t[MAX_TOKENS];
	int n = find_tokens(in, t);
	char queries[MAX_TOKENS * 32], *answers;
	size_t qlen = 0, len = 0;
	const char *from = in;

	for (int i = 0; i < n; i++)
		qlen += (size_t)snprintf(queries + qlen, sizeof(queries) - qlen, "%s 0x%lx\n",
					 t[i].data ? "DATA" : "CODE", t[i].off);
	queries[qlen] = '\0';
	answers = n > 0 ? run_symbolizer(prog, queries) : NULL;
	if (answers != NULL)
		parse_answers(answers, t, n);
	free(answers);
	out[0] = '\0';
	for (int i = 0; i < n; i++) {
		append(out, cap, &len, from, (size_t)(t[i].at - from));
		if (t[i].name[0] == '\0')
			snprintf(t[i].name, sizeof(t[i].name), "%s+0x%lx", base_name(prog), t[i].off);
		append(out, cap, &len, t[i].name, strlen(t[i].name));
		from = t[i].at + t[i].len;
	}
	append(out, cap, &len, from, strlen(from));
}

bool rh_symbolize_source(const char *prog, const char *in, char *file, size_t cap,
			 unsigned *line)
{
	struct token t[MAX_TOKENS];
	int n = find_tokens(in, t);
	char query[64], *answer, *save = NULL, *where, *colon;
	bool found = false;

	for (int i = 0; i < n && !found; i++) {
		if (t[i].data)
			continue;
		snprintf(query, sizeof(query), "CODE 0x%lx\n", t[i].off);
		answer = run_symbolizer(prog, query);
		/* "function\nfile:line:column" */
		where = answer ? (strtok_r(answer, "\n", &save), strtok_r(NULL, "\n", &save)) : NULL;
		colon = where ? strrchr(where, ':') : NULL;
		if (colon != NULL && colon != strchr(where, ':'))
			*colon = '\0'; /* drop the column */
		colon = where ? strrchr(where, ':') : NULL;
		if (colon != NULL && strncmp(where, "??", 2) != 0 && atoi(colon + 1) > 0) {
			*colon = '\0';
			snprintf(file, cap, "%s", where);
			*line = (unsigned)atoi(colon + 1);
			found = true;
		}
		free(answer);
	}
	return found;
}
