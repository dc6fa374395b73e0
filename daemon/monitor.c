/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The monitor hub: subscribers with bounded queues of shared, reference-
 * counted lines. See monitor.h for the rules; the lifetimes are simple
 * because nothing outside this file points to a subscriber: one is freed
 * wherever its socket fails, its stall timer fires or the hub is freed.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "daemon/ctl.h"
#include "daemon/log.h"
#include "daemon/monitor.h"

/* Lines handed to one sendmsg. */
#define MON_IOV 64

struct mon_line {
	unsigned int refs;
	size_t len;
	char data[];
};

struct mon_slot {
	struct mon_line *line;
	bool counted; /* an event (bounded), not the first line or a notice */
};

struct mon_client {
	TAILQ_ENTRY(mon_client) entry;
	struct mon_hub *hub;
	int fd;
	unsigned int id;
	struct event *rev, *wev;
	/* A ring of cap slots; off: octets of the head line already sent. */
	struct mon_slot *q;
	size_t cap, head, n, off;
	size_t max_events, max_bytes;
	size_t n_events, bytes; /* counted slots and their octets */
	uint64_t dropped;	/* since the last notice */
	uint64_t sent, dropped_all;
};

struct mon_hub {
	struct event_base *base;
	TAILQ_HEAD(, mon_client) clients;
	size_t n_clients;
	size_t max_clients, max_events, max_bytes;
	unsigned int stall_ms;
	unsigned int next_id;
	uint64_t dropped;
};

static struct mon_line *line_new(const char *text, size_t len, bool newline)
{
	struct mon_line *l = malloc(sizeof(*l) + len + 1);
	if (l == NULL)
		return NULL;
	l->refs = 1;
	memcpy(l->data, text, len);
	l->len = len;
	if (newline)
		l->data[l->len++] = '\n';
	return l;
}

static void line_unref(struct mon_line *l)
{
	if (l != NULL && --l->refs == 0)
		free(l);
}

/* Encode a JSON object as one line; NULL when out of memory. */
static struct mon_line *line_json(const json_t *obj)
{
	char *text = json_dumps(obj, JSON_COMPACT);
	if (text == NULL)
		return NULL;
	struct mon_line *l = line_new(text, strlen(text), true);
	free(text);
	return l;
}

static void client_close(struct mon_client *c, int level, const char *why)
{
	struct mon_hub *hub = c->hub;

	log_msg(level, "control: monitor %u closed%s%s (%llu events sent, %llu dropped)", c->id,
		why ? ": " : "", why ? why : "", (unsigned long long)c->sent,
		(unsigned long long)c->dropped_all);
	TAILQ_REMOVE(&hub->clients, c, entry);
	hub->n_clients--;
	for (size_t i = 0; i < c->n; i++)
		line_unref(c->q[(c->head + i) % c->cap].line);
	event_free(c->rev);
	event_free(c->wev);
	close(c->fd);
	free(c->q);
	free(c);
}

static void push(struct mon_client *c, struct mon_line *l, bool counted)
{
	struct mon_slot *s = &c->q[(c->head + c->n) % c->cap];
	s->line = l;
	s->counted = counted;
	l->refs++;
	c->n++;
	if (counted) {
		c->n_events++;
		c->bytes += l->len;
	}
}

static void pop(struct mon_client *c)
{
	struct mon_slot *s = &c->q[c->head];
	if (s->counted) {
		c->n_events--;
		c->bytes -= s->line->len;
		c->sent++;
	}
	line_unref(s->line);
	s->line = NULL;
	c->head = (c->head + 1) % c->cap;
	c->n--;
	c->off = 0;
}

/* The queue has drained: tell the subscriber what it missed. */
static int push_notice(struct mon_client *c)
{
	json_t *n = json_pack("{s:s,s:I,s:I}", "event", "dropped", "time", (json_int_t)time(NULL),
			      "count", (json_int_t)c->dropped);
	struct mon_line *l = n ? line_json(n) : NULL;
	json_decref(n);
	if (l == NULL)
		return -ENOMEM;
	push(c, l, false);
	line_unref(l);
	log_msg(LOG_LEVEL_INFO, "control: monitor %u has caught up: %llu events dropped", c->id,
		(unsigned long long)c->dropped);
	c->dropped = 0;
	return 0;
}

static void arm_write(struct mon_client *c)
{
	struct timeval tv = { .tv_sec = c->hub->stall_ms / 1000,
			      .tv_usec = (suseconds_t)(c->hub->stall_ms % 1000) * 1000 };
	event_add(c->wev, &tv);
}

/*
 * Write what the socket takes. 0: all sent; 1: the rest waits for the
 * socket (the write event is armed: its timeout restarts only when this
 * call made progress); <0: the subscriber was closed.
 */
