// SPDX-License-Identifier: GPL-3.0-or-later
/* quorum-web page script: contrast switch, the booth's limits, number
 * keys and idle timeout, print buttons, live counts.  The pages work
 * without it; it stores nothing (no cookie, no localStorage). */
(function () {
	"use strict";
	var body = document.body;

	function each(sel, fn) {
		Array.prototype.forEach.call(document.querySelectorAll(sel), fn);
	}

	/* high contrast: follows the hidden hc field of every form */
	each("button.contrast", function (b) {
		b.addEventListener("click", function () {
			var on = !body.classList.contains("hc");
			body.classList.toggle("hc", on);
			b.setAttribute("aria-pressed", on ? "true" : "false");
			each("input[name=hc]", function (i) { i.value = on ? "1" : "0"; });
		});
	});

	/* read the screen aloud: its Chinese text (the marks of the screen
	 * included) is sent to the station in a POST body and comes back as a
	 * WAV played from memory; nothing is kept */
	function speak() {
		var main = document.querySelector("main");
		if (!main) return;
		var boxes = main.querySelectorAll("input[type=checkbox]");
		var copy = main.cloneNode(true);
		var cboxes = copy.querySelectorAll("input[type=checkbox]");
		Array.prototype.forEach.call(cboxes, function (c, i) {
			if (boxes[i] && boxes[i].checked && c.parentNode)
				c.parentNode.appendChild(document.createTextNode(" " + (body.getAttribute("data-chosen") || "") + " "));
		});
		Array.prototype.forEach.call(copy.querySelectorAll("[lang=en], script, .skip"), function (e) {
			e.parentNode.removeChild(e);
		});
		var text = (copy.textContent || "").replace(/\s+/g, " ").trim().slice(0, 1300);
		if (!text) return;
		fetch("/speak", {
			method: "POST", credentials: "same-origin", cache: "no-store",
			headers: { "Content-Type": "application/x-www-form-urlencoded" },
			body: "text=" + encodeURIComponent(text)
		}).then(function (r) { return r.ok ? r.blob() : null; })
			.then(function (b) {
				if (!b) return;
				var url = URL.createObjectURL(b);
				var a = new Audio(url);
				a.addEventListener("ended", function () { URL.revokeObjectURL(url); });
				a.play().catch(function () {});
			}).catch(function () {});
	}
	each("button.speak", function (b) { b.addEventListener("click", speak); });
	document.addEventListener("keydown", function (ev) {
		if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
		var t = ev.target;
		if (t && (t.tagName === "INPUT" && (t.type === "text" || t.type === "password"))) return;
		if (ev.key === "0" || ev.key === "*") {
			ev.preventDefault();
			speak();
		}
	});

	each("button.print", function (b) {
		b.addEventListener("click", function () { window.print(); });
	});

	/* over-limit marks are refused on the page (and by the daemon) */
	each("fieldset.options", function (fs) {
		var max = parseInt(fs.getAttribute("data-max"), 10);
		var live = fs.querySelector(".live");
		var boxes = fs.querySelectorAll("input[type=checkbox]");
		fs.addEventListener("change", function (ev) {
			var n = 0;
			Array.prototype.forEach.call(boxes, function (x) { if (x.checked) n++; });
			if (n > max && ev.target.checked) {
				ev.target.checked = false;
				live.textContent = fs.getAttribute("data-over");
			} else {
				live.textContent = "";
			}
		});
		document.addEventListener("keydown", function (ev) {
			if (ev.altKey || ev.ctrlKey || ev.metaKey) return;
			var t = ev.target;
			if (t && t.tagName === "INPUT" && t.type === "text") return;
			var k = ev.key >= "1" && ev.key <= "9" ? parseInt(ev.key, 10) : 0;
			if (k > 0 && k <= boxes.length) {
				ev.preventDefault();
				boxes[k - 1].click();
				boxes[k - 1].focus();
			}
		});
	});

	/* idle booth: back to the start screen, unfinished marks discarded */
	var idle = parseInt(body.getAttribute("data-idle") || "0", 10);
	if (body.classList.contains("booth") && idle > 0) {
		var timer = null;
		var reset = function () {
			if (timer) clearTimeout(timer);
			timer = setTimeout(function () { window.location.replace("/"); }, idle * 1000);
		};
		["keydown", "pointerdown", "input", "scroll"].forEach(function (e) {
			document.addEventListener(e, reset, true);
		});
		reset();
	}

	/* poll book: live counts refresh by themselves */
	if (body.classList.contains("pollbook") && document.querySelector("[data-k]")) {
		setInterval(function () {
			fetch("/counts", { cache: "no-store", credentials: "same-origin" })
				.then(function (r) { return r.ok ? r.json() : null; })
				.then(function (j) {
					if (!j) return;
					each("[data-k]", function (el) {
						var k = el.getAttribute("data-k");
						if (k in j) el.textContent = String(j[k]);
					});
				})
				.catch(function () {});
		}, 5000);
	}
})();
