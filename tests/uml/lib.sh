# Sourced by every UML scenario (bash), inside the guest.
#
# Topology (topo_create; all addresses exist only inside UML):
#
#   lhost ── left ══════════════════ right ── rhost         (direct)
#   lhost ── left ── router(NAT) ══ right ── rhost          (topo_create --nat)
#
#   lhost   10.1.0.10/24   (LHOST_IP)  on LEFT_NET  10.1.0.0/24, gw 10.1.0.1
#   rhost   10.2.0.10/24   (RHOST_IP)  on RIGHT_NET 10.2.0.0/24, gw 10.2.0.1
#   left    192.0.2.1 (LEFT_IP) directly on the wan 192.0.2.0/24 with right;
#           with --nat, 10.99.0.2 on the router's inside net instead, and the
#           router's outside address 192.0.2.1 (LEFT_PUBLIC_IP) masquerades it
#           to random source ports (MASQUERADE --random; nat_flush forgets)
#   right   192.0.2.2 (RIGHT_IP)
#
# and IPv6 beside it (dual stack; not with --nat, which stays IPv4-only:
# there is no NAT66 to test with):
#
#   lhost   fd00:1::10/64  (LHOST_IP6) on LEFT_NET6  fd00:1::/64, gw fd00:1::1
#   rhost   fd00:2::10/64  (RHOST_IP6) on RIGHT_NET6 fd00:2::/64, gw fd00:2::1
#   left    2001:db8::1 (LEFT_IP6) on the wan 2001:db8::/64 (WAN_NET6) with
#   right   2001:db8::2 (RIGHT_IP6)
#
# Every IPv6 address is added with nodad, so none waits for duplicate
# address detection before it can be used or bound.
#
# Each node is a network namespace; left and right forward between their
# protected subnet and the wan, and route everything else across the wan
# (their default route), as gateways to the internet do.

set -eu -o pipefail

LHOST_IP=10.1.0.10
RHOST_IP=10.2.0.10
LEFT_NET=10.1.0.0/24
RIGHT_NET=10.2.0.0/24
LEFT_GW_INNER=10.1.0.1
RIGHT_GW_INNER=10.2.0.1
RIGHT_IP=192.0.2.2
LEFT_PUBLIC_IP=192.0.2.1
LEFT_IP=192.0.2.1
ROUTER_INSIDE_IP=10.99.0.1
LHOST_IP6=fd00:1::10
RHOST_IP6=fd00:2::10
LEFT_NET6=fd00:1::/64
RIGHT_NET6=fd00:2::/64
LEFT_GW_INNER6=fd00:1::1
RIGHT_GW_INNER6=fd00:2::1
LEFT_IP6=2001:db8::1
RIGHT_IP6=2001:db8::2
WAN_NET6=2001:db8::/64
NAT=0

JOB=${CONDUIT_JOB:-$(pwd)}
SRCDIR=${CONDUIT_SRCDIR:?}
BUILDDIR=${CONDUIT_BUILDDIR:?}

log() { printf '[%6.2f] %s\n' "$(awk '{ print $1 }' /proc/uptime)" "$*"; }
fail() { log "FAIL: $*"; exit 1; }
skip() { log "skipping: $*"; echo "$*"; exit 77; }

# modules NAME...: load kernel modules (see guest-init for how).
modules() { "$SRCDIR/tests/uml/modprobe" -a "$@" || fail "modprobe $*"; }

# on NODE CMD...: run CMD in NODE's network namespace.
on() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

