#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The man pages render without a warning from groff (man --warnings).
set -eu
src=${CONDUIT_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
if ! command -v man >/dev/null 2>&1; then
	echo "check-render: man (man-db) is not installed" >&2
	exit 77
fi
rc=0
for page in "$src"/man/*.[58]; do
	out=$(MANWIDTH=80 man --warnings -l "$page" 2>&1 >/dev/null) || { echo "check-render: man -l $page failed" >&2; rc=1; }
	if [ -n "$out" ]; then
		printf 'check-render: %s:\n%s\n' "$page" "$out" >&2
		rc=1
	fi
	lines=$(MANWIDTH=80 man -l "$page" 2>/dev/null | wc -l)
	if [ "$lines" -lt 20 ]; then
		echo "check-render: $page renders to only $lines lines" >&2
		rc=1
	fi
done
[ $rc -ne 0 ] || echo "check-render: every page renders without warnings"
exit $rc
