// SPDX-License-Identifier: GPL-3.0-or-later
// The election day through the pages alone (issue 12), run by
// check_e2e.py against scripts/station: the poll worker signs in and checks
// V0001 in, V0001 marks and casts at the booth page; V0002 is checked in,
// seals, challenges (the ballot opened, not counted), marks again and
// casts; the admin signs in and closes the poll with its confirmation.
// check_e2e.py then tallies and verifies the station's record.
//   BOOTH, POLLBOOK, ADMIN   the three listeners' URLs
//   OP_PASS, ADMIN_PASS      the poll worker's and the admin's passphrases
//   CHROMIUM                 the browser (default /usr/bin/chromium)
// Prints "code VOTER HEX" for each receipt.
import { chromium } from "playwright-core";

const env = process.env;
let failures = 0;
function check(cond, what) {
	if (!cond) {
		failures++;
		console.error("FAIL: " + what);
	}
}
async function nav(page, action) {
	await Promise.all([page.waitForNavigation({ waitUntil: "load" }), action()]);
}

const browser = await chromium.launch({
	executablePath: env.CHROMIUM || "/usr/bin/chromium",
	args: ["--no-sandbox", "--disable-gpu"],
});
// the poll book and the booth are two machines: two contexts
const desk = await (await browser.newContext()).newPage();
const booth = await (await browser.newContext()).newPage();
for (const p of [desk, booth])
	p.on("response", async (r) => {
		if (r.status() >= 500)
			console.error(`${r.status()} ${r.url()}: ` +
				(await r.text().catch(() => "")).replace(/<[^>]*>/g, " ").slice(0, 300));
	});

await desk.goto(env.POLLBOOK);
await desk.fill("#passphrase", env.OP_PASS);
await nav(desk, () => desk.keyboard.press("Enter"));
await desk.waitForSelector("#voter");

async function checkin(voter) {
	await desk.goto(env.POLLBOOK);
	await desk.fill("#voter", voter);
	await nav(desk, () => desk.keyboard.press("Enter"));
	await desk.waitForSelector("form[action='/checkin']");
	await nav(desk, () => desk.click("form[action='/checkin'] button"));
	await desk.waitForSelector("section.slip");
	const t = await desk.getAttribute(".token", "data-token");
	check(/^[0-9a-f]{32}$/.test(t || ""), `no token on ${voter}'s slip`);
	return t;
}

// mark option 1 of every contest (the number key), to the review screen
async function markAll() {
	for (let i = 0; i < 20; i++) {
		if (await booth.$("ol.review")) return;
		await booth.waitForSelector("fieldset.options");
		await booth.keyboard.press("1");
		await nav(booth, () => booth.keyboard.press("Enter"));
	}
	check(false, "no review screen after 20 contests");
}

async function seal() {
	await booth.waitForSelector("ol.review");
	await nav(booth, () => booth.click("button[value=seal]"));
	await booth.waitForSelector("input[name=code]", { state: "attached" });
}

async function cast(voter) {
	await nav(booth, () => booth.click("form:has(input[name=step][value=cast]) button"));
	await booth.waitForSelector("section.receipt");
	const code = await booth.getAttribute(".code", "data-code");
	check(/^[0-9a-f]{64}$/.test(code || ""), `no tracking code on ${voter}'s receipt`);
	console.log(`code ${voter} ${code}`);
}

async function start(tok) {
	await booth.goto(env.BOOTH);
	await booth.fill("#token", tok);
	await nav(booth, () => booth.keyboard.press("Enter"));
}

// V0001: marks and casts
await start(await checkin("V0001"));
await markAll();
await seal();
await cast("V0001");

// V0002: seals, challenges, marks again, casts
await start(await checkin("V0002"));
await markAll();
await seal();
await nav(booth, () => booth.click("form:has(input[name=step][value=challenge]) button"));
await booth.waitForSelector("pre.opening", { state: "attached" });
await nav(booth, () => booth.click("button[value='0']"));
await markAll();
await seal();
await cast("V0002");

// the admin closes the poll
const admin = await (await browser.newContext()).newPage();
await admin.goto(env.ADMIN);
await admin.fill("#passphrase", env.ADMIN_PASS);
await nav(admin, () => admin.keyboard.press("Enter"));
await admin.waitForSelector("form[action='/close']");
await nav(admin, () => admin.click("form[action='/close'] button"));
await admin.waitForSelector("input[name=confirm]", { state: "attached" });
await nav(admin, () => admin.click("form[action='/close'] button"));

await browser.close();
console.log(`e2e: ${failures} failed`);
process.exit(failures ? 1 : 0);
