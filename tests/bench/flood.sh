#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Flood benchmark (issue 13): spoofed IKE_SA_INIT requests from a /16 of
# source addresses (tests/bench/ike_flood) against a conduitd responder,
# while a legitimate conduitd initiator from its own address sets up (and
# takes down) an IKE SA every second. Runs on the host, in three network
# namespaces it makes and removes; both conduitds run with --kernel none
# (nothing is installed in any kernel: the host has no ESP, and an IKE
# flood needs none). A figure, not a test. Needs root.
#
#   tests/bench/flood.sh [-b BUILDDIR] [-d DAEMONDIR] [-n LABEL] [MODE...]
#
# BUILDDIR has tests/bench/ike_flood (default ../../build); DAEMONDIR the
# conduitd and conduitctl to measure (default BUILDDIR/daemon; another
# build's, e.g. an older commit's, to compare). MODEs (default: valid badke
# unknown): valid (requests the responder accepts, random X25519 values),
# badke (the X25519 value 0, of small order: no key may be made for it),
# noprop (a proposal the responder refuses), unknown (valid requests, but
# the responder's connection takes only the legitimate peer's address).
# Environment: FLOOD_RATE (pps, 0 = as fast as the sender can; default 0),
# FLOOD_SECONDS per run (default 60), FLOOD_BITS (spoofed prefix length's
# complement; default 16: a /16).
#
# Per run (a fresh responder each) it prints: the flood's rate sent and
# the rate the responder's socket delivered; legitimate setups that
# succeeded of those attempted and their time (conduitctl initiate's wall
# time: median, max); the responder's CPU share, peak RSS (VmHWM) and the
# most half-open SAs seen (IKE SAs in all for a build without that
# figure); replies sent per request received (the flood link's packet
# counters); the responder's log lines a second at the default log level
# (average, busiest second, most of one event class in one second, the
# legitimate peer's own lines left out of classes); and
# the key exchange values the responder made (counted by count_keys.so in
# OpenSSL, so that a build without the dh_keys counter is measured the
# same way; dh_keys is printed beside it where the build has it).
#
# Topology: flood (198.18.0.0/16 spoofed) -f0- resp 192.0.2.2 -l0- legit
# 192.0.2.1. The responder's replies to the spoofed range leave through a
# device (sink0) that drops them, as a NIC sends them away; replies per
# request are the responder's UDP datagrams sent over f0's packets received.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${CONDUIT_BUILDDIR:-$here/../../build}
ddir=
label=
modes=()
while [ $# -gt 0 ]; do
	case $1 in
	-b) build=$2; shift 2 ;;
	-d) ddir=$2; shift 2 ;;
	-n) label=$2; shift 2 ;;
	-h | --help) sed -n '3,36p' "$0"; exit 0 ;;
	valid | badke | noprop | unknown) modes+=("$1"); shift ;;
	*) echo "flood.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done