static int flush(struct mon_client *c)
{
	bool progress = false;

	for (;;) {
		if (c->n == 0 && c->dropped > 0 && push_notice(c) != 0) {
			client_close(c, LOG_LEVEL_ERROR, "out of memory");
			return -ENOMEM;
		}
		if (c->n == 0) {
			event_del(c->wev);
			return 0;
		}
		struct iovec iov[MON_IOV];
		int k = 0;
		for (size_t i = 0; i < c->n && k < MON_IOV; i++, k++) {
			struct mon_line *l = c->q[(c->head + i) % c->cap].line;
			size_t skip = i == 0 ? c->off : 0;
			iov[k].iov_base = l->data + skip;
			iov[k].iov_len = l->len - skip;
		}
		struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)k };
		ssize_t w = sendmsg(c->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (progress || !event_pending(c->wev, EV_WRITE, NULL))
				arm_write(c);
			return 1;
		}
		if (w <= 0) {
			client_close(c, LOG_LEVEL_DEBUG, w < 0 ? strerror(errno) : NULL);
			return -EPIPE;
		}
		progress = true;
		size_t left = (size_t)w;
		while (left > 0) {
			struct mon_line *l = c->q[c->head].line;
			size_t rest = l->len - c->off;
			if (left < rest) {
				c->off += left;
				break;
			}
			left -= rest;
			pop(c);
		}
	}
}

static void write_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mon_client *c = arg;

	if (what & EV_TIMEOUT) {
		char why[128];
		snprintf(why, sizeof(why), "its socket accepted nothing for %u ms",
			 c->hub->stall_ms);
		client_close(c, LOG_LEVEL_WARN, why);
		return;
	}
	flush(c);
}

/* A subscriber sends nothing we use: read and discard, and notice EOF. */
static void read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct mon_client *c = arg;
	char buf[1024];

	for (int i = 0; i < 4; i++) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n > 0)
			continue;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		/* A client that only shut down its sending side (a pipe
		 * into nc or socat ended) still reads: stop reading, keep
		 * sending; a send error closes it once it is gone. */
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		if (n == 0 && poll(&p, 1, 0) == 1 && !(p.revents & (POLLHUP | POLLERR))) {
			log_msg(LOG_LEVEL_DEBUG, "control: monitor %u: its sending side is closed",
				c->id);
			event_del(c->rev);
			return;
		}
		client_close(c, LOG_LEVEL_DEBUG, n < 0 ? strerror(errno) : NULL);
		return;
	}
}

struct mon_hub *mon_hub_new(struct event_base *base)
{
	struct mon_hub *hub = calloc(1, sizeof(*hub));
	if (hub == NULL)
		return NULL;
	hub->base = base;
	TAILQ_INIT(&hub->clients);
	hub->max_clients = MON_DEFAULT_MAX_CLIENTS;
	hub->max_events = MON_DEFAULT_MAX_EVENTS;
	hub->max_bytes = MON_DEFAULT_MAX_BYTES;
	hub->stall_ms = MON_DEFAULT_STALL_MS;
	return hub;
}

void mon_hub_free(struct mon_hub *hub)
{
	struct mon_client *c;

	if (hub == NULL)
		return;
	while ((c = TAILQ_FIRST(&hub->clients)) != NULL)
		client_close(c, LOG_LEVEL_DEBUG, "shutting down");
	free(hub);
}

void mon_hub_set_limits(struct mon_hub *hub, size_t max_clients, size_t max_events,
			size_t max_bytes, unsigned int stall_ms)
{
	if (max_clients)
		hub->max_clients = max_clients;
	if (max_events)
		hub->max_events = max_events;
	if (max_bytes)
		hub->max_bytes = max_bytes;
	if (stall_ms)
		hub->stall_ms = stall_ms;
}

size_t mon_hub_max_clients(const struct mon_hub *hub)
{
	return hub->max_clients;
}

