// SPDX-License-Identifier: GPL-3.0-or-later
// Browser test of quorum-web: Debian's chromium driven by playwright-core
// (no browser download), axe-core on every screen.  Run by test_web.c
// (Test web/browser) with a station up: it passes the URLs, three ballot
// tokens and a directory for the screenshots in the environment.
//   BOOTH, POLLBOOK, ADMIN   the three listeners' URLs
//   OP_PASS, ADMIN_PASS      the operator's and the admin's passphrases
//   TOKENS                   three tokens, space-separated (checked in)
//   SHOTS                    directory for the screenshots
//   CHROMIUM                 the browser (default /usr/bin/chromium)
import { chromium } from "playwright-core";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
const env = process.env;
const [tok1, tok2, tok3] = env.TOKENS.split(" ");
const shots = env.SHOTS;
let failures = 0, passes = 0;

function check(cond, what) {
	if (cond) { passes++; return; }
	failures++;
	console.error("FAIL: " + what);
}

// Run a page action that navigates and wait until the new document has
// loaded (its script has run): every selector, screenshot and axe scan
// after it sees the settled new page, never the old one being torn down.
async function nav(page, action) {
	await Promise.all([page.waitForNavigation({ waitUntil: "load" }), action()]);
}

async function axe(page, name) {
	// only a settled page is scanned
	await page.waitForLoadState("load");
	// the CSP forbids inline scripts: evaluate axe through the protocol
	const injected = await page.evaluate(() => typeof window.axe !== "undefined");
	if (!injected) await page.evaluate(axeSource);
	const r = await page.evaluate(async () =>
		await window.axe.run(document, { resultTypes: ["violations"] }));
	const bad = r.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
	for (const v of bad)
		console.error(`axe ${name}: ${v.impact} ${v.id}: ${v.help} (${v.nodes.length} nodes: ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")})`);
	check(bad.length === 0, `axe: ${bad.length} serious/critical violations on ${name}`);
}

const t0 = Date.now();
async function shot(page, name) {
	if (env.VERBOSE) console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s: ${name}`);
	for (const [w, h] of [[1280, 800], [800, 1280]]) {
		await page.setViewportSize({ width: w, height: h });
		await page.screenshot({ path: `${shots}/${name}-${w}x${h}.png`, fullPage: true });
	}
	await page.setViewportSize({ width: 1280, height: 800 });
	await axe(page, name);
	await noEnglish(page, name);
}

// The visible text of the page (text nodes outside script and style, and
// placeholders), as [text, lang of its nearest element] pairs.
async function visibleText(page) {
	return await page.evaluate(() => {
		const out = [];
		const w = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		for (let n = w.nextNode(); n; n = w.nextNode()) {
			const el = n.parentElement;
			// machine text (the opening's JSON, commands) is not prose
			if (!el || el.closest("script, style, noscript, pre, code, kbd") || !n.textContent.trim())
				continue;
			const s = getComputedStyle(el);
			if (s.display === "none" || s.visibility === "hidden") continue;
			const l = el.closest("[lang]");
			out.push([n.textContent.trim(), l ? l.getAttribute("lang") : ""]);
		}
		for (const el of document.querySelectorAll("[placeholder]")) {
			const l = el.closest("[lang]");
			out.push([el.getAttribute("placeholder"), l ? l.getAttribute("lang") : ""]);
		}
		document.title && out.push([document.title, document.documentElement.getAttribute("lang")]);
		return out;
	});
}

// zh_CN (the default: Chinese, English beside it in lang="en"): no English
// word in the Chinese text, i.e. every string is translated.  Allowed:
// words with a digit (roll ids, rule codes UL16, P-7.6, station s1), URLs,
// hex, the product's name, key and program names, the test roll's and
// manifest's own data in Latin letters; machine text in pre, code, kbd.
const dataWords = new Set(["Voter", "Young", "Elsewhere", "Principal", "Community", "centre",
	"No", "Primary", "School", "QR", "SHA", "Quorum", "Tab", "quorum-audit", "verify-election"]);
async function noEnglish(page, name) {
	const bad = [];
	for (const [t, lang] of await visibleText(page)) {
		if (lang === "en" || lang.startsWith("en-")) continue;
		for (const w of t.match(/[A-Za-z][A-Za-z0-9._:\/-]*/g) || []) {
			if (/\d/.test(w) || /^https?:/.test(w) || /^[0-9a-f]+$/.test(w) || dataWords.has(w))
				continue;
			bad.push(w);
		}
	}
	check(bad.length === 0, `English words in the Chinese text of ${name}: ${[...new Set(bad)].slice(0, 12).join(" ")}`);
}

// --lang en: no Chinese outside the election's own data (marked lang="zh-CN")
async function noChinese(page, name) {
	const bad = [];
	for (const [t, lang] of await visibleText(page))
		if (!lang.startsWith("zh") && /[\u3400-\u9fff\uff00-\uffef\u3000-\u303f]/.test(t)) bad.push(t);
	check(bad.length === 0, `Chinese-only text on the English ${name}: ${bad.slice(0, 6).join(" | ")}`);
}

async function noHorizontalScroll(page, name) {
	// 200 % zoom of a 1280 px screen is a 640 px CSS viewport
	await page.setViewportSize({ width: 640, height: 400 });
	const over = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
	check(!over, `horizontal scroll at 200 % zoom on ${name}`);
	await page.setViewportSize({ width: 1280, height: 800 });
}

// Base text of at least 24 px and touch targets of at least 44 x 44 px
// (issue 12): every visible button, link button, text field and option.
async function sizes(page, name) {
	const r = await page.evaluate(() => {
		const bad = [];
		const base = parseFloat(getComputedStyle(document.documentElement).fontSize);
		const sel = "button, a.button, input[type=text], input[type=password], .option label";
		for (const el of document.querySelectorAll(sel)) {
			const b = el.getBoundingClientRect();
			if (b.width === 0 || b.height === 0) continue; // not shown
			if (b.width < 44 || b.height < 44)
				bad.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(b.width)}x${Math.round(b.height)}`);
		}
		return { base, bad };
	});
	check(r.base >= 24, `base text ${r.base} px on ${name}`);
	check(r.bad.length === 0, `touch targets under 44 px on ${name}: ${r.bad.slice(0, 5).join(", ")}`);
}