topo_create() {
	[ "${1:-}" = --nat ] && NAT=1
	# ipv6 is a module in Debian's UML kernel: load it before any
	# namespace or link exists, so all of them get IPv6.
	modules ipv6
	# The crypto of every ESP algorithm kernel-iface installs (xfrmtool
	# algs; ccm, xcbc, cmac, des_generic and authencesn for AES-CCM,
	# AES-XCBC, AES-CMAC, 3DES and ESN without an AEAD): loaded now, not
	# by the kernel's modprobe calls while an SA is added.
	modules veth dummy xfrm_user esp4 esp6 xfrm4_tunnel tunnel4 ipcomp \
		xfrm6_tunnel tunnel6 ipcomp6 \
		gcm ghash_generic seqiv echainiv ctr authenc authencesn cbc ecb \
		aes_generic sha256_generic sha512_generic hmac chacha20poly1305 \
		chacha_generic poly1305_generic ccm xcbc cmac des_generic \
		crypto_null af_key 2>/dev/null || true
	local b=$JOB/topo.batch
	{
		echo "netns add lhost"; echo "netns add left"
		echo "netns add right"; echo "netns add rhost"
		echo "link add lh0 netns lhost type veth peer name lan0 netns left"
		echo "link add rh0 netns rhost type veth peer name lan0 netns right"
		if [ $NAT = 1 ]; then
			echo "netns add router"
			echo "link add wan0 netns left type veth peer name in0 netns router"
			echo "link add out0 netns router type veth peer name wan0 netns right"
		else
			echo "link add wan0 netns left type veth peer name wan0 netns right"
		fi
	} >"$b"
	ip -batch "$b" || fail "topology: ip -batch $b"

	if [ $NAT = 1 ]; then
		LEFT_IP=10.99.0.2
	fi
	on lhost ip -batch - <<-EOB
		link set lo up
		link set lh0 up
		addr add $LHOST_IP/24 dev lh0
		route add default via $LEFT_GW_INNER
	EOB
	on rhost ip -batch - <<-EOB
		link set lo up
		link set rh0 up
		addr add $RHOST_IP/24 dev rh0
		route add default via $RIGHT_GW_INNER
	EOB
	on left ip -batch - <<-EOB
		link set lo up
		link set lan0 up
		link set wan0 up
		addr add $LEFT_GW_INNER/24 dev lan0
	EOB
	on right ip -batch - <<-EOB
		link set lo up
		link set lan0 up
		link set wan0 up
		addr add $RIGHT_GW_INNER/24 dev lan0
		addr add $RIGHT_IP/24 dev wan0
		route add default via $LEFT_PUBLIC_IP
	EOB
	if [ $NAT = 1 ]; then
		on left ip -batch - <<-EOB
			addr add $LEFT_IP/24 dev wan0
			route add default via $ROUTER_INSIDE_IP
		EOB
		on router ip -batch - <<-EOB
			link set lo up
			link set in0 up
			link set out0 up
			addr add $ROUTER_INSIDE_IP/24 dev in0
			addr add $LEFT_PUBLIC_IP/24 dev out0
		EOB
		on router sysctl -qw net.ipv4.ip_forward=1
		# --random: a new mapping gets a new random source port, as many
		# home routers do (and the conntrack flush below shows).
		on router iptables-legacy -t nat -A POSTROUTING -o out0 -j MASQUERADE --random ||
			fail "router: iptables-legacy MASQUERADE"
	else
		on left ip -batch - <<-EOB
			addr add $LEFT_IP/24 dev wan0
			route add default via $RIGHT_IP
		EOB
	fi
	if [ $NAT = 1 ]; then
		on left sysctl -qw net.ipv4.ip_forward=1
		on right sysctl -qw net.ipv4.ip_forward=1
		log "topology up: lhost $LHOST_IP - left $LEFT_IP (NAT to $LEFT_PUBLIC_IP) - right $RIGHT_IP - rhost $RHOST_IP (IPv4 only)"
		return 0
	fi
	topo_ip6
	on left sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	on right sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	log "topology up: lhost $LHOST_IP - left $LEFT_IP - right $RIGHT_IP - rhost $RHOST_IP"
	log "topology up: lhost $LHOST_IP6 - left $LEFT_IP6 - right $RIGHT_IP6 - rhost $RHOST_IP6"
}

# topo_ip6: the IPv6 half of the direct topology (topo_create calls it).
topo_ip6() {
	on lhost ip -batch - <<-EOB
		addr add $LHOST_IP6/64 dev lh0 nodad
		route add default via $LEFT_GW_INNER6
	EOB
	on rhost ip -batch - <<-EOB
		addr add $RHOST_IP6/64 dev rh0 nodad
		route add default via $RIGHT_GW_INNER6
	EOB
	on left ip -batch - <<-EOB
		addr add $LEFT_GW_INNER6/64 dev lan0 nodad
		addr add $LEFT_IP6/64 dev wan0 nodad
		route add default via $RIGHT_IP6
	EOB
	on right ip -batch - <<-EOB
		addr add $RIGHT_GW_INNER6/64 dev lan0 nodad
		addr add $RIGHT_IP6/64 dev wan0 nodad
		route add default via $LEFT_IP6
	EOB
}

