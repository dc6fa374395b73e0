#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A responder under load, in a network namespace of its own:
# tests/bench/ikeload sets up SAs from many identities on loopback, in
# steps, and this prints the responder's CPU per new IKE_SA+CHILD_SA at
# each number of SAs held (flat is the goal), its RSS per SA, and how long
# a status query takes with all of them held. A figure, not a test.
#
#   tests/bench/daemon.sh [-b BUILDDIR] [-k INFLIGHT] [--ike P] [--esp P]
#                         [--responder conduit|strongswan|both]
#                         [--initiator ikeload|charon] [--workers N]
#                         [--premade] STEP...
#
# Each STEP is how many SAs to hold after it (e.g. 1000 10000 50000).
# conduitd runs with --kernel none, strongSwan's charon with its
# load-tester plugin's fake kernel (LOAD_TESTER_SO, built by
# ../shared/bench/build-load-tester.sh): nothing is installed in any kernel
# (the host's has no ESP), so this measures the daemons alone, sockets
# included, on the same work from the same initiator. Needs root.
# --workers N runs conduitd with its key-generation pool of N threads
# (conduitd --workers; 0, the default, without) and prints the pool's
# figures after the run. The CPU of conduitd's main thread (the event
# loop, which the pool relieves) is printed beside the whole process's.
# --premade has ikeload make its key pairs before its clock starts, so
# that less of the machine's CPU goes to the initiator during the run.
# --initiator charon drives the responder with a second charon and its
# load-tester plugin instead of ikeload (an initiator that is neither
# side's own): its own /run and ports 5000/5500, fake kernel, strongSwan's
# default load-test identities (cN-r1.strongswan.org against
# srv.strongswan.org, PSK default-psk), K/10 parallel requests of 10 SAs
# each on its control socket, so at most about K exchanges in flight.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=${CONDUIT_BUILDDIR:-$here/../../build}
k=50
ike=aes128gcm16-prfsha256-x25519
esp=aes128gcm16
who=conduit
ini=ikeload
workers=0
premade=
steps=()
while [ $# -gt 0 ]; do
	case $1 in
	-b) build=$2; shift 2 ;;
	-k) k=$2; shift 2 ;;
	--ike) ike=$2; shift 2 ;;
	--esp) esp=$2; shift 2 ;;
	--responder) who=$2; shift 2 ;;
	--initiator) ini=$2; shift 2 ;;
	--workers) workers=$2; shift 2 ;;
	--premade) premade=--premade; shift ;;
	-h | --help) sed -n '3,31p' "$0"; exit 0 ;;
	*) steps+=("$1"); shift ;;
	esac
done
[ ${#steps[@]} -gt 0 ] || steps=(1000 5000)
case $ini in
ikeload | charon) ;;
*) echo "daemon.sh: --initiator ikeload or charon" >&2; exit 2 ;;
esac
so=${LOAD_TESTER_SO:-/tmp/ssbench-cache/libstrongswan-load-tester.so}
case $who in
conduit | strongswan) ;;
both)
	out=$(mktemp)
	"$0" -b "$build" -k "$k" --ike "$ike" --esp "$esp" --initiator "$ini" \
		--workers "$workers" $premade --responder conduit "${steps[@]}" | tee "$out"
	"$0" -b "$build" -k "$k" --ike "$ike" --esp "$esp" --initiator "$ini" \
		--responder strongswan "${steps[@]}" | tee -a "$out"
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
	# a mount namespace too: each charon gets a /run of its own (its pid
	# file's directory is compiled in)
	exec env CONDUIT_BENCH_NETNS=1 unshare -n -m "$0" -b "$build" -k "$k" --ike "$ike" \
		--esp "$esp" --responder "$who" --initiator "$ini" --workers "$workers" \
		$premade "${steps[@]}"
fi

