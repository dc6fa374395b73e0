#!/bin/bash
# Flood benchmark (issue 13): spoofed IKE_SA_INIT requests from a /16 of
# source addresses (tests/bench/ike_flood) against a conduitd responder,
# while a legitimate conduitd initiator from its own address sets up (and
# takes down) an IKE SA every second. Runs inside User-Mode Linux (a real
# kernel, network namespaces; no ESP needed). A figure, not a test.
#
#   tests/bench/flood.sh [BUILDDIR]
#
# Environment: FLOOD_RATES (pps, 0 = as fast as the sender can; default
# "1000 10000 0"), FLOOD_MODES (default "valid badke"), FLOOD_SECONDS per
# run (default 20). Per run it prints: the legitimate setups that
# succeeded and their time (median, max), the responder's CPU share, RSS
# and half-open SAs, replies sent per request received, log lines a
# second, and key exchange values the responder made.
#
# Topology: flood (198.18.0.0/16 spoofed) -- resp 192.0.2.2 -- legit 192.0.2.1
# (two veths into resp; resp's replies to the spoofed range go back into
# the flood namespace, which drops them).

if [ -z "${CONDUIT_JOB:-}" ]; then
	# On the host: run this file as the scenario of a UML guest.
	src=$(cd "$(dirname "$0")/../.." && pwd)
	build=$(cd "${1:-$src/build}" && pwd)
	[ -x "$build/tests/bench/ike_flood" ] ||
		{ echo "flood.sh: build $build/tests/bench/ike_flood first (make -C $build check)" >&2; exit 2; }
	n=$(echo ${FLOOD_RATES:-1000 10000 0} | wc -w)
	m=$(echo ${FLOOD_MODES:-valid badke} | wc -w)
	export CONDUIT_SRCDIR=$src CONDUIT_BUILDDIR=$build
	export CONDUIT_UML_TIMEOUT=$((120 + n * m * (${FLOOD_SECONDS:-20} + 10)))
	# the guest sees only what the kernel command line passes: the
	# settings travel in a file in the job directory
	mkdir -p "$build/tests/uml/jobs"
	printf 'FLOOD_RATES="%s"\nFLOOD_MODES="%s"\nFLOOD_SECONDS=%s\n' "${FLOOD_RATES:-1000 10000 0}" \
		"${FLOOD_MODES:-valid badke}" "${FLOOD_SECONDS:-20}" >"$build/tests/uml/jobs/flood.env"
	exec "$src/tests/uml/run-scenario" "$0"
fi

# ---- in the guest (lib.sh sourced) ----
. "$BUILDDIR/tests/uml/jobs/flood.env"
FLOOD=$BUILDDIR/tests/bench/ike_flood
D=$BUILDDIR/daemon/conduitd
C=$BUILDDIR/daemon/conduitctl
RESP=192.0.2.2
LEGIT=192.0.2.1

modules veth dummy xfrm_user esp4 gcm ghash_generic seqiv echainiv ctr aes_generic \
	2>/dev/null || true
ip -batch - <<-EOB || fail "topology"
	netns add resp
	netns add legit
	netns add flood
	link add l0 netns legit type veth peer name l0 netns resp
	link add f0 netns flood type veth peer name f0 netns resp
EOB
on resp ip -batch - <<-EOB
	link set lo up
	link set l0 up
	link set f0 up
	addr add $RESP/24 dev l0
	addr add 198.19.0.2/30 dev f0
	route add 198.18.0.0/16 via 198.19.0.1
EOB
on legit ip -batch - <<-EOB
	link set lo up
	link set l0 up
	addr add $LEGIT/24 dev l0
EOB
on flood ip -batch - <<-EOB
	link set lo up
	link set f0 up
	addr add 198.19.0.1/30 dev f0
	route add $RESP/32 via 198.19.0.2
EOB
on resp sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.f0.rp_filter=0
# the first AEAD SA loads modules for seconds: not during a measurement
xfrm_warmup resp
xfrm_warmup legit
on flood sysctl -qw net.ipv4.conf.all.rp_filter=0

