#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Quorum is free software (GPL-3.0-or-later): LICENSE holds the licence's
# text, meson.build and debian/copyright name it, and every tracked source
# file (.c .h .sh .py .awk .js .mjs .css, meson.build, the scripts) carries
# the SPDX line in its first lines.  Fails naming each file without it.
set -euo pipefail
root=${1:-.}
cd "$root" || exit 1
tag='SPDX-License-Identifier: GPL-3.0-or-later'
fail=0
grep -q 'GNU GENERAL PUBLIC LICENSE' LICENSE 2>/dev/null && grep -q 'Version 3, 29 June 2007' LICENSE ||
	{ echo "FAIL: LICENSE is not the GPL version 3 text"; fail=1; }
grep -q "license : 'GPL-3.0-or-later'" meson.build ||
	{ echo "FAIL: meson.build's project() does not say license : 'GPL-3.0-or-later'"; fail=1; }
if [ -f debian/copyright ] && ! grep -q '^License: GPL-3+' debian/copyright; then
	echo "FAIL: debian/copyright does not say License: GPL-3+"
	fail=1
fi
files=$(git ls-files '*.c' '*.h' '*.sh' '*.py' '*.awk' '*.js' '*.mjs' '*.css' \
	'meson.build' '*/meson.build' 'scripts/*' 2>/dev/null || true)
[ -n "$files" ] || { echo "FAIL: no tracked sources found (not a git checkout?)"; exit 1; }
# one awk over every file (a process per file is slow on a busy machine)
existing=$(for f in $files; do [ ! -f "$f" ] || printf '%s\n' "$f"; done)
n=$(printf '%s\n' "$existing" | wc -l)
missing=$(printf '%s\n' "$existing" | tr '\n' '\0' | xargs -0 awk -v tag="$tag" '
	FNR == 1 { seen[FILENAME] = 1 }
	FNR <= 5 && index($0, tag) { ok[FILENAME] = 1 }
	END { for (f in seen) if (!(f in ok)) print f }' | sort)
for f in $missing; do
	echo "FAIL: $f has no '$tag' line in its first 5 lines"
	fail=1
done
if [ $fail -eq 0 ]; then
	echo "licence: LICENSE, meson.build and $n source files say GPL-3.0-or-later"
fi
exit $fail
