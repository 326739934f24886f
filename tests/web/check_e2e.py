#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""The election day through the web pages, to a verified record (issue 12).

Starts scripts/station (the example election, one trustee, test KDF cost)
on free ports, then tests/web/e2e.mjs drives chromium through the pages: a
poll worker checks V0001 in, V0001 casts at the booth page; V0002 is
checked in, challenges a sealed ballot, then casts; the admin closes the
poll.  The station is stopped and the rest of the election runs as
scripts/demo does it (the station's record and log into the election
record, quorum-tally tally, the trustee's decrypt, combine, publish), and
`quorum-audit verify-election` must accept the published record (exit 0,
VERIFIED) with both receipts' tracking codes in it.
Must fail: a copy of the published record with one byte of the station's
record flipped is refused (exit non-zero, no VERIFIED).

Usage: check_e2e.py SOURCE_ROOT BUILD_ROOT.  The directory is kept (and
named) when a check fails.  Skipped (77) without chromium, node or the npm
packages, unless CI is set.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_station as cs  # noqa: E402  (reuse its station start and stop)

fail = cs.fail


def run(what, argv, env=None, want=0):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
                       stdin=subprocess.DEVNULL)
    out = r.stdout.decode("utf-8", "replace")
    if want is not None and r.returncode != want:
        fail(f"{what}: exit {r.returncode} (want {want}):\n{out}")
    return r.returncode, out


def other_station(B, d, el, env):
    """Run station s2 of the election in el empty: start quorum-ballotd,
    import the roll, open, close, stop; its record into the election."""
    st = os.path.join(d, "s2")
    ballot = os.path.join(B, "voter", "quorum-ballot")
    log = open(os.path.join(d, "logs", "ballotd-s2.log"), "wb")
    p = subprocess.Popen([os.path.join(B, "voter", "quorum-ballotd"), "--election", el,
                          "--station", "s2", "--state", st, "--key-file",
                          os.path.join(d, "secrets", "station.pass"), "--foreground"],
                         stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, env=env)
    try:
        deadline = time.monotonic() + 120
        while not all(os.path.exists(os.path.join(st, s + ".sock"))
                      for s in ("admin", "operator", "booth")):
            if p.poll() is not None or time.monotonic() > deadline:
                fail("station s2 did not start: see " + log.name)
            time.sleep(0.05)
        run("s2 import-roll", [ballot, "--state", st, "import-roll",
                               os.path.join(d, "roll.csv")], env=env)
        run("s2 open", [ballot, "--state", st, "open"], env=env)
        run("s2 close", [ballot, "--state", st, "close", "--yes"], env=env)
    finally:
        p.terminate()
        p.wait()
        log.close()
    copy_station(st, os.path.join(el, "stations", "s2"))


def copy_station(state, sd):
    """A closed station's record and its log, without the log's private
    key, into the election record (as scripts/demo-lib/polls.sh does)."""
    os.makedirs(os.path.join(sd, "log"))
    for f in ("station-record.json", "station-record.json.sig"):
        shutil.copy(os.path.join(state, f), sd)
    for f in ("entries", "leaves", "vkey", "checkpoints"):
        p = os.path.join(state, "log", f)
        (shutil.copytree if os.path.isdir(p) else shutil.copy)(p, os.path.join(sd, "log", f))