conf() {
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
# the responder answers any address (as a gateway on the internet does)
conf "$RESP" "%any" resp legit 2 1 >"$JOB/resp.conf"
conf "$LEGIT" "$RESP" legit resp 1 2 >"$JOB/legit.conf"

(node_exec resp "$D" --foreground --config "$JOB/resp.conf" --log-level info \
	>"$JOB/resp.log" 2>&1) &
RPID=$!
(node_exec legit "$D" --foreground --config "$JOB/legit.conf" --log-level info \
	>"$JOB/legit.log" 2>&1) &
for n in resp legit; do
	for i in $(seq 1 50); do
		[ -S "/run/nodes/$n/conduit/conduit.sock" ] && break
		sleep 0.1
	done
	[ -S "/run/nodes/$n/conduit/conduit.sock" ] || fail "conduitd on $n did not start"
done
# the daemon itself, not ip netns exec
for i in $(seq 1 20); do
	DPID=$(pgrep -f "conduitd --foreground --config $JOB/resp.conf" | head -n 1) && break
	sleep 0.1
done
[ -n "$DPID" ] || fail "no conduitd pid"

limit() {
	node resp "$C" status --json | python3 -c '
import json, sys
l = json.load(sys.stdin)["limits"]
print(" ".join(str(l[k]) for k in sys.argv[1:]))' "$@"
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$DPID/stat"; }
rss_kb() { awk '/^VmRSS/ { print $2 }' "/proc/$DPID/status"; }
rx_packets() { on resp cat /sys/class/net/f0/statistics/rx_packets; }

printf '%-7s %-6s %9s %8s %10s %6s %8s %9s %8s %6s %7s\n' mode rate sent_pps legit median_ms max_ms cpu% rss_kb half_open rep/req logl/s keys
for mode in $FLOOD_MODES; do
	for rate in $FLOOD_RATES; do
		ticks0=$(cpu_ticks)
		rx0=$(rx_packets)
		read -r rep0 keys0 <<<"$(limit replies_sent dh_keys)"
		lines0=$(wc -l <"$JOB/resp.log")
		t0=$(awk '{ print $1 }' /proc/uptime)
		(node_exec flood "$FLOOD" $RESP 198.18.0.0 16 "$rate" "$FLOOD_SECONDS" "$mode" \
			>"$JOB/flood-$mode-$rate.txt" 2>&1) &
		FPID=$!
		sleep 1
		legit0=$(wc -l <"$JOB/legit.log")
		ok=0
		tries=0
		maxho=0
		while kill -0 $FPID 2>/dev/null; do
			tries=$((tries + 1))
			node legit "$C" --timeout 5 initiate gw >/dev/null 2>&1 && ok=$((ok + 1))
			node legit "$C" terminate gw >/dev/null 2>&1 || true
			ho=$(node resp "$C" status | awk '/limits:/ { print $3 }')
			[ "${ho:-0}" -gt "$maxho" ] && maxho=$ho
			sleep 1
		done
		# setup times from the initiator's own log (the CPU the flood
		# takes makes every conduitctl start slow in UML): from
		# "initiating IKE_SA" to "CHILD_SA ... established", per SA
		tail -n +$((legit0 + 1)) "$JOB/legit.log" | awk '
			function ms(t) { split(t, a, ":"); return (a[1] * 3600 + a[2] * 60 + a[3]) * 1000 }
			/initiating IKE_SA/ { id = $4; if (!(id in s)) s[id] = ms($2) }
			/CHILD_SA .* established/ { id = $4; if (id in s) printf "%d\n", ms($2) - s[id] }' \
			>"$JOB/setup-$mode-$rate.txt"
		wait $FPID || true
		t1=$(awk '{ print $1 }' /proc/uptime)
		secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
		ticks1=$(cpu_ticks)
		rx1=$(rx_packets)
		read -r rep1 keys1 <<<"$(limit replies_sent dh_keys)"
		lines1=$(wc -l <"$JOB/resp.log")
		sent_pps=$(grep -o '([0-9]* pps)' "$JOB/flood-$mode-$rate.txt" | tr -d '()pps ')
		read -r median max <<<"$(sort -n "$JOB/setup-$mode-$rate.txt" | awk '{ v[NR] = $1 } END {
			if (NR) print v[int((NR + 1) / 2)], v[NR]; else print "-", "-" }')"
		printf '%-7s %-6s %9s %8s %10s %6s %8s %9s %8s %6s %7s\n' "$mode" "$rate" "${sent_pps:-?}" \
			"$ok/$tries" "$median" "$max" \
			"$(awk -v t=$((ticks1 - ticks0)) -v s="$secs" 'BEGIN { printf "%.0f", t / s }')" \
			"$(rss_kb)" "$maxho" \
			"$(awk -v r=$((rep1 - rep0)) -v n=$((rx1 - rx0)) 'BEGIN { printf "%.2f", n ? r / n : 0 }')" \
			"$(awk -v l=$((lines1 - lines0)) -v s="$secs" 'BEGIN { printf "%.1f", l / s }')" \
			"$((keys1 - keys0))"
		# let the half-open SAs of this run time out
		sleep 1
	done
done | tee "$JOB/figures.txt"
log "responder's log lines per class: $(grep -c suppressed "$JOB/resp.log") summaries"
kill -TERM $RPID 2>/dev/null || true
wait $RPID 2>/dev/null || true
log "PASS"
