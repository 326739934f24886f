#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The manual pages render (man -l, and mandoc -Tlint when it is installed,
# with no warning), each has a NAME line lexgrog reads (when installed),
# and each program's page names exactly the options its --help names.
# Usage: check_man.sh SOURCE_ROOT BUILD_ROOT.  Fails naming the page and
# the option.
set -euo pipefail
src=$1 build=$2
man=$src/man
fail=0
for p in "$man"/*.[1-8]; do
	# one rendering: warnings on stderr or a failure are problems
	if ! out=$(LC_ALL=C.UTF-8 MANWIDTH=80 man -l "$p" 2>&1 >/dev/null) || [ -n "$out" ]; then
		echo "FAIL: man -l $p: $out"
		fail=1
	fi
	if command -v mandoc >/dev/null 2>&1; then
		# any output is a problem, whatever the exit status
		out=$(mandoc -Tlint -Wwarning "$p" 2>&1) || true
		[ -z "$out" ] || { echo "FAIL: mandoc -Tlint: $out"; fail=1; }
	fi
	if command -v lexgrog >/dev/null 2>&1 && ! lexgrog "$p" >/dev/null 2>&1; then
		echo "FAIL: lexgrog cannot parse the NAME section of $p"
		fail=1
	fi
done
# options of a text, one a line: "--word" tokens (troff's \- is a dash)
opts() { sed 's/\\-/-/g' | grep -o -- '--[a-z][a-z0-9-]*' | sort -u; }
check() { # check PROGRAM PAGE
	prog=$1 page=$2
	[ -x "$build/$prog" ] || return 0
	h=$(LC_ALL=C LANGUAGE= "$build/$prog" --help 2>&1 | opts) ||
		{ echo "FAIL: ${prog##*/} --help failed or names no option"; fail=1; return 0; }
	m=$(opts <"$man/$page")
	for o in $h; do
		printf '%s\n' "$m" | grep -qx -- "$o" ||
			{ echo "FAIL: $page does not document $o (in ${prog##*/} --help)"; fail=1; }
	done
	for o in $m; do
		[ "$o" = --help ] && continue
		printf '%s\n' "$h" | grep -qx -- "$o" ||
			{ echo "FAIL: $page names $o, which ${prog##*/} --help does not"; fail=1; }
	done
}
check voter/quorum-ballotd quorum-ballotd.8
check voter/quorum-ballot quorum-ballot.1
check tally/quorum-tally quorum-tally.1
check audit/quorum-audit quorum-audit.1
check web/quorum-web quorum-web.8
[ $fail -eq 0 ] && echo "man pages: render cleanly and agree with --help"
exit $fail
