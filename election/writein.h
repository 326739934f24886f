/* SPDX-License-Identifier: GPL-3.0-or-later */
/*
 * writein.h -- the normal form of a written name (docs/spec/ballot.md
 * B-10.9): what the booth, the daemon and the count all apply before a
 * name is encoded (C-8.6) or matched against the roll.
 *
 * Unicode normalisation is ICU's (unorm2_getNFCInstance, the C API of
 * Debian's libicu); no Unicode table is kept here.  Nothing here is
 * secret in itself, but a name written on a ballot is as secret as a mark:
 * callers wipe their buffers (the UTF-16 scratch here is wiped).
 */
#ifndef QUORUM_ELECTION_WRITEIN_H
#define QUORUM_ELECTION_WRITEIN_H

#include <stddef.h>

#include "crypto/qerr.h"
#include "crypto/shuffle.h"

struct ballot_style; /* election/ballot.h */
struct ballot;

/* The longest normalised name a write-in slot carries (C-8.6, 59 bytes). */
#define WRITEIN_NAME_MAX NAMEPT_MAX_BYTES(NAMEPT_WIDTH)
/* The longest name accepted as input (before normalisation). */
#define WRITEIN_INPUT_MAX 256u

/* Normalise the UTF-8 name in[0..len) (B-10.9): NFC; full-width forms
 * U+FF01..U+FF5E folded to U+0021..U+007E and U+3000 to U+0020; leading
 * and trailing white space (Unicode White_Space) removed.  out receives
 * the result and a NUL (cap >= WRITEIN_NAME_MAX + 1), *outlen its length.
 * Errors: Q_ERR_ENCODING for input that is not UTF-8 or holds a control
 * character (C0, C1, DEL; a line break included) left after trimming -- the caller's message
 * names it; Q_ERR_RANGE for an input longer than WRITEIN_INPUT_MAX bytes or
 * a result longer than WRITEIN_NAME_MAX bytes; Q_ERR_ARG for cap too small;
 * Q_ERR_CRYPTO if ICU fails otherwise.  An input of only white space gives
 * the empty name (len 0, Q_OK). */
Q_MUST_CHECK qerr writein_normalise(const char *in, size_t len, char *out, size_t cap,
                                    size_t *outlen);

/* ---- the mix of write-in slots (B-10.8; run by quorum-tally's mix,
 * decrypt and combine, tally/mix.h, docs/spec/record.md R-12) ---- */

#define WRITEIN_TAG_MIX "quorum/v1/write-in/mix"

/* The C-8 context of mixer m's (0-based place in the chain) shuffle of
 * contest i's (0-based B-2 index) write-in tuples (B-10.8):
 * H_T("quorum/v1/write-in/mix"; H_B, u32(i), u32(m)). */
void writein_mix_ctx(uint8_t ctx[SHUFFLE_CTX_LEN], const uint8_t base_hash[32], uint32_t contest,
                     uint32_t mixer);

/* The width of contest i's tuple: 3 per slot (mark, name points), 0 for a
 * contest without slots. */
size_t writein_tuple_width(const struct ballot_style *st, size_t contest);

/* The mix's input for contest i (B-10.8): for each ballot bs[b] (of st's
 * shape), its tuple -- per slot s: the slot's mark ciphertext (selection
 * noptions - nwritein + s), then its NAMEPT_WIDTH name ciphertexts --
 * copied into out[b * w + k] (n * w allocated ciphertexts, w =
 * writein_tuple_width).  Q_ERR_ARG for a contest without slots or a ballot
 * of another shape; Q_ERR_NOMEM. */
Q_MUST_CHECK qerr writein_mix_input(const struct ballot_style *st, size_t contest,
                                    const struct ballot *const *bs, size_t n,
                                    elgamal_ct *const *out);

#endif
