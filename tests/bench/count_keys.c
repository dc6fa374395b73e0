// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * An LD_PRELOAD shim for tests/bench/flood.sh: counts the X25519/X448
 * private keys a process makes (OpenSSL's EVP_PKEY_new_raw_private_key_ex,
 * which ike/dh.c calls once per key exchange value) in a 64-bit counter
 * kept in the file COUNT_KEYS_FILE names (mapped shared, so the script
 * reads it at any time with od). It lets the benchmark count the keys of
 * a conduitd that has no counter of its own (the "before" build); the
 * "after" build's dh_keys (conduitctl status) counts the same thing.
 *
 * Built by flood.sh with the host's cc; no OpenSSL headers are needed.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

typedef void *(*new_raw_fn)(void *libctx, const char *keytype, const char *propq,
			    const unsigned char *priv, size_t len);

static uint64_t *counter;

__attribute__((constructor)) static void count_keys_init(void)
{
	const char *path = getenv("COUNT_KEYS_FILE");
	void *p;
	int fd;

	if (!path)
		return;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	if (ftruncate(fd, sizeof(*counter)) == 0) {
		p = mmap(NULL, sizeof(*counter), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p != MAP_FAILED)
			counter = p;
	}
	close(fd);
}

void *EVP_PKEY_new_raw_private_key_ex(void *libctx, const char *keytype, const char *propq,
				      const unsigned char *priv, size_t len)
{
	static new_raw_fn real;

	if (!real)
		real = (new_raw_fn)dlsym(RTLD_NEXT, "EVP_PKEY_new_raw_private_key_ex");
	if (counter)
		__atomic_fetch_add(counter, 1, __ATOMIC_RELAXED);
	return real ? real(libctx, keytype, propq, priv, len) : NULL;
}
