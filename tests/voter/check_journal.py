#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""quorum-ballotd under systemd, without systemd (voter/service.h).

Run in a private mount namespace (unshare -m) with a tmpfs on /run, this
plays systemd's part: it listens on /run/systemd/journal/socket (where
sd_journal_send writes) and on a $NOTIFY_SOCKET, starts the daemon as the
unit does (--key-credential from $CREDENTIALS_DIRECTORY, $JOURNAL_STREAM
naming its stderr, $WATCHDOG_USEC), drives a poll (import-roll, open,
checkin, a check-in refused as under 18, status), its sockets in
/run/quorum/s1 as the unit's RuntimeDirectory= (--socket-dir), stops it
with SIGTERM, and checks:
  - READY=1 after the daemon answers, WATCHDOG=1 while it runs, STOPPING=1;
    a clean exit 0 (SIGTERM is not delivered to the watchdog thread);
  - every journal entry has MESSAGE, PRIORITY, EVENT, ELECTION, STATION,
    PROFILES (the election's rule profiles) and a RULE field; the events
    roll-imported, poll-opened, shutting-down are there;
  - the refused check-in's entry (EVENT=check-in-refused) names the rule
    that decided it, RULE=UL16.eligible; no other entry names a rule;
  - the sockets were in /run/quorum/s1 and none in the state directory;
  - nothing went to stderr (the journal has it), and no entry holds a roll
    id, a name or the token the checkin returned.
Usage: check_journal.py BUILD SOURCE   (exit 77: cannot make the namespace)
"""
import hashlib, json, os, select, signal, socket, subprocess, sys, tempfile, time

build, src = sys.argv[1], sys.argv[2]
if os.environ.get('QUORUM_IN_NS') != '1':
    # re-run inside a private mount namespace with a tmpfs on /run
    env = dict(os.environ, QUORUM_IN_NS='1')
    cmd = 'mount -t tmpfs none /run && exec "$0" "$@"'
    try:
        r = subprocess.run(['unshare', '-m', 'sh', '-c', cmd, sys.executable, __file__, build, src],
                           env=env)
    except FileNotFoundError:
        print('SKIP: no unshare'); sys.exit(77)
    sys.exit(r.returncode)

fails = []
def fail(msg):
    print('FAIL:', msg); fails.append(msg)

t = tempfile.mkdtemp()
el = t + '/el'; os.makedirs(el); os.makedirs(t + '/cred')
manifest = open(src + '/docs/examples/election.json', 'rb').read()
roll = open(src + '/docs/examples/roll.csv', 'rb').read()
open(el + '/manifest.json', 'wb').write(manifest)
# the rule profiles the manifest uses, as quorum-tally init copies and lists
# them (docs/spec/rules.md RP-5.1): the statute and the charter CH1
os.makedirs(el + '/rules')
profiles = []
for pid in ('UL-2025', 'CH1'):
    b = open(src + '/rules/' + pid + '.json', 'rb').read()
    open(el + '/rules/' + pid + '.json', 'wb').write(b)
    profiles.append({'id': pid, 'file': 'rules/' + pid + '.json',
                     'sha256': hashlib.sha256(b).hexdigest()})
json.dump({'format': 'quorum-parameters/2', 'group': 'P-256', 'key_ceremony': None,
           'previous_round': None, 'roll_hash': hashlib.sha256(roll).hexdigest(), 'round': 1,
           'rules': profiles, 'threshold': 1, 'trustees': 1},
          open(el + '/parameters.json', 'w'), indent=2)
# base-hash = H_T("quorum/v1/election/base-hash"; manifest, parameters),
# each field as its u32 big-endian length and bytes (C-2.1)
def h_t(tag, *fields):
    h = hashlib.sha256()
    for f in (tag.encode(),) + fields:
        h.update(len(f).to_bytes(4, 'big') + f)
    return h.hexdigest()
params = open(el + '/parameters.json', 'rb').read()
open(el + '/base-hash', 'w').write(h_t('quorum/v1/election/base-hash', manifest, params) + '\n')
# the joint key: 7*G, as tests/voter/daemon.c
open(el + '/joint-key', 'w').write(
    '048e533b6fa0bf7b4625bb30667c01fb607ef9f8b8a80fef5b300628703187b2a3'
    '73eb1dbde03318366d069f83a6f5900053c73633cb041b21c55e1a86c1f400b4\n')
open(t + '/roll.csv', 'wb').write(roll)
with open(t + '/cred/passphrase', 'w') as f:
    f.write('correct horse battery staple\n')
os.chmod(t + '/cred/passphrase', 0o400)

os.makedirs('/run/systemd/journal', exist_ok=True)
jsock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); jsock.bind('/run/systemd/journal/socket')
nsock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); nsock.bind('/run/quorum-notify')
notes, entries = [], []
def drain(secs):
    end = time.time() + secs
    while time.time() < end:
        r, _, _ = select.select([jsock, nsock], [], [], 0.05)
        for s in r:
            m = s.recv(1 << 16).decode('utf-8', 'replace')
            (notes if s is nsock else entries).append(m)

err = open(t + '/stderr', 'w')
st = os.fstat(err.fileno())
env = dict(os.environ, JOURNAL_STREAM='%d:%d' % (st.st_dev, st.st_ino),
           NOTIFY_SOCKET='/run/quorum-notify', WATCHDOG_USEC='400000',
           CREDENTIALS_DIRECTORY=t + '/cred', QUORUM_TEST_CHEAP_KDF='1')
state = t + '/state'
run = '/run/quorum/s1'
os.makedirs('/run/quorum', exist_ok=True)
d = subprocess.Popen([build + '/voter/quorum-ballotd-test', '--no-config', '--election', el,
                      '--station', 's1', '--state', state, '--socket-dir', run,
                      '--key-credential', 'passphrase'],
                     stdout=err, stderr=err, env=env)
for _ in range(200):
    drain(0.05)
    if any('READY=1' in n for n in notes) or d.poll() is not None:
        break
if not any('READY=1' in n for n in notes):
    fail('no READY=1 (daemon exit %s)' % d.poll())
elif not os.path.exists(run + '/admin.sock'):
    fail('READY=1 before the admin socket exists')
for s in ('admin', 'operator', 'booth'):
    if os.path.exists('%s/%s.sock' % (state, s)):
        fail('%s.sock in the state directory, not only in %s' % (s, run))
ballot = [build + '/voter/quorum-ballot', '--state', run]
token = ''
for args in (['import-roll', t + '/roll.csv'], ['open'], ['checkin', 'V0001'],
             ['checkin', 'V0009'], ['status']):
    r = subprocess.run(ballot + args, capture_output=True, text=True)
    want = 1 if args[-1] == 'V0009' else 0  # V0009 is 17 on polling day
    if r.returncode != want:
        fail('quorum-ballot %s: exit %d: %s' % (' '.join(args), r.returncode, r.stdout + r.stderr))
    if args == ['checkin', 'V0001']:
        import re
        m = re.findall(r'[0-9a-f]{32}', r.stdout)
        token = m[-1] if m else ''
        if not token:
            fail('checkin printed no token: ' + r.stdout)
drain(1.0)
d.send_signal(signal.SIGTERM)
try:
    rc = d.wait(30)
except subprocess.TimeoutExpired:
    d.kill(); rc = 'hung'
drain(0.3)
if rc != 0:
    fail('exit status after SIGTERM: %s (not a clean stop)' % rc)
if not any('WATCHDOG=1' in n for n in notes):
    fail('no WATCHDOG=1 with WATCHDOG_USEC=400000')
if not notes or 'STOPPING=1' not in notes[-1]:
    fail('STOPPING=1 is not the last notification: %r' % notes[-3:])

fields = []
for e in entries:
    f = {}
    for line in e.split('\n'):
        if '=' in line:
            k, v = line.split('=', 1); f[k] = v
    fields.append(f)
for f in fields:
    for k in ('MESSAGE', 'PRIORITY', 'EVENT', 'ELECTION', 'STATION', 'PROFILES'):
        if not f.get(k):
            fail('journal entry without %s: %r' % (k, f))
    if 'RULE' not in f:
        fail('journal entry without a RULE field: %r' % f)
    if f.get('PROFILES') and f['PROFILES'] != 'UL-2025,CH1':
        fail('PROFILES is not the election\'s profiles UL-2025,CH1: %r' % f)
refused = [f for f in fields if f.get('EVENT') == 'check-in-refused']
if len(refused) != 1:
    fail('%d check-in-refused entries, not 1 (the under-18 voter)' % len(refused))
elif refused[0].get('RULE') != 'UL16.eligible':
    fail('the under-18 refusal has RULE=%r, not the rule that decided it, UL16.eligible'
         % refused[0].get('RULE'))
for f in fields:
    if f.get('RULE') and f.get('EVENT') != 'check-in-refused':
        fail('RULE=%s on an event no rule decided: %r' % (f['RULE'], f))

    if f.get('STATION') != 's1' or f.get('SYSLOG_IDENTIFIER') != 'quorum-ballotd':
        fail('wrong STATION or SYSLOG_IDENTIFIER: %r' % f)
events = {f.get('EVENT') for f in fields}
for want in ('station-ready', 'listening-in', 'roll-imported', 'poll-opened', 'shutting-down'):
    if want not in events:
        fail('no EVENT=%s in the journal (events: %s)' % (want, sorted(events)))
secrets = [token] if token else []
for line in roll.decode().splitlines()[1:]:
    cols = line.split(',')
    secrets += [c for c in cols[:2] if len(c) >= 2]
for e in entries:
    for s in secrets:
        if s in e:
            fail('journal entry holds a roll id, name or token (%s): %s' % (s, e.replace('\n', ' | ')))
if open(t + '/stderr').read():
    fail('stderr not empty under the journal: ' + open(t + '/stderr').read())
print('%d journal entries, events %s; notifications %s' %
      (len(entries), sorted(events), sorted(set(n.split('\n')[0] for n in notes))))
subprocess.run(['rm', '-rf', t])
sys.exit(1 if fails else 0)
