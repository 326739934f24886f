#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# logs-clean.sh OUT: no daemon log line of a demo run (OUT/work/*/ballotd-*.log,
# what quorum-ballotd wrote with --foreground; under systemd the same lines
# go to the journal) holds a voter's roll id, a voter's name, or anything
# shaped like a ballot token (32 hex digits) or a token the demo's poll
# workers were given.  Prints each offending line and what it holds.
set -euo pipefail
out=$1
shopt -s nullglob
logs=("$out"/work/*/ballotd-*.log)
[ ${#logs[@]} -gt 0 ] || { echo "no daemon logs under $out/work"; exit 1; }
pat=$(mktemp)
trap 'rm -f "$pat"' EXIT
# roll ids and names (column 1 and 2 of every roll), at least 2 characters
for roll in "$out"/community/roll*.csv; do
	awk -F, 'NR > 1 { if (length($1) >= 2) print $1; if (length($2) >= 2) print $2 }' "$roll"
done | sort -u >"$pat"
# the tokens the poll workers' consoles printed
cat "$out"/work/*/console-*.txt 2>/dev/null | grep -o '[0-9a-f]\{32\}' | sort -u >>"$pat" || true
n=$(wc -l <"$pat")
[ "$n" -gt 10 ] || { echo "found only $n roll ids, names and tokens to look for"; exit 1; }
bad=0
if grep -HnFf "$pat" "${logs[@]}"; then
	echo "these daemon log lines hold a voter's roll id, name or token"
	bad=1
fi
if grep -HnE '(^|[^0-9a-f])[0-9a-f]{32}([^0-9a-f]|$)' "${logs[@]}"; then
	echo "these daemon log lines hold something shaped like a ballot token"
	bad=1
fi
[ $bad -eq 0 ] && echo "${#logs[@]} daemon logs, $(cat "${logs[@]}" | wc -l) lines: no roll id, name or token among $n"
exit $bad
