/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Socket options for IKE sockets: ESP in UDP, and bypassing the SPD. */
#include "config.h"

#include <errno.h>
#include <linux/if_alg.h>
#include <linux/xfrm.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kernel-iface/xfrm.h"

int kif_socket_udp_encap(int fd)
{
	int type = UDP_ENCAP_ESPINUDP;

	if (setsockopt(fd, IPPROTO_UDP, UDP_ENCAP, &type, sizeof(type)) < 0)
		return -errno;
	return 0;
}

int kif_socket_bypass(int fd)
{
	struct xfrm_userpolicy_info pol;
	socklen_t len = sizeof(int);
	int family, level, opt;

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &len) < 0)
		return -errno;
	if (family == AF_INET) {
		level = IPPROTO_IP;
		opt = IP_XFRM_POLICY;
	} else if (family == AF_INET6) {
		/* The kernel matches a socket policy only against flows of
		 * its own family: give IPv4 its own socket (IPV6_V6ONLY). */
		level = IPPROTO_IPV6;
		opt = IPV6_XFRM_POLICY;
	} else {
		return -EAFNOSUPPORT;
	}
	/* An allow policy without templates: this socket's packets need no
	 * transform, whatever the SPD says. */
	memset(&pol, 0, sizeof(pol));
	pol.action = XFRM_POLICY_ALLOW;
	pol.sel.family = (uint16_t)family;
	pol.lft.soft_byte_limit = pol.lft.hard_byte_limit = XFRM_INF;
	pol.lft.soft_packet_limit = pol.lft.hard_packet_limit = XFRM_INF;
	for (int dir = XFRM_POLICY_IN; dir <= XFRM_POLICY_OUT; dir++) {
		pol.dir = (uint8_t)dir;
		if (setsockopt(fd, level, opt, &pol, sizeof(pol)) < 0)
			return -errno;
	}
	return 0;
}

int kif_crypto_probe(const char *type, const char *name)
{
	struct sockaddr_alg sa;
	int fd, r;

	memset(&sa, 0, sizeof(sa));
	sa.salg_family = AF_ALG;
	if (strlen(type) >= sizeof(sa.salg_type) || strlen(name) >= sizeof(sa.salg_name))
		return -ENAMETOOLONG;
	memcpy(sa.salg_type, type, strlen(type));
	memcpy(sa.salg_name, name, strlen(name));
	fd = socket(AF_ALG, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* binding instantiates the algorithm, loading its modules as the
	 * kernel would for an SA */
	r = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 1;
	close(fd);
	return r == -ENOENT ? 0 : r;
}