int mon_hub_add(struct mon_hub *hub, int fd, const char *first, size_t first_len)
{
	if (hub->n_clients >= hub->max_clients)
		return -EUSERS;
	struct mon_client *c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->hub = hub;
	c->fd = fd;
	c->max_events = hub->max_events;
	c->max_bytes = hub->max_bytes;
	/* the events, the first line, a notice */
	c->cap = c->max_events + 2;
	c->q = calloc(c->cap, sizeof(*c->q));
	c->rev = event_new(hub->base, fd, EV_READ | EV_PERSIST, read_cb, c);
	c->wev = event_new(hub->base, fd, EV_WRITE, write_cb, c);
	struct mon_line *l = first_len ? line_new(first, first_len, false) : NULL;
	if (c->q == NULL || c->rev == NULL || c->wev == NULL || (first_len && l == NULL) ||
	    event_add(c->rev, NULL) != 0) {
		if (c->rev)
			event_free(c->rev);
		if (c->wev)
			event_free(c->wev);
		line_unref(l);
		free(c->q);
		free(c);
		return -ENOMEM;
	}
	int fl = fcntl(fd, F_GETFL);
	if (fl >= 0 && !(fl & O_NONBLOCK))
		(void)fcntl(fd, F_SETFL, fl | O_NONBLOCK);
	/* Little for the kernel to hold for a subscriber that does not read:
	 * what it misses is counted by us, not buffered there. */
	int sb = MON_SNDBUF;
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sb, sizeof(sb));
	c->id = ++hub->next_id;
	TAILQ_INSERT_TAIL(&hub->clients, c, entry);
	hub->n_clients++;
	log_msg(LOG_LEVEL_DEBUG, "control: monitor %u subscribed (%zu of %zu)", c->id,
		hub->n_clients, hub->max_clients);
	if (l != NULL) {
		push(c, l, false);
		line_unref(l);
		flush(c); /* may close it: the caller does not use c */
	}
	return 0;
}

void mon_hub_publish(struct mon_hub *hub, const json_t *event)
{
	struct mon_client *c, *tmp;

	if (hub == NULL || hub->n_clients == 0)
		return;
	struct mon_line *l = line_json(event);
	if (l == NULL) {
		/* Counted as a drop everywhere: the subscribers are told. */
		TAILQ_FOREACH (c, &hub->clients, entry) {
			c->dropped++;
			c->dropped_all++;
			hub->dropped++;
		}
		return;
	}
	for (c = TAILQ_FIRST(&hub->clients); c != NULL; c = tmp) {
		tmp = TAILQ_NEXT(c, entry);
		/* The notice slot must stay free while drops are pending. */
		if (c->n_events >= c->max_events || c->bytes + l->len > c->max_bytes ||
		    c->dropped > 0) {
			if (c->dropped == 0 || c->n > 0) {
				/* Once per episode: it takes a full queue. */
				if (c->dropped == 0)
					log_msg(LOG_LEVEL_INFO,
						"control: monitor %u reads too slowly: dropping "
						"events until it has caught up",
						c->id);
				c->dropped++;
				c->dropped_all++;
				hub->dropped++;
				continue;
			}
		}
		bool idle = c->n == 0;
		if (idle && c->dropped > 0 && push_notice(c) != 0) {
			client_close(c, LOG_LEVEL_ERROR, "out of memory");
			continue;
		}
		push(c, l, true);
		/* A subscriber already waiting for its socket is flushed by
		 * its write event, so its stall timer is not reset here. */
		if (idle)
			flush(c);
	}
	line_unref(l);
}

void mon_ctl_subscribe(struct mon_hub *hub, struct ctl_reply *reply)
{
	if (hub->n_clients >= hub->max_clients) {
		ctl_reply_error(reply,
				"monitor: %zu monitors are connected already, the most allowed",
				hub->max_clients);
		return;
	}
	json_t *hello = json_pack("{s:b,s:i,s:b}", "ok", 1, "schema", MON_SCHEMA, "monitor", 1);
	char *text = hello ? json_dumps(hello, JSON_COMPACT) : NULL;
	json_decref(hello);
	if (text == NULL) {
		ctl_reply_error(reply, "monitor: out of memory");
		return;
	}
	char *unsent;
	size_t unsent_len;
	int fd = ctl_reply_detach(reply, &unsent, &unsent_len);
	if (fd < 0) {
		ctl_reply_error(reply, "monitor: cannot take the connection over: %s",
				strerror(-fd));
		free(text);
		return;
	}
	/* Earlier replies, then ours, in one first line block. */
	size_t tlen = strlen(text);
	char *first = malloc(unsent_len + tlen + 1);
	int rc = -ENOMEM;
	if (first != NULL) {
		if (unsent_len)
			memcpy(first, unsent, unsent_len);
		memcpy(first + unsent_len, text, tlen);
		first[unsent_len + tlen] = '\n';
		rc = mon_hub_add(hub, fd, first, unsent_len + tlen + 1);
	}
	if (rc != 0) {
		log_msg(LOG_LEVEL_ERROR, "control: cannot add a monitor: %s", strerror(-rc));
		close(fd);
	}
	free(first);
	free(unsent);
	free(text);
}

size_t mon_hub_n_clients(const struct mon_hub *hub)
{
	return hub->n_clients;
}

uint64_t mon_hub_dropped(const struct mon_hub *hub)
{
	return hub->dropped;
}
