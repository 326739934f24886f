#!/usr/bin/env python3
"""Known answers of the mix-net, written from docs/spec/crypto.md C-8.1 and
C-8.6 alone (own P-256 field arithmetic and transcript): the generators
H, h_1..h_3 for ctx = 01..20 and the name points of "张伟".  Each value
must appear in tests/crypto/test_shuffle.c, where the C library is checked
against it, so neither the spec's bytes nor the code can drift alone.
Usage: shuffle_kat.py tests/crypto/test_shuffle.c"""
import hashlib
import re
import struct
import sys

P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffff
B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b


def field(x):  # C-2.1
    return struct.pack('>I', len(x)) + x


def transcript(tag, *fields):
    return hashlib.sha256(field(tag.encode()) + b''.join(field(f) for f in fields)).digest()


def lift(x):  # C-8.1.2
    if x >= P:
        return None
    rhs = (x * x * x - 3 * x + B) % P
    y = pow(rhs, (P + 1) // 4, P)
    if y * y % P != rhs:
        return None
    if y & 1:
        y = P - y
    return x, y


def enc(pt):
    return '04%064x%064x' % pt


def generator(ctx, i):  # C-8.1.1
    j = 0
    while True:
        x = transcript('quorum/v1/shuffle/generator', ctx, struct.pack('>I', i), struct.pack('>I', j))
        pt = lift(int.from_bytes(x, 'big'))
        if pt:
            return pt
        j += 1


def name_points(name, w):  # C-8.6
    d = name.encode('utf-8')
    assert len(d) <= 30 * w - 1
    payload = bytes([len(d)]) + d
    payload += bytes(30 * w - len(payload))
    pts = []
    for k in range(w):
        for j in range(256):
            pt = lift(int.from_bytes(b'\0' + payload[30 * k:30 * k + 30] + bytes([j]), 'big'))
            if pt:
                break
        pts.append(pt)
    return pts


def main():
    src = open(sys.argv[1], encoding='utf-8').read()
    # hex strings split over adjacent C literals: join them
    joined = re.sub(r'"\s*"', '', src)
    ctx = bytes(range(1, 33))
    want = [enc(generator(ctx, i)) for i in range(4)] + [enc(p) for p in name_points('张伟', 2)]
    bad = [w for w in want if w not in joined]
    for w in bad:
        print('not in the C test:', w)
    print('%d of %d known answers agree' % (len(want) - len(bad), len(want)))
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
