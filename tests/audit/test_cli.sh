#!/usr/bin/env bash
# Integration tests of quorum-audit: RFC 6962/9162 vectors through the CLI,
# signature checks, witness cosigning, exit statuses, SIGKILL durability.
# Usage: test_cli.sh QUORUM_AUDIT APPEND_LOOP
set -u
Q=$1
LOOP=$2
T=$(mktemp -d "${TMPDIR:-/tmp}/quorum-audit-cli-XXXXXX")
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 2
fails=0
pass=0
ok() { pass=$((pass + 1)); }
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
# expect STATUS DESCRIPTION -- command...
expect() {
	local want=$1 what=$2
	shift 3
	"$@" >out.txt 2>err.txt
	local got=$?
	if [ "$got" -ne "$want" ]; then
		fail "$what: exit $got, want $want"
		sed 's/^/    /' err.txt >&2
	else
		ok
	fi
}
b64hex() { base64 -d | od -An -v -tx1 | tr -d ' \n'; }

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
	got=$(sed -n 3p out.txt | b64hex)
	[ "$got" = "${roots[$i]}" ] || fail "root of size $((i + 1)): $got"
done
# stdin as one entry, and more than one file in one call
printf '' | "$Q" append log >out.txt 2>err.txt || fail "append from stdin"
[ "$(cat out.txt)" = 8 ] || fail "stdin append index"
"$Q" append log e1 e2 >out.txt || fail "append two files"
[ "$(tr '\n' ' ' <out.txt)" = "9 10 " ] || fail "two indices: $(cat out.txt)"

# inclusion proofs of the vectors, against kept checkpoints of sizes 8, 3, 5
proof_hashes() { sed -n '3,/^$/p' "$1" | sed '/^$/d' | while read -r l; do echo "$l" | b64hex; echo; done; }
expect 0 "prove 5 --size 8" -- "$Q" prove log 5 --size 8
cp out.txt p5
[ "$(head -2 p5 | tr '\n' ' ')" = "c2sp.org/tlog-proof@v1 index 5 " ] || fail "proof header"
want="bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b
ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0
d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"
[ "$(proof_hashes p5)" = "$want" ] || fail "inclusion proof 5/8"
expect 0 "prove 2 --size 3" -- "$Q" prove log 2 --size 3
[ "$(proof_hashes out.txt)" = fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125 ] || fail "inclusion proof 2/3"
expect 0 "prove 1 --size 5" -- "$Q" prove log 1 --size 5
cp out.txt p1
want="6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d
5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e
bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"
[ "$(proof_hashes p1)" = "$want" ] || fail "inclusion proof 1/5"
expect 0 "check-proof 5" -- "$Q" check-proof log/vkey p5 e5
expect 0 "check-proof 1" -- "$Q" check-proof vkey.txt p1 e1
expect 0 "check-proof, vkey given inline" -- "$Q" check-proof "$(cat vkey.txt)" p5 e5
expect 1 "check-proof, wrong entry" -- "$Q" check-proof log/vkey p5 e4
grep -q inclusion err.txt || fail "message names the inclusion check"
expect 2 "prove index >= size" -- "$Q" prove log 8 --size 8
expect 2 "prove, no such checkpoint" -- "$Q" prove log 0 --size 99

# consistency proofs of the vectors
cons() { "$Q" consistency log "$1" "$2" | while read -r l; do echo "$l" | b64hex; echo; done; }
want="0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a
ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0
d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"
[ "$(cons 6 8)" = "$want" ] || fail "consistency 6 8"
want="96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7
5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e
6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"
[ "$(cons 1 8)" = "$want" ] || fail "consistency 1 8"
want="5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e
bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"
[ "$(cons 2 5)" = "$want" ] || fail "consistency 2 5"
[ -z "$(cons 1 1)" ] || fail "consistency 1 1 is empty"
expect 2 "consistency old > new" -- "$Q" consistency log 5 2
"$Q" consistency log 6 8 >c68
"$Q" consistency log 2 5 >c25
expect 0 "check-consistency 6 8" -- "$Q" check-consistency log/vkey cp6 cp8 c68
expect 1 "check-consistency with the wrong proof" -- "$Q" check-consistency log/vkey cp6 cp8 c25
expect 1 "check-consistency new before old" -- "$Q" check-consistency log/vkey cp8 cp6 c68
sed '1s/^./A/' c68 >c68bad
cmp -s c68 c68bad && sed '1s/^./B/' c68 >c68bad
expect 1 "check-consistency, flipped proof" -- "$Q" check-consistency log/vkey cp6 cp8 c68bad
: >empty
expect 0 "check-consistency equal sizes" -- "$Q" check-consistency log/vkey cp8 cp8 empty

