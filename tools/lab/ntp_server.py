#!/usr/bin/python3
"""A minimal SNTP server (RFC 4330 server side) for the lab gateway.

Debian's NTP daemons (chrony, ntpsec) would also try to discipline the
machine's clock when installed; this answers client requests on the wire the
way a stratum-2 router does and touches nothing else.

It also answers ntpd's mode 7 "monlist" query (MON_GETLIST_1, request code
42) the way an old ntpd with monitoring on does: several 440-byte packets
listing recent clients. Such servers are the reflectors of NTP
amplification attacks; the lab's reflection attacks use this one.

usage: ntp_server.py LISTEN_ADDR
"""
import socket
import struct
import sys
import time

NTP_EPOCH_OFFSET = 2208988800  # seconds from 1900-01-01 to 1970-01-01


def ntp_ts(t):
    """64-bit NTP timestamp (32.32 fixed point, seconds since 1900)."""
    sec = int(t) + NTP_EPOCH_OFFSET
    frac = int((t - int(t)) * (1 << 32)) & 0xFFFFFFFF
    return struct.pack("!II", sec & 0xFFFFFFFF, frac)


def reply(request, t_recv):
    # leap 0, version copied from the client, mode 4 (server)
    version = (request[0] >> 3) & 7 or 4
    head = struct.pack("!BBbb", (version << 3) | 4, 2, request[2], -20)
    root = struct.pack("!II", 0x00000180, 0x00000300)          # delay, dispersion
    refid = socket.inet_aton("192.0.2.123")                        # upstream (doc address)
    ref_time = ntp_ts(t_recv - 37.5)
    originate = request[40:48]                                     # client's transmit time
    return head + root + refid + ref_time + originate + ntp_ts(t_recv) + ntp_ts(time.time())


def monlist(request, clients):
    """Mode 7 responses to a monlist request: 6 entries of 72 bytes per packet."""
    items = [clients[i:i + 6] for i in range(0, len(clients), 6)] or [[]]
    out = []
    for seq, chunk in enumerate(items):
        more = 0x40 if seq < len(items) - 1 else 0
        head = struct.pack("!BBBBHH", 0x80 | more | (request[0] & 0x38) | 7, seq, 3, 42, len(chunk), 72)
        body = b""
        for ip, count, first, last in chunk:
            body += struct.pack("!IIIIII", int(time.time() - last), int(last - first), 0, count,
                                int.from_bytes(socket.inet_aton(ip), "big"), 0)
            body += struct.pack("!HBBI", 123, 3, 4, 0) + bytes(40)
        out.append(head + body)
    return out


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: ntp_server.py LISTEN_ADDR")
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind((sys.argv[1], 123))
    seen = {}   # client address -> [packets, first seen, last seen]: ntpd's monitor list
    while True:
        data, peer = s.recvfrom(512)
        t_recv = time.time()
        # answer only well-formed client requests (mode 3), like a real server
        if len(data) >= 48 and data[0] & 7 == 3:
            s.sendto(reply(data, t_recv), peer)
            entry = seen.setdefault(peer[0], [0, t_recv, t_recv])
            entry[0] += 1
            entry[2] = t_recv
        elif len(data) >= 8 and data[0] & 7 == 7 and data[3] == 42:
            clients = sorted(((ip, e[0], e[1], e[2]) for ip, e in seen.items()), key=lambda c: -c[3])[:36]
            for packet in monlist(data, clients):
                s.sendto(packet, peer)


if __name__ == "__main__":
    main()
