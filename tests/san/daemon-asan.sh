#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# conduitd itself under ASan+UBSan (issue 13), on the host: ASan cannot run
# inside UML (its shadow memory does not fit UML 6.1's 39-bit user address
# space), so this runs the --enable-sanitizers tree's own conduitd and
# conduitctl in two network namespaces it makes, with --kernel none (the
# host has no ESP; nothing is installed in any kernel). Two IKE SAs, over
# IPv4 and IPv6, with PSK; a rekey of the CHILD SA and of the IKE SA; a
# reload that adds a connection; status, list-sas, list-conns; terminate;
# SIGTERM. The responder runs with a key pool (--workers 2): its threads
# stop, and its stock is freed, at SIGTERM. Fails on any sanitizer report (halt_on_error, leaks included;
# reports go to files it reads) or a non-zero exit. Run by make check-san;
# skipped (77) when the build is not sanitized, not run as root, or no
# network namespace can be made. CONDUIT_KEEP=1 keeps its directory.
set -uo pipefail

build=${CONDUIT_BUILDDIR:-$(cd "$(dirname "$0")/../../build-san" && pwd)}
D=$build/daemon/conduitd
C=$build/daemon/conduitctl
skip() { echo "SKIP: $*"; exit 77; }
fail() {
	local f
	# a sanitizer's report explains most failures: show it first
	for f in $(ls "${dir:-/nonexistent}"/asan.* "${dir:-/nonexistent}"/ubsan.* 2>/dev/null); do
		echo "== $f"
		head -n 40 "$f"
	done
	# (UBSan inside the ASan runtime writes to stderr: the daemon's log)
	for f in "${dir:-/nonexistent}"/left.log "${dir:-/nonexistent}"/right.log; do
		[ -f "$f" ] && grep -qE "$SAN_RE" "$f" || continue
		echo "== $f"
		grep -m1 -A25 -E "$SAN_RE" "$f"
	done
	echo "FAIL: $*"
	exit 1
}
log() { echo "$(date +%T.%N | cut -c1-12) $*"; }

[ -x "$D" ] && [ -x "$C" ] || fail "no $D or $C (make first)"
grep -q __asan_init "$D" || skip "$D is not built with ASan (configure --enable-sanitizers)"
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
command -v ip >/dev/null || skip "no ip (iproute2)"

dir=$(mktemp -d /tmp/conduit-asan.XXXXXX)
tag=casan$$
NS_L=$tag-left
NS_R=$tag-right
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do
		kill -KILL "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	ip netns del "$NS_L" 2>/dev/null
	ip netns del "$NS_R" 2>/dev/null
	if [ -n "${CONDUIT_KEEP:-}" ]; then
		echo "kept $dir"
	else
		rm -rf "$dir"
	fi
}
trap cleanup EXIT

# Every process of the test (conduitctl too) reports to a file of its own
# here; the first error ends it.
export ASAN_OPTIONS="halt_on_error=1:detect_leaks=1:abort_on_error=0:log_path=$dir/asan"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$dir/ubsan"

# (a container without the right to make namespaces: say so, as a skip)
ip netns add "$NS_L" || skip "cannot make a network namespace (ip netns add)"
ip netns add "$NS_R" || fail "ip netns add"
ip link add w0 netns "$NS_L" type veth peer name w0 netns "$NS_R" || fail "veth"
ip -n "$NS_L" -batch - <<-EOB || fail "left's addresses"
	link set lo up
	link set w0 up
	addr add 192.0.2.1/24 dev w0
	addr add 2001:db8::1/64 dev w0 nodad
EOB
ip -n "$NS_R" -batch - <<-EOB || fail "right's addresses"
	link set lo up
	link set w0 up
	addr add 192.0.2.2/24 dev w0
	addr add 2001:db8::2/64 dev w0 nodad
EOB

# conf LEFT-or-RIGHT: two connections, IPv4 and IPv6, the same PSK
conf() {
	local me=$1 peer l4 r4 l6 r6 ln rn
	if [ "$me" = left ]; then
		peer=right l4=192.0.2.1 r4=192.0.2.2 l6=2001:db8::1 r6=2001:db8::2 ln=1 rn=2
	else
		peer=left l4=192.0.2.2 r4=192.0.2.1 l6=2001:db8::2 r6=2001:db8::1 ln=2 rn=1
	fi
	cat <<-EOC
		connections {
			v4 {
				local_addrs = $l4
				remote_addrs = $r4
				proposals = aes256gcm16-prfsha256-x25519
				local {
					auth = psk
					id = $me
				}
				remote {
					auth = psk
					id = $peer
				}
				children {
					net {
						local_ts = 10.$ln.0.0/24
						remote_ts = 10.$rn.0.0/24
						esp_proposals = aes256gcm16
					}
				}
			}
			v6 {
				local_addrs = $l6
				remote_addrs = $r6
				proposals = aes128-sha256-ecp256
				local {
					auth = psk
					id = $me
				}
				remote {
					auth = psk
					id = $peer
				}
				children {
					net6 {
						local_ts = fd00:$ln::/64
						remote_ts = fd00:$rn::/64
						esp_proposals = aes128-sha256-modp2048
					}
				}
			}
		}
		secrets {
			ike-both {
				id-l = $me
				id-r = $peer
				secret = "conduit asan test psk"
			}
		}
	EOC
}
conf left >"$dir/left.conf"
conf right >"$dir/right.conf"

