# SPDX-License-Identifier: GPL-3.0-or-later
# polls.sh -- the demo's polls, driven through the real programs.  Sourced
# by scripts/demo after narrate.sh and manifests.sh; uses $OUT, $TALLY,
# $BALLOTD, $BALLOT, $AUDIT, $SIM, DAEMONS and the community files.
#
# Layout under $OUT:
#   records/<poll>/            the election record (quorum-tally init ...)
#   stations/<poll>/<id>/      a station's state (quorum-ballotd --state)
#   work/<poll>/               plans, booth results, counts
#   secrets/                   trustees' and stations' passphrases (demo only)

STATIONS3="s1 s2 mobile"
STATION_GROUPS="s1:g01,g02,g03,g04,g05,g06,g07 s2:g08,g09,g10,g11,g12,g13,g14 mobile:g15,g16"
HALL_GROUPS="hall:g01,g02,g03,g04,g05,g06,g07,g08,g09,g10,g11,g12,g13,g14,g15,g16"
TRUSTEES=5
THRESHOLD=3
PRESENT="1 3 5" # trustees 2 and 4 are absent at every tally

# ---- secrets (the demo makes its own; a real election never does) ----

# The passphrase file of a trustee or a station (mode 0600).
secret_file() {
	local f=$OUT/secrets/$1.pass
	if [ ! -f "$f" ]; then
		(umask 077 && printf 'demo passphrase of %s, not for real use\n' "$1" >"$f")
	fi
	printf '%s' "$f"
}

# ---- quorum-tally subcommands that may not exist yet ----

tally_has() {
	"$TALLY" --help 2>/dev/null | grep -q "^  $1 "
}

# ---- stations ----

# station_launch POLL ELECTION_DIR STATION: start quorum-ballotd in the
# background (its passphrase from a 0600 file).  Sets STATION_PID.
station_launch() {
	local poll=$1 el=$2 sid=$3
	local state=$OUT/stations/$poll/$sid
	local pass
	pass=$(secret_file "station-$poll-$sid")
	mkdir -p "$OUT/stations/$poll"
	"$BALLOTD" --election "$el" --station "$sid" --state "$state" --key-file "$pass" \
		--foreground >"$OUT/work/$poll/ballotd-$sid.log" 2>&1 &
	STATION_PID=$!
	DAEMONS+=("$STATION_PID")
}

# station_ready POLL STATION PID: wait until the daemon's sockets exist.
station_ready() {
	local poll=$1 sid=$2 pid=$3 i
	local state=$OUT/stations/$poll/$sid
	for i in $(seq 1 600); do
		if [ -S "$state/operator.sock" ] && [ -S "$state/booth.sock" ] && [ -S "$state/admin.sock" ]; then
			return 0
		fi
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "quorum-ballotd for $sid exited:" >&2
			cat "$OUT/work/$poll/ballotd-$sid.log" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "quorum-ballotd for $sid did not create its sockets in 30 s" >&2
	return 1
}

station_stop() {
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	for i in "${!DAEMONS[@]}"; do
		[ "${DAEMONS[$i]}" = "$pid" ] && unset 'DAEMONS[i]'
	done
	DAEMONS=("${DAEMONS[@]}")
}

# poll_stations POLL ELECTION_DIR ROLL PLAN STATION... : run the polling
# day at each station in parallel, then close them and put each station's
# signed record and log into the election record.
poll_stations() {
	local poll=$1 el=$2 roll=$3 plan=$4
	shift 4
	local sid pids=() sims=() rc=0 st
	for sid in "$@"; do
		station_launch "$poll" "$el" "$sid"
		pids+=("$STATION_PID")
	done
	local i=0
	for sid in "$@"; do
		station_ready "$poll" "$sid" "${pids[$i]}" || return 1
		i=$((i + 1))
	done
	# import the roll and open, at every station at once
	local jobs=()
	for sid in "$@"; do
		st=$OUT/stations/$poll/$sid
		("$BALLOT" --state "$st" import-roll "$roll" >"$OUT/work/$poll/import-$sid.txt" &&
			"$BALLOT" --state "$st" open >"$OUT/work/$poll/open-$sid.txt") &
		jobs+=($!)
	done
	for i in "${jobs[@]}"; do
		wait "$i" || return 1
	done
	i=0
	for sid in "$@"; do
		"$SIM" --state "$OUT/stations/$poll/$sid" --station "$sid" --plan "$plan" --threads 8 \
			>"$OUT/work/$poll/booth-$sid.tsv" 2>"$OUT/work/$poll/booth-$sid.err" &
		sims+=($!)
	done
	i=0
	for sid in "$@"; do
		if ! wait "${sims[$i]}"; then
			echo "booth simulator at $sid: outcomes differ from the plan:" >&2
			head -n 20 "$OUT/work/$poll/booth-$sid.err" >&2
			rc=1
		fi
		i=$((i + 1))
	done
	console_voters "$poll" "$plan" || rc=1
	i=0
	for sid in "$@"; do
		st=$OUT/stations/$poll/$sid
		# a named vote (记名表决, P-6.6): the poll worker records each
		# attendee's hand under the roll id, into the station's log
		if [ -f "$OUT/work/$poll/named-$sid.tsv" ]; then
			local nc nv nx
			while IFS=$'\t' read -r nc nv nx; do
				"$BALLOT" --state "$st" named-vote "$nc" "$nv" "$nx" || rc=1
			done <"$OUT/work/$poll/named-$sid.tsv" >"$OUT/work/$poll/named-$sid.txt"
		fi
		"$BALLOT" --state "$st" status >"$OUT/work/$poll/status-$sid.txt" || rc=1
		"$BALLOT" --state "$st" close --yes >"$OUT/work/$poll/close-$sid.txt" || rc=1
		station_stop "${pids[$i]}"
		mkdir -p "$el/stations/$sid"
		cp "$st/station-record.json" "$st/station-record.json.sig" "$el/stations/$sid/" || rc=1
		# the station's log, without its private signing key
		mkdir -p "$el/stations/$sid/log"
		cp -r "$st/log/entries" "$st/log/leaves" "$st/log/vkey" "$st/log/checkpoints" \
			"$el/stations/$sid/log/" || rc=1
		i=$((i + 1))
	done
	return $rc
}

