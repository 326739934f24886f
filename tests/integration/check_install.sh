#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# `meson install --destdir` puts every file where a Debian administrator
# looks for it (docs/guide-administrator.md), and the systemd units are
# valid and sandboxed:
#   - the programs in bindir/sbindir, the message catalogue, the rule
#     profiles, the guides, the manual pages, the configuration example
#     in SYSCONFDIR/quorum, the units, sysusers.d and tmpfiles.d files;
#   - systemd-analyze verify (against the installed tree, --root) prints
#     nothing and succeeds;
#   - systemd-analyze security --offline=yes rates each unit's exposure
#     at most 2.0.
# Usage: check_install.sh BUILD PREFIX BINDIR SBINDIR SYSCONFDIR DATADIR
#                         MANDIR LOCALEDIR UNITDIR
# (the directories as meson's options give them, relative to PREFIX or
# absolute).  Fails naming each missing file or unit problem.
set -euo pipefail
build=$1 prefix=$2
abs() { case "$1" in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$prefix" "$1" ;; esac; }
bindir=$(abs "$3") sbindir=$(abs "$4") sysconfdir=$(abs "$5") datadir=$(abs "$6")
mandir=$(abs "$7") localedir=$(abs "$8") unitdir=$(abs "$9")
libdir_sys=$prefix/lib
dest=$(mktemp -d)
trap 'rm -rf "$dest" "$dest.check"' EXIT
fail=0
meson install -C "$build" --destdir "$dest" --no-rebuild --quiet >"$dest.log" 2>&1 ||
	{ echo "FAIL: meson install:"; cat "$dest.log"; rm -f "$dest.log"; exit 1; }
rm -f "$dest.log"

need() { # need MODE PATH...: each PATH exists (f file, x executable)
	mode=$1
	shift
	for p in "$@"; do
		if [ ! -f "$dest$p" ]; then
			echo "FAIL: not installed: $p"
			fail=1
		elif [ "$mode" = x ] && [ ! -x "$dest$p" ]; then
			echo "FAIL: not executable: $p"
			fail=1
		fi
	done
}
need x "$bindir/quorum-tally" "$bindir/quorum-audit" "$bindir/quorum-ballot" \
	"$sbindir/quorum-ballotd"
[ -f "$build/web/quorum-web" ] && need x "$bindir/quorum-web"
need f "$localedir/zh_CN/LC_MESSAGES/quorum.mo" \
	"$datadir/quorum/rules/UL-2025.json" \
	"$datadir/doc/quorum/guide-administrator.md" "$datadir/doc/quorum/SPEC.md" \
	"$mandir/man1/quorum-ballot.1" "$mandir/man1/quorum-tally.1" \
	"$mandir/man1/quorum-audit.1" "$mandir/man5/quorum-ballotd.conf.5" \
	"$mandir/man7/quorum.7" "$mandir/man8/quorum-ballotd.8" "$mandir/man8/quorum-web.8" \
	"$sysconfdir/quorum/ballotd.conf" \
	"$unitdir/quorum-ballotd@.service" "$unitdir/quorum-web@.service" \
	"$libdir_sys/sysusers.d/quorum.conf" "$libdir_sys/tmpfiles.d/quorum.conf"
# Nothing of the test build or the test helpers is installed.
for p in $(cd "$dest" && find . -type f | sed 's|^\.||'); do
	case "$p" in
	*-test | *pending2* | *test_* | *fault_shim*) echo "FAIL: a test file is installed: $p"; fail=1 ;;
	esac
done
# The example configuration is what the installed daemon accepts.
if ! "$dest$sbindir/quorum-ballotd" --config "$dest$sysconfdir/quorum/ballotd.conf" \
	--check-config >"$dest.check" 2>&1 &&
	grep -q 'unknown setting\|expected NAME\|not a whole number\|only on the command' "$dest.check"; then
	echo "FAIL: the installed ballotd.conf has bad lines:"
	cat "$dest.check"
	fail=1
fi

