#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# conduitd as a responder under load, in a network namespace of its own:
# tests/bench/ikeload sets up SAs from many identities on loopback, in
# steps, and this prints conduitd's CPU per new IKE_SA+CHILD_SA at each
# number of SAs held (flat is the goal), its RSS per SA, and how long
# `conduitctl status` takes with all of them held. A figure, not a test.
#
#   tests/bench/daemon.sh [-b BUILDDIR] [-k INFLIGHT] [--ike P] [--esp P] STEP...
#
# Each STEP is how many SAs to hold after it (e.g. 1000 10000 50000).
# conduitd runs with --kernel none: nothing is installed in any kernel (the
# host's has no ESP), so this measures the daemon alone, sockets included.
# Needs root (unshare -n).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${CONDUIT_BUILDDIR:-$here/../../build}
k=50
ike=aes128gcm16-prfsha256-x25519
esp=aes128gcm16
steps=()
while [ $# -gt 0 ]; do
	case $1 in
	-b) build=$2; shift 2 ;;
	-k) k=$2; shift 2 ;;
	--ike) ike=$2; shift 2 ;;
	--esp) esp=$2; shift 2 ;;
	-h | --help) sed -n '3,13p' "$0"; exit 0 ;;
	*) steps+=("$1"); shift ;;
	esac
done
[ ${#steps[@]} -gt 0 ] || steps=(1000 5000)

if [ -z "${CONDUIT_BENCH_NETNS:-}" ]; then
	exec env CONDUIT_BENCH_NETNS=1 CONDUIT_BUILDDIR="$build" unshare -n "$0" -k "$k" \
		--ike "$ike" --esp "$esp" "${steps[@]}"
fi

ip link set lo up
dir=$(mktemp -d /tmp/conduit-bench.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

cat >"$dir/conduit.conf" <<CONF
connections {
	load {
		local_addrs = 127.0.0.1
		proposals = $ike
		local { auth = psk
			id = gw.example }
		remote { auth = psk }
		unique = never
		children {
			net {
				local_ts = 10.0.0.0/16
				remote_ts = 100.64.0.0/10
				esp_proposals = $esp
				rekey_time = 0
			}
		}
	}
}
secrets {
	ike-load { secret = "a load generator's secret, long enough" }
}
CONF

"$build/daemon/conduitd" --kernel none -f -c "$dir/conduit.conf" -s "$dir/ctl.sock" -l error \
	2>"$dir/conduitd.log" &
pid=$!
for _ in $(seq 100); do
	"$build/daemon/conduitctl" --control "$dir/ctl.sock" status >/dev/null 2>&1 && break
	sleep 0.1
done 2>/dev/null || true

ticks=$(getconf CLK_TCK)
cpu_ms() { awk -v t="$ticks" '{print ($14 + $15) * 1000 / t}' "/proc/$pid/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }

echo "conduitd responder, $ike / $esp, at most $k exchanges in flight"
held=0
rss0=$(rss_kb)
for target in "${steps[@]}"; do
	n=$((target - held))
	[ "$n" -gt 0 ] || continue
	c0=$(cpu_ms)
	r0=$(rss_kb)
	out=$("$build/tests/bench/ikeload" --remote 127.0.0.1 --first "$held" -n "$n" -k "$k" \
		--ike "$ike" --esp "$esp" --psk "a load generator's secret, long enough") || {
		echo "$out"
		echo "ikeload failed; conduitd said:"
		tail -n 5 "$dir/conduitd.log"
		exit 1
	}
	c1=$(cpu_ms)
	r1=$(rss_kb)
	held=$target
	awk -v n="$n" -v h="$held" -v c="$((c1 - c0))" -v r="$((r1 - r0))" -v o="$out" 'BEGIN {
		printf "%7d SAs held: %.2f ms CPU per new SA, %.0f B RSS per new SA  (%s)\n",
			h, c / n, r * 1024 / n, o }'
done
t0=$(date +%s%N)
"$build/daemon/conduitctl" --control "$dir/ctl.sock" status >"$dir/status"
t1=$(date +%s%N)
echo "conduitctl status with $held SAs held: $(((t1 - t0) / 1000000)) ms; RSS $(rss_kb) kB (at start $rss0 kB)"
grep -iE "ike|child" "$dir/status" | head -n 3