# console_voters POLL PLAN: the plan's "console" voters are checked in by a
# poll worker with quorum-ballot and vote at a booth terminal running
# `quorum-ballot booth`, in Chinese (LANG=zh_CN.UTF-8).  The console's
# output is kept in work/POLL/console-VOTER.txt and the receipt in
# work/POLL/console.tsv (booth-sim's columns).
console_voters() {
	local poll=$1 plan=$2 sid voter proxy action marks st tok rc=0
	: >"$OUT/work/$poll/console.tsv"
	while IFS=$'\t' read -r sid voter proxy action marks; do
		[ "$action" = console ] || continue
		st=$OUT/stations/$poll/$sid
		local t=$OUT/work/$poll/console-$voter.txt
		{
			echo "\$ quorum-ballot --state $sid checkin $voter        (poll worker)"
			env -u LC_ALL -u LC_MESSAGES -u LANGUAGE LANG=zh_CN.UTF-8 "$BALLOT" --state "$st" checkin "$voter"
		} >"$t" 2>&1 || { rc=1; continue; }
		tok=$(tail -n 1 "$t" | grep -o '[0-9a-f]\{32\}$') || { rc=1; continue; }
		{
			echo "\$ quorum-ballot --state $sid booth        (booth terminal; the voter types the token $tok, then marks: $marks)"
			# the token is typed at the terminal (here: the first line of
			# standard input), never put on the command line
			printf '%s\n%s\ny\ncast\n' "$tok" "$marks" |
				env -u LC_ALL -u LC_MESSAGES -u LANGUAGE LANG=zh_CN.UTF-8 "$BALLOT" --state "$st" booth
		} >>"$t" 2>&1 || { rc=1; continue; }
		awk -v v="$voter" -v s="$sid" '
			/===/ { r = 1; next }
			r && code == "" && match($0, /[0-9a-f]+$/) && RLENGTH == 64 { code = substr($0, RSTART, 64); next }
			r && code != "" && idx == "" && match($0, /[0-9]+$/) { idx = substr($0, RSTART, RLENGTH) }
			END { if (code != "" && idx != "") printf "%s\t-\tconsole\tcast\t%s\t%s\t-\n", v, code, idx; else exit 1 }
		' "$t" >>"$OUT/work/$poll/console.tsv" || rc=1
	done <"$plan"
	return $rc
}

# Narrate what happened at the stations of a poll.
narrate_booths() {
	local poll=$1
	cat "$OUT"/work/"$poll"/booth-*.tsv "$OUT/work/$poll/console.tsv" 2>/dev/null |
		awk -F'\t' '$4 != "console"' >"$OUT/work/$poll/booth-all.tsv"
	local cast chal prox
	cast=$(awk -F'\t' '$4 == "cast"' "$OUT/work/$poll/booth-all.tsv" | wc -l)
	chal=$(awk -F'\t' '$7 != "-"' "$OUT/work/$poll/booth-all.tsv" | wc -l)
	prox=$(awk -F'\t' '$2 != "-" && $4 == "cast"' "$OUT/work/$poll/booth-all.tsv" | wc -l)
	note "$cast ballots cast ($prox of them by written proxy); $chal ballots challenged (opened, not counted) and marked again"
	awk -F'\t' '
		BEGIN {
			why["under_18"] = "not 18 on polling day (the 18th birthday is the day after; UL16.eligible)"
			why["wrong_station"] = "their residents\047 group votes at another station"
			why["not_on_roll"] = "not on this community\047s roll"
			why["already_voted"] = "already checked in: a second ballot is refused"
			why["deprived"] = "deprived of political rights (UL16.eligible)"
		}
		$4 ~ /^refused:/ {
			sub("refused:", "", $4)
			printf "   refused check-in: %s -- %s (%s)\n", $1, ($4 in why ? why[$4] : $4), $4
		}' "$OUT/work/$poll/booth-all.tsv"
	local sid
	for sid in $(ls "$OUT/work/$poll" | sed -n 's/^close-\(.*\)\.txt$/\1/p'); do
		note "station $sid: $(awk '$1 == "checked_in" || $1 == "cast" || $1 == "challenged" {printf "%s %s  ", $1, $2}' "$OUT/work/$poll/status-$sid.txt")"
	done
}

# ---- the election record (quorum-tally) ----

