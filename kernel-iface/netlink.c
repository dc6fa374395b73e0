/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The netlink request socket of the XFRM backend: open, close, one request
 * and its replies (kif_talk), the kernel's extended ack in errors. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kernel-iface/kif_internal.h"

/* ---- the request socket ---- */

int kif_open_netlink(struct kif **out)
{
	struct kif *k = calloc(1, sizeof(*k));
	int one = 1, r;

	*out = NULL;
	if (!k)
		return -ENOMEM;
	k->ops = &kif_netlink_ops;
	k->req = mnl_socket_open2(NETLINK_XFRM, SOCK_CLOEXEC);
	if (!k->req)
		goto fail_errno;
	if (mnl_socket_bind(k->req, 0, MNL_SOCKET_AUTOPID) < 0)
		goto fail_errno;
	k->req_portid = mnl_socket_get_portid(k->req);
	/* The kernel's own error text, and acks without our (key-bearing)
	 * request echoed back. Old kernels lack them: not fatal. */
	mnl_socket_setsockopt(k->req, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(k->req, NETLINK_CAP_ACK, &one, sizeof(one));
	k->seq = (uint32_t)time(NULL);

	k->ev = mnl_socket_open2(NETLINK_XFRM, SOCK_CLOEXEC | SOCK_NONBLOCK);
	if (!k->ev)
		goto fail_errno;
	if (mnl_socket_bind(k->ev,
			    (1u << (XFRMNLGRP_ACQUIRE - 1)) | (1u << (XFRMNLGRP_EXPIRE - 1)) |
				(1u << (XFRMNLGRP_MAPPING - 1)),
			    MNL_SOCKET_AUTOPID) < 0)
		goto fail_errno;
	/* Bursts (thousands of SAs expiring together) must fit: a lost event
	 * costs a full resync. RCVBUFFORCE passes net.core.rmem_max. */
	int sz = (int)KIF_EVENT_RCVBUF;
	int fd = mnl_socket_get_fd(k->ev);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	*out = k;
	return 0;

fail_errno:
	r = errno ? -errno : -EIO;
	kif_nl_close(k);
	return r;
}

void kif_nl_close(struct kif *k)
{
	if (!k)
		return;
	if (k->req)
		mnl_socket_close(k->req);
	if (k->ev)
		mnl_socket_close(k->ev);
	explicit_bzero(k, sizeof(*k));
	free(k);
}

int kif_nl_event_fd(const struct kif *k)
{
	return mnl_socket_get_fd(k->ev);
}

int kif_nl_event_set_rcvbuf(struct kif *k, int bytes)
{
	if (setsockopt(mnl_socket_get_fd(k->ev), SOL_SOCKET, SO_RCVBUFFORCE, &bytes,
		       sizeof(bytes)) < 0)
		return -errno;
	return 0;
}

struct extack {
	char *buf;
	size_t len;
};

static int extack_attr(const struct nlattr *a, void *data)
{
	struct extack *e = data;

	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		snprintf(e->buf, e->len, "%s", mnl_attr_get_str(a));
	return MNL_CB_OK;
}

/* The error of an NLMSG_ERROR message, and its NLMSGERR_ATTR_MSG text. */
static int parse_nlerr(const struct nlmsghdr *h, char *ext, size_t extlen)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
	size_t plen = mnl_nlmsg_get_payload_len(h), off = sizeof(*e);

	if (plen < sizeof(*e))
		return -EBADMSG;
	if (e->error > 0 || e->error < -4095)
		return -EBADMSG;
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS) || !ext)
		return e->error;
	if (!(h->nlmsg_flags & NLM_F_CAPPED)) {
		if (e->msg.nlmsg_len < NLMSG_HDRLEN)
			return e->error;
		off += NLMSG_ALIGN(e->msg.nlmsg_len) - NLMSG_HDRLEN;
	}
	if (off < plen) {
		struct extack x = { ext, extlen };
		mnl_attr_parse_payload((const char *)e + off, plen - off, extack_attr, &x);
	}
	return e->error;
}

int kif_talk(struct kif *k, struct nlmsghdr *nlh, kif_reply_cb *cb, void *arg, char *ext,
	     size_t extlen, bool *intr)
{
	bool dump = nlh->nlmsg_flags & NLM_F_DUMP;
	int cb_err = 0;
	uint32_t seq;

	if (ext && extlen)
		ext[0] = '\0';
	if (intr)
		*intr = false;
	nlh->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	nlh->nlmsg_seq = seq = ++k->seq;
	if (mnl_socket_sendto(k->req, nlh, nlh->nlmsg_len) < 0)
		return -errno;

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(k->req, k->rbuf, sizeof(k->rbuf));
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		const struct nlmsghdr *h = (const struct nlmsghdr *)k->rbuf;
		int rem = (int)n;
		for (; mnl_nlmsg_ok(h, rem); h = mnl_nlmsg_next(h, &rem)) {
			/* A late answer to an earlier request we gave up on. */
			if (h->nlmsg_seq != seq || !mnl_nlmsg_portid_ok(h, k->req_portid))
				continue;
			if (h->nlmsg_flags & NLM_F_DUMP_INTR && intr)
				*intr = true;
			if (h->nlmsg_type == NLMSG_ERROR) {
				int e = parse_nlerr(h, ext, extlen);
				return e ? e : cb_err;
			}
			if (h->nlmsg_type == NLMSG_DONE) {
				if (!dump)
					continue;
				if (mnl_nlmsg_get_payload_len(h) >= sizeof(int)) {
					int e = *(const int *)mnl_nlmsg_get_payload(h);
					if (e < 0)
						return e;
				}
				return cb_err;
			}
			if (h->nlmsg_type == NLMSG_NOOP || h->nlmsg_type == NLMSG_OVERRUN)
				continue;
			if (cb && !cb_err) {
				int r = cb(h, arg);
				if (r < 0)
					cb_err = r;
			}
		}
	}
}
