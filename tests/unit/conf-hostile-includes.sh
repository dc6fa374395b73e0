#!/bin/bash
# conduitd --check against hostile includes (issue 13, item 7): an include
# of a FIFO nobody writes to, an include bomb (each file including the next
# twice, 2^13 reads of 13 small files) and a byte bomb (a 3 MiB file
# included six times) are each refused with exit 1, one error naming
# file:line, within a second.
set -eu -o pipefail
D=${CONDUIT_BUILDDIR:?}/daemon/conduitd
[ -x "$D" ] || { echo "conduitd not built"; exit 99; }
dir=$(mktemp -d /tmp/conduit-includes-XXXXXX)
trap 'rm -rf "$dir"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# check NAME WANT: run --check on $dir/NAME/main.conf; exit 1, within a
# second, exactly one error line, matching WANT (an extended regex).
check() {
	local conf=$dir/$1/main.conf rc=0 t0 ms n
	t0=$(date +%s%N)
	timeout 10 "$D" --check --config "$conf" >"$dir/$1.out" 2>&1 || rc=$?
	ms=$((($(date +%s%N) - t0) / 1000000))
	cat "$dir/$1.out"
	[ "$rc" != 124 ] || fail "$1: --check still running after 10 s"
	[ "$rc" = 1 ] || fail "$1: --check exited $rc, not 1"
	[ "$ms" -lt 1000 ] || fail "$1: --check took $ms ms"
	n=$(grep -c "^$dir/$1/[^:]*:[0-9]*: " "$dir/$1.out" || true)
	[ "$n" = 1 ] || fail "$1: $n file:line errors, not 1"
	grep -qE "$2" "$dir/$1.out" || fail "$1: no '$2'"
	echo "$1: refused in $ms ms"
}

secret='secrets { ike-x { secret = x } }'

mkdir "$dir/fifo"
mkfifo "$dir/fifo/pipe.conf"
printf '%s\ninclude pipe.conf\n' "$secret" >"$dir/fifo/main.conf"
check fifo "main.conf:2: cannot include '.*pipe.conf': it is a FIFO, not a regular file"

mkdir "$dir/bomb"
for i in $(seq 0 11); do
	printf 'include b%d.conf\ninclude b%d.conf\n' $((i + 1)) $((i + 1)) >"$dir/bomb/b$i.conf"
done
echo '# the end' >"$dir/bomb/b12.conf"
printf '%s\ninclude b0.conf\n' "$secret" >"$dir/bomb/main.conf"
check bomb "b11.conf:1: more than 1024 files read through includes"

mkdir "$dir/bytes"
awk 'BEGIN { s = sprintf("%1023s", ""); gsub(/ /, "x", s); for (i = 0; i < 3072; i++) print "#" substr(s, 2) }' \
	>"$dir/bytes/big.conf"
[ "$(stat -c %s "$dir/bytes/big.conf")" = $((3 * 1024 * 1024)) ] || fail "big.conf is not 3 MiB"
{
	echo "$secret"
	for i in 1 2 3 4 5 6; do echo 'include big.conf'; done
} >"$dir/bytes/main.conf"
check bytes "main.conf:7: including '.*big.conf' would read more than 16 MiB in all"
echo PASS
