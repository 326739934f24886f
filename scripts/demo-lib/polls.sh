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

# station_start POLL ELECTION_DIR STATION: start quorum-ballotd in the
# background and wait for its sockets.  Sets STATION_PID.
station_start() {
	local poll=$1 el=$2 sid=$3
	local state=$OUT/stations/$poll/$sid
	local pass
	pass=$(secret_file "station-$poll-$sid")
	mkdir -p "$OUT/stations/$poll"
	"$BALLOTD" --election "$el" --station "$sid" --state "$state" --key-file "$pass" \
		--foreground >"$OUT/work/$poll/ballotd-$sid.log" 2>&1 &
	STATION_PID=$!
	DAEMONS+=("$STATION_PID")
	local i
	for i in $(seq 1 200); do
		if [ -S "$state/operator.sock" ] && [ -S "$state/booth.sock" ] && [ -S "$state/admin.sock" ]; then
			return 0
		fi
		if ! kill -0 "$STATION_PID" 2>/dev/null; then
			echo "quorum-ballotd for $sid exited:" >&2
			cat "$OUT/work/$poll/ballotd-$sid.log" >&2
			return 1
		fi
		sleep 0.05
	done
	echo "quorum-ballotd for $sid did not create its sockets" >&2
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
		station_start "$poll" "$el" "$sid" || return 1
		pids+=("$STATION_PID")
		st=$OUT/stations/$poll/$sid
		"$BALLOT" --state "$st" import-roll "$roll" >"$OUT/work/$poll/import-$sid.txt" || return 1
		"$BALLOT" --state "$st" open >"$OUT/work/$poll/open-$sid.txt" || return 1
	done
	for sid in "$@"; do
		"$SIM" --state "$OUT/stations/$poll/$sid" --station "$sid" --plan "$plan" --threads 8 \
			>"$OUT/work/$poll/booth-$sid.tsv" 2>"$OUT/work/$poll/booth-$sid.err" &
		sims+=($!)
	done
	local i=0
	for sid in "$@"; do
		if ! wait "${sims[$i]}"; then
			echo "booth simulator at $sid: outcomes differ from the plan:" >&2
			head -n 20 "$OUT/work/$poll/booth-$sid.err" >&2
			rc=1
		fi
		i=$((i + 1))
	done
	i=0
	for sid in "$@"; do
		st=$OUT/stations/$poll/$sid
		"$BALLOT" --state "$st" status >"$OUT/work/$poll/status-$sid.txt" || rc=1
		"$BALLOT" --state "$st" close >"$OUT/work/$poll/close-$sid.txt" || rc=1
		station_stop "${pids[$i]}"
		mkdir -p "$el/stations/$sid"
		cp "$st/station-record.json" "$st/station-record.json.sig" "$el/stations/$sid/" || rc=1
		cp -r "$st/log" "$el/stations/$sid/log" || rc=1
		i=$((i + 1))
	done
	return $rc
}

# Narrate what happened at the stations of a poll.
narrate_booths() {
	local poll=$1
	cat "$OUT"/work/"$poll"/booth-*.tsv >"$OUT/work/$poll/booth-all.tsv"
	local cast chal prox
	cast=$(awk -F'\t' '$4 == "cast"' "$OUT/work/$poll/booth-all.tsv" | wc -l)
	chal=$(awk -F'\t' '$7 != "-"' "$OUT/work/$poll/booth-all.tsv" | wc -l)
	prox=$(awk -F'\t' '$2 != "-" && $4 == "cast"' "$OUT/work/$poll/booth-all.tsv" | wc -l)
	note "$cast ballots cast ($prox of them by written proxy); $chal ballots challenged (opened, not counted) and marked again"
	awk -F'\t' '$4 ~ /^refused:/ { sub("refused:", "", $4); printf "   refused check-in: %s (%s)\n", $1, $4 }' \
		"$OUT/work/$poll/booth-all.tsv"
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
ceremony() {
	local el=$OUT/records/$1 i pass
	for step in generate deal receive; do
		for i in $(seq 1 $TRUSTEES); do
			pass=$(secret_file "trustee-$i")
			"$TALLY" ceremony "$step" "$el" --trustee "$i" \
				--key "$OUT/secrets/trustee-$i-$1.key" --pass-fd 3 3<"$pass" || return 1
		done
	done
	"$TALLY" ceremony finish "$el"
}

# tally_poll POLL: verify and add every ballot, trustees $PRESENT decrypt,
# combine, decide, report.
tally_poll() {
	local el=$OUT/records/$1 i pass
	"$TALLY" tally "$el" || return 1
	for i in $PRESENT; do
		pass=$(secret_file "trustee-$i")
		"$TALLY" decrypt "$el" --trustee "$i" --key "$OUT/secrets/trustee-$i-$1.key" \
			--pass-fd 3 3<"$pass" || return 1
	done
	"$TALLY" combine "$el" || return 1
	"$TALLY" report "$el"
}

# ---- the polls ----

plan_for() {
	# plan_for POLL ROLL_VOTERS SEED TURNOUT POLLKIND PROBS MAXSEL REFUSALS CHALLENGES STATIONS
	awk -v poll="$5" -v seed="$3" -v turnout="$4" -v probs="$6" -v maxsel="$7" \
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
	check "election record created (quorum-tally init, 5 trustees, threshold 3)" \
		record_init election "$M/election.json" "$C/roll.csv" || return 0
	check "key ceremony: 5 trustees deal, check each other's shares, joint key published" \
		ceremony election || return 0

	note "polling day: voters check in with a poll worker and cast at a booth terminal"
	plan_for election "$C/voters.tsv" 11 640 office "800 760 720 690 650 620 430 400 250" 7 1 4 "$STATION_GROUPS"
	check "polling at s1, s2 and the mobile box: every voter's outcome as expected" \
		poll_stations election "$OUT/records/election" "$C/roll.csv" "$OUT/work/election/plan.tsv" $STATIONS3
	narrate_booths election

	note "tally: trustees 2 and 4 are absent; 1, 3 and 5 decrypt"
	check "tally: every ballot verified, aggregated, decrypted by 3 of 5 trustees, decided" \
		tally_poll election || return 0
	show "$OUT/records/election/report.txt"
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

demo_main() {
	demo_election
	demo_meeting
}
