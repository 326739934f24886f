#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
# Integration tests of quorum-audit: RFC 6962/9162 vectors through the CLI,
# signature checks, witness cosigning, exit statuses, and atomicity and
# recovery after SIGKILL (durability -- fsync placement -- is
# tests/integration/test_durability.c).
# Usage: test_cli.sh QUORUM_AUDIT APPEND_LOOP C2SP_CHECK
#
# Every command's exit status and output are checked: commands whose output
# is used run through `expect` (status) and are read back from out.txt.
set -euo pipefail
shopt -s inherit_errexit
export LC_ALL=C LANGUAGE=
Q=$1
LOOP=$2
CHECK=$3
EMDASH=$'\xe2\x80\x94'
T=$(mktemp -d "${TMPDIR:-/tmp}/quorum-audit-cli-XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 2
fails=0
pass=0
ok() { pass=$((pass + 1)); }
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
# expect STATUS DESCRIPTION -- command...   (stdout in out.txt, stderr in err.txt)
expect() {
	local want=$1 what=$2 got
	shift 3
	if "$@" >out.txt 2>err.txt; then got=0; else got=$?; fi
	if [ "$got" -ne "$want" ]; then
		fail "$what: exit $got, want $want"
		sed 's/^/    /' err.txt >&2
	else
		ok
	fi
}
# said WHAT TEXT: the last command's stderr contains TEXT
said() {
	grep -qF -- "$2" err.txt || { fail "$1: stderr lacks \"$2\":"; sed 's/^/    /' err.txt >&2; }
}
b64hex() { base64 -d | od -An -v -tx1 | tr -d ' \n'; }
# hexlines FILE: each base64 line of FILE in hex, one per line; fails on bad base64
hexlines() {
	local l
	while read -r l; do
		printf '%s' "$l" | b64hex
		echo
	done <"$1"
}

# ---- RFC 6962 vectors through the command line ----
leaves=("" 00 10 2021 3031 40414243 5051525354555657 606162636465666768696a6b6c6d6e6f)
roots=(6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d
	fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125
	aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77
	d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7
	4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4
	76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef
	ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c
	5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328)
expect 0 "init" -- "$Q" init log --origin quorum.example/e1/s1
cp out.txt vkey.txt
cmp -s vkey.txt log/vkey || fail "init prints DIR/vkey"
[ "$(stat -c %a log/key)" = 600 ] || fail "key file mode"
for i in 0 1 2 3 4 5 6 7; do
	printf '%s' "${leaves[$i]}" | xxd -r -p >"e$i"
	expect 0 "append e$i" -- "$Q" append log "e$i"
	[ "$(cat out.txt)" = "$i" ] || fail "append e$i printed $(cat out.txt)"
	expect 0 "checkpoint $((i + 1))" -- "$Q" checkpoint log
	cp out.txt "cp$((i + 1))"
	[ "$(sed -n 2p out.txt)" = $((i + 1)) ] || fail "checkpoint size $((i + 1))"
	got=$(sed -n 3p out.txt | b64hex) || fail "root of size $((i + 1)) is not base64"
	[ "$got" = "${roots[$i]}" ] || fail "root of size $((i + 1)): $got"
done
# stdin as one entry, and more than one file in one call
printf '' | "$Q" append log >out.txt 2>err.txt || fail "append from stdin"
[ "$(cat out.txt)" = 8 ] || fail "stdin append index"
"$Q" append log e1 e2 >out.txt || fail "append two files"
[ "$(tr '\n' ' ' <out.txt)" = "9 10 " ] || fail "two indices: $(cat out.txt)"

# inclusion proofs of the vectors, against kept checkpoints of sizes 8, 3, 5
proof_hashes() {
	sed -n '3,/^$/p' "$1" | sed '/^$/d' >hashes.txt
	hexlines hashes.txt
}
expect 0 "prove 5 --size 8" -- "$Q" prove log 5 --size 8
cp out.txt p5
[ "$(head -2 p5 | tr '\n' ' ')" = "c2sp.org/tlog-proof@v1 index 5 " ] || fail "proof header"
want="bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b
ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0
d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"
got=$(proof_hashes p5) || fail "inclusion proof 5/8: bad base64"
[ "$got" = "$want" ] || fail "inclusion proof 5/8"
expect 0 "prove 2 --size 3" -- "$Q" prove log 2 --size 3
got=$(proof_hashes out.txt) || fail "inclusion proof 2/3: bad base64"
[ "$got" = fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125 ] || fail "inclusion proof 2/3"
expect 0 "prove 1 --size 5" -- "$Q" prove log 1 --size 5
cp out.txt p1
want="6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d
5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e
bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"
got=$(proof_hashes p1) || fail "inclusion proof 1/5: bad base64"
[ "$got" = "$want" ] || fail "inclusion proof 1/5"
expect 0 "check-proof 5" -- "$Q" check-proof log/vkey p5 e5
[ "$(cat out.txt)" = "ok: entry 5 is in quorum.example/e1/s1 at size 8" ] || fail "check-proof 5 said: $(cat out.txt)"
expect 0 "check-proof 1" -- "$Q" check-proof vkey.txt p1 e1
[ "$(cat out.txt)" = "ok: entry 1 is in quorum.example/e1/s1 at size 5" ] || fail "check-proof 1 said: $(cat out.txt)"
expect 0 "check-proof, vkey given inline" -- "$Q" check-proof "$(cat vkey.txt)" p5 e5
expect 1 "check-proof, wrong entry" -- "$Q" check-proof log/vkey p5 e4
grep -q inclusion err.txt || fail "message names the inclusion check"
[ ! -s out.txt ] || fail "a failed check-proof prints nothing on stdout"
expect 2 "prove index >= size" -- "$Q" prove log 8 --size 8
expect 2 "prove, no such checkpoint" -- "$Q" prove log 0 --size 99
[ ! -s out.txt ] || fail "a failed prove prints no proof"

# consistency proofs of the vectors
cons() {
	expect 0 "consistency $1 $2" -- "$Q" consistency log "$1" "$2"
	cp out.txt "c$1$2"
	hexlines out.txt
}
want="0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a
ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0
d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"
got=$(cons 6 8) || fail "consistency 6 8: bad base64"
[ "$got" = "$want" ] || fail "consistency 6 8"
want="96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7
5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e
6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"
got=$(cons 1 8) || fail "consistency 1 8: bad base64"
[ "$got" = "$want" ] || fail "consistency 1 8"
want="5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e
bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"
got=$(cons 2 5) || fail "consistency 2 5: bad base64"
[ "$got" = "$want" ] || fail "consistency 2 5"
expect 0 "consistency 1 1" -- "$Q" consistency log 1 1
[ ! -s out.txt ] || fail "consistency 1 1 is empty: $(cat out.txt)"
expect 2 "consistency old > new" -- "$Q" consistency log 5 2
[ ! -s out.txt ] || fail "consistency old > new prints no proof"
# (c68 and c25 were kept by cons above)
expect 0 "check-consistency 6 8" -- "$Q" check-consistency log/vkey cp6 cp8 c68
[ "$(cat out.txt)" = "ok: quorum.example/e1/s1 size 8 extends size 6" ] || fail "check-consistency said: $(cat out.txt)"
expect 1 "check-consistency with the wrong proof" -- "$Q" check-consistency log/vkey cp6 cp8 c25
expect 1 "check-consistency new before old" -- "$Q" check-consistency log/vkey cp8 cp6 c68
sed '1s/^./A/' c68 >c68bad
cmp -s c68 c68bad && sed '1s/^./B/' c68 >c68bad
expect 1 "check-consistency, flipped proof" -- "$Q" check-consistency log/vkey cp6 cp8 c68bad
: >empty
expect 0 "check-consistency equal sizes" -- "$Q" check-consistency log/vkey cp8 cp8 empty

# ---- signatures through the command line ----
expect 0 "init other" -- "$Q" init other --origin quorum.example/e1/s1
cp out.txt otherkey
expect 1 "check-proof, wrong key (same name)" -- "$Q" check-proof otherkey p5 e5
grep -q "checkpoint" err.txt || fail "message names the checkpoint check"
# flip one byte of the signed checkpoint text (size 8 -> 9)
sed 's/^8$/9/' p5 >p5flip
expect 1 "check-proof, flipped checkpoint" -- "$Q" check-proof log/vkey p5flip e5
# an unknown extra signature is ignored
expect 0 "append other" -- "$Q" append other e0
[ "$(cat out.txt)" = 0 ] || fail "append other printed $(cat out.txt)"
expect 0 "checkpoint other" -- "$Q" checkpoint other
cp out.txt othercp
[ "$(sed -n 1,2p othercp | tr '\n' ' ')" = "quorum.example/e1/s1 1 " ] || fail "other checkpoint: $(cat othercp)"
[ "$(sed -n 4p othercp)" = "" ] || fail "other checkpoint: no blank line before the signature"
tail -n 1 othercp >othersig
grep -q "^$EMDASH quorum.example/e1/s1 " othersig || fail "other checkpoint's signature line: $(cat othersig)"
cat p5 othersig >p5extra
expect 0 "check-proof, unknown extra signature" -- "$Q" check-proof log/vkey p5extra e5
# no known signature
{ sed '/^\xe2\x80\x94/d' p5; cat othersig; } >p5nosig
expect 1 "check-proof, no known signature" -- "$Q" check-proof log/vkey p5nosig e5

# ---- witness cosigning ----
expect 0 "witness-key" -- "$Q" witness-key witness.example/w1 wkey
cp out.txt wvkey
[ "$(stat -c %a wkey)" = 600 ] || fail "witness key mode"
expect 2 "witness-key exists" -- "$Q" witness-key witness.example/w1 wkey
echo "vkey $(cat vkey.txt)" >state
expect 0 "cosign first" -- "$Q" cosign state wkey cp3
cp out.txt cosigned3
grep -q "^size 3$" state || fail "state records size 3"
grep -q "witness.example/w1 " cosigned3 || fail "cosignature line"
expect 2 "cosign without proof" -- "$Q" cosign state wkey cp8
said "cosign without proof" "a consistency proof from size 3 is required"
expect 0 "consistency 3 8" -- "$Q" consistency log 3 8
cp out.txt c38
expect 1 "cosign with a wrong proof" -- "$Q" cosign state wkey cp8 c68
said "cosign with a wrong proof" "FAILED consistency: checkpoint 8 does not extend the cosigned checkpoint 3"
expect 0 "cosign 3 -> 8" -- "$Q" cosign state wkey cp8 c38
cp out.txt cosigned8
# a tlog-proof carrying the cosigned checkpoint: quorum-audit ignores the
# witness line, and an independent verifier written from the spec (Python,
# `cryptography`) checks key IDs, both signatures and the inclusion proof.
{ sed '/^$/q' p5; cat cosigned8; } >p5cosigned
expect 0 "check-proof with a cosigned checkpoint" -- "$Q" check-proof log/vkey p5cosigned e5
# The independent check is required (python3-cryptography, scripts/setup):
# it fails, never skips.  First the checker itself, on published vectors.
expect 0 "independent checker, published signed-note vectors" -- python3 "$CHECK" --self-test
expect 0 "independent check of a proof" -- python3 "$CHECK" log/vkey p5 e5
grep -q "^c2sp_check: ok (quorum.example/e1/s1, index 5, size 8, 1 signatures checked)$" out.txt || fail "independent check said: $(cat out.txt)"
expect 0 "independent check of a cosigned proof" -- python3 "$CHECK" log/vkey p5cosigned e5 wvkey
grep -q ", 2 signatures checked)$" out.txt || fail "independent check (cosigned) said: $(cat out.txt)"
expect 1 "independent check, wrong entry" -- python3 "$CHECK" log/vkey p5cosigned e4 wvkey
said "independent check, wrong entry" "AssertionError('inclusion')"
expect 1 "independent check, no cosignature" -- python3 "$CHECK" log/vkey p5 e5 wvkey
said "independent check, no cosignature" "AssertionError('cosignature')"
grep -q "^size 8$" state || fail "state records size 8"
expect 1 "cosign rollback to 6" -- "$Q" cosign state wkey cp6 c68
said "cosign rollback to 6" "FAILED consistency: size 6 is older than the cosigned 8"
expect 0 "cosign same checkpoint again" -- "$Q" cosign state wkey cp8
# Real checkpoints that must be refused for their signature: the kept
# checkpoint 8 with its size line altered, the full checkpoint of another
# log with the same origin (another key), and one of a log of another origin.
sed '2s/^8$/9/' cp8 >cp8forged
cmp -s cp8 cp8forged && fail "forging the size line changed nothing"
expect 1 "cosign a forged checkpoint" -- "$Q" cosign state wkey cp8forged
said "cosign a forged checkpoint" "FAILED checkpoint: no valid signature by the log key"
expect 1 "cosign another log's checkpoint" -- "$Q" cosign state wkey othercp
said "cosign another log's checkpoint" "FAILED checkpoint: no valid signature by the log key"
expect 0 "init a log of another origin" -- "$Q" init third --origin quorum.example/e1/s2
expect 0 "append third" -- "$Q" append third e0 e1 e2 e3 e4 e5 e6 e7 e0
expect 0 "checkpoint third" -- "$Q" checkpoint third
cp out.txt thirdcp
expect 1 "cosign a checkpoint of another origin" -- "$Q" cosign state wkey thirdcp
said "cosign a checkpoint of another origin" "FAILED checkpoint: it is a checkpoint of the log quorum.example/e1/s2, not of"
printf 'not a checkpoint\n' >notcp
expect 1 "cosign a file that is no checkpoint" -- "$Q" cosign state wkey notcp
said "cosign a file that is no checkpoint" "FAILED checkpoint: notcp is not a well-formed checkpoint"
grep -q "^size 8$" state || fail "refused checkpoints leave the state at size 8"
expect 2 "cosign with a log key instead of a witness key" -- "$Q" cosign state log/key cp8
said "cosign with a log key" "log/key: not a witness key file"

# ---- verify, exit statuses, help ----
expect 0 "verify" -- "$Q" verify log
[ "$(cat out.txt)" = "ok: 11 entries, 8 checkpoints, all consistent" ] || fail "verify said: $(cat out.txt)"
expect 2 "verify, no such dir" -- "$Q" verify nosuchdir
expect 2 "no command" -- "$Q"
expect 2 "unknown command" -- "$Q" frobnicate
expect 0 "--help" -- "$Q" --help
for c in init append checkpoint prove consistency check-proof check-consistency verify cosign witness-key; do
	expect 0 "$c --help" -- "$Q" "$c" --help
	grep -q "usage: quorum-audit $c" out.txt || fail "$c --help text"
done
expect 2 "prove with a bad index" -- "$Q" prove log 1x
head -c 65536 /dev/zero >big
expect 2 "append too long" -- "$Q" append log big
cp -r log logbad
printf 'X' | dd of=logbad/entries bs=1 seek=3 conv=notrunc 2>/dev/null
expect 1 "verify a corrupted log" -- "$Q" verify logbad
grep -q "entry" err.txt || fail "verify names the entry"

# ---- atomicity and recovery: SIGKILL an appending process, reopen, check ----
# A killed process's writes stay in the page cache, so this shows that every
# reported entry is complete and reopening recovers -- not that anything
# reached the disk (a missing fsync passes here; tests/integration/test_durability.c
# counts and places the fsyncs).
expect 0 "init dlog" -- "$Q" init dlog --origin quorum.example/e1/dur
for round in 1 2 3; do
	"$LOOP" dlog >reported.$round 2>loop.err &
	pid=$!
	# let it report something first (slow machines, sanitizers), then a bit more
	for _ in $(seq 200); do
		[ -s reported.$round ] && break
		sleep 0.05
	done
	sleep 0.$((1 + 2 * round))
	kill -9 "$pid" || fail "round $round: the append loop was gone before the kill"
	if wait "$pid" 2>/dev/null; then st=0; else st=$?; fi
	[ "$st" -eq 137 ] || fail "round $round: append loop exit $st, want 137 (SIGKILL)"
	last=$(tail -n 1 reported.$round)
	[ -n "$last" ] || { fail "round $round: nothing reported"; continue; }
	# every reported index is present: the log has more than $last entries
	expect 0 "round $round: reopen (append)" -- "$Q" append dlog e0
	got=$(cat out.txt)
	[ "$got" -gt "$last" ] || fail "round $round: log size $got, reported up to $last"
	printf 'entry %s' "$last" >lastentry
	expect 0 "round $round: checkpoint" -- "$Q" checkpoint dlog
	expect 0 "round $round: prove" -- "$Q" prove dlog "$last"
	cp out.txt plast
	expect 0 "round $round: last reported entry is in the log" -- "$Q" check-proof dlog/vkey plast lastentry
	expect 0 "round $round: verify" -- "$Q" verify dlog
done
# a truncated last record is cut back, with a message
expect 0 "append before truncation" -- "$Q" append dlog e1
size_before=$(cat out.txt)
truncate -s -3 dlog/entries
expect 0 "append after truncation" -- "$Q" append dlog e2
grep -q "torn tail cut back" err.txt || fail "torn tail message"
[ "$(cat out.txt)" = "$size_before" ] || fail "cut back to the last complete entry ($(cat out.txt) vs $size_before)"
expect 0 "verify after cut back" -- "$Q" verify dlog

echo "audit cli: $pass passed, $fails failed"
[ "$fails" -eq 0 ]