# nat_flush: the router forgets its NAT mappings (as after a reboot or a
# conntrack -F). The UML kernel has no conntrack tool here; MASQUERADE drops
# the conntrack entries of an interface that goes down, so bounce out0.
nat_flush() {
	on router ip link set out0 down
	on router ip link set out0 up
	log "router: NAT mappings flushed (out0 down/up)"
}

# xfrm_warmup NODE: the first AEAD SA makes the kernel load crypto modules
# (seconds in UML); do it once before anything is timed.
xfrm_warmup() {
	on "$1" ip xfrm state add src 203.0.113.1 dst 203.0.113.2 proto esp spi 0xfffffff0 \
		mode tunnel aead 'rfc4106(gcm(aes))' 0x$(printf '%040d' 0) 128
	on "$1" ip xfrm state delete src 203.0.113.1 dst 203.0.113.2 proto esp spi 0xfffffff0
}

# kif_warmup NODE: as xfrm_warmup, through conduit's own xfrmtool (for
# scenarios that set no state with ip xfrm).
kif_warmup() {
	on "$1" "$BUILDDIR/tests/uml/xfrmtool" batch <<-EOB || fail "$1: warm-up SA"
		sa-add src 203.0.113.1 dst 203.0.113.2 spi 0xfffffff0 reqid 0xc0d0ffff enc aes128gcm16 enckey 0x$(printf '%040d' 0)
		sa-del src 203.0.113.1 dst 203.0.113.2 spi 0xfffffff0
	EOB
}

# ping_ok FROM DST [COUNT]: COUNT pings from FROM's namespace must all be answered.
ping_ok() {
	local out
	out=$(on "$1" ping -n -q -c "${3:-3}" -i 0.2 -W 2 "$2" 2>&1) ||
		fail "ping $1 -> $2 failed: $(echo "$out" | tail -n 2 | tr '\n' ' ')"
	log "ping $1 -> $2: $(echo "$out" | grep -o '[0-9]* received.*loss')"
}

# ping_fails FROM DST: no ping from FROM to DST may be answered.
ping_fails() {
	if on "$1" ping -n -q -c 2 -i 0.2 -W 1 "$2" >/dev/null 2>&1; then
		fail "ping $1 -> $2 was answered, expected no reply"
	fi
	log "ping $1 -> $2: no reply, as expected"
}

# sa_packets NODE SPI: the packet counter of the SA with that SPI (ip -s).
sa_packets() {
	# awk reads to the end: exiting early could SIGPIPE ip under pipefail.
	on "$1" ip -s xfrm state list spi "$2" |
		awk '/lifetime current:/ { cur = 1; next }
		     cur && !done && /\(packets\)/ { sub(/\(packets\).*/, "", $2); print $2; done = 1 }'
}

# node NODE CMD...: run CMD in NODE's network namespace with NODE's own /run
# (a tmpfs directory bound over /run), so daemons with compiled-in paths
# (pid files, control sockets) can run once per node.
node() { (node_exec "$@"); }

# node_exec NODE CMD...: the same, replacing the shell. In the background,
# `(node_exec NODE cmd) &` makes $! the command's own pid, so signals and
# wait reach it (with `node NODE cmd &`, $! is a subshell).
node_exec() {
	local n=$1; shift
	mkdir -p "/run/nodes/$n"
	exec ip netns exec "$n" bash -c 'mount --bind "$1" /run && shift && exec "$@"' _ "/run/nodes/$n" "$@"
}

CONDUITD=$BUILDDIR/daemon/conduitd
CONDUITCTL=$BUILDDIR/daemon/conduitctl

# conduitd_start NODE [CONF]: start conduitd in NODE (config $JOB/NODE.conf
# by default) and wait for its control socket. Log: $JOB/conduitd-NODE.log
# (appended to, across restarts). CONDUITD_ENV adds environment
# variables (e.g. NOTIFY_SOCKET=...), CONDUITD_ARGS options (e.g.
# --retransmit-timeout 0.5).
conduitd_start() {
	local n=$1 conf=${2:-$JOB/$1.conf} i
	rm -f "/run/nodes/$n/conduit/conduit.sock"
	(node_exec "$n" env ${CONDUITD_ENV:-} "$CONDUITD" --foreground --config "$conf" \
		--log-level debug ${CONDUITD_ARGS:-} >>"$JOB/conduitd-$n.log" 2>&1) &
	echo $! >"$JOB/conduitd-$n.pid"
	for i in $(seq 1 50); do
		[ -S "/run/nodes/$n/conduit/conduit.sock" ] && break
		sleep 0.1
	done
	[ -S "/run/nodes/$n/conduit/conduit.sock" ] ||
		fail "conduitd on $n did not start: $(tail -n 5 "$JOB/conduitd-$n.log")"
	log "conduitd started on $n"
}

