// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel boundary as an interface: every kif_ function of xfrm.h goes
 * through the backend the kif was opened with. netlink (xfrm.c, event.c)
 * is the real one. none installs nothing and keeps nothing: SPIs come from
 * a counter, SAs and policies are accepted and forgotten, no event ever
 * comes. It lets the whole daemon, sockets included, be benchmarked and
 * tested on a kernel without ESP, as strongSwan's load-tester does with
 * its fake kernel interface; conduitd takes it only when asked by name.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "kernel-iface/kif_internal.h"

/* ---- none ---- */

static void none_close(struct kif *k)
{
	if (k->none_fd >= 0)
		close(k->none_fd);
	free(k);
}

static int none_event_fd(const struct kif *k)
{
	return k->none_fd;
}

static int none_event_drain(struct kif *k, kif_event_cb *cb, void *arg)
{
	(void)k;
	(void)cb;
	(void)arg;
	return 0;
}

static int none_event_set_rcvbuf(struct kif *k, int bytes)
{
	(void)k;
	(void)bytes;
	return 0;
}

static int none_spi_alloc(struct kif *k, const struct kif_sa *sa, uint32_t min, uint32_t max,
			  uint32_t *spi)
{
	(void)sa;
	if (min > max)
		return -EINVAL;
	if (k->none_spi < min || k->none_spi > max)
		k->none_spi = min;
	*spi = k->none_spi++;
	return 0;
}

static int none_sa_add(struct kif *k, const struct kif_sa *sa, bool update)
{
	(void)k;
	(void)sa;
	(void)update;
	return 0;
}

static int none_sa_delete(struct kif *k, const struct kif_sa_id *id)
{
	(void)k;
	(void)id;
	return 0;
}

/* No traffic ever crossed an SA that is not there: zero counters. */
static int none_sa_get(struct kif *k, const struct kif_sa_id *id, struct kif_sa_stats *st)
{
	(void)k;
	(void)id;
	memset(st, 0, sizeof(*st));
	return 0;
}

static int none_sa_move(struct kif *k, const struct kif_sa_id *id, const struct kif_addr *src,
			const struct kif_addr *dst, bool encap, uint16_t sport, uint16_t dport)
{
	(void)k, (void)id, (void)src, (void)dst, (void)encap, (void)sport, (void)dport;
	return 0;
}

static int none_policy_add(struct kif *k, const struct kif_policy *p, bool update)
{
	(void)k;
	(void)p;
	(void)update;
	return 0;
}

static int none_policy_get(struct kif *k, const struct kif_policy *key, struct kif_policy *out)
{
	(void)k;
	(void)key;
	(void)out;
	return -ENOENT;
}

static int none_policy_delete(struct kif *k, const struct kif_policy *key)
{
	(void)k;
	(void)key;
	return 0;
}

static int none_flush(struct kif *k, unsigned int *n_sa, unsigned int *n_policy)
{
	(void)k;
	if (n_sa)
		*n_sa = 0;
	if (n_policy)
		*n_policy = 0;
	return 0;
}

static int none_policy_list(struct kif *k, struct kif_policy **out, size_t *n)
{
	(void)k;
	*out = NULL;
	*n = 0;
	return 0;
}

static const struct kif_ops none_ops = {
	.name = "none",
	.close = none_close,
	.event_fd = none_event_fd,
	.event_drain = none_event_drain,
	.event_set_rcvbuf = none_event_set_rcvbuf,
	.spi_alloc = none_spi_alloc,
	.sa_add = none_sa_add,
	.sa_delete = none_sa_delete,
	.sa_get = none_sa_get,
	.sa_move = none_sa_move,
	.policy_add = none_policy_add,
	.policy_get = none_policy_get,
	.policy_delete = none_policy_delete,
	.flush = none_flush,
	.policy_list = none_policy_list,
};

static int open_none(struct kif **out)
{
	struct kif *k = calloc(1, sizeof(*k));

	*out = NULL;
	if (!k)
		return -ENOMEM;
	k->ops = &none_ops;
	k->none_spi = 0xc0000000u;
	k->none_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (k->none_fd < 0) {
		int r = -errno;

		free(k);
		return r;
	}
	*out = k;
	return 0;
}

/* ---- the interface ---- */

int kif_open(struct kif **out)
{
	return kif_open_netlink(out);
}

int kif_open_backend(const char *name, struct kif **out)
{
	*out = NULL;
	if (!strcmp(name, "netlink"))
		return kif_open_netlink(out);
	if (!strcmp(name, "none"))
		return open_none(out);
	return -ENOENT;
}

const char *kif_backend(const struct kif *k)
{
	return k->ops->name;
}

void kif_close(struct kif *k)
{
	if (k)
		k->ops->close(k);
}

int kif_event_fd(const struct kif *k)
{
	return k->ops->event_fd(k);
}

int kif_event_drain(struct kif *k, kif_event_cb *cb, void *arg)
{
	return k->ops->event_drain(k, cb, arg);
}

int kif_event_set_rcvbuf(struct kif *k, int bytes)
{
	return k->ops->event_set_rcvbuf(k, bytes);
}

int kif_spi_alloc(struct kif *k, const struct kif_sa *sa, uint32_t min, uint32_t max,
		  uint32_t *spi)
{
	return k->ops->spi_alloc(k, sa, min, max, spi);
}

int kif_sa_add(struct kif *k, const struct kif_sa *sa, bool update)
{
	return k->ops->sa_add(k, sa, update);
}

int kif_sa_delete(struct kif *k, const struct kif_sa_id *id)
{
	return k->ops->sa_delete(k, id);
}

int kif_sa_get(struct kif *k, const struct kif_sa_id *id, struct kif_sa_stats *st)
{
	return k->ops->sa_get(k, id, st);
}

int kif_sa_move(struct kif *k, const struct kif_sa_id *id, const struct kif_addr *src,
		const struct kif_addr *dst, bool encap, uint16_t sport, uint16_t dport)
{
	return k->ops->sa_move(k, id, src, dst, encap, sport, dport);
}

int kif_policy_add(struct kif *k, const struct kif_policy *p, bool update)
{
	return k->ops->policy_add(k, p, update);
}

int kif_policy_get(struct kif *k, const struct kif_policy *key, struct kif_policy *out)
{
	return k->ops->policy_get(k, key, out);
}

int kif_policy_delete(struct kif *k, const struct kif_policy *key)
{
	return k->ops->policy_delete(k, key);
}

int kif_flush(struct kif *k, unsigned int *n_sa, unsigned int *n_policy)
{
	return k->ops->flush(k, n_sa, n_policy);
}

int kif_policy_list(struct kif *k, struct kif_policy **out, size_t *n)
{
	return k->ops->policy_list(k, out, n);
}
