/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <stdbool.h>
#include <string.h>

#include "daemon/ctl_render.h"
#include "daemon/ctl_render_metrics.h"

/* ---- Prometheus ---- */

void ctl_prom_label_value(FILE *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", out);
		else if (*s == '"')
			fputs("\\\"", out);
		else if (*s == '\n')
			fputs("\\n", out);
		else
			fputc(*s, out);
	}
}

/* One metric: its header is printed before its first sample only, so a
 * metric with no samples leaves no trace. */
struct fam {
	FILE *out;
	const char *prefix; /* "conduit_" or "conduit_connection_" */
	const char *name;   /* after the prefix */
	const char *type;   /* "counter", "gauge" */
	const char *help;
	bool started;
};

/* labels: key, value pairs, NULL-terminated; a NULL value leaves the
 * sample out (a field of the wrong type). */
static void sample(struct fam *f, const char *const *labels, const json_t *v)
{
	if (!json_is_integer(v))
		return;
	for (size_t i = 0; labels && labels[i]; i += 2)
		if (!labels[i + 1])
			return;
	if (!f->started) {
		fprintf(f->out, "# HELP %s%s %s\n# TYPE %s%s %s\n", f->prefix, f->name, f->help,
			f->prefix, f->name, f->type);
		f->started = true;
	}
	fprintf(f->out, "%s%s", f->prefix, f->name);
	for (size_t i = 0; labels && labels[i]; i += 2) {
		fprintf(f->out, "%s%s=\"", i ? "," : "{", labels[i]);
		ctl_prom_label_value(f->out, labels[i + 1]);
		fputc('"', f->out);
	}
	fprintf(f->out, "%s %" JSON_INTEGER_FORMAT "\n", labels && labels[0] ? "}" : "",
		json_integer_value(v));
}

/* The counters of one set (c: global, or a connection's with conn). */
enum cfield {
	CF_MESSAGES,
	CF_NOTIFIES,
	CF_RETRANSMITS,
	CF_DROPPED,
	CF_INVALID,
	CF_IKE_ESTABLISHED,
	CF_IKE_FAILED,
	CF_IKE_DOWN,
	CF_CHILD_ESTABLISHED,
	CF_CHILD_FAILED,
	CF_CHILD_DOWN,
	CF_FAILURES,
	CF_COUNT,
};

static const struct {
	const char *name, *help;
} cfields[CF_COUNT] = {
	[CF_MESSAGES] = { "ike_messages_total",
			  "IKE messages by exchange, direction (in: received and "
			  "authenticated) and kind, each counted once" },
	[CF_NOTIFIES] = { "ike_notifies_total", "Notify payloads in IKE messages by type" },
	[CF_RETRANSMITS] = { "ike_retransmits_total",
			     "Requests retransmitted (out: ours again; in: the peer's, "
			     "answered from cache)" },
	[CF_DROPPED] = { "ike_dropped_total",
			 "IKE datagrams dropped unprocessed (malformed, unknown SPI, out of "
			 "window, failed integrity)" },
	[CF_INVALID] = { "ike_invalid_total",
			 "Authenticated IKE messages malformed or unexpected in the SA's state" },
	[CF_IKE_ESTABLISHED] = { "ike_sas_established_total",
				 "IKE SAs established (rekeys included)" },
	[CF_IKE_FAILED] = { "ike_sas_failed_total",
			    "IKE SAs that failed before they were established" },
	[CF_IKE_DOWN] = { "ike_sas_down_total", "IKE SAs gone, by cause" },
	[CF_CHILD_ESTABLISHED] = { "child_sas_established_total",
				   "CHILD SAs installed (rekeys included)" },
	[CF_CHILD_FAILED] = { "child_sas_failed_total", "CHILD SAs that could not be made" },
	[CF_CHILD_DOWN] = { "child_sas_down_total", "CHILD SAs gone, by cause" },
	[CF_FAILURES] = { "sa_failures_total",
			  "IKE and CHILD SA failures by the notify that decided them "
			  "(NONE: a timeout or a local error)" },
};

