#!/bin/bash
# conduitctl reload against a real conduitd: which connections a reload
# calls unchanged, changed, added or removed, when only secrets change.
# A connection written as before keeps its SAs only if its key is the
# same: conduitd decides that for PSK connections from the secret alone
# (without converting the connection again), so this test changes secrets
# and nothing else. One conduitd with --kernel none in a network namespace
# of its own (unshare -rn, loopback only), connection a talking to b.
set -eu -o pipefail
B=${CONDUIT_BUILDDIR:?}/daemon
[ -x "$B/conduitd" ] && [ -x "$B/conduitctl" ] || { echo "conduitd/conduitctl not built"; exit 99; }
py=${PYTHON3:-/usr/bin/python3}
fail() { echo "FAIL: $*"; exit 1; }
unshare -rn true 2>/dev/null || fail "cannot make a network namespace (unshare -rn)"
dir=$(mktemp -d /tmp/conduit-reload-XXXXXX)
trap 'rm -rf "$dir"' EXIT

# conf SECRETS: the three connections, then the secrets section given
conf() {
	cat <<-EOC
		connections {
			a {
				local_addrs = 127.0.0.1
				remote_addrs = 127.0.0.2
				local { auth = psk
					id = a }
				remote { auth = psk
					id = b }
				children { net { local_ts = 10.1.0.0/24
					remote_ts = 10.2.0.0/24 } }
			}
			b {
				local_addrs = 127.0.0.2
				remote_addrs = 127.0.0.1
				local { auth = psk
					id = b }
				remote { auth = psk
					id = a }
				children { net { local_ts = 10.2.0.0/24
					remote_ts = 10.1.0.0/24 } }
			}
			c {
				remote_addrs = 127.0.0.3
				local { auth = psk
					id = gw }
				remote { auth = psk
					id = c-peer.example }
				children { net { remote_ts = 10.3.0.0/24 } }
			}
		}
		secrets {
		$1
		}
	EOC
}
AB='ike-ab { id-a = a
	id-b = b
	secret = "the first secret of a and b" }'
C='ike-c { id = c-peer.example
	secret = "the secret of c" }'
conf "$AB $C" >"$dir/conduit.conf"

export B dir
timeout 60 unshare -rn bash -c '
set -eu -o pipefail
ip link set lo up
ctl() { "$B/conduitctl" --control "$dir/ctl.sock" "$@"; }
"$B/conduitd" --kernel none --foreground --config "$dir/conduit.conf" \
	--control "$dir/ctl.sock" 2>"$dir/conduitd.log" &
pid=$!
trap "kill $pid 2>/dev/null || true" EXIT
for i in $(seq 1 50); do [ -S "$dir/ctl.sock" ] && break; sleep 0.1; done
[ -S "$dir/ctl.sock" ] || { echo "conduitd did not start: $(tail -n 5 "$dir/conduitd.log")"; exit 1; }
ctl initiate a >/dev/null
ctl list-sas --json >"$dir/sas0.json"
n=1
while [ -e "$dir/step$n.conf" ]; do
	cp "$dir/step$n.conf" "$dir/conduit.conf"
	ctl --json reload >"$dir/reload$n.json" 2>&1 || true
	ctl list-sas --json >"$dir/sas$n.json"
	n=$((n + 1))
done
kill -TERM $pid
wait $pid
' 2>&1 >/dev/null &
runner=$!
# the steps, written before the runner reaches them (it waits for the socket first)
conf "$AB $C" >"$dir/step1.conf"					   # nothing changed
conf "$AB ${C/the secret/the new secret}" >"$dir/step2.conf"		   # c's key
conf "${AB/first/second} ${C/the secret/the new secret}" >"$dir/step3.conf" # a's and b's
conf "${AB/first/second}" >"$dir/step4.conf"			   # no secret for c: refused
conf "${AB/first/second} ${C/id = c-peer.example/id = *.example}" >"$dir/step5.conf" # a pattern
wait $runner || fail "conduitd run failed: $(tail -n 20 "$dir/conduitd.log")"

"$py" - "$dir" <<'EOPY' || fail "reload not as expected"
import json, sys
d = sys.argv[1]
def reload(n):
    return json.load(open(f"{d}/reload{n}.json"))
def spis(n):
    s = json.load(open(f"{d}/sas{n}.json"))
    return sorted((x["connection"], x["spi_i"], x["spi_r"]) for x in s["ike_sas"])
def summary(r):
    return {k: sorted(r[k]) for k in ("added", "removed", "changed", "unchanged")}
want = {
    1: dict(added=[], removed=[], changed=[], unchanged=["a", "b", "c"]),
    2: dict(added=[], removed=[], changed=["c"], unchanged=["a", "b"]),
    3: dict(added=[], removed=[], changed=["a", "b"], unchanged=["c"]),
    5: dict(added=[], removed=[], changed=["c"], unchanged=["a", "b"]),
}
assert len(spis(0)) == 2, spis(0)
for n, w in want.items():
    r = reload(n)
    assert r.get("ok"), (n, r)
    assert summary(r) == w, (n, summary(r), w)
# unchanged a and b keep their SAs; a changed key takes them down
assert spis(1) == spis(0) and spis(2) == spis(0), (spis(0), spis(1), spis(2))
assert not [s for s in spis(3) if s in spis(0)], (spis(0), spis(3))
r = reload(4)
assert not r.get("ok"), r
assert any("connection c: no pre-shared key" in e for e in r["errors"]), r
print("reload: unchanged kept their SAs, a changed secret changed its connections, "
      "a missing one was refused, a pattern secret applied")
EOPY
