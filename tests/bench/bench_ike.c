// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What one tunnel costs the engine: N IKE SAs, each with one CHILD_SA, are
 * negotiated between two engines in memory (IKE_SA_INIT and IKE_AUTH with
 * PSK, the real crypto), and the CPU time and heap they take are printed
 * per tunnel, for a few proposals. A figure, not a test: it never fails on
 * a number. Usage: bench_ike [N] (default 2000).
 */
#include <malloc.h>

#include "tests/bench/mem_pair.h"

static void run(const char *ike, const char *esp, size_t n)
{
	struct mp_pair p;
	struct mallinfo2 m0, m1;
	double t0, t1;
	size_t up;

	mp_pair_init(&p, n, ike, esp);
	m0 = mallinfo2();
	t0 = mp_cpu_seconds();
	up = mp_grow(&p, n);
	t1 = mp_cpu_seconds();
	m1 = mallinfo2();
	if (up != n)
		fprintf(stderr, "only %zu of %zu tunnels came up\n", up, n);
	printf("%-34s %-14s %6zu tunnels: %7.1f us CPU and %6.0f B heap per tunnel per end\n", ike,
	       esp, n, (t1 - t0) * 1e6 / (double)n / 2.0,
	       ((double)m1.uordblks - (double)m0.uordblks) / (double)n / 2.0);
	mp_pair_free(&p);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 2000;

	if (!n)
		n = 1;
	printf("IKE SA + 1 CHILD_SA negotiated in memory (IKE_SA_INIT + IKE_AUTH, PSK);\n"
	       "CPU is both ends' work halved, heap is what stays allocated once established.\n");
	run("aes256gcm16-prfsha256-x25519", "aes256gcm16", n);
	run("aes256gcm16-prfsha384-ecp384", "aes256gcm16", n);
	run("aes128-sha256-modp2048", "aes128-sha256", n / 4 ? n / 4 : 1);
	return 0;
}
