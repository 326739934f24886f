#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-3.0-or-later
"""An independent reading of docs/spec/protocol.md P-7.1 / P-7.5: rebuild the
exact bytes of a station record from its parsed JSON, as the spec describes
them, and compare them (and their SHA-256) with an exported file.

Usage: station_record_bytes.py EXPORTED [STORED]
Exit 0 if EXPORTED's bytes are exactly the spec's serialisation of its own
content (and equal to STORED's bytes, if given); 1 otherwise, naming the
first differing byte.  Uses only Python's json and hashlib: it shares no
code with the C writer (jansson).
"""
import hashlib
import json
import re
import sys


def p71_bytes(obj):
    """P-7.1: RFC 8259 JSON, no whitespace, object keys in ascending order of
    their UTF-8 bytes, integers in decimal, strings escaped as P-7.1 says:
    \\" \\\\ \\b \\f \\n \\r \\t, other code points below 0x20 and every one
    above 0x7E except DEL as \\uXXXX with UPPER-case hex (UTF-16 surrogate
    pairs above 0xFFFF); '/' and DEL (0x7F) are not escaped."""
    text = json.dumps(obj, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    # Python escapes DEL and writes lower-case hex; the spec says otherwise
    text = text.replace("\\u007f", "\x7f")
    text = re.sub(r"\\u([0-9a-f]{4})", lambda m: "\\u" + m.group(1).upper(), text)
    return text.encode("ascii")


def main(argv):
    if len(argv) not in (2, 3):
        print(__doc__, file=sys.stderr)
        return 2
    got = open(argv[1], "rb").read()
    obj = json.loads(got.decode("ascii"))
    if not isinstance(obj, dict) or obj.get("format", "").split("/")[0] != "quorum-station-record":
        print("not a station record", file=sys.stderr)
        return 1
    want = p71_bytes(obj)
    if got != want:
        i = next((k for k in range(min(len(got), len(want))) if got[k] != want[k]),
                 min(len(got), len(want)))
        print("%s: not the P-7.1 bytes: first difference at byte %d (%r vs %r), "
              "%d bytes vs %d" % (argv[1], i, got[i:i + 20], want[i:i + 20], len(got),
                                  len(want)), file=sys.stderr)
        return 1
    if len(argv) == 3:
        stored = open(argv[2], "rb").read()
        if hashlib.sha256(stored).digest() != hashlib.sha256(want).digest():
            print("%s: SHA-256 %s, the stored record's is %s" %
                  (argv[1], hashlib.sha256(want).hexdigest(),
                   hashlib.sha256(stored).hexdigest()), file=sys.stderr)
            return 1
    print(hashlib.sha256(want).hexdigest())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
