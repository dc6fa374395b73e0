#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# conduitctl's bash completion: commands, options, and the connection and
# child names of a daemon, read through the real conduitctl from a fake
# daemon (python3) answering list-conns on a socket given with -s.
# make check runs .sh tests with sh: the completion is bash.
[ -n "${BASH_VERSION:-}" ] || exec bash "$0" "$@"
set -euo pipefail
src=${CONDUIT_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${CONDUIT_BUILDDIR:-$src/build}
command -v python3 >/dev/null || { echo "completion: python3 not found" >&2; exit 77; }
[ -x "$build/daemon/conduitctl" ] || { echo "completion: $build/daemon/conduitctl not built" >&2; exit 1; }
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -z "$pid" ] || kill "$pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

python3 - "$tmp/sock" <<'EOPY' &
import json, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(8)
child = lambda name, mode: {"name": name, "mode": mode, "local_ts": ["10.1.0.0/24"],
                            "remote_ts": ["10.2.0.0/24"], "esp_proposals": ["default"],
                            "start_action": "none"}
conn = lambda name, children, **kw: dict({"name": name, "local_addrs": ["192.0.2.1"],
    "remote_addrs": ["192.0.2.2"], "local_port": 500, "remote_port": 500,
    "local_id": "a", "remote_id": "b", "proposals": ["default"], "encap": False,
    "unique": "no", "children": children}, **kw)
reply = {"ok": True, "connections": [
    conn("site-b", [child("net", "tunnel"), child("voip", "transport")]),
    conn("site-c", [child("proposals", "tunnel")], unique="replace", encap=True, local_port=4500),
    conn("road", [])]}
while True:
    c, _ = s.accept()
    line = c.makefile().readline()
    req = json.loads(line)
    out = reply if req.get("cmd") == "list-conns" else {"ok": False, "error": "no"}
    c.sendall((json.dumps(out) + "\n").encode())
    c.close()
EOPY
pid=$!
for _ in $(seq 1 50); do [ -S "$tmp/sock" ] && break; sleep 0.1; done
[ -S "$tmp/sock" ] || { echo "completion: the fake daemon did not start" >&2; exit 1; }

PATH=$build/daemon:$PATH
# shellcheck source=/dev/null
. "$src/daemon/conduitctl.bash-completion"
rc=0
expect() { # expect "WANT" WORD... : complete the last word of the line
	local want=$1
	shift
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_conduitctl || true # compgen without a match returns 1
	local got="${COMPREPLY[*]}"
	if [ "$got" != "$want" ]; then
		echo "completion: '$*': got '$got', want '$want'" >&2
		rc=1
	fi
}
expect "status list-conns list-sas list-certs list-pols list-algs initiate terminate rekey reload counters metrics monitor" \
	conduitctl ""
expect "rekey reload" conduitctl -s "$tmp/sock" re
expect "--conn --control" conduitctl --co
expect "site-b site-b/net site-b/voip site-c site-c/proposals road" \
	conduitctl -s "$tmp/sock" initiate ""
expect "site-b/net site-b/voip" conduitctl --json --control "$tmp/sock" terminate site-b/
expect "road" conduitctl -t 5 -s "$tmp/sock" rekey r
expect "site-b site-c" conduitctl -s "$tmp/sock" counters site
expect "" conduitctl -s "$tmp/sock" rekey site-b ""
expect "" conduitctl -s "$tmp/sock" status ""
expect "" conduitctl -s "$tmp/nothing-here" initiate ""
[ $rc -ne 0 ] || echo "completion: commands, options, and connection and child names from the daemon"
exit $rc