static void counters_samples(struct fam *f, enum cfield which, const json_t *c, const char *conn)
{
	const char *key, *key2, *key3;
	json_t *v, *v2, *v3;
	/* conn's label first, then the field's */
	const char *l[12];
	size_t n = 0;

	if (conn) {
		l[n++] = "connection";
		l[n++] = conn;
	}
#define LBL(...)                                                                                   \
	do {                                                                                       \
		const char *more_[] = { __VA_ARGS__, NULL };                                       \
		size_t k_ = 0;                                                                     \
		for (; more_[k_]; k_++)                                                            \
			l[n + k_] = more_[k_];                                                     \
		l[n + k_] = NULL;                                                                  \
	} while (0)
	switch (which) {
	case CF_MESSAGES:
		json_object_foreach(json_object_get(c, "messages"), key, v)
		    json_object_foreach(v, key2, v2) json_object_foreach(v2, key3, v3)
		{
			LBL("exchange", key3, "direction", key, "kind", key2);
			sample(f, l, v3);
		}
		break;
	case CF_NOTIFIES:
		json_object_foreach(json_object_get(c, "notifies"), key, v)
		    json_object_foreach(v, key2, v2)
		{
			LBL("notify", key2, "direction", key);
			sample(f, l, v2);
		}
		break;
	case CF_RETRANSMITS:
		json_object_foreach(json_object_get(c, "retransmits"), key, v)
		{
			LBL("direction", key);
			sample(f, l, v);
		}
		break;
	case CF_DROPPED:
	case CF_INVALID:
		l[n] = NULL;
		sample(f, l, json_object_get(c, which == CF_DROPPED ? "dropped" : "invalid"));
		break;
	case CF_IKE_ESTABLISHED:
	case CF_IKE_FAILED:
	case CF_CHILD_ESTABLISHED:
	case CF_CHILD_FAILED:
		l[n] = NULL;
		sample(f, l,
		       json_object_get(
			   json_object_get(c, which == CF_IKE_ESTABLISHED || which == CF_IKE_FAILED
						  ? "ike_sas"
						  : "child_sas"),
			   which == CF_IKE_ESTABLISHED || which == CF_CHILD_ESTABLISHED
			       ? "established"
			       : "failed"));
		break;
	case CF_IKE_DOWN:
	case CF_CHILD_DOWN:
		json_object_foreach(
		    json_object_get(
			json_object_get(c, which == CF_IKE_DOWN ? "ike_sas" : "child_sas"), "down"),
		    key, v)
		{
			LBL("cause", key);
			sample(f, l, v);
		}
		break;
	case CF_FAILURES:
		json_object_foreach(json_object_get(c, "failures"), key, v)
		{
			LBL("notify", key);
			sample(f, l, v);
		}
		break;
	case CF_COUNT:
		break;
	}
#undef LBL
}

static void render_counter_families(FILE *out, const json_t *r)
{
	json_t *conns = json_object_get(r, "connections");

	for (int i = 0; i < CF_COUNT; i++) {
		struct fam f = {
			out, "conduit_", cfields[i].name, "counter", cfields[i].help, false
		};

		if (json_is_object(json_object_get(r, "global")))
			counters_samples(&f, i, json_object_get(r, "global"), NULL);
	}
	for (int i = 0; i < CF_COUNT; i++) {
		struct fam f = { out,	    "conduit_connection_", cfields[i].name,
				 "counter", cfields[i].help,	   false };
		const char *name;
		json_t *c;

		json_object_foreach(conns, name, c) if (json_is_object(c))
		    counters_samples(&f, i, c, name);
	}
}

static void render_sa_gauges(FILE *out, const json_t *r)
{
	struct fam ike = { out,	 "conduit_", "ike_sas", "gauge", "IKE SAs by connection and state",
			   false };
	struct fam child = {
		out,  "conduit_", "child_sas", "gauge", "CHILD SAs by connection, child and state",
		false
	};
	const char *conn, *name, *state;
	json_t *v, *v2, *v3;

	json_object_foreach(json_object_get(r, "ike_sas"), conn, v)
	    json_object_foreach(v, state, v2)
	{
		const char *l[] = { "connection", conn, "state", state, NULL };

		sample(&ike, l, v2);
	}
	json_object_foreach(json_object_get(r, "child_sas"), conn, v)
	    json_object_foreach(v, name, v2) json_object_foreach(v2, state, v3)
	{
		const char *l[] = { "connection", conn, "child", name, "state", state, NULL };

		sample(&child, l, v3);
	}
}