# conduitd_stop NODE: SIGTERM; conduitd must exit 0 within 5 s.
conduitd_stop() {
	local pid rc=0 i
	pid=$(cat "$JOB/conduitd-$1.pid")
	kill -TERM "$pid"
	for i in $(seq 1 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && fail "conduitd on $1 still running 5 s after SIGTERM"
	wait "$pid" || rc=$?
	[ "$rc" = 0 ] || fail "conduitd on $1 exited with $rc after SIGTERM"
	log "conduitd on $1 stopped (exit 0)"
}

# ctl NODE ARGS...: conduitctl against NODE's conduitd.
ctl() { local n=$1; shift; node "$n" "$CONDUITCTL" "$@"; }

# charon_start NODE SWANCTL_CONF: start strongSwan's charon in NODE with the
# given swanctl.conf, load it, and wait until charon answers. Its log goes
# to $JOB/charon-NODE.log. CHARON_PLUGINS adds plugins to its load list
# (e.g. xcbc for AES-XCBC in IKE), CHARON_EXTRA lines to the charon section
# of its strongswan.conf, SWANCTL_PLUGINS plugins to swanctl's (pkcs8 openssl
# for PKCS#8 and Ed25519 keys). Credentials: put them in
# $JOB/strongswan-NODE/swanctl/x509... before (swanctl --load-all reads them).
charon_start() {
	local n=$1 conf=$2 dir=$JOB/strongswan-$1
	mkdir -p "$dir"/swanctl/{x509,x509ca,x509aa,x509ac,x509crl,x509ocsp,pubkey,private,rsa,ecdsa,bliss,pkcs8,pkcs12}
	cp "$conf" "$dir/swanctl/swanctl.conf"
	cat >"$dir/strongswan.conf" <<-EOC
		charon {
			load = random nonce openssl aes sha1 sha2 hmac gcm kdf pem pkcs1 x509 pubkey kernel-netlink socket-default vici ${CHARON_PLUGINS:-}
			install_routes = no
			retransmit_timeout = 1.0
			retransmit_tries = 3
			make_before_break = yes
			${CHARON_EXTRA:-}
			filelog {
				log {
					path = $JOB/charon-$n.log
					time_format = %H:%M:%S
					default = 1
					ike = 2
					cfg = 2
					knl = 1
					flush_line = yes
				}
			}
		}
		swanctl {
			load = pem pkcs1 x509 pubkey ${SWANCTL_PLUGINS:-}
		}
	EOC
	rm -f "/run/nodes/$n/charon.vici" # an earlier charon's, on a restart
	(node_exec "$n" env STRONGSWAN_CONF="$dir/strongswan.conf" /usr/lib/ipsec/charon \
		>"$JOB/charon-$n.out" 2>&1) &
	echo $! >"$JOB/charon-$n.pid"
	local i
	for i in $(seq 1 50); do
		[ -S "/run/nodes/$n/charon.vici" ] && break
		sleep 0.1
	done
	[ -S "/run/nodes/$n/charon.vici" ] || fail "charon on $n did not start: $(tail -n 5 "$JOB/charon-$n.out")"
	swanctl_on "$n" --load-all --noprompt --file "$dir/swanctl/swanctl.conf" >/dev/null ||
		fail "swanctl --load-all on $n failed"
	log "charon started on $n"
}

# charon_stop NODE: end NODE's charon (a running charon slows the guest's
# power-off by minutes).
charon_stop() {
	local pid
	pid=$(cat "$JOB/charon-$1.pid" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# swanctl_on NODE ARGS...: swanctl against NODE's charon.
swanctl_on() {
	local n=$1; shift
	node "$n" env STRONGSWAN_CONF="$JOB/strongswan-$n/strongswan.conf" swanctl "$@"
}

# stop PID: end a background job started as `on NODE cmd &` or `node NODE
# cmd &`. ip netns exec forks, and background jobs of a script ignore
# SIGINT, so signal the command itself (the child) first, then ip.
stop() {
	local p=$1
	pkill -TERM -P "$p" 2>/dev/null || true
	kill -TERM "$p" 2>/dev/null || true
	wait "$p" 2>/dev/null || true
}
