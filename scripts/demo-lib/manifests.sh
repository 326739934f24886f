# SPDX-License-Identifier: GPL-3.0-or-later
# manifests.sh -- the demo's manifests (docs/spec/election.md E-2), written
# from the generated community (community.awk).  Sourced by scripts/demo.
#
#   demo_manifests DIR     reads DIR/community.env, DIR/candidates.tsv,
#                          DIR/committee.tsv; writes DIR/manifests/*.json
#
# Polls (polling day 2026-12-20 unless said; the roll published 25 days
# before, UL17.roll):
#   election-3.json   the committee election as the charters describe it
#                     (3 members, 3-year term): refused by UL8.size
#   election.json     the committee election: 7 seats, 9 candidates (差额,
#                     UL18.contested), 2 write-in lines (另选他人, B-10),
#                     all-resident mode, UL19
#   recall.json       recall of one member (UL20), defence published first
#   meeting.json      representatives' meeting under charter 篇四: two
#                     motions, UL29 and CH4.12 (show of hands: decided from
#                     the counts with `quorum-tally decide`)
#   evaluation.json   annual evaluation of the 7 members by the
#                     representatives (CH1.20.4, UL37), and a motion by
#                     named vote (记名表决, "ballot": "named", UL29)

# JSON string escaping for the few free texts we insert (names are CJK
# characters from a fixed list; no quotes or backslashes occur).
_demo_json_str() {
	local s=$1
	s=${s//\\/\\\\}
	s=${s//\"/\\\"}
	printf '"%s"' "$s"
}

_demo_stations() {
	# Two polling stations and a mobile ballot box (流动票箱), 16 groups.
	cat <<'J'
  "stations": [
    {"id": "s1", "name": "社区服务中心 Community centre",
     "groups": ["g01", "g02", "g03", "g04", "g05", "g06", "g07"]},
    {"id": "s2", "name": "清河第二小学 Qinghe No. 2 Primary School",
     "groups": ["g08", "g09", "g10", "g11", "g12", "g13", "g14"]},
    {"id": "mobile", "name": "流动票箱 Mobile ballot box (老年公寓 Elders' residence)",
     "groups": ["g15", "g16"]}
  ],
J
}

_demo_hall() {
	cat <<'J'
  "stations": [
    {"id": "hall", "name": "社区会议室 Community meeting room",
     "groups": ["g01", "g02", "g03", "g04", "g05", "g06", "g07", "g08",
                "g09", "g10", "g11", "g12", "g13", "g14", "g15", "g16"]}
  ],
J
}

_demo_candidates() {
	local file=$1 first=1 id voter name n=0
	while IFS=$'\t' read -r id voter name; do
		n=$((n + 1))
		[ $first -eq 1 ] || printf ',\n'
		first=0
		if [ $((n % 3)) -eq 1 ]; then
			printf '        {"id": "%s", "voter": "%s", "name": %s, "nomination": {"by": "party"}}' \
				"$id" "$voter" "$(_demo_json_str "$name")"
		else
			printf '        {"id": "%s", "voter": "%s", "name": %s, "nomination": {"by": "voters", "count": %d}}' \
				"$id" "$voter" "$(_demo_json_str "$name")" $((10 + n))
		fi
	done <"$file"
	printf '\n'
}

_demo_election() {
	local dir=$1 members=$2 term=$3 charter=$4 id=$5
	cat <<J
{
  "format": "quorum-manifest/1",
  "id": "$id",
  "title": {"zh": "清河社区第十一届居民委员会选举", "en": "Qinghe Community residents' committee election, 11th term"},
  "kind": "election",
  "charter": "$charter",
  "body": {"mode": "residents", "households": $COMMUNITY_HOUSEHOLDS, "groups": $COMMUNITY_GROUPS},
  "committee": {"members": $members, "term_years": $term},
$(_demo_stations)
  "dates": {"polling_day": "2026-12-20", "roll_published": "2026-11-25"},
  "contests": [
    {
      "id": "committee", "type": "office",
      "title": {"zh": "居民委员会成员", "en": "Committee members"},
      "seats": $members, "write_in": 2,
      "candidates": [
$(_demo_candidates "$dir/candidates.tsv")
      ],
      "rules": ["UL19"]
    }
  ]
}
J
}

demo_manifests() {
	local dir=$1 out=$1/manifests
	mkdir -p "$out"
	# shellcheck disable=SC1091
	. "$dir/community.env"
	local rid rvoter rname
	IFS=$'\t' read -r rid rvoter rname < <(sed -n 4p "$dir/committee.tsv")

	# As the charters have it (篇二, 篇五: 主任 + 委员2人; 篇一, 篇二: 3-year
	# term) -- the manifest check must refuse it (UL8.size) and warn (UL14.term).
	_demo_election "$dir" 3 3 CH2 qinghe-2026-committee-as-charter >"$out/election-3.json"
	_demo_election "$dir" 7 5 CH1 qinghe-2026-committee >"$out/election.json"

	cat >"$out/recall.json" <<J
{
  "format": "quorum-manifest/1",
  "id": "qinghe-2027-recall-m4",
  "title": {"zh": "罢免居民委员会委员$rname", "en": "Recall of committee member $rname"},
  "kind": "recall",
  "charter": "CH1",
  "body": {"mode": "residents", "households": $COMMUNITY_HOUSEHOLDS, "groups": $COMMUNITY_GROUPS},
$(_demo_stations)
  "dates": {"polling_day": "2027-03-21", "roll_published": "2027-02-24"},
  "contests": [
    {
      "id": "recall-m4", "type": "recall",
      "title": {"zh": "是否罢免$rname", "en": "Recall $rname?"},
      "member": {"id": "$rvoter", "name": $(_demo_json_str "$rname")},
      "defence": "本人任职以来按时参加居委会工作，物业费账目已全部公开于社区公告栏，请居民查阅后投票。 Since taking office I have attended every committee meeting; the property-fee accounts are posted on the community notice board for every resident to read before voting.",
      "defence_published": "2027-03-10",
      "signatures": $((COMMUNITY_RESIDENTS / 10 + 37)), "signature_base": "registered",
      "rules": ["UL20"]
    }
  ]
}
J

	cat >"$out/meeting.json" <<J
{
  "format": "quorum-manifest/1",
  "id": "qinghe-2027-assembly-1",
  "title": {"zh": "清河社区成员代表大会2027年第一次会议", "en": "Qinghe Community members' assembly, first meeting of 2027"},
  "kind": "motion",
  "charter": "CH4",
  "body": {"mode": "representatives", "members": $COMMUNITY_REPRESENTATIVES, "representatives": $COMMUNITY_REPRESENTATIVES, "groups": $COMMUNITY_GROUPS},
$(_demo_hall)
  "dates": {"polling_day": "2027-04-10", "notice": "2027-03-28"},
  "contests": [
    {
      "id": "budget", "type": "motion",
      "title": {"zh": "2027年度社区公益事业经费预算", "en": "2027 community services budget"},
      "text": "批准2027年度社区公益事业经费预算。 Approve the 2027 community services budget.",
      "rules": ["UL29", "CH4.12"]
    },
    {
      "id": "parking", "type": "motion",
      "title": {"zh": "小区停车管理办法", "en": "Residential parking rules"},
      "text": "通过小区停车管理办法（试行）。 Adopt the residential parking rules (trial).",
      "rules": ["UL29", "CH4.12"]
    }
  ]
}
J

	{
		cat <<J
{
  "format": "quorum-manifest/1",
  "id": "qinghe-2027-evaluation",
  "title": {"zh": "居民委员会成员年度考核评议", "en": "Annual evaluation of committee members"},
  "kind": "evaluation",
  "charter": "CH1",
  "body": {"mode": "representatives", "members": $COMMUNITY_REPRESENTATIVES, "representatives": $COMMUNITY_REPRESENTATIVES, "groups": $COMMUNITY_GROUPS},
$(_demo_hall)
  "dates": {"polling_day": "2027-12-18", "notice": "2027-12-01"},
  "contests": [
    {
      "id": "eval-2027", "type": "evaluation",
      "title": {"zh": "2027年度考核评议", "en": "2027 evaluation"},
      "members": [
J
		local first=1 mid mvoter mname
		while IFS=$'\t' read -r mid mvoter mname; do
			[ $first -eq 1 ] || printf ',\n'
			first=0
			printf '        {"id": "%s", "name": %s, "previous": "称职"}' "$mvoter" "$(_demo_json_str "$mname")"
		done <"$dir/committee.tsv"
		printf '\n'
		cat <<J
      ],
      "rules": ["CH1.20.4", "UL37"]
    },
    {
      "id": "hall-hours", "type": "motion", "ballot": "named",
      "title": {"zh": "社区活动室延长开放时间（记名表决）", "en": "Longer opening hours of the community room (named vote)"},
      "text": "活动室每晚开放至九点。 The community room opens until nine every evening.",
      "rules": ["UL29"]
    }
  ]
}
J
	} >"$out/evaluation.json"
}