static void render_traffic(FILE *out, const json_t *r)
{
	static const char *const what[2] = { "bytes", "packets" };
	size_t i;
	json_t *t;

	for (int w = 0; w < 2; w++) {
		struct fam f = { out,
				 "conduit_",
				 w ? "child_sa_packets_total" : "child_sa_bytes_total",
				 "counter",
				 w ? "Packets through a CHILD SA's kernel SAs (in: inbound SA)"
				   : "Octets through a CHILD SA's kernel SAs (in: inbound SA)",
				 false };

		json_array_foreach(json_object_get(r, "traffic"), i, t)
		{
			char ike[24], id[24], k[16];
			const json_t *ike_v = json_object_get(t, "ike_sa"),
				     *id_v = json_object_get(t, "id");

			if (!json_is_integer(ike_v) || !json_is_integer(id_v))
				continue;
			snprintf(ike, sizeof(ike), "%" JSON_INTEGER_FORMAT,
				 json_integer_value(ike_v));
			snprintf(id, sizeof(id), "%" JSON_INTEGER_FORMAT, json_integer_value(id_v));
			for (int d = 0; d < 2; d++) {
				const char *l[] = {
					"connection",
					json_string_value(json_object_get(t, "connection")),
					"child",
					json_string_value(json_object_get(t, "child")),
					"ike_sa",
					ike,
					"child_sa",
					id,
					"direction",
					d ? "out" : "in",
					NULL
				};

				snprintf(k, sizeof(k), "%s_%s", what[w], d ? "out" : "in");
				sample(&f, l, json_object_get(t, k));
			}
		}
	}
}

static void render_dos(FILE *out, const json_t *dos)
{
	static const struct {
		const char *key, *name, *type, *help;
	} plain[] = {
		{ "half_open", "half_open_sas", "gauge", "Responder IKE SAs waiting for IKE_AUTH" },
		{ "half_open_sources", "half_open_sources", "gauge",
		  "Sources (an IPv4 address or an IPv6 /64) of half-open IKE SAs" },
		{ "half_open_bytes", "half_open_bytes", "gauge",
		  "Memory held by half-open IKE SAs" },
		{ "cookies_sent", "cookies_sent_total", "counter", "COOKIE notifies sent" },
		{ "cookies_accepted", "cookies_accepted_total", "counter",
		  "IKE_SA_INIT requests with a valid COOKIE" },
		{ "cookies_refused", "cookies_refused_total", "counter",
		  "IKE_SA_INIT requests with a wrong or stale COOKIE" },
		{ "replies_sent", "unprotected_replies_total", "counter",
		  "Unprotected replies (error notifies, COOKIEs) to messages without an SA" },
		{ "replies_limited", "unprotected_replies_limited_total", "counter",
		  "Unprotected replies not sent (rate limit)" },
		{ "dh_keys", "key_exchanges_total", "counter",
		  "Key exchange private values made (either role)" },
	};
	struct fam ev = { out,
			  "conduit_",
			  "dos_events_total",
			  "counter",
			  "Per-packet events of a responder under load, by class",
			  false };
	struct fam sup = { out,
			   "conduit_",
			   "dos_suppressed_total",
			   "counter",
			   "Of those events, the ones not logged one by one",
			   false };
	const char *key;
	json_t *v;

	if (!json_is_object(dos))
		return;
	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		struct fam f = {
			out, "conduit_", plain[i].name, plain[i].type, plain[i].help, false
		};

		sample(&f, NULL, json_object_get(dos, plain[i].key));
	}
	json_object_foreach(json_object_get(dos, "events"), key, v)
	{
		const char *l[] = { "class", key, NULL };

		sample(&ev, l, v);
	}
	json_object_foreach(json_object_get(dos, "suppressed"), key, v)
	{
		const char *l[] = { "class", key, NULL };

		sample(&sup, l, v);
	}
	if (json_is_boolean(json_object_get(dos, "cookies_required"))) {
		struct fam f = { out,
				 "conduit_",
				 "cookies_required",
				 "gauge",
				 "1 while every IKE_SA_INIT must carry a COOKIE",
				 false };
		json_t *one = json_integer(json_is_true(json_object_get(dos, "cookies_required")));

		sample(&f, NULL, one);
		json_decref(one);
	}
}

void ctl_prometheus_text(FILE *out, const json_t *r)
{
	const char *version = json_string_value(json_object_get(r, "version"));

	if (version) {
		struct fam f = { out, "conduit_", "info", "gauge", "The daemon's version", false };
		const char *l[] = { "version", version, NULL };
		json_t *one = json_integer(1);

		sample(&f, l, one);
		json_decref(one);
	}
	render_counter_families(out, r);
	render_sa_gauges(out, r);
	render_traffic(out, r);
	render_dos(out, json_object_get(r, "dos"));
}

