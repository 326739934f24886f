#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""Independent verifier for docs/spec/crypto.md (C-1, C-2, C-4), written
from the spec text alone: pure-Python P-256, SHA-256 transcript, Schnorr,
Chaum-Pedersen and range proofs (compact and full encodings).
Usage: spec_verify.py VECTORS   (lines name=hex / name=int)."""
import hashlib, sys

p = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffff
n = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551
b = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b
G = (0x6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296,
     0x4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5)

def add(P, Q):
    if P is None: return Q
    if Q is None: return P
    if P[0] == Q[0] and (P[1] + Q[1]) % p == 0: return None
    if P == Q: l = (3 * P[0] * P[0] - 3) * pow(2 * P[1], -1, p) % p
    else: l = (Q[1] - P[1]) * pow(Q[0] - P[0], -1, p) % p
    x = (l * l - P[0] - Q[0]) % p
    return (x, (l * (P[0] - x) - P[1]) % p)

def mul(k, P):
    R = None
    k %= n
    while k:
        if k & 1: R = add(R, P)
        P = add(P, P); k >>= 1
    return R

def neg(P): return None if P is None else (P[0], (-P[1]) % p)

def dec_point(bs):  # C-1.2
    assert len(bs) == 65 and bs[0] == 4, "encoding"
    x, y = int.from_bytes(bs[1:33], 'big'), int.from_bytes(bs[33:], 'big')
    assert x < p and y < p, "coordinate >= p"
    assert (y * y - (x ** 3 - 3 * x + b)) % p == 0, "not on curve"
    return (x, y)

def enc_point(P):
    if P is None: return b'\x00'  # C-2.1: infinity as a 1-byte field
    return b'\x04' + P[0].to_bytes(32, 'big') + P[1].to_bytes(32, 'big')

def dec_scalar(bs):
    assert len(bs) == 32
    v = int.from_bytes(bs, 'big'); assert v < n, "scalar >= n"
    return v

class T:  # C-2
    def __init__(self, tag): self.h = hashlib.sha256(); self.f(tag.encode())
    def f(self, bs): self.h.update(len(bs).to_bytes(4, 'big') + bs)
    def pt(self, P): self.f(enc_point(P))
    def u64(self, v): self.f(v.to_bytes(8, 'big'))
    def ch(self): return int.from_bytes(self.h.digest(), 'big') % n

def schnorr(ctx, C, pf):  # C-4.1
    c, u = dec_scalar(pf[:32]), dec_scalar(pf[32:])
    h = add(mul(u, G), neg(mul(c, C)))                       # C-4.1.4
    t = T("quorum/v1/proof/schnorr"); t.f(ctx); t.pt(C); t.pt(h)
    return t.ch() == c                                       # C-4.1.5

def cp(ctx, S, A, M, pf):  # C-4.2
    c, v = dec_scalar(pf[:32]), dec_scalar(pf[32:])
    a = add(mul(v, G), neg(mul(c, S)))                       # C-4.2.4
    bb = add(mul(v, A), neg(mul(c, M)))                      # C-4.2.5
    t = T("quorum/v1/proof/chaum-pedersen"); t.f(ctx)
    for P in (S, A, M, a, bb): t.pt(P)
    return t.ch() == c                                       # C-4.2.6

def range_compact(ctx, K, lo, hi, al, be, pf):  # C-4.3.6-8
    cnt = hi - lo + 1; assert len(pf) == 64 * cnt
    t = T("quorum/v1/proof/range"); t.f(ctx); t.pt(K); t.u64(lo); t.u64(hi); t.pt(al); t.pt(be)
    s = 0
    for k in range(cnt):
        j = lo + k
        c, v = dec_scalar(pf[64 * k:64 * k + 32]), dec_scalar(pf[64 * k + 32:64 * k + 64])
        a = add(mul(v, G), neg(mul(c, al)))
        bb = add(mul(v, K), neg(mul(c, add(be, neg(mul(j, G))))))
        t.pt(a); t.pt(bb); s = (s + c) % n
    return t.ch() == s

def range_full(ctx, K, lo, hi, al, be, pf):  # C-4.3.9, equations checked one by one
    cnt = hi - lo + 1; W = 194; assert len(pf) == W * cnt
    t = T("quorum/v1/proof/range"); t.f(ctx); t.pt(K); t.u64(lo); t.u64(hi); t.pt(al); t.pt(be)
    s, ok = 0, True
    for k in range(cnt):
        j = lo + k; o = pf[W * k:W * (k + 1)]
        a, bb = dec_point(o[:65]), dec_point(o[65:130])
        c, v = dec_scalar(o[130:162]), dec_scalar(o[162:194])
        ok &= add(mul(v, G), neg(mul(c, al))) == a
        ok &= add(mul(v, K), neg(mul(c, add(be, neg(mul(j, G)))))) == bb
        t.f(o[:65]); t.f(o[65:130]); s = (s + c) % n
    return ok and t.ch() == s

def main():
    recs, cur = [], {}
    for line in open(sys.argv[1]):
        k, v = line.strip().split('=', 1)
        if k == 'lo' and 'ct' in cur: recs.append(cur); cur = {kk: cur[kk] for kk in ('ctx', 'K')}
        cur[k] = v
    recs.append(cur)
    ctx = bytes.fromhex(recs[0]['ctx']); K = dec_point(bytes.fromhex(recs[0]['K']))
    results = []
    for r in recs:
        if 'ct' in r:
            ct = bytes.fromhex(r['ct']); al, be = dec_point(ct[:65]), dec_point(ct[65:])
            lo, hi = int(r['lo']), int(r['hi'])
            comp, full = bytes.fromhex(r['range_compact']), bytes.fromhex(r['range_full'])
            results.append(("range compact [%d,%d]" % (lo, hi), range_compact(ctx, K, lo, hi, al, be, comp)))
            results.append(("range full [%d,%d]" % (lo, hi), range_full(ctx, K, lo, hi, al, be, full)))
            bad = bytearray(comp); bad[40] ^= 1
            results.append(("range altered must FAIL", not range_compact(ctx, K, lo, hi, al, be, bytes(bad))))
            results.append(("range other hi must FAIL", not range_compact(ctx, K, lo, hi + 1, al, be, comp + comp[:64])))
    r = recs[-1]
    C = dec_point(bytes.fromhex(r['schnorr_C']))
    results.append(("schnorr", schnorr(ctx, C, bytes.fromhex(r['schnorr']))))
    results.append(("schnorr other ctx must FAIL", not schnorr(bytes(32), C, bytes.fromhex(r['schnorr']))))
    A, M = dec_point(bytes.fromhex(r['cp_A'])), dec_point(bytes.fromhex(r['cp_M']))
    results.append(("chaum-pedersen", cp(ctx, C, A, M, bytes.fromhex(r['cp']))))
    results.append(("chaum-pedersen wrong M must FAIL", not cp(ctx, C, A, add(M, G), bytes.fromhex(r['cp']))))
    for name, ok in results: print("%-36s %s" % (name, "ok" if ok else "MISMATCH"))
    sys.exit(0 if all(ok for _, ok in results) else 1)

main()
