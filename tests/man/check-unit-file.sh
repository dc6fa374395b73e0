#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The built systemd unit: reload through conduitctl (which fails when the
# daemon refuses the configuration; kill -HUP could not), a Documentation=
# line naming the installed man pages, and Type=notify with the watchdog
# only in a build with libsystemd (without it nothing would ever send
# READY=1 and systemd would kill the daemon at the start timeout).
set -eu
build=${CONDUIT_BUILDDIR:-$(cd "$(dirname "$0")/../.." && pwd)/build}
unit=$build/daemon/conduit.service
[ -f "$unit" ] || { echo "check-unit-file: $unit is not built" >&2; exit 1; }
rc=0
bad() { echo "check-unit-file: $unit: $*" >&2; rc=1; }

grep -q '^ExecReload=/.*/conduitctl reload$' "$unit" || bad "ExecReload= is not conduitctl reload"
grep -q '^ExecStart=/.*/conduitd --foreground$' "$unit" || bad "ExecStart= is not conduitd --foreground"
for p in 'conduitd(8)' 'conduitctl(8)' 'conduit.conf(5)'; do
	grep -q "^Documentation=.*man:$p" "$unit" || bad "Documentation= lacks man:$p"
done
grep -q '@[A-Za-z]*@' "$unit" && bad "unsubstituted markers: $(grep '@[A-Za-z]*@' "$unit" | head -n 3)"
if grep -q '^#define HAVE_SYSTEMD 1' "$build/config.h"; then
	grep -qx 'Type=notify' "$unit" || bad "built with libsystemd but not Type=notify"
	grep -q '^WatchdogSec=' "$unit" || bad "built with libsystemd but no WatchdogSec="
else
	grep -q '^Type=notify' "$unit" && bad "Type=notify without libsystemd"
	grep -q '^WatchdogSec=' "$unit" && bad "WatchdogSec= without libsystemd"
fi
if command -v systemd-analyze >/dev/null 2>&1; then
	# The paths of ExecStart=/ExecReload= need not exist here (make install
	# has not run): only syntax errors count.
	out=$(systemd-analyze verify "$unit" 2>&1 | grep -v -e 'is not executable' -e "Command 'man " || true)
	[ -z "$out" ] || bad "systemd-analyze verify: $out"
fi
[ $rc -ne 0 ] || echo "check-unit-file: $unit: reload by conduitctl, Documentation=, Type=$(sed -n 's/^Type=//p' "$unit")"
exit $rc