# debian/: every installed file belongs to one binary package (its
# debian/<package>.install claims it or a directory above it) or is listed
# in debian/not-installed (installed by dh_installsysusers/tmpfiles).
src=$(cd "$(dirname "$0")/../.." && pwd)
if [ -d "$src/debian" ]; then
	(cd "$dest" && find . -type f ! -path './usr/lib/systemd/system/*.target' | sed 's|^\./||') |
		sed -e "s|^${sysconfdir#/}/|etc/|" -e "s|^${prefix#/}/|usr/|" | sort >"$dest.files"
	cat "$src"/debian/*.install "$src/debian/not-installed" | sed 's|/*$||' | sort -u >"$dest.claims"
	while read -r f; do
		c=$f claimed=0
		while [ -n "$c" ] && [ "$c" != . ]; do
			grep -qxF -- "$c" "$dest.claims" && { claimed=$((claimed + 1)); break; }
			c=$(dirname "$c")
		done
		[ $claimed -eq 1 ] || { echo "FAIL: no debian/*.install claims $f"; fail=1; }
	done <"$dest.files"
	while read -r c; do
		grep -q -- "^$c\(/\|\$\)" "$dest.files" ||
			{ echo "FAIL: debian/ names $c, which meson does not install"; fail=1; }
	done <"$dest.claims"
	rm -f "$dest.files" "$dest.claims"
fi

# The sockets live in /run/quorum/<station> (the unit's RuntimeDirectory=,
# given to the daemon as --socket-dir), where quorum-web looks for them;
# admin.sock's group exists (sysusers.d) and the daemon may give it.
u=$dest$unitdir/quorum-ballotd@.service
grep -qx 'RuntimeDirectory=quorum/%i' "$u" ||
	{ echo "FAIL: quorum-ballotd@.service has no RuntimeDirectory=quorum/%i"; fail=1; }
grep -q '^ExecStart=.* --socket-dir /run/quorum/%i' "$u" ||
	{ echo "FAIL: quorum-ballotd@.service does not put the sockets in /run/quorum/%i"; fail=1; }
grep -q '^SupplementaryGroups=.*quorum-admin' "$u" ||
	{ echo "FAIL: quorum-ballotd@.service is not in quorum-admin (admin.sock's group)"; fail=1; }
grep -qx 'admin-group = quorum-admin' "$dest$sysconfdir/quorum/ballotd.conf" ||
	{ echo "FAIL: ballotd.conf gives admin.sock no group"; fail=1; }
grep -qx 'g quorum-admin -' "$dest$libdir_sys/sysusers.d/quorum.conf" ||
	{ echo "FAIL: sysusers.d makes no group quorum-admin"; fail=1; }
grep -q '^d /run/quorum ' "$dest$libdir_sys/tmpfiles.d/quorum.conf" ||
	{ echo "FAIL: tmpfiles.d makes no /run/quorum"; fail=1; }
if [ -f "$dest$unitdir/quorum-web@.service" ]; then
	grep -q '^ExecStart=.* --state /run/quorum/%i' "$dest$unitdir/quorum-web@.service" ||
		{ echo "FAIL: quorum-web@.service does not look for the sockets in /run/quorum/%i"; fail=1; }
fi

if ! command -v systemd-analyze >/dev/null 2>&1; then

	echo "FAIL: systemd-analyze is missing (apt-get install systemd; scripts/setup)"
	exit 1
fi
# verify: against the installed tree as root (so ExecStart= resolves to
# the installed programs, Documentation= to the installed man pages),
# with systemd's own targets and slices copied in.
mkdir -p "$dest/usr/lib/systemd/system"
for d in /usr/lib/systemd/system /lib/systemd/system; do
	[ -d "$d" ] && { cp -n "$d"/*.target "$d"/*.slice "$dest/usr/lib/systemd/system/" 2>/dev/null || true; }
done
for u in quorum-ballotd@s1.service quorum-web@s1.service; do
	[ -f "$dest$unitdir/${u%%@*}@.service" ] || continue
	rc=0
	out=$(MANPATH="$dest$mandir" systemd-analyze verify --root="$dest" "$dest$unitdir/$u" 2>&1) || rc=$?
	if [ $rc -ne 0 ] || [ -n "$out" ]; then
		echo "FAIL: systemd-analyze verify $u (exit $rc):"
		printf '%s\n' "$out"
		fail=1
	fi
	# its exit status follows the exposure, which is checked below
	out=$(systemd-analyze security --offline=yes --root="$dest" "$dest$unitdir/$u" 2>&1) || true
	level=$(printf '%s\n' "$out" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
	if [ -z "$level" ]; then
		echo "FAIL: systemd-analyze security $u gave no exposure level:"
		printf '%s\n' "$out"
		fail=1
	elif ! awk -v l="$level" 'BEGIN { exit !(l <= 2.0) }'; then
		echo "FAIL: $u exposure $level > 2.0:"
		printf '%s\n' "$out" | grep '✗' || true
		fail=1
	else
		echo "$u: systemd-analyze security exposure $level"
	fi
done
[ $fail -eq 0 ] && echo "install: every file in place, units verified"
exit $fail