# record_init POLL MANIFEST ROLL [PREVIOUS_ROUND_DIR]: create records/POLL.
record_init() {
	local poll=$1 manifest=$2 roll=$3 prev=${4:-}
	local el=$OUT/records/$poll
	mkdir -p "$OUT/work/$poll"
	if [ -n "$prev" ]; then
		"$TALLY" init "$el" --manifest "$manifest" --roll "$roll" --runoff-of "$prev"
	else
		"$TALLY" init "$el" --manifest "$manifest" --roll "$roll" \
			--trustees $TRUSTEES --threshold $THRESHOLD
	fi
}

# ceremony POLL: five trustees make the joint key; none holds it whole.
# Each trustee's secret (polynomial, transport key, signing key) and final
# key share are files sealed under the trustee's own passphrase (Argon2id +
# AES-256-GCM).  Every file a trustee makes is signed; at generate each
# reads out a fingerprint, everyone writes all of them down (here: the
# lines printed, collected in fingerprints.txt), and reveal checks the
# commitments against that list, so whoever carries the files between the
# trustees cannot swap a key.
ceremony() {
	local el=$OUT/records/$1 i step
	local sec=$OUT/secrets fps=$OUT/work/$1/fingerprints.txt
	: >"$fps"
	for i in $(seq 1 $TRUSTEES); do
		"$TALLY" ceremony generate "$el" --trustee "$i" \
			--secret "$sec/trustee-$i-$1.secret" \
			--pass-file "$(secret_file "trustee-$i")" >"$OUT/work/$1/gen-$i.out" || return 1
		tail -n 1 "$OUT/work/$1/gen-$i.out" >>"$fps"
	done
	for i in $(seq 1 $TRUSTEES); do
		"$TALLY" ceremony reveal "$el" --trustee "$i" \
			--secret "$sec/trustee-$i-$1.secret" --fingerprints "$fps" \
			--pass-file "$(secret_file "trustee-$i")" || return 1
	done
	for i in $(seq 1 $TRUSTEES); do
		"$TALLY" ceremony deal "$el" --trustee "$i" \
			--secret "$sec/trustee-$i-$1.secret" \
			--pass-file "$(secret_file "trustee-$i")" || return 1
	done
	for i in $(seq 1 $TRUSTEES); do
		"$TALLY" ceremony receive "$el" --trustee "$i" \
			--secret "$sec/trustee-$i-$1.secret" --key "$sec/trustee-$i-$1.key" \
			--pass-file "$(secret_file "trustee-$i")" || return 1
	done
	"$TALLY" ceremony finish "$el"
}

# tally_poll POLL [KEYS_OF_POLL]: verify and add every ballot, trustees
# $PRESENT decrypt, combine, decide, report.  A run-off uses the key shares
# of the round whose ceremony made the joint key.  With write-in slots
# (tally writes tally/mix/, R-12) the same trustees first mix the written
# names in turn, and combine matches them against the roll.
tally_poll() {
	local el=$OUT/records/$1 keys=${2:-$1} i roll=()
	"$TALLY" tally "$el" || return 1
	if [ -d "$el/tally/mix" ]; then
		for i in $PRESENT; do
			"$TALLY" mix "$el" --trustee "$i" --key "$OUT/secrets/trustee-$i-$keys.key" \
				--pass-file "$(secret_file "trustee-$i")" >"$OUT/work/$1/mix-$i.txt" ||
				return 1
		done
		roll=(--roll "$OUT/community/roll.csv")
	fi
	for i in $PRESENT; do
		"$TALLY" decrypt "$el" --trustee "$i" --key "$OUT/secrets/trustee-$i-$keys.key" \
			--pass-file "$(secret_file "trustee-$i")" >"$OUT/work/$1/decrypt-$i.txt" ||
			return 1
		cat "$OUT/work/$1/decrypt-$i.txt"
	done
	"$TALLY" combine "$el" "${roll[@]}" || return 1
	"$TALLY" report "$el"
}

# writein_names: two names for the committee election's write-in lines,
# each one resident's alone on the roll (a shared name is "ambiguous",
# R-12.6): an eligible adult who is not a candidate (counted) and a minor
# (ineligible-under-18, reported and not counted).  Prints "ADULT MINOR".
writein_names() {
	local C=$OUT/community
	awk -F'\t' '
		FILENAME ~ /candidates/ { cand[$2] = 1; next }
		FILENAME ~ /voters/ { el[$1] = $3; why[$1] = $4; next }
		FNR > 1 { split($0, f, ","); id[FNR] = f[1]; nm[FNR] = f[2]; n[f[2]]++; last = FNR }
		END {
			for (r = 2; r <= last; r++) {
				if (n[nm[r]] != 1 || cand[id[r]]) continue
				if (a == "" && el[id[r]] == 1) a = nm[r]
				if (m == "" && why[id[r]] == "under_18") m = nm[r]
			}
			if (a == "" || m == "") exit 1
			print a, m
		}' "$C/candidates.tsv" "$C/voters.tsv" "$C/roll.csv"
}

# same_keys POLL: every station key fingerprint and closing root the poll
# workers read out at close is the one each trustee's decrypt printed
# (docs/spec/threats.md T-6.1) -- a station record replaced by the
# returning officer would show another key or root.
same_keys() {
	local f fp root i n=0
	for f in "$OUT/work/$1"/close-*.txt; do
		[ -f "$f" ] || continue
		fp=$(grep -oE '[0-9a-f]{4}( [0-9a-f]{4}){7}' "$f" | head -n 1)
		root=$(grep -oE 'root [0-9a-f]{64}' "$f" | head -n 1)
		[ -n "$fp" ] && [ -n "$root" ] || return 1
		for i in $PRESENT; do
			grep -qF "$fp" "$OUT/work/$1/decrypt-$i.txt" || return 1
			grep -qF "$root" "$OUT/work/$1/decrypt-$i.txt" || return 1
		done
		n=$((n + 1))
	done
	[ "$n" -gt 0 ]
}

