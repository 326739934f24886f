#!/usr/bin/env python3
"""Independent check of quorum-audit output, written from docs/spec/audit.md
and the C2SP specs only (no project code): verifier-key parsing and key ID,
the signed checkpoint, witness cosignatures, and a tlog-proof's inclusion
proof (RFC 9162 section 2.1.3.2).

usage: c2sp_check.py VKEY_FILE PROOF_FILE ENTRY_FILE [WITNESS_VKEY_FILE]
Exit 0 if everything verifies, 1 if not, 77 if `cryptography` is missing.
"""
import base64
import hashlib
import struct
import sys

try:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
except ImportError:  # pragma: no cover
    sys.exit(77)


def parse_vkey(text):
    name, keyid, b64 = text.strip().split("+", 2)
    raw = base64.b64decode(b64, validate=True)
    alg, pk = raw[0], raw[1:]
    assert len(pk) == 32 and alg in (1, 4)
    want = hashlib.sha256(name.encode() + b"\n" + bytes([alg]) + pk).digest()[:4]
    assert want.hex() == keyid, "key ID"
    return name, alg, bytes.fromhex(keyid), Ed25519PublicKey.from_public_bytes(pk)


def verify_note(note, keys):
    i = note.rindex(b"\n\n")
    text, sigs = note[: i + 1], note[i + 2 :]
    verified = set()
    for line in sigs.decode().splitlines():
        assert line.startswith("\u2014 ")
        name, b64 = line[2:].split(" ")
        raw = base64.b64decode(b64, validate=True)
        for kname, alg, kid, pub in keys:
            if kname != name or kid != raw[:4]:
                continue  # unknown keys are ignored
            if alg == 1:
                pub.verify(raw[4:], text)
            else:
                (t,) = struct.unpack(">Q", raw[4:12])
                msg = b"cosignature/v1\ntime %d\n" % t + text
                pub.verify(raw[12:], msg)
            verified.add(kname)
    return text, verified


def node(l, r):
    return hashlib.sha256(b"\x01" + l + r).digest()


def verify_inclusion(index, size, leaf, proof, root):
    if index >= size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node(p, r)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            r = node(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root


def main():
    log = parse_vkey(open(sys.argv[1]).read())
    keys = [log]
    if len(sys.argv) > 4:
        keys.append(parse_vkey(open(sys.argv[4]).read()))
    data = open(sys.argv[2], "rb").read()
    entry = open(sys.argv[3], "rb").read()
    head, note = data.split(b"\n\n", 1)
    lines = head.decode().split("\n")
    assert lines[0] == "c2sp.org/tlog-proof@v1"
    assert lines[1].startswith("index ")
    index = int(lines[1][6:])
    proof = [base64.b64decode(h, validate=True) for h in lines[2:]]
    text, verified = verify_note(note, keys)
    assert log[0] in verified, "log signature"
    if len(keys) > 1:
        assert keys[1][0] in verified, "cosignature"
    origin, size, root = text.decode().split("\n")[:3]
    assert origin == log[0], "origin"
    leaf = hashlib.sha256(b"\x00" + entry).digest()
    ok = verify_inclusion(index, int(size), leaf, proof, base64.b64decode(root))
    assert ok, "inclusion"
    print("c2sp_check: ok (%s, index %d, size %s, %d signatures checked)"
          % (origin, index, size, len(verified)))


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # any failure is a failed check
        print("c2sp_check: FAILED: %r" % (e,), file=sys.stderr)
        sys.exit(1)
