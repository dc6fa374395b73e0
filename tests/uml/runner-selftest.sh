#!/bin/bash
# The UML runner must report a scenario's failure and its own timeout as
# failure, so a broken scenario can never pass silently, and must leave no
# process behind.
set -u
runner=$CONDUIT_SRCDIR/tests/uml/run-scenario
sd=$CONDUIT_SRCDIR/tests/uml/selftest
{ true >&9; } 2>/dev/null || exec 9>&2
[ "$(id -u)" = 0 ] && command -v linux.uml >/dev/null ||
	{ echo "SKIP: UML runner self-test: needs root and linux.uml" >&9; exit 77; }
failures=0
check() { # check NAME EXPECTED_RC ACTUAL_RC
	if [ "$2" = "$3" ]; then echo "ok: $1 (exit $3)"
	else echo "NOT OK: $1: expected exit $2, got $3"; failures=$((failures + 1)); fi
}

out=$("$runner" --keep "$sd/pass.uml" 2>&1 9>/dev/null); rc=$?
check "passing scenario" 0 $rc
job=$(ls -d "$CONDUIT_BUILDDIR"/tests/uml/jobs/pass.* | tail -n 1)
grep -q "^selftest-pass ran in 6\." "$job/marker" && echo "ok: pass scenario ran inside the UML kernel" ||
	{ echo "NOT OK: no marker from inside UML"; failures=$((failures + 1)); }
rm -rf "$CONDUIT_BUILDDIR"/tests/uml/jobs/pass.*

out=$("$runner" "$sd/fail.uml" 2>&1 9>/dev/null); rc=$?
check "failing scenario" 1 $rc
echo "$out" | grep -q "FAIL: deliberate failure" && echo "ok: the failure's message reaches the host" ||
	{ echo "NOT OK: failure message missing from: $out"; failures=$((failures + 1)); }
rm -rf "$CONDUIT_BUILDDIR"/tests/uml/jobs/fail.*

out=$("$runner" --timeout 12 "$sd/hang.uml" 2>&1 9>/dev/null); rc=$?
check "hanging scenario" 1 $rc
echo "$out" | grep -q "timed out after 12s" && echo "ok: the timeout is named" ||
	{ echo "NOT OK: timeout not reported: $out"; failures=$((failures + 1)); }
sleep 1
if pgrep -f "CONDUIT_SCENARIO=$sd/hang.uml" >/dev/null; then
	echo "NOT OK: UML processes outlived the timeout"; failures=$((failures + 1))
else
	echo "ok: no UML process left after the timeout"
fi
rm -rf "$CONDUIT_BUILDDIR"/tests/uml/jobs/hang.*
echo "runner self-test: $failures failure(s)"
[ $failures = 0 ]
