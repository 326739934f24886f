# SPDX-License-Identifier: GPL-3.0-or-later
# narrate.sh -- the demo's narrative and its verdict.  Sourced by scripts/demo.
#
#   say TEXT          a step header
#   note TEXT         a line of the narrative (hidden by --quiet)
#   show FILE         print a file indented (hidden by --quiet)
#   check WHAT CMD... run a verification; record and print whether it held
#                     (returns 0 either way: the demo goes on)
#   must WHAT CMD...  the same, but returns 1 if it failed (for steps the
#                     next ones depend on: `must ... || return 0`)
#   expect_fail WHAT CMD...  a check that must be refused (it passes if CMD fails)
#   todo WHAT         a step that cannot run yet: recorded as a failure
#   finish            the summary; exits 0 only if every check held

CHECKS_OK=0
CHECKS_FAILED=0
FAILED_LIST=()
STEP_LOG=""

say() {
	printf '\n== %s  [%ds]\n' "$*" $(($(date +%s) - ${t_start:-$(date +%s)}))
}

note() {
	[ "${quiet:-0}" = 1 ] || printf '   %s\n' "$*"
}

show() {
	[ "${quiet:-0}" = 1 ] || sed 's/^/   | /' "$1"
}

# Output of the command goes to a log file in $OUT/logs; shown on failure.
_run_logged() {
	local log=$1
	shift
	"$@" >"$log" 2>&1
}

check() {
	must "$@" || true
}

must() {
	local what=$1
	shift
	mkdir -p "$OUT/logs"
	local log
	log=$OUT/logs/check-$((CHECKS_OK + CHECKS_FAILED + 1)).log
	if _run_logged "$log" "$@"; then
		CHECKS_OK=$((CHECKS_OK + 1))
		printf '   [ ok ] %s\n' "$what"
		return 0
	fi
	CHECKS_FAILED=$((CHECKS_FAILED + 1))
	FAILED_LIST+=("$what")
	printf '   [FAIL] %s\n' "$what"
	sed 's/^/          /' "$log" | tail -n 20
	return 1
}

expect_fail() {
	local what=$1
	shift
	mkdir -p "$OUT/logs"
	local log
	log=$OUT/logs/check-$((CHECKS_OK + CHECKS_FAILED + 1)).log
	if _run_logged "$log" "$@"; then
		CHECKS_FAILED=$((CHECKS_FAILED + 1))
		FAILED_LIST+=("$what (was accepted, must be refused)")
		printf '   [FAIL] %s: accepted, must be refused\n' "$what"
		return 0
	fi
	CHECKS_OK=$((CHECKS_OK + 1))
	printf '   [ ok ] %s\n' "$what"
	return 0
}

todo() {
	CHECKS_FAILED=$((CHECKS_FAILED + 1))
	FAILED_LIST+=("NOT YET POSSIBLE: $*")
	printf '   [TODO] %s\n' "$*"
}

finish() {
	local t_end
	t_end=$(date +%s)
	say "Where the records are"
	note "$OUT"
	note "  community/      the generated roll (roll.csv), manifests/, voters' plans"
	note "  records/        one election record per poll (manifest, parameters, trustees,"
	note "                  stations/<id> station records and logs, tally/, log/, report.html)"
	note "  published/      the same records as published: private keys withheld"
	note "  stations/       the stations' state (encrypted roll DB, ballot box, audit log)"
	note "  observer/       the observer's proofs, witness state and cosigned checkpoint"
	note "  logs/           the output of every check"
	local r
	for r in "$OUT"/records/*/report.html; do
		[ -f "$r" ] && note "  HTML report: $r"
	done
	[ -f "$OUT/work/meeting/decision.txt" ] && note "  meeting decision: $OUT/work/meeting/decision.txt"
	printf '\n   %d checks held, %d failed; %d s\n' "$CHECKS_OK" "$CHECKS_FAILED" $((t_end - t_start))
	if [ "$CHECKS_FAILED" -ne 0 ]; then
		local f
		for f in "${FAILED_LIST[@]}"; do
			printf '   failed: %s\n' "$f"
		done
		echo "demo: FAILED" >&2
		exit 1
	fi
	if [ "${clean:-0}" = 1 ]; then
		cleanup
		rm -rf "$OUT"
		note "(--clean: $OUT removed)"
	fi
	echo "demo: every verification passed"
	exit 0
}