const browser = await chromium.launch({
	executablePath: env.CHROMIUM || "/usr/bin/chromium",
	args: ["--no-sandbox", "--disable-gpu", "--font-render-hinting=none"],
});
const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
// The booth's idle timer runs on a controlled clock: time flows as usual but
// the test moves it past the timeout itself, so the idle return to the start
// screen cannot fire in the middle of a screenshot or an axe scan on a
// loaded machine (it did: "Execution context was destroyed"), and the test
// does not wait the timeout out in real time.
await ctx.clock.install();
const page = await ctx.newPage();
page.on("console", (m) => { if (m.type() === "error") console.error("console: " + m.text()); });
page.on("response", async (r) => {
	if (r.status() >= 500)
		console.error(`${r.status()} ${r.request().method()} ${r.url()}: ` +
			(await r.text().catch(() => "")).replace(/<[^>]*>/g, " ").slice(0, 300));
});

// ---- booth, keyboard only: start, mark, review, seal, check, again, cast
await page.goto(env.BOOTH);
await shot(page, "booth-start");
await noHorizontalScroll(page, "booth-start");
await sizes(page, "booth-start");
// read aloud: the 0 key sends the screen's Chinese text and gets a WAV
await page.evaluate(() => document.activeElement && document.activeElement.blur());
{
	const [resp] = await Promise.all([
		page.waitForResponse((r) => r.url().endsWith("/speak")),
		page.keyboard.press("0"),
	]);
	check(resp.status() === 200 && (resp.headers()["content-type"] || "").startsWith("audio/wav"),
		`read aloud: ${resp.status()} ${resp.headers()["content-type"]}`);
	const sent = decodeURIComponent((resp.request().postData() || "").replace(/^text=/, ""));
	check(sent.includes("选票号码") && !sent.includes("Ballot number"), `read aloud sent: ${sent.slice(0, 80)}`);
}
await page.focus("#token");
await page.keyboard.type(tok1.slice(0, 16) + " " + tok1.slice(16));
await nav(page, () => page.keyboard.press("Enter"));
await page.waitForSelector("fieldset.options");
await page.keyboard.press("2"); // number key marks option 2
await shot(page, "booth-contest");
await noHorizontalScroll(page, "booth-contest");
await sizes(page, "booth-contest");
// over-limit: a second mark in a 1-seat contest is refused on the page
await page.keyboard.press("1");
const checked = await page.$$eval("input[type=checkbox]:checked", (l) => l.length);
check(checked === 1, "over-limit mark accepted on the page");
const said = await page.textContent(".live");
check(said && said.length > 0, "over-limit not announced");
await nav(page, () => page.keyboard.press("Enter"));
await page.waitForSelector("text=/委员/");
await page.keyboard.press("1");
await page.keyboard.press("3");
await nav(page, () => page.keyboard.press("Enter"));
await page.waitForSelector("ol.review");
await shot(page, "booth-review");
await sizes(page, "booth-review");
await nav(page, () => page.click("button[value=seal]"));
await page.waitForSelector("input[name=code]", { state: "attached" });
await shot(page, "booth-sealed");
// challenge (Benaloh): opened, not counted, back to marking
await nav(page, () => page.click("form:has(input[name=step][value=challenge]) button"));
await page.waitForSelector("pre.opening", { state: "attached" });
await shot(page, "booth-challenged");
await nav(page, () => page.click("button[value='0']"));
await page.waitForSelector("fieldset.options");
await nav(page, () => page.keyboard.press("Enter"));
await page.waitForSelector("text=/委员/");
await nav(page, () => page.keyboard.press("Enter"));
await page.waitForSelector("ol.review");
await nav(page, () => page.click("button[value=seal]"));
await page.waitForSelector("input[name=code]", { state: "attached" });
await nav(page, () => page.click("form:has(input[name=step][value=cast]) button"));
await page.waitForSelector("section.receipt");
await shot(page, "booth-receipt");
await noHorizontalScroll(page, "booth-receipt");
const code = await page.getAttribute(".code", "data-code");
check(/^[0-9a-f]{64}$/.test(code || ""), "receipt without a tracking code");
check(await page.evaluate(() => document.cookie === "" && localStorage.length === 0),
	"something stored in a cookie or localStorage");