# ---- the observer ----

# log_entry LOGDIR INDEX OUTFILE: copy entry INDEX's exact bytes out of an
# audit log (docs/spec/audit.md A-3.1, A-3.2) -- the observer reads the
# files themselves rather than trusting a tool to hand them the entry.
log_entry() {
	local dir=$1 idx=$2 out=$3 off len
	off=$(od -An -tu8 --endian=big -j $((40 * idx)) -N8 "$dir/leaves" | tr -d ' ')
	[ -n "$off" ] || return 1
	len=$(od -An -tu2 --endian=big -j "$off" -N2 "$dir/entries" | tr -d ' ')
	[ -n "$len" ] || return 1
	tail -c +$((off + 3)) "$dir/entries" | head -c "$len" >"$out"
	[ "$(stat -c %s "$out")" = "$len" ]
}

# receipt_line POLL VOTER: the voter's receipt (booth-sim's columns).
receipt_line() {
	cat "$OUT/work/$1/console.tsv" "$OUT"/work/"$1"/booth-*.tsv 2>/dev/null |
		awk -F'\t' -v v="$2" '$1 == v && $4 == "cast" { print; exit }'
}

# receipt_inclusion POLL STATION VOTER: the observer takes one voter's
# receipt (tracking code, log index) and checks that the ballot is in the
# station's log under the station's key: an offline tlog-proof from the
# record's copy of the log, checked against the entry's bytes.
# checked_in_at RECORD ID STATION: quorum-audit checked-in names STATION
# for ID (exit 0), or, with STATION empty, says ID was checked in nowhere
# (exit 1 exactly).
checked_in_at() {
	local out rc=0
	out=$("$AUDIT" checked-in "$1" "$2") || rc=$?
	printf '%s\n' "$out"
	if [ -z "$3" ]; then
		[ "$rc" -eq 1 ]
	else
		[ "$rc" -eq 0 ] && printf '%s\n' "$out" | grep -qw -- "$3"
	fi
}

receipt_inclusion() {
	local poll=$1 sid=$2 voter=$3
	local el=$OUT/records/$poll o=$OUT/observer/$poll
	local line idx code
	mkdir -p "$o"
	line=$(receipt_line "$poll" "$voter")
	[ -n "$line" ] || { echo "no receipt for $voter at $sid"; return 1; }
	code=$(printf '%s' "$line" | cut -f5)
	idx=$(printf '%s' "$line" | cut -f6)
	printf 'voter %s at %s: tracking code %s, log index %s\n' "$voter" "$sid" "$code" "$idx"
	"$AUDIT" prove "$el/stations/$sid/log" "$idx" >"$o/receipt-$voter.proof" || return 1
	log_entry "$el/stations/$sid/log" "$idx" "$o/receipt-$voter.entry" || return 1
	"$AUDIT" check-proof "$el/stations/$sid/log/vkey" "$o/receipt-$voter.proof" \
		"$o/receipt-$voter.entry"
}

# witness_cosign POLL: the observer, as a witness, cosigns the election
# log's first checkpoint, then its final one after checking the
# consistency proof between them (the log only grew).
witness_cosign() {
	local poll=$1 el=$OUT/records/$1 o=$OUT/observer
	local log=$el/log first last
	first=$(ls "$log/checkpoints" | sort -n | head -n 1)
	last=$(ls "$log/checkpoints" | sort -n | tail -n 1)
	printf 'vkey %s\n' "$(head -n 1 "$log/vkey")" >"$o/$poll.witness-state"
	"$AUDIT" cosign "$o/$poll.witness-state" "$o/witness.key" "$log/checkpoints/$first" \
		>"$o/$poll.cosigned-$first" || return 1
	"$AUDIT" consistency "$log" "$first" "$last" >"$o/$poll.consistency-$first-$last" || return 1
	"$AUDIT" cosign "$o/$poll.witness-state" "$o/witness.key" "$log/checkpoints/$last" \
		"$o/$poll.consistency-$first-$last" >"$o/$poll.cosigned-$last" || return 1
	printf 'cosigned %s at size %s:\n' "$poll" "$last"
	cat "$o/$poll.cosigned-$last"
}

