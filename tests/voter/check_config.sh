#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# quorum-ballotd's configuration file and --check-config
# (voter/ballotd_conf.h, quorum-ballotd.conf(5)): the command line
# overrides the file; every problem is named (file, line, setting) and
# counted; the daemon refuses to start on a bad file (exit 2).
# Usage: check_config.sh BUILD SOURCE
set -euo pipefail
ballotd=$1/voter/quorum-ballotd
src=$2
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }
# expect RC PATTERN... -- ARGS: run the daemon, want exit RC and every
# PATTERN (a grep -F string) in its output
expect() {
	want=$1
	shift
	pats=""
	while [ "$1" != -- ]; do
		pats="$pats$1
"
		shift
	done
	shift
	rc=0
	LC_ALL=C LANGUAGE= "$ballotd" "$@" >"$t/out" 2>&1 || rc=$?
	[ $rc -eq "$want" ] || { bad "exit $rc, not $want: $*"; cat "$t/out"; return; }
	printf '%s' "$pats" | while IFS= read -r p; do
		[ -z "$p" ] && continue
		grep -qF -- "$p" "$t/out" || { echo "FAIL: no \"$p\" in the output of: $*"; cat "$t/out"; exit 1; }
	done || { fail=1; return; }
	ok "$*"
}

mkdir -p "$t/el" "$t/var"
cp "$src/docs/examples/election.json" "$t/el/manifest.json"
# the rule profiles the manifest uses (statute, charter CH1), as quorum-tally
# init copies and lists them (docs/spec/rules.md RP-5.1)
mkdir -p "$t/el/rules"
cp "$src/rules/UL-2025.json" "$src/rules/CH1.json" "$t/el/rules/"
h1=$(sha256sum "$t/el/rules/UL-2025.json" | cut -d' ' -f1)
h2=$(sha256sum "$t/el/rules/CH1.json" | cut -d' ' -f1)
printf '{"rules": [{"id": "UL-2025", "file": "rules/UL-2025.json", "sha256": "%s"}, {"id": "CH1", "file": "rules/CH1.json", "sha256": "%s"}]}\n' \
	"$h1" "$h2" >"$t/el/parameters.json"
printf '04%0128d\n' 0 >"$t/el/joint-key"
printf 'secret\n' >"$t/pass"
chmod 600 "$t/pass"
cat >"$t/good.conf" <<EOC
# a comment
election = $t/el
station = s1
state = $t/var/s1
key-file = $t/pass
read-timeout = 2000
foreground = yes
EOC
expect 0 "the configuration is valid" -- --config "$t/good.conf" --check-config
# the command line overrides the file
expect 1 "station: s9 is not a station of election" -- --config "$t/good.conf" --check-config --station s9
# RP-5.2: a profile changed after init is named
cp "$t/el/rules/CH1.json" "$t/ch1.keep"
printf ' ' >>"$t/el/rules/CH1.json"
expect 1 "rules/CH1.json: SHA-256 is" "the profile was changed after init" -- --config "$t/good.conf" --check-config
cp "$t/ch1.keep" "$t/el/rules/CH1.json"
cat >"$t/s9.conf" <<EOC
election = $t/el
station = s9
state = $t/var/s1
key-file = $t/pass
EOC
expect 0 "the configuration is valid" -- --config "$t/s9.conf" --check-config --station s1
# every bad line is named with its file, line and setting
cat >"$t/bad.conf" <<EOC
election = $t/el
bogus = 1
read-timeout = 5
no equals sign here
key-fd = 3
operator-group = no-such-group-quorum
foreground = perhaps
EOC
expect 1 "$t/bad.conf:2: bogus: unknown setting" "$t/bad.conf:3: read-timeout: \"5\" is not a whole number from 100 to 3600000" \
	"$t/bad.conf:4: expected NAME = VALUE" "$t/bad.conf:5: key-fd: only on the command line" \
	"$t/bad.conf:6: operator-group: no such group: no-such-group-quorum" \
	"$t/bad.conf:7: foreground: \"perhaps\" is not yes or no" \
	"station: missing" "state: missing" "key: need exactly one" "9 problem(s) in the configuration" \
	-- --config "$t/bad.conf" --check-config
# the daemon does not start on a bad file
expect 2 "$t/bad.conf:2: bogus: unknown setting" -- --config "$t/bad.conf" --station s1 --state "$t/var/s1" --key-file "$t/pass"
expect 1 "cannot read the configuration file $t/none.conf" -- --config "$t/none.conf" --check-config
# the election, state and key checks
printf 'zz\n' >"$t/el/joint-key"
expect 1 "joint-key is not the joint public key" -- --config "$t/good.conf" --check-config
printf '04%0128d\n' 0 >"$t/el/joint-key"
mkdir -p "$t/var/s1" && chmod 775 "$t/var/s1"
expect 1 "state: $t/var/s1 is writable by its group or others" -- --config "$t/good.conf" --check-config
chmod 700 "$t/var/s1"
# the socket directory and the admin group are settings too (file or line)
expect 0 "the configuration is valid" -- --config "$t/good.conf" --check-config --socket-dir "$t/run/s1" --admin-group root
mkdir -p "$t/run/s1" && chmod 777 "$t/run/s1"
expect 1 "socket-dir: $t/run/s1 is writable by its group or others" -- --config "$t/good.conf" --check-config --socket-dir "$t/run/s1"
chmod 711 "$t/run/s1"
printf 'socket-dir = %s/run/s1\nadmin-group = no-such-group-quorum\n' "$t" >>"$t/s9.conf"
expect 1 "$t/s9.conf:6: admin-group: no such group: no-such-group-quorum" -- --config "$t/s9.conf" --check-config --station s1
chmod 644 "$t/pass"

expect 1 "key: $t/pass must be a regular file readable only by its owner" -- --config "$t/good.conf" --check-config
chmod 600 "$t/pass"
# a passphrase source on the command line replaces the file's
expect 0 "the passphrase is the systemd credential \"passphrase\"" -- --config "$t/good.conf" --check-config --key-credential passphrase
expect 1 "key: need exactly one" -- --config "$t/good.conf" --check-config --key-credential passphrase --key-fd 0
expect 1 "a credential name has no '/'" -- --no-config --check-config --key-credential ../x
# --key-credential outside systemd: the daemon says what is missing
expect 1 "\$CREDENTIALS_DIRECTORY is not set" -- --no-config --election "$t/el" --station s1 --state "$t/var/s1" --key-credential passphrase
[ $fail -eq 0 ] && echo "quorum-ballotd configuration: every case held"
exit $fail
