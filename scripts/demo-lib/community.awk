# SPDX-License-Identifier: GPL-3.0-or-later
# community.awk -- a deterministic residents' community for the Quorum demo.
#
# Usage: awk -v out=DIR -v people=2000 -v seed=20261220 -f community.awk
#
# No clock, no system randomness: a Park-Miller "minimal standard" generator
# (x = 16807·x mod 2^31−1), whose products stay below 2^46 and are therefore
# exact in the IEEE doubles every awk uses (checked against exact integer
# arithmetic for 100,000 draws); string comparisons only.  So the same
# arguments give the same files under any POSIX awk (tested with mawk:
# people=2000 gives roll.csv with SHA-256 f4dae23b...86d5).
#
# Writes into DIR:
#   roll.csv              every resident (election/roll.h CSV, E-4), minors included
#   roll-reps.csv         the representatives only (the representatives' meeting roll)
#   community.env         shell-sourceable counts (registered, households, ...)
#   candidates.tsv        id<TAB>roll id<TAB>name of the 9 committee candidates
#   committee.tsv         the 7 sitting committee members (for the evaluation/recall)
#   voters.tsv            roll id, group, eligible (1/0), why not (under_18,
#                         deprived or -), proxy holder or -, note (18-today,
#                         18-tomorrow: the UL16 boundary cases, or -); TABs
#
# The polling day is 2026-12-20; residents born after 2008-12-20 are not 18.
function rnd() {                      # uniform integer in [1, 2^31-2]
	state = (state * 16807) % 2147483647
	return state
}
function pick(n) { return rnd() % n } # 0..n-1 (the bias is < 1e-8)
function pad(n, w,   s) { s = n ""; while (length(s) < w) s = "0" s; return s }
function date(ylo, yhi,   y, m, d, dim) {
	y = ylo + pick(yhi - ylo + 1)
	m = 1 + pick(12)
	dim = (m == 2) ? 28 : ((m == 4 || m == 6 || m == 9 || m == 11) ? 30 : 31)
	d = 1 + pick(dim)
	return y "-" pad(m, 2) "-" pad(d, 2)
}
BEGIN {
	if (out == "") { print "community.awk: -v out=DIR is required" > "/dev/stderr"; exit 2 }
	if (people == "") people = 2000
	if (seed == "") seed = 20261220
	state = seed % 2147483647
	if (state <= 0) state = 1
	ngroups = 16
	nsur = split("王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗 郑 梁 谢 宋 唐 许 韩 冯 邓 曹 彭 曾 肖 田 董 袁 潘 于 蒋 蔡", sur, " ")
	ngiv = split("伟 芳 娜 秀英 敏 静 丽 强 磊 军 洋 勇 艳 杰 娟 涛 明 超 秀兰 霞 平 刚 桂英 建华 文 华 建国 红 玉兰 志强 海燕 春梅 国强 晓东 丹 萍 鹏 辉 宇 婷 欣怡 浩然 子涵 雨桐 梓轩 思远 立新 淑珍 德明 凤英", giv, " ")
	per_group = int(people / ngroups)
	n = 0; nh = 0
	for (g = 1; g <= ngroups; g++) {
		gid = "g" pad(g, 2)
		gstart = n + 1
		while (n - gstart + 1 < per_group) {
			nh++
			hid = "H" pad(nh, 4)
			hsur = sur[1 + pick(nsur)]
			size = 1 + pick(4) + (pick(3) == 0)        # 1..5, mostly 2-3
			for (k = 1; k <= size && n - gstart + 1 < per_group; k++) {
				n++
				id[n] = "R" pad(n, 5)
				sname = (k == 2 && pick(2) == 0) ? sur[1 + pick(nsur)] : hsur
				name[n] = sname giv[1 + pick(ngiv)]
				hh[n] = hid
				grp[n] = gid
				# the first member of a household is the adult who registers it
				if (k > 2 && pick(4) == 0)
					birth[n] = date(2009, 2016)         # a child: under 18
				else
					birth[n] = date(1938, 2007)
				flags[n] = ""
				proxy[n] = ""
			}
		}
		gfirst[g] = gstart; glast[g] = n
	}
	# Boundary cases of UL16.eligible: 18 exactly on polling day, and one day short.
	birth[gfirst[3] + 1] = "2008-12-20"
	birth[gfirst[5] + 1] = "2008-12-21"
	# A few residents deprived of political rights.
	for (i = 1; i <= 3; i++) { r = gfirst[2 * i + 6] + 3; flags[r] = "deprived" }
	# Committee candidates: 9 adults from different groups, none a minor or deprived.
	ncand = 0
	for (g = 1; g <= ngroups && ncand < 9; g += 1) {
		if (g % 2 == 0 && g < 14) continue           # groups 1 3 5 7 9 11 13 14 15 16
		r = gfirst[g] + 5
		while (birth[r] > "2000" || flags[r] != "") r++
		ncand++; cand[ncand] = r; iscand[r] = 1
	}
	# The sitting committee (evaluated, one of them recalled): the first 7 candidates.
	# Representatives: 3 per group (adults, not deprived, not minors).
	nrep = 0
	for (g = 1; g <= ngroups; g++) {
		c = 0
		for (r = gfirst[g] + 10; r <= glast[g] && c < 3; r++) {
			if (birth[r] > "2007" || flags[r] != "" || iscand[r]) continue
			flags[r] = "representative"; isrep[r] = 1; rep[++nrep] = r; c++
		}
	}
	# Written proxies (UL19.proxy): about 1% of adults give theirs to a neighbour
	# in the same group; a holder keeps at most 3 principals and is no candidate.
	nprox = 0
	for (g = 1; g <= ngroups; g++) {
		want = 1 + pick(2)
		holder = 0
		for (r = gfirst[g] + 20; r <= glast[g] && want > 0; r++) {
			if (birth[r] > "2007" || flags[r] != "" || iscand[r]) continue
			if (holder == 0) { holder = r; isholder[r] = 1; continue }
			if (isholder[r]) continue
			proxy[r] = id[holder]; nprox++; want--
		}
	}
	polling = "2026-12-20"
	adults = 0; deprived = 0; minors = 0
	roll = out "/roll.csv"; rr = out "/roll-reps.csv"; vt = out "/voters.tsv"
	print "id,name,birth_date,household,group,flags" > roll
	print "id,name,birth_date,household,group,flags" > rr
	for (i = 1; i <= n; i++) {
		f = flags[i]
		if (proxy[i] != "") f = (f == "" ? "" : f " ") "proxy=" proxy[i]
		print id[i] "," name[i] "," birth[i] "," hh[i] "," grp[i] "," f > roll
		if (isrep[i])
			print id[i] "," name[i] "," birth[i] "," hh[i] "," grp[i] ",representative" > rr
		minor = (birth[i] > "2008-12-20")
		why = minor ? "under_18" : (flags[i] == "deprived" ? "deprived" : "")
		note = (birth[i] == "2008-12-20") ? "18-today" : ((birth[i] == "2008-12-21") ? "18-tomorrow" : "-")
		if (why == "") adults++
		if (minor) minors++
		if (flags[i] == "deprived") deprived++
		print id[i] "\t" grp[i] "\t" (why == "" ? 1 : 0) "\t" (why == "" ? "-" : why) "\t" (proxy[i] == "" ? "-" : proxy[i]) "\t" note > vt
	}
	ct = out "/candidates.tsv"; cm = out "/committee.tsv"
	for (i = 1; i <= ncand; i++) {
		print "c" i "\t" id[cand[i]] "\t" name[cand[i]] > ct
		if (i <= 7) print "m" i "\t" id[cand[i]] "\t" name[cand[i]] > cm
	}
	env = out "/community.env"
	print "COMMUNITY_RESIDENTS=" n > env
	print "COMMUNITY_ADULTS=" adults > env
	print "COMMUNITY_MINORS=" minors > env
	print "COMMUNITY_DEPRIVED=" deprived > env
	print "COMMUNITY_HOUSEHOLDS=" nh > env
	print "COMMUNITY_GROUPS=" ngroups > env
	print "COMMUNITY_REPRESENTATIVES=" nrep > env
	print "COMMUNITY_PROXIES=" nprox > env
	print "COMMUNITY_POLLING_DAY=" polling > env
	close(roll); close(rr); close(vt); close(ct); close(cm); close(env)
}
