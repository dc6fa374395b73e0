/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A fuzz target as a plain program (no clang needed): every file of the
 * directories or files given (default: $CONDUIT_SRCDIR/tests/fuzz/corpus/
 * NAME) goes through LLVMFuzzerTestOneInput once; `make check` runs it so.
 * An empty corpus is a broken test, not a pass.
 */
#ifndef CONDUIT_TESTS_FUZZ_REPLAY_H
#define CONDUIT_TESTS_FUZZ_REPLAY_H

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long len;

	if (!f)
		return -1;
	if (fseek(f, 0, SEEK_END) || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return -1;
	}
	buf = malloc(len ? (size_t)len : 1);
	if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	LLVMFuzzerTestOneInput(buf, (size_t)len);
	free(buf);
	return 0;
}

static int replay_path(const char *path, unsigned int *n)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if (stat(path, &st))
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		(*n)++;
		return replay_file(path);
	}
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char sub[4096];

		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (replay_path(sub, n))
			rc = -1;
	}
	closedir(d);
	return rc;
}

static int replay_main(const char *name, int argc, char **argv)
{
	char dflt[4096];
	unsigned int n = 0;
	int rc = 0;

	if (argc < 2) {
		const char *src = getenv("CONDUIT_SRCDIR");

		snprintf(dflt, sizeof(dflt), "%s/tests/fuzz/corpus/%s", src ? src : ".", name);
		rc = replay_path(dflt, &n);
	}
	for (int i = 1; i < argc; i++)
		if (replay_path(argv[i], &n))
			rc = -1;
	printf("fuzz_%s: %u inputs replayed%s\n", name, n, rc ? ", some unreadable" : "");
	return rc || !n ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
