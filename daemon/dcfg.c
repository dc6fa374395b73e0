/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "daemon/dcfg.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int dcfg_id_parse(const char *text, struct ike_id *id, char *err, size_t errlen)
{
	size_t len = text ? strlen(text) : 0;

	memset(id, 0, sizeof(*id));
	if (!len) {
		snprintf(err, errlen, "empty identity");
		return -EINVAL;
	}
	if (inet_pton(AF_INET, text, id->data) == 1) {
		id->type = IKE_ID_IPV4_ADDR;
		id->len = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, text, id->data) == 1) {
		id->type = IKE_ID_IPV6_ADDR;
		id->len = 16;
		return 0;
	}
	if (text[0] == '@' && text[1] == '#') {
		const char *h = text + 2;
		size_t n = strlen(h);

		if (!n || n % 2 || n / 2 > sizeof(id->data)) {
			snprintf(err, errlen, "identity \"%s\": a key id needs an even number of hex digits (1 to 255 octets)", text);
			return -EINVAL;
		}
		for (size_t i = 0; i < n / 2; i++) {
			int hi = hexval(h[2 * i]), lo = hexval(h[2 * i + 1]);

			if (hi < 0 || lo < 0) {
				snprintf(err, errlen, "identity \"%s\": not a hex digit in the key id", text);
				memset(id, 0, sizeof(*id));
				return -EINVAL;
			}
			id->data[i] = (uint8_t)(hi << 4 | lo);
		}
		id->type = IKE_ID_KEY_ID;
		id->len = (uint8_t)(n / 2);
		return 0;
	}
	if (strchr(text, '=')) {
		snprintf(err, errlen, "identity \"%s\": Distinguished Names are not implemented yet", text);
		return -ENOTSUP;
	}
	if (text[0] == '@') {
		text++;
		len--;
		id->type = IKE_ID_FQDN;
	} else if (strchr(text, '@')) {
		id->type = IKE_ID_RFC822_ADDR;
	} else {
		id->type = IKE_ID_FQDN;
	}
	if (!len || len > sizeof(id->data)) {
		snprintf(err, errlen, "identity \"%s\": must be 1 to %zu characters", text,
			 sizeof(id->data));
		memset(id, 0, sizeof(*id));
		return -EINVAL;
	}
	memcpy(id->data, text, len);
	id->len = (uint8_t)len;
	return 0;
}

bool dcfg_id_equal(const struct ike_id *a, const struct ike_id *b)
{
	return a->type == b->type && a->len == b->len && !memcmp(a->data, b->data, a->len);
}

int dcfg_addr_parse(const char *text, struct ike_addr *a, bool *wildcard, char *err,
		    size_t errlen)
{
	memset(a, 0, sizeof(*a));
	*wildcard = false;
	if (!strcmp(text, "%any")) {
		*wildcard = true;
		return 0;
	}
	/* An unspecified address is any of its family, as in strongSwan. */
	if (!strcmp(text, "%any4") || !strcmp(text, "0.0.0.0")) {
		*wildcard = true;
		a->family = AF_INET;
		return 0;
	}
	if (!strcmp(text, "%any6") || !strcmp(text, "::")) {
		*wildcard = true;
		a->family = AF_INET6;
		return 0;
	}
	if (inet_pton(AF_INET, text, a->ip) == 1) {
		a->family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, text, a->ip) == 1) {
		a->family = AF_INET6;
		return 0;
	}
	/* A subnet or range restricts which peers may connect: conduit does
	 * not filter on it yet, so it means any of its family, as a
	 * responder. */
	if (strchr(text, '/') || strchr(text, '-')) {
		const char *sep = strpbrk(text, "/-");
		char first[64];
		uint8_t tmp[16];
		size_t n = (size_t)(sep - text);

		if (n < sizeof(first)) {
			memcpy(first, text, n);
			first[n] = '\0';
			if (inet_pton(AF_INET, first, tmp) == 1 ||
			    inet_pton(AF_INET6, first, tmp) == 1) {
				*wildcard = true;
				a->family = strchr(first, ':') ? AF_INET6 : AF_INET;
				return 0;
			}
		}
	}
	snprintf(err, errlen, "address \"%s\": DNS names are not supported yet, give an IP address",
		 text);
	return -ENOTSUP;
}

