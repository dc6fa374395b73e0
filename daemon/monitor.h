/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * conduitctl monitor: the daemon's side. A control client that sends
 * {"cmd":"monitor"} is taken off the control server (ctl_reply_detach) and
 * handed to the hub, which then writes one JSON line per SA event to it
 * until it goes away. The events are documented in conduitctl(8).
 *
 * What keeps a slow subscriber from hurting the daemon:
 * - each event is serialised once (mon_hub_publish), whatever the number
 *   of subscribers, and costs nothing when there are none; nothing here is
 *   proportional to the number of SAs;
 * - a subscriber's queue is bounded (max_events lines and max_bytes
 *   octets); events beyond it are dropped and counted, and once its queue
 *   has drained it gets {"event":"dropped","count":N} before anything new;
 * - its socket's send buffer is small (MON_SNDBUF), so the kernel holds
 *   little for it either;
 * - a subscriber whose socket accepts nothing for stall_ms while events
 *   wait is closed;
 * - at most max_clients subscribers: the control command refuses more.
 * Writes never block: the sockets are non-blocking and flushed from the
 * event loop.
 *
 * Single-threaded: every function here runs on the event_base's thread.
 */
#ifndef CONDUIT_DAEMON_MONITOR_H
#define CONDUIT_DAEMON_MONITOR_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <jansson.h>

/* The schema of the monitor's JSON lines ("schema" in its first line). */
#define MON_SCHEMA 1
#define MON_DEFAULT_MAX_CLIENTS 16
#define MON_DEFAULT_MAX_EVENTS 256
#define MON_DEFAULT_MAX_BYTES (64 * 1024)
#define MON_DEFAULT_STALL_MS 10000
/* SO_SNDBUF of a subscriber's socket (the kernel doubles it). */
#define MON_SNDBUF 4096

struct mon_hub;

struct mon_hub *mon_hub_new(struct event_base *base);
/* Close every subscriber. NULL is a no-op. */
void mon_hub_free(struct mon_hub *hub);

/* 0 keeps a value. max_events and max_bytes apply to subscribers added
 * afterwards. */
void mon_hub_set_limits(struct mon_hub *hub, size_t max_clients, size_t max_events,
			size_t max_bytes, unsigned int stall_ms);
size_t mon_hub_max_clients(const struct mon_hub *hub);

/*
 * Take fd (a connected stream socket) as a subscriber: the hub makes it
 * non-blocking and closes it when done. first (first_len octets, may be 0)
 * is sent before any event and counts against no bound: the answer to the
 * subscription. 0, or -EUSERS when max_clients subscribers are there
 * already, or -ENOMEM: then fd is not taken (the caller still owns it).
 */
int mon_hub_add(struct mon_hub *hub, int fd, const char *first, size_t first_len);

/* Send event (a JSON object; no reference taken) to every subscriber, as
 * one compact line: queued, or dropped and counted where the queue is full. */
void mon_hub_publish(struct mon_hub *hub, const json_t *event);

/*
 * The control command: answer reply by subscribing its connection. The
 * first line the subscriber gets is {"ok":true,"schema":MON_SCHEMA,
 * "monitor":true}; when max_clients are there already, the answer is an
 * error instead and the connection stays an ordinary control client.
 */
struct ctl_reply;
void mon_ctl_subscribe(struct mon_hub *hub, struct ctl_reply *reply);

size_t mon_hub_n_clients(const struct mon_hub *hub);
/* Events dropped so far, over all subscribers, past and present. */
uint64_t mon_hub_dropped(const struct mon_hub *hub);

#endif
