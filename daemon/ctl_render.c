/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "config.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "daemon/ctl_render.h"
#include "daemon/ctl_table.h"

/* Strings come from the daemon, and some from peers: never let them reach
 * the terminal raw. */
static void put_str(FILE *out, const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
}

static void put_field(FILE *out, const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));
	put_str(out, s != NULL ? s : "?");
}

static void put_int(FILE *out, const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	if (json_is_integer(v))
		fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else
		fputc('?', out);
}

/* The strings of an array joined by sep; empty (or not an array): none. */
static void put_list(FILE *out, const json_t *arr, const char *sep, const char *none)
{
	size_t i;
	json_t *v;
	bool first = true;

	if (json_is_array(arr)) {
		json_array_foreach(arr, i, v)
		{
			if (!first)
				fputs(sep, out);
			first = false;
			if (json_is_string(v))
				put_str(out, json_string_value(v));
			else if (json_is_integer(v))
				fprintf(out, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
			else
				fputc('?', out);
		}
	}
	if (first)
		fputs(none, out);
}

static bool get_bool(const json_t *obj, const char *key)
{
	return json_is_true(json_object_get(obj, key));
}

static void upper(FILE *out, const char *s)
{
	for (; *s != '\0'; s++) {
		char c = *s;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		put_str(out, (char[]){ c, '\0' });
	}
}

void ctl_render_duration(char *buf, size_t len, json_int_t s)
{
	if (s < 0)
		snprintf(buf, len, "?");
	else if (s < 60)
		snprintf(buf, len, "%ds", (int)s);
	else if (s < 3600)
		snprintf(buf, len, "%dm %ds", (int)(s / 60), (int)(s % 60));
	else if (s < 86400)
		snprintf(buf, len, "%dh %dm", (int)(s / 3600), (int)(s % 3600 / 60));
	else
		snprintf(buf, len, "%" JSON_INTEGER_FORMAT "d %dh", s / 86400,
			 (int)(s % 86400 / 3600));
}

/* ------------------------------------------------------------------ */

/* The responder's denial of service protection (older daemons: none). */
static void render_limits(FILE *out, const json_t *l)
{
	const json_t *ev = json_object_get(l, "events");
	size_t i;

	if (!json_is_object(l))
		return;
	fputs("  limits:      half-open ", out);
	put_int(out, l, "half_open");
	fputs(" of ", out);
	put_int(out, l, "half_open_max");
	fputs(" (", out);
	put_int(out, l, "half_open_max_ip");
	fputs(" per source) from ", out);
	put_int(out, l, "half_open_sources");
	fputs(" sources, ", out);
	put_int(out, l, "half_open_bytes");
	fputs(" of ", out);
	put_int(out, l, "half_open_memory");
	fputs(" bytes\n               cookies above ", out);
	put_int(out, l, "cookie_threshold");
	fputs(" (", out);
	put_int(out, l, "cookie_threshold_ip");
	fprintf(out, " per source), %s now: ",
		json_is_true(json_object_get(l, "cookies_required")) ? "required" : "not required");
	put_int(out, l, "cookies_sent");
	fputs(" sent, ", out);
	put_int(out, l, "cookies_accepted");
	fputs(" accepted, ", out);
	put_int(out, l, "cookies_refused");
	fputs(" refused\n               unprotected replies ", out);
	put_int(out, l, "replies_sent");
	fputs(" sent, ", out);
	put_int(out, l, "replies_limited");
	fputs(" rate-limited (", out);
	put_int(out, l, "reply_rate");
	fputs("/s, ", out);
	put_int(out, l, "reply_rate_ip");
	fputs("/s per source); key exchange values made ", out);
	put_int(out, l, "dh_keys");
	fputc('\n', out);
	for (i = 0; json_is_array(ev) && i < json_array_size(ev); i++) {
		const json_t *e = json_array_get(ev, i);

		fputs("               '", out);
		put_field(out, e, "class");
		fputs("': ", out);
		put_int(out, e, "count");
		fputs(" (", out);
		put_int(out, e, "suppressed");
		fputs(" not logged)\n", out);
	}
}

static void render_status(FILE *out, const json_t *r)
{
	char up[32] = "?";
	const json_t *u = json_object_get(r, "uptime");
	if (json_is_integer(u))
		ctl_render_duration(up, sizeof(up), json_integer_value(u));
	fputs("conduitd ", out);
	put_field(out, r, "version");
	fputs(", pid ", out);
	put_int(out, r, "pid");
	fprintf(out, ", up %s\n", up);
	fputs("  connections: ", out);
	put_int(out, r, "connections");
	fputs("\n  IKE SAs:     ", out);
	put_int(out, r, "ike_sas");
	fputs("\n  CHILD SAs:   ", out);
	put_int(out, r, "child_sas");
	fputc('\n', out);
	const json_t *m = json_object_get(r, "monitors");
	if (json_is_object(m)) {
		fputs("  monitors:    ", out);
		put_int(out, m, "clients");
		fputs(" (", out);
		put_int(out, m, "dropped");
		fputs(" events dropped)\n", out);
	}
	const json_t *w = json_object_get(r, "workers");
	if (json_is_object(w)) {
		fputs("  key pool:    ", out);
		put_int(out, w, "threads");
		fputs(" threads, ", out);
		put_int(out, w, "in_stock");
		fputs(" key pairs ready for ", out);
		put_int(out, w, "groups");
		fputs(" groups; ", out);
		put_int(out, w, "taken");
		fputs(" taken, ", out);
		put_int(out, w, "inline");
		fputs(" made inline, ", out);
		put_int(out, w, "failed");
		fputs(" failed\n", out);
	}
	render_limits(out, json_object_get(r, "limits"));
}

/* "192.0.2.1[left]", with ":port" when the port is not 500. */
static void put_endpoint(FILE *out, const json_t *addr_obj, const char *id)
{
	const json_t *port = json_object_get(addr_obj, "port");
	const char *a = json_string_value(json_object_get(addr_obj, "address"));
	if (a == NULL)
		a = "?";
	bool v6 = strchr(a, ':') != NULL;
	bool show_port = json_is_integer(port) && json_integer_value(port) != 500;
	if (show_port && v6)
		fputc('[', out);
	put_str(out, a);
	if (show_port)
		fprintf(out, "%s:%" JSON_INTEGER_FORMAT, v6 ? "]" : "", json_integer_value(port));
	if (id != NULL) {
		fputc('[', out);
		put_str(out, id);
		fputc(']', out);
	}
}

static void render_conn(FILE *out, const json_t *c)
{
	put_field(out, c, "name");
	fputs(": ", out);
	put_list(out, json_object_get(c, "local_addrs"), ",", "%any");
	fputc('[', out);
	put_field(out, c, "local_id");
	fputs("]...", out);
	put_list(out, json_object_get(c, "remote_addrs"), ",", "%any");
	fputc('[', out);
	put_field(out, c, "remote_id");
	fputs("]\n", out);

	fputs("  proposals: ", out);
	put_list(out, json_object_get(c, "proposals"), ", ", "default");
	fputc('\n', out);
	const json_t *lp = json_object_get(c, "local_port");
	const json_t *rp = json_object_get(c, "remote_port");
	if ((json_is_integer(lp) && json_integer_value(lp) != 500) ||
	    (json_is_integer(rp) && json_integer_value(rp) != 500)) {
		fputs("  ports:     ", out);
		put_int(out, c, "local_port");
		fputs(" -> ", out);
		put_int(out, c, "remote_port");
		fputc('\n', out);
	}
	if (get_bool(c, "encap"))
		fputs("  UDP encapsulation forced\n", out);
	const char *unique = json_string_value(json_object_get(c, "unique"));
	if (unique != NULL && strcmp(unique, "no") != 0) {
		fputs("  unique:    ", out);
		put_str(out, unique);
		fputc('\n', out);
	}
	/* remote_addrs with DNS names: where initiates go now */
	const json_t *resolved = json_object_get(c, "remote_resolved");
	if (json_is_string(resolved)) {
		fputs("  resolved:  ", out);
		put_str(out, json_string_value(resolved));
		fputc('\n', out);
	} else if (json_is_null(resolved)) {
		fputs("  resolved:  nothing yet (responder only)\n", out);
	}

	const json_t *children = json_object_get(c, "children");
	size_t i;
	json_t *ch;
	json_array_foreach(children, i, ch)
	{
		fputs("  ", out);
		put_field(out, ch, "name");
		fputs(": ", out);
		const char *mode = json_string_value(json_object_get(ch, "mode"));
		upper(out, mode ? mode : "?");
		const char *sa = json_string_value(json_object_get(ch, "start_action"));
		if (sa != NULL) {
			fputs(", start_action ", out);
			put_str(out, sa);
		}
		fputs("\n    ", out);
		put_list(out, json_object_get(ch, "local_ts"), ", ", "dynamic");
		fputs(" === ", out);
		put_list(out, json_object_get(ch, "remote_ts"), ", ", "dynamic");
		fputs("\n    esp: ", out);
		put_list(out, json_object_get(ch, "esp_proposals"), ", ", "default");
		fputc('\n', out);
	}
}

/* ", idle 5s" (seconds since the SA last carried a packet), ", never
 * used" (null); nothing when the daemon did not say (an older one). */
static void put_idle(FILE *out, const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	char d[32];

	if (json_is_null(v)) {
		fputs(", never used", out);
	} else if (json_is_integer(v)) {
		ctl_render_duration(d, sizeof(d), json_integer_value(v));
		fprintf(out, ", idle %s", d);
	}
}

/* "rekey in 50m 3s, reauth in 2h 5m, expires in 58m" on a line of its
 * own, of the times the SA has. */
static void put_times(FILE *out, const char *indent, const json_t *sa)
{
	static const char *const keys[] = { "rekey_in", "reauth_in", "expires_in" };
	static const char *const labels[] = { "rekey in", "reauth in", "expires in" };
	bool any = false;

	for (size_t i = 0; i < 3; i++) {
		const json_t *v = json_object_get(sa, keys[i]);
		char d[32];

		if (!json_is_integer(v))
			continue;
		ctl_render_duration(d, sizeof(d), json_integer_value(v));
		fprintf(out, "%s%s %s", any ? ", " : indent, labels[i], d);
		any = true;
	}
	if (any)
		fputc('\n', out);
}

static void render_child_sa(FILE *out, const json_t *ch)
{
	fputs("  ", out);
	put_field(out, ch, "name");
	fputc('{', out);
	put_int(out, ch, "id");
	fputs("}: ", out);
	put_field(out, ch, "state");
	fputs(", ", out);
	const char *mode = json_string_value(json_object_get(ch, "mode"));
	upper(out, mode ? mode : "?");
	fputs(", SPIs ", out);
	put_field(out, ch, "spi_in");
	fputs("_i ", out);
	put_field(out, ch, "spi_out");
	fputs("_o, ", out);
	put_field(out, ch, "algorithms");
	const json_t *est = json_object_get(ch, "established");
	if (json_is_integer(est)) {
		char d[32];
		ctl_render_duration(d, sizeof(d), json_integer_value(est));
		fprintf(out, ", up %s", d);
	}
	fputc('\n', out);

	put_times(out, "    ", ch);
	if (json_object_get(ch, "bytes_in") == NULL && json_object_get(ch, "bytes_out") == NULL) {
		fputs("    traffic unknown (the kernel keeps no SAs)\n    ", out);
	} else {
		fputs("    in  ", out);
		put_int(out, ch, "bytes_in");
		fputs(" bytes, ", out);
		put_int(out, ch, "packets_in");
		fputs(" packets", out);
		put_idle(out, ch, "idle_in");
		fputs("\n    out ", out);
		put_int(out, ch, "bytes_out");
		fputs(" bytes, ", out);
		put_int(out, ch, "packets_out");
		fputs(" packets", out);
		put_idle(out, ch, "idle_out");
		fputs("\n    ", out);
	}
	put_list(out, json_object_get(ch, "local_ts"), ", ", "?");
	fputs(" === ", out);
	put_list(out, json_object_get(ch, "remote_ts"), ", ", "?");
	fputc('\n', out);
}

static void render_ike_sa(FILE *out, const json_t *sa)
{
	put_field(out, sa, "connection");
	fputc('[', out);
	put_int(out, sa, "id");
	fputs("]: ", out);
	put_field(out, sa, "state");
	const json_t *est = json_object_get(sa, "established");
	if (json_is_integer(est)) {
		char d[32];
		ctl_render_duration(d, sizeof(d), json_integer_value(est));
		fprintf(out, " %s ago", d);
	}
	fputs(", ", out);
	const char *lid = json_string_value(json_object_get(sa, "local_id"));
	const char *rid = json_string_value(json_object_get(sa, "remote_id"));
	put_endpoint(out, json_object_get(sa, "local"), lid);
	fputs("...", out);
	put_endpoint(out, json_object_get(sa, "remote"), rid);
	fputc('\n', out);

	/* None yet while connecting. */
	const char *alg = json_string_value(json_object_get(sa, "algorithms"));
	if (alg != NULL && alg[0] != '\0') {
		fputs("  ", out);
		put_str(out, alg);
		fputc('\n', out);
	}
	fputs("  SPIs ", out);
	put_field(out, sa, "spi_i");
	fputs("_i ", out);
	put_field(out, sa, "spi_r");
	fputs("_r, ", out);
	fputs(get_bool(sa, "initiator") ? "we initiated\n" : "peer initiated\n", out);
	const json_t *auth = json_object_get(sa, "auth");
	if (json_is_object(auth)) {
		fputs("  auth: we ", out);
		put_field(out, auth, "local");
		fputs(", peer ", out);
		put_field(out, auth, "remote");
		fputc('\n', out);
	}
	put_times(out, "  ", sa);

	const json_t *nat = json_object_get(sa, "nat");
	bool nl = get_bool(nat, "local"), nr = get_bool(nat, "remote");
	bool enc = get_bool(nat, "encap"), fake = get_bool(nat, "fake");
	if (nl || nr || enc) {
		fprintf(out, "  NAT: %s%s%s%s", nl ? "we are behind a NAT" : "",
			nl && nr ? ", " : "", nr ? "peer is behind a NAT" : "",
			fake ? "none, UDP encapsulation forced (encap = yes)" : "");
		if (enc) {
			fputs("; ESP in UDP, ports ", out);
			put_int(out, json_object_get(sa, "local"), "port");
			fputs(" -> ", out);
			put_int(out, json_object_get(sa, "remote"), "port");
		}
		fputc('\n', out);
	}

	size_t i;
	json_t *ch;
	json_array_foreach(json_object_get(sa, "child_sas"), i, ch) render_child_sa(out, ch);
}

/* Seconds since the epoch as "2026-12-03 05:09:26 UTC". */
static void put_time(FILE *out, const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);
	char buf[64];
	struct tm tm;
	time_t t;

	if (!json_is_integer(v)) {
		fputc('?', out);
		return;
	}
	t = (time_t)json_integer_value(v);
	if (!gmtime_r(&t, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S UTC", &tm)) {
		fputc('?', out);
		return;
	}
	fputs(buf, out);
}

static void render_cert(FILE *out, const json_t *c)
{
	put_field(out, c, "subject");
	if (get_bool(c, "anchor"))
		fputs(" (trust anchor)", out);
	else if (strcmp(json_string_value(json_object_get(c, "kind")) ?: "", "ca") == 0)
		fputs(" (CA)", out);
	fputs("\n  issuer:   ", out);
	put_field(out, c, "issuer");
	fputs("\n  serial:   ", out);
	put_field(out, c, "serial");
	fputs("\n  validity: ", out);
	put_time(out, c, "not_before");
	fputs(" .. ", out);
	put_time(out, c, "not_after");
	fputs("\n  key:      ", out);
	put_field(out, c, "key_type");
	if (get_bool(c, "private_key"))
		fputs(", private key loaded", out);
	fputs("\n  file:     ", out);
	put_field(out, c, "source");
	fputc('\n', out);
}

static void render_array(FILE *out, const json_t *arr, const char *none,
			 void (*fn)(FILE *, const json_t *))
{
	size_t i;
	json_t *v;
	if (!json_is_array(arr) || json_array_size(arr) == 0) {
		fprintf(out, "%s\n", none);
		return;
	}
	json_array_foreach(arr, i, v)
	{
		if (json_is_object(v))
			fn(out, v);
	}
}

static void render_initiate(FILE *out, const json_t *req, const json_t *r)
{
	put_field(out, req, "name");
	if (json_is_true(json_object_get(r, "already_up"))) {
		fputs(": up already (IKE SA ", out);
		put_int(out, r, "ike_sa");
		fputs(")\n", out);
		return;
	}
	fputs(": established (IKE SA ", out);
	put_int(out, r, "ike_sa");
	const json_t *kids = json_object_get(r, "child_sas");
	size_t n = json_array_size(kids);
	if (n > 0) {
		fputs(n == 1 ? ", CHILD SA " : ", CHILD SAs ", out);
		put_list(out, kids, ", ", "");
	}
	fputs(")\n", out);
}

/* The request's NAME, or "IKE SA N" for --id N. */
static void put_target(FILE *out, const json_t *req)
{
	if (json_is_string(json_object_get(req, "name")) ||
	    !json_is_integer(json_object_get(req, "id"))) {
		put_field(out, req, "name");
		return;
	}
	fputs("IKE SA ", out);
	put_int(out, req, "id");
}

static void render_terminate(FILE *out, const json_t *req, const json_t *r)
{
	put_target(out, req);
	const json_t *c = json_object_get(r, "terminated_children");
	if (json_is_integer(c)) {
		json_int_t n = json_integer_value(c);
		if (n == 0)
			fputs(": no such CHILD_SA was up\n", out);
		else
			fprintf(out, ": terminated %" JSON_INTEGER_FORMAT " CHILD_SA%s\n", n,
				n == 1 ? "" : "s");
		return;
	}
	const json_t *t = json_object_get(r, "terminated");
	if (!json_is_integer(t))
		fputs(": terminated\n", out);
	else if (json_integer_value(t) == 0)
		fputs(": no IKE SA was up\n", out);
	else
		fprintf(out, ": terminated %" JSON_INTEGER_FORMAT " IKE SA%s\n",
			json_integer_value(t), json_integer_value(t) == 1 ? "" : "s");
}

static void render_rekey(FILE *out, const json_t *req, const json_t *r)
{
	if (json_is_integer(json_object_get(r, "reauthenticating"))) {
		json_int_t n = json_integer_value(json_object_get(r, "reauthenticating"));
		json_int_t busy = json_integer_value(json_object_get(r, "busy"));
		const json_t *ids = json_object_get(r, "ike_sas");

		put_field(out, req, "name");
		fprintf(out, ": reauthenticating %" JSON_INTEGER_FORMAT " IKE SA%s", n,
			n == 1 ? "" : "s");
		if (json_array_size(ids)) {
			fputs(json_array_size(ids) == 1 ? " (new IKE SA " : " (new IKE SAs ", out);
			put_list(out, ids, ", ", "");
			fputc(')', out);
		}
		if (busy)
			fprintf(out, "; %" JSON_INTEGER_FORMAT " already being replaced or going",
				busy);
		fputc('\n', out);
		return;
	}

	json_int_t n = json_integer_value(json_object_get(r, "rekeying"));
	json_int_t busy = json_integer_value(json_object_get(r, "busy"));

	put_field(out, req, "name");
	fprintf(out, ": rekeying %" JSON_INTEGER_FORMAT " SA%s", n, n == 1 ? "" : "s");
	if (busy)
		fprintf(out, " (%" JSON_INTEGER_FORMAT " already rekeying or going)", busy);
	fputc('\n', out);
}

static void render_reload(FILE *out, const json_t *r)
{
	static const char *const keys[] = { "added", "removed", "changed", "unchanged" };

	fputs("configuration reloaded:", out);
	for (size_t i = 0; i < 4; i++)
		fprintf(out, "%s %zu %s", i ? "," : "",
			json_array_size(json_object_get(r, keys[i])), keys[i]);
	fputc('\n', out);
	/* Name what changed; "unchanged" is the bulk and says nothing new. */
	for (size_t i = 0; i < 3; i++) {
		const json_t *a = json_object_get(r, keys[i]);
		if (json_array_size(a) == 0)
			continue;
		char label[16];
		snprintf(label, sizeof(label), "%s:", keys[i]);
		fprintf(out, "  %-9s", label);
		put_list(out, a, ", ", "");
		fputc('\n', out);
	}
}

static void render_policy(FILE *out, const json_t *p)
{
	if (json_is_string(json_object_get(p, "connection"))) {
		put_field(out, p, "connection");
		fputc('/', out);
		put_field(out, p, "child");
	} else {
		fputs("(no SA)", out);
	}
	fputs(": ", out);
	put_field(out, p, "dir");
	fputc(' ', out);
	put_field(out, p, "src");
	fputs(" === ", out);
	put_field(out, p, "dst");
	fputs(", ", out);
	put_field(out, p, "mode");
	if (json_is_string(json_object_get(p, "tunnel_src"))) {
		fputc(' ', out);
		put_field(out, p, "tunnel_src");
		fputs(" -> ", out);
		put_field(out, p, "tunnel_dst");
	}
	const json_t *reqid = json_object_get(p, "reqid");
	if (json_is_integer(reqid))
		fprintf(out, ", reqid %08llx", (unsigned long long)json_integer_value(reqid));
	fputs(", priority ", out);
	put_int(out, p, "priority");
	if (get_bool(p, "trap"))
		fputs(", trap", out);
	const json_t *mark = json_object_get(p, "mark");
	if (json_is_integer(mark))
		fprintf(out, ", mark %#llx/%#llx", (unsigned long long)json_integer_value(mark),
			(unsigned long long)json_integer_value(json_object_get(p, "mark_mask")));
	if (json_is_integer(json_object_get(p, "if_id"))) {
		fputs(", if_id ", out);
		put_int(out, p, "if_id");
	}
	fputc('\n', out);
}

static void render_alg(FILE *out, const json_t *a, bool kernel_asked)
{
	const json_t *k = json_object_get(a, "kernel");

	fputs("  ", out);
	put_field(out, a, "keyword");
	const char *kw = json_string_value(json_object_get(a, "keyword"));
	fprintf(out, "%*s", kw && strlen(kw) < 22 ? (int)(22 - strlen(kw)) : 1, "");
	put_field(out, a, "name");
	fprintf(out, "%s%s%s", get_bool(a, "ike") ? ", IKE" : "", get_bool(a, "esp") ? ", ESP" : "",
		get_bool(a, "weak") ? ", weak" : "");
	if (kernel_asked && get_bool(a, "esp") && json_object_get(a, "kernel_name") != NULL)
		fputs(json_is_true(k)    ? ", kernel has it"
		      : json_is_false(k) ? ", NOT in this kernel"
					 : ", kernel unknown",
		      out);
	fputc('\n', out);
}

/* The renderers of the command table (daemon/ctl_table.c). */

void ctl_render_status(FILE *out, const json_t *req, const json_t *r)
{
	(void)req;
	render_status(out, r);
}

void ctl_render_list_conns(FILE *out, const json_t *req, const json_t *r)
{
	(void)req;
	render_array(out, json_object_get(r, "connections"), "no connections", render_conn);
}

void ctl_render_list_sas(FILE *out, const json_t *req, const json_t *r)
{
	(void)req;
	render_array(out, json_object_get(r, "ike_sas"), "no IKE SAs", render_ike_sa);
}

void ctl_render_list_certs(FILE *out, const json_t *req, const json_t *r)
{
	(void)req;
	render_array(out, json_object_get(r, "certs"), "no certificates", render_cert);
}

void ctl_render_initiate(FILE *out, const json_t *req, const json_t *r)
{
	render_initiate(out, req, r);
}

void ctl_render_terminate(FILE *out, const json_t *req, const json_t *r)
{
	render_terminate(out, req, r);
}

void ctl_render_rekey(FILE *out, const json_t *req, const json_t *r)
{
	render_rekey(out, req, r);
}

void ctl_render_list_pols(FILE *out, const json_t *req, const json_t *r)
{
	(void)req;
	const char *k = json_string_value(json_object_get(r, "kernel_backend"));
	if (k != NULL && strcmp(k, "netlink") != 0) {
		fputs("no policies: conduitd installs nothing in the kernel (--kernel ", out);
		put_str(out, k);
		fputs(")\n", out);
		return;
	}
	render_array(out, json_object_get(r, "policies"), "no policies", render_policy);
}

void ctl_render_list_algs(FILE *out, const json_t *req, const json_t *r)
{
	static const char *const types[] = { "encryption", "integrity", "prf", "key-exchange",
					     "esn" };
	const json_t *algs = json_object_get(r, "algorithms");
	const char *backend = json_string_value(json_object_get(r, "kernel_backend"));
	bool asked = backend == NULL || strcmp(backend, "netlink") == 0;

	(void)req;
	if (!asked) {
		fputs("(the kernel was not asked: conduitd runs with --kernel ", out);
		put_str(out, backend);
		fputs(")\n", out);
	}
	for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		bool head = false;
		size_t i;
		json_t *a;

		json_array_foreach(algs, i, a)
		{
			const char *ty = json_string_value(json_object_get(a, "type"));
			if (!json_is_object(a) || ty == NULL || strcmp(ty, types[t]) != 0)
				continue;
			if (!head)
				fprintf(out, "%s:\n", types[t]);
			head = true;
			render_alg(out, a, asked);
		}
	}
}

