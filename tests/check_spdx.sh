#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Quorum is free software (GPL-3.0-or-later): LICENSE holds the licence's
# text, meson.build and debian/copyright name it, and every tracked source
# file (.c .h .sh .py .awk .js .mjs .css, meson.build, the scripts) carries
# the SPDX line in its first lines.  Fails naming each file without it.
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
	'meson.build' '*/meson.build' 'scripts/*' 2>/dev/null)
[ -n "$files" ] || { echo "FAIL: no tracked sources found (not a git checkout?)"; exit 1; }
n=0
for f in $files; do
	[ -f "$f" ] || continue # deleted in the work tree, not yet committed
	n=$((n + 1))
	if ! head -n 5 "$f" | grep -qF "$tag"; then
		echo "FAIL: $f has no '$tag' line in its first 5 lines"
		fail=1
	fi
done
[ $fail -eq 0 ] && echo "licence: LICENSE, meson.build and $n source files say GPL-3.0-or-later"
exit $fail
