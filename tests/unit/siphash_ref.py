#!/usr/bin/env python3
"""siphash_ref.py - an independent SipHash-c-d, to check src/util.c against.

    python3 tests/unit/siphash_ref.py [C D [COUNT]]

Written from the SipHash paper (Aumasson and Bernstein, 2012) with Python's
integers, byte by byte, apart from the C code.  It first checks itself
against the published SipHash-2-4 vectors (key 00 01 .. 0f, message
00 01 .. n-1), then prints SipHash-C-D (default 1-3) of the messages of
length 0 .. COUNT-1 (default 64) under that key, one 0x%016x per line:
the table tests/unit/test_util.c holds for the variant hash_words() uses.
"""
import sys

MASK = 2**64 - 1

# Published SipHash-2-4 outputs for n = 0..15 (the paper's test key and
# messages; n = 15 is the worked example of its appendix).
PUBLISHED_24 = [
    0x726fdb47dd0e0e31, 0x74f839c593dc67fd, 0x0d6c8009d9a94f5a, 0x85676696d7fb7e2d,
    0xcf2794e0277187b7, 0x18765564cd99a68d, 0xcbc9466e58fee3ce, 0xab0200f58b01d137,
    0x93f5f5799a932462, 0x9e0082df0ba9e4b0, 0x7a5dbbc594ddb9f3, 0xf4b32f46226bada7,
    0x751e8fbc860ee5fb, 0x14ea5627c0843d90, 0xf723ca908e7af2ee, 0xa129ca6149be45e5,
]


def rotl(x, b):
    return ((x << b) | (x >> (64 - b))) & MASK


def sipround(v):
    a, b, c, d = v
    a = (a + b) & MASK
    b = rotl(b, 13) ^ a
    a = rotl(a, 32)
    c = (c + d) & MASK
    d = rotl(d, 16) ^ c
    a = (a + d) & MASK
    d = rotl(d, 21) ^ a
    c = (c + b) & MASK
    b = rotl(b, 17) ^ c
    c = rotl(c, 32)
    return [a, b, c, d]


def siphash(c_rounds, d_rounds, key, msg):
    k0 = int.from_bytes(key[:8], "little")
    k1 = int.from_bytes(key[8:16], "little")
    v = [k0 ^ int.from_bytes(b"somepseu", "big"), k1 ^ int.from_bytes(b"dorandom", "big"),
         k0 ^ int.from_bytes(b"lygenera", "big"), k1 ^ int.from_bytes(b"tedbytes", "big")]
    padded = bytes(msg) + bytes(7 - len(msg) % 8) + bytes([len(msg) & 0xff])
    for off in range(0, len(padded), 8):
        m = int.from_bytes(padded[off:off + 8], "little")
        v[3] ^= m
        for _ in range(c_rounds):
            v = sipround(v)
        v[0] ^= m
    v[2] ^= 0xff
    for _ in range(d_rounds):
        v = sipround(v)
    return v[0] ^ v[1] ^ v[2] ^ v[3]


def main():
    c, d = (int(sys.argv[1]), int(sys.argv[2])) if len(sys.argv) > 2 else (1, 3)
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 64
    key = bytes(range(16))
    for n, want in enumerate(PUBLISHED_24):
        got = siphash(2, 4, key, bytes(range(n)))
        if got != want:
            sys.exit("siphash_ref: SipHash-2-4 of %d bytes is %#018x, published %#018x"
                     % (n, got, want))
    for n in range(count):
        print("0x%016x" % siphash(c, d, key, bytes(range(n))))


if __name__ == "__main__":
    main()
