#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A responder under load, in a network namespace of its own:
# tests/bench/ikeload sets up SAs from many identities on loopback, in
# steps, and this prints the responder's CPU per new IKE_SA+CHILD_SA at
# each number of SAs held (flat is the goal), its RSS per SA, and how long
# a status query takes with all of them held. A figure, not a test.
#
#   tests/bench/daemon.sh [-b BUILDDIR] [-k INFLIGHT] [--ike P] [--esp P]
#                         [--responder conduit|strongswan|both] STEP...
#
# Each STEP is how many SAs to hold after it (e.g. 1000 10000 50000).
# conduitd runs with --kernel none, strongSwan's charon with its
# load-tester plugin's fake kernel (LOAD_TESTER_SO, built by
# ../shared/bench/build-load-tester.sh): nothing is installed in any kernel
# (the host's has no ESP), so this measures the daemons alone, sockets
# included, on the same work from the same initiator. Needs root.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${CONDUIT_BUILDDIR:-$here/../../build}
k=50
ike=aes128gcm16-prfsha256-x25519
esp=aes128gcm16
who=conduit
steps=()
while [ $# -gt 0 ]; do
	case $1 in
	-b) build=$2; shift 2 ;;
	-k) k=$2; shift 2 ;;
	--ike) ike=$2; shift 2 ;;
	--esp) esp=$2; shift 2 ;;
	--responder) who=$2; shift 2 ;;
	-h | --help) sed -n '3,17p' "$0"; exit 0 ;;
	*) steps+=("$1"); shift ;;
	esac
done
[ ${#steps[@]} -gt 0 ] || steps=(1000 5000)
case $who in
conduit | strongswan) ;;
both)
	out=$(mktemp)
	"$0" -b "$build" -k "$k" --ike "$ike" --esp "$esp" --responder conduit "${steps[@]}" |
		tee "$out"
	"$0" -b "$build" -k "$k" --ike "$ike" --esp "$esp" --responder strongswan "${steps[@]}" |
		tee -a "$out"
	# conduit/strongSwan at each number held: CPU and RSS per new SA
	awk '$3 == "SAs" && $4 == "held:" { cpu[$1, $2] = $5; rss[$1, $2] = $11; held[$2] = 1 }
	     END { for (h in held) if (cpu["strongswan", h] > 0)
			printf "conduit/strongSwan at %d SAs held: CPU per SA %.2f, RSS per SA %.2f\n",
				h, cpu["conduit", h] / cpu["strongswan", h], rss["conduit", h] / rss["strongswan", h] }' \
		"$out" | sort -t' ' -k3 -n
	rm -f "$out"
	exit 0
	;;
*) echo "daemon.sh: --responder conduit, strongswan or both" >&2; exit 2 ;;
esac

if [ -z "${CONDUIT_BENCH_NETNS:-}" ]; then
	exec env CONDUIT_BENCH_NETNS=1 unshare -n "$0" -b "$build" -k "$k" --ike "$ike" \
		--esp "$esp" --responder "$who" "${steps[@]}"
fi

ip link set lo up
dir=$(mktemp -d /tmp/conduit-bench.XXXXXX)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT

psk="a load generator's secret, long enough"
ids=(--id-prefix peer- --id-suffix .example --remote-id gw.example)
if [ "$who" = conduit ]; then
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
	ike-load { secret = "$psk" }
}
CONF
	# as strongSwan below: no cookies or per-source limits for the one
	# busy initiator address
	"$build/daemon/conduitd" --kernel none -f -c "$dir/conduit.conf" \
		--control "$dir/ctl.sock" -l error --cookie-threshold 1000000 \
		--cookie-threshold-ip 1000000 --half-open-max-ip 1000000 \
		${CONDUITD_BENCH_OPTS:-} 2>"$dir/daemon.log" &
	pid=$!
	status() { "$build/daemon/conduitctl" --control "$dir/ctl.sock" status; }
else
	so=${LOAD_TESTER_SO:-/tmp/ssbench-cache/libstrongswan-load-tester.so}
	[ -s "$so" ] || { echo "strongSwan: no load-tester plugin at $so (build it with ../shared/bench/build-load-tester.sh)"; exit 0; }
	psk=default-psk
	ids=(--id-prefix c --id-suffix -r1.strongswan.org --remote-id srv.strongswan.org)
	# strongSwan's own advice for load tests: a hashed IKE SA table, no
	# cookies or blocking for one busy initiator address.
	cat >"$dir/strongswan.conf" <<CONF
charon {
	load_modular = no
	load = load-tester random nonce openssl kdf hmac pem pkcs1 x509 kernel-netlink socket-default
	ikesa_table_size = 65536
	ikesa_table_segments = 16
	reuse_ikesa = no
	cookie_threshold = 1000000
	cookie_threshold_ip = 1000000
	block_threshold = 1000000
	init_limit_half_open = 0
	install_routes = no
	filelog { stderr { default = -1 } }
	syslog { daemon { default = -1 } }
	plugins {
		load-tester {
			enable = yes
			initiators = 0
			fake_kernel = yes
			responder = 127.0.0.1
			proposal = $ike
			esp = $esp
			initiator_auth = psk
			responder_auth = psk
			responder_tsi = 100.64.0.0/10
			responder_tsr = 10.0.0.0/16
			child_rekey = 0
		}
	}
}
CONF
	STRONGSWAN_CONF="$dir/strongswan.conf" LD_PRELOAD="$so" /usr/lib/ipsec/charon \
		2>"$dir/daemon.log" &
	pid=$!
	status() { ss -uan | grep -c . ; }
fi
for _ in $(seq 100); do
	ss -uanp 2>/dev/null | grep -q ":500 .*pid=$pid," && break
	sleep 0.1
done
sleep 0.5

ticks=$(getconf CLK_TCK)
cpu_ms() { awk -v t="$ticks" '{print ($14 + $15) * 1000 / t}' "/proc/$pid/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }

echo "$who responder, $ike / $esp, at most $k exchanges in flight"
held=0
rss0=$(rss_kb)
for target in "${steps[@]}"; do
	n=$((target - held))
	[ "$n" -gt 0 ] || continue
	c0=$(cpu_ms)
	r0=$(rss_kb)
	out=$("$build/tests/bench/ikeload" --remote 127.0.0.1 --first "$held" -n "$n" -k "$k" \
		--ike "$ike" --esp "$esp" --psk "$psk" "${ids[@]}") || {
		echo "$out"
		echo "ikeload failed; the responder said:"
		tail -n 5 "$dir/daemon.log"
		exit 1
	}
	c1=$(cpu_ms)
	r1=$(rss_kb)
	held=$target
	awk -v n="$n" -v h="$held" -v c="$((c1 - c0))" -v r="$((r1 - r0))" -v o="$out" -v w="$who" 'BEGIN {
		printf "%-10s %7d SAs held: %.3f ms CPU per new SA, %.0f B RSS per new SA  (%s)\n",
			w, h, c / n, r * 1024 / n, o }'
done
if [ "$who" = conduit ]; then
	t0=$(date +%s%N)
	status >"$dir/status"
	t1=$(date +%s%N)
	echo "conduitctl status with $held SAs held: $(((t1 - t0) / 1000000)) ms; RSS $(rss_kb) kB (at start $rss0 kB)"
else
	echo "charon: RSS $(rss_kb) kB with $held SAs held (at start $rss0 kB)"
fi
