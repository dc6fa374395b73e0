#!/bin/bash
# conduitctl metrics against a real conduitd (issue 15): one conduitd with
# --kernel none in a network namespace of its own (unshare -rn, loopback
# only: this machine's kernel has no veth) talks to itself, connection a
# from 127.0.0.1 to 127.0.0.2 and connection b back, so each exchange is
# sent by one connection and received by the other. The tunnel comes up
# and its child is rekeyed; then `conduitctl metrics` must parse with the
# Prometheus text-format parser (python3-prometheus-client) and its
# counters equal `conduitctl counters --json` (tests/uml/metrics-check.py),
# a's sent messages b's received ones, and `counters a --reset` zero a's
# alone. tests/uml/scenarios/metrics-conduit.uml does the same between two
# conduitds with the kernel's SA counters.
set -eu -o pipefail
B=${CONDUIT_BUILDDIR:?}/daemon
src=${CONDUIT_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
[ -x "$B/conduitd" ] && [ -x "$B/conduitctl" ] || { echo "conduitd/conduitctl not built"; exit 99; }
py=${PYTHON3:-/usr/bin/python3}
fail() { echo "FAIL: $*"; exit 1; }
"$py" -c 'import prometheus_client.parser' 2>/dev/null ||
	fail "$py cannot import prometheus_client: install python3-prometheus-client (tools/install-deps)"
unshare -rn true 2>/dev/null || fail "cannot make a network namespace (unshare -rn)"
dir=$(mktemp -d /tmp/conduit-metrics-XXXXXX)
trap 'rm -rf "$dir"' EXIT

cat >"$dir/conduit.conf" <<'EOC'
connections {
	a {
		local_addrs = 127.0.0.1
		remote_addrs = 127.0.0.2
		local {
			auth = psk
			id = a
		}
		remote {
			auth = psk
			id = b
		}
		children {
			net {
				local_ts = 10.1.0.0/24
				remote_ts = 10.2.0.0/24
			}
		}
	}
	b {
		local_addrs = 127.0.0.2
		remote_addrs = 127.0.0.1
		local {
			auth = psk
			id = b
		}
		remote {
			auth = psk
			id = a
		}
		children {
			net {
				local_ts = 10.2.0.0/24
				remote_ts = 10.1.0.0/24
			}
		}
	}
}
secrets {
	ike-ab {
		id-a = a
		id-b = b
		secret = "the metrics test's shared secret"
	}
}
EOC

# Inside the namespace: run, talk to itself, take the snapshots.
export B dir
timeout 60 unshare -rn bash -c '
set -eu -o pipefail
ip link set lo up
ctl() { "$B/conduitctl" --control "$dir/ctl.sock" "$@"; }
"$B/conduitd" --kernel none --foreground --config "$dir/conduit.conf" \
	--control "$dir/ctl.sock" --log-level debug 2>"$dir/conduitd.log" &
pid=$!
trap "kill $pid 2>/dev/null || true" EXIT
for i in $(seq 1 50); do [ -S "$dir/ctl.sock" ] && break; sleep 0.1; done
[ -S "$dir/ctl.sock" ] || { echo "conduitd did not start: $(tail -n 5 "$dir/conduitd.log")"; exit 1; }
ctl initiate a
ctl rekey a/net
for i in $(seq 1 50); do
	ctl counters a | grep -q "^    gone: .*rekeyed 1" && break
	sleep 0.1
done
ctl metrics >"$dir/metrics.prom"
ctl counters --json >"$dir/counters.json"
ctl list-sas --json >"$dir/list-sas.json"
ctl counters a --reset --json >"$dir/reset.json"
ctl counters --json >"$dir/after.json"
if ctl counters nosuch >"$dir/nosuch.out" 2>&1; then echo "counters nosuch succeeded"; exit 1; fi
kill -TERM $pid
wait $pid
' || fail "conduitd run failed: $(tail -n 20 "$dir/conduitd.log")"

"$py" "$src/tests/uml/metrics-check.py" --no-traffic "$dir/metrics.prom" "$dir/counters.json" \
	"$dir/list-sas.json" || fail "metrics and counters disagree"
"$py" - "$dir" <<'EOPY' || fail "counters not as expected"
import json, sys
d = sys.argv[1]
c = json.load(open(d + "/counters.json"))
a, b, g = c["connections"]["a"], c["connections"]["b"], c["global"]
for x, y, xn, yn in ((a, b, "a", "b"), (b, a, "b", "a")):
    for k in ("request", "response"):
        assert x["messages"]["out"][k] == y["messages"]["in"][k], (xn, yn, k, x, y)
    assert x["notifies"]["out"] == y["notifies"]["in"], (xn, yn, x["notifies"], y["notifies"])
assert g["messages"]["out"] == g["messages"]["in"], g["messages"]
out = a["messages"]["out"]["request"]
assert out["IKE_SA_INIT"] == out["IKE_AUTH"] == out["CREATE_CHILD_SA"] == 1, out
assert a["notifies"]["out"]["REKEY_SA"] == 1, a["notifies"]
assert a["child_sas"]["established"] == b["child_sas"]["established"] == 2, (a, b)
assert a["child_sas"]["down"]["rekeyed"] == 1, a["child_sas"]
assert g["ike_sas"]["established"] == 2 and g["ike_sas"]["failed"] == 0, g["ike_sas"]
r = json.load(open(d + "/reset.json"))
assert r["reset"] and list(r["connections"]) == ["a"] and "global" not in r, r
assert r["connections"]["a"] == a, "the reset reply is not what was counted"
after = json.load(open(d + "/after.json"))
zero = lambda s: sum(v for x in s["messages"].values() for k in x.values() for v in k.values())
assert zero(after["connections"]["a"]) == 0, after["connections"]["a"]
assert after["connections"]["b"] == b and after["global"] == g, "reset reached beyond a"
print("a sent what b received and back; IKE_SA_INIT, IKE_AUTH, CREATE_CHILD_SA once each; "
      "counters a --reset zeroed a alone")
EOPY
grep -qx "conduitctl: no connection named nosuch" "$dir/nosuch.out" ||
	fail "counters nosuch: $(cat "$dir/nosuch.out")"
grep -q '^# TYPE conduit_ike_messages_total counter$' "$dir/metrics.prom" || fail "no TYPE line"
echo "metrics: parsed, and equal to counters --json"