void ctl_render_reload(FILE *out, const json_t *req, const json_t *r)
{
	(void)req;
	render_reload(out, r);
}

/* The answer to a subscription says nothing to show: the events that
 * follow it are daemon/monitor_client.c's. */
void ctl_render_monitor(FILE *out, const json_t *req, const json_t *r)
{
	(void)out, (void)req, (void)r;
}

int ctl_render(FILE *out, FILE *err, const json_t *request, const json_t *reply)
{
	const json_t *ok = json_object_get(reply, "ok");
	if (!json_is_boolean(ok)) {
		fputs("conduitctl: the daemon's answer is not a reply (no \"ok\")\n", err);
		return CTL_EXIT_UNREACHABLE;
	}
	if (!json_is_true(ok)) {
		fputs("conduitctl: ", err);
		const char *e = json_string_value(json_object_get(reply, "error"));
		put_str(err, e != NULL ? e : "the daemon reported an error without saying which");
		fputc('\n', err);
		size_t i;
		json_t *v;
		json_array_foreach(json_object_get(reply, "errors"), i, v)
		{
			fputs("  ", err);
			put_str(err, json_is_string(v) ? json_string_value(v) : "?");
			fputc('\n', err);
		}
		return CTL_EXIT_FAILED;
	}

	const struct ctl_cmd_desc *cmd =
	    ctl_cmd_find(json_string_value(json_object_get(request, "cmd")));
	if (cmd != NULL && cmd->render != NULL) {
		cmd->render(out, request, reply);
	} else {
		/* A command this conduitctl does not know how to show. */
		json_dumpf(reply, out, JSON_INDENT(2));
		fputc('\n', out);
	}
	return CTL_EXIT_OK;
}