start() { # start NODE NETNS [OPTION...]
	mkdir -m 0700 "$dir/$1"
	ip netns exec "$2" "$D" --kernel none --foreground --config "$dir/$1.conf" \
		--control "$dir/$1/ctl.sock" --log-level debug "${@:3}" >"$dir/$1.log" 2>&1 &
	pids+=($!)
	eval "PID_$1=$!"
	for _ in $(seq 1 100); do
		[ -S "$dir/$1/ctl.sock" ] && return 0
		sleep 0.05
	done
	fail "conduitd on $1 did not start: $(tail -n 5 "$dir/$1.log")"
}
ctl() { "$C" --control "$dir/$1/ctl.sock" "${@:2}"; }
# sanitizer reports so far (files named log_path.PID, or in the daemons'
# logs): fail shows them
SAN_RE='runtime error|ERROR: (Address|Leak|UndefinedBehavior)Sanitizer'
check_reports() {
	[ -z "$(ls "$dir"/asan.* "$dir"/ubsan.* 2>/dev/null)" ] || fail "sanitizer report(s) above $1"
	! grep -qE "$SAN_RE" "$dir/left.log" "$dir/right.log" 2>/dev/null ||
		fail "sanitizer report(s) above $1"
}
wait_log() { # wait_log NODE REGEX SECONDS
	for _ in $(seq 1 $(($3 * 20))); do
		grep -qE "$2" "$dir/$1.log" && return 0
		check_reports "while waiting for '$2' on $1"
		sleep 0.05
	done
	fail "$1: no '$2' within $3 s: $(tail -n 5 "$dir/$1.log")"
}

start right "$NS_R" --workers 2
start left "$NS_L"
log "both conduitds (ASan+UBSan) up"

out=$(ctl left --timeout 10 initiate v4 2>&1) || fail "initiate v4: $out"
out=$(ctl left --timeout 10 initiate v6 2>&1) || fail "initiate v6: $out"
log "v4 and v6 established"

out=$(ctl left rekey v4/net 2>&1) || fail "rekey v4/net: $out"
wait_log right "CHILD_SA \{[0-9]+\} rekeyed by the peer" 10
out=$(ctl left rekey v4 2>&1) || fail "rekey v4: $out"
wait_log right "IKE SA rekeyed by the peer" 10
out=$(ctl right rekey v6 2>&1) || fail "rekey v6: $out"
wait_log left "IKE SA rekeyed by the peer" 10
log "CHILD SA and IKE SAs rekeyed"

cat >>"$dir/left.conf" <<-'EOC'
	connections {
		spare {
			remote_addrs = 192.0.2.99
			local {
				auth = psk
			}
			remote {
				auth = psk
			}
			children {
				net {
					local_ts = 10.1.0.0/24
					remote_ts = 10.3.0.0/24
				}
			}
		}
	}
EOC
out=$(ctl left reload 2>&1) || fail "reload: $out"
echo "$out" | grep -q spare || fail "reload did not add 'spare': $out"
for cmd in status list-sas list-conns; do
	ctl left "$cmd" >"$dir/$cmd.txt" 2>&1 || fail "conduitctl $cmd: $(cat "$dir/$cmd.txt")"
	ctl left --json "$cmd" >/dev/null 2>&1 || fail "conduitctl --json $cmd"
done
grep -q v6 "$dir/list-sas.txt" || fail "list-sas shows no v6 SA: $(cat "$dir/list-sas.txt")"
out=$(ctl left terminate v6 2>&1) || fail "terminate v6: $out"
wait_log right "v6\[[0-9]+\] .*IKE SA deleted" 10
log "reload, queries, terminate done"
# the responder's key pool served some of those key exchanges
taken=$(ctl right --json status | python3 -c 'import json, sys; print(json.load(sys.stdin)["workers"]["taken"])') ||
	fail "status on right has no key pool"
[ "$taken" -gt 0 ] || fail "the key pool on right handed out no key pair"
log "key pool on right: $taken key pairs taken"
check_reports "before SIGTERM"

for n in left right; do
	eval "p=\$PID_$n"
	kill -TERM "$p"
	rc=0
	# wait's own timeout: a daemon that does not stop is killed by cleanup
	for _ in $(seq 1 100); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.05
	done
	kill -0 "$p" 2>/dev/null && fail "conduitd on $n still running 5 s after SIGTERM"
	wait "$p" || rc=$?
	[ "$rc" = 0 ] || { check_reports "(conduitd on $n exited $rc)"; fail "conduitd on $n exited $rc: $(tail -n 5 "$dir/$n.log")"; }
done
pids=()
check_reports "after SIGTERM"
log "PASS: no sanitizer report, both exited 0"
