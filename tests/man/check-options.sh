#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# conduitd(8) and conduitctl(8) describe every option their program's --help
# lists, and conduitctl(8) every command; and the pages list no option the
# programs do not have.
set -eu
src=${CONDUIT_SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${CONDUIT_BUILDDIR:-$src/build}
rc=0

# The long options of a --help text, and those a man page tags (.TP then
# .BR \-x ", " \-\-long or .B \-\-long).
help_opts() { "$1" --help | grep -o '^ *\(-[A-Za-z], \)\{0,1\}--[a-z0-9-]*' | sed 's/.*--//' | sort -u; }
page_opts() {
	awk '/^\.TP/ { tag = 1; next } tag && /^\.BR? .*\\-\\-/ { print } { tag = 0 }' "$1" |
		grep -o '\\-\\-[a-z0-9\\-]*' | sed 's/\\-\\-//; s/\\-/-/g' | sort -u
}

check() { # program page
	prog=$build/daemon/$1
	page=$src/man/$2
	if [ ! -x "$prog" ]; then
		echo "check-options: $prog is not built" >&2
		exit 1
	fi
	h=$(help_opts "$prog")
	p=$(page_opts "$page")
	[ -n "$h" ] || { echo "check-options: no options read from $1 --help" >&2; exit 1; }
	missing=$(printf '%s\n' "$h" | grep -vxF "$p" | tr '\n' ' ' || true)
	extra=$(printf '%s\n' "$p" | grep -vxF "$h" | tr '\n' ' ' || true)
	if [ -n "$missing" ]; then
		echo "check-options: $2 lacks options of $1 --help: $missing" >&2
		rc=1
	fi
	if [ -n "$extra" ]; then
		echo "check-options: $2 has options $1 --help does not: $extra" >&2
		rc=1
	fi
}
check conduitd conduitd.8
check conduitctl conduitctl.8

# conduitctl's commands: the lines of the help's "Commands:" block, each a
# tag (.B cmd or .BI "cmd " NAME) in the COMMANDS section of the page.
cmds=$("$build/daemon/conduitctl" --help | awk '/^Commands:/ { on = 1; next } /^$/ { on = 0 } on && /^  [a-z]/ { print $1 }')
[ -n "$cmds" ] || { echo "check-options: no commands read from conduitctl --help" >&2; exit 1; }
pcmds=$(awk '/^\.SH / { on = ($2 == "COMMANDS") } on && /^\.TP/ { tag = 1; next } on && tag { print } { tag = 0 }' \
	"$src/man/conduitctl.8" | sed 's/^\.BI\{0,1\} "\{0,1\}\([a-z\\-]*\).*/\1/; s/\\-/-/g' | sort -u)
for c in $cmds; do
	printf '%s\n' "$pcmds" | grep -qxF "$c" || { echo "check-options: conduitctl.8 lacks the command $c" >&2; rc=1; }
done
for c in $pcmds; do
	printf '%s\n' "$cmds" | grep -qxF "$c" || { echo "check-options: conduitctl.8 has a command conduitctl does not: $c" >&2; rc=1; }
done
# Each command's JSON reply is documented: a tag in the JSON OUTPUT section.
jcmds=$(awk '/^\.SH / { on = ($2 == "JSON") } on && /^\.TP/ { tag = 1; next } on && tag { print } { tag = 0 }' \
	"$src/man/conduitctl.8" | sed 's/^\.BI\{0,1\} "\{0,1\}\([a-z\\-]*\).*/\1/; s/\\-/-/g' | sort -u)
for c in $cmds; do
	printf '%s\n' "$jcmds" | grep -qxF -- "$c" || { echo "check-options: conduitctl.8 JSON OUTPUT lacks the command $c" >&2; rc=1; }
done
[ $rc -ne 0 ] || echo "check-options: every option and command of --help is in the man pages, and no other"
exit $rc
