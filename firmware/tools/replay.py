#!/usr/bin/env python3
"""Replays the first COUNT Ethernet frames of a classic pcap file onto IFACE
through an AF_PACKET socket, for the live-capture test (test/firmware.test.ts),
which runs it inside a network namespace it created itself: the frames only
cross the test's own veth pair. Frames longer than MTU + 14 bytes are skipped.

    replay.py IFACE CAPTURE.pcap COUNT [GAP_SECONDS]

Prints the number of frames sent.
"""
import socket
import struct
import sys
import time


def frames(path):
    data = open(path, 'rb').read()
    magic = struct.unpack_from('<I', data, 0)[0]
    end = '<' if magic in (0xa1b2c3d4, 0xa1b23c4d) else '>'
    p = 24
    while p + 16 <= len(data):
        _, _, cap, _ = struct.unpack_from(end + '4I', data, p)
        p += 16
        if p + cap > len(data):
            return
        yield data[p:p + cap]
        p += cap


def main():
    iface, path, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    gap = float(sys.argv[4]) if len(sys.argv) > 4 else 0.001
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((iface, 0))
    sent = 0
    for f in frames(path):
        if sent >= count:
            break
        if len(f) < 14 or len(f) > 1514:
            continue
        s.send(f)
        sent += 1
        time.sleep(gap)
    print(sent)


if __name__ == '__main__':
    main()