[ ${#modes[@]} -gt 0 ] || modes=(valid badke unknown)
build=$(cd "$build" && pwd)
ddir=$(cd "${ddir:-$build/daemon}" && pwd)
label=${label:-$ddir}
rate=${FLOOD_RATE:-0}
secs=${FLOOD_SECONDS:-60}
bits=${FLOOD_BITS:-16}
FLOOD=$build/tests/bench/ike_flood
D=$ddir/conduitd
C=$ddir/conduitctl
for f in "$FLOOD" "$D" "$C"; do
	[ -x "$f" ] || { echo "flood.sh: no $f (make -C $build check TESTS= builds ike_flood)" >&2; exit 2; }
done
[ "$(id -u)" = 0 ] || { echo "flood.sh: needs root (network namespaces, a raw socket)" >&2; exit 2; }

RESP=192.0.2.2
LEGIT=192.0.2.1
tag=cfl$$
NS_R=$tag-resp
NS_L=$tag-legit
NS_F=$tag-flood
dir=$(mktemp -d /tmp/conduit-flood.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	for p in "${pids[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	for n in "$NS_R" "$NS_L" "$NS_F"; do
		ip netns del "$n" 2>/dev/null || true
	done
	[ -n "${FLOOD_KEEP:-}" ] && echo "flood.sh: kept $dir" >&2 || rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The key counter, built here (a shared object has no place in the
# non-libtool build): no OpenSSL headers needed.
${CC:-cc} -O2 -shared -fPIC -o "$dir/count_keys.so" "$here/count_keys.c" -ldl

ip netns add "$NS_R"
ip netns add "$NS_L"
ip netns add "$NS_F"
ip link add l0 netns "$NS_L" type veth peer name l0 netns "$NS_R"
ip link add f0 netns "$NS_F" type veth peer name f0 netns "$NS_R"
ip -n "$NS_R" -batch - <<-EOB
	link set lo up
	link set l0 up
	link set f0 up
	addr add $RESP/24 dev l0
	addr add 198.19.0.2/30 dev f0
	link add sink0 type veth peer name sink1
	link set sink0 up
	addr add 198.19.1.2/30 dev sink0
	neigh add 198.19.1.1 lladdr 02:00:00:00:00:01 dev sink0 nud permanent
	route add 198.18.0.0/16 via 198.19.1.1 dev sink0
EOB
ip -n "$NS_L" -batch - <<-EOB
	link set lo up
	link set l0 up
	addr add $LEGIT/24 dev l0
EOB
ip -n "$NS_F" -batch - <<-EOB
	link set lo up
	link set f0 up
	addr add 198.19.0.1/30 dev f0
	route add $RESP/32 via 198.19.0.2
EOB
# The replies to the spoofed range leave through sink0, a veth whose peer
# is down: it drops what it is given, as a gateway's NIC sends them off to the
# internet: were they routed back over f0, the flood namespace's receive
# path (ip_rcv, a route lookup, the drop) would run in the responder's
# system call and be charged to it, which no real gateway pays (perf
# showed a third of the responder's CPU there). Spoofed sources arrive on
# f0 while their route leaves through sink0: reverse-path filtering off.
ip netns exec "$NS_R" sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.f0.rp_filter=0

conf() { # local remote local_id remote_id local_net remote_net
	cat <<-EOC
		connections {
			gw {
				local_addrs = $1
				remote_addrs = $2
				proposals = aes256gcm16-prfsha256-x25519
				local {
					auth = psk
					id = $3
				}
				remote {
					auth = psk
					id = $4
				}
				children {
					net {
						local_ts = 10.$5.0.0/24
						remote_ts = 10.$6.0.0/24
						esp_proposals = aes256gcm16
					}
				}
			}
		}
		secrets {
			ike-gw {
				id-l = resp
				id-r = legit
				secret = "a flood benchmark psk"
			}
		}
	EOC
}
conf "$LEGIT" "$RESP" legit resp 1 2 >"$dir/legit.conf"

waitsock() {
	for _ in $(seq 1 100); do
		[ -S "$1" ] && return 0
		sleep 0.05
	done
	echo "flood.sh: no control socket $1; the daemon said:" >&2
	cat "$2" >&2
	exit 1
}
ctl() { "$C" -s "$dir/$1/ctl.sock" "${@:2}"; }
# half-open IKE SAs (IKE SAs in all where status has no limits) and dh_keys
status_figures() {
	ctl resp -j status 2>/dev/null | python3 -c '
import json, sys
try:
    s = json.loads(sys.stdin.read())
except ValueError:
    print("? -"); sys.exit(0)
l = s.get("limits")
if l:
    print(l.get("half_open", "?"), l.get("dh_keys", "-"))
else:
    print(s.get("ike_sas", "?"), "-")'
}
keys() { od -An -tu8 -N8 "$dir/keys" | tr -d ' '; }
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$RPID/stat"; }
link_stat() { ip netns exec "$NS_R" cat "/sys/class/net/$1/statistics/$2"; }
udp_in() { ip netns exec "$NS_R" awk '/^Udp:/ && $2 ~ /^[0-9]/ { print $2 }' /proc/net/snmp; }
udp_out() { ip netns exec "$NS_R" awk '/^Udp:/ && $2 ~ /^[0-9]/ { print $5 }' /proc/net/snmp; }

hz=$(getconf CLK_TCK)
echo "flood.sh: $label; sender rate ${rate:-0} (0 = its top), ${secs} s a run, /$((32 - bits)) of sources"
printf '%-8s %9s %9s %7s %9s %7s %5s %8s %9s %7s %20s %11s %s\n' mode sent_pps read_pps legit \
	median_ms max_ms cpu% rss_kb half_open rep/req 'log/s avg/max/class' keys dh_keys
for mode in "${modes[@]}"; do
	mkdir -p "$dir/resp" "$dir/legit"
	chmod 0700 "$dir/resp" "$dir/legit"
	fmode=$mode
	if [ "$mode" = unknown ]; then
		conf "$RESP" "$LEGIT" resp legit 2 1 >"$dir/resp.conf"
		fmode=valid
	else
		# the responder answers any address, as a gateway on the internet does
		conf "$RESP" "%any" resp legit 2 1 >"$dir/resp.conf"
	fi
	: >"$dir/keys"
	# the responder at the default log level
	ip netns exec "$NS_R" env COUNT_KEYS_FILE="$dir/keys" LD_PRELOAD="$dir/count_keys.so" \
		"$D" --kernel none -f -c "$dir/resp.conf" -s "$dir/resp/ctl.sock" \
		>"$dir/resp-$mode.log" 2>&1 &
	RPID=$!
	pids+=("$RPID")
	ip netns exec "$NS_L" "$D" --kernel none -f -c "$dir/legit.conf" -s "$dir/legit/ctl.sock" \
		>"$dir/legit-$mode.log" 2>&1 &
	LPID=$!
	pids+=("$LPID")
	waitsock "$dir/resp/ctl.sock" "$dir/resp-$mode.log"
	waitsock "$dir/legit/ctl.sock" "$dir/legit-$mode.log"
	# one setup before the flood: the figures then count the flood's work
	ctl legit -t 5 initiate gw >/dev/null 2>&1 || true
	ctl legit terminate gw >/dev/null 2>&1 || true
	sleep 0.5

	load0=$(cut -d' ' -f1-3 /proc/loadavg)
	ticks0=$(cpu_ticks)
	rx0=$(link_stat f0 rx_packets)
	tx0=$(udp_out)
	in0=$(udp_in)
	keys0=$(keys)
	read -r _ dh0 <<<"$(status_figures)"
	lines0=$(wc -l <"$dir/resp-$mode.log")
	t0=$EPOCHREALTIME
	ip netns exec "$NS_F" nice -n 0 "$FLOOD" $RESP 198.18.0.0 "$bits" "$rate" "$secs" "$fmode" \
		>"$dir/flood-$mode.txt" 2>&1 &
	FPID=$!
	pids+=("$FPID")
	sleep 1
	ok=0
	tries=0
	maxho=0
	: >"$dir/setup-$mode.txt"
	next=$(awk -v t="$EPOCHREALTIME" 'BEGIN { printf "%.3f", t }')
	while kill -0 "$FPID" 2>/dev/null; do
		tries=$((tries + 1))
		s0=$EPOCHREALTIME
		if ctl legit -t 5 initiate gw >/dev/null 2>&1; then
			s1=$EPOCHREALTIME
			ok=$((ok + 1))
			awk -v a="$s0" -v b="$s1" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }' \
				>>"$dir/setup-$mode.txt"
		fi
		ctl legit terminate gw >/dev/null 2>&1 || true
		read -r ho _ <<<"$(status_figures)"
		[[ $ho =~ ^[0-9]+$ ]] && [ "$ho" -gt "$maxho" ] && maxho=$ho
		# one attempt a second, on the second
		next=$(awk -v n="$next" 'BEGIN { printf "%.3f", n + 1 }')
		wait_s=$(awk -v n="$next" -v t="$EPOCHREALTIME" 'BEGIN { d = n - t; printf "%.3f", (d > 0 ? d : 0) }')
		sleep "$wait_s"
	done
	wait "$FPID" || true
	t1=$EPOCHREALTIME
	load1=$(cut -d' ' -f1-3 /proc/loadavg)
	el=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')
	ticks1=$(cpu_ticks)
	rx1=$(link_stat f0 rx_packets)
	tx1=$(udp_out)
	in1=$(udp_in)
	keys1=$(keys)
	read -r _ dh1 <<<"$(status_figures)"
	rss=$(awk '/^VmHWM/ { print $2 }' "/proc/$RPID/status")
	# the responder's lines during the flood: per second, and per class
	# (the message with its numbers, addresses and SPIs taken out; the
	# legitimate peer's own lines, one set per setup, are not a class
	# the flood makes: two setups can fall in one second)
	tail -n +$((lines0 + 1)) "$dir/resp-$mode.log" >"$dir/resp-$mode.run.log"
	logs=$(awk -v el="$el" -v legit=" $LEGIT[" '
		$1 ~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$/ {
			sec = $1 " " substr($2, 1, 8)
			msg = $0
			sub(/^[^ ]+ [^ ]+ /, "", msg)
			gsub(/[0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F][0-9a-fA-F]+/, "#", msg)
			gsub(/[0-9a-fA-F:]*:[0-9a-fA-F:]+/, "#", msg)
			gsub(/[0-9]+(\.[0-9]+)*/, "#", msg)
			gsub(/[0-9]+(,[0-9]+)*/, "#", msg)
			n++; per[sec]++
			# (the CHILD_SA lines name no address: only it has any)
			if (!index($0, legit) && !index($0, "/net{"))
				cls[sec SUBSEP msg]++
		}
		END {
			for (s in per) if (per[s] > max) max = per[s]
			for (k in cls) if (cls[k] > cmax) cmax = cls[k]
			printf "%.1f/%d/%d", n / el, max, cmax
		}' "$dir/resp-$mode.run.log")
	sent=$(grep -o '([0-9]* pps)' "$dir/flood-$mode.txt" | tr -d '()pps ' || true)
	read -r median max <<<"$(sort -n "$dir/setup-$mode.txt" | awk '{ v[NR] = $1 } END {
		if (NR) print v[int((NR + 1) / 2)], v[NR]; else print "-", "-" }')"
	dh=-
	[[ ${dh0:-} =~ ^[0-9]+$ && ${dh1:-} =~ ^[0-9]+$ ]] && dh=$((dh1 - dh0))
	printf '%-8s %9s %9s %7s %9s %7s %5s %8s %9s %7s %20s %11s %s\n' "$mode" "${sent:-?}" \
		"$(awk -v n=$((in1 - in0)) -v s="$el" 'BEGIN { printf "%.0f", n / s }')" \
		"$ok/$tries" "$median" "$max" \
		"$(awk -v t=$((ticks1 - ticks0)) -v s="$el" -v hz="$hz" 'BEGIN { printf "%.0f", t * 100 / hz / s }')" \
		"$rss" "$maxho" \
		"$(awk -v r=$((tx1 - tx0)) -v n=$((rx1 - rx0)) 'BEGIN { printf "%.3f", n ? r / n : 0 }')" \
		"$logs" "$((keys1 - keys0))" "$dh"
	echo "         load average $load0 before, $load1 after; $(tr -d '\n' <"$dir/flood-$mode.txt")"
	kill "$RPID" "$LPID" 2>/dev/null || true
	wait "$RPID" 2>/dev/null || echo "         the responder exited with status $?"
	wait "$LPID" 2>/dev/null || true
	[ -n "${FLOOD_KEEP:-}" ] || rm -f "$dir/resp-$mode.log" "$dir/resp-$mode.run.log"
	rm -rf "$dir/resp" "$dir/legit"
	pids=() # all waited for: none may be killed again (its PID could be reused)
done
