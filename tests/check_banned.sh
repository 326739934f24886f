#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Every C source file of the project must include banned.h, and as its LAST
# #include: a header included after it could use a banned function (or
# #undef one) without the compile error banned.h is there to raise.
set -euo pipefail
root=${1:-.}
fail=0
for f in $(cd "$root" && { git ls-files '*.c' 2>/dev/null || find . -name '*.c'; }); do
	case "$f" in
	tests/*|bench/*|fuzz/*) continue ;;
	esac
	# the last #include line (any spacing after '#'), with its line number
	last=$(grep -n '^[[:space:]]*#[[:space:]]*include' "$root/$f" | tail -n 1 || true)
	if ! grep -q '^[[:space:]]*#[[:space:]]*include[[:space:]]*"banned\.h"' "$root/$f"; then
		echo "FAIL: $f does not include banned.h"
		fail=1
	elif ! printf '%s\n' "$last" | grep -q '#[[:space:]]*include[[:space:]]*"banned\.h"'; then
		echo "FAIL: $f includes something after banned.h (line ${last%%:*}: ${last#*:})"
		fail=1
	fi
done
if [ $fail -eq 0 ]; then
	echo "all sources include banned.h, last"
fi
exit $fail