check(!page.url().includes(tok1), "token in the URL");

// ---- high contrast, then the idle timeout discards marks
await page.goto(env.BOOTH);
await page.click("button.contrast");
await page.fill("#token", tok2);
await nav(page, () => page.keyboard.press("Enter"));
await page.waitForSelector("fieldset.options");
check(await page.evaluate(() => document.body.classList.contains("hc")), "high contrast lost");
await shot(page, "booth-contest-contrast");
await page.keyboard.press("1"); // the last input: the idle timer starts again here
const idle = parseInt(await page.getAttribute("body", "data-idle"), 10);
check(idle > 1, "booth page without an idle timeout");
if (env.VERBOSE) console.log(`idle ${idle}, url ${page.url()}`);
// one second short of the timeout the marks are still there
await page.clock.fastForward((idle - 1) * 1000);
check(await page.$$eval("input[type=checkbox]:checked", (l) => l.length) === 1,
	"idle timeout fired early");
await nav(page, () => page.clock.fastForward(2000));
check(page.url() === env.BOOTH, `idle timeout did not return to the start (${page.url()})`);
if (env.VERBOSE) console.log(`${((Date.now() - t0) / 1000).toFixed(1)} s: idle fired`);
await page.waitForSelector("#token");
check(await page.$$eval("input[name=m]", (l) => l.length) === 0, "marks survived the idle timeout");

// ---- public pages: no sign-in
await page.goto(env.POLLBOOK + "public/");
await page.waitForSelector("dl.status");
await shot(page, "public-status");
await page.goto(env.POLLBOOK + "public/check");
await page.fill("#code", code);
await nav(page, () => page.keyboard.press("Enter"));
await page.waitForSelector(".refusal");
await shot(page, "public-check");
check(!page.url().includes(code), "tracking code in the URL");

