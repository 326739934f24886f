#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Independent check of quorum-audit output, written from docs/spec/audit.md
and the C2SP specs only (no project code): verifier-key parsing and key ID,
the signed checkpoint, witness cosignatures, and a tlog-proof's inclusion
proof (RFC 9162 section 2.1.3.2).

usage: c2sp_check.py VKEY_FILE PROOF_FILE ENTRY_FILE [WITNESS_VKEY_FILE]
       c2sp_check.py --self-test
Exit 0 if everything verifies, 1 if not, 2 if Python's `cryptography` is
missing (Debian: python3-cryptography, installed by scripts/setup): the
check is required, never skipped.

--self-test checks this verifier itself against published signed-note
vectors: the keys, text and signatures of golang.org/x/mod/sumdb/note
(note_test.go: TestNewVerifier, TestNewSigner, TestSign, TestOpen).
"""
import base64
import hashlib
import struct
import sys

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey, Ed25519PublicKey)
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
except ImportError:
    print("c2sp_check: FAILED: Python's cryptography module is missing "
          "(install python3-cryptography; scripts/setup does)", file=sys.stderr)
    sys.exit(2)


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


# golang.org/x/mod/sumdb/note/note_test.go
GO_PETER_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
GO_PETER_SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
GO_ENOCH_VKEY = "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop"
GO_TEXT = (b"If you think cryptography is the answer to your problem,\n"
           b"then you don't know what your problem is.\n")
GO_PETER_SIG = ("\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZ"
                "SNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n").encode()
GO_ENOCH_SIG = ("\u2014 EnochRoot rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/5n2tiOHp+vAF1aGr"
                "Q5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n").encode()


def must_fail(f, what):
    try:
        f()
    except (AssertionError, ValueError, InvalidSignature):
        return
    raise AssertionError("accepted: " + what)


def self_test():
    peter = parse_vkey(GO_PETER_VKEY)
    enoch = parse_vkey(GO_ENOCH_VKEY)
    assert peter[2].hex() == "c74f20a3" and enoch[2].hex() == "af0cfe78"
    # The private key: PRIVATE+KEY+name+id+base64(0x01 || seed).
    pfx, key, name, keyid, b64 = GO_PETER_SKEY.split("+", 4)
    raw = base64.b64decode(b64, validate=True)
    assert (pfx, key, name, keyid, raw[0]) == ("PRIVATE", "KEY", "PeterNeumann", "c74f20a3", 1)
    sk = Ed25519PrivateKey.from_private_bytes(raw[1:])
    pk = sk.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert pk == base64.b64decode(GO_PETER_VKEY.split("+")[2])[1:], "skey/vkey pair"
    # TestSign: Ed25519 is deterministic; the published signature comes back.
    sig = base64.b64encode(raw_id(peter) + sk.sign(GO_TEXT)).decode()
    assert ("\u2014 PeterNeumann %s\n" % sig).encode() == GO_PETER_SIG, "TestSign"
    # TestOpen: both verify; an unknown key is ignored; a spliced one fails.
    note = GO_TEXT + b"\n" + GO_PETER_SIG + GO_ENOCH_SIG
    text, ok = verify_note(note, [peter, enoch])
    assert text == GO_TEXT and ok == {"PeterNeumann", "EnochRoot"}
    assert verify_note(note, [peter])[1] == {"PeterNeumann"}
    i = note.index(b"x08go") + 20
    spliced = note[:i] + b"ABCD" + note[i:]
    must_fail(lambda: verify_note(spliced, [peter]), "spliced signature")
    flipped = note[:3] + bytes([note[3] ^ 0x20]) + note[4:]
    must_fail(lambda: verify_note(flipped, [peter]), "changed text")
    # TestNewVerifier's bad keys: wrong length, unknown algorithm.
    for bad in ("PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==",
                "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"):
        must_fail(lambda: parse_vkey(bad), bad)
    print("c2sp_check: self-test ok (golang.org/x/mod/sumdb/note vectors)")


def raw_id(key):
    return key[2]


def main():
    if sys.argv[1:] == ["--self-test"]:
        self_test()
        return
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