def main():
    if len(sys.argv) != 3:
        print("usage: check_e2e.py SOURCE_ROOT BUILD_ROOT", file=sys.stderr)
        return 2
    src, build = sys.argv[1], sys.argv[2]
    ci = os.environ.get("CI", "") not in ("", "false")
    mods = os.path.join(src, "tests", "web", "node_modules", "playwright-core", "package.json")
    if not os.access("/usr/bin/chromium", os.X_OK) or shutil.which("node") is None \
            or not os.path.exists(mods):
        print("no chromium, node or playwright-core (scripts/setup; the web_browser test "
              "installs the npm packages)")
        return 1 if ci else 77
    tmp = tempfile.mkdtemp(prefix="quorum-check-e2e.")
    d = os.path.join(tmp, "st")
    ok = False
    proc, pages, creds = cs.start_station(src, build, d)
    try:
        env = dict(os.environ, BOOTH=pages["booth"], POLLBOOK=pages["pollbook"],
                   ADMIN=pages["admin"], OP_PASS=creds["pollbook"], ADMIN_PASS=creds["admin"])
        _, out = run("the pages (tests/web/e2e.mjs)",
                     ["node", os.path.join(src, "tests", "web", "e2e.mjs")], env=env)
        print(out, end="", flush=True)
        codes = [l.split()[2] for l in out.splitlines() if l.startswith("code ")]
        if len(codes) != 2:
            fail(f"{len(codes)} receipts from the pages (want 2)")
        state = os.path.join(d, "station")
        if not os.path.exists(os.path.join(state, "station-record.json")):
            fail("closing on the admin page wrote no station-record.json")
        cs.stop_station(proc, d)

        # the rest of the election, as scripts/demo-lib/polls.sh does it
        B = os.path.abspath(build)
        tally = os.path.join(B, "tally", "quorum-tally")
        audit = os.path.join(B, "audit", "quorum-audit")
        el = os.path.join(d, "election")
        copy_station(state, os.path.join(el, "stations", "s1"))
        env = dict(os.environ, QUORUM_INSECURE_TEST_KDF="1", QUORUM_TEST_CHEAP_KDF="1",
                   QUORUM_NO_PROGRESS="1", LANG="C.UTF-8", LC_ALL="C.UTF-8")
        # the example election's other station, s2 (groups g3, g4), is
        # opened and closed with no voter: every station's record is needed
        other_station(B, d, el, env)
        sec = os.path.join(d, "secrets")
        run("quorum-tally tally", [tally, "tally", el], env=env)
        run("quorum-tally decrypt", [tally, "decrypt", el, "--trustee", "1", "--key",
                                     os.path.join(sec, "trustee-1.key"), "--pass-file",
                                     os.path.join(sec, "trustee-1.pass")], env=env)
        run("quorum-tally combine", [tally, "combine", el], env=env)
        pub = os.path.join(tmp, "published")
        run("quorum-tally publish", [tally, "publish", el, pub], env=env)
        rc, out = run("quorum-audit verify-election", [audit, "verify-election", pub], env=env,
                      want=None)
        print(out.splitlines()[-1] if out else "", flush=True)
        if rc != 0 or not re.search(r"^VERIFIED: 2 stations, 2 ballots", out, re.M):
            fail(f"quorum-audit verify-election refused the record made through the pages "
                 f"(exit {rc}):\n{out}")
        with open(os.path.join(pub, "stations", "s1", "station-record.json"), "rb") as f:
            rec = f.read()
        for c in codes:
            if c.encode() not in rec:
                fail(f"the receipt's tracking code {c} is not in the station's record")

        # must fail: one byte of the published station record flipped
        bad = os.path.join(tmp, "flipped")
        shutil.copytree(pub, bad)
        p = os.path.join(bad, "stations", "s1", "station-record.json")
        i = rec.index(codes[0].encode())
        flipped = rec[:i] + (b"0" if rec[i:i + 1] != b"0" else b"1") + rec[i + 1:]
        with open(p, "wb") as f:
            f.write(flipped)
        rc, out = run("quorum-audit verify-election (flipped)", [audit, "verify-election", bad],
                      env=env, want=None)
        if rc == 0 or re.search(r"^VERIFIED", out, re.M) \
                or not re.search(r"^NOT VERIFIED", out, re.M):
            fail(f"a flipped byte of stations/s1/station-record.json was accepted (exit {rc}):\n"
                 f"{out}")
        if not re.search(r"stations/s1/station-record\.json.*does not verify", out):
            fail(f"the refusal does not name station s1:\n{out}")
        ok = True
        print("the pages' election day: 2 ballots cast (one after a challenge), closed on the "
              "admin page, tallied, published, VERIFIED; a flipped byte refused")
        return 0
    finally:
        cs.kill_station(proc, d)
        if ok:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept: {tmp}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
