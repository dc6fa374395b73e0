#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# conduit.conf(5) names every key the model builder (conf/conf_model.c and
# its parts, listed in conf/conf_model.h) knows, and no other: implemented
# keys as ".TP" tags "\fBkey\fR = ...", strongSwan keys conduit refuses as
# bold words in the section NOT IMPLEMENTED. A key added to the builder
# without its man page entry (or the reverse) fails here.
set -eu
src=${CONDUIT_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
page=$src/man/conduit.conf.5
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The key tables are in conf_keys.c; the builders compare keys in the others.
model=$tmp/model.c
for f in conf_model.c conf_keys.c conf_conn.c conf_auth.c conf_secrets.c; do
	cat "$src/conf/$f"
done >"$model"

# The quoted words of a NULL-terminated table: static const char *const NAME[] = {...};
table() {
	awk -v name="$1" '
		$0 ~ "const char \\*const " name "\\[\\] = \\{" { on = 1; next }
		on && /^};/ { on = 0 }
		on { while (match($0, /"[^"]*"/)) { print substr($0, RSTART + 1, RLENGTH - 2); $0 = substr($0, RSTART + RLENGTH) } }
	' "$model"
}

# Implemented: the key tables of connections and children, and the keys the
# builders of local/remote rounds and secrets compare (strcmp/strncmp on kv->key).
{
	table conf_conn_keys
	table conf_child_keys
	grep -o 'str\(n\)\{0,1\}cmp(kv->key, "[a-z_0-9]*"' "$model" | sed 's/.*"\(.*\)"/\1/'
} | sort -u >"$tmp/model-impl"
for t in conf_conn_not_impl conf_auth_not_impl conf_child_not_impl conf_secret_not_impl; do
	table "$t"
done | sort -u >"$tmp/model-refused"

# Sanity: an empty extraction would make the comparison pass vacuously.
for f in model-impl model-refused; do
	n=$(wc -l <"$tmp/$f")
	if [ "$n" -lt 5 ]; then
		echo "check-conf-keys: only $n keys read from conf/conf_*.c ($f): has its layout changed?" >&2
		exit 1
	fi
done

awk '
	/^\.SH / { notimpl = ($0 ~ /^\.SH "?NOT IMPLEMENTED/) }
	/^\.TP/ { tag = 1; next }
	tag && !notimpl && match($0, /^\\fB[a-z_0-9]+\\fR( = |\\fI)/) { s = substr($0, 4); sub(/\\fR.*/, "", s); print s }
	{ tag = 0 }
' "$page" | sort -u >"$tmp/page-impl"
awk '
	/^\.SH / { notimpl = ($0 ~ /^\.SH "?NOT IMPLEMENTED/); next }
	notimpl && !/^\./ { while (match($0, /\\fB[a-z_0-9]+\\fR/)) { print substr($0, RSTART + 3, RLENGTH - 6); $0 = substr($0, RSTART + RLENGTH) } }
' "$page" | sort -u >"$tmp/page-refused"

rc=0
compare() { # what model-file page-file
	missing=$(comm -23 "$2" "$3" | tr '\n' ' ')
	extra=$(comm -13 "$2" "$3" | tr '\n' ' ')
	if [ -n "$missing" ]; then
		echo "check-conf-keys: $1 keys conf/ knows that conduit.conf(5) does not list: $missing" >&2
		rc=1
	fi
	if [ -n "$extra" ]; then
		echo "check-conf-keys: $1 keys conduit.conf(5) lists that conf/ does not know: $extra" >&2
		rc=1
	fi
}
compare implemented "$tmp/model-impl" "$tmp/page-impl"
compare "not implemented" "$tmp/model-refused" "$tmp/page-refused"
[ $rc -ne 0 ] || echo "check-conf-keys: $(wc -l <"$tmp/model-impl") implemented and $(wc -l <"$tmp/model-refused") refused keys, all in conduit.conf(5)"
exit $rc