/*
 * How well a secret's ids match an identity, on strongSwan's scale: 20 an
 * equal id, 1 "%any" (a secret without ids stands for %any), 0 none.
 */
enum { MATCH_NONE = 0, MATCH_ANY = 1, MATCH_PERFECT = 20 };

static int id_match(const struct conf_secret *s, const struct ike_id *want)
{
	int best = s->n_ids ? MATCH_NONE : MATCH_ANY;

	for (size_t i = 0; i < s->n_ids && best < MATCH_PERFECT; i++) {
		struct ike_id id;
		char err[DCFG_ERR_LEN];

		if (!strcmp(s->ids[i].value, "%any"))
			best = best > MATCH_ANY ? best : MATCH_ANY;
		else if (!dcfg_id_parse(s->ids[i].value, &id, err, sizeof(err)) &&
			 dcfg_id_equal(&id, want))
			best = MATCH_PERFECT;
	}
	return best;
}

/*
 * strongSwan's choice of a shared key: a secret applies when either
 * identity is among its ids (or it has none); of those, the best match of
 * the peer's identity wins, then the best match of ours, then the first in
 * the file. An identity not known here (no remote id: any peer; no local
 * id and no local address) is a wildcard every secret matches as %any, so
 * with no remote id ours alone decides.
 */
const struct conf_secret *dcfg_psk_lookup(const struct conf *conf, const struct ike_id *local_id,
					  const struct ike_id *remote_id)
{
	const struct conf_secret *s, *best = NULL;
	int best_me = -1, best_other = -1;
	bool any_peer = !remote_id || !remote_id->type;

	TAILQ_FOREACH (s, &conf->secrets, entry) {
		int me = local_id && local_id->type ? id_match(s, local_id) : MATCH_ANY;
		int other = any_peer ? MATCH_ANY : id_match(s, remote_id);

		if (me == MATCH_NONE && other == MATCH_NONE)
			continue;
		if (other > best_other || (other == best_other && me > best_me)) {
			best = s;
			best_me = me;
			best_other = other;
		}
	}
	return best;
}

uint8_t dcfg_action(enum conf_action a)
{
	switch (a) {
	case CONF_ACTION_START:
		return IKE_ACTION_RESTART;
	case CONF_ACTION_TRAP:
	case CONF_ACTION_TRAP_START:
		return IKE_ACTION_TRAP;
	case CONF_ACTION_NONE:
		break;
	}
	return IKE_ACTION_NONE;
}

static uint32_t clamp32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* Join a list with ","; NULL on ENOMEM. */
static char *join(const struct conf_list *l)
{
	size_t len = 1;
	char *s;

	for (size_t i = 0; i < l->n; i++)
		len += strlen(l->items[i].value) + 1;
	s = calloc(1, len);
	if (!s)
		return NULL;
	for (size_t i = 0; i < l->n; i++) {
		if (i)
			strcat(s, ",");
		strcat(s, l->items[i].value);
	}
	return s;
}

static const char *locstr(const struct conf_loc *loc, char *buf, size_t len)
{
	if (loc->file && loc->line)
		snprintf(buf, len, "%s:%u: ", loc->file, loc->line);
	else if (loc->file)
		snprintf(buf, len, "%s: ", loc->file);
	else
		buf[0] = '\0';
	return buf;
}

static const char *family_name(uint8_t family)
{
	return family == AF_INET ? "IPv4" : "IPv6";
}

/*
 * The engine takes one local and one remote address per connection: the
 * first IP address of remote_addrs (where an initiator sends), and the
 * first local address of its family, so that one list may hold an IPv4
 * and an IPv6 address. Without a specific remote address, the first
 * specific local one, else a wildcard. A wildcard keeps its family
 * (%any6, an IPv6 subnet) as the engine's *_any_family: a responder then
 * takes only peers of that family.
 */