ip link set lo up
dir=$(mktemp -d /tmp/conduit-bench.XXXXXX)
mkdir "$dir/run" "$dir/ini-run"
mount --bind "$dir/run" /run
pid=
ipid=
cleanup() {
	[ -n "$ipid" ] && kill "$ipid" 2>/dev/null && wait "$ipid" 2>/dev/null
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	umount /run 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT
if [ "$ini" = charon ] && [ ! -s "$so" ]; then
	echo "strongSwan: no load-tester plugin at $so (build it with ../shared/bench/build-load-tester.sh)"
	exit 0
fi

psk="a load generator's secret, long enough"
ids=(--id-prefix peer- --id-suffix .example --remote-id gw.example)
if [ "$who" = conduit ] && [ "$ini" = charon ]; then
	# what a gateway would write for the load-tester's identities: a
	# wildcard remote.id and the secret named by our own identity
	cat >"$dir/conduit.conf" <<CONF
connections {
	load {
		local_addrs = 127.0.0.1
		proposals = $ike
		local { auth = psk
			id = srv.strongswan.org }
		remote { auth = psk
			id = *.strongswan.org }
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
	ike-load { id = srv.strongswan.org
		secret = default-psk }
}
CONF
elif [ "$who" = conduit ]; then
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
fi
if [ "$who" = conduit ]; then
	# as strongSwan below: no cookies or per-source limits for the one
	# busy initiator address
	"$build/daemon/conduitd" --kernel none -f -c "$dir/conduit.conf" \
		--control "$dir/ctl.sock" -l error --cookie-threshold 1000000 \
		--cookie-threshold-ip 1000000 --half-open-max-ip 1000000 --workers "$workers" \
		${CONDUITD_BENCH_OPTS:-} 2>"$dir/daemon.log" &
	pid=$!
	status() { "$build/daemon/conduitctl" --control "$dir/ctl.sock" status; }
else
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
cpu_ms() { awk -v t="$ticks" '{print ($14 + $15) * 1000 / t}' "/proc/${1:-$pid}/stat"; }
# the main thread's alone (its comm has no spaces: fields as above)
main_ms() { awk -v t="$ticks" '{print ($14 + $15) * 1000 / t}' "/proc/$pid/task/$pid/stat"; }
rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }

# ikeload, or the load-tester's control socket: each request "COUNT 0"
# initiates COUNT IKE_SAs and answers '.' per initiation, then '+' per
# IKE_SA established and '-' per one that failed, '*' per retransmission,
# and a newline when all are done. K/10 clients of 10 at a time keep about
# K exchanges in flight, as ikeload does.
run_load() {
	if [ "$ini" = ikeload ]; then
		"$build/tests/bench/ikeload" --remote 127.0.0.1 --first "$held" -n "$n" -k "$k" \
			--ike "$ike" --esp "$esp" --psk "$psk" $premade "${ids[@]}"
		return
	fi
	local i0 i1 t0 t1 res
	i0=$(cpu_ms "$ipid")
	t0=$(date +%s%N)
	res=$(timeout $((120 + n / 10)) python3 - "$dir/ldt.sock" "$n" "$k" <<'PY'
import socket, sys, threading
path, left, k = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
tally = {"+": 0, "-": 0, "*": 0, "!": 0}
lock = threading.Lock()
def client():
    global left
    while True:
        with lock:
            take = min(10, left)
            left -= take
        if not take:
            return
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.connect(path)
        s.sendall(b"%d 0\n" % take)
        data = b""
        while True:
            c = s.recv(4096)
            if not c:
                break
            data += c
        s.close()
        with lock:
            for ch in tally:
                tally[ch] += data.count(ch.encode())
threads = [threading.Thread(target=client) for _ in range(max(1, k // 10))]
for t in threads:
    t.start()
for t in threads:
    t.join()
print(tally["+"], tally["-"] + tally["!"], tally["*"])
PY
	) || { echo "load-tester: no answer on its control socket"; return 1; }
	t1=$(date +%s%N)
	i1=$(cpu_ms "$ipid")
	set -- $res
	awk -v n="$n" -v ok="$1" -v bad="$2" -v re="$3" -v ms="$(((t1 - t0) / 1000000))" \
		-v c="$((i1 - i0))" 'BEGIN {
		printf "load-tester: %d of %d established, %d failed, %d retransmissions, %.0f IKE_SA/s; initiator charon %.3f ms CPU per SA\n",
			ok, n, bad, re, ok * 1000 / (ms ? ms : 1), c / n }'
	[ "$1" = "$n" ]
}

if [ "$ini" = charon ]; then
	# The initiator: a second charon with its own /run (pid file) and
	# ports, so it can share loopback with the responder (its requests
	# still go to port 500, then 4500).
	cat >"$dir/initiator.conf" <<CONF
charon {
	load_modular = no
	load = load-tester random nonce openssl kdf hmac pem pkcs1 x509 kernel-netlink socket-default
	port = 5000
	port_nat_t = 5500
	threads = 32
	ikesa_table_size = 65536
	ikesa_table_segments = 16
	reuse_ikesa = no
	install_routes = no
	filelog { stderr { default = -1 } }
	syslog { daemon { default = -1 } }
	plugins {
		load-tester {
			enable = yes
			initiators = 0
			fake_kernel = yes
			socket = unix://$dir/ldt.sock
			responder = 127.0.0.1
			proposal = $ike
			esp = $esp
			initiator_auth = psk
			responder_auth = psk
			initiator_tsi = 100.64.0.0/10
			initiator_tsr = 10.0.0.0/16
			child_rekey = 0
			ike_rekey = 0
		}
	}
}
CONF
	STRONGSWAN_CONF="$dir/initiator.conf" unshare -m sh -c \
		'mount --bind "$1" /run && LD_PRELOAD="$2" exec /usr/lib/ipsec/charon' \
		sh "$dir/ini-run" "$so" 2>"$dir/initiator.log" &
	ipid=$!
	for _ in $(seq 100); do
		[ -S "$dir/ldt.sock" ] && break
		sleep 0.1
	done
	[ -S "$dir/ldt.sock" ] || { echo "the initiator charon did not start:"; tail -n 5 "$dir/initiator.log"; exit 1; }
	desc="strongSwan's load-tester (a second charon)"
else
	desc="ikeload"
fi

echo "$who responder, $ike / $esp, initiator $desc, at most $k exchanges in flight" \
	"(load average $(cut -d' ' -f1-3 /proc/loadavg))"
held=0
rss0=$(rss_kb)
for target in "${steps[@]}"; do
	n=$((target - held))
	[ "$n" -gt 0 ] || continue
	c0=$(cpu_ms)
	m0=$(main_ms)
	r0=$(rss_kb)
	out=$(run_load) || {
		echo "$out"
		echo "$desc failed; the responder said:"
		tail -n 5 "$dir/daemon.log"
		exit 1
	}
	c1=$(cpu_ms)
	m1=$(main_ms)
	r1=$(rss_kb)
	held=$target
	awk -v n="$n" -v h="$held" -v c="$((c1 - c0))" -v r="$((r1 - r0))" -v o="$out" -v w="$who" 'BEGIN {
		printf "%-10s %7d SAs held: %.3f ms CPU per new SA, %.0f B RSS per new SA  (%s)\n",
			w, h, c / n, r * 1024 / n, o }'
	[ "$who" = conduit ] &&
		awk -v n="$n" -v m="$((m1 - m0))" -v w="$workers" 'BEGIN {
		printf "  of which the main thread (event loop): %.3f ms per new SA (--workers %s)\n", m / n, w }'
done
if [ "$who" = conduit ]; then
	t0=$(date +%s%N)
	status >"$dir/status"
	t1=$(date +%s%N)
	echo "conduitctl status with $held SAs held: $(((t1 - t0) / 1000000)) ms; RSS $(rss_kb) kB (at start $rss0 kB)"
	grep 'key pool:' "$dir/status" || true
else
	echo "charon: RSS $(rss_kb) kB with $held SAs held (at start $rss0 kB)"
fi