// ---- poll book and admin: sign in first
await page.goto(env.POLLBOOK);
await page.waitForSelector("#passphrase");
await shot(page, "pollbook-signin");
await page.fill("#passphrase", env.OP_PASS);
await nav(page, () => page.keyboard.press("Enter"));
await page.waitForSelector("#voter");
check(await page.evaluate(() => document.cookie === ""), "the session cookie is readable by the page (not HttpOnly)");
await shot(page, "pollbook-home");
await sizes(page, "pollbook-home");
await page.fill("#voter", "U0001");
await nav(page, () => page.keyboard.press("Enter"));
await page.waitForSelector(".refusal");
check((await page.textContent(".refusal")).includes("未满十八周岁"), "under-18 refusal not in words");
await shot(page, "pollbook-refused");
// already voted (V0010 was checked in before the browser started) and wrong
// station (W0001's group votes at another station): the reason in words
// on the voter's screen, no check-in offered
for (const [voter, code, words] of [["V0010", "already_voted", "已经领票"],
	["W0001", "wrong_station", "投票站不符"]]) {
	await page.goto(env.POLLBOOK);
	await page.fill("#voter", voter);
	await nav(page, () => page.keyboard.press("Enter"));
	await page.waitForSelector(".refusal");
	const shown = await page.$$eval(".refusal", (l) => l.map((e) =>
		(e.getAttribute("data-code") || "") + " " + e.innerText).join(" "));
	check(shown.replace(/-/g, "_").includes(code) && shown.includes(words),
		`${voter}: the ${code} refusal is not shown in words (${shown.slice(0, 120)})`);
	check(await page.$("form[action='/checkin']") === null, `${voter}: check-in offered`);
}
await shot(page, "pollbook-refused-wrong-station");
// a written proxy (P0001's roll line names V0017 as the holder): another
// holder is refused in words, then the named holder checks P0001 in
async function proxyCheckin(holder) {
	await page.goto(env.POLLBOOK);
	await page.fill("#voter", "P0001");
	await nav(page, () => page.keyboard.press("Enter"));
	await page.waitForSelector("#proxy");
	await page.fill("#proxy", holder);
	await nav(page, () => page.click("form[action='/checkin'] button"));
}
await proxyCheckin("V0018");
await page.waitForSelector(".refusal");
{
	const r = await page.$eval(".refusal", (e) => (e.getAttribute("data-code") || "") + " " + e.innerText);
	check(/^proxy/.test(r) && r.includes("委托无效"), `a proxy held by V0018 not refused in words (${r.slice(0, 120)})`);
	check(await page.$("section.slip") === null, "a slip issued to the wrong proxy holder");
}
await shot(page, "pollbook-proxy-refused");
await proxyCheckin("V0017");
await page.waitForSelector("section.slip");
check(/^[0-9a-f]{32}$/.test(await page.getAttribute(".token", "data-token") || ""),
	"no ballot number on the slip of a proxy check-in");
await page.goto(env.POLLBOOK);
await page.fill("#voter", "V0016");
await nav(page, () => page.keyboard.press("Enter"));
await page.waitForSelector("form[action='/checkin']");
await shot(page, "pollbook-voter");
await nav(page, () => page.click("form[action='/checkin'] button"));
await page.waitForSelector("section.slip");
await shot(page, "pollbook-slip");
await page.goto(env.ADMIN);
await page.waitForSelector("#passphrase");
await page.fill("#passphrase", env.ADMIN_PASS);
await nav(page, () => page.keyboard.press("Enter"));
await page.waitForSelector("form[action='/close']");
await shot(page, "admin-home");
check((await page.textContent("body")).includes("本投票站导入的名单行数"), "admin page does not say what Registered counts");
await nav(page, () => page.click("form[action='/close'] button"));
await page.waitForSelector("input[name=confirm]", { state: "attached" });
await shot(page, "admin-confirm-close");

// ---- the English front (--lang en): every kind of screen, no Chinese-only text
{
	const en = await (await browser.newContext()).newPage();
	await en.goto(env.EN_BOOTH);
	await en.waitForSelector("#token");
	await noChinese(en, "booth start");
	await en.fill("#token", tok3);
	await nav(en, () => en.keyboard.press("Enter"));
	await en.waitForSelector("fieldset.options");
	await noChinese(en, "booth contest");
	await en.keyboard.press("1");
	for (let i = 0; i < 10 && !(await en.$("ol.review")); i++) {
		await nav(en, () => en.keyboard.press("Enter"));
	}
	await en.waitForSelector("ol.review");
	await noChinese(en, "booth review");
	await en.goto(env.EN_POLLBOOK);
	await en.waitForSelector("#passphrase");
	await noChinese(en, "poll-book sign-in");
	await en.fill("#passphrase", env.OP_PASS);
	await nav(en, () => en.keyboard.press("Enter"));
	await en.waitForSelector("#voter");
	await noChinese(en, "poll-book home");
	for (const v of ["V0001", "U0001"]) {
		await en.goto(env.EN_POLLBOOK);
		await en.fill("#voter", v);
		await nav(en, () => en.keyboard.press("Enter"));
		await noChinese(en, `poll-book voter ${v}`);
	}
	await en.goto(env.EN_POLLBOOK + "public/");
	await noChinese(en, "public status");
	await en.goto(env.EN_ADMIN);
	await en.waitForSelector("#passphrase");
	await en.fill("#passphrase", env.ADMIN_PASS);
	await nav(en, () => en.keyboard.press("Enter"));
	await en.waitForSelector("form[action='/close']");
	await noChinese(en, "admin home");
}

await browser.close();
console.log(`browser: ${passes} passed, ${failures} failed`);
process.exit(failures ? 1 : 0);