/* ---- counters as text ---- */

/* Strings come from the daemon, and connection names from files: never
 * let them reach the terminal raw. */
static void put_str(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
}

static json_int_t ival(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	return json_is_integer(v) ? json_integer_value(v) : 0;
}

static json_t *path(const json_t *o, const char *a, const char *b, const char *c)
{
	json_t *p = json_object_get(o, a);

	if (b)
		p = json_object_get(p, b);
	if (c)
		p = json_object_get(p, c);
	return p;
}

/* "NAME 3, OTHER 1" of an object of integers; nonzero ones only. */
static void put_nonzero(FILE *out, const char *title, json_t *o)
{
	bool any = false;
	const char *key;
	json_t *v;

	json_object_foreach(o, key, v)
	{
		if (!json_is_integer(v) || !json_integer_value(v))
			continue;
		fprintf(out, "%s", any ? ", " : title);
		put_str(out, key);
		fprintf(out, " %" JSON_INTEGER_FORMAT, json_integer_value(v));
		any = true;
	}
	if (any)
		fputc('\n', out);
}

static void render_set(FILE *out, const char *title, const json_t *c)
{
	static const char *const xs[] = { "IKE_SA_INIT", "IKE_AUTH", "CREATE_CHILD_SA",
					  "INFORMATIONAL", "OTHER" };
	const json_t *m = json_object_get(c, "messages");

	put_str(out, title);
	fputs(":\n  exchange          requests in/out   responses in/out\n", out);
	for (size_t i = 0; i < sizeof(xs) / sizeof(xs[0]); i++) {
		char rq[48], rs[48];

		snprintf(rq, sizeof(rq), "%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT,
			 ival(path(m, "in", "request", NULL), xs[i]),
			 ival(path(m, "out", "request", NULL), xs[i]));
		snprintf(rs, sizeof(rs), "%" JSON_INTEGER_FORMAT "/%" JSON_INTEGER_FORMAT,
			 ival(path(m, "in", "response", NULL), xs[i]),
			 ival(path(m, "out", "response", NULL), xs[i]));
		fprintf(out, "  %-17s %-17s %s\n", xs[i], rq, rs);
	}
	put_nonzero(out, "  notifies in:  ", path(c, "notifies", "in", NULL));
	put_nonzero(out, "  notifies out: ", path(c, "notifies", "out", NULL));
	fprintf(
	    out,
	    "  retransmitted: %" JSON_INTEGER_FORMAT " of ours, %" JSON_INTEGER_FORMAT
	    " of the peer's; dropped %" JSON_INTEGER_FORMAT ", invalid %" JSON_INTEGER_FORMAT "\n",
	    ival(json_object_get(c, "retransmits"), "out"),
	    ival(json_object_get(c, "retransmits"), "in"), ival(c, "dropped"), ival(c, "invalid"));
	for (int k = 0; k < 2; k++) {
		const json_t *s = json_object_get(c, k ? "child_sas" : "ike_sas");

		fprintf(out,
			"  %s SAs: %" JSON_INTEGER_FORMAT " established, %" JSON_INTEGER_FORMAT
			" failed\n",
			k ? "CHILD" : "IKE", ival(s, "established"), ival(s, "failed"));
		put_nonzero(out, "    gone: ", json_object_get(s, "down"));
	}
	put_nonzero(out, "  failures: ", json_object_get(c, "failures"));
}

void ctl_counters_text(FILE *out, const json_t *r)
{
	const json_t *g = json_object_get(r, "global");
	const char *name;
	json_t *c;

	if (json_is_object(g))
		render_set(out, "global", g);
	json_object_foreach(json_object_get(r, "connections"), name, c) if (json_is_object(c))
	    render_set(out, name, c);
	if (json_is_true(json_object_get(r, "reset")))
		fputs("(reset to zero)\n", out);
}

/* The command table's renderers (daemon/ctl_table.c). */
void ctl_render_counters(FILE *out, const json_t *request, const json_t *reply)
{
	(void)request;
	ctl_counters_text(out, reply);
}

void ctl_render_metrics(FILE *out, const json_t *request, const json_t *reply)
{
	(void)request;
	ctl_prometheus_text(out, reply);
}
