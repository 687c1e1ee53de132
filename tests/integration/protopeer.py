#!/usr/bin/env python3
"""Traffic of protocols without a socket tool, for tests/integration/proto.sh.

Raw sockets (root) for GRE and SCTP, whose kernels modules may be missing:
each side's raw socket takes the packets, so no ICMP "protocol unreachable"
mixes in.  Every sender waits for as many answers as it sent (or exits 1).

  protopeer.py gre-echo N                 answer N GRE packets, each to its sender
  protopeer.py gre-send DST N SIZE        N GRE packets of SIZE payload bytes
  protopeer.py udplite-echo ADDR PORT N   answer N UDP-Lite datagrams
  protopeer.py udplite-send DST PORT N SIZE
  protopeer.py sctp-server N              answer an SCTP handshake (raw)
  protopeer.py sctp-client DST SPORT DPORT  INIT, COOKIE_ECHO: ESTABLISHED
  protopeer.py sctp-shutdown DST SPORT DPORT  then a SHUTDOWN: SHUTDOWN_SENT

The SCTP packets are the handshake's four chunks with correct verification
tags and CRC32c, which is what the conntrack SCTP tracker checks.
"""
import socket
import struct
import sys

IPPROTO_GRE = 47
IPPROTO_SCTP = 132
IPPROTO_UDPLITE = 136
TIMEOUT = 5.0


def fail(why):
    print("protopeer: " + why, file=sys.stderr)
    sys.exit(1)


def payload(msg):
    """A raw IPv4 socket hands over the IP header too."""
    return msg[(msg[0] & 0x0F) * 4:]


def gre_echo(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, IPPROTO_GRE)
    s.settimeout(TIMEOUT * 4)
    print("ready", flush=True)
    for _ in range(n):
        msg, peer = s.recvfrom(65535)
        s.sendto(payload(msg), peer)


def gre_send(dst, n, size):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, IPPROTO_GRE)
    s.settimeout(TIMEOUT)
    # GRE version 0, no key: flags 0, protocol 0x0800 (IPv4).
    pkt = struct.pack("!HH", 0, 0x0800) + bytes(size)
    for _ in range(n):
        s.sendto(pkt, (dst, 0))
        try:
            while True:
                msg, peer = s.recvfrom(65535)
                if peer[0] == dst:
                    break
        except socket.timeout:
            fail("no GRE answer from " + dst)


def udplite_echo(addr, port, n):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, IPPROTO_UDPLITE)
    s.bind((addr, port))
    s.settimeout(TIMEOUT * 4)
    print("ready", flush=True)
    for _ in range(n):
        msg, peer = s.recvfrom(65535)
        s.sendto(msg, peer)


def udplite_send(dst, port, n, size):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM, IPPROTO_UDPLITE)
    s.settimeout(TIMEOUT)
    for _ in range(n):
        s.sendto(bytes(size), (dst, port))
        try:
            s.recvfrom(65535)
        except socket.timeout:
            fail("no UDP-Lite answer from " + dst)


# ---- SCTP -----------------------------------------------------------------

def _crc32c_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


CRC_TABLE = _crc32c_table()


def crc32c(data):
    c = 0xFFFFFFFF
    for b in data:
        c = CRC_TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c ^ 0xFFFFFFFF


def sctp_packet(sport, dport, vtag, chunks):
    body = b"".join(chunks)
    hdr = struct.pack("!HHII", sport, dport, vtag, 0)
    crc = crc32c(hdr + body)
    # The checksum goes in little-endian byte order (RFC 4960, appendix B).
    return struct.pack("!HHI", sport, dport, vtag) + struct.pack("<I", crc) + body


def chunk(ctype, flags, value):
    c = struct.pack("!BBH", ctype, flags, 4 + len(value)) + value
    return c + bytes(-len(c) % 4)


INIT, INIT_ACK, SHUTDOWN, COOKIE_ECHO, COOKIE_ACK = 1, 2, 7, 10, 11
SERVER_TAG = 0x5EC0DA7A
COOKIE = b"lsct-cookie-0001"


def init_value(tag):
    # initiate tag, a_rwnd, outbound streams, inbound streams, initial TSN
    return struct.pack("!IIHHI", tag, 65536, 1, 1, 1)


def sctp_recv(s, want, src=None):
    while True:
        msg, peer = s.recvfrom(65535)
        if src and peer[0] != src:
            continue
        p = payload(msg)
        if len(p) >= 16 and p[12] == want:
            return p, peer


def sctp_server(n):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, IPPROTO_SCTP)
    s.settimeout(TIMEOUT * 4)
    my_tag = SERVER_TAG
    print("ready", flush=True)
    for _ in range(n):
        p, peer = sctp_recv(s, INIT)
        sport, dport = struct.unpack("!HH", p[:4])
        peer_tag = struct.unpack("!I", p[16:20])[0]
        cookie = chunk(7, 0, COOKIE)  # State Cookie parameter
        ack = chunk(INIT_ACK, 0, init_value(my_tag) + cookie)
        s.sendto(sctp_packet(dport, sport, peer_tag, [ack]), peer)
        p, peer = sctp_recv(s, COOKIE_ECHO, peer[0])
        s.sendto(sctp_packet(dport, sport, peer_tag, [chunk(COOKIE_ACK, 0, b"")]), peer)


def sctp_client(dst, sport, dport):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, IPPROTO_SCTP)
    s.settimeout(TIMEOUT)
    my_tag = 0x11C0FFEE
    try:
        s.sendto(sctp_packet(sport, dport, 0, [chunk(INIT, 0, init_value(my_tag))]), (dst, 0))
        p, _ = sctp_recv(s, INIT_ACK, dst)
        peer_tag = struct.unpack("!I", p[16:20])[0]
        s.sendto(sctp_packet(sport, dport, peer_tag, [chunk(COOKIE_ECHO, 0, COOKIE)]), (dst, 0))
        sctp_recv(s, COOKIE_ACK, dst)
    except socket.timeout:
        fail("SCTP handshake with " + dst + " timed out")


def sctp_shutdown(dst, sport, dport):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, IPPROTO_SCTP)
    # Cumulative TSN ack: the server's initial TSN, 1, less one.
    s.sendto(sctp_packet(sport, dport, SERVER_TAG, [chunk(SHUTDOWN, 0, struct.pack("!I", 0))]),
         (dst, 0))


def main(argv):
    if len(argv) < 2:
        fail("usage: see the file's header")
    cmd, a = argv[1], argv[2:]
    if cmd == "gre-echo":
        gre_echo(int(a[0]))
    elif cmd == "gre-send":
        gre_send(a[0], int(a[1]), int(a[2]))
    elif cmd == "udplite-echo":
        udplite_echo(a[0], int(a[1]), int(a[2]))
    elif cmd == "udplite-send":
        udplite_send(a[0], int(a[1]), int(a[2]), int(a[3]))
    elif cmd == "sctp-server":
        sctp_server(int(a[0]))
    elif cmd == "sctp-client":
        sctp_client(a[0], int(a[1]), int(a[2]))
    elif cmd == "sctp-shutdown":
        sctp_shutdown(a[0], int(a[1]), int(a[2]))
    else:
        fail("unknown command " + cmd)


if __name__ == "__main__":
    main(sys.argv)