static int conv_addrs(const struct conf_conn *cc, struct ike_conn_cfg *cfg, char *err,
		      size_t errlen)
{
	const struct conf_list *ll = &cc->local_addrs, *rl = &cc->remote_addrs;
	char why[DCFG_ERR_LEN], where[300];
	bool have_remote = false, have_local = false, local_wild = false, wild;
	unsigned int remote_wild_fams = 0, local_wild_fams = 0; /* bits: 1 IPv4, 2 IPv6 */
	struct ike_addr a, wild_local;
	uint8_t want = 0;

	memset(&cfg->local, 0, sizeof(cfg->local));
	memset(&cfg->remote, 0, sizeof(cfg->remote));
	memset(&wild_local, 0, sizeof(wild_local));
	for (size_t i = 0; i < rl->n; i++) {
		if (dcfg_addr_parse(rl->items[i].value, &a, &wild, why, sizeof(why))) {
			snprintf(err, errlen, "%sconnection %s: remote_addrs: %s",
				 locstr(&rl->items[i].loc, where, sizeof(where)), cc->name, why);
			return -ENOTSUP;
		}
		if (!wild && !have_remote) {
			cfg->remote = a;
			have_remote = true;
		} else if (wild) {
			remote_wild_fams |= a.family == AF_INET ? 1 : a.family == AF_INET6 ? 2 : 3;
		}
	}
	if (have_remote)
		want = cfg->remote.family;
	else if (remote_wild_fams == 1 || remote_wild_fams == 2)
		want = remote_wild_fams == 1 ? AF_INET : AF_INET6;
	for (size_t i = 0; i < ll->n; i++) {
		if (dcfg_addr_parse(ll->items[i].value, &a, &wild, why, sizeof(why))) {
			snprintf(err, errlen, "%sconnection %s: local_addrs: %s",
				 locstr(&ll->items[i].loc, where, sizeof(where)), cc->name, why);
			return -ENOTSUP;
		}
		if (want && a.family && a.family != want)
			continue;
		if (!wild && !have_local) {
			cfg->local = a;
			have_local = true;
		} else if (wild) {
			if (!local_wild)
				wild_local = a;
			local_wild = true;
			local_wild_fams |= a.family == AF_INET ? 1 : a.family == AF_INET6 ? 2 : 3;
		}
	}
	if (!have_local && !local_wild && ll->n) {
		char peer[INET6_ADDRSTRLEN] = "";

		if (have_remote)
			inet_ntop(want, cfg->remote.ip, peer, sizeof(peer));
		snprintf(err, errlen, "%sconnection %s: local_addrs has no %s address %s%s",
			 locstr(ll->loc.line ? &ll->loc : &cc->loc, where, sizeof(where)), cc->name,
			 family_name(want),
			 have_remote ? "to reach " : "for remote_addrs of that family", peer);
		return -EINVAL;
	}
	if (!have_local) {
		cfg->local_any_family = want ? want : wild_local.family;
		/* An IPv4 and an IPv6 wildcard together allow both. */
		if (!want && local_wild_fams == 3)
			cfg->local_any_family = 0;
	}
	if (!have_remote)
		cfg->remote_any_family = want;
	return 0;
}

static int conv_id(const struct conf_auth_round *r, const char *conn, const char *side,
		   struct ike_id *id, char *err, size_t errlen)
{
	char why[DCFG_ERR_LEN], where[300];
	int rc;

	memset(id, 0, sizeof(*id));
	if (!r->id.value || !strcmp(r->id.value, "%any"))
		return 0;
	rc = dcfg_id_parse(r->id.value, id, why, sizeof(why));
	if (rc)
		snprintf(err, errlen, "%sconnection %s: %s id: %s",
			 locstr(&r->id.loc, where, sizeof(where)), conn, side, why);
	return rc;
}

static char *keep(struct dcfg_conn *c, char *s)
{
	if (s)
		c->strings[c->n_strings++] = s;
	return s;
}

