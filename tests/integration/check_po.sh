#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# The Chinese catalogue covers every message: extract the strings of the
# sources listed in po/POTFILES (with the keywords of po/meson.build), merge
# them into po/zh_CN.po and require every message translated, none fuzzy,
# and the formats consistent (msgfmt -c).  Fails naming what is missing.
set -euo pipefail
root=${1:-.}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$root"
for f in $(cat po/POTFILES); do
	[ -f "$f" ] || { echo "FAIL: po/POTFILES names $f, which does not exist"; exit 1; }
done
xgettext --keyword=_ --keyword=N_ --keyword=P_:1,2 --keyword=cli_err:2 --keyword=st_log:3 --from-code=UTF-8 \
	--add-comments=TRANSLATORS: --package-name=quorum -o "$tmp/quorum.pot" -f po/POTFILES
msgmerge --quiet --no-fuzzy-matching -o "$tmp/zh_CN.po" po/zh_CN.po "$tmp/quorum.pot"
msgfmt -c --statistics -o "$tmp/zh_CN.mo" "$tmp/zh_CN.po" 2>"$tmp/stats"
cat "$tmp/stats"
if grep -q "untranslated\|fuzzy" "$tmp/stats"; then
	echo "FAIL: po/zh_CN.po lacks translations for these messages:"
	msgattrib --untranslated --no-obsolete "$tmp/zh_CN.po" | grep -A1 '^msgid' | grep -v '^--' || true
	exit 1
fi
# every source file that calls _() must be listed in po/POTFILES
missing=0
for f in $(git ls-files '*.c' 2>/dev/null | grep -v '^tests/' || true); do
	if grep -q '[^A-Za-z0-9_]_("' "$f" && ! grep -qx "$f" po/POTFILES; then
		echo "FAIL: $f uses _() but is not in po/POTFILES"
		missing=1
	fi
done
[ $missing -eq 0 ] || exit 1
echo "po/zh_CN.po: every message translated"
