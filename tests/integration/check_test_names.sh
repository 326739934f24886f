#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Every test the documents cite as enforcing a guarantee exists: each
# `suite::case` named in docs/spec/*.md and docs/*.md (threats.md's last
# column above all, T-5) must be a Criterion test Test(suite, case) under
# tests/.  A renamed or deleted test would otherwise leave the threat model
# citing a check that no longer runs.  Fails naming each missing one and the
# file that cites it.
set -euo pipefail
root=${1:-.}
cd "$root"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grep -rhoE 'Test\(\s*[a-z_0-9]+\s*,\s*[a-z_0-9]+' tests |
	sed -E 's/Test\(\s*//; s/\s*,\s*/::/' | sort -u >"$tmp/have"
[ -s "$tmp/have" ] || { echo "FAIL: no Criterion test found under tests/"; exit 1; }
bad=0 cited=0
for f in docs/spec/*.md docs/*.md; do
	[ "$f" = docs/SPEC.md ] && continue # generated from docs/spec/*.md
	grep -oE '`[a-z_0-9]+::[a-z_0-9]+`' "$f" | tr -d '`' | sort -u >"$tmp/cited" || true
	grep -vx 'suite::case' "$tmp/cited" >"$tmp/c2" || true
	cited=$((cited + $(wc -l <"$tmp/c2")))
	while read -r name; do
		echo "FAIL: $f cites $name, which is not a test (no Test(${name%%::*}, ${name##*::}) under tests/)"
		bad=1
	done < <(comm -23 "$tmp/c2" "$tmp/have")
done
[ "$cited" -gt 0 ] || { echo "FAIL: no document cites a test (pattern broken?)"; exit 1; }
[ $bad -eq 0 ] && echo "ok: $cited cited tests exist"
exit $bad
