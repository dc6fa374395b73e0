// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Fuzz target for the engine: arbitrary datagrams into a responder, or
 * into an initiator waiting for its IKE_SA_INIT response, in the fake
 * environment of the unit tests (tfuzz_run() describes the input format).
 * Seeds in tests/fuzz/corpus/engine are whole recorded exchanges, written
 * by CONDUIT_DUMP_CORPUS=DIR tests/unit/test_ike_engine.
 *
 * libFuzzer (clang), from the source tree, after a configured build:
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I. -Ibuild \
 *     -DOPENSSL_API_COMPAT=30000 -DOPENSSL_NO_DEPRECATED \
 *     tests/fuzz/fuzz_engine.c ike/ *.c -lcrypto -o /tmp/fuzz_engine
 *   /tmp/fuzz_engine -runs=1000000 /tmp/corpus tests/fuzz/corpus/engine
 * Built with -DFUZZ_REPLAY_MAIN (no clang needed) it is a plain program
 * that runs every file of the directories or files it is given (default:
 * $CONDUIT_SRCDIR/tests/fuzz/corpus/engine) through the same entry point;
 * `make check` runs it so.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tests/unit/test_ike_engine_env.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tpeer p;

	tfuzz_run(&p, data, size);
	tpeer_free(&p);
	return 0;
}

#ifdef FUZZ_REPLAY_MAIN
static int run_file(const char *path)
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

static int run_path(const char *path, unsigned int *n)
{
	struct stat st;
	struct dirent *de;
	DIR *d;
	int rc = 0;

	if (stat(path, &st))
		return -1;
	if (!S_ISDIR(st.st_mode)) {
		(*n)++;
		return run_file(path);
	}
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		char sub[4096];

		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (run_path(sub, n))
			rc = -1;
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	char dflt[4096];
	unsigned int n = 0;
	int rc = 0;

	if (argc < 2) {
		const char *src = getenv("CONDUIT_SRCDIR");

		snprintf(dflt, sizeof(dflt), "%s/tests/fuzz/corpus/engine", src ? src : ".");
		rc = run_path(dflt, &n);
	}
	for (int i = 1; i < argc; i++)
		if (run_path(argv[i], &n))
			rc = -1;
	printf("fuzz_engine: %u inputs replayed%s\n", n, rc ? ", some unreadable" : "");
	/* An empty corpus is a broken test, not a pass. */
	return rc || !n ? EXIT_FAILURE : EXIT_SUCCESS;
}
#endif
