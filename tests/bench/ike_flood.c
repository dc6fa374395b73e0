// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A flood of IKE_SA_INIT requests from spoofed IPv4 sources, for
 * tests/bench/flood.sh: raw IPv4/UDP datagrams (IP_HDRINCL), each from a
 * random address of a range and a random SPI, at a given rate for a given
 * time. Needs CAP_NET_RAW; meant for a network namespace whose routes
 * carry the range's replies nowhere.
 *
 *   ike_flood DST SRC_BASE SRC_BITS PPS SECONDS MODE
 *
 * MODE: valid (a proposal conduit's default accepts, a random X25519
 * value), badke (the X25519 value 0, of small order), noprop (a proposal
 * nothing accepts). PPS 0: as fast as it can. Prints what it sent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next_rand(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 0x2545F4914F6CDD1DULL;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static size_t put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
	return 2;
}

/* The IKE message (header, SA, KE, Nonce) at p; returns its length. */
static size_t build_ike(uint8_t *p, const char *mode)
{
	size_t n = 28, sa, prop, ke, nonce;
	uint16_t encr = strcmp(mode, "noprop") ? 20 : 12; /* AES-GCM-16 or AES-CBC */

	memset(p, 0, 28);
	p[16] = 33; /* SA */
	p[17] = 0x20;
	p[18] = 34; /* IKE_SA_INIT */
	p[19] = 0x08;
	/* SA: one proposal, ENCR (256-bit key), PRF HMAC-SHA-256, DH 31 */
	sa = n;
	p[n] = 34;
	n += 4;
	prop = n;
	p[n + 4] = 1; /* proposal number */
	p[n + 5] = 1; /* IKE */
	p[n + 7] = 3; /* transforms */
	n += 8;
	p[n] = 3;
	put16(p + n + 2, 12);
	p[n + 4] = 1;
	put16(p + n + 6, encr);
	put16(p + n + 8, 0x800e);
	put16(p + n + 10, 256);
	n += 12;
	p[n] = 3;
	put16(p + n + 2, 8);
	p[n + 4] = 2;
	put16(p + n + 6, 5);
	n += 8;
	p[n] = 0;
	put16(p + n + 2, 8);
	p[n + 4] = 4;
	put16(p + n + 6, 31);
	n += 8;
	put16(p + prop + 2, (uint16_t)(n - prop));
	put16(p + sa + 2, (uint16_t)(n - sa));
	/* KE */
	ke = n;
	p[n] = 40;
	put16(p + n + 2, 8 + 32);
	put16(p + n + 4, 31);
	n += 8 + 32;
	(void)ke;
	/* Nonce */
	nonce = n;
	p[n] = 0;
	put16(p + n + 2, 4 + 32);
	n += 4 + 32;
	(void)nonce;
	p[24] = (uint8_t)(n >> 24);
	p[25] = (uint8_t)(n >> 16);
	p[26] = (uint8_t)(n >> 8);
	p[27] = (uint8_t)n;
	return n;
}

int main(int argc, char **argv)
{
	uint8_t pkt[512];
	struct sockaddr_in dst;
	struct in_addr base;
	unsigned long bits, pps, secs;
	size_t ike_len, len;
	uint64_t start, end, sent = 0, failed = 0;
	const char *mode;
	int fd, one = 1;
	/* offsets in pkt: IPv4 20, UDP 8, then IKE */
	uint8_t *ip = pkt, *udp = pkt + 20, *ike = pkt + 28;
	size_t ke_data, nonce_data;

	if (argc != 7) {
		fprintf(stderr, "usage: ike_flood DST SRC_BASE SRC_BITS PPS SECONDS "
				"valid|badke|noprop\n");
		return 2;
	}
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	if (inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1 ||
	    inet_pton(AF_INET, argv[2], &base) != 1) {
		fprintf(stderr, "ike_flood: bad address\n");
		return 2;
	}
	bits = strtoul(argv[3], NULL, 10);
	pps = strtoul(argv[4], NULL, 10);
	secs = strtoul(argv[5], NULL, 10);
	mode = argv[6];
	if (bits > 24 || !secs ||
	    (strcmp(mode, "valid") && strcmp(mode, "badke") && strcmp(mode, "noprop"))) {
		fprintf(stderr, "ike_flood: bad arguments\n");
		return 2;
	}
	fd = socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one))) {
		perror("ike_flood: raw socket");
		return 1;
	}
	memset(pkt, 0, sizeof(pkt));
	ike_len = build_ike(ike, mode);
	len = 28 + ike_len;
	ke_data = 28 + ike_len - (4 + 32) - 32;
	nonce_data = 28 + ike_len - 32;
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)len);
	ip[8] = 64;
	ip[9] = IPPROTO_UDP;
	memcpy(ip + 16, &dst.sin_addr, 4);
	put16(udp + 2, 500);
	put16(udp + 4, (uint16_t)(len - 20));
	start = now_ns();
	end = start + secs * 1000000000ULL;
	for (;;) {
		uint64_t t = now_ns(), r = next_rand();
		uint32_t src = ntohl(base.s_addr) + (uint32_t)(r & ((1ul << bits) - 1));

		if (t >= end)
			break;
		if (pps && sent >= (t - start) * pps / 1000000000ULL) {
			struct timespec ts = { 0, 200000 };

			nanosleep(&ts, NULL);
			continue;
		}
		src = htonl(src);
		memcpy(ip + 12, &src, 4);
		put16(udp, (uint16_t)(1024 + (r >> 32) % 60000));
		r = next_rand();
		memcpy(ike, &r, 8); /* SPIi */
		for (size_t i = 0; i < 32; i += 8) {
			uint64_t k = next_rand();

			memcpy(pkt + nonce_data + i, &k, 8);
			if (strcmp(mode, "badke"))
				memcpy(pkt + ke_data + i, &k, 8);
		}
		if (!strcmp(mode, "badke"))
			memset(pkt + ke_data, 0, 32);
		/* the kernel fills the IP checksum; UDP's 0 means none */
		if (sendto(fd, pkt, len, 0, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
			failed++;
			if (errno != ENOBUFS && errno != EAGAIN) {
				perror("ike_flood: sendto");
				return 1;
			}
		} else {
			sent++;
		}
	}
	printf("sent %llu %s requests in %lu s (%llu pps), %llu failed\n", (unsigned long long)sent,
	       mode, secs, (unsigned long long)(sent / secs), (unsigned long long)failed);
	return 0;
}
