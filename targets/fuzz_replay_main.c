/* SPDX-License-Identifier: MIT */
/* Runs fuzz inputs through LLVMFuzzerTestOneInput without libFuzzer: the
 * regression replays of `make check`, in every build (default, asan, tsan).
 *   replay_<target> FILE|DIR...
 * A directory runs every regular file in it, in name order. Each input's
 * name is printed before it runs, so the one that aborts is the last named. */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	uint8_t *buf;
	size_t len;

	if (f == NULL || fstat(fileno(f), &st) != 0) {
		fprintf(stderr, "replay: cannot open %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return 1;
	}
	len = (size_t)st.st_size;
	/* Exactly the input's size, as libFuzzer passes it, so ASan sees a read
	 * past the end. */
	buf = malloc(len ? len : 1);
	if (buf == NULL || fread(buf, 1, len, f) != len) {
		fprintf(stderr, "replay: cannot read %s\n", path);
		free(buf);
		fclose(f);
		return 1;
	}
	fclose(f);
	fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
	LLVMFuzzerTestOneInput(buf, len);
	free(buf);
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int run_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t n = 0;
	int bad = 0;

	if (d == NULL) {
		fprintf(stderr, "replay: cannot open %s: %s\n", dir, strerror(errno));
		return 1;
	}
	while ((e = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
			continue;
		char **nn = realloc(names, (n + 1) * sizeof(*names));
		if (nn == NULL || (nn[n] = strdup(path)) == NULL) {
			fprintf(stderr, "replay: out of memory listing %s\n", dir);
			free(nn ? nn : names);
			closedir(d);
			return 1;
		}
		names = nn;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		bad |= run_file(names[i]);
		free(names[i]);
	}
	free(names);
	return bad;
}

int main(int argc, char **argv)
{
	int bad = 0, runs = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode))
			bad |= run_dir(argv[i]);
		else
			bad |= run_file(argv[i]);
		runs++;
	}
	fprintf(stderr, "replay: %d argument%s, all ran\n", runs, runs == 1 ? "" : "s");
	return bad;
}