# verify_logs POLL: every audit log in the record re-hashed and checked.
verify_logs() {
	local el=$OUT/records/$1 d
	"$AUDIT" verify "$el/log" || return 1
	for d in "$el"/stations/*/log; do
		"$AUDIT" verify "$d" || return 1
	done
}

# 5. The observer: everything from the published records alone.
demo_observer() {
	CURRENT_STEP="the observer"
	local o=$OUT/observer poll
	say "5. The observer (观察员) verifies every record end to end"
	mkdir -p "$o"
	for poll in election runoff recall evaluation; do
		[ -d "$OUT/records/$poll" ] || { todo "no record for $poll to verify"; continue; }
		# The returning officer publishes the record: a copy with every
		# private key withheld (docs/spec/record.md R-10).
		rm -rf "$OUT/published/$poll"
		mkdir -p "$OUT/published"
		check "$poll: record published, private keys withheld (quorum-tally publish)" \
			"$TALLY" publish "$OUT/records/$poll" "$OUT/published/$poll"
		expect_fail "$poll: no private key file in the published copy" \
			test -n "$(find "$OUT/published/$poll" -name key -type f)"
		check "$poll: every audit log re-hashed, every checkpoint consistent (quorum-audit verify)" \
			verify_logs "$poll"
		if [ "$poll" = election ]; then
			# this observer reads Chinese
			# with the roll (kept by the officer, not published) the
			# write-ins' matching is re-checked too (R-12.9)
			check "$poll: whole published record re-verified with the roll (quorum-audit verify-election --roll, LANG=zh_CN.UTF-8)" \
				env -u LC_ALL -u LC_MESSAGES -u LANGUAGE LANG=zh_CN.UTF-8 \
				"$AUDIT" verify-election --roll "$OUT/community/roll.csv" "$OUT/published/$poll"
			local vlog=$OUT/logs/check-$((CHECKS_OK + CHECKS_FAILED)).log
			show "$vlog"
			check "$poll: the verdict is VERIFIED (核验通过), nothing left unchecked" \
				bash -c 'grep -q "核验通过" "$1" && ! grep -q "^未检查" "$1"' _ "$vlog"
		elif [ "$poll" = runoff ]; then
			# the run-off beside round 1's record: what it cites and copied
			# (base hash, result hash, key context, joint key) is round 1's
			check "$poll: whole published record re-verified, linked to round 1 (quorum-audit verify-election --previous)" \
				"$AUDIT" verify-election "$OUT/published/$poll" --previous "$OUT/published/election"
		else
			check "$poll: whole published record re-verified (quorum-audit verify-election)" \
				"$AUDIT" verify-election "$OUT/published/$poll"
		fi
	done
	# One voter's receipt: the resident who turned 18 on polling day.
	local voter sid s
	voter=$(awk -F'\t' '$6 == "18-today" {print $1}' "$OUT/community/voters.tsv")
	sid=""
	for s in $STATIONS3; do
		if grep -q "^$voter	" "$OUT/work/election/booth-$s.tsv" 2>/dev/null; then sid=$s; fi
	done
	note "voter $voter turned 18 on polling day and voted at $sid and hands the receipt to the observer"
	check "the tracking code is in the station's signed record" \
		grep -q "$(receipt_line election "$voter" | cut -f5)" \
		"$OUT/records/election/stations/$sid/station-record.json"
	check "the ballot is in the station's audit log (tlog-proof checked against the signed checkpoint)" \
		receipt_inclusion election "$sid" "$voter"
	check "$voter looks themselves up: checked in at $sid (quorum-audit checked-in)" \
		checked_in_at "$OUT/published/election" "$voter" "$sid"
	local minor
	minor=$(awk -F'\t' '$3 == 0 && $4 == "under_18" {print $1; exit}' "$OUT/community/voters.tsv")
	if [ -n "$minor" ]; then
		check "$minor (under 18) was checked in nowhere: nobody voted in their name" \
			checked_in_at "$OUT/published/election" "$minor" ""
	fi
	show "$OUT/logs/check-$((CHECKS_OK + CHECKS_FAILED)).log"
	local e=$o/election/receipt-$voter.entry
	if [ -f "$e" ]; then
		# the same proof must reject the entry with one byte changed
		cp "$e" "$e.forged"
		printf '\x01' | dd of="$e.forged" bs=1 seek=40 conv=notrunc status=none
		expect_fail "the same proof rejects the entry with one byte changed" \
			"$AUDIT" check-proof "$OUT/records/election/stations/$sid/log/vkey" \
			"$o/election/receipt-$voter.proof" "$e.forged"
	fi
	"$AUDIT" witness-key observer.qinghe.example "$o/witness.key" >"$o/witness.vkey"
	note "the observer's witness key: $(cat "$o/witness.vkey")"
	for poll in election runoff recall evaluation; do
		[ -d "$OUT/records/$poll" ] || continue
		check "$poll: observer cosigns the final checkpoint after checking it extends the first" \
			witness_cosign "$poll"
	done
	show "$OUT/logs/check-$((CHECKS_OK + CHECKS_FAILED)).log"
}

# ---- the polls ----

plan_for() {
	# plan_for POLL ROLL_VOTERS SEED TURNOUT POLLKIND PROBS MAXSEL REFUSALS CHALLENGES STATIONS
	awk -v poll="$5" -v seed="$3" -v turnout="$4" -v probs="$6" -v maxsel="$7" \
		-v console="${PLAN_CONSOLE:-0}" -v writeins="${PLAN_WRITEINS:-}" \
		-v refusals="$8" -v challenges="$9" -v stations="${10}" \
		-f "$LIB/plan.awk" "$2" >"$OUT/work/$1/plan.tsv"
}

# The steps of a balloted poll that quorum-tally and quorum-audit must
# support; each missing subcommand is reported as a failure, never skipped.
need_tally() {
	local c missing=0
	for c in "$@"; do
		if ! tally_has "$c"; then
			todo "quorum-tally $c is not available in this build (needed for: $CURRENT_STEP)"
			missing=1
		fi
	done
	return $missing
}

demo_election() {
	CURRENT_STEP="the committee election"
	local C=$OUT/community M=$OUT/community/manifests
	say "1. Committee election (选举居民委员会): 7 seats, 9 candidates"
	note "the charters (篇二, 篇五) describe a committee of 主任 + 委员2人 = 3 for 3 years;"
	note "the statute (UL Art 8) requires 5 to 9 members. The manifest check must refuse it:"
	mkdir -p "$OUT/work/election-3"
	if need_tally init; then
		expect_fail "manifest with a 3-member committee refused (UL8.size)" \
			"$TALLY" init "$OUT/work/election-3/record" --manifest "$M/election-3.json" \
			--roll "$C/roll.csv" --trustees $TRUSTEES --threshold $THRESHOLD
		grep -h "UL8.size\|UL14.term" "$OUT"/logs/check-$CHECKS_OK.log 2>/dev/null | sed 's/^/   /' || true
		check "UL8.size finding names the conflict with the charter" \
			grep -q "UL8.size" "$OUT/logs/check-$CHECKS_OK.log"
	fi
	need_tally init ceremony tally decrypt combine report || return 0
	must "election record created (quorum-tally init, 5 trustees, threshold 3)" \
		record_init election "$M/election.json" "$C/roll.csv" || return 0
	must "key ceremony: 5 trustees commit, confirm each other's fingerprints, reveal, deal, check each other's signed shares; joint key published" \
		ceremony election || return 0

	note "polling day: voters check in with a poll worker and cast at a booth terminal"
	local wadult wminor
	read -r wadult wminor < <(writein_names) || true
	if [ -n "${wminor:-}" ]; then
		note "the ballot has 2 write-in lines (另选他人): two voters write $wadult (a resident of the roll),"
		note "one writes $wminor (a resident under 18: reported, not counted)"
	fi
	PLAN_CONSOLE=1 PLAN_WRITEINS="${wadult:-} ${wadult:-} ${wminor:-}" plan_for election "$C/voters.tsv" 11 640 office "800 760 720 690 650 620 430 400 250" 7 1 4 "$STATION_GROUPS"
	check "polling at s1, s2 and the mobile box: every voter's outcome as expected" \
		poll_stations election "$OUT/records/election" "$C/roll.csv" "$OUT/work/election/plan.tsv" $STATIONS3
	narrate_booths election
	local cv
	for cv in "$OUT"/work/election/console-*.txt; do
		[ -f "$cv" ] || continue
		note "one voter, $(basename "$cv" .txt | sed 's/console-//'), turned 18 today and votes through the real console, in Chinese:"
		show "$cv"
	done

	note "tally: trustees 2 and 4 are absent; 1, 3 and 5 decrypt"
	note "write-ins (另选他人): trustees 1, 3 and 5 first mix (混洗) the written names in turn -- each checks the earlier"
	note "mixes' proofs, shuffles and re-encrypts with a proof -- so no name can be linked to its ballot; then decrypt, match the roll"
	must "tally: every ballot verified, aggregated, decrypted by 3 of 5 trustees, decided" \
		tally_poll election || return 0
	check "each trustee's decrypt showed the station keys and closing roots read out at close" \
		same_keys election
	show "$OUT/records/election/report.txt"
	if [ -n "${wminor:-}" ]; then
		local res=$OUT/records/election/tally/result.json
		check "write-ins: $wadult counted (2 votes), $wminor reported ineligible-under-18 and not counted" \
			bash -c 'grep -q "\"status\": \"ineligible-under-18\"" "$1" &&
				grep -q "\"candidate\": \"write-in:" "$1"' _ "$res"
		check "write-ins: the report lists the write-in candidate" \
			grep -q "$wadult" "$OUT/records/election/report.txt"
	fi
}

# 3. The representatives' meeting: motions by show of hands, decided from
# the counts the meeting's secretary records (quorum-tally decide).
demo_meeting() {
	CURRENT_STEP="the representatives' meeting"
	local M=$OUT/community/manifests w=$OUT/work/meeting
	local m=$COMMUNITY_REPRESENTATIVES
	say "3. Representatives' meeting (社区成员代表大会, charter 篇四): two motions"
	mkdir -p "$w"
	# Motion 1: 5/6 of the members attend.  Motion 2: the most attendees
	# that still miss UL Art 29's 2/3 -- more than half, so 篇四 第十二条's
	# quorum is met.
	local a1=$(((5 * m + 5) / 6)) a2=$(((2 * m + 2) / 3 - 1))
	local y1=$((a1 * 3 / 4)) n1=$((a1 / 6)) y2=$((a2 * 2 / 3)) n2=$((a2 / 4))
	cat >"$w/counts.json" <<J
{"format": "quorum-counts/1", "election": "qinghe-2027-assembly-1",
 "contests": [
  {"id": "budget", "round": 1, "attendees": $a1, "issued": $a1, "cast": $a1,
   "tally": {"yes": $y1, "no": $n1, "abstain": $((a1 - y1 - n1))}},
  {"id": "parking", "round": 1, "attendees": $a2, "issued": $a2, "cast": $a2,
   "tally": {"yes": $y2, "no": $n2, "abstain": $((a2 - y2 - n2))}}]}
J
	note "$m members; motion budget: $a1 attend, $y1 hands for; motion parking: $a2 attend, $y2 hands for"
	check "meeting decided under UL29 and CH4.12 (quorum-tally decide)" \
		"$TALLY" decide "$M/meeting.json" "$w/counts.json" --roll "$OUT/community/roll-reps.csv" --text
	cp "$OUT/logs/check-$((CHECKS_OK + CHECKS_FAILED)).log" "$w/decision.txt"
	show "$w/decision.txt"
	"$TALLY" decide "$M/meeting.json" "$w/counts.json" >"$w/decision.json" 2>/dev/null || true
	check "motion budget passes" grep -q '^Contest budget .*: passed' "$w/decision.txt"
	check "motion parking: no quorum under UL Art 29 although 篇四's quorum is met; the conflict is named" \
		grep -q '^  CONFLICT (quorum): UL29 fails .* but CH4.12 holds' "$w/decision.txt"
}

# cand_ids "NAME NAME ...": the candidates' ids (candidates.tsv: id, roll
# id, name), in the order named; the announcement names candidates (R-9).
cand_ids() {
	local n
	for n in $1; do
		awk -F'\t' -v n="$n" '$3 == n { print $1; exit }' "$OUT/community/candidates.tsv"
	done | tr '\n' ' ' | sed 's/ $//'
}

# The run-off (另行选举) of the seats round 1 left unfilled: same trustees
# and keys, a new round linked to round 1 by its base hash.
demo_runoff() {
	CURRENT_STEP="the run-off"
	local C=$OUT/community M=$OUT/community/manifests
	local rep=$OUT/records/election/report.txt
	[ -f "$rep" ] || { todo "the run-off needs round 1's result"; return 0; }
	local ids names
	# the announcement names the candidates (R-9); their ids from the list
	names=$(sed -n 's/.*; run-off: \(.*\)$/\1/p' "$rep" | head -n 1 | tr -d ',')
	[ "$names" != "-" ] || names=""
	ids=$(cand_ids "$names")
	say "1b. Run-off (另行选举): ${names:-no contest went to a run-off}"
	must "round 1 sends a seat to a run-off" test -n "$ids" || return 0
	# The run-off's manifest is built from round 1's verified result:
	# only the best-placed candidates not elected (UL19.runoff), for the
	# seats left, a ballot marking at most that many (docs/spec E-5).
	must "run-off manifest from round 1's verified result (quorum-tally runoff)" \
		"$TALLY" runoff "$OUT/records/election" --out "$M/election-runoff.json" || return 0
	show "$OUT/logs/check-$((CHECKS_OK + CHECKS_FAILED)).log"
	# the candidates it offers, in round 1's ballot order
	local offered="" cid
	for cid in $(cut -f1 "$C/candidates.tsv"); do
		grep -q "\"id\": \"$cid\"" "$M/election-runoff.json" && offered="$offered $cid"
	done
	check "the run-off ballot offers exactly round 1's run-off list" \
		test "$(echo $offered | tr ' ' '\n' | sort | tr '\n' ' ')" = \
		"$(echo $ids | tr ' ' '\n' | sort | tr '\n' ' ')"
	# The voters' preference in the run-off: the first-placed run-off
	# candidate 52%, the second 43%, blank 5%; the ballot lists only the
	# run-off's candidates, in round 1's ballot order.
	local probs="" id
	local first second
	first=$(echo "$ids" | awk '{print $1}')
	second=$(echo "$ids" | awk '{print $2}')
	for id in $offered; do
		if [ "$id" = "$first" ]; then probs="$probs 520"
		elif [ "$id" = "$second" ]; then probs="$probs 430"
		else probs="$probs 0"; fi
	done
	note "candidates: $ids; the same trustees and keys, no new ceremony"
	must "run-off round created (quorum-tally init --runoff-of)" \
		record_init runoff "$M/election-runoff.json" "$C/roll.csv" "$OUT/records/election" || return 0
	plan_for runoff "$C/voters.tsv" 23 620 single "$probs" 1 0 2 "$STATION_GROUPS"
	check "run-off polling at s1, s2 and the mobile box" \
		poll_stations runoff "$OUT/records/runoff" "$C/roll.csv" "$OUT/work/runoff/plan.tsv" $STATIONS3
	narrate_booths runoff
	must "run-off tally: verified, decrypted by trustees 1, 3, 5, decided" \
		tally_poll runoff election || return 0
	show "$OUT/records/runoff/report.txt"
	check "the run-off fills the seat (UL19.runoff)" \
		grep -q "outcome: elected" "$OUT/records/runoff/report.txt"
	# The new committee: round 1's elected and the run-off's, in that
	# order.  The recall and the evaluation concern these members.
	local e1 e2 n=0 id voter name
	e1=$(cand_ids "$(sed -n 's/.*outcome: runoff[^;]*; elected: \([^;]*\);.*/\1/p' "$rep" |
		head -n 1 | tr -d ',')")
	e2=$(cand_ids "$(sed -n 's/.*outcome: elected[^;]*; elected: \([^;]*\);.*/\1/p' \
		"$OUT/records/runoff/report.txt" | head -n 1 | tr -d ',')")
	: >"$C/committee.tsv.new"
	for id in $e1 $e2; do
		n=$((n + 1))
		IFS=$'\t' read -r _ voter name < <(awk -F'\t' -v c="$id" '$1 == c' "$C/candidates.tsv")
		printf 'm%d\t%s\t%s\n' "$n" "$voter" "$name" >>"$C/committee.tsv.new"
	done
	if [ "$n" -ge 5 ]; then
		mv "$C/committee.tsv.new" "$C/committee.tsv"
		demo_manifests "$C"
		note "the new committee: $(cut -f3 "$C/committee.tsv" | tr '\n' ' ')"
	fi
}