int dcfg_conn_convert(const struct conf *conf, const struct conf_conn *cc, struct dcfg_conn *out,
		      char *err, size_t errlen)
{
	struct ike_conn_cfg *cfg = &out->cfg;
	const struct conf_secret *sec;
	const struct conf_child *ch;
	struct ike_id lid;
	char where[300];
	size_t i = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (strlen(cc->name) >= sizeof(cfg->name)) {
		snprintf(err, errlen, "%sconnection %s: name longer than %zu characters",
			 locstr(&cc->loc, where, sizeof(where)), cc->name, sizeof(cfg->name) - 1);
		return -EINVAL;
	}
	strcpy(cfg->name, cc->name);
	rc = conv_addrs(cc, cfg, err, errlen);
	if (rc)
		return rc;
	cfg->local.port = cc->local_port;
	cfg->remote.port = cc->remote_port;
	rc = conv_id(&cc->local, cc->name, "local", &cfg->local_id, err, errlen);
	if (!rc)
		rc = conv_id(&cc->remote, cc->name, "remote", &cfg->remote_id, err, errlen);
	if (rc)
		return rc;

	out->proposals = join(&cc->proposals);
	out->children = calloc(cc->n_children ? cc->n_children : 1, sizeof(*out->children));
	out->strings = calloc(3 * cc->n_children + 1, sizeof(char *));
	if (!out->proposals || !out->children || !out->strings)
		goto nomem;
	cfg->proposals = out->proposals;
	cfg->encap = cc->encap;
	cfg->rekey_time = clamp32(cc->rekey_time);
	cfg->reauth_time = clamp32(cc->reauth_time);
	cfg->over_time = clamp32(cc->over_time);
	cfg->rand_time = clamp32(cc->rand_time);
	cfg->dpd_delay = clamp32(cc->dpd_delay);
	cfg->keyingtries = cc->keyingtries;

	TAILQ_FOREACH (ch, &cc->children, entry) {
		struct ike_child_cfg *k = &out->children[i++];

		if (strlen(ch->name) >= sizeof(k->name)) {
			snprintf(err, errlen, "%sconnection %s: child %s: name longer than %zu characters",
				 locstr(&ch->loc, where, sizeof(where)), cc->name, ch->name,
				 sizeof(k->name) - 1);
			return -EINVAL;
		}
		strcpy(k->name, ch->name);
		k->mode = ch->mode == CONF_MODE_TRANSPORT ? IKE_MODE_TRANSPORT : IKE_MODE_TUNNEL;
		k->local_ts = keep(out, join(&ch->local_ts));
		k->remote_ts = keep(out, join(&ch->remote_ts));
		k->esp_proposals = keep(out, join(&ch->esp_proposals));
		if (!k->local_ts || !k->remote_ts || !k->esp_proposals)
			goto nomem;
		k->rekey_time = clamp32(ch->rekey_time);
		k->life_time = clamp32(ch->life_time);
		k->rand_time = clamp32(ch->rand_time);
		k->rekey_bytes = ch->rekey_bytes;
		k->life_bytes = ch->life_bytes;
		k->rekey_packets = ch->rekey_packets;
		k->life_packets = ch->life_packets;
		k->start = ch->start_action == CONF_ACTION_START ||
			   ch->start_action == CONF_ACTION_TRAP_START;
		k->dpd_action = dcfg_action(ch->dpd_action);
		k->close_action = dcfg_action(ch->close_action);
	}
	cfg->n_children = i;
	cfg->children = out->children;

	/* strongSwan looks the key up with our address as our identity when
	 * none is configured. */
	lid = cfg->local_id;
	if (!lid.type && cfg->local.family) {
		lid.type = cfg->local.family == AF_INET ? IKE_ID_IPV4_ADDR : IKE_ID_IPV6_ADDR;
		lid.len = cfg->local.family == AF_INET ? 4 : 16;
		memcpy(lid.data, cfg->local.ip, lid.len);
	}
	sec = dcfg_psk_lookup(conf, lid.type ? &lid : NULL, &cfg->remote_id);
	if (!sec) {
		snprintf(err, errlen, "%sconnection %s: no pre-shared key (secrets { ike... }) matches its identities",
			 locstr(&cc->loc, where, sizeof(where)), cc->name);
		return -ENOKEY;
	}
	out->psk = malloc(sec->key_len ? sec->key_len : 1);
	if (!out->psk)
		goto nomem;
	memcpy(out->psk, sec->key, sec->key_len);
	out->psk_len = sec->key_len;
	cfg->psk = out->psk;
	cfg->psk_len = out->psk_len;
	return 0;
nomem:
	snprintf(err, errlen, "connection %s: out of memory", cc->name);
	return -ENOMEM;
}

void dcfg_conn_free(struct dcfg_conn *c)
{
	if (c->psk) {
		OPENSSL_cleanse(c->psk, c->psk_len);
		free(c->psk);
	}
	for (size_t i = 0; i < c->n_strings; i++)
		free(c->strings[i]);
	free(c->strings);
	free(c->children);
	free(c->proposals);
	memset(c, 0, sizeof(*c));
}