# ---- signatures through the command line ----
"$Q" init other --origin quorum.example/e1/s1 >otherkey
expect 1 "check-proof, wrong key (same name)" -- "$Q" check-proof otherkey p5 e5
grep -q "checkpoint" err.txt || fail "message names the checkpoint check"
# flip one byte of the signed checkpoint text (size 8 -> 9)
sed 's/^8$/9/' p5 >p5flip
expect 1 "check-proof, flipped checkpoint" -- "$Q" check-proof log/vkey p5flip e5
# an unknown extra signature is ignored
"$Q" append other e0 >/dev/null
"$Q" checkpoint other | tail -1 >othersig
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
"$Q" prove log 0 --size 3 >p0
expect 2 "cosign without proof" -- "$Q" cosign state wkey cp8
"$Q" consistency log 3 8 >c38
expect 1 "cosign with a wrong proof" -- "$Q" cosign state wkey cp8 c68
expect 0 "cosign 3 -> 8" -- "$Q" cosign state wkey cp8 c38
cp out.txt cosigned8
# a tlog-proof carrying the cosigned checkpoint: quorum-audit ignores the
# witness line, and an independent verifier written from the spec (Python,
# `cryptography`) checks key IDs, both signatures and the inclusion proof.
{ sed '/^$/q' p5; cat cosigned8; } >p5cosigned
expect 0 "check-proof with a cosigned checkpoint" -- "$Q" check-proof log/vkey p5cosigned e5
CHECK="$(dirname "$0")/c2sp_check.py"
if python3 "$CHECK" log/vkey p5 e5 >/dev/null 2>&1 || [ $? -ne 77 ]; then
	expect 0 "independent check of a proof" -- python3 "$CHECK" log/vkey p5 e5
	expect 0 "independent check of a cosigned proof" -- python3 "$CHECK" log/vkey p5cosigned e5 wvkey
	expect 1 "independent check, wrong entry" -- python3 "$CHECK" log/vkey p5cosigned e4 wvkey
	expect 1 "independent check, no cosignature" -- python3 "$CHECK" log/vkey p5 e5 wvkey
else
	echo "note: python3 cryptography missing, independent check skipped" >&2
fi
grep -q "^size 8$" state || fail "state records size 8"
expect 1 "cosign rollback to 6" -- "$Q" cosign state wkey cp6 c68
expect 0 "cosign same checkpoint again" -- "$Q" cosign state wkey cp8
expect 1 "cosign a forged checkpoint" -- "$Q" cosign state wkey p5flip
expect 1 "cosign another log's checkpoint" -- "$Q" cosign state wkey othersig
expect 2 "cosign with a log key instead of a witness key" -- "$Q" cosign state log/key cp8

# ---- verify, exit statuses, help ----
expect 0 "verify" -- "$Q" verify log
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

# ---- durability: SIGKILL an appending process, reopen, check ----
"$Q" init dlog --origin quorum.example/e1/dur >/dev/null
for round in 1 2 3; do
	"$LOOP" dlog >reported.$round 2>loop.err &
	pid=$!
	# let it report something first (slow machines, sanitizers), then a bit more
	for _ in $(seq 200); do
		[ -s reported.$round ] && break
		sleep 0.05
	done
	sleep 0.$((1 + 2 * round))
	kill -9 "$pid"
	wait "$pid" 2>/dev/null
	last=$(tail -n 1 reported.$round)
	[ -n "$last" ] || { fail "round $round: nothing reported"; continue; }
	# every reported index is present: the log has more than $last entries
	expect 0 "round $round: reopen (append)" -- "$Q" append dlog e0
	got=$(cat out.txt)
	[ "$got" -gt "$last" ] || fail "round $round: log size $got, reported up to $last"
	printf 'entry %s' "$last" >lastentry
	"$Q" checkpoint dlog >/dev/null || fail "round $round: checkpoint"
	"$Q" prove dlog "$last" >plast || fail "round $round: prove"
	expect 0 "round $round: last reported entry is in the log" -- "$Q" check-proof dlog/vkey plast lastentry
	expect 0 "round $round: verify" -- "$Q" verify dlog
done
# a truncated last record is cut back, with a message
size_before=$("$Q" append dlog e1)
truncate -s -3 dlog/entries
expect 0 "append after truncation" -- "$Q" append dlog e2
grep -q "torn tail cut back" err.txt || fail "torn tail message"
[ "$(cat out.txt)" = "$size_before" ] || fail "cut back to the last complete entry ($(cat out.txt) vs $size_before)"
expect 0 "verify after cut back" -- "$Q" verify dlog

echo "audit cli: $pass passed, $fails failed"
[ "$fails" -eq 0 ]