# defence_committed DIR: entry 0 of the election log is "election-created"
# with the SHA-256 of manifest.json, and manifest.json holds the defence.
defence_committed() {
	local el=$1 h
	h=$(sha256sum "$el/manifest.json" | cut -d' ' -f1)
	log_entry "$el/log" 0 "$el/../../work/recall/entry0" || return 1
	grep -q '"type":"election-created"' "$el/../../work/recall/entry0" || return 1
	grep -q "\"manifest_hash\":\"$h\"" "$el/../../work/recall/entry0" || return 1
	grep -q '"defence": "' "$el/manifest.json"
}

# 2. Recall (罢免) of committee member m4: the defence is in the manifest
# with its publication date, and init records it in the election log before
# any poll opens (UL20.defence).
demo_recall() {
	CURRENT_STEP="the recall"
	local C=$OUT/community M=$OUT/community/manifests
	local mid mvoter mname
	IFS=$'\t' read -r mid mvoter mname < <(sed -n 4p "$C/committee.tsv")
	say "2. Recall vote (罢免): committee member $mname ($mvoter)"
	note "$(grep -o '"signatures": [0-9]*' "$M/recall.json" | tr -d '"') signatures asked for the recall (UL20.propose: at least 1/10 of the registered voters, which init derives from the roll)"
	note "the member's defence (申辩), published $(grep -o '"defence_published": "[0-9-]*"' "$M/recall.json" | cut -d'"' -f4), before polling day:"
	note "  $(grep -o '"defence": "[^"]*"' "$M/recall.json" | cut -d'"' -f4 | cut -c1-60)..."
	must "recall record created; defence recorded in the log before the poll (UL20.defence)" \
		record_init recall "$M/recall.json" "$C/roll.csv" || return 0
	check "the log's first entry commits to the manifest holding the defence, before any ballot" \
		defence_committed "$OUT/records/recall"
	must "key ceremony for the recall (5 trustees, threshold 3)" ceremony recall || return 0
	# 36% yes, 55% no, 9% abstain
	plan_for recall "$C/voters.tsv" 31 630 yesno "360 550" 1 0 2 "$STATION_GROUPS"
	check "recall polling at s1, s2 and the mobile box" \
		poll_stations recall "$OUT/records/recall" "$C/roll.csv" "$OUT/work/recall/plan.tsv" $STATIONS3
	narrate_booths recall
	must "recall tally: verified, decrypted by trustees 1, 3, 5, decided" tally_poll recall || return 0
	show "$OUT/records/recall/report.txt"
	check "the recall poll is valid (UL20.quorum) and decided (UL20.pass)" \
		grep -q "\[OK\] UL20.quorum" "$OUT/records/recall/report.txt"
}

# 4. The annual evaluation (考核评议) of the 7 members by the
# representatives, at one station in the meeting room.
demo_evaluation() {
	CURRENT_STEP="the evaluation"
	local C=$OUT/community M=$OUT/community/manifests w=$OUT/work/evaluation
	say "4. Annual evaluation (年度考核评议) by the $COMMUNITY_REPRESENTATIVES representatives"
	mkdir -p "$w"
	must "evaluation record created" record_init evaluation "$M/evaluation.json" "$C/roll-reps.csv" || return 0
	must "key ceremony for the evaluation" ceremony evaluation || return 0
	# Only the representatives vote: their ids from the meeting roll.
	awk -F, 'NR > 1 { printf "%s\t%s\t1\t-\t-\t-\n", $1, $5 }' "$C/roll-reps.csv" >"$w/voters.tsv"
	# per member: 满意, 基本满意 per mille (the rest 不满意); m5 is rated low
	plan_for evaluation "$w/voters.tsv" 41 940 evaluation \
		"700,200 650,250 600,300 680,200 300,200 720,180 640,260" 0 0 1 "$HALL_GROUPS"
	# The same meeting votes on a motion by name (记名表决): every attendee
	# checked in raises a hand, recorded under the roll id (7 in 10 for, 2
	# against, 1 abstains).
	awk -F'\t' '$1 == "hall" && $4 !~ /^refuse/ { n++; r = n % 10
		printf "hall-hours\t%s\t%s\n", $2, r < 7 ? "yes" : r < 9 ? "no" : "abstain" }' \
		"$w/plan.tsv" >"$w/named-hall.tsv"
	check "evaluation polling in the meeting room" \
		poll_stations evaluation "$OUT/records/evaluation" "$C/roll-reps.csv" "$w/plan.tsv" hall
	narrate_booths evaluation
	must "evaluation tally: verified, decrypted by trustees 1, 3, 5, decided" \
		tally_poll evaluation || return 0
	show "$OUT/records/evaluation/report.txt"
	check "one member is below 60% satisfaction: rectification (CH1.20.4)" \
		grep -q "\[OK\] CH1.20.4" "$OUT/records/evaluation/report.txt"
	note "named vote hall-hours: $(wc -l <"$w/named-hall.tsv") hands recorded by roll id in the station's signed log"
	check "the named vote is counted from the log and its minutes list the roll ids by vote (记名表决)" \
		grep -q "记名表决 named vote ($(wc -l <"$w/named-hall.tsv")): by roll id" \
		"$OUT/records/evaluation/report.txt"
	check "the named motion passes (UL29)" \
		awk '/\(hall-hours\) ==$/ { c = 1 } c && /outcome: passed/ { ok = 1 } END { exit !ok }' \
		"$OUT/records/evaluation/report.txt"
}

demo_main() {
	demo_election
	demo_runoff
	demo_recall
	demo_meeting
	demo_evaluation
	demo_observer
}
