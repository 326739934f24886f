# SPDX-License-Identifier: GPL-3.0-or-later
# plan.awk -- who comes to vote, where, and how they mark their ballot:
# a deterministic plan for the demo's simulated voters.
#
# Usage: awk -v poll=KIND -v seed=N -v turnout=PERMILLE \
#            -v probs="p1 p2 ..." -v maxsel=M -v stations="s1:g01,g02 s2:..." \
#            -f plan.awk voters.tsv > plan.tsv
#
#   voters.tsv   from community.awk: id, group, eligible, why, proxy holder
#   poll         office | single | yesno | evaluation
#   probs        office: per-candidate chance (per mille) of a mark, in ballot
#                order; single: per-option chance of the one mark (the
#                rest blank); yesno: "yes no" per mille (the rest abstain);
#                evaluation: per member "satisfied basic" per mille, e.g.
#                "700,200 650,250 ..." (the rest dissatisfied)
#   maxsel       office: most marks allowed (the lowest-chance marks are dropped)
#   refusals     1: add the refused check-ins (not on the roll, under 18,
#                deprived, wrong station, already voted); 0: none
#   challenges   how many voters challenge (open) a ballot before casting
#   console      1: the voter who turns 18 on polling day is marked "console"
#                (she votes through quorum-ballot itself, not the simulator)
#   writeins     office: names (no spaces) written on a write-in line
#                (另选他人, B-10), one voter each: the first voters who vote
#                in person each mark write-in slot 1 (option np + 1) with
#                the next name, dropping a listed mark if at maxsel
#
# Output, one line per arrival (TAB-separated):
#   station  voter  proxy|-  action  marks
# action: vote | challenge (mark, open, then mark again and cast) | console |
#         refuse:<expected code>; marks: the option numbers (1-based,
#         space-separated) per contest, contests separated by "|", or "-";
#         a marked write-in slot carries its name: "10=NAME".
# The same Park-Miller generator as community.awk (exact in mawk and gawk).
function rnd() { state = (state * 16807) % 2147483647; return state }
function chance(pm) { return (rnd() % 1000) < pm }
function station_of(g,   i) { return st_of[g] }
function marks_office(   i, k, sel, n, out, order) {
	n = 0
	for (i = 1; i <= np; i++) { sel[i] = chance(p[i]); if (sel[i]) n++ }
	# too many marks: drop the least popular until within the limit
	while (n > maxsel) {
		for (i = np; i >= 1; i--) if (sel[i] && p[i] == minp(sel)) { sel[i] = 0; n--; break }
	}
	out = ""
	for (i = 1; i <= np; i++) if (sel[i]) out = out (out == "" ? "" : " ") i
	return out
}
function minp(sel,   i, m) { m = 100000; for (i = 1; i <= np; i++) if (sel[i] && p[i] < m) m = p[i]; return m }
function marks_yesno(   r) {
	r = rnd() % 1000
	if (r < p[1]) return "1"
	if (r < p[1] + p[2]) return "2"
	return "3"
}
function marks_eval(   i, r, out, a) {
	# one contest; options per member: satisfied, basic, dissatisfied
	out = ""
	for (i = 1; i <= np; i++) {
		split(p[i], a, ",")
		r = rnd() % 1000
		out = out (out == "" ? "" : " ") (3 * (i - 1) + (r < a[1] ? 1 : (r < a[1] + a[2] ? 2 : 3)))
	}
	return out
}
function marks_single(   i, r, acc) {
	# one mark at most: option i with chance p[i] (per mille), else blank
	r = rnd() % 1000; acc = 0
	for (i = 1; i <= np; i++) { acc += p[i]; if (r < acc) return i }
	return ""
}
function marks_writein(   m, k, a, i) {
	# a listed mark fewer if the ballot is full, then slot 1 with the name
	m = marks_office()
	k = split(m, a, " ")
	if (k >= maxsel) { m = ""; for (i = 1; i < k; i++) m = m (m == "" ? "" : " ") a[i] }
	m = m (m == "" ? "" : " ") (np + 1) "=" wn[++wdone]
	return m
}
function marks() {
	if (poll == "office") return marks_office()
	if (poll == "single") return marks_single()
	if (poll == "yesno") return marks_yesno()
	return marks_eval()
}
BEGIN {
	FS = OFS = "\t"
	if (seed == "") seed = 7
	state = seed % 2147483647; if (state <= 0) state = 1
	np = split(probs, p, " ")
	ns = split(stations, sl, " ")
	for (i = 1; i <= ns; i++) {
		split(sl[i], kv, ":"); ng = split(kv[2], gl, ",")
		sid[i] = kv[1]
		for (j = 1; j <= ng; j++) st_of[gl[j]] = kv[1]
	}
	nchal = challenges + 0
	nw = split(writeins, wn, " "); wdone = 0
}
{
	id = $1; g = $2; elig = $3; why = $4; holder = $5; note = $6
	st = station_of(g)
	if (st == "") next
	if (!elig) {
		# one refusal of each kind; for "under 18", the voter who turns 18
		# the day after polling day
		if (refusals && !(why in shown) && (why != "under_18" || note == "18-tomorrow")) {
			shown[why] = 1; print st, id, "-", "refuse:" why, "-"
		}
		next
	}
	# the voter who is 18 exactly on polling day always comes (UL16 boundary);
	# with console=1 she votes through the real quorum-ballot console
	if (note == "18-today") {
		print st, id, "-", (console ? "console" : "vote"), marks()
		next
	}
	if (!chance(turnout)) next
	if (holder != "-") {
		# a written proxy: the holder checks this voter in and marks for them
		print st, id, holder, "vote", marks()
		next
	}
	if (nchal > 0 && (rnd() % 200) == 0) { print st, id, "-", "challenge", marks(); nchal--; done[id] = 1; next }
	print st, id, "-", "vote", (poll == "office" && wdone < nw ? marks_writein() : marks())
	last[st] = id
	if (refusals && !wrong_done && st != sid[1]) { wrong_done = 1; print sid[1], id, "-", "refuse:wrong_station", "-" }
}
END {
	if (refusals) {
		print sid[1], "X00001", "-", "refuse:not_on_roll", "-"
		if (last[sid[1]] != "") print sid[1], last[sid[1]], "-", "refuse:already_voted", "-"
	}
}
