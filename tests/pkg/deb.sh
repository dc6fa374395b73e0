#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The Debian package, end to end, on Debian 12, as root. Run by hand (not
# by make check: it builds a package and needs root, debhelper and lintian):
#
#   bash tools/install-deps --packaging && bash tests/pkg/deb.sh [OUTDIR]
#
# 1. dpkg-buildpackage -us -uc -b in a copy of the source tree (the tree
#    itself is left alone); the build runs the unit tests only (check-unit).
# 2. lintian on the result: no error and no warning.
# 3. In a throwaway copy of this machine's root (an overlay mounted in a
#    private mount namespace, so nothing is installed on the host): dpkg -i;
#    systemd-analyze verify accepts the unit; `man conduit.conf` opens;
#    conduitd --check accepts the installed configuration; dpkg -r removes
#    everything but the configuration, and dpkg --purge that too.
# The .deb and the logs stay in OUTDIR (default: build/pkg).
set -euo pipefail
src=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mkdir -p "${1:-$src/build/pkg}" && cd "${1:-$src/build/pkg}" && pwd)
step() { printf '== %s\n' "$*"; }
fail() { printf 'deb.sh: FAIL: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "run as root (the install test mounts an overlay)"
for t in dpkg-buildpackage dh lintian systemd-analyze man unshare chroot; do
	command -v "$t" >/dev/null || fail "$t not found: run tools/install-deps --packaging"
done

tmp=$(mktemp -d /tmp/conduit-deb.XXXXXX)
cleanup() {
	umount -R "$tmp/root" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# ---- 1. build ----
step "copying the source tree"
mkdir "$tmp/src"
if git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	# The files git knows or would add, as they are in the work tree.
	(cd "$src" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar -c --no-recursion) | tar -x -C "$tmp/src"
else
	tar -C "$src" -c --exclude='./build' --exclude='./build-*' . | tar -x -C "$tmp/src"
fi
mv "$tmp/src" "$tmp/conduit"
step "dpkg-buildpackage -us -uc -b (log: $out/build.log)"
if ! (cd "$tmp/conduit" && dpkg-buildpackage -us -uc -b) >"$out/build.log" 2>&1; then
	tail -n 40 "$out/build.log"
	fail "dpkg-buildpackage failed"
fi
grep -E '^# (TOTAL|PASS|FAIL|SKIP)' "$out/build.log" | tr '\n' ' '
echo
deb=$(ls "$tmp"/conduit_*.deb | grep -v dbgsym)
changes=$(ls "$tmp"/conduit_*.changes)
cp "$tmp"/conduit_*.deb "$changes" "$tmp"/conduit_*.buildinfo "$out/"
step "built $(basename "$deb")"
dpkg-deb -c "$deb" | awk '{ print "   ", $1, $6 }'

# ---- 2. lintian ----
step "lintian $(basename "$changes")"
lintian --display-info "$changes" >"$out/lintian.log" 2>&1 || true
cat "$out/lintian.log"
if grep -E '^[EW]: ' "$out/lintian.log"; then
	fail "lintian reports errors or warnings"
fi

# ---- 3. install, verify, remove: in an overlay of / ----
step "installing into an overlay of / (the host is not touched)"
mkdir -p "$tmp/upper" "$tmp/work" "$tmp/root"
cp "$deb" "$tmp/upper.deb"
unshare --mount --propagation private -- bash -euo pipefail -c '
	tmp=$1 deb=$2
	mount -t overlay overlay -o "lowerdir=/,upperdir=$tmp/upper,workdir=$tmp/work" "$tmp/root"
	mount -t proc proc "$tmp/root/proc"
	mount --rbind /dev "$tmp/root/dev"
	mount -t tmpfs tmpfs "$tmp/root/run"
	mount -t tmpfs tmpfs "$tmp/root/tmp"
	cp "$tmp/upper.deb" "$tmp/root/tmp/$deb"
	exec chroot "$tmp/root" /bin/bash -euo pipefail -s "$deb"
' _ "$tmp" "$(basename "$deb")" <<'EOS'
deb=/tmp/$1
fail() { printf 'deb.sh: FAIL: %s\n' "$*" >&2; exit 1; }
step() { printf '== %s\n' "$*"; }
! dpkg -s conduit >/dev/null 2>&1 || fail "conduit is installed on this machine already"

step "dpkg -i $1"
dpkg -i "$deb"
dpkg -L conduit | grep -E 'bin/|\.service$|man|etc/' | sed 's/^/    /'
[ "$(stat -c %a /etc/conduit/conduit.conf)" = 600 ] || fail "/etc/conduit/conduit.conf is not 0600"
[ -f /usr/share/bash-completion/completions/conduitctl ] || fail "no bash completion for conduitctl"

step "systemd-analyze verify conduit.service"
unit=$(dpkg -L conduit | grep '/conduit\.service$')
systemd-analyze verify "$unit" || fail "systemd-analyze verify $unit"
echo "    accepted: $unit"
grep -E '^(Type|ExecStart|ExecReload|Documentation|WatchdogSec)=' "$unit" | sed 's/^/    /'

step "man conduit.conf"
page=$(MANWIDTH=80 man -P cat conduit.conf 2>&1) || fail "man conduit.conf: $page"
printf '%s\n' "$page" | head -n 4 | sed 's/^/    /'
for p in conduitd conduitctl; do
	MANWIDTH=80 man -P cat "$p" >/dev/null 2>&1 || fail "man $p"
done

step "conduitd --check on the installed configuration"
conduitd --check || fail "conduitd --check /etc/conduit/conduit.conf"
conduitctl --version

step "dpkg -r conduit"
files=$(dpkg -L conduit | while read -r f; do if [ -f "$f" ]; then echo "$f"; fi; done)
dpkg -r conduit
left=$(for f in $files; do if [ -e "$f" ]; then echo "$f"; fi; done)
echo "    left after dpkg -r: ${left:-nothing}"
[ "$left" = /etc/conduit/conduit.conf ] || fail "dpkg -r left '$left', want only /etc/conduit/conduit.conf"
dpkg -s conduit 2>/dev/null | grep -q '^Status: deinstall ok config-files' ||
	fail "dpkg -s: not config-files"
dpkg --purge conduit
[ ! -e /etc/conduit/conduit.conf ] || fail "dpkg --purge left /etc/conduit/conduit.conf"
echo "    purged: /etc/conduit/conduit.conf gone"
EOS
step "PASS: built, lintian clean, installed, verified, removed ($out)"
