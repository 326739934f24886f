#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""scripts/station, as someone trying it by hand would (issue 12).

Starts the demo station on free ports (--port 0) with a small roll in a
temporary directory and checks that it
  - prints the four page lines (booth:, pollbook:, admin:, public:) with
    http://127.0.0.1:PORT/ URLs and the demo credentials of the poll book
    and the admin pages;
  - answers on each URL (the booth's start screen, the sign-in page of the
    poll book and of the admin pages, the public status page);
  - lets the poll worker and the admin sign in with the printed
    passphrases (303 and a session cookie, then the signed-in home page),
    and refuses a wrong one;
  - stops on SIGINT sent to the script alone (kill -INT; Ctrl-C in a
    terminal signals its programs as well): exit status 0 and no process of
    it left behind (none in its process group, none naming its directory).

Usage: check_station.py SOURCE_ROOT BUILD_ROOT.  Fails naming what was
wrong; the station's directory is kept (and named) when a check fails.
"""
import http.client
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time

START_TIMEOUT = 600  # s: the roll, the key ceremony and the daemon (ASan: slow)
STOP_TIMEOUT = 60


def fail(msg):
    print("FAIL: " + msg, flush=True)
    raise SystemExit(1)


def request(url, method="GET", body=None, cookie=None):
    m = re.fullmatch(r"http://127\.0\.0\.1:(\d+)(/.*)", url)
    if m is None:
        fail(f"not a loopback http URL: {url!r}")
    conn = http.client.HTTPConnection("127.0.0.1", int(m.group(1)), timeout=120)
    headers = {}
    if body is not None:
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    if cookie is not None:
        headers["Cookie"] = cookie
    try:
        conn.request(method, m.group(2), body=body, headers=headers)
        r = conn.getresponse()
        return r.status, r.getheaders(), r.read().decode("utf-8", "replace")
    except OSError as e:
        fail(f"{method} {url}: no answer ({e})")
    finally:
        conn.close()


def procs_naming(text):
    """pid -> command line of every process whose command line holds text."""
    found = {}
    for p in os.listdir("/proc"):
        if not p.isdigit() or int(p) == os.getpid():
            continue
        try:
            with open(f"/proc/{p}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode("utf-8", "replace")
        except OSError:
            continue
        if text in cmd:
            found[int(p)] = cmd.strip()
    return found


def group_alive(pgid):
    try:
        os.killpg(pgid, 0)
        return True
    except ProcessLookupError:
        return False


def start_station(src, build, stdir, extra=()):
    """Start scripts/station on free ports in stdir; returns (its process,
    the page URLs by key, the demo passphrases of pollbook and admin)."""

    def child_setup():
        # a session (and process group) of its own, SIGINT as in a
        # terminal: bash cannot trap a signal ignored on entry
        os.setsid()
        signal.signal(signal.SIGINT, signal.SIG_DFL)

    proc = subprocess.Popen(
        [os.path.join(src, "scripts", "station"), "--build", build, "--dir", stdir,
         "--port", "0", *extra],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        preexec_fn=child_setup)
    try:
        # ---- the lines it prints
        lines, buf, deadline = [], b"", time.monotonic() + START_TIMEOUT
        while not any(l.startswith("directory: ") for l in lines):
            left = deadline - time.monotonic()
            if left <= 0:
                fail(f"no 'directory:' line after {START_TIMEOUT} s; printed:\n" + "\n".join(lines))
            r, _, _ = select.select([proc.stdout], [], [], left)
            if not r:
                continue
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                fail(f"scripts/station exited ({proc.wait()}) before serving; printed:\n"
                     + "\n".join(lines) + buf.decode("utf-8", "replace"))
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                lines.append(line.decode("utf-8", "replace"))
        print("\n".join(lines), flush=True)
        url_re = r"(http://127\.0\.0\.1:\d+/)"
        pages = {}
        for key in ("booth", "pollbook", "admin", "public"):
            got = [l for l in lines if l.startswith(key + ": ")]
            if len(got) != 1:
                fail(f"{len(got)} lines '{key}: URL' (want one)")
            pat = url_re if key != "public" else r"(http://127\.0\.0\.1:\d+/public/)"
            m = re.match(key + ": " + pat + r"(?:\s|$)", got[0])
            if m is None:
                fail(f"the {key} line holds no http://127.0.0.1:PORT URL: {got[0]!r}")
            pages[key] = m.group(1)
        creds = {}
        for key in ("pollbook", "admin"):
            line = next(l for l in lines if l.startswith(key + ": "))
            m = re.search(r"\(sign in with: (\S+)\)", line)
            if m is None:
                fail(f"the {key} line names no demo passphrase: {line!r}")
            creds[key] = m.group(1)
        if pages["public"] != pages["pollbook"] + "public/":
            fail(f"public page {pages['public']} is not on the poll-book port {pages['pollbook']}")

        return proc, pages, creds
    except BaseException:
        kill_station(proc, stdir)
        raise


def kill_station(proc, stdir):
    """SIGKILL whatever of the station is left."""
    if proc.poll() is None or group_alive(proc.pid):
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait()
    for p in procs_naming(stdir):
        try:
            os.kill(p, signal.SIGKILL)
        except ProcessLookupError:
            pass


def stop_station(proc, stdir):
    """SIGINT to the script alone (kill -INT PID): it must stop its
    programs itself (Ctrl-C in a terminal also signals them), exit 0 and
    leave no process behind."""
    pgid = proc.pid
    os.kill(proc.pid, signal.SIGINT)
    try:
        rc = proc.wait(STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        fail(f"still running {STOP_TIMEOUT} s after SIGINT")
    if rc != 0:
        fail(f"exit status {rc} after SIGINT (want 0)")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (group_alive(pgid) or procs_naming(stdir)):
        time.sleep(0.2)
    left = procs_naming(stdir)
    if group_alive(pgid) or left:
        fail("processes left behind after SIGINT: "
             + "; ".join(f"{p}: {c}" for p, c in left.items())
             + (" (its process group is not empty)" if group_alive(pgid) else ""))


def main():
    if len(sys.argv) != 3:
        print("usage: check_station.py SOURCE_ROOT BUILD_ROOT", file=sys.stderr)
        return 2
    src, build = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="quorum-check-station.")
    stdir = os.path.join(tmp, "st")
    ok = False
    proc, pages, creds = start_station(src, build, stdir, ["--voters", "3"])
    try:
        # ---- each URL answers
        st, _, body = request(pages["booth"])
        if st != 200 or 'id="token"' not in body:
            fail(f"booth {pages['booth']}: {st}, no ballot-number field")
        for key in ("pollbook", "admin"):
            st, _, body = request(pages[key])
            if st != 401 or 'id="passphrase"' not in body:
                fail(f"{key} {pages[key]}: {st}, not the sign-in page")
        st, _, body = request(pages["public"])
        if st != 200 or 'class="status"' not in body:
            fail(f"public {pages['public']}: {st}, not the status page")

        # ---- sign in with the printed passphrases
        home_mark = {"pollbook": 'id="voter"', "admin": "action=\"/close\""}
        cookie_name = {"pollbook": "quorum_pollbook", "admin": "quorum_admin"}
        for key in ("pollbook", "admin"):
            st, hdrs, body = request(pages[key] + "signin", "POST", "passphrase=" + creds[key])
            cookie = next((v.split(";")[0] for k, v in hdrs
                           if k.lower() == "set-cookie" and v.startswith(cookie_name[key] + "=")), None)
            if st != 303 or cookie is None:
                fail(f"{key}: signing in with the printed passphrase {creds[key]!r}: {st}, "
                     f"cookie {cookie!r}")
            st, _, body = request(pages[key], cookie=cookie)
            if st != 200 or home_mark[key] not in body:
                fail(f"{key}: the signed-in home page: {st}, no {home_mark[key]}")
            st, _, _ = request(pages[key] + "signin", "POST", "passphrase=not-the-passphrase")
            if st != 401:
                fail(f"{key}: a wrong passphrase answered {st} (want 401)")

        # ---- SIGINT stops it, nothing left behind
        stop_station(proc, stdir)
        ok = True
        print("scripts/station: four pages and the credentials printed, every page answers, "
              "both sign-ins work, SIGINT stops it leaving nothing behind")
        return 0
    finally:
        kill_station(proc, stdir)
        if ok:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"kept: {tmp}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
