#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
# Writes the frag-* seeds of tests/fuzz/fuzz_engine.c's mode 4 (fragments
# sealed by the harness with A's keys) into DIR (default: its corpus).
import os
import struct
import sys

out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "corpus", "engine")


def notify(n, data_len, next_pl=0):
    # a status notify of a private type (40000): B answers it and moves on
    return struct.pack(">BBHBBH", next_pl, 0, 8 + data_len, 0, 0, 40000) + bytes([0x5A]) * data_len


def rec(plain, number, total, first=41, flags=0, corrupt=False):
    return struct.pack(">HBBHB", len(plain) | (0x8000 if corrupt else 0), flags, number, total, first) + plain


def split(msg, n):
    per = len(msg) // n
    return [msg[i * per:(i + 1) * per if i + 1 < n else len(msg)] for i in range(n)]


msg = notify(0, 1200)
p3 = split(msg, 3)
seeds = {
    # in order, then the same request again (only fragment 1 answers it)
    "frag-in-order": [rec(p3[0], 1, 3), rec(p3[1], 2, 3), rec(p3[2], 3, 3),
                      rec(p3[1], 2, 3, flags=1), rec(p3[0], 1, 3, flags=1)],
    "frag-out-of-order-dup": [rec(p3[2], 3, 3), rec(p3[2], 3, 3), rec(p3[0], 1, 3),
                              rec(p3[0], 1, 3, corrupt=True), rec(p3[1], 2, 3)],
    "frag-totals": [rec(p3[0], 1, 3), rec(p3[1], 2, 2), rec(p3[1], 2, 4),
                    rec(p3[1], 1, 4, corrupt=True), rec(p3[0], 1, 4), rec(p3[2], 3, 4),
                    rec(b"", 4, 4)],
    "frag-limits": [rec(p3[0], 1, 129), rec(p3[0], 1, 128, flags=0x80), rec(p3[0], 1, 2),
                    rec(notify(0, 3000), 2, 2), rec(notify(0, 3000), 1, 40)]
    + [rec(bytes(1000), i, 40) for i in range(2, 40)],
    "frag-one": [rec(notify(0, 10), 1, 1), rec(split(notify(0, 100), 2)[0], 1, 2, flags=2)],
}
for name, recs in seeds.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(b"\x04" + b"".join(recs))
