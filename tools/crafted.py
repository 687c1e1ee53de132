#!/usr/bin/env python3
"""crafted.py - conntrack -L text lines for the hash-flooding test (review M1).

    crafted.py [-n COUNT] [--random] [--against flow|store] [--seed N]
               [--local ADDR] [--port PORT] [--prefix ADDR]

Prints COUNT (default 40000) passive TCP entries in SYN_RECV: peers of one
IPv6 /64 (--prefix, default 2001:db8:bad:1::), each with one connection to
[ADDR]:PORT (default [2001:db8::1]:443), as `conntrack -L` prints them.
Read them with `lsconntrack --stdin -n --local ADDR`.

The peers' interface identifiers are chosen so that the hash lsconntrack
used before it was keyed (hash_words() chaining the splitmix64 finaliser,
unkeyed: see doc/performance.md, "Hash flooding") gives every key the same low 32 bits
(--against flow: the flow index's key; --against store: the per-connection
store's key, whose top 32 bits choose its slot): all keys then share one
home slot at every table size, and each insert walks the whole cluster.
That is what anyone holding a /64 could do by sending one SYN per address.
With --random the identifiers are random instead (seeded, reproducible):
the same number of lines, the same shape, the cost of an ordinary table.

The keyed hash gives both inputs the same cost; tests/cli/run.sh and
bench/hashflood.sh compare them.
"""
import argparse
import ipaddress
import random
import sys

M64 = (1 << 64) - 1
GOLD = 0x9E3779B97F4A7C15
C1 = 0xBF58476D1CE4E5B9
C2 = 0x94D049BB133111EB
C1_INV = pow(C1, -1, 1 << 64)
C2_INV = pow(C2, -1, 1 << 64)
AF_INET6 = 10
TCP = 6
PASSIVE = 1


def mix(x):
    """The splitmix64 finaliser (the old u64_mix())."""
    x ^= x >> 30
    x = (x * C1) & M64
    x ^= x >> 27
    x = (x * C2) & M64
    x ^= x >> 31
    return x


def unshift(y, s):
    """Inverts y = x ^ (x >> s)."""
    x = y
    for _ in range(64 // s + 1):
        x = y ^ (x >> s)
    return x


def unmix(y):
    """The inverse of mix(): each step of it is a bijection."""
    y = unshift(y, 31)
    y = (y * C2_INV) & M64
    y = unshift(y, 27)
    y = (y * C1_INV) & M64
    return unshift(y, 30)


def words(b):
    """16 address bytes as the two native (little-endian) words memcpy gives."""
    return int.from_bytes(b[:8], "little"), int.from_bytes(b[8:], "little")


def old_hash(ws):
    h = GOLD
    for w in ws:
        h = mix(h ^ w)
    return h


def crafted_iid(target, pre, later):
    """The second address word that makes old_hash([pre, iid] + later) == target."""
    h = target
    for w in reversed(later):
        h = unmix(h) ^ w
    # h is now the state after folding in iid: mix(mix(GOLD ^ pre) ^ iid).
    return unmix(h) ^ mix(GOLD ^ pre)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=40000, metavar="COUNT")
    ap.add_argument("--random", action="store_true")
    ap.add_argument("--against", choices=("flow", "store"), default="flow")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--local", default="2001:db8::1")
    ap.add_argument("--port", type=int, default=443)
    ap.add_argument("--prefix", default="2001:db8:bad:1::")
    a = ap.parse_args()

    local = ipaddress.IPv6Address(a.local)
    pre_b = ipaddress.IPv6Address(a.prefix).packed[:8]
    pre = int.from_bytes(pre_b, "little")
    lw = words(local.packed)
    rng = random.Random(a.seed)
    low = 0x12345678
    out = []
    for i in range(a.n):
        sport = 1024 + i % 64000
        if a.random:
            iid = rng.getrandbits(64)
        elif a.against == "flow":
            # key_hash(): peer, then port << 24 | family << 16 | proto << 8 | dir.
            w2 = a.port << 24 | AF_INET6 << 16 | TCP << 8 | PASSIVE
            iid = crafted_iid((i + 1) << 32 | low, pre, [w2])
        else:
            # conn_key(): src, dst, ports/zone/proto/family, 0 (no id in text);
            # the slot comes from the top 32 bits.
            w4 = sport << 48 | a.port << 32 | TCP << 8 | AF_INET6
            iid = crafted_iid(low << 32 | (i + 1), pre, [lw[0], lw[1], w4, 0])
        peer = ipaddress.IPv6Address(pre_b + iid.to_bytes(8, "little"))
        out.append(
            "tcp      6 59 SYN_RECV src=%s dst=%s sport=%d dport=%d "
            "src=%s dst=%s sport=%d dport=%d mark=0 use=1\n"
            % (peer, local, sport, a.port, local, peer, a.port, sport))
    sys.stdout.write("".join(out))


if __name__ == "__main__":
    main()
